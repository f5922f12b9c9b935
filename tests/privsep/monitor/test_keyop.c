/*
 * The monitor's key operations: loading a private key under the
 * StrictModes rule (real files, real modes and owners; run as root),
 * matching it to a certificate, and the checks keyop_sign() makes before
 * it signs, with real RSA-2048, P-256 and P-384 keys made here.
 */
/* RSA_padding_add_PKCS1_PSS_mgf1() builds a PSS block as net's OpenSSL does. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyop.h"
#include "msg.h"

#define NOBODY		65534

static char		 tmpdir[] = "/tmp/herald-keyop-XXXXXX";
static EVP_PKEY		*rsa2048, *rsa1024, *p256, *p384, *p521, *ed25519;
static int		 nfiles;

static int
group_setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (rsa2048 == NULL || rsa1024 == NULL || p256 == NULL ||
	    p384 == NULL || p521 == NULL || ed25519 == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[64 + sizeof(tmpdir)];

	keyop_free(rsa2048);
	keyop_free(rsa1024);
	keyop_free(p256);
	keyop_free(p384);
	keyop_free(p521);
	keyop_free(ed25519);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A new file name in the scratch directory. */
static void
tmpname(char *path, size_t len, const char *what)
{
	snprintf(path, len, "%s/%s-%d", tmpdir, what, nfiles++);
}

