/*
 * What the monitor's storage tests share: SQL run on the daemon's own
 * connection (db_handle()), as another tool or a damaged file would
 * leave the tables, failing the test if SQLite refuses it; a test's
 * database files removed.
 */
#ifndef HERALD_DB_TEST_H
#define HERALD_DB_TEST_H

#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"

static inline void
sql(const char *q)
{
	char	*msg = NULL;

	if (sqlite3_exec(db_handle(), q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
}

/* A test's database gone, with its -wal and -shm. */
static inline void
db_test_rm(const char *path)
{
	char	 p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

#endif /* HERALD_DB_TEST_H */
