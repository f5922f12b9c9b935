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

/* One symbol of each calc mode, beside add_symbols()'s. */
static void
add_mode(struct paper_engine *e, const char *name, const char *base,
    int digits, double contract, enum paper_calc_mode mode, double rate)
{
	struct paper_symbol	 s;
	const char		*why = NULL;

	sym_init(&s, name, base, "USD", digits, contract);
	s.calc_mode = mode;
	s.margin_rate = rate;
	if (mode == PAPER_CALC_CFDINDEX || mode == PAPER_CALC_FUTURES) {
		s.tick_size = 0.25;
		s.tick_value = mode == PAPER_CALC_FUTURES ? 12.5 : 0.5;
		s.margin_initial = mode == PAPER_CALC_FUTURES ? 500 : 0;
	}
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
}

/*
 * MT5's formulas, by hand, at leverage 100 and still quotes:
 *	forex		1 lot EURUSD: 100000 / 100 = 1000 EUR, at 1.1: 1100
 *	forex_no_leverage 1 lot, rate 0.02: 100000 * 0.02 = 2000 EUR: 2200
 *	cfd		0.1 lot gold, 100 oz, 2000, rate 0.05: 1000
 *	cfd_leverage	0.1 * 100 * 2000 / 100: 200
 *	cfd_index	1 lot, contract 1, 5000, tick 0.5 per 0.25, rate 0.1:
 *			1 * 1 * 5000 * 0.5 / 0.25 * 0.1 = 1000
 *	futures		2 lots, margin_initial 500: 1000
 *	forex, USD base	1 lot USDJPY: 1000, no conversion
 * A margin_rate multiplies them all: forex at 0.5 is 550.
 */
static void
test_margin_calc_modes(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1000000);

	add_mode(e, "EURUSD.NL", "EUR", 5, 100000,
	    PAPER_CALC_FOREX_NO_LEVERAGE, 0.02);
	add_mode(e, "XAUUSD.CFD", "XAU", 2, 100, PAPER_CALC_CFD, 0.05);
	add_mode(e, "US500", "USD", 2, 1, PAPER_CALC_CFDINDEX, 0.1);
	add_mode(e, "ES", "USD", 2, 50, PAPER_CALC_FUTURES, 0);
	add_mode(e, "EURUSD.HALF", "EUR", 5, 100000, PAPER_CALC_FOREX, 0.5);
	paper_tick(e, "EURUSD", 1.1, 1.1, T0);
	paper_tick(e, "EURUSD.NL", 1.1, 1.1, T0);
	paper_tick(e, "EURUSD.HALF", 1.1, 1.1, T0);
	paper_tick(e, "XAUUSD", 2000, 2000, T0);
	paper_tick(e, "XAUUSD.CFD", 2000, 2000, T0);
	paper_tick(e, "US500", 5000, 5000, T0);
	paper_tick(e, "ES", 5000, 5000, T0);
	paper_tick(e, "USDJPY", 150, 150, T0);

	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "EURUSD", PAPER_ORDER_BUY, 1))), 1100);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "EURUSD.NL", PAPER_ORDER_BUY, 1))), 2200);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "XAUUSD.CFD", PAPER_ORDER_SELL, 0.1))), 1000);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "XAUUSD", PAPER_ORDER_BUY, 0.1))), 200);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "US500", PAPER_ORDER_BUY, 1))), 1000);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "ES", PAPER_ORDER_BUY, 2))), 1000);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "USDJPY", PAPER_ORDER_SELL, 1))), 1000);
	assert_money(paper_position_margin(e, paper_position_get(e,
	    market(e, "EURUSD.HALF", PAPER_ORDER_BUY, 1))), 550);
	paper_free(e);
}

/*
 * A future's profit is ticks times tick_value: 2 lots of ES up 1.00
 * (4 ticks of 0.25, 12.50 each) make 100.00; its tick value per point
 * (0.01) per lot is 0.50.
 */
