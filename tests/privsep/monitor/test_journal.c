/*
 * The orders journal on a real SQLite file: explicit and derived
 * client_order_ids, restarts, the rows in flight, results, and group
 * commit (one transaction per batch, all or nothing).
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

#include <openssl/evp.h>
#include <sqlite3.h>

#include "db.h"
#include "db_test.h"
#include "journal.h"
#include "log.h"

static char		 dir[64];
static char		 path[128];
static char		 err[512];
static struct journal	*j;
static int		 commits;

static int
count_commit(void *arg)
{
	commits++;
	return 0;
}

static void
open_all(void)
{
	if (db_open(path, err, sizeof(err)) != 0)
		fail_msg("db_open: %s", err);
	if ((j = journal_open(db_handle(), NULL, err, sizeof(err))) == NULL)
		fail_msg("journal_open: %s", err);
	sqlite3_commit_hook(db_handle(), count_commit, NULL);
	commits = 0;
}

static void
close_all(void)
{
	journal_close(j);
	j = NULL;
	db_close();
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-jnl-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	log_init("test", 1, LOG_WARNING);
	open_all();
	return 0;
}

static int
teardown(void **state)
{
	char	 p[160];

	close_all();
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
expect_err(const char *needle)
{
	if (strstr(journal_error(j), needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", journal_error(j), needle);
}

static int64_t
rows(void)
{
	int64_t	 n = -1;

	assert_int_equal(journal_count(j, &n), 0);
	return n;
}

/* journal_begin() with a string request; the order cleared after. */
static int
begin(int64_t key, const char *coid, const char *req, int64_t now,
    struct journal_order *o)
{
	struct journal_order	 tmp;
	int			 rv;

	rv = journal_begin(j, key, "192.0.2.7", coid, req, strlen(req), now,
	    o != NULL ? o : &tmp);
	if (o == NULL)
		journal_order_clear(&tmp);
	return rv;
}

