/*
 * The seccomp sandboxes.  Each process has one table: a syscall per
 * line and what happens to it.  Anything a child's table does not list
 * kills the process (SIGSYS); the monitor's table lists only what it
 * must never do again once start-up is over.
 *
 * The children's tables describe a process at run time only: libevent,
 * OpenSSL and the time zone are initialised before the filter goes on
 * (see privsep.h), so what they need for that (opening files, creating
 * the epoll instance, reading the configuration) is not here.  Where a
 * call is safe only with some arguments, its rows name them, as
 * OpenSSH's sandbox does; the rows both children need are written once
 * (SB_CHILD_COMMON) and open each child's table.  sandbox_describe()
 * lists a table for the tests that compare it whole.  Sanitizer builds
 * add the rows of one block below, and only they.
 *
 * In debug mode a forbidden syscall traps instead: a SIGSYS handler
 * names it through the registered writer and makes it fail with ENOSYS,
 * so that one run shows every missing entry.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/audit.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "nitems.h"
#include "privsep.h"
#include "sandbox.h"

#if defined(__x86_64__)
#define SB_AUDIT_ARCH		AUDIT_ARCH_X86_64
#define SB_SET_RETURN(uc, v)	((uc)->uc_mcontext.gregs[REG_RAX] = (v))
#elif defined(__aarch64__)
#define SB_AUDIT_ARCH		AUDIT_ARCH_AARCH64
#define SB_SET_RETURN(uc, v)	((uc)->uc_mcontext.regs[0] = (v))
#else
#error "sandbox.c: no SIGSYS return register for this architecture"
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP		1	/* si_code of a seccomp SIGSYS */
#endif

enum sb_verdict {
	SB_ALLOW,		/* run it */
	SB_ERRNO,		/* fail it with the entry's errno */
	SB_DENY,		/* kill the process (trap under debug) */
};

/* Argument n compared by op with a (masked ops: arg & a == b). */
struct sb_cmp {
	int			 arg;
	enum scmp_compare	 op;
	scmp_datum_t		 a, b;
};

struct sb_rule {
	int			 nr;	/* SCMP_SYS(name) */
	const char		*name;
	enum sb_verdict		 verdict;
	int			 err;	/* for SB_ERRNO */
	int			 ncmp;	/* all must hold; 0: any arguments */
	struct sb_cmp		 cmp[2];
};

