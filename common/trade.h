/*
 * The typed answers of the trading operations, as they travel in
 * msg_api_res.result: built by the broker, checked (and completed: the
 * client_order_id, the masked login) by the monitor, rendered as JSON by
 * net.  Encoded with common/wire.h (integers little-endian, doubles as
 * the u64 of their bits, strings u16 length + bytes).
 *
 *	OP_TRADE, OP_POSITION_CLOSE, OP_POSITION_MODIFY, OP_ORDER_CANCEL
 *			struct trade_result
 *	OP_ACCOUNT	struct trade_account
 *	OP_POSITIONS	struct trade_positions
 *	OP_ORDERS	struct trade_orders
 *	OP_SYMBOL	struct trade_symbol
 *
 * Decoders consume the payload exactly and refuse what no honest sender
 * produces: doubles that are not finite or beyond +-TRADE_NUM_MAX (and
 * negative volumes, prices, margins), counts above the maximum, strings
 * that are not printable ASCII (symbol names also empty), enums and
 * flags out of range, zero tickets in a list, times outside
 * 0..TRADE_TIME_MAX.  *why names the field and the rule
 * ("position.volume: negative").  Whatever decodes re-encodes to the
 * same bytes.  Tickets, deals and magic numbers are not bounded here;
 * net renders them as JSON integers, exact up to 2^63-1 (MT5's are far
 * below 2^53, where every JSON reader keeps them exact).  Encoders
 * refuse a string field without its NUL and a count above the maximum.
 */
#ifndef HERALD_TRADE_H
#define HERALD_TRADE_H

#include <stddef.h>
#include <stdint.h>

#include "mt5.h"

#define TRADE_SYMBOL_MAX	32	/* including the NUL */
#define TRADE_CURRENCY_MAX	8
#define TRADE_COMMENT_MAX	32	/* MT5 keeps 31 characters */
#define TRADE_MESSAGE_MAX	128	/* the retcode's description */
#define TRADE_COID_MAX		72	/* a client's or a derived id, + NUL */
#define TRADE_LOGIN_MAX		32	/* masked by the monitor */
#define TRADE_LIST_MAX		128	/* positions or orders in one answer */

/*
 * The latest time a decoder accepts, 9999-12-31T23:59:59.999Z in
 * milliseconds: renderers print times as ISO-8601 with four-digit years.
 */
#define TRADE_TIME_MAX		253402300799999LL
#define TRADE_DIGITS_MAX	15	/* a symbol's digits, 0..15 */
/*
 * The largest magnitude of a price, volume or amount a decoder accepts:
 * far beyond any market, and small enough that every JSON reader parses
 * what the renderers print (a double near DBL_MAX, printed to 15 digits,
 * overflows on the way back).
 */
#define TRADE_NUM_MAX		1e15

/* trade_symbol.filling bits: mt5.h's PAPER_FILL_*. */
#define TRADE_FILL_FOK		PAPER_FILL_FOK
#define TRADE_FILL_IOC		PAPER_FILL_IOC
#define TRADE_FILL_RETURN	PAPER_FILL_RETURN
#define TRADE_FILL_ALL		PAPER_FILL_ALL

/* trade_symbol.trade_mode: ENUM_SYMBOL_TRADE_MODE, mt5.h's. */
#define TRADE_MODE_DISABLED	PAPER_TRADE_DISABLED
#define TRADE_MODE_LONGONLY	PAPER_TRADE_LONGONLY
#define TRADE_MODE_SHORTONLY	PAPER_TRADE_SHORTONLY
#define TRADE_MODE_CLOSEONLY	PAPER_TRADE_CLOSEONLY
#define TRADE_MODE_FULL		PAPER_TRADE_FULL

/* trade_account.margin_mode: ACCOUNT_MARGIN_MODE_RETAIL_*, mt5.h's. */
#define TRADE_NETTING		PAPER_NETTING
#define TRADE_HEDGING		PAPER_HEDGING

/* Order and position types: ENUM_ORDER_TYPE, mt5.h's. */
#define TRADE_BUY		PAPER_ORDER_BUY
#define TRADE_SELL		PAPER_ORDER_SELL
#define TRADE_BUY_LIMIT		PAPER_ORDER_BUY_LIMIT
#define TRADE_SELL_LIMIT	PAPER_ORDER_SELL_LIMIT
#define TRADE_BUY_STOP		PAPER_ORDER_BUY_STOP
#define TRADE_SELL_STOP		PAPER_ORDER_SELL_STOP
#define TRADE_BUY_STOP_LIMIT	PAPER_ORDER_BUY_STOP_LIMIT
#define TRADE_SELL_STOP_LIMIT	PAPER_ORDER_SELL_STOP_LIMIT

/* trade_order.type_time: ENUM_ORDER_TYPE_TIME, mt5.h's. */
#define TRADE_TIME_GTC		PAPER_TIME_GTC
#define TRADE_TIME_SPECIFIED_DAY PAPER_TIME_SPECIFIED_DAY

