/*
 * MT5's order model in the request bodies (daemon/rpc_body.c): POST
 * /trade's type, stop_limit, deviation and expiration, side in any case,
 * the rules between them; POST /v1/orders/{ticket}/modify; and the order
 * block of the parameters on the wire (common/params.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rpc.h"

#define JSON	"application/json"

/* target's body: 0 and the call, or the error's status and message. */
static int
post(const char *target, const char *json, struct rpc_call *c,
    struct rpc_error *err)
{
	if (rpc_route("POST", target, c, err) == -1)
		fail_msg("POST %s: %s", target, err->message);
	if (rpc_body(c, JSON, json, strlen(json), err) == -1)
		return err->status;
	return 0;
}

static void
ok(const char *target, const char *json, struct rpc_call *c)
{
	struct rpc_error	 err;

	if (post(target, json, c, &err) != 0)
		fail_msg("%s: %s", json, err.message);
}

static void
fails(const char *target, const char *json, const char *what)
{
	struct rpc_call		 c;
	struct rpc_error	 err;

	if (post(target, json, &c, &err) != 400)
		fail_msg("%s: not refused", json);
	if (strstr(err.message, what) == NULL)
		fail_msg("%s: '%s' lacks '%s'", json, err.message, what);
}

#define ORDER	"{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"volume\":1,"

static void
test_types(void **state)
{
	struct rpc_call	 c;

	/* A market order by default, with CTrade's deviation. */
	ok("/trade", ORDER "\"price\":1.1}", &c);
	assert_int_equal(c.p.type, RPC_TYPE_MARKET);
	assert_int_equal(c.p.deviation, RPC_DEVIATION_DEFAULT);
	assert_int_equal(c.p.flags, RPC_HAS_PRICE);
	ok("/trade", ORDER "\"type\":\"MARKET\",\"deviation\":0}", &c);
	assert_int_equal(c.p.deviation, 0);
	ok("/trade", ORDER "\"deviation\":100000}", &c);
	assert_int_equal(c.p.deviation, 100000);
	ok("/trade", ORDER "\"type\":\"limit\",\"price\":1.05}", &c);
	assert_int_equal(c.p.type, RPC_TYPE_LIMIT);
	assert_int_equal(c.p.deviation, 0);
	ok("/trade", ORDER "\"type\":\"Stop\",\"price\":1.2}", &c);
	assert_int_equal(c.p.type, RPC_TYPE_STOP);
	ok("/trade", ORDER "\"type\":\"stop_limit\",\"price\":1.2,"
	    "\"stop_limit\":1.19}", &c);
	assert_int_equal(c.p.type, RPC_TYPE_STOP_LIMIT);
	assert_true(c.p.stop_limit == 1.19);
	assert_int_equal(c.p.oflags, RPC_OHAS_STOP_LIMIT);
	/* Side in any case. */
	ok("/trade", "{\"symbol\":\"EURUSD\",\"side\":\"sell\",\"volume\":1}",
	    &c);
	assert_int_equal(c.p.side, RPC_SIDE_SELL);
	ok("/trade", "{\"symbol\":\"EURUSD\",\"side\":\"Buy\",\"volume\":1}",
	    &c);
	assert_int_equal(c.p.side, RPC_SIDE_BUY);

	fails("/trade", ORDER "\"type\":\"iceberg\"}", "field 'type' must be "
	    "\"market\", \"limit\", \"stop\" or \"stop_limit\"");
	fails("/trade", ORDER "\"type\":1}", "field 'type' must be a string");
	fails("/trade", ORDER "\"type\":\"limit\"}", "field 'price' is "
	    "required for a limit, stop or stop_limit order");
	fails("/trade", ORDER "\"type\":\"stop_limit\",\"price\":1.2}",
	    "field 'stop_limit' is required for a stop_limit order");
	fails("/trade", ORDER "\"type\":\"stop\",\"price\":1.2,"
	    "\"stop_limit\":1.1}", "field 'stop_limit' is only for type "
	    "\"stop_limit\"");
	fails("/trade", ORDER "\"stop_limit\":0,\"type\":\"stop_limit\","
	    "\"price\":1}", "field 'stop_limit' must be greater than 0");
	fails("/trade", ORDER "\"deviation\":2.5}", "field 'deviation' must "
	    "be a whole number of points from 0 to 100000");
	fails("/trade", ORDER "\"deviation\":-1}", "field 'deviation'");
	fails("/trade", ORDER "\"deviation\":100001}", "field 'deviation'");
	fails("/trade", ORDER "\"deviation\":\"5\"}", "field 'deviation'");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"deviation\":5}", "field 'deviation' is only for market orders");
}

static void
test_expiration(void **state)
{
	struct rpc_call	 c;

	ok("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"GTC\"}", &c);
	assert_int_equal(c.p.type_time, RPC_TIME_GTC);
	assert_int_equal(c.p.oflags, RPC_OHAS_EXPIRATION);
	ok("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"day\"}", &c);
	assert_int_equal(c.p.type_time, RPC_TIME_DAY);
	assert_int_equal(c.p.expiration, 0);
	ok("/trade", ORDER "\"type\":\"stop\",\"price\":1,"
	    "\"expiration\":\"2026-12-31T21:00:00Z\"}", &c);
	assert_int_equal(c.p.type_time, RPC_TIME_SPECIFIED);
	assert_int_equal(c.p.expiration, 1798750800LL);
	ok("/trade", ORDER "\"type\":\"stop\",\"price\":1,"
	    "\"expiration\":\"2026-12-31t23:30:00.75+02:30\"}", &c);
	assert_int_equal(c.p.expiration, 1798750800LL);
	/* No order without an expiration field has one. */
	ok("/trade", ORDER "\"type\":\"limit\",\"price\":1}", &c);
	assert_int_equal(c.p.oflags, 0);
	assert_int_equal(c.p.type_time, RPC_TIME_GTC);

	fails("/trade", ORDER "\"expiration\":\"day\"}", "field 'expiration' "
	    "is only for pending orders");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"tomorrow\"}", "field 'expiration' must be "
	    "\"gtc\", \"day\" or an RFC 3339 time such as "
	    "2026-12-31T21:00:00Z; 'tomorrow': too short");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"2026-02-30T10:00:00Z\"}", "no such date");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"2026-12-31T21:00:00\"}", "too short");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"2026-12-31T21:00:00+2\"}", "no time zone");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":\"1969-12-31T23:59:59Z\"}", "a time from 1970");
	fails("/trade", ORDER "\"type\":\"limit\",\"price\":1,"
	    "\"expiration\":0}", "field 'expiration' must be a string");
}

