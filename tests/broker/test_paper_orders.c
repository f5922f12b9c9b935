/*
 * MT5's pending orders in the paper engine (broker/paper_exec.c): a
 * stop-limit becomes its limit when the stop price is reached, DAY and
 * specified expirations end orders (10022 for one already past), and a
 * modify changes price, stoplimit, SL, TP and expiration keeping the
 * ticket.
 */
#include "paper_test.h"

#define T0_S	(T0 / 1000)		/* 2023-11-14T22:13:20Z */
#define MIDNIGHT 1700006400LL		/* 2023-11-15T00:00:00Z */

static uint64_t
pending(struct paper_engine *e, enum paper_order_type t, double price,
    double stoplimit, enum paper_type_time tt, int64_t exp, uint32_t want)
{
	struct paper_request	rq;
	struct paper_result	r;

	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", t, 0.1);
	rq.type_filling = PAPER_FILLING_RETURN;
	rq.price = price;
	rq.stoplimit = stoplimit;
	rq.type_time = tt;
	rq.expiration = exp;
	assert_int_equal(paper_send(e, &rq, T0, &r), want);
	return r.order;
}

static void
test_stop_limit(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	const struct paper_order *o;
	const struct paper_position *p;
	struct reclog		 log = { 0 };
	uint64_t		 t, s;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	/* A buy stop-limit: stop above the ask, its limit below the stop. */
	pending(e, PAPER_ORDER_BUY_STOP_LIMIT, 1.10500, 1.10600,
	    PAPER_TIME_GTC, 0, PAPER_RC_INVALID_PRICE);
	pending(e, PAPER_ORDER_BUY_STOP_LIMIT, 1.09900, 1.09800,
	    PAPER_TIME_GTC, 0, PAPER_RC_INVALID_PRICE);
	pending(e, PAPER_ORDER_BUY_STOP_LIMIT, 1.10500, 0,
	    PAPER_TIME_GTC, 0, PAPER_RC_INVALID_PRICE);
	pending(e, PAPER_ORDER_BUY_LIMIT, 1.09500, 1.09400,
	    PAPER_TIME_GTC, 0, PAPER_RC_INVALID_PRICE);
	t = pending(e, PAPER_ORDER_BUY_STOP_LIMIT, 1.10500, 1.10300,
	    PAPER_TIME_GTC, 0, PAPER_RC_PLACED);
	s = pending(e, PAPER_ORDER_SELL_STOP_LIMIT, 1.09500, 1.09700,
	    PAPER_TIME_GTC, 0, PAPER_RC_PLACED);
	assert_non_null(o = paper_order_get(e, t));
	assert_int_equal(o->type, PAPER_ORDER_BUY_STOP_LIMIT);
	assert_money(o->stoplimit, 1.103);

	/* The ask reaches the stop: a buy limit at 1.10300, same ticket. */
	paper_set_journal(e, rec_add, &log);
	paper_tick(e, "EURUSD", 1.10490, 1.10500, T0 + 1);
	assert_non_null(o = paper_order_get(e, t));
	assert_int_equal(o->type, PAPER_ORDER_BUY_LIMIT);
	assert_money(o->price, 1.103);
	assert_money(o->stoplimit, 0);
	assert_int_equal(paper_position_count(e), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.r[0].type, PAPER_REC_ORDER);
	assert_int_equal(log.r[0].u.order.type, PAPER_ORDER_BUY_LIMIT);
	/* Back down to its limit: it fills. */
	paper_tick(e, "EURUSD", 1.10290, 1.10300, T0 + 2);
	assert_null(paper_order_get(e, t));
	assert_non_null(p = paper_position_get(e, t));
	assert_money(p->price_open, 1.103);
	/* The sell stop-limit's stop: a sell limit above, at 1.09700. */
	paper_tick(e, "EURUSD", 1.09500, 1.09510, T0 + 3);
	assert_non_null(o = paper_order_get(e, s));
	assert_int_equal(o->type, PAPER_ORDER_SELL_LIMIT);
	assert_money(o->price, 1.097);
	rec_free(&log);
	paper_free(e);
}

