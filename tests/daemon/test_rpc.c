/*
 * The RPC surface: routes, path and query parameters, authentication
 * headers, each rule of each JSON body, the parameters' wire layouts and
 * the sliding window.  The rendering of answers is test_rpc_render.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "deal.h"
#include "rpc.h"
#include "trade.h"
#include "wire.h"

#define JSON	"application/json"

static void
route_ok(const char *method, const char *target, uint8_t op,
    struct rpc_call *call)
{
	struct rpc_error	 err;

	if (rpc_route(method, target, call, &err) == -1)
		fail_msg("%s %s: %d %s", method, target, err.status,
		    err.message);
	assert_int_equal(call->p.op, op);
}

static void
route_fails(const char *method, const char *target, int status,
    const char *what)
{
	struct rpc_call		 call;
	struct rpc_error	 err;

	if (rpc_route(method, target, &call, &err) != -1)
		fail_msg("%s %s: routed", method, target);
	assert_int_equal(err.status, status);
	if (strstr(err.message, what) == NULL)
		fail_msg("%s %s: '%s' lacks '%s'", method, target, err.message,
		    what);
}

static void
test_routes(void **state)
{
	struct rpc_call	 c;

	route_ok("GET", "/healthz", OP_NONE, &c);
	assert_true(c.local);
	route_ok("GET", "/v1/status", OP_STATUS, &c);
	assert_false(c.local);
	assert_int_equal(c.body, RPC_BODY_NONE);
	route_ok("POST", "/trade", OP_TRADE, &c);
	assert_int_equal(c.body, RPC_BODY_REQUIRED);
	route_ok("GET", "/v1/account", OP_ACCOUNT, &c);
	route_ok("GET", "/v1/positions", OP_POSITIONS, &c);
	assert_int_equal(c.p.flags, 0);
	route_ok("GET", "/v1/positions?symbol=EURUSD", OP_POSITIONS, &c);
	assert_int_equal(c.p.flags, RPC_HAS_SYMBOL);
	assert_string_equal(c.p.symbol, "EURUSD");
	route_ok("POST", "/v1/positions/123/close", OP_POSITION_CLOSE, &c);
	assert_int_equal(c.p.ticket, 123);
	assert_int_equal(c.body, RPC_BODY_OPTIONAL);
	route_ok("POST", "/v1/positions/18446744073709551615/modify",
	    OP_POSITION_MODIFY, &c);
	assert_true(c.p.ticket == UINT64_MAX);
	assert_int_equal(c.body, RPC_BODY_REQUIRED);
	route_ok("GET", "/v1/orders", OP_ORDERS, &c);
	route_ok("DELETE", "/v1/orders/7", OP_ORDER_CANCEL, &c);
	assert_int_equal(c.p.ticket, 7);
	route_fails("GET", "/v1/symbols/XAU.USD_m", 400, "symbol");
	route_ok("GET", "/v1/symbols/XAU.USD_1", OP_SYMBOL, &c);
	assert_string_equal(c.p.symbol, "XAU.USD_1");
	route_ok("GET", "/v1/audit", OP_AUDIT, &c);
	route_ok("GET", "/v1/audit?limit=1000", OP_AUDIT, &c);
	assert_int_equal(c.p.limit, 1000);
	assert_int_equal(c.p.flags, RPC_HAS_LIMIT);
	route_ok("GET", "/v1/audit?type=key.create&key=bot-1&since=1700000000"
	    "&cursor=42&limit=7", OP_AUDIT, &c);
	assert_string_equal(c.p.audit_type, "key.create");
	assert_string_equal(c.p.audit_key, "bot-1");
	assert_true(c.p.since == 1700000000);
	assert_true(c.p.audit_cursor == 42);
	assert_int_equal(c.p.limit, 7);
	route_ok("GET", "/v1/audit?cursor=3&since=2026-12-03T12:00:00Z",
	    OP_AUDIT, &c);
	assert_true(c.p.since == 1796299200);
	assert_int_equal(c.p.flags, 0);
	route_ok("GET", "/v1/status?", OP_STATUS, &c);
	/* Readiness: the monitor's, asked without a key. */
	route_ok("GET", "/readyz", OP_READY, &c);
	assert_false(c.local);
	assert_int_equal(c.body, RPC_BODY_NONE);
	assert_int_equal(api_info(OP_READY)->perm, PERM_PUBLIC);
	/* Metrics: the monitor authorises, net renders text. */
	route_ok("GET", "/metrics", OP_METRICS, &c);
	assert_false(c.local);
	assert_int_equal(api_info(OP_METRICS)->perm, PERM_READ_METRICS);
	route_fails("POST", "/metrics", 405, "not allowed");
}

static void	roundtrip(const struct rpc_params *);

