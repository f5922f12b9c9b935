/*
 * Online backups and the check of a database file.  See backup.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "backup.h"
#include "db.h"
#include "log.h"
#include "ready.h"

#define BACKUP_STEP_PAGES	4096	/* 16 MB of 4 KB pages */

/* What SQLite said, after what. */
static int
sql_err(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, db != NULL ?
	    sqlite3_errmsg(db) : "out of memory");
	return -1;
}

/* PRAGMA integrity_check: 0 when it says "ok", else -1 with its word. */
static int
integrity(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*t;
	int		 ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st,
	    NULL) != SQLITE_OK)
		return sql_err(db, "integrity_check", err, errlen);
	if (sqlite3_step(st) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(st, 0);
		ok = t != NULL && strcmp(t, "ok") == 0;
		if (!ok)
			snprintf(err, errlen, "integrity_check: %s",
			    t != NULL ? t : "no answer");
	} else
		sql_err(db, "integrity_check", err, errlen);
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* 1 when db has a table called name. */
static int
has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt	*st = NULL;
	int		 n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n > 0;
}

/* The schema version on file: 0 without the table, -1 with err. */
static int
schema_version(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, v = 0, n = 0;

	if (!has_table(db, "schema_version"))
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1,
	    &st, NULL) != SQLITE_OK)
		return sql_err(db, "schema_version", err, errlen);
	n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_err(db, "schema_version", err, errlen);
	if (n != 1 || v < 0) {
		snprintf(err, errlen, "schema_version is damaged (%d rows)", n);
		return -1;
	}
	if (v > db_schema_latest()) {
		snprintf(err, errlen, "schema version %d is newer than this "
		    "heraldd knows (%d)", v, db_schema_latest());
		return -1;
	}
	return v;
}

/*
 * The audit chain of db under the key loaded now: rows checked, or -1
 * with err; a chain that breaks is r->audit_broken.
 */
static int64_t
chain(sqlite3 *db, struct backup_result *r, char *err, size_t errlen)
{
	struct audit_verdict	 v;

	if (audit_verify(db, &v, err, errlen) == -1)
		return -1;
	if (!v.ok)
		snprintf(r->audit_broken, sizeof(r->audit_broken), "the audit "
		    "trail does not verify: %s", v.why);
	return v.rows;
}

/*
 * Integrity, schema and chain of an open database; r filled in.  The
 * chain is checked only when there is an audit table and the key is
 * loaded.  0, or -1 with err.
 */
static int
check_open(sqlite3 *db, struct backup_result *r, char *err, size_t errlen)
{
	if (integrity(db, err, errlen) == -1 ||
	    (r->schema = schema_version(db, err, errlen)) == -1)
		return -1;
	r->audit_rows = -1;
	if (has_table(db, "audit") && audit_key_loaded() &&
	    (r->audit_rows = chain(db, r, err, errlen)) == -1)
		return -1;
	return 0;
}

