/*
 * The WAL's writes gathered into one (issue 12).  SQLite writes each
 * frame of a commit to the WAL with two write()s, its 24-byte header
 * and its page: a commit of the trading path, some 10-25 pages, cost
 * 20-50 pwrite(2)s, each a trip through ext4's buffered write path, and
 * the profile put them at 9-13% of the monitor's CPU per order.  This
 * VFS, a thin layer over SQLite's default one, keeps the writes to a
 * WAL file that follow one another in a buffer and writes them with
 * one pwrite when anything could look at the file: before a sync (at
 * every commit: the connection runs synchronous=FULL), a read, a size
 * or truncation, a file control, the close, and before the WAL index
 * publishes new frames to other connections (xShmBarrier on the
 * database file, walIndexWriteHdr()), so that no connection, in this
 * process or another, can be told of a frame that is not in the file.
 * A write that does not follow the buffer, or would overflow it, first
 * writes what is held.  The data and the syncs are SQLite's, in the
 * same order: durability is what the default VFS gives.  A failed
 * write of the buffer fails the sync (or read) that asked for it, and
 * so the commit, which SQLite rolls back; what was held is dropped with
 * it.
 *
 * Every other file (the database, its -shm) and every other method
 * passes straight to the default VFS.  The monitor is one thread; the
 * list of open WAL files is not locked.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "walbuf.h"

/*
 * Bytes held at most: some 30 frames of 4 KiB pages.  SQLite's unix VFS
 * writes at most 128 KiB - 1 in one call (seekAndWriteFd() masks the
 * length with 0x1ffff) and takes a write of 0 bytes for a full disk.
 */
#define WALBUF_MAX	(120 * 1024)

struct wb_file {
	sqlite3_file		 base;	/* its pMethods: wb_methods */
	sqlite3_file		*real;	/* the default VFS's, behind this */
	int			 wal;
	sqlite3_int64		 off;	/* where buf[0] goes */
	int			 len;
	unsigned char		*buf;	/* WALBUF_MAX bytes, at the first write */
	struct wb_file		*next;	/* the open WAL files */
};

static sqlite3_vfs	 wb_vfs;
static sqlite3_vfs	*wb_real;
static struct wb_file	*wb_wals;
static uint64_t		 wb_writes;

#define REAL(f)		(((struct wb_file *)(f))->real)
#define RM(f)		(REAL(f)->pMethods)

/* Write what is held; SQLite's error code of the write. */
static int
wb_flush(struct wb_file *f)
{
	int	 n = f->len;

	if (n == 0)
		return SQLITE_OK;
	f->len = 0;
	wb_writes++;
	return f->real->pMethods->xWrite(f->real, f->buf, n, f->off);
}

/* Before the WAL index tells anyone of new frames: all of them written. */
static int
wb_flush_all(void)
{
	struct wb_file	*f;
	int		 rc = SQLITE_OK, r;

	for (f = wb_wals; f != NULL; f = f->next)
		if ((r = wb_flush(f)) != SQLITE_OK && rc == SQLITE_OK)
			rc = r;
	return rc;
}

static int
wb_close(sqlite3_file *file)
{
	struct wb_file	*f = (struct wb_file *)file, **pp;
	int		 rc = SQLITE_OK, r;

	if (f->wal) {
		rc = wb_flush(f);
		for (pp = &wb_wals; *pp != NULL; pp = &(*pp)->next)
			if (*pp == f) {
				*pp = f->next;
				break;
			}
		sqlite3_free(f->buf);
		f->buf = NULL;
	}
	r = RM(file)->xClose(REAL(file));
	return rc != SQLITE_OK ? rc : r;
}

static int
wb_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return RM(file)->xRead(REAL(file), buf, amt, off);
}

static int
wb_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (!f->wal)
		return RM(file)->xWrite(REAL(file), buf, amt, off);
	if (f->len > 0 && (off != f->off + f->len ||
	    amt > WALBUF_MAX - f->len) && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	if (amt > WALBUF_MAX) {
		wb_writes++;
		return RM(file)->xWrite(REAL(file), buf, amt, off);
	}
	if (f->buf == NULL && (f->buf = sqlite3_malloc(WALBUF_MAX)) == NULL)
		return SQLITE_NOMEM;
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, buf, (size_t)amt);
	f->len += amt;
	return SQLITE_OK;
}

static int
wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return RM(file)->xTruncate(REAL(file), size);
}

static int
wb_sync(sqlite3_file *file, int flags)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return RM(file)->xSync(REAL(file), flags);
}

static int
wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return RM(file)->xFileSize(REAL(file), size);
}

static int
wb_lock(sqlite3_file *file, int lock)
{
	return RM(file)->xLock(REAL(file), lock);
}

static int
wb_unlock(sqlite3_file *file, int lock)
{
	return RM(file)->xUnlock(REAL(file), lock);
}

static int
wb_check_reserved(sqlite3_file *file, int *out)
{
	return RM(file)->xCheckReservedLock(REAL(file), out);
}

static int
wb_file_control(sqlite3_file *file, int op, void *arg)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	/* The VFS's name, as SQLite's own shims give theirs. */
	if (op == SQLITE_FCNTL_VFSNAME) {
		rc = RM(file)->xFileControl(REAL(file), op, arg);
		if (rc == SQLITE_OK)
			*(char **)arg = sqlite3_mprintf("%s/%z", WALBUF_VFS,
			    *(char **)arg);
		return rc;
	}
	return RM(file)->xFileControl(REAL(file), op, arg);
}

