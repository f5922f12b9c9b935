/*
 * The paper engine: an MT5-semantics trading simulator as a pure library.
 * It does no I/O, reads no clock and keeps no global state: prices and
 * times are inputs, and every state change is handed to the caller as a
 * typed record, so the broker can run it inside its sandbox and the
 * monitor can persist what it reports.  The bridge simulator reuses it.
 *
 * Names, numbers and the order of checks follow MQL5's MqlTradeRequest,
 * MqlTradeResult and the trade server return codes.  What is simplified:
 *  - the trading day, which ends DAY orders, ends every day at the
 *    symbol's session_end (UTC, default midnight): no weekends, no
 *    holidays; a symbol allows the expiration modes it lists, 10022
 *    otherwise;
 *  - margin follows the current quotes (MT5 recomputes it): a symbol
 *    needs the account currency as its base or profit currency, the
 *    rate is the symbol's own price; a position's record keeps the
 *    margin it had when it last changed;
 *  - a partial fill (10010) happens only when a symbol has a liquidity
 *    limit and the request asks IOC or RETURN; FOK then gets 10006;
 *  - commission and swap are always 0; CLOSE_BY and unknown order
 *    tickets (MODIFY, REMOVE) answer 10013;
 *  - a stop-limit order whose stop price is reached becomes, keeping its
 *    ticket, the limit order at its stoplimit price;
 *  - in netting mode a reversed position keeps its ticket;
 *  - a triggered pending order fills at the market price; margin is
 *    checked when it is placed and again when it triggers (cancelled
 *    then if short); no freeze level;
 *  - market requests are normalised (prices to digits, volume to step)
 *    rather than refused for stray decimals beyond them.
 */
#ifndef HERALD_PAPER_H
#define HERALD_PAPER_H

#include <stddef.h>
#include <stdint.h>

#include "mt5.h"
#include "record.h"

/* A symbol as the configuration describes it. */
struct paper_symbol {
	char		 name[PAPER_SYMBOL_MAX];
	char		 currency_base[PAPER_CURRENCY_MAX];
	char		 currency_profit[PAPER_CURRENCY_MAX];
	int		 digits;		/* 0..8 */
	double		 point;			/* 10^-digits */
	double		 contract_size;
	double		 volume_min;
	double		 volume_max;
	double		 volume_step;
	int		 stops_level;		/* points */
	unsigned int	 filling;		/* PAPER_FILL_* */
	enum paper_trade_mode trade_mode;
	enum paper_exec_mode exec_mode;
	enum paper_calc_mode calc_mode;
	double		 liquidity;		/* lots per fill, 0: no limit */
	/*
	 * SYMBOL_MARGIN_*: margin_rate multiplies every margin (0 gives
	 * 1); margin_initial is a futures lot's margin; margin_hedged the
	 * contract size (money with margin_initial) of an overlapped lot,
	 * < 0 gives contract_size (margin_initial when it is set).
	 */
	double		 margin_rate;
	double		 margin_initial;
	double		 margin_hedged;
	/* SYMBOL_TRADE_TICK_SIZE (0: point), _VALUE (0: size*contract). */
	double		 tick_size;
	double		 tick_value;		/* profit currency */
	/* SYMBOL_EXPIRATION_MODE: PAPER_EXPIRATION_* bits, 0 gives all. */
	unsigned int	 expiration;
	/*
	 * The trading day's end (DAY orders expire then), in seconds after
	 * 00:00 UTC, 0..86399; 0 is midnight.
	 */
	int		 session_end;
};

#define PAPER_HEDGED_DEFAULT	(-1.0)

