/*
 * The broker's state and the lockdown switch in SQLite.  See store.h.
 *
 * Every call is one prepared statement on the monitor's connection.  A
 * put is an upsert rather than INSERT OR REPLACE so that a record keeps
 * its rowid, and with it its place in the load order, when it changes:
 * positions and orders come back in the order they were opened.
 */
#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

/* The newest rows of one type: later time first, then the greater key. */
#define STORE_NEWEST(t, n)						\
	"SELECT rowid FROM broker_state WHERE type = " t " "		\
	"ORDER BY time DESC, length(key) DESC, key DESC LIMIT " n

enum store_stmt {
	SS_PUT,
	SS_PUT_SAME,
	SS_DEL,
	SS_LOAD,
	SS_PROFIT,
	SS_LOCK_GET,
	SS_LOCK_SET,
	SS_PRUNE_OLD,
	SS_PRUNE_MANY,
	SS_OWNER_PUT,
	SS_OWNER_GET,
	SS_OWNER_PRUNE,
	SS_LEDGER_PUT,
	SS_LEDGER_SUM,
	SS_LEDGER_PRUNE,
	SS_DEALS,
	SS_MAX
};

static const char *const store_sql[SS_MAX] = {
	[SS_PUT] = "INSERT INTO broker_state (type, key, time, profit, body) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (type, key) DO UPDATE "
	    "SET time = excluded.time, profit = excluded.profit, "
	    "body = excluded.body",
	/*
	 * A record whose time is unchanged (the account, a position, a
	 * pending order: most puts) is replaced without touching time, so
	 * that broker_state_time's entry, and its page, stay as they are:
	 * SQLite rewrites the entries of every index on a column SET.
	 */
	[SS_PUT_SAME] = "UPDATE broker_state SET profit = ?4, body = ?5 "
	    "WHERE type = ?1 AND key = ?2 AND time = ?3",
	[SS_DEL] = "DELETE FROM broker_state WHERE type = ?1 AND key = ?2",
	/* LIMIT -1 is no limit. */
	[SS_LOAD] = "SELECT type, key, body FROM broker_state WHERE "
	    "(type <> ?1 OR rowid IN (" STORE_NEWEST("?1", "?2") ")) AND "
	    "(type <> ?3 OR rowid IN (" STORE_NEWEST("?3", "?4") ")) "
	    "ORDER BY type, rowid",
	[SS_PROFIT] = "SELECT total(profit) FROM broker_state "
	    "WHERE type = ?1 AND time >= ?2",
	[SS_LOCK_GET] = "SELECT active, who, since FROM lockdown WHERE id = 1",
	[SS_LOCK_SET] = "INSERT INTO lockdown (id, active, who, since) "
	    "VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
	    "active = excluded.active, who = excluded.who, "
	    "since = excluded.since",
	[SS_PRUNE_OLD] = "DELETE FROM broker_state WHERE type = ?1 AND "
	    "time < ?2",
	[SS_PRUNE_MANY] = "DELETE FROM broker_state WHERE type = ?1 AND "
	    "rowid NOT IN (" STORE_NEWEST("?1", "?2") ")",
	/* The first owner stays: a netting position is its opener's. */
	[SS_OWNER_PUT] = "INSERT INTO tickets (ticket, key_id, order_id) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (ticket) DO NOTHING",
	[SS_OWNER_GET] = "SELECT key_id, order_id FROM tickets "
	    "WHERE ticket = ?1",
	/* Open tickets keep their owner after their order row has gone. */
	[SS_OWNER_PRUNE] = "DELETE FROM tickets WHERE order_id NOT IN "
	    "(SELECT id FROM orders) AND CAST(ticket AS TEXT) NOT IN "
	    "(SELECT key FROM broker_state WHERE type = ?1 OR type = ?2)",
	/* The first report of a deal stands. */
	[SS_LEDGER_PUT] = "INSERT INTO ledger (deal, time, profit) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (deal) DO NOTHING",
	[SS_LEDGER_SUM] = "SELECT total(profit) FILTER (WHERE time >= ?1), "
	    "max(deal) FROM ledger",
	[SS_LEDGER_PRUNE] = "DELETE FROM ledger WHERE time < ?1",
	/* By time, then key as a number (a longer key is the greater). */
	[SS_DEALS] = "SELECT type, key, body FROM broker_state WHERE "
	    "type = ?1 AND time >= ?2 AND time < ?3 AND (time > ?4 OR "
	    "(time = ?4 AND (length(key) > ?5 OR (length(key) = ?5 AND "
	    "key > ?6)))) ORDER BY time, length(key), key",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[SS_MAX];
	char		 err[STORE_ERR_MAX];
};

