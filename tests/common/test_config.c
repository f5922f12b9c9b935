/*
 * herald.yaml: defaults, a full configuration, every class of error with
 * its exact "file:line: key: message", StrictModes on real files, the
 * password file, and the sample etc/herald.yaml (tests run from the
 * repository root).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "mt5.h"
#include "secmem.h"

#define SAMPLE	"etc/herald.yaml"

/* A symbol entry with only the required keys. */
#define SYM(name, bid)	"      - {name: " name ", start_bid: " bid "}\n"

static struct herald_conf	conf;
static struct conf_errors	errs;
static char			tmpdir[] = "/tmp/test_config.XXXXXX";
static char			made[8][PATH_MAX];
static int			nmade;

static int
parse(const char *yaml)
{
	config_defaults(&conf);
	return config_parse(&conf, "t.yaml", yaml, strlen(yaml), &errs);
}

static void
dump_errors(void)
{
	size_t	i;

	for (i = 0; i < errs.n; i++)
		print_message("  error: %s\n", errs.msg[i]);
}

/* yaml must give exactly one error, want. */
static void
one_error(const char *yaml, const char *want)
{
	int	n;

	n = parse(yaml);
	if (n != 1 || errs.n != 1 || strcmp(errs.msg[0], want) != 0) {
		print_message("input:\n%s\nwanted: %s\n", yaml, want);
		dump_errors();
	}
	assert_int_equal(n, 1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);
}

static void
no_errors(const char *yaml)
{
	int	n;

	if ((n = parse(yaml)) != 0) {
		print_message("input:\n%s\n", yaml);
		dump_errors();
	}
	assert_int_equal(n, 0);
	assert_int_equal(errs.n, 0);
}

static int
teardown(void **state)
{
	int	i;

	config_free(&conf);
	for (i = 0; i < nmade; i++)
		unlink(made[i]);
	nmade = 0;
	return 0;
}

static int
group_setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	return rmdir(tmpdir);
}

/* A file in the scratch directory with exactly this content and mode. */
static const char *
write_file(const char *name, const char *content, mode_t mode)
{
	char	*path;
	int	 fd, i;

	assert_true(nmade < 8);
	path = made[nmade];
	snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
	for (i = 0; i < nmade; i++)
		if (strcmp(made[i], path) == 0)
			break;
	if (i == nmade)
		nmade++;
	else
		path = made[i];
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* A symbol at its per-key defaults but for these. */
static void
check_symbol(const struct conf_symbol *s, const char *name,
    const char *base, const char *profit, int digits, double contract,
    double bid, int spread, int max_step, int calc_mode)
{
	assert_string_equal(s->name, name);
	assert_string_equal(s->currency_base, base);
	assert_string_equal(s->currency_profit, profit);
	assert_int_equal(s->digits, digits);
	assert_true(s->contract_size == contract);
	assert_true(s->volume_min == 0.01);
	assert_true(s->volume_max == 100);
	assert_true(s->volume_step == 0.01);
	assert_int_equal(s->stops_level, 0);
	assert_int_equal(s->filling, PAPER_FILL_FOK | PAPER_FILL_IOC);
	assert_int_equal(s->trade_mode, PAPER_TRADE_FULL);
	assert_int_equal(s->exec_mode, PAPER_EXEC_MARKET);
	assert_int_equal(s->calc_mode, calc_mode);
	assert_true(s->liquidity == 0);
	assert_true(s->start_bid == bid);
	assert_int_equal(s->spread, spread);
	assert_int_equal(s->max_step, max_step);
	assert_int_equal(s->session_open, 1);
}

static void
need_root(void)
{
	/* StrictModes wants root-owned files; only root can make them. */
	if (geteuid() != 0)
		skip();
}

static void
test_defaults(void **state)
{
	config_defaults(&conf);
	assert_int_equal(conf.nlisten, 1);
	assert_string_equal(conf.listen[0].address, "127.0.0.1");
	assert_int_equal(conf.listen[0].port, 8181);
	assert_string_equal(conf.tls.certificate, "/etc/herald/server.crt");
	assert_string_equal(conf.tls.key, "/etc/herald/server.key");
	assert_string_equal(conf.tls.client_ca, "");
	assert_string_equal(conf.control.socket, "/run/heraldd.sock");
	assert_string_equal(conf.control.group, "herald-admin");
	assert_int_equal(conf.control.max_clients, 8);
	assert_int_equal(conf.control.timeout, 10);
	assert_string_equal(conf.privsep.user, "_herald");
	assert_string_equal(conf.privsep.chroot, "/var/empty/heraldd");
	assert_int_equal(conf.privsep.seccomp_debug, 0);
	assert_string_equal(conf.database, "/var/lib/herald/herald.db");
	assert_string_equal(conf.pid_file, "/run/heraldd.pid");
	assert_int_equal(conf.mt5.backend, BACKEND_PAPER);
	assert_string_equal(conf.mt5.login, "");
	assert_string_equal(conf.mt5.server, "");
	assert_string_equal(conf.mt5.password_file, "");
	assert_null(conf.mt5.password);
	assert_int_equal(conf.mt5.password_in_file, 0);
	assert_int_equal(conf.control.key_expiry_days, 90);
	assert_int_equal(conf.limits.open_files, 1024);
	assert_int_equal(conf.limits.header_bytes, 8192);
	assert_int_equal(conf.limits.header_count, 64);
	assert_int_equal(conf.limits.body_bytes, 65536);
	assert_int_equal(conf.limits.request_line, 4096);
	assert_int_equal(conf.limits.header_timeout, 10);
	assert_int_equal(conf.limits.body_timeout, 30);
	assert_int_equal(conf.limits.idle_timeout, 60);
	assert_int_equal(conf.limits.connections, 512);
	assert_int_equal(conf.limits.connections_per_source, 64);
	assert_int_equal(conf.rate_limit.window, 60);
	assert_int_equal(conf.rate_limit.per_source, 600);
	assert_int_equal(conf.rate_limit.per_key, 600);
	assert_int_equal(conf.rate_limit.auth_failures, 5);
	assert_int_equal(conf.rate_limit.auth_window, 300);
	assert_int_equal(conf.rate_limit.ban_time, 600);
	assert_int_equal(conf.rate_limit.ban_max, 86400);
	assert_int_equal(conf.log.level, LOG_INFO);

	assert_int_equal(conf.mt5.request_timeout, 10);
	assert_int_equal(conf.mt5.start_timeout, 30);
	assert_string_equal(conf.mt5.paper.currency, "USD");
	assert_true(conf.mt5.paper.balance == 10000);
	assert_int_equal(conf.mt5.paper.leverage, 100);
	assert_int_equal(conf.mt5.paper.margin_mode, PAPER_HEDGING);
	assert_true(conf.mt5.paper.seed == 1);
	assert_int_equal(conf.mt5.paper.tick_interval, 250);
	assert_string_equal(conf.mt5.paper.ticks_file, "");
	assert_int_equal(conf.mt5.paper.nsymbols, 4);
	check_symbol(&conf.mt5.paper.symbols[0], "EURUSD", "EUR", "USD", 5,
	    100000, 1.085, 10, 5, PAPER_CALC_FOREX);
	check_symbol(&conf.mt5.paper.symbols[1], "GBPUSD", "GBP", "USD", 5,
	    100000, 1.27, 10, 5, PAPER_CALC_FOREX);
	check_symbol(&conf.mt5.paper.symbols[2], "USDJPY", "USD", "JPY", 3,
	    100000, 150, 10, 5, PAPER_CALC_FOREX);
	check_symbol(&conf.mt5.paper.symbols[3], "XAUUSD", "XAU", "USD", 2,
	    100, 2000, 30, 50, PAPER_CALC_CFD);

	assert_int_equal(conf.trading.nallowed, 3);
	assert_string_equal(conf.trading.allowed_symbols[0], "EURUSD");
	assert_string_equal(conf.trading.allowed_symbols[1], "GBPUSD");
	assert_string_equal(conf.trading.allowed_symbols[2], "XAUUSD");
	assert_true(conf.trading.max_volume == 10);
	assert_int_equal(conf.trading.max_open_positions, 50);
	assert_int_equal(conf.trading.max_positions_per_symbol, 20);
	assert_true(conf.trading.max_daily_loss == 1000);
	assert_int_equal(conf.trading.orders_per_minute, 60);
	assert_int_equal(conf.trading.duplicate_window, 10);
	assert_int_equal(conf.trading.journal_days, 90);
}

static void
test_full(void **state)
{
	no_errors(
	    "# every key, none at its default\n"
	    "listen:\n"
	    "  - address: 0.0.0.0\n"
	    "    port: 443\n"
	    "  - address: \"::1\"\n"
	    "  - { address: 192.0.2.7, port: 65535 }\n"
	    "tls:\n"
	    "  certificate: /etc/ssl/h.crt\n"
	    "  key: /etc/ssl/private/h.key\n"
	    "  client_ca: /etc/ssl/ca.pem\n"
	    "control:\n"
	    "  socket: /var/run/h.sock\n"
	    "  group: wheel\n"
	    "  max_clients: 1024\n"
	    "  timeout: 1\n"
	    "  key_expiry_days: 3650\n"
	    "privsep:\n"
	    "  user: _h.x-1\n"
	    "  chroot: /var/empty\n"
	    "  seccomp_debug: yes\n"
	    "database: /srv/h.db\n"
	    "pid_file: '/var/run/h.pid'\n"
	    "mt5:\n"
	    "  backend: bridge\n"
	    "  login: 12345678\n"
	    "  password: \"s3cr#t: x\"\n"
	    "  server: Broker-Demo\n"
	    "limits:\n"
	    "  open_files: 64\n"
	    "  header_bytes: 1024\n"
	    "  header_count: 256\n"
	    "  body_bytes: 1048576\n"
	    "  request_line: 256\n"
	    "  header_timeout: 1\n"
	    "  body_timeout: 2\n"
	    "  idle_timeout: 3600\n"
	    "  connections: 63\n"
	    "  connections_per_source: 1\n"
	    "rate_limit:\n"
	    "  window: 3600\n"
	    "  per_source: 1000000\n"
	    "  per_key: 1\n"
	    "  auth_failures: 1000\n"
	    "  auth_window: 86400\n"
	    "  ban_time: 1\n"
	    "  ban_max: 31536000\n"
	    "log:\n"
	    "  level: debug\n");
	assert_string_equal(conf.path, "t.yaml");
	assert_int_equal(conf.nlisten, 3);
	assert_string_equal(conf.listen[0].address, "0.0.0.0");
	assert_int_equal(conf.listen[0].port, 443);
	assert_string_equal(conf.listen[1].address, "::1");
	assert_int_equal(conf.listen[1].port, 8181);
	assert_string_equal(conf.listen[2].address, "192.0.2.7");
	assert_int_equal(conf.listen[2].port, 65535);
	assert_string_equal(conf.tls.certificate, "/etc/ssl/h.crt");
	assert_string_equal(conf.tls.key, "/etc/ssl/private/h.key");
	assert_string_equal(conf.tls.client_ca, "/etc/ssl/ca.pem");
	assert_string_equal(conf.control.socket, "/var/run/h.sock");
	assert_string_equal(conf.control.group, "wheel");
	assert_int_equal(conf.control.max_clients, 1024);
	assert_int_equal(conf.control.timeout, 1);
	assert_string_equal(conf.privsep.user, "_h.x-1");
	assert_string_equal(conf.privsep.chroot, "/var/empty");
	assert_int_equal(conf.privsep.seccomp_debug, 1);
	assert_string_equal(conf.database, "/srv/h.db");
	assert_string_equal(conf.pid_file, "/var/run/h.pid");
	assert_int_equal(conf.mt5.backend, BACKEND_BRIDGE);
	assert_string_equal(conf.mt5.login, "12345678");
	assert_string_equal(conf.mt5.server, "Broker-Demo");
	assert_non_null(conf.mt5.password);
	assert_int_equal(conf.mt5.password->len, 9);
	assert_memory_equal(conf.mt5.password->buf, "s3cr#t: x", 10);
	assert_int_equal(conf.mt5.password_in_file, 1);
	assert_int_equal(conf.control.key_expiry_days, 3650);
	assert_int_equal(conf.limits.open_files, 64);
	assert_int_equal(conf.limits.header_bytes, 1024);
	assert_int_equal(conf.limits.header_count, 256);
	assert_int_equal(conf.limits.body_bytes, 1048576);
	assert_int_equal(conf.limits.request_line, 256);
	assert_int_equal(conf.limits.header_timeout, 1);
	assert_int_equal(conf.limits.body_timeout, 2);
	assert_int_equal(conf.limits.idle_timeout, 3600);
	assert_int_equal(conf.limits.connections, 63);
	assert_int_equal(conf.limits.connections_per_source, 1);
	assert_int_equal(conf.rate_limit.window, 3600);
	assert_int_equal(conf.rate_limit.per_source, 1000000);
	assert_int_equal(conf.rate_limit.per_key, 1);
	assert_int_equal(conf.rate_limit.auth_failures, 1000);
	assert_int_equal(conf.rate_limit.auth_window, 86400);
	assert_int_equal(conf.rate_limit.ban_time, 1);
	assert_int_equal(conf.rate_limit.ban_max, 31536000);
	assert_int_equal(conf.log.level, LOG_DEBUG);
}

static void
test_empty_documents(void **state)
{
	struct herald_conf	def;
	const char		*empty[] = { "", "# nothing\n\n", "---\n",
				    "--- ~\n...\n", "tls:\nlog: ~\n" };
	size_t			 i;

	config_defaults(&def);
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		no_errors(empty[i]);
		memcpy(def.path, conf.path, sizeof(def.path));
		assert_memory_equal(&def, &conf, sizeof(conf));
	}
	/* Empty values for optional keys. */
	no_errors("tls:\n  client_ca:\nmt5:\n  password: \"\"\n"
	    "  password_file: ~\n  login:\n");
	assert_null(conf.mt5.password);
	assert_int_equal(conf.mt5.password_in_file, 0);
}

