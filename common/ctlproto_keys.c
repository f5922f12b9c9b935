/*
 * The control protocol's key and ban payloads: key names and roles, key
 * create, revoke, rotate, the key and ban lists, ban removal, lockdown.
 * Each decoder consumes exactly its payload and names the field that
 * failed.
 */
#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlproto_impl.h"

/* ASCII only: the locale must not change what a name may hold. */
static int
ctl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
ctl_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    ctl_is_digit(c) || c == '_' || c == '.' || c == '-';
}

int
ctl_key_name_check(const char *name, char *why, size_t whylen)
{
	size_t	 i, n = strlen(name);
	int	 digits = 1;

	if (n == 0 || n > CTL_KEY_NAME_MAX) {
		snprintf(why, whylen, "must be 1 to %d characters long",
		    CTL_KEY_NAME_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!ctl_is_name_char(name[i])) {
			if (c > 0x20 && c < 0x7f)
				snprintf(why, whylen, "character %zu ('%c') is "
				    "not a letter, digit, '_', '.' or '-'",
				    i + 1, c);
			else
				snprintf(why, whylen, "character %zu (0x%02x) "
				    "is not a letter, digit, '_', '.' or '-'",
				    i + 1, c);
			return -1;
		}
		if (!ctl_is_digit(name[i]))
			digits = 0;
	}
	if (digits) {
		snprintf(why, whylen, "must not be digits only (that reads as "
		    "a key id)");
		return -1;
	}
	return 0;
}

int
ctl_role_check(const char *role, char *why, size_t whylen)
{
	if (strcmp(role, "admin") == 0 || strcmp(role, "trader") == 0 ||
	    strcmp(role, "viewer") == 0)
		return 0;
	snprintf(why, whylen, "must be admin, trader or viewer");
	return -1;
}

const char *
ctl_key_state_name(uint8_t state)
{
	static const char *const names[] = {
		[CTL_KEY_ACTIVE] = "active",
		[CTL_KEY_EXPIRED] = "expired",
		[CTL_KEY_REVOKED] = "revoked",
		[CTL_KEY_ROTATING] = "rotating",
	};

	return state <= CTL_KEY_STATE_MAX ? names[state] : "?";
}

static int
ctl_name_field(struct wire_reader *r, const char *field, char *dst,
    size_t dstsz, char *why, size_t whylen)
{
	char	 inner[CTL_WHY_MAX];

	ctl_get_text(r, dst, dstsz);
	if (ctl_failed(r, field, why, whylen))
		return -1;
	if (ctl_key_name_check(dst, inner, sizeof(inner)) == -1)
		return ctl_rule(field, inner, why, whylen);
	return 0;
}

static int
ctl_role_field(struct wire_reader *r, const char *field, char *dst,
    size_t dstsz, char *why, size_t whylen)
{
	char	 inner[CTL_WHY_MAX];

	ctl_get_text(r, dst, dstsz);
	if (ctl_failed(r, field, why, whylen))
		return -1;
	if (ctl_role_check(dst, inner, sizeof(inner)) == -1)
		return ctl_rule(field, inner, why, whylen);
	return 0;
}

void
ctl_key_create_encode(struct wire_builder *b, const struct ctl_key_create *k)
{
	ctl_put_text(b, k->name, CTL_KEY_NAME_MAX);
	ctl_put_text(b, k->role, CTL_ROLE_MAX);
	wire_put_u32(b, k->expires_days);
	wire_put_u8(b, k->fp_present ? 1 : 0);
	if (k->fp_present)
		wire_put_bytes(b, k->fp, CTL_FP_LEN);
}

int
ctl_key_create_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_key_create	*k = &out->key_create;
	struct wire_reader	 r;
	char			 inner[64];

	memset(k, 0, sizeof(*k));
	wire_reader_init(&r, p, len);
	if (ctl_name_field(&r, "name", k->name, sizeof(k->name), why,
	    whylen) == -1 ||
	    ctl_role_field(&r, "role", k->role, sizeof(k->role), why,
	    whylen) == -1 ||
	    ctl_u32_field(&r, "expires_days", &k->expires_days, why,
	    whylen) == -1)
		return -1;
	if (k->expires_days > CTL_EXPIRES_MAX) {
		snprintf(inner, sizeof(inner), "%u exceeds %d",
		    k->expires_days, CTL_EXPIRES_MAX);
		return ctl_rule("expires_days", inner, why, whylen);
	}
	if (ctl_u8_flag(&r, "fp_present", &k->fp_present, why, whylen) == -1)
		return -1;
	if (k->fp_present) {
		wire_get_bytes(&r, k->fp, CTL_FP_LEN);
		if (ctl_failed(&r, "fingerprint", why, whylen))
			return -1;
	}
	return ctl_finish(&r, "key-create", why, whylen);
}

void
ctl_key_target_encode(struct wire_builder *b, const struct ctl_key_target *t)
{
	ctl_put_text(b, t->target, CTL_KEY_NAME_MAX);
}

