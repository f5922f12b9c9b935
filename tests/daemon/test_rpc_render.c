/*
 * The RPC surface's rendering: the monitor's typed answers (status,
 * trade results, account, positions, orders, symbols) as JSON, and the
 * refusals of results that do not decode.
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

#include "rpc.h"
#include "rpc_audit.h"
#include "trade.h"
#include "wire.h"

static void
test_render(void **state)
{
	struct msg_api_res	*res;
	struct rpc_status	 s = { "0.1.0", "connected", 1, "bot-1", "trader" };
	struct rpc_status	 t;
	struct rpc_error	 err;
	const char		*why;
	char			*j;

	j = rpc_render_error("bad_request", "field 'x' is \"odd\"\n\x01");
	assert_string_equal(j, "{\"error\":\"field 'x' is \\\"odd\\\"??\","
	    "\"code\":\"bad_request\"}");
	free(j);
	j = rpc_render_health();
	assert_string_equal(j, "{\"status\":\"ok\"}");
	free(j);

	if ((res = calloc(1, sizeof(*res))) == NULL)
		fail();
	res->status = 200;
	res->result_len = rpc_status_encode(&s, res->result,
	    sizeof(res->result));
	assert_true(res->result_len > 0);
	assert_int_equal(rpc_status_decode(res->result, res->result_len, &t,
	    &why), 0);
	assert_string_equal(t.key_name, "bot-1");
	j = rpc_render_result(OP_STATUS, res, &err);
	assert_non_null(j);
	assert_string_equal(j, "{\"version\":\"0.1.0\",\"broker\":\"connected\","
	    "\"lockdown\":true,\"key\":{\"name\":\"bot-1\",\"role\":\"trader\"}}");
	free(j);

	/* A result that does not decode, or an op without a renderer. */
	res->result_len--;
	assert_null(rpc_render_result(OP_STATUS, res, &err));
	assert_int_equal(err.status, 500);
	res->result_len++;
	res->result[2 + 5 + 2 + 9] = 2;		/* the lockdown flag */
	assert_int_equal(rpc_status_decode(res->result, res->result_len, &t,
	    &why), -1);
	assert_null(rpc_render_result(OP_TRADE, res, &err));
	assert_int_equal(err.status, 500);
	free(res);

	assert_string_equal(rpc_reason(404), "Not Found");
	assert_string_equal(rpc_reason(429), "Too Many Requests");
	assert_string_equal(rpc_reason(431), "Request Header Fields Too Large");
	assert_string_equal(rpc_reason(499), "Client Error");
	assert_string_equal(rpc_reason(599), "Server Error");
	assert_int_equal(rpc_method("DELETE"), RPC_DELETE);
	assert_int_equal(rpc_method("delete"), 0);
}

/* Render len bytes of result for op; the JSON text, or NULL with *err. */
static char *
render(uint8_t op, const uint8_t *result, size_t len, struct rpc_error *err)
{
	struct msg_api_res	*res;
	char			*j;

	if ((res = calloc(1, sizeof(*res))) == NULL)
		fail();
	res->status = 200;
	assert_true(len <= sizeof(res->result));
	memcpy(res->result, result, len);
	res->result_len = (uint32_t)len;
	j = rpc_render_result(op, res, err);
	free(res);
	return j;
}

static void
render_is(uint8_t op, const uint8_t *result, size_t len, const char *want)
{
	struct rpc_error	 err;
	json_error_t		 je;
	json_t			*v;
	char			*j;

	if ((j = render(op, result, len, &err)) == NULL)
		fail_msg("op %u: %s", op, err.message);
	if (strcmp(j, want) != 0) {
		fprintf(stderr, " got %s\nwant %s\n", j, want);
		fail_msg("op %u: not the JSON expected", op);
	}
	if ((v = json_loads(j, 0, &je)) == NULL)
		fail_msg("op %u: not JSON: %s", op, je.text);
	json_decref(v);
	free(j);
}

