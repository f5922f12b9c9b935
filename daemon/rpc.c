/*
 * Routing for the net process (see rpc.h): the method names, the route
 * table, the path parameters and query of a request target, the API key
 * headers, and the reason phrases.  Bodies are rpc_body.c's, rendering
 * rpc_render.c's.  Nothing here does I/O or keeps state between calls.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "deal.h"
#include "log.h"
#include "nitems.h"
#include "rpc.h"
#include "rpc_int.h"

static const struct {
	unsigned	 bit;
	const char	*name;
} rpc_methods[] = {
	{ RPC_GET,	"GET" },
	{ RPC_HEAD,	"HEAD" },
	{ RPC_POST,	"POST" },
	{ RPC_PUT,	"PUT" },
	{ RPC_DELETE,	"DELETE" },
	{ RPC_PATCH,	"PATCH" },
	{ RPC_OPTIONS,	"OPTIONS" },
	{ RPC_TRACE,	"TRACE" },
	{ RPC_CONNECT,	"CONNECT" },
};

/*
 * The route table is the API catalogue (privsep/api.h), one route per
 * operation in its order.  A pattern segment in braces is a path
 * parameter (rpc_path_params); query names the one query parameter a
 * route accepts (rpc_query_params).
 */
struct rpc_route {
	unsigned	 methods;
	const char	*pattern;
	uint8_t		 op;
	enum api_to	 to;		/* API_NET: answered by net */
	enum rpc_body	 body;
	const char	*query;
	unsigned	 fields;	/* RPC_HAS_* and RPC_NEED_* */
};

