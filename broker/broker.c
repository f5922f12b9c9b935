/*
 * The broker process: unprivileged, chrooted, sandboxed, separate from
 * net.  It runs one MT5 backend (broker/backend.h) and can open neither
 * files nor sockets: its configuration, its replay ticks and its stored
 * state come from the monitor over IPC, and every change of state goes
 * back to the monitor as a BROKER_RECORD, to be stored before the
 * client hears of it.
 *
 * The conversation with the monitor (privsep/msg.h has the payloads):
 *
 *	monitor				broker
 *	BROKER_CONFIG
 *	BROKER_SYMBOL x nsymbols
 *	BROKER_TICKS*			(replay CSV, optional)
 *	BROKER_RECORD*			(stored state)
 *	BROKER_START
 *					BROKER_UP(1, "paper") or (0, reason)
 *					BROKER_RECORD* BROKER_SYNC  (ticks)
 *	BROKER_REQ id=n
 *					BROKER_RECORD* id=n, BROKER_RES id=n
 *	BROKER_FIND id=n
 *					BROKER_RES id=n
 *
 * Every BROKER_RECORD belongs to the group closed by the next BROKER_RES
 * or BROKER_SYNC; the broker handles one message at a time, so a group
 * never mixes a request's changes with a tick's.  A group goes to the
 * monitor as one BROKER_BATCH (its records, then what ends it), split
 * only when it outgrows one message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "backend.h"
#include "broker.h"
#include "child.h"
#include "log.h"
#include "msg.h"
#include "paper.h"
#include "trade.h"

#if PAPER_RECORD_MAX > BROKER_RECORD_MAX
#error "paper records do not fit BROKER_RECORD"
#endif

static struct {
	struct msg_broker_config conf;
	uint32_t		 nsymbols;	/* received so far */
	struct backend		*be;
	char			 down[API_STR_MAX];	/* why, "" if fine */
	struct child		*c;
	struct event		*ev_tick;
	uint32_t		 group_id;	/* hdr id of the records sent */
	size_t			 pending;	/* records since the last group */
} br;

/* Big enough for any answer; one message is built at a time. */
static struct msg_api_res	 br_res;
static uint8_t			 br_out[MSG_MAX];

static void	broker_config(struct child *, struct ipc_msg *);
static void	broker_symbol(struct child *, struct ipc_msg *);
static void	broker_ticks(struct child *, struct ipc_msg *);
static void	broker_record(struct child *, struct ipc_msg *);
static void	broker_start(struct child *, struct ipc_msg *);
static void	broker_req(struct child *, struct ipc_msg *);
static void	broker_find(struct child *, struct ipc_msg *);
static void	broker_bridge(struct child *, struct ipc_msg *);

/*
 * Every message the monitor sends the broker (msg.h), and when; the
 * states are broker.h's.  A type not listed, or not in the current
 * state, is fatal: the monitor never does that.
 */
const struct child_dispatch broker_dispatch[] = {
	{ MSG_INIT,		CS_START,	NULL,		NULL },
	{ MSG_LOG_LEVEL,	BS_ANY,		child_handle_log_level, NULL },
	{ MSG_SHUTDOWN,		BS_ANY,		child_handle_shutdown, NULL },
	{ MSG_BROKER_CONFIG,	BS_CONFIG,	broker_config,	NULL },
	{ MSG_BROKER_SYMBOL,	BS_SYMBOLS,	broker_symbol,	NULL },
	{ MSG_BROKER_TICKS,	BS_STATE,	broker_ticks,	NULL },
	{ MSG_BROKER_RECORD,	BS_STATE,	broker_record,	NULL },
	{ MSG_BROKER_START,	BS_STATE,	broker_start,	NULL },
	{ MSG_BROKER_REQ,	BS_RUNNING,	broker_req,	NULL },
	{ MSG_BROKER_FIND,	BS_RUNNING,	broker_find,	NULL },
	{ MSG_SIGN_RES,		0,		NULL,
	    "SIGN_RES belongs on the bridge's key-operation channel (tls.c)" },
	{ MSG_BRIDGE_TLS,	BS_RUNNING,	broker_bridge,	NULL },
	{ MSG_BRIDGE_LISTENER,	BS_RUNNING,	broker_bridge,	NULL },
	{ MSG_BRIDGE_CHALLENGE,	BS_RUNNING,	broker_bridge,	NULL },
	{ MSG_BRIDGE_SESSION,	BS_RUNNING,	broker_bridge,	NULL },
	{ MSG_BRIDGE_ORDER,	BS_RUNNING,	broker_bridge,	NULL },
	{ MSG_NONE,		0,		NULL,		NULL }
};

