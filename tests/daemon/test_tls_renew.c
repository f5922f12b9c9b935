/*
 * A reload's new certificate in net (tls_ctx_renew()): its handshakes
 * sign under the key id TLS_RENEW named, which the forked "monitor"
 * holds to (keyop_sign() knows KEYOP_KEY_ID only, as the monitor knows
 * only the ids in force); a chain that does not build is an error, not
 * the end of net.  privsep/monitor/certlive.c's side is driven by
 * tests/integration/test_cert_reload.py.
 */
#include "tls_test.h"

static int
renewed_handshake(uint32_t key_id, const struct client_opts *o)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	char		 err[256];
	int		 r;

	mon_start(&mon, id_p256.key, MON_SIGN);
	assert_non_null(sctx = tls_ctx_renew((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, NULL, 0, &mon.chan, key_id, err, sizeof(err)));
	conn_new(&k, sctx, o);
	r = handshake(&k);
	conn_free(&k);
	SSL_CTX_free(sctx);
	assert_int_equal(mon_stop(&mon), 1);
	return r;
}

static void
test_renew_names_its_key(void **state)
{
	assert_int_equal(renewed_handshake(KEYOP_KEY_ID, &o13), 0);
	assert_int_equal(renewed_handshake(KEYOP_KEY_ID, &o12), 0);
	/* Key id 2 is not the monitor's: it refuses, the handshake fails. */
	assert_int_equal(renewed_handshake(KEYOP_KEY_ID + 1, &o13), -1);
}

static void
test_renew_refuses_a_bad_chain(void **state)
{
	static const char	 junk[] = "not a certificate\n";
	struct ipc_chan		 none;
	char			 err[256];
	size_t			 cut = id_p256.chainlen - 40;

	memset(&none, 0, sizeof(none));
	assert_null(tls_ctx_renew((const uint8_t *)junk, sizeof(junk) - 1,
	    NULL, 0, &none, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "certificate chain: no PEM certificate"));
	assert_null(tls_ctx_renew((const uint8_t *)id_p256.chain, cut, NULL,
	    0, &none, 2, err, sizeof(err)));
	assert_null(tls_ctx_renew((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, (const uint8_t *)junk, sizeof(junk) - 1, &none,
	    2, err, sizeof(err)));
	assert_non_null(strstr(err, "client CA bundle"));
	assert_null(tls_ctx_renew(NULL, 0, NULL, 0, &none, 2, err,
	    sizeof(err)));
	assert_string_equal(err, "certificate chain of 0 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renew_names_its_key),
		cmocka_unit_test(test_renew_refuses_a_bad_chain),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