static const struct rpc_route rpc_routes[] = {
#define O(name, methods, path, perm, to, rw, fields, query, body, render) \
	{ methods, path, OP_##name, to, body, query, fields },
	HERALD_OPS(O)
#undef O
};

#define RPC_SEGS_MAX	8

int
rpc_fail(struct rpc_error *err, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	err->status = status;
	err->code = code;
	err->allow = 0;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Client-supplied text (a field or parameter name, jansson's message)
 * made safe to quote: printable ASCII only, at most max bytes.
 */
const char *
rpc_quote(const char *s, size_t len, size_t max, char *buf, size_t bufsz)
{
	size_t	 i, o = 0;

	for (i = 0; i < len && i < max && o + 4 < bufsz; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[o++] = (ch < 0x20 || ch > 0x7e) ? '?' : (char)ch;
	}
	if (i < len) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return buf;
}

unsigned
rpc_method(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(rpc_methods); i++)
		if (strcmp(name, rpc_methods[i].name) == 0)
			return rpc_methods[i].bit;
	return 0;
}

void
rpc_allow_string(unsigned mask, char *buf, size_t bufsz)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < nitems(rpc_methods); i++) {
		if ((mask & rpc_methods[i].bit) == 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", bufsz);
		strlcat(buf, rpc_methods[i].name, bufsz);
	}
}

/* --- values ------------------------------------------------------------ */

/* A decimal without sign or leading zero, 1..max; -1 if not. */
static int
rpc_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	 n = 0;
	size_t		 i;

	if (len == 0 || len > 20 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

/* --- routes ------------------------------------------------------------ */

/* Split path (no query) on '/'; -1 if it is not a clean absolute path. */
static int
rpc_split(const char *path, size_t len, const char *seg[], size_t seglen[],
    size_t *nseg)
{
	size_t	 i, start;

	if (len == 0 || path[0] != '/')
		return -1;
	*nseg = 0;
	for (start = 1, i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (i == start || *nseg == RPC_SEGS_MAX)
			return -1;	/* empty segment, or too deep */
		seg[*nseg] = path + start;
		seglen[(*nseg)++] = i - start;
		start = i + 1;
	}
	return 0;
}

/* Whether the segments match route r's pattern (parameters not checked). */
static int
rpc_match(const struct rpc_route *r, const char *seg[], const size_t seglen[],
    size_t nseg)
{
	const char	*p = r->pattern + 1, *e;
	size_t		 i, n;

	for (i = 0; i < nseg; i++) {
		if (*p == '\0')
			return 0;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (p[0] != '{' && (n != seglen[i] ||
		    memcmp(p, seg[i], n) != 0))
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return *p == '\0';
}

static int
rpc_path_ticket(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (rpc_decimal(v, vlen, UINT64_MAX, &call->p.ticket) == -1)
		return rpc_fail(err, 400, "bad_request",
		    "ticket must be a decimal integer from 1 "
		    "to 18446744073709551615");
	return 0;
}

/* A checked symbol name (rpc_symbol_ok()) into the parameters. */
static void
rpc_set_symbol(struct rpc_call *call, const char *v, size_t vlen)
{
	memcpy(call->p.symbol, v, vlen);
	call->p.symbol[vlen] = '\0';
}

static int
rpc_path_symbol(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (!rpc_symbol_ok(v, vlen))
		return rpc_fail(err, 400, "bad_request",
		    "symbol must be 1 to %d characters of "
		    "A-Z 0-9 . _", RPC_SYMBOL_MAX);
	rpc_set_symbol(call, v, vlen);
	return 0;
}

static int
rpc_query_symbol(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (!rpc_symbol_ok(v, vlen))
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'symbol' must be 1 to %d "
		    "characters of A-Z 0-9 . _", RPC_SYMBOL_MAX);
	rpc_set_symbol(call, v, vlen);
	call->p.flags |= RPC_HAS_SYMBOL;
	return 0;
}

static int
rpc_query_limit(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	uint64_t	 n;

	if (rpc_decimal(v, vlen, RPC_AUDIT_LIMIT_MAX, &n) == -1)
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'limit' must be a decimal "
		    "integer from 1 to %d", RPC_AUDIT_LIMIT_MAX);
	call->p.limit = (uint32_t)n;
	call->p.flags |= RPC_HAS_LIMIT;
	return 0;
}

/*
 * A query value percent-decoded (RFC 3986 2.1; '+' is itself) into
 * out, NUL-terminated: its length, or -1 when a '%' is not followed by
 * two hex digits or the value does not fit.
 */
static ssize_t
rpc_unescape(const char *v, size_t vlen, char *out, size_t outsz)
{
	size_t	 i, n = 0;
	int	 hi, lo;

	for (i = 0; i < vlen; i++) {
		if (n + 1 >= outsz)
			return -1;
		if (v[i] != '%') {
			out[n++] = v[i];
			continue;
		}
		if (i + 2 >= vlen ||
		    (hi = OPENSSL_hexchar2int((unsigned char)v[i + 1])) == -1 ||
		    (lo = OPENSSL_hexchar2int((unsigned char)v[i + 2])) == -1)
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	return (ssize_t)n;
}

static int
rpc_query_coid(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	char	 buf[RPC_COID_MAX + 1];
	ssize_t	 n;

	if ((n = rpc_unescape(v, vlen, buf, sizeof(buf))) == -1 ||
	    !rpc_coid_ok(buf, (size_t)n) ||
	    strncmp(buf, RPC_COID_DERIVED, sizeof(RPC_COID_DERIVED) - 1) == 0)
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'client_order_id' must be 1 to %d "
		    "visible ASCII characters, percent-encoded where the "
		    "query needs it, not starting with '%s'", RPC_COID_MAX,
		    RPC_COID_DERIVED);
	memcpy(call->p.client_order_id, buf, (size_t)n + 1);
	call->p.flags |= RPC_HAS_COID;
	return 0;
}

/*
 * The parameters a path or a query string may carry: the name, the
 * catalogue's fields bit it fills, and its check.
 */
struct rpc_param {
	const char	*name;
	unsigned	 bit;
	int		(*take)(const char *, size_t, struct rpc_call *,
			    struct rpc_error *);
};

static const struct rpc_param rpc_path_params[] = {
	{ "{ticket}",	RPC_NEED_TICKET,	rpc_path_ticket },
	{ "{symbol}",	RPC_NEED_SYMBOL,	rpc_path_symbol },
};

/* Two digits of a time, or -1. */
static int
rpc_2d(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
 * RFC 3339, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), or the
 * seconds since the epoch, decimal, with up to three decimals: the
 * milliseconds since the epoch.  -1 if it is neither or out of range.
 */
int
rpc_time_value(const char *v, size_t len, int64_t *ms)
{
	struct tm	 tm, back;
	char		 buf[48];
	const char	*p;
	int64_t		 off = 0, frac = 0, n = 0;
	time_t		 t;
	int		 i, y, oh, om;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (strspn(buf, "0123456789") == len ||
	    (strspn(buf, "0123456789") > 0 && buf[strspn(buf,
	    "0123456789")] == '.')) {
		p = buf;
		/* At most 11 digits, checked before n can overflow. */
		for (i = 0; *p >= '0' && *p <= '9'; p++, i++) {
			if (i == 11)
				return -1;
			n = n * 10 + (*p - '0');
		}
		if (*p == '.') {
			for (p++, i = 0; *p >= '0' && *p <= '9' && i < 3;
			    p++, i++)
				frac = frac * 10 + (*p - '0');
			if (i == 0 || *p != '\0')
				return -1;
			for (; i < 3; i++)
				frac *= 10;
		}
		*ms = n * 1000 + frac;
		return 0;
	}
	/* YYYY-MM-DDTHH:MM:SS is 19 bytes; then a fraction, then the zone. */
	if (len < 20 || buf[4] != '-' || buf[7] != '-' ||
	    (buf[10] != 'T' && buf[10] != 't') || buf[13] != ':' ||
	    buf[16] != ':' || strspn(buf, "0123456789") != 4)
		return -1;
	memset(&tm, 0, sizeof(tm));
	y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 +
	    (buf[2] - '0') * 10 + (buf[3] - '0');
	tm.tm_year = y - 1900;
	if ((tm.tm_mon = rpc_2d(buf + 5) - 1) < 0 || tm.tm_mon > 11 ||
	    (tm.tm_mday = rpc_2d(buf + 8)) < 1 ||
	    (tm.tm_hour = rpc_2d(buf + 11)) < 0 || tm.tm_hour > 23 ||
	    (tm.tm_min = rpc_2d(buf + 14)) < 0 || tm.tm_min > 59 ||
	    (tm.tm_sec = rpc_2d(buf + 17)) < 0 || tm.tm_sec > 59)
		return -1;
	p = buf + 19;
	if (*p == '.') {
		for (p++, i = 0; *p >= '0' && *p <= '9'; p++, i++)
			if (i < 3)
				frac = frac * 10 + (*p - '0');
		if (i == 0 || i > 9)
			return -1;
		for (; i < 3; i++)
			frac *= 10;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    (oh = rpc_2d(p + 1)) >= 0 && oh <= 23 &&
	    (om = rpc_2d(p + 4)) >= 0 && om <= 59)
		off = (*p == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
	else
		return -1;
	back = tm;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon)
		return -1;			/* February 30 */
	if ((int64_t)t - off < 0)
		return -1;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return 0;
}

static int
rpc_query_time(const char *name, const char *v, size_t vlen, int64_t *ms,
    struct rpc_call *call, struct rpc_error *err)
{
	if (rpc_time_value(v, vlen, ms) == -1 || *ms == 0)
		return rpc_fail(err, 400, "bad_request", "query parameter "
		    "'%s' must be an RFC 3339 time such as "
		    "2026-12-03T12:00:00Z, or seconds since the epoch, after "
		    "1970", name);
	return 0;
}

static int
rpc_query_from(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	return rpc_query_time("from", v, vlen, &call->p.from, call, err);
}

static int
rpc_query_to(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	return rpc_query_time("to", v, vlen, &call->p.to, call, err);
}

static int
rpc_query_cursor(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (deal_cursor_parse(v, vlen, &call->p.cursor_time,
	    &call->p.cursor_ticket) == -1)
		return rpc_fail(err, 400, "bad_request", "query parameter "
		    "'cursor' must be a next_cursor of an earlier answer");
	return 0;
}

/* GET /v1/audit: a unix time or an RFC 3339 time, to the second. */
static int
rpc_query_since(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	int64_t	 ms;

	if (rpc_time_value(v, vlen, &ms) == -1 || ms == 0)
		return rpc_fail(err, 400, "bad_request", "query parameter "
		    "'since' must be an RFC 3339 time such as "
		    "2026-12-03T12:00:00Z, or seconds since the epoch, after "
		    "1970");
	call->p.since = (uint64_t)(ms / 1000);
	return 0;
}

static int
rpc_query_audit_cursor(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (rpc_decimal(v, vlen, INT64_MAX, &call->p.audit_cursor) == -1)
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'cursor' must be a row id (a decimal "
		    "integer from 1), the 'next' of an earlier page");
	return 0;
}

static int
rpc_query_type(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (vlen == 0 || !rpc_audit_type_ok(v, vlen))
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'type' must be 1 to %d characters of "
		    "a-z . _ (order, key.create, ...)", RPC_AUDIT_TYPE_MAX);
	memcpy(call->p.audit_type, v, vlen);
	call->p.audit_type[vlen] = '\0';
	return 0;
}

