/*
 * The monitor's trading path: the client's requests, the lockdown and
 * the set-up.  See trading.h; the group commit is trading_commit.c, the
 * broker's answers trading_broker.c, the start trading_start.c.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "api.h"
#include "audit.h"
#include "bridgekey.h"
#include "config.h"
#include "db.h"
#include "events.h"
#include "journal.h"
#include "log.h"
#include "metrics_mon.h"
#include "msg.h"
#include "nitems.h"
#include "params.h"
#include "risk.h"
#include "store.h"
#include "trading_int.h"

struct trading	 tr;

/* The request trade_api() serves was a repeat, answered by the journal. */
static int	 answered_repeat;

int64_t
trade_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
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

/* --- the client's requests ---------------------------------------------- */

/* The catalogue's rw column: a new write op is journaled without a word. */
static int
is_write(uint8_t op)
{
	return api_info(op) != NULL && api_info(op)->rw == API_WRITE;
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

/*
 * What an order's log lines say besides its ids: whose it is and what it
 * asks, from checked parameters (the symbol's characters, the key's
 * name are the decoders' and auth.c's).
 */
static void
order_describe(struct tx *t, const struct auth_identity *id,
    const struct rpc_params *p)
{
	const char	*op = api_info(t->op)->name;

	if (p->symbol[0] != '\0')
		snprintf(t->what, sizeof(t->what), "key %s (id %" PRId64 ") "
		    "%s %s %.2f %s", id->name, id->key_id, op,
		    p->side == RPC_SIDE_SELL ? "SELL" : "BUY", p->volume,
		    p->symbol);
	else
		snprintf(t->what, sizeof(t->what), "key %s (id %" PRId64 ") "
		    "%s ticket %" PRIu64, id->name, id->key_id, op, p->ticket);
	log_info("order %" PRId64 " (%s) %s: accepted", t->command_id, t->coid,
	    t->what);
	strlcpy(t->key, id->name, sizeof(t->key));
	t->audit = json_pack("{s:I, s:s, s:s}", "command_id",
	    (json_int_t)t->command_id, "client_order_id", t->coid, "op",
	    api_info(t->op)->name);
	if (t->audit == NULL)
		fatalx("order %" PRId64 ": audit detail", t->command_id);
	if (p->symbol[0] != '\0') {
		json_object_set_new(t->audit, "symbol", json_string(p->symbol));
		json_object_set_new(t->audit, "side", json_string(
		    p->side == RPC_SIDE_SELL ? "SELL" : "BUY"));
		json_object_set_new(t->audit, "volume", json_real(p->volume));
	}
	if (t->op == OP_TRADE)
		json_object_set_new(t->audit, "type", json_string("market"));
	if (p->ticket != 0)
		json_object_set_new(t->audit, "ticket", json_integer(
		    (json_int_t)p->ticket));
}

/*
 * The order's first audit row, in the batch that journals it: an order
 * never exists without one.  -1 when it cannot be written.
 */
static int
order_accepted(struct tx *t)
{
	char	 actor[80];

	snprintf(actor, sizeof(actor), "key %s", t->key);
	return audit_event("order.accepted", actor, t->key, t->addr,
	    json_deep_copy(t->audit));
}

/*
 * The bridge's terminal said, in its last PONG of this session, that it
 * executes nothing from an EA: refuse before journaling, so that the
 * order can be sent again with its client_order_id once it is on.
 */
static int
autotrading_off(struct msg_api_res *res)
{
	struct msg_bridge_status	 st;
	char				 err[64];

	if (tr.conf->mt5.backend != BACKEND_BRIDGE ||
	    bridgekey_status(&st, err, sizeof(err)) == -1 ||
	    !st.connected || st.last_pong < st.since || st.trade_allowed)
		return 0;
	autotrading_refuse(res, 0);
	return 1;
}

/*
 * A refusal that proves nothing reached the terminal binds no
 * client_order_id: the broker had no terminal to send it to (503
 * broker_unavailable: BACKEND_DOWN, never sent), or the terminal
 * executes nothing from an EA (503 autotrading_disabled, retcode 10026
 * or 10027).  Retried with the same id, the order is a new attempt; its
 * first row gives up the id (journal_release()).  Every other stored
 * answer, and every order whose outcome was unknown, stays bound.
 */
static int
refusal_unbound(const struct journal_order *o)
{
	static const char *const codes[] = {
		"broker_unavailable", "autotrading_disabled"
	};
	static struct msg_api_res	 res;
	size_t				 i;

	if (o->state != JOURNAL_FAILED || o->result == NULL ||
	    answer_decode(o->result, o->result_len, &res) == -1 ||
	    res.status != 503)
		return 0;
	for (i = 0; i < nitems(codes); i++)
		if (strcmp(res.code, codes[i]) == 0)
			return 1;
	return 0;
}

/*
 * A repeat answered from the journal (JOURNAL_DUPLICATE): 0 with res, or
 * 1 when the answer comes later (the first is still in flight, or the
 * stored answer may be this batch's and is sent after its commit).
 */
static int
repeat_answer(uint32_t net_id, const struct journal_order *o,
    const char *coid, struct msg_api_res *res)
{
	answered_repeat = 1;
	repeat(net_id, o, coid != NULL ? coid : o->client_order_id, res);
	if (res->status == 0)
		return 1;			/* waits for the first */
	if (!answer_has_result(res))
		return 0;
	/* After the commit: it may be this batch's. */
	hold_answer(net_id, res, HELD_RETRY);
	return 1;
}

/*
 * A repeated order gets its first answer, whatever changed since: the
 * lockdown, the limits it now meets (its own position among them), the
 * broker's state.  So the journal is asked first, after only the key's
 * identity and permission (auth_check()), and only for this key's rows.
 * -1 if the order repeats nothing, else what trade_api() returns.
 */
/*
 * Orders journaled by a build before the order block (type, deviation,
 * stop_limit, expiration: params.h) hold a TRADE request without it, so
 * the same body sent again after an upgrade packs to other bytes: a
 * client_order_id would find its row "for a different order", a derived
 * id none.  Such a repeat is looked up again by its older layout, and is
 * answered from that row when the bytes match.  1 with *o, 0, or < 0.
 */
static int
repeat_older(const struct msg_api_req *q, const struct auth_identity *id,
    const struct rpc_params *p, const char *coid, struct journal_order *o)
{
	struct journal_order	 old;
	uint8_t			 buf[API_PARAMS_MAX];
	size_t			 n;
	int			 r;

	if (q->op != OP_TRADE || (n = rpc_params_pack(p,
	    api_info(OP_TRADE)->fields & ~RPC_ORDER_BLOCK, buf,
	    sizeof(buf))) == (size_t)-1)
		return 0;
	memset(&old, 0, sizeof(old));
	r = journal_repeat(tr.journal, id->key_id, coid, buf, n,
	    trade_now_ms() / 1000, &old);
	if (r == JOURNAL_DUPLICATE && !old.request_differs) {
		journal_order_clear(o);
		*o = old;
		return 1;
	}
	journal_order_clear(&old);
	return r == JOURNAL_DUPLICATE ? 0 : r;
}

static int
trade_repeat(uint32_t net_id, const struct msg_api_req *q,
    const struct auth_identity *id, const struct rpc_params *p,
    struct msg_api_res *res)
{
	struct journal_order	 o;
	const char		*coid;
	int			 r;

	coid = (p->flags & RPC_HAS_COID) ? p->client_order_id : NULL;
	r = journal_repeat(tr.journal, id->key_id, coid, q->params,
	    q->params_len, trade_now_ms() / 1000, &o);
	if (r == JOURNAL_DUPLICATE && refusal_unbound(&o)) {
		journal_order_clear(&o);
		return -1;		/* a new attempt: trade_write() */
	}
	if (r == 0 || (r == JOURNAL_DUPLICATE && o.request_differs)) {
		switch (repeat_older(q, id, p, coid, &o)) {
		case 1:
			r = JOURNAL_DUPLICATE;
			break;
		case 0:
			break;
		default:
			r = -1;
			break;
		}
	}
	if (r == JOURNAL_DUPLICATE)
		r = repeat_answer(net_id, &o, coid, res);
	else if (r == 0)
		r = -1;
	else {
		storage_fault("%s", journal_error(tr.journal));
		storage_refuse(res);
		r = 0;
	}
	journal_order_clear(&o);
	return r;
}

/*
 * Whether key id may act on someone's tickets: under
 * trading.positions_scope all, or as an admin key, it may.
 */
int
trade_sees_all(const struct auth_identity *id)
{
	return tr.conf->trading.positions_scope == CONF_SCOPE_ALL ||
	    strcmp(id->role, "admin") == 0;
}

/*
 * trading.positions_scope key: a write on a ticket (a close, a
 * modification, a cancellation) by a key that is not the ticket's
 * owner, and not an admin, is refused.  A ticket no order of heraldd's
 * opened belongs to no key.  1 with res when refused.
 */
static int
owner_refuses(const struct auth_identity *id, const struct rpc_params *p,
    struct msg_api_res *res)
{
	int64_t	 key_id, order_id;
	int	 r;

	if ((api_info(p->op)->fields & RPC_NEED_TICKET) == 0 ||
	    trade_sees_all(id))
		return 0;
	/* No such ticket open: the broker says so (10036, 10013). */
	if (!risk_is_open(tr.risk, p->ticket))
		return 0;
	if ((r = store_owner_get(tr.store, p->ticket, &key_id,
	    &order_id)) == -1) {
		storage_fault("%s", store_error(tr.store));
		storage_refuse(res);
		return 1;
	}
	if (r == 1 && key_id == id->key_id)
		return 0;
	log_info("order refused for key %s: ticket %" PRIu64 " is %s",
	    id->name, p->ticket, r == 1 ? "another key's" : "no key's");
	msg_api_res_set(res, 403, "risk_refused", 0, "trading.positions_scope: "
	    "ticket %" PRIu64 " was not opened by an order of this key (%s); "
	    "only its owner or an admin key may act on it", p->ticket,
	    r == 1 ? "another key's order opened it" : "no order of heraldd "
	    "opened it");
	return 1;
}

/* A risk rule refused the order: an audit row of its own. */
static void
order_refused(const struct msg_api_req *q, const struct auth_identity *id,
    const struct rpc_params *p, const char *why)
{
	char	 actor[80];

	snprintf(actor, sizeof(actor), "key %s", id->name);
	(void)audit_event("order.refused", actor, id->name, q->address,
	    json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}", "op",
	    api_info(q->op)->name, "client_order_id", (p->flags &
	    RPC_HAS_COID) ? p->client_order_id : "", "symbol", p->symbol,
	    "side", p->side == RPC_SIDE_SELL ? "SELL" : "BUY", "volume",
	    p->volume, "reason", why));
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

	/* Before the rules: nothing reaches the broker in a fault. */
	if (tr.fault) {
		storage_refuse(res);
		return 0;
	}
	if (owner_refuses(id, p, res))
		return 0;
	if (risk_check(tr.risk, id->key_id, p, trade_now_ms(), &rf) != 0) {
		log_info("order refused for key %s: %s", id->name, rf.message);
		order_refused(q, id, p, rf.message);
		/* "Wait", not "never": a bot can tell them apart. */
		if (rf.retry_after != 0)
			msg_api_res_set(res, 429, "rate_limited",
			    rf.retry_after, "%s", rf.message);
		else
			msg_api_res_set(res, 403, "risk_refused", 0, "%s",
			    rf.message);
		return 0;
	}
	if (tr.ntx >= TX_MAX) {
		msg_api_res_set(res, 503, "broker_busy", 1, "%d orders are "
		    "already waiting for the broker", TX_MAX);
		return 0;
	}
	coid = (p->flags & RPC_HAS_COID) ? p->client_order_id : NULL;
	if (batch_join() == -1) {
		storage_refuse(res);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	r = journal_begin(tr.journal, id->key_id, q->address, coid, q->params,
	    q->params_len, trade_now_ms() / 1000, &o);
	/* Its first attempt's refusal bound nothing: this one is new. */
	if (r == JOURNAL_DUPLICATE && refusal_unbound(&o)) {
		log_info("order %" PRId64 " (%s) was refused before reaching "
		    "the terminal; its client_order_id is free again",
		    o.id, o.client_order_id);
		r = journal_release(tr.journal, o.id);
		journal_order_clear(&o);
		if (r == 0)
			r = journal_begin(tr.journal, id->key_id, q->address,
			    coid, q->params, q->params_len,
			    trade_now_ms() / 1000, &o);
	}
	switch (r) {
	case JOURNAL_NEW:
		t = tx_new(TX_WRITE, q->op, o.id, q->params, q->params_len);
		t->key_id = id->key_id;
		strlcpy(t->coid, o.client_order_id, sizeof(t->coid));
		strlcpy(t->addr, q->address, sizeof(t->addr));
		order_describe(t, id, p);
		if (order_accepted(t) == -1) {
			tx_free(NULL, t);
			storage_fault("the audit trail cannot be written");
			msg_api_res_reset(res);
			storage_refuse(res);
			r = 0;
			break;
		}
		/* Counted as open from now: the next order sees it. */
		if (q->op == OP_TRADE) {
			t->lots = rf.lots;
			t->slot = risk_reserve(tr.risk, p->symbol, &t->lots);
			t->reserved = 1;
		}
		t->waiters[t->nwaiters++] = net_id;
		TAILQ_INSERT_TAIL(&tr.unsent, t, entry);
		r = 1;
		break;
	case JOURNAL_DUPLICATE:		/* trade_repeat() answers these */
		r = repeat_answer(net_id, &o, coid, res);
		break;
	case JOURNAL_REFUSED:
		msg_api_res_set(res, 400, "bad_request", 0, "%s",
		    journal_error(tr.journal));
		r = 0;
		break;
	default:
		storage_fault("%s", journal_error(tr.journal));
		msg_api_res_reset(res);
		storage_refuse(res);
		r = 0;
		break;
	}
	journal_order_clear(&o);
	return r;
}

