/*
 * The admin socket, inside the monitor.  See control.h.
 *
 * The monitor is root, so this is the one place where a local user can
 * talk to a root process: the peer is checked with SO_PEERCRED before a
 * byte is read, frames are read with exactly the length their header
 * declares (after the header passed its checks), one request at a time,
 * and anything malformed gets a reason and the door.  Replies are a few
 * kilobytes at most and the client reads them at once, so they are sent
 * with one non-blocking send(); a client that does not read is dropped
 * rather than buffered for.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit.h"
#include "auth.h"
#include "bridgekey.h"
#include "control.h"
#include "control_int.h"
#include "ctlproto.h"
#include "log.h"
#include "nitems.h"

#define CONTROL_BACKLOG		16
#define CONTROL_PWBUF		16384	/* getpwuid_r() scratch */
#define CONTROL_MAXGROUPS	256	/* SO_PEERGROUPS; more: use the user db */
#define CONTROL_NGROUPS_MAX	65536	/* the kernel's NGROUPS_MAX */
#define CONTROL_PAUSE_SEC	1	/* accept() back-off when out of fds */

TAILQ_HEAD(ctl_conns, ctl_conn);

static struct {
	struct event_base	*base;
	struct event		*ev_accept;
	struct event		*ev_pause;
	int			 fd;
	gid_t			 gid;
	char			 group[256];
	int			 max_clients;
	int			 timeout;
	int			 nconns;
	struct ctl_conns	 conns;
} ctl = {
	.fd = -1,
	.conns = TAILQ_HEAD_INITIALIZER(ctl.conns)
};

