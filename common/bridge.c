/*
 * The MT5 bridge's frame codec (bridge.h).  The tables below are the
 * protocol: for each type and sender, the keys it may carry, each with
 * its value syntax and whether it is required, a list item or bounded.
 * A frame that breaks any of it is refused with the first broken rule.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bridge.h"
#include "nitems.h"

/* Value syntaxes (BRIDGE-PROTOCOL.md, "Value syntax"). */
enum bv {
	BV_U64 = 1,
	BV_I64,
	BV_DEC,
	BV_HEX32,
	BV_STR,
	BV_BOOL,
	BV_COUNT		/* a u64 of at most BRIDGE_LIST_MAX */
};

#define BK_OPT	0x01		/* may be absent */
#define BK_LIST	0x02		/* key.N, one per item, N < count */

struct bridge_key {
	const char	*name;
	enum bv		 syntax;
	uint16_t	 max;		/* BV_STR: longest value */
	uint8_t		 flags;
};

struct bridge_spec {
	enum bridge_type	 type;
	enum bridge_from	 from;
	int			 ordered;	/* keys exactly in table order */
	const struct bridge_key	*keys;
	size_t			 nkeys;
};

#define K(n, s, m, f)	{ n, s, m, f }
#define REQ		K("req", BV_U64, 0, 0)
#define STR(n, m)	K(n, BV_STR, m, 0)
#define U64(n)		K(n, BV_U64, 0, 0)
#define I64(n)		K(n, BV_I64, 0, 0)
#define DEC(n)		K(n, BV_DEC, 0, 0)
#define LU64(n)		K(n, BV_U64, 0, BK_LIST)
#define LI64(n)		K(n, BV_I64, 0, BK_LIST)
#define LDEC(n)		K(n, BV_DEC, 0, BK_LIST)
#define LSTR(n, m)	K(n, BV_STR, m, BK_LIST)
#define SYMLEN		31
#define CURLEN		8

