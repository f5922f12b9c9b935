/*
 * The herald.yaml parser on arbitrary bytes: both libyaml passes, the
 * schema walk and the error collection.  Besides memory errors, it
 * checks what callers rely on: the error count and the messages agree,
 * and a configuration that parsed clean holds only valid values.
 * Nothing is printed; errors stay in the struct.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
in(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

/* What the broker and the risk rules rely on in a clean configuration. */
static void
check_trading(const struct herald_conf *conf)
{
	const struct conf_symbol	*cs;
	size_t				 i;

	if (conf->mt5.paper.nsymbols < 1 ||
	    conf->mt5.paper.nsymbols > CONF_MAX_SYMBOLS ||
	    conf->trading.nallowed > CONF_MAX_SYMBOLS)
		abort();
	for (i = 0; i < conf->mt5.paper.nsymbols; i++) {
		cs = &conf->mt5.paper.symbols[i];
		if (cs->name[0] == '\0' || !in(cs->digits, 0, 8) ||
		    !(cs->volume_min > 0) || !(cs->volume_step > 0) ||
		    !(cs->volume_min <= cs->volume_max) ||
		    !isfinite(cs->start_bid) || !(cs->start_bid > 0))
			abort();
	}
	if (!(conf->trading.max_volume > 0) ||
	    !isfinite(conf->trading.max_volume) ||
	    !(conf->trading.max_daily_loss >= 0) ||
	    !in(conf->mt5.request_timeout, 1, 300) ||
	    !in(conf->mt5.paper.tick_interval, 10, 60000) ||
	    !in(conf->trading.duplicate_window, 1, 3600))
		abort();
}

static void
check_clean(const struct herald_conf *conf)
{
	size_t	i;

	if (conf->nlisten < 1 || conf->nlisten > CONF_MAX_LISTEN)
		abort();
	for (i = 0; i < conf->nlisten; i++)
		if (conf->listen[i].port == 0 ||
		    conf->listen[i].address[0] == '\0')
			abort();
	if (conf->tls.certificate[0] != '/' || conf->tls.key[0] != '/' ||
	    conf->control.socket[0] != '/' || conf->privsep.chroot[0] != '/' ||
	    conf->database[0] != '/' || conf->pid_file[0] != '/')
		abort();
	if (conf->control.max_clients < 1 || conf->control.max_clients > 1024 ||
	    conf->control.timeout < 1 || conf->control.timeout > 3600 ||
	    conf->limits.open_files < 64 || conf->limits.open_files > 65536)
		abort();
	if (conf->control.key_expiry_days < 1 ||
	    conf->control.key_expiry_days > 3650)
		abort();
	if (!in(conf->limits.header_bytes, 1024, 65536) ||
	    !in(conf->limits.header_count, 8, 256) ||
	    !in(conf->limits.body_bytes, 1024, 1048576) ||
	    !in(conf->limits.request_line, 256, 16384) ||
	    !in(conf->limits.header_timeout, 1, 3600) ||
	    !in(conf->limits.body_timeout, 1, 3600) ||
	    !in(conf->limits.idle_timeout, 1, 3600) ||
	    !in(conf->limits.connections, 1, 65536) ||
	    !in(conf->limits.connections_per_source, 1, 65536) ||
	    !in(conf->limits.output_buffer, 4096, 16777216))
		abort();
	if (!in(conf->rate_limit.window, 1, 3600) ||
	    !in(conf->rate_limit.per_source, 1, 1000000) ||
	    !in(conf->rate_limit.per_key, 1, 1000000) ||
	    !in(conf->rate_limit.auth_failures, 1, 1000) ||
	    !in(conf->rate_limit.auth_window, 1, 86400) ||
	    !in(conf->rate_limit.ban_time, 1, 604800) ||
	    !in(conf->rate_limit.ban_max, 1, 31536000))
		abort();
	/* The checks between keys. */
	if (conf->limits.connections >= conf->limits.open_files ||
	    conf->rate_limit.ban_time > conf->rate_limit.ban_max)
		abort();
	if (conf->control.group[0] == '\0' || conf->control.group[0] == '-' ||
	    conf->privsep.user[0] == '\0' || conf->privsep.user[0] == '-')
		abort();
	if (strspn(conf->mt5.login, "0123456789") != strlen(conf->mt5.login))
		abort();
	if ((conf->mt5.password != NULL) != (conf->mt5.password_in_file != 0))
		abort();
	if (conf->mt5.password != NULL && conf->mt5.password_file[0] != '\0')
		abort();
	check_trading(conf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct herald_conf	conf;
	static struct conf_errors	errs;
	size_t				i;
	int				n;

	config_defaults(&conf);
	n = config_parse(&conf, "fuzz.yaml", (const char *)data, size, &errs);
	if (n < 0 || errs.n > CONF_MAX_ERRORS || (n == 0) != (errs.n == 0))
		abort();
	/* Each message names the file; a full list ends with a notice. */
	for (i = 0; i < errs.n; i++)
		if (memchr(errs.msg[i], '\0', sizeof(errs.msg[i])) == NULL ||
		    (strncmp(errs.msg[i], "fuzz.yaml", 9) != 0 &&
		    i != CONF_MAX_ERRORS - 1))
			abort();
	if (n == 0)
		check_clean(&conf);
	config_free(&conf);
	return 0;
}
