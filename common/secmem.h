/*
 * Memory for secrets: locked (mlock), excluded from core dumps
 * (MADV_DONTDUMP) and wiped on release; kept across fork, as daemon(3)
 * needs (children re-execute, which drops it).
 * Only the monitor ever holds a struct secret.
 */
#ifndef HERALD_SECMEM_H
#define HERALD_SECMEM_H

#include <stddef.h>

struct secret {
	char	*buf;		/* NUL-terminated, inside a locked mapping */
	size_t	 len;		/* bytes of secret, excluding the NUL */
	size_t	 maplen;	/* size of the mapping */
};

/* A new secret holding a copy of len bytes of src; fatal on failure. */
struct secret	*secret_new(const void *src, size_t len);
/* Wipe, unlock and unmap; NULL is fine. */
void		 secret_free(struct secret *);
/* Both NULL, or both holding the same bytes (constant time in length). */
int		 secret_equal(const struct secret *, const struct secret *);

#endif
