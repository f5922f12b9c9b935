/*
 * The orders journal.  See journal.h.
 *
 * Every call is one prepared statement (two when a request repeats an
 * earlier one) on the monitor's connection.  Outside a batch each write
 * is its own transaction, made durable by synchronous=FULL before
 * sqlite3_step() returns; inside a batch they share one IMMEDIATE
 * transaction and one fsync at COMMIT.  Idempotency rests on the
 * UNIQUE (key_id, client_order_id) constraint, not on a read before the
 * write: the INSERT does nothing on a conflict and the row it met is
 * then read back, so two requests can never both be NEW.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "db.h"
#include "journal.h"

/* The orders table's CHECKs (db.c, migration 2) use these numbers. */
_Static_assert(JOURNAL_COID_DERIVED_LEN == 69, "derived id length");
_Static_assert(JOURNAL_COID_MAX < JOURNAL_COID_DERIVED_LEN, "id lengths");
_Static_assert(JOURNAL_ADDR_MAX == DB_ADDR_MAX, "address length");

#define ORDER_COLS	"id, key_id, client_addr, client_order_id, derived, " \
			"request, state, result, created, updated"

enum journal_stmt {
	JS_BEGIN,
	JS_COMMIT,
	JS_ROLLBACK,
	JS_INSERT,
	JS_BY_COID,
	JS_BY_ID,
	JS_BY_COID_ANY,
	JS_SENT,
	JS_FINISH,
	JS_IN_FLIGHT,
	JS_UNRESOLVED,
	JS_COUNT,
	JS_PRUNE,
	JS_RELEASE,
	JS_MAX
};

static const char *const journal_sql[JS_MAX] = {
	[JS_BEGIN] = "BEGIN IMMEDIATE",
	[JS_COMMIT] = "COMMIT",
	[JS_ROLLBACK] = "ROLLBACK",
	[JS_INSERT] = "INSERT INTO orders (key_id, client_addr, "
	    "client_order_id, derived, request, state, result, created, "
	    "updated) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', NULL, ?6, ?6) "
	    "ON CONFLICT (key_id, client_order_id) DO NOTHING",
	[JS_BY_COID] = "SELECT " ORDER_COLS " FROM orders "
	    "WHERE key_id = ?1 AND client_order_id = ?2",
	[JS_BY_ID] = "SELECT " ORDER_COLS " FROM orders WHERE id = ?1",
	[JS_BY_COID_ANY] = "SELECT " ORDER_COLS " FROM orders "
	    "WHERE client_order_id = ?1 ORDER BY id DESC LIMIT 1",
	[JS_SENT] = "UPDATE orders SET state = 'sent', updated = ?2 "
	    "WHERE id = ?1 AND state = 'pending'",
	/* No IN lists: see migration 4 in db.c. */
	[JS_FINISH] = "UPDATE orders SET state = ?2, result = ?3, "
	    "updated = ?4 WHERE id = ?1 AND " DB_ORDER_OPEN,
	/* The redundant term lets the planner use the partial index. */
	[JS_IN_FLIGHT] = "SELECT " ORDER_COLS " FROM orders "
	    "WHERE " DB_ORDER_OPEN " AND state <> 'unknown' ORDER BY id",
	[JS_UNRESOLVED] = "SELECT " ORDER_COLS " FROM orders "
	    "WHERE " DB_ORDER_OPEN " ORDER BY id",
	[JS_COUNT] = "SELECT count(*) FROM orders",
	[JS_PRUNE] = "DELETE FROM orders WHERE (state = 'done' OR state = 'failed') "
	    "AND updated < ?1",
	/* "auto-" is refused from clients and "-" is not hex: no clash. */
	[JS_RELEASE] = "UPDATE orders SET client_order_id = substr('auto-' || "
	    "id || '-' || client_order_id, 1, 69) WHERE id = ?1 AND "
	    "state = 'failed' AND client_order_id NOT GLOB 'auto-[0-9]*-*'",
};

