/*
 * TLS when the monitor holding the key fails: it refuses, breaks, answers
 * late or not at all; and the whole server side once more under net's
 * seccomp table.
 */
#include "tls_test.h"
#include "log.h"

/* The monitor does not sign: the handshake fails, cleanly. */
static int
failing_handshake(const struct ident *id, EVP_PKEY *monkey,
    enum mon_mode mode, const struct client_opts *o)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;

	mon_start(&mon, monkey, mode);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id->chain,
	    id->chainlen, NULL, 0, &mon.chan));
	conn_new(&k, sctx, o);
	assert_int_equal(handshake(&k), -1);
	assert_int_equal(SSL_is_init_finished(k.c), 0);
	conn_free(&k);
	SSL_CTX_free(sctx);
	return mon_stop(&mon);
}

static void
test_monitor_refuses(void **state)
{
	assert_int_equal(failing_handshake(&id_rsa, id_rsa.key, MON_REFUSE,
	    &o13), 1);
	assert_int_equal(failing_handshake(&id_rsa, id_rsa.key, MON_REFUSE,
	    &o12), 1);
	assert_int_equal(failing_handshake(&id_p256, id_p256.key, MON_REFUSE,
	    &o13), 1);
	assert_int_equal(failing_handshake(&id_p384, id_p384.key, MON_REFUSE,
	    &o12), 1);
	/* The monitor's real checks: an EC key asked for RSA. */
	assert_int_equal(failing_handshake(&id_rsa, id_p256.key, MON_SIGN,
	    &o13), 1);
	assert_int_equal(failing_handshake(&id_p256, id_rsa.key, MON_SIGN,
	    &o13), 1);
}

static void
test_monitor_broken(void **state)
{
	/* Hangs up, answers with another type, or with a bad signature. */
	assert_int_equal(failing_handshake(&id_rsa, id_rsa.key, MON_EXIT,
	    &o13), 1);
	assert_int_equal(failing_handshake(&id_p256, id_p256.key,
	    MON_WRONG_TYPE, &o13), 1);
	assert_int_equal(failing_handshake(&id_rsa, id_rsa_other.key,
	    MON_SIGN, &o13), 1);
	assert_int_equal(failing_handshake(&id_rsa, id_rsa_other.key,
	    MON_SIGN, &o12), 1);
}

static void
test_monitor_stale_answer(void **state)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;

	/* A late answer to an earlier request is dropped, not used. */
	mon_start(&mon, id_p256.key, MON_STALE_ID);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, NULL, 0, &mon.chan));
	conn_new(&k, sctx, &o13);
	assert_int_equal(handshake(&k), 0);
	conn_free(&k);
	SSL_CTX_free(sctx);
	assert_int_equal(mon_stop(&mon), 1);
}

static char	logbuf[4096];

static void
capture(int pri, const char *line)
{
	strlcat(logbuf, line, sizeof(logbuf));
	strlcat(logbuf, "\n", sizeof(logbuf));
}

/*
 * A monitor that never answers ends the handshake (net's wait has a
 * deadline, and the log says that is why), the channel stays in use, and
 * the answer that comes after the deadline is dropped instead of being
 * taken for the next request's: that handshake gets its own signature.
 */
static void
test_monitor_silent(void **state)
{
	struct mon	 mon;
	struct conn	 k;
	SSL_CTX		*sctx;

	logbuf[0] = '\0';
	log_init("test", 1, LOG_INFO);
	log_set_forward(capture);
	mon_start(&mon, id_p256.key, MON_LATE);
	assert_non_null(sctx = tls_ctx_new((const uint8_t *)id_p256.chain,
	    id_p256.chainlen, NULL, 0, &mon.chan));
	conn_new(&k, sctx, &o13);
	assert_int_equal(handshake(&k), -1);
	assert_int_equal(SSL_is_init_finished(k.c), 0);
	conn_free(&k);
	if (strstr(logbuf, "no answer from the monitor within") == NULL)
		fail_msg("no deadline in the log: %s", logbuf);
	assert_null(strstr(logbuf, "dropped a late answer"));

	conn_new(&k, sctx, &o13);
	assert_int_equal(handshake(&k), 0);
	conn_free(&k);
	if (strstr(logbuf, "dropped a late answer") == NULL)
		fail_msg("the late answer was not dropped: %s", logbuf);
	SSL_CTX_free(sctx);
	log_set_forward(NULL);
	assert_int_equal(mon_stop(&mon), 2);
}

/*
 * Everything net does after start-up, under net's seccomp table: the
 * contexts are made first (as net does before its sandbox), then a
 * sandboxed child serves one connection per client below.  The default
 * action kills: a missing table entry shows as SIGSYS.  Set
 * HERALD_TEST_SECCOMP_DEBUG=1 to have it named instead.
 */
enum { SB_RSA13, SB_RSA12, SB_P256_13, SB_P384_12, SB_MTLS13, SB_MTLS12,
	SB_RESUME, SB_N };

static int
sb_serve(SSL_CTX *ctx, int fd, int wantfp)
{
	SSL	*s;
	char	 buf[64];
	uint8_t	 fp[32];
	int	 n, rv = 1;

	if ((s = SSL_new(ctx)) == NULL || SSL_set_fd(s, fd) != 1)
		return 1;
	if (SSL_accept(s) != 1)
		goto done;
	if ((n = SSL_read(s, buf, sizeof(buf))) != 4 ||
	    memcmp(buf, "ping", 4) != 0)
		goto done;
	if (tls_peer_fingerprint(s, fp) != wantfp)
		goto done;
	if (SSL_write(s, "pong", 4) != 4)
		goto done;
	(void)SSL_shutdown(s);
	rv = 0;
 done:
	SSL_free(s);
	close(fd);
	return rv;
}

