/*
 * The monitor's SQLite database.  See db.h.
 *
 * One connection, owned by the monitor and used from its event loop
 * only, so the library runs without its own mutexes.  The schema is an
 * ordered list of migrations: a new release appends one, never edits an
 * old one, and the schema_version table says how many have run.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "db_schema.h"
#include "log.h"
#include "walbuf.h"

#define NMIGRATIONS	((int)db_nmigrations)

#define KEY_COLS	"id, name, role, hash, fingerprint, created, " \
			"last_used, expires, revoked, replaced_by"

enum db_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_KEY_INSERT,
	ST_KEY_BY_HASH,
	ST_KEY_BY_ID,
	ST_KEYS_ACTIVE,
	ST_KEYS_ACTIVE_NAMED,
	ST_KEYS_RECENT,
	ST_KEYS_COUNT,
	ST_KEY_REVOKE,
	ST_KEY_SET_EXPIRY,
	ST_KEY_TOUCH,
	ST_BAN_PUT,
	ST_BAN_DEL,
	ST_BANS_ALL,
	ST_BANS_PRUNE,
	ST_MAX
};

static const char *const db_sql[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_KEY_INSERT] = "INSERT INTO api_keys (name, role, hash, "
	    "fingerprint, created, last_used, expires, revoked, replaced_by) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, NULL, NULL)",
	[ST_KEY_BY_HASH] = "SELECT " KEY_COLS " FROM api_keys WHERE hash = ?1",
	[ST_KEY_BY_ID] = "SELECT " KEY_COLS " FROM api_keys WHERE id = ?1",
	[ST_KEYS_ACTIVE] = "SELECT " KEY_COLS " FROM api_keys "
	    "WHERE revoked IS NULL AND expires > ?1 ORDER BY id",
	[ST_KEYS_ACTIVE_NAMED] = "SELECT " KEY_COLS " FROM api_keys "
	    "WHERE name = ?1 AND revoked IS NULL AND expires > ?2 ORDER BY id",
	[ST_KEYS_RECENT] = "SELECT * FROM (SELECT " KEY_COLS " FROM api_keys "
	    "ORDER BY id DESC LIMIT ?1) ORDER BY id",
	[ST_KEYS_COUNT] = "SELECT count(*) FROM api_keys",
	[ST_KEY_REVOKE] = "UPDATE api_keys SET revoked = ?2 "
	    "WHERE id = ?1 AND revoked IS NULL",
	[ST_KEY_SET_EXPIRY] = "UPDATE api_keys SET expires = ?2, "
	    "replaced_by = ?3 WHERE id = ?1",
	[ST_KEY_TOUCH] = "UPDATE api_keys SET last_used = ?2 WHERE id = ?1",
	[ST_BAN_PUT] = "INSERT INTO bans (address, until, strikes, last) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (address) DO UPDATE SET "
	    "until = excluded.until, strikes = excluded.strikes, "
	    "last = excluded.last",
	[ST_BAN_DEL] = "DELETE FROM bans WHERE address = ?1",
	[ST_BANS_ALL] = "SELECT address, until, strikes, last FROM bans "
	    "ORDER BY address",
	[ST_BANS_PRUNE] = "DELETE FROM bans WHERE until < ?1",
};

#define DB_CACHED_MAX	8	/* db_cached()'s statements */

static struct {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_MAX];
	struct {
		const char	*sql;	/* the caller's: compared by address */
		sqlite3_stmt	*st;
	}		 cached[DB_CACHED_MAX];
	char		 path[4096];
	int		 version;
	int		 busy_ms;	/* 0: DB_BUSY_TIMEOUT_DEFAULT */
	int		 fault;		/* trading.c: cannot commit */
} dbs;

