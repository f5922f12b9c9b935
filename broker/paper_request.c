/*
 * Requests to the paper engine: the checks a request goes through before
 * anything changes, in the trade server's order, and the entry points
 * paper_send() and paper_check() that run them and hand the request to
 * its executor (paper_exec.c).  Also the helpers for callers that build
 * requests.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

/* Checks shared by requests. */

int
is_buy(enum paper_order_type t)
{
	return t == PAPER_ORDER_BUY || t == PAPER_ORDER_BUY_LIMIT ||
	    t == PAPER_ORDER_BUY_STOP || t == PAPER_ORDER_BUY_STOP_LIMIT;
}

int
is_pending_type(enum paper_order_type t)
{
	return t >= PAPER_ORDER_BUY_LIMIT && t <= PAPER_ORDER_SELL_STOP_LIMIT;
}

uint32_t
check_volume(const struct paper_symbol *s, double v)
{
	if (!finite_in(v, s->volume_min - PAPER_VOLUME_EPS,
	    s->volume_max + PAPER_VOLUME_EPS) || !on_step(v, s->volume_step))
		return PAPER_RC_INVALID_VOLUME;
	return 0;
}

/* Decimals of a volume step: 2 for 0.01. */
int
step_digits(double step)
{
	int	d;

	for (d = 0; d < 8; d++)
		if (dabs(step * pow10i(d) - paper_round(step * pow10i(d), 0)) <
		    1e-6)
			break;
	return d;
}

/* On the step and clean in decimal: 70 * 0.01 is 0.7, not 0.70..01. */
double
norm_volume(const struct paper_symbol *s, double v)
{
	return paper_round(paper_round(v / s->volume_step, 0) * s->volume_step,
	    step_digits(s->volume_step));
}

uint32_t
check_filling(const struct paper_symbol *s, enum paper_filling f,
    int pending)
{
	unsigned int	bit;

	switch (f) {
	case PAPER_FILLING_FOK:
		bit = PAPER_FILL_FOK;
		break;
	case PAPER_FILLING_IOC:
		bit = PAPER_FILL_IOC;
		break;
	case PAPER_FILLING_RETURN:
		if (pending)
			return 0;
		bit = PAPER_FILL_RETURN;
		break;
	default:
		return PAPER_RC_INVALID_FILL;
	}
	return (s->filling & bit) ? 0 : PAPER_RC_INVALID_FILL;
}

/*
 * SL and TP against a reference: for a buy, SL below and TP above by
 * at least stops_level points (and strictly); for a sell the other way.
 * 0 means no level.  For positions the reference is the close price.
 */
uint32_t
check_stops(const struct paper_symbol *s, int buy, double ref, double sl,
    double tp)
{
	double	gap = s->stops_level * s->point, eps = s->point / 10;

	if (!finite_in(sl, 0, PAPER_HUGE) || !finite_in(tp, 0, PAPER_HUGE))
		return PAPER_RC_INVALID_STOPS;
	if (buy) {
		if (sl > 0 && !(sl <= ref - gap + eps && sl < ref - eps))
			return PAPER_RC_INVALID_STOPS;
		if (tp > 0 && !(tp >= ref + gap - eps && tp > ref + eps))
			return PAPER_RC_INVALID_STOPS;
	} else {
		if (sl > 0 && !(sl >= ref + gap - eps && sl > ref + eps))
			return PAPER_RC_INVALID_STOPS;
		if (tp > 0 && !(tp <= ref - gap + eps && tp < ref - eps))
			return PAPER_RC_INVALID_STOPS;
	}
	return 0;
}

/*
 * A pending price on the right side of the market, stops_level away; a
 * stop-limit's stop price as a stop's, and its limit price as the limit
 * order it becomes at that price (a buy below it, a sell above).
 */
uint32_t
check_pending_price(const struct paper_symbol *s, const struct paper_quote *q,
    enum paper_order_type t, double price, double stoplimit)
{
	double	gap = s->stops_level * s->point, eps = s->point / 10;

