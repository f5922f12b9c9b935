/*
 * Directories nobody but root can tamper with.  See fsafe.h.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fsafe.h"

/* One directory: root's, and writable by nobody else (sticky if above). */
static int
fsafe_check_one(const char *what, const char *dir, const char *path,
    int leaf, char *err, size_t errlen)
{
	struct stat	 st;
	char		 where[PATH_MAX + 32];

	if (leaf)
		snprintf(where, sizeof(where), "%s", dir);
	else
		snprintf(where, sizeof(where), "%s: %s in its path", dir, path);
	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, where,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a directory", what, where);
		return -1;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "%s %s is owned by uid %u, mode %04o: "
		    "must be owned by root", what, where,
		    (unsigned int)st.st_uid,
		    (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) == 0 ||
	    (!leaf && (st.st_mode & S_ISVTX)))
		return 0;
	snprintf(err, errlen, "%s %s has mode %04o: must not be writable by "
	    "group or others", what, where,
	    (unsigned int)(st.st_mode & 07777));
	return -1;
}

int
fsafe_check_tree(const char *what, const char *dir, char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	char	*p;

	if (dir == NULL || dir[0] != '/') {
		snprintf(err, errlen, "%s \"%s\": must be an absolute path",
		    what, dir == NULL ? "" : dir);
		return -1;
	}
	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path)) {
		snprintf(err, errlen, "%s %s: path too long", what, dir);
		return -1;
	}
	if (fsafe_check_one(what, dir, "/", strcmp(dir, "/") == 0, err,
	    errlen) == -1)
		return -1;
	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (p[-1] != '/' &&	/* not an empty component */
		    fsafe_check_one(what, dir, path, 0, err, errlen) == -1)
			return -1;
		*p = '/';
	}
	return fsafe_check_one(what, dir, dir, 1, err, errlen);
}

int
fsafe_check_empty(const char *what, const char *dir, char *err,
    size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	int		 rv = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(err, errlen, "%s %s is not empty (it holds %.64s): "
		    "the children must find nothing there", what, dir,
		    de->d_name);
		rv = -1;
		break;
	}
	closedir(d);
	return rv;
}

int
fsafe_check_parent(const char *what, const char *file, char *err,
    size_t errlen)
{
	char	 dir[PATH_MAX], label[PATH_MAX + 64];
	char	*slash;

	if (file[0] != '/') {
		snprintf(err, errlen, "%s \"%s\": must be an absolute path",
		    what, file);
		return -1;
	}
	if (strlcpy(dir, file, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, errlen, "%s %s: path too long", what, file);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';	/* a file in / */
	else
		*slash = '\0';
	snprintf(label, sizeof(label), "%s %s: directory", what, file);
	return fsafe_check_one(label, dir, dir, 1, err, errlen);
}