static void
render_fails(uint8_t op, const uint8_t *result, size_t len, const char *what)
{
	struct rpc_error	 err;

	assert_null(render(op, result, len, &err));
	assert_int_equal(err.status, 500);
	assert_string_equal(err.code, "internal_error");
	if (strstr(err.message, what) == NULL)
		fail_msg("'%s' lacks '%s'", err.message, what);
}

static void
test_render_trade(void **state)
{
	struct trade_result	 r;
	uint8_t			 buf[1024];
	size_t			 n;
	uint8_t			 op;

	memset(&r, 0, sizeof(r));
	r.retcode = 10009;
	r.order = 17;
	r.deal = 23;
	r.position = 17;
	r.volume = 0.1;
	r.price = 1.10512;
	r.bid = 1.105;
	r.ask = 1.10512;
	strlcpy(r.comment, "Request executed", sizeof(r.comment));
	strlcpy(r.message, "Request completed", sizeof(r.message));
	strlcpy(r.client_order_id, "bot-1 \"x\"", sizeof(r.client_order_id));
	n = trade_result_encode(&r, buf, sizeof(buf));
	for (op = OP_TRADE; op <= OP_ORDER_CANCEL; op++) {
		if (op != OP_TRADE && op != OP_POSITION_CLOSE &&
		    op != OP_POSITION_MODIFY && op != OP_ORDER_CANCEL)
			continue;
		render_is(op, buf, n, "{\"status\":\"filled\",\"order_id\":17,"
		    "\"position\":17,\"deal\":23,\"fill_price\":1.10512,"
		    "\"filled_volume\":0.1,\"retcode\":10009,"
		    "\"message\":\"Request completed\","
		    "\"comment\":\"Request executed\","
		    "\"client_order_id\":\"bot-1 \\\"x\\\"\","
		    "\"duplicate\":false,\"bid\":1.105,\"ask\":1.10512}");
	}

	/* A placed order, replayed; whole numbers stay reals. */
	r.retcode = 10008;
	r.deal = 0;
	r.position = 0;
	r.volume = 2;
	r.price = 2300;
	r.duplicate = 1;
	r.comment[0] = '\0';
	r.client_order_id[0] = '\0';
	n = trade_result_encode(&r, buf, sizeof(buf));
	render_is(OP_TRADE, buf, n, "{\"status\":\"placed\",\"order_id\":17,"
	    "\"position\":0,\"deal\":0,\"fill_price\":2300.0,"
	    "\"filled_volume\":2.0,\"retcode\":10008,"
	    "\"message\":\"Request completed\",\"comment\":\"\","
	    "\"client_order_id\":\"\",\"duplicate\":true,\"bid\":1.105,"
	    "\"ask\":1.10512}");

	/* Rejected, no message from the broker: the retcode's text. */
	memset(&r, 0, sizeof(r));
	r.retcode = 10036;
	n = trade_result_encode(&r, buf, sizeof(buf));
	render_is(OP_POSITION_CLOSE, buf, n, "{\"status\":\"rejected\","
	    "\"order_id\":0,\"position\":0,\"deal\":0,\"fill_price\":0.0,"
	    "\"filled_volume\":0.0,\"retcode\":10036,\"message\":"
	    "\"Position with the specified POSITION_IDENTIFIER has already "
	    "been closed\",\"comment\":\"\",\"client_order_id\":\"\","
	    "\"duplicate\":false,\"bid\":0.0,\"ask\":0.0}");
	r.retcode = 10010;
	r.order = (uint64_t)INT64_MAX;
	r.deal = (uint64_t)INT64_MAX + 1;	/* beyond jansson's integers */
	n = trade_result_encode(&r, buf, sizeof(buf));
	render_is(OP_TRADE, buf, n, "{\"status\":\"partial\","
	    "\"order_id\":9223372036854775807,\"position\":0,"
	    "\"deal\":9.22337203685478e18,\"fill_price\":0.0,"
	    "\"filled_volume\":0.0,\"retcode\":10010,\"message\":"
	    "\"Only part of the request was completed\",\"comment\":\"\","
	    "\"client_order_id\":\"\",\"duplicate\":false,\"bid\":0.0,"
	    "\"ask\":0.0}");

	/* What does not decode is a 500 naming the field. */
	render_fails(OP_TRADE, buf, n - 1, "result.duplicate: truncated");
	render_fails(OP_ORDER_CANCEL, buf, 0, "result.retcode: truncated");
	r.price = NAN;
	n = trade_result_encode(&r, buf, sizeof(buf));
	render_fails(OP_POSITION_MODIFY, buf, n, "result.price");
}

