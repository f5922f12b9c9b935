/*
 * The paper engine's arithmetic (broker/paper_money.c) against
 * hand-computed cases: margin and profit in account currency, the margin
 * level, deposits and rounding.
 */
#include "paper_test.h"

static void
test_margin(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 100000);
	uint64_t		 t;

	assert_money(paper_margin_calc(e, paper_symbol_get(e, "EURUSD"), 1,
	    1.1), 1100.00);
	assert_money(paper_margin_calc(e, paper_symbol_get(e, "USDJPY"), 1,
	    150), 1000.00);
	assert_money(paper_margin_calc(e, paper_symbol_get(e, "XAUUSD"), 0.1,
	    2000), 200.00);

	/* The same through opened positions. */
	assert_int_equal(paper_tick(e, "EURUSD", 1.09990, 1.10000, T0), 0);
	assert_int_equal(paper_tick(e, "USDJPY", 150.000, 150.010, T0), 0);
	assert_int_equal(paper_tick(e, "XAUUSD", 1999.50, 2000.00, T0), 0);
	t = market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_money(paper_position_get(e, t)->margin, 1100.00);
	assert_money(paper_position_get(e, t)->price_open, 1.1);
	t = market(e, "USDJPY", PAPER_ORDER_BUY, 1);
	assert_money(paper_position_get(e, t)->margin, 1000.00);
	t = market(e, "XAUUSD", PAPER_ORDER_BUY, 0.1);
	assert_money(paper_position_get(e, t)->margin, 200.00);
	paper_free(e);
}

static void
test_profit(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_result	 r;
	struct paper_account	 a;
	uint64_t		 t;

	/* EURUSD buy 1 lot 1.10000 -> 1.10100: 100.00 */
	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	t = market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	paper_tick(e, "EURUSD", 1.10100, 1.10100, T0 + 1);
	assert_money(paper_position_profit(e, paper_position_get(e, t)),
	    100.00);
	assert_int_equal(close_pos(e, t, 1, &r), PAPER_RC_DONE);
	assert_money(r.price, 1.101);
	assert_money(paper_deal_at(e, paper_deal_count(e) - 1)->profit,
	    100.00);
	paper_account_get(e, &a);
	assert_money(a.balance, 10100.00);
	assert_int_equal(paper_position_count(e), 0);

	/* USDJPY buy 1 lot 150.000 -> 150.150: 100000*0.15/150.15 = 99.90 */
	paper_tick(e, "USDJPY", 150.000, 150.000, T0);
	t = market(e, "USDJPY", PAPER_ORDER_BUY, 1);
	paper_tick(e, "USDJPY", 150.150, 150.150, T0 + 1);
	assert_money(paper_position_profit(e, paper_position_get(e, t)),
	    99.90);
	assert_int_equal(close_pos(e, t, 1, &r), PAPER_RC_DONE);
	paper_account_get(e, &a);
	assert_money(a.balance, 10199.90);

	/* A losing sell on gold: 0.1 lot 2000.00 -> ask 2010.00 = -100.00 */
	paper_tick(e, "XAUUSD", 2000.00, 2000.00, T0);
	t = market(e, "XAUUSD", PAPER_ORDER_SELL, 0.1);
	paper_tick(e, "XAUUSD", 2009.50, 2010.00, T0 + 1);
	assert_money(paper_position_profit(e, paper_position_get(e, t)),
	    -100.00);
	assert_true(paper_tick_value(e, "EURUSD") > 0.99999 &&
	    paper_tick_value(e, "EURUSD") < 1.00001);
	paper_free(e);
}

static void
test_margin_level(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_account	 a;

	paper_account_get(e, &a);
	assert_money(a.margin_level, 0);
	assert_money(a.margin_free, 10000);
	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	market(e, "EURUSD", PAPER_ORDER_BUY, 2);
	paper_tick(e, "EURUSD", 1.09500, 1.09500, T0 + 1);
	paper_account_get(e, &a);
	/* margin 2200, profit -1000, equity 9000, level 409.09% */
	assert_money(a.margin, 2200.00);
	assert_money(a.profit, -1000.00);
	assert_money(a.equity, 9000.00);
	assert_money(a.margin_free, 6800.00);
	assert_true(a.margin_level > 409.0908 && a.margin_level < 409.0910);
	assert_money(a.margin_level, a.equity / a.margin * 100);
	paper_free(e);
}

static void
test_deposit(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1000);
	struct paper_account	 a;

	assert_int_equal(paper_deposit(e, 250.004, T0, "in"), 0);
	assert_int_equal(paper_deposit(e, -5000, T0, "out"), -1);
	assert_int_equal(paper_deposit(e, 0, T0, "none"), -1);
	paper_account_get(e, &a);
	assert_money(a.balance, 1250.00);
	assert_int_equal(paper_deal_at(e, 0)->type, PAPER_DEAL_BALANCE);
	paper_free(e);
}

static void
test_rounding(void **state)
{
	assert_money(paper_round(1.234565, 5), 1.23457);
	assert_money(paper_round(-1.234565, 5), -1.23457);
	assert_money(paper_money(99.895), 99.90);
	assert_money(paper_money(-0.005), -0.01);
	assert_money(paper_money(0.15 * 100000 / 150.15), 99.90);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_margin),
		cmocka_unit_test(test_profit),
		cmocka_unit_test(test_margin_level),
		cmocka_unit_test(test_deposit),
		cmocka_unit_test(test_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
