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
#define BSYNC_DEALS	0x04	/* the deals since the last known one */

/* With no deal known, a new heraldd takes the terminal's last day's. */
#define BSYNC_DEALS_BACK_MS	(24 * 3600 * 1000LL)

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
	/*
	 * The newest deal the monitor has: its ticket and time (ms, the
	 * trade server's).  Deals above it are new; see bsync_deal().
	 */
	uint64_t		 deal_after;
	int64_t			 deal_since;
};

/*
 * A stored record (BROKER_RECORD at start): positions and orders kept,
 * and the newest deal, from which the deals made while heraldd or the
 * EA was away are asked for.
 */
void	bsync_restore(struct bsync *, const struct paper_record *);
/*
 * The backend starts at now (ms): with no stored deal, the deals of
 * the BSYNC_DEALS_BACK_MS before are the first asked for.
 */
void	bsync_start(struct bsync *, int64_t now);
/*
 * A deal the terminal reported (an EVENT, or the answer to DEALS):
 * 1 if it is new, the monitor to hear of it (the cursor moves past it),
 * 0 if the monitor had it already.  Deal tickets only grow in MT5, so
 * the ticket is the cursor: each deal reaches the monitor once, over any
 * number of reconnections and restarts.
 */
int	bsync_deal(struct bsync *, uint64_t ticket, int64_t time);
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
