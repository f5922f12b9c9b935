/*
 * The monitor's store of the events of GET /v1/events (common/event.h):
 * a table on the monitor's SQLite connection (db.c's migration 5), with
 * bounded retention (events.retention rows, events.retention_days).
 * Inserts join the transaction open on the connection, which is the
 * trading path's batch: an event is durable with the change that caused
 * it, and only then pushed to net (trading_events.c).  Pages for a
 * client that resumes with Last-Event-ID are read from here, never past
 * the newest durable id, so a batch that fails takes back no event a
 * client has seen.
 */
#ifndef HERALD_EVENTS_H
#define HERALD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "config.h"
#include "event.h"

/* Rows of one page at most; its bytes are bounded by the answer's too. */
#define EVENTS_PAGE_ROWS	256

/*
 * Prepare on db (schema at migration 5), prune what retention allows,
 * and take the newest id as durable.  0, or -1 with err.
 */
int	events_open(sqlite3 *db, const struct herald_conf *, char *err,
	    size_t errlen);
void	events_close(void);
void	events_reconfigure(const struct herald_conf *);
/* What the last failing call said. */
const char *events_error(void);

/*
 * Insert one event (name and data as event.h wants them) into the open
 * transaction; *id gets its id.  Every so often also prunes.  0, or -1.
 */
int	events_insert(int64_t time_ms, uint64_t key_id, const char *name,
	    const char *data, uint64_t *id);
/* The batch holding id committed: pages may now include it. */
void	events_durable(uint64_t id);

/*
 * A page of what key key_id (all: every event) missed after id after
 * (0: all that is kept; beyond the newest, such as UINT64_MAX for no
 * Last-Event-ID: nothing, the stream starts now) into buf: event.h's page head and
 * its events.  The length, or (size_t)-1 with events_error().
 */
size_t	events_page(uint64_t after, uint64_t key_id, int all, uint8_t *buf,
	    size_t cap);

#endif
