/*
 * Where root may keep its files: directories nobody else can tamper with.
 *
 * The monitor refuses to start, and heraldd -n reports, when the chroot,
 * or the directory holding the database, the control socket or the pid
 * file, could be changed by someone other than root: an ordinary user
 * who can write there can swap the file for a link, or the directory's
 * contents under a child.  Each check writes one specific message naming
 * what and why into err and returns -1, or returns 0.
 */
#ifndef HERALD_FSAFE_H
#define HERALD_FSAFE_H

#include <stddef.h>

/*
 * sshd's ChrootDirectory rule: dir (absolute) and every directory above
 * it owned by root and not writable by group or others; a directory
 * above it that is world-writable with the sticky bit (/tmp) passes,
 * since nobody else can rename root's entries in it.  what names the
 * setting in messages ("privsep.chroot").
 */
int	fsafe_check_tree(const char *what, const char *dir, char *err,
	    size_t errlen);

/* dir holds nothing but "." and "..". */
int	fsafe_check_empty(const char *what, const char *dir, char *err,
	    size_t errlen);

/*
 * The directory that holds file (an absolute path): it exists, is owned
 * by root and is not writable by group or others, so nobody else can
 * put a link or a file of their own where root will open or bind.
 */
int	fsafe_check_parent(const char *what, const char *file, char *err,
	    size_t errlen);

#endif
