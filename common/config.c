/*
 * herald.yaml: a libyaml document turned into a struct herald_conf.
 *
 * The buffer is parsed twice.  The first pass uses libyaml's event API
 * only to refuse what the schema has no use for and what would make the
 * second pass surprising: syntax errors, a second document, anchors,
 * aliases and explicit tags.  The second pass loads the document and walks
 * it against one table per section; a row names a key, its setter and
 * the field it fills, so a new key is one line.  Every error is
 * "file:line: key.path: message" and the walk goes on after one, so that
 * heraldd -n shows them all at once.
 *
 * Secrets (mt5.password, the contents of mt5.password_file) go straight
 * into secmem; every other copy (libyaml's buffers and scalars, our read
 * buffers) is wiped before it is freed.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "log.h"
#include "mt5.h"
#include "secmem.h"

#define KEYPATH_MAX	160	/* "listen[15].address", an escaped key */
#define SHOW_MAX	40	/* bytes of a bad value quoted in an error */
#define ESC_BUF		64	/* escape() output: SHOW_MAX, one \xNN, "..." */
#define GOT_BUF		(ESC_BUF + 2)	/* the same, quoted */
#define KEYS_MAX	24	/* rows in one schema table */
#define LOGIN_DIGITS	20
#define DEFAULT_PORT	8181
#define NUMBER_MAX	32	/* characters of a number with a fraction */
#define TOO_MANY	"too many errors; fix these first"

#define SYMBOL_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
#define SYMBOL_WANT	"expected a symbol name of 1 to 31 capital letters, " \
			"digits, '.' and '_'"
#define UPPER		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS		"0123456789"

_Static_assert(sizeof(enum conf_backend) == sizeof(int),
    "mt5.backend is stored as an int");

/*
 * Keys a check between keys may have to point at.  The walk notes the
 * line of each one it meets, so the error can say where to look.
 */
enum watch {
	W_LIMITS,
	W_OPEN_FILES,
	W_CONNECTIONS,
	W_RATE_LIMIT,
	W_BAN_TIME,
	W_BAN_MAX,
	W_BACKEND,
	W_CURRENCY,
	W_SYMBOLS,
	W_ALLOWED,
	W_BRIDGE_ADDRESS,
	W_BRIDGE_TLS,
	W_COUNT
};

static const char *const watched[W_COUNT] = {
	[W_LIMITS] =		"limits",
	[W_OPEN_FILES] =	"limits.open_files",
	[W_CONNECTIONS] =	"limits.connections",
	[W_RATE_LIMIT] =	"rate_limit",
	[W_BAN_TIME] =		"rate_limit.ban_time",
	[W_BAN_MAX] =		"rate_limit.ban_max",
	[W_BACKEND] =		"mt5.backend",
	[W_CURRENCY] =		"mt5.paper.currency",
	[W_SYMBOLS] =		"mt5.paper.symbols",
	[W_ALLOWED] =		"trading.allowed_symbols",
	[W_BRIDGE_ADDRESS] =	"mt5.bridge.address",
	[W_BRIDGE_TLS] =	"mt5.bridge.tls",
};

struct parse_ctx {
	const char		*name;		/* file name for messages */
	yaml_document_t		*doc;
	struct herald_conf	*conf;
	struct conf_errors	*errs;
	size_t			 nerr;		/* errors found, uncapped */
	size_t			 password_file_line;
	size_t			 line[W_COUNT];	/* 0: key not given */
	int			 bad[W_COUNT];	/* given, but refused */
	/* Lines of the entries, for checks between keys. */
	size_t			 symbol_line[CONF_MAX_SYMBOLS];
	size_t			 allowed_line[CONF_MAX_SYMBOLS];
};

struct conf_key;
typedef void (*conf_set_fn)(struct parse_ctx *, const struct conf_key *,
    yaml_node_t *, const char *, void *);

struct conf_enum {
	const char	*name;
	int		 value;
};

/* One row of a schema table; offsets are into the struct the table fills. */
struct conf_key {
	const char		*name;
	conf_set_fn		 set;
	size_t			 off;
	size_t			 size;
	long long		 min, max;	/* integers */
	double			 dmin, dmax;	/* numbers with a fraction */
	const struct conf_key	*sub;		/* sections */
	const struct conf_enum	*enums;
	int			 flags;
};
#define KF_REQUIRED	0x1
#define KF_ABOVE_MIN	0x2	/* dmin itself is not allowed */

