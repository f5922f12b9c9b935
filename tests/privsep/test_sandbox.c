/*
 * The seccomp tables (privsep/sandbox.c), each tried for real in a forked
 * child: a forbidden call kills with SIGSYS, argument limits kill when
 * broken, open gets EACCES, what the run-time needs still works, the
 * tables compared whole, debug mode names the call, and the monitor's
 * filter.
 */
#include "sandbox_test.h"

static void
assert_sigsys(int status)
{
	if (WIFEXITED(status))
		fail_msg("child exited %d, expected death by SIGSYS",
		    WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
test_proc_names(void **state)
{
	assert_string_equal(proc_name(PROC_MONITOR), "monitor");
	assert_string_equal(proc_name(PROC_NET), "net");
	assert_string_equal(proc_name(PROC_BROKER), "broker");
	assert_string_equal(proc_name(PROC_MAX), "unknown");
	assert_int_equal(proc_byname("monitor"), PROC_MONITOR);
	assert_int_equal(proc_byname("net"), PROC_NET);
	assert_int_equal(proc_byname("broker"), PROC_BROKER);
	assert_int_equal(proc_byname("Net"), -1);
	assert_int_equal(proc_byname(""), -1);
	assert_int_equal(proc_byname(NULL), -1);
}

/* Children's tables. */

static void
child_socket(void *arg)
{
	sandbox_child(*(enum herald_proc *)arg, 0);
	(void)socket(AF_INET, SOCK_STREAM, 0);
	child_exit(0);
}

static void
test_child_socket_kills(void **state)
{
	enum herald_proc	 p;

	p = PROC_NET;
	assert_sigsys(run_child(child_socket, &p));
	p = PROC_BROKER;
	assert_sigsys(run_child(child_socket, &p));
}

static void
child_forbidden(void *arg)
{
	const char	*what = arg;
	char		*argv[] = { "true", NULL }, *envp[] = { NULL };
	void		*p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		child_exit(2);
	sandbox_child(PROC_NET, 0);
	if (strcmp(what, "execve") == 0)
		execve("/bin/true", argv, envp);
	else if (strcmp(what, "fork") == 0)
		(void)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	else if (strcmp(what, "connect") == 0)
		(void)connect(0, NULL, 0);
	else if (strcmp(what, "kill") == 0)
		(void)kill(getppid(), 0);
	else if (strcmp(what, "ptrace") == 0)
		(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(what, "mprotect-exec") == 0)
		(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	else if (strcmp(what, "mmap-exec") == 0)
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else if (strcmp(what, "ioctl") == 0)
		(void)ioctl(0, FIONBIO, &(int){ 1 });
	else if (strcmp(what, "openat2") == 0)
		(void)syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0);
	child_exit(0);
}

static void
test_child_forbidden_kills(void **state)
{
	const char	*calls[] = { "execve", "fork", "connect", "kill",
	    "ptrace", "mprotect-exec", "mmap-exec", "ioctl", "openat2" };
	size_t		 i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		print_message("forbidden in net: %s\n", calls[i]);
		assert_sigsys(run_child(child_forbidden, (void *)calls[i]));
	}
}

/*
 * The argument limits, each broken once per child: the call itself is
 * in the table, only with other arguments, and must still kill.
 */
struct limit_case {
	enum herald_proc	 proc;
	const char		*what;
};

static void
child_limit(void *arg)
{
	const struct limit_case	*lc = arg;
	const char		*what = lc->what;
	uint32_t		 word = 0;
	void			*p;
	int			 one = 1, sp[2], fd;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		child_exit(2);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		child_exit(3);
	sandbox_child(lc->proc, 0);
	if (strcmp(what, "fcntl-F_SETFD") == 0)
		(void)fcntl(sp[0], F_SETFD, FD_CLOEXEC);
	else if (strcmp(what, "fcntl-F_DUPFD") == 0)
		(void)fcntl(sp[0], F_DUPFD, 0);
	else if (strcmp(what, "fcntl-F_SETOWN") == 0)
		(void)fcntl(sp[0], F_SETOWN, getpid());
	else if (strcmp(what, "madvise-MADV_DONTFORK") == 0)
		(void)madvise(p, 4096, MADV_DONTFORK);
	else if (strcmp(what, "madvise-MADV_WILLNEED") == 0)
		(void)madvise(p, 4096, MADV_WILLNEED);
	else if (strcmp(what, "mmap-PROT_EXEC") == 0)
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else if (strcmp(what, "mprotect-PROT_EXEC") == 0)
		(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	else if (strcmp(what, "futex-FUTEX_LOCK_PI") == 0)
		(void)syscall(SYS_futex, &word, FUTEX_LOCK_PI_PRIVATE, 0,
		    NULL, NULL, 0);
	else if (strcmp(what, "futex-FUTEX_CMP_REQUEUE") == 0)
		(void)syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1,
		    NULL, &word, 0);
	else if (strcmp(what, "futex-FUTEX_WAKE_OP") == 0)
		(void)syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 1,
		    NULL, &word, 0);
	else if (strcmp(what, "setsockopt-SO_REUSEADDR") == 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	else if (strcmp(what, "setsockopt-TCP_CORK") == 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one,
		    sizeof(one));
	else if (strcmp(what, "setsockopt-SO_DEBUG") == 0)
		/* TCP_NODELAY's number at another level. */
		(void)setsockopt(fd, SOL_SOCKET, TCP_NODELAY, &one,
		    sizeof(one));
	child_exit(0);
}

static void
test_child_limits_kill(void **state)
{
	const char		*both[] = { "fcntl-F_SETFD", "fcntl-F_DUPFD",
	    "fcntl-F_SETOWN", "madvise-MADV_DONTFORK",
	    "madvise-MADV_WILLNEED", "mmap-PROT_EXEC", "mprotect-PROT_EXEC",
	    "futex-FUTEX_LOCK_PI", "futex-FUTEX_CMP_REQUEUE",
	    "futex-FUTEX_WAKE_OP", "setsockopt-SO_REUSEADDR",
	    "setsockopt-TCP_CORK", "setsockopt-SO_DEBUG" };
	struct limit_case	 lc;
	size_t			 i;

	for (lc.proc = PROC_NET; lc.proc <= PROC_BROKER; lc.proc++) {
		for (i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
			lc.what = both[i];
			print_message("forbidden in %s: %s\n",
			    proc_name(lc.proc), lc.what);
			assert_sigsys(run_child(child_limit, &lc));
		}
	}
}

/* What the limits still let through, in both children. */
static void
child_limits_allowed(void *arg)
{
	enum herald_proc	 proc = *(enum herald_proc *)arg;
	uint32_t		 word = 0;
	void			*p;
	int			 one = 1, bufsz = 65536, sp[2], fd, fl;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		child_exit(2);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		child_exit(3);
	sandbox_child(proc, 0);
	if ((fl = fcntl(sp[0], F_GETFL)) == -1 ||
	    fcntl(sp[0], F_SETFL, fl | O_NONBLOCK) == -1)
		child_exit(10);
	if (madvise(p, 4096, MADV_DONTNEED) == -1)
		child_exit(11);
	if (mprotect(p, 4096, PROT_READ) == -1 ||
	    mprotect(p, 4096, PROT_NONE) == -1)
		child_exit(12);
	/* Nobody waits, and the word is not 1: both return at once. */
	if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL,
	    0) != 0 || syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL,
	    0) != 0)
		child_exit(13);
	if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL,
	    0) != -1 || errno != EAGAIN)
		child_exit(14);
	if (syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE |
	    FUTEX_CLOCK_REALTIME, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY) !=
	    -1 || errno != EAGAIN)
		child_exit(15);
	if (syscall(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL,
	    NULL, FUTEX_BITSET_MATCH_ANY) != 0)
		child_exit(16);
	/*
	 * Only net sets options: TCP_NODELAY on accepted sockets, SO_SNDBUF
	 * on an events stream's.
	 */
	if (proc == PROC_NET && (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one)) == -1 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF,
	    &bufsz, sizeof(bufsz)) == -1))
		child_exit(17);
	child_exit(0);
}

