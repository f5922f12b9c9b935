/*
 * walbuf.c: the monitor's database opened through the VFS that gathers
 * a commit's WAL writes.  A commit reaches the WAL file in one write,
 * before its sync, and is in the file (and visible to another
 * connection on SQLite's own VFS) when the commit returns; a transaction bigger than the
 * buffer, one rolled back and a checkpoint leave the same rows an
 * unbuffered database would.
 */
#include <sys/stat.h>
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

#include <sqlite3.h>

#include "db.h"
#include "db_test.h"
#include "log.h"
#include "walbuf.h"

static char	 dir[64];
static char	 path[128];
static char	 err[512];
static sqlite3	*other;		/* SQLite's own VFS, as another process */

/*
 * A spy under walbuf's VFS (registered as the default before it): what
 * reaches a WAL file, in order, W for a write and S for a sync.
 */
static sqlite3_vfs		 spy_vfs, *spy_real;
static sqlite3_io_methods	 spy_methods;
static const sqlite3_io_methods	*spy_orig;
static char			 spy_log[4096];

static void
spy_note(const char *what)
{
	size_t	 n = strlen(spy_log);

	/* Writes that follow one another are one W. */
	if (*what == 'W' && n > 0 && spy_log[n - 1] == 'W')
		return;
	strlcat(spy_log, what, sizeof(spy_log));
}

static int
spy_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	spy_note("W");
	return spy_orig->xWrite(f, buf, amt, off);
}

static int
spy_sync(sqlite3_file *f, int flags)
{
	spy_note("S");
	return spy_orig->xSync(f, flags);
}

static int
spy_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	int	 rc;

	rc = spy_real->xOpen(spy_real, name, f, flags, out);
	if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0 &&
	    f->pMethods != NULL) {
		spy_orig = f->pMethods;
		spy_methods = *f->pMethods;
		spy_methods.xWrite = spy_write;
		spy_methods.xSync = spy_sync;
		f->pMethods = &spy_methods;
	}
	return rc;
}

static int
spy_register(void)
{
	if (spy_real != NULL)
		return SQLITE_OK;
	if ((spy_real = sqlite3_vfs_find(NULL)) == NULL)
		return SQLITE_ERROR;
	spy_vfs = *spy_real;
	spy_vfs.zName = "herald-test-spy";
	spy_vfs.xOpen = spy_open;
	spy_vfs.pNext = NULL;
	return sqlite3_vfs_register(&spy_vfs, 1);
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-walbuf-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	log_init("test", 1, LOG_WARNING);
	if (spy_register() != SQLITE_OK || walbuf_register() != SQLITE_OK ||
	    walbuf_vfs() == NULL)
		return -1;
	if (db_open(path, err, sizeof(err)) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
	if (sqlite3_open_v2(path, &other, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	sqlite3_close(other);
	other = NULL;
	db_close();
	db_test_rm(path);
	rmdir(dir);
	return 0;
}

/* n rows of size bytes each, ids from first. */
static void
insert(int first, int n, int size)
{
	sqlite3_stmt	*st;
	void		*blob;
	int		 i;

	assert_non_null(blob = calloc(1, (size_t)size));
	assert_int_equal(sqlite3_prepare_v2(db_handle(),
	    "INSERT INTO t (id, v) VALUES (?1, ?2)", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < n; i++) {
		memset(blob, (first + i) & 0xff, (size_t)size);
		sqlite3_bind_int(st, 1, first + i);
		sqlite3_bind_blob(st, 2, blob, size, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("insert %d: %s", first + i,
			    sqlite3_errmsg(db_handle()));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(blob);
}

/* What the other connection sees: rows, and the sum of their sizes. */
static void
seen(int rows, int64_t bytes)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(other,
	    "SELECT count(*), ifnull(sum(length(v)), 0) FROM t", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), rows);
	assert_int_equal(sqlite3_column_int64(st, 1), bytes);
	sqlite3_finalize(st);
}

static int64_t
wal_size(void)
{
	struct stat	 sb;
	char		 p[160];

	snprintf(p, sizeof(p), "%s-wal", path);
	assert_int_equal(stat(p, &sb), 0);
	return (int64_t)sb.st_size;
}

static void
integrity(sqlite3 *db)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

/* Twenty pages in one commit: one write, all of it in the file. */
static void
test_one_write_per_commit(void **state)
{
	uint64_t	 w;
	int64_t		 before;

	sql("BEGIN");
	insert(1, 20, 3000);
	before = wal_size();
	w = walbuf_writes();
	spy_log[0] = '\0';
	sql("COMMIT");
	assert_int_equal(walbuf_writes() - w, 1);
	/* Written, then synced: nothing of the commit held past its sync. */
	assert_string_equal(spy_log, "WS");
	/* Some 20 frames of a page and a header each, in the file. */
	assert_true(wal_size() - before >= 20 * (4096 + 24));
	seen(20, 20 * 3000);
	/* A commit of one row: one write too. */
	w = walbuf_writes();
	insert(21, 1, 100);
	assert_int_equal(walbuf_writes() - w, 1);
	seen(21, 20 * 3000 + 100);
	integrity(other);
}

/*
 * More than the buffer holds (and more than SQLite's page cache, which
 * spills frames into the WAL before the commit), one rolled back, then
 * a checkpoint that reads the WAL back into the database.
 */
static void
test_big_rollback_checkpoint(void **state)
{
	uint64_t	 w;

	sql("PRAGMA cache_size = 50");
	sql("BEGIN");
	insert(1, 300, 3000);
	w = walbuf_writes();
	sql("COMMIT");
	assert_true(walbuf_writes() - w >= 1);
	seen(300, 300 * 3000);
	sql("BEGIN");
	insert(1000, 300, 2000);
	sql("ROLLBACK");
	seen(300, 300 * 3000);
	insert(2000, 2, 500);
	seen(302, 300 * 3000 + 2 * 500);
	sql("PRAGMA wal_checkpoint(TRUNCATE)");
	assert_int_equal(wal_size(), 0);
	insert(3000, 1, 10);
	seen(303, 300 * 3000 + 2 * 500 + 10);
	integrity(db_handle());
	integrity(other);
	/* Closed and opened again: what was committed is there. */
	db_close();
	assert_int_equal(db_open(path, err, sizeof(err)), 0);
	integrity(db_handle());
	seen(303, 300 * 3000 + 2 * 500 + 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_one_write_per_commit),
		T(test_big_rollback_checkpoint),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
