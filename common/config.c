/*
 * herald.yaml: a libyaml document turned into a struct herald_conf.
 *
 * The buffer is parsed twice.  The first pass uses libyaml's event API
 * only to refuse what the schema has no use for and what would make the
 * second pass surprising: syntax errors, a second document, anchors,
 * aliases and explicit tags.  The second pass loads the document and walks
 * it against one table per section (the schema, config_schema.c); a row
 * names a key, its setter and the field it fills, so a new key is one
 * line.  The setters are in config_value.c and config_list.c, the checks
 * between keys at the end of this file, the file checks in config_file.c.  Every error is
 * "file:line: key.path: message" and the walk goes on after one, so that
 * heraldd -n shows them all at once.
 *
 * Secrets (mt5.password, the contents of mt5.password_file) go straight
 * into secmem; every other copy (libyaml's buffers and scalars, our read
 * buffers) is wiped before it is freed.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "config_impl.h"
#include "nitems.h"
#include "log.h"
#include "mt5.h"
#include "secmem.h"

#define KEYS_MAX	32	/* rows in one schema table */
#define TOO_MANY	"too many errors; fix these first"

static const char *const watched[W_COUNT] = {
	[W_LIMITS] =		"limits",
	[W_OPEN_FILES] =	"limits.open_files",
	[W_CONNECTIONS] =	"limits.connections",
	[W_RATE_LIMIT] =	"rate_limit",
	[W_BAN_TIME] =		"rate_limit.ban_time",
	[W_BAN_MAX] =		"rate_limit.ban_max",
	[W_BACKEND] =		"mt5.backend",
	[W_CURRENCY] =		"mt5.paper.currency",
	[W_SYMBOLS] =		"mt5.paper.symbols",
	[W_ALLOWED] =		"trading.allowed_symbols",
	[W_BRIDGE_ADDRESS] =	"mt5.bridge.address",
	[W_BRIDGE_TLS] =	"mt5.bridge.tls",
	[W_MIN_MARGIN] =	"trading.min_margin_level",
};

void
config_free(struct herald_conf *conf)
{
	secret_free(conf->mt5.password);
	conf->mt5.password = NULL;
	conf->mt5.password_in_file = 0;
}

void
config_error(struct conf_errors *errs, const char *fmt, ...)
{
	va_list	ap;

	if (errs->n >= CONF_MAX_ERRORS) {
		/* Full: say so once, in place of the last message. */
		strlcpy(errs->msg[CONF_MAX_ERRORS - 1], TOO_MANY,
		    sizeof(errs->msg[0]));
		errs->n = CONF_MAX_ERRORS;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errs->msg[errs->n], sizeof(errs->msg[0]), fmt, ap);
	va_end(ap);
	errs->n++;
}

/*
 * Errors during the walk.  line 0 means "no line" (out of memory); an
 * empty path leaves out the key.
 */
void
err_at(struct parse_ctx *ctx, size_t line, const char *path,
    const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	ctx->nerr++;
	if (line == 0)
		config_error(ctx->errs, "%s: %s", ctx->name, msg);
	else if (path == NULL || *path == '\0')
		config_error(ctx->errs, "%s:%zu: %s", ctx->name, line, msg);
	else
		config_error(ctx->errs, "%s:%zu: %s: %s", ctx->name, line,
		    path, msg);
}

size_t
node_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

void
err_node(struct parse_ctx *ctx, const yaml_node_t *n, const char *path,
    const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_at(ctx, node_line(n), path, "%s", msg);
}

/*
 * Remember where a key of interest to the checks between keys was given,
 * and whether its value was refused (its default then stands in, and a
 * check on it would only add noise).
 */
static void
note_line(struct parse_ctx *ctx, const char *path, size_t line, int refused)
{
	int	i;

	for (i = 0; i < W_COUNT; i++) {
		if (strcmp(watched[i], path) != 0)
			continue;
		if (refused)
			ctx->bad[i] = 1;
		if (line != 0)
			ctx->line[i] = line;
	}
}

/*
 * Walk a mapping against a table.  Each key must be known and given
 * once; required rows must be present.
 */
