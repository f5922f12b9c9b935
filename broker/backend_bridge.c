/*
 * The bridge backend: MT5 is a terminal running the HeraldBridge EA (or
 * herald-mt5sim), reached over bridge_conn.h.  Reads ask the EA; writes
 * send the ORDER_SEND the monitor authorised (its canonical text and tag
 * came in a BRIDGE_ORDER just before the request) and never twice
 * blindly: after a timeout or a drop the order's outcome is unknown
 * until a QUERY settles it, and after 10011, 10012 or 10031 the EA is
 * asked with QUERY before anything else.  Only 10004, 10020 and 10021
 * (nothing executed) are sent again, with the same command id and tag.
 *
 * The terminal is the record of the account: this backend keeps no
 * state beyond the connection; restore() and the paper symbols the
 * monitor sends are ignored.  The deals the EA pushes (EVENT kind=deal,
 * from OnTradeTransaction) become deal records, as the paper engine's
 * deals do, so that the monitor keeps the history, counts the day's
 * loss and tells GET /v1/events of fills, SL/TP hits and stop-outs
 * alike.  Deals the terminal made while the EA or heraldd was away (an
 * SL hit during a restart, a stop-out, a close by hand) had no EVENT:
 * every new session asks the EA for the deals after the newest one the
 * monitor has (DEALS, bb_deals) before it takes an EVENT's deal, so each
 * deal becomes one record, once, whichever way it came (bsync_deal()).
 *
 * Positions and pending orders are the terminal's: an EVENT about one
 * (kind=order or position, or a deal) is only a notification that the
 * lists changed.  The backend then reads both lists again (bb_resync)
 * and reports the difference from what the monitor holds as position
 * and order records, PUT for a new or changed one, DEL for one gone, so
 * the monitor's risk counts and GET /v1/events' "position" and
 * "pending" events follow the terminal as the paper engine's do.  What
 * the monitor holds is what it stored (restore()) and what was reported
 * since; every (re)connection starts with a read of both lists, so an
 * EVENT lost while the EA was away, or a position closed while heraldd
 * was down, leaves no stale record counting against the limits.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "bridge_conn.h"
#include "bridge_sync.h"
#include "log.h"

#define BB_TAGS		64	/* authorisations waiting for their order */
#define BB_DEAL_PAGES	8	/* DEALS pages per group of records */
#define BB_RESENDS	2	/* after a requote or price change */

/* MT5 return codes the retry rules name. */
#define RC_REQUOTE		10004
#define RC_PLACED		10008
#define RC_DONE			10009
#define RC_DONE_PARTIAL		10010
#define RC_INVALID		10013
#define RC_ERROR		10011
#define RC_TIMEOUT		10012
#define RC_PRICE_CHANGED	10020
#define RC_PRICE_OFF		10021
#define RC_CONNECTION		10031

struct bb {
	struct backend		 be;
	struct bconn		 c;
	struct msg_bridge_order	 tags[BB_TAGS];		/* a ring */
	size_t			 next_tag;
	struct bsync		 sync;		/* positions and orders */
	int			 no_deals;	/* the EA refused DEALS */
};

static struct bridge_writer	 bbw;
static struct bridge_frame	 bbf;

static void	bb_resync(struct bb *);

static struct bb *
bb_of(struct backend *be)
{
	return be->priv;
}

static void
bb_to_monitor(uint32_t type, const void *buf, size_t len, void *arg)
{
	struct bb	*b = arg;

	b->be.send(type, buf, len, b->be.send_arg);
}

static void
bb_up(int connected, const char *why, void *arg)
{
	struct bb		*b = arg;
	struct msg_broker_up	 u;
	uint8_t			 buf[8 + API_STR_MAX];
	size_t			 n;

	/*
	 * The lists first: no order is checked against the records of an
	 * earlier session (the records go in the group the caller ends).
	 */
	b->sync.dirty = BSYNC_ALL | BSYNC_DEALS;
	if (connected) {
		bb_resync(b);
		if (!bconn_ready(&b->c))
			return;		/* gone again: up(0) was said */
	}
	memset(&u, 0, sizeof(u));
	u.connected = (uint8_t)connected;
	if (connected)
		strlcpy(u.reason, "bridge", sizeof(u.reason));
	else
		snprintf(u.reason, sizeof(u.reason), "bridge: %s", why);
	n = msg_broker_up_encode(buf, sizeof(buf), &u);
	b->be.send(MSG_BROKER_UP, buf, n, b->be.send_arg);
}

