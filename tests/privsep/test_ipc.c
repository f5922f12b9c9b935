/*
 * IPC framing: the pure decoder, and real SEQPACKET socketpairs for
 * truncation, oversize, trailing bytes and descriptor passing.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"
#include "ipc.h"
#include "msg.h"
#include "wire.h"

#define MAXMSG	64

static void
make_hdr(uint8_t *buf, uint32_t type, uint32_t len, uint32_t id,
    uint16_t flags)
{
	uint16_t	 zero = 0;

	memcpy(buf, &type, 4);
	memcpy(buf + 4, &len, 4);
	memcpy(buf + 8, &id, 4);
	memcpy(buf + 12, &flags, 2);
	memcpy(buf + 14, &zero, 2);
}

static void
pair(struct ipc_chan *a, struct ipc_chan *b)
{
	int	 sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sv), 0);
	ipc_chan_init(a, sv[0], MAXMSG, "a");
	ipc_chan_init(b, sv[1], MAXMSG, "b");
}

static void
test_decode_good(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN + 3];
	struct ipc_msg	 m;
	const char	*why = NULL;

	make_hdr(buf, 7, 3, 42, 0);
	memcpy(buf + IPC_HDR_LEN, "abc", 3);
	assert_int_equal(ipc_decode(buf, sizeof(buf), -1, MAXMSG, &m, &why), 0);
	assert_int_equal(m.hdr.type, 7);
	assert_int_equal(m.hdr.id, 42);
	assert_int_equal(m.hdr.len, 3);
	assert_memory_equal(m.data, "abc", 3);
	assert_int_equal(m.fd, -1);
}

static void
test_decode_truncated(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN + 3];
	struct ipc_msg	 m;
	const char	*why = NULL;

	make_hdr(buf, 7, 3, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN - 1, -1, MAXMSG, &m,
	    &why), -1);
	assert_string_equal(why, "truncated header");
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN + 2, -1, MAXMSG, &m,
	    &why), -1);
	assert_string_equal(why, "truncated payload");
}

static void
test_decode_trailing(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN + 4];
	struct ipc_msg	 m;
	const char	*why = NULL;

	make_hdr(buf, 7, 3, 0, 0);
	assert_int_equal(ipc_decode(buf, sizeof(buf), -1, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "trailing bytes after payload");
}

static void
test_decode_oversized(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN + MAXMSG + 1];
	struct ipc_msg	 m;
	const char	*why = NULL;

	memset(buf, 0, sizeof(buf));
	make_hdr(buf, 7, MAXMSG + 1, 0, 0);
	assert_int_equal(ipc_decode(buf, sizeof(buf), -1, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "oversized message");
	/* A length field past the maximum, even on a short message. */
	make_hdr(buf, 7, 0xffffffffu, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN, -1, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "length field over the channel maximum");
}

static void
test_decode_fd_flag(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN];
	struct ipc_msg	 m;
	const char	*why = NULL;

	make_hdr(buf, 7, 0, 0, IPC_F_FD);
	assert_int_equal(ipc_decode(buf, sizeof(buf), -1, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "fd flag set but no descriptor passed");
	make_hdr(buf, 7, 0, 0, 0);
	assert_int_equal(ipc_decode(buf, sizeof(buf), 5, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "descriptor passed without the fd flag");
	make_hdr(buf, 7, 0, 0, 0x8000);
	assert_int_equal(ipc_decode(buf, sizeof(buf), -1, MAXMSG, &m, &why),
	    -1);
	assert_string_equal(why, "unknown flags");
}

static void
test_socket_roundtrip_with_fd(void **state)
{
	struct ipc_chan	 a, b;
	struct ipc_msg	 m;
	const char	*why = NULL;
	int		 p[2];
	char		 c;

	pair(&a, &b);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(ipc_send(&a, 9, 1, p[1], "hi", 2), 0);
	close(p[1]);
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, 9);
	assert_int_equal(m.hdr.flags, IPC_F_FD);
	assert_true(m.fd >= 0);
	assert_int_equal(write(m.fd, "x", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(m.fd);
	close(p[0]);
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_AGAIN);
	ipc_chan_free(&a);
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_EOF);
	ipc_chan_free(&b);
}

