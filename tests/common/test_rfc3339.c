/*
 * RFC 3339 date-times (common/rfc3339.c): the forms a client writes, and
 * each rule refused with its reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rfc3339.h"

static int64_t
good(const char *s)
{
	const char	*why = NULL;
	int64_t		 t = -42;

	if (rfc3339_parse(s, strlen(s), &t, &why) == -1)
		fail_msg("%s: %s", s, why);
	return t;
}

static void
bad(const char *s, size_t len, const char *want)
{
	const char	*why = NULL;
	int64_t		 t = 0;

	assert_int_equal(rfc3339_parse(s, len, &t, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void
test_forms(void **state)
{
	assert_int_equal(good("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(good("2026-12-31T21:00:00Z"), 1798750800LL);
	assert_int_equal(good("2026-12-31t21:00:00z"), 1798750800LL);
	assert_int_equal(good("2026-12-31T23:00:00+02:00"), 1798750800LL);
	assert_int_equal(good("2026-12-31T17:30:00-03:30"), 1798750800LL);
	/* The fraction is dropped, not rounded. */
	assert_int_equal(good("2026-12-31T21:00:00.999999Z"), 1798750800LL);
	assert_int_equal(good("2024-02-29T00:00:00Z"), 1709164800LL);
	assert_int_equal(good("9999-12-31T23:59:59Z"), 253402300799LL);
}

static void
test_refusals(void **state)
{
	bad("2026-12-31", 10, "too short for YYYY-MM-DDTHH:MM:SSZ");
	bad("2026-12-31 21:00:00Z", 20, "not YYYY-MM-DDTHH:MM:SS");
	bad("2026-1-31T21:00:00ZZ", 20, "not YYYY-MM-DDTHH:MM:SS");
	bad("2026-12-31T21-00:00Z", 20, "not YYYY-MM-DDTHH:MM:SS");
	bad("+026-12-31T21:00:00Z", 20, "not YYYY-MM-DDTHH:MM:SS");
	bad("2026-13-01T00:00:00Z", 20, "no such date");
	bad("2026-00-01T00:00:00Z", 20, "no such date");
	bad("2026-02-29T00:00:00Z", 20, "no such date");
	bad("2026-04-31T00:00:00Z", 20, "no such date");
	bad("2026-12-31T24:00:00Z", 20, "no such time of day");
	bad("2026-12-31T23:60:00Z", 20, "no such time of day");
	bad("2026-12-31T23:59:60Z", 20, "no such time of day");
	bad("2026-12-31T21:00:00", 19, "too short for YYYY-MM-DDTHH:MM:SSZ");
	bad("2026-12-31T21:00:00X", 20, "no time zone (Z or +HH:MM)");
	bad("2026-12-31T21:00:00+0200", 24, "no time zone (Z or +HH:MM)");
	bad("2026-12-31T21:00:00+24:00", 25, "no such time zone offset");
	bad("2026-12-31T21:00:00.Z", 21, "a '.' without digits");
	bad("2026-12-31T21:00:00Z ", 21, "no time zone (Z or +HH:MM)");
	bad("2026-12-31T21:00:00\0Z", 21, "too short for YYYY-MM-DDTHH:MM:SSZ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