static void
test_render_account(void **state)
{
	struct trade_account	 a;
	uint8_t			 buf[1024];
	size_t			 n;

	memset(&a, 0, sizeof(a));
	strlcpy(a.login, "****5678", sizeof(a.login));
	strlcpy(a.currency, "USD", sizeof(a.currency));
	a.margin_mode = TRADE_HEDGING;
	a.leverage = 100;
	a.balance = 10000;
	a.profit = -12.5;
	a.equity = 9987.5;
	a.margin = 110.51;
	a.margin_free = 9876.99;
	a.margin_level = 9037.373993;
	n = trade_account_encode(&a, buf, sizeof(buf));
	render_is(OP_ACCOUNT, buf, n, "{\"login\":\"****5678\",\"currency\":"
	    "\"USD\",\"margin_mode\":\"hedging\",\"leverage\":100,"
	    "\"balance\":10000.0,\"credit\":0.0,\"profit\":-12.5,"
	    "\"equity\":9987.5,\"margin\":110.51,\"free_margin\":9876.99,"
	    "\"margin_level\":9037.373993}");
	a.margin_mode = TRADE_NETTING;
	a.balance = 0.1 + 0.2;		/* 0.30000000000000004 */
	n = trade_account_encode(&a, buf, sizeof(buf));
	render_is(OP_ACCOUNT, buf, n, "{\"login\":\"****5678\",\"currency\":"
	    "\"USD\",\"margin_mode\":\"netting\",\"leverage\":100,"
	    "\"balance\":0.3,\"credit\":0.0,\"profit\":-12.5,"
	    "\"equity\":9987.5,\"margin\":110.51,\"free_margin\":9876.99,"
	    "\"margin_level\":9037.373993}");
	buf[n - 1] ^= 0x80;		/* margin_level's sign: negative */
	render_fails(OP_ACCOUNT, buf, n, "account.margin_level: negative");
}