	if (!finite_in(price, s->point / 2, PAPER_HUGE))
		return PAPER_RC_INVALID_PRICE;
	if (t == PAPER_ORDER_BUY_STOP_LIMIT || t == PAPER_ORDER_SELL_STOP_LIMIT) {
		if (!finite_in(stoplimit, s->point / 2, PAPER_HUGE))
			return PAPER_RC_INVALID_PRICE;
		if (t == PAPER_ORDER_BUY_STOP_LIMIT ?
		    !(stoplimit <= price - gap + eps && stoplimit < price + eps) :
		    !(stoplimit >= price + gap - eps && stoplimit > price - eps))
			return PAPER_RC_INVALID_PRICE;
		t = t == PAPER_ORDER_BUY_STOP_LIMIT ? PAPER_ORDER_BUY_STOP :
		    PAPER_ORDER_SELL_STOP;
	} else if (stoplimit != 0)
		return PAPER_RC_INVALID_PRICE;
	switch (t) {
	case PAPER_ORDER_BUY_LIMIT:
		if (price <= q->ask - gap + eps && price < q->ask - eps)
			return 0;
		break;
	case PAPER_ORDER_SELL_LIMIT:
		if (price >= q->bid + gap - eps && price > q->bid + eps)
			return 0;
		break;
	case PAPER_ORDER_BUY_STOP:
		if (price >= q->ask + gap - eps && price > q->ask + eps)
			return 0;
		break;
	case PAPER_ORDER_SELL_STOP:
		if (price <= q->bid - gap + eps && price < q->bid - eps)
			return 0;
		break;
	default:
		break;
	}
	return PAPER_RC_INVALID_PRICE;
}

/*
 * The end of the trading day t (seconds) is in: the first of the
 * symbol's daily session ends after t.
 */
static int64_t
day_end(const struct paper_symbol *s, int64_t t)
{
	const int64_t	day = 86400;
	int64_t		k = t - s->session_end;

	/* Floor division: t before 1970 is refused later anyway. */
	k = (k >= 0 ? k / day : -((-k + day - 1) / day)) + 1;
	return k * day + s->session_end;
}

/*
 * An order's expiration (MT5's seconds) from its type_time, at now
 * (milliseconds): GTC none, DAY the end of today's trading day (the
 * symbol's session_end), SPECIFIED as asked, SPECIFIED_DAY the end of
 * the trading day the time asked is in.  10022 for a type_time the
 * symbol does not allow (SYMBOL_EXPIRATION_MODE) or an unknown one, or
 * a time not after now.
 */
uint32_t
order_expiration(const struct paper_symbol *s, enum paper_type_time tt,
    int64_t asked, int64_t now, int64_t *out)
{
	int64_t		nows = now / 1000;

	*out = 0;
	if (tt < PAPER_TIME_GTC || tt > PAPER_TIME_SPECIFIED_DAY ||
	    !(s->expiration & (1u << tt)))
		return PAPER_RC_INVALID_EXPIRATION;
	switch (tt) {
	case PAPER_TIME_GTC:
		return 0;
	case PAPER_TIME_DAY:
		*out = day_end(s, nows);
		return 0;
	case PAPER_TIME_SPECIFIED:
		*out = asked;
		break;
	case PAPER_TIME_SPECIFIED_DAY:
		*out = asked >= 0 ? day_end(s, asked) : asked;
		break;
	}
	if (*out <= nows || *out > PAPER_TIME_MAX_S)
		return PAPER_RC_INVALID_EXPIRATION;
	return 0;
}

/* Long-only, short-only and close-only refuse what opens exposure. */
uint32_t
check_trade_mode(const struct paper_symbol *s, int buy, int opens)
{
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return PAPER_RC_TRADE_DISABLED;
	if (!opens)
		return 0;
	if (s->trade_mode == PAPER_TRADE_CLOSEONLY)
		return PAPER_RC_CLOSE_ONLY;
	if (s->trade_mode == PAPER_TRADE_LONGONLY && !buy)
		return PAPER_RC_LONG_ONLY;
	if (s->trade_mode == PAPER_TRADE_SHORTONLY && buy)
		return PAPER_RC_SHORT_ONLY;
	return 0;
}

/* Requests. */

void
result_quote(const struct paper_engine *e, ssize_t si, struct paper_result *r)
{
	if (si >= 0) {
		r->bid = e->quotes[si].bid;
		r->ask = e->quotes[si].ask;
	}
}

/*
 * Set the retcode and comment: the trade server's description of the
 * code (common/trade.c has the one table; like MT5 the comment keeps
 * its first 31 characters) unless why says more.
 */
uint32_t
answer(struct paper_result *r, uint32_t code, const char *why)
{
	r->retcode = code;
	set_comment(r->comment, why != NULL ? why :
	    trade_retcode_text(code));
	return code;
}

int
have_quotes(const struct paper_quote *q)
{
	return q->bid > 0 && q->ask > 0;
}