#define ALLOW(sys)		{ SCMP_SYS(sys), #sys, SB_ALLOW, 0, 0, { { 0 } } }
#define ERRNO(sys, e)		{ SCMP_SYS(sys), #sys, SB_ERRNO, e, 0, { { 0 } } }
#define DENY(sys)		{ SCMP_SYS(sys), #sys, SB_DENY, 0, 0, { { 0 } } }
/* Only when argument n satisfies op: value (for masked ops: mask, value). */
#define ALLOW_IF(sys, n, op, a, b) \
	{ SCMP_SYS(sys), #sys, SB_ALLOW, 0, 1, { { n, op, a, b } } }
#define ALLOW_IF2(sys, n, op, a, b, n2, op2, a2, b2) \
	{ SCMP_SYS(sys), #sys, SB_ALLOW, 0, 2, \
	    { { n, op, a, b }, { n2, op2, a2, b2 } } }
#define DENY_IF(sys, n, op, a, b) \
	{ SCMP_SYS(sys), #sys, SB_DENY, 0, 1, { { n, op, a, b } } }

/* Only when argument n is exactly v. */
#define ALLOW_ARG(sys, n, v)	ALLOW_IF(sys, n, SCMP_CMP_EQ, v, 0)

/* Only if argument n has no PROT_EXEC: no new code after start-up. */
#define ALLOW_NOEXEC(sys, n) \
	ALLOW_IF(sys, n, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)

/*
 * One futex(2) operation, private or shared, on either clock.  The low
 * 32 bits only: the operation is an int.
 */
#define SB_FUTEX_CMD_MASK \
	((scmp_datum_t)(uint32_t)~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define ALLOW_FUTEX(op) \
	ALLOW_IF(futex, 1, SCMP_CMP_MASKED_EQ, SB_FUTEX_CMD_MASK, op)

/*
 * The rows both children's tables open with, written once: the channel
 * to the monitor, libevent's loop, memory, time, signals and leaving.
 * The argument limits follow OpenSSH's seccomp sandbox.
 */
#define SB_CHILD_COMMON \
	ALLOW(read),							\
	ALLOW(write),							\
	ALLOW(recvmsg),			/* IPC, with SCM_RIGHTS */	\
	ALLOW(sendmsg),							\
	ALLOW(close),							\
	/* O_NONBLOCK on the channel and net's listeners; nothing else. */ \
	ALLOW_ARG(fcntl, 1, F_GETFL),					\
	ALLOW_ARG(fcntl, 1, F_SETFL),					\
	ALLOW(epoll_wait),		/* libevent's loop */		\
	ALLOW(epoll_pwait),						\
	ALLOW(epoll_ctl),						\
	ALLOW(poll),			/* ipc_send() waits for room */	\
	ALLOW(ppoll),			/* poll() on arm64 */		\
	ALLOW(brk),			/* malloc */			\
	ALLOW_NOEXEC(mmap, 2),						\
	ALLOW_NOEXEC(mprotect, 2),					\
	ALLOW(munmap),							\
	ALLOW(mremap),			/* keeps the protection */	\
	/* glibc's malloc gives pages back; nothing else is advised. */	\
	ALLOW_ARG(madvise, 2, MADV_DONTNEED),				\
	/* What glibc's locks and once-calls wait with; no PI, no requeue. */ \
	ALLOW_FUTEX(FUTEX_WAIT),					\
	ALLOW_FUTEX(FUTEX_WAKE),					\
	ALLOW_FUTEX(FUTEX_WAIT_BITSET),					\
	ALLOW_FUTEX(FUTEX_WAKE_BITSET),					\
	ALLOW(getrandom),		/* OpenSSL's DRBG reseeding */	\
	ALLOW(clock_gettime),		/* when the vDSO falls back */	\
	ALLOW(gettimeofday),						\
	ALLOW(clock_nanosleep),						\
	ALLOW(nanosleep),						\
	ALLOW(rt_sigreturn),						\
	ALLOW(rt_sigprocmask),						\
	ALLOW(restart_syscall),						\
	ALLOW(getpid),							\
	ALLOW(gettid),							\
	ALLOW(exit),							\
	ALLOW(exit_group),						\
	/* Libraries probe files; a refusal is better than a death. */	\
	ERRNO(open, EACCES),						\
	ERRNO(openat, EACCES),						\
	ERRNO(stat, EACCES),						\
	ERRNO(lstat, EACCES),						\
	ERRNO(fstat, EACCES),						\
	ERRNO(newfstatat, EACCES),	/* also glibc's fstat() */	\
	ERRNO(statx, EACCES),						\
	ERRNO(access, EACCES),						\
	ERRNO(faccessat, EACCES),					\
	ERRNO(faccessat2, EACCES)

/*
 * net: TLS, HTTP and JSON on client connections.  It gets its listening
 * sockets and the IPC channel from the monitor and can create no others.
 */
static const struct sb_rule sb_net[] = {
	SB_CHILD_COMMON,
	ALLOW(accept4),			/* on the listeners passed in */
	ALLOW(readv),
	ALLOW(writev),
	ALLOW(recvfrom),
	ALLOW(sendto),
	ALLOW(shutdown),
	ALLOW(getsockopt),
	/* TCP_NODELAY on accepted connections, SO_SNDBUF below. */
	ALLOW_IF2(setsockopt, 1, SCMP_CMP_EQ, IPPROTO_TCP, 0,
	    2, SCMP_CMP_EQ, TCP_NODELAY, 0),
	/* SO_SNDBUF of an events stream: the kernel holds no more either. */
	ALLOW_IF2(setsockopt, 1, SCMP_CMP_EQ, SOL_SOCKET, 0,
	    2, SCMP_CMP_EQ, SO_SNDBUF, 0),
	ALLOW(getsockname),
	ALLOW(getpeername),
	/* libevent's evbuffer_read() sizes its reads with FIONREAD. */
	ALLOW_ARG(ioctl, 1, FIONREAD),
};

/*
 * broker: the MT5 backends.  Like net it can create no socket; the
 * monitor hands it the ones it may use.  The paper backend needs nothing
 * beyond the common rows: its tick timer is epoll_wait's timeout, and
 * deal times come from clock_gettime(CLOCK_REALTIME), in the vDSO or
 * allowed above.  The bridge backend accepts its one EA on the listener
 * the monitor passed in (BRIDGE_LISTENER) and then reads, writes and
 * polls it with the common rows.
 */
static const struct sb_rule sb_broker[] = {
	SB_CHILD_COMMON,
	ALLOW(accept4),			/* the EA, on the bridge listener */
};

/*
 * monitor: root, default allow.  Once start-up is over it has no reason
 * to run programs, look into other processes, touch the kernel or the
 * mounts, or open network sockets (syslog and the control socket are
 * AF_UNIX).
 */
static const struct sb_rule sb_monitor[] = {
	DENY(execve),
	DENY(execveat),
	DENY(ptrace),
	DENY(process_vm_readv),
	DENY(process_vm_writev),
	DENY(init_module),
	DENY(finit_module),
	DENY(delete_module),
	DENY(kexec_load),
	DENY(kexec_file_load),
	DENY(reboot),
	DENY(swapon),
	DENY(swapoff),
	DENY(mount),
	DENY(umount2),
	DENY(pivot_root),
	/* The new mount API reaches what mount(2) does. */
	DENY(fsopen),
	DENY(fsconfig),
	DENY(fsmount),
	DENY(fspick),
	DENY(move_mount),
	DENY(open_tree),
	DENY(mount_setattr),
	DENY(open_by_handle_at),	/* escapes a chroot */
	DENY(bpf),
	DENY(perf_event_open),
	DENY(userfaultfd),		/* a favourite exploit primitive */
	DENY(iopl),
	DENY(ioperm),
	/* io_uring runs socket and open operations past this filter. */
	DENY(io_uring_setup),
	DENY(io_uring_enter),
	DENY(io_uring_register),
	/* Other processes: what ptrace would give, by other roads. */
	DENY(pidfd_open),
	DENY(pidfd_getfd),
	DENY(process_madvise),
	DENY(kcmp),
	/* Namespaces, keyrings, a new root: nothing the monitor does. */
	DENY(setns),
	DENY(unshare),
	DENY(chroot),
	DENY(keyctl),
	DENY(add_key),
	DENY(request_key),
	DENY(name_to_handle_at),
	DENY_IF(socket, 0, SCMP_CMP_NE, AF_UNIX, 0),
};


/*
 * Sanitizer builds only, never a production one: what the
 * AddressSanitizer, UBSan and LeakSanitizer runtime does at run time
 * beyond the tables above (its start-up, the shadow memory, the signal
 * stack, /proc/self/maps, is done before the filter).  The rows for the
 * children go into any build with AddressSanitizer: make
 * check-sanitize's (-DHERALD_SANITIZE) and the ASan unit tests'.
 */
#if defined(HERALD_SANITIZE) || defined(__SANITIZE_ADDRESS__)
#define SB_SANITIZER_ROWS
static const struct sb_rule sb_sanitizer_child[] = {
	/*
	 * __asan_handle_no_return(), run before every noreturn call
	 * (exit, longjmp, fatal()), asks for the signal stack's bounds;
	 * a query only, it sets none.
	 */
	ALLOW_IF(sigaltstack, 0, SCMP_CMP_EQ, 0, 0),
	/*
	 * The shadow of a new large allocation is kept off huge pages
	 * and out of core dumps.
	 */
	ALLOW_ARG(madvise, 2, MADV_NOHUGEPAGE),
	ALLOW_ARG(madvise, 2, MADV_DONTDUMP),
	/*
	 * A report names the binary (readlink of /proc/self/exe, absent
	 * in the chroot anyway) and tests whether memory it prints is
	 * readable by writing it to a pipe.  It does without both.
	 */
	ERRNO(readlink, ENOENT),
	ERRNO(pipe2, EMFILE),
};
#endif

#ifdef HERALD_SANITIZE
/*
 * make check-sanitize only: lifted from the monitor's deny-list.
 * LeakSanitizer's check at exit stops the monitor's threads from a
 * helper process that ptrace(2)s them.  The sandboxed children are not
 * leak-checked (tests/sanitize/options.c).
 */
static const int sb_sanitizer_monitor_lifted[] = {
	SCMP_SYS(ptrace),
};
#endif

/*
 * Debug mode.  The handler runs with the filter in force and may not
 * allocate, so every name it can print is looked up before the load.
 */
#define SB_NAMES	512
#define SB_NAMELEN	32

static char			 sb_names[SB_NAMES][SB_NAMELEN];
static const char		*sb_procname = "heraldd";

/* The default writer. */
static void
sb_write_stderr(const char *msg)
{
	char	 line[SANDBOX_MSG_MAX + 1];
	size_t	 n;

	n = strlen(msg);
	if (n > SANDBOX_MSG_MAX - 1)
		n = SANDBOX_MSG_MAX - 1;
	memcpy(line, msg, n);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) == -1)
		return;		/* nowhere else to say it */
}

static volatile sandbox_writer_fn sb_writer = sb_write_stderr;

void
sandbox_set_violation_writer(sandbox_writer_fn fn)
{
	sb_writer = fn != NULL ? fn : sb_write_stderr;
}

/* Async-signal-safe string building for the handler. */
static void
sb_cat(char *buf, size_t sz, size_t *o, const char *s)
{
	while (*s != '\0' && *o + 1 < sz)
		buf[(*o)++] = *s++;
	buf[*o] = '\0';
}

static void
sb_catnum(char *buf, size_t sz, size_t *o, unsigned int v)
{
	char	 tmp[12];
	size_t	 i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v != 0 && i > 0);
	sb_cat(buf, sz, o, tmp + i);
}

