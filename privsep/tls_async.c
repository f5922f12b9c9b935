/*
 * Handshakes net drives itself, so that it serves every other connection
 * while the monitor signs for one.  See tls.h.
 *
 * An SSL in SSL_MODE_ASYNC runs SSL_do_handshake() inside an OpenSSL
 * ASYNC_JOB.  The key methods of tls.c, called in that job, hand their
 * SIGN_REQ to tls_async_sign(), which queues it and ASYNC_pause_job()s:
 * SSL_do_handshake() returns SSL_ERROR_WANT_ASYNC, the event loop goes
 * on, and the monitor's SIGN_RES, read here from the key-operation
 * channel, makes the handshake step again, which resumes the job where
 * it paused.  bufferevent_openssl takes SSL_ERROR_WANT_ASYNC for a
 * failure, so it gets the connection only once its handshake is over
 * (http_conn.c); SSL_MODE_ASYNC is turned off then, so that the
 * connection's reads and writes do not each start a job.
 *
 * Signature requests wait in net, one queue per source (http.c's
 * source key), and go to the monitor round-robin across the sources
 * with at most TLS_KEYOP_INFLIGHT in the monitor at once: a source
 * that floods net with handshakes waits behind its own, and another
 * source's handshake is signed after at most one request of each
 * source queued before it (issue 12).  A handshake that ends while its
 * request waits (the connection closed, its handshake timed out) takes
 * the request out of its queue; one already with the monitor is
 * forgotten when its answer comes.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/async.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ipc.h"
#include "log.h"
#include "msg.h"
#include "privsep.h"
#include "tls.h"

enum sign_state {
	SIGN_QUEUED,		/* in its source's queue */
	SIGN_SENT,		/* with the monitor */
	SIGN_DONE		/* answered */
};

struct tls_src;

/*
 * One signature a handshake waits for.  The answer is decoded straight
 * into the paused job's own structure (res, NULL once abandoned); the
 * request is kept (req, reqlen bytes) only while it waits in a queue.
 */
struct tls_sign {
	TAILQ_ENTRY(tls_sign)	 entry;		/* its queue, or tk.sent */
	struct tls_src		*src;		/* while queued */
	struct tls_hs		*hs;		/* NULL once abandoned */
	struct msg_sign_res	*res;		/* NULL once abandoned */
	enum sign_state		 state;
	uint32_t		 id;
	size_t			 reqlen;
	uint8_t			 req[];		/* SIGN_REQ payload */
};
TAILQ_HEAD(tls_signs, tls_sign);

/* A source with requests queued, in the ring. */
struct tls_src {
	TAILQ_ENTRY(tls_src)	 entry;
	char			 addr[ADDR_STR_MAX];
	struct tls_signs	 queue;
};
TAILQ_HEAD(tls_srcs, tls_src);

struct tls_hs {
	struct event_base	*base;
	SSL			*ssl;
	struct event		*ev;
	short			 what;		/* what ev waits for */
	int			 fd;
	char			 src[ADDR_STR_MAX];
	tls_hs_done_fn		 done;
	void			*arg;
	struct tls_sign		*sign;		/* the one it waits for */
};

static struct {
	struct ipc_chan		*chan;		/* NULL: not started */
	struct event		*ev;
	struct tls_srcs		 ring;
	struct tls_signs	 sent;
	unsigned		 inflight;
	struct tls_hs		*current;	/* in SSL_do_handshake() */
} tk = { .ring = TAILQ_HEAD_INITIALIZER(tk.ring),
	 .sent = TAILQ_HEAD_INITIALIZER(tk.sent) };

int
tls_async_active(void)
{
	return tk.chan != NULL;
}

/* The queue of addr, made and put at the end of the ring if need be. */
static struct tls_src *
tls_src_get(const char *addr)
{
	struct tls_src	*s;

	TAILQ_FOREACH(s, &tk.ring, entry)
		if (strcmp(s->addr, addr) == 0)
			return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	strlcpy(s->addr, addr, sizeof(s->addr));
	TAILQ_INIT(&s->queue);
	TAILQ_INSERT_TAIL(&tk.ring, s, entry);
	return s;
}

/* Take a queued request out; its source leaves the ring when empty. */
static void
tls_src_remove(struct tls_sign *sg)
{
	struct tls_src	*s = sg->src;

	TAILQ_REMOVE(&s->queue, sg, entry);
	sg->src = NULL;
	if (TAILQ_EMPTY(&s->queue)) {
		TAILQ_REMOVE(&tk.ring, s, entry);
		free(s);
	}
}