static const char *const journal_states[] = {
	[JOURNAL_PENDING] = "pending",
	[JOURNAL_SENT] = "sent",
	[JOURNAL_DONE] = "done",
	[JOURNAL_FAILED] = "failed",
	[JOURNAL_UNKNOWN] = "unknown",
};

#define NSTATES	(int)(sizeof(journal_states) / sizeof(journal_states[0]))

struct journal {
	sqlite3			*db;
	sqlite3_stmt		*st[JS_MAX];
	struct journal_conf	 conf;
	int			 batch;		/* our transaction is open */
	int			 batch_failed;	/* and must roll back */
	char			 batch_err[JOURNAL_ERR_MAX];
	char			 err[JOURNAL_ERR_MAX];
};

/* A growing list of rows, read before the callbacks run. */
struct order_list {
	struct journal_order	*v;
	size_t			 n;
	size_t			 cap;
};

const char *
journal_state_name(enum journal_state s)
{
	if ((int)s < 0 || (int)s >= NSTATES)
		return "invalid";
	return journal_states[s];
}

int
journal_state_parse(const char *s, enum journal_state *out)
{
	int	 i;

	for (i = 0; s != NULL && i < NSTATES; i++) {
		if (strcmp(s, journal_states[i]) == 0) {
			*out = (enum journal_state)i;
			return 0;
		}
	}
	return -1;
}

void
journal_conf_defaults(struct journal_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->window = JOURNAL_WINDOW_DEFAULT;
	c->request_max = JOURNAL_REQUEST_MAX_DEFAULT;
	c->result_max = JOURNAL_RESULT_MAX_DEFAULT;
}

void
journal_order_clear(struct journal_order *o)
{
	if (o == NULL)
		return;
	free(o->request);
	free(o->result);
	memset(o, 0, sizeof(*o));
}

const char *
journal_error(const struct journal *j)
{
	return j->err;
}

int
journal_in_batch(const struct journal *j)
{
	return j->batch;
}

static void __attribute__((format(printf, 2, 0)))
j_vset(struct journal *j, const char *fmt, va_list ap)
{
	vsnprintf(j->err, sizeof(j->err), fmt, ap);
}

/* A refusal: nothing was done, an open batch is unharmed. */
static int __attribute__((format(printf, 2, 3)))
j_refuse(struct journal *j, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	j_vset(j, fmt, ap);
	va_end(ap);
	return JOURNAL_REFUSED;
}

/* A failure outside SQLite that changed nothing. */
static int __attribute__((format(printf, 2, 3)))
j_fail(struct journal *j, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	j_vset(j, fmt, ap);
	va_end(ap);
	return JOURNAL_ERROR;
}

/*
 * A database failure on st: "journal: <what>: <SQLite's reason>".  In a
 * batch it dooms the batch, since the failed statement may have been
 * half of what its caller meant to write.
 */
static int __attribute__((format(printf, 3, 4)))
j_dberr(struct journal *j, sqlite3_stmt *st, const char *fmt, ...)
{
	char	 what[JOURNAL_ERR_MAX / 2];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(j->err, sizeof(j->err), "journal: %s: %s", what,
	    sqlite3_errmsg(j->db));
	if (st != NULL)
		sqlite3_reset(st);
	if (j->batch && !j->batch_failed) {
		j->batch_failed = 1;
		strlcpy(j->batch_err, j->err, sizeof(j->batch_err));
	}
	return JOURNAL_ERROR;
}

static sqlite3_stmt *
j_stmt(struct journal *j, enum journal_stmt which)
{
	sqlite3_reset(j->st[which]);
	sqlite3_clear_bindings(j->st[which]);
	return j->st[which];
}

/*
 * May a write run now?  Outside a batch only in autocommit mode, or it
 * would not be durable when it returns; inside one only while the batch
 * is healthy and its transaction still open (SQLite rolls a transaction
 * back by itself on some errors, after which writes would autocommit).
 */
