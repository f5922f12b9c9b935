/*
 * The trading path's group commit, driven through its interface
 * (struct trade_io) on a real SQLite file, without processes: what
 * the broker and net are sent is recorded, and each time something
 * leaves the monitor a second connection to the file looks at what is
 * durable.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "api.h"
#include "config.h"
#include "db.h"
#include "db_test.h"
#include "event.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "record.h"
#include "trade.h"
#include "trading.h"
#include "trading_int.h"
#include "trading_test.h"

/* The broker sees an order only once its pending row is durable. */
static void
test_pending_before_broker(void **state)
{
	const struct seen	*s;

	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-2"), 1);
	/* Handled, not yet committed: nothing has left. */
	assert_int_equal(count_reqs(), 0);
	assert_int_equal(peek_count("SELECT count(*) FROM orders"), 0);
	turn_end();
	assert_int_equal(commits, 1);		/* both in one commit */
	assert_int_equal(count_reqs(), 2);
	s = nth_req(0);
	assert_non_null(s);
	assert_true(s->command_id > 0);
	assert_string_equal(s->state, "pending");
	assert_string_equal(nth_req(1)->state, "pending");
	assert_int_equal(nnet, 0);
}

/* Net gets the answer only once the answer is durable. */
static void
test_answer_before_net(void **state)
{
	const struct seen	*s;
	char			 st[16];

	assert_int_equal(order("o-1"), 1);
	turn_end();
	s = nth_req(0);
	assert_non_null(s);
	broker_record(7);
	broker_done(s->id, 7);
	assert_int_equal(nnet, 0);
	peek_state(s->command_id, st, sizeof(st));
	assert_string_equal(st, "pending");
	turn_end();
	assert_int_equal(nnet, 1);
	assert_int_equal(to_net[0].id, 1);
	assert_int_equal(to_net[0].status, 200);
	assert_int_equal(to_net[0].records, 1);
	peek_state(s->command_id, st, sizeof(st));
	assert_string_equal(st, "done");
}

/*
 * The events of an order (its record, its answer) are written in the
 * order's own commit, and reach net only once it is durable; the
 * lockdown's too.
 */
static void
test_events_in_the_batch(void **state)
{
	const struct seen	*s;

	assert_int_equal(order("o-1"), 1);
	turn_end();
	s = nth_req(0);
	broker_record(7);
	broker_done(s->id, 7);
	assert_string_equal(events_seen, "");
	turn_end();
	assert_int_equal(commits, 2);		/* the journal's, the answer's */
	assert_string_equal(events_seen, "position order ");
	assert_int_equal(event_commits, 2);
	assert_int_equal(peek_count("SELECT count(*) FROM events"), 3);
	events_seen[0] = '\0';
	fail_commit = 1;
	assert_int_equal(trade_lockdown(1, "uid 0 (root)", err,
	    sizeof(err)), 0);
	turn_end();
	assert_string_equal(events_seen, "");	/* not durable yet */
	fail_commit = 0;
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_string_equal(events_seen, "lockdown ");
}

/* A group of records waits for the broker to close it. */
static void
test_group_not_split(void **state)
{
	const struct seen	*s;
	int			 before;

	assert_int_equal(order("o-1"), 1);
	turn_end();
	s = nth_req(0);
	assert_non_null(s);
	before = commits;
	broker_record(7);
	turn_end();			/* the turn ends mid-group */
	assert_int_equal(commits, before);
	assert_int_equal(peek_records(), 0);
	broker_record(8);
	turn_end();
	assert_int_equal(commits, before);
	broker_done(s->id, 7);
	turn_end();
	assert_int_equal(commits, before + 1);
	assert_int_equal(peek_records(), 2);
	assert_int_equal(nnet, 1);
	assert_int_equal(to_net[0].records, 2);
}

/* The answers net got for request net_id. */
static const struct seen *
answer_for(uint32_t net_id)
{
	size_t	 i;

	for (i = 0; i < nnet; i++)
		if (to_net[i].id == net_id)
			return &to_net[i];
	return NULL;
}

/*
 * An order in flight (o-1, executed by the broker), a new one (o-2) and
 * a batch that cannot commit: o-2 never reaches the broker, and no one
 * is answered as if anything were durable.
 */
