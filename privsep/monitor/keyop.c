/*
 * The monitor's side of TLS private-key operations.  See keyop.h.
 *
 * net's TLS handshakes send SIGN_REQ on their own channel.  The monitor
 * signs only what a TLS handshake legitimately asks for: the loaded key,
 * the algorithm of that key, and an input shaped like what OpenSSL's
 * RSA-PSS, PKCS#1 v1.5 or ECDSA signing hands over.  A compromised net
 * can still make the monitor sign handshakes, which is what it is for,
 * but cannot turn it into a raw RSA decryption or padding oracle.
 */

/*
 * net's side (privsep/tls.c) forwards through the deprecated RSA_METHOD
 * and EC_KEY_METHOD (OpenSMTPD's and relayd's proven privsep approach;
 * an OpenSSL 3 provider is the future-proof alternative).  This side
 * signs with EVP calls only, none of them deprecated; the define keeps
 * both halves of the protocol building against the same view of the
 * RSA and EC headers.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyop.h"
#include "log.h"
#include "msg.h"
#include "nitems.h"

#define KEYOP_FILE_MAX		(64 * 1024)	/* a PEM key is far smaller */
#define KEYOP_RSA_MIN_BITS	2048

static void
keyop_ssl_error(char *buf, size_t len)
{
	unsigned long	 e;

	if ((e = ERR_get_error()) == 0)
		strlcpy(buf, "unknown OpenSSL error", len);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/* No passphrase prompts: an encrypted key is an error, not a question. */
static int
keyop_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* Open path for reading if it obeys the StrictModes rule. */
static int
keyop_open(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: is a symbolic link, which "
			    "is not followed for a private key", path);
		else
			snprintf(err, errlen, "%s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: bad ownership or modes: owner uid "
		    "%u, mode %04o; a private key must be owned by root with "
		    "mode 0600 or stricter", path, (unsigned int)st.st_uid,
		    (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	return fd;
 fail:
	close(fd);
	return -1;
}

/* Up to KEYOP_FILE_MAX bytes of fd into buf; -1 with err. */
static ssize_t
keyop_read(int fd, const char *path, uint8_t *buf, char *err, size_t errlen)
{
	size_t	 off = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf + off, KEYOP_FILE_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > KEYOP_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes, not "
			    "a PEM private key", path, KEYOP_FILE_MAX);
			return -1;
		}
	}
	return (ssize_t)off;
}

/* RSA of at least 2048 bits, or EC on P-256 or P-384. */
static int
keyop_check_type(EVP_PKEY *key, const char *path, char *err, size_t errlen)
{
	char	 group[64];
	int	 nid;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(key) < KEYOP_RSA_MIN_BITS) {
			snprintf(err, errlen, "%s: RSA key of %d bits; at "
			    "least %d are required", path,
			    EVP_PKEY_get_bits(key), KEYOP_RSA_MIN_BITS);
			return -1;
		}
		return 0;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(key, group, sizeof(group),
		    NULL) != 1)
			strlcpy(group, "(explicit parameters)", sizeof(group));
		nid = OBJ_txt2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
			snprintf(err, errlen, "%s: EC key on curve %s; only "
			    "P-256 and P-384 are supported", path, group);
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "%s: key type %s is not supported (RSA "
		    "of 2048 bits or more, or EC on P-256 or P-384)", path,
		    EVP_PKEY_get0_type_name(key) != NULL ?
		    EVP_PKEY_get0_type_name(key) : "unknown");
		return -1;
	}
}

EVP_PKEY *
keyop_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY	*key = NULL;
	BIO		*bio = NULL;
	uint8_t		*buf;
	ssize_t		 n;
	char		 ssl[256];
	int		 fd;

	if ((fd = keyop_open(path, err, errlen)) == -1)
		return NULL;
	if ((buf = malloc(KEYOP_FILE_MAX + 1)) == NULL)
		fatal("keyop_load");
	n = keyop_read(fd, path, buf, err, errlen);
	close(fd);
	if (n == -1)
		goto done;
	if ((bio = BIO_new_mem_buf(buf, (int)n)) == NULL)
		fatalx("keyop_load: BIO_new_mem_buf");
	key = PEM_read_bio_PrivateKey(bio, NULL, keyop_no_passphrase, NULL);
	if (key == NULL) {
		keyop_ssl_error(ssl, sizeof(ssl));
		snprintf(err, errlen, "%s: no usable PEM private key (an "
		    "encrypted key is not supported): %s", path, ssl);
		goto done;
	}
	if (keyop_check_type(key, path, err, errlen) == -1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
 done:
	BIO_free(bio);
	OPENSSL_cleanse(buf, KEYOP_FILE_MAX + 1);
	free(buf);
	return key;
}

