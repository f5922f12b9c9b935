/*
 * The trading path's group commit and its transactions.  See trading.h
 * and trading_int.h.
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
 * A batch that cannot commit is a storage fault (below): nothing in it
 * is answered as done, and what the broker already did is kept and
 * written when the database commits again.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "audit.h"
#include "bridgekey.h"
#include "db.h"
#include "events.h"
#include "journal.h"
#include "log.h"
#include "metrics_mon.h"
#include "msg.h"
#include "trading_int.h"

static void	tx_timeout(evutil_socket_t, short, void *);

/* --- the batch ---------------------------------------------------------- */

/*
 * Open the batch of this turn if need be; its commit runs at turn end.
 * -1 when the database cannot begin one (the fault is entered).
 */
int
batch_join(void)
{
	int	 r;

	if (tr.fault)
		return -1;
	if (!journal_in_batch(tr.journal) &&
	    (r = journal_batch_begin(tr.journal)) != 0) {
		if (r == JOURNAL_REFUSED)	/* a transaction not ours */
			fatalx("%s", journal_error(tr.journal));
		storage_fault("%s", journal_error(tr.journal));
		return -1;
	}
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
	return 0;
}

/* The answer a failed batch gives instead of the one held for it. */
static void
answer_failed(uint32_t net_id, enum held_fail fail, const uint8_t *buf,
    size_t n)
{
	struct msg_api_res	*res;

	switch (fail) {
	case HELD_AS_IS:
		tr.io->to_net(net_id, buf, n);
		return;
	case HELD_UNKNOWN:
		if ((res = malloc(sizeof(*res))) == NULL)
			fatal("malloc");
		msg_api_res_reset(res);
		msg_api_res_set(res, 503, "outcome_unknown",
		    (uint32_t)tr.backoff, "the broker answered but the answer "
		    "cannot be stored (%s); repeat with this client_order_id "
		    "once storage is back", tr.fault_why);
		answer_now(net_id, res);
		free(res);
		return;
	case HELD_RETRY:
		if ((res = malloc(sizeof(*res))) == NULL)
			fatal("malloc");
		msg_api_res_reset(res);
		storage_refuse(res);
		answer_now(net_id, res);
		free(res);
		return;
	}
	fatalx("%s: held answer of no kind", __func__);
}

/*
 * An encoded answer (msg_api_res_encode()) for net_id, sent at commit;
 * fail says what the client gets instead if the batch cannot commit.
 */
void
hold_encoded(uint32_t net_id, const uint8_t *buf, size_t n,
    enum held_fail fail)
{
	struct held	*h;

	if (batch_join() == -1) {
		answer_failed(net_id, fail, buf, n);
		return;
	}
	if ((h = malloc(sizeof(*h) + n)) == NULL)
		fatal("malloc");
	h->net_id = net_id;
	h->fail = fail;
	h->len = n;
	memcpy(h->data, buf, n);
	TAILQ_INSERT_TAIL(&tr.held, h, entry);
}

void
hold_answer(uint32_t net_id, const struct msg_api_res *res,
    enum held_fail fail)
{
	static uint8_t	 buf[MSG_MAX];

	hold_encoded(net_id, buf, msg_api_res_encode(buf, sizeof(buf), res),
	    fail);
}

/* An answer that owes nothing to the batch: to net at once. */
void
answer_now(uint32_t net_id, const struct msg_api_res *res)
{
	static uint8_t	 buf[MSG_MAX];

	tr.io->to_net(net_id, buf, msg_api_res_encode(buf, sizeof(buf), res));
}

void
tx_arm(struct tx *t)
{
	struct timeval	 tv = { tr.conf->mt5.request_timeout, 0 };

	if (t->timer == NULL &&
	    (t->timer = evtimer_new(tr.base, tx_timeout, t)) == NULL)
		fatalx("evtimer_new");
	if (evtimer_add(t->timer, &tv) == -1)
		fatalx("evtimer_add");
}

/*
 * The bridge's EA executes only what the monitor tagged: the order's
 * authorisation goes just before it.  Without a session there is none,
 * and the broker answers that the EA is not there.
 */
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
	tr.io->to_broker(MSG_BRIDGE_ORDER, 0, buf, n);
}