static int
rpc_query_key(const char *v, size_t vlen, struct rpc_call *call,
    struct rpc_error *err)
{
	if (vlen == 0 || !rpc_key_name_ok(v, vlen))
		return rpc_fail(err, 400, "bad_request",
		    "query parameter 'key' must be a key name: 1 to %d "
		    "characters of A-Z a-z 0-9 . _ -", RPC_AUDIT_KEY_MAX);
	memcpy(call->p.audit_key, v, vlen);
	call->p.audit_key[vlen] = '\0';
	return 0;
}

/*
 * A name may serve two routes with different fields ("cursor"): the
 * row whose bit the route takes is the one (rpc_query_param()).
 */
static const struct rpc_param rpc_query_params[] = {
	{ "symbol",	RPC_HAS_SYMBOL,		rpc_query_symbol },
	{ "limit",	RPC_HAS_LIMIT,		rpc_query_limit },
	{ "client_order_id", RPC_HAS_COID,	rpc_query_coid },
	{ "from",	RPC_NEED_RANGE,		rpc_query_from },
	{ "to",		RPC_NEED_RANGE,		rpc_query_to },
	{ "cursor",	RPC_NEED_RANGE,		rpc_query_cursor },
	{ "since",	RPC_NEED_AUDIT,		rpc_query_since },
	{ "cursor",	RPC_NEED_AUDIT,		rpc_query_audit_cursor },
	{ "type",	RPC_NEED_AUDIT,		rpc_query_type },
	{ "key",	RPC_NEED_AUDIT,		rpc_query_key },
};

