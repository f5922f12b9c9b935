/*
 * The monitor's pre-trade risk rules (issue 4, herald.yaml "trading:").
 * net cannot skip them: the monitor checks every write before it is
 * journaled or reaches the broker, and a refusal is a 403 naming the
 * rule and its limit.
 *
 * For OP_TRADE, in this order:
 *	trading.allowed_symbols		the symbol is in the list (an empty
 *					list allows none)
 *	trading.max_volume		volume <= the limit
 *	trading.max_open_positions	positions and pending orders open
 *					< the limit
 *	trading.max_positions_per_symbol  the same, on the symbol
 *	trading.max_exposure		the symbol's net lots (buys - sells of
 *					its positions) stay within +-limit
 *					with this order, its pending orders
 *					and the orders in flight on the
 *					order's side counted in; 0 disables
 *	trading.min_margin_level	the account's margin level (equity /
 *					margin, percent) stays at or above
 *					the limit with this order's margin
 *					and the in-flight orders' added; 0
 *					disables
 *	trading.max_daily_loss		today's (UTC) realised profit is above
 *					-limit; 0 disables
 *	trading.orders_per_minute	per key, a sliding 60 s window (window.h's
 *					rpc_window); a request counts only
 *					when every other rule passed
 * OP_POSITION_CLOSE, OP_POSITION_MODIFY and OP_ORDER_CANCEL reduce risk:
 * only the per-key order rate applies.  Reads are never checked.
 *
 * The open positions and orders and the realised profit are what the
 * broker reported (risk_track, risk_realised), so a count is as fresh as
 * the last group of records the monitor stored.  An order accepted but
 * not yet answered counts as open too (risk_reserve), so that no number
 * of concurrent orders gets past a limit.  Pure: no I/O.
 */
#ifndef HERALD_RISK_H
#define HERALD_RISK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "params.h"
#include "window.h"

#define RISK_POSITION	1
#define RISK_ORDER	2

#define RISK_RATE_WINDOW 60		/* seconds: orders_per_minute */
#define RISK_TRACK_MAX	65536		/* positions and orders remembered */
#define RISK_KEYS_MAX	65536		/* keys with a live rate window */
#define RISK_LOT_UNITS	100000000	/* lots counted in 1e-8 lots */

/*
 * What a position, a pending order or an order in flight holds of the
 * exposure and margin rules.
 */
struct risk_lots {
	int		side;		/* RPC_SIDE_BUY or RPC_SIDE_SELL */
	double		volume;		/* lots */
	double		margin;		/* account currency: a position's
					   (the broker's figure), an order's
					   estimate; 0 for a pending order */
	double		price;		/* open or pending price, 0: none */
};

struct risk_refusal {
	char		rule[48];	/* "trading.max_volume" */
	char		message[240];	/* "<rule>: <why and the limit>" */
	uint32_t	retry_after;	/* seconds, orders_per_minute; else 0 */
	struct risk_lots lots;		/* an OP_TRADE that passed: what to
					   risk_reserve() */
};

struct risk;

/* NULL when out of memory.  Until configured it allows no symbol. */
struct risk	*risk_new(void);
void		 risk_free(struct risk *);

/*
 * Take the trading section and each mt5.paper.symbols volume_step.
 * Again on reload: the positions, orders, realised profit and rate
 * windows stay.
 */
void	risk_configure(struct risk *, const struct herald_conf *);

/*
 * A position or pending order (kind RISK_POSITION or RISK_ORDER) put
 * (open 1: opened or changed; symbol required) or removed (open 0;
 * symbol ignored).  Removing what is not tracked does nothing.
 */
void	risk_track(struct risk *, int kind, uint64_t ticket,
	    const char *symbol, int open);
/*
 * The side, volume and margin of what risk_track() put (kind, ticket):
 * its exposure and margin from now on.  Nothing if it is not tracked.
 */
void	risk_lots(struct risk *, int kind, uint64_t ticket,
	    const struct risk_lots *);
/* The account's balance plus credit, as the broker's record says. */
void	risk_balance(struct risk *, double balance);
/*
 * An account read's figures: its floating profit (equity - balance -
 * credit) is the one the margin level rule adds to the balance.
 */
void	risk_account(struct risk *, double balance_credit, double equity);
/* Net lots of symbol's positions (buys - sells). */
double	risk_net_lots(const struct risk *, const char *symbol);
/* The margin the positions hold, the broker's figures summed. */
double	risk_margin_used(const struct risk *);

/*
 * A deal's realised profit at time_ms (wall clock, ms since the epoch),
 * summed per UTC day; a deal of a day before the current one is ignored,
 * one of a later day starts that day.
 */
void	risk_realised(struct risk *, int64_t time_ms, double profit);
/* At start: the sum realised since day_start_ms (store_profit_since). */
void	risk_set_realised(struct risk *, int64_t day_start_ms, double sum);

/*
 * Check p from key_id at now_ms (wall clock, ms since the epoch).  0 if
 * it may go on (for a write, counted in the key's order rate), 1 if
 * refused with out filled in.
 */
int	risk_check(struct risk *, int64_t key_id, const struct rpc_params *p,
	    int64_t now_ms, struct risk_refusal *out);

/*
 * An order accepted (risk_check passed) on its way to the broker holds a
 * slot of max_open_positions and of its symbol's max_positions_per_symbol,
 * and with lots (risk_refusal's, or NULL) its exposure and margin, until
 * its answer, whose records have by then tracked what it opened:
 * risk_release(handle, the same lots) at the answer, or when it never
 * reaches the broker.  The handle is what risk_release() needs (-1: the
 * total only).
 */
ssize_t	 risk_reserve(struct risk *, const char *symbol,
	    const struct risk_lots *);
void	 risk_release(struct risk *, ssize_t handle,
	    const struct risk_lots *);
/* Slots reserved, on symbol (NULL: all). */
uint32_t risk_reserved(const struct risk *, const char *symbol);

/* Positions and pending orders tracked, on symbol (NULL: all). */
uint32_t risk_open_count(const struct risk *, const char *symbol);
/* Keys with an order rate window (bounded by pruning idle ones). */
size_t	risk_rate_keys(const struct risk *);
/* The profit realised on now_ms's UTC day. */
double	risk_realised_today(const struct risk *, int64_t now_ms);
/* The start of now_ms's UTC day, for store_profit_since(). */
int64_t	risk_day_start(int64_t now_ms);

#endif