static void
fail_one_batch(void)
{
	const struct seen	*s;

	assert_int_equal(order("o-1"), 1);
	turn_end();
	s = nth_req(0);
	assert_non_null(s);
	fail_commit = 1;
	assert_int_equal(order("o-2"), 1);
	broker_record(7);
	broker_done(s->id, 7);
	turn_end();
}

/* A commit that fails sends no order on and answers no one as done. */
static void
test_failed_commit_answers_no_one(void **state)
{
	fail_one_batch();
	assert_int_equal(aborts, 0);		/* heraldd goes on */
	assert_int_equal(count_reqs(), 1);	/* o-2 never left */
	assert_int_equal(nnet, 2);
	assert_int_equal(answer_for(1)->status, 503);
	assert_string_equal(answer_for(1)->code, "outcome_unknown");
	assert_int_equal(answer_for(2)->status, 503);
	assert_string_equal(answer_for(2)->code, "storage_unavailable");
	assert_int_equal(peek_records(), 0);
	assert_int_equal(peek_count("SELECT count(*) FROM orders"), 1);
	assert_int_equal(peek_count("SELECT count(*) FROM orders WHERE "
	    "state = 'pending'"), 1);
}

/* While the fault lasts an order is refused before the broker. */
static void
test_fault_refuses_orders(void **state)
{
	struct trade_state	 ts;
	char			 why[API_STR_MAX];
	uint32_t		 retry;

	assert_int_equal(trade_ready(why, sizeof(why), &retry), 1);

	fail_one_batch();
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 1);
	assert_non_null(strstr(ts.storage, "unavailable"));
	assert_int_equal(trade_ready(why, sizeof(why), &retry), 0);
	assert_non_null(strstr(why, "storage unavailable: "));
	assert_true(retry >= 1);
	assert_int_equal(order("o-3"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "storage_unavailable");
	assert_true(res.retry_after >= 1);
	assert_int_equal(count_reqs(), 1);
}

/*
 * The first commit that succeeds writes what was held, in order; a
 * repeat of the order then gets the broker's answer, and nothing is
 * executed twice.
 */
static void
test_fault_recovers(void **state)
{
	struct trade_state	 ts;
	char			 why[API_STR_MAX];
	uint32_t		 retry;
	const struct seen	*s;
	char			 st[16];

	fail_one_batch();
	s = nth_req(0);
	broker_record(8);		/* a tick's change, in the fault */
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	fail_commit = 0;
	turn_end();			/* a commit event: not in a fault */
	assert_int_equal(peek_records(), 0);
	/* The retry timer (1 s) is the next event. */
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 0);
	assert_string_equal(ts.storage, "ok");
	assert_int_equal(trade_ready(why, sizeof(why), &retry), 1);
	assert_int_equal(peek_records(), 2);
	peek_state(s->command_id, st, sizeof(st));
	assert_string_equal(st, "done");
	nnet = 0;
	assert_int_equal(order("o-1"), 1);	/* the repeat */
	turn_end();
	assert_int_equal(nnet, 1);
	assert_int_equal(to_net[0].status, 200);
	assert_int_equal(count_reqs(), 1);	/* not sent again */
	assert_int_equal(order("o-4"), 1);	/* orders are accepted */
	turn_end();
	assert_int_equal(count_reqs(), 2);
}

/* A lockdown holds at once and is written when the database can be. */
static void
test_fault_lockdown(void **state)
{
	struct trade_state	 ts;
	char			 why[API_STR_MAX];
	uint32_t		 retry;

	fail_one_batch();
	assert_int_equal(trade_lockdown(1, "uid 0 (root)", why,
	    sizeof(why)), 0);
	trade_state(&ts);
	assert_int_equal(ts.lockdown, 1);
	assert_int_equal(trade_ready(why, sizeof(why), &retry), 0);
	assert_non_null(strstr(why, "; trading locked down by uid 0 (root)"));
	assert_int_equal(peek_count("SELECT count(*) FROM lockdown WHERE "
	    "active = 1"), 0);
	fail_commit = 0;
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(peek_count("SELECT count(*) FROM lockdown WHERE "
	    "active = 1"), 1);
}

