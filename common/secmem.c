/*
 * Memory for secrets.  Each secret gets a mapping of its own, so that
 * locking and MADV_DONTDUMP apply to nothing else and the pages can be
 * wiped and handed back whole.
 *
 * Not MADV_WIPEONFORK: the monitor detaches with daemon(3), and the
 * process that goes on is the forked child, which would find every
 * secret zeroed.  Children drop the mapping by re-executing at once.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "secmem.h"

static int	secmem_warned_lock;	/* mlock refused: said so once */

static size_t
secmem_maplen(size_t len)
{
	long	 pg;
	size_t	 page;

	if ((pg = sysconf(_SC_PAGESIZE)) <= 0)
		fatal("secmem: sysconf(_SC_PAGESIZE)");
	page = (size_t)pg;
	/* Room for the NUL, rounded up to whole pages. */
	if (len > SIZE_MAX - page)
		fatalx("secmem: %zu bytes is too large", len);
	return (len + 1 + page - 1) / page * page;
}

/*
 * Without CAP_IPC_LOCK the lock is bounded by RLIMIT_MEMLOCK, which some
 * hosts keep small.  The secret is still excluded from core dumps and
 * wiped on release, so carry on, but never silently.
 */
static void
secmem_lock(void *p, size_t maplen)
{
	if (mlock(p, maplen) == 0)
		return;
	if (errno != EPERM && errno != ENOMEM)
		fatal("secmem: mlock");
	if (!secmem_warned_lock) {
		secmem_warned_lock = 1;
		log_warn("secmem: mlock of %zu bytes refused (raise "
		    "RLIMIT_MEMLOCK or grant CAP_IPC_LOCK); secrets may be "
		    "swapped out", maplen);
	}
}

static void
secmem_advise(void *p, size_t maplen)
{
	if (madvise(p, maplen, MADV_DONTDUMP) == -1)
		fatal("secmem: madvise(MADV_DONTDUMP)");
}

struct secret *
secret_new(const void *src, size_t len)
{
	struct secret	*s;
	void		*p;
	size_t		 maplen;

	if (src == NULL && len != 0)
		fatalx("secmem: NULL source of %zu bytes", len);
	maplen = secmem_maplen(len);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("secmem: calloc");
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("secmem: mmap of %zu bytes", maplen);
	secmem_lock(p, maplen);
	secmem_advise(p, maplen);
	if (len != 0)
		memcpy(p, src, len);
	((char *)p)[len] = '\0';
	s->buf = p;
	s->len = len;
	s->maplen = maplen;
	return s;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->buf, s->maplen);
	/* Fails harmlessly if the lock was refused in secret_new(). */
	(void)munlock(s->buf, s->maplen);
	if (munmap(s->buf, s->maplen) == -1)
		fatal("secmem: munmap");
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
secret_equal(const struct secret *a, const struct secret *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	/* The length is not secret; the bytes are compared in constant time. */
	if (a->len != b->len)
		return 0;
	if (a->len == 0)
		return 1;
	return CRYPTO_memcmp(a->buf, b->buf, a->len) == 0;
}
