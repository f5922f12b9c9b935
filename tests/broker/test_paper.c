/*
 * The paper engine's state (broker/paper.c): symbols it refuses, the
 * limits on positions and orders, idempotent command ids, many commands,
 * and the bound on the history kept in memory.
 */
#include "paper_test.h"

/* Limits from the configuration: 10040 positions, 10033 orders. */
static void
test_limits(void **state)
{
	struct paper_config	 c;
	struct paper_engine	*e;
	struct paper_request	 rq;
	struct paper_result	 r;

	conf_init(&c, PAPER_HEDGING, 10000);
	c.max_positions = 1;
	c.max_orders = 1;
	assert_non_null(e = paper_new(&c));
	add_symbols(e);
	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	market(e, "EURUSD", PAPER_ORDER_BUY, 0.1);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 0.1);
	assert_int_equal(paper_send(e, &rq, T0, &r),
	    PAPER_RC_LIMIT_POSITIONS);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_SELL_LIMIT,
	    0.1);
	rq.price = 1.2;
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_PLACED);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_LIMIT_ORDERS);
	paper_free(e);

	/* The configuration itself is checked. */
	conf_init(&c, PAPER_HEDGING, 10000);
	c.leverage = 0;
	assert_null(paper_new(&c));
	conf_init(&c, 1, 10000);
	assert_null(paper_new(&c));
}

static void
test_symbol_refused(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1000);
	struct paper_symbol	 s;
	const char		*why = NULL;

	sym_init(&s, "EURGBP", "EUR", "GBP", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_non_null(strstr(why, "currency"));
	sym_init(&s, "EURUSD", "EUR", "USD", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_non_null(strstr(why, "duplicate"));
	sym_init(&s, "X", "EUR", "USD", 5, 100000);
	s.volume_step = 0.03;
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_string_equal(why, "volume_min");
	sym_init(&s, "X", "EUR", "USD", 5, 100000);
	s.point = 0.001;
	assert_int_equal(paper_add_symbol(e, &s, &why), -1);
	assert_string_equal(why, "point");
	assert_int_equal(paper_tick(e, "EURUSD", 1.1, 1.0, T0), -1);
	assert_int_equal(paper_tick(e, "NOPE", 1.1, 1.2, T0), -1);
	paper_free(e);
}

static void
test_idempotent(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r1, r2, r3;
	struct reclog		 log = { 0 };

	paper_set_journal(e, rec_add, &log);
	paper_tick(e, "EURUSD", 1.10000, 1.10000, T0);
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	strlcpy(rq.command_id, "cmd-1", sizeof(rq.command_id));
	assert_int_equal(paper_send(e, &rq, T0, &r1), PAPER_RC_DONE);
	log.n = 0;
	paper_tick(e, "EURUSD", 1.10100, 1.10100, T0 + 1);
	assert_int_equal(paper_send(e, &rq, T0 + 2, &r2), PAPER_RC_DONE);
	assert_memory_equal(&r1, &r2, sizeof(r1));
	assert_int_equal(paper_position_count(e), 1);
	assert_int_equal(log.n, 0);	/* nothing changed, nothing told */
	assert_int_equal(paper_find_command(e, "cmd-1", &r3), 0);
	assert_memory_equal(&r1, &r3, sizeof(r1));
	assert_int_equal(paper_find_command(e, "cmd-2", &r3), -1);

	/* A refusal is a result too: repeated, never re-executed. */
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 100);
	strlcpy(rq.command_id, "cmd-2", sizeof(rq.command_id));
	assert_int_equal(paper_send(e, &rq, T0, &r1), PAPER_RC_NO_MONEY);
	rq.volume = 0.1;
	assert_int_equal(paper_send(e, &rq, T0, &r2), PAPER_RC_NO_MONEY);
	assert_int_equal(paper_position_count(e), 1);
	rec_free(&log);
	paper_free(e);
}

/* Many commands: the index grows and every one is still found. */
static void
test_many_commands(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 10000);
	struct paper_request	 rq;
	struct paper_result	 r;
	int			 i;

	req_init(&rq, PAPER_ACTION_REMOVE, "", 0, 0);
	rq.order = 42;
	for (i = 0; i < 1000; i++) {
		snprintf(rq.command_id, sizeof(rq.command_id), "c%d", i);
		assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_INVALID);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(rq.command_id, sizeof(rq.command_id), "c%d", i);
		assert_int_equal(paper_find_command(e, rq.command_id, &r), 0);
	}
	paper_free(e);
}

/* Bounded history: the older half goes, the newest stay and match. */
static void
test_history_bound(void **state)
{
	struct paper_config	 c;
	struct paper_engine	*e, *b;
	struct paper_request	 rq;
	struct paper_result	 r;
	struct reclog		 snap = { 0 };
	size_t			 i;
	int			 n;

	conf_init(&c, PAPER_HEDGING, 100000);
	c.max_deals = 10;
	c.max_commands = 8;
	assert_non_null(e = paper_new(&c));
	add_symbols(e);
	paper_tick(e, "EURUSD", 1.1, 1.1, T0);
	for (n = 0; n < 25; n++) {
		req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY,
		    0.01);
		snprintf(rq.command_id, sizeof(rq.command_id), "k%d", n);
		assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
		assert_true(paper_deal_count(e) <= 10);
		assert_int_equal(paper_find_command(e, rq.command_id, &r), 0);
	}
	/* 25 deals: trimmed at 10 and 20, so 5 of 10..19 and 20..24. */
	assert_int_equal(paper_deal_count(e), 10);
	assert_int_equal(paper_deal_at(e, 9)->ticket, 25);
	assert_int_equal(paper_deal_at(e, 0)->ticket, 16);
	assert_int_equal(paper_find_command(e, "k24", &r), 0);
	assert_int_equal(paper_find_command(e, "k0", &r), -1);
	for (n = 0, i = 0; n < 25; n++) {
		snprintf(rq.command_id, sizeof(rq.command_id), "k%d", n);
		if (paper_find_command(e, rq.command_id, &r) == 0)
			i++;
	}
	assert_true(i >= 4 && i <= 8);
	assert_int_equal(paper_position_count(e), 25);

	assert_int_equal(paper_export(e, rec_add, &snap), 0);
	assert_non_null(b = paper_new(&c));
	add_symbols(b);
	for (i = 0; i < snap.n; i++)
		assert_int_equal(paper_import(b, &snap.r[i]), 0);
	assert_same_export(e, b);
	rec_free(&snap);
	paper_free(e);
	paper_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_symbol_refused),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_many_commands),
		cmocka_unit_test(test_history_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
