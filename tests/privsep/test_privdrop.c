/*
 * The privilege drop (privsep/privdrop.c), run as root in a forked child:
 * the chroot's checks, the drop itself, and the whole lock-down as a
 * child does it, seen from /proc.
 */
#include "sandbox_test.h"
#include "log.h"

/* The privilege drop: root only. */

struct pd_case {
	char		 dir[64];
	struct privdrop	 pd;
	rlim_t		 hard;		/* RLIMIT_NOFILE hard limit first */
	rlim_t		 want_nofile;
};

static void
pd_setup(struct pd_case *c, mode_t mode, uid_t owner)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->dir, "/tmp/herald-chroot.XXXXXX", sizeof(c->dir));
	assert_non_null(mkdtemp(c->dir));
	assert_int_equal(chmod(c->dir, mode), 0);
	assert_int_equal(chown(c->dir, owner, 0), 0);
	c->pd.uid = NOBODY;
	c->pd.gid = NOBODY;
	c->pd.chroot = c->dir;
	c->pd.nofile = 64;
	c->want_nofile = 64;
}

static void
pd_teardown(struct pd_case *c)
{
	assert_int_equal(rmdir(c->dir), 0);
}

static int
check_limit(int res, rlim_t want)
{
	struct rlimit	 rl;

	return getrlimit(res, &rl) == 0 && rl.rlim_cur == want &&
	    rl.rlim_max == want;
}

static void
child_privdrop(void *arg)
{
	struct pd_case	*c = arg;
	struct rlimit	 rl;
	char		 cwd[64];
	gid_t		 groups[4];
	uid_t		 r, e, s;

	if (c->hard != 0) {
		rl.rlim_cur = rl.rlim_max = c->hard;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			child_exit(50);
	}
	privdrop_child(&c->pd);
	if (getuid() != NOBODY || geteuid() != NOBODY || getgid() != NOBODY ||
	    getegid() != NOBODY)
		child_exit(10);
	if (getresuid(&r, &e, &s) == -1 || s != NOBODY)
		child_exit(11);
	if (getgroups(4, groups) != 1 || groups[0] != NOBODY)
		child_exit(12);
	if (access("/etc/passwd", F_OK) != -1)
		child_exit(13);		/* not chrooted */
	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		child_exit(14);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
		child_exit(15);
	if (!check_limit(RLIMIT_NPROC, 0) || !check_limit(RLIMIT_FSIZE, 0) ||
	    !check_limit(RLIMIT_CORE, 0))
		child_exit(16);
	if (!check_limit(RLIMIT_NOFILE, c->want_nofile))
		child_exit(17);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		child_exit(18);
	if (prctl(PR_CAPBSET_READ, 21 /* CAP_SYS_ADMIN */, 0, 0, 0) != 0)
		child_exit(19);
	if (fork() != -1)
		child_exit(20);		/* RLIMIT_NPROC */
	child_exit(0);
}

static void
test_privdrop(void **state)
{
	struct pd_case	 c;

	if (geteuid() != 0)
		skip();
	pd_setup(&c, 0755, 0);
	assert_exit(run_child(child_privdrop, &c), 0);

	/* Never more descriptors than the hard limit allows. */
	c.hard = 32;
	c.pd.nofile = 1024;
	c.want_nofile = 32;
	assert_exit(run_child(child_privdrop, &c), 0);
	pd_teardown(&c);
}

/* Where a refusing child's fatal line goes: a pipe to the test. */
static int	 refusal_fd = -1;

static void
refusal_line(int pri, const char *line)
{
	if (write(refusal_fd, line, strlen(line)) == -1)
		return;		/* the test then names what it missed */
}

static void
child_refused(void *arg)
{
	log_set_forward(refusal_line);
	child_privdrop(arg);
}

/* fn(c) must be refused: exit 1 with a line containing why. */
static void
refused_by(void (*fn)(void *), struct pd_case *c, const char *why)
{
	char	 buf[512];
	ssize_t	 n;
	int	 p[2];

	assert_int_equal(pipe(p), 0);
	refusal_fd = p[1];
	assert_exit(run_child(fn, c), 1);
	close(p[1]);
	refusal_fd = -1;
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	if (strstr(buf, why) == NULL)
		fail_msg("refused with \"%s\", expected \"%s\"", buf, why);
}

static void
refused(struct pd_case *c, const char *why)
{
	refused_by(child_refused, c, why);
}

