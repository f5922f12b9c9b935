/*
 * The control socket's audit requests: a page of the trail (heraldctl
 * audit show and export page through it with the cursor), the verdict
 * on the chain, and the rows the other requests leave.  See
 * control_int.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "backup.h"
#include "control_int.h"
#include "db.h"
#include "log.h"

void
ctl_audit(const struct ctl_conn *c, const char *type, const char *key,
    json_t *detail)
{
	char	 actor[64];

	audit_actor_peer(actor, sizeof(actor), (unsigned int)c->uid,
	    (int)c->pid);
	(void)audit_event(type, actor, key, "control", detail);
}

static int
page_row(const struct audit_row *r, void *arg)
{
	struct ctl_audit	*a = arg;

	audit_row_export(r, &a->rows[a->n++]);
	return 0;
}

int
ctl_do_audit(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload	 rep;
	const struct ctl_audit_req	*q = &pl->audit_req;
	struct audit_filter		 f;
	char				 err[CTL_STR_MAX];

	if (!db_is_open())
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    "the database is not open");
	memset(&f, 0, sizeof(f));
	f.cursor = q->cursor > INT64_MAX ? INT64_MAX : (int64_t)q->cursor;
	f.since = q->since > INT64_MAX ? INT64_MAX : (int64_t)q->since;
	strlcpy(f.type, q->type, sizeof(f.type));
	strlcpy(f.key, q->key, sizeof(f.key));
	/* One more than asked: whether there is a next page. */
	f.limit = q->limit + 1;
	rep.audit.n = 0;
	rep.audit.next = 0;
	if (audit_query(db_handle(), &f, page_row, &rep.audit, err,
	    sizeof(err)) == -1) {
		rep.audit.n = 0;
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	}
	if (rep.audit.n > q->limit) {
		rep.audit.n = q->limit;
		rep.audit.next = rep.audit.rows[q->limit - 1].id;
	}
	return ctl_reply(c, CTL_REP_AUDIT, &rep);
}

int
ctl_do_audit_verify(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload	 rep;
	struct ctl_audit_verdict	*w = &rep.audit_verdict;
	struct audit_verdict		 v;
	char				 err[CTL_STR_MAX];

	if (!db_is_open())
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    "the database is not open");
	if (audit_verify(db_handle(), &v, err, sizeof(err)) == -1)
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	memset(w, 0, sizeof(*w));
	w->ok = v.ok ? 1 : 0;
	w->rows = (uint64_t)v.rows;
	w->head_id = (uint64_t)v.head_id;
	w->bad_id = (uint64_t)v.bad_id;
	strlcpy(w->why, v.why, sizeof(w->why));
	if (v.ok)
		audit_hex(v.head_mac, w->head_mac);
	else
		log_security("audit: heraldctl audit verify by uid %u pid %d: "
		    "%s", (unsigned int)c->uid, (int)c->pid, v.why);
	return ctl_reply(c, CTL_REP_AUDIT_VERIFY, &rep);
}

/*
 * heraldctl backup FILE: heraldctl created FILE and passed it open; the
 * copy is written into it (backup.h says why this way).
 */
int
ctl_do_backup(struct ctl_conn *c, const union ctl_payload *pl)
{
	struct backup_result	 r;
	char			 msg[CTL_STR_MAX], trail[400];
	int			 fd = c->passed_fd;

	c->passed_fd = -1;
	if (!db_is_open()) {
		close(fd);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR,
		    "the database is not open");
	}
	if (backup_to_fd(db_path(), fd, &r, msg, sizeof(msg)) == -1) {
		close(fd);
		log_warnx("control: backup by uid %u pid %d failed: %s",
		    (unsigned int)c->uid, (int)c->pid, msg);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, msg);
	}
	close(fd);
	if (r.audit_broken[0] != '\0')
		snprintf(trail, sizeof(trail), "AUDIT TRAIL BROKEN: %s",
		    r.audit_broken);
	else if (r.audit_rows >= 0)
		snprintf(trail, sizeof(trail), "%" PRId64 " audit rows verified",
		    r.audit_rows);
	else
		strlcpy(trail, "no audit trail", sizeof(trail));
	snprintf(msg, sizeof(msg), "backup written: %" PRIu64 " bytes, %"
	    PRIu64 " pages, schema version %d, integrity ok, %s", r.bytes,
	    r.pages, r.schema, trail);
	log_info("control: %s (by uid %u pid %d)", msg, (unsigned int)c->uid,
	    (int)c->pid);
	ctl_audit(c, "backup", NULL, json_pack("{s:I, s:I, s:i, s:I}",
	    "bytes", (json_int_t)r.bytes, "pages", (json_int_t)r.pages,
	    "schema", r.schema, "audit_rows", (json_int_t)r.audit_rows));
	return ctl_send_msg(c->fd, c->pid, CTL_REP_OK, msg);
}
