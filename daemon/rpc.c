/*
 * Routes, request validation and JSON rendering for the net process (see
 * rpc.h).  Nothing here does I/O or keeps state between calls.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "nitems.h"
#include "rpc.h"
#include "trade.h"
#include "wire.h"

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
 * The route table.  A pattern segment in braces is a path parameter:
 * {ticket} a decimal u64, {symbol} a symbol name.  query names the one
 * query parameter a route accepts.
 */
static const struct rpc_route {
	unsigned	 methods;
	const char	*pattern;
	uint8_t		 op;		/* OP_NONE: answered by net */
	enum rpc_body	 body;
	const char	*query;
} rpc_routes[] = {
	{ RPC_GET,	"/healthz",		OP_NONE,	RPC_BODY_NONE, NULL },
	{ RPC_GET,	"/v1/status",		OP_STATUS,	RPC_BODY_NONE, NULL },
	{ RPC_POST,	"/trade",		OP_TRADE, RPC_BODY_REQUIRED, NULL },
	{ RPC_GET,	"/v1/account",		OP_ACCOUNT,	RPC_BODY_NONE, NULL },
	{ RPC_GET,	"/v1/positions",	OP_POSITIONS, RPC_BODY_NONE,
	    "symbol" },
	{ RPC_POST,	"/v1/positions/{ticket}/close", OP_POSITION_CLOSE,
	    RPC_BODY_OPTIONAL, NULL },
	{ RPC_POST,	"/v1/positions/{ticket}/modify", OP_POSITION_MODIFY,
	    RPC_BODY_REQUIRED, NULL },
	{ RPC_GET,	"/v1/orders",		OP_ORDERS,	RPC_BODY_NONE, NULL },
	{ RPC_DELETE,	"/v1/orders/{ticket}",	OP_ORDER_CANCEL,
	    RPC_BODY_NONE, NULL },
	{ RPC_GET,	"/v1/symbols/{symbol}",	OP_SYMBOL,	RPC_BODY_NONE, NULL },
	{ RPC_GET,	"/v1/audit",		OP_AUDIT,	RPC_BODY_NONE, "limit" },
};

#define RPC_SEGS_MAX	8

static int	rpc_fail(struct rpc_error *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));

