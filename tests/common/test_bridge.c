/*
 * The bridge's frame codec: frames round-trip, and each rule of the
 * protocol refuses what breaks it (length, sequence, MAC, text, type,
 * keys, values, lists, the order of ORDER_SEND), with the rule named.
 * The key derivation matches HMAC-SHA256 as Python's hmac computes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bridge.h"

static struct bridge_writer	w;
static struct bridge_frame	fr;
static char			why[BRIDGE_WHY_MAX];

static const uint8_t	key_s[BRIDGE_KEY_LEN] = { 1, 2, 3, 4, 5 };

/* Frame raw text (no MAC) with seq into buf: its length. */
static size_t
raw_frame(uint8_t *buf, uint64_t seq, const char *text)
{
	size_t	n = strlen(text), i;
	size_t	plen = BRIDGE_SEQ_LEN + n;

	buf[0] = (uint8_t)(plen >> 24);
	buf[1] = (uint8_t)(plen >> 16);
	buf[2] = (uint8_t)(plen >> 8);
	buf[3] = (uint8_t)plen;
	for (i = 0; i < 8; i++)
		buf[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
	memcpy(buf + 12, text, n);
	return 12 + n;
}

/* Decode text as the first frame from `from' on an unkeyed session. */
static int
decode_text(enum bridge_from from, const char *text)
{
	static uint8_t		buf[BRIDGE_FRAME_MAX];
	struct bridge_session	s;
	size_t			len;

	bridge_session_init(&s);
	len = raw_frame(buf, 1, text);
	return bridge_decode(&s, from, buf, len, &fr, why);
}

#define NONCE	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void
test_hello_roundtrip(void **state)
{
	struct bridge_session	 tx, rx;
	uint8_t			 nonce[BRIDGE_KEY_LEN], back[BRIDGE_KEY_LEN];
	uint64_t		 v;
	char			 server[65];
	size_t			 len;

	memset(nonce, 0xaa, sizeof(nonce));
	bridge_session_init(&tx);
	bridge_session_init(&rx);
	bridge_begin(&w, BRIDGE_HELLO);
	bridge_put_u64(&w, "version", 1);
	bridge_put_u64(&w, "login", 12345678);
	bridge_put(&w, "server", "Broker-Demo");
	bridge_put_hex(&w, "nonce", nonce, sizeof(nonce));
	bridge_put(&w, "ea", "HeraldBridge 1.0");
	len = bridge_finish(&w, &tx, BRIDGE_FROM_EA);
	assert_true(len > 0);
	assert_int_equal(tx.seq_out, 1);
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_EA, w.buf, len, &fr,
	    why), 0);
	assert_int_equal(fr.type, BRIDGE_HELLO);
	assert_int_equal(fr.seq, 1);
	assert_int_equal(rx.seq_in, 1);
	assert_int_equal(bridge_u64(&fr, "login", 0, &v), 0);
	assert_int_equal(v, 12345678);
	assert_int_equal(bridge_str(&fr, "server", 0, server,
	    sizeof(server)), 0);
	assert_string_equal(server, "Broker-Demo");
	assert_int_equal(bridge_hex32(&fr, "nonce", 0, back), 0);
	assert_memory_equal(back, nonce, sizeof(nonce));
	/* The same frame again is a replay. */
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_EA, w.buf, len, &fr,
	    why), -1);
	assert_non_null(strstr(why, "sequence number 1 where 2"));
}

static void
test_mac(void **state)
{
	struct bridge_session	 tx, rx;
	uint64_t		 v;
	size_t			 len;

	bridge_session_init(&tx);
	bridge_session_init(&rx);
	bridge_session_key(&tx, key_s);
	bridge_session_key(&rx, key_s);
	tx.seq_out = rx.seq_in = 2;
	bridge_begin(&w, BRIDGE_PING);
	bridge_put_u64(&w, "req", 7);
	bridge_put_u64(&w, "t", 1000);
	len = bridge_finish(&w, &tx, BRIDGE_FROM_BROKER);
	assert_int_equal(len, 4 + 8 + strlen("PING\nreq=7\nt=1000\n") + 16);
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_BROKER, w.buf, len,
	    &fr, why), 0);
	assert_int_equal(fr.seq, 3);
	assert_int_equal(bridge_u64(&fr, "req", 0, &v), 0);
	assert_int_equal(v, 7);

	/* One flipped bit anywhere: refused, the sequence unchanged. */
	rx.seq_in = 2;
	w.buf[14] ^= 1;
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_BROKER, w.buf, len,
	    &fr, why), -1);
	assert_string_equal(why, "bad MAC");
	assert_int_equal(rx.seq_in, 2);
	w.buf[14] ^= 1;
	w.buf[len - 1] ^= 0x80;
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_BROKER, w.buf, len,
	    &fr, why), -1);
	w.buf[len - 1] ^= 0x80;

	/* Another key: refused. */
	rx.key[0] ^= 1;
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_BROKER, w.buf, len,
	    &fr, why), -1);
	assert_string_equal(why, "bad MAC");
}

