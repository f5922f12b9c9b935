/*
 * The bridge's positions and orders as records (broker/bridge_sync.c):
 * a read of the terminal's lists reports what is new or changed and
 * what is gone against what the monitor holds, stored records included,
 * and nothing when nothing changed; a cut list removes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bridge_sync.h"

static struct trade_positions	tp;
static struct trade_orders	to;
static struct bsync		sync_;

struct seen {
	size_t			n;
	struct paper_record	r[8];
};
static struct seen	seen;

static void
sink(const struct paper_record *r, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < 8);
	s->r[s->n++] = *r;
}

static void
apply(void)
{
	memset(&seen, 0, sizeof(seen));
	bsync_apply(&sync_, &tp, &to, sink, &seen);
}

static void
position(size_t i, uint64_t ticket, double volume, double sl)
{
	struct trade_position	*p = &tp.pos[i];

	memset(p, 0, sizeof(*p));
	p->ticket = ticket;
	strlcpy(p->symbol, "EURUSD", sizeof(p->symbol));
	p->type = TRADE_SELL;
	p->volume = volume;
	p->price_open = 1.085;
	p->price_current = 1.086;	/* moves; not in the record */
	p->profit = -1;
	p->sl = sl;
	p->time = 1700000000123LL;
	p->magic = 4857000000000000042ULL;
	strlcpy(p->comment, "hd:42", sizeof(p->comment));
}

static void
order(size_t i, uint64_t ticket, double price)
{
	struct trade_order	*o = &to.ord[i];

	memset(o, 0, sizeof(*o));
	o->ticket = ticket;
	strlcpy(o->symbol, "EURUSD", sizeof(o->symbol));
	o->type = TRADE_BUY_LIMIT;
	o->volume = 0.2;
	o->price = price;
	o->type_time = PAPER_TIME_SPECIFIED;
	o->expiration = 1900000000000LL;
	o->time_setup = 1700000000456LL;
}

static int
setup(void **state)
{
	memset(&tp, 0, sizeof(tp));
	memset(&to, 0, sizeof(to));
	memset(&sync_, 0, sizeof(sync_));
	return 0;
}

static void
test_new_changed_gone(void **state)
{
	position(0, 7, 0.1, 0);
	order(0, 9, 1.07);
	tp.n = to.n = 1;
	apply();
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.r[0].type, PAPER_REC_POSITION);
	assert_int_equal(seen.r[0].op, PAPER_OP_PUT);
	assert_int_equal(seen.r[0].u.position.ticket, 7);
	assert_int_equal(seen.r[0].u.position.type, PAPER_ORDER_SELL);
	assert_string_equal(seen.r[0].u.position.comment, "hd:42");
	assert_int_equal(seen.r[1].type, PAPER_REC_ORDER);
	assert_int_equal(seen.r[1].u.order.ticket, 9);
	/* MT5's datetime: the record's expiration is in seconds. */
	assert_int_equal(seen.r[1].u.order.expiration, 1900000000);

	/* The same lists, prices moved: nothing to say. */
	tp.pos[0].price_current = 1.09;
	tp.pos[0].profit = 5;
	apply();
	assert_int_equal(seen.n, 0);

	/* An SL set: the position again, as PUT. */
	tp.pos[0].sl = 1.1;
	apply();
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.r[0].op, PAPER_OP_PUT);
	assert_true(seen.r[0].u.position.sl == 1.1);

	/* Both gone: DEL with their last values. */
	tp.n = to.n = 0;
	apply();
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.r[0].op, PAPER_OP_DEL);
	assert_int_equal(seen.r[0].u.position.ticket, 7);
	assert_true(seen.r[0].u.position.sl == 1.1);
	assert_int_equal(seen.r[1].op, PAPER_OP_DEL);
	assert_int_equal(seen.r[1].u.order.ticket, 9);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_POSITION), 0);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_ORDER), 0);
}

/* What the monitor stored and the terminal no longer has goes. */
static void
test_stored_then_gone(void **state)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_POSITION;
	r.op = PAPER_OP_PUT;
	r.u.position.ticket = 3;
	strlcpy(r.u.position.symbol, "EURUSD", sizeof(r.u.position.symbol));
	bsync_restore(&sync_, &r);
	r.type = PAPER_REC_DEAL;		/* not held */
	bsync_restore(&sync_, &r);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_POSITION), 1);
	position(0, 4, 0.1, 0);
	tp.n = 1;
	apply();
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.r[0].op, PAPER_OP_PUT);
	assert_int_equal(seen.r[0].u.position.ticket, 4);
	assert_int_equal(seen.r[1].op, PAPER_OP_DEL);
	assert_int_equal(seen.r[1].u.position.ticket, 3);
}

