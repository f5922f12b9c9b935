/*
 * List values of herald.yaml: listen, mt5.paper.symbols,
 * trading.allowed_symbols and rate_limit.exempt.  Each list, when given, replaces its default
 * entirely, and only if every entry is good; the checks within one
 * symbol entry are here too.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "config_impl.h"

/* Binary form of a listen address, for spotting duplicates. */
static void
addr_key(const char *s, unsigned char out[17])
{
	if (inet_pton(AF_INET, s, out + 1) == 1)
		out[0] = 4;
	else if (inet_pton(AF_INET6, s, out + 1) == 1)
		out[0] = 6;
}

/*
 * listen: a list of {address, port}.  Given, it replaces the default
 * entirely; it is only installed if every entry is good.
 */
void
set_listen(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct conf_listen	 tmp[CONF_MAX_LISTEN];
	unsigned char		 key[CONF_MAX_LISTEN][17];
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF];
	size_t			 before = ctx->nerr, i, j, count;

	if (is_null(n) || (n->type == YAML_SEQUENCE_NODE &&
	    n->data.sequence.items.top == n->data.sequence.items.start)) {
		err_node(ctx, n, path, "must list at least one address "
		    "(leave the key out for the default, 127.0.0.1 port 8181)");
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of {address, port} "
		    "mappings, got %s", got(n, g, sizeof(g)));
		return;
	}

	count = 0;
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= CONF_MAX_LISTEN) {
			err_node(ctx, e, ipath, "too many entries (at most %d)",
			    CONF_MAX_LISTEN);
			break;
		}
		memset(&tmp[count], 0, sizeof(tmp[count]));
		memset(key[count], 0, sizeof(key[count]));
		tmp[count].port = DEFAULT_PORT;
		if (e->type != YAML_MAPPING_NODE) {
			err_node(ctx, e, ipath, "expected a mapping with "
			    "address and port, got %s", got(e, g, sizeof(g)));
			continue;
		}
		walk_mapping(ctx, e, listen_keys, ipath, &tmp[count]);
		addr_key(tmp[count].address, key[count]);
		for (j = 0; key[count][0] != 0 && j < count; j++) {
			if (tmp[j].port == tmp[count].port &&
			    memcmp(key[j], key[count], 17) == 0) {
				err_node(ctx, e, ipath, "same address and port "
				    "as %s[%zu]", path, j);
				break;
			}
		}
	}
	if (ctx->nerr != before)
		return;
	for (i = 0; i < count; i++)
		ctx->conf->listen[i] = tmp[i];
	ctx->conf->nlisten = count;
}

/* The key node named key in a mapping, or NULL. */
static yaml_node_t *
find_key(struct parse_ctx *ctx, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(ctx->doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == strlen(key) &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return k;
	}
	return NULL;
}

/*
 * An error about a key of the symbol entry map: at the key's line if it
 * was given, else at alt's, else at the entry's.
 */
static void __attribute__((format(printf, 6, 7)))
err_symbol(struct parse_ctx *ctx, yaml_node_t *map, const char *path,
    const char *key, const char *alt, const char *fmt, ...)
{
	yaml_node_t	*k;
	char		 kpath[KEYPATH_MAX + 16], msg[400];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((k = find_key(ctx, map, key)) == NULL && alt != NULL &&
	    (k = find_key(ctx, map, alt)) != NULL)
		key = alt;
	if (k == NULL) {
		err_node(ctx, map, path, "%s", msg);
		return;
	}
	snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
	err_node(ctx, k, kpath, "%s", msg);
}

/* Is v a whole number of steps?  The engine's test, without libm. */
static int
on_step(double v, double step)
{
	double	n = v / step;

	return fabs(n - (double)(long long)(n + 0.5)) < 1e-6;
}

/*
 * Checks within one symbol entry whose keys were all good: what the
 * engine would refuse at start, said here with the line.
 */
static void
check_symbol(struct parse_ctx *ctx, yaml_node_t *map, const char *path,
    struct conf_symbol *s)
{
	double	point = 1;
	int	i;

