/*
 * The control protocol codec: round trips, and every way a frame from a
 * peer can be wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctlproto.h"

static uint8_t		 frame[CTL_FRAME_MAX];
static union ctl_payload pl;
static char		 why[CTL_WHY_MAX];

static void
sample_status(struct ctl_status *st)
{
	static const char *names[] = { "monitor", "net", "broker" };
	uint32_t	 i;

	memset(st, 0, sizeof(*st));
	strlcpy(st->version, "0.1.0", sizeof(st->version));
	st->started = 1795813380ULL;
	st->uptime = 72;
	st->reloads = 3;
	strlcpy(st->config, "/etc/herald/herald.yaml", sizeof(st->config));
	st->nprocs = 3;
	for (i = 0; i < 3; i++) {
		strlcpy(st->procs[i].name, names[i], sizeof(st->procs[i].name));
		st->procs[i].pid = 1234 + i;
		strlcpy(st->procs[i].state, "running",
		    sizeof(st->procs[i].state));
	}
	strlcpy(st->broker, "connected", sizeof(st->broker));
}

/* Decode a whole frame as the receiving side does; 0 or -1 with why. */
static int
decode_frame(const uint8_t *buf, size_t len, enum ctl_dir dir,
    struct ctl_hdr *h)
{
	why[0] = '\0';
	if (ctl_hdr_decode(buf, len, dir, h, why, sizeof(why)) == -1)
		return -1;
	if (len - CTL_HDR_LEN < h->len) {
		snprintf(why, sizeof(why), "short frame");
		return -1;
	}
	return ctl_payload_decode(h->type, buf + CTL_HDR_LEN, h->len, &pl,
	    why, sizeof(why));
}

/* A header with arbitrary fields, for the refusals. */
static size_t
raw_hdr(uint8_t *buf, uint16_t version, uint16_t type, uint32_t len)
{
	struct wire_builder	 b;
	struct ctl_hdr		 h = { version, type, len };

	wire_builder_init(&b, buf, CTL_HDR_LEN);
	ctl_hdr_encode(&b, &h);
	assert_int_equal(b.err, 0);
	return b.len;
}

static void
expect_why(const char *needle)
{
	if (strstr(why, needle) == NULL)
		fail_msg("why \"%s\" lacks \"%s\"", why, needle);
}

static void
test_requests_roundtrip(void **state)
{
	struct ctl_hdr	 h;
	int		 n;

	n = ctl_frame_empty(frame, sizeof(frame), CTL_REQ_STATUS);
	assert_int_equal(n, CTL_HDR_LEN);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REQ, &h), 0);
	assert_int_equal(h.version, CTL_VERSION);
	assert_int_equal(h.type, CTL_REQ_STATUS);
	assert_int_equal(h.len, 0);

	n = ctl_frame_empty(frame, sizeof(frame), CTL_REQ_RELOAD);
	assert_int_equal(n, CTL_HDR_LEN);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REQ, &h), 0);
	assert_int_equal(h.type, CTL_REQ_RELOAD);
	assert_string_equal(ctl_type_name(CTL_REQ_RELOAD), "req-reload");
	assert_string_equal(ctl_type_name(999), "unknown");
}

static void
test_msg_roundtrip(void **state)
{
	struct ctl_hdr	 h;
	int		 n;

	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_OK,
	    "configuration reloaded");
	assert_true(n > CTL_HDR_LEN);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(h.type, CTL_REP_OK);
	assert_int_equal(h.len, 2 + strlen("configuration reloaded"));
	assert_string_equal(pl.msg.text, "configuration reloaded");

	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_ERROR, "");
	assert_int_equal(n, CTL_HDR_LEN + 2);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_string_equal(pl.msg.text, "");
}

static void
test_msg_encode_cuts_and_cleans(void **state)
{
	char		 big[CTL_STR_MAX + 100];
	struct ctl_hdr	 h;
	int		 n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_ERROR, big);
	assert_int_equal(n, CTL_HDR_LEN + 2 + CTL_STR_MAX);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(strlen(pl.msg.text), CTL_STR_MAX);

	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_ERROR,
	    "line one\nline\ttwo\x1b[2J");
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_string_equal(pl.msg.text, "line one?line?two?[2J");
}

static void
test_status_roundtrip(void **state)
{
	struct ctl_status	 st;
	struct ctl_hdr		 h;
	int			 n;
	uint32_t		 i;

	sample_status(&st);
	n = ctl_frame_status(frame, sizeof(frame), &st);
	assert_true(n > CTL_HDR_LEN);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(h.type, CTL_REP_STATUS);
	assert_string_equal(pl.status.version, "0.1.0");
	assert_int_equal(pl.status.started, 1795813380ULL);
	assert_int_equal(pl.status.uptime, 72);
	assert_int_equal(pl.status.reloads, 3);
	assert_string_equal(pl.status.config, "/etc/herald/herald.yaml");
	assert_int_equal(pl.status.nprocs, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(pl.status.procs[i].name, st.procs[i].name);
		assert_int_equal(pl.status.procs[i].pid, st.procs[i].pid);
		assert_string_equal(pl.status.procs[i].state, "running");
	}
	assert_int_equal(pl.status.lockdown, 0);
	assert_string_equal(pl.status.lockdown_by, "");
	assert_int_equal(pl.status.lockdown_since, 0);
	assert_string_equal(pl.status.broker, "connected");

	/* In lockdown, with who and since, and a broker that is down. */
	st.lockdown = 1;
	strlcpy(st.lockdown_by, "uid 0 (root)", sizeof(st.lockdown_by));
	st.lockdown_since = 1795813500ULL;
	strlcpy(st.broker, "down: connection refused", sizeof(st.broker));
	n = ctl_frame_status(frame, sizeof(frame), &st);
	assert_true(n > CTL_HDR_LEN);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(pl.status.lockdown, 1);
	assert_string_equal(pl.status.lockdown_by, "uid 0 (root)");
	assert_int_equal(pl.status.lockdown_since, 1795813500ULL);
	assert_string_equal(pl.status.broker, "down: connection refused");
	assert_int_equal(pl.status.nprocs, 3);
	assert_string_equal(pl.status.config, "/etc/herald/herald.yaml");

	/* Control characters in who or the broker's reason become '?'. */
	strlcpy(st.lockdown_by, "uid 5 (ev\x1bil)", sizeof(st.lockdown_by));
	strlcpy(st.broker, "down: a\nb", sizeof(st.broker));
	n = ctl_frame_status(frame, sizeof(frame), &st);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_string_equal(pl.status.lockdown_by, "uid 5 (ev?il)");
	assert_string_equal(pl.status.broker, "down: a?b");
}

