/*
 * GET /v1/events in net: the open Server-Sent Events streams.
 *
 * The monitor authorises each stream and decides what it may see: its
 * first answer (a page, common/event.h) names the key, whether it sees
 * every event, and what the client missed since its Last-Event-ID.
 * Net then holds the stream open (evhttp's chunked reply), writes the
 * page, asks for the next one while the monitor says there is more and
 * the client keeps up, and from then on writes each event the monitor
 * pushes (MSG_EVENT) whose audience admits the stream.  It decides
 * nothing itself beyond its limits: events.streams in all,
 * events.streams_per_key per key, events.stream_buffer bytes unsent to
 * one client (a slower one is dropped, with a log line), and a comment
 * line every events.heartbeat seconds so that proxies and clients see
 * the stream alive.
 *
 * A stream's id never goes backwards: an event at or below the last id
 * it was given is not written again, so pages and pushed events may
 * overlap without a client seeing one twice.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "event.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "msg.h"
#include "rpc.h"
#include "wire.h"

static unsigned
streams_of_key(struct http_server *srv, uint64_t key_id)
{
	struct stream	*s;
	unsigned	 n = 0;

	TAILQ_FOREACH(s, &srv->streams, entry)
		if (s->key_id == key_id)
			n++;
	return n;
}

/* Forget s: the connection is gone or the stream ended. */
static void
stream_forget(struct stream *s)
{
	struct http_server	*srv = s->srv;

	TAILQ_REMOVE(&srv->streams, s, entry);
	srv->nstreams--;
	s->conn->stream = NULL;
	if (s->q != NULL) {
		explicit_bzero(s->q, sizeof(*s->q));
		free(s->q);
	}
	free(s);
}

/*
 * Write buf to the stream and push it down to TLS.  -1 when the client
 * is too slow: the connection is closed (s is gone).
 */
static int
stream_write(struct stream *s, struct evbuffer *buf)
{
	struct conn	*c = s->conn;
	size_t		 unsent;

	evhttp_send_reply_chunk(s->req, buf);
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
	if ((unsent = conn_unsent(c)) <= s->srv->scfg.buffer)
		return 0;
	log_warnx("%s: events stream of key %" PRIu64 " dropped: %zu bytes "
	    "unsent, more than events.stream_buffer (%u)", c->addr,
	    s->key_id, unsent, s->srv->scfg.buffer);
	http_conn_kill(c);		/* frees s through stream_gone() */
	return -1;
}

/* The SSE form of an event: its id, name and one line of data. */
static void
stream_format(struct evbuffer *buf, const struct herald_event *e)
{
	if (evbuffer_add_printf(buf, "id: %" PRIu64 "\nevent: %s\ndata: %s"
	    "\n\n", e->id, e->name, e->data) == -1)
		fatalx("evbuffer_add_printf");
}

static int
stream_admits(const struct stream *s, const struct herald_event *e)
{
	return e->id > s->last && (s->all || e->key_id == 0 ||
	    e->key_id == s->key_id);
}

/* Ask the monitor for the page after s->last. */
static void
stream_ask(struct stream *s)
{
	struct http_server	*srv = s->srv;
	struct rpc_params	 p;
	struct pending		*pd;
	size_t			 len;

	memset(&p, 0, sizeof(p));
	p.op = OP_EVENTS;
	p.after = s->last;
	if ((len = rpc_params_encode(&p, s->q->params,
	    sizeof(s->q->params))) == (size_t)-1)
		fatalx("events parameters do not fit");
	s->q->params_len = (uint16_t)len;
	if ((pd = calloc(1, sizeof(*pd))) == NULL)
		fatal("calloc");
	if (++srv->next_id == 0)
		srv->next_id = 1;
	pd->id = srv->next_id;
	pd->op = OP_EVENTS;
	pd->req = s->req;
	pd->conn = s->conn;
	pd->stream = s;
	RB_INSERT(http_pendings, &srv->pending, pd);
	s->conn->pending = pd;
	s->asking = 1;
	s->more = 0;
	if (srv->send(pd->id, s->q) == -1) {
		log_warnx("%s: events stream: the next page could not be "
		    "asked for", s->conn->addr);
		http_conn_kill(s->conn);
	}
}

/* Once the client has taken half its buffer: the next page. */
static void
stream_maybe_ask(struct stream *s)
{
	if (s->more && !s->asking &&
	    conn_unsent(s->conn) <= s->srv->scfg.buffer / 2)
		stream_ask(s);
}

/*
 * A page: its events go out; "gap" says when the client asked for more
 * than the store still holds.  -1 if the stream was dropped.
 */
static int
stream_page(struct stream *s, const struct msg_api_res *res,
    uint64_t after, int first)
{
	static struct herald_event	 e;
	struct event_page		 pg;
	struct wire_reader		 r;
	struct evbuffer			*buf;
	const char			*why;
	uint32_t			 i;

	wire_reader_init(&r, res->result, res->result_len);
	if (event_page_get(&r, &pg, &why) == -1)
		fatalx("monitor sent a bad page of events: %s", why);
	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	if (first && after != UINT64_MAX && pg.oldest > 0 &&
	    after + 1 < pg.oldest && evbuffer_add_printf(buf, "event: gap\n"
	    "data: {\"last_event_id\":%" PRIu64 ",\"oldest\":%" PRIu64 "}\n\n",
	    after, pg.oldest) == -1)
		fatalx("evbuffer_add_printf");
	for (i = 0; i < pg.n; i++) {
		event_get(&r, &e);
		if (!wire_ok(&r) || e.id > pg.last)
			fatalx("monitor sent a bad event in a page: %s",
			    r.err != NULL ? r.err : "id beyond the page");
		if (stream_admits(s, &e)) {
			stream_format(buf, &e);
			s->last = e.id;
		}
	}
	if (wire_end(&r) == -1)
		fatalx("monitor sent a bad page of events: %s", r.err);
	if (pg.last > s->last)
		s->last = pg.last;
	s->more = pg.more;
	if (evbuffer_get_length(buf) > 0 && stream_write(s, buf) == -1) {
		evbuffer_free(buf);
		return -1;
	}
	evbuffer_free(buf);
	return 0;
}

