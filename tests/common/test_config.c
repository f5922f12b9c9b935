/*
 * herald.yaml, the walk (common/config.c): empty documents, unknown and
 * duplicate keys, node types, syntax errors, documents, aliases and tags,
 * the cap on errors, and the checks between keys, each with its exact
 * "file:line: key: message".
 */
#include "config_test.h"

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
	    "      - {name: USDXAU, calc_mode: cfd_leverage, "
	    "start_bid: 0.0005,\n         digits: 6}\n"
	    "trading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:5: mt5.paper.symbols[1]: USDXAU: calc_mode cfd_leverage "
	    "needs the account currency, mt5.paper.currency (USD), as the "
	    "profit currency, not XAU");
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    "      - {name: USDIDX, calc_mode: futures, start_bid: 100,\n"
	    "         currency_profit: IDX}\n"
	    "trading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:5: mt5.paper.symbols[1]: USDIDX: calc_mode futures "
	    "needs the account currency, mt5.paper.currency (USD), as the "
	    "profit currency, not IDX");
	no_errors("mt5:\n  paper:\n    currency: EUR\n    symbols:\n"
	    "      - {name: XAUEUR, calc_mode: cfd_leverage, start_bid: 1900}"
	    "\ntrading:\n  allowed_symbols: [XAUEUR]\n");
	/* cfd changed meaning: without margin_rate an old file is refused. */
	one_error("mt5:\n  paper:\n    symbols:\n" SYM("EURUSD", "1.1")
	    "      - {name: XAUUSD, calc_mode: cfd, start_bid: 2000}\n"
	    "trading:\n  allowed_symbols: [EURUSD]\n",
	    "t.yaml:5: mt5.paper.symbols[1]: XAUUSD: calc_mode cfd is MT5's "
	    "CFD mode, without leverage (margin = lots * contract_size * "
	    "price * margin_rate): set its margin_rate, or use calc_mode "
	    "cfd_leverage, what cfd meant before");
	no_errors("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: XAUUSD, calc_mode: cfd, margin_rate: 0.05,\n"
	    "         start_bid: 2000}\n"
	    "trading:\n  allowed_symbols: [XAUUSD]\n");
	assert_true(conf.mt5.paper.symbols[0].margin_rate == 0.05);
	assert_true(conf.mt5.paper.symbols[0].margin_hedged == 100000);
	assert_true(conf.mt5.paper.symbols[0].tick_size == 0.00001);
	assert_true(conf.mt5.paper.symbols[0].tick_value > 0.99999 &&
	    conf.mt5.paper.symbols[0].tick_value < 1.00001);
	config_free(&conf);
	no_errors("mt5:\n  paper:\n    symbols:\n"
	    "      - {name: ES, calc_mode: futures, margin_initial: 500,\n"
	    "         currency_base: USD, currency_profit: USD,\n"
	    "         start_bid: 5000, digits: 2, tick_size: 0.25,\n"
	    "         tick_value: 12.5}\n"
	    "trading:\n  allowed_symbols: [ES]\n");
	assert_true(conf.mt5.paper.symbols[0].margin_hedged == 500);
	assert_true(conf.mt5.paper.symbols[0].margin_rate == 1);
	config_free(&conf);

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_empty_documents, teardown),
		cmocka_unit_test_teardown(test_unknown_keys, teardown),
		cmocka_unit_test_teardown(test_duplicates, teardown),
		cmocka_unit_test_teardown(test_node_types, teardown),
		cmocka_unit_test_teardown(test_cross_checks, teardown),
		cmocka_unit_test_teardown(test_syntax, teardown),
		cmocka_unit_test_teardown(test_documents_aliases_tags,
		    teardown),
		cmocka_unit_test_teardown(test_many_errors, teardown),
		cmocka_unit_test_teardown(test_account_currency, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
