/*
 * The database layer on its own: the file it creates, migrations that
 * run once, the schema's constraints, the statements auth.c relies on,
 * and the refusal of a file that is not a database.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
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
#include "log.h"

static char	 dir[64];
static char	 path[128];
static char	 err[512];
static char	 logbuf[16384];

static void
capture(int pri, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-db-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	logbuf[0] = '\0';
	log_init("test", 1, LOG_DEBUG);
	log_set_forward(capture);
	if (db_open(path, err, sizeof(err)) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	db_close();
	log_set_forward(NULL);
	db_test_rm(path);
	rmdir(dir);
	return 0;
}

static void
expect_err(const char *needle)
{
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void
sample(struct db_key *k, int i)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "key%d", i);
	strlcpy(k->role, "viewer", sizeof(k->role));
	memset(k->hash, i, sizeof(k->hash));
	k->created = 1000 + i;
	k->expires = 5000 + i;
}

static void
test_files_and_migrations(void **state)
{
	struct stat	 sb;
	char		 p[160];
	const char	*sfx[] = { "", "-wal", "-shm" };
	size_t		 i;

	/* The database and its companions: root's, 0600. */
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		assert_int_equal(stat(p, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0600);
		assert_int_equal(sb.st_uid, 0);
	}
	assert_non_null(strstr(logbuf, "created"));
	assert_non_null(strstr(logbuf, "schema migrated from version 0 to"));
	assert_int_equal(db_schema_version(), db_schema_latest());
	assert_true(db_is_open());
	assert_non_null(db_handle());
	/* One database at a time. */
	assert_int_equal(db_open(path, err, sizeof(err)), -1);
	expect_err("already open");
	/* Again: nothing to migrate. */
	db_close();
	assert_false(db_is_open());
	logbuf[0] = '\0';
	assert_int_equal(db_open(path, err, sizeof(err)), 0);
	assert_null(strstr(logbuf, "migrated"));
	assert_null(strstr(logbuf, "created"));
	assert_int_equal(db_schema_version(), db_schema_latest());
}

struct ids {
	int64_t	 id[16];
	int	 n;
};

static int
ids_cb(const struct db_key *k, void *arg)
{
	struct ids	*ids = arg;

	if (ids->n < 16)
		ids->id[ids->n++] = k->id;
	return 0;
}

static void
test_keys(void **state)
{
	struct db_key	 k, got;
	struct ids	 ids;
	uint32_t	 n;
	int		 i;

	for (i = 1; i <= 5; i++) {
		sample(&k, i);
		if (i == 3) {
			k.has_fp = 1;
			memset(k.fp, 0xee, sizeof(k.fp));
		}
		assert_int_equal(db_key_insert(&k), 0);
		assert_int_equal(k.id, i);
	}
	assert_int_equal(db_keys_count(&n), 0);
	assert_int_equal(n, 5);
	/* The newest three, oldest first. */
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(db_keys_recent(3, ids_cb, &ids), 0);
	assert_int_equal(ids.n, 3);
	assert_int_equal(ids.id[0], 3);
	assert_int_equal(ids.id[2], 5);

	sample(&k, 3);
	assert_int_equal(db_key_by_hash(k.hash, &got), 1);
	assert_int_equal(got.id, 3);
	assert_string_equal(got.name, "key3");
	assert_int_equal(got.has_fp, 1);
	assert_int_equal(got.fp[31], 0xee);
	assert_int_equal(got.last_used, 0);
	memset(k.hash, 0x77, sizeof(k.hash));
	assert_int_equal(db_key_by_hash(k.hash, &got), 0);
	assert_int_equal(db_key_by_id(99, &got), 0);

	/* Active: not revoked and not expired at `now'. */
	assert_int_equal(db_key_revoke(2, 1500), 1);
	assert_int_equal(db_key_revoke(2, 1600), 0);	/* already */
	assert_int_equal(db_key_set_expiry(4, 2000, 5), 0);
	assert_int_equal(db_key_touch(1, 1234), 0);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(db_keys_active(2000, ids_cb, &ids), 0);
	assert_int_equal(ids.n, 3);
	assert_int_equal(ids.id[0], 1);
	assert_int_equal(ids.id[1], 3);
	assert_int_equal(ids.id[2], 5);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(db_keys_active_named("key4", 1999, ids_cb, &ids), 0);
	assert_int_equal(ids.n, 1);
	assert_int_equal(db_key_by_id(4, &got), 1);
	assert_int_equal(got.replaced_by, 5);
	assert_int_equal(db_key_by_id(2, &got), 1);
	assert_int_equal(got.revoked, 1500);
	assert_int_equal(db_key_by_id(1, &got), 1);
	assert_int_equal(got.last_used, 1234);

	/* The schema holds its own rules. */
	sample(&k, 1);
	assert_int_equal(db_key_insert(&k), -1);	/* hash is UNIQUE */
	sample(&k, 9);
	strlcpy(k.role, "root", sizeof(k.role));
	assert_int_equal(db_key_insert(&k), -1);
	sample(&k, 9);
	k.name[0] = '\0';
	assert_int_equal(db_key_insert(&k), -1);
	/* replaced_by must name a key. */
	assert_int_equal(db_key_set_expiry(1, 2000, 999), -1);
	/* A transaction rolls back as a whole. */
	assert_int_equal(db_begin(), 0);
	sample(&k, 10);
	assert_int_equal(db_key_insert(&k), 0);
	db_rollback();
	assert_int_equal(db_keys_count(&n), 0);
	assert_int_equal(n, 5);
}

