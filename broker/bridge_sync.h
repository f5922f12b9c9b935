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

#define BSYNC_EXPIRED	32	/* orders the EA said expired, not yet gone */

/* MT5's ORDER_STATE_EXPIRED, the reason of an EVENT kind=order. */
#define BSYNC_ORDER_EXPIRED	6

struct bsync_held {
	size_t			 n;
	struct paper_record	 rec[TRADE_LIST_MAX];
};

struct bsync {
	int			 dirty;		/* the lists must be read */
	struct bsync_held	 pos;
	struct bsync_held	 ord;
	uint64_t		 expired[BSYNC_EXPIRED];	/* a ring */
	size_t			 next_expired;
};

/* A stored record (BROKER_RECORD at start): positions and orders kept. */
void	bsync_restore(struct bsync *, const struct paper_record *);
/*
 * An EVENT of kind (deal, order, position): the lists must be read.  An
 * order removed with reason BSYNC_ORDER_EXPIRED is remembered as expired.
 */
void	bsync_event(struct bsync *, const char *kind, uint64_t ticket,
	    uint64_t reason);
/*
 * The lists as read: report the difference to fn.  A list cut at
 * TRADE_LIST_MAX (truncated) reports nothing gone.
 */
void	bsync_apply(struct bsync *, const struct trade_positions *,
	    const struct trade_orders *, backend_record_fn, void *);
/* The records held of a type (PAPER_REC_POSITION or _ORDER). */
size_t	bsync_count(const struct bsync *, enum paper_rec_type);

#endif