static void
test_socket_refuses(void **state)
{
	struct ipc_chan	 a, b;
	struct ipc_msg	 m;
	const char	*why = NULL;
	uint8_t		 big[IPC_HDR_LEN + MAXMSG + 8];
	uint8_t		 hdr[IPC_HDR_LEN + 4];

	pair(&a, &b);
	/* Our sender refuses to build an oversized message... */
	assert_int_equal(ipc_send(&a, 9, 0, -1, big, MAXMSG + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* ...and the receiver refuses one written by hand. */
	memset(big, 0, sizeof(big));
	make_hdr(big, 9, MAXMSG + 8, 0, 0);
	assert_int_equal(send(a.fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_ERROR);
	assert_string_equal(why, "oversized message");
	/* Trailing bytes. */
	make_hdr(hdr, 9, 2, 0, 0);
	assert_int_equal(send(a.fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_ERROR);
	assert_string_equal(why, "trailing bytes after payload");
	/* Truncated. */
	assert_int_equal(send(a.fd, hdr, 10, 0), 10);
	assert_int_equal(ipc_recv(&b, &m, &why), IPC_ERROR);
	assert_string_equal(why, "truncated header");
	ipc_chan_free(&a);
	ipc_chan_free(&b);
}

static void
msg_at(struct ipc_msg *m, uint32_t type, const uint8_t *buf, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.len = (uint32_t)n;
	m->data = buf;
	m->fd = -1;
}

static void
test_catalogue_check(void **state)
{
	uint8_t		 buf[IPC_HDR_LEN + 16];
	struct ipc_msg	 m;
	const char	*why = NULL;

	/* READY: children only, empty. */
	make_hdr(buf, MSG_READY, 0, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN, -1, MSG_MAX, &m, &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), 0);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), -1);
	assert_string_equal(why, "message not allowed from this process");
	make_hdr(buf, MSG_READY, 1, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN + 1, -1, MSG_MAX, &m,
	    &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	assert_string_equal(why, "payload size outside the catalogue's bounds");
	/* Unknown type. */
	make_hdr(buf, MSG_MAX_TYPE, 0, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN, -1, MSG_MAX, &m, &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	assert_string_equal(why, "unknown message type");
	/* LISTENER needs its descriptor. */
	make_hdr(buf, MSG_LISTENER, 4, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN + 4, -1, MSG_MAX, &m,
	    &why), 0);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), -1);
	assert_string_equal(why, "descriptor missing");
	/*
	 * And the other way: a descriptor riding on a message whose row has
	 * none (READY) is refused, not silently kept open in the receiver.
	 */
	make_hdr(buf, MSG_READY, 0, 0, 0);
	assert_int_equal(ipc_decode(buf, IPC_HDR_LEN, -1, MSG_MAX, &m, &why), 0);
	m.fd = 0;		/* any open descriptor will do: stdin */
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	assert_string_equal(why, "unexpected descriptor");
	m.fd = -1;
	assert_int_equal(msg_check(PROC_NET, &m, &why), 0);
}

/*
 * SIGN_REQ is the one message net sends on the key-operation channel; an
 * empty or oversized input is refused at decode, before keyop sees it.
 */