	if ((s->currency_base[0] == '\0' || s->currency_profit[0] == '\0') &&
	    !currencies_from_name(s))
		err_node(ctx, map, path, "missing key \"%s\": the name %s "
		    "does not start with two currency codes to take it from",
		    s->currency_base[0] == '\0' ? "currency_base" :
		    "currency_profit", s->name);
	if (s->volume_min > s->volume_max)
		err_symbol(ctx, map, path, "volume_min", "volume_max",
		    "volume_min (%g) must not exceed volume_max (%g)",
		    s->volume_min, s->volume_max);
	if (s->volume_min < s->volume_step)
		err_symbol(ctx, map, path, "volume_min", "volume_step",
		    "volume_min (%g) must be at least volume_step (%g)",
		    s->volume_min, s->volume_step);
	else if (!on_step(s->volume_min, s->volume_step))
		err_symbol(ctx, map, path, "volume_min", "volume_step",
		    "volume_min (%g) must be a whole number of volume_step "
		    "(%g)", s->volume_min, s->volume_step);
	if (s->volume_max >= s->volume_min &&
	    !on_step(s->volume_max, s->volume_step))
		err_symbol(ctx, map, path, "volume_max", "volume_step",
		    "volume_max (%g) must be a whole number of volume_step "
		    "(%g)", s->volume_max, s->volume_step);
	for (i = 0; i < s->digits; i++)
		point /= 10;
	if (s->start_bid < point)
		err_symbol(ctx, map, path, "start_bid", NULL, "start_bid (%g) "
		    "is less than one point (%g) at %d digits", s->start_bid,
		    point, s->digits);
}

/*
 * mt5.paper.symbols: a list of symbol mappings.  Given, it replaces the
 * default symbols entirely; it is only installed if every entry is good.
 */
void
set_symbols(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	struct conf_symbol	 tmp[CONF_MAX_SYMBOLS];
	size_t			 line[CONF_MAX_SYMBOLS];
	yaml_node_item_t	*item;
	yaml_node_t		*e, *kn;
	char			 ipath[KEYPATH_MAX], kpath[KEYPATH_MAX + 8];
	char			 g[GOT_BUF];
	size_t			 before = ctx->nerr, entry, j, count;

	if (is_null(n) || (n->type == YAML_SEQUENCE_NODE &&
	    n->data.sequence.items.top == n->data.sequence.items.start)) {
		err_node(ctx, n, path, "must list at least one symbol (leave "
		    "the key out for the defaults, EURUSD, GBPUSD, USDJPY and "
		    "XAUUSD)");
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of symbol mappings, "
		    "got %s", got(n, g, sizeof(g)));
		return;
	}
	memset(tmp, 0, sizeof(tmp));
	memset(line, 0, sizeof(line));
	count = 0;
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= CONF_MAX_SYMBOLS) {
			err_node(ctx, e, ipath, "too many symbols (at most "
			    "%d)", CONF_MAX_SYMBOLS);
			break;
		}
		symbol_init(&tmp[count]);
		line[count] = node_line(e);
		if (e->type != YAML_MAPPING_NODE) {
			err_node(ctx, e, ipath, "expected a mapping with at "
			    "least name and start_bid, got %s",
			    got(e, g, sizeof(g)));
			continue;
		}
		entry = ctx->nerr;
		walk_mapping(ctx, e, symbol_keys, ipath, &tmp[count]);
		if (ctx->nerr == entry)
			check_symbol(ctx, e, ipath, &tmp[count]);
		for (j = 0; tmp[count].name[0] != '\0' && j < count; j++) {
			if (strcmp(tmp[j].name, tmp[count].name) != 0)
				continue;
			kn = find_key(ctx, e, "name");
			snprintf(kpath, sizeof(kpath), "%s.name", ipath);
			err_node(ctx, kn != NULL ? kn : e, kpath, "%s is given "
			    "twice (first in %s[%zu] at line %zu)",
			    tmp[count].name, path, j, line[j]);
			break;
		}
	}
	if (ctx->nerr != before)
		return;
	memset(conf->mt5.paper.symbols, 0, sizeof(conf->mt5.paper.symbols));
	memcpy(conf->mt5.paper.symbols, tmp, count * sizeof(tmp[0]));
	conf->mt5.paper.nsymbols = count;
	memcpy(ctx->symbol_line, line, count * sizeof(line[0]));
}

/*
 * A YAML list whose entries one callback takes in turn: n must be a
 * sequence of at most max entries (err names "too many <noun>").  Each
 * entry is given with its index and path "<path>[i]"; the callback
 * reports its own errors.  The count of entries, or -1 if n is no list.
 */
typedef void	(*list_item_fn)(struct parse_ctx *, yaml_node_t *,
		    const char *, size_t, void *);