/* Hand req to the monitor for sg. */
static void
tls_async_send(struct tls_sign *sg, const uint8_t *req, size_t reqlen)
{
	sg->id = tls_keyop_id();
	if (ipc_send(tk.chan, MSG_SIGN_REQ, sg->id, -1, req, reqlen) == -1)
		fatal("key operation: send to the monitor");
	sg->state = SIGN_SENT;
	TAILQ_INSERT_TAIL(&tk.sent, sg, entry);
	tk.inflight++;
}

/* Send what the monitor may take now: the next source's next request. */
static void
tls_async_dispatch(void)
{
	struct tls_src	*s;
	struct tls_sign	*sg;

	while (tk.inflight < TLS_KEYOP_INFLIGHT &&
	    (s = TAILQ_FIRST(&tk.ring)) != NULL) {
		sg = TAILQ_FIRST(&s->queue);
		/* The source goes to the back of the ring. */
		TAILQ_REMOVE(&tk.ring, s, entry);
		TAILQ_INSERT_TAIL(&tk.ring, s, entry);
		tls_src_remove(sg);
		tls_async_send(sg, sg->req, sg->reqlen);
	}
}

int
tls_async_sign(const uint8_t *req, size_t reqlen, struct msg_sign_res *res)
{
	struct tls_hs	*hs = tk.current;
	struct tls_sign	*sg;
	int		 queue;

	if (hs == NULL || ASYNC_get_current_job() == NULL) {
		log_warnx("key operation: a handshake net does not drive");
		return -1;
	}
	if (reqlen > TLS_SIGN_REQ_MAX)
		fatalx("key operation: request of %zu bytes", reqlen);
	/*
	 * With nothing queued and room in the monitor it goes at once, as
	 * the ring would send it: no copy, no queue.
	 */
	queue = !TAILQ_EMPTY(&tk.ring) || tk.inflight >= TLS_KEYOP_INFLIGHT;
	if ((sg = calloc(1, sizeof(*sg) + (queue ? reqlen : 0))) == NULL)
		fatal("calloc");
	sg->hs = hs;
	sg->res = res;
	hs->sign = sg;
	if (queue) {
		memcpy(sg->req, req, reqlen);
		sg->reqlen = reqlen;
		sg->state = SIGN_QUEUED;
		sg->src = tls_src_get(hs->src);
		TAILQ_INSERT_TAIL(&sg->src->queue, sg, entry);
		tls_async_dispatch();
	} else
		tls_async_send(sg, req, reqlen);
	/* Only tls_async_answer() and tls_hs_free() resume this job. */
	while (sg->state != SIGN_DONE && sg->hs != NULL)
		if (ASYNC_pause_job() != 1)
			fatalx("key operation: ASYNC_pause_job");
	if (sg->hs == NULL) {
		/* Abandoned: one with the monitor waits for its answer. */
		if (sg->state == SIGN_QUEUED)
			tls_src_remove(sg);
		if (sg->state != SIGN_SENT)
			free(sg);
		return -1;
	}
	hs->sign = NULL;
	free(sg);
	return 0;
}

/* The monitor's answer to a request sent by tls_async_dispatch(). */
static void
tls_async_answer(const struct ipc_msg *m)
{
	struct tls_sign	*sg;
	const char	*why;

	TAILQ_FOREACH(sg, &tk.sent, entry)
		if (sg->id == m->hdr.id)
			break;
	if (sg == NULL) {
		log_warnx("key operation: dropped an answer to no request "
		    "(id %u)", m->hdr.id);
		return;
	}
	TAILQ_REMOVE(&tk.sent, sg, entry);
	tk.inflight--;
	sg->state = SIGN_DONE;
	if (sg->res != NULL &&
	    msg_sign_res_decode(m, sg->res, &why) == -1) {
		log_warnx("key operation: bad SIGN_RES from the monitor: %s",
		    why);
		memset(sg->res, 0, sizeof(*sg->res));
	}
	if (sg->hs == NULL)
		free(sg);
	else
		event_active(sg->hs->ev, EV_TIMEOUT, 0);
	tls_async_dispatch();
}

static void
tls_async_readable(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_msg	 m;
	const char	*why;

	for (;;) {
		switch (ipc_recv(tk.chan, &m, &why)) {
		case IPC_AGAIN:
			return;
		case IPC_EOF:
			fatalx("key operation: the monitor closed the channel");
		case IPC_ERROR:
			fatalx("key operation: bad message from the monitor: "
			    "%s", why);
		}
		if (m.hdr.type != MSG_SIGN_RES)
			fatalx("key operation: monitor sent %s: only SIGN_RES "
			    "belongs on the key-operation channel",
			    msg_name(m.hdr.type));
		if (msg_accept(PROC_NET, PROC_MONITOR, &m, &why) == -1)
			fatalx("key operation: monitor sent %s: %s",
			    msg_name(m.hdr.type), why);
		tls_async_answer(&m);
	}
}

