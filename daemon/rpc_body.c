/*
 * Request bodies for the net process (see rpc.h): the Content-Type, the
 * nesting depth, strict JSON, and each operation's fields checked one by
 * one into the typed parameters (common/params.h).  A refusal names the
 * field or the rule.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "nitems.h"
#include "rfc3339.h"
#include "rpc.h"
#include "rpc_int.h"
#include "trade.h"

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

/*
 * A body field: its name, the catalogue's fields bit that puts it in an
 * operation's body (privsep/api.h), whether it must be present, and its
 * check.
 */
struct rpc_field {
	const char	*name;
	unsigned	 bit;
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
	/* Any case: bots write "buy" as often as "BUY". */
	if (strcasecmp(json_string_value(v), "BUY") == 0)
		p->side = RPC_SIDE_BUY;
	else if (strcasecmp(json_string_value(v), "SELL") == 0)
		p->side = RPC_SIDE_SELL;
	else
		return rpc_type(err, name, "\"BUY\" or \"SELL\" (any case)");
	return 0;
}

static int
rpc_f_type(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	static const char	*names[] = { "market", "limit", "stop",
				    "stop_limit" };
	size_t			 i;

	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	for (i = 0; i < nitems(names); i++)
		if (strcasecmp(json_string_value(v), names[i]) == 0) {
			p->type = (uint8_t)(RPC_TYPE_MARKET + i);
			return 0;
		}
	return rpc_type(err, name, "\"market\", \"limit\", \"stop\" or "
	    "\"stop_limit\"");
}

static int
rpc_f_stop_limit(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	if (rpc_number(name, v, &p->stop_limit, 1, err) == -1)
		return -1;
	p->oflags |= RPC_OHAS_STOP_LIMIT;
	return 0;
}

static int
rpc_f_deviation(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	double	 d;

	if (!json_is_real(v) || !isfinite(d = json_real_value(v)) ||
	    d < 0 || d > RPC_DEVIATION_MAX || d != floor(d))
		return rpc_type(err, name, "a whole number of points from 0 "
		    "to 100000");
	p->deviation = (uint32_t)d;
	return 0;
}

/* "gtc", "day" (any case), or an RFC 3339 time: ORDER_TIME_*. */
static int
rpc_f_expiration(const char *name, json_t *v, struct rpc_params *p,
    struct rpc_error *err)
{
	const char	*s, *why;
	char		 qb[64];
	int64_t		 t;

	if (!json_is_string(v))
		return rpc_type(err, name, "a string");
	s = json_string_value(v);
	p->oflags |= RPC_OHAS_EXPIRATION;
	if (strcasecmp(s, "gtc") == 0)
		p->type_time = RPC_TIME_GTC;
	else if (strcasecmp(s, "day") == 0)
		p->type_time = RPC_TIME_DAY;
	else if (rfc3339_parse(s, json_string_length(v), &t, &why) == -1)
		return rpc_fail(err, 400, "bad_request", "field '%s' must be "
		    "\"gtc\", \"day\" or an RFC 3339 time such as "
		    "2026-12-31T21:00:00Z; '%s': %s", name,
		    rpc_quote(s, json_string_length(v), 40, qb, sizeof(qb)),
		    why);
	else if (t < 1 || t > RPC_EXPIRATION_MAX)
		return rpc_type(err, name, "a time from 1970 to 9999");
	else {
		p->type_time = RPC_TIME_SPECIFIED;
		p->expiration = t;
	}
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

/*
 * Every body field, in the order they are checked.  An operation's body
 * takes those whose bit is among its catalogue fields that neither its
 * path nor its query fills (rpc_call.fields).
 */
static const struct rpc_field rpc_fields[] = {
	{ "symbol",		RPC_NEED_SYMBOL,	1,	rpc_f_symbol },
	{ "side",		RPC_NEED_SIDE,		1,	rpc_f_side },
	{ "volume",		RPC_NEED_VOLUME,	1,	rpc_f_volume },
	{ "volume",		RPC_HAS_VOLUME,		0,	rpc_f_volume },
	{ "price",		RPC_HAS_PRICE,		0,	rpc_f_price },
	{ "sl",			RPC_HAS_SL,		0,	rpc_f_sl },
	{ "tp",			RPC_HAS_TP,		0,	rpc_f_tp },
	{ "client_order_id",	RPC_HAS_COID,		0,	rpc_f_coid },
	{ "comment",		RPC_HAS_COMMENT,	0,	rpc_f_comment },
	{ "filling",		RPC_NEED_FILLING,	0,	rpc_f_filling },
	{ "type",		RPC_NEED_TYPE,		0,	rpc_f_type },
	{ "deviation",		RPC_NEED_TYPE,		0,	rpc_f_deviation },
	{ "stop_limit",		RPC_NEED_PENDING,	0,	rpc_f_stop_limit },
	{ "expiration",		RPC_NEED_PENDING,	0,	rpc_f_expiration },
};

/* Rules on the body as a whole, not fields of their own. */
#define RPC_BODY_RULES	(RPC_NEED_SL_TP | RPC_NEED_CHANGE)

/*
 * How a new order's fields go together (MT5's MqlTradeRequest): a
 * pending type needs its price, a stop-limit its stop_limit; a market
 * order takes a deviation (default RPC_DEVIATION_DEFAULT points) and no
 * expiration.
 */
static int
rpc_order_fields(json_t *obj, struct rpc_params *p, struct rpc_error *err)
{
	int	pending = p->type != RPC_TYPE_MARKET;

	if (pending && !(p->flags & RPC_HAS_PRICE))
		return rpc_fail(err, 400, "bad_request", "field 'price' is "
		    "required for a limit, stop or stop_limit order");
	if (p->type == RPC_TYPE_STOP_LIMIT &&
	    !(p->oflags & RPC_OHAS_STOP_LIMIT))
		return rpc_fail(err, 400, "bad_request", "field 'stop_limit' "
		    "is required for a stop_limit order");
	if (p->type != RPC_TYPE_STOP_LIMIT &&
	    (p->oflags & RPC_OHAS_STOP_LIMIT))
		return rpc_fail(err, 400, "bad_request", "field 'stop_limit' "
		    "is only for type \"stop_limit\"");
	if (!pending && (p->oflags & RPC_OHAS_EXPIRATION))
		return rpc_fail(err, 400, "bad_request", "field 'expiration' "
		    "is only for pending orders (type limit, stop or "
		    "stop_limit)");
	if (pending && json_object_get(obj, "deviation") != NULL)
		return rpc_fail(err, 400, "bad_request", "field 'deviation' "
		    "is only for market orders");
	if (!pending && json_object_get(obj, "deviation") == NULL)
		p->deviation = RPC_DEVIATION_DEFAULT;
	return 0;
}

static const struct rpc_field *
rpc_field(unsigned fields, const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(rpc_fields); i++)
		if ((rpc_fields[i].bit & fields) != 0 &&
		    strcmp(rpc_fields[i].name, name) == 0)
			return &rpc_fields[i];
	return NULL;
}

