/*
 * libFuzzer harness for the JSON request bodies: the first byte picks the
 * endpoint (POST /trade, .../close, .../modify, an order's modify), the
 * rest is the body.
 * What the validator accepts must encode to parameters that the monitor's
 * decoder accepts and that decode to the same values.  Two more modes feed
 * the raw bytes to the parameter decoder of each op and to the error
 * renderer, whose output must be valid JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	const char	*method;
	const char	*target;
} endpoints[] = {
	{ "POST", "/trade" },
	{ "POST", "/v1/positions/42/close" },
	{ "POST", "/v1/positions/42/modify" },
	{ "POST", "/v1/orders/42/modify" },
};

static void
fuzz_body(unsigned sel, const uint8_t *data, size_t size)
{
	struct rpc_call		 call;
	struct rpc_error	 err;
	struct rpc_params	 back;
	uint8_t			 params[API_PARAMS_MAX];
	const char		*why;
	size_t			 n;

	if (rpc_route(endpoints[sel].method, endpoints[sel].target, &call,
	    &err) == -1)
		abort();
	if (rpc_body(&call, "application/json", data, size, &err) == -1) {
		if (err.status != 400 || err.message[0] == '\0')
			abort();
		return;
	}
	if ((n = rpc_params_encode(&call.p, params, sizeof(params))) ==
	    (size_t)-1)
		abort();
	if (rpc_params_decode(call.p.op, params, n, &back, &why) == -1)
		abort();
	if (back.flags != call.p.flags || back.side != call.p.side ||
	    back.filling != call.p.filling ||
	    back.ticket != call.p.ticket ||
	    memcmp(&back.volume, &call.p.volume, sizeof(double)) != 0 ||
	    memcmp(&back.price, &call.p.price, sizeof(double)) != 0 ||
	    memcmp(&back.sl, &call.p.sl, sizeof(double)) != 0 ||
	    memcmp(&back.tp, &call.p.tp, sizeof(double)) != 0 ||
	    strcmp(back.symbol, call.p.symbol) != 0 ||
	    strcmp(back.client_order_id, call.p.client_order_id) != 0 ||
	    strcmp(back.comment, call.p.comment) != 0 ||
	    back.oflags != call.p.oflags || back.type != call.p.type ||
	    back.type_time != call.p.type_time ||
	    back.deviation != call.p.deviation ||
	    back.expiration != call.p.expiration ||
	    memcmp(&back.stop_limit, &call.p.stop_limit, sizeof(double)) != 0)
		abort();
}

static void
fuzz_decode(unsigned op, const uint8_t *data, size_t size)
{
	struct rpc_params	 p, q;
	uint8_t			 buf[API_PARAMS_MAX];
	const char		*why;
	size_t			 n;

	if (rpc_params_decode((uint8_t)op, data, size, &p, &why) == -1)
		return;
	/* One encoding per value: re-encoding gives the same bytes. */
	n = rpc_params_encode(&p, buf, sizeof(buf));
	if (n != size || memcmp(buf, data, size) != 0)
		abort();
	if (rpc_params_decode((uint8_t)op, buf, n, &q, &why) == -1)
		abort();
}

static void
fuzz_render(const uint8_t *data, size_t size)
{
	char		 msg[RPC_MSG_MAX], *s;
	json_error_t	 je;
	json_t		*j;

	if (size >= sizeof(msg))
		size = sizeof(msg) - 1;
	memcpy(msg, data, size);
	msg[size] = '\0';
	if ((s = rpc_render_error("bad_request", msg)) == NULL)
		abort();
	if ((j = json_loads(s, 0, &je)) == NULL ||
	    !json_is_string(json_object_get(j, "error")))
		abort();
	json_decref(j);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned	 sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	if (sel < 0xc0)
		fuzz_body(sel % 4, data, size);
	else if (sel < 0xf0)
		fuzz_decode(sel % OP_MAX, data, size);
	else
		fuzz_render(data, size);
	return 0;
}
