/*
 * The paper engine's requests (broker/paper_request.c): every return code
 * reached by some request, and paper_check() leaving the engine as it
 * was.
 */
#include "paper_test.h"

/* The comment of a result: the code's description, as MT5 cut to 31. */
static void
assert_rc_comment(const char *comment, uint32_t code)
{
	char	want[PAPER_COMMENT_MAX];

	strlcpy(want, trade_retcode_text(code), sizeof(want));
	assert_string_equal(comment, want);
}

/* Each return code in the list, reached by a request that earns it. */
static void
test_retcodes(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_symbol	 s;
	struct paper_request	 rq;
	struct paper_result	 r;
	const char		*why;
	uint64_t		 t;

	sym_init(&s, "EURGBP", "EUR", "USD", 5, 100000);	/* no quotes */
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "OFFUSD", "OFF", "USD", 5, 100000);
	s.trade_mode = PAPER_TRADE_DISABLED;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "CLOUSD", "CLO", "USD", 5, 100000);
	s.trade_mode = PAPER_TRADE_CLOSEONLY;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "LIQUSD", "LIQ", "USD", 5, 100000);
	s.liquidity = 0.5;
	s.exec_mode = PAPER_EXEC_INSTANT;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	paper_tick(e, "CLOUSD", 1.10000, 1.10010, T0);
	paper_tick(e, "OFFUSD", 1.10000, 1.10010, T0);
	paper_tick(e, "LIQUSD", 1.10000, 1.10010, T0);

	/* 10009 done */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	assert_rc_comment(r.comment, PAPER_RC_DONE);
	assert_money(r.price, 1.1001);
	assert_money(r.ask, 1.1001);
	assert_money(r.bid, 1.1);
	assert_true(r.deal != 0 && r.order != 0);
	t = r.order;

	/* 10013 invalid request: unknown action, unknown symbol, CLOSE_BY */
	req_init(&rq, 99, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);
	req_init(&rq, PAPER_ACTION_DEAL, "NOPE", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);
	req_init(&rq, PAPER_ACTION_CLOSE_BY, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY_LIMIT, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);

	/* 10017 trade disabled; 10044 close only */
	req_init(&rq, PAPER_ACTION_DEAL, "OFFUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_TRADE_DISABLED);
	req_init(&rq, PAPER_ACTION_DEAL, "CLOUSD", PAPER_ORDER_SELL, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_CLOSE_ONLY);

	/* 10018 market closed; before the volume check */
	paper_set_session(e, "EURUSD", 0);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 0.001);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_MARKET_CLOSED);
	paper_set_session(e, "EURUSD", 1);

	/* 10021 no quotes */
	req_init(&rq, PAPER_ACTION_DEAL, "EURGBP", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PRICE_OFF);

	/* 10014 invalid volume: below min, above max, off step, zero */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 0.001);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_VOLUME);
	rq.volume = 101;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_VOLUME);
	rq.volume = 0.015;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_VOLUME);
	rq.volume = 0;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_VOLUME);

	/* 10030 invalid fill: RETURN is not among EURUSD's fillings */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 0.1);
	rq.type_filling = PAPER_FILLING_RETURN;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_FILL);
	rq.type_filling = 7;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_FILL);

	/* 10010 partial (IOC over liquidity), 10006 FOK over it */
	req_init(&rq, PAPER_ACTION_DEAL, "LIQUSD", PAPER_ORDER_BUY, 0.8);
	rq.type_filling = PAPER_FILLING_IOC;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE_PARTIAL);
	assert_money(r.volume, 0.5);
	rq.type_filling = PAPER_FILLING_FOK;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_REJECT);

	/* 10004 requote: instant execution, price beyond deviation */
	req_init(&rq, PAPER_ACTION_DEAL, "LIQUSD", PAPER_ORDER_BUY, 0.1);
	rq.price = 1.10050;
	rq.deviation = 10;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_REQUOTE);
	rq.deviation = 40;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);

	/* 10015 invalid price: buy limit above the ask, within stops level */
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_LIMIT,
	    0.1);
	rq.price = 1.10100;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_PRICE);
	rq.price = 1.10005;	/* 5 points under the ask, level is 10 */
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_PRICE);
	rq.price = 0;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_PRICE);

	/* 10016 invalid stops: SL above the bid for a buy, too close */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 0.1);
	rq.sl = 1.10005;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_STOPS);
	rq.sl = 1.09995;	/* 5 points, level is 10 */
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_STOPS);
	rq.sl = 0;
	rq.tp = 1.09;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_STOPS);

	/* 10019 no money: 10 lots need 11000 */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 10);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_NO_MONEY);

	/* 10038 close volume exceeds the position; 10036 position closed */
	assert_int_equal(close_pos(e, t, 2, &r),
	    PAPER_RC_INVALID_CLOSE_VOLUME);
	assert_int_equal(close_pos(e, t, 1, &r), PAPER_RC_DONE);
	assert_int_equal(close_pos(e, t, 1, &r), PAPER_RC_POSITION_CLOSED);
	req_init(&rq, PAPER_ACTION_SLTP, "", PAPER_ORDER_BUY, 0);
	rq.position = t;
	rq.sl = 1.0;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_POSITION_CLOSED);

	/* 10008 placed, 10025 no changes, 10009 modify and remove */
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_LIMIT,
	    0.1);
	rq.price = 1.09000;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	assert_rc_comment(r.comment, PAPER_RC_PLACED);
	t = r.order;
	req_init(&rq, PAPER_ACTION_MODIFY, "", 0, 0);
	rq.order = t;
	rq.price = 1.09000;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_NO_CHANGES);
	rq.price = 1.08000;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	assert_money(paper_order_get(e, t)->price, 1.08);
	req_init(&rq, PAPER_ACTION_REMOVE, "", 0, 0);
	rq.order = t;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);
	assert_int_equal(paper_order_count(e), 0);
	paper_free(e);
}

static void
test_check(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r;
	struct paper_check	 chk;
	struct reclog		 log = { 0 };

	paper_set_journal(e, rec_add, &log);
	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	strlcpy(rq.command_id, "chk", sizeof(rq.command_id));
	assert_int_equal(paper_check(e, &rq, T0, &chk), 0);
	assert_money(chk.balance, 10000);
	assert_money(chk.margin, 1100);
	assert_money(chk.margin_free, 8900);
	assert_true(chk.margin_level > 909.09 && chk.margin_level < 909.10);
	assert_string_equal(chk.comment, "Done");
	/* Nothing happened: no position, no record, no stored command. */
	assert_int_equal(paper_position_count(e), 0);
	assert_int_equal(log.n, 0);
	assert_int_equal(paper_find_command(e, "chk", &r), -1);

	rq.volume = 10;
	assert_int_equal(paper_check(e, &rq, T0, &chk), PAPER_RC_NO_MONEY);
	assert_int_equal(chk.retcode, PAPER_RC_NO_MONEY);
	assert_rc_comment(chk.comment, PAPER_RC_NO_MONEY);
	assert_money(chk.margin, 0);
	rec_free(&log);
	paper_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retcodes),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
