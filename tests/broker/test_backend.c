/*
 * The paper backend as the broker drives it: the API's requests mapped
 * onto the engine (market, limit, partial close, modify keeping what is
 * absent, cancel, unknown tickets), the typed reads, sessions, refusals,
 * and the price feed (start, replay, walk).
 */
#include "backend_test.h"

/* How many records of type (op 0: any) are in the log from index from. */
static size_t
rec_count(const struct reclog *l, size_t from, uint8_t type, uint8_t op)
{
	size_t	i, n = 0;

	for (i = from; i < l->n; i++)
		if (l->r[i].type == type && (op == 0 || l->r[i].op == op))
			n++;
	return n;
}

static void
assert_message(const struct trade_result *tr)
{
	assert_string_equal(tr->message, trade_retcode_text(tr->retcode));
}

/* Market deals: price, position, records, the command stored. */
static void
test_market(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be = mk(PAPER_HEDGING, &log);
	struct rpc_params	 p;
	struct trade_result	 tr;
	struct trade_positions	*tp;
	struct paper_record	 r;
	const char		*why;
	char			 key[PAPER_KEY_MAX];
	size_t			 from = log.n;

	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 1, &p, T0 + 1, &tr), 10009);
	assert_message(&tr);
	assert_near(tr.price, 1.10010);
	assert_near(tr.volume, 0.1);
	assert_near(tr.bid, 1.1);
	assert_near(tr.ask, 1.1001);
	assert_true(tr.order != 0 && tr.deal != 0);
	assert_true(tr.position == tr.order);	/* hedging: ticket = order */
	assert_string_equal(tr.client_order_id, "");
	assert_int_equal(tr.duplicate, 0);

	/* deal, position, account and the command, in that order */
	assert_int_equal(rec_count(&log, from, PAPER_REC_DEAL, 0), 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_POSITION,
	    PAPER_OP_PUT), 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_ACCOUNT, 0), 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_COMMAND, 0), 1);
	assert_int_equal(log.r[log.n - 1].type, PAPER_REC_COMMAND);
	assert_int_equal(paper_record_decode(log.r[log.n - 1].type,
	    log.r[log.n - 1].op, log.r[log.n - 1].data, log.r[log.n - 1].len,
	    &r, &why), 0);
	assert_int_equal(paper_record_key(&r, key, sizeof(key)), 0);
	assert_string_equal(key, "1");
	assert_int_equal(r.u.command.result.retcode, 10009);

	assert_non_null(tp = malloc(sizeof(*tp)));
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 1);
	assert_int_equal(tp->truncated, 0);
	assert_int_equal(tp->pos[0].ticket, tr.position);
	assert_int_equal(tp->pos[0].type, TRADE_BUY);
	assert_near(tp->pos[0].price_open, 1.1001);
	assert_near(tp->pos[0].price_current, 1.1);
	assert_near(tp->pos[0].profit, -1.00);	/* the spread */
	assert_near(tp->pos[0].margin, 110.01);
	assert_true(tp->pos[0].time == T0 + 1);

	/* A sell with SL and TP, at the bid. */
	p_trade(&p, "EURUSD", RPC_SIDE_SELL, 0.2);
	p.flags = RPC_HAS_SL | RPC_HAS_TP;
	p.sl = 1.10200;
	p.tp = 1.09000;
	strlcpy(p.comment, "hedge", sizeof(p.comment));
	assert_int_equal(be->ops->send(be, 2, &p, T0 + 2, &tr), 10009);
	assert_near(tr.price, 1.1);
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 2);
	assert_near(tp->pos[1].sl, 1.102);
	assert_near(tp->pos[1].tp, 1.09);
	assert_string_equal(tp->pos[1].comment, "hedge");
	assert_near(tp->pos[1].price_current, 1.1001);

	/* SL on the wrong side: 10016, and it is a command too. */
	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	p.flags = RPC_HAS_SL;
	p.sl = 1.2;
	assert_int_equal(be->ops->send(be, 3, &p, T0, &tr), 10016);
	assert_int_equal(tr.position, 0);
	assert_int_equal(tr.deal, 0);
	assert_message(&tr);

	/* Volume off the step, unknown symbol. */
	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.015);
	assert_int_equal(be->ops->send(be, 4, &p, T0, &tr), 10014);
	p_trade(&p, "NOPE", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 5, &p, T0, &tr), 10013);

	/* Reads are not writes; a write needs a command id. */
	memset(&p, 0, sizeof(p));
	p.op = OP_ACCOUNT;
	assert_int_equal(be->ops->send(be, 6, &p, T0, &tr), -1);
	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 0, &p, T0, &tr), -1);
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 2);

	free(tp);
	backend_free(be);
	rec_free(&log);
}