int
ctl_key_target_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_key_target	*t = &out->key_target;
	struct wire_reader	 r;
	char			 inner[CTL_WHY_MAX];
	size_t			 i, n;

	memset(t, 0, sizeof(*t));
	wire_reader_init(&r, p, len);
	ctl_get_text(&r, t->target, sizeof(t->target));
	if (ctl_failed(&r, "target", why, whylen))
		return -1;
	/* An id: 1 to 19 digits (fits int64); anything else is a name. */
	n = strlen(t->target);
	for (i = 0; i < n && ctl_is_digit(t->target[i]); i++)
		;
	if (n == 0 || i < n || n > 19) {
		if (ctl_key_name_check(t->target, inner, sizeof(inner)) == -1)
			return ctl_rule("target", inner, why, whylen);
	}
	return ctl_finish(&r, "key-target", why, whylen);
}

void
ctl_key_rotate_encode(struct wire_builder *b, const struct ctl_key_rotate *k)
{
	ctl_put_text(b, k->name, CTL_KEY_NAME_MAX);
	wire_put_u32(b, k->grace_hours);
}

int
ctl_key_rotate_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_key_rotate	*k = &out->key_rotate;
	struct wire_reader	 r;
	char			 inner[64];

	memset(k, 0, sizeof(*k));
	wire_reader_init(&r, p, len);
	if (ctl_name_field(&r, "name", k->name, sizeof(k->name), why,
	    whylen) == -1 ||
	    ctl_u32_field(&r, "grace_hours", &k->grace_hours, why,
	    whylen) == -1)
		return -1;
	if (k->grace_hours > CTL_GRACE_MAX) {
		snprintf(inner, sizeof(inner), "%u exceeds %d",
		    k->grace_hours, CTL_GRACE_MAX);
		return ctl_rule("grace_hours", inner, why, whylen);
	}
	return ctl_finish(&r, "key-rotate", why, whylen);
}

void
ctl_address_encode(struct wire_builder *b, const struct ctl_address *a)
{
	ctl_put_text(b, a->address, CTL_ADDR_MAX);
}

int
ctl_address_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_address	*a = &out->address;
	struct wire_reader	 r;

	memset(a, 0, sizeof(*a));
	wire_reader_init(&r, p, len);
	if (ctl_text_field(&r, "address", a->address, sizeof(a->address),
	    why, whylen) == -1)
		return -1;
	return ctl_finish(&r, "address", why, whylen);
}

void
ctl_lockdown_encode(struct wire_builder *b, const struct ctl_lockdown *l)
{
	if (l->on > 1) {
		b->err = 1;
		return;
	}
	wire_put_u8(b, l->on);
}

int
ctl_lockdown_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_lockdown	*l = &out->lockdown;
	struct wire_reader	 r;

	memset(l, 0, sizeof(*l));
	wire_reader_init(&r, p, len);
	if (ctl_u8_flag(&r, "on", &l->on, why, whylen) == -1)
		return -1;
	return ctl_finish(&r, "lockdown", why, whylen);
}

void
ctl_key_created_encode(struct wire_builder *b,
    const struct ctl_key_created *k)
{
	wire_put_u64(b, k->id);
	ctl_put_text(b, k->name, CTL_KEY_NAME_MAX);
	ctl_put_text(b, k->role, CTL_ROLE_MAX);
	wire_put_u64(b, k->created);
	wire_put_u64(b, k->expires);
	ctl_put_text(b, k->key, CTL_KEY_MAX);
	wire_put_u64(b, k->old_id);
	wire_put_u64(b, k->old_expires);
}

int
ctl_key_created_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_key_created	*k = &out->key_created;
	struct wire_reader	 r;

	memset(k, 0, sizeof(*k));
	wire_reader_init(&r, p, len);
	if (ctl_u64_field(&r, "id", &k->id, why, whylen) == -1 ||
	    ctl_name_field(&r, "name", k->name, sizeof(k->name), why,
	    whylen) == -1 ||
	    ctl_role_field(&r, "role", k->role, sizeof(k->role), why,
	    whylen) == -1 ||
	    ctl_u64_field(&r, "created", &k->created, why, whylen) == -1 ||
	    ctl_u64_field(&r, "expires", &k->expires, why, whylen) == -1 ||
	    ctl_text_field(&r, "key", k->key, sizeof(k->key), why,
	    whylen) == -1 ||
	    ctl_u64_field(&r, "old_id", &k->old_id, why, whylen) == -1 ||
	    ctl_u64_field(&r, "old_expires", &k->old_expires, why,
	    whylen) == -1)
		return -1;
	return ctl_finish(&r, "key", why, whylen);
}

void
ctl_keys_encode(struct wire_builder *b, const struct ctl_keys *ks)
{
	const struct ctl_key_row	*k;
	uint32_t			 i;

	if (ks->n > CTL_KEYS_MAX || ks->n > ks->total) {
		b->err = 1;
		return;
	}
	wire_put_u32(b, ks->total);
	wire_put_u32(b, ks->n);
	for (i = 0; i < ks->n; i++) {
		k = &ks->keys[i];
		if (k->state > CTL_KEY_STATE_MAX || k->bound > 1) {
			b->err = 1;
			return;
		}
		wire_put_u64(b, k->id);
		ctl_put_text(b, k->name, CTL_KEY_NAME_MAX);
		ctl_put_text(b, k->role, CTL_ROLE_MAX);
		wire_put_u64(b, k->created);
		wire_put_u64(b, k->last_used);
		wire_put_u64(b, k->expires);
		wire_put_u8(b, k->state);
		wire_put_u8(b, k->bound);
	}
}

