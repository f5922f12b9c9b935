/*
 * The monitor's risk rules: each rule refusing with its name and limit,
 * the order they are applied in, which operations they apply to, the
 * tracking of positions and orders, the daily loss across midnight UTC,
 * the per-key order rate and the pruning of its table, and a reload
 * that keeps what was tracked.
 */
#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "msg.h"
#include "mt5.h"
#include "nitems.h"
#include "params.h"
#include "risk.h"

/* 2023-11-14 00:00:00 UTC and a few hours into it. */
#define DAY0		1699920000000LL
#define DAY_MS		86400000LL
#define NOW		(DAY0 + 10 * 3600 * 1000LL)

static struct herald_conf	*conf;
static struct risk		*r;

static void
add_symbol(const char *name, double step)
{
	struct conf_symbol	*s;

	s = &conf->mt5.paper.symbols[conf->mt5.paper.nsymbols++];
	strlcpy(s->name, name, sizeof(s->name));
	s->volume_step = step;
	s->volume_min = step;
	s->volume_max = 100;
}

/* The sample's trading section, and a rate that never gets in the way. */
static void
conf_sample(void)
{
	static const char *const allowed[] = { "EURUSD", "GBPUSD", "XAUUSD" };
	size_t	 i;

	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < 3; i++)
		strlcpy(conf->trading.allowed_symbols[i], allowed[i],
		    sizeof(conf->trading.allowed_symbols[i]));
	conf->trading.nallowed = 3;
	conf->trading.max_volume = 10;
	conf->trading.max_open_positions = 50;
	conf->trading.max_positions_per_symbol = 20;
	conf->trading.max_daily_loss = 1000;
	conf->trading.orders_per_minute = 100000;
	/* GBPUSD has no paper symbol, so no step to check. */
	add_symbol("EURUSD", 0.01);
	add_symbol("USDJPY", 0.01);
	add_symbol("XAUUSD", 0.5);
}

static int
setup(void **state)
{
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return -1;
	conf_sample();
	if ((r = risk_new()) == NULL)
		return -1;
	risk_configure(r, conf);
	return 0;
}

static int
teardown(void **state)
{
	risk_free(r);
	r = NULL;
	free(conf);
	return 0;
}

static struct rpc_params
trade(const char *symbol, double volume)
{
	struct rpc_params	 p;

	memset(&p, 0, sizeof(p));
	p.op = OP_TRADE;
	p.side = RPC_SIDE_BUY;
	strlcpy(p.symbol, symbol, sizeof(p.symbol));
	p.volume = volume;
	return p;
}

static struct rpc_params
other(uint8_t op)
{
	struct rpc_params	 p;

	memset(&p, 0, sizeof(p));
	p.op = op;
	p.ticket = 42;
	return p;
}

/* 0 if p passes; else the refusal's rule, and its message checked. */
static const char *
check_at(int64_t key, struct rpc_params p, int64_t now)
{
	static struct risk_refusal	 out;
	size_t				 n;

	memset(&out, 0xa5, sizeof(out));
	if (risk_check(r, key, &p, now, &out) == 0)
		return NULL;
	/* Strings, and the message starts with the rule's name. */
	assert_non_null(memchr(out.rule, '\0', sizeof(out.rule)));
	assert_non_null(memchr(out.message, '\0', sizeof(out.message)));
	n = strlen(out.rule);
	assert_true(n > 0);
	assert_memory_equal(out.message, out.rule, n);
	assert_memory_equal(out.message + n, ": ", 2);
	return out.rule;
}

static const char *
check(struct rpc_params p)
{
	return check_at(1, p, NOW);
}

/* The last refusal's message. */
static const char *
message_of(int64_t key, struct rpc_params p, int64_t now)
{
	static struct risk_refusal	 out;

	assert_int_equal(risk_check(r, key, &p, now, &out), 1);
	return out.message;
}

