/*
 * TLS with the private key in the monitor: net's client listeners and
 * the broker's bridge listener (mt5.bridge.tls).  See tls.h.
 *
 * net gets the certificate chain (and the client CA bundle) from the
 * monitor as PEM bytes and never opens a file.  The private key stays in
 * the monitor: the context's key is an EVP_PKEY holding only the leaf
 * certificate's public key, with an RSA_METHOD or EC_KEY_METHOD whose
 * private operation sends SIGN_REQ on the key-operation channel and
 * blocks (at most TLS_KEYOP_TIMEOUT_MS) for the monitor's SIGN_RES.
 * Nothing else travels on that channel, so a round trip is one send and
 * one receive.
 *
 * What OpenSSL hands the methods:
 *	RSA, TLS 1.3 and 1.2 RSA-PSS: OpenSSL encodes PSS itself and calls
 *	    priv_enc with RSA_NO_PADDING on a modulus-sized block;
 *	RSA, TLS 1.2 PKCS#1 v1.5: RSA_sign() builds the DigestInfo and
 *	    calls priv_enc with RSA_PKCS1_PADDING;
 *	ECDSA: sign (or sign_sig) with the digest; the monitor answers with
 *	    a DER ECDSA-Sig-Value.
 */

/*
 * RSA_METHOD, EC_KEY_METHOD and the RSA/EC_KEY accessors are deprecated
 * in OpenSSL 3.  They remain the proven way to keep a TLS key in another
 * process (OpenSMTPD's ca.c and relayd do this on OpenSSL 3): OpenSSL
 * sees such a key as "foreign" and routes its operations through the
 * legacy method.  An OpenSSL 3 provider with its own key management and
 * signature operations is the future-proof alternative.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ipc.h"
#include "log.h"
#include "msg.h"
#include "privsep.h"
#include "tls.h"

/* TLS 1.2: forward secrecy and AEAD only. */
#define TLS_CIPHERS_12	\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_SESSION_ID_CTX	"heraldd"

static RSA_METHOD	*tls_rsa_meth;
static EC_KEY_METHOD	*tls_ec_meth;
static int		 tls_rsa_idx = -1;	/* ex_data: the keyop channel */
static int		 tls_ec_idx = -1;
static int		 tls_rsa_id_idx = -1;	/* ex_data: the key id */
static int		 tls_ec_id_idx = -1;
static uint32_t		 tls_keyop_seq;		/* request ids */
static enum herald_proc	 tls_self = PROC_NET;	/* who reads SIGN_RES */

/* what, with OpenSSL's reason, into err: -1. */
static int
tls_err(char *err, size_t errlen, const char *what)
{
	char		 buf[256];
	unsigned long	 e;

	if ((e = ERR_get_error()) == 0)
		snprintf(err, errlen, "%s", what);
	else {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s: %s", what, buf);
	}
	ERR_clear_error();
	return -1;
}

static void
tls_fatal(const char *what)
{
	char		 buf[256];
	unsigned long	 e;

	if ((e = ERR_get_error()) == 0)
		fatalx("TLS: %s", what);
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	fatalx("TLS: %s: %s", what, buf);
}

static int
tls_ms_left(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return 0;
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > TLS_KEYOP_TIMEOUT_MS ? TLS_KEYOP_TIMEOUT_MS : (int)ms;
}

/*
 * The monitor's answer to request id.  An answer to an earlier request
 * (one that timed out) is dropped.  0, or -1 after a log line.
 */