static void
test_unknown_keys(void **state)
{
	one_error("tls:\n  key: /k\n  certifcate: /c\n",
	    "t.yaml:3: tls.certifcate: unknown key");
	one_error("log:\n  level: info\nmetrics: {}\n",
	    "t.yaml:3: metrics: unknown key");
	one_error("listen:\n  - address: ::1\n    prot: 1\n",
	    "t.yaml:3: listen[0].prot: unknown key");
	one_error("\"con\\ttrol\": {}\n",
	    "t.yaml:1: con\\x09trol: unknown key");
	one_error("tls:\n  \"\": 1\n", "t.yaml:2: tls.\"\": unknown key");
	one_error("\"\": 1\n", "t.yaml:1: \"\": unknown key");
	one_error("control:\n  ? [a]\n  : 1\n",
	    "t.yaml:2: control: expected a key name, got a list");
}

static void
test_duplicates(void **state)
{
	one_error("control:\n  socket: /a\n  group: g\n  socket: /b\n",
	    "t.yaml:4: control.socket: duplicate key (first given at "
	    "line 2)");
	one_error("log: {}\nmt5: {}\nlog: {}\n",
	    "t.yaml:3: log: duplicate key (first given at line 1)");
	one_error("listen:\n  - address: 10.0.0.1\n    port: 1\n"
	    "  - address: 10.0.0.2\n  - address: 10.0.0.1\n    port: 1\n",
	    "t.yaml:5: listen[2]: same address and port as listen[0]");
	one_error("listen:\n  - address: \"::1\"\n"
	    "  - address: \"0:0::0:1\"\n    port: 8181\n",
	    "t.yaml:3: listen[1]: same address and port as listen[0]");
}

static void
test_node_types(void **state)
{
	one_error("tls: [a]\n",
	    "t.yaml:1: tls: expected a mapping, got a list");
	one_error("tls: yes\n",
	    "t.yaml:1: tls: expected a mapping, got \"yes\"");
	one_error("control:\n  socket: {a: b}\n",
	    "t.yaml:2: control.socket: expected a string, got a mapping");
	one_error("database:\n  - /a\n",
	    "t.yaml:2: database: expected a string, got a list");
	one_error("control:\n  timeout: [1]\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got a list");
	one_error("- a\n- b\n", "t.yaml:1: expected a mapping of sections "
	    "at the top level, got a list");
	one_error("hello\n", "t.yaml:1: expected a mapping of sections at "
	    "the top level, got \"hello\"");
	one_error("listen: 127.0.0.1\n", "t.yaml:1: listen: expected a list "
	    "of {address, port} mappings, got \"127.0.0.1\"");
	one_error("listen:\n  - 127.0.0.1:8181\n", "t.yaml:2: listen[0]: "
	    "expected a mapping with address and port, got "
	    "\"127.0.0.1:8181\"");
}

static void
test_integers(void **state)
{
	one_error("# header\n\nlisten:\n  - address: 127.0.0.1\n"
	    "    port: 8181\n  - address: ::1\n    port: http\n",
	    "t.yaml:7: listen[1].port: expected an integer from 1 to 65535, "
	    "got \"http\"");
	one_error("listen:\n  - address: ::1\n    port: 0\n",
	    "t.yaml:3: listen[0].port: expected an integer from 1 to 65535, "
	    "got \"0\"");
	one_error("listen:\n  - address: ::1\n    port: 65536\n",
	    "t.yaml:3: listen[0].port: expected an integer from 1 to 65535, "
	    "got \"65536\"");
	one_error("control:\n  max_clients: -1\n",
	    "t.yaml:2: control.max_clients: expected an integer from 1 to "
	    "1024, got \"-1\"");
	one_error("control:\n  max_clients: 1025\n",
	    "t.yaml:2: control.max_clients: expected an integer from 1 to "
	    "1024, got \"1025\"");
	one_error("control:\n  timeout: 010\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got \"010\"");
	one_error("control:\n  timeout: 0x10\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got \"0x10\"");
	one_error("control:\n  timeout: 1.5\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got \"1.5\"");
	one_error("control:\n  timeout:\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got nothing");
	one_error("limits:\n  open_files: 99999999999999999999999\n",
	    "t.yaml:2: limits.open_files: expected an integer from 64 to "
	    "65536, got \"99999999999999999999999\"");
	one_error("limits:\n  open_files: 63\n",
	    "t.yaml:2: limits.open_files: expected an integer from 64 to "
	    "65536, got \"63\"");
	one_error("control:\n  timeout: \"1\\x002\"\n",
	    "t.yaml:2: control.timeout: expected an integer from 1 to 3600, "
	    "got \"1\\x002\"");
	no_errors("control: {timeout: 3600, max_clients: 1}\n"
	    "limits: {open_files: 65536}\n");
	assert_int_equal(conf.control.timeout, 3600);
	assert_int_equal(conf.control.max_clients, 1);
	assert_int_equal(conf.limits.open_files, 65536);
}

/* Every new integer key: both ends of its range, and one past each. */
static void
test_limit_ranges(void **state)
{
#define R(s, k, lo, hi)	{ #s, #k, offsetof(struct herald_conf, s.k), lo, hi }
	static const struct {
		const char	*section, *key;
		size_t		 off;
		long long	 lo, hi;
	} r[] = {
		R(control,	key_expiry_days,	1, 3650),
		R(limits,	header_bytes,		1024, 65536),
		R(limits,	header_count,		8, 256),
		R(limits,	body_bytes,		1024, 1048576),
		R(limits,	request_line,		256, 16384),
		R(limits,	header_timeout,		1, 3600),
		R(limits,	body_timeout,		1, 3600),
		R(limits,	idle_timeout,		1, 3600),
		R(limits,	connections,		1, 65536),
		R(limits,	connections_per_source,	1, 65536),
		R(rate_limit,	window,			1, 3600),
		R(rate_limit,	per_source,		1, 1000000),
		R(rate_limit,	per_key,		1, 1000000),
		R(rate_limit,	auth_failures,		1, 1000),
		R(rate_limit,	auth_window,		1, 86400),
		R(rate_limit,	ban_time,		1, 604800),
		R(rate_limit,	ban_max,		1, 31536000),
	};
#undef R
	char		 yaml[512], want[256], item[64];
	size_t		 i;
	long long	 v;
	int		 j, got;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		for (j = 0; j < 2; j++) {
			v = j ? r[i].hi + 1 : r[i].lo - 1;
			snprintf(yaml, sizeof(yaml), "# c\n%s:\n  %s: %lld\n",
			    r[i].section, r[i].key, v);
			snprintf(want, sizeof(want), "t.yaml:3: %s.%s: "
			    "expected an integer from %lld to %lld, got "
			    "\"%lld\"", r[i].section, r[i].key, r[i].lo,
			    r[i].hi, v);
			one_error(yaml, want);
		}
		snprintf(yaml, sizeof(yaml), "%s:\n  %s: seven\n",
		    r[i].section, r[i].key);
		snprintf(want, sizeof(want), "t.yaml:2: %s.%s: expected an "
		    "integer from %lld to %lld, got \"seven\"", r[i].section,
		    r[i].key, r[i].lo, r[i].hi);
		one_error(yaml, want);

		/*
		 * Both ends are accepted, with room around them so that no
		 * check between keys fires (limits.connections must stay
		 * below limits.open_files, which tops out at 65536).
		 */
		for (j = 0; j < 2; j++) {
			v = j ? r[i].hi : r[i].lo;
			if (strcmp(r[i].key, "connections") == 0 && j == 1)
				v--;
			snprintf(item, sizeof(item), ", %s: %lld", r[i].key, v);
			snprintf(yaml, sizeof(yaml), "control: {timeout: 10%s}\n"
			    "limits: {open_files: 65536%s}\n"
			    "rate_limit: {ban_time: 1%s}\n",
			    strcmp(r[i].section, "control") == 0 ? item : "",
			    strcmp(r[i].section, "limits") == 0 ? item : "",
			    strcmp(r[i].section, "rate_limit") == 0 &&
			    strcmp(r[i].key, "ban_time") != 0 ? item : "");
			if (strcmp(r[i].key, "ban_time") == 0)
				snprintf(yaml, sizeof(yaml), "rate_limit: "
				    "{ban_max: 31536000, ban_time: %lld}\n", v);
			no_errors(yaml);
			memcpy(&got, (char *)&conf + r[i].off, sizeof(got));
			assert_int_equal(got, v);
		}
	}
}