static void
test_status_full_fits(void **state)
{
	struct ctl_status	 st;
	struct ctl_hdr		 h;
	uint32_t		 i;
	int			 n;

	/* Every field at its longest still fits the type's maximum. */
	memset(&st, 0, sizeof(st));
	memset(st.version, 'v', sizeof(st.version) - 1);
	memset(st.config, 'c', sizeof(st.config) - 1);
	st.nprocs = CTL_MAX_PROCS;
	for (i = 0; i < CTL_MAX_PROCS; i++) {
		memset(st.procs[i].name, 'n', sizeof(st.procs[i].name) - 1);
		memset(st.procs[i].state, 's', sizeof(st.procs[i].state) - 1);
		st.procs[i].pid = UINT32_MAX;
	}
	st.started = st.uptime = UINT64_MAX;
	st.lockdown = 1;
	memset(st.lockdown_by, 'w', sizeof(st.lockdown_by) - 1);
	st.lockdown_since = UINT64_MAX;
	memset(st.broker, 'b', sizeof(st.broker) - 1);
	n = ctl_frame_status(frame, sizeof(frame), &st);
	assert_true(n > 0);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(h.len, ctl_msgdef(CTL_REP_STATUS)->maxlen);
	assert_int_equal(pl.status.started, UINT64_MAX);
	assert_int_equal(strlen(pl.status.lockdown_by),
	    sizeof(st.lockdown_by) - 1);
	assert_int_equal(pl.status.lockdown_since, UINT64_MAX);
	assert_int_equal(strlen(pl.status.broker), sizeof(st.broker) - 1);
}

static void
test_truncated_header(void **state)
{
	struct ctl_hdr	 h;
	size_t		 i;
	int		 n;

	n = ctl_frame_empty(frame, sizeof(frame), CTL_REQ_STATUS);
	assert_int_equal(n, CTL_HDR_LEN);
	for (i = 0; i < CTL_HDR_LEN; i++) {
		assert_int_equal(ctl_hdr_decode(frame, i, CTL_DIR_REQ, &h,
		    why, sizeof(why)), -1);
		expect_why("truncated header");
	}
}

static void
test_truncated_payload(void **state)
{
	struct ctl_status	 st;
	size_t			 len, cut;
	int			 n;

	sample_status(&st);
	n = ctl_frame_status(frame, sizeof(frame), &st);
	len = (size_t)n - CTL_HDR_LEN;
	for (cut = 0; cut < len; cut++) {
		assert_int_equal(ctl_payload_decode(CTL_REP_STATUS,
		    frame + CTL_HDR_LEN, cut, &pl, why, sizeof(why)), -1);
		expect_why("rep-status: ");
	}
	assert_int_equal(ctl_payload_decode(CTL_REP_STATUS,
	    frame + CTL_HDR_LEN, 10, &pl, why, sizeof(why)), -1);
	expect_why("started: payload truncated");

	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_OK, "hello");
	for (cut = 0; cut < (size_t)n - CTL_HDR_LEN; cut++) {
		assert_int_equal(ctl_payload_decode(CTL_REP_OK,
		    frame + CTL_HDR_LEN, cut, &pl, why, sizeof(why)), -1);
		expect_why("rep-ok: message: payload truncated");
	}
}

static void
test_oversized_length(void **state)
{
	struct ctl_hdr	 h;

	raw_hdr(frame, CTL_VERSION, CTL_REP_STATUS, CTL_MSG_MAX + 1);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REP, &h,
	    why, sizeof(why)), -1);
	expect_why("payload length 65537 exceeds the maximum 65536");

	raw_hdr(frame, CTL_VERSION, CTL_REQ_STATUS, UINT32_MAX);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("exceeds the maximum");

	/* Below CTL_MSG_MAX but above what the type can carry. */
	raw_hdr(frame, CTL_VERSION, CTL_REQ_STATUS, 1);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("payload length 1 exceeds 0 for req-status");

	raw_hdr(frame, CTL_VERSION, CTL_REP_ERROR, 2 + CTL_STR_MAX + 1);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REP, &h,
	    why, sizeof(why)), -1);
	expect_why("for rep-error");

	/* A frame builder refuses a payload above CTL_MSG_MAX. */
	{
		struct wire_builder	 b;
		static uint8_t		 big[CTL_FRAME_MAX + 16];

		ctl_frame_begin(&b, big, sizeof(big), CTL_REP_OK);
		wire_put_bytes(&b, frame, CTL_MSG_MAX + 1);
		assert_int_equal(ctl_frame_finish(&b), -1);
	}
	/* ... and one that did not fit its buffer. */
	assert_int_equal(ctl_frame_msg(frame, 9, CTL_REP_OK, "hello"), -1);
	assert_int_equal(ctl_frame_empty(frame, 4, CTL_REQ_STATUS), -1);
}

