/*
 * The broker's state store on a real SQLite file: records put, replaced
 * and deleted, their load order and limits, the profit sum, the
 * lockdown switch across a restart, writes joining the journal's batch,
 * the table's own checks, and migration 3 on a database at version 2.
 */
#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "db.h"
#include "db_test.h"
#include "journal.h"
#include "log.h"
#include "store.h"

/* The caller's numbering, as the paper engine's would be. */
#define T_ACCOUNT	1
#define T_POSITION	3
#define T_DEAL		5
#define T_COMMAND	6

static char		 dir[64];
static char		 path[128];
static char		 err[512];
static char		 logbuf[8192];
static struct store	*s;
static int		 commits;

static void
capture(int pri, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

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
	if ((s = store_open(db_handle(), err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	sqlite3_commit_hook(db_handle(), count_commit, NULL);
	commits = 0;
}

static void
close_all(void)
{
	store_close(s);
	s = NULL;
	db_close();
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-store-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	logbuf[0] = '\0';
	log_init("test", 1, LOG_INFO);
	log_set_forward(capture);
	open_all();
	return 0;
}

static int
teardown(void **state)
{
	char	 p[160];

	close_all();
	log_set_forward(NULL);
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
	if (strstr(store_error(s), needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", store_error(s), needle);
}

/* What a load gave: "type:key=body" lines. */
struct seen {
	char	 text[4096];
	int	 n;
	int	 stop_at;	/* return 7 at this call (1-based), 0 never */
};

static int
collect(uint8_t type, const char *key, const void *body, size_t len,
    void *arg)
{
	struct seen	*w = arg;
	char		 line[256];

	assert_non_null(body);
	snprintf(line, sizeof(line), "%u:%s=%.*s\n", (unsigned int)type, key,
	    (int)len, (const char *)body);
	strlcat(w->text, line, sizeof(w->text));
	if (++w->n == w->stop_at)
		return 7;
	return 0;
}

static int
load(size_t max_deals, size_t max_commands, struct seen *w)
{
	memset(w, 0, sizeof(*w));
	return store_load(s, T_DEAL, max_deals, T_COMMAND, max_commands,
	    collect, w);
}

static int
put(uint8_t type, const char *key, int64_t t, double profit,
    const char *body)
{
	return store_put(s, type, key, t, profit, body, strlen(body));
}

static void
test_round_trip(void **state)
{
	struct seen	 w;

	assert_true(db_schema_latest() >= 3);
	assert_int_equal(db_schema_version(), db_schema_latest());
	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 0);

	assert_int_equal(put(T_POSITION, "20", 100, 0, "pos20"), 0);
	assert_int_equal(put(T_ACCOUNT, "", 100, 0, "acct1"), 0);
	assert_int_equal(put(T_POSITION, "9", 101, 0, "pos9"), 0);
	assert_int_equal(put(T_POSITION, "30", 102, 0, "pos30"), 0);
	assert_int_equal(load(0, 0, &w), 0);
	/* By type, then in the order keys were first stored. */
	assert_string_equal(w.text, "1:=acct1\n3:20=pos20\n3:9=pos9\n"
	    "3:30=pos30\n");

	/* A replacement keeps its place; a delete removes. */
	assert_int_equal(put(T_POSITION, "20", 200, 0, "pos20b"), 0);
	assert_int_equal(put(T_ACCOUNT, "", 200, 0, "acct2"), 0);
	assert_int_equal(store_del(s, T_POSITION, "9"), 0);
	assert_int_equal(store_del(s, T_POSITION, "9"), 0);	/* gone: fine */
	assert_int_equal(store_del(s, T_DEAL, "20"), 0);	/* other type */
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "1:=acct2\n3:20=pos20b\n3:30=pos30\n");

	/* An empty body is a body; bytes come back exactly. */
	assert_int_equal(store_put(s, 9, "e", 1, 0, NULL, 0), 0);
	assert_int_equal(store_put(s, 10, "bin", 1, 0, "a\0b", 3), 0);
	assert_int_equal(load(0, 0, &w), 0);
	assert_non_null(strstr(w.text, "9:e=\n"));
	{
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_prepare_v2(db_handle(), "SELECT "
		    "typeof(body), length(body) FROM broker_state WHERE "
		    "type = 10", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    "blob");
		assert_int_equal(sqlite3_column_int(st, 1), 3);
		sqlite3_finalize(st);
	}

	/* Every write was its own transaction (9 changed a row). */
	assert_true(commits >= 9);
	/* And survives a restart. */
	close_all();
	open_all();
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "1:=acct2\n3:20=pos20b\n3:30=pos30\n"
	    "9:e=\n10:bin=a\n");
	/* A callback stops the load and its value comes back. */
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(store_load(s, T_DEAL, 0, T_COMMAND, 0, collect, &w),
	    7);
	assert_int_equal(w.n, 2);
	/* The statement was reset: the next load starts again. */
	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 5);
}

static void
test_load_limits(void **state)
{
	struct seen	 w;
	char		 key[16], body[16];
	int		 i;

	/* Deals: keys by ticket, two at the same time (9 < 10 as numbers). */
	assert_int_equal(put(T_DEAL, "3", 3000, 0, "d3"), 0);
	assert_int_equal(put(T_DEAL, "10", 5000, 0, "d10"), 0);
	assert_int_equal(put(T_DEAL, "1", 1000, 0, "d1"), 0);
	assert_int_equal(put(T_DEAL, "9", 5000, 0, "d9"), 0);
	assert_int_equal(put(T_DEAL, "4", 4000, 0, "d4"), 0);
	for (i = 1; i <= 5; i++) {
		snprintf(key, sizeof(key), "%d", i);
		snprintf(body, sizeof(body), "c%d", i);
		assert_int_equal(put(T_COMMAND, key, 100 * i, 0, body), 0);
	}
	assert_int_equal(put(T_POSITION, "7", 1, 0, "p7"), 0);
	assert_int_equal(put(T_ACCOUNT, "", 1, 0, "a"), 0);

	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 12);

	/* The newest two deals: 10 (5000, the greater key) and 9. */
	assert_int_equal(load(2, 0, &w), 0);
	assert_string_equal(w.text, "1:=a\n3:7=p7\n5:10=d10\n5:9=d9\n"
	    "6:1=c1\n6:2=c2\n6:3=c3\n6:4=c4\n6:5=c5\n");
	/* Three deals, still in stored order; the newest two commands. */
	assert_int_equal(load(3, 2, &w), 0);
	assert_string_equal(w.text, "1:=a\n3:7=p7\n5:10=d10\n5:9=d9\n"
	    "5:4=d4\n6:4=c4\n6:5=c5\n");
	/* A limit above the count gives them all. */
	assert_int_equal(load(100, 1, &w), 0);
	assert_int_equal(w.n, 5 + 1 + 2);
	assert_non_null(strstr(w.text, "6:5=c5\n"));
	assert_int_equal(load(SIZE_MAX, SIZE_MAX, &w), 0);
	assert_int_equal(w.n, 12);
	/* A replaced deal is as new as its new time. */
	assert_int_equal(put(T_DEAL, "1", 9000, 0, "d1b"), 0);
	assert_int_equal(load(1, 1, &w), 0);
	assert_string_equal(w.text, "1:=a\n3:7=p7\n5:1=d1b\n6:5=c5\n");

	/*
	 * Pruning: deals older than a time, commands beyond the newest n,
	 * counted the way store_load() counts them; other types untouched.
	 */
	assert_int_equal(store_prune_before(s, T_DEAL, 4000), 1);	/* 3 */
	assert_int_equal(store_prune_keep(s, T_COMMAND, 2), 3);
	assert_int_equal(store_prune_keep(s, T_COMMAND, 0), 0);
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "1:=a\n3:7=p7\n5:10=d10\n5:1=d1b\n"
	    "5:9=d9\n5:4=d4\n6:4=c4\n6:5=c5\n");
	assert_int_equal(store_prune_before(s, T_DEAL, 4000), 0);
}

