/*
 * The admin socket, served by the monitor for heraldctl.
 *
 * A UNIX stream socket, mode 0660, owner root, group control.group.  Each
 * connection is checked with SO_PEERCRED: uid 0 or a member of the group
 * (primary or supplementary), anything else gets a CTL_REP_ERROR naming
 * the rule, a SECURITY log line, and is closed.  Requests and replies are
 * the versioned binary frames of common/ctlproto.h, one request in flight
 * per connection, with a per-connection timeout.
 */
#ifndef HERALD_CONTROL_H
#define HERALD_CONTROL_H

#include <sys/types.h>

#include <event2/event.h>

#include "ctlproto.h"

/*
 * Create the socket at path (refusing if a live daemon answers there,
 * replacing a stale one), mode 0660, group gid.  Returns the listening fd;
 * fatal on failure.
 */
int	control_open(const char *path, gid_t gid);
/* Start accepting on fd. */
void	control_start(struct event_base *, int fd, gid_t gid,
	    const char *groupname, int max_clients, int timeout_sec);
/* Apply a reloaded max_clients/timeout. */
void	control_set_limits(int max_clients, int timeout_sec);
/* Close every connection and the listener, unlink path. */
void	control_stop(const char *path);

/* Provided by the monitor. */
void	monitor_status(struct ctl_status *);
/*
 * Read the configuration again.  0: every change took effect; 1: it is
 * in force but some changes wait for a restart; why names the changed
 * keys either way.  -1: refused, the running one kept; why lists every
 * error ("; " between them).
 */
int	monitor_reload(char *why, size_t whylen);
/*
 * Turn trading lockdown on or off; who names the admin ("uid 0 (root)").
 * 0 on success (also when it already was in that state), -1 with why.
 */
int	monitor_lockdown(int on, const char *who, char *why, size_t whylen);

#endif
