/*
 * The schema of herald.yaml: one table per section, a row per key with
 * its setter, the field it fills and its limits, and the defaults every
 * key starts from.  A new key is a row here, a default below, a field in
 * config.h and an entry in herald.yaml(5).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "config_impl.h"
#include "mt5.h"
#include "nitems.h"

_Static_assert(sizeof(enum conf_backend) == sizeof(int),
    "mt5.backend is stored as an int");

/*
 * Rows for a field f of struct T.  The T_ forms serve every table; the
 * K_ forms fill struct herald_conf, the S_ forms one struct conf_symbol.
 */
#define T_FIELD(T, n, fn, f) \
	.name = n, .set = fn, .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define T_STR(T, n, fn, f)	{ T_FIELD(T, n, fn, f) }
#define T_INT(T, n, f, lo, hi) \
	{ T_FIELD(T, n, set_int, f), .min = lo, .max = hi }
#define T_BOOL(T, n, f)		{ T_FIELD(T, n, set_bool, f), .max = 1 }
#define T_ENUM(T, n, f, e)	{ T_FIELD(T, n, set_enum, f), .enums = e }
#define T_DBL(T, n, f, lo, hi) \
	{ T_FIELD(T, n, set_double, f), .dmin = lo, .dmax = hi }
#define T_DBL_GT(T, n, f, lo, hi) \
	{ T_FIELD(T, n, set_double, f), .dmin = lo, .dmax = hi, \
	    .flags = KF_ABOVE_MIN }

#define K_STR(n, fn, f)		T_STR(struct herald_conf, n, fn, f)
#define K_INT(n, f, lo, hi)	T_INT(struct herald_conf, n, f, lo, hi)
#define K_BOOL(n, f)		T_BOOL(struct herald_conf, n, f)
#define K_ENUM(n, f, e)		T_ENUM(struct herald_conf, n, f, e)
#define K_DBL(n, f, lo, hi)	T_DBL(struct herald_conf, n, f, lo, hi)
#define K_DBL_GT(n, f, lo, hi)	T_DBL_GT(struct herald_conf, n, f, lo, hi)
#define K_U64(n, f)		T_STR(struct herald_conf, n, set_u64, f)
#define K_SECTION(n, tab)	{ .name = n, .set = set_section, .sub = tab }
#define K_FN(n, fn)		{ .name = n, .set = fn }
#define K_END			{ .name = NULL }

#define S_STR(n, fn, f)		T_STR(struct conf_symbol, n, fn, f)
#define S_INT(n, f, lo, hi)	T_INT(struct conf_symbol, n, f, lo, hi)
#define S_BOOL(n, f)		T_BOOL(struct conf_symbol, n, f)
#define S_ENUM(n, f, e)		T_ENUM(struct conf_symbol, n, f, e)
#define S_DBL(n, f, lo, hi)	T_DBL(struct conf_symbol, n, f, lo, hi)
#define S_DBL_GT(n, f, lo, hi)	T_DBL_GT(struct conf_symbol, n, f, lo, hi)

/* Bounds of the numbers with a fraction; the engine's are no tighter. */
#define MONEY_MAX	1e12	/* balance, daily loss */
#define LOTS_MAX	1e6	/* volumes */
#define PRICE_MAX	1e9	/* prices, contract sizes */
#define RATE_MAX	1e6	/* margin_rate, tick_size */
#define STEP_MIN	1e-8	/* volume_step */
#define CONTRACT_MIN	1e-6	/* contract_size */
#define PERCENT_MAX	1e6	/* min_margin_level */

static const struct conf_enum backends[] = {
	{ "paper",	BACKEND_PAPER },
	{ "bridge",	BACKEND_BRIDGE },
	{ NULL,		0 }
};

static const struct conf_enum log_facilities[] = {
	{ "daemon",	LOG_DAEMON },
	{ "user",	LOG_USER },
	{ "local0",	LOG_LOCAL0 },
	{ "local1",	LOG_LOCAL1 },
	{ "local2",	LOG_LOCAL2 },
	{ "local3",	LOG_LOCAL3 },
	{ "local4",	LOG_LOCAL4 },
	{ "local5",	LOG_LOCAL5 },
	{ "local6",	LOG_LOCAL6 },
	{ "local7",	LOG_LOCAL7 },
	{ NULL,		0 }
};