static int
tls_keyop_wait(struct ipc_chan *chan, uint32_t id, struct msg_sign_res *res)
{
	struct timespec	 deadline;
	struct pollfd	 pfd;
	struct ipc_msg	 m;
	const char	*why;
	int		 ms, r;

	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1) {
		log_warn("key operation: clock_gettime");
		return -1;
	}
	deadline.tv_sec += TLS_KEYOP_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (TLS_KEYOP_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		if ((ms = tls_ms_left(&deadline)) == 0) {
			log_warnx("key operation: no answer from the monitor "
			    "within %d ms", TLS_KEYOP_TIMEOUT_MS);
			return -1;
		}
		pfd.fd = chan->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((r = poll(&pfd, 1, ms)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("key operation: poll");
			return -1;
		}
		if (r == 0)
			continue;
		switch (ipc_recv(chan, &m, &why)) {
		case IPC_AGAIN:
			continue;
		case IPC_EOF:
			log_warnx("key operation: the monitor closed the "
			    "channel");
			return -1;
		case IPC_ERROR:
			log_warnx("key operation: bad message from the "
			    "monitor: %s", why);
			return -1;
		}
		if (m.hdr.type != MSG_SIGN_RES)
			why = "only SIGN_RES belongs on the key-operation "
			    "channel";
		else if (msg_accept(tls_self, PROC_MONITOR, &m, &why) == 0)
			why = NULL;
		if (why != NULL) {
			log_warnx("key operation: monitor sent %s: %s",
			    msg_name(m.hdr.type), why);
			if (m.fd != -1)
				close(m.fd);
			return -1;
		}
		if (m.hdr.id != id) {
			log_warnx("key operation: dropped a late answer "
			    "(id %u, waiting for %u)", m.hdr.id, id);
			continue;
		}
		if (msg_sign_res_decode(&m, res, &why) == -1) {
			log_warnx("key operation: bad SIGN_RES from the "
			    "monitor: %s", why);
			return -1;
		}
		return 0;
	}
}

/*
 * One private-key operation in the monitor: in (a digest, a DigestInfo
 * or a PSS block) to a signature of at most outmax bytes.  0, or -1
 * after a log line; the handshake that asked then fails.
 */
static int
tls_keyop(struct ipc_chan *chan, uint32_t key_id, uint8_t alg,
    uint32_t padding, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outmax, size_t *outlen)
{
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	uint8_t			 buf[11 + KEYOP_IO_MAX];
	size_t			 n;
	uint32_t		 id;

	if (chan == NULL) {
		log_warnx("key operation: no channel to the monitor");
		return -1;
	}
	if (inlen == 0 || inlen > KEYOP_IO_MAX) {
		log_warnx("key operation: input of %zu bytes, at most %d",
		    inlen, KEYOP_IO_MAX);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.key_id = key_id;
	req.alg = alg;
	req.padding = padding;
	req.len = (uint16_t)inlen;
	memcpy(req.input, in, inlen);
	n = msg_sign_req_encode(buf, sizeof(buf), &req);
	if ((id = ++tls_keyop_seq) == 0)
		id = ++tls_keyop_seq;
	if (ipc_send(chan, MSG_SIGN_REQ, id, -1, buf, n) == -1) {
		log_warn("key operation: send to the monitor");
		return -1;
	}
	if (tls_keyop_wait(chan, id, &res) == -1)
		return -1;
	if (!res.ok) {
		log_warnx("key operation: the monitor refused to sign "
		    "(%s, %zu bytes)", alg == KEYOP_RSA ? "RSA" : "ECDSA",
		    inlen);
		return -1;
	}
	if (res.len > outmax) {
		log_warnx("key operation: signature of %u bytes, at most %zu",
		    res.len, outmax);
		return -1;
	}
	memcpy(out, res.sig, res.len);
	*outlen = res.len;
	return 0;
}

/* RSA: every private encryption is a signature made by the monitor. */
static int
tls_rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	size_t	 len, size = (size_t)RSA_size(rsa);

	if (flen <= 0 || padding < 0)
		return -1;
	if (tls_keyop(RSA_get_ex_data(rsa, tls_rsa_idx),
	    (uint32_t)(uintptr_t)RSA_get_ex_data(rsa, tls_rsa_id_idx),
	    KEYOP_RSA, (uint32_t)padding, from, (size_t)flen, to, size,
	    &len) == -1)
		return -1;
	if (len != size) {
		log_warnx("key operation: RSA signature of %zu bytes, "
		    "expected %zu", len, size);
		return -1;
	}
	return (int)len;
}

