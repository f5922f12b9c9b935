/*
 * TLS with the private key in another process, end to end: net's context
 * from tls_ctx_new() with PEM bytes, handshakes against an OpenSSL
 * client.  RSA-2048 (PSS and PKCS#1), ECDSA P-256 and P-384, TLS 1.3
 * and 1.2, ALPN, refused protocols, client certificates, resumption
 * from the server's cache and refused renegotiation.
 */
#include "tls_test.h"

/* msg from one end to the other, through TLS. */
static void
xfer(SSL *from, SSL *to, const char *msg)
{
	char	 buf[64];
	int	 n, i, len = (int)strlen(msg);

	assert_int_equal(SSL_write(from, msg, len), len);
	for (i = 0; i < 10000; i++) {
		if ((n = SSL_read(to, buf, sizeof(buf))) > 0) {
			assert_int_equal(n, len);
			assert_memory_equal(buf, msg, len);
			return;
		}
		assert_int_equal(SSL_get_error(to, n), SSL_ERROR_WANT_READ);
	}
	fail_msg("no application data");
}

/*
 * A full handshake against a monitor serving id's key: version, ALPN,
 * application data both ways.  Returns the number of signatures asked.
 */
static int
good_handshake(const struct ident *id, const struct client_opts *o,
    int version)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	uint8_t		 fp[32];

	mon_start(&mon, id->key, MON_SIGN);
	sctx = tls_ctx_new((const uint8_t *)id->chain, id->chainlen, NULL, 0,
	    &mon.chan);
	assert_non_null(sctx);
	conn_new(&k, sctx, o);
	if (handshake(&k) == -1) {
		ERR_print_errors_fp(stderr);
		fail_msg("handshake failed");
	}
	assert_int_equal(SSL_version(k.c), version);
	assert_int_equal(SSL_version(k.s), version);
	assert_int_equal(SSL_get_verify_result(k.c), X509_V_OK);
	assert_alpn(k.c, o->alpn == NULL || strcmp(o->alpn, ALPN_H2) == 0 ?
	    NULL : "http/1.1");
	assert_alpn(k.s, o->alpn == NULL || strcmp(o->alpn, ALPN_H2) == 0 ?
	    NULL : "http/1.1");
	assert_int_equal(tls_peer_fingerprint(k.s, fp), 0);
	xfer(k.c, k.s, "GET /healthz HTTP/1.1\r\n\r\n");
	xfer(k.s, k.c, "HTTP/1.1 200 OK\r\n\r\n");
	conn_free(&k);
	SSL_CTX_free(sctx);
	return mon_stop(&mon);
}

static void
test_rsa_tls13(void **state)
{
	/* TLS 1.3 signs with RSA-PSS: a PSS block, RSA_NO_PADDING. */
	assert_int_equal(good_handshake(&id_rsa, &o13, TLS1_3_VERSION), 1);
}

static void
test_rsa_tls12_pss(void **state)
{
	struct client_opts	 o = o12;

	o.sigalgs = "rsa_pss_rsae_sha256";
	assert_int_equal(good_handshake(&id_rsa, &o, TLS1_2_VERSION), 1);
	o.sigalgs = "rsa_pss_rsae_sha512";
	assert_int_equal(good_handshake(&id_rsa, &o, TLS1_2_VERSION), 1);
}

static void
test_rsa_tls12_pkcs1(void **state)
{
	struct client_opts	 o = o12;

	/* A client that only speaks PKCS#1 v1.5 signatures. */
	o.sigalgs = "RSA+SHA256";
	assert_int_equal(good_handshake(&id_rsa, &o, TLS1_2_VERSION), 1);
	o.sigalgs = "RSA+SHA384";
	assert_int_equal(good_handshake(&id_rsa, &o, TLS1_2_VERSION), 1);
}

static void
test_p256(void **state)
{
	struct client_opts	 o = o12;

	assert_int_equal(good_handshake(&id_p256, &o13, TLS1_3_VERSION), 1);
	assert_int_equal(good_handshake(&id_p256, &o12, TLS1_2_VERSION), 1);
	o.sigalgs = "ECDSA+SHA384";
	assert_int_equal(good_handshake(&id_p256, &o, TLS1_2_VERSION), 1);
	o.sigalgs = "ECDSA+SHA512";
	assert_int_equal(good_handshake(&id_p256, &o, TLS1_2_VERSION), 1);
}

static void
test_p384(void **state)
{
	struct client_opts	 o = o12;

	assert_int_equal(good_handshake(&id_p384, &o13, TLS1_3_VERSION), 1);
	assert_int_equal(good_handshake(&id_p384, &o12, TLS1_2_VERSION), 1);
	o.sigalgs = "ECDSA+SHA256";
	assert_int_equal(good_handshake(&id_p384, &o, TLS1_2_VERSION), 1);
}

