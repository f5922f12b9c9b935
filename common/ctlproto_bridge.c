/*
 * The control protocol's MT5 bridge payloads: heraldctl bridge key
 * create|rotate (the request, and the new key printed once) and bridge
 * status.  Each decoder consumes exactly its payload and names the field
 * that failed.
 */
#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlproto_impl.h"

void
ctl_bridge_key_req_encode(struct wire_builder *b,
    const struct ctl_bridge_key_req *k)
{
	if (k->rotate > 1)
		b->err = 1;
	wire_put_u8(b, k->rotate);
}

int
ctl_bridge_key_req_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_bridge_key_req	*k = &out->bridge_key_req;
	struct wire_reader		 r;

	memset(k, 0, sizeof(*k));
	wire_reader_init(&r, p, len);
	if (ctl_u8_flag(&r, "rotate", &k->rotate, why, whylen) == -1)
		return -1;
	return ctl_finish(&r, "bridge key", why, whylen);
}

/* 64 hex digits, lower-case (a 'a') or upper-case (a 'A'). */
static int
ctl_bridge_hex_ok(const char *s, char a)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if ((s[i] < '0' || s[i] > '9') && (s[i] < a || s[i] > a + 5))
			return 0;
	return i == CTL_BRIDGE_HEX;
}

void
ctl_bridge_key_encode(struct wire_builder *b, const struct ctl_bridge_key *k)
{
	if (!ctl_bridge_hex_ok(k->key, 'a') || k->path[0] == '\0')
		b->err = 1;
	ctl_put_text(b, k->path, sizeof(k->path) - 1);
	ctl_put_text(b, k->key, CTL_BRIDGE_HEX);
}

int
ctl_bridge_key_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_bridge_key	*k = &out->bridge_key;
	struct wire_reader	 r;

	memset(k, 0, sizeof(*k));
	wire_reader_init(&r, p, len);
	if (ctl_text_field(&r, "path", k->path, sizeof(k->path), why,
	    whylen) == -1 ||
	    ctl_text_field(&r, "key", k->key, sizeof(k->key), why,
	    whylen) == -1)
		return -1;
	if (!ctl_bridge_hex_ok(k->key, 'a'))
		return ctl_rule("key", "not 64 lower-case hex digits", why,
		    whylen);
	return ctl_finish(&r, "bridge key", why, whylen);
}

void
ctl_bridge_encode(struct wire_builder *b, const struct ctl_bridge *st)
{
	if (st->connected > 1 || st->trade_allowed > 1 ||
	    st->terminal_connected > 1 || (st->tls_sha256[0] != '\0' &&
	    !ctl_bridge_hex_ok(st->tls_sha256, 'A')))
		b->err = 1;
	wire_put_u8(b, st->connected);
	wire_put_u8(b, st->trade_allowed);
	wire_put_u8(b, st->terminal_connected);
	wire_put_u64(b, st->since);
	wire_put_u64(b, st->last_pong);
	wire_put_u32(b, st->rtt_ms);
	wire_put_u64(b, st->login);
	ctl_put_text(b, st->ea, CTL_BRIDGE_TEXT_MAX);
	ctl_put_text(b, st->why, CTL_BRIDGE_TEXT_MAX);
	ctl_put_text(b, st->tls_sha256, CTL_BRIDGE_HEX);
}

int
ctl_bridge_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_bridge	*st = &out->bridge;
	struct wire_reader	 r;

	memset(st, 0, sizeof(*st));
	wire_reader_init(&r, p, len);
	if (ctl_u8_flag(&r, "connected", &st->connected, why, whylen) == -1 ||
	    ctl_u8_flag(&r, "trade_allowed", &st->trade_allowed, why,
	    whylen) == -1 ||
	    ctl_u8_flag(&r, "terminal_connected", &st->terminal_connected,
	    why, whylen) == -1 ||
	    ctl_u64_field(&r, "since", &st->since, why, whylen) == -1 ||
	    ctl_u64_field(&r, "last_pong", &st->last_pong, why, whylen) == -1 ||
	    ctl_u32_field(&r, "rtt_ms", &st->rtt_ms, why, whylen) == -1 ||
	    ctl_u64_field(&r, "login", &st->login, why, whylen) == -1)
		return -1;
	ctl_get_text(&r, st->ea, sizeof(st->ea));
	if (ctl_failed(&r, "ea", why, whylen))
		return -1;
	ctl_get_text(&r, st->why, sizeof(st->why));
	if (ctl_failed(&r, "why", why, whylen))
		return -1;
	ctl_get_text(&r, st->tls_sha256, sizeof(st->tls_sha256));
	if (ctl_failed(&r, "tls_sha256", why, whylen))
		return -1;
	if (st->tls_sha256[0] != '\0' && !ctl_bridge_hex_ok(st->tls_sha256,
	    'A'))
		return ctl_rule("tls_sha256", "not empty nor 64 upper-case hex "
		    "digits", why, whylen);
	return ctl_finish(&r, "bridge", why, whylen);
}
