/*
 * terminal.cpp - MQL5's account, symbol, trade, position, order and
 * history functions for herald-mt5sim, on heraldd's paper engine
 * (broker/paper.h) standing in for the trade server.  The engine's
 * change stream gives OnTradeTransaction its events and the terminal
 * its order history.  Trade faults (requote, partial fill, 10024,
 * AutoTrading off, and the reply-lost and restart faults that strike
 * after an execution) are injected in OrderSend.
 *
 * With --state the trade server outlives the simulator: every record of
 * the change stream is appended to the state file and replayed at start
 * (paper_import), so a kill -9 of herald-mt5sim loses neither positions
 * nor the history the EA reconciles from.
 */
#include <cmath>
#include <map>

#include "sim.h"

struct paper_engine *sim_engine;

/* What the terminal remembers of orders (the engine forgets them). */
struct sim_hist_order {
	std::string	symbol;
	std::string	comment;
	ulong		magic;
	int		type;
	double		volume;
	double		price;
	int64_t		time;
};

static std::map<ulong, sim_hist_order> hist_orders;
static std::vector<ulong> sel_deals, sel_orders;
static ulong	sel_position, sel_order;
static std::vector<struct paper_walk> walks;
static FILE	*state;
static std::string state_out;	/* records not yet in the state file */
static ulong	deal_position;	/* of the last record, if a deal */

/*
 * The engine appends deals with increasing tickets: a binary search, so
 * the EA's history scans stay linear; a scan if the order was ever not so.
 */
static const struct paper_deal *
deal_by_ticket(ulong t)
{
	size_t	 lo = 0, hi = paper_deal_count(sim_engine);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct paper_deal *d = paper_deal_at(sim_engine, mid);
		if (d->ticket == t)
			return d;
		if (d->ticket < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < paper_deal_count(sim_engine); i++)
		if (paper_deal_at(sim_engine, i)->ticket == t)
			return paper_deal_at(sim_engine, i);
	return NULL;
}

static void
remember_order(ulong ticket, const char *sym, const char *comment,
    ulong magic, int type, double volume, double price, int64_t time)
{
	if (ticket == 0 || hist_orders.count(ticket))
		return;
	hist_orders[ticket] = sim_hist_order{sym, comment, magic, type, volume,
	    price, time};
}

/* The engine's change stream: the terminal's trade transactions. */
static int
on_record(const struct paper_record *r, void *arg)
{
	MqlTradeTransaction tx;

	if (state != NULL) {
		uint8_t buf[PAPER_RECORD_MAX + 4];
		size_t n = paper_record_encode(r, buf + 4, PAPER_RECORD_MAX);
		if (n != (size_t)-1) {
			buf[0] = (uint8_t)r->type;
			buf[1] = (uint8_t)r->op;
			buf[2] = (uint8_t)(n & 0xff);
			buf[3] = (uint8_t)(n >> 8);
			state_out.append((const char *)buf, n + 4);
		}
	}
	/*
	 * MT5 reports a position's change as TRADE_TRANSACTION_POSITION only
	 * when no deal made it (an SL/TP set); the engine emits a deal's
	 * position right after the deal.
	 */
	bool by_deal = r->type == PAPER_REC_POSITION &&
	    r->u.position.ticket == deal_position;
	deal_position = r->type == PAPER_REC_DEAL ? r->u.deal.position : 0;
	if (r->type == PAPER_REC_DEAL && r->op == PAPER_OP_PUT) {
		const struct paper_deal *d = &r->u.deal;
		remember_order(d->order, d->symbol, d->comment, d->magic,
		    d->type == PAPER_DEAL_SELL, d->volume, d->price, d->time);
		if (arg != NULL)	/* replaying the state file */
			return 0;
		tx.type = TRADE_TRANSACTION_DEAL_ADD;
		tx.deal = d->ticket;
		tx.order = d->order;
		tx.symbol = d->symbol;
		tx.price = d->price;
		tx.volume = d->volume;
		tx.position = d->position;
		sim_tx.push_back(tx);
	} else if (r->type == PAPER_REC_ORDER) {
		const struct paper_order *o = &r->u.order;
		bool known = hist_orders.count(o->ticket) != 0;
		if (r->op == PAPER_OP_PUT)
			remember_order(o->ticket, o->symbol, o->comment, o->magic,
			    o->type, o->volume, o->price, o->time_setup);
		if (arg != NULL)
			return 0;
		if (r->op == PAPER_OP_DEL) {
			tx.type = TRADE_TRANSACTION_ORDER_DELETE;
			/* The engine's record says why it went. */
			tx.order_state = (ENUM_ORDER_STATE)o->state;
		} else {
			tx.type = known ? TRADE_TRANSACTION_ORDER_UPDATE :
			    TRADE_TRANSACTION_ORDER_ADD;
			tx.order_state = ORDER_STATE_PLACED;
		}
		tx.order = o->ticket;
		tx.symbol = o->symbol;
		tx.order_type = (ENUM_ORDER_TYPE)o->type;
		tx.price = o->price;
		tx.volume = o->volume;
		sim_tx.push_back(tx);
	} else if (r->type == PAPER_REC_POSITION && arg == NULL && !by_deal) {
		/* Changed without a deal (SL/TP): MT5's POSITION kind. */
		const struct paper_position *p = &r->u.position;
		tx.type = TRADE_TRANSACTION_POSITION;
		tx.position = p->ticket;
		tx.symbol = p->symbol;
		tx.order_type = (ENUM_ORDER_TYPE)p->type;
		tx.price = p->price_open;
		tx.volume = p->volume;
		sim_tx.push_back(tx);
	}
	return 0;
}