/* Only static RSA key exchange decrypts, and it is not offered. */
static int
tls_rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	log_warnx("key operation: RSA decryption refused (no static RSA "
	    "key exchange)");
	return -1;
}

/* The monitor's DER signature, checked to be one ECDSA-Sig-Value. */
static ECDSA_SIG *
tls_ec_remote(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey, uint8_t *der, size_t dermax,
    size_t *derlen)
{
	const unsigned char	*p = der;
	ECDSA_SIG		*sig;

	if (dlen <= 0)
		return NULL;
	if (kinv != NULL || r != NULL) {
		log_warnx("key operation: ECDSA with precomputed values "
		    "refused");
		return NULL;
	}
	if (tls_keyop(EC_KEY_get_ex_data(eckey, tls_ec_idx),
	    (uint32_t)(uintptr_t)EC_KEY_get_ex_data(eckey, tls_ec_id_idx),
	    KEYOP_ECDSA, 0, dgst, (size_t)dlen, der, dermax, derlen) == -1)
		return NULL;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)*derlen)) == NULL ||
	    p != der + *derlen) {
		ECDSA_SIG_free(sig);
		log_warnx("key operation: the monitor's ECDSA signature is "
		    "not DER");
		return NULL;
	}
	return sig;
}

static int
tls_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	uint8_t		 der[KEYOP_IO_MAX];
	ECDSA_SIG	*s;
	size_t		 len;
	int		 max = ECDSA_size(eckey);

	*siglen = 0;
	if ((s = tls_ec_remote(dgst, dlen, kinv, r, eckey, der, sizeof(der),
	    &len)) == NULL)
		return 0;
	ECDSA_SIG_free(s);
	if (max <= 0 || len > (size_t)max) {
		log_warnx("key operation: ECDSA signature of %zu bytes, at "
		    "most %d", len, max);
		return 0;
	}
	memcpy(sig, der, len);
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *
tls_ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *eckey)
{
	uint8_t	 der[KEYOP_IO_MAX];
	size_t	 len;

	return tls_ec_remote(dgst, dlen, kinv, r, eckey, der, sizeof(der),
	    &len);
}

/* The methods, made once per process. */
static void
tls_init_methods(void)
{
	if (tls_rsa_meth != NULL)
		return;
	if ((tls_rsa_meth = RSA_meth_dup(RSA_get_default_method())) == NULL ||
	    RSA_meth_set1_name(tls_rsa_meth, "heraldd keyop") != 1 ||
	    RSA_meth_set_priv_enc(tls_rsa_meth, tls_rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(tls_rsa_meth, tls_rsa_priv_dec) != 1)
		tls_fatal("RSA method");
	if ((tls_ec_meth = EC_KEY_METHOD_new(EC_KEY_get_default_method())) ==
	    NULL)
		tls_fatal("EC key method");
	/* No sign_setup: nothing is computed with a private key here. */
	EC_KEY_METHOD_set_sign(tls_ec_meth, tls_ec_sign, NULL,
	    tls_ec_sign_sig);
	tls_rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	tls_ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	tls_rsa_id_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	tls_ec_id_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (tls_rsa_idx < 0 || tls_ec_idx < 0 || tls_rsa_id_idx < 0 ||
	    tls_ec_id_idx < 0)
		tls_fatal("ex_data index");
}

/*
 * The private key net hands OpenSSL: the leaf's public key, with the
 * method that asks the monitor to sign under key_id.  NULL with err.
 */
static EVP_PKEY *
tls_remote_key(X509 *leaf, struct ipc_chan *keyop, uint32_t key_id,
    char *err, size_t errlen)
{
	void		*id = (void *)(uintptr_t)key_id;
	EVP_PKEY	*pub, *pkey;
	RSA		*rsa;
	EC_KEY		*ec;
	int		 nid;

	if ((pub = X509_get0_pubkey(leaf)) == NULL) {
		tls_err(err, errlen, "certificate: no public key");
		return NULL;
	}
	if ((pkey = EVP_PKEY_new()) == NULL)
		tls_fatal("EVP_PKEY_new");
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		if ((rsa = RSAPublicKey_dup(EVP_PKEY_get0_RSA(pub))) == NULL)
			tls_fatal("certificate: RSA public key");
		if (RSA_set_method(rsa, tls_rsa_meth) != 1 ||
		    RSA_set_ex_data(rsa, tls_rsa_idx, keyop) != 1 ||
		    RSA_set_ex_data(rsa, tls_rsa_id_idx, id) != 1 ||
		    EVP_PKEY_assign_RSA(pkey, rsa) != 1)
			tls_fatal("RSA key for the monitor");
		return pkey;
	case EVP_PKEY_EC:
		if ((ec = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(pub))) == NULL)
			tls_fatal("certificate: EC public key");
		nid = EC_GROUP_get_curve_name(EC_KEY_get0_group(ec));
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
			snprintf(err, errlen, "certificate: EC key on curve "
			    "%s; only P-256 and P-384 are supported",
			    nid == NID_undef ? "(explicit parameters)" :
			    OBJ_nid2sn(nid));
			EC_KEY_free(ec);
			break;
		}
		if (EC_KEY_set_method(ec, tls_ec_meth) != 1 ||
		    EC_KEY_set_ex_data(ec, tls_ec_idx, keyop) != 1 ||
		    EC_KEY_set_ex_data(ec, tls_ec_id_idx, id) != 1 ||
		    EVP_PKEY_assign_EC_KEY(pkey, ec) != 1)
			tls_fatal("EC key for the monitor");
		return pkey;
	default:
		snprintf(err, errlen, "certificate: key type %s is not "
		    "supported (RSA or EC P-256/P-384)",
		    EVP_PKEY_get0_type_name(pub));
		break;
	}
	EVP_PKEY_free(pkey);
	return NULL;
}

