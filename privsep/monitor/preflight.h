/*
 * What must hold before heraldd may start, checked the same way by
 * heraldd -n (the deploy gate) and by the monitor at start: the accounts
 * exist, the chroot is an empty directory only root controls, the
 * directories of the database, the control socket and the pid file are
 * root's alone, the TLS key matches its certificate, the client CA
 * parses, the replay ticks load.  The monitor's own.
 */
#ifndef HERALD_PREFLIGHT_H
#define HERALD_PREFLIGHT_H

#include <sys/types.h>

#include "config.h"

struct preflight_ids {
	uid_t	uid;		/* privsep.user */
	gid_t	gid;		/* its primary group */
	gid_t	ctl_gid;	/* control.group */
};

/*
 * Every problem found, one error each ("key: why"), appended to errs;
 * returns how many.  ids, when not NULL, gets the resolved accounts.
 */
size_t	preflight(const struct herald_conf *, struct preflight_ids *ids,
	    struct conf_errors *errs);

#endif
