/*
 * The broker's account state, kept by the monitor (issue 4).  The broker
 * runs chrooted without a writable file, so every state change it makes
 * (account, positions, orders, deals, executed command ids) comes to the
 * monitor as a record, which stores it here by (type, key) and gives the
 * records back at the next start.  The store knows nothing of what the
 * types mean: the caller names which type holds deals (whose profit is
 * summed for the daily loss rule, and of which only the newest are
 * loaded) and which holds command ids.
 *
 * The same file keeps the lockdown switch ("heraldctl lockdown"), so
 * that a lockdown outlives a restart.
 *
 * The store runs on the monitor's SQLite connection (db.h; migration 3
 * creates its tables).  Its writes join whatever transaction is open on
 * that connection: the monitor stores a group of records inside the
 * journal's batch (journal_batch_begin/commit), so that they and the
 * order's result become durable together.  Outside a transaction each
 * write is its own, durable when it returns (synchronous=FULL).  The
 * store never begins or ends a transaction itself.
 */
#ifndef HERALD_STORE_H
#define HERALD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* The CHECKs of db.c's migration 3 use these numbers. */
#define STORE_KEY_MAX	64		/* bytes of a key, "" allowed */
#define STORE_BODY_MAX	65536		/* bytes of a record */
#define STORE_WHO_MAX	128		/* lockdown's who, with the NUL */
#define STORE_ERR_MAX	512

struct store;

struct store_lockdown {
	int		active;			/* 0 or 1 */
	char		who[STORE_WHO_MAX];	/* who turned it on or off */
	int64_t		since;			/* when (the caller's unit) */
};

/*
 * One stored record.  key is NUL-terminated; body is valid (and non-NULL,
 * also when len is 0) only during the call.  Return 0 to go on; any
 * other value stops store_load(), which returns it.  fn must not write
 * to the store while the load runs.
 */
typedef int (*store_fn)(uint8_t type, const char *key, const void *body,
    size_t len, void *arg);

/*
 * The store on db (db_handle(), schema at migration 3 or later), its
 * statements prepared.  NULL with a reason in err.
 */
struct store	*store_open(sqlite3 *db, char *err, size_t errlen);
/* Before db_close(): the statements live on its connection. */
void		 store_close(struct store *);
/* What the last failing call said, naming what failed. */
const char	*store_error(const struct store *);

/*
 * Insert the record (type, key), or replace the time, profit and body of
 * the one stored under it (which keeps its place in the load order).
 * time_ms orders deals for store_load() and store_profit_since(); profit
 * must be finite.  0, or -1 with store_error().
 */
int	store_put(struct store *, uint8_t type, const char *key,
	    int64_t time_ms, double profit, const void *body, size_t len);
/* Remove (type, key); removing what is not there is not an error. */
int	store_del(struct store *, uint8_t type, const char *key);

/*
 * Every record, ordered by type and then by when its key was first
 * stored; except that of deal_type only the newest max_deals records
 * (by time, then key: a longer key is the greater, so that decimal
 * tickets compare as numbers) and of command_type only the newest
 * max_commands are given, still in stored order.  A maximum of 0 gives
 * them all.  0 when every record was given, the callback's non-zero
 * value when it stopped the load, or -1 with store_error() (a database
 * error, or a row that breaks the schema).
 */
int	store_load(struct store *, uint8_t deal_type, size_t max_deals,
	    uint8_t command_type, size_t max_commands, store_fn, void *arg);

/*
 * Forget records of type with time < before_ms (old deals), or all but
 * the keep newest of type, newest as store_load() counts them (keep 0
 * keeps all).  The number of records deleted, or -1 with store_error().
 */
int64_t	store_prune_before(struct store *, uint8_t type, int64_t before_ms);
int64_t	store_prune_keep(struct store *, uint8_t type, size_t keep);
/*
 * Forget the n oldest records of type (by time, then the first stored),
 * at the cost of those n: the step of a prune as records come.  The
 * number deleted, or -1 with store_error().
 */
int64_t	store_prune_oldest(struct store *, uint8_t type, size_t n);
/* How many records of type are stored, or -1 with store_error(). */
int64_t	store_count(struct store *, uint8_t type);

/*
 * The records of deal_type with from <= time < to (to 0: no end), in
 * the order of time and then key as a decimal number, after the one at
 * (after_time, after_ticket) (after_ticket 0: from the first), each to
 * fn until it returns non-zero.  0 when all were given, fn's value when
 * it stopped, or -1 with store_error().
 */
int	store_deals(struct store *, uint8_t deal_type, int64_t from,
	    int64_t to, int64_t after_time, uint64_t after_ticket, store_fn,
	    void *arg);

/* The sum of the profit of records of deal_type with time >= since_ms. */
int	store_profit_since(struct store *, uint8_t deal_type,
	    int64_t since_ms, double *sum);

/*
 * Who owns a ticket (trading.positions_scope): the key whose order
 * opened it, and that order's journal id (its command id).  A ticket is
 * given its first owner only: a later put of the same ticket does
 * nothing, so that a netting position stays its opener's.
 */
int	store_owner_put(struct store *, uint64_t ticket, int64_t key_id,
	    int64_t order_id);
/* 1 with *key_id and *order_id, 0 if nobody owns it, -1 on error. */
int	store_owner_get(struct store *, uint64_t ticket, int64_t *key_id,
	    int64_t *order_id);
/*
 * Forget the owners of tickets whose journal row is gone and that are
 * no open position or order (keys of records of those two types).  The
 * number forgotten, or -1.
 */
int64_t	store_owner_prune(struct store *, uint8_t position_type,
	    uint8_t order_type);

/*
 * The monitor's own record of realised profit (trading.max_daily_loss):
 * one row per deal ticket, written when the deal is first reported and
 * never changed after, whatever the broker reports again.
 */
int	store_ledger_put(struct store *, uint64_t deal, int64_t time_ms,
	    double profit);
/* The profit of deals at or after since_ms, and the highest deal ticket. */
int	store_ledger_sum(struct store *, int64_t since_ms, double *sum,
	    uint64_t *last_deal);
/* Forget deals before before_ms; how many, or -1. */
int64_t	store_ledger_prune(struct store *, int64_t before_ms);
/* The same among the n lowest deal tickets only: a bounded step. */
int64_t	store_ledger_prune_some(struct store *, int64_t before_ms, size_t n);

/* The lockdown switch: never set reads as off, who "", since 0. */
int	store_lockdown_get(struct store *, struct store_lockdown *);
/* active must be 0 or 1 and who a string of under STORE_WHO_MAX bytes. */
int	store_lockdown_set(struct store *, const struct store_lockdown *);

#endif