static void
test_sign_req_shape(void **state)
{
	struct msg_sign_req	 in, out;
	static uint8_t		 buf[MSG_MAX];
	struct ipc_msg		 m;
	const char		*why = NULL;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.key_id = 1;
	in.alg = KEYOP_ECDSA;
	in.len = 32;
	memset(in.input, 0xab, in.len);
	msg_at(&m, MSG_SIGN_REQ, buf, msg_sign_req_encode(buf, sizeof(buf),
	    &in));
	assert_int_equal(msg_check(PROC_NET, &m, &why), 0);
	assert_int_equal(msg_sign_req_decode(&m, &out, &why), 0);
	assert_int_equal(out.len, 32);
	assert_memory_equal(out.input, in.input, 32);
	/* An empty digest: nothing to sign. */
	in.len = 0;
	msg_at(&m, MSG_SIGN_REQ, buf, msg_sign_req_encode(buf, sizeof(buf),
	    &in));
	assert_int_equal(msg_check(PROC_NET, &m, &why), 0);
	assert_int_equal(msg_sign_req_decode(&m, &out, &why), -1);
	assert_string_equal(why, "signature input length out of range");
	/* A length beyond KEYOP_IO_MAX, whatever follows it. */
	in.len = KEYOP_IO_MAX;
	msg_at(&m, MSG_SIGN_REQ, buf, msg_sign_req_encode(buf, sizeof(buf),
	    &in));
	buf[9] = (KEYOP_IO_MAX + 1) & 0xff;	/* u16 len, little-endian */
	buf[10] = (KEYOP_IO_MAX + 1) >> 8;
	assert_int_equal(msg_sign_req_decode(&m, &out, &why), -1);
	assert_string_equal(why, "signature input length out of range");
	/* An algorithm keyop does not know. */
	in.len = 32;
	in.alg = 9;
	msg_at(&m, MSG_SIGN_REQ, buf, msg_sign_req_encode(buf, sizeof(buf),
	    &in));
	assert_int_equal(msg_sign_req_decode(&m, &out, &why), -1);
	assert_string_equal(why, "unknown key algorithm");
}

static void
test_typed_roundtrip(void **state)
{
	struct msg_init	 in, out;
	struct msg_log	 lg;
	uint8_t		 buf[MSG_MAX];
	struct ipc_msg	 m;
	const char	*why = NULL;

	memset(&in, 0, sizeof(in));
	in.uid = 100;
	in.gid = 101;
	strlcpy(in.chroot, "/var/empty", sizeof(in.chroot));
	in.nofile = 1024;
	in.log_level = 6;
	in.nlisteners = 2;
	memset(&m, 0, sizeof(m));
	m.hdr.type = MSG_INIT;
	m.data = buf;
	m.fd = -1;
	m.hdr.len = (uint32_t)msg_init_encode(buf, sizeof(buf), &in);
	assert_int_equal(msg_init_decode(&m, &out, &why), 0);
	assert_int_equal(out.uid, 100);
	assert_string_equal(out.chroot, "/var/empty");
	assert_int_equal(out.nlisteners, 2);
	/* Short by one byte, and one byte too many. */
	m.hdr.len--;
	assert_int_equal(msg_init_decode(&m, &out, &why), -1);
	assert_string_equal(why, "payload truncated");
	m.hdr.len += 2;
	assert_int_equal(msg_init_decode(&m, &out, &why), -1);
	assert_string_equal(why, "trailing bytes");
	/* Root is never the privsep user. */
	in.uid = 0;
	m.hdr.len = (uint32_t)msg_init_encode(buf, sizeof(buf), &in);
	assert_int_equal(msg_init_decode(&m, &out, &why), -1);

	m.hdr.len = (uint32_t)msg_log_encode(buf, sizeof(buf), 4, "hello");
	assert_int_equal(msg_log_decode(&m, &lg, &why), 0);
	assert_string_equal(lg.line, "hello");
	buf[3] = '\0';		/* a NUL inside the string */
	assert_int_equal(msg_log_decode(&m, &lg, &why), -1);
	assert_string_equal(why, "string holds a NUL byte");
}

