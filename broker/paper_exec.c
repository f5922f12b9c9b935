/*
 * Execution in the paper engine: market deals (open, add, reduce,
 * close, reverse), pending orders, SL/TP, modify and remove, and what a
 * tick sets off: pending orders triggering, SL/TP hits and stop-out.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

/* Executing market deals. */

/* What a market deal does, decided before anything changes. */
struct deal_plan {
	ssize_t			 pi;	/* position touched, or -1 */
	enum paper_order_type	 type;		/* BUY or SELL */
	double			 volume;	/* filled */
	double			 price;
	double			 closes;	/* volume taken off pi */
	double			 opens;	/* volume added or opened */
};

static void
plan_deal(const struct paper_engine *e, ssize_t pi, enum paper_order_type t,
    double volume, double price, struct deal_plan *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->pi = pi;
	dp->type = t;
	dp->volume = volume;
	dp->price = price;
	if (pi < 0 || e->pos[pi].type == t) {
		dp->opens = volume;
		return;
	}
	if (volume <= e->pos[pi].volume + PAPER_VOLUME_EPS) {
		dp->closes = volume;
		return;
	}
	dp->closes = e->pos[pi].volume;
	dp->opens = volume - e->pos[pi].volume;
}

/*
 * Margin the plan adds to its symbol's at the quotes now, < 0 if it
 * frees some (an overlapped hedge, a reduction): hedged margin counts.
 */
static double
plan_margin(const struct paper_engine *e, const struct paper_symbol *s,
    const struct deal_plan *dp)
{
	double	d[2] = { 0, 0 };	/* buys, sells */

	if (dp->closes > 0)
		d[e->pos[dp->pi].type == PAPER_ORDER_BUY ? 0 : 1] -= dp->closes;
	d[dp->type == PAPER_ORDER_BUY ? 0 : 1] += dp->opens;
	return margin_change(e, (size_t)(s - e->syms), d[0], d[1]);
}

/*
 * Apply a planned deal: one deal record, the position opened, grown,
 * reduced, closed or reversed, the balance moved by the profit.
 */
static int
exec_deal(struct paper_engine *e, const struct paper_symbol *s,
    const struct deal_plan *dp, uint64_t order, int64_t now,
    enum paper_deal_reason reason, uint64_t magic, const char *comment,
    double sl, double tp, uint64_t *dealp)
{
	struct paper_deal	 d;
	struct paper_position	*p, np;
	double			 nv = 0;

	/* Room first, so a failure changes nothing. */
	if (grow((void **)&e->deals, &e->capdeals, e->ndeals,
	    sizeof(e->deals[0])) == -1 ||
	    grow((void **)&e->pos, &e->cappos, e->npos,
	    sizeof(e->pos[0])) == -1)
		return -1;

	memset(&d, 0, sizeof(d));
	d.ticket = e->st.next_deal++;
	d.order = order;
	d.time = now;
	strlcpy(d.symbol, s->name, sizeof(d.symbol));
	d.type = dp->type == PAPER_ORDER_BUY ? PAPER_DEAL_BUY : PAPER_DEAL_SELL;
	d.reason = reason;
	d.volume = dp->volume;
	d.price = dp->price;
	d.magic = magic;
	set_comment(d.comment, comment);

	if (dp->pi < 0) {
		memset(&np, 0, sizeof(np));
		np.ticket = order;
		strlcpy(np.symbol, s->name, sizeof(np.symbol));
		np.type = dp->type;
		np.volume = dp->volume;
		np.price_open = dp->price;
		np.sl = sl;
		np.tp = tp;
		np.margin = paper_margin_calc(e, s, dp->volume, dp->price);
		np.time = now;
		np.magic = magic;
		set_comment(np.comment, comment);
		e->pos[e->npos++] = np;
		d.position = np.ticket;
		d.entry = PAPER_ENTRY_IN;
		*dealp = d.ticket;
		add_deal(e, &d);
		emit_position(e, &np, PAPER_OP_PUT);
		return 0;
	}

	p = &e->pos[dp->pi];
	d.position = p->ticket;
	if (dp->closes == 0) {
		/* Netting: the same direction averages the price. */
		nv = p->volume + dp->volume;
		p->price_open = (p->price_open * p->volume +
		    dp->price * dp->volume) / nv;
		p->volume = norm_volume(s, nv);
		p->margin = paper_margin_calc(e, s, p->volume, p->price_open);
		if (sl > 0)
			p->sl = sl;
		if (tp > 0)
			p->tp = tp;
		d.entry = PAPER_ENTRY_IN;
	} else {
		d.profit = profit_at(e, s, p->type, p->price_open, dp->price,
		    dp->closes);
		e->st.balance = paper_money(e->st.balance + d.profit);
		nv = norm_volume(s, p->volume - dp->closes);
		if (dp->opens > 0) {
			/* Reversal: the rest opens the other way. */
			d.entry = PAPER_ENTRY_INOUT;
			p->type = dp->type;
			p->volume = norm_volume(s, dp->opens);
			p->price_open = dp->price;
			p->sl = sl;
			p->tp = tp;
			p->time = now;
			p->margin = paper_margin_calc(e, s, p->volume,
			    p->price_open);
		} else if (nv > PAPER_VOLUME_EPS) {
			d.entry = PAPER_ENTRY_OUT;
			p->volume = nv;
			p->margin = paper_margin_calc(e, s, p->volume,
			    p->price_open);
		} else
			d.entry = PAPER_ENTRY_OUT;
	}
	*dealp = d.ticket;
	add_deal(e, &d);
	if (d.entry == PAPER_ENTRY_OUT && dp->opens == 0 &&
	    !(nv > PAPER_VOLUME_EPS))
		pos_remove(e, (size_t)dp->pi);
	else
		emit_position(e, &e->pos[dp->pi], PAPER_OP_PUT);
	return 0;
}

