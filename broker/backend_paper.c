/*
 * The paper backend: the broker's MT5 is broker/paper.c.  This file maps
 * the API's requests onto MqlTradeRequests, the engine's state onto the
 * typed answers of common/trade.h, and drives the prices: each symbol
 * starts at its configured bid, then follows the replay file's lines for
 * it (if any), then a seeded random walk from wherever it stands.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "log.h"

/* One symbol's price source. */
struct pb_feed {
	struct paper_walk	 walk;
	double			 start_bid;
	uint32_t		 spread;	/* points */
	int			 session_open;
	int			 quoted;	/* has had its first tick */
	size_t			 cursor;	/* next replay tick to look at */
};

/* One replay line, its symbol resolved. */
struct pb_tick {
	uint32_t		 sym;
	double			 bid;
	double			 ask;
};

struct pb {
	struct backend		 be;
	struct msg_broker_config conf;
	struct paper_engine	*e;
	struct pb_feed		*feed;		/* one per symbol */
	size_t			 nfeed;
	struct pb_tick		*ticks;
	size_t			 nticks, capticks;
	size_t			 lineno;	/* replay lines seen */
};

static struct pb *
pb_of(struct backend *be)
{
	return be->priv;
}

static void
why_set(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
why_set(char *why, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, BACKEND_WHY_MAX, fmt, ap);
	va_end(ap);
}

/* The engine's change stream goes straight to the broker's sink. */
static int
pb_journal(const struct paper_record *r, void *arg)
{
	struct backend	*be = arg;

	if (be->record != NULL)
		be->record(r, be->record_arg);
	return 0;
}

static const char *
rec_type_name(enum paper_rec_type t)
{
	switch (t) {
	case PAPER_REC_ACCOUNT:
		return "account";
	case PAPER_REC_QUOTE:
		return "quote";
	case PAPER_REC_POSITION:
		return "position";
	case PAPER_REC_ORDER:
		return "order";
	case PAPER_REC_DEAL:
		return "deal";
	case PAPER_REC_COMMAND:
		return "command";
	}
	return "record";
}

/* Configuration. */

static int
pb_add_symbol(struct backend *be, const struct msg_broker_symbol *m,
    char *why)
{
	struct pb		*pb = pb_of(be);
	struct paper_symbol	 s;
	struct pb_feed		*nf;
	const char		*bad;
	int			 i;

	memset(&s, 0, sizeof(s));
	if (strlcpy(s.name, m->name, sizeof(s.name)) >= sizeof(s.name)) {
		why_set(why, "symbol %s: name too long", m->name);
		return -1;
	}
	if (strlcpy(s.currency_base, m->currency_base,
	    sizeof(s.currency_base)) >= sizeof(s.currency_base) ||
	    strlcpy(s.currency_profit, m->currency_profit,
	    sizeof(s.currency_profit)) >= sizeof(s.currency_profit)) {
		why_set(why, "symbol %s: currency too long", m->name);
		return -1;
	}
	if (m->stops_level > 1000000 || m->max_step > 1000000 ||
	    m->spread > 1000000) {
		why_set(why, "symbol %s: stops_level, spread or max_step above "
		    "1000000 points", m->name);
		return -1;
	}
	s.digits = m->digits;
	s.point = 1;
	for (i = 0; i < m->digits; i++)
		s.point /= 10;
	s.contract_size = m->contract_size;
	s.volume_min = m->volume_min;
	s.volume_max = m->volume_max;
	s.volume_step = m->volume_step;
	s.stops_level = (int)m->stops_level;
	s.filling = m->filling;
	s.trade_mode = m->trade_mode;
	s.exec_mode = m->exec_mode;
	s.calc_mode = m->calc_mode;
	s.liquidity = m->liquidity;
	s.margin_rate = m->margin_rate;
	s.margin_initial = m->margin_initial;
	s.margin_hedged = m->margin_hedged;
	s.tick_size = m->tick_size;
	s.tick_value = m->tick_value;
	s.expiration = m->expiration;
	s.session_end = (int)(m->session_end % 86400);
	if (paper_add_symbol(pb->e, &s, &bad) == -1) {
		why_set(why, "symbol %s: %s", m->name, bad);
		return -1;
	}
	nf = reallocarray(pb->feed, pb->nfeed + 1, sizeof(*nf));
	if (nf == NULL)
		fatal("paper backend: symbols");
	pb->feed = nf;
	nf = &pb->feed[pb->nfeed];
	memset(nf, 0, sizeof(*nf));
	/* One walk per symbol, each from its own seed. */
	paper_walk_init(&nf->walk, pb->conf.seed + pb->nfeed,
	    (int)m->max_step, (int)m->spread);
	nf->start_bid = m->start_bid;
	nf->spread = m->spread;
	nf->session_open = m->session_open;
	pb->nfeed++;
	return 0;
}

