/*
 * The trading path's own state, shared by its files and by nothing
 * else:
 *
 *	trading.c		the client's requests, lockdown, set-up
 *	trading_commit.c	the group commit, storage faults, the
 *				transactions
 *	trading_broker.c	the broker's answers and records
 *	trading_start.c		start-up: configuration, stored account,
 *				orders an earlier run left in flight
 *	trading_events.c	what GET /v1/events tells of all this
 *	trading_deals.c		GET /v1/deals from the stored deals
 *
 * A transaction (struct tx) is one request the broker owes an answer to:
 * a client's write (journaled, with a command id), a client's read, or,
 * at start, the question what became of a command id left in flight.
 * Its id in the BROKER_REQ / BROKER_FIND header is ours; the broker
 * answers with the same id.
 */
#ifndef HERALD_TRADING_INT_H
#define HERALD_TRADING_INT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "journal.h"
#include "msg.h"
#include "record.h"
#include "risk.h"
#include "store.h"
#include "trade.h"
#include "trading.h"

#define TX_MAX			4096	/* requests the broker owes at once */
#define TX_WAITERS		8	/* repeats waiting for one order */
#define ACCOUNT_POLL_SEC	1	/* account reads for min_margin_level */

enum broker_state {
	BS_STOPPED = 0,		/* not yet sandboxed */
	BS_STARTING,		/* configuration sent, backend not yet up */
	BS_RESOLVING,		/* up; orders of an earlier run in question */
	BS_CONNECTED,
	BS_DOWN			/* the backend said it is not connected */
};

enum tx_kind {
	TX_WRITE,		/* journaled; command_id is the row id */
	TX_READ,
	TX_FIND			/* start-up: what became of command_id */
};

struct tx {
	TAILQ_ENTRY(tx)	 entry;
	uint32_t	 id;		/* BROKER_REQ/FIND header id */
	enum tx_kind	 kind;
	uint8_t		 op;
	int64_t		 command_id;
	int64_t		 key_id;	/* whose order: the tickets' owner */
	int		 answered;	/* net had its answer (timeout) */
	int		 poll;		/* the monitor's own account read */
	uint64_t	 started_us;	/* accepted (metrics_now_us()) */
	size_t		 nwaiters;
	uint32_t	 waiters[1 + TX_WAITERS];	/* net request ids */
	char		 coid[TRADE_COID_MAX];
	char		 what[128];	/* key, side, volume, symbol: logs */
	char		 key[64];	/* the key's name: the audit row */
	char		 addr[ADDR_STR_MAX];	/* the client's address */
	json_t		*audit;		/* the order's audit detail */
	int		 reserved;	/* holds a slot: risk_reserve() */
	ssize_t		 slot;		/* its handle */
	struct risk_lots lots;		/* and its exposure and margin */
	struct event	*timer;
	uint16_t	 params_len;
	uint8_t		 params[];	/* what goes to the broker */
};
TAILQ_HEAD(tx_list, tx);

/*
 * An answer held back until its batch is durable, already encoded: a
 * few hundred bytes, where a struct msg_api_res is 33 KB (allocating
 * those per order made the heap grow and shrink on every batch).
 */
enum held_fail {		/* what a failed batch makes of the answer */
	HELD_AS_IS,		/* it promised nothing durable: sent */
	HELD_UNKNOWN,		/* the broker acted: 503 outcome_unknown */
	HELD_RETRY		/* a repeat: 503 storage_unavailable */
};

struct held {
	TAILQ_ENTRY(held) entry;
	uint32_t	 net_id;
	enum held_fail	 fail;
	size_t		 len;
	uint8_t		 data[];
};
TAILQ_HEAD(held_list, held);

/*
 * A write the broker's side of an order owes the database: a record of
 * the account, or an order's answer.  Kept until its batch is durable,
 * so that when a batch fails (storage faults, see trading_commit.c) it
 * can be written again, in order, once the database commits again.  A
 * client's new order is not one: while the database cannot commit it
 * is refused before it reaches the broker.
 */
enum wop_kind {
	WOP_PUT,		/* store_put(type, key, time_ms, profit, data) */
	WOP_DEL,		/* store_del(type, key) */
	WOP_FINISH,		/* journal_finish(id, state, data) */
	WOP_OWNER,		/* store_owner_put(ticket, key_id, id) */
	WOP_LEDGER,		/* store_ledger_put(ticket, time_ms, profit) */
	WOP_AUDIT,		/* audit_append(data: struct audit_row) */
	WOP_EVENT,		/* events_insert(time_ms, owner, key, data) */
	WOP_PRUNE		/* wop_prune(): id command ids, time_ms */
};

