/*
 * MT5's margin formulas by calc mode (common/margin.c), the ones the
 * paper engine charges and the monitor's risk estimate uses, against
 * figures worked out by hand at leverage 100.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "margin.h"
#include "mt5.h"

static struct margin_symbol
sym(int mode, double contract, double rate, int base_is_account)
{
	struct margin_symbol	s = { 0 };

	s.calc_mode = mode;
	s.contract_size = contract;
	s.margin_rate = rate;
	s.base_is_account = base_is_account;
	margin_resolve(&s, 0.00001);
	return s;
}

static void
near(double got, double want)
{
	if (fabs(got - want) > 1e-6)
		fail_msg("margin %.9f, want %.9f", got, want);
}

static void
test_each_mode(void **state)
{
	struct margin_symbol	s;

	/* forex: 1 * 100000 / 100 EUR, at 1.1 dollars. */
	s = sym(PAPER_CALC_FOREX, 100000, 0, 0);
	near(margin_of(&s, 100, 1, 1.1), 1100);
	/* The account's currency as the base: no conversion (USDJPY). */
	s.base_is_account = 1;
	near(margin_of(&s, 100, 1, 150), 1000);
	/* forex_no_leverage: 1 * 100000 * 0.02 EUR, at 1.1. */
	s = sym(PAPER_CALC_FOREX_NO_LEVERAGE, 100000, 0.02, 0);
	near(margin_of(&s, 100, 1, 1.1), 2200);
	/* cfd: 0.1 * 100 * 2000 * 0.05, leverage plays no part. */
	s = sym(PAPER_CALC_CFD, 100, 0.05, 0);
	near(margin_of(&s, 100, 0.1, 2000), 1000);
	near(margin_of(&s, 500, 0.1, 2000), 1000);
	/* cfd_leverage: 0.1 * 100 * 2000 / 100. */
	s = sym(PAPER_CALC_CFDLEVERAGE, 100, 0, 0);
	near(margin_of(&s, 100, 0.1, 2000), 200);
	/* cfd_index: 1 * 1 * 5000 * 0.5 / 0.25 * 0.1. */
	s = sym(PAPER_CALC_CFDINDEX, 1, 0.1, 1);
	s.tick_size = 0.25;
	s.tick_value = 0.5;
	near(margin_of(&s, 100, 1, 5000), 1000);
	/* futures: 2 * 500, whatever the price and contract. */
	s = sym(PAPER_CALC_FUTURES, 50, 0, 1);
	s.margin_initial = 500;
	near(margin_of(&s, 100, 2, 5000), 1000);
	near(margin_lot_size(&s), 500);
	/* margin_rate multiplies futures too. */
	s.margin_rate = 0.5;
	near(margin_of(&s, 100, 2, 5000), 500);
}

/* An overlapped volume's size is the caller's (margin_hedged). */
static void
test_formula_size(void **state)
{
	struct margin_symbol	s = sym(PAPER_CALC_FOREX, 100000, 0, 0);

	/* 1 lot hedged at 50000: 1 * 50000 / 100, then at 1.1. */
	near(margin_to_account(&s, margin_formula(&s, 100, 1, 1.1, 50000),
	    1.1), 550);
	s.calc_mode = PAPER_CALC_CFD;
	near(margin_to_account(&s, 7, 1.1), 7);	/* priced: as it is */
}

static void
test_resolve(void **state)
{
	struct margin_symbol	s = { 0 };

	s.contract_size = 100000;
	margin_resolve(&s, 0.001);
	near(s.margin_rate, 1);
	near(s.tick_size, 0.001);
	near(s.tick_value, 100);
	s.margin_rate = 0.3;
	s.tick_size = 0.25;
	s.tick_value = 12.5;
	margin_resolve(&s, 0.001);
	near(s.margin_rate, 0.3);
	near(s.tick_size, 0.25);
	near(s.tick_value, 12.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_mode),
		cmocka_unit_test(test_formula_size),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