static void	set_section(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_listen(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_string(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_path(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_path_opt(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_name(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_int(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_bool(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_enum(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_address(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_login(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_password(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_password_file(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_double(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_u64(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_currency(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_symbol_name(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_filling(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_symbols(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);
static void	set_allowed(struct parse_ctx *, const struct conf_key *,
		    yaml_node_t *, const char *, void *);

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
#define STEP_MIN	1e-8	/* volume_step */
#define CONTRACT_MIN	1e-6	/* contract_size */

static const struct conf_enum backends[] = {
	{ "paper",	BACKEND_PAPER },
	{ "bridge",	BACKEND_BRIDGE },
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
static const struct conf_key listen_keys[] = {
	{ T_FIELD(struct conf_listen, "address", set_address, address),
	    .flags = KF_REQUIRED },
	T_INT(struct conf_listen, "port", port, 1, 65535),
	K_END
};

static const struct conf_key tls_keys[] = {
	K_STR("certificate",	set_path,	tls.certificate),
	K_STR("key",		set_path,	tls.key),
	K_STR("client_ca",	set_path_opt,	tls.client_ca),
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
	{ "forex",	PAPER_CALC_FOREX },
	{ "cfd",	PAPER_CALC_CFD },
	{ NULL,		0 }
};

static const struct conf_enum fillings[] = {
	{ "fok",	PAPER_FILL_FOK },
	{ "ioc",	PAPER_FILL_IOC },
	{ "return",	PAPER_FILL_RETURN },
	{ NULL,		0 }
};

/* One entry of mt5.paper.symbols; offsets into struct conf_symbol. */
static const struct conf_key symbol_keys[] = {
	{ T_FIELD(struct conf_symbol, "name", set_symbol_name, name),
	    .flags = KF_REQUIRED },
	S_STR("currency_base",	set_currency,	currency_base),
	S_STR("currency_profit", set_currency,	currency_profit),
	S_INT("digits",		digits,		0, 8),
	S_DBL("contract_size",	contract_size,	CONTRACT_MIN, PRICE_MAX),
	S_DBL_GT("volume_min",	volume_min,	0, LOTS_MAX),
	S_DBL_GT("volume_max",	volume_max,	0, LOTS_MAX),
	S_DBL("volume_step",	volume_step,	STEP_MIN, LOTS_MAX),
	S_INT("stops_level",	stops_level,	0, 100000),
	S_STR("filling",	set_filling,	filling),
	S_ENUM("trade_mode",	trade_mode,	trade_modes),
	S_ENUM("exec_mode",	exec_mode,	exec_modes),
	S_ENUM("calc_mode",	calc_mode,	calc_modes),
	S_DBL("liquidity",	liquidity,	0, LOTS_MAX),
	{ T_FIELD(struct conf_symbol, "start_bid", set_double, start_bid),
	    .dmin = 0, .dmax = PRICE_MAX,
	    .flags = KF_REQUIRED | KF_ABOVE_MIN },
	S_INT("spread",		spread,		0, 100000),
	S_INT("max_step",	max_step,	1, 100000),
	S_BOOL("session_open",	session_open),
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
	K_SECTION("paper",	paper_keys),
	K_SECTION("bridge",	bridge_keys),
	K_END
};

static const struct conf_key trading_keys[] = {
	K_FN("allowed_symbols",	set_allowed),
	K_DBL_GT("max_volume",	trading.max_volume,	0, LOTS_MAX),
	K_INT("max_open_positions", trading.max_open_positions, 1, 10000),
	K_INT("max_positions_per_symbol", trading.max_positions_per_symbol,
	    1, 10000),
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

static const struct conf_key rate_limit_keys[] = {
	K_INT("window",		rate_limit.window,	1, 3600),
	K_INT("per_source",	rate_limit.per_source,	1, 1000000),
	K_INT("per_key",	rate_limit.per_key,	1, 1000000),
	K_INT("auth_failures",	rate_limit.auth_failures, 1, 1000),
	K_INT("auth_window",	rate_limit.auth_window,	1, 86400),
	K_INT("ban_time",	rate_limit.ban_time,	1, 604800),
	K_INT("ban_max",	rate_limit.ban_max,	1, 31536000),
	K_END
};

static const struct conf_key log_keys[] = {
	K_ENUM("level",		log.level,	log_levels),
	K_END
};

static const struct conf_key top_keys[] = {
	K_FN("listen",		set_listen),
	K_SECTION("tls",	tls_keys),
	K_SECTION("control",	control_keys),
	K_SECTION("privsep",	privsep_keys),
	K_STR("database",	set_path,	database),
	K_STR("pid_file",	set_path,	pid_file),
	K_SECTION("mt5",	mt5_keys),
	K_SECTION("trading",	trading_keys),
	K_SECTION("limits",	limits_keys),
	K_SECTION("rate_limit",	rate_limit_keys),
	K_SECTION("log",	log_keys),
	K_END
};

static void	err_at(struct parse_ctx *, size_t, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
static void	err_node(struct parse_ctx *, const yaml_node_t *, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * A symbol entry before its keys are read: the per-key defaults.  The
 * name, the currencies (taken from the name when left out) and start_bid
 * have none.
 */
static void
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
	s->spread = 10;
	s->max_step = 5;
	s->session_open = 1;
}

/* EURUSD is EUR against USD: names of six capitals hold both codes. */
static int
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
		{ "XAUUSD", 2, PAPER_CALC_CFD, 30, 50, 100, 2000 },
	};
	struct conf_symbol	*s;
	size_t			 i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
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
	strlcpy(conf->pid_file, "/run/heraldd.pid", sizeof(conf->pid_file));

	conf->mt5.backend = BACKEND_PAPER;
	conf->mt5.request_timeout = 10;
	conf->mt5.start_timeout = 30;
	strlcpy(conf->mt5.bridge.address, "127.0.0.1",
	    sizeof(conf->mt5.bridge.address));
	conf->mt5.bridge.port = 5555;
	strlcpy(conf->mt5.bridge.key_file, "/etc/herald/bridge.key",
	    sizeof(conf->mt5.bridge.key_file));
	strlcpy(conf->mt5.paper.currency, "USD",
	    sizeof(conf->mt5.paper.currency));
	conf->mt5.paper.balance = 10000;
	conf->mt5.paper.leverage = 100;
	conf->mt5.paper.margin_mode = PAPER_HEDGING;
	conf->mt5.paper.seed = 1;
	conf->mt5.paper.tick_interval = 250;
	default_symbols(conf);

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		strlcpy(conf->trading.allowed_symbols[i], allowed[i],
		    sizeof(conf->trading.allowed_symbols[i]));
	conf->trading.nallowed = i;
	conf->trading.max_volume = 10;
	conf->trading.max_open_positions = 50;
	conf->trading.max_positions_per_symbol = 20;
	conf->trading.max_daily_loss = 1000;
	conf->trading.orders_per_minute = 60;
	conf->trading.duplicate_window = 10;
	conf->trading.journal_days = 90;

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

	conf->log.level = LOG_INFO;
}

void
config_free(struct herald_conf *conf)
{
	secret_free(conf->mt5.password);
	conf->mt5.password = NULL;
	conf->mt5.password_in_file = 0;
}

void
config_error(struct conf_errors *errs, const char *fmt, ...)
{
	va_list	ap;

	if (errs->n >= CONF_MAX_ERRORS) {
		/* Full: say so once, in place of the last message. */
		strlcpy(errs->msg[CONF_MAX_ERRORS - 1], TOO_MANY,
		    sizeof(errs->msg[0]));
		errs->n = CONF_MAX_ERRORS;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errs->msg[errs->n], sizeof(errs->msg[0]), fmt, ap);
	va_end(ap);
	errs->n++;
}

/*
 * Errors during the walk.  line 0 means "no line" (out of memory); an
 * empty path leaves out the key.
 */
static void
err_at(struct parse_ctx *ctx, size_t line, const char *path,
    const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	ctx->nerr++;
	if (line == 0)
		config_error(ctx->errs, "%s: %s", ctx->name, msg);
	else if (path == NULL || *path == '\0')
		config_error(ctx->errs, "%s:%zu: %s", ctx->name, line, msg);
	else
		config_error(ctx->errs, "%s:%zu: %s: %s", ctx->name, line,
		    path, msg);
}

static size_t
node_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

static void
err_node(struct parse_ctx *ctx, const yaml_node_t *n, const char *path,
    const char *fmt, ...)
{
	char	 msg[400];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_at(ctx, node_line(n), path, "%s", msg);
}

/* Quote untrusted bytes for a message: printable ASCII, the rest \xNN. */
static void
escape(char *dst, size_t dstsz, const unsigned char *src, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	for (i = 0; i < len && o + 8 < dstsz; i++) {
		if (o >= SHOW_MAX) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"' &&
		    src[i] != '\\')
			dst[o++] = src[i];
		else if (src[i] == '"' || src[i] == '\\') {
			dst[o++] = '\\';
			dst[o++] = src[i];
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[src[i] >> 4];
			dst[o++] = hex[src[i] & 0xf];
		}
	}
	dst[o] = '\0';
}

/* YAML's null: an empty plain scalar, ~ or null. */
static int
is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/* What a node is, for "expected X, got Y". */
static const char *
got(const yaml_node_t *n, char *buf, size_t bufsz)
{
	char	tmp[ESC_BUF];

	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		if (is_null(n))
			return "nothing";
		escape(tmp, sizeof(tmp), n->data.scalar.value,
		    n->data.scalar.length);
		snprintf(buf, bufsz, "\"%s\"", tmp);
		return buf;
	default:
		return "nothing";
	}
}

/*
 * The string value of a scalar that must fit in size bytes with its NUL
 * and hold no NUL or control character.  Never quotes the value, so it is
 * safe for secrets.  NULL after an error.
 */
static const char *
get_string(struct parse_ctx *ctx, yaml_node_t *n, const char *path,
    size_t size)
{
	const unsigned char	*v;
	char			 g[GOT_BUF];
	size_t			 i, len;

	if (n->type != YAML_SCALAR_NODE) {
		err_node(ctx, n, path, "expected a string, got %s",
		    got(n, g, sizeof(g)));
		return NULL;
	}
	if (is_null(n))
		return "";
	v = n->data.scalar.value;
	len = n->data.scalar.length;
	for (i = 0; i < len; i++) {
		if (v[i] == '\0') {
			err_node(ctx, n, path, "contains a NUL byte");
			return NULL;
		}
		/* C0, DEL and the C1 range as UTF-8 (0xc2 0x80-0x9f). */
		if (v[i] < 0x20 || v[i] == 0x7f || (v[i] == 0xc2 &&
		    i + 1 < len && v[i + 1] >= 0x80 && v[i + 1] <= 0x9f)) {
			err_node(ctx, n, path,
			    "contains a control character (at byte %zu)",
			    i + 1);
			return NULL;
		}
	}
	if (len >= size) {
		err_node(ctx, n, path, "too long (%zu bytes, at most %zu)",
		    len, size - 1);
		return NULL;
	}
	return (const char *)v;
}

static void
set_string(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;

	if ((s = get_string(ctx, n, path, k->size)) != NULL)
		strlcpy((char *)base + k->off, s, k->size);
}

static void
path_value(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base, int optional)
{
	const char	*s;
	char		 g[GOT_BUF];

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (s[0] != '/' && !(optional && s[0] == '\0')) {
		err_node(ctx, n, path, "expected an absolute path%s, got %s",
		    optional ? " or nothing" : "", got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

static void
set_path(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	path_value(ctx, k, n, path, base, 0);
}

/* An absolute path, or empty for "none". */
static void
set_path_opt(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	path_value(ctx, k, n, path, base, 1);
}

/* User and group names, as getpwnam(3) and getgrnam(3) will see them. */
static void
set_name(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;
	char		 g[GOT_BUF];
	size_t		 i;

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	i = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");
	if (s[0] == '\0' || s[0] == '-' || s[i] != '\0') {
		err_node(ctx, n, path, "expected a name of letters, digits, "
		    "'_', '.' and '-', not starting with '-', got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

/*
 * Plain decimal only: no sign, no leading zero (YAML 1.1 reads 010 as
 * octal), no 0x, no underscores.  Returns 0 if s is not one.
 */
static int
parse_decimal(const yaml_node_t *n, long long *v)
{
	const unsigned char	*s = n->data.scalar.value;
	size_t			 i, len = n->data.scalar.length;

	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return 0;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static void
set_int(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char		 g[GOT_BUF];
	long long	 v;
	uint16_t	 u16;
	int		 i;

	if (n->type != YAML_SCALAR_NODE || !parse_decimal(n, &v) ||
	    v < k->min || v > k->max) {
		err_node(ctx, n, path, "expected an integer from %lld to %lld, "
		    "got %s", k->min, k->max, got(n, g, sizeof(g)));
		return;
	}
	if (k->size == sizeof(u16)) {
		u16 = (uint16_t)v;
		memcpy((char *)base + k->off, &u16, sizeof(u16));
	} else if (k->size == sizeof(i)) {
		i = (int)v;
		memcpy((char *)base + k->off, &i, sizeof(i));
	} else
		fatalx("config: %s: integer field of size %zu", path, k->size);
}

static void
set_bool(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;
	char		 g[GOT_BUF];
	int		 v;

	s = n->type == YAML_SCALAR_NODE &&
	    strlen((const char *)n->data.scalar.value) ==
	    n->data.scalar.length ? (const char *)n->data.scalar.value : "";
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		v = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		v = 0;
	else {
		err_node(ctx, n, path, "expected true, false, yes or no, "
		    "got %s", got(n, g, sizeof(g)));
		return;
	}
	memcpy((char *)base + k->off, &v, sizeof(v));
}

/* The row of a table of names that n spells exactly, or NULL. */
static const struct conf_enum *
find_enum(const struct conf_enum *tab, const yaml_node_t *n)
{
	const struct conf_enum	*e;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	for (e = tab; e->name != NULL; e++)
		if (strlen(e->name) == n->data.scalar.length &&
		    strcmp(e->name, (const char *)n->data.scalar.value) == 0)
			return e;
	return NULL;
}

/* "a, b or c" (sep "or") from the table, so no message can go stale. */
static void
enum_names(const struct conf_enum *tab, const char *sep, char *buf,
    size_t bufsz)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; tab[i].name != NULL; i++) {
		if (i > 0 && tab[i + 1].name == NULL) {
			strlcat(buf, " ", bufsz);
			strlcat(buf, sep, bufsz);
			strlcat(buf, " ", bufsz);
		} else if (i > 0)
			strlcat(buf, ", ", bufsz);
		strlcat(buf, tab[i].name, bufsz);
	}
}

static void
set_enum(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const struct conf_enum	*e;
	char			 want[128], g[GOT_BUF];

	if ((e = find_enum(k->enums, n)) != NULL) {
		memcpy((char *)base + k->off, &e->value, sizeof(e->value));
		return;
	}
	enum_names(k->enums, "or", want, sizeof(want));
	err_node(ctx, n, path, "expected %s, got %s", want,
	    got(n, g, sizeof(g)));
}

static void
set_address(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*s;
	char		 g[GOT_BUF];

	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1) {
		err_node(ctx, n, path, "expected a numeric IPv4 or IPv6 "
		    "address, got %s", got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

/* The login is masked in logs, so its errors do not quote it either. */
static void
set_login(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const char	*s;

	if (n->type == YAML_SCALAR_NODE && !is_null(n) &&
	    n->data.scalar.length > LOGIN_DIGITS) {
		err_node(ctx, n, path, "expected at most %d digits, got %zu "
		    "characters", LOGIN_DIGITS, n->data.scalar.length);
		return;
	}
	if ((s = get_string(ctx, n, path, k->size)) == NULL)
		return;
	if (strspn(s, "0123456789") != strlen(s)) {
		err_node(ctx, n, path, "expected digits only (the MT5 "
		    "account number)");
		return;
	}
	strlcpy((char *)base + k->off, s, k->size);
}

static void
set_password(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	const char		*s;

	if ((s = get_string(ctx, n, path, CONF_SECRET_MAX + 1)) == NULL)
		return;
	if (*s == '\0')
		return;
	secret_free(conf->mt5.password);
	conf->mt5.password = secret_new(s, strlen(s));
	conf->mt5.password_in_file = 1;
	/* The scalar is libyaml's copy; the secret lives in secmem now. */
	explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

static void
set_password_file(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	set_path_opt(ctx, k, n, path, base);
	ctx->password_file_line = node_line(n);
}

/*
 * A number as YAML's core schema writes one, and nothing looser: an
 * optional minus, no leading zero, an optional fraction and exponent,
 * written plain (a quoted "10" is a string).  No .inf or .nan, nothing
 * that overflows.  strtod reads the C locale's '.': heraldd never
 * calls setlocale(3).
 */
static int
parse_number(const yaml_node_t *n, double *v)
{
	const char	*s = (const char *)n->data.scalar.value;
	char		*end;
	size_t		 i = 0, len = n->data.scalar.length;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || len == 0 ||
	    len > NUMBER_MAX || strlen(s) != len)
		return 0;
	if (s[i] == '-')
		i++;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		i += strspn(s + i, DIGITS);
	else
		return 0;
	if (s[i] == '.') {
		if (s[++i] < '0' || s[i] > '9')
			return 0;
		i += strspn(s + i, DIGITS);
	}
	if (s[i] == 'e' || s[i] == 'E') {
		if (s[++i] == '+' || s[i] == '-')
			i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		i += strspn(s + i, DIGITS);
	}
	if (i != len)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end != s + len || !isfinite(*v))
		return 0;
	if (*v == 0)		/* -0 */
		*v = 0;
	return 1;
}

static void
set_double(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char	 g[GOT_BUF], lo[32], hi[32];
	double	 v;
	int	 above = (k->flags & KF_ABOVE_MIN) != 0, quoted;

	if (k->size != sizeof(v))
		fatalx("config: %s: number field of size %zu", path, k->size);
	if (n->type == YAML_SCALAR_NODE && parse_number(n, &v) &&
	    (above ? v > k->dmin : v >= k->dmin) && v <= k->dmax) {
		memcpy((char *)base + k->off, &v, sizeof(v));
		return;
	}
	snprintf(lo, sizeof(lo), "%.15g", k->dmin);
	snprintf(hi, sizeof(hi), "%.15g", k->dmax);
	quoted = n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (above)
		err_node(ctx, n, path, "expected a number greater than %s and "
		    "at most %s, got %s%s", lo, hi, quoted ? "the string " : "",
		    got(n, g, sizeof(g)));
	else
		err_node(ctx, n, path, "expected a number from %s to %s, got "
		    "%s%s", lo, hi, quoted ? "the string " : "",
		    got(n, g, sizeof(g)));
}

/* Any unsigned 64-bit integer, in plain decimal as set_int takes them. */
static void
set_u64(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	const unsigned char	*s;
	char			 g[GOT_BUF];
	uint64_t		 v = 0;
	size_t			 i, len;
	unsigned int		 d;

	if (k->size != sizeof(v))
		fatalx("config: %s: u64 field of size %zu", path, k->size);
	if (n->type != YAML_SCALAR_NODE)
		goto bad;
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		d = s[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	memcpy((char *)base + k->off, &v, sizeof(v));
	return;
 bad:
	err_node(ctx, n, path, "expected an integer from 0 to %" PRIu64
	    ", got %s", UINT64_MAX, got(n, g, sizeof(g)));
}

/* ISO 4217 style: three capitals. */
static void
set_currency(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	char	g[GOT_BUF];

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length != 3 ||
	    strspn((const char *)n->data.scalar.value, UPPER) != 3) {
		err_node(ctx, n, path, "expected a currency code of three "
		    "capital letters, such as USD, got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, (const char *)n->data.scalar.value,
	    k->size);
}

/* [A-Z0-9._]{1,31}: safe to log, to put in SQL and in a wire message. */
static int
symbol_node_ok(const yaml_node_t *n)
{
	size_t	len;

	if (n->type != YAML_SCALAR_NODE)
		return 0;
	len = n->data.scalar.length;
	return len > 0 && len < CONF_SYMBOL_MAX &&
	    strspn((const char *)n->data.scalar.value, SYMBOL_CHARS) == len;
}

static void
set_symbol_name(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	char	g[GOT_BUF];

	if (!symbol_node_ok(n)) {
		err_node(ctx, n, path, SYMBOL_WANT ", got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	strlcpy((char *)base + k->off, (const char *)n->data.scalar.value,
	    k->size);
}

/* A symbol's filling modes: a list of fok, ioc and return, as bits. */
static void
set_filling(struct parse_ctx *ctx, const struct conf_key *k,
    yaml_node_t *n, const char *path, void *base)
{
	const struct conf_enum	*f;
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF], want[64];
	unsigned int		 bits = 0;
	size_t			 i, before = ctx->nerr;

	enum_names(fillings, "and", want, sizeof(want));
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of %s, got %s", want,
		    got(n, g, sizeof(g)));
		return;
	}
	if (n->data.sequence.items.top == n->data.sequence.items.start) {
		err_node(ctx, n, path, "must list at least one of %s", want);
		return;
	}
	enum_names(fillings, "or", want, sizeof(want));
	for (item = n->data.sequence.items.start, i = 0;
	    item < n->data.sequence.items.top; item++, i++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if ((f = find_enum(fillings, e)) == NULL)
			err_node(ctx, e, ipath, "expected %s, got %s", want,
			    got(e, g, sizeof(g)));
		else if (bits & f->value)
			err_node(ctx, e, ipath, "%s is listed twice", f->name);
		else
			bits |= f->value;
	}
	if (ctx->nerr == before)
		memcpy((char *)base + k->off, &bits, sizeof(bits));
}

/*
 * Remember where a key of interest to the checks between keys was given,
 * and whether its value was refused (its default then stands in, and a
 * check on it would only add noise).
 */
static void
note_line(struct parse_ctx *ctx, const char *path, size_t line, int refused)
{
	int	i;

	for (i = 0; i < W_COUNT; i++) {
		if (strcmp(watched[i], path) != 0)
			continue;
		if (refused)
			ctx->bad[i] = 1;
		if (line != 0)
			ctx->line[i] = line;
	}
}

/*
 * Walk a mapping against a table.  Each key must be known and given
 * once; required rows must be present.
 */
static void
walk_mapping(struct parse_ctx *ctx, yaml_node_t *map,
    const struct conf_key *tab, const char *path, void *base)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k, *v;
	size_t			 first[KEYS_MAX], before;
	char			 child[KEYPATH_MAX], name[ESC_BUF];
	char			 g[GOT_BUF];
	int			 i, nrows;

	for (nrows = 0; tab[nrows].name != NULL; nrows++)
		;
	if (nrows > KEYS_MAX)
		fatalx("config: %s: schema table too long", path);
	memset(first, 0, sizeof(first));

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(ctx->doc, pair->key);
		v = yaml_document_get_node(ctx->doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			err_node(ctx, k, path, "expected a key name, got %s",
			    got(k, g, sizeof(g)));
			continue;
		}
		for (i = 0; i < nrows; i++)
			if (strlen(tab[i].name) == k->data.scalar.length &&
			    strcmp(tab[i].name,
			    (const char *)k->data.scalar.value) == 0)
				break;
		escape(name, sizeof(name), k->data.scalar.value,
		    k->data.scalar.length);
		if (name[0] == '\0')	/* an empty key still needs a name */
			strlcpy(name, "\"\"", sizeof(name));
		if (*path != '\0')
			snprintf(child, sizeof(child), "%s.%s", path, name);
		else
			strlcpy(child, name, sizeof(child));
		if (i == nrows) {
			err_node(ctx, k, child, "unknown key");
			continue;
		}
		if (first[i] != 0) {
			err_node(ctx, k, child, "duplicate key (first given "
			    "at line %zu)", first[i]);
			continue;
		}
		first[i] = node_line(k);
		before = ctx->nerr;
		tab[i].set(ctx, &tab[i], v, child, base);
		/* A refused value left the default: do not point at it. */
		note_line(ctx, child, ctx->nerr == before ||
		    v->type != YAML_SCALAR_NODE ? first[i] : 0,
		    ctx->nerr != before);
	}
	for (i = 0; i < nrows; i++)
		if ((tab[i].flags & KF_REQUIRED) && first[i] == 0)
			err_node(ctx, map, path, "missing key \"%s\"",
			    tab[i].name);
}

static void
set_section(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	char	g[GOT_BUF];

	if (is_null(n))		/* "tls:" with nothing under it */
		return;
	if (n->type != YAML_MAPPING_NODE) {
		err_node(ctx, n, path, "expected a mapping, got %s",
		    got(n, g, sizeof(g)));
		return;
	}
	walk_mapping(ctx, n, k->sub, path, base);
}

/* Binary form of a listen address, for spotting duplicates. */
static void
addr_key(const char *s, unsigned char out[17])
{
	if (inet_pton(AF_INET, s, out + 1) == 1)
		out[0] = 4;
	else if (inet_pton(AF_INET6, s, out + 1) == 1)
		out[0] = 6;
}

/*
 * listen: a list of {address, port}.  Given, it replaces the default
 * entirely; it is only installed if every entry is good.
 */
static void
set_listen(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct conf_listen	 tmp[CONF_MAX_LISTEN];
	unsigned char		 key[CONF_MAX_LISTEN][17];
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF];
	size_t			 before = ctx->nerr, i, j, count;

	if (is_null(n) || (n->type == YAML_SEQUENCE_NODE &&
	    n->data.sequence.items.top == n->data.sequence.items.start)) {
		err_node(ctx, n, path, "must list at least one address "
		    "(leave the key out for the default, 127.0.0.1 port 8181)");
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of {address, port} "
		    "mappings, got %s", got(n, g, sizeof(g)));
		return;
	}

	count = 0;
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= CONF_MAX_LISTEN) {
			err_node(ctx, e, ipath, "too many entries (at most %d)",
			    CONF_MAX_LISTEN);
			break;
		}
		memset(&tmp[count], 0, sizeof(tmp[count]));
		memset(key[count], 0, sizeof(key[count]));
		tmp[count].port = DEFAULT_PORT;
		if (e->type != YAML_MAPPING_NODE) {
			err_node(ctx, e, ipath, "expected a mapping with "
			    "address and port, got %s", got(e, g, sizeof(g)));
			continue;
		}
		walk_mapping(ctx, e, listen_keys, ipath, &tmp[count]);
		addr_key(tmp[count].address, key[count]);
		for (j = 0; key[count][0] != 0 && j < count; j++) {
			if (tmp[j].port == tmp[count].port &&
			    memcmp(key[j], key[count], 17) == 0) {
				err_node(ctx, e, ipath, "same address and port "
				    "as %s[%zu]", path, j);
				break;
			}
		}
	}
	if (ctx->nerr != before)
		return;
	for (i = 0; i < count; i++)
		ctx->conf->listen[i] = tmp[i];
	ctx->conf->nlisten = count;
}

/* The key node named key in a mapping, or NULL. */
static yaml_node_t *
find_key(struct parse_ctx *ctx, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(ctx->doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == strlen(key) &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return k;
	}
	return NULL;
}

/*
 * An error about a key of the symbol entry map: at the key's line if it
 * was given, else at alt's, else at the entry's.
 */
static void __attribute__((format(printf, 6, 7)))
err_symbol(struct parse_ctx *ctx, yaml_node_t *map, const char *path,
    const char *key, const char *alt, const char *fmt, ...)
{
	yaml_node_t	*k;
	char		 kpath[KEYPATH_MAX + 16], msg[400];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((k = find_key(ctx, map, key)) == NULL && alt != NULL &&
	    (k = find_key(ctx, map, alt)) != NULL)
		key = alt;
	if (k == NULL) {
		err_node(ctx, map, path, "%s", msg);
		return;
	}
	snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
	err_node(ctx, k, kpath, "%s", msg);
}

/* Is v a whole number of steps?  The engine's test, without libm. */
static int
on_step(double v, double step)
{
	double	n = v / step;

	return fabs(n - (double)(long long)(n + 0.5)) < 1e-6;
}

/*
 * Checks within one symbol entry whose keys were all good: what the
 * engine would refuse at start, said here with the line.
 */
static void
check_symbol(struct parse_ctx *ctx, yaml_node_t *map, const char *path,
    struct conf_symbol *s)
{
	double	point = 1;
	int	i;

	if ((s->currency_base[0] == '\0' || s->currency_profit[0] == '\0') &&
	    !currencies_from_name(s))
		err_node(ctx, map, path, "missing key \"%s\": the name %s "
		    "does not start with two currency codes to take it from",
		    s->currency_base[0] == '\0' ? "currency_base" :
		    "currency_profit", s->name);
	if (s->volume_min > s->volume_max)
		err_symbol(ctx, map, path, "volume_min", "volume_max",
		    "volume_min (%g) must not exceed volume_max (%g)",
		    s->volume_min, s->volume_max);
	if (s->volume_min < s->volume_step)
		err_symbol(ctx, map, path, "volume_min", "volume_step",
		    "volume_min (%g) must be at least volume_step (%g)",
		    s->volume_min, s->volume_step);
	else if (!on_step(s->volume_min, s->volume_step))
		err_symbol(ctx, map, path, "volume_min", "volume_step",
		    "volume_min (%g) must be a whole number of volume_step "
		    "(%g)", s->volume_min, s->volume_step);
	if (s->volume_max >= s->volume_min &&
	    !on_step(s->volume_max, s->volume_step))
		err_symbol(ctx, map, path, "volume_max", "volume_step",
		    "volume_max (%g) must be a whole number of volume_step "
		    "(%g)", s->volume_max, s->volume_step);
	for (i = 0; i < s->digits; i++)
		point /= 10;
	if (s->start_bid < point)
		err_symbol(ctx, map, path, "start_bid", NULL, "start_bid (%g) "
		    "is less than one point (%g) at %d digits", s->start_bid,
		    point, s->digits);
}

/*
 * mt5.paper.symbols: a list of symbol mappings.  Given, it replaces the
 * default symbols entirely; it is only installed if every entry is good.
 */
static void
set_symbols(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	struct conf_symbol	 tmp[CONF_MAX_SYMBOLS];
	size_t			 line[CONF_MAX_SYMBOLS];
	yaml_node_item_t	*item;
	yaml_node_t		*e, *kn;
	char			 ipath[KEYPATH_MAX], kpath[KEYPATH_MAX + 8];
	char			 g[GOT_BUF];
	size_t			 before = ctx->nerr, entry, j, count;

	if (is_null(n) || (n->type == YAML_SEQUENCE_NODE &&
	    n->data.sequence.items.top == n->data.sequence.items.start)) {
		err_node(ctx, n, path, "must list at least one symbol (leave "
		    "the key out for the defaults, EURUSD, GBPUSD, USDJPY and "
		    "XAUUSD)");
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of symbol mappings, "
		    "got %s", got(n, g, sizeof(g)));
		return;
	}
	memset(tmp, 0, sizeof(tmp));
	memset(line, 0, sizeof(line));
	count = 0;
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= CONF_MAX_SYMBOLS) {
			err_node(ctx, e, ipath, "too many symbols (at most "
			    "%d)", CONF_MAX_SYMBOLS);
			break;
		}
		symbol_init(&tmp[count]);
		line[count] = node_line(e);
		if (e->type != YAML_MAPPING_NODE) {
			err_node(ctx, e, ipath, "expected a mapping with at "
			    "least name and start_bid, got %s",
			    got(e, g, sizeof(g)));
			continue;
		}
		entry = ctx->nerr;
		walk_mapping(ctx, e, symbol_keys, ipath, &tmp[count]);
		if (ctx->nerr == entry)
			check_symbol(ctx, e, ipath, &tmp[count]);
		for (j = 0; tmp[count].name[0] != '\0' && j < count; j++) {
			if (strcmp(tmp[j].name, tmp[count].name) != 0)
				continue;
			kn = find_key(ctx, e, "name");
			snprintf(kpath, sizeof(kpath), "%s.name", ipath);
			err_node(ctx, kn != NULL ? kn : e, kpath, "%s is given "
			    "twice (first in %s[%zu] at line %zu)",
			    tmp[count].name, path, j, line[j]);
			break;
		}
	}
	if (ctx->nerr != before)
		return;
	memset(conf->mt5.paper.symbols, 0, sizeof(conf->mt5.paper.symbols));
	memcpy(conf->mt5.paper.symbols, tmp, count * sizeof(tmp[0]));
	conf->mt5.paper.nsymbols = count;
	memcpy(ctx->symbol_line, line, count * sizeof(line[0]));
}

/*
 * trading.allowed_symbols: the only symbols an order may name.  [] allows
 * none.  A key with no value at all is refused rather than read as [],
 * since it looks like a list someone forgot to write.
 */
static void
set_allowed(struct parse_ctx *ctx, const struct conf_key *k, yaml_node_t *n,
    const char *path, void *base)
{
	struct herald_conf	*conf = ctx->conf;
	char			 tmp[CONF_MAX_SYMBOLS][CONF_SYMBOL_MAX];
	size_t			 line[CONF_MAX_SYMBOLS];
	yaml_node_item_t	*item;
	yaml_node_t		*e;
	char			 ipath[KEYPATH_MAX], g[GOT_BUF];
	size_t			 before = ctx->nerr, j, count;

	if (n->type != YAML_SEQUENCE_NODE) {
		err_node(ctx, n, path, "expected a list of symbol names "
		    "([] allows none), got %s", got(n, g, sizeof(g)));
		return;
	}
	memset(tmp, 0, sizeof(tmp));
	memset(line, 0, sizeof(line));
	count = 0;
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++, count++) {
		if ((e = yaml_document_get_node(ctx->doc, *item)) == NULL)
			continue;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, count);
		if (count >= CONF_MAX_SYMBOLS) {
			err_node(ctx, e, ipath, "too many symbols (at most "
			    "%d)", CONF_MAX_SYMBOLS);
			break;
		}
		line[count] = node_line(e);
		if (!symbol_node_ok(e)) {
			err_node(ctx, e, ipath, SYMBOL_WANT ", got %s",
			    got(e, g, sizeof(g)));
			continue;
		}
		strlcpy(tmp[count], (const char *)e->data.scalar.value,
		    sizeof(tmp[count]));
		for (j = 0; j < count; j++) {
			if (strcmp(tmp[j], tmp[count]) != 0)
				continue;
			err_node(ctx, e, ipath, "%s is listed twice (first "
			    "at line %zu)", tmp[count], line[j]);
			break;
		}
	}
	if (ctx->nerr != before)
		return;
	memset(conf->trading.allowed_symbols, 0,
	    sizeof(conf->trading.allowed_symbols));
	memcpy(conf->trading.allowed_symbols, tmp, count * sizeof(tmp[0]));
	conf->trading.nallowed = count;
	memcpy(ctx->allowed_line, line, count * sizeof(line[0]));
}

/*
 * Where a check between two keys points: the first key if it was given,
 * else the second, else their section (a line of 0 when none was: the
 * defaults themselves never conflict).
 */
static enum watch
pick_line(const struct parse_ctx *ctx, enum watch a, enum watch b,
    enum watch section)
{
	if (ctx->line[a] != 0)
		return a;
	if (ctx->line[b] != 0)
		return b;
	return section;
}

static int
paper_has(const struct herald_conf *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->mt5.paper.nsymbols; i++)
		if (strcmp(conf->mt5.paper.symbols[i].name, name) == 0)
			return 1;
	return 0;
}

/* A CFD's profit is in its profit currency, and never converted. */
static void
cfd_currency(struct parse_ctx *ctx, size_t i, const struct conf_symbol *s,
    const char *cur)
{
	char	path[KEYPATH_MAX];

	if (ctx->line[W_SYMBOLS] == 0) {
		err_at(ctx, ctx->line[W_CURRENCY], watched[W_CURRENCY],
		    "the default symbol %s is a CFD priced in %s, not in %s; "
		    "list mt5.paper.symbols that fit", s->name,
		    s->currency_profit, cur);
		return;
	}
	snprintf(path, sizeof(path), "mt5.paper.symbols[%zu]", i);
	err_at(ctx, ctx->symbol_line[i], path, "%s: calc_mode cfd needs the "
	    "account currency, mt5.paper.currency (%s), as the profit "
	    "currency, not %s", s->name, cur, s->currency_profit);
}

/*
 * The paper engine keeps the account in one currency and converts a
 * profit or a margin only at the symbol's own rate, so each symbol must
 * have the account currency on one side; and an allowed symbol must
 * exist.  Skipped for the bridge, whose symbols are the terminal's, and
 * when a key involved was refused: its default would only add noise.
 */
static void
paper_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;
	const struct conf_symbol *s;
	const char		*cur = conf->mt5.paper.currency;
	const char		*a;
	char			 path[KEYPATH_MAX];
	size_t			 i;

	if (conf->mt5.backend != BACKEND_PAPER || ctx->bad[W_BACKEND] ||
	    ctx->bad[W_SYMBOLS])
		return;
	for (i = 0; !ctx->bad[W_CURRENCY] && i < conf->mt5.paper.nsymbols;
	    i++) {
		s = &conf->mt5.paper.symbols[i];
		if (s->calc_mode == PAPER_CALC_CFD &&
		    strcmp(s->currency_profit, cur) != 0) {
			cfd_currency(ctx, i, s, cur);
			continue;
		}
		if (strcmp(s->currency_base, cur) == 0 ||
		    strcmp(s->currency_profit, cur) == 0)
			continue;
		if (ctx->line[W_SYMBOLS] != 0) {
			snprintf(path, sizeof(path), "mt5.paper.symbols[%zu]",
			    i);
			err_at(ctx, ctx->symbol_line[i], path, "%s: neither "
			    "its base currency (%s) nor its profit currency "
			    "(%s) is the account currency, mt5.paper.currency "
			    "(%s); the paper engine cannot convert between "
			    "other currencies", s->name, s->currency_base,
			    s->currency_profit, cur);
		} else
			err_at(ctx, ctx->line[W_CURRENCY], watched[W_CURRENCY],
			    "the default symbol %s has neither %s as its base "
			    "currency (%s) nor as its profit currency (%s); "
			    "list mt5.paper.symbols that do", s->name, cur,
			    s->currency_base, s->currency_profit);
	}
	if (ctx->bad[W_ALLOWED])
		return;
	for (i = 0; i < conf->trading.nallowed; i++) {
		a = conf->trading.allowed_symbols[i];
		if (paper_has(conf, a))
			continue;
		if (ctx->line[W_ALLOWED] != 0)
			err_at(ctx, ctx->allowed_line[i], watched[W_ALLOWED],
			    "%s is not a symbol of mt5.paper.symbols", a);
		else
			err_at(ctx, ctx->line[W_SYMBOLS], watched[W_SYMBOLS],
			    "%s, allowed by the default "
			    "trading.allowed_symbols, is not one of these "
			    "symbols; set trading.allowed_symbols", a);
	}
}

/* 127.0.0.0/8 or ::1: the EA runs on this host. */
static int
is_loopback(const char *a)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (inet_pton(AF_INET, a, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, a, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * The bridge's frames are MACed, not encrypted: off this host they need
 * TLS, which this heraldd does not have yet for the bridge.
 */
static void
bridge_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;

	if (conf->mt5.bridge.tls)
		err_at(ctx, ctx->line[W_BRIDGE_TLS], watched[W_BRIDGE_TLS],
		    "TLS for the bridge is not built into this heraldd yet; "
		    "run the EA on this host with mt5.bridge.address on "
		    "loopback (127.0.0.1 or ::1) and mt5.bridge.tls off");
	else if (!is_loopback(conf->mt5.bridge.address))
		err_at(ctx, ctx->line[W_BRIDGE_ADDRESS],
		    watched[W_BRIDGE_ADDRESS], "%s is not a loopback address, "
		    "and mt5.bridge.tls is off: the bridge carries orders and "
		    "account data, so a listener off this host needs TLS "
		    "(not built into this heraldd yet); use 127.0.0.1 or ::1",
		    conf->mt5.bridge.address);
}

/* Checks between keys, once the walk is done. */
static void
cross_checks(struct parse_ctx *ctx)
{
	struct herald_conf	*conf = ctx->conf;
	enum watch		 w;

	if (conf->mt5.password_in_file && conf->mt5.password_file[0] != '\0')
		err_at(ctx, ctx->password_file_line, "mt5.password_file",
		    "mt5.password and mt5.password_file are both set; "
		    "use one of them");

	/*
	 * net holds one descriptor per connection, plus its listeners, its
	 * channels and whatever OpenSSL and libevent open: the connection
	 * limit must leave room under RLIMIT_NOFILE.
	 */
	if (conf->limits.connections >= conf->limits.open_files) {
		w = pick_line(ctx, W_CONNECTIONS, W_OPEN_FILES, W_LIMITS);
		err_at(ctx, ctx->line[w], watched[w], "limits.connections "
		    "(%d) must be less than limits.open_files (%d): net "
		    "also needs descriptors for its listeners and channels",
		    conf->limits.connections, conf->limits.open_files);
	}
	if (conf->rate_limit.ban_time > conf->rate_limit.ban_max) {
		w = pick_line(ctx, W_BAN_TIME, W_BAN_MAX, W_RATE_LIMIT);
		err_at(ctx, ctx->line[w], watched[w], "rate_limit.ban_time "
		    "(%d) must not exceed rate_limit.ban_max (%d): bans "
		    "double from ban_time up to ban_max",
		    conf->rate_limit.ban_time, conf->rate_limit.ban_max);
	}
	paper_checks(ctx);
	bridge_checks(ctx);
}

static void
yaml_problem(struct parse_ctx *ctx, const yaml_parser_t *p,
    const unsigned char *buf, size_t len)
{
	const char	*problem = p->problem ? p->problem : "unknown error";
	size_t		 i, line, end;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		err_at(ctx, 0, NULL, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		/* The reader knows a byte offset, not a mark. */
		end = p->problem_offset < len ? p->problem_offset : len;
		for (i = 0, line = 1; i < end; i++)
			if (buf[i] == '\n')
				line++;
		if (p->problem_value != -1)
			err_at(ctx, line, NULL, "invalid input: %s (0x%x)",
			    problem, (unsigned int)p->problem_value);
		else
			err_at(ctx, line, NULL, "invalid input: %s", problem);
		break;
	default:
		if (p->context != NULL)
			err_at(ctx, p->problem_mark.line + 1, NULL,
			    "syntax error: %s (%s at line %zu)", problem,
			    p->context, p->context_mark.line + 1);
		else
			err_at(ctx, p->problem_mark.line + 1, NULL,
			    "syntax error: %s", problem);
		break;
	}
}

/* libyaml keeps copies of the input in its buffers; wipe them. */
static void
wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start != NULL)
		explicit_bzero(p->raw_buffer.start,
		    p->raw_buffer.end - p->raw_buffer.start);
	if (p->buffer.start != NULL)
		explicit_bzero(p->buffer.start,
		    p->buffer.end - p->buffer.start);
}

static void
wipe_document(yaml_document_t *doc)
{
	yaml_node_t	*n;

	for (n = doc->nodes.start; n != NULL && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value,
			    n->data.scalar.length);
}

static int
parser_open(struct parse_ctx *ctx, yaml_parser_t *p,
    const unsigned char *buf, size_t len)
{
	if (!yaml_parser_initialize(p)) {
		err_at(ctx, 0, NULL, "out of memory while parsing");
		return 0;
	}
	yaml_parser_set_input_string(p, buf, len);
	yaml_parser_set_encoding(p, YAML_UTF8_ENCODING);
	return 1;
}

static void
no_anchor_or_tag(struct parse_ctx *ctx, const yaml_event_t *ev,
    const yaml_char_t *anchor, const yaml_char_t *tag)
{
	char	show[ESC_BUF];

	if (anchor != NULL) {
		escape(show, sizeof(show), anchor,
		    strlen((const char *)anchor));
		err_at(ctx, ev->start_mark.line + 1, NULL, "anchor \"&%s\": "
		    "anchors and aliases are not allowed", show);
	}
	if (tag != NULL) {
		escape(show, sizeof(show), tag, strlen((const char *)tag));
		err_at(ctx, ev->start_mark.line + 1, NULL, "tag \"%s\": "
		    "tags are not allowed", show);
	}
}

/*
 * First pass, events only.  Refusing aliases here also means the walk
 * never meets a node twice, so its cost is bounded by the input.
 */
static int
prescan(struct parse_ctx *ctx, const unsigned char *buf, size_t len)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	size_t		 before = ctx->nerr;
	char		 show[ESC_BUF];
	int		 docs = 0, done = 0;

	if (!parser_open(ctx, &p, buf, len))
		return 0;
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_problem(ctx, &p, buf, len);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err_at(ctx, ev.start_mark.line + 1, NULL,
				    "multiple documents are not allowed; "
				    "the first ends before this line");
				done = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			escape(show, sizeof(show), ev.data.alias.anchor,
			    strlen((const char *)ev.data.alias.anchor));
			err_at(ctx, ev.start_mark.line + 1, NULL,
			    "alias \"*%s\": aliases are not allowed", show);
			break;
		case YAML_SCALAR_EVENT:
			no_anchor_or_tag(ctx, &ev, ev.data.scalar.anchor,
			    ev.data.scalar.tag);
			explicit_bzero(ev.data.scalar.value,
			    ev.data.scalar.length);
			break;
		case YAML_SEQUENCE_START_EVENT:
			no_anchor_or_tag(ctx, &ev,
			    ev.data.sequence_start.anchor,
			    ev.data.sequence_start.tag);
			break;
		case YAML_MAPPING_START_EVENT:
			no_anchor_or_tag(ctx, &ev, ev.data.mapping_start.anchor,
			    ev.data.mapping_start.tag);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	wipe_parser(&p);
	yaml_parser_delete(&p);
	return ctx->nerr == before;
}

/* Both passes; appends to errs and returns how many errors it found. */
static int
parse_buffer(struct herald_conf *conf, const char *name, const char *buf,
    size_t len, struct conf_errors *errs)
{
	struct parse_ctx	 ctx;
	yaml_parser_t		 p;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	const unsigned char	*ubuf = (const unsigned char *)buf;
	char			 g[GOT_BUF];

	memset(&ctx, 0, sizeof(ctx));
	ctx.name = name;
	ctx.conf = conf;
	ctx.errs = errs;
	ctx.doc = &doc;

	if (len > CONF_MAX_FILE) {
		err_at(&ctx, 0, NULL, "too large (%zu bytes, at most %d)",
		    len, CONF_MAX_FILE);
		return 1;
	}
	if (!prescan(&ctx, ubuf, len) || !parser_open(&ctx, &p, ubuf, len))
		goto out;
	if (!yaml_parser_load(&p, &doc)) {
		yaml_problem(&ctx, &p, ubuf, len);
		wipe_parser(&p);
		yaml_parser_delete(&p);
		goto out;
	}
	/* No document at all, or "---" alone: every key at its default. */
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			err_node(&ctx, root, NULL, "expected a mapping of "
			    "sections at the top level, got %s",
			    got(root, g, sizeof(g)));
		else
			walk_mapping(&ctx, root, top_keys, "", conf);
	}
	cross_checks(&ctx);
	wipe_document(&doc);
	yaml_document_delete(&doc);
	wipe_parser(&p);
	yaml_parser_delete(&p);
 out:
	return ctx.nerr > INT_MAX ? INT_MAX : (int)ctx.nerr;
}

int
config_parse(struct herald_conf *conf, const char *name, const char *buf,
    size_t len, struct conf_errors *errs)
{
	errs->n = 0;
	strlcpy(conf->path, name, sizeof(conf->path));
	return parse_buffer(conf, name, buf, len, errs);
}

int
config_check_mode(const char *path, uid_t uid, mode_t mode,
    const char *secret, struct conf_errors *errs)
{
	int	n = 0;

	if (uid != 0 || (mode & (S_IWGRP | S_IWOTH)) != 0) {
		config_error(errs, "%s: bad ownership or modes: owner uid %lu, "
		    "mode %04o; must be owned by root and not writable by "
		    "group or others", path, (unsigned long)uid,
		    (unsigned int)(mode & 07777));
		n++;
	}
	if (secret != NULL && (mode & (S_IRGRP | S_IROTH)) != 0) {
		config_error(errs, "%s: mode %04o lets group or others read a "
		    "file that holds a secret (%s); it must be owned by root "
		    "with mode 0600 or stricter", path,
		    (unsigned int)(mode & 07777), secret);
		n++;
	}
	return n;
}

/*
 * Open a file we are about to trust: no symbolic link as the last
 * component, a regular file (checked on the fd, not the path, so it
 * cannot be swapped in between), at most max bytes.  O_NONBLOCK only so
 * that a FIFO put in its place cannot hang start-up before fstat.
 */
static int
open_checked(const char *path, off_t max, struct stat *st,
    struct conf_errors *errs)
{
	int	fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			config_error(errs, "%s: %s (symbolic links are not "
			    "followed)", path, strerror(errno));
		else
			config_error(errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1) {
		config_error(errs, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		config_error(errs, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st->st_size > max) {
		config_error(errs, "%s: too large (%lld bytes, at most %lld)",
		    path, (long long)st->st_size, (long long)max);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read the whole file into buf (bufsz > the size fstat gave).  Reading
 * more than that means the file changed under us: refuse.
 */
static int
read_all(int fd, const char *path, char *buf, size_t bufsz, size_t *len,
    struct conf_errors *errs)
{
	ssize_t	r;

	*len = 0;
	for (;;) {
		r = read(fd, buf + *len, bufsz - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			config_error(errs, "%s: read: %s", path,
			    strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		*len += r;
		if (*len == bufsz) {
			config_error(errs, "%s: changed while being read",
			    path);
			return -1;
		}
	}
}

static int
load_password_file(struct herald_conf *conf, struct conf_errors *errs)
{
	const char	*path = conf->mt5.password_file;
	char		 buf[CONF_SECRET_MAX + 1];
	struct stat	 st;
	size_t		 len, i;
	int		 fd, n, rv = -1;

	if ((fd = open_checked(path, CONF_SECRET_MAX, &st, errs)) == -1)
		return 1;
	/* Judge the modes before the secret is ever read. */
	if ((n = config_check_mode(path, st.st_uid, st.st_mode,
	    "mt5.password_file", errs)) != 0) {
		close(fd);
		return n;
	}
	if (read_all(fd, path, buf, sizeof(buf), &len, errs) == -1)
		goto out;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		config_error(errs, "%s: empty; it must hold the MT5 password",
		    path);
		goto out;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			config_error(errs, "%s: contains a NUL or control "
			    "character (at byte %zu); only one trailing "
			    "newline is allowed", path, i + 1);
			goto out;
		}
	}
	secret_free(conf->mt5.password);
	conf->mt5.password = secret_new(buf, len);
	rv = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rv == 0 ? 0 : 1;
}

int
config_load(struct herald_conf *conf, const char *path,
    struct conf_errors *errs)
{
	struct stat	 st;
	char		*buf;
	size_t		 len, bufsz;
	int		 fd, nerr;

	errs->n = 0;
	strlcpy(conf->path, path, sizeof(conf->path));

	if ((fd = open_checked(path, CONF_MAX_FILE, &st, errs)) == -1)
		return 1;
	bufsz = (size_t)st.st_size + 1;
	if ((buf = malloc(bufsz)) == NULL) {
		config_error(errs, "%s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	if (read_all(fd, path, buf, bufsz, &len, errs) == -1) {
		explicit_bzero(buf, bufsz);
		free(buf);
		close(fd);
		return 1;
	}
	close(fd);

	nerr = parse_buffer(conf, path, buf, len, errs);
	explicit_bzero(buf, bufsz);
	free(buf);

	nerr += config_check_mode(path, st.st_uid, st.st_mode,
	    conf->mt5.password_in_file ? "mt5.password" : NULL, errs);

	/* With both keys set the error above says so; read neither. */
	if (conf->mt5.password_file[0] != '\0' && conf->mt5.password == NULL)
		nerr += load_password_file(conf, errs);
	return nerr;
}
