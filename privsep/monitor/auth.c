/*
 * Authentication of API requests, per-key rate limits and the
 * failed-authentication defence, in the monitor.  See auth.h.  The key
 * store is authkeys.c's, the roles and permissions roles.c's.
 *
 * The database (db.c) is the record; what a request needs is held in
 * memory so that an API request costs no SQL read:
 *   - the active keys (authkeys.c).  A presented hash not in memory is
 *     looked up in the database only to say precisely why it fails
 *     (revoked, expired).
 *   - the bans, by address, loaded at start and written through.
 *   - the recent failures of each source, exact timestamps in a ring of
 *     rate_limit.auth_failures entries, for a bounded number of sources.
 *   - each key's request rate, common/window.h's sliding-window counter,
 *     O(1) in memory whatever rate_limit.per_key is.
 * Neither a key nor a full hash is ever logged: 8 hex digits of the hash
 * name a key that is not known.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit.h"
#include "auth.h"
#include "auth_int.h"
#include "ctlproto.h"
#include "db.h"
#include "srcaddr.h"
#include "log.h"
#include "metrics_mon.h"

#define AUTH_FAIL_BUDGET	(1 << 20) /* failure timestamps in memory */

_Static_assert(DB_HASH_LEN == SHA256_LEN, "one hash length");
_Static_assert(sizeof(((struct auth_identity *)0)->name) > DB_NAME_MAX,
    "identity holds a name");
_Static_assert(ADDR_STR_MAX > DB_ADDR_MAX, "an address fits the bans table");

struct source {
	RB_ENTRY(source)	 rb;
	TAILQ_ENTRY(source)	 lru;
	char			 address[ADDR_STR_MAX];
	uint32_t		 head, n;	/* ring of failure times */
	int64_t			 fails[];	/* auth_failures entries */
};

struct ban {
	RB_ENTRY(ban)		 rb;
	char			 address[ADDR_STR_MAX];
	int64_t			 until;
	uint32_t		 strikes;
	int64_t			 last;
};

static int	source_cmp(const struct source *, const struct source *);
static int	ban_cmp(const struct ban *, const struct ban *);

/*
 * libbsd's tree.h marks the static functions __unused, which glibc does
 * not define (a Linux struct has a member of that name); every header
 * is in by now.
 */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

RB_HEAD(source_tree, source);
RB_PROTOTYPE_STATIC(source_tree, source, rb, source_cmp)
RB_GENERATE_STATIC(source_tree, source, rb, source_cmp)
RB_HEAD(ban_tree, ban);
RB_PROTOTYPE_STATIC(ban_tree, ban, rb, ban_cmp)
RB_GENERATE_STATIC(ban_tree, ban, rb, ban_cmp)
TAILQ_HEAD(source_lru, source);

static struct {
	int			 open;
	auth_ban_fn		 ban_fn;
	time_t			(*clock)(void);
	struct source_tree	 sources;
	struct source_lru	 lru;
	uint32_t		 nsources;
	uint32_t		 max_sources;
	struct ban_tree		 bans;
	/* From herald.yaml. */
	int			 window;
	int			 per_key;
	int			 auth_failures;
	int			 auth_window;
	int			 ban_time;
	int			 ban_max;
	int			 ipv6_prefix;
	struct src_net		 exempt[SRC_NETS_MAX];
	size_t			 nexempt;
	int			 expiry_days;
} au = {
	.sources = RB_INITIALIZER(&au.sources),
	.lru = TAILQ_HEAD_INITIALIZER(au.lru),
	.bans = RB_INITIALIZER(&au.bans),
};


static int
source_cmp(const struct source *a, const struct source *b)
{
	return strcmp(a->address, b->address);
}

static int
ban_cmp(const struct ban *a, const struct ban *b)
{
	return strcmp(a->address, b->address);
}

int64_t
auth_now(void)
{
	return (int64_t)(au.clock != NULL ? au.clock() : time(NULL));
}

void
auth_set_clock(time_t (*fn)(void))
{
	au.clock = fn;
}

void
auth_key_hash(const char *key, size_t len, uint8_t out[SHA256_LEN])
{
	unsigned int	 n = 0;

	if (EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != SHA256_LEN)
		fatalx("auth: SHA-256 failed");
}

