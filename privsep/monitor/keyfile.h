/*
 * The monitor's 32-byte secrets on disk (the bridge key, the audit key):
 * 64 lower-case hex digits and a newline, in a regular file owned by
 * root with mode 0600 or stricter.  what names the setting in messages
 * ("mt5.bridge.key_file").
 */
#ifndef HERALD_KEYFILE_H
#define HERALD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define KEYFILE_LEN	32

/* 0 with k, 1 when path does not exist, -1 with err. */
int	keyfile_read(const char *what, const char *path,
	    uint8_t k[KEYFILE_LEN], char *err, size_t errlen);
/*
 * Write k to path whole or not at all, through path.new made O_EXCL,
 * root's, 0600 and fsync'd: link(2)ed in place for a new file (which
 * fails if one appeared meanwhile), or with replace rename(2)d over the
 * old one.  0, or -1 with err.
 */
int	keyfile_write(const char *what, const char *path,
	    const uint8_t k[KEYFILE_LEN], int replace, char *err,
	    size_t errlen);

#endif