static void
test_trailing_bytes(void **state)
{
	struct ctl_status	 st;
	int			 n;

	sample_status(&st);
	n = ctl_frame_status(frame, sizeof(frame), &st);
	frame[n] = 0;
	assert_int_equal(ctl_payload_decode(CTL_REP_STATUS,
	    frame + CTL_HDR_LEN, n - CTL_HDR_LEN + 1, &pl, why, sizeof(why)),
	    -1);
	expect_why("rep-status: status: trailing bytes");

	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_OK, "hi");
	assert_int_equal(ctl_payload_decode(CTL_REP_OK, frame + CTL_HDR_LEN,
	    n - CTL_HDR_LEN + 3, &pl, why, sizeof(why)), -1);
	expect_why("rep-ok: message: trailing bytes");

	/* An empty request with a payload. */
	assert_int_equal(ctl_payload_decode(CTL_REQ_RELOAD, "abc", 3, &pl,
	    why, sizeof(why)), -1);
	expect_why("req-reload: payload length 3 exceeds 0");
	assert_int_equal(ctl_empty_decode("abc", 3, &pl, why, sizeof(why)), -1);
	expect_why("3 payload bytes where none belong");
	assert_int_equal(ctl_empty_decode("", 0, &pl, why, sizeof(why)), 0);
}

static void
test_wrong_version(void **state)
{
	struct ctl_hdr	 h;

	raw_hdr(frame, 2, CTL_REQ_STATUS, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("protocol version 2, expected 1");

	raw_hdr(frame, 0, CTL_REQ_STATUS, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("protocol version 0");
}

static void
test_unknown_type(void **state)
{
	static const uint16_t bad[] = { 0, 12, 62, 63, 72, 1000, UINT16_MAX };
	struct ctl_hdr	 h;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_hdr(frame, CTL_VERSION, bad[i], 0);
		assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN,
		    CTL_DIR_REQ, &h, why, sizeof(why)), -1);
		expect_why("unknown message type");
		assert_null(ctl_msgdef(bad[i]));
		assert_int_equal(ctl_payload_decode(bad[i], "", 0, &pl,
		    why, sizeof(why)), -1);
		expect_why("unknown message type");
	}
}

static void
test_wrong_direction(void **state)
{
	struct ctl_hdr	 h;

	/* A client may not send replies, the monitor may not send requests. */
	raw_hdr(frame, CTL_VERSION, CTL_REP_OK, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("message type 64 (rep-ok) is not a request");

	raw_hdr(frame, CTL_VERSION, CTL_REQ_RELOAD, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REP, &h,
	    why, sizeof(why)), -1);
	expect_why("(req-reload) is not a reply");
}

static void
test_string_too_long(void **state)
{
	static uint8_t		 buf[4096];
	char			 text[CTL_STR_MAX + 2];
	struct wire_builder	 b;

	/* A message of CTL_STR_MAX + 1 bytes. */
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_str(&b, text);
	assert_int_equal(ctl_msg_decode(buf, b.len, &pl, why, sizeof(why)),
	    -1);
	expect_why("message: string too long");

	/* A status version of 32 bytes (room for 31). */
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_str(&b, "0123456789012345678901234567890x");
	assert_int_equal(ctl_status_decode(buf, b.len, &pl, why, sizeof(why)),
	    -1);
	expect_why("version: string too long");

	/* A process state of 16 bytes (room for 15). */
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_str(&b, "0.1.0");
	wire_put_u64(&b, 1);
	wire_put_u64(&b, 2);
	wire_put_u32(&b, 0);
	wire_put_str(&b, "/c");
	wire_put_u32(&b, 1);
	wire_put_str(&b, "net");
	wire_put_u32(&b, 7);
	wire_put_str(&b, "runningrunning!!");
	assert_int_equal(ctl_status_decode(buf, b.len, &pl, why, sizeof(why)),
	    -1);
	expect_why("procs[0].state: string too long");
}

static void
test_nul_and_control_in_string(void **state)
{
	static const uint8_t	 nul[] = { 5, 0, 'a', 'b', 0, 'c', 'd' };
	static const uint8_t	 esc[] = { 3, 0, 'a', 0x1b, 'c' };
	static const uint8_t	 del[] = { 1, 0, 0x7f };
	static const uint8_t	 utf8[] = { 2, 0, 0xc3, 0xa9 };

	assert_int_equal(ctl_msg_decode(nul, sizeof(nul), &pl, why,
	    sizeof(why)), -1);
	expect_why("message: string holds a NUL byte");
	assert_int_equal(ctl_msg_decode(esc, sizeof(esc), &pl, why,
	    sizeof(why)), -1);
	expect_why("message: string holds a control character");
	assert_int_equal(ctl_msg_decode(del, sizeof(del), &pl, why,
	    sizeof(why)), -1);
	expect_why("control character");
	assert_int_equal(ctl_msg_decode(utf8, sizeof(utf8), &pl, why,
	    sizeof(why)), 0);
	assert_string_equal(pl.msg.text, "\xc3\xa9");
}

static void
test_too_many_procs(void **state)
{
	static uint8_t		 buf[4096];
	struct wire_builder	 b;
	struct ctl_status	 st;
	uint32_t		 i;

	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_str(&b, "0.1.0");
	wire_put_u64(&b, 1);
	wire_put_u64(&b, 2);
	wire_put_u32(&b, 0);
	wire_put_str(&b, "/c");
	wire_put_u32(&b, CTL_MAX_PROCS + 1);
	for (i = 0; i < CTL_MAX_PROCS + 1; i++) {
		wire_put_str(&b, "net");
		wire_put_u32(&b, i);
		wire_put_str(&b, "running");
	}
	assert_int_equal(b.err, 0);
	assert_int_equal(ctl_status_decode(buf, b.len, &pl, why, sizeof(why)),
	    -1);
	expect_why("nprocs: 9 exceeds the maximum 8");

	/* UINT32_MAX, which must not drive a loop. */
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_str(&b, "0.1.0");
	wire_put_u64(&b, 1);
	wire_put_u64(&b, 2);
	wire_put_u32(&b, 0);
	wire_put_str(&b, "/c");
	wire_put_u32(&b, UINT32_MAX);
	assert_int_equal(ctl_status_decode(buf, b.len, &pl, why, sizeof(why)),
	    -1);
	expect_why("nprocs");

	/* Nor will the encoder send one. */
	sample_status(&st);
	st.nprocs = CTL_MAX_PROCS + 1;
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);
}