struct bans {
	struct db_ban	 b[8];
	int		 n;
};

static int
bans_cb(const struct db_ban *b, void *arg)
{
	struct bans	*bs = arg;

	if (bs->n < 8)
		bs->b[bs->n++] = *b;
	return 0;
}

static void
test_bans(void **state)
{
	struct db_ban	 b;
	struct bans	 bs;

	memset(&b, 0, sizeof(b));
	strlcpy(b.address, "192.0.2.1", sizeof(b.address));
	b.until = 100;
	b.strikes = 1;
	b.last = 50;
	assert_int_equal(db_ban_put(&b), 0);
	/* The same address again: one row, updated. */
	b.until = 300;
	b.strikes = 2;
	assert_int_equal(db_ban_put(&b), 0);
	strlcpy(b.address, "2001:db8::1", sizeof(b.address));
	b.until = 150;
	b.strikes = 1;
	assert_int_equal(db_ban_put(&b), 0);
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(db_bans_all(bans_cb, &bs), 0);
	assert_int_equal(bs.n, 2);
	assert_string_equal(bs.b[0].address, "192.0.2.1");
	assert_int_equal(bs.b[0].until, 300);
	assert_int_equal(bs.b[0].strikes, 2);
	/* Strikes start at 1. */
	b.strikes = 0;
	assert_int_equal(db_ban_put(&b), -1);
	/* Ended before 200: gone. */
	assert_int_equal(db_bans_prune(200), 1);
	assert_int_equal(db_ban_del("2001:db8::1"), 0);
	assert_int_equal(db_ban_del("192.0.2.1"), 1);
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(db_bans_all(bans_cb, &bs), 0);
	assert_int_equal(bs.n, 0);
}

static void
test_not_a_database(void **state)
{
	int	 fd;

	db_close();
	db_test_rm(path);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "this is not SQLite, not at all; just "
	    "text long enough to be a header......................"
	    "...........................................", 128), 128);
	close(fd);
	assert_int_equal(db_open(path, err, sizeof(err)), -1);
	if (strstr(err, path) == NULL)
		fail_msg("error \"%s\" does not name %s", err, path);
	expect_err("not a database");
	assert_false(db_is_open());
	/* The statements fail cleanly while nothing is open. */
	assert_int_equal(db_ban_del("192.0.2.1"), -1);
	db_test_rm(path);
	assert_int_equal(db_open(path, err, sizeof(err)), 0);
}

/*
 * A schema_version this heraldd cannot trust: more than one row, or a
 * version from a newer release.  Either way the database is left as it
 * is (no migration "down"), and the error says why.
 */
