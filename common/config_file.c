/*
 * Reading herald.yaml and mt5.password_file: opened without following a
 * symbolic link, checked on the descriptor (a regular file, its size, its
 * owner and modes) before a byte is trusted, read whole, and wiped after.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_impl.h"
#include "secmem.h"

int
config_check_mode(const char *path, uid_t uid, mode_t mode,
    const char *secret, struct conf_errors *errs)
{
	int	n = 0;

	if (uid != 0 || (mode & (S_IWGRP | S_IWOTH)) != 0) {
		config_error(errs, "%s: bad ownership or modes: owner uid %lu, "
		    "mode %04o; must be owned by root and not writable by "
		    "group or others", path, (unsigned long)uid,
		    (unsigned int)(mode & 07777));
		n++;
	}
	if (secret != NULL && (mode & (S_IRGRP | S_IROTH)) != 0) {
		config_error(errs, "%s: mode %04o lets group or others read a "
		    "file that holds a secret (%s); it must be owned by root "
		    "with mode 0600 or stricter", path,
		    (unsigned int)(mode & 07777), secret);
		n++;
	}
	return n;
}

/*
 * Open a file we are about to trust: no symbolic link as the last
 * component, a regular file (checked on the fd, not the path, so it
 * cannot be swapped in between), at most max bytes.  O_NONBLOCK only so
 * that a FIFO put in its place cannot hang start-up before fstat.
 */
static int
open_checked(const char *path, off_t max, struct stat *st,
    struct conf_errors *errs)
{
	int	fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			config_error(errs, "%s: %s (symbolic links are not "
			    "followed)", path, strerror(errno));
		else
			config_error(errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1) {
		config_error(errs, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		config_error(errs, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st->st_size > max) {
		config_error(errs, "%s: too large (%lld bytes, at most %lld)",
		    path, (long long)st->st_size, (long long)max);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read the whole file into buf (bufsz > the size fstat gave).  Reading
 * more than that means the file changed under us: refuse.
 */
static int
read_all(int fd, const char *path, char *buf, size_t bufsz, size_t *len,
    struct conf_errors *errs)
{
	ssize_t	r;

	*len = 0;
	for (;;) {
		r = read(fd, buf + *len, bufsz - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			config_error(errs, "%s: read: %s", path,
			    strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		*len += r;
		if (*len == bufsz) {
			config_error(errs, "%s: changed while being read",
			    path);
			return -1;
		}
	}
}

static int
load_password_file(struct herald_conf *conf, struct conf_errors *errs)
{
	const char	*path = conf->mt5.password_file;
	char		 buf[CONF_SECRET_MAX + 1];
	struct stat	 st;
	size_t		 len, i;
	int		 fd, n, rv = -1;

	if ((fd = open_checked(path, CONF_SECRET_MAX, &st, errs)) == -1)
		return 1;
	/* Judge the modes before the secret is ever read. */
	if ((n = config_check_mode(path, st.st_uid, st.st_mode,
	    "mt5.password_file", errs)) != 0) {
		close(fd);
		return n;
	}
	if (read_all(fd, path, buf, sizeof(buf), &len, errs) == -1)
		goto out;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		config_error(errs, "%s: empty; it must hold the MT5 password",
		    path);
		goto out;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			config_error(errs, "%s: contains a NUL or control "
			    "character (at byte %zu); only one trailing "
			    "newline is allowed", path, i + 1);
			goto out;
		}
	}
	secret_free(conf->mt5.password);
	conf->mt5.password = secret_new(buf, len);
	rv = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rv == 0 ? 0 : 1;
}

int
config_load(struct herald_conf *conf, const char *path,
    struct conf_errors *errs)
{
	struct stat	 st;
	char		*buf;
	size_t		 len, bufsz;
	int		 fd, nerr;

	errs->n = 0;
	strlcpy(conf->path, path, sizeof(conf->path));

	if ((fd = open_checked(path, CONF_MAX_FILE, &st, errs)) == -1)
		return 1;
	bufsz = (size_t)st.st_size + 1;
	if ((buf = malloc(bufsz)) == NULL) {
		config_error(errs, "%s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	if (read_all(fd, path, buf, bufsz, &len, errs) == -1) {
		explicit_bzero(buf, bufsz);
		free(buf);
		close(fd);
		return 1;
	}
	close(fd);

	nerr = parse_buffer(conf, path, buf, len, errs);
	explicit_bzero(buf, bufsz);
	free(buf);

	nerr += config_check_mode(path, st.st_uid, st.st_mode,
	    conf->mt5.password_in_file ? "mt5.password" : NULL, errs);

	/* With both keys set the error above says so; read neither. */
	if (conf->mt5.password_file[0] != '\0' && conf->mt5.password == NULL)
		nerr += load_password_file(conf, errs);
	return nerr;
}