static void
test_sequence_gap(void **state)
{
	static uint8_t		buf[256];
	struct bridge_session	s;
	size_t			len;

	bridge_session_init(&s);
	len = raw_frame(buf, 2, "AUTH\ntag=" NONCE "\n");
	assert_int_equal(bridge_decode(&s, BRIDGE_FROM_EA, buf, len, &fr,
	    why), -1);
	assert_non_null(strstr(why, "sequence number 2 where 1"));
}

static void
test_length(void **state)
{
	uint8_t		hdr[4] = { 0, 1, 0, 1 };	/* 65537 */
	size_t		len;
	static uint8_t	buf[64];

	assert_int_equal(bridge_hdr_decode(hdr, &len, why), -1);
	assert_non_null(strstr(why, "65537"));
	hdr[3] = 0;
	assert_int_equal(bridge_hdr_decode(hdr, &len, why), 0);
	assert_int_equal(len, 65536);
	memset(hdr, 0, 4);
	hdr[3] = 8;
	assert_int_equal(bridge_hdr_decode(hdr, &len, why), -1);

	/* The header must match what came. */
	len = raw_frame(buf, 1, "AUTH\n");
	buf[3]++;
	{
		struct bridge_session	s;

		bridge_session_init(&s);
		assert_int_equal(bridge_decode(&s, BRIDGE_FROM_EA, buf, len,
		    &fr, why), -1);
	}
}

static void
test_text(void **state)
{
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\ntag=" NONCE),
	    -1);
	assert_string_equal(why, "text does not end in a newline");
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "AUTH\ntag=" NONCE "\t\n"), -1);
	assert_non_null(strstr(why, "0x09"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "auth\n"), -1);
	assert_non_null(strstr(why, "unknown frame type"));
	/* The broker does not say HELLO. */
	assert_int_equal(decode_text(BRIDGE_FROM_BROKER, "HELLO\n"), -1);
	assert_string_equal(why, "the broker does not send HELLO");
}

static void
test_keys(void **state)
{
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "AUTH\ntag=" NONCE "\n"), 0);
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "AUTH\ntag=" NONCE "\ntag=" NONCE "\n"), -1);
	assert_non_null(strstr(why, "twice"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "AUTH\ntag=" NONCE "\nfoo=1\n"), -1);
	assert_non_null(strstr(why, "unknown key \"foo\""));
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\n"), -1);
	assert_string_equal(why, "AUTH: key tag missing");
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\nTag=x\n"), -1);
	assert_non_null(strstr(why, "malformed key"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\ntag\n"), -1);
	assert_non_null(strstr(why, "without '='"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "AUTH\ntag.0=" NONCE "\n"), -1);
	assert_non_null(strstr(why, "not a list"));
	/* ERROR's req is optional; its reason is not. */
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "ERROR\nreason=busy\n"), 0);
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "ERROR\nreq=1\n"), -1);
}

