/*
 * What http.c (sources, answers, requests, the interface) and
 * http_conn.c (connections) share; net's own.
 */
#ifndef HERALD_HTTP_INT_H
#define HERALD_HTTP_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "guard.h"
#include "http.h"
#include "msg.h"
#include "rpc.h"
#include "window.h"

#define HTTP_LINGER_SEC		5	/* after a refusal: flush, then wait */
#define HTTP_ACCEPT_PAUSE_SEC	1	/* after accept() ran out of fds */
/*
 * Connections over limits.connections are answered 503 after their TLS
 * handshake; past this many more, they are closed at once.
 */
#define HTTP_OVER_LIMIT		64
#define HTTP_MAX_LISTENERS	16

enum conn_phase {
	PH_START = 0,	/* accepted: the TLS handshake */
	PH_FIRST,	/* handshake done, the first byte not yet here */
	PH_IDLE,	/* between keep-alive requests */
	PH_HEAD,	/* the first byte of a head has arrived */
	PH_BODY,	/* a head passed: its body is arriving */
	PH_BUSY,	/* the request is with evhttp or the monitor */
	PH_CLOSING	/* refused: flushing the answer, then closing */
};

struct source {
	RB_ENTRY(source)	 entry;
	char			 addr[ADDR_STR_MAX];
	unsigned		 conns;
	struct rpc_window	 window;
	uint64_t		 banned_until;	/* ms, monotonic; 0: none */
};

struct pending;
struct stream;

/*
 * What a connection keeps of the limits in force when it was accepted: a
 * reload applies to the connections accepted after it.
 */
struct conn_limits {
	struct guard_limits	 guard;
	uint32_t		 header_timeout;
	uint32_t		 body_timeout;
	uint32_t		 idle_timeout;
	uint32_t		 output_buffer;
};

/* The refusal owed at a connection's first request (conn_start). */
enum conn_owe {
	OWE_NONE = 0,
	OWE_BANNED,		/* its source is banned: 429 */
	OWE_CONNECTIONS,	/* over limits.connections: 503 */
	OWE_SOURCE		/* over limits.connections_per_source: 503 */
};

/*
 * One client connection.  Thousands may sit idle, so it holds nothing an
 * idle connection does not need: the guard exists only while a head is
 * arriving, refusal messages are made when sent, and one event stands
 * for every deferred step (the steps in kick) and for the phase's
 * deadline.
 */
struct conn {
	RB_ENTRY(conn)		 entry;		/* by evcon */
	TAILQ_ENTRY(conn)	 idle_entry;	/* srv->idle, when idle */
	struct http_server	*srv;
	struct evhttp_connection *evcon;
	struct bufferevent	*tls;		/* OpenSSL, on the socket */
	struct bufferevent	*bev;		/* the guard's filter */
	SSL			*ssl;
	struct source		*src;		/* by src_key() */
	struct guard		*guard;		/* NULL between heads */
	struct conn_limits	 lim;
	char			 addr[ADDR_STR_MAX];
	enum conn_phase		 phase;
	size_t			 scanned;	/* head bytes fed to the guard */
	uint64_t		 body_left;
	uint8_t			 exempt;	/* rate_limit.exempt */
	uint8_t			 started;	/* conn_start() has run */
	uint8_t			 counted;	/* in its source's count */
	uint8_t			 global;	/* and in limits.connections */
	uint8_t			 closed;	/* evhttp let go of it */
	uint8_t			 kick;		/* CONN_KICK_* steps due */
	uint8_t			 owe;		/* enum conn_owe */
	uint8_t			 idle;		/* on srv->idle */
	uint8_t			 throttled;	/* unsent > output_buffer */
	uint32_t		 owe_retry;	/* seconds, with OWE_BANNED */
	/* The request with evhttp, for GET /metrics. */
	unsigned		 req_op;	/* OP_MAX: not routed */
	uint64_t		 req_start;	/* metrics_now_us(), 0: none */
	struct evbuffer_cb_entry *flushcb;
	struct evbuffer_cb_entry *draincb;	/* ends throttled */
	struct pending		*pending;
	struct stream		*stream;	/* GET /v1/events */
	struct tls_hs		*hs;		/* its handshake, until done */
	uint64_t		 deadline;	/* ms, now_ms(); 0: none */
	struct event		*ev;		/* kick steps, deadline */
};