/* Checks between keys name both keys and point at the one given. */
static void
test_cross_checks(void **state)
{
	one_error("# sized for a small box\nlimits:\n  open_files: 256\n",
	    "t.yaml:3: limits.open_files: limits.connections (512) must be "
	    "less than limits.open_files (256): net also needs descriptors "
	    "for its listeners and channels");
	one_error("limits:\n  connections: 1024\n",
	    "t.yaml:2: limits.connections: limits.connections (1024) must be "
	    "less than limits.open_files (1024): net also needs descriptors "
	    "for its listeners and channels");
	one_error("limits:\n  open_files: 100\n  connections: 100\n",
	    "t.yaml:3: limits.connections: limits.connections (100) must be "
	    "less than limits.open_files (100): net also needs descriptors "
	    "for its listeners and channels");
	one_error("limits:\n  connections: 65536\n  open_files: 65536\n",
	    "t.yaml:2: limits.connections: limits.connections (65536) must "
	    "be less than limits.open_files (65536): net also needs "
	    "descriptors for its listeners and channels");
	no_errors("limits:\n  open_files: 256\n  connections: 255\n");
	assert_int_equal(conf.limits.connections, 255);
	/* A value out of range keeps its default, which may conflict. */
	assert_int_equal(parse("limits:\n  open_files: 256\n"
	    "  connections: 0\n"), 2);
	assert_string_equal(errs.msg[0], "t.yaml:3: limits.connections: "
	    "expected an integer from 1 to 65536, got \"0\"");
	assert_string_equal(errs.msg[1], "t.yaml:2: limits.open_files: "
	    "limits.connections (512) must be less than limits.open_files "
	    "(256): net also needs descriptors for its listeners and "
	    "channels");
	config_free(&conf);

	one_error("rate_limit:\n  window: 10\n  ban_time: 86401\n",
	    "t.yaml:3: rate_limit.ban_time: rate_limit.ban_time (86401) must "
	    "not exceed rate_limit.ban_max (86400): bans double from "
	    "ban_time up to ban_max");
	one_error("\nrate_limit:\n  ban_max: 599\n",
	    "t.yaml:3: rate_limit.ban_max: rate_limit.ban_time (600) must "
	    "not exceed rate_limit.ban_max (599): bans double from "
	    "ban_time up to ban_max");
	one_error("rate_limit: {ban_max: 60, ban_time: 61}\n",
	    "t.yaml:1: rate_limit.ban_time: rate_limit.ban_time (61) must "
	    "not exceed rate_limit.ban_max (60): bans double from ban_time "
	    "up to ban_max");
	no_errors("rate_limit:\n  ban_time: 60\n  ban_max: 60\n");
	assert_int_equal(conf.rate_limit.ban_time, 60);
	assert_int_equal(conf.rate_limit.ban_max, 60);

	/* Both at once, in the order of the checks. */
	assert_int_equal(parse("rate_limit:\n  ban_max: 1\n"
	    "limits:\n  open_files: 64\n"), 2);
	assert_true(strncmp(errs.msg[0], "t.yaml:4: limits.open_files: ",
	    29) == 0);
	assert_true(strncmp(errs.msg[1], "t.yaml:2: rate_limit.ban_max: ",
	    30) == 0);
}

static void
test_booleans(void **state)
{
	const char	*bad[] = { "1", "on", "True", "YES", "\"\"", "y" };
	char		 yaml[128], want[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "privsep:\n  seccomp_debug: %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "t.yaml:2: privsep.seccomp_debug: "
		    "expected true, false, yes or no, got \"%s\"",
		    bad[i][0] == '"' ? "" : bad[i]);
		one_error(yaml, want);
	}
	no_errors("privsep: {seccomp_debug: true}\n");
	assert_int_equal(conf.privsep.seccomp_debug, 1);
	no_errors("privsep: {seccomp_debug: no}\n");
	assert_int_equal(conf.privsep.seccomp_debug, 0);
}

static void
test_enums(void **state)
{
	one_error("mt5:\n  backend: mt4\n",
	    "t.yaml:2: mt5.backend: expected paper or bridge, got \"mt4\"");
	one_error("log:\n  level: loud\n", "t.yaml:2: log.level: expected "
	    "error, warning, info or debug, got \"loud\"");
	one_error("log:\n  level: INFO\n", "t.yaml:2: log.level: expected "
	    "error, warning, info or debug, got \"INFO\"");
	one_error("log:\n  level: [info]\n", "t.yaml:2: log.level: expected "
	    "error, warning, info or debug, got a list");
	no_errors("log: {level: error}\nmt5: {backend: paper}\n");
	assert_int_equal(conf.log.level, LOG_ERR);
	assert_int_equal(conf.mt5.backend, BACKEND_PAPER);
	no_errors("log: {level: warning}\n");
	assert_int_equal(conf.log.level, LOG_WARNING);
	no_errors("log: {level: info}\n");
	assert_int_equal(conf.log.level, LOG_INFO);
}

static void
test_strings(void **state)
{
	char	yaml[PATH_MAX + 64], want[256];

	one_error("control:\n  group: "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"
	    "\n", "t.yaml:2: control.group: too long (64 bytes, at most 63)");
	snprintf(yaml, sizeof(yaml), "database: /%0*d\n", PATH_MAX - 1, 0);
	snprintf(want, sizeof(want), "t.yaml:1: database: too long (%d "
	    "bytes, at most %d)", PATH_MAX, PATH_MAX - 1);
	one_error(yaml, want);
	one_error("mt5:\n  server: \"Demo\\0x\"\n",
	    "t.yaml:2: mt5.server: contains a NUL byte");
	one_error("mt5:\n  server: \"De\\tmo\"\n",
	    "t.yaml:2: mt5.server: contains a control character (at byte 3)");
	one_error("mt5:\n  server: \"x\\x7f\"\n",
	    "t.yaml:2: mt5.server: contains a control character (at byte 2)");
	one_error("mt5:\n  server: \"\\u0085\"\n",
	    "t.yaml:2: mt5.server: contains a control character (at byte 1)");
	one_error("mt5:\n  server: |\n    two\n    lines\n",
	    "t.yaml:2: mt5.server: contains a control character (at byte 4)");
	one_error("mt5:\n  server: "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "\n", "t.yaml:2: mt5.server: too long (128 bytes, at most 127)");
	no_errors("mt5:\n  server: \"Bröker Démo-1\"\n");
	assert_string_equal(conf.mt5.server, "Bröker Démo-1");
}

static void
test_paths(void **state)
{
	static const char *keys[][2] = {
		{ "tls", "certificate" }, { "tls", "key" },
		{ "tls", "client_ca" }, { "control", "socket" },
		{ "privsep", "chroot" }, { "mt5", "password_file" },
	};
	char	yaml[256], want[256];
	size_t	i;
	int	opt;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		opt = strcmp(keys[i][1], "client_ca") == 0 ||
		    strcmp(keys[i][1], "password_file") == 0;
		snprintf(yaml, sizeof(yaml), "%s:\n  %s: etc/x\n", keys[i][0],
		    keys[i][1]);
		snprintf(want, sizeof(want), "t.yaml:2: %s.%s: expected an "
		    "absolute path%s, got \"etc/x\"", keys[i][0], keys[i][1],
		    opt ? " or nothing" : "");
		one_error(yaml, want);
	}
	one_error("database: herald.db\n", "t.yaml:1: database: expected an "
	    "absolute path, got \"herald.db\"");
	one_error("pid_file: ~/h.pid\n", "t.yaml:1: pid_file: expected an "
	    "absolute path, got \"~/h.pid\"");
	one_error("pid_file:\n", "t.yaml:1: pid_file: expected an "
	    "absolute path, got nothing");
}

static void
test_names(void **state)
{
	one_error("privsep:\n  user: -x\n", "t.yaml:2: privsep.user: "
	    "expected a name of letters, digits, '_', '.' and '-', not "
	    "starting with '-', got \"-x\"");
	one_error("control:\n  group: a b\n", "t.yaml:2: control.group: "
	    "expected a name of letters, digits, '_', '.' and '-', not "
	    "starting with '-', got \"a b\"");
	one_error("control:\n  group: \"\"\n", "t.yaml:2: control.group: "
	    "expected a name of letters, digits, '_', '.' and '-', not "
	    "starting with '-', got \"\"");
	one_error("privsep:\n  user: \"r\\u00f6ot\"\n", "t.yaml:2: "
	    "privsep.user: expected a name of letters, digits, '_', '.' and "
	    "'-', not starting with '-', got \"r\\xc3\\xb6ot\"");
}

