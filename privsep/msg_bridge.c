/*
 * The payloads of the bridge's IPC messages (msg.h's BRIDGE_* rows):
 * the EA's handshake as the broker passes it to the monitor, the
 * monitor's answers, an order's authorisation and the connection's
 * status.  Each decoder consumes its payload exactly.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "wire.h"

size_t
msg_bridge_hello_encode(uint8_t *buf, size_t cap,
    const struct msg_bridge_hello *h)
{
	struct wire_builder	b;

	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, h->login);
	wire_put_str(&b, h->server);
	wire_put_bytes(&b, h->nonce, sizeof(h->nonce));
	wire_put_str(&b, h->ea);
	return msg_finish(&b, "BRIDGE_HELLO");
}

int
msg_bridge_hello_decode(const struct ipc_msg *m, struct msg_bridge_hello *h,
    const char **why)
{
	struct wire_reader	r;

	wire_reader_init(&r, m->data, m->hdr.len);
	h->login = wire_get_u64(&r);
	wire_get_str(&r, h->server, sizeof(h->server));
	wire_get_bytes(&r, h->nonce, sizeof(h->nonce));
	wire_get_str(&r, h->ea, sizeof(h->ea));
	return msg_done(&r, why);
}

size_t
msg_bridge_answer_encode(uint8_t *buf, size_t cap,
    const struct msg_bridge_answer *a, int with_tag)
{
	struct wire_builder	b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, a->ok);
	wire_put_str(&b, a->reason);
	wire_put_bytes(&b, a->nonce, sizeof(a->nonce));
	if (with_tag)
		wire_put_bytes(&b, a->tag, sizeof(a->tag));
	return msg_finish(&b, with_tag ? "BRIDGE_CHALLENGE" : "BRIDGE_SESSION");
}

int
msg_bridge_answer_decode(const struct ipc_msg *m,
    struct msg_bridge_answer *a, int with_tag, const char **why)
{
	struct wire_reader	r;

	memset(a, 0, sizeof(*a));
	wire_reader_init(&r, m->data, m->hdr.len);
	a->ok = wire_get_u8(&r);
	wire_get_str(&r, a->reason, sizeof(a->reason));
	wire_get_bytes(&r, a->nonce, sizeof(a->nonce));
	if (with_tag)
		wire_get_bytes(&r, a->tag, sizeof(a->tag));
	if (msg_done(&r, why) == -1)
		return -1;
	if (a->ok > 1) {
		*why = "flag out of range";
		return -1;
	}
	return 0;
}

size_t
msg_bridge_order_encode(uint8_t *buf, size_t cap,
    const struct msg_bridge_order *o)
{
	struct wire_builder	b;

	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, o->command_id);
	wire_put_str(&b, o->canon);
	wire_put_bytes(&b, o->tag, sizeof(o->tag));
	return msg_finish(&b, "BRIDGE_ORDER");
}

int
msg_bridge_order_decode(const struct ipc_msg *m, struct msg_bridge_order *o,
    const char **why)
{
	struct wire_reader	r;

	wire_reader_init(&r, m->data, m->hdr.len);
	o->command_id = wire_get_u64(&r);
	wire_get_str(&r, o->canon, sizeof(o->canon));
	wire_get_bytes(&r, o->tag, sizeof(o->tag));
	if (msg_done(&r, why) == -1)
		return -1;
	if (o->command_id == 0) {
		*why = "command id 0";
		return -1;
	}
	return 0;
}

size_t
msg_bridge_status_encode(uint8_t *buf, size_t cap,
    const struct msg_bridge_status *s)
{
	struct wire_builder	b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, s->connected);
	wire_put_u8(&b, s->trade_allowed);
	wire_put_u8(&b, s->terminal_connected);
	wire_put_u64(&b, (uint64_t)s->since);
	wire_put_u64(&b, (uint64_t)s->last_pong);
	wire_put_u32(&b, s->rtt_ms);
	wire_put_u64(&b, s->login);
	wire_put_str(&b, s->ea);
	wire_put_str(&b, s->why);
	return msg_finish(&b, "BRIDGE_STATUS");
}

int
msg_bridge_status_decode(const struct ipc_msg *m,
    struct msg_bridge_status *s, const char **why)
{
	struct wire_reader	r;

	wire_reader_init(&r, m->data, m->hdr.len);
	s->connected = wire_get_u8(&r);
	s->trade_allowed = wire_get_u8(&r);
	s->terminal_connected = wire_get_u8(&r);
	s->since = (int64_t)wire_get_u64(&r);
	s->last_pong = (int64_t)wire_get_u64(&r);
	s->rtt_ms = wire_get_u32(&r);
	s->login = wire_get_u64(&r);
	wire_get_str(&r, s->ea, sizeof(s->ea));
	wire_get_str(&r, s->why, sizeof(s->why));
	if (msg_done(&r, why) == -1)
		return -1;
	if (s->connected > 1 || s->trade_allowed > 1 ||
	    s->terminal_connected > 1) {
		*why = "flag out of range";
		return -1;
	}
	return 0;
}

int
msg_bridge_tag_decode(const struct ipc_msg *m, uint8_t *tag,
    const char **why)
{
	struct wire_reader	r;

	wire_reader_init(&r, m->data, m->hdr.len);
	wire_get_bytes(&r, tag, BRIDGE_SECRET_LEN);
	return msg_done(&r, why);
}
