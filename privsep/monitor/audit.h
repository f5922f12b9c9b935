/*
 * The tamper-evident audit trail (herald.yaml "audit:", issue 11).
 *
 * One table in the monitor's database (db.c's migration 5), one row per
 * event: authentication failures and bans, key create, revoke and
 * rotate, reloads, lockdown, every order and its result, the bridge's
 * connects and refusals.  Each row carries
 *
 *	mac = HMAC-SHA256(K, prev || u64 id || i64 time || type || actor ||
 *	    key || source || detail)
 *
 * where prev is the MAC of the row before (32 zero bytes before the
 * first), integers are big-endian and each string is a u32 big-endian
 * length and its bytes.  K, the audit key, lives in audit.key_file
 * (created 0600 at first start, owned by root) and in locked memory in
 * the monitor: nobody who can only edit the database file can write a
 * row that checks.  Editing, deleting, inserting or reordering rows
 * breaks the chain at the first row touched; cutting the tail does not,
 * which is why the chain head (the last id and MAC) is logged at start,
 * every audit.head_interval seconds and at shutdown.
 *
 * Retention (audit.days) deletes the oldest rows through a checkpoint:
 * a row of type audit.checkpoint appended first, whose detail names the
 * last pruned id ("through") and its MAC ("mac"), so the first row left
 * is checked against that MAC and the chain stays verifiable.
 *
 * The row functions take the connection, so the unit tests and heraldd
 * -n use them without the running monitor; they write into whatever
 * transaction is open on it (the trading path's batch, so an order's row
 * is durable with the order), or commit on their own.
 */
#ifndef HERALD_AUDIT_H
#define HERALD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "rpc_audit.h"

#define AUDIT_MAC_LEN		32
#define AUDIT_KEY_LEN		32
#define AUDIT_TYPE_MAX		31
#define AUDIT_ACTOR_MAX		127
#define AUDIT_KEYNAME_MAX	63
#define AUDIT_SOURCE_MAX	63
#define AUDIT_DETAIL_MAX	1023
#define AUDIT_WHY_MAX		256
#define AUDIT_CHECKPOINT	"audit.checkpoint"
#define AUDIT_DAYS_DEFAULT	365
#define AUDIT_HEAD_DEFAULT	3600	/* seconds */

struct audit_row {
	int64_t		id;
	int64_t		time;		/* unix seconds, UTC */
	char		type[AUDIT_TYPE_MAX + 1];	/* "order", ... */
	char		actor[AUDIT_ACTOR_MAX + 1];	/* "key NAME", ... */
	char		key[AUDIT_KEYNAME_MAX + 1];	/* the API key, or "" */
	char		source[AUDIT_SOURCE_MAX + 1];	/* address, "control" */
	char		detail[AUDIT_DETAIL_MAX + 1];	/* a JSON object */
	uint8_t		mac[AUDIT_MAC_LEN];
};

/* Rows with id > cursor, time >= since, the type and key given ("": any). */
struct audit_filter {
	int64_t		cursor;
	int64_t		since;
	char		type[AUDIT_TYPE_MAX + 1];
	char		key[AUDIT_KEYNAME_MAX + 1];
	uint32_t	limit;		/* rows at most, > 0 */
};

struct audit_verdict {
	int		ok;		/* 1: every row checks */
	int64_t		rows;
	int64_t		head_id;	/* 0: no rows */
	uint8_t		head_mac[AUDIT_MAC_LEN];
	int64_t		bad_id;		/* the first bad row */
	char		why[AUDIT_WHY_MAX];
};

typedef int (*audit_row_fn)(const struct audit_row *, void *);

/* The MAC of r under key after prev (r->mac is not read). */
void	audit_mac(const uint8_t key[AUDIT_KEY_LEN],
	    const uint8_t prev[AUDIT_MAC_LEN], const struct audit_row *r,
	    uint8_t out[AUDIT_MAC_LEN]);