static ssize_t
list_walk(struct parse_ctx *ctx, yaml_node_t *n, const char *path,
    const char *want, size_t max, const char *noun, list_item_fn fn,
    void *arg)
{
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF];
	size_t			 count = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected %s, got %s", want,
		    got(n, g, sizeof(g)));
		return -1;
	}
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= max) {
			err_node(ctx, e, ipath, "too many %s (at most %zu)",
			    noun, max);
			break;
		}
		fn(ctx, e, ipath, count, arg);
	}
	return (ssize_t)count;
}

struct allowed_walk {
	char		 tmp[CONF_MAX_SYMBOLS][CONF_SYMBOL_MAX];
	size_t		 line[CONF_MAX_SYMBOLS];
};

static void
allowed_item(struct parse_ctx *ctx, yaml_node_t *e, const char *ipath,
    size_t i, void *arg)
{
	struct allowed_walk	*w = arg;
	char			 g[GOT_BUF];
	size_t			 j;

	w->line[i] = node_line(e);
	if (!symbol_node_ok(e)) {
		err_node(ctx, e, ipath, SYMBOL_WANT ", got %s",
		    got(e, g, sizeof(g)));
		return;
	}
	strlcpy(w->tmp[i], (const char *)e->data.scalar.value,
	    sizeof(w->tmp[i]));
	for (j = 0; j < i; j++) {
		if (strcmp(w->tmp[j], w->tmp[i]) != 0)
			continue;
		err_node(ctx, e, ipath, "%s is listed twice (first at line "
		    "%zu)", w->tmp[i], w->line[j]);
		break;
	}
}

/*
 * trading.allowed_symbols: the only symbols an order may name.  [] allows
 * none.  A key with no value at all is refused rather than read as [],
 * since it looks like a list someone forgot to write.  Each name at most
 * once; their lines kept for the check against mt5.paper.symbols.
 */
void
set_allowed(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	static struct allowed_walk w;
	size_t			 before = ctx->nerr;
	ssize_t			 count;

	memset(&w, 0, sizeof(w));
	count = list_walk(ctx, n, path, "a list of symbol names ([] allows "
	    "none)", CONF_MAX_SYMBOLS, "symbols", allowed_item, &w);
	if (count == -1 || ctx->nerr != before)
		return;
	memset(conf->trading.allowed_symbols, 0,
	    sizeof(conf->trading.allowed_symbols));
	memcpy(conf->trading.allowed_symbols, w.tmp, count * sizeof(w.tmp[0]));
	conf->trading.nallowed = count;
	memcpy(ctx->allowed_line, w.line, count * sizeof(w.line[0]));
}

static void
exempt_item(struct parse_ctx *ctx, yaml_node_t *e, const char *ipath,
    size_t i, void *arg)
{
	struct src_net	*tmp = arg;
	const char	*why;
	char		 g[GOT_BUF];
	size_t		 j;

	if (e->type != YAML_SCALAR_NODE) {
		err_node(ctx, e, ipath, "expected an address or a CIDR such as "
		    "192.0.2.0/24 or fd00::/64, got %s", got(e, g, sizeof(g)));
		return;
	}
	if (src_net_parse((const char *)e->data.scalar.value, &tmp[i],
	    &why) == -1) {
		err_node(ctx, e, ipath, "%s: %s", got(e, g, sizeof(g)), why);
		return;
	}
	for (j = 0; j < i; j++) {
		if (memcmp(&tmp[j], &tmp[i], sizeof(tmp[0])) != 0)
			continue;
		err_node(ctx, e, ipath, "%s is listed twice",
		    got(e, g, sizeof(g)));
		break;
	}
}

/* rate_limit.exempt: a list of addresses and CIDRs, each at most once. */
void
set_exempt(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	struct src_net		 tmp[SRC_NETS_MAX];
	size_t			 before = ctx->nerr;
	ssize_t			 count;

	memset(tmp, 0, sizeof(tmp));
	count = list_walk(ctx, n, path, "a list of addresses or CIDRs ([] for "
	    "none)", SRC_NETS_MAX, "entries", exempt_item, tmp);
	if (count == -1 || ctx->nerr != before)
		return;
	memset(conf->rate_limit.exempt, 0, sizeof(conf->rate_limit.exempt));
	memcpy(conf->rate_limit.exempt, tmp, count * sizeof(tmp[0]));
	conf->rate_limit.nexempt = count;
}