void
walk_mapping(struct parse_ctx *ctx, yaml_node_t *map,
    const struct conf_key *tab, const char *path, void *base)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k, *v;
	size_t			 first[KEYS_MAX], before;
	char			 child[KEYPATH_MAX], name[ESC_BUF];
	char			 g[GOT_BUF];
	int			 i, nrows;

	for (nrows = 0; tab[nrows].name != NULL; nrows++)
		;
	if (nrows > KEYS_MAX)
		fatalx("config: %s: schema table too long", path);
	memset(first, 0, sizeof(first));

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(ctx->doc, pair->key);
		v = yaml_document_get_node(ctx->doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			err_node(ctx, k, path, "expected a key name, got %s",
			    got(k, g, sizeof(g)));
			continue;
		}
		for (i = 0; i < nrows; i++)
			if (strlen(tab[i].name) == k->data.scalar.length &&
			    strcmp(tab[i].name,
			    (const char *)k->data.scalar.value) == 0)
				break;
		escape(name, sizeof(name), k->data.scalar.value,
		    k->data.scalar.length);
		if (name[0] == '\0')	/* an empty key still needs a name */
			strlcpy(name, "\"\"", sizeof(name));
		if (*path != '\0')
			snprintf(child, sizeof(child), "%s.%s", path, name);
		else
			strlcpy(child, name, sizeof(child));
		if (i == nrows) {
			err_node(ctx, k, child, "unknown key");
			continue;
		}
		if (first[i] != 0) {
			err_node(ctx, k, child, "duplicate key (first given "
			    "at line %zu)", first[i]);
			continue;
		}
		first[i] = node_line(k);
		before = ctx->nerr;
		tab[i].set(ctx, &tab[i], v, child, base);
		/* A refused value left the default: do not point at it. */
		note_line(ctx, child, ctx->nerr == before ||
		    v->type != YAML_SCALAR_NODE ? first[i] : 0,
		    ctx->nerr != before);
	}
	for (i = 0; i < nrows; i++)
		if ((tab[i].flags & KF_REQUIRED) && first[i] == 0)
			err_node(ctx, map, path, "missing key \"%s\"",
			    tab[i].name);
}

