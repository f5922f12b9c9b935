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

#define CTL_SOCKET_DEFAULT	"/run/heraldd.sock"
#define CTL_REPLY_TIMEOUT	30	/* seconds */

struct ctx {
	const char	*path;
	int		 json;
	int		 fd;
};

static int	cmd_status(struct ctx *, int, char **);
static int	cmd_reload(struct ctx *, int, char **);

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
};

static void __attribute__((noreturn))
usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: heraldctl [-j] [-s socket] command "
	    "[argument ...]\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
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

static void
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
	ssize_t	 n;
	int	 off = 0;

	if (len < 0)
		errx(1, "request does not fit a frame");
	while (off < len) {
		n = send(cx->fd, buf + off, (size_t)(len - off), MSG_NOSIGNAL);
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
 * One request, one reply of type want into rep.  An ERROR reply is
 * printed and ends the program with status 1.
 */
static void
ctl_request(struct ctx *cx, const uint8_t *req, int reqlen, uint16_t want,
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
	if (h.type == CTL_REP_ERROR)
		errx(1, "%s", rep->msg.text);
	if (h.type != want)
		errx(1, "unexpected reply from heraldd: %s, expected %s",
		    ctl_type_name(h.type), ctl_type_name(want));
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
static json_t *
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

static void
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
	printf("%-9s %-7s %s\n", "PROCESS", "PID", "STATE");
	for (i = 0; i < st->nprocs; i++)
		printf("%-9s %-7u %s\n", st->procs[i].name,
		    st->procs[i].pid, st->procs[i].state);
}

static void
status_json(const struct ctl_status *st)
{
	json_t		*procs, *obj;
	uint32_t	 i;

	if ((procs = json_array()) == NULL)
		errx(1, "cannot format JSON");
	for (i = 0; i < st->nprocs; i++)
		json_array_append_new(procs, json_pack("{s:o, s:I, s:o}",
		    "name", jstr(st->procs[i].name),
		    "pid", (json_int_t)st->procs[i].pid,
		    "state", jstr(st->procs[i].state)));
	obj = json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}",
	    "version", jstr(st->version),
	    "started", (json_int_t)st->started,
	    "uptime", (json_int_t)st->uptime,
	    "reloads", (json_int_t)st->reloads,
	    "config", jstr(st->config),
	    "processes", procs);
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

static int
cmd_reload(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload rep;

	no_args("reload", argc, argv);
	ctl_simple(cx, CTL_REQ_RELOAD, CTL_REP_OK, &rep);
	print_ok(cx, &rep.msg);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ctx	 cx = { CTL_SOCKET_DEFAULT, 0, -1 };
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
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
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