static ssize_t
pb_sym_index(const struct pb *pb, const char *name)
{
	size_t	i;

	for (i = 0; i < pb->nfeed; i++)
		if (strcmp(paper_symbol_at(pb->e, i)->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * A chunk of whole lines of the replay file.  Empty lines and lines
 * starting with '#' are skipped; anything else is SYMBOL,BID,ASK,TIME_MS
 * for a configured symbol, or the start is refused naming the line.
 */
static int
pb_add_ticks(struct backend *be, const char *buf, size_t len, char *why)
{
	struct pb		*pb = pb_of(be);
	struct paper_quote	 q;
	const char		*p = buf, *end = buf + len, *nl, *bad;
	struct pb_tick		*nt;
	ssize_t			 si;
	size_t			 n, ncap;

	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		n = nl - p;
		pb->lineno++;
		if (n == 0 || (n == 1 && p[0] == '\r') || p[0] == '#') {
			p = nl + (nl < end);
			continue;
		}
		if (paper_parse_tick(p, n, &q, &bad) == -1) {
			why_set(why, "replay line %zu: %s", pb->lineno, bad);
			return -1;
		}
		if ((si = pb_sym_index(pb, q.symbol)) < 0) {
			why_set(why, "replay line %zu: symbol %s is not "
			    "configured", pb->lineno, q.symbol);
			return -1;
		}
		if (pb->nticks == pb->capticks) {
			ncap = pb->capticks ? pb->capticks * 2 : 1024;
			nt = reallocarray(pb->ticks, ncap, sizeof(*nt));
			if (nt == NULL) {
				why_set(why, "replay line %zu: out of memory",
				    pb->lineno);
				return -1;
			}
			pb->ticks = nt;
			pb->capticks = ncap;
		}
		pb->ticks[pb->nticks].sym = (uint32_t)si;
		pb->ticks[pb->nticks].bid = q.bid;
		pb->ticks[pb->nticks].ask = q.ask;
		pb->nticks++;
		p = nl + (nl < end);
	}
	return 0;
}

static int
pb_restore(struct backend *be, const struct paper_record *r, char *why)
{
	struct pb	*pb = pb_of(be);
	char		 key[PAPER_KEY_MAX];

	if (paper_import(pb->e, r) == -1) {
		if (paper_record_key(r, key, sizeof(key)) == -1)
			strlcpy(key, "?", sizeof(key));
		why_set(why, "stored %s %s: refused by the paper engine "
		    "(unknown symbol or a value out of range)",
		    rec_type_name(r->type), key);
		return -1;
	}
	return 0;
}

static int
pb_connect(struct backend *be, int64_t now, char *why)
{
	struct pb	*pb = pb_of(be);
	size_t		 i;

	if (pb->nfeed == 0) {
		why_set(why, "no symbols");
		return -1;
	}
	for (i = 0; i < pb->nfeed; i++)
		(void)paper_set_session(pb->e, paper_symbol_at(pb->e, i)->name,
		    pb->feed[i].session_open);
	return 0;
}

/* Prices. */

static int
pb_replay_next(struct pb *pb, size_t si, double *bid, double *ask)
{
	struct pb_feed	*f = &pb->feed[si];

	for (; f->cursor < pb->nticks; f->cursor++)
		if (pb->ticks[f->cursor].sym == si) {
			*bid = pb->ticks[f->cursor].bid;
			*ask = pb->ticks[f->cursor].ask;
			f->cursor++;
			return 0;
		}
	return -1;
}

/*
 * One tick event: every symbol moves once.  The first is the configured
 * start (quotes are not stored, so a restart starts there again); then
 * the symbol's next replay line, in file order; then the walk from the
 * current bid.  The replay paces by the tick interval, not by the
 * file's timestamps, and a tick's time is the clock's.
 */
static void
pb_tick(struct backend *be, int64_t now)
{
	struct pb			*pb = pb_of(be);
	const struct paper_symbol	*s;
	struct paper_quote		 q;
	struct pb_feed			*f;
	double				 bid, ask;
	size_t				 i;

	for (i = 0; i < pb->nfeed; i++) {
		s = paper_symbol_at(pb->e, i);
		f = &pb->feed[i];
		if (!f->quoted) {
			bid = paper_round(f->start_bid, s->digits);
			ask = paper_round(bid + f->spread * s->point,
			    s->digits);
			f->quoted = 1;
		} else if (pb_replay_next(pb, i, &bid, &ask) == -1) {
			if (paper_quote_get(pb->e, s->name, &q) == -1)
				continue;
			paper_walk_next(&f->walk, s, q.bid, f->start_bid,
			    &bid, &ask);
		}
		if (paper_tick(pb->e, s->name, bid, ask, now) == -1)
			log_warnx("paper: %s: tick %g/%g refused", s->name,
			    bid, ask);
	}
}

/* Reads. */

static int
pb_account(struct backend *be, struct trade_account *ta)
{
	struct paper_account	a;

	paper_account_get(pb_of(be)->e, &a);
	memset(ta, 0, sizeof(*ta));
	strlcpy(ta->currency, a.currency, sizeof(ta->currency));
	ta->margin_mode = (uint8_t)a.mode;
	ta->leverage = (uint32_t)a.leverage;
	ta->balance = a.balance;
	ta->credit = a.credit;
	ta->profit = a.profit;
	ta->equity = a.equity;
	ta->margin = a.margin;
	ta->margin_free = a.margin_free;
	ta->margin_level = a.margin_level;
	return 0;
}

static int
pb_positions(struct backend *be, const char *symbol,
    struct trade_positions *tp)
{
	struct paper_engine		*e = pb_of(be)->e;
	const struct paper_position	*p;
	struct trade_position		*t;
	struct paper_quote		 q;
	size_t				 i;

	memset(tp, 0, sizeof(*tp));
	for (i = 0; (p = paper_position_at(e, i)) != NULL; i++) {
		if (symbol != NULL && strcmp(p->symbol, symbol) != 0)
			continue;
		if (tp->n == TRADE_LIST_MAX) {
			tp->truncated = 1;
			break;
		}
		t = &tp->pos[tp->n++];
		t->ticket = p->ticket;
		strlcpy(t->symbol, p->symbol, sizeof(t->symbol));
		t->type = (uint8_t)p->type;
		t->volume = p->volume;
		t->price_open = p->price_open;
		if (paper_quote_get(e, p->symbol, &q) == 0)
			t->price_current = p->type == PAPER_ORDER_BUY ?
			    q.bid : q.ask;
		t->sl = p->sl;
		t->tp = p->tp;
		t->profit = paper_position_profit(e, p);
		t->margin = paper_position_margin(e, p);
		t->time = p->time;
		t->magic = p->magic;
		strlcpy(t->comment, p->comment, sizeof(t->comment));
	}
	return 0;
}

static int
is_buy_type(enum paper_order_type t)
{
	return t == PAPER_ORDER_BUY || t == PAPER_ORDER_BUY_LIMIT ||
	    t == PAPER_ORDER_BUY_STOP || t == PAPER_ORDER_BUY_STOP_LIMIT;
}

static int
pb_orders(struct backend *be, struct trade_orders *to)
{
	struct paper_engine		*e = pb_of(be)->e;
	const struct paper_order	*o;
	struct trade_order		*t;
	struct paper_quote		 q;
	size_t				 i;

	memset(to, 0, sizeof(*to));
	for (i = 0; (o = paper_order_at(e, i)) != NULL; i++) {
		if (to->n == TRADE_LIST_MAX) {
			to->truncated = 1;
			break;
		}
		t = &to->ord[to->n++];
		t->ticket = o->ticket;
		strlcpy(t->symbol, o->symbol, sizeof(t->symbol));
		t->type = (uint8_t)o->type;
		t->volume = o->volume;
		t->price = o->price;
		/* ORDER_PRICE_CURRENT: the price the order would fill at. */
		if (paper_quote_get(e, o->symbol, &q) == 0)
			t->price_current = is_buy_type(o->type) ? q.ask : q.bid;
		t->sl = o->sl;
		t->tp = o->tp;
		t->time_setup = o->time_setup;
		t->magic = o->magic;
		strlcpy(t->comment, o->comment, sizeof(t->comment));
		t->stop_limit = o->stoplimit;
		t->type_time = (uint8_t)o->type_time;
		t->expiration = o->expiration * 1000;
	}
	return 0;
}

static int
pb_symbol(struct backend *be, const char *name, struct trade_symbol *ts)
{
	struct paper_engine		*e = pb_of(be)->e;
	const struct paper_symbol	*s;
	struct paper_quote		 q;

	memset(ts, 0, sizeof(*ts));
	if ((s = paper_symbol_get(e, name)) == NULL ||
	    paper_quote_get(e, name, &q) == -1)
		return -1;
	strlcpy(ts->name, s->name, sizeof(ts->name));
	strlcpy(ts->currency_base, s->currency_base, sizeof(ts->currency_base));
	strlcpy(ts->currency_profit, s->currency_profit,
	    sizeof(ts->currency_profit));
	ts->digits = (uint8_t)s->digits;
	ts->point = s->point;
	ts->contract_size = s->contract_size;
	ts->volume_min = s->volume_min;
	ts->volume_max = s->volume_max;
	ts->volume_step = s->volume_step;
	ts->stops_level = (uint32_t)s->stops_level;
	ts->filling = (uint8_t)s->filling;
	ts->trade_mode = (uint8_t)s->trade_mode;
	ts->tick_value = paper_tick_value(e, name);
	ts->bid = q.bid;
	ts->ask = q.ask;
	ts->time = q.time;
	ts->session_open = (uint8_t)q.session_open;
	return 0;
}

/* Writes. */

/*
 * The position a result concerns: the one its deal opened or changed
 * (while the deal is still in memory), else the ticket the request
 * named (close, modify).  0 when nothing was done.
 */
static uint64_t
result_position(struct paper_engine *e, const struct paper_result *r,
    uint8_t op, uint64_t ticket)
{
	const struct paper_deal	*d;
	size_t			 i;

	if (r->retcode != PAPER_RC_DONE && r->retcode != PAPER_RC_DONE_PARTIAL)
		return 0;
	if (r->deal != 0)
		for (i = paper_deal_count(e); i > 0; i--) {
			d = paper_deal_at(e, i - 1);
			if (d->ticket == r->deal)
				return d->position;
		}
	if (op == OP_POSITION_CLOSE || op == OP_POSITION_MODIFY)
		return ticket;
	return 0;
}

static void
result_fill(struct trade_result *t, const struct paper_result *r,
    uint64_t position)
{
	memset(t, 0, sizeof(*t));
	t->retcode = r->retcode;
	t->order = r->order;
	t->deal = r->deal;
	t->position = position;
	t->volume = r->volume;
	t->price = r->price;
	t->bid = r->bid;
	t->ask = r->ask;
	strlcpy(t->comment, r->comment, sizeof(t->comment));
	strlcpy(t->message, trade_retcode_text(r->retcode),
	    sizeof(t->message));
}

/* The filling a request asked for; none: the symbol's first allowed. */
static enum paper_filling
pick_filling(const struct rpc_params *p, const struct paper_symbol *s)
{
	switch (p->filling) {
	case RPC_FILLING_FOK:
		return PAPER_FILLING_FOK;
	case RPC_FILLING_IOC:
		return PAPER_FILLING_IOC;
	case RPC_FILLING_RETURN:
		return PAPER_FILLING_RETURN;
	default:
		return s != NULL ? paper_pick_filling(s) : PAPER_FILLING_FOK;
	}
}

/*
 * POST /trade as MT5's MqlTradeRequest: a market order is a
 * TRADE_ACTION_DEAL whose price is the one asked (the current one if
 * none) with the deviation allowed; limit, stop and stop_limit are
 * TRADE_ACTION_PENDING with their expiration.
 */
static void
req_trade(struct paper_engine *e, const struct rpc_params *p,
    struct paper_request *rq)
{
	const struct paper_symbol	*s = paper_symbol_get(e, p->symbol);
	struct paper_quote		 q;

	strlcpy(rq->symbol, p->symbol, sizeof(rq->symbol));
	rq->volume = p->volume;
	rq->sl = p->sl;
	rq->tp = p->tp;
	rq->type_filling = pick_filling(p, s);
	strlcpy(rq->comment, p->comment, sizeof(rq->comment));
	rq->type = (enum paper_order_type)rpc_mt5_type(p);
	rq->price = p->price;
	if (p->type != RPC_TYPE_MARKET) {
		rq->action = PAPER_ACTION_PENDING;
		rq->stoplimit = p->stop_limit;
		rq->type_time = (enum paper_type_time)p->type_time;
		rq->expiration = p->expiration;
		return;
	}
	rq->action = PAPER_ACTION_DEAL;
	rq->deviation = p->deviation;
	if (!(p->flags & RPC_HAS_PRICE) &&
	    paper_quote_get(e, p->symbol, &q) == 0)
		rq->price = is_buy_type(rq->type) ? q.ask : q.bid;
}

/*
 * POST /v1/orders/{ticket}/modify: TRADE_ACTION_MODIFY with the order's
 * own values where the request gives none.  An unknown ticket: the
 * engine answers 10013 and keeps the command.
 */
static void
req_order_modify(struct paper_engine *e, const struct rpc_params *p,
    struct paper_request *rq)
{
	const struct paper_order	*o;

	rq->action = PAPER_ACTION_MODIFY;
	rq->order = p->ticket;
	if ((o = paper_order_get(e, p->ticket)) == NULL)
		return;
	strlcpy(rq->symbol, o->symbol, sizeof(rq->symbol));
	rq->price = (p->flags & RPC_HAS_PRICE) ? p->price : o->price;
	rq->stoplimit = (p->oflags & RPC_OHAS_STOP_LIMIT) ? p->stop_limit :
	    o->stoplimit;
	rq->sl = (p->flags & RPC_HAS_SL) ? p->sl : o->sl;
	rq->tp = (p->flags & RPC_HAS_TP) ? p->tp : o->tp;
	rq->type_time = o->type_time;
	rq->expiration = o->expiration;
	if (p->oflags & RPC_OHAS_EXPIRATION) {
		rq->type_time = (enum paper_type_time)p->type_time;
		rq->expiration = p->expiration;
	}
}

/*
 * A refusal decided here rather than by the engine (a close of a
 * position that does not exist) is still an executed command: stored
 * in the engine and sent to the record sink like any other.
 */
static void
refuse(struct pb *pb, const char *id, uint32_t retcode,
    struct paper_result *res)
{
	struct paper_record	rec;

	memset(res, 0, sizeof(*res));
	res->retcode = retcode;
	strlcpy(res->comment, trade_retcode_text(retcode),
	    sizeof(res->comment));
	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_COMMAND;
	rec.op = PAPER_OP_PUT;
	strlcpy(rec.u.command.id, id, sizeof(rec.u.command.id));
	rec.u.command.result = *res;
	if (paper_import(pb->e, &rec) == -1)
		fatalx("paper: command %s could not be stored", id);
	pb_journal(&rec, &pb->be);
}

static int
pb_send(struct backend *be, uint64_t cmdid, const struct rpc_params *p,
    int64_t now, struct trade_result *tr)
{
	struct pb			*pb = pb_of(be);
	struct paper_engine		*e = pb->e;
	const struct paper_position	*pos;
	struct paper_request		 rq;
	struct paper_result		 res;
	char				 id[PAPER_CMDID_MAX];

	memset(tr, 0, sizeof(*tr));
	switch (p->op) {
	case OP_TRADE:
	case OP_POSITION_CLOSE:
	case OP_POSITION_MODIFY:
	case OP_ORDER_CANCEL:
	case OP_ORDER_MODIFY:
		break;
	default:
		return -1;
	}
	if (cmdid == 0)
		return -1;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)cmdid);
	if (paper_find_command(e, id, &res) == 0) {
		result_fill(tr, &res, result_position(e, &res, p->op,
		    p->ticket));
		return (int)res.retcode;
	}

	memset(&rq, 0, sizeof(rq));
	switch (p->op) {
	case OP_TRADE:
		req_trade(e, p, &rq);
		break;
	case OP_POSITION_CLOSE:
		if (paper_close_request(e, p->ticket, (p->flags &
		    RPC_HAS_VOLUME) ? p->volume : 0, &rq) == -1) {
			refuse(pb, id, PAPER_RC_POSITION_CLOSED, &res);
			result_fill(tr, &res, 0);
			return (int)res.retcode;
		}
		break;
	case OP_POSITION_MODIFY:
		/* Unknown: the engine answers 10036 and keeps the command. */
		rq.action = PAPER_ACTION_SLTP;
		rq.position = p->ticket;
		if ((pos = paper_position_get(e, p->ticket)) != NULL) {
			strlcpy(rq.symbol, pos->symbol, sizeof(rq.symbol));
			rq.sl = (p->flags & RPC_HAS_SL) ? p->sl : pos->sl;
			rq.tp = (p->flags & RPC_HAS_TP) ? p->tp : pos->tp;
		}
		break;
	case OP_ORDER_MODIFY:
		req_order_modify(e, p, &rq);
		break;
	default:
		rq.action = PAPER_ACTION_REMOVE;
		rq.order = p->ticket;
		break;
	}
	strlcpy(rq.command_id, id, sizeof(rq.command_id));
	(void)paper_send(e, &rq, now, &res);
	result_fill(tr, &res, result_position(e, &res, p->op, p->ticket));
	return (int)res.retcode;
}

