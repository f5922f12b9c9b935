/*
 * heraldctl bridge cert create CERT KEY [--address ADDR] [--days N]: the
 * MT5 bridge's own TLS pair (mt5.bridge.tls_certificate and tls_key), a
 * P-256 key and a self-signed certificate, made here with OpenSSL; no
 * daemon is asked, as heraldd reads the pair only when it starts.  The
 * EA pins the certificate's SHA-256 (its CertSha256 input), printed
 * once made, as heraldctl bridge status prints it.  Neither file is
 * ever overwritten: replacing the pair changes the pin, which every EA
 * must then be given.  See heraldctl(8) and herald-bridge(7).
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "heraldctl.h"

#define CERT_CMD	"bridge cert create"
#define CERT_DAYS	3650		/* the pin, not the dates, is checked */
#define CERT_CN		"heraldd bridge"

/* An OpenSSL failure: what was being done, and OpenSSL's reason. */
static void __attribute__((noreturn))
cert_fail(const char *what)
{
	unsigned long	 e = ERR_get_error();

	errx(1, "%s: %s: %s", CERT_CMD, what, e != 0 ?
	    ERR_reason_error_string(e) : "failed");
}

/* SAN: an IP address as one, anything else as a DNS name. */
static void
cert_san(X509 *x, const char *addr)
{
	unsigned char	 buf[sizeof(struct in6_addr)];
	char		 v[300];
	X509_EXTENSION	*ext;

	if (inet_pton(AF_INET, addr, buf) == 1 ||
	    inet_pton(AF_INET6, addr, buf) == 1)
		snprintf(v, sizeof(v), "IP:%s", addr);
	else if (addr[0] != '\0' && strlen(addr) <= 253 && strspn(addr,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == strlen(addr))
		snprintf(v, sizeof(v), "DNS:%s", addr);
	else
		v[0] = '\0';
	if (v[0] == '\0' || (ext = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_subject_alt_name, v)) == NULL)
		errx(1, "%s: --address %s: not an address or a host name",
		    CERT_CMD, addr);
	if (X509_add_ext(x, ext, -1) != 1)
		cert_fail("subjectAltName");
	X509_EXTENSION_free(ext);
}

static X509 *
cert_make(EVP_PKEY *pk, const char *addr, int days)
{
	unsigned char	 serial[16];
	BIGNUM		*bn;
	X509_NAME	*name;
	X509		*x;

	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1)
		cert_fail("a certificate");
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		cert_fail("a serial number");
	serial[0] &= 0x7f;		/* positive */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		cert_fail("a serial number");
	BN_free(bn);
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL)
		cert_fail("the validity");
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)CERT_CN, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pk) != 1)
		cert_fail("the names");
	if (addr != NULL)
		cert_san(x, addr);
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		cert_fail("the signature");
	return x;
}

static void __attribute__((noreturn))
cert_exists(const char *path)
{
	errx(1, "%s: %s exists: it is never replaced (a new pair is a new "
	    "pin for every EA); remove it first or name another file",
	    CERT_CMD, path);
}

/*
 * path, new (never replaced), mode, written by fn with the object: the
 * file is removed again if anything fails.
 */
static void
cert_write(const char *path, mode_t mode, int (*fn)(BIO *, void *),
    void *obj)
{
	BIO	*b;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		if (errno == EEXIST)
			cert_exists(path);
		err(1, "%s: %s", CERT_CMD, path);
	}
	if (fchmod(fd, mode) == -1)		/* whatever the umask */
		err(1, "%s: %s", CERT_CMD, path);
	if ((b = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL || fn(b, obj) != 1 ||
	    BIO_flush(b) != 1 || fsync(fd) == -1) {
		(void)unlink(path);
		cert_fail(path);
	}
	BIO_free(b);
	if (close(fd) == -1) {
		(void)unlink(path);
		err(1, "%s: %s", CERT_CMD, path);
	}
}

static int
write_key(BIO *b, void *pk)
{
	return PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
}

static int
write_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

int
cmd_bridge_cert_create(struct ctx *cx, int argc, char **argv)
{
	const char	*crt = NULL, *key = NULL, *addr = NULL, *v;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, j;
	char		 pin[2 * EVP_MAX_MD_SIZE + 1];
	struct stat	 st;
	EVP_PKEY	*pk;
	X509		*x;
	int		 i, days = CERT_DAYS;

	for (i = 0; i < argc; i++) {
		if ((v = opt_value(CERT_CMD, "--address", argc, argv, &i)) !=
		    NULL)
			addr = v;
		else if ((v = opt_value(CERT_CMD, "--days", argc, argv,
		    &i)) != NULL)
			days = (int)opt_number(CERT_CMD, "--days", v, 1, 36500,
			    "days");
		else if (argv[i][0] == '-')
			errx(1, "%s: unknown option %s", CERT_CMD, argv[i]);
		else if (crt == NULL)
			crt = argv[i];
		else if (key == NULL)
			key = argv[i];
		else
			errx(1, "%s: unexpected argument: %s", CERT_CMD,
			    argv[i]);
	}
	if (crt == NULL || key == NULL)
		errx(1, "%s: the certificate's and the key's files are "
		    "required (mt5.bridge.tls_certificate and tls_key)",
		    CERT_CMD);
	if (strcmp(crt, key) == 0)
		errx(1, "%s: the certificate and the key need two files",
		    CERT_CMD);
	/* Both refused before either is written. */
	if (lstat(key, &st) == 0)
		cert_exists(key);
	if (lstat(crt, &st) == 0)
		cert_exists(crt);
	if ((pk = EVP_EC_gen("P-256")) == NULL)
		cert_fail("a P-256 key");
	x = cert_make(pk, addr, days);
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		cert_fail("the fingerprint");
	for (j = 0; j < n; j++)
		snprintf(pin + 2 * j, 3, "%02X", md[j]);
	cert_write(key, 0600, write_key, pk);
	cert_write(crt, 0644, write_cert, x);
	X509_free(x);
	EVP_PKEY_free(pk);
	if (cx->json)
		json_print(json_pack("{s:o, s:o, s:o, s:i}", "certificate",
		    jstr(crt), "key", jstr(key), "sha256", jstr(pin), "days",
		    days));
	else {
		printf("%s\n", pin);
		fprintf(stderr, "bridge certificate %s and key %s created; set "
		    "the EA's CertSha256 to the SHA-256 above, point "
		    "mt5.bridge.tls_certificate and tls_key at them and "
		    "restart heraldd\n", crt, key);
	}
	return 0;
}
