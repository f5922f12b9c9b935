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
#include "secmem.h"

#define SAMPLE	"etc/herald.yaml"

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
		cmocka_unit_test_teardown(test_sample, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