/* The bytes of path into fd, from the start; 0 or -1 with err. */
static int
copy_into(const char *path, int fd, uint64_t *bytes, char *err,
    size_t errlen)
{
	char	 buf[65536];
	ssize_t	 n, w, off;
	int	 in;

	*bytes = 0;
	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0) {
				snprintf(err, errlen, "writing the backup: %s",
				    w == 0 ? "no progress" : strerror(errno));
				close(in);
				return -1;
			}
		*bytes += (uint64_t)n;
		if (*bytes % (16 * 1024 * 1024) == 0)
			ready_alive();
	}
	close(in);
	if (n == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "writing the backup: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The descriptor heraldctl passed: a regular, empty, writable file. */
static int
fd_ok(int fd, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fl;

	if (fstat(fd, &st) == -1 || (fl = fcntl(fd, F_GETFL)) == -1) {
		snprintf(err, errlen, "the backup file: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != 0 ||
	    (fl & O_ACCMODE) == O_RDONLY || (fl & O_APPEND)) {
		snprintf(err, errlen, "the backup file must be a new, empty "
		    "regular file open for writing");
		return -1;
	}
	return 0;
}

/* sqlite3_backup_* from src into the file tmp; its pages, or -1. */
static int64_t
copy_db(sqlite3 *src, const char *tmp, sqlite3 **dstp, char *err,
    size_t errlen)
{
	sqlite3_backup	*b;
	int64_t		 pages;
	int		 rc;

	if (sqlite3_open_v2(tmp, dstp, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return sql_err(*dstp, tmp, err, errlen);
	/*
	 * A read transaction of our own around every step: one snapshot,
	 * which the trading path's commits (another connection, WAL) do
	 * not disturb, so the copy never starts over; between steps the
	 * service manager's watchdog hears that we are alive.
	 */
	if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master",
	    NULL, NULL, NULL) != SQLITE_OK)
		return sql_err(src, "backup snapshot", err, errlen);
	if ((b = sqlite3_backup_init(*dstp, "main", src, "main")) == NULL)
		return sql_err(*dstp, "backup", err, errlen);
	while ((rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES)) == SQLITE_OK)
		ready_alive();
	pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE)
		return sql_err(*dstp, "backup", err, errlen);
	(void)sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	ready_alive();
	/* A plain file: restored, heraldd puts it in WAL mode again. */
	if (sqlite3_exec(*dstp, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return sql_err(*dstp, "backup journal_mode", err, errlen);
	return pages;
}

int
backup_to_fd(const char *dbpath, int fd, struct backup_result *r,
    char *err, size_t errlen)
{
	sqlite3		*src = NULL, *dst = NULL;
	char		 tmp[PATH_MAX], dir[PATH_MAX];
	int64_t		 pages;
	int		 tfd, rv = -1;

	memset(r, 0, sizeof(*r));
	if (fd_ok(fd, err, errlen) == -1)
		return -1;
	strlcpy(dir, dbpath, sizeof(dir));
	if (snprintf(tmp, sizeof(tmp), "%s/.herald-backup-XXXXXX",
	    dirname(dir)) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "database path too long");
		return -1;
	}
	if ((tfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	close(tfd);
	if (sqlite3_open_v2(dbpath, &src, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sql_err(src, dbpath, err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(src, DB_BUSY_TIMEOUT_DEFAULT);
	if ((pages = copy_db(src, tmp, &dst, err, errlen)) == -1 ||
	    check_open(dst, r, err, errlen) == -1)
		goto out;
	sqlite3_close(dst);
	dst = NULL;
	r->pages = (uint64_t)pages;
	if (copy_into(tmp, fd, &r->bytes, err, errlen) == -1)
		goto out;
	rv = 0;
 out:
	sqlite3_close(dst);
	sqlite3_close(src);
	(void)unlink(tmp);
	return rv;
}

void
backup_check_database(const struct herald_conf *conf,
    struct conf_errors *errs, struct backup_result *res)
{
	struct backup_result	 r;
	struct stat		 st;
	sqlite3			*db = NULL;
	char			 err[512];
	int			 key;

	memset(&r, 0, sizeof(r));
	r.audit_rows = -1;
	if (stat(conf->database, &st) == -1 && errno == ENOENT)
		goto done;		/* the first start creates it */
	key = audit_key_load(conf->audit.key_file, 0, err, sizeof(err));
	if (key == -1) {
		config_error(errs, "%s", err);
		goto done;
	}
	if (sqlite3_open_v2(conf->database, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sql_err(db, "open", err, sizeof(err));
		config_error(errs, "database %s: %s", conf->database, err);
		goto done;
	}
	if (check_open(db, &r, err, sizeof(err)) == -1)
		config_error(errs, "database %s: %s", conf->database, err);
	else if (r.audit_broken[0] != '\0')
		config_error(errs, "database %s: %s", conf->database,
		    r.audit_broken);
	else if (key == 1 && has_table(db, "audit") &&
	    audit_has_rows(db))
		config_error(errs, "database %s: has an audit trail, but "
		    "audit.key_file %s does not exist: it cannot be verified",
		    conf->database, conf->audit.key_file);
 done:
	sqlite3_close(db);
	audit_key_forget();
	if (res != NULL)
		*res = r;
}
