/*
 * The control protocol codec (common/ctlproto.c): round trips of the
 * requests, messages and status, and every way a frame from a peer can
 * be wrong.
 */
#include "ctlproto_test.h"

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
	strlcpy(st->storage, "ok", sizeof(st->storage));
	strlcpy(st->cert_state, "valid", sizeof(st->cert_state));
	st->cert_not_after = 1803589380ULL;
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

	/* A reload whose changes wait for a restart: heraldctl exits 3. */
	n = ctl_frame_msg(frame, sizeof(frame), CTL_REP_RESTART,
	    "database (restart needed)");
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_int_equal(h.type, CTL_REP_RESTART);
	assert_string_equal(pl.msg.text, "database (restart needed)");
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REQ, &h), -1);
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
	assert_string_equal(pl.status.storage, "ok");

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

	/* A storage fault, with SQLite's words. */
	strlcpy(st.storage, "unavailable: database is locked",
	    sizeof(st.storage));
	n = ctl_frame_status(frame, sizeof(frame), &st);
	assert_int_equal(decode_frame(frame, n, CTL_DIR_REP, &h), 0);
	assert_string_equal(pl.status.storage,
	    "unavailable: database is locked");

	/* The certificate in force. */
	assert_string_equal(pl.status.cert_state, "valid");
	assert_int_equal(pl.status.cert_not_after, 1803589380ULL);

	/* Never empty. */
	st.storage[0] = '\0';
	assert_true(ctl_frame_status(frame, sizeof(frame), &st) == -1);
	strlcpy(st.storage, "ok", sizeof(st.storage));
	st.cert_state[0] = '\0';
	assert_true(ctl_frame_status(frame, sizeof(frame), &st) == -1);
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
	memset(st.storage, 's', sizeof(st.storage) - 1);
	memset(st.cert_state, 'e', sizeof(st.cert_state) - 1);
	st.cert_not_after = UINT64_MAX;
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
	static const uint16_t bad[] = { 0, 40, 62, 63, 127, 1000, UINT16_MAX };
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
	wire_put_str(&wb, "ok");
	wire_put_str(&wb, "valid");
	wire_put_u64(&wb, 1803589380ULL);
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
		cmocka_unit_test(test_status_lockdown_rules),
		cmocka_unit_test(test_status_encoder_refuses_disagreement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
