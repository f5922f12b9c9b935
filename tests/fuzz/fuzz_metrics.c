/*
 * libFuzzer harness for the monitor's metrics snapshot as net decodes
 * it (common/metrics.c) and renders it (daemon/metrics_net.c).  What
 * decodes must re-encode to the same bytes and render, through
 * rpc_render_result(), to text of whole lines in the exposition
 * format's alphabet; what does not decode is a 500, never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_net.h"
#include "rpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_api_res	 res;
	static struct metrics_mon	 m;
	static uint8_t			 buf[API_RESULT_MAX];
	struct rpc_error		 err;
	const char			*why;
	char				*t;
	size_t				 n, i;

	if (size > API_RESULT_MAX)
		return 0;
	msg_api_res_reset(&res);
	res.status = 200;
	memcpy(res.result, data, size);
	res.result_len = (uint32_t)size;
	t = rpc_render_result(OP_METRICS, &res, &err);
	if (metrics_mon_decode(data, size, &m, &why) == -1) {
		if (t != NULL || err.status != 500)
			abort();
		return 0;
	}
	n = metrics_mon_encode(&m, buf, sizeof(buf));
	if (n != size || memcmp(buf, data, size) != 0)
		abort();
	if (t == NULL || (n = strlen(t)) == 0 || t[n - 1] != '\n')
		abort();
	for (i = 0; i < n; i++)
		if (t[i] != '\n' && (t[i] < 0x20 || t[i] > 0x7e))
			abort();
	free(t);
	return 0;
}
