/*
 * API keys, roles, per-key rate limits and the failed-authentication
 * defence, in the monitor, on the SQLite database (privsep/monitor/db.c).
 */
#ifndef HERALD_AUTH_H
#define HERALD_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "msg.h"

struct auth_identity {
	int64_t		key_id;
	char		name[64];
	char		role[16];
	uint32_t	perms;
};

/* Called when a source is banned (seconds > 0) or its ban lifted (0). */
typedef void (*auth_ban_fn)(const char *address, uint32_t seconds);

/*
 * Before the monitor forks into the background: create the database file
 * if need be and check its ownership and modes (db_preflight), so that a
 * refusal is printed where heraldd was started.  SQLite itself is opened
 * by auth_init, after the fork (a connection must not cross one).
 */
int	auth_preflight(const struct herald_conf *, char *err, size_t errlen);

/* Open (creating) the database and load the active keys and bans. */
int	auth_init(const struct herald_conf *, auth_ban_fn, char *err,
	    size_t errlen);
/* Limits after a reload. */
void	auth_set_config(const struct herald_conf *);
/* Every ban in force, for net at start-up. */
void	auth_foreach_ban(auth_ban_fn);
void	auth_close(void);

/* A time for messages: "2026-11-27 21:03:00 UTC". */
void	auth_fmt_utc(int64_t t, char *buf, size_t sz);

/*
 * Authenticate the presented key hash (and client certificate), check the
 * source's ban, the per-key rate limit and the permission q->op needs.
 * 0 with id filled when allowed; -1 with res filled (401/403/429) when
 * not.  Failed authentications count towards a ban of q->address.
 */
int	auth_check(const struct msg_api_req *q, struct auth_identity *id,
	    struct msg_api_res *res);

/*
 * Keys: "hk_" and 43 base64url characters (32 random bytes), stored as
 * the SHA-256 of that whole string.
 */
#define AUTH_KEY_PREFIX		"hk_"
#define AUTH_KEY_LEN		46
#define AUTH_TOUCH_SEC		60	/* last_used written at most this often */
#define AUTH_SOURCES_MAX	16384	/* sources whose failures are counted */

enum auth_key_state {
	AUTH_KEY_ACTIVE = 0,
	AUTH_KEY_EXPIRED = 1,
	AUTH_KEY_REVOKED = 2,
	AUTH_KEY_ROTATING = 3		/* replaced; works until it expires */
};

/* What the control socket may learn about a key: never key or hash. */
struct auth_key_info {
	int64_t		id;
	char		name[64];
	char		role[16];
	int64_t		created;
	int64_t		last_used;	/* 0: never */
	int64_t		expires;
	int64_t		revoked;	/* 0: not revoked */
	int64_t		replaced_by;	/* 0: not rotated */
	int		bound;		/* tied to a client certificate */
	enum auth_key_state state;
};

struct auth_ban_info {
	char		address[ADDR_STR_MAX];
	int64_t		until;
	uint32_t	strikes;
};

/* Iteration callbacks: 0 to go on. */
typedef int (*auth_key_fn)(const struct auth_key_info *, void *);
typedef int (*auth_ban_info_fn)(const struct auth_ban_info *, void *);

/* The wall clock auth uses (tests move it); NULL restores time(). */
void	auth_set_clock(time_t (*)(void));

/*
 * A new key.  days 0 means control.key_expiry_days; fp (32 bytes, or
 * NULL) binds it to a client certificate.  The key (AUTH_KEY_LEN + 1
 * bytes, NUL-terminated) is written to key and nowhere else: the caller
 * shows it once and wipes it.  0, or -1 with a one-line reason in err.
 */
int	auth_key_create(const char *name, const char *role, uint32_t days,
	    const uint8_t *fp, struct auth_key_info *out, char *key,
	    size_t keysz, char *err, size_t errlen);
/*
 * A new key with the name, role, certificate binding and lifetime of
 * the newest active key called name; every active key of that name then
 * expires grace_hours from now (0: at once).  out is the new key, old the
 * one it replaces (with its new expiry).
 */
int	auth_key_rotate(const char *name, uint32_t grace_hours,
	    struct auth_key_info *out, struct auth_key_info *old, char *key,
	    size_t keysz, char *err, size_t errlen);
/*
 * Revoke by id (digits) or by name (every active key of that name).
 * Takes effect for the very next request.  fn sees each key revoked.
 * How many were revoked (>= 1), or -1 with err.
 */
int	auth_key_revoke(const char *target, auth_key_fn fn, void *arg,
	    char *err, size_t errlen);
/* The newest max keys in every state, oldest first; *total: all keys. */
int	auth_key_list(uint32_t max, auth_key_fn fn, void *arg,
	    uint32_t *total, char *err, size_t errlen);

/* The bans in force, by address; returns how many. */
int	auth_ban_list(auth_ban_info_fn, void *);
/*
 * Lift the ban on address at once (the ban hook hears 0), forget its
 * strikes and its failed authentications.  0 with what was done in msg,
 * or -1 with why in msg (not an address; nothing known about it).
 */
int	auth_ban_del(const char *address, char *msg, size_t msglen);

/* SHA-256 of a presented key string, as net computes it. */
void	auth_key_hash(const char *key, size_t len, uint8_t out[SHA256_LEN]);
/* PERM_* of a role, 0 for an unknown one. */
uint32_t auth_role_perms(const char *role);
/* The permission op needs (0: a valid key suffices); -1 unknown op. */
int	auth_op_perm(unsigned int op, uint32_t *perm);
/* "read_positions", ... for one PERM_* bit. */
const char *auth_perm_name(uint32_t perm);

#endif