/* MqlTradeResult, plus what the monitor adds. */
struct trade_result {
	uint32_t	 retcode;
	uint64_t	 order;		/* order ticket (market: = position) */
	uint64_t	 deal;		/* 0 if no deal */
	uint64_t	 position;	/* opened or changed, 0: none */
	double		 volume;	/* filled or placed */
	double		 price;		/* fill price, or the pending price */
	double		 bid;
	double		 ask;
	char		 comment[TRADE_COMMENT_MAX];	/* broker comment */
	char		 message[TRADE_MESSAGE_MAX];	/* retcode text */
	/* Set by the monitor. */
	char		 client_order_id[TRADE_COID_MAX];
	uint8_t		 duplicate;	/* 1: an earlier request's answer */
};

struct trade_account {
	char		 login[TRADE_LOGIN_MAX];	/* "****5678" */
	char		 currency[TRADE_CURRENCY_MAX];
	uint8_t		 margin_mode;	/* TRADE_NETTING or TRADE_HEDGING */
	uint32_t	 leverage;
	double		 balance;
	double		 credit;
	double		 profit;
	double		 equity;
	double		 margin;
	double		 margin_free;
	double		 margin_level;	/* percent, 0 if no margin */
};

struct trade_position {
	uint64_t	 ticket;
	char		 symbol[TRADE_SYMBOL_MAX];
	uint8_t		 type;		/* TRADE_BUY or TRADE_SELL */
	double		 volume;
	double		 price_open;
	double		 price_current;
	double		 sl;		/* 0: none */
	double		 tp;
	double		 profit;	/* floating, account currency */
	double		 margin;
	int64_t		 time;		/* milliseconds since the epoch */
	uint64_t	 magic;
	char		 comment[TRADE_COMMENT_MAX];
};

struct trade_positions {
	uint32_t	 n;
	uint8_t		 truncated;	/* more than TRADE_LIST_MAX exist */
	struct trade_position pos[TRADE_LIST_MAX];
};

struct trade_order {
	uint64_t	 ticket;
	char		 symbol[TRADE_SYMBOL_MAX];
	uint8_t		 type;		/* TRADE_BUY_LIMIT ..
					   TRADE_SELL_STOP_LIMIT */
	double		 volume;
	double		 price;
	double		 price_current;
	double		 sl;
	double		 tp;
	int64_t		 time_setup;
	uint64_t	 magic;
	char		 comment[TRADE_COMMENT_MAX];
	double		 stop_limit;	/* a stop-limit's limit price, or 0 */
	uint8_t		 type_time;	/* TRADE_TIME_* */
	int64_t		 expiration;	/* milliseconds; 0: none */
};

struct trade_orders {
	uint32_t	 n;
	uint8_t		 truncated;
	struct trade_order ord[TRADE_LIST_MAX];
};

struct trade_symbol {
	char		 name[TRADE_SYMBOL_MAX];
	char		 currency_base[TRADE_CURRENCY_MAX];
	char		 currency_profit[TRADE_CURRENCY_MAX];
	uint8_t		 digits;
	double		 point;
	double		 contract_size;
	double		 volume_min;
	double		 volume_max;
	double		 volume_step;
	uint32_t	 stops_level;
	uint8_t		 filling;	/* TRADE_FILL_* bits */
	uint8_t		 trade_mode;	/* TRADE_MODE_* */
	double		 tick_value;	/* one point, one lot, account ccy */
	double		 bid;
	double		 ask;
	int64_t		 time;		/* of the last tick, milliseconds */
	uint8_t		 session_open;
};

/* Encoders: the length written, or (size_t)-1 if cap is too small. */
size_t	trade_result_encode(const struct trade_result *, uint8_t *, size_t);
size_t	trade_account_encode(const struct trade_account *, uint8_t *, size_t);
size_t	trade_positions_encode(const struct trade_positions *, uint8_t *,
	    size_t);
size_t	trade_orders_encode(const struct trade_orders *, uint8_t *, size_t);
size_t	trade_symbol_encode(const struct trade_symbol *, uint8_t *, size_t);

/* Decoders: 0, or -1 with *why naming the field. */
int	trade_result_decode(const uint8_t *, size_t, struct trade_result *,
	    const char **why);
int	trade_account_decode(const uint8_t *, size_t, struct trade_account *,
	    const char **why);
int	trade_positions_decode(const uint8_t *, size_t,
	    struct trade_positions *, const char **why);
int	trade_orders_decode(const uint8_t *, size_t, struct trade_orders *,
	    const char **why);
int	trade_symbol_decode(const uint8_t *, size_t, struct trade_symbol *,
	    const char **why);

/*
 * "filled" (10009), "placed" (10008), "partial" (10010), else "rejected":
 * the status field of a POST /trade answer.
 */
const char	*trade_status_name(uint32_t retcode);
/*
 * 1 if MT5 executed the order: done (10009), placed (10008) or done in
 * part (10010); any other retcode is a refusal (HTTP 422).
 */
int		 trade_executed(uint32_t retcode);
/* The trade server's description of a retcode ("Invalid volume"). */
const char	*trade_retcode_text(uint32_t retcode);
/* "BUY", "SELL", "BUY_LIMIT", ... ; "UNKNOWN" otherwise. */
const char	*trade_type_name(uint8_t type);
/* "gtc", "day", "specified", "specified_day"; "unknown" otherwise. */
const char	*trade_time_name(uint8_t type_time);

#endif
