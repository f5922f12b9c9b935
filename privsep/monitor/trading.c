/*
 * The monitor's trading path.  See trading.h.
 *
 * A transaction (struct tx) is one request the broker owes an answer to:
 * a client's write (journaled, with a command id), a client's read, or,
 * at start, the question what became of a command id left in flight.
 * Its id in the BROKER_REQ / BROKER_FIND header is ours; the broker
 * answers with the same id.
 *
 * Group commit: every journal and store write goes into the batch of
 * the current event-loop turn.  The commit event runs at the lowest
 * priority, after every message that arrived in this turn was handled;
 * it makes the batch durable with one fsync and only then lets the
 * batch's orders go to the broker and its answers go to net.  A group
 * of records from the broker (the changes one request or one tick
 * caused) is never split over two commits: the commit waits until the
 * broker closes the group with BROKER_RES or BROKER_SYNC.
 *
 * A database failure is fatal: the broker's memory may already hold a
 * change the database does not, and only a restart, which rebuilds the
 * broker from the database, makes them agree again.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bridgekey.h"
#include "config.h"
#include "db.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "record.h"
#include "risk.h"
#include "store.h"
#include "trade.h"
#include "trading.h"
#include "wire.h"

#define TX_MAX			4096	/* requests the broker owes at once */
#define TX_WAITERS		8	/* repeats waiting for one order */

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
	int		 answered;	/* net had its answer (timeout) */
	size_t		 nwaiters;
	uint32_t	 waiters[1 + TX_WAITERS];	/* net request ids */
	char		 coid[TRADE_COID_MAX];
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
struct held {
	TAILQ_ENTRY(held) entry;
	uint32_t	 net_id;
	size_t		 len;
	uint8_t		 data[];
};
TAILQ_HEAD(held_list, held);

static struct {
	const struct herald_conf *conf;
	struct event_base	*base;
	struct journal		*journal;
	struct store		*store;
	struct risk		*risk;
	enum broker_state	 state;
	char			 down_reason[API_STR_MAX];
	struct event		*commit_ev;
	struct event		*start_timer;
	int			 group_open;	/* records since RES/SYNC */
	uint32_t		 next_id;
	size_t			 ntx;
	struct tx_list		 txs;		/* owed by the broker */
	struct tx_list		 unsent;	/* journaled in this batch */
	struct held_list	 held;
	size_t			 unresolved;	/* TX_FIND still owed */
	struct store_lockdown	 lockdown;
} tr;

/* The replay CSV, read before the daemon detaches; NULL if none. */
static struct {
	char			*buf;
	size_t			 len;
} ticks;

static void	commit_cb(evutil_socket_t, short, void *);
static void	tx_timeout(evutil_socket_t, short, void *);
static void	resolved_one(void);

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
broker_state_name(void)
{
	static char	 buf[API_STR_MAX + 8];

	switch (tr.state) {
	case BS_STOPPED:
	case BS_STARTING:
		return "starting";
	case BS_RESOLVING:
		return "resolving";
	case BS_CONNECTED:
		return "connected";
	case BS_DOWN:
		snprintf(buf, sizeof(buf), "down: %s", tr.down_reason);
		return buf;
	}
	return "unknown";
}

/* --- the batch ---------------------------------------------------------- */

/* Open the batch of this turn if need be; its commit runs at turn end. */
static void
batch_join(void)
{
	if (!journal_in_batch(tr.journal) &&
	    journal_batch_begin(tr.journal) == -1)
		fatalx("journal: %s", journal_error(tr.journal));
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
}

/* An encoded answer (msg_api_res_encode()) for net_id, sent at commit. */
static void
hold_encoded(uint32_t net_id, const uint8_t *buf, size_t n)
{
	struct held	*h;

	if ((h = malloc(sizeof(*h) + n)) == NULL)
		fatal("malloc");
	h->net_id = net_id;
	h->len = n;
	memcpy(h->data, buf, n);
	TAILQ_INSERT_TAIL(&tr.held, h, entry);
	batch_join();
}

static void
hold_answer(uint32_t net_id, const struct msg_api_res *res)
{
	static uint8_t	 buf[MSG_MAX];

	hold_encoded(net_id, buf, msg_api_res_encode(buf, sizeof(buf), res));
}

static void
tx_arm(struct tx *t)
{
	struct timeval	 tv = { tr.conf->mt5.request_timeout, 0 };

	if (t->timer == NULL &&
	    (t->timer = evtimer_new(tr.base, tx_timeout, t)) == NULL)
		fatalx("evtimer_new");
	if (evtimer_add(t->timer, &tv) == -1)
		fatalx("evtimer_add");
}

static void
bridge_authorize_send(const struct tx *t)
{
	static struct msg_bridge_order	 o;
	uint8_t				 buf[64 + BRIDGE_CANON_MAX];
	size_t				 n;

	if (bridgekey_authorize((uint64_t)t->command_id, t->op, t->params,
	    t->params_len, &o) == -1)
		return;
	n = msg_bridge_order_encode(buf, sizeof(buf), &o);
	monitor_send(PROC_BROKER, MSG_BRIDGE_ORDER, 0, buf, n);
}

