/*
 * Dropping root in the net and broker processes: an empty chroot, the
 * privsep user's uid and gid with no supplementary groups and no
 * capabilities, and resource limits that leave no room to fork or to
 * write a file.  Everything is checked afterwards; any failure is fatal.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsafe.h"
#include "log.h"
#include "privsep.h"

/* Far above any kernel's last capability; PR_CAPBSET_READ says EINVAL. */
#define PRIVDROP_CAP_MAX	64

/* sshd's ChrootDirectory rule (fsafe.h), checked again where it is used. */
static void
privdrop_check_chroot(const char *dir)
{
	char	 err[2 * PATH_MAX + 128];

	if (fsafe_check_tree("chroot directory", dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

/*
 * Empty the bounding set while we still have CAP_SETPCAP, so that no
 * capability can come back through a file capability or a later change
 * of credentials.  The kernel may know fewer capabilities than our
 * headers, or more: ask it which ones exist.
 */
static void
privdrop_caps_bounding(void)
{
	int	 cap;

	for (cap = 0; cap < PRIVDROP_CAP_MAX; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == -1) {
			if (errno == EINVAL)
				break;	/* past the kernel's last */
			fatal("prctl(PR_CAPBSET_READ, %d)", cap);
		}
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			fatal("prctl(PR_CAPBSET_DROP, %d)", cap);
	}
	/* Ambient capabilities would survive the uid change. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
}

static void
privdrop_ids(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) == -1)
		fatal("setgroups(%u)", (unsigned int)gid);
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid(%u)", (unsigned int)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid(%u)", (unsigned int)uid);
}

/* Everything must read back as we set it, and root must stay out of reach. */
static void
privdrop_verify(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];
	uid_t				 ru, eu, su;
	gid_t				 rg, eg, sg, groups[2];
	int				 i;

	if (setuid(0) != -1)
		fatalx("privdrop: setuid(0) succeeded after dropping to "
		    "uid %u", (unsigned int)uid);
	if (gid != 0 && setgid(0) != -1)
		fatalx("privdrop: setgid(0) succeeded after dropping to "
		    "gid %u", (unsigned int)gid);
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("getresuid/getresgid");
	if (ru != uid || eu != uid || su != uid)
		fatalx("privdrop: uids are %u/%u/%u, expected %u",
		    (unsigned int)ru, (unsigned int)eu, (unsigned int)su,
		    (unsigned int)uid);
	if (rg != gid || eg != gid || sg != gid)
		fatalx("privdrop: gids are %u/%u/%u, expected %u",
		    (unsigned int)rg, (unsigned int)eg, (unsigned int)sg,
		    (unsigned int)gid);
	if (getgroups(2, groups) != 1 || groups[0] != gid)
		fatalx("privdrop: supplementary groups are not just %u",
		    (unsigned int)gid);

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable)
			fatalx("privdrop: capabilities left after the uid "
			    "change");
	if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0)
		fatalx("privdrop: capability bounding set not empty");
}

static void
privdrop_rlimit(int resource, const char *name, rlim_t value)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit(%s, %llu)", name, (unsigned long long)value);
}

/*
 * Lowering a limit needs no privilege.  Raising RLIMIT_NOFILE's hard
 * limit would (CAP_SYS_RESOURCE), so never ask for more than it is.
 */
static void
privdrop_limits(rlim_t nofile)
{
	struct rlimit	 rl;

	privdrop_rlimit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
#ifndef HERALD_SANITIZE
	privdrop_rlimit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0);
#else
	/*
	 * make check-sanitize: stderr is the monitor's, a log file, where
	 * the sanitizers' reports must reach.  Opening a file stays
	 * impossible (the empty chroot, the seccomp table).
	 */
#endif
	privdrop_rlimit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit(RLIMIT_NOFILE)");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < nofile)
		nofile = rl.rlim_max;
	privdrop_rlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", nofile);
}

void
privdrop_child(const struct privdrop *pd)
{
	if (geteuid() != 0)
		fatalx("privdrop: must start as root (euid %u)",
		    (unsigned int)geteuid());
	if (pd->uid == 0 || pd->gid == 0)
		fatalx("privdrop: refusing to \"drop\" to uid %u gid %u",
		    (unsigned int)pd->uid, (unsigned int)pd->gid);
	if (pd->nofile == 0)
		fatalx("privdrop: RLIMIT_NOFILE of 0 leaves no descriptors");

	privdrop_check_chroot(pd->chroot);
	if (chroot(pd->chroot) == -1)
		fatal("chroot(%s)", pd->chroot);
	if (chdir("/") == -1)
		fatal("chdir(\"/\") in %s", pd->chroot);

	privdrop_caps_bounding();
	privdrop_ids(pd->uid, pd->gid);
	privdrop_verify(pd->uid, pd->gid);
	privdrop_limits(pd->nofile);

	/* A change of credentials can make the process dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
}

/*
 * The monitor keeps uid 0 (it owns root's files: the configuration, the
 * database, the control socket) but, once start-up is done, needs only
 * CAP_KILL, to stop children that run as another user.  Without
 * CAP_SYS_PTRACE, CAP_DAC_OVERRIDE and the rest, /proc/PID/mem and the
 * files of other users are out of its reach too.
 */
void
privdrop_monitor(void)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];
	int				 cap;

	/* The bounding set first: dropping from it needs CAP_SETPCAP. */
	for (cap = 0; cap < PRIVDROP_CAP_MAX; cap++) {
		if (cap == CAP_KILL)
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == -1) {
			if (errno == EINVAL)
				break;
			fatal("prctl(PR_CAPBSET_READ, %d)", cap);
		}
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			fatal("prctl(PR_CAPBSET_DROP, %d)", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[CAP_TO_INDEX(CAP_KILL)].effective = CAP_TO_MASK(CAP_KILL);
	data[CAP_TO_INDEX(CAP_KILL)].permitted = CAP_TO_MASK(CAP_KILL);
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}
