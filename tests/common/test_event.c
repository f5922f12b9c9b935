/*
 * The codec of events (common/event.c): round trips, exact lengths, and
 * the rules on ids, names and data that keep an SSE line one line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "wire.h"

static void
good(struct herald_event *e)
{
	memset(e, 0, sizeof(*e));
	e->id = 42;
	e->time_ms = 1764763200123;
	e->key_id = 7;
	strlcpy(e->name, "stop_out", sizeof(e->name));
	strlcpy(e->data, "{\"deal\":1,\"comment\":\"a\\nb\"}", sizeof(e->data));
}

static void
test_round_trip(void **state)
{
	struct herald_event	 e, back;
	uint8_t			 buf[EVENT_WIRE_MAX], more[EVENT_WIRE_MAX + 1];
	const char		*why;
	size_t			 n, i;

	good(&e);
	n = event_encode(&e, buf, sizeof(buf));
	assert_int_not_equal(n, (size_t)-1);
	assert_int_equal(event_decode(buf, n, &back, &why), 0);
	assert_memory_equal(&e, &back, sizeof(e));
	for (i = 0; i < n; i++)
		assert_int_equal(event_decode(buf, i, &back, &why), -1);
	memcpy(more, buf, n);
	more[n] = 0;
	assert_int_equal(event_decode(more, n + 1, &back, &why), -1);
	/* The longest fits EVENT_WIRE_MAX exactly. */
	memset(e.data, 'x', EVENT_DATA_MAX);
	e.data[EVENT_DATA_MAX] = '\0';
	memset(e.name, 'a', EVENT_NAME_MAX);
	e.name[EVENT_NAME_MAX] = '\0';
	assert_int_equal(event_encode(&e, buf, sizeof(buf)), EVENT_WIRE_MAX);
	assert_int_equal(event_encode(&e, buf, sizeof(buf) - 1), (size_t)-1);
}

static void
test_refusals(void **state)
{
	struct herald_event	 e, back;
	uint8_t			 buf[EVENT_WIRE_MAX];
	const char		*why;
	size_t			 n;

	good(&e);
	e.id = 0;
	n = event_encode(&e, buf, sizeof(buf));
	assert_int_equal(event_decode(buf, n, &back, &why), -1);
	assert_string_equal(why, "event id 0");
	good(&e);
	strlcpy(e.name, "Fill", sizeof(e.name));
	n = event_encode(&e, buf, sizeof(buf));
	assert_int_equal(event_decode(buf, n, &back, &why), -1);
	assert_string_equal(why, "bad event name");
	good(&e);
	strlcpy(e.data, "{}\ndata: forged", sizeof(e.data));
	n = event_encode(&e, buf, sizeof(buf));
	assert_int_equal(event_decode(buf, n, &back, &why), -1);
	assert_string_equal(why, "bad event data");
	good(&e);
	e.data[0] = '\0';
	n = event_encode(&e, buf, sizeof(buf));
	assert_int_equal(event_decode(buf, n, &back, &why), -1);
	assert_false(event_data_ok("a\rb", 3));
	assert_false(event_data_ok("\x80", 1));
	assert_true(event_data_ok("{}", 2));
	assert_false(event_name_ok("", 0));
	assert_false(event_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaa", 25));
}

static void
test_page(void **state)
{
	struct event_page	 pg, back;
	struct wire_builder	 b;
	struct wire_reader	 r;
	uint8_t			 buf[64];
	const char		*why;

	memset(&pg, 0, sizeof(pg));
	pg.key_id = 3;
	pg.all = 1;
	pg.more = 1;
	pg.last = 9;
	pg.oldest = 2;
	pg.n = 0;
	wire_builder_init(&b, buf, sizeof(buf));
	event_page_put(&b, &pg);
	assert_int_equal(b.len, EVENT_PAGE_HEAD);
	wire_reader_init(&r, buf, b.len);
	assert_int_equal(event_page_get(&r, &back, &why), 0);
	assert_memory_equal(&pg, &back, sizeof(pg));
	buf[8] = 2;			/* all */
	wire_reader_init(&r, buf, b.len);
	assert_int_equal(event_page_get(&r, &back, &why), -1);
	assert_string_equal(why, "page flag out of range");
	pg.all = 0;
	pg.last = 0;
	pg.n = 1;
	wire_builder_init(&b, buf, sizeof(buf));
	event_page_put(&b, &pg);
	wire_reader_init(&r, buf, b.len);
	assert_int_equal(event_page_get(&r, &back, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