/* True if the last error only says that the PEM input ended. */
static int
tls_pem_ended(void)
{
	unsigned long	 e = ERR_peek_last_error();

	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

/* The leaf first, then every other certificate of the chain: 0 or -1. */
static int
tls_load_chain(SSL_CTX *ctx, const uint8_t *chain, size_t chainlen,
    struct ipc_chan *keyop, uint32_t key_id, char *err, size_t errlen)
{
	BIO		*bio;
	X509		*leaf, *x;
	EVP_PKEY	*pkey = NULL;
	int		 rv = -1;

	if (chainlen == 0 || chainlen > INT_MAX) {
		snprintf(err, errlen, "certificate chain of %zu bytes",
		    chainlen);
		return -1;
	}
	if ((bio = BIO_new_mem_buf(chain, (int)chainlen)) == NULL)
		tls_fatal("BIO_new_mem_buf");
	if ((leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		tls_err(err, errlen, "certificate chain: no PEM certificate");
		BIO_free(bio);
		return -1;
	}
	if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
		tls_err(err, errlen, "certificate");
		goto done;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add1_chain_cert(ctx, x) != 1) {
			X509_free(x);
			tls_err(err, errlen, "certificate chain");
			goto done;
		}
		X509_free(x);
	}
	if (!tls_pem_ended()) {
		tls_err(err, errlen, "certificate chain");
		goto done;
	}
	if ((pkey = tls_remote_key(leaf, keyop, key_id, err, errlen)) == NULL)
		goto done;
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		tls_err(err, errlen, "the monitor's key");
	else if (SSL_CTX_check_private_key(ctx) != 1)
		tls_err(err, errlen, "the monitor's key and the certificate");
	else
		rv = 0;
 done:
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	BIO_free(bio);
	return rv;
}