static const struct bridge_key k_hello[] = {
	U64("version"), U64("login"), STR("server", 64),
	K("nonce", BV_HEX32, 0, 0), STR("ea", 32)
};
static const struct bridge_key k_challenge[] = {
	K("nonce", BV_HEX32, 0, 0), K("tag", BV_HEX32, 0, 0)
};
static const struct bridge_key k_auth[] = { K("tag", BV_HEX32, 0, 0) };
static const struct bridge_key k_ready[] = {
	U64("heartbeat"), U64("max_frame")
};
static const struct bridge_key k_error[] = {
	K("req", BV_U64, 0, BK_OPT), STR("reason", 64)
};
static const struct bridge_key k_ping[] = { REQ, U64("t") };
static const struct bridge_key k_pong[] = {
	REQ, U64("t"), K("trade_allowed", BV_BOOL, 0, 0),
	K("connected", BV_BOOL, 0, 0), I64("time")
};
static const struct bridge_key k_req[] = { REQ };
static const struct bridge_key k_account[] = {
	REQ, U64("login"), STR("server", 64), STR("currency", CURLEN),
	DEC("balance"), DEC("equity"), DEC("margin"), DEC("margin_free"),
	DEC("margin_level"), U64("leverage"), U64("margin_mode"),
	K("trade_allowed", BV_BOOL, 0, 0)
};
static const struct bridge_key k_name[] = { REQ, STR("name", SYMLEN) };
static const struct bridge_key k_symbol[] = {
	REQ, STR("name", SYMLEN), U64("digits"), DEC("point"),
	DEC("contract_size"), DEC("volume_min"), DEC("volume_max"),
	DEC("volume_step"), U64("stops_level"), U64("freeze_level"),
	U64("filling"), U64("exemode"), U64("trade_mode"),
	K("session_open", BV_BOOL, 0, BK_OPT), U64("calc_mode"),
	STR("currency_base", CURLEN), STR("currency_profit", CURLEN),
	STR("currency_margin", CURLEN), DEC("margin_initial"),
	DEC("margin_hedged"), DEC("bid"), DEC("ask"), I64("time_msc")
};
static const struct bridge_key k_tick[] = {
	REQ, STR("name", SYMLEN), DEC("bid"), DEC("ask"), DEC("last"),
	I64("time_msc")
};
static const struct bridge_key k_from[] = { REQ, U64("from") };
static const struct bridge_key k_positions[] = {
	REQ, K("count", BV_COUNT, 0, 0), K("more", BV_BOOL, 0, 0),
	LU64("ticket"), LSTR("symbol", SYMLEN), LU64("type"), LDEC("volume"),
	LDEC("price_open"), LDEC("price_current"), LDEC("sl"), LDEC("tp"),
	LDEC("profit"), LDEC("swap"), LU64("magic"), LI64("time_msc"),
	LSTR("comment", 64)
};
static const struct bridge_key k_orders[] = {
	REQ, K("count", BV_COUNT, 0, 0), K("more", BV_BOOL, 0, 0),
	LU64("ticket"), LSTR("symbol", SYMLEN), LU64("type"),
	LDEC("volume_initial"), LDEC("volume_current"), LDEC("price_open"),
	LDEC("price_stoplimit"), LDEC("sl"), LDEC("tp"), LU64("type_time"),
	LI64("expiration"), LU64("magic"), LI64("time_setup_msc"),
	LSTR("comment", 64)
};
/* The canonical text C is the lines from cmd= to comment=, in order. */
static const struct bridge_key k_order_send[] = {
	REQ, U64("cmd"), U64("action"), STR("symbol", SYMLEN), U64("type"),
	DEC("volume"), DEC("price"), DEC("stoplimit"), DEC("sl"), DEC("tp"),
	U64("deviation"), U64("type_time"), I64("expiration"),
	U64("position"), U64("position_by"), U64("order"),
	STR("comment", 31), K("auth", BV_HEX32, 0, 0)
};
#define CANON_FIRST	1
#define CANON_LAST	16
static const struct bridge_key k_result[] = {
	REQ, U64("cmd"), U64("retcode"), U64("deal"), U64("order"),
	DEC("volume"), DEC("price"), DEC("bid"), DEC("ask"),
	STR("comment", 64), K("journaled", BV_BOOL, 0, 0)
};
static const struct bridge_key k_query[] = { REQ, U64("cmd") };
static const struct bridge_key k_event[] = {
	STR("kind", 16), U64("ticket"), STR("symbol", SYMLEN), U64("type"),
	DEC("volume"), DEC("price"), DEC("profit"), U64("reason"),
	U64("magic"), I64("time_msc"), U64("order"), U64("position"),
	U64("entry"), DEC("commission"), DEC("swap")
};
/*
 * The deals of the terminal's history after ticket `after', from `since'
 * (ms, the trade server's time) on, in ticket order: what the terminal
 * did while the EA or heraldd was away.
 */
static const struct bridge_key k_deals_req[] = {
	REQ, U64("after"), I64("since")
};
static const struct bridge_key k_deals[] = {
	REQ, K("count", BV_COUNT, 0, 0), K("more", BV_BOOL, 0, 0),
	LU64("ticket"), LU64("order"), LU64("position"), LI64("time_msc"),
	LSTR("symbol", SYMLEN), LU64("type"), LU64("entry"), LU64("reason"),
	LDEC("volume"), LDEC("price"), LDEC("profit"), LDEC("commission"),
	LDEC("swap"), LU64("magic")
};

