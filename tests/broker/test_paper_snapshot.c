/*
 * The paper engine's snapshot (broker/paper_snapshot.c): export and
 * change-stream round trips, also over a long random run.
 */
#include "paper_test.h"

/* Some of everything, for the round trips. */
static void
busy(struct paper_engine *e)
{
	struct paper_request	rq;
	struct paper_result	r;
	uint64_t		t;

	paper_tick(e, "EURUSD", 1.10000, 1.10010, T0);
	paper_tick(e, "USDJPY", 150.000, 150.020, T0);
	paper_tick(e, "XAUUSD", 2000.00, 2000.50, T0);
	paper_deposit(e, 500, T0, "deposit");
	req_init(&rq, PAPER_ACTION_DEAL, "EURUSD", PAPER_ORDER_BUY, 1);
	strlcpy(rq.command_id, "a", sizeof(rq.command_id));
	strlcpy(rq.comment, "first", sizeof(rq.comment));
	rq.magic = 77;
	rq.tp = 1.2;
	paper_send(e, &rq, T0, &r);
	t = r.order;
	market(e, "USDJPY", PAPER_ORDER_SELL, 0.5);
	market(e, "XAUUSD", PAPER_ORDER_BUY, 0.1);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_SELL_LIMIT,
	    0.2);
	rq.price = 1.11;
	strlcpy(rq.command_id, "b", sizeof(rq.command_id));
	paper_send(e, &rq, T0, &r);
	req_init(&rq, PAPER_ACTION_PENDING, "EURUSD", PAPER_ORDER_BUY_STOP,
	    0.2);
	rq.price = 1.12;
	paper_send(e, &rq, T0, &r);
	paper_tick(e, "EURUSD", 1.10500, 1.10510, T0 + 1);
	close_pos(e, t, 0.4, &r);
	paper_tick(e, "EURUSD", 1.11000, 1.11010, T0 + 2);	/* limit */
	req_init(&rq, PAPER_ACTION_DEAL, "NOPE", PAPER_ORDER_BUY, 1);
	strlcpy(rq.command_id, "c", sizeof(rq.command_id));
	paper_send(e, &rq, T0, &r);
	paper_set_session(e, "XAUUSD", 0);
}

static void
test_round_trip(void **state)
{
	struct paper_engine	*a = mk(PAPER_HEDGING, 10000), *b, *c;
	struct paper_account	 aa, ab;
	struct paper_result	 r;
	struct paper_request	 rq;
	struct reclog		 stream = { 0 }, snap = { 0 };
	size_t			 i;

	paper_set_journal(a, rec_add, &stream);
	busy(a);
	assert_true(paper_deal_count(a) >= 6);
	assert_int_equal(paper_order_count(a), 1);

	/* The snapshot rebuilds the engine exactly. */
	assert_int_equal(paper_export(a, rec_add, &snap), 0);
	b = mk(PAPER_HEDGING, 10000);
	for (i = 0; i < snap.n; i++)
		assert_int_equal(paper_import(b, &snap.r[i]), 0);
	assert_same_export(a, b);
	paper_account_get(a, &aa);
	paper_account_get(b, &ab);
	assert_memory_equal(&aa, &ab, sizeof(aa));

	/* So does the change stream, plus the quotes of the snapshot. */
	c = mk(PAPER_HEDGING, 10000);
	for (i = 0; i < stream.n; i++)
		assert_int_equal(paper_import(c, &stream.r[i]), 0);
	for (i = 0; i < snap.n; i++)
		if (snap.r[i].type == PAPER_REC_QUOTE)
			assert_int_equal(paper_import(c, &snap.r[i]), 0);
	assert_same_export(a, c);

	/* The restored engine answers old commands and goes on alike. */
	assert_int_equal(paper_find_command(b, "a", &r), 0);
	assert_int_equal(r.retcode, PAPER_RC_DONE);
	req_init(&rq, PAPER_ACTION_DEAL, "GBPUSD", PAPER_ORDER_BUY, 0.1);
	paper_tick(a, "GBPUSD", 1.25, 1.25, T0 + 5);
	paper_tick(b, "GBPUSD", 1.25, 1.25, T0 + 5);
	assert_int_equal(paper_send(a, &rq, T0 + 5, &r), PAPER_RC_DONE);
	assert_int_equal(paper_send(b, &rq, T0 + 5, &r), PAPER_RC_DONE);
	assert_same_export(a, b);

	/* Malformed records are refused. */
	snap.r[0].op = 9;
	assert_int_equal(paper_import(b, &snap.r[0]), -1);
	snap.r[0].op = PAPER_OP_PUT;
	snap.r[0].type = 99;
	assert_int_equal(paper_import(b, &snap.r[0]), -1);
	for (i = 0; i < snap.n; i++)
		if (snap.r[i].type == PAPER_REC_POSITION) {
			strlcpy(snap.r[i].u.position.symbol, "NOPE",
			    PAPER_SYMBOL_MAX);
			assert_int_equal(paper_import(b, &snap.r[i]), -1);
			break;
		}

	rec_free(&stream);
	rec_free(&snap);
	paper_free(a);
	paper_free(b);
	paper_free(c);
}

