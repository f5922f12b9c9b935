/*
 * What net and broker share: start-up over the IPC channel the monitor
 * left on descriptor 3, the lock-down sequence, and the event loop that
 * serves the monitor's messages through a per-process dispatch table.
 */
#ifndef HERALD_CHILD_H
#define HERALD_CHILD_H

#include <event2/event.h>

#include "ipc.h"
#include "msg.h"
#include "privsep.h"

#define CHILD_IPC_FD	3	/* where the monitor puts our socketpair end */
#define CHILD_HEAP_KEEP	(8 * 1024 * 1024)	/* M_TRIM_THRESHOLD */
#define CHILD_HEAP_PAD	(1024 * 1024)		/* M_TOP_PAD */

struct child;

/*
 * A child's states are bits.  CS_START runs from exec to the event loop:
 * child_expect() reads the monitor's start-up messages in their order.
 * Each process names its others with CS_PROC(0), CS_PROC(1), ...
 */
#define CS_START	0x01u
#define CS_PROC(n)	(0x02u << (n))

/*
 * One row of a child's one dispatch table, which lists every message the
 * catalogue (msg.h) sends to the process:
 *	states	 the states in which it is accepted; 0: always refused
 *	handler	 what serves it in the event loop; NULL for a message only
 *		 child_expect() reads (states CS_START) or one refused
 *	refused	 with states 0, why (for the log)
 * tests/privsep/test_dispatch.c holds every table to the catalogue.
 */
struct child_dispatch {
	uint32_t	 type;
	unsigned int	 states;
	void		(*handler)(struct child *, struct ipc_msg *);
	const char	*refused;
};

struct child {
	enum herald_proc		 proc;
	struct ipc_chan			 chan;
	struct msg_init			 init;
	struct event_base		*base;
	struct event			*ev_ipc;
	const struct child_dispatch	*dispatch;	/* ends with type 0 */
	unsigned int			 state;		/* one CS_* bit */
	/* The state for messages ("up"); NULL: its bits in hex. */
	const char			*(*state_name)(unsigned int);
};

/*
 * Check that we were started by the monitor, route logging to it and
 * read MSG_INIT (which the table must accept in CS_START).  Blocking;
 * fatal on anything unexpected.
 */
void	child_start(struct child *, enum herald_proc,
	    const struct child_dispatch *);
/*
 * Wait for the next message, which must be of the given type and
 * accepted by the table in the current state.
 */
void	child_expect(struct child *, uint32_t type, struct ipc_msg *);
/*
 * The row of table for a message of type in state: NULL with *why when
 * the table refuses it (not listed, refused, or not in this state).
 */
const struct child_dispatch *child_dispatch_find(
	    const struct child_dispatch *, uint32_t type, unsigned int state,
	    const char **why);
/* privdrop_child(), sandbox_child(), then tell the monitor READY. */
void	child_lockdown(struct child *);
/*
 * Serve the monitor in state (the process's first after CS_START) until
 * SHUTDOWN or end of file; never returns.
 */
void	child_loop(struct child *, unsigned int state)
	    __attribute__((noreturn));

/* Handlers every child shares, for its dispatch table. */
/*
 * A batch (msg_batch.c): each entry checked against its own row and
 * dispatched as if it had come alone; fatal when the batch is malformed.
 */
void	child_handle_batch(struct child *, struct ipc_msg *);
void	child_handle_log_level(struct child *, struct ipc_msg *);
void	child_handle_shutdown(struct child *, struct ipc_msg *);

#endif
