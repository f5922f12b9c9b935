/*
 * The monitor's side of its children's channels (see monitor_int.h): the
 * one dispatch table, the checks every message passes before a
 * handler sees it, the handlers, and sending to the children.  A child
 * that sends what its table does not allow in its state, or that goes
 * away while the monitor is not stopping, stops heraldd.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "bridgekey.h"
#include "bridgetls.h"
#include "events.h"
#include "certlive.h"
#include "journal.h"
#include "keyop.h"
#include "log.h"
#include "metrics_mon.h"
#include "monitor_int.h"
#include "msg.h"
#include "params.h"
#include "trading.h"

static void	mon_handle_ready(struct peer *, struct ipc_msg *);
static void	mon_handle_log(struct peer *, struct ipc_msg *);
static void	mon_handle_api(struct peer *, struct ipc_msg *);
static void	mon_handle_batch(struct peer *, struct ipc_msg *);
static void	mon_net_flush(void);
static void	mon_handle_sign(struct peer *, struct ipc_msg *);
static void	mon_handle_broker(struct peer *, struct ipc_msg *);
static void	mon_handle_bridge(struct peer *, struct ipc_msg *);

/*
 * What each child may send, on which channel, and when.  A type that is
 * not listed, not from this channel, or not in the peer's current state,
 * is fatal.  net's key-operation channel carries signatures and nothing
 * else.
 */
const struct mon_dispatch mon_dispatch[] = {
	{ MSG_READY,	MON_CH_CHILD,	PS_STARTING,	mon_handle_ready },
	{ MSG_LOG,	MON_CH_CHILD,	PS_ANY,		mon_handle_log },
	{ MSG_SIGN_REQ,	MON_CH_KEYOP | MON_CH_BKEYOP, PS_STARTING | PS_RUNNING,
	    mon_handle_sign },
	{ MSG_API_REQ,	MON_CH_NET,	PS_RUNNING,	mon_handle_api },
	{ MSG_API_REQ_BATCH, MON_CH_NET, PS_RUNNING,	mon_handle_batch },
	{ MSG_BROKER_RECORD, MON_CH_BROKER, PS_RUNNING,	mon_handle_broker },
	{ MSG_BROKER_UP, MON_CH_BROKER,	PS_RUNNING,	mon_handle_broker },
	{ MSG_BROKER_SYNC, MON_CH_BROKER, PS_RUNNING,	mon_handle_broker },
	{ MSG_BROKER_RES, MON_CH_BROKER, PS_RUNNING,	mon_handle_broker },
	{ MSG_BROKER_BATCH, MON_CH_BROKER, PS_RUNNING,	mon_handle_batch },
	{ MSG_BRIDGE_HELLO, MON_CH_BROKER, PS_RUNNING,	mon_handle_bridge },
	{ MSG_BRIDGE_AUTH, MON_CH_BROKER, PS_RUNNING,	mon_handle_bridge },
	{ MSG_BRIDGE_STATUS, MON_CH_BROKER, PS_RUNNING,	mon_handle_bridge },
	{ MSG_NONE,	0,		0,		NULL }
};

const char *
peer_state_name(enum peer_state s)
{
	switch (s) {
	case PS_STARTING:
		return "starting";
	case PS_RUNNING:
		return "running";
	case PS_STOPPING:
		return "stopping";
	default:
		return "exited";
	}
}

static void
describe_status(int status, char *buf, size_t len)
{
	int	 sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
		return;
	}
	sig = WTERMSIG(status);
	if (sig == SIGSYS)
		snprintf(buf, len, "killed by signal %d (SIGSYS): sandbox "
		    "violation", sig);
	else
		snprintf(buf, len, "killed by signal %d (%s)", sig,
		    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
}

void
peer_lost(struct peer *p, int status)
{
	char	 how[128];
	pid_t	 pid = p->pid;
	int	 i;

	/* Reaped: no entry may keep the pid (the keyop peer shares net's). */
	for (i = PROC_NET; i < PROC_MAX; i++)
		if (mon.peers[i].pid == pid) {
			mon.peers[i].pid = -1;
			mon.peers[i].state = PS_NONE;
		}
	if (mon.keyop.pid == pid)
		mon.keyop.pid = -1;
	if (mon.bkeyop.pid == pid)
		mon.bkeyop.pid = -1;
	p->pid = -1;
	p->state = PS_NONE;
	describe_status(status, how, sizeof(how));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_security("%s process violated its sandbox and was "
		    "killed", proc_name(p->proc));
	log_warnx_pri(LOG_CRIT, "%s process %s; stopping heraldd",
	    proc_name(p->proc), how);
	monitor_shutdown(1);
}