static void
test_expiration(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	const struct paper_order *o;
	uint64_t		 day, spec, sday, gtc;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	/* Past or now: 10022; an unknown type_time too. */
	pending(e, PAPER_ORDER_BUY_LIMIT, 1.09, 0, PAPER_TIME_SPECIFIED,
	    T0_S, PAPER_RC_INVALID_EXPIRATION);
	pending(e, PAPER_ORDER_BUY_LIMIT, 1.09, 0, PAPER_TIME_SPECIFIED,
	    0, PAPER_RC_INVALID_EXPIRATION);
	pending(e, PAPER_ORDER_BUY_LIMIT, 1.09, 0, 4, 0,
	    PAPER_RC_INVALID_EXPIRATION);
	day = pending(e, PAPER_ORDER_BUY_LIMIT, 1.09, 0, PAPER_TIME_DAY, 0,
	    PAPER_RC_PLACED);
	spec = pending(e, PAPER_ORDER_SELL_STOP, 1.09, 0,
	    PAPER_TIME_SPECIFIED, T0_S + 60, PAPER_RC_PLACED);
	sday = pending(e, PAPER_ORDER_BUY_STOP, 1.11, 0,
	    PAPER_TIME_SPECIFIED_DAY, MIDNIGHT + 3600, PAPER_RC_PLACED);
	gtc = pending(e, PAPER_ORDER_SELL_LIMIT, 1.11, 0, PAPER_TIME_GTC, 0,
	    PAPER_RC_PLACED);
	assert_non_null(o = paper_order_get(e, day));
	assert_int_equal(o->expiration, MIDNIGHT);
	assert_int_equal(paper_order_get(e, sday)->expiration,
	    MIDNIGHT + 86400);
	assert_int_equal(paper_order_get(e, gtc)->expiration, 0);

	/* A second before: all there; at the time: gone, on any symbol. */
	paper_tick(e, "GBPUSD", 1.25, 1.2501, (T0_S + 59) * 1000);
	assert_non_null(paper_order_get(e, spec));
	paper_tick(e, "GBPUSD", 1.25, 1.2501, (T0_S + 60) * 1000);
	assert_null(paper_order_get(e, spec));
	assert_int_equal(paper_position_count(e), 0);
	/* The trading day ends at midnight UTC. */
	paper_tick(e, "EURUSD", 1.10000, 1.10010, MIDNIGHT * 1000 - 1);
	assert_non_null(paper_order_get(e, day));
	paper_tick(e, "EURUSD", 1.10000, 1.10010, MIDNIGHT * 1000);
	assert_null(paper_order_get(e, day));
	assert_non_null(paper_order_get(e, sday));
	paper_tick(e, "EURUSD", 1.10000, 1.10010, (MIDNIGHT + 86400) * 1000);
	assert_null(paper_order_get(e, sday));
	assert_non_null(paper_order_get(e, gtc));
	assert_int_equal(paper_order_count(e), 1);
	paper_free(e);
}

/* A pending order on sym, as pending() places them on EURUSD. */
static uint32_t
pending_on(struct paper_engine *e, const char *sym, enum paper_type_time tt,
    int64_t exp, uint64_t *ticket)
{
	struct paper_request	rq;
	struct paper_result	r;
	uint32_t		rc;

	req_init(&rq, PAPER_ACTION_PENDING, sym, PAPER_ORDER_BUY_LIMIT, 0.1);
	rq.type_filling = PAPER_FILLING_RETURN;
	rq.price = 1.09;
	rq.type_time = tt;
	rq.expiration = exp;
	rc = paper_send(e, &rq, T0, &r);
	*ticket = r.order;
	return rc;
}

/*
 * The trading day ends at the symbol's session_end, not at midnight:
 * a DAY order placed at 22:13:20 UTC on a symbol whose day ends at
 * 22:00 lasts until 22:00 the next day, one whose day ends at 23:00 an
 * hour.  SYMBOL_EXPIRATION_MODE: a type_time the symbol does not list
 * is 10022, at placing and at a modify.
 */