/* 8 hex digits of a hash: enough to tell keys apart in a log. */
static void
hash_prefix(const uint8_t *h, char buf[9])
{
	snprintf(buf, 9, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
}

void
auth_fmt_utc(int64_t t, char *buf, size_t sz)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, sz, "@%lld", (long long)t);
}

/*
 * Numeric addresses in one spelling, net's (src_key(): inet_ntop's, an
 * IPv6 address cut to rate_limit.ipv6_prefix), so that a ban set on
 * what net reports is found again from what an operator types: an
 * address, or the "fd00::/64" a ban list shows.
 */
static void
addr_norm(const char *in, char *out, size_t outsz)
{
	struct src_net	 n;
	const char	*why;

	if (strchr(in, '/') != NULL && src_net_parse(in, &n, &why) == 0 &&
	    n.family == 6 && n.prefix == au.ipv6_prefix) {
		if (inet_ntop(AF_INET6, n.addr, out, (socklen_t)outsz) != NULL) {
			snprintf(out + strlen(out), outsz - strlen(out),
			    "/%d", au.ipv6_prefix);
			return;
		}
	}
	src_key(in, au.ipv6_prefix, out, outsz);
}

/* rate_limit.exempt: never counted, never banned. */
static int
addr_exempt(const char *address)
{
	return src_nets_match(au.exempt, au.nexempt, address);
}


/*
 * Take one request of key e at now: 0 if it is within rate_limit.per_key
 * (and counted), else the seconds until one would be.  A new window
 * after a reload starts the count afresh.
 */
static uint32_t
auth_rate_take(struct akey *e, int64_t now)
{
	if (e->rate_window != (uint32_t)au.window) {
		memset(&e->rate, 0, sizeof(e->rate));
		e->rate_window = (uint32_t)au.window;
	}
	return rpc_window_hit(&e->rate, (uint64_t)now * 1000,
	    (uint32_t)au.window, (uint32_t)au.per_key);
}

/* Failed authentications per source. */

static struct source *
source_find(const char *address)
{
	struct source	 key;

	/* Only the compared field matters; no other is left undefined. */
	memset(&key, 0, sizeof(key));
	strlcpy(key.address, address, sizeof(key.address));
	return RB_FIND(source_tree, &au.sources, &key);
}

static void
source_del(struct source *s)
{
	RB_REMOVE(source_tree, &au.sources, s);
	TAILQ_REMOVE(&au.lru, s, lru);
	au.nsources--;
	free(s);
}

static void
sources_free(void)
{
	struct source	*s;

	while ((s = TAILQ_FIRST(&au.lru)) != NULL)
		source_del(s);
}

static struct source *
source_get(const char *address)
{
	struct source	*s;

	if ((s = source_find(address)) != NULL) {
		TAILQ_REMOVE(&au.lru, s, lru);
		TAILQ_INSERT_TAIL(&au.lru, s, lru);
		return s;
	}
	/* Full: forget the source that failed least recently. */
	if (au.nsources >= au.max_sources &&
	    (s = TAILQ_FIRST(&au.lru)) != NULL)
		source_del(s);
	if ((s = calloc(1, sizeof(*s) +
	    (size_t)au.auth_failures * sizeof(s->fails[0]))) == NULL)
		fatal("auth: failure counters");
	strlcpy(s->address, address, sizeof(s->address));
	RB_INSERT(source_tree, &au.sources, s);
	TAILQ_INSERT_TAIL(&au.lru, s, lru);
	au.nsources++;
	return s;
}

/* Record a failure; how many fall in the window, this one included. */
static uint32_t
source_fail(struct source *s, int64_t now)
{
	uint32_t	 cap = (uint32_t)au.auth_failures;

	/* auth_init() and the configuration keep it at least 1. */
	if (cap == 0)
		fatalx("auth: failure ring of no entries");
	while (s->n > 0 && s->fails[s->head] <= now - au.auth_window) {
		s->head = (s->head + 1) % cap;
		s->n--;
	}
	if (s->n == cap) {		/* cannot stay full: it bans */
		s->head = (s->head + 1) % cap;
		s->n--;
	}
	s->fails[(s->head + s->n) % cap] = now;
	s->n++;
	return s->n;
}

