/*
 * The connections of net's HTTP server (see http.c and http_int.h): the
 * stack of bufferevents under evhttp built for each accepted socket, the
 * framing guard's filter between TLS and evhttp, the timer that follows
 * each connection's phase, refusals written straight to TLS, and the
 * bookkeeping when a connection closes.
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
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "guard.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "msg.h"
#include "rpc.h"
#include "srcaddr.h"
#include "metrics_net.h"
#include "tls.h"

/* The deferred steps of a connection (c->kick), run by conn_event(). */
#define CONN_KICK_START		0x01	/* conn_start(): count, limits */
#define CONN_KICK_RESUME	0x02	/* conn_resume(): read what waits */
#define CONN_KICK_FLUSHED	0x04	/* conn_flushed(): end the refusal */

static void	conn_start(struct conn *);

/* Run step at the next turn of the loop. */
static void
conn_kick(struct conn *c, uint8_t step)
{
	c->kick |= step;
	event_active(c->ev, EV_TIMEOUT, 0);
}

/* conn_arm(): the phase changes, its deadline stays. */
#define CONN_TIMER_KEEP		UINT32_MAX

/*
 * Keep c's place on the idle list: at the end (the most recently active)
 * when it has no request under way, off it otherwise.  Only connections
 * counted in limits.connections are on it: closing one of them is what
 * makes room.
 */
static void
conn_idle_update(struct conn *c)
{
	struct http_server	*srv = c->srv;
	int			 idle;

	idle = c->global && !c->closed && (c->phase == PH_START ||
	    c->phase == PH_FIRST || c->phase == PH_IDLE);
	if (c->idle)
		TAILQ_REMOVE(&srv->idle, c, idle_entry);
	if ((c->idle = idle))
		TAILQ_INSERT_TAIL(&srv->idle, c, idle_entry);
}

/* Enter phase ph with sec seconds to leave it (0: no limit). */
static void
conn_arm(struct conn *c, enum conn_phase ph, uint32_t sec)
{
	c->phase = ph;
	if (sec == 0) {
		c->deadline = 0;
		evtimer_del(c->ev);
	} else if (sec != CONN_TIMER_KEEP) {
		c->deadline = now_ms() + (uint64_t)sec * 1000;
		timer_set(c->ev, sec);
	}
	conn_idle_update(c);
}

size_t
conn_unsent(struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    evbuffer_get_length(bufferevent_get_output(c->tls));
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
	if (c->idle)
		TAILQ_REMOVE(&srv->idle, c, idle_entry);
	c->idle = 0;
	c->src->conns--;
	metrics_net_conn(-1);
	RB_REMOVE(http_conns, &srv->conns, c);
}

/* Forget the request waiting for the monitor, if there is one. */
void
conn_drop_pending(struct conn *c)
{
	struct pending	*p;

	if ((p = c->pending) == NULL)
		return;
	RB_REMOVE(http_pendings, &c->srv->pending, p);
	/*
	 * evhttp detaches a request the user still holds when the client
	 * goes away (EOF, timeout): then it is ours to free.  Otherwise it
	 * is still on the connection and freed with it.  A stream's later
	 * page shares the stream's request: http_stream_gone() frees it.
	 */
	if (p->stream == NULL && evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	c->pending = NULL;
	pending_free(p);
}

void
pending_free(struct pending *p)
{
	if (p->q != NULL) {
		explicit_bzero(p->q, sizeof(*p->q));
		free(p->q);
	}
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
	tls_hs_free(c->hs);
	c->hs = NULL;
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
	http_stream_gone(c, 1);
	conn_uncount(c);
	c->deadline = 0;
	event_del(c->ev);
	c->kick = 0;
	if (c->flushcb != NULL) {
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->flushcb);
		c->flushcb = NULL;
	}
	if (c->draincb != NULL) {
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->draincb);
		c->draincb = NULL;
	}
	c->evcon = NULL;
}

/* The filter bufferevent is being destroyed: its context goes with it. */
static void
conn_free(void *arg)
{
	struct conn	*c = arg;

	c->closed = 1;
	/* The TLS bufferevent, and its SSL, outlive this filter's context. */
	tls_hs_free(c->hs);
	c->hs = NULL;
	conn_drop_pending(c);
	/* evhttp has freed the requests it held by now. */
	http_stream_gone(c, 0);
	conn_uncount(c);
	if (c->flushcb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->flushcb);
	if (c->draincb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->tls),
		    c->draincb);
	event_free(c->ev);
	free(c->guard);
	free(c);
}