int
db_check_file(const char *path, uid_t uid, mode_t mode, char *err,
    size_t errlen)
{
	if (!S_ISREG(mode)) {
		snprintf(err, errlen, "database %s: not a regular file", path);
		return -1;
	}
	if (uid != 0) {
		snprintf(err, errlen, "database %s: owned by uid %u, not root",
		    path, (unsigned int)uid);
		return -1;
	}
	if ((mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "database %s: mode %04o lets group or "
		    "others read or write it; it must be 0600", path,
		    (unsigned int)(mode & 07777));
		return -1;
	}
	return 0;
}

/* The database and any companion files that exist must pass the rule. */
static int
db_check_existing(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct stat	 sb;
	char		 p[sizeof(dbs.path) + 8];
	size_t		 i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (lstat(p, &sb) == -1) {
			if (errno == ENOENT && i > 0)
				continue;
			snprintf(err, errlen, "database %s: %s", p,
			    strerror(errno));
			return -1;
		}
		if (db_check_file(p, sb.st_uid, sb.st_mode, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* A new, empty database file: 0600, root's, never a link. */
static int
db_create_file(const char *path, char *err, size_t errlen)
{
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;	/* checked by the caller */
		snprintf(err, errlen, "database %s: cannot create: %s", path,
		    strerror(errno));
		return -1;
	}
	/* open()'s mode went through the umask; say it exactly. */
	if (fchmod(fd, 0600) == -1 || fchown(fd, 0, 0) == -1) {
		snprintf(err, errlen, "database %s: cannot make it root's "
		    "0600: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	log_debug("database %s created", path);
	return 0;
}

static int
db_errf(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "database %s: %s: %s", dbs.path, what,
	    dbs.db != NULL ? sqlite3_errmsg(dbs.db) : "cannot open");
	return -1;
}

/* One pragma whose single result must be `want' (NULL: no check). */
static int
db_pragma(const char *sql, const char *want, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	const char	*got;
	int		 rc, rv = 0;

	if (sqlite3_prepare_v2(dbs.db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_errf(err, errlen, sql);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rv = db_errf(err, errlen, sql);
	else if (want != NULL) {
		got = rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(st, 0) : NULL;
		if (got == NULL || strcasecmp(got, want) != 0) {
			snprintf(err, errlen, "database %s: %s gave \"%s\", "
			    "expected \"%s\"", dbs.path, sql,
			    got != NULL ? got : "nothing", want);
			rv = -1;
		}
	}
	sqlite3_finalize(st);
	return rv;
}

static int
db_configure(char *err, size_t errlen)
{
	int	 on = 1, off = 0;

	sqlite3_extended_result_codes(dbs.db, 1);
	if (sqlite3_busy_timeout(dbs.db, dbs.busy_ms > 0 ? dbs.busy_ms :
	    DB_BUSY_TIMEOUT_DEFAULT) != SQLITE_OK)
		return db_errf(err, errlen, "busy_timeout");
	/*
	 * Defensive: no writable_schema or other ways of corrupting the
	 * file from SQL; no functions with side effects in the schema.
	 */
	if (sqlite3_db_config(dbs.db, SQLITE_DBCONFIG_DEFENSIVE, on,
	    NULL) != SQLITE_OK ||
	    sqlite3_db_config(dbs.db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, off,
	    NULL) != SQLITE_OK ||
	    sqlite3_db_config(dbs.db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION,
	    off, NULL) != SQLITE_OK)
		return db_errf(err, errlen, "sqlite3_db_config");
	if (db_pragma("PRAGMA journal_mode = WAL", "wal", err, errlen) == -1 ||
	    db_pragma("PRAGMA synchronous = FULL", NULL, err, errlen) == -1 ||
	    db_pragma("PRAGMA synchronous", "2", err, errlen) == -1 ||
	    db_pragma("PRAGMA foreign_keys = ON", NULL, err, errlen) == -1 ||
	    db_pragma("PRAGMA foreign_keys", "1", err, errlen) == -1 ||
	    db_pragma("PRAGMA quick_check", "ok", err, errlen) == -1)
		return -1;
	return 0;
}

static int
db_exec(const char *sql, char *err, size_t errlen)
{
	char	*msg = NULL;

	if (sqlite3_exec(dbs.db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "database %s: %s", dbs.path,
	    msg != NULL ? msg : sqlite3_errmsg(dbs.db));
	sqlite3_free(msg);
	return -1;
}

/* The version recorded in schema_version (creating it at 0), or -1. */
static int
db_read_version(char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc, n = 0;
	sqlite3_int64	 v = 0;

	if (db_exec("CREATE TABLE IF NOT EXISTS schema_version "
	    "(version INTEGER NOT NULL)", err, errlen) == -1)
		return -1;
	if (sqlite3_prepare_v2(dbs.db, "SELECT version FROM schema_version",
	    -1, &st, NULL) != SQLITE_OK)
		return db_errf(err, errlen, "schema_version");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_errf(err, errlen, "schema_version");
	if (n == 0)
		return db_exec("INSERT INTO schema_version VALUES (0)", err,
		    errlen) == -1 ? -1 : 0;
	if (n > 1 || v < 0 || v > INT32_MAX) {
		snprintf(err, errlen, "database %s: schema_version is "
		    "damaged (%d rows, version %lld)", dbs.path, n,
		    (long long)v);
		return -1;
	}
	return (int)v;
}

/* Run the migrations this file has not seen, all in one transaction. */
static int
db_migrate(char *err, size_t errlen)
{
	char	 sql[64];
	int	 v, i;

	if (db_exec("BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if ((v = db_read_version(err, errlen)) == -1)
		goto fail;
	if (v > NMIGRATIONS) {
		snprintf(err, errlen, "database %s: schema version %d is newer "
		    "than this heraldd knows (%d); refusing to touch it",
		    dbs.path, v, NMIGRATIONS);
		goto fail;
	}
	for (i = v; i < NMIGRATIONS; i++) {
		if (db_exec(db_migrations[i], err, errlen) == -1)
			goto fail;
		snprintf(sql, sizeof(sql),
		    "UPDATE schema_version SET version = %d", i + 1);
		if (db_exec(sql, err, errlen) == -1)
			goto fail;
	}
	if (db_exec("COMMIT", err, errlen) == -1)
		goto fail;
	if (v < NMIGRATIONS)
		log_info("database %s: schema migrated from version %d to %d",
		    dbs.path, v, NMIGRATIONS);
	dbs.version = NMIGRATIONS;
	return 0;
fail:
	sqlite3_exec(dbs.db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
db_prepare(char *err, size_t errlen)
{
	int	 i;

	for (i = 0; i < ST_MAX; i++) {
		if (sqlite3_prepare_v3(dbs.db, db_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &dbs.st[i], NULL) != SQLITE_OK)
			return db_errf(err, errlen, db_sql[i]);
	}
	return 0;
}

static int
db_path_ok(const char *path, char *err, size_t errlen)
{
	if (path == NULL || path[0] != '/') {
		snprintf(err, errlen, "database %s: not an absolute path",
		    path != NULL ? path : "(none)");
		return -1;
	}
	if (strlen(path) >= sizeof(dbs.path)) {
		snprintf(err, errlen, "database path is too long");
		return -1;
	}
	return 0;
}

int
db_preflight(const char *path, char *err, size_t errlen)
{
	if (db_path_ok(path, err, errlen) == -1 ||
	    db_create_file(path, err, errlen) == -1)
		return -1;
	return db_check_existing(path, err, errlen);
}

int
db_open(const char *path, char *err, size_t errlen)
{
	if (dbs.db != NULL) {
		snprintf(err, errlen, "database %s: already open", dbs.path);
		return -1;
	}
	if (db_preflight(path, err, errlen) == -1)
		return -1;
	strlcpy(dbs.path, path, sizeof(dbs.path));
	/* SQLite gives -wal and -shm the database file's owner and mode. */
	if (sqlite3_open_v2(path, &dbs.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, walbuf_vfs()) !=
	    SQLITE_OK) {
		db_errf(err, errlen, "open");
		db_close();
		return -1;
	}
	if (db_configure(err, errlen) == -1 || db_migrate(err, errlen) == -1 ||
	    db_prepare(err, errlen) == -1 ||
	    db_check_existing(path, err, errlen) == -1) {
		db_close();
		return -1;
	}
	log_debug("database %s open, schema version %d", path, dbs.version);
	return 0;
}

void
db_close(void)
{
	int	 i;

	for (i = 0; i < ST_MAX; i++) {
		sqlite3_finalize(dbs.st[i]);
		dbs.st[i] = NULL;
	}
	for (i = 0; i < DB_CACHED_MAX; i++) {
		sqlite3_finalize(dbs.cached[i].st);
		dbs.cached[i].st = NULL;
		dbs.cached[i].sql = NULL;
	}
	if (dbs.db != NULL && sqlite3_close(dbs.db) != SQLITE_OK)
		log_warnx("database %s: close: %s", dbs.path,
		    sqlite3_errmsg(dbs.db));
	dbs.db = NULL;
	dbs.version = 0;
}

const char *
db_path(void)
{
	return dbs.db != NULL ? dbs.path : "";
}

int
db_is_open(void)
{
	return dbs.db != NULL;
}

void
db_set_busy_timeout(int ms)
{
	dbs.busy_ms = ms > 0 ? ms : DB_BUSY_TIMEOUT_DEFAULT;
	if (dbs.db != NULL)
		sqlite3_busy_timeout(dbs.db, dbs.busy_ms);
}

void
db_set_fault(int on)
{
	dbs.fault = on != 0;
}

int
db_fault(void)
{
	return dbs.fault;
}

sqlite3 *
db_handle(void)
{
	return dbs.db;
}

int
db_schema_latest(void)
{
	return NMIGRATIONS;
}

int
db_schema_version(void)
{
	return dbs.version;
}

/* A statement ready for binding; NULL (logged) if the database is shut. */
static sqlite3_stmt *
db_stmt(enum db_stmt which)
{
	if (dbs.db == NULL) {
		log_warnx("database: not open");
		return NULL;
	}
	sqlite3_reset(dbs.st[which]);
	sqlite3_clear_bindings(dbs.st[which]);
	return dbs.st[which];
}

sqlite3_stmt *
db_cached(const char *sql)
{
	size_t	 i;

	if (dbs.db == NULL)
		return NULL;
	for (i = 0; i < DB_CACHED_MAX && dbs.cached[i].sql != NULL; i++)
		if (dbs.cached[i].sql == sql) {
			sqlite3_reset(dbs.cached[i].st);
			sqlite3_clear_bindings(dbs.cached[i].st);
			return dbs.cached[i].st;
		}
	if (i == DB_CACHED_MAX)
		fatalx("%s: more than %d statements", __func__, DB_CACHED_MAX);
	if (sqlite3_prepare_v3(dbs.db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &dbs.cached[i].st, NULL) != SQLITE_OK)
		return NULL;
	dbs.cached[i].sql = sql;
	return dbs.cached[i].st;
}

static int
db_fail(sqlite3_stmt *st, const char *what)
{
	log_warnx("database %s: %s: %s", dbs.path, what,
	    sqlite3_errmsg(dbs.db));
	sqlite3_reset(st);
	return -1;
}

/* Run a statement that returns no rows; the number of rows changed. */
static int
db_run(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(st, what);
	sqlite3_reset(st);
	return sqlite3_changes(dbs.db);
}

static int
db_simple(enum db_stmt which, const char *what)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(which)) == NULL)
		return -1;
	return db_run(st, what) == -1 ? -1 : 0;
}

int
db_begin(void)
{
	return db_simple(ST_BEGIN, "begin");
}

int
db_commit(void)
{
	return db_simple(ST_COMMIT, "commit");
}

void
db_rollback(void)
{
	if (dbs.db != NULL && !sqlite3_get_autocommit(dbs.db))
		db_simple(ST_ROLLBACK, "rollback");
}

static int
db_text(sqlite3_stmt *st, int col, char *dst, size_t dstsz)
{
	const unsigned char	*s = sqlite3_column_text(st, col);
	int			 n = sqlite3_column_bytes(st, col);

	if (s == NULL || n <= 0 || (size_t)n >= dstsz ||
	    memchr(s, '\0', (size_t)n) != NULL)
		return -1;
	memcpy(dst, s, (size_t)n);
	dst[n] = '\0';
	return 0;
}

static int
db_blob32(sqlite3_stmt *st, int col, uint8_t *dst)
{
	const void	*p = sqlite3_column_blob(st, col);

	if (p == NULL || sqlite3_column_bytes(st, col) != DB_HASH_LEN)
		return -1;
	memcpy(dst, p, DB_HASH_LEN);
	return 0;
}

/* One api_keys row, KEY_COLS order; -1 if it breaks the schema. */
static int
db_key_row(sqlite3_stmt *st, struct db_key *k)
{
	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(st, 0);
	if (db_text(st, 1, k->name, sizeof(k->name)) == -1 ||
	    db_text(st, 2, k->role, sizeof(k->role)) == -1 ||
	    db_blob32(st, 3, k->hash) == -1)
		goto bad;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		if (db_blob32(st, 4, k->fp) == -1)
			goto bad;
		k->has_fp = 1;
	}
	k->created = sqlite3_column_int64(st, 5);
	k->last_used = sqlite3_column_int64(st, 6);
	k->expires = sqlite3_column_int64(st, 7);
	k->revoked = sqlite3_column_int64(st, 8);
	k->replaced_by = sqlite3_column_int64(st, 9);
	return 0;
bad:
	log_warnx("database %s: api_keys row id %lld is malformed", dbs.path,
	    (long long)k->id);
	return -1;
}

int
db_key_insert(struct db_key *k)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEY_INSERT)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, k->hash, DB_HASH_LEN, SQLITE_STATIC);
	if (k->has_fp)
		sqlite3_bind_blob(st, 4, k->fp, DB_HASH_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, k->created);
	sqlite3_bind_int64(st, 6, k->expires);
	if (db_run(st, "insert key") == -1)
		return -1;
	k->id = sqlite3_last_insert_rowid(dbs.db);
	return 0;
}

/* The first row of a one-row query into out: 1, 0 (none) or -1. */
static int
db_key_one(sqlite3_stmt *st, struct db_key *out, const char *what)
{
	int	 rc, rv;

	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return db_fail(st, what);
	rv = db_key_row(st, out) == -1 ? -1 : 1;
	sqlite3_reset(st);
	return rv;
}

int
db_key_by_hash(const uint8_t hash[DB_HASH_LEN], struct db_key *out)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEY_BY_HASH)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, DB_HASH_LEN, SQLITE_STATIC);
	return db_key_one(st, out, "key by hash");
}

