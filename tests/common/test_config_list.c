/*
 * herald.yaml, list values (common/config_list.c): listen,
 * mt5.paper.symbols and trading.allowed_symbols.
 */
#include "config_test.h"

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
	/* Expiration modes and the end of the trading day. */
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, expiration: "
	    "[gtc, week]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0]."
	    "expiration[1]: expected gtc, day, specified or specified_day, "
	    "got \"week\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, expiration: "
	    "[]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].expiration: must "
	    "list at least one of gtc, day, specified and specified_day");
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, session_end: "
	    "\"24:00\"}\n" NONE);
	no_errors(SYMS "      - {name: EURUSD, start_bid: 1, session_end: "
	    "\"00:00:00\"}\n" NONE);
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, session_end: "
	    "\"24:01\"}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].session_end: "
	    "expected a time of day in UTC, HH:MM or HH:MM:SS from 00:00 to "
	    "24:00, got \"24:01\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, session_end: "
	    "\"9:30\"}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].session_end: "
	    "expected a time of day in UTC, HH:MM or HH:MM:SS from 00:00 to "
	    "24:00, got \"9:30\"");
	one_error(SYMS "      - {name: EURUSD, start_bid: 1, session_end: "
	    "[22]}\n" NONE, "t.yaml:4: mt5.paper.symbols[0].session_end: "
	    "expected a time of day in UTC, HH:MM or HH:MM:SS from 00:00 to "
	    "24:00, got a list");

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

/* rate_limit.exempt: addresses and CIDRs, strictly; ipv6_prefix. */
static void
test_exempt(void **state)
{
	no_errors("rate_limit: {exempt: []}\n");
	assert_int_equal(conf.rate_limit.nexempt, 0);
	assert_int_equal(conf.rate_limit.ipv6_prefix, 64);
	no_errors("rate_limit:\n  exempt: [127.0.0.1, 10.0.0.0/8, "
	    "\"fd00::/64\"]\n  ipv6_prefix: 48\n");
	assert_int_equal(conf.rate_limit.nexempt, 3);
	assert_int_equal(conf.rate_limit.exempt[1].prefix, 8);
	assert_int_equal(conf.rate_limit.exempt[2].family, 6);
	assert_int_equal(conf.rate_limit.ipv6_prefix, 48);
	one_error("rate_limit:\n  exempt: 127.0.0.1\n", "t.yaml:2: "
	    "rate_limit.exempt: expected a list of addresses or CIDRs ([] for "
	    "none), got \"127.0.0.1\"");
	one_error("rate_limit:\n  exempt: [10.0.0.1/8]\n", "t.yaml:2: "
	    "rate_limit.exempt[0]: \"10.0.0.1/8\": host bits are set after "
	    "the prefix");
	one_error("rate_limit:\n  exempt: [localhost]\n", "t.yaml:2: "
	    "rate_limit.exempt[0]: \"localhost\": not an IPv4 or IPv6 "
	    "address or CIDR");
	one_error("rate_limit:\n  exempt: [10.0.0.0/8, 10.0.0.0/8]\n",
	    "t.yaml:2: rate_limit.exempt[1]: \"10.0.0.0/8\" is listed twice");
	one_error("rate_limit:\n  exempt: [[1]]\n", "t.yaml:2: "
	    "rate_limit.exempt[0]: expected an address or a CIDR such as "
	    "192.0.2.0/24 or fd00::/64, got a list");
	one_error("rate_limit:\n  ipv6_prefix: 0\n", "t.yaml:2: "
	    "rate_limit.ipv6_prefix: expected an integer from 1 to 128, got "
	    "\"0\"");
}

#undef SYMS
#undef NONE

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_listen, teardown),
		cmocka_unit_test_teardown(test_symbols, teardown),
		cmocka_unit_test_teardown(test_allowed, teardown),
		cmocka_unit_test_teardown(test_exempt, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