/* GET /v1/events' Last-Event-ID, GET /v1/deals' query. */
static void
test_events_and_deals(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;
	char			 cur[DEAL_CURSOR_LEN + 1];
	int64_t			 ms, t;
	uint64_t		 id, k;

	route_ok("GET", "/v1/events", OP_EVENTS, &c);
	assert_int_equal(c.body, RPC_BODY_NONE);
	assert_int_equal(c.fields, 0);		/* the header's, not a body's */
	assert_int_equal(rpc_last_event_id(NULL, &id, &err), 0);
	assert_true(id == UINT64_MAX);
	assert_int_equal(rpc_last_event_id("", &id, &err), 0);
	assert_true(id == UINT64_MAX);
	assert_int_equal(rpc_last_event_id("0", &id, &err), 0);
	assert_true(id == 0);
	assert_int_equal(rpc_last_event_id("9223372036854775807", &id, &err),
	    0);
	assert_true(id == INT64_MAX);
	assert_int_equal(rpc_last_event_id("9223372036854775808", &id, &err),
	    -1);
	assert_int_equal(err.status, 400);
	assert_non_null(strstr(err.message, "Last-Event-ID"));
	assert_int_equal(rpc_last_event_id("01", &id, &err), -1);
	assert_int_equal(rpc_last_event_id("1x", &id, &err), -1);
	assert_int_equal(rpc_last_event_id("99999999999999999999", &id,
	    &err), -1);

	route_ok("GET", "/v1/deals", OP_DEALS, &c);
	assert_int_equal(c.p.from, 0);
	assert_int_equal(c.p.to, 0);
	route_ok("GET", "/v1/deals?symbol=EURUSD&from=2026-12-03T12:00:00Z"
	    "&to=1796302800.5&limit=7", OP_DEALS, &c);
	assert_int_equal(c.p.from, 1796299200000LL);
	assert_int_equal(c.p.to, 1796302800500LL);
	assert_int_equal(c.p.limit, 7);
	assert_int_equal(c.p.flags, RPC_HAS_SYMBOL | RPC_HAS_LIMIT);
	roundtrip(&c.p);
	deal_cursor_format(1796299200123LL, 42, cur, sizeof(cur));
	assert_int_equal(strlen(cur), DEAL_CURSOR_LEN);
	assert_int_equal(deal_cursor_parse(cur, strlen(cur), &t, &k), 0);
	assert_true(t == 1796299200123LL && k == 42);
	route_fails("GET", "/v1/deals?cursor=0000", 400, "'cursor'");
	route_fails("GET", "/v1/deals?from=1&to=1", 400,
	    "'from' must be before 'to'");
	route_fails("GET", "/v1/deals?from=1&from=2", 400, "duplicate");
	route_fails("GET", "/v1/deals?after=1", 400, "unknown");

	assert_int_equal(rpc_time_value("2026-12-03T12:00:00.1234Z", 25,
	    &ms), 0);
	assert_int_equal(ms, 1796299200123LL);
	assert_int_equal(rpc_time_value("2026-12-03T14:00:00+02:00", 25,
	    &ms), 0);
	assert_int_equal(ms, 1796299200000LL);
	assert_int_equal(rpc_time_value("2026-12-03t10:30:00-01:30", 25,
	    &ms), 0);
	assert_int_equal(ms, 1796299200000LL);
	assert_int_equal(rpc_time_value("1796299200", 10, &ms), 0);
	assert_int_equal(ms, 1796299200000LL);
	assert_int_equal(rpc_time_value("1796299200.05", 13, &ms), 0);
	assert_int_equal(ms, 1796299200050LL);
	assert_int_equal(rpc_time_value("2026-02-29T00:00:00Z", 20, &ms), -1);
	assert_int_equal(rpc_time_value("2028-02-29T00:00:00Z", 20, &ms), 0);
	assert_int_equal(rpc_time_value("2026-12-03T24:00:00Z", 20, &ms), -1);
	assert_int_equal(rpc_time_value("2026-12-03T12:00:00", 19, &ms), -1);
	assert_int_equal(rpc_time_value("2026-12-03 12:00:00Z", 20, &ms), -1);
	assert_int_equal(rpc_time_value("1796299200.", 11, &ms), -1);
	assert_int_equal(rpc_time_value("1796299200.1234", 15, &ms), -1);
	assert_int_equal(rpc_time_value("999999999999", 12, &ms), -1);
	/* Found by fuzz_http: 40 digits overflowed n before the count. */
	assert_int_equal(rpc_time_value(
	    "1796299277777777777777777777777777777771", 40, &ms), -1);
	assert_int_equal(rpc_time_value("1969-12-31T23:59:59Z", 20, &ms), -1);
}

/*
 * GET /v1/orders and GET /v1/orders?client_order_id= are two rows of one
 * route: the query picks the row; the id is percent-decoded and checked.
 */