/* MT5's DEAL_REASON as the records know it: by hand is the client. */
static enum paper_deal_reason
bb_reason(uint64_t r)
{
	switch (r) {
	case PAPER_REASON_EXPERT:
	case PAPER_REASON_SL:
	case PAPER_REASON_TP:
	case PAPER_REASON_SO:
		return (enum paper_deal_reason)r;
	default:
		return PAPER_REASON_CLIENT;	/* client, mobile, web, ... */
	}
}

/*
 * Deal i of a frame (an EVENT's, i 0, or a DEALS answer's item i) as a
 * deal record: 0, or -1 for one that is not kept (a deal type the
 * records do not know: the API has no place for it).
 */
static int
bb_deal(const struct bridge_frame *fr, size_t i, struct paper_record *rec)
{
	struct paper_deal	*d = &rec->u.deal;
	uint64_t		 type = 0, entry = 0, reason = 0;

	memset(rec, 0, sizeof(*rec));
	rec->type = PAPER_REC_DEAL;
	rec->op = PAPER_OP_PUT;
	(void)bridge_u64(fr, "ticket", i, &d->ticket);
	(void)bridge_u64(fr, "order", i, &d->order);
	(void)bridge_u64(fr, "position", i, &d->position);
	(void)bridge_i64(fr, "time_msc", i, &d->time);
	(void)bridge_str(fr, "symbol", i, d->symbol, sizeof(d->symbol));
	(void)bridge_u64(fr, "type", i, &type);
	(void)bridge_u64(fr, "entry", i, &entry);
	(void)bridge_u64(fr, "reason", i, &reason);
	(void)bridge_dec(fr, "volume", i, &d->volume);
	(void)bridge_dec(fr, "price", i, &d->price);
	(void)bridge_dec(fr, "profit", i, &d->profit);
	(void)bridge_dec(fr, "commission", i, &d->commission);
	(void)bridge_dec(fr, "swap", i, &d->swap);
	(void)bridge_u64(fr, "magic", i, &d->magic);
	if (d->ticket == 0 || type > PAPER_DEAL_BALANCE ||
	    entry > PAPER_ENTRY_INOUT) {
		log_debug("bridge: deal %" PRIu64 " of type %" PRIu64
		    " not kept", d->ticket, type);
		return -1;
	}
	d->type = (enum paper_deal_type)type;
	d->entry = (enum paper_deal_entry)entry;
	d->reason = bb_reason(reason);
	return 0;
}

/* A deal the monitor has not had yet becomes its record. */
static void
bb_deal_report(struct bb *b, const struct bridge_frame *fr, size_t i)
{
	struct paper_record	 rec;
	uint64_t		 ticket = 0;
	int64_t			 time = 0;

	(void)bridge_u64(fr, "ticket", i, &ticket);
	(void)bridge_i64(fr, "time_msc", i, &time);
	/* Past it also when not kept: the next page starts after it. */
	if (!bsync_deal(&b->sync, ticket, time) ||
	    bb_deal(fr, i, &rec) == -1)
		return;
	b->be.record(&rec, b->be.record_arg);
}

/*
 * Every EVENT marks the lists for a read; kind=deal is also a deal
 * record, once the session has caught up with the deals made before it
 * (until then the DEALS answer has it: the EA sent this EVENT before it
 * read its history for that answer).
 */
static void
bb_event(const struct bridge_frame *fr, void *arg)
{
	struct bb		*b = arg;
	char			 kind[17];
	uint64_t		 reason = 0, ticket = 0;

	if (bridge_str(fr, "kind", 0, kind, sizeof(kind)) == -1)
		return;
	/* Any EVENT: the lists changed; the next tick reads them. */
	(void)bridge_u64(fr, "ticket", 0, &ticket);
	(void)bridge_u64(fr, "reason", 0, &reason);
	bsync_event(&b->sync, kind, ticket, reason);
	if (strcmp(kind, "deal") != 0 || b->be.record == NULL ||
	    (b->sync.dirty & BSYNC_DEALS))
		return;
	bb_deal_report(b, fr, 0);
}

/* Configuration: the terminal has its own symbols and state. */

