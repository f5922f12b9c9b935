/*
 * The bridge's positions and pending orders as the monitor's records
 * (backend_bridge.c).  The terminal keeps them; what the monitor holds
 * is what it stored and what was reported since.  A read of the
 * terminal's two lists becomes the difference from that: a PUT for each
 * position or order that is new or changed, a DEL for each one gone.
 * Pure: no I/O, so a unit test drives it (tests/broker/test_bridge_sync.c).
 */
#ifndef HERALD_BRIDGE_SYNC_H
#define HERALD_BRIDGE_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "record.h"
#include "trade.h"

#define BSYNC_GONE	32	/* orders the EA said went, not yet read gone */

/* Which lists must be read again (struct bsync's dirty). */
#define BSYNC_POS	0x01
#define BSYNC_ORD	0x02
#define BSYNC_ALL	(BSYNC_POS | BSYNC_ORD)

struct bsync_held {
	size_t			 n;
	struct paper_record	 rec[TRADE_LIST_MAX];
};

struct bsync {
	int			 dirty;		/* BSYNC_* lists to read */
	struct bsync_held	 pos;
	struct bsync_held	 ord;
	struct {
		uint64_t		 ticket;
		enum paper_order_state	 state;
	}			 gone[BSYNC_GONE];	/* a ring */
	size_t			 next_gone;
};

/* A stored record (BROKER_RECORD at start): positions and orders kept. */
void	bsync_restore(struct bsync *, const struct paper_record *);
/*
 * An EVENT of kind (deal, order, position): its list must be read (a
 * deal's is the positions: a pending order it filled has an EVENT of its
 * own).  An order's removal says why in its reason, MT5's ORDER_STATE
 * (cancelled, filled, rejected, expired): the order's DEL record, when
 * the list shows it gone, carries it, so that the monitor tells an
 * expiry from a cancel as it does the paper engine's.
 */
void	bsync_event(struct bsync *, const char *kind, uint64_t ticket,
	    uint64_t reason);
/*
 * The lists as read (NULL: that one was not read): report the
 * difference to fn.  A list cut at TRADE_LIST_MAX (truncated) reports
 * nothing gone.
 */
void	bsync_apply(struct bsync *, const struct trade_positions *,
	    const struct trade_orders *, backend_record_fn, void *);
/* The records held of a type (PAPER_REC_POSITION or _ORDER). */
size_t	bsync_count(const struct bsync *, enum paper_rec_type);

#endif