static void
test_listen(void **state)
{
	char	yaml[2048];
	size_t	i, o;

	one_error("listen:\n  - address: localhost\n    port: 80\n",
	    "t.yaml:2: listen[0].address: expected a numeric IPv4 or IPv6 "
	    "address, got \"localhost\"");
	one_error("listen:\n  - address: 10.0.0.256\n",
	    "t.yaml:2: listen[0].address: expected a numeric IPv4 or IPv6 "
	    "address, got \"10.0.0.256\"");
	one_error("listen:\n  - address: \"[::1]\"\n",
	    "t.yaml:2: listen[0].address: expected a numeric IPv4 or IPv6 "
	    "address, got \"[::1]\"");
	one_error("listen: []\n", "t.yaml:1: listen: must list at least one "
	    "address (leave the key out for the default, 127.0.0.1 port "
	    "8181)");
	one_error("listen:\n", "t.yaml:1: listen: must list at least one "
	    "address (leave the key out for the default, 127.0.0.1 port "
	    "8181)");
	one_error("listen:\n  - port: 80\n",
	    "t.yaml:2: listen[0]: missing key \"address\"");

	o = snprintf(yaml, sizeof(yaml), "listen:\n");
	for (i = 0; i < CONF_MAX_LISTEN + 1; i++)
		o += snprintf(yaml + o, sizeof(yaml) - o,
		    "  - {address: 10.0.0.%zu, port: 80}\n", i + 1);
	one_error(yaml, "t.yaml:18: listen[16]: too many entries (at most "
	    "16)");
	yaml[o - strlen("  - {address: 10.0.0.17, port: 80}\n")] = '\0';
	no_errors(yaml);
	assert_int_equal(conf.nlisten, CONF_MAX_LISTEN);
	assert_string_equal(conf.listen[15].address, "10.0.0.16");

	/* A bad entry leaves the default in place. */
	assert_int_equal(parse("listen:\n  - address: ::1\n"
	    "  - address: nope\n"), 1);
	assert_int_equal(conf.nlisten, 1);
	assert_string_equal(conf.listen[0].address, "127.0.0.1");
}

static void
test_login(void **state)
{
	one_error("mt5:\n  login: 12a4\n", "t.yaml:2: mt5.login: expected "
	    "digits only (the MT5 account number)");
	one_error("mt5:\n  login: 123456789012345678901\n", "t.yaml:2: "
	    "mt5.login: expected at most 20 digits, got 21 characters");
	one_error("mt5:\n  login: -5\n", "t.yaml:2: mt5.login: expected "
	    "digits only (the MT5 account number)");
	no_errors("mt5:\n  login: \"00012345678901234567\"\n");
	assert_string_equal(conf.mt5.login, "00012345678901234567");
}

static void
test_syntax(void **state)
{
	one_error("log:\n  level: info\n tls: x\n",
	    "t.yaml:3: syntax error: did not find expected key (while "
	    "parsing a block mapping at line 1)");
	one_error("a: b: c\n", "t.yaml:1: syntax error: mapping values are "
	    "not allowed in this context");
	one_error("log: {level: info\n", "t.yaml:2: syntax error: did not "
	    "find expected ',' or '}' (while parsing a flow mapping at "
	    "line 1)");
	one_error("log:\n  level: \"info\n",
	    "t.yaml:3: syntax error: found unexpected end of stream (while "
	    "scanning a quoted scalar at line 2)");
	{
		const char	bin[] = "log:\n  level: in\0fo\n";

		config_defaults(&conf);
		assert_int_equal(config_parse(&conf, "t.yaml", bin,
		    sizeof(bin) - 1, &errs), 1);
		assert_string_equal(errs.msg[0], "t.yaml:2: invalid input: "
		    "control characters are not allowed (0x0)");
	}
	one_error("log:\n  level: \xff\n", "t.yaml:2: invalid input: "
	    "invalid leading UTF-8 octet (0xff)");
}

static void
test_documents_aliases_tags(void **state)
{
	one_error("log: {level: info}\n---\nlog: {level: debug}\n",
	    "t.yaml:2: multiple documents are not allowed; the first ends "
	    "before this line");
	assert_int_equal(parse("tls:\n  certificate: &c /etc/c\n"
	    "  key: *c\n"), 2);
	assert_string_equal(errs.msg[0],
	    "t.yaml:2: anchor \"&c\": anchors and aliases are not allowed");
	assert_string_equal(errs.msg[1],
	    "t.yaml:3: alias \"*c\": aliases are not allowed");
	one_error("log: &l\n  level: info\n",
	    "t.yaml:1: anchor \"&l\": anchors and aliases are not allowed");
	assert_int_equal(parse("a: &x [1]\nb: *x\nc: *x\n"), 3);
	assert_string_equal(errs.msg[1],
	    "t.yaml:2: alias \"*x\": aliases are not allowed");
	assert_string_equal(errs.msg[2],
	    "t.yaml:3: alias \"*x\": aliases are not allowed");
	one_error("log:\n  level: !!str info\n", "t.yaml:2: tag "
	    "\"tag:yaml.org,2002:str\": tags are not allowed");
	one_error("log: !foo\n  level: info\n", "t.yaml:1: tag \"!foo\": "
	    "tags are not allowed");
}

static void
test_password(void **state)
{
	one_error("mt5:\n  password: hunter2\n  password_file: /etc/pw\n",
	    "t.yaml:3: mt5.password_file: mt5.password and "
	    "mt5.password_file are both set; use one of them");
	one_error("mt5:\n  password_file: /etc/pw\n  password: hunter2\n",
	    "t.yaml:2: mt5.password_file: mt5.password and "
	    "mt5.password_file are both set; use one of them");
	/* Errors about a password never quote it. */
	one_error("mt5:\n  password: \"hunter\\t2\"\n", "t.yaml:2: "
	    "mt5.password: contains a control character (at byte 7)");
	one_error("mt5:\n  password: [hunter2]\n", "t.yaml:2: "
	    "mt5.password: expected a string, got a list");
	one_error("mt5:\n  password: a\n  password: b\n", "t.yaml:3: "
	    "mt5.password: duplicate key (first given at line 2)");
	no_errors("mt5:\n  password: 'it''s'\n");
	assert_non_null(conf.mt5.password);
	assert_string_equal(conf.mt5.password->buf, "it's");
	assert_int_equal(conf.mt5.password_in_file, 1);
}

static void
test_many_errors(void **state)
{
	char	yaml[4096];
	size_t	i, o = 0;
	int	n;

	n = parse("listen:\n  - address: 1.2.3.4\n    port: 0\n"
	    "control:\n  group: -g\n  timeout: 9999\n"
	    "bogus: 1\n"
	    "log:\n  level: chatty\n");
	if (n != 5)
		dump_errors();
	assert_int_equal(n, 5);
	assert_int_equal(errs.n, 5);
	assert_string_equal(errs.msg[0], "t.yaml:3: listen[0].port: expected "
	    "an integer from 1 to 65535, got \"0\"");
	assert_true(strncmp(errs.msg[1], "t.yaml:5: control.group: ",
	    25) == 0);
	assert_true(strncmp(errs.msg[2], "t.yaml:6: control.timeout: ",
	    27) == 0);
	assert_string_equal(errs.msg[3], "t.yaml:7: bogus: unknown key");
	assert_true(strncmp(errs.msg[4], "t.yaml:9: log.level: ", 21) == 0);
	/* The good keys around them still apply. */
	config_free(&conf);

	for (i = 0; i < CONF_MAX_ERRORS + 8; i++)
		o += snprintf(yaml + o, sizeof(yaml) - o, "k%zu: 1\n", i);
	n = parse(yaml);
	assert_int_equal(n, CONF_MAX_ERRORS + 8);
	assert_int_equal(errs.n, CONF_MAX_ERRORS);
	assert_string_equal(errs.msg[0], "t.yaml:1: k0: unknown key");
	assert_string_equal(errs.msg[CONF_MAX_ERRORS - 2],
	    "t.yaml:31: k30: unknown key");
	assert_string_equal(errs.msg[CONF_MAX_ERRORS - 1],
	    "too many errors; fix these first");

	/* Exactly CONF_MAX_ERRORS errors all fit. */
	o = 0;
	for (i = 0; i < CONF_MAX_ERRORS; i++)
		o += snprintf(yaml + o, sizeof(yaml) - o, "k%zu: 1\n", i);
	assert_int_equal(parse(yaml), CONF_MAX_ERRORS);
	assert_string_equal(errs.msg[CONF_MAX_ERRORS - 1],
	    "t.yaml:32: k31: unknown key");
}

static void
test_check_mode(void **state)
{
	struct conf_errors	e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0644, NULL, &e),
	    0);
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0600, "mt5.pw",
	    &e), 0);
	assert_int_equal(config_check_mode("/f", 0, 0400, "mt5.pw", &e), 0);
	assert_int_equal(config_check_mode("/f", 0, 0700, "mt5.pw", &e), 0);
	assert_int_equal(e.n, 0);

	assert_int_equal(config_check_mode("/f", 1000, 0600, NULL, &e), 1);
	assert_string_equal(e.msg[0], "/f: bad ownership or modes: owner "
	    "uid 1000, mode 0600; must be owned by root and not writable by "
	    "group or others");
	assert_int_equal(config_check_mode("/f", 0, S_IFREG | 0664, NULL, &e),
	    1);
	assert_string_equal(e.msg[1], "/f: bad ownership or modes: owner "
	    "uid 0, mode 0664; must be owned by root and not writable by "
	    "group or others");
	assert_int_equal(config_check_mode("/f", 0, 0602, NULL, &e), 1);
	assert_int_equal(config_check_mode("/f", 0, 0640, "mt5.password", &e),
	    1);
	assert_string_equal(e.msg[3], "/f: mode 0640 lets group or others "
	    "read a file that holds a secret (mt5.password); it must be owned "
	    "by root with mode 0600 or stricter");
	assert_int_equal(config_check_mode("/f", 0, 0604, "x", &e), 1);
	assert_int_equal(config_check_mode("/f", 5, 0666, "x", &e), 2);
	assert_int_equal(e.n, 7);
}

static void
test_load_modes(void **state)
{
	const char	*p;
	char		 want[PATH_MAX + 256];

	need_root();

	p = write_file("plain.yaml", "log:\n  level: debug\n", 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_int_equal(conf.log.level, LOG_DEBUG);
	assert_string_equal(conf.path, p);

	p = write_file("secret.yaml", "mt5:\n  password: hunter2\n", 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: mode 0644 lets group or others read "
	    "a file that holds a secret (mt5.password); it must be owned by "
	    "root with mode 0600 or stricter", p);
	assert_string_equal(errs.msg[0], want);
	config_free(&conf);

	assert_int_equal(chmod(p, 0600), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_string_equal(conf.mt5.password->buf, "hunter2");
	config_free(&conf);

	p = write_file("gw.yaml", "{}\n", 0664);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: bad ownership or modes: owner uid "
	    "0, mode 0664; must be owned by root and not writable by group or "
	    "others", p);
	assert_string_equal(errs.msg[0], want);

	assert_int_equal(chown(p, 1, 0), 0);
	assert_int_equal(chmod(p, 0600), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: bad ownership or modes: owner uid "
	    "1, mode 0600; must be owned by root and not writable by group or "
	    "others", p);
	assert_string_equal(errs.msg[0], want);

	/* Parse errors and mode errors together, names on each. */
	p = write_file("both.yaml", "log:\n  level: x\n", 0666);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 2);
	snprintf(want, sizeof(want), "%s:2: log.level: expected error, "
	    "warning, info or debug, got \"x\"", p);
	assert_string_equal(errs.msg[0], want);
	assert_true(strncmp(errs.msg[1], p, strlen(p)) == 0);
}