static void
tx_send(struct tx *t)
{
	struct msg_broker_req	 q;
	uint8_t			 buf[16 + API_PARAMS_MAX];
	size_t			 n;

	memset(&q, 0, sizeof(q));
	q.command_id = (uint64_t)t->command_id;
	q.op = t->op;
	q.params_len = t->params_len;
	memcpy(q.params, t->params, t->params_len);
	/*
	 * The bridge's EA executes only what the monitor tagged: the
	 * order's authorisation goes just before it.  Without a session
	 * there is none, and the broker answers that the EA is not there.
	 */
	if (t->kind == TX_WRITE && tr.conf->mt5.backend == BACKEND_BRIDGE)
		bridge_authorize_send(t);
	n = msg_broker_req_encode(buf, sizeof(buf), &q);
	monitor_send(PROC_BROKER, MSG_BROKER_REQ, t->id, buf, n);
	tx_arm(t);
}

static void
commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tx	*t;
	struct held	*h;

	if (tr.group_open || !journal_in_batch(tr.journal))
		return;
	if (journal_batch_commit(tr.journal) == -1)
		fatalx("journal: commit failed: %s; stopping",
		    journal_error(tr.journal));
	/* Durable: now the broker may act and the clients may know. */
	while ((t = TAILQ_FIRST(&tr.unsent)) != NULL) {
		TAILQ_REMOVE(&tr.unsent, t, entry);
		TAILQ_INSERT_TAIL(&tr.txs, t, entry);
		tx_send(t);
	}
	while ((h = TAILQ_FIRST(&tr.held)) != NULL) {
		TAILQ_REMOVE(&tr.held, h, entry);
		monitor_send(PROC_NET, MSG_API_RES, h->net_id, h->data,
		    h->len);
		free(h);
	}
}

/* --- transactions ------------------------------------------------------- */

static struct tx *
tx_new(enum tx_kind kind, uint8_t op, int64_t command_id,
    const uint8_t *params, uint16_t params_len)
{
	struct tx	*t;

	if ((t = calloc(1, sizeof(*t) + params_len)) == NULL)
		fatal("calloc");
	t->params_len = params_len;
	if (params_len > 0)
		memcpy(t->params, params, params_len);
	if (++tr.next_id == 0)
		tr.next_id = 1;
	t->id = tr.next_id;
	t->kind = kind;
	t->op = op;
	t->command_id = command_id;
	tr.ntx++;
	return t;
}

static void
tx_free(struct tx_list *list, struct tx *t)
{
	TAILQ_REMOVE(list, t, entry);
	if (t->timer != NULL)
		event_free(t->timer);
	tr.ntx--;
	free(t);
}

static struct tx *
tx_find(uint32_t id)
{
	struct tx	*t;

	TAILQ_FOREACH(t, &tr.txs, entry)
		if (t->id == id)
			return t;
	return NULL;
}

static struct tx *
tx_by_command(int64_t command_id)
{
	struct tx	*t;

	TAILQ_FOREACH(t, &tr.txs, entry)
		if (t->kind == TX_WRITE && t->command_id == command_id)
			return t;
	TAILQ_FOREACH(t, &tr.unsent, entry)
		if (t->command_id == command_id)
			return t;
	return NULL;
}

static void
tx_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct tx		*t = arg;
	struct msg_api_res	 res;
	size_t			 i;

	/*
	 * The broker stopped in the middle of a group of records: nothing
	 * can be committed (half a group never is) and so nothing answered.
	 * Fail closed rather than let every client wait.
	 */
	if (tr.group_open)
		monitor_abort("the broker stopped answering in the middle of a "
		    "change of the account");
	msg_api_res_reset(&res);
	msg_api_res_set(&res, 503, "broker_timeout", 0, "the broker did not "
	    "answer within mt5.request_timeout (%d s)%s",
	    tr.conf->mt5.request_timeout, t->kind == TX_WRITE ?
	    "; the order's outcome is unknown until it answers" : "");
	switch (t->kind) {
	case TX_READ:
		monitor_api_answer(t->waiters[0], &res);
		t->answered = 1;	/* kept: the late answer is dropped */
		return;
	case TX_WRITE:
		log_warnx("order %" PRId64 ": no answer from the broker in "
		    "%d s; outcome unknown", t->command_id,
		    tr.conf->mt5.request_timeout);
		batch_join();
		if (journal_finish(tr.journal, t->command_id, JOURNAL_UNKNOWN,
		    NULL, 0, now_ms() / 1000) != 0)
			fatalx("journal: %s", journal_error(tr.journal));
		for (i = 0; i < t->nwaiters; i++)
			hold_answer(t->waiters[i], &res);
		/* Kept: a late answer still completes the row. */
		t->answered = 1;
		t->nwaiters = 0;
		return;
	case TX_FIND:
		/* A terminal may be slow or gone; it is asked again later. */
		if (tr.conf->mt5.backend == BACKEND_BRIDGE) {
			log_warnx("journal: the bridge did not say within %d s "
			    "what became of order %" PRId64 "; still "
			    "unresolved", tr.conf->mt5.request_timeout,
			    t->command_id);
			t->answered = 1;
			resolved_one();
			return;
		}
		fatalx("journal: the broker did not say within %d s what "
		    "became of order %" PRId64, tr.conf->mt5.request_timeout,
		    t->command_id);
	}
}