/* Write bytes to a new file with exactly this mode and owner. */
static void
write_file(const char *path, const void *p, size_t len, mode_t mode,
    uid_t uid)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	assert_int_equal(fchown(fd, uid, 0), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* key as PEM (encrypted with pass when given) in a new file. */
static void
write_key(char *path, size_t len, EVP_PKEY *key, mode_t mode, uid_t uid,
    const char *pass)
{
	BIO	*bio;
	char	*pem;
	long	 n;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	if (pass == NULL)
		assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL,
		    NULL, 0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PrivateKey(bio, key,
		    EVP_aes_256_cbc(), (const unsigned char *)pass,
		    (int)strlen(pass), NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_true(n > 0);
	tmpname(path, len, "key");
	write_file(path, pem, (size_t)n, mode, uid);
	BIO_free(bio);
}

static void
assert_contains(const char *s, const char *needle)
{
	if (strstr(s, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, needle);
}

static void
need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* Loading. */

static void
load_ok(EVP_PKEY *key)
{
	char		 path[PATH_MAX], err[512] = "";
	EVP_PKEY	*k;

	need_root();
	write_key(path, sizeof(path), key, 0600, 0, NULL);
	k = keyop_load(path, err, sizeof(err));
	if (k == NULL)
		fail_msg("keyop_load: %s", err);
	assert_int_equal(EVP_PKEY_eq(k, key), 1);
	keyop_free(k);

	/* Read-only for root is stricter, and fine. */
	write_key(path, sizeof(path), key, 0400, 0, NULL);
	assert_non_null(k = keyop_load(path, err, sizeof(err)));
	keyop_free(k);
}

static void
test_load_rsa(void **state)
{
	load_ok(rsa2048);
}

static void
test_load_p256(void **state)
{
	load_ok(p256);
}

static void
test_load_p384(void **state)
{
	load_ok(p384);
}

/* A refusal: NULL, and err holds the path and every needle. */
static void
load_refused(const char *path, const char *needle1, const char *needle2)
{
	char		 err[512] = "";
	EVP_PKEY	*k;

	k = keyop_load(path, err, sizeof(err));
	if (k != NULL) {
		keyop_free(k);
		fail_msg("keyop_load(%s) accepted it", path);
	}
	assert_contains(err, path);
	assert_contains(err, needle1);
	if (needle2 != NULL)
		assert_contains(err, needle2);
}

static void
test_load_bad_modes(void **state)
{
	static const mode_t	 modes[] = { 0640, 0604, 0660, 0644, 0610,
				    0601, 0602, 0620, 0700 };
	char			 path[PATH_MAX], mode[16];
	size_t			 i;

	need_root();
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_key(path, sizeof(path), rsa2048, modes[i], 0, NULL);
		snprintf(mode, sizeof(mode), "mode %04o", modes[i]);
		if ((modes[i] & 077) == 0) {
			/* 0700: only the owner, so still acceptable. */
			char		 err[512];
			EVP_PKEY	*k;

			assert_non_null(k = keyop_load(path, err,
			    sizeof(err)));
			keyop_free(k);
			continue;
		}
		load_refused(path, "bad ownership or modes", mode);
	}
	write_key(path, sizeof(path), p256, 0640, 0, NULL);
	load_refused(path, "bad ownership or modes: owner uid 0, mode 0640; "
	    "a private key must be owned by root with mode 0600 or stricter",
	    NULL);
}

static void
test_load_not_root_owned(void **state)
{
	char	 path[PATH_MAX];

	need_root();
	write_key(path, sizeof(path), rsa2048, 0600, NOBODY, NULL);
	load_refused(path, "bad ownership or modes", "owner uid 65534");
	write_key(path, sizeof(path), p384, 0400, NOBODY, NULL);
	load_refused(path, "owner uid 65534", "mode 0400");
}

static void
test_load_not_a_file(void **state)
{
	char	 path[PATH_MAX], link[PATH_MAX];

	need_root();
	write_key(path, sizeof(path), rsa2048, 0600, 0, NULL);
	tmpname(link, sizeof(link), "link");
	assert_int_equal(symlink(path, link), 0);
	load_refused(link, "symbolic link", NULL);

	tmpname(path, sizeof(path), "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	load_refused(path, "not a regular file", NULL);

	tmpname(path, sizeof(path), "missing");
	load_refused(path, strerror(ENOENT), NULL);
}

static void
test_load_bad_types(void **state)
{
	char	 path[PATH_MAX];

	need_root();
	write_key(path, sizeof(path), rsa1024, 0600, 0, NULL);
	load_refused(path, "RSA key of 1024 bits", "at least 2048");
	write_key(path, sizeof(path), p521, 0600, 0, NULL);
	load_refused(path, "EC key on curve secp521r1",
	    "only P-256 and P-384");
	write_key(path, sizeof(path), ed25519, 0600, 0, NULL);
	load_refused(path, "key type ED25519 is not supported", NULL);
}

static void
test_load_bad_contents(void **state)
{
	static const char	 junk[] = "-----BEGIN PRIVATE KEY-----\n"
				    "bm90IGEga2V5\n-----END PRIVATE KEY-----\n";
	char			 path[PATH_MAX];
	uint8_t			*big;

	need_root();
	tmpname(path, sizeof(path), "junk");
	write_file(path, junk, sizeof(junk) - 1, 0600, 0);
	load_refused(path, "no usable PEM private key", NULL);

	tmpname(path, sizeof(path), "empty");
	write_file(path, "", 0, 0600, 0);
	load_refused(path, "no usable PEM private key", NULL);

	/* An encrypted key is refused, not prompted for. */
	write_key(path, sizeof(path), rsa2048, 0600, 0, "sekrit");
	load_refused(path, "no usable PEM private key",
	    "encrypted key is not supported");

	assert_non_null(big = calloc(1, 64 * 1024 + 1));
	memset(big, 'A', 64 * 1024 + 1);
	tmpname(path, sizeof(path), "big");
	write_file(path, big, 64 * 1024 + 1, 0600, 0);
	load_refused(path, "larger than 65536 bytes", NULL);
	free(big);
}

/* Matching the certificate. */

static void
write_cert(char *path, size_t len, EVP_PKEY *key, EVP_PKEY *signer)
{
	X509	*x;
	BIO	*bio;
	char	*pem;
	long	 n;

	assert_non_null(x = X509_new());
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	    "CN", MBSTRING_ASC, (const unsigned char *)"keyop", -1, -1, 0),
	    1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)),
	    1);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	n = BIO_get_mem_data(bio, &pem);
	tmpname(path, len, "cert");
	write_file(path, pem, (size_t)n, 0644, 0);
	BIO_free(bio);
	X509_free(x);
}

static void
test_match_cert(void **state)
{
	char	 path[PATH_MAX], err[512] = "";

	write_cert(path, sizeof(path), rsa2048, rsa2048);
	if (keyop_match_cert(rsa2048, path, err, sizeof(err)) != 0)
		fail_msg("keyop_match_cert: %s", err);
	assert_int_equal(keyop_match_cert(p256, path, err, sizeof(err)), -1);
	assert_contains(err, path);
	assert_contains(err, "does not match the private key");

	write_cert(path, sizeof(path), p384, p384);
	assert_int_equal(keyop_match_cert(p384, path, err, sizeof(err)), 0);
	assert_int_equal(keyop_match_cert(p256, path, err, sizeof(err)), -1);
	assert_contains(err, "does not match");

	tmpname(path, sizeof(path), "nocert");
	assert_int_equal(keyop_match_cert(p256, path, err, sizeof(err)), -1);
	assert_contains(err, path);
	assert_contains(err, strerror(ENOENT));

	write_file(path, "hello\n", 6, 0644, 0);
	assert_int_equal(keyop_match_cert(p256, path, err, sizeof(err)), -1);
	assert_contains(err, "no PEM certificate");
}

