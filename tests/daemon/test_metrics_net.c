/*
 * GET /metrics in net (daemon/metrics_net.c): what net counts itself,
 * and the one renderer of the text exposition, fed with net's counters
 * and the monitor's snapshot through rpc_render_result() as a request
 * is.  The integration test reads the same text with
 * prometheus_client's parser; here the exact lines are held.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_net.h"
#include "rpc.h"

static void
has(const char *text, const char *line)
{
	char	 want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strstr(text, want) == NULL)
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void
lacks(const char *text, const char *what)
{
	if (strstr(text, what) != NULL)
		fail_msg("\"%s\" in:\n%s", what, text);
}

static void
test_net_counters(void **state)
{
	static struct metrics_mon	 m;
	char				*t;

	memset(&net_metrics, 0, sizeof(net_metrics));
	memset(&m, 0, sizeof(m));
	metrics_net_request(OP_TRADE, 200, 800);
	metrics_net_request(OP_TRADE, 200, 3000);
	metrics_net_request(OP_TRADE, 422, 1);
	metrics_net_request(OP_MAX, 404, 0);	/* not timed */
	metrics_net_request(200, 299, 0);	/* no such op, odd status */
	metrics_net_conn(1);
	metrics_net_conn(1);
	metrics_net_conn(-1);
	assert_non_null(t = metrics_render(&net_metrics, &m));
	has(t, "herald_http_requests_total{route=\"/trade\",method=\"POST\","
	    "status=\"200\"} 2");
	has(t, "herald_http_requests_total{route=\"/trade\",method=\"POST\","
	    "status=\"422\"} 1");
	has(t, "herald_http_requests_total{route=\"unmatched\","
	    "method=\"other\",status=\"404\"} 1");
	has(t, "herald_http_requests_total{route=\"unmatched\","
	    "method=\"other\",status=\"other\"} 1");
	/* Cumulative buckets; only the timed requests. */
	has(t, "herald_http_request_duration_seconds_bucket{le=\"0.0005\"} 1");
	has(t, "herald_http_request_duration_seconds_bucket{le=\"0.001\"} 2");
	has(t, "herald_http_request_duration_seconds_bucket{le=\"0.005\"} 3");
	has(t, "herald_http_request_duration_seconds_bucket{le=\"+Inf\"} 3");
	has(t, "herald_http_request_duration_seconds_sum 0.003801");
	has(t, "herald_http_request_duration_seconds_count 3");
	has(t, "herald_http_connections_open 1");
	has(t, "herald_http_connections_total 2");
	has(t, "# TYPE herald_http_requests_total counter");
	has(t, "# TYPE herald_http_request_duration_seconds histogram");
	/* Unknown: not shown rather than shown as zero. */
	lacks(t, "herald_bridge_round_trip_seconds");
	lacks(t, "herald_tls_certificate_expiry_seconds");
	free(t);
	metrics_net_conn(-1);
	metrics_net_conn(-1);
	assert_int_equal(net_metrics.conns_open, 0);
}

static void
test_monitor_part(void **state)
{
	static struct metrics_mon	 m, big;
	static struct msg_api_res	 res;
	struct rpc_error		 err;
	size_t				 n;
	uint32_t			 i;
	char				*t;

	memset(&net_metrics, 0, sizeof(net_metrics));
	memset(&m, 0, sizeof(m));
	m.auth_failures = 5;
	m.bans = 1;
	m.broker_connected = 1;
	m.lockdown = 1;
	m.storage_faults = 2;
	m.bridge_rtt_known = 1;
	m.bridge_rtt_ms = 1500;
	m.cert_known = 1;
	m.cert_expiry = -10;
	metrics_observe(&m.batch_size, METRICS_SIZE, 3);
	metrics_order_count(&m, 200, 10009);
	metrics_order_count(&m, 503, 0);
	msg_api_res_reset(&res);
	res.status = 200;
	n = metrics_mon_encode(&m, res.result, sizeof(res.result));
	res.result_len = (uint32_t)n;
	assert_non_null(t = rpc_render_result(OP_METRICS, &res, &err));
	has(t, "herald_build_info{version=\"" HERALD_VERSION "\"} 1");
	has(t, "herald_auth_failures_total 5");
	has(t, "herald_bans_active 1");
	has(t, "herald_broker_connected 1");
	has(t, "herald_lockdown 1");
	has(t, "herald_storage_available 0");
	has(t, "herald_storage_faults_total 2");
	has(t, "herald_bridge_round_trip_seconds 1.500");
	has(t, "herald_tls_certificate_expiry_seconds -10");
	has(t, "herald_orders_total{status=\"200\",retcode=\"10009\"} 1");
	has(t, "herald_orders_total{status=\"503\",retcode=\"0\"} 1");
	has(t, "herald_journal_batch_size_bucket{le=\"2\"} 0");
	has(t, "herald_journal_batch_size_bucket{le=\"4\"} 1");
	has(t, "herald_journal_batch_size_sum 3");
	free(t);
	assert_string_equal(rpc_result_type(OP_METRICS),
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(rpc_result_type(OP_STATUS), "application/json");
	assert_string_equal(rpc_result_type(OP_MAX), "application/json");

	/* The rest of a full table of orders. */
	memset(&big, 0, sizeof(big));
	for (i = 0; i <= METRICS_ORDER_ROWS; i++)
		metrics_order_count(&big, 422, 10000 + i);
	assert_non_null(t = metrics_render(&net_metrics, &big));
	has(t, "herald_orders_total{status=\"other\",retcode=\"other\"} 2");
	free(t);

	/* A snapshot that does not decode is a 500 naming it. */
	res.result_len = (uint32_t)n - 1;
	assert_null(rpc_render_result(OP_METRICS, &res, &err));
	assert_int_equal(err.status, 500);
	assert_non_null(strstr(err.message, "the metrics result does not "
	    "decode"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_counters),
		cmocka_unit_test(test_monitor_part),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