#define SPEC(t, f, o, k)	{ BRIDGE_##t, BRIDGE_FROM_##f, o, k, nitems(k) }
static const struct bridge_spec bridge_specs[] = {
	SPEC(HELLO,	EA,	0, k_hello),
	SPEC(CHALLENGE,	BROKER,	0, k_challenge),
	SPEC(AUTH,	EA,	0, k_auth),
	SPEC(READY,	BROKER,	0, k_ready),
	SPEC(ERROR,	EA,	0, k_error),
	SPEC(ERROR,	BROKER,	0, k_error),
	SPEC(PING,	BROKER,	0, k_ping),
	SPEC(PONG,	EA,	0, k_pong),
	SPEC(ACCOUNT,	BROKER,	0, k_req),
	SPEC(ACCOUNT,	EA,	0, k_account),
	SPEC(SYMBOL,	BROKER,	0, k_name),
	SPEC(SYMBOL,	EA,	0, k_symbol),
	SPEC(TICK,	BROKER,	0, k_name),
	SPEC(TICK,	EA,	0, k_tick),
	SPEC(POSITIONS,	BROKER,	0, k_from),
	SPEC(POSITIONS,	EA,	0, k_positions),
	SPEC(ORDERS,	BROKER,	0, k_from),
	SPEC(ORDERS,	EA,	0, k_orders),
	SPEC(ORDER_SEND, BROKER, 1, k_order_send),
	SPEC(RESULT,	EA,	0, k_result),
	SPEC(QUERY,	BROKER,	0, k_query),
	SPEC(UNKNOWN,	EA,	0, k_query),
	SPEC(EVENT,	EA,	0, k_event),
	SPEC(DEALS,	BROKER,	0, k_deals_req),
	SPEC(DEALS,	EA,	0, k_deals),
};

static const char *const bridge_type_names[] = {
	"NONE",
#define T(name)	#name,
	BRIDGE_TYPES(T)
#undef T
};

const char *
bridge_type_name(enum bridge_type t)
{
	if ((size_t)t >= nitems(bridge_type_names))
		return "unknown";
	return bridge_type_names[t];
}

enum bridge_type
bridge_type_lookup(const char *s, size_t len)
{
	size_t	i;

	for (i = 1; i < nitems(bridge_type_names); i++)
		if (strlen(bridge_type_names[i]) == len &&
		    memcmp(bridge_type_names[i], s, len) == 0)
			return (enum bridge_type)i;
	return BRIDGE_NONE;
}

static const struct bridge_spec *
bridge_spec(enum bridge_type t, enum bridge_from from)
{
	size_t	i;

	for (i = 0; i < nitems(bridge_specs); i++)
		if (bridge_specs[i].type == t && bridge_specs[i].from == from)
			return &bridge_specs[i];
	return NULL;
}

static const char *
from_name(enum bridge_from from)
{
	return from == BRIDGE_FROM_EA ? "EA" : "broker";
}

/* Sessions. */

void
bridge_session_init(struct bridge_session *s)
{
	memset(s, 0, sizeof(*s));
}

void
bridge_session_key(struct bridge_session *s, const uint8_t *key)
{
	memcpy(s->key, key, BRIDGE_KEY_LEN);
	s->keyed = 1;
}