/* The key and ban messages. */

static union ctl_payload	 in;

static void
sample_key_create(struct ctl_key_create *k, int with_fp)
{
	size_t	 i;

	memset(k, 0, sizeof(*k));
	strlcpy(k->name, "alice.bot-1_x", sizeof(k->name));
	strlcpy(k->role, "trader", sizeof(k->role));
	k->expires_days = 30;
	k->fp_present = with_fp ? 1 : 0;
	if (with_fp)
		for (i = 0; i < CTL_FP_LEN; i++)
			k->fp[i] = (uint8_t)(i * 7 + 1);
}

static void
sample_key_created(struct ctl_key_created *k)
{
	memset(k, 0, sizeof(*k));
	k->id = 42;
	strlcpy(k->name, "alice", sizeof(k->name));
	strlcpy(k->role, "viewer", sizeof(k->role));
	k->created = 1795813380ULL;
	k->expires = 1795813380ULL + 90 * 86400;
	strlcpy(k->key, "hk_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJKKK",
	    sizeof(k->key));
	k->old_id = 7;
	k->old_expires = 1795813380ULL + 86400;
}

static void
sample_keys(struct ctl_keys *ks, uint32_t n)
{
	uint32_t	 i;

	ks->total = n + 5;
	ks->n = n;
	for (i = 0; i < n; i++) {
		struct ctl_key_row *k = &ks->keys[i];

		memset(k, 0, sizeof(*k));
		k->id = i + 1;
		snprintf(k->name, sizeof(k->name), "key-%u", i);
		strlcpy(k->role, i % 2 ? "admin" : "viewer", sizeof(k->role));
		k->created = 1000 + i;
		k->last_used = i % 3 ? 2000 + i : 0;
		k->expires = 3000 + i;
		k->state = (uint8_t)(i % (CTL_KEY_STATE_MAX + 1));
		k->bound = (uint8_t)(i % 2);
	}
}

static void
sample_bans(struct ctl_bans *bs, uint32_t n)
{
	uint32_t	 i;

	bs->total = n;
	bs->n = n;
	for (i = 0; i < n; i++) {
		memset(&bs->bans[i], 0, sizeof(bs->bans[i]));
		snprintf(bs->bans[i].address, sizeof(bs->bans[i].address),
		    i % 2 ? "2001:db8::%x" : "192.0.2.%u", i);
		bs->bans[i].until = 1795813380ULL + i;
		bs->bans[i].strikes = i + 1;
	}
}

/* Encode `in' as type, decode it back into pl; the frame's length. */
static int
roundtrip(uint16_t type, enum ctl_dir dir)
{
	struct ctl_hdr	 h;
	int		 n;

	n = ctl_frame_payload(frame, sizeof(frame), type, &in);
	assert_true(n >= CTL_HDR_LEN);
	if (decode_frame(frame, (size_t)n, dir, &h) != 0)
		fail_msg("%s: %s", ctl_type_name(type), why);
	assert_int_equal(h.type, type);
	assert_int_equal(h.len, (size_t)n - CTL_HDR_LEN);
	return n;
}

/* Every shorter payload fails, and so does one byte more. */
static void
cuts_and_trailing(uint16_t type, int n)
{
	size_t	 len = (size_t)n - CTL_HDR_LEN, cut;
	char	 name[64];

	snprintf(name, sizeof(name), "%s: ", ctl_type_name(type));
	for (cut = 0; cut < len; cut++) {
		assert_int_equal(ctl_payload_decode(type, frame + CTL_HDR_LEN,
		    cut, &pl, why, sizeof(why)), -1);
		expect_why(name);
	}
	frame[n] = 0;
	if (len + 1 <= ctl_msgdef(type)->maxlen) {
		assert_int_equal(ctl_payload_decode(type, frame + CTL_HDR_LEN,
		    len + 1, &pl, why, sizeof(why)), -1);
		expect_why("trailing bytes");
	}
}

static void
test_key_requests_roundtrip(void **state)
{
	int	 n;

	sample_key_create(&in.key_create, 1);
	n = roundtrip(CTL_REQ_KEY_CREATE, CTL_DIR_REQ);
	assert_string_equal(pl.key_create.name, "alice.bot-1_x");
	assert_string_equal(pl.key_create.role, "trader");
	assert_int_equal(pl.key_create.expires_days, 30);
	assert_int_equal(pl.key_create.fp_present, 1);
	assert_memory_equal(pl.key_create.fp, in.key_create.fp, CTL_FP_LEN);
	cuts_and_trailing(CTL_REQ_KEY_CREATE, n);

	/* Without a fingerprint, none is sent. */
	sample_key_create(&in.key_create, 0);
	n = roundtrip(CTL_REQ_KEY_CREATE, CTL_DIR_REQ);
	assert_int_equal(n, CTL_HDR_LEN + 2 + 13 + 2 + 6 + 4 + 1);
	assert_int_equal(pl.key_create.fp_present, 0);
	cuts_and_trailing(CTL_REQ_KEY_CREATE, n);

	memset(&in, 0, sizeof(in));
	strlcpy(in.key_target.target, "alice", sizeof(in.key_target.target));
	n = roundtrip(CTL_REQ_KEY_REVOKE, CTL_DIR_REQ);
	assert_string_equal(pl.key_target.target, "alice");
	cuts_and_trailing(CTL_REQ_KEY_REVOKE, n);
	strlcpy(in.key_target.target, "9223372036854775807",
	    sizeof(in.key_target.target));
	roundtrip(CTL_REQ_KEY_REVOKE, CTL_DIR_REQ);
	assert_string_equal(pl.key_target.target, "9223372036854775807");

	memset(&in, 0, sizeof(in));
	strlcpy(in.key_rotate.name, "bob", sizeof(in.key_rotate.name));
	in.key_rotate.grace_hours = CTL_GRACE_MAX;
	n = roundtrip(CTL_REQ_KEY_ROTATE, CTL_DIR_REQ);
	assert_string_equal(pl.key_rotate.name, "bob");
	assert_int_equal(pl.key_rotate.grace_hours, CTL_GRACE_MAX);
	cuts_and_trailing(CTL_REQ_KEY_ROTATE, n);

	memset(&in, 0, sizeof(in));
	strlcpy(in.address.address, "2001:db8::1", sizeof(in.address.address));
	n = roundtrip(CTL_REQ_BAN_DEL, CTL_DIR_REQ);
	assert_string_equal(pl.address.address, "2001:db8::1");
	cuts_and_trailing(CTL_REQ_BAN_DEL, n);

	/* The lists are asked for with an empty payload. */
	assert_int_equal(roundtrip(CTL_REQ_KEY_LIST, CTL_DIR_REQ),
	    CTL_HDR_LEN);
	assert_int_equal(roundtrip(CTL_REQ_BAN_LIST, CTL_DIR_REQ),
	    CTL_HDR_LEN);
	assert_int_equal(ctl_payload_decode(CTL_REQ_KEY_LIST, "x", 1, &pl,
	    why, sizeof(why)), -1);
	expect_why("req-key-list: payload length 1 exceeds 0");
	assert_string_equal(ctl_type_name(CTL_REQ_BAN_DEL), "req-ban-del");
}