/*
 * Another connection holding the write lock beyond the busy timeout:
 * the order is refused at once, and taken once the lock is gone.
 */
static void
test_locked_database(void **state)
{
	sqlite3		*other;

	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	db_set_busy_timeout(10);
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "storage_unavailable");
	assert_int_equal(count_reqs(), 0);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(order("o-1"), 1);
	turn_end();
	assert_int_equal(count_reqs(), 1);
	db_set_busy_timeout(0);
}

/* The backend says it lost its connection. */
static void
broker_down(void)
{
	struct msg_broker_up	 u;
	uint8_t			 buf[8 + API_STR_MAX];

	memset(&u, 0, sizeof(u));
	strlcpy(u.reason, "terminal gone", sizeof(u.reason));
	broker_msg(MSG_BROKER_UP, 0, buf, msg_broker_up_encode(buf,
	    sizeof(buf), &u), trade_broker_up);
}

static size_t
count_finds(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < nbroker; i++)
		n += to_broker[i].type == MSG_BROKER_FIND;
	return n;
}

/*
 * The terminal comes back while an order is journaled in the batch still
 * to commit: its own answer settles it.  Asked about first, the terminal
 * would not know it yet and it would be stored as never executed, then
 * execute.  One already sent and unanswered is asked about (the broker
 * answers nothing else for an order whose outcome it could not learn).
 */
static void
test_back_up_asks_not_about_unsent_orders(void **state)
{
	const struct seen	*s;

	assert_int_equal(order("o-1"), 1);	/* in the open batch */
	broker_down();
	broker_up();
	assert_int_equal(count_finds(), 0);
	turn_end();
	s = nth_req(0);
	assert_non_null(s);			/* sent once durable */
	broker_down();				/* sent, not answered */
	broker_up();
	assert_int_equal(count_finds(), 1);
}

/*
 * A retry of a filled order gets its first answer from the journal, in
 * lockdown, at the limit its own position reached and with the broker
 * down, and is never sent to the broker; another key's retry of the same
 * client_order_id gets nothing of it.
 */