static void
test_alpn(void **state)
{
	struct client_opts	 o = o13;

	/* http/1.1 among others is chosen. */
	o.alpn = ALPN_H2_11;
	o.alpnlen = sizeof(ALPN_H2_11) - 1;
	assert_int_equal(good_handshake(&id_p256, &o, TLS1_3_VERSION), 1);
	/* Only others, or none: no ALPN, and no failure either. */
	o.alpn = ALPN_H2;
	o.alpnlen = sizeof(ALPN_H2) - 1;
	assert_int_equal(good_handshake(&id_p256, &o, TLS1_3_VERSION), 1);
	o.alpn = NULL;
	o.alpnlen = 0;
	assert_int_equal(good_handshake(&id_rsa, &o, TLS1_3_VERSION), 1);
}

/* Only ECDHE with AEAD in TLS 1.2; nothing older than 1.2. */
static int
try_ciphers(const struct ident *id, int minver, int maxver,
    const char *ciphers)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	struct client_opts	 o = o12;
	int		 rv;

	mon_start(&mon, id->key, MON_SIGN);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id->chain,
	    id->chainlen, NULL, 0, &mon.chan));
	conn_new(&k, sctx, &o);
	SSL_set_security_level(k.c, 0);
	assert_int_equal(SSL_set_min_proto_version(k.c, minver), 1);
	assert_int_equal(SSL_set_max_proto_version(k.c, maxver), 1);
	if (ciphers != NULL)
		assert_int_equal(SSL_set_cipher_list(k.c, ciphers), 1);
	rv = handshake(&k);
	conn_free(&k);
	SSL_CTX_free(sctx);
	mon_stop(&mon);
	return rv;
}

static void
test_refused_protocols(void **state)
{
	assert_int_equal(try_ciphers(&id_rsa, TLS1_VERSION, TLS1_VERSION,
	    "DEFAULT@SECLEVEL=0"), -1);
	assert_int_equal(try_ciphers(&id_rsa, TLS1_1_VERSION, TLS1_1_VERSION,
	    "DEFAULT@SECLEVEL=0"), -1);
	/* Static RSA key exchange, CBC, and DHE are not offered. */
	assert_int_equal(try_ciphers(&id_rsa, TLS1_2_VERSION, TLS1_2_VERSION,
	    "AES128-GCM-SHA256"), -1);
	assert_int_equal(try_ciphers(&id_rsa, TLS1_2_VERSION, TLS1_2_VERSION,
	    "AES256-SHA256"), -1);
	assert_int_equal(try_ciphers(&id_rsa, TLS1_2_VERSION, TLS1_2_VERSION,
	    "ECDHE-RSA-AES128-SHA256"), -1);
	assert_int_equal(try_ciphers(&id_rsa, TLS1_2_VERSION, TLS1_2_VERSION,
	    "DHE-RSA-AES128-GCM-SHA256"), -1);
	/* The listed suites work. */
	assert_int_equal(try_ciphers(&id_rsa, TLS1_2_VERSION, TLS1_2_VERSION,
	    "ECDHE-RSA-CHACHA20-POLY1305"), 0);
	assert_int_equal(try_ciphers(&id_p384, TLS1_2_VERSION, TLS1_2_VERSION,
	    "ECDHE-ECDSA-AES256-GCM-SHA384"), 0);
}

/* Client certificates. */

static int
mtls_handshake(const struct client_opts *o, uint8_t fp[32], int *gotfp)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	int		 rv;

	mon_start(&mon, id_p256.key, MON_SIGN);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, (const uint8_t *)client_ca_pem,
	    client_ca_pemlen, &mon.chan));
	conn_new(&k, sctx, o);
	if ((rv = handshake(&k)) == 0) {
		xfer(k.c, k.s, "ping");
		xfer(k.s, k.c, "pong");
		*gotfp = tls_peer_fingerprint(k.s, fp);
	}
	conn_free(&k);
	SSL_CTX_free(sctx);
	mon_stop(&mon);
	return rv;
}

static void
test_client_cert(void **state)
{
	struct client_opts	 o;
	uint8_t			 fp[32], want[32];
	unsigned int		 n;
	int			 got = 0;
	int			 vers[] = { TLS1_2_VERSION, 0 };
	size_t			 i;

	assert_int_equal(X509_digest(client_cert, EVP_sha256(), want, &n), 1);
	for (i = 0; i < 2; i++) {
		o = o13;
		o.maxver = vers[i];
		/* A certificate from the CA: accepted, fingerprint known. */
		o.cert = client_cert;
		o.certkey = client_key;
		got = 0;
		assert_int_equal(mtls_handshake(&o, fp, &got), 0);
		assert_int_equal(got, 1);
		assert_memory_equal(fp, want, 32);
		/* None at all. */
		o.cert = NULL;
		o.certkey = NULL;
		assert_int_equal(mtls_handshake(&o, fp, &got), -1);
		/* Same key, another CA. */
		o.cert = rogue_client_cert;
		o.certkey = client_key;
		assert_int_equal(mtls_handshake(&o, fp, &got), -1);
	}
}