/* Each handler sends its reply; -1 when the connection must close. */
static int	ctl_do_status(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_reload(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_key_create(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_key_list(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_key_revoke(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_key_rotate(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_ban_list(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_ban_del(struct ctl_conn *, const union ctl_payload *);
static int	ctl_do_lockdown(struct ctl_conn *, const union ctl_payload *);

/*
 * What the monitor answers.  A request in the protocol's catalogue but
 * not here is refused as unsupported.  Every peer that got this far is
 * root or in control.group, the administrators: the key, ban and
 * lockdown requests need nothing more.
 */
static const struct {
	uint16_t	 type;
	int		(*fn)(struct ctl_conn *, const union ctl_payload *);
	int		 takes_fd;	/* a descriptor comes with it */
} ctl_handlers[] = {
	{ CTL_REQ_STATUS,	ctl_do_status, 0 },
	{ CTL_REQ_RELOAD,	ctl_do_reload, 0 },
	{ CTL_REQ_KEY_CREATE,	ctl_do_key_create, 0 },
	{ CTL_REQ_KEY_LIST,	ctl_do_key_list, 0 },
	{ CTL_REQ_KEY_REVOKE,	ctl_do_key_revoke, 0 },
	{ CTL_REQ_KEY_ROTATE,	ctl_do_key_rotate, 0 },
	{ CTL_REQ_BAN_LIST,	ctl_do_ban_list, 0 },
	{ CTL_REQ_BAN_DEL,	ctl_do_ban_del, 0 },
	{ CTL_REQ_LOCKDOWN,	ctl_do_lockdown, 0 },
	{ CTL_REQ_BRIDGE_KEY,	ctl_do_bridge_key, 0 },
	{ CTL_REQ_BRIDGE_STATUS, ctl_do_bridge_status, 0 },
	{ CTL_REQ_AUDIT,	ctl_do_audit, 0 },
	{ CTL_REQ_AUDIT_VERIFY,	ctl_do_audit_verify, 0 },
	{ CTL_REQ_BACKUP,	ctl_do_backup,		1 },
};

static void
ctl_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		fatalx("control socket %s: path longer than %zu bytes", path,
		    sizeof(sun->sun_path) - 1);
}

/*
 * A socket file at path is either a running daemon's (refuse to start
 * a second one) or left by one that died (remove it).  Anything else at
 * path is not ours to delete.
 */
static void
ctl_clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat	 sb;
	int		 s, saved;

	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return;
		fatal("control socket %s", path);
	}
	if (!S_ISSOCK(sb.st_mode))
		fatalx("control socket %s exists and is not a socket", path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("control: socket");
	/* EAGAIN: a listener with a full backlog, so alive. */
	if (connect(s, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN) {
		close(s);
		fatalx("control socket %s is in use by a running heraldd",
		    path);
	}
	saved = errno;
	close(s);
	if (saved != ECONNREFUSED) {
		errno = saved;
		fatal("control socket %s: cannot tell whether it is in use",
		    path);
	}
	if (unlink(path) == -1)
		fatal("control socket %s: removing the stale socket", path);
	log_debug("control: removed stale socket %s", path);
}

int
control_open(const char *path, gid_t gid)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, saved;

	ctl_sockaddr(path, &sun);
	ctl_clear_stale(path, &sun);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("control: socket");
	/*
	 * The mode comes from the umask at bind(2), 0660 from the first
	 * instant: never a chmod(2) of the path, which follows a link
	 * someone could put there between the two calls.
	 */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		fatal("control socket %s: bind", path);
	}
	umask(old);
	if (lchown(path, 0, gid) == -1)
		fatal("control socket %s: chown to root:%u", path,
		    (unsigned int)gid);
	if (listen(fd, CONTROL_BACKLOG) == -1)
		fatal("control socket %s: listen", path);
	ctl.fd = fd;
	ctl.gid = gid;
	return fd;
}

/* Send one whole frame or give up: never block the monitor. */
int
ctl_send_frame(int fd, pid_t pid, const void *buf, int len)
{
	ssize_t	 n;

	if (len < 0) {
		log_warnx("control: reply to pid %d does not fit a frame",
		    (int)pid);
		return -1;
	}
	do {
		n = send(fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		log_warn("control: reply to pid %d", (int)pid);
		return -1;
	}
	if (n != len) {
		log_warnx("control: peer pid %d is not reading its replies",
		    (int)pid);
		return -1;
	}
	return 0;
}

int
ctl_send_msg(int fd, pid_t pid, uint16_t type, const char *msg)
{
	uint8_t	 buf[CTL_HDR_LEN + 2 + CTL_STR_MAX];

	return ctl_send_frame(fd, pid, buf,
	    ctl_frame_msg(buf, sizeof(buf), type, msg));
}

static void
ctl_close(struct ctl_conn *c)
{
	TAILQ_REMOVE(&ctl.conns, c, entry);
	ctl.nconns--;
	event_free(c->ev_read);
	event_free(c->ev_idle);
	close(c->fd);
	if (c->passed_fd != -1)
		close(c->passed_fd);
	free(c->payload);
	free(c);
}

/* A malformed frame: say why, log it, hang up. */
static void
ctl_bad(struct ctl_conn *c, const char *why)
{
	char	 msg[CTL_STR_MAX];

	log_warnx("control: bad request from uid %u pid %d: %s",
	    (unsigned int)c->uid, (int)c->pid, why);
	snprintf(msg, sizeof(msg), "bad request: %s", why);
	ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, msg);
	ctl_close(c);
}

static void
ctl_arm_idle(struct ctl_conn *c)
{
	struct timeval	 tv = { ctl.timeout, 0 };

	evtimer_add(c->ev_idle, &tv);
}

static void
ctl_idle(int fd, short ev, void *arg)
{
	struct ctl_conn	*c = arg;
	char		 msg[64];

	log_warnx("control: peer uid %u pid %d sent no complete request "
	    "within %d s, closing", (unsigned int)c->uid, (int)c->pid,
	    ctl.timeout);
	snprintf(msg, sizeof(msg), "timed out after %d s waiting for a "
	    "request", ctl.timeout);
	ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, msg);
	ctl_close(c);
}

static int
ctl_reply_status(struct ctl_conn *c, const struct ctl_status *st)
{
	static uint8_t	 buf[CTL_FRAME_MAX];
	int		 n;

	if ((n = ctl_frame_status(buf, sizeof(buf), st)) == -1) {
		log_warnx("control: status (%u processes) does not fit the "
		    "protocol", st->nprocs);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    "internal error: status does not fit the protocol");
	}
	return ctl_send_frame(c->fd, c->pid, buf, n);
}

/*
 * The protocol wants the lockdown fields to agree and a broker and a
 * storage state:
 * whatever the monitor left out is filled in here rather than failing
 * the whole status.
 */
static void
ctl_status_tidy(struct ctl_status *st)
{
	if (st->lockdown) {
		st->lockdown = 1;
		if (st->lockdown_by[0] == '\0')
			strlcpy(st->lockdown_by, "unknown",
			    sizeof(st->lockdown_by));
	} else {
		memset(st->lockdown_by, 0, sizeof(st->lockdown_by));
		st->lockdown_since = 0;
	}
	if (st->broker[0] == '\0')
		strlcpy(st->broker, "unknown", sizeof(st->broker));
	if (st->storage[0] == '\0')
		strlcpy(st->storage, "unknown", sizeof(st->storage));
}

static int
ctl_do_status(struct ctl_conn *c, const union ctl_payload *pl)
{
	struct ctl_status	 st;

	memset(&st, 0, sizeof(st));
	monitor_status(&st);
	ctl_status_tidy(&st);
	return ctl_reply_status(c, &st);
}

static int
ctl_do_reload(struct ctl_conn *c, const union ctl_payload *pl)
{
	char	 why[CTL_STR_MAX + 1] = "";

	int	 r;

	log_info("control: reload requested by uid %u pid %d",
	    (unsigned int)c->uid, (int)c->pid);
	r = monitor_reload(why, sizeof(why));
	ctl_audit(c, "config.reload", NULL, audit_reload_detail(r));
	switch (r) {
	case -1:
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    why[0] != '\0' ? why : "reload failed");
	case 0:
		return ctl_send_msg(c->fd, c->pid, CTL_REP_OK, why);
	default:
		return ctl_send_msg(c->fd, c->pid, CTL_REP_RESTART, why);
	}
}

/*
 * Any reply with a payload.  The frame buffer is wiped afterwards: it may
 * have held a new key, which must exist nowhere once it is sent.
 */
int
ctl_reply(struct ctl_conn *c, uint16_t type, const union ctl_payload *pl)
{
	static uint8_t	 buf[CTL_FRAME_MAX];
	int		 n, rv;

	if ((n = ctl_frame_payload(buf, sizeof(buf), type, pl)) == -1) {
		log_warnx("control: %s reply does not fit the protocol",
		    ctl_type_name(type));
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    "internal error: reply does not fit the protocol");
	}
	rv = ctl_send_frame(c->fd, c->pid, buf, n);
	explicit_bzero(buf, (size_t)n);
	return rv;
}

