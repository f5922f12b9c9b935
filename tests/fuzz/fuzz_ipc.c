/*
 * The IPC decoding path as the monitor and the children run it: frame
 * check, catalogue check for each possible sender, then the typed
 * decoder of the message type.  What a broker message's decoder accepts
 * must encode back to the same bytes: the monitor stores and forwards
 * those payloads, so a value with two encodings would be a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deal.h"
#include "ipc.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
same(const struct ipc_msg *m, const uint8_t *buf, size_t n)
{
	if (n != m->hdr.len || memcmp(buf, m->data, n) != 0)
		abort();
}

/*
 * An API_RES's result read as a page of events (OP_EVENTS): net's
 * reading of it (http_stream.c).  Whatever it accepts re-encodes to the
 * same bytes.
 */
static void
events_page(const uint8_t *buf, size_t len)
{
	static struct herald_event	 e;
	static uint8_t			 out[API_RESULT_MAX];
	struct event_page		 pg;
	struct wire_reader		 r;
	struct wire_builder		 b;
	const char			*why;
	uint32_t			 i;

	wire_reader_init(&r, buf, len);
	if (event_page_get(&r, &pg, &why) == -1)
		return;
	wire_builder_init(&b, out, sizeof(out));
	event_page_put(&b, &pg);
	for (i = 0; i < pg.n && wire_ok(&r); i++) {
		event_get(&r, &e);
		if (wire_ok(&r))
			event_put(&b, &e);
	}
	if (wire_end(&r) == -1)
		return;
	if (b.err || b.len != len || memcmp(out, buf, len) != 0)
		abort();
}

/*
 * An API_RES's result read as a page of deals (OP_DEALS), as net's
 * renderer reads it: whatever it accepts re-encodes to the same bytes.
 */
static void
deals_page(const uint8_t *buf, size_t len)
{
	static uint8_t		 out[API_RESULT_MAX], rec[PAPER_RECORD_MAX];
	struct paper_record	 pr;
	struct deal_page	 pg;
	struct wire_reader	 r;
	struct wire_builder	 b;
	const char		*why;
	size_t			 n;
	uint32_t		 i;

	wire_reader_init(&r, buf, len);
	if (deal_page_get(&r, &pg, &why) == -1)
		return;
	wire_builder_init(&b, out, sizeof(out));
	deal_page_put(&b, &pg);
	memset(&pr, 0, sizeof(pr));
	pr.type = PAPER_REC_DEAL;
	pr.op = PAPER_OP_PUT;
	for (i = 0; i < pg.n; i++) {
		if (deal_page_next(&r, &pr.u.deal, &why) == -1)
			return;
		if ((n = paper_record_encode(&pr, rec, sizeof(rec))) ==
		    (size_t)-1)
			abort();
		deal_page_add(&b, rec, n);
	}
	if (wire_end(&r) == -1)
		return;
	if (b.err || b.len != len || memcmp(out, buf, len) != 0)
		abort();
}

/* The bridge's handshake, authorisations and status (msg_bridge.c). */
static void
bridge_message(const struct ipc_msg *m, uint8_t *buf, size_t cap)
{
	static struct msg_bridge_hello	 h;
	static struct msg_bridge_answer	 a;
	static struct msg_bridge_order	 o;
	static struct msg_bridge_status	 st;
	uint8_t				 tag[BRIDGE_SECRET_LEN];
	const char			*why;
	int				 with_tag;

	switch (m->hdr.type) {
	case MSG_BRIDGE_HELLO:
		if (msg_bridge_hello_decode(m, &h, &why) == 0)
			same(m, buf, msg_bridge_hello_encode(buf, cap, &h));
		break;
	case MSG_BRIDGE_CHALLENGE:
	case MSG_BRIDGE_SESSION:
		with_tag = m->hdr.type == MSG_BRIDGE_CHALLENGE;
		if (msg_bridge_answer_decode(m, &a, with_tag, &why) == 0)
			same(m, buf, msg_bridge_answer_encode(buf, cap, &a,
			    with_tag));
		break;
	case MSG_BRIDGE_AUTH:
		(void)msg_bridge_tag_decode(m, tag, &why);
		break;
	case MSG_BRIDGE_ORDER:
		if (msg_bridge_order_decode(m, &o, &why) == 0)
			same(m, buf, msg_bridge_order_encode(buf, cap, &o));
		break;
	case MSG_BRIDGE_STATUS:
		if (msg_bridge_status_decode(m, &st, &why) == 0)
			same(m, buf, msg_bridge_status_encode(buf, cap, &st));
		break;
	}
}