static int
bb_add_symbol(struct backend *be, const struct msg_broker_symbol *s,
    char *why)
{
	return 0;
}

static int
bb_add_ticks(struct backend *be, const char *buf, size_t len, char *why)
{
	return 0;
}

/* The monitor's positions and orders: what a resync compares with. */
static int
bb_restore(struct backend *be, const struct paper_record *r, char *why)
{
	bsync_restore(&bb_of(be)->sync, r);
	return 0;
}

static int
bb_connect(struct backend *be, int64_t now, char *why)
{
	bsync_start(&bb_of(be)->sync, now);
	bb_up(0, "no EA connected yet", bb_of(be));
	return 0;
}

static void
bb_tick(struct backend *be, int64_t now)
{
	struct bb	*b = bb_of(be);

	bconn_poll(&b->c, now);
	if (b->sync.dirty && bconn_ready(&b->c))
		bb_resync(b);
}

/*
 * One request and its answer of type want (an ERROR or another type is
 * refused): 0 with bbf filled, BACKEND_DOWN, or 1 for an ERROR frame.
 */
static int
bb_call(struct bb *b, enum bridge_type want, uint64_t req)
{
	int	sent;

	if (bconn_call(&b->c, &bbw, req, &bbf, &sent) == -1)
		return BACKEND_DOWN;
	if (bbf.type == BRIDGE_ERROR)
		return 1;
	if (bbf.type != want) {
		bconn_drop(&b->c, "the EA answered with the wrong type");
		return BACKEND_DOWN;
	}
	return 0;
}

static uint64_t
bb_begin(struct bb *b, enum bridge_type t)
{
	uint64_t	req = bconn_next_req(&b->c);

	bridge_begin(&bbw, t);
	bridge_put_u64(&bbw, "req", req);
	return req;
}

/* Reads. */

static double
dec(const char *key, size_t i)
{
	double	v = 0;

	(void)bridge_dec(&bbf, key, i, &v);
	return v;
}

static uint64_t
u64(const char *key, size_t i)
{
	uint64_t	v = 0;

	(void)bridge_u64(&bbf, key, i, &v);
	return v;
}

static int64_t
i64(const char *key, size_t i)
{
	int64_t	v = 0;

	(void)bridge_i64(&bbf, key, i, &v);
	return v;
}

static int
bb_account(struct backend *be, struct trade_account *a)
{
	struct bb	*b = bb_of(be);
	uint64_t	 req;
	int		 r;

	req = bb_begin(b, BRIDGE_ACCOUNT);
	if ((r = bb_call(b, BRIDGE_ACCOUNT, req)) != 0)
		return r == 1 ? BACKEND_DOWN : r;
	memset(a, 0, sizeof(*a));
	snprintf(a->login, sizeof(a->login), "%" PRIu64, u64("login", 0));
	(void)bridge_str(&bbf, "currency", 0, a->currency,
	    sizeof(a->currency));
	a->margin_mode = u64("margin_mode", 0) == 2 ? TRADE_HEDGING :
	    TRADE_NETTING;
	a->leverage = (uint32_t)u64("leverage", 0);
	a->balance = dec("balance", 0);
	a->equity = dec("equity", 0);
	a->profit = a->equity - a->balance;
	a->margin = dec("margin", 0);
	a->margin_free = dec("margin_free", 0);
	a->margin_level = dec("margin_level", 0);
	return 0;
}

/* Pages of a list, from=0 on while more=1; fill calls for each page. */
static int
bb_list(struct bb *b, enum bridge_type t, void (*fill)(void *), void *arg,
    uint8_t *truncated)
{
	uint64_t	 req, from = 0;
	int		 r;

	*truncated = 0;
	for (;;) {
		req = bb_begin(b, t);
		bridge_put_u64(&bbw, "from", from);
		if ((r = bb_call(b, t, req)) != 0)
			return r == 1 ? BACKEND_DOWN : r;
		fill(arg);
		if (u64("more", 0) == 0)
			return 0;
		if (bbf.count == 0) {
			bconn_drop(&b->c, "an empty page with more=1");
			return BACKEND_DOWN;
		}
		from += bbf.count;
		if (from >= TRADE_LIST_MAX) {
			*truncated = 1;
			return 0;
		}
	}
}

