/*
 * Client sources (common/srcaddr.h): networks parsed strictly, matched
 * by prefix, and the key an IPv6 source is counted and banned under.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "srcaddr.h"

static void
parse_bad(const char *s, const char *want)
{
	struct src_net	 n;
	const char	*why = NULL;

	assert_int_equal(src_net_parse(s, &n, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, want));
}

static void
test_parse(void **state)
{
	struct src_net	 n;
	const char	*why;

	assert_int_equal(src_net_parse("192.0.2.7", &n, &why), 0);
	assert_int_equal(n.family, 4);
	assert_int_equal(n.prefix, 32);
	assert_true(src_net_valid(&n));
	assert_int_equal(src_net_parse("10.0.0.0/8", &n, &why), 0);
	assert_int_equal(n.prefix, 8);
	assert_int_equal(src_net_parse("0.0.0.0/0", &n, &why), 0);
	assert_int_equal(src_net_parse("fd00::/64", &n, &why), 0);
	assert_int_equal(n.family, 6);
	assert_int_equal(n.prefix, 64);
	assert_true(src_net_valid(&n));
	assert_int_equal(src_net_parse("::1", &n, &why), 0);
	assert_int_equal(n.prefix, 128);
	parse_bad("192.0.2.7/24", "host bits");
	parse_bad("fd00::1/64", "host bits");
	parse_bad("10.0.0.0/33", "0 to 32");
	parse_bad("fd00::/129", "0 to 128");
	parse_bad("10.0.0.0/", "0 to 32");
	parse_bad("10.0.0.0/08", "0 to 32");
	parse_bad("10.0.0.0/8x", "0 to 32");
	parse_bad("10.0.0.0/-1", "0 to 32");
	parse_bad("localhost", "not an IPv4 or IPv6");
	parse_bad("", "not an IPv4 or IPv6");
	parse_bad("1.2.3.4.5", "not an IPv4 or IPv6");
	parse_bad("fd00::/64/1", "0 to 128");
	parse_bad("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	    ":ffff:ffff", "too long");
	/* From the wire: malformed networks are told apart. */
	memset(&n, 0, sizeof(n));
	n.family = 5;
	assert_false(src_net_valid(&n));
	n.family = 4;
	n.prefix = 33;
	assert_false(src_net_valid(&n));
	n.prefix = 8;
	n.addr[1] = 1;
	assert_false(src_net_valid(&n));
	n.addr[1] = 0;
	n.addr[5] = 1;
	assert_false(src_net_valid(&n));
}

static void
test_match(void **state)
{
	struct src_net	 nets[3];
	const char	*why;

	assert_int_equal(src_net_parse("192.0.2.0/24", &nets[0], &why), 0);
	assert_int_equal(src_net_parse("fd00::/64", &nets[1], &why), 0);
	assert_int_equal(src_net_parse("127.0.0.5", &nets[2], &why), 0);
	assert_true(src_net_match(&nets[0], "192.0.2.255"));
	assert_false(src_net_match(&nets[0], "192.0.3.0"));
	assert_true(src_net_match(&nets[1], "fd00::ffff:1"));
	assert_false(src_net_match(&nets[1], "fd00:0:0:1::1"));
	assert_false(src_net_match(&nets[1], "192.0.2.1"));
	assert_false(src_net_match(&nets[0], "fd00::1"));
	assert_false(src_net_match(&nets[0], "not an address"));
	assert_true(src_nets_match(nets, 3, "127.0.0.5"));
	assert_false(src_nets_match(nets, 3, "127.0.0.6"));
	assert_false(src_nets_match(nets, 0, "127.0.0.5"));
}

static void
test_key(void **state)
{
	char	 k[SRC_KEY_MAX];

	src_key("192.0.2.7", 64, k, sizeof(k));
	assert_string_equal(k, "192.0.2.7");
	src_key("fd00:0000::1:2", 64, k, sizeof(k));
	assert_string_equal(k, "fd00::/64");
	src_key("fd00::ffff:1", 64, k, sizeof(k));
	assert_string_equal(k, "fd00::/64");
	src_key("2001:DB8:1:2:3:4:5:6", 48, k, sizeof(k));
	assert_string_equal(k, "2001:db8:1::/48");
	src_key("2001:db8::1", 128, k, sizeof(k));
	assert_string_equal(k, "2001:db8::1");
	src_key("2001:db8:ff::1", 1, k, sizeof(k));
	assert_string_equal(k, "::/1");
	src_key("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 127, k, sizeof(k));
	assert_string_equal(k, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	src_key("unix", 64, k, sizeof(k));
	assert_string_equal(k, "unix");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
