/*
 * The monitor: root parent of net and broker.  See monitor.h.
 *
 * Start-up: resolve the privsep user and the control group, open every
 * listening socket and the control socket, detach, spawn the children by
 * re-executing ourselves, hand each its descriptors, then confine the
 * monitor itself (capabilities, Landlock, its seccomp filter) and serve.
 *
 * Every message from a child passes msg_accept() (catalogue: sender,
 * addressee, size, descriptor) and then the monitor's dispatch table
 * (type, channel and state) before a handler sees it (peer.c).  Anything
 * else is fatal: the monitor stops both children and exits non-zero, so
 * the service manager restarts a clean daemon.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "audit.h"
#include "auth.h"
#include "bridgekey.h"
#include "bridgetls.h"
#include "certlive.h"
#include "config.h"
#include "control.h"
#include "keyop.h"
#include "landlock.h"
#include "log.h"
#include "monitor_int.h"
#include "msg.h"
#include "params.h"
#include "preflight.h"
#include "privsep.h"
#include "ready.h"
#include "reload.h"
#include "sanitize.h"
#include "trading.h"
#include "walbuf.h"

#define MON_LISTEN_BACKLOG	128
#define BROKER_NOFILE		64
#define MON_HEAP_KEEP		(32 * 1024 * 1024)	/* M_TRIM_THRESHOLD */
#define MON_HEAP_PAD		(4 * 1024 * 1024)	/* M_TOP_PAD */

struct monitor_state mon;

/* Environment overrides. */

static void
take_env_var(const char *name, char *dst, size_t dstsz, struct secret **sec)
{
	extern char	**environ;
	char		**e, *entry = NULL;
	size_t		  nlen = strlen(name);
	const char	 *val;

	for (e = environ; *e != NULL; e++) {
		if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=') {
			entry = *e;
			break;
		}
	}
	if (entry == NULL)
		return;
	val = entry + nlen + 1;
	if (sec != NULL)
		*sec = secret_new(val, strlen(val));
	else
		strlcpy(dst, val, dstsz);
	if (unsetenv(name) == -1)
		fatal("unsetenv %s", name);
	/*
	 * unsetenv() only drops the pointer: the bytes stay where
	 * /proc/PID/environ and a core dump would find them.
	 */
	explicit_bzero(entry, strlen(entry));
}

void
monitor_take_env(struct env_overrides *env)
{
	memset(env, 0, sizeof(*env));
	take_env_var("MT5_LOGIN", env->login, sizeof(env->login), NULL);
	take_env_var("MT5_SERVER", env->server, sizeof(env->server), NULL);
	take_env_var("MT5_PASSWORD", NULL, 0, &env->password);
}

void
monitor_apply_env(struct herald_conf *conf, const struct env_overrides *env,
    struct conf_errors *errs)
{
	if (env->login[0] != '\0') {
		if (strspn(env->login, "0123456789") != strlen(env->login) ||
		    strlen(env->login) > 20)
			config_error(errs, "MT5_LOGIN: expected up to 20 digits");
		else
			strlcpy(conf->mt5.login, env->login,
			    sizeof(conf->mt5.login));
	}
	if (env->server[0] != '\0')
		strlcpy(conf->mt5.server, env->server, sizeof(conf->mt5.server));
	if (env->tls_key[0] != '\0')
		strlcpy(conf->tls.key, env->tls_key, sizeof(conf->tls.key));
	if (env->password != NULL) {
		secret_free(conf->mt5.password);
		conf->mt5.password = secret_new(env->password->buf,
		    env->password->len);
	}
}

/* The values the log sanitiser masks follow the configuration. */
static void
monitor_set_masked(void)
{
	size_t	 n = 0;

	if (mon.conf->mt5.password != NULL) {
		mon.masked[n].value = mon.conf->mt5.password->buf;
		mon.masked[n++].len = mon.conf->mt5.password->len;
	}
	if (mon.conf->mt5.login[0] != '\0') {
		mon.masked[n].value = mon.conf->mt5.login;
		mon.masked[n++].len = strlen(mon.conf->mt5.login);
	}
	sanitize_set_values(mon.masked, n);
}

static int
monitor_log_level(void)
{
	return mon.verbose ? LOG_DEBUG : mon.conf->log.level;
}

/* Start-up. */