static void
test_render_lists(void **state)
{
	struct trade_positions	*pl;
	struct trade_orders	*ol;
	struct trade_position	*p;
	struct trade_order	*o;
	struct rpc_error	 err;
	uint8_t			*buf;
	size_t			 n;
	uint32_t		 i;
	json_t			*v;
	char			*j;

	pl = calloc(1, sizeof(*pl));
	ol = calloc(1, sizeof(*ol));
	buf = malloc(API_RESULT_MAX);
	if (pl == NULL || ol == NULL || buf == NULL)
		fail();

	n = trade_positions_encode(pl, buf, API_RESULT_MAX);
	render_is(OP_POSITIONS, buf, n,
	    "{\"positions\":[],\"truncated\":false}");
	p = &pl->pos[0];
	p->ticket = 5;
	strlcpy(p->symbol, "EURUSD", sizeof(p->symbol));
	p->type = TRADE_SELL;
	p->volume = 0.25;
	p->price_open = 1.1;
	p->price_current = 1.10012;
	p->tp = 1.05;
	p->profit = -3;
	p->margin = 275;
	p->time = 1767225600123LL;	/* 2026-01-01 00:00:00.123 */
	p->magic = 777;
	strlcpy(p->comment, "leg 1", sizeof(p->comment));
	pl->n = 1;
	n = trade_positions_encode(pl, buf, API_RESULT_MAX);
	render_is(OP_POSITIONS, buf, n, "{\"positions\":[{\"ticket\":5,"
	    "\"symbol\":\"EURUSD\",\"type\":\"SELL\",\"volume\":0.25,"
	    "\"price_open\":1.1,\"price_current\":1.10012,\"sl\":0.0,"
	    "\"tp\":1.05,\"profit\":-3.0,\"margin\":275.0,"
	    "\"time\":\"2026-01-01T00:00:00.123Z\",\"magic\":777,"
	    "\"comment\":\"leg 1\"}],\"truncated\":false}");

	/* The most there may be, marked truncated, fits the answer. */
	for (i = 0; i < TRADE_LIST_MAX; i++) {
		pl->pos[i] = pl->pos[0];
		pl->pos[i].ticket = 1000 + i;
		pl->pos[i].type = TRADE_BUY;
		memset(pl->pos[i].comment, 'c', TRADE_COMMENT_MAX - 1);
		pl->pos[i].comment[TRADE_COMMENT_MAX - 1] = '\0';
	}
	pl->n = TRADE_LIST_MAX;
	pl->truncated = 1;
	pl->pos[3].time = 0;	/* unknown */
	n = trade_positions_encode(pl, buf, API_RESULT_MAX);
	assert_true(n != (size_t)-1);
	if ((j = render(OP_POSITIONS, buf, n, &err)) == NULL)
		fail_msg("%s", err.message);
	if ((v = json_loads(j, 0, NULL)) == NULL)
		fail();
	assert_int_equal(json_array_size(json_object_get(v, "positions")),
	    TRADE_LIST_MAX);
	assert_true(json_is_true(json_object_get(v, "truncated")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(v, "positions"), 127), "ticket")), 1127);
	assert_true(json_is_null(json_object_get(json_array_get(
	    json_object_get(v, "positions"), 3), "time")));
	json_decref(v);
	free(j);
	render_fails(OP_POSITIONS, buf, n - 1, "position.comment: truncated");

	n = trade_orders_encode(ol, buf, API_RESULT_MAX);
	render_is(OP_ORDERS, buf, n, "{\"orders\":[],\"truncated\":false}");
	for (i = 0; i < 4; i++) {
		o = &ol->ord[i];
		o->ticket = 40 + i;
		strlcpy(o->symbol, "XAUUSD", sizeof(o->symbol));
		o->type = (uint8_t)(TRADE_BUY_LIMIT + i);
		o->volume = 1;
		o->price = 2300.5;
		o->price_current = 2310.25;
		o->sl = 2290;
		o->time_setup = 86400000LL * 365 + 1;
	}
	ol->ord[4] = ol->ord[0];
	ol->ord[4].ticket = 44;
	ol->ord[4].type = TRADE_SELL_STOP_LIMIT;
	ol->ord[4].stop_limit = 2301.5;
	ol->ord[4].type_time = 2;
	ol->ord[4].expiration = 1798750800000LL;
	ol->n = 5;
	n = trade_orders_encode(ol, buf, API_RESULT_MAX);
	if ((j = render(OP_ORDERS, buf, n, &err)) == NULL)
		fail_msg("%s", err.message);
	assert_non_null(strstr(j, "{\"orders\":[{\"ticket\":40,"
	    "\"symbol\":\"XAUUSD\",\"type\":\"BUY_LIMIT\",\"volume\":1.0,"
	    "\"price\":2300.5,\"price_current\":2310.25,\"sl\":2290.0,"
	    "\"tp\":0.0,\"time_setup\":\"1971-01-01T00:00:00.001Z\","
	    "\"magic\":0,\"comment\":\"\",\"stop_limit\":0.0,"
	    "\"expiration\":\"gtc\",\"expires_at\":null},"));
	assert_non_null(strstr(j, "{\"ticket\":44,\"symbol\":\"XAUUSD\","
	    "\"type\":\"SELL_STOP_LIMIT\""));
	assert_non_null(strstr(j, "\"stop_limit\":2301.5,"
	    "\"expiration\":\"specified\","
	    "\"expires_at\":\"2026-12-31T21:00:00.000Z\"}"));
	assert_non_null(strstr(j, "\"type\":\"SELL_LIMIT\""));
	assert_non_null(strstr(j, "\"type\":\"BUY_STOP\""));
	assert_non_null(strstr(j, "\"type\":\"SELL_STOP\""));
	assert_non_null(strstr(j, "],\"truncated\":false}"));
	free(j);
	ol->ord[2].type = TRADE_SELL;
	n = trade_orders_encode(ol, buf, API_RESULT_MAX);
	render_fails(OP_ORDERS, buf, n, "order.type: out of range");
	/* A list is not another list. */
	render_fails(OP_POSITIONS, buf, n, "positions");

	free(pl);
	free(ol);
	free(buf);
}

