/*
 * The seccomp sandboxes' debug-mode reporting.  sandbox_child() and
 * sandbox_monitor() themselves are declared in privsep.h.
 */
#ifndef HERALD_SANDBOX_H
#define HERALD_SANDBOX_H

#include "privsep.h"

/*
 * In debug mode a forbidden syscall raises SIGSYS; the handler formats
 * one line naming the process and the syscall and passes it to fn.  fn
 * runs inside a signal handler: it must be async-signal-safe (no malloc,
 * no stdio) and use only syscalls the process's table allows, e.g. a
 * single send() on the IPC socket.  Register before sandbox_child() or
 * sandbox_monitor().  The default writes the line to stderr.
 */
typedef void (*sandbox_writer_fn)(const char *msg);

void	sandbox_set_violation_writer(sandbox_writer_fn fn);

/*
 * Row i of proc's seccomp table as one line, e.g. "allow fcntl if arg1
 * == 3" or "errno EACCES openat", so that a test can compare a whole
 * table with the list it expects.  The monitor's rows read "kill ...".
 * -1 once i is past the last row.  The rows a make check-sanitize build
 * adds (HERALD_SANITIZE) are not listed.
 */
int	sandbox_describe(enum herald_proc, size_t i, char *buf, size_t len);

/* Longest line handed to the writer, NUL included. */
#define SANDBOX_MSG_MAX	128

#endif
