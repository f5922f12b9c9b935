/*
 * A broker backend: what the broker process runs to reach MT5.  The
 * paper backend (backend_paper.c) simulates it with broker/paper.h; the
 * bridge backend will talk to a terminal.  broker.c owns the IPC, the
 * clock and the timer; a backend only answers calls, so it can be driven
 * by a unit test with a fake clock.
 *
 * Life cycle, in the order the monitor's messages arrive:
 *	create		BROKER_CONFIG
 *	add_symbol	BROKER_SYMBOL, once per symbol (all before the rest)
 *	add_ticks	BROKER_TICKS chunks (the replay CSV, optional)
 *	restore		BROKER_RECORD, the stored state
 *	connect		BROKER_START; then tick() at once for the first quotes
 *	tick		every tick_interval milliseconds
 *	account, positions, orders, symbol, send, find
 *			BROKER_REQ and BROKER_FIND
 *	free
 *
 * Every state change a backend makes (a deal, a position, the account,
 * an executed command id) goes to the record sink as a paper_record, as
 * it happens, before the call that made it returns: the monitor stores
 * them, and restore() gets them back after a restart.
 */
#ifndef HERALD_BACKEND_H
#define HERALD_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "paper.h"
#include "params.h"
#include "trade.h"

#define BACKEND_WHY_MAX	API_STR_MAX

struct backend;

/* The change stream: one call per record, in order. */
typedef void	(*backend_record_fn)(const struct paper_record *, void *);
/* A message of the backend's own for the monitor (the bridge's). */
typedef void	(*backend_send_fn)(uint32_t type, const void *, size_t,
		    void *);

/*
 * What a read, send or find returns besides its own values when the
 * backend cannot answer: BACKEND_DOWN, nothing was sent (503); and, for
 * send only, BACKEND_UNKNOWN, the order left but its outcome is unknown
 * (no answer at all: the monitor's timeout journals it unknown, and the
 * backend is asked with find once it is up again).
 */
#define BACKEND_DOWN	(-2)
#define BACKEND_UNKNOWN	(-3)

struct backend_ops {
	const char	*name;		/* "paper": BROKER_UP's reason */

	/* Configuration: 0, or -1 with why (BACKEND_WHY_MAX) filled in. */
	int	(*add_symbol)(struct backend *, const struct msg_broker_symbol *,
		    char *why);
	int	(*add_ticks)(struct backend *, const char *, size_t,
		    char *why);
	int	(*restore)(struct backend *, const struct paper_record *,
		    char *why);
	/* Configuration complete: 0, or -1 with why. */
	int	(*connect)(struct backend *, int64_t now, char *why);

	/* Advance prices at now (milliseconds since the epoch). */
	void	(*tick)(struct backend *, int64_t now);

	/* Reads: 0, or -1 (symbol: unknown symbol). */
	int	(*account)(struct backend *, struct trade_account *);
	/* symbol NULL: all. */
	int	(*positions)(struct backend *, const char *,
		    struct trade_positions *);
	int	(*orders)(struct backend *, struct trade_orders *);
	int	(*symbol)(struct backend *, const char *, struct trade_symbol *);

	/*
	 * Execute the write op (OP_TRADE, OP_POSITION_CLOSE,
	 * OP_POSITION_MODIFY, OP_ORDER_CANCEL) under command id (> 0).  A
	 * command id executed before gets its stored result and changes
	 * nothing.  Returns the retcode; -1 only for an op that is not a
	 * write (nothing is done then).
	 */
	int	(*send)(struct backend *, uint64_t, const struct rpc_params *,
		    int64_t now, struct trade_result *);
	/* The result of a command id: 0, or -1 if it never executed. */
	int	(*find)(struct backend *, uint64_t, struct trade_result *);

	void	(*free)(struct backend *);

	/*
	 * The bridge's (NULL and 0 for paper).  monitor: a BRIDGE_* message
	 * from the monitor (the listener, the handshake's answers, an
	 * order's authorisation): 0, or -1 with why.  reports_up: the
	 * backend sends BROKER_UP itself, when its terminal comes and goes,
	 * instead of broker.c once at connect.
	 */
	int	(*monitor)(struct backend *, const struct ipc_msg *,
		    int64_t now, const char **why);
	int	reports_up;
};

struct backend {
	const struct backend_ops *ops;
	backend_record_fn	 record;
	void			*record_arg;
	backend_send_fn		 send;		/* set by broker.c */
	void			*send_arg;
	void			*priv;		/* the backend's own state */
};

/*
 * Make the backend BROKER_CONFIG names, its records going to fn.  NULL
 * with why filled in if the backend is not built in or refuses the
 * account; fatal only when memory is short.
 */
struct backend	*backend_create(const struct msg_broker_config *,
		    backend_record_fn, void *, char *why);
void		 backend_free(struct backend *);

/*
 * The paper backend (backend_paper.c).  It keeps the newest deals and
 * executed command ids in memory, up to record.h's BACKEND_PAPER_MAX_*
 * (then the older half goes); restoring more is harmless, but the monitor
 * need not load more.
 */
struct backend	*backend_paper_create(const struct msg_broker_config *,
		    backend_record_fn, void *, char *why);
/* Its engine, for tests and the bridge simulator. */
struct paper_engine *backend_paper_engine(struct backend *);

/* The bridge backend (backend_bridge.c): an EA over bridge_conn.h. */
struct backend	*backend_bridge_create(const struct msg_broker_config *,
		    backend_record_fn, void *, char *why);

#endif
