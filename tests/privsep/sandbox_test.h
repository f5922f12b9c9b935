/*
 * What the lock-down tests share: running a function in a forked child
 * and asserting how the child ended.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_SANDBOX_TEST_H
#define HERALD_SANDBOX_TEST_H

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

#include <event2/event.h>
#include <openssl/rand.h>

#include "privsep.h"
#include "sandbox.h"

#define NOBODY		65534

/*
 * How a sandboxed child leaves: exit_group(2) itself, so that nothing
 * of the ASan runtime (__asan_handle_no_return() before a noreturn call,
 * LeakSanitizer at exit) runs inside the sandbox under the ASan units.
 */
static inline void
child_exit(int code)
{
	syscall(SYS_exit_group, code);
}

/*
 * Run fn in a forked child and return its wait status.  The child never
 * returns to cmocka: fn ends with child_exit() (so that no atexit
 * handler, LeakSanitizer's included, runs inside a sandbox), or dies.
 */
static inline int
run_child(void (*fn)(void *), void *arg)
{
	pid_t	 pid;
	int	 status;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		fn(arg);
		_exit(99);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static inline void
assert_exit(int status, int code)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d, expected exit %d",
		    WTERMSIG(status), code);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), code);
}

#endif /* HERALD_SANDBOX_TEST_H */