/*
 * The deploy gate (preflight.h), as heraldd -n runs it: every problem
 * logged, then refused, while the terminal still listens.
 */
static void
preflight_or_die(void)
{
	struct preflight_ids	 ids;
	struct conf_errors	 errs;
	size_t			 i, n;

	memset(&errs, 0, sizeof(errs));
	if ((n = preflight(mon.conf, &ids, &errs)) > 0) {
		for (i = 0; i + 1 < n; i++)
			log_warnx_pri(LOG_CRIT, "%s", errs.msg[i]);
		fatalx("%s", errs.msg[n - 1]);
	}
	mon.uid = ids.uid;
	mon.gid = ids.gid;
	mon.ctl_gid = ids.ctl_gid;
}

static int
open_listener(const struct conf_listen *l)
{
	struct addrinfo	 hints, *ai;
	char		 port[8];
	int		 fd, on = 1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof(port), "%u", l->port);
	if ((r = getaddrinfo(l->address, port, &hints, &ai)) != 0)
		fatalx("listen %s port %u: %s", l->address, l->port,
		    gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		fatal("listen %s port %u: socket", l->address, l->port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("setsockopt SO_REUSEADDR");
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		fatal("setsockopt IPV6_V6ONLY");
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		fatal("listen %s port %u: bind", l->address, l->port);
	if (listen(fd, MON_LISTEN_BACKLOG) == -1)
		fatal("listen %s port %u", l->address, l->port);
	freeaddrinfo(ai);
	return fd;
}

/* The EA's listener, mt5.bridge.address and port; the broker accepts. */
static int
open_bridge_listener(const struct herald_conf *conf)
{
	struct conf_listen	l;

	memset(&l, 0, sizeof(l));
	strlcpy(l.address, conf->mt5.bridge.address, sizeof(l.address));
	l.port = (uint16_t)conf->mt5.bridge.port;
	return open_listener(&l);
}

/*
 * Never through a link, never someone else's file, and never truncated
 * before we know it is ours and no running heraldd holds it: the lock
 * lives as long as the monitor.
 */
static void
write_pid_file(void)
{
	const char	*path = mon.pid_path;
	struct stat	 st;
	char		 buf[32];
	int		 fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		fatal("pid_file %s", path);
	if (fstat(fd, &st) == -1)
		fatal("pid_file %s: fstat", path);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1)
		fatalx("pid_file %s: not a regular file of root's with one "
		    "link (owner uid %u, %u links)", path,
		    (unsigned int)st.st_uid, (unsigned int)st.st_nlink);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		fatal("pid_file %s: held by a running heraldd", path);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || fchmod(fd, 0644) == -1 ||
	    write(fd, buf, n) != n)
		fatal("pid_file %s", path);
	mon.pid_fd = fd;
}

