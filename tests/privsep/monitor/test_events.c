/*
 * The monitor's store of events (events.c): ids that only grow, pages
 * after a Last-Event-ID that see only what the key may see and never
 * past the newest durable id, pages that stop when full and say so,
 * retention by count and by age, and the store reopened.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "event.h"
#include "events.h"
#include "log.h"
#include "wire.h"

static char			 dir[64];
static char			 path[128];
static char			 err[512];
static struct herald_conf	 conf;
static uint8_t			 page[32768];

static void
open_all(void)
{
	if (db_open(path, err, sizeof(err)) != 0)
		fail_msg("db_open: %s", err);
	if (events_open(db_handle(), &conf, err, sizeof(err)) != 0)
		fail_msg("events_open: %s", err);
}

static void
close_all(void)
{
	events_close();
	db_close();
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/herald-events-XXXXXX");
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp");
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	log_init("test", 1, LOG_INFO);
	config_defaults(&conf);
	open_all();
	return 0;
}

static int
teardown(void **state)
{
	char	 p[160];

	close_all();
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

/* Insert and make durable at once; the id. */
static uint64_t
add(uint64_t key, const char *name)
{
	uint64_t	 id;

	if (events_insert((int64_t)time(NULL) * 1000, key, name, "{\"x\":1}",
	    &id) != 0)
		fail_msg("insert: %s", events_error());
	events_durable(id);
	return id;
}

/* A page's head and its ids, as net reads them. */
static struct event_page
read_page(uint64_t after, uint64_t key, int all, uint64_t *ids, size_t max)
{
	struct herald_event	 e;
	struct event_page	 pg;
	struct wire_reader	 r;
	const char		*why;
	size_t			 n, i;

	n = events_page(after, key, all, page, sizeof(page));
	assert_int_not_equal(n, (size_t)-1);
	wire_reader_init(&r, page, n);
	assert_int_equal(event_page_get(&r, &pg, &why), 0);
	assert_true(pg.n <= max);
	for (i = 0; i < pg.n; i++) {
		event_get(&r, &e);
		assert_true(wire_ok(&r));
		ids[i] = e.id;
		if (!all)
			assert_true(e.key_id == 0 || e.key_id == key);
	}
	assert_int_equal(wire_end(&r), 0);
	return pg;
}

static void
test_pages_and_audience(void **state)
{
	uint64_t		 ids[EVENTS_PAGE_ROWS], a, b, c, d;
	struct event_page	 pg;

	a = add(0, "fill");
	b = add(7, "order");
	c = add(8, "order");
	d = add(0, "lockdown");
	assert_true(a < b && b < c && c < d);

	/* No Last-Event-ID: from now on, nothing. */
	pg = read_page(UINT64_MAX, 7, 0, ids, 0);
	assert_int_equal(pg.n, 0);
	assert_int_equal(pg.last, d);
	assert_int_equal(pg.key_id, 7);
	/* Key 7 sees everyone's and its own, not key 8's. */
	pg = read_page(0, 7, 0, ids, 4);
	assert_int_equal(pg.n, 3);
	assert_int_equal(ids[0], a);
	assert_int_equal(ids[1], b);
	assert_int_equal(ids[2], d);
	assert_int_equal(pg.more, 0);
	assert_int_equal(pg.oldest, a);
	/* An admin sees all; after b, c and d. */
	pg = read_page(b, 1, 1, ids, 4);
	assert_int_equal(pg.n, 2);
	assert_int_equal(ids[0], c);
	assert_int_equal(pg.all, 1);
	/* Written but not durable: not in a page yet. */
	assert_int_equal(events_insert(1, 0, "fill", "{}", &a), 0);
	pg = read_page(d, 7, 0, ids, 1);
	assert_int_equal(pg.n, 0);
	assert_int_equal(pg.last, d);
	events_durable(a);
	pg = read_page(d, 7, 0, ids, 1);
	assert_int_equal(pg.n, 1);
	assert_int_equal(ids[0], a);
}

static void
test_full_pages_say_more(void **state)
{
	uint64_t		 ids[EVENTS_PAGE_ROWS], after = 0, last = 0;
	struct event_page	 pg;
	char			 data[EVENT_DATA_MAX + 1];
	size_t			 total = 0, pages = 0;
	int			 i;

	memset(data, 'x', 2000);
	data[0] = '"';
	data[1999] = '"';
	data[2000] = '\0';
	for (i = 0; i < 100; i++) {
		assert_int_equal(events_insert((int64_t)time(NULL) * 1000, 0,
		    "fill", data, &last), 0);
		events_durable(last);
	}
	do {
		pg = read_page(after, 1, 0, ids, EVENTS_PAGE_ROWS);
		total += pg.n;
		pages++;
		assert_true(pg.n > 0);
		after = pg.last;
	} while (pg.more);
	assert_int_equal(total, 100);
	assert_true(pages > 1);
	assert_int_equal(after, last);
}

static void
test_retention_and_reopen(void **state)
{
	uint64_t		 ids[EVENTS_PAGE_ROWS], first = 0, id = 0;
	struct event_page	 pg;
	int			 i;

	conf.events.retention = 100;
	events_reconfigure(&conf);
	for (i = 0; i < 300; i++) {
		id = add(0, "fill");
		if (i == 0)
			first = id;
	}
	/* Pruned every 256 inserts, and at the next start. */
	close_all();
	open_all();
	pg = read_page(0, 1, 0, ids, EVENTS_PAGE_ROWS);
	assert_int_equal(pg.oldest, id - 99);
	assert_int_equal(pg.n, 100);
	/* Ids go on from where they were, never given twice. */
	assert_true(add(0, "fill") == id + 1);
	assert_true(first < pg.oldest);
	/* And by age: an event older than the days kept goes. */
	assert_int_equal(events_insert(1, 0, "fill", "{}", &id), 0);
	events_durable(id);
	close_all();
	open_all();
	pg = read_page(id - 1, 1, 0, ids, EVENTS_PAGE_ROWS);
	assert_int_equal(pg.n, 0);
	assert_int_equal(add(0, "fill"), id + 1);
	conf.events.retention = 10000;
}

/*
 * Pruned by age as events come, without a restart and without an index
 * on time: the old events first in id order go at the next prune.
 */
static void
test_age_pruned_as_events_come(void **state)
{
	uint64_t		 ids[EVENTS_PAGE_ROWS], id = 0, old = 0;
	struct event_page	 pg;
	int			 i;

	for (i = 0; i < 10; i++) {
		assert_int_equal(events_insert(1, 0, "fill", "{}", &id), 0);
		events_durable(id);
		if (i == 0)
			old = id;
	}
	for (i = 0; i < 256; i++)
		id = add(0, "fill");
	pg = read_page(0, 1, 0, ids, EVENTS_PAGE_ROWS);
	assert_true(pg.oldest > old + 9);
	assert_true(pg.oldest <= id);
}

static void
test_refusals(void **state)
{
	uint64_t	 id;

	assert_int_equal(events_insert(1, 0, "Fill", "{}", &id), -1);
	assert_non_null(strstr(events_error(), "Fill"));
	assert_int_equal(events_insert(1, 0, "fill", "{\n}", &id), -1);
	assert_int_equal(events_insert(1, 0, "", "{}", &id), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pages_and_audience),
		T(test_full_pages_say_more),
		T(test_retention_and_reopen),
		T(test_age_pruned_as_events_come),
		T(test_refusals),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
