/*
 * The broker's answers and records, on their way into the journal and
 * the account store.  See trading.h and trading_int.h.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "journal.h"
#include "mt5.h"
#include "log.h"
#include "metrics_mon.h"
#include "msg.h"
#include "record.h"
#include "risk.h"
#include "store.h"
#include "trade.h"
#include "trading_int.h"

/* --- the answers -------------------------------------------------------- */

/* An answer as journal_store_answer() kept it. */
int
answer_decode(const uint8_t *buf, size_t len, struct msg_api_res *res)
{
	struct ipc_msg	 m;
	const char	*why;

	memset(&m, 0, sizeof(m));
	if (len > MSG_MAX)
		return -1;
	m.data = buf;
	m.hdr.len = (uint32_t)len;
	m.fd = -1;
	return msg_api_res_decode(&m, res, &why);
}

int
answer_has_result(const struct msg_api_res *res)
{
	return res->status == 200 || res->status == 422;
}

/*
 * An order MT5 did not execute is 422 order_rejected, with the whole
 * order answer, so that a client that looks at the status alone never
 * takes it for a success.  Decided once, here, and journaled as such:
 * a repeat gets the same status.
 */
void
answer_classify(struct msg_api_res *res, const struct trade_result *r)
{
	if (res->status != 200 || trade_executed(r->retcode))
		return;
	if (r->retcode == PAPER_RC_CLIENT_DISABLES_AT ||
	    r->retcode == PAPER_RC_SERVER_DISABLES_AT) {
		autotrading_refuse(res, r->retcode == PAPER_RC_SERVER_DISABLES_AT);
		return;
	}
	res->status = 422;
	strlcpy(res->code, "order_rejected", sizeof(res->code));
	snprintf(res->message, sizeof(res->message), "MT5 did not execute "
	    "the order: retcode %u %s", r->retcode, r->message);
}

/*
 * Put client_order_id and the duplicate flag into an order's result
 * (a 200 or 422 answer; others are left alone).  out, if not NULL, gets
 * the result as stamped.
 */
int
result_stamp(struct msg_api_res *res, const char *coid, int duplicate,
    struct trade_result *out)
{
	struct trade_result	 r;
	const char		*why;
	size_t			 n;

	if (!answer_has_result(res))
		return 0;
	if (trade_result_decode(res->result, res->result_len, &r, &why) == -1)
		return -1;
	strlcpy(r.client_order_id, coid, sizeof(r.client_order_id));
	r.duplicate = duplicate ? 1 : 0;
	if ((n = trade_result_encode(&r, res->result, sizeof(res->result))) ==
	    (size_t)-1)
		return -1;
	res->result_len = (uint32_t)n;
	if (out != NULL)
		*out = r;
	return 0;
}

/*
 * MT5 executes nothing an EA sends while AutoTrading is off: 503, and
 * what to switch on.  server: the trade server refuses experts.
 */
void
autotrading_refuse(struct msg_api_res *res, int server)
{
	if (server)
		msg_api_res_set(res, 503, "autotrading_disabled", 0, "the "
		    "trade server disables automated trading for this "
		    "account (ACCOUNT_TRADE_EXPERT): ask the broker to allow "
		    "it");
	else
		msg_api_res_set(res, 503, "autotrading_disabled", 0,
		    "AutoTrading is off in the MT5 terminal: switch on Algo "
		    "Trading in its toolbar (TERMINAL_TRADE_ALLOWED) and "
		    "'Allow Algo Trading' in the EA's properties");
}

/* "****5678": enough for a user to recognise the account. */
static void
mask_login(const char *login, char *out, size_t outlen)
{
	size_t	 n = strlen(login);

	if (n == 0)
		strlcpy(out, "paper", outlen);
	else if (n <= 4)
		strlcpy(out, "****", outlen);
	else
		snprintf(out, outlen, "****%s", login + n - 4);
}