static int
wb_sector_size(sqlite3_file *file)
{
	return RM(file)->xSectorSize(REAL(file));
}

static int
wb_device(sqlite3_file *file)
{
	return RM(file)->xDeviceCharacteristics(REAL(file));
}

static int
wb_shm_map(sqlite3_file *file, int pg, int pgsz, int extend,
    void volatile **pp)
{
	return RM(file)->xShmMap(REAL(file), pg, pgsz, extend, pp);
}

static int
wb_shm_lock(sqlite3_file *file, int off, int n, int flags)
{
	return RM(file)->xShmLock(REAL(file), off, n, flags);
}

/*
 * walIndexWriteHdr() calls it between the two copies of the WAL index
 * header that publish new frames: they must be in the file by then.
 * It returns nothing; a failed write is met again by the sync that
 * follows in a FULL commit (the buffer is then empty: it was dropped,
 * and the sync's own error is SQLite's).
 */
static void
wb_shm_barrier(sqlite3_file *file)
{
	(void)wb_flush_all();
	RM(file)->xShmBarrier(REAL(file));
}

static int
wb_shm_unmap(sqlite3_file *file, int del)
{
	return RM(file)->xShmUnmap(REAL(file), del);
}

static int
wb_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	if (f->wal && (rc = wb_flush(f)) != SQLITE_OK)
		return rc;
	return RM(file)->xFetch(REAL(file), off, amt, pp);
}

static int
wb_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	return RM(file)->xUnfetch(REAL(file), off, p);
}

static const sqlite3_io_methods wb_methods = {
	.iVersion =			3,
	.xClose =			wb_close,
	.xRead =			wb_read,
	.xWrite =			wb_write,
	.xTruncate =			wb_truncate,
	.xSync =			wb_sync,
	.xFileSize =			wb_file_size,
	.xLock =			wb_lock,
	.xUnlock =			wb_unlock,
	.xCheckReservedLock =		wb_check_reserved,
	.xFileControl =			wb_file_control,
	.xSectorSize =			wb_sector_size,
	.xDeviceCharacteristics =	wb_device,
	.xShmMap =			wb_shm_map,
	.xShmLock =			wb_shm_lock,
	.xShmBarrier =			wb_shm_barrier,
	.xShmUnmap =			wb_shm_unmap,
	.xFetch =			wb_fetch,
	.xUnfetch =			wb_unfetch,
};

static int
wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
    int *out)
{
	struct wb_file	*f = (struct wb_file *)file;
	int		 rc;

	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = wb_real->xOpen(wb_real, name, f->real, flags, out);
	/* No methods: nothing to close, and SQLite will call nothing. */
	if (f->real->pMethods == NULL) {
		file->pMethods = NULL;
		return rc;
	}
	/* A default VFS without shared memory or mmap: not ours to fake. */
	if (f->real->pMethods->iVersion < 3) {
		f->real->pMethods->xClose(f->real);
		file->pMethods = NULL;
		return SQLITE_CANTOPEN;
	}
	if ((flags & SQLITE_OPEN_WAL) != 0) {
		f->wal = 1;
		f->next = wb_wals;
		wb_wals = f;
	}
	file->pMethods = &wb_methods;
	return rc;
}

static int
wb_delete(sqlite3_vfs *vfs, const char *name, int dirsync)
{
	return wb_real->xDelete(wb_real, name, dirsync);
}

static int
wb_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return wb_real->xAccess(wb_real, name, flags, out);
}

static int
wb_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return wb_real->xFullPathname(wb_real, name, n, out);
}

static int
wb_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return wb_real->xRandomness(wb_real, n, out);
}

static int
wb_sleep(sqlite3_vfs *vfs, int us)
{
	return wb_real->xSleep(wb_real, us);
}

static int
wb_current_time(sqlite3_vfs *vfs, double *t)
{
	return wb_real->xCurrentTime(wb_real, t);
}

static int
wb_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return wb_real->xGetLastError(wb_real, n, out);
}

static int
wb_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	return wb_real->xCurrentTimeInt64(wb_real, t);
}

int
walbuf_register(void)
{
	if (wb_real != NULL)
		return SQLITE_OK;
	if ((wb_real = sqlite3_vfs_find(NULL)) == NULL)
		return SQLITE_ERROR;
	if (wb_real->iVersion < 2 || wb_real->xCurrentTimeInt64 == NULL) {
		wb_real = NULL;
		return SQLITE_ERROR;
	}
	memset(&wb_vfs, 0, sizeof(wb_vfs));
	wb_vfs.iVersion = 2;
	wb_vfs.szOsFile = (int)sizeof(struct wb_file) + wb_real->szOsFile;
	wb_vfs.mxPathname = wb_real->mxPathname;
	wb_vfs.zName = WALBUF_VFS;
	wb_vfs.xOpen = wb_open;
	wb_vfs.xDelete = wb_delete;
	wb_vfs.xAccess = wb_access;
	wb_vfs.xFullPathname = wb_full_pathname;
	/* No extensions are loaded: no dynamic loading through it. */
	wb_vfs.xRandomness = wb_randomness;
	wb_vfs.xSleep = wb_sleep;
	wb_vfs.xCurrentTime = wb_current_time;
	wb_vfs.xGetLastError = wb_last_error;
	wb_vfs.xCurrentTimeInt64 = wb_current_time64;
	return sqlite3_vfs_register(&wb_vfs, 0);
}

const char *
walbuf_vfs(void)
{
	return wb_real != NULL ? WALBUF_VFS : NULL;
}

uint64_t
walbuf_writes(void)
{
	return wb_writes;
}
