/*
 * What rpc.c, rpc_body.c and rpc_render.c share and nobody else uses.
 */
#ifndef HERALD_RPC_INT_H
#define HERALD_RPC_INT_H

#include <stddef.h>

#include "rpc.h"

/* Fill err (status, code, message) and return -1. */
int	rpc_fail(struct rpc_error *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Client-supplied text (a field or parameter name, jansson's message)
 * made safe to quote: printable ASCII only, at most max bytes.
 */
const char *rpc_quote(const char *s, size_t len, size_t max, char *buf,
	    size_t bufsz);

#endif
