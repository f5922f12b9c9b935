/*
 * heraldctl audit show|export|verify, and backup.  See heraldctl(8).
 *
 * show prints one page (--limit rows, default 50) and the cursor of the
 * next; export pages through every row the filters select, one JSON
 * object per line, for an archive or a log pipeline.  The monitor sends
 * at most CTL_AUDIT_ROWS_MAX rows a reply; both ask page after page on
 * the one connection.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlproto.h"
#include "heraldctl.h"

#define AUDIT_SHOW_DEFAULT	50
#define AUDIT_SHOW_MAX		10000

struct audit_args {
	struct ctl_audit_req	 q;
	uint64_t		 limit;		/* rows in all */
};

/* A unix time in seconds, or RFC 3339 in UTC ("2026-12-03T12:00:00Z"). */
static uint64_t
parse_since(const char *cmd, const char *v)
{
	struct tm	 tm;
	const char	*end;
	time_t		 t;

	if (strspn(v, "0123456789") == strlen(v))
		return opt_number(cmd, "--since", v, 0, UINT32_MAX, "seconds");
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0) ||
	    (t = timegm(&tm)) == (time_t)-1 || t < 0)
		errx(1, "%s: --since %s: not a unix time nor an RFC 3339 time "
		    "in UTC (2026-12-03T12:00:00Z)", cmd, v);
	return (uint64_t)t;
}

static void
parse_args(const char *cmd, int paged, int argc, char **argv,
    struct audit_args *a)
{
	const char	*v;
	int		 i;

	memset(a, 0, sizeof(*a));
	a->limit = paged ? AUDIT_SHOW_DEFAULT : UINT64_MAX;
	for (i = 0; i < argc; i++) {
		if ((v = opt_value(cmd, "--since", argc, argv, &i)) != NULL)
			a->q.since = parse_since(cmd, v);
		else if ((v = opt_value(cmd, "--type", argc, argv,
		    &i)) != NULL) {
			if (strlen(v) > CTL_AUDIT_TYPE_MAX ||
			    strspn(v, "abcdefghijklmnopqrstuvwxyz_.") !=
			    strlen(v) || v[0] == '\0')
				errx(1, "%s: --type %s: not an event type "
				    "(order, key.create, ...)", cmd, v);
			strlcpy(a->q.type, v, sizeof(a->q.type));
		} else if ((v = opt_value(cmd, "--key", argc, argv,
		    &i)) != NULL) {
			if (strlcpy(a->q.key, v, sizeof(a->q.key)) >=
			    sizeof(a->q.key) || v[0] == '\0')
				errx(1, "%s: --key: 1 to %d characters", cmd,
				    CTL_AUDIT_KEY_MAX);
		} else if (paged && (v = opt_value(cmd, "--cursor", argc,
		    argv, &i)) != NULL)
			a->q.cursor = opt_number(cmd, "--cursor", v, 0,
			    UINT32_MAX, "");
		else if (paged && (v = opt_value(cmd, "--limit", argc, argv,
		    &i)) != NULL)
			a->limit = opt_number(cmd, "--limit", v, 1,
			    AUDIT_SHOW_MAX, "rows");
		else
			errx(1, "%s: unexpected argument: %s", cmd, argv[i]);
	}
}

/* One row as JSON; its detail as the object it is. */
static json_t *
row_json(const struct rpc_audit_row *w)
{
	json_t		*d;
	json_error_t	 je;
	char		 when[32];
	time_t		 t = (time_t)w->time;
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(when, "?", sizeof(when));
	if ((d = json_loads(w->detail, 0, &je)) == NULL)
		d = jstr(w->detail);
	return json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:s}",
	    "id", (json_int_t)w->id, "time", when, "unix_time",
	    (json_int_t)w->time, "type", jstr(w->type), "actor",
	    jstr(w->actor), "key", jstr(w->key), "source", jstr(w->source),
	    "detail", d, "mac", w->mac);
}

static void
row_line(const struct rpc_audit_row *w)
{
	json_t	*j = row_json(w);

	if (j == NULL || json_dumpf(j, stdout, JSON_COMPACT) == -1)
		errx(1, "cannot format JSON");
	putchar('\n');
	json_decref(j);
}

static void
row_text(const struct rpc_audit_row *w)
{
	char	 when[40];

	fmt_utc(when, sizeof(when), w->time);
	printf("%llu  %s  %-16s %s%s%s%s%s  %s\n", (unsigned long long)w->id,
	    when, w->type, w->actor, w->source[0] != '\0' ? " from " : "",
	    w->source, w->key[0] != '\0' ? " key " : "", w->key, w->detail);
}

/*
 * Ask page after page until limit rows, or no more; fn prints each.
 * The cursor of the next page, 0 when the last was read.
 */