/* A list cut at TRADE_LIST_MAX: nothing is taken as gone. */
static void
test_truncated_removes_nothing(void **state)
{
	position(0, 1, 0.1, 0);
	position(1, 2, 0.1, 0);
	tp.n = 2;
	apply();
	assert_int_equal(seen.n, 2);
	tp.n = 1;
	tp.truncated = 1;
	apply();
	assert_int_equal(seen.n, 0);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_POSITION), 2);
	tp.truncated = 0;
	apply();
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.r[0].op, PAPER_OP_DEL);
	assert_int_equal(seen.r[0].u.position.ticket, 2);
}

static void
test_events_mark_dirty(void **state)
{
	assert_int_equal(sync_.dirty, 0);
	bsync_event(&sync_, "position", 5, 0);
	assert_int_equal(sync_.dirty, BSYNC_POS);
	sync_.dirty = 0;
	bsync_event(&sync_, "deal", 6, 4);
	assert_int_equal(sync_.dirty, BSYNC_POS);
	bsync_event(&sync_, "order", 9, PAPER_STATE_EXPIRED);
	assert_int_equal(sync_.dirty, BSYNC_ALL);
	assert_int_equal(sync_.gone[0].ticket, 9);
	sync_.dirty = 0;
	bsync_event(&sync_, "news", 1, 0);
	assert_int_equal(sync_.dirty, BSYNC_ALL);
}

/* The EA's reason for an order's removal reaches its DEL record. */
static void
test_removal_says_why(void **state)
{
	order(0, 9, 1.07);
	order(1, 10, 1.06);
	to.n = 2;
	apply();
	assert_int_equal(seen.r[0].u.order.state, PAPER_STATE_PLACED);
	bsync_event(&sync_, "order", 9, PAPER_STATE_EXPIRED);
	to.n = 0;
	apply();
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.r[0].op, PAPER_OP_DEL);
	assert_int_equal(seen.r[0].u.order.ticket, 9);
	assert_int_equal(seen.r[0].u.order.state, PAPER_STATE_EXPIRED);
	/* Not said: no reason, as an older EA's removals. */
	assert_int_equal(seen.r[1].u.order.ticket, 10);
	assert_int_equal(seen.r[1].u.order.state, PAPER_STATE_PLACED);
}

/* One list read: the other is neither reported nor taken as gone. */
static void
test_one_list(void **state)
{
	position(0, 7, 0.1, 0);
	order(0, 9, 1.07);
	tp.n = to.n = 1;
	apply();
	assert_int_equal(seen.n, 2);
	tp.n = 0;
	memset(&seen, 0, sizeof(seen));
	bsync_apply(&sync_, NULL, &to, sink, &seen);
	assert_int_equal(seen.n, 0);
	bsync_apply(&sync_, &tp, NULL, sink, &seen);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.r[0].op, PAPER_OP_DEL);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_ORDER), 1);
}

/*
 * The deal cursor: the newest stored deal, else the day before the
 * start; a deal is new once, in any order of EVENTs, DEALS answers and
 * restored records.
 */
static void
test_deal_cursor(void **state)
{
	struct paper_record	r;
	int64_t			now = 1800000000000LL;

	bsync_start(&sync_, now);
	assert_int_equal(sync_.deal_after, 0);
	assert_true(sync_.deal_since == now - BSYNC_DEALS_BACK_MS);

	memset(&sync_, 0, sizeof(sync_));
	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_DEAL;
	r.u.deal.ticket = 90;
	r.u.deal.time = now - 5000;
	bsync_restore(&sync_, &r);
	r.u.deal.ticket = 70;		/* restored in any order */
	r.u.deal.time = now - 9000;
	bsync_restore(&sync_, &r);
	bsync_start(&sync_, now);
	assert_int_equal(sync_.deal_after, 90);
	assert_true(sync_.deal_since == now - 5000);
	assert_int_equal(bsync_count(&sync_, PAPER_REC_POSITION), 0);

	assert_int_equal(bsync_deal(&sync_, 90, now), 0);	/* had it */
	assert_int_equal(bsync_deal(&sync_, 91, now + 1), 1);
	assert_int_equal(bsync_deal(&sync_, 91, now + 1), 0);	/* again */
	assert_int_equal(bsync_deal(&sync_, 80, now + 2), 0);
	assert_int_equal(bsync_deal(&sync_, 95, now - 1), 1);
	assert_int_equal(sync_.deal_after, 95);
	assert_true(sync_.deal_since == now + 1);	/* never back */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_changed_gone, setup),
		cmocka_unit_test_setup(test_stored_then_gone, setup),
		cmocka_unit_test_setup(test_truncated_removes_nothing, setup),
		cmocka_unit_test_setup(test_events_mark_dirty, setup),
		cmocka_unit_test_setup(test_one_list, setup),
		cmocka_unit_test_setup(test_removal_says_why, setup),
		cmocka_unit_test_setup(test_deal_cursor, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