/* Required client certificates, issued by one of the CAs in the PEM. */
static int
tls_load_client_ca(SSL_CTX *ctx, const uint8_t *ca, size_t calen, char *err,
    size_t errlen)
{
	STACK_OF(X509_NAME)	*names;
	X509_STORE		*store;
	X509_NAME		*name;
	BIO			*bio;
	X509			*x;
	int			 rv = -1;

	if (calen > INT_MAX) {
		snprintf(err, errlen, "client CA bundle of %zu bytes", calen);
		return -1;
	}
	if ((names = sk_X509_NAME_new_null()) == NULL)
		tls_fatal("sk_X509_NAME_new_null");
	if ((bio = BIO_new_mem_buf(ca, (int)calen)) == NULL)
		tls_fatal("BIO_new_mem_buf");
	store = SSL_CTX_get_cert_store(ctx);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, x) != 1) {
			X509_free(x);
			tls_err(err, errlen, "client CA");
			goto done;
		}
		if ((name = X509_NAME_dup(X509_get_subject_name(x))) == NULL ||
		    sk_X509_NAME_push(names, name) <= 0)
			tls_fatal("client CA name");
		X509_free(x);
	}
	if (!tls_pem_ended())
		tls_err(err, errlen, "client CA bundle");
	else if (sk_X509_NAME_num(names) == 0)
		snprintf(err, errlen, "client CA bundle holds no certificate");
	else {
		SSL_CTX_set_client_CA_list(ctx, names);
		names = NULL;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		rv = 0;
	}
 done:
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	BIO_free(bio);
	return rv;
}

/* "http/1.1" if the client offers it; otherwise no ALPN at all. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const char	 proto[] = "http/1.1";
	unsigned int		 i, n;

	for (i = 0; i < inlen; i += 1 + n) {
		n = in[i];
		if (n == 0 || n > inlen - i - 1)
			break;
		if (n == sizeof(proto) - 1 &&
		    memcmp(in + i + 1, proto, n) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)n;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

SSL_CTX *
tls_ctx_new(const uint8_t *chain, size_t chainlen, const uint8_t *ca,
    size_t calen, struct ipc_chan *keyop)
{
	SSL_CTX	*ctx;
	char	 err[512];

	if ((ctx = tls_ctx_renew(chain, chainlen, ca, calen, keyop,
	    KEYOP_KEY_ID, err, sizeof(err))) == NULL)
		fatalx("TLS: %s", err);
	return ctx;
}

SSL_CTX *
tls_ctx_renew(const uint8_t *chain, size_t chainlen, const uint8_t *ca,
    size_t calen, struct ipc_chan *keyop, uint32_t key_id, char *err,
    size_t errlen)
{
	SSL_CTX	*ctx;

	tls_init_methods();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	/* Ours, not openssl.cnf's: RSA and DH >= 2048 bits, ECC >= 224. */
	SSL_CTX_set_security_level(ctx, TLS_SECURITY_LEVEL);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		tls_err(err, errlen, "protocol versions");
		goto fail;
	}
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1) {
		tls_err(err, errlen, "TLS 1.2 cipher list");
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	/*
	 * No ticket key: resumption uses the server's cache (TLS 1.3 then
	 * sends stateful tickets), which holds no long-term secret.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, TLS_SESSION_CACHE);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_TIMEOUT);
	SSL_CTX_set_num_tickets(ctx, 1);
	if (SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)TLS_SESSION_ID_CTX,
	    sizeof(TLS_SESSION_ID_CTX) - 1) != 1) {
		tls_err(err, errlen, "session id context");
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
	/*
	 * An idle connection keeps no record buffers (about 34 KiB):
	 * OpenSSL frees them once empty and allocates them again for the
	 * next record.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

	if (tls_load_chain(ctx, chain, chainlen, keyop, key_id, err,
	    errlen) == -1)
		goto fail;
	if (ca != NULL && calen > 0 &&
	    tls_load_client_ca(ctx, ca, calen, err, errlen) == -1)
		goto fail;
	return ctx;
 fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
tls_keyop_proc(enum herald_proc self)
{
	tls_self = self;
}

int
tls_peer_fingerprint(SSL *ssl, uint8_t out[32])
{
	X509		*x;
	unsigned int	 n = 0;

	memset(out, 0, 32);
	if ((x = SSL_get0_peer_certificate(ssl)) == NULL)
		return 0;
	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != 32) {
		memset(out, 0, 32);
		ERR_clear_error();
		log_warnx("TLS: cannot hash the client certificate");
		return 0;
	}
	return 1;
}