static void
test_key_replies_roundtrip(void **state)
{
	uint32_t	 i;
	int		 n;

	sample_key_created(&in.key_created);
	n = roundtrip(CTL_REP_KEY, CTL_DIR_REP);
	assert_int_equal(pl.key_created.id, 42);
	assert_string_equal(pl.key_created.name, "alice");
	assert_string_equal(pl.key_created.role, "viewer");
	assert_int_equal(pl.key_created.created, 1795813380ULL);
	assert_string_equal(pl.key_created.key, in.key_created.key);
	assert_int_equal(pl.key_created.old_id, 7);
	assert_int_equal(pl.key_created.old_expires, 1795813380ULL + 86400);
	cuts_and_trailing(CTL_REP_KEY, n);

	sample_keys(&in.keys, 10);
	n = roundtrip(CTL_REP_KEYS, CTL_DIR_REP);
	assert_int_equal(pl.keys.total, 15);
	assert_int_equal(pl.keys.n, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(pl.keys.keys[i].id, i + 1);
		assert_string_equal(pl.keys.keys[i].name, in.keys.keys[i].name);
		assert_string_equal(pl.keys.keys[i].role, in.keys.keys[i].role);
		assert_int_equal(pl.keys.keys[i].last_used,
		    in.keys.keys[i].last_used);
		assert_int_equal(pl.keys.keys[i].state, in.keys.keys[i].state);
		assert_int_equal(pl.keys.keys[i].bound, in.keys.keys[i].bound);
	}
	cuts_and_trailing(CTL_REP_KEYS, n);
	sample_keys(&in.keys, 0);
	assert_int_equal(roundtrip(CTL_REP_KEYS, CTL_DIR_REP),
	    CTL_HDR_LEN + 8);

	sample_bans(&in.bans, 6);
	n = roundtrip(CTL_REP_BANS, CTL_DIR_REP);
	assert_int_equal(pl.bans.n, 6);
	assert_string_equal(pl.bans.bans[0].address, "192.0.2.0");
	assert_string_equal(pl.bans.bans[5].address, "2001:db8::5");
	assert_int_equal(pl.bans.bans[5].strikes, 6);
	cuts_and_trailing(CTL_REP_BANS, n);

	assert_string_equal(ctl_key_state_name(CTL_KEY_ROTATING), "rotating");
	assert_string_equal(ctl_key_state_name(4), "?");
}

static void
test_key_messages_full_fit(void **state)
{
	uint32_t	 i;

	/* Every field at its longest: exactly each type's maximum. */
	memset(&in, 0, sizeof(in));
	memset(in.key_create.name, 'n', CTL_KEY_NAME_MAX);
	strlcpy(in.key_create.role, "viewer", sizeof(in.key_create.role));
	in.key_create.expires_days = CTL_EXPIRES_MAX;
	in.key_create.fp_present = 1;
	roundtrip(CTL_REQ_KEY_CREATE, CTL_DIR_REQ);
	/* Roles are at most 6 bytes, not CTL_ROLE_MAX. */
	assert_int_equal(roundtrip(CTL_REQ_KEY_CREATE, CTL_DIR_REQ) -
	    CTL_HDR_LEN + (CTL_ROLE_MAX - 6),
	    ctl_msgdef(CTL_REQ_KEY_CREATE)->maxlen);

	sample_keys(&in.keys, CTL_KEYS_MAX);
	for (i = 0; i < CTL_KEYS_MAX; i++) {
		memset(in.keys.keys[i].name, 'k', CTL_KEY_NAME_MAX);
		strlcpy(in.keys.keys[i].role, "viewer",
		    sizeof(in.keys.keys[i].role));
		in.keys.keys[i].created = UINT64_MAX;
	}
	assert_int_equal(roundtrip(CTL_REP_KEYS, CTL_DIR_REP) - CTL_HDR_LEN +
	    CTL_KEYS_MAX * (CTL_ROLE_MAX - 6),
	    ctl_msgdef(CTL_REP_KEYS)->maxlen);
	assert_int_equal(pl.keys.n, CTL_KEYS_MAX);
	assert_int_equal(pl.keys.keys[CTL_KEYS_MAX - 1].created, UINT64_MAX);

	sample_bans(&in.bans, CTL_BANS_MAX);
	for (i = 0; i < CTL_BANS_MAX; i++)
		memset(in.bans.bans[i].address, 'a', CTL_ADDR_MAX);
	assert_int_equal(roundtrip(CTL_REP_BANS, CTL_DIR_REP) - CTL_HDR_LEN,
	    ctl_msgdef(CTL_REP_BANS)->maxlen);

	/* One row too many is never sent. */
	sample_keys(&in.keys, CTL_KEYS_MAX);
	in.keys.n = CTL_KEYS_MAX + 1;
	in.keys.total = CTL_KEYS_MAX + 1;
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame), CTL_REP_KEYS,
	    &in), -1);
	sample_bans(&in.bans, 3);
	in.bans.total = 2;
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame), CTL_REP_BANS,
	    &in), -1);
	sample_keys(&in.keys, 2);
	in.keys.keys[1].state = 9;
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame), CTL_REP_KEYS,
	    &in), -1);
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame), 999, &in),
	    -1);
}

