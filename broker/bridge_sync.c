/*
 * The bridge's positions and pending orders as the monitor's records.
 * See bridge_sync.h.
 */
#include <inttypes.h>
#include <string.h>

#include "bridge_sync.h"
#include "log.h"
#include "nitems.h"

static struct paper_record *
held_find(struct bsync_held *h, uint64_t ticket)
{
	size_t	i;

	/* ticket is the first field of both a position and an order. */
	for (i = 0; i < h->n; i++)
		if (h->rec[i].u.position.ticket == ticket)
			return &h->rec[i];
	return NULL;
}

static struct bsync_held *
held_of(struct bsync *s, enum paper_rec_type t)
{
	return t == PAPER_REC_POSITION ? &s->pos : &s->ord;
}

/* Insert or replace: 0, or -1 when full (reported, not remembered). */
static int
held_put(struct bsync *s, const struct paper_record *r)
{
	struct bsync_held	*h = held_of(s, r->type);
	struct paper_record	*old;

	if ((old = held_find(h, r->u.position.ticket)) == NULL) {
		if (h->n == nitems(h->rec))
			return -1;
		old = &h->rec[h->n++];
	}
	*old = *r;
	old->op = PAPER_OP_PUT;
	return 0;
}

void
bsync_restore(struct bsync *s, const struct paper_record *r)
{
	if (r->type == PAPER_REC_DEAL) {
		(void)bsync_deal(s, r->u.deal.ticket, r->u.deal.time);
		return;
	}
	if (r->type != PAPER_REC_POSITION && r->type != PAPER_REC_ORDER)
		return;
	if (held_put(s, r) == -1)
		log_warnx("bridge: more than %d stored %s records; the rest "
		    "is left to the next read", TRADE_LIST_MAX,
		    r->type == PAPER_REC_POSITION ? "position" : "order");
}

void
bsync_start(struct bsync *s, int64_t now)
{
	if (s->deal_after == 0 && s->deal_since == 0)
		s->deal_since = now > BSYNC_DEALS_BACK_MS ?
		    now - BSYNC_DEALS_BACK_MS : 0;
}

int
bsync_deal(struct bsync *s, uint64_t ticket, int64_t time)
{
	if (ticket <= s->deal_after)
		return 0;
	s->deal_after = ticket;
	if (time > s->deal_since)
		s->deal_since = time;
	return 1;
}

size_t
bsync_count(const struct bsync *s, enum paper_rec_type t)
{
	return t == PAPER_REC_POSITION ? s->pos.n : s->ord.n;
}

void
bsync_event(struct bsync *s, const char *kind, uint64_t ticket,
    uint64_t reason)
{
	if (strcmp(kind, "order") == 0) {
		s->dirty |= BSYNC_ORD;
		if (ticket != 0 && reason > PAPER_STATE_PLACED &&
		    reason <= PAPER_STATE_EXPIRED) {
			s->gone[s->next_gone % BSYNC_GONE].ticket = ticket;
			s->gone[s->next_gone++ % BSYNC_GONE].state =
			    (enum paper_order_state)reason;
		}
	} else if (strcmp(kind, "deal") == 0 || strcmp(kind, "position") == 0)
		s->dirty |= BSYNC_POS;
	else
		s->dirty |= BSYNC_ALL;
}

/* Why the EA said the order went; PLACED (not said) if it did not. */
static enum paper_order_state
gone_state(struct bsync *s, uint64_t ticket)
{
	size_t	i;

	for (i = 0; i < BSYNC_GONE; i++)
		if (s->gone[i].ticket == ticket) {
			s->gone[i].ticket = 0;
			return s->gone[i].state;
		}
	return PAPER_STATE_PLACED;
}

/* Whether two records have the same bytes on the wire. */
static int
rec_same(const struct paper_record *x, const struct paper_record *y)
{
	uint8_t	a[PAPER_RECORD_MAX], c[PAPER_RECORD_MAX];
	size_t	na, nc;

	na = paper_record_encode(x, a, sizeof(a));
	nc = paper_record_encode(y, c, sizeof(c));
	return na != (size_t)-1 && na == nc && memcmp(a, c, na) == 0;
}