void
bridge_session_wipe(struct bridge_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* Values. */

static int
isdigitc(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits without a leading zero (but "0"), fitting uint64. */
static int
parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigitc(s[i]))
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_i64(const char *s, size_t len, int64_t *out)
{
	uint64_t	v;
	int		neg = len > 0 && s[0] == '-';

	if (parse_u64(s + neg, len - neg, &v) == -1)
		return -1;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return -1;
	if (!neg && v > (uint64_t)INT64_MAX)
		return -1;
	if (neg && v == 0)
		return -1;	/* "-0": one spelling per value */
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* [-]digits[.1..10 digits], at most 32 characters, no exponent. */
static int
check_dec(const char *s, size_t len)
{
	size_t	i = 0, intd = 0, frac = 0;

	if (len == 0 || len > 32)
		return -1;
	if (s[0] == '-')
		i++;
	while (i < len && isdigitc(s[i])) {
		i++;
		intd++;
	}
	if (intd == 0)
		return -1;
	if (i < len) {
		if (s[i++] != '.')
			return -1;
		while (i < len && isdigitc(s[i])) {
			i++;
			frac++;
		}
		if (frac == 0 || frac > 10 || i != len)
			return -1;
	}
	return 0;
}

static int
check_value(const struct bridge_key *k, const char *v, size_t len,
    uint64_t *u)
{
	uint8_t		raw[BRIDGE_KEY_LEN];
	int64_t		i;

	switch (k->syntax) {
	case BV_U64:
		return parse_u64(v, len, u);
	case BV_COUNT:
		if (parse_u64(v, len, u) == -1 || *u > BRIDGE_LIST_MAX)
			return -1;
		return 0;
	case BV_I64:
		return parse_i64(v, len, &i);
	case BV_DEC:
		return check_dec(v, len);
	case BV_HEX32:
		return bridge_hex_decode(v, len, raw);
	case BV_BOOL:
		return len == 1 && (v[0] == '0' || v[0] == '1') ? 0 : -1;
	case BV_STR:
		return len <= k->max ? 0 : -1;	/* printable: text checks */
	}
	return -1;
}

static const char *
syntax_name(const struct bridge_key *k)
{
	switch (k->syntax) {
	case BV_U64:
		return "an unsigned decimal";
	case BV_COUNT:
		return "a count of at most 32";
	case BV_I64:
		return "a signed decimal";
	case BV_DEC:
		return "a decimal number";
	case BV_HEX32:
		return "64 lower-case hex digits";
	case BV_BOOL:
		return "0 or 1";
	case BV_STR:
		return "a string too long";
	}
	return "unknown";
}

/* Decoding. */

int
bridge_hdr_decode(const uint8_t *hdr, size_t *len, char *why)
{
	uint32_t	n;

	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n < BRIDGE_PAYLOAD_MIN || n > BRIDGE_PAYLOAD_MAX) {
		snprintf(why, BRIDGE_WHY_MAX, "frame length %" PRIu32
		    " outside %d..%d", n, BRIDGE_PAYLOAD_MIN,
		    BRIDGE_PAYLOAD_MAX);
		return -1;
	}
	*len = n;
	return 0;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static const struct bridge_key *
find_key(const struct bridge_spec *sp, const char *name, size_t len,
    size_t *ki)
{
	size_t	i;

	for (i = 0; i < sp->nkeys; i++)
		if (strlen(sp->keys[i].name) == len &&
		    memcmp(sp->keys[i].name, name, len) == 0) {
			*ki = i;
			return &sp->keys[i];
		}
	return NULL;
}

/*
 * Split "key[.N]" off a line: the name's length and the index (-1 for
 * none).  0, or -1 if the key is not [a-z][a-z0-9_]* of at most 32
 * characters or N is not a list index.
 */
static int
split_key(const char *s, size_t len, size_t *namelen, long *idx)
{
	size_t		i;
	uint64_t	n;

	if (len == 0 || s[0] < 'a' || s[0] > 'z')
		return -1;
	for (i = 1; i < len && s[i] != '.'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !isdigitc(s[i]) &&
		    s[i] != '_')
			return -1;
	if (i > BRIDGE_KEY_NAME_MAX)
		return -1;
	*namelen = i;
	*idx = -1;
	if (i == len)
		return 0;
	if (parse_u64(s + i + 1, len - i - 1, &n) == -1 ||
	    n >= BRIDGE_LIST_MAX)
		return -1;
	*idx = (long)n;
	return 0;
}

static int
decode_line(const struct bridge_spec *sp, struct bridge_frame *fr,
    const char *line, size_t len, char *why)
{
	const struct bridge_key	*k;
	const char		*eq;
	struct bridge_field	*f;
	size_t			 klen, namelen, ki, vlen;
	long			 idx;
	uint64_t		 u = 0;

	if ((eq = memchr(line, '=', len)) == NULL) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: a line without '='",
		    bridge_type_name(sp->type));
		return -1;
	}
	klen = (size_t)(eq - line);
	vlen = len - klen - 1;
	if (split_key(line, klen, &namelen, &idx) == -1) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: malformed key \"%.*s\"",
		    bridge_type_name(sp->type), (int)(klen > 40 ? 40 : klen),
		    line);
		return -1;
	}
	if ((k = find_key(sp, line, namelen, &ki)) == NULL) {
		snprintf(why, BRIDGE_WHY_MAX, "%s from the %s: unknown key "
		    "\"%.*s\"", bridge_type_name(sp->type),
		    from_name(sp->from), (int)namelen, line);
		return -1;
	}
	if ((idx >= 0) != ((k->flags & BK_LIST) != 0)) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: key %s %s",
		    bridge_type_name(sp->type), k->name, idx >= 0 ?
		    "is not a list" : "needs a list index");
		return -1;
	}
	if (idx < 0)
		idx = 0;
	if (fr->slot[ki][idx] != 0) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: key %.*s twice",
		    bridge_type_name(sp->type), (int)klen, line);
		return -1;
	}
	if (sp->ordered && fr->nfields != ki) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: key %s out of order",
		    bridge_type_name(sp->type), k->name);
		return -1;
	}
	if (vlen > BRIDGE_VALUE_MAX || check_value(k, eq + 1, vlen,
	    &u) == -1) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: %s is not %s",
		    bridge_type_name(sp->type), k->name, syntax_name(k));
		return -1;
	}
	if (k->syntax == BV_COUNT)
		fr->count = (size_t)u;
	if (fr->nfields >= BRIDGE_FIELDS_MAX) {
		snprintf(why, BRIDGE_WHY_MAX, "%s: more than %d lines",
		    bridge_type_name(sp->type), BRIDGE_FIELDS_MAX);
		return -1;
	}
	f = &fr->f[fr->nfields++];
	f->val = eq + 1;
	f->vlen = (uint16_t)vlen;
	f->key = (uint8_t)ki;
	f->idx = (uint8_t)idx;
	fr->slot[ki][idx] = (uint16_t)fr->nfields;
	return 0;
}