static void
test_load_files(void **state)
{
	const char	*p;
	char		 want[PATH_MAX + 256], link[PATH_MAX];

	need_root();

	snprintf(want, sizeof(want), "%s/missing.yaml", tmpdir);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, want, &errs), 1);
	strlcat(want, ": No such file or directory", sizeof(want));
	assert_string_equal(errs.msg[0], want);

	config_defaults(&conf);
	assert_int_equal(config_load(&conf, tmpdir, &errs), 1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(errs.msg[0], want);

	p = write_file("target.yaml", "{}\n", 0600);
	snprintf(link, sizeof(link), "%s/link.yaml", tmpdir);
	unlink(link);
	assert_int_equal(symlink(p, link), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, link, &errs), 1);
	snprintf(want, sizeof(want), "%s: Too many levels of symbolic links "
	    "(symbolic links are not followed)", link);
	assert_string_equal(errs.msg[0], want);
	unlink(link);

	config_defaults(&conf);
	assert_int_equal(config_load(&conf, "/dev/null", &errs), 1);
	assert_string_equal(errs.msg[0], "/dev/null: not a regular file");
}

static void
test_password_file(void **state)
{
	const char	*pw, *p;
	char		 yaml[PATH_MAX + 64], want[PATH_MAX + 256];

	need_root();

	/* Happy path: 0600, one trailing newline stripped. */
	pw = write_file("pw", "s3cret\n", 0600);
	snprintf(yaml, sizeof(yaml), "mt5:\n  password_file: %s\n", pw);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_non_null(conf.mt5.password);
	assert_int_equal(conf.mt5.password->len, 6);
	assert_string_equal(conf.mt5.password->buf, "s3cret");
	assert_int_equal(conf.mt5.password_in_file, 0);
	config_free(&conf);

	/* \r\n too, and only one line ending. */
	pw = write_file("pw", "two words\r\n", 0400);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 0);
	assert_string_equal(conf.mt5.password->buf, "two words");
	config_free(&conf);

	/* Group-readable: refused, naming the password file. */
	assert_int_equal(chmod(pw, 0640), 0);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: mode 0640 lets group or others read "
	    "a file that holds a secret (mt5.password_file); it must be owned "
	    "by root with mode 0600 or stricter", pw);
	assert_string_equal(errs.msg[0], want);
	assert_null(conf.mt5.password);

	/* Empty, or only a newline. */
	pw = write_file("pw", "\n", 0600);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: empty; it must hold the MT5 "
	    "password", pw);
	assert_string_equal(errs.msg[0], want);

	pw = write_file("pw", "a\n\n", 0600);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s: contains a NUL or control character "
	    "(at byte 2); only one trailing newline is allowed", pw);
	assert_string_equal(errs.msg[0], want);

	/* Missing. */
	snprintf(yaml, sizeof(yaml), "mt5:\n  password_file: %s/nope\n",
	    tmpdir);
	p = write_file("pf.yaml", yaml, 0644);
	config_defaults(&conf);
	assert_int_equal(config_load(&conf, p, &errs), 1);
	snprintf(want, sizeof(want), "%s/nope: No such file or directory",
	    tmpdir);
	assert_string_equal(errs.msg[0], want);
}

/* Every new key of mt5 and trading, none at its default. */
static void
test_paper_full(void **state)
{
	const struct conf_symbol	*s;

	no_errors(
	    "mt5:\n"
	    "  backend: paper\n"
	    "  request_timeout: 300\n"
	    "  start_timeout: 1\n"
	    "  paper:\n"
	    "    currency: EUR\n"
	    "    balance: 2500.5\n"
	    "    leverage: 500\n"
	    "    margin_mode: netting\n"
	    "    seed: 18446744073709551615\n"
	    "    tick_interval: 10\n"
	    "    ticks_file: /var/lib/herald/ticks.csv\n"
	    "    symbols:\n"
	    "      - name: XAUEUR.PRO\n"
	    "        currency_base: XAU\n"
	    "        currency_profit: EUR\n"
	    "        digits: 0\n"
	    "        contract_size: 1\n"
	    "        volume_min: 0.1\n"
	    "        volume_max: 1000000\n"
	    "        volume_step: 0.1\n"
	    "        stops_level: 100000\n"
	    "        filling: [return, fok]\n"
	    "        trade_mode: closeonly\n"
	    "        exec_mode: instant\n"
	    "        calc_mode: cfd\n"
	    "        liquidity: 2.5\n"
	    "        start_bid: 1e3\n"
	    "        spread: 0\n"
	    "        max_step: 100000\n"
	    "        session_open: no\n"
	    "      - {name: EURGBP, start_bid: 0.85}\n"
	    "      - name: DE40\n"
	    "        currency_base: EUR\n"
	    "        currency_profit: EUR\n"
	    "        digits: 8\n"
	    "        filling: [ioc]\n"
	    "        start_bid: 18000\n"
	    "trading:\n"
	    "  allowed_symbols: [DE40, XAUEUR.PRO]\n"
	    "  max_volume: 0.5\n"
	    "  max_open_positions: 10000\n"
	    "  max_positions_per_symbol: 1\n"
	    "  max_daily_loss: 0\n"
	    "  orders_per_minute: 100000\n"
	    "  duplicate_window: 3600\n"
	    "  journal_days: 36500\n");
	assert_int_equal(conf.mt5.backend, BACKEND_PAPER);
	assert_int_equal(conf.mt5.request_timeout, 300);
	assert_int_equal(conf.mt5.start_timeout, 1);
	assert_string_equal(conf.mt5.paper.currency, "EUR");
	assert_true(conf.mt5.paper.balance == 2500.5);
	assert_int_equal(conf.mt5.paper.leverage, 500);
	assert_int_equal(conf.mt5.paper.margin_mode, PAPER_NETTING);
	assert_true(conf.mt5.paper.seed == UINT64_MAX);
	assert_int_equal(conf.mt5.paper.tick_interval, 10);
	assert_string_equal(conf.mt5.paper.ticks_file,
	    "/var/lib/herald/ticks.csv");
	assert_int_equal(conf.mt5.paper.nsymbols, 3);

	s = &conf.mt5.paper.symbols[0];
	assert_string_equal(s->name, "XAUEUR.PRO");
	assert_string_equal(s->currency_base, "XAU");
	assert_string_equal(s->currency_profit, "EUR");
	assert_int_equal(s->digits, 0);
	assert_true(s->contract_size == 1);
	assert_true(s->volume_min == 0.1);
	assert_true(s->volume_max == 1000000);
	assert_true(s->volume_step == 0.1);
	assert_int_equal(s->stops_level, 100000);
	assert_int_equal(s->filling, PAPER_FILL_RETURN | PAPER_FILL_FOK);
	assert_int_equal(s->trade_mode, PAPER_TRADE_CLOSEONLY);
	assert_int_equal(s->exec_mode, PAPER_EXEC_INSTANT);
	assert_int_equal(s->calc_mode, PAPER_CALC_CFD);
	assert_true(s->liquidity == 2.5);
	assert_true(s->start_bid == 1000);
	assert_int_equal(s->spread, 0);
	assert_int_equal(s->max_step, 100000);
	assert_int_equal(s->session_open, 0);

	/* Keys left out: their defaults; currencies from the name. */
	check_symbol(&conf.mt5.paper.symbols[1], "EURGBP", "EUR", "GBP", 5,
	    100000, 0.85, 10, 5, PAPER_CALC_FOREX);
	s = &conf.mt5.paper.symbols[2];
	assert_string_equal(s->name, "DE40");
	assert_string_equal(s->currency_base, "EUR");
	assert_string_equal(s->currency_profit, "EUR");
	assert_int_equal(s->digits, 8);
	assert_int_equal(s->filling, PAPER_FILL_IOC);
	assert_true(s->start_bid == 18000);
	/* The rest of the array holds nothing left over from the defaults. */
	assert_string_equal(conf.mt5.paper.symbols[3].name, "");

	assert_int_equal(conf.trading.nallowed, 2);
	assert_string_equal(conf.trading.allowed_symbols[0], "DE40");
	assert_string_equal(conf.trading.allowed_symbols[1], "XAUEUR.PRO");
	assert_string_equal(conf.trading.allowed_symbols[2], "");
	assert_true(conf.trading.max_volume == 0.5);
	assert_int_equal(conf.trading.max_open_positions, 10000);
	assert_int_equal(conf.trading.max_positions_per_symbol, 1);
	assert_true(conf.trading.max_daily_loss == 0);
	assert_int_equal(conf.trading.orders_per_minute, 100000);
	assert_int_equal(conf.trading.duplicate_window, 3600);
	assert_int_equal(conf.trading.journal_days, 36500);
}

