/*
 * The validated parameters of one API request, as net sends them to the
 * monitor (msg_api_req.params) and the monitor to the broker
 * (msg_broker_req.params), and the typed result of the status operation.
 * Shared by the three processes, so it knows nothing of them: which
 * fields an operation takes is the API catalogue's (privsep/api.h), and
 * reaches this codec as a mask of RPC_HAS_* and RPC_NEED_* bits.
 */
#ifndef HERALD_PARAMS_H
#define HERALD_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#define RPC_SYMBOL_MAX		32	/* [A-Z0-9._]{1,32} */
#define RPC_COID_MAX		64	/* client_order_id: visible ASCII */
#define RPC_COID_DERIVED	"auto-"	/* the prefix of derived ids (the
					   journal's); refused from clients */
#define RPC_COMMENT_MAX		31	/* comment: MT5's limit */
#define RPC_AUDIT_LIMIT_MAX	1000	/* GET /v1/audit?limit=N */
#define RPC_DEVIATION_DEFAULT	10	/* points, as MQL5's CTrade */
#define RPC_DEVIATION_MAX	100000	/* points */
/* The latest expiration, 9999-12-31T23:59:59Z, in seconds. */
#define RPC_EXPIRATION_MAX	253402300799LL
#define RPC_AUDIT_LIMIT_DEFAULT	100
#define RPC_AUDIT_TYPE_MAX	31	/* ?type=: [a-z_.] */
#define RPC_AUDIT_KEY_MAX	63	/* ?key=: a key name */

/* Order sides (OP_TRADE). */
#define RPC_SIDE_BUY	1
#define RPC_SIDE_SELL	2

/* Order types (OP_TRADE "type"), MT5's kinds: each side has its own. */
#define RPC_TYPE_MARKET		0	/* TRADE_ACTION_DEAL */
#define RPC_TYPE_LIMIT		1	/* ORDER_TYPE_BUY_LIMIT, SELL_LIMIT */
#define RPC_TYPE_STOP		2	/* ORDER_TYPE_BUY_STOP, SELL_STOP */
#define RPC_TYPE_STOP_LIMIT	3	/* ORDER_TYPE_BUY_STOP_LIMIT, ... */

/* Expirations ("expiration"): MT5's ORDER_TIME_GTC, _DAY, _SPECIFIED. */
#define RPC_TIME_GTC		0
#define RPC_TIME_DAY		1
#define RPC_TIME_SPECIFIED	2

/* The order block's presence flags (rpc_params.oflags). */
#define RPC_OHAS_STOP_LIMIT	0x01
#define RPC_OHAS_EXPIRATION	0x02
#define RPC_OHAS_MASK		0x03

/* Filling modes asked for (OP_TRADE "filling"); 0: the broker picks. */
#define RPC_FILLING_NONE	0
#define RPC_FILLING_FOK		1
#define RPC_FILLING_IOC		2
#define RPC_FILLING_RETURN	3

/*
 * The fields of an operation.  The low byte holds the optional values,
 * the same bits as the flags byte that says which of them are present
 * (the same bit means the same field in every op); the bits above are
 * the values an operation always carries.
 */
#define RPC_HAS_PRICE	0x01
#define RPC_HAS_SL	0x02
#define RPC_HAS_TP	0x04
#define RPC_HAS_COID	0x08
#define RPC_HAS_COMMENT	0x10
#define RPC_HAS_VOLUME	0x20	/* OP_POSITION_CLOSE */
#define RPC_HAS_SYMBOL	0x40	/* OP_POSITIONS: ?symbol= */
#define RPC_HAS_LIMIT	0x80	/* OP_AUDIT: ?limit= */
#define RPC_HAS_MASK	0xff
#define RPC_NEED_TICKET	0x0100	/* from the path */
#define RPC_NEED_SYMBOL	0x0200
#define RPC_NEED_SIDE	0x0400
#define RPC_NEED_VOLUME	0x0800
#define RPC_NEED_FILLING 0x1000	/* always sent, 0: none asked */
#define RPC_NEED_SL_TP	0x2000	/* at least one of sl and tp */
#define RPC_NEED_AFTER	0x100000 /* OP_EVENTS: Last-Event-ID */
#define RPC_NEED_RANGE	0x200000 /* OP_DEALS: ?from= ?to= ?cursor= */
#define RPC_NEED_AUDIT	0x400000 /* OP_AUDIT's filters: ?since= ?cursor=
				    ?type= ?key= (0 or empty: none) */
/* The fields a request header fills, not the path, query or body. */
#define RPC_FROM_HEADER	RPC_NEED_AFTER
/*
 * The order block (below) travels when an op has either bit: TYPE puts
 * "type" and "deviation" in its body, PENDING "stop_limit" and
 * "expiration"; CHANGE is a rule: a modify changes something.
 */
#define RPC_NEED_TYPE	0x8000
#define RPC_NEED_PENDING 0x10000
#define RPC_NEED_CHANGE	0x20000	/* one of price, stop_limit, sl, tp,
					   expiration */
#define RPC_ORDER_BLOCK	(RPC_NEED_TYPE | RPC_NEED_PENDING)