/* Every required key present; list items exactly 0..count-1. */
static int
check_complete(const struct bridge_spec *sp, struct bridge_frame *fr,
    char *why)
{
	const struct bridge_key	*k;
	size_t			 ki, i;

	for (ki = 0; ki < sp->nkeys; ki++) {
		k = &sp->keys[ki];
		if ((k->flags & BK_LIST) == 0) {
			if (fr->slot[ki][0] == 0 && !(k->flags & BK_OPT)) {
				snprintf(why, BRIDGE_WHY_MAX, "%s: key %s "
				    "missing", bridge_type_name(sp->type),
				    k->name);
				return -1;
			}
			continue;
		}
		for (i = 0; i < BRIDGE_LIST_MAX; i++)
			if ((fr->slot[ki][i] != 0) != (i < fr->count)) {
				snprintf(why, BRIDGE_WHY_MAX, "%s: key %s.%zu "
				    "%s", bridge_type_name(sp->type), k->name,
				    i, i < fr->count ? "missing" :
				    "beyond count");
				return -1;
			}
	}
	return 0;
}

static int
check_text(const char *t, size_t len, char *why)
{
	size_t	i;

	if (len == 0 || t[len - 1] != '\n') {
		snprintf(why, BRIDGE_WHY_MAX, "text does not end in a newline");
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n') {
			snprintf(why, BRIDGE_WHY_MAX, "byte 0x%02x at %zu is "
			    "not printable ASCII", (unsigned char)t[i], i);
			return -1;
		}
	return 0;
}

