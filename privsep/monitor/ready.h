/*
 * Readiness: heraldd started without -d returns only once the daemon
 * serves.  The monitor forks; the process that was started waits on a
 * pipe until the daemon says it is ready (exit 0) or is gone (exit 1),
 * copying the warnings and the fatal reason the daemon logged meanwhile
 * to its stderr.  "Ready" means both children sandboxed and running,
 * the listeners and the control socket open; systemd hears the same
 * (sd_notify).  The monitor's own.
 */
#ifndef HERALD_READY_H
#define HERALD_READY_H

/*
 * Detach: fork, new session, stdio on /dev/null, the log's warnings
 * echoed to the waiting parent.  Returns in the daemon only.
 */
void	ready_detach(void);

/*
 * Start-up is complete: release whoever waits, tell systemd READY=1.
 * Once; later calls do nothing.
 */
void	ready_done(void);

/* systemd: RELOADING=1 before a reload, READY=1 after it, STOPPING=1. */
void	ready_reloading(void);
void	ready_reloaded(void);
void	ready_stopping(void);

/*
 * When systemd asks for a watchdog (WATCHDOG_USEC), feed it from base's
 * loop at half that interval.
 */
struct event_base;
void	ready_watchdog(struct event_base *base);
/*
 * Still alive, from work that holds the loop for a while (a backup):
 * the watchdog is fed at once.
 */
void	ready_alive(void);

#endif
