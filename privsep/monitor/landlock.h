/*
 * Landlock for the monitor once start-up is done.  It is still uid 0
 * (it owns root's files) but from then on may only read the directories
 * of the files it re-reads on a reload (configuration, certificate,
 * key, client CA, password file) and the system's account and library
 * files, and write only the directories of the database, the control
 * socket and the pid file.  A kernel without Landlock gets a log line
 * and no limit.  The monitor's own.
 */
#ifndef HERALD_LANDLOCK_H
#define HERALD_LANDLOCK_H

#include "config.h"

/*
 * Restrict the calling process (and any it creates) for good; fatal if
 * the kernel has Landlock and refuses.  detached: the pid file is ours
 * to remove at exit.
 */
void	landlock_monitor(const struct herald_conf *, int detached);

#endif