static void
test_futures_profit(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 100000);
	uint64_t		 t;

	add_mode(e, "ES", "USD", 2, 50, PAPER_CALC_FUTURES, 0);
	paper_tick(e, "ES", 5000, 5000, T0);
	t = market(e, "ES", PAPER_ORDER_BUY, 2);
	paper_tick(e, "ES", 5001, 5001, T0 + 1);
	assert_money(paper_position_profit(e, paper_position_get(e, t)), 100);
	assert_money(paper_tick_value(e, "ES"), 0.5);
	paper_free(e);
}

/*
 * Margin follows the rate: 1 lot EURUSD bought at 1.1 needs 1100, and
 * 1200 once EUR is worth 1.2, in the position and in the account.
 */
static void
test_margin_current_rate(void **state)
{
	struct paper_engine	*e = mk(PAPER_NETTING, 100000);
	struct paper_account	 a;
	uint64_t		 t;

	paper_tick(e, "EURUSD", 1.1, 1.1, T0);
	t = market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1100);
	paper_tick(e, "EURUSD", 1.2, 1.2, T0 + 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1200);
	assert_money(paper_position_margin(e, paper_position_get(e, t)), 1200);
	paper_free(e);
}

/*
 * Hedged margin (SYMBOL_MARGIN_HEDGED): an overlapped buy and sell
 * count once, with margin_hedged as the contract size; the excess of
 * the larger side counts in full.  And a hedge that adds no margin
 * needs no free margin.
 */
static void
test_hedged_margin(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1200);
	struct paper_symbol	 s;
	struct paper_account	 a;
	struct paper_request	 rq;
	struct paper_result	 r;
	const char		*why = NULL;

	paper_tick(e, "EURUSD", 1.1, 1.1, T0);
	market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1100);
	/* Free margin 100: the hedge adds nothing, so it passes. */
	market(e, "EURUSD", PAPER_ORDER_SELL, 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1100);		/* not 2200 */
	/* A third lot is uncovered: 1100 more than the 100 free. */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_NO_MONEY);
	assert_int_equal(paper_deposit(e, 10000, T0, "more"), 0);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	paper_account_get(e, &a);
	assert_money(a.margin, 2200);		/* 1 hedged + 1 uncovered */
	paper_free(e);

	/* Half the contract size per hedged lot; or none at all. */
	e = mk(PAPER_HEDGING, 100000);
	sym_init(&s, "EURUSD.H", "EUR", "USD", 5, 100000);
	s.margin_hedged = 50000;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "EURUSD.Z", "EUR", "USD", 5, 100000);
	s.margin_hedged = 0;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	paper_tick(e, "EURUSD.H", 1.1, 1.1, T0);
	paper_tick(e, "EURUSD.Z", 1.1, 1.1, T0);
	market(e, "EURUSD.H", PAPER_ORDER_BUY, 2);
	market(e, "EURUSD.H", PAPER_ORDER_SELL, 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1100 + 550);
	market(e, "EURUSD.Z", PAPER_ORDER_SELL, 1);
	market(e, "EURUSD.Z", PAPER_ORDER_BUY, 1);
	paper_account_get(e, &a);
	assert_money(a.margin, 1100 + 550);
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
	/*
	 * margin 2 * 1000 EUR at today's 1.095: 2190, profit -1000, equity
	 * 9000, level 410.96%
	 */
	assert_money(a.margin, 2190.00);
	assert_money(a.profit, -1000.00);
	assert_money(a.equity, 9000.00);
	assert_money(a.margin_free, 6810.00);
	assert_true(a.margin_level > 410.9589 && a.margin_level < 410.9590);
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
		cmocka_unit_test(test_margin_calc_modes),
		cmocka_unit_test(test_futures_profit),
		cmocka_unit_test(test_margin_current_rate),
		cmocka_unit_test(test_hedged_margin),
		cmocka_unit_test(test_deposit),
		cmocka_unit_test(test_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
