/*
 * HTTP/1.1 for the net process (see http.h).
 *
 * Each accepted connection is a stack of two bufferevents under evhttp:
 *
 *	evhttp  <-  filter bufferevent (the framing guard)  <-  OpenSSL bufferevent
 *
 * evhttp's bufferevent callback builds the stack; evhttp then gives the
 * accepted descriptor to the filter, which hands it down to the TLS
 * bufferevent.  The filter's input function runs the guard (guard.h) on
 * the decrypted bytes and moves a request to evhttp only once its head has
 * passed, then exactly Content-Length bytes of body, and nothing more until
 * evhttp has answered: evhttp sees one clean request at a time, responses
 * leave in request order, and a refusal for a pipelined request is written
 * only after the answers before it.  A refusal is written straight to the
 * TLS bufferevent with "Connection: close"; the connection is shut down
 * once it has been flushed.
 *
 * Per connection, one timer follows the phase: limits.header_timeout for
 * the TLS handshake, limits.idle_timeout from then (and after each answer)
 * until the first byte of a request, limits.header_timeout from that byte
 * until the head is complete, limits.body_timeout for the body.  A slow
 * head or body gets 408; a connection that sends nothing is closed without
 * an answer.
 *
 * Requests that need the monitor become MSG_API_REQ; the evhttp request
 * waits, keyed by request id, for http_api_result().
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "guard.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "rpc.h"
#include "tls.h"

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

struct conn {
	RB_ENTRY(conn)		 entry;		/* by evcon */
	struct http_server	*srv;
	struct evhttp_connection *evcon;
	struct bufferevent	*tls;		/* OpenSSL, on the socket */
	struct bufferevent	*bev;		/* the guard's filter */
	SSL			*ssl;
	struct source		*src;
	char			 addr[ADDR_STR_MAX];
	struct guard		 guard;
	struct msg_net_config	 cfg;		/* limits at accept time */
	enum conn_phase		 phase;
	size_t			 scanned;	/* head bytes fed to the guard */
	uint64_t		 body_left;
	int			 started;	/* conn_start() has run */
	int			 counted;	/* in its source's count */
	int			 global;	/* and in limits.connections */
	int			 closed;	/* evhttp let go of it */
	/* An answer owed at the first request (per-source limit, ban). */
	int			 owe_status;
	const char		*owe_code;
	char			 owe_msg[RPC_MSG_MAX];
	uint32_t		 owe_retry;
	struct evbuffer_cb_entry *flushcb;
	struct pending		*pending;
	struct event		*ev_start;
	struct event		*ev_timer;
	struct event		*ev_resume;
	struct event		*ev_flushed;
};

struct pending {
	RB_ENTRY(pending)	 entry;
	uint32_t		 id;
	uint8_t			 op;
	struct evhttp_request	*req;
	struct conn		*conn;
};

RB_HEAD(http_conns, conn);
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
	struct http_sources	 sources;
	struct http_pendings	 pending;
	struct event		*ev_gc;		/* forgets idle sources */
};

/* What goes with an answer besides status and body. */
struct reply {
	unsigned	 allow;		/* RPC_* methods, for 405 */
	uint32_t	 retry_after;	/* seconds, 0: none */
	int		 close;		/* Connection: close */
};

static int
conn_cmp(struct conn *a, struct conn *b)
{
	uintptr_t	 x = (uintptr_t)a->evcon, y = (uintptr_t)b->evcon;

	return x < y ? -1 : x > y;
}

static int
source_cmp(struct source *a, struct source *b)
{
	return strcmp(a->addr, b->addr);
}