struct peer *
peer_by_pid(pid_t pid)
{
	int	 i;

	for (i = PROC_NET; i < PROC_MAX; i++)
		if (mon.peers[i].pid == pid)
			return &mon.peers[i];
	return NULL;
}

int
peer_wait(pid_t pid, int ms, int *status)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 waited;
	pid_t		 r;

	for (waited = 0; ; waited += 10) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r == -1 && errno == ECHILD) {	/* reaped already */
			*status = 0;
			return 0;
		}
		if (waited >= ms)
			return -1;
		nanosleep(&ts, NULL);
	}
}

static void
peer_eof(struct peer *p)
{
	int	 status;

	/* The child closed its end: it is exiting; get its status. */
	if (peer_wait(p->pid, MON_CHILD_GRACE_MS, &status) == -1) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	peer_lost(p, status);
}

static void __attribute__((noreturn))
peer_fail(struct peer *p, const struct ipc_msg *m, const char *why)
{
	log_warnx_pri(LOG_CRIT, "IPC: %s sent %s: %s; stopping heraldd",
	    proc_name(p->proc), m != NULL ? msg_name(m->hdr.type) :
	    "a message", why);
	monitor_shutdown(1);
}

/*
 * Send to a running child.  A child that cannot be reached has died or
 * stopped reading: reap it and stop as peer_lost() does, so the log
 * says how it ended and no process outlives the monitor.
 */
static void
peer_sent(struct peer *p, int r, uint32_t type)
{
	if (r == 0 || mon.stopping)
		return;
	if (errno == EPIPE || errno == ECONNRESET)
		peer_eof(p);
	log_warnx_pri(LOG_CRIT, "IPC: cannot send %s to %s: %s; stopping "
	    "heraldd", msg_name(type), proc_name(p->proc), strerror(errno));
	monitor_shutdown(1);
}

static void
peer_send(struct peer *p, uint32_t type, uint32_t id, const void *buf,
    size_t len)
{
	/* Held answers and events first: net sees the order they came. */
	if (p == &mon.peers[PROC_NET])
		mon_net_flush();
	peer_sent(p, ipc_send(&p->chan, type, id, -1, buf, len), type);
}

/* The trading path's effects on the daemon (trading.h). */
static void
mon_trade_abort(const char *why)
{
	log_warnx_pri(LOG_CRIT, "%s; stopping heraldd", why);
	monitor_shutdown(1);
}

void
monitor_send(enum herald_proc proc, uint32_t type, uint32_t id,
    const void *buf, size_t len)
{
	peer_send(&mon.peers[proc], type, id, buf, len);
}

static void
mon_trade_broker(uint32_t type, uint32_t id, const void *buf, size_t len)
{
	monitor_send(PROC_BROKER, type, id, buf, len);
}

const struct mon_dispatch *
mon_dispatch_find(uint32_t type, unsigned int chan, enum peer_state state,
    const char **why)
{
	const struct mon_dispatch	*d;

	for (d = mon_dispatch; d->type != MSG_NONE; d++)
		if (d->type == type && (d->chans & chan) != 0)
			break;
	if (d->type == MSG_NONE) {
		*why = "not accepted from this process";
		return NULL;
	}
	if ((d->states & state) == 0) {
		*why = peer_state_name(state);
		return NULL;
	}
	return d;
}

/*
 * What goes to net in a loop turn is held and sent together, one send,
 * one receive and one wake-up for all of it: the answers made while
 * reading a channel or released by a commit (one API_RES_BATCH, or a
 * lone API_RES), and the events a commit made durable (one EVENT_BATCH,
 * or a lone EVENT).  mon_net_flush() sends them, events first as the
 * commit made them, when the channel being read has nothing more
 * (peer_readable()), at the end of the turn (mon_flush_ev, at the
 * commit's priority: after it), and before anything else goes to net,
 * which so sees every message in the order the monitor made it.
 */
static struct msg_batch	 mon_answers = { .type = MSG_API_RES_BATCH };
static struct msg_batch	 mon_events = { .type = MSG_EVENT_BATCH };
static struct event	*mon_flush_ev;

static void
mon_batch_flush(struct msg_batch *b)
{
	struct peer	*p = &mon.peers[PROC_NET];

	if (b->n == 0)
		return;
	peer_sent(p, msg_batch_send(&p->chan, b), b->type);
	/* Sent, or heraldd is stopping: nothing is kept for later. */
	msg_batch_init(b, b->type);
}