struct pos_fill {
	struct trade_positions	*tp;
	const char		*symbol;
};

static void
fill_positions(void *arg)
{
	struct pos_fill		*pf = arg;
	struct trade_position	*p;
	size_t			 i;

	for (i = 0; i < bbf.count && pf->tp->n < TRADE_LIST_MAX; i++) {
		p = &pf->tp->pos[pf->tp->n];
		memset(p, 0, sizeof(*p));
		(void)bridge_str(&bbf, "symbol", i, p->symbol,
		    sizeof(p->symbol));
		if (pf->symbol != NULL && strcmp(p->symbol, pf->symbol) != 0)
			continue;
		p->ticket = u64("ticket", i);
		p->type = u64("type", i) == 1 ? TRADE_SELL : TRADE_BUY;
		p->volume = dec("volume", i);
		p->price_open = dec("price_open", i);
		p->price_current = dec("price_current", i);
		p->sl = dec("sl", i);
		p->tp = dec("tp", i);
		p->profit = dec("profit", i) + dec("swap", i);
		p->time = i64("time_msc", i);
		p->magic = u64("magic", i);
		(void)bridge_str(&bbf, "comment", i, p->comment,
		    sizeof(p->comment));
		pf->tp->n++;
	}
}

static int
bb_positions(struct backend *be, const char *symbol,
    struct trade_positions *tp)
{
	struct pos_fill	pf = { tp, symbol };

	tp->n = 0;
	return bb_list(bb_of(be), BRIDGE_POSITIONS, fill_positions, &pf,
	    &tp->truncated);
}

static void
fill_orders(void *arg)
{
	struct trade_orders	*to = arg;
	struct trade_order	*o;
	uint64_t		 type;
	size_t			 i;

	for (i = 0; i < bbf.count && to->n < TRADE_LIST_MAX; i++) {
		type = u64("type", i);
		if (type < TRADE_BUY_LIMIT || type > TRADE_SELL_STOP_LIMIT)
			continue;	/* close-by orders: not in the API */
		o = &to->ord[to->n++];
		memset(o, 0, sizeof(*o));
		o->ticket = u64("ticket", i);
		(void)bridge_str(&bbf, "symbol", i, o->symbol,
		    sizeof(o->symbol));
		o->type = (uint8_t)type;
		o->volume = dec("volume_current", i);
		o->price = dec("price_open", i);
		o->sl = dec("sl", i);
		o->tp = dec("tp", i);
		o->time_setup = i64("time_setup_msc", i);
		o->stop_limit = dec("price_stoplimit", i);
		type = u64("type_time", i);
		o->type_time = type <= TRADE_TIME_SPECIFIED_DAY ?
		    (uint8_t)type : TRADE_TIME_GTC;
		/* MT5's datetime: seconds, within what the codec takes */
		o->expiration = i64("expiration", i) > 0 &&
		    i64("expiration", i) <= TRADE_TIME_MAX / 1000 ?
		    i64("expiration", i) * 1000 : 0;
		o->magic = u64("magic", i);
		(void)bridge_str(&bbf, "comment", i, o->comment,
		    sizeof(o->comment));
	}
}

static int
bb_orders(struct backend *be, struct trade_orders *to)
{
	to->n = 0;
	return bb_list(bb_of(be), BRIDGE_ORDERS, fill_orders, to,
	    &to->truncated);
}

/*
 * The deals after the newest the monitor has, BB_DEAL_PAGES pages at a
 * time (a group of records stays bounded; the next tick goes on): 0
 * when caught up, 1 when more remain, or BACKEND_DOWN.
 */
static int
bb_deals(struct bb *b)
{
	char		 why[65] = "";
	uint64_t	 req, before;
	size_t		 i, page;
	int		 r;

	if (b->no_deals)
		return 0;
	for (page = 0; page < BB_DEAL_PAGES; page++) {
		before = b->sync.deal_after;
		req = bb_begin(b, BRIDGE_DEALS);
		bridge_put_u64(&bbw, "after", b->sync.deal_after);
		bridge_put_i64(&bbw, "since", b->sync.deal_since);
		if ((r = bb_call(b, BRIDGE_DEALS, req)) == 1) {
			/* Not again: it would drop every session for it. */
			(void)bridge_str(&bbf, "reason", 0, why, sizeof(why));
			log_warnx("bridge: the EA refused DEALS (%s): deals "
			    "made while it was away are not recorded; install "
			    "this heraldd's HeraldBridge", why);
			b->no_deals = 1;
			return 0;
		}
		if (r != 0)
			return BACKEND_DOWN;
		for (i = 0; i < bbf.count; i++)
			bb_deal_report(b, &bbf, i);
		if (u64("more", 0) == 0)
			return 0;
		if (b->sync.deal_after == before) {
			bconn_drop(&b->c, "a DEALS page that does not advance");
			return BACKEND_DOWN;
		}
	}
	return 1;
}