struct paper_config {
	char		 currency[PAPER_CURRENCY_MAX];	/* "USD" */
	int		 leverage;			/* 1:leverage */
	double		 balance;			/* at creation */
	double		 credit;
	enum paper_margin_mode mode;
	double		 stop_out_level;	/* percent; 0 gives 50 */
	size_t		 max_positions;		/* 0 gives 1000 */
	size_t		 max_orders;		/* 0 gives 1000 */
	/*
	 * How many deals and executed command ids stay in memory, 0: all.
	 * When full the older half is forgotten (the monitor's store keeps
	 * everything); a forgotten command id is no longer recognised.
	 */
	size_t		 max_deals;
	size_t		 max_commands;
};

/* MqlTradeRequest; strings must be NUL-terminated in their arrays. */
struct paper_request {
	enum paper_action action;
	uint64_t	 magic;
	uint64_t	 order;			/* MODIFY, REMOVE */
	char		 symbol[PAPER_SYMBOL_MAX];
	double		 volume;
	double		 price;
	double		 sl;
	double		 tp;
	uint64_t	 deviation;		/* points */
	double		 stoplimit;		/* a stop-limit's limit price */
	enum paper_type_time type_time;		/* pending orders */
	int64_t		 expiration;		/* seconds (MT5's datetime) */
	enum paper_order_type type;
	enum paper_filling type_filling;
	uint64_t	 position;		/* close, SLTP */
	char		 comment[PAPER_COMMENT_MAX];
	char		 command_id[PAPER_CMDID_MAX];	/* "": none */
};

/* MqlTradeCheckResult: retcode 0 if the request would pass. */
struct paper_check {
	uint32_t	 retcode;
	double		 balance;
	double		 equity;
	double		 profit;
	double		 margin;		/* after the request */
	double		 margin_free;
	double		 margin_level;
	char		 comment[PAPER_COMMENT_MAX];
};

/* The derived figures, as AccountInfoDouble() gives them. */
struct paper_account {
	char		 currency[PAPER_CURRENCY_MAX];
	enum paper_margin_mode mode;
	int		 leverage;
	double		 balance;
	double		 credit;
	double		 profit;
	double		 equity;
	double		 margin;
	double		 margin_free;
	double		 margin_level;		/* percent, 0 if no margin */
};

/* Return non-zero to stop an export; the value is passed back. */
typedef int	(*paper_record_cb)(const struct paper_record *, void *);

struct paper_engine;

/* NULL if the configuration is invalid or memory is short. */
struct paper_engine *paper_new(const struct paper_config *);
void	paper_free(struct paper_engine *);

/*
 * Add a symbol (before any import).  -1 with *why set if it cannot be
 * modelled: a bad field, a duplicate, or neither currency the account's.
 */
int	paper_add_symbol(struct paper_engine *, const struct paper_symbol *,
	    const char **why);
const struct paper_symbol *paper_symbol_get(const struct paper_engine *,
	    const char *);
size_t	paper_symbol_count(const struct paper_engine *);
const struct paper_symbol *paper_symbol_at(const struct paper_engine *,
	    size_t);

/*
 * The change stream: called with every record the engine changes, in
 * order, before the call that changed them returns.  All records of one
 * paper_send()/paper_tick()/paper_deposit() belong together: persist
 * them in one transaction when the call returns.  Quotes are not in the
 * stream (they change on every tick); paper_export() gives them.
 */
void	paper_set_journal(struct paper_engine *, paper_record_cb, void *);

/* Open or close a symbol's session: closed answers 10018. */
int	paper_set_session(struct paper_engine *, const char *, int);

/*
 * Apply a tick: the quote, then pending-order triggers, SL/TP, and
 * stop-out (most losing position first while the margin level is below
 * the stop-out level).  -1 if the symbol is unknown or the prices are
 * not usable (not finite, <= 0, ask < bid).
 */
int	paper_tick(struct paper_engine *, const char *, double, double,
	    int64_t);
int	paper_quote_get(const struct paper_engine *, const char *,
	    struct paper_quote *);

/*
 * Execute a request at time now (milliseconds).  The result is filled in
 * and its retcode returned.  A request whose command_id was executed
 * before gets the stored result and changes nothing.
 */
