/*
 * The catalogue of every API operation, beside the catalogue of messages
 * (msg.h) and in its style: one row per operation.  Adding an endpoint is
 * adding a row; what serves it follows from the row or fails to build:
 *	net	 the route table (daemon/rpc.c) is the catalogue; the path,
 *		 query and body fields are checked against it by
 *		 rpc_catalogue_check() (tests/daemon/test_api.c); the
 *		 renderer is RPC_RESULT_<render> (rpc_render.c), which
 *		 must exist
 *	monitor	 the permission is the perm column (roles.c); an op for
 *		 API_MONITOR needs mon_api_<NAME> (peer.c), one for
 *		 API_BROKER goes to trading.c; writes get the risk rules
 *	broker	 refuses what is not API_BROKER, needs a command id for
 *		 API_WRITE, and its reads switch over every op, with no
 *		 default (broker.c)
 *
 * Columns:
 *	name	OP_<name>
 *	methods	RPC_* bits the route accepts
 *	path	the route's pattern; {ticket} a decimal u64, {symbol} a
 *		symbol name, both taken into the parameters
 *	perm	PERM_* the key needs (0: a valid key is enough; net's own
 *		ops need no key at all, nor do PERM_PUBLIC ones)
 *	to	the process that answers: API_NET, API_MONITOR, API_BROKER
 *	rw	API_READ, or API_WRITE (an order: journaled, risk-checked,
 *		refused in lockdown)
 *	fields	RPC_HAS_* and RPC_NEED_* (common/params.h): the parameters
 *		it takes and their layout on the wire
 *	query	the query parameters a route accepts, separated by
 *		spaces, or NULL; two rows may share a path and method
 *		when their queries differ: a request whose query names
 *		one of a row's parameters first goes to that row
 *	body	RPC_BODY_NONE, RPC_BODY_OPTIONAL or RPC_BODY_REQUIRED
 *	render	the renderer of a 2xx answer, RPC_RESULT_<render> in net
 *		(only net's expansion names it)
 */
#ifndef HERALD_API_H
#define HERALD_API_H

#include <stdint.h>

#include "params.h"

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

/* Permissions of a role (roles.c's roles grant them). */
#define PERM_READ_POSITIONS	0x01
#define PERM_WRITE_POSITIONS	0x02
#define PERM_VIEW_LOGS		0x04
#define PERM_MODIFY_CONFIG	0x08
#define PERM_READ_METRICS	0x10
/* No key at all: answered to anyone who may connect (GET /readyz). */
#define PERM_PUBLIC		0x80

enum api_to {
	API_NET = 1,
	API_MONITOR,
	API_BROKER
};

enum api_rw {
	API_READ = 0,
	API_WRITE
};

enum rpc_body {
	RPC_BODY_NONE = 0,
	RPC_BODY_OPTIONAL,
	RPC_BODY_REQUIRED
};

#define F_TRADE	(RPC_NEED_SYMBOL | RPC_NEED_SIDE | RPC_NEED_VOLUME | \
		 RPC_HAS_PRICE | RPC_HAS_SL | RPC_HAS_TP | RPC_HAS_COID | \
		 RPC_HAS_COMMENT | RPC_NEED_FILLING | RPC_NEED_TYPE | \
		 RPC_NEED_PENDING)
#define F_ORDER_MODIFY	(RPC_NEED_TICKET | RPC_HAS_PRICE | RPC_HAS_SL | \
		 RPC_HAS_TP | RPC_NEED_PENDING | RPC_NEED_CHANGE)

