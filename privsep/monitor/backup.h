/*
 * heraldctl backup FILE, and the check a database file must pass to be
 * started from (heraldd -n).
 *
 * heraldctl creates FILE itself, with its own rights, and passes the
 * open descriptor over the control socket: the monitor, root, never
 * opens a path an administrator named, so a member of control.group
 * cannot make it write where they could not.  The monitor copies the
 * committed database with SQLite's online backup API (sqlite3_backup_*)
 * from a read-only connection of its own (a consistent snapshot that
 * the trading path's open batch cannot leak into) into a temporary file
 * beside the database (the one directory Landlock lets it write, on the
 * filesystem the database already fits), checks that copy (integrity,
 * schema version, audit chain), then writes its bytes into the
 * descriptor and removes it.  SQLite's backup needs a database to write
 * into, and sqlite3_serialize() would hold the whole file in the
 * monitor's memory.
 */
#ifndef HERALD_BACKUP_H
#define HERALD_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct backup_result {
	uint64_t	bytes;
	uint64_t	pages;
	int		schema;		/* its schema version */
	int64_t		audit_rows;	/* -1: its trail was not checked */
	char		audit_broken[300]; /* why it does not verify, or "" */
};

/*
 * Write a consistent copy of the database at dbpath into fd (a regular,
 * empty file open for writing), mode as the caller made it.  0 with r,
 * or -1 with err.  A copy whose audit trail does not verify is still
 * written (the evidence is worth keeping), r->audit_broken saying why.
 */
int	backup_to_fd(const char *dbpath, int fd, struct backup_result *r,
	    char *err, size_t errlen);

/*
 * heraldd -n: the database conf names, when it exists, opened read-only:
 * its schema version no newer than this heraldd's, PRAGMA
 * integrity_check, and the audit chain under audit.key_file.  Every
 * problem goes to errs.  The result, when r is not NULL.
 */
void	backup_check_database(const struct herald_conf *,
	    struct conf_errors *errs, struct backup_result *r);

#endif
