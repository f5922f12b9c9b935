/*
 * The broker's connection to the EA (BRIDGE-PROTOCOL.md): accepting on
 * the listener the monitor passed in, the handshake (relayed to the
 * monitor, which alone holds the bridge key), the heartbeat, and one
 * request at a time with its answer.  backend_bridge.c builds the
 * backend on it.
 *
 * Nothing blocks but bconn_call(), which waits for its answer (at most
 * BCONN_CALL_MS) and reads the EA's pushed frames meanwhile.  The rest
 * runs from bconn_poll(), which the broker's tick calls.  Effects leave
 * through struct bconn_host, so a test can drive a connection.
 */
#ifndef HERALD_BRIDGE_CONN_H
#define HERALD_BRIDGE_CONN_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "bridge.h"
#include "msg.h"

#define BCONN_CALL_MS		10000	/* an unanswered request drops */
#define BCONN_HANDSHAKE_MS	10000	/* connect to READY */
#define BCONN_PINGS_MISSED	3	/* unanswered PINGs: the EA is gone */

enum bconn_state {
	BCONN_IDLE = 0,		/* no EA */
	BCONN_TLS,		/* accepted; the TLS handshake runs */
	BCONN_HELLO,		/* accepted; waiting for HELLO */
	BCONN_CHALLENGE,	/* the monitor checks the HELLO */
	BCONN_AUTH,		/* CHALLENGE sent; waiting for AUTH */
	BCONN_SESSION,		/* the monitor checks the AUTH */
	BCONN_READY		/* MACed frames both ways */
};

struct bconn_host {
	/* A BRIDGE_* message for the monitor. */
	void	(*to_monitor)(uint32_t type, const void *, size_t, void *);
	/* The EA is there (after READY) or gone, with why. */
	void	(*up)(int connected, const char *why, void *);
	/* A pushed EVENT (OnTradeTransaction); may be NULL. */
	void	(*event)(const struct bridge_frame *, void *);
	void	*arg;
};

struct bconn {
	struct bconn_host	 host;
	int			 lfd;		/* listener, -1 none yet */
	int			 fd;		/* the EA, -1 none */
	SSL_CTX			*tls;		/* mt5.bridge.tls, or NULL */
	SSL			*ssl;		/* on fd, with tls */
	short			 want;		/* POLLIN/POLLOUT TLS waits for */
	enum bconn_state	 state;
	struct bridge_session	 sess;
	int64_t			 since;		/* accept, then READY */
	int64_t			 now;		/* wall ms of the last poll */
	uint64_t		 req;		/* last request id */
	/* heartbeat */
	int64_t			 ping_sent;	/* ms, 0: none */
	uint64_t		 ping_t;	/* t of the last PING */
	int			 pings_out;	/* unanswered */
	struct msg_bridge_status st;
	/* input */
	size_t			 rlen;
	uint8_t			 rbuf[BRIDGE_FRAME_MAX];
	uint8_t			 fbuf[BRIDGE_FRAME_MAX];	/* decoded */
};

void	bconn_init(struct bconn *, const struct bconn_host *);
/* The listener (non-blocking); the connection's one fd. */
void	bconn_listen(struct bconn *, int fd);
/* Accept, read, heartbeat, deadlines; now in ms since the epoch. */
void	bconn_poll(struct bconn *, int64_t now);
/* The monitor's answers to BRIDGE_HELLO and BRIDGE_AUTH. */
void	bconn_challenge(struct bconn *, const struct msg_bridge_answer *);
void	bconn_session(struct bconn *, const struct msg_bridge_answer *,
	    int64_t now);
/* Drop the EA (logged with why); the host hears of it. */
void	bconn_drop(struct bconn *, const char *why);
int	bconn_ready(const struct bconn *);

/* The next request id, for a writer's req= line. */
uint64_t bconn_next_req(struct bconn *);
/*
 * Send w (begun, its req= line from bconn_next_req()) and wait for the
 * answer with that req: 0 with ans filled (which may be an ERROR), or
 * -1 when the EA is not there, the wait ran out or the EA broke the
 * protocol (the connection is dropped then; *sent says whether the
 * request left).
 */
int	bconn_call(struct bconn *, struct bridge_writer *, uint64_t req,
	    struct bridge_frame *ans, int *sent);

/*
 * bridge_tls.c.  BRIDGE_TLS from the monitor (the chain, and the fd of
 * the broker's key-operation channel): every EA from now on speaks TLS.
 * 0, or -1 with why (a bad message).
 */
int	bconn_tls(struct bconn *, const struct ipc_msg *, const char **why);
/* A new connection's SSL, in BCONN_TLS; and its end. */
void	bconn_tls_accept(struct bconn *);
void	bconn_tls_free(struct bconn *);
/* One step of the handshake: 1 done, 0 wants more (c->want), -1 why. */
int	bconn_tls_handshake(struct bconn *, const char **why);
/*
 * read(2) and write(2) on the EA's connection, through TLS when it has
 * it: n, 0 at the end (read), or -1 with errno EAGAIN/EINTR to wait or
 * retry, or with why set when the connection is broken.
 */
ssize_t	bconn_io_read(struct bconn *, void *, size_t, const char **why);
ssize_t	bconn_io_write(struct bconn *, const void *, size_t,
	    const char **why);

#endif
