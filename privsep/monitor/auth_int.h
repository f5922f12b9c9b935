/*
 * What auth.c (authentication, rate limits, bans), authkeys.c (the key
 * store) and roles.c (roles and permissions) share; the monitor's own.
 */
#ifndef HERALD_AUTH_INT_H
#define HERALD_AUTH_INT_H

#include <stdint.h>

#include "db.h"

/* Sliding-window counter: this window's count and the previous one's. */
struct swin {
	int64_t		 bucket;	/* now / window */
	uint32_t	 cur, prev;
	int		 window;
};

struct akey {
	struct akey	*next;		/* in its bucket */
	struct db_key	 k;
	uint32_t	 perms;
	int64_t		 touched;	/* last_used last written */
	struct swin	 rate;
};

/* The key index (authkeys.c): the active keys, by their hash. */
struct akey	*key_find(const uint8_t *hash);
struct akey	*key_find_id(int64_t id);
/* Add k, or refresh its entry: the database is the record. */
void		 key_add(const struct db_key *);
void		 key_del(struct akey *);
void		 keys_free(void);
uint32_t	 keys_count(void);
/* A db_keys_active() callback that adds each key. */
int		 key_load_cb(const struct db_key *, void *);

/* auth.c: the clock (auth_set_clock's, or time()). */
int64_t		 auth_now(void);
/* 0 when the key store is open, else -1 with err. */
int		 auth_ready(char *err, size_t errlen);
/* control.key_expiry_days, a new key's default life. */
int		 auth_expiry_days(void);

#endif