/*
 * Read the lists marked dirty and report what changed.  An EVENT that
 * came while a list was read was sent before that answer, so the list
 * shows it (its bit is cleared after the read); one about the other
 * list, or one that comes later, marks its list for the next tick.
 */
static void
bb_resync(struct bb *b)
{
	static struct trade_positions	tp;
	static struct trade_orders	to;
	int				want = b->sync.dirty, r;

	if (b->be.record == NULL)
		return;
	if (want & BSYNC_DEALS) {
		if ((r = bb_deals(b)) == BACKEND_DOWN)
			return;
		if (r == 0)
			b->sync.dirty &= ~BSYNC_DEALS;
	}
	/* Each bit cleared once its list is read: see above. */
	if (want & BSYNC_POS) {
		if (bb_positions(&b->be, NULL, &tp) != 0)
			return;
		b->sync.dirty &= ~BSYNC_POS;
	}
	if (want & BSYNC_ORD) {
		if (bb_orders(&b->be, &to) != 0) {
			b->sync.dirty |= want;
			return;
		}
		b->sync.dirty &= ~BSYNC_ORD;
	}
	bsync_apply(&b->sync, (want & BSYNC_POS) ? &tp : NULL,
	    (want & BSYNC_ORD) ? &to : NULL, b->be.record, b->be.record_arg);
}

static int
bb_symbol(struct backend *be, const char *name, struct trade_symbol *s)
{
	struct bb	*b = bb_of(be);
	uint64_t	 req, fill, mode, open;
	int		 r;

	req = bb_begin(b, BRIDGE_SYMBOL);
	bridge_put(&bbw, "name", name);
	if ((r = bb_call(b, BRIDGE_SYMBOL, req)) != 0)
		return r == 1 ? -1 : r;		/* ERROR: unknown_symbol */
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	(void)bridge_str(&bbf, "currency_base", 0, s->currency_base,
	    sizeof(s->currency_base));
	(void)bridge_str(&bbf, "currency_profit", 0, s->currency_profit,
	    sizeof(s->currency_profit));
	s->digits = (uint8_t)(u64("digits", 0) > TRADE_DIGITS_MAX ?
	    TRADE_DIGITS_MAX : u64("digits", 0));
	s->point = dec("point", 0);
	s->contract_size = dec("contract_size", 0);
	s->volume_min = dec("volume_min", 0);
	s->volume_max = dec("volume_max", 0);
	s->volume_step = dec("volume_step", 0);
	s->stops_level = (uint32_t)u64("stops_level", 0);
	fill = u64("filling", 0) & (TRADE_FILL_FOK | TRADE_FILL_IOC);
	s->filling = (uint8_t)(fill != 0 ? fill : TRADE_FILL_RETURN);
	mode = u64("trade_mode", 0);
	s->trade_mode = (uint8_t)(mode > TRADE_MODE_FULL ? TRADE_MODE_DISABLED :
	    mode);
	/* An EA from before session_open: the trade mode alone. */
	if (bridge_u64(&bbf, "session_open", 0, &open) == -1)
		open = mode != TRADE_MODE_DISABLED;
	s->session_open = open != 0 && mode != TRADE_MODE_DISABLED;
	s->bid = dec("bid", 0);
	s->ask = dec("ask", 0);
	s->time = i64("time_msc", 0);
	return 0;
}

/* Writes. */

static const struct msg_bridge_order *
bb_tag(struct bb *b, uint64_t cmd)
{
	size_t	i;

	for (i = 0; i < BB_TAGS; i++)
		if (b->tags[i].command_id == cmd)
			return &b->tags[i];
	return NULL;
}

