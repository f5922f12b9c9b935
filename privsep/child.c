/*
 * Start-up, lock-down and the monitor channel of the net and broker
 * processes.  See child.h.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "sandbox.h"

static struct child	*the_child;	/* for the log forwarder */

#ifdef HERALD_SANITIZE
/* tests/sanitize/options.c, in the make check-sanitize build only. */
void	sanitize_child(const char *);
#endif

/*
 * Children have no log sink of their own: every line goes to the monitor
 * as MSG_LOG.  If the monitor is gone there is nobody to serve: exit.
 * ipc_send() only uses sendmsg/poll, so the sandbox's SIGSYS handler may
 * come through here too.
 */
static void
child_log_forward(int pri, const char *line)
{
	uint8_t	 buf[3 + LOG_LINE_MAX];
	size_t	 n;

	n = msg_log_encode(buf, sizeof(buf), pri, line);
	if (ipc_send(&the_child->chan, MSG_LOG, 0, -1, buf, n) == -1)
		_exit(1);
}

static void
child_violation(const char *msg)
{
	child_log_forward(LOG_CRIT, msg);
}

/*
 * net and the broker free and allocate the same buffers for every
 * request (TLS records, evhttp's requests, answers); by default glibc
 * gives the top of the heap back with brk() each time it passes 128 KiB
 * free and faults it in again on the next request: 6 us of net's time
 * per keep-alive request in bench/tls_vs_nginx.sh (issue 12).  Keep
 * up to CHILD_HEAP_KEEP free instead.  Only speed: another allocator
 * (AddressSanitizer's) has no such knob.
 */
static void
child_heap(void)
{
	if (mallopt(M_TRIM_THRESHOLD, CHILD_HEAP_KEEP) == 0 ||
	    mallopt(M_TOP_PAD, CHILD_HEAP_PAD) == 0)
		log_debug("mallopt: keeping the default heap trimming");
}