void
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
	if (t->kind == TX_WRITE && tr.conf->mt5.backend == BACKEND_BRIDGE)
		bridge_authorize_send(t);
	n = msg_broker_req_encode(buf, sizeof(buf), &q);
	tr.io->to_broker(MSG_BROKER_REQ, t->id, buf, n);
	tx_arm(t);
}

void
commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tx	*t, *tnext;
	struct held	*h, *hnext;
	uint64_t	 start, took, released = 0;

	/* In a fault the retry timer alone touches the database. */
	if (tr.fault || tr.group_open || !journal_in_batch(tr.journal))
		return;
	start = metrics_now_us();
	if (tr.io->commit(tr.journal) == -1) {
		storage_fault("%s", journal_error(tr.journal));
		return;
	}
	took = metrics_now_us() - start;
	events_publish();
	wops_free();
	/* Durable: now the broker may act and the clients may know. */
	TAILQ_FOREACH_SAFE(t, &tr.unsent, entry, tnext) {
		TAILQ_REMOVE(&tr.unsent, t, entry);
		TAILQ_INSERT_TAIL(&tr.txs, t, entry);
		tx_send(t);
		released++;
	}
	TAILQ_FOREACH_SAFE(h, &tr.held, entry, hnext) {
		TAILQ_REMOVE(&tr.held, h, entry);
		tr.io->to_net(h->net_id, h->data, h->len);
		free(h);
		released++;
	}
	metrics_mon_commit(took, released);
}

/* --- storage faults ----------------------------------------------------- */

/*
 * When the database cannot commit (full, locked beyond
 * database.busy_timeout, read-only, an I/O error) the batch is rolled
 * back and the monitor goes on without it rather than stop:
 *
 *  - orders journaled in the batch never reached the broker; they and
 *    every new order are refused, 503 storage_unavailable, until a
 *    commit succeeds;
 *  - answers of orders the broker executed are not given as done: 503
 *    outcome_unknown; their rows stay pending, and the answer and the
 *    account's records (wops) stay in memory and are written, in the
 *    order they came, by the first commit that succeeds; a repeat with
 *    the client_order_id then gets the answer;
 *  - the lockdown is kept in memory and written by that commit too;
 *  - reads go on: they touch no database.
 *
 * retry_cb tries again after 1 s, doubling to TRADE_RETRY_MAX; one
 * attempt blocks the event loop for at most database.busy_timeout.  A
 * kill -9 loses only what was never acknowledged: the rows still
 * pending are resolved by command id at the next start.
 */
#define TRADE_RETRY_MAX	8	/* seconds between attempts, at most */

struct wop *
wop_new(enum wop_kind kind, const void *data, size_t len)
{
	struct wop	*w;

	if ((w = calloc(1, sizeof(*w) + len)) == NULL)
		fatal("calloc");
	w->kind = kind;
	w->len = len;
	if (len > 0)
		memcpy(w->data, data, len);
	return w;
}

void
wops_free(void)
{
	struct wop	*w, *next;

	TAILQ_FOREACH_SAFE(w, &tr.wops, entry, next) {
		TAILQ_REMOVE(&tr.wops, w, entry);
		free(w);
	}
	tr.nwops = 0;
}

/* Why the last audit row of the batch could not be written. */
static char	 audit_err[112];

/*
 * An order's audit row, written with its answer: again after a fault,
 * with the id and MAC of wherever the chain then ends.
 */
static int
wop_audit(const struct wop *w)
{
	struct audit_row	 r;

	/* No trail: a unit test of the trading path alone. */
	if (!audit_key_loaded())
		return 0;
	if (w->len != sizeof(r))
		fatalx("%s: audit row of %zu bytes", __func__, w->len);
	memcpy(&r, w->data, sizeof(r));
	if (audit_append(db_handle(), &r, audit_err, sizeof(audit_err)) == -1)
		return -1;
	return 0;
}

/*
 * Write w into the open batch.  -1 on a database error.  A finish the
 * journal refuses is a broken invariant, except when written again
 * after a fault: then an earlier attempt may have reached the disk.
 */
