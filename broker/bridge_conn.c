/*
 * The broker's connection to the EA.  See bridge_conn.h.
 *
 * Every frame from the EA is decoded by common/bridge.c before anything
 * looks at it; a frame that breaks the protocol (bad MAC, replay,
 * sequence gap, unknown or malformed key, oversized) drops the
 * connection with a line that says which, and changes nothing else.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge_conn.h"
#include "log.h"

static struct bridge_writer	bw;	/* one frame is built at a time */
static struct bridge_frame	bfr;

/* Deadlines: a step of the wall clock must not cut a wait short. */
static int64_t
mono_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
bconn_init(struct bconn *c, const struct bconn_host *h)
{
	memset(c, 0, sizeof(*c));
	c->host = *h;
	c->lfd = -1;
	c->fd = -1;
}

void
bconn_listen(struct bconn *c, int fd)
{
	if (c->lfd != -1)
		close(c->lfd);
	c->lfd = fd;
}

int
bconn_ready(const struct bconn *c)
{
	return c->state == BCONN_READY;
}

uint64_t
bconn_next_req(struct bconn *c)
{
	return ++c->req;
}

static void
status_send(struct bconn *c)
{
	uint8_t	buf[64 + 2 * API_STR_MAX];
	size_t	n;

	n = msg_bridge_status_encode(buf, sizeof(buf), &c->st);
	c->host.to_monitor(MSG_BRIDGE_STATUS, buf, n, c->host.arg);
}

void
bconn_drop(struct bconn *c, const char *why)
{
	int	was_ready = c->state == BCONN_READY;

	if (c->fd == -1)
		return;
	log_warnx("bridge: EA connection dropped: %s", why);
	bconn_tls_free(c);
	close(c->fd);
	c->fd = -1;
	c->state = BCONN_IDLE;
	c->rlen = 0;
	c->pings_out = 0;
	c->ping_sent = 0;
	bridge_session_wipe(&c->sess);
	c->st.connected = 0;
	c->st.since = c->now;
	strlcpy(c->st.why, why, sizeof(c->st.why));
	status_send(c);
	if (was_ready)
		c->host.up(0, why, c->host.arg);
}