uint32_t paper_send(struct paper_engine *, const struct paper_request *,
	    int64_t, struct paper_result *);

/*
 * OrderCheck(): the same checks, nothing executed or stored, command ids
 * not consulted.  Returns 0 if the request would pass, else its retcode;
 * chk holds the account with the request's margin added.
 */
uint32_t paper_check(struct paper_engine *, const struct paper_request *,
	    int64_t, struct paper_check *);

/* The stored result of a command id: 0, or -1 if unknown. */
int	paper_find_command(const struct paper_engine *, const char *,
	    struct paper_result *);

/* A balance operation (deposit > 0, withdrawal < 0); -1 if refused. */
int	paper_deposit(struct paper_engine *, double, int64_t, const char *);

void	paper_account_get(const struct paper_engine *, struct paper_account *);
size_t	paper_position_count(const struct paper_engine *);
const struct paper_position *paper_position_at(const struct paper_engine *,
	    size_t);
const struct paper_position *paper_position_get(const struct paper_engine *,
	    uint64_t);
size_t	paper_order_count(const struct paper_engine *);
const struct paper_order *paper_order_at(const struct paper_engine *, size_t);
const struct paper_order *paper_order_get(const struct paper_engine *,
	    uint64_t);
size_t	paper_deal_count(const struct paper_engine *);
const struct paper_deal *paper_deal_at(const struct paper_engine *, size_t);

/* Floating profit of a position at the current quote, in cents. */
double	paper_position_profit(const struct paper_engine *,
	    const struct paper_position *);
/*
 * Margin in account currency for volume at price (cents), one side, no
 * hedging: the symbol's calc_mode formula, converted at price.
 */
double	paper_margin_calc(const struct paper_engine *,
	    const struct paper_symbol *, double, double);
/* A position's margin at the current quote (no hedging discount). */
double	paper_position_margin(const struct paper_engine *,
	    const struct paper_position *);
/* Account-currency value of one point for one lot at the quote. */
double	paper_tick_value(const struct paper_engine *, const char *);

/*
 * Snapshot: the account, quotes, positions, orders, deals and commands,
 * each as a PUT record.  paper_import() applies one record (PUT or DEL)
 * to an engine made with the same configuration and symbols; feeding it
 * an export, or the whole change stream, rebuilds the state exactly.
 * -1 if a record is malformed or names an unknown symbol.
 */
int	paper_export(const struct paper_engine *, paper_record_cb, void *);
int	paper_import(struct paper_engine *, const struct paper_record *);

/* The filling a request should ask for: FOK, else IOC, else RETURN. */
enum paper_filling paper_pick_filling(const struct paper_symbol *);

/*
 * A request closing position ticket (volume 0: all of it), as the
 * close endpoint needs; -1 if there is no such position.
 */
int	paper_close_request(const struct paper_engine *, uint64_t, double,
	    struct paper_request *);

/*
 * Parse one replay line "SYMBOL,BID,ASK,TIME_MS" (len bytes, an ending
 * LF or CRLF allowed; a symbol of visible ASCII; plain decimals only).  -1 with *why naming the
 * field.  The caller feeds the quote to paper_tick().
 */
int	paper_parse_tick(const char *, size_t, struct paper_quote *,
	    const char **);

/*
 * A seeded random walk (xorshift64*, no libc rand): the next tick for a
 * symbol from its current one.  Deterministic for a seed.
 */
struct paper_walk {
	uint64_t	 state;
	int		 max_step;		/* points per tick, > 0 */
	int		 spread;		/* points, >= 0 */
};

void	paper_walk_init(struct paper_walk *, uint64_t, int, int);
uint64_t paper_walk_rand(struct paper_walk *);
/* From bid (0: use start) the next bid and ask, normalised. */
void	paper_walk_next(struct paper_walk *, const struct paper_symbol *,
	    double, double, double *, double *);

#endif