static void
add_symbol(const char *name, const char *base, int digits, double contract,
    unsigned int filling, enum paper_calc_mode calc, double start)
{
	struct paper_symbol	 s = {};
	struct paper_walk	 w;
	const char		*why = NULL;
	double			 bid, ask;

	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.currency_base, sizeof(s.currency_base), "%s", base);
	snprintf(s.currency_profit, sizeof(s.currency_profit), "USD");
	s.digits = digits;
	s.point = std::pow(10.0, -digits);
	s.contract_size = contract;
	s.volume_min = 0.01;
	s.volume_max = 100;
	s.volume_step = 0.01;
	s.stops_level = 10;
	s.filling = filling;
	s.trade_mode = PAPER_TRADE_FULL;
	s.exec_mode = PAPER_EXEC_MARKET;
	s.calc_mode = calc;
	s.margin_hedged = PAPER_HEDGED_DEFAULT;
	if (paper_add_symbol(sim_engine, &s, &why) == -1) {
		sim_log("cannot add symbol %s: %s", name, why);
		exit(1);
	}
	paper_walk_init(&w, walks.size() + 1, 3, 2);
	walks.push_back(w);
	paper_walk_next(&walks.back(), &s, 0, start, &bid, &ask);
	paper_tick(sim_engine, name, bid, ask, sim_now_ms());
	if (sim_fault.market_closed)
		paper_set_session(sim_engine, name, 0);
}

/*
 * The account and the symbols a demo terminal shows: EURUSD fills FOK
 * or IOC, GBPUSD only IOC, XAUUSD (a CFD) only RETURN, so the EA's
 * choice of filling is exercised three ways.
 */
void
sim_engine_init(unsigned long seed, bool netting)
{
	struct paper_config	 c = {};

	snprintf(c.currency, sizeof(c.currency), "USD");
	c.leverage = 100;
	c.balance = 10000;
	c.mode = netting ? PAPER_NETTING : PAPER_HEDGING;
	if ((sim_engine = paper_new(&c)) == NULL) {
		sim_log("paper_new failed");
		exit(1);
	}
	(void)seed;
	add_symbol("EURUSD", "EUR", 5, 100000, PAPER_FILL_FOK | PAPER_FILL_IOC,
	    PAPER_CALC_FOREX, 1.08500);
	add_symbol("GBPUSD", "GBP", 5, 100000, PAPER_FILL_IOC, PAPER_CALC_FOREX,
	    1.26500);
	add_symbol("XAUUSD", "XAU", 2, 100, PAPER_FILL_RETURN,
	    PAPER_CALC_CFDLEVERAGE,
	    2350.00);
	for (size_t i = 0; i < walks.size(); i++)
		walks[i].state ^= seed * 0x9e3779b97f4a7c15ULL + 1;
	paper_set_journal(sim_engine, on_record, NULL);
}

