/*
 * Online backups on their own: a copy of an open database written into
 * a descriptor checks (integrity, schema, audit chain) and holds what
 * was committed, not what an open transaction holds; a descriptor that
 * is not a new regular file is refused; the check heraldd -n runs names
 * a damaged copy's fault.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit.h"
#include "backup.h"
#include "config.h"
#include "db.h"
#include "log.h"

static char	 dir[64], path[128], copy[128], keypath[128];
static char	 err[512];

static const uint8_t	 K[AUDIT_KEY_LEN] = { 7 };

static int
setup(void **state)
{
	struct audit_row	 r;
	int			 i;

	strlcpy(dir, "/tmp/herald-backup-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	snprintf(keypath, sizeof(keypath), "%s/audit.key", dir);
	log_init("test", 1, LOG_WARNING);
	if (db_open(path, err, sizeof(err)) != 0)
		return -1;
	audit_key_set(K);
	for (i = 0; i < 3; i++) {
		if (audit_row_make(&r, "key.create", "uid 0 pid 1", "k",
		    "control", NULL) == -1 ||
		    audit_append(db_handle(), &r, err, sizeof(err)) == -1)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[200];

	audit_key_forget();
	db_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
new_file(void)
{
	int	 fd;

	unlink(copy);
	fd = open(copy, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	return fd;
}

static int64_t
count(const char *p, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_copy_is_consistent(void **state)
{
	struct backup_result	 r;
	struct audit_row	 row;
	struct stat		 st;
	struct dirent		*de;
	DIR			*d;
	int			 fd = new_file();

	/* Not yet committed: not in the copy. */
	assert_int_equal(db_begin(), 0);
	assert_int_equal(audit_row_make(&row, "order", "key a", "a", "",
	    NULL), 0);
	assert_int_equal(audit_append(db_handle(), &row, err, sizeof(err)), 0);
	if (backup_to_fd(path, fd, &r, err, sizeof(err)) != 0)
		fail_msg("backup: %s", err);
	assert_int_equal(db_commit(), 0);
	close(fd);
	assert_int_equal(r.audit_rows, 3);
	assert_int_equal(r.schema, db_schema_latest());
	assert_true(r.pages > 0);
	assert_int_equal(stat(copy, &st), 0);
	assert_true((uint64_t)st.st_size == r.bytes);
	assert_int_equal(count(copy, "SELECT count(*) FROM audit"), 3);
	assert_int_equal(count(path, "SELECT count(*) FROM audit"), 4);
	/* No temporary file is left. */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		assert_null(strstr(de->d_name, ".herald-backup-"));
	closedir(d);
}

static void
test_bad_descriptors(void **state)
{
	struct backup_result	 r;
	int			 fd, p[2];

	fd = new_file();
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(backup_to_fd(path, fd, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "new, empty regular file"));
	close(fd);
	fd = open(copy, O_RDONLY);
	assert_int_equal(backup_to_fd(path, fd, &r, err, sizeof(err)), -1);
	close(fd);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(backup_to_fd(path, p[1], &r, err, sizeof(err)), -1);
	close(p[0]);
	close(p[1]);
}

static void
test_check_names_the_fault(void **state)
{
	struct herald_conf	*conf;
	struct conf_errors	 errs;
	struct backup_result	 r;
	sqlite3			*db;
	int			 fd;

	if (geteuid() != 0)
		skip();
	fd = open(keypath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	/* K is 07 00 00 ...: its hex. */
	assert_int_equal(write(fd, "07000000000000000000000000000000"
	    "00000000000000000000000000000000\n", 65), 65);
	close(fd);
	fd = new_file();
	assert_int_equal(backup_to_fd(path, fd, &r, err, sizeof(err)), 0);
	close(fd);
	conf = calloc(1, sizeof(*conf));
	assert_non_null(conf);
	config_defaults(conf);
	strlcpy(conf->database, copy, sizeof(conf->database));
	strlcpy(conf->audit.key_file, keypath, sizeof(conf->audit.key_file));
	memset(&errs, 0, sizeof(errs));
	backup_check_database(conf, &errs, &r);
	if (errs.n != 0)
		fail_msg("%s", errs.msg[0]);
	assert_int_equal(r.audit_rows, 3);
	/* An edited row. */
	assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET key = 'b' WHERE "
	    "id = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	memset(&errs, 0, sizeof(errs));
	backup_check_database(conf, &errs, NULL);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "row 2: its MAC does not check"));
	/* Not a database at all. */
	fd = open(copy, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "this is not SQLite, this is a text that "
	    "is long enough to be read as a header by anyone\n", 88), 88);
	close(fd);
	memset(&errs, 0, sizeof(errs));
	backup_check_database(conf, &errs, NULL);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], copy));
	config_free(conf);
	free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_is_consistent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_names_the_fault,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