static const struct conf_enum log_levels[] = {
	{ "error",	LOG_ERR },
	{ "warning",	LOG_WARNING },
	{ "info",	LOG_INFO },
	{ "debug",	LOG_DEBUG },
	{ NULL,		0 }
};

/* One entry of the listen list; offsets into struct conf_listen. */
const struct conf_key listen_keys[] = {
	{ T_FIELD(struct conf_listen, "address", set_address, address),
	    .flags = KF_REQUIRED },
	T_INT(struct conf_listen, "port", port, 1, 65535),
	K_END
};

static const struct conf_key tls_keys[] = {
	K_STR("certificate",	set_path,	tls.certificate),
	K_STR("key",		set_path,	tls.key),
	K_STR("client_ca",	set_path_opt,	tls.client_ca),
	K_INT("expiry_warning_days", tls.expiry_warning_days, 1, 365),
	K_END
};

static const struct conf_key control_keys[] = {
	K_STR("socket",		set_path,	control.socket),
	K_STR("group",		set_name,	control.group),
	K_INT("max_clients",	control.max_clients,	1, 1024),
	K_INT("timeout",	control.timeout,	1, 3600),
	K_INT("key_expiry_days", control.key_expiry_days, 1, 3650),
	K_END
};

static const struct conf_key privsep_keys[] = {
	K_STR("user",		set_name,	privsep.user),
	K_STR("chroot",		set_path,	privsep.chroot),
	K_BOOL("seccomp_debug",	privsep.seccomp_debug),
	K_END
};

static const struct conf_enum margin_modes[] = {
	{ "hedging",	PAPER_HEDGING },
	{ "netting",	PAPER_NETTING },
	{ NULL,		0 }
};

static const struct conf_enum trade_modes[] = {
	{ "disabled",	PAPER_TRADE_DISABLED },
	{ "longonly",	PAPER_TRADE_LONGONLY },
	{ "shortonly",	PAPER_TRADE_SHORTONLY },
	{ "closeonly",	PAPER_TRADE_CLOSEONLY },
	{ "full",	PAPER_TRADE_FULL },
	{ NULL,		0 }
};

static const struct conf_enum exec_modes[] = {
	{ "instant",	PAPER_EXEC_INSTANT },
	{ "market",	PAPER_EXEC_MARKET },
	{ NULL,		0 }
};

static const struct conf_enum calc_modes[] = {
	{ "forex",		PAPER_CALC_FOREX },
	{ "forex_no_leverage",	PAPER_CALC_FOREX_NO_LEVERAGE },
	{ "cfd",		PAPER_CALC_CFD },
	{ "cfd_leverage",	PAPER_CALC_CFDLEVERAGE },
	{ "cfd_index",		PAPER_CALC_CFDINDEX },
	{ "futures",		PAPER_CALC_FUTURES },
	{ NULL,			0 }
};

static const struct conf_enum expirations[] = {
	{ "gtc",		PAPER_EXPIRATION_GTC },
	{ "day",		PAPER_EXPIRATION_DAY },
	{ "specified",		PAPER_EXPIRATION_SPECIFIED },
	{ "specified_day",	PAPER_EXPIRATION_SPECIFIED_DAY },
	{ NULL,			0 }
};

static const struct conf_enum fillings[] = {
	{ "fok",	PAPER_FILL_FOK },
	{ "ioc",	PAPER_FILL_IOC },
	{ "return",	PAPER_FILL_RETURN },
	{ NULL,		0 }
};

