/*
 * The RPC surface of the net process, kept free of I/O so that it can be
 * unit-tested and fuzzed: the route table, the validation of paths,
 * query strings, authentication headers and JSON bodies into the typed
 * parameters sent to the monitor in MSG_API_REQ (common/params.h), and
 * the rendering of the monitor's typed answers as JSON.  The operations
 * themselves are privsep/api.h's catalogue.
 *
 * Every refusal is a struct rpc_error: the HTTP status, a machine code and
 * a message that names the field or the rule.
 */
#ifndef HERALD_RPC_H
#define HERALD_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "msg.h"
#include "params.h"
#include "window.h"

#define RPC_MSG_MAX		256	/* an error message */
#define RPC_KEY_MAX		128	/* longest API key accepted */
#define RPC_JSON_DEPTH_MAX	8	/* nesting of a request body */

struct rpc_error {
	int		 status;	/* HTTP status */
	const char	*code;		/* "bad_request", ... */
	char		 message[RPC_MSG_MAX];
	unsigned	 allow;		/* RPC_* methods, with 405 */
};

/* A request matched to its route. */
struct rpc_call {
	const char	*path;		/* the route's pattern, for logs */
	int		 local;		/* answered by net (GET /healthz) */
	enum rpc_body	 body;
	unsigned	 fields;	/* the body's RPC_HAS_*, RPC_NEED_* */
	struct rpc_params p;
};

/*
 * Hold n rows of the API catalogue (api_info()) to what net serves:
 * known path and query parameters, every field filled by the path, the
 * query or the body, a body allowed exactly when it has fields, no two
 * routes alike.  0, or -1 with why naming the row.
 */
int	rpc_catalogue_check(const struct api_info *, size_t n, char *why,
	    size_t whylen);

/* The RPC_* bit of a method name, 0 if unknown. */
unsigned	rpc_method(const char *);
/* "GET, POST" for a mask of RPC_* bits. */
void		rpc_allow_string(unsigned, char *, size_t);

/*
 * Match method and request target ("/path?query") against the route
 * table and validate the path parameters and query.  0, or -1 with err:
 * 404 not_found, 405 method_not_allowed (err->allow set) or 400.
 */
int	rpc_route(const char *method, const char *target, struct rpc_call *,
	    struct rpc_error *);

/*
 * The request body for a routed call: Content-Type (415 unless
 * application/json, charset=utf-8 allowed), presence (400 "body
 * required"), then strict JSON (duplicate keys, unknown fields, wrong
 * types, ranges, depth) into call->p.  ctype may be NULL.  0, or -1.
 */
int	rpc_body(struct rpc_call *, const char *ctype, const void *body,
	    size_t len, struct rpc_error *);

/*
 * The API key from Authorization: Bearer KEY and/or X-Api-Key: KEY (each
 * may be NULL).  0 with *key NULL when none was presented, 0 with *key
 * and *keylen set, or -1: 401 for a malformed header, 400 when both are
 * present and differ.
 */
int	rpc_auth(const char *authorization, const char *apikey,
	    const char **key, size_t *keylen, struct rpc_error *);

/*
 * The Last-Event-ID header of GET /v1/events (may be NULL): absent or
 * empty is UINT64_MAX (no id: the stream starts now), else a decimal
 * event id 0..2^63-1 (0: everything kept).  0, or -1 with err (400).
 */
int	rpc_last_event_id(const char *, uint64_t *, struct rpc_error *);

/*
 * A time of a query (GET /v1/deals?from=&to=): RFC 3339 with a zone, or
 * seconds since the epoch with up to three decimals; *ms the
 * milliseconds since the epoch.  0, or -1 if it is neither.
 */
int	rpc_time_value(const char *, size_t, int64_t *ms);

/* JSON texts, malloc'd (free() them); NULL only when out of memory. */
char	*rpc_render_error(const char *code, const char *message);
/*
 * The body of a 2xx answer of the monitor for op: NULL with err (500)
 * when the typed result does not decode or op has no renderer.  OP_STATUS
 * takes struct rpc_status; the trading ops take common/trade.h's results
 * (OP_TRADE, OP_POSITION_CLOSE, OP_POSITION_MODIFY and OP_ORDER_CANCEL a
 * trade_result; OP_ACCOUNT, OP_POSITIONS, OP_ORDERS, OP_SYMBOL theirs).
 * Prices, volumes and money are JSON reals (15 significant digits),
 * tickets JSON integers, times ISO-8601 UTC with milliseconds (null when
 * 0).  herald-api(7) lists every member.
 */
char	*rpc_render_result(uint8_t op, const struct msg_api_res *,
	    struct rpc_error *);
char	*rpc_render_health(void);
/* The Content-Type of op's 2xx body: JSON, or GET /metrics' text. */
const char *rpc_result_type(uint8_t op);
/* The reason phrase of a status ("Not Found"). */
const char *rpc_reason(int status);

#endif