/* Close now, without an answer. */
void
http_conn_kill(struct conn *c)
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
		conn_kick(c, CONN_KICK_FLUSHED);
}

/* The refusal is on its way: end TLS, half-close, wait for the client. */
static void
conn_flushed(struct conn *c)
{
	int	 s;

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
	metrics_net_request(OP_MAX, status, 0);
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

/* The refusal conn_start() found for c, now that it sends a request. */
static void
conn_refuse_owed(struct conn *c)
{
	struct msg_net_config	*cfg = &c->srv->cfg;
	char			 msg[RPC_MSG_MAX];

	switch (c->owe) {
	case OWE_BANNED:
		snprintf(msg, sizeof(msg), "address %s is banned for %u more "
		    "seconds", c->addr, c->owe_retry);
		conn_refuse(c, 429, "source_banned", msg, c->owe_retry);
		return;
	case OWE_CONNECTIONS:
		snprintf(msg, sizeof(msg), "more than %u connections "
		    "(limits.connections)", cfg->connections);
		break;
	default:
		snprintf(msg, sizeof(msg), "more than %u connections from %s "
		    "(limits.connections_per_source)",
		    cfg->connections_per_source, c->addr);
		break;
	}
	conn_refuse(c, 503, "too_many_connections", msg, 0);
}

/* The client has taken enough of its answers: read requests again. */
static void
conn_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	if (!c->throttled || info->n_deleted == 0 ||
	    conn_unsent(c) > c->lim.output_buffer)
		return;
	c->throttled = 0;
	evbuffer_cb_clear_flags(buf, c->draincb, EVBUFFER_CB_ENABLED);
	log_debug("%s: answers taken, reading requests again", c->addr);
	conn_kick(c, CONN_KICK_RESUME);
}

/*
 * Whether more than limits.output_buffer of answers wait for a client:
 * then no more of its requests go to evhttp, and once its next request
 * fills the TLS input to its watermark, nothing more is read from it,
 * until it has taken enough of its answers (conn_drained()).
 */