/* One entry of mt5.paper.symbols; offsets into struct conf_symbol. */
const struct conf_key symbol_keys[] = {
	{ T_FIELD(struct conf_symbol, "name", set_symbol_name, name),
	    .flags = KF_REQUIRED },
	S_STR("currency_base",	set_currency,	currency_base),
	S_STR("currency_profit", set_currency,	currency_profit),
	S_INT("digits",		digits,		0, PAPER_DIGITS_MAX),
	S_DBL("contract_size",	contract_size,	CONTRACT_MIN, PRICE_MAX),
	S_DBL_GT("volume_min",	volume_min,	0, LOTS_MAX),
	S_DBL_GT("volume_max",	volume_max,	0, LOTS_MAX),
	S_DBL("volume_step",	volume_step,	STEP_MIN, LOTS_MAX),
	S_INT("stops_level",	stops_level,	0, 100000),
	{ T_FIELD(struct conf_symbol, "filling", set_flag_list, filling),
	    .enums = fillings },
	S_ENUM("trade_mode",	trade_mode,	trade_modes),
	S_ENUM("exec_mode",	exec_mode,	exec_modes),
	S_ENUM("calc_mode",	calc_mode,	calc_modes),
	S_DBL("liquidity",	liquidity,	0, LOTS_MAX),
	S_DBL_GT("margin_rate",	margin_rate,	0, RATE_MAX),
	S_DBL("margin_initial",	margin_initial,	0, MONEY_MAX),
	S_DBL("margin_hedged",	margin_hedged,	0, PRICE_MAX),
	S_DBL_GT("tick_size",	tick_size,	0, RATE_MAX),
	S_DBL_GT("tick_value",	tick_value,	0, MONEY_MAX),
	{ T_FIELD(struct conf_symbol, "start_bid", set_double, start_bid),
	    .dmin = 0, .dmax = PRICE_MAX,
	    .flags = KF_REQUIRED | KF_ABOVE_MIN },
	S_INT("spread",		spread,		0, 100000),
	S_INT("max_step",	max_step,	1, 100000),
	S_BOOL("session_open",	session_open),
	{ T_FIELD(struct conf_symbol, "expiration", set_flag_list,
	    expiration), .enums = expirations },
	{ T_FIELD(struct conf_symbol, "session_end", set_time_of_day,
	    session_end) },
	K_END
};

static const struct conf_key paper_keys[] = {
	K_STR("currency",	set_currency,	mt5.paper.currency),
	K_DBL_GT("balance",	mt5.paper.balance,	0, MONEY_MAX),
	K_INT("leverage",	mt5.paper.leverage,	1, 1000),
	K_ENUM("margin_mode",	mt5.paper.margin_mode,	margin_modes),
	K_U64("seed",		mt5.paper.seed),
	K_INT("tick_interval",	mt5.paper.tick_interval, 10, 60000),
	K_STR("ticks_file",	set_path_opt,	mt5.paper.ticks_file),
	K_FN("symbols",		set_symbols),
	K_END
};

static const struct conf_key bridge_keys[] = {
	K_STR("address",	set_address,	mt5.bridge.address),
	K_INT("port",		mt5.bridge.port,	1, 65535),
	K_STR("key_file",	set_path,	mt5.bridge.key_file),
	K_BOOL("tls",		mt5.bridge.tls),
	K_STR("tls_certificate", set_path,	mt5.bridge.tls_certificate),
	K_STR("tls_key",	set_path,	mt5.bridge.tls_key),
	K_END
};

static const struct conf_key mt5_keys[] = {
	K_ENUM("backend",	mt5.backend,	backends),
	K_STR("login",		set_login,	mt5.login),
	K_FN("password",	set_password),
	K_STR("server",		set_string,	mt5.server),
	K_STR("password_file",	set_password_file, mt5.password_file),
	K_INT("request_timeout", mt5.request_timeout,	1, 300),
	K_INT("start_timeout",	mt5.start_timeout,	1, 600),
	K_INT("record_group_max", mt5.record_group_max,	16, 1000000),
	K_INT("record_group_bytes", mt5.record_group_bytes, 65536, 1073741824),
	K_SECTION("paper",	paper_keys),
	K_SECTION("bridge",	bridge_keys),
	K_END
};

static const struct conf_enum scopes[] = {
	{ "key",	CONF_SCOPE_KEY },
	{ "all",	CONF_SCOPE_ALL },
	{ NULL,		0 }
};

static const struct conf_key trading_keys[] = {
	K_FN("allowed_symbols",	set_allowed),
	K_DBL_GT("max_volume",	trading.max_volume,	0, LOTS_MAX),
	K_INT("max_open_positions", trading.max_open_positions, 1, 10000),
	K_INT("max_positions_per_symbol", trading.max_positions_per_symbol,
	    1, 10000),
	K_DBL("max_exposure",	trading.max_exposure,	0, LOTS_MAX),
	K_DBL("min_margin_level", trading.min_margin_level, 0, PERCENT_MAX),
	K_ENUM("positions_scope", trading.positions_scope, scopes),
	K_DBL("max_daily_loss",	trading.max_daily_loss,	0, MONEY_MAX),
	K_INT("orders_per_minute", trading.orders_per_minute, 1, 100000),
	K_INT("duplicate_window", trading.duplicate_window, 1, 3600),
	K_INT("journal_days",	trading.journal_days,	1, 36500),
	K_END
};