static void
sb_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t	*uc = ctx;
	char		 msg[SANDBOX_MSG_MAX];
	size_t		 o = 0;
	int		 saved_errno = errno, nr = si->si_syscall;

	msg[0] = '\0';
	sb_cat(msg, sizeof(msg), &o, "sandbox violation in ");
	sb_cat(msg, sizeof(msg), &o, sb_procname);
	if (si->si_code != SYS_SECCOMP) {
		/* Someone sent the signal: there is no syscall to fail. */
		sb_cat(msg, sizeof(msg), &o, ": SIGSYS not from seccomp");
		sb_writer(msg);
		errno = saved_errno;
		return;
	}
	sb_cat(msg, sizeof(msg), &o, ": syscall ");
	if (si->si_arch == SB_AUDIT_ARCH && nr >= 0 && nr < SB_NAMES &&
	    sb_names[nr][0] != '\0') {
		sb_cat(msg, sizeof(msg), &o, sb_names[nr]);
		sb_cat(msg, sizeof(msg), &o, " (");
		sb_catnum(msg, sizeof(msg), &o, (unsigned int)nr);
		sb_cat(msg, sizeof(msg), &o, ")");
	} else
		sb_catnum(msg, sizeof(msg), &o, (unsigned int)nr);
	sb_cat(msg, sizeof(msg), &o, " forbidden, failed with ENOSYS (debug)");
	sb_writer(msg);
	SB_SET_RETURN(uc, -ENOSYS);
	errno = saved_errno;
}