static void
test_child_limits_allowed(void **state)
{
	enum herald_proc	 p;

	p = PROC_NET;
	assert_exit(run_child(child_limits_allowed, &p), 0);
	p = PROC_BROKER;
	assert_exit(run_child(child_limits_allowed, &p), 0);
}

static void
child_broker_setsockopt(void *arg)
{
	int	 one = 1, fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		child_exit(2);
	sandbox_child(PROC_BROKER, 0);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	child_exit(0);
}

static void
test_broker_sets_no_socket_option(void **state)
{
	assert_sigsys(run_child(child_broker_setsockopt, NULL));
}

/*
 * Each child's table, whole: a row added, removed or loosened anywhere
 * (the shared rows included) fails here until this list says so too.
 */
#define CHILD_COMMON_ROWS \
	"allow read",							\
	"allow write",							\
	"allow recvmsg",						\
	"allow sendmsg",						\
	"allow close",							\
	"allow fcntl if arg1 == 3",		/* F_GETFL */		\
	"allow fcntl if arg1 == 4",		/* F_SETFL */		\
	"allow epoll_wait",						\
	"allow epoll_pwait",						\
	"allow epoll_ctl",						\
	"allow poll",							\
	"allow ppoll",							\
	"allow brk",							\
	"allow mmap if arg2 & 0x4 == 0",	/* no PROT_EXEC */	\
	"allow mprotect if arg2 & 0x4 == 0",				\
	"allow munmap",							\
	"allow mremap",							\
	"allow madvise if arg2 == 4",		/* MADV_DONTNEED */	\
	/* FUTEX_WAIT, _WAKE, _WAIT_BITSET, _WAKE_BITSET */		\
	"allow futex if arg1 & 0xfffffe7f == 0",			\
	"allow futex if arg1 & 0xfffffe7f == 0x1",			\
	"allow futex if arg1 & 0xfffffe7f == 0x9",			\
	"allow futex if arg1 & 0xfffffe7f == 0xa",			\
	"allow getrandom",						\
	"allow clock_gettime",						\
	"allow gettimeofday",						\
	"allow clock_nanosleep",					\
	"allow nanosleep",						\
	"allow rt_sigreturn",						\
	"allow rt_sigprocmask",						\
	"allow restart_syscall",					\
	"allow getpid",							\
	"allow gettid",							\
	"allow exit",							\
	"allow exit_group",						\
	"errno EACCES open",						\
	"errno EACCES openat",						\
	"errno EACCES stat",						\
	"errno EACCES lstat",						\
	"errno EACCES fstat",						\
	"errno EACCES newfstatat",					\
	"errno EACCES statx",						\
	"errno EACCES access",						\
	"errno EACCES faccessat",					\
	"errno EACCES faccessat2"

