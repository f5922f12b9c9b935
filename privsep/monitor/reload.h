/*
 * What a reload changed, key by key, and whether each change took
 * effect or waits for a restart (listen, tls.client_ca, the control socket,
 * privsep, the database, the pid file, the backend and the paper
 * account are set up once, at start).  The monitor's own.
 */
#ifndef HERALD_RELOAD_H
#define HERALD_RELOAD_H

#include <stddef.h>

#include "config.h"

/*
 * Compare the running configuration o with the new one n.  Each changed
 * key is logged and named in buf ("key (restart needed)" for those that
 * wait, "; " between them, "no change" when nothing did).  Returns how
 * many of them need a restart.
 */
int	reload_diff(const struct herald_conf *o, const struct herald_conf *n,
	    char *buf, size_t len);

/*
 * Keep in n the running values of the keys that wait for a restart, so
 * that the configuration in force says what runs and the next reload
 * names them again.
 */
void	reload_keep_running(const struct herald_conf *o,
	    struct herald_conf *n);

/*
 * The certificate and key were read again and a new pair is in force
 * (certlive.h): say so in buf, as reload_diff() wrote it, unless a
 * changed path already does.
 */
void	reload_renewed(char *buf, size_t len);

#endif