/* Resumption comes from net's cache, without the monitor. */
static void
test_resumption(void **state)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	SSL_SESSION	*sess;
	struct client_opts	 o;
	int		 v, vers[] = { TLS1_3_VERSION, TLS1_2_VERSION };

	for (v = 0; v < 2; v++) {
		o = o13;
		o.maxver = vers[v];
		mon_start(&mon, id_rsa.key, MON_SIGN);
		assert_non_null(sctx = tls_ctx_new((const uint8_t *)id_rsa.chain,
		    id_rsa.chainlen, NULL, 0, &mon.chan));
		conn_new(&k, sctx, &o);
		assert_int_equal(handshake(&k), 0);
		xfer(k.c, k.s, "one");
		xfer(k.s, k.c, "two");
		assert_non_null(sess = SSL_get1_session(k.c));
		assert_int_equal(SSL_SESSION_is_resumable(sess), 1);
		/* No ticket: the server's session cache. */
		assert_int_equal(SSL_SESSION_has_ticket(sess),
		    vers[v] == TLS1_3_VERSION);
		assert_int_equal(SSL_session_reused(k.c), 0);
		conn_free(&k);

		o.session = sess;
		conn_new(&k, sctx, &o);
		assert_int_equal(handshake(&k), 0);
		assert_int_equal(SSL_session_reused(k.c), 1);
		xfer(k.c, k.s, "three");
		conn_free(&k);
		SSL_SESSION_free(sess);
		SSL_CTX_free(sctx);
		/* One signature for two connections. */
		assert_int_equal(mon_stop(&mon), 1);
	}
}

/*
 * Client-initiated renegotiation is refused by tls_ctx_new() itself, not
 * by OpenSSL's default: main() loads a configuration allowing it, as an
 * administrator's openssl.cnf may (net reads it at start).
 */
static void
test_renegotiation_refused(void **state)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;
	char		 buf[16];
	int		 i, r = 0, cdone = 0;

	/* The configuration took: a plain context would renegotiate. */
	assert_non_null(sctx = SSL_CTX_new(TLS_server_method()));
	assert_true(SSL_CTX_get_options(sctx) &
	    SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	SSL_CTX_free(sctx);

	mon_start(&mon, id_p256.key, MON_SIGN);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, NULL, 0, &mon.chan));
	conn_new(&k, sctx, &o12);
	assert_int_equal(handshake(&k), 0);
	xfer(k.c, k.s, "before");
	assert_int_equal(SSL_renegotiate(k.c), 1);
	/*
	 * The server reads the new ClientHello and answers with an alert;
	 * the client's error is the last on the queue when it gives up.
	 */
	ERR_clear_error();
	for (i = 0; i < 10000; i++) {
		if ((r = step(k.c, &cdone)) == -1 || cdone)
			break;
		(void)SSL_read(k.s, buf, sizeof(buf));
	}
	assert_int_equal(r, -1);
	assert_int_equal(cdone, 0);
	assert_int_equal(ERR_GET_REASON(ERR_peek_last_error()),
	    SSL_R_NO_RENEGOTIATION);
	assert_int_equal(SSL_total_renegotiations(k.s), 0);
	conn_free(&k);
	SSL_CTX_free(sctx);
	/* The first handshake's signature, none for a second. */
	assert_int_equal(mon_stop(&mon), 1);
}

/* A temporary openssl.cnf that allows client renegotiation. */
static void
allow_renegotiation_config(char *path, size_t len)
{
	static const char	 cnf[] =
	    "openssl_conf = herald_test\n"
	    "[herald_test]\nssl_conf = herald_ssl\n"
	    "[herald_ssl]\nsystem_default = herald_sys\n"
	    "[herald_sys]\nOptions = ClientRenegotiation\n";
	const char		*tmp;
	int			 fd;

	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(path, len, "%s/test_tls-XXXXXX", tmp);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, cnf, sizeof(cnf) - 1) != (ssize_t)(sizeof(cnf) - 1) ||
	    close(fd) == -1 || setenv("OPENSSL_CONF", path, 1) == -1) {
		perror(path);
		exit(1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_tls13),
		cmocka_unit_test(test_rsa_tls12_pss),
		cmocka_unit_test(test_rsa_tls12_pkcs1),
		cmocka_unit_test(test_p256),
		cmocka_unit_test(test_p384),
		cmocka_unit_test(test_alpn),
		cmocka_unit_test(test_refused_protocols),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_renegotiation_refused),
	};
	char	 cnf[PATH_MAX];
	int	 rc;

	/* Before OpenSSL's first use: it reads its configuration once. */
	allow_renegotiation_config(cnf, sizeof(cnf));
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	unlink(cnf);
	return rc;
}