/* --- the answers -------------------------------------------------------- */

/* An answer as journal_store_answer() kept it. */
static int
answer_decode(const uint8_t *buf, size_t len, struct msg_api_res *res)
{
	struct ipc_msg	 m;
	const char	*why;

	memset(&m, 0, sizeof(m));
	if (len > MSG_MAX)
		return -1;
	m.data = buf;
	m.hdr.len = (uint32_t)len;
	m.fd = -1;
	return msg_api_res_decode(&m, res, &why);
}

/*
 * Put client_order_id and the duplicate flag into an order's result
 * (a 200 answer; others are left alone).  out, if not NULL, gets the
 * result as stamped.
 */
static int
result_stamp(struct msg_api_res *res, const char *coid, int duplicate,
    struct trade_result *out)
{
	struct trade_result	 r;
	const char		*why;
	size_t			 n;

	if (res->status != 200)
		return 0;
	if (trade_result_decode(res->result, res->result_len, &r, &why) == -1)
		return -1;
	strlcpy(r.client_order_id, coid, sizeof(r.client_order_id));
	r.duplicate = duplicate ? 1 : 0;
	if ((n = trade_result_encode(&r, res->result, sizeof(res->result))) ==
	    (size_t)-1)
		return -1;
	res->result_len = (uint32_t)n;
	if (out != NULL)
		*out = r;
	return 0;
}

/* "****5678": enough for a user to recognise the account. */
static void
mask_login(const char *login, char *out, size_t outlen)
{
	size_t	 n = strlen(login);

	if (n == 0)
		strlcpy(out, "paper", outlen);
	else if (n <= 4)
		strlcpy(out, "****", outlen);
	else
		snprintf(out, outlen, "****%s", login + n - 4);
}

/* Check a read's answer against its op; fill in what only we know. */
static int
read_result_check(uint8_t op, struct msg_api_res *res, const char **why)
{
	static union {
		struct trade_account	a;
		struct trade_positions	p;
		struct trade_orders	o;
		struct trade_symbol	s;
	} u;
	size_t	 n;

	if (res->status != 200)
		return 0;
	switch (op) {
	case OP_ACCOUNT:
		if (trade_account_decode(res->result, res->result_len, &u.a,
		    why) == -1)
			return -1;
		mask_login(tr.conf->mt5.login, u.a.login, sizeof(u.a.login));
		n = trade_account_encode(&u.a, res->result,
		    sizeof(res->result));
		if (n == (size_t)-1) {
			*why = "account does not fit";
			return -1;
		}
		res->result_len = (uint32_t)n;
		return 0;
	case OP_POSITIONS:
		return trade_positions_decode(res->result, res->result_len,
		    &u.p, why);
	case OP_ORDERS:
		return trade_orders_decode(res->result, res->result_len,
		    &u.o, why);
	case OP_SYMBOL:
		return trade_symbol_decode(res->result, res->result_len,
		    &u.s, why);
	}
	*why = "answer to an operation that was not asked";
	return -1;
}

/*
 * The journal keeps the whole answer, encoded, so that a repeat gets
 * exactly what the first request got.  The encoding is returned (valid
 * until the next call), to be held for net as it is.
 */
static const uint8_t *
journal_store_answer(int64_t id, const struct msg_api_res *res, size_t *np)
{
	static uint8_t	 buf[MSG_MAX];

	*np = msg_api_res_encode(buf, sizeof(buf), res);
	batch_join();
	if (journal_finish(tr.journal, id, res->status == 200 ?
	    JOURNAL_DONE : JOURNAL_FAILED, buf, *np, now_ms() / 1000) != 0)
		fatalx("journal: order %" PRId64 ": %s", id,
		    journal_error(tr.journal));
	return buf;
}

static int
answer_write(struct tx *t, struct msg_api_res *res, const char **why)
{
	struct trade_result	 r;
	const uint8_t		*enc;
	size_t			 i, n;

	if (result_stamp(res, t->coid, 0, &r) == -1) {
		*why = "order result does not decode";
		return -1;
	}
	enc = journal_store_answer(t->command_id, res, &n);
	if (res->status == 200)
		log_info("order %" PRId64 " (%s): retcode %u %s",
		    t->command_id, t->coid, r.retcode, r.message);
	if (!t->answered)
		hold_encoded(t->waiters[0], enc, n);
	/* Requests that repeated this one while it was in flight. */
	if (t->nwaiters > 1 && res->status == 200)
		(void)result_stamp(res, t->coid, 1, NULL);
	for (i = 1; i < t->nwaiters; i++)
		hold_answer(t->waiters[i], res);
	return 0;
}

/*
 * The bridge's EA can leave and come back while an order of this run
 * still waits for its answer, which then never comes: what find learnt
 * is that answer.
 */