int
keyop_match_cert(EVP_PKEY *key, const char *certpath, char *err,
    size_t errlen)
{
	char	 ssl[256];
	BIO	*bio;
	X509	*x;
	int	 rv = -1;

	if ((bio = BIO_new_file(certpath, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", certpath, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		keyop_ssl_error(ssl, sizeof(ssl));
		snprintf(err, errlen, "%s: no PEM certificate: %s", certpath,
		    ssl);
		goto done;
	}
	rv = keyop_match_x509(key, x, certpath, err, errlen);
 done:
	X509_free(x);
	BIO_free(bio);
	return rv;
}

int
keyop_match_x509(EVP_PKEY *key, X509 *x, const char *certpath, char *err,
    size_t errlen)
{
	if (X509_check_private_key(x, key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: the first certificate does not "
		    "match the private key (tls.key)", certpath);
		return -1;
	}
	return 0;
}

/* Refusals name the rule; the monitor is single-threaded. */
static char	keyop_why[256];

static int
keyop_refuse(const char **why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
keyop_refuse(const char **why, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(keyop_why, sizeof(keyop_why), fmt, ap);
	va_end(ap);
	*why = keyop_why;
	return -1;
}

/*
 * A PSS encoding (RFC 8017 9.1.1) is modulus-sized, ends in 0xbc and is
 * below 2^(modBits - 1): the bits above emBits are zero.
 */
static int
keyop_check_pss(const struct msg_sign_req *req, size_t size, int bits,
    const char **why)
{
	size_t	 zbits, i;

	if (req->len != size)
		return keyop_refuse(why, "RSA input of %u bytes without "
		    "padding is not the modulus size %zu", req->len, size);
	if (req->input[req->len - 1] != 0xbc)
		return keyop_refuse(why, "RSA input without padding is not a "
		    "PSS encoding: last byte 0x%02x, not 0xbc",
		    req->input[req->len - 1]);
	/* Leading bits that must be zero: 8 * size - (bits - 1). */
	zbits = 8 * size - (size_t)(bits - 1);
	for (i = 0; i < zbits / 8; i++)
		if (req->input[i] != 0)
			return keyop_refuse(why, "RSA input without padding "
			    "is not a PSS encoding: byte %zu is not zero", i);
	if (zbits % 8 != 0 &&
	    (req->input[i] & (0xff << (8 - zbits % 8)) & 0xff) != 0)
		return keyop_refuse(why, "RSA input without padding is not a "
		    "PSS encoding: its top %zu bits are not zero", zbits);
	return 0;
}

/*
 * RFC 8017 9.1.2, steps 5 to 10, without the message: unmask DB with
 * MGF1 of H and require the zero padding, 0x01 and a salt as long as the
 * hash, as TLS signs.  A blinded ciphertext passes this with negligible
 * probability, so the monitor is no raw RSA decryption oracle.
 */
static int
keyop_pss_decodes(const uint8_t *em, size_t emlen, int bits,
    const EVP_MD *md)
{
	uint8_t	 db[KEYOP_IO_MAX];
	size_t	 hlen = (size_t)EVP_MD_get_size(md), dblen, pslen, i;
	size_t	 embits = (size_t)bits - 1;

	if (embits % 8 == 0) {		/* a leading zero byte */
		if (em[0] != 0)
			return 0;
		em++;
		emlen--;
	}
	if (emlen < 2 * hlen + 2)
		return 0;
	dblen = emlen - hlen - 1;
	if (PKCS1_MGF1(db, (long)dblen, em + dblen, (long)hlen, md) != 0)
		return 0;
	for (i = 0; i < dblen; i++)
		db[i] ^= em[i];
	db[0] &= 0xff >> (8 * emlen - embits);
	pslen = dblen - hlen - 1;
	for (i = 0; i < pslen; i++)
		if (db[i] != 0)
			break;
	i = i == pslen && db[pslen] == 0x01;
	OPENSSL_cleanse(db, sizeof(db));
	return (int)i;
}

static int
keyop_check_pss_db(const struct msg_sign_req *req, int bits,
    const char **why)
{
	if (keyop_pss_decodes(req->input, req->len, bits, EVP_sha256()) ||
	    keyop_pss_decodes(req->input, req->len, bits, EVP_sha384()) ||
	    keyop_pss_decodes(req->input, req->len, bits, EVP_sha512()))
		return 0;
	return keyop_refuse(why, "RSA input without padding is not a PSS "
	    "encoding: no SHA-256/384/512 block with a salt of the hash's "
	    "length decodes from it");
}

static int
keyop_check_rsa(EVP_PKEY *key, const struct msg_sign_req *req,
    const char **why)
{
	size_t	 size = (size_t)EVP_PKEY_get_size(key);

	if (req->alg != KEYOP_RSA)
		return keyop_refuse(why, "ECDSA request for an RSA key");
	switch (req->padding) {
	case RSA_PKCS1_PADDING:
		if (req->len > size - 11)
			return keyop_refuse(why, "RSA input of %u bytes with "
			    "PKCS#1 padding exceeds %zu", req->len, size - 11);
		return 0;
	case RSA_NO_PADDING:
		if (keyop_check_pss(req, size, EVP_PKEY_get_bits(key),
		    why) == -1)
			return -1;
		return keyop_check_pss_db(req, EVP_PKEY_get_bits(key), why);
	default:
		return keyop_refuse(why, "RSA padding %u is not allowed "
		    "(PKCS#1 v1.5 %d or PSS-encoded with none %d)",
		    req->padding, RSA_PKCS1_PADDING, RSA_NO_PADDING);
	}
}

static int
keyop_check_ecdsa(const struct msg_sign_req *req, const char **why)
{
	if (req->alg != KEYOP_ECDSA)
		return keyop_refuse(why, "RSA request for an EC key");
	if (req->padding != 0)
		return keyop_refuse(why, "ECDSA request with padding %u, "
		    "must be 0", req->padding);
	switch (req->len) {
	case 20: case 28: case 32: case 48: case 64:
		return 0;
	default:
		return keyop_refuse(why, "ECDSA input of %u bytes is not a "
		    "digest length (20, 28, 32, 48 or 64)", req->len);
	}
}

int
keyop_sign(EVP_PKEY *key, const struct msg_sign_req *req,
    struct msg_sign_res *res, const char **why)
{
	return keyop_sign_as(key, KEYOP_KEY_ID, req, res, why);
}

/*
 * The signing contexts, one per key and RSA padding, made once and
 * reused for every signature: OpenSSL 3.0 makes a context by fetching
 * the provider's key management and signature, which walks its whole
 * name map and cost the monitor about a tenth of its CPU per handshake
 * when done for each signature.  A context holds a reference to its key:
 * keyop_free() drops them before the key is freed.
 */
struct keyop_ctx {
	EVP_PKEY	*key;		/* NULL: a free slot */
	uint32_t	 padding;	/* RSA; 0 for ECDSA */
	EVP_PKEY_CTX	*ctx;
};
/* The key in force, the one before a reload, the bridge key: 2 each. */
static struct keyop_ctx	keyop_ctxs[8];

/* key's context for padding, made (and the oldest dropped) if need be. */
static EVP_PKEY_CTX *
keyop_ctx_get(EVP_PKEY *key, uint32_t padding)
{
	struct keyop_ctx	*k, *slot = NULL;
	EVP_PKEY_CTX		*ctx;

	for (k = keyop_ctxs; k < keyop_ctxs + nitems(keyop_ctxs); k++) {
		if (k->key == key && k->padding == padding)
			return k->ctx;
		if (k->key == NULL && slot == NULL)
			slot = k;
	}
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, (int)padding) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	if (slot == NULL) {
		/* Full: the first goes; the table moves up one. */
		slot = keyop_ctxs + nitems(keyop_ctxs) - 1;
		EVP_PKEY_CTX_free(keyop_ctxs[0].ctx);
		memmove(keyop_ctxs, keyop_ctxs + 1,
		    sizeof(keyop_ctxs) - sizeof(keyop_ctxs[0]));
	}
	slot->key = key;
	slot->padding = padding;
	slot->ctx = ctx;
	return ctx;
}

void
keyop_free(EVP_PKEY *key)
{
	struct keyop_ctx	*k;

	if (key == NULL)
		return;
	for (k = keyop_ctxs; k < keyop_ctxs + nitems(keyop_ctxs); k++)
		if (k->key == key) {
			EVP_PKEY_CTX_free(k->ctx);
			memset(k, 0, sizeof(*k));
		}
	EVP_PKEY_free(key);
}

int
keyop_sign_as(EVP_PKEY *key, uint32_t key_id, const struct msg_sign_req *req,
    struct msg_sign_res *res, const char **why)
{
	EVP_PKEY_CTX	*ctx;
	size_t		 siglen;
	char		 ssl[200];

	memset(res, 0, sizeof(*res));
	if (key == NULL)
		return keyop_refuse(why, "no private key is loaded");
	if (req->key_id != key_id)
		return keyop_refuse(why, "key id %u is not the loaded key "
		    "(%u)", req->key_id, key_id);
	if (req->len == 0 || req->len > KEYOP_IO_MAX)
		return keyop_refuse(why, "input of %u bytes", req->len);
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (keyop_check_rsa(key, req, why) == -1)
			return -1;
		break;
	case EVP_PKEY_EC:
		if (keyop_check_ecdsa(req, why) == -1)
			return -1;
		break;
	default:
		return keyop_refuse(why, "the loaded key is neither RSA nor "
		    "EC");
	}

	if ((ctx = keyop_ctx_get(key, req->alg == KEYOP_RSA ? req->padding :
	    0)) == NULL)
		goto sslfail;
	siglen = sizeof(res->sig);
	if (EVP_PKEY_sign(ctx, res->sig, &siglen, req->input,
	    req->len) != 1)
		goto sslfail;
	res->ok = 1;
	res->len = (uint16_t)siglen;
	return 0;
 sslfail:
	keyop_ssl_error(ssl, sizeof(ssl));
	memset(res, 0, sizeof(*res));
	return keyop_refuse(why, "signing failed: %s", ssl);
}