static void
test_route_order_lookups(void **state)
{
	struct rpc_call		 c;

	route_ok("GET", "/v1/orders", OP_ORDERS, &c);
	route_ok("GET", "/v1/orders/18", OP_ORDER_GET, &c);
	assert_true(c.p.ticket == 18);
	route_ok("DELETE", "/v1/orders/18", OP_ORDER_CANCEL, &c);
	route_ok("GET", "/v1/orders?client_order_id=bot-1:42", OP_ORDER_FIND,
	    &c);
	assert_string_equal(c.p.client_order_id, "bot-1:42");
	assert_true(c.p.flags & RPC_HAS_COID);
	route_ok("GET", "/v1/orders?client_order_id=a%26b%3dc%25d%2B+",
	    OP_ORDER_FIND, &c);
	assert_string_equal(c.p.client_order_id, "a&b=c%d++");
	route_fails("GET", "/v1/orders?client_order_id=", 400,
	    "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id", 400, "needs a value");
	route_fails("GET", "/v1/orders?client_order_id=%2", 400,
	    "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id=%g0", 400,
	    "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id=%20x", 400,
	    "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id=%00x", 400,
	    "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id=auto-1", 400, "auto-");
	route_fails("GET", "/v1/orders?client_order_id="
	    "12345678901234567890123456789012345678901234567890123456789012345",
	    400, "client_order_id");
	route_fails("GET", "/v1/orders?client_order_id=a&client_order_id=b",
	    400, "duplicate");
	route_fails("GET", "/v1/orders?symbol=EURUSD", 400,
	    "unknown query parameter");
	route_fails("GET", "/v1/orders?client_order_idx=1", 400,
	    "unknown query parameter");
}

static void
test_route_refusals(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;
	char			 allow[64];

	route_fails("GET", "/", 404, "no such endpoint");
	route_fails("GET", "/nope", 404, "no such endpoint");
	route_fails("GET", "/v1/status/", 404, "no such endpoint");
	route_fails("GET", "//v1/status", 404, "no such endpoint");
	route_fails("GET", "/v1//status", 404, "no such endpoint");
	route_fails("GET", "/V1/status", 404, "no such endpoint");
	route_fails("GET", "/v1/positions/1", 404, "no such endpoint");
	route_fails("GET", "/a/b/c/d/e/f/g/h/i/j", 404, "no such endpoint");

	assert_int_equal(rpc_route("POST", "/v1/status", &c, &err), -1);
	assert_int_equal(err.status, 405);
	assert_string_equal(err.code, "method_not_allowed");
	assert_int_equal(err.allow, RPC_GET);
	assert_int_equal(rpc_route("POST", "/v1/orders/5", &c, &err), -1);
	assert_int_equal(err.status, 405);
	rpc_allow_string(err.allow, allow, sizeof(allow));
	assert_string_equal(allow, "GET, DELETE");
	assert_int_equal(rpc_route("PATCH", "/trade", &c, &err), -1);
	assert_int_equal(err.status, 405);
	assert_int_equal(rpc_route("HEAD", "/healthz", &c, &err), -1);
	assert_int_equal(err.status, 405);
	rpc_allow_string(RPC_GET | RPC_POST | RPC_DELETE, allow, sizeof(allow));
	assert_string_equal(allow, "GET, POST, DELETE");

	/* Path parameters. */
	route_fails("POST", "/v1/positions/0/close", 400, "ticket");
	route_fails("POST", "/v1/positions/012/close", 400, "ticket");
	route_fails("POST", "/v1/positions/-1/close", 400, "ticket");
	route_fails("POST", "/v1/positions/1e3/close", 400, "ticket");
	route_fails("POST", "/v1/positions/18446744073709551616/close", 400,
	    "ticket");
	route_fails("DELETE", "/v1/orders/abc", 400, "ticket");
	route_fails("GET", "/v1/symbols/eurusd", 400, "symbol");
	route_fails("GET", "/v1/symbols/EUR%55SD", 400, "symbol");
	route_fails("GET", "/v1/symbols/ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
	    400, "symbol");

	/* Query strings. */
	route_fails("GET", "/v1/status?x=1", 400, "unknown query parameter 'x'");
	route_fails("GET", "/v1/positions?sym=EURUSD", 400,
	    "unknown query parameter 'sym'");
	route_fails("GET", "/v1/positions?symbol=EURUSD&symbol=X", 400,
	    "duplicate");
	route_fails("GET", "/v1/positions?symbol", 400, "needs a value");
	route_fails("GET", "/v1/positions?symbol=", 400, "symbol");
	route_fails("GET", "/v1/positions?symbol=eur", 400, "symbol");
	route_fails("GET", "/v1/positions?symbol=EURUSD&", 400, "malformed");
	route_fails("GET", "/v1/positions?&symbol=EURUSD", 400, "malformed");
	route_fails("GET", "/v1/positions?=x", 400, "malformed");
	route_fails("GET", "/v1/audit?limit=0", 400, "limit");
	route_fails("GET", "/v1/audit?limit=1001", 400, "limit");
	route_fails("GET", "/v1/audit?limit=ten", 400, "limit");
	route_fails("GET", "/v1/audit?limit=99999999999999999999999", 400,
	    "limit");
	route_fails("GET", "/healthz?\x01", 400, "unknown query parameter '?'");
	route_fails("GET", "/v1/audit?type=order&type=order", 400,
	    "duplicate query parameter 'type'");
	route_fails("GET", "/v1/audit?type=Order", 400, "'type'");
	route_fails("GET", "/v1/audit?type=", 400, "'type'");
	route_fails("GET", "/v1/audit?key=a%20b", 400, "'key'");
	route_fails("GET", "/v1/audit?since=yesterday", 400, "'since'");
	route_fails("GET", "/v1/audit?since=2026-12-03T12:00:00", 400,
	    "'since'");
	route_ok("GET", "/v1/audit?since=2026-12-03T13:00:00+01:00", OP_AUDIT,
	    &c);
	assert_true(c.p.since == 1796299200);
	route_fails("GET", "/v1/audit?cursor=0", 400, "'cursor'");
	route_fails("GET", "/v1/audit?cursor=9223372036854775808", 400,
	    "'cursor'");
	route_fails("GET", "/v1/audit?symbol=EURUSD", 400,
	    "unknown query parameter 'symbol'");
	route_fails("GET", "/v1/positions?type=order", 400,
	    "unknown query parameter 'type'");
}