/*
 * The records since the last call, in one write(2): a kill -9 leaves
 * all of an execution (its deal and its position) or none of it, as a
 * trade server would.  Before every frame the EA sends (io.cpp), so no
 * answer tells of what the file lacks, and once a loop turn.
 */
void
sim_state_flush(void)
{
	if (state == NULL || state_out.empty())
		return;
	if (fwrite(state_out.data(), 1, state_out.size(), state) !=
	    state_out.size() || fflush(state) == EOF) {
		sim_log("the state file cannot be written");
		exit(1);
	}
	state_out.clear();
}

/* Replay the trade server's state, then append to it. */
void
sim_state_open(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct paper_record r;
	uint8_t hdr[4], buf[PAPER_RECORD_MAX];
	const char *why = NULL;
	size_t n = 0;
	int replayed = 0;

	while (f != NULL && fread(hdr, 1, 4, f) == 4 &&
	    (n = hdr[2] | (size_t)hdr[3] << 8) <= sizeof(buf) &&
	    fread(buf, 1, n, f) == n) {
		if (paper_record_decode(hdr[0], hdr[1], buf, n, &r, &why) == -1 ||
		    paper_import(sim_engine, &r) == -1) {
			sim_log("state %s: record %d refused (%s): replay stops",
			    path, replayed + 1, why != NULL ? why : "import");
			break;
		}
		on_record(&r, &replayed);
		replayed++;
	}
	if (f != NULL)
		fclose(f);
	if ((state = fopen(path, "ab")) == NULL) {
		sim_log("cannot open the state file %s", path);
		exit(1);
	}
	sim_log("state %s: %d records replayed", path, replayed);
}

/* One step of every symbol's random walk (SL/TP and stop-outs follow). */
void
sim_engine_tick(void)
{
	for (size_t i = 0; i < walks.size(); i++) {
		const struct paper_symbol *s = paper_symbol_at(sim_engine, i);
		struct paper_quote q;
		double bid, ask;

		paper_quote_get(sim_engine, s->name, &q);
		paper_walk_next(&walks[i], s, q.bid, q.bid, &bid, &ask);
		paper_tick(sim_engine, s->name, bid, ask, sim_now_ms());
	}
}

/* --- terminal and account ---------------------------------------------- */

long
TerminalInfoInteger(int prop)
{
	if (prop == TERMINAL_TRADE_ALLOWED)
		return !sim_fault.autotrading_off;
	return prop == TERMINAL_CONNECTED;
}

long
MQLInfoInteger(int prop)
{
	return prop == MQL_TRADE_ALLOWED;
}

long
AccountInfoInteger(int prop)
{
	struct paper_account a;

	paper_account_get(sim_engine, &a);
	switch (prop) {
	case ACCOUNT_LOGIN:		return sim_login;
	case ACCOUNT_LEVERAGE:		return a.leverage;
	case ACCOUNT_MARGIN_MODE:	return a.mode;
	case ACCOUNT_TRADE_ALLOWED:	return 1;
	case ACCOUNT_TRADE_EXPERT:	return !sim_fault.experts_off;
	}
	return 0;
}

double
AccountInfoDouble(int prop)
{
	struct paper_account a;

	paper_account_get(sim_engine, &a);
	switch (prop) {
	case ACCOUNT_BALANCE:		return a.balance;
	case ACCOUNT_EQUITY:		return a.equity;
	case ACCOUNT_MARGIN:		return a.margin;
	case ACCOUNT_MARGIN_FREE:	return a.margin_free;
	case ACCOUNT_MARGIN_LEVEL:	return a.margin_level;
	}
	return 0;
}