int
db_key_by_id(int64_t id, struct db_key *out)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEY_BY_ID)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return db_key_one(st, out, "key by id");
}

static int
db_key_rows(sqlite3_stmt *st, db_key_fn fn, void *arg, const char *what)
{
	struct db_key	 k;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (db_key_row(st, &k) == -1) {
			sqlite3_reset(st);
			return -1;
		}
		if (fn(&k, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, what);
	sqlite3_reset(st);
	return 0;
}

int
db_keys_active(int64_t now, db_key_fn fn, void *arg)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEYS_ACTIVE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	return db_key_rows(st, fn, arg, "active keys");
}

int
db_keys_active_named(const char *name, int64_t now, db_key_fn fn, void *arg)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEYS_ACTIVE_NAMED)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return db_key_rows(st, fn, arg, "active keys by name");
}

int
db_keys_recent(uint32_t limit, db_key_fn fn, void *arg)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEYS_RECENT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit);
	return db_key_rows(st, fn, arg, "list keys");
}

int
db_keys_count(uint32_t *n)
{
	sqlite3_stmt	*st;
	sqlite3_int64	 v;

	if ((st = db_stmt(ST_KEYS_COUNT)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(st, "count keys");
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	*n = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

int
db_key_revoke(int64_t id, int64_t when)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEY_REVOKE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, when);
	return db_run(st, "revoke key");
}

int
db_key_set_expiry(int64_t id, int64_t expires, int64_t replaced_by)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_KEY_SET_EXPIRY)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, expires);
	if (replaced_by != 0)
		sqlite3_bind_int64(st, 3, replaced_by);
	else
		sqlite3_bind_null(st, 3);
	return db_run(st, "set key expiry") == -1 ? -1 : 0;
}