static const char *const expect_net[] = {
	CHILD_COMMON_ROWS,
	"allow accept4",
	"allow readv",
	"allow writev",
	"allow recvfrom",
	"allow sendto",
	"allow shutdown",
	"allow getsockopt",
	"allow setsockopt if arg1 == 6 and arg2 == 1",	/* TCP_NODELAY */
	"allow setsockopt if arg1 == 1 and arg2 == 7",	/* SO_SNDBUF */
	"allow getsockname",
	"allow getpeername",
	"allow ioctl if arg1 == 21531",			/* FIONREAD */
};

static const char *const expect_broker[] = {
	CHILD_COMMON_ROWS,
	"allow accept4",	/* the bridge's EA, on the passed listener */
};

/*
 * The monitor's deny-list, whole: a row dropped or swapped for another
 * call (its default is allow) is a hole nothing else would show.
 */
static const char *const expect_monitor[] = {
	"kill execve",
	"kill execveat",
	"kill ptrace",
	"kill process_vm_readv",
	"kill process_vm_writev",
	"kill init_module",
	"kill finit_module",
	"kill delete_module",
	"kill kexec_load",
	"kill kexec_file_load",
	"kill reboot",
	"kill swapon",
	"kill swapoff",
	"kill mount",
	"kill umount2",
	"kill pivot_root",
	"kill fsopen",
	"kill fsconfig",
	"kill fsmount",
	"kill fspick",
	"kill move_mount",
	"kill open_tree",
	"kill mount_setattr",
	"kill open_by_handle_at",
	"kill bpf",
	"kill perf_event_open",
	"kill userfaultfd",
	"kill iopl",
	"kill ioperm",
	"kill io_uring_setup",
	"kill io_uring_enter",
	"kill io_uring_register",
	"kill pidfd_open",
	"kill pidfd_getfd",
	"kill process_madvise",
	"kill kcmp",
	"kill setns",
	"kill unshare",
	"kill chroot",
	"kill keyctl",
	"kill add_key",
	"kill request_key",
	"kill name_to_handle_at",
	"kill socket if arg0 != 1",			/* AF_UNIX only */
};