/* The filling asked for, or the symbol's own. */
static void
test_filling(void **state)
{
	struct backend		*be = mk(PAPER_HEDGING, NULL);
	struct rpc_params	 p;
	struct trade_result	 tr;

	/* XAUUSD allows IOC only: picked when absent, FOK refused. */
	p_trade(&p, "XAUUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 1, &p, T0, &tr), 10009);
	p.filling = RPC_FILLING_FOK;
	assert_int_equal(be->ops->send(be, 2, &p, T0, &tr), 10030);
	p.filling = RPC_FILLING_RETURN;
	assert_int_equal(be->ops->send(be, 3, &p, T0, &tr), 10030);
	p.filling = RPC_FILLING_IOC;
	assert_int_equal(be->ops->send(be, 4, &p, T0, &tr), 10009);
	/* Pending orders may always RETURN. */
	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	p.type = RPC_TYPE_LIMIT;
	p.flags = RPC_HAS_PRICE;
	p.price = 1.09;
	p.filling = RPC_FILLING_RETURN;
	assert_int_equal(be->ops->send(be, 5, &p, T0, &tr), 10008);
	backend_free(be);
}

/* A limit order; triggered by the price, it fills. */
static void
test_limit(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be = mk(PAPER_HEDGING, &log);
	struct paper_engine	*e = backend_paper_engine(be);
	struct rpc_params	 p;
	struct trade_result	 tr;
	struct trade_orders	*to;
	struct trade_positions	*tp;
	uint64_t		 ticket;
	size_t			 from;

	assert_non_null(e);
	assert_non_null(to = malloc(sizeof(*to)));
	assert_non_null(tp = malloc(sizeof(*tp)));

	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.5);
	p.type = RPC_TYPE_LIMIT;
	p.flags = RPC_HAS_PRICE | RPC_HAS_TP;
	p.price = 1.09000;
	p.tp = 1.09500;
	assert_int_equal(be->ops->send(be, 10, &p, T0, &tr), 10008);
	assert_message(&tr);
	ticket = tr.order;
	assert_true(ticket != 0);
	assert_int_equal(tr.deal, 0);
	assert_int_equal(tr.position, 0);
	assert_near(tr.price, 1.09);
	assert_near(tr.volume, 0.5);
	assert_int_equal(be->ops->orders(be, to), 0);
	assert_int_equal(to->n, 1);
	assert_int_equal(to->ord[0].ticket, ticket);
	assert_int_equal(to->ord[0].type, TRADE_BUY_LIMIT);
	assert_near(to->ord[0].price, 1.09);
	assert_near(to->ord[0].price_current, 1.1001);	/* a buy: the ask */
	assert_near(to->ord[0].tp, 1.095);

	/* A buy limit above the market: 10015. */
	p.price = 1.11;
	p.flags = RPC_HAS_PRICE;
	assert_int_equal(be->ops->send(be, 11, &p, T0, &tr), 10015);
	/* A sell limit below it: 10015 too. */
	p.side = RPC_SIDE_SELL;
	p.price = 1.09;
	assert_int_equal(be->ops->send(be, 12, &p, T0, &tr), 10015);

	/* The price comes down: the order fills, a position opens. */
	from = log.n;
	assert_int_equal(paper_tick(e, "EURUSD", 1.08980, 1.08990, T0 + 5),
	    0);
	assert_int_equal(rec_count(&log, from, PAPER_REC_ORDER, PAPER_OP_DEL),
	    1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_DEAL, 0), 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_POSITION,
	    PAPER_OP_PUT), 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_COMMAND, 0), 0);
	assert_int_equal(be->ops->orders(be, to), 0);
	assert_int_equal(to->n, 0);
	assert_int_equal(be->ops->positions(be, "EURUSD", tp), 0);
	assert_int_equal(tp->n, 1);
	assert_int_equal(tp->pos[0].ticket, ticket);
	assert_near(tp->pos[0].price_open, 1.0899);
	assert_near(tp->pos[0].tp, 1.095);

	free(to);
	free(tp);
	backend_free(be);
	rec_free(&log);
}