static void
test_profit_since(void **state)
{
	double	 sum = -1;

	assert_int_equal(store_profit_since(s, T_DEAL, 0, &sum), 0);
	assert_true(sum == 0);
	assert_int_equal(put(T_DEAL, "1", 1000, -50.25, "d"), 0);
	assert_int_equal(put(T_DEAL, "2", 2000, 20.5, "d"), 0);
	assert_int_equal(put(T_DEAL, "3", 3000, -100, "d"), 0);
	/* Other types' profit is not a deal's. */
	assert_int_equal(put(T_POSITION, "3", 3000, -999, "p"), 0);
	assert_int_equal(store_profit_since(s, T_DEAL, 0, &sum), 0);
	assert_true(fabs(sum - (-129.75)) < 1e-9);
	/* From since on, inclusive. */
	assert_int_equal(store_profit_since(s, T_DEAL, 2000, &sum), 0);
	assert_true(fabs(sum - (-79.5)) < 1e-9);
	assert_int_equal(store_profit_since(s, T_DEAL, 3001, &sum), 0);
	assert_true(sum == 0);
	/* Replaced: the new profit counts, once. */
	assert_int_equal(put(T_DEAL, "3", 3000, -10, "d"), 0);
	assert_int_equal(store_profit_since(s, T_DEAL, 2000, &sum), 0);
	assert_true(fabs(sum - 10.5) < 1e-9);
	assert_int_equal(store_profit_since(s, T_POSITION, 0, &sum), 0);
	assert_true(sum == -999);
}

