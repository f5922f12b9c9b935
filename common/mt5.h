/*
 * MetaTrader 5's own enum values and trade server return codes, as MQL5
 * documents them (ENUM_TRADE_RETURN_CODES, ENUM_TRADE_REQUEST_ACTIONS,
 * ENUM_ORDER_TYPE, ...), written once for every process: the paper
 * engine executes with them, the configuration stores them, the IPC
 * validators bound them and the renderer names them.  The PAPER_ prefix
 * is the simulator's, which was their first user.
 */
#ifndef HERALD_MT5_H
#define HERALD_MT5_H

#define PAPER_SYMBOL_MAX	32	/* including the NUL */
#define PAPER_CURRENCY_MAX	8
#define PAPER_COMMENT_MAX	32	/* MT5 keeps 31 characters */
#define PAPER_CMDID_MAX		64
#define PAPER_DIGITS_MAX	8	/* SYMBOL_DIGITS */

/* Trade server return codes (ENUM_TRADE_RETURN_CODES): all of them. */
#define PAPER_RC_REQUOTE	10004
#define PAPER_RC_REJECT		10006
#define PAPER_RC_CANCEL		10007
#define PAPER_RC_PLACED		10008
#define PAPER_RC_DONE		10009
#define PAPER_RC_DONE_PARTIAL	10010
#define PAPER_RC_ERROR		10011
#define PAPER_RC_TIMEOUT	10012
#define PAPER_RC_INVALID	10013
#define PAPER_RC_INVALID_VOLUME	10014
#define PAPER_RC_INVALID_PRICE	10015
#define PAPER_RC_INVALID_STOPS	10016
#define PAPER_RC_TRADE_DISABLED	10017
#define PAPER_RC_MARKET_CLOSED	10018
#define PAPER_RC_NO_MONEY	10019
#define PAPER_RC_PRICE_CHANGED	10020
#define PAPER_RC_PRICE_OFF	10021
#define PAPER_RC_INVALID_EXPIRATION	10022
#define PAPER_RC_ORDER_CHANGED	10023
#define PAPER_RC_TOO_MANY_REQUESTS	10024
#define PAPER_RC_NO_CHANGES	10025
#define PAPER_RC_SERVER_DISABLES_AT	10026
#define PAPER_RC_CLIENT_DISABLES_AT	10027
#define PAPER_RC_LOCKED		10028
#define PAPER_RC_FROZEN		10029
#define PAPER_RC_INVALID_FILL	10030
#define PAPER_RC_CONNECTION	10031
#define PAPER_RC_ONLY_REAL	10032
#define PAPER_RC_LIMIT_ORDERS	10033
#define PAPER_RC_LIMIT_VOLUME	10034
#define PAPER_RC_INVALID_ORDER	10035
#define PAPER_RC_POSITION_CLOSED	10036
#define PAPER_RC_INVALID_CLOSE_VOLUME	10038
#define PAPER_RC_CLOSE_ORDER_EXIST	10039
#define PAPER_RC_LIMIT_POSITIONS	10040
#define PAPER_RC_REJECT_CANCEL	10041
#define PAPER_RC_LONG_ONLY	10042
#define PAPER_RC_SHORT_ONLY	10043
#define PAPER_RC_CLOSE_ONLY	10044
#define PAPER_RC_FIFO_CLOSE	10045
#define PAPER_RC_HEDGE_PROHIBITED	10046

/* ENUM_TRADE_REQUEST_ACTIONS */
enum paper_action {
	PAPER_ACTION_DEAL = 1,
	PAPER_ACTION_PENDING = 5,
	PAPER_ACTION_SLTP = 6,
	PAPER_ACTION_MODIFY = 7,
	PAPER_ACTION_REMOVE = 8,
	PAPER_ACTION_CLOSE_BY = 10
};

/* ENUM_ORDER_TYPE (the ones the engine knows) */
enum paper_order_type {
	PAPER_ORDER_BUY = 0,
	PAPER_ORDER_SELL = 1,
	PAPER_ORDER_BUY_LIMIT = 2,
	PAPER_ORDER_SELL_LIMIT = 3,
	PAPER_ORDER_BUY_STOP = 4,
	PAPER_ORDER_SELL_STOP = 5,
	PAPER_ORDER_BUY_STOP_LIMIT = 6,
	PAPER_ORDER_SELL_STOP_LIMIT = 7
};

/* ENUM_ORDER_TYPE_TIME */
enum paper_type_time {
	PAPER_TIME_GTC = 0,
	PAPER_TIME_DAY = 1,		/* till the end of the trading day */
	PAPER_TIME_SPECIFIED = 2,	/* till expiration */
	PAPER_TIME_SPECIFIED_DAY = 3	/* till the end of expiration's day */
};