/* Write all of buf before the deadline: 0, or -1 (dropped). */
static int
write_all(struct bconn *c, const uint8_t *buf, size_t len)
{
	struct pollfd	 pfd;
	int64_t		 end = mono_ms() + BCONN_CALL_MS, left;
	const char	*why;
	ssize_t		 n;

	while (len > 0) {
		c->want = POLLOUT;
		n = bconn_io_write(c, buf, len, &why);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (why != NULL || n == 0) {
			bconn_drop(c, why != NULL ? why : "write returned 0");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if ((left = end - mono_ms()) <= 0) {
			bconn_drop(c, "the EA does not read what is sent");
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = c->want;
		(void)poll(&pfd, 1, (int)left);
	}
	return 0;
}

/* Finish the frame in bw (or w) and send it: 0, or -1 (dropped). */
static int
send_frame(struct bconn *c, struct bridge_writer *w)
{
	size_t	len;

	if ((len = bridge_finish(w, &c->sess, BRIDGE_FROM_BROKER)) == 0)
		fatalx("bridge: a frame the broker built breaks the protocol");
	return write_all(c, w->buf, len);
}

/* ERROR reason=... (with req when non-zero), then drop. */
static void
refuse(struct bconn *c, uint64_t req, const char *reason, const char *why)
{
	bridge_begin(&bw, BRIDGE_ERROR);
	if (req != 0)
		bridge_put_u64(&bw, "req", req);
	bridge_put(&bw, "reason", reason);
	if (send_frame(c, &bw) == 0)
		bconn_drop(c, why);
}

static void
accept_one(struct bconn *c, int64_t now)
{
	struct bridge_session	 s;
	size_t			 len;
	int			 fd;

	if (c->lfd == -1)
		return;
	while ((fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (c->fd == -1) {
			c->fd = fd;
			c->state = BCONN_HELLO;
			c->since = now;
			c->rlen = 0;
			bridge_session_init(&c->sess);
			if (c->tls != NULL)
				bconn_tls_accept(c);
			log_info("bridge: an EA connected%s", c->tls != NULL ?
			    " (TLS)" : "");
			continue;
		}
		/* One EA at a time (over TLS it just goes: no handshake). */
		if (c->tls != NULL) {
			close(fd);
			log_warnx("bridge: a second EA connection refused: "
			    "one is already there");
			continue;
		}
		bridge_session_init(&s);
		bridge_begin(&bw, BRIDGE_ERROR);
		bridge_put(&bw, "reason", "busy");
		/* Best effort: the socket is new, its buffer empty. */
		if ((len = bridge_finish(&bw, &s, BRIDGE_FROM_BROKER)) > 0 &&
		    write(fd, bw.buf, len) != (ssize_t)len)
			log_debug("bridge: the busy EA did not hear why");
		close(fd);
		log_warnx("bridge: a second EA connection refused: one is "
		    "already there");
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
		log_warn("bridge: accept");
}

static void
on_hello(struct bconn *c, const struct bridge_frame *fr)
{
	struct msg_bridge_hello	 h;
	uint64_t		 version = 0;
	uint8_t			 buf[128 + BRIDGE_SERVER_MAX];
	size_t			 n;

	memset(&h, 0, sizeof(h));
	(void)bridge_u64(fr, "version", 0, &version);
	if (version != BRIDGE_VERSION) {
		refuse(c, 0, "bad_version", "the EA speaks another version "
		    "of the protocol");
		return;
	}
	if (bridge_u64(fr, "login", 0, &h.login) == -1 ||
	    bridge_str(fr, "server", 0, h.server, sizeof(h.server)) == -1 ||
	    bridge_hex32(fr, "nonce", 0, h.nonce) == -1 ||
	    bridge_str(fr, "ea", 0, h.ea, sizeof(h.ea)) == -1)
		fatalx("bridge: a checked HELLO lacks a key");
	c->st.login = h.login;
	snprintf(c->st.ea, sizeof(c->st.ea), "%s, %s", h.ea, h.server);
	c->state = BCONN_CHALLENGE;
	n = msg_bridge_hello_encode(buf, sizeof(buf), &h);
	c->host.to_monitor(MSG_BRIDGE_HELLO, buf, n, c->host.arg);
}

static void
on_pong(struct bconn *c, const struct bridge_frame *fr, int64_t now)
{
	uint64_t	t = 0, b = 0;

	(void)bridge_u64(fr, "t", 0, &t);
	if (t != c->ping_t) {
		bconn_drop(c, "a PONG for no PING");
		return;
	}
	c->pings_out = 0;
	c->st.rtt_ms = (uint32_t)(now - c->ping_sent);
	c->st.last_pong = now;
	(void)bridge_u64(fr, "trade_allowed", 0, &b);
	c->st.trade_allowed = b != 0;
	(void)bridge_u64(fr, "connected", 0, &b);
	c->st.terminal_connected = b != 0;
	status_send(c);
}

/*
 * A frame that came while no request waits: the handshake's, a PONG, an
 * EVENT.  Anything else is out of turn.  0, or -1 (dropped).
 */
static int
on_frame(struct bconn *c, const struct bridge_frame *fr, int64_t now)
{
	uint8_t	tag[BRIDGE_KEY_LEN];

	switch (fr->type) {
	case BRIDGE_HELLO:
		if (c->state != BCONN_HELLO)
			break;
		on_hello(c, fr);
		return c->fd == -1 ? -1 : 0;
	case BRIDGE_AUTH:
		if (c->state != BCONN_AUTH)
			break;
		(void)bridge_hex32(fr, "tag", 0, tag);
		c->state = BCONN_SESSION;
		c->host.to_monitor(MSG_BRIDGE_AUTH, tag, sizeof(tag),
		    c->host.arg);
		return 0;
	case BRIDGE_PONG:
		if (c->state != BCONN_READY)
			break;
		on_pong(c, fr, now);
		return c->fd == -1 ? -1 : 0;
	case BRIDGE_EVENT:
		if (c->state != BCONN_READY)
			break;
		/* A deal or an order the terminal reports on its own. */
		if (c->host.event != NULL)
			c->host.event(fr, c->host.arg);
		return 0;
	case BRIDGE_ERROR:
		bconn_drop(c, "the EA sent ERROR");
		return -1;
	default:
		break;
	}
	bconn_drop(c, c->state == BCONN_READY ? "the EA sent a frame out of "
	    "turn" : "the EA broke the handshake");
	return -1;
}

/*
 * Read what is there (wait at most ms) and decode one whole frame into
 * fr: 1 a frame, 0 none yet, -1 dropped.
 */
static int
read_frame(struct bconn *c, struct bridge_frame *fr, int ms)
{
	struct pollfd	 pfd;
	char		 why[BRIDGE_WHY_MAX + 32];
	const char	*ioerr;
	size_t		 plen, flen;
	ssize_t		 n;

	for (;;) {
		if (c->rlen >= BRIDGE_HDR_LEN) {
			if (bridge_hdr_decode(c->rbuf, &plen, why) == -1) {
				bconn_drop(c, why);
				return -1;
			}
			flen = BRIDGE_HDR_LEN + plen;
			if (c->rlen >= flen)
				break;
		}
		c->want = POLLIN;
		n = bconn_io_read(c, c->rbuf + c->rlen,
		    sizeof(c->rbuf) - c->rlen, &ioerr);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0) {
			bconn_drop(c, "the EA closed the connection");
			return -1;
		}
		if (ioerr != NULL) {
			bconn_drop(c, ioerr);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (ms <= 0)
			return 0;
		pfd.fd = c->fd;
		pfd.events = c->want;
		if (poll(&pfd, 1, ms) == 0)
			return 0;
		ms = 0;		/* the caller's clock decides the rest */
	}
	/* fr points into fbuf, valid until the next read_frame(). */
	memcpy(c->fbuf, c->rbuf, flen);
	memmove(c->rbuf, c->rbuf + flen, c->rlen - flen);
	c->rlen -= flen;
	if (bridge_decode(&c->sess, BRIDGE_FROM_EA, c->fbuf, flen, fr,
	    why) == -1) {
		/* The reason names the rule: MAC, sequence, key, value. */
		bconn_drop(c, why);
		return -1;
	}
	return 1;
}

static void
heartbeat(struct bconn *c, int64_t now)
{
	if (c->state != BCONN_READY ||
	    (c->ping_sent != 0 && now - c->ping_sent < BRIDGE_HEARTBEAT_MS))
		return;
	if (c->pings_out >= BCONN_PINGS_MISSED) {
		bconn_drop(c, "3 PINGs unanswered: the EA is gone");
		return;
	}
	c->ping_sent = now;
	c->ping_t = (uint64_t)now;
	c->pings_out++;
	bridge_begin(&bw, BRIDGE_PING);
	bridge_put_u64(&bw, "req", bconn_next_req(c));
	bridge_put_u64(&bw, "t", c->ping_t);
	(void)send_frame(c, &bw);
}

void
bconn_poll(struct bconn *c, int64_t now)
{
	const char	*why;
	int		 r;

	c->now = now;
	accept_one(c, now);
	while (c->fd != -1) {
		/* A handshake must not hold the one EA slot for ever. */
		if (c->state != BCONN_READY &&
		    now - c->since > BCONN_HANDSHAKE_MS) {
			bconn_drop(c, "no handshake within 10 s");
			return;
		}
		if (c->state == BCONN_TLS) {
			if ((r = bconn_tls_handshake(c, &why)) == -1)
				bconn_drop(c, why);
			if (r != 1)
				return;
		}
		if (read_frame(c, &bfr, 0) != 1)
			break;
		if (on_frame(c, &bfr, now) == -1)
			return;
	}
	if (c->fd != -1)
		heartbeat(c, now);
}

void
bconn_challenge(struct bconn *c, const struct msg_bridge_answer *a)
{
	if (c->state != BCONN_CHALLENGE)
		return;		/* the EA left meanwhile */
	if (!a->ok) {
		refuse(c, 0, a->reason, a->reason);
		return;
	}
	bridge_begin(&bw, BRIDGE_CHALLENGE);
	bridge_put_hex(&bw, "nonce", a->nonce, sizeof(a->nonce));
	bridge_put_hex(&bw, "tag", a->tag, sizeof(a->tag));
	if (send_frame(c, &bw) == 0)
		c->state = BCONN_AUTH;
}

void
bconn_session(struct bconn *c, const struct msg_bridge_answer *a,
    int64_t now)
{
	/* The monitor ends a session (the bridge key was rotated). */
	if (c->state == BCONN_READY && !a->ok) {
		refuse(c, 0, "key_rotated", a->reason);
		return;
	}
	if (c->state != BCONN_SESSION)
		return;
	if (!a->ok) {
		refuse(c, 0, a->reason, "the EA's key is not the bridge key");
		return;
	}
	bridge_session_key(&c->sess, a->nonce);
	bridge_begin(&bw, BRIDGE_READY);
	bridge_put_u64(&bw, "heartbeat", BRIDGE_HEARTBEAT_MS);
	bridge_put_u64(&bw, "max_frame", BRIDGE_PAYLOAD_MAX);
	if (send_frame(c, &bw) == -1)
		return;
	c->state = BCONN_READY;
	c->since = now;
	c->ping_sent = now;	/* the first PING a heartbeat from now */
	c->pings_out = 0;
	c->st.connected = 1;
	c->st.since = now;
	c->st.why[0] = '\0';
	log_info("bridge: EA ready (%s)", c->st.ea);
	status_send(c);
	c->host.up(1, "bridge", c->host.arg);
}

int
bconn_call(struct bconn *c, struct bridge_writer *w, uint64_t req,
    struct bridge_frame *ans, int *sent)
{
	int64_t		 end, now;
	uint64_t	 r;
	int		 got;

	*sent = 0;
	if (c->state != BCONN_READY)
		return -1;
	*sent = 1;
	if (send_frame(c, w) == -1)
		return -1;
	end = mono_ms() + BCONN_CALL_MS;
	for (;;) {
		/* The wall clock, for PONG times, moves as the wait does. */
		now = c->now + (mono_ms() - (end - BCONN_CALL_MS));
		if (mono_ms() >= end) {
			bconn_drop(c, "a request unanswered for 10 s");
			return -1;
		}
		if ((got = read_frame(c, ans, (int)(end - mono_ms()))) == -1)
			return -1;
		if (got == 0)
			continue;
		if (ans->type == BRIDGE_PONG || ans->type == BRIDGE_EVENT) {
			if (on_frame(c, ans, now) == -1)
				return -1;
			continue;
		}
		if (bridge_u64(ans, "req", 0, &r) == -1 || r != req) {
			bconn_drop(c, "an answer to no request");
			return -1;
		}
		return 0;
	}
}