/* Numbers with a fraction: plain, finite, in range; never a string. */
static void
test_numbers(void **state)
{
	static const char *bad[] = {
		"0", "-1", "1000001", "1e7", "true", "no", ".inf", "-.inf",
		".nan", ".NaN", "1e999", "1_0", "0x10", "01", "01.5", "1.",
		".5", "+1", "1e", "1e+", "1.5.5", "--1", "1,5", "0.0",
		"-0", "1e-400", "123456789012345678901234567890.123",
	};
	static const struct {
		const char	*text;
		double		 v;
	} good[] = {
		{ "10", 10 }, { "0.5", 0.5 }, { "1e3", 1000 }, { "1E+2", 100 },
		{ "2.5e-1", 0.25 }, { "1000000", 1000000 }, { "0.01", 0.01 },
		{ "1.000", 1 },
	};
	char	yaml[256], want[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "trading:\n  max_volume: %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "t.yaml:2: trading.max_volume: "
		    "expected a number greater than 0 and at most 1000000, "
		    "got \"%s\"", bad[i]);
		one_error(yaml, want);
	}
	one_error("trading:\n  max_volume: \"10\"\n", "t.yaml:2: "
	    "trading.max_volume: expected a number greater than 0 and at "
	    "most 1000000, got the string \"10\"");
	one_error("trading:\n  max_volume: '10'\n", "t.yaml:2: "
	    "trading.max_volume: expected a number greater than 0 and at "
	    "most 1000000, got the string \"10\"");
	one_error("trading:\n  max_volume:\n", "t.yaml:2: "
	    "trading.max_volume: expected a number greater than 0 and at "
	    "most 1000000, got nothing");
	one_error("trading:\n  max_volume: [1]\n", "t.yaml:2: "
	    "trading.max_volume: expected a number greater than 0 and at "
	    "most 1000000, got a list");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(yaml, sizeof(yaml), "trading:\n  max_volume: %s\n",
		    good[i].text);
		no_errors(yaml);
		assert_true(conf.trading.max_volume == good[i].v);
	}

	/* max_daily_loss: 0 disables the rule; -0 is 0. */
	one_error("trading:\n  max_daily_loss: -1\n", "t.yaml:2: "
	    "trading.max_daily_loss: expected a number from 0 to "
	    "1000000000000, got \"-1\"");
	one_error("trading:\n  max_daily_loss: 1000000000000.5\n", "t.yaml:2: "
	    "trading.max_daily_loss: expected a number from 0 to "
	    "1000000000000, got \"1000000000000.5\"");
	no_errors("trading:\n  max_daily_loss: -0\n");
	assert_true(conf.trading.max_daily_loss == 0);
	assert_false(signbit(conf.trading.max_daily_loss));
	no_errors("trading:\n  max_daily_loss: 1e12\n");
	assert_true(conf.trading.max_daily_loss == 1e12);

	one_error("mt5:\n  paper:\n    balance: 0\n", "t.yaml:3: "
	    "mt5.paper.balance: expected a number greater than 0 and at "
	    "most 1000000000000, got \"0\"");
	one_error("mt5:\n  paper:\n    balance: yes\n", "t.yaml:3: "
	    "mt5.paper.balance: expected a number greater than 0 and at "
	    "most 1000000000000, got \"yes\"");
	no_errors("mt5:\n  paper:\n    balance: 0.01\n");
	assert_true(conf.mt5.paper.balance == 0.01);
}

/* The new integer keys: both ends of each range, and one past each. */
static void
test_trading_ranges(void **state)
{
#define SYMBOL0	"mt5:\n  paper:\n    symbols:\n      - name: EURUSD\n" \
		"        start_bid: 1\n        "
#define R(pre, line, path, f, lo, hi) \
	{ pre, line, path, offsetof(struct herald_conf, f), lo, hi }
	static const struct {
		const char	*pre;
		int		 line;
		const char	*path;
		size_t		 off;
		long long	 lo, hi;
	} r[] = {
		R("mt5:\n  ", 2, "mt5.request_timeout", mt5.request_timeout,
		    1, 300),
		R("mt5:\n  ", 2, "mt5.start_timeout", mt5.start_timeout,
		    1, 600),
		R("mt5:\n  paper:\n    ", 3, "mt5.paper.leverage",
		    mt5.paper.leverage, 1, 1000),
		R("mt5:\n  paper:\n    ", 3, "mt5.paper.tick_interval",
		    mt5.paper.tick_interval, 10, 60000),
		R("trading:\n  ", 2, "trading.max_open_positions",
		    trading.max_open_positions, 1, 10000),
		R("trading:\n  ", 2, "trading.max_positions_per_symbol",
		    trading.max_positions_per_symbol, 1, 10000),
		R("trading:\n  ", 2, "trading.orders_per_minute",
		    trading.orders_per_minute, 1, 100000),
		R("trading:\n  ", 2, "trading.duplicate_window",
		    trading.duplicate_window, 1, 3600),
		R("trading:\n  ", 2, "trading.journal_days",
		    trading.journal_days, 1, 36500),
		R(SYMBOL0, 6, "mt5.paper.symbols[0].digits",
		    mt5.paper.symbols[0].digits, 0, 8),
		R(SYMBOL0, 6, "mt5.paper.symbols[0].stops_level",
		    mt5.paper.symbols[0].stops_level, 0, 100000),
		R(SYMBOL0, 6, "mt5.paper.symbols[0].spread",
		    mt5.paper.symbols[0].spread, 0, 100000),
		R(SYMBOL0, 6, "mt5.paper.symbols[0].max_step",
		    mt5.paper.symbols[0].max_step, 1, 100000),
	};
#undef R
	char		 yaml[512], want[256];
	const char	*key;
	size_t		 i;
	long long	 v;
	int		 j, got;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		key = strrchr(r[i].path, '.') + 1;
		for (j = 0; j < 4; j++) {
			v = j == 0 ? r[i].lo - 1 : j == 1 ? r[i].hi + 1 :
			    j == 2 ? r[i].lo : r[i].hi;
			/* The one symbol must be allowed: allow none. */
			snprintf(yaml, sizeof(yaml), "%s%s: %lld\n"
			    "trading:\n  allowed_symbols: []\n", r[i].pre, key,
			    v);
			if (strncmp(r[i].pre, "trading", 7) == 0)
				snprintf(yaml, sizeof(yaml), "%s%s: %lld\n",
				    r[i].pre, key, v);
			if (j >= 2) {
				no_errors(yaml);
				memcpy(&got, (char *)&conf + r[i].off,
				    sizeof(got));
				assert_int_equal(got, v);
				continue;
			}
			snprintf(want, sizeof(want), "t.yaml:%d: %s: expected "
			    "an integer from %lld to %lld, got \"%lld\"",
			    r[i].line, r[i].path, r[i].lo, r[i].hi, v);
			one_error(yaml, want);
		}
	}
#undef SYMBOL0
}

static void
test_seed(void **state)
{
	static const char *bad[] = {
		"18446744073709551616", "99999999999999999999", "-1", "1.5",
		"007", "123456789012345678901", "0x1", "one", "true",
	};
	char	yaml[128], want[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "mt5:\n  paper:\n    seed: %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "t.yaml:3: mt5.paper.seed: "
		    "expected an integer from 0 to 18446744073709551615, got "
		    "\"%s\"", bad[i]);
		one_error(yaml, want);
	}
	no_errors("mt5:\n  paper:\n    seed: 0\n");
	assert_true(conf.mt5.paper.seed == 0);
	no_errors("mt5:\n  paper:\n    seed: 18446744073709551614\n");
	assert_true(conf.mt5.paper.seed == UINT64_MAX - 1);
	no_errors("mt5:\n  paper:\n    seed: 42\n");
	assert_true(conf.mt5.paper.seed == 42);
}

static void
test_paper_enums(void **state)
{
	one_error("mt5:\n  paper:\n    margin_mode: Hedging\n", "t.yaml:3: "
	    "mt5.paper.margin_mode: expected hedging or netting, got "
	    "\"Hedging\"");
	one_error("mt5:\n  paper:\n    margin_mode: 2\n", "t.yaml:3: "
	    "mt5.paper.margin_mode: expected hedging or netting, got \"2\"");
	no_errors("mt5:\n  paper:\n    margin_mode: hedging\n");
	assert_int_equal(conf.mt5.paper.margin_mode, PAPER_HEDGING);

	one_error("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: EURUSD, start_bid: 1, trade_mode: long}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].trade_mode: expected disabled, longonly, "
	    "shortonly, closeonly or full, got \"long\"");
	one_error("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: EURUSD, start_bid: 1, exec_mode: request}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].exec_mode: expected instant or market, "
	    "got \"request\"");
	one_error("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: EURUSD, start_bid: 1, calc_mode: futures}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].calc_mode: expected forex or cfd, got "
	    "\"futures\"");
	no_errors("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: A, currency_base: USD, currency_profit: USD,\n"
	    "         start_bid: 1, trade_mode: disabled}\n"
	    "      - {name: B, currency_base: USD, currency_profit: USD,\n"
	    "         start_bid: 1, trade_mode: longonly}\n"
	    "      - {name: C, currency_base: USD, currency_profit: USD,\n"
	    "         start_bid: 1, trade_mode: shortonly}\n"
	    "trading: {allowed_symbols: [A, B, C]}\n");
	assert_int_equal(conf.mt5.paper.symbols[0].trade_mode,
	    PAPER_TRADE_DISABLED);
	assert_int_equal(conf.mt5.paper.symbols[1].trade_mode,
	    PAPER_TRADE_LONGONLY);
	assert_int_equal(conf.mt5.paper.symbols[2].trade_mode,
	    PAPER_TRADE_SHORTONLY);
}

#define SYMS	"mt5:\n  paper:\n    symbols:\n"	/* entries at line 4 */
#define NONE	"trading: {allowed_symbols: []}\n"

