/*
 * The control protocol's key, ban and lockdown payloads
 * (common/ctlproto_keys.c): round trips, the largest that fit, and each
 * field's rules.
 */
#include "ctlproto_test.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_requests_roundtrip),
		cmocka_unit_test(test_key_replies_roundtrip),
		cmocka_unit_test(test_key_messages_full_fit),
		cmocka_unit_test(test_key_field_rules),
		cmocka_unit_test(test_key_directions),
		cmocka_unit_test(test_name_and_role_rules),
		cmocka_unit_test(test_lockdown_request_roundtrip),
		cmocka_unit_test(test_lockdown_request_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
