/*
 * heraldctl: the admin client.  One request over the control socket,
 * one reply, printed as a table or (-j) as JSON.  See heraldctl(8).
 *
 * The reply is decoded with the same strict codec the monitor uses
 * (common/ctlproto.c), so a confused or hostile peer on the socket path
 * cannot make us print more than a bounded, control-character-free text.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlproto.h"
#include "nitems.h"

#include "heraldctl.h"

#define CTL_SOCKET_DEFAULT	"/run/heraldd.sock"
#define CTL_REPLY_TIMEOUT	30	/* seconds */

static int	cmd_status(struct ctx *, int, char **);
static int	cmd_reload(struct ctx *, int, char **);
static int	cmd_key_create(struct ctx *, int, char **);
static int	cmd_key_list(struct ctx *, int, char **);
static int	cmd_key_revoke(struct ctx *, int, char **);
static int	cmd_key_rotate(struct ctx *, int, char **);
static int	cmd_ban_list(struct ctx *, int, char **);
static int	cmd_ban_del(struct ctx *, int, char **);
static int	cmd_lockdown(struct ctx *, int, char **);

/*
 * Every command.  words may be several ("key create"); args is what the
 * usage shows after them.  A new command is one row and its function.
 */
static const struct cmd {
	const char	*words;
	const char	*args;
	int		(*run)(struct ctx *, int, char **);
} cmds[] = {
	{ "status",	"",	cmd_status },
	{ "reload",	"",	cmd_reload },
	{ "key create",	"NAME --role ROLE [--expires DAYS] [--fingerprint HEX]",
	    cmd_key_create },
	{ "key list",	"",	cmd_key_list },
	{ "key revoke",	"NAME|ID", cmd_key_revoke },
	{ "key rotate",	"NAME [--grace HOURS]", cmd_key_rotate },
	{ "ban list",	"",	cmd_ban_list },
	{ "ban del",	"ADDRESS", cmd_ban_del },
	{ "lockdown",	"on|off", cmd_lockdown },
	{ "bridge key create", "", cmd_bridge_key_create },
	{ "bridge key rotate", "", cmd_bridge_key_rotate },
	{ "bridge status", "",	cmd_bridge_status },
	{ "bridge cert create", "CERT KEY [--address ADDR] [--days N]",
	    cmd_bridge_cert_create },
	{ "audit show",	"[--since TIME] [--type TYPE] [--key NAME] "
	    "[--cursor ID] [--limit N]", cmd_audit_show },
	{ "audit export", "[--since TIME] [--type TYPE] [--key NAME]",
	    cmd_audit_export },
	{ "audit verify", "",	cmd_audit_verify },
	{ "backup",	"FILE",	cmd_backup },
};

static void __attribute__((noreturn))
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: heraldctl [-j] [-s socket] command "
	    "[argument ...]\ncommands:\n");
	for (i = 0; i < nitems(cmds); i++)
		fprintf(stderr, "\t%s%s%s\n", cmds[i].words,
		    cmds[i].args[0] != '\0' ? " " : "", cmds[i].args);
	exit(1);
}

/* How many of argv the command's words take, 0 if they do not match. */
static int
cmd_match(const char *words, int argc, char **argv)
{
	const char	*w = words;
	size_t		 n;
	int		 i;

	for (i = 0; *w != '\0'; i++) {
		n = strcspn(w, " ");
		if (i >= argc || strlen(argv[i]) != n ||
		    strncmp(argv[i], w, n) != 0)
			return 0;
		w += n;
		w += strspn(w, " ");
	}
	return i;
}

void
no_args(const char *cmd, int argc, char **argv)
{
	if (argc > 0)
		errx(1, "%s: unexpected argument: %s", cmd, argv[0]);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: socket path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case EACCES:
	case EPERM:
		errx(1, "%s: %s (root or group access required)", path,
		    strerror(errno));
	case ENOENT:
	case ECONNREFUSED:
		errx(1, "%s: %s (is heraldd running?)", path,
		    strerror(errno));
	default:
		err(1, "%s", path);
	}
}

/*
 * Send the whole request.  A peer that hangs up at once may still have
 * told us why (a refusal), so EPIPE is left for the reply to explain.
 */
