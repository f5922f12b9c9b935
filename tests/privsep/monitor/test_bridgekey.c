/*
 * The monitor's side of the bridge (bridgekey.c): the key file's
 * StrictModes, the handshake's tags and keys against the protocol's
 * derivations, the account check, the authorisation of an order (its
 * canonical text and HMAC under the order key) and key creation that
 * refuses to overwrite.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "api.h"
#include "bridge.h"
#include "bridgekey.h"
#include "config.h"
#include "msg.h"
#include "params.h"

static char			 dir[] = "/tmp/test_bridgekey.XXXXXX";
static char			 path[256];
static struct herald_conf	 conf;
static uint8_t			 K[32];

static int
setup(void **state)
{
	size_t	i;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/bridge.key", dir);
	for (i = 0; i < 32; i++)
		K[i] = (uint8_t)(i * 7);
	config_defaults(&conf);
	conf.mt5.backend = BACKEND_BRIDGE;
	strlcpy(conf.mt5.login, "12345678", sizeof(conf.mt5.login));
	strlcpy(conf.mt5.server, "Demo", sizeof(conf.mt5.server));
	strlcpy(conf.mt5.bridge.key_file, path,
	    sizeof(conf.mt5.bridge.key_file));
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

static void
write_key(const uint8_t *k, mode_t mode)
{
	char	hex[65];
	FILE	*f;

	unlink(path);
	bridge_hex_encode(k, hex);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", hex);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_key_file(void **state)
{
	char	err[512];

	if (geteuid() != 0)
		skip();		/* StrictModes: the file must be root's */
	unlink(path);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	assert_non_null(strstr(bridgekey_missing(), "does not exist yet"));
	write_key(K, 0640);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0600 or stricter"));
	assert_non_null(strstr(err, "mode 0640"));
	unlink(path);
	{
		FILE *f = fopen(path, "w");

		fputs("not a key\n", f);
		fclose(f);
		chmod(path, 0600);
	}
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "64 lower-case hex digits"));
	write_key(K, 0600);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	assert_string_equal(bridgekey_missing(), "");
}

static void
hello(struct msg_bridge_hello *h, uint64_t login, const char *server)
{
	memset(h, 0, sizeof(*h));
	h->login = login;
	strlcpy(h->server, server, sizeof(h->server));
	memset(h->nonce, 0xee, sizeof(h->nonce));
	strlcpy(h->ea, "test", sizeof(h->ea));
}

static void
test_handshake(void **state)
{
	struct msg_bridge_hello	 h;
	struct msg_bridge_answer a, s;
	uint8_t			 want[32], tag_e[32];
	char			 err[512];

	if (geteuid() != 0)
		skip();
	write_key(K, 0600);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);

	hello(&h, 87654321, "Demo");
	bridgekey_hello(&h, &a);
	assert_int_equal(a.ok, 0);
	assert_string_equal(a.reason, "account_mismatch");
	hello(&h, 12345678, "Other");
	bridgekey_hello(&h, &a);
	assert_string_equal(a.reason, "account_mismatch");
	/* AUTH without a challenge */
	bridgekey_auth(tag_e, &s);
	assert_int_equal(s.ok, 0);

	hello(&h, 12345678, "Demo");
	bridgekey_hello(&h, &a);
	assert_int_equal(a.ok, 1);
	bridge_kdf(K, "broker", h.nonce, a.nonce, want);
	assert_memory_equal(a.tag, want, 32);
	/* A wrong tag_e, then the challenge is spent. */
	bridge_kdf(K, "broker", h.nonce, a.nonce, tag_e);
	bridgekey_auth(tag_e, &s);
	assert_int_equal(s.ok, 0);
	assert_string_equal(s.reason, "auth_failed");
	bridge_kdf(K, "ea", h.nonce, a.nonce, tag_e);
	bridgekey_auth(tag_e, &s);
	assert_int_equal(s.ok, 0);

	bridgekey_hello(&h, &a);
	bridge_kdf(K, "ea", h.nonce, a.nonce, tag_e);
	bridgekey_auth(tag_e, &s);
	assert_int_equal(s.ok, 1);
	bridge_kdf(K, "session", h.nonce, a.nonce, want);
	assert_memory_equal(s.nonce, want, 32);
}