/* Route target for method, then the body; returns the error status. */
static int
body(const char *method, const char *target, const char *ctype,
    const char *json, struct rpc_call *c, struct rpc_error *err)
{
	if (rpc_route(method, target, c, err) == -1)
		fail_msg("%s %s: %s", method, target, err->message);
	if (rpc_body(c, ctype, json, json ? strlen(json) : 0, err) == -1)
		return err->status;
	return 0;
}

static void
trade_fails(const char *json, int status, const char *what)
{
	struct rpc_call		 c;
	struct rpc_error	 err;

	if (body("POST", "/trade", JSON, json, &c, &err) != status)
		fail_msg("%s: want %d, got %d %s", json, status,
		    body("POST", "/trade", JSON, json, &c, &err),
		    err.message);
	if (strstr(err.message, what) == NULL)
		fail_msg("%s: '%s' lacks '%s'", json, err.message, what);
	assert_string_equal(err.code, status == 415 ?
	    "unsupported_media_type" : "bad_request");
}

static void
test_trade(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;

	assert_int_equal(body("POST", "/trade", JSON,
	    "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":0.1}", &c,
	    &err), 0);
	assert_string_equal(c.p.symbol, "EURUSD");
	assert_int_equal(c.p.side, RPC_SIDE_BUY);
	assert_true(c.p.volume == 0.1);
	assert_int_equal(c.p.flags, 0);

	assert_int_equal(body("POST", "/trade",
	    "Application/JSON ; charset=UTF-8",
	    " {\"comment\":\"\",\"client_order_id\":\"abc-1~x\",\"tp\":0,"
	    "\"sl\":1.5,\"price\":2,\"volume\":3,\"side\":\"SELL\","
	    "\"symbol\":\"XAUUSD\"}\n", &c, &err), 0);
	assert_int_equal(c.p.side, RPC_SIDE_SELL);
	assert_true(c.p.price == 2 && c.p.sl == 1.5 && c.p.tp == 0 &&
	    c.p.volume == 3);
	assert_int_equal(c.p.flags, RPC_HAS_PRICE | RPC_HAS_SL | RPC_HAS_TP |
	    RPC_HAS_COID | RPC_HAS_COMMENT);
	assert_string_equal(c.p.client_order_id, "abc-1~x");
	assert_string_equal(c.p.comment, "");

	/* Presence and media type. */
	trade_fails(NULL, 400, "body required");
	assert_int_equal(body("POST", "/trade", "text/plain", "{}", &c, &err),
	    415);
	assert_int_equal(body("POST", "/trade", NULL, "{}", &c, &err), 415);
	assert_int_equal(body("POST", "/trade", "application/json; charset="
	    "latin1", "{}", &c, &err), 415);
	assert_int_equal(body("POST", "/trade", "application/jsonx", "{}", &c,
	    &err), 415);
	assert_int_equal(body("POST", "/trade", "application/json;", "{}", &c,
	    &err), 415);

	/* JSON syntax and structure. */
	trade_fails("{\"symbol\":\"A\",\"symbol\":\"B\"}", 400,
	    "duplicate field 'symbol'");
	trade_fails("{\"symbol\":\"EURUSD\"} x", 400, "invalid JSON");
	trade_fails("{\"volume\":NaN}", 400, "invalid JSON");
	trade_fails("{\"volume\":Infinity}", 400, "invalid JSON");
	trade_fails("{\"volume\":1e999}", 400, "invalid JSON");
	trade_fails("{\"comment\":\"\xff\"}", 400, "invalid JSON");
	trade_fails("{\"comment\":\"\\u0000\"}", 400, "invalid JSON");
	trade_fails("[1]", 400, "JSON object");
	trade_fails("{", 400, "invalid JSON");
	trade_fails("{\"a\":[[[[[[[[1]]]]]]]]}", 400, "deeper than 8");
	trade_fails("{\"a\":[[[[[[[1]]]]]]]}", 400, "unknown field 'a'");
	trade_fails("{\"a\":\"[[[[[[[[[[\"}", 400, "unknown field 'a'");

	/* Fields. */
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"extra\":1}", 400, "unknown field 'extra'");
	trade_fails("{\"side\":\"BUY\",\"volume\":1}", 400,
	    "field 'symbol' is required");
	trade_fails("{\"symbol\":\"EURUSD\",\"volume\":1}", 400,
	    "field 'side' is required");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\"}", 400,
	    "field 'volume' is required");
	trade_fails("{\"symbol\":1,\"side\":\"BUY\",\"volume\":1}", 400,
	    "field 'symbol' must be a string");
	trade_fails("{\"symbol\":\"eurusd\",\"side\":\"BUY\",\"volume\":1}",
	    400, "field 'symbol' must be 1 to 32");
	trade_fails("{\"symbol\":\"\",\"side\":\"BUY\",\"volume\":1}",
	    400, "field 'symbol' must be 1 to 32");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"bid\",\"volume\":1}",
	    400, "field 'side' must be \"BUY\" or \"SELL\" (any case)");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":true,\"volume\":1}",
	    400, "field 'side' must be a string");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":\"1\"}",
	    400, "field 'volume' must be a number");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":null}",
	    400, "field 'volume' must be a number");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":0}",
	    400, "field 'volume' must be greater than 0");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":-1}",
	    400, "field 'volume' must be greater than 0");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"price\":0}", 400, "field 'price' must be greater than 0");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"sl\":-0.5}", 400, "field 'sl' must be 0 or greater");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"tp\":[]}", 400, "field 'tp' must be a number");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"client_order_id\":\"\"}", 400, "field 'client_order_id' must "
	    "be 1 to 64");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"client_order_id\":\"a\\tb\"}", 400, "client_order_id");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"client_order_id\":\"a b\"}", 400, "field 'client_order_id' "
	    "must be 1 to 64 visible ASCII characters (no space)");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"client_order_id\":\"auto-1\"}", 400, "field 'client_order_id' "
	    "may not start with \"auto-\"");
	assert_int_equal(body("POST", "/trade", JSON, "{\"symbol\":\"EURUSD\","
	    "\"side\":\"BUY\",\"volume\":1,\"client_order_id\":\"Auto-1\"}",
	    &c, &err), 0);
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"client_order_id\":\"0123456789012345678901234567890123456789"
	    "01234567890123456789012345\"}", 400, "client_order_id");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"comment\":\"01234567890123456789012345678901\"}", 400,
	    "field 'comment' must be at most 31");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"comment\":\"caf\xc3\xa9\"}", 400, "field 'comment'");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"comment\":7}", 400, "field 'comment' must be a string");
}