static int
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
static const char *
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
rpc_params_from_path(const struct rpc_route *r, const char *seg[],
    const size_t seglen[], struct rpc_call *call, struct rpc_error *err)
{
	const char	*p = r->pattern + 1, *e;
	size_t		 i, n;

	for (i = 0; *p != '\0'; i++) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (strncmp(p, "{ticket}", n) == 0 && n == 8) {
			if (rpc_decimal(seg[i], seglen[i], UINT64_MAX,
			    &call->p.ticket) == -1)
				return rpc_fail(err, 400, "bad_request",
				    "ticket must be a decimal integer from 1 "
				    "to 18446744073709551615");
		} else if (strncmp(p, "{symbol}", n) == 0 && n == 8) {
			if (!rpc_symbol_ok(seg[i], seglen[i]))
				return rpc_fail(err, 400, "bad_request",
				    "symbol must be 1 to %d characters of "
				    "A-Z 0-9 . _", RPC_SYMBOL_MAX);
			memcpy(call->p.symbol, seg[i], seglen[i]);
			call->p.symbol[seglen[i]] = '\0';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static int
rpc_query_value(const struct rpc_route *r, const char *v, size_t vlen,
    struct rpc_call *call, struct rpc_error *err)
{
	uint64_t	 n;

	if (strcmp(r->query, "symbol") == 0) {
		if (!rpc_symbol_ok(v, vlen))
			return rpc_fail(err, 400, "bad_request",
			    "query parameter 'symbol' must be 1 to %d "
			    "characters of A-Z 0-9 . _", RPC_SYMBOL_MAX);
		memcpy(call->p.symbol, v, vlen);
		call->p.symbol[vlen] = '\0';
		call->p.flags |= RPC_HAS_SYMBOL;
	} else {
		if (rpc_decimal(v, vlen, RPC_AUDIT_LIMIT_MAX, &n) == -1)
			return rpc_fail(err, 400, "bad_request",
			    "query parameter 'limit' must be a decimal "
			    "integer from 1 to %d", RPC_AUDIT_LIMIT_MAX);
		call->p.limit = (uint32_t)n;
		call->p.flags |= RPC_HAS_LIMIT;
	}
	return 0;
}

/* name=value pairs separated by '&'; only r->query is known. */
static int
rpc_query(const struct rpc_route *r, const char *q, struct rpc_call *call,
    struct rpc_error *err)
{
	const char	*amp, *eq;
	char		 qb[64];
	size_t		 len, nlen;
	int		 seen = 0;

	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', len);
		nlen = eq ? (size_t)(eq - q) : len;
		if (len == 0 || nlen == 0)
			return rpc_fail(err, 400, "bad_request",
			    "malformed query string");
		if (r->query == NULL || strlen(r->query) != nlen ||
		    memcmp(q, r->query, nlen) != 0)
			return rpc_fail(err, 400, "bad_request",
			    "unknown query parameter '%s'",
			    rpc_quote(q, nlen, 40, qb, sizeof(qb)));
		if (seen++)
			return rpc_fail(err, 400, "bad_request",
			    "duplicate query parameter '%s'", r->query);
		if (eq == NULL)
			return rpc_fail(err, 400, "bad_request",
			    "query parameter '%s' needs a value", r->query);
		if (rpc_query_value(r, eq + 1, len - nlen - 1, call, err) == -1)
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
	const char		*seg[RPC_SEGS_MAX], *q;
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
		if (found == NULL && (r->methods & m) != 0)
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
	call->local = found->op == OP_NONE;
	call->body = found->body;
	call->p.op = found->op;
	if (rpc_params_from_path(found, seg, seglen, call, err) == -1)
		return -1;
	if (q != NULL && rpc_query(found, q + 1, call, err) == -1)
		return -1;
	return 0;
}

/* --- bodies ------------------------------------------------------------ */

/* application/json, optionally ";charset=utf-8", any case, OWS around. */
static int
rpc_content_type_ok(const char *ct)
{
	static const char	 mt[] = "application/json";
	static const char	 cs[] = "charset=utf-8";

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, mt, sizeof(mt) - 1) != 0)
		return 0;
	ct += sizeof(mt) - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (*ct == '\0')
		return 1;
	if (*ct++ != ';')
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, cs, sizeof(cs) - 1) == 0)
		ct += sizeof(cs) - 1;
	else if (strncasecmp(ct, "charset=\"utf-8\"", 15) == 0)
		ct += 15;
	else
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0';
}

/* Deepest nesting of arrays and objects, stopping past limit. */
static int
rpc_json_depth(const unsigned char *p, size_t n, int limit)
{
	int	 depth = 0, max = 0, instr = 0, esc = 0;
	size_t	 i;

	for (i = 0; i < n && max <= limit; i++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (p[i] == '\\')
				esc = 1;
			else if (p[i] == '"')
				instr = 0;
		} else if (p[i] == '"')
			instr = 1;
		else if (p[i] == '{' || p[i] == '[') {
			if (++depth > max)
				max = depth;
		} else if ((p[i] == '}' || p[i] == ']') && depth > 0)
			depth--;
	}
	return max;
}

struct rpc_field {
	const char	*name;
	int		 required;
	int		(*check)(const char *, json_t *, struct rpc_params *,
			    struct rpc_error *);
};

static int
rpc_type(struct rpc_error *err, const char *name, const char *want)
{
	return rpc_fail(err, 400, "bad_request", "field '%s' must be %s",
	    name, want);
}

static int
rpc_number(const char *name, json_t *v, double *out, int strict_positive,
    struct rpc_error *err)
{
	double	 d;

	if (!json_is_real(v))
		return rpc_type(err, name, "a number");
	d = json_real_value(v);
	if (!isfinite(d))
		return rpc_type(err, name, "a finite number");
	if (strict_positive && !(d > 0))
		return rpc_type(err, name, "greater than 0");
	if (!strict_positive && d < 0)
		return rpc_type(err, name, "0 or greater");
	*out = d;
	return 0;
}