/* A new key for heraldctl: sent once, then wiped here. */
static int
ctl_send_key(struct ctl_conn *c, const struct auth_key_info *ki, char *key,
    size_t keysz, const struct auth_key_info *old)
{
	static union ctl_payload	 rep;
	struct ctl_key_created		*k = &rep.key_created;
	int				 rv;

	memset(k, 0, sizeof(*k));
	k->id = (uint64_t)ki->id;
	strlcpy(k->name, ki->name, sizeof(k->name));
	strlcpy(k->role, ki->role, sizeof(k->role));
	k->created = (uint64_t)ki->created;
	k->expires = (uint64_t)ki->expires;
	strlcpy(k->key, key, sizeof(k->key));
	if (old != NULL) {
		k->old_id = (uint64_t)old->id;
		k->old_expires = (uint64_t)old->expires;
	}
	explicit_bzero(key, keysz);
	rv = ctl_reply(c, CTL_REP_KEY, &rep);
	explicit_bzero(k, sizeof(*k));
	return rv;
}

static int
ctl_do_key_create(struct ctl_conn *c, const union ctl_payload *pl)
{
	const struct ctl_key_create	*r = &pl->key_create;
	struct auth_key_info		 ki;
	char				 key[AUTH_KEY_LEN + 1];
	char				 err[CTL_STR_MAX];

	if (auth_key_create(r->name, r->role, r->expires_days,
	    r->fp_present ? r->fp : NULL, &ki, key, sizeof(key), err,
	    sizeof(err)) == -1) {
		log_warnx("control: key create %s by uid %u refused: %s",
		    r->name, (unsigned int)c->uid, err);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	}
	log_info("control: key %s (id %lld, role %s) created by uid %u%s",
	    ki.name, (long long)ki.id, ki.role, (unsigned int)c->uid,
	    ki.bound ? ", bound to a client certificate" : "");
	ctl_audit(c, "key.create", ki.name, json_pack("{s:I, s:s, s:I, s:b}",
	    "id", (json_int_t)ki.id, "role", ki.role, "expires",
	    (json_int_t)ki.expires, "bound", ki.bound));
	return ctl_send_key(c, &ki, key, sizeof(key), NULL);
}