static void
test_trade_filling(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;
	static const struct {
		const char	*name;
		uint8_t		 value;
	} ok[] = {
		{ "FOK", RPC_FILLING_FOK },
		{ "IOC", RPC_FILLING_IOC },
		{ "RETURN", RPC_FILLING_RETURN },
	};
	static const char *bad[] = {
		"\"fok\"", "\"Fok\"", "\"\"", "\"FOK \"", "\"BOC\"",
		"\"RETURNS\"", "\"IOC\\u0000\""
	};
	char			 json[256];
	size_t			 i;

	/* Absent: 0, the broker picks the symbol's filling. */
	assert_int_equal(body("POST", "/trade", JSON, "{\"symbol\":\"EURUSD\","
	    "\"side\":\"BUY\",\"volume\":1}", &c, &err), 0);
	assert_int_equal(c.p.filling, RPC_FILLING_NONE);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(json, sizeof(json), "{\"symbol\":\"EURUSD\",\"side\":"
		    "\"SELL\",\"volume\":1,\"filling\":\"%s\"}", ok[i].name);
		assert_int_equal(body("POST", "/trade", JSON, json, &c, &err),
		    0);
		assert_int_equal(c.p.filling, ok[i].value);
		/* It sets no flag: 0 is its absence. */
		assert_int_equal(c.p.flags, 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{\"symbol\":\"EURUSD\",\"side\":"
		    "\"BUY\",\"volume\":1,\"filling\":%s}", bad[i]);
		trade_fails(json, 400, strstr(bad[i], "u0000") ?
		    "invalid JSON" : "field 'filling' must be \"FOK\", "
		    "\"IOC\" or \"RETURN\"");
	}
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"filling\":1}", 400, "field 'filling' must be a string");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"filling\":null}", 400, "field 'filling' must be a string");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"filling\":[\"FOK\"]}", 400, "field 'filling' must be a string");
	trade_fails("{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"
	    "\"filling\":\"FOK\",\"filling\":\"IOC\"}", 400,
	    "duplicate field 'filling'");
	/* Only POST /trade has it. */
	assert_int_equal(body("POST", "/v1/positions/9/close", JSON,
	    "{\"filling\":\"FOK\"}", &c, &err), 400);
	assert_non_null(strstr(err.message, "unknown field 'filling'"));
}

