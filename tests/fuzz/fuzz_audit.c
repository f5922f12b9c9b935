/*
 * libFuzzer harness for the audit page result (common/rpc_audit.h) and
 * its rendering in net: whatever decodes must build again, row by row,
 * into the very same bytes, and render through rpc_render_result() to a
 * JSON object; whatever does not decode is not rendered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rpc.h"
#include "rpc_audit.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
again(const struct rpc_audit_row *r, void *arg)
{
	return rpc_audit_add(arg, r) == 0 ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg_api_res	 res;
	static uint8_t			 buf[API_RESULT_MAX];
	struct rpc_audit_page		 pg;
	struct rpc_error		 err;
	json_error_t			 je;
	const char			*why;
	uint64_t			 next;
	json_t				*j;
	size_t				 n;
	char				*s;

	if (size > sizeof(res.result))
		return 0;
	memset(&res, 0, sizeof(res));
	res.status = 200;
	memcpy(res.result, data, size);
	res.result_len = (uint32_t)size;
	rpc_audit_begin(&pg, buf, sizeof(buf));
	if (rpc_audit_decode(data, size, &next, again, &pg, &why) == -1) {
		if ((s = rpc_render_result(OP_AUDIT, &res, &err)) != NULL ||
		    err.status != 500)
			abort();
		return 0;
	}
	/* One encoding per page. */
	n = rpc_audit_finish(&pg, next);
	if (n != size || memcmp(buf, data, size) != 0)
		abort();
	if ((s = rpc_render_result(OP_AUDIT, &res, &err)) == NULL)
		abort();
	if ((j = json_loads(s, 0, &je)) == NULL || !json_is_object(j))
		abort();
	json_decref(j);
	free(s);
	return 0;
}