static void
test_broker_messages(void **state)
{
	struct msg_broker_config	 bc, bc2;
	struct msg_broker_symbol	 bs, bs2;
	struct msg_broker_req		 bq, bq2;
	struct msg_broker_record	 br, br2;
	static uint8_t			 buf[MSG_MAX];
	struct ipc_msg			 m;
	const char			*why = NULL;
	uint64_t			 u64;

	memset(&bc, 0, sizeof(bc));
	bc.margin_mode = 2;
	strlcpy(bc.currency, "USD", sizeof(bc.currency));
	bc.leverage = 100;
	bc.balance = 10000;
	bc.seed = 7;
	bc.tick_interval = 250;
	bc.nsymbols = 4;
	msg_at(&m, MSG_BROKER_CONFIG, buf, msg_broker_config_encode(buf,
	    sizeof(buf), &bc));
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_check(PROC_BROKER, &m, &why), -1);
	assert_int_equal(msg_broker_config_decode(&m, &bc2, &why), 0);
	assert_string_equal(bc2.currency, "USD");
	assert_true(bc2.balance == 10000 && bc2.seed == 7);
	/* Netting is 0, hedging 2: nothing else. */
	bc.margin_mode = 1;
	msg_at(&m, MSG_BROKER_CONFIG, buf, msg_broker_config_encode(buf,
	    sizeof(buf), &bc));
	assert_int_equal(msg_broker_config_decode(&m, &bc2, &why), -1);
	bc.margin_mode = 0;
	bc.balance = -1;
	msg_at(&m, MSG_BROKER_CONFIG, buf, msg_broker_config_encode(buf,
	    sizeof(buf), &bc));
	assert_int_equal(msg_broker_config_decode(&m, &bc2, &why), -1);
	assert_string_equal(why, "account field out of range");

	memset(&bs, 0, sizeof(bs));
	strlcpy(bs.name, "EURUSD", sizeof(bs.name));
	strlcpy(bs.currency_base, "EUR", sizeof(bs.currency_base));
	strlcpy(bs.currency_profit, "USD", sizeof(bs.currency_profit));
	bs.digits = 5;
	bs.contract_size = 100000;
	bs.volume_min = bs.volume_step = 0.01;
	bs.volume_max = 100;
	bs.filling = 3;
	bs.trade_mode = 4;
	bs.exec_mode = 2;
	bs.start_bid = 1.085;
	bs.max_step = 5;
	bs.session_open = 1;
	bs.expiration = 0x0f;
	bs.session_end = 22 * 3600;
	msg_at(&m, MSG_BROKER_SYMBOL, buf, msg_broker_symbol_encode(buf,
	    sizeof(buf), &bs));
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	/* The whole struct is compared: its padding too. */
	memset(&bs2, 0, sizeof(bs2));
	assert_int_equal(msg_broker_symbol_decode(&m, &bs2, &why), 0);
	assert_memory_equal(&bs, &bs2, sizeof(bs));
	bs.start_bid = 0.0 / 0.0;
	msg_at(&m, MSG_BROKER_SYMBOL, buf, msg_broker_symbol_encode(buf,
	    sizeof(buf), &bs));
	assert_int_equal(msg_broker_symbol_decode(&m, &bs2, &why), -1);
	assert_string_equal(why, "symbol value out of range");
	/* No expiration allowed, one MT5 does not have, past 24:00. */
	bs.start_bid = 1.085;
	bs.expiration = 0;
	msg_at(&m, MSG_BROKER_SYMBOL, buf, msg_broker_symbol_encode(buf,
	    sizeof(buf), &bs));
	assert_int_equal(msg_broker_symbol_decode(&m, &bs2, &why), -1);
	assert_string_equal(why, "symbol enum out of range");
	bs.expiration = 0x10;
	msg_at(&m, MSG_BROKER_SYMBOL, buf, msg_broker_symbol_encode(buf,
	    sizeof(buf), &bs));
	assert_int_equal(msg_broker_symbol_decode(&m, &bs2, &why), -1);
	bs.expiration = 0x0f;
	bs.session_end = 86401;
	msg_at(&m, MSG_BROKER_SYMBOL, buf, msg_broker_symbol_encode(buf,
	    sizeof(buf), &bs));
	assert_int_equal(msg_broker_symbol_decode(&m, &bs2, &why), -1);

	memset(&bq, 0, sizeof(bq));
	bq.command_id = 42;
	bq.op = OP_TRADE;
	bq.params_len = 3;
	memcpy(bq.params, "abc", 3);
	msg_at(&m, MSG_BROKER_REQ, buf, msg_broker_req_encode(buf,
	    sizeof(buf), &bq));
	assert_int_equal(msg_broker_req_decode(&m, &bq2, &why), 0);
	assert_true(bq2.command_id == 42 && bq2.op == OP_TRADE);
	bq.op = OP_MAX;
	msg_at(&m, MSG_BROKER_REQ, buf, msg_broker_req_encode(buf,
	    sizeof(buf), &bq));
	assert_int_equal(msg_broker_req_decode(&m, &bq2, &why), -1);
	assert_string_equal(why, "unknown API operation");

	/* Records go both ways; nothing else of the broker's does. */
	memset(&br, 0, sizeof(br));
	br.type = 3;
	br.op = 1;
	br.len = 2;
	msg_at(&m, MSG_BROKER_RECORD, buf, msg_broker_record_encode(buf,
	    sizeof(buf), &br));
	assert_int_equal(msg_check(PROC_BROKER, &m, &why), 0);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	assert_int_equal(msg_broker_record_decode(&m, &br2, &why), 0);
	assert_int_equal(br2.len, 2);
	msg_at(&m, MSG_BROKER_RES, buf, 20);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), -1);
	msg_at(&m, MSG_BROKER_SYNC, buf, 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);

	msg_at(&m, MSG_BROKER_FIND, buf, msg_u64_encode(buf, sizeof(buf),
	    77));
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_u64_decode(&m, &u64, &why), 0);
	assert_true(u64 == 77);
}