static void
test_other_bodies(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;

	/* close: optional body, optional volume. */
	assert_int_equal(body("POST", "/v1/positions/9/close", NULL, NULL,
	    &c, &err), 0);
	assert_int_equal(c.p.flags, 0);
	assert_int_equal(body("POST", "/v1/positions/9/close", JSON, "{}",
	    &c, &err), 0);
	assert_int_equal(body("POST", "/v1/positions/9/close", JSON,
	    "{\"volume\":0.5}", &c, &err), 0);
	assert_int_equal(c.p.flags, RPC_HAS_VOLUME);
	assert_true(c.p.volume == 0.5);
	assert_int_equal(body("POST", "/v1/positions/9/close", JSON,
	    "{\"volume\":0}", &c, &err), 400);
	assert_int_equal(body("POST", "/v1/positions/9/close", JSON,
	    "{\"sl\":1}", &c, &err), 400);
	assert_non_null(strstr(err.message, "unknown field 'sl'"));

	/* modify: body and one of sl, tp required. */
	assert_int_equal(body("POST", "/v1/positions/9/modify", JSON, NULL,
	    &c, &err), 400);
	assert_non_null(strstr(err.message, "body required"));
	assert_int_equal(body("POST", "/v1/positions/9/modify", JSON, "{}",
	    &c, &err), 400);
	assert_non_null(strstr(err.message, "at least one"));
	assert_int_equal(body("POST", "/v1/positions/9/modify", JSON,
	    "{\"tp\":1.25}", &c, &err), 0);
	assert_int_equal(c.p.flags, RPC_HAS_TP);
	assert_int_equal(body("POST", "/v1/positions/9/modify", JSON,
	    "{\"sl\":1,\"volume\":1}", &c, &err), 400);
	assert_non_null(strstr(err.message, "unknown field 'volume'"));

	/* Endpoints without a body refuse one. */
	assert_int_equal(body("GET", "/v1/status", JSON, "{}", &c, &err), 400);
	assert_non_null(strstr(err.message, "takes no body"));
	assert_int_equal(body("GET", "/v1/status", NULL, NULL, &c, &err), 0);
}

