/*
 * Scalar values of herald.yaml: each setter reads one node, checks it
 * against its schema row and, if it is good, stores it at the row's
 * offset.  A refused value leaves the default and says why, naming the
 * key; bad bytes are quoted escaped, and secrets never.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "config_impl.h"
#include "log.h"
#include "mt5.h"
#include "secmem.h"

#define SHOW_MAX	40	/* bytes of a bad value quoted in an error */
#define LOGIN_DIGITS	20
#define NUMBER_MAX	32	/* characters of a number with a fraction */
#define SYMBOL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
#define DIGITS		"0123456789"

/* Quote untrusted bytes for a message: printable ASCII, the rest \xNN. */
void
escape(char *dst, size_t dstsz, const unsigned char *src, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	for (i = 0; i < len && o + 8 < dstsz; i++) {
		if (o >= SHOW_MAX) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"' &&
		    src[i] != '\\')
			dst[o++] = src[i];
		else if (src[i] == '"' || src[i] == '\\') {
			dst[o++] = '\\';
			dst[o++] = src[i];
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[src[i] >> 4];
			dst[o++] = hex[src[i] & 0xf];
		}
	}
	dst[o] = '\0';
}

/* YAML's null: an empty plain scalar, ~ or null. */
int
is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/* What a node is, for "expected X, got Y". */
const char *
got(const yaml_node_t *n, char *buf, size_t bufsz)
{
	char	tmp[ESC_BUF];

	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		if (is_null(n))
			return "nothing";
		escape(tmp, sizeof(tmp), n->data.scalar.value,
		    n->data.scalar.length);
		snprintf(buf, bufsz, "\"%s\"", tmp);
		return buf;
	default:
		return "nothing";
	}
}

/*
 * The string value of a scalar that must fit in size bytes with its NUL
 * and hold no NUL or control character.  Never quotes the value, so it is
 * safe for secrets.  NULL after an error.
 */
static const char *
get_string(struct parse_ctx *ctx, yaml_node_t *n, const char *path,
    size_t size)
{
	const unsigned char	*v;
	char			 g[GOT_BUF];
	size_t			 i, len;

	if (n->type != YAML_SCALAR_NODE) {
		err_node(ctx, n, path, "expected a string, got %s",
		    got(n, g, sizeof(g)));
		return NULL;
	}
	if (is_null(n))
		return "";
	v = n->data.scalar.value;
	len = n->data.scalar.length;
	for (i = 0; i < len; i++) {
		if (v[i] == '\0') {
			err_node(ctx, n, path, "contains a NUL byte");
			return NULL;
		}
		/* C0, DEL and the C1 range as UTF-8 (0xc2 0x80-0x9f). */
		if (v[i] < 0x20 || v[i] == 0x7f || (v[i] == 0xc2 &&
		    i + 1 < len && v[i + 1] >= 0x80 && v[i + 1] <= 0x9f)) {
			err_node(ctx, n, path,
			    "contains a control character (at byte %zu)",
			    i + 1);
			return NULL;
		}
	}
	if (len >= size) {
		err_node(ctx, n, path, "too long (%zu bytes, at most %zu)",
		    len, size - 1);
		return NULL;
	}
	return (const char *)v;
}

void
set_string(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;

	if ((s = get_string(ctx, n, path, k->size)) != NULL)
		strlcpy((char *)base + k->off, s, k->size);
}