static int
ctl_do_key_rotate(struct ctl_conn *c, const union ctl_payload *pl)
{
	const struct ctl_key_rotate	*r = &pl->key_rotate;
	struct auth_key_info		 ki, old;
	char				 key[AUTH_KEY_LEN + 1];
	char				 err[CTL_STR_MAX], when[40];

	if (auth_key_rotate(r->name, r->grace_hours, &ki, &old, key,
	    sizeof(key), err, sizeof(err)) == -1) {
		log_warnx("control: key rotate %s by uid %u refused: %s",
		    r->name, (unsigned int)c->uid, err);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	}
	auth_fmt_utc(old.expires, when, sizeof(when));
	log_info("control: key %s (id %lld, role %s) created by uid %u, "
	    "rotating id %lld, which expires at %s", ki.name,
	    (long long)ki.id, ki.role, (unsigned int)c->uid,
	    (long long)old.id, when);
	ctl_audit(c, "key.rotate", ki.name, json_pack("{s:I, s:I, s:I}",
	    "id", (json_int_t)ki.id, "old_id", (json_int_t)old.id,
	    "old_expires", (json_int_t)old.expires));
	return ctl_send_key(c, &ki, key, sizeof(key), &old);
}

struct ctl_revoked {
	struct ctl_conn	*c;
	char		 name[CTL_KEY_NAME_MAX + 1];
	char		 ids[512];
	int		 n;
};

static int
ctl_revoked_cb(const struct auth_key_info *ki, void *arg)
{
	struct ctl_revoked	*rv = arg;
	char			 id[32];

	log_info("control: key %s (id %lld, role %s) revoked by uid %u",
	    ki->name, (long long)ki->id, ki->role, (unsigned int)rv->c->uid);
	ctl_audit(rv->c, "key.revoke", ki->name, json_pack("{s:I, s:s}",
	    "id", (json_int_t)ki->id, "role", ki->role));
	strlcpy(rv->name, ki->name, sizeof(rv->name));
	snprintf(id, sizeof(id), "%s%lld", rv->n == 0 ? "" : ", ",
	    (long long)ki->id);
	strlcat(rv->ids, id, sizeof(rv->ids));
	rv->n++;
	return 0;
}

static int
ctl_do_key_revoke(struct ctl_conn *c, const union ctl_payload *pl)
{
	struct ctl_revoked	 rv;
	char			 msg[CTL_STR_MAX];

	memset(&rv, 0, sizeof(rv));
	rv.c = c;
	if (auth_key_revoke(pl->key_target.target, ctl_revoked_cb, &rv, msg,
	    sizeof(msg)) == -1) {
		log_warnx("control: key revoke %s by uid %u refused: %s",
		    pl->key_target.target, (unsigned int)c->uid, msg);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, msg);
	}
	snprintf(msg, sizeof(msg), "key %s revoked (id%s %s)", rv.name,
	    rv.n > 1 ? "s" : "", rv.ids);
	return ctl_send_msg(c->fd, c->pid, CTL_REP_OK, msg);
}