static void
test_authorize(void **state)
{
	struct msg_bridge_hello	 h;
	struct msg_bridge_answer a, s;
	struct msg_bridge_order	 o;
	struct rpc_params	 p;
	uint8_t			 params[256], tag_e[32], okey[32], want[32];
	size_t			 n;
	char			 err[512];

	if (geteuid() != 0)
		skip();
	write_key(K, 0600);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	bridgekey_end();
	memset(&p, 0, sizeof(p));
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	p.side = RPC_SIDE_SELL;
	p.volume = 0.25;
	p.flags = RPC_HAS_SL;
	p.sl = 1.2;
	n = rpc_params_pack(&p, F_TRADE, params, sizeof(params));
	assert_true(n != (size_t)-1);
	/* No session, no tag. */
	assert_int_equal(bridgekey_authorize(7, OP_TRADE, params, n, &o), -1);

	hello(&h, 12345678, "Demo");
	bridgekey_hello(&h, &a);
	bridge_kdf(K, "ea", h.nonce, a.nonce, tag_e);
	bridgekey_auth(tag_e, &s);
	assert_int_equal(s.ok, 1);
	assert_int_equal(bridgekey_authorize(7, OP_TRADE, params, n, &o), 0);
	assert_int_equal(o.command_id, 7);
	assert_string_equal(o.canon, "cmd=7\naction=1\nsymbol=EURUSD\ntype=1\n"
	    "volume=0.25000000\nprice=0.00000000\nstoplimit=0.00000000\n"
	    "sl=1.20000000\ntp=0.00000000\ndeviation=0\ntype_time=0\n"
	    "expiration=0\nposition=0\nposition_by=0\norder=0\ncomment=\n");
	bridge_kdf(K, "order", h.nonce, a.nonce, okey);
	bridge_hmac(okey, o.canon, strlen(o.canon), want);
	assert_memory_equal(o.tag, want, 32);
	/* An SL/TP change naming only the TP: the EA keeps the SL (-1). */
	memset(&p, 0, sizeof(p));
	p.ticket = 42;
	p.flags = RPC_HAS_TP;
	p.tp = 1.3;
	n = rpc_params_pack(&p, RPC_NEED_TICKET | RPC_HAS_SL | RPC_HAS_TP |
	    RPC_NEED_SL_TP, params, sizeof(params));
	assert_true(n != (size_t)-1);
	assert_int_equal(bridgekey_authorize(9, OP_POSITION_MODIFY, params, n,
	    &o), 0);
	assert_string_equal(o.canon, "cmd=9\naction=6\nsymbol=\ntype=0\n"
	    "volume=0.00000000\nprice=0.00000000\nstoplimit=0.00000000\n"
	    "sl=-1.00000000\ntp=1.30000000\ndeviation=0\ntype_time=0\n"
	    "expiration=0\nposition=42\nposition_by=0\norder=0\ncomment=\n");
	/* The session ends: no more tags. */
	bridgekey_end();
	assert_int_equal(bridgekey_authorize(8, OP_TRADE, params, n, &o), -1);
}

static void
test_create(void **state)
{
	char	hex[65], where[256], err[512], buf[80];
	FILE	*f;

	if (geteuid() != 0)
		skip();
	write_key(K, 0600);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	assert_int_equal(bridgekey_create(0, hex, where, sizeof(where), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "exists; use heraldctl bridge key "
	    "rotate"));
	assert_int_equal(bridgekey_create(1, hex, where, sizeof(where), err,
	    sizeof(err)), 0);
	assert_string_equal(where, path);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(strncmp(buf, hex, 64), 0);
	unlink(path);
	assert_int_equal(bridgekey_create(0, hex, where, sizeof(where), err,
	    sizeof(err)), 0);
}

/*
 * What the monitor refuses of a broker or an operator: bridge messages
 * and key commands when the backend is paper (a subverted broker gets
 * no handshake out of it), and a message that is not the bridge's.
 */
static void
test_refusals(void **state)
{
	struct ipc_msg	 m;
	const char	*why = NULL;
	char		 hex[65], where[256], err[512];

	if (geteuid() != 0)
		skip();
	memset(&m, 0, sizeof(m));
	m.fd = -1;
	conf.mt5.backend = BACKEND_PAPER;
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	m.hdr.type = MSG_BRIDGE_HELLO;
	assert_int_equal(bridgekey_message(&m, &why), -1);
	assert_string_equal(why, "bridge message, but mt5.backend is not "
	    "bridge");
	assert_int_equal(bridgekey_create(0, hex, where, sizeof(where), err,
	    sizeof(err)), -1);
	assert_string_equal(err, "mt5.backend is not bridge");
	conf.mt5.backend = BACKEND_BRIDGE;

	write_key(K, 0600);
	assert_int_equal(bridgekey_init(&conf, err, sizeof(err)), 0);
	m.hdr.type = MSG_BRIDGE_ORDER;		/* the monitor's own */
	assert_int_equal(bridgekey_message(&m, &why), -1);
	assert_string_equal(why, "not a bridge message");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_authorize),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
