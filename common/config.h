/*
 * herald.yaml, parsed with libyaml into a typed configuration.
 *
 * Only the monitor reads the file.  Unknown keys, wrong types and bad
 * values are errors of the form "file:line: key: message", collected so
 * that heraldd -n can print all of them.  Secret values (mt5.password, or
 * the contents of mt5.password_file) are held in secmem and never in the
 * plain struct.
 */
#ifndef HERALD_CONFIG_H
#define HERALD_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "secmem.h"
#include "srcaddr.h"

#define CONF_MAX_LISTEN		16
#define CONF_MAX_ERRORS		32
#define CONF_MAX_FILE		(1024 * 1024)	/* refuse larger files */
#define CONF_NAME_MAX		64		/* user, group names */
#define CONF_SECRET_MAX		4096		/* mt5.password(_file) */
#define CONF_MAX_SYMBOLS	64		/* mt5.paper.symbols, allowed */
#define CONF_SYMBOL_MAX		32		/* name, including the NUL */
#define CONF_TICKS_MAX		(16 * 1024 * 1024) /* replay file bytes */

enum conf_backend {
	BACKEND_PAPER = 0,
	BACKEND_BRIDGE
};

struct conf_listen {
	char		address[64];	/* numeric IPv4 or IPv6 */
	uint16_t	port;
};

/* One symbol of the paper backend (mt5.paper.symbols). */
struct conf_symbol {
	char	name[CONF_SYMBOL_MAX];	/* [A-Z0-9._]{1,31}, required */
	char	currency_base[8];	/* default: first 3 of name */
	char	currency_profit[8];	/* default: next 3 of name */
	int	digits;			/* 0..8, default 5 */
	double	contract_size;		/* default 100000 */
	double	volume_min;		/* default 0.01 */
	double	volume_max;		/* default 100 */
	double	volume_step;		/* default 0.01 */
	int	stops_level;		/* points, default 0 */
	unsigned int filling;		/* PAPER_FILL_* bits from a list of
					   fok, ioc, return; default fok|ioc */
	int	trade_mode;		/* enum paper_trade_mode: disabled,
					   longonly, shortonly, closeonly,
					   full (default) */
	int	exec_mode;		/* enum paper_exec_mode: instant,
					   market (default) */
	int	calc_mode;		/* enum paper_calc_mode: forex
					   (default), forex_no_leverage,
					   cfd, cfd_leverage, cfd_index,
					   futures */
	double	liquidity;		/* lots per fill, default 0: none */
	double	margin_rate;		/* default 1 (cfd: required) */
	double	margin_initial;		/* futures: a lot's, default 0 */
	double	margin_hedged;		/* default contract_size (futures:
					   margin_initial) */
	double	tick_size;		/* default the point */
	double	tick_value;		/* default tick_size * contract */
	double	start_bid;		/* required: the walk's first bid */
	int	spread;			/* points, default 10 */
	int	max_step;		/* points per tick, default 5 */
	int	session_open;		/* bool, default 1 */
	unsigned int expiration;	/* PAPER_EXPIRATION_* bits from a list
					   of gtc, day, specified,
					   specified_day; default all */
	int	session_end;		/* seconds after 00:00 UTC the trading
					   day ends, 0..86400, default 86400
					   (24:00) */
};

/* trading.positions_scope */
#define CONF_SCOPE_KEY	0	/* a trader key acts on its own orders' */
#define CONF_SCOPE_ALL	1	/* on everything */

struct herald_conf {
	char		path[PATH_MAX];		/* the file this came from */

	struct conf_listen listen[CONF_MAX_LISTEN];
	size_t		nlisten;		/* default: 127.0.0.1:8181 */

	struct {
		char	certificate[PATH_MAX];	/* default /etc/herald/server.crt */
		char	key[PATH_MAX];		/* default /etc/herald/server.key */
		char	client_ca[PATH_MAX];	/* default "" (no mTLS) */
		int	expiry_warning_days;	/* warn this close to the
						   certificate's end, default 30,
						   1..365 */
	} tls;