/*
 * ENUM_ORDER_STATE: why a pending order went (its record's last state);
 * a live order is PLACED.
 */
enum paper_order_state {
	PAPER_STATE_STARTED = 0,
	PAPER_STATE_PLACED = 1,
	PAPER_STATE_CANCELED = 2,
	PAPER_STATE_PARTIAL = 3,
	PAPER_STATE_FILLED = 4,
	PAPER_STATE_REJECTED = 5,
	PAPER_STATE_EXPIRED = 6
};

/* ENUM_ORDER_TYPE_FILLING */
enum paper_filling {
	PAPER_FILLING_FOK = 0,
	PAPER_FILLING_IOC = 1,
	PAPER_FILLING_RETURN = 2
};

/*
 * A symbol's allowed fillings.  FOK and IOC are SYMBOL_FILLING_FOK and
 * SYMBOL_FILLING_IOC; MT5 has no flag for RETURN (it follows from the
 * execution mode), so it gets a bit of its own here.  Pending orders may
 * always use RETURN, as in MT5.
 */
#define PAPER_FILL_FOK		0x01
#define PAPER_FILL_IOC		0x02
#define PAPER_FILL_RETURN	0x04

/*
 * A symbol's allowed expirations (SYMBOL_EXPIRATION_MODE): bit 1 << the
 * order's ENUM_ORDER_TYPE_TIME, as MT5's SYMBOL_EXPIRATION_GTC, _DAY,
 * _SPECIFIED and _SPECIFIED_DAY flags are.
 */
#define PAPER_EXPIRATION_GTC		0x01
#define PAPER_EXPIRATION_DAY		0x02
#define PAPER_EXPIRATION_SPECIFIED	0x04
#define PAPER_EXPIRATION_SPECIFIED_DAY	0x08
#define PAPER_EXPIRATION_ALL		0x0f

/* ENUM_SYMBOL_TRADE_MODE */
enum paper_trade_mode {
	PAPER_TRADE_DISABLED = 0,
	PAPER_TRADE_LONGONLY = 1,
	PAPER_TRADE_SHORTONLY = 2,
	PAPER_TRADE_CLOSEONLY = 3,
	PAPER_TRADE_FULL = 4
};

/* ENUM_SYMBOL_TRADE_EXECUTION: instant execution requotes (10004). */
enum paper_exec_mode {
	PAPER_EXEC_INSTANT = 1,
	PAPER_EXEC_MARKET = 2
};

/*
 * ENUM_SYMBOL_CALC_MODE (the ones the engine models), MT5's values.
 * Margin before margin_rate and conversion (paper_money.c):
 */
enum paper_calc_mode {
	PAPER_CALC_FOREX = 0,		/* lots*contract/leverage, base */
	PAPER_CALC_FUTURES = 1,		/* lots*margin_initial */
	PAPER_CALC_CFD = 2,		/* lots*contract*price */
	PAPER_CALC_CFDINDEX = 3,	/* lots*contract*price*tv/ts */
	PAPER_CALC_CFDLEVERAGE = 4,	/* lots*contract*price/leverage */
	PAPER_CALC_FOREX_NO_LEVERAGE = 5	/* lots*contract, base */
};

enum paper_margin_mode {
	PAPER_NETTING = 0,
	PAPER_HEDGING = 2	/* ACCOUNT_MARGIN_MODE_RETAIL_HEDGING */
};

/* ENUM_DEAL_TYPE, ENUM_DEAL_ENTRY, ENUM_DEAL_REASON (subsets) */
enum paper_deal_type {
	PAPER_DEAL_BUY = 0,
	PAPER_DEAL_SELL = 1,
	PAPER_DEAL_BALANCE = 2
};

enum paper_deal_entry {
	PAPER_ENTRY_IN = 0,
	PAPER_ENTRY_OUT = 1,
	PAPER_ENTRY_INOUT = 2
};

enum paper_deal_reason {
	PAPER_REASON_CLIENT = 0,
	PAPER_REASON_EXPERT = 3,
	PAPER_REASON_SL = 4,
	PAPER_REASON_TP = 5,
	PAPER_REASON_SO = 6
};

/* The largest value of each enum, for validators. */
#define PAPER_FILL_ALL		(PAPER_FILL_FOK | PAPER_FILL_IOC | PAPER_FILL_RETURN)
#define PAPER_TRADE_MODE_MAX	PAPER_TRADE_FULL
#define PAPER_EXEC_MODE_MIN	PAPER_EXEC_INSTANT
#define PAPER_EXEC_MODE_MAX	PAPER_EXEC_MARKET
#define PAPER_CALC_MODE_MAX	PAPER_CALC_FOREX_NO_LEVERAGE

/* Normalisation as MT5 does it (common/mt5.c). */
double	paper_round(double, int);		/* to digits decimals */
double	paper_money(double);			/* to cents */

#endif