static void
test_symbols(void **state)
{
	char	yaml[8192], want[256];
	size_t	i, o;

	/* Names. */
	one_error(SYMS SYM("eurusd", "1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].name: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"eurusd\"");
	one_error(SYMS SYM("EUR/USD", "1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].name: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"EUR/USD\"");
	one_error(SYMS SYM("\"EUR USD\"", "1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].name: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"EUR USD\"");
	one_error(SYMS SYM("\"\"", "1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].name: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"\"");
	one_error(SYMS SYM("EURUSDEURUSDEURUSDEURUSDEURUSDEU", "1") NONE,
	    "t.yaml:4: mt5.paper.symbols[0].name: expected a symbol name of "
	    "1 to 31 capital letters, digits, '.' and '_', got "
	    "\"EURUSDEURUSDEURUSDEURUSDEURUSDEU\"");
	no_errors(SYMS SYM("EURUSDEURUSDEURUSDEURUSDEURUSDE", "1") NONE);
	assert_string_equal(conf.mt5.paper.symbols[0].name,
	    "EURUSDEURUSDEURUSDEURUSDEURUSDE");
	one_error(SYMS SYM("EURUSD", "1") "      - {name: GBPUSD, "
	    "start_bid: 1}\n" SYM("EURUSD", "2") NONE, "t.yaml:6: "
	    "mt5.paper.symbols[2].name: EURUSD is given twice (first in "
	    "mt5.paper.symbols[0] at line 4)");

	/* Required keys, the shape of the list and its entries. */
	one_error(SYMS "      - {start_bid: 1}\n" NONE,
	    "t.yaml:4: mt5.paper.symbols[0]: missing key \"name\"");
	one_error(SYMS "      - name: EURUSD\n        digits: 5\n" NONE,
	    "t.yaml:4: mt5.paper.symbols[0]: missing key \"start_bid\"");
	one_error(SYMS SYM("EURUSD", "1") "      - EURUSD\n" NONE,
	    "t.yaml:5: mt5.paper.symbols[1]: expected a mapping with at "
	    "least name and start_bid, got \"EURUSD\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, bid: 2}\n" NONE,
	    "t.yaml:4: mt5.paper.symbols[0].bid: unknown key");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, start_bid: 2}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].start_bid: duplicate key "
	    "(first given at line 4)");
	one_error("mt5:\n  paper:\n    symbols: []\n", "t.yaml:3: "
	    "mt5.paper.symbols: must list at least one symbol (leave the key "
	    "out for the defaults, EURUSD, GBPUSD, USDJPY and XAUUSD)");
	one_error("mt5:\n  paper:\n    symbols:\n", "t.yaml:3: "
	    "mt5.paper.symbols: must list at least one symbol (leave the key "
	    "out for the defaults, EURUSD, GBPUSD, USDJPY and XAUUSD)");
	one_error("mt5:\n  paper:\n    symbols: EURUSD\n", "t.yaml:3: "
	    "mt5.paper.symbols: expected a list of symbol mappings, got "
	    "\"EURUSD\"");
	one_error("mt5:\n  paper: [EURUSD]\n", "t.yaml:2: "
	    "mt5.paper: expected a mapping, got a list");

	/* start_bid and the volumes. */
	one_error(SYMS SYM("EURUSD", "0") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].start_bid: expected a number greater than "
	    "0 and at most 1000000000, got \"0\"");
	one_error(SYMS SYM("EURUSD", "-1.1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].start_bid: expected a number greater than "
	    "0 and at most 1000000000, got \"-1.1\"");
	one_error(SYMS SYM("EURUSD", ".inf") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].start_bid: expected a number greater than "
	    "0 and at most 1000000000, got \".inf\"");
	one_error(SYMS SYM("EURUSD", "\"1.1\"") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0].start_bid: expected a number greater than "
	    "0 and at most 1000000000, got the string \"1.1\"");
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        volume_min: 2\n        volume_max: 1\n" NONE,
	    "t.yaml:6: mt5.paper.symbols[0].volume_min: volume_min (2) must "
	    "not exceed volume_max (1)");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, volume_min: 200}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].volume_min: volume_min "
	    "(200) must not exceed volume_max (100)");
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        volume_max: 0.001\n" NONE, "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_max: volume_min (0.01) must not "
	    "exceed volume_max (0.001)");
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, volume_min: 5,\n"
	    "         volume_max: 5}\n" NONE);
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, volume_min: 0}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].volume_min: expected a "
	    "number greater than 0 and at most 1000000, got \"0\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, volume_step: 0}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].volume_step: expected a "
	    "number from 1e-08 to 1000000, got \"0\"");
	/* Volumes on the step, as the engine wants them. */
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        volume_min: 0.005\n" NONE, "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_min: volume_min (0.005) must be at "
	    "least volume_step (0.01)");
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        volume_min: 0.015\n" NONE, "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_min: volume_min (0.015) must be a "
	    "whole number of volume_step (0.01)");
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        volume_max: 100.005\n" NONE, "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_max: volume_max (100.005) must be a "
	    "whole number of volume_step (0.01)");
	assert_int_equal(parse(SYMS "      - name: EURUSD\n        start_bid: "
	    "1\n        volume_step: 0.03\n" NONE), 2);
	assert_string_equal(errs.msg[0], "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_step: volume_min (0.01) must be at "
	    "least volume_step (0.03)");
	assert_string_equal(errs.msg[1], "t.yaml:6: "
	    "mt5.paper.symbols[0].volume_step: volume_max (100) must be a "
	    "whole number of volume_step (0.03)");
	config_free(&conf);
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, volume_min: 0.03,"
	    "\n         volume_step: 0.03, volume_max: 99.99}\n" NONE);
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, volume_min: 1,"
	    "\n         volume_step: 1, volume_max: 1}\n" NONE);
	/* A first bid below one point would round to nothing. */
	one_error(SYMS "      - {name: EURUSD, start_bid: 0.001, digits: 2}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].start_bid: start_bid "
	    "(0.001) is less than one point (0.01) at 2 digits");
	no_errors(SYMS "      - {name: EURUSD, start_bid: 0.01, digits: 2}\n"
	    NONE);
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, volume_max: "
	    "true}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].volume_max: "
	    "expected a number greater than 0 and at most 1000000, got "
	    "\"true\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, contract_size: "
	    "0}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].contract_size: "
	    "expected a number from 1e-06 to 1000000000, got \"0\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, liquidity: -1}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].liquidity: expected a "
	    "number from 0 to 1000000, got \"-1\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, session_open: 1}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].session_open: expected "
	    "true, false, yes or no, got \"1\"");

	/* Currencies. */
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, currency_base: "
	    "usd}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].currency_base: "
	    "expected a currency code of three capital letters, such as USD, "
	    "got \"usd\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, currency_profit: "
	    "USDT}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].currency_profit: "
	    "expected a currency code of three capital letters, such as USD, "
	    "got \"USDT\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, currency_profit: "
	    "\"\"}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].currency_profit: "
	    "expected a currency code of three capital letters, such as USD, "
	    "got \"\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, currency_base: "
	    "[USD]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].currency_base: "
	    "expected a currency code of three capital letters, such as USD, "
	    "got a list");
	one_error(SYMS SYM("US30", "1") NONE, "t.yaml:4: mt5.paper.symbols[0]: "
	    "missing key \"currency_base\": the name US30 does not start with "
	    "two currency codes to take it from");
	one_error(SYMS "      - {name: US30, start_bid: 1, currency_base: "
	    "USD}\n" NONE, "t.yaml:4: mt5.paper.symbols[0]: missing key "
	    "\"currency_profit\": the name US30 does not start with two "
	    "currency codes to take it from");
	one_error(SYMS SYM("EURUS", "1") NONE, "t.yaml:4: "
	    "mt5.paper.symbols[0]: missing key \"currency_base\": the name "
	    "EURUS does not start with two currency codes to take it from");
	no_errors(SYMS "      - {name: US30, start_bid: 1, currency_base: USD,"
	    " currency_profit: USD}\n" SYM("GBPUSD_M", "1.25")
	    "trading: {allowed_symbols: [US30]}\n");
	assert_string_equal(conf.mt5.paper.symbols[1].currency_base, "GBP");
	assert_string_equal(conf.mt5.paper.symbols[1].currency_profit, "USD");
	/* The name gives only what is left out. */
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, currency_profit:"
	    " USD, currency_base: XAU}\n" NONE);
	assert_string_equal(conf.mt5.paper.symbols[0].currency_base, "XAU");

	/* Fillings. */
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, filling: fok}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].filling: expected a list of "
	    "fok, ioc and return, got \"fok\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, filling: []}\n"
	    NONE, "t.yaml:4: mt5.paper.symbols[0].filling: must list at least "
	    "one of fok, ioc and return");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, filling: [fok, "
	    "FOK]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].filling[1]: "
	    "expected fok, ioc or return, got \"FOK\"");
	one_error(SYMS "      - name: EURUSD\n        start_bid: 1\n"
	    "        filling:\n          - ioc\n          - return\n"
	    "          - ioc\n" NONE, "t.yaml:9: "
	    "mt5.paper.symbols[0].filling[2]: ioc is listed twice");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, filling: "
	    "[[fok]]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].filling[0]: "
	    "expected fok, ioc or return, got a list");
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, filling: [ioc, "
	    "return, fok]}\n" NONE);
	assert_int_equal(conf.mt5.paper.symbols[0].filling,
	    PAPER_FILL_FOK | PAPER_FILL_IOC | PAPER_FILL_RETURN);

	/* At most CONF_MAX_SYMBOLS. */
	o = snprintf(yaml, sizeof(yaml), "%s", SYMS);
	for (i = 0; i < CONF_MAX_SYMBOLS + 1; i++)
		o += snprintf(yaml + o, sizeof(yaml) - o, "      - {name: "
		    "S%02zu, currency_base: USD, currency_profit: EUR, "
		    "start_bid: 1}\n", i);
	snprintf(yaml + o, sizeof(yaml) - o, "%s", NONE);
	snprintf(want, sizeof(want), "t.yaml:%d: mt5.paper.symbols[%d]: too "
	    "many symbols (at most %d)", 4 + CONF_MAX_SYMBOLS,
	    CONF_MAX_SYMBOLS, CONF_MAX_SYMBOLS);
	one_error(yaml, want);
	o = strstr(yaml, "      - {name: S64") - yaml;
	snprintf(yaml + o, sizeof(yaml) - o, "%s", NONE);
	no_errors(yaml);
	assert_int_equal(conf.mt5.paper.nsymbols, CONF_MAX_SYMBOLS);
	assert_string_equal(conf.mt5.paper.symbols[63].name, "S63");

	/* A list with a bad entry leaves the defaults in place. */
	assert_int_equal(parse(SYMS SYM("GBPUSD", "1") SYM("bad", "1")), 1);
	assert_int_equal(conf.mt5.paper.nsymbols, 4);
	assert_string_equal(conf.mt5.paper.symbols[0].name, "EURUSD");
	/* A good one replaces them entirely. */
	no_errors(SYMS SYM("GBPUSD", "1.3")
	    "trading:\n  allowed_symbols: [GBPUSD]\n");
	assert_int_equal(conf.mt5.paper.nsymbols, 1);
	check_symbol(&conf.mt5.paper.symbols[0], "GBPUSD", "GBP", "USD", 5,
	    100000, 1.3, 10, 5, PAPER_CALC_FOREX);
	assert_string_equal(conf.mt5.paper.symbols[1].name, "");
}