string
AccountInfoString(int prop)
{
	struct paper_account a;

	paper_account_get(sim_engine, &a);
	if (prop == ACCOUNT_SERVER)
		return string(sim_server);
	return prop == ACCOUNT_CURRENCY ? string(a.currency) : string();
}

/* --- symbols -------------------------------------------------------------- */

static const struct paper_symbol *
symbol(const string &name)
{
	const struct paper_symbol *s = paper_symbol_get(sim_engine, name.s.c_str());

	if (s == NULL)
		mql_last_error = 4301;		/* ERR_MARKET_UNKNOWN_SYMBOL */
	return s;
}

bool
SymbolSelect(const string &name, bool on)
{
	(void)on;
	return symbol(name) != NULL;
}

bool
SymbolInfoTick(const string &name, MqlTick &t)
{
	struct paper_quote q;

	if (symbol(name) == NULL || paper_quote_get(sim_engine, name.s.c_str(), &q) == -1)
		return false;
	t.bid = q.bid;
	t.ask = q.ask;
	t.last = q.bid;
	t.time_msc = q.time;
	t.time = q.time / 1000;
	return true;
}

/*
 * A demo server trades every symbol round the clock: one session a day,
 * 00:00 to 24:00 in seconds of the day, none while the market is closed
 * (--fault market_closed, --manual "market closed").
 */
bool
SymbolInfoSessionTrade(const string &name, ENUM_DAY_OF_WEEK day, uint index,
    datetime &from, datetime &to)
{
	(void)day;
	if (symbol(name) == NULL || index != 0 || sim_fault.market_closed)
		return false;
	from = 0;
	to = 86400;
	return true;
}

long
SymbolInfoInteger(const string &name, int prop)
{
	const struct paper_symbol *s = symbol(name);

	if (s == NULL)
		return 0;
	switch (prop) {
	case SYMBOL_DIGITS:		return s->digits;
	case SYMBOL_TRADE_STOPS_LEVEL:	return s->stops_level;
	case SYMBOL_FILLING_MODE:
		return s->filling & (SYMBOL_FILLING_FOK | SYMBOL_FILLING_IOC);
	case SYMBOL_TRADE_EXEMODE:	return s->exec_mode;
	case SYMBOL_TRADE_MODE:		return s->trade_mode;
	case SYMBOL_TRADE_CALC_MODE:	return s->calc_mode;	/* MT5's */
	}
	return 0;
}

double
SymbolInfoDouble(const string &name, int prop)
{
	const struct paper_symbol *s = symbol(name);
	MqlTick t;

	if (s == NULL)
		return 0;
	SymbolInfoTick(name, t);
	switch (prop) {
	case SYMBOL_POINT:		return s->point;
	case SYMBOL_TRADE_CONTRACT_SIZE: return s->contract_size;
	case SYMBOL_VOLUME_MIN:		return s->volume_min;
	case SYMBOL_VOLUME_MAX:		return s->volume_max;
	case SYMBOL_VOLUME_STEP:	return s->volume_step;
	case SYMBOL_BID:		return t.bid;
	case SYMBOL_ASK:		return t.ask;
	}
	return 0;
}

string
SymbolInfoString(const string &name, int prop)
{
	const struct paper_symbol *s = symbol(name);

	if (s == NULL)
		return string();
	if (prop == SYMBOL_CURRENCY_PROFIT)
		return string(s->currency_profit);
	return string(s->currency_base);	/* base and margin */
}

/* --- trading -------------------------------------------------------------- */