static int
ctl_key_row_decode(struct wire_reader *r, uint32_t i, struct ctl_key_row *k,
    char *why, size_t whylen)
{
	char	 field[40], inner[64];

#define F(n)	(snprintf(field, sizeof(field), "keys[%u].%s", i, n), field)
	if (ctl_u64_field(r, F("id"), &k->id, why, whylen) == -1 ||
	    ctl_name_field(r, F("name"), k->name, sizeof(k->name), why,
	    whylen) == -1 ||
	    ctl_role_field(r, F("role"), k->role, sizeof(k->role), why,
	    whylen) == -1 ||
	    ctl_u64_field(r, F("created"), &k->created, why, whylen) == -1 ||
	    ctl_u64_field(r, F("last_used"), &k->last_used, why,
	    whylen) == -1 ||
	    ctl_u64_field(r, F("expires"), &k->expires, why, whylen) == -1)
		return -1;
	k->state = wire_get_u8(r);
	if (ctl_failed(r, F("state"), why, whylen))
		return -1;
	if (k->state > CTL_KEY_STATE_MAX) {
		snprintf(inner, sizeof(inner), "%u is not a key state",
		    k->state);
		return ctl_rule(field, inner, why, whylen);
	}
	if (ctl_u8_flag(r, F("bound"), &k->bound, why, whylen) == -1)
		return -1;
#undef F
	return 0;
}

/* total and n of a list: n bounded by max and by total. */
static int
ctl_counts(struct wire_reader *r, uint32_t *total, uint32_t *n,
    uint32_t max, char *why, size_t whylen)
{
	if (ctl_u32_field(r, "total", total, why, whylen) == -1 ||
	    ctl_u32_field(r, "n", n, why, whylen) == -1)
		return -1;
	if (*n > max) {
		snprintf(why, whylen, "n: %u exceeds the maximum %u", *n, max);
		*n = 0;
		return -1;
	}
	if (*n > *total) {
		snprintf(why, whylen, "n: %u exceeds total %u", *n, *total);
		*n = 0;
		return -1;
	}
	return 0;
}

int
ctl_keys_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_keys		*ks = &out->keys;
	struct wire_reader	 r;
	uint32_t		 i;

	ks->total = ks->n = 0;
	wire_reader_init(&r, p, len);
	if (ctl_counts(&r, &ks->total, &ks->n, CTL_KEYS_MAX, why,
	    whylen) == -1)
		return -1;
	for (i = 0; i < ks->n; i++) {
		memset(&ks->keys[i], 0, sizeof(ks->keys[i]));
		if (ctl_key_row_decode(&r, i, &ks->keys[i], why, whylen) == -1)
			return -1;
	}
	return ctl_finish(&r, "keys", why, whylen);
}

void
ctl_bans_encode(struct wire_builder *b, const struct ctl_bans *bs)
{
	uint32_t	 i;

	if (bs->n > CTL_BANS_MAX || bs->n > bs->total) {
		b->err = 1;
		return;
	}
	wire_put_u32(b, bs->total);
	wire_put_u32(b, bs->n);
	for (i = 0; i < bs->n; i++) {
		ctl_put_text(b, bs->bans[i].address, CTL_ADDR_MAX);
		wire_put_u64(b, bs->bans[i].until);
		wire_put_u32(b, bs->bans[i].strikes);
	}
}

int
ctl_bans_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_bans		*bs = &out->bans;
	struct ctl_ban_row	*b;
	struct wire_reader	 r;
	char			 field[40];
	uint32_t		 i;

	bs->total = bs->n = 0;
	wire_reader_init(&r, p, len);
	if (ctl_counts(&r, &bs->total, &bs->n, CTL_BANS_MAX, why,
	    whylen) == -1)
		return -1;
	for (i = 0; i < bs->n; i++) {
		b = &bs->bans[i];
		memset(b, 0, sizeof(*b));
		snprintf(field, sizeof(field), "bans[%u].address", i);
		if (ctl_text_field(&r, field, b->address, sizeof(b->address),
		    why, whylen) == -1)
			return -1;
		snprintf(field, sizeof(field), "bans[%u].until", i);
		if (ctl_u64_field(&r, field, &b->until, why, whylen) == -1)
			return -1;
		snprintf(field, sizeof(field), "bans[%u].strikes", i);
		if (ctl_u32_field(&r, field, &b->strikes, why, whylen) == -1)
			return -1;
		if (b->strikes == 0)
			return ctl_rule(field, "0, a ban is at least strike 1",
			    why, whylen);
	}
	return ctl_finish(&r, "bans", why, whylen);
}
