/*
 * TLS on the EA's connection (mt5.bridge.tls).  See bridge_conn.h.
 *
 * The broker terminates TLS as net does for clients: the context holds
 * the bridge certificate's chain and a key whose private operations go
 * to the monitor on the broker's own key-operation channel
 * (privsep/tls.c), so the bridge's private key never enters this
 * process.  The handshake runs non-blocking from bconn_poll(), bounded
 * by BCONN_HANDSHAKE_MS like the rest of the EA's handshake; only the
 * monitor's signature is waited for, as net waits for it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bridge_conn.h"
#include "log.h"
#include "tls.h"

static struct ipc_chan	bt_keyop;	/* to the monitor, for signatures */
static char		bt_why[256];	/* the last TLS error, for a drop */

/* OpenSSL's reason for the last failure, into bt_why after what. */
static const char *
bt_error(const char *what)
{
	unsigned long	 e = ERR_get_error();
	const char	*r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(bt_why, sizeof(bt_why), "%s: %s", what, r != NULL ? r :
	    (errno != 0 ? strerror(errno) : "the EA closed the connection"));
	ERR_clear_error();
	return bt_why;
}

int
bconn_tls(struct bconn *c, const struct ipc_msg *m, const char **why)
{
	const uint8_t	*chain;
	size_t		 len;
	char		 err[512];

	if (c->tls != NULL) {
		*why = "a second BRIDGE_TLS";
		return -1;
	}
	if (msg_blob_decode(m, &chain, &len, why) == -1)
		return -1;
	ipc_chan_init(&bt_keyop, m->fd, MSG_MAX, "monitor keyop");
	tls_keyop_proc(PROC_BROKER);
	/* The monitor checked the pair at start: this cannot fail. */
	if ((c->tls = tls_ctx_renew(chain, len, NULL, 0, &bt_keyop,
	    KEYOP_KEY_ID, err, sizeof(err))) == NULL)
		fatalx("bridge: TLS: %s", err);
	log_info("bridge: the EA's connection takes TLS");
	return 0;
}

void
bconn_tls_accept(struct bconn *c)
{
	if ((c->ssl = SSL_new(c->tls)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		fatalx("bridge: SSL_new");
	SSL_set_accept_state(c->ssl);
	c->state = BCONN_TLS;
}

void
bconn_tls_free(struct bconn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
}

/* Did an SSL call that returned r only want the socket?  Else why. */
static int
bt_again(struct bconn *c, int r, const char *what, const char **why)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->want = POLLIN;
		return 1;
	case SSL_ERROR_WANT_WRITE:
		c->want = POLLOUT;
		return 1;
	case SSL_ERROR_ZERO_RETURN:
		*why = NULL;		/* close_notify: an orderly end */
		return 0;
	default:
		*why = bt_error(what);
		return 0;
	}
}

int
bconn_tls_handshake(struct bconn *c, const char **why)
{
	int	 r;

	errno = 0;
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		log_info("bridge: TLS with the EA (%s, %s)",
		    SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
		c->state = BCONN_HELLO;
		return 1;
	}
	if (bt_again(c, r, "TLS handshake failed (an EA without TLS? it "
	    "takes TLS when BridgeAddress is not loopback or CertSha256 is "
	    "set)", why))
		return 0;
	if (*why == NULL)
		*why = "TLS handshake failed: the EA closed the connection";
	return -1;
}

ssize_t
bconn_io_read(struct bconn *c, void *buf, size_t len, const char **why)
{
	size_t	 n = 0;
	ssize_t	 r;

	*why = NULL;
	if (c->ssl == NULL) {
		if ((r = read(c->fd, buf, len)) == -1 && errno != EAGAIN &&
		    errno != EINTR)
			*why = strerror(errno);
		return r;
	}
	errno = 0;
	if (SSL_read_ex(c->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	if (bt_again(c, 0, "TLS", why)) {
		errno = EAGAIN;
		return -1;
	}
	if (*why == NULL)
		return 0;	/* the EA ended TLS: a close */
	return -1;
}

ssize_t
bconn_io_write(struct bconn *c, const void *buf, size_t len,
    const char **why)
{
	size_t	 n = 0;
	ssize_t	 r;

	*why = NULL;
	if (c->ssl == NULL) {
		if ((r = write(c->fd, buf, len)) == -1 && errno != EAGAIN &&
		    errno != EINTR)
			*why = strerror(errno);
		return r;
	}
	errno = 0;
	if (SSL_write_ex(c->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	if (bt_again(c, 0, "TLS", why)) {
		errno = EAGAIN;
		return -1;
	}
	if (*why == NULL)
		*why = "the EA ended TLS";
	return -1;
}