static int
ctl_key_row_cb(const struct auth_key_info *ki, void *arg)
{
	struct ctl_keys		*ks = arg;
	struct ctl_key_row	*k;

	if (ks->n >= CTL_KEYS_MAX)
		return 1;
	k = &ks->keys[ks->n++];
	memset(k, 0, sizeof(*k));
	k->id = (uint64_t)ki->id;
	strlcpy(k->name, ki->name, sizeof(k->name));
	strlcpy(k->role, ki->role, sizeof(k->role));
	k->created = (uint64_t)ki->created;
	k->last_used = (uint64_t)ki->last_used;
	k->expires = (uint64_t)ki->expires;
	switch (ki->state) {
	case AUTH_KEY_EXPIRED:
		k->state = CTL_KEY_EXPIRED;
		break;
	case AUTH_KEY_REVOKED:
		k->state = CTL_KEY_REVOKED;
		break;
	case AUTH_KEY_ROTATING:
		k->state = CTL_KEY_ROTATING;
		break;
	default:
		k->state = CTL_KEY_ACTIVE;
		break;
	}
	k->bound = ki->bound ? 1 : 0;
	return 0;
}

static int
ctl_do_key_list(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload rep;
	char			 err[CTL_STR_MAX];

	rep.keys.n = 0;
	if (auth_key_list(CTL_KEYS_MAX, ctl_key_row_cb, &rep.keys,
	    &rep.keys.total, err, sizeof(err)) == -1)
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	if (rep.keys.total < rep.keys.n)
		rep.keys.total = rep.keys.n;
	return ctl_reply(c, CTL_REP_KEYS, &rep);
}

static int
ctl_ban_row_cb(const struct auth_ban_info *b, void *arg)
{
	struct ctl_bans		*bs = arg;
	struct ctl_ban_row	*r;

	/* Go on counting past the list's end: total says how many. */
	if (bs->n >= CTL_BANS_MAX)
		return 0;
	r = &bs->bans[bs->n++];
	memset(r, 0, sizeof(*r));
	strlcpy(r->address, b->address, sizeof(r->address));
	r->until = (uint64_t)b->until;
	r->strikes = b->strikes;
	return 0;
}

static int
ctl_do_ban_list(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload rep;
	int			 n;

	rep.bans.n = 0;
	n = auth_ban_list(ctl_ban_row_cb, &rep.bans);
	rep.bans.total = n > 0 ? (uint32_t)n : 0;
	if (rep.bans.total < rep.bans.n)
		rep.bans.total = rep.bans.n;
	return ctl_reply(c, CTL_REP_BANS, &rep);
}

static int
ctl_do_ban_del(struct ctl_conn *c, const union ctl_payload *pl)
{
	char	 msg[CTL_STR_MAX];

	if (auth_ban_del(pl->address.address, msg, sizeof(msg)) == -1)
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, msg);
	log_info("control: ban del by uid %u: %s", (unsigned int)c->uid, msg);
	ctl_audit(c, "ban.del", NULL, json_pack("{s:s}", "address",
	    pl->address.address));
	return ctl_send_msg(c->fd, c->pid, CTL_REP_OK, msg);
}

/*
 * "uid N (name)" for the user the connection was accepted from, as the
 * kernel reported it then; "uid N" if the user database has no name.
 */
void
ctl_peer_name(const struct ctl_conn *c, char *who, size_t whosz)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[CONTROL_PWBUF];

	if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && pw.pw_name != NULL && pw.pw_name[0] != '\0')
		snprintf(who, whosz, "uid %u (%s)", (unsigned int)c->uid,
		    pw.pw_name);
	else
		snprintf(who, whosz, "uid %u", (unsigned int)c->uid);
}

/*
 * lockdown on|off.  The monitor records who and stops or resumes
 * trading; the line here is the security record of the command itself.
 */