static int
j_writable(struct journal *j, const char *what)
{
	if (!j->batch) {
		if (!sqlite3_get_autocommit(j->db))
			return j_refuse(j, "journal: %s: a transaction the "
			    "journal did not open is in progress, so the "
			    "write would not be durable on return", what);
		return 0;
	}
	if (!j->batch_failed && sqlite3_get_autocommit(j->db)) {
		j->batch_failed = 1;
		snprintf(j->batch_err, sizeof(j->batch_err), "journal: the "
		    "batch's transaction was rolled back by SQLite");
	}
	if (j->batch_failed)
		return j_fail(j, "journal: %s: the batch already failed (%s)",
		    what, j->batch_err);
	return 0;
}

static int
journal_conf_ok(const struct journal_conf *conf)
{
	return conf->window > 0 && conf->request_max > 0 &&
	    conf->request_max <= INT32_MAX && conf->result_max > 0 &&
	    conf->result_max <= INT32_MAX;
}

void
journal_set_conf(struct journal *j, const struct journal_conf *conf)
{
	if (journal_conf_ok(conf))
		j->conf = *conf;
}

struct journal *
journal_open(sqlite3 *db, const struct journal_conf *conf, char *err,
    size_t errlen)
{
	struct journal	*j;
	int		 i;

	if (db == NULL) {
		snprintf(err, errlen, "journal: the database is not open");
		return NULL;
	}
	if (conf != NULL && !journal_conf_ok(conf)) {
		snprintf(err, errlen, "journal: window (%lld s), request_max "
		    "(%zu) and result_max (%zu) must be positive and below "
		    "2 GB", (long long)conf->window, conf->request_max,
		    conf->result_max);
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		snprintf(err, errlen, "journal: out of memory");
		return NULL;
	}
	j->db = db;
	if (conf != NULL)
		j->conf = *conf;
	else
		journal_conf_defaults(&j->conf);
	for (i = 0; i < JS_MAX; i++) {
		if (sqlite3_prepare_v3(db, journal_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "journal: prepare \"%s\": %s "
			    "(is the schema at version 2?)", journal_sql[i],
			    sqlite3_errmsg(db));
			journal_close(j);
			return NULL;
		}
	}
	return j;
}

void
journal_close(struct journal *j)
{
	int	 i;

	if (j == NULL)
		return;
	if (j->batch)
		journal_batch_abort(j);
	for (i = 0; i < JS_MAX; i++)
		sqlite3_finalize(j->st[i]);
	free(j);
}

/* A blob column into a fresh copy; NULL (and 0) for NULL or empty. */
static int
j_blob(sqlite3_stmt *st, int col, uint8_t **dst, size_t *len)
{
	const void	*p = sqlite3_column_blob(st, col);
	int		 n = sqlite3_column_bytes(st, col);

	*dst = NULL;
	*len = 0;
	if (p == NULL || n <= 0)
		return 0;
	if ((*dst = malloc((size_t)n)) == NULL)
		return -1;
	memcpy(*dst, p, (size_t)n);
	*len = (size_t)n;
	return 0;
}

static int
j_text(sqlite3_stmt *st, int col, char *dst, size_t dstsz, int empty_ok)
{
	const unsigned char	*s = sqlite3_column_text(st, col);
	int			 n = sqlite3_column_bytes(st, col);

	if (s == NULL || n < 0 || (n == 0 && !empty_ok) ||
	    (size_t)n >= dstsz || memchr(s, '\0', (size_t)n) != NULL)
		return -1;
	memcpy(dst, s, (size_t)n);
	dst[n] = '\0';
	return 0;
}

