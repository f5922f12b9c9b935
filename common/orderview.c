/* One order as the journal holds it: its codec (see orderview.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "orderview.h"
#include "trade.h"
#include "wire.h"

static const char *const states[ORDER_VIEW_STATES] = {
	[ORDER_VIEW_PENDING] = "pending",
	[ORDER_VIEW_SENT] = "sent",
	[ORDER_VIEW_DONE] = "done",
	[ORDER_VIEW_FAILED] = "failed",
	[ORDER_VIEW_UNKNOWN] = "unknown",
};

const char *
order_view_state_name(unsigned s)
{
	return s < ORDER_VIEW_STATES ? states[s] : "invalid";
}

size_t
order_view_encode(const struct order_view *v, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	if (v->result_len > sizeof(v->result) ||
	    memchr(v->client_order_id, '\0', sizeof(v->client_order_id)) ==
	    NULL || memchr(v->code, '\0', sizeof(v->code)) == NULL ||
	    memchr(v->message, '\0', sizeof(v->message)) == NULL)
		return 0;
	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, v->ticket);
	wire_put_u64(&b, (uint64_t)v->command_id);
	wire_put_str(&b, v->client_order_id);
	wire_put_u8(&b, v->derived);
	wire_put_u8(&b, v->state);
	wire_put_u64(&b, (uint64_t)v->created);
	wire_put_u64(&b, (uint64_t)v->updated);
	wire_put_u16(&b, v->status);
	wire_put_str(&b, v->code);
	wire_put_str(&b, v->message);
	wire_put_u32(&b, v->result_len);
	wire_put_bytes(&b, v->result, v->result_len);
	return b.err ? 0 : b.len;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
order_view_decode(const uint8_t *buf, size_t len, struct order_view *v,
    const char **why)
{
	struct wire_reader	 r;
	struct trade_result	 tr;

	memset(v, 0, sizeof(*v));
	wire_reader_init(&r, buf, len);
	v->ticket = wire_get_u64(&r);
	v->command_id = (int64_t)wire_get_u64(&r);
	wire_get_str(&r, v->client_order_id, sizeof(v->client_order_id));
	v->derived = wire_get_u8(&r);
	v->state = wire_get_u8(&r);
	v->created = (int64_t)wire_get_u64(&r);
	v->updated = (int64_t)wire_get_u64(&r);
	v->status = wire_get_u16(&r);
	wire_get_str(&r, v->code, sizeof(v->code));
	wire_get_str(&r, v->message, sizeof(v->message));
	v->result_len = wire_get_u32(&r);
	if (wire_ok(&r) && v->result_len > sizeof(v->result)) {
		*why = "order.result: too long";
		return -1;
	}
	if (wire_ok(&r))
		wire_get_bytes(&r, v->result, v->result_len);
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	if (v->command_id <= 0) {
		*why = "order.command_id: not positive";
		return -1;
	}
	if (v->client_order_id[0] == '\0' || !printable(v->client_order_id) ||
	    !printable(v->code) || !printable(v->message)) {
		*why = "order: a string is empty or not printable";
		return -1;
	}
	if (v->derived > 1 || v->state >= ORDER_VIEW_STATES) {
		*why = "order.state or derived: out of range";
		return -1;
	}
	if (v->created < 0 || v->updated < v->created ||
	    v->updated > TRADE_TIME_MAX / 1000) {
		*why = "order.created or updated: out of range";
		return -1;
	}
	if (v->status != 0 && (v->status < 200 || v->status > 599)) {
		*why = "order.status: not an HTTP status";
		return -1;
	}
	if (v->result_len > 0 && trade_result_decode(v->result,
	    v->result_len, &tr, why) == -1)
		return -1;
	return 0;
}