static int
ctl_do_lockdown(struct ctl_conn *c, const union ctl_payload *pl)
{
	const char	*state = pl->lockdown.on ? "on" : "off";
	char		 who[sizeof(((struct ctl_status *)0)->lockdown_by)];
	char		 why[CTL_STR_MAX + 1] = "", msg[32];

	ctl_peer_name(c, who, sizeof(who));
	if (monitor_lockdown(pl->lockdown.on, who, why, sizeof(why)) == -1) {
		log_warnx("control: lockdown %s by %s pid %d failed: %s",
		    state, who, (int)c->pid, why[0] != '\0' ? why : "?");
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    why[0] != '\0' ? why : "lockdown failed");
	}
	log_security("control: lockdown %s by %s pid %d", state, who,
	    (int)c->pid);
	ctl_audit(c, pl->lockdown.on ? "lockdown.on" : "lockdown.off", NULL,
	    json_pack("{s:s}", "who", who));
	snprintf(msg, sizeof(msg), "lockdown %s", state);
	return ctl_send_msg(c->fd, c->pid, CTL_REP_OK, msg);
}

/* A whole frame is in: decode exactly, run the handler, await the next. */
static void
ctl_dispatch(struct ctl_conn *c)
{
	static union ctl_payload pl;
	char			 why[CTL_WHY_MAX];
	size_t			 i;
	int			 rv = -2;

	if (ctl_payload_decode(c->hdr.type, c->payload, c->hdr.len, &pl,
	    why, sizeof(why)) == -1) {
		ctl_bad(c, why);
		return;
	}
	free(c->payload);
	c->payload = NULL;
	c->hdrgot = c->paygot = 0;
	log_debug("control: %s from uid %u pid %d",
	    ctl_type_name(c->hdr.type), (unsigned int)c->uid, (int)c->pid);
	for (i = 0; i < nitems(ctl_handlers); i++) {
		if (ctl_handlers[i].type != c->hdr.type)
			continue;
		/* A descriptor only with the request that takes one. */
		if ((c->passed_fd != -1) != ctl_handlers[i].takes_fd) {
			snprintf(why, sizeof(why), "%s %s a descriptor",
			    ctl_type_name(c->hdr.type), c->passed_fd != -1 ?
			    "does not take" : "needs");
			ctl_bad(c, why);
			return;
		}
		rv = ctl_handlers[i].fn(c, &pl);
		break;
	}
	if (c->passed_fd != -1) {
		close(c->passed_fd);
		c->passed_fd = -1;
	}
	if (rv == -2) {
		snprintf(why, sizeof(why), "%s is not supported",
		    ctl_type_name(c->hdr.type));
		ctl_bad(c, why);
	} else if (rv == -1)
		ctl_close(c);
	else
		ctl_arm_idle(c);
}

/*
 * Read at most want bytes.  Returns what was read, 0 if nothing is there
 * yet, -1 if the connection is gone (c is freed).
 */
static ssize_t
ctl_recv(struct ctl_conn *c, void *buf, size_t want)
{
	union {
		struct cmsghdr	 h;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct iovec	 iov = { buf, want };
	struct msghdr	 mh;
	struct cmsghdr	*ch;
	ssize_t		 n;
	int		 fd;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	/* heraldctl backup's file: one, with the request's first bytes. */
	for (ch = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; ch != NULL;
	    ch = CMSG_NXTHDR(&mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&fd, CMSG_DATA(ch), sizeof(fd));
		if (c->passed_fd != -1 || ch->cmsg_len != CMSG_LEN(sizeof(fd)) ||
		    c->hdrgot > 0) {
			close(fd);
			ctl_bad(c, "unexpected descriptor");
			return -1;
		}
		c->passed_fd = fd;
	}
	if (n > 0 && (mh.msg_flags & MSG_CTRUNC)) {
		ctl_bad(c, "more descriptors than a request takes");
		return -1;
	}
	if (n > 0)
		return n;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == -1)
		log_warn("control: read from pid %d", (int)c->pid);
	else if (c->hdrgot > 0)
		log_warnx("control: peer uid %u pid %d closed in the middle "
		    "of a request", (unsigned int)c->uid, (int)c->pid);
	else
		log_debug("control: peer pid %d disconnected", (int)c->pid);
	ctl_close(c);
	return -1;
}

