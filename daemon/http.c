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
 * the TLS handshake, limits.header_timeout from its end until the first
 * head is complete, limits.idle_timeout after each answer until the first
 * byte of the next request, limits.header_timeout from that byte until the
 * head is complete, limits.body_timeout for the body.  A slow head or body
 * gets 408; a connection that sends nothing is closed without an answer.
 *
 * Near limits.connections the connection idle longest is closed to make
 * room for a new one (http_conn.c keeps them in order), and a client whose
 * unsent answers pass limits.output_buffer is read no more until it has
 * taken them: net's memory is bounded (herald.yaml(5), Memory).
 *
 * Requests that need the monitor become MSG_API_REQ; the evhttp request
 * waits, keyed by request id, for http_api_result().
 *
 * This file holds the sources (per-source counts, rates, bans), the
 * answers, the requests and the interface; http_conn.c the connections:
 * the bufferevent stack, the guard's filter, the phase timers, refusals.
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
#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "rpc.h"
#include "tls.h"


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

RB_GENERATE(http_conns, conn, entry, conn_cmp)
RB_GENERATE(http_sources, source, entry, source_cmp)
RB_GENERATE(http_pendings, pending, entry, pending_cmp)

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
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

struct source *
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
uint32_t
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

	evhttp_add_header(h, "Content-Type", o->ctype != NULL ? o->ctype :
	    "application/json");
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
	char		 len[24];
	size_t		 n;

	reply_headers(evhttp_request_get_output_headers(req), status, o);
	if (json != NULL && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		/* Straight into the answer's buffer: no buffer of our own. */
		n = strlen(json);
		if (evbuffer_add(evhttp_request_get_output_buffer(req), json,
		    n) == -1)
			fatalx("evbuffer");
		/* evhttp leaves it out for HTTP/1.0; clients want it. */
		snprintf(len, sizeof(len), "%zu", n);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
	}
	evcon = evhttp_request_get_connection(req);
	evhttp_send_reply(req, status, rpc_reason(status), NULL);
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
	struct reply	 none = { 0, 0, 0, NULL };
	char		*json;

	json = rpc_render_error(code, message);
	reply_send(req, status, json, o != NULL ? o : &none);
	free(json);
}

void
http_reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message, uint32_t retry_after)
{
	struct reply	 o = { 0, retry_after, 0, NULL };

	reply_error(req, status, code, message, &o);
}

static void
reply_rpc_error(struct evhttp_request *req, const struct rpc_error *err)
{
	struct reply	 o = { err->allow, 0, 0, NULL };

	reply_error(req, err->status, err->code, err->message, &o);
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
	struct reply		 o = { 0, 0, 0, NULL };
	char			 msg[RPC_MSG_MAX];
	uint64_t		 now = now_ms();

	if (c->exempt)		/* rate_limit.exempt */
		return 0;
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

/*
 * GET /v1/events: Last-Event-ID into the parameters (none: UINT64_MAX,
 * from now on), and no new stream past events.streams.
 */
static int
http_events_check(struct http_server *srv, struct evkeyvalq *h,
    struct rpc_call *call, struct rpc_error *err)
{
	if (rpc_last_event_id(evhttp_find_header(h, "Last-Event-ID"),
	    &call->p.after, err) == -1)
		return -1;
	if (srv->nstreams >= srv->scfg.streams) {
		err->status = 503;
		err->code = "too_many_streams";
		err->allow = 0;
		snprintf(err->message, sizeof(err->message), "%u event "
		    "streams are open (events.streams)", srv->nstreams);
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
	c->req_op = OP_MAX;
	c->req_start = metrics_now_us();
	if (http_source_checks(c, req) == -1)
		return;
	method = http_method_name(evhttp_request_get_command(req));
	log_debug("%s: %s %s", c->addr, method, evhttp_request_get_uri(req));
	if (rpc_route(method, evhttp_request_get_uri(req), &call, &err) == -1) {
		reply_rpc_error(req, &err);
		return;
	}
	c->req_op = call.p.op;
	if (call.local) {
		json = rpc_render_health();
		reply_send(req, 200, json, &(struct reply){ 0, 0, 0, NULL });
		free(json);
		return;
	}
	auth = evhttp_find_header(h, "Authorization");
	apikey = evhttp_find_header(h, "X-Api-Key");
	if (rpc_auth(auth, apikey, &key, &keylen, &err) == -1) {
		reply_rpc_error(req, &err);
		return;
	}
	if (call.p.op == OP_EVENTS && http_events_check(srv, h, &call,
	    &err) == -1) {
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
	/* A stream asks again for its later pages (http_stream.c). */
	if (q.op == OP_EVENTS) {
		if ((p->q = malloc(sizeof(*p->q))) == NULL)
			fatal("malloc");
		memcpy(p->q, &q, sizeof(q));
		p->after = call.p.after;
	}
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
	TAILQ_INIT(&srv->streams);
	TAILQ_INIT(&srv->idle);
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
http_set_ctx(struct http_server *srv, SSL_CTX *ctx)
{
	/* Each connection's SSL holds a reference to its own context. */
	SSL_CTX_free(srv->ctx);
	srv->ctx = ctx;
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
	struct reply		 o = { 0, 0, 0, NULL };
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
	if (op == OP_EVENTS && (res->status == 200 || p->stream != NULL)) {
		http_stream_result(srv, p, res);
		pending_free(p);
		return;
	}
	pending_free(p);

	/* An order MT5 refused: its whole answer (rpc_render_trade). */
	if (res->status == 422 && res->result_len > 0 &&
	    (json = rpc_render_result(op, res, &err)) != NULL) {
		reply_send(req, 422, json, &o);
		free(json);
		return;
	}
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
	else {
		json = rpc_render_result(op, res, &err);
		o.ctype = rpc_result_type(op);
	}
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