/* A payload built by hand, for the refusals. */
static struct wire_builder	 wb;
static uint8_t			 raw[4096];

static void
raw_begin(void)
{
	wire_builder_init(&wb, raw, sizeof(raw));
}

static void
expect_refused(uint16_t type, const char *needle)
{
	assert_int_equal(wb.err, 0);
	if (ctl_payload_decode(type, raw, wb.len, &pl, why,
	    sizeof(why)) != -1)
		fail_msg("%s accepted, expected \"%s\"", ctl_type_name(type),
		    needle);
	expect_why(needle);
}

static void
test_key_field_rules(void **state)
{
	uint8_t	 fp[CTL_FP_LEN] = { 0 };

	raw_begin();
	wire_put_str(&wb, "al ice");
	wire_put_str(&wb, "admin");
	wire_put_u32(&wb, 0);
	wire_put_u8(&wb, 0);
	expect_refused(CTL_REQ_KEY_CREATE, "name: character 3 (0x20) is not");

	raw_begin();
	wire_put_str(&wb, "007");
	expect_refused(CTL_REQ_KEY_CREATE, "name: must not be digits only");

	raw_begin();
	wire_put_str(&wb, "");
	expect_refused(CTL_REQ_KEY_CREATE, "name: must be 1 to 63");

	raw_begin();
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "root");
	expect_refused(CTL_REQ_KEY_CREATE, "role: must be admin, trader or "
	    "viewer");

	raw_begin();
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "admin");
	wire_put_u32(&wb, CTL_EXPIRES_MAX + 1);
	expect_refused(CTL_REQ_KEY_CREATE, "expires_days: 3651 exceeds 3650");

	raw_begin();
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "admin");
	wire_put_u32(&wb, 0);
	wire_put_u8(&wb, 2);
	wire_put_bytes(&wb, fp, sizeof(fp));
	expect_refused(CTL_REQ_KEY_CREATE, "fp_present: 2 is not 0 or 1");

	/* A fingerprint the flag does not announce is trailing junk. */
	raw_begin();
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "admin");
	wire_put_u32(&wb, 0);
	wire_put_u8(&wb, 0);
	wire_put_bytes(&wb, fp, sizeof(fp));
	expect_refused(CTL_REQ_KEY_CREATE, "trailing bytes");

	raw_begin();
	wire_put_str(&wb, "a/b");
	expect_refused(CTL_REQ_KEY_REVOKE, "target: character 2 ('/')");
	raw_begin();
	wire_put_str(&wb, "12345678901234567890");
	expect_refused(CTL_REQ_KEY_REVOKE, "target: must not be digits only");

	raw_begin();
	wire_put_str(&wb, "bob");
	wire_put_u32(&wb, CTL_GRACE_MAX + 1);
	expect_refused(CTL_REQ_KEY_ROTATE, "grace_hours: 721 exceeds 720");

	raw_begin();
	wire_put_str(&wb, "");
	expect_refused(CTL_REQ_BAN_DEL, "address: empty");
	raw_begin();
	wire_put_str(&wb, "1.2.3.4\n");
	expect_refused(CTL_REQ_BAN_DEL, "address: string holds a control "
	    "character");

	raw_begin();
	wire_put_u64(&wb, 1);
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "admin");
	wire_put_u64(&wb, 1);
	wire_put_u64(&wb, 2);
	wire_put_str(&wb, "");
	expect_refused(CTL_REP_KEY, "key: empty");

	raw_begin();
	wire_put_u32(&wb, 1);
	wire_put_u32(&wb, 2);
	expect_refused(CTL_REP_KEYS, "n: 2 exceeds total 1");
	raw_begin();
	wire_put_u32(&wb, UINT32_MAX);
	wire_put_u32(&wb, UINT32_MAX);
	expect_refused(CTL_REP_KEYS, "n: 4294967295 exceeds the maximum 512");

	raw_begin();
	wire_put_u32(&wb, 1);
	wire_put_u32(&wb, 1);
	wire_put_u64(&wb, 1);
	wire_put_str(&wb, "alice");
	wire_put_str(&wb, "admin");
	wire_put_u64(&wb, 1);
	wire_put_u64(&wb, 0);
	wire_put_u64(&wb, 2);
	wire_put_u8(&wb, 4);
	wire_put_u8(&wb, 0);
	expect_refused(CTL_REP_KEYS, "keys[0].state: 4 is not a key state");
	raw[wb.len - 2] = 0;
	raw[wb.len - 1] = 3;
	expect_refused(CTL_REP_KEYS, "keys[0].bound: 3 is not 0 or 1");

	raw_begin();
	wire_put_u32(&wb, 1);
	wire_put_u32(&wb, 1);
	wire_put_str(&wb, "192.0.2.1");
	wire_put_u64(&wb, 5);
	wire_put_u32(&wb, 0);
	expect_refused(CTL_REP_BANS, "bans[0].strikes: 0, a ban is at least "
	    "strike 1");
	raw_begin();
	wire_put_u32(&wb, 0);
	wire_put_u32(&wb, CTL_BANS_MAX + 1);
	expect_refused(CTL_REP_BANS, "n: 513 exceeds the maximum 512");
}