int
bridge_decode(struct bridge_session *s, enum bridge_from from,
    const uint8_t *buf, size_t len, struct bridge_frame *fr, char *why)
{
	const struct bridge_spec *sp;
	const char		*t, *nl;
	uint8_t			 mac[BRIDGE_KEY_LEN];
	size_t			 plen, textlen;

	if (len < BRIDGE_HDR_LEN) {
		snprintf(why, BRIDGE_WHY_MAX, "short frame");
		return -1;
	}
	if (bridge_hdr_decode(buf, &plen, why) == -1)
		return -1;
	if (plen != len - BRIDGE_HDR_LEN) {
		snprintf(why, BRIDGE_WHY_MAX, "frame length %zu, %zu bytes "
		    "came", plen, len - BRIDGE_HDR_LEN);
		return -1;
	}
	textlen = plen - BRIDGE_SEQ_LEN;
	if (s->keyed) {
		if (textlen <= BRIDGE_MAC_LEN) {
			snprintf(why, BRIDGE_WHY_MAX, "frame too short for "
			    "its MAC");
			return -1;
		}
		textlen -= BRIDGE_MAC_LEN;
		bridge_hmac(s->key, buf, len - BRIDGE_MAC_LEN, mac);
		if (CRYPTO_memcmp(mac, buf + len - BRIDGE_MAC_LEN,
		    BRIDGE_MAC_LEN) != 0) {
			snprintf(why, BRIDGE_WHY_MAX, "bad MAC");
			return -1;
		}
	}
	memset(fr, 0, sizeof(*fr));
	fr->seq = get_be64(buf + BRIDGE_HDR_LEN);
	if (fr->seq != s->seq_in + 1) {
		snprintf(why, BRIDGE_WHY_MAX, "sequence number %" PRIu64
		    " where %" PRIu64 " was due", fr->seq, s->seq_in + 1);
		return -1;
	}
	t = (const char *)buf + BRIDGE_HDR_LEN + BRIDGE_SEQ_LEN;
	if (check_text(t, textlen, why) == -1)
		return -1;
	nl = memchr(t, '\n', textlen);
	fr->type = bridge_type_lookup(t, (size_t)(nl - t));
	if (fr->type == BRIDGE_NONE) {
		snprintf(why, BRIDGE_WHY_MAX, "unknown frame type \"%.*s\"",
		    (int)((size_t)(nl - t) > 32 ? 32 : (size_t)(nl - t)), t);
		return -1;
	}
	if ((sp = bridge_spec(fr->type, from)) == NULL) {
		snprintf(why, BRIDGE_WHY_MAX, "the %s does not send %s",
		    from_name(from), bridge_type_name(fr->type));
		return -1;
	}
	fr->from = from;
	fr->text = t;
	fr->textlen = textlen;
	for (t = nl + 1; t < fr->text + textlen; t = nl + 1) {
		nl = memchr(t, '\n', (size_t)(fr->text + textlen - t));
		if (decode_line(sp, fr, t, (size_t)(nl - t), why) == -1)
			return -1;
	}
	if (check_complete(sp, fr, why) == -1)
		return -1;
	s->seq_in = fr->seq;
	return 0;
}

/* Reading a decoded frame. */

static const struct bridge_field *
lookup(const struct bridge_frame *fr, const char *key, size_t idx,
    const struct bridge_key **kp)
{
	const struct bridge_spec *sp;
	size_t			 ki;
	uint16_t		 n;

	if ((sp = bridge_spec(fr->type, fr->from)) == NULL ||
	    idx >= BRIDGE_LIST_MAX ||
	    (*kp = find_key(sp, key, strlen(key), &ki)) == NULL)
		return NULL;
	if ((n = fr->slot[ki][idx]) == 0)
		return NULL;
	return &fr->f[n - 1];
}

const struct bridge_field *
bridge_get(const struct bridge_frame *fr, const char *key, size_t idx)
{
	const struct bridge_key	*k;

	return lookup(fr, key, idx, &k);
}

int
bridge_u64(const struct bridge_frame *fr, const char *key, size_t idx,
    uint64_t *v)
{
	const struct bridge_field	*f;
	const struct bridge_key		*k;

	if ((f = lookup(fr, key, idx, &k)) == NULL ||
	    (k->syntax != BV_U64 && k->syntax != BV_COUNT &&
	    k->syntax != BV_BOOL))
		return -1;
	return parse_u64(f->val, f->vlen, v);
}

int
bridge_i64(const struct bridge_frame *fr, const char *key, size_t idx,
    int64_t *v)
{
	const struct bridge_field	*f;
	const struct bridge_key		*k;

	if ((f = lookup(fr, key, idx, &k)) == NULL || k->syntax != BV_I64)
		return -1;
	return parse_i64(f->val, f->vlen, v);
}