static void
ctl_send(struct ctx *cx, const uint8_t *buf, int len)
{
	union {
		struct cmsghdr	 h;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	ssize_t		 n;
	int		 off = 0;

	if (len < 0)
		errx(1, "request does not fit a frame");
	while (off < len) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (void *)(buf + off);
		iov.iov_len = (size_t)(len - off);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* A descriptor goes with the request's first bytes. */
		if (cx->passfd != -1) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
			CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
			CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &cx->passfd,
			    sizeof(int));
		}
		n = sendmsg(cx->fd, &mh, MSG_NOSIGNAL);
		if (n > 0)
			cx->passfd = -1;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return;
		if (n == -1)
			err(1, "%s: send", cx->path);
		off += (int)n;
	}
}

/* Exactly len bytes before the deadline, or a clear exit. */
static void
ctl_read_full(struct ctx *cx, uint8_t *buf, size_t len, time_t deadline)
{
	struct pollfd	 pfd = { cx->fd, POLLIN, 0 };
	size_t		 got = 0;
	ssize_t		 n;
	time_t		 now;
	int		 rv;

	while (got < len) {
		now = time(NULL);
		if (now >= deadline ||
		    (rv = poll(&pfd, 1, (int)(deadline - now) * 1000)) == 0)
			errx(1, "no reply from heraldd within %d s",
			    CTL_REPLY_TIMEOUT);
		if (rv == -1 && errno == EINTR)
			continue;
		if (rv == -1)
			err(1, "poll");
		n = recv(cx->fd, buf + got, len - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(1, "%s: reading the reply", cx->path);
		if (n == 0)
			errx(1, "heraldd closed the connection before a "
			    "complete reply");
		got += (size_t)n;
	}
}

/*
 * One request, one reply into rep; its type is returned.  ctl_exchange:
 * an ERROR reply is printed and ends the program with status 1.
 */
uint16_t
ctl_exchange_keep(struct ctx *cx, const uint8_t *req, int reqlen,
    union ctl_payload *rep)
{
	static uint8_t	 buf[CTL_MSG_MAX];
	uint8_t		 hdrbuf[CTL_HDR_LEN];
	struct ctl_hdr	 h;
	char		 why[CTL_WHY_MAX];
	time_t		 deadline;

	/* Arguments are checked by now: connect only for a good command. */
	if (cx->fd == -1)
		cx->fd = ctl_connect(cx->path);
	deadline = time(NULL) + CTL_REPLY_TIMEOUT;
	ctl_send(cx, req, reqlen);
	ctl_read_full(cx, hdrbuf, sizeof(hdrbuf), deadline);
	if (ctl_hdr_decode(hdrbuf, sizeof(hdrbuf), CTL_DIR_REP, &h, why,
	    sizeof(why)) == -1)
		errx(1, "bad reply from heraldd: %s", why);
	ctl_read_full(cx, buf, h.len, deadline);
	if (ctl_payload_decode(h.type, buf, h.len, rep, why,
	    sizeof(why)) == -1)
		errx(1, "bad reply from heraldd: %s", why);
	/* A new key is in rep now; no second copy lingers. */
	explicit_bzero(buf, h.len);
	return h.type;
}

static uint16_t
ctl_exchange(struct ctx *cx, const uint8_t *req, int reqlen,
    union ctl_payload *rep)
{
	uint16_t	 type;

	if ((type = ctl_exchange_keep(cx, req, reqlen, rep)) == CTL_REP_ERROR)
		errx(1, "%s", rep->msg.text);
	return type;
}

static void
unexpected(uint16_t type, uint16_t want)
{
	errx(1, "unexpected reply from heraldd: %s, expected %s",
	    ctl_type_name(type), ctl_type_name(want));
}

/* One request, one reply of type want into rep. */
static void
ctl_request(struct ctx *cx, const uint8_t *req, int reqlen, uint16_t want,
    union ctl_payload *rep)
{
	uint16_t	 type;

	if ((type = ctl_exchange(cx, req, reqlen, rep)) != want)
		unexpected(type, want);
}

/* A request with an empty payload. */
static void
ctl_simple(struct ctx *cx, uint16_t type, uint16_t want,
    union ctl_payload *rep)
{
	uint8_t	 req[CTL_HDR_LEN];

	ctl_request(cx, req, ctl_frame_empty(req, sizeof(req), type), want,
	    rep);
}

/* JSON strings must be UTF-8; anything else is shown with '?'. */
json_t *
jstr(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if ((j = json_string(s)) != NULL)
		return j;
	if ((copy = strdup(s)) == NULL)
		err(1, NULL);
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

void
json_print(json_t *obj)
{
	if (obj == NULL || json_dumpf(obj, stdout, JSON_INDENT(2)) == -1)
		errx(1, "cannot format JSON");
	putchar('\n');
	json_decref(obj);
}

/* 72 -> "1m 12s": the largest unit first, none above it that is 0. */
static void
fmt_duration(char *buf, size_t sz, uint64_t s)
{
	unsigned long long	 d = s / 86400, h = s / 3600 % 24,
				 m = s / 60 % 60, sec = s % 60;

	if (d > 0)
		snprintf(buf, sz, "%llud %lluh %llum %llus", d, h, m, sec);
	else if (h > 0)
		snprintf(buf, sz, "%lluh %llum %llus", h, m, sec);
	else if (m > 0)
		snprintf(buf, sz, "%llum %llus", m, sec);
	else
		snprintf(buf, sz, "%llus", sec);
}

static void
fmt_time(char *buf, size_t sz, uint64_t when)
{
	time_t		 t = (time_t)when;
	struct tm	 tm;

	if (when > (uint64_t)INT64_MAX || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		strlcpy(buf, "?", sz);
}

/* A unix time in UTC, for records that outlive the shell's TZ. */
void
fmt_utc(char *buf, size_t sz, uint64_t when)
{
	time_t		 t = (time_t)when;
	struct tm	 tm;

	if (when == 0 || when > (uint64_t)INT64_MAX ||
	    gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		strlcpy(buf, "an unknown time", sz);
}

/* "89 days left", "expired 3 days ago". */
static const char *
cert_left(uint64_t not_after, char *buf, size_t sz)
{
	time_t		 now = time(NULL);
	long long	 d;

	if (not_after > (uint64_t)now) {
		d = (long long)(not_after - (uint64_t)now) / 86400;
		snprintf(buf, sz, "%lld day%s left", d, d == 1 ? "" : "s");
	} else {
		d = (long long)((uint64_t)now - not_after) / 86400;
		snprintf(buf, sz, "expired %lld day%s ago", d, d == 1 ? "" :
		    "s");
	}
	return buf;
}

static void
status_table(const struct ctl_status *st)
{
	char		 up[64], since[64];
	uint32_t	 i;

	fmt_duration(up, sizeof(up), st->uptime);
	fmt_time(since, sizeof(since), st->started);
	printf("heraldd %s, up %s (since %s), %u reload%s\n", st->version,
	    up, since, st->reloads, st->reloads == 1 ? "" : "s");
	printf("config  %s\n", st->config);
	printf("broker  %s\n", st->broker);
	printf("storage %s\n", st->storage);
	fmt_utc(since, sizeof(since), st->cert_not_after);
	printf("certificate %s, expires %s (%s)\n", st->cert_state, since,
	    cert_left(st->cert_not_after, up, sizeof(up)));
	if (st->lockdown) {
		fmt_utc(since, sizeof(since), st->lockdown_since);
		printf("lockdown on, by %s since %s\n", st->lockdown_by,
		    since);
	} else
		printf("lockdown off\n");
	printf("%-9s %-7s %s\n", "PROCESS", "PID", "STATE");
	for (i = 0; i < st->nprocs; i++)
		printf("%-9s %-7u %s\n", st->procs[i].name,
		    st->procs[i].pid, st->procs[i].state);
}

static void
status_json(const struct ctl_status *st)
{
	json_t		*procs, *lockdown, *obj;
	uint32_t	 i;

	if ((procs = json_array()) == NULL)
		errx(1, "cannot format JSON");
	for (i = 0; i < st->nprocs; i++)
		json_array_append_new(procs, json_pack("{s:o, s:I, s:o}",
		    "name", jstr(st->procs[i].name),
		    "pid", (json_int_t)st->procs[i].pid,
		    "state", jstr(st->procs[i].state)));
	/* Off: nobody and no time, as null. */
	lockdown = json_pack("{s:b, s:o, s:o}",
	    "active", (int)st->lockdown,
	    "by", st->lockdown ? jstr(st->lockdown_by) : json_null(),
	    "since", st->lockdown ?
	    json_integer((json_int_t)st->lockdown_since) : json_null());
	obj = json_pack("{s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, "
	    "s:{s:o, s:I}}",
	    "version", jstr(st->version),
	    "started", (json_int_t)st->started,
	    "uptime", (json_int_t)st->uptime,
	    "reloads", (json_int_t)st->reloads,
	    "config", jstr(st->config),
	    "processes", procs,
	    "broker", jstr(st->broker),
	    "storage", jstr(st->storage),
	    "lockdown", lockdown,
	    "certificate", "state", jstr(st->cert_state),
	    "not_after", (json_int_t)st->cert_not_after);
	json_print(obj);
}

static int
cmd_status(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload rep;

	no_args("status", argc, argv);
	ctl_simple(cx, CTL_REQ_STATUS, CTL_REP_STATUS, &rep);
	if (cx->json)
		status_json(&rep.status);
	else
		status_table(&rep.status);
	return 0;
}

/* An OK reply: its message, as text or {"result":"ok","message":...}. */
static void
print_ok(struct ctx *cx, const struct ctl_msg *msg)
{
	if (cx->json)
		json_print(json_pack("{s:s, s:o}", "result", "ok",
		    "message", jstr(msg->text)));
	else if (msg->text[0] != '\0')
		printf("%s\n", msg->text);
}

/*
 * Exit 0: every change took effect; 3: in force, but some changes wait
 * for a restart (named); 1: refused, every error on stderr.
 */
static int
cmd_reload(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload rep;
	uint8_t		 req[CTL_HDR_LEN];
	uint16_t	 type;

	no_args("reload", argc, argv);
	type = ctl_exchange(cx, req, ctl_frame_empty(req, sizeof(req),
	    CTL_REQ_RELOAD), &rep);
	if (type != CTL_REP_OK && type != CTL_REP_RESTART)
		unexpected(type, CTL_REP_OK);
	print_ok(cx, &rep.msg);
	return type == CTL_REP_OK ? 0 : 3;
}

/* A request with a payload, from the union member its type encodes. */
void
ctl_send_payload(struct ctx *cx, uint16_t type, const union ctl_payload *req,
    uint16_t want, union ctl_payload *rep)
{
	static uint8_t	 buf[CTL_FRAME_MAX];

	ctl_request(cx, buf, ctl_frame_payload(buf, sizeof(buf), type, req),
	    want, rep);
}

/*
 * Option `name' at argv[*i], as "--name VALUE" or "--name=VALUE": its
 * value (and *i moved past it), or NULL if argv[*i] is another word.
 */
const char *
opt_value(const char *cmd, const char *name, int argc, char **argv, int *i)
{
	size_t	 n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	/* argv[argc] is NULL: the second test says so to the analyzer. */
	if (*i + 1 >= argc || argv[*i + 1] == NULL)
		errx(1, "%s: %s needs a value", cmd, name);
	return argv[++*i];
}

uint32_t
opt_number(const char *cmd, const char *name, const char *v, long long min,
    long long max, const char *unit)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(v, min, max, &errstr);
	if (errstr != NULL)
		errx(1, "%s: %s %s: %s (%lld to %lld %s)", cmd, name, v, errstr,
		    min, max, unit);
	return (uint32_t)n;
}

static void
check_name(const char *cmd, const char *name)
{
	char	 why[CTL_WHY_MAX];

	if (ctl_key_name_check(name, why, sizeof(why)) == -1)
		errx(1, "%s: key name '%s': %s", cmd, name, why);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * 64 hex digits, with or without colons between the bytes (as
 * "openssl x509 -noout -fingerprint -sha256" prints them).
 */
static void
parse_fingerprint(const char *cmd, const char *s, uint8_t out[CTL_FP_LEN])
{
	const char	*p = s;
	size_t		 i;
	int		 hi, lo;

	for (i = 0; i < CTL_FP_LEN; i++) {
		if (i > 0 && *p == ':')
			p++;
		if ((hi = hexval((unsigned char)p[0])) == -1 ||
		    (lo = hexval((unsigned char)p[1])) == -1)
			goto bad;
		out[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (*p == '\0')
		return;
bad:
	errx(1, "%s: --fingerprint: expected the SHA-256 of the client "
	    "certificate, 64 hex digits (colons allowed)", cmd);
}

/* A unix time in local time, to the day, minute or second. */
void
fmt_when(char *buf, size_t sz, uint64_t when, enum when_style style)
{
	time_t		 t = (time_t)when;
	struct tm	 tm;
	size_t		 n;

	if (when > (uint64_t)INT64_MAX || localtime_r(&t, &tm) == NULL) {
		strlcpy(buf, "?", sz);
		return;
	}
	switch (style) {
	case W_DATE:
		n = strftime(buf, sz, "%Y-%m-%d", &tm);
		break;
	case W_MINUTE:
		n = strftime(buf, sz, "%Y-%m-%d %H:%M", &tm);
		break;
	default:
		n = strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm);
		break;
	}
	if (n == 0)
		strlcpy(buf, "?", sz);
}

/* The key on stdout, alone on its line; what it is on stderr. */
static void
print_key(struct ctx *cx, struct ctl_key_created *k)
{
	char	 date[32], when[64];
	json_t	*obj;

	if (cx->json) {
		obj = json_pack("{s:I, s:o, s:o, s:I, s:o}",
		    "id", (json_int_t)k->id, "name", jstr(k->name),
		    "role", jstr(k->role), "expires", (json_int_t)k->expires,
		    "key", jstr(k->key));
		if (obj != NULL && k->old_id != 0) {
			json_object_set_new(obj, "replaces",
			    json_integer((json_int_t)k->old_id));
			json_object_set_new(obj, "replaced_expires",
			    json_integer((json_int_t)k->old_expires));
		}
		json_print(obj);
	} else {
		printf("%s\n", k->key);
		if (fflush(stdout) == EOF)
			err(1, "stdout");
		fmt_when(date, sizeof(date), k->expires, W_DATE);
		fprintf(stderr, "key %s (id %llu, role %s) expires %s; it will "
		    "not be shown again\n", k->name, (unsigned long long)k->id,
		    k->role, date);
		if (k->old_id != 0) {
			fmt_when(when, sizeof(when), k->old_expires,
			    W_SECOND);
			fprintf(stderr, "the key it replaces (id %llu) stops "
			    "working at %s\n", (unsigned long long)k->old_id,
			    when);
		}
	}
	explicit_bzero(k->key, sizeof(k->key));
}

static int
cmd_key_create(struct ctx *cx, int argc, char **argv)
{
	static const char	 cmd[] = "key create";
	static union ctl_payload req, rep;
	struct ctl_key_create	*r = &req.key_create;
	const char		*name = NULL, *role = NULL, *v;
	char			 why[CTL_WHY_MAX];
	int			 i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < argc; i++) {
		if ((v = opt_value(cmd, "--role", argc, argv, &i)) != NULL)
			role = v;
		else if ((v = opt_value(cmd, "--expires", argc, argv,
		    &i)) != NULL)
			r->expires_days = opt_number(cmd, "--expires", v, 1,
			    CTL_EXPIRES_MAX, "days");
		else if ((v = opt_value(cmd, "--fingerprint", argc, argv,
		    &i)) != NULL) {
			parse_fingerprint(cmd, v, r->fp);
			r->fp_present = 1;
		} else if (argv[i][0] == '-')
			errx(1, "%s: unknown option %s", cmd, argv[i]);
		else if (name != NULL)
			errx(1, "%s: unexpected argument: %s", cmd, argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		errx(1, "%s: a key NAME is required", cmd);
	check_name(cmd, name);
	if (role == NULL)
		errx(1, "%s: --role is required (admin, trader or viewer)",
		    cmd);
	if (ctl_role_check(role, why, sizeof(why)) == -1)
		errx(1, "%s: --role %s: %s", cmd, role, why);
	strlcpy(r->name, name, sizeof(r->name));
	strlcpy(r->role, role, sizeof(r->role));
	ctl_send_payload(cx, CTL_REQ_KEY_CREATE, &req, CTL_REP_KEY, &rep);
	print_key(cx, &rep.key_created);
	return 0;
}

static int
cmd_key_rotate(struct ctx *cx, int argc, char **argv)
{
	static const char	 cmd[] = "key rotate";
	static union ctl_payload req, rep;
	struct ctl_key_rotate	*r = &req.key_rotate;
	const char		*name = NULL, *v;
	int			 i;

	memset(r, 0, sizeof(*r));
	r->grace_hours = CTL_GRACE_DEFAULT;
	for (i = 0; i < argc; i++) {
		if ((v = opt_value(cmd, "--grace", argc, argv, &i)) != NULL)
			r->grace_hours = opt_number(cmd, "--grace", v, 0,
			    CTL_GRACE_MAX, "hours");
		else if (argv[i][0] == '-')
			errx(1, "%s: unknown option %s", cmd, argv[i]);
		else if (name != NULL)
			errx(1, "%s: unexpected argument: %s", cmd, argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		errx(1, "%s: a key NAME is required", cmd);
	check_name(cmd, name);
	strlcpy(r->name, name, sizeof(r->name));
	ctl_send_payload(cx, CTL_REQ_KEY_ROTATE, &req, CTL_REP_KEY, &rep);
	print_key(cx, &rep.key_created);
	return 0;
}

static int
cmd_key_revoke(struct ctx *cx, int argc, char **argv)
{
	static const char	 cmd[] = "key revoke";
	static union ctl_payload req, rep;
	const char		*t;

	if (argc == 0)
		errx(1, "%s: a key NAME or ID is required", cmd);
	no_args(cmd, argc - 1, argv + 1);
	t = argv[0];
	/* Digits only: an id (names never are). */
	if (t[0] == '\0' || strspn(t, "0123456789") != strlen(t))
		check_name(cmd, t);
	else if (strlen(t) > 19 || strtonum(t, 1, INT64_MAX, NULL) == 0)
		errx(1, "%s: key id %s is out of range", cmd, t);
	memset(&req.key_target, 0, sizeof(req.key_target));
	strlcpy(req.key_target.target, t, sizeof(req.key_target.target));
	ctl_send_payload(cx, CTL_REQ_KEY_REVOKE, &req, CTL_REP_OK, &rep);
	print_ok(cx, &rep.msg);
	return 0;
}

static const char *
never_if_zero(uint64_t v, char *buf, size_t sz)
{
	if (v == 0)
		return "never";
	fmt_when(buf, sz, v, W_MINUTE);
	return buf;
}

static void
keys_table(const struct ctl_keys *ks)
{
	char		 created[32], used[32], expires[32];
	int		 w = 4;
	uint32_t	 i;

	for (i = 0; i < ks->n; i++)
		if ((int)strlen(ks->keys[i].name) > w)
			w = (int)strlen(ks->keys[i].name);
	printf("%-5s %-*s %-7s %-16s %-16s %-16s %s\n", "ID", w, "NAME",
	    "ROLE", "CREATED", "LAST-USED", "EXPIRES", "STATE");
	for (i = 0; i < ks->n; i++) {
		const struct ctl_key_row *k = &ks->keys[i];

		fmt_when(created, sizeof(created), k->created, W_MINUTE);
		fmt_when(expires, sizeof(expires), k->expires, W_MINUTE);
		printf("%-5llu %-*s %-7s %-16s %-16s %-16s %s\n",
		    (unsigned long long)k->id, w, k->name, k->role, created,
		    never_if_zero(k->last_used, used, sizeof(used)),
		    expires, ctl_key_state_name(k->state));
	}
	if (ks->total > ks->n)
		fprintf(stderr, "heraldctl: showing the newest %u of %u keys\n",
		    ks->n, ks->total);
}

static void
keys_json(const struct ctl_keys *ks)
{
	json_t		*arr;
	uint32_t	 i;

	if ((arr = json_array()) == NULL)
		errx(1, "cannot format JSON");
	for (i = 0; i < ks->n; i++) {
		const struct ctl_key_row *k = &ks->keys[i];

		json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:I, "
		    "s:o, s:I, s:s, s:b}",
		    "id", (json_int_t)k->id, "name", jstr(k->name),
		    "role", jstr(k->role), "created", (json_int_t)k->created,
		    "last_used", k->last_used != 0 ?
		    json_integer((json_int_t)k->last_used) : json_null(),
		    "expires", (json_int_t)k->expires,
		    "state", ctl_key_state_name(k->state),
		    "certificate_bound", (int)k->bound));
	}
	json_print(json_pack("{s:I, s:o}", "total", (json_int_t)ks->total,
	    "keys", arr));
}

static int
cmd_key_list(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload rep;

	no_args("key list", argc, argv);
	ctl_simple(cx, CTL_REQ_KEY_LIST, CTL_REP_KEYS, &rep);
	if (cx->json)
		keys_json(&rep.keys);
	else
		keys_table(&rep.keys);
	return 0;
}

static int
cmd_ban_list(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload rep;
	const struct ctl_bans	*bs = &rep.bans;
	char			 until[32];
	json_t			*arr;
	uint32_t		 i;
	int			 w = 7;

	no_args("ban list", argc, argv);
	ctl_simple(cx, CTL_REQ_BAN_LIST, CTL_REP_BANS, &rep);
	if (cx->json) {
		if ((arr = json_array()) == NULL)
			errx(1, "cannot format JSON");
		for (i = 0; i < bs->n; i++)
			json_array_append_new(arr, json_pack("{s:o, s:I, s:I}",
			    "address", jstr(bs->bans[i].address),
			    "until", (json_int_t)bs->bans[i].until,
			    "strikes", (json_int_t)bs->bans[i].strikes));
		json_print(json_pack("{s:I, s:o}", "total",
		    (json_int_t)bs->total, "bans", arr));
		return 0;
	}
	for (i = 0; i < bs->n; i++)
		if ((int)strlen(bs->bans[i].address) > w)
			w = (int)strlen(bs->bans[i].address);
	printf("%-*s %-19s %s\n", w, "ADDRESS", "UNTIL", "STRIKES");
	for (i = 0; i < bs->n; i++) {
		fmt_when(until, sizeof(until), bs->bans[i].until, W_SECOND);
		printf("%-*s %-19s %u\n", w, bs->bans[i].address, until,
		    bs->bans[i].strikes);
	}
	if (bs->total > bs->n)
		fprintf(stderr, "heraldctl: showing %u of %u bans\n", bs->n,
		    bs->total);
	return 0;
}

static int
cmd_ban_del(struct ctx *cx, int argc, char **argv)
{
	static const char	 cmd[] = "ban del";
	static union ctl_payload req, rep;
	struct in6_addr		 a6;
	struct in_addr		 a4;

	if (argc == 0)
		errx(1, "%s: an ADDRESS is required", cmd);
	no_args(cmd, argc - 1, argv + 1);
	if (inet_pton(AF_INET, argv[0], &a4) != 1 &&
	    inet_pton(AF_INET6, argv[0], &a6) != 1)
		errx(1, "%s: %s is not a numeric IPv4 or IPv6 address", cmd,
		    argv[0]);
	memset(&req.address, 0, sizeof(req.address));
	strlcpy(req.address.address, argv[0], sizeof(req.address.address));
	ctl_send_payload(cx, CTL_REQ_BAN_DEL, &req, CTL_REP_OK, &rep);
	print_ok(cx, &rep.msg);
	return 0;
}

static int
cmd_lockdown(struct ctx *cx, int argc, char **argv)
{
	static const char	 cmd[] = "lockdown";
	static union ctl_payload req, rep;

	if (argc == 0)
		errx(1, "%s: on or off is required", cmd);
	no_args(cmd, argc - 1, argv + 1);
	memset(&req.lockdown, 0, sizeof(req.lockdown));
	if (strcmp(argv[0], "on") == 0)
		req.lockdown.on = 1;
	else if (strcmp(argv[0], "off") != 0)
		errx(1, "%s: expected on or off, not %s", cmd, argv[0]);
	ctl_send_payload(cx, CTL_REQ_LOCKDOWN, &req, CTL_REP_OK, &rep);
	print_ok(cx, &rep.msg);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ctx	 cx = { CTL_SOCKET_DEFAULT, 0, -1, -1 };
	size_t		 i;
	int		 ch, n, rv;

	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			cx.json = 1;
			break;
		case 's':
			cx.path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	for (i = 0; i < nitems(cmds); i++) {
		if ((n = cmd_match(cmds[i].words, argc, argv)) == 0)
			continue;
		rv = cmds[i].run(&cx, argc - n, argv + n);
		if (cx.fd != -1)
			close(cx.fd);
		if (fflush(stdout) == EOF)
			err(1, "stdout");
		return rv;
	}
	warnx("unknown command: %s", argv[0]);
	usage();
}