static int
pending_cmp(struct pending *a, struct pending *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

/* libbsd's RB_GENERATE_STATIC needs __unused, which it leaves undefined. */
RB_PROTOTYPE(http_conns, conn, entry, conn_cmp)
RB_PROTOTYPE(http_sources, source, entry, source_cmp)
RB_PROTOTYPE(http_pendings, pending, entry, pending_cmp)
RB_GENERATE(http_conns, conn, entry, conn_cmp)
RB_GENERATE(http_sources, source, entry, source_cmp)
RB_GENERATE(http_pendings, pending, entry, pending_cmp)

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
timer_set(struct event *ev, uint32_t sec)
{
	struct timeval	 tv = { (time_t)sec, 0 };

	if (evtimer_add(ev, &tv) == -1)
		fatalx("evtimer_add");
}

/* --- sources: connection counts, rate windows, bans --------------------- */

static struct source *
source_find(struct http_server *srv, const char *addr)
{
	struct source	 key;

	/* Only the compared field matters; no other is left undefined. */
	memset(&key, 0, sizeof(key));
	strlcpy(key.addr, addr, sizeof(key.addr));
	return RB_FIND(http_sources, &srv->sources, &key);
}

static struct source *
source_get(struct http_server *srv, const char *addr)
{
	struct source	*s;

	if ((s = source_find(srv, addr)) != NULL)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	strlcpy(s->addr, addr, sizeof(s->addr));
	/* source_find() just missed it: a duplicate is a broken tree. */
	if (RB_INSERT(http_sources, &srv->sources, s) != NULL)
		fatalx("source %s inserted twice", addr);
	return s;
}

/* Seconds of ban left for s, 0 if it is not banned. */
static uint32_t
source_banned(struct source *s, uint64_t now)
{
	if (s->banned_until == 0)
		return 0;
	if (now >= s->banned_until) {
		s->banned_until = 0;
		return 0;
	}
	return (uint32_t)((s->banned_until - now + 999) / 1000);
}

static void
source_gc(evutil_socket_t fd, short ev, void *arg)
{
	struct http_server	*srv = arg;
	struct source		*s, *next;
	uint64_t		 now = now_ms();

	RB_FOREACH_SAFE(s, http_sources, &srv->sources, next) {
		if (s->conns == 0 && source_banned(s, now) == 0 &&
		    rpc_window_idle(&s->window, now, srv->cfg.rate_window)) {
			RB_REMOVE(http_sources, &srv->sources, s);
			free(s);
		}
	}
	timer_set(srv->ev_gc, srv->cfg.rate_window);
}

/* --- answers ------------------------------------------------------------ */

static void
reply_headers(struct evkeyvalq *h, int status, const struct reply *o)
{
	char	 buf[128];

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (status == 405 && o->allow != 0) {
		rpc_allow_string(o->allow, buf, sizeof(buf));
		evhttp_add_header(h, "Allow", buf);
	}
	if (status == 401)
		evhttp_add_header(h, "WWW-Authenticate",
		    "Bearer realm=\"heraldd\"");
	if (o->retry_after != 0) {
		snprintf(buf, sizeof(buf), "%u", o->retry_after);
		evhttp_add_header(h, "Retry-After", buf);
	}
	if (o->close)
		evhttp_add_header(h, "Connection", "close");
}

/* Answer through evhttp; json may be NULL (out of memory: empty body). */
static void
reply_send(struct evhttp_request *req, int status, const char *json,
    const struct reply *o)
{
	struct evhttp_connection *evcon;
	struct evbuffer	*buf = NULL;
	char		 len[24];

	reply_headers(evhttp_request_get_output_headers(req), status, o);
	if (json != NULL && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		if ((buf = evbuffer_new()) == NULL ||
		    evbuffer_add(buf, json, strlen(json)) == -1)
			fatalx("evbuffer");
		/* evhttp leaves it out for HTTP/1.0; clients want it. */
		snprintf(len, sizeof(len), "%zu", strlen(json));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
	}
	evcon = evhttp_request_get_connection(req);
	evhttp_send_reply(req, status, rpc_reason(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
	/*
	 * evhttp queues the answer before it enables writing, and a filter
	 * bufferevent only moves output when data is added while writing
	 * is enabled: push it down to TLS now.
	 */
	if (evcon != NULL)
		bufferevent_flush(evhttp_connection_get_bufferevent(evcon),
		    EV_WRITE, BEV_NORMAL);
}

static void
reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message, const struct reply *o)
{
	struct reply	 none = { 0, 0, 0 };
	char		*json;

	json = rpc_render_error(code, message);
	reply_send(req, status, json, o != NULL ? o : &none);
	free(json);
}

static void
reply_rpc_error(struct evhttp_request *req, const struct rpc_error *err)
{
	struct reply	 o = { err->allow, 0, 0 };

	reply_error(req, err->status, err->code, err->message, &o);
}

/* --- connections ---------------------------------------------------------- */

static void	conn_kill(struct conn *);

static void
conn_arm(struct conn *c, enum conn_phase ph, uint32_t sec)
{
	c->phase = ph;
	if (sec == 0)
		evtimer_del(c->ev_timer);
	else
		timer_set(c->ev_timer, sec);
}

/* Drop the connection from the totals; idempotent. */
static void
conn_uncount(struct conn *c)
{
	struct http_server	*srv = c->srv;

	if (!c->counted)
		return;
	c->counted = 0;
	if (c->global)
		srv->nconns--;
	c->global = 0;
	c->src->conns--;
	RB_REMOVE(http_conns, &srv->conns, c);
}

/* Forget the request waiting for the monitor, if there is one. */
static void
conn_drop_pending(struct conn *c)
{
	struct pending	*p;

	if ((p = c->pending) == NULL)
		return;
	RB_REMOVE(http_pendings, &c->srv->pending, p);
	/*
	 * evhttp detaches a request the user still holds when the client
	 * goes away (EOF, timeout): then it is ours to free.  Otherwise it
	 * is still on the connection and freed with it.
	 */
	if (evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	c->pending = NULL;
	free(p);
}

/*
 * Write what TLS still holds for the client now.  evhttp believes an
 * answer has been sent once it is in the TLS bufferevent's buffer (the
 * filter's write callback fires then), and when the connection is to close
 * it shuts the socket down right after: without this, the last answer of
 * a "Connection: close" exchange would be lost.  The socket is
 * non-blocking; what the kernel does not take is dropped.
 */
static void
conn_flush_now(struct conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->tls);
	unsigned char	*p;
	size_t		 n;
	int		 r;

	while ((n = evbuffer_get_length(out)) > 0) {
		if (n > 16384)
			n = 16384;
		if ((p = evbuffer_pullup(out, (ev_ssize_t)n)) == NULL)
			break;
		if ((r = SSL_write(c->ssl, p, (int)n)) <= 0)
			break;
		evbuffer_drain(out, (size_t)r);
	}
}

/* evhttp is freeing the connection (its close callback). */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	if (c->closed)
		return;
	c->closed = 1;
	log_debug("%s: connection closed", c->addr);
	if (c->phase != PH_CLOSING)
		conn_flush_now(c);
	/*
	 * OpenSSL drops from its cache the session of a connection freed
	 * without a close_notify, so nothing could ever be resumed: end
	 * TLS properly on a connection whose handshake completed.
	 */
	if (SSL_is_init_finished(c->ssl) &&
	    !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN))
		(void)SSL_shutdown(c->ssl);
	conn_drop_pending(c);
	conn_uncount(c);
	evtimer_del(c->ev_timer);
	event_del(c->ev_start);
	event_del(c->ev_resume);
	event_del(c->ev_flushed);
	if (c->flushcb != NULL) {
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->flushcb);
		c->flushcb = NULL;
	}
	c->evcon = NULL;
}