static int
pb_find(struct backend *be, uint64_t cmdid, struct trade_result *tr)
{
	struct paper_engine	*e = pb_of(be)->e;
	struct paper_result	 res;
	char			 id[PAPER_CMDID_MAX];

	memset(tr, 0, sizeof(*tr));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)cmdid);
	if (cmdid == 0 || paper_find_command(e, id, &res) == -1)
		return -1;
	result_fill(tr, &res, result_position(e, &res, OP_NONE, 0));
	return 0;
}

static void
pb_free(struct backend *be)
{
	struct pb	*pb;

	if (be == NULL)
		return;
	pb = pb_of(be);
	paper_free(pb->e);
	free(pb->feed);
	free(pb->ticks);
	free(pb);
}

static const struct backend_ops paper_ops = {
	.name = "paper",
	.add_symbol = pb_add_symbol,
	.add_ticks = pb_add_ticks,
	.restore = pb_restore,
	.connect = pb_connect,
	.tick = pb_tick,
	.account = pb_account,
	.positions = pb_positions,
	.orders = pb_orders,
	.symbol = pb_symbol,
	.send = pb_send,
	.find = pb_find,
	.free = pb_free,
};

struct backend *
backend_paper_create(const struct msg_broker_config *conf,
    backend_record_fn fn, void *arg, char *why)
{
	struct paper_config	 pc;
	struct pb		*pb;

	memset(&pc, 0, sizeof(pc));
	if (strlcpy(pc.currency, conf->currency, sizeof(pc.currency)) >=
	    sizeof(pc.currency)) {
		why_set(why, "account: currency %s too long", conf->currency);
		return NULL;
	}
	if (conf->leverage > INT_MAX) {
		why_set(why, "account: leverage %u", conf->leverage);
		return NULL;
	}
	pc.leverage = (int)conf->leverage;
	pc.balance = conf->balance;
	pc.mode = conf->margin_mode == PAPER_NETTING ? PAPER_NETTING :
	    PAPER_HEDGING;
	pc.max_deals = BACKEND_PAPER_MAX_DEALS;
	pc.max_commands = BACKEND_PAPER_MAX_COMMANDS;
	if ((pb = calloc(1, sizeof(*pb))) == NULL)
		fatal("paper backend");
	if ((pb->e = paper_new(&pc)) == NULL) {
		free(pb);
		why_set(why, "account: currency %s, leverage %u or balance "
		    "%.2f refused by the paper engine", conf->currency,
		    conf->leverage, conf->balance);
		return NULL;
	}
	pb->conf = *conf;
	pb->be.ops = &paper_ops;
	pb->be.record = fn;
	pb->be.record_arg = arg;
	pb->be.priv = pb;
	paper_set_journal(pb->e, pb_journal, &pb->be);
	return &pb->be;
}

struct paper_engine *
backend_paper_engine(struct backend *be)
{
	return be->ops == &paper_ops ? pb_of(be)->e : NULL;
}
