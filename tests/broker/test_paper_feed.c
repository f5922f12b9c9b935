/*
 * The paper engine's price feeds (broker/paper_feed.c): the replay
 * file's tick lines and the random walk's determinism.
 */
#include "paper_test.h"

static void
test_parse_tick(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1000);
	struct paper_request	 rq;
	struct paper_quote	 q;
	const char		*why = NULL;
	const char		*ok = "EURUSD,1.10001,1.10012,1700000000123"
				    "\r\n";
	static const struct {
		const char	*line;
		const char	*why;
	} bad[] = {
		{ "EURUSD", "expected SYMBOL,BID,ASK,TIME_MS" },
		{ ",1.1,1.2,1", "symbol" },
		{ "EURUSD,,1.2,1", "bid" },
		{ "EURUSD,-1.1,1.2,1", "bid" },
		{ "EURUSD,1e3,1.2,1", "bid" },
		{ "EURUSD,nan,1.2,1", "bid" },
		{ "EURUSD,0,1.2,1", "bid" },
		{ "EURUSD,1.1", "bid" },
		{ "EURUSD,1.2,1.1,1", "ask" },
		{ "EURUSD,1.1,1.2", "ask" },
		{ "EURUSD,1.1,1.2,", "time" },
		{ "EURUSD,1.1,1.2,1.5", "time" },
		{ "EURUSD,1.1,1.2,1,2", "time" },
		{ "EURUSD,1.1,1.2,12 ", "time" },
		{ "EURUSD,1.1.1,1.2,1", "bid" },
		{ "EURUSD,1234567890123456,1.2,1", "bid" },
	};
	size_t			 i;

	assert_int_equal(paper_parse_tick(ok, strlen(ok), &q, &why), 0);
	assert_string_equal(q.symbol, "EURUSD");
	assert_true(q.bid == 1.10001 && q.ask == 1.10012);
	assert_true(q.time == 1700000000123LL);
	assert_int_equal(paper_tick(e, q.symbol, q.bid, q.ask, q.time), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (paper_parse_tick(bad[i].line, strlen(bad[i].line), &q,
		    &why) != -1 || why == NULL ||
		    strcmp(why, bad[i].why) != 0) {
			print_message("line %s: why %s\n", bad[i].line,
			    why ? why : "(accepted)");
			fail();
		}
	}

	/* The helpers the endpoints use. */
	assert_int_equal(paper_pick_filling(paper_symbol_get(e, "EURUSD")),
	    PAPER_FILLING_FOK);
	market(e, "EURUSD", PAPER_ORDER_SELL, 0.05);
	assert_int_equal(paper_close_request(e, 999, 0, &rq), -1);
	assert_int_equal(paper_close_request(e,
	    paper_position_at(e, 0)->ticket, 0, &rq), 0);
	assert_int_equal(rq.type, PAPER_ORDER_BUY);
	assert_money(rq.volume, 0.05);
	paper_free(e);
}

static void
test_walk(void **state)
{
	struct paper_engine	*e = mk(PAPER_HEDGING, 1000);
	const struct paper_symbol *s = paper_symbol_get(e, "EURUSD");
	struct paper_walk	 w1, w2, w3;
	double			 b1 = 0, a1, b2 = 0, a2, b3 = 0, a3;
	int			 i, differ = 0;

	paper_walk_init(&w1, 42, 5, 2);
	paper_walk_init(&w2, 42, 5, 2);
	paper_walk_init(&w3, 43, 5, 2);
	for (i = 0; i < 1000; i++) {
		paper_walk_next(&w1, s, b1, 1.1, &b1, &a1);
		paper_walk_next(&w2, s, b2, 1.1, &b2, &a2);
		paper_walk_next(&w3, s, b3, 1.1, &b3, &a3);
		assert_true(b1 == b2 && a1 == a2);
		if (b1 != b3)
			differ = 1;
		assert_true(a1 > b1);
		assert_money(a1 - b1, 0.00002);
		assert_true(b1 == paper_round(b1, 5));
		assert_int_equal(paper_tick(e, "EURUSD", b1, a1, T0 + i), 0);
	}
	assert_true(differ);
	paper_walk_init(&w1, 0, 1, 0);	/* seed 0 still walks */
	assert_true(paper_walk_rand(&w1) != paper_walk_rand(&w1));
	paper_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tick),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
