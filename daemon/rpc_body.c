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