static void
test_retry_answered_first(void **state)
{
	const struct seen	*s;
	char			 why[API_STR_MAX];

	assert_int_equal(order("o-1"), 1);
	turn_end();
	s = nth_req(0);
	assert_non_null(s);
	/* A repeat while it is in flight waits for the first. */
	assert_int_equal(order("o-1"), 1);
	broker_record(7);
	broker_done(s->id, 7);
	turn_end();
	assert_int_equal(nnet, 2);
	assert_int_equal(to_net[0].status, 200);
	assert_int_equal(to_net[1].status, 200);

	conf.trading.max_open_positions = 1;	/* o-1's own position */
	trade_reconfigure(&conf);
	assert_int_equal(trade_lockdown(1, "uid 0 (root)", why, sizeof(why)),
	    0);
	broker_down();
	nnet = 0;
	assert_int_equal(order("o-1"), 1);
	assert_int_equal(count_reqs(), 1);	/* never sent again */
	turn_end();
	assert_int_equal(nnet, 1);
	assert_int_equal(to_net[0].status, 200);
	assert_string_equal(to_net[0].code, "ok");
	assert_int_equal(count_reqs(), 1);
	assert_int_equal(aborts, 0);

	/* The same id from another key is that key's new order. */
	assert_int_equal(order_as(2, "o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "lockdown");
	assert_int_equal(trade_lockdown(0, "uid 0 (root)", why, sizeof(why)),
	    0);
	assert_int_equal(order_as(2, "o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "broker_unavailable");
	assert_int_equal(count_reqs(), 1);
}

/* The broker's 503: it had no terminal to send the order to. */
static void
broker_gone(uint32_t id)
{
	static struct msg_api_res	 r;
	static uint8_t			 buf[MSG_MAX];

	msg_api_res_reset(&r);
	msg_api_res_set(&r, 503, "broker_unavailable", 1, "the bridge "
	    "backend is not connected to its terminal");
	broker_msg(MSG_BROKER_RES, id, buf, msg_api_res_encode(buf,
	    sizeof(buf), &r), trade_broker_res);
}

/*
 * A refusal that proves nothing reached the terminal (503
 * broker_unavailable, 503 autotrading_disabled) binds no
 * client_order_id: the retry is a new order, sent once even when two
 * come at once; its refused first row stays, renamed.  What may have
 * reached the terminal (a 422, an executed order) stays bound.
 */
static void
test_refusal_before_the_terminal_binds_nothing(void **state)
{
	char	 coid[80];

	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-2"), 1);
	assert_int_equal(order("o-3"), 1);
	turn_end();
	broker_gone(nth_req(0)->id);
	broker_answer(nth_req(1)->id, 0, 10027);	/* AutoTrading off */
	broker_answer(nth_req(2)->id, 0, 10019);	/* no money: bound */
	turn_end();
	assert_string_equal(answer_for(1)->code, "broker_unavailable");
	assert_string_equal(answer_for(2)->code, "autotrading_disabled");
	assert_string_equal(answer_for(3)->code, "order_rejected");
	/* Two retries of each at once: one new order each. */
	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-2"), 1);
	assert_int_equal(order("o-2"), 1);
	assert_int_equal(order("o-3"), 1);		/* the stored 422 */
	turn_end();
	assert_int_equal(count_reqs(), 5);
	assert_int_equal(answer_for(8)->status, 422);
	broker_done(nth_req(3)->id, 7);
	broker_done(nth_req(4)->id, 8);
	turn_end();
	assert_int_equal(answer_for(4)->status, 200);
	assert_int_equal(answer_for(5)->status, 200);
	assert_int_equal(answer_for(6)->status, 200);
	assert_int_equal(answer_for(7)->status, 200);
	assert_true(nth_req(3)->command_id > nth_req(2)->command_id);
	/* The first attempts, renamed; the retries hold the ids now. */
	snprintf(coid, sizeof(coid), "auto-%lld-o-1",
	    (long long)nth_req(0)->command_id);
	peek_text("SELECT client_order_id FROM orders WHERE id = ?1",
	    nth_req(0)->command_id, err, sizeof(err));
	assert_string_equal(err, coid);
	peek_state(nth_req(0)->command_id, err, sizeof(err));
	assert_string_equal(err, "failed");
	assert_int_equal(peek_count("SELECT count(*) FROM orders WHERE "
	    "client_order_id IN ('o-1', 'o-2') AND state = 'done'"), 2);
	/* Executed: bound for good. */
	assert_int_equal(order("o-1"), 1);
	turn_end();
	assert_int_equal(answer_for(9)->status, 200);
	assert_int_equal(count_reqs(), 5);
}

/*
 * Orders in flight hold their slots: no number of them gets past
 * max_open_positions, and an answer gives the slot back or leaves it to
 * the position its records opened.
 */
static void
test_in_flight_orders_count(void **state)
{
	conf.trading.max_open_positions = 2;
	trade_reconfigure(&conf);
	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-2"), 1);
	assert_int_equal(order("o-3"), 0);
	assert_int_equal(res.status, 403);
	assert_non_null(strstr(res.message, "trading.max_open_positions"));
	turn_end();
	assert_int_equal(count_reqs(), 2);
	/* o-1 opened a position (its slot is the position's now). */
	broker_record(7);
	broker_done(nth_req(0)->id, 7);
	turn_end();
	assert_int_equal(order("o-4"), 0);
	assert_int_equal(res.status, 403);
	/* o-2 opened nothing: its slot is free again. */
	broker_done(nth_req(1)->id, 0);
	turn_end();
	assert_int_equal(order("o-5"), 1);
	turn_end();
	assert_int_equal(count_reqs(), 3);
}

/*
 * An order MT5 did not execute is 422 order_rejected, also on a repeat;
 * a partial fill is 200; a key over its order rate gets 429 with the
 * seconds to wait.
 */
static void
test_status_codes(void **state)
{
	assert_int_equal(order("o-1"), 1);
	assert_int_equal(order("o-2"), 1);
	turn_end();
	broker_answer(nth_req(0)->id, 0, 10019);	/* no money */
	broker_answer(nth_req(1)->id, 0, 10010);	/* partial */
	turn_end();
	assert_int_equal(answer_for(1)->status, 422);
	assert_string_equal(answer_for(1)->code, "order_rejected");
	assert_int_equal(answer_for(2)->status, 200);
	assert_int_equal(order("o-1"), 1);		/* the repeat */
	turn_end();
	assert_int_equal(answer_for(3)->status, 422);
	assert_string_equal(answer_for(3)->code, "order_rejected");

	conf.trading.orders_per_minute = 2;
	trade_reconfigure(&conf);
	assert_int_equal(order("o-3"), 0);
	assert_int_equal(res.status, 429);
	assert_string_equal(res.code, "rate_limited");
	assert_true(res.retry_after >= 1);
	assert_int_equal(count_reqs(), 2);
}

/* Key 1's read request op (GET /v1/account and the like). */
static int
read_op(uint8_t op)
{
	struct rpc_params	 p;

	memset(&p, 0, sizeof(p));
	p.op = op;
	return request_as(1, "viewer", &p);
}

/*
 * A broker that stops answering: at most TX_MAX requests wait for it,
 * then reads and orders alike get 503 broker_busy with a Retry-After,
 * and no order is journaled or sent; an answer frees a place.
 */
static void
test_broker_busy(void **state)
{
	int	 i;

	assert_int_equal(order("o-0"), 1);
	turn_end();
	for (i = 1; i < TX_MAX; i++)
		assert_int_equal(read_op(OP_ACCOUNT), 1);
	assert_int_equal(count_reqs(), TX_MAX);
	assert_int_equal(read_op(OP_POSITIONS), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "broker_busy");
	assert_int_equal(res.retry_after, 1);
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "broker_busy");
	assert_non_null(strstr(res.message, "orders are already waiting"));
	turn_end();
	assert_int_equal(count_reqs(), TX_MAX);
	assert_int_equal(peek_count("SELECT count(*) FROM orders"), 1);
	/* One answer, one place. */
	broker_done(nth_req(0)->id, 0);
	turn_end();
	assert_int_equal(order("o-1"), 1);
	turn_end();
	assert_int_equal(count_reqs(), TX_MAX + 1);
}

/*
 * A journal row damaged under a filled order: its retry is a storage
 * fault answered 503, never a second order at the broker.
 */
static void
test_damaged_row_is_not_a_new_order(void **state)
{
	struct trade_state	 ts;
	assert_int_equal(order("o-1"), 1);
	turn_end();
	broker_done(nth_req(0)->id, 7);
	turn_end();
	assert_int_equal(answer_for(1)->status, 200);
	sql("PRAGMA ignore_check_constraints = ON; "
	    "UPDATE orders SET state = 'lost'; "
	    "PRAGMA ignore_check_constraints = OFF");
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "storage_unavailable");
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 1);
	assert_non_null(strstr(ts.storage, "malformed (state)"));
	turn_end();
	assert_int_equal(count_reqs(), 1);
	assert_int_equal(aborts, 0);
}

/*
 * SQLite refusing the new order's row: a storage fault, 503, nothing
 * at the broker; once the file can be written the fault clears and the
 * order is taken.
 */
static void
test_journal_write_refused(void **state)
{
	struct trade_state	 ts;

	sql("PRAGMA query_only = ON");
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "storage_unavailable");
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 1);
	turn_end();
	assert_int_equal(count_reqs(), 0);
	sql("PRAGMA query_only = OFF");
	/* The retry timer finds the database writable again. */
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 0);
	assert_int_equal(order("o-1"), 1);
	turn_end();
	assert_int_equal(count_reqs(), 1);
}

/*
 * A group of records is bounded by mt5.record_group_max and
 * record_group_bytes; each BROKER_SYNC starts the count again.
 */
int
main(void)
{
	const struct CMUnitTest	 tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pending_before_broker),
		T(test_answer_before_net),
		T(test_events_in_the_batch),
		T(test_group_not_split),
		T(test_failed_commit_answers_no_one),
		T(test_fault_refuses_orders),
		T(test_fault_recovers),
		T(test_fault_lockdown),
		T(test_locked_database),
		T(test_retry_answered_first),
		T(test_refusal_before_the_terminal_binds_nothing),
		T(test_back_up_asks_not_about_unsent_orders),
		T(test_in_flight_orders_count),
		T(test_status_codes),
		T(test_broker_busy),
		T(test_damaged_row_is_not_a_new_order),
		T(test_journal_write_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