/*	name		methods		path				perm			to		rw		fields						query		body			render */
#define HERALD_OPS(O)							\
O(NONE,		RPC_GET,	"/healthz",			0,			API_NET,	API_READ,	0,						NULL,		RPC_BODY_NONE,		health) \
O(STATUS,	RPC_GET,	"/v1/status",			0,			API_MONITOR,	API_READ,	0,						NULL,		RPC_BODY_NONE,		status) \
O(TRADE,	RPC_POST,	"/trade",			PERM_WRITE_POSITIONS,	API_BROKER,	API_WRITE,	F_TRADE,					NULL,		RPC_BODY_REQUIRED,	trade) \
O(ACCOUNT,	RPC_GET,	"/v1/account",			PERM_READ_POSITIONS,	API_BROKER,	API_READ,	0,						NULL,		RPC_BODY_NONE,		account) \
O(POSITIONS,	RPC_GET,	"/v1/positions",		PERM_READ_POSITIONS,	API_BROKER,	API_READ,	RPC_HAS_SYMBOL,					"symbol",	RPC_BODY_NONE,		positions) \
O(POSITION_CLOSE, RPC_POST,	"/v1/positions/{ticket}/close",	PERM_WRITE_POSITIONS,	API_BROKER,	API_WRITE,	RPC_NEED_TICKET | RPC_HAS_VOLUME,		NULL,		RPC_BODY_OPTIONAL,	trade) \
O(POSITION_MODIFY, RPC_POST,	"/v1/positions/{ticket}/modify", PERM_WRITE_POSITIONS,	API_BROKER,	API_WRITE,	RPC_NEED_TICKET | RPC_HAS_SL | RPC_HAS_TP | RPC_NEED_SL_TP, NULL, RPC_BODY_REQUIRED,	trade) \
O(ORDERS,	RPC_GET,	"/v1/orders",			PERM_READ_POSITIONS,	API_BROKER,	API_READ,	0,						NULL,		RPC_BODY_NONE,		orders) \
O(ORDER_CANCEL,	RPC_DELETE,	"/v1/orders/{ticket}",		PERM_WRITE_POSITIONS,	API_BROKER,	API_WRITE,	RPC_NEED_TICKET,				NULL,		RPC_BODY_NONE,		trade) \
O(SYMBOL,	RPC_GET,	"/v1/symbols/{symbol}",		PERM_READ_POSITIONS,	API_BROKER,	API_READ,	RPC_NEED_SYMBOL,				NULL,		RPC_BODY_NONE,		symbol) \
O(AUDIT,	RPC_GET,	"/v1/audit",			PERM_VIEW_LOGS,		API_MONITOR,	API_READ,	RPC_HAS_LIMIT | RPC_NEED_AUDIT,			"since type key cursor limit", RPC_BODY_NONE, audit) \
O(READY,	RPC_GET,	"/readyz",			PERM_PUBLIC,		API_MONITOR,	API_READ,	0,						NULL,		RPC_BODY_NONE,		ready) \
O(ORDER_GET,	RPC_GET,	"/v1/orders/{ticket}",		PERM_READ_POSITIONS,	API_MONITOR,	API_READ,	RPC_NEED_TICKET,				NULL,		RPC_BODY_NONE,		order) \
O(ORDER_FIND,	RPC_GET,	"/v1/orders",			PERM_READ_POSITIONS,	API_MONITOR,	API_READ,	RPC_HAS_COID,					"client_order_id", RPC_BODY_NONE,	order) \
O(METRICS,	RPC_GET,	"/metrics",			PERM_READ_METRICS,	API_MONITOR,	API_READ,	0,						NULL,		RPC_BODY_NONE,		metrics) \
O(EVENTS,	RPC_GET,	"/v1/events",			PERM_READ_POSITIONS,	API_MONITOR,	API_READ,	RPC_NEED_AFTER,					NULL,		RPC_BODY_NONE,		events) \
O(DEALS,	RPC_GET,	"/v1/deals",			PERM_READ_POSITIONS,	API_MONITOR,	API_READ,	RPC_NEED_RANGE | RPC_HAS_SYMBOL | RPC_HAS_LIMIT, "from to symbol cursor limit", RPC_BODY_NONE, deals) \
O(ORDER_MODIFY,	RPC_POST,	"/v1/orders/{ticket}/modify",	PERM_WRITE_POSITIONS,	API_BROKER,	API_WRITE,	F_ORDER_MODIFY,					NULL,		RPC_BODY_REQUIRED,	trade)

enum api_op {
#define O(name, methods, path, perm, to, rw, fields, query, body, render) \
	OP_##name,
	HERALD_OPS(O)
#undef O
	OP_MAX
};

struct api_info {
	const char	*name;		/* "TRADE" */
	unsigned	 methods;
	const char	*path;
	uint32_t	 perm;
	enum api_to	 to;
	enum api_rw	 rw;
	unsigned	 fields;
	const char	*query;
	enum rpc_body	 body;
};

/* The row of op, NULL if there is none. */
const struct api_info	*api_info(unsigned op);

/*
 * The parameters of a request for op (p->op) on the wire, laid out by
 * the op's fields: (size_t)-1 if they do not fit or op is unknown.
 * Decoding consumes exactly len bytes and re-applies every rule; 0, or
 * -1 with *why.
 */
size_t	rpc_params_encode(const struct rpc_params *, uint8_t *, size_t);
int	rpc_params_decode(uint8_t op, const uint8_t *, size_t,
	    struct rpc_params *, const char **why);

#endif