static void
settle_write(int64_t command_id, const struct msg_api_res *res)
{
	struct tx	*t;
	size_t		 i;

	TAILQ_FOREACH(t, &tr.txs, entry)
		if (t->kind == TX_WRITE && t->command_id == command_id)
			break;
	if (t == NULL)
		return;
	if (!t->answered)
		for (i = 0; i < t->nwaiters; i++)
			hold_answer(t->waiters[i], res);
	tx_free(&tr.txs, t);
}

static int
answer_find(struct tx *t, struct msg_api_res *res, const char **why)
{
	struct trade_result	 r;
	size_t			 n;

	if (res->status == 200) {
		if (result_stamp(res, t->coid, 0, &r) == -1) {
			*why = "order result does not decode";
			return -1;
		}
		log_info("journal: order %" PRId64 " was executed before the "
		    "restart: retcode %u %s", t->command_id, r.retcode,
		    r.message);
	} else if (res->status != 404) {
		/* The backend could not be asked (the bridge's EA left). */
		log_warnx("journal: order %" PRId64 " is still unresolved: %s",
		    t->command_id, res->message);
		resolved_one();
		return 0;
	} else {
		log_info("journal: order %" PRId64 " was never executed "
		    "(the backend does not know its command id)",
		    t->command_id);
		msg_api_res_set(res, 503, "not_executed", 0, "heraldd stopped "
		    "before this order reached the broker; it was not "
		    "executed");
	}
	(void)journal_store_answer(t->command_id, res, &n);
	settle_write(t->command_id, res);
	resolved_one();
	return 0;
}

/* --- records from the broker -------------------------------------------- */

static void
record_track(const struct paper_record *rec)
{
	int	 open = rec->op == PAPER_OP_PUT;

	switch (rec->type) {
	case PAPER_REC_POSITION:
		risk_track(tr.risk, RISK_POSITION, rec->u.position.ticket,
		    rec->u.position.symbol, open);
		break;
	case PAPER_REC_ORDER:
		risk_track(tr.risk, RISK_ORDER, rec->u.order.ticket,
		    rec->u.order.symbol, open);
		break;
	default:
		break;
	}
}

static int
record_store(const struct paper_record *rec, const uint8_t *body, size_t len)
{
	char	 key[PAPER_CMDID_MAX];
	int	 r;

	if (paper_record_key(rec, key, sizeof(key)) == -1)
		return -1;
	if (rec->op == PAPER_OP_DEL)
		r = store_del(tr.store, rec->type, key);
	else
		r = store_put(tr.store, rec->type, key, paper_record_time(rec),
		    paper_record_profit(rec), body, len);
	if (r == -1)
		fatalx("store: %s", store_error(tr.store));
	return 0;
}

/* --- start-up ----------------------------------------------------------- */

static void
send_config(void)
{
	const struct herald_conf	*c = tr.conf;
	struct msg_broker_config	 bc;
	uint8_t				 buf[64 + BROKER_NAME_MAX];
	size_t				 n;

	memset(&bc, 0, sizeof(bc));
	bc.backend = c->mt5.backend == BACKEND_BRIDGE ? BROKER_BACKEND_BRIDGE :
	    BROKER_BACKEND_PAPER;
	bc.margin_mode = (uint8_t)c->mt5.paper.margin_mode;
	strlcpy(bc.currency, c->mt5.paper.currency, sizeof(bc.currency));
	bc.leverage = (uint32_t)c->mt5.paper.leverage;
	bc.balance = c->mt5.paper.balance;
	bc.seed = c->mt5.paper.seed;
	bc.tick_interval = (uint32_t)c->mt5.paper.tick_interval;
	bc.nsymbols = (uint32_t)c->mt5.paper.nsymbols;
	n = msg_broker_config_encode(buf, sizeof(buf), &bc);
	monitor_send(PROC_BROKER, MSG_BROKER_CONFIG, 0, buf, n);
}

static void
send_symbol(const struct conf_symbol *cs)
{
	struct msg_broker_symbol	 s;
	uint8_t				 buf[BROKER_SYMBOL_MAX];
	size_t				 n;

	memset(&s, 0, sizeof(s));
	strlcpy(s.name, cs->name, sizeof(s.name));
	strlcpy(s.currency_base, cs->currency_base, sizeof(s.currency_base));
	strlcpy(s.currency_profit, cs->currency_profit,
	    sizeof(s.currency_profit));
	s.digits = (uint8_t)cs->digits;
	s.contract_size = cs->contract_size;
	s.volume_min = cs->volume_min;
	s.volume_max = cs->volume_max;
	s.volume_step = cs->volume_step;
	s.stops_level = (uint32_t)cs->stops_level;
	s.filling = (uint8_t)cs->filling;
	s.trade_mode = (uint8_t)cs->trade_mode;
	s.exec_mode = (uint8_t)cs->exec_mode;
	s.calc_mode = (uint8_t)cs->calc_mode;
	s.liquidity = cs->liquidity;
	s.start_bid = cs->start_bid;
	s.spread = (uint32_t)cs->spread;
	s.max_step = (uint32_t)cs->max_step;
	s.session_open = cs->session_open ? 1 : 0;
	n = msg_broker_symbol_encode(buf, sizeof(buf), &s);
	monitor_send(PROC_BROKER, MSG_BROKER_SYMBOL, 0, buf, n);
}