static void
test_auth(void **state)
{
	struct rpc_error	 err;
	const char		*key;
	size_t			 len;
	char			 longkey[200];

	assert_int_equal(rpc_auth(NULL, NULL, &key, &len, &err), 0);
	assert_null(key);
	assert_int_equal(rpc_auth("Bearer hk_abc-_DEF", NULL, &key, &len,
	    &err), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(key, "hk_abc-_DEF", len);
	assert_int_equal(rpc_auth("bearer  k==", NULL, &key, &len, &err), 0);
	assert_int_equal(len, 3);
	assert_int_equal(rpc_auth(NULL, "hk_x", &key, &len, &err), 0);
	assert_memory_equal(key, "hk_x", 4);
	assert_int_equal(rpc_auth("Bearer hk_x", "hk_x", &key, &len, &err), 0);
	assert_int_equal(rpc_auth("Bearer hk_x", "hk_y", &key, &len, &err),
	    -1);
	assert_int_equal(err.status, 400);
	assert_int_equal(rpc_auth("Bearer hk_x", "hk_xy", &key, &len, &err),
	    -1);
	assert_int_equal(err.status, 400);

	assert_int_equal(rpc_auth("Basic Zm9v", NULL, &key, &len, &err), -1);
	assert_int_equal(err.status, 401);
	assert_string_equal(err.code, "unauthorized");
	assert_int_equal(rpc_auth("Bearer", NULL, &key, &len, &err), -1);
	assert_int_equal(rpc_auth("Bearer ", NULL, &key, &len, &err), -1);
	assert_int_equal(rpc_auth("Bearer a b", NULL, &key, &len, &err), -1);
	assert_int_equal(rpc_auth("Bearer =a", NULL, &key, &len, &err), -1);
	assert_int_equal(rpc_auth("Bearer a=b", NULL, &key, &len, &err), -1);
	assert_int_equal(rpc_auth(NULL, "a b", &key, &len, &err), -1);
	assert_int_equal(err.status, 401);
	assert_non_null(strstr(err.message, "X-Api-Key"));
	assert_int_equal(rpc_auth(NULL, "", &key, &len, &err), -1);
	memset(longkey, 'a', sizeof(longkey));
	longkey[RPC_KEY_MAX] = '\0';
	assert_int_equal(rpc_auth(NULL, longkey, &key, &len, &err), 0);
	longkey[RPC_KEY_MAX] = 'a';
	longkey[RPC_KEY_MAX + 1] = '\0';
	assert_int_equal(rpc_auth(NULL, longkey, &key, &len, &err), -1);
}

static void
roundtrip(const struct rpc_params *p)
{
	struct rpc_params	 q;
	uint8_t			 buf[API_PARAMS_MAX];
	const char		*why = NULL;
	size_t			 n;

	n = rpc_params_encode(p, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	if (rpc_params_decode(p->op, buf, n, &q, &why) == -1)
		fail_msg("op %u: %s", p->op, why);
	assert_int_equal(q.op, p->op);
	assert_int_equal(q.flags, p->flags);
	assert_int_equal(q.side, p->side);
	assert_int_equal(q.filling, p->filling);
	assert_true(q.ticket == p->ticket);
	assert_memory_equal(&q.volume, &p->volume, sizeof(double));
	assert_memory_equal(&q.price, &p->price, sizeof(double));
	assert_memory_equal(&q.sl, &p->sl, sizeof(double));
	assert_memory_equal(&q.tp, &p->tp, sizeof(double));
	assert_int_equal(q.limit, p->limit);
	assert_true(q.after == p->after && q.from == p->from &&
	    q.to == p->to && q.cursor_time == p->cursor_time &&
	    q.cursor_ticket == p->cursor_ticket);
	assert_true(q.since == p->since && q.audit_cursor == p->audit_cursor);
	assert_string_equal(q.audit_type, p->audit_type);
	assert_string_equal(q.audit_key, p->audit_key);
	assert_string_equal(q.symbol, p->symbol);
	assert_string_equal(q.client_order_id, p->client_order_id);
	assert_string_equal(q.comment, p->comment);
	/* One byte more or less does not decode. */
	assert_int_equal(rpc_params_decode(p->op, buf, n + 1, &q, &why), -1);
	if (n > 0)
		assert_int_equal(rpc_params_decode(p->op, buf, n - 1, &q,
		    &why), -1);
}

static void
test_params(void **state)
{
	struct rpc_call		 c;
	struct rpc_error	 err;
	struct rpc_params	 p, q;
	uint8_t			 buf[API_PARAMS_MAX];
	const char		*why;
	size_t			 n;
	uint8_t			 op;

	assert_int_equal(body("POST", "/trade", JSON, "{\"symbol\":\"EURUSD\","
	    "\"side\":\"SELL\",\"volume\":1.5,\"price\":1.1,\"tp\":1.2,"
	    "\"client_order_id\":\"c1\",\"comment\":\"hi\"}", &c, &err), 0);
	roundtrip(&c.p);
	assert_int_equal(body("POST", "/trade", JSON, "{\"symbol\":\"EURUSD\","
	    "\"side\":\"BUY\",\"volume\":2}", &c, &err), 0);
	roundtrip(&c.p);
	assert_int_equal(body("POST", "/trade", JSON, "{\"symbol\":\"EURUSD\","
	    "\"side\":\"BUY\",\"volume\":2,\"filling\":\"RETURN\"}", &c,
	    &err), 0);
	roundtrip(&c.p);
	route_ok("GET", "/v1/positions?symbol=GBPUSD", OP_POSITIONS, &c);
	roundtrip(&c.p);
	route_ok("GET", "/v1/positions", OP_POSITIONS, &c);
	roundtrip(&c.p);
	assert_int_equal(body("POST", "/v1/positions/42/close", JSON,
	    "{\"volume\":0.01}", &c, &err), 0);
	roundtrip(&c.p);
	assert_int_equal(body("POST", "/v1/positions/42/modify", JSON,
	    "{\"sl\":0,\"tp\":3}", &c, &err), 0);
	roundtrip(&c.p);
	route_ok("DELETE", "/v1/orders/42", OP_ORDER_CANCEL, &c);
	roundtrip(&c.p);
	route_ok("GET", "/v1/symbols/EURUSD", OP_SYMBOL, &c);
	roundtrip(&c.p);
	route_ok("GET", "/v1/audit?limit=5", OP_AUDIT, &c);
	roundtrip(&c.p);
	route_ok("GET", "/v1/audit?type=order&key=k&since=5&cursor=9",
	    OP_AUDIT, &c);
	roundtrip(&c.p);
	for (op = OP_STATUS; op < OP_MAX; op++) {
		if (op != OP_STATUS && op != OP_ACCOUNT && op != OP_ORDERS)
			continue;
		memset(&p, 0, sizeof(p));
		p.op = op;
		assert_int_equal(rpc_params_encode(&p, buf, sizeof(buf)), 0);
		roundtrip(&p);
	}

	/* The decoder re-checks what net checked. */
	memset(&p, 0, sizeof(p));
	p.op = OP_TRADE;
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	p.side = RPC_SIDE_BUY;
	p.volume = 1;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), 0);
	p.flags = RPC_HAS_LIMIT;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	p.flags = 0;
	p.price = 1;		/* a value without its flag */
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	p.price = 0;
	p.volume = NAN;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	p.volume = 1;
	p.side = 3;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	p.side = RPC_SIDE_SELL;
	/* The filling comes last but the order block (23 bytes); 1..3, 0. */
	p.filling = RPC_FILLING_RETURN;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(buf[n - 24], RPC_FILLING_RETURN);
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), 0);
	assert_int_equal(q.filling, RPC_FILLING_RETURN);
	p.filling = RPC_FILLING_RETURN + 1;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	assert_string_equal(why, "bad filling");
	p.filling = 0xff;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	p.filling = RPC_FILLING_NONE;
	/* A client_order_id is re-checked too. */
	p.flags = RPC_HAS_COID;
	strlcpy(p.client_order_id, "a b", sizeof(p.client_order_id));
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	assert_string_equal(why, "bad client_order_id");
	strlcpy(p.client_order_id, "auto-00", sizeof(p.client_order_id));
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	strlcpy(p.client_order_id, "ok-00", sizeof(p.client_order_id));
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), 0);
	p.flags = 0;
	p.client_order_id[0] = '\0';
	/* The layout before the filling byte no longer decodes. */
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n - 1, &q, &why),
	    -1);
	strlcpy(p.symbol, "eur", sizeof(p.symbol));
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), -1);
	assert_int_equal(rpc_params_decode(OP_NONE, buf, 0, &q, &why), -1);
	assert_int_equal(rpc_params_decode(OP_MAX, buf, 0, &q, &why), -1);

	memset(&p, 0, sizeof(p));
	p.op = OP_ORDER_CANCEL;		/* ticket 0 */
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_ORDER_CANCEL, buf, n, &q, &why),
	    -1);
	p.op = OP_AUDIT;
	p.flags = RPC_HAS_LIMIT;
	p.limit = RPC_AUDIT_LIMIT_MAX + 1;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_AUDIT, buf, n, &q, &why), -1);
	p.op = OP_POSITION_MODIFY;
	p.ticket = 1;
	p.flags = 0;
	p.limit = 0;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_POSITION_MODIFY, buf, n, &q,
	    &why), -1);

	/* A builder too small. */
	memset(&p, 0, sizeof(p));
	p.op = OP_SYMBOL;
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	assert_true(rpc_params_encode(&p, buf, 4) == (size_t)-1);
}