static void
test_render_symbol(void **state)
{
	struct trade_symbol	 s;
	uint8_t			 buf[1024];
	size_t			 n;

	memset(&s, 0, sizeof(s));
	strlcpy(s.name, "EURUSD", sizeof(s.name));
	strlcpy(s.currency_base, "EUR", sizeof(s.currency_base));
	strlcpy(s.currency_profit, "USD", sizeof(s.currency_profit));
	s.digits = 5;
	s.point = 0.00001;
	s.contract_size = 100000;
	s.volume_min = 0.01;
	s.volume_max = 100;
	s.volume_step = 0.01;
	s.stops_level = 10;
	s.filling = TRADE_FILL_FOK | TRADE_FILL_RETURN;
	s.trade_mode = TRADE_MODE_FULL;
	s.tick_value = 1;
	s.bid = 1.105;
	s.ask = 1.10512;
	s.time = 1767225600000LL;
	s.session_open = 1;
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	render_is(OP_SYMBOL, buf, n, "{\"name\":\"EURUSD\",\"currency_base\":"
	    "\"EUR\",\"currency_profit\":\"USD\",\"digits\":5,"
	    "\"point\":1e-5,\"contract_size\":100000.0,\"volume_min\":0.01,"
	    "\"volume_max\":100.0,\"volume_step\":0.01,\"stops_level\":10,"
	    "\"filling\":[\"FOK\",\"RETURN\"],\"trade_mode\":\"FULL\","
	    "\"tick_value\":1.0,\"bid\":1.105,\"ask\":1.10512,"
	    "\"time\":\"2026-01-01T00:00:00.000Z\",\"session_open\":true}");
	s.filling = TRADE_FILL_ALL;
	s.trade_mode = TRADE_MODE_CLOSEONLY;
	s.time = 0;
	s.session_open = 0;
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	render_is(OP_SYMBOL, buf, n, "{\"name\":\"EURUSD\",\"currency_base\":"
	    "\"EUR\",\"currency_profit\":\"USD\",\"digits\":5,"
	    "\"point\":1e-5,\"contract_size\":100000.0,\"volume_min\":0.01,"
	    "\"volume_max\":100.0,\"volume_step\":0.01,\"stops_level\":10,"
	    "\"filling\":[\"FOK\",\"IOC\",\"RETURN\"],"
	    "\"trade_mode\":\"CLOSEONLY\",\"tick_value\":1.0,\"bid\":1.105,"
	    "\"ask\":1.10512,\"time\":null,\"session_open\":false}");
	s.filling = 0;
	s.trade_mode = TRADE_MODE_DISABLED;
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	render_is(OP_SYMBOL, buf, n, "{\"name\":\"EURUSD\",\"currency_base\":"
	    "\"EUR\",\"currency_profit\":\"USD\",\"digits\":5,"
	    "\"point\":1e-5,\"contract_size\":100000.0,\"volume_min\":0.01,"
	    "\"volume_max\":100.0,\"volume_step\":0.01,\"stops_level\":10,"
	    "\"filling\":[],\"trade_mode\":\"DISABLED\",\"tick_value\":1.0,"
	    "\"bid\":1.105,\"ask\":1.10512,\"time\":null,"
	    "\"session_open\":false}");
	s.trade_mode = TRADE_MODE_FULL + 1;
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	render_fails(OP_SYMBOL, buf, n, "symbol.trade_mode: out of range");
	render_is(OP_READY, buf, 0, "{\"status\":\"ready\"}");
	/* Ops without a renderer. */
	render_fails(OP_NONE, buf, n, "no renderer");
}