static void
bb_result(struct trade_result *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->retcode = (uint32_t)u64("retcode", 0);
	tr->order = u64("order", 0);
	tr->deal = u64("deal", 0);
	tr->position = tr->deal != 0 ? tr->order : 0;
	tr->volume = dec("volume", 0);
	tr->price = dec("price", 0);
	tr->bid = dec("bid", 0);
	tr->ask = dec("ask", 0);
	(void)bridge_str(&bbf, "comment", 0, tr->comment,
	    sizeof(tr->comment));
	strlcpy(tr->message, trade_retcode_text(tr->retcode),
	    sizeof(tr->message));
}

/*
 * QUERY cmd: 0 with tr (RESULT), -1 (UNKNOWN: nothing executed), or
 * BACKEND_DOWN (the EA could not be asked).
 */
static int
bb_query(struct bb *b, uint64_t cmd, struct trade_result *tr)
{
	uint64_t	 req;
	int		 sent;

	if (!bconn_ready(&b->c))
		return BACKEND_DOWN;
	req = bb_begin(b, BRIDGE_QUERY);
	bridge_put_u64(&bbw, "cmd", cmd);
	if (bconn_call(&b->c, &bbw, req, &bbf, &sent) == -1)
		return BACKEND_DOWN;
	if (bbf.type == BRIDGE_UNKNOWN && u64("cmd", 0) == cmd)
		return -1;
	if (bbf.type != BRIDGE_RESULT || u64("cmd", 0) != cmd) {
		bconn_drop(&b->c, "a QUERY answered with something else");
		return BACKEND_DOWN;
	}
	bb_result(tr);
	return 0;
}

static int
bb_execute(struct backend *be, uint64_t cmd, const struct rpc_params *p,
    int64_t now, struct trade_result *tr)
{
	struct bb			*b = bb_of(be);
	const struct msg_bridge_order	*o;
	uint64_t			 req;
	uint32_t			 rc;
	int				 sent, tries, r;

	if (p->op != OP_TRADE && p->op != OP_POSITION_CLOSE &&
	    p->op != OP_POSITION_MODIFY && p->op != OP_ORDER_CANCEL &&
	    p->op != OP_ORDER_MODIFY)
		return -1;
	if (!bconn_ready(&b->c) || (o = bb_tag(b, cmd)) == NULL)
		return BACKEND_DOWN;	/* never sent */
	for (tries = 0; ; tries++) {
		req = bb_begin(b, BRIDGE_ORDER_SEND);
		bridge_put_raw(&bbw, o->canon, strlen(o->canon));
		bridge_put_hex(&bbw, "auth", o->tag, sizeof(o->tag));
		if (bconn_call(&b->c, &bbw, req, &bbf, &sent) == -1) {
			log_warnx("bridge: order %" PRIu64 ": %s; its outcome "
			    "is unknown until the EA is asked", cmd, sent ?
			    "no answer" : "not sent");
			return sent ? BACKEND_UNKNOWN : BACKEND_DOWN;
		}
		if (bbf.type == BRIDGE_ERROR) {
			memset(tr, 0, sizeof(*tr));
			tr->retcode = RC_INVALID;
			(void)bridge_str(&bbf, "reason", 0, tr->comment,
			    sizeof(tr->comment));
			strlcpy(tr->message, trade_retcode_text(tr->retcode),
			    sizeof(tr->message));
			return (int)tr->retcode;
		}
		if (bbf.type != BRIDGE_RESULT || u64("cmd", 0) != cmd) {
			bconn_drop(&b->c, "an ORDER_SEND answered with "
			    "something else");
			return BACKEND_UNKNOWN;
		}
		bb_result(tr);
		rc = tr->retcode;
		if ((rc == RC_REQUOTE || rc == RC_PRICE_CHANGED ||
		    rc == RC_PRICE_OFF) && tries < BB_RESENDS)
			continue;	/* nothing executed: the same order */
		if (rc != RC_ERROR && rc != RC_TIMEOUT && rc != RC_CONNECTION)
			return (int)rc;
		/* The trade server may have it: ask before anything else. */
		log_info("bridge: order %" PRIu64 ": retcode %u; asking the "
		    "EA what became of it", cmd, rc);
		if ((r = bb_query(b, cmd, tr)) == BACKEND_DOWN)
			return BACKEND_UNKNOWN;
		if (r == -1) {
			/* Nothing anywhere: it did not execute. */
			memset(tr, 0, sizeof(*tr));
			tr->retcode = rc;
			strlcpy(tr->message, trade_retcode_text(rc),
			    sizeof(tr->message));
		}
		return (int)tr->retcode;
	}
}