static const char *
broker_state_name(unsigned int s)
{
	switch (s) {
	case BS_CONFIG:
		return "waiting for BROKER_CONFIG";
	case BS_SYMBOLS:
		return "waiting for BROKER_SYMBOL";
	case BS_STATE:
		return "waiting for BROKER_START";
	case BS_UP:
		return "up";
	case BS_DOWN:
		return "down";
	}
	return "unknown";
}

/* Wall-clock milliseconds: deal and position times are MT5's. */
static int64_t
broker_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The group being sent: its records wait here for the BROKER_RES or
 * BROKER_SYNC that ends it, and all go as one BROKER_BATCH (msg.h): one
 * message per order instead of one per record.
 */
static struct msg_batch	 br_group = { .type = MSG_BROKER_BATCH };

static void
broker_flush(void)
{
	if (msg_batch_send(&br.c->chan, &br_group) == -1)
		fatal("send %s to the monitor", msg_name(MSG_BROKER_BATCH));
}

static void
broker_send(uint32_t type, uint32_t id, const void *buf, size_t len)
{
	if (type == MSG_BROKER_RECORD || type == MSG_BROKER_SYNC ||
	    type == MSG_BROKER_RES) {
		/* Full: what it holds goes first, the group still open. */
		if (msg_batch_add_msg(&br_group, type, id, buf, len) == -1) {
			broker_flush();
			if (msg_batch_add_msg(&br_group, type, id, buf,
			    len) == -1)
				fatalx("a %s does not fit an empty batch",
				    msg_name(type));
		}
		if (type != MSG_BROKER_RECORD)
			broker_flush();
		return;
	}
	/* Nothing overtakes the records before it. */
	broker_flush();
	if (ipc_send(&br.c->chan, type, id, -1, buf, len) == -1)
		fatal("send %s to the monitor", msg_name(type));
}

/* The backend's change stream, sent as it happens. */
static void
broker_emit(const struct paper_record *r, void *arg)
{
	struct msg_broker_record	 mr;
	size_t				 n;

	memset(&mr, 0, sizeof(mr));
	mr.type = (uint8_t)r->type;
	mr.op = (uint8_t)r->op;
	n = paper_record_encode(r, mr.data, sizeof(mr.data));
	/* A change that cannot be stored must not be acted on. */
	if (n == (size_t)-1)
		fatalx("a %u record does not encode", (unsigned int)r->type);
	mr.len = (uint16_t)n;
	n = msg_broker_record_encode(br_out, sizeof(br_out), &mr);
	broker_send(MSG_BROKER_RECORD, br.group_id, br_out, n);
	br.pending++;
}

/* A backend's own message for the monitor (the bridge's). */
static void
broker_backend_send(uint32_t type, const void *buf, size_t len, void *arg)
{
	broker_send(type, 0, buf, len);
}

static void
broker_fail(const char *why)
{
	if (br.down[0] == '\0')
		strlcpy(br.down, why, sizeof(br.down));
}

/* Configuration. */

static void
broker_config(struct child *c, struct ipc_msg *m)
{
	const char	*why;
	char		 err[BACKEND_WHY_MAX];

	if (msg_broker_config_decode(m, &br.conf, &why) == -1)
		fatalx("monitor sent a bad BROKER_CONFIG: %s", why);
	br.c->state = BS_SYMBOLS;
	br.be = backend_create(&br.conf, broker_emit, NULL, err);
	if (br.be == NULL)
		broker_fail(err);
	else {
		br.be->send = broker_backend_send;
		br.be->send_arg = NULL;
	}
}