static void
test_key_directions(void **state)
{
	struct ctl_hdr	 h;

	raw_hdr(frame, CTL_VERSION, CTL_REP_KEY, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("(rep-key) is not a request");
	raw_hdr(frame, CTL_VERSION, CTL_REQ_KEY_CREATE, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REP, &h,
	    why, sizeof(why)), -1);
	expect_why("(req-key-create) is not a reply");
	raw_hdr(frame, CTL_VERSION, CTL_REQ_KEY_REVOKE,
	    ctl_msgdef(CTL_REQ_KEY_REVOKE)->maxlen + 1);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("exceeds 65 for req-key-revoke");
}

static void
test_name_and_role_rules(void **state)
{
	char	 name[CTL_KEY_NAME_MAX + 2];

	assert_int_equal(ctl_key_name_check("a", why, sizeof(why)), 0);
	assert_int_equal(ctl_key_name_check("A-z_0.9", why, sizeof(why)), 0);
	assert_int_equal(ctl_key_name_check("1a", why, sizeof(why)), 0);
	memset(name, 'x', CTL_KEY_NAME_MAX);
	name[CTL_KEY_NAME_MAX] = '\0';
	assert_int_equal(ctl_key_name_check(name, why, sizeof(why)), 0);
	name[CTL_KEY_NAME_MAX] = 'x';
	name[CTL_KEY_NAME_MAX + 1] = '\0';
	assert_int_equal(ctl_key_name_check(name, why, sizeof(why)), -1);
	expect_why("1 to 63");
	assert_int_equal(ctl_key_name_check("caf\xc3\xa9", why, sizeof(why)),
	    -1);
	expect_why("character 4 (0xc3)");
	assert_int_equal(ctl_key_name_check("0", why, sizeof(why)), -1);
	assert_int_equal(ctl_role_check("admin", why, sizeof(why)), 0);
	assert_int_equal(ctl_role_check("trader", why, sizeof(why)), 0);
	assert_int_equal(ctl_role_check("viewer", why, sizeof(why)), 0);
	assert_int_equal(ctl_role_check("Admin", why, sizeof(why)), -1);
	assert_int_equal(ctl_role_check("", why, sizeof(why)), -1);
}

/* lockdown on|off, and the lockdown and broker fields of STATUS. */

static void
test_lockdown_request_roundtrip(void **state)
{
	struct ctl_hdr	 h;
	int		 n;

	memset(&in, 0, sizeof(in));
	in.lockdown.on = 1;
	n = roundtrip(CTL_REQ_LOCKDOWN, CTL_DIR_REQ);
	assert_int_equal(n, CTL_HDR_LEN + 1);
	assert_int_equal(frame[CTL_HDR_LEN], 1);
	assert_int_equal(pl.lockdown.on, 1);
	cuts_and_trailing(CTL_REQ_LOCKDOWN, n);

	in.lockdown.on = 0;
	n = roundtrip(CTL_REQ_LOCKDOWN, CTL_DIR_REQ);
	assert_int_equal(n, CTL_HDR_LEN + 1);
	assert_int_equal(pl.lockdown.on, 0);

	assert_string_equal(ctl_type_name(CTL_REQ_LOCKDOWN), "req-lockdown");
	assert_int_equal(ctl_msgdef(CTL_REQ_LOCKDOWN)->maxlen, 1);
	assert_int_equal(ctl_msgdef(CTL_REQ_LOCKDOWN)->dir, CTL_DIR_REQ);

	/* A request, never a reply; one byte, never more. */
	raw_hdr(frame, CTL_VERSION, CTL_REQ_LOCKDOWN, 1);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REP, &h,
	    why, sizeof(why)), -1);
	expect_why("message type 9 (req-lockdown) is not a reply");
	raw_hdr(frame, CTL_VERSION, CTL_REQ_LOCKDOWN, 2);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), -1);
	expect_why("payload length 2 exceeds 1 for req-lockdown");
	raw_hdr(frame, CTL_VERSION, CTL_REQ_LOCKDOWN, 0);
	assert_int_equal(ctl_hdr_decode(frame, CTL_HDR_LEN, CTL_DIR_REQ, &h,
	    why, sizeof(why)), 0);
}

static void
test_lockdown_request_refusals(void **state)
{
	static const uint8_t	 two[] = { 2 }, ff[] = { 0xff };
	static const uint8_t	 extra[] = { 1, 0 };

	assert_int_equal(ctl_payload_decode(CTL_REQ_LOCKDOWN, two, 1, &pl,
	    why, sizeof(why)), -1);
	expect_why("req-lockdown: on: 2 is not 0 or 1");
	assert_int_equal(ctl_payload_decode(CTL_REQ_LOCKDOWN, ff, 1, &pl,
	    why, sizeof(why)), -1);
	expect_why("on: 255 is not 0 or 1");
	assert_int_equal(ctl_payload_decode(CTL_REQ_LOCKDOWN, "", 0, &pl,
	    why, sizeof(why)), -1);
	expect_why("req-lockdown: on: payload truncated");
	/* Past the catalogue's maximum, and straight to the decoder. */
	assert_int_equal(ctl_payload_decode(CTL_REQ_LOCKDOWN, extra, 2, &pl,
	    why, sizeof(why)), -1);
	expect_why("req-lockdown: payload length 2 exceeds 1");
	assert_int_equal(ctl_lockdown_decode(extra, 2, &pl, why, sizeof(why)),
	    -1);
	expect_why("lockdown: trailing bytes");

	/* Nor does the encoder send a flag the decoder refuses. */
	memset(&in, 0, sizeof(in));
	in.lockdown.on = 2;
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame),
	    CTL_REQ_LOCKDOWN, &in), -1);
}