/* Check a read's answer against its op; fill in what only we know. */
static int
read_result_check(uint8_t op, struct msg_api_res *res, const char **why)
{
	static union {
		struct trade_account	a;
		struct trade_positions	p;
		struct trade_orders	o;
		struct trade_symbol	s;
	} u;
	size_t	 n;

	if (res->status != 200)
		return 0;
	/* Every op of the catalogue, no default: a new read must be placed. */
	switch ((enum api_op)op) {
	case OP_ACCOUNT:
		if (trade_account_decode(res->result, res->result_len, &u.a,
		    why) == -1)
			return -1;
		mask_login(tr.conf->mt5.login, u.a.login, sizeof(u.a.login));
		/* The floating profit the margin level rule counts. */
		risk_account(tr.risk, u.a.balance + u.a.credit, u.a.equity);
		n = trade_account_encode(&u.a, res->result,
		    sizeof(res->result));
		if (n == (size_t)-1) {
			*why = "account does not fit";
			return -1;
		}
		res->result_len = (uint32_t)n;
		return 0;
	case OP_POSITIONS:
		return trade_positions_decode(res->result, res->result_len,
		    &u.p, why);
	case OP_ORDERS:
		return trade_orders_decode(res->result, res->result_len,
		    &u.o, why);
	case OP_SYMBOL:
		return trade_symbol_decode(res->result, res->result_len,
		    &u.s, why);
	case OP_NONE:
	case OP_STATUS:
	case OP_TRADE:
	case OP_POSITION_CLOSE:
	case OP_POSITION_MODIFY:
	case OP_ORDER_CANCEL:
	case OP_ORDER_MODIFY:
	case OP_AUDIT:
	case OP_READY:
	case OP_ORDER_GET:
	case OP_ORDER_FIND:
	case OP_METRICS:
	case OP_EVENTS:
	case OP_DEALS:
	case OP_MAX:
		break;
	}
	*why = "answer to an operation that was not asked";
	return -1;
}

/*
 * The journal keeps the whole answer, encoded, so that a repeat gets
 * exactly what the first request got.  The encoding is returned (valid
 * until the next call), to be held for net as it is.
 */
const uint8_t *
journal_store_answer(int64_t id, const struct msg_api_res *res, size_t *np)
{
	static uint8_t	 buf[MSG_MAX];
	struct wop	*w;

	*np = msg_api_res_encode(buf, sizeof(buf), res);
	w = wop_new(WOP_FINISH, buf, *np);
	w->id = id;
	w->state = res->status == 200 ? JOURNAL_DONE : JOURNAL_FAILED;
	w->now = trade_now_ms() / 1000;
	write_op(w);
	return buf;
}

/*
 * The tickets an executed order opened or changed are its key's from now
 * on (trading.positions_scope), in the batch that stores its answer.
 * The first owner of a ticket stays (store_owner_put).
 */
void
owner_record(const struct tx *t, const struct trade_result *r)
{
	uint64_t	 tickets[2] = { r->order, r->position };
	struct wop	*w;
	size_t		 i;

	if (!trade_executed(r->retcode))
		return;
	for (i = 0; i < 2; i++) {
		if (tickets[i] == 0 || tickets[i] > INT64_MAX ||
		    (i == 1 && tickets[1] == tickets[0]))
			continue;
		w = wop_new(WOP_OWNER, NULL, 0);
		w->ticket = tickets[i];
		w->key_id = t->key_id;
		w->id = t->command_id;
		write_op(w);
	}
}

/*
 * An order's outcome in the audit trail, written with its answer (a
 * held write, so a storage fault writes it later, with the answer).
 * r NULL: no result from the backend (refused, timed out).
 */
void
order_audit(const struct tx *t, const struct msg_api_res *res,
    const struct trade_result *r)
{
	struct audit_row	 row;
	struct wop		*w;
	json_t			*d;
	char			 actor[80];

	d = t->audit != NULL ? json_deep_copy(t->audit) : json_pack(
	    "{s:I, s:s}", "command_id", (json_int_t)t->command_id,
	    "client_order_id", t->coid);
	if (d == NULL)
		fatalx("order %" PRId64 ": audit detail", t->command_id);
	json_object_set_new(d, "status", json_integer(res->status));
	json_object_set_new(d, "code", json_string(res->code));
	if (r != NULL) {
		json_object_set_new(d, "retcode", json_integer(r->retcode));
		json_object_set_new(d, "order", json_integer(
		    (json_int_t)r->order));
		json_object_set_new(d, "deal", json_integer(
		    (json_int_t)r->deal));
		json_object_set_new(d, "position", json_integer(
		    (json_int_t)r->position));
	}
	if (t->key[0] != '\0')
		snprintf(actor, sizeof(actor), "key %s", t->key);
	else
		strlcpy(actor, "heraldd", sizeof(actor));
	if (audit_row_make(&row, "order", actor, t->key, t->addr, d) == -1)
		fatalx("order %" PRId64 ": audit row too long", t->command_id);
	w = wop_new(WOP_AUDIT, &row, sizeof(row));
	write_op(w);
}