/* Shape: what is wrong whatever the market. */
static uint32_t
check_shape(const struct paper_request *rq)
{
	if (!str_ok(rq->symbol, sizeof(rq->symbol)) ||
	    !str_ok(rq->comment, sizeof(rq->comment)) ||
	    !str_ok(rq->command_id, sizeof(rq->command_id)))
		return PAPER_RC_INVALID;
	switch (rq->action) {
	case PAPER_ACTION_DEAL:
		if (rq->type != PAPER_ORDER_BUY && rq->type != PAPER_ORDER_SELL)
			return PAPER_RC_INVALID;
		break;
	case PAPER_ACTION_PENDING:
		if (!is_pending_type(rq->type))
			return PAPER_RC_INVALID;
		if (rq->type_time < PAPER_TIME_GTC ||
		    rq->type_time > PAPER_TIME_SPECIFIED_DAY)
			return PAPER_RC_INVALID_EXPIRATION;
		break;
	case PAPER_ACTION_SLTP:
		if (rq->position == 0)
			return PAPER_RC_INVALID;
		break;
	case PAPER_ACTION_MODIFY:
		if (rq->type_time < PAPER_TIME_GTC ||
		    rq->type_time > PAPER_TIME_SPECIFIED_DAY)
			return PAPER_RC_INVALID_EXPIRATION;
		/* FALLTHROUGH */
	case PAPER_ACTION_REMOVE:
		if (rq->order == 0)
			return PAPER_RC_INVALID;
		break;
	default:
		return PAPER_RC_INVALID;	/* CLOSE_BY included */
	}
	if (rq->action == PAPER_ACTION_DEAL ||
	    rq->action == PAPER_ACTION_PENDING) {
		if (rq->symbol[0] == '\0')
			return PAPER_RC_INVALID;
	}
	return 0;
}

/*
 * The request's checks in order; with chk set nothing changes and chk
 * gets the account as it would be.  r->retcode 0 then means "passes".
 */
static void
dispatch(struct paper_engine *e, const struct paper_request *rq, int64_t now,
    struct paper_result *r, struct paper_check *chk)
{
	uint32_t	rc;

	if ((rc = check_shape(rq)) != 0) {
		answer(r, rc, NULL);
		return;
	}
	switch (rq->action) {
	case PAPER_ACTION_DEAL:
		do_deal(e, rq, now, r, chk);
		break;
	case PAPER_ACTION_PENDING:
		do_pending(e, rq, now, r, chk);
		break;
	case PAPER_ACTION_SLTP:
		do_sltp(e, rq, r, chk);
		break;
	case PAPER_ACTION_MODIFY:
		do_modify(e, rq, now, r, chk);
		break;
	default:
		do_remove(e, rq, r, chk);
		break;
	}
}

uint32_t
paper_send(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_result *r)
{
	struct paper_record	rec;
	int			has_id;

	memset(r, 0, sizeof(*r));
	has_id = str_ok(rq->command_id, sizeof(rq->command_id)) &&
	    rq->command_id[0] != '\0';
	if (has_id && paper_find_command(e, rq->command_id, r) == 0)
		return r->retcode;
	/* Room for the command first: once executed it must be stored. */
	if (has_id && cmd_reserve(e) == -1)
		return answer(r, PAPER_RC_REJECT, "out of memory");

	dispatch(e, rq, now, r, NULL);
	if (has_id) {
		(void)cmd_store(e, rq->command_id, r);	/* room reserved */
		memset(&rec, 0, sizeof(rec));
		rec.type = PAPER_REC_COMMAND;
		rec.op = PAPER_OP_PUT;
		strlcpy(rec.u.command.id, rq->command_id, PAPER_CMDID_MAX);
		rec.u.command.result = *r;
		emit(e, &rec);
	}
	return r->retcode;
}

uint32_t
paper_check(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_check *chk)
{
	struct paper_result	r;

	memset(&r, 0, sizeof(r));
	memset(chk, 0, sizeof(*chk));
	dispatch(e, rq, now, &r, chk);
	if (r.retcode != 0) {
		/* Refused: the account as it is, and why. */
		fill_check(e, chk, 0);
		chk->retcode = r.retcode;
		strlcpy(chk->comment, r.comment, sizeof(chk->comment));
	}
	return chk->retcode;
}

/* Helpers for callers that build requests. */

enum paper_filling
paper_pick_filling(const struct paper_symbol *s)
{
	if (s->filling & PAPER_FILL_FOK)
		return PAPER_FILLING_FOK;
	if (s->filling & PAPER_FILL_IOC)
		return PAPER_FILLING_IOC;
	return PAPER_FILLING_RETURN;
}

int
paper_close_request(const struct paper_engine *e, uint64_t ticket,
    double volume, struct paper_request *rq)
{
	const struct paper_position	*p;
	const struct paper_symbol	*s;

	if ((p = paper_position_get(e, ticket)) == NULL ||
	    (s = paper_symbol_get(e, p->symbol)) == NULL)
		return -1;
	memset(rq, 0, sizeof(*rq));
	rq->action = PAPER_ACTION_DEAL;
	strlcpy(rq->symbol, p->symbol, sizeof(rq->symbol));
	rq->type = p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL :
	    PAPER_ORDER_BUY;
	rq->volume = volume > 0 ? volume : p->volume;
	rq->position = ticket;
	rq->magic = p->magic;
	rq->type_filling = paper_pick_filling(s);
	return 0;
}