/* Bans. */

static struct ban *
ban_find(const char *address)
{
	struct ban	 key;

	/* Only the compared field matters; no other is left undefined. */
	memset(&key, 0, sizeof(key));
	strlcpy(key.address, address, sizeof(key.address));
	return RB_FIND(ban_tree, &au.bans, &key);
}

static void
bans_free(void)
{
	struct ban	*b;

	while ((b = RB_MIN(ban_tree, &au.bans)) != NULL) {
		RB_REMOVE(ban_tree, &au.bans, b);
		free(b);
	}
}

static int
ban_load_cb(const struct db_ban *d, void *arg)
{
	struct ban	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("auth: bans");
	strlcpy(b->address, d->address, sizeof(b->address));
	b->until = d->until;
	b->strikes = d->strikes;
	b->last = d->last;
	if (RB_INSERT(ban_tree, &au.bans, b) != NULL)
		free(b);
	return 0;
}

/* ban_time doubled for each strike after the first, at most ban_max. */
static int64_t
ban_length(uint32_t strikes)
{
	int64_t	 len = au.ban_time;
	uint32_t i;

	for (i = 1; i < strikes && len < au.ban_max; i++)
		len *= 2;
	return len < au.ban_max ? len : au.ban_max;
}

/*
 * Ban address now.  The strike count goes on from the last ban unless
 * that ended more than ban_max ago: a source that stayed clean that
 * long starts again at strike 1.
 */
/*
 * Forget bans whose strikes would have been reset anyway (over for more
 * than ban_max), so that new addresses cannot grow the table without
 * end.  Bans are rare (each takes auth_failures failures), so a walk per
 * new one is cheap.
 */
static void
bans_prune(int64_t now)
{
	struct ban	*b, *next;

	RB_FOREACH_SAFE(b, ban_tree, &au.bans, next) {
		if (now - b->until <= au.ban_max)
			continue;
		RB_REMOVE(ban_tree, &au.bans, b);
		free(b);
	}
	if (db_bans_prune(now - au.ban_max) == -1)
		log_warnx("auth: old bans not pruned from the database");
}

static void
ban_impose(const char *address, uint32_t failures, int64_t now)
{
	struct ban	*b;
	struct db_ban	 d;
	int64_t		 len;

	if ((b = ban_find(address)) == NULL) {
		bans_prune(now);
		if ((b = calloc(1, sizeof(*b))) == NULL)
			fatal("auth: bans");
		strlcpy(b->address, address, sizeof(b->address));
		/* ban_find() just missed it: a duplicate is a broken tree. */
		if (RB_INSERT(ban_tree, &au.bans, b) != NULL)
			fatalx("auth: ban on %s inserted twice", address);
	}
	if (b->strikes == 0 || now - b->until > au.ban_max)
		b->strikes = 1;
	else if (b->strikes < UINT32_MAX)
		b->strikes++;
	len = ban_length(b->strikes);
	b->until = now + len;
	b->last = now;
	log_security("auth: %u failed authentications from %s in %d s; "
	    "banned for %lld s (strike %u)", failures, address,
	    au.auth_window, (long long)len, b->strikes);
	(void)audit_event("auth.ban", "heraldd", NULL, address,
	    json_pack("{s:i, s:I, s:i}", "failures", (int)failures,
	    "seconds", (json_int_t)len, "strike", (int)b->strikes));
	memset(&d, 0, sizeof(d));
	strlcpy(d.address, address, sizeof(d.address));
	d.until = b->until;
	d.strikes = b->strikes;
	d.last = b->last;
	if (db_ban_put(&d) == -1)
		log_warnx("auth: ban on %s holds until restart only: the "
		    "database refused it", address);
	if (au.ban_fn != NULL)
		au.ban_fn(address, (uint32_t)len);
}

/*
 * A failed authentication from address: logged with a hash prefix,
 * counted, and at rate_limit.auth_failures within auth_window, a ban.
 * The request itself gets its own 401; the next one the ban.
 */