static void
test_values(void **state)
{
	static const char *const bad[] = {
	    "PONG\nreq=01\nt=1\ntrade_allowed=1\nconnected=1\ntime=0\n",
	    "PONG\nreq=18446744073709551616\nt=1\ntrade_allowed=1\n"
		"connected=1\ntime=0\n",
	    "PONG\nreq=-1\nt=1\ntrade_allowed=1\nconnected=1\ntime=0\n",
	    "PONG\nreq=1\nt=1\ntrade_allowed=2\nconnected=1\ntime=0\n",
	    "PONG\nreq=1\nt=1\ntrade_allowed=1\nconnected=1\ntime=-0\n",
	    "PONG\nreq=1\nt=1\ntrade_allowed=1\nconnected=1\n"
		"time=9223372036854775808\n",
	    "PONG\nreq=\nt=1\ntrade_allowed=1\nconnected=1\ntime=0\n",
	    "TICK\nreq=1\nname=EURUSD\nbid=1e5\nask=1\nlast=1\ntime_msc=0\n",
	    "TICK\nreq=1\nname=EURUSD\nbid=1.\nask=1\nlast=1\ntime_msc=0\n",
	    "TICK\nreq=1\nname=EURUSD\nbid=.5\nask=1\nlast=1\ntime_msc=0\n",
	    "TICK\nreq=1\nname=EURUSD\nbid=1.12345678901\nask=1\nlast=1\n"
		"time_msc=0\n",
	    "TICK\nreq=1\nname=EURUSDEURUSDEURUSDEURUSDEURUSDXX\nbid=1\n"
		"ask=1\nlast=1\ntime_msc=0\n",
	};
	size_t	i;

	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "PONG\nreq=1\nt=0\ntrade_allowed=1\nconnected=0\n"
	    "time=-9223372036854775808\n"), 0);
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "TICK\nreq=1\nname=EURUSD\nbid=-1.1234567890\nask=1.10\nlast=0\n"
	    "time_msc=1700000000000\n"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode_text(BRIDGE_FROM_EA, bad[i]), -1);
		assert_non_null(strstr(why, " is not "));
	}
	/* 64 hex digits, lower case only. */
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\ntag="
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "\n"), -1);
	assert_int_equal(decode_text(BRIDGE_FROM_EA, "AUTH\ntag=aa\n"), -1);
}

static void
test_lists(void **state)
{
	char	 text[4096], *p = text;
	int	 i;
	double	 d;
	char	 sym[32];

	p += sprintf(p, "POSITIONS\nreq=3\ncount=2\nmore=0\n");
	for (i = 0; i < 2; i++)
		p += sprintf(p, "ticket.%d=%d\nsymbol.%d=EURUSD\ntype.%d=0\n"
		    "volume.%d=0.10\nprice_open.%d=1.1\nprice_current.%d=1.2\n"
		    "sl.%d=0\ntp.%d=0\nprofit.%d=-3.5\nswap.%d=0\nmagic.%d=0\n"
		    "time_msc.%d=1\ncomment.%d=hd:%d\n", i, 100 + i, i, i, i,
		    i, i, i, i, i, i, i, i, i, i);
	assert_int_equal(decode_text(BRIDGE_FROM_EA, text), 0);
	assert_int_equal(fr.count, 2);
	assert_int_equal(bridge_dec(&fr, "profit", 1, &d), 0);
	assert_true(d == -3.5);
	assert_int_equal(bridge_str(&fr, "comment", 1, sym, sizeof(sym)), 0);
	assert_string_equal(sym, "hd:1");
	assert_null(bridge_get(&fr, "ticket", 2));

	/* An item beyond count, or one missing. */
	strcpy(strstr(text, "count=2"), "count=1");
	text[strlen("POSITIONS\nreq=3\ncount=1")] = '\n';
	assert_int_equal(decode_text(BRIDGE_FROM_EA, text), -1);
	assert_non_null(strstr(why, "beyond count"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "POSITIONS\nreq=3\ncount=1\nmore=0\n"), -1);
	assert_non_null(strstr(why, "missing"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "POSITIONS\nreq=3\ncount=33\nmore=0\n"), -1);
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "POSITIONS\nreq=3\ncount=0\nmore=0\nticket=1\n"), -1);
	assert_non_null(strstr(why, "needs a list index"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "POSITIONS\nreq=3\ncount=0\nmore=0\nticket.32=1\n"), -1);
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "POSITIONS\nreq=3\ncount=0\nmore=0\nticket.01=1\n"), -1);
}

/*
 * DEALS: the broker's request (after, since) and the EA's answer, a
 * full page of 32 deals within the field bound; a request from the EA
 * or an answer without its keys is refused.
 */