static void
test_modify(void **state)
{
	struct rpc_call	 c;

	ok("/v1/orders/7/modify", "{\"price\":1.2}", &c);
	assert_int_equal(c.p.op, OP_ORDER_MODIFY);
	assert_int_equal(c.p.ticket, 7);
	assert_int_equal(c.p.flags, RPC_HAS_PRICE);
	ok("/v1/orders/7/modify", "{\"sl\":0}", &c);
	assert_int_equal(c.p.flags, RPC_HAS_SL);
	ok("/v1/orders/7/modify", "{\"stop_limit\":1.1,\"tp\":1.3,"
	    "\"expiration\":\"2027-01-01T00:00:00Z\"}", &c);
	assert_int_equal(c.p.oflags, RPC_OHAS_STOP_LIMIT | RPC_OHAS_EXPIRATION);
	assert_int_equal(c.p.type_time, RPC_TIME_SPECIFIED);
	ok("/v1/orders/7/modify", "{\"expiration\":\"gtc\"}", &c);
	assert_int_equal(c.p.oflags, RPC_OHAS_EXPIRATION);
	assert_int_equal(c.p.deviation, 0);

	fails("/v1/orders/7/modify", "{}", "at least one of the fields "
	    "'price', 'stop_limit', 'sl', 'tp' and 'expiration' is required");
	fails("/v1/orders/7/modify", "{\"type\":\"stop\"}",
	    "unknown field 'type'");
	fails("/v1/orders/7/modify", "{\"deviation\":3}",
	    "unknown field 'deviation'");
	fails("/v1/orders/7/modify", "{\"volume\":3}",
	    "unknown field 'volume'");
}

/* The order block on the wire, and the decoder's own rules. */
static void
test_params(void **state)
{
	struct rpc_params	 p, q;
	uint8_t			 buf[API_PARAMS_MAX];
	const char		*why;
	size_t			 n;

	memset(&p, 0, sizeof(p));
	p.op = OP_TRADE;
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	p.side = RPC_SIDE_SELL;
	p.volume = 1;
	p.flags = RPC_HAS_PRICE;
	p.price = 1.2;
	p.type = RPC_TYPE_STOP_LIMIT;
	p.oflags = RPC_OHAS_STOP_LIMIT | RPC_OHAS_EXPIRATION;
	p.stop_limit = 1.21;
	p.type_time = RPC_TIME_SPECIFIED;
	p.expiration = 1798750800LL;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_TRADE, buf, n, &q, &why), 0);
	assert_int_equal(q.type, RPC_TYPE_STOP_LIMIT);
	assert_true(q.stop_limit == 1.21);
	assert_int_equal(q.expiration, 1798750800LL);
	assert_int_equal(rpc_mt5_type(&q), 7);	/* ORDER_TYPE_SELL_STOP_LIMIT */

#define REFUSED(field, value, what) do {				\
		q = p;							\
		q.field = (value);					\
		n = rpc_params_encode(&q, buf, sizeof(buf));		\
		assert_int_equal(rpc_params_decode(q.op, buf, n, &q,	\
		    &why), -1);						\
		assert_string_equal(why, what);				\
	} while (0)
	REFUSED(oflags, 0x04, "bad order flags");
	REFUSED(type, 4, "bad order type");
	REFUSED(stop_limit, -1, "bad stop_limit");
	REFUSED(deviation, RPC_DEVIATION_MAX + 1, "bad deviation");
	REFUSED(expiration, RPC_EXPIRATION_MAX + 1, "bad expiration time");
	REFUSED(type_time, 3, "bad expiration");
	REFUSED(type, RPC_TYPE_STOP, "stop_limit without a stop-limit order, "
	    "or missing");
	p.price = 0;		/* no price, and no flag */
	REFUSED(flags, 0, "a pending order without a price");
	p.price = 1.2;
	REFUSED(deviation, 5, "a deviation on a pending order");
	p.type = RPC_TYPE_MARKET;
	p.oflags = 0;
	p.stop_limit = 0;
	p.type_time = RPC_TIME_GTC;
	p.expiration = 0;
	REFUSED(oflags, RPC_OHAS_EXPIRATION, "an expiration on a market "
	    "order");

	/* A modify: no type, no deviation, and a change. */
	memset(&p, 0, sizeof(p));
	p.op = OP_ORDER_MODIFY;
	p.ticket = 9;
	p.flags = RPC_HAS_TP;
	p.tp = 1.3;
	n = rpc_params_encode(&p, buf, sizeof(buf));
	assert_int_equal(rpc_params_decode(OP_ORDER_MODIFY, buf, n, &q, &why),
	    0);
	REFUSED(type, RPC_TYPE_LIMIT, "type or deviation in a modify");
	REFUSED(deviation, 1, "type or deviation in a modify");
	p.tp = 0;
	REFUSED(flags, 0, "a modify that changes nothing");
#undef REFUSED
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_expiration),
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
