/*
 * The paper engine's execution (broker/paper_exec.c): SL/TP and pending
 * triggers, pending orders without the money, partial close, netting
 * reversal and stop-out.
 */
#include "paper_test.h"

static void
test_sltp(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r;
	struct paper_account	 a;
	const struct paper_deal	*d;
	uint64_t		 t1, t2;

	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	rq.sl = 1.09500;
	rq.tp = 1.10500;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	t1 = r.order;
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_SELL, 1);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	t2 = r.order;

	/* Modify the sell's SL/TP: too close refused, then set. */
	req_init(&rq, PAPER_ACTION_SLTP, "", 0, 0);
	rq.position = t2;
	rq.sl = 1.10005;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_STOPS);
	rq.sl = 1.10300;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	assert_money(paper_position_get(e, t2)->sl, 1.103);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_NO_CHANGES);

	/* Up to the sell's SL: it closes at the ask, the buy stays. */
	paper_tick(e, "EURUSD", 1.10290, 1.10300, T0 + 1);
	assert_null(paper_position_get(e, t2));
	assert_non_null(paper_position_get(e, t1));
	d = paper_deal_at(e, paper_deal_count(e) - 1);
	assert_int_equal(d->reason, PAPER_REASON_SL);
	assert_int_equal(d->entry, PAPER_ENTRY_OUT);
	assert_money(d->profit, -300.00);
	assert_string_equal(d->comment, "[sl]");

	/* Up to the buy's TP. */
	paper_tick(e, "EURUSD", 1.10510, 1.10520, T0 + 2);
	assert_int_equal(paper_position_count(e), 0);
	d = paper_deal_at(e, paper_deal_count(e) - 1);
	assert_int_equal(d->reason, PAPER_REASON_TP);
	assert_money(d->price, 1.1051);
	assert_money(d->profit, 510.00);
	paper_account_get(e, &a);
	assert_money(a.balance, 10210.00);
	paper_free(e);
}

static void
test_pending(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r;
	const struct paper_position *p;
	uint64_t		 bl, ss, bs;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_LIMIT,
	    0.5);
	rq.price = 1.09500;
	rq.sl = 1.09000;
	rq.tp = 1.10500;
	rq.type_filling = PAPER_FILLING_RETURN;	/* always for pending */
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	bl = r.order;
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_SELL_STOP,
	    0.2);
	rq.price = 1.09800;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	ss = r.order;
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_STOP,
	    0.3);
	rq.price = 1.10200;
	rq.sl = 1.10300;	/* SL above a buy's price */
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID_STOPS);
	rq.sl = 0;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	bs = r.order;
	assert_int_equal(paper_order_count(e), 3);
	assert_int_equal(paper_position_count(e), 0);

	/* Down: the sell stop triggers at the bid, the limit not yet. */
	paper_tick(e, "EURUSD", 1.09790, 1.09800, T0 + 1);
	assert_null(paper_order_get(e, ss));
	assert_non_null(p = paper_position_get(e, ss));
	assert_int_equal(p->type, PAPER_ORDER_SELL);
	assert_money(p->price_open, 1.0979);
	assert_money(p->volume, 0.2);
	assert_non_null(paper_order_get(e, bl));

	/* Further down: the buy limit fills at the ask, with its SL/TP. */
	paper_tick(e, "EURUSD", 1.09480, 1.09490, T0 + 2);
	assert_null(paper_order_get(e, bl));
	assert_non_null(p = paper_position_get(e, bl));
	assert_int_equal(p->type, PAPER_ORDER_BUY);
	assert_money(p->price_open, 1.0949);
	assert_money(p->sl, 1.09);
	assert_money(p->tp, 1.105);
	assert_int_equal(paper_deal_at(e, paper_deal_count(e) - 1)->order, bl);

	/* Up: the buy stop triggers. */
	paper_tick(e, "EURUSD", 1.10200, 1.10210, T0 + 3);
	assert_non_null(paper_position_get(e, bs));
	assert_int_equal(paper_order_count(e), 0);
	paper_free(e);
}

