/*
 * The audit trail's rows, chain and key.  See audit.h.
 *
 * Nothing here keeps the chain head in memory: each append reads the
 * last row on the connection it writes with, inside the transaction it
 * writes in, so a batch rolled back (trading_commit.c's storage faults)
 * takes its rows and their place in the chain with it.
 *
 * What an append runs (two statements, one per order on the trading
 * path) stays prepared for the connection it last ran on: parsing them
 * again for every row was a fifth of the monitor's CPU per order
 * (issue 12).
 */
#include <sys/stat.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "audit.h"
#include "bridge.h"
#include "db.h"
#include "fsafe.h"
#include "keyfile.h"
#include "log.h"
#include "secmem.h"

#define ROW_COLS	"id, time, type, actor, key, source, detail, mac"

static struct secret	*audit_k;

/*
 * The statements of an append: kept prepared on the monitor's
 * connection (db_cached()), prepared each time on another.
 */
enum { AS_HEAD, AS_INSERT };
static const char *const audit_sql[] = {
	[AS_HEAD] = "SELECT id, mac FROM audit ORDER BY id DESC LIMIT 1",
	[AS_INSERT] = "INSERT INTO audit (" ROW_COLS ") VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)",
};

static sqlite3_stmt *
audit_stmt(sqlite3 *db, int which)
{
	sqlite3_stmt	*st = NULL;

	if (db == db_handle())
		return db_cached(audit_sql[which]);
	if (sqlite3_prepare_v2(db, audit_sql[which], -1, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Done with audit_stmt()'s st: reset (no read left open) or finalized. */
static void
audit_stmt_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (db == db_handle())
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
}

/* --- the chain ---------------------------------------------------------- */

static void
mac_u64(EVP_MAC_CTX *c, uint64_t v)
{
	uint64_t	 be = htobe64(v);

	EVP_MAC_update(c, (const unsigned char *)&be, sizeof(be));
}

static void
mac_str(EVP_MAC_CTX *c, const char *s)
{
	uint32_t	 len = (uint32_t)strlen(s), be = htobe32(len);

	EVP_MAC_update(c, (const unsigned char *)&be, sizeof(be));
	EVP_MAC_update(c, (const unsigned char *)s, len);
}

void
audit_mac(const uint8_t key[AUDIT_KEY_LEN], const uint8_t prev[AUDIT_MAC_LEN],
    const struct audit_row *r, uint8_t out[AUDIT_MAC_LEN])
{
	static EVP_MAC	*mac;
	OSSL_PARAM	 params[2];
	EVP_MAC_CTX	*c;
	size_t		 n = 0;

	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		fatalx("audit: no HMAC in OpenSSL");
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((c = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(c, key, AUDIT_KEY_LEN, params) != 1)
		fatalx("audit: HMAC init");
	EVP_MAC_update(c, prev, AUDIT_MAC_LEN);
	mac_u64(c, (uint64_t)r->id);
	mac_u64(c, (uint64_t)r->time);
	mac_str(c, r->type);
	mac_str(c, r->actor);
	mac_str(c, r->key);
	mac_str(c, r->source);
	mac_str(c, r->detail);
	if (EVP_MAC_final(c, out, &n, AUDIT_MAC_LEN) != 1 ||
	    n != AUDIT_MAC_LEN)
		fatalx("audit: HMAC final");
	EVP_MAC_CTX_free(c);
}

_Static_assert(AUDIT_MAC_LEN == BRIDGE_KEY_LEN &&
    AUDIT_KEY_LEN == KEYFILE_LEN, "MACs and keys are 32 bytes");

void
audit_hex(const uint8_t mac[AUDIT_MAC_LEN], char out[65])
{
	bridge_hex_encode(mac, out);
}

static int
unhex(const char *s, uint8_t *out)
{
	return bridge_hex_decode(s, strlen(s), out);
}

_Static_assert(RPC_AUDIT_TYPE_MAX == AUDIT_TYPE_MAX &&
    RPC_AUDIT_ACTOR_MAX == AUDIT_ACTOR_MAX &&
    RPC_AUDIT_KEY_MAX == AUDIT_KEYNAME_MAX &&
    RPC_AUDIT_SOURCE_MAX == AUDIT_SOURCE_MAX &&
    RPC_AUDIT_DETAIL_MAX == AUDIT_DETAIL_MAX &&
    RPC_AUDIT_MAC_HEX == 2 * AUDIT_MAC_LEN,
    "a row goes out whole");

void
audit_row_export(const struct audit_row *r, struct rpc_audit_row *w)
{
	memset(w, 0, sizeof(*w));
	w->id = r->id > 0 ? (uint64_t)r->id : 0;
	w->time = r->time > 0 ? (uint64_t)r->time : 0;
	strlcpy(w->type, r->type, sizeof(w->type));
	strlcpy(w->actor, r->actor, sizeof(w->actor));
	strlcpy(w->key, r->key, sizeof(w->key));
	strlcpy(w->source, r->source, sizeof(w->source));
	strlcpy(w->detail, r->detail, sizeof(w->detail));
	audit_hex(r->mac, w->mac);
}

int
audit_type_ok(const char *t)
{
	size_t	 n = strlen(t);

	return n >= 1 && n <= AUDIT_TYPE_MAX &&
	    strspn(t, "abcdefghijklmnopqrstuvwxyz_.") == n;
}

/* --- the key ------------------------------------------------------------ */

void
audit_key_set(const uint8_t k[AUDIT_KEY_LEN])
{
	secret_free(audit_k);
	audit_k = secret_new(k, AUDIT_KEY_LEN);
}

void
audit_key_forget(void)
{
	secret_free(audit_k);
	audit_k = NULL;
}

int
audit_key_loaded(void)
{
	return audit_k != NULL;
}

int
audit_key_load(const char *path, int create, char *err, size_t errlen)
{
	uint8_t		 k[AUDIT_KEY_LEN];
	int		 r;

	if (fsafe_check_parent("audit.key_file", path, err, errlen) == -1)
		return -1;
	if ((r = keyfile_read("audit.key_file", path, k, err, errlen)) == 1 &&
	    create) {
		if (RAND_bytes(k, sizeof(k)) != 1) {
			snprintf(err, errlen, "audit.key_file: no random bytes");
			return -1;
		}
		if ((r = keyfile_write("audit.key_file", path, k, 0, err,
		    errlen)) == 0)
			log_info("audit: created a new audit key in %s", path);
	}
	if (r == 0)
		audit_key_set(k);
	OPENSSL_cleanse(k, sizeof(k));
	return r;
}

/* --- rows --------------------------------------------------------------- */

static int
sql_fail(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "audit: %s: %s", what, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	strlcpy(dst, t != NULL ? (const char *)t : "", dstsz);
}

/* One row from a statement selecting ROW_COLS. */
static void
row_read(sqlite3_stmt *st, struct audit_row *r)
{
	const void	*mac;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->time = sqlite3_column_int64(st, 1);
	col_text(st, 2, r->type, sizeof(r->type));
	col_text(st, 3, r->actor, sizeof(r->actor));
	col_text(st, 4, r->key, sizeof(r->key));
	col_text(st, 5, r->source, sizeof(r->source));
	col_text(st, 6, r->detail, sizeof(r->detail));
	mac = sqlite3_column_blob(st, 7);
	if (mac != NULL && sqlite3_column_bytes(st, 7) == AUDIT_MAC_LEN)
		memcpy(r->mac, mac, AUDIT_MAC_LEN);
}

int
audit_head(sqlite3 *db, int64_t *id, uint8_t mac[AUDIT_MAC_LEN],
    int64_t *rows)
{
	sqlite3_stmt	*st = NULL;
	const void	*m;
	int		 rc;

	*id = 0;
	memset(mac, 0, AUDIT_MAC_LEN);
	if ((st = audit_stmt(db, AS_HEAD)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		m = sqlite3_column_blob(st, 1);
		if (m != NULL && sqlite3_column_bytes(st, 1) == AUDIT_MAC_LEN)
			memcpy(mac, m, AUDIT_MAC_LEN);
	}
	/* Done now: a statement left mid-read holds back checkpoints. */
	audit_stmt_done(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (rows == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	*rows = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
audit_has_rows(sqlite3 *db)
{
	uint8_t	 mac[AUDIT_MAC_LEN];
	int64_t	 id;

	return audit_head(db, &id, mac, NULL) == 0 && id > 0;
}

int
audit_append(sqlite3 *db, struct audit_row *r, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	uint8_t		 prev[AUDIT_MAC_LEN];
	int64_t		 last;

	if (audit_k == NULL) {
		snprintf(err, errlen, "audit: no audit key");
		return -1;
	}
	if (!audit_type_ok(r->type)) {
		snprintf(err, errlen, "audit: bad event type '%s'", r->type);
		return -1;
	}
	if (audit_head(db, &last, prev, NULL) == -1)
		return sql_fail(db, NULL, "reading the chain head", err,
		    errlen);
	if (r->time == 0)
		r->time = (int64_t)time(NULL);
	r->id = last + 1;
	audit_mac((const uint8_t *)audit_k->buf, prev, r, r->mac);
	if ((st = audit_stmt(db, AS_INSERT)) == NULL)
		return sql_fail(db, NULL, "insert", err, errlen);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->time);
	sqlite3_bind_text(st, 3, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, r->mac, AUDIT_MAC_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, NULL, "insert", err, errlen);
		audit_stmt_done(db, st);
		return -1;
	}
	audit_stmt_done(db, st);
	return 0;
}

/*
 * Where the walk starts: 1 after zeros, or, when old rows were pruned,
 * the row after the newest checkpoint's "through", after its "mac".
 * 0, or -1 with the verdict's reason (a checkpoint that does not parse).
 */
static int
walk_start(sqlite3 *db, int64_t *first, uint8_t prev[AUDIT_MAC_LEN],
    struct audit_verdict *v)
{
	sqlite3_stmt	*st = NULL;
	json_t		*j;
	json_error_t	 je;
	const char	*mac = NULL;
	json_int_t	 through = 0;
	int64_t		 id;
	int		 rc, bad = 0;

	*first = 1;
	memset(prev, 0, AUDIT_MAC_LEN);
	if (sqlite3_prepare_v2(db, "SELECT id, detail FROM audit WHERE type "
	    "= '" AUDIT_CHECKPOINT "' ORDER BY id DESC LIMIT 1", -1, &st,
	    NULL) != SQLITE_OK)
		return -2;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 0 : -2;
	}
	id = sqlite3_column_int64(st, 0);
	j = json_loads((const char *)sqlite3_column_text(st, 1), 0, &je);
	sqlite3_finalize(st);
	if (j == NULL || json_unpack(j, "{s:I, s:s}", "through", &through,
	    "mac", &mac) == -1 || through < 1 || through >= id ||
	    unhex(mac, prev) == -1)
		bad = 1;
	json_decref(j);
	if (bad) {
		v->bad_id = id;
		snprintf(v->why, sizeof(v->why), "row %" PRId64 ": a "
		    "checkpoint whose detail does not say what it pruned "
		    "(changed)", id);
		return -1;
	}
	*first = through + 1;
	return 0;
}

int
audit_verify(sqlite3 *db, struct audit_verdict *v, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	struct audit_row r;
	uint8_t		 prev[AUDIT_MAC_LEN], want[AUDIT_MAC_LEN];
	int64_t		 expect;
	int		 rc;

	memset(v, 0, sizeof(*v));
	if (audit_k == NULL) {
		snprintf(err, errlen, "audit: no audit key");
		return -1;
	}
	if ((rc = walk_start(db, &expect, prev, v)) == -2)
		return sql_fail(db, NULL, "reading checkpoints", err, errlen);
	if (rc == -1)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLS " FROM audit ORDER BY "
	    "id", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, st, "reading the chain", err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &r);
		v->bad_id = r.id;
		if (r.id < expect) {
			snprintf(v->why, sizeof(v->why), "row %" PRId64 ": "
			    "older than the newest checkpoint's first row "
			    "%" PRId64 " (inserted)", r.id, expect);
			break;
		}
		if (r.id > expect) {
			snprintf(v->why, sizeof(v->why), "row %" PRId64 ": "
			    "rows %" PRId64 " to %" PRId64 " are missing "
			    "(deleted)", r.id, expect, r.id - 1);
			break;
		}
		audit_mac((const uint8_t *)audit_k->buf, prev, &r, want);
		if (CRYPTO_memcmp(want, r.mac, AUDIT_MAC_LEN) != 0) {
			snprintf(v->why, sizeof(v->why), "row %" PRId64 ": "
			    "its MAC does not check (the row was changed, "
			    "or rows were inserted or reordered)", r.id);
			break;
		}
		memcpy(prev, r.mac, AUDIT_MAC_LEN);
		v->rows++;
		v->head_id = r.id;
		expect = r.id + 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "audit: reading the chain: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (rc == SQLITE_DONE) {
		v->ok = 1;
		v->bad_id = 0;
		memcpy(v->head_mac, prev, AUDIT_MAC_LEN);
	}
	return 0;
}

int64_t
audit_prune(sqlite3 *db, int64_t before, int64_t now, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	struct audit_row cp;
	int64_t		 through = 0, n = 0, head;
	uint8_t		 mac[AUDIT_MAC_LEN], hmac[AUDIT_MAC_LEN];
	char		 hex[65];
	json_t		*d;
	const void	*m;

	if (audit_head(db, &head, hmac, NULL) == -1)
		return sql_fail(db, NULL, "reading the chain head", err,
		    errlen);
	/* The newest old row, never the head: the chain needs a start. */
	if (sqlite3_prepare_v2(db, "SELECT id, mac, (SELECT count(*) FROM "
	    "audit WHERE id <= a.id) FROM audit a WHERE time < ? AND id < ? "
	    "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, st, "prune", err, errlen);
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, head);
	if (sqlite3_step(st) == SQLITE_ROW) {
		through = sqlite3_column_int64(st, 0);
		m = sqlite3_column_blob(st, 1);
		if (m == NULL || sqlite3_column_bytes(st, 1) != AUDIT_MAC_LEN)
			return sql_fail(db, st, "prune: a MAC of the wrong "
			    "length", err, errlen);
		memcpy(mac, m, AUDIT_MAC_LEN);
		n = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (through == 0)
		return 0;
	audit_hex(mac, hex);
	d = json_pack("{s:I, s:I, s:s}", "through", (json_int_t)through,
	    "pruned", (json_int_t)n, "mac", hex);
	if (audit_row_make(&cp, AUDIT_CHECKPOINT, "heraldd", "", "", d) == -1) {
		snprintf(err, errlen, "audit: checkpoint does not fit");
		return -1;
	}
	cp.time = now;
	if (sqlite3_exec(db, "SAVEPOINT audit_prune", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return sql_fail(db, NULL, "prune", err, errlen);
	if (audit_append(db, &cp, err, errlen) == -1)
		goto fail;
	if (sqlite3_prepare_v2(db, "DELETE FROM audit WHERE id <= ?", -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, through);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "RELEASE audit_prune", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto sqlfail;
	return n;
 sqlfail:
	snprintf(err, errlen, "audit: prune: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
 fail:
	sqlite3_exec(db, "ROLLBACK TO audit_prune; RELEASE audit_prune", NULL,
	    NULL, NULL);
	return -1;
}

int
audit_query(sqlite3 *db, const struct audit_filter *f, audit_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	struct audit_row r;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLS " FROM audit WHERE "
	    "id > ? AND time >= ? AND (?3 = '' OR type = ?3) AND "
	    "(?4 = '' OR key = ?4) ORDER BY id LIMIT ?", -1, &st,
	    NULL) != SQLITE_OK)
		return sql_fail(db, st, "query", err, errlen);
	sqlite3_bind_int64(st, 1, f->cursor);
	sqlite3_bind_int64(st, 2, f->since);
	sqlite3_bind_text(st, 3, f->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_read(st, &r);
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		return sql_fail(db, st, "query", err, errlen);
	sqlite3_finalize(st);
	return 0;
}

int
audit_row_make(struct audit_row *r, const char *type, const char *actor,
    const char *key, const char *source, json_t *detail)
{
	char	*d = NULL;
	int	 bad;

	memset(r, 0, sizeof(*r));
	if (detail != NULL)
		d = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	bad = strlcpy(r->type, type, sizeof(r->type)) >= sizeof(r->type) ||
	    strlcpy(r->actor, actor, sizeof(r->actor)) >= sizeof(r->actor) ||
	    strlcpy(r->key, key != NULL ? key : "", sizeof(r->key)) >=
	    sizeof(r->key) ||
	    strlcpy(r->source, source != NULL ? source : "",
	    sizeof(r->source)) >= sizeof(r->source) ||
	    strlcpy(r->detail, d != NULL ? d : "{}", sizeof(r->detail)) >=
	    sizeof(r->detail);
	free(d);
	return bad ? -1 : 0;
}

void
audit_actor_peer(char *buf, size_t len, unsigned int uid, int pid)
{
	snprintf(buf, len, "uid %u pid %d", uid, pid);
}