	struct {
		char	socket[PATH_MAX];	/* default /run/heraldd.sock */
		char	group[CONF_NAME_MAX];	/* default herald-admin */
		int	max_clients;		/* default 8, 1..1024 */
		int	timeout;		/* seconds, default 10, 1..3600 */
		int	key_expiry_days;	/* default 90, 1..3650 */
	} control;

	struct {
		char	user[CONF_NAME_MAX];	/* default _herald */
		char	chroot[PATH_MAX];	/* default /var/empty/heraldd */
		int	seccomp_debug;		/* bool, default 0 */
	} privsep;

	char		database[PATH_MAX];	/* default /var/lib/herald/herald.db */
	int		database_busy_timeout;	/* ms a write waits for a lock */
	char		pid_file[PATH_MAX];	/* default /run/heraldd.pid */

	struct {
		enum conf_backend backend;	/* default paper */
		char	login[32];		/* digits only, default "" */
		char	server[128];		/* default "" */
		char	password_file[PATH_MAX];/* default "" */
		struct secret *password;	/* NULL when none */
		int	password_in_file;	/* config file itself holds one */
		int	request_timeout;	/* seconds a broker answer may
						   take, default 10, 1..300 */
		int	start_timeout;		/* seconds for the backend to
						   come up, default 30, 1..600 */
		int	record_group_max;	/* records in one group of state
						   changes, default 65536,
						   16..1000000 */
		int	record_group_bytes;	/* their bytes, default
						   16777216, 65536..1073741824 */
		struct {
			char	currency[8];	/* default USD */
			double	balance;	/* default 10000, > 0 */
			int	leverage;	/* default 100, 1..1000 */
			int	margin_mode;	/* PAPER_HEDGING (default,
						   "hedging") or PAPER_NETTING */
			uint64_t seed;		/* random walk, default 1 */
			int	tick_interval;	/* ms, default 250, 10..60000 */
			char	ticks_file[PATH_MAX]; /* replay CSV, "" none */
			struct conf_symbol symbols[CONF_MAX_SYMBOLS];
			size_t	nsymbols;	/* default: EURUSD, GBPUSD,
						   USDJPY, XAUUSD */
		} paper;
		struct {
			char	address[64];	/* listener, default 127.0.0.1 */
			int	port;		/* default 5555 */
			char	key_file[PATH_MAX]; /* K, default
						   /etc/herald/bridge.key */
			int	tls;		/* bool, default 0; required
						   off loopback */
			/* The bridge listener's TLS pair (mt5.bridge.tls). */
			char	tls_certificate[PATH_MAX]; /* default
				   /etc/herald/bridge-tls.crt */
			char	tls_key[PATH_MAX]; /* default
				   /etc/herald/bridge-tls.key */
		} bridge;
	} mt5;

	/* The monitor's pre-trade risk rules (refusals are 403). */
	struct {
		char	allowed_symbols[CONF_MAX_SYMBOLS][CONF_SYMBOL_MAX];
		size_t	nallowed;		/* default EURUSD, GBPUSD, XAUUSD;
						   an empty list allows none */
		double	max_volume;		/* lots per order, default 10 */
		int	max_open_positions;	/* default 50, 1..10000; counts
						   pending orders too */
		int	max_positions_per_symbol; /* default 20, 1..10000 */
		double	max_exposure;		/* net lots per symbol, default
						   0: no limit */
		double	min_margin_level;	/* percent, default 0: no
						   limit */
		int	positions_scope;	/* CONF_SCOPE_KEY (default) or
						   CONF_SCOPE_ALL */
		double	max_daily_loss;		/* account currency, default
						   1000; 0 disables */
		int	orders_per_minute;	/* per key, default 60,
						   1..100000 */
		int	duplicate_window;	/* seconds, default 10, 1..3600:
						   exact repeats without a
						   client_order_id */
		int	journal_days;		/* keep answered orders, default
						   90, 1..36500 */
	} trading;

	struct {
		int	open_files;		/* net RLIMIT_NOFILE, default 1024,
						   64..65536 */
		int	header_bytes;		/* 8192, 1024..65536 */
		int	header_count;		/* 64, 8..256 */
		int	body_bytes;		/* 65536, 1024..1048576 */
		int	request_line;		/* 4096, 256..16384 */
		int	header_timeout;		/* seconds, 10, 1..3600 */
		int	body_timeout;		/* seconds, 30, 1..3600 */
		int	idle_timeout;		/* seconds, 60, 1..3600 */
		int	connections;		/* 512, 1..65536, < open_files */
		int	connections_per_source;	/* 64, 1..65536 */
	} limits;