static void
sb_debug_setup(void)
{
	struct sigaction	 sa;
	sigset_t		 set;
	char			*name;
	int			 nr;

	for (nr = 0; nr < SB_NAMES; nr++) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name == NULL)
			continue;
		strlcpy(sb_names[nr], name, sizeof(sb_names[nr]));
		free(name);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sb_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sandbox: sigaction(SIGSYS)");
	/* A blocked SIGSYS would turn the trap into a kill. */
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		fatal("sandbox: sigprocmask");
	log_warnx("sandbox: debug mode: forbidden syscalls in %s are logged "
	    "and fail with ENOSYS instead of killing", sb_procname);
}

static uint32_t
sb_action(const struct sb_rule *r, int debug)
{
	switch (r->verdict) {
	case SB_ALLOW:
		return SCMP_ACT_ALLOW;
	case SB_ERRNO:
		return SCMP_ACT_ERRNO(r->err);
	case SB_DENY:
		break;
	}
	return debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
}

#ifdef HERALD_SANITIZE
static int
sb_lifted(const struct sb_rule *r, uint32_t defact)
{
	size_t	 i;

	if (defact != SCMP_ACT_ALLOW)
		return 0;	/* only the monitor's deny-list */
	for (i = 0; i < nitems(sb_sanitizer_monitor_lifted); i++)
		if (r->nr == sb_sanitizer_monitor_lifted[i])
			return 1;
	return 0;
}
#endif