/* Each symbol has the account currency on one side. */
static void
test_account_currency(void **state)
{
	int	n;

	n = parse("mt5:\n  paper:\n    currency: EUR\n");
	if (n != 3)
		dump_errors();
	assert_int_equal(n, 3);
	assert_string_equal(errs.msg[0], "t.yaml:3: mt5.paper.currency: the "
	    "default symbol GBPUSD has neither EUR as its base currency (GBP) "
	    "nor as its profit currency (USD); list mt5.paper.symbols that "
	    "do");
	assert_string_equal(errs.msg[1], "t.yaml:3: mt5.paper.currency: the "
	    "default symbol USDJPY has neither EUR as its base currency (USD) "
	    "nor as its profit currency (JPY); list mt5.paper.symbols that "
	    "do");
	assert_string_equal(errs.msg[2], "t.yaml:3: mt5.paper.currency: the "
	    "default symbol XAUUSD is a CFD priced in USD, not in EUR; list "
	    "mt5.paper.symbols that fit");
	config_free(&conf);

	/* A CFD's profit currency must be the account's. */
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    "      - {name: USDXAU, calc_mode: cfd, start_bid: 0.0005,\n"
	    "         digits: 6}\n"
	    "trading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:5: mt5.paper.symbols[1]: USDXAU: calc_mode cfd needs the "
	    "account currency, mt5.paper.currency (USD), as the profit "
	    "currency, not XAU");
	no_errors("mt5:\n  paper:\n    currency: EUR\n    symbols:\n"
	    "      - {name: XAUEUR, calc_mode: cfd, start_bid: 1900}\n"
	    "trading:\n  allowed_symbols: [XAUEUR]\n");

	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    SYM("EURGBP", "0.85") "trading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:5: mt5.paper.symbols[1]: EURGBP: neither its base "
	    "currency (EUR) nor its profit currency (GBP) is the account "
	    "currency, mt5.paper.currency (USD); the paper engine cannot "
	    "convert between other currencies");
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    "    currency: JPY\ntrading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:4: mt5.paper.symbols[0]: EURUSD: neither its base "
	    "currency (EUR) nor its profit currency (USD) is the account "
	    "currency, mt5.paper.currency (JPY); the paper engine cannot "
	    "convert between other currencies");
	no_errors("mt5:\n  paper:\n    currency: JPY\n    symbols:\n"
	    SYM("USDJPY", "150") SYM("EURJPY", "160")
	    "trading:\n  allowed_symbols: [EURJPY]\n");
	assert_string_equal(conf.mt5.paper.currency, "JPY");

	/* A bad code is one error, not one per symbol as well. */
	one_error("mt5:\n  paper:\n    currency: eur\n", "t.yaml:3: "
	    "mt5.paper.currency: expected a currency code of three capital "
	    "letters, such as USD, got \"eur\"");
	/* The bridge's symbols are the terminal's: no check. */
	no_errors("mt5:\n  backend: bridge\n  paper:\n    currency: EUR\n");
	/* Nor after a refused backend (its default would be a guess). */
	one_error("mt5:\n  backend: mt4\n  paper:\n    currency: EUR\n",
	    "t.yaml:2: mt5.backend: expected paper or bridge, got \"mt4\"");
}

static void
test_allowed(void **state)
{
	char	yaml[4096], want[256];
	size_t	i, o;

	/* [] allows nothing. */
	no_errors("trading:\n  allowed_symbols: []\n");
	assert_int_equal(conf.trading.nallowed, 0);
	assert_string_equal(conf.trading.allowed_symbols[0], "");

	one_error("trading:\n  allowed_symbols:\n", "t.yaml:2: "
	    "trading.allowed_symbols: expected a list of symbol names ([] "
	    "allows none), got nothing");
	one_error("trading:\n  allowed_symbols: EURUSD\n", "t.yaml:2: "
	    "trading.allowed_symbols: expected a list of symbol names ([] "
	    "allows none), got \"EURUSD\"");
	one_error("trading:\n  allowed_symbols: [EURUSD, eurusd]\n",
	    "t.yaml:2: trading.allowed_symbols[1]: expected a symbol name of "
	    "1 to 31 capital letters, digits, '.' and '_', got \"eurusd\"");
	one_error("trading:\n  allowed_symbols: [EURUSD, {a: b}]\n",
	    "t.yaml:2: trading.allowed_symbols[1]: expected a symbol name of "
	    "1 to 31 capital letters, digits, '.' and '_', got a mapping");
	one_error("trading:\n  allowed_symbols: [\"\"]\n",
	    "t.yaml:2: trading.allowed_symbols[0]: expected a symbol name of "
	    "1 to 31 capital letters, digits, '.' and '_', got \"\"");
	one_error("trading:\n  allowed_symbols: [EURUSD, GBPUSD, EURUSD]\n",
	    "t.yaml:2: trading.allowed_symbols[2]: EURUSD is listed twice "
	    "(first at line 2)");
	one_error("trading:\n  allowed_symbols:\n    - EURUSD\n    - EURUSD\n",
	    "t.yaml:4: trading.allowed_symbols[1]: EURUSD is listed twice "
	    "(first at line 3)");
	one_error("trading: [EURUSD]\n",
	    "t.yaml:1: trading: expected a mapping, got a list");
	one_error("trading:\n  allowed: [EURUSD]\n",
	    "t.yaml:2: trading.allowed: unknown key");

	/* With the paper backend, each must be a paper symbol. */
	one_error("trading:\n  allowed_symbols:\n    - EURUSD\n    - FOO\n",
	    "t.yaml:4: trading.allowed_symbols: FOO is not a symbol of "
	    "mt5.paper.symbols");
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    "trading:\n  allowed_symbols: [EURUSD, GBPUSD]\n", "t.yaml:6: "
	    "trading.allowed_symbols: GBPUSD is not a symbol of "
	    "mt5.paper.symbols");
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    SYM("GBPUSD", "1.2"), "t.yaml:3: mt5.paper.symbols: XAUUSD, "
	    "allowed by the default trading.allowed_symbols, is not one of "
	    "these symbols; set trading.allowed_symbols");
	no_errors("trading:\n  allowed_symbols: [USDJPY]\n");
	assert_int_equal(conf.trading.nallowed, 1);
	assert_string_equal(conf.trading.allowed_symbols[0], "USDJPY");
	/* The bridge's symbols are not known until it runs. */
	no_errors("mt5: {backend: bridge}\n"
	    "trading:\n  allowed_symbols: [FOO, BAR.X]\n");
	assert_int_equal(conf.trading.nallowed, 2);
	assert_string_equal(conf.trading.allowed_symbols[1], "BAR.X");
	/* A refused list keeps the default and is not checked again. */
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("GBPUSD", "1.2")
	    "trading:\n  allowed_symbols: [gbpusd]\n", "t.yaml:6: "
	    "trading.allowed_symbols[0]: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"gbpusd\"");
	/* Nor against refused symbols. */
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("gbpusd", "1.2")
	    "trading:\n  allowed_symbols: [FOO]\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].name: expected a symbol name of 1 to 31 "
	    "capital letters, digits, '.' and '_', got \"gbpusd\"");

	/* At most CONF_MAX_SYMBOLS. */
	o = snprintf(yaml, sizeof(yaml), "mt5: {backend: bridge}\n"
	    "trading:\n  allowed_symbols:\n");
	for (i = 0; i < CONF_MAX_SYMBOLS + 1; i++)
		o += snprintf(yaml + o, sizeof(yaml) - o, "    - S%zu\n", i);
	snprintf(want, sizeof(want), "t.yaml:%d: trading.allowed_symbols[%d]: "
	    "too many symbols (at most %d)", 4 + CONF_MAX_SYMBOLS,
	    CONF_MAX_SYMBOLS, CONF_MAX_SYMBOLS);
	one_error(yaml, want);
	*strstr(yaml, "    - S64\n") = '\0';
	no_errors(yaml);
	assert_int_equal(conf.trading.nallowed, CONF_MAX_SYMBOLS);
	assert_string_equal(conf.trading.allowed_symbols[63], "S63");
}

static void
test_ticks_file(void **state)
{
	one_error("mt5:\n  paper:\n    ticks_file: ticks.csv\n", "t.yaml:3: "
	    "mt5.paper.ticks_file: expected an absolute path or nothing, got "
	    "\"ticks.csv\"");
	no_errors("mt5:\n  paper:\n    ticks_file: /srv/ticks.csv\n");
	assert_string_equal(conf.mt5.paper.ticks_file, "/srv/ticks.csv");
	no_errors("mt5:\n  paper:\n    ticks_file: \"\"\n");
	assert_string_equal(conf.mt5.paper.ticks_file, "");
}

#undef SYMS
#undef NONE

static void
test_sample(void **state)
{
	struct herald_conf	 def;
	char			*buf;
	FILE			*f;
	long			 len;

	f = fopen(SAMPLE, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);

	config_defaults(&conf);
	if (config_parse(&conf, SAMPLE, buf, len, &errs) != 0)
		dump_errors();
	free(buf);
	assert_int_equal(errs.n, 0);
	/* The sample lists every key at its default. */
	config_defaults(&def);
	memcpy(def.path, conf.path, sizeof(def.path));
	assert_memory_equal(&def, &conf, sizeof(conf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_full, teardown),
		cmocka_unit_test_teardown(test_empty_documents, teardown),
		cmocka_unit_test_teardown(test_unknown_keys, teardown),
		cmocka_unit_test_teardown(test_duplicates, teardown),
		cmocka_unit_test_teardown(test_node_types, teardown),
		cmocka_unit_test_teardown(test_integers, teardown),
		cmocka_unit_test_teardown(test_limit_ranges, teardown),
		cmocka_unit_test_teardown(test_cross_checks, teardown),
		cmocka_unit_test_teardown(test_booleans, teardown),
		cmocka_unit_test_teardown(test_enums, teardown),
		cmocka_unit_test_teardown(test_strings, teardown),
		cmocka_unit_test_teardown(test_paths, teardown),
		cmocka_unit_test_teardown(test_names, teardown),
		cmocka_unit_test_teardown(test_listen, teardown),
		cmocka_unit_test_teardown(test_login, teardown),
		cmocka_unit_test_teardown(test_syntax, teardown),
		cmocka_unit_test_teardown(test_documents_aliases_tags,
		    teardown),
		cmocka_unit_test_teardown(test_password, teardown),
		cmocka_unit_test_teardown(test_many_errors, teardown),
		cmocka_unit_test_teardown(test_check_mode, teardown),
		cmocka_unit_test_teardown(test_load_modes, teardown),
		cmocka_unit_test_teardown(test_load_files, teardown),
		cmocka_unit_test_teardown(test_password_file, teardown),
		cmocka_unit_test_teardown(test_paper_full, teardown),
		cmocka_unit_test_teardown(test_numbers, teardown),
		cmocka_unit_test_teardown(test_trading_ranges, teardown),
		cmocka_unit_test_teardown(test_seed, teardown),
		cmocka_unit_test_teardown(test_paper_enums, teardown),
		cmocka_unit_test_teardown(test_symbols, teardown),
		cmocka_unit_test_teardown(test_account_currency, teardown),
		cmocka_unit_test_teardown(test_allowed, teardown),
		cmocka_unit_test_teardown(test_ticks_file, teardown),
		cmocka_unit_test_teardown(test_sample, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