#define RPC_QUERY_MAX	8	/* query parameters of one route */

/*
 * The index in a route's query list (names separated by single spaces)
 * of name, or -1.
 */
static int
rpc_query_index(const char *list, const char *name, size_t len)
{
	const char	*p = list, *e;
	size_t		 n;
	int		 i;

	for (i = 0; list != NULL && *p != '\0'; i++) {
		e = strchr(p, ' ');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == len && memcmp(p, name, len) == 0)
			return i;
		p += n;
		if (*p == ' ')
			p++;
	}
	return -1;
}

static const struct rpc_param *
rpc_param(const struct rpc_param *tab, size_t n, const char *name,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len &&
		    memcmp(tab[i].name, name, len) == 0)
			return &tab[i];
	return NULL;
}

/* The query parameter name of a route taking fields, or NULL. */
static const struct rpc_param *
rpc_query_param(const char *name, size_t len, unsigned fields)
{
	size_t	 i;

	for (i = 0; i < nitems(rpc_query_params); i++)
		if (strlen(rpc_query_params[i].name) == len &&
		    memcmp(rpc_query_params[i].name, name, len) == 0 &&
		    (rpc_query_params[i].bit & fields) != 0)
			return &rpc_query_params[i];
	return NULL;
}

/* The fields bits a route's path and query fill. */
static unsigned
rpc_route_bits(const char *pattern, const char *query, unsigned fields,
    const char **bad)
{
	const struct rpc_param	*pp;
	const char		*p = pattern, *e;
	unsigned		 bits = 0;
	size_t			 n;

	*bad = NULL;
	while (*p == '/') {
		p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n > 0 && p[0] == '{') {
			if ((pp = rpc_param(rpc_path_params,
			    nitems(rpc_path_params), p, n)) == NULL)
				*bad = p;
			else
				bits |= pp->bit;
		}
		p += n;
	}
	for (p = query; p != NULL && *p != '\0'; p += n + (p[n] == ' ')) {
		e = strchr(p, ' ');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (pp = rpc_query_param(p, n, fields)) == NULL) {
			*bad = p;
			break;
		}
		bits |= pp->bit;
	}
	return bits;
}

