/*
 * The key store and its policy, on a real SQLite file in a temporary
 * directory, with the clock in the test's hands: keys (create, use,
 * revoke, expiry, rotation with grace, certificate binding), every role
 * against every operation and the database file rules; the rate limit
 * and bans are test_auth_bans.c's.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "auth.h"
#include "auth_int.h"
#include "srcaddr.h"
#include "config.h"
#include "db.h"
#include "db_test.h"
#include "log.h"
#include "auth_test.h"

static void
test_create_and_use(void **state)
{
	char		 key[AUTH_KEY_LEN + 1], key2[AUTH_KEY_LEN + 1];
	struct keys	 ks;
	size_t		 i;
	int64_t		 id;
	struct stat	 sb;

	id = create("alice", "trader", 0, NULL, key);
	assert_int_equal(id, 1);
	/* "hk_" and 43 base64url characters. */
	assert_int_equal(strlen(key), AUTH_KEY_LEN);
	assert_memory_equal(key, "hk_", 3);
	for (i = 3; i < AUTH_KEY_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", key[i]));
	assert_int_equal(check(key, OP_TRADE, ADDR, NULL), 200);
	assert_int_equal(ident.key_id, id);
	assert_string_equal(ident.name, "alice");
	assert_string_equal(ident.role, "trader");
	assert_int_equal(ident.perms, PERM_READ_POSITIONS |
	    PERM_WRITE_POSITIONS | PERM_READ_METRICS);
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);

	/* Two keys are never the same. */
	create("bob", "viewer", 7, NULL, key2);
	assert_string_not_equal(key, key2);

	/* Listed without secrets; the default expiry is 90 days. */
	list(&ks);
	assert_int_equal(ks.n, 2);
	assert_string_equal(ks.k[0].name, "alice");
	assert_int_equal(ks.k[0].created, T0);
	assert_int_equal(ks.k[0].expires, T0 + 90 * 86400);
	assert_int_equal(ks.k[0].last_used, T0);
	assert_int_equal(ks.k[0].state, AUTH_KEY_ACTIVE);
	assert_int_equal(ks.k[1].expires, T0 + 7 * 86400);
	assert_int_equal(ks.k[1].last_used, 0);

	/* Neither the key nor its hash went into the log. */
	assert_null(strstr(logbuf, key));
	assert_null(strstr(logbuf, key + 3));

	/* The file it all lives in: root's, 0600. */
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_uid, 0);
}

