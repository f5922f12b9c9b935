/*
 * What the TLS tests share: certificates made here, a forked "monitor"
 * serving keyop_sign() on its end of a SEQPACKET socketpair, an OpenSSL
 * client and connections over socketpairs, and the handshake steps.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_TLS_TEST_H
#define HERALD_TLS_TEST_H

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
	MON_LATE,		/* answer the first request only after the
				   second comes, then the second */
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

static inline void
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
static inline X509 *
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
static inline char *
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

static inline void
ident_make(struct ident *id, EVP_PKEY *key, const char *cn)
{
	id->key = key;
	id->leaf = make_cert(key, cn, ca_cert, ca_key, 0);
	id->chain = pem_of(&id->chainlen, id->leaf, ca_cert);
}

static inline void
ident_free(struct ident *id)
{
	keyop_free(id->key);
	X509_free(id->leaf);
	free(id->chain);
}

static inline int
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

static inline int
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
	keyop_free(id_rsa_other.key);
	return 0;
}

/* The forked monitor. */

static inline void
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
static inline void
mon_serve(int fd, EVP_PKEY *key, enum mon_mode mode)
{
	struct ipc_chan		 c;
	struct ipc_msg		 m;
	struct msg_sign_req	 req, held;
	struct msg_sign_res	 res;
	const char		*why;
	uint32_t		 held_id = 0;
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
		case MON_LATE:
			if (n == 1) {
				held = req;
				held_id = m.hdr.id;
				continue;
			}
			if (n == 2) {
				/* A good signature, of the other input. */
				(void)keyop_sign(key, &held, &res, &why);
				mon_reply(&c, MSG_SIGN_RES, held_id, &res);
				memset(&res, 0, sizeof(res));
			}
			(void)keyop_sign(key, &req, &res, &why);
			break;
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

static inline void
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
static inline int
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

static inline SSL_CTX *
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

static inline void
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

static inline void
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
static inline void
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

static inline int
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
static inline int
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

static inline void
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

static const struct client_opts	 o13 = {
	.alpn = ALPN_HTTP11, .alpnlen = sizeof(ALPN_HTTP11) - 1
};
static const struct client_opts	 o12 = {
	.maxver = TLS1_2_VERSION,
	.alpn = ALPN_HTTP11, .alpnlen = sizeof(ALPN_HTTP11) - 1
};

#endif /* HERALD_TLS_TEST_H */