static void
test_deals(void **state)
{
	static char	 text[BRIDGE_PAYLOAD_MAX];
	char		*p = text;
	uint64_t	 u;
	int64_t		 t;
	int		 i;

	assert_int_equal(decode_text(BRIDGE_FROM_BROKER,
	    "DEALS\nreq=7\nafter=0\nsince=-1\n"), 0);
	assert_int_equal(bridge_i64(&fr, "since", 0, &t), 0);
	assert_true(t == -1);
	assert_int_equal(decode_text(BRIDGE_FROM_BROKER,
	    "DEALS\nreq=7\nafter=12\n"), -1);
	assert_non_null(strstr(why, "since"));
	assert_int_equal(decode_text(BRIDGE_FROM_EA,
	    "DEALS\nreq=7\nafter=12\nsince=1\n"), -1);

	p += sprintf(p, "DEALS\nreq=7\ncount=%d\nmore=1\n", BRIDGE_LIST_MAX);
	for (i = 0; i < BRIDGE_LIST_MAX; i++)
		p += sprintf(p, "ticket.%d=%d\norder.%d=9\nposition.%d=9\n"
		    "time_msc.%d=1800000000000\nsymbol.%d=EURUSD\ntype.%d=1\n"
		    "entry.%d=1\nreason.%d=4\nvolume.%d=1.00\nprice.%d=1.08\n"
		    "profit.%d=-512.30\ncommission.%d=0\nswap.%d=0\n"
		    "magic.%d=0\n", i, 100 + i, i, i, i, i, i, i, i, i, i, i,
		    i, i, i);
	assert_int_equal(decode_text(BRIDGE_FROM_EA, text), 0);
	assert_int_equal(fr.count, BRIDGE_LIST_MAX);
	assert_int_equal(bridge_u64(&fr, "ticket", BRIDGE_LIST_MAX - 1, &u),
	    0);
	assert_true(u == 100 + BRIDGE_LIST_MAX - 1);
	/* One key missing from one item: refused, naming it. */
	*strstr(text, "swap.31=0\n") = 'x';
	assert_int_equal(decode_text(BRIDGE_FROM_EA, text), -1);
}

static void
make_order(struct bridge_order *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = 42;
	o->action = 1;
	strcpy(o->symbol, "EURUSD");
	o->type = 0;
	o->volume = 0.1;
	o->sl = 1.05;
	o->deviation = 10;
	o->digits = 5;
	strcpy(o->comment, "client");
}

static void
test_order_canon(void **state)
{
	struct bridge_session	 tx, rx;
	struct bridge_order	 o;
	char			 c[BRIDGE_CANON_MAX];
	uint8_t			 okey[BRIDGE_KEY_LEN] = { 9 }, tag[32], got[32];
	const struct bridge_field *f, *a;
	size_t			 n, len;

	make_order(&o);
	n = bridge_canon(&o, c, sizeof(c));
	assert_string_equal(c, "cmd=42\naction=1\nsymbol=EURUSD\ntype=0\n"
	    "volume=0.10000000\nprice=0.00000\nstoplimit=0.00000\n"
	    "sl=1.05000\ntp=0.00000\ndeviation=10\ntype_time=0\n"
	    "expiration=0\nposition=0\nposition_by=0\norder=0\n"
	    "comment=client\n");
	assert_int_equal(n, strlen(c));
	assert_int_equal(bridge_canon_check(c, n, why), 0);
	bridge_hmac(okey, c, n, tag);

	/* The frame the broker sends: req, C verbatim, auth. */
	bridge_session_init(&tx);
	bridge_session_init(&rx);
	bridge_session_key(&tx, key_s);
	bridge_session_key(&rx, key_s);
	bridge_begin(&w, BRIDGE_ORDER_SEND);
	bridge_put_u64(&w, "req", 5);
	bridge_put_raw(&w, c, n);
	bridge_put_hex(&w, "auth", tag, sizeof(tag));
	len = bridge_finish(&w, &tx, BRIDGE_FROM_BROKER);
	assert_true(len > 0);
	assert_int_equal(bridge_decode(&rx, BRIDGE_FROM_BROKER, w.buf, len,
	    &fr, why), 0);
	/* What the EA checks: C is the bytes from cmd= to auth=. */
	f = bridge_get(&fr, "cmd", 0);
	a = bridge_get(&fr, "auth", 0);
	assert_non_null(f);
	assert_non_null(a);
	assert_int_equal((size_t)(a->val - strlen("auth=") - (f->val - 4)), n);
	assert_memory_equal(f->val - 4, c, n);
	assert_int_equal(bridge_hex32(&fr, "auth", 0, got), 0);
	assert_memory_equal(got, tag, 32);

	/* Bad orders make no text. */
	o.cmd = 0;
	assert_int_equal(bridge_canon(&o, c, sizeof(c)), 0);
	make_order(&o);
	strcpy(o.comment, "a\nb");
	assert_int_equal(bridge_canon(&o, c, sizeof(c)), 0);
	make_order(&o);
	o.volume = 1.0 / 0.0;
	assert_int_equal(bridge_canon(&o, c, sizeof(c)), 0);
	make_order(&o);
	assert_int_equal(bridge_canon(&o, c, 20), 0);
}

