/*
 * The paper engine's records of state (positions, orders, deals, the
 * account, executed commands) and their codec: the broker's engine
 * produces them, the monitor stores them and hands them back at start.
 */
#ifndef HERALD_RECORD_H
#define HERALD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "mt5.h"

/*
 * How many deals and executed command ids the paper backend keeps in
 * memory; the monitor loads no more than these at start.
 */
#define BACKEND_PAPER_MAX_DEALS		1000
#define BACKEND_PAPER_MAX_COMMANDS	10000

/* MqlTradeResult */
struct paper_result {
	uint32_t	 retcode;
	uint64_t	 deal;
	uint64_t	 order;
	double		 volume;
	double		 price;
	double		 bid;
	double		 ask;
	char		 comment[PAPER_COMMENT_MAX];
};

struct paper_quote {
	char		 symbol[PAPER_SYMBOL_MAX];
	double		 bid;
	double		 ask;
	int64_t		 time;			/* milliseconds */
	int		 session_open;
};

struct paper_position {
	uint64_t	 ticket;
	char		 symbol[PAPER_SYMBOL_MAX];
	enum paper_order_type type;		/* BUY or SELL */
	double		 volume;
	double		 price_open;
	double		 sl;
	double		 tp;
	double		 margin;		/* account currency */
	int64_t		 time;
	uint64_t	 magic;
	char		 comment[PAPER_COMMENT_MAX];
};

struct paper_order {
	uint64_t	 ticket;
	char		 symbol[PAPER_SYMBOL_MAX];
	enum paper_order_type type;		/* a pending type */
	enum paper_filling type_filling;
	double		 volume;
	double		 price;
	double		 sl;
	double		 tp;
	int64_t		 time_setup;
	uint64_t	 magic;
	char		 comment[PAPER_COMMENT_MAX];
	double		 stoplimit;		/* a stop-limit's limit price */
	enum paper_type_time type_time;
	int64_t		 expiration;		/* seconds; 0: none (GTC) */
	enum paper_order_state state;		/* PLACED while it lives; a
						   DEL says why it went */
};

struct paper_deal {
	uint64_t	 ticket;
	uint64_t	 order;
	uint64_t	 position;
	int64_t		 time;
	char		 symbol[PAPER_SYMBOL_MAX];
	enum paper_deal_type type;
	enum paper_deal_entry entry;
	enum paper_deal_reason reason;
	double		 volume;
	double		 price;
	double		 profit;
	double		 commission;
	double		 swap;
	uint64_t	 magic;
	char		 comment[PAPER_COMMENT_MAX];
};

/* What survives a restart of the account besides the lists. */
struct paper_account_state {
	double		 balance;
	double		 credit;
	uint64_t	 next_order;		/* next order/position ticket */
	uint64_t	 next_deal;
};

struct paper_command {
	char		 id[PAPER_CMDID_MAX];
	struct paper_result result;
};

enum paper_rec_type {
	PAPER_REC_ACCOUNT = 1,
	PAPER_REC_QUOTE,
	PAPER_REC_POSITION,
	PAPER_REC_ORDER,
	PAPER_REC_DEAL,
	PAPER_REC_COMMAND
};

enum paper_rec_op {
	PAPER_OP_PUT = 1,	/* insert or replace by key */
	PAPER_OP_DEL = 2	/* remove by key (positions, orders) */
};

/*
 * One record of state.  Keys: the account is one row; quotes by symbol;
 * positions, orders and deals by ticket; commands by id.  Records are
 * zeroed before they are filled, so equal state gives equal bytes.
 */
struct paper_record {
	enum paper_rec_type	 type;
	enum paper_rec_op	 op;
	union {
		struct paper_account_state account;
		struct paper_quote	 quote;
		struct paper_position	 position;
		struct paper_order	 order;
		struct paper_deal	 deal;
		struct paper_command	 command;
	} u;
};

/*
 * Records on the wire and in the monitor's store (common/record.c).
 * The bytes hold the record's fields only; its type and op travel beside
 * them (BROKER_RECORD's u8 type, u8 op).  Encoded with common/wire.h:
 * integers little-endian, int64 as its u64, doubles as the u64 of their
 * bits, strings u16 length + bytes.  One encoding per value, so a
 * decoded record re-encodes to the same bytes.  The longest record
 * (a deal) is well under PAPER_RECORD_MAX.
 *
 * Records outlive the build that wrote them (the monitor's store), so a
 * record that grows keeps its older, shorter forms decodable: its new
 * fields go at its end, and a record that ends before them decodes with
 * their defaults.  An order of the first layout ends after its comment
 * (stoplimit 0, GTC, no expiration, PLACED); of the second after its
 * expiration (PLACED).  Such a record re-encodes to the current layout.
 */
#define PAPER_RECORD_MAX	1024	/* = BROKER_RECORD_MAX (msg.h) */
#define PAPER_KEY_MAX		PAPER_CMDID_MAX	/* a store key, with NUL */

/* The length written, or (size_t)-1 if it does not fit or is malformed. */
size_t	paper_record_encode(const struct paper_record *, uint8_t *, size_t);
/*
 * Strict: exactly len bytes, finite doubles, NUL-free strings within
 * their arrays, enums in range, a non-empty key, and op DEL only for
 * positions and orders.  0, or -1 with *why naming the field.
 */
int	paper_record_decode(uint8_t type, uint8_t op, const uint8_t *, size_t,
	    struct paper_record *, const char **why);
/*
 * The record's key in the store: "account"; a quote's symbol; the
 * decimal ticket of a position, order or deal; a command's id.  0, or
 * -1 if it does not fit keylen or the record has no key.
 */
int	paper_record_key(const struct paper_record *, char *, size_t);
/*
 * A deal's time, a position's open time, an order's setup time, a
 * quote's time (milliseconds); 0 for the account and commands.
 */
int64_t	paper_record_time(const struct paper_record *);
/*
 * The realised profit of a trading deal (profit + commission + swap);
 * 0 for balance operations and every other record.
 */
double	paper_record_profit(const struct paper_record *);

#endif
