/*
 * TLS with the private key in another process, end to end: a forked
 * "monitor" serves keyop_sign() on its end of a SEQPACKET socketpair,
 * this process builds net's context with tls_ctx_new() from PEM bytes
 * (certificates made here) and runs handshakes against an OpenSSL client
 * over a socketpair.  RSA-2048 (PSS and PKCS#1), ECDSA P-256 and P-384,
 * TLS 1.3 and 1.2, ALPN, client certificates, resumption from the
 * server's cache, monitor refusals and failures, and the whole server
 * side once more under net's seccomp table.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ipc.h"
#include "keyop.h"
#include "msg.h"
#include "privsep.h"
#include "tls.h"

/* How the forked monitor answers. */
enum mon_mode {
	MON_SIGN,		/* keyop_sign(), the real thing */
	MON_REFUSE,		/* ok 0 to everything */
	MON_EXIT,		/* hang up on the first request */
	MON_SILENT,		/* read requests, never answer */
	MON_WRONG_TYPE,		/* answer with a message of another type */
	MON_STALE_ID,		/* a stray late answer, then the right one */
};

struct mon {
	pid_t		 pid;
	struct ipc_chan	 chan;		/* net's end */
};

/* One server identity: key, chain PEM (leaf, then its CA). */
struct ident {
	EVP_PKEY	*key;
	X509		*leaf;
	char		*chain;
	size_t		 chainlen;
};

struct client_opts {
	int		 maxver;	/* 0: up to TLS 1.3 */
	const char	*sigalgs;	/* NULL: OpenSSL's */
	const char	*alpn;		/* wire format; NULL: none offered */
	size_t		 alpnlen;
	X509		*cert;		/* client certificate */
	EVP_PKEY	*certkey;
	SSL_SESSION	*session;	/* to resume */
};

static EVP_PKEY	*ca_key, *client_ca_key, *rogue_key, *client_key;
static X509	*ca_cert, *client_ca_cert, *rogue_cert, *client_cert,
		*rogue_client_cert;
static char	*client_ca_pem;
static size_t	 client_ca_pemlen;
static struct ident	 id_rsa, id_p256, id_p384, id_rsa_other;
static long	 serial = 1;

#define ALPN_HTTP11	"\x08http/1.1"
#define ALPN_H2_11	"\x02h2\x08http/1.1"
#define ALPN_H2		"\x02h2"

/* Certificates. */

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
		abort();
	X509_EXTENSION_free(ext);
}

/* key's certificate, signed by issuer/ikey (self-signed when NULL). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    int ca)
{
	X509	*x;

	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ?
	    issuer : x)) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		abort();
	if (issuer == NULL) {
		issuer = x;
		ikey = key;
	}
	add_ext(x, issuer, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (ca)
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	if (X509_sign(x, ikey, EVP_sha256()) <= 0)
		abort();
	return x;
}

/* PEM of the certificates, concatenated, in a malloc'd buffer. */
static char *
pem_of(size_t *len, X509 *a, X509 *b)
{
	BIO	*bio;
	char	*p, *out;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, a) != 1 ||
	    (b != NULL && PEM_write_bio_X509(bio, b) != 1))
		abort();
	n = BIO_get_mem_data(bio, &p);
	if ((out = malloc(n)) == NULL)
		abort();
	memcpy(out, p, n);
	*len = (size_t)n;
	BIO_free(bio);
	return out;
}

static void
ident_make(struct ident *id, EVP_PKEY *key, const char *cn)
{
	id->key = key;
	id->leaf = make_cert(key, cn, ca_cert, ca_key, 0);
	id->chain = pem_of(&id->chainlen, id->leaf, ca_cert);
}

static void
ident_free(struct ident *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->leaf);
	free(id->chain);
}

