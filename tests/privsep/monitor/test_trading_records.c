/*
 * The trading path's broker records and what the monitor keeps of them:
 * record groups bounded, the daily-loss ledger written once per deal,
 * and trading.positions_scope's ownership of tickets.  The harness is
 * trading_test.h's, as in test_trading.c.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "api.h"
#include "config.h"
#include "db.h"
#include "db_test.h"
#include "event.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "record.h"
#include "trade.h"
#include "trading.h"
#include "trading_int.h"
#include "trading_test.h"

static void
test_record_group_bounded(void **state)
{
	const char	*why = NULL;
	int		 i;

	conf.mt5.record_group_max = 16;
	trade_reconfigure(&conf);
	for (i = 0; i < 16; i++)
		assert_int_equal(record_try(100 + (uint64_t)i, &why), 0);
	assert_int_equal(record_try(200, &why), -1);
	assert_non_null(strstr(why, "mt5.record_group_max"));
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	for (i = 0; i < 16; i++)
		assert_int_equal(record_try(300 + (uint64_t)i, &why), 0);
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	/* Bytes: a position record is over 80 bytes. */
	conf.mt5.record_group_max = 1000000;
	conf.mt5.record_group_bytes = 65536;
	trade_reconfigure(&conf);
	for (i = 0; i < 2000; i++)
		if (record_try(1000 + (uint64_t)i, &why) == -1)
			break;
	assert_true(i > 100 && i < 2000);
	assert_non_null(strstr(why, "mt5.record_group_bytes"));
}

/* A deal with profit, reported by the broker, then BROKER_SYNC. */
static void
broker_deal(uint64_t ticket, double profit)
{
	struct paper_record	 rec;
	const char		*why = NULL;

	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_DEAL;
	rec.op = PAPER_OP_PUT;
	rec.u.deal.ticket = ticket;
	rec.u.deal.time = (int64_t)time(NULL) * 1000;
	strlcpy(rec.u.deal.symbol, "EURUSD", sizeof(rec.u.deal.symbol));
	rec.u.deal.type = PAPER_DEAL_SELL;
	rec.u.deal.entry = PAPER_ENTRY_OUT;
	rec.u.deal.volume = 0.1;
	rec.u.deal.price = 1.1;
	rec.u.deal.profit = profit;
	if (record_send(&rec, &why) != 0)
		fail_msg("BROKER_RECORD: %s", why);
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
}

/*
 * trading.max_daily_loss counts from the monitor's own ledger: a deal
 * the broker reports again with a gain does not undo its loss, nor does
 * a restart, whatever the broker's stored deals say.
 */
static void
test_daily_loss_ledger(void **state)
{
	conf.trading.max_daily_loss = 50;
	trade_reconfigure(&conf);
	broker_deal(5, -100);
	assert_int_equal(order("o-1"), 0);
	assert_int_equal(res.status, 403);
	assert_non_null(strstr(res.message, "trading.max_daily_loss"));
	broker_deal(5, 1000);		/* the same deal, now a gain */
	assert_int_equal(order("o-2"), 0);
	assert_non_null(strstr(res.message, "trading.max_daily_loss"));
	broker_deal(4, 1000);		/* an older ticket: not new */
	assert_int_equal(order("o-3"), 0);
	assert_non_null(strstr(res.message, "trading.max_daily_loss"));
	/* A restart sums the ledger, not the broker's stored deals. */
	trade_close();
	if (trade_init(&conf, base, &io, err, sizeof(err)) != 0)
		fail_msg("trade_init: %s", err);
	trade_broker_ready();
	broker_up();
	assert_int_equal(order("o-4"), 0);
	assert_non_null(strstr(res.message, "trading.max_daily_loss"));
	/* A new deal's gain counts. */
	broker_deal(6, 60);
	assert_int_equal(order("o-5"), 1);
}

/* Key key_id's close of position ticket; 1 when it waits for the broker. */
static int
close_as(int64_t key_id, const char *role, uint64_t ticket)
{
	static struct msg_api_req	 q;
	struct auth_identity		 id;
	struct rpc_params		 p;
	const char			*why = NULL;
	size_t				 n;
	int				 r;

	memset(&p, 0, sizeof(p));
	p.op = OP_POSITION_CLOSE;
	p.ticket = ticket;
	memset(&q, 0, sizeof(q));
	q.op = OP_POSITION_CLOSE;
	strlcpy(q.address, "192.0.2.1", sizeof(q.address));
	n = rpc_params_encode(&p, q.params, sizeof(q.params));
	assert_true(n != (size_t)-1);
	q.params_len = (uint16_t)n;
	memset(&id, 0, sizeof(id));
	id.key_id = key_id;
	strlcpy(id.name, role, sizeof(id.name));
	strlcpy(id.role, role, sizeof(id.role));
	msg_api_res_reset(&res);
	r = trade_api(++last_net_id, &q, &id, &res, &why);
	if (r == -1)
		fail_msg("trade_api: %s", why);
	return r;
}

