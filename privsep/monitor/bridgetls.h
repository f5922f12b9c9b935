/*
 * The bridge listener's TLS (mt5.bridge.tls), the monitor's side.
 *
 * The broker holds the EA's connection and terminates TLS on it, as net
 * does for clients, with the certificate chain only: the private key of
 * mt5.bridge.tls_key is read here and never leaves.  Each handshake's
 * signature comes back to the monitor on a key-operation channel of the
 * broker's own (SIGN_REQ/SIGN_RES, privsep/tls.c), which signs with the
 * bridge's key and nothing else: a broker taken over cannot make
 * signatures with net's key, nor net with the bridge's.
 *
 * The bridge has its own pair, not tls.certificate, because the EA pins
 * the certificate's SHA-256 fingerprint: a public certificate renewed
 * every few weeks would break the pin each time.  The monitor's own.
 */
#ifndef HERALD_BRIDGETLS_H
#define HERALD_BRIDGETLS_H

#include <stddef.h>

#include "config.h"
#include "msg.h"

struct peer;

/* "AB12..." (64 upper-case hex digits) and the NUL. */
#define BRIDGETLS_PRINT_LEN	65

/*
 * heraldd -n and start: when mt5.backend is bridge and mt5.bridge.tls
 * is on, mt5.bridge.tls_key loads (root's, 0600), mt5.bridge.tls_certificate
 * is public PEM whose first certificate is the key's.  Every problem
 * goes to errs ("mt5.bridge.tls_key: why"); returns how many.
 */
size_t	bridgetls_check(const struct herald_conf *, struct conf_errors *);

/*
 * Start-up, as root: load the pair for the broker (nothing when TLS is
 * off) and log the fingerprint.  0, or -1 with err.
 */
int	bridgetls_init(const struct herald_conf *, char *err, size_t errlen);
/* The certificate's SHA-256 as the EA pins it; "" when TLS is off. */
const char *bridgetls_fingerprint(void);

/*
 * The broker is sandboxed and running: send it BRIDGE_TLS (the chain,
 * and its end of a new key-operation socketpair) and serve SIGN_REQ on
 * ours.  Nothing when TLS is off.
 */
void	bridgetls_start(struct peer *broker);
/* peer.c's handler for SIGN_REQ on the broker's key-operation channel. */
void	bridgetls_sign(struct peer *, const struct msg_sign_req *,
	    struct msg_sign_res *);

#endif