static void
sb_client(int fd, const struct client_opts *o, int version,
    SSL_SESSION **sess)
{
	SSL_CTX	*ctx;
	SSL	*c;
	char	 buf[8];

	ctx = client_ctx(o);
	assert_non_null(c = SSL_new(ctx));
	assert_int_equal(SSL_set_fd(c, fd), 1);
	if (o->session != NULL)
		assert_int_equal(SSL_set_session(c, o->session), 1);
	if (SSL_connect(c) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("sandboxed server: handshake failed");
	}
	assert_int_equal(SSL_version(c), version);
	assert_alpn(c, "http/1.1");
	assert_int_equal(SSL_write(c, "ping", 4), 4);
	assert_int_equal(SSL_read(c, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pong", 4);
	if (o->session != NULL)
		assert_int_equal(SSL_session_reused(c), 1);
	if (sess != NULL)
		*sess = SSL_get1_session(c);
	(void)SSL_shutdown(c);
	SSL_free(c);
	SSL_CTX_free(ctx);
	close(fd);
}

static void
test_sandboxed(void **state)
{
	struct mon	 mrsa, mp256, mp384;
	SSL_CTX		*rsa, *p256, *p384, *mtls;
	SSL_SESSION	*sess = NULL;
	struct client_opts	 o;
	const char	*dbg = getenv("HERALD_TEST_SECCOMP_DEBUG");
	int		 sv[SB_N][2], i, status, fails;
	pid_t		 pid;

	mon_start(&mrsa, id_rsa.key, MON_SIGN);
	mon_start(&mp256, id_p256.key, MON_SIGN);
	mon_start(&mp384, id_p384.key, MON_SIGN);
	for (i = 0; i < SB_N; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0, sv[i]), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		rsa = tls_ctx_new((const uint8_t *)id_rsa.chain,
		    id_rsa.chainlen, NULL, 0, &mrsa.chan);
		p256 = tls_ctx_new((const uint8_t *)id_p256.chain,
		    id_p256.chainlen, NULL, 0, &mp256.chan);
		p384 = tls_ctx_new((const uint8_t *)id_p384.chain,
		    id_p384.chainlen, NULL, 0, &mp384.chan);
		mtls = tls_ctx_new((const uint8_t *)id_p256.chain,
		    id_p256.chainlen, (const uint8_t *)client_ca_pem,
		    client_ca_pemlen, &mp256.chan);
		for (i = 0; i < SB_N; i++)
			close(sv[i][0]);
		sandbox_child(PROC_NET, dbg != NULL && *dbg == '1');
		fails = sb_serve(rsa, sv[SB_RSA13][1], 0);
		fails += sb_serve(rsa, sv[SB_RSA12][1], 0);
		fails += sb_serve(p256, sv[SB_P256_13][1], 0);
		fails += sb_serve(p384, sv[SB_P384_12][1], 0);
		fails += sb_serve(mtls, sv[SB_MTLS13][1], 1);
		fails += sb_serve(mtls, sv[SB_MTLS12][1], 1);
		fails += sb_serve(rsa, sv[SB_RESUME][1], 0);
		/* Not exit(): no atexit handler inside the sandbox. */
		syscall(SYS_exit_group, fails);
	}
	assert_true(pid > 0);
	for (i = 0; i < SB_N; i++)
		close(sv[i][1]);

	sb_client(sv[SB_RSA13][0], &o13, TLS1_3_VERSION, &sess);
	o = o12;
	o.sigalgs = "RSA+SHA256";
	sb_client(sv[SB_RSA12][0], &o, TLS1_2_VERSION, NULL);
	sb_client(sv[SB_P256_13][0], &o13, TLS1_3_VERSION, NULL);
	sb_client(sv[SB_P384_12][0], &o12, TLS1_2_VERSION, NULL);
	o = o13;
	o.cert = client_cert;
	o.certkey = client_key;
	sb_client(sv[SB_MTLS13][0], &o, TLS1_3_VERSION, NULL);
	o.maxver = TLS1_2_VERSION;
	sb_client(sv[SB_MTLS12][0], &o, TLS1_2_VERSION, NULL);
	o = o13;
	o.session = sess;
	sb_client(sv[SB_RESUME][0], &o, TLS1_3_VERSION, NULL);
	SSL_SESSION_free(sess);

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("sandboxed server killed by signal %d%s",
		    WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (a syscall net's table lacks; rerun with "
		    "HERALD_TEST_SECCOMP_DEBUG=1)" : "");
	assert_int_equal(WEXITSTATUS(status), 0);
	/* 1.3 RSA, 1.2 RSA; P-256 and two mTLS; P-384; none to resume. */
	assert_int_equal(mon_stop(&mrsa), 2);
	assert_int_equal(mon_stop(&mp256), 3);
	assert_int_equal(mon_stop(&mp384), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandboxed),
		cmocka_unit_test(test_monitor_refuses),
		cmocka_unit_test(test_monitor_broken),
		cmocka_unit_test(test_monitor_stale_answer),
		cmocka_unit_test(test_monitor_silent),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
