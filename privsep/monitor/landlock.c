/*
 * The monitor's Landlock ruleset.  See landlock.h.
 *
 * The rights handled are every file-system right the running kernel
 * knows (its ABI version, asked at run time), so nothing is allowed by
 * being too new for this source.  Rules are on directories: an editor
 * or a certificate renewal replaces a file by renaming a new one over
 * it, and a rule on the old inode would not follow.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "nitems.h"

/* Newer than some distributions' headers; the values are the ABI's. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)
#endif

#define LL_READ	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* SQLite's -wal, -shm and -journal; the socket and pid file removed. */
#define LL_WRITE (LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK)

#define LL_MAX_RULES	16

struct ll_rule {
	char		 dir[PATH_MAX];
	uint64_t	 access;
	const char	*why;
};

static int
ll_create_ruleset(const struct landlock_ruleset_attr *attr, size_t size,
    uint32_t flags)
{
	return (int)syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

/* Every file-system right the kernel's Landlock ABI knows. */
static uint64_t
ll_handled(int abi)
{
	uint64_t	 fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

/* The directory holding path, or path itself when it is a directory. */
static void
ll_add(struct ll_rule *r, size_t *n, const char *path, int parent,
    uint64_t access, const char *why)
{
	char	 copy[PATH_MAX];

	if (path[0] == '\0')
		return;
	if (*n == LL_MAX_RULES)
		fatalx("landlock: more than %d rules", LL_MAX_RULES);
	strlcpy(copy, path, sizeof(copy));
	strlcpy(r[*n].dir, parent ? dirname(copy) : copy, sizeof(r[*n].dir));
	r[*n].access = access;
	r[*n].why = why;
	(*n)++;
}

static size_t
ll_rules(const struct herald_conf *c, int detached, struct ll_rule *r)
{
	size_t	 n = 0;

	ll_add(r, &n, c->path, 1, LL_READ, "the configuration, on reload");
	ll_add(r, &n, c->tls.certificate, 1, LL_READ, "tls.certificate");
	ll_add(r, &n, c->tls.key, 1, LL_READ, "tls.key");
	ll_add(r, &n, c->tls.client_ca, 1, LL_READ, "tls.client_ca");
	ll_add(r, &n, c->mt5.password_file, 1, LL_READ, "mt5.password_file");
	/* getpwuid(3) and getgrouplist(3) for heraldctl's peers, and the
	 * libraries they may load (NSS modules) */
	ll_add(r, &n, "/etc", 0, LL_READ, "accounts");
	ll_add(r, &n, "/usr", 0, LL_READ, "libraries");
	ll_add(r, &n, c->database, 1, LL_WRITE, "database");
	ll_add(r, &n, c->control.socket, 1, LL_WRITE, "control.socket");
	if (detached)
		ll_add(r, &n, c->pid_file, 1, LL_WRITE, "pid_file");
#ifdef HERALD_SANITIZE
	/* LeakSanitizer reads the monitor's maps and threads at exit. */
	ll_add(r, &n, "/proc", 0, LL_READ, "sanitizer");
#endif
	return n;
}

void
landlock_monitor(const struct herald_conf *conf, int detached)
{
	struct landlock_ruleset_attr		 attr;
	struct landlock_path_beneath_attr	 pb;
	struct ll_rule				 rules[LL_MAX_RULES];
	size_t					 i, n;
	int					 abi, rfd, fd;

	if ((abi = ll_create_ruleset(NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION)) < 0) {
		log_warnx("landlock: not available (%s): the monitor's file "
		    "access is not limited beyond its capabilities",
		    strerror(errno));
		return;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = ll_handled(abi);
	if ((rfd = ll_create_ruleset(&attr, sizeof(attr), 0)) == -1)
		fatal("landlock_create_ruleset");
	n = ll_rules(conf, detached, rules);
	for (i = 0; i < n; i++) {
		if ((fd = open(rules[i].dir, O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			/* Not there: nothing to allow. */
			log_debug("landlock: %s (%s): %s", rules[i].dir,
			    rules[i].why, strerror(errno));
			continue;
		}
		memset(&pb, 0, sizeof(pb));
		pb.parent_fd = fd;
		pb.allowed_access = rules[i].access & attr.handled_access_fs;
		if (syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1)
			fatal("landlock: rule for %s (%s)", rules[i].dir,
			    rules[i].why);
		close(fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1)
		fatal("landlock_restrict_self");
	close(rfd);
	log_info("landlock: ABI %d, %zu directories", abi, n);
}
