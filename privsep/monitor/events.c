/*
 * The monitor's store of events (see events.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "event.h"
#include "events.h"
#include "log.h"
#include "wire.h"

/* Prune at most this often: one DELETE per so many inserts. */
#define EVENTS_PRUNE_EVERY	256

enum ev_stmt {
	ES_INSERT,
	ES_PAGE,
	ES_OLDEST,
	ES_NEWEST,
	ES_PRUNE,
	ES_MAX
};

static const char *const ev_sql[ES_MAX] = {
	[ES_INSERT] = "INSERT INTO events (time, key_id, name, data) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[ES_PAGE] = "SELECT id, time, key_id, name, data FROM events "
	    "WHERE id > ?1 AND id <= ?2 AND (?3 OR key_id = 0 OR "
	    "key_id = ?4) ORDER BY id LIMIT ?5",
	[ES_OLDEST] = "SELECT ifnull(min(id), 0) FROM events",
	[ES_NEWEST] = "SELECT ifnull(max(id), 0) FROM events",
	/*
	 * By count (the newest ?1 stay) and by age, the age looked at in
	 * the ?3 oldest alone: ids are given in time order, so the old ones
	 * are those first, and no index on time costs every insert a page
	 * (migration 9 dropped it).
	 */
	[ES_PRUNE] = "DELETE FROM events WHERE id <= (SELECT ifnull(max(id), "
	    "0) FROM events) - ?1 OR (id IN (SELECT id FROM events ORDER BY "
	    "id LIMIT ?3) AND time < ?2)",
};

static struct {
	sqlite3		*db;
	sqlite3_stmt	*st[ES_MAX];
	uint64_t	 durable;	/* the newest id a page may give */
	unsigned	 inserts;	/* since the last prune */
	int		 retention;
	int		 days;
	char		 err[256];
} evs;

const char *
events_error(void)
{
	return evs.err;
}

static int __attribute__((format(printf, 1, 2)))
ev_dberr(const char *fmt, ...)
{
	char	 what[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(evs.err, sizeof(evs.err), "events: %s: %s", what,
	    sqlite3_errmsg(evs.db));
	return -1;
}

static sqlite3_stmt *
ev_stmt(enum ev_stmt which)
{
	sqlite3_reset(evs.st[which]);
	sqlite3_clear_bindings(evs.st[which]);
	return evs.st[which];
}

/* One integer from a one-row query; -1 on error. */
static int
ev_scalar(enum ev_stmt which, uint64_t *v)
{
	sqlite3_stmt	*st = ev_stmt(which);

	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ev_dberr("%s", ev_sql[which]);
	}
	*v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/*
 * Forget what events.retention and events.retention_days let go; of the
 * latter, among the `oldest' first events (all of them at start, then
 * twice as many as were inserted since the last prune).
 */
static int64_t
ev_prune(int64_t oldest)
{
	sqlite3_stmt	*st = ev_stmt(ES_PRUNE);
	int64_t		 before;

	before = ((int64_t)time(NULL) - (int64_t)evs.days * 86400) * 1000;
	if (sqlite3_bind_int64(st, 1, evs.retention) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, before) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, oldest) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return ev_dberr("prune");
	}
	sqlite3_reset(st);
	evs.inserts = 0;
	return sqlite3_changes(evs.db);
}

void
events_reconfigure(const struct herald_conf *conf)
{
	evs.retention = conf->events.retention;
	evs.days = conf->events.retention_days;
}

int
events_open(sqlite3 *db, const struct herald_conf *conf, char *err,
    size_t errlen)
{
	int64_t	 pruned;
	int	 i;

	memset(&evs, 0, sizeof(evs));
	evs.db = db;
	events_reconfigure(conf);
	for (i = 0; i < ES_MAX; i++)
		if (sqlite3_prepare_v3(db, ev_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &evs.st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "events: prepare \"%s\": %s "
			    "(is the schema at version 5?)", ev_sql[i],
			    sqlite3_errmsg(db));
			events_close();
			return -1;
		}
	if ((pruned = ev_prune(-1)) < 0 ||
	    ev_scalar(ES_NEWEST, &evs.durable) == -1) {
		snprintf(err, errlen, "%s", evs.err);
		events_close();
		return -1;
	}
	if (pruned > 0)
		log_info("events: forgot %" PRId64 " events beyond "
		    "events.retention (%d) or older than %d days", pruned,
		    evs.retention, evs.days);
	return 0;
}