static void
broker_symbol(struct child *c, struct ipc_msg *m)
{
	struct msg_broker_symbol	 s;
	const char			*why;
	char				 err[BACKEND_WHY_MAX];

	if (msg_broker_symbol_decode(m, &s, &why) == -1)
		fatalx("monitor sent a bad BROKER_SYMBOL: %s", why);
	if (++br.nsymbols == br.conf.nsymbols)
		br.c->state = BS_STATE;
	if (br.down[0] != '\0')
		return;
	if (br.be->ops->add_symbol(br.be, &s, err) == -1)
		broker_fail(err);
}

static void
broker_ticks(struct child *c, struct ipc_msg *m)
{
	const uint8_t	*p;
	const char	*why;
	size_t		 len;
	char		 err[BACKEND_WHY_MAX];

	if (msg_blob_decode(m, &p, &len, &why) == -1)
		fatalx("monitor sent bad BROKER_TICKS: %s", why);
	if (br.down[0] != '\0')
		return;
	if (br.be->ops->add_ticks(br.be, (const char *)p, len, err) == -1)
		broker_fail(err);
}

static void
broker_record(struct child *c, struct ipc_msg *m)
{
	struct msg_broker_record	 mr;
	struct paper_record		 r;
	const char			*why;
	char				 err[BACKEND_WHY_MAX];

	if (msg_broker_record_decode(m, &mr, &why) == -1)
		fatalx("monitor sent a bad BROKER_RECORD: %s", why);
	if (br.down[0] != '\0')
		return;
	/* The store is outside the sandbox: a bad row stops the start. */
	if (paper_record_decode(mr.type, mr.op, mr.data, mr.len, &r,
	    &why) == -1) {
		snprintf(err, sizeof(err), "stored record (type %u, op %u): "
		    "%s", mr.type, mr.op, why);
		broker_fail(err);
		return;
	}
	if (br.be->ops->restore(br.be, &r, err) == -1)
		broker_fail(err);
}

static void
broker_up(uint8_t connected, const char *reason)
{
	struct msg_broker_up	u;
	size_t			n;

	memset(&u, 0, sizeof(u));
	u.connected = connected;
	strlcpy(u.reason, reason, sizeof(u.reason));
	n = msg_broker_up_encode(br_out, sizeof(br_out), &u);
	broker_send(MSG_BROKER_UP, 0, br_out, n);
}

/* One tick event, its records closed by a SYNC. */
static void
broker_tick(void)
{
	br.group_id = 0;
	br.pending = 0;
	br.be->ops->tick(br.be, broker_now());
	if (br.pending > 0)
		broker_send(MSG_BROKER_SYNC, 0, NULL, 0);
	br.pending = 0;
}

static void
broker_timer(evutil_socket_t fd, short ev, void *arg)
{
	broker_tick();
}

static void
broker_start(struct child *c, struct ipc_msg *m)
{
	struct timeval	 tv;
	char		 err[BACKEND_WHY_MAX];

	if (br.nsymbols != br.conf.nsymbols)
		fatalx("monitor sent BROKER_START after %u of %u symbols",
		    br.nsymbols, br.conf.nsymbols);
	if (br.down[0] == '\0' &&
	    br.be->ops->connect(br.be, broker_now(), err) == -1)
		broker_fail(err);
	if (br.down[0] != '\0') {
		br.c->state = BS_DOWN;
		log_warnx("backend did not start: %s", br.down);
		broker_up(0, br.down);
		backend_free(br.be);
		br.be = NULL;
		return;
	}
	br.c->state = BS_UP;
	if (!br.be->ops->reports_up)
		broker_up(1, br.be->ops->name);
	log_info("backend %s up, %u symbols, a tick every %u ms",
	    br.be->ops->name, br.conf.nsymbols, br.conf.tick_interval);

	/* The first quotes now, so requests never meet a symbol without. */
	broker_tick();
	tv.tv_sec = br.conf.tick_interval / 1000;
	tv.tv_usec = (br.conf.tick_interval % 1000) * 1000;
	br.ev_tick = event_new(c->base, -1, EV_PERSIST, broker_timer, NULL);
	if (br.ev_tick == NULL || event_add(br.ev_tick, &tv) == -1)
		fatalx("broker: tick timer");
}