static int
trade_request(uint32_t net_id, const struct msg_api_req *q,
    const struct auth_identity *id, struct msg_api_res *res,
    const char **why)
{
	struct rpc_params	 p;
	struct tx		*t;
	int			 r;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p, why) == -1)
		return -1;
	/*
	 * In a storage fault a repeat could not be answered before a
	 * commit either: it is refused as a new order is, below.
	 */
	if (is_write(q->op) && !tr.fault &&
	    (r = trade_repeat(net_id, q, id, &p, res)) != -1)
		return r;
	if (is_write(q->op) && tr.lockdown.active) {
		msg_api_res_set(res, 503, "lockdown", 0, "trading is locked "
		    "down (by %s); no order is accepted", tr.lockdown.who);
		return 0;
	}
	if (broker_unavailable(res))
		return 0;
	if (is_write(q->op) && autotrading_off(res))
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

/*
 * trading.min_margin_level adds the account's floating profit to its
 * balance: while the rule is on, the monitor reads the account itself
 * every ACCOUNT_POLL_SEC (read_result_check() hands the figures to the
 * risk rules), one read at a time, none while the broker is not up.
 */
static void
poll_arm(void)
{
	struct timeval	 tv = { ACCOUNT_POLL_SEC, 0 };

	if (tr.conf->trading.min_margin_level > 0 &&
	    !evtimer_pending(tr.poll_ev, NULL) &&
	    evtimer_add(tr.poll_ev, &tv) == -1)
		fatalx("evtimer_add");
}