static int
answer_write(struct tx *t, struct msg_api_res *res, const char **why)
{
	struct trade_result	 r;
	const uint8_t		*enc;
	size_t			 i, n;

	if (result_stamp(res, t->coid, 0, &r) == -1) {
		*why = "order result does not decode";
		return -1;
	}
	answer_classify(res, &r);
	if (answer_has_result(res))
		owner_record(t, &r);
	metrics_mon_order(res->status, answer_has_result(res) ? r.retcode : 0,
	    metrics_now_us() - t->started_us);
	enc = journal_store_answer(t->command_id, res, &n);
	order_audit(t, res, answer_has_result(res) ? &r : NULL);
	event_answer(t, res, &r);
	if (answer_has_result(res))
		log_info("order %" PRId64 " (%s) %s: retcode %u %s",
		    t->command_id, t->coid, t->what, r.retcode, r.message);
	if (!t->answered)
		hold_encoded(t->waiters[0], enc, n, HELD_UNKNOWN);
	/* Requests that repeated this one while it was in flight. */
	if (t->nwaiters > 1 && answer_has_result(res))
		(void)result_stamp(res, t->coid, 1, NULL);
	for (i = 1; i < t->nwaiters; i++)
		hold_answer(t->waiters[i], res, HELD_UNKNOWN);
	return 0;
}

/* --- records from the broker -------------------------------------------- */

/* MT5's order types alternate buy, sell: BUY 0, SELL 1, BUY_LIMIT 2... */
static int
record_side(enum paper_order_type type)
{
	return ((unsigned)type % 2) == 0 ? RPC_SIDE_BUY : RPC_SIDE_SELL;
}

void
record_track(const struct paper_record *rec)
{
	const struct paper_position	*ps = &rec->u.position;
	const struct paper_order	*po = &rec->u.order;
	struct risk_lots		 l;
	int				 open = rec->op == PAPER_OP_PUT;

	switch (rec->type) {
	case PAPER_REC_POSITION:
		risk_track(tr.risk, RISK_POSITION, ps->ticket, ps->symbol,
		    open);
		if (!open)
			break;
		l = (struct risk_lots){ record_side(ps->type), ps->volume,
		    ps->margin, ps->price_open };
		risk_lots(tr.risk, RISK_POSITION, ps->ticket, &l);
		break;
	case PAPER_REC_ORDER:
		risk_track(tr.risk, RISK_ORDER, po->ticket, po->symbol, open);
		if (!open)
			break;
		l = (struct risk_lots){ record_side(po->type), po->volume, 0,
		    po->price };
		risk_lots(tr.risk, RISK_ORDER, po->ticket, &l);
		break;
	case PAPER_REC_ACCOUNT:
		risk_balance(tr.risk, rec->u.account.balance +
		    rec->u.account.credit);
		break;
	default:
		break;
	}
}

/*
 * Pruning as orders come (herald.yaml.5, trading.journal_days): the
 * account's history grows by a deal and a command id per order.  After
 * every PRUNE_STEP of those stored, the batch that stores the last also
 * forgets the command ids beyond the newest BACKEND_PAPER_MAX_COMMANDS
 * (all the broker is given at start), and the deals and ledger entries
 * older than trading.journal_days: the store never holds more than
 * BACKEND_PAPER_MAX_COMMANDS + PRUNE_STEP command ids, and a step costs
 * the rows it deletes (each statement reads its table from the oldest).
 */
#define PRUNE_STEP	1000

static void
prune_as_we_go(const struct paper_record *rec)
{
	struct wop	*w;

	if (rec->op != PAPER_OP_PUT || (rec->type != PAPER_REC_COMMAND &&
	    rec->type != PAPER_REC_DEAL))
		return;
	if (rec->type == PAPER_REC_COMMAND)
		tr.commands++;
	if (++tr.grown < PRUNE_STEP)
		return;
	w = wop_new(WOP_PRUNE, NULL, 0);
	w->id = tr.commands > BACKEND_PAPER_MAX_COMMANDS ?
	    tr.commands - BACKEND_PAPER_MAX_COMMANDS : 0;
	w->time_ms = (time(NULL) -
	    (int64_t)tr.conf->trading.journal_days * 86400) * 1000;
	tr.commands -= w->id;
	tr.grown = 0;
	write_op(w);
}

int
wop_prune(const struct wop *w)
{
	if (store_prune_oldest(tr.store, PAPER_REC_COMMAND,
	    (size_t)w->id) == -1 ||
	    store_prune_before(tr.store, PAPER_REC_DEAL, w->time_ms) == -1 ||
	    store_ledger_prune_some(tr.store, w->time_ms,
	    2 * PRUNE_STEP) == -1)
		return -1;
	return 0;
}

static int
record_store(const struct paper_record *rec, const uint8_t *body, size_t len)
{
	char		 key[PAPER_CMDID_MAX];
	struct wop	*w;

	if (paper_record_key(rec, key, sizeof(key)) == -1)
		return -1;
	if (rec->op == PAPER_OP_DEL)
		w = wop_new(WOP_DEL, NULL, 0);
	else {
		w = wop_new(WOP_PUT, body, len);
		w->time_ms = paper_record_time(rec);
		w->profit = paper_record_profit(rec);
	}
	w->type = (uint8_t)rec->type;
	strlcpy(w->key, key, sizeof(w->key));
	write_op(w);
	prune_as_we_go(rec);
	return 0;
}