const char *
store_error(const struct store *s)
{
	return s->err;
}

/* A refusal or a failure outside SQLite: "store: <why>". */
static int __attribute__((format(printf, 2, 3)))
s_fail(struct store *s, const char *fmt, ...)
{
	char	 why[STORE_ERR_MAX - 8];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(s->err, sizeof(s->err), "store: %s", why);
	return -1;
}

/* A database failure on st: "store: <what>: <SQLite's reason>". */
static int __attribute__((format(printf, 3, 4)))
s_dberr(struct store *s, sqlite3_stmt *st, const char *fmt, ...)
{
	char	 what[STORE_ERR_MAX / 2];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(s->err, sizeof(s->err), "store: %s: %s", what,
	    sqlite3_errmsg(s->db));
	if (st != NULL)
		sqlite3_reset(st);
	return -1;
}

static sqlite3_stmt *
s_stmt(struct store *s, enum store_stmt which)
{
	sqlite3_reset(s->st[which]);
	sqlite3_clear_bindings(s->st[which]);
	return s->st[which];
}

struct store *
store_open(sqlite3 *db, char *err, size_t errlen)
{
	struct store	*s;
	int		 i;

	if (db == NULL) {
		snprintf(err, errlen, "store: the database is not open");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "store: out of memory");
		return NULL;
	}
	s->db = db;
	for (i = 0; i < SS_MAX; i++) {
		if (sqlite3_prepare_v3(db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "store: prepare \"%s\": %s "
			    "(is the schema at version 3, and 6 for tickets?)",
			    store_sql[i],
			    sqlite3_errmsg(db));
			store_close(s);
			return NULL;
		}
	}
	return s;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < SS_MAX; i++)
		sqlite3_finalize(s->st[i]);
	free(s);
}

/* A key the table takes: a string of at most STORE_KEY_MAX bytes. */
static int
s_key_ok(struct store *s, const char *what, uint8_t type, const char *key)
{
	if (key == NULL)
		return s_fail(s, "%s record of type %u: no key", what,
		    (unsigned int)type);
	if (strnlen(key, STORE_KEY_MAX + 1) > STORE_KEY_MAX)
		return s_fail(s, "%s record of type %u: the key is longer "
		    "than %d bytes", what, (unsigned int)type, STORE_KEY_MAX);
	return 0;
}

/* SS_PUT or SS_PUT_SAME with a record bound; NULL if a bind failed. */
static sqlite3_stmt *
s_put_bind(struct store *s, enum store_stmt which, uint8_t type,
    const char *key, int64_t time_ms, double profit, const void *body,
    size_t len)
{
	sqlite3_stmt	*st = s_stmt(s, which);
	int		 brc;

	brc = sqlite3_bind_int(st, 1, type);
	brc |= sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	brc |= sqlite3_bind_int64(st, 3, time_ms);
	brc |= sqlite3_bind_double(st, 4, profit);
	/* A NULL pointer would bind NULL; an empty body is still a blob. */
	if (len == 0)
		brc |= sqlite3_bind_zeroblob(st, 5, 0);
	else
		brc |= sqlite3_bind_blob(st, 5, body, (int)len,
		    SQLITE_STATIC);
	if (brc != SQLITE_OK) {
		sqlite3_reset(st);
		return NULL;
	}
	return st;
}

