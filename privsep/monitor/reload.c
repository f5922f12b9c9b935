/*
 * What a reload changed.  See reload.h.
 *
 * One row per key: where it lives in struct herald_conf and whether a
 * reload can apply it.  A key added to the configuration adds a row
 * here; tests/integration/test_reload.py changes one of each kind.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nitems.h"
#include "reload.h"

struct reload_key {
	const char	*key;
	size_t		 off;
	size_t		 len;
	int		 restart;	/* set up once, at start */
};

#define K(key, member, restart) { key, offsetof(struct herald_conf, member), \
	sizeof(((struct herald_conf *)0)->member), restart }

static const struct reload_key reload_keys[] = {
	K("listen",			listen,				1),
	K("listen",			nlisten,			1),
	K("tls.certificate",		tls.certificate,		0),
	K("tls.key",			tls.key,			0),
	K("tls.client_ca",		tls.client_ca,			1),
	K("control.socket",		control.socket,			1),
	K("control.group",		control.group,			1),
	K("control.max_clients",	control.max_clients,		0),
	K("control.timeout",		control.timeout,		0),
	K("control.key_expiry_days",	control.key_expiry_days,	0),
	K("privsep.user",		privsep.user,			1),
	K("privsep.chroot",		privsep.chroot,			1),
	K("privsep.seccomp_debug",	privsep.seccomp_debug,		1),
	K("database",			database,			1),
	K("pid_file",			pid_file,			1),
	K("mt5.backend",		mt5.backend,			1),
	K("mt5.login",			mt5.login,			0),
	K("mt5.server",			mt5.server,			0),
	K("mt5.password_file",		mt5.password_file,		0),
	K("mt5.request_timeout",	mt5.request_timeout,		0),
	K("mt5.start_timeout",		mt5.start_timeout,		0),
	K("mt5.paper",			mt5.paper,			1),
	K("mt5.bridge",			mt5.bridge,			1),
	K("trading.allowed_symbols",	trading.allowed_symbols,	0),
	K("trading.allowed_symbols",	trading.nallowed,		0),
	K("trading.max_volume",		trading.max_volume,		0),
	K("trading.max_open_positions",	trading.max_open_positions,	0),
	K("trading.max_positions_per_symbol",
	    trading.max_positions_per_symbol,				0),
	K("trading.max_daily_loss",	trading.max_daily_loss,		0),
	K("trading.orders_per_minute",	trading.orders_per_minute,	0),
	K("trading.duplicate_window",	trading.duplicate_window,	0),
	K("trading.journal_days",	trading.journal_days,		0),
	K("limits.open_files",		limits.open_files,		1),
	K("limits.header_bytes",	limits.header_bytes,		0),
	K("limits.header_count",	limits.header_count,		0),
	K("limits.body_bytes",		limits.body_bytes,		0),
	K("limits.request_line",	limits.request_line,		0),
	K("limits.header_timeout",	limits.header_timeout,		0),
	K("limits.body_timeout",	limits.body_timeout,		0),
	K("limits.idle_timeout",	limits.idle_timeout,		0),
	K("limits.connections",		limits.connections,		0),
	K("limits.connections_per_source", limits.connections_per_source, 0),
	K("limits.output_buffer",	limits.output_buffer,		0),
	K("rate_limit.window",		rate_limit.window,		0),
	K("rate_limit.per_source",	rate_limit.per_source,		0),
	K("rate_limit.per_key",		rate_limit.per_key,		0),
	K("rate_limit.auth_failures",	rate_limit.auth_failures,	0),
	K("rate_limit.auth_window",	rate_limit.auth_window,		0),
	K("rate_limit.ban_time",	rate_limit.ban_time,		0),
	K("rate_limit.ban_max",		rate_limit.ban_max,		0),
	K("events.retention",		events.retention,		0),
	K("events.retention_days",	events.retention_days,		0),
	K("events.heartbeat",		events.heartbeat,		0),
	K("events.streams",		events.streams,			0),
	K("events.streams_per_key",	events.streams_per_key,		0),
	K("events.stream_buffer",	events.stream_buffer,		0),
	K("tls.expiry_warning_days",	tls.expiry_warning_days,	0),
	K("log.level",			log.level,			0),
	K("log.facility",		log.facility,			0),
};

#undef K

static void
reload_note(char *buf, size_t len, const char *key, int restart)
{
	if (restart)
		log_warnx("reload: %s changed; restart heraldd to apply", key);
	else
		log_info("reload: %s changed", key);
	if (buf[0] != '\0')
		strlcat(buf, "; ", len);
	strlcat(buf, key, len);
	if (restart)
		strlcat(buf, " (restart needed)", len);
}

void
reload_keep_running(const struct herald_conf *o, struct herald_conf *n)
{
	const struct reload_key	*k;
	size_t			 i;

	for (i = 0; i < nitems(reload_keys); i++) {
		k = &reload_keys[i];
		if (k->restart)
			memcpy((char *)n + k->off, (const char *)o + k->off,
			    k->len);
	}
}

int
reload_diff(const struct herald_conf *o, const struct herald_conf *n,
    char *buf, size_t len)
{
	const struct reload_key	*k;
	const char		*last = NULL;
	size_t			 i;
	int			 restart = 0;

	buf[0] = '\0';
	for (i = 0; i < nitems(reload_keys); i++) {
		k = &reload_keys[i];
		if (memcmp((const char *)o + k->off, (const char *)n + k->off,
		    k->len) == 0 || (last != NULL && strcmp(last, k->key) == 0))
			continue;
		reload_note(buf, len, k->key, k->restart);
		restart += k->restart;
		last = k->key;
	}
	/* A secret is compared as one, never as bytes of the struct. */
	if (!secret_equal(o->mt5.password, n->mt5.password))
		reload_note(buf, len, "mt5.password", 0);
	if (buf[0] == '\0')
		strlcpy(buf, "no change", len);
	return restart;
}

void
reload_renewed(char *buf, size_t len)
{
	/* A new path was named by reload_diff() already. */
	if (strstr(buf, "tls.certificate") != NULL ||
	    strstr(buf, "tls.key") != NULL)
		return;
	if (strcmp(buf, "no change") == 0)
		buf[0] = '\0';
	else
		strlcat(buf, "; ", len);
	strlcat(buf, "tls.certificate (reloaded)", len);
}