static void
test_session_end_and_expiration_modes(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_symbol	 s;
	struct paper_request	 rq;
	struct paper_result	 r;
	const char		*why = NULL;
	uint64_t		 t22, t23, spec, gtc;

	sym_init(&s, "EUR.S22", "EUR", "USD", 5, 100000);
	s.session_end = 22 * 3600;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "EUR.S23", "EUR", "USD", 5, 100000);
	s.session_end = 23 * 3600;
	s.expiration = PAPER_EXPIRATION_GTC | PAPER_EXPIRATION_DAY |
	    PAPER_EXPIRATION_SPECIFIED_DAY;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "EUR.GTC", "EUR", "USD", 5, 100000);
	s.expiration = PAPER_EXPIRATION_GTC;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "EUR.BAD", "EUR", "USD", 5, 100000);
	s.session_end = 86400;
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_string_equal(why, "session_end");
	s.session_end = 0;
	s.expiration = 0x10;
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_string_equal(why, "expiration");

	paper_tick(e, "EUR.S22", 1.10000, 1.10010, T0);
	paper_tick(e, "EUR.S23", 1.10000, 1.10010, T0);
	paper_tick(e, "EUR.GTC", 1.10000, 1.10010, T0);
	/* T0 is 22:13:20 UTC: past today's 22:00, before 23:00. */
	assert_int_equal(pending_on(e, "EUR.S22", PAPER_TIME_DAY, 0, &t22),
	    PAPER_RC_PLACED);
	assert_int_equal(paper_order_get(e, t22)->expiration,
	    MIDNIGHT + 22 * 3600);
	assert_int_equal(pending_on(e, "EUR.S23", PAPER_TIME_DAY, 0, &t23),
	    PAPER_RC_PLACED);
	assert_int_equal(paper_order_get(e, t23)->expiration,
	    MIDNIGHT - 3600);
	/* SPECIFIED_DAY: the end of the trading day the time is in. */
	assert_int_equal(pending_on(e, "EUR.S23", PAPER_TIME_SPECIFIED_DAY,
	    MIDNIGHT + 86400 + 23 * 3600 - 1, &spec), PAPER_RC_PLACED);
	assert_int_equal(paper_order_get(e, spec)->expiration,
	    MIDNIGHT + 86400 + 23 * 3600);
	/* Not listed: 10022, for every type_time but the ones allowed. */
	assert_int_equal(pending_on(e, "EUR.S23", PAPER_TIME_SPECIFIED,
	    T0_S + 60, &gtc), PAPER_RC_INVALID_EXPIRATION);
	assert_int_equal(pending_on(e, "EUR.GTC", PAPER_TIME_DAY, 0, &gtc),
	    PAPER_RC_INVALID_EXPIRATION);
	assert_int_equal(pending_on(e, "EUR.GTC", PAPER_TIME_GTC, 0, &gtc),
	    PAPER_RC_PLACED);
	/* A modify to a type_time the symbol does not allow: 10022. */
	req_init(&rq, PAPER_ACTION_MODIFY, "EUR.GTC", PAPER_ORDER_BUY_LIMIT,
	    0);
	rq.order = gtc;
	rq.price = 1.08;
	rq.type_time = PAPER_TIME_DAY;
	assert_int_equal(paper_send(e, &rq, T0, &r),
	    PAPER_RC_INVALID_EXPIRATION);

	/* At 23:00 the S23 day order goes; S22's lasts to tomorrow. */
	paper_tick(e, "EUR.S23", 1.10000, 1.10010, (MIDNIGHT - 3600) * 1000);
	assert_null(paper_order_get(e, t23));
	assert_non_null(paper_order_get(e, t22));
	paper_tick(e, "EUR.S22", 1.10000, 1.10010,
	    (MIDNIGHT + 22 * 3600) * 1000);
	assert_null(paper_order_get(e, t22));
	assert_non_null(paper_order_get(e, spec));
	paper_free(e);
}

/* The order record a DEL of ticket t carried, from the change stream. */
static const struct paper_order *
gone(const struct reclog *l, uint64_t t)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->r[i].type == PAPER_REC_ORDER &&
		    l->r[i].op == PAPER_OP_DEL && l->r[i].u.order.ticket == t)
			return &l->r[i].u.order;
	return NULL;
}

/*
 * Each way an order goes says why in its DEL record (ORDER_STATE), so
 * that the monitor can tell an expiry from a cancel or a fill.
 */
static void
test_removal_reason(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r;
	struct reclog		 log = { 0 };
	uint64_t		 exp, can, fill, poor;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	exp = pending(e, PAPER_ORDER_BUY_LIMIT, 1.09, 0, PAPER_TIME_SPECIFIED,
	    T0_S + 60, PAPER_RC_PLACED);
	can = pending(e, PAPER_ORDER_BUY_LIMIT, 1.08, 0, PAPER_TIME_GTC, 0,
	    PAPER_RC_PLACED);
	fill = pending(e, PAPER_ORDER_SELL_LIMIT, 1.10100, 0, PAPER_TIME_GTC,
	    0, PAPER_RC_PLACED);
	assert_int_equal(paper_order_get(e, can)->state, PAPER_STATE_PLACED);
	paper_set_journal(e, rec_add, &log);

	req_init(&rq, PAPER_ACTION_REMOVE, "EURUSD", PAPER_ORDER_BUY, 0);
	rq.order = can;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	paper_tick(e, "EURUSD", 1.10100, 1.10110, T0 + 1);
	paper_tick(e, "EURUSD", 1.10000, 1.10010, (T0_S + 60) * 1000);
	assert_non_null(gone(&log, can));
	assert_int_equal(gone(&log, can)->state, PAPER_STATE_CANCELED);
	assert_non_null(gone(&log, fill));
	assert_int_equal(gone(&log, fill)->state, PAPER_STATE_FILLED);
	assert_non_null(gone(&log, exp));
	assert_int_equal(gone(&log, exp)->state, PAPER_STATE_EXPIRED);
	rec_free(&log);
	paper_free(e);

	/*
	 * Triggered without the margin: the server rejects it.  5 lots at
	 * 1:100 need about 5450 of 10000 when placed; the 5 bought then
	 * take 5500, so at its price the order no longer fits.
	 */
	e = mk(PAPER_HEDGING, 10000);
	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_LIMIT, 5);
	rq.type_filling = PAPER_FILLING_RETURN;
	rq.price = 1.09;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	poor = r.order;
	market(e, "EURUSD", PAPER_ORDER_BUY, 5);
	paper_set_journal(e, rec_add, &log);
	paper_tick(e, "EURUSD", 1.08990, 1.09000, T0 + 1);
	assert_null(paper_order_get(e, poor));
	assert_non_null(gone(&log, poor));
	assert_int_equal(gone(&log, poor)->state, PAPER_STATE_REJECTED);
	rec_free(&log);
	paper_free(e);
}