/*
 * The bridge's messages between monitor and broker: what each decodes,
 * and the shapes refused (a flag that is neither 0 nor 1, an order
 * authorisation for command id 0, a payload one byte short).
 */
static void
test_bridge_messages(void **state)
{
	struct msg_bridge_answer	 a, a2;
	struct msg_bridge_order		 o, o2;
	struct msg_bridge_status	 st, st2;
	static uint8_t			 buf[MSG_MAX];
	struct ipc_msg			 m;
	const char			*why = NULL;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.ok = 1;
	memset(a.nonce, 3, sizeof(a.nonce));
	memset(a.tag, 4, sizeof(a.tag));
	msg_at(&m, MSG_BRIDGE_CHALLENGE, buf, msg_bridge_answer_encode(buf,
	    sizeof(buf), &a, 1));
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_bridge_answer_decode(&m, &a2, 1, &why), 0);
	assert_memory_equal(a2.tag, a.tag, sizeof(a.tag));
	a.ok = 2;
	msg_at(&m, MSG_BRIDGE_SESSION, buf, msg_bridge_answer_encode(buf,
	    sizeof(buf), &a, 0));
	assert_int_equal(msg_bridge_answer_decode(&m, &a2, 0, &why), -1);
	assert_string_equal(why, "flag out of range");
	m.hdr.len--;
	assert_int_equal(msg_bridge_answer_decode(&m, &a2, 0, &why), -1);

	memset(&o, 0, sizeof(o));
	o.command_id = 9;
	strlcpy(o.canon, "cmd=9\n", sizeof(o.canon));
	msg_at(&m, MSG_BRIDGE_ORDER, buf, msg_bridge_order_encode(buf,
	    sizeof(buf), &o));
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_check(PROC_BROKER, &m, &why), -1);
	assert_int_equal(msg_bridge_order_decode(&m, &o2, &why), 0);
	assert_string_equal(o2.canon, "cmd=9\n");
	o.command_id = 0;
	msg_at(&m, MSG_BRIDGE_ORDER, buf, msg_bridge_order_encode(buf,
	    sizeof(buf), &o));
	assert_int_equal(msg_bridge_order_decode(&m, &o2, &why), -1);
	assert_string_equal(why, "command id 0");

	memset(&st, 0, sizeof(st));
	st.connected = 1;
	st.login = 12345678;
	strlcpy(st.ea, "HeraldBridge 1", sizeof(st.ea));
	msg_at(&m, MSG_BRIDGE_STATUS, buf, msg_bridge_status_encode(buf,
	    sizeof(buf), &st));
	assert_int_equal(msg_check(PROC_BROKER, &m, &why), 0);
	assert_int_equal(msg_bridge_status_decode(&m, &st2, &why), 0);
	assert_true(st2.login == 12345678);
	st.terminal_connected = 7;
	msg_at(&m, MSG_BRIDGE_STATUS, buf, msg_bridge_status_encode(buf,
	    sizeof(buf), &st));
	assert_int_equal(msg_bridge_status_decode(&m, &st2, &why), -1);
	assert_string_equal(why, "flag out of range");
}