static void
sb_add(const char *proc, scmp_filter_ctx ctx, const struct sb_rule *rules,
    size_t n, uint32_t defact, int debug)
{
	struct scmp_arg_cmp	 cmp[2];
	const struct sb_rule	*r;
	size_t			 i;
	int			 j, rc;

	for (i = 0; i < n; i++) {
		r = &rules[i];
#ifdef HERALD_SANITIZE
		if (sb_lifted(r, defact))
			continue;
#endif
		memset(cmp, 0, sizeof(cmp));
		for (j = 0; j < r->ncmp; j++) {
			cmp[j].arg = r->cmp[j].arg;
			cmp[j].op = r->cmp[j].op;
			cmp[j].datum_a = r->cmp[j].a;
			cmp[j].datum_b = r->cmp[j].b;
		}
		rc = seccomp_rule_add_array(ctx, sb_action(r, debug), r->nr,
		    r->ncmp, r->ncmp > 0 ? cmp : NULL);
		/* A negative number is a syscall this architecture lacks. */
		if (rc != 0 && r->nr >= 0)
			fatalx("sandbox: %s: rule for %s: %s", proc, r->name,
			    strerror(-rc));
	}
}

static scmp_filter_ctx
sb_build(const char *proc, const struct sb_rule *rules, size_t n,
    uint32_t defact, int debug)
{
	scmp_filter_ctx		 ctx;
	int			 rc;

	sb_procname = proc;
	if (debug)
		sb_debug_setup();
	/* Also set by libseccomp on load; do it ourselves, and first. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("sandbox: %s: prctl(PR_SET_NO_NEW_PRIVS)", proc);
	if ((ctx = seccomp_init(defact)) == NULL)
		fatalx("sandbox: %s: seccomp_init failed", proc);
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0)
		fatalx("sandbox: %s: SCMP_FLTATR_CTL_NNP: %s", proc,
		    strerror(-rc));
	/* Other ABIs (i386 int $0x80, x32) would bypass the table. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0)
		fatalx("sandbox: %s: SCMP_FLTATR_ACT_BADARCH: %s", proc,
		    strerror(-rc));
	sb_add(proc, ctx, rules, n, defact, debug);
#ifdef SB_SANITIZER_ROWS
	if (defact != SCMP_ACT_ALLOW)
		sb_add(proc, ctx, sb_sanitizer_child,
		    nitems(sb_sanitizer_child), defact, debug);
#endif
	return ctx;
}

static void
sb_install(const char *proc, scmp_filter_ctx ctx)
{
	int	 rc;

	if ((rc = seccomp_load(ctx)) != 0)
		fatalx("sandbox: %s: seccomp_load: %s", proc, strerror(-rc));
	seccomp_release(ctx);
}

/*
 * abort() (and so a stack-protector or assertion failure) raises SIGABRT
 * with tgkill(2) on ourselves.  Allowing exactly that keeps such a crash
 * from being reported as a sandbox violation.  The pid is known only
 * now, so this rule cannot live in the static tables.
 */
static void
sb_allow_self_abort(const char *proc, scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp	 cmp[2];
	int			 rc;

	memset(cmp, 0, sizeof(cmp));
	cmp[0].arg = 0;
	cmp[0].op = SCMP_CMP_EQ;
	cmp[0].datum_a = (scmp_datum_t)getpid();
	cmp[1].arg = 2;
	cmp[1].op = SCMP_CMP_EQ;
	cmp[1].datum_a = SIGABRT;
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
	    cmp);
	if (rc != 0)
		fatalx("sandbox: %s: rule for tgkill: %s", proc,
		    strerror(-rc));
}

