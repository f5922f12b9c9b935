/*
 * The key store, in the monitor (see auth.h): the active keys in memory,
 * hashed by their SHA-256 (itself uniformly random, so its first bytes
 * pick the bucket) and compared in full with CRYPTO_memcmp, and what the
 * control socket does with keys: create, rotate, revoke, list.  Each
 * writes the database and the index in the same call, so a revocation
 * holds for the very next request.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth.h"
#include "auth_int.h"
#include "ctlproto.h"
#include "db.h"
#include "log.h"

#define AUTH_BUCKETS		1024	/* power of two */
#define AUTH_KEY_RAW		32
#define DAY			86400
#define HOUR			3600

static struct {
	struct akey	*keys[AUTH_BUCKETS];
	uint32_t	 nkeys;
} ks;

static struct akey **
key_bucket(const uint8_t *hash)
{
	return &ks.keys[(hash[0] | (hash[1] << 8)) & (AUTH_BUCKETS - 1)];
}

struct akey *
key_find(const uint8_t *hash)
{
	struct akey	*e;

	for (e = *key_bucket(hash); e != NULL; e = e->next)
		if (CRYPTO_memcmp(e->k.hash, hash, SHA256_LEN) == 0)
			return e;
	return NULL;
}

struct akey *
key_find_id(int64_t id)
{
	struct akey	*e;
	size_t		 i;

	for (i = 0; i < AUTH_BUCKETS; i++)
		for (e = ks.keys[i]; e != NULL; e = e->next)
			if (e->k.id == id)
				return e;
	return NULL;
}

void
key_add(const struct db_key *k)
{
	struct akey	**b, *e;

	if ((e = key_find(k->hash)) != NULL) {
		e->k = *k;		/* the database is the record */
		e->perms = auth_role_perms(k->role);
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("auth: key index");
	e->k = *k;
	e->perms = auth_role_perms(k->role);
	e->touched = k->last_used;
	b = key_bucket(k->hash);
	e->next = *b;
	*b = e;
	ks.nkeys++;
}

void
key_del(struct akey *e)
{
	struct akey	**pp;

	for (pp = key_bucket(e->k.hash); *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			explicit_bzero(e, sizeof(*e));
			free(e);
			ks.nkeys--;
			return;
		}
	}
}

void
keys_free(void)
{
	struct akey	*e, *next;
	size_t		 i;

	for (i = 0; i < AUTH_BUCKETS; i++) {
		for (e = ks.keys[i]; e != NULL; e = next) {
			next = e->next;
			explicit_bzero(e, sizeof(*e));
			free(e);
		}
		ks.keys[i] = NULL;
	}
	ks.nkeys = 0;
}

int
key_load_cb(const struct db_key *k, void *arg)
{
	key_add(k);
	return 0;
}
uint32_t
keys_count(void)
{
	return ks.nkeys;
}

/* Keys, for the control socket. */

static void
key_info(const struct db_key *k, int64_t now, struct auth_key_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = k->id;
	strlcpy(out->name, k->name, sizeof(out->name));
	strlcpy(out->role, k->role, sizeof(out->role));
	out->created = k->created;
	out->last_used = k->last_used;
	out->expires = k->expires;
	out->revoked = k->revoked;
	out->replaced_by = k->replaced_by;
	out->bound = k->has_fp;
	if (k->revoked != 0)
		out->state = AUTH_KEY_REVOKED;
	else if (now >= k->expires)
		out->state = AUTH_KEY_EXPIRED;
	else if (k->replaced_by != 0)
		out->state = AUTH_KEY_ROTATING;
	else
		out->state = AUTH_KEY_ACTIVE;
}

/* base64url without padding: 32 bytes make 43 characters. */
static void
b64url(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t	 v;
	size_t		 i;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = abc[v >> 6 & 63];
		*out++ = abc[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = abc[v >> 6 & 63];
	}
	*out = '\0';
}

/* A fresh key into key, its hash into hash. */
static int
key_generate(char *key, size_t keysz, uint8_t hash[SHA256_LEN], char *err,
    size_t errlen)
{
	uint8_t	 raw[AUTH_KEY_RAW];

	if (keysz < AUTH_KEY_LEN + 1) {
		snprintf(err, errlen, "internal error: key buffer too small");
		return -1;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		snprintf(err, errlen, "no random bytes for a key (OpenSSL "
		    "RAND_bytes failed)");
		return -1;
	}
	memcpy(key, AUTH_KEY_PREFIX, sizeof(AUTH_KEY_PREFIX) - 1);
	b64url(raw, sizeof(raw), key + sizeof(AUTH_KEY_PREFIX) - 1);
	explicit_bzero(raw, sizeof(raw));
	auth_key_hash(key, AUTH_KEY_LEN, hash);
	return 0;
}