void
child_start(struct child *c, enum herald_proc proc,
    const struct child_dispatch *table)
{
	struct ipc_msg	 m;
	const char	*why;
	int		 type;
	socklen_t	 len = sizeof(type);

#ifdef HERALD_SANITIZE
	sanitize_child(proc_name(proc));
#endif
	memset(c, 0, sizeof(*c));
	c->proc = proc;
	c->dispatch = table;
	c->state = CS_START;
	the_child = c;
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		_exit(1);
	if (getsockopt(CHILD_IPC_FD, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET) {
		/* Nobody to log to: this is someone running -P by hand. */
		_exit(1);
	}
	ipc_chan_init(&c->chan, CHILD_IPC_FD, MSG_MAX, "monitor");
	log_set_procname(proc_name(proc));
	log_set_forward(child_log_forward);

	child_expect(c, MSG_INIT, &m);
	if (msg_init_decode(&m, &c->init, &why) == -1)
		fatalx("monitor sent a bad INIT: %s", why);
	log_set_level(c->init.log_level);
	child_heap();
}

static const char *
child_state_name(const struct child *c)
{
	static char	 buf[16];

	if (c->state == CS_START)
		return "starting";
	if (c->state_name != NULL)
		return c->state_name(c->state);
	snprintf(buf, sizeof(buf), "0x%x", c->state);
	return buf;
}

const struct child_dispatch *
child_dispatch_find(const struct child_dispatch *table, uint32_t type,
    unsigned int state, const char **why)
{
	const struct child_dispatch	*d;

	for (d = table; d->type != MSG_NONE; d++)
		if (d->type == type)
			break;
	if (d->type == MSG_NONE) {
		*why = "not in the dispatch table";
		return NULL;
	}
	if (d->states == 0) {
		*why = d->refused != NULL ? d->refused : "refused";
		return NULL;
	}
	if ((d->states & state) == 0) {
		*why = "not accepted in this state";
		return NULL;
	}
	return d;
}

/* The catalogue's row, then the table's; fatal if either refuses m. */
static const struct child_dispatch *
child_accept(struct child *c, const struct ipc_msg *m)
{
	const struct child_dispatch	*d;
	const char			*why;

	if (msg_accept(c->proc, PROC_MONITOR, m, &why) == -1)
		fatalx("monitor sent %s: %s", msg_name(m->hdr.type), why);
	if ((d = child_dispatch_find(c->dispatch, m->hdr.type, c->state,
	    &why)) == NULL)
		fatalx("monitor sent %s while %s is %s: %s",
		    msg_name(m->hdr.type), proc_name(c->proc),
		    child_state_name(c), why);
	return d;
}

void
child_expect(struct child *c, uint32_t type, struct ipc_msg *m)
{
	const char	*why;
	int		 r;

	r = ipc_recv(&c->chan, m, &why);
	if (r == IPC_EOF)
		exit(0);
	if (r != IPC_OK)
		fatalx("monitor channel: %s", r == IPC_AGAIN ?
		    "nothing to read" : why);
	(void)child_accept(c, m);
	if (m->hdr.type != type)
		fatalx("monitor sent %s, expected %s",
		    msg_name(m->hdr.type), msg_name(type));
}

void
child_lockdown(struct child *c)
{
	struct privdrop	 pd;

	/* Everything that reads files (time zones) is done by now. */
	tzset();
	pd.uid = c->init.uid;
	pd.gid = c->init.gid;
	pd.chroot = c->init.chroot;
	pd.nofile = c->init.nofile;
	privdrop_child(&pd);
	/* A change of credentials clears the parent-death signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		fatal("prctl(PR_SET_PDEATHSIG)");
	if (getppid() == 1)
		fatalx("monitor is gone");
	sandbox_set_violation_writer(child_violation);
	sandbox_child(c->proc, c->init.seccomp_debug);
	if (ipc_send(&c->chan, MSG_READY, 0, -1, NULL, 0) == -1)
		fatal("send READY");
}

void
child_handle_log_level(struct child *c, struct ipc_msg *m)
{
	const char	*why;
	uint8_t		 level;

	if (msg_u8_decode(m, &level, &why) == -1 || level > LOG_DEBUG)
		fatalx("monitor sent a bad LOG_LEVEL");
	log_set_level(level);
	log_debug("log level now %u", level);
}

void
child_handle_shutdown(struct child *c, struct ipc_msg *m)
{
	log_debug("shutting down");
	exit(0);
}

static void
child_dispatch_one(struct child *c, struct ipc_msg *m)
{
	const struct child_dispatch	*d;

	d = child_accept(c, m);
	if (d->handler == NULL)
		fatalx("%s: %s accepted in state %s without a handler",
		    proc_name(c->proc), msg_name(m->hdr.type),
		    child_state_name(c));
	d->handler(c, m);
}

static void
child_batch_entry(void *c, struct ipc_msg *e)
{
	child_dispatch_one(c, e);
}

void
child_handle_batch(struct child *c, struct ipc_msg *m)
{
	const char	*why;

	if (msg_batch_each(m, child_batch_entry, c, &why) == -1)
		fatalx("monitor sent a bad %s: %s", msg_name(m->hdr.type),
		    why);
}

static void
child_ipc_readable(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*c = arg;
	struct ipc_msg	 m;
	const char	*why;
	int		 r;

	for (;;) {
		r = ipc_recv(&c->chan, &m, &why);
		if (r == IPC_AGAIN)
			return;
		if (r == IPC_EOF)
			exit(0);	/* the monitor is gone: so are we */
		if (r == IPC_ERROR)
			fatalx("monitor channel: %s", why);
		child_dispatch_one(c, &m);
	}
}

void
child_loop(struct child *c, unsigned int state)
{
	int	 fl;

	if (state == 0 || (state & CS_START) != 0)
		fatalx("%s: event loop in start-up state 0x%x",
		    proc_name(c->proc), state);
	c->state = state;
	if ((fl = fcntl(c->chan.fd, F_GETFL)) == -1 ||
	    fcntl(c->chan.fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("fcntl");
	c->ev_ipc = event_new(c->base, c->chan.fd, EV_READ | EV_PERSIST,
	    child_ipc_readable, c);
	if (c->ev_ipc == NULL || event_add(c->ev_ipc, NULL) == -1)
		fatalx("event_add");
	event_base_dispatch(c->base);
	fatalx("event loop ended");
}
