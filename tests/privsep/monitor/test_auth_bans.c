/*
 * The sources side of authentication, with the clock in the test's
 * hands: the per-key rate limit, failed-authentication bans (threshold,
 * sliding window, doubling, cap, persistence, lifting) and the exempt
 * sources and IPv6 prefixes they key on.  The harness is auth_test.h's,
 * as in test_auth.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "auth.h"
#include "auth_int.h"
#include "srcaddr.h"
#include "config.h"
#include "db.h"
#include "db_test.h"
#include "log.h"
#include "auth_test.h"

static void
test_rate_limit(void **state)
{
	char		 a[AUTH_KEY_LEN + 1], b[AUTH_KEY_LEN + 1];
	struct herald_conf c2;
	uint32_t	 retry;
	int		 i;

	conf.rate_limit.per_key = 3;
	auth_set_config(&conf);
	create("alice", "viewer", 0, NULL, a);
	create("bob", "viewer", 0, NULL, b);
	for (i = 0; i < 3; i++)
		assert_int_equal(check(a, OP_STATUS, ADDR, NULL), 200);
	assert_int_equal(check(a, OP_STATUS, ADDR, NULL), 429);
	expect(429, "rate_limited");
	expect_msg("more than 3 requests in 60 s with key 'alice' "
	    "(rate_limit.per_key)");
	retry = res.retry_after;
	/* 3 in this window weigh 3 * (60 - e) / 60 in the next. */
	assert_int_equal(retry, 80);
	/* Per key: bob is not affected. */
	assert_int_equal(check(b, OP_STATUS, ADDR, NULL), 200);
	/* Not before retry_after, and again at it. */
	now_t = T0 + retry - 1;
	assert_int_equal(check(a, OP_STATUS, ADDR, NULL), 429);
	now_t = T0 + retry;
	assert_int_equal(check(a, OP_STATUS, ADDR, NULL), 200);
	/* Rate refusals do not count towards a ban. */
	assert_int_equal(nbans, 0);
	/* A reload applies a new limit. */
	c2 = conf;
	c2.rate_limit.per_key = 1000;
	auth_set_config(&c2);
	for (i = 0; i < 20; i++)
		assert_int_equal(check(a, OP_STATUS, ADDR, NULL), 200);
}

static void
test_ban_at_threshold(void **state)
{
	char	 key[AUTH_KEY_LEN + 1];

	create("alice", "admin", 0, NULL, key);
	bad_keys(ADDR, 4);
	assert_int_equal(nbans, 0);
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
	/* The fifth failure bans; its own answer is still a 401. */
	bad_keys(ADDR, 1);
	assert_int_equal(nbans, 1);
	assert_string_equal(ban_addr, ADDR);
	assert_int_equal(ban_secs, 600);
	assert_non_null(strstr(logbuf, "SECURITY: auth: 5 failed "
	    "authentications from " ADDR " in 300 s; banned for 600 s "
	    "(strike 1)"));
	/* The sixth request, even with a good key, is refused as banned. */
	now_t += 10;
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 429);
	expect(429, "source_banned");
	assert_int_equal(res.retry_after, 590);
	expect_msg("banned for 590 more seconds");
	/* Nobody else is. */
	assert_int_equal(check(key, OP_STATUS, OTHER, NULL), 200);
	/* It ends on time. */
	now_t = T0 + 600;
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
}

static void
test_failures_slide_out(void **state)
{
	/* Four failures, then one 300 s later: the first has left. */
	bad_keys(ADDR, 1);
	now_t += 100;
	bad_keys(ADDR, 3);
	now_t = T0 + 300;
	bad_keys(ADDR, 1);
	assert_int_equal(nbans, 0);
	bad_keys(ADDR, 1);
	assert_int_equal(nbans, 1);
}

static void
test_ban_doubles_and_caps(void **state)
{
	static const uint32_t want[] = { 100, 200, 350, 350 };
	size_t	 i;

	conf.rate_limit.ban_time = 100;
	conf.rate_limit.ban_max = 350;
	auth_set_config(&conf);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bad_keys(ADDR, 5);
		assert_int_equal(nbans, (int)i + 1);
		assert_int_equal(ban_secs, want[i]);
		assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 429);
		assert_int_equal(res.retry_after, want[i]);
		now_t += want[i];		/* served */
	}
	assert_non_null(strstr(logbuf, "banned for 350 s (strike 4)"));
	/* Clean for longer than ban_max after the last ban: strike 1. */
	now_t += 351;
	bad_keys(ADDR, 5);
	assert_int_equal(ban_secs, 100);
	assert_non_null(strstr(logbuf, "banned for 100 s (strike 1)"));
}

struct bans {
	struct auth_ban_info	 b[8];
	int			 n;
};

static int
bans_cb(const struct auth_ban_info *b, void *arg)
{
	struct bans	*bs = arg;

	if (bs->n < 8)
		bs->b[bs->n++] = *b;
	return 0;
}

static char	 seen_addr[ADDR_STR_MAX];
static uint32_t	 seen_secs;
static int	 nseen;

static void
foreach_cb(const char *address, uint32_t seconds)
{
	nseen++;
	strlcpy(seen_addr, address, sizeof(seen_addr));
	seen_secs = seconds;
}