static int
rpc_params_from_path(const struct rpc_route *r, const char *seg[],
    const size_t seglen[], struct rpc_call *call, struct rpc_error *err)
{
	const struct rpc_param	*pp;
	const char		*p = r->pattern + 1, *e;
	size_t			 i, n;

	for (i = 0; *p != '\0'; i++) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (p[0] == '{') {
			/* rpc_catalogue_check() knows every one. */
			if ((pp = rpc_param(rpc_path_params,
			    nitems(rpc_path_params), p, n)) == NULL)
				fatalx("route %s: unknown path parameter",
				    r->pattern);
			if (pp->take(seg[i], seglen[i], call, err) == -1)
				return -1;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static int
rpc_query_value(const struct rpc_route *r, const char *name, size_t nlen,
    const char *v, size_t vlen, struct rpc_call *call, struct rpc_error *err)
{
	const struct rpc_param	*pp;

	/* rpc_catalogue_check() knows every one. */
	if ((pp = rpc_query_param(name, nlen, r->fields)) == NULL)
		fatalx("route %s: unknown query parameter", r->pattern);
	return pp->take(v, vlen, call, err);
}

/* Whether query string q's first parameter is one r takes. */
static int
rpc_query_names(const struct rpc_route *r, const char *q)
{
	if (r->query == NULL || q == NULL)
		return 0;
	return rpc_query_index(r->query, q, strcspn(q, "=&")) >= 0;
}

/* name=value pairs separated by '&'; only r->query's names are known. */
static int
rpc_query(const struct rpc_route *r, const char *q, struct rpc_call *call,
    struct rpc_error *err)
{
	const char	*amp, *eq;
	char		 qb[64];
	size_t		 len, nlen;
	unsigned	 seen = 0;
	int		 i;

	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', len);
		nlen = eq ? (size_t)(eq - q) : len;
		if (len == 0 || nlen == 0)
			return rpc_fail(err, 400, "bad_request",
			    "malformed query string");
		if ((i = rpc_query_index(r->query, q, nlen)) == -1 ||
		    i >= RPC_QUERY_MAX)
			return rpc_fail(err, 400, "bad_request",
			    "unknown query parameter '%s'",
			    rpc_quote(q, nlen, 40, qb, sizeof(qb)));
		if (seen & (1u << i))
			return rpc_fail(err, 400, "bad_request",
			    "duplicate query parameter '%s'",
			    rpc_quote(q, nlen, 40, qb, sizeof(qb)));
		seen |= 1u << i;
		if (eq == NULL)
			return rpc_fail(err, 400, "bad_request",
			    "query parameter '%s' needs a value",
			    rpc_quote(q, nlen, 40, qb, sizeof(qb)));
		if (rpc_query_value(r, q, nlen, eq + 1, len - nlen - 1, call,
		    err) == -1)
			return -1;
		q += len;
		if (*q == '&' && *++q == '\0')
			return rpc_fail(err, 400, "bad_request",
			    "malformed query string");
	}
	return 0;
}

int
rpc_route(const char *method, const char *target, struct rpc_call *call,
    struct rpc_error *err)
{
	const struct rpc_route	*r, *found = NULL;
	const char		*seg[RPC_SEGS_MAX], *q, *bad;
	size_t			 seglen[RPC_SEGS_MAX], nseg, plen, i;
	unsigned		 m, allow = 0;

	memset(call, 0, sizeof(*call));
	q = strchr(target, '?');
	plen = q ? (size_t)(q - target) : strlen(target);
	m = rpc_method(method);
	if (rpc_split(target, plen, seg, seglen, &nseg) == -1)
		return rpc_fail(err, 404, "not_found", "no such endpoint");
	for (i = 0; i < nitems(rpc_routes); i++) {
		r = &rpc_routes[i];
		if (!rpc_match(r, seg, seglen, nseg))
			continue;
		allow |= r->methods;
		if ((r->methods & m) == 0)
			continue;
		/* Of two rows of one route, the one the query names. */
		if (found == NULL || (rpc_query_names(r, q ? q + 1 : NULL) &&
		    !rpc_query_names(found, q ? q + 1 : NULL)))
			found = r;
	}
	if (allow == 0)
		return rpc_fail(err, 404, "not_found", "no such endpoint");
	if (found == NULL) {
		rpc_fail(err, 405, "method_not_allowed",
		    "method %s is not allowed here", method);
		err->allow = allow;
		return -1;
	}
	call->path = found->pattern;
	call->local = found->to == API_NET;
	call->body = found->body;
	call->fields = found->fields & ~(rpc_route_bits(found->pattern,
	    found->query, found->fields, &bad) | RPC_FROM_HEADER);
	call->p.op = found->op;
	if (rpc_params_from_path(found, seg, seglen, call, err) == -1)
		return -1;
	if (q != NULL && rpc_query(found, q + 1, call, err) == -1)
		return -1;
	if (call->p.from != 0 && call->p.to != 0 && call->p.from >= call->p.to)
		return rpc_fail(err, 400, "bad_request", "query parameter "
		    "'from' must be before 'to'");
	return 0;
}

/*
 * The catalogue's rows against what this file and rpc_body.c serve, so
 * that a row net cannot serve fails a unit test instead of a request.
 */
int
rpc_catalogue_check(const struct api_info *ops, size_t n, char *why,
    size_t whylen)
{
	const struct api_info	*a, *b;
	const char		*bad, *what;
	unsigned		 pbits;
	size_t			 i, j;
	int			 hasbody;

	for (i = 0; i < n; i++) {
		a = &ops[i];
		if (a->methods == 0 || a->path == NULL || a->path[0] != '/') {
			snprintf(why, whylen, "%s: no method or path", a->name);
			return -1;
		}
		pbits = rpc_route_bits(a->path, a->query, a->fields, &bad) |
		    (a->fields & RPC_FROM_HEADER);
		if (bad != NULL) {
			snprintf(why, whylen, "%s: unknown parameter %s",
			    a->name, bad);
			return -1;
		}
		if ((pbits & ~a->fields) != 0) {
			snprintf(why, whylen, "%s: its path or query fills a "
			    "field it does not take", a->name);
			return -1;
		}
		if ((hasbody = rpc_body_check(a->fields & ~pbits,
		    &what)) == -1) {
			snprintf(why, whylen, "%s: %s", a->name, what);
			return -1;
		}
		if (hasbody != (a->body != RPC_BODY_NONE)) {
			snprintf(why, whylen, "%s: a body %s but %s fields for "
			    "it", a->name, hasbody ? "refused" : "allowed",
			    hasbody ? "has" : "no");
			return -1;
		}
		for (j = 0; j < i; j++) {
			b = &ops[j];
			/* Rows of one route must differ in their query. */
			if (strcmp(a->path, b->path) == 0 &&
			    (a->methods & b->methods) != 0 &&
			    (a->query == NULL || (b->query != NULL &&
			    strcmp(a->query, b->query) == 0))) {
				snprintf(why, whylen, "%s: the route of %s",
				    a->name, b->name);
				return -1;
			}
		}
	}
	return 0;
}

/* --- headers -------------------------------------------------------------- */

int
rpc_last_event_id(const char *v, uint64_t *id, struct rpc_error *err)
{
	size_t	 i, n;
	uint64_t x = 0;

	*id = UINT64_MAX;
	if (v == NULL || v[0] == '\0')
		return 0;
	n = strlen(v);
	for (i = 0; i < n && i < 19; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (i < n || x > INT64_MAX || (n > 1 && v[0] == '0'))
		return rpc_fail(err, 400, "bad_request", "header "
		    "Last-Event-ID must be an event id: a decimal number "
		    "below 2^63 without leading zeros");
	*id = x;
	return 0;
}

/* --- authentication headers --------------------------------------------- */

/* RFC 6750's b64token: what an API key may look like on the wire. */
static int
rpc_token_ok(const char *s, size_t len)
{
	size_t	 i = 0;

	if (len == 0 || len > RPC_KEY_MAX)
		return 0;
	for (; i < len && s[i] != '='; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '~' ||
		    s[i] == '+' || s[i] == '/'))
			return 0;
	if (i == 0)
		return 0;
	for (; i < len; i++)
		if (s[i] != '=')
			return 0;
	return 1;
}

int
rpc_auth(const char *authorization, const char *apikey, const char **key,
    size_t *keylen, struct rpc_error *err)
{
	const char	*bk = NULL, *ak = NULL;
	size_t		 blen = 0, alen = 0;

	*key = NULL;
	*keylen = 0;
	if (authorization != NULL) {
		bk = authorization;
		if (strncasecmp(bk, "Bearer ", 7) != 0)
			goto malformed;
		bk += 7;
		while (*bk == ' ')
			bk++;
		blen = strlen(bk);
		if (!rpc_token_ok(bk, blen))
			goto malformed;
	}
	if (apikey != NULL) {
		ak = apikey;
		alen = strlen(ak);
		if (!rpc_token_ok(ak, alen))
			return rpc_fail(err, 401, "unauthorized",
			    "malformed X-Api-Key header");
	}
	if (bk != NULL && ak != NULL &&
	    (blen != alen || memcmp(bk, ak, blen) != 0))
		return rpc_fail(err, 400, "bad_request",
		    "Authorization and X-Api-Key carry different keys");
	*key = bk != NULL ? bk : ak;
	*keylen = bk != NULL ? blen : alen;
	return 0;
 malformed:
	return rpc_fail(err, 401, "unauthorized",
	    "malformed Authorization header: expected 'Bearer KEY'");
}

const char *
rpc_reason(int status)
{
	static const struct {
		int		 status;
		const char	*reason;
	} reasons[] = {
		{ 200, "OK" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 409, "Conflict" },
		{ 411, "Length Required" },
		{ 413, "Content Too Large" },
		{ 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" },
		{ 417, "Expectation Failed" },
		{ 422, "Unprocessable Content" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t	 i;

	for (i = 0; i < nitems(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	if (status >= 200 && status < 300)
		return "OK";
	return status >= 500 ? "Server Error" : "Client Error";
}
