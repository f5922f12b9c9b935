/*
 * herald.yaml, scalar values (common/config_value.c): integers, booleans,
 * enums, strings, paths, names, the login and password, numbers with a
 * fraction, the seed, the paper enums and the ticks file.
 */
#include "config_test.h"

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
	    "      - {name: EURUSD, start_bid: 1, calc_mode: exch_stocks}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].calc_mode: expected forex, "
	    "forex_no_leverage, cfd, cfd_leverage, cfd_index or futures, got "
	    "\"exch_stocks\"");
	one_error("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: EURUSD, start_bid: 1, margin_rate: 0}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].margin_rate: expected a number greater "
	    "than 0 and at most 1000000, got \"0\"");
	one_error("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: EURUSD, start_bid: 1, margin_hedged: -1}\n"
	    "trading: {allowed_symbols: []}\n", "t.yaml:4: "
	    "mt5.paper.symbols[0].margin_hedged: expected a number from 0 "
	    "to 1000000000, got \"-1\"");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_integers, teardown),
		cmocka_unit_test_teardown(test_booleans, teardown),
		cmocka_unit_test_teardown(test_enums, teardown),
		cmocka_unit_test_teardown(test_strings, teardown),
		cmocka_unit_test_teardown(test_paths, teardown),
		cmocka_unit_test_teardown(test_names, teardown),
		cmocka_unit_test_teardown(test_login, teardown),
		cmocka_unit_test_teardown(test_password, teardown),
		cmocka_unit_test_teardown(test_numbers, teardown),
		cmocka_unit_test_teardown(test_seed, teardown),
		cmocka_unit_test_teardown(test_paper_enums, teardown),
		cmocka_unit_test_teardown(test_ticks_file, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