/* Signing. */

static void
req_init(struct msg_sign_req *req, uint8_t alg, uint32_t padding,
    const void *in, size_t len)
{
	memset(req, 0, sizeof(*req));
	req->key_id = KEYOP_KEY_ID;
	req->alg = alg;
	req->padding = padding;
	req->len = (uint16_t)len;
	memcpy(req->input, in, len);
}

static void
sign_ok(EVP_PKEY *key, const struct msg_sign_req *req,
    struct msg_sign_res *res)
{
	const char	*why = NULL;

	if (keyop_sign(key, req, res, &why) != 0)
		fail_msg("keyop_sign refused: %s", why);
	assert_int_equal(res->ok, 1);
	assert_true(res->len > 0);
}

static void
sign_refused(EVP_PKEY *key, const struct msg_sign_req *req,
    const char *needle)
{
	struct msg_sign_res	 res;
	const char		*why = NULL;

	memset(&res, 0xa5, sizeof(res));
	if (keyop_sign(key, req, &res, &why) != -1)
		fail_msg("keyop_sign signed what it should refuse (%s)",
		    needle);
	assert_non_null(why);
	assert_contains(why, needle);
	assert_int_equal(res.ok, 0);
	assert_int_equal(res.len, 0);
}

/* SHA-256 DigestInfo, as RSA_sign() hands it to priv_enc. */
static size_t
digest_info(uint8_t *out, const uint8_t dgst[32])
{
	static const uint8_t	 prefix[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
	};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + sizeof(prefix), dgst, 32);
	return sizeof(prefix) + 32;
}

/* A PSS block for dgst, as OpenSSL makes it before priv_enc. */
static void
pss_block(EVP_PKEY *key, uint8_t *em, const uint8_t dgst[32])
{
	RSA	*rsa;

	assert_non_null(rsa = EVP_PKEY_get1_RSA(key));
	assert_int_equal(RSA_padding_add_PKCS1_PSS_mgf1(rsa, em, dgst,
	    EVP_sha256(), EVP_sha256(), 32), 1);
	RSA_free(rsa);
}

/* A DigestInfo signed by key verifies as RSASSA-PKCS1-v1_5 SHA-256. */
static void
rsa_pkcs1_ok(EVP_PKEY *key)
{
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	EVP_PKEY_CTX		*ctx;
	uint8_t			 dgst[32], in[64];
	size_t			 n;

	RAND_bytes(dgst, sizeof(dgst));
	n = digest_info(in, dgst);
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, n);
	sign_ok(key, &req, &res);
	assert_int_equal(res.len, EVP_PKEY_get_size(key));
	assert_non_null(ctx = EVP_PKEY_CTX_new(key, NULL));
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING),
	    1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, res.sig, res.len, dgst,
	    sizeof(dgst)), 1);
	EVP_PKEY_CTX_free(ctx);
}

/* A PSS block signed by key verifies as RSASSA-PSS; the block in em. */
static void
rsa_pss_ok(EVP_PKEY *key, uint8_t em[256])
{
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	EVP_PKEY_CTX		*ctx;
	uint8_t			 dgst[32];

	RAND_bytes(dgst, sizeof(dgst));
	pss_block(key, em, dgst);
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, em, 256);
	sign_ok(key, &req, &res);
	assert_int_equal(res.len, EVP_PKEY_get_size(key));
	assert_non_null(ctx = EVP_PKEY_CTX_new(key, NULL));
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, res.sig, res.len, dgst,
	    sizeof(dgst)), 1);
	EVP_PKEY_CTX_free(ctx);
}

static void
test_sign_rsa_pkcs1(void **state)
{
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	const char		*why = NULL;
	uint8_t			 dgst[32], in[300];
	size_t			 n;

	/* It verifies as an RSASSA-PKCS1-v1_5 SHA-256 signature. */
	rsa_pkcs1_ok(rsa2048);

	/* The largest PKCS#1 input for a 2048-bit key is 245 bytes. */
	RAND_bytes(in, sizeof(in));
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 245);
	sign_ok(rsa2048, &req, &res);
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 246);
	sign_refused(rsa2048, &req,
	    "RSA input of 246 bytes with PKCS#1 padding exceeds 245");
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 256);
	sign_refused(rsa2048, &req, "exceeds 245");

	/* After a reload the key in force has the next id, and only it. */
	RAND_bytes(dgst, sizeof(dgst));
	n = digest_info(in, dgst);
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, n);
	req.key_id = 2;
	assert_int_equal(keyop_sign_as(rsa2048, 2, &req, &res, &why), 0);
	assert_int_equal(res.ok, 1);
	req.key_id = KEYOP_KEY_ID;
	assert_int_equal(keyop_sign_as(rsa2048, 2, &req, &res, &why), -1);
	assert_string_equal(why, "key id 1 is not the loaded key (2)");
	assert_int_equal(res.ok, 0);
}

