/*
 * Sanitizer settings of the check-sanitize build (make check-sanitize),
 * linked into its heraldd and heraldctl and into nothing else.
 *
 * The children are re-executed from /proc/self/exe with an empty
 * environment, so ASAN_OPTIONS and UBSAN_OPTIONS cannot reach them: the
 * options are baked in here.  Reports go to stderr: the monitor runs
 * with -d under the tests, its stderr is the log the tests read, and in
 * this build the children keep that stderr (privsep/monitor.c) instead
 * of /dev/null, with no RLIMIT_FSIZE of 0 to stop their writes
 * (privsep/privdrop.c).  A child cannot open a file, so no log_path.
 * A monitor started without -d (daemon(3)) has /dev/null for stderr,
 * and so have its children: the two tests that start one see no report.
 *
 * LeakSanitizer stops the world with a ptrace(2)ing helper process and
 * reads /proc/self/maps: neither works in a chrooted, seccomp-sandboxed
 * child, so leaks are checked only where that is possible, the monitor
 * and heraldctl.  leak_check_at_exit is off for every process and
 * sanitize_atexit() below runs the check unless child.c said, as a
 * re-executed child starts, that this process is to be sandboxed.
 *
 * Every report ends with one line naming the process
 * ("HERALD-SANITIZER: report in net (pid N): SUMMARY: ..."), which the
 * integration tests look for (tests/integration/conftest.py).  Exit
 * status 86 after any report.
 */
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void	sanitize_child(const char *);

/* The name in a report's last line: "monitor" until a child says. */
static const char	*san_proc;
static int		 san_leak_check = 1;
static volatile int	 san_reported;	/* the summary named the process */

const char	*__asan_default_options(void);
const char	*__ubsan_default_options(void);
const char	*__lsan_default_options(void);
void		 __sanitizer_report_error_summary(const char *);

const char *
__asan_default_options(void)
{
	return "detect_leaks=1:leak_check_at_exit=0:halt_on_error=1:"
	    "exitcode=86:abort_on_error=0:detect_stack_use_after_return=1:"
	    "check_initialization_order=1:strict_string_checks=1:"
	    "print_summary=1:symbolize=1:color=never";
}

const char *
__ubsan_default_options(void)
{
	/* UBSan parses the common flags again: repeat those it needs. */
	return "halt_on_error=1:print_stacktrace=1:report_error_type=1:"
	    "print_summary=1:color=never:exitcode=86";
}

const char *
__lsan_default_options(void)
{
	return "exitcode=86";
}

static void
sanitize_cat(char *buf, size_t sz, size_t *o, const char *s)
{
	while (*s != '\0' && *o + 2 < sz)	/* room for the newline */
		buf[(*o)++] = *s++;
}

/*
 * The line the tests look for, after every report.  The runtime is in
 * the middle of a report or dying: no stdio, no allocation, one write(2)
 * of a line built on the stack.
 */
static void
sanitize_name_process(const char *what)
{
	char		 line[512], num[24];
	size_t		 o = 0, i = sizeof(num) - 1;
	unsigned long	 pid = (unsigned long)getpid();

	num[i] = '\0';
	do {
		num[--i] = '0' + pid % 10;
		pid /= 10;
	} while (pid != 0 && i > 0);
	sanitize_cat(line, sizeof(line), &o, "HERALD-SANITIZER: report in ");
	sanitize_cat(line, sizeof(line), &o, san_proc);
	sanitize_cat(line, sizeof(line), &o, " (pid ");
	sanitize_cat(line, sizeof(line), &o, num + i);
	sanitize_cat(line, sizeof(line), &o, "): ");
	sanitize_cat(line, sizeof(line), &o, what);
	line[o++] = '\n';
	if (write(STDERR_FILENO, line, o) == -1)
		return;
}

/* Replaces the runtime's own, which prints the summary line only. */
void
__sanitizer_report_error_summary(const char *summary)
{
	san_reported = 1;
	sanitize_name_process(summary);
}

/* For the runtime's own failures (CHECK), which have no summary. */
static void
sanitize_died(void)
{
	if (!san_reported)
		sanitize_name_process("sanitizer runtime died");
}

/*
 * Called by child.c first thing in a re-executed child, before it
 * chroots and loads its seccomp filter: name the process, cache
 * /proc/self/maps and the binary's name for the reports (the chroot
 * hides them afterwards), and skip the leak check at exit.  The
 * symbolizer cannot read the binary from the chroot: a child's frames
 * are printed as offsets into it, for addr2line -e build/sanitize/heraldd.
 */
void
sanitize_child(const char *proc)
{
	san_proc = proc;
	san_leak_check = 0;
	__sanitizer_sandbox_on_notify(NULL);
}

static void
sanitize_atexit(void)
{
	if (san_leak_check)
		__lsan_do_leak_check();
}

/* First constructor to run, so the last handler at exit. */
static void __attribute__((constructor(101)))
sanitize_init(void)
{
	san_proc = strcmp(program_invocation_short_name, "heraldd") == 0 ?
	    "monitor" : program_invocation_short_name;
	__sanitizer_set_death_callback(sanitize_died);
	if (atexit(sanitize_atexit) != 0)
		abort();
}
