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

struct child;

struct child_dispatch {
	uint32_t	 type;
	void		(*handler)(struct child *, struct ipc_msg *);
};

struct child {
	enum herald_proc		 proc;
	struct ipc_chan			 chan;
	struct msg_init			 init;
	struct event_base		*base;
	struct event			*ev_ipc;
	const struct child_dispatch	*dispatch;	/* ends with type 0 */
};

/*
 * Check that we were started by the monitor, route logging to it and
 * read MSG_INIT.  Blocking; fatal on anything unexpected.
 */
void	child_start(struct child *, enum herald_proc);
/* Wait for the next message, which must be of the given type. */
void	child_expect(struct child *, uint32_t type, struct ipc_msg *);
/* privdrop_child(), sandbox_child(), then tell the monitor READY. */
void	child_lockdown(struct child *);
/* Serve the monitor until SHUTDOWN or end of file; never returns. */
void	child_loop(struct child *) __attribute__((noreturn));

/* Handlers every child shares, for its dispatch table. */
void	child_handle_log_level(struct child *, struct ipc_msg *);
void	child_handle_shutdown(struct child *, struct ipc_msg *);

#endif
