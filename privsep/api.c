/* The catalogue of API operations as a table (see api.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api.h"

static const struct api_info api_ops[OP_MAX] = {
#define O(name, methods, path, perm, to, rw, fields, query, body, render) \
	[OP_##name] = { #name, methods, path, perm, to, rw, fields, query, body },
	HERALD_OPS(O)
#undef O
};

const struct api_info *
api_info(unsigned op)
{
	return op < OP_MAX ? &api_ops[op] : NULL;
}

size_t
rpc_params_encode(const struct rpc_params *p, uint8_t *buf, size_t cap)
{
	const struct api_info	*ai;

	if ((ai = api_info(p->op)) == NULL)
		return (size_t)-1;
	return rpc_params_pack(p, ai->fields, buf, cap);
}

int
rpc_params_decode(uint8_t op, const uint8_t *buf, size_t len,
    struct rpc_params *p, const char **why)
{
	const struct api_info	*ai;

	if (op == OP_NONE || (ai = api_info(op)) == NULL) {
		memset(p, 0, sizeof(*p));
		*why = "unknown operation";
		return -1;
	}
	if (rpc_params_unpack(ai->fields, buf, len, p, why) == -1)
		return -1;
	p->op = op;
	return 0;
}
