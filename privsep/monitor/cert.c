/*
 * Certificates: validity, the client CA, heraldd -G.  See cert.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "log.h"

#define CERT_SERIAL_BYTES	16

static void
cert_ssl_error(char *buf, size_t len)
{
	unsigned long	 e = ERR_peek_last_error();

	if (e == 0)
		strlcpy(buf, "unknown error", len);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

static X509 *
cert_read_first(const char *path, char *err, size_t errlen)
{
	char	 ssl[256];
	BIO	*bio;
	X509	*x;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ERR_clear_error();
		return NULL;
	}
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		cert_ssl_error(ssl, sizeof(ssl));
		snprintf(err, errlen, "%s: no PEM certificate: %s", path, ssl);
	}
	BIO_free(bio);
	return x;
}

/* An ASN1_TIME as seconds since the epoch; -1 if it cannot be read. */
static time_t
cert_time(const ASN1_TIME *t)
{
	struct tm	 tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return (time_t)-1;
	return timegm(&tm);
}

static void
cert_date(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(buf, "an unreadable date", len);
}

enum cert_state
cert_check(const char *path, time_t now, int warn_days, time_t *notafter,
    char *msg, size_t msglen)
{
	enum cert_state	 st;
	time_t		 nb, na;
	char		 date[32];
	X509		*x;

	*notafter = 0;
	if ((x = cert_read_first(path, msg, msglen)) == NULL)
		return CERT_UNREADABLE;
	nb = cert_time(X509_get0_notBefore(x));
	na = cert_time(X509_get0_notAfter(x));
	X509_free(x);
	if (nb == (time_t)-1 || na == (time_t)-1) {
		snprintf(msg, msglen, "%s: the certificate's validity cannot "
		    "be read", path);
		return CERT_UNREADABLE;
	}
	*notafter = na;
	if (now < nb) {
		cert_date(nb, date, sizeof(date));
		snprintf(msg, msglen, "%s: the certificate is not valid "
		    "before %s; clients will refuse it", path, date);
		return CERT_EXPIRED;
	}
	cert_date(na, date, sizeof(date));
	if (now >= na) {
		snprintf(msg, msglen, "%s: the certificate expired on %s; "
		    "clients will refuse it", path, date);
		st = CERT_EXPIRED;
	} else if ((na - now) / 86400 < warn_days) {
		snprintf(msg, msglen, "%s: the certificate expires on %s, "
		    "within %d days", path, date, warn_days);
		st = CERT_EXPIRING;
	} else {
		snprintf(msg, msglen, "%s: valid until %s", path, date);
		st = CERT_VALID;
	}
	return st;
}

int
cert_check_ca(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509_INFO)	*infos;
	X509_INFO		*xi;
	char			 ssl[256];
	BIO			*bio;
	int			 i, n = 0, rv = -1;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	if ((infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL)) == NULL) {
		cert_ssl_error(ssl, sizeof(ssl));
		snprintf(err, errlen, "%s: not a PEM certificate bundle: %s",
		    path, ssl);
		goto done;
	}
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 == NULL) {
			snprintf(err, errlen, "%s: entry %d is not a "
			    "certificate", path, i + 1);
			goto done;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: holds no certificate", path);
		goto done;
	}
	/* A key after a certificate joins its X509_INFO: look at blocks. */
	rv = cert_public_only(path, NULL, 0, err, errlen);
 done:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	return rv;
}

static int
cert_is_certificate(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	    strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

int
cert_public_only(const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	char		*name = NULL, *header = NULL;
	unsigned char	*data = NULL;
	long		 dlen;
	BIO		*bio;
	int		 n, rv = 0;

	if (buf != NULL)
		bio = len <= INT_MAX ? BIO_new_mem_buf(buf, (int)len) : NULL;
	else
		bio = BIO_new_file(path, "r");
	if (bio == NULL) {
		snprintf(err, errlen, "%s: %s", path, buf != NULL ?
		    "cannot be read" : strerror(errno));
		ERR_clear_error();
		return -1;
	}
	for (n = 1; rv == 0 &&
	    PEM_read_bio(bio, &name, &header, &data, &dlen) == 1; n++) {
		if (!cert_is_certificate(name)) {
			snprintf(err, errlen, "%s: block %d is %s, not a "
			    "certificate: net is sent this file whole%s",
			    path, n, name, strstr(name, "PRIVATE KEY") != NULL ?
			    "; a private key belongs in tls.key alone" : "");
			rv = -1;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, dlen > 0 ? (size_t)dlen : 0);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();	/* the end reads as "no start line" */
	BIO_free(bio);
	return rv;
}

/* -G */

static int
cert_add_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	X509V3_CTX	 ctx;
	int		 ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static X509 *
cert_make(EVP_PKEY *key, const char *host)
{
	unsigned char	 serial[CERT_SERIAL_BYTES];
	char		 san[2 * HOST_NAME_MAX + 64];
	X509_NAME	*name;
	BIGNUM		*bn = NULL;
	X509		*x;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;	/* a positive INTEGER */
	snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,"
	    "IP:::1", host);
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERT_GEN_DAYS, 0,
	    NULL) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)host, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    cert_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    cert_add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    cert_add_ext(x, NID_ext_key_usage, "serverAuth") ||
	    cert_add_ext(x, NID_subject_alt_name, san) ||
	    X509_sign(x, key, EVP_sha256()) == 0)
		goto fail;
	BN_free(bn);
	return x;
 fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write a PEM held in bio to a new file (never an existing one or a link). */
static int
cert_write_new(const char *path, mode_t mode, BIO *bio, char *err,
    size_t errlen)
{
	char	*data;
	long	 len;
	int	 fd;

	len = BIO_get_mem_data(bio, &data);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || write(fd, data, (size_t)len) != len ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int
cert_generate(const struct herald_conf *conf, int *made, char *err,
    size_t errlen)
{
	const char	*kp = conf->tls.key, *cp = conf->tls.certificate;
	char		 host[HOST_NAME_MAX + 1], ssl[256];
	struct stat	 st;
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	BIO		*kb = NULL, *cb = NULL;
	int		 haskey, hascert, rv = -1;

	*made = 0;
	haskey = lstat(kp, &st) == 0;
	hascert = lstat(cp, &st) == 0;
	if (haskey && hascert)
		return 0;
	if (haskey || hascert) {
		snprintf(err, errlen, "%s exists but %s does not: remove it or "
		    "install the other one by hand", haskey ? kp : cp,
		    haskey ? cp : kp);
		return -1;
	}
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    (x = cert_make(key, host)) == NULL ||
	    (kb = BIO_new(BIO_s_secmem())) == NULL ||
	    (cb = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL,
	    NULL) != 1 || PEM_write_bio_X509(cb, x) != 1) {
		cert_ssl_error(ssl, sizeof(ssl));
		snprintf(err, errlen, "creating a key and certificate: %s",
		    ssl);
		goto done;
	}
	if (cert_write_new(kp, 0600, kb, err, errlen) == -1)
		goto done;
	if (cert_write_new(cp, 0644, cb, err, errlen) == -1) {
		unlink(kp);
		goto done;
	}
	*made = 1;
	rv = 0;
 done:
	BIO_free(kb);	/* secure memory: cleared as it is freed */
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(key);
	return rv;
}
