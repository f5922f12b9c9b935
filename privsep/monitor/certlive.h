/*
 * The TLS certificate and key in force, in the monitor, and their
 * renewal by a reload: heraldctl reload (or SIGHUP) reads tls.key and
 * tls.certificate again; a new pair that loads, matches and is valid
 * becomes the one in force for new handshakes, while open connections
 * keep theirs.  The monitor keeps the private key and signs for net
 * under a key id that grows with each new pair (and still signs for a
 * handshake begun under the id before); net gets the new chain in
 * TLS_RENEW and builds a new context.  A pair that fails is refused
 * with the reason and the old one keeps serving.  The expiry is logged
 * at start, at each reload and daily inside tls.expiry_warning_days,
 * and shown by heraldctl status and GET /metrics.  The monitor's own.
 */
#ifndef HERALD_CERTLIVE_H
#define HERALD_CERTLIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "config.h"

#define CERTLIVE_CHECK_SEC	86400	/* the daily look at the expiry */

/*
 * A public PEM file (the certificate chain, the client CA bundle), read
 * here so that net never opens a file: a regular file of 1 to PEM_MAX
 * bytes that only root may change.  malloc'd, or NULL with err naming
 * the key (what) and the file.
 */
uint8_t	*certlive_read_public(const char *what, const char *path,
	    size_t *lenp, char *err, size_t errlen);

/*
 * Start-up: key (loaded and matched against conf's tls.certificate,
 * taken over) is in force under KEYOP_KEY_ID; the chain is read, its
 * validity logged (SECURITY when expired: a restart must not take the
 * gateway down, but clients will refuse it).  0, or -1 with err.
 */
int	 certlive_start(const struct herald_conf *, EVP_PKEY *key, char *err,
	    size_t errlen);
/* The chain in force, as net gets it. */
const uint8_t *certlive_chain(size_t *lenp);
/* The daily look at the expiry, on the monitor's loop. */
void	 certlive_events(struct event_base *);

/*
 * The key net names by want for a signature: the one in force, or the
 * one before it for a handshake begun before a reload.  *id is the id
 * of the key returned (the current one when want is neither).
 */
EVP_PKEY *certlive_key(uint32_t want, uint32_t *id);

/*
 * A reload's new configuration n: read its key and chain.  0 when they
 * are the pair in force, 1 when a new pair is ready for
 * certlive_commit(), -1 with err when it is refused (unreadable, not a
 * private key of root's, the chain not PEM certificates, the key not
 * the first certificate's, the certificate expired or not yet valid).
 */
int	 certlive_prepare(const struct herald_conf *n, char *err,
	    size_t errlen);
/* Put the prepared pair in force and send net its chain. */
void	 certlive_commit(void);
/* Forget a prepared pair (the reload failed otherwise). */
void	 certlive_abort(void);
/* tls.expiry_warning_days after a reload. */
void	 certlive_set_warn_days(int);

/* For heraldctl status: notAfter of the certificate in force, state. */
void	 certlive_status(time_t *notafter, const char **state);
void	 certlive_close(void);

#endif