/* The filter bufferevent is being destroyed: its context goes with it. */
static void
conn_free(void *arg)
{
	struct conn	*c = arg;

	c->closed = 1;
	conn_drop_pending(c);
	conn_uncount(c);
	if (c->flushcb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->flushcb);
	event_free(c->ev_start);
	event_free(c->ev_timer);
	event_free(c->ev_resume);
	event_free(c->ev_flushed);
	free(c);
}

/* Close now, without an answer. */
static void
conn_kill(struct conn *c)
{
	struct evhttp_connection *evcon = c->evcon;

	if (c->closed || evcon == NULL)
		return;
	evhttp_connection_free(evcon);	/* calls conn_closed() */
}

static void
conn_out(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	if (info->n_deleted > 0 && evbuffer_get_length(buf) == 0)
		event_active(c->ev_flushed, EV_TIMEOUT, 0);
}

/* The refusal is on its way: end TLS, half-close, wait for the client. */
static void
conn_flushed(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	int		 s;

	if (c->closed)
		return;
	(void)SSL_shutdown(c->ssl);
	if ((s = bufferevent_getfd(c->tls)) != -1)
		(void)shutdown(s, SHUT_WR);
}

/*
 * Answer with status and close, bypassing evhttp: write the whole response
 * on the TLS bufferevent.  Only called when evhttp owes no answer on this
 * connection (between requests, or while it reads a body).
 */
static void
conn_refuse(struct conn *c, int status, const char *code, const char *msg,
    uint32_t retry_after)
{
	struct evbuffer	*out;
	char		*json, date[64];
	size_t		 len;

	if (c->closed || c->phase == PH_CLOSING)
		return;
	log_info("%s: %d %s: %s", c->addr, status, code, msg);
	conn_arm(c, PH_CLOSING, HTTP_LINGER_SEC);
	json = rpc_render_error(code, msg);
	len = json != NULL ? strlen(json) : 0;
	out = bufferevent_get_output(c->tls);
	c->flushcb = evbuffer_add_cb(out, conn_out, c);
	if (evutil_date_rfc1123(date, sizeof(date), NULL) == 0)
		date[0] = '\0';
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n", status, rpc_reason(status), date, len);
	if (retry_after != 0)
		evbuffer_add_printf(out, "Retry-After: %u\r\n", retry_after);
	evbuffer_add(out, "\r\n", 2);
	if (json != NULL)
		evbuffer_add(out, json, len);
	free(json);
	bufferevent_enable(c->tls, EV_WRITE);
}