/*
 * The validated parameters of one request.  On the wire (common/wire.h:
 * integers little-endian, strings u16 length + bytes, doubles as the u64
 * of their IEEE-754 bits) the fields an operation takes follow in this
 * order, each only when its op takes it:
 *
 *	u64 ticket, str symbol (needed), u8 side (1 BUY, 2 SELL),
 *	u64 volume (needed), u8 flags (when any value is optional),
 *	u64 price, u64 sl, u64 tp, str client_order_id, str comment,
 *	u8 filling (0 none, 1 FOK, 2 IOC, 3 RETURN), str symbol (optional),
 *	u64 volume (optional), u32 limit, u64 after, i64 from, i64 to,
 *	i64 cursor time, u64 cursor ticket,
 *	the order block: u8 oflags (RPC_OHAS_*), u8 type (RPC_TYPE_*),
 *	u64 stop_limit, u32 deviation, u8 type_time (RPC_TIME_*),
 *	u64 expiration (seconds since the epoch),
 *	u64 since, u64 audit cursor, str audit_type, str audit_key
 *
 * An absent optional value is sent as zero (empty for a string) with its
 * flag clear; a flag outside the op's set is an error.  Rules: symbol
 * [A-Z0-9._]{1,32}; volume finite and > 0; price finite and > 0; sl, tp
 * finite and >= 0 (0: none); client_order_id 1..64 visible ASCII bytes
 * (0x21..0x7e), not starting with "auto-"; comment 0..31 printable
 * ASCII bytes; filling 0..3; ticket 1..2^64-1; limit 1..1000; after
 * any (UINT64_MAX: no Last-Event-ID); from and to milliseconds since the
 * epoch, 0 for none, from before to when both are given; the cursor's
 * time >= 0, its ticket 0 (none, and then its time 0) or more.
 * The order block: stop_limit finite and > 0 when flagged, else 0;
 * deviation 0..RPC_DEVIATION_MAX; type_time GTC or DAY with expiration
 * 0, SPECIFIED with 1..RPC_EXPIRATION_MAX, flagged or all zero.  A new
 * order (RPC_NEED_SIDE) also: a pending type has a price, a stop-limit
 * (only) a stop_limit, a market order no expiration, a pending one no
 * deviation; a modify has type and deviation 0.
 * The audit filters: since and the audit cursor 0..2^63-1; audit_type
 * 0..31 of [a-z_.]; audit_key 0..63 of [A-Za-z0-9_.-]; an op without
 * RPC_NEED_AUDIT carries none of these four.
 * rpc_params_unpack() applies all of them again.
 */
struct rpc_params {
	uint8_t		op;		/* enum api_op */
	uint8_t		flags;		/* RPC_HAS_* */
	uint8_t		side;
	uint8_t		filling;	/* RPC_FILLING_* (OP_TRADE) */
	uint8_t		oflags;		/* RPC_OHAS_* */
	uint8_t		type;		/* RPC_TYPE_* */
	uint8_t		type_time;	/* RPC_TIME_* */
	uint32_t	deviation;	/* points, market orders */
	double		stop_limit;	/* the limit price of a stop-limit */
	int64_t		expiration;	/* RPC_TIME_SPECIFIED: seconds */
	uint64_t	ticket;
	double		volume;
	double		price;
	double		sl;
	double		tp;
	uint32_t	limit;
	uint64_t	after;		/* OP_EVENTS: Last-Event-ID */
	int64_t		from;		/* OP_DEALS: ms, 0 none */
	int64_t		to;		/* ms, 0 none; from <= t < to */
	int64_t		cursor_time;	/* the last deal of the page before */
	uint64_t	cursor_ticket;	/* 0: the first page */
	uint64_t	since;		/* OP_AUDIT: unix time */
	uint64_t	audit_cursor;	/* OP_AUDIT: a row id, 0: none */
	char		audit_type[RPC_AUDIT_TYPE_MAX + 1];
	char		audit_key[RPC_AUDIT_KEY_MAX + 1];
	char		symbol[RPC_SYMBOL_MAX + 1];
	char		client_order_id[RPC_COID_MAX + 1];
	char		comment[RPC_COMMENT_MAX + 1];
};

/* Encode the fields of p; (size_t)-1 if it does not fit. */
size_t	rpc_params_pack(const struct rpc_params *, unsigned fields,
	    uint8_t *, size_t);
/*
 * Decode exactly len bytes of the fields given and apply the rules;
 * p->op is left zero for the caller.  0, or -1 with *why.
 */
int	rpc_params_unpack(unsigned fields, const uint8_t *, size_t,
	    struct rpc_params *, const char **why);

/*
 * A new order's MT5 ENUM_ORDER_TYPE (ORDER_TYPE_BUY .. SELL_STOP_LIMIT)
 * from its side and type; RPC_TIME_* are MT5's ORDER_TIME_* values.
 */
unsigned	rpc_mt5_type(const struct rpc_params *);

/* The rules of single values, for net's parsers and the decoder. */
int	rpc_symbol_ok(const char *, size_t);
int	rpc_printable(const char *, size_t);
int	rpc_coid_ok(const char *, size_t);
int	rpc_audit_type_ok(const char *, size_t);	/* empty too */
int	rpc_key_name_ok(const char *, size_t);		/* empty too */

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

#endif