/* A STATUS payload by hand up to the processes (none), for the rules. */
static void
raw_status_head(void)
{
	raw_begin();
	wire_put_str(&wb, "0.1.0");
	wire_put_u64(&wb, 1);
	wire_put_u64(&wb, 2);
	wire_put_u32(&wb, 0);
	wire_put_str(&wb, "/c");
	wire_put_u32(&wb, 0);
}

static void
raw_status(uint8_t lockdown, const char *by, uint64_t since,
    const char *broker)
{
	raw_status_head();
	wire_put_u8(&wb, lockdown);
	wire_put_str(&wb, by);
	wire_put_u64(&wb, since);
	wire_put_str(&wb, broker);
}

static void
test_status_lockdown_rules(void **state)
{
	char	 big[256];

	/* The good shapes, built by hand, are accepted. */
	raw_status(0, "", 0, "connected");
	assert_int_equal(ctl_payload_decode(CTL_REP_STATUS, raw, wb.len, &pl,
	    why, sizeof(why)), 0);
	assert_string_equal(pl.status.broker, "connected");
	raw_status(1, "uid 1000 (alice)", 0, "starting");
	assert_int_equal(ctl_payload_decode(CTL_REP_STATUS, raw, wb.len, &pl,
	    why, sizeof(why)), 0);
	assert_int_equal(pl.status.lockdown, 1);
	assert_string_equal(pl.status.lockdown_by, "uid 1000 (alice)");

	raw_status(2, "uid 0 (root)", 5, "connected");
	expect_refused(CTL_REP_STATUS, "rep-status: lockdown: 2 is not 0 or 1");
	raw_status(1, "", 5, "connected");
	expect_refused(CTL_REP_STATUS, "lockdown_by: empty while lockdown "
	    "is on");
	raw_status(0, "uid 0 (root)", 0, "connected");
	expect_refused(CTL_REP_STATUS, "lockdown_by: set while lockdown is "
	    "off");
	raw_status(0, "", 1795813500ULL, "connected");
	expect_refused(CTL_REP_STATUS, "lockdown_since: set while lockdown "
	    "is off");
	raw_status(0, "", 0, "");
	expect_refused(CTL_REP_STATUS, "broker: empty");
	raw_status(1, "uid 0\t(root)", 5, "connected");
	expect_refused(CTL_REP_STATUS, "lockdown_by: string holds a control "
	    "character");
	raw_status(0, "", 0, "down: \x1b[2J");
	expect_refused(CTL_REP_STATUS, "broker: string holds a control "
	    "character");

	/* Each string one byte past its field. */
	memset(big, 'x', sizeof(big));
	big[sizeof(((struct ctl_status *)0)->lockdown_by)] = '\0';
	raw_status(1, big, 5, "connected");
	expect_refused(CTL_REP_STATUS, "lockdown_by: string too long");
	memset(big, 'x', sizeof(big));
	big[sizeof(((struct ctl_status *)0)->broker)] = '\0';
	raw_status(0, "", 0, big);
	expect_refused(CTL_REP_STATUS, "broker: string too long");

	/* A status from before lockdown existed, or cut within its fields. */
	raw_status_head();
	expect_refused(CTL_REP_STATUS, "lockdown: payload truncated");
	raw_status_head();
	wire_put_u8(&wb, 1);
	wire_put_str(&wb, "uid 0 (root)");
	wire_put_u32(&wb, 0);
	expect_refused(CTL_REP_STATUS, "lockdown_since: payload truncated");
	raw_status_head();
	wire_put_u8(&wb, 0);
	wire_put_str(&wb, "");
	wire_put_u64(&wb, 0);
	expect_refused(CTL_REP_STATUS, "broker: payload truncated");
	raw_status(0, "", 0, "connected");
	wire_put_u8(&wb, 0);
	expect_refused(CTL_REP_STATUS, "status: trailing bytes");
}

static void
test_status_encoder_refuses_disagreement(void **state)
{
	struct ctl_status	 st;

	/* What the decoder would refuse is never sent. */
	sample_status(&st);
	st.lockdown = 2;
	strlcpy(st.lockdown_by, "uid 0 (root)", sizeof(st.lockdown_by));
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);

	sample_status(&st);
	st.lockdown = 1;
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);

	sample_status(&st);
	strlcpy(st.lockdown_by, "uid 0 (root)", sizeof(st.lockdown_by));
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);

	sample_status(&st);
	st.lockdown_since = 1;
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);

	sample_status(&st);
	st.broker[0] = '\0';
	assert_int_equal(ctl_frame_status(frame, sizeof(frame), &st), -1);
	memset(&in, 0, sizeof(in));
	in.status = st;
	assert_int_equal(ctl_frame_payload(frame, sizeof(frame),
	    CTL_REP_STATUS, &in), -1);

	/* Too long is cut, not refused: the monitor can always answer. */
	sample_status(&st);
	st.lockdown = 1;
	memset(st.lockdown_by, 'w', sizeof(st.lockdown_by) - 1);
	st.lockdown_since = 7;
	assert_true(ctl_frame_status(frame, sizeof(frame), &st) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_roundtrip),
		cmocka_unit_test(test_msg_roundtrip),
		cmocka_unit_test(test_msg_encode_cuts_and_cleans),
		cmocka_unit_test(test_status_roundtrip),
		cmocka_unit_test(test_status_full_fits),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_oversized_length),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_wrong_direction),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_nul_and_control_in_string),
		cmocka_unit_test(test_too_many_procs),
		cmocka_unit_test(test_key_requests_roundtrip),
		cmocka_unit_test(test_key_replies_roundtrip),
		cmocka_unit_test(test_key_messages_full_fit),
		cmocka_unit_test(test_key_field_rules),
		cmocka_unit_test(test_key_directions),
		cmocka_unit_test(test_name_and_role_rules),
		cmocka_unit_test(test_lockdown_request_roundtrip),
		cmocka_unit_test(test_lockdown_request_refusals),
		cmocka_unit_test(test_status_lockdown_rules),
		cmocka_unit_test(test_status_encoder_refuses_disagreement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