static int
rpc_f_symbol(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	if (!rpc_symbol_ok(json_string_value(v), json_string_length(v)))
		return rpc_fail(err, 400, "bad_request", "field '%s' must be "
		    "1 to %d characters of A-Z 0-9 . _", name, RPC_SYMBOL_MAX);
	memcpy(p->symbol, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
rpc_f_side(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	if (strcmp(json_string_value(v), "BUY") == 0)
		p->side = RPC_SIDE_BUY;
	else if (strcmp(json_string_value(v), "SELL") == 0)
		p->side = RPC_SIDE_SELL;
	else
		return rpc_type(err, name, "\"BUY\" or \"SELL\"");
	return 0;
}

static int
rpc_f_volume(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (rpc_number(name, v, &p->volume, 1, err) == -1)
		return -1;
	p->flags |= (p->op == OP_POSITION_CLOSE) ? RPC_HAS_VOLUME : 0;
	return 0;
}

static int
rpc_f_price(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (rpc_number(name, v, &p->price, 1, err) == -1)
		return -1;
	p->flags |= RPC_HAS_PRICE;
	return 0;
}

static int
rpc_f_sl(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (rpc_number(name, v, &p->sl, 0, err) == -1)
		return -1;
	p->flags |= RPC_HAS_SL;
	return 0;
}

static int
rpc_f_tp(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (rpc_number(name, v, &p->tp, 0, err) == -1)
		return -1;
	p->flags |= RPC_HAS_TP;
	return 0;
}

static int
rpc_f_coid(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	size_t	 n;

	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	n = json_string_length(v);
	if (!rpc_coid_ok(json_string_value(v), n))
		return rpc_fail(err, 400, "bad_request", "field '%s' must be "
		    "1 to %d visible ASCII characters (no space)", name,
		    RPC_COID_MAX);
	if (strncmp(json_string_value(v), RPC_COID_DERIVED,
	    sizeof(RPC_COID_DERIVED) - 1) == 0)
		return rpc_fail(err, 400, "bad_request", "field '%s' may not "
		    "start with \"%s\": heraldd derives such ids itself",
		    name, RPC_COID_DERIVED);
	memcpy(p->client_order_id, json_string_value(v), n + 1);
	p->flags |= RPC_HAS_COID;
	return 0;
}

static int
rpc_f_comment(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	size_t	 n;

	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	n = json_string_length(v);
	if (n > RPC_COMMENT_MAX || !rpc_printable(json_string_value(v), n))
		return rpc_fail(err, 400, "bad_request", "field '%s' must be "
		    "at most %d printable ASCII characters", name,
		    RPC_COMMENT_MAX);
	memcpy(p->comment, json_string_value(v), n + 1);
	p->flags |= RPC_HAS_COMMENT;
	return 0;
}

static int
rpc_f_filling(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	static const char	*names[] = { "FOK", "IOC", "RETURN" };
	size_t			 i;

	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	for (i = 0; i < nitems(names); i++)
		if (strcmp(json_string_value(v), names[i]) == 0) {
			p->filling = (uint8_t)(RPC_FILLING_FOK + i);
			return 0;
		}
	return rpc_type(err, name, "\"FOK\", \"IOC\" or \"RETURN\"");
}

static const struct rpc_field rpc_trade_fields[] = {
	{ "symbol",		1,	rpc_f_symbol },
	{ "side",		1,	rpc_f_side },
	{ "volume",		1,	rpc_f_volume },
	{ "price",		0,	rpc_f_price },
	{ "sl",			0,	rpc_f_sl },
	{ "tp",			0,	rpc_f_tp },
	{ "client_order_id",	0,	rpc_f_coid },
	{ "comment",		0,	rpc_f_comment },
	{ "filling",		0,	rpc_f_filling },
	{ NULL,			0,	NULL }
};

static const struct rpc_field rpc_close_fields[] = {
	{ "volume",		0,	rpc_f_volume },
	{ NULL,			0,	NULL }
};

static const struct rpc_field rpc_modify_fields[] = {
	{ "sl",			0,	rpc_f_sl },
	{ "tp",			0,	rpc_f_tp },
	{ NULL,			0,	NULL }
};

static const struct rpc_field *
rpc_fields(uint8_t op)
{
	switch (op) {
	case OP_TRADE:
		return rpc_trade_fields;
	case OP_POSITION_CLOSE:
		return rpc_close_fields;
	case OP_POSITION_MODIFY:
		return rpc_modify_fields;
	default:
		return NULL;
	}
}

/* Unknown fields first, then each known one in table order. */
static int
rpc_object(json_t *obj, const struct rpc_field *fields, struct rpc_params *p,
    struct rpc_error *err)
{
	const struct rpc_field	*f;
	const char		*key;
	json_t			*v;
	char			 qb[64];

	json_object_foreach(obj, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL)
			return rpc_fail(err, 400, "bad_request",
			    "unknown field '%s'",
			    rpc_quote(key, strlen(key), 40, qb, sizeof(qb)));
	}
	for (f = fields; f->name != NULL; f++) {
		if ((v = json_object_get(obj, f->name)) == NULL) {
			if (f->required)
				return rpc_fail(err, 400, "bad_request",
				    "field '%s' is required", f->name);
			continue;
		}
		if (f->check(f->name, v, p, err) == -1)
			return -1;
	}
	if (p->op == OP_POSITION_MODIFY &&
	    (p->flags & (RPC_HAS_SL | RPC_HAS_TP)) == 0)
		return rpc_fail(err, 400, "bad_request",
		    "at least one of the fields 'sl' and 'tp' is required");
	return 0;
}

/* A jansson error as a message; duplicates name the key. */
static int
rpc_json_error(const json_error_t *je, struct rpc_error *err)
{
	const char	*s, *e;
	char		 qb[128];

	if (json_error_code((json_error_t *)je) == json_error_duplicate_key &&
	    (s = strstr(je->text, "near '\"")) != NULL &&
	    (e = strrchr(s + 7, '"')) != NULL)
		return rpc_fail(err, 400, "bad_request",
		    "duplicate field '%s'", rpc_quote(s + 7,
		    (size_t)(e - (s + 7)), 40, qb, sizeof(qb)));
	rpc_quote(je->text, strlen(je->text), 120, qb, sizeof(qb));
	return rpc_fail(err, 400, "bad_request",
	    "invalid JSON at line %d, column %d: %s", je->line, je->column,
	    qb);
}

int
rpc_body(struct rpc_call *call, const char *ctype, const void *body,
    size_t len, struct rpc_error *err)
{
	const struct rpc_field	*fields;
	json_error_t		 je;
	json_t			*root;
	int			 rc;

	if (len == 0) {
		if (call->body == RPC_BODY_REQUIRED)
			return rpc_fail(err, 400, "bad_request",
			    "body required: a JSON object");
		return 0;
	}
	if (call->body == RPC_BODY_NONE || (fields = rpc_fields(call->p.op))
	    == NULL)
		return rpc_fail(err, 400, "bad_request",
		    "this endpoint takes no body");
	if (!rpc_content_type_ok(ctype))
		return rpc_fail(err, 415, "unsupported_media_type",
		    "Content-Type must be application/json");
	if (rpc_json_depth(body, len, RPC_JSON_DEPTH_MAX) > RPC_JSON_DEPTH_MAX)
		return rpc_fail(err, 400, "bad_request",
		    "JSON nested deeper than %d levels", RPC_JSON_DEPTH_MAX);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_INT_AS_REAL, &je);
	if (root == NULL)
		return rpc_json_error(&je, err);
	if (!json_is_object(root))
		rc = rpc_fail(err, 400, "bad_request",
		    "the body must be a JSON object");
	else
		rc = rpc_object(root, fields, &call->p, err);
	json_decref(root);
	return rc;
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

/* --- results and rendering --------------------------------------------- */

/* A JSON string of printable ASCII (anything else becomes '?'). */
static json_t *
rpc_jstr(const char *s)
{
	char	 buf[RPC_MSG_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(buf) - 1 && s[i] != '\0'; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e) ? '?' : s[i];
	buf[i] = '\0';
	return json_string(buf);
}

static char *
rpc_dump(json_t *j)
{
	char	*s;

	if (j == NULL)
		return NULL;
	/* 15 significant digits: 1.1 prints as 1.1, not 1.1000000000000001. */
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(15));
	json_decref(j);
	return s;
}