static const struct sb_rule *
sb_table(enum herald_proc proc, size_t *n)
{
	switch (proc) {
	case PROC_NET:
		*n = nitems(sb_net);
		return sb_net;
	case PROC_BROKER:
		*n = nitems(sb_broker);
		return sb_broker;
	case PROC_MONITOR:
		*n = nitems(sb_monitor);
		return sb_monitor;
	case PROC_MAX:
		break;
	}
	return NULL;
}

static const char *
sb_opname(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE:
		return "!=";
	case SCMP_CMP_LT:
		return "<";
	case SCMP_CMP_LE:
		return "<=";
	case SCMP_CMP_EQ:
		return "==";
	case SCMP_CMP_GE:
		return ">=";
	case SCMP_CMP_GT:
		return ">";
	case SCMP_CMP_MASKED_EQ:
		return "&";
	case _SCMP_CMP_MIN:
	case _SCMP_CMP_MAX:
		break;
	}
	fatalx("sandbox: comparison %d in a table", (int)op);
}

int
sandbox_describe(enum herald_proc proc, size_t i, char *buf, size_t len)
{
	const struct sb_rule	*rules, *r;
	const struct sb_cmp	*c;
	size_t			 n;
	int			 j;

	if ((rules = sb_table(proc, &n)) == NULL || i >= n)
		return -1;
	r = &rules[i];
	switch (r->verdict) {
	case SB_ALLOW:
		strlcpy(buf, "allow ", len);
		break;
	case SB_ERRNO:
		snprintf(buf, len, "errno %s ", strerrorname_np(r->err));
		break;
	case SB_DENY:
		strlcpy(buf, "kill ", len);
		break;
	}
	strlcat(buf, r->name, len);
	for (j = 0; j < r->ncmp; j++) {
		c = &r->cmp[j];
		snprintf(buf + strlen(buf), len - strlen(buf), "%s arg%d %s ",
		    j == 0 ? " if" : " and", c->arg, sb_opname(c->op));
		if (c->op == SCMP_CMP_MASKED_EQ)
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "%#llx == %#llx", (unsigned long long)c->a,
			    (unsigned long long)c->b);
		else
			snprintf(buf + strlen(buf), len - strlen(buf), "%llu",
			    (unsigned long long)c->a);
	}
	return 0;
}

void
sandbox_child(enum herald_proc proc, int debug)
{
	const struct sb_rule	*rules;
	scmp_filter_ctx		 ctx;
	size_t			 n;

	switch (proc) {
	case PROC_NET:
		rules = sb_net;
		n = nitems(sb_net);
		break;
	case PROC_BROKER:
		rules = sb_broker;
		n = nitems(sb_broker);
		break;
	default:
		fatalx("sandbox: no child table for process %s",
		    proc_name(proc));
	}
	ctx = sb_build(proc_name(proc), rules, n,
	    debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS, debug);
	sb_allow_self_abort(proc_name(proc), ctx);
	sb_install(proc_name(proc), ctx);
}

void
sandbox_monitor(int debug)
{
	sb_install(proc_name(PROC_MONITOR), sb_build(proc_name(PROC_MONITOR),
	    sb_monitor, nitems(sb_monitor), SCMP_ACT_ALLOW, debug));
}