/*
 * The monitor's ledger: a deal's first report stands; the sum is of the
 * deals at or after a time; the highest ticket comes back; old deals go.
 */
static void
test_ledger(void **state)
{
	double		 sum = -1;
	uint64_t	 last = 99;

	assert_int_equal(store_ledger_sum(s, 0, &sum, &last), 0);
	assert_true(sum == 0 && last == 0);
	assert_int_equal(store_ledger_put(s, 7, 1000, -50.25), 0);
	assert_int_equal(store_ledger_put(s, 9, 3000, -100), 0);
	assert_int_equal(store_ledger_put(s, 8, 2000, 20.5), 0);
	/* Reported again, with a gain: the first report stands. */
	assert_int_equal(store_ledger_put(s, 9, 3000, 5000), 0);
	assert_int_equal(store_ledger_sum(s, 0, &sum, &last), 0);
	assert_true(fabs(sum - (-129.75)) < 1e-9);
	assert_int_equal(last, 9);
	assert_int_equal(store_ledger_sum(s, 2000, &sum, &last), 0);
	assert_true(fabs(sum - (-79.5)) < 1e-9);
	assert_int_equal(store_ledger_put(s, 0, 1, 1), -1);
	assert_int_equal(store_ledger_put(s, 10, 1, NAN), -1);
	assert_int_equal(store_ledger_prune(s, 2000), 1);
	assert_int_equal(store_ledger_sum(s, 0, &sum, &last), 0);
	assert_true(fabs(sum - (-79.5)) < 1e-9);
}

/*
 * Ticket owners: the first owner stays; a ticket whose order has left
 * the journal and that is no open position or order is forgotten.
 */
static void
test_owners(void **state)
{
	int64_t	 key = 0, order = 0;

	assert_int_equal(store_owner_get(s, 18, &key, &order), 0);
	assert_int_equal(store_owner_put(s, 18, 2, 7), 0);
	assert_int_equal(store_owner_put(s, 18, 3, 8), 0);
	assert_int_equal(store_owner_get(s, 18, &key, &order), 1);
	assert_true(key == 2 && order == 7);
	assert_int_equal(store_owner_put(s, 0, 2, 7), -1);
	assert_int_equal(store_owner_get(s, 0, &key, &order), 0);
	/* An open position keeps its owner; a closed one is forgotten. */
	assert_int_equal(store_owner_put(s, 19, 2, 9), 0);
	assert_int_equal(put(T_POSITION, "18", 1, 0, "p"), 0);
	assert_int_equal(store_owner_prune(s, T_POSITION, 4), 1);
	assert_int_equal(store_owner_get(s, 18, &key, &order), 1);
	assert_int_equal(store_owner_get(s, 19, &key, &order), 0);
}