/* Feed the guard the head bytes of src it has not seen yet. */
static enum guard_verdict
conn_scan(struct conn *c, struct evbuffer *src)
{
	struct evbuffer_iovec	 iov[4];
	struct evbuffer_ptr	 ptr;
	enum guard_verdict	 v = GUARD_MORE;
	size_t			 used;
	int			 i, n;

	while (c->scanned < evbuffer_get_length(src)) {
		if (evbuffer_ptr_set(src, &ptr, c->scanned,
		    EVBUFFER_PTR_SET) == -1)
			fatalx("evbuffer_ptr_set");
		n = evbuffer_peek(src, -1, &ptr, iov, 4);
		if (n <= 0)
			break;
		for (i = 0; i < n && i < 4; i++) {
			v = guard_feed(&c->guard, iov[i].iov_base,
			    iov[i].iov_len, &used);
			c->scanned += used;
			if (v != GUARD_MORE)
				return v;
		}
	}
	return v;
}

/*
 * The filter between TLS and evhttp: src holds the decrypted bytes, dst is
 * what evhttp reads.  Returns BEV_OK only when something moved.
 */
static enum bufferevent_filter_result
conn_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct conn		*c = arg;
	enum guard_verdict	 v;
	size_t			 n;
	int			 moved = 0;

	if (c->closed || c->phase == PH_CLOSING) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_NEED_MORE;
	}
	if (!c->started)
		return BEV_NEED_MORE;	/* conn_start() resumes us */
	if (c->owe_status != 0 && evbuffer_get_length(src) > 0) {
		conn_refuse(c, c->owe_status, c->owe_code, c->owe_msg,
		    c->owe_retry);
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_NEED_MORE;
	}
	for (;;) {
		switch (c->phase) {
		case PH_BODY:
			n = evbuffer_get_length(src);
			if (n > c->body_left)
				n = (size_t)c->body_left;
			if (n == 0)
				goto out;
			if (evbuffer_remove_buffer(src, dst, n) != (int)n)
				fatalx("evbuffer_remove_buffer");
			moved = 1;
			if ((c->body_left -= n) == 0)
				conn_arm(c, PH_BUSY, 0);
			continue;
		case PH_START:
		case PH_IDLE:
		case PH_HEAD:
			v = conn_scan(c, src);
			if (v == GUARD_MORE) {
				if (c->phase != PH_HEAD &&
				    guard_started(&c->guard))
					conn_arm(c, PH_HEAD,
					    c->cfg.header_timeout);
				goto out;
			}
			if (v == GUARD_REFUSE) {
				conn_refuse(c, c->guard.status,
				    c->guard.code, c->guard.message, 0);
				evbuffer_drain(src, evbuffer_get_length(src));
				return BEV_NEED_MORE;
			}
			if (evbuffer_remove_buffer(src, dst, c->scanned) !=
			    (int)c->scanned)
				fatalx("evbuffer_remove_buffer");
			moved = 1;
			c->scanned = 0;
			c->body_left = c->guard.body_len;
			guard_reset(&c->guard);
			if (c->body_left > 0)
				conn_arm(c, PH_BODY, c->cfg.body_timeout);
			else
				conn_arm(c, PH_BUSY, 0);
			continue;
		default:
			goto out;
		}
	}
 out:
	return moved ? BEV_OK : BEV_NEED_MORE;
}

static void
conn_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	char		 msg[RPC_MSG_MAX];

	switch (c->phase) {
	case PH_START:
		log_debug("%s: TLS handshake not complete within %u s",
		    c->addr, c->cfg.header_timeout);
		conn_kill(c);
		break;
	case PH_HEAD:
		snprintf(msg, sizeof(msg), "request head not complete "
		    "within %u s", c->cfg.header_timeout);
		conn_refuse(c, 408, "request_timeout", msg, 0);
		break;
	case PH_BODY:
		snprintf(msg, sizeof(msg), "request body not complete "
		    "within %u s", c->cfg.body_timeout);
		conn_refuse(c, 408, "request_timeout", msg, 0);
		break;
	case PH_IDLE:
		log_debug("%s: idle for %u s", c->addr, c->cfg.idle_timeout);
		conn_kill(c);
		break;
	case PH_CLOSING:
		conn_kill(c);
		break;
	default:
		break;
	}
}

