/*
 * The audit chain on its own, on a real database file: every field is
 * under the MAC, and a row changed, deleted, inserted or moved is named
 * by audit_verify(); retention keeps the chain verifiable through its
 * checkpoint and never prunes the head; the query's filters and cursor;
 * the key file's rules.
 */
#include <sys/stat.h>
#include <sys/types.h>

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

#include "audit.h"
#include "db.h"
#include "db_test.h"
#include "log.h"

static char	 dir[64];
static char	 path[128];
static char	 keypath[128];
static char	 err[512];

static const uint8_t	 K[AUDIT_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void
rm_files(void)
{
	db_test_rm(path);
	unlink(keypath);
}

static int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-audit-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	snprintf(keypath, sizeof(keypath), "%s/audit.key", dir);
	log_init("test", 1, LOG_WARNING);
	if (db_open(path, err, sizeof(err)) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	audit_key_set(K);
	return 0;
}

static int
teardown(void **state)
{
	audit_key_forget();
	db_close();
	rm_files();
	rmdir(dir);
	return 0;
}

static int64_t
add(const char *type, const char *key, int64_t when)
{
	struct audit_row	 r;

	assert_int_equal(audit_row_make(&r, type, "uid 0 pid 1", key,
	    "control", json_pack("{s:s}", "k", key)), 0);
	r.time = when;
	if (audit_append(db_handle(), &r, err, sizeof(err)) != 0)
		fail_msg("audit_append: %s", err);
	return r.id;
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(db_handle(), sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db_handle()));
}

static void
check(int ok, int64_t bad, const char *why)
{
	struct audit_verdict	 v;

	assert_int_equal(audit_verify(db_handle(), &v, err, sizeof(err)), 0);
	if (v.ok != ok || v.bad_id != bad ||
	    (why != NULL && strstr(v.why, why) == NULL))
		fail_msg("verdict ok %d bad %lld \"%s\", expected ok %d bad "
		    "%lld \"%s\"", v.ok, (long long)v.bad_id, v.why, ok,
		    (long long)bad, why != NULL ? why : "");
}

static void
five_rows(void)
{
	int	 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(add("key.create", "k", 1000 + i), i + 1);
}

/* Each field, the id and the row before all change the MAC. */
static void
test_mac_covers_every_field(void **state)
{
	struct audit_row	 r, s;
	uint8_t			 prev[AUDIT_MAC_LEN] = { 0 };
	uint8_t			 a[AUDIT_MAC_LEN], b[AUDIT_MAC_LEN];
	char			*f[] = { s.type, s.actor, s.key, s.source,
				    s.detail };
	size_t			 i;

	assert_int_equal(audit_row_make(&r, "order", "key a", "a", "::1",
	    json_pack("{s:i}", "retcode", 10009)), 0);
	r.id = 7;
	r.time = 1;
	audit_mac(K, prev, &r, a);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		s = r;
		f[i][0] ^= 1;
		audit_mac(K, prev, &s, b);
		assert_memory_not_equal(a, b, sizeof(a));
	}
	s = r;
	s.id = 8;
	audit_mac(K, prev, &s, b);
	assert_memory_not_equal(a, b, sizeof(a));
	s = r;
	s.time = 2;
	audit_mac(K, prev, &s, b);
	assert_memory_not_equal(a, b, sizeof(a));
	prev[31] = 1;
	audit_mac(K, prev, &r, b);
	assert_memory_not_equal(a, b, sizeof(a));
	/* Lengths are in it: "ab"+"c" is not "a"+"bc". */
	s = r;
	strlcpy(s.actor, "ab", sizeof(s.actor));
	strlcpy(s.key, "c", sizeof(s.key));
	prev[31] = 0;
	audit_mac(K, prev, &s, a);
	strlcpy(s.actor, "a", sizeof(s.actor));
	strlcpy(s.key, "bc", sizeof(s.key));
	audit_mac(K, prev, &s, b);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void
test_intact_chain_verifies(void **state)
{
	struct audit_verdict	 v;
	int64_t			 id, rows;
	uint8_t			 mac[AUDIT_MAC_LEN];

	check(1, 0, NULL);		/* empty */
	five_rows();
	assert_int_equal(audit_verify(db_handle(), &v, err, sizeof(err)), 0);
	assert_true(v.ok);
	assert_int_equal(v.rows, 5);
	assert_int_equal(v.head_id, 5);
	assert_int_equal(audit_head(db_handle(), &id, mac, &rows), 0);
	assert_int_equal(id, 5);
	assert_int_equal(rows, 5);
	assert_memory_equal(mac, v.head_mac, sizeof(mac));
}

static void
test_edited_row(void **state)
{
	five_rows();
	exec("UPDATE audit SET actor = 'someone else' WHERE id = 3");
	check(0, 3, "its MAC does not check");
}

static void
test_deleted_row(void **state)
{
	five_rows();
	exec("DELETE FROM audit WHERE id = 2");
	check(0, 3, "rows 2 to 2 are missing");
}

static void
test_inserted_row(void **state)
{
	five_rows();
	exec("INSERT INTO audit SELECT 6, time, type, actor, key, source, "
	    "detail, mac FROM audit WHERE id = 5");
	check(0, 6, "its MAC does not check");
}

static void
test_reordered_rows(void **state)
{
	five_rows();
	exec("UPDATE audit SET id = 0 WHERE id = 2;"
	    "UPDATE audit SET id = 2 WHERE id = 4;"
	    "UPDATE audit SET id = 4 WHERE id = 0");
	check(0, 2, "its MAC does not check");
}