static void
test_lockdown(void **state)
{
	struct store_lockdown	 l;

	/* Never set: off. */
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 0);
	assert_string_equal(l.who, "");
	assert_int_equal(l.since, 0);

	memset(&l, 0, sizeof(l));
	l.active = 1;
	strlcpy(l.who, "uid 0 (root)", sizeof(l.who));
	l.since = 1700000000123LL;
	assert_int_equal(store_lockdown_set(s, &l), 0);
	/* It outlives a restart. */
	close_all();
	open_all();
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 1);
	assert_string_equal(l.who, "uid 0 (root)");
	assert_int_equal(l.since, 1700000000123LL);

	l.active = 0;
	strlcpy(l.who, "uid 1000 (alice)", sizeof(l.who));
	l.since = 1700000001000LL;
	assert_int_equal(store_lockdown_set(s, &l), 0);
	close_all();
	open_all();
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 0);
	assert_string_equal(l.who, "uid 1000 (alice)");
	assert_int_equal(l.since, 1700000001000LL);

	/* Refused, and nothing changed. */
	l.active = 2;
	assert_int_equal(store_lockdown_set(s, &l), -1);
	expect_err("active is 2");
	l.active = 1;
	memset(l.who, 'x', sizeof(l.who));
	assert_int_equal(store_lockdown_set(s, &l), -1);
	expect_err("who is not a string");
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 0);
	/* One row only, whatever SQL tries. */
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO lockdown "
	    "VALUES (2, 1, 'x', 1)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "UPDATE lockdown SET "
	    "active = 3", NULL, NULL, NULL), SQLITE_OK);
}

static void
test_refusals(void **state)
{
	char	 longkey[STORE_KEY_MAX + 2];
	char	*big;
	struct seen w;

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(put(T_DEAL, longkey, 1, 0, "x"), -1);
	expect_err("longer than 64 bytes");
	assert_int_equal(store_del(s, T_DEAL, longkey), -1);
	expect_err("longer than 64 bytes");
	longkey[STORE_KEY_MAX] = '\0';		/* exactly the maximum */
	assert_int_equal(put(T_DEAL, longkey, 1, 0, "x"), 0);
	assert_int_equal(put(T_DEAL, NULL, 1, 0, "x"), -1);
	expect_err("no key");
	assert_int_equal(store_put(s, T_DEAL, "1", 1, 0, NULL, 4), -1);
	expect_err("no body for 4 bytes");
	assert_int_equal(put(T_DEAL, "1", 1, NAN, "x"), -1);
	expect_err("profit is not a finite number");
	assert_int_equal(put(T_DEAL, "1", 1, INFINITY, "x"), -1);
	assert_non_null(big = calloc(1, STORE_BODY_MAX + 1));
	assert_int_equal(store_put(s, T_DEAL, "1", 1, 0, big,
	    STORE_BODY_MAX + 1), -1);
	expect_err("more than the 65536 allowed");
	assert_int_equal(store_put(s, T_DEAL, "big", 1, 0, big,
	    STORE_BODY_MAX), 0);
	free(big);
	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 2);

	/* The table holds its own rules against other writers. */
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (256, 'a', 1, 0.0, x'00')", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, printf('%.65c', 'k'), 1, 0.0, x'00')",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, 'a', 1.5, 0.0, x'00')", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, 'a', 1, 'lots', x'00')", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, 'a', 1, 0.0, 'text')", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, 'a', 1, 0.0, NULL)", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db_handle(), "INSERT INTO "
	    "broker_state VALUES (1, 'a', 1, 0, x'00')", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 3);

	/* Misuse. */
	assert_null(store_open(NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not open"));
}

/* The monitor's group commit: records and the order's result together. */
static void
test_joins_batch(void **state)
{
	struct journal		*j;
	struct journal_order	 o;
	struct seen		 w;

	assert_non_null(j = journal_open(db_handle(), NULL, err,
	    sizeof(err)));
	commits = 0;
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(journal_begin(j, 1, "192.0.2.1", "c1", "BUY", 3, 10,
	    &o), JOURNAL_NEW);
	assert_int_equal(put(T_POSITION, "1", 10, 0, "p1"), 0);
	assert_int_equal(put(T_DEAL, "1", 10, -5, "d1"), 0);
	assert_int_equal(journal_finish(j, o.id, JOURNAL_DONE, "ok", 2, 11),
	    0);
	journal_order_clear(&o);
	assert_int_equal(commits, 0);
	assert_int_equal(journal_batch_commit(j), 0);
	assert_int_equal(commits, 1);
	assert_int_equal(load(0, 0, &w), 0);
	assert_int_equal(w.n, 2);

	/* A batch rolled back takes the records with it. */
	assert_int_equal(journal_batch_begin(j), 0);
	assert_int_equal(put(T_POSITION, "2", 20, 0, "p2"), 0);
	assert_int_equal(store_del(s, T_POSITION, "1"), 0);
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "3:2=p2\n5:1=d1\n");
	journal_batch_abort(j);
	assert_int_equal(commits, 1);
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "3:1=p1\n5:1=d1\n");
	journal_close(j);
}