static const struct conf_key limits_keys[] = {
	K_INT("open_files",	limits.open_files,	64, 65536),
	K_INT("header_bytes",	limits.header_bytes,	1024, 65536),
	K_INT("header_count",	limits.header_count,	8, 256),
	K_INT("body_bytes",	limits.body_bytes,	1024, 1048576),
	K_INT("request_line",	limits.request_line,	256, 16384),
	K_INT("header_timeout",	limits.header_timeout,	1, 3600),
	K_INT("body_timeout",	limits.body_timeout,	1, 3600),
	K_INT("idle_timeout",	limits.idle_timeout,	1, 3600),
	K_INT("connections",	limits.connections,	1, 65536),
	K_INT("connections_per_source", limits.connections_per_source,
	    1, 65536),
	K_END
};

static const struct conf_key events_keys[] = {
	K_INT("retention",	events.retention,	100, 10000000),
	K_INT("retention_days",	events.retention_days,	1, 3650),
	K_INT("heartbeat",	events.heartbeat,	1, 3600),
	K_INT("streams",	events.streams,		1, 65536),
	K_INT("streams_per_key", events.streams_per_key, 1, 65536),
	K_INT("stream_buffer",	events.stream_buffer,	65536, 67108864),
	K_END
};

static const struct conf_key rate_limit_keys[] = {
	K_INT("window",		rate_limit.window,	1, 3600),
	K_INT("per_source",	rate_limit.per_source,	1, 1000000),
	K_INT("per_key",	rate_limit.per_key,	1, 1000000),
	K_INT("auth_failures",	rate_limit.auth_failures, 1, 1000),
	K_INT("auth_window",	rate_limit.auth_window,	1, 86400),
	K_INT("ban_time",	rate_limit.ban_time,	1, 604800),
	K_INT("ban_max",	rate_limit.ban_max,	1, 31536000),
	K_FN("exempt",		set_exempt),
	K_INT("ipv6_prefix",	rate_limit.ipv6_prefix,	1, 128),
	K_END
};

static const struct conf_key log_keys[] = {
	K_ENUM("level",		log.level,	log_levels),
	K_ENUM("facility",	log.facility,	log_facilities),
	K_END
};

static const struct conf_key audit_keys[] = {
	K_STR("key_file",	set_path,	audit.key_file),
	K_INT("days",		audit.days,	1, 36500),
	K_INT("head_interval",	audit.head_interval,	10, 86400),
	K_END
};

static const struct conf_key database_keys[] = {
	K_STR("path",		set_path,	database),
	K_INT("busy_timeout",	database_busy_timeout,	1, 60000),
	K_END
};

/*
 * database: a path, or a mapping {path, busy_timeout}.  The plain form
 * stays for every configuration written before busy_timeout existed.
 */
static void
set_database(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	if (n->type == YAML_MAPPING_NODE)
		walk_mapping(ctx, n, database_keys, path, base);
	else
		set_path(ctx, &database_keys[0], n, path, base);
}

const struct conf_key top_keys[] = {
	K_FN("listen",		set_listen),
	K_SECTION("tls",	tls_keys),
	K_SECTION("control",	control_keys),
	K_SECTION("privsep",	privsep_keys),
	K_FN("database",	set_database),
	K_STR("pid_file",	set_path,	pid_file),
	K_SECTION("mt5",	mt5_keys),
	K_SECTION("trading",	trading_keys),
	K_SECTION("limits",	limits_keys),
	K_SECTION("rate_limit",	rate_limit_keys),
	K_SECTION("audit",	audit_keys),
	K_SECTION("events",	events_keys),
	K_SECTION("log",	log_keys),
	K_END
};

/*
 * A symbol entry before its keys are read: the per-key defaults.  The
 * name, the currencies (taken from the name when left out) and start_bid
 * have none.
 */
