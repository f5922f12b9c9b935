/*
 * Secrets in key files.  See keyfile.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bridge.h"
#include "keyfile.h"

_Static_assert(KEYFILE_LEN == BRIDGE_KEY_LEN, "bridge_hex_* does 32 bytes");

int
keyfile_read(const char *what, const char *path, uint8_t k[KEYFILE_LEN],
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[BRIDGE_HEX_LEN + 2];
	ssize_t		 n;
	int		 fd, bad;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: %s: must be a regular file owned by "
		    "root with mode 0600 or stricter (owner uid %lu, mode %04o)",
		    what, path, (unsigned long)st.st_uid,
		    (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	bad = n != BRIDGE_HEX_LEN + 1 || buf[BRIDGE_HEX_LEN] != '\n' ||
	    bridge_hex_decode(buf, BRIDGE_HEX_LEN, k) == -1;
	OPENSSL_cleanse(buf, sizeof(buf));
	if (bad) {
		snprintf(err, errlen, "%s: %s: must hold 64 lower-case hex "
		    "digits and a newline", what, path);
		return -1;
	}
	return 0;
}

int
keyfile_write(const char *what, const char *path,
    const uint8_t k[KEYFILE_LEN], int replace, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX + 8], line[BRIDGE_HEX_LEN + 2];
	int	 fd, r = -1;

	bridge_hex_encode(k, line);
	line[BRIDGE_HEX_LEN] = '\n';
	line[BRIDGE_HEX_LEN + 1] = '\0';
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || fchown(fd, 0, 0) == -1 ||
	    write(fd, line, BRIDGE_HEX_LEN + 1) != BRIDGE_HEX_LEN + 1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s: %s", what, tmp, strerror(errno));
		goto out;
	}
	if (replace ? rename(tmp, path) == -1 : link(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s: %s", what, path,
		    strerror(errno));
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	OPENSSL_cleanse(line, sizeof(line));
	return r;
}
