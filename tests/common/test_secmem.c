/*
 * Secret memory: its own page-rounded mapping, excluded from core dumps
 * (checked in /proc/self/smaps), kept across fork (daemon(3) forks the
 * monitor), locked when RLIMIT_MEMLOCK allows, and compared in full.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "secmem.h"

/* AddressSanitizer turns mlock(2) into a no-op. */
#if defined(__SANITIZE_ADDRESS__)
#define MLOCK_WORKS	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLOCK_WORKS	0
#endif
#endif
#ifndef MLOCK_WORKS
#define MLOCK_WORKS	1
#endif

/*
 * The VmFlags line of the smaps entry that starts at addr, or NULL if
 * there is none.
 */
static char *
vmflags(const void *addr, char *flags, size_t flagsz)
{
	char		 line[512], want[32];
	FILE		*f;
	int		 found = 0;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, want, strlen(want)) == 0)
			found = 1;
		else if (found && strncmp(line, "VmFlags:", 8) == 0) {
			strlcpy(flags, line + 8, flagsz);
			fclose(f);
			return flags;
		}
	}
	fclose(f);
	return NULL;
}

static int
has_flag(const char *flags, const char *flag)
{
	char	 padded[8];

	snprintf(padded, sizeof(padded), " %s ", flag);
	return strstr(flags, padded) != NULL;
}

static void
test_new_holds_copy(void **state)
{
	struct secret	*s;
	long		 page = sysconf(_SC_PAGESIZE);

	s = secret_new("hunter2", 7);
	assert_non_null(s);
	assert_int_equal(s->len, 7);
	assert_memory_equal(s->buf, "hunter2", 7);
	assert_int_equal(s->buf[7], '\0');
	assert_int_equal(s->maplen, page);
	assert_int_equal((uintptr_t)s->buf % page, 0);
	secret_free(s);
}

static void
test_sizes(void **state)
{
	struct secret	*s;
	long		 page = sysconf(_SC_PAGESIZE);
	char		*big;
	size_t		 n = 3 * page;

	/* Empty is a valid secret: just the NUL. */
	s = secret_new(NULL, 0);
	assert_int_equal(s->len, 0);
	assert_string_equal(s->buf, "");
	assert_int_equal(s->maplen, page);
	secret_free(s);

	/* A page exactly: the NUL needs a second one. */
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'k', n);
	s = secret_new(big, page);
	assert_int_equal(s->maplen, 2 * page);
	assert_int_equal(s->buf[page], '\0');
	secret_free(s);

	s = secret_new(big, n);
	assert_int_equal(s->maplen, 4 * page);
	assert_memory_equal(s->buf, big, n);
	secret_free(s);
	free(big);

	secret_free(NULL);
}

static void
test_mapping_flags(void **state)
{
	struct secret	*s;
	struct rlimit	 rl;
	char		 flags[256];

	s = secret_new("key material", 12);
	assert_non_null(vmflags(s->buf, flags, sizeof(flags)));
	assert_true(has_flag(flags, "dd"));	/* MADV_DONTDUMP */
	/* Not MADV_WIPEONFORK: the detached monitor is a forked child. */
	assert_false(has_flag(flags, "wf"));
	/* Locked unless the limit refused it (secret_new warns then). */
	if (MLOCK_WORKS && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur >= (rlim_t)s->maplen * 4)
		assert_true(has_flag(flags, "lo"));
	secret_free(s);
}

static void
test_kept_across_fork(void **state)
{
	struct secret	*s;
	pid_t		 pid;
	int		 status;

	/* daemon(3) forks, and the child is the one that goes on. */
	s = secret_new("keep me on fork", 15);
	if ((pid = fork()) == 0)
		_exit(strcmp(s->buf, "keep me on fork") == 0 ? 0 : 1);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	secret_free(s);
}

/*
 * Without CAP_IPC_LOCK and with no RLIMIT_MEMLOCK the lock is refused:
 * secret_new() warns and carries on.
 */
static void
test_lock_refused(void **state)
{
	struct secret	*s;
	struct rlimit	 rl = { 0, 0 };
	pid_t		 pid;
	int		 status;

	if (geteuid() != 0)
		skip();
	if ((pid = fork()) == 0) {
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1 ||
		    setgid(65534) == -1 || setuid(65534) == -1)
			_exit(2);
		s = secret_new("unlocked", 8);
		if (strcmp(s->buf, "unlocked") != 0)
			_exit(3);
		secret_free(s);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_equal(void **state)
{
	struct secret	*a, *b, *c, *d, *e, *z1, *z2;

	a = secret_new("same bytes", 10);
	b = secret_new("same bytes", 10);
	c = secret_new("same bytez", 10);
	d = secret_new("same bytes!", 11);
	e = secret_new("same byte", 9);
	z1 = secret_new(NULL, 0);
	z2 = secret_new("", 0);

	assert_true(secret_equal(a, b));
	assert_true(secret_equal(a, a));
	assert_false(secret_equal(a, c));
	assert_false(secret_equal(a, d));
	assert_false(secret_equal(a, e));
	assert_false(secret_equal(a, NULL));
	assert_false(secret_equal(NULL, a));
	assert_true(secret_equal(NULL, NULL));
	assert_true(secret_equal(z1, z2));
	assert_false(secret_equal(z1, a));

	secret_free(a);
	secret_free(b);
	secret_free(c);
	secret_free(d);
	secret_free(e);
	secret_free(z1);
	secret_free(z2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_holds_copy),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_mapping_flags),
		cmocka_unit_test(test_kept_across_fork),
		cmocka_unit_test(test_lock_refused),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