static void
test_create_refused(void **state)
{
	char			 key[AUTH_KEY_LEN + 1];
	struct auth_key_info	 info;

	create("alice", "admin", 0, NULL, key);
	assert_int_equal(auth_key_create("alice", "viewer", 0, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	assert_string_equal(err, "key alice exists (id 1); revoke or rotate "
	    "it");
	assert_int_equal(auth_key_create("al ice", "viewer", 0, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	expect_err("character 3 (0x20) is not a letter");
	assert_int_equal(auth_key_create("1234", "viewer", 0, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	expect_err("digits only");
	assert_int_equal(auth_key_create("", "viewer", 0, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	expect_err("1 to 63 characters");
	assert_int_equal(auth_key_create("carol", "root", 0, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	expect_err("role root: must be admin, trader or viewer");
	assert_int_equal(auth_key_create("carol", "viewer", 3651, NULL, &info,
	    key, sizeof(key), err, sizeof(err)), -1);
	expect_err("3651 days: must be 1 to 3650");
	/* After a revocation the name is free again. */
	assert_int_equal(auth_key_revoke("alice", NULL, NULL, err,
	    sizeof(err)), 1);
	assert_int_equal(create("alice", "viewer", 0, NULL, key), 2);
}

static void
test_missing_and_unknown_key(void **state)
{
	int	 i;

	/* No key at all is not a failed authentication. */
	for (i = 0; i < 20; i++) {
		assert_int_equal(check(NULL, OP_STATUS, ADDR, NULL), 401);
		expect(401, "unauthorized");
		assert_string_equal(res.message, "API key required");
	}
	assert_int_equal(nbans, 0);
	/* An unknown one is, and the log names it by a hash prefix only. */
	assert_int_equal(check("hk_nope", OP_STATUS, ADDR, NULL), 401);
	expect(401, "unauthorized");
	assert_string_equal(res.message, "invalid API key");
	assert_non_null(strstr(logbuf, "auth: refused unauthorized from "
	    ADDR));
	assert_non_null(strstr(logbuf, "key hash "));
	bad_keys(ADDR, 3);
	assert_int_equal(nbans, 0);
	bad_keys(ADDR, 1);			/* the fifth */
	assert_int_equal(nbans, 1);
}

/*
 * A presented hash that differs from a key's only in its last byte is
 * an unknown key: the lookup compares every byte, not a prefix (the
 * bucket comes from the first two, so the entry is found and compared).
 */
static void
test_hash_compared_whole(void **state)
{
	char	 key[AUTH_KEY_LEN + 1];

	create("alice", "viewer", 0, NULL, key);
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
	q.key_hash[SHA256_LEN - 1] ^= 0x01;
	memset(&res, 0, sizeof(res));
	assert_int_not_equal(auth_check(&q, &ident, &res), 0);
	expect(401, "unauthorized");
	assert_string_equal(res.message, "invalid API key");
}

static void
test_revoke(void **state)
{
	char	 a[AUTH_KEY_LEN + 1], b[AUTH_KEY_LEN + 1];

	create("alice", "trader", 0, NULL, a);
	create("bob", "trader", 0, NULL, b);
	assert_int_equal(check(a, OP_TRADE, ADDR, NULL), 200);
	assert_int_equal(auth_key_revoke("alice", NULL, NULL, err,
	    sizeof(err)), 1);
	/* The very next request. */
	assert_int_equal(check(a, OP_TRADE, ADDR, NULL), 401);
	expect(401, "key_revoked");
	expect_msg("API key 'alice' was revoked at");
	/* By id. */
	assert_int_equal(check(b, OP_TRADE, ADDR, NULL), 200);
	assert_int_equal(auth_key_revoke("2", NULL, NULL, err, sizeof(err)),
	    1);
	assert_int_equal(check(b, OP_TRADE, ADDR, NULL), 401);
	expect(401, "key_revoked");
	/* Refusals name what is wrong. */
	assert_int_equal(auth_key_revoke("2", NULL, NULL, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "key bob (id 2) is already revoked");
	assert_int_equal(auth_key_revoke("99", NULL, NULL, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "no key with id 99");
	assert_int_equal(auth_key_revoke("alice", NULL, NULL, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "no active key named alice");
	/* Still revoked after a restart. */
	auth_close();
	start();
	assert_int_equal(check(a, OP_STATUS, OTHER, NULL), 401);
	expect(401, "key_revoked");
}

static void
test_expiry(void **state)
{
	char		 key[AUTH_KEY_LEN + 1];
	struct keys	 ks;

	create("alice", "viewer", 1, NULL, key);
	now_t = T0 + 86399;
	assert_int_equal(check(key, OP_ACCOUNT, ADDR, NULL), 200);
	now_t = T0 + 86400;
	assert_int_equal(check(key, OP_ACCOUNT, ADDR, NULL), 401);
	expect(401, "key_expired");
	expect_msg("API key 'alice' expired at ");
	/* Out of the index now: the database still says why. */
	assert_int_equal(check(key, OP_ACCOUNT, ADDR, NULL), 401);
	expect(401, "key_expired");
	list(&ks);
	assert_int_equal(ks.k[0].state, AUTH_KEY_EXPIRED);
	/* And after a restart, when it is not loaded at all. */
	auth_close();
	start();
	assert_int_equal(check(key, OP_ACCOUNT, OTHER, NULL), 401);
	expect(401, "key_expired");
	/* An expired name is free. */
	create("alice", "viewer", 1, NULL, key);
}

static void
test_rotate(void **state)
{
	char			 old[AUTH_KEY_LEN + 1], new[AUTH_KEY_LEN + 1];
	char			 newer[AUTH_KEY_LEN + 1];
	struct auth_key_info	 ni, oi;
	struct keys		 ks;

	create("bob", "viewer", 30, NULL, old);
	now_t = T0 + 1000;
	assert_int_equal(auth_key_rotate("bob", 2, &ni, &oi, new,
	    sizeof(new), err, sizeof(err)), 0);
	assert_string_equal(ni.name, "bob");
	assert_string_equal(ni.role, "viewer");
	assert_int_equal(ni.id, 2);
	assert_int_equal(ni.expires, T0 + 1000 + 30 * 86400);
	assert_int_equal(oi.id, 1);
	assert_int_equal(oi.expires, T0 + 1000 + 2 * 3600);
	assert_string_not_equal(old, new);
	/* Both work during the grace. */
	assert_int_equal(check(old, OP_POSITIONS, ADDR, NULL), 200);
	assert_int_equal(check(new, OP_POSITIONS, ADDR, NULL), 200);
	assert_string_equal(ident.name, "bob");
	list(&ks);
	assert_int_equal(ks.k[0].state, AUTH_KEY_ROTATING);
	assert_int_equal(ks.k[0].replaced_by, 2);
	assert_int_equal(ks.k[1].state, AUTH_KEY_ACTIVE);
	/* Then the old one stops. */
	now_t = T0 + 1000 + 2 * 3600;
	assert_int_equal(check(old, OP_POSITIONS, ADDR, NULL), 401);
	expect(401, "key_expired");
	assert_int_equal(check(new, OP_POSITIONS, ADDR, NULL), 200);

	/* Grace 0: at once, even though the old key is still loaded. */
	assert_int_equal(auth_key_rotate("bob", 0, &ni, &oi, newer,
	    sizeof(newer), err, sizeof(err)), 0);
	assert_int_equal(check(new, OP_POSITIONS, OTHER, NULL), 401);
	expect(401, "key_expired");
	assert_int_equal(check(newer, OP_POSITIONS, OTHER, NULL), 200);

	/* Refusals. */
	assert_int_equal(auth_key_rotate("nobody", 24, &ni, &oi, newer,
	    sizeof(newer), err, sizeof(err)), -1);
	assert_string_equal(err, "no active key named nobody");
	assert_int_equal(auth_key_rotate("bob", 721, &ni, &oi, newer,
	    sizeof(newer), err, sizeof(err)), -1);
	expect_err("grace of 721 hours: must be 0 to 720");
}

static void
test_rotate_keeps_binding_and_revoke_by_name_takes_all(void **state)
{
	char			 a[AUTH_KEY_LEN + 1], b[AUTH_KEY_LEN + 1];
	uint8_t			 fp[SHA256_LEN];
	struct auth_key_info	 ni, oi;

	memset(fp, 0xab, sizeof(fp));
	create("bot", "trader", 0, fp, a);
	assert_int_equal(auth_key_rotate("bot", 24, &ni, &oi, b, sizeof(b),
	    err, sizeof(err)), 0);
	assert_int_equal(ni.bound, 1);
	assert_int_equal(check(b, OP_TRADE, ADDR, NULL), 401);
	expect(401, "certificate_required");
	assert_int_equal(check(b, OP_TRADE, ADDR, fp), 200);
	assert_int_equal(check(a, OP_TRADE, ADDR, fp), 200);
	/* Revoking the name ends both, grace or not. */
	assert_int_equal(auth_key_revoke("bot", NULL, NULL, err,
	    sizeof(err)), 2);
	assert_int_equal(check(a, OP_TRADE, ADDR, fp), 401);
	expect(401, "key_revoked");
	assert_int_equal(check(b, OP_TRADE, ADDR, fp), 401);
	expect(401, "key_revoked");
}

static void
test_roles(void **state)
{
	static const char *roles[] = { "admin", "trader", "viewer" };
	/* Expected: 1 allowed, else the permission named in the 403. */
	static const struct {
		unsigned int	 op;
		const char	*perm;
		int		 ok[3];		/* admin, trader, viewer */
	} ops[] = {
		{ OP_STATUS,		NULL,		  { 1, 1, 1 } },
		{ OP_TRADE,		"write_positions", { 1, 1, 0 } },
		{ OP_ACCOUNT,		"read_positions", { 1, 1, 1 } },
		{ OP_POSITIONS,		"read_positions", { 1, 1, 1 } },
		{ OP_POSITION_CLOSE,	"write_positions", { 1, 1, 0 } },
		{ OP_POSITION_MODIFY,	"write_positions", { 1, 1, 0 } },
		{ OP_ORDERS,		"read_positions", { 1, 1, 1 } },
		{ OP_ORDER_CANCEL,	"write_positions", { 1, 1, 0 } },
		{ OP_SYMBOL,		"read_positions", { 1, 1, 1 } },
		{ OP_AUDIT,		"view_logs",	  { 1, 0, 0 } },
		{ OP_READY,		NULL,		  { 1, 1, 1 } },
		{ OP_ORDER_GET,		"read_positions", { 1, 1, 1 } },
		{ OP_ORDER_FIND,	"read_positions", { 1, 1, 1 } },
		{ OP_METRICS,		"read_metrics",	  { 1, 1, 1 } },
		{ OP_EVENTS,		"read_positions", { 1, 1, 1 } },
		{ OP_DEALS,		"read_positions", { 1, 1, 1 } },
		{ OP_ORDER_MODIFY,	"write_positions", { 1, 1, 0 } },
	};
	char	 keys[3][AUTH_KEY_LEN + 1], want[160];
	size_t	 r, o;

	for (r = 0; r < 3; r++)
		create(roles[r], roles[r], 0, NULL, keys[r]);
	assert_int_equal(sizeof(ops) / sizeof(ops[0]), OP_MAX - 1);
	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (r = 0; r < 3; r++) {
			int st = check(keys[r], ops[o].op, ADDR, NULL);

			if (ops[o].ok[r]) {
				assert_int_equal(st, 200);
				assert_string_equal(ident.role, roles[r]);
				continue;
			}
			assert_int_equal(st, 403);
			expect(403, "forbidden");
			snprintf(want, sizeof(want), "permission %s required; "
			    "key '%s' has role %s", ops[o].perm, roles[r],
			    roles[r]);
			assert_string_equal(res.message, want);
		}
	}
	/* An operation without a rule is refused, whoever asks. */
	assert_int_equal(check(keys[0], OP_NONE, ADDR, NULL), 403);
	expect_msg("operation 0 has no permission rule");
	assert_int_equal(check(keys[0], OP_MAX, ADDR, NULL), 403);
	assert_int_equal(check(keys[0], 255, ADDR, NULL), 403);
	/* Refusals of permission are not failed authentications. */
	assert_int_equal(nbans, 0);
	assert_int_equal(auth_role_perms("root"), 0);
	assert_string_equal(auth_perm_name(PERM_MODIFY_CONFIG),
	    "modify_config");
}

/* Every role grants read_metrics: a key without it is made by hand. */
static void
test_metrics_permission(void **state)
{
	char		 key[AUTH_KEY_LEN + 1];
	uint8_t		 hash[SHA256_LEN];
	struct akey	*e;
	uint32_t	 need;

	assert_int_equal(auth_op_perm(OP_METRICS, &need), 0);
	assert_int_equal(need, PERM_READ_METRICS);
	create("watch", "viewer", 0, NULL, key);
	assert_int_equal(check(key, OP_METRICS, ADDR, NULL), 200);
	assert_int_equal(check(NULL, OP_METRICS, ADDR, NULL), 401);
	expect(401, "unauthorized");
	auth_key_hash(key, strlen(key), hash);
	assert_non_null(e = key_find(hash));
	e->perms &= ~PERM_READ_METRICS;
	assert_int_equal(check(key, OP_METRICS, ADDR, NULL), 403);
	expect(403, "forbidden");
	expect_msg("permission read_metrics required; key 'watch' has role "
	    "viewer");
	assert_int_equal(check(key, OP_ACCOUNT, ADDR, NULL), 200);
	assert_int_equal(nbans, 0);
}

static void
test_fingerprint(void **state)
{
	char	 key[AUTH_KEY_LEN + 1];
	uint8_t	 fp[SHA256_LEN], other[SHA256_LEN];

	memset(fp, 0x5a, sizeof(fp));
	memset(other, 0x5a, sizeof(other));
	other[31] ^= 1;
	create("bot", "trader", 0, fp, key);
	assert_int_equal(check(key, OP_TRADE, ADDR, NULL), 401);
	expect(401, "certificate_required");
	expect_msg("API key 'bot' is bound to a client certificate and none "
	    "was presented");
	assert_int_equal(check(key, OP_TRADE, ADDR, other), 401);
	expect(401, "certificate_mismatch");
	expect_msg("not the one API key 'bot' is bound to");
	assert_int_equal(check(key, OP_TRADE, ADDR, fp), 200);
	/* Those were failures: three more and the source is banned. */
	bad_keys(ADDR, 3);
	assert_int_equal(nbans, 1);
	/* An unbound key ignores certificates. */
	create("plain", "viewer", 0, NULL, key);
	assert_int_equal(check(key, OP_STATUS, OTHER, other), 200);
}

static void
test_last_used(void **state)
{
	char		 key[AUTH_KEY_LEN + 1];
	struct keys	 ks;

	create("alice", "viewer", 0, NULL, key);
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
	now_t = T0 + 30;
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
	/* The database got the first use only: a minute has not passed. */
	auth_close();
	start();
	list(&ks);
	assert_int_equal(ks.k[0].last_used, T0);
	now_t = T0 + 90;
	assert_int_equal(check(key, OP_STATUS, ADDR, NULL), 200);
	auth_close();
	start();
	list(&ks);
	assert_int_equal(ks.k[0].last_used, T0 + 90);
}

static void
test_not_open(void **state)
{
	char			 key[AUTH_KEY_LEN + 1];
	struct auth_key_info	 info;

	auth_close();
	assert_int_equal(check("hk_x", OP_STATUS, ADDR, NULL), 503);
	assert_int_equal(auth_key_create("a", "admin", 0, NULL, &info, key,
	    sizeof(key), err, sizeof(err)), -1);
	assert_string_equal(err, "the key store is not open");
	start();
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("already");
}

static void
test_db_file_rules(void **state)
{
	char	 link[160];

	auth_close();
	/* Group or others may read it. */
	assert_int_equal(chmod(dbpath, 0640), 0);
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	assert_true(strstr(err, dbpath) != NULL);
	expect_err("mode 0640 lets group or others read or write it");
	assert_int_equal(chmod(dbpath, 0604), 0);
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("mode 0604");
	assert_int_equal(chmod(dbpath, 0600), 0);
	/* Not root's. */
	if (geteuid() == 0) {
		assert_int_equal(chown(dbpath, 1, 0), 0);
		assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)),
		    -1);
		expect_err("owned by uid 1, not root");
		assert_int_equal(chown(dbpath, 0, 0), 0);
	}
	/* A companion file with loose modes (an empty WAL is harmless). */
	snprintf(link, sizeof(link), "%s-wal", dbpath);
	unlink(link);
	{
		int	 fd = open(link, O_CREAT | O_WRONLY | O_EXCL, 0600);

		assert_true(fd != -1);
		assert_int_equal(fchmod(fd, 0644), 0);
		close(fd);
	}
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("herald.db-wal: mode 0644");
	unlink(link);
	/* A symbolic link. */
	snprintf(link, sizeof(link), "%s/link.db", dir);
	assert_int_equal(symlink(dbpath, link), 0);
	strlcpy(conf.database, link, sizeof(conf.database));
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("link.db: not a regular file");
	unlink(link);
	/* A relative path, a missing directory. */
	strlcpy(conf.database, "herald.db", sizeof(conf.database));
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("not an absolute path");
	snprintf(conf.database, sizeof(conf.database), "%s/no/such.db", dir);
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("cannot create: No such file or directory");
	/* The same rules before the fork, without SQLite. */
	strlcpy(conf.database, dbpath, sizeof(conf.database));
	assert_int_equal(chmod(dbpath, 0644), 0);
	assert_int_equal(auth_preflight(&conf, err, sizeof(err)), -1);
	expect_err("mode 0644");
	expect_err("it must be 0600");
	assert_int_equal(chmod(dbpath, 0600), 0);
	assert_int_equal(auth_preflight(&conf, err, sizeof(err)), 0);
	/* ... and a first start creates the file there. */
	snprintf(conf.database, sizeof(conf.database), "%s/new.db", dir);
	assert_int_equal(auth_preflight(&conf, err, sizeof(err)), 0);
	assert_int_equal(access(conf.database, F_OK), 0);
	unlink(conf.database);
	/* Fine again. */
	strlcpy(conf.database, dbpath, sizeof(conf.database));
	start();
	assert_int_equal(db_check_file("/x", 0, S_IFREG | 0600, err,
	    sizeof(err)), 0);
	assert_int_equal(db_check_file("/x", 0, S_IFDIR | 0700, err,
	    sizeof(err)), -1);
}

static void
test_schema(void **state)
{
	sqlite3	*h;

	assert_int_equal(db_schema_version(), db_schema_latest());
	assert_true(db_schema_latest() >= 1);
	/* The pragmas are in force. */
	{
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_prepare_v2(db_handle(),
		    "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
	}
	auth_close();
	/* A database from a newer heraldd is left alone. */
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE schema_version SET "
	    "version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(auth_init(&conf, ban_hook, err, sizeof(err)), -1);
	expect_err("schema version 99 is newer than this heraldd knows");
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE schema_version SET "
	    "version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	start();
	assert_int_equal(db_schema_version(), db_schema_latest());
}

/*
 * The database refusing writes (a read-only file): creating, rotating
 * and revoking keys fail with "database error" and leave the database
 * as it was; no new key is handed out; reads go on.  Writable again,
 * the same operations succeed.
 */
static void
test_key_writes_refused(void **state)
{
	char			 key[AUTH_KEY_LEN + 1], other[AUTH_KEY_LEN + 1];
	struct auth_key_info	 ni, oi;
	struct keys		 ks;

	create("carol", "trader", 30, NULL, key);
	create("dave", "viewer", 30, NULL, other);
	sql("PRAGMA query_only = ON");
	memset(other, 'x', sizeof(other) - 1);
	other[sizeof(other) - 1] = '\0';
	assert_int_equal(auth_key_create("erin", "viewer", 0, NULL, &ni,
	    other, sizeof(other), err, sizeof(err)), -1);
	expect_err("database error (see the log)");
	assert_int_equal(other[0], '\0');	/* the unsaved key is wiped */
	assert_int_equal(auth_key_rotate("carol", 1, &ni, &oi, other,
	    sizeof(other), err, sizeof(err)), -1);
	expect_err("database error (see the log)");
	assert_int_equal(auth_key_revoke("carol", NULL, NULL, err,
	    sizeof(err)), -1);
	expect_err("database error (see the log)");
	assert_int_equal(auth_key_revoke("2", NULL, NULL, err,
	    sizeof(err)), -1);
	expect_err("database error (see the log)");
	/* Nothing changed: two keys, both active. */
	list(&ks);
	assert_int_equal(ks.n, 2);
	assert_int_equal(ks.k[0].state, AUTH_KEY_ACTIVE);
	assert_int_equal(ks.k[1].state, AUTH_KEY_ACTIVE);

	sql("PRAGMA query_only = OFF");
	assert_int_equal(auth_key_revoke("carol", NULL, NULL, err,
	    sizeof(err)), 1);
	assert_int_equal(check(key, OP_POSITIONS, ADDR, NULL), 401);
	expect(401, "key_revoked");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_create_and_use),
		T(test_create_refused),
		T(test_missing_and_unknown_key),
		T(test_hash_compared_whole),
		T(test_revoke),
		T(test_expiry),
		T(test_rotate),
		T(test_rotate_keeps_binding_and_revoke_by_name_takes_all),
		T(test_roles),
		T(test_metrics_permission),
		T(test_fingerprint),
		T(test_last_used),
		T(test_not_open),
		T(test_db_file_rules),
		T(test_schema),
		T(test_key_writes_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
