/*
 * TLS with the private key in the monitor, for net's listeners and the
 * broker's bridge listener.  The process holds the certificate chain
 * only: every private-key operation of a handshake goes to the monitor
 * over its key-operation channel (privsep/monitor/keyop.c).  tls.c
 * builds the contexts and the key methods; in net, tls_async.c drives
 * the server handshakes, which pause while the monitor signs for them
 * (the broker's wait, synchronously).
 */
#ifndef HERALD_TLS_H
#define HERALD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "ipc.h"
#include "msg.h"
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
 * the monitor, reached through keyop.  ca (PEM,
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

/* A SIGN_REQ payload, at most. */
#define TLS_SIGN_REQ_MAX	(11 + KEYOP_IO_MAX)
/*
 * Signature requests with the monitor at once (tls_async.c): enough to
 * keep it busy, few enough that another source's request waits for
 * little more than one of each source queued before it.
 */
#define TLS_KEYOP_INFLIGHT	4

/* The next SIGN_REQ id (tls.c). */
uint32_t tls_keyop_id(void);

/*
 * tls_async.c.  In net's event loop, with the key-operation channel in
 * it (tls_async_start()), server handshakes are driven by
 * tls_hs_start(): a signature they need is queued per source, sent to
 * the monitor round-robin across the sources, and the handshake pauses
 * (an OpenSSL ASYNC_JOB) until its answer comes.
 */
void	 tls_async_start(struct event_base *, struct ipc_chan *keyop);
/* Whether tls_async_start() has run. */
int	 tls_async_active(void);
/*
 * For the key methods, in a handshake tls_hs_start() drives: queue req
 * (a SIGN_REQ payload) and pause until the monitor answers.  0 with res,
 * or -1 (the handshake was abandoned, or is not one net drives).
 */
int	 tls_async_sign(const uint8_t *req, size_t len,
	    struct msg_sign_res *res);

struct tls_hs;
/* ok: 1 once the handshake is complete, 0 when it failed. */
typedef void	(*tls_hs_done_fn)(void *arg, int ok);
/*
 * Drive the server handshake of ssl on the connected socket fd, whose
 * signatures are queued under src (the client's source).  done(arg, ok)
 * ends it, once; it may tls_hs_free() the handshake.
 */
struct tls_hs	*tls_hs_start(struct event_base *, SSL *, int fd,
		    const char *src, tls_hs_done_fn done, void *arg);
/*
 * Forget a handshake, finished or not (the connection is closing, the
 * SSL still exists): a signature it waits for is abandoned.  NULL is a
 * no-op.
 */
void		 tls_hs_free(struct tls_hs *);

#endif