/*
 * The lists as records.  A position's margin is not in the list: 0, as
 * the monitor's margin rule knows (risk.c).
 */
static void
pos_record(const struct trade_position *p, struct paper_record *r)
{
	struct paper_position	*q = &r->u.position;

	memset(r, 0, sizeof(*r));
	r->type = PAPER_REC_POSITION;
	r->op = PAPER_OP_PUT;
	q->ticket = p->ticket;
	strlcpy(q->symbol, p->symbol, sizeof(q->symbol));
	q->type = p->type == TRADE_SELL ? PAPER_ORDER_SELL : PAPER_ORDER_BUY;
	q->volume = p->volume;
	q->price_open = p->price_open;
	q->sl = p->sl;
	q->tp = p->tp;
	q->time = p->time;
	q->magic = p->magic;
	strlcpy(q->comment, p->comment, sizeof(q->comment));
}

static void
ord_record(const struct trade_order *o, struct paper_record *r)
{
	struct paper_order	*q = &r->u.order;

	memset(r, 0, sizeof(*r));
	r->type = PAPER_REC_ORDER;
	r->op = PAPER_OP_PUT;
	q->ticket = o->ticket;
	strlcpy(q->symbol, o->symbol, sizeof(q->symbol));
	q->type = (enum paper_order_type)o->type;
	q->type_filling = PAPER_FILLING_RETURN;
	q->volume = o->volume;
	q->price = o->price;
	q->sl = o->sl;
	q->tp = o->tp;
	q->time_setup = o->time_setup;
	q->magic = o->magic;
	strlcpy(q->comment, o->comment, sizeof(q->comment));
	q->stoplimit = o->stop_limit;
	q->type_time = (enum paper_type_time)o->type_time;
	q->expiration = o->expiration / 1000;
	q->state = PAPER_STATE_PLACED;
}

/* One list against what is held of its type. */
static void
diff(struct bsync *s, struct bsync_held *h, const struct paper_record *now,
    size_t n, int truncated, backend_record_fn fn, void *arg)
{
	struct paper_record	*old, del;
	size_t			 i, j;

	for (i = 0; i < n; i++) {
		old = held_find(h, now[i].u.position.ticket);
		if (old != NULL && rec_same(old, &now[i]))
			continue;
		if (held_put(s, &now[i]) == -1)
			log_debug("bridge: record %" PRIu64 " reported, not "
			    "remembered", now[i].u.position.ticket);
		fn(&now[i], arg);
	}
	for (j = 0; j < h->n && !truncated;) {
		for (i = 0; i < n; i++)
			if (now[i].u.position.ticket ==
			    h->rec[j].u.position.ticket)
				break;
		if (i < n) {
			j++;
			continue;
		}
		del = h->rec[j];
		del.op = PAPER_OP_DEL;
		h->rec[j] = h->rec[--h->n];
		if (del.type == PAPER_REC_ORDER) {
			del.u.order.state = gone_state(s, del.u.order.ticket);
			if (del.u.order.state == PAPER_STATE_EXPIRED)
				log_info("bridge: order %" PRIu64 " expired",
				    del.u.order.ticket);
		}
		fn(&del, arg);
	}
}

void
bsync_apply(struct bsync *s, const struct trade_positions *tp,
    const struct trade_orders *to, backend_record_fn fn, void *arg)
{
	static struct paper_record	now[TRADE_LIST_MAX];
	size_t				i;

	if (tp != NULL) {
		for (i = 0; i < tp->n && i < nitems(now); i++)
			pos_record(&tp->pos[i], &now[i]);
		diff(s, &s->pos, now, i, tp->truncated, fn, arg);
	}
	if (to != NULL) {
		for (i = 0; i < to->n && i < nitems(now); i++)
			ord_record(&to->ord[i], &now[i]);
		diff(s, &s->ord, now, i, to->truncated, fn, arg);
	}
}