static void
test_pending_no_money(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 2000);
	struct paper_request	 rq;
	struct paper_result	 r;

	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_LIMIT,
	    1);
	rq.price = 1.09;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	/*
	 * A 0.5 lot buy loses 505.00 on the way down: free margin at the
	 * trigger is 2000 - 505 - 550 = 945 < 1090, so the order is
	 * cancelled, not filled.
	 */
	market(e, "EURUSD", PAPER_ORDER_BUY, 0.5);
	paper_tick(e, "EURUSD", 1.08990, 1.09000, T0 + 1);
	assert_int_equal(paper_order_count(e), 0);
	assert_int_equal(paper_position_count(e), 1);
	paper_free(e);
}

static void
test_partial_close(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_result	 r;
	const struct paper_position *p;
	const struct paper_deal	*d;
	uint64_t		 t;

	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	t = market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	paper_tick(e, "EURUSD", 1.10200, 1.10200, T0 + 1);
	assert_int_equal(close_pos(e, t, 0.3, &r), PAPER_RC_DONE);
	assert_money(r.volume, 0.3);
	assert_non_null(p = paper_position_get(e, t));
	assert_money(p->volume, 0.7);
	assert_money(p->margin, 770.00);
	d = paper_deal_at(e, paper_deal_count(e) - 1);
	assert_int_equal(d->entry, PAPER_ENTRY_OUT);
	assert_int_equal(d->position, t);
	assert_money(d->profit, 60.00);
	assert_int_equal(close_pos(e, t, 0.71, &r),
	    PAPER_RC_INVALID_CLOSE_VOLUME);
	assert_int_equal(close_pos(e, t, 0.7, &r), PAPER_RC_DONE);
	assert_null(paper_position_get(e, t));
	paper_free(e);
}

static void
test_netting(void **state)
{
	struct paper_engine	*e = mk(PAPER_NETTING, 10000);
	struct paper_account	 a;
	const struct paper_position *p;
	const struct paper_deal	*d;
	uint64_t		 t;

	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	t = market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	paper_tick(e, "EURUSD", 1.10200, 1.10200, T0 + 1);
	market(e, "EURUSD", PAPER_ORDER_BUY, 1);	/* adds: avg 1.101 */
	assert_int_equal(paper_position_count(e), 1);
	p = paper_position_get(e, t);
	assert_money(p->volume, 2);
	assert_money(p->price_open, 1.101);

	/* Sell 3: closes 2 with profit, reverses into a 1-lot sell. */
	paper_tick(e, "EURUSD", 1.10300, 1.10300, T0 + 2);
	market(e, "EURUSD", PAPER_ORDER_SELL, 3);
	assert_int_equal(paper_position_count(e), 1);
	p = paper_position_get(e, t);
	assert_non_null(p);
	assert_int_equal(p->type, PAPER_ORDER_SELL);
	assert_money(p->volume, 1);
	assert_money(p->price_open, 1.103);
	d = paper_deal_at(e, paper_deal_count(e) - 1);
	assert_int_equal(d->entry, PAPER_ENTRY_INOUT);
	assert_money(d->volume, 3);
	assert_money(d->profit, 400.00);	/* 2 lots * 0.002 */
	paper_account_get(e, &a);
	assert_money(a.balance, 10400.00);
	assert_money(a.margin, 1103.00);

	/* Buy 1 flattens it. */
	market(e, "EURUSD", PAPER_ORDER_BUY, 1);
	assert_int_equal(paper_position_count(e), 0);
	paper_free(e);
}

static void
test_stop_out(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 3000);
	struct paper_account	 a;
	const struct paper_deal	*d;
	uint64_t		 eu, xau;

	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	paper_tick(e, "XAUUSD", 2000.00, 2000.00, T0);
	eu = market(e, "EURUSD", PAPER_ORDER_BUY, 2);	/* margin 2200 */
	xau = market(e, "XAUUSD", PAPER_ORDER_BUY, 0.1);	/* margin 200 */
	/* EURUSD -0.0140: -2800; equity 200; level 8.3% < 50% */
	paper_tick(e, "EURUSD", 1.08600, 1.08600, T0 + 1);
	assert_null(paper_position_get(e, eu));
	assert_non_null(paper_position_get(e, xau));
	d = paper_deal_at(e, paper_deal_count(e) - 1);
	assert_int_equal(d->reason, PAPER_REASON_SO);
	assert_money(d->profit, -2800.00);
	paper_account_get(e, &a);
	assert_money(a.balance, 200.00);
	assert_true(a.margin_level >= 50);
	paper_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sltp),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_pending_no_money),
		cmocka_unit_test(test_partial_close),
		cmocka_unit_test(test_netting),
		cmocka_unit_test(test_stop_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
