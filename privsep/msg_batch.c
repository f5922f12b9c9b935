/*
 * Batches (msg.h's API_REQ_BATCH, API_RES_BATCH and EVENT_BATCH rows):
 * several messages of one type in one IPC message, so that net and the
 * monitor pay one send, one receive and one wake-up for all the
 * requests, all the answers and all the events of a loop turn.  Each
 * entry is a u32 id, a u32 length and that many bytes: the payload of
 * an ordinary message of the batch's inner type, which the receiver
 * checks against that type's own row (msg_accept()) and hands to that
 * type's handler as if it had come alone.  The monitor still decides
 * every request.
 *
 * BROKER_BATCH is mixed: the records of one group and the message that
 * ends it (BROKER_RES, BROKER_SYNC) go as one, so that an order costs
 * one send, one receive and one wake-up between the broker and the
 * monitor instead of one per record.  Its entries name their type
 * first (u32 type, u32 id, u32 len), and it holds those three alone.
 */
#include <string.h>

#include "ipc.h"
#include "msg.h"
#include "wire.h"

#define MSG_BATCH_ENTRY_HDR	8	/* u32 id, u32 len */
#define MSG_BATCH_MIXED_HDR	12	/* u32 type, u32 id, u32 len */

/* A mixed batch: each entry names its type. */
static int
batch_mixed(uint32_t type)
{
	return type == MSG_BROKER_BATCH;
}

/* The entry header's size in a batch of type. */
static size_t
batch_hdr(uint32_t type)
{
	return batch_mixed(type) ? MSG_BATCH_MIXED_HDR : MSG_BATCH_ENTRY_HDR;
}

/* May a batch of type hold an entry of inner? */
static int
batch_holds(uint32_t type, uint32_t inner)
{
	if (!batch_mixed(type))
		return inner == msg_batch_inner(type);
	return inner == MSG_BROKER_RECORD || inner == MSG_BROKER_SYNC ||
	    inner == MSG_BROKER_RES;
}

/* A mixed batch's is the type most of its entries have. */
uint32_t
msg_batch_inner(uint32_t type)
{
	switch (type) {
	case MSG_API_REQ_BATCH:
		return MSG_API_REQ;
	case MSG_API_RES_BATCH:
		return MSG_API_RES;
	case MSG_EVENT_BATCH:
		return MSG_EVENT;
	case MSG_BROKER_BATCH:
		return MSG_BROKER_RECORD;
	default:
		return MSG_NONE;
	}
}

void
msg_batch_init(struct msg_batch *b, uint32_t type)
{
	if (msg_batch_inner(type) == MSG_NONE)
		fatalx("%s is not a batch", msg_name(type));
	b->type = type;
	b->len = 0;
	b->n = 0;
	b->first_id = 0;
	b->first_type = MSG_NONE;
}

int
msg_batch_add(struct msg_batch *b, uint32_t id, const void *payload,
    size_t len)
{
	return msg_batch_add_msg(b, msg_batch_inner(b->type), id, payload,
	    len);
}

int
msg_batch_add_msg(struct msg_batch *b, uint32_t type, uint32_t id,
    const void *payload, size_t len)
{
	struct wire_builder	 w;
	size_t			 hdr = batch_hdr(b->type);

	if (!batch_holds(b->type, type))
		fatalx("%s: an entry of type %s", msg_name(b->type),
		    msg_name(type));
	if (len > sizeof(b->buf) - hdr)
		fatalx("%s: an entry of %zu bytes", msg_name(b->type), len);
	if (len > sizeof(b->buf) - hdr - b->len)
		return -1;
	wire_builder_init(&w, b->buf + b->len, sizeof(b->buf) - b->len);
	if (batch_mixed(b->type))
		wire_put_u32(&w, type);
	wire_put_u32(&w, id);
	wire_put_u32(&w, (uint32_t)len);
	wire_put_bytes(&w, payload, len);
	b->len += msg_finish(&w, msg_name(b->type));
	if (b->n++ == 0) {
		b->first_id = id;
		b->first_type = type;
	}
	return 0;
}

int
msg_batch_send(struct ipc_chan *chan, struct msg_batch *b)
{
	int	 r;

	if (b->n == 0)
		return 0;
	if (b->n == 1)
		/* Alone: the ordinary message, its payload behind id and len. */
		r = ipc_send(chan, b->first_type, b->first_id, -1,
		    b->buf + batch_hdr(b->type), b->len - batch_hdr(b->type));
	else
		r = ipc_send(chan, b->type, 0, -1, b->buf, b->len);
	if (r == -1)
		return -1;
	/* Requests carry key hashes: nothing stays behind. */
	explicit_bzero(b->buf, b->len);
	msg_batch_init(b, b->type);
	return 0;
}

int
msg_batch_next(const struct ipc_msg *m, size_t *off, struct ipc_msg *inner,
    const char **why)
{
	struct wire_reader	 r;
	uint32_t		 type, id, len;
	size_t			 hdr = batch_hdr(m->hdr.type);

	if ((type = msg_batch_inner(m->hdr.type)) == MSG_NONE) {
		*why = "not a batch";
		return -1;
	}
	if (*off > m->hdr.len) {
		*why = "batch offset past its end";
		return -1;
	}
	if (*off == m->hdr.len)
		return 0;
	if (m->hdr.len - *off < hdr) {
		*why = "batch entry header cut short";
		return -1;
	}
	wire_reader_init(&r, m->data + *off, hdr);
	if (batch_mixed(m->hdr.type))
		type = wire_get_u32(&r);
	id = wire_get_u32(&r);
	len = wire_get_u32(&r);
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	if (!batch_holds(m->hdr.type, type)) {
		*why = "batch entry of a type the batch does not hold";
		return -1;
	}
	if (len > m->hdr.len - *off - hdr) {
		*why = "batch entry longer than what is left of the batch";
		return -1;
	}
	memset(inner, 0, sizeof(*inner));
	inner->hdr.type = type;
	inner->hdr.len = len;
	inner->hdr.id = id;
	inner->data = m->data + *off + hdr;
	inner->fd = -1;
	*off += hdr + len;
	return 1;
}

int
msg_batch_each(const struct ipc_msg *m, void (*fn)(void *, struct ipc_msg *),
    void *arg, const char **why)
{
	struct ipc_msg	 e;
	size_t		 off = 0;
	int		 r;

	while ((r = msg_batch_next(m, &off, &e, why)) == 1)
		fn(arg, &e);
	return r;
}
