/*
 * The net process: unprivileged, chrooted, sandboxed.  It is the only
 * process that parses bytes from clients (TLS, HTTP/1.1, JSON).
 *
 * Start-up, in the order the monitor sends it: INIT, the key-operation
 * channel, the certificate chain, the client CA, the limits, the
 * listening sockets.  Then the TLS context and the HTTP server are built,
 * the process locks itself down, and serves.  Requests that need a
 * decision go to the monitor as API_REQ; its API_RES comes back here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "child.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "net.h"
#include "tls.h"

#define NET_MAX_LISTENERS	16

struct net_listener {
	int		fd;
	struct msg_listener addr;
};

static struct net_listener	net_listeners[NET_MAX_LISTENERS];
static size_t			net_nlisteners;
static struct child		net_child;
static struct ipc_chan		net_keyop;
static struct http_server	*net_http;
/* The client CA bundle, kept for a new context after a reload. */
static uint8_t			*net_ca;
static size_t			 net_calen;

static void	net_handle_api_res(struct child *, struct ipc_msg *);
static void	net_handle_ban(struct child *, struct ipc_msg *);
static void	net_handle_config(struct child *, struct ipc_msg *);
static void	net_handle_stream_config(struct child *, struct ipc_msg *);
static void	net_handle_event(struct child *, struct ipc_msg *);
static void	net_handle_renew(struct child *, struct ipc_msg *);

/*
 * Every message the monitor sends net (msg.h), and when: start-up reads
 * its messages in order (net_main), the event loop serves the rest.  A
 * type not listed, or not in net's state, is fatal.
 */
const struct child_dispatch net_dispatch[] = {
	{ MSG_INIT,		CS_START,	NULL,	NULL },
	{ MSG_KEYOP_CHANNEL,	CS_START,	NULL,	NULL },
	{ MSG_TLS_CERT,		CS_START,	NULL,	NULL },
	{ MSG_TLS_CA,		CS_START,	NULL,	NULL },
	{ MSG_NET_CONFIG,	CS_START | NS_RUNNING, net_handle_config, NULL },
	{ MSG_STREAM_CONFIG,	CS_START | NS_RUNNING, net_handle_stream_config,
	    NULL },
	{ MSG_LISTENER,		CS_START,	NULL,	NULL },
	{ MSG_LOG_LEVEL,	NS_RUNNING,	child_handle_log_level, NULL },
	{ MSG_SHUTDOWN,		NS_RUNNING,	child_handle_shutdown, NULL },
	{ MSG_API_RES,		NS_RUNNING,	net_handle_api_res, NULL },
	{ MSG_API_RES_BATCH,	NS_RUNNING,	child_handle_batch, NULL },
	{ MSG_BAN,		NS_RUNNING,	net_handle_ban,	NULL },
	{ MSG_EVENT,		NS_RUNNING,	net_handle_event, NULL },
	{ MSG_EVENT_BATCH,	NS_RUNNING,	child_handle_batch, NULL },
	{ MSG_TLS_RENEW,	NS_RUNNING,	net_handle_renew, NULL },
	{ MSG_SIGN_RES,		0,		NULL,
	    "SIGN_RES belongs on the key-operation channel (tls.c)" },
	{ MSG_NONE,		0,		NULL,	NULL }
};

/*
 * The requests of a loop turn, for the monitor: one API_REQ_BATCH
 * (a lone request as a plain API_REQ) sent by net_flush_api() once the
 * turn's other callbacks have run, so that net and the monitor pay one
 * send, one receive and one wake-up for all of them.
 */
static struct msg_batch	 net_reqs;
static struct event	*net_ev_flush;

static void
net_flush_api(evutil_socket_t fd, short ev, void *arg)
{
	if (msg_batch_send(&net_child.chan, &net_reqs) == -1)
		fatal("send %u requests to the monitor", net_reqs.n);
}

static int
net_send_api(uint32_t id, const struct msg_api_req *q)
{
	static uint8_t	 buf[MSG_MAX];
	size_t		 n;

	n = msg_api_req_encode(buf, sizeof(buf), q);
	if (msg_batch_add(&net_reqs, id, buf, n) == -1) {
		net_flush_api(-1, 0, NULL);
		if (msg_batch_add(&net_reqs, id, buf, n) == -1)
			fatalx("a request does not fit an empty batch");
	}
	explicit_bzero(buf, n);
	/* Queued behind every callback already active in this turn. */
	event_active(net_ev_flush, EV_TIMEOUT, 0);
	return 0;
}

static void
net_handle_api_res(struct child *c, struct ipc_msg *m)
{
	static struct msg_api_res	 res;
	const char			*why;

	if (msg_api_res_decode(m, &res, &why) == -1)
		fatalx("monitor sent a bad API_RES: %s", why);
	http_api_result(net_http, m->hdr.id, &res);
}

static void
net_handle_ban(struct child *c, struct ipc_msg *m)
{
	struct msg_ban	 b;
	const char	*why;

	if (msg_ban_decode(m, &b, &why) == -1)
		fatalx("monitor sent a bad BAN: %s", why);
	http_ban(net_http, &b);
}

static void
net_handle_config(struct child *c, struct ipc_msg *m)
{
	struct msg_net_config	 nc;
	const char		*why;

	if (msg_net_config_decode(m, &nc, &why) == -1)
		fatalx("monitor sent a bad NET_CONFIG: %s", why);
	http_set_config(net_http, &nc);
}

static void
net_handle_stream_config(struct child *c, struct ipc_msg *m)
{
	struct msg_stream_config sc;
	const char		*why;

	if (msg_stream_config_decode(m, &sc, &why) == -1)
		fatalx("monitor sent a bad STREAM_CONFIG: %s", why);
	http_stream_config(net_http, &sc);
}

