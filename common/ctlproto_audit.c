/*
 * The control protocol's audit payloads: heraldctl audit show|export (a
 * page request and a page of rows) and audit verify (the verdict).
 * Each decoder consumes exactly its payload and names the field that
 * failed.
 */
#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlproto_impl.h"

/* A type filter or name: [a-z_.], at most CTL_AUDIT_TYPE_MAX. */
static int
ctl_audit_type_ok(const char *t)
{
	return strspn(t, "abcdefghijklmnopqrstuvwxyz_.") == strlen(t);
}

static int
ctl_hex_ok(const char *s, int empty)
{
	size_t	 n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && (n == CTL_AUDIT_HEX || (empty && n == 0));
}

static int
ctl_text_any(struct wire_reader *r, const char *field, char *dst,
    size_t dstsz, char *why, size_t whylen)
{
	ctl_get_text(r, dst, dstsz);
	return ctl_failed(r, field, why, whylen) ? -1 : 0;
}

void
ctl_audit_req_encode(struct wire_builder *b, const struct ctl_audit_req *q)
{
	if (q->limit < 1 || q->limit > CTL_AUDIT_ROWS_MAX ||
	    !ctl_audit_type_ok(q->type))
		b->err = 1;
	wire_put_u64(b, q->cursor);
	wire_put_u64(b, q->since);
	ctl_put_text(b, q->type, CTL_AUDIT_TYPE_MAX);
	ctl_put_text(b, q->key, CTL_AUDIT_KEY_MAX);
	wire_put_u32(b, q->limit);
}

int
ctl_audit_req_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_audit_req	*q = &out->audit_req;
	struct wire_reader	 r;

	memset(q, 0, sizeof(*q));
	wire_reader_init(&r, p, len);
	if (ctl_u64_field(&r, "cursor", &q->cursor, why, whylen) == -1 ||
	    ctl_u64_field(&r, "since", &q->since, why, whylen) == -1 ||
	    ctl_text_any(&r, "type", q->type, sizeof(q->type), why,
	    whylen) == -1 ||
	    ctl_text_any(&r, "key", q->key, sizeof(q->key), why,
	    whylen) == -1 ||
	    ctl_u32_field(&r, "limit", &q->limit, why, whylen) == -1)
		return -1;
	if (!ctl_audit_type_ok(q->type))
		return ctl_rule("type", "not of a-z _ .", why, whylen);
	if (q->limit < 1 || q->limit > CTL_AUDIT_ROWS_MAX)
		return ctl_rule("limit", "not 1 to 40", why, whylen);
	return ctl_finish(&r, "audit request", why, whylen);
}

void
ctl_audit_encode(struct wire_builder *b, const struct ctl_audit *a)
{
	const struct rpc_audit_row	*w;
	uint32_t			 i;

	if (a->n > CTL_AUDIT_ROWS_MAX) {
		b->err = 1;
		return;
	}
	wire_put_u32(b, a->n);
	wire_put_u64(b, a->next);
	for (i = 0; i < a->n; i++) {
		w = &a->rows[i];
		if (w->type[0] == '\0' || !ctl_hex_ok(w->mac, 0))
			b->err = 1;
		wire_put_u64(b, w->id);
		wire_put_u64(b, w->time);
		ctl_put_text(b, w->type, CTL_AUDIT_TYPE_MAX);
		ctl_put_text(b, w->actor, CTL_AUDIT_ACTOR_MAX);
		ctl_put_text(b, w->key, CTL_AUDIT_KEY_MAX);
		ctl_put_text(b, w->source, CTL_AUDIT_SOURCE_MAX);
		ctl_put_text(b, w->detail, CTL_AUDIT_DETAIL_MAX);
		ctl_put_text(b, w->mac, CTL_AUDIT_HEX);
	}
}

static int
ctl_audit_row_decode(struct wire_reader *r, struct rpc_audit_row *w,
    char *why, size_t whylen)
{
	if (ctl_u64_field(r, "row.id", &w->id, why, whylen) == -1 ||
	    ctl_u64_field(r, "row.time", &w->time, why, whylen) == -1 ||
	    ctl_text_field(r, "row.type", w->type, sizeof(w->type), why,
	    whylen) == -1 ||
	    ctl_text_any(r, "row.actor", w->actor, sizeof(w->actor), why,
	    whylen) == -1 ||
	    ctl_text_any(r, "row.key", w->key, sizeof(w->key), why,
	    whylen) == -1 ||
	    ctl_text_any(r, "row.source", w->source, sizeof(w->source), why,
	    whylen) == -1 ||
	    ctl_text_any(r, "row.detail", w->detail, sizeof(w->detail), why,
	    whylen) == -1 ||
	    ctl_text_field(r, "row.mac", w->mac, sizeof(w->mac), why,
	    whylen) == -1)
		return -1;
	if (!ctl_hex_ok(w->mac, 0))
		return ctl_rule("row.mac", "not 64 lower-case hex digits", why,
		    whylen);
	return 0;
}

int
ctl_audit_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_audit	*a = &out->audit;
	struct wire_reader	 r;
	uint32_t		 i;

	a->n = 0;
	a->next = 0;
	wire_reader_init(&r, p, len);
	if (ctl_u32_field(&r, "n", &a->n, why, whylen) == -1 ||
	    ctl_u64_field(&r, "next", &a->next, why, whylen) == -1)
		return -1;
	if (a->n > CTL_AUDIT_ROWS_MAX)
		return ctl_rule("n", "more rows than a page holds", why,
		    whylen);
	for (i = 0; i < a->n; i++) {
		memset(&a->rows[i], 0, sizeof(a->rows[i]));
		if (ctl_audit_row_decode(&r, &a->rows[i], why, whylen) == -1)
			return -1;
	}
	return ctl_finish(&r, "audit page", why, whylen);
}

void
ctl_audit_verdict_encode(struct wire_builder *b,
    const struct ctl_audit_verdict *v)
{
	if (v->ok > 1 || !ctl_hex_ok(v->head_mac, 1))
		b->err = 1;
	wire_put_u8(b, v->ok);
	wire_put_u64(b, v->rows);
	wire_put_u64(b, v->head_id);
	ctl_put_text(b, v->head_mac, CTL_AUDIT_HEX);
	wire_put_u64(b, v->bad_id);
	ctl_put_text(b, v->why, CTL_AUDIT_WHY_MAX);
}

int
ctl_audit_verdict_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_audit_verdict	*v = &out->audit_verdict;
	struct wire_reader		 r;

	memset(v, 0, sizeof(*v));
	wire_reader_init(&r, p, len);
	if (ctl_u8_flag(&r, "ok", &v->ok, why, whylen) == -1 ||
	    ctl_u64_field(&r, "rows", &v->rows, why, whylen) == -1 ||
	    ctl_u64_field(&r, "head_id", &v->head_id, why, whylen) == -1 ||
	    ctl_text_any(&r, "head_mac", v->head_mac, sizeof(v->head_mac),
	    why, whylen) == -1 ||
	    ctl_u64_field(&r, "bad_id", &v->bad_id, why, whylen) == -1 ||
	    ctl_text_any(&r, "why", v->why, sizeof(v->why), why,
	    whylen) == -1)
		return -1;
	if (!ctl_hex_ok(v->head_mac, 1))
		return ctl_rule("head_mac", "not 64 lower-case hex digits",
		    why, whylen);
	return ctl_finish(&r, "audit verdict", why, whylen);
}
