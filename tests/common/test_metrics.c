/*
 * The measures GET /metrics is made of (common/metrics.h): a value
 * lands in the bucket of the first bound it does not exceed, the
 * orders' table folds what does not fit into one "other" row, and the
 * monitor's snapshot crosses to net unchanged, while a snapshot that
 * contradicts itself does not decode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

static void
test_buckets(void **state)
{
	struct metrics_hist	 h;
	const uint64_t		*b;
	size_t			 n;

	memset(&h, 0, sizeof(h));
	b = metrics_bounds(METRICS_LATENCY, &n);
	assert_int_equal(n, 14);
	metrics_observe(&h, METRICS_LATENCY, 0);
	metrics_observe(&h, METRICS_LATENCY, b[0]);	/* le is inclusive */
	metrics_observe(&h, METRICS_LATENCY, b[0] + 1);
	metrics_observe(&h, METRICS_LATENCY, b[n - 1] + 1);	/* +Inf */
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[n], 1);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.sum, 0 + b[0] + b[0] + 1 + b[n - 1] + 1);

	memset(&h, 0, sizeof(h));
	b = metrics_bounds(METRICS_SIZE, &n);
	assert_int_equal(b[0], 1);
	metrics_observe(&h, METRICS_SIZE, 3);
	metrics_observe(&h, METRICS_SIZE, 4);
	metrics_observe(&h, METRICS_SIZE, 5000);
	assert_int_equal(h.bucket[2], 2);	/* (2, 4] */
	assert_int_equal(h.bucket[n], 1);
}

static void
test_order_rows(void **state)
{
	static struct metrics_mon	 m;
	uint32_t			 i;

	memset(&m, 0, sizeof(m));
	metrics_order_count(&m, 200, 10009);
	metrics_order_count(&m, 200, 10009);
	metrics_order_count(&m, 422, 10014);
	assert_int_equal(m.norders, 2);
	assert_int_equal(m.orders[0].count, 2);
	assert_int_equal(m.orders[1].retcode, 10014);
	for (i = 0; m.norders < METRICS_ORDER_ROWS; i++)
		metrics_order_count(&m, 503, i);
	/* Full: a new pair goes to the last row, which becomes "other". */
	metrics_order_count(&m, 403, 0);
	metrics_order_count(&m, 429, 0);
	assert_int_equal(m.norders, METRICS_ORDER_ROWS);
	assert_int_equal(m.orders[METRICS_ORDER_ROWS - 1].retcode,
	    METRICS_RETCODE_OTHER);
	assert_int_equal(m.orders[METRICS_ORDER_ROWS - 1].count, 3);
	/* The pairs seen before are still counted apart. */
	metrics_order_count(&m, 200, 10009);
	assert_int_equal(m.orders[0].count, 3);
}

static void
sample(struct metrics_mon *m)
{
	memset(m, 0, sizeof(*m));
	m->auth_failures = 7;
	m->bans = 2;
	m->broker_connected = 1;
	m->storage_ok = 1;
	m->storage_faults = 3;
	m->bridge_rtt_known = 1;
	m->bridge_rtt_ms = 42;
	m->cert_known = 1;
	m->cert_expiry = -3600;
	metrics_observe(&m->order_latency, METRICS_LATENCY, 1234);
	metrics_observe(&m->commit_latency, METRICS_LATENCY, 99999999);
	metrics_observe(&m->batch_size, METRICS_SIZE, 17);
	metrics_order_count(m, 200, 10009);
	metrics_order_count(m, 403, 0);
}

static void
test_roundtrip(void **state)
{
	static struct metrics_mon	 a, b;
	static uint8_t			 buf[4096], buf2[4096];
	const char			*why = NULL;
	size_t				 n;

	sample(&a);
	n = metrics_mon_encode(&a, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	assert_int_equal(metrics_mon_decode(buf, n, &b, &why), 0);
	assert_int_equal(b.auth_failures, 7);
	assert_int_equal(b.bans, 2);
	assert_int_equal(b.bridge_rtt_ms, 42);
	assert_int_equal(b.cert_expiry, -3600);
	assert_int_equal(b.commit_latency.count, 1);
	assert_int_equal(b.commit_latency.bucket[14], 1);
	assert_int_equal(b.batch_size.sum, 17);
	assert_int_equal(b.norders, 2);
	assert_int_equal(b.orders[1].status, 403);
	assert_int_equal(metrics_mon_encode(&b, buf2, sizeof(buf2)), n);
	assert_memory_equal(buf, buf2, n);
	/* Too small a buffer: nothing half-written is taken for a result. */
	assert_int_equal(metrics_mon_encode(&a, buf, 10), (size_t)-1);
	a.norders = METRICS_ORDER_ROWS + 1;
	assert_int_equal(metrics_mon_encode(&a, buf, sizeof(buf)), (size_t)-1);
}

static void
refused(const uint8_t *buf, size_t n, const char *want)
{
	static struct metrics_mon	 m;
	const char			*why = NULL;

	assert_int_equal(metrics_mon_decode(buf, n, &m, &why), -1);
	assert_non_null(why);
	if (want != NULL)
		assert_string_equal(why, want);
}

static void
test_decode_refuses(void **state)
{
	static struct metrics_mon	 a;
	static uint8_t			 buf[4096], bad[4096];
	size_t				 n, i;

	sample(&a);
	n = metrics_mon_encode(&a, buf, sizeof(buf));
	/* Every cut is refused, and so is a byte too many. */
	for (i = 0; i < n; i++)
		refused(buf, i, NULL);
	memcpy(bad, buf, n);
	bad[n] = 0;
	refused(bad, n + 1, NULL);
	/* broker_connected (after u64 auth_failures and u32 bans) is 0/1. */
	memcpy(bad, buf, n);
	bad[12] = 2;
	refused(bad, n, "broker flag out of range");
	/* More order rows than there can be. */
	a.norders = 0;
	n = metrics_mon_encode(&a, buf, sizeof(buf));
	memcpy(bad, buf, n);
	bad[n - 4] = METRICS_ORDER_ROWS + 1;
	refused(bad, n, "more order rows than METRICS_ORDER_ROWS");
	/* Buckets whose sum overflows a count. */
	memset(&a, 0, sizeof(a));
	a.order_latency.bucket[0] = UINT64_MAX;
	a.order_latency.bucket[1] = 1;
	n = metrics_mon_encode(&a, buf, sizeof(buf));
	refused(buf, n, "histogram count overflows");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_order_rows),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