/* The first page of a stream: open it, if the limits allow. */
static void
stream_open(struct http_server *srv, struct conn *c,
    struct evhttp_request *req, struct msg_api_req *q, uint64_t after,
    const struct msg_api_res *res)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct event_page	 pg;
	struct wire_reader	 r;
	struct stream		*s;
	char			 msg[RPC_MSG_MAX];
	const char		*why;
	int			 fd, sndbuf;

	wire_reader_init(&r, res->result, res->result_len);
	if (event_page_get(&r, &pg, &why) == -1)
		fatalx("monitor sent a bad page of events: %s", why);
	if (srv->nstreams >= srv->scfg.streams) {
		snprintf(msg, sizeof(msg), "%u event streams are open "
		    "(events.streams)", srv->nstreams);
		http_reply_error(req, 503, "too_many_streams", msg, 1);
		goto out;
	}
	if (streams_of_key(srv, pg.key_id) >= srv->scfg.streams_per_key) {
		snprintf(msg, sizeof(msg), "this key has %u event streams "
		    "open (events.streams_per_key)",
		    srv->scfg.streams_per_key);
		http_reply_error(req, 429, "too_many_streams", msg, 1);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	s->srv = srv;
	s->conn = c;
	s->req = req;
	s->q = q;
	q = NULL;
	s->key_id = pg.key_id;
	s->all = pg.all;
	s->last = 0;
	TAILQ_INSERT_TAIL(&srv->streams, s, entry);
	srv->nstreams++;
	c->stream = s;
	/*
	 * What a client does not take waits in the socket too: bound it,
	 * or the kernel's autotuning would hold megabytes of a stream
	 * before events.stream_buffer ever counts.
	 */
	sndbuf = (int)srv->scfg.buffer;
	if ((fd = bufferevent_getfd(c->tls)) == -1 || setsockopt(fd,
	    SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == -1)
		log_debug("%s: events stream: SO_SNDBUF not set", c->addr);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
	log_info("%s: events stream of key %" PRIu64 " opened (%u open)",
	    c->addr, s->key_id, srv->nstreams);
	if (stream_page(s, res, after, 1) == 0)
		stream_maybe_ask(s);
 out:
	if (q != NULL) {
		explicit_bzero(q, sizeof(*q));
		free(q);
	}
}

/* The monitor refused a later page (a rate, storage): end the stream. */
static void
stream_end(struct stream *s, const struct msg_api_res *res)
{
	struct evhttp_request	*req = s->req;
	struct conn		*c = s->conn;

	log_info("%s: events stream of key %" PRIu64 " ended: %u %s: %s",
	    c->addr, s->key_id, res->status, res->code, res->message);
	stream_forget(s);
	evhttp_send_reply_end(req);
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
}

void
http_stream_result(struct http_server *srv, struct pending *p,
    const struct msg_api_res *res)
{
	struct stream	*s = p->stream;

	if (s == NULL) {
		stream_open(srv, p->conn, p->req, p->q, p->after, res);
		p->q = NULL;
		return;
	}
	s->asking = 0;
	if (res->status != 200) {
		stream_end(s, res);
		return;
	}
	if (stream_page(s, res, 0, 0) == 0)
		stream_maybe_ask(s);
}

void
http_event(struct http_server *srv, const struct herald_event *e)
{
	struct stream	*s, *next;
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	TAILQ_FOREACH_SAFE(s, &srv->streams, entry, next) {
		/* Still catching up: the next page holds this one too. */
		if (s->asking || s->more || !stream_admits(s, e))
			continue;
		stream_format(buf, e);
		s->last = e->id;
		(void)stream_write(s, buf);
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	evbuffer_free(buf);
}

/* A comment line on every stream; a client that fell behind is dropped. */
static void
stream_heartbeat(evutil_socket_t fd, short ev, void *arg)
{
	struct http_server	*srv = arg;
	struct stream		*s, *next;
	struct evbuffer		*buf;

	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	TAILQ_FOREACH_SAFE(s, &srv->streams, entry, next) {
		if (evbuffer_add(buf, ": keep-alive\n\n", 14) == -1)
			fatalx("evbuffer_add");
		if (stream_write(s, buf) == 0)
			stream_maybe_ask(s);
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	evbuffer_free(buf);
	timer_set(srv->ev_heartbeat, srv->scfg.heartbeat);
}

/* The connection is closing or freed: its stream goes with it. */
void
http_stream_gone(struct conn *c, int req_alive)
{
	struct stream	*s = c->stream;

	if (s == NULL)
		return;
	log_info("%s: events stream of key %" PRIu64 " closed", c->addr,
	    s->key_id);
	/* evhttp let go of a request still being answered: ours to free. */
	if (req_alive && evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	stream_forget(s);
}

void
http_stream_config(struct http_server *srv, const struct msg_stream_config *sc)
{
	srv->scfg = *sc;
	if (srv->ev_heartbeat == NULL && (srv->ev_heartbeat =
	    evtimer_new(srv->base, stream_heartbeat, srv)) == NULL)
		fatalx("evtimer_new");
	evtimer_del(srv->ev_heartbeat);
	timer_set(srv->ev_heartbeat, srv->scfg.heartbeat);
}