/*
 * Random requests and walking prices in both account modes: the balance
 * is always the initial one plus every deal's profit, nothing becomes
 * NaN, every stored command answers what paper_send() said, and both the
 * change stream and the snapshot rebuild the engine exactly.
 */
static void
random_run(enum paper_margin_mode mode, uint64_t seed)
{
	static const char *syms[] = { "EURUSD", "GBPUSD", "USDJPY", "XAUUSD" };
	static const double start[] = { 1.1, 1.25, 150, 2000 };
	struct paper_engine	*e = mk(mode, 5000), *b, *c;
	struct paper_walk	 w[4], rnd;
	struct paper_request	 rq;
	struct paper_result	 r, stored;
	struct paper_account	 a;
	struct paper_quote	 q;
	struct reclog		 stream = { 0 }, snap = { 0 };
	double			 bid, ask, sum;
	uint64_t		 x;
	size_t			 i;
	int			 n, k;

	paper_set_journal(e, rec_add, &stream);
	paper_walk_init(&rnd, seed, 1, 0);
	for (k = 0; k < 4; k++) {
		paper_walk_init(&w[k], seed + k + 1, 20, 3);
		paper_walk_next(&w[k], paper_symbol_get(e, syms[k]), 0,
		    start[k], &bid, &ask);
		paper_tick(e, syms[k], bid, ask, T0);
	}
	for (n = 0; n < 3000; n++) {
		x = paper_walk_rand(&rnd);
		k = (int)(x % 4);
		x /= 4;
		if (x % 3 == 0) {
			paper_quote_get(e, syms[k], &q);
			paper_walk_next(&w[k], paper_symbol_get(e, syms[k]),
			    q.bid, start[k], &bid, &ask);
			assert_int_equal(paper_tick(e, syms[k], bid, ask,
			    T0 + n), 0);
			continue;
		}
		x /= 3;
		paper_quote_get(e, syms[k], &q);
		memset(&rq, 0, sizeof(rq));
		rq.action = (x % 5 == 0) ? PAPER_ACTION_DEAL :
		    (x % 5 == 1) ? PAPER_ACTION_PENDING :
		    (x % 5 == 2) ? PAPER_ACTION_SLTP :
		    (x % 5 == 3) ? PAPER_ACTION_MODIFY : PAPER_ACTION_REMOVE;
		x /= 5;
		strlcpy(rq.symbol, syms[k], sizeof(rq.symbol));
		rq.type = rq.action == PAPER_ACTION_PENDING ?
		    (enum paper_order_type)(2 + x % 4) :
		    (enum paper_order_type)(x % 2);
		x /= 4;
		rq.volume = (double)(1 + x % 60) / 100;
		x /= 60;
		rq.price = q.bid * (1 + ((double)(x % 21) - 10) / 1000);
		x /= 21;
		if (x % 2) {
			rq.sl = q.bid * (1 - ((double)(x % 7) - 3) / 3000);
			rq.tp = q.bid * (1 + ((double)(x % 5) - 2) / 3000);
		}
		x /= 2;
		if (paper_position_count(e) > 0 &&
		    (rq.action == PAPER_ACTION_SLTP ||
		    (rq.action == PAPER_ACTION_DEAL && x % 2))) {
			rq.position = paper_position_at(e, x %
			    paper_position_count(e))->ticket;
			if (rq.action == PAPER_ACTION_DEAL)
				rq.type = paper_position_get(e,
				    rq.position)->type == PAPER_ORDER_BUY ?
				    PAPER_ORDER_SELL : PAPER_ORDER_BUY;
			strlcpy(rq.symbol, paper_position_get(e,
			    rq.position)->symbol, sizeof(rq.symbol));
		}
		if (paper_order_count(e) > 0 &&
		    (rq.action == PAPER_ACTION_MODIFY ||
		    rq.action == PAPER_ACTION_REMOVE))
			rq.order = paper_order_at(e, x % 7 %
			    paper_order_count(e))->ticket;
		if (rq.order != 0)
			strlcpy(rq.symbol, paper_order_get(e, rq.order)->symbol,
			    sizeof(rq.symbol));
		rq.type_filling = (enum paper_filling)(x % 3 == 2 ? 0 :
		    x % 3);
		snprintf(rq.command_id, sizeof(rq.command_id), "r%d", n);
		paper_send(e, &rq, T0 + n, &r);
		assert_true((r.retcode >= 10004 && r.retcode <= 10044));
		assert_int_equal(paper_find_command(e, rq.command_id,
		    &stored), 0);
		assert_memory_equal(&r, &stored, sizeof(r));

		sum = 5000;
		for (i = 0; i < paper_deal_count(e); i++)
			sum += paper_deal_at(e, i)->profit;
		paper_account_get(e, &a);
		assert_money(a.balance, paper_money(sum));
		assert_true(a.equity == a.equity && a.margin == a.margin &&
		    a.margin_level == a.margin_level);
		for (i = 0; i < paper_position_count(e); i++) {
			const struct paper_position *p =
			    paper_position_at(e, i);

			assert_true(p->volume > 0.005 && p->margin >= 0);
			assert_true(p->volume == paper_round(p->volume, 2));
		}
		if (mode == PAPER_NETTING) {
			for (i = 0; i < paper_position_count(e); i++)
				assert_true(strcmp(paper_position_at(e,
				    i)->symbol, paper_position_at(e,
				    (i + 1) % paper_position_count(e))->symbol)
				    != 0 || paper_position_count(e) == 1);
		}
	}
	assert_true(paper_deal_count(e) > 20);

	assert_int_equal(paper_export(e, rec_add, &snap), 0);
	b = mk(mode, 5000);
	for (i = 0; i < snap.n; i++)
		assert_int_equal(paper_import(b, &snap.r[i]), 0);
	assert_same_export(e, b);
	c = mk(mode, 5000);
	for (i = 0; i < stream.n; i++)
		assert_int_equal(paper_import(c, &stream.r[i]), 0);
	for (i = 0; i < snap.n; i++)
		if (snap.r[i].type == PAPER_REC_QUOTE)
			assert_int_equal(paper_import(c, &snap.r[i]), 0);
	assert_same_export(e, c);
	rec_free(&stream);
	rec_free(&snap);
	paper_free(e);
	paper_free(b);
	paper_free(c);
}

static void
test_random(void **state)
{
	random_run(PAPER_HEDGING, 1);
	random_run(PAPER_HEDGING, 2);
	random_run(PAPER_NETTING, 3);
	random_run(PAPER_NETTING, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