/* The header is complete: check it before reading any payload. */
static int
ctl_got_header(struct ctl_conn *c)
{
	char	 why[CTL_WHY_MAX];

	if (ctl_hdr_decode(c->hdrbuf, sizeof(c->hdrbuf), CTL_DIR_REQ,
	    &c->hdr, why, sizeof(why)) == -1) {
		ctl_bad(c, why);
		return -1;
	}
	c->paygot = 0;
	if (c->hdr.len > 0 && (c->payload = malloc(c->hdr.len)) == NULL) {
		log_warn("control: payload of %u bytes", c->hdr.len);
		ctl_close(c);
		return -1;
	}
	return 0;
}

static void
ctl_read(int fd, short ev, void *arg)
{
	struct ctl_conn	*c = arg;
	ssize_t		 n;

	if (c->hdrgot < CTL_HDR_LEN) {
		n = ctl_recv(c, c->hdrbuf + c->hdrgot,
		    CTL_HDR_LEN - c->hdrgot);
		if (n <= 0)
			return;
		c->hdrgot += (size_t)n;
		if (c->hdrgot < CTL_HDR_LEN || ctl_got_header(c) == -1)
			return;
	}
	if (c->paygot < c->hdr.len) {
		n = ctl_recv(c, c->payload + c->paygot,
		    c->hdr.len - c->paygot);
		if (n <= 0)
			return;
		c->paygot += (size_t)n;
		if (c->paygot < c->hdr.len)
			return;
	}
	ctl_dispatch(c);
}

static int
ctl_in_grouplist(const char *user, gid_t basegid)
{
	gid_t	*groups;
	int	 ngroups = 64, n, i, found = 0;

	for (;;) {
		if ((groups = reallocarray(NULL, ngroups,
		    sizeof(*groups))) == NULL) {
			log_warn("control: group list of %s", user);
			return 0;
		}
		n = ngroups;
		if (getgrouplist(user, basegid, groups, &n) != -1)
			break;
		free(groups);
		/* On -1, n is the number needed. */
		if (n <= ngroups || n > CONTROL_NGROUPS_MAX)
			return 0;
		ngroups = n;
	}
	for (i = 0; i < n && !found; i++)
		found = groups[i] == ctl.gid;
	free(groups);
	return found;
}

/* Root, or in control.group by the user database (primary or not). */
/* Is the control group among the peer's supplementary groups? */
static int
ctl_peer_groups_have(int fd)
{
	gid_t		 groups[CONTROL_MAXGROUPS];
	socklen_t	 len = sizeof(groups);
	size_t		 i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1)
		return 0;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == ctl.gid)
			return 1;
	return 0;
}

static int
ctl_peer_allowed(int fd, const struct ucred *cred)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[CONTROL_PWBUF];

	if (cred->uid == 0 || cred->gid == ctl.gid)
		return 1;
	/*
	 * The groups the peer held when it connected, as the kernel saw
	 * them for the socket's mode; then the user database, for a
	 * member whose process has not picked up the group yet.
	 */
	if (ctl_peer_groups_have(fd))
		return 1;
	if (getpwuid_r(cred->uid, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL)
		return 0;
	if (pw.pw_gid == ctl.gid)
		return 1;
	return ctl_in_grouplist(pw.pw_name, pw.pw_gid);
}

/* Out of fds: stop accepting for a moment rather than spin. */
static void
ctl_resume(int fd, short ev, void *arg)
{
	event_add(ctl.ev_accept, NULL);
}

static void
ctl_pause(void)
{
	struct timeval	 tv = { CONTROL_PAUSE_SEC, 0 };

	event_del(ctl.ev_accept);
	evtimer_add(ctl.ev_pause, &tv);
}

