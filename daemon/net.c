/*
 * The net process: unprivileged, chrooted, sandboxed.  It is the only
 * process that will parse bytes from clients (TLS, HTTP/1.1, JSON).  At
 * this stage it receives its listening sockets from the monitor, locks
 * itself down and serves the monitor's channel.
 */
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "child.h"
#include "log.h"
#include "msg.h"
#include "net.h"

#define NET_MAX_LISTENERS	16

struct net_listener {
	int		fd;
	struct msg_listener addr;
};

static struct net_listener	net_listeners[NET_MAX_LISTENERS];
static size_t			net_nlisteners;

static const struct child_dispatch net_dispatch[] = {
	{ MSG_LOG_LEVEL,	child_handle_log_level },
	{ MSG_SHUTDOWN,		child_handle_shutdown },
	{ MSG_NONE,		NULL }
};

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
	struct child	 c;

	child_start(&c, PROC_NET);
	net_receive_listeners(&c);

	/* Library state that would need files or syscalls later. */
	if ((c.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1)
		fatalx("OPENSSL_init_ssl");

	child_lockdown(&c);
	c.dispatch = net_dispatch;
	log_info("ready: %zu listener%s, sandboxed", net_nlisteners,
	    net_nlisteners == 1 ? "" : "s");
	child_loop(&c);
}
