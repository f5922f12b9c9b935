/*
 * The process model and what each process does to lock itself down.
 *
 * Order in a child (see daemon/heraldd.c):
 *	exec'd by the monitor -> read PROC_INIT over IPC -> initialise
 *	libraries (libevent, OpenSSL, time zones) -> privdrop_child() ->
 *	sandbox_child() -> send READY.
 * The monitor calls sandbox_monitor() once start-up is done.
 */
#ifndef HERALD_PRIVSEP_H
#define HERALD_PRIVSEP_H

#include <sys/types.h>
#include <sys/resource.h>

enum herald_proc {
	PROC_MONITOR = 0,
	PROC_NET,
	PROC_BROKER,
	PROC_MAX
};

/* "monitor", "net", "broker". */
const char	*proc_name(enum herald_proc);
/* By name, -1 if unknown. */
int		 proc_byname(const char *);

struct privdrop {
	uid_t		 uid;
	gid_t		 gid;
	const char	*chroot;	/* empty directory, owned by root */
	rlim_t		 nofile;	/* RLIMIT_NOFILE, soft and hard */
};

/*
 * chroot(2) and chdir("/"), setgroups/setresgid/setresuid to the privsep
 * user, check that root cannot be regained, then RLIMIT_NPROC,
 * RLIMIT_FSIZE and RLIMIT_CORE 0 and RLIMIT_NOFILE bounded.  Must run as
 * root; fatal on any failure.
 */
void	privdrop_child(const struct privdrop *);

/*
 * PR_SET_NO_NEW_PRIVS and the process's seccomp allow-list, default
 * SCMP_ACT_KILL_PROCESS.  With debug set the default is SCMP_ACT_TRAP and
 * a SIGSYS handler logs the offending syscall by name and lets the call
 * fail with ENOSYS.  open/openat always fail with EACCES.  Fatal on error.
 */
void	sandbox_child(enum herald_proc, int debug);

/* The monitor, after start-up: uid 0 with CAP_KILL only.  Fatal on error. */
void	privdrop_monitor(void);

/*
 * The monitor keeps root but, once start-up is done, loses execve,
 * ptrace, process_vm_*, module loading, mount, kexec, reboot, and
 * socket() for anything but AF_UNIX.  Default allow; the listed calls
 * kill the process.
 */
void	sandbox_monitor(int debug);

#endif