static void
test_explicit_ids(void **state)
{
	struct journal_order	 a, b;
	char			 longid[JOURNAL_COID_MAX + 2];

	assert_true(db_schema_latest() >= 2);
	assert_int_equal(begin(1, "c1", "BUY EURUSD 1", 100, &a), JOURNAL_NEW);
	assert_true(a.id > 0);
	assert_int_equal(a.state, JOURNAL_PENDING);
	assert_int_equal(a.derived, 0);
	assert_string_equal(a.client_order_id, "c1");
	assert_string_equal(a.client_addr, "192.0.2.7");
	assert_int_equal(a.created, 100);
	/* Durable already: another connection sees it. */
	{
		sqlite3		*h;
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_open_v2(path, &h,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT state, derived "
		    "FROM orders WHERE client_order_id = 'c1'", -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    "pending");
		sqlite3_finalize(st);
		sqlite3_close(h);
	}

	/* The same key again: the first row, still in flight. */
	assert_int_equal(begin(1, "c1", "BUY EURUSD 1", 105, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	assert_int_equal(b.state, JOURNAL_PENDING);
	assert_null(b.result);
	assert_int_equal(b.request_differs, 0);
	assert_int_equal(b.created, 100);
	journal_order_clear(&b);
	/* Another body under the same id: still the first, flagged. */
	assert_int_equal(begin(1, "c1", "SELL GBPUSD 2", 106, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	assert_int_equal(b.request_differs, 1);
	journal_order_clear(&b);
	/* Another key: its own order. */
	assert_int_equal(begin(2, "c1", "BUY EURUSD 1", 107, &b), JOURNAL_NEW);
	assert_true(b.id > a.id);
	journal_order_clear(&b);
	journal_order_clear(&a);
	assert_int_equal(rows(), 2);

	/* Refusals name the field and change nothing. */
	assert_int_equal(begin(1, "", "x", 1, NULL), JOURNAL_REFUSED);
	expect_err("client_order_id is empty");
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(begin(1, longid, "x", 1, NULL), JOURNAL_REFUSED);
	expect_err("65 bytes, more than the 64 allowed");
	assert_int_equal(begin(1, "auto-1", "x", 1, NULL), JOURNAL_REFUSED);
	expect_err("kept for derived ids");
	assert_int_equal(begin(1, "a b", "x", 1, NULL), JOURNAL_REFUSED);
	expect_err("visible ASCII at offset 1");
	assert_int_equal(begin(1, "c9", "", 1, NULL), JOURNAL_REFUSED);
	expect_err("request is empty");
	assert_int_equal(begin(1, "c9", "x", -1, NULL), JOURNAL_REFUSED);
	expect_err("before 1970");
	{
		struct journal_order	 o;
		static uint8_t		 big[JOURNAL_REQUEST_MAX_DEFAULT + 1];

		assert_int_equal(journal_begin(j, 1, "a", "c9", big,
		    sizeof(big), 1, &o), JOURNAL_REFUSED);
		expect_err("8193 bytes, more than the 8192 allowed");
		assert_int_equal(journal_begin(j, 1, NULL, "c9", "x", 1, 1,
		    &o), JOURNAL_REFUSED);
		expect_err("client address is missing");
		journal_order_clear(&o);
	}
	assert_int_equal(rows(), 2);
}

/* The derived id, computed here independently of journal.c. */
static void
expected_coid(int64_t key, const char *req, int64_t bucket, char *out)
{
	uint8_t		 buf[256], md[32];
	unsigned int	 mdlen, i;
	size_t		 n = strlen(req);
	int		 k;

	for (k = 0; k < 8; k++) {
		buf[k] = (uint8_t)((uint64_t)key >> (56 - 8 * k));
		buf[8 + n + k] = (uint8_t)((uint64_t)bucket >> (56 - 8 * k));
	}
	memcpy(buf + 8, req, n);
	assert_int_equal(EVP_Digest(buf, n + 16, md, &mdlen, EVP_sha256(),
	    NULL), 1);
	strlcpy(out, "auto-", 6);
	for (i = 0; i < mdlen; i++)
		snprintf(out + 5 + 2 * i, 3, "%02x", md[i]);
}

static void
test_derived_ids(void **state)
{
	struct journal_order	 a, b;
	char			 want[80];

	assert_int_equal(begin(1, NULL, "BUY EURUSD 1", 1000, &a),
	    JOURNAL_NEW);
	assert_int_equal(a.derived, 1);
	assert_int_equal(strlen(a.client_order_id), JOURNAL_COID_DERIVED_LEN);
	expected_coid(1, "BUY EURUSD 1", 100, want);
	assert_string_equal(a.client_order_id, want);
	/* Exact repeats within the window. */
	assert_int_equal(begin(1, NULL, "BUY EURUSD 1", 1005, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	assert_int_equal(b.derived, 1);
	journal_order_clear(&b);
	assert_int_equal(begin(1, NULL, "BUY EURUSD 1", 1009, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	journal_order_clear(&b);
	/* Another body, another key: new orders. */
	assert_int_equal(begin(1, NULL, "BUY EURUSD 2", 1001, NULL),
	    JOURNAL_NEW);
	assert_int_equal(begin(2, NULL, "BUY EURUSD 1", 1001, NULL),
	    JOURNAL_NEW);
	/* A full window later: a new order. */
	assert_int_equal(begin(1, NULL, "BUY EURUSD 1", 1010, &b),
	    JOURNAL_NEW);
	assert_true(b.id != a.id);
	journal_order_clear(&b);
	journal_order_clear(&a);

	/* A repeat that falls into the next window is caught too... */
	assert_int_equal(begin(3, NULL, "SELL XAUUSD 1", 1008, &a),
	    JOURNAL_NEW);
	assert_int_equal(begin(3, NULL, "SELL XAUUSD 1", 1012, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	journal_order_clear(&b);
	/* ...but not once the window since the first has passed. */
	assert_int_equal(begin(3, NULL, "SELL XAUUSD 1", 1018, &b),
	    JOURNAL_NEW);
	assert_true(b.id != a.id);
	journal_order_clear(&b);
	journal_order_clear(&a);
	assert_int_equal(rows(), 6);

	/* The window is a parameter. */
	{
		struct journal_conf	 c;

		journal_close(j);
		journal_conf_defaults(&c);
		c.window = 60;
		j = journal_open(db_handle(), &c, err, sizeof(err));
		assert_non_null(j);
		assert_int_equal(begin(4, NULL, "x", 1000, NULL), JOURNAL_NEW);
		assert_int_equal(begin(4, NULL, "x", 1059, NULL),
		    JOURNAL_DUPLICATE);
		assert_int_equal(begin(4, NULL, "x", 1060, NULL), JOURNAL_NEW);
	}
}

static void
test_restart(void **state)
{
	struct journal_order	 a, b;
	const char		 res[] = "retcode=10009 deal=77";

	assert_int_equal(begin(1, "c1", "BUY EURUSD 1", 100, &a), JOURNAL_NEW);
	assert_int_equal(journal_mark_sent(j, a.id, 101), 0);
	assert_int_equal(journal_finish(j, a.id, JOURNAL_DONE, res,
	    sizeof(res), 102), 0);
	assert_int_equal(begin(1, NULL, "BUY GBPUSD 1", 100, &b), JOURNAL_NEW);
	journal_order_clear(&b);

	/* heraldd restarts. */
	close_all();
	open_all();
	assert_int_equal(begin(1, "c1", "BUY EURUSD 1", 5000, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.id, a.id);
	assert_int_equal(b.state, JOURNAL_DONE);
	assert_int_equal(b.result_len, sizeof(res));
	assert_memory_equal(b.result, res, sizeof(res));
	assert_int_equal(b.updated, 102);
	journal_order_clear(&b);
	/* A derived repeat is caught across the restart too. */
	assert_int_equal(begin(1, NULL, "BUY GBPUSD 1", 104, NULL),
	    JOURNAL_DUPLICATE);
	assert_int_equal(rows(), 2);
	/* Ids go on from where they were. */
	assert_int_equal(begin(1, "c2", "x", 105, &b), JOURNAL_NEW);
	assert_true(b.id > a.id + 1);
	journal_order_clear(&b);
	journal_order_clear(&a);
}

/*
 * journal_release(): a failed row gives up its client_order_id (explicit
 * or derived) to a new row, keeps its own id and answer under the
 * released name, also across a restart; a row that is not failed, or
 * released already, is refused and keeps its id.
 */
static void
test_release(void **state)
{
	struct journal_order	 a, b, c;
	const char		 res[] = "503 broker_unavailable";
	char			 want[80];

	assert_int_equal(begin(1, "c1", "BUY", 100, &a), JOURNAL_NEW);
	assert_int_equal(begin(1, NULL, "SELL", 100, &b), JOURNAL_NEW);
	assert_int_equal(journal_release(j, a.id), JOURNAL_REFUSED);
	expect_err("no failed order");
	assert_int_equal(journal_finish(j, a.id, JOURNAL_FAILED, res,
	    sizeof(res), 101), 0);
	assert_int_equal(journal_finish(j, b.id, JOURNAL_FAILED, res,
	    sizeof(res), 101), 0);
	close_all();		/* heraldd restarts between the two tries */
	open_all();
	assert_int_equal(journal_release(j, a.id), 0);
	assert_int_equal(journal_release(j, a.id), JOURNAL_REFUSED);
	assert_int_equal(journal_release(j, b.id), 0);
	assert_int_equal(begin(1, "c1", "BUY", 102, &c), JOURNAL_NEW);
	assert_true(c.id > b.id);
	journal_order_clear(&c);
	assert_int_equal(begin(1, NULL, "SELL", 102, &c), JOURNAL_NEW);
	journal_order_clear(&c);
	assert_int_equal(journal_get(j, a.id, &c), 1);
	snprintf(want, sizeof(want), "auto-%lld-c1", (long long)a.id);
	assert_string_equal(c.client_order_id, want);
	assert_int_equal(c.state, JOURNAL_FAILED);
	assert_memory_equal(c.result, res, sizeof(res));
	journal_order_clear(&c);
	/* The new row holds the id: a repeat finds it, not the first. */
	assert_int_equal(begin(1, "c1", "BUY", 103, &c), JOURNAL_DUPLICATE);
	assert_int_not_equal(c.id, a.id);
	journal_order_clear(&c);
	assert_int_equal(rows(), 4);
	journal_order_clear(&a);
	journal_order_clear(&b);
}

struct seen {
	int64_t		 ids[16];
	int		 n;
	int		 stop_after;	/* 0: never */
	int		 finish;	/* resolve each row as it is seen */
};

static int
collect(const struct journal_order *o, void *arg)
{
	struct seen	*s = arg;
	const char	 res[] = "resolved";

	assert_true(s->n < 16);
	assert_non_null(o->request);
	assert_true(o->request_len > 0);
	s->ids[s->n++] = o->id;
	if (s->finish)
		assert_int_equal(journal_finish(j, o->id, JOURNAL_DONE, res,
		    sizeof(res), 900), 0);
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static void
test_in_flight(void **state)
{
	struct journal_order	 o[4];
	struct seen		 s;
	const char		*coid[] = { "p", "s", "d", "u" };
	int			 i;

	for (i = 0; i < 4; i++)
		assert_int_equal(begin(7, coid[i], coid[i], 10 + i, &o[i]),
		    JOURNAL_NEW);
	assert_int_equal(journal_mark_sent(j, o[1].id, 20), 0);
	assert_int_equal(journal_mark_sent(j, o[2].id, 20), 0);
	assert_int_equal(journal_finish(j, o[2].id, JOURNAL_DONE, "ok", 2,
	    21), 0);
	assert_int_equal(journal_finish(j, o[3].id, JOURNAL_UNKNOWN, NULL, 0,
	    21), 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_in_flight(j, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], o[0].id);
	assert_int_equal(s.ids[1], o[1].id);
	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_unresolved(j, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[2], o[3].id);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(journal_unresolved(j, collect, &s), 0);
	assert_int_equal(s.n, 1);

	/* Resolution at start: the callback finishes each row. */
	memset(&s, 0, sizeof(s));
	s.finish = 1;
	assert_int_equal(journal_unresolved(j, collect, &s), 0);
	assert_int_equal(s.n, 3);
	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_unresolved(j, collect, &s), 0);
	assert_int_equal(s.n, 0);
	for (i = 0; i < 4; i++)
		journal_order_clear(&o[i]);
}

static void
test_finish(void **state)
{
	struct journal_order	 a, b;
	const char		 res[] = "retcode=10019 no money";
	static uint8_t		 big[JOURNAL_RESULT_MAX_DEFAULT + 1];

	assert_int_equal(begin(1, "c1", "BUY XAUUSD 100", 10, &a),
	    JOURNAL_NEW);
	assert_int_equal(journal_finish(j, a.id, JOURNAL_PENDING, NULL, 0,
	    11), JOURNAL_REFUSED);
	expect_err("pending is not a final state");
	assert_int_equal(journal_finish(j, a.id, JOURNAL_DONE, NULL, 0, 11),
	    JOURNAL_REFUSED);
	expect_err("a done order needs its result");
	assert_int_equal(journal_finish(j, a.id, JOURNAL_DONE, big,
	    sizeof(big), 11), JOURNAL_REFUSED);
	expect_err("8193 bytes, more than the 8192 allowed");
	assert_int_equal(journal_finish(j, a.id + 100, JOURNAL_DONE, "x", 1,
	    11), JOURNAL_REFUSED);
	expect_err("no such order");
	assert_int_equal(journal_mark_sent(j, a.id + 100, 11),
	    JOURNAL_REFUSED);
	expect_err("no such order");

	/* unknown, then resolved as failed. */
	assert_int_equal(journal_finish(j, a.id, JOURNAL_UNKNOWN, NULL, 0, 11),
	    0);
	assert_int_equal(journal_mark_sent(j, a.id, 12), JOURNAL_REFUSED);
	expect_err("it is unknown, not pending");
	assert_int_equal(journal_finish(j, a.id, JOURNAL_FAILED, res,
	    sizeof(res), 13), 0);
	/* Final. */
	assert_int_equal(journal_finish(j, a.id, JOURNAL_DONE, "x", 1, 14),
	    JOURNAL_REFUSED);
	expect_err("it is failed, not pending, sent or unknown");

	assert_int_equal(begin(1, "c1", "BUY XAUUSD 100", 15, &b),
	    JOURNAL_DUPLICATE);
	assert_int_equal(b.state, JOURNAL_FAILED);
	assert_int_equal(b.result_len, sizeof(res));
	assert_memory_equal(b.result, res, sizeof(res));
	journal_order_clear(&b);
	assert_int_equal(journal_get(j, a.id, &b), 1);
	assert_string_equal(journal_state_name(b.state), "failed");
	assert_int_equal(b.request_len, strlen("BUY XAUUSD 100"));
	assert_memory_equal(b.request, "BUY XAUUSD 100", b.request_len);
	assert_int_equal(b.created, 10);
	assert_int_equal(b.updated, 13);
	journal_order_clear(&b);
	assert_int_equal(journal_get(j, a.id + 100, &b), 0);
	journal_order_clear(&a);
}

static void
test_prune_and_schema(void **state)
{
	struct journal_order	 c, d, b, a, n;

	assert_int_equal(begin(1, "c", "c", 50, &c), JOURNAL_NEW);
	assert_int_equal(begin(1, "d", "d", 50, &d), JOURNAL_NEW);
	assert_int_equal(journal_finish(j, d.id, JOURNAL_UNKNOWN, NULL, 0, 50),
	    0);
	assert_int_equal(begin(1, "b", "b", 60, &b), JOURNAL_NEW);
	assert_int_equal(journal_finish(j, b.id, JOURNAL_FAILED, "no", 2,
	    200), 0);
	assert_int_equal(begin(1, "a", "a", 70, &a), JOURNAL_NEW);
	assert_int_equal(journal_finish(j, a.id, JOURNAL_DONE, "ok", 2, 100),
	    0);

	assert_int_equal(journal_prune(j, 150), 1);
	assert_int_equal(rows(), 3);
	/* Its id no longer catches a retry, and no id is handed out twice. */
	assert_int_equal(begin(1, "a", "a", 300, &n), JOURNAL_NEW);
	assert_true(n.id > a.id);
	journal_order_clear(&n);
	/* Unresolved rows stay, however old. */
	assert_int_equal(journal_prune(j, 1000), 1);
	assert_int_equal(rows(), 3);
	assert_int_equal(journal_get(j, c.id, &n), 1);
	journal_order_clear(&n);
	assert_int_equal(journal_get(j, d.id, &n), 1);
	journal_order_clear(&n);
	assert_int_equal(journal_get(j, b.id, &n), 0);

	/* The table refuses what the journal would never write. */
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO orders "
	    "(key_id, client_addr, client_order_id, derived, request, state, "
	    "created, updated) VALUES (1, 'x', 'z', 0, x'00', 'bogus', 1, 1)",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO orders "
	    "(key_id, client_addr, client_order_id, derived, request, state, "
	    "created, updated) VALUES (1, 'x', 'c', 0, x'00', 'pending', 1, "
	    "1)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(rows(), 3);
	journal_order_clear(&a);
	journal_order_clear(&b);
	journal_order_clear(&c);
	journal_order_clear(&d);
}

static void
test_batch_one_transaction(void **state)
{
	struct journal_order	 o;
	char			 coid[32], req[32];
	int64_t			 ids[100];
	sqlite3			*h;
	sqlite3_stmt		*st;
	int			 i, before;

	/* Outside a batch every write is its own commit. */
	for (i = 0; i < 3; i++) {
		snprintf(coid, sizeof(coid), "single%d", i);
		assert_int_equal(begin(1, coid, "x", 1, NULL), JOURNAL_NEW);
	}
	assert_int_equal(commits, 3);

	commits = 0;
	before = sqlite3_total_changes(db_handle());
	assert_int_equal(journal_batch_begin(j), 0);
	assert_true(journal_in_batch(j));
	for (i = 0; i < 100; i++) {
		snprintf(coid, sizeof(coid), "b%d", i);
		snprintf(req, sizeof(req), "BUY EURUSD %d", i);
		assert_int_equal(begin(1, coid, req, 50, &o), JOURNAL_NEW);
		ids[i] = o.id;
		journal_order_clear(&o);
	}
	/* A repeat within the batch finds the uncommitted row. */
	assert_int_equal(begin(1, "b7", "BUY EURUSD 7", 50, &o),
	    JOURNAL_DUPLICATE);
	assert_int_equal(o.id, ids[7]);
	assert_int_equal(o.state, JOURNAL_PENDING);
	journal_order_clear(&o);
	assert_int_equal(journal_mark_sent(j, ids[0], 51), 0);
	assert_int_equal(journal_finish(j, ids[1], JOURNAL_DONE, "r", 1, 51),
	    0);
	/* Nothing is visible to anyone else before the commit. */
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM orders",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 3);
	sqlite3_reset(st);
	assert_int_equal(commits, 0);

	assert_int_equal(journal_batch_commit(j), 0);
	assert_false(journal_in_batch(j));
	assert_int_equal(commits, 1);
	assert_int_equal(sqlite3_total_changes(db_handle()) - before, 102);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), 103);
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_int_equal(rows(), 103);
}

static void
test_batch_rolls_back(void **state)
{
	char	 coid[32];
	int	 i, rv;

	assert_int_equal(sqlite3_exec(db_handle(), "CREATE TEMP TRIGGER "
	    "inject BEFORE INSERT ON main.orders WHEN "
	    "NEW.client_order_id = 'b50' BEGIN "
	    "SELECT RAISE(ABORT, 'injected failure'); END", NULL, NULL, NULL),
	    SQLITE_OK);
	commits = 0;
	assert_int_equal(journal_batch_begin(j), 0);
	for (i = 0; i < 100; i++) {
		snprintf(coid, sizeof(coid), "b%d", i);
		rv = begin(1, coid, coid, 50, NULL);
		if (i < 50)
			assert_int_equal(rv, JOURNAL_NEW);
		else if (i == 50) {
			assert_int_equal(rv, JOURNAL_ERROR);
			expect_err("write order (key 1, client_order_id "
			    "\"b50\"): injected failure");
		} else {
			assert_int_equal(rv, JOURNAL_ERROR);
			expect_err("the batch already failed (journal: "
			    "write order (key 1");
		}
	}
	assert_int_equal(journal_batch_commit(j), -1);
	expect_err("batch rolled back: journal: write order (key 1, "
	    "client_order_id \"b50\"): injected failure");
	assert_false(journal_in_batch(j));
	assert_int_equal(commits, 0);
	assert_int_equal(rows(), 0);

	/* A refusal inside a batch changes nothing and harms nothing. */
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(begin(1, "ok1", "x", 60, NULL), JOURNAL_NEW);
	assert_int_equal(begin(1, "auto-x", "x", 60, NULL), JOURNAL_REFUSED);
	assert_int_equal(journal_finish(j, 9999, JOURNAL_DONE, "x", 1, 60),
	    JOURNAL_REFUSED);
	assert_int_equal(begin(1, "ok2", "x", 60, NULL), JOURNAL_NEW);
	assert_int_equal(journal_batch_commit(j), 0);
	assert_int_equal(commits, 1);
	assert_int_equal(rows(), 2);

	/* An aborted batch leaves nothing. */
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(begin(1, "gone", "x", 60, NULL), JOURNAL_NEW);
	journal_batch_abort(j);
	assert_int_equal(rows(), 2);
	/* A batch open at close is rolled back. */
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(begin(1, "gone", "x", 60, NULL), JOURNAL_NEW);
	close_all();
	open_all();
	assert_int_equal(rows(), 2);
}

static void
test_misuse(void **state)
{
	struct journal		*k;
	struct journal_conf	 c;
	sqlite3			*mem;

	assert_int_equal(journal_batch_commit(j), JOURNAL_REFUSED);
	expect_err("no batch is open");
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(journal_batch_begin(j), JOURNAL_REFUSED);
	expect_err("a batch is already open");
	journal_batch_abort(j);
	/* A transaction the journal does not own: no write claims durability. */
	assert_int_equal(db_begin(), 0);
	assert_int_equal(begin(1, "c1", "x", 1, NULL), JOURNAL_REFUSED);
	expect_err("would not be durable on return");
	assert_int_equal(journal_batch_begin(j), JOURNAL_REFUSED);
	expect_err("did not open is in progress");
	assert_int_equal(journal_prune(j, 1), JOURNAL_REFUSED);
	db_rollback();
	assert_int_equal(rows(), 0);

	assert_null(journal_open(NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not open"));
	journal_conf_defaults(&c);
	c.window = 0;
	assert_null(journal_open(db_handle(), &c, err, sizeof(err)));
	assert_non_null(strstr(err, "window (0 s)"));
	/* A database without the orders table. */
	assert_int_equal(sqlite3_open(":memory:", &mem), SQLITE_OK);
	k = journal_open(mem, NULL, err, sizeof(err));
	assert_null(k);
	assert_non_null(strstr(err, "no such table: orders"));
	sqlite3_close(mem);

	assert_string_equal(journal_state_name(JOURNAL_SENT), "sent");
	assert_string_equal(journal_state_name((enum journal_state)42),
	    "invalid");
	{
		enum journal_state	 s;

		assert_int_equal(journal_state_parse("unknown", &s), 0);
		assert_int_equal(s, JOURNAL_UNKNOWN);
		assert_int_equal(journal_state_parse("bogus", &s), -1);
	}
}

/*
 * A row written past the table's CHECKs: every way of reading it (by
 * id, as the row a retry repeats, among those in flight) stops with
 * the row and the column named, never with a guess at its state.
 */
static void
test_damaged_rows(void **state)
{
	static const struct {
		const char	*set;
		const char	*why;
	} bad[] = {
		{ "state = 'lost'", "(state)" },
		{ "derived = 2", "(derived)" },
		{ "client_addr = printf('%.64c', '1')", "(client_addr)" },
		{ "client_order_id = ''", "(client_order_id)" },
	};
	struct journal_order	 o, r;
	struct seen		 f;
	char			 q[256], want[64];
	size_t			 i;

	assert_int_equal(begin(1, "c1", "BUY", 10, &o), JOURNAL_NEW);
	snprintf(want, sizeof(want), "orders row %lld is malformed",
	    (long long)o.id);
	sql("PRAGMA ignore_check_constraints = ON");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(q, sizeof(q), "UPDATE orders SET %s WHERE id = %lld",
		    bad[i].set, (long long)o.id);
		sql(q);
		assert_int_equal(journal_get(j, o.id, &r), -1);
		expect_err(want);
		expect_err(bad[i].why);
		/* A retry finds the row by its client_order_id. */
		if (i < 3) {
			assert_int_equal(begin(1, "c1", "BUY", 11, NULL),
			    JOURNAL_ERROR);
			expect_err(bad[i].why);
		}
		/* Still pending (all but the first): start-up reads it too. */
		memset(&f, 0, sizeof(f));
		if (i > 0) {
			assert_int_equal(journal_in_flight(j, collect, &f), -1);
			expect_err(want);
		}
		snprintf(q, sizeof(q), "UPDATE orders SET state = 'pending', "
		    "derived = 0, client_addr = '192.0.2.7', client_order_id "
		    "= 'c1' WHERE id = %lld",
		    (long long)o.id);
		sql(q);
		assert_int_equal(journal_get(j, o.id, &r), 1);
		journal_order_clear(&r);
	}
	sql("PRAGMA ignore_check_constraints = OFF");
	journal_order_clear(&o);
}

/*
 * SQLite refusing writes (the file went read-only): each write fails
 * naming the order and SQLite's reason, nothing changes, reads still
 * work, and the same calls succeed once writing is possible again.
 */
static void
test_write_faults(void **state)
{
	struct journal_order	 o, r;
	char			 want[64];

	assert_int_equal(begin(1, "c1", "BUY", 10, &o), JOURNAL_NEW);
	sql("PRAGMA query_only = ON");
	assert_int_equal(begin(1, "c2", "SELL", 10, NULL), JOURNAL_ERROR);
	expect_err("readonly database");
	assert_int_equal(journal_mark_sent(j, o.id, 11), JOURNAL_ERROR);
	snprintf(want, sizeof(want), "mark order %lld sent", (long long)o.id);
	expect_err(want);
	expect_err("readonly database");
	assert_int_equal(journal_finish(j, o.id, JOURNAL_DONE, "ok", 2, 12),
	    JOURNAL_ERROR);
	snprintf(want, sizeof(want), "finish order %lld as done",
	    (long long)o.id);
	expect_err(want);
	assert_int_equal(journal_prune(j, 100), JOURNAL_ERROR);
	expect_err("prune orders finished before 100");
	/* Nothing was written; the row reads as it was. */
	assert_int_equal(journal_get(j, o.id, &r), 1);
	assert_int_equal(r.state, JOURNAL_PENDING);
	journal_order_clear(&r);
	assert_int_equal(rows(), 1);

	sql("PRAGMA query_only = OFF");
	assert_int_equal(journal_mark_sent(j, o.id, 11), 0);
	assert_int_equal(journal_finish(j, o.id, JOURNAL_DONE, "ok", 2, 12),
	    0);
	assert_int_equal(begin(1, "c2", "SELL", 13, NULL), JOURNAL_NEW);
	assert_int_equal(rows(), 2);
	/* A result and its length must agree. */
	assert_int_equal(journal_finish(j, o.id + 1, JOURNAL_DONE, NULL, 2,
	    14), JOURNAL_REFUSED);
	expect_err("result pointer and length disagree");
	journal_order_clear(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_explicit_ids),
		T(test_derived_ids),
		T(test_restart),
		T(test_release),
		T(test_in_flight),
		T(test_finish),
		T(test_prune_and_schema),
		T(test_batch_one_transaction),
		T(test_batch_rolls_back),
		T(test_misuse),
		T(test_damaged_rows),
		T(test_write_faults),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