static int
group_setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	client_ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rogue_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	client_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (ca_key == NULL || client_ca_key == NULL || rogue_key == NULL ||
	    client_key == NULL)
		return -1;
	ca_cert = make_cert(ca_key, "herald test server CA", NULL, NULL, 1);
	client_ca_cert = make_cert(client_ca_key, "herald test client CA",
	    NULL, NULL, 1);
	rogue_cert = make_cert(rogue_key, "rogue CA", NULL, NULL, 1);
	client_cert = make_cert(client_key, "client", client_ca_cert,
	    client_ca_key, 0);
	rogue_client_cert = make_cert(client_key, "client", rogue_cert,
	    rogue_key, 0);
	client_ca_pem = pem_of(&client_ca_pemlen, client_ca_cert, NULL);

	ident_make(&id_rsa, EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)2048), "rsa.test");
	ident_make(&id_p256, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
	    "p256.test");
	ident_make(&id_p384, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"),
	    "p384.test");
	/* Same certificate as id_rsa, another private key in the monitor. */
	id_rsa_other.key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (id_rsa.key == NULL || id_p256.key == NULL || id_p384.key == NULL ||
	    id_rsa_other.key == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(client_ca_key);
	EVP_PKEY_free(rogue_key);
	EVP_PKEY_free(client_key);
	X509_free(ca_cert);
	X509_free(client_ca_cert);
	X509_free(rogue_cert);
	X509_free(client_cert);
	X509_free(rogue_client_cert);
	free(client_ca_pem);
	ident_free(&id_rsa);
	ident_free(&id_p256);
	ident_free(&id_p384);
	EVP_PKEY_free(id_rsa_other.key);
	return 0;
}

/* The forked monitor. */

static void
mon_reply(struct ipc_chan *c, uint32_t type, uint32_t id,
    const struct msg_sign_res *res)
{
	uint8_t	 buf[3 + KEYOP_IO_MAX];
	size_t	 n;

	n = msg_sign_res_encode(buf, sizeof(buf), res);
	if (ipc_send(c, type, id, -1, buf, n) == -1)
		_exit(200);
}

/*
 * Serve SIGN_REQ until net hangs up; the exit status is the number of
 * requests seen (at most 100), or 200 and up for a broken request.
 */
static void
mon_serve(int fd, EVP_PKEY *key, enum mon_mode mode)
{
	struct ipc_chan		 c;
	struct ipc_msg		 m;
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	const char		*why;
	int			 n = 0, i;

	/* Other monitors' channels must see their end of file. */
	for (i = STDERR_FILENO + 1; i < 1024; i++)
		if (i != fd)
			close(i);
	ipc_chan_init(&c, fd, MSG_MAX, "net");
	for (;;) {
		switch (ipc_recv(&c, &m, &why)) {
		case IPC_EOF:
			_exit(n > 100 ? 100 : n);
		case IPC_OK:
			break;
		default:
			_exit(201);
		}
		if (msg_check(PROC_NET, &m, &why) == -1 ||
		    m.hdr.type != MSG_SIGN_REQ ||
		    msg_sign_req_decode(&m, &req, &why) == -1)
			_exit(202);
		n++;
		if (getenv("HERALD_TEST_VERBOSE") != NULL)
			fprintf(stderr, "monitor: SIGN_REQ alg %u padding %u "
			    "len %u\n", req.alg, req.padding, req.len);
		memset(&res, 0, sizeof(res));
		switch (mode) {
		case MON_SIGN:
			if (keyop_sign(key, &req, &res, &why) == -1)
				fprintf(stderr, "monitor: refused: %s\n", why);
			break;
		case MON_REFUSE:
			break;
		case MON_EXIT:
			_exit(n);
		case MON_SILENT:
			continue;
		case MON_WRONG_TYPE:
			mon_reply(&c, MSG_TLS_CA, m.hdr.id, &res);
			continue;
		case MON_STALE_ID:
			mon_reply(&c, MSG_SIGN_RES, m.hdr.id - 1, &res);
			(void)keyop_sign(key, &req, &res, &why);
			break;
		}
		mon_reply(&c, MSG_SIGN_RES, m.hdr.id, &res);
	}
}

static void
mon_start(struct mon *mon, EVP_PKEY *key, enum mon_mode mode)
{
	int	 sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0, sv), 0);
	fflush(NULL);
	if ((mon->pid = fork()) == 0) {
		close(sv[0]);
		mon_serve(sv[1], key, mode);
	}
	assert_true(mon->pid > 0);
	close(sv[1]);
	ipc_chan_init(&mon->chan, sv[0], MSG_MAX, "monitor");
}