/* Close a position whole at the market, for SL, TP or stop-out. */
static int
close_position(struct paper_engine *e, size_t pi, enum paper_deal_reason why,
    int64_t now)
{
	struct paper_position	*p = &e->pos[pi];
	struct deal_plan	 dp;
	ssize_t			 si = sym_index(e, p->symbol);
	uint64_t		 deal, order;
	enum paper_order_type	 t;
	const char		*c;

	if (si < 0)
		return -1;
	t = p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL : PAPER_ORDER_BUY;
	plan_deal(e, (ssize_t)pi, t, p->volume,
	    close_price(&e->quotes[si], p->type), &dp);
	c = why == PAPER_REASON_SL ? "[sl]" : why == PAPER_REASON_TP ?
	    "[tp]" : "[so]";
	order = e->st.next_order++;
	if (exec_deal(e, &e->syms[si], &dp, order, now, why, p->magic, c,
	    0, 0, &deal) == -1) {
		e->st.next_order--;
		return -1;
	}
	return 0;
}

uint32_t
do_deal(struct paper_engine *e, const struct paper_request *rq, int64_t now,
    struct paper_result *r, struct paper_check *chk)
{
	const struct paper_symbol *s;
	const struct paper_quote *q;
	struct deal_plan	 dp;
	ssize_t			 si, pi = -1;
	double			 price, vol, sl, tp;
	uint32_t		 rc;
	uint64_t		 order, deal;
	int			 buy, partial = 0;