static void
path_value(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base, int optional)
{
	const char	*s;
	char		 g[GOT_BUF];

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (s[0] != '/' && !(optional && s[0] == '\0')) {
		err_node(ctx, n, path, "expected an absolute path%s, got %s",
		    optional ? " or nothing" : "", got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

void
set_path(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	path_value(ctx, k, n, path, base, 0);
}

/* An absolute path, or empty for "none". */
void
set_path_opt(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	path_value(ctx, k, n, path, base, 1);
}

/* User and group names, as getpwnam(3) and getgrnam(3) will see them. */
void
set_name(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;
	char		 g[GOT_BUF];
	size_t		 i;

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	i = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");
	if (s[0] == '\0' || s[0] == '-' || s[i] != '\0') {
		err_node(ctx, n, path, "expected a name of letters, digits, "
		    "'_', '.' and '-', not starting with '-', got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

/*
 * Plain decimal only: no sign, no leading zero (YAML 1.1 reads 010 as
 * octal), no 0x, no underscores.  Returns 0 if s is not one.
 */
static int
parse_decimal(const yaml_node_t *n, long long *v)
{
	const unsigned char	*s = n->data.scalar.value;
	size_t			 i, len = n->data.scalar.length;

	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return 0;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

void
set_int(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char		 g[GOT_BUF];
	long long	 v;
	uint16_t	 u16;
	int		 i;

	if (n->type != YAML_SCALAR_NODE || !parse_decimal(n, &v) ||
	    v < k->min || v > k->max) {
		err_node(ctx, n, path, "expected an integer from %lld to %lld, "
		    "got %s", k->min, k->max, got(n, g, sizeof(g)));
		return;
	}
	if (k->size == sizeof(u16)) {
		u16 = (uint16_t)v;
		memcpy((char *)base + k->off, &u16, sizeof(u16));
	} else if (k->size == sizeof(i)) {
		i = (int)v;
		memcpy((char *)base + k->off, &i, sizeof(i));
	} else
		fatalx("config: %s: integer field of size %zu", path, k->size);
}

void
set_bool(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;
	char		 g[GOT_BUF];
	int		 v;

	s = n->type == YAML_SCALAR_NODE &&
	    strlen((const char *)n->data.scalar.value) ==
	    n->data.scalar.length ? (const char *)n->data.scalar.value : "";
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		v = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		v = 0;
	else {
		err_node(ctx, n, path, "expected true, false, yes or no, "
		    "got %s", got(n, g, sizeof(g)));
		return;
	}
	memcpy((char *)base + k->off, &v, sizeof(v));
}

/* The row of a table of names that n spells exactly, or NULL. */
static const struct conf_enum *
find_enum(const struct conf_enum *tab, const yaml_node_t *n)
{
	const struct conf_enum	*e;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	for (e = tab; e->name != NULL; e++)
		if (strlen(e->name) == n->data.scalar.length &&
		    strcmp(e->name, (const char *)n->data.scalar.value) == 0)
			return e;
	return NULL;
}

/* "a, b or c" (sep "or") from the table, so no message can go stale. */
static void
enum_names(const struct conf_enum *tab, const char *sep, char *buf,
    size_t bufsz)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; tab[i].name != NULL; i++) {
		if (i > 0 && tab[i + 1].name == NULL) {
			strlcat(buf, " ", bufsz);
			strlcat(buf, sep, bufsz);
			strlcat(buf, " ", bufsz);
		} else if (i > 0)
			strlcat(buf, ", ", bufsz);
		strlcat(buf, tab[i].name, bufsz);
	}
}

void
set_enum(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const struct conf_enum	*e;
	char			 want[128], g[GOT_BUF];

	if ((e = find_enum(k->enums, n)) != NULL) {
		memcpy((char *)base + k->off, &e->value, sizeof(e->value));
		return;
	}
	enum_names(k->enums, "or", want, sizeof(want));
	err_node(ctx, n, path, "expected %s, got %s", want,
	    got(n, g, sizeof(g)));
}

void
set_address(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*s;
	char		 g[GOT_BUF];

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1) {
		err_node(ctx, n, path, "expected a numeric IPv4 or IPv6 "
		    "address, got %s", got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

/* The login is masked in logs, so its errors do not quote it either. */
void
set_login(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;

	if (n->type == YAML_SCALAR_NODE && !is_null(n) &&
	    n->data.scalar.length > LOGIN_DIGITS) {
		err_node(ctx, n, path, "expected at most %d digits, got %zu "
		    "characters", LOGIN_DIGITS, n->data.scalar.length);
		return;
	}
	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (strspn(s, "0123456789") != strlen(s)) {
		err_node(ctx, n, path, "expected digits only (the MT5 "
		    "account number)");
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

void
set_password(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	const char		*s;

	if ((s = get_string(ctx, n, path, CONF_SECRET_MAX + 1)) == NULL)
		return;
	if (*s == '\0')
		return;
	secret_free(conf->mt5.password);
	conf->mt5.password = secret_new(s, strlen(s));
	conf->mt5.password_in_file = 1;
	/* The scalar is libyaml's copy; the secret lives in secmem now. */
	explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

void
set_password_file(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	set_path_opt(ctx, k, n, path, base);
	ctx->password_file_line = node_line(n);
}

/*
 * A number as YAML's core schema writes one, and nothing looser: an
 * optional minus, no leading zero, an optional fraction and exponent,
 * written plain (a quoted "10" is a string).  No .inf or .nan, nothing
 * that overflows.  strtod reads the C locale's '.': heraldd never
 * calls setlocale(3).
 */
static int
parse_number(const yaml_node_t *n, double *v)
{
	const char	*s = (const char *)n->data.scalar.value;
	char		*end;
	size_t		 i = 0, len = n->data.scalar.length;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || len == 0 ||
	    len > NUMBER_MAX || strlen(s) != len)
		return 0;
	if (s[i] == '-')
		i++;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		i += strspn(s + i, DIGITS);
	else
		return 0;
	if (s[i] == '.') {
		if (s[++i] < '0' || s[i] > '9')
			return 0;
		i += strspn(s + i, DIGITS);
	}
	if (s[i] == 'e' || s[i] == 'E') {
		if (s[++i] == '+' || s[i] == '-')
			i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		i += strspn(s + i, DIGITS);
	}
	if (i != len)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end != s + len || !isfinite(*v))
		return 0;
	if (*v == 0)		/* -0 */
		*v = 0;
	return 1;
}

void
set_double(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char	 g[GOT_BUF], lo[32], hi[32];
	double	 v;
	int	 above = (k->flags & KF_ABOVE_MIN) != 0, quoted;

	if (k->size != sizeof(v))
		fatalx("config: %s: number field of size %zu", path, k->size);
	if (n->type == YAML_SCALAR_NODE && parse_number(n, &v) &&
	    (above ? v > k->dmin : v >= k->dmin) && v <= k->dmax) {
		memcpy((char *)base + k->off, &v, sizeof(v));
		return;
	}
	snprintf(lo, sizeof(lo), "%.15g", k->dmin);
	snprintf(hi, sizeof(hi), "%.15g", k->dmax);
	quoted = n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (above)
		err_node(ctx, n, path, "expected a number greater than %s and "
		    "at most %s, got %s%s", lo, hi, quoted ? "the string " : "",
		    got(n, g, sizeof(g)));
	else
		err_node(ctx, n, path, "expected a number from %s to %s, got "
		    "%s%s", lo, hi, quoted ? "the string " : "",
		    got(n, g, sizeof(g)));
}

/* Any unsigned 64-bit integer, in plain decimal as set_int takes them. */
void
set_u64(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const unsigned char	*s;
	char			 g[GOT_BUF];
	uint64_t		 v = 0;
	size_t			 i, len;
	unsigned int		 d;

	if (k->size != sizeof(v))
		fatalx("config: %s: u64 field of size %zu", path, k->size);
	if (n->type != YAML_SCALAR_NODE)
		goto bad;
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		d = s[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	memcpy((char *)base + k->off, &v, sizeof(v));
	return;
 bad:
	err_node(ctx, n, path, "expected an integer from 0 to %" PRIu64
	    ", got %s", UINT64_MAX, got(n, g, sizeof(g)));
}

/* Two decimal digits at s, at most max; -1 if not. */
static int
two_digits(const char *s, int max)
{
	int	v;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	return v <= max ? v : -1;
}

/*
 * A time of day in UTC, "HH:MM" or "HH:MM:SS" from 00:00 to 24:00, as
 * seconds after midnight (an int).
 */
void
set_time_of_day(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	const char	*s = (const char *)n->data.scalar.value;
	char		 g[GOT_BUF];
	size_t		 len = n->data.scalar.length;
	int		 h, m, sec = 0, v;

	if (n->type != YAML_SCALAR_NODE || (len != 5 && len != 8) ||
	    s[2] != ':' || (len == 8 && s[5] != ':') ||
	    (h = two_digits(s, 24)) < 0 || (m = two_digits(s + 3, 59)) < 0 ||
	    (len == 8 && (sec = two_digits(s + 6, 59)) < 0) ||
	    (h == 24 && (m != 0 || sec != 0))) {
		err_node(ctx, n, path, "expected a time of day in UTC, HH:MM "
		    "or HH:MM:SS from 00:00 to 24:00, got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	v = h * 3600 + m * 60 + sec;
	memcpy((char *)base + k->off, &v, sizeof(v));
}

/* ISO 4217 style: three capitals. */
void
set_currency(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	char	g[GOT_BUF];

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length != 3 ||
	    strspn((const char *)n->data.scalar.value, UPPER) != 3) {
		err_node(ctx, n, path, "expected a currency code of three "
		    "capital letters, such as USD, got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, (const char *)n->data.scalar.value,
	    k->size);
}

/* [A-Z0-9._]{1,31}: safe to log, to put in SQL and in a wire message. */
int
symbol_node_ok(const yaml_node_t *n)
{
	size_t	len;

	if (n->type != YAML_SCALAR_NODE)
		return 0;
	len = n->data.scalar.length;
	return len > 0 && len < CONF_SYMBOL_MAX &&
	    strspn((const char *)n->data.scalar.value, SYMBOL_CHARS) == len;
}

void
set_symbol_name(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	char	g[GOT_BUF];

	if (!symbol_node_ok(n)) {
		err_node(ctx, n, path, SYMBOL_WANT ", got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, (const char *)n->data.scalar.value,
	    k->size);
}

/*
 * A list of the row's names as bits: a symbol's filling modes (fok, ioc
 * and return), its expirations (gtc, day, specified, specified_day).
 */
void
set_flag_list(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	const struct conf_enum	*f;
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF], want[64];
	unsigned int		 bits = 0;
	size_t			 i, before = ctx->nerr;

	enum_names(k->enums, "and", want, sizeof(want));
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of %s, got %s", want,
		    got(n, g, sizeof(g)));
		return;
	}
	if (n->data.sequence.items.top == n->data.sequence.items.start) {
		err_node(ctx, n, path, "must list at least one of %s", want);
		return;
	}
	enum_names(k->enums, "or", want, sizeof(want));
	for (item = n->data.sequence.items.start, i = 0;
	    item < n->data.sequence.items.top; item++, i++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if ((f = find_enum(k->enums, e)) == NULL)
			err_node(ctx, e, ipath, "expected %s, got %s", want,
			    got(e, g, sizeof(g)));
		else if (bits & f->value)
			err_node(ctx, e, ipath, "%s is listed twice", f->name);
		else
			bits |= f->value;
	}
	if (ctx->nerr == before)
		memcpy((char *)base + k->off, &bits, sizeof(bits));
}
