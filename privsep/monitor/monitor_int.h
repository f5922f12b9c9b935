/*
 * What monitor.c (start-up, reload, lifecycle) and peer.c (the channels to
 * the children: dispatch, handlers, sending) share: the monitor's state
 * and its children as peers.  The monitor's own; no other process sees it.
 */
#ifndef HERALD_MONITOR_INT_H
#define HERALD_MONITOR_INT_H

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "config.h"
#include "ipc.h"
#include "monitor.h"
#include "privsep.h"
#include "sanitize.h"
#include "trading.h"

#define MON_CHILD_GRACE_MS	3000	/* SHUTDOWN, then SIGKILL */

enum peer_state {
	PS_NONE = 0,
	PS_STARTING = 1 << 0,	/* exec'd, not yet sandboxed */
	PS_RUNNING = 1 << 1,	/* sent READY */
	PS_STOPPING = 1 << 2	/* sent SHUTDOWN */
};
#define PS_ANY	(PS_STARTING | PS_RUNNING | PS_STOPPING)

struct peer;

/* The monitor's channels: each child's, and net's key-operation one. */
#define MON_CH_NET	0x01u
#define MON_CH_KEYOP	0x02u
#define MON_CH_BROKER	0x04u
#define MON_CH_BKEYOP	0x08u	/* the broker's, for the bridge's TLS */
#define MON_CH_CHILD	(MON_CH_NET | MON_CH_BROKER)

/*
 * One row of the monitor's one dispatch table (peer.c), which lists
 * every message the catalogue (msg.h) sends to the monitor: the channels
 * it may arrive on, the sender's states in which it is accepted, and its
 * handler.  tests/privsep/test_dispatch.c holds it to the catalogue.
 */
struct mon_dispatch {
	uint32_t	 type;
	unsigned int	 chans;		/* MON_CH_* */
	unsigned int	 states;	/* PS_* in which it is accepted */
	void		(*handler)(struct peer *, struct ipc_msg *);
};

struct peer {
	enum herald_proc		 proc;
	unsigned int			 chan_id;	/* its MON_CH_* */
	pid_t				 pid;
	enum peer_state			 state;
	struct ipc_chan			 chan;
	struct event			*ev;
};

struct monitor_state {
	struct herald_conf	*conf;
	struct env_overrides	*env;
	struct event_base	*base;
	struct peer		 peers[PROC_MAX];
	struct peer		 keyop;		/* net's key-operation channel */
	struct peer		 bkeyop;	/* the broker's (bridgetls.c) */
	int			 listen_fd[CONF_MAX_LISTEN];
	int			 bridge_fd;	/* until the broker has it */
	int			 ctl_fd;
	int			 pid_fd;	/* locked while we run */
	pid_t			 pid;		/* the monitor, after detaching */
	uid_t			 uid;
	gid_t			 gid;
	gid_t			 ctl_gid;
	/* What start-up created, whatever a reload says later. */
	char			 ctl_path[PATH_MAX];
	char			 pid_path[PATH_MAX];
	int			 foreground;
	int			 verbose;
	int			 stopping;
	time_t			 started;
	struct timespec		 started_mono;
	uint32_t		 reloads;
	struct sanitize_value	 masked[2];
};

extern struct monitor_state mon;

/* peer.c: what each child may send, on which channel, and when. */
extern const struct mon_dispatch mon_dispatch[];

/*
 * The row for a message of type on channel chan from a peer in state:
 * NULL with *why when the table refuses it.
 */
const struct mon_dispatch *mon_dispatch_find(uint32_t type, unsigned int chan,
		    enum peer_state state, const char **why);

const char	*peer_state_name(enum peer_state);
struct peer	*peer_by_pid(pid_t);
/* Wait up to ms for pid; its status, or -1 if it is still there. */
int		 peer_wait(pid_t, int ms, int *status);
/* A child is gone while we were not stopping: say how, then fail closed. */
void		 peer_lost(struct peer *, int status)
		    __attribute__((noreturn));
/* Send to every child that is there; failures are only logged. */
void		 peer_broadcast(uint32_t type, const void *, size_t);
void		 peer_start_events(struct peer *);
/* What the trading path does to the daemon: send, answer, commit. */
extern const struct trade_io mon_trade_io;

/* monitor.c: stop both children and exit with code. */
void		 monitor_shutdown(int code) __attribute__((noreturn));
/* monitor.c: a child is sandboxed; once both are, the daemon is ready. */
void		 monitor_child_ready(void);

#endif
