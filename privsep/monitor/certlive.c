/*
 * The TLS certificate and key in force.  See certlive.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cert.h"
#include "certlive.h"
#include "keyop.h"
#include "log.h"
#include "metrics_mon.h"
#include "monitor.h"
#include "msg.h"

/* One pair: the key, the chain file's bytes, what they say. */
struct pair {
	EVP_PKEY	*key;
	uint8_t		*chain;
	size_t		 len;
	uint8_t		 digest[SHA256_LEN];
	char		 path[PATH_MAX];	/* tls.certificate */
	time_t		 notbefore, notafter;
};

static struct {
	struct pair	 cur;		/* in force */
	EVP_PKEY	*prev;		/* the key before, under id - 1 */
	uint32_t	 id;		/* cur.key's key id */
	struct pair	 next;		/* prepared by a reload */
	int		 warn_days;
	struct event	*daily;
} cl;

static void
pair_free(struct pair *p)
{
	keyop_free(p->key);
	free(p->chain);
	memset(p, 0, sizeof(*p));
}

uint8_t *
certlive_read_public(const char *what, const char *path, size_t *lenp,
    char *err, size_t errlen)
{
	struct conf_errors	 errs;
	struct stat		 st;
	char			 msg[PATH_MAX + 160];
	uint8_t			*buf = NULL;
	ssize_t			 n;
	size_t			 off = 0;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > PEM_MAX) {
		snprintf(err, errlen, "%s %s: not a regular file of 1 to %d "
		    "bytes", what, path, PEM_MAX);
		goto fail;
	}
	/* Public, but a trust anchor or our identity: root's to change. */
	memset(&errs, 0, sizeof(errs));
	if (config_check_mode(path, st.st_uid, st.st_mode, NULL, &errs) != 0) {
		snprintf(err, errlen, "%s: %s", what, errs.msg[0]);
		goto fail;
	}
	if ((buf = malloc(st.st_size)) == NULL)
		fatal("malloc");
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, st.st_size - off)) <= 0) {
			snprintf(err, errlen, "%s %s: read: %s", what, path,
			    n == 0 ? "the file shrank" : strerror(errno));
			goto fail;
		}
		off += n;
	}
	close(fd);
	fd = -1;
	/* What net must never get, whatever preflight saw before. */
	if (cert_public_only(path, buf, off, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s %s", what, msg);
		goto fail;
	}
	*lenp = off;
	return buf;
 fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return NULL;
}

/*
 * The chain p->chain as net will read it: PEM certificates and nothing
 * else, the first one's validity into p.  The first certificate, or
 * NULL with err.
 */
static X509 *
pair_parse(struct pair *p, char *err, size_t errlen)
{
	unsigned long	 e;
	BIO		*bio;
	X509		*leaf, *x;

	if ((bio = BIO_new_mem_buf(p->chain, (int)p->len)) == NULL)
		fatalx("BIO_new_mem_buf");
	if ((leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "tls.certificate %s: no PEM "
		    "certificate", p->path);
		goto done;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		X509_free(x);
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		snprintf(err, errlen, "tls.certificate %s: the chain holds "
		    "something that is not a PEM certificate", p->path);
		X509_free(leaf);
		leaf = NULL;
	} else if (cert_validity(leaf, &p->notbefore, &p->notafter) == -1) {
		snprintf(err, errlen, "tls.certificate %s: the certificate's "
		    "validity cannot be read", p->path);
		X509_free(leaf);
		leaf = NULL;
	}
 done:
	ERR_clear_error();
	BIO_free(bio);
	return leaf;
}

/* Read conf's chain into p (no key): 0, or -1 with err. */
static int
pair_read_chain(struct pair *p, const struct herald_conf *conf, X509 **leaf,
    char *err, size_t errlen)
{
	unsigned int	 n = SHA256_LEN;

	strlcpy(p->path, conf->tls.certificate, sizeof(p->path));
	if ((p->chain = certlive_read_public("tls.certificate", p->path,
	    &p->len, err, errlen)) == NULL)
		return -1;
	if ((*leaf = pair_parse(p, err, errlen)) == NULL)
		return -1;
	if (EVP_Digest(p->chain, p->len, p->digest, &n, EVP_sha256(),
	    NULL) != 1)
		fatalx("EVP_Digest");
	return 0;
}

/* The validity of the pair in force, as a log line of its weight. */
static enum cert_state
certlive_log(const char *when)
{
	enum cert_state	 st;
	char		 msg[PATH_MAX + 128];

	st = cert_judge(cl.cur.path, cl.cur.notbefore, cl.cur.notafter,
	    time(NULL), cl.warn_days, msg, sizeof(msg));
	switch (st) {
	case CERT_VALID:
		log_debug("%stls.certificate %s", when, msg);
		break;
	case CERT_EXPIRING:
		log_warnx("%stls.certificate %s", when, msg);
		break;
	case CERT_EXPIRED:
	case CERT_UNREADABLE:
		log_security("%stls.certificate %s", when, msg);
		break;
	}
	return st;
}