static bool
to_paper(const MqlTradeRequest &m, struct paper_request &p)
{
	p = paper_request();
	if (m.type > ORDER_TYPE_SELL_STOP_LIMIT ||
	    m.action == TRADE_ACTION_CLOSE_BY)
		return false;		/* the engine has no close-by */
	p.action = (enum paper_action)m.action;
	p.magic = m.magic;
	p.order = m.order;
	snprintf(p.symbol, sizeof(p.symbol), "%s", m.symbol.s.c_str());
	p.volume = m.volume;
	p.price = m.price;
	p.sl = m.sl;
	p.tp = m.tp;
	p.deviation = m.deviation;
	p.stoplimit = m.stoplimit;
	p.type_time = (enum paper_type_time)m.type_time;
	p.expiration = (int64_t)m.expiration;
	p.type = (enum paper_order_type)m.type;
	p.type_filling = (enum paper_filling)m.type_filling;
	p.position = m.position;
	snprintf(p.comment, sizeof(p.comment), "%s", m.comment.s.c_str());
	return true;
}

bool
OrderCheck(const MqlTradeRequest &m, MqlTradeCheckResult &c)
{
	struct paper_request	 p;
	struct paper_check	 k;

	c = MqlTradeCheckResult();
	if (!to_paper(m, p)) {
		c.retcode = TRADE_RETCODE_INVALID;
		c.comment = "not in the simulator";
		return false;
	}
	c.retcode = paper_check(sim_engine, &p, sim_now_ms(), &k);
	c.balance = k.balance;
	c.equity = k.equity;
	c.margin = k.margin;
	c.margin_free = k.margin_free;
	c.margin_level = k.margin_level;
	c.comment = k.comment;
	return c.retcode == 0;
}

static bool
fault_answer(uint rc, const char *what, MqlTradeResult &r, const string &sym)
{
	MqlTick t;

	sim_log("fault: OrderSend answers %u (%s)", rc, what);
	r.retcode = rc;
	r.comment = what;
	if (SymbolInfoTick(sym, t)) {
		r.bid = t.bid;
		r.ask = t.ask;
	}
	return false;
}

bool
OrderSend(const MqlTradeRequest &m, MqlTradeResult &r)
{
	struct paper_request	 p;
	struct paper_result	 pr;
	const struct paper_symbol *s;
	bool			 partial = false;

	r = MqlTradeResult();
	if (sim_fault.autotrading_off)
		return fault_answer(TRADE_RETCODE_CLIENT_DISABLES_AT,
		    "AutoTrading disabled by client", r, m.symbol);
	if (sim_fault.experts_off)
		return fault_answer(TRADE_RETCODE_SERVER_DISABLES_AT,
		    "AutoTrading disabled by server", r, m.symbol);
	if (sim_fault.throttle > 0 && sim_fault.throttle--)
		return fault_answer(TRADE_RETCODE_TOO_MANY_REQUESTS,
		    "Too many requests", r, m.symbol);
	if (sim_fault.requote > 0 && sim_fault.requote--)
		return fault_answer(TRADE_RETCODE_REQUOTE, "Requote", r, m.symbol);
	if (!to_paper(m, p)) {
		r.retcode = TRADE_RETCODE_INVALID;
		r.comment = "Invalid request (not in the simulator)";
		return false;
	}
	s = paper_symbol_get(sim_engine, p.symbol);
	if (sim_fault.partial > 0 && m.action == TRADE_ACTION_DEAL && s != NULL &&
	    m.position == 0) {
		double half = std::floor(p.volume / 2 / s->volume_step + 1e-9) *
		    s->volume_step;
		if (half >= s->volume_min) {
			sim_fault.partial--;
			partial = true;
			p.volume = half;
			sim_log("fault: partial fill of %.2f lots", half);
		}
	}
	paper_send(sim_engine, &p, sim_now_ms(), &pr);
	r.retcode = pr.retcode;
	r.deal = pr.deal;
	r.order = pr.order;
	r.volume = pr.volume;
	r.price = pr.price;
	r.bid = pr.bid;
	r.ask = pr.ask;
	r.comment = pr.comment;
	if (partial && r.retcode == TRADE_RETCODE_DONE)
		r.retcode = TRADE_RETCODE_DONE_PARTIAL;
	if (r.retcode == TRADE_RETCODE_DONE || r.retcode == TRADE_RETCODE_PLACED ||
	    r.retcode == TRADE_RETCODE_DONE_PARTIAL) {
		if (sim_fault.reply_lost > 0 && sim_fault.reply_lost--) {
			sim_log("fault: the reply to this execution will be lost");
			sim_lose_reply = true;
		} else if (sim_fault.restart > 0 && sim_fault.restart--) {
			sim_log("fault: terminal restart after this execution");
			sim_lose_reply = true;
			sim_restart = 1;
		} else if (sim_fault.restart_wipe > 0 && sim_fault.restart_wipe--) {
			sim_log("fault: terminal restart without its Files folder");
			sim_lose_reply = true;
			sim_restart = 2;
		}
	}
	sim_state_flush();	/* the server has it before the EA hears */
	return r.retcode == TRADE_RETCODE_DONE || r.retcode == TRADE_RETCODE_PLACED ||
	    r.retcode == TRADE_RETCODE_DONE_PARTIAL;
}