/* Requests. */

static void
broker_answer(uint32_t id)
{
	size_t	n;

	n = msg_api_res_encode(br_out, sizeof(br_out), &br_res);
	broker_send(MSG_BROKER_RES, id, br_out, n);
	br.pending = 0;
	br.group_id = 0;
}

static void
broker_unavailable(void)
{
	msg_api_res_set(&br_res, 503, "broker_unavailable", 0,
	    "the %s backend is down: %s", br.conf.backend ==
	    BROKER_BACKEND_PAPER ? "paper" : "bridge", br.down);
}

/*
 * A 200 answer: the status first, then the typed result encoded into it
 * with set_len() taking what the trade_*_encode() gave.
 */
static void
broker_ok(void)
{
	msg_api_res_set(&br_res, 200, "ok", 0, "%s", "");
}

static void
broker_set_len(size_t encoded, const char *what)
{
	if (encoded == (size_t)-1 || encoded > sizeof(br_res.result))
		fatalx("broker: %s does not fit an answer", what);
	br_res.result_len = (uint32_t)encoded;
}

/* The backend lost its terminal: nothing was done. */
static void
broker_gone(void)
{
	msg_api_res_set(&br_res, 503, "broker_unavailable", 1, "the %s "
	    "backend is not connected to its terminal", br.be->ops->name);
}

static void
broker_read(uint8_t op, const struct rpc_params *p)
{
	static struct trade_positions	 tp;
	static struct trade_orders	 to;
	struct trade_account		 ta;
	struct trade_symbol		 ts;
	struct backend			*be = br.be;
	uint8_t				*res = br_res.result;
	size_t				 cap = sizeof(br_res.result);
	int				 r;

	/* Every op of the catalogue, no default: a new one must be placed. */
	switch ((enum api_op)op) {
	case OP_ACCOUNT:
		if (be->ops->account(be, &ta) == BACKEND_DOWN) {
			broker_gone();
			break;
		}
		broker_ok();
		broker_set_len(trade_account_encode(&ta, res, cap),
		    "the account");
		break;
	case OP_POSITIONS:
		if (be->ops->positions(be, (p->flags & RPC_HAS_SYMBOL) ?
		    p->symbol : NULL, &tp) == BACKEND_DOWN) {
			broker_gone();
			break;
		}
		broker_ok();
		broker_set_len(trade_positions_encode(&tp, res, cap),
		    "the positions");
		break;
	case OP_ORDERS:
		if (be->ops->orders(be, &to) == BACKEND_DOWN) {
			broker_gone();
			break;
		}
		broker_ok();
		broker_set_len(trade_orders_encode(&to, res, cap),
		    "the orders");
		break;
	case OP_SYMBOL:
		if ((r = be->ops->symbol(be, p->symbol, &ts)) == BACKEND_DOWN) {
			broker_gone();
			break;
		}
		if (r == -1) {
			msg_api_res_set(&br_res, 404, "not_found", 0,
			    "symbol %s is not configured", p->symbol);
			break;
		}
		broker_ok();
		broker_set_len(trade_symbol_encode(&ts, res, cap),
		    "the symbol");
		break;
	case OP_NONE:
	case OP_STATUS:
	case OP_TRADE:
	case OP_POSITION_CLOSE:
	case OP_POSITION_MODIFY:
	case OP_ORDER_CANCEL:
	case OP_ORDER_MODIFY:
	case OP_AUDIT:
	case OP_READY:
	case OP_ORDER_GET:
	case OP_ORDER_FIND:
	case OP_METRICS:
	case OP_EVENTS:
	case OP_DEALS:
	case OP_MAX:
		fatalx("%s: op %u is not a read of the broker's", __func__,
		    op);
	}
}

static void
broker_result(const struct trade_result *tr)
{
	broker_ok();
	broker_set_len(trade_result_encode(tr, br_res.result,
	    sizeof(br_res.result)), "a trade result");
}