int
bridge_dec(const struct bridge_frame *fr, const char *key, size_t idx,
    double *v)
{
	const struct bridge_field	*f;
	const struct bridge_key		*k;
	char				 buf[40];

	if ((f = lookup(fr, key, idx, &k)) == NULL || k->syntax != BV_DEC)
		return -1;
	memcpy(buf, f->val, f->vlen);	/* at most 32, checked */
	buf[f->vlen] = '\0';
	*v = strtod(buf, NULL);
	return 0;
}

int
bridge_str(const struct bridge_frame *fr, const char *key, size_t idx,
    char *buf, size_t cap)
{
	const struct bridge_field	*f;
	const struct bridge_key		*k;

	if ((f = lookup(fr, key, idx, &k)) == NULL || f->vlen >= cap)
		return -1;
	memcpy(buf, f->val, f->vlen);
	buf[f->vlen] = '\0';
	return 0;
}

int
bridge_hex32(const struct bridge_frame *fr, const char *key, size_t idx,
    uint8_t *out)
{
	const struct bridge_field	*f;
	const struct bridge_key		*k;

	if ((f = lookup(fr, key, idx, &k)) == NULL || k->syntax != BV_HEX32)
		return -1;
	return bridge_hex_decode(f->val, f->vlen, out);
}

/* Building. */

static void
append(struct bridge_writer *w, const char *s, size_t len)
{
	if (w->err || len > sizeof(w->buf) - BRIDGE_MAC_LEN - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

void
bridge_begin(struct bridge_writer *w, enum bridge_type t)
{
	w->len = BRIDGE_HDR_LEN + BRIDGE_SEQ_LEN;
	w->err = t == BRIDGE_NONE || t >= BRIDGE_NTYPES;
	if (!w->err) {
		append(w, bridge_type_name(t), strlen(bridge_type_name(t)));
		append(w, "\n", 1);
	}
}

void
bridge_put(struct bridge_writer *w, const char *key, const char *val)
{
	size_t	vlen = strlen(val);

	if (vlen > BRIDGE_VALUE_MAX || strchr(key, '=') != NULL)
		w->err = 1;
	append(w, key, strlen(key));
	append(w, "=", 1);
	append(w, val, vlen);
	append(w, "\n", 1);
}

void
bridge_put_u64(struct bridge_writer *w, const char *key, uint64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	bridge_put(w, key, buf);
}

void
bridge_put_i64(struct bridge_writer *w, const char *key, int64_t v)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	bridge_put(w, key, buf);
}

/* A decimal value in the protocol's syntax, or "" if it cannot be one. */
static void
format_dec(double v, int digits, char *buf, size_t cap)
{
	int	n;

	buf[0] = '\0';
	if (!isfinite(v) || digits < 0 || digits > 10)
		return;
	if (v == 0)
		v = 0;		/* no "-0.00" */
	n = snprintf(buf, cap, "%.*f", digits, v);
	if (n < 0 || (size_t)n >= cap || check_dec(buf, (size_t)n) == -1)
		buf[0] = '\0';
	/* "-0.00" of a tiny negative: one spelling per value */
	else if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)n - 1)
		memmove(buf, buf + 1, (size_t)n);
}

void
bridge_put_dec(struct bridge_writer *w, const char *key, double v,
    int digits)
{
	char	buf[48];

	format_dec(v, digits, buf, 33);
	if (buf[0] == '\0')
		w->err = 1;
	bridge_put(w, key, buf);
}

void
bridge_put_hex(struct bridge_writer *w, const char *key, const uint8_t *p,
    size_t len)
{
	char	buf[BRIDGE_HEX_LEN + 1];

	if (len != BRIDGE_KEY_LEN) {
		w->err = 1;
		return;
	}
	bridge_hex_encode(p, buf);
	bridge_put(w, key, buf);
}