static void
account_poll(evutil_socket_t fd, short ev, void *arg)
{
	struct tx	*t;

	if (tr.state == BS_CONNECTED && tr.conf->trading.min_margin_level > 0 &&
	    !tr.polling && tr.ntx < TX_MAX) {
		t = tx_new(TX_READ, OP_ACCOUNT, 0, NULL, 0);
		t->answered = 1;	/* no client waits for it */
		t->poll = 1;
		tr.polling = 1;
		TAILQ_INSERT_TAIL(&tr.txs, t, entry);
		tx_send(t);
	}
	poll_arm();
}

/*
 * An order answered now, and not from the journal, was refused before
 * MT5 (the risk rules, the lockdown, the broker, storage): counted with
 * no retcode.  MT5's answers are counted as they come (answer_write()).
 */
int
trade_api(uint32_t net_id, const struct msg_api_req *q,
    const struct auth_identity *id, struct msg_api_res *res,
    const char **why)
{
	int	 r;

	answered_repeat = 0;
	r = trade_request(net_id, q, id, res, why);
	if (r == 0 && is_write(q->op) && !answered_repeat)
		metrics_mon_order(res->status, 0, 0);
	return r;
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
	/*
	 * In memory first: it holds from now on, also when the database
	 * cannot record it; the first commit after a fault writes it.
	 */
	tr.lockdown = l;	/* control.c logs who did it */
	event_lockdown(&l);
	if (tr.fault) {
		log_warnx("storage: lockdown %s kept in memory until the "
		    "database can be written", on ? "on" : "off");
		return 0;
	}
	/*
	 * Outside a batch a single statement is its own durable commit;
	 * inside one it is durable with the batch.
	 */
	if (store_lockdown_set(tr.store, &l) == -1)
		storage_fault("%s", store_error(tr.store));
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
	st->storage_fault = tr.fault;
	st->storage_since = tr.fault ? tr.fault_since : 0;
	if (tr.fault)
		snprintf(st->storage, sizeof(st->storage), "unavailable: %s",
		    tr.fault_why);
	else
		strlcpy(st->storage, "ok", sizeof(st->storage));
}