/* After an answer: bytes already read may hold the next request. */
static void
conn_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;

	if (c->closed || (c->phase != PH_IDLE && c->phase != PH_START))
		return;
	if (evbuffer_get_length(bufferevent_get_input(c->tls)) > 0)
		bufferevent_trigger(c->tls, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS);
}

/* evhttp has written the answer (on_complete of each request). */
static void
conn_request_done(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	if (c->closed || c->phase == PH_CLOSING)
		return;
	conn_arm(c, PH_IDLE, c->cfg.idle_timeout);
	event_active(c->ev_resume, EV_TIMEOUT, 0);
}

/* The peer's numeric address; IPv4-mapped IPv6 shown as IPv4. */
static int
conn_peer(int fd, char *buf, size_t bufsz)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	socklen_t		 len = sizeof(ss);

	/* getpeername() fills it; zeroed so no path reads garbage. */
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return inet_ntop(AF_INET, &sin->sin_addr, buf, bufsz) ? 0 : -1;
	if (ss.ss_family != AF_INET6)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf,
		    bufsz) ? 0 : -1;
	return inet_ntop(AF_INET6, &sin6->sin6_addr, buf, bufsz) ? 0 : -1;
}

/*
 * Just after accept, once evhttp has set the connection up: count it,
 * apply the connection limits and bans.  Runs before any TLS byte is
 * read.
 */
static void
conn_start(evutil_socket_t unused, short ev, void *arg)
{
	struct conn		*c = arg;
	struct http_server	*srv = c->srv;
	void			*cbarg = NULL;
	uint32_t		 left;
	int			 fd, one = 1;

	/* evhttp passes the connection to the bufferevent's callbacks. */
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	if ((c->evcon = cbarg) == NULL)
		fatalx("evhttp connection without its bufferevent callbacks");
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	fd = bufferevent_getfd(c->tls);
	if (fd == -1 || conn_peer(fd, c->addr, sizeof(c->addr)) == -1) {
		log_debug("accepted connection without a peer address");
		conn_kill(c);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->src = source_get(srv, c->addr);
	c->src->conns++;
	c->counted = 1;
	RB_INSERT(http_conns, &srv->conns, c);
	left = source_banned(c->src, now_ms());
	/*
	 * A source over its own limit, or banned, must not use up the
	 * slots of everyone else: its connections stay out of the total,
	 * get their refusal after the handshake and linger only briefly.
	 */
	if (left == 0 && c->src->conns <= c->cfg.connections_per_source) {
		srv->nconns++;
		c->global = 1;
	} else if (c->src->conns > c->cfg.connections_per_source +
	    HTTP_OVER_LIMIT) {
		log_warnx("%s: closed: far over %u connections from one "
		    "source (limits.connections_per_source)", c->addr,
		    c->cfg.connections_per_source);
		conn_kill(c);
		return;
	}
	if (srv->nconns > c->cfg.connections + HTTP_OVER_LIMIT) {
		log_warnx("%s: closed: far over %u connections "
		    "(limits.connections)", c->addr, c->cfg.connections);
		conn_kill(c);
		return;
	}
	if (left != 0) {
		c->owe_status = 429;
		c->owe_code = "source_banned";
		c->owe_retry = left;
		snprintf(c->owe_msg, sizeof(c->owe_msg), "address %s is "
		    "banned for %u more seconds", c->addr, left);
	} else if (srv->nconns > c->cfg.connections) {
		c->owe_status = 503;
		c->owe_code = "too_many_connections";
		snprintf(c->owe_msg, sizeof(c->owe_msg), "more than %u "
		    "connections (limits.connections)", c->cfg.connections);
	} else if (c->src->conns > c->cfg.connections_per_source) {
		c->owe_status = 503;
		c->owe_code = "too_many_connections";
		snprintf(c->owe_msg, sizeof(c->owe_msg), "more than %u "
		    "connections from %s (limits.connections_per_source)",
		    c->cfg.connections_per_source, c->addr);
	}
	c->started = 1;
	event_active(c->ev_resume, EV_TIMEOUT, 0);
	log_debug("%s: connection %u", c->addr, srv->nconns);
}

/*
 * The TLS handshake is over: from now until its first byte, the first
 * request gets limits.idle_timeout, like any later one.
 */
static void
conn_tls_info(const SSL *ssl, int where, int ret)
{
	struct conn	*c;

	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    (c = SSL_get_app_data(ssl)) == NULL)
		return;
	if (!c->closed && c->phase == PH_START)
		conn_arm(c, PH_IDLE, c->owe_status != 0 ? HTTP_LINGER_SEC :
		    c->cfg.idle_timeout);
}