void
events_close(void)
{
	int	 i;

	for (i = 0; i < ES_MAX; i++) {
		sqlite3_finalize(evs.st[i]);
		evs.st[i] = NULL;
	}
	evs.db = NULL;
}

int
events_insert(int64_t time_ms, uint64_t key_id, const char *name,
    const char *data, uint64_t *id)
{
	sqlite3_stmt	*st;

	if (!event_name_ok(name, strlen(name)) ||
	    !event_data_ok(data, strlen(data))) {
		snprintf(evs.err, sizeof(evs.err), "events: event \"%s\" is "
		    "not one a stream can carry", name);
		return -1;
	}
	st = ev_stmt(ES_INSERT);
	if (sqlite3_bind_int64(st, 1, time_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)key_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return ev_dberr("insert %s", name);
	}
	sqlite3_reset(st);
	*id = (uint64_t)sqlite3_last_insert_rowid(evs.db);
	if (++evs.inserts >= EVENTS_PRUNE_EVERY &&
	    ev_prune(2 * EVENTS_PRUNE_EVERY) < 0)
		return -1;
	return 0;
}

void
events_durable(uint64_t id)
{
	if (id > evs.durable)
		evs.durable = id;
}

/* One row of ES_PAGE as an event; -1 if it breaks the schema. */
static int
ev_row(sqlite3_stmt *st, struct herald_event *e)
{
	const unsigned char	*name, *data;

	memset(e, 0, sizeof(*e));
	e->id = (uint64_t)sqlite3_column_int64(st, 0);
	e->time_ms = sqlite3_column_int64(st, 1);
	e->key_id = (uint64_t)sqlite3_column_int64(st, 2);
	name = sqlite3_column_text(st, 3);
	data = sqlite3_column_text(st, 4);
	if (name == NULL || data == NULL ||
	    strlcpy(e->name, (const char *)name, sizeof(e->name)) >=
	    sizeof(e->name) ||
	    strlcpy(e->data, (const char *)data, sizeof(e->data)) >=
	    sizeof(e->data))
		return -1;
	return 0;
}

size_t
events_page(uint64_t after, uint64_t key_id, int all, uint8_t *buf,
    size_t cap)
{
	static struct herald_event	 e;
	struct event_page		 pg;
	struct wire_builder		 b;
	sqlite3_stmt			*st;
	size_t				 mark;
	int				 rc, rows = 0;

	memset(&pg, 0, sizeof(pg));
	pg.key_id = key_id;
	pg.all = all ? 1 : 0;
	if (ev_scalar(ES_OLDEST, &pg.oldest) == -1)
		return (size_t)-1;
	/* No Last-Event-ID (UINT64_MAX), or one from beyond: from now on. */
	pg.last = after > evs.durable ? evs.durable : after;
	if (pg.last == evs.durable) {
		wire_builder_init(&b, buf, cap);
		event_page_put(&b, &pg);
		return b.err ? (size_t)-1 : b.len;
	}
	/* The head goes first; its n and more are known at the end. */
	wire_builder_init(&b, buf, cap);
	event_page_put(&b, &pg);
	st = ev_stmt(ES_PAGE);
	if (sqlite3_bind_int64(st, 1, (int64_t)pg.last) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)evs.durable) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, all ? 1 : 0) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (int64_t)key_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, EVENTS_PAGE_ROWS) != SQLITE_OK)
		return ev_dberr("page") == -1 ? (size_t)-1 : 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		if (ev_row(st, &e) == -1) {
			sqlite3_reset(st);
			snprintf(evs.err, sizeof(evs.err), "events: row %lld "
			    "breaks the schema",
			    (long long)sqlite3_column_int64(st, 0));
			return (size_t)-1;
		}
		mark = b.len;
		event_put(&b, &e);
		if (b.err) {		/* full: the rest in the next page */
			b.err = 0;
			b.len = mark;
			pg.more = 1;
			break;
		}
		pg.n++;
		pg.last = e.id;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return ev_dberr("page") == -1 ? (size_t)-1 : 0;
	}
	sqlite3_reset(st);
	/* A full page of rows: what is left, if anything, is asked for. */
	if (rows == EVENTS_PAGE_ROWS && pg.more == 0 && pg.last < evs.durable)
		pg.more = 1;
	/* A page over nothing this key may see: it goes on from durable. */
	if (pg.n == 0 && !pg.more)
		pg.last = evs.durable;
	mark = b.len;
	b.len = 0;
	event_page_put(&b, &pg);
	b.len = mark;
	return b.err ? (size_t)-1 : b.len;
}