/* The replay file in chunks of whole lines. */
static void
send_ticks(void)
{
	uint8_t		 buf[2 + BROKER_TICKS_CHUNK];
	size_t		 off = 0, len, n;
	const char	*nl;

	while (off < ticks.len) {
		len = ticks.len - off;
		if (len > BROKER_TICKS_CHUNK) {
			len = BROKER_TICKS_CHUNK;
			nl = memrchr(ticks.buf + off, '\n', len);
			if (nl == NULL)
				fatalx("%s: a line longer than %d bytes",
				    tr.conf->mt5.paper.ticks_file,
				    BROKER_TICKS_CHUNK);
			len = (size_t)(nl - (ticks.buf + off)) + 1;
		}
		n = msg_blob_encode(buf, sizeof(buf), ticks.buf + off, len);
		monitor_send(PROC_BROKER, MSG_BROKER_TICKS, 0, buf, n);
		off += len;
	}
	/* The broker has them; up to CONF_TICKS_MAX need not stay here. */
	free(ticks.buf);
	ticks.buf = NULL;
	ticks.len = 0;
}

static int
load_record(uint8_t type, const char *key, const void *body, size_t len,
    void *arg)
{
	struct msg_broker_record	 mr;
	struct paper_record		 rec;
	static uint8_t			 buf[8 + BROKER_RECORD_MAX];
	const char			*why = "longer than a broker record";
	size_t				 n;
	size_t				*count = arg;

	if (len > BROKER_RECORD_MAX ||
	    paper_record_decode(type, PAPER_OP_PUT, body, len, &rec,
	    &why) == -1)
		fatalx("%s: stored broker state %u/%s does not decode: %s",
		    tr.conf->database, type, key, why);
	record_track(&rec);
	memset(&mr, 0, sizeof(mr));
	mr.type = type;
	mr.op = PAPER_OP_PUT;
	mr.len = (uint16_t)len;
	memcpy(mr.data, body, len);
	n = msg_broker_record_encode(buf, sizeof(buf), &mr);
	monitor_send(PROC_BROKER, MSG_BROKER_RECORD, 0, buf, n);
	(*count)++;
	return 0;
}

static void
start_timeout(evutil_socket_t fd, short ev, void *arg)
{
	if (tr.state != BS_STARTING)
		return;
	tr.state = BS_DOWN;
	snprintf(tr.down_reason, sizeof(tr.down_reason), "the %s backend "
	    "did not come up within mt5.start_timeout (%d s)",
	    tr.conf->mt5.backend == BACKEND_BRIDGE ? "bridge" : "paper",
	    tr.conf->mt5.start_timeout);
	log_warnx("broker: %s", tr.down_reason);
}

void
trade_broker_ready(void)
{
	struct timeval	 tv = { tr.conf->mt5.start_timeout, 0 };
	size_t		 i, nrec = 0;
	int64_t		 day;
	double		 sum;

	send_config();
	for (i = 0; i < tr.conf->mt5.paper.nsymbols; i++)
		send_symbol(&tr.conf->mt5.paper.symbols[i]);
	send_ticks();
	/* No more than the paper engine keeps in memory. */
	if (store_load(tr.store, PAPER_REC_DEAL, BACKEND_PAPER_MAX_DEALS,
	    PAPER_REC_COMMAND, BACKEND_PAPER_MAX_COMMANDS, load_record,
	    &nrec) == -1)
		fatalx("store: %s", store_error(tr.store));
	day = risk_day_start(now_ms());
	if (store_profit_since(tr.store, PAPER_REC_DEAL, day, &sum) == -1)
		fatalx("store: %s", store_error(tr.store));
	risk_set_realised(tr.risk, day, sum);
	monitor_send(PROC_BROKER, MSG_BROKER_START, 0, NULL, 0);
	tr.state = BS_STARTING;
	if ((tr.start_timer = evtimer_new(tr.base, start_timeout,
	    NULL)) == NULL || evtimer_add(tr.start_timer, &tv) == -1)
		fatalx("evtimer");
	log_debug("broker: configuration and %zu stored records sent", nrec);
}

static void
resolved_one(void)
{
	if (tr.unresolved > 0 && --tr.unresolved == 0 &&
	    tr.state == BS_RESOLVING) {
		tr.state = BS_CONNECTED;
		log_info("journal: every order in flight is resolved; "
		    "trading is open");
	}
}

static int
ask_about(const struct journal_order *o, void *arg)
{
	struct tx	*t;
	uint8_t		 buf[8];
	size_t		 n;

	t = tx_new(TX_FIND, OP_NONE, o->id, NULL, 0);
	strlcpy(t->coid, o->client_order_id, sizeof(t->coid));
	TAILQ_INSERT_TAIL(&tr.txs, t, entry);
	n = msg_u64_encode(buf, sizeof(buf), (uint64_t)o->id);
	monitor_send(PROC_BROKER, MSG_BROKER_FIND, t->id, buf, n);
	tx_arm(t);
	tr.unresolved++;
	return 0;
}