static void
check_table(enum herald_proc proc, const char *const *expect, size_t n)
{
	char	 row[256];
	size_t	 i;

	for (i = 0; sandbox_describe(proc, i, row, sizeof(row)) == 0; i++) {
		if (i >= n)
			fail_msg("%s: row %zu \"%s\" is not expected",
			    proc_name(proc), i, row);
		if (strcmp(row, expect[i]) != 0)
			fail_msg("%s: row %zu is \"%s\", expected \"%s\"",
			    proc_name(proc), i, row, expect[i]);
	}
	if (i != n)
		fail_msg("%s: %zu rows, expected %zu (first missing: \"%s\")",
		    proc_name(proc), i, n, expect[i]);
}

static void
test_child_tables_whole(void **state)
{
	check_table(PROC_NET, expect_net,
	    sizeof(expect_net) / sizeof(expect_net[0]));
	check_table(PROC_BROKER, expect_broker,
	    sizeof(expect_broker) / sizeof(expect_broker[0]));
	check_table(PROC_MONITOR, expect_monitor,
	    sizeof(expect_monitor) / sizeof(expect_monitor[0]));
}

/* abort() is a crash, not a violation: it must end in SIGABRT. */
static void
child_abort(void *arg)
{
	sandbox_child(PROC_NET, 0);
	/* What abort() does, without ASan's sigaltstack on the way. */
	(void)syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGABRT);
	child_exit(0);
}

static void
child_kill_other(void *arg)
{
	sandbox_child(PROC_NET, 0);
	(void)syscall(SYS_tgkill, getppid(), getppid(), SIGTERM);
	child_exit(0);
}