static void
net_handle_event(struct child *c, struct ipc_msg *m)
{
	static struct herald_event	 e;
	const char			*why;

	if (msg_event_decode(m, &e, &why) == -1)
		fatalx("monitor sent a bad EVENT: %s", why);
	http_event(net_http, &e);
}

/*
 * A reload put a new certificate and key in force: new handshakes use
 * a new context; connections open keep theirs (each SSL holds its own
 * reference).  A chain that does not build leaves the one in force.
 */
static void
net_handle_renew(struct child *c, struct ipc_msg *m)
{
	const uint8_t	*chain;
	const char	*why;
	char		 err[512];
	uint32_t	 id;
	size_t		 len;
	SSL_CTX		*ctx;

	if (msg_tls_renew_decode(m, &id, &chain, &len, &why) == -1)
		fatalx("monitor sent a bad TLS_RENEW: %s", why);
	if ((ctx = tls_ctx_renew(chain, len, net_calen ? net_ca : NULL,
	    net_calen, &net_keyop, id, err, sizeof(err))) == NULL) {
		log_warnx("TLS: the new certificate chain is refused: %s; "
		    "new connections keep the certificate in force", err);
		return;
	}
	http_set_ctx(net_http, ctx);
	log_info("TLS: new connections get the new certificate (key id %u)",
	    id);
}

/* The certificate chain and CA bundle, copied out of the IPC buffer. */
static uint8_t *
net_receive_blob(struct child *c, uint32_t type, size_t *lenp)
{
	struct ipc_msg	 m;
	const uint8_t	*p;
	uint8_t		*copy;
	const char	*why;

	child_expect(c, type, &m);
	if (msg_blob_decode(&m, &p, lenp, &why) == -1)
		fatalx("monitor sent a bad %s: %s", msg_name(type), why);
	if ((copy = malloc(*lenp + 1)) == NULL)
		fatal("malloc");
	memcpy(copy, p, *lenp);
	return copy;
}

/*
 * bufferevents switch read and write interest on and off around every
 * request; with epoll's changelist those changes are folded into one
 * epoll_ctl per descriptor and loop turn, or none when they cancel out.
 */
static struct event_base *
net_event_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == -1 ||
	    (base = event_base_new_with_config(cfg)) == NULL)
		fatalx("event_base_new_with_config");
	event_config_free(cfg);
	return base;
}

/* Everything TLS needs, built before the sandbox goes on. */
static SSL_CTX *
net_setup_tls(struct child *c)
{
	struct ipc_msg	 m;
	SSL_CTX		*ctx;
	uint8_t		*chain;
	size_t		 chainlen;

	child_expect(c, MSG_KEYOP_CHANNEL, &m);
	ipc_chan_init(&net_keyop, m.fd, MSG_MAX, "monitor keyop");
	chain = net_receive_blob(c, MSG_TLS_CERT, &chainlen);
	net_ca = net_receive_blob(c, MSG_TLS_CA, &net_calen);
	ctx = tls_ctx_new(chain, chainlen, net_calen ? net_ca : NULL,
	    net_calen, &net_keyop);
	free(chain);
	return ctx;
}

static void
net_receive_listeners(struct child *c)
{
	struct net_listener	*l;
	struct ipc_msg		 m;
	const char		*why;

	if (c->init.nlisteners > NET_MAX_LISTENERS)
		fatalx("monitor sent %u listeners, at most %d",
		    c->init.nlisteners, NET_MAX_LISTENERS);
	while (net_nlisteners < c->init.nlisteners) {
		l = &net_listeners[net_nlisteners];
		child_expect(c, MSG_LISTENER, &m);
		l->fd = m.fd;
		if (msg_listener_decode(&m, &l->addr, &why) == -1)
			fatalx("monitor sent a bad LISTENER: %s", why);
		net_nlisteners++;
	}
}

void
net_main(void)
{
	struct child		*c = &net_child;
	struct msg_net_config	 nc;
	struct msg_stream_config sc;
	struct ipc_msg		 m;
	const char		*why;
	SSL_CTX			*ctx;
	int			 fds[NET_MAX_LISTENERS];
	size_t			 i;

	child_start(c, PROC_NET, net_dispatch);
	/* OpenSSL reads its configuration and error strings now or never. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1)
		fatalx("OPENSSL_init_ssl");
	ctx = net_setup_tls(c);
	child_expect(c, MSG_NET_CONFIG, &m);
	if (msg_net_config_decode(&m, &nc, &why) == -1)
		fatalx("monitor sent a bad NET_CONFIG: %s", why);
	child_expect(c, MSG_STREAM_CONFIG, &m);
	if (msg_stream_config_decode(&m, &sc, &why) == -1)
		fatalx("monitor sent a bad STREAM_CONFIG: %s", why);
	net_receive_listeners(c);

	c->base = net_event_base();
	/* From now on handshakes pause while the monitor signs. */
	tls_async_start(c->base, &net_keyop);
	msg_batch_init(&net_reqs, MSG_API_REQ_BATCH);
	if ((net_ev_flush = event_new(c->base, -1, 0, net_flush_api,
	    NULL)) == NULL)
		fatalx("event_new");
	for (i = 0; i < net_nlisteners; i++)
		fds[i] = net_listeners[i].fd;
	net_http = http_start(c->base, fds, net_nlisteners, ctx, &nc,
	    net_send_api);
	http_stream_config(net_http, &sc);

	child_lockdown(c);
	log_info("ready: %zu listener%s, sandboxed", net_nlisteners,
	    net_nlisteners == 1 ? "" : "s");
	child_loop(c, NS_RUNNING);
}