int
trade_ready(char *why, size_t whylen, uint32_t *retry)
{
	const char	*sep = "";

	why[0] = '\0';
	*retry = 1;
	if (tr.fault) {
		snprintf(why, whylen, "storage unavailable: %s",
		    tr.fault_why);
		*retry = (uint32_t)tr.backoff;
		sep = "; ";
	}
	if (tr.state != BS_CONNECTED) {
		strlcat(why, sep, whylen);
		strlcat(why, "broker ", whylen);
		strlcat(why, broker_state_name(), whylen);
		sep = "; ";
	}
	if (tr.lockdown.active) {
		strlcat(why, sep, whylen);
		strlcat(why, "trading locked down by ", whylen);
		strlcat(why, tr.lockdown.who, whylen);
	}
	return why[0] == '\0';
}

/* --- set-up ------------------------------------------------------------- */

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
	if (deals >= 0)
		deals = store_ledger_prune(tr.store, (time(NULL) -
		    (int64_t)conf->trading.journal_days * 86400) * 1000) < 0 ?
		    -1 : deals;
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
    const struct trade_io *io, char *err, size_t errlen)
{
	struct journal_conf	 jc;
	int64_t			 pruned;

	memset(&tr, 0, sizeof(tr));
	TAILQ_INIT(&tr.txs);
	TAILQ_INIT(&tr.unsent);
	TAILQ_INIT(&tr.held);
	TAILQ_INIT(&tr.wops);
	tr.conf = conf;
	tr.io = io;
	tr.base = base;
	db_set_busy_timeout(conf->database_busy_timeout);
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
	if (events_open(db_handle(), conf, err, errlen) == -1)
		return -1;
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
	if ((pruned = store_owner_prune(tr.store, PAPER_REC_POSITION,
	    PAPER_REC_ORDER)) < 0) {
		snprintf(err, errlen, "%s", store_error(tr.store));
		return -1;
	}
	if (pruned > 0)
		log_info("store: forgot the owners of %" PRId64 " closed "
		    "tickets", pruned);
	/* After every message of a turn: the lowest of three priorities. */
	if ((tr.commit_ev = event_new(base, -1, 0, commit_cb, NULL)) == NULL ||
	    event_priority_set(tr.commit_ev, 2) == -1 ||
	    (tr.retry_ev = evtimer_new(base, retry_cb, NULL)) == NULL ||
	    event_priority_set(tr.retry_ev, 2) == -1)
		fatalx("commit event");
	if ((tr.poll_ev = evtimer_new(base, account_poll, NULL)) == NULL)
		fatalx("poll event");
	poll_arm();
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
	db_set_busy_timeout(conf->database_busy_timeout);
	risk_configure(tr.risk, conf);
	journal_conf_from(conf, &jc);
	journal_set_conf(tr.journal, &jc);
	poll_arm();
	events_reconfigure(conf);
}

