/*
 * The monitor's audit trail: the key, the check at start, the head in
 * the log, retention, and the events the other modules report.  See
 * audit.h.
 *
 * A broken chain at start is a SECURITY line and heraldd goes on: the
 * trail is evidence, and an operator of sshd expects a daemon that
 * reports tampering loudly rather than one that refuses to trade until
 * the evidence is cleaned away.  New rows chain on the last row as it
 * is, so the break stays where it was found and verify keeps naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "rpc_audit.h"

static struct {
	int		 on;
	int		 days;
	int		 interval;
	char		 config[PATH_MAX];
	struct event	*timer;
} as;

static void
log_head(const char *when)
{
	uint8_t		 mac[AUDIT_MAC_LEN];
	char		 hex[65];
	int64_t		 id, rows;

	if (audit_head(db_handle(), &id, mac, &rows) == -1) {
		log_warnx("audit: cannot read the chain head: %s",
		    sqlite3_errmsg(db_handle()));
		return;
	}
	audit_hex(mac, hex);
	log_info("audit: chain head %s: id %" PRId64 " mac %s (%" PRId64
	    " rows)", when, id, hex, rows);
}

static void
prune(void)
{
	char	 err[512];
	int64_t	 now = (int64_t)time(NULL), n;

	/* Inside the trading path's batch it would commit with it. */
	if (!sqlite3_get_autocommit(db_handle()) || db_fault())
		return;
	if ((n = audit_prune(db_handle(), now - (int64_t)as.days * 86400,
	    now, err, sizeof(err))) == -1)
		log_warnx("%s", err);
	else if (n > 0)
		log_info("audit: pruned %" PRId64 " rows older than %d days "
		    "through a checkpoint", n, as.days);
}

static void
arm(void)
{
	struct timeval	 tv = { as.interval, 0 };

	if (as.timer != NULL && evtimer_add(as.timer, &tv) == -1)
		fatalx("audit: evtimer_add");
}

static void
on_timer(evutil_socket_t fd, short ev, void *arg)
{
	prune();
	log_head("now");
	arm();
}

int
audit_start(const struct herald_conf *conf, struct event_base *base,
    char *err, size_t errlen)
{
	struct audit_verdict	 v;

	if (audit_key_load(conf->audit.key_file, 1, err, errlen) != 0)
		return -1;
	as.on = 1;
	audit_reconfigure(conf);
	if (audit_verify(db_handle(), &v, err, errlen) == -1)
		return -1;
	if (!v.ok)
		log_security("audit: the audit trail in %s does not verify: "
		    "%s; it was changed outside heraldd (heraldctl audit "
		    "verify names the row; heraldd goes on, appending to it)",
		    conf->database, v.why);
	else
		log_info("audit: chain verified: %" PRId64 " rows", v.rows);
	prune();
	log_head("at start");
	if (base != NULL) {
		if ((as.timer = evtimer_new(base, on_timer, NULL)) == NULL)
			fatalx("audit: evtimer_new");
		arm();
	}
	return 0;
}

void
audit_reconfigure(const struct herald_conf *conf)
{
	strlcpy(as.config, conf->path, sizeof(as.config));
	as.days = conf->audit.days;
	as.interval = conf->audit.head_interval;
	if (as.timer != NULL && evtimer_pending(as.timer, NULL)) {
		evtimer_del(as.timer);
		arm();
	}
}

void
audit_stop(void)
{
	if (!as.on)
		return;
	if (db_is_open())
		log_head("at shutdown");
	if (as.timer != NULL)
		event_free(as.timer);
	as.timer = NULL;
	as.on = 0;
	audit_key_forget();
}

int
audit_event_row(struct audit_row *r)
{
	char	 err[512];

	/* Not started: a unit test of another module, or -n. */
	if (!as.on) {
		log_debug("audit: %s by %s: no trail", r->type, r->actor);
		return 0;
	}
	if (!db_is_open()) {
		log_warnx("audit: %s by %s not recorded: the database is not "
		    "open", r->type, r->actor);
		return -1;
	}
	if (audit_append(db_handle(), r, err, sizeof(err)) == -1) {
		log_warnx("audit: %s by %s not recorded: %s", r->type,
		    r->actor, err);
		return -1;
	}
	return 0;
}

int
audit_event(const char *type, const char *actor, const char *key,
    const char *source, json_t *detail)
{
	struct audit_row	 r;

	if (audit_row_make(&r, type, actor, key, source, detail) == -1) {
		log_warnx("audit: %s by %s not recorded: a field is too long",
		    type, actor);
		return -1;
	}
	return audit_event_row(&r);
}

/* The SHA-256 of path in hex, or why not. */
static void
file_digest(const char *path, char *out, size_t outlen)
{
	EVP_MD_CTX	*c;
	uint8_t		 buf[8192], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(out, outlen, "unreadable: %s", strerror(errno));
		return;
	}
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		fatalx("audit: SHA-256");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, (size_t)n);
	close(fd);
	if (n == -1 || EVP_DigestFinal_ex(c, md, &mdlen) != 1) {
		snprintf(out, outlen, "unreadable: %s", strerror(errno));
		EVP_MD_CTX_free(c);
		return;
	}
	EVP_MD_CTX_free(c);
	out[0] = '\0';
	for (i = 0; i < mdlen && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, outlen - 2 * i, "%02x", md[i]);
}

json_t *
audit_reload_detail(int result)
{
	char	 hex[2 * EVP_MAX_MD_SIZE + 1];

	file_digest(as.config, hex, sizeof(hex));
	return json_pack("{s:s, s:s, s:s}", "result", result == 0 ?
	    "applied" : result == 1 ? "restart_needed" : "refused", "file",
	    as.config, "sha256", hex);
}

struct page_fill {
	struct rpc_audit_page	 pg;
	int			 full;
};

static int
page_add(const struct audit_row *r, void *arg)
{
	struct page_fill	*pf = arg;
	struct rpc_audit_row	 w;

	audit_row_export(r, &w);
	if (rpc_audit_add(&pf->pg, &w) == -1) {
		pf->full = 1;
		return 1;
	}
	return 0;
}

size_t
audit_api_page(const struct audit_filter *f, uint8_t *buf, size_t cap,
    char *err, size_t errlen)
{
	struct page_fill	 pf;
	struct audit_filter	 g = *f;
	size_t			 n;

	memset(&pf, 0, sizeof(pf));
	rpc_audit_begin(&pf.pg, buf, cap);
	/* One more than asked: whether another page follows. */
	g.limit = f->limit + 1;
	if (audit_query(db_handle(), &g, page_add, &pf, err, errlen) == -1)
		return 0;
	if (pf.pg.n > f->limit) {
		/* The extra row told there is more; drop it. */
		rpc_audit_begin(&pf.pg, buf, cap);
		g.limit = f->limit;
		pf.full = 1;
		if (audit_query(db_handle(), &g, page_add, &pf, err,
		    errlen) == -1)
			return 0;
	}
	if ((n = rpc_audit_finish(&pf.pg, pf.full ? pf.pg.last : 0)) == 0)
		snprintf(err, errlen, "audit: page does not fit");
	return n;
}