/* --- positions and orders ------------------------------------------------- */

int PositionsTotal() { return (int)paper_position_count(sim_engine); }

ulong
PositionGetTicket(int i)
{
	if (i < 0 || i >= PositionsTotal())
		return sel_position = 0;
	return sel_position = paper_position_at(sim_engine, (size_t)i)->ticket;
}

long
PositionGetInteger(int prop)
{
	const struct paper_position *p = paper_position_get(sim_engine, sel_position);

	if (p == NULL)
		return 0;
	switch (prop) {
	case POSITION_TYPE:		return p->type;
	case POSITION_MAGIC:		return (long)p->magic;
	case POSITION_TIME_MSC:		return p->time;
	}
	return 0;
}

double
PositionGetDouble(int prop)
{
	const struct paper_position *p = paper_position_get(sim_engine, sel_position);
	struct paper_quote q;

	if (p == NULL)
		return 0;
	paper_quote_get(sim_engine, p->symbol, &q);
	switch (prop) {
	case POSITION_VOLUME:		return p->volume;
	case POSITION_PRICE_OPEN:	return p->price_open;
	case POSITION_PRICE_CURRENT:	return p->type == PAPER_ORDER_BUY ? q.bid : q.ask;
	case POSITION_SL:		return p->sl;
	case POSITION_TP:		return p->tp;
	case POSITION_PROFIT:		return paper_position_profit(sim_engine, p);
	}
	return 0;
}

string
PositionGetString(int prop)
{
	const struct paper_position *p = paper_position_get(sim_engine, sel_position);

	if (p == NULL)
		return string();
	return string(prop == POSITION_COMMENT ? p->comment : p->symbol);
}

bool
PositionSelectByTicket(ulong t)
{
	if (paper_position_get(sim_engine, t) == NULL)
		return false;
	sel_position = t;
	return true;
}

int OrdersTotal() { return (int)paper_order_count(sim_engine); }

bool
OrderSelect(ulong t)
{
	if (paper_order_get(sim_engine, t) == NULL)
		return false;
	sel_order = t;
	return true;
}

ulong
OrderGetTicket(int i)
{
	if (i < 0 || i >= OrdersTotal())
		return sel_order = 0;
	return sel_order = paper_order_at(sim_engine, (size_t)i)->ticket;
}

long
OrderGetInteger(int prop)
{
	const struct paper_order *o = paper_order_get(sim_engine, sel_order);

	if (o == NULL)
		return 0;
	switch (prop) {
	case ORDER_TYPE:		return o->type;
	case ORDER_MAGIC:		return (long)o->magic;
	case ORDER_TIME_SETUP_MSC:	return o->time_setup;
	case ORDER_TYPE_TIME:		return o->type_time;
	case ORDER_TIME_EXPIRATION:	return o->expiration;
	}
	return 0;
}