static int
wop_apply(struct wop *w, int again)
{
	int	 r;

	switch (w->kind) {
	case WOP_PUT:
		return store_put(tr.store, w->type, w->key, w->time_ms,
		    w->profit, w->data, w->len) == -1 ? -1 : 0;
	case WOP_DEL:
		return store_del(tr.store, w->type, w->key) == -1 ? -1 : 0;
	case WOP_AUDIT:
		return wop_audit(w);
	case WOP_EVENT:
		return event_write(w);
	case WOP_FINISH:
		r = journal_finish(tr.journal, w->id, w->state,
		    w->len > 0 ? w->data : NULL, w->len, w->now);
		if (r == JOURNAL_REFUSED && again) {
			log_warnx("%s; already written", journal_error(
			    tr.journal));
			return 0;
		}
		if (r == JOURNAL_REFUSED)
			fatalx("%s", journal_error(tr.journal));
		return r == 0 ? 0 : -1;
	case WOP_OWNER:
		return store_owner_put(tr.store, w->ticket, w->key_id,
		    w->id) == -1 ? -1 : 0;
	case WOP_LEDGER:
		return store_ledger_put(tr.store, w->ticket, w->time_ms,
		    w->profit) == -1 ? -1 : 0;
	case WOP_PRUNE:
		return wop_prune(w);
	}
	fatalx("%s: write of no kind", __func__);
}

static const char *
wop_error(const struct wop *w)
{
	switch (w->kind) {
	case WOP_FINISH:
		return journal_error(tr.journal);
	case WOP_AUDIT:
		return audit_err;
	case WOP_EVENT:
		return events_error();
	case WOP_PUT:
	case WOP_DEL:
	case WOP_OWNER:
	case WOP_LEDGER:
	case WOP_PRUNE:
		break;
	}
	return store_error(tr.store);
}

/* Into this turn's batch, or, in a fault, kept for the next commit. */
void
write_op(struct wop *w)
{
	TAILQ_INSERT_TAIL(&tr.wops, w, entry);
	tr.nwops++;
	if (batch_join() == -1)
		return;
	if (wop_apply(w, 0) == -1)
		storage_fault("%s", wop_error(w));
}

void
storage_refuse(struct msg_api_res *res)
{
	msg_api_res_set(res, 503, "storage_unavailable", (uint32_t)tr.backoff,
	    "heraldd cannot write its database (%s); no order is accepted "
	    "until it can", tr.fault_why);
}

static void
retry_arm(void)
{
	struct timeval	 tv = { tr.backoff, 0 };

	if (evtimer_add(tr.retry_ev, &tv) == -1)
		fatalx("evtimer_add");
}

/*
 * The batch failed: roll it back, refuse what it held, keep the writes
 * owed, and try again later.  Logged once per fault.
 */
void
storage_fault(const char *fmt, ...)
{
	struct tx	*t, *tnext;
	struct held	*h, *hnext;
	va_list		 ap;
	size_t		 i;

	if (journal_in_batch(tr.journal))
		journal_batch_abort(tr.journal);
	if (!tr.fault) {
		va_start(ap, fmt);
		vsnprintf(tr.fault_why, sizeof(tr.fault_why), fmt, ap);
		va_end(ap);
		tr.fault = 1;
		tr.fault_since = trade_now_ms() / 1000;
		tr.backoff = 1;
		db_set_fault(1);
		metrics_mon_storage_fault();
		log_warnx("storage: cannot commit: %s; orders are refused "
		    "until it can, retrying", tr.fault_why);
		retry_arm();
	}
	/* Never sent: their rows are gone with the batch. */
	TAILQ_FOREACH_SAFE(t, &tr.unsent, entry, tnext) {
		for (i = 0; i < t->nwaiters; i++)
			answer_failed(t->waiters[i], HELD_RETRY, NULL, 0);
		tx_free(&tr.unsent, t);
	}
	TAILQ_FOREACH_SAFE(h, &tr.held, entry, hnext) {
		TAILQ_REMOVE(&tr.held, h, entry);
		answer_failed(h->net_id, h->fail, h->data, h->len);
		free(h);
	}
}