static void
test_schema_version_refused(void **state)
{
	sql("INSERT INTO schema_version VALUES (1)");
	db_close();
	assert_int_equal(db_open(path, err, sizeof(err)), -1);
	expect_err("schema_version is damaged (2 rows");
	assert_false(db_is_open());
	/* Put right by hand: opens again. */
	{
		sqlite3	*h;

		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "DELETE FROM schema_version "
		    "WHERE rowid > 1; UPDATE schema_version SET version = 99",
		    NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	assert_int_equal(db_open(path, err, sizeof(err)), -1);
	expect_err("schema version 99 is newer than this heraldd knows");
	expect_err("refusing to touch it");
	{
		sqlite3		*h;
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT version FROM "
		    "schema_version", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 99);
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
	assert_int_equal(db_open("relative/herald.db", err, sizeof(err)), -1);
	expect_err("not an absolute path");
}

/*
 * Rows written past the CHECKs: a key row that breaks the schema is
 * never taken for a key (lookups fail, naming the row in the log); a
 * bans row that does is skipped and the others still load.
 */
static void
test_damaged_rows(void **state)
{
	struct db_key	 k, got;
	struct ids	 ids;
	struct bans	 bs;
	struct db_ban	 b;

	sample(&k, 1);
	assert_int_equal(db_key_insert(&k), 0);
	sql("PRAGMA ignore_check_constraints = ON");
	sql("UPDATE api_keys SET hash = zeroblob(31) WHERE id = 1");
	logbuf[0] = '\0';
	assert_int_equal(db_key_by_id(1, &got), -1);
	assert_non_null(strstr(logbuf, "api_keys row id 1 is malformed"));
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(db_keys_active(0, ids_cb, &ids), -1);
	assert_int_equal(ids.n, 0);
	sql("UPDATE api_keys SET hash = zeroblob(32), fingerprint = x'01' "
	    "WHERE id = 1");
	assert_int_equal(db_key_by_id(1, &got), -1);
	sql("UPDATE api_keys SET fingerprint = NULL, name = '' WHERE id = 1");
	assert_int_equal(db_key_by_id(1, &got), -1);
	sql("UPDATE api_keys SET name = 'key1' WHERE id = 1");
	assert_int_equal(db_key_by_id(1, &got), 1);

	memset(&b, 0, sizeof(b));
	strlcpy(b.address, "192.0.2.1", sizeof(b.address));
	b.until = 100;
	b.strikes = 1;
	assert_int_equal(db_ban_put(&b), 0);
	sql("INSERT INTO bans VALUES ('192.0.2.2', 100, 0, 1)");
	sql("INSERT INTO bans VALUES ('', 100, 1, 1)");
	logbuf[0] = '\0';
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(db_bans_all(bans_cb, &bs), 0);
	assert_int_equal(bs.n, 1);
	assert_string_equal(bs.b[0].address, "192.0.2.1");
	assert_non_null(strstr(logbuf, "a bans row is malformed; skipped"));
	sql("PRAGMA ignore_check_constraints = OFF");
}

/*
 * In a storage fault (db_set_fault) nothing waits on the database's
 * lock: a new ban is refused with a log line, a lifted one is lifted in
 * memory only, and a key's last use is not written.
 */
static void
test_fault_writes_nothing(void **state)
{
	struct db_key	 k, got;
	struct db_ban	 b;
	struct bans	 bs;

	sample(&k, 1);
	assert_int_equal(db_key_insert(&k), 0);
	memset(&b, 0, sizeof(b));
	strlcpy(b.address, "192.0.2.1", sizeof(b.address));
	b.until = 100;
	b.strikes = 1;
	assert_int_equal(db_ban_put(&b), 0);

	db_set_fault(1);
	assert_true(db_fault());
	logbuf[0] = '\0';
	strlcpy(b.address, "192.0.2.9", sizeof(b.address));
	assert_int_equal(db_ban_put(&b), -1);
	assert_non_null(strstr(logbuf, "ban on 192.0.2.9 not recorded: the "
	    "database cannot be written"));
	assert_int_equal(db_ban_del("192.0.2.1"), 0);
	assert_non_null(strstr(logbuf, "lifting the ban on 192.0.2.1 in "
	    "memory only"));
	assert_int_equal(db_key_touch(1, 4242), 0);
	db_set_fault(0);
	assert_false(db_fault());

	/* The database holds what it held before the fault. */
	memset(&bs, 0, sizeof(bs));
	assert_int_equal(db_bans_all(bans_cb, &bs), 0);
	assert_int_equal(bs.n, 1);
	assert_string_equal(bs.b[0].address, "192.0.2.1");
	assert_int_equal(db_key_by_id(1, &got), 1);
	assert_int_equal(got.last_used, 0);
}

/*
 * db_cached(): one prepared statement per SQL string, handed back reset
 * and unbound, none left once the database is closed (an unfinalized
 * one would keep sqlite3_close() from closing it), prepared anew after
 * a reopen.
 */
static void
test_cached(void **state)
{
	static const char	*sql = "SELECT ?1 + 1";
	static const char	*bad = "SELECT FROM nowhere";
	sqlite3_stmt		*st, *again;

	assert_non_null(st = db_cached(sql));
	assert_int_equal(sqlite3_bind_int(st, 1, 41), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 42);
	/* Left mid-read on purpose: the next call resets it. */
	assert_ptr_equal(again = db_cached(sql), st);
	assert_int_equal(sqlite3_step(again), SQLITE_ROW);
	/* Unbound: NULL + 1 is NULL. */
	assert_int_equal(sqlite3_column_type(again, 0), SQLITE_NULL);
	sqlite3_reset(again);
	assert_null(db_cached(bad));

	logbuf[0] = '\0';
	db_close();
	if (strstr(logbuf, "close") != NULL)
		fail_msg("db_close: %s", logbuf);
	assert_null(db_cached(sql));		/* shut */
	assert_int_equal(db_open(path, err, sizeof(err)), 0);
	assert_non_null(st = db_cached(sql));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sqlite3_reset(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_files_and_migrations),
		T(test_keys),
		T(test_bans),
		T(test_not_a_database),
		T(test_schema_version_refused),
		T(test_damaged_rows),
		T(test_fault_writes_nothing),
		T(test_cached),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