static void
test_child_abort_is_sigabrt(void **state)
{
	int	 status;

	status = run_child(child_abort, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	/* tgkill on anyone else is still a violation. */
	assert_sigsys(run_child(child_kill_other, NULL));
}

static void
child_open(void *arg)
{
	struct stat	 st;

	sandbox_child(PROC_NET, 0);
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		child_exit(1);
	if (openat(AT_FDCWD, "/etc/passwd", O_RDONLY) != -1 ||
	    errno != EACCES)
		child_exit(2);
	if (stat("/etc/passwd", &st) != -1 || errno != EACCES)
		child_exit(3);
	if (access("/etc/passwd", R_OK) != -1 || errno != EACCES)
		child_exit(4);
	if (fopen("/etc/passwd", "r") != NULL || errno != EACCES)
		child_exit(5);
	child_exit(0);
}

static void
test_child_open_eacces(void **state)
{
	assert_exit(run_child(child_open, NULL), 0);
}

static void
on_readable(evutil_socket_t fd, short ev, void *arg)
{
	*(int *)arg = 1;
}

/*
 * What a child does at run time must still work under the filter:
 * libevent's loop, OpenSSL's RNG, malloc, time, socket I/O with fd
 * passing, accept4 on a listener set up before the filter.
 */
static void
child_runtime(void *arg)
{
	enum herald_proc	 proc = *(enum herald_proc *)arg;
	struct sockaddr_un	 sun;
	struct event_base	*base;
	struct event		*ev;
	struct timespec		 ts;
	struct pollfd		 pfd;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cmsg;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	unsigned char		 rnd[32];
	socklen_t		 len;
	char			*p, c;
	int			 sp[2], lfd, cfd, afd, fired = 0, n, fl;

	/* Start-up, before the filter, as the daemon does it. */
	if ((base = event_base_new()) == NULL)
		child_exit(2);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		child_exit(3);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
		child_exit(4);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "herald-test-%d", (int)getpid());
	len = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sun.sun_path + 1);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(lfd, 1) == -1)
		child_exit(5);
	if ((cfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(cfd, (struct sockaddr *)&sun, len) == -1)
		child_exit(6);
	ev = event_new(base, sp[1], EV_READ, on_readable, &fired);
	if (ev == NULL || event_add(ev, NULL) == -1)
		child_exit(7);

	sandbox_child(proc, 0);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		child_exit(10);
	if ((p = malloc(4 << 20)) == NULL)
		child_exit(11);
	memset(p, 1, 4 << 20);
	if ((p = realloc(p, 8 << 20)) == NULL)
		child_exit(11);
	free(p);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		child_exit(12);
	/* Only net serves clients: broker passes a socket it already has. */
	afd = cfd;
	if (proc == PROC_NET) {
		afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (afd == -1)
			child_exit(13);
		if ((fl = fcntl(afd, F_GETFL)) == -1 || !(fl & O_NONBLOCK))
			child_exit(14);
		len = sizeof(n);
		if (getsockopt(afd, SOL_SOCKET, SO_TYPE, &n, &len) == -1 ||
		    n != SOCK_STREAM)
			child_exit(15);
	}

	/* Pass afd over the socketpair, as IPC does. */
	memset(&msg, 0, sizeof(msg));
	c = 'x';
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &afd, sizeof(int));
	if (sendmsg(sp[0], &msg, MSG_NOSIGNAL) != 1)
		child_exit(16);
	pfd.fd = sp[1];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) != 1)
		child_exit(17);
	if (event_base_loop(base, EVLOOP_ONCE) == -1 || !fired)
		child_exit(18);
	if (proc == PROC_NET && ioctl(sp[1], FIONREAD, &n) == -1)
		child_exit(19);
	c = 0;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	if (recvmsg(sp[1], &msg, MSG_CMSG_CLOEXEC) != 1 || c != 'x' ||
	    (cmsg = CMSG_FIRSTHDR(&msg)) == NULL ||
	    cmsg->cmsg_type != SCM_RIGHTS)
		child_exit(20);
	memcpy(&n, CMSG_DATA(cmsg), sizeof(int));
	if (proc != PROC_NET) {
		if (close(n) == -1 || close(afd) == -1 || getpid() <= 0)
			child_exit(24);
		event_free(ev);
		event_base_free(base);
		child_exit(0);
	}
	if (write(cfd, "ping", 4) != 4 || send(cfd, "!", 1, 0) != 1)
		child_exit(21);
	if (poll(&(struct pollfd){ n, POLLIN, 0 }, 1, 1000) != 1)
		child_exit(22);
	if (read(n, rnd, 5) < 1)
		child_exit(23);
	if (shutdown(cfd, SHUT_RDWR) == -1 || close(n) == -1 ||
	    close(afd) == -1)
		child_exit(24);
	if (getpid() <= 0)
		child_exit(25);
	event_free(ev);
	event_base_free(base);
	child_exit(0);
}

static void
test_child_runtime_allowed(void **state)
{
	enum herald_proc	 p;

	p = PROC_NET;
	assert_exit(run_child(child_runtime, &p), 0);
	p = PROC_BROKER;
	assert_exit(run_child(child_runtime, &p), 0);
}

/* Debug mode: the call fails with ENOSYS and the writer names it. */

static char	 debug_msg[SANDBOX_MSG_MAX];

static void
debug_writer(const char *msg)
{
	strlcpy(debug_msg, msg, sizeof(debug_msg));
}

static void
child_debug(void *arg)
{
	int	 fd;

	sandbox_set_violation_writer(debug_writer);
	sandbox_child(PROC_NET, 1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd != -1 || errno != ENOSYS)
		child_exit(1);
	if (strstr(debug_msg, "socket") == NULL)
		child_exit(2);
	if (strstr(debug_msg, "net") == NULL)
		child_exit(3);
	/* ERRNO entries are unchanged in debug mode. */
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		child_exit(4);
	child_exit(0);
}

static void
test_child_debug_traps(void **state)
{
	assert_exit(run_child(child_debug, NULL), 0);
}

