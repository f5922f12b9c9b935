/*
 * Directories only root controls (common/fsafe.c): the chroot's tree,
 * emptiness, the directory of a file root creates.  As root the tests
 * make their own scratch tree under /tmp and hand parts of it to nobody;
 * otherwise they skip.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fsafe.h"

#define NOBODY	65534

static char	top[64], err[1024];

static int
setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	strlcpy(top, "/tmp/herald-fsafe.XXXXXX", sizeof(top));
	if (mkdtemp(top) == NULL || chmod(top, 0755) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	if (geteuid() != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", top, rel);
}

static void
make_dir(const char *rel, mode_t mode, uid_t uid)
{
	char	 p[128];

	path(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	assert_int_equal(chown(p, uid, 0), 0);
}

static void
test_tree(void **state)
{
	char	 p[128];

	if (geteuid() != 0)
		skip();
	make_dir("ok", 0755, 0);
	path(p, sizeof(p), "ok");
	/* /tmp above is sticky and world-writable: it passes. */
	assert_int_equal(fsafe_check_tree("privsep.chroot", p, err,
	    sizeof(err)), 0);

	make_dir("ok/gw", 0775, 0);
	path(p, sizeof(p), "ok/gw");
	assert_int_equal(fsafe_check_tree("privsep.chroot", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "has mode 0775: must not be writable"));

	/* The leaf itself may not be writable, sticky or not. */
	make_dir("ok/sticky", 01777, 0);
	path(p, sizeof(p), "ok/sticky");
	assert_int_equal(fsafe_check_tree("privsep.chroot", p, err,
	    sizeof(err)), -1);

	/* Owned by another user, somewhere above. */
	make_dir("theirs", 0755, NOBODY);
	make_dir("theirs/in", 0755, 0);
	path(p, sizeof(p), "theirs/in");
	assert_int_equal(fsafe_check_tree("privsep.chroot", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "in its path is owned by uid 65534"));

	assert_int_equal(fsafe_check_tree("privsep.chroot", "rel", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "must be an absolute path"));
	path(p, sizeof(p), "missing");
	assert_int_equal(fsafe_check_tree("privsep.chroot", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
}

static void
test_empty(void **state)
{
	char	 p[128], f[160];
	FILE	*fp;

	if (geteuid() != 0)
		skip();
	make_dir("e", 0755, 0);
	path(p, sizeof(p), "e");
	assert_int_equal(fsafe_check_empty("privsep.chroot", p, err,
	    sizeof(err)), 0);
	snprintf(f, sizeof(f), "%s/file", p);
	assert_non_null(fp = fopen(f, "w"));
	fclose(fp);
	assert_int_equal(fsafe_check_empty("privsep.chroot", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "is not empty (it holds file)"));
}

static void
test_parent(void **state)
{
	char	 p[128];

	if (geteuid() != 0)
		skip();
	make_dir("db", 0700, 0);
	path(p, sizeof(p), "db/herald.db");
	assert_int_equal(fsafe_check_parent("database", p, err,
	    sizeof(err)), 0);

	make_dir("shared", 01777, 0);
	path(p, sizeof(p), "shared/herald.db");
	assert_int_equal(fsafe_check_parent("database", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "herald.db: directory "));
	assert_non_null(strstr(err, "has mode 1777"));

	make_dir("nobodys", 0755, NOBODY);
	path(p, sizeof(p), "nobodys/heraldd.pid");
	assert_int_equal(fsafe_check_parent("pid_file", p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "owned by uid 65534"));

	/* A file in / has / as its directory. */
	assert_int_equal(fsafe_check_parent("pid_file", "/heraldd.pid", err,
	    sizeof(err)), 0);
	assert_int_equal(fsafe_check_parent("pid_file", "heraldd.pid", err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_parent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