/* Close: partial, too much, the rest, then a ticket that is gone. */
static void
test_close(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be = mk(PAPER_HEDGING, &log);
	struct rpc_params	 p;
	struct trade_result	 tr, again;
	struct trade_positions	*tp;
	struct trade_account	 ta;
	uint64_t		 t;
	size_t			 from;

	assert_non_null(tp = malloc(sizeof(*tp)));
	t = open_buy(be, 1, 1.0, 0, 0);

	p_ticket(&p, OP_POSITION_CLOSE, t);
	p.flags = RPC_HAS_VOLUME;
	p.volume = 0.4;
	assert_int_equal(be->ops->send(be, 2, &p, T0, &tr), 10009);
	assert_int_equal(tr.position, t);
	assert_true(tr.deal != 0);
	assert_near(tr.volume, 0.4);
	assert_near(tr.price, 1.1);		/* a buy closes at the bid */
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 1);
	assert_near(tp->pos[0].volume, 0.6);
	assert_int_equal(be->ops->account(be, &ta), 0);
	assert_near(ta.balance, 9996.00);	/* 0.4 lot, 10 points */

	/* More than is left: 10038, nothing changes. */
	p.volume = 0.7;
	assert_int_equal(be->ops->send(be, 3, &p, T0, &tr), 10038);
	assert_int_equal(tr.position, 0);

	/* No volume: all of it; the position's DEL is in the stream. */
	from = log.n;
	p.flags = 0;
	p.volume = 0;
	assert_int_equal(be->ops->send(be, 4, &p, T0, &tr), 10009);
	assert_near(tr.volume, 0.6);
	assert_int_equal(tr.position, t);
	assert_int_equal(rec_count(&log, from, PAPER_REC_POSITION,
	    PAPER_OP_DEL), 1);
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 0);

	/* Gone: 10036, stored and sent like any command. */
	from = log.n;
	assert_int_equal(be->ops->send(be, 5, &p, T0, &tr), 10036);
	assert_message(&tr);
	assert_int_equal(tr.position, 0);
	assert_int_equal(log.n - from, 1);
	assert_int_equal(rec_count(&log, from, PAPER_REC_COMMAND, 0), 1);
	assert_int_equal(be->ops->find(be, 5, &again), 0);
	assert_int_equal(again.retcode, 10036);
	/* A ticket that never was: 10036 as well. */
	p_ticket(&p, OP_POSITION_CLOSE, 999999);
	assert_int_equal(be->ops->send(be, 6, &p, T0, &tr), 10036);

	free(tp);
	backend_free(be);
	rec_free(&log);
}

