/*
 * A SQLite VFS over the default one that gathers the writes of a
 * transaction to its WAL file into one write (see walbuf.c).  db_open()
 * opens the monitor's database through it once walbuf_register() was
 * called; without it (a bench's reference loop, a test) SQLite's own.
 */
#ifndef HERALD_WALBUF_H
#define HERALD_WALBUF_H

#include <stdint.h>

#define WALBUF_VFS	"herald-walbuf"

/* Register the VFS (not as the default); SQLITE_OK, or SQLite's error. */
int		 walbuf_register(void);
/* WALBUF_VFS once registered, else NULL: the default VFS. */
const char	*walbuf_vfs(void);
/* Writes that reached a WAL file since the start (what a test counts). */
uint64_t	 walbuf_writes(void);

#endif
