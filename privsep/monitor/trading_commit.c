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
 * A database failure is fatal: the broker's memory may already hold a
 * change the database does not, and only a restart, which rebuilds the
 * broker from the database, makes them agree again.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "journal.h"
#include "log.h"
#include "msg.h"
#include "trading_int.h"

static void	tx_timeout(evutil_socket_t, short, void *);

/* --- the batch ---------------------------------------------------------- */

/* Open the batch of this turn if need be; its commit runs at turn end. */
void
batch_join(void)
{
	if (!journal_in_batch(tr.journal) &&
	    journal_batch_begin(tr.journal) == -1)
		fatalx("journal: %s", journal_error(tr.journal));
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
}

/* An encoded answer (msg_api_res_encode()) for net_id, sent at commit. */
void
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

void
hold_answer(uint32_t net_id, const struct msg_api_res *res)
{
	static uint8_t	 buf[MSG_MAX];

	hold_encoded(net_id, buf, msg_api_res_encode(buf, sizeof(buf), res));
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
	n = msg_broker_req_encode(buf, sizeof(buf), &q);
	tr.io->to_broker(MSG_BROKER_REQ, t->id, buf, n);
	tx_arm(t);
}

void
commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tx	*t;
	struct held	*h;
	char		 why[JOURNAL_ERR_MAX + 64];

	if (tr.group_open || !journal_in_batch(tr.journal))
		return;
	if (tr.io->commit(tr.journal) == -1) {
		snprintf(why, sizeof(why), "journal: commit failed: %s",
		    journal_error(tr.journal));
		tr.io->abort(why);	/* no one is answered */
		return;
	}
	/* Durable: now the broker may act and the clients may know. */
	while ((t = TAILQ_FIRST(&tr.unsent)) != NULL) {
		TAILQ_REMOVE(&tr.unsent, t, entry);
		TAILQ_INSERT_TAIL(&tr.txs, t, entry);
		tx_send(t);
	}
	while ((h = TAILQ_FIRST(&tr.held)) != NULL) {
		TAILQ_REMOVE(&tr.held, h, entry);
		tr.io->to_net(h->net_id, h->data, h->len);
		free(h);
	}
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
	tr.ntx++;
	return t;
}

void
tx_free(struct tx_list *list, struct tx *t)
{
	TAILQ_REMOVE(list, t, entry);
	if (t->timer != NULL)
		event_free(t->timer);
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
		answer_now(t->waiters[0], &res);
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
		fatalx("journal: the broker did not say within %d s what "
		    "became of order %" PRId64, tr.conf->mt5.request_timeout,
		    t->command_id);
	}
}