void
set_section(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char	g[GOT_BUF];

	if (is_null(n))		/* "tls:" with nothing under it */
		return;
	if (n->type != YAML_MAPPING_NODE) {
		err_node(ctx, n, path, "expected a mapping, got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	walk_mapping(ctx, n, k->sub, path, base);
}

/*
 * Where a check between two keys points: the first key if it was given,
 * else the second, else their section (a line of 0 when none was: the
 * defaults themselves never conflict).
 */
static enum watch
pick_line(const struct parse_ctx *ctx, enum watch a, enum watch b,
    enum watch section)
{
	if (ctx->line[a] != 0)
		return a;
	if (ctx->line[b] != 0)
		return b;
	return section;
}

static int
paper_has(const struct herald_conf *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->mt5.paper.nsymbols; i++)
		if (strcmp(conf->mt5.paper.symbols[i].name, name) == 0)
			return 1;
	return 0;
}

/* The forex modes' margin is in the base currency, the others' not. */
static int
priced_mode(int calc_mode)
{
	return calc_mode != PAPER_CALC_FOREX &&
	    calc_mode != PAPER_CALC_FOREX_NO_LEVERAGE;
}

static const char *
calc_mode_name(int calc_mode)
{
	static const char *const names[] = { "forex", "futures", "cfd",
	    "cfd_index", "cfd_leverage", "forex_no_leverage" };

	if (calc_mode < 0 || (size_t)calc_mode >= nitems(names))
		return "?";
	return names[calc_mode];
}

/* A priced symbol's profit is in its profit currency, never converted. */
static void
cfd_currency(struct parse_ctx *ctx, size_t i, const struct conf_symbol *s,
    const char *cur)
{
	char	path[KEYPATH_MAX];

	if (ctx->line[W_SYMBOLS] == 0) {
		err_at(ctx, ctx->line[W_CURRENCY], watched[W_CURRENCY],
		    "the default symbol %s is a CFD priced in %s, not in %s; "
		    "list mt5.paper.symbols that fit", s->name,
		    s->currency_profit, cur);
		return;
	}
	snprintf(path, sizeof(path), "mt5.paper.symbols[%zu]", i);
	err_at(ctx, ctx->symbol_line[i], path, "%s: calc_mode %s needs the "
	    "account currency, mt5.paper.currency (%s), as the profit "
	    "currency, not %s", s->name, calc_mode_name(s->calc_mode), cur,
	    s->currency_profit);
}

/*
 * The margin keys' defaults, which depend on other keys; and calc_mode
 * cfd, whose meaning changed (it was MT5's CFDLeverage, now cfd_leverage:
 * MT5's CFD has no leverage), needs margin_rate set, so that an old
 * configuration is refused rather than asking for 100 times the margin.
 */
static int
symbol_margin_keys(struct parse_ctx *ctx, size_t i, struct conf_symbol *s)
{
	char	path[KEYPATH_MAX];

	if (s->calc_mode == PAPER_CALC_CFD && s->margin_rate == 0) {
		snprintf(path, sizeof(path), "mt5.paper.symbols[%zu]", i);
		err_at(ctx, ctx->symbol_line[i], path, "%s: calc_mode cfd is "
		    "MT5's CFD mode, without leverage (margin = lots * "
		    "contract_size * price * margin_rate): set its "
		    "margin_rate, or use calc_mode cfd_leverage, what cfd "
		    "meant before", s->name);
		return -1;
	}
	symbol_margin_defaults(s);
	return 0;
}

/*
 * The paper engine keeps the account in one currency and converts a
 * profit or a margin only at the symbol's own rate, so each symbol must
 * have the account currency on one side; and an allowed symbol must
 * exist.  Skipped for the bridge, whose symbols are the terminal's, and
 * when a key involved was refused: its default would only add noise.
 */
static void
paper_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;
	const struct conf_symbol *s;
	const char		*cur = conf->mt5.paper.currency;
	const char		*a;
	char			 path[KEYPATH_MAX];
	size_t			 i;

	if (conf->mt5.backend != BACKEND_PAPER || ctx->bad[W_BACKEND] ||
	    ctx->bad[W_SYMBOLS])
		return;
	for (i = 0; !ctx->bad[W_CURRENCY] && i < conf->mt5.paper.nsymbols;
	    i++) {
		s = &conf->mt5.paper.symbols[i];
		if (symbol_margin_keys(ctx, i, &conf->mt5.paper.symbols[i]) ==
		    -1)
			continue;
		if (priced_mode(s->calc_mode) &&
		    strcmp(s->currency_profit, cur) != 0) {
			cfd_currency(ctx, i, s, cur);
			continue;
		}
		if (strcmp(s->currency_base, cur) == 0 ||
		    strcmp(s->currency_profit, cur) == 0)
			continue;
		if (ctx->line[W_SYMBOLS] != 0) {
			snprintf(path, sizeof(path), "mt5.paper.symbols[%zu]",
			    i);
			err_at(ctx, ctx->symbol_line[i], path, "%s: neither "
			    "its base currency (%s) nor its profit currency "
			    "(%s) is the account currency, mt5.paper.currency "
			    "(%s); the paper engine cannot convert between "
			    "other currencies", s->name, s->currency_base,
			    s->currency_profit, cur);
		} else
			err_at(ctx, ctx->line[W_CURRENCY], watched[W_CURRENCY],
			    "the default symbol %s has neither %s as its base "
			    "currency (%s) nor as its profit currency (%s); "
			    "list mt5.paper.symbols that do", s->name, cur,
			    s->currency_base, s->currency_profit);
	}
	if (ctx->bad[W_ALLOWED])
		return;
	for (i = 0; i < conf->trading.nallowed; i++) {
		a = conf->trading.allowed_symbols[i];
		if (paper_has(conf, a))
			continue;
		if (ctx->line[W_ALLOWED] != 0)
			err_at(ctx, ctx->allowed_line[i], watched[W_ALLOWED],
			    "%s is not a symbol of mt5.paper.symbols", a);
		else
			err_at(ctx, ctx->line[W_SYMBOLS], watched[W_SYMBOLS],
			    "%s, allowed by the default "
			    "trading.allowed_symbols, is not one of these "
			    "symbols; set trading.allowed_symbols", a);
	}
}