static void
broker_req(struct child *c, struct ipc_msg *m)
{
	static struct msg_broker_req	 q;
	const struct api_info		*ai;
	struct rpc_params		 p;
	struct trade_result		 tr;
	const char			*why;
	int				 r;

	if (msg_broker_req_decode(m, &q, &why) == -1)
		fatalx("monitor sent a bad BROKER_REQ: %s", why);
	if (rpc_params_decode(q.op, q.params, q.params_len, &p, &why) == -1)
		fatalx("monitor sent BROKER_REQ op %u with bad params: %s",
		    q.op, why);
	if ((ai = api_info(q.op)) == NULL || ai->to != API_BROKER)
		fatalx("monitor sent BROKER_REQ op %u, which is not the "
		    "broker's", q.op);
	/* Without a command id a retry could trade twice. */
	if (ai->rw == API_WRITE && q.command_id == 0)
		fatalx("monitor sent BROKER_REQ op %u without a command id",
		    q.op);
	memset(&br_res, 0, sizeof(br_res));
	if (br.c->state == BS_DOWN) {
		broker_unavailable();
		broker_answer(m->hdr.id);
		return;
	}
	br.group_id = m->hdr.id;
	br.pending = 0;
	if (ai->rw == API_READ)
		broker_read(q.op, &p);
	else {
		r = br.be->ops->send(br.be, q.command_id, &p, broker_now(),
		    &tr);
		if (r == BACKEND_UNKNOWN) {
			/*
			 * No answer: the monitor's timeout journals the
			 * order unknown, and find() settles it later.
			 */
			log_warnx("command %llu: outcome unknown",
			    (unsigned long long)q.command_id);
			return;
		}
		if (r == BACKEND_DOWN)
			broker_gone();
		else {
			log_debug("command %llu: op %u retcode %u",
			    (unsigned long long)q.command_id, q.op, tr.retcode);
			broker_result(&tr);
		}
	}
	broker_answer(m->hdr.id);
}

static void
broker_find(struct child *c, struct ipc_msg *m)
{
	struct trade_result	 tr;
	const char		*why;
	uint64_t		 id;
	int			 r;

	if (msg_u64_decode(m, &id, &why) == -1)
		fatalx("monitor sent a bad BROKER_FIND: %s", why);
	if (id == 0)
		fatalx("monitor sent BROKER_FIND for command id 0");
	memset(&br_res, 0, sizeof(br_res));
	if (br.c->state == BS_DOWN)
		broker_unavailable();
	else if ((r = br.be->ops->find(br.be, id, &tr)) == BACKEND_DOWN)
		broker_gone();
	else if (r == -1)
		msg_api_res_set(&br_res, 404, "unknown_command", 0,
		    "command %llu was never executed",
		    (unsigned long long)id);
	else
		broker_result(&tr);
	broker_answer(m->hdr.id);
}

/* The bridge's messages go to its backend; anything else cannot. */
static void
broker_bridge(struct child *c, struct ipc_msg *m)
{
	const char	*why;

	/* A bridge that could not start (BS_DOWN) has no backend. */
	if (br.be == NULL || br.be->ops->monitor == NULL) {
		if (m->fd != -1)
			close(m->fd);
		m->fd = -1;
		if (br.c->state == BS_DOWN)
			return;
		fatalx("monitor sent %s to a backend that takes none",
		    msg_name(m->hdr.type));
	}
	br.group_id = 0;
	br.pending = 0;
	if (br.be->ops->monitor(br.be, m, broker_now(), &why) == -1)
		fatalx("monitor sent a bad %s: %s", msg_name(m->hdr.type),
		    why);
	m->fd = -1;		/* the backend owns a descriptor now */
	/* The records a new session's first read found (backend_bridge.c). */
	if (br.pending > 0)
		broker_send(MSG_BROKER_SYNC, 0, NULL, 0);
	br.pending = 0;
}

void
broker_main(void)
{
	struct child	 c;

	child_start(&c, PROC_BROKER, broker_dispatch);
	/* OpenSSL reads its configuration now or never (bridge TLS). */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1)
		fatalx("OPENSSL_init_ssl");
	if ((c.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	child_lockdown(&c);
	memset(&br, 0, sizeof(br));
	br.c = &c;
	c.state_name = broker_state_name;
	log_info("ready, sandboxed");
	child_loop(&c, BS_CONFIG);
}