	/* GET /v1/events: the monitor's store and net's streams. */
	struct {
		int	retention;		/* events kept, 10000,
						   100..10000000 */
		int	retention_days;		/* and no older, 7, 1..3650 */
		int	heartbeat;		/* seconds between comment
						   lines, 15, 1..3600 */
		int	streams;		/* open at once, 64, 1..65536 */
		int	streams_per_key;	/* 4, 1..65536 */
		int	stream_buffer;		/* bytes unsent to a client,
						   1048576, 65536..67108864 */
	} events;

	struct {
		int	window;			/* seconds, 60, 1..3600 */
		int	per_source;		/* requests/window, 600, 1..1000000 */
		int	per_key;		/* requests/window, 600, 1..1000000 */
		int	auth_failures;		/* 5, 1..1000 */
		int	auth_window;		/* seconds, 300, 1..86400 */
		int	ban_time;		/* seconds, 600, 1..604800 */
		int	ban_max;		/* seconds, 86400, 1..31536000 */
		/* Never limited nor banned: addresses and CIDRs, default []. */
		struct src_net exempt[SRC_NETS_MAX];
		size_t	nexempt;
		int	ipv6_prefix;		/* bits an IPv6 source is keyed
						   by, 64, 1..128 */
	} rate_limit;

	/* The tamper-evident audit trail (privsep/monitor/audit.h). */
	struct {
		char	key_file[PATH_MAX];	/* HMAC key, created at first
						   start; default
						   /etc/herald/audit.key */
		int	days;			/* keep rows, default 365,
						   1..36500 */
		int	head_interval;		/* seconds between chain-head
						   log lines, default 3600,
						   10..86400 */
	} audit;

	struct {
		int	level;			/* LOG_ERR, LOG_WARNING, LOG_INFO
						   (default) or LOG_DEBUG */
		int	facility;		/* syslog: LOG_DAEMON (default),
						   LOG_USER, LOG_LOCAL0..7 */
	} log;
};

struct conf_errors {
	size_t	n;				/* how many were found */
	char	msg[CONF_MAX_ERRORS][512];	/* "file:line: key: why" */
};

/*
 * Every field at its documented default; no secret.  Call it on a fresh
 * struct or after config_free(): it does not release a secret.
 */
void	config_defaults(struct herald_conf *);

/*
 * Parse a YAML document from memory (name is used in messages and copied
 * into conf->path).  errs is reset first.  Returns 0 or the number of
 * errors, all recorded in errs.  On error *conf is left with whatever
 * parsed and must still be config_free()d.  Never prints.
 */
int	config_parse(struct herald_conf *conf, const char *name,
	    const char *buf, size_t len, struct conf_errors *errs);

/*
 * Open, check ownership and modes (StrictModes), read and parse path,
 * then load mt5.password_file if set.  A file not owned by root or
 * writable by group/others is refused; a file holding a secret must also
 * not be readable by group/others.  The read buffer is wiped.  errs is
 * reset first; returns 0 or the number of errors.
 */
int	config_load(struct herald_conf *conf, const char *path,
	    struct conf_errors *errs);

/*
 * The StrictModes rule on its own, for a file owned by uid with mode:
 * it must be owned by root and not writable by group or others; when
 * secret is not NULL (it names what the file holds, e.g. "mt5.password")
 * it must not be readable by group or others either.  Appends one error
 * per broken rule, each starting with path; returns how many.
 */
int	config_check_mode(const char *path, uid_t uid, mode_t mode,
	    const char *secret, struct conf_errors *errs);

/* Release the secrets a configuration holds. */
void	config_free(struct herald_conf *);

/*
 * Add a formatted error to errs (also used by callers for their checks).
 * Past CONF_MAX_ERRORS the last slot says so and later errors are
 * dropped; errs->n never exceeds CONF_MAX_ERRORS.
 */
void	config_error(struct conf_errors *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