static void
test_privdrop_bad_chroot(void **state)
{
	struct pd_case	 c;

	if (geteuid() != 0)
		skip();
	/* Writable by others: fatal, naming the path and mode. */
	pd_setup(&c, 0777, 0);
	refused(&c, c.dir);
	pd_teardown(&c);

	pd_setup(&c, 0775, 0);
	refused(&c, c.dir);
	pd_teardown(&c);

	/* Not owned by root. */
	pd_setup(&c, 0755, NOBODY);
	refused(&c, c.dir);
	pd_teardown(&c);

	/* A directory above it that someone else could rename things in. */
	pd_setup(&c, 0755, NOBODY);
	{
		char	 inner[96];

		snprintf(inner, sizeof(inner), "%s/empty", c.dir);
		assert_int_equal(mkdir(inner, 0755), 0);
		c.pd.chroot = inner;
		refused(&c, c.dir);
		assert_int_equal(rmdir(inner), 0);
	}
	pd_teardown(&c);

	/* Missing, relative. */
	pd_setup(&c, 0755, 0);
	c.pd.chroot = "/nonexistent/herald";
	refused(&c, "/nonexistent/herald");
	c.pd.chroot = "tmp";
	refused(&c, "tmp");
	pd_teardown(&c);
}

/* What privdrop_child() refuses before it changes anything. */
static void
child_not_root(void *arg)
{
	log_set_forward(refusal_line);
	if (setresuid(NOBODY, NOBODY, NOBODY) == -1)
		child_exit(50);
	privdrop_child(arg);
}

static void
test_privdrop_refusals(void **state)
{
	struct pd_case	 c;

	if (geteuid() != 0)
		skip();
	pd_setup(&c, 0755, 0);
	/* A "drop" to root, by uid or by gid. */
	c.pd.uid = 0;
	refused(&c, "refusing to \"drop\" to uid 0");
	c.pd.uid = NOBODY;
	c.pd.gid = 0;
	refused(&c, "gid 0");
	c.pd.gid = NOBODY;
	/* No descriptors at all would be a child that cannot work. */
	c.pd.nofile = 0;
	refused(&c, "RLIMIT_NOFILE of 0");
	c.pd.nofile = 64;
	/* Started without root: it could not drop what it must. */
	refused_by(child_not_root, &c, "must start as root (euid ");
	pd_teardown(&c);
}

/* The whole lock-down as a child does it, seen from outside. */

static int
status_field(pid_t pid, const char *field, char *val, size_t valsz)
{
	char	 path[64], line[256];
	FILE	*f;
	size_t	 n = strlen(field);
	int	 found = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			strlcpy(val, line + n + 1 + strspn(line + n + 1,
			    " \t"), valsz);
			val[strcspn(val, "\n")] = '\0';
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static void
test_lockdown_seen_from_proc(void **state)
{
	struct pd_case	 c;
	char		 val[128], root[256], link[64];
	pid_t		 pid;
	int		 p[2], status;
	ssize_t		 n;

	if (geteuid() != 0)
		skip();
	pd_setup(&c, 0755, 0);
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(p[1]);
		privdrop_child(&c.pd);
		sandbox_child(PROC_NET, 0);
		/* Wait for the parent to look. */
		child_exit(read(p[0], &status, 1) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	close(p[0]);
	/* NoNewPrivs is set last but one: wait until Seccomp shows. */
	for (n = 0; n < 500; n++) {
		if (status_field(pid, "Seccomp", val, sizeof(val)) == 0 &&
		    strcmp(val, "2") == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(status_field(pid, "Seccomp", val, sizeof(val)), 0);
	assert_string_equal(val, "2");
	assert_int_equal(status_field(pid, "NoNewPrivs", val, sizeof(val)),
	    0);
	assert_string_equal(val, "1");
	assert_int_equal(status_field(pid, "Uid", val, sizeof(val)), 0);
	assert_string_equal(val, "65534\t65534\t65534\t65534");
	assert_int_equal(status_field(pid, "Gid", val, sizeof(val)), 0);
	assert_string_equal(val, "65534\t65534\t65534\t65534");
	assert_int_equal(status_field(pid, "CapEff", val, sizeof(val)), 0);
	assert_string_equal(val, "0000000000000000");
	assert_int_equal(status_field(pid, "CapPrm", val, sizeof(val)), 0);
	assert_string_equal(val, "0000000000000000");
	assert_int_equal(status_field(pid, "CapBnd", val, sizeof(val)), 0);
	assert_string_equal(val, "0000000000000000");
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	n = readlink(link, root, sizeof(root) - 1);
	assert_true(n > 0);
	root[n] = '\0';
	assert_string_equal(root, c.dir);

	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exit(status, 0);
	pd_teardown(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privdrop),
		cmocka_unit_test(test_privdrop_bad_chroot),
		cmocka_unit_test(test_privdrop_refusals),
		cmocka_unit_test(test_lockdown_seen_from_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