static void
mon_net_flush(void)
{
	mon_batch_flush(&mon_events);
	mon_batch_flush(&mon_answers);
}

static void
mon_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	mon_net_flush();
}

/* Into b, sent by the end of this turn at the latest. */
static void
mon_net_hold(struct msg_batch *b, uint32_t id, const void *buf, size_t len)
{
	if (mon_flush_ev == NULL &&
	    ((mon_flush_ev = event_new(mon.base, -1, 0, mon_flush_cb,
	    NULL)) == NULL || event_priority_set(mon_flush_ev, 2) == -1))
		fatalx("%s: event_new", __func__);
	if (msg_batch_add(b, id, buf, len) == -1) {
		mon_net_flush();
		if (msg_batch_add(b, id, buf, len) == -1)
			fatalx("%s does not fit an empty batch",
			    msg_name(msg_batch_inner(b->type)));
	}
	event_active(mon_flush_ev, EV_TIMEOUT, 0);
}

static void
mon_trade_net(uint32_t net_id, const void *buf, size_t len)
{
	mon_net_hold(&mon_answers, net_id, buf, len);
}

/* A durable event: net fans it out (GET /v1/events). */
static void
mon_trade_event(const void *buf, size_t len)
{
	if (mon.peers[PROC_NET].pid > 0)
		mon_net_hold(&mon_events, 0, buf, len);
}

const struct trade_io mon_trade_io = {
	.to_broker =	mon_trade_broker,
	.to_net =	mon_trade_net,
	.commit =	journal_batch_commit,
	.abort =	mon_trade_abort,
	.event =	mon_trade_event,
};

static void
peer_dispatch(struct peer *p, struct ipc_msg *m)
{
	const struct mon_dispatch	*d;
	const char			*why;

	if (msg_accept(PROC_MONITOR, p->proc, m, &why) == -1)
		peer_fail(p, m, why);
	if ((d = mon_dispatch_find(m->hdr.type, p->chan_id, p->state,
	    &why)) == NULL)
		peer_fail(p, m, why);
	d->handler(p, m);
}

static void
peer_readable(evutil_socket_t fd, short ev, void *arg)
{
	struct peer	*p = arg;
	struct ipc_msg	 m;
	const char	*why;
	int		 r;

	for (;;) {
		r = ipc_recv(&p->chan, &m, &why);
		if (r == IPC_AGAIN) {
			/* Everything read is answered: send the answers. */
			mon_net_flush();
			return;
		}
		if (r == IPC_EOF) {
			if (mon.stopping)
				return;
			peer_eof(p);
		}
		if (r == IPC_ERROR)
			peer_fail(p, NULL, why);
		peer_dispatch(p, &m);
	}
}

static void
mon_handle_ready(struct peer *p, struct ipc_msg *m)
{
	p->state = PS_RUNNING;
	log_debug("%s process (pid %ld) is sandboxed and running",
	    proc_name(p->proc), (long)p->pid);
	if (p->proc == PROC_BROKER) {
		trade_broker_ready();
		/* TLS first: the broker then accepts with it at once. */
		bridgetls_start(p);
		/* After BROKER_START: the backend exists to take it. */
		if (mon.bridge_fd != -1) {
			if (ipc_send(&p->chan, MSG_BRIDGE_LISTENER, 0,
			    mon.bridge_fd, NULL, 0) == -1)
				fatal("send BRIDGE_LISTENER to the broker");
			close(mon.bridge_fd);
			mon.bridge_fd = -1;
		}
	}
	monitor_child_ready();
}

/* The bridge's handshake and status (bridgekey.c). */
static void
mon_handle_bridge(struct peer *p, struct ipc_msg *m)
{
	const char	*why;

	if (bridgekey_message(m, &why) == -1)
		peer_fail(p, m, why);
}

/* The trading path (trading.c) checks the broker's messages. */
static void
mon_handle_broker(struct peer *p, struct ipc_msg *m)
{
	const char	*why;
	int		 r;

	switch (m->hdr.type) {
	case MSG_BROKER_UP:
		r = trade_broker_up(m, &why);
		break;
	case MSG_BROKER_RECORD:
		r = trade_broker_record(m, &why);
		break;
	case MSG_BROKER_SYNC:
		r = trade_broker_sync(m, &why);
		break;
	case MSG_BROKER_RES:
		r = trade_broker_res(m, &why);
		break;
	default:
		fatalx("%s: %s not handled", __func__, msg_name(m->hdr.type));
	}
	if (r == -1)
		peer_fail(p, m, why);
}