/* evhttp's bufferevent callback: a new connection's stack. */
static struct bufferevent *
http_newconn(struct event_base *base, void *arg)
{
	struct http_server	*srv = arg;
	struct guard_limits	 gl;
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->srv = srv;
	c->cfg = srv->cfg;
	strlcpy(c->addr, "unknown", sizeof(c->addr));
	gl.request_line = c->cfg.request_line;
	gl.header_bytes = c->cfg.header_bytes;
	gl.header_count = c->cfg.header_count;
	gl.body_bytes = c->cfg.body_bytes;
	guard_init(&c->guard, &gl);
	/*
	 * Returning NULL would make evhttp serve plain HTTP: every failure
	 * here is fatal.
	 */
	if ((c->ssl = SSL_new(srv->ctx)) == NULL)
		fatalx("SSL_new");
	/*
	 * A client that half-closes after its request still gets the
	 * answer: its EOF must not put the TLS session in an error state.
	 * Requests are framed by Content-Length, so a truncation is seen.
	 */
	SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_set_app_data(c->ssl, c);
	SSL_set_info_callback(c->ssl, conn_tls_info);
	if ((c->tls = bufferevent_openssl_socket_new(base, -1, c->ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL)
		fatalx("bufferevent_openssl_socket_new");
	bufferevent_openssl_set_allow_dirty_shutdown(c->tls, 1);
	/*
	 * While a request waits for its answer the filter takes nothing,
	 * so without a bound a client could make net decrypt and buffer
	 * without end.  One request's worth is all it may send ahead.
	 */
	bufferevent_setwatermark(c->tls, EV_READ, 0,
	    (size_t)c->cfg.header_bytes + c->cfg.body_bytes);
	if ((c->bev = bufferevent_filter_new(c->tls, conn_filter, NULL,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, conn_free,
	    c)) == NULL)
		fatalx("bufferevent_filter_new");
	if ((c->ev_start = event_new(base, -1, 0, conn_start, c)) == NULL ||
	    (c->ev_timer = evtimer_new(base, conn_timeout, c)) == NULL ||
	    (c->ev_resume = event_new(base, -1, 0, conn_resume, c)) == NULL ||
	    (c->ev_flushed = event_new(base, -1, 0, conn_flushed, c)) == NULL)
		fatalx("event_new");
	conn_arm(c, PH_START, c->cfg.header_timeout);
	event_active(c->ev_start, EV_TIMEOUT, 0);
	return c->bev;
}

/* --- requests --------------------------------------------------------------- */

static struct conn *
conn_find(struct http_server *srv, struct evhttp_connection *evcon)
{
	struct conn	 key;

	/* Only the compared field matters; no other is left undefined. */
	memset(&key, 0, sizeof(key));
	key.evcon = evcon;
	return RB_FIND(http_conns, &srv->conns, &key);
}

static const char *
http_method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "?";
	}
}

/* Refusals that come before routing: bans and the per-source rate. */
static int
http_source_checks(struct conn *c, struct evhttp_request *req)
{
	struct http_server	*srv = c->srv;
	struct reply		 o = { 0, 0, 0 };
	char			 msg[RPC_MSG_MAX];
	uint64_t		 now = now_ms();

	if ((o.retry_after = source_banned(c->src, now)) != 0) {
		o.close = 1;
		snprintf(msg, sizeof(msg), "address %s is banned for %u more "
		    "seconds", c->addr, o.retry_after);
		log_info("%s: 429 source_banned", c->addr);
		reply_error(req, 429, "source_banned", msg, &o);
		return -1;
	}
	if ((o.retry_after = rpc_window_hit(&c->src->window, now,
	    srv->cfg.rate_window, srv->cfg.rate_per_source)) != 0) {
		snprintf(msg, sizeof(msg), "more than %u requests in %u s "
		    "from %s (rate_limit.per_source)", srv->cfg.rate_per_source,
		    srv->cfg.rate_window, c->addr);
		log_info("%s: 429 rate_limited", c->addr);
		reply_error(req, 429, "rate_limited", msg, &o);
		return -1;
	}
	return 0;
}