void
tls_async_start(struct event_base *base, struct ipc_chan *chan)
{
	int	 fl;

	if ((fl = fcntl(chan->fd, F_GETFL)) == -1 ||
	    fcntl(chan->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fatal("fcntl key-operation channel");
	tk.chan = chan;
	if ((tk.ev = event_new(base, chan->fd, EV_READ | EV_PERSIST,
	    tls_async_readable, NULL)) == NULL ||
	    event_add(tk.ev, NULL) == -1)
		fatalx("event_add key-operation channel");
}

/* --- handshakes ---------------------------------------------------------- */

static void	tls_hs_step(evutil_socket_t, short, void *);

/*
 * Wait for what (EV_READ or EV_WRITE) on the socket.  Reading is one
 * persistent edge-triggered event, added once for the whole handshake:
 * OpenSSL asks for more only after a read found the socket empty, so
 * the next bytes make an edge, and while the job waits for the monitor
 * bytes that come make one call at most (the job just pauses again).
 * A level-triggered event would be taken out of epoll each time it
 * fires and put back for the next flight, two epoll_ctl per handshake.
 * Writing, which only a full socket buffer asks for, waits once.
 */
static void
tls_hs_wait(struct tls_hs *hs, short what)
{
	short	 ev = what == EV_READ ? EV_READ | EV_ET | EV_PERSIST : what;

	if (hs->what == ev && event_pending(hs->ev, what, NULL))
		return;
	event_del(hs->ev);
	if (event_assign(hs->ev, hs->base, hs->fd, ev, tls_hs_step,
	    hs) == -1 || event_add(hs->ev, NULL) == -1)
		fatalx("event_add handshake");
	hs->what = ev;
}

/* One step of the handshake: after I/O, or after the monitor signed. */
static void
tls_hs_step(evutil_socket_t fd, short what, void *arg)
{
	struct tls_hs	*hs = arg;
	char		 buf[256];
	unsigned long	 e;
	int		 r;

	tk.current = hs;
	ERR_clear_error();
	r = SSL_do_handshake(hs->ssl);
	tk.current = NULL;
	if (r == 1) {
		SSL_clear_mode(hs->ssl, SSL_MODE_ASYNC);
		hs->done(hs->arg, 1);		/* may free hs */
		return;
	}
	switch (SSL_get_error(hs->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		tls_hs_wait(hs, EV_READ);
		return;
	case SSL_ERROR_WANT_WRITE:
		tls_hs_wait(hs, EV_WRITE);
		return;
	case SSL_ERROR_WANT_ASYNC:
		/* tls_async_answer() activates hs->ev. */
		return;
	default:
		if ((e = ERR_get_error()) != 0) {
			ERR_error_string_n(e, buf, sizeof(buf));
			log_debug("%s: TLS handshake failed: %s", hs->src,
			    buf);
		} else
			log_debug("%s: TLS handshake failed", hs->src);
		ERR_clear_error();
		hs->done(hs->arg, 0);		/* may free hs */
		return;
	}
}

struct tls_hs *
tls_hs_start(struct event_base *base, SSL *ssl, int fd, const char *src,
    tls_hs_done_fn done, void *arg)
{
	struct tls_hs	*hs;

	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		fatal("calloc");
	hs->base = base;
	hs->ssl = ssl;
	hs->fd = fd;
	strlcpy(hs->src, src, sizeof(hs->src));
	hs->done = done;
	hs->arg = arg;
	if ((hs->ev = event_new(base, -1, 0, tls_hs_step, hs)) == NULL)
		fatalx("event_new handshake");
	tls_hs_wait(hs, EV_READ);
	SSL_set_accept_state(ssl);
	SSL_set_mode(ssl, SSL_MODE_ASYNC);
	return hs;
}

void
tls_hs_free(struct tls_hs *hs)
{
	if (hs == NULL)
		return;
	if (hs->sign != NULL) {
		/* Its job is paused: let it end, the signature failed. */
		hs->sign->hs = NULL;
		hs->sign->res = NULL;
		hs->sign = NULL;
		ERR_clear_error();
		(void)SSL_do_handshake(hs->ssl);
		ERR_clear_error();
	}
	event_free(hs->ev);
	free(hs);
}