struct pending {
	RB_ENTRY(pending)	 entry;
	uint32_t		 id;
	uint8_t			 op;
	struct evhttp_request	*req;
	struct conn		*conn;
	/* OP_EVENTS: the request again, for the stream's later pages. */
	struct stream		*stream;	/* a later page's */
	struct msg_api_req	*q;		/* the first's, malloc'd */
	uint64_t		 after;		/* its Last-Event-ID */
};

/* An open GET /v1/events (http_stream.c). */
struct stream {
	TAILQ_ENTRY(stream)	 entry;
	struct http_server	*srv;
	struct conn		*conn;
	struct evhttp_request	*req;		/* the chunked reply */
	struct msg_api_req	*q;		/* to ask for the next page */
	uint64_t		 key_id;	/* the monitor's answer */
	int			 all;		/* sees every event */
	uint64_t		 last;		/* the id written last */
	int			 more;		/* a page is still owed */
	int			 asking;	/* and has been asked for */
};
TAILQ_HEAD(http_streams, stream);

RB_HEAD(http_conns, conn);
TAILQ_HEAD(http_idle, conn);
RB_HEAD(http_sources, source);
RB_HEAD(http_pendings, pending);

struct http_server {
	struct event_base	*base;
	struct evhttp		*http;
	SSL_CTX			*ctx;
	struct msg_net_config	 cfg;
	http_send_api_fn	 send;
	uint32_t		 next_id;
	unsigned		 nconns;
	struct http_conns	 conns;
	/*
	 * The connections in limits.connections with no request under way
	 * (in their TLS handshake, before their first byte, between two
	 * requests), the least recently active first: the first to close
	 * when a new one would go over the limit.
	 */
	struct http_idle	 idle;
	struct http_sources	 sources;
	struct http_pendings	 pending;
	struct event		*ev_gc;		/* forgets idle sources */
	struct msg_stream_config scfg;		/* events.* */
	struct http_streams	 streams;
	unsigned		 nstreams;
	struct event		*ev_heartbeat;
};

/* What goes with an answer besides status and body. */
struct reply {
	unsigned	 allow;		/* RPC_* methods, for 405 */
	uint32_t	 retry_after;	/* seconds, 0: none */
	int		 close;		/* Connection: close */
	const char	*ctype;		/* NULL: application/json */
};

RB_PROTOTYPE(http_conns, conn, entry, conn_cmp)
RB_PROTOTYPE(http_sources, source, entry, source_cmp)
RB_PROTOTYPE(http_pendings, pending, entry, pending_cmp)

/* http.c */
uint64_t	 now_ms(void);
void		 timer_set(struct event *, uint32_t sec);
struct source	*source_get(struct http_server *, const char *addr);
/* Seconds of ban left for s, 0 if it is not banned. */
uint32_t	 source_banned(struct source *, uint64_t now);
/* An error answer through evhttp; retry_after 0: none. */
void		 http_reply_error(struct evhttp_request *, int status,
		    const char *code, const char *message,
		    uint32_t retry_after);

/* http_conn.c */
/* evhttp's bufferevent callback: the stack for an accepted socket. */
struct bufferevent *http_newconn(struct event_base *, void *);
/* Forget the request waiting for the monitor, if there is one. */
void		 conn_drop_pending(struct conn *);
/* Free a pending request out of the tree (not its evhttp request). */
void		 pending_free(struct pending *);
void		 conn_request_done(struct evhttp_request *, void *);
/* Close now, without an answer. */
void		 http_conn_kill(struct conn *);
/* Bytes written to the client but not yet taken by its socket. */
size_t		 conn_unsent(struct conn *);

/* http_stream.c */
/* The answer to an OP_EVENTS request p (out of the pending tree). */
void		 http_stream_result(struct http_server *, struct pending *,
		    const struct msg_api_res *);
/*
 * The connection is closing: forget its stream, and free its request if
 * evhttp let go of it (req_alive: it may still be looked at).
 */
void		 http_stream_gone(struct conn *, int req_alive);

#endif