/* One attempt: the lockdown and every write owed, in one commit. */
static int
retry_once(void)
{
	struct wop	*w;

	if (journal_batch_begin(tr.journal) != 0)
		return -1;
	/* A real write also when nothing is owed, or a full disk passes. */
	if (store_lockdown_set(tr.store, &tr.lockdown) == -1) {
		snprintf(tr.fault_why, sizeof(tr.fault_why), "%s",
		    store_error(tr.store));
		journal_batch_abort(tr.journal);
		return -1;
	}
	TAILQ_FOREACH(w, &tr.wops, entry)
		if (wop_apply(w, 1) == -1) {
			strlcpy(tr.fault_why, wop_error(w),
			    sizeof(tr.fault_why));
			journal_batch_abort(tr.journal);
			return -1;
		}
	return tr.io->commit(tr.journal);
}

void
retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	size_t	 n = tr.nwops;

	if (!tr.fault)
		return;
	/* Half a group of records is never committed. */
	if (!tr.group_open) {
		if (retry_once() == 0) {
			events_publish();
			wops_free();
			tr.fault = 0;
			tr.backoff = 0;
			db_set_fault(0);
			log_info("storage: commits again after %lld s; %zu "
			    "held writes are durable; orders are accepted",
			    (long long)(trade_now_ms() / 1000 - tr.fault_since), n);
			return;
		}
		log_debug("storage: still cannot commit: %s", tr.fault_why);
		if (tr.backoff < TRADE_RETRY_MAX)
			tr.backoff *= 2;
	}
	retry_arm();
}

/* --- transactions ------------------------------------------------------- */

struct tx *
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
	t->started_us = metrics_now_us();
	tr.ntx++;
	return t;
}

/* list NULL: t was never put on one. */
void
tx_free(struct tx_list *list, struct tx *t)
{
	if (list != NULL)
		TAILQ_REMOVE(list, t, entry);
	json_decref(t->audit);
	if (t->timer != NULL)
		event_free(t->timer);
	/*
	 * Answered, or never sent: what it opened is tracked from the
	 * broker's records by now.  A timed-out order is kept, and so is
	 * its slot, until its answer comes.
	 */
	if (t->reserved)
		risk_release(tr.risk, t->slot, &t->lots);
	if (t->poll)
		tr.polling = 0;
	tr.ntx--;
	free(t);
}

struct tx *
tx_find(uint32_t id)
{
	struct tx	*t;

	TAILQ_FOREACH(t, &tr.txs, entry)
		if (t->id == id)
			return t;
	return NULL;
}

/* Whether the order command_id waits in the open batch, not yet sent. */
int
tx_unsent(int64_t command_id)
{
	struct tx	*t;

	TAILQ_FOREACH(t, &tr.unsent, entry)
		if (t->command_id == command_id)
			return 1;
	return 0;
}

struct tx *
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
	struct wop		*w;
	size_t			 i;

	/*
	 * The broker stopped in the middle of a group of records: nothing
	 * can be committed (half a group never is) and so nothing answered.
	 * Fail closed rather than let every client wait.
	 */
	if (tr.group_open) {
		tr.io->abort("the broker stopped answering in the middle of "
		    "a change of the account");
		return;
	}
	msg_api_res_reset(&res);
	msg_api_res_set(&res, 503, "broker_timeout", 0, "the broker did not "
	    "answer within mt5.request_timeout (%d s)%s",
	    tr.conf->mt5.request_timeout, t->kind == TX_WRITE ?
	    "; the order's outcome is unknown until it answers" : "");
	switch (t->kind) {
	case TX_READ:
		if (!t->answered)	/* the monitor's own has no client */
			answer_now(t->waiters[0], &res);
		t->answered = 1;	/* kept: the late answer is dropped */
		return;
	case TX_WRITE:
		log_warnx("order %" PRId64 ": no answer from the broker in "
		    "%d s; outcome unknown", t->command_id,
		    tr.conf->mt5.request_timeout);
		w = wop_new(WOP_FINISH, NULL, 0);
		w->id = t->command_id;
		w->state = JOURNAL_UNKNOWN;
		w->now = trade_now_ms() / 1000;
		write_op(w);
		order_audit(t, &res, NULL);
		for (i = 0; i < t->nwaiters; i++)
			hold_answer(t->waiters[i], &res, HELD_AS_IS);
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