double
OrderGetDouble(int prop)
{
	const struct paper_order *o = paper_order_get(sim_engine, sel_order);

	if (o == NULL)
		return 0;
	switch (prop) {
	case ORDER_VOLUME_INITIAL:
	case ORDER_VOLUME_CURRENT:	return o->volume;
	case ORDER_PRICE_OPEN:		return o->price;
	case ORDER_PRICE_STOPLIMIT:	return o->stoplimit;
	case ORDER_SL:			return o->sl;
	case ORDER_TP:			return o->tp;
	}
	return 0;
}

string
OrderGetString(int prop)
{
	const struct paper_order *o = paper_order_get(sim_engine, sel_order);

	if (o == NULL)
		return string();
	return string(prop == ORDER_COMMENT ? o->comment : o->symbol);
}

/* --- history -------------------------------------------------------------- */

bool
HistorySelect(datetime from, datetime to)
{
	size_t n = paper_deal_count(sim_engine);

	sel_deals.clear();
	sel_orders.clear();
	for (size_t i = 0; i < n; i++) {
		const struct paper_deal *d = paper_deal_at(sim_engine, i);
		if (d->time / 1000 >= from && d->time / 1000 <= to)
			sel_deals.push_back(d->ticket);
	}
	for (const auto &o : hist_orders)
		if (o.second.time / 1000 >= from && o.second.time / 1000 <= to)
			sel_orders.push_back(o.first);
	return true;
}

int HistoryDealsTotal() { return (int)sel_deals.size(); }

ulong
HistoryDealGetTicket(int i)
{
	return i >= 0 && (size_t)i < sel_deals.size() ? sel_deals[(size_t)i] : 0;
}

bool HistoryDealSelect(ulong t) { return deal_by_ticket(t) != NULL; }

long
HistoryDealGetInteger(ulong t, int prop)
{
	const struct paper_deal *d = deal_by_ticket(t);

	if (d == NULL)
		return 0;
	switch (prop) {
	case DEAL_TYPE:		return d->type;
	case DEAL_ORDER:	return (long)d->order;
	case DEAL_POSITION_ID:	return (long)d->position;
	case DEAL_ENTRY:	return d->entry;
	case DEAL_REASON:	return d->reason;
	case DEAL_MAGIC:	return (long)d->magic;
	case DEAL_TIME_MSC:	return d->time;
	}
	return 0;
}

double
HistoryDealGetDouble(ulong t, int prop)
{
	const struct paper_deal *d = deal_by_ticket(t);

	if (d == NULL)
		return 0;
	switch (prop) {
	case DEAL_VOLUME:	return d->volume;
	case DEAL_PRICE:	return d->price;
	case DEAL_PROFIT:	return d->profit;
	case DEAL_COMMISSION:	return d->commission;
	case DEAL_SWAP:		return d->swap;
	}
	return 0;
}

string
HistoryDealGetString(ulong t, int prop)
{
	const struct paper_deal *d = deal_by_ticket(t);

	if (d == NULL)
		return string();
	return string(prop == DEAL_COMMENT ? d->comment : d->symbol);
}

int HistoryOrdersTotal() { return (int)sel_orders.size(); }

ulong
HistoryOrderGetTicket(int i)
{
	return i >= 0 && (size_t)i < sel_orders.size() ? sel_orders[(size_t)i] : 0;
}

long
HistoryOrderGetInteger(ulong t, int prop)
{
	auto o = hist_orders.find(t);

	if (o == hist_orders.end())
		return 0;
	if (prop == ORDER_MAGIC)
		return (long)o->second.magic;
	return prop == ORDER_TYPE ? o->second.type : 0;
}

double
HistoryOrderGetDouble(ulong t, int prop)
{
	auto o = hist_orders.find(t);

	if (o == hist_orders.end())
		return 0;
	if (prop == ORDER_PRICE_OPEN)
		return o->second.price;
	return prop == ORDER_VOLUME_INITIAL ? o->second.volume : 0;
}

string
HistoryOrderGetString(ulong t, int prop)
{
	auto o = hist_orders.find(t);

	if (o == hist_orders.end())
		return string();
	return string(prop == ORDER_COMMENT ? o->second.comment : o->second.symbol);
}
