/*
 * The typed result of GET /v1/audit (OP_AUDIT), between the monitor,
 * which fills a page with as many rows as fit API_RESULT_MAX and the
 * limit asked, and net, which renders it:
 *
 *	u64 next (the cursor of the next page; 0: no more), u32 n, then n
 *	rows of u64 id, u64 time, str type, str actor, str key, str source,
 *	str detail (a JSON object), str mac (64 lower-case hex digits)
 *
 * Integers little-endian, strings u16 length and bytes (common/wire.h).
 * Rows are in increasing id order, next is 0 or the last row's id.
 */
#ifndef HERALD_RPC_AUDIT_H
#define HERALD_RPC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "wire.h"

#define RPC_AUDIT_ACTOR_MAX	127
#define RPC_AUDIT_SOURCE_MAX	63
#define RPC_AUDIT_DETAIL_MAX	1023
#define RPC_AUDIT_MAC_HEX	64
#define RPC_AUDIT_PAGE_HDR	12	/* next and n */

struct rpc_audit_row {
	uint64_t	id;
	uint64_t	time;
	char		type[RPC_AUDIT_TYPE_MAX + 1];
	char		actor[RPC_AUDIT_ACTOR_MAX + 1];
	char		key[RPC_AUDIT_KEY_MAX + 1];
	char		source[RPC_AUDIT_SOURCE_MAX + 1];
	char		detail[RPC_AUDIT_DETAIL_MAX + 1];
	char		mac[RPC_AUDIT_MAC_HEX + 1];
};

/*
 * Building a page in buf: begin leaves room for the header, add appends
 * a row (-1, nothing written, when it does not fit or breaks a rule),
 * finish writes next and n and returns the length.
 */
struct rpc_audit_page {
	struct wire_builder	 b;
	uint32_t		 n;
	uint64_t		 last;
};
void	rpc_audit_begin(struct rpc_audit_page *, uint8_t *buf, size_t cap);
int	rpc_audit_add(struct rpc_audit_page *, const struct rpc_audit_row *);
size_t	rpc_audit_finish(struct rpc_audit_page *, uint64_t next);

/*
 * Decode a page, row by row into fn (which returns 0 to go on): every
 * field's length, the type's and the MAC's characters, rising ids, next
 * 0 or the last id, nothing left over.  0, or -1 with *why.
 */
typedef int (*rpc_audit_fn)(const struct rpc_audit_row *, void *);
int	rpc_audit_decode(const uint8_t *, size_t, uint64_t *next,
	    rpc_audit_fn, void *, const char **why);

#endif
