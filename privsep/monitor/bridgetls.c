/*
 * The bridge listener's TLS, the monitor's side.  See bridgetls.h.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bridgetls.h"
#include "certlive.h"
#include "keyop.h"
#include "log.h"
#include "monitor_int.h"

#define BT_ERR	(2 * PATH_MAX + 256)

/* The pair in force; key NULL when TLS is off. */
static struct {
	EVP_PKEY	*key;
	uint8_t		*chain;
	size_t		 chainlen;
	char		 print[BRIDGETLS_PRINT_LEN];
} bt;

/* The first certificate of chain, or NULL. */
static X509 *
bt_leaf(const uint8_t *chain, size_t len)
{
	BIO	*bio;
	X509	*x;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(chain, (int)len)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* x's SHA-256 as the EA pins it: 0 or -1. */
static int
bt_print(X509 *x, char out[BRIDGETLS_PRINT_LEN])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0, i;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != SHA256_LEN)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", md[i]);
	return 0;
}

/*
 * Read the pair: the key, the chain (public blocks only, its first
 * certificate the key's) and the fingerprint.  0, or -1 with err naming
 * the key of herald.yaml.
 */
static int
bt_load(const struct herald_conf *conf, EVP_PKEY **key, uint8_t **chain,
    size_t *chainlen, char print[BRIDGETLS_PRINT_LEN], char *err,
    size_t errlen)
{
	const char	*crt = conf->mt5.bridge.tls_certificate;
	char		 why[BT_ERR];
	X509		*x = NULL;
	int		 rv = -1;

	*chain = NULL;
	if ((*key = keyop_load(conf->mt5.bridge.tls_key, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "mt5.bridge.tls_key: %s", why);
		return -1;
	}
	if ((*chain = certlive_read_public("mt5.bridge.tls_certificate",
	    crt, chainlen, err, errlen)) == NULL)
		goto done;
	if ((x = bt_leaf(*chain, *chainlen)) == NULL)
		snprintf(err, errlen, "mt5.bridge.tls_certificate %s: no PEM "
		    "certificate", crt);
	else if (X509_check_private_key(x, *key) != 1)
		snprintf(err, errlen, "mt5.bridge.tls_certificate %s: the "
		    "first certificate is not mt5.bridge.tls_key's", crt);
	else if (bt_print(x, print) == -1)
		snprintf(err, errlen, "mt5.bridge.tls_certificate %s: cannot "
		    "hash it", crt);
	else
		rv = 0;
 done:
	ERR_clear_error();
	X509_free(x);
	if (rv == -1) {
		free(*chain);
		*chain = NULL;
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return rv;
}

static int
bt_wanted(const struct herald_conf *conf)
{
	return conf->mt5.backend == BACKEND_BRIDGE && conf->mt5.bridge.tls;
}

size_t
bridgetls_check(const struct herald_conf *conf, struct conf_errors *errs)
{
	EVP_PKEY	*key;
	uint8_t		*chain;
	size_t		 len;
	char		 print[BRIDGETLS_PRINT_LEN], err[BT_ERR];

	if (!bt_wanted(conf))
		return 0;
	if (bt_load(conf, &key, &chain, &len, print, err, sizeof(err)) == -1) {
		config_error(errs, "%s", err);
		return 1;
	}
	free(chain);
	EVP_PKEY_free(key);
	return 0;
}

int
bridgetls_init(const struct herald_conf *conf, char *err, size_t errlen)
{
	if (!bt_wanted(conf))
		return 0;
	if (bt_load(conf, &bt.key, &bt.chain, &bt.chainlen, bt.print, err,
	    errlen) == -1)
		return -1;
	log_info("bridge: TLS on %s port %d with %s, SHA-256 %s (the EA's "
	    "CertSha256)", conf->mt5.bridge.address, conf->mt5.bridge.port,
	    conf->mt5.bridge.tls_certificate, bt.print);
	return 0;
}

const char *
bridgetls_fingerprint(void)
{
	return bt.key != NULL ? bt.print : "";
}

void
bridgetls_start(struct peer *broker)
{
	static uint8_t	 buf[MSG_MAX];
	size_t		 n;
	int		 sv[2];

	if (bt.key == NULL)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	n = msg_blob_encode(buf, sizeof(buf), bt.chain, bt.chainlen);
	if (ipc_send(&broker->chan, MSG_BRIDGE_TLS, 0, sv[1], buf, n) == -1)
		fatal("send BRIDGE_TLS to the broker");
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	mon.bkeyop.proc = PROC_BROKER;
	mon.bkeyop.pid = broker->pid;
	mon.bkeyop.state = PS_RUNNING;
	mon.bkeyop.chan_id = MON_CH_BKEYOP;
	ipc_chan_init(&mon.bkeyop.chan, sv[0], MSG_MAX, "broker keyop");
	peer_start_events(&mon.bkeyop);
}

void
bridgetls_sign(struct peer *p, const struct msg_sign_req *req,
    struct msg_sign_res *res)
{
	const char	*why;

	if (keyop_sign_as(bt.key, KEYOP_KEY_ID, req, res, &why) == -1) {
		log_security("keyop: refused a signature for the broker's "
		    "bridge TLS: %s", why);
		memset(res, 0, sizeof(*res));
	}
}
