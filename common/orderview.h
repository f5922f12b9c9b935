/*
 * One order as the journal holds it, the typed result of GET
 * /v1/orders/{ticket} and GET /v1/orders?client_order_id= (the
 * monitor answers them; net renders them).  Shared by the two, so it
 * knows nothing of either: the journal's states are numbered here.
 *
 * On the wire (common/wire.h): u64 ticket, u64 command_id, str
 * client_order_id, u8 derived, u8 state, u64 created, u64 updated (unix
 * seconds), u16 status (the stored answer's HTTP status, 0: none yet),
 * str code, str message, u32 result_len, result bytes (a struct
 * trade_result, trade.h's encoding; 0 bytes when the answer has none).
 * The decoder consumes exactly the payload and checks every field.
 */
#ifndef HERALD_ORDERVIEW_H
#define HERALD_ORDERVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "trade.h"

#define ORDER_VIEW_STR_MAX	256	/* code, message, with the NUL */
#define ORDER_VIEW_RESULT_MAX	4096	/* an encoded trade_result */

/* The journal's states, in journal.h's order. */
enum order_view_state {
	ORDER_VIEW_PENDING = 0,
	ORDER_VIEW_SENT,
	ORDER_VIEW_DONE,
	ORDER_VIEW_FAILED,
	ORDER_VIEW_UNKNOWN,
	ORDER_VIEW_STATES
};

struct order_view {
	uint64_t	ticket;		/* the ticket asked for, 0 if by id */
	int64_t		command_id;	/* the journal row */
	char		client_order_id[TRADE_COID_MAX];
	uint8_t		derived;	/* 1: heraldd derived the id */
	uint8_t		state;		/* enum order_view_state */
	int64_t		created;
	int64_t		updated;
	uint16_t	status;		/* 0 while in flight */
	char		code[ORDER_VIEW_STR_MAX];
	char		message[ORDER_VIEW_STR_MAX];
	uint32_t	result_len;
	uint8_t		result[ORDER_VIEW_RESULT_MAX];
};

/* The length written, or 0 if it does not fit. */
size_t	order_view_encode(const struct order_view *, uint8_t *, size_t);
/* 0, or -1 with *why naming the field. */
int	order_view_decode(const uint8_t *, size_t, struct order_view *,
	    const char **why);
/* "pending", "sent", "done", "failed", "unknown"; "invalid" else. */
const char *order_view_state_name(unsigned);

#endif