static void
ctl_new_conn(int fd, const struct ucred *cred)
{
	struct ctl_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control: connection from pid %d", (int)cred->pid);
		close(fd);
		return;
	}
	c->fd = fd;
	c->passed_fd = -1;
	c->pid = cred->pid;
	c->uid = cred->uid;
	c->gid = cred->gid;
	c->ev_read = event_new(ctl.base, fd, EV_READ | EV_PERSIST, ctl_read, c);
	c->ev_idle = evtimer_new(ctl.base, ctl_idle, c);
	if (c->ev_read == NULL || c->ev_idle == NULL)
		fatalx("control: event_new failed");
	TAILQ_INSERT_TAIL(&ctl.conns, c, entry);
	ctl.nconns++;
	event_add(c->ev_read, NULL);
	ctl_arm_idle(c);
	log_debug("control: peer uid %u pid %d connected",
	    (unsigned int)c->uid, (int)c->pid);
}

static void
ctl_accept(int lfd, short ev, void *arg)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);
	char		 msg[CTL_STR_MAX];
	int		 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("control: accept, pausing %d s",
			    CONTROL_PAUSE_SEC);
			ctl_pause();
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (ctl.nconns >= ctl.max_clients) {
		log_warnx("control: refused peer uid %u pid %d: too many "
		    "control connections (control.max_clients %d)",
		    (unsigned int)cred.uid, (int)cred.pid, ctl.max_clients);
		ctl_send_msg(fd, cred.pid, CTL_REP_ERROR,
		    "too many control connections");
		close(fd);
		return;
	}
	if (!ctl_peer_allowed(fd, &cred)) {
		log_security("control: refused peer uid %u gid %u pid %d: "
		    "not root and not in group %s", (unsigned int)cred.uid,
		    (unsigned int)cred.gid, (int)cred.pid, ctl.group);
		snprintf(msg, sizeof(msg), "permission denied: uid %u is not "
		    "root and not in group %s", (unsigned int)cred.uid,
		    ctl.group);
		ctl_send_msg(fd, cred.pid, CTL_REP_ERROR, msg);
		close(fd);
		return;
	}
	ctl_new_conn(fd, &cred);
}

void
control_start(struct event_base *base, int fd, gid_t gid,
    const char *groupname, int max_clients, int timeout_sec)
{
	ctl.base = base;
	ctl.fd = fd;
	ctl.gid = gid;
	strlcpy(ctl.group, groupname, sizeof(ctl.group));
	control_set_limits(max_clients, timeout_sec);
	ctl.ev_accept = event_new(base, fd, EV_READ | EV_PERSIST, ctl_accept,
	    NULL);
	ctl.ev_pause = evtimer_new(base, ctl_resume, NULL);
	if (ctl.ev_accept == NULL || ctl.ev_pause == NULL)
		fatalx("control: event_new failed");
	if (event_add(ctl.ev_accept, NULL) == -1)
		fatalx("control: event_add failed");
}

/* Existing connections keep going; the new limits apply from now on. */
void
control_set_limits(int max_clients, int timeout_sec)
{
	ctl.max_clients = max_clients;
	ctl.timeout = timeout_sec;
}

void
control_stop(const char *path)
{
	struct ctl_conn	*c, *next;

	/*
	 * The same walk as re-reading TAILQ_FIRST, but the next one is
	 * taken before ctl_close() frees c: clang's analyzer does not follow
	 * TAILQ_REMOVE's write through tqe_prev into the head and took the
	 * re-read for a use after free.
	 */
	TAILQ_FOREACH_SAFE(c, &ctl.conns, entry, next)
		ctl_close(c);
	if (ctl.ev_accept != NULL) {
		event_free(ctl.ev_accept);
		ctl.ev_accept = NULL;
	}
	if (ctl.ev_pause != NULL) {
		event_free(ctl.ev_pause);
		ctl.ev_pause = NULL;
	}
	if (ctl.fd != -1) {
		close(ctl.fd);
		ctl.fd = -1;
	}
	if (path != NULL && unlink(path) == -1 && errno != ENOENT)
		log_warn("control: unlink %s", path);
}