static int
auth_failed(const char *address, int exempt, const struct msg_api_req *q,
    int64_t now, struct msg_api_res *res)
{
	struct source	*s;
	uint32_t	 n;
	char		 hp[9];

	metrics_mon_auth_failure();
	hash_prefix(q->key_hash, hp);
	log_info("auth: refused %s from %s: %s (key hash %s...)",
	    res->code, address, res->message, hp);
	(void)audit_event("auth.failure", "anonymous", NULL, address,
	    json_pack("{s:s, s:s, s:s}", "code", res->code, "message",
	    res->message, "key_hash", hp));
	if (exempt)
		return -1;
	s = source_get(address);
	if ((n = source_fail(s, now)) >= (uint32_t)au.auth_failures) {
		source_del(s);
		ban_impose(address, n, now);
	}
	return -1;
}

/* The presented hash is not among the active keys: why not? */
static struct akey *
auth_miss(const char *address, const struct msg_api_req *q, int64_t now,
    struct msg_api_res *res)
{
	struct db_key	 k;
	char		 when[40];
	int		 rv;

	rv = db_key_by_hash(q->key_hash, &k);
	if (rv == 1 && CRYPTO_memcmp(k.hash, q->key_hash, SHA256_LEN) != 0)
		rv = 0;
	if (rv != 1) {
		msg_api_res_set(res, 401, "unauthorized", 0, "invalid API key");
		return NULL;
	}
	if (k.revoked != 0) {
		auth_fmt_utc(k.revoked, when, sizeof(when));
		msg_api_res_set(res, 401, "key_revoked", 0,
		    "API key '%s' was revoked "
		    "at %s", k.name, when);
		return NULL;
	}
	if (now >= k.expires) {
		auth_fmt_utc(k.expires, when, sizeof(when));
		msg_api_res_set(res, 401, "key_expired", 0,
		    "API key '%s' expired at "
		    "%s", k.name, when);
		return NULL;
	}
	/* Active but not loaded: the index is behind; repair it. */
	log_warnx("auth: key '%s' (id %lld) was missing from the index",
	    k.name, (long long)k.id);
	key_add(&k);
	return key_find(k.hash);
}

/* Expired, or bound to a certificate that did not come: -1 with res. */
static int
auth_key_usable(struct akey *e, const struct msg_api_req *q, int64_t now,
    struct msg_api_res *res)
{
	char	 when[40];

	if (now >= e->k.expires) {
		auth_fmt_utc(e->k.expires, when, sizeof(when));
		msg_api_res_set(res, 401, "key_expired", 0,
		    "API key '%s' expired at "
		    "%s", e->k.name, when);
		key_del(e);	/* the database says why from now on */
		return -1;
	}
	if (!e->k.has_fp)
		return 0;
	if (!q->fp_present) {
		msg_api_res_set(res, 401, "certificate_required", 0,
		    "API key '%s' is "
		    "bound to a client certificate and none was presented",
		    e->k.name);
		return -1;
	}
	if (CRYPTO_memcmp(e->k.fp, q->fingerprint, SHA256_LEN) != 0) {
		msg_api_res_set(res, 401, "certificate_mismatch", 0,
		    "the client "
		    "certificate is not the one API key '%s' is bound to",
		    e->k.name);
		return -1;
	}
	return 0;
}

/* The key's role must carry what q->op needs: -1 with a 403. */
static int
auth_permitted(const struct akey *e, unsigned int op,
    struct msg_api_res *res)
{
	uint32_t	 need;

	if (auth_op_perm(op, &need) == -1) {
		msg_api_res_set(res, 403, "forbidden", 0, "operation %u has no "
		    "permission rule", op);
		return -1;
	}
	if ((e->perms & need) != need) {
		msg_api_res_set(res, 403, "forbidden", 0,
		    "permission %s required; "
		    "key '%s' has role %s", auth_perm_name(need), e->k.name,
		    e->k.role);
		return -1;
	}
	return 0;
}

/* Write last_used, at most once per AUTH_TOUCH_SEC for each key. */
static void
auth_touch(struct akey *e, int64_t now)
{
	if (now - e->touched < AUTH_TOUCH_SEC && e->touched != 0)
		return;
	e->touched = now;
	e->k.last_used = now;
	if (db_key_touch(e->k.id, now) == -1)
		log_warnx("auth: key '%s' (id %lld): last use not recorded",
		    e->k.name, (long long)e->k.id);
}