static void
test_render_audit(void **state)
{
	struct rpc_audit_page	 pg;
	struct rpc_audit_row	 r;
	uint8_t			 buf[4096];
	size_t			 n;

	memset(&r, 0, sizeof(r));
	r.id = 3;
	r.time = 1796299200;
	strlcpy(r.type, "order", sizeof(r.type));
	strlcpy(r.actor, "key bot", sizeof(r.actor));
	strlcpy(r.key, "bot", sizeof(r.key));
	strlcpy(r.source, "127.0.0.1", sizeof(r.source));
	strlcpy(r.detail, "{\"retcode\":10009}", sizeof(r.detail));
	memset(r.mac, 'a', RPC_AUDIT_MAC_HEX);
	rpc_audit_begin(&pg, buf, sizeof(buf));
	assert_int_equal(rpc_audit_add(&pg, &r), 0);
	/* Ids rise: the same row again is refused. */
	assert_int_equal(rpc_audit_add(&pg, &r), -1);
	r.id = 4;
	strlcpy(r.detail, "not json", sizeof(r.detail));
	assert_int_equal(rpc_audit_add(&pg, &r), 0);
	n = rpc_audit_finish(&pg, 4);
	render_is(OP_AUDIT, buf, n, "{\"rows\":[{\"id\":3,\"time\":"
	    "\"2026-12-03T12:00:00.000Z\",\"type\":\"order\",\"actor\":"
	    "\"key bot\",\"key\":\"bot\",\"source\":\"127.0.0.1\","
	    "\"detail\":{\"retcode\":10009},\"mac\":\"" "aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},{\"id\":4,"
	    "\"time\":\"2026-12-03T12:00:00.000Z\",\"type\":\"order\","
	    "\"actor\":\"key bot\",\"key\":\"bot\",\"source\":"
	    "\"127.0.0.1\",\"detail\":\"not json\",\"mac\":\""
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\"}],\"next\":4}");
	/* next must be the last row or 0. */
	n = rpc_audit_finish(&pg, 3);
	render_fails(OP_AUDIT, buf, n, "next is not its last row");
	n = rpc_audit_finish(&pg, 0);
	render_fails(OP_AUDIT, buf, n - 1, "audit page");
	/* A page that ends where a row would not fit. */
	rpc_audit_begin(&pg, buf, 200);
	r.id = 5;
	assert_int_equal(rpc_audit_add(&pg, &r), 0);
	r.id = 6;
	assert_int_equal(rpc_audit_add(&pg, &r), -1);
	assert_int_equal(pg.n, 1);
	assert_true(rpc_audit_finish(&pg, 5) > 0);
	/* A bad MAC is refused on the way in. */
	r.mac[0] = 'A';
	assert_int_equal(rpc_audit_add(&pg, &r), -1);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_trade),
		cmocka_unit_test(test_render_account),
		cmocka_unit_test(test_render_lists),
		cmocka_unit_test(test_render_audit),
		cmocka_unit_test(test_render_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