/* A reload's new chain: from the monitor to net only, never empty. */
static void
test_tls_renew(void **state)
{
	static uint8_t		 buf[MSG_MAX];
	static const char	 pem[] = "-----BEGIN CERTIFICATE-----\n";
	const uint8_t		*chain;
	struct ipc_msg		 m;
	const char		*why = NULL;
	uint32_t		 id;
	size_t			 len, n;

	n = msg_tls_renew_encode(buf, sizeof(buf), 7, pem, sizeof(pem) - 1);
	msg_at(&m, MSG_TLS_RENEW, buf, n);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	assert_int_equal(msg_accept(PROC_BROKER, PROC_MONITOR, &m, &why), -1);
	assert_int_equal(msg_tls_renew_decode(&m, &id, &chain, &len, &why),
	    0);
	assert_int_equal(id, 7);
	assert_int_equal(len, sizeof(pem) - 1);
	assert_memory_equal(chain, pem, len);
	/* One byte short, one too many, and a chain of none. */
	msg_at(&m, MSG_TLS_RENEW, buf, n - 1);
	assert_int_equal(msg_tls_renew_decode(&m, &id, &chain, &len, &why),
	    -1);
	assert_string_equal(why, "payload truncated");
	msg_at(&m, MSG_TLS_RENEW, buf, n + 1);
	assert_int_equal(msg_tls_renew_decode(&m, &id, &chain, &len, &why),
	    -1);
	assert_string_equal(why, "trailing bytes");
	buf[4] = buf[5] = 0;
	msg_at(&m, MSG_TLS_RENEW, buf, 6);
	assert_int_equal(msg_tls_renew_decode(&m, &id, &chain, &len, &why),
	    -1);
	assert_string_equal(why, "empty certificate chain");
}

/*
 * Batches: entries come back as the messages they were, each held to
 * its own row; a lone entry is sent as the plain message; a batch that
 * lies about an entry's length is refused.
 */
static void
test_batch(void **state)
{
	static struct msg_batch	 b;
	static struct msg_api_req q;
	static uint8_t		 req[MSG_MAX];
	struct ipc_chan		 x, y;
	struct ipc_msg		 m, e;
	const char		*why = NULL;
	size_t			 n, off = 0;
	int			 sv[2];

	memset(&q, 0, sizeof(q));
	q.op = OP_STATUS;
	strlcpy(q.address, "192.0.2.7", sizeof(q.address));
	n = msg_api_req_encode(req, sizeof(req), &q);
	msg_batch_init(&b, MSG_API_REQ_BATCH);
	assert_int_equal(msg_batch_add(&b, 41, req, n), 0);
	assert_int_equal(msg_batch_add(&b, 42, req, n), 0);
	msg_at(&m, MSG_API_REQ_BATCH, b.buf, b.len);
	assert_int_equal(msg_accept(PROC_MONITOR, PROC_NET, &m, &why), 0);
	assert_int_equal(msg_check(PROC_MONITOR, &m, &why), -1);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
	assert_int_equal(e.hdr.type, MSG_API_REQ);
	assert_int_equal(e.hdr.id, 41);
	assert_int_equal(msg_accept(PROC_MONITOR, PROC_NET, &e, &why), 0);
	assert_int_equal(msg_api_req_decode(&e, &q, &why), 0);
	assert_string_equal(q.address, "192.0.2.7");
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
	assert_int_equal(e.hdr.id, 42);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 0);
	/* An entry longer than what is left, or a header cut short. */
	off = 0;
	msg_at(&m, MSG_API_REQ_BATCH, b.buf, b.len - 1);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), -1);
	assert_string_equal(why,
	    "batch entry longer than what is left of the batch");
	off = 0;
	msg_at(&m, MSG_API_REQ_BATCH, b.buf, 5);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), -1);
	assert_string_equal(why, "batch entry header cut short");
	/* An entry too short for its row is the row's to refuse. */
	msg_batch_init(&b, MSG_API_RES_BATCH);
	assert_int_equal(msg_batch_add(&b, 9, req, 3), 0);
	off = 0;
	msg_at(&m, MSG_API_RES_BATCH, b.buf, b.len);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &e, &why), -1);
	/* Full: the caller sends and starts again. */
	msg_batch_init(&b, MSG_API_REQ_BATCH);
	while (msg_batch_add(&b, 1, req, n) == 0)
		;
	assert_true(b.len <= MSG_MAX && b.len + 8 + n > MSG_MAX);
	/* Sent: one entry alone is the plain message, with its id. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sv), 0);
	ipc_chan_init(&x, sv[0], MSG_MAX, "x");
	ipc_chan_init(&y, sv[1], MSG_MAX, "y");
	msg_batch_init(&b, MSG_API_REQ_BATCH);
	assert_int_equal(msg_batch_add(&b, 77, req, n), 0);
	assert_int_equal(msg_batch_send(&x, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, MSG_API_REQ);
	assert_int_equal(m.hdr.id, 77);
	assert_int_equal(m.hdr.len, n);
	assert_int_equal(msg_batch_add(&b, 78, req, n), 0);
	assert_int_equal(msg_batch_add(&b, 79, req, n), 0);
	assert_int_equal(msg_batch_send(&x, &b), 0);
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, MSG_API_REQ_BATCH);
	assert_int_equal(msg_batch_send(&x, &b), 0);	/* empty: nothing */
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_AGAIN);
	ipc_chan_free(&x);
	ipc_chan_free(&y);
}