void
trade_close(void)
{
	struct tx	*t, *tnext;
	struct held	*h, *hnext;

	if (tr.fault && tr.nwops > 0)
		log_warnx("storage: %zu writes owed to the database are lost; "
		    "orders still pending are resolved at the next start",
		    tr.nwops);
	if (tr.journal != NULL) {
		if (journal_in_batch(tr.journal))
			journal_batch_abort(tr.journal);
		journal_close(tr.journal);
		tr.journal = NULL;
	}
	events_close();
	if (tr.store != NULL) {
		store_close(tr.store);
		tr.store = NULL;
	}
	/* Nothing held is sent now: its batch was rolled back. */
	TAILQ_FOREACH_SAFE(t, &tr.txs, entry, tnext)
		tx_free(&tr.txs, t);
	TAILQ_FOREACH_SAFE(t, &tr.unsent, entry, tnext)
		tx_free(&tr.unsent, t);
	TAILQ_FOREACH_SAFE(h, &tr.held, entry, hnext) {
		TAILQ_REMOVE(&tr.held, h, entry);
		free(h);
	}
	wops_free();
	if (tr.commit_ev != NULL)
		event_free(tr.commit_ev);
	if (tr.start_timer != NULL)
		event_free(tr.start_timer);
	if (tr.retry_ev != NULL)
		event_free(tr.retry_ev);
	if (tr.poll_ev != NULL)
		event_free(tr.poll_ev);
	tr.commit_ev = tr.start_timer = tr.retry_ev = tr.poll_ev = NULL;
	if (tr.risk != NULL)
		risk_free(tr.risk);
	tr.risk = NULL;
}