/* Modify: an absent SL or TP keeps its value, 0 removes it. */
static void
test_modify(void **state)
{
	struct backend		*be = mk(PAPER_HEDGING, NULL);
	struct paper_engine	*e = backend_paper_engine(be);
	const struct paper_position *pos;
	struct rpc_params	 p;
	struct trade_result	 tr;
	uint64_t		 t;

	t = open_buy(be, 1, 0.1, 1.09, 1.12);

	p_ticket(&p, OP_POSITION_MODIFY, t);
	p.flags = RPC_HAS_SL;
	p.sl = 1.095;
	assert_int_equal(be->ops->send(be, 2, &p, T0, &tr), 10009);
	assert_int_equal(tr.position, t);
	assert_int_equal(tr.deal, 0);
	assert_non_null(pos = paper_position_get(e, t));
	assert_near(pos->sl, 1.095);
	assert_near(pos->tp, 1.12);		/* kept */

	p.flags = RPC_HAS_TP;
	p.sl = 0;
	p.tp = 1.13;
	assert_int_equal(be->ops->send(be, 3, &p, T0, &tr), 10009);
	assert_non_null(pos = paper_position_get(e, t));
	assert_near(pos->sl, 1.095);		/* kept */
	assert_near(pos->tp, 1.13);

	/* Present and 0: removed. */
	p.flags = RPC_HAS_SL;
	p.sl = 0;
	assert_int_equal(be->ops->send(be, 4, &p, T0, &tr), 10009);
	assert_non_null(pos = paper_position_get(e, t));
	assert_near(pos->sl, 0);
	assert_near(pos->tp, 1.13);

	/* Nothing to change: 10025; the wrong side: 10016. */
	assert_int_equal(be->ops->send(be, 5, &p, T0, &tr), 10025);
	p.flags = RPC_HAS_TP;
	p.tp = 1.05;
	assert_int_equal(be->ops->send(be, 6, &p, T0, &tr), 10016);

	/* An unknown position: 10036, and the command is kept. */
	p_ticket(&p, OP_POSITION_MODIFY, 424242);
	p.flags = RPC_HAS_SL;
	p.sl = 1.0;
	assert_int_equal(be->ops->send(be, 7, &p, T0, &tr), 10036);
	assert_int_equal(tr.position, 0);
	assert_int_equal(be->ops->find(be, 7, &tr), 0);
	assert_int_equal(tr.retcode, 10036);
	backend_free(be);
}

/* Cancel a pending order; an unknown order is MT5's 10013. */
static void
test_cancel(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be = mk(PAPER_HEDGING, &log);
	struct rpc_params	 p;
	struct trade_result	 tr;
	struct trade_orders	*to;
	uint64_t		 t;
	size_t			 from;

	assert_non_null(to = malloc(sizeof(*to)));
	p_trade(&p, "GBPUSD", RPC_SIDE_SELL, 0.3);
	p.type = RPC_TYPE_LIMIT;
	p.flags = RPC_HAS_PRICE;
	p.price = 1.26;
	assert_int_equal(be->ops->send(be, 1, &p, T0, &tr), 10008);
	t = tr.order;

	from = log.n;
	p_ticket(&p, OP_ORDER_CANCEL, t);
	assert_int_equal(be->ops->send(be, 2, &p, T0, &tr), 10009);
	assert_int_equal(tr.order, t);
	assert_int_equal(tr.position, 0);
	assert_int_equal(rec_count(&log, from, PAPER_REC_ORDER, PAPER_OP_DEL),
	    1);
	assert_int_equal(be->ops->orders(be, to), 0);
	assert_int_equal(to->n, 0);

	assert_int_equal(be->ops->send(be, 3, &p, T0, &tr), 10013);
	assert_message(&tr);
	free(to);
	backend_free(be);
	rec_free(&log);
}

/* A command id executes once; find tells what became of it. */
static void
test_idempotent(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be = mk(PAPER_HEDGING, &log);
	struct paper_engine	*e = backend_paper_engine(be);
	struct rpc_params	 p;
	struct trade_result	 tr, tr2;
	size_t			 from;

	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 77, &p, T0, &tr), 10009);
	from = log.n;
	assert_int_equal(be->ops->send(be, 77, &p, T0 + 9, &tr2), 10009);
	assert_memory_equal(&tr, &tr2, sizeof(tr));
	assert_int_equal(log.n, from);		/* nothing changed */
	assert_int_equal(paper_position_count(e), 1);

	assert_int_equal(be->ops->find(be, 77, &tr2), 0);
	assert_memory_equal(&tr, &tr2, sizeof(tr));
	assert_int_equal(be->ops->find(be, 78, &tr2), -1);
	assert_int_equal(be->ops->find(be, 0, &tr2), -1);

	/* A close that is repeated after the position is gone. */
	p_ticket(&p, OP_POSITION_CLOSE, tr.position);
	assert_int_equal(be->ops->send(be, 80, &p, T0, &tr), 10009);
	assert_int_equal(be->ops->send(be, 80, &p, T0, &tr2), 10009);
	assert_int_equal(tr2.position, tr.position);
	assert_int_equal(paper_deal_count(e), 2);
	backend_free(be);
	rec_free(&log);
}

