/*
 * herald.yaml's database key: a plain path as before, or a mapping with
 * path and busy_timeout (issue 14), each value checked with an error
 * that names the key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

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
		print_message("input:\n%s\nwanted: %s\ngot %d: %s\n", yaml,
		    want, n, n > 0 ? errs.msg[0] : "");
	assert_int_equal(n, 1);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);
}

static void
test_defaults(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_string_equal(conf.database, "/var/lib/herald/herald.db");
	assert_int_equal(conf.database_busy_timeout, 1000);
	config_free(&conf);
}

static void
test_plain_path(void **state)
{
	assert_int_equal(parse("database: /srv/h.db\n"), 0);
	assert_string_equal(conf.database, "/srv/h.db");
	assert_int_equal(conf.database_busy_timeout, 1000);
	config_free(&conf);
}

static void
test_mapping(void **state)
{
	assert_int_equal(parse("database:\n  path: /srv/h.db\n"
	    "  busy_timeout: 250\n"), 0);
	assert_string_equal(conf.database, "/srv/h.db");
	assert_int_equal(conf.database_busy_timeout, 250);
	config_free(&conf);
	assert_int_equal(parse("database: {busy_timeout: 60000}\n"), 0);
	assert_string_equal(conf.database, "/var/lib/herald/herald.db");
	assert_int_equal(conf.database_busy_timeout, 60000);
	config_free(&conf);
}

static void
test_refusals(void **state)
{
	one_error("database:\n  path: /srv/h.db\n  busy_timeout: 0\n",
	    "t.yaml:3: database.busy_timeout: expected an integer from 1 "
	    "to 60000, got \"0\"");
	one_error("database: {busy_timeout: 60001}\n",
	    "t.yaml:1: database.busy_timeout: expected an integer from 1 "
	    "to 60000, got \"60001\"");
	one_error("database: {busy_timeout: soon}\n",
	    "t.yaml:1: database.busy_timeout: expected an integer from 1 "
	    "to 60000, got \"soon\"");
	one_error("database: {path: h.db}\n",
	    "t.yaml:1: database.path: expected an absolute path, got "
	    "\"h.db\"");
	one_error("database: {path: /h.db, busy: 1}\n",
	    "t.yaml:1: database.busy: unknown key");
	one_error("database: [/h.db]\n",
	    "t.yaml:1: database: expected a string, got a list");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_plain_path),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
