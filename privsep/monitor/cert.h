/*
 * The TLS certificate as an operator meets it: is it still valid, does
 * the client CA bundle parse, and, on a first start, a self-signed one
 * (heraldd -G, as sshd's unit runs ssh-keygen -A).  The monitor's own.
 */
#ifndef HERALD_CERT_H
#define HERALD_CERT_H

#include <stddef.h>
#include <time.h>

#include "config.h"

#define CERT_GEN_DAYS	365	/* validity of a heraldd -G certificate */

enum cert_state {
	CERT_VALID = 0,
	CERT_EXPIRING,		/* within the warning window */
	CERT_EXPIRED,		/* or not yet valid */
	CERT_UNREADABLE
};

/*
 * The first certificate of the PEM file at path, against now: its
 * state and a sentence for the operator in msg (naming the date).
 * *notafter gets its end of validity (0 when unreadable).
 */
enum cert_state	cert_check(const char *path, time_t now, int warn_days,
		    time_t *notafter, char *msg, size_t msglen);

/* path holds at least one PEM certificate and nothing else.  -1 with err. */
int	cert_check_ca(const char *path, char *err, size_t errlen);

/*
 * A public PEM file (tls.certificate, tls.client_ca) goes to net whole:
 * refuse one with any block but certificates in it (a private key
 * pasted in would leave the monitor).  buf/len: its bytes, or NULL to
 * read path.  0, or -1 with err naming path and the block.
 */
int	cert_public_only(const char *path, const void *buf, size_t len,
	    char *err, size_t errlen);

/*
 * heraldd -G: when neither tls.key nor tls.certificate exists, create a
 * P-256 key (root, 0600) and a self-signed certificate for it (0644)
 * valid CERT_GEN_DAYS, naming this host, localhost and the loopback
 * addresses.  Both present: nothing to do (returns 0, *made 0).  Only
 * one present, or any failure: -1 with err, and nothing left behind.
 */
int	cert_generate(const struct herald_conf *conf, int *made, char *err,
	    size_t errlen);

#endif
