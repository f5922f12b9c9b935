/*
 * What the monitor's storage tests share: SQL run on the daemon's own
 * connection (db_handle()), as another tool or a damaged file would
 * leave the tables, failing the test if SQLite refuses it.
 */
#ifndef HERALD_DB_TEST_H
#define HERALD_DB_TEST_H

#include <sqlite3.h>

#include "db.h"

static inline void
sql(const char *q)
{
	char	*msg = NULL;

	if (sqlite3_exec(db_handle(), q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
}

#endif /* HERALD_DB_TEST_H */
