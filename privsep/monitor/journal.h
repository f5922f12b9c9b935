/*
 * The monitor's durable orders journal (issue 4): every order has a row
 * in the orders table before the broker sees it, and its result is
 * written there before the client gets the answer.  The row also makes
 * retries idempotent: a second request with the same client_order_id
 * for the same key finds the first row and never becomes a second order,
 * also after a restart.  A request without a client_order_id gets one
 * derived from the key and the request bytes, so that an exact repeat
 * within a short window is caught the same way.
 *
 * The journal runs on the monitor's SQLite connection (db.h; WAL,
 * synchronous=FULL), whose migration 2 creates the table.  A write is
 * durable when the call that made it returns, or, inside a batch, when
 * journal_batch_commit() returns: the monitor collects the requests of
 * one event-loop turn into one batch and pays for one fsync, and answers
 * none of them (nor sends any to the broker) before the commit.
 *
 * The command id the broker and the backend know an order by is the
 * row id (journal_order.id): positive, never reused.
 */
#ifndef HERALD_JOURNAL_H
#define HERALD_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define JOURNAL_COID_MAX	64	/* a client's client_order_id */
#define JOURNAL_COID_PREFIX	"auto-"	/* derived ids; refused from clients */
/* "auto-" and the hex of a SHA-256. */
#define JOURNAL_COID_DERIVED_LEN (sizeof(JOURNAL_COID_PREFIX) - 1 + 64)
#define JOURNAL_ADDR_MAX	63	/* client address, as db.h's DB_ADDR_MAX */
#define JOURNAL_WINDOW_DEFAULT	10	/* seconds: derived-id repeat window */
#define JOURNAL_REQUEST_MAX_DEFAULT 8192 /* bytes of a typed request */
#define JOURNAL_RESULT_MAX_DEFAULT  8192 /* bytes of a typed result */
#define JOURNAL_ERR_MAX		512

/* Results of journal_begin(); failures are the negative values. */
#define JOURNAL_NEW		0	/* row written 'pending' */
#define JOURNAL_DUPLICATE	1	/* an earlier row answers this request */
#define JOURNAL_ERROR		(-1)	/* database failure (poisons a batch) */
#define JOURNAL_REFUSED		(-2)	/* bad argument or state; nothing done */

enum journal_state {
	JOURNAL_PENDING = 0,	/* journaled, maybe not yet with the broker */
	JOURNAL_SENT,		/* handed to the broker */
	JOURNAL_DONE,		/* the backend's result is stored */
	JOURNAL_FAILED,		/* refused or failed; the result says why */
	JOURNAL_UNKNOWN		/* outcome unknown; resolve by command id */
};

struct journal_conf {
	int64_t		window;		/* seconds, > 0 */
	size_t		request_max;	/* bytes, > 0 */
	size_t		result_max;	/* bytes, > 0 */
};

/*
 * One row.  request and result are the journal's copies (malloc'd, NULL
 * when absent); journal_order_clear() frees them.
 */
struct journal_order {
	int64_t			 id;		/* the command id */
	int64_t			 key_id;
	char			 client_addr[JOURNAL_ADDR_MAX + 1];
	char			 client_order_id[JOURNAL_COID_DERIVED_LEN + 1];
	int			 derived;	/* 1: we derived the id */
	enum journal_state	 state;
	uint8_t			*request;
	size_t			 request_len;
	uint8_t			*result;
	size_t			 result_len;
	int64_t			 created;
	int64_t			 updated;
	/*
	 * journal_begin() on a DUPLICATE only: 1 if the stored request
	 * bytes differ from this one's (a client_order_id reused for
	 * another order, which the monitor refuses with 409).
	 */
	int			 request_differs;
};

struct journal;

/* Iteration callback: return 0 to go on, anything else stops. */
typedef int (*journal_order_fn)(const struct journal_order *, void *);

/* The defaults: JOURNAL_WINDOW_DEFAULT and the *_MAX_DEFAULT sizes. */
void	journal_conf_defaults(struct journal_conf *);

/*
 * The journal on db (db_handle(); the orders table must exist, that is
 * the schema is at db.h's migration 2 or later), its statements
 * prepared.  conf NULL: the defaults.  NULL with a reason in err.
 */
struct journal	*journal_open(sqlite3 *db, const struct journal_conf *conf,
		    char *err, size_t errlen);
/*
 * An open batch is rolled back.  Before db_close(): the statements live
 * on its connection, which SQLite will not close while they exist.
 */
void	journal_close(struct journal *);

/* A reloaded configuration (conf checked as journal_open() does). */
void	journal_set_conf(struct journal *, const struct journal_conf *conf);

/* What the last failing call said, naming what failed. */
const char	*journal_error(const struct journal *);