static uint32_t
modify(struct paper_engine *e, uint64_t t, double price, double stoplimit,
    double sl, double tp, enum paper_type_time tt, int64_t exp)
{
	struct paper_request	rq;
	struct paper_result	r;

	memset(&rq, 0, sizeof(rq));
	rq.action = PAPER_ACTION_MODIFY;
	rq.order = t;
	rq.price = price;
	rq.stoplimit = stoplimit;
	rq.sl = sl;
	rq.tp = tp;
	rq.type_time = tt;
	rq.expiration = exp;
	paper_send(e, &rq, T0, &r);
	if (r.retcode == PAPER_RC_DONE)
		assert_int_equal(r.order, t);
	return r.retcode;
}

static void
test_modify(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	const struct paper_order *o;
	uint64_t		 t;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	t = pending(e, PAPER_ORDER_BUY_STOP_LIMIT, 1.10500, 1.10300,
	    PAPER_TIME_GTC, 0, PAPER_RC_PLACED);
	assert_int_equal(modify(e, t, 1.106, 1.104, 1.1, 1.11,
	    PAPER_TIME_SPECIFIED, T0_S + 3600), PAPER_RC_DONE);
	assert_non_null(o = paper_order_get(e, t));
	assert_int_equal(paper_order_count(e), 1);
	assert_money(o->price, 1.106);
	assert_money(o->stoplimit, 1.104);
	assert_money(o->sl, 1.1);
	assert_money(o->tp, 1.11);
	assert_int_equal(o->type_time, PAPER_TIME_SPECIFIED);
	assert_int_equal(o->expiration, T0_S + 3600);
	/* The same again: no changes; a bad limit, a past expiration. */
	assert_int_equal(modify(e, t, 1.106, 1.104, 1.1, 1.11,
	    PAPER_TIME_SPECIFIED, T0_S + 3600), PAPER_RC_NO_CHANGES);
	assert_int_equal(modify(e, t, 1.106, 1.107, 1.1, 1.11,
	    PAPER_TIME_GTC, 0), PAPER_RC_INVALID_PRICE);
	assert_int_equal(modify(e, t, 1.106, 1.104, 1.1, 1.11,
	    PAPER_TIME_SPECIFIED, T0_S - 1), PAPER_RC_INVALID_EXPIRATION);
	assert_int_equal(modify(e, t, 1.106, 1.104, 1.1, 1.11, 9, 0),
	    PAPER_RC_INVALID_EXPIRATION);
	/* Back to GTC; SL and TP removed. */
	assert_int_equal(modify(e, t, 1.106, 1.104, 0, 0, PAPER_TIME_GTC, 0),
	    PAPER_RC_DONE);
	assert_int_equal(paper_order_get(e, t)->expiration, 0);
	assert_money(paper_order_get(e, t)->sl, 0);
	/* A plain order takes no stoplimit. */
	t = pending(e, PAPER_ORDER_SELL_LIMIT, 1.10500, 0, PAPER_TIME_DAY, 0,
	    PAPER_RC_PLACED);
	assert_int_equal(modify(e, t, 1.107, 1.108, 0, 0, PAPER_TIME_DAY, 0),
	    PAPER_RC_INVALID_PRICE);
	assert_int_equal(modify(e, t, 1.107, 0, 0, 0, PAPER_TIME_DAY, 0),
	    PAPER_RC_DONE);
	assert_int_equal(paper_order_get(e, t)->expiration, MIDNIGHT);
	paper_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_limit),
		cmocka_unit_test(test_expiration),
		cmocka_unit_test(test_removal_reason),
		cmocka_unit_test(test_session_end_and_expiration_modes),
		cmocka_unit_test(test_modify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
