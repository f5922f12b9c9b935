/*
 * The RPC surface of the net process, kept free of I/O so that it can be
 * unit-tested and fuzzed: the route table, the validation of paths,
 * query strings, authentication headers and JSON bodies, the typed
 * parameters sent to the monitor in MSG_API_REQ, the rendering of the
 * monitor's typed answers as JSON, and the sliding-window counter of the
 * per-source rate limit.
 *
 * Every refusal is a struct rpc_error: the HTTP status, a machine code and
 * a message that names the field or the rule.
 */
#ifndef HERALD_RPC_H
#define HERALD_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Request methods, as bits (a route's methods, the Allow header). */
#define RPC_GET		0x001
#define RPC_HEAD	0x002
#define RPC_POST	0x004
#define RPC_PUT		0x008
#define RPC_DELETE	0x010
#define RPC_PATCH	0x020
#define RPC_OPTIONS	0x040
#define RPC_TRACE	0x080
#define RPC_CONNECT	0x100

#define RPC_MSG_MAX		256	/* an error message */
#define RPC_SYMBOL_MAX		32	/* [A-Z0-9._]{1,32} */
#define RPC_COID_MAX		64	/* client_order_id: visible ASCII */
#define RPC_COID_DERIVED	"auto-"	/* the prefix of derived ids (the
					   journal's); refused from clients */
#define RPC_COMMENT_MAX		31	/* comment: MT5's limit */
#define RPC_KEY_MAX		128	/* longest API key accepted */
#define RPC_AUDIT_LIMIT_MAX	1000	/* GET /v1/audit?limit=N */
#define RPC_JSON_DEPTH_MAX	8	/* nesting of a request body */

struct rpc_error {
	int		 status;	/* HTTP status */
	const char	*code;		/* "bad_request", ... */
	char		 message[RPC_MSG_MAX];
	unsigned	 allow;		/* RPC_* methods, with 405 */
};

/* Order sides (OP_TRADE). */
#define RPC_SIDE_BUY	1
#define RPC_SIDE_SELL	2

/* Filling modes asked for (OP_TRADE "filling"); 0: the broker picks. */
#define RPC_FILLING_NONE	0
#define RPC_FILLING_FOK		1
#define RPC_FILLING_IOC		2
#define RPC_FILLING_RETURN	3

/*
 * Which optional values are present (the flags byte of each layout
 * below; the same bit means the same field in every op).
 */
#define RPC_HAS_PRICE	0x01
#define RPC_HAS_SL	0x02
#define RPC_HAS_TP	0x04
#define RPC_HAS_COID	0x08
#define RPC_HAS_COMMENT	0x10
#define RPC_HAS_VOLUME	0x20	/* OP_POSITION_CLOSE */
#define RPC_HAS_SYMBOL	0x40	/* OP_POSITIONS: ?symbol= */
#define RPC_HAS_LIMIT	0x80	/* OP_AUDIT: ?limit= */

/*
 * The validated parameters of one request.  They travel to the monitor as
 * msg_api_req.params, encoded with common/wire.h (integers little-endian,
 * strings u16 length + bytes, doubles as the u64 of their IEEE-754 bits),
 * one layout per op:
 *
 *	OP_STATUS, OP_ACCOUNT, OP_ORDERS	empty
 *	OP_TRADE	str symbol, u8 side (1 BUY, 2 SELL), u64 volume,
 *			u8 flags (PRICE|SL|TP|COID|COMMENT), u64 price,
 *			u64 sl, u64 tp, str client_order_id, str comment,
 *			u8 filling (0 none, 1 FOK, 2 IOC, 3 RETURN)
 *	OP_POSITIONS	u8 flags (SYMBOL), str symbol
 *	OP_POSITION_CLOSE  u64 ticket, u8 flags (VOLUME), u64 volume
 *	OP_POSITION_MODIFY u64 ticket, u8 flags (SL|TP), u64 sl, u64 tp
 *	OP_ORDER_CANCEL	u64 ticket
 *	OP_SYMBOL	str symbol
 *	OP_AUDIT	u8 flags (LIMIT), u32 limit
 *
 * An absent optional value is sent as zero (empty for a string) with its
 * flag clear; a flag outside the op's set is an error.  Rules: symbol
 * [A-Z0-9._]{1,32}; volume finite and > 0; price finite and > 0; sl, tp
 * finite and >= 0 (0: none); client_order_id 1..64 visible ASCII bytes
 * (0x21..0x7e), not starting with "auto-"; comment 0..31 printable
 * ASCII bytes; filling 0..3; ticket 1..2^64-1; limit 1..1000.
 * rpc_params_decode() applies all of them again.
 */
struct rpc_params {
	uint8_t		op;		/* enum api_op */
	uint8_t		flags;		/* RPC_HAS_* */
	uint8_t		side;
	uint8_t		filling;	/* RPC_FILLING_* (OP_TRADE) */
	uint64_t	ticket;
	double		volume;
	double		price;
	double		sl;
	double		tp;
	uint32_t	limit;
	char		symbol[RPC_SYMBOL_MAX + 1];
	char		client_order_id[RPC_COID_MAX + 1];
	char		comment[RPC_COMMENT_MAX + 1];
};

/* What a route says about a request's body. */
enum rpc_body {
	RPC_BODY_NONE = 0,
	RPC_BODY_OPTIONAL,
	RPC_BODY_REQUIRED
};

/* A request matched to its route. */
struct rpc_call {
	const char	*path;		/* the route's pattern, for logs */
	int		 local;		/* answered by net (GET /healthz) */
	enum rpc_body	 body;
	struct rpc_params p;
};

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

/* Encode p for msg_api_req.params; (size_t)-1 if it does not fit. */
size_t	rpc_params_encode(const struct rpc_params *, uint8_t *, size_t);
/* Decode and re-check the layout of op; 0, or -1 with *why. */
int	rpc_params_decode(uint8_t op, const uint8_t *, size_t,
	    struct rpc_params *, const char **why);

/* The typed result of OP_STATUS (msg_api_res.result). */
struct rpc_status {
	char		version[64];
	char		broker[64];	/* broker connection state */
	uint8_t		lockdown;	/* 0 or 1 */
	char		key_name[128];
	char		role[16];
};
size_t	rpc_status_encode(const struct rpc_status *, uint8_t *, size_t);
int	rpc_status_decode(const uint8_t *, size_t, struct rpc_status *,
	    const char **why);

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
/* The reason phrase of a status ("Not Found"). */
const char *rpc_reason(int status);

/*
 * The per-source rate limit: a sliding-window counter (the previous
 * fixed window weighted by how much of it still overlaps the sliding
 * one, plus the current window).  rpc_window_hit() counts one request at
 * now (milliseconds, monotonic) and returns 0, or refuses it (it is not
 * counted) and returns the seconds until one would be accepted.
 */
struct rpc_window {
	uint64_t	start;		/* ms: start of the current window */
	uint32_t	prev;		/* requests in the previous window */
	uint32_t	cur;		/* requests in the current window */
};
uint32_t rpc_window_hit(struct rpc_window *, uint64_t now_ms,
	    uint32_t window_s, uint32_t limit);
/* Whether the counter holds nothing that still matters at now. */
int	rpc_window_idle(const struct rpc_window *, uint64_t now_ms,
	    uint32_t window_s);

#endif