/*
 * A database left at version 2 by the previous release: migration 3
 * adds the store's tables, 4 rebuilds orders (db.c) keeping every row
 * and the AUTOINCREMENT high-water mark.
 */
static void
test_migration_from_2(void **state)
{
	struct journal		*j;
	struct journal_order	 o;
	struct store_lockdown	 l;
	struct seen		 w;
	sqlite3			*h;
	sqlite3_stmt		*st;
	char			 want[64];

	assert_non_null(j = journal_open(db_handle(), NULL, err,
	    sizeof(err)));
	assert_int_equal(journal_begin(j, 4, "192.0.2.1", "keep", "SELL", 4,
	    10, &o), JOURNAL_NEW);
	journal_order_clear(&o);
	assert_int_equal(journal_begin(j, 4, "192.0.2.1", "gone", "BUY", 3,
	    10, &o), JOURNAL_NEW);
	assert_int_equal(o.id, 2);
	journal_order_clear(&o);
	journal_close(j);
	close_all();

	/* Take it back to what version 2 wrote. */
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN; DROP TABLE broker_state; "
	    "DROP TABLE lockdown; DELETE FROM orders WHERE id = 2; "
	    "UPDATE schema_version SET version = 2; COMMIT", NULL, NULL,
	    NULL), SQLITE_OK);
	/* The store refuses a schema without its tables, naming it. */
	assert_null(store_open(h, err, sizeof(err)));
	assert_non_null(strstr(err, "no such table: broker_state"));
	assert_non_null(strstr(err, "version 3"));
	sqlite3_close(h);

	logbuf[0] = '\0';
	open_all();
	snprintf(want, sizeof(want), "migrated from version 2 to %d",
	    db_schema_latest());
	assert_non_null(strstr(logbuf, want));
	assert_int_equal(db_schema_version(), db_schema_latest());
	/* Rebuilt, orders still remembers the highest id ever given. */
	assert_int_equal(sqlite3_prepare_v2(db_handle(), "SELECT seq FROM "
	    "sqlite_sequence WHERE name = 'orders'", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	sqlite3_finalize(st);
	/* The journal's rows are untouched; the new tables work. */
	assert_non_null(j = journal_open(db_handle(), NULL, err,
	    sizeof(err)));
	assert_int_equal(journal_begin(j, 4, "192.0.2.1", "keep", "SELL", 4,
	    20, &o), JOURNAL_DUPLICATE);
	journal_order_clear(&o);
	/*
	 * Id 2 was used and deleted: it is never given again.  (A repeat
	 * may use up an id too: the INSERT that finds it allocates one.)
	 */
	assert_int_equal(journal_begin(j, 4, "192.0.2.1", "new", "BUY", 3,
	    20, &o), JOURNAL_NEW);
	assert_true(o.id > 2);
	journal_order_clear(&o);
	journal_close(j);
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 0);
	assert_int_equal(put(T_DEAL, "1", 1, -1, "d1"), 0);
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "5:1=d1\n");
	assert_int_equal(sqlite3_prepare_v2(db_handle(), "SELECT version "
	    "FROM schema_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), db_schema_latest());
	sqlite3_finalize(st);

	/* And again: nothing to migrate, nothing lost. */
	close_all();
	logbuf[0] = '\0';
	open_all();
	assert_null(strstr(logbuf, "migrated"));
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "5:1=d1\n");
}