int
db_key_touch(int64_t id, int64_t when)
{
	sqlite3_stmt	*st;
	int		 r;

	/*
	 * Not worth a wait on a lock, which would add to the wait of the
	 * batch in the same turn: a later use writes it.
	 */
	if (dbs.fault)
		return 0;
	if ((st = db_stmt(ST_KEY_TOUCH)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, when);
	sqlite3_busy_timeout(dbs.db, 0);
	r = db_run(st, "key last used");
	sqlite3_busy_timeout(dbs.db, dbs.busy_ms > 0 ? dbs.busy_ms :
	    DB_BUSY_TIMEOUT_DEFAULT);
	return r == -1 ? -1 : 0;
}

int
db_ban_put(const struct db_ban *b)
{
	sqlite3_stmt	*st;

	/* In a storage fault a wait on the lock would stall every client. */
	if (dbs.fault) {
		log_warnx("storage: ban on %s not recorded: the database "
		    "cannot be written", b->address);
		return -1;
	}
	if ((st = db_stmt(ST_BAN_PUT)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, b->address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b->until);
	sqlite3_bind_int64(st, 3, b->strikes);
	sqlite3_bind_int64(st, 4, b->last);
	return db_run(st, "record ban") == -1 ? -1 : 0;
}

int
db_ban_del(const char *address)
{
	sqlite3_stmt	*st;

	/*
	 * The ban is lifted in memory all the same: an operator lifting a
	 * ban during a storage fault means it.  It comes back at a restart
	 * unless lifted again.
	 */
	if (dbs.fault) {
		log_warnx("storage: lifting the ban on %s in memory only: the "
		    "database cannot be written", address);
		return 0;
	}
	if ((st = db_stmt(ST_BAN_DEL)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	return db_run(st, "delete ban");
}

int
db_bans_all(db_ban_fn fn, void *arg)
{
	sqlite3_stmt	*st;
	struct db_ban	 b;
	sqlite3_int64	 strikes;
	int		 rc;

	if ((st = db_stmt(ST_BANS_ALL)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&b, 0, sizeof(b));
		strikes = sqlite3_column_int64(st, 2);
		if (db_text(st, 0, b.address, sizeof(b.address)) == -1 ||
		    strikes < 1 || strikes > UINT32_MAX) {
			log_warnx("database %s: a bans row is malformed; "
			    "skipped", dbs.path);
			continue;
		}
		b.until = sqlite3_column_int64(st, 1);
		b.strikes = (uint32_t)strikes;
		b.last = sqlite3_column_int64(st, 3);
		if (fn(&b, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "list bans");
	sqlite3_reset(st);
	return 0;
}

int
db_bans_prune(int64_t before)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(ST_BANS_PRUNE)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	return db_run(st, "prune bans");
}