static void
test_order_strict(void **state)
{
	struct bridge_order	 o;
	char			 c[BRIDGE_CANON_MAX], text[2048];
	size_t			 n;

	make_order(&o);
	n = bridge_canon(&o, c, sizeof(c));
	snprintf(text, sizeof(text), "ORDER_SEND\nreq=1\n%sauth=%s\n", c,
	    NONCE);
	assert_int_equal(decode_text(BRIDGE_FROM_BROKER, text), 0);
	/* req after cmd: out of order. */
	snprintf(text, sizeof(text), "ORDER_SEND\n%sreq=1\nauth=%s\n", c,
	    NONCE);
	assert_int_equal(decode_text(BRIDGE_FROM_BROKER, text), -1);
	assert_non_null(strstr(why, "out of order"));
	/* The EA cannot send one; a canonical text has no extra key. */
	assert_int_equal(decode_text(BRIDGE_FROM_EA, text), -1);
	assert_int_equal(bridge_canon_check(c, n - 1, why), -1);
	snprintf(text, sizeof(text), "%sauth=%s\n", c, NONCE);
	assert_int_equal(bridge_canon_check(text, strlen(text), why), -1);
	assert_int_equal(bridge_canon_check("req=1\n", 6, why), -1);
	assert_int_equal(bridge_canon_check(c + 7, n - 7, why), -1);
}

static void
test_writer_refuses(void **state)
{
	struct bridge_session	s;

	bridge_session_init(&s);
	bridge_begin(&w, BRIDGE_PING);		/* missing t */
	bridge_put_u64(&w, "req", 1);
	assert_int_equal(bridge_finish(&w, &s, BRIDGE_FROM_BROKER), 0);
	assert_int_equal(s.seq_out, 0);
	bridge_begin(&w, BRIDGE_SYMBOL);
	bridge_put_u64(&w, "req", 1);
	bridge_put(&w, "name", "EUR\nUSD");
	assert_int_equal(bridge_finish(&w, &s, BRIDGE_FROM_BROKER), 0);
	bridge_begin(&w, BRIDGE_TICK);
	bridge_put_u64(&w, "req", 1);
	bridge_put_dec(&w, "name", 0.0 / 0.0, 2);
	assert_int_equal(bridge_finish(&w, &s, BRIDGE_FROM_BROKER), 0);
}

static void
test_kdf(void **state)
{
	uint8_t	k[32], a[32], b[32], out[32];
	char	hex[65];
	size_t	i;

	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)i;
	memset(a, 0xaa, 32);
	memset(b, 0xbb, 32);
	bridge_kdf(k, "broker", a, b, out);
	bridge_hex_encode(out, hex);
	assert_string_equal(hex, "e2cc0112eea161b7649835dd9774a495"
	    "61c65b8d04b299b6d8dec937a25a52ee");
	bridge_kdf(k, "session", a, b, out);
	bridge_hex_encode(out, hex);
	assert_string_equal(hex, "7ef03f6f22d9a57ce368c6f1e2a9e0f3"
	    "5608d2d252da4225fb6e34dd150bdb83");
	bridge_kdf(k, "order", a, b, out);
	bridge_hex_encode(out, hex);
	assert_string_equal(hex, "9601852350b324783369aee775085efb"
	    "341b85fd6c5be8d101fbf263ae32d23e");
	assert_true(bridge_tag_equal(out, out));
	memcpy(a, out, 32);
	a[31] ^= 1;
	assert_false(bridge_tag_equal(a, out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_roundtrip),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_sequence_gap),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_deals),
		cmocka_unit_test(test_order_canon),
		cmocka_unit_test(test_order_strict),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_kdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