void
bridge_put_raw(struct bridge_writer *w, const char *s, size_t len)
{
	append(w, s, len);
}

size_t
bridge_finish(struct bridge_writer *w, struct bridge_session *s,
    enum bridge_from from)
{
	static struct bridge_frame	 fr;
	struct bridge_session		 check;
	char				 why[BRIDGE_WHY_MAX];
	size_t				 len;

	if (w->err)
		return 0;
	len = w->len + (s->keyed ? BRIDGE_MAC_LEN : 0);
	put_be(w->buf, len - BRIDGE_HDR_LEN, BRIDGE_HDR_LEN);
	put_be(w->buf + BRIDGE_HDR_LEN, s->seq_out + 1, BRIDGE_SEQ_LEN);
	if (s->keyed)
		bridge_hmac(s->key, w->buf, w->len, w->buf + w->len);
	/* What we send obeys the same rules as what we accept. */
	check = *s;
	check.seq_in = s->seq_out;
	if (bridge_decode(&check, from, w->buf, len, &fr, why) == -1) {
		OPENSSL_cleanse(&check, sizeof(check));
		w->err = 1;
		return 0;
	}
	OPENSSL_cleanse(&check, sizeof(check));
	s->seq_out++;
	return len;
}

/* Orders. */

size_t
bridge_canon(const struct bridge_order *o, char *buf, size_t cap)
{
	char	vol[40], pr[40], sl[40], tp[40], stl[40];
	int	n, d = o->digits;

	format_dec(o->volume, 8, vol, 33);
	format_dec(o->price, d, pr, 33);
	format_dec(o->stoplimit, d, stl, 33);
	format_dec(o->sl, d, sl, 33);
	format_dec(o->tp, d, tp, 33);
	if (o->cmd == 0 || !vol[0] || !pr[0] || !stl[0] || !sl[0] || !tp[0])
		return 0;
	n = snprintf(buf, cap, "cmd=%" PRIu64 "\naction=%" PRIu32
	    "\nsymbol=%s\ntype=%" PRIu32 "\nvolume=%s\nprice=%s\n"
	    "stoplimit=%s\nsl=%s\ntp=%s\ndeviation=%" PRIu64
	    "\ntype_time=%" PRIu32 "\nexpiration=%" PRId64
	    "\nposition=%" PRIu64 "\nposition_by=%" PRIu64
	    "\norder=%" PRIu64 "\ncomment=%s\n",
	    o->cmd, o->action, o->symbol, o->type, vol, pr, stl, sl, tp,
	    o->deviation, o->type_time, o->expiration, o->position,
	    o->position_by, o->order, o->comment);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (bridge_canon_check(buf, (size_t)n, NULL) == -1)
		return 0;
	return (size_t)n;
}

int
bridge_canon_check(const char *text, size_t len, char *why)
{
	const struct bridge_spec *sp = bridge_spec(BRIDGE_ORDER_SEND,
				     BRIDGE_FROM_BROKER);
	static struct bridge_frame fr;
	const char		*t, *nl, *end = text + len;
	char			 dummy[BRIDGE_WHY_MAX];
	size_t			 ki;

	if (why == NULL)
		why = dummy;
	if (check_text(text, len, why) == -1)
		return -1;
	memset(&fr, 0, sizeof(fr));
	fr.nfields = CANON_FIRST;
	for (t = text; t < end; t = nl + 1) {
		nl = memchr(t, '\n', (size_t)(end - t));
		if (decode_line(sp, &fr, t, (size_t)(nl - t), why) == -1)
			return -1;
	}
	for (ki = CANON_FIRST; ki <= CANON_LAST; ki++)
		if (fr.slot[ki][0] == 0) {
			snprintf(why, BRIDGE_WHY_MAX, "canonical order: key "
			    "%s missing", sp->keys[ki].name);
			return -1;
		}
	if (fr.nfields != CANON_LAST + 1) {
		snprintf(why, BRIDGE_WHY_MAX, "canonical order: extra keys");
		return -1;
	}
	return 0;
}