int
auth_check(const struct msg_api_req *q, struct auth_identity *id,
    struct msg_api_res *res)
{
	char		 address[ADDR_STR_MAX];
	struct akey	*e;
	struct ban	*b;
	int64_t		 now = auth_now();
	uint32_t	 retry;
	int		 exempt;

	memset(id, 0, sizeof(*id));
	if (!au.open) {
		msg_api_res_set(res, 503, "unavailable", 1,
		    "the key store is not "
		    "open");
		return -1;
	}
	addr_norm(q->address, address, sizeof(address));
	exempt = addr_exempt(q->address);
	if (!exempt && (b = ban_find(address)) != NULL && b->until > now) {
		msg_api_res_set(res, 429, "source_banned",
		    (uint32_t)(b->until - now), "too many failed authentications from %s: banned for "
		    "%lld more seconds (rate_limit.auth_failures)", address,
		    (long long)(b->until - now));
		return -1;
	}
	if (!q->key_present) {
		msg_api_res_set(res, 401, "unauthorized", 0,
		    "API key required");
		return -1;
	}
	if ((e = key_find(q->key_hash)) == NULL &&
	    (e = auth_miss(address, q, now, res)) == NULL)
		return auth_failed(address, exempt, q, now, res);
	if (auth_key_usable(e, q, now, res) == -1)
		return auth_failed(address, exempt, q, now, res);
	if ((retry = auth_rate_take(e, now)) != 0) {
		msg_api_res_set(res, 429, "rate_limited", retry, "more than %d "
		    "requests in %d s with key '%s' (rate_limit.per_key)",
		    au.per_key, au.window, e->k.name);
		return -1;
	}
	if (auth_permitted(e, q->op, res) == -1)
		return -1;
	id->key_id = e->k.id;
	strlcpy(id->name, e->k.name, sizeof(id->name));
	strlcpy(id->role, e->k.role, sizeof(id->role));
	id->perms = e->perms;
	auth_touch(e, now);
	return 0;
}

/* Set-up. */

static void
auth_take_config(const struct herald_conf *conf)
{
	uint32_t	 max;

	/* The failure rings are sized by auth_failures: start them over. */
	if (conf->rate_limit.auth_failures != au.auth_failures ||
	    conf->rate_limit.auth_window != au.auth_window)
		sources_free();
	au.window = conf->rate_limit.window;
	au.per_key = conf->rate_limit.per_key;
	au.auth_failures = conf->rate_limit.auth_failures;
	au.auth_window = conf->rate_limit.auth_window;
	au.ban_time = conf->rate_limit.ban_time;
	au.ban_max = conf->rate_limit.ban_max;
	au.ipv6_prefix = conf->rate_limit.ipv6_prefix;
	au.nexempt = conf->rate_limit.nexempt;
	memcpy(au.exempt, conf->rate_limit.exempt,
	    au.nexempt * sizeof(au.exempt[0]));
	au.expiry_days = conf->control.key_expiry_days;
	/* Bounded memory whatever auth_failures is. */
	max = AUTH_FAIL_BUDGET / (uint32_t)au.auth_failures;
	au.max_sources = max < AUTH_SOURCES_MAX ? max : AUTH_SOURCES_MAX;
	while (au.nsources > au.max_sources)
		source_del(TAILQ_FIRST(&au.lru));
}

int
auth_preflight(const struct herald_conf *conf, char *err, size_t errlen)
{
	return db_preflight(conf->database, err, errlen);
}

int
auth_init(const struct herald_conf *conf, auth_ban_fn ban_fn, char *err,
    size_t errlen)
{
	int64_t		 now = auth_now();
	struct ban	*b;
	int		 inforce = 0;

	if (au.open) {
		snprintf(err, errlen, "auth: already initialised");
		return -1;
	}
	if (conf->rate_limit.window < 1 || conf->rate_limit.per_key < 1 ||
	    conf->rate_limit.auth_failures < 1 ||
	    conf->rate_limit.auth_window < 1 ||
	    conf->rate_limit.ban_time < 1 || conf->rate_limit.ban_max < 1 ||
	    conf->control.key_expiry_days < 1) {
		snprintf(err, errlen, "auth: rate_limit and "
		    "control.key_expiry_days must all be at least 1");
		return -1;
	}
	auth_take_config(conf);
	if (db_open(conf->database, err, errlen) == -1)
		return -1;
	if (db_keys_active(now, key_load_cb, NULL) == -1 ||
	    db_bans_prune(now - au.ban_max) == -1 ||
	    db_bans_all(ban_load_cb, NULL) == -1) {
		snprintf(err, errlen, "database %s: cannot load the keys and "
		    "bans (see the log)", conf->database);
		keys_free();
		bans_free();
		db_close();
		return -1;
	}
	au.ban_fn = ban_fn;
	au.open = 1;
	RB_FOREACH(b, ban_tree, &au.bans)
		inforce += b->until > now;
	log_info("auth: %u active key%s, %d ban%s in force", keys_count(),
	    keys_count() == 1 ? "" : "s", inforce, inforce == 1 ? "" : "s");
	return 0;
}

