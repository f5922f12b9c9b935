/*
 * The monitor's trading path: what happens to an authenticated trading
 * request between net and the broker.
 *
 * Writes (POST /trade, close, modify, cancel) that repeat an order the
 * journal holds for the key get its first answer before anything else
 * is asked.  Others pass the lockdown, the
 * broker's state and the risk rules (risk.h), get a row in the orders
 * journal (journal.h), and only once that row is durable go to the
 * broker with the row id as their command id.  The broker's answer, and
 * every change of the account it reports (BROKER_RECORD, kept in
 * store.h), are written in one transaction before net gets the answer.
 * Rows are written in batches, one per event-loop turn, so that many
 * orders share one fsync (group commit) and none is answered before its
 * batch is durable.
 *
 * Reads (account, positions, orders, symbol) go to the broker and back
 * without a journal row.
 *
 * At start the broker gets the configuration and the stored account;
 * when its backend is up, orders left in flight by an earlier run are
 * resolved by asking the backend what became of their command id, never
 * by sending them again.  Only then are trading requests accepted.
 */
#ifndef HERALD_TRADING_H
#define HERALD_TRADING_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "auth.h"
#include "config.h"
#include "ipc.h"
#include "msg.h"
#include "privsep.h"

struct journal;

/*
 * What the trading path does to the rest of the daemon, passed in so
 * that a test can drive it, the group commit above all, without
 * processes (tests/privsep/monitor/test_trading.c).  The monitor's
 * table sends over its socketpairs and commits with
 * journal_batch_commit().
 */
struct trade_io {
	/* A message to the broker. */
	void	(*to_broker)(uint32_t type, uint32_t id, const void *,
		    size_t);
	/* An answer (msg_api_res_encode()d) to net's request net_id. */
	void	(*to_net)(uint32_t net_id, const void *, size_t);
	/* Make the open batch durable: 0, or -1 rolled back. */
	int	(*commit)(struct journal *);
	/*
	 * Log why and stop the daemon: a broken invariant.  The monitor's
	 * does not return; the caller returns at once if it does.
	 */
	void	(*abort)(const char *why);
	/* A durable event (event_encode()d) for net's streams; may be NULL. */
	void	(*event)(const void *, size_t);
};

/*
 * Read mt5.paper.ticks_file (if set) while heraldd still has a terminal
 * to complain to; heraldd -n uses it too.  0, or -1 with err naming the
 * file.
 */
int	trade_load_ticks(const struct herald_conf *, char *err, size_t errlen);
/*
 * Open the journal and the account store on the monitor's database
 * (auth_init() opened it) and load the lockdown state.  0, or -1 with
 * err.
 */
int	trade_init(const struct herald_conf *, struct event_base *,
	    const struct trade_io *, char *err, size_t errlen);
/* A reloaded configuration: the risk rules and the repeat window. */
void	trade_reconfigure(const struct herald_conf *);
/* The broker is sandboxed: send it the configuration and the account. */
void	trade_broker_ready(void);
/* Roll back an open batch (nothing in it was answered) and close. */
void	trade_close(void);

/*
 * An authenticated request for a trading operation.  0 with res filled
 * in (answer now), 1 if the answer comes later through
 * io->to_net, or -1 with why when net sent parameters that do
 * not decode (a broken invariant: the caller stops the daemon).
 */
int	trade_api(uint32_t net_id, const struct msg_api_req *,
	    const struct auth_identity *, struct msg_api_res *res,
	    const char **why);

/* The broker's messages; -1 with why breaks the IPC rules. */
int	trade_broker_up(const struct ipc_msg *, const char **why);
int	trade_broker_record(const struct ipc_msg *, const char **why);
int	trade_broker_sync(const struct ipc_msg *, const char **why);
int	trade_broker_res(const struct ipc_msg *, const char **why);

/*
 * heraldctl lockdown on|off; 0, or -1 with why.  It holds at once; in a
 * storage fault it is written when the database can be.
 */
/* GET /v1/deals: a page of the deals the monitor stored (res, 200 or 503). */
void	trade_deals(const struct rpc_params *, struct msg_api_res *);
int	trade_lockdown(int on, const char *who, char *why, size_t whylen);

struct trade_state {
	char		broker[64];	/* "connected", "starting", "down: ..." */
	int		lockdown;
	char		lockdown_by[128];
	int64_t		lockdown_since;	/* unix time */
	int		storage_fault;	/* the database cannot commit */
	char		storage[128];	/* "ok", "unavailable: why" */
	int64_t		storage_since;	/* unix time; 0 when ok */
};
void	trade_state(struct trade_state *);
/*
 * GET /readyz: 1 if orders can be taken now; else 0, with why naming
 * every reason (storage, broker, lockdown) and retry the seconds after
 * which to ask again.
 */
int	trade_ready(char *why, size_t whylen, uint32_t *retry);

#endif