static void
test_child_monitor_refused(void **state)
{
	enum herald_proc	 p = PROC_MONITOR;

	/* sandbox_child() is for net and broker only: fatal, exit 1. */
	assert_exit(run_child(child_socket, &p), 1);
}

/* The monitor's filter. */

static void
child_monitor(void *arg)
{
	const char	*what = arg;
	char		*argv[] = { "true", NULL }, *envp[] = { NULL };
	pid_t		 pid;
	int		 fd, sp[2], status;

	sandbox_monitor(0);
	if (strcmp(what, "unix") == 0) {
		/* What the monitor keeps: AF_UNIX, socketpair, fork, wait. */
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			child_exit(1);
		close(fd);
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1)
			child_exit(2);
		if ((pid = fork()) == -1)
			child_exit(3);
		if (pid == 0)
			child_exit(7);
		if (waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 7)
			child_exit(4);
		if ((fd = open("/dev/null", O_RDONLY)) == -1)
			child_exit(5);
		child_exit(0);
	}
	if (strcmp(what, "execve") == 0)
		execve("/bin/true", argv, envp);
	else if (strcmp(what, "execveat") == 0)
		(void)syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp,
		    0);
	else if (strcmp(what, "inet") == 0)
		(void)socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(what, "inet6") == 0)
		(void)socket(AF_INET6, SOCK_DGRAM, 0);
	else if (strcmp(what, "netlink") == 0)
		(void)socket(AF_NETLINK, SOCK_RAW, 0);
	else if (strcmp(what, "ptrace") == 0)
		(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(what, "mount") == 0)
		(void)mount("none", "/mnt", "tmpfs", 0, NULL);
#if defined(__x86_64__)
	else if (strcmp(what, "x32") == 0)
		/* The x32 ABI's socket(): another ABI, not a way around. */
		(void)syscall(0x40000000 | SYS_socket, AF_INET,
		    SOCK_STREAM, 0);
#endif
	child_exit(0);
}

static void
test_monitor_filter(void **state)
{
	const char	*denied[] = { "execve", "execveat", "inet", "inet6",
	    "netlink",
	    "ptrace", "mount",
#if defined(__x86_64__)
	    "x32",
#endif
	};
	size_t		 i;

	assert_exit(run_child(child_monitor, "unix"), 0);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		print_message("forbidden in monitor: %s\n", denied[i]);
		assert_sigsys(run_child(child_monitor, (void *)denied[i]));
	}
}

static void
child_monitor_debug(void *arg)
{
	sandbox_set_violation_writer(debug_writer);
	sandbox_monitor(1);
	if (socket(AF_INET, SOCK_STREAM, 0) != -1 || errno != ENOSYS)
		child_exit(1);
	if (strstr(debug_msg, "socket") == NULL ||
	    strstr(debug_msg, "monitor") == NULL)
		child_exit(2);
	/*
	 * A SIGSYS someone sent is no syscall to fail: the handler says so
	 * and leaves the registers of whatever was running alone.
	 */
	debug_msg[0] = '\0';
	if (kill(getpid(), SIGSYS) == -1)
		child_exit(3);
	if (strstr(debug_msg, "SIGSYS not from seccomp") == NULL)
		child_exit(4);
	child_exit(0);
}

static void
test_monitor_debug(void **state)
{
	assert_exit(run_child(child_monitor_debug, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_names),
		cmocka_unit_test(test_child_socket_kills),
		cmocka_unit_test(test_child_forbidden_kills),
		cmocka_unit_test(test_child_limits_kill),
		cmocka_unit_test(test_child_limits_allowed),
		cmocka_unit_test(test_broker_sets_no_socket_option),
		cmocka_unit_test(test_child_tables_whole),
		cmocka_unit_test(test_child_abort_is_sigabrt),
		cmocka_unit_test(test_child_open_eacces),
		cmocka_unit_test(test_child_runtime_allowed),
		cmocka_unit_test(test_child_debug_traps),
		cmocka_unit_test(test_child_monitor_refused),
		cmocka_unit_test(test_monitor_filter),
		cmocka_unit_test(test_monitor_debug),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