/* One orders row, ORDER_COLS order, into o; the request too if asked. */
static int
j_row(struct journal *j, sqlite3_stmt *st, struct journal_order *o,
    int with_request)
{
	const char	*why = NULL;
	int64_t		 derived;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->key_id = sqlite3_column_int64(st, 1);
	derived = sqlite3_column_int64(st, 4);
	if (j_text(st, 2, o->client_addr, sizeof(o->client_addr), 1) == -1)
		why = "client_addr";
	else if (j_text(st, 3, o->client_order_id,
	    sizeof(o->client_order_id), 0) == -1)
		why = "client_order_id";
	else if (derived != 0 && derived != 1)
		why = "derived";
	else if (journal_state_parse((const char *)sqlite3_column_text(st, 6),
	    &o->state) == -1)
		why = "state";
	if (why != NULL)
		return j_fail(j, "journal: orders row %lld is malformed (%s)",
		    (long long)o->id, why);
	o->derived = (int)derived;
	if ((with_request &&
	    j_blob(st, 5, &o->request, &o->request_len) == -1) ||
	    j_blob(st, 7, &o->result, &o->result_len) == -1) {
		journal_order_clear(o);
		return j_fail(j, "journal: orders row %lld: out of memory",
		    (long long)o->id);
	}
	o->created = sqlite3_column_int64(st, 8);
	o->updated = sqlite3_column_int64(st, 9);
	return 0;
}

/*
 * The row for (key_id, coid) into out: 1, 0 (none) or an error.  When
 * req is given, out->request_differs says whether the stored request is
 * another one.
 */
static int
j_find(struct journal *j, int64_t key_id, const char *coid,
    const void *req, size_t reqlen, struct journal_order *out)
{
	sqlite3_stmt	*st;
	const void	*p;
	size_t		 n;
	int		 rc;

	st = j_stmt(j, JS_BY_COID);
	if (sqlite3_bind_int64(st, 1, key_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, coid, -1, SQLITE_STATIC) != SQLITE_OK)
		return j_dberr(j, st, "look up order (key %lld, "
		    "client_order_id \"%s\")", (long long)key_id, coid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return j_dberr(j, st, "look up order (key %lld, "
		    "client_order_id \"%s\")", (long long)key_id, coid);
	if (j_row(j, st, out, 0) != 0) {
		sqlite3_reset(st);
		return JOURNAL_ERROR;
	}
	if (req != NULL) {
		p = sqlite3_column_blob(st, 5);
		n = (size_t)sqlite3_column_bytes(st, 5);
		out->request_differs = n != reqlen ||
		    (n > 0 && memcmp(p, req, n) != 0);
	}
	sqlite3_reset(st);
	return 1;
}

/* Write the pending row, or find the one that holds its place. */
static int
j_insert(struct journal *j, int64_t key_id, const char *addr,
    const char *coid, int derived, const void *req, size_t reqlen,
    int64_t now, struct journal_order *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = j_stmt(j, JS_INSERT);
	if (sqlite3_bind_int64(st, 1, key_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, coid, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, derived) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 5, req, (int)reqlen, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, now) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "write order (key %lld, "
		    "client_order_id \"%s\")", (long long)key_id, coid);
	sqlite3_reset(st);
	if (sqlite3_changes(j->db) == 1) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_last_insert_rowid(j->db);
		out->key_id = key_id;
		strlcpy(out->client_addr, addr, sizeof(out->client_addr));
		strlcpy(out->client_order_id, coid,
		    sizeof(out->client_order_id));
		out->derived = derived;
		out->state = JOURNAL_PENDING;
		out->created = out->updated = now;
		return JOURNAL_NEW;
	}
	/* The conflict: the row that is there answers this request. */
	if ((rc = j_find(j, key_id, coid, req, reqlen, out)) == 1)
		return JOURNAL_DUPLICATE;
	if (rc == 0)
		return j_fail(j, "journal: order (key %lld, client_order_id "
		    "\"%s\") conflicted but cannot be found",
		    (long long)key_id, coid);
	return rc;
}