static void
test_bans_persist(void **state)
{
	struct bans	 bs;

	bad_keys(ADDR, 5);
	bad_keys(OTHER, 5);
	now_t += 5;
	bad_keys("2001:db8::1", 5);
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(auth_ban_list(bans_cb, &bs), 3);
	assert_string_equal(bs.b[0].address, ADDR);
	assert_int_equal(bs.b[0].until, T0 + 600);
	assert_int_equal(bs.b[0].strikes, 1);

	auth_close();
	now_t = T0 + 100;
	start();
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 429);
	expect(429, "source_banned");
	assert_int_equal(res.retry_after, 500);
	/* For net at start-up: what is in force, with the time left. */
	nseen = 0;
	now_t = T0 + 601;
	auth_foreach_ban(foreach_cb);
	assert_int_equal(nseen, 1);
	/* An IPv6 source is its /64 (rate_limit.ipv6_prefix). */
	assert_string_equal(seen_addr, "2001:db8::/64");
	assert_int_equal(seen_secs, 4);
	/* The ended ones are lifted lazily, and their strikes remembered. */
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(auth_ban_list(bans_cb, &bs), 1);
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 401);
	bad_keys(ADDR, 4);
	assert_int_equal(ban_secs, 1200);
	auth_close();
	start();
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 429);
	assert_int_equal(res.retry_after, 1200);
}

static void
test_ban_del(void **state)
{
	char	 msg[256];

	bad_keys(ADDR, 5);
	assert_int_equal(nbans, 1);
	assert_int_equal(auth_ban_del(ADDR, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "ban on " ADDR " lifted (600 s were left, "
	    "strike 1 forgotten)");
	/* net hears 0: forget it. */
	assert_int_equal(nbans, 2);
	assert_string_equal(ban_addr, ADDR);
	assert_int_equal(ban_secs, 0);
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 401);
	/* The count starts over: that was one, three more do not ban. */
	bad_keys(ADDR, 3);
	assert_int_equal(nbans, 2);
	/* Lifting forgets the strikes: the next ban is strike 1 again. */
	bad_keys(ADDR, 1);
	assert_int_equal(nbans, 3);
	assert_int_equal(ban_secs, 600);
	/* Gone from the database too. */
	assert_int_equal(auth_ban_del(ADDR, msg, sizeof(msg)), 0);
	auth_close();
	start();
	assert_int_equal(auth_ban_list(NULL, NULL), 0);
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 401);

	/* Failures without a ban are forgotten too. */
	assert_int_equal(auth_ban_del(ADDR, msg, sizeof(msg)), 0);
	assert_string_equal(msg, ADDR " is not banned; its 1 failed "
	    "authentication was forgotten");
	assert_int_equal(auth_ban_del(ADDR, msg, sizeof(msg)), -1);
	assert_string_equal(msg, ADDR " is not banned");
	assert_int_equal(auth_ban_del("example.com", msg, sizeof(msg)), -1);
	assert_string_equal(msg, "example.com is not a numeric IPv4 or IPv6 "
	    "address");

	/* IPv6 in any spelling, anywhere in its /64, is the same source. */
	bad_keys("2001:0db8:0:0::0001", 5);
	assert_string_equal(ban_addr, "2001:db8::/64");
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8:0::1", NULL), 429);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::ffff:2", NULL),
	    429);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8:0:1::1", NULL),
	    401);
	assert_int_equal(auth_ban_del("2001:DB8::7", msg, sizeof(msg)), 0);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::1", NULL), 401);
	/* The network as ban list shows it. */
	bad_keys("2001:db8::1", 4);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::1", NULL), 429);
	assert_int_equal(auth_ban_del("2001:db8::/64", msg, sizeof(msg)), 0);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::2", NULL), 401);
}

/*
 * rate_limit.exempt: failures are not counted and a ban does not apply;
 * ipv6_prefix 128 counts each address on its own.
 */
static void
test_exempt_and_prefix(void **state)
{
	const char	*why;

	assert_int_equal(src_net_parse("198.51.100.0/24",
	    &conf.rate_limit.exempt[0], &why), 0);
	assert_int_equal(src_net_parse("2001:db8:1::/48",
	    &conf.rate_limit.exempt[1], &why), 0);
	conf.rate_limit.nexempt = 2;
	auth_set_config(&conf);
	bad_keys("198.51.100.9", 20);
	bad_keys("2001:db8:1:2::3", 20);
	assert_int_equal(nbans, 0);
	assert_int_equal(check("hk_x", OP_STATUS, "198.51.100.9", NULL), 401);
	bad_keys(ADDR, 5);
	assert_int_equal(nbans, 1);

	conf.rate_limit.nexempt = 0;
	conf.rate_limit.ipv6_prefix = 128;
	auth_set_config(&conf);
	bad_keys("2001:db8::1", 5);
	assert_string_equal(ban_addr, "2001:db8::1");
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::1", NULL), 429);
	assert_int_equal(check("hk_x", OP_STATUS, "2001:db8::2", NULL), 401);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_rate_limit),
		T(test_ban_at_threshold),
		T(test_failures_slide_out),
		T(test_ban_doubles_and_caps),
		T(test_bans_persist),
		T(test_ban_del),
		T(test_exempt_and_prefix),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