char *
rpc_render_error(const char *code, const char *message)
{
	return rpc_dump(json_pack("{s:o, s:o}", "error", rpc_jstr(message),
	    "code", rpc_jstr(code)));
}

char *
rpc_render_health(void)
{
	return rpc_dump(json_pack("{s:s}", "status", "ok"));
}

static char *
rpc_render_status(const struct msg_api_res *res, struct rpc_error *err)
{
	struct rpc_status	 s;
	const char		*why;

	if (rpc_status_decode(res->result, res->result_len, &s, &why) == -1) {
		rpc_fail(err, 500, "internal_error",
		    "the monitor's status result does not decode: %s", why);
		return NULL;
	}
	return rpc_dump(json_pack("{s:o, s:o, s:b, s:{s:o, s:o}}",
	    "version", rpc_jstr(s.version),
	    "broker", rpc_jstr(s.broker),
	    "lockdown", s.lockdown,
	    "key", "name", rpc_jstr(s.key_name), "role", rpc_jstr(s.role)));
}

/*
 * The trading answers.  Objects are built member by member; a member
 * whose value could not be made (out of memory) fails the whole answer.
 */

/* Set o[k] = v, taking v; -1 if v is NULL or the set failed. */
static int
rpc_set(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

/*
 * A ticket, deal or magic number as a JSON integer.  jansson's integers
 * are signed 64-bit; a value beyond 2^63-1, which no MT5 server issues,
 * becomes the nearest real so that the answer stays valid JSON.
 */
static json_t *
rpc_ju64(uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

/* Milliseconds since the epoch as "2026-01-02T03:04:05.678Z"; 0: null. */
static json_t *
rpc_jtime(int64_t ms)
{
	struct tm	 tm;
	time_t		 t;
	char		 buf[64], out[80];

	if (ms <= 0 || ms > TRADE_TIME_MAX)
		return json_null();
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return json_null();
	snprintf(out, sizeof(out), "%s.%03dZ", buf, (int)(ms % 1000));
	return json_string(out);
}

static int
rpc_bad_result(struct rpc_error *err, const char *what, const char *why)
{
	return rpc_fail(err, 500, "internal_error",
	    "the %s result does not decode: %s", what, why);
}

/* Dump o, or NULL (500) if building it failed. */
static char *
rpc_finish(json_t *o, int bad, struct rpc_error *err)
{
	char	*s;

	if (o == NULL || bad) {
		json_decref(o);
		rpc_fail(err, 500, "internal_error", "out of memory");
		return NULL;
	}
	if ((s = rpc_dump(o)) == NULL)
		rpc_fail(err, 500, "internal_error", "out of memory");
	return s;
}

static char *
rpc_render_trade(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_result	 r;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_result_decode(res->result, res->result_len, &r, &why) ==
	    -1) {
		rpc_bad_result(err, "trade", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "status", json_string(trade_status_name(r.retcode)));
	bad |= rpc_set(o, "order_id", rpc_ju64(r.order));
	bad |= rpc_set(o, "position", rpc_ju64(r.position));
	bad |= rpc_set(o, "deal", rpc_ju64(r.deal));
	bad |= rpc_set(o, "fill_price", json_real(r.price));
	bad |= rpc_set(o, "filled_volume", json_real(r.volume));
	bad |= rpc_set(o, "retcode", json_integer(r.retcode));
	bad |= rpc_set(o, "message", rpc_jstr(r.message[0] != '\0' ?
	    r.message : trade_retcode_text(r.retcode)));
	bad |= rpc_set(o, "comment", rpc_jstr(r.comment));
	bad |= rpc_set(o, "client_order_id", rpc_jstr(r.client_order_id));
	bad |= rpc_set(o, "duplicate", json_boolean(r.duplicate));
	bad |= rpc_set(o, "bid", json_real(r.bid));
	bad |= rpc_set(o, "ask", json_real(r.ask));
	return rpc_finish(o, bad, err);
}

static char *
rpc_render_account(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_account	 a;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_account_decode(res->result, res->result_len, &a, &why) ==
	    -1) {
		rpc_bad_result(err, "account", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "login", rpc_jstr(a.login));
	bad |= rpc_set(o, "currency", rpc_jstr(a.currency));
	bad |= rpc_set(o, "margin_mode", json_string(
	    a.margin_mode == TRADE_HEDGING ? "hedging" : "netting"));
	bad |= rpc_set(o, "leverage", json_integer(a.leverage));
	bad |= rpc_set(o, "balance", json_real(a.balance));
	bad |= rpc_set(o, "credit", json_real(a.credit));
	bad |= rpc_set(o, "profit", json_real(a.profit));
	bad |= rpc_set(o, "equity", json_real(a.equity));
	bad |= rpc_set(o, "margin", json_real(a.margin));
	bad |= rpc_set(o, "free_margin", json_real(a.margin_free));
	bad |= rpc_set(o, "margin_level", json_real(a.margin_level));
	return rpc_finish(o, bad, err);
}

static json_t *
rpc_position(const struct trade_position *p)
{
	json_t	*o;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= rpc_set(o, "ticket", rpc_ju64(p->ticket));
	bad |= rpc_set(o, "symbol", rpc_jstr(p->symbol));
	bad |= rpc_set(o, "type", json_string(trade_type_name(p->type)));
	bad |= rpc_set(o, "volume", json_real(p->volume));
	bad |= rpc_set(o, "price_open", json_real(p->price_open));
	bad |= rpc_set(o, "price_current", json_real(p->price_current));
	bad |= rpc_set(o, "sl", json_real(p->sl));
	bad |= rpc_set(o, "tp", json_real(p->tp));
	bad |= rpc_set(o, "profit", json_real(p->profit));
	bad |= rpc_set(o, "margin", json_real(p->margin));
	bad |= rpc_set(o, "time", rpc_jtime(p->time));
	bad |= rpc_set(o, "magic", rpc_ju64(p->magic));
	bad |= rpc_set(o, "comment", rpc_jstr(p->comment));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
rpc_order(const struct trade_order *p)
{
	json_t	*o;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= rpc_set(o, "ticket", rpc_ju64(p->ticket));
	bad |= rpc_set(o, "symbol", rpc_jstr(p->symbol));
	bad |= rpc_set(o, "type", json_string(trade_type_name(p->type)));
	bad |= rpc_set(o, "volume", json_real(p->volume));
	bad |= rpc_set(o, "price", json_real(p->price));
	bad |= rpc_set(o, "price_current", json_real(p->price_current));
	bad |= rpc_set(o, "sl", json_real(p->sl));
	bad |= rpc_set(o, "tp", json_real(p->tp));
	bad |= rpc_set(o, "time_setup", rpc_jtime(p->time_setup));
	bad |= rpc_set(o, "magic", rpc_ju64(p->magic));
	bad |= rpc_set(o, "comment", rpc_jstr(p->comment));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"<name>": [items], "truncated": bool}; takes the array. */
static char *
rpc_render_list(const char *name, json_t *a, uint8_t truncated, int bad,
    struct rpc_error *err)
{
	json_t	*o;

	if ((o = json_object()) == NULL) {
		json_decref(a);
		return rpc_finish(NULL, 1, err);
	}
	bad |= rpc_set(o, name, a);
	bad |= rpc_set(o, "truncated", json_boolean(truncated));
	return rpc_finish(o, bad, err);
}

static char *
rpc_render_positions(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_positions	*l;
	const char		*why;
	json_t			*a;
	uint32_t		 i;
	uint8_t			 truncated;
	int			 bad = 0;

	/* About 20 KB: not for the stack of a callback. */
	if ((l = malloc(sizeof(*l))) == NULL)
		return rpc_finish(NULL, 1, err);
	if (trade_positions_decode(res->result, res->result_len, l, &why) ==
	    -1) {
		rpc_bad_result(err, "positions", why);
		free(l);
		return NULL;
	}
	a = json_array();
	for (i = 0; i < l->n && a != NULL && !bad; i++)
		bad |= json_array_append_new(a, rpc_position(&l->pos[i]));
	truncated = l->truncated;
	free(l);
	return rpc_render_list("positions", a, truncated, bad, err);
}

static char *
rpc_render_orders(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_orders	*l;
	const char		*why;
	json_t			*a;
	uint32_t		 i;
	uint8_t			 truncated;
	int			 bad = 0;

	if ((l = malloc(sizeof(*l))) == NULL)
		return rpc_finish(NULL, 1, err);
	if (trade_orders_decode(res->result, res->result_len, l, &why) ==
	    -1) {
		rpc_bad_result(err, "orders", why);
		free(l);
		return NULL;
	}
	a = json_array();
	for (i = 0; i < l->n && a != NULL && !bad; i++)
		bad |= json_array_append_new(a, rpc_order(&l->ord[i]));
	truncated = l->truncated;
	free(l);
	return rpc_render_list("orders", a, truncated, bad, err);
}

static json_t *
rpc_fillings(uint8_t bits)
{
	json_t	*a;
	int	 bad = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	if (bits & TRADE_FILL_FOK)
		bad |= json_array_append_new(a, json_string("FOK"));
	if (bits & TRADE_FILL_IOC)
		bad |= json_array_append_new(a, json_string("IOC"));
	if (bits & TRADE_FILL_RETURN)
		bad |= json_array_append_new(a, json_string("RETURN"));
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static const char *
rpc_trade_mode(uint8_t mode)
{
	static const char	*names[] = {
		"DISABLED", "LONGONLY", "SHORTONLY", "CLOSEONLY", "FULL"
	};

	return mode < nitems(names) ? names[mode] : "UNKNOWN";
}

static char *
rpc_render_symbol(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_symbol	 s;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_symbol_decode(res->result, res->result_len, &s, &why) ==
	    -1) {
		rpc_bad_result(err, "symbol", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "name", rpc_jstr(s.name));
	bad |= rpc_set(o, "currency_base", rpc_jstr(s.currency_base));
	bad |= rpc_set(o, "currency_profit", rpc_jstr(s.currency_profit));
	bad |= rpc_set(o, "digits", json_integer(s.digits));
	bad |= rpc_set(o, "point", json_real(s.point));
	bad |= rpc_set(o, "contract_size", json_real(s.contract_size));
	bad |= rpc_set(o, "volume_min", json_real(s.volume_min));
	bad |= rpc_set(o, "volume_max", json_real(s.volume_max));
	bad |= rpc_set(o, "volume_step", json_real(s.volume_step));
	bad |= rpc_set(o, "stops_level", json_integer(s.stops_level));
	bad |= rpc_set(o, "filling", rpc_fillings(s.filling));
	bad |= rpc_set(o, "trade_mode", json_string(
	    rpc_trade_mode(s.trade_mode)));
	bad |= rpc_set(o, "tick_value", json_real(s.tick_value));
	bad |= rpc_set(o, "bid", json_real(s.bid));
	bad |= rpc_set(o, "ask", json_real(s.ask));
	bad |= rpc_set(o, "time", rpc_jtime(s.time));
	bad |= rpc_set(o, "session_open", json_boolean(s.session_open));
	return rpc_finish(o, bad, err);
}

char *
rpc_render_result(uint8_t op, const struct msg_api_res *res,
    struct rpc_error *err)
{
	switch (op) {
	case OP_STATUS:
		return rpc_render_status(res, err);
	case OP_TRADE:
	case OP_POSITION_CLOSE:
	case OP_POSITION_MODIFY:
	case OP_ORDER_CANCEL:
		return rpc_render_trade(res, err);
	case OP_ACCOUNT:
		return rpc_render_account(res, err);
	case OP_POSITIONS:
		return rpc_render_positions(res, err);
	case OP_ORDERS:
		return rpc_render_orders(res, err);
	case OP_SYMBOL:
		return rpc_render_symbol(res, err);
	default:
		rpc_fail(err, 500, "internal_error",
		    "no renderer for the result of operation %u", op);
		return NULL;
	}
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