/* --- the broker's messages ---------------------------------------------- */

/*
 * A deal's realised profit counts for trading.max_daily_loss once, when
 * the broker first reports it (its ticket above every one seen), and
 * goes into the monitor's own ledger: a broker that reports a deal
 * again with another profit, or drops it, changes neither.
 */
static void
ledger_record(const struct paper_record *rec)
{
	struct wop	*w;
	double		 profit = paper_record_profit(rec);

	if (!risk_deal_new(tr.risk, rec->u.deal.ticket)) {
		log_debug("deal %" PRIu64 " reported again: the first report "
		    "stands", rec->u.deal.ticket);
		return;
	}
	risk_realised(tr.risk, rec->u.deal.time, profit);
	if (rec->u.deal.ticket == 0 || rec->u.deal.ticket > INT64_MAX)
		return;
	w = wop_new(WOP_LEDGER, NULL, 0);
	w->ticket = rec->u.deal.ticket;
	w->time_ms = rec->u.deal.time;
	w->profit = profit;
	write_op(w);
}

/*
 * A group of records (up to the BROKER_SYNC or BROKER_RES that ends it)
 * is held until it commits: a broker that never ends one, or sends
 * more than mt5.record_group_max records or record_group_bytes bytes
 * in one, breaks the rules and takes the daemon down.
 */
static int
group_bound(size_t len, const char **why)
{
	static char	 buf[128];

	if (!tr.group_open) {
		tr.group_records = 0;
		tr.group_bytes = 0;
	}
	tr.group_records++;
	tr.group_bytes += len;
	if (tr.group_records > (uint64_t)tr.conf->mt5.record_group_max) {
		snprintf(buf, sizeof(buf), "more than %d records in one group "
		    "(mt5.record_group_max)", tr.conf->mt5.record_group_max);
		*why = buf;
		return -1;
	}
	if (tr.group_bytes > (uint64_t)tr.conf->mt5.record_group_bytes) {
		snprintf(buf, sizeof(buf), "more than %d bytes of records in "
		    "one group (mt5.record_group_bytes)",
		    tr.conf->mt5.record_group_bytes);
		*why = buf;
		return -1;
	}
	return 0;
}

int
trade_broker_record(const struct ipc_msg *m, const char **why)
{
	static struct msg_broker_record	 mr;
	struct paper_record		 rec;

	if (tr.state == BS_STOPPED || tr.state == BS_STARTING) {
		*why = "state change before the backend is up";
		return -1;
	}
	if (msg_broker_record_decode(m, &mr, why) == -1 ||
	    paper_record_decode(mr.type, mr.op, mr.data, mr.len, &rec,
	    why) == -1)
		return -1;
	if (rec.type == PAPER_REC_QUOTE) {
		*why = "quotes are not state";
		return -1;
	}
	if (group_bound(mr.len, why) == -1)
		return -1;
	tr.group_open = 1;
	if (record_store(&rec, mr.data, mr.len) == -1) {
		*why = "record without a key";
		return -1;
	}
	record_track(&rec);
	event_record(&rec);
	if (rec.type == PAPER_REC_DEAL && rec.op == PAPER_OP_PUT)
		ledger_record(&rec);
	return 0;
}

int
trade_broker_sync(const struct ipc_msg *m, const char **why)
{
	if (!tr.group_open) {
		*why = "BROKER_SYNC without records";
		return -1;
	}
	tr.group_open = 0;
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
	return 0;
}

int
trade_broker_res(const struct ipc_msg *m, const char **why)
{
	static struct msg_api_res	 res;
	struct tx			*t;
	int				 r = 0;

	tr.group_open = 0;
	event_active(tr.commit_ev, EV_TIMEOUT, 0);
	if (msg_api_res_decode(m, &res, why) == -1)
		return -1;
	if ((t = tx_find(m->hdr.id)) == NULL) {
		*why = "answer to no request";
		return -1;
	}
	if (t->timer != NULL)
		evtimer_del(t->timer);
	switch (t->kind) {
	case TX_WRITE:
		r = answer_write(t, &res, why);
		break;
	case TX_FIND:
		r = answer_find(t, &res, why);
		break;
	case TX_READ:
		if ((r = read_result_check(t->op, &res, why)) == 0 &&
		    !t->answered)
			answer_now(t->waiters[0], &res);
		break;
	}
	tx_free(&tr.txs, t);
	return r;
}

