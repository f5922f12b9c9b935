/*
 * The harness of the key store's unit tests (test_auth.c,
 * test_auth_bans.c): a real SQLite file in a temporary directory, a
 * clock the test sets, the ban hook and the log captured, and helpers
 * that create keys and check requests.  Each test file includes it once.
 */
#ifndef HERALD_AUTH_TEST_H
#define HERALD_AUTH_TEST_H

#define T0		((time_t)1800000000)	/* a multiple of 60 and 300 */
#define ADDR		"192.0.2.7"
#define OTHER		"198.51.100.9"

static time_t			 now_t;
static char			 dir[64];
static char			 dbpath[128];
static struct herald_conf	 conf;
static struct msg_api_req	 q;
static struct msg_api_res	 res;
static struct auth_identity	 ident;
static char			 err[512];

/* What the ban hook heard. */
static int			 nbans;
static char			 ban_addr[ADDR_STR_MAX];
static uint32_t			 ban_secs;

/* Every log line, to look for the SECURITY line and for leaks. */
static char			 logbuf[65536];

static inline time_t
fake_clock(void)
{
	return now_t;
}

static inline void
capture(int pri, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

static inline void
ban_hook(const char *address, uint32_t seconds)
{
	nbans++;
	strlcpy(ban_addr, address, sizeof(ban_addr));
	ban_secs = seconds;
}

static inline void
start(void)
{
	err[0] = '\0';
	if (auth_init(&conf, ban_hook, err, sizeof(err)) != 0)
		fail_msg("auth_init: %s", err);
}

static inline int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-auth-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/herald.db", dir);
	config_defaults(&conf);
	strlcpy(conf.database, dbpath, sizeof(conf.database));
	conf.rate_limit.window = 60;
	conf.rate_limit.per_key = 1000;
	conf.rate_limit.auth_failures = 5;
	conf.rate_limit.auth_window = 300;
	conf.rate_limit.ban_time = 600;
	conf.rate_limit.ban_max = 86400;
	now_t = T0;
	auth_set_clock(fake_clock);
	nbans = 0;
	ban_addr[0] = '\0';
	ban_secs = 0;
	logbuf[0] = '\0';
	log_init("test", 1, LOG_DEBUG);
	log_set_forward(capture);
	start();
	return 0;
}

static inline int
teardown(void **state)
{
	auth_close();
	auth_set_clock(NULL);
	log_set_forward(NULL);
	db_test_rm(dbpath);
	rmdir(dir);
	return 0;
}

/* One request; 200 if auth_check allowed it, else its status. */
static inline int
check(const char *key, unsigned int op, const char *addr, const uint8_t *fp)
{
	memset(&q, 0, sizeof(q));
	q.op = (uint8_t)op;
	if (key != NULL) {
		q.key_present = 1;
		auth_key_hash(key, strlen(key), q.key_hash);
	}
	if (fp != NULL) {
		q.fp_present = 1;
		memcpy(q.fingerprint, fp, SHA256_LEN);
	}
	strlcpy(q.address, addr, sizeof(q.address));
	memset(&res, 0, sizeof(res));
	if (auth_check(&q, &ident, &res) == 0)
		return 200;
	assert_true(res.status >= 400);
	return res.status;
}

static inline void
expect(int status, const char *code)
{
	assert_int_equal(res.status, status);
	assert_string_equal(res.code, code);
}

static inline void
expect_msg(const char *needle)
{
	if (strstr(res.message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", res.message, needle);
}

static inline void
expect_err(const char *needle)
{
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static inline int64_t
create(const char *name, const char *role, uint32_t days, const uint8_t *fp,
    char key[AUTH_KEY_LEN + 1])
{
	struct auth_key_info	 info;

	err[0] = '\0';
	if (auth_key_create(name, role, days, fp, &info, key,
	    AUTH_KEY_LEN + 1, err, sizeof(err)) != 0)
		fail_msg("create %s: %s", name, err);
	assert_string_equal(info.name, name);
	assert_string_equal(info.role, role);
	assert_int_equal(info.state, AUTH_KEY_ACTIVE);
	return info.id;
}

/* A bad key from addr, n times. */
static inline void
bad_keys(const char *addr, int n)
{
	char	 key[32];
	int	 i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "hk_not-a-real-key-%d", i);
		assert_int_equal(check(key, OP_STATUS, addr, NULL), 401);
		expect(401, "unauthorized");
	}
}

struct keys {
	struct auth_key_info	 k[16];
	int			 n;
};

static inline int
keys_cb(const struct auth_key_info *k, void *arg)
{
	struct keys	*ks = arg;

	if (ks->n < 16)
		ks->k[ks->n++] = *k;
	return 0;
}

static inline void
list(struct keys *ks)
{
	uint32_t	 total;

	memset(ks, 0, sizeof(*ks));
	assert_int_equal(auth_key_list(16, keys_cb, ks, &total, err,
	    sizeof(err)), 0);
	assert_int_equal(total, (uint32_t)ks->n);
}

#endif