int
rpc_body_check(unsigned fields, const char **why)
{
	unsigned	 known = RPC_BODY_RULES;
	size_t		 i, j;

	for (i = 0; i < nitems(rpc_fields); i++) {
		known |= rpc_fields[i].bit;
		for (j = 0; j < i; j++)
			if ((rpc_fields[i].bit & fields) != 0 &&
			    (rpc_fields[j].bit & fields) != 0 &&
			    strcmp(rpc_fields[i].name,
			    rpc_fields[j].name) == 0) {
				*why = "two of its fields share a body name";
				return -1;
			}
	}
	if ((fields & ~known) != 0) {
		*why = "a field neither its body, path nor query fills";
		return -1;
	}
	return (fields & ~RPC_BODY_RULES) != 0;
}

/* Unknown fields first, then each known one in table order. */
static int
rpc_object(json_t *obj, unsigned fields, struct rpc_params *p,
    struct rpc_error *err)
{
	const struct rpc_field	*f;
	const char		*key;
	json_t			*v;
	char			 qb[64];
	size_t			 i;

	json_object_foreach(obj, key, v) {
		if (rpc_field(fields, key) == NULL)
			return rpc_fail(err, 400, "bad_request",
			    "unknown field '%s'",
			    rpc_quote(key, strlen(key), 40, qb, sizeof(qb)));
	}
	for (i = 0; i < nitems(rpc_fields); i++) {
		f = &rpc_fields[i];
		if ((f->bit & fields) == 0)
			continue;
		if ((v = json_object_get(obj, f->name)) == NULL) {
			if (f->required)
				return rpc_fail(err, 400, "bad_request",
				    "field '%s' is required", f->name);
			continue;
		}
		if (f->check(f->name, v, p, err) == -1)
			return -1;
	}
	if ((fields & RPC_NEED_SL_TP) != 0 &&
	    (p->flags & (RPC_HAS_SL | RPC_HAS_TP)) == 0)
		return rpc_fail(err, 400, "bad_request",
		    "at least one of the fields 'sl' and 'tp' is required");
	if ((fields & RPC_NEED_CHANGE) != 0 && p->oflags == 0 &&
	    (p->flags & (RPC_HAS_PRICE | RPC_HAS_SL | RPC_HAS_TP)) == 0)
		return rpc_fail(err, 400, "bad_request", "at least one of the "
		    "fields 'price', 'stop_limit', 'sl', 'tp' and 'expiration' "
		    "is required");
	if ((fields & RPC_NEED_TYPE) != 0)
		return rpc_order_fields(obj, p, err);
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
	json_error_t		 je;
	json_t			*root;
	int			 rc;

	if (len == 0) {
		if (call->body == RPC_BODY_REQUIRED)
			return rpc_fail(err, 400, "bad_request",
			    "body required: a JSON object");
		return 0;
	}
	if (call->body == RPC_BODY_NONE ||
	    (call->fields & ~RPC_BODY_RULES) == 0)
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
		rc = rpc_object(root, call->fields, &call->p, err);
	json_decref(root);
	return rc;
}