static void
broker_message(const struct ipc_msg *m)
{
	static struct msg_broker_config	 bc;
	static struct msg_broker_symbol	 bs;
	static struct msg_broker_req	 bq;
	static struct msg_broker_up	 bu;
	static struct msg_broker_record	 br;
	static struct msg_stream_config	 sc;
	static struct herald_event	 ev;
	static uint8_t			 buf[MSG_MAX];
	const char			*why;
	uint64_t			 u64;

	switch (m->hdr.type) {
	case MSG_BROKER_CONFIG:
		if (msg_broker_config_decode(m, &bc, &why) == 0)
			same(m, buf, msg_broker_config_encode(buf, sizeof(buf),
			    &bc));
		break;
	case MSG_BROKER_SYMBOL:
		if (msg_broker_symbol_decode(m, &bs, &why) == 0)
			same(m, buf, msg_broker_symbol_encode(buf, sizeof(buf),
			    &bs));
		break;
	case MSG_BROKER_REQ:
		if (msg_broker_req_decode(m, &bq, &why) == 0)
			same(m, buf, msg_broker_req_encode(buf, sizeof(buf),
			    &bq));
		break;
	case MSG_BROKER_UP:
		if (msg_broker_up_decode(m, &bu, &why) == 0)
			same(m, buf, msg_broker_up_encode(buf, sizeof(buf),
			    &bu));
		break;
	case MSG_BROKER_RECORD:
		if (msg_broker_record_decode(m, &br, &why) == 0)
			same(m, buf, msg_broker_record_encode(buf, sizeof(buf),
			    &br));
		break;
	case MSG_BROKER_FIND:
		if (msg_u64_decode(m, &u64, &why) == 0)
			same(m, buf, msg_u64_encode(buf, sizeof(buf), u64));
		break;
	case MSG_STREAM_CONFIG:
		if (msg_stream_config_decode(m, &sc, &why) == 0)
			same(m, buf, msg_stream_config_encode(buf, sizeof(buf),
			    &sc));
		break;
	case MSG_EVENT:
		if (msg_event_decode(m, &ev, &why) == 0)
			same(m, buf, event_encode(&ev, buf, sizeof(buf)));
		break;
	default:
		bridge_message(m, buf, sizeof(buf));
		break;
	}
}

static void	decode(enum herald_proc, const struct ipc_msg *);

/*
 * A batch's entries, each checked against its own row and decoded as
 * if it had come alone (child.c's child_handle_batch(), peer.c's
 * mon_handle_batch()); what the decoder accepts is what was sent.
 */
static void
batch(enum herald_proc from, const struct ipc_msg *m)
{
	static struct msg_batch	 b;
	struct ipc_msg		 e;
	const char		*why;
	size_t			 off = 0;
	int			 r;

	msg_batch_init(&b, m->hdr.type);
	while ((r = msg_batch_next(m, &off, &e, &why)) == 1) {
		if (msg_batch_inner(e.hdr.type) != MSG_NONE)
			abort();	/* a batch never holds a batch */
		if (msg_batch_add_msg(&b, e.hdr.type, e.hdr.id, e.data,
		    e.hdr.len) == -1)
			abort();
		if (msg_check(from, &e, &why) == 0)
			decode(from, &e);
	}
	if (r == 0 && (b.len != m->hdr.len ||
	    memcmp(b.buf, m->data, b.len) != 0))
		abort();
}

static void
decode(enum herald_proc from, const struct ipc_msg *mp)
{
	static struct msg_init		 in;
	static struct msg_listener	 l;
	static struct msg_log		 lg;
	static struct msg_net_config	 nc;
	static struct msg_sign_req	 sq;
	static struct msg_sign_res	 ss;
	static struct msg_api_req	 aq;
	static struct msg_api_res	 as;
	static struct msg_ban		 bn;
	const uint8_t			*blob;
	size_t				 bloblen;
	struct ipc_msg			 m = *mp;	/* a copy to decode */
	const char			*why;
	uint32_t			 u32;
	uint8_t				 u8;

	switch (m.hdr.type) {
	case MSG_INIT:
		(void)msg_init_decode(&m, &in, &why);
		break;
	case MSG_LISTENER:
		(void)msg_listener_decode(&m, &l, &why);
		break;
	case MSG_LOG:
		(void)msg_log_decode(&m, &lg, &why);
		break;
	case MSG_LOG_LEVEL:
		(void)msg_u8_decode(&m, &u8, &why);
		break;
	case MSG_TLS_CERT:
	case MSG_TLS_CA:
		(void)msg_blob_decode(&m, &blob, &bloblen, &why);
		break;
	case MSG_TLS_RENEW:
		(void)msg_tls_renew_decode(&m, &u32, &blob, &bloblen,
		    &why);
		break;
	case MSG_NET_CONFIG:
		(void)msg_net_config_decode(&m, &nc, &why);
		break;
	case MSG_SIGN_REQ:
		(void)msg_sign_req_decode(&m, &sq, &why);
		break;
	case MSG_SIGN_RES:
		(void)msg_sign_res_decode(&m, &ss, &why);
		break;
	case MSG_API_REQ:
		(void)msg_api_req_decode(&m, &aq, &why);
		break;
	case MSG_API_RES:
		if (msg_api_res_decode(&m, &as, &why) == 0) {
			events_page(as.result, as.result_len);
			deals_page(as.result, as.result_len);
		}
		break;
	case MSG_BAN:
		(void)msg_ban_decode(&m, &bn, &why);
		break;
	case MSG_BROKER_TICKS:
		(void)msg_blob_decode(&m, &blob, &bloblen, &why);
		break;
	case MSG_BROKER_RES:
		(void)msg_api_res_decode(&m, &as, &why);
		break;
	case MSG_API_REQ_BATCH:
	case MSG_API_RES_BATCH:
	case MSG_EVENT_BATCH:
	case MSG_BROKER_BATCH:
		batch(from, &m);
		break;
	default:
		broker_message(&m);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg	 m;
	const char	*why;
	int		 from, fd;

	/* The first byte says whether a descriptor came with it. */
	if (size < 1)
		return 0;
	fd = (data[0] & 1) ? 1000 : -1;
	if (ipc_decode(data + 1, size - 1, fd, MSG_MAX, &m, &why) == -1)
		return 0;
	for (from = 0; from < PROC_MAX; from++)
		if (msg_check(from, &m, &why) == 0)
			decode(from, &m);
	return 0;
}