void
auth_set_config(const struct herald_conf *conf)
{
	auth_take_config(conf);
}

void
auth_foreach_ban(auth_ban_fn fn)
{
	struct ban	*b;
	int64_t		 now = auth_now();

	RB_FOREACH(b, ban_tree, &au.bans)
		if (b->until > now)
			fn(b->address, (uint32_t)(b->until - now));
}

void
auth_close(void)
{
	keys_free();
	sources_free();
	bans_free();
	db_close();
	au.open = 0;
	au.ban_fn = NULL;
	au.auth_failures = au.auth_window = 0;
}

int
auth_expiry_days(void)
{
	return au.expiry_days;
}

int
auth_ready(char *err, size_t errlen)
{
	if (au.open)
		return 0;
	snprintf(err, errlen, "the key store is not open");
	return -1;
}


/* Bans, for the control socket. */

int
auth_ban_list(auth_ban_info_fn fn, void *arg)
{
	struct auth_ban_info	 info;
	struct ban		*b;
	int64_t			 now = auth_now();
	int			 n = 0;

	RB_FOREACH(b, ban_tree, &au.bans) {
		if (b->until <= now)
			continue;
		memset(&info, 0, sizeof(info));
		strlcpy(info.address, b->address, sizeof(info.address));
		info.until = b->until;
		info.strikes = b->strikes;
		n++;
		if (fn != NULL && fn(&info, arg) != 0)
			break;
	}
	return n;
}

int
auth_ban_del(const char *address, char *msg, size_t msglen)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	struct src_net	 net;
	struct source	*s;
	struct ban	*b;
	const char	*why;
	char		 addr[ADDR_STR_MAX];
	int64_t		 now = auth_now();
	uint32_t	 fails = 0;

	if (auth_ready(msg, msglen) == -1)
		return -1;
	if (inet_pton(AF_INET, address, &a4) != 1 &&
	    inet_pton(AF_INET6, address, &a6) != 1 &&
	    (strchr(address, '/') == NULL ||
	    src_net_parse(address, &net, &why) == -1 || net.family != 6)) {
		snprintf(msg, msglen, "%s is not a numeric IPv4 or IPv6 "
		    "address", address);
		return -1;
	}
	addr_norm(address, addr, sizeof(addr));
	if ((s = source_find(addr)) != NULL) {
		fails = s->n;
		source_del(s);
	}
	if ((b = ban_find(addr)) == NULL) {
		if (fails == 0) {
			snprintf(msg, msglen, "%s is not banned", addr);
			return -1;
		}
		snprintf(msg, msglen, "%s is not banned; its %u failed "
		    "authentication%s forgotten", addr, fails,
		    fails == 1 ? " was" : "s were");
		return 0;
	}
	if (db_ban_del(addr) == -1) {
		snprintf(msg, msglen, "database error (see the log)");
		return -1;
	}
	RB_REMOVE(ban_tree, &au.bans, b);
	if (b->until > now) {
		snprintf(msg, msglen, "ban on %s lifted (%lld s were left, "
		    "strike %u forgotten)", addr,
		    (long long)(b->until - now), b->strikes);
		if (au.ban_fn != NULL)
			au.ban_fn(addr, 0);
	} else
		snprintf(msg, msglen, "%s is not banned; its record of %u "
		    "strike%s was forgotten", addr, b->strikes,
		    b->strikes == 1 ? "" : "s");
	free(b);
	return 0;
}