static void
mon_handle_log(struct peer *p, struct ipc_msg *m)
{
	struct msg_log	 lm;
	const char	*why;

	if (msg_log_decode(m, &lm, &why) == -1)
		peer_fail(p, m, why);
	/* A child may not page every terminal: EMERG..CRIT become ERR. */
	if (lm.pri < LOG_ERR)
		lm.pri = LOG_ERR;
	if (lm.pri > (uint8_t)log_get_level() && lm.pri != LOG_NOTICE)
		return;
	log_emit(proc_name(p->proc), lm.pri, lm.line);
}

static void
mon_handle_sign(struct peer *p, struct ipc_msg *m)
{
	static struct msg_sign_req	 req;
	static struct msg_sign_res	 res;
	uint8_t				 buf[3 + KEYOP_IO_MAX];
	const char			*why;
	EVP_PKEY			*key;
	uint32_t			 id;
	size_t				 n;

	if (msg_sign_req_decode(m, &req, &why) == -1)
		peer_fail(p, m, why);
	if (p->chan_id == MON_CH_BKEYOP)
		bridgetls_sign(p, &req, &res);
	else {
		key = certlive_key(req.key_id, &id);
		if (keyop_sign_as(key, id, &req, &res, &why) == -1) {
			log_security("keyop: refused a signature for net: %s",
			    why);
			memset(&res, 0, sizeof(res));
		}
	}
	n = msg_sign_res_encode(buf, sizeof(buf), &res);
	peer_send(p, MSG_SIGN_RES, m->hdr.id, buf, n);
}


static void
api_status(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_status	 st;
	struct trade_state	 ts;
	size_t			 n;

	trade_state(&ts);
	memset(&st, 0, sizeof(st));
	strlcpy(st.version, HERALD_VERSION, sizeof(st.version));
	strlcpy(st.broker, ts.broker, sizeof(st.broker));
	st.lockdown = ts.lockdown ? 1 : 0;
	strlcpy(st.key_name, id->name, sizeof(st.key_name));
	strlcpy(st.role, id->role, sizeof(st.role));
	if ((n = rpc_status_encode(&st, res->result,
	    sizeof(res->result))) == 0)
		fatalx("status result does not fit");
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
	res->result_len = (uint32_t)n;
}

/* GET /v1/audit: a page of the trail, its filters from the query. */
static void
api_audit(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_params	 p;
	struct audit_filter	 f;
	const char		*why;
	char			 err[API_STR_MAX];
	size_t			 n;

	/* net checked them: a failure here is net's broken promise. */
	if (rpc_params_decode(q->op, q->params, q->params_len, &p, &why) == -1)
		fatalx("audit: parameters from net do not decode: %s", why);
	memset(&f, 0, sizeof(f));
	f.cursor = (int64_t)p.audit_cursor;
	f.since = (int64_t)p.since;
	strlcpy(f.type, p.audit_type, sizeof(f.type));
	strlcpy(f.key, p.audit_key, sizeof(f.key));
	f.limit = (p.flags & RPC_HAS_LIMIT) ? p.limit :
	    RPC_AUDIT_LIMIT_DEFAULT;
	if ((n = audit_api_page(&f, res->result, sizeof(res->result), err,
	    sizeof(err))) == 0) {
		log_warnx("%s", err);
		msg_api_res_set(res, 503, "audit_unavailable", 1,
		    "the audit trail cannot be read now");
		return;
	}
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
	res->result_len = (uint32_t)n;
}

/*
 * GET /readyz: 200 while orders can be taken, else 503 naming every
 * reason.  No key: a load balancer or service manager asks (id NULL).
 */
static void
api_ready(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	char		 why[API_STR_MAX];
	uint32_t	 retry;

	if (trade_ready(why, sizeof(why), &retry)) {
		res->status = 200;
		strlcpy(res->code, "ok", sizeof(res->code));
		return;
	}
	msg_api_res_set(res, 503, "not_ready", retry, "not ready: %s", why);
}

/* GET /metrics: the monitor's part; net adds its own and renders. */
static void
api_metrics(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	static struct metrics_mon	 m;
	size_t				 n;

	metrics_mon_snapshot(&m);
	if ((n = metrics_mon_encode(&m, res->result,
	    sizeof(res->result))) == (size_t)-1)
		fatalx("metrics result does not fit");
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
	res->result_len = (uint32_t)n;
}

/*
 * GET /v1/events: a page of what this key missed since its Last-Event-ID
 * (events.h), and who it is, so that net counts its streams and sends
 * it what its audience admits: every event for an admin key, else those
 * for every reader and the answers to its own orders.
 */
