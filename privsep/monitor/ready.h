/*
 * Readiness: heraldd started without -d returns only once the daemon
 * serves.  The monitor forks; the process that was started waits on a
 * pipe until the daemon says it is ready (exit 0) or is gone (exit 1),
 * copying the warnings and the fatal reason the daemon logged meanwhile
 * to its stderr.  "Ready" means both children sandboxed and running,
 * the listeners and the control socket open.  The monitor's own.
 */
#ifndef HERALD_READY_H
#define HERALD_READY_H

/*
 * Detach: fork, new session, stdio on /dev/null, the log's warnings
 * echoed to the waiting parent.  Returns in the daemon only.
 */
void	ready_detach(void);

/* Start-up is complete: release whoever waits.  Once; later calls no-op. */
void	ready_done(void);

#endif