/*
 * BROKER_BATCH: a group's records and its answer in one message, each
 * entry of its own type, held to that type's row; an entry of a type
 * the batch does not hold is refused; net may not send one; a lone
 * answer goes as the plain BROKER_RES.
 */
static void
test_broker_batch(void **state)
{
	static struct msg_batch		 b;
	static struct msg_api_res	 res;
	static struct msg_broker_record	 rec;
	static uint8_t			 rbuf[MSG_MAX], abuf[MSG_MAX];
	struct ipc_chan			 x, y;
	struct ipc_msg			 m, e;
	const char			*why = NULL;
	size_t				 rn, an, off = 0;
	uint32_t			 bad = MSG_API_REQ;
	int				 sv[2], i;

	memset(&rec, 0, sizeof(rec));
	rec.type = 1;
	rec.op = 1;
	rec.len = 3;
	memcpy(rec.data, "abc", 3);
	rn = msg_broker_record_encode(rbuf, sizeof(rbuf), &rec);
	msg_api_res_reset(&res);
	msg_api_res_set(&res, 200, "ok", 0, "done");
	an = msg_api_res_encode(abuf, sizeof(abuf), &res);
	msg_batch_init(&b, MSG_BROKER_BATCH);
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_RECORD, 5, rbuf,
	    rn), 0);
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_RECORD, 5, rbuf,
	    rn), 0);
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_RES, 5, abuf, an),
	    0);
	msg_at(&m, MSG_BROKER_BATCH, b.buf, b.len);
	assert_int_equal(msg_accept(PROC_MONITOR, PROC_BROKER, &m, &why), 0);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
		assert_int_equal(e.hdr.type, MSG_BROKER_RECORD);
		assert_int_equal(e.hdr.id, 5);
		assert_int_equal(msg_accept(PROC_MONITOR, PROC_BROKER, &e,
		    &why), 0);
		assert_int_equal(msg_broker_record_decode(&e, &rec, &why), 0);
		assert_memory_equal(rec.data, "abc", 3);
	}
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 1);
	assert_int_equal(e.hdr.type, MSG_BROKER_RES);
	assert_int_equal(msg_api_res_decode(&e, &res, &why), 0);
	assert_int_equal(res.status, 200);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), 0);
	/* The first entry's type made an API_REQ: refused, named. */
	memcpy(b.buf, &bad, sizeof(bad));
	off = 0;
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), -1);
	assert_string_equal(why,
	    "batch entry of a type the batch does not hold");
	/* A header cut short: twelve bytes in a mixed batch. */
	off = 0;
	msg_at(&m, MSG_BROKER_BATCH, b.buf, 11);
	assert_int_equal(msg_batch_next(&m, &off, &e, &why), -1);
	assert_string_equal(why, "batch entry header cut short");
	/* Sent: a lone answer is the plain BROKER_RES, with its id. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sv), 0);
	ipc_chan_init(&x, sv[0], MSG_MAX, "x");
	ipc_chan_init(&y, sv[1], MSG_MAX, "y");
	msg_batch_init(&b, MSG_BROKER_BATCH);
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_RES, 9, abuf, an),
	    0);
	assert_int_equal(msg_batch_send(&x, &b), 0);
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, MSG_BROKER_RES);
	assert_int_equal(m.hdr.id, 9);
	assert_int_equal(m.hdr.len, an);
	/* Records and their SYNC: one message. */
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_RECORD, 0, rbuf,
	    rn), 0);
	assert_int_equal(msg_batch_add_msg(&b, MSG_BROKER_SYNC, 0, NULL, 0),
	    0);
	assert_int_equal(msg_batch_send(&x, &b), 0);
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, MSG_BROKER_BATCH);
	assert_int_equal(ipc_recv(&y, &m, &why), IPC_AGAIN);
	ipc_chan_free(&x);
	ipc_chan_free(&y);
}

