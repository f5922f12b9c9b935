/*
 * libFuzzer harness for the typed trading answers (common/trade.h), the
 * journal's view of one order (common/orderview.h), and their rendering
 * in net.  The first byte picks the decoder (and, for a
 * trade_result, which of the four write ops renders it); the rest is the
 * payload.  Whatever decodes must re-encode to the same bytes, decode
 * again, and render through rpc_render_result() to valid JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orderview.h"
#include "rpc.h"
#include "trade.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t result_ops[] = {
	OP_TRADE, OP_POSITION_CLOSE, OP_POSITION_MODIFY, OP_ORDER_CANCEL
};

/* Decode, re-encode, compare; 0 if data does not decode. */
static int
roundtrip(unsigned kind, const uint8_t *data, size_t size, uint8_t *buf,
    size_t cap)
{
	static struct trade_positions	 pl;
	static struct trade_orders	 ol;
	static struct order_view	 v;
	struct trade_result		 r;
	struct trade_account		 a;
	struct trade_symbol		 s;
	const char			*why;
	size_t				 n;

	switch (kind) {
	case 0:
		if (trade_result_decode(data, size, &r, &why) == -1)
			return 0;
		n = trade_result_encode(&r, buf, cap);
		break;
	case 1:
		if (trade_account_decode(data, size, &a, &why) == -1)
			return 0;
		n = trade_account_encode(&a, buf, cap);
		break;
	case 2:
		if (trade_positions_decode(data, size, &pl, &why) == -1)
			return 0;
		n = trade_positions_encode(&pl, buf, cap);
		break;
	case 3:
		if (trade_orders_decode(data, size, &ol, &why) == -1)
			return 0;
		n = trade_orders_encode(&ol, buf, cap);
		break;
	case 4:
		if (trade_symbol_decode(data, size, &s, &why) == -1)
			return 0;
		n = trade_symbol_encode(&s, buf, cap);
		break;
	default:
		if (order_view_decode(data, size, &v, &why) == -1)
			return 0;
		n = order_view_encode(&v, buf, cap);
		break;
	}
	/* One encoding per value. */
	if (n != size || memcmp(buf, data, size) != 0)
		abort();
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_api_res	 res;
	static uint8_t			 buf[API_RESULT_MAX];
	static const uint8_t		 ops[] = {
		OP_TRADE, OP_ACCOUNT, OP_POSITIONS, OP_ORDERS, OP_SYMBOL,
		OP_ORDER_GET
	};
	struct rpc_error		 err;
	json_error_t			 je;
	json_t				*j;
	unsigned			 kind;
	uint8_t				 op;
	char				*s;

	if (size < 1 || size - 1 > sizeof(res.result))
		return 0;
	/* 240 and up: the order view; below, as the corpus was grown. */
	kind = data[0] >= 240 ? 5 : data[0] % 5;
	op = ops[kind];
	if (kind == 0)
		op = result_ops[(data[0] / 5) % 4];
	data++;
	size--;

	memset(&res, 0, sizeof(res));
	res.status = 200;
	memcpy(res.result, data, size);
	res.result_len = (uint32_t)size;

	if (!roundtrip(kind, data, size, buf, sizeof(buf))) {
		/* What does not decode is not rendered. */
		if ((s = rpc_render_result(op, &res, &err)) != NULL ||
		    err.status != 500)
			abort();
		return 0;
	}
	if ((s = rpc_render_result(op, &res, &err)) == NULL)
		abort();
	if ((j = json_loads(s, 0, &je)) == NULL || !json_is_object(j))
		abort();
	json_decref(j);
	free(s);
	return 0;
}