/*
 * The audit key.  audit_key_load(): read path (64 lower-case hex digits
 * and a newline, owned by root, mode 0600 or stricter, in a directory
 * only root may change); with create, write a new one first when there
 * is none.  0, 1 when it does not exist (create 0), or -1 with err.
 * audit_key_set() is for tests; audit_key_forget() wipes it.
 */
int	audit_key_load(const char *path, int create, char *err,
	    size_t errlen);
void	audit_key_set(const uint8_t k[AUDIT_KEY_LEN]);
void	audit_key_forget(void);
int	audit_key_loaded(void);

/*
 * Append r (type, actor, key, source, detail; time filled in when 0):
 * its id and MAC are set from the last row.  0, or -1 with err.
 */
int	audit_append(sqlite3 *, struct audit_row *r, char *err,
	    size_t errlen);
/* Walk the whole chain.  0 with v filled (v->ok says), -1 with err. */
int	audit_verify(sqlite3 *, struct audit_verdict *v, char *err,
	    size_t errlen);
/* The last row's id and MAC (0 and zeros when there is none). */
int	audit_head(sqlite3 *, int64_t *id, uint8_t mac[AUDIT_MAC_LEN],
	    int64_t *rows);
/* 1 when the trail has a row, 0 when not (or it cannot be read). */
int	audit_has_rows(sqlite3 *);
/*
 * Delete rows older than before through a checkpoint written at now
 * (never the newest row).  The number deleted, or -1 with err.
 */
int64_t	audit_prune(sqlite3 *, int64_t before, int64_t now, char *err,
	    size_t errlen);
/* The rows f selects, by id; fn returns non-zero to stop.  0 or -1. */
int	audit_query(sqlite3 *, const struct audit_filter *f, audit_row_fn,
	    void *arg, char *err, size_t errlen);
/* r as the control protocol and GET /v1/audit carry it. */
void	audit_row_export(const struct audit_row *r, struct rpc_audit_row *w);
/* The lower-case hex of a MAC (65 bytes with the NUL). */
void	audit_hex(const uint8_t mac[AUDIT_MAC_LEN], char out[65]);
/* A type name: [a-z_.]{1,31}. */
int	audit_type_ok(const char *);

/*
 * The monitor's trail (audit_events.c).  audit_start(): the key (created
 * at first start), the chain checked (a broken one is a SECURITY line:
 * heraldd goes on, as sshd would, and says which row), old rows pruned,
 * the head logged, and base, when not NULL, given a timer that logs the
 * head and prunes every audit.head_interval seconds.  -1 with err when
 * the key cannot be had.
 */
struct herald_conf;
struct event_base;
int	audit_start(const struct herald_conf *, struct event_base *base,
	    char *err, size_t errlen);
void	audit_reconfigure(const struct herald_conf *);
/* The head to the log, and the key wiped: at shutdown. */
void	audit_stop(void);
/*
 * One event; detail (a JSON object, or NULL) is taken over.  Written in
 * the open transaction if there is one.  0, or -1 (logged).
 */
int	audit_event(const char *type, const char *actor, const char *key,
	    const char *source, json_t *detail);
/* The same with the row ready (the trading path's held writes). */
int	audit_event_row(struct audit_row *);
/* Fill r from the arguments, as audit_event() would; -1 if too long. */
int	audit_row_make(struct audit_row *r, const char *type,
	    const char *actor, const char *key, const char *source,
	    json_t *detail);
/*
 * The detail of a config.reload row: the result of monitor_reload() (0
 * applied, 1 restart needed, -1 refused), the file, and the SHA-256 of
 * the file as it is now.
 */
json_t	*audit_reload_detail(int result);
/*
 * A page of GET /v1/audit into buf (common/rpc_audit.h): the rows f
 * selects, as many as fit cap.  Its length, or 0 with err.
 */
size_t	audit_api_page(const struct audit_filter *f, uint8_t *buf,
	    size_t cap, char *err, size_t errlen);
/* "uid U pid P": a heraldctl peer as SO_PEERCRED named it. */
void	audit_actor_peer(char *buf, size_t len, unsigned int uid, int pid);

#endif