void
symbol_init(struct conf_symbol *s)
{
	memset(s, 0, sizeof(*s));
	s->digits = 5;
	s->contract_size = 100000;
	s->volume_min = 0.01;
	s->volume_max = 100;
	s->volume_step = 0.01;
	s->filling = PAPER_FILL_FOK | PAPER_FILL_IOC;
	s->trade_mode = PAPER_TRADE_FULL;
	s->exec_mode = PAPER_EXEC_MARKET;
	s->calc_mode = PAPER_CALC_FOREX;
	s->margin_hedged = -1;		/* unset: config.c sets the default */
	s->spread = 10;
	s->max_step = 5;
	s->session_open = 1;
	s->expiration = PAPER_EXPIRATION_ALL;
	s->session_end = 86400;
}

/*
 * The defaults that follow other keys: margin_rate 1, margin_hedged the
 * contract size (a future's margin_initial), tick_size the point,
 * tick_value tick_size * contract_size.
 */
void
symbol_margin_defaults(struct conf_symbol *s)
{
	/* Decimal literals: the point as the file would write it. */
	static const double	 points[PAPER_DIGITS_MAX + 1] = { 1, 0.1,
	    0.01, 0.001, 0.0001, 0.00001, 0.000001, 0.0000001, 0.00000001 };

	if (s->margin_rate == 0)
		s->margin_rate = 1;
	if (s->margin_hedged < 0)
		s->margin_hedged = s->calc_mode == PAPER_CALC_FUTURES ?
		    s->margin_initial : s->contract_size;
	if (s->tick_size == 0 && s->digits >= 0 &&
	    s->digits <= PAPER_DIGITS_MAX)
		s->tick_size = points[s->digits];
	if (s->tick_value == 0)
		s->tick_value = s->tick_size * s->contract_size;
}

/* EURUSD is EUR against USD: names of six capitals hold both codes. */
int
currencies_from_name(struct conf_symbol *s)
{
	if (strspn(s->name, UPPER) < 6)
		return 0;
	if (s->currency_base[0] == '\0')
		snprintf(s->currency_base, sizeof(s->currency_base), "%.3s",
		    s->name);
	if (s->currency_profit[0] == '\0')
		snprintf(s->currency_profit, sizeof(s->currency_profit),
		    "%.3s", s->name + 3);
	return 1;
}

/* The sample's symbols, used when mt5.paper.symbols is left out. */
static void
default_symbols(struct herald_conf *conf)
{
	static const struct {
		const char	*name;
		int		 digits, calc_mode, spread, max_step;
		double		 contract_size, start_bid;
	} d[] = {
		{ "EURUSD", 5, PAPER_CALC_FOREX, 10, 5, 100000, 1.085 },
		{ "GBPUSD", 5, PAPER_CALC_FOREX, 10, 5, 100000, 1.27 },
		{ "USDJPY", 3, PAPER_CALC_FOREX, 10, 5, 100000, 150 },
		{ "XAUUSD", 2, PAPER_CALC_CFDLEVERAGE, 30, 50, 100, 2000 },
	};
	struct conf_symbol	*s;
	size_t			 i;

	for (i = 0; i < nitems(d); i++) {
		s = &conf->mt5.paper.symbols[i];
		symbol_init(s);
		strlcpy(s->name, d[i].name, sizeof(s->name));
		currencies_from_name(s);
		s->digits = d[i].digits;
		s->calc_mode = d[i].calc_mode;
		s->spread = d[i].spread;
		s->max_step = d[i].max_step;
		s->contract_size = d[i].contract_size;
		s->start_bid = d[i].start_bid;
		symbol_margin_defaults(s);
	}
	conf->mt5.paper.nsymbols = i;
}

