/*
 * What the herald.yaml tests share: the parsed configuration and its
 * errors, parse() and the one_error()/no_errors() assertions, a scratch
 * directory for real files, and the group's setup and teardown.  Tests
 * run from the repository root.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_CONFIG_TEST_H
#define HERALD_CONFIG_TEST_H

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "mt5.h"
#include "secmem.h"

#define SAMPLE	"etc/herald.yaml"

/* A symbol entry with only the required keys. */
#define SYM(name, bid)	"      - {name: " name ", start_bid: " bid "}\n"

static struct herald_conf	conf;
static struct conf_errors	errs;
static char			tmpdir[] = "/tmp/test_config.XXXXXX";
static char			made[8][PATH_MAX];
static int			nmade;

static inline int
parse(const char *yaml)
{
	config_defaults(&conf);
	return config_parse(&conf, "t.yaml", yaml, strlen(yaml), &errs);
}

static inline void
dump_errors(void)
{
	size_t	i;

	for (i = 0; i < errs.n; i++)
		print_message("  error: %s\n", errs.msg[i]);
}

/* yaml must give exactly one error, want. */
static inline void
one_error(const char *yaml, const char *want)
{
	int	n;

	n = parse(yaml);
	if (n != 1 || errs.n != 1 || strcmp(errs.msg[0], want) != 0) {
		print_message("input:\n%s\nwanted: %s\n", yaml, want);
		dump_errors();
	}
	assert_int_equal(n, 1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);
}

static inline void
no_errors(const char *yaml)
{
	int	n;

	if ((n = parse(yaml)) != 0) {
		print_message("input:\n%s\n", yaml);
		dump_errors();
	}
	assert_int_equal(n, 0);
	assert_int_equal(errs.n, 0);
}

static inline int
teardown(void **state)
{
	int	i;

	config_free(&conf);
	for (i = 0; i < nmade; i++)
		unlink(made[i]);
	nmade = 0;
	return 0;
}

static inline int
group_setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static inline int
group_teardown(void **state)
{
	return rmdir(tmpdir);
}

/* A symbol at its per-key defaults but for these. */
static inline void
check_symbol(const struct conf_symbol *s, const char *name,
    const char *base, const char *profit, int digits, double contract,
    double bid, int spread, int max_step, int calc_mode)
{
	assert_string_equal(s->name, name);
	assert_string_equal(s->currency_base, base);
	assert_string_equal(s->currency_profit, profit);
	assert_int_equal(s->digits, digits);
	assert_true(s->contract_size == contract);
	assert_true(s->volume_min == 0.01);
	assert_true(s->volume_max == 100);
	assert_true(s->volume_step == 0.01);
	assert_int_equal(s->stops_level, 0);
	assert_int_equal(s->filling, PAPER_FILL_FOK | PAPER_FILL_IOC);
	assert_int_equal(s->trade_mode, PAPER_TRADE_FULL);
	assert_int_equal(s->exec_mode, PAPER_EXEC_MARKET);
	assert_int_equal(s->calc_mode, calc_mode);
	assert_true(s->liquidity == 0);
	assert_true(s->start_bid == bid);
	assert_int_equal(s->spread, spread);
	assert_int_equal(s->max_step, max_step);
	assert_int_equal(s->session_open, 1);
}

#endif /* HERALD_CONFIG_TEST_H */