	buy = rq->type == PAPER_ORDER_BUY;
	if ((si = sym_index(e, rq->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);

	if (rq->position != 0) {
		if ((pi = pos_index(e, rq->position)) < 0)
			return answer(r, PAPER_RC_POSITION_CLOSED, NULL);
		if (strcmp(e->pos[pi].symbol, s->name) != 0 ||
		    e->pos[pi].type == rq->type)
			return answer(r, PAPER_RC_INVALID,
			    "position symbol or side");
	} else if (e->conf.mode == PAPER_NETTING)
		pi = pos_by_symbol(e, s->name);

	/* Opens exposure unless it only reduces the position. */
	if ((rc = check_trade_mode(s, buy, pi < 0 || e->pos[pi].type ==
	    rq->type || (rq->position == 0 && rq->volume > e->pos[pi].volume +
	    PAPER_VOLUME_EPS))) != 0)
		return answer(r, rc, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if ((rc = check_volume(s, rq->volume)) != 0)
		return answer(r, rc, NULL);
	vol = norm_volume(s, rq->volume);
	if (rq->position != 0 && vol > e->pos[pi].volume + PAPER_VOLUME_EPS)
		return answer(r, PAPER_RC_INVALID_CLOSE_VOLUME, NULL);
	if ((rc = check_filling(s, rq->type_filling, 0)) != 0)
		return answer(r, rc, NULL);
	if (s->liquidity > 0 && vol > s->liquidity + PAPER_VOLUME_EPS) {
		if (rq->type_filling == PAPER_FILLING_FOK)
			return answer(r, PAPER_RC_REJECT,
			    "FOK: not enough liquidity");
		vol = paper_round((double)(long long)(s->liquidity /
		    s->volume_step + 1e-6) * s->volume_step,
		    step_digits(s->volume_step));
		if (vol < s->volume_min - PAPER_VOLUME_EPS)
			return answer(r, PAPER_RC_REJECT, "no liquidity");
		partial = 1;
	}

	price = buy ? q->ask : q->bid;
	if (rq->price != 0 && (!finite_in(rq->price, 0, PAPER_HUGE)))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	if (s->exec_mode == PAPER_EXEC_INSTANT && rq->price != 0 &&
	    dabs(paper_round(rq->price, s->digits) - price) >
	    (double)rq->deviation * s->point + s->point / 10)
		return answer(r, PAPER_RC_REQUOTE, NULL);

	sl = tp = 0;
	plan_deal(e, pi, rq->type, vol, price, &dp);
	if (rq->position == 0) {
		/* SL/TP of what is opened, against its close price. */
		if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
		    !finite_in(rq->tp, 0, PAPER_HUGE))
			return answer(r, PAPER_RC_INVALID_STOPS, NULL);
		sl = paper_round(rq->sl, s->digits);
		tp = paper_round(rq->tp, s->digits);
		if (dp.opens > 0 && (rc = check_stops(s, buy,
		    buy ? q->bid : q->ask, sl, tp)) != 0)
			return answer(r, rc, NULL);
	}
	if (dp.pi < 0 && e->npos >= e->conf.max_positions)
		return answer(r, PAPER_RC_LIMIT_POSITIONS, NULL);
	if ((rc = check_margin(e, plan_margin(e, s, &dp))) != 0)
		return answer(r, rc, NULL);
	if (chk != NULL)
		return fill_check(e, chk, plan_margin(e, s, &dp));

	order = e->st.next_order++;
	if (exec_deal(e, s, &dp, order, now, PAPER_REASON_EXPERT, rq->magic,
	    rq->comment, sl, tp, &deal) == -1) {
		e->st.next_order--;
		return answer(r, PAPER_RC_REJECT, "out of memory");
	}
	emit_account(e);
	r->order = order;
	r->deal = deal;
	r->volume = vol;
	r->price = price;
	return answer(r, partial ? PAPER_RC_DONE_PARTIAL : PAPER_RC_DONE,
	    NULL);
}

uint32_t
do_pending(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_result *r, struct paper_check *chk)
{
	const struct paper_symbol *s;
	const struct paper_quote *q;
	struct paper_order	 o;
	ssize_t			 si;
	double			 price, stoplimit, sl, tp;
	int64_t			 expiration;
	uint32_t		 rc;
	int			 buy = is_buy(rq->type);

	if ((si = sym_index(e, rq->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	if ((rc = check_trade_mode(s, buy, 1)) != 0)
		return answer(r, rc, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if ((rc = check_volume(s, rq->volume)) != 0)
		return answer(r, rc, NULL);
	if ((rc = check_filling(s, rq->type_filling, 1)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->price, 0, PAPER_HUGE) ||
	    !finite_in(rq->stoplimit, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	price = paper_round(rq->price, s->digits);
	stoplimit = paper_round(rq->stoplimit, s->digits);
	if ((rc = check_pending_price(s, q, rq->type, price, stoplimit)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	/* A stop-limit enters at its limit price. */
	if ((rc = check_stops(s, buy, stoplimit > 0 ? stoplimit : price, sl,
	    tp)) != 0)
		return answer(r, rc, NULL);
	if ((rc = order_expiration(s, rq->type_time, rq->expiration, now,
	    &expiration)) != 0)
		return answer(r, rc, NULL);
	if (e->nord >= e->conf.max_orders)
		return answer(r, PAPER_RC_LIMIT_ORDERS, NULL);
	if ((rc = check_margin(e, paper_margin_calc(e, s,
	    norm_volume(s, rq->volume), price))) != 0)
		return answer(r, rc, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);	/* no margin till filled */
	if (grow((void **)&e->ord, &e->capord, e->nord, sizeof(o)) == -1)
		return answer(r, PAPER_RC_REJECT, "out of memory");

	memset(&o, 0, sizeof(o));
	o.ticket = e->st.next_order++;
	strlcpy(o.symbol, s->name, sizeof(o.symbol));
	o.type = rq->type;
	o.type_filling = rq->type_filling;
	o.volume = norm_volume(s, rq->volume);
	o.price = price;
	o.sl = sl;
	o.tp = tp;
	o.time_setup = now;
	o.magic = rq->magic;
	o.stoplimit = stoplimit;
	o.type_time = rq->type_time;
	o.expiration = expiration;
	o.state = PAPER_STATE_PLACED;
	set_comment(o.comment, rq->comment);
	e->ord[e->nord++] = o;
	emit_order(e, &o, PAPER_OP_PUT);
	emit_account(e);
	r->order = o.ticket;
	r->volume = o.volume;
	r->price = o.price;
	return answer(r, PAPER_RC_PLACED, NULL);
}

uint32_t
do_sltp(struct paper_engine *e, const struct paper_request *rq,
    struct paper_result *r, struct paper_check *chk)
{
	struct paper_position	*p;
	const struct paper_symbol *s;
	const struct paper_quote *q;
	ssize_t			 pi, si;
	double			 sl, tp;
	uint32_t		 rc;

	if ((pi = pos_index(e, rq->position)) < 0)
		return answer(r, PAPER_RC_POSITION_CLOSED, NULL);
	p = &e->pos[pi];
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, p->symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "position symbol");
	if ((si = sym_index(e, p->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	if ((rc = check_stops(s, p->type == PAPER_ORDER_BUY,
	    close_price(q, p->type), sl, tp)) != 0)
		return answer(r, rc, NULL);
	if (sl == p->sl && tp == p->tp)
		return answer(r, PAPER_RC_NO_CHANGES, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	p->sl = sl;
	p->tp = tp;
	emit_position(e, p, PAPER_OP_PUT);
	r->order = 0;
	return answer(r, PAPER_RC_DONE, NULL);
}

/*
 * TRADE_ACTION_MODIFY: every value of the request replaces the order's
 * (price, stoplimit, sl, tp, type_time, expiration), the ticket stays.
 */
uint32_t
do_modify(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_result *r, struct paper_check *chk)
{
	struct paper_order	*o;
	const struct paper_symbol *s;
	const struct paper_quote *q;
	ssize_t			 oi, si;
	double			 price, stoplimit, sl, tp;
	int64_t			 expiration;
	uint32_t		 rc;

	if ((oi = ord_index(e, rq->order)) < 0)
		return answer(r, PAPER_RC_INVALID, "order not found");
	o = &e->ord[oi];
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, o->symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "order symbol");
	if ((si = sym_index(e, o->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	r->order = o->ticket;
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if (!finite_in(rq->price, 0, PAPER_HUGE) ||
	    !finite_in(rq->stoplimit, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	price = paper_round(rq->price, s->digits);
	stoplimit = paper_round(rq->stoplimit, s->digits);
	if ((rc = check_pending_price(s, q, o->type, price, stoplimit)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	if ((rc = check_stops(s, is_buy(o->type), stoplimit > 0 ? stoplimit :
	    price, sl, tp)) != 0)
		return answer(r, rc, NULL);
	if ((rc = order_expiration(s, rq->type_time, rq->expiration, now,
	    &expiration)) != 0)
		return answer(r, rc, NULL);
	/* DAY: the order keeps the end of the day it was set up on. */
	if (rq->type_time == PAPER_TIME_DAY && o->type_time == PAPER_TIME_DAY)
		expiration = o->expiration;
	if (price == o->price && stoplimit == o->stoplimit && sl == o->sl &&
	    tp == o->tp && rq->type_time == o->type_time &&
	    expiration == o->expiration)
		return answer(r, PAPER_RC_NO_CHANGES, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	o->price = price;
	o->stoplimit = stoplimit;
	o->sl = sl;
	o->tp = tp;
	o->type_time = rq->type_time;
	o->expiration = expiration;
	emit_order(e, o, PAPER_OP_PUT);
	r->volume = o->volume;
	r->price = o->price;
	return answer(r, PAPER_RC_DONE, NULL);
}

uint32_t
do_remove(struct paper_engine *e, const struct paper_request *rq,
    struct paper_result *r, struct paper_check *chk)
{
	ssize_t	oi, si;

	if ((oi = ord_index(e, rq->order)) < 0)
		return answer(r, PAPER_RC_INVALID, "order not found");
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, e->ord[oi].symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "order symbol");
	si = sym_index(e, e->ord[oi].symbol);
	result_quote(e, si, r);
	r->order = e->ord[oi].ticket;
	if (si >= 0 && e->syms[si].trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (si >= 0 && !e->quotes[si].session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	ord_remove(e, (size_t)oi, PAPER_STATE_CANCELED);
	return answer(r, PAPER_RC_DONE, NULL);
}

/* Ticks. */

static int
pending_triggered(const struct paper_order *o, const struct paper_quote *q)
{
	switch (o->type) {
	case PAPER_ORDER_BUY_LIMIT:
		return q->ask <= o->price;
	case PAPER_ORDER_SELL_LIMIT:
		return q->bid >= o->price;
	case PAPER_ORDER_BUY_STOP:
	case PAPER_ORDER_BUY_STOP_LIMIT:
		return q->ask >= o->price;
	case PAPER_ORDER_SELL_STOP:
	case PAPER_ORDER_SELL_STOP_LIMIT:
		return q->bid <= o->price;
	default:
		return 0;
	}
}

/*
 * A stop-limit whose stop price is reached becomes the limit order it
 * carries, with its ticket, SL, TP and expiration: BUY_STOP_LIMIT a
 * BUY_LIMIT at its stoplimit price.
 */
static void
activate_stop_limit(struct paper_engine *e, size_t oi)
{
	struct paper_order	*o = &e->ord[oi];

	o->type = o->type == PAPER_ORDER_BUY_STOP_LIMIT ?
	    PAPER_ORDER_BUY_LIMIT : PAPER_ORDER_SELL_LIMIT;
	o->price = o->stoplimit;
	o->stoplimit = 0;
	emit_order(e, o, PAPER_OP_PUT);
}

/*
 * Orders whose expiration (DAY: the end of their day) has come are
 * removed, on every symbol, before any of them can trigger.
 */
static void
expire_orders(struct paper_engine *e, int64_t now)
{
	size_t	i;

	for (i = 0; i < e->nord;) {
		if (e->ord[i].expiration > 0 &&
		    now / 1000 >= e->ord[i].expiration)
			ord_remove(e, i, PAPER_STATE_EXPIRED);
		else
			i++;
	}
}

/*
 * A triggered order fills at the market (never worse than a limit asks,
 * since the limit was crossed).  Without the margin, or over the
 * position limit, it is cancelled, as the server rejects it.  0 if the
 * order is gone; -1 if it stays (no memory to fill it now).
 */
static int
trigger_order(struct paper_engine *e, size_t oi, ssize_t si, int64_t now)
{
	struct paper_order	 o = e->ord[oi];
	const struct paper_symbol *s = &e->syms[si];
	struct deal_plan	 dp;
	enum paper_order_type	 t;
	ssize_t			 pi = -1;
	uint64_t		 deal;

	t = is_buy(o.type) ? PAPER_ORDER_BUY : PAPER_ORDER_SELL;
	if (e->conf.mode == PAPER_NETTING)
		pi = pos_by_symbol(e, s->name);
	plan_deal(e, pi, t, o.volume, t == PAPER_ORDER_BUY ?
	    e->quotes[si].ask : e->quotes[si].bid, &dp);
	if ((dp.pi < 0 && e->npos >= e->conf.max_positions) ||
	    check_margin(e, plan_margin(e, s, &dp)) != 0) {
		ord_remove(e, oi, PAPER_STATE_REJECTED);
		return 0;
	}
	if (exec_deal(e, s, &dp, o.ticket, now, PAPER_REASON_EXPERT,
	    o.magic, o.comment, o.sl, o.tp, &deal) == -1)
		return -1;
	ord_remove(e, oi, PAPER_STATE_FILLED);
	return 0;
}

static int
sltp_hit(const struct paper_position *p, const struct paper_quote *q,
    enum paper_deal_reason *why)
{
	double	c = close_price(q, p->type);
	int	buy = p->type == PAPER_ORDER_BUY;

	if (p->sl > 0 && (buy ? c <= p->sl : c >= p->sl)) {
		*why = PAPER_REASON_SL;
		return 1;
	}
	if (p->tp > 0 && (buy ? c >= p->tp : c <= p->tp)) {
		*why = PAPER_REASON_TP;
		return 1;
	}
	return 0;
}

static void
stop_out(struct paper_engine *e, int64_t now)
{
	struct paper_account	a;
	size_t			i, worst;
	double			p, wp;

	for (;;) {
		paper_account_get(e, &a);
		if (e->npos == 0 || a.margin <= 0 ||
		    a.margin_level >= e->conf.stop_out_level)
			return;
		worst = 0;
		wp = paper_position_profit(e, &e->pos[0]);
		for (i = 1; i < e->npos; i++)
			if ((p = paper_position_profit(e, &e->pos[i])) < wp) {
				wp = p;
				worst = i;
			}
		if (close_position(e, worst, PAPER_REASON_SO, now) == -1)
			return;	/* no memory: the next tick retries */
	}
}

int
paper_tick(struct paper_engine *e, const char *name, double bid, double ask,
    int64_t now)
{
	struct paper_quote	*q;
	enum paper_deal_reason	 why;
	uint64_t		 before_order, before_deal;
	double			 before_balance;
	ssize_t			 si;
	size_t			 i;

	if ((si = sym_index(e, name)) < 0 ||
	    !finite_in(bid, 1e-12, PAPER_HUGE) ||
	    !finite_in(ask, bid, PAPER_HUGE))
		return -1;
	q = &e->quotes[si];
	q->bid = paper_round(bid, e->syms[si].digits);
	q->ask = paper_round(ask, e->syms[si].digits);
	q->time = now;
	before_order = e->st.next_order;
	before_deal = e->st.next_deal;
	before_balance = e->st.balance;

	expire_orders(e, now);
	for (i = 0; i < e->nord;) {
		if (strcmp(e->ord[i].symbol, name) != 0 ||
		    !pending_triggered(&e->ord[i], q))
			i++;
		else if (e->ord[i].type == PAPER_ORDER_BUY_STOP_LIMIT ||
		    e->ord[i].type == PAPER_ORDER_SELL_STOP_LIMIT)
			activate_stop_limit(e, i);	/* i again, a limit */
		else if (trigger_order(e, i, si, now) != 0)
			i++;
		/* else removed i */
	}
	for (i = 0; i < e->npos;) {
		if (strcmp(e->pos[i].symbol, name) == 0 &&
		    sltp_hit(&e->pos[i], q, &why) &&
		    close_position(e, i, why, now) == 0)
			continue;	/* removed i */
		else
			i++;
	}
	stop_out(e, now);
	if (before_order != e->st.next_order ||
	    before_deal != e->st.next_deal ||
	    before_balance != e->st.balance)
		emit_account(e);
	return 0;
}