void
config_defaults(struct herald_conf *conf)
{
	static const char *const allowed[] = { "EURUSD", "GBPUSD", "XAUUSD" };
	size_t			 i;

	memset(conf, 0, sizeof(*conf));

	strlcpy(conf->listen[0].address, "127.0.0.1",
	    sizeof(conf->listen[0].address));
	conf->listen[0].port = DEFAULT_PORT;
	conf->nlisten = 1;

	strlcpy(conf->tls.certificate, "/etc/herald/server.crt",
	    sizeof(conf->tls.certificate));
	strlcpy(conf->tls.key, "/etc/herald/server.key",
	    sizeof(conf->tls.key));
	conf->tls.expiry_warning_days = 30;

	strlcpy(conf->control.socket, "/run/heraldd.sock",
	    sizeof(conf->control.socket));
	strlcpy(conf->control.group, "herald-admin",
	    sizeof(conf->control.group));
	conf->control.max_clients = 8;
	conf->control.timeout = 10;
	conf->control.key_expiry_days = 90;

	strlcpy(conf->privsep.user, "_herald", sizeof(conf->privsep.user));
	strlcpy(conf->privsep.chroot, "/var/empty/heraldd",
	    sizeof(conf->privsep.chroot));

	strlcpy(conf->database, "/var/lib/herald/herald.db",
	    sizeof(conf->database));
	conf->database_busy_timeout = 1000;
	strlcpy(conf->pid_file, "/run/heraldd.pid", sizeof(conf->pid_file));

	conf->mt5.backend = BACKEND_PAPER;
	conf->mt5.request_timeout = 10;
	conf->mt5.start_timeout = 30;
	conf->mt5.record_group_max = 65536;
	conf->mt5.record_group_bytes = 16777216;
	strlcpy(conf->mt5.bridge.address, "127.0.0.1",
	    sizeof(conf->mt5.bridge.address));
	conf->mt5.bridge.port = 5555;
	strlcpy(conf->mt5.bridge.key_file, "/etc/herald/bridge.key",
	    sizeof(conf->mt5.bridge.key_file));
	strlcpy(conf->mt5.bridge.tls_certificate,
	    "/etc/herald/bridge-tls.crt",
	    sizeof(conf->mt5.bridge.tls_certificate));
	strlcpy(conf->mt5.bridge.tls_key, "/etc/herald/bridge-tls.key",
	    sizeof(conf->mt5.bridge.tls_key));
	strlcpy(conf->mt5.paper.currency, "USD",
	    sizeof(conf->mt5.paper.currency));
	conf->mt5.paper.balance = 10000;
	conf->mt5.paper.leverage = 100;
	conf->mt5.paper.margin_mode = PAPER_HEDGING;
	conf->mt5.paper.seed = 1;
	conf->mt5.paper.tick_interval = 250;
	default_symbols(conf);

	for (i = 0; i < nitems(allowed); i++)
		strlcpy(conf->trading.allowed_symbols[i], allowed[i],
		    sizeof(conf->trading.allowed_symbols[i]));
	conf->trading.nallowed = i;
	conf->trading.max_volume = 10;
	conf->trading.max_open_positions = 50;
	conf->trading.max_positions_per_symbol = 20;
	conf->trading.max_daily_loss = 1000;
	conf->trading.max_exposure = 0;
	conf->trading.min_margin_level = 0;
	conf->trading.positions_scope = CONF_SCOPE_KEY;
	conf->trading.orders_per_minute = 60;
	conf->trading.duplicate_window = 10;
	conf->trading.journal_days = 90;

	strlcpy(conf->audit.key_file, "/etc/herald/audit.key",
	    sizeof(conf->audit.key_file));
	conf->audit.days = 365;
	conf->audit.head_interval = 3600;

	conf->events.retention = 10000;
	conf->events.retention_days = 7;
	conf->events.heartbeat = 15;
	conf->events.streams = 64;
	conf->events.streams_per_key = 4;
	conf->events.stream_buffer = 1048576;

	conf->limits.open_files = 1024;
	conf->limits.header_bytes = 8192;
	conf->limits.header_count = 64;
	conf->limits.body_bytes = 65536;
	conf->limits.request_line = 4096;
	conf->limits.header_timeout = 10;
	conf->limits.body_timeout = 30;
	conf->limits.idle_timeout = 60;
	conf->limits.connections = 512;
	conf->limits.connections_per_source = 64;

	conf->rate_limit.window = 60;
	conf->rate_limit.per_source = 600;
	conf->rate_limit.per_key = 600;
	conf->rate_limit.auth_failures = 5;
	conf->rate_limit.auth_window = 300;
	conf->rate_limit.ban_time = 600;
	conf->rate_limit.ban_max = 86400;
	conf->rate_limit.nexempt = 0;
	conf->rate_limit.ipv6_prefix = 64;

	conf->log.level = LOG_INFO;
	conf->log.facility = LOG_DAEMON;
}