/* 127.0.0.0/8 or ::1: the EA runs on this host. */
static int
is_loopback(const char *a)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (inet_pton(AF_INET, a, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, a, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * The bridge's frames are MACed, not encrypted: account data and orders
 * off this host need TLS (and the EA pins its certificate).
 */
static void
bridge_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;

	if (!conf->mt5.bridge.tls && !is_loopback(conf->mt5.bridge.address))
		err_at(ctx, ctx->line[W_BRIDGE_ADDRESS],
		    watched[W_BRIDGE_ADDRESS], "%s is not a loopback address, "
		    "and mt5.bridge.tls is off: the bridge carries orders and "
		    "account data, so a listener off this host needs TLS; set "
		    "mt5.bridge.tls: true (with mt5.bridge.tls_certificate "
		    "and tls_key), or use 127.0.0.1 or ::1",
		    conf->mt5.bridge.address);
	/*
	 * The terminal reports no margin figures (its position lists carry
	 * none, its symbols no margin parameters), so the rule could only
	 * refuse every order: say so now rather than at the first order.
	 */
	if (conf->mt5.backend == BACKEND_BRIDGE &&
	    conf->trading.min_margin_level > 0)
		err_at(ctx, ctx->line[W_MIN_MARGIN], watched[W_MIN_MARGIN],
		    "not available with mt5.backend: bridge: the terminal "
		    "reports no margin figures to estimate an order's margin "
		    "from, so every order would be refused; set it to 0 and "
		    "use the terminal's own margin call and stop-out levels");
}

/* Checks between keys, once the walk is done. */
static void
cross_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;
	enum watch		 w;

	if (conf->mt5.password_in_file && conf->mt5.password_file[0] != '\0')
		err_at(ctx, ctx->password_file_line, "mt5.password_file",
		    "mt5.password and mt5.password_file are both set; "
		    "use one of them");

	/*
	 * net holds one descriptor per connection, plus its listeners, its
	 * channels and whatever OpenSSL and libevent open: the connection
	 * limit must leave room under RLIMIT_NOFILE.
	 */
	if (conf->limits.connections >= conf->limits.open_files) {
		w = pick_line(ctx, W_CONNECTIONS, W_OPEN_FILES, W_LIMITS);
		err_at(ctx, ctx->line[w], watched[w], "limits.connections "
		    "(%d) must be less than limits.open_files (%d): net "
		    "also needs descriptors for its listeners and channels",
		    conf->limits.connections, conf->limits.open_files);
	}
	if (conf->rate_limit.ban_time > conf->rate_limit.ban_max) {
		w = pick_line(ctx, W_BAN_TIME, W_BAN_MAX, W_RATE_LIMIT);
		err_at(ctx, ctx->line[w], watched[w], "rate_limit.ban_time "
		    "(%d) must not exceed rate_limit.ban_max (%d): bans "
		    "double from ban_time up to ban_max",
		    conf->rate_limit.ban_time, conf->rate_limit.ban_max);
	}
	paper_checks(ctx);
	bridge_checks(ctx);
}

static void
yaml_problem(struct parse_ctx *ctx, const yaml_parser_t *p,
    const unsigned char *buf, size_t len)
{
	const char	*problem = p->problem ? p->problem : "unknown error";
	size_t		 i, line, end;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		err_at(ctx, 0, NULL, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		/* The reader knows a byte offset, not a mark. */
		end = p->problem_offset < len ? p->problem_offset : len;
		for (i = 0, line = 1; i < end; i++)
			if (buf[i] == '\n')
				line++;
		if (p->problem_value != -1)
			err_at(ctx, line, NULL, "invalid input: %s (0x%x)",
			    problem, (unsigned int)p->problem_value);
		else
			err_at(ctx, line, NULL, "invalid input: %s", problem);
		break;
	default:
		if (p->context != NULL)
			err_at(ctx, p->problem_mark.line + 1, NULL,
			    "syntax error: %s (%s at line %zu)", problem,
			    p->context, p->context_mark.line + 1);
		else
			err_at(ctx, p->problem_mark.line + 1, NULL,
			    "syntax error: %s", problem);
		break;
	}
}

/* libyaml keeps copies of the input in its buffers; wipe them. */
static void
wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start != NULL)
		explicit_bzero(p->raw_buffer.start,
		    p->raw_buffer.end - p->raw_buffer.start);
	if (p->buffer.start != NULL)
		explicit_bzero(p->buffer.start,
		    p->buffer.end - p->buffer.start);
}

static void
wipe_document(yaml_document_t *doc)
{
	yaml_node_t	*n;

	for (n = doc->nodes.start; n != NULL && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value,
			    n->data.scalar.length);
}

static int
parser_open(struct parse_ctx *ctx, yaml_parser_t *p,
    const unsigned char *buf, size_t len)
{
	if (!yaml_parser_initialize(p)) {
		err_at(ctx, 0, NULL, "out of memory while parsing");
		return 0;
	}
	yaml_parser_set_input_string(p, buf, len);
	yaml_parser_set_encoding(p, YAML_UTF8_ENCODING);
	return 1;
}