int
store_put(struct store *s, uint8_t type, const char *key, int64_t time_ms,
    double profit, const void *body, size_t len)
{
	sqlite3_stmt	*st;

	if (s_key_ok(s, "put", type, key) == -1)
		return -1;
	if (body == NULL && len > 0)
		return s_fail(s, "put record (type %u, key \"%s\"): no body "
		    "for %zu bytes", (unsigned int)type, key, len);
	if (len > STORE_BODY_MAX)
		return s_fail(s, "put record (type %u, key \"%s\"): the body "
		    "is %zu bytes, more than the %d allowed",
		    (unsigned int)type, key, len, STORE_BODY_MAX);
	if (!isfinite(profit))
		return s_fail(s, "put record (type %u, key \"%s\"): the "
		    "profit is not a finite number", (unsigned int)type, key);
	/* The same time replaced in place, else inserted or retimed. */
	st = s_put_bind(s, SS_PUT_SAME, type, key, time_ms, profit, body,
	    len);
	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "put record (type %u, key \"%s\")",
		    (unsigned int)type, key);
	sqlite3_reset(st);
	if (sqlite3_changes(s->db) > 0)
		return 0;
	st = s_put_bind(s, SS_PUT, type, key, time_ms, profit, body, len);
	if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "put record (type %u, key \"%s\")",
		    (unsigned int)type, key);
	sqlite3_reset(st);
	return 0;
}

int
store_del(struct store *s, uint8_t type, const char *key)
{
	sqlite3_stmt	*st;

	if (s_key_ok(s, "delete", type, key) == -1)
		return -1;
	st = s_stmt(s, SS_DEL);
	if (sqlite3_bind_int(st, 1, type) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "delete record (type %u, key \"%s\")",
		    (unsigned int)type, key);
	sqlite3_reset(st);
	return 0;
}

/* A maximum for LIMIT: 0 is none (-1 to SQLite). */
static sqlite3_int64
s_limit(size_t max)
{
	if (max == 0)
		return -1;
	if (max > INT64_MAX)
		return INT64_MAX;
	return (sqlite3_int64)max;
}

/* The current row of the load into its parts; -1 if it breaks the schema. */
static int
s_row(struct store *s, sqlite3_stmt *st, uint8_t *type, char *key,
    const void **body, size_t *len)
{
	static const uint8_t	 empty[1];
	sqlite3_int64		 t = sqlite3_column_int64(st, 0);
	const unsigned char	*k = sqlite3_column_text(st, 1);
	int			 kn = sqlite3_column_bytes(st, 1);
	int			 bn;

	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || t < 0 ||
	    t > UINT8_MAX)
		return s_fail(s, "broker_state has a row of type %lld, which "
		    "is not 0..255", (long long)t);
	if (k == NULL || kn < 0 || kn > STORE_KEY_MAX ||
	    memchr(k, '\0', (size_t)kn) != NULL)
		return s_fail(s, "broker_state has a row of type %lld whose "
		    "key is malformed", (long long)t);
	memcpy(key, k, (size_t)kn);
	key[kn] = '\0';
	*type = (uint8_t)t;
	*body = sqlite3_column_blob(st, 2);
	bn = sqlite3_column_bytes(st, 2);
	if (bn < 0 || bn > STORE_BODY_MAX || (*body == NULL && bn > 0))
		return s_fail(s, "broker_state row (type %lld, key \"%s\") "
		    "has a malformed body", (long long)t, key);
	if (*body == NULL)
		*body = empty;
	*len = (size_t)bn;
	return 0;
}

/*
 * Each row (type, key, body) of a bound statement to fn, until it
 * returns non-zero: 0, fn's value, or -1 naming what.
 */
static int
s_each(struct store *s, sqlite3_stmt *st, const char *what, store_fn fn,
    void *arg)
{
	char		 key[STORE_KEY_MAX + 1];
	const void	*body = NULL;
	size_t		 len = 0;
	uint8_t		 type = 0;
	int		 rc, stop = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s_row(s, st, &type, key, &body, &len) == -1) {
			sqlite3_reset(st);
			return -1;
		}
		if ((stop = fn(type, key, body, len, arg)) != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE)
		return s_dberr(s, st, "%s", what);
	sqlite3_reset(st);
	return stop;
}