int
certlive_start(const struct herald_conf *conf, EVP_PKEY *key, char *err,
    size_t errlen)
{
	X509	*leaf = NULL;

	memset(&cl, 0, sizeof(cl));
	cl.warn_days = conf->tls.expiry_warning_days;
	cl.id = KEYOP_KEY_ID;
	cl.cur.key = key;
	if (pair_read_chain(&cl.cur, conf, &leaf, err, errlen) == -1)
		return -1;
	X509_free(leaf);
	metrics_mon_cert(cl.cur.notafter);
	certlive_log("");
	return 0;
}

const uint8_t *
certlive_chain(size_t *lenp)
{
	*lenp = cl.cur.len;
	return cl.cur.chain;
}

static void
certlive_daily(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	 tv = { CERTLIVE_CHECK_SEC, 0 };

	certlive_log("daily check: ");
	if (evtimer_add(cl.daily, &tv) == -1)
		fatalx("evtimer_add");
}

void
certlive_events(struct event_base *base)
{
	struct timeval	 tv = { CERTLIVE_CHECK_SEC, 0 };

	if ((cl.daily = evtimer_new(base, certlive_daily, NULL)) == NULL ||
	    evtimer_add(cl.daily, &tv) == -1)
		fatalx("evtimer");
}

EVP_PKEY *
certlive_key(uint32_t want, uint32_t *id)
{
	if (cl.prev != NULL && want == cl.id - 1) {
		*id = want;
		return cl.prev;
	}
	*id = cl.id;
	return cl.cur.key;
}

int
certlive_prepare(const struct herald_conf *n, char *err, size_t errlen)
{
	struct pair	*p = &cl.next;
	char		 why[2 * PATH_MAX], msg[PATH_MAX + 128];
	X509		*leaf = NULL;
	int		 rv = -1;

	pair_free(p);
	if (pair_read_chain(p, n, &leaf, why, sizeof(why)) == -1)
		goto refused;
	switch (cert_judge(p->path, p->notbefore, p->notafter, time(NULL),
	    n->tls.expiry_warning_days, msg, sizeof(msg))) {
	case CERT_VALID:
	case CERT_EXPIRING:
		break;
	case CERT_EXPIRED:
	case CERT_UNREADABLE:
		snprintf(why, sizeof(why), "tls.certificate %s", msg);
		goto refused;
	}
	if ((p->key = keyop_load(n->tls.key, msg, sizeof(msg))) == NULL) {
		snprintf(why, sizeof(why), "tls.key: %s", msg);
		goto refused;
	}
	if (keyop_match_x509(p->key, leaf, p->path, msg, sizeof(msg)) == -1) {
		snprintf(why, sizeof(why), "tls.certificate: %s", msg);
		goto refused;
	}
	X509_free(leaf);
	if (memcmp(p->digest, cl.cur.digest, SHA256_LEN) == 0 &&
	    EVP_PKEY_eq(p->key, cl.cur.key) == 1) {
		pair_free(p);
		return 0;
	}
	return 1;
 refused:
	X509_free(leaf);
	pair_free(p);
	snprintf(err, errlen, "%s; the certificate in force is kept", why);
	log_warnx("reload: %s", err);
	return rv;
}

void
certlive_commit(void)
{
	static uint8_t	 buf[MSG_MAX];
	size_t		 n;

	if (cl.next.key == NULL)
		fatalx("%s: no new pair prepared", __func__);
	/* A handshake begun before this keeps its key one reload more. */
	keyop_free(cl.prev);
	cl.prev = cl.cur.key;
	cl.cur.key = NULL;
	pair_free(&cl.cur);
	cl.cur = cl.next;
	memset(&cl.next, 0, sizeof(cl.next));
	cl.id++;
	metrics_mon_cert(cl.cur.notafter);
	n = msg_tls_renew_encode(buf, sizeof(buf), cl.id, cl.cur.chain,
	    cl.cur.len);
	monitor_send(PROC_NET, MSG_TLS_RENEW, 0, buf, n);
	log_info("reload: tls.certificate %s and tls.key are in force for "
	    "new connections (key id %u)", cl.cur.path, cl.id);
	certlive_log("reload: ");
}

void
certlive_abort(void)
{
	pair_free(&cl.next);
}

void
certlive_set_warn_days(int days)
{
	cl.warn_days = days;
}

void
certlive_status(time_t *notafter, const char **state)
{
	char	 msg[PATH_MAX + 128];

	*notafter = cl.cur.notafter;
	*state = cert_state_name(cert_judge(cl.cur.path, cl.cur.notbefore,
	    cl.cur.notafter, time(NULL), cl.warn_days, msg, sizeof(msg)));
}

void
certlive_close(void)
{
	pair_free(&cl.next);
	pair_free(&cl.cur);
	keyop_free(cl.prev);
	cl.prev = NULL;
	if (cl.daily != NULL)
		event_free(cl.daily);
	cl.daily = NULL;
}
