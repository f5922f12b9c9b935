/*
 * herald.yaml, the files (common/config_file.c): StrictModes on real
 * files, loading them, and mt5.password_file.
 */
#include "config_test.h"

/* A file in the scratch directory with exactly this content and mode. */
static const char *
write_file(const char *name, const char *content, mode_t mode)
{
	char	*path;
	int	 fd, i;

	assert_true(nmade < 8);
	path = made[nmade];
	snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
	for (i = 0; i < nmade; i++)
		if (strcmp(made[i], path) == 0)
			break;
	if (i == nmade)
		nmade++;
	else
		path = made[i];
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
need_root(void)
{
	/* StrictModes wants root-owned files; only root can make them. */
	if (geteuid() != 0)
		skip();
}

static void
test_check_mode(void **state)
{
	struct conf_errors	e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0644, NULL, &e),
	    0);
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0600, "mt5.pw",
	    &e), 0);
	assert_int_equal(config_check_mode("/f", 0, 0400, "mt5.pw", &e), 0);
	assert_int_equal(config_check_mode("/f", 0, 0700, "mt5.pw", &e), 0);
	assert_int_equal(e.n, 0);

	assert_int_equal(config_check_mode("/f", 1000, 0600, NULL, &e), 1);
	assert_string_equal(e.msg[0], "/f: bad ownership or modes: owner "
	    "uid 1000, mode 0600; must be owned by root and not writable by "
	    "group or others");
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0664, NULL, &e),
	    1);
	assert_string_equal(e.msg[1], "/f: bad ownership or modes: owner "
	    "uid 0, mode 0664; must be owned by root and not writable by "
	    "group or others");
	assert_int_equal(config_check_mode("/f", 0, 0602, NULL, &e), 1);
	assert_int_equal(config_check_mode("/f", 0, 0640, "mt5.password", &e),
	    1);
	assert_string_equal(e.msg[3], "/f: mode 0640 lets group or others "
	    "read a file that holds a secret (mt5.password); it must be owned "
	    "by root with mode 0600 or stricter");
	assert_int_equal(config_check_mode("/f", 0, 0604, "x", &e), 1);
	assert_int_equal(config_check_mode("/f", 5, 0666, "x", &e), 2);
	assert_int_equal(e.n, 7);
}

static void
test_load_modes(void **state)
{
	const char	*p;
	char		 want[PATH_MAX + 256];

	need_root();

	p = write_file("plain.yaml", "log:\n  level: debug\n", 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_int_equal(conf.log.level, LOG_DEBUG);
	assert_string_equal(conf.path, p);

	p = write_file("secret.yaml", "mt5:\n  password: hunter2\n", 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: mode 0644 lets group or others read "
	    "a file that holds a secret (mt5.password); it must be owned by "
	    "root with mode 0600 or stricter", p);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);

	assert_int_equal(chmod(p, 0600), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_string_equal(conf.mt5.password->buf, "hunter2");
	config_free(&conf);

	p = write_file("gw.yaml", "{}\n", 0664);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: bad ownership or modes: owner uid "
	    "0, mode 0664; must be owned by root and not writable by group or "
	    "others", p);
	assert_string_equal(errs.msg[0], want);

	assert_int_equal(chown(p, 1, 0), 0);
	assert_int_equal(chmod(p, 0600), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: bad ownership or modes: owner uid "
	    "1, mode 0600; must be owned by root and not writable by group or "
	    "others", p);
	assert_string_equal(errs.msg[0], want);

	/* Parse errors and mode errors together, names on each. */
	p = write_file("both.yaml", "log:\n  level: x\n", 0666);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 2);
	snprintf(want, sizeof(want), "%s:2: log.level: expected error, "
	    "warning, info or debug, got \"x\"", p);
	assert_string_equal(errs.msg[0], want);
	assert_true(strncmp(errs.msg[1], p, strlen(p)) == 0);
}

static void
test_load_files(void **state)
{
	const char	*p;
	char		 want[PATH_MAX + 256], link[PATH_MAX];

	need_root();

	snprintf(want, sizeof(want), "%s/missing.yaml", tmpdir);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, want, &errs), 1);
	strlcat(want, ": No such file or directory", sizeof(want));
	assert_string_equal(errs.msg[0], want);

	config_defaults(&conf);
	assert_int_equal(config_load(&conf, tmpdir, &errs), 1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(errs.msg[0], want);

	p = write_file("target.yaml", "{}\n", 0600);
	snprintf(link, sizeof(link), "%s/link.yaml", tmpdir);
	unlink(link);
	assert_int_equal(symlink(p, link), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, link, &errs), 1);
	snprintf(want, sizeof(want), "%s: Too many levels of symbolic links "
	    "(symbolic links are not followed)", link);
	assert_string_equal(errs.msg[0], want);
	unlink(link);

	config_defaults(&conf);
	assert_int_equal(config_load(&conf, "/dev/null", &errs), 1);
	assert_string_equal(errs.msg[0], "/dev/null: not a regular file");
}

static void
test_password_file(void **state)
{
	const char	*pw, *p;
	char		 yaml[PATH_MAX + 64], want[PATH_MAX + 256];

	need_root();

	/* Happy path: 0600, one trailing newline stripped. */
	pw = write_file("pw", "s3cret\n", 0600);
	snprintf(yaml, sizeof(yaml), "mt5:\n  password_file: %s\n", pw);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_non_null(conf.mt5.password);
	assert_int_equal(conf.mt5.password->len, 6);
	assert_string_equal(conf.mt5.password->buf, "s3cret");
	assert_int_equal(conf.mt5.password_in_file, 0);
	config_free(&conf);

	/* \r\n too, and only one line ending. */
	pw = write_file("pw", "two words\r\n", 0400);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_string_equal(conf.mt5.password->buf, "two words");
	config_free(&conf);

	/* Group-readable: refused, naming the password file. */
	assert_int_equal(chmod(pw, 0640), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: mode 0640 lets group or others read "
	    "a file that holds a secret (mt5.password_file); it must be owned "
	    "by root with mode 0600 or stricter", pw);
	assert_string_equal(errs.msg[0], want);
	assert_null(conf.mt5.password);

	/* Empty, or only a newline. */
	pw = write_file("pw", "\n", 0600);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: empty; it must hold the MT5 "
	    "password", pw);
	assert_string_equal(errs.msg[0], want);

	pw = write_file("pw", "a\n\n", 0600);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: contains a NUL or control character "
	    "(at byte 2); only one trailing newline is allowed", pw);
	assert_string_equal(errs.msg[0], want);

	/* Missing. */
	snprintf(yaml, sizeof(yaml), "mt5:\n  password_file: %s/nope\n",
	    tmpdir);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s/nope: No such file or directory",
	    tmpdir);
	assert_string_equal(errs.msg[0], want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_check_mode, teardown),
		cmocka_unit_test_teardown(test_load_modes, teardown),
		cmocka_unit_test_teardown(test_load_files, teardown),
		cmocka_unit_test_teardown(test_password_file, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