/* The backend is up: settle what an earlier run left in flight. */
static void
resolve_in_flight(void)
{
	tr.state = BS_RESOLVING;
	if (journal_unresolved(tr.journal, ask_about, NULL) == -1)
		fatalx("journal: %s", journal_error(tr.journal));
	if (tr.unresolved == 0) {
		tr.state = BS_CONNECTED;
		log_info("broker: connected; trading is open");
		return;
	}
	log_info("journal: %zu orders were in flight when heraldd stopped; "
	    "asking the backend what became of each", tr.unresolved);
}

/* --- the broker's messages ---------------------------------------------- */

int
trade_broker_up(const struct ipc_msg *m, const char **why)
{
	struct msg_broker_up	 u;

	if (msg_broker_up_decode(m, &u, why) == -1)
		return -1;
	if (u.connected) {
		if (tr.state != BS_STARTING && tr.state != BS_DOWN) {
			*why = "BROKER_UP while already connected";
			return -1;
		}
		log_info("broker: backend %s is up", u.reason);
		resolve_in_flight();
		return 0;
	}
	if (tr.state == BS_RESOLVING) {
		/* Only a terminal that comes and goes may leave meanwhile. */
		if (tr.conf->mt5.backend != BACKEND_BRIDGE) {
			*why = "backend went down while orders were being "
			    "resolved";
			return -1;
		}
		tr.unresolved = 0;	/* asked again when it is back */
	}
	tr.state = BS_DOWN;
	strlcpy(tr.down_reason, u.reason[0] != '\0' ? u.reason :
	    "no reason given", sizeof(tr.down_reason));
	/* What the broker cannot know: the key is not there yet. */
	if (tr.conf->mt5.backend == BACKEND_BRIDGE &&
	    bridgekey_missing()[0] != '\0')
		snprintf(tr.down_reason, sizeof(tr.down_reason), "bridge: %s",
		    bridgekey_missing());
	log_warnx("broker: backend down: %s", tr.down_reason);
	return 0;
}

int
trade_broker_record(const struct ipc_msg *m, const char **why)
{
	static struct msg_broker_record	 mr;
	struct paper_record		 rec;

	if (tr.state == BS_STOPPED || tr.state == BS_STARTING) {
		*why = "state change before the backend is up";
		return -1;
	}
	if (msg_broker_record_decode(m, &mr, why) == -1 ||
	    paper_record_decode(mr.type, mr.op, mr.data, mr.len, &rec,
	    why) == -1)
		return -1;
	if (rec.type == PAPER_REC_QUOTE) {
		*why = "quotes are not state";
		return -1;
	}
	batch_join();
	tr.group_open = 1;
	if (record_store(&rec, mr.data, mr.len) == -1) {
		*why = "record without a key";
		return -1;
	}
	record_track(&rec);
	if (rec.type == PAPER_REC_DEAL && rec.op == PAPER_OP_PUT)
		risk_realised(tr.risk, rec.u.deal.time,
		    paper_record_profit(&rec));
	return 0;
}

int
trade_broker_sync(const struct ipc_msg *m, const char **why)
{
	if (!tr.group_open) {
		*why = "BROKER_SYNC without records";
		return -1;
	}
	tr.group_open = 0;
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
	return 0;
}

int
trade_broker_res(const struct ipc_msg *m, const char **why)
{
	static struct msg_api_res	 res;
	struct tx			*t;
	int				 r = 0;

	tr.group_open = 0;
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
	if (msg_api_res_decode(m, &res, why) == -1)
		return -1;
	if ((t = tx_find(m->hdr.id)) == NULL) {
		*why = "answer to no request";
		return -1;
	}
	if (t->timer != NULL)
		evtimer_del(t->timer);
	switch (t->kind) {
	case TX_WRITE:
		r = answer_write(t, &res, why);
		break;
	case TX_FIND:
		r = answer_find(t, &res, why);
		break;
	case TX_READ:
		if ((r = read_result_check(t->op, &res, why)) == 0 &&
		    !t->answered)
			monitor_api_answer(t->waiters[0], &res);
		break;
	}
	tx_free(&tr.txs, t);
	return r;
}

/* --- the client's requests ---------------------------------------------- */

static int
is_write(uint8_t op)
{
	return op == OP_TRADE || op == OP_POSITION_CLOSE ||
	    op == OP_POSITION_MODIFY || op == OP_ORDER_CANCEL;
}

static int
broker_unavailable(struct msg_api_res *res)
{
	switch (tr.state) {
	case BS_CONNECTED:
		return 0;
	case BS_DOWN:
		msg_api_res_set(res, 503, "broker_unavailable", 5,
		    "the broker is down: %s", tr.down_reason);
		return 1;
	default:
		msg_api_res_set(res, 503, "broker_unavailable", 1,
		    "the broker is %s", broker_state_name());
		return 1;
	}
}