/* Hang up and return how many requests the monitor saw. */
static int
mon_stop(struct mon *mon)
{
	int	 status;

	ipc_chan_free(&mon->chan);
	assert_int_equal(waitpid(mon->pid, &status, 0), mon->pid);
	if (!WIFEXITED(status))
		fail_msg("monitor child died with signal %d",
		    WTERMSIG(status));
	if (WEXITSTATUS(status) >= 200)
		fail_msg("monitor child saw a broken request (%d)",
		    WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* The client. */

static SSL_CTX *
client_ctx(const struct client_opts *o)
{
	SSL_CTX	*ctx;

	assert_non_null(ctx = SSL_CTX_new(TLS_client_method()));
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION),
	    1);
	if (o->maxver != 0)
		assert_int_equal(SSL_CTX_set_max_proto_version(ctx, o->maxver),
		    1);
	if (o->sigalgs != NULL)
		assert_int_equal(SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs), 1);
	if (o->alpn != NULL)
		assert_int_equal(SSL_CTX_set_alpn_protos(ctx,
		    (const unsigned char *)o->alpn, (unsigned int)o->alpnlen),
		    0);
	if (o->cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate(ctx, o->cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, o->certkey), 1);
	}
	/* The server's chain must verify: its signatures are checked. */
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx),
	    ca_cert), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static void
nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK),
	    0);
}

/* A connected client/server pair over a non-blocking socketpair. */
struct conn {
	SSL_CTX		*cctx;
	SSL		*c, *s;
};

static void
conn_new(struct conn *k, SSL_CTX *sctx, const struct client_opts *o)
{
	int	 sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	nonblock(sv[0]);
	nonblock(sv[1]);
	k->cctx = client_ctx(o);
	assert_non_null(k->c = SSL_new(k->cctx));
	assert_non_null(k->s = SSL_new(sctx));
	assert_int_equal(SSL_set_fd(k->c, sv[0]), 1);
	assert_int_equal(SSL_set_fd(k->s, sv[1]), 1);
	if (o->session != NULL)
		assert_int_equal(SSL_set_session(k->c, o->session), 1);
	SSL_set_connect_state(k->c);
	SSL_set_accept_state(k->s);
}

/*
 * A close_notify from each finished end: OpenSSL drops the session of a
 * connection freed without one from the server's cache.
 */
static void
conn_free(struct conn *k)
{
	if (SSL_is_init_finished(k->c))
		(void)SSL_shutdown(k->c);
	if (SSL_is_init_finished(k->s))
		(void)SSL_shutdown(k->s);
	close(SSL_get_fd(k->c));
	close(SSL_get_fd(k->s));
	SSL_free(k->c);
	SSL_free(k->s);
	SSL_CTX_free(k->cctx);
	ERR_clear_error();
}

static int
step(SSL *ssl, int *done)
{
	int	 r, e;

	if (*done)
		return 0;
	if ((r = SSL_do_handshake(ssl)) == 1) {
		*done = 1;
		return 0;
	}
	e = SSL_get_error(ssl, r);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* Both ends in turn; the server blocks in its key operations. */
static int
handshake(struct conn *k)
{
	int	 i, cdone = 0, sdone = 0;

	for (i = 0; i < 10000; i++) {
		if (step(k->c, &cdone) == -1 || step(k->s, &sdone) == -1)
			return -1;
		if (cdone && sdone)
			return 0;
	}
	return -1;
}

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

static void
assert_alpn(SSL *ssl, const char *want)
{
	const unsigned char	*p;
	unsigned int		 n;

	SSL_get0_alpn_selected(ssl, &p, &n);
	if (want == NULL) {
		assert_int_equal(n, 0);
		return;
	}
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
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

static const struct client_opts	 o13 = {
	.alpn = ALPN_HTTP11, .alpnlen = sizeof(ALPN_HTTP11) - 1
};
static const struct client_opts	 o12 = {
	.maxver = TLS1_2_VERSION,
	.alpn = ALPN_HTTP11, .alpnlen = sizeof(ALPN_HTTP11) - 1
};

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

static void
test_monitor_silent(void **state)
{
	struct timespec	 t0, t1;
	double		 s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(failing_handshake(&id_p256, id_p256.key, MON_SILENT,
	    &o13), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= TLS_KEYOP_TIMEOUT_MS / 1000.0 - 0.05);
	assert_true(s < TLS_KEYOP_TIMEOUT_MS / 1000.0 + 3);
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
		cmocka_unit_test(test_rsa_tls13),
		cmocka_unit_test(test_rsa_tls12_pss),
		cmocka_unit_test(test_rsa_tls12_pkcs1),
		cmocka_unit_test(test_p256),
		cmocka_unit_test(test_p384),
		cmocka_unit_test(test_alpn),
		cmocka_unit_test(test_refused_protocols),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_monitor_refuses),
		cmocka_unit_test(test_monitor_broken),
		cmocka_unit_test(test_monitor_stale_answer),
		cmocka_unit_test(test_monitor_silent),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