static void
test_sign_rsa_pss(void **state)
{
	struct msg_sign_req	 req;
	uint8_t			 em[256], bad[256];
	int			 i;

	for (i = 0; i < 8; i++)
		rsa_pss_ok(rsa2048, em);

	/* Not the modulus size. */
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, em + 1, 255);
	sign_refused(rsa2048, &req, "RSA input of 255 bytes without padding "
	    "is not the modulus size 256");
	/* Not ending in 0xbc. */
	memcpy(bad, em, sizeof(bad));
	bad[255] = 0xbd;
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, bad, sizeof(bad));
	sign_refused(rsa2048, &req, "last byte 0xbd, not 0xbc");
	/* The top bit of a 2048-bit modulus' block is always clear. */
	memcpy(bad, em, sizeof(bad));
	bad[0] |= 0x80;
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, bad, sizeof(bad));
	sign_refused(rsa2048, &req, "top 1 bits are not zero");
	/* A raw decryption request looks like random bytes. */
	memset(bad, 0x7f, sizeof(bad));
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, bad, sizeof(bad));
	sign_refused(rsa2048, &req, "not a PSS encoding");
	/*
	 * A blinded ciphertext that happens to have the right ends (clear
	 * top bit, 0xbc) still does not decode: no decryption oracle.
	 */
	for (i = 0; i < 16; i++) {
		RAND_bytes(bad, sizeof(bad));
		bad[0] &= 0x7f;
		bad[255] = 0xbc;
		req_init(&req, KEYOP_RSA, RSA_NO_PADDING, bad, sizeof(bad));
		sign_refused(rsa2048, &req, "no SHA-256/384/512 block");
	}
	/* One flipped bit in a real block's padding is refused too. */
	memcpy(bad, em, sizeof(bad));
	bad[10] ^= 0x01;
	req_init(&req, KEYOP_RSA, RSA_NO_PADDING, bad, sizeof(bad));
	sign_refused(rsa2048, &req, "no SHA-256/384/512 block");
}

static void
test_sign_rsa_bad_shapes(void **state)
{
	struct msg_sign_req	 req;
	uint8_t			 in[64];

	RAND_bytes(in, sizeof(in));
	req_init(&req, KEYOP_RSA, RSA_PKCS1_OAEP_PADDING, in, 51);
	sign_refused(rsa2048, &req, "RSA padding 4 is not allowed");
	req_init(&req, KEYOP_RSA, RSA_X931_PADDING, in, 51);
	sign_refused(rsa2048, &req, "RSA padding 5 is not allowed");
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PSS_PADDING, in, 51);
	sign_refused(rsa2048, &req, "RSA padding 6 is not allowed");
	req_init(&req, KEYOP_RSA, 0, in, 51);
	sign_refused(rsa2048, &req, "RSA padding 0 is not allowed");

	req_init(&req, KEYOP_ECDSA, 0, in, 32);
	sign_refused(rsa2048, &req, "ECDSA request for an RSA key");

	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 51);
	req.key_id = 2;
	sign_refused(rsa2048, &req, "key id 2 is not the loaded key (1)");
	req.key_id = 0;
	sign_refused(rsa2048, &req, "key id 0 is not the loaded key");

	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 51);
	sign_refused(NULL, &req, "no private key is loaded");
}

static void
ecdsa_ok(EVP_PKEY *key, size_t len)
{
	struct msg_sign_req	 req;
	struct msg_sign_res	 res;
	EVP_PKEY_CTX		*ctx;
	uint8_t			 dgst[64];

	RAND_bytes(dgst, sizeof(dgst));
	req_init(&req, KEYOP_ECDSA, 0, dgst, len);
	sign_ok(key, &req, &res);
	assert_true(res.len <= (size_t)EVP_PKEY_get_size(key));
	/* A DER ECDSA-Sig-Value over exactly these bytes. */
	assert_non_null(ctx = EVP_PKEY_CTX_new(key, NULL));
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_verify(ctx, res.sig, res.len, dgst, len),
	    1);
	EVP_PKEY_CTX_free(ctx);
}