struct wop {
	TAILQ_ENTRY(wop) entry;
	enum wop_kind	 kind;
	uint8_t		 type;
	char		 key[STORE_KEY_MAX + 1];
	int64_t		 time_ms;
	double		 profit;
	int64_t		 id;
	enum journal_state state;
	int64_t		 now;
	uint64_t	 ticket;	/* WOP_OWNER */
	int64_t		 key_id;
	uint64_t	 owner;		/* WOP_EVENT: its key, 0 all */
	uint64_t	 event_id;	/* WOP_EVENT: given by the insert */
	size_t		 len;
	uint8_t		 data[];
};
TAILQ_HEAD(wop_list, wop);

struct trading {
	const struct herald_conf *conf;
	const struct trade_io	*io;
	struct event_base	*base;
	struct journal		*journal;
	struct store		*store;
	struct risk		*risk;
	enum broker_state	 state;
	char			 down_reason[API_STR_MAX];
	struct event		*commit_ev;
	struct event		*start_timer;
	int			 group_open;	/* records since RES/SYNC */
	uint64_t		 group_records;	/* in the open group */
	uint64_t		 group_bytes;
	uint32_t		 next_id;
	size_t			 ntx;
	struct tx_list		 txs;		/* owed by the broker */
	struct tx_list		 unsent;	/* journaled in this batch */
	struct held_list	 held;
	size_t			 unresolved;	/* TX_FIND still owed */
	struct store_lockdown	 lockdown;	/* in memory first */
	struct wop_list		 wops;		/* not yet durable */
	size_t			 nwops;
	int			 fault;		/* the database cannot commit */
	char			 fault_why[112];	/* SQLite says */
	int64_t			 fault_since;	/* unix time */
	int			 backoff;	/* s to the next attempt */
	struct event		*retry_ev;
	struct event		*poll_ev;	/* account reads, see trading.c */
	int			 polling;	/* one is owed */
	int64_t			 commands;	/* command ids stored */
	uint64_t		 grown;		/* deals, command ids since a prune */
};
extern struct trading	tr;

int64_t		 trade_now_ms(void);
const char	*broker_state_name(void);

/* trading_commit.c */
int		 batch_join(void);
void		 commit_cb(evutil_socket_t, short, void *);
void		 retry_cb(evutil_socket_t, short, void *);
void		 hold_encoded(uint32_t net_id, const uint8_t *, size_t,
		    enum held_fail);
void		 hold_answer(uint32_t net_id, const struct msg_api_res *,
		    enum held_fail);
struct wop	*wop_new(enum wop_kind, const void *data, size_t len);
void		 write_op(struct wop *);
void		 storage_fault(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
void		 storage_refuse(struct msg_api_res *);
void		 wops_free(void);
void		 answer_now(uint32_t net_id, const struct msg_api_res *);
struct tx	*tx_new(enum tx_kind, uint8_t op, int64_t command_id,
		    const uint8_t *params, uint16_t params_len);
void		 tx_free(struct tx_list *, struct tx *);
void		 resolved_one(void);
void		 tx_arm(struct tx *);
void		 tx_send(struct tx *);
struct tx	*tx_find(uint32_t id);
struct tx	*tx_by_command(int64_t command_id);
int		 tx_unsent(int64_t command_id);

/* trading_broker.c */
int		 answer_decode(const uint8_t *, size_t, struct msg_api_res *);
int		 answer_has_result(const struct msg_api_res *);
void		 answer_classify(struct msg_api_res *,
		    const struct trade_result *);
void		 autotrading_refuse(struct msg_api_res *, int server);
int		 result_stamp(struct msg_api_res *, const char *coid,
		    int duplicate, struct trade_result *out);
void		 record_track(const struct paper_record *);
void		 order_audit(const struct tx *, const struct msg_api_res *,
		    const struct trade_result *);
const uint8_t	*journal_store_answer(int64_t id, const struct msg_api_res *,
		    size_t *np);
void		 owner_record(const struct tx *, const struct trade_result *);
int		 wop_prune(const struct wop *);

/* trading_events.c */
int		 event_write(struct wop *);
void		 events_publish(void);
void		 event_answer(const struct tx *, const struct msg_api_res *,
		    const struct trade_result *);
void		 event_record(const struct paper_record *);
void		 event_broker(int up, const char *reason);
void		 event_lockdown(const struct store_lockdown *);

/* trading_start.c */
int		 answer_find(struct tx *, struct msg_api_res *,
		    const char **why);

#endif