int
store_load(struct store *s, uint8_t deal_type, size_t max_deals,
    uint8_t command_type, size_t max_commands, store_fn fn, void *arg)
{
	sqlite3_stmt	*st;
	int		 brc;

	st = s_stmt(s, SS_LOAD);
	brc = sqlite3_bind_int(st, 1, deal_type);
	brc |= sqlite3_bind_int64(st, 2, s_limit(max_deals));
	brc |= sqlite3_bind_int(st, 3, command_type);
	brc |= sqlite3_bind_int64(st, 4, s_limit(max_commands));
	if (brc != SQLITE_OK)
		return s_dberr(s, st, "load records");
	return s_each(s, st, "load records", fn, arg);
}

int
store_deals(struct store *s, uint8_t deal_type, int64_t from, int64_t to,
    int64_t after_time, uint64_t after_ticket, store_fn fn, void *arg)
{
	sqlite3_stmt	*st;
	char		 after[24];
	int		 brc;

	if (after_ticket == 0)
		after_time = INT64_MIN;
	snprintf(after, sizeof(after), "%llu",
	    (unsigned long long)after_ticket);
	st = s_stmt(s, SS_DEALS);
	brc = sqlite3_bind_int(st, 1, deal_type);
	brc |= sqlite3_bind_int64(st, 2, from);
	brc |= sqlite3_bind_int64(st, 3, to > 0 ? to : INT64_MAX);
	brc |= sqlite3_bind_int64(st, 4, after_time);
	brc |= sqlite3_bind_int64(st, 5, after_ticket == 0 ? 0 :
	    (int64_t)strlen(after));
	brc |= sqlite3_bind_text(st, 6, after_ticket == 0 ? "" : after, -1,
	    SQLITE_TRANSIENT);
	if (brc != SQLITE_OK)
		return s_dberr(s, st, "read deals");
	return s_each(s, st, "read deals", fn, arg);
}

int
store_profit_since(struct store *s, uint8_t deal_type, int64_t since_ms,
    double *sum)
{
	sqlite3_stmt	*st;

	st = s_stmt(s, SS_PROFIT);
	if (sqlite3_bind_int(st, 1, deal_type) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, since_ms) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return s_dberr(s, st, "sum the profit of records of type %u "
		    "since %lld", (unsigned int)deal_type,
		    (long long)since_ms);
	*sum = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int64_t
s_prune(struct store *s, enum store_stmt which, uint8_t type, int64_t arg)
{
	sqlite3_stmt	*st;

	st = s_stmt(s, which);
	if (sqlite3_bind_int(st, 1, type) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, arg) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "prune records of type %u",
		    (unsigned int)type);
	sqlite3_reset(st);
	return sqlite3_changes(s->db);
}

int64_t
store_prune_before(struct store *s, uint8_t type, int64_t before_ms)
{
	return s_prune(s, SS_PRUNE_OLD, type, before_ms);
}

int64_t
store_prune_keep(struct store *s, uint8_t type, size_t keep)
{
	if (keep == 0 || keep > INT64_MAX)
		return 0;
	return s_prune(s, SS_PRUNE_MANY, type, (int64_t)keep);
}

int
store_lockdown_get(struct store *s, struct store_lockdown *out)
{
	sqlite3_stmt		*st;
	const unsigned char	*who;
	sqlite3_int64		 active;
	int			 rc, n;

	memset(out, 0, sizeof(*out));
	st = s_stmt(s, SS_LOCK_GET);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return s_dberr(s, st, "read lockdown");
	active = sqlite3_column_int64(st, 0);
	who = sqlite3_column_text(st, 1);
	n = sqlite3_column_bytes(st, 1);
	if ((active != 0 && active != 1) || who == NULL || n < 0 ||
	    n >= STORE_WHO_MAX || memchr(who, '\0', (size_t)n) != NULL) {
		sqlite3_reset(st);
		return s_fail(s, "the lockdown row is malformed");
	}
	out->active = (int)active;
	memcpy(out->who, who, (size_t)n);
	out->who[n] = '\0';
	out->since = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	return 0;
}