/* Hash the presented key and wipe our copies of it. */
static void
http_key(struct msg_api_req *q, const char *key, size_t keylen,
    const char *auth, const char *apikey)
{
	unsigned int	 mdlen = SHA256_LEN;

	q->key_present = key != NULL;
	if (key != NULL && EVP_Digest(key, keylen, q->key_hash, &mdlen,
	    EVP_sha256(), NULL) != 1)
		fatalx("EVP_Digest");
	/* evhttp's header values are ours to scrub before they are freed. */
	if (auth != NULL)
		explicit_bzero((char *)auth, strlen(auth));
	if (apikey != NULL)
		explicit_bzero((char *)apikey, strlen(apikey));
}

static void
http_request(struct evhttp_request *req, void *arg)
{
	struct http_server	*srv = arg;
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct msg_api_req	 q;
	struct rpc_call		 call;
	struct rpc_error	 err;
	struct pending		*p;
	struct conn		*c;
	const char		*method, *auth, *apikey, *key;
	unsigned char		*body;
	size_t			 keylen, len;
	char			*json;

	c = conn_find(srv, evhttp_request_get_connection(req));
	if (c == NULL || c->closed) {
		log_warnx("request on an unknown connection");
		reply_error(req, 500, "internal_error", "unknown connection",
		    NULL);
		return;
	}
	evhttp_request_set_on_complete_cb(req, conn_request_done, c);
	if (http_source_checks(c, req) == -1)
		return;
	method = http_method_name(evhttp_request_get_command(req));
	log_debug("%s: %s %s", c->addr, method, evhttp_request_get_uri(req));
	if (rpc_route(method, evhttp_request_get_uri(req), &call, &err) == -1) {
		reply_rpc_error(req, &err);
		return;
	}
	if (call.local) {
		json = rpc_render_health();
		reply_send(req, 200, json, &(struct reply){ 0, 0, 0 });
		free(json);
		return;
	}
	auth = evhttp_find_header(h, "Authorization");
	apikey = evhttp_find_header(h, "X-Api-Key");
	if (rpc_auth(auth, apikey, &key, &keylen, &err) == -1) {
		reply_rpc_error(req, &err);
		return;
	}
	len = evbuffer_get_length(in);
	body = len > 0 ? evbuffer_pullup(in, -1) : NULL;
	if (rpc_body(&call, evhttp_find_header(h, "Content-Type"), body, len,
	    &err) == -1) {
		reply_rpc_error(req, &err);
		return;
	}

	memset(&q, 0, sizeof(q));
	q.op = call.p.op;
	http_key(&q, key, keylen, auth, apikey);
	q.fp_present = tls_peer_fingerprint(c->ssl, q.fingerprint) == 1;
	strlcpy(q.address, c->addr, sizeof(q.address));
	if ((len = rpc_params_encode(&call.p, q.params, sizeof(q.params))) ==
	    (size_t)-1)
		fatalx("request parameters do not fit");
	q.params_len = (uint16_t)len;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("calloc");
	if (++srv->next_id == 0)
		srv->next_id = 1;
	p->id = srv->next_id;
	p->op = q.op;
	p->req = req;
	p->conn = c;
	RB_INSERT(http_pendings, &srv->pending, p);
	c->pending = p;
	if (srv->send(p->id, &q) == -1) {
		conn_drop_pending(c);
		reply_error(req, 503, "unavailable",
		    "the request could not be passed on", NULL);
	}
	explicit_bzero(&q, sizeof(q));
}

/* --- the interface --------------------------------------------------------------- */

static void
http_accept_resume(evutil_socket_t fd, short ev, void *arg)
{
	evconnlistener_enable(arg);
}

/*
 * accept() failed, most likely for want of descriptors: pause this
 * listener for a moment instead of spinning on it.
 */
static void
http_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	 tv = { HTTP_ACCEPT_PAUSE_SEC, 0 };

	log_warn("accept");
	evconnlistener_disable(lev);
	if (event_base_once(evconnlistener_get_base(lev), -1, EV_TIMEOUT,
	    http_accept_resume, lev, &tv) == -1)
		fatalx("event_base_once");
}

