/*
 * One order as the journal holds it (common/orderview.h): the codec
 * round-trips, and the decoder refuses what no monitor sends, naming
 * the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "orderview.h"
#include "trade.h"

static struct order_view	 v, w;
static uint8_t			 buf[8192];

static void
sample(void)
{
	struct trade_result	 r;
	size_t			 n;

	memset(&v, 0, sizeof(v));
	v.ticket = 18;
	v.command_id = 7;
	strlcpy(v.client_order_id, "bot-1:42", sizeof(v.client_order_id));
	v.state = ORDER_VIEW_DONE;
	v.created = 1767225600;
	v.updated = 1767225601;
	v.status = 200;
	strlcpy(v.code, "ok", sizeof(v.code));
	memset(&r, 0, sizeof(r));
	r.retcode = 10009;
	r.order = r.position = 18;
	r.volume = 0.1;
	r.price = 1.1;
	strlcpy(r.message, "done", sizeof(r.message));
	n = trade_result_encode(&r, v.result, sizeof(v.result));
	assert_true(n != (size_t)-1);
	v.result_len = (uint32_t)n;
}

static const char *
refused(void)
{
	const char	*why = NULL;
	size_t		 n;

	n = order_view_encode(&v, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(order_view_decode(buf, n, &w, &why), -1);
	assert_non_null(why);
	return why;
}

static void
test_roundtrip(void **state)
{
	const char	*why;
	size_t		 n, m;
	uint8_t		 again[8192];

	sample();
	n = order_view_encode(&v, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(order_view_decode(buf, n, &w, &why), 0);
	m = order_view_encode(&w, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(again, buf, n);
	assert_string_equal(w.client_order_id, "bot-1:42");
	assert_int_equal(w.status, 200);
	/* Every shorter payload, and one byte more, is refused. */
	for (m = 0; m < n; m++)
		assert_int_equal(order_view_decode(buf, m, &w, &why), -1);
	buf[n] = 0;
	assert_int_equal(order_view_decode(buf, n + 1, &w, &why), -1);
	/* In flight: no answer. */
	v.status = 0;
	v.code[0] = '\0';
	v.result_len = 0;
	v.state = ORDER_VIEW_SENT;
	n = order_view_encode(&v, buf, sizeof(buf));
	assert_int_equal(order_view_decode(buf, n, &w, &why), 0);
	assert_string_equal(order_view_state_name(w.state), "sent");
	assert_string_equal(order_view_state_name(9), "invalid");
	/* Too small a buffer. */
	assert_int_equal(order_view_encode(&v, buf, 10), 0);
}

static void
test_refusals(void **state)
{
	sample();
	v.state = ORDER_VIEW_STATES;
	assert_non_null(strstr(refused(), "state"));
	sample();
	v.derived = 2;
	assert_non_null(strstr(refused(), "derived"));
	sample();
	v.command_id = 0;
	assert_non_null(strstr(refused(), "command_id"));
	sample();
	v.client_order_id[0] = '\0';
	assert_non_null(strstr(refused(), "string"));
	sample();
	v.message[0] = '\n';
	assert_non_null(strstr(refused(), "string"));
	sample();
	v.updated = v.created - 1;
	assert_non_null(strstr(refused(), "updated"));
	sample();
	v.status = 99;
	assert_non_null(strstr(refused(), "status"));
	sample();
	v.result[0] ^= 0xff;
	v.result_len -= 1;
	(void)refused();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