int
store_lockdown_set(struct store *s, const struct store_lockdown *l)
{
	sqlite3_stmt	*st;
	int		 brc;

	if (l->active != 0 && l->active != 1)
		return s_fail(s, "set lockdown: active is %d, not 0 or 1",
		    l->active);
	if (memchr(l->who, '\0', sizeof(l->who)) == NULL)
		return s_fail(s, "set lockdown: who is not a string of under "
		    "%d bytes", STORE_WHO_MAX);
	st = s_stmt(s, SS_LOCK_SET);
	brc = sqlite3_bind_int(st, 1, l->active);
	brc |= sqlite3_bind_text(st, 2, l->who, -1, SQLITE_STATIC);
	brc |= sqlite3_bind_int64(st, 3, l->since);
	if (brc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "turn lockdown %s", l->active ?
		    "on" : "off");
	sqlite3_reset(st);
	return 0;
}

int
store_owner_put(struct store *s, uint64_t ticket, int64_t key_id,
    int64_t order_id)
{
	sqlite3_stmt	*st = s_stmt(s, SS_OWNER_PUT);

	if (ticket == 0 || ticket > INT64_MAX)
		return s_fail(s, "ticket %llu out of range",
		    (unsigned long long)ticket);
	if (sqlite3_bind_int64(st, 1, (int64_t)ticket) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, key_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, order_id) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "owner of ticket %llu",
		    (unsigned long long)ticket);
	sqlite3_reset(st);
	return 0;
}

int
store_owner_get(struct store *s, uint64_t ticket, int64_t *key_id,
    int64_t *order_id)
{
	sqlite3_stmt	*st = s_stmt(s, SS_OWNER_GET);
	int		 rc;

	if (ticket == 0 || ticket > INT64_MAX)
		return 0;
	if (sqlite3_bind_int64(st, 1, (int64_t)ticket) != SQLITE_OK)
		return s_dberr(s, st, "owner of ticket %llu",
		    (unsigned long long)ticket);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return s_dberr(s, st, "owner of ticket %llu",
		    (unsigned long long)ticket);
	*key_id = sqlite3_column_int64(st, 0);
	*order_id = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 1;
}

int64_t
store_owner_prune(struct store *s, uint8_t position_type, uint8_t order_type)
{
	sqlite3_stmt	*st = s_stmt(s, SS_OWNER_PRUNE);

	if (sqlite3_bind_int(st, 1, position_type) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, order_type) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "prune ticket owners");
	sqlite3_reset(st);
	return sqlite3_changes(s->db);
}

int
store_ledger_put(struct store *s, uint64_t deal, int64_t time_ms,
    double profit)
{
	sqlite3_stmt	*st = s_stmt(s, SS_LEDGER_PUT);

	if (deal == 0 || deal > INT64_MAX || !isfinite(profit))
		return s_fail(s, "deal %llu: ticket or profit out of range",
		    (unsigned long long)deal);
	if (sqlite3_bind_int64(st, 1, (int64_t)deal) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, time_ms) != SQLITE_OK ||
	    sqlite3_bind_double(st, 3, profit) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "record deal %llu",
		    (unsigned long long)deal);
	sqlite3_reset(st);
	return 0;
}

int
store_ledger_sum(struct store *s, int64_t since_ms, double *sum,
    uint64_t *last_deal)
{
	sqlite3_stmt	*st = s_stmt(s, SS_LEDGER_SUM);

	if (sqlite3_bind_int64(st, 1, since_ms) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return s_dberr(s, st, "sum the ledger");
	*sum = sqlite3_column_double(st, 0);
	*last_deal = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 :
	    (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (!isfinite(*sum))
		return s_fail(s, "the ledger's sum is not finite");
	return 0;
}

int64_t
store_ledger_prune(struct store *s, int64_t before_ms)
{
	sqlite3_stmt	*st = s_stmt(s, SS_LEDGER_PRUNE);

	if (sqlite3_bind_int64(st, 1, before_ms) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return s_dberr(s, st, "prune the ledger");
	sqlite3_reset(st);
	return sqlite3_changes(s->db);
}