/* How many indexes of that name the schema holds: 0 or 1. */
static int
index_count(sqlite3 *h, const char *name)
{
	sqlite3_stmt	*st;
	int		 n;

	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM "
	    "sqlite_master WHERE type = 'index' AND name = ?1", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * A database of version 7, with the two indexes no statement read:
 * migration 8 drops them, and the owners and the ledger they indexed
 * keep every row and still work (the prune by time, now a scan).
 */
static void
test_migration_from_7(void **state)
{
	int64_t		 key = 0, order = 0;
	double		 sum = -1;
	uint64_t	 last = 0;
	sqlite3		*h;

	assert_int_equal(store_owner_put(s, 18, 2, 7), 0);
	assert_int_equal(store_ledger_put(s, 7, 1000, -50.25), 0);
	assert_int_equal(store_ledger_put(s, 8, 2000, 20.5), 0);
	close_all();
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN; "
	    "CREATE INDEX tickets_order ON tickets (order_id); "
	    "CREATE INDEX ledger_time ON ledger (time); "
	    "UPDATE schema_version SET version = 7; COMMIT", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);

	logbuf[0] = '\0';
	open_all();
	assert_non_null(strstr(logbuf, "migrated from version 7"));
	assert_int_equal(index_count(db_handle(), "tickets_order"), 0);
	assert_int_equal(index_count(db_handle(), "ledger_time"), 0);
	assert_int_equal(index_count(db_handle(), "broker_state_time"), 1);
	assert_int_equal(store_owner_get(s, 18, &key, &order), 1);
	assert_true(key == 2 && order == 7);
	assert_int_equal(store_ledger_sum(s, 0, &sum, &last), 0);
	assert_true(fabs(sum - (-29.75)) < 1e-9 && last == 8);
	assert_int_equal(store_ledger_prune(s, 2000), 1);
	assert_int_equal(store_ledger_sum(s, 0, &sum, &last), 0);
	assert_true(fabs(sum - 20.5) < 1e-9);
}

/*
 * A put of a record whose time is unchanged replaces it in place and
 * leaves broker_state_time alone; a new time moves it there, and the
 * deal reads by time follow.
 */
static void
test_put_same_time(void **state)
{
	double	 sum = 0;

	assert_int_equal(put(T_DEAL, "1", 1000, -5, "d1"), 0);
	assert_int_equal(put(T_DEAL, "1", 1000, -7, "d1b"), 0);
	assert_int_equal(store_profit_since(s, T_DEAL, 1000, &sum), 0);
	assert_true(fabs(sum - (-7)) < 1e-9);
	assert_int_equal(put(T_DEAL, "1", 500, -9, "d1c"), 0);
	assert_int_equal(store_profit_since(s, T_DEAL, 1000, &sum), 0);
	assert_true(sum == 0);
	assert_int_equal(store_profit_since(s, T_DEAL, 500, &sum), 0);
	assert_true(fabs(sum - (-9)) < 1e-9);
}

/*
 * Rows written past the table's CHECKs (by a tool that ignores them, or
 * a file from elsewhere): the load stops at the first and names it, and
 * the broker is never handed a record its decoder would have to trust.
 */