static int
first_key_cb(const struct db_key *k, void *arg)
{
	*(struct db_key *)arg = *k;
	return 1;
}

int
auth_key_create(const char *name, const char *role, uint32_t days,
    const uint8_t *fp, struct auth_key_info *out, char *key, size_t keysz,
    char *err, size_t errlen)
{
	struct db_key	 k, old;
	char		 why[CTL_WHY_MAX];
	int64_t		 now = auth_now();

	if (auth_ready(err, errlen) == -1)
		return -1;
	if (ctl_key_name_check(name, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "key name: %s", why);
		return -1;
	}
	if (ctl_role_check(role, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "role %s: %s", role, why);
		return -1;
	}
	if (days == 0)
		days = (uint32_t)auth_expiry_days();
	if (days > CTL_EXPIRES_MAX) {
		snprintf(err, errlen, "expiry of %u days: must be 1 to %d",
		    days, CTL_EXPIRES_MAX);
		return -1;
	}
	memset(&old, 0, sizeof(old));
	if (db_keys_active_named(name, now, first_key_cb, &old) == -1) {
		snprintf(err, errlen, "database error (see the log)");
		return -1;
	}
	if (old.id != 0) {
		snprintf(err, errlen, "key %s exists (id %lld); revoke or "
		    "rotate it", name, (long long)old.id);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	strlcpy(k.name, name, sizeof(k.name));
	strlcpy(k.role, role, sizeof(k.role));
	if (fp != NULL) {
		k.has_fp = 1;
		memcpy(k.fp, fp, SHA256_LEN);
	}
	k.created = now;
	k.expires = now + (int64_t)days * DAY;
	if (key_generate(key, keysz, k.hash, err, errlen) == -1)
		return -1;
	if (db_key_insert(&k) == -1) {
		explicit_bzero(key, keysz);
		snprintf(err, errlen, "database error (see the log)");
		return -1;
	}
	key_add(&k);
	key_info(&k, now, out);
	return 0;
}

struct named {
	struct db_key	*v;
	size_t		 n, cap;
};

static int
named_cb(const struct db_key *k, void *arg)
{
	struct named	*nm = arg;
	struct db_key	*v;

	if (nm->n == nm->cap) {
		if ((v = reallocarray(nm->v, nm->cap + 4, sizeof(*v))) == NULL)
			fatal("auth: keys");
		nm->v = v;
		nm->cap += 4;
	}
	nm->v[nm->n++] = *k;
	return 0;
}

int
auth_key_rotate(const char *name, uint32_t grace_hours,
    struct auth_key_info *out, struct auth_key_info *old, char *key,
    size_t keysz, char *err, size_t errlen)
{
	struct named	 nm = { NULL, 0, 0 };
	struct db_key	 k, *cur;
	struct akey	*e;
	char		 why[CTL_WHY_MAX];
	int64_t		 now = auth_now(), life, stop;
	size_t		 i;

	if (auth_ready(err, errlen) == -1)
		return -1;
	if (ctl_key_name_check(name, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "key name: %s", why);
		return -1;
	}
	if (grace_hours > CTL_GRACE_MAX) {
		snprintf(err, errlen, "grace of %u hours: must be 0 to %d",
		    grace_hours, CTL_GRACE_MAX);
		return -1;
	}
	if (db_keys_active_named(name, now, named_cb, &nm) == -1) {
		snprintf(err, errlen, "database error (see the log)");
		goto fail;
	}
	if (nm.n == 0) {
		snprintf(err, errlen, "no active key named %s", name);
		goto fail;
	}
	cur = &nm.v[nm.n - 1];		/* the newest */
	life = cur->expires - cur->created;
	if (life < DAY)
		life = DAY;
	if (life > (int64_t)CTL_EXPIRES_MAX * DAY)
		life = (int64_t)CTL_EXPIRES_MAX * DAY;
	memset(&k, 0, sizeof(k));
	strlcpy(k.name, cur->name, sizeof(k.name));
	strlcpy(k.role, cur->role, sizeof(k.role));
	k.has_fp = cur->has_fp;
	memcpy(k.fp, cur->fp, sizeof(k.fp));
	k.created = now;
	k.expires = now + life;
	if (key_generate(key, keysz, k.hash, err, errlen) == -1)
		goto fail;
	stop = now + (int64_t)grace_hours * HOUR;
	if (db_begin() == -1 || db_key_insert(&k) == -1)
		goto dbfail;
	for (i = 0; i < nm.n; i++) {
		if (nm.v[i].expires > stop)
			nm.v[i].expires = stop;
		nm.v[i].replaced_by = k.id;
		if (db_key_set_expiry(nm.v[i].id, nm.v[i].expires,
		    k.id) == -1)
			goto dbfail;
	}
	if (db_commit() == -1)
		goto dbfail;
	key_add(&k);
	for (i = 0; i < nm.n; i++)
		if ((e = key_find_id(nm.v[i].id)) != NULL)
			e->k = nm.v[i];
	key_info(&k, now, out);
	key_info(cur, now, old);
	free(nm.v);
	return 0;
dbfail:
	db_rollback();
	explicit_bzero(key, keysz);
	snprintf(err, errlen, "database error (see the log)");
fail:
	free(nm.v);
	return -1;
}

/* An id is 1 to 19 digits; *id 0 if target is a name. */
static int
parse_id(const char *target, int64_t *id)
{
	size_t		 i, n = strlen(target);
	long long	 v;
	char		*end;

	*id = 0;
	for (i = 0; i < n; i++)
		if (target[i] < '0' || target[i] > '9')
			return 0;
	if (n == 0 || n > 19)
		return 0;
	errno = 0;
	v = strtoll(target, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int
auth_revoke_one(struct db_key *k, int64_t now, auth_key_fn fn, void *arg)
{
	struct auth_key_info	 info;
	struct akey		*e;

	if (db_key_revoke(k->id, now) == -1)
		return -1;
	if ((e = key_find_id(k->id)) != NULL)
		key_del(e);
	k->revoked = now;
	key_info(k, now, &info);
	if (fn != NULL)
		fn(&info, arg);
	return 0;
}

int
auth_key_revoke(const char *target, auth_key_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct named	 nm = { NULL, 0, 0 };
	struct db_key	 k;
	char		 why[CTL_WHY_MAX];
	int64_t		 id, now = auth_now();
	size_t		 i;
	int		 rv;

	if (auth_ready(err, errlen) == -1)
		return -1;
	if (parse_id(target, &id) == -1) {
		snprintf(err, errlen, "key id %s is out of range", target);
		return -1;
	}
	if (id != 0) {
		if ((rv = db_key_by_id(id, &k)) == -1)
			goto dberr;
		if (rv == 0) {
			snprintf(err, errlen, "no key with id %lld",
			    (long long)id);
			return -1;
		}
		if (k.revoked != 0) {
			snprintf(err, errlen, "key %s (id %lld) is already "
			    "revoked", k.name, (long long)id);
			return -1;
		}
		if (auth_revoke_one(&k, now, fn, arg) == -1)
			goto dberr;
		return 1;
	}
	if (ctl_key_name_check(target, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "key name: %s", why);
		return -1;
	}
	if (db_keys_active_named(target, now, named_cb, &nm) == -1)
		goto dberr;
	if (nm.n == 0) {
		snprintf(err, errlen, "no active key named %s", target);
		free(nm.v);
		return -1;
	}
	if (db_begin() == -1)
		goto dberr;
	for (i = 0; i < nm.n; i++)
		if (db_key_revoke(nm.v[i].id, now) == -1)
			goto dberr;
	if (db_commit() == -1)
		goto dberr;
	for (i = 0; i < nm.n; i++) {
		struct auth_key_info	 info;
		struct akey		*e;

		if ((e = key_find_id(nm.v[i].id)) != NULL)
			key_del(e);
		nm.v[i].revoked = now;
		key_info(&nm.v[i], now, &info);
		if (fn != NULL)
			fn(&info, arg);
	}
	rv = (int)nm.n;
	free(nm.v);
	return rv;
dberr:
	db_rollback();
	free(nm.v);
	snprintf(err, errlen, "database error (see the log)");
	return -1;
}

struct list_arg {
	auth_key_fn	 fn;
	void		*arg;
	int64_t		 now;
};

static int
list_cb(const struct db_key *k, void *arg)
{
	struct list_arg		*la = arg;
	struct auth_key_info	 info;
	struct akey		*e;

	key_info(k, la->now, &info);
	/* Memory may know a more recent use than the database. */
	if ((e = key_find_id(k->id)) != NULL && e->k.last_used > info.last_used)
		info.last_used = e->k.last_used;
	return la->fn(&info, la->arg);
}

int
auth_key_list(uint32_t max, auth_key_fn fn, void *arg, uint32_t *total,
    char *err, size_t errlen)
{
	struct list_arg	 la = { fn, arg, auth_now() };

	if (auth_ready(err, errlen) == -1)
		return -1;
	if (db_keys_count(total) == -1 || db_keys_recent(max, list_cb,
	    &la) == -1) {
		snprintf(err, errlen, "database error (see the log)");
		return -1;
	}
	return 0;
}