static void
expect_in(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static void
test_allowed_symbols(void **state)
{
	struct risk	*bare;
	struct rpc_params p;
	struct risk_refusal out;
	char		 name[16];
	size_t		 i;

	assert_null(check(trade("EURUSD", 1)));
	assert_null(check(trade("GBPUSD", 1)));
	assert_string_equal(check(trade("USDJPY", 1)),
	    "trading.allowed_symbols");
	assert_string_equal(message_of(1, trade("USDJPY", 1), NOW),
	    "trading.allowed_symbols: symbol USDJPY is not in the list of "
	    "allowed symbols (EURUSD, GBPUSD, XAUUSD)");
	/* Names match exactly. */
	assert_non_null(check(trade("EURUSD.x", 1)));
	assert_non_null(check(trade("EURUS", 1)));

	/* An empty list allows none. */
	conf->trading.nallowed = 0;
	risk_configure(r, conf);
	assert_string_equal(message_of(1, trade("EURUSD", 1), NOW),
	    "trading.allowed_symbols: symbol EURUSD is not allowed: the list "
	    "is empty, which allows none");
	/* Not configured at all: the same, nothing is allowed. */
	assert_non_null(bare = risk_new());
	p = trade("EURUSD", 1);
	assert_int_equal(risk_check(bare, 1, &p, NOW, &out), 1);
	assert_string_equal(out.rule, "trading.allowed_symbols");
	risk_free(bare);

	/* A long list is cut short, and the message still fits. */
	for (i = 0; i < CONF_MAX_SYMBOLS; i++) {
		snprintf(name, sizeof(name), "SYMBOL%02zu", i);
		strlcpy(conf->trading.allowed_symbols[i], name,
		    sizeof(conf->trading.allowed_symbols[i]));
	}
	conf->trading.nallowed = CONF_MAX_SYMBOLS;
	risk_configure(r, conf);
	assert_null(check(trade("SYMBOL63", 1)));
	expect_in(message_of(1, trade("EURUSD", 1), NOW),
	    "(SYMBOL00, SYMBOL01, ");
	expect_in(message_of(1, trade("EURUSD", 1), NOW), ", ...)");
}

static void
test_max_volume(void **state)
{
	assert_null(check(trade("EURUSD", 10)));
	assert_null(check(trade("EURUSD", 0.01)));
	assert_string_equal(check(trade("EURUSD", 12)), "trading.max_volume");
	assert_string_equal(message_of(1, trade("EURUSD", 12), NOW),
	    "trading.max_volume: volume 12 is above the limit of 10 lots");
	assert_string_equal(message_of(1, trade("EURUSD", 10.01), NOW),
	    "trading.max_volume: volume 10.01 is above the limit of 10 lots");
	conf->trading.max_volume = 2.5;
	risk_configure(r, conf);
	assert_string_equal(message_of(1, trade("EURUSD", 3), NOW),
	    "trading.max_volume: volume 3 is above the limit of 2.5 lots");
	/* What rpc.c would never pass is refused all the same. */
	assert_string_equal(check(trade("EURUSD", NAN)), "trading.max_volume");
	assert_string_equal(check(trade("EURUSD", 0)), "trading.max_volume");
	assert_string_equal(check(trade("EURUSD", -1)), "trading.max_volume");
}

/*
 * A volume off the symbol's step, below its minimum or above its
 * maximum is the broker's to answer (MT5's 10014), not a risk rule.
 */
static void
test_volume_step(void **state)
{
	assert_null(check(trade("EURUSD", 0.015)));
	assert_null(check(trade("EURUSD", 0.004)));
	assert_null(check(trade("XAUUSD", 1.25)));
	assert_null(check(trade("GBPUSD", 0.0001)));
}

static void
test_max_open_positions(void **state)
{
	uint64_t	 t;

	/* 30 positions and 20 pending orders, spread over the symbols. */
	for (t = 1; t <= 30; t++)
		risk_track(r, RISK_POSITION, t, t % 2 ? "EURUSD" : "USDJPY",
		    1);
	for (t = 1; t <= 20; t++)	/* same tickets, other kind */
		risk_track(r, RISK_ORDER, t, t % 2 ? "GBPUSD" : "USDJPY", 1);
	assert_int_equal(risk_open_count(r, NULL), 50);
	assert_string_equal(check(trade("XAUUSD", 1)),
	    "trading.max_open_positions");
	assert_string_equal(message_of(1, trade("XAUUSD", 1), NOW),
	    "trading.max_open_positions: 50 positions and pending orders are "
	    "open, the limit is 50");
	/* An order filled or cancelled makes room. */
	risk_track(r, RISK_ORDER, 20, NULL, 0);
	assert_int_equal(risk_open_count(r, NULL), 49);
	assert_null(check(trade("XAUUSD", 1)));
	risk_track(r, RISK_POSITION, 1000, "XAUUSD", 1);
	assert_string_equal(check(trade("XAUUSD", 1)),
	    "trading.max_open_positions");
}

static void
test_max_per_symbol(void **state)
{
	uint64_t	 t;

	for (t = 1; t <= 15; t++)
		risk_track(r, RISK_POSITION, t, "EURUSD", 1);
	for (t = 16; t <= 20; t++)
		risk_track(r, RISK_ORDER, t, "EURUSD", 1);
	risk_track(r, RISK_POSITION, 99, "GBPUSD", 1);
	assert_int_equal(risk_open_count(r, "EURUSD"), 20);
	assert_int_equal(risk_open_count(r, "GBPUSD"), 1);
	assert_string_equal(check(trade("EURUSD", 1)),
	    "trading.max_positions_per_symbol");
	assert_string_equal(message_of(1, trade("EURUSD", 1), NOW),
	    "trading.max_positions_per_symbol: 20 positions and pending "
	    "orders are open on EURUSD, the limit is 20");
	/* Other symbols are not held back. */
	assert_null(check(trade("GBPUSD", 1)));
	risk_track(r, RISK_POSITION, 3, "EURUSD", 0);
	assert_null(check(trade("EURUSD", 1)));
}

/*
 * Orders on their way to the broker count as open until released; the
 * total holds even where a symbol's count does not.
 */
static void
test_reservations(void **state)
{
	ssize_t		 h[20];
	uint64_t	 t;
	size_t		 i;

	for (t = 1; t <= 45; t++)
		risk_track(r, RISK_POSITION, t, "GBPUSD", 1);
	for (i = 0; i < 5; i++)
		h[i] = risk_reserve(r, "EURUSD", NULL);
	assert_int_equal(risk_reserved(r, NULL), 5);
	assert_int_equal(risk_reserved(r, "EURUSD"), 5);
	assert_int_equal(risk_reserved(r, "GBPUSD"), 0);
	assert_string_equal(message_of(1, trade("EURUSD", 1), NOW),
	    "trading.max_open_positions: 50 positions and pending orders "
	    "are open, the limit is 50");
	risk_release(r, h[0], NULL);
	assert_null(check(trade("EURUSD", 1)));
	for (i = 1; i < 5; i++)
		risk_release(r, h[i], NULL);
	assert_int_equal(risk_reserved(r, NULL), 0);
	assert_int_equal(risk_reserved(r, "EURUSD"), 0);
	/* Per symbol: 20 on their way, none open. */
	for (t = 1; t <= 45; t++)
		risk_track(r, RISK_POSITION, t, NULL, 0);
	for (i = 0; i < 20; i++)
		h[i] = risk_reserve(r, "EURUSD", NULL);
	assert_string_equal(check(trade("EURUSD", 1)),
	    "trading.max_positions_per_symbol");
	assert_null(check(trade("GBPUSD", 1)));
	risk_release(r, h[3], NULL);
	assert_null(check(trade("EURUSD", 1)));
	/* Releasing more than was reserved, or a bad handle, is harmless. */
	for (i = 0; i < 25; i++)
		risk_release(r, i < 20 ? h[i] : 12345, NULL);
	assert_int_equal(risk_reserved(r, NULL), 0);
	assert_int_equal(risk_reserved(r, "EURUSD"), 0);
}

static void
test_tracking(void **state)
{
	uint32_t	 i;

	assert_int_equal(risk_open_count(r, NULL), 0);
	assert_int_equal(risk_open_count(r, "EURUSD"), 0);
	/* A put again (a position changed) is still one. */
	risk_track(r, RISK_POSITION, 7, "EURUSD", 1);
	risk_track(r, RISK_POSITION, 7, "EURUSD", 1);
	assert_int_equal(risk_open_count(r, NULL), 1);
	assert_int_equal(risk_open_count(r, "EURUSD"), 1);
	/* An order with the same ticket is another thing. */
	risk_track(r, RISK_ORDER, 7, "EURUSD", 1);
	assert_int_equal(risk_open_count(r, "EURUSD"), 2);
	/* A record that moved to another symbol moves its count. */
	risk_track(r, RISK_ORDER, 7, "GBPUSD", 1);
	assert_int_equal(risk_open_count(r, "EURUSD"), 1);
	assert_int_equal(risk_open_count(r, "GBPUSD"), 1);
	assert_int_equal(risk_open_count(r, NULL), 2);
	/* Removing what is not there, or a bad kind, changes nothing. */
	risk_track(r, RISK_POSITION, 8, NULL, 0);
	risk_track(r, 99, 7, "EURUSD", 1);
	risk_track(r, 99, 7, NULL, 0);
	assert_int_equal(risk_open_count(r, NULL), 2);
	/* Removed by kind and ticket, whatever symbol is named. */
	risk_track(r, RISK_POSITION, 7, "XAUUSD", 0);
	assert_int_equal(risk_open_count(r, "EURUSD"), 0);
	assert_int_equal(risk_open_count(r, NULL), 1);
	risk_track(r, RISK_ORDER, 7, NULL, 0);
	risk_track(r, RISK_ORDER, 7, NULL, 0);
	assert_int_equal(risk_open_count(r, NULL), 0);
	assert_int_equal(risk_open_count(r, "GBPUSD"), 0);

	/* Past the table's bound it still counts, and fails closed. */
	for (i = 1; i <= RISK_TRACK_MAX + 5; i++)
		risk_track(r, RISK_POSITION, i, "EURUSD", 1);
	assert_int_equal(risk_open_count(r, NULL), RISK_TRACK_MAX + 5);
	assert_string_equal(check(trade("GBPUSD", 1)),
	    "trading.max_open_positions");
	for (i = 1; i <= RISK_TRACK_MAX + 5; i++)
		risk_track(r, RISK_POSITION, i, NULL, 0);
	assert_int_equal(risk_open_count(r, NULL), 0);
	assert_null(check(trade("GBPUSD", 1)));
}

static void
test_daily_loss(void **state)
{
	/* Losses realised today add up to the limit. */
	risk_realised(r, NOW - 3600 * 1000, -600);
	risk_realised(r, NOW - 1800 * 1000, 100);
	assert_null(check(trade("EURUSD", 1)));
	risk_realised(r, NOW - 60 * 1000, -499.99);
	assert_true(fabs(risk_realised_today(r, NOW) - (-999.99)) < 1e-9);
	assert_null(check(trade("EURUSD", 1)));
	risk_realised(r, NOW - 1000, -0.01);
	assert_string_equal(check(trade("EURUSD", 1)),
	    "trading.max_daily_loss");
	assert_string_equal(message_of(1, trade("EURUSD", 1), NOW),
	    "trading.max_daily_loss: today's realised loss of 1000.00 has "
	    "reached the limit of 1000; new orders are refused until 00:00 "
	    "UTC");
	/* Closing, modifying and cancelling are still allowed. */
	assert_null(check(other(OP_POSITION_CLOSE)));
	assert_null(check(other(OP_ORDER_CANCEL)));
	/* Until the last millisecond of the day. */
	assert_non_null(check_at(1, trade("EURUSD", 1), DAY0 + DAY_MS - 1));
	/* A new UTC day starts from nothing. */
	assert_null(check_at(1, trade("EURUSD", 1), DAY0 + DAY_MS));
	assert_true(risk_realised_today(r, DAY0 + DAY_MS) == 0);
	/* A deal of the new day starts it; yesterday's are then ignored. */
	risk_realised(r, DAY0 + DAY_MS + 5, -300);
	risk_realised(r, NOW, -5000);
	assert_true(risk_realised_today(r, DAY0 + DAY_MS + 10) == -300);
	assert_true(risk_realised_today(r, NOW) == 0);
	assert_null(check_at(1, trade("EURUSD", 1), DAY0 + DAY_MS + 10));
	/* Not finite: ignored. */
	risk_realised(r, DAY0 + DAY_MS + 6, NAN);
	assert_true(risk_realised_today(r, DAY0 + DAY_MS + 10) == -300);

	/* At start, from the store's sum for the day. */
	risk_set_realised(r, risk_day_start(NOW), -1500);
	assert_int_equal(risk_day_start(NOW), DAY0);
	assert_string_equal(check(trade("EURUSD", 1)),
	    "trading.max_daily_loss");
	/* A profit later that day lifts it again. */
	risk_realised(r, NOW, 600);
	assert_null(check(trade("EURUSD", 1)));
	/* 0 disables the rule. */
	risk_set_realised(r, DAY0, -1e9);
	assert_non_null(check(trade("EURUSD", 1)));
	conf->trading.max_daily_loss = 0;
	risk_configure(r, conf);
	assert_null(check(trade("EURUSD", 1)));
	/* Days before 1970 round down too. */
	assert_int_equal(risk_day_start(-1), -DAY_MS);
	assert_int_equal(risk_day_start(-DAY_MS), -DAY_MS);
	assert_int_equal(risk_day_start(0), 0);
}

static void
test_order_rate(void **state)
{
	struct risk_refusal	 out;
	struct rpc_params	 p;
	static const uint8_t	 reads[] = { OP_STATUS, OP_ACCOUNT,
	    OP_POSITIONS, OP_ORDERS, OP_SYMBOL, OP_AUDIT };
	size_t			 i;

	conf->trading.orders_per_minute = 3;
	risk_configure(r, conf);
	assert_null(check_at(1, trade("EURUSD", 1), NOW));
	assert_null(check_at(1, trade("EURUSD", 1), NOW + 1000));
	/* Refused by another rule: not counted. */
	for (i = 0; i < 5; i++)
		assert_string_equal(check_at(1, trade("EURUSD", 50),
		    NOW + 2000), "trading.max_volume");
	assert_null(check_at(1, trade("EURUSD", 1), NOW + 3000));
	/* The fourth in the minute. */
	p = trade("EURUSD", 1);
	assert_int_equal(risk_check(r, 1, &p, NOW + 4000, &out), 1);
	assert_string_equal(out.rule, "trading.orders_per_minute");
	assert_true(out.retry_after > 0 && out.retry_after <= 120);
	expect_in(out.message, "trading.orders_per_minute: this key has "
	    "reached the limit of 3 orders per minute; retry in ");
	/* Refused orders are not counted either. */
	assert_non_null(check_at(1, trade("EURUSD", 1), NOW + 5000));
	/* Reducing risk counts against the same rate, and only that. */
	assert_string_equal(check_at(1, other(OP_POSITION_CLOSE), NOW + 5000),
	    "trading.orders_per_minute");
	assert_string_equal(check_at(1, other(OP_POSITION_MODIFY),
	    NOW + 5000), "trading.orders_per_minute");
	assert_string_equal(check_at(1, other(OP_ORDER_CANCEL), NOW + 5000),
	    "trading.orders_per_minute");
	/* Reads are never checked. */
	for (i = 0; i < sizeof(reads); i++)
		assert_null(check_at(1, other(reads[i]), NOW + 5000));
	/* Another key has its own window. */
	assert_null(check_at(2, trade("EURUSD", 1), NOW + 5000));
	/* Once the window has slid past, the key orders again. */
	assert_null(check_at(1, trade("EURUSD", 1), NOW + 121000));

	/* Close, modify and cancel: no other rule applies to them. */
	conf->trading.nallowed = 0;
	conf->trading.max_volume = 0.01;
	conf->trading.max_open_positions = 1;
	conf->trading.orders_per_minute = 100;
	risk_configure(r, conf);
	risk_track(r, RISK_POSITION, 42, "EURUSD", 1);
	risk_set_realised(r, DAY0, -1e9);
	p = other(OP_POSITION_CLOSE);
	p.volume = 1000;
	assert_null(check_at(3, p, NOW));
	assert_null(check_at(3, other(OP_POSITION_MODIFY), NOW));
	assert_null(check_at(3, other(OP_ORDER_CANCEL), NOW));
	/* No limit left at all: every write is refused. */
	conf->trading.orders_per_minute = 0;
	risk_configure(r, conf);
	assert_string_equal(check_at(4, other(OP_ORDER_CANCEL), NOW),
	    "trading.orders_per_minute");
	assert_null(check_at(4, other(OP_ACCOUNT), NOW));
}

/* One request breaking every rule meets them in the documented order. */
static void
test_rule_order(void **state)
{
	struct rpc_params	 p;

	conf->trading.nallowed = 1;		/* EURUSD only */
	conf->trading.max_open_positions = 2;
	conf->trading.max_positions_per_symbol = 1;
	conf->trading.orders_per_minute = 1;
	risk_configure(r, conf);
	risk_track(r, RISK_POSITION, 1, "EURUSD", 1);
	risk_track(r, RISK_POSITION, 2, "GBPUSD", 1);
	risk_set_realised(r, DAY0, -2000);
	/* Use up key 9's one order of the minute. */
	assert_null(check_at(9, other(OP_ORDER_CANCEL), NOW));

	p = trade("GBPUSD", 12.345);
	assert_string_equal(check_at(9, p, NOW), "trading.allowed_symbols");
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	assert_string_equal(check_at(9, p, NOW), "trading.max_volume");
	p.volume = 1;
	assert_string_equal(check_at(9, p, NOW), "trading.max_open_positions");
	risk_track(r, RISK_POSITION, 2, NULL, 0);
	assert_string_equal(check_at(9, p, NOW),
	    "trading.max_positions_per_symbol");
	/* A reload keeps what was tracked and realised. */
	conf->trading.max_positions_per_symbol = 2;
	risk_configure(r, conf);
	assert_int_equal(risk_open_count(r, NULL), 1);
	assert_string_equal(check_at(9, p, NOW), "trading.max_daily_loss");
	risk_realised(r, NOW, 1500);
	/* ...and the rate windows. */
	assert_string_equal(check_at(9, p, NOW), "trading.orders_per_minute");
	assert_null(check_at(10, p, NOW));
}

static void
test_key_table_pruned(void **state)
{
	int64_t	 k;

	for (k = 1; k <= 1000; k++)
		assert_null(check_at(k, other(OP_ORDER_CANCEL), NOW));
	assert_int_equal(risk_rate_keys(r), 1000);
	/* A key ordering again keeps its one window. */
	assert_null(check_at(500, other(OP_ORDER_CANCEL), NOW + 1000));
	assert_int_equal(risk_rate_keys(r), 1000);
	/* Two minutes on, the idle windows go before the table grows. */
	for (k = 2001; k <= 2100; k++)
		assert_null(check_at(k, other(OP_ORDER_CANCEL),
		    NOW + 121000));
	assert_int_equal(risk_rate_keys(r), 100);
	/* Reads make no window. */
	assert_null(check_at(5000, other(OP_ACCOUNT), NOW + 121000));
	assert_int_equal(risk_rate_keys(r), 100);
}

static struct rpc_params
side(struct rpc_params p, int sd)
{
	p.side = (uint8_t)sd;
	return p;
}

/* Put a position or pending order with its lots. */
static void
put(int kind, uint64_t ticket, const char *symbol, int sd, double volume,
    double margin)
{
	struct risk_lots	 l = { sd, volume, margin, 1.1 };

	risk_track(r, kind, ticket, symbol, 1);
	risk_lots(r, kind, ticket, &l);
}

/*
 * max_exposure: net lots of positions, plus pending and in-flight
 * orders on the order's side; sells count short; 0 disables.
 */
static void
test_max_exposure(void **state)
{
	struct risk_refusal	 out;
	struct risk_lots	 l = { RPC_SIDE_BUY, 0.5, 0, 0 };
	ssize_t			 h;

	put(RISK_POSITION, 1, "EURUSD", RPC_SIDE_BUY, 1.5, 0);
	assert_null(check(trade("EURUSD", 10)));	/* disabled */
	conf->trading.max_exposure = 2;
	risk_configure(r, conf);
	assert_null(check(trade("EURUSD", 0.5)));
	assert_string_equal(check(trade("EURUSD", 0.51)),
	    "trading.max_exposure");
	expect_in(message_of(1, trade("EURUSD", 0.51), NOW), "limit is 2 "
	    "lots");
	/* A sell is room of 3.5 lots short. */
	assert_null(check(side(trade("EURUSD", 3.5), RPC_SIDE_SELL)));
	assert_string_equal(check(side(trade("EURUSD", 3.51),
	    RPC_SIDE_SELL)), "trading.max_exposure");
	/* Hedged: a sell position takes the net down. */
	put(RISK_POSITION, 2, "EURUSD", RPC_SIDE_SELL, 1, 0);
	assert_true(fabs(risk_net_lots(r, "EURUSD") - 0.5) < 1e-12);
	assert_null(check(trade("EURUSD", 1.5)));
	/* A pending buy counts on the buy side only. */
	put(RISK_ORDER, 3, "EURUSD", RPC_SIDE_BUY, 1, 0);
	assert_string_equal(check(trade("EURUSD", 1.5)),
	    "trading.max_exposure");
	assert_null(check(trade("EURUSD", 0.5)));
	assert_null(check(side(trade("EURUSD", 2.5), RPC_SIDE_SELL)));
	/* An order in flight holds its lots until released. */
	h = risk_reserve(r, "EURUSD", &l);
	assert_string_equal(check(trade("EURUSD", 0.01)),
	    "trading.max_exposure");
	risk_release(r, h, &l);
	assert_null(check(trade("EURUSD", 0.5)));
	/* A position changed by a record: its old lots go. */
	put(RISK_POSITION, 1, "EURUSD", RPC_SIDE_BUY, 0.5, 0);
	assert_null(check(trade("EURUSD", 1.5)));
	/* Closed: gone from the net. */
	risk_track(r, RISK_POSITION, 2, NULL, 0);
	assert_true(fabs(risk_net_lots(r, "EURUSD") - 0.5) < 1e-12);
	/* Other symbols are their own. */
	assert_null(check(trade("XAUUSD", 2)));
	/* A passing order says what to reserve. */
	assert_int_equal(risk_check(r, 1, &(struct rpc_params){ .op = OP_TRADE,
	    .side = RPC_SIDE_SELL, .symbol = "EURUSD", .volume = 0.5 }, NOW,
	    &out), 0);
	assert_int_equal(out.lots.side, RPC_SIDE_SELL);
	assert_true(out.lots.volume == 0.5);
}

/*
 * min_margin_level: equity over the positions' margin, the in-flight
 * orders' and the order's estimate, from the paper symbol until the
 * broker reports a position on it.
 */
static void
test_min_margin_level(void **state)
{
	struct conf_symbol	*s = &conf->mt5.paper.symbols[0];
	struct risk_refusal	 out;
	struct rpc_params	 p;
	ssize_t			 h;

	conf->mt5.backend = BACKEND_PAPER;
	conf->mt5.paper.leverage = 100;
	conf->mt5.paper.balance = 10000;
	strlcpy(conf->mt5.paper.currency, "USD",
	    sizeof(conf->mt5.paper.currency));
	s->contract_size = 100000;
	s->start_bid = 1.25;
	strlcpy(s->currency_base, "EUR", sizeof(s->currency_base));
	conf->trading.min_margin_level = 200;
	risk_configure(r, conf);
	/* 4 lots: 5000 of margin, 200% exactly. */
	assert_null(check(trade("EURUSD", 4)));
	assert_string_equal(check(trade("EURUSD", 4.01)),
	    "trading.min_margin_level");
	expect_in(message_of(1, trade("EURUSD", 4.01), NOW), "below the "
	    "limit of 200%");
	/* At the order's own price. */
	p = trade("EURUSD", 4.5);
	p.flags |= RPC_HAS_PRICE;
	p.price = 1.1;
	assert_null(check(p));
	/* Nothing known of GBPUSD: refused, fail closed. */
	assert_string_equal(check(trade("GBPUSD", 0.01)),
	    "trading.min_margin_level");
	/* In flight: 2 lots' margin held. */
	assert_int_equal(risk_check(r, 1, &(struct rpc_params){ .op = OP_TRADE,
	    .side = RPC_SIDE_BUY, .symbol = "EURUSD", .volume = 2 }, NOW,
	    &out), 0);
	assert_true(fabs(out.lots.margin - 2500) < 1e-6);
	h = risk_reserve(r, "EURUSD", &out.lots);
	assert_null(check(trade("EURUSD", 2)));
	assert_string_equal(check(trade("EURUSD", 2.01)),
	    "trading.min_margin_level");
	risk_release(r, h, &out.lots);
	/* The broker's figure per lot wins: 1000 a lot. */
	put(RISK_POSITION, 7, "EURUSD", RPC_SIDE_BUY, 1, 1000);
	assert_true(fabs(risk_margin_used(r) - 1000) < 1e-9);
	assert_null(check(trade("EURUSD", 4)));
	assert_string_equal(check(trade("EURUSD", 4.01)),
	    "trading.min_margin_level");
	/* A floating loss of 2000 (an account read) lowers the equity. */
	risk_account(r, 10000, 8000);
	assert_null(check(trade("EURUSD", 3)));
	assert_string_equal(check(trade("EURUSD", 3.01)),
	    "trading.min_margin_level");
	/* The balance from the broker's record. */
	risk_balance(r, 12000);
	assert_null(check(trade("EURUSD", 4)));
	/* Position closed: its margin is released. */
	risk_track(r, RISK_POSITION, 7, NULL, 0);
	assert_true(risk_margin_used(r) == 0);
	/* 0 disables. */
	conf->trading.min_margin_level = 0;
	risk_configure(r, conf);
	assert_null(check(trade("GBPUSD", 5)));
}

/* The margin the rule estimates for a trade of volume on symbol. */
static double
estimate(const char *symbol, double volume)
{
	struct risk_refusal	out;
	struct rpc_params	p = trade(symbol, volume);

	memset(&out, 0, sizeof(out));
	assert_int_equal(risk_check(r, 1, &p, NOW, &out), 0);
	return out.lots.margin;
}

/*
 * Before the broker reports a position, min_margin_level estimates an
 * order's margin by paper's own formula for the symbol's calc mode
 * (common/margin.c), at leverage 100 and the symbol's start_bid: each
 * mode against a figure worked out by hand, and the limit refuses where
 * that figure says.
 */
static void
test_margin_estimate_by_calc_mode(void **state)
{
	static const struct {
		int		 mode;
		const char	*base;
		double		 contract, rate, initial, tsize, tvalue;
		double		 bid, lots, want;
	} c[] = {
		/* 1 * 100000 / 100 EUR at 1.1 */
		{ PAPER_CALC_FOREX, "EUR", 100000, 1, 0, 0, 0, 1.1, 1, 1100 },
		/* 1 * 100000 / 100, the account's own currency */
		{ PAPER_CALC_FOREX, "USD", 100000, 1, 0, 0, 0, 150, 1, 1000 },
		/* 1 * 100000 * 0.02 EUR at 1.1 */
		{ PAPER_CALC_FOREX_NO_LEVERAGE, "EUR", 100000, 0.02, 0, 0, 0,
		    1.1, 1, 2200 },
		/* 0.1 * 100 * 2000 * 0.05: no leverage */
		{ PAPER_CALC_CFD, "XAU", 100, 0.05, 0, 0, 0, 2000, 0.1, 1000 },
		/* 0.1 * 100 * 2000 / 100 */
		{ PAPER_CALC_CFDLEVERAGE, "XAU", 100, 1, 0, 0, 0, 2000, 0.1,
		    200 },
		/* 1 * 1 * 5000 * 0.5 / 0.25 * 0.1 */
		{ PAPER_CALC_CFDINDEX, "USD", 1, 0.1, 0, 0.25, 0.5, 5000, 1,
		    1000 },
		/* 2 * 500 */
		{ PAPER_CALC_FUTURES, "USD", 50, 1, 500, 0.25, 12.5, 5000, 2,
		    1000 },
	};
	struct conf_symbol	*s = &conf->mt5.paper.symbols[2];
	double			 f;
	size_t			 i;

	conf->mt5.backend = BACKEND_PAPER;
	conf->mt5.paper.leverage = 100;
	conf->mt5.paper.balance = 10000;
	strlcpy(conf->mt5.paper.currency, "USD",
	    sizeof(conf->mt5.paper.currency));
	conf->trading.min_margin_level = 200;
	conf->trading.max_volume = 100;
	s->volume_step = s->volume_min = 0.01;
	for (i = 0; i < nitems(c); i++) {
		s->calc_mode = c[i].mode;
		strlcpy(s->currency_base, c[i].base, sizeof(s->currency_base));
		s->contract_size = c[i].contract;
		s->margin_rate = c[i].rate;
		s->margin_initial = c[i].initial;
		s->tick_size = c[i].tsize;
		s->tick_value = c[i].tvalue;
		s->digits = 2;
		s->start_bid = c[i].bid;
		risk_configure(r, conf);
		if (fabs(estimate("XAUUSD", c[i].lots) - c[i].want) > 1e-6)
			fail_msg("calc mode %d: %.6f, want %.2f", c[i].mode,
			    estimate("XAUUSD", c[i].lots), c[i].want);
		/* 5000 of margin is 200% of 10000: 0.9 of it fits, 1.1 not. */
		f = 5000 / c[i].want * c[i].lots;
		if (check(trade("XAUUSD", f * 0.9)) != NULL)
			fail_msg("calc mode %d: %s", c[i].mode, message_of(1,
			    trade("XAUUSD", f * 0.9), NOW));
		assert_string_equal(check(trade("XAUUSD", f * 1.1)),
		    "trading.min_margin_level");
	}
}

/* A deal counts once: only a ticket above every one counted is new. */
static void
test_deal_tickets(void **state)
{
	assert_true(risk_deal_new(r, 5));
	assert_false(risk_deal_new(r, 5));
	assert_false(risk_deal_new(r, 4));
	assert_true(risk_deal_new(r, 6));
	risk_deal_seen(r, 100);
	assert_false(risk_deal_new(r, 99));
	risk_deal_seen(r, 50);		/* never lowers it */
	assert_false(risk_deal_new(r, 100));
	assert_true(risk_deal_new(r, 101));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_allowed_symbols),
		T(test_max_volume),
		T(test_volume_step),
		T(test_max_open_positions),
		T(test_max_per_symbol),
		T(test_reservations),
		T(test_tracking),
		T(test_daily_loss),
		T(test_order_rate),
		T(test_rule_order),
		T(test_key_table_pruned),
		T(test_max_exposure),
		T(test_min_margin_level),
		T(test_margin_estimate_by_calc_mode),
		T(test_deal_tickets),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