static void
test_sign_ecdsa(void **state)
{
	static const size_t	 ok[] = { 20, 28, 32, 48, 64 };
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ecdsa_ok(p256, ok[i]);
		ecdsa_ok(p384, ok[i]);
	}
}

static void
test_sign_ecdsa_bad_shapes(void **state)
{
	static const size_t	 bad[] = { 1, 16, 19, 21, 31, 33, 47, 49, 63,
				    65, 128, 256 };
	struct msg_sign_req	 req;
	uint8_t			 in[256];
	char			 want[64];
	size_t			 i;

	RAND_bytes(in, sizeof(in));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_init(&req, KEYOP_ECDSA, 0, in, bad[i]);
		snprintf(want, sizeof(want), "ECDSA input of %zu bytes is not "
		    "a digest length", bad[i]);
		sign_refused(p256, &req, want);
		sign_refused(p384, &req, want);
	}
	req_init(&req, KEYOP_RSA, RSA_PKCS1_PADDING, in, 32);
	sign_refused(p256, &req, "RSA request for an EC key");
	req_init(&req, KEYOP_ECDSA, RSA_PKCS1_PADDING, in, 32);
	sign_refused(p384, &req, "ECDSA request with padding 1, must be 0");
	req_init(&req, KEYOP_ECDSA, 0, in, 32);
	req.key_id = 7;
	sign_refused(p256, &req, "key id 7 is not the loaded key");
}

/*
 * The signing contexts are kept per key and padding: signatures with
 * keys and paddings interleaved, more of them than the table holds,
 * each verify under the key and padding asked for; a key freed with
 * keyop_free() takes its contexts along (ASan's leak check would see
 * one left behind).
 */
static void
test_sign_contexts_kept(void **state)
{
	EVP_PKEY	*rsa[3], *ec[4];
	uint8_t		 em[256];
	int		 round, i;

	for (i = 0; i < 3; i++)
		assert_non_null(rsa[i] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)2048));
	for (i = 0; i < 4; i++)
		assert_non_null(ec[i] = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-256"));
	/* 3 RSA keys with 2 paddings and 4 EC keys: 10 contexts for 8. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 3; i++) {
			rsa_pss_ok(rsa[i], em);
			rsa_pkcs1_ok(rsa[i]);
			rsa_pss_ok(rsa[i], em);
		}
		for (i = 0; i < 4; i++)
			ecdsa_ok(ec[i], 32);
		rsa_pkcs1_ok(rsa2048);
		ecdsa_ok(p384, 48);
	}
	/* A reload frees the key before the last: the rest still sign. */
	keyop_free(rsa[0]);
	keyop_free(ec[0]);
	rsa_pss_ok(rsa[1], em);
	ecdsa_ok(ec[1], 32);
	for (i = 1; i < 3; i++)
		keyop_free(rsa[i]);
	for (i = 1; i < 4; i++)
		keyop_free(ec[i]);
	keyop_free(NULL);
}

/* The checks come before the decoder's bounds would matter. */
static void
test_sign_bad_length(void **state)
{
	struct msg_sign_req	 req;
	uint8_t			 in[32];

	memset(in, 1, sizeof(in));
	req_init(&req, KEYOP_ECDSA, 0, in, 32);
	req.len = 0;
	sign_refused(p256, &req, "input of 0 bytes");
	req.len = KEYOP_IO_MAX + 1;
	sign_refused(p256, &req, "input of 1025 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_rsa),
		cmocka_unit_test(test_load_p256),
		cmocka_unit_test(test_load_p384),
		cmocka_unit_test(test_load_bad_modes),
		cmocka_unit_test(test_load_not_root_owned),
		cmocka_unit_test(test_load_not_a_file),
		cmocka_unit_test(test_load_bad_types),
		cmocka_unit_test(test_load_bad_contents),
		cmocka_unit_test(test_match_cert),
		cmocka_unit_test(test_sign_rsa_pkcs1),
		cmocka_unit_test(test_sign_rsa_pss),
		cmocka_unit_test(test_sign_rsa_bad_shapes),
		cmocka_unit_test(test_sign_ecdsa),
		cmocka_unit_test(test_sign_ecdsa_bad_shapes),
		cmocka_unit_test(test_sign_bad_length),
		cmocka_unit_test(test_sign_contexts_kept),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