static void
j_be64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

/* JOURNAL_COID_PREFIX and hex(SHA-256(key || request || bucket)). */
static int
j_derive(struct journal *j, int64_t key_id, const void *req, size_t reqlen,
    int64_t bucket, char out[JOURNAL_COID_DERIVED_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx;
	uint8_t			 kb[8], bb[8], md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	size_t			 plen = sizeof(JOURNAL_COID_PREFIX) - 1;
	int			 ok;

	j_be64(kb, (uint64_t)key_id);
	j_be64(bb, (uint64_t)bucket);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return j_fail(j, "journal: derive client_order_id: out of "
		    "memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, kb, sizeof(kb)) == 1 &&
	    EVP_DigestUpdate(ctx, req, reqlen) == 1 &&
	    EVP_DigestUpdate(ctx, bb, sizeof(bb)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return j_fail(j, "journal: derive client_order_id: SHA-256 "
		    "failed");
	memcpy(out, JOURNAL_COID_PREFIX, plen);
	for (i = 0; i < mdlen; i++) {
		out[plen + 2 * i] = hex[md[i] >> 4];
		out[plen + 2 * i + 1] = hex[md[i] & 0xf];
	}
	out[plen + 2 * mdlen] = '\0';
	return 0;
}

/* A client's client_order_id: visible ASCII, not our prefix. */
static int
j_coid_ok(struct journal *j, int64_t key_id, const char *coid)
{
	size_t	 i, n = strlen(coid);

	if (n == 0)
		return j_refuse(j, "journal: order for key %lld: "
		    "client_order_id is empty", (long long)key_id);
	if (n > JOURNAL_COID_MAX)
		return j_refuse(j, "journal: order for key %lld: "
		    "client_order_id is %zu bytes, more than the %d allowed",
		    (long long)key_id, n, JOURNAL_COID_MAX);
	for (i = 0; i < n; i++) {
		if (coid[i] < 0x21 || coid[i] > 0x7e)
			return j_refuse(j, "journal: order for key %lld: "
			    "client_order_id has a byte other than visible "
			    "ASCII at offset %zu", (long long)key_id, i);
	}
	if (strncmp(coid, JOURNAL_COID_PREFIX,
	    sizeof(JOURNAL_COID_PREFIX) - 1) == 0)
		return j_refuse(j, "journal: order for key %lld: "
		    "client_order_id \"%s\" uses the prefix \"%s\", which is "
		    "kept for derived ids", (long long)key_id, coid,
		    JOURNAL_COID_PREFIX);
	return 0;
}

/*
 * The row derived for (key_id, request) that an order at now repeats: the
 * one of this window, or the previous window's while it is younger than
 * the window.  1 with out, 0 with coid set to this window's id, or < 0.
 */
static int
j_find_derived(struct journal *j, int64_t key_id, const void *req,
    size_t reqlen, int64_t now, struct journal_order *out,
    char coid[JOURNAL_COID_DERIVED_LEN + 1])
{
	int64_t	 bucket = now / j->conf.window;
	int	 rv;

	/*
	 * A repeat may fall into the next window; the row derived in the
	 * previous one still catches it while it is young enough.
	 */
	if (bucket > 0) {
		if ((rv = j_derive(j, key_id, req, reqlen, bucket - 1,
		    coid)) != 0)
			return rv;
		if ((rv = j_find(j, key_id, coid, req, reqlen, out)) != 0) {
			if (rv < 0 || now - out->created < j->conf.window)
				return rv;
			journal_order_clear(out);
		}
	}
	if ((rv = j_derive(j, key_id, req, reqlen, bucket, coid)) != 0)
		return rv;
	return j_find(j, key_id, coid, req, reqlen, out);
}

int
journal_repeat(struct journal *j, int64_t key_id,
    const char *client_order_id, const void *request, size_t request_len,
    int64_t now, struct journal_order *out)
{
	char	 coid[JOURNAL_COID_DERIVED_LEN + 1];
	int	 rv;

	memset(out, 0, sizeof(*out));
	/* What journal_begin() would refuse repeats nothing. */
	if (request == NULL || request_len == 0 ||
	    request_len > j->conf.request_max || now < 0)
		return 0;
	if (client_order_id != NULL) {
		if (*client_order_id == '\0' ||
		    strlen(client_order_id) > JOURNAL_COID_MAX)
			return 0;
		rv = j_find(j, key_id, client_order_id, request, request_len,
		    out);
	} else
		rv = j_find_derived(j, key_id, request, request_len, now, out,
		    coid);
	return rv == 1 ? JOURNAL_DUPLICATE : rv;
}

int
journal_begin(struct journal *j, int64_t key_id, const char *addr,
    const char *client_order_id, const void *request, size_t request_len,
    int64_t now, struct journal_order *out)
{
	char	 coid[JOURNAL_COID_DERIVED_LEN + 1];
	int	 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = j_writable(j, "write order")) != 0)
		return rv;
	if (addr == NULL || strlen(addr) > JOURNAL_ADDR_MAX)
		return j_refuse(j, "journal: order for key %lld: client "
		    "address is %s", (long long)key_id, addr == NULL ?
		    "missing" : "longer than 63 bytes");
	if (request == NULL || request_len == 0)
		return j_refuse(j, "journal: order for key %lld: the request "
		    "is empty", (long long)key_id);
	if (request_len > j->conf.request_max)
		return j_refuse(j, "journal: order for key %lld: the request "
		    "is %zu bytes, more than the %zu allowed",
		    (long long)key_id, request_len, j->conf.request_max);
	if (now < 0)
		return j_refuse(j, "journal: order for key %lld: the time "
		    "%lld is before 1970", (long long)key_id, (long long)now);
	if (client_order_id != NULL) {
		if ((rv = j_coid_ok(j, key_id, client_order_id)) != 0)
			return rv;
		return j_insert(j, key_id, addr, client_order_id, 0, request,
		    request_len, now, out);
	}
	if ((rv = j_find_derived(j, key_id, request, request_len, now, out,
	    coid)) != 0)
		return rv == 1 ? JOURNAL_DUPLICATE : rv;
	return j_insert(j, key_id, addr, coid, 1, request, request_len, now,
	    out);
}

int
journal_release(struct journal *j, int64_t id)
{
	sqlite3_stmt	*st;
	int		 rv;

	if ((rv = j_writable(j, "release")) != 0)
		return rv;
	st = j_stmt(j, JS_RELEASE);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "release order %lld's client_order_id",
		    (long long)id);
	sqlite3_reset(st);
	if (sqlite3_changes(j->db) != 1)
		return j_refuse(j, "journal: release order %lld: no failed "
		    "order of that id holds a client_order_id", (long long)id);
	return 0;
}