/* A repeat of an order the journal has seen. */
static void
repeat(uint32_t net_id, const struct journal_order *o, const char *coid,
    struct msg_api_res *res)
{
	struct tx	*t;

	if (o->request_differs) {
		msg_api_res_set(res, 409, "duplicate_client_order_id", 0,
		    "field 'client_order_id': '%s' was used for a different "
		    "order", coid);
		return;
	}
	if (o->result != NULL) {
		if (answer_decode(o->result, o->result_len, res) == -1 ||
		    result_stamp(res, o->client_order_id, 1, NULL) == -1)
			fatalx("journal: order %" PRId64 ": stored answer does "
			    "not decode", o->id);
		return;
	}
	/* Still in flight: answer with the first once it is known. */
	if ((t = tx_by_command(o->id)) != NULL && !t->answered &&
	    t->nwaiters < sizeof(t->waiters) / sizeof(t->waiters[0])) {
		t->waiters[t->nwaiters++] = net_id;
		res->status = 0;
		return;
	}
	msg_api_res_set(res, 409, "order_in_flight", 1, "order '%s' is still "
	    "being executed; repeat the request for its answer",
	    o->client_order_id);
}

static int
trade_write(uint32_t net_id, const struct msg_api_req *q,
    const struct auth_identity *id, const struct rpc_params *p,
    struct msg_api_res *res)
{
	struct risk_refusal	 rf;
	struct journal_order	 o;
	struct tx		*t;
	const char		*coid;
	int			 r;

	if (risk_check(tr.risk, id->key_id, p, now_ms(), &rf) != 0) {
		log_info("order refused for key %s: %s", id->name, rf.message);
		msg_api_res_set(res, 403, "risk_refused", 0, "%s", rf.message);
		return 0;
	}
	if (tr.ntx >= TX_MAX) {
		msg_api_res_set(res, 503, "broker_busy", 1, "%d orders are "
		    "already waiting for the broker", TX_MAX);
		return 0;
	}
	coid = (p->flags & RPC_HAS_COID) ? p->client_order_id : NULL;
	batch_join();
	memset(&o, 0, sizeof(o));
	r = journal_begin(tr.journal, id->key_id, q->address, coid, q->params,
	    q->params_len, now_ms() / 1000, &o);
	switch (r) {
	case JOURNAL_NEW:
		t = tx_new(TX_WRITE, q->op, o.id, q->params, q->params_len);
		strlcpy(t->coid, o.client_order_id, sizeof(t->coid));
		t->waiters[t->nwaiters++] = net_id;
		TAILQ_INSERT_TAIL(&tr.unsent, t, entry);
		r = 1;
		break;
	case JOURNAL_DUPLICATE:
		repeat(net_id, &o, coid != NULL ? coid : o.client_order_id,
		    res);
		if (res->status == 0)
			r = 1;			/* waits for the first */
		else if (res->status == 200) {
			hold_answer(net_id, res);	/* after the commit */
			r = 1;
		} else
			r = 0;
		break;
	case JOURNAL_REFUSED:
		msg_api_res_set(res, 400, "bad_request", 0, "%s",
		    journal_error(tr.journal));
		r = 0;
		break;
	default:
		fatalx("journal: %s", journal_error(tr.journal));
	}
	journal_order_clear(&o);
	return r;
}

int
trade_api(uint32_t net_id, const struct msg_api_req *q,
    const struct auth_identity *id, struct msg_api_res *res,
    const char **why)
{
	struct rpc_params	 p;
	struct tx		*t;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p, why) == -1)
		return -1;
	if (is_write(q->op) && tr.lockdown.active) {
		msg_api_res_set(res, 503, "lockdown", 0, "trading is locked "
		    "down (by %s); no order is accepted", tr.lockdown.who);
		return 0;
	}
	if (broker_unavailable(res))
		return 0;
	if (is_write(q->op))
		return trade_write(net_id, q, id, &p, res);
	if (tr.ntx >= TX_MAX) {
		msg_api_res_set(res, 503, "broker_busy", 1, "%d requests are "
		    "already waiting for the broker", TX_MAX);
		return 0;
	}
	t = tx_new(TX_READ, q->op, 0, q->params, q->params_len);
	t->waiters[t->nwaiters++] = net_id;
	TAILQ_INSERT_TAIL(&tr.txs, t, entry);
	tx_send(t);
	return 1;
}

/* --- lockdown and state ------------------------------------------------- */

int
trade_lockdown(int on, const char *who, char *why, size_t whylen)
{
	struct store_lockdown	 l;

	if (tr.lockdown.active == (on != 0))
		return 0;
	memset(&l, 0, sizeof(l));
	l.active = on != 0;
	strlcpy(l.who, who, sizeof(l.who));
	l.since = time(NULL);
	/* Outside a batch a single statement is its own durable commit. */
	if (store_lockdown_set(tr.store, &l) == -1) {
		snprintf(why, whylen, "cannot record the lockdown: %s",
		    store_error(tr.store));
		return -1;
	}
	tr.lockdown = l;	/* control.c logs who did it */
	return 0;
}