static void
test_another_key_fails(void **state)
{
	struct audit_verdict	 v;
	struct audit_row	 r;
	uint8_t			 other[AUDIT_KEY_LEN] = { 9 };

	five_rows();
	audit_key_set(other);
	check(0, 1, "its MAC does not check");
	/* Without a key nothing is checked, nor written. */
	audit_key_forget();
	assert_int_equal(audit_verify(db_handle(), &v, err, sizeof(err)), -1);
	assert_int_equal(audit_row_make(&r, "order", "x", "", "", NULL), 0);
	assert_int_equal(audit_append(db_handle(), &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no audit key"));
}

static void
test_prune_through_checkpoint(void **state)
{
	int64_t			 n;

	five_rows();				/* times 1000..1004 */
	n = audit_prune(db_handle(), 1003, 2000, err, sizeof(err));
	assert_int_equal(n, 3);
	check(1, 0, NULL);
	add("key.revoke", "k", 2001);
	check(1, 0, NULL);
	/* A second prune: its checkpoint is the start now. */
	assert_int_equal(audit_prune(db_handle(), 1005, 2002, err,
	    sizeof(err)), 2);
	check(1, 0, NULL);
	/* The first row left deleted: found. */
	exec("DELETE FROM audit WHERE id = (SELECT min(id) FROM audit)");
	check(0, 7, "rows 6 to 6 are missing");
}

static void
test_prune_keeps_the_head(void **state)
{
	int64_t	 id, rows;
	uint8_t	 mac[AUDIT_MAC_LEN];

	five_rows();
	/* Everything is old: all but the head go, a checkpoint comes. */
	assert_int_equal(audit_prune(db_handle(), 9999, 10000, err,
	    sizeof(err)), 4);
	assert_int_equal(audit_head(db_handle(), &id, mac, &rows), 0);
	assert_int_equal(id, 6);
	assert_int_equal(rows, 2);
	check(1, 0, NULL);
	/* Nothing old: nothing done, no checkpoint. */
	assert_int_equal(audit_prune(db_handle(), 0, 10001, err,
	    sizeof(err)), 0);
	assert_int_equal(audit_head(db_handle(), &id, mac, NULL), 0);
	assert_int_equal(id, 6);
}

static void
test_forged_checkpoint(void **state)
{
	five_rows();
	assert_int_equal(audit_prune(db_handle(), 1002, 2000, err,
	    sizeof(err)), 2);
	exec("UPDATE audit SET detail = replace(detail, '\"through\":2', "
	    "'\"through\":1') WHERE type = 'audit.checkpoint'");
	check(0, 3, "rows 2 to 2 are missing");
	exec("UPDATE audit SET detail = '{}' WHERE type = 'audit.checkpoint'");
	check(0, 6, "checkpoint");
}

struct got {
	int64_t	 ids[64];
	size_t	 n;
};

static int
collect(const struct audit_row *r, void *arg)
{
	struct got	*g = arg;

	g->ids[g->n++] = r->id;
	return 0;
}

static void
test_query_filters_and_cursor(void **state)
{
	struct audit_filter	 f;
	struct got		 g;

	add("key.create", "a", 100);
	add("order", "a", 200);
	add("order", "b", 300);
	add("lockdown.on", "", 400);
	add("order", "a", 500);
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	memset(&g, 0, sizeof(g));
	assert_int_equal(audit_query(db_handle(), &f, collect, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ids[1], 2);
	f.cursor = 2;
	f.limit = 10;
	strlcpy(f.type, "order", sizeof(f.type));
	memset(&g, 0, sizeof(g));
	assert_int_equal(audit_query(db_handle(), &f, collect, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ids[0], 3);
	assert_int_equal(g.ids[1], 5);
	f.cursor = 0;
	strlcpy(f.key, "a", sizeof(f.key));
	f.since = 300;
	memset(&g, 0, sizeof(g));
	assert_int_equal(audit_query(db_handle(), &f, collect, &g, err,
	    sizeof(err)), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ids[0], 5);
}

static void
test_bad_rows_refused(void **state)
{
	struct audit_row	 r;
	char			 big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(audit_row_make(&r, "Order", "x", "", "", NULL), 0);
	assert_int_equal(audit_append(db_handle(), &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad event type"));
	assert_int_equal(audit_row_make(&r, "order", "x", "", "",
	    json_pack("{s:s}", "big", big)), -1);
	assert_true(audit_type_ok("audit.checkpoint"));
	assert_false(audit_type_ok(""));
	assert_false(audit_type_ok("a-b"));
}

static void
test_key_file(void **state)
{
	int	 fd;

	if (geteuid() != 0)
		skip();
	audit_key_forget();
	assert_int_equal(audit_key_load(keypath, 0, err, sizeof(err)), 1);
	assert_false(audit_key_loaded());
	assert_int_equal(audit_key_load(keypath, 1, err, sizeof(err)), 0);
	assert_true(audit_key_loaded());
	five_rows();
	/* The same key again from the file: the chain checks. */
	audit_key_forget();
	assert_int_equal(audit_key_load(keypath, 0, err, sizeof(err)), 0);
	check(1, 0, NULL);
	chmod(keypath, 0640);
	assert_int_equal(audit_key_load(keypath, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0600 or stricter"));
	unlink(keypath);
	fd = open(keypath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "xyz\n", 4), 4);
	close(fd);
	assert_int_equal(audit_key_load(keypath, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64 lower-case hex digits"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_covers_every_field),
		cmocka_unit_test_setup_teardown(test_intact_chain_verifies,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_row, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deleted_row, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inserted_row, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reordered_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_another_key_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_through_checkpoint,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_the_head,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_checkpoint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_query_filters_and_cursor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_file, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