/* Account, symbol, positions with a filter and past the list's end. */
static void
test_reads(void **state)
{
	struct backend		*be = mk(PAPER_NETTING, NULL);
	struct trade_account	 ta;
	struct trade_symbol	 ts;
	struct trade_positions	*tp;
	struct rpc_params	 p;
	struct trade_result	 tr;
	uint64_t		 i;

	assert_non_null(tp = malloc(sizeof(*tp)));
	assert_int_equal(be->ops->account(be, &ta), 0);
	assert_string_equal(ta.login, "");
	assert_string_equal(ta.currency, "USD");
	assert_int_equal(ta.margin_mode, PAPER_NETTING);
	assert_int_equal(ta.leverage, 100);
	assert_near(ta.balance, 10000);
	assert_near(ta.equity, 10000);
	assert_near(ta.margin, 0);
	assert_near(ta.margin_free, 10000);
	assert_near(ta.margin_level, 0);

	assert_int_equal(be->ops->symbol(be, "USDJPY", &ts), 0);
	assert_string_equal(ts.name, "USDJPY");
	assert_string_equal(ts.currency_base, "USD");
	assert_string_equal(ts.currency_profit, "JPY");
	assert_int_equal(ts.digits, 3);
	assert_near(ts.point, 0.001);
	assert_near(ts.contract_size, 100000);
	assert_near(ts.bid, 150.0);
	assert_near(ts.ask, 150.01);
	assert_true(ts.time == T0);
	assert_int_equal(ts.session_open, 1);
	assert_int_equal(ts.trade_mode, PAPER_TRADE_FULL);
	assert_int_equal(ts.filling, PAPER_FILL_FOK | PAPER_FILL_IOC);
	assert_int_equal(ts.stops_level, 10);
	/* 0.001 * 100000 yen = 100 yen = 0.6667 dollars at 150 */
	assert_true(ts.tick_value > 0.6666 && ts.tick_value < 0.6667);
	assert_int_equal(be->ops->symbol(be, "NOPE", &ts), -1);

	/* Netting: one position per symbol, averaged. */
	p_trade(&p, "USDJPY", RPC_SIDE_BUY, 1);
	assert_int_equal(be->ops->send(be, 1, &p, T0, &tr), 10009);
	assert_int_equal(be->ops->send(be, 2, &p, T0, &tr), 10009);
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, 1);
	assert_near(tp->pos[0].volume, 2);
	assert_int_equal(tr.position, tp->pos[0].ticket);
	assert_true(tr.order != tr.position);
	assert_int_equal(be->ops->account(be, &ta), 0);
	assert_near(ta.margin, 2000);		/* USD base: 2 lots / 100 */
	assert_true(ta.margin_level > 0);
	backend_free(be);

	/* More positions than an answer holds. */
	be = mk(PAPER_HEDGING, NULL);
	for (i = 1; i <= TRADE_LIST_MAX + 2; i++) {
		p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.01);
		assert_int_equal(be->ops->send(be, i, &p, T0, &tr), 10009);
	}
	p_trade(&p, "GBPUSD", RPC_SIDE_SELL, 0.01);
	assert_int_equal(be->ops->send(be, i, &p, T0, &tr), 10009);
	assert_int_equal(be->ops->positions(be, NULL, tp), 0);
	assert_int_equal(tp->n, TRADE_LIST_MAX);
	assert_int_equal(tp->truncated, 1);
	assert_int_equal(be->ops->positions(be, "GBPUSD", tp), 0);
	assert_int_equal(tp->n, 1);
	assert_int_equal(tp->truncated, 0);
	assert_int_equal(tp->pos[0].type, TRADE_SELL);
	assert_int_equal(be->ops->positions(be, "XAUUSD", tp), 0);
	assert_int_equal(tp->n, 0);
	free(tp);
	backend_free(be);
}