/*
 * What an order changed is reported with its answer, in its group of
 * records, as the paper engine does: the monitor's risk counts have the
 * position or order before the order's reservation is released.
 */
static int
bb_send(struct backend *be, uint64_t cmd, const struct rpc_params *p,
    int64_t now, struct trade_result *tr)
{
	struct bb	*b = bb_of(be);
	int		 r;

	r = bb_execute(be, cmd, p, now, tr);
	/* Only the list it changed: a round trip to the EA is the cost. */
	if (r == RC_PLACED || ((r == RC_DONE || r == RC_DONE_PARTIAL) &&
	    (p->op == OP_ORDER_CANCEL || p->op == OP_ORDER_MODIFY)))
		b->sync.dirty |= BSYNC_ORD;
	else if (r == RC_DONE || r == RC_DONE_PARTIAL)
		b->sync.dirty |= BSYNC_POS;
	if (b->sync.dirty && bconn_ready(&b->c))
		bb_resync(b);
	return r;
}

static int
bb_find(struct backend *be, uint64_t cmd, struct trade_result *tr)
{
	struct bb	*b = bb_of(be);
	int		 r;

	if ((r = bb_query(b, cmd, tr)) == 0)
		b->sync.dirty |= BSYNC_ALL;	/* read at the next tick */
	return r;
}

static void
bb_free(struct backend *be)
{
	struct bb	*b = bb_of(be);

	bconn_drop(&b->c, "the broker stops");
	if (b->c.lfd != -1)
		close(b->c.lfd);
	free(b);
}

static int
bb_monitor(struct backend *be, const struct ipc_msg *m, int64_t now,
    const char **why)
{
	struct bb		*b = bb_of(be);
	struct msg_bridge_answer a;
	struct msg_bridge_order	*o;

	switch (m->hdr.type) {
	case MSG_BRIDGE_TLS:
		return bconn_tls(&b->c, m, why);
	case MSG_BRIDGE_LISTENER:
		bconn_listen(&b->c, m->fd);
		log_info("bridge: listening for the EA");
		return 0;
	case MSG_BRIDGE_CHALLENGE:
		if (msg_bridge_answer_decode(m, &a, 1, why) == -1)
			return -1;
		bconn_challenge(&b->c, &a);
		return 0;
	case MSG_BRIDGE_SESSION:
		if (msg_bridge_answer_decode(m, &a, 0, why) == -1)
			return -1;
		bconn_session(&b->c, &a, now);
		explicit_bzero(&a, sizeof(a));
		return 0;
	case MSG_BRIDGE_ORDER:
		o = &b->tags[b->next_tag++ % BB_TAGS];
		if (msg_bridge_order_decode(m, o, why) == -1)
			return -1;
		if (bridge_canon_check(o->canon, strlen(o->canon),
		    NULL) == -1) {
			*why = "canonical text breaks the protocol";
			return -1;
		}
		return 0;
	}
	*why = "not a bridge message";
	return -1;
}

static const struct backend_ops bb_ops = {
	.name = "bridge",
	.add_symbol = bb_add_symbol,
	.add_ticks = bb_add_ticks,
	.restore = bb_restore,
	.connect = bb_connect,
	.tick = bb_tick,
	.account = bb_account,
	.positions = bb_positions,
	.orders = bb_orders,
	.symbol = bb_symbol,
	.send = bb_send,
	.find = bb_find,
	.free = bb_free,
	.monitor = bb_monitor,
	.reports_up = 1,
};

struct backend *
backend_bridge_create(const struct msg_broker_config *conf,
    backend_record_fn fn, void *arg, char *why)
{
	struct bconn_host	 h;
	struct bb		*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("calloc");
	b->be.ops = &bb_ops;
	b->be.record = fn;
	b->be.record_arg = arg;
	b->be.priv = b;
	memset(&h, 0, sizeof(h));
	h.to_monitor = bb_to_monitor;
	h.up = bb_up;
	h.event = bb_event;
	h.arg = b;
	bconn_init(&b->c, &h);
	return &b->be;
}