void
trade_state(struct trade_state *st)
{
	memset(st, 0, sizeof(*st));
	strlcpy(st->broker, broker_state_name(), sizeof(st->broker));
	st->lockdown = tr.lockdown.active;
	strlcpy(st->lockdown_by, tr.lockdown.who, sizeof(st->lockdown_by));
	st->lockdown_since = tr.lockdown.since;
}

/* --- set-up ------------------------------------------------------------- */

int
trade_load_ticks(const struct herald_conf *conf, char *err, size_t errlen)
{
	const char	*path = conf->mt5.paper.ticks_file;
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if (path[0] == '\0' || ticks.buf != NULL)
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "mt5.paper.ticks_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_TICKS_MAX) {
		snprintf(err, errlen, "mt5.paper.ticks_file %s: not a regular "
		    "file of at most %d bytes", path, CONF_TICKS_MAX);
		close(fd);
		return -1;
	}
	ticks.len = (size_t)st.st_size;
	if ((ticks.buf = malloc(ticks.len + 1)) == NULL)
		fatal("malloc");
	while (off < ticks.len) {
		if ((n = read(fd, ticks.buf + off, ticks.len - off)) <= 0) {
			snprintf(err, errlen, "mt5.paper.ticks_file %s: %s",
			    path, n == 0 ? "file shrank" : strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

/*
 * The account's history grows by a deal and a command id per order.
 * Deals go after trading.journal_days, as the orders do (always after
 * today's, which the daily-loss rule sums); command ids beyond the ones
 * the broker is given at start (BACKEND_PAPER_MAX_COMMANDS) go too.
 */
static int
prune_account(const struct herald_conf *conf, char *err, size_t errlen)
{
	int64_t	 deals, commands;

	deals = store_prune_before(tr.store, PAPER_REC_DEAL,
	    (time(NULL) - (int64_t)conf->trading.journal_days * 86400) * 1000);
	commands = store_prune_keep(tr.store, PAPER_REC_COMMAND,
	    BACKEND_PAPER_MAX_COMMANDS);
	if (deals < 0 || commands < 0) {
		snprintf(err, errlen, "%s", store_error(tr.store));
		return -1;
	}
	if (deals > 0 || commands > 0)
		log_info("store: forgot %" PRId64 " deals older than %d days "
		    "and %" PRId64 " old command ids", deals,
		    conf->trading.journal_days, commands);
	return 0;
}

static void
journal_conf_from(const struct herald_conf *c, struct journal_conf *jc)
{
	journal_conf_defaults(jc);
	jc->window = c->trading.duplicate_window;
}

int
trade_init(const struct herald_conf *conf, struct event_base *base,
    char *err, size_t errlen)
{
	struct journal_conf	 jc;
	int64_t			 pruned;

	memset(&tr, 0, sizeof(tr));
	TAILQ_INIT(&tr.txs);
	TAILQ_INIT(&tr.unsent);
	TAILQ_INIT(&tr.held);
	tr.conf = conf;
	tr.base = base;
	journal_conf_from(conf, &jc);
	if ((tr.journal = journal_open(db_handle(), &jc, err,
	    errlen)) == NULL)
		return -1;
	if ((tr.store = store_open(db_handle(), err, errlen)) == NULL)
		return -1;
	if (store_lockdown_get(tr.store, &tr.lockdown) == -1) {
		snprintf(err, errlen, "%s", store_error(tr.store));
		return -1;
	}
	if ((tr.risk = risk_new()) == NULL)
		fatal("risk_new");
	risk_configure(tr.risk, conf);
	pruned = journal_prune(tr.journal, time(NULL) -
	    (int64_t)conf->trading.journal_days * 86400);
	if (pruned < 0) {
		snprintf(err, errlen, "%s", journal_error(tr.journal));
		return -1;
	}
	if (pruned > 0)
		log_info("journal: forgot %" PRId64 " orders older than %d "
		    "days", pruned, conf->trading.journal_days);
	if (prune_account(conf, err, errlen) == -1)
		return -1;
	/* After every message of a turn: the lowest of three priorities. */
	if ((tr.commit_ev = event_new(base, -1, 0, commit_cb, NULL)) == NULL ||
	    event_priority_set(tr.commit_ev, 2) == -1)
		fatalx("commit event");
	if (tr.lockdown.active)
		log_warnx("trading is locked down (by %s) since the last run",
		    tr.lockdown.who);
	return 0;
}

void
trade_reconfigure(const struct herald_conf *conf)
{
	struct journal_conf	 jc;

	tr.conf = conf;
	risk_configure(tr.risk, conf);
	journal_conf_from(conf, &jc);
	journal_set_conf(tr.journal, &jc);
}

void
trade_close(void)
{
	if (tr.journal != NULL) {
		if (journal_in_batch(tr.journal))
			journal_batch_abort(tr.journal);
		journal_close(tr.journal);
		tr.journal = NULL;
	}
	if (tr.store != NULL) {
		store_close(tr.store);
		tr.store = NULL;
	}
}
