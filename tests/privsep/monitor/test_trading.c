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
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "api.h"
#include "config.h"
#include "db.h"
#include "event.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "record.h"
#include "trade.h"
#include "trading.h"
#include "trading_int.h"

#define MAX_SEEN	(TX_MAX + 64)	/* test_broker_busy fills the queue */

/* What left the monitor, and what was durable when it did. */
struct seen {
	uint32_t	 type;		/* MSG_BROKER_REQ, MSG_API_RES, ... */
	uint32_t	 id;
	int64_t		 command_id;	/* BROKER_REQ */
	char		 state[16];	/* its orders row, from outside */
	uint16_t	 status;	/* API_RES */
	char		 code[API_STR_MAX];
	int		 records;	/* durable broker_state rows */
};

static char			 dir[64];
static char			 path[128];
static char			 err[512];
static struct herald_conf	 conf;
static struct event_base	*base;
static sqlite3			*peek;		/* the second connection */
static struct seen		 to_broker[MAX_SEEN], to_net[MAX_SEEN];
static size_t			 nbroker, nnet;
static int			 commits, aborts, fail_commit;
static uint32_t			 last_net_id;

/* The first column of sql's first row, as another process sees it. */
static void
peek_text(const char *sql, int64_t arg, char *out, size_t outlen)
{
	sqlite3_stmt	*st;

	strlcpy(out, "absent", outlen);
	assert_int_equal(sqlite3_prepare_v2(peek, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		strlcpy(out, (const char *)sqlite3_column_text(st, 0), outlen);
	sqlite3_finalize(st);
}

/* The orders row of command_id. */
static void
peek_state(int64_t command_id, char *out, size_t outlen)
{
	peek_text("SELECT state FROM orders WHERE id = ?", command_id, out,
	    outlen);
}

static int
peek_count(const char *sql)
{
	char	 n[32];

	peek_text(sql, 0, n, sizeof(n));
	return atoi(n);
}

static int
peek_records(void)
{
	return peek_count("SELECT count(*) FROM broker_state WHERE type = 3");
}

/* A message as a peer's channel would hand it over. */
static void
as_msg(struct ipc_msg *m, uint32_t type, uint32_t id, const void *buf,
    size_t len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.id = id;
	m->hdr.len = (uint32_t)len;
	m->data = buf;
	m->fd = -1;
}

static struct seen *
seen_add(struct seen *list, size_t *n, uint32_t type, uint32_t id)
{
	struct seen	*s;

	assert_true(*n < MAX_SEEN);
	s = &list[(*n)++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->id = id;
	return s;
}

static void
io_broker(uint32_t type, uint32_t id, const void *buf, size_t len)
{
	struct seen		*s;
	struct ipc_msg		 m;
	struct msg_broker_req	 q;
	const char		*why;

	s = seen_add(to_broker, &nbroker, type, id);
	if (type != MSG_BROKER_REQ)
		return;
	as_msg(&m, type, id, buf, len);
	assert_int_equal(msg_broker_req_decode(&m, &q, &why), 0);
	s->command_id = (int64_t)q.command_id;
	if (s->command_id != 0)
		peek_state(s->command_id, s->state, sizeof(s->state));
}

static void
io_net(uint32_t net_id, const void *buf, size_t len)
{
	static struct msg_api_res	 res;
	struct seen			*s;
	struct ipc_msg			 m;
	const char			*why;

	s = seen_add(to_net, &nnet, MSG_API_RES, net_id);
	as_msg(&m, MSG_API_RES, net_id, buf, len);
	assert_int_equal(msg_api_res_decode(&m, &res, &why), 0);
	s->status = res.status;
	strlcpy(s->code, res.code, sizeof(s->code));
	s->records = peek_records();
}

/* The daemon's commit, counted; or made to fail by SQLite itself. */
static int
refuse_commit(void *arg)
{
	return 1;	/* SQLite turns the COMMIT into a ROLLBACK */
}

static int
io_commit(struct journal *j)
{
	commits++;
	sqlite3_commit_hook(db_handle(), fail_commit ? refuse_commit : NULL,
	    NULL);
	return journal_batch_commit(j);
}

static void
io_abort(const char *why)
{
	aborts++;
}

/* Events pushed to net: their names and ids, and the commits before. */
static char		 events_seen[1024];
static uint64_t		 last_event_id;
static int		 event_commits;

static void
io_event(const void *buf, size_t len)
{
	struct herald_event	 e;
	const char		*why;

	assert_int_equal(event_decode(buf, len, &e, &why), 0);
	assert_true(e.id > last_event_id);
	last_event_id = e.id;
	event_commits = commits;
	strlcat(events_seen, e.name, sizeof(events_seen));
	strlcat(events_seen, " ", sizeof(events_seen));
}

static const struct trade_io io = {
	.to_broker =	io_broker,
	.to_net =	io_net,
	.commit =	io_commit,
	.abort =	io_abort,
	.event =	io_event,
};

/* Run what this turn made active: the commit event among it. */
static void
turn_end(void)
{
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
}

static void
broker_msg(uint32_t type, uint32_t id, const uint8_t *buf, size_t len,
    int (*fn)(const struct ipc_msg *, const char **))
{
	struct ipc_msg	 m;
	const char	*why = NULL;

	as_msg(&m, type, id, buf, len);
	if (fn(&m, &why) != 0)
		fail_msg("%s: %s", msg_name(type), why);
}

static void
broker_up(void)
{
	struct msg_broker_up	 u;
	uint8_t			 buf[8 + API_STR_MAX];

	memset(&u, 0, sizeof(u));
	u.connected = 1;
	strlcpy(u.reason, "paper", sizeof(u.reason));
	broker_msg(MSG_BROKER_UP, 0, buf, msg_broker_up_encode(buf,
	    sizeof(buf), &u), trade_broker_up);
}

/* A position the order opened, as the broker reports it. */
static void
broker_record(uint64_t ticket)
{
	struct msg_broker_record	 mr;
	struct paper_record		 rec;
	static uint8_t			 buf[8 + BROKER_RECORD_MAX];
	size_t				 n;

	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_POSITION;
	rec.op = PAPER_OP_PUT;
	rec.u.position.ticket = ticket;
	strlcpy(rec.u.position.symbol, "EURUSD",
	    sizeof(rec.u.position.symbol));
	rec.u.position.type = PAPER_ORDER_BUY;
	rec.u.position.volume = 0.1;
	rec.u.position.price_open = 1.1;
	rec.u.position.time = 1000;
	memset(&mr, 0, sizeof(mr));
	mr.type = PAPER_REC_POSITION;
	mr.op = PAPER_OP_PUT;
	n = paper_record_encode(&rec, mr.data, sizeof(mr.data));
	assert_true(n != (size_t)-1);
	mr.len = (uint16_t)n;
	broker_msg(MSG_BROKER_RECORD, 0, buf, msg_broker_record_encode(buf,
	    sizeof(buf), &mr), trade_broker_record);
}

static void	broker_answer(uint32_t, uint64_t, uint32_t);

/* The broker's answer to the request it was sent as header id. */
static void
broker_done(uint32_t id, uint64_t ticket)
{
	broker_answer(id, ticket, 10009);
}

/* The same with MT5's return code retcode. */
static void
broker_answer(uint32_t id, uint64_t ticket, uint32_t retcode)
{
	static struct msg_api_res	 res;
	static uint8_t			 buf[MSG_MAX];
	struct trade_result		 r;
	size_t				 n;

	msg_api_res_reset(&res);
	res.status = 200;
	strlcpy(res.code, "ok", sizeof(res.code));
	memset(&r, 0, sizeof(r));
	r.retcode = retcode;
	r.order = r.position = ticket;
	r.volume = 0.1;
	r.price = 1.1;
	strlcpy(r.message, "done", sizeof(r.message));
	n = trade_result_encode(&r, res.result, sizeof(res.result));
	assert_true(n != (size_t)-1);
	res.result_len = (uint32_t)n;
	broker_msg(MSG_BROKER_RES, id, buf, msg_api_res_encode(buf,
	    sizeof(buf), &res), trade_broker_res);
}

static struct msg_api_res	 res;		/* order()'s, if at once */

/* Key key_id's POST /trade; 1 when it waits for the broker. */
static int
order_as(int64_t key_id, const char *coid)
{
	static struct msg_api_req	 q;
	struct auth_identity		 id;
	struct rpc_params		 p;
	const char			*why = NULL;
	size_t				 n;
	int				 r;

	memset(&p, 0, sizeof(p));
	p.op = OP_TRADE;
	p.side = RPC_SIDE_BUY;
	p.volume = 0.1;
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	p.flags = RPC_HAS_COID;
	strlcpy(p.client_order_id, coid, sizeof(p.client_order_id));
	memset(&q, 0, sizeof(q));
	q.op = OP_TRADE;
	strlcpy(q.address, "192.0.2.1", sizeof(q.address));
	n = rpc_params_encode(&p, q.params, sizeof(q.params));
	assert_true(n != (size_t)-1);
	q.params_len = (uint16_t)n;
	memset(&id, 0, sizeof(id));
	id.key_id = key_id;
	strlcpy(id.name, "trader", sizeof(id.name));
	strlcpy(id.role, "trader", sizeof(id.role));
	msg_api_res_reset(&res);
	r = trade_api(++last_net_id, &q, &id, &res, &why);
	if (r == -1)
		fail_msg("trade_api: %s", why);
	return r;
}

static int
order(const char *coid)
{
	return order_as(1, coid);
}

/* The n-th BROKER_REQ sent. */
static const struct seen *
nth_req(size_t n)
{
	size_t	 i;

	for (i = 0; i < nbroker; i++)
		if (to_broker[i].type == MSG_BROKER_REQ && n-- == 0)
			return &to_broker[i];
	return NULL;
}

static size_t
count_reqs(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < nbroker; i++)
		n += to_broker[i].type == MSG_BROKER_REQ;
	return n;
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-trd-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	log_init("test", 1, LOG_WARNING);
	config_defaults(&conf);
	strlcpy(conf.database, path, sizeof(conf.database));
	if ((base = event_base_new()) == NULL ||
	    event_base_priority_init(base, 3) == -1)
		return -1;
	if (db_open(path, err, sizeof(err)) != 0)
		fail_msg("db_open: %s", err);
	if (sqlite3_open_v2(path, &peek, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		fail_msg("sqlite3_open_v2 %s", path);
	nbroker = nnet = 0;
	commits = aborts = fail_commit = 0;
	last_net_id = 0;
	last_event_id = 0;
	if (trade_init(&conf, base, &io, err, sizeof(err)) != 0)
		fail_msg("trade_init: %s", err);
	trade_broker_ready();
	broker_up();
	turn_end();		/* the "broker" event's commit */
	nbroker = 0;		/* the configuration and START */
	commits = 0;
	events_seen[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	char	 p[160];

	trade_close();
	sqlite3_close(peek);
	db_close();
	event_base_free(base);
	config_free(&conf);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

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

/* One position record as BROKER_RECORD; the handler's answer. */
static int
record_try(uint64_t ticket, const char **why)
{
	struct msg_broker_record	 mr;
	struct paper_record		 rec;
	static uint8_t			 buf[8 + BROKER_RECORD_MAX];
	struct ipc_msg			 m;
	size_t				 n;

	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_POSITION;
	rec.op = PAPER_OP_PUT;
	rec.u.position.ticket = ticket;
	strlcpy(rec.u.position.symbol, "EURUSD",
	    sizeof(rec.u.position.symbol));
	rec.u.position.volume = 0.1;
	rec.u.position.price_open = 1.1;
	memset(&mr, 0, sizeof(mr));
	mr.type = PAPER_REC_POSITION;
	mr.op = PAPER_OP_PUT;
	n = paper_record_encode(&rec, mr.data, sizeof(mr.data));
	assert_true(n != (size_t)-1);
	mr.len = (uint16_t)n;
	as_msg(&m, MSG_BROKER_RECORD, 0, buf, msg_broker_record_encode(buf,
	    sizeof(buf), &mr));
	return trade_broker_record(&m, why);
}

/*
 * A group of records is bounded by mt5.record_group_max and
 * record_group_bytes; each BROKER_SYNC starts the count again.
 */
static void
test_record_group_bounded(void **state)
{
	const char	*why = NULL;
	int		 i;

	conf.mt5.record_group_max = 16;
	trade_reconfigure(&conf);
	for (i = 0; i < 16; i++)
		assert_int_equal(record_try(100 + (uint64_t)i, &why), 0);
	assert_int_equal(record_try(200, &why), -1);
	assert_non_null(strstr(why, "mt5.record_group_max"));
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	for (i = 0; i < 16; i++)
		assert_int_equal(record_try(300 + (uint64_t)i, &why), 0);
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	/* Bytes: a position record is over 80 bytes. */
	conf.mt5.record_group_max = 1000000;
	conf.mt5.record_group_bytes = 65536;
	trade_reconfigure(&conf);
	for (i = 0; i < 2000; i++)
		if (record_try(1000 + (uint64_t)i, &why) == -1)
			break;
	assert_true(i > 100 && i < 2000);
	assert_non_null(strstr(why, "mt5.record_group_bytes"));
}

/* Key 1's read request op (GET /v1/account and the like). */
static int
read_op(uint8_t op)
{
	static struct msg_api_req	 q;
	struct auth_identity		 id;
	struct rpc_params		 p;
	const char			*why = NULL;
	size_t				 n;
	int				 r;

	memset(&p, 0, sizeof(p));
	p.op = op;
	memset(&q, 0, sizeof(q));
	q.op = op;
	strlcpy(q.address, "192.0.2.1", sizeof(q.address));
	n = rpc_params_encode(&p, q.params, sizeof(q.params));
	assert_true(n != (size_t)-1);
	q.params_len = (uint16_t)n;
	memset(&id, 0, sizeof(id));
	id.key_id = 1;
	strlcpy(id.name, "viewer", sizeof(id.name));
	strlcpy(id.role, "viewer", sizeof(id.role));
	msg_api_res_reset(&res);
	r = trade_api(++last_net_id, &q, &id, &res, &why);
	if (r == -1)
		fail_msg("trade_api: %s", why);
	return r;
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
	char			*msg = NULL;

	assert_int_equal(order("o-1"), 1);
	turn_end();
	broker_done(nth_req(0)->id, 7);
	turn_end();
	assert_int_equal(answer_for(1)->status, 200);
	if (sqlite3_exec(db_handle(), "PRAGMA ignore_check_constraints = ON; "
	    "UPDATE orders SET state = 'lost'; "
	    "PRAGMA ignore_check_constraints = OFF", NULL, NULL, &msg) !=
	    SQLITE_OK)
		fail_msg("%s", msg);
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

	assert_int_equal(sqlite3_exec(db_handle(), "PRAGMA query_only = ON",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.code, "storage_unavailable");
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 1);
	turn_end();
	assert_int_equal(count_reqs(), 0);
	assert_int_equal(sqlite3_exec(db_handle(), "PRAGMA query_only = OFF",
	    NULL, NULL, NULL), SQLITE_OK);
	/* The retry timer finds the database writable again. */
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	trade_state(&ts);
	assert_int_equal(ts.storage_fault, 0);
	assert_int_equal(order("o-1"), 1);
	turn_end();
	assert_int_equal(count_reqs(), 1);
}

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
		T(test_in_flight_orders_count),
		T(test_status_codes),
		T(test_record_group_bounded),
		T(test_broker_busy),
		T(test_damaged_row_is_not_a_new_order),
		T(test_journal_write_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
