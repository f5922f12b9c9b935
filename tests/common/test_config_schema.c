/*
 * herald.yaml, the schema (common/config_schema.c): the defaults, a full
 * configuration with every key set, both ends of every integer key's
 * range, and the sample etc/herald.yaml.
 */
#include "config_test.h"

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
	    100, 2000, 30, 50, PAPER_CALC_CFDLEVERAGE);
	/* The margin keys' defaults, from the other keys. */
	assert_true(conf.mt5.paper.symbols[0].margin_rate == 1);
	assert_true(conf.mt5.paper.symbols[0].margin_hedged == 100000);
	assert_true(conf.mt5.paper.symbols[0].margin_initial == 0);
	assert_true(conf.mt5.paper.symbols[0].tick_size == 0.00001);
	assert_true(conf.mt5.paper.symbols[3].margin_hedged == 100);
	assert_true(conf.mt5.paper.symbols[3].tick_size == 0.01);
	assert_true(conf.mt5.paper.symbols[3].tick_value == 1);

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
	    "        margin_rate: 0.05\n"
	    "        margin_initial: 1000\n"
	    "        margin_hedged: 0\n"
	    "        tick_size: 0.5\n"
	    "        tick_value: 2\n"
	    "        start_bid: 1e3\n"
	    "        spread: 0\n"
	    "        max_step: 100000\n"
	    "        session_open: no\n"
	    "        expiration: [specified_day, gtc]\n"
	    "        session_end: \"21:59:30\"\n"
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
	assert_true(s->margin_rate == 0.05);
	assert_true(s->margin_initial == 1000);
	assert_true(s->margin_hedged == 0);
	assert_true(s->tick_size == 0.5);
	assert_true(s->tick_value == 2);
	assert_true(s->start_bid == 1000);
	assert_int_equal(s->spread, 0);
	assert_int_equal(s->max_step, 100000);
	assert_int_equal(s->session_open, 0);
	assert_int_equal(s->expiration, PAPER_EXPIRATION_SPECIFIED_DAY |
	    PAPER_EXPIRATION_GTC);
	assert_int_equal(s->session_end, 21 * 3600 + 59 * 60 + 30);

	/* Keys left out: their defaults; currencies from the name. */
	check_symbol(&conf.mt5.paper.symbols[1], "EURGBP", "EUR", "GBP", 5,
	    100000, 0.85, 10, 5, PAPER_CALC_FOREX);
	assert_int_equal(conf.mt5.paper.symbols[1].expiration,
	    PAPER_EXPIRATION_ALL);
	assert_int_equal(conf.mt5.paper.symbols[1].session_end, 86400);
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
		cmocka_unit_test_teardown(test_limit_ranges, teardown),
		cmocka_unit_test_teardown(test_paper_full, teardown),
		cmocka_unit_test_teardown(test_trading_ranges, teardown),
		cmocka_unit_test_teardown(test_sample, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
