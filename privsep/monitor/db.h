/*
 * The monitor's SQLite database (herald.yaml "database:"): API keys and
 * bans, the orders journal, the broker's state and the audit trail
 * (audit.h).  Only the monitor opens it.
 *
 * The file is created 0600 and owned by root; an existing file (or its
 * -wal/-shm companions) that another user owns or that group or others
 * may read is refused by name.  The connection runs in WAL mode with
 * synchronous=FULL, foreign keys on, defensive mode and a busy timeout;
 * the schema is brought up to date by an ordered list of migrations
 * recorded in a schema_version table.  Every statement the monitor runs
 * per request is prepared once at open.  Once walbuf_register() was
 * called (the monitor does at start) the file is opened through
 * walbuf.c's VFS, which writes each commit's WAL frames with one write.
 */
#ifndef HERALD_DB_H
#define HERALD_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#define DB_HASH_LEN		32	/* SHA-256 */
#define DB_NAME_MAX		63
#define DB_ROLE_MAX		15
#define DB_ADDR_MAX		63
/*
 * How long a statement waits for a lock another connection holds
 * (herald.yaml database.busy_timeout): the longest the monitor's event
 * loop can stand still on one attempt to write.
 */
#define DB_BUSY_TIMEOUT_DEFAULT	1000	/* ms */
/*
 * The orders still to be resolved: the partial index's condition, which
 * a query must repeat word for word for SQLite to use the index.
 */
#define DB_ORDER_OPEN \
	"(state = 'pending' OR state = 'sent' OR state = 'unknown')"

struct db_key {
	int64_t		id;
	char		name[DB_NAME_MAX + 1];
	char		role[DB_ROLE_MAX + 1];
	uint8_t		hash[DB_HASH_LEN];
	int		has_fp;
	uint8_t		fp[DB_HASH_LEN];	/* client certificate SHA-256 */
	int64_t		created;
	int64_t		last_used;		/* 0: never */
	int64_t		expires;
	int64_t		revoked;		/* 0: not revoked */
	int64_t		replaced_by;		/* 0: not rotated */
};

struct db_ban {
	char		address[DB_ADDR_MAX + 1];
	int64_t		until;
	uint32_t	strikes;
	int64_t		last;			/* when it was imposed */
};

/* Iteration callbacks: return 0 to go on, anything else stops. */
typedef int (*db_key_fn)(const struct db_key *, void *);
typedef int (*db_ban_fn)(const struct db_ban *, void *);

/*
 * The StrictModes rule for the database file: a regular file owned by
 * root that neither group nor others may read or write.  0, or -1 with
 * a reason naming path in err.
 */
int	db_check_file(const char *path, uid_t uid, mode_t mode, char *err,
	    size_t errlen);

/*
 * Create path (0600, root's) if it does not exist and check it and its
 * companions, without opening SQLite: for start-up, before the daemon
 * forks, so that a refusal reaches the terminal.  0, or -1 with err.
 */
int	db_preflight(const char *path, char *err, size_t errlen);

/*
 * Open path (creating it 0600, root-owned, if it does not exist), check
 * it, set the pragmas, migrate the schema and prepare the statements.
 * 0, or -1 with a reason naming path in err.  One database at a time.
 */
int	db_open(const char *path, char *err, size_t errlen);
void	db_close(void);
int	db_is_open(void);
/* The open database's path ("" when none is open). */
const char *db_path(void);
/* database.busy_timeout in ms, now and for later opens; <= 0: default. */
void	db_set_busy_timeout(int ms);
/*
 * The trading path's storage fault (trading_commit.c): while it lasts,
 * writes that can wait (a key's last use) are not attempted.
 */
void	db_set_fault(int on);
int	db_fault(void);
/* The connection, for later subsystems with their own statements. */
sqlite3	*db_handle(void);
/*
 * sql, a string that lives as long as the program, prepared on
 * db_handle() once and kept until db_close(): reset and ready to bind.
 * For modules whose statements are few and hot (audit.c's append); the
 * caller resets it when done, so that no read stays open.  NULL when
 * the database is shut or the statement does not prepare (the error is
 * db_handle()'s).
 */
sqlite3_stmt *db_cached(const char *sql);
/* The schema version this build migrates to, and the one on disk. */
int	db_schema_latest(void);
int	db_schema_version(void);

/* An IMMEDIATE transaction around several writes.  0 or -1. */
int	db_begin(void);
int	db_commit(void);
void	db_rollback(void);

/* The statements.  -1 on a database error (logged with the path). */
int	db_key_insert(struct db_key *);		/* fills in id */
/* 1 found (into *out), 0 not found, -1 error. */
int	db_key_by_hash(const uint8_t hash[DB_HASH_LEN], struct db_key *out);
int	db_key_by_id(int64_t id, struct db_key *out);
/* Keys neither revoked nor expired at now, by id. */
int	db_keys_active(int64_t now, db_key_fn, void *);
/* The same, with this name. */
int	db_keys_active_named(const char *name, int64_t now, db_key_fn,
	    void *);
/* The newest `limit' keys (every state), oldest first; and how many. */
int	db_keys_recent(uint32_t limit, db_key_fn, void *);
int	db_keys_count(uint32_t *n);
int	db_key_revoke(int64_t id, int64_t when);
int	db_key_set_expiry(int64_t id, int64_t expires, int64_t replaced_by);
int	db_key_touch(int64_t id, int64_t when);

int	db_ban_put(const struct db_ban *);
/* 1 if a row was deleted, 0 if there was none, -1 error. */
int	db_ban_del(const char *address);
int	db_bans_all(db_ban_fn, void *);
/* Forget bans that ended before `before'. */
int	db_bans_prune(int64_t before);

#endif