/* Why an UPDATE of order id changed nothing: a refusal naming it. */
static int
j_why(struct journal *j, int64_t id, const char *what, const char *want)
{
	struct journal_order	 o;
	enum journal_state	 s;
	int			 rc;

	if ((rc = journal_get(j, id, &o)) == 0)
		return j_refuse(j, "journal: %s order %lld: no such order",
		    what, (long long)id);
	if (rc < 0)
		return rc;
	s = o.state;
	journal_order_clear(&o);
	return j_refuse(j, "journal: %s order %lld: it is %s, not %s", what,
	    (long long)id, journal_state_name(s), want);
}

int
journal_mark_sent(struct journal *j, int64_t id, int64_t now)
{
	sqlite3_stmt	*st;
	int		 rv;

	if ((rv = j_writable(j, "mark sent")) != 0)
		return rv;
	st = j_stmt(j, JS_SENT);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "mark order %lld sent", (long long)id);
	sqlite3_reset(st);
	if (sqlite3_changes(j->db) != 1)
		return j_why(j, id, "mark sent", "pending");
	return 0;
}

int
journal_finish(struct journal *j, int64_t id, enum journal_state state,
    const void *result, size_t result_len, int64_t now)
{
	sqlite3_stmt	*st;
	const char	*name = journal_state_name(state);
	int		 rv, brc;

	if ((rv = j_writable(j, "finish")) != 0)
		return rv;
	if (state != JOURNAL_DONE && state != JOURNAL_FAILED &&
	    state != JOURNAL_UNKNOWN)
		return j_refuse(j, "journal: finish order %lld: %s is not a "
		    "final state (done, failed or unknown)", (long long)id,
		    name);
	if ((result == NULL) != (result_len == 0))
		return j_refuse(j, "journal: finish order %lld: result "
		    "pointer and length disagree", (long long)id);
	if (result == NULL && state != JOURNAL_UNKNOWN)
		return j_refuse(j, "journal: finish order %lld: a %s order "
		    "needs its result", (long long)id, name);
	if (result_len > j->conf.result_max)
		return j_refuse(j, "journal: finish order %lld: the result is "
		    "%zu bytes, more than the %zu allowed", (long long)id,
		    result_len, j->conf.result_max);
	st = j_stmt(j, JS_FINISH);
	brc = sqlite3_bind_int64(st, 1, id);
	brc |= sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (result != NULL)
		brc |= sqlite3_bind_blob(st, 3, result, (int)result_len,
		    SQLITE_STATIC);
	else
		brc |= sqlite3_bind_null(st, 3);
	brc |= sqlite3_bind_int64(st, 4, now);
	if (brc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "finish order %lld as %s",
		    (long long)id, name);
	sqlite3_reset(st);
	if (sqlite3_changes(j->db) != 1)
		return j_why(j, id, "finish", "pending, sent or unknown");
	return 0;
}