/* A closed session answers 10018. */
static void
test_session(void **state)
{
	struct msg_broker_config	 c;
	struct msg_broker_symbol	 s;
	struct backend			*be;
	struct rpc_params		 p;
	struct trade_result		 tr;
	struct trade_symbol		 ts;
	char				 why[BACKEND_WHY_MAX];

	conf_init(&c, PAPER_HEDGING);
	c.nsymbols = 1;
	assert_non_null(be = backend_create(&c, NULL, NULL, why));
	msym_init(&s, "EURUSD", "EUR", "USD", 5, 100000, 1.1);
	s.session_open = 0;
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
	assert_int_equal(be->ops->connect(be, T0, why), 0);
	be->ops->tick(be, T0);
	p_trade(&p, "EURUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, 1, &p, T0, &tr), 10018);
	assert_int_equal(be->ops->symbol(be, "EURUSD", &ts), 0);
	assert_int_equal(ts.session_open, 0);
	backend_free(be);
}

/* What the broker refuses to start with, and why it says. */
static void
test_refusals(void **state)
{
	struct msg_broker_config	 c;
	struct msg_broker_symbol	 s;
	struct paper_record		 r;
	struct backend			*be;
	char				 why[BACKEND_WHY_MAX];

	/* The bridge is built in; its terminal reports its own state. */
	conf_init(&c, PAPER_HEDGING);
	c.backend = BROKER_BACKEND_BRIDGE;
	assert_non_null(be = backend_create(&c, NULL, NULL, why));
	assert_string_equal(be->ops->name, "bridge");
	assert_true(be->ops->reports_up);
	assert_non_null(be->ops->monitor);
	backend_free(be);
	conf_init(&c, PAPER_HEDGING);
	c.backend = 7;
	assert_null(backend_create(&c, NULL, NULL, why));
	assert_non_null(strstr(why, "unknown"));
	conf_init(&c, PAPER_HEDGING);
	strlcpy(c.currency, "DOLLARS", sizeof(c.currency));
	assert_null(backend_create(&c, NULL, NULL, why));
	assert_non_null(strstr(why, "DOLLARS"));
	conf_init(&c, PAPER_HEDGING);
	c.leverage = 50000;
	assert_null(backend_create(&c, NULL, NULL, why));
	assert_non_null(strstr(why, "leverage"));

	conf_init(&c, PAPER_HEDGING);
	assert_non_null(be = backend_create(&c, NULL, NULL, why));
	msym_init(&s, "EURGBP", "EUR", "GBP", 5, 100000, 0.85);
	assert_int_equal(be->ops->add_symbol(be, &s, why), -1);
	assert_non_null(strstr(why, "EURGBP"));
	msym_init(&s, "EURUSD", "EUR", "USD", 5, 100000, 1.1);
	s.volume_min = 0.015;
	assert_int_equal(be->ops->add_symbol(be, &s, why), -1);
	assert_non_null(strstr(why, "volume_min"));
	msym_init(&s, "EURUSD", "EUR", "USD", 5, 100000, 1.1);
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
	assert_int_equal(be->ops->add_symbol(be, &s, why), -1);
	assert_non_null(strstr(why, "duplicate"));

	/* A stored position on a symbol no longer configured. */
	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_POSITION;
	r.op = PAPER_OP_PUT;
	r.u.position.ticket = 5;
	strlcpy(r.u.position.symbol, "GBPUSD", sizeof(r.u.position.symbol));
	r.u.position.volume = 1;
	r.u.position.price_open = 1.2;
	assert_int_equal(be->ops->restore(be, &r, why), -1);
	assert_non_null(strstr(why, "position 5"));
	backend_free(be);

	/* No symbols at all. */
	assert_non_null(be = backend_create(&c, NULL, NULL, why));
	assert_int_equal(be->ops->connect(be, T0, why), -1);
	backend_free(be);
}

/* Prices: the start, then the replay's lines for a symbol, then a walk. */
static void
test_feed(void **state)
{
	static const char chunk1[] =
	    "# symbol,bid,ask,time_ms\n"
	    "EURUSD,1.20000,1.20020,1700000000000\n"
	    "\n"
	    "XAUUSD,2100.50,2100.90,1700000000100\r\n";
	static const char chunk2[] = "EURUSD,1.20100,1.20110,1700000000200";
	struct backend		*be = mk_conf(PAPER_HEDGING, NULL), *w, *w2;
	struct paper_engine	*e = backend_paper_engine(be);
	struct paper_quote	 q, q2;
	char			 why[BACKEND_WHY_MAX];
	int			 i;

	assert_int_equal(be->ops->add_ticks(be, chunk1, sizeof(chunk1) - 1,
	    why), 0);
	assert_int_equal(be->ops->add_ticks(be, chunk2, sizeof(chunk2) - 1,
	    why), 0);
	assert_int_equal(be->ops->connect(be, T0, why), 0);

	be->ops->tick(be, T0);			/* the configured start */
	assert_int_equal(paper_quote_get(e, "EURUSD", &q), 0);
	assert_near(q.bid, 1.1);
	assert_near(q.ask, 1.1001);
	assert_true(q.time == T0);
	assert_int_equal(paper_quote_get(e, "XAUUSD", &q), 0);
	assert_near(q.bid, 2000);
	assert_near(q.ask, 2000.1);

	be->ops->tick(be, T0 + 250);		/* each symbol's first line */
	assert_int_equal(paper_quote_get(e, "EURUSD", &q), 0);
	assert_near(q.bid, 1.2);
	assert_near(q.ask, 1.2002);
	assert_true(q.time == T0 + 250);	/* the clock's, not the file's */
	assert_int_equal(paper_quote_get(e, "XAUUSD", &q), 0);
	assert_near(q.bid, 2100.5);
	assert_near(q.ask, 2100.9);

	be->ops->tick(be, T0 + 500);		/* EURUSD's second line */
	assert_int_equal(paper_quote_get(e, "EURUSD", &q), 0);
	assert_near(q.bid, 1.201);
	assert_int_equal(paper_quote_get(e, "XAUUSD", &q), 0);
	/* XAUUSD has no more lines: it walked from 2100.50 (5 points max) */
	assert_true(q.bid >= 2100.45 - 1e-9 && q.bid <= 2100.55 + 1e-9);
	assert_near(q.ask - q.bid, 0.10);	/* the walk's spread */

	be->ops->tick(be, T0 + 750);		/* now EURUSD walks too */
	assert_int_equal(paper_quote_get(e, "EURUSD", &q), 0);
	assert_true(q.bid >= 1.20095 - 1e-9 && q.bid <= 1.20105 + 1e-9);

	/* The walk is the seed's: two backends move the same way. */
	w = mk_conf(PAPER_HEDGING, NULL);
	w2 = mk_conf(PAPER_HEDGING, NULL);
	assert_int_equal(w->ops->connect(w, T0, why), 0);
	assert_int_equal(w2->ops->connect(w2, T0, why), 0);
	for (i = 0; i < 50; i++) {
		w->ops->tick(w, T0 + i);
		w2->ops->tick(w2, T0 + i);
	}
	assert_int_equal(paper_quote_get(backend_paper_engine(w), "GBPUSD",
	    &q), 0);
	assert_int_equal(paper_quote_get(backend_paper_engine(w2), "GBPUSD",
	    &q2), 0);
	assert_near(q.bid, q2.bid);
	assert_near(q.ask, q2.ask);
	assert_true(q.bid != 1.25);		/* it did move */
	backend_free(w);
	backend_free(w2);
	backend_free(be);

	/* Bad lines are refused by number and field. */
	be = mk_conf(PAPER_HEDGING, NULL);
	assert_int_equal(be->ops->add_ticks(be, chunk1, sizeof(chunk1) - 1,
	    why), 0);
	assert_int_equal(be->ops->add_ticks(be, "EURUSD,1.1,x,1\n", 15, why),
	    -1);
	assert_string_equal(why, "replay line 5: ask");
	backend_free(be);
	be = mk_conf(PAPER_HEDGING, NULL);
	assert_int_equal(be->ops->add_ticks(be, "EURUSD,1.1,1.2,1\n"
	    "EURCHF,1.1,1.2,1\n", 34, why), -1);
	assert_string_equal(why, "replay line 2: symbol EURCHF is not "
	    "configured");
	backend_free(be);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_market),
		cmocka_unit_test(test_filling),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_feed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