EVP_PKEY *
monitor_load_tls_key(const struct herald_conf *conf, char *err, size_t errlen)
{
	EVP_PKEY	*key;
	char		 why[512];

	if ((key = keyop_load(conf->tls.key, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "tls.key: %s", why);
		return NULL;
	}
	if (keyop_match_cert(key, conf->tls.certificate, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "tls.certificate: %s", why);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static void
send_blob(struct peer *p, uint32_t type, const uint8_t *data, size_t len)
{
	static uint8_t	 buf[MSG_MAX];
	size_t		 n;

	n = msg_blob_encode(buf, sizeof(buf), data, len);
	if (ipc_send(&p->chan, type, 0, -1, buf, n) == -1)
		fatal("send %s to net", msg_name(type));
}

/* The certificate chain and client CA net needs; never the key. */
static void
send_tls_files(struct peer *p)
{
	const uint8_t	*chain;
	uint8_t		*ca = NULL;
	size_t		 chainlen, calen = 0;
	char		 err[PATH_MAX + 128];

	chain = certlive_chain(&chainlen);
	if (mon.conf->tls.client_ca[0] != '\0' &&
	    (ca = certlive_read_public("tls.client_ca",
	    mon.conf->tls.client_ca, &calen, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	send_blob(p, MSG_TLS_CERT, chain, chainlen);
	send_blob(p, MSG_TLS_CA, ca, calen);
	free(ca);
}

int
monitor_keyop_pair(struct peer *child, struct peer *kp, unsigned int chan_id,
    const char *name)
{
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	kp->proc = child->proc;
	kp->pid = child->pid;
	kp->state = PS_RUNNING;
	kp->chan_id = chan_id;
	ipc_chan_init(&kp->chan, sv[0], MSG_MAX, name);
	return sv[1];
}

/*
 * A second socketpair for handshake signatures: net blocks on it inside
 * OpenSSL, so nothing else may travel there.
 */
static void
open_keyop_channel(struct peer *net)
{
	int	 fd;

	fd = monitor_keyop_pair(net, &mon.keyop, MON_CH_KEYOP, "net keyop");
	if (ipc_send(&net->chan, MSG_KEYOP_CHANNEL, 0, fd, NULL, 0) == -1)
		fatal("send KEYOP_CHANNEL to net");
	close(fd);
}

static void
net_config_from(const struct herald_conf *c, struct msg_net_config *nc)
{
	memset(nc, 0, sizeof(*nc));
	nc->header_bytes = c->limits.header_bytes;
	nc->header_count = c->limits.header_count;
	nc->body_bytes = c->limits.body_bytes;
	nc->request_line = c->limits.request_line;
	nc->header_timeout = c->limits.header_timeout;
	nc->body_timeout = c->limits.body_timeout;
	nc->idle_timeout = c->limits.idle_timeout;
	nc->connections = c->limits.connections;
	nc->connections_per_source = c->limits.connections_per_source;
	nc->output_buffer = (uint32_t)c->limits.output_buffer;
	nc->rate_window = c->rate_limit.window;
	nc->rate_per_source = c->rate_limit.per_source;
	nc->ipv6_prefix = (uint32_t)c->rate_limit.ipv6_prefix;
	nc->nexempt = (uint8_t)c->rate_limit.nexempt;
	memcpy(nc->exempt, c->rate_limit.exempt, c->rate_limit.nexempt *
	    sizeof(nc->exempt[0]));
}

/* events.*: net holds the streams of GET /v1/events (right after NET_CONFIG). */
static void
send_stream_config(struct peer *p)
{
	struct msg_stream_config sc;
	uint8_t			 buf[32];
	size_t			 n;

	memset(&sc, 0, sizeof(sc));
	sc.streams = (uint32_t)mon.conf->events.streams;
	sc.streams_per_key = (uint32_t)mon.conf->events.streams_per_key;
	sc.buffer = (uint32_t)mon.conf->events.stream_buffer;
	sc.heartbeat = (uint32_t)mon.conf->events.heartbeat;
	n = msg_stream_config_encode(buf, sizeof(buf), &sc);
	if (ipc_send(&p->chan, MSG_STREAM_CONFIG, 0, -1, buf, n) == -1 &&
	    !mon.stopping)
		log_warn("send STREAM_CONFIG to net");
}

static void
send_net_config(struct peer *p)
{
	struct msg_net_config	 nc;
	uint8_t			 buf[128 + 18 * SRC_NETS_MAX];
	size_t			 n;

	net_config_from(mon.conf, &nc);
	n = msg_net_config_encode(buf, sizeof(buf), &nc);
	if (ipc_send(&p->chan, MSG_NET_CONFIG, 0, -1, buf, n) == -1 &&
	    !mon.stopping)
		log_warn("send NET_CONFIG to net");
	send_stream_config(p);
}

/* auth.c bans or frees a source: net refuses it at once. */
static void
monitor_ban(const char *address, uint32_t seconds)
{
	struct peer	*net = &mon.peers[PROC_NET];
	struct msg_ban	 b;
	uint8_t		 buf[8 + ADDR_STR_MAX];
	size_t		 n;

	if (net->pid <= 0 || mon.stopping)
		return;
	memset(&b, 0, sizeof(b));
	strlcpy(b.address, address, sizeof(b.address));
	b.seconds = seconds;
	n = msg_ban_encode(buf, sizeof(buf), &b);
	if (ipc_send(&net->chan, MSG_BAN, 0, -1, buf, n) == -1)
		log_warn("send BAN to net");
}

/*
 * fork and re-exec ourselves as `proc': descriptor 3 is the child's end
 * of a SEQPACKET socketpair, 0-2 are /dev/null, nothing else is open and
 * the environment is empty.  The make check-sanitize build alone keeps
 * the monitor's stderr, where the sanitizers' reports are read.
 */
#ifdef HERALD_SANITIZE
#define CHILD_STDERR(devnull)	STDERR_FILENO
#else
#define CHILD_STDERR(devnull)	(devnull)
#endif

static void
spawn_child(struct peer *p, enum herald_proc proc,
    unsigned int chan_id)
{
	char	*const argv[] = { "heraldd", "-P", (char *)proc_name(proc),
		    NULL };
	char	*const envp[] = { NULL };
	int	 sv[2], devnull;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		/*
		 * A session of its own: a ^C or hangup on heraldd -d's
		 * terminal is for the monitor, which stops the children.
		 */
		if (setsid() == -1 ||
		    (devnull = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
		    dup2(CHILD_STDERR(devnull), 2) == -1 ||
		    dup2(sv[1], 3) == -1)
			_exit(127);
		if (close_range(4, ~0U, 0) == -1)
			_exit(127);
		/*
		 * The binary we run from, not whatever its path names by
		 * now: the child is root until it drops privileges.
		 */
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	p->proc = proc;
	p->pid = pid;
	p->state = PS_STARTING;
	p->chan_id = chan_id;
	ipc_chan_init(&p->chan, sv[0], MSG_MAX, proc_name(proc));
}

static void
send_init(struct peer *p, rlim_t nofile, size_t nlisteners)
{
	struct msg_init	 in;
	uint8_t		 buf[MSG_MAX];
	size_t		 n;

	memset(&in, 0, sizeof(in));
	in.uid = mon.uid;
	in.gid = mon.gid;
	strlcpy(in.chroot, mon.conf->privsep.chroot, sizeof(in.chroot));
	in.nofile = (uint32_t)nofile;
	in.seccomp_debug = mon.conf->privsep.seccomp_debug ? 1 : 0;
	in.log_level = (uint8_t)monitor_log_level();
	in.nlisteners = (uint8_t)nlisteners;
	n = msg_init_encode(buf, sizeof(buf), &in);
	if (ipc_send(&p->chan, MSG_INIT, 0, -1, buf, n) == -1)
		fatal("send INIT to %s", p->chan.peer);
}

/* The listening sockets go to net; the monitor keeps no copy. */
static void
send_listeners(struct peer *p)
{
	struct msg_listener	 l;
	uint8_t			 buf[MSG_MAX];
	size_t			 i, n;

	for (i = 0; i < mon.conf->nlisten; i++) {
		memset(&l, 0, sizeof(l));
		l.port = mon.conf->listen[i].port;
		strlcpy(l.address, mon.conf->listen[i].address,
		    sizeof(l.address));
		n = msg_listener_encode(buf, sizeof(buf), &l);
		if (ipc_send(&p->chan, MSG_LISTENER, 0, mon.listen_fd[i],
		    buf, n) == -1)
			fatal("send LISTENER to net");
		close(mon.listen_fd[i]);
		mon.listen_fd[i] = -1;
	}
}

/* Children. */


/* Lifecycle. */

void
monitor_shutdown(int code)
{
	struct peer	*p;
	int		 i, status;

	mon.stopping = 1;
	ready_stopping();
	for (i = PROC_NET; i < PROC_MAX; i++)
		if (mon.peers[i].pid > 0)
			mon.peers[i].state = PS_STOPPING;
	peer_broadcast(MSG_SHUTDOWN, NULL, 0);
	for (i = PROC_NET; i < PROC_MAX; i++) {
		p = &mon.peers[i];
		if (p->pid <= 0)
			continue;
		if (peer_wait(p->pid, MON_CHILD_GRACE_MS, &status) == -1) {
			log_warnx("%s process did not stop; killing it",
			    proc_name(i));
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
		}
		p->pid = -1;
	}
	control_stop(mon.ctl_path);
	mon.ctl_fd = -1;
	(void)audit_event("daemon.stop", "heraldd", NULL, NULL,
	    json_pack("{s:i}", "status", code));
	audit_stop();
	trade_close();
	auth_close();
	certlive_close();
	if (mon.pid_fd != -1)
		unlink(mon.pid_path);
	mon.pid_fd = -1;
	log_info("exiting%s", code ? " on error" : "");
	exit(code);
}

/* Both children sandboxed, every socket open: the daemon serves. */
void
monitor_child_ready(void)
{
	int	 i;

	for (i = PROC_NET; i < PROC_MAX; i++)
		if (mon.peers[i].state != PS_RUNNING)
			return;
	ready_done();
}

/*
 * A start that fails (fatal() exits) leaves no socket or pid file
 * behind; monitor_shutdown() has removed them already.  Only in the
 * monitor: not in the parent that waited, nor a child before its exec.
 */
static void
monitor_cleanup(void)
{
	if (getpid() != mon.pid)
		return;
	if (mon.ctl_fd != -1)
		unlink(mon.ctl_path);
	if (mon.pid_fd != -1)
		unlink(mon.pid_path);
}

static void
on_terminate(evutil_socket_t sig, short ev, void *arg)
{
	log_info("received %s, stopping", sig == SIGINT ? "SIGINT" :
	    "SIGTERM");
	monitor_shutdown(0);
}

static void
on_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	struct peer	*p;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = peer_by_pid(pid)) == NULL)
			continue;
		if (!mon.stopping)
			peer_lost(p, status);
		p->pid = -1;
	}
}

/* Every error of a broken file, "; " between them, as many as fit. */
static void
reload_errors(const struct conf_errors *errs, char *why, size_t whylen)
{
	char	 more[64];
	size_t	 i;

	why[0] = '\0';
	for (i = 0; i < errs->n; i++) {
		log_warnx("reload: %s", errs->msg[i]);
		if (strlen(why) + strlen(errs->msg[i]) + 2 + sizeof(more) >=
		    whylen)
			break;
		if (i > 0)
			strlcat(why, "; ", whylen);
		strlcat(why, errs->msg[i], whylen);
	}
	if (i < errs->n) {
		snprintf(more, sizeof(more), "; and %zu more (see the log)",
		    errs->n - i);
		strlcat(why, more, whylen);
	}
	log_warnx("reload failed, keeping the running configuration");
}

static int
reload_config(char *why, size_t whylen)
{
	struct herald_conf	*nconf;
	struct conf_errors	 errs;
	uint8_t			 level;
	int			 restart, renew = 0;

	if ((nconf = calloc(1, sizeof(*nconf))) == NULL)
		fatal("calloc");
	memset(&errs, 0, sizeof(errs));
	config_defaults(nconf);
	config_load(nconf, mon.conf->path, &errs);
	if (errs.n == 0)
		monitor_apply_env(nconf, mon.env, &errs);
	if (errs.n > 0)
		reload_errors(&errs, why, whylen);
	/* A new certificate and key are read, checked, then applied. */
	else if ((renew = certlive_prepare(nconf, why, whylen)) == -1)
		log_warnx("reload failed, keeping the running configuration");
	if (errs.n > 0 || renew == -1) {
		config_free(nconf);
		free(nconf);
		return -1;
	}
	restart = reload_diff(mon.conf, nconf, why, whylen);
	/* The sockets, files and paper account start-up set up stay. */
	reload_keep_running(mon.conf, nconf);
	config_free(mon.conf);
	free(mon.conf);
	mon.conf = nconf;
	monitor_set_masked();
	log_set_level(monitor_log_level());
	log_set_facility(nconf->log.facility);
	control_set_limits(nconf->control.max_clients, nconf->control.timeout);
	auth_set_config(nconf);
	trade_reconfigure(nconf);
	audit_reconfigure(nconf);
	level = (uint8_t)monitor_log_level();
	peer_broadcast(MSG_LOG_LEVEL, &level, sizeof(level));
	send_net_config(&mon.peers[PROC_NET]);
	certlive_set_warn_days(nconf->tls.expiry_warning_days);
	if (renew) {
		certlive_commit();
		reload_renewed(why, whylen);
	}
	mon.reloads++;
	log_info("configuration reloaded from %s%s", nconf->path,
	    restart ? "; some changes wait for a restart" : "");
	return restart ? 1 : 0;
}

int
monitor_reload(char *why, size_t whylen)
{
	int	 r;

	ready_reloading();
	r = reload_config(why, whylen);
	ready_reloaded();
	return r;
}

static void
on_sighup(evutil_socket_t sig, short ev, void *arg)
{
	char	 why[512];
	int	 r;

	log_info("received SIGHUP, reloading %s", mon.conf->path);
	r = monitor_reload(why, sizeof(why));
	(void)audit_event("config.reload", "signal SIGHUP", NULL, NULL,
	    audit_reload_detail(r));
}

void
monitor_status(struct ctl_status *st)
{
	struct timespec		 now;
	struct trade_state	 ts;
	struct peer		*p;
	const char		*cstate;
	time_t			 notafter;
	int			 i;

	memset(st, 0, sizeof(*st));
	trade_state(&ts);
	strlcpy(st->broker, ts.broker, sizeof(st->broker));
	strlcpy(st->storage, ts.storage, sizeof(st->storage));
	certlive_status(&notafter, &cstate);
	strlcpy(st->cert_state, cstate, sizeof(st->cert_state));
	st->cert_not_after = (uint64_t)notafter;
	if ((st->lockdown = ts.lockdown ? 1 : 0)) {
		strlcpy(st->lockdown_by, ts.lockdown_by,
		    sizeof(st->lockdown_by));
		st->lockdown_since = (uint64_t)ts.lockdown_since;
	}
	strlcpy(st->version, HERALD_VERSION, sizeof(st->version));
	clock_gettime(CLOCK_MONOTONIC, &now);
	st->started = (uint64_t)mon.started;
	st->uptime = (uint64_t)(now.tv_sec - mon.started_mono.tv_sec);
	st->reloads = mon.reloads;
	strlcpy(st->config, mon.conf->path, sizeof(st->config));
	strlcpy(st->procs[0].name, "monitor", sizeof(st->procs[0].name));
	st->procs[0].pid = (uint32_t)getpid();
	strlcpy(st->procs[0].state, mon.stopping ? "stopping" : "running",
	    sizeof(st->procs[0].state));
	st->nprocs = 1;
	for (i = PROC_NET; i < PROC_MAX; i++) {
		p = &mon.peers[i];
		strlcpy(st->procs[st->nprocs].name, proc_name(i),
		    sizeof(st->procs[0].name));
		st->procs[st->nprocs].pid = p->pid > 0 ? (uint32_t)p->pid : 0;
		strlcpy(st->procs[st->nprocs].state,
		    peer_state_name(p->state), sizeof(st->procs[0].state));
		st->nprocs++;
	}
}

static void
add_signal(int sig, event_callback_fn cb)
{
	struct event	*ev;

	if ((ev = evsignal_new(mon.base, sig, cb, NULL)) == NULL ||
	    evsignal_add(ev, NULL) == -1)
		fatalx("signal event");
}


void
monitor_main(struct herald_conf *conf, struct env_overrides *env,
    int foreground, int verbose)
{
	EVP_PKEY	*key;
	char		 why[1024];
	size_t		 i;

	memset(&mon, 0, sizeof(mon));
	if ((mon.conf = calloc(1, sizeof(*mon.conf))) == NULL)
		fatal("calloc");
	memcpy(mon.conf, conf, sizeof(*conf));	/* takes over its secrets */
	memset(conf, 0, sizeof(*conf));
	mon.env = env;
	mon.foreground = foreground;
	mon.verbose = verbose;
	mon.ctl_fd = -1;
	mon.bridge_fd = -1;
	mon.pid_fd = -1;
	for (i = 0; i < CONF_MAX_LISTEN; i++)
		mon.listen_fd[i] = -1;

	log_init("monitor", 1, monitor_log_level());
	log_set_facility(mon.conf->log.facility);
	monitor_set_masked();
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");

	preflight_or_die();
	if ((key = monitor_load_tls_key(mon.conf, why, sizeof(why))) == NULL ||
	    certlive_start(mon.conf, key, why, sizeof(why)) == -1)
		fatalx("%s", why);
	/*
	 * Refuse a bad database or replay file while the terminal still
	 * listens, and before anything is created that would outlive us.
	 */
	if (auth_preflight(mon.conf, why, sizeof(why)) == -1 ||
	    trade_load_ticks(mon.conf, why, sizeof(why)) == -1 ||
	    bridgekey_init(mon.conf, why, sizeof(why)) == -1 ||
	    bridgetls_init(mon.conf, why, sizeof(why)) == -1)
		fatalx("%s", why);
	for (i = 0; i < mon.conf->nlisten; i++)
		mon.listen_fd[i] = open_listener(&mon.conf->listen[i]);
	if (mon.conf->mt5.backend == BACKEND_BRIDGE)
		mon.bridge_fd = open_bridge_listener(mon.conf);
	mon.ctl_fd = control_open(mon.conf->control.socket, mon.ctl_gid);
	strlcpy(mon.ctl_path, mon.conf->control.socket, sizeof(mon.ctl_path));
	mon.pid = getpid();
	if (atexit(monitor_cleanup) != 0)
		fatalx("atexit");
	strlcpy(mon.pid_path, mon.conf->pid_file, sizeof(mon.pid_path));

	if (!foreground) {
		log_init("monitor", 0, monitor_log_level());
		ready_detach();
		mon.pid = getpid();
		write_pid_file();
	}
	mon.started = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &mon.started_mono);

	/* The signal events must exist before a child can die. */
	if ((mon.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* trading.c's group commit runs after everything else of a turn. */
	if (event_base_priority_init(mon.base, 3) == -1)
		fatalx("event_base_priority_init");
	add_signal(SIGCHLD, on_sigchld);
	add_signal(SIGTERM, on_terminate);
	add_signal(SIGINT, on_terminate);
	add_signal(SIGHUP, on_sighup);
	signal(SIGPIPE, SIG_IGN);
	ready_watchdog(mon.base);
	certlive_events(mon.base);

	/*
	 * Each batch of orders allocates and frees much the same memory
	 * (SQLite's statements, answers held for the commit); by default
	 * glibc gives the top of the heap back after every batch and
	 * faults it in again on the next, which bench/orders_vs_sqlite.sh
	 * measured as a third of the monitor's time under load.  Only a
	 * matter of speed, and another allocator (AddressSanitizer's, in
	 * make check-sanitize) has no such knobs: a debug line, not a
	 * warning on a detached start's stderr.
	 */
	if (mallopt(M_TRIM_THRESHOLD, MON_HEAP_KEEP) == 0 ||
	    mallopt(M_TOP_PAD, MON_HEAP_PAD) == 0)
		log_debug("mallopt: keeping the default heap trimming");

	/* The WAL's writes of a commit in one (walbuf.c); db_open() uses it. */
	if (walbuf_register() != 0)
		fatalx("sqlite3_vfs_register %s", WALBUF_VFS);
	/* After ready_detach()'s fork: SQLite's locks do not survive a fork. */
	if (auth_init(mon.conf, monitor_ban, why, sizeof(why)) == -1)
		fatalx("%s", why);
	if (trade_init(mon.conf, mon.base, &mon_trade_io, why,
	    sizeof(why)) == -1)
		fatalx("%s", why);
	if (audit_start(mon.conf, mon.base, why, sizeof(why)) == -1)
		fatalx("%s", why);
	(void)audit_event("daemon.start", "heraldd", NULL, NULL,
	    json_pack("{s:s, s:s}", "version", HERALD_VERSION, "config",
	    mon.conf->path));

	/* net's start-up sequence; child.c and net.c read it in order. */
	spawn_child(&mon.peers[PROC_NET], PROC_NET, MON_CH_NET);
	send_init(&mon.peers[PROC_NET], (rlim_t)mon.conf->limits.open_files,
	    mon.conf->nlisten);
	open_keyop_channel(&mon.peers[PROC_NET]);
	send_tls_files(&mon.peers[PROC_NET]);
	send_net_config(&mon.peers[PROC_NET]);
	send_listeners(&mon.peers[PROC_NET]);
	spawn_child(&mon.peers[PROC_BROKER], PROC_BROKER, MON_CH_BROKER);
	send_init(&mon.peers[PROC_BROKER], BROKER_NOFILE, 0);
	for (i = PROC_NET; i < PROC_MAX; i++)
		peer_start_events(&mon.peers[i]);
	peer_start_events(&mon.keyop);
	auth_foreach_ban(monitor_ban);

	control_start(mon.base, mon.ctl_fd, mon.ctl_gid,
	    mon.conf->control.group, mon.conf->control.max_clients,
	    mon.conf->control.timeout);

	/* Start-up is done: no more exec, ptrace, mounts or new networks. */
	privdrop_monitor();
	landlock_monitor(mon.conf, !foreground);
	sandbox_monitor(mon.conf->privsep.seccomp_debug);
	log_info("heraldd %s started (net pid %ld, broker pid %ld)",
	    HERALD_VERSION, (long)mon.peers[PROC_NET].pid,
	    (long)mon.peers[PROC_BROKER].pid);

	event_base_dispatch(mon.base);
	fatalx("event loop ended");
}

int
monitor_lockdown(int on, const char *who, char *why, size_t whylen)
{
	return trade_lockdown(on, who, why, whylen);
}