static void
no_anchor_or_tag(struct parse_ctx *ctx, const yaml_event_t *ev,
    const yaml_char_t *anchor, const yaml_char_t *tag)
{
	char	show[ESC_BUF];

	if (anchor != NULL) {
		escape(show, sizeof(show), anchor,
		    strlen((const char *)anchor));
		err_at(ctx, ev->start_mark.line + 1, NULL, "anchor \"&%s\": "
		    "anchors and aliases are not allowed", show);
	}
	if (tag != NULL) {
		escape(show, sizeof(show), tag, strlen((const char *)tag));
		err_at(ctx, ev->start_mark.line + 1, NULL, "tag \"%s\": "
		    "tags are not allowed", show);
	}
}

/*
 * First pass, events only.  Refusing aliases here also means the walk
 * never meets a node twice, so its cost is bounded by the input.
 */
static int
prescan(struct parse_ctx *ctx, const unsigned char *buf, size_t len)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	size_t		 before = ctx->nerr;
	char		 show[ESC_BUF];
	int		 docs = 0, done = 0;

	if (!parser_open(ctx, &p, buf, len))
		return 0;
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_problem(ctx, &p, buf, len);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err_at(ctx, ev.start_mark.line + 1, NULL,
				    "multiple documents are not allowed; "
				    "the first ends before this line");
				done = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			escape(show, sizeof(show), ev.data.alias.anchor,
			    strlen((const char *)ev.data.alias.anchor));
			err_at(ctx, ev.start_mark.line + 1, NULL,
			    "alias \"*%s\": aliases are not allowed", show);
			break;
		case YAML_SCALAR_EVENT:
			no_anchor_or_tag(ctx, &ev, ev.data.scalar.anchor,
			    ev.data.scalar.tag);
			explicit_bzero(ev.data.scalar.value,
			    ev.data.scalar.length);
			break;
		case YAML_SEQUENCE_START_EVENT:
			no_anchor_or_tag(ctx, &ev,
			    ev.data.sequence_start.anchor,
			    ev.data.sequence_start.tag);
			break;
		case YAML_MAPPING_START_EVENT:
			no_anchor_or_tag(ctx, &ev, ev.data.mapping_start.anchor,
			    ev.data.mapping_start.tag);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	wipe_parser(&p);
	yaml_parser_delete(&p);
	return ctx->nerr == before;
}

/* Both passes; appends to errs and returns how many errors it found. */
int
parse_buffer(struct herald_conf *conf, const char *name, const char *buf,
    size_t len, struct conf_errors *errs)
{
	struct parse_ctx	 ctx;
	yaml_parser_t		 p;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	const unsigned char	*ubuf = (const unsigned char *)buf;
	char			 g[GOT_BUF];

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = name;
	ctx.conf = conf;
	ctx.errs = errs;
	ctx.doc = &doc;

	if (len > CONF_MAX_FILE) {
		err_at(&ctx, 0, NULL, "too large (%zu bytes, at most %d)",
		    len, CONF_MAX_FILE);
		return 1;
	}
	if (!prescan(&ctx, ubuf, len) || !parser_open(&ctx, &p, ubuf, len))
		goto out;
	if (!yaml_parser_load(&p, &doc)) {
		yaml_problem(&ctx, &p, ubuf, len);
		wipe_parser(&p);
		yaml_parser_delete(&p);
		goto out;
	}
	/* No document at all, or "---" alone: every key at its default. */
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			err_node(&ctx, root, NULL, "expected a mapping of "
			    "sections at the top level, got %s",
			    got(root, g, sizeof(g)));
		else
			walk_mapping(&ctx, root, top_keys, "", conf);
	}
	cross_checks(&ctx);
	wipe_document(&doc);
	yaml_document_delete(&doc);
	wipe_parser(&p);
	yaml_parser_delete(&p);
 out:
	return ctx.nerr > INT_MAX ? INT_MAX : (int)ctx.nerr;
}

int
config_parse(struct herald_conf *conf, const char *name, const char *buf,
    size_t len, struct conf_errors *errs)
{
	errs->n = 0;
	strlcpy(conf->path, name, sizeof(conf->path));
	return parse_buffer(conf, name, buf, len, errs);
}