static uint64_t
fetch(struct ctx *cx, struct audit_args *a,
    void (*fn)(const struct rpc_audit_row *), json_t *into)
{
	static union ctl_payload	 req, rep;
	uint64_t			 done = 0;
	uint32_t			 i;

	req.audit_req = a->q;
	for (;;) {
		req.audit_req.limit = a->limit - done > CTL_AUDIT_ROWS_MAX ?
		    CTL_AUDIT_ROWS_MAX : (uint32_t)(a->limit - done);
		ctl_send_payload(cx, CTL_REQ_AUDIT, &req, CTL_REP_AUDIT, &rep);
		for (i = 0; i < rep.audit.n; i++) {
			if (into != NULL)
				json_array_append_new(into,
				    row_json(&rep.audit.rows[i]));
			else
				fn(&rep.audit.rows[i]);
		}
		done += rep.audit.n;
		if (rep.audit.next == 0 || done >= a->limit)
			return rep.audit.next;
		req.audit_req.cursor = rep.audit.next;
	}
}

int
cmd_audit_show(struct ctx *cx, int argc, char **argv)
{
	struct audit_args	 a;
	json_t			*rows = NULL;
	uint64_t		 next;

	parse_args("audit show", 1, argc, argv, &a);
	if (cx->json && (rows = json_array()) == NULL)
		errx(1, "cannot format JSON");
	next = fetch(cx, &a, row_text, rows);
	if (cx->json)
		json_print(json_pack("{s:o, s:I}", "rows", rows, "next",
		    (json_int_t)next));
	else if (next != 0)
		printf("more: heraldctl audit show --cursor %llu\n",
		    (unsigned long long)next);
	return 0;
}

int
cmd_audit_export(struct ctx *cx, int argc, char **argv)
{
	struct audit_args	 a;

	parse_args("audit export", 0, argc, argv, &a);
	(void)fetch(cx, &a, row_line, NULL);
	return 0;
}

/* Exit 0 when every row checks; 1 naming the first that does not. */
int
cmd_audit_verify(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload	 req, rep;
	const struct ctl_audit_verdict	*v = &rep.audit_verdict;

	no_args("audit verify", argc, argv);
	ctl_send_payload(cx, CTL_REQ_AUDIT_VERIFY, &req, CTL_REP_AUDIT_VERIFY,
	    &rep);
	if (cx->json)
		json_print(json_pack("{s:b, s:I, s:I, s:s, s:I, s:o}", "ok",
		    (int)v->ok, "rows", (json_int_t)v->rows, "head_id",
		    (json_int_t)v->head_id, "head_mac", v->head_mac, "bad_id",
		    (json_int_t)v->bad_id, "why", jstr(v->why)));
	else if (v->ok)
		printf("audit trail verified: %llu rows; head id %llu mac %s\n",
		    (unsigned long long)v->rows,
		    (unsigned long long)v->head_id, v->head_mac);
	if (!v->ok && !cx->json)
		fprintf(stderr, "heraldctl: audit trail broken at row %llu: "
		    "%s\n", (unsigned long long)v->bad_id, v->why);
	return v->ok ? 0 : 1;
}

/*
 * backup FILE: FILE is created here, new, mode 0600, with this user's
 * rights, and handed to heraldd open: the monitor never opens a path we
 * name.  It is removed again when heraldd cannot fill it.
 */
int
cmd_backup(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload	 rep;
	uint8_t				 buf[CTL_HDR_LEN];
	uint16_t			 type;
	int				 fd;

	if (argc != 1)
		errx(1, "backup: expected one argument, the file to write");
	if ((fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		err(1, "backup: %s", argv[0]);
	if (fchmod(fd, 0600) == -1) {
		warn("backup: %s", argv[0]);
		goto fail;
	}
	cx->passfd = fd;
	type = ctl_exchange_keep(cx, buf, ctl_frame_empty(buf, sizeof(buf),
	    CTL_REQ_BACKUP), &rep);
	close(fd);
	if (type == CTL_REP_ERROR) {
		warnx("%s", rep.msg.text);
		(void)unlink(argv[0]);
		return 1;
	}
	if (type != CTL_REP_OK) {
		warnx("unexpected reply from heraldd: %s", ctl_type_name(type));
		(void)unlink(argv[0]);
		return 1;
	}
	if (cx->json)
		json_print(json_pack("{s:s, s:o, s:s}", "result", "ok",
		    "message", jstr(rep.msg.text), "file", argv[0]));
	else
		printf("%s: %s\n", argv[0], rep.msg.text);
	return 0;
 fail:
	close(fd);
	(void)unlink(argv[0]);
	return 1;
}