int
journal_find(struct journal *j, int64_t key_id, const char *coid,
    struct journal_order *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (key_id != JOURNAL_ANY_KEY)
		return j_find(j, key_id, coid, NULL, 0, out);
	st = j_stmt(j, JS_BY_COID_ANY);
	if (sqlite3_bind_text(st, 1, coid, -1, SQLITE_STATIC) != SQLITE_OK)
		return j_dberr(j, st, "look up order (client_order_id "
		    "\"%s\")", coid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return j_dberr(j, st, "look up order (client_order_id "
		    "\"%s\")", coid);
	rc = j_row(j, st, out, 0) == 0 ? 1 : JOURNAL_ERROR;
	sqlite3_reset(st);
	return rc;
}

int
journal_get(struct journal *j, int64_t id, struct journal_order *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(out, 0, sizeof(*out));
	st = j_stmt(j, JS_BY_ID);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return j_dberr(j, st, "read order %lld", (long long)id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return j_dberr(j, st, "read order %lld", (long long)id);
	rc = j_row(j, st, out, 1) == 0 ? 1 : JOURNAL_ERROR;
	sqlite3_reset(st);
	return rc;
}

static void
j_list_free(struct order_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		journal_order_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Read every row of st first, then hand them to fn one by one. */
static int
j_list(struct journal *j, enum journal_stmt which, const char *what,
    journal_order_fn fn, void *arg)
{
	struct order_list	 l = { NULL, 0, 0 };
	struct journal_order	*nv;
	sqlite3_stmt		*st;
	size_t			 i, ncap;
	int			 rc;

	st = j_stmt(j, which);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (l.n == l.cap) {
			ncap = l.cap == 0 ? 16 : l.cap * 2;
			if ((nv = reallocarray(l.v, ncap, sizeof(*nv))) ==
			    NULL) {
				sqlite3_reset(st);
				j_list_free(&l);
				return j_fail(j, "journal: %s: out of memory",
				    what);
			}
			l.v = nv;
			l.cap = ncap;
		}
		if (j_row(j, st, &l.v[l.n], 1) != 0) {
			sqlite3_reset(st);
			j_list_free(&l);
			return JOURNAL_ERROR;
		}
		l.n++;
	}
	if (rc != SQLITE_DONE) {
		j_list_free(&l);
		return j_dberr(j, st, "%s", what);
	}
	sqlite3_reset(st);
	for (i = 0; i < l.n; i++) {
		if (fn(&l.v[i], arg) != 0)
			break;
	}
	j_list_free(&l);
	return 0;
}

int
journal_in_flight(struct journal *j, journal_order_fn fn, void *arg)
{
	return j_list(j, JS_IN_FLIGHT, "list orders in flight", fn, arg);
}

int
journal_unresolved(struct journal *j, journal_order_fn fn, void *arg)
{
	return j_list(j, JS_UNRESOLVED, "list unresolved orders", fn, arg);
}

int
journal_count(struct journal *j, int64_t *n)
{
	sqlite3_stmt	*st;

	st = j_stmt(j, JS_COUNT);
	if (sqlite3_step(st) != SQLITE_ROW)
		return j_dberr(j, st, "count orders");
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int64_t
journal_prune(struct journal *j, int64_t before)
{
	sqlite3_stmt	*st;
	int		 rv;

	if ((rv = j_writable(j, "prune")) != 0)
		return rv;
	st = j_stmt(j, JS_PRUNE);
	if (sqlite3_bind_int64(st, 1, before) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "prune orders finished before %lld",
		    (long long)before);
	sqlite3_reset(st);
	return sqlite3_changes64(j->db);
}

int
journal_batch_begin(struct journal *j)
{
	sqlite3_stmt	*st;

	if (j->batch)
		return j_refuse(j, "journal: begin batch: a batch is already "
		    "open");
	if (!sqlite3_get_autocommit(j->db))
		return j_refuse(j, "journal: begin batch: a transaction the "
		    "journal did not open is in progress");
	st = j_stmt(j, JS_BEGIN);
	if (sqlite3_step(st) != SQLITE_DONE)
		return j_dberr(j, st, "begin batch");
	sqlite3_reset(st);
	j->batch = 1;
	j->batch_failed = 0;
	j->batch_err[0] = '\0';
	return 0;
}

/* Undo the open transaction, if SQLite has not already. */
static void
j_rollback(struct journal *j)
{
	sqlite3_stmt	*st;

	if (sqlite3_get_autocommit(j->db))
		return;
	st = j_stmt(j, JS_ROLLBACK);
	if (sqlite3_step(st) != SQLITE_DONE) {
		/* A statement still running keeps it open; stop them all. */
		sqlite3_reset(st);
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_reset(st);
}

int
journal_batch_commit(struct journal *j)
{
	sqlite3_stmt	*st;
	char		 why[JOURNAL_ERR_MAX];

	if (!j->batch)
		return j_refuse(j, "journal: commit batch: no batch is open");
	if (j->batch_failed || sqlite3_get_autocommit(j->db)) {
		if (!j->batch_failed)
			strlcpy(j->batch_err, "its transaction was rolled "
			    "back by SQLite", sizeof(j->batch_err));
		j_rollback(j);
		j->batch = j->batch_failed = 0;
		return j_fail(j, "journal: batch rolled back: %s",
		    j->batch_err);
	}
	st = j_stmt(j, JS_COMMIT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		strlcpy(why, sqlite3_errmsg(j->db), sizeof(why));
		sqlite3_reset(st);
		j_rollback(j);
		j->batch = 0;
		return j_fail(j, "journal: commit batch: %s; rolled back",
		    why);
	}
	sqlite3_reset(st);
	j->batch = 0;
	return 0;
}

void
journal_batch_abort(struct journal *j)
{
	if (!j->batch)
		return;
	j_rollback(j);
	j->batch = j->batch_failed = 0;
}