/*
 * Journal a new order for key_id from addr, or find the one it repeats.
 * client_order_id NULL derives one (JOURNAL_COID_PREFIX, then the hex of
 * SHA-256(key_id as 8 bytes big-endian || request || floor(now / window)
 * as 8 bytes big-endian)); a row derived in the previous window is a
 * duplicate while fewer than `window' seconds have passed since it was
 * created, so every exact repeat within the window is caught.
 *
 * JOURNAL_NEW: out->id, client_order_id, derived, state (pending) and
 * created are filled in; the row is durable (in a batch: at commit).
 * JOURNAL_DUPLICATE: out is the earlier row, with its state (pending or
 * sent: still in flight) and result; out->request is not copied.
 * JOURNAL_REFUSED or JOURNAL_ERROR with journal_error().  In every case
 * the caller calls journal_order_clear(out).
 */
int	journal_begin(struct journal *, int64_t key_id, const char *addr,
	    const char *client_order_id, const void *request,
	    size_t request_len, int64_t now, struct journal_order *out);

/*
 * The row an order repeats, without writing: what journal_begin() would
 * answer JOURNAL_DUPLICATE with (the same client_order_id of the same
 * key, or, with none, the id derived within the window).  Another key's
 * row is never found.  JOURNAL_DUPLICATE with out as journal_begin()
 * fills it, 0 if it repeats nothing (also for arguments journal_begin()
 * refuses), or JOURNAL_ERROR.  The caller calls journal_order_clear(out).
 */
int	journal_repeat(struct journal *, int64_t key_id,
	    const char *client_order_id, const void *request,
	    size_t request_len, int64_t now, struct journal_order *out);

/* pending -> sent.  0, JOURNAL_REFUSED (no such row, wrong state), -1. */
int	journal_mark_sent(struct journal *, int64_t id, int64_t now);
/*
 * pending, sent or unknown -> done, failed or unknown, storing result
 * (may be NULL for unknown).  Durable when it returns (in a batch: at
 * commit): write the result before the client gets its answer.
 * 0, JOURNAL_REFUSED (no such row, a final state already, bad state
 * argument, result too long) or JOURNAL_ERROR.
 */
int	journal_finish(struct journal *, int64_t id, enum journal_state,
	    const void *result, size_t result_len, int64_t now);

/*
 * A failed order whose refusal proves that nothing reached the terminal
 * gives up its client_order_id, so that the next request with it is a
 * new order (a new row and command id).  The row stays, under the id
 * "auto-<id>-<client_order_id>" (cut at 69 bytes), which no client and
 * no derived id can use.  0, JOURNAL_REFUSED (no such failed row, or
 * released already) or JOURNAL_ERROR.
 */
int	journal_release(struct journal *, int64_t id);

/*
 * The row of key_id's client_order_id, or with JOURNAL_ANY_KEY the
 * newest row of any key with it: 1 found (result copied, not the
 * request), 0 not found, -1 error.
 */
#define JOURNAL_ANY_KEY	INT64_MIN
int	journal_find(struct journal *, int64_t key_id, const char *coid,
	    struct journal_order *out);
/* One row by id: 1 found (buffers copied), 0 not found, -1 error. */
int	journal_get(struct journal *, int64_t id, struct journal_order *out);
/*
 * Rows in flight (pending or sent), by id, for the start-up resolution
 * by command id; journal_unresolved() adds the unknown rows.  The rows
 * are read first, so fn may call journal_finish().  0 or -1.
 */
int	journal_in_flight(struct journal *, journal_order_fn, void *);
int	journal_unresolved(struct journal *, journal_order_fn, void *);
int	journal_count(struct journal *, int64_t *n);
/*
 * Forget done and failed orders last updated before `before' (a
 * retention the monitor takes from its config): their ids stop catching
 * retries.  Rows still to be resolved are never pruned.  The number of
 * rows deleted, or JOURNAL_ERROR.
 */
int64_t	journal_prune(struct journal *, int64_t before);

/*
 * Group commit.  Between journal_batch_begin() and journal_batch_commit()
 * the calls above write into one IMMEDIATE transaction and their effects
 * are not durable until the commit, which makes them all durable with
 * one fsync or, on any failure, none of them: a database failure in the
 * batch makes every later call in it fail and the commit roll back.  A
 * JOURNAL_REFUSED call changed nothing and leaves the batch intact.
 * journal_batch_commit: 0, or -1 when the batch was rolled back.
 */
int	journal_batch_begin(struct journal *);
int	journal_batch_commit(struct journal *);
void	journal_batch_abort(struct journal *);
int	journal_in_batch(const struct journal *);

void	journal_order_clear(struct journal_order *);
const char	*journal_state_name(enum journal_state);
/* -1 if s names no state. */
int	journal_state_parse(const char *s, enum journal_state *out);

#endif