static void
test_window(void **state)
{
	struct rpc_window	 w;
	uint64_t		 t = 1000000;
	uint32_t		 i, r;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < 10; i++)
		assert_int_equal(rpc_window_hit(&w, t + i, 60, 10), 0);
	/* Full: the whole window must slide before cur can weigh less. */
	r = rpc_window_hit(&w, t + 10, 60, 10);
	assert_true(r > 60 && r <= 120);
	/* Refused requests are not counted. */
	assert_int_equal(w.cur, 10);
	/* Just into the next window, prev weighs almost fully: refused. */
	assert_true(rpc_window_hit(&w, t + 60000, 60, 10) > 0);
	/* Half way through it, prev counts for 5: five more fit. */
	for (i = 0; i < 5; i++)
		assert_int_equal(rpc_window_hit(&w, t + 90000, 60, 10), 0);
	r = rpc_window_hit(&w, t + 90000, 60, 10);
	assert_true(r >= 1 && r <= 60);
	/* Two windows later nothing is left. */
	assert_false(rpc_window_idle(&w, t + 121000, 60));
	assert_true(rpc_window_idle(&w, t + 240000, 60));
	assert_int_equal(rpc_window_hit(&w, t + 240000, 60, 10), 0);
	assert_int_equal(w.prev, 0);
	assert_int_equal(w.cur, 1);
	/* The retry time is honest: waiting that long is enough. */
	memset(&w, 0, sizeof(w));
	for (i = 0; i < 3; i++)
		assert_int_equal(rpc_window_hit(&w, t, 10, 3), 0);
	r = rpc_window_hit(&w, t, 10, 3);
	assert_true(r > 0);
	assert_true(rpc_window_hit(&w, t + (uint64_t)r * 1000 - 1500, 10, 3)
	    > 0);
	assert_int_equal(rpc_window_hit(&w, t + (uint64_t)r * 1000, 10, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_events_and_deals),
		cmocka_unit_test(test_route_refusals),
		cmocka_unit_test(test_route_order_lookups),
		cmocka_unit_test(test_trade),
		cmocka_unit_test(test_trade_filling),
		cmocka_unit_test(test_other_bodies),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
