/*
 * TLS with the private key in the monitor, for net's listeners and the
 * broker's bridge listener.  The process holds the certificate chain
 * only: every private-key operation of a handshake goes to the monitor
 * over its key-operation channel (privsep/monitor/keyop.c),
 * synchronously.
 */
#ifndef HERALD_TLS_H
#define HERALD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ipc.h"
#include "privsep.h"

/* How long a handshake waits for the monitor's signature. */
#define TLS_KEYOP_TIMEOUT_MS	5000
/* OpenSSL's: RSA and DH keys of 2048 bits or more, ECC of 224 or more. */
#define TLS_SECURITY_LEVEL	2
/* The server-side session cache (no tickets): entries, seconds. */
#define TLS_SESSION_CACHE	4096
#define TLS_SESSION_TIMEOUT	300

/*
 * A server context for chain (PEM, leaf first) whose private key lives in
 * the monitor, reached through keyop (blocking round trips).  ca (PEM,
 * may be NULL/0) turns on required client certificates.  Fatal on error:
 * this runs at start-up, before the sandbox.
 */
SSL_CTX	*tls_ctx_new(const uint8_t *chain, size_t chainlen,
	    const uint8_t *ca, size_t calen, struct ipc_chan *keyop);
/*
 * The same after a reload, sandboxed: the new chain's handshakes sign
 * under key_id (TLS_RENEW's).  NULL with err when it cannot be built;
 * the context in force then stays.
 */
SSL_CTX	*tls_ctx_renew(const uint8_t *chain, size_t chainlen,
	    const uint8_t *ca, size_t calen, struct ipc_chan *keyop,
	    uint32_t key_id, char *err, size_t errlen);

/* The process whose channel the monitor answers on (PROC_NET default). */
void	 tls_keyop_proc(enum herald_proc self);

/* SHA-256 of the peer's certificate: 1 and out filled, or 0 if none. */
int	 tls_peer_fingerprint(SSL *, uint8_t out[32]);

#endif