static void
test_damaged_rows(void **state)
{
	static const struct {
		const char	*row;
		const char	*err;
	} bad[] = {
		{ "(300, 'a', 1, 0.0, x'00')",
		    "a row of type 300, which is not 0..255" },
		{ "(-1, 'a', 1, 0.0, x'00')",
		    "a row of type -1, which is not 0..255" },
		{ "(3.5, 'a', 1, 0.0, x'00')", "which is not 0..255" },
		{ "(3, printf('%.65c', 'k'), 1, 0.0, x'00')",
		    "a row of type 3 whose key is malformed" },
		{ "(3, 'a' || char(0) || 'b', 1, 0.0, x'00')",
		    "a row of type 3 whose key is malformed" },
		{ "(3, 'a', 1, 0.0, zeroblob(65537))",
		    "row (type 3, key \"a\") has a malformed body" },
	};
	struct store_lockdown	 l;
	struct seen		 w;
	char			 q[256];
	size_t			 i;

	assert_int_equal(put(T_POSITION, "good", 1, 0, "p"), 0);
	sql("PRAGMA ignore_check_constraints = ON");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(q, sizeof(q), "INSERT INTO broker_state VALUES %s",
		    bad[i].row);
		sql(q);
		if (load(0, 0, &w) != -1)
			fail_msg("loaded %s: %s", bad[i].row, w.text);
		expect_err(bad[i].err);
		sql("DELETE FROM broker_state WHERE key <> 'good'");
		assert_int_equal(load(0, 0, &w), 0);
		assert_string_equal(w.text, "3:good=p\n");
	}
	/* The lockdown switch: neither on nor off is not "off". */
	sql("INSERT INTO lockdown VALUES (1, 2, 'x', 1)");
	assert_int_equal(store_lockdown_get(s, &l), -1);
	expect_err("the lockdown row is malformed");
	sql("UPDATE lockdown SET active = 1, who = x'00'");
	assert_int_equal(store_lockdown_get(s, &l), -1);
	expect_err("the lockdown row is malformed");
	sql("PRAGMA ignore_check_constraints = OFF");
}

/*
 * SQLite refusing every write (the file went read-only): each call
 * fails with what it was doing and SQLite's reason, its statement is
 * reset, and the same calls work once writing is possible again.
 */
static void
test_write_faults(void **state)
{
	struct store_lockdown	 l;
	struct seen		 w;

	assert_int_equal(put(T_DEAL, "1", 1, 2.5, "d1"), 0);
	sql("PRAGMA query_only = ON");
	assert_int_equal(put(T_DEAL, "2", 2, 1, "d2"), -1);
	expect_err("store: put record (type 5, key \"2\"): attempt to "
	    "write a readonly database");
	assert_int_equal(store_del(s, T_DEAL, "1"), -1);
	expect_err("store: delete record (type 5, key \"1\")");
	assert_int_equal(store_prune_before(s, T_DEAL, 10), -1);
	expect_err("store: prune records of type 5");
	assert_int_equal(store_prune_keep(s, T_DEAL, 1), -1);
	expect_err("store: prune records of type 5");
	memset(&l, 0, sizeof(l));
	l.active = 1;
	strlcpy(l.who, "uid 0 (root)", sizeof(l.who));
	assert_int_equal(store_lockdown_set(s, &l), -1);
	expect_err("store: turn lockdown on");
	/* Reading still works, and saw nothing of the refused writes. */
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "5:1=d1\n");
	assert_int_equal(store_lockdown_get(s, &l), 0);
	assert_int_equal(l.active, 0);

	sql("PRAGMA query_only = OFF");
	assert_int_equal(put(T_DEAL, "2", 2, 1, "d2"), 0);
	assert_int_equal(store_del(s, T_DEAL, "1"), 0);
	assert_int_equal(load(0, 0, &w), 0);
	assert_string_equal(w.text, "5:2=d2\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_round_trip),
		T(test_load_limits),
		T(test_profit_since),
		T(test_ledger),
		T(test_owners),
		T(test_lockdown),
		T(test_refusals),
		T(test_joins_batch),
		T(test_migration_from_2),
		T(test_migration_from_7),
		T(test_put_same_time),
		T(test_damaged_rows),
		T(test_write_faults),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
