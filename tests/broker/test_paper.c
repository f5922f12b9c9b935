/*
 * The paper engine against hand-computed cases: margin and profit in
 * account currency, margin level, every return code reached by some
 * request, SL/TP and pending triggers, partial close, netting reversal,
 * stop-out, idempotent command ids, snapshot and change-stream round
 * trips, and the random walk's determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paper.h"
#include "trade.h"

#define T0	1700000000000LL

/* Captured records: the change stream or an export. */
struct reclog {
	struct paper_record	*r;
	size_t			 n, cap;
};

static int
rec_add(const struct paper_record *r, void *arg)
{
	struct reclog	*l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		assert_non_null(l->r);
	}
	l->r[l->n++] = *r;
	return 0;
}

static void
rec_free(struct reclog *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

/* The comment of a result: the code's description, as MT5 cut to 31. */
static void
assert_rc_comment(const char *comment, uint32_t code)
{
	char	want[PAPER_COMMENT_MAX];

	strlcpy(want, trade_retcode_text(code), sizeof(want));
	assert_string_equal(comment, want);
}

static void
sym_init(struct paper_symbol *s, const char *name, const char *base,
    const char *profit, int digits, double contract)
{
	double	p = 1;
	int	i;

	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	strlcpy(s->currency_base, base, sizeof(s->currency_base));
	strlcpy(s->currency_profit, profit, sizeof(s->currency_profit));
	s->digits = digits;
	for (i = 0; i < digits; i++)
		p /= 10;
	s->point = p;
	s->contract_size = contract;
	s->volume_min = 0.01;
	s->volume_max = 100;
	s->volume_step = 0.01;
	s->stops_level = 10;
	s->filling = PAPER_FILL_FOK | PAPER_FILL_IOC;
	s->trade_mode = PAPER_TRADE_FULL;
	s->exec_mode = PAPER_EXEC_MARKET;
	s->calc_mode = PAPER_CALC_FOREX;
}

static void
conf_init(struct paper_config *c, enum paper_margin_mode mode, double balance)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->currency, "USD", sizeof(c->currency));
	c->leverage = 100;
	c->balance = balance;
	c->mode = mode;
}

static void
add_symbols(struct paper_engine *e)
{
	struct paper_symbol	s;
	const char		*why = NULL;

	sym_init(&s, "EURUSD", "EUR", "USD", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "GBPUSD", "GBP", "USD", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "USDJPY", "USD", "JPY", 3, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "XAUUSD", "XAU", "USD", 2, 100);
	s.calc_mode = PAPER_CALC_CFD;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
}

static struct paper_engine *
mk(enum paper_margin_mode mode, double balance)
{
	struct paper_config	 c;
	struct paper_engine	*e;

	conf_init(&c, mode, balance);
	assert_non_null(e = paper_new(&c));
	add_symbols(e);
	return e;
}

static void
req_init(struct paper_request *rq, enum paper_action a, const char *sym,
    enum paper_order_type t, double vol)
{
	memset(rq, 0, sizeof(*rq));
	rq->action = a;
	strlcpy(rq->symbol, sym, sizeof(rq->symbol));
	rq->type = t;
	rq->volume = vol;
	rq->type_filling = PAPER_FILLING_FOK;
}

/* A market order; returns the position ticket (its order ticket). */
static uint64_t
market(struct paper_engine *e, const char *sym, enum paper_order_type t,
    double vol)
{
	struct paper_request	rq;
	struct paper_result	r;

	req_init(&rq, PAPER_ACTION_DEAL, sym, t, vol);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	return r.order;
}

static uint32_t
close_pos(struct paper_engine *e, uint64_t ticket, double vol,
    struct paper_result *r)
{
	const struct paper_position *p = paper_position_get(e, ticket);
	struct paper_request	rq;

	req_init(&rq, PAPER_ACTION_DEAL, p != NULL ? p->symbol : "EURUSD",
	    p != NULL && p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL :
	    PAPER_ORDER_BUY, vol);
	rq.position = ticket;
	return paper_send(e, &rq, T0 + 1000, r);
}

static void
assert_money(double got, double want)
{
	if (got < want - 0.001 || got > want + 0.001) {
		print_message("got %.6f want %.6f\n", got, want);
		fail();
	}
}

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
assert_same_export(struct paper_engine *a, struct paper_engine *b)
{
	struct reclog	la = { 0 }, lb = { 0 };
	size_t		i;

	assert_int_equal(paper_export(a, rec_add, &la), 0);
	assert_int_equal(paper_export(b, rec_add, &lb), 0);
	assert_int_equal(la.n, lb.n);
	for (i = 0; i < la.n; i++) {
		if (memcmp(&la.r[i], &lb.r[i], sizeof(la.r[i])) != 0) {
			print_message("record %zu (type %d) differs\n", i,
			    la.r[i].type);
			fail();
		}
	}
	rec_free(&la);
	rec_free(&lb);
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
		cmocka_unit_test(test_margin),
		cmocka_unit_test(test_profit),
		cmocka_unit_test(test_margin_level),
		cmocka_unit_test(test_retcodes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_symbol_refused),
		cmocka_unit_test(test_sltp),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_pending_no_money),
		cmocka_unit_test(test_partial_close),
		cmocka_unit_test(test_netting),
		cmocka_unit_test(test_stop_out),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_many_commands),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_parse_tick),
		cmocka_unit_test(test_history_bound),
		cmocka_unit_test(test_deposit),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