static int
conn_output_full(struct conn *c)
{
	struct evbuffer	*out;

	if (conn_unsent(c) <= c->lim.output_buffer)
		return 0;
	if (c->throttled)
		return 1;
	c->throttled = 1;
	log_debug("%s: %zu bytes of answers unsent, more than %u "
	    "(limits.output_buffer): reading stops", c->addr, conn_unsent(c),
	    c->lim.output_buffer);
	out = bufferevent_get_output(c->tls);
	if (c->draincb == NULL &&
	    (c->draincb = evbuffer_add_cb(out, conn_drained, c)) == NULL)
		fatalx("evbuffer_add_cb");
	evbuffer_cb_set_flags(out, c->draincb, EVBUFFER_CB_ENABLED);
	return 1;
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

	if (c->guard == NULL) {
		if ((c->guard = malloc(sizeof(*c->guard))) == NULL)
			fatal("malloc");
		guard_init(c->guard, &c->lim.guard);
	}
	while (c->scanned < evbuffer_get_length(src)) {
		if (evbuffer_ptr_set(src, &ptr, c->scanned,
		    EVBUFFER_PTR_SET) == -1)
			fatalx("evbuffer_ptr_set");
		n = evbuffer_peek(src, -1, &ptr, iov, 4);
		if (n <= 0)
			break;
		for (i = 0; i < n && i < 4; i++) {
			v = guard_feed(c->guard, iov[i].iov_base,
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
	if (c->owe != OWE_NONE && evbuffer_get_length(src) > 0) {
		conn_refuse_owed(c);
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
		case PH_FIRST:
		case PH_IDLE:
		case PH_HEAD:
			if (evbuffer_get_length(src) == 0 ||
			    (c->phase == PH_IDLE && conn_output_full(c)))
				goto out;
			v = conn_scan(c, src);
			if (v == GUARD_MORE) {
				/*
				 * The first request's head is due
				 * limits.header_timeout after the
				 * handshake, a later one's after its
				 * first byte.
				 */
				if (c->phase == PH_FIRST)
					conn_arm(c, PH_HEAD, CONN_TIMER_KEEP);
				else if (c->phase != PH_HEAD &&
				    guard_started(c->guard))
					conn_arm(c, PH_HEAD,
					    c->lim.header_timeout);
				goto out;
			}
			if (v == GUARD_REFUSE) {
				conn_refuse(c, c->guard->status,
				    c->guard->code, c->guard->message, 0);
				evbuffer_drain(src, evbuffer_get_length(src));
				return BEV_NEED_MORE;
			}
			if (evbuffer_remove_buffer(src, dst, c->scanned) !=
			    (int)c->scanned)
				fatalx("evbuffer_remove_buffer");
			moved = 1;
			c->scanned = 0;
			c->body_left = c->guard->body_len;
			free(c->guard);
			c->guard = NULL;
			if (c->body_left > 0)
				conn_arm(c, PH_BODY, c->lim.body_timeout);
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

/*
 * The filter's output side: evhttp's answers on their way to TLS.  evhttp
 * queues an answer's head and body as separate chains, and
 * bufferevent_openssl makes one TLS record and one write(2) of each, in
 * the loop turn after the one that queued them (it waits for EPOLLOUT,
 * adding and then removing the write event).  Here each record's worth
 * of an answer is made contiguous and written at once: one record and
 * one write(2) per answer, no epoll_ctl, no extra turn.  What the
 * socket does not take goes to the TLS bufferevent, which writes it
 * once the socket is writable: a record SSL_write() could not finish is
 * the contiguous head of that buffer, so its retry passes the same
 * bytes; and nothing is written around bytes already waiting there.
 */
static enum bufferevent_filter_result
conn_write(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct conn	*c = arg;
	unsigned char	*p;
	size_t		 n;
	int		 r, moved = 0;

	while ((n = evbuffer_get_length(src)) > 0 &&
	    evbuffer_get_length(dst) == 0 && !c->closed &&
	    SSL_is_init_finished(c->ssl)) {
		if (n > SSL3_RT_MAX_PLAIN_LENGTH)
			n = SSL3_RT_MAX_PLAIN_LENGTH;
		if ((p = evbuffer_pullup(src, (ev_ssize_t)n)) == NULL)
			fatalx("evbuffer_pullup");
		ERR_clear_error();
		if ((r = SSL_write(c->ssl, p, (int)n)) <= 0) {
			ERR_clear_error();
			break;
		}
		evbuffer_drain(src, (size_t)r);
		moved = 1;
	}
	if ((n = evbuffer_get_length(src)) > 0) {
		if (lim >= 0 && n > (size_t)lim)
			n = (size_t)lim;
		if (evbuffer_pullup(src, n > SSL3_RT_MAX_PLAIN_LENGTH ?
		    SSL3_RT_MAX_PLAIN_LENGTH : (ev_ssize_t)n) == NULL ||
		    evbuffer_remove_buffer(src, dst, n) != (int)n)
			fatalx("evbuffer_remove_buffer");
		moved |= n > 0;
	}
	return moved ? BEV_OK : BEV_NEED_MORE;
}

/* The phase's deadline has passed (conn_event()). */
static void
conn_timeout(struct conn *c)
{
	char		 msg[RPC_MSG_MAX];

	switch (c->phase) {
	case PH_START:
		log_debug("%s: TLS handshake not complete within %u s",
		    c->addr, c->lim.header_timeout);
		http_conn_kill(c);
		break;
	case PH_FIRST:
		if (c->owe != OWE_NONE)
			log_debug("%s: refused, and no request came", c->addr);
		else
			log_info("%s: closed: no request within %u s of the "
			    "TLS handshake (limits.header_timeout)", c->addr,
			    c->lim.header_timeout);
		http_conn_kill(c);
		break;
	case PH_HEAD:
		snprintf(msg, sizeof(msg), "request head not complete "
		    "within %u s", c->lim.header_timeout);
		conn_refuse(c, 408, "request_timeout", msg, 0);
		break;
	case PH_BODY:
		snprintf(msg, sizeof(msg), "request body not complete "
		    "within %u s", c->lim.body_timeout);
		conn_refuse(c, 408, "request_timeout", msg, 0);
		break;
	case PH_IDLE:
		log_debug("%s: idle for %u s", c->addr, c->lim.idle_timeout);
		http_conn_kill(c);
		break;
	case PH_CLOSING:
		http_conn_kill(c);
		break;
	default:
		break;
	}
}

/* After an answer: bytes already read may hold the next request. */
static void
conn_resume(struct conn *c)
{
	if (c->phase != PH_IDLE && c->phase != PH_FIRST &&
	    c->phase != PH_START)
		return;
	if (evbuffer_get_length(bufferevent_get_input(c->tls)) > 0)
		bufferevent_trigger(c->tls, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS);
}

/* evhttp has written the answer (on_complete of each request). */
void
conn_request_done(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	metrics_net_request(c->req_op, evhttp_request_get_response_code(req),
	    c->req_start != 0 ? metrics_now_us() - c->req_start : 0);
	c->req_op = OP_MAX;
	c->req_start = 0;
	if (c->closed || c->phase == PH_CLOSING)
		return;
	conn_arm(c, PH_IDLE, c->lim.idle_timeout);
	conn_kick(c, CONN_KICK_RESUME);
}

/*
 * c->ev: the steps due, in order (each may close the connection), or the
 * phase's deadline.  One event serves both, one allocation less on each
 * of thousands of idle connections; libevent takes a non-persistent
 * event out of the timer heap when it runs it, so after the steps the
 * deadline is set again unless a step has set a new one.
 */
static void
conn_event(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct timeval	 tv;
	uint64_t	 now, left;
	uint8_t		 steps = c->kick;

	if (steps == 0) {
		conn_timeout(c);
		return;
	}
	c->kick = 0;
	if ((steps & CONN_KICK_START) && !c->closed)
		conn_start(c);
	if ((steps & CONN_KICK_RESUME) && !c->closed)
		conn_resume(c);
	if ((steps & CONN_KICK_FLUSHED) && !c->closed)
		conn_flushed(c);
	if (c->closed || c->deadline == 0 || c->kick != 0 ||
	    evtimer_pending(c->ev, NULL))
		return;
	now = now_ms();
	left = c->deadline > now ? c->deadline - now : 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (evtimer_add(c->ev, &tv) == -1)
		fatalx("evtimer_add");
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
 * A TLS handshake costs the monitor a signature: each counts against
 * rate_limit.per_source like a request, and one over the rate is
 * closed before a byte of it is read.  1 when c was closed.
 */
static int
handshake_over_rate(struct conn *c)
{
	struct msg_net_config	*cfg = &c->srv->cfg;

	if (c->exempt || rpc_window_hit(&c->src->window, now_ms(),
	    cfg->rate_window, cfg->rate_per_source) == 0)
		return 0;
	log_info("%s: closed before its TLS handshake: over %u requests and "
	    "handshakes in %u s (rate_limit.per_source)", c->addr,
	    cfg->rate_per_source, cfg->rate_window);
	http_conn_kill(c);
	return 1;
}

/*
 * c takes the last slot of limits.connections: the connection that has
 * been idle longest goes to make room for it, so that clients that hold
 * connections and send nothing cannot lock others out.  Only when every
 * other connection has a request under way is c refused (503).
 */
static void
conn_evict(struct conn *c)
{
	struct conn	*old;

	if ((old = TAILQ_FIRST(&c->srv->idle)) == NULL)
		return;
	log_info("%s: closed to make room for %s: the connection idle "
	    "longest when over %u (limits.connections)", old->addr, c->addr,
	    c->srv->cfg.connections);
	http_conn_kill(old);
}

/*
 * tls_async.c has driven the handshake to its end: from now on the TLS
 * bufferevent reads and writes (it was kept off until then).
 */
static void
conn_handshake_done(void *arg, int ok)
{
	struct conn	*c = arg;
	struct tls_hs	*hs = c->hs;

	c->hs = NULL;
	tls_hs_free(hs);
	if (!ok) {
		http_conn_kill(c);
		return;
	}
	if (bufferevent_enable(c->tls, EV_READ | EV_WRITE) == -1)
		fatalx("bufferevent_enable");
}

/*
 * Just after accept, once evhttp has set the connection up: count it,
 * apply the connection limits and bans.  Runs before any TLS byte is
 * read.
 */
static void
conn_start(struct conn *c)
{
	struct http_server	*srv = c->srv;
	struct msg_net_config	*cfg = &srv->cfg;
	void			*cbarg = NULL;
	uint32_t		 left;
	int			 fd, one = 1;
	char			 key[ADDR_STR_MAX];

	/* evhttp passes the connection to the bufferevent's callbacks. */
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	if ((c->evcon = cbarg) == NULL)
		fatalx("evhttp connection without its bufferevent callbacks");
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	fd = bufferevent_getfd(c->tls);
	if (fd == -1 || conn_peer(fd, c->addr, sizeof(c->addr)) == -1) {
		log_debug("accepted connection without a peer address");
		http_conn_kill(c);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* IPv6 sources count and are banned by rate_limit.ipv6_prefix. */
	src_key(c->addr, (int)cfg->ipv6_prefix, key, sizeof(key));
	c->exempt = src_nets_match(cfg->exempt, cfg->nexempt, c->addr);
	c->src = source_get(srv, key);
	c->src->conns++;
	c->counted = 1;
	metrics_net_conn(1);
	RB_INSERT(http_conns, &srv->conns, c);
	left = c->exempt ? 0 : source_banned(c->src, now_ms());
	if (left == 0 && handshake_over_rate(c))
		return;
	/*
	 * A source over its own limit, or banned, must not use up the
	 * slots of everyone else: its connections stay out of the total,
	 * get their refusal after the handshake and linger only briefly.
	 */
	if (left == 0 && c->src->conns <= cfg->connections_per_source) {
		srv->nconns++;
		c->global = 1;
		if (srv->nconns > cfg->connections)
			conn_evict(c);
	} else if (c->src->conns > cfg->connections_per_source +
	    HTTP_OVER_LIMIT) {
		log_warnx("%s: closed: far over %u connections from one "
		    "source (limits.connections_per_source)", c->addr,
		    cfg->connections_per_source);
		http_conn_kill(c);
		return;
	}
	if (srv->nconns > cfg->connections + HTTP_OVER_LIMIT) {
		log_warnx("%s: closed: far over %u connections "
		    "(limits.connections)", c->addr, cfg->connections);
		http_conn_kill(c);
		return;
	}
	if (left != 0) {
		c->owe = OWE_BANNED;
		c->owe_retry = left;
	} else if (srv->nconns > cfg->connections)
		c->owe = OWE_CONNECTIONS;
	else if (c->src->conns > cfg->connections_per_source)
		c->owe = OWE_SOURCE;
	c->started = 1;
	conn_idle_update(c);
	c->hs = tls_hs_start(srv->base, c->ssl, fd, c->src->addr,
	    conn_handshake_done, c);
	log_debug("%s: connection %u", c->addr, srv->nconns);
}

/*
 * The TLS handshake is over: the whole head of the first request is due
 * within limits.header_timeout.  A connection that says nothing holds a
 * slot for that long at most, not for limits.idle_timeout.
 */
static void
conn_tls_info(const SSL *ssl, int where, int ret)
{
	struct conn	*c;

	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    (c = SSL_get_app_data(ssl)) == NULL)
		return;
	if (!c->closed && c->phase == PH_START)
		conn_arm(c, PH_FIRST, c->owe != OWE_NONE ? HTTP_LINGER_SEC :
		    c->lim.header_timeout);
}

/* evhttp's bufferevent callback: a new connection's stack. */
struct bufferevent *
http_newconn(struct event_base *base, void *arg)
{
	struct http_server	*srv = arg;
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->srv = srv;
	c->lim.guard.request_line = srv->cfg.request_line;
	c->lim.guard.header_bytes = srv->cfg.header_bytes;
	c->lim.guard.header_count = srv->cfg.header_count;
	c->lim.guard.body_bytes = srv->cfg.body_bytes;
	c->lim.header_timeout = srv->cfg.header_timeout;
	c->lim.body_timeout = srv->cfg.body_timeout;
	c->lim.idle_timeout = srv->cfg.idle_timeout;
	c->lim.output_buffer = srv->cfg.output_buffer;
	c->req_op = OP_MAX;
	strlcpy(c->addr, "unknown", sizeof(c->addr));
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
	/*
	 * Open, and off until tls_async.c has done the handshake, which
	 * pauses while the monitor signs (bufferevent_openssl would take
	 * that pause for a failure).
	 */
	if ((c->tls = bufferevent_openssl_socket_new(base, -1, c->ssl,
	    BUFFEREVENT_SSL_OPEN,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL)
		fatalx("bufferevent_openssl_socket_new");
	bufferevent_openssl_set_allow_dirty_shutdown(c->tls, 1);
	/*
	 * While a request waits for its answer the filter takes nothing,
	 * so without a bound a client could make net decrypt and buffer
	 * without end.  One request's worth is all it may send ahead.
	 */
	bufferevent_setwatermark(c->tls, EV_READ, 0,
	    (size_t)c->lim.guard.header_bytes + c->lim.guard.body_bytes);
	if ((c->bev = bufferevent_filter_new(c->tls, conn_filter, conn_write,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, conn_free,
	    c)) == NULL)
		fatalx("bufferevent_filter_new");
	if (bufferevent_disable(c->tls, EV_READ | EV_WRITE) == -1)
		fatalx("bufferevent_disable");
	if ((c->ev = evtimer_new(base, conn_event, c)) == NULL)
		fatalx("evtimer_new");
	conn_arm(c, PH_START, c->lim.header_timeout);
	conn_kick(c, CONN_KICK_START);
	return c->bev;
}