static void
http_limits(struct http_server *srv)
{
	struct timeval	 tv;

	/* Backstops: the guard refuses long before evhttp would. */
	evhttp_set_max_headers_size(srv->http,
	    (ev_ssize_t)srv->cfg.request_line + srv->cfg.header_bytes + 4);
	evhttp_set_max_body_size(srv->http, srv->cfg.body_bytes);
	tv.tv_sec = (time_t)srv->cfg.header_timeout + srv->cfg.body_timeout +
	    srv->cfg.idle_timeout;
	tv.tv_usec = 0;
	evhttp_set_timeout_tv(srv->http, &tv);
}

struct http_server *
http_start(struct event_base *base, const int *fds, size_t nfds,
    SSL_CTX *ctx, const struct msg_net_config *cfg, http_send_api_fn send)
{
	struct http_server	*srv;
	struct evhttp_bound_socket *bound;
	struct evconnlistener	*lev;
	size_t			 i;
	int			 fl;

	if (nfds > HTTP_MAX_LISTENERS)
		fatalx("%zu listeners, at most %d", nfds, HTTP_MAX_LISTENERS);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		fatal("calloc");
	srv->base = base;
	srv->ctx = ctx;
	srv->cfg = *cfg;
	srv->send = send;
	RB_INIT(&srv->conns);
	RB_INIT(&srv->sources);
	RB_INIT(&srv->pending);
	if ((srv->http = evhttp_new(base)) == NULL)
		fatalx("evhttp_new");
	/* evhttp answers unknown methods itself: let all through to us. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(srv->http, "application/json");
	evhttp_set_gencb(srv->http, http_request, srv);
	evhttp_set_bevcb(srv->http, http_newconn, srv);
	http_limits(srv);

	for (i = 0; i < nfds; i++) {
		if ((fl = fcntl(fds[i], F_GETFL)) == -1 ||
		    fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) == -1)
			fatal("fcntl listener");
		if ((bound = evhttp_accept_socket_with_handle(srv->http,
		    fds[i])) == NULL)
			fatalx("evhttp_accept_socket_with_handle");
		lev = evhttp_bound_socket_get_listener(bound);
		evconnlistener_set_error_cb(lev, http_accept_error);
	}
	if ((srv->ev_gc = evtimer_new(base, source_gc, srv)) == NULL)
		fatalx("evtimer_new");
	timer_set(srv->ev_gc, srv->cfg.rate_window);
	return srv;
}

void
http_set_config(struct http_server *srv, const struct msg_net_config *cfg)
{
	srv->cfg = *cfg;
	http_limits(srv);
	evtimer_del(srv->ev_gc);
	timer_set(srv->ev_gc, srv->cfg.rate_window);
}

void
http_api_result(struct http_server *srv, uint32_t id,
    const struct msg_api_res *res)
{
	struct pending		 key, *p;
	struct evhttp_request	*req;
	struct conn		*c;
	struct rpc_error	 err;
	struct reply		 o = { 0, 0, 0 };
	char			*json;
	uint8_t			 op;

	/* Only the compared field matters; no other is left undefined. */
	memset(&key, 0, sizeof(key));
	key.id = id;
	if ((p = RB_FIND(http_pendings, &srv->pending, &key)) == NULL) {
		log_debug("answer %u: the client has gone", id);
		return;
	}
	c = p->conn;
	req = p->req;
	op = p->op;
	RB_REMOVE(http_pendings, &srv->pending, p);
	c->pending = NULL;
	free(p);

	if (res->status >= 400) {
		if (res->status == 429 || res->status == 503)
			o.retry_after = res->retry_after;
		if (res->status == 429 && o.retry_after == 0)
			o.retry_after = 1;
		reply_error(req, res->status, res->code, res->message, &o);
		return;
	}
	if (res->status != 200)
		json = NULL;
	else
		json = rpc_render_result(op, res, &err);
	if (json == NULL) {
		if (res->status != 200)
			log_warnx("answer %u: status %u is not an answer net "
			    "renders", id, res->status);
		else
			log_warnx("answer %u: %s", id, err.message);
		reply_error(req, 500, "internal_error",
		    "the answer could not be rendered", NULL);
		return;
	}
	reply_send(req, 200, json, &o);
	free(json);
}

void
http_ban(struct http_server *srv, const struct msg_ban *ban)
{
	struct source	*s;

	s = source_get(srv, ban->address);
	if (ban->seconds == 0) {
		s->banned_until = 0;
		log_info("%s: ban lifted", ban->address);
		return;
	}
	s->banned_until = now_ms() + (uint64_t)ban->seconds * 1000;
	log_info("%s: banned for %u s", ban->address, ban->seconds);
}
