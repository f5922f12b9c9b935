/*
 * The audit page result on the wire.  See rpc_audit.h.
 */
#include <string.h>

#include "rpc_audit.h"

static int
hex_ok(const char *s)
{
	size_t	 n = strspn(s, "0123456789abcdef");

	return n == RPC_AUDIT_MAC_HEX && s[n] == '\0';
}

void
rpc_audit_begin(struct rpc_audit_page *pg, uint8_t *buf, size_t cap)
{
	memset(pg, 0, sizeof(*pg));
	wire_builder_init(&pg->b, buf, cap);
	wire_put_u64(&pg->b, 0);
	wire_put_u32(&pg->b, 0);
}

int
rpc_audit_add(struct rpc_audit_page *pg, const struct rpc_audit_row *r)
{
	size_t	 before = pg->b.len;

	if (pg->b.err || r->id <= pg->last || r->type[0] == '\0' ||
	    !rpc_audit_type_ok(r->type, strlen(r->type)) || !hex_ok(r->mac))
		return -1;
	wire_put_u64(&pg->b, r->id);
	wire_put_u64(&pg->b, r->time);
	wire_put_str(&pg->b, r->type);
	wire_put_str(&pg->b, r->actor);
	wire_put_str(&pg->b, r->key);
	wire_put_str(&pg->b, r->source);
	wire_put_str(&pg->b, r->detail);
	wire_put_str(&pg->b, r->mac);
	if (pg->b.err) {
		/* Undone: the page ends with the row before. */
		pg->b.err = 0;
		pg->b.len = before;
		return -1;
	}
	pg->n++;
	pg->last = r->id;
	return 0;
}

size_t
rpc_audit_finish(struct rpc_audit_page *pg, uint64_t next)
{
	struct wire_builder	 h;

	wire_builder_init(&h, pg->b.buf, RPC_AUDIT_PAGE_HDR);
	wire_put_u64(&h, next);
	wire_put_u32(&h, pg->n);
	return pg->b.err || h.err ? 0 : pg->b.len;
}

int
rpc_audit_decode(const uint8_t *buf, size_t len, uint64_t *next,
    rpc_audit_fn fn, void *arg, const char **why)
{
	static struct rpc_audit_row	 r;
	struct wire_reader		 rd;
	uint64_t			 last = 0;
	uint32_t			 n, i;

	wire_reader_init(&rd, buf, len);
	*next = wire_get_u64(&rd);
	n = wire_get_u32(&rd);
	for (i = 0; i < n && wire_ok(&rd); i++) {
		memset(&r, 0, sizeof(r));
		r.id = wire_get_u64(&rd);
		r.time = wire_get_u64(&rd);
		wire_get_str(&rd, r.type, sizeof(r.type));
		wire_get_str(&rd, r.actor, sizeof(r.actor));
		wire_get_str(&rd, r.key, sizeof(r.key));
		wire_get_str(&rd, r.source, sizeof(r.source));
		wire_get_str(&rd, r.detail, sizeof(r.detail));
		wire_get_str(&rd, r.mac, sizeof(r.mac));
		if (!wire_ok(&rd))
			break;
		if (r.id <= last || r.type[0] == '\0' ||
		    !rpc_audit_type_ok(r.type, strlen(r.type)) ||
		    !hex_ok(r.mac)) {
			*why = "audit row out of order or malformed";
			return -1;
		}
		last = r.id;
		if (fn(&r, arg) != 0) {
			*why = "audit row refused";
			return -1;
		}
	}
	if (wire_end(&rd) == -1) {
		*why = rd.err;
		return -1;
	}
	if (*next != 0 && *next != last) {
		*why = "audit page: next is not its last row";
		return -1;
	}
	return 0;
}