/*
 * trading.positions_scope key: an open position no order of heraldd's
 * opened (the broker reports it, no answer gave it an owner) belongs to
 * no key: a trader is refused, an admin is not; one an order of key 1
 * opened is key 1's.  A ticket that is not open goes to the broker.
 */
static void
test_positions_scope(void **state)
{
	/* Key 1's order opens position 8. */
	assert_int_equal(order("o-1"), 1);
	turn_end();
	broker_record(8);
	broker_done(nth_req(0)->id, 8);
	turn_end();
	broker_record(7);
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	assert_int_equal(close_as(1, "trader", 7), 0);
	assert_int_equal(res.status, 403);
	assert_non_null(strstr(res.message, "trading.positions_scope"));
	assert_non_null(strstr(res.message, "no order of heraldd"));
	assert_int_equal(close_as(9, "admin", 7), 1);
	assert_int_equal(close_as(1, "trader", 12345), 1);
	assert_int_equal(close_as(1, "trader", 8), 1);
	assert_int_equal(close_as(2, "trader", 8), 0);
	assert_int_equal(res.status, 403);
	assert_non_null(strstr(res.message, "another key's order"));
	conf.trading.positions_scope = CONF_SCOPE_ALL;
	trade_reconfigure(&conf);
	assert_int_equal(close_as(2, "trader", 8), 1);
}

/*
 * Pruning as orders come: the deal and command ids an order adds are
 * pruned in the commits that store them, every 1000 of those (a fixed
 * rule, herald.yaml.5's trading.journal_days): never more than the
 * newest 10000 command ids plus 1000 kept, the oldest go first, and a
 * deal (and its ledger entry) older than trading.journal_days goes
 * without a restart.
 */
static void
test_prune_as_orders_come(void **state)
{
	struct paper_record	 rec;
	const char		*why = NULL;
	char			 sql[160];
	int			 i, kept;

	conf.trading.journal_days = 1;
	trade_reconfigure(&conf);
	/* A deal two days old, as a broker with a backlog reports it. */
	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_DEAL;
	rec.op = PAPER_OP_PUT;
	rec.u.deal.ticket = 7;
	rec.u.deal.time = ((int64_t)time(NULL) - 2 * 86400) * 1000;
	strlcpy(rec.u.deal.symbol, "EURUSD", sizeof(rec.u.deal.symbol));
	rec.u.deal.type = PAPER_DEAL_SELL;
	rec.u.deal.entry = PAPER_ENTRY_OUT;
	rec.u.deal.volume = 0.1;
	rec.u.deal.price = 1.1;
	rec.u.deal.profit = -5;
	assert_int_equal(record_send(&rec, &why), 0);
	broker_msg(MSG_BROKER_SYNC, 0, NULL, 0, trade_broker_sync);
	turn_end();
	assert_int_equal(peek_count("SELECT count(*) FROM ledger"), 1);
	for (i = 1; i <= BACKEND_PAPER_MAX_COMMANDS + 2500; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.type = PAPER_REC_COMMAND;
		rec.op = PAPER_OP_PUT;
		snprintf(rec.u.command.id, sizeof(rec.u.command.id), "%d", i);
		rec.u.command.result.retcode = 10009;
		assert_int_equal(record_send(&rec, &why), 0);
		if (i % 500 == 0) {
			broker_msg(MSG_BROKER_SYNC, 0, NULL, 0,
			    trade_broker_sync);
			turn_end();
		}
		if (i == 1000) {
			/* The first step: the old deal went, not one id. */
			assert_int_equal(peek_count("SELECT count(*) FROM "
			    "broker_state WHERE type = 5"), 0);
			assert_int_equal(peek_count("SELECT count(*) FROM "
			    "ledger"), 0);
			assert_int_equal(peek_count("SELECT count(*) FROM "
			    "broker_state WHERE type = 6"), 1000);
		}
		if (i % 500 == 0)
			assert_true(peek_count("SELECT count(*) FROM "
			    "broker_state WHERE type = 6") <=
			    BACKEND_PAPER_MAX_COMMANDS + 1000);
	}
	/* The newest 10000 at the last step, and those stored since. */
	kept = (int)peek_count("SELECT count(*) FROM broker_state WHERE "
	    "type = 6");
	assert_true(kept >= BACKEND_PAPER_MAX_COMMANDS &&
	    kept <= BACKEND_PAPER_MAX_COMMANDS + 1000);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM broker_state WHERE "
	    "type = 6 AND CAST(key AS INTEGER) <= %d",
	    BACKEND_PAPER_MAX_COMMANDS + 2500 - kept);
	assert_int_equal(peek_count(sql), 0);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_record_group_bounded),
		T(test_daily_loss_ledger),
		T(test_positions_scope),
		T(test_prune_as_orders_come),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
