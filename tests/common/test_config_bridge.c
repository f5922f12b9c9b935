/*
 * herald.yaml's mt5.bridge keys: their defaults, their ranges, and the
 * checks between keys: a listener off this host is refused without TLS
 * (mt5.bridge.tls, with its own pair).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

#define ACCOUNT	"mt5:\n  backend: bridge\n  login: 12345678\n" \
		"  server: Demo\n"

static struct herald_conf	conf;
static struct conf_errors	errs;

static int
parse(const char *yaml)
{
	config_defaults(&conf);
	return config_parse(&conf, "t.yaml", yaml, strlen(yaml), &errs);
}

static void
one_error(const char *yaml, const char *want)
{
	int	n = parse(yaml);

	if (n != 1 || strcmp(errs.msg[0], want) != 0)
		print_message("got %d: %s\n", n, errs.n ? errs.msg[0] : "");
	assert_int_equal(n, 1);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);
}

static void
test_defaults(void **state)
{
	assert_int_equal(parse(ACCOUNT), 0);
	assert_int_equal(conf.mt5.backend, BACKEND_BRIDGE);
	assert_string_equal(conf.mt5.bridge.address, "127.0.0.1");
	assert_int_equal(conf.mt5.bridge.port, 5555);
	assert_string_equal(conf.mt5.bridge.key_file,
	    "/etc/herald/bridge.key");
	assert_int_equal(conf.mt5.bridge.tls, 0);
	config_free(&conf);
}

static void
test_keys(void **state)
{
	assert_int_equal(parse(ACCOUNT "  bridge:\n    address: ::1\n"
	    "    port: 6000\n    key_file: /srv/k\n    tls: false\n"), 0);
	assert_string_equal(conf.mt5.bridge.address, "::1");
	assert_int_equal(conf.mt5.bridge.port, 6000);
	assert_string_equal(conf.mt5.bridge.key_file, "/srv/k");
	config_free(&conf);
	assert_int_equal(parse(ACCOUNT "  bridge:\n    address: 127.1.2.3\n"),
	    0);
	config_free(&conf);
	one_error(ACCOUNT "  bridge:\n    port: 0\n",
	    "t.yaml:6: mt5.bridge.port: expected an integer from 1 to 65535, "
	    "got \"0\"");
	one_error(ACCOUNT "  bridge:\n    address: localhost\n",
	    "t.yaml:6: mt5.bridge.address: expected a numeric IPv4 or IPv6 "
	    "address, got \"localhost\"");
	one_error(ACCOUNT "  bridge:\n    key_file: relative\n",
	    "t.yaml:6: mt5.bridge.key_file: expected an absolute path, got "
	    "\"relative\"");
	one_error(ACCOUNT "  bridge:\n    colour: blue\n",
	    "t.yaml:6: mt5.bridge.colour: unknown key");
}

static void
test_remote_needs_tls(void **state)
{
	one_error(ACCOUNT "  bridge:\n    address: 192.0.2.7\n",
	    "t.yaml:6: mt5.bridge.address: 192.0.2.7 is not a loopback "
	    "address, and mt5.bridge.tls is off: the bridge carries orders "
	    "and account data, so a listener off this host needs TLS; set "
	    "mt5.bridge.tls: true (with mt5.bridge.tls_certificate and "
	    "tls_key), or use 127.0.0.1 or ::1");
	one_error(ACCOUNT "  bridge:\n    address: 0.0.0.0\n",
	    "t.yaml:6: mt5.bridge.address: 0.0.0.0 is not a loopback "
	    "address, and mt5.bridge.tls is off: the bridge carries orders "
	    "and account data, so a listener off this host needs TLS; set "
	    "mt5.bridge.tls: true (with mt5.bridge.tls_certificate and "
	    "tls_key), or use 127.0.0.1 or ::1");
	/* With TLS: off loopback, and on it too (an SSH tunnel's end). */
	assert_int_equal(parse(ACCOUNT "  bridge:\n    address: 0.0.0.0\n"
	    "    tls: true\n"), 0);
	config_free(&conf);
	assert_int_equal(parse(ACCOUNT "  bridge:\n    tls: true\n"), 0);
	config_free(&conf);
}

/* The terminal gives no margin figures: the rule would refuse all. */
static void
test_min_margin_level_refused(void **state)
{
	one_error(ACCOUNT "trading:\n  min_margin_level: 150\n",
	    "t.yaml:6: trading.min_margin_level: not available with "
	    "mt5.backend: bridge: the terminal reports no margin figures to "
	    "estimate an order's margin from, so every order would be "
	    "refused; set it to 0 and use the terminal's own margin call "
	    "and stop-out levels");
	assert_int_equal(parse(ACCOUNT "trading:\n  min_margin_level: 0\n"),
	    0);
	config_free(&conf);
}

static void
test_tls_pair(void **state)
{
	assert_int_equal(parse(ACCOUNT), 0);
	assert_string_equal(conf.mt5.bridge.tls_certificate,
	    "/etc/herald/bridge-tls.crt");
	assert_string_equal(conf.mt5.bridge.tls_key,
	    "/etc/herald/bridge-tls.key");
	config_free(&conf);
	assert_int_equal(parse(ACCOUNT "  bridge:\n    address: 0.0.0.0\n"
	    "    tls: true\n    tls_certificate: /srv/b.crt\n"
	    "    tls_key: /srv/b.key\n"), 0);
	assert_int_equal(conf.mt5.bridge.tls, 1);
	assert_string_equal(conf.mt5.bridge.tls_certificate, "/srv/b.crt");
	assert_string_equal(conf.mt5.bridge.tls_key, "/srv/b.key");
	config_free(&conf);
	one_error(ACCOUNT "  bridge:\n    tls: true\n    tls_key: b.key\n",
	    "t.yaml:7: mt5.bridge.tls_key: expected an absolute path, got "
	    "\"b.key\"");
	one_error(ACCOUNT "  bridge:\n    tls_certificate: b.crt\n",
	    "t.yaml:6: mt5.bridge.tls_certificate: expected an absolute "
	    "path, got \"b.crt\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_remote_needs_tls),
		cmocka_unit_test(test_tls_pair),
		cmocka_unit_test(test_min_margin_level_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