static void
api_events(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_params	 p;
	const char		*why;
	size_t			 n;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p,
	    &why) == -1) {
		msg_api_res_set(res, 400, "bad_request", 0, "%s", why);
		return;
	}
	if ((n = events_page(p.after, (uint64_t)id->key_id,
	    strcmp(id->role, "admin") == 0, res->result,
	    sizeof(res->result))) == (size_t)-1) {
		log_warnx("%s", events_error());
		msg_api_res_set(res, 503, "storage_unavailable", 1,
		    "the events cannot be read (%s)", events_error());
		return;
	}
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
	res->result_len = (uint32_t)n;
}

/* GET /v1/deals: the monitor's own record of the deals (trading_deals.c). */
static void
api_deals(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_params	 p;
	const char		*why;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p,
	    &why) == -1) {
		msg_api_res_set(res, 400, "bad_request", 0, "%s", why);
		return;
	}
	trade_deals(&p, res);
}

/*
 * What each operation the catalogue gives the monitor (to API_MONITOR)
 * does once auth_check() has let it through: mon_api_<NAME> must exist
 * for each, so a new row without one does not compile.  The broker's go
 * through trading.c; net's never come here.
 */
typedef void	(*mon_api_fn)(const struct msg_api_req *,
		    const struct auth_identity *, struct msg_api_res *);

#define mon_api_STATUS		api_status
#define mon_api_AUDIT		api_audit
#define mon_api_READY		api_ready
#define mon_api_ORDER_GET	trade_order_get
#define mon_api_ORDER_FIND	trade_order_find
#define mon_api_METRICS		api_metrics
#define mon_api_EVENTS		api_events
#define mon_api_DEALS		api_deals
#define MON_API_API_NET(name)		NULL
#define MON_API_API_BROKER(name)	NULL
#define MON_API_API_MONITOR(name)	mon_api_##name

static const mon_api_fn api_ops[OP_MAX] = {
#define O(name, methods, path, perm, to, rw, fields, query, body, render) \
	[OP_##name] = MON_API_##to(name),
	HERALD_OPS(O)
#undef O
};

static void
monitor_api_answer(uint32_t net_id, const struct msg_api_res *res)
{
	static uint8_t	 buf[MSG_MAX];

	mon_net_hold(&mon_answers, net_id, buf,
	    msg_api_res_encode(buf, sizeof(buf), res));
}

static void
mon_batch_entry(void *p, struct ipc_msg *e)
{
	peer_dispatch(p, e);
}

/* API_REQ_BATCH, BROKER_BATCH: each entry as if it had come alone. */
static void
mon_handle_batch(struct peer *p, struct ipc_msg *m)
{
	const char	*why;

	if (msg_batch_each(m, mon_batch_entry, p, &why) == -1)
		peer_fail(p, m, why);
}

static void
mon_handle_api(struct peer *p, struct ipc_msg *m)
{
	static struct msg_api_req	 q;
	static struct msg_api_res	 res;
	struct auth_identity		 id;
	const char			*why;
	int				 r;

	if (msg_api_req_decode(m, &q, &why) == -1)
		peer_fail(p, m, why);
	msg_api_res_reset(&res);
	memset(&id, 0, sizeof(id));
	if (api_info(q.op)->perm == PERM_PUBLIC)
		api_ops[q.op](&q, NULL, &res);
	else if (auth_check(&q, &id, &res) == 0) {
		if (api_info(q.op)->to == API_BROKER) {
			if ((r = trade_api(m->hdr.id, &q, &id, &res,
			    &why)) == -1)
				peer_fail(p, m, why);
			if (r == 1)
				return;		/* answered later */
		} else if (api_ops[q.op] != NULL)
			api_ops[q.op](&q, &id, &res);
		else		/* auth_check() refuses net's own */
			fatalx("%s: operation %u has no handler", __func__,
			    q.op);
	}
	monitor_api_answer(m->hdr.id, &res);
}

void
peer_broadcast(uint32_t type, const void *payload, size_t len)
{
	int	 i;

	mon_net_flush();
	for (i = PROC_NET; i < PROC_MAX; i++) {
		if (mon.peers[i].pid <= 0)
			continue;
		if (ipc_send(&mon.peers[i].chan, type, 0, -1, payload,
		    len) == -1 && !mon.stopping)
			log_warn("send %s to %s", msg_name(type),
			    proc_name(i));
	}
}

void
peer_start_events(struct peer *p)
{
	p->ev = event_new(mon.base, p->chan.fd, EV_READ | EV_PERSIST,
	    peer_readable, p);
	if (p->ev == NULL || event_add(p->ev, NULL) == -1)
		fatalx("event_add");
}