/*
 * The events of a commit go to net as one EVENT_BATCH: each entry an
 * EVENT net accepts from the monitor and decodes as it was sent, and
 * only net may be sent one.
 */
static void
test_event_batch(void **state)
{
	static struct msg_batch	 b;
	struct herald_event	 e, back;
	struct ipc_msg		 m, x;
	uint8_t			 buf[EVENT_WIRE_MAX];
	const char		*why = NULL;
	size_t			 n, off = 0;
	uint64_t		 id;

	memset(&e, 0, sizeof(e));
	e.time_ms = 1764700000000;
	strlcpy(e.name, "order", sizeof(e.name));
	strlcpy(e.data, "{\"status\":\"filled\"}", sizeof(e.data));
	msg_batch_init(&b, MSG_EVENT_BATCH);
	for (id = 1; id <= 3; id++) {
		e.id = id;
		n = event_encode(&e, buf, sizeof(buf));
		assert_int_equal(msg_batch_add(&b, 0, buf, n), 0);
	}
	msg_at(&m, MSG_EVENT_BATCH, b.buf, b.len);
	assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &m, &why), 0);
	assert_int_equal(msg_accept(PROC_BROKER, PROC_MONITOR, &m, &why), -1);
	assert_int_equal(msg_check(PROC_NET, &m, &why), -1);
	for (id = 1; id <= 3; id++) {
		assert_int_equal(msg_batch_next(&m, &off, &x, &why), 1);
		assert_int_equal(x.hdr.type, MSG_EVENT);
		assert_int_equal(msg_accept(PROC_NET, PROC_MONITOR, &x, &why),
		    0);
		assert_int_equal(msg_event_decode(&x, &back, &why), 0);
		assert_int_equal(back.id, id);
		assert_string_equal(back.data, e.data);
	}
	assert_int_equal(msg_batch_next(&m, &off, &x, &why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_trailing),
		cmocka_unit_test(test_decode_oversized),
		cmocka_unit_test(test_decode_fd_flag),
		cmocka_unit_test(test_socket_roundtrip_with_fd),
		cmocka_unit_test(test_socket_refuses),
		cmocka_unit_test(test_catalogue_check),
		cmocka_unit_test(test_typed_roundtrip),
		cmocka_unit_test(test_broker_messages),
		cmocka_unit_test(test_sign_req_shape),
		cmocka_unit_test(test_bridge_messages),
		cmocka_unit_test(test_tls_renew),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_broker_batch),
		cmocka_unit_test(test_event_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
