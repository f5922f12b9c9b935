/*
 * systemd credentials.  See creds.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"

/*
 * One credential into buf (NUL-terminated, one trailing newline
 * dropped): 1 read, 0 not there, -1 refused with an error in errs.
 * Judged by the StrictModes rule as a secret before it is read.
 */
static int
creds_read(const char *dir, const char *name, char *buf, size_t bufsz,
    size_t *lenp, struct conf_errors *errs)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	ssize_t		 n;
	size_t		 len = 0, i;
	int		 fd, rv = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		config_error(errs, "credential %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		config_error(errs, "credential %s: not a regular file", path);
		goto out;
	}
	if (config_check_mode(path, st.st_uid, st.st_mode, name, errs) != 0)
		goto out;
	while ((n = read(fd, buf + len, bufsz - 1 - len)) > 0)
		if ((len += (size_t)n) == bufsz - 1)
			break;
	if (n == -1 || len == bufsz - 1) {
		config_error(errs, "credential %s: %s", path, n == -1 ?
		    strerror(errno) : "too long");
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			break;
	if (len == 0 || i < len) {
		config_error(errs, "credential %s: empty, or a control "
		    "character inside", path);
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
	rv = 1;
 out:
	close(fd);
	if (rv != 1)
		explicit_bzero(buf, bufsz);
	return rv;
}

void
creds_take(struct env_overrides *env, struct conf_errors *errs)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	char		 buf[CONF_SECRET_MAX + 1];
	struct stat	 st;
	size_t		 len;

	if (dir == NULL || dir[0] == '\0')
		return;
	if (dir[0] != '/' || strlen(dir) > PATH_MAX - 32) {
		config_error(errs, "CREDENTIALS_DIRECTORY %s: not an absolute "
		    "path of a sensible length", dir);
		return;
	}
	if (env->login[0] == '\0' && creds_read(dir, "mt5.login", buf,
	    sizeof(env->login), &len, errs) == 1)
		strlcpy(env->login, buf, sizeof(env->login));
	if (env->server[0] == '\0' && creds_read(dir, "mt5.server", buf,
	    sizeof(env->server), &len, errs) == 1)
		strlcpy(env->server, buf, sizeof(env->server));
	if (env->password == NULL && creds_read(dir, "mt5.password", buf,
	    sizeof(buf), &len, errs) == 1)
		env->password = secret_new(buf, len);
	explicit_bzero(buf, sizeof(buf));
	/* The key stays where systemd put it; keyop.c reads it. */
	snprintf(env->tls_key, sizeof(env->tls_key), "%s/tls.key", dir);
	if (lstat(env->tls_key, &st) == -1)
		env->tls_key[0] = '\0';
}
