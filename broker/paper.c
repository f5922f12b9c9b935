/*
 * The paper engine: an MT5 trade server in miniature.  A request goes
 * through the checks in the order the server applies them (shape,
 * symbol, trade mode, session, quotes, volume, filling, price, stops,
 * limits, margin) and only then changes state; every change is handed to
 * the journal callback as a record so the monitor can persist it.  No
 * I/O, no clock, no libm, no globals: the broker runs this in its
 * sandbox and the bridge simulator links it as it is (with
 * common/trade.c, which holds the return codes' descriptions).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "trade.h"

#define PAPER_DEFAULT_STOP_OUT	50.0
#define PAPER_DEFAULT_MAX	1000
#define PAPER_MAX_LEVERAGE	10000
#define PAPER_MAX_SYMBOLS	256
#define PAPER_VOLUME_EPS	1e-8
/* Larger than any sane price, volume or balance; keeps sums finite. */
#define PAPER_HUGE		1e15

struct paper_cmdslot {
	uint32_t	 idx;		/* into commands, +1; 0: empty */
};

struct paper_engine {
	struct paper_config	 conf;
	struct paper_account_state st;

	struct paper_symbol	*syms;
	struct paper_quote	*quotes;
	size_t			 nsyms;

	struct paper_position	*pos;
	size_t			 npos, cappos;
	struct paper_order	*ord;
	size_t			 nord, capord;
	struct paper_deal	*deals;
	size_t			 ndeals, capdeals;
	struct paper_command	*cmds;
	size_t			 ncmds, capcmds;
	struct paper_cmdslot	*cmdhash;
	size_t			 hashsz;	/* power of two */

	paper_record_cb		 journal;
	void			*journal_arg;
};

/* Arithmetic without libm, so nothing outside libc is needed. */

static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

static int
finite_in(double x, double lo, double hi)
{
	return x == x && x >= lo && x <= hi;	/* NaN fails x == x */
}

static double
pow10i(int n)
{
	double	p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

static int
str_ok(const char *s, size_t sz)
{
	return memchr(s, '\0', sz) != NULL;
}

static void
set_comment(char *dst, const char *src)
{
	strlcpy(dst, src, PAPER_COMMENT_MAX);
}

/* Grow an array of elements of size sz to hold one more. */
static int
grow(void **p, size_t *cap, size_t n, size_t sz)
{
	void	*np;
	size_t	 ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / sz)
		return -1;
	if ((np = realloc(*p, ncap * sz)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The change stream. */

static void
emit(struct paper_engine *e, const struct paper_record *r)
{
	if (e->journal != NULL)
		(void)e->journal(r, e->journal_arg);
}

static void
emit_account(struct paper_engine *e)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_ACCOUNT;
	r.op = PAPER_OP_PUT;
	r.u.account = e->st;
	emit(e, &r);
}

static void
emit_position(struct paper_engine *e, const struct paper_position *p,
    enum paper_rec_op op)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_POSITION;
	r.op = op;
	memcpy(&r.u.position, p, sizeof(*p));
	emit(e, &r);
}

static void
emit_order(struct paper_engine *e, const struct paper_order *o,
    enum paper_rec_op op)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_ORDER;
	r.op = op;
	memcpy(&r.u.order, o, sizeof(*o));
	emit(e, &r);
}

static void
emit_deal(struct paper_engine *e, const struct paper_deal *d)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_DEAL;
	r.op = PAPER_OP_PUT;
	memcpy(&r.u.deal, d, sizeof(*d));
	emit(e, &r);
}

/* Engine life cycle and symbols. */

struct paper_engine *
paper_new(const struct paper_config *conf)
{
	struct paper_engine	*e;

	if (!str_ok(conf->currency, sizeof(conf->currency)) ||
	    strlen(conf->currency) != 3 ||
	    conf->leverage < 1 || conf->leverage > PAPER_MAX_LEVERAGE ||
	    !finite_in(conf->balance, 0, PAPER_HUGE) ||
	    !finite_in(conf->credit, 0, PAPER_HUGE) ||
	    !finite_in(conf->stop_out_level, 0, 1000) ||
	    (conf->mode != PAPER_NETTING && conf->mode != PAPER_HEDGING))
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->conf = *conf;
	if (e->conf.stop_out_level == 0)
		e->conf.stop_out_level = PAPER_DEFAULT_STOP_OUT;
	if (e->conf.max_positions == 0)
		e->conf.max_positions = PAPER_DEFAULT_MAX;
	if (e->conf.max_orders == 0)
		e->conf.max_orders = PAPER_DEFAULT_MAX;
	e->st.balance = paper_money(conf->balance);
	e->st.credit = paper_money(conf->credit);
	e->st.next_order = 1;
	e->st.next_deal = 1;
	return e;
}

void
paper_free(struct paper_engine *e)
{
	if (e == NULL)
		return;
	free(e->syms);
	free(e->quotes);
	free(e->pos);
	free(e->ord);
	free(e->deals);
	free(e->cmds);
	free(e->cmdhash);
	free(e);
}

void
paper_set_journal(struct paper_engine *e, paper_record_cb cb, void *arg)
{
	e->journal = cb;
	e->journal_arg = arg;
}

static ssize_t
sym_index(const struct paper_engine *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->nsyms; i++)
		if (strcmp(e->syms[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* The step must divide the range, within rounding. */
static int
on_step(double v, double step)
{
	double	n = v / step;

	return dabs(n - paper_round(n, 0)) < 1e-6;
}

static const char *
symbol_invalid(const struct paper_engine *e, const struct paper_symbol *s)
{
	const char	*acct = e->conf.currency;

	if (!str_ok(s->name, sizeof(s->name)) || s->name[0] == '\0')
		return "name";
	if (!str_ok(s->currency_base, sizeof(s->currency_base)) ||
	    !str_ok(s->currency_profit, sizeof(s->currency_profit)))
		return "currency";
	if (strcmp(s->currency_base, acct) != 0 &&
	    strcmp(s->currency_profit, acct) != 0)
		return "currency: neither base nor profit is the account's";
	if (s->calc_mode == PAPER_CALC_CFD &&
	    strcmp(s->currency_profit, acct) != 0)
		return "currency: a CFD must be priced in the account currency";
	if (s->calc_mode != PAPER_CALC_FOREX && s->calc_mode != PAPER_CALC_CFD)
		return "calc_mode";
	if (s->digits < 0 || s->digits > 8)
		return "digits";
	if (!finite_in(s->point, 1e-9, 1) ||
	    dabs(s->point - 1 / pow10i(s->digits)) > s->point * 1e-6)
		return "point";
	if (!finite_in(s->contract_size, 1e-6, PAPER_HUGE))
		return "contract_size";
	if (!finite_in(s->volume_step, 1e-8, 1e6))
		return "volume_step";
	if (!finite_in(s->volume_min, s->volume_step, 1e6) ||
	    !on_step(s->volume_min, s->volume_step))
		return "volume_min";
	if (!finite_in(s->volume_max, s->volume_min, 1e6) ||
	    !on_step(s->volume_max, s->volume_step))
		return "volume_max";
	if (s->stops_level < 0 || s->stops_level > 1000000)
		return "stops_level";
	if ((s->filling & ~(PAPER_FILL_FOK | PAPER_FILL_IOC |
	    PAPER_FILL_RETURN)) != 0 || s->filling == 0)
		return "filling";
	if (s->trade_mode < PAPER_TRADE_DISABLED ||
	    s->trade_mode > PAPER_TRADE_FULL)
		return "trade_mode";
	if (s->exec_mode != PAPER_EXEC_INSTANT &&
	    s->exec_mode != PAPER_EXEC_MARKET)
		return "exec_mode";
	if (!finite_in(s->liquidity, 0, 1e6))
		return "liquidity";
	if (sym_index(e, s->name) >= 0)
		return "name: duplicate symbol";
	if (e->nsyms >= PAPER_MAX_SYMBOLS)
		return "name: too many symbols";
	return NULL;
}

int
paper_add_symbol(struct paper_engine *e, const struct paper_symbol *s,
    const char **why)
{
	struct paper_symbol	*ns;
	struct paper_quote	*nq;
	const char		*bad;

	if ((bad = symbol_invalid(e, s)) != NULL) {
		*why = bad;
		return -1;
	}
	ns = reallocarray(e->syms, e->nsyms + 1, sizeof(*ns));
	if (ns == NULL) {
		*why = "out of memory";
		return -1;
	}
	e->syms = ns;
	nq = reallocarray(e->quotes, e->nsyms + 1, sizeof(*nq));
	if (nq == NULL) {
		*why = "out of memory";
		return -1;
	}
	e->quotes = nq;
	e->syms[e->nsyms] = *s;
	memset(&e->quotes[e->nsyms], 0, sizeof(e->quotes[0]));
	strlcpy(e->quotes[e->nsyms].symbol, s->name, PAPER_SYMBOL_MAX);
	e->quotes[e->nsyms].session_open = 1;
	e->nsyms++;
	return 0;
}

const struct paper_symbol *
paper_symbol_get(const struct paper_engine *e, const char *name)
{
	ssize_t	i = sym_index(e, name);

	return i < 0 ? NULL : &e->syms[i];
}

size_t
paper_symbol_count(const struct paper_engine *e)
{
	return e->nsyms;
}

const struct paper_symbol *
paper_symbol_at(const struct paper_engine *e, size_t i)
{
	return i < e->nsyms ? &e->syms[i] : NULL;
}

int
paper_set_session(struct paper_engine *e, const char *name, int open)
{
	ssize_t	i = sym_index(e, name);

	if (i < 0)
		return -1;
	e->quotes[i].session_open = open != 0;
	return 0;
}

int
paper_quote_get(const struct paper_engine *e, const char *name,
    struct paper_quote *q)
{
	ssize_t	i = sym_index(e, name);

	if (i < 0)
		return -1;
	*q = e->quotes[i];
	return 0;
}

/* Money: margin, profit, the account. */

static int
is_acct(const struct paper_engine *e, const char *ccy)
{
	return strcmp(ccy, e->conf.currency) == 0;
}

double
paper_margin_calc(const struct paper_engine *e, const struct paper_symbol *s,
    double volume, double price)
{
	double	m = volume * s->contract_size / e->conf.leverage;

	/*
	 * Forex margin is in the base currency: already the account's for
	 * USDJPY, times the price for EURUSD.  A CFD's is price-based.
	 */
	if (s->calc_mode == PAPER_CALC_CFD || !is_acct(e, s->currency_base))
		m *= price;
	return paper_money(m);
}

/* Profit in account currency of closing volume at close price. */
static double
profit_at(const struct paper_engine *e, const struct paper_symbol *s,
    enum paper_order_type type, double open, double close, double volume)
{
	double	diff, p;

	diff = type == PAPER_ORDER_BUY ? close - open : open - close;
	p = diff * volume * s->contract_size;
	if (!is_acct(e, s->currency_profit) && close > 0)
		p /= close;	/* USDJPY: yen to dollars at the close */
	return paper_money(p);
}

/* The price a position closes at: bid for a buy, ask for a sell. */
static double
close_price(const struct paper_quote *q, enum paper_order_type type)
{
	return type == PAPER_ORDER_BUY ? q->bid : q->ask;
}

double
paper_position_profit(const struct paper_engine *e,
    const struct paper_position *p)
{
	ssize_t	i = sym_index(e, p->symbol);

	if (i < 0 || e->quotes[i].bid <= 0)
		return 0;
	return profit_at(e, &e->syms[i], p->type, p->price_open,
	    close_price(&e->quotes[i], p->type), p->volume);
}

double
paper_tick_value(const struct paper_engine *e, const char *name)
{
	ssize_t	i = sym_index(e, name);
	double	v;

	if (i < 0)
		return 0;
	v = e->syms[i].point * e->syms[i].contract_size;
	if (!is_acct(e, e->syms[i].currency_profit)) {
		if (e->quotes[i].bid <= 0)
			return 0;
		v /= e->quotes[i].bid;
	}
	return v;
}

static double
total_margin(const struct paper_engine *e)
{
	double	m = 0;
	size_t	i;

	for (i = 0; i < e->npos; i++)
		m += e->pos[i].margin;
	return paper_money(m);
}

static double
total_profit(const struct paper_engine *e)
{
	double	p = 0;
	size_t	i;

	for (i = 0; i < e->npos; i++)
		p += paper_position_profit(e, &e->pos[i]);
	return paper_money(p);
}

void
paper_account_get(const struct paper_engine *e, struct paper_account *a)
{
	memset(a, 0, sizeof(*a));
	strlcpy(a->currency, e->conf.currency, sizeof(a->currency));
	a->mode = e->conf.mode;
	a->leverage = e->conf.leverage;
	a->balance = e->st.balance;
	a->credit = e->st.credit;
	a->profit = total_profit(e);
	a->equity = paper_money(a->balance + a->credit + a->profit);
	a->margin = total_margin(e);
	a->margin_free = paper_money(a->equity - a->margin);
	a->margin_level = a->margin > 0 ? a->equity / a->margin * 100 : 0;
}

/* Lists. */

size_t
paper_position_count(const struct paper_engine *e)
{
	return e->npos;
}

const struct paper_position *
paper_position_at(const struct paper_engine *e, size_t i)
{
	return i < e->npos ? &e->pos[i] : NULL;
}

static ssize_t
pos_index(const struct paper_engine *e, uint64_t ticket)
{
	size_t	i;

	for (i = 0; i < e->npos; i++)
		if (e->pos[i].ticket == ticket)
			return (ssize_t)i;
	return -1;
}

static ssize_t
pos_by_symbol(const struct paper_engine *e, const char *sym)
{
	size_t	i;

	for (i = 0; i < e->npos; i++)
		if (strcmp(e->pos[i].symbol, sym) == 0)
			return (ssize_t)i;
	return -1;
}

const struct paper_position *
paper_position_get(const struct paper_engine *e, uint64_t ticket)
{
	ssize_t	i = pos_index(e, ticket);

	return i < 0 ? NULL : &e->pos[i];
}

size_t
paper_order_count(const struct paper_engine *e)
{
	return e->nord;
}

const struct paper_order *
paper_order_at(const struct paper_engine *e, size_t i)
{
	return i < e->nord ? &e->ord[i] : NULL;
}

static ssize_t
ord_index(const struct paper_engine *e, uint64_t ticket)
{
	size_t	i;

	for (i = 0; i < e->nord; i++)
		if (e->ord[i].ticket == ticket)
			return (ssize_t)i;
	return -1;
}

const struct paper_order *
paper_order_get(const struct paper_engine *e, uint64_t ticket)
{
	ssize_t	i = ord_index(e, ticket);

	return i < 0 ? NULL : &e->ord[i];
}

size_t
paper_deal_count(const struct paper_engine *e)
{
	return e->ndeals;
}

const struct paper_deal *
paper_deal_at(const struct paper_engine *e, size_t i)
{
	return i < e->ndeals ? &e->deals[i] : NULL;
}

/* Removal keeps the order of creation, so replays give equal lists. */
static void
pos_remove(struct paper_engine *e, size_t i)
{
	emit_position(e, &e->pos[i], PAPER_OP_DEL);
	memmove(&e->pos[i], &e->pos[i + 1],
	    (e->npos - i - 1) * sizeof(e->pos[0]));
	e->npos--;
}

static void
ord_remove(struct paper_engine *e, size_t i)
{
	emit_order(e, &e->ord[i], PAPER_OP_DEL);
	memmove(&e->ord[i], &e->ord[i + 1],
	    (e->nord - i - 1) * sizeof(e->ord[0]));
	e->nord--;
}

/* Forget the older half of a full history: amortised O(1) per entry. */
static size_t
trim_half(void *base, size_t n, size_t sz)
{
	size_t	drop = n - n / 2;

	memmove(base, (char *)base + drop * sz, (n - drop) * sz);
	return n - drop;
}

static int
add_deal(struct paper_engine *e, const struct paper_deal *d)
{
	if (e->conf.max_deals > 0 && e->ndeals >= e->conf.max_deals)
		e->ndeals = trim_half(e->deals, e->ndeals, sizeof(*d));
	if (grow((void **)&e->deals, &e->capdeals, e->ndeals,
	    sizeof(*d)) == -1)
		return -1;
	e->deals[e->ndeals++] = *d;
	emit_deal(e, d);
	return 0;
}

/* Command ids: an open-addressing index over the commands array. */

static uint32_t
cmd_hash(const char *s)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

static ssize_t
cmd_index(const struct paper_engine *e, const char *id)
{
	size_t	h, idx;

	if (e->hashsz == 0)
		return -1;
	for (h = cmd_hash(id) & (e->hashsz - 1);; h = (h + 1) &
	    (e->hashsz - 1)) {
		if (e->cmdhash[h].idx == 0)
			return -1;
		idx = e->cmdhash[h].idx - 1;
		if (strcmp(e->cmds[idx].id, id) == 0)
			return (ssize_t)idx;
	}
}

static void
cmd_hash_put(struct paper_engine *e, size_t idx)
{
	size_t	h;

	for (h = cmd_hash(e->cmds[idx].id) & (e->hashsz - 1);
	    e->cmdhash[h].idx != 0; h = (h + 1) & (e->hashsz - 1))
		;
	e->cmdhash[h].idx = (uint32_t)idx + 1;
}

/* Keep the index at most half full. */
static int
cmd_reserve(struct paper_engine *e)
{
	struct paper_cmdslot	*nh;
	size_t			 nsz, i;

	if (e->ncmds >= UINT32_MAX - 1 ||
	    grow((void **)&e->cmds, &e->capcmds, e->ncmds,
	    sizeof(e->cmds[0])) == -1)
		return -1;
	if ((e->ncmds + 1) * 2 <= e->hashsz)
		return 0;
	nsz = e->hashsz ? e->hashsz * 2 : 64;
	if ((nh = calloc(nsz, sizeof(*nh))) == NULL)
		return -1;
	free(e->cmdhash);
	e->cmdhash = nh;
	e->hashsz = nsz;
	for (i = 0; i < e->ncmds; i++)
		cmd_hash_put(e, i);
	return 0;
}

/* Store a command's result; replaces an existing one (imports). */
static int
cmd_store(struct paper_engine *e, const char *id,
    const struct paper_result *res)
{
	ssize_t	i;

	if ((i = cmd_index(e, id)) >= 0) {
		e->cmds[i].result = *res;
		return 0;
	}
	if (e->conf.max_commands > 0 && e->ncmds >= e->conf.max_commands) {
		e->ncmds = trim_half(e->cmds, e->ncmds, sizeof(e->cmds[0]));
		memset(e->cmdhash, 0, e->hashsz * sizeof(e->cmdhash[0]));
		for (i = 0; i < (ssize_t)e->ncmds; i++)
			cmd_hash_put(e, (size_t)i);
	}
	if (cmd_reserve(e) == -1)
		return -1;
	memset(&e->cmds[e->ncmds], 0, sizeof(e->cmds[0]));
	strlcpy(e->cmds[e->ncmds].id, id, PAPER_CMDID_MAX);
	e->cmds[e->ncmds].result = *res;
	cmd_hash_put(e, e->ncmds);
	e->ncmds++;
	return 0;
}

int
paper_find_command(const struct paper_engine *e, const char *id,
    struct paper_result *res)
{
	ssize_t	i;

	if (!str_ok(id, PAPER_CMDID_MAX) || id[0] == '\0' ||
	    (i = cmd_index(e, id)) < 0)
		return -1;
	*res = e->cmds[i].result;
	return 0;
}

/* Checks shared by requests. */

static int
is_buy(enum paper_order_type t)
{
	return t == PAPER_ORDER_BUY || t == PAPER_ORDER_BUY_LIMIT ||
	    t == PAPER_ORDER_BUY_STOP;
}

static int
is_pending_type(enum paper_order_type t)
{
	return t >= PAPER_ORDER_BUY_LIMIT && t <= PAPER_ORDER_SELL_STOP;
}

static uint32_t
check_volume(const struct paper_symbol *s, double v)
{
	if (!finite_in(v, s->volume_min - PAPER_VOLUME_EPS,
	    s->volume_max + PAPER_VOLUME_EPS) || !on_step(v, s->volume_step))
		return PAPER_RC_INVALID_VOLUME;
	return 0;
}

/* Decimals of a volume step: 2 for 0.01. */
static int
step_digits(double step)
{
	int	d;

	for (d = 0; d < 8; d++)
		if (dabs(step * pow10i(d) - paper_round(step * pow10i(d), 0)) <
		    1e-6)
			break;
	return d;
}

/* On the step and clean in decimal: 70 * 0.01 is 0.7, not 0.70..01. */
static double
norm_volume(const struct paper_symbol *s, double v)
{
	return paper_round(paper_round(v / s->volume_step, 0) * s->volume_step,
	    step_digits(s->volume_step));
}

static uint32_t
check_filling(const struct paper_symbol *s, enum paper_filling f,
    int pending)
{
	unsigned int	bit;

	switch (f) {
	case PAPER_FILLING_FOK:
		bit = PAPER_FILL_FOK;
		break;
	case PAPER_FILLING_IOC:
		bit = PAPER_FILL_IOC;
		break;
	case PAPER_FILLING_RETURN:
		if (pending)
			return 0;
		bit = PAPER_FILL_RETURN;
		break;
	default:
		return PAPER_RC_INVALID_FILL;
	}
	return (s->filling & bit) ? 0 : PAPER_RC_INVALID_FILL;
}

/*
 * SL and TP against a reference: for a buy, SL below and TP above by
 * at least stops_level points (and strictly); for a sell the other way.
 * 0 means no level.  For positions the reference is the close price.
 */
static uint32_t
check_stops(const struct paper_symbol *s, int buy, double ref, double sl,
    double tp)
{
	double	gap = s->stops_level * s->point, eps = s->point / 10;

	if (!finite_in(sl, 0, PAPER_HUGE) || !finite_in(tp, 0, PAPER_HUGE))
		return PAPER_RC_INVALID_STOPS;
	if (buy) {
		if (sl > 0 && !(sl <= ref - gap + eps && sl < ref - eps))
			return PAPER_RC_INVALID_STOPS;
		if (tp > 0 && !(tp >= ref + gap - eps && tp > ref + eps))
			return PAPER_RC_INVALID_STOPS;
	} else {
		if (sl > 0 && !(sl >= ref + gap - eps && sl > ref + eps))
			return PAPER_RC_INVALID_STOPS;
		if (tp > 0 && !(tp <= ref - gap + eps && tp < ref - eps))
			return PAPER_RC_INVALID_STOPS;
	}
	return 0;
}

/* A pending price on the right side of the market, stops_level away. */
static uint32_t
check_pending_price(const struct paper_symbol *s, const struct paper_quote *q,
    enum paper_order_type t, double price)
{
	double	gap = s->stops_level * s->point, eps = s->point / 10;

	if (!finite_in(price, s->point / 2, PAPER_HUGE))
		return PAPER_RC_INVALID_PRICE;
	switch (t) {
	case PAPER_ORDER_BUY_LIMIT:
		if (price <= q->ask - gap + eps && price < q->ask - eps)
			return 0;
		break;
	case PAPER_ORDER_SELL_LIMIT:
		if (price >= q->bid + gap - eps && price > q->bid + eps)
			return 0;
		break;
	case PAPER_ORDER_BUY_STOP:
		if (price >= q->ask + gap - eps && price > q->ask + eps)
			return 0;
		break;
	case PAPER_ORDER_SELL_STOP:
		if (price <= q->bid - gap + eps && price < q->bid - eps)
			return 0;
		break;
	default:
		break;
	}
	return PAPER_RC_INVALID_PRICE;
}

/* Long-only, short-only and close-only refuse what opens exposure. */
static uint32_t
check_trade_mode(const struct paper_symbol *s, int buy, int opens)
{
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return PAPER_RC_TRADE_DISABLED;
	if (!opens)
		return 0;
	if (s->trade_mode == PAPER_TRADE_CLOSEONLY)
		return PAPER_RC_CLOSE_ONLY;
	if (s->trade_mode == PAPER_TRADE_LONGONLY && !buy)
		return PAPER_RC_LONG_ONLY;
	if (s->trade_mode == PAPER_TRADE_SHORTONLY && buy)
		return PAPER_RC_SHORT_ONLY;
	return 0;
}

static uint32_t
check_margin(const struct paper_engine *e, double need)
{
	struct paper_account	a;

	if (need <= 0)
		return 0;
	paper_account_get(e, &a);
	return need > a.margin_free + 1e-9 ? PAPER_RC_NO_MONEY : 0;
}

/* MqlTradeCheckResult: the account after adding margin; retcode 0. */
static uint32_t
fill_check(const struct paper_engine *e, struct paper_check *chk,
    double margin)
{
	struct paper_account	a;

	paper_account_get(e, &a);
	memset(chk, 0, sizeof(*chk));
	chk->balance = a.balance;
	chk->equity = a.equity;
	chk->profit = a.profit;
	chk->margin = paper_money(a.margin + margin);
	chk->margin_free = paper_money(a.equity - chk->margin);
	chk->margin_level = chk->margin > 0 ? a.equity / chk->margin * 100 :
	    0;
	strlcpy(chk->comment, "Done", sizeof(chk->comment));
	return 0;
}

/* Executing market deals. */

/* What a market deal does, decided before anything changes. */
struct deal_plan {
	ssize_t			 pi;	/* position touched, or -1 */
	enum paper_order_type	 type;		/* BUY or SELL */
	double			 volume;	/* filled */
	double			 price;
	double			 closes;	/* volume taken off pi */
	double			 opens;	/* volume added or opened */
};

static void
plan_deal(const struct paper_engine *e, ssize_t pi, enum paper_order_type t,
    double volume, double price, struct deal_plan *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->pi = pi;
	dp->type = t;
	dp->volume = volume;
	dp->price = price;
	if (pi < 0 || e->pos[pi].type == t) {
		dp->opens = volume;
		return;
	}
	if (volume <= e->pos[pi].volume + PAPER_VOLUME_EPS) {
		dp->closes = volume;
		return;
	}
	dp->closes = e->pos[pi].volume;
	dp->opens = volume - e->pos[pi].volume;
}

/* Margin the plan adds (what it frees is not counted: MT5 neither). */
static double
plan_margin(const struct paper_engine *e, const struct paper_symbol *s,
    const struct deal_plan *dp)
{
	return dp->opens > 0 ? paper_margin_calc(e, s, dp->opens, dp->price) :
	    0;
}

/*
 * Apply a planned deal: one deal record, the position opened, grown,
 * reduced, closed or reversed, the balance moved by the profit.
 */
static int
exec_deal(struct paper_engine *e, const struct paper_symbol *s,
    const struct deal_plan *dp, uint64_t order, int64_t now,
    enum paper_deal_reason reason, uint64_t magic, const char *comment,
    double sl, double tp, uint64_t *dealp)
{
	struct paper_deal	 d;
	struct paper_position	*p, np;
	double			 nv = 0;

	/* Room first, so a failure changes nothing. */
	if (grow((void **)&e->deals, &e->capdeals, e->ndeals,
	    sizeof(e->deals[0])) == -1 ||
	    grow((void **)&e->pos, &e->cappos, e->npos,
	    sizeof(e->pos[0])) == -1)
		return -1;

	memset(&d, 0, sizeof(d));
	d.ticket = e->st.next_deal++;
	d.order = order;
	d.time = now;
	strlcpy(d.symbol, s->name, sizeof(d.symbol));
	d.type = dp->type == PAPER_ORDER_BUY ? PAPER_DEAL_BUY : PAPER_DEAL_SELL;
	d.reason = reason;
	d.volume = dp->volume;
	d.price = dp->price;
	d.magic = magic;
	set_comment(d.comment, comment);

	if (dp->pi < 0) {
		memset(&np, 0, sizeof(np));
		np.ticket = order;
		strlcpy(np.symbol, s->name, sizeof(np.symbol));
		np.type = dp->type;
		np.volume = dp->volume;
		np.price_open = dp->price;
		np.sl = sl;
		np.tp = tp;
		np.margin = paper_margin_calc(e, s, dp->volume, dp->price);
		np.time = now;
		np.magic = magic;
		set_comment(np.comment, comment);
		e->pos[e->npos++] = np;
		d.position = np.ticket;
		d.entry = PAPER_ENTRY_IN;
		*dealp = d.ticket;
		add_deal(e, &d);
		emit_position(e, &np, PAPER_OP_PUT);
		return 0;
	}

	p = &e->pos[dp->pi];
	d.position = p->ticket;
	if (dp->closes == 0) {
		/* Netting: the same direction averages the price. */
		nv = p->volume + dp->volume;
		p->price_open = (p->price_open * p->volume +
		    dp->price * dp->volume) / nv;
		p->volume = norm_volume(s, nv);
		p->margin = paper_margin_calc(e, s, p->volume, p->price_open);
		if (sl > 0)
			p->sl = sl;
		if (tp > 0)
			p->tp = tp;
		d.entry = PAPER_ENTRY_IN;
	} else {
		d.profit = profit_at(e, s, p->type, p->price_open, dp->price,
		    dp->closes);
		e->st.balance = paper_money(e->st.balance + d.profit);
		nv = norm_volume(s, p->volume - dp->closes);
		if (dp->opens > 0) {
			/* Reversal: the rest opens the other way. */
			d.entry = PAPER_ENTRY_INOUT;
			p->type = dp->type;
			p->volume = norm_volume(s, dp->opens);
			p->price_open = dp->price;
			p->sl = sl;
			p->tp = tp;
			p->time = now;
			p->margin = paper_margin_calc(e, s, p->volume,
			    p->price_open);
		} else if (nv > PAPER_VOLUME_EPS) {
			d.entry = PAPER_ENTRY_OUT;
			p->volume = nv;
			p->margin = paper_margin_calc(e, s, p->volume,
			    p->price_open);
		} else
			d.entry = PAPER_ENTRY_OUT;
	}
	*dealp = d.ticket;
	add_deal(e, &d);
	if (d.entry == PAPER_ENTRY_OUT && dp->opens == 0 &&
	    !(nv > PAPER_VOLUME_EPS))
		pos_remove(e, (size_t)dp->pi);
	else
		emit_position(e, &e->pos[dp->pi], PAPER_OP_PUT);
	return 0;
}

/* Close a position whole at the market, for SL, TP or stop-out. */
static int
close_position(struct paper_engine *e, size_t pi, enum paper_deal_reason why,
    int64_t now)
{
	struct paper_position	*p = &e->pos[pi];
	struct deal_plan	 dp;
	ssize_t			 si = sym_index(e, p->symbol);
	uint64_t		 deal, order;
	enum paper_order_type	 t;
	const char		*c;

	if (si < 0)
		return -1;
	t = p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL : PAPER_ORDER_BUY;
	plan_deal(e, (ssize_t)pi, t, p->volume,
	    close_price(&e->quotes[si], p->type), &dp);
	c = why == PAPER_REASON_SL ? "[sl]" : why == PAPER_REASON_TP ?
	    "[tp]" : "[so]";
	order = e->st.next_order++;
	if (exec_deal(e, &e->syms[si], &dp, order, now, why, p->magic, c,
	    0, 0, &deal) == -1) {
		e->st.next_order--;
		return -1;
	}
	return 0;
}

/* Requests. */

static void
result_quote(const struct paper_engine *e, ssize_t si, struct paper_result *r)
{
	if (si >= 0) {
		r->bid = e->quotes[si].bid;
		r->ask = e->quotes[si].ask;
	}
}

/*
 * Set the retcode and comment: the trade server's description of the
 * code (common/trade.c has the one table; like MT5 the comment keeps
 * its first 31 characters) unless why says more.
 */
static uint32_t
answer(struct paper_result *r, uint32_t code, const char *why)
{
	r->retcode = code;
	set_comment(r->comment, why != NULL ? why :
	    trade_retcode_text(code));
	return code;
}

static int
have_quotes(const struct paper_quote *q)
{
	return q->bid > 0 && q->ask > 0;
}

/* Shape: what is wrong whatever the market. */
static uint32_t
check_shape(const struct paper_request *rq)
{
	if (!str_ok(rq->symbol, sizeof(rq->symbol)) ||
	    !str_ok(rq->comment, sizeof(rq->comment)) ||
	    !str_ok(rq->command_id, sizeof(rq->command_id)))
		return PAPER_RC_INVALID;
	switch (rq->action) {
	case PAPER_ACTION_DEAL:
		if (rq->type != PAPER_ORDER_BUY && rq->type != PAPER_ORDER_SELL)
			return PAPER_RC_INVALID;
		break;
	case PAPER_ACTION_PENDING:
		if (!is_pending_type(rq->type))
			return PAPER_RC_INVALID;
		break;
	case PAPER_ACTION_SLTP:
		if (rq->position == 0)
			return PAPER_RC_INVALID;
		break;
	case PAPER_ACTION_MODIFY:
	case PAPER_ACTION_REMOVE:
		if (rq->order == 0)
			return PAPER_RC_INVALID;
		break;
	default:
		return PAPER_RC_INVALID;	/* CLOSE_BY included */
	}
	if (rq->action == PAPER_ACTION_DEAL ||
	    rq->action == PAPER_ACTION_PENDING) {
		if (rq->symbol[0] == '\0')
			return PAPER_RC_INVALID;
	}
	return 0;
}

static uint32_t
do_deal(struct paper_engine *e, const struct paper_request *rq, int64_t now,
    struct paper_result *r, struct paper_check *chk)
{
	const struct paper_symbol *s;
	const struct paper_quote *q;
	struct deal_plan	 dp;
	ssize_t			 si, pi = -1;
	double			 price, vol, sl, tp;
	uint32_t		 rc;
	uint64_t		 order, deal;
	int			 buy, partial = 0;

	buy = rq->type == PAPER_ORDER_BUY;
	if ((si = sym_index(e, rq->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);

	if (rq->position != 0) {
		if ((pi = pos_index(e, rq->position)) < 0)
			return answer(r, PAPER_RC_POSITION_CLOSED, NULL);
		if (strcmp(e->pos[pi].symbol, s->name) != 0 ||
		    e->pos[pi].type == rq->type)
			return answer(r, PAPER_RC_INVALID,
			    "position symbol or side");
	} else if (e->conf.mode == PAPER_NETTING)
		pi = pos_by_symbol(e, s->name);

	/* Opens exposure unless it only reduces the position. */
	if ((rc = check_trade_mode(s, buy, pi < 0 || e->pos[pi].type ==
	    rq->type || (rq->position == 0 && rq->volume > e->pos[pi].volume +
	    PAPER_VOLUME_EPS))) != 0)
		return answer(r, rc, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if ((rc = check_volume(s, rq->volume)) != 0)
		return answer(r, rc, NULL);
	vol = norm_volume(s, rq->volume);
	if (rq->position != 0 && vol > e->pos[pi].volume + PAPER_VOLUME_EPS)
		return answer(r, PAPER_RC_INVALID_CLOSE_VOLUME, NULL);
	if ((rc = check_filling(s, rq->type_filling, 0)) != 0)
		return answer(r, rc, NULL);
	if (s->liquidity > 0 && vol > s->liquidity + PAPER_VOLUME_EPS) {
		if (rq->type_filling == PAPER_FILLING_FOK)
			return answer(r, PAPER_RC_REJECT,
			    "FOK: not enough liquidity");
		vol = paper_round((double)(long long)(s->liquidity /
		    s->volume_step + 1e-6) * s->volume_step,
		    step_digits(s->volume_step));
		if (vol < s->volume_min - PAPER_VOLUME_EPS)
			return answer(r, PAPER_RC_REJECT, "no liquidity");
		partial = 1;
	}

	price = buy ? q->ask : q->bid;
	if (rq->price != 0 && (!finite_in(rq->price, 0, PAPER_HUGE)))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	if (s->exec_mode == PAPER_EXEC_INSTANT && rq->price != 0 &&
	    dabs(paper_round(rq->price, s->digits) - price) >
	    (double)rq->deviation * s->point + s->point / 10)
		return answer(r, PAPER_RC_REQUOTE, NULL);

	sl = tp = 0;
	plan_deal(e, pi, rq->type, vol, price, &dp);
	if (rq->position == 0) {
		/* SL/TP of what is opened, against its close price. */
		if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
		    !finite_in(rq->tp, 0, PAPER_HUGE))
			return answer(r, PAPER_RC_INVALID_STOPS, NULL);
		sl = paper_round(rq->sl, s->digits);
		tp = paper_round(rq->tp, s->digits);
		if (dp.opens > 0 && (rc = check_stops(s, buy,
		    buy ? q->bid : q->ask, sl, tp)) != 0)
			return answer(r, rc, NULL);
	}
	if (dp.pi < 0 && e->npos >= e->conf.max_positions)
		return answer(r, PAPER_RC_LIMIT_POSITIONS, NULL);
	if ((rc = check_margin(e, plan_margin(e, s, &dp))) != 0)
		return answer(r, rc, NULL);
	if (chk != NULL)
		return fill_check(e, chk, plan_margin(e, s, &dp));

	order = e->st.next_order++;
	if (exec_deal(e, s, &dp, order, now, PAPER_REASON_EXPERT, rq->magic,
	    rq->comment, sl, tp, &deal) == -1) {
		e->st.next_order--;
		return answer(r, PAPER_RC_REJECT, "out of memory");
	}
	emit_account(e);
	r->order = order;
	r->deal = deal;
	r->volume = vol;
	r->price = price;
	return answer(r, partial ? PAPER_RC_DONE_PARTIAL : PAPER_RC_DONE,
	    NULL);
}

static uint32_t
do_pending(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_result *r, struct paper_check *chk)
{
	const struct paper_symbol *s;
	const struct paper_quote *q;
	struct paper_order	 o;
	ssize_t			 si;
	double			 price, sl, tp;
	uint32_t		 rc;
	int			 buy = is_buy(rq->type);

	if ((si = sym_index(e, rq->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	if ((rc = check_trade_mode(s, buy, 1)) != 0)
		return answer(r, rc, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if ((rc = check_volume(s, rq->volume)) != 0)
		return answer(r, rc, NULL);
	if ((rc = check_filling(s, rq->type_filling, 1)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->price, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	price = paper_round(rq->price, s->digits);
	if ((rc = check_pending_price(s, q, rq->type, price)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	if ((rc = check_stops(s, buy, price, sl, tp)) != 0)
		return answer(r, rc, NULL);
	if (e->nord >= e->conf.max_orders)
		return answer(r, PAPER_RC_LIMIT_ORDERS, NULL);
	if ((rc = check_margin(e, paper_margin_calc(e, s,
	    norm_volume(s, rq->volume), price))) != 0)
		return answer(r, rc, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);	/* no margin till filled */
	if (grow((void **)&e->ord, &e->capord, e->nord, sizeof(o)) == -1)
		return answer(r, PAPER_RC_REJECT, "out of memory");

	memset(&o, 0, sizeof(o));
	o.ticket = e->st.next_order++;
	strlcpy(o.symbol, s->name, sizeof(o.symbol));
	o.type = rq->type;
	o.type_filling = rq->type_filling;
	o.volume = norm_volume(s, rq->volume);
	o.price = price;
	o.sl = sl;
	o.tp = tp;
	o.time_setup = now;
	o.magic = rq->magic;
	set_comment(o.comment, rq->comment);
	e->ord[e->nord++] = o;
	emit_order(e, &o, PAPER_OP_PUT);
	emit_account(e);
	r->order = o.ticket;
	r->volume = o.volume;
	r->price = o.price;
	return answer(r, PAPER_RC_PLACED, NULL);
}

static uint32_t
do_sltp(struct paper_engine *e, const struct paper_request *rq,
    struct paper_result *r, struct paper_check *chk)
{
	struct paper_position	*p;
	const struct paper_symbol *s;
	const struct paper_quote *q;
	ssize_t			 pi, si;
	double			 sl, tp;
	uint32_t		 rc;

	if ((pi = pos_index(e, rq->position)) < 0)
		return answer(r, PAPER_RC_POSITION_CLOSED, NULL);
	p = &e->pos[pi];
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, p->symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "position symbol");
	if ((si = sym_index(e, p->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	if ((rc = check_stops(s, p->type == PAPER_ORDER_BUY,
	    close_price(q, p->type), sl, tp)) != 0)
		return answer(r, rc, NULL);
	if (sl == p->sl && tp == p->tp)
		return answer(r, PAPER_RC_NO_CHANGES, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	p->sl = sl;
	p->tp = tp;
	emit_position(e, p, PAPER_OP_PUT);
	r->order = 0;
	return answer(r, PAPER_RC_DONE, NULL);
}

static uint32_t
do_modify(struct paper_engine *e, const struct paper_request *rq,
    struct paper_result *r, struct paper_check *chk)
{
	struct paper_order	*o;
	const struct paper_symbol *s;
	const struct paper_quote *q;
	ssize_t			 oi, si;
	double			 price, sl, tp;
	uint32_t		 rc;

	if ((oi = ord_index(e, rq->order)) < 0)
		return answer(r, PAPER_RC_INVALID, "order not found");
	o = &e->ord[oi];
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, o->symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "order symbol");
	if ((si = sym_index(e, o->symbol)) < 0)
		return answer(r, PAPER_RC_INVALID, "unknown symbol");
	s = &e->syms[si];
	q = &e->quotes[si];
	result_quote(e, si, r);
	r->order = o->ticket;
	if (s->trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (!q->session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (!have_quotes(q))
		return answer(r, PAPER_RC_PRICE_OFF, NULL);
	if (!finite_in(rq->price, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_PRICE, NULL);
	price = paper_round(rq->price, s->digits);
	if ((rc = check_pending_price(s, q, o->type, price)) != 0)
		return answer(r, rc, NULL);
	if (!finite_in(rq->sl, 0, PAPER_HUGE) ||
	    !finite_in(rq->tp, 0, PAPER_HUGE))
		return answer(r, PAPER_RC_INVALID_STOPS, NULL);
	sl = paper_round(rq->sl, s->digits);
	tp = paper_round(rq->tp, s->digits);
	if ((rc = check_stops(s, is_buy(o->type), price, sl, tp)) != 0)
		return answer(r, rc, NULL);
	if (price == o->price && sl == o->sl && tp == o->tp)
		return answer(r, PAPER_RC_NO_CHANGES, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	o->price = price;
	o->sl = sl;
	o->tp = tp;
	emit_order(e, o, PAPER_OP_PUT);
	r->volume = o->volume;
	r->price = o->price;
	return answer(r, PAPER_RC_DONE, NULL);
}

static uint32_t
do_remove(struct paper_engine *e, const struct paper_request *rq,
    struct paper_result *r, struct paper_check *chk)
{
	ssize_t	oi, si;

	if ((oi = ord_index(e, rq->order)) < 0)
		return answer(r, PAPER_RC_INVALID, "order not found");
	if (rq->symbol[0] != '\0' && strcmp(rq->symbol, e->ord[oi].symbol) != 0)
		return answer(r, PAPER_RC_INVALID, "order symbol");
	si = sym_index(e, e->ord[oi].symbol);
	result_quote(e, si, r);
	r->order = e->ord[oi].ticket;
	if (si >= 0 && e->syms[si].trade_mode == PAPER_TRADE_DISABLED)
		return answer(r, PAPER_RC_TRADE_DISABLED, NULL);
	if (si >= 0 && !e->quotes[si].session_open)
		return answer(r, PAPER_RC_MARKET_CLOSED, NULL);
	if (chk != NULL)
		return fill_check(e, chk, 0);
	ord_remove(e, (size_t)oi);
	return answer(r, PAPER_RC_DONE, NULL);
}

/*
 * The request's checks in order; with chk set nothing changes and chk
 * gets the account as it would be.  r->retcode 0 then means "passes".
 */
static void
dispatch(struct paper_engine *e, const struct paper_request *rq, int64_t now,
    struct paper_result *r, struct paper_check *chk)
{
	uint32_t	rc;

	if ((rc = check_shape(rq)) != 0) {
		answer(r, rc, NULL);
		return;
	}
	switch (rq->action) {
	case PAPER_ACTION_DEAL:
		do_deal(e, rq, now, r, chk);
		break;
	case PAPER_ACTION_PENDING:
		do_pending(e, rq, now, r, chk);
		break;
	case PAPER_ACTION_SLTP:
		do_sltp(e, rq, r, chk);
		break;
	case PAPER_ACTION_MODIFY:
		do_modify(e, rq, r, chk);
		break;
	default:
		do_remove(e, rq, r, chk);
		break;
	}
}

uint32_t
paper_send(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_result *r)
{
	struct paper_record	rec;
	int			has_id;

	memset(r, 0, sizeof(*r));
	has_id = str_ok(rq->command_id, sizeof(rq->command_id)) &&
	    rq->command_id[0] != '\0';
	if (has_id && paper_find_command(e, rq->command_id, r) == 0)
		return r->retcode;
	/* Room for the command first: once executed it must be stored. */
	if (has_id && cmd_reserve(e) == -1)
		return answer(r, PAPER_RC_REJECT, "out of memory");

	dispatch(e, rq, now, r, NULL);
	if (has_id) {
		(void)cmd_store(e, rq->command_id, r);	/* room reserved */
		memset(&rec, 0, sizeof(rec));
		rec.type = PAPER_REC_COMMAND;
		rec.op = PAPER_OP_PUT;
		strlcpy(rec.u.command.id, rq->command_id, PAPER_CMDID_MAX);
		rec.u.command.result = *r;
		emit(e, &rec);
	}
	return r->retcode;
}

uint32_t
paper_check(struct paper_engine *e, const struct paper_request *rq,
    int64_t now, struct paper_check *chk)
{
	struct paper_result	r;

	memset(&r, 0, sizeof(r));
	memset(chk, 0, sizeof(*chk));
	dispatch(e, rq, now, &r, chk);
	if (r.retcode != 0) {
		/* Refused: the account as it is, and why. */
		fill_check(e, chk, 0);
		chk->retcode = r.retcode;
		strlcpy(chk->comment, r.comment, sizeof(chk->comment));
	}
	return chk->retcode;
}

int
paper_deposit(struct paper_engine *e, double amount, int64_t now,
    const char *comment)
{
	struct paper_deal	d;
	struct paper_account	a;

	amount = paper_money(amount);
	if (!finite_in(amount, -PAPER_HUGE, PAPER_HUGE) || amount == 0)
		return -1;
	paper_account_get(e, &a);
	if (amount < 0 && -amount > a.margin_free)
		return -1;
	memset(&d, 0, sizeof(d));
	d.ticket = e->st.next_deal++;
	d.time = now;
	d.type = PAPER_DEAL_BALANCE;
	d.profit = amount;
	set_comment(d.comment, comment != NULL ? comment : "");
	if (add_deal(e, &d) == -1) {
		e->st.next_deal--;
		return -1;
	}
	e->st.balance = paper_money(e->st.balance + amount);
	emit_account(e);
	return 0;
}

/* Ticks. */

static int
pending_triggered(const struct paper_order *o, const struct paper_quote *q)
{
	switch (o->type) {
	case PAPER_ORDER_BUY_LIMIT:
		return q->ask <= o->price;
	case PAPER_ORDER_SELL_LIMIT:
		return q->bid >= o->price;
	case PAPER_ORDER_BUY_STOP:
		return q->ask >= o->price;
	case PAPER_ORDER_SELL_STOP:
		return q->bid <= o->price;
	default:
		return 0;
	}
}

/*
 * A triggered order fills at the market (never worse than a limit asks,
 * since the limit was crossed).  Without the margin, or over the
 * position limit, it is cancelled, as the server rejects it.  0 if the
 * order is gone; -1 if it stays (no memory to fill it now).
 */
static int
trigger_order(struct paper_engine *e, size_t oi, ssize_t si, int64_t now)
{
	struct paper_order	 o = e->ord[oi];
	const struct paper_symbol *s = &e->syms[si];
	struct deal_plan	 dp;
	enum paper_order_type	 t;
	ssize_t			 pi = -1;
	uint64_t		 deal;

	t = is_buy(o.type) ? PAPER_ORDER_BUY : PAPER_ORDER_SELL;
	if (e->conf.mode == PAPER_NETTING)
		pi = pos_by_symbol(e, s->name);
	plan_deal(e, pi, t, o.volume, t == PAPER_ORDER_BUY ?
	    e->quotes[si].ask : e->quotes[si].bid, &dp);
	if ((dp.pi < 0 && e->npos >= e->conf.max_positions) ||
	    check_margin(e, plan_margin(e, s, &dp)) != 0) {
		ord_remove(e, oi);
		return 0;
	}
	if (exec_deal(e, s, &dp, o.ticket, now, PAPER_REASON_EXPERT,
	    o.magic, o.comment, o.sl, o.tp, &deal) == -1)
		return -1;
	ord_remove(e, oi);
	return 0;
}

static int
sltp_hit(const struct paper_position *p, const struct paper_quote *q,
    enum paper_deal_reason *why)
{
	double	c = close_price(q, p->type);
	int	buy = p->type == PAPER_ORDER_BUY;

	if (p->sl > 0 && (buy ? c <= p->sl : c >= p->sl)) {
		*why = PAPER_REASON_SL;
		return 1;
	}
	if (p->tp > 0 && (buy ? c >= p->tp : c <= p->tp)) {
		*why = PAPER_REASON_TP;
		return 1;
	}
	return 0;
}

static void
stop_out(struct paper_engine *e, int64_t now)
{
	struct paper_account	a;
	size_t			i, worst;
	double			p, wp;

	for (;;) {
		paper_account_get(e, &a);
		if (e->npos == 0 || a.margin <= 0 ||
		    a.margin_level >= e->conf.stop_out_level)
			return;
		worst = 0;
		wp = paper_position_profit(e, &e->pos[0]);
		for (i = 1; i < e->npos; i++)
			if ((p = paper_position_profit(e, &e->pos[i])) < wp) {
				wp = p;
				worst = i;
			}
		if (close_position(e, worst, PAPER_REASON_SO, now) == -1)
			return;	/* no memory: the next tick retries */
	}
}

int
paper_tick(struct paper_engine *e, const char *name, double bid, double ask,
    int64_t now)
{
	struct paper_quote	*q;
	enum paper_deal_reason	 why;
	uint64_t		 before_order, before_deal;
	double			 before_balance;
	ssize_t			 si;
	size_t			 i;

	if ((si = sym_index(e, name)) < 0 ||
	    !finite_in(bid, 1e-12, PAPER_HUGE) ||
	    !finite_in(ask, bid, PAPER_HUGE))
		return -1;
	q = &e->quotes[si];
	q->bid = paper_round(bid, e->syms[si].digits);
	q->ask = paper_round(ask, e->syms[si].digits);
	q->time = now;
	before_order = e->st.next_order;
	before_deal = e->st.next_deal;
	before_balance = e->st.balance;

	for (i = 0; i < e->nord;) {
		if (strcmp(e->ord[i].symbol, name) == 0 &&
		    pending_triggered(&e->ord[i], q) &&
		    trigger_order(e, i, si, now) == 0)
			continue;	/* removed i */
		else
			i++;
	}
	for (i = 0; i < e->npos;) {
		if (strcmp(e->pos[i].symbol, name) == 0 &&
		    sltp_hit(&e->pos[i], q, &why) &&
		    close_position(e, i, why, now) == 0)
			continue;	/* removed i */
		else
			i++;
	}
	stop_out(e, now);
	if (before_order != e->st.next_order ||
	    before_deal != e->st.next_deal ||
	    before_balance != e->st.balance)
		emit_account(e);
	return 0;
}

/* Snapshot and restore. */

int
paper_export(const struct paper_engine *e, paper_record_cb cb, void *arg)
{
	struct paper_record	r;
	size_t			i;
	int			rv;

#define PUT(kind, field, val) do {					\
	memset(&r, 0, sizeof(r));					\
	r.type = (kind);						\
	r.op = PAPER_OP_PUT;						\
	memcpy(&r.u.field, (val), sizeof(r.u.field));			\
	if ((rv = cb(&r, arg)) != 0)					\
		return rv;						\
} while (0)

	PUT(PAPER_REC_ACCOUNT, account, &e->st);
	for (i = 0; i < e->nsyms; i++)
		PUT(PAPER_REC_QUOTE, quote, &e->quotes[i]);
	for (i = 0; i < e->npos; i++)
		PUT(PAPER_REC_POSITION, position, &e->pos[i]);
	for (i = 0; i < e->nord; i++)
		PUT(PAPER_REC_ORDER, order, &e->ord[i]);
	for (i = 0; i < e->ndeals; i++)
		PUT(PAPER_REC_DEAL, deal, &e->deals[i]);
	for (i = 0; i < e->ncmds; i++)
		PUT(PAPER_REC_COMMAND, command, &e->cmds[i]);
#undef PUT
	return 0;
}

static int
import_position(struct paper_engine *e, const struct paper_position *p,
    enum paper_rec_op op)
{
	ssize_t	i = pos_index(e, p->ticket);

	if (op == PAPER_OP_DEL) {
		if (i >= 0) {
			memmove(&e->pos[i], &e->pos[i + 1],
			    (e->npos - i - 1) * sizeof(e->pos[0]));
			e->npos--;
		}
		return 0;
	}
	if (!str_ok(p->symbol, sizeof(p->symbol)) ||
	    sym_index(e, p->symbol) < 0 || p->ticket == 0 ||
	    (p->type != PAPER_ORDER_BUY && p->type != PAPER_ORDER_SELL) ||
	    !finite_in(p->volume, PAPER_VOLUME_EPS, 1e9) ||
	    !finite_in(p->price_open, 0, PAPER_HUGE) ||
	    !finite_in(p->sl, 0, PAPER_HUGE) ||
	    !finite_in(p->tp, 0, PAPER_HUGE) ||
	    !finite_in(p->margin, 0, PAPER_HUGE) ||
	    !str_ok(p->comment, sizeof(p->comment)))
		return -1;
	if (i >= 0) {
		e->pos[i] = *p;
		return 0;
	}
	if (grow((void **)&e->pos, &e->cappos, e->npos, sizeof(*p)) == -1)
		return -1;
	e->pos[e->npos++] = *p;
	return 0;
}

static int
import_order(struct paper_engine *e, const struct paper_order *o,
    enum paper_rec_op op)
{
	ssize_t	i = ord_index(e, o->ticket);

	if (op == PAPER_OP_DEL) {
		if (i >= 0) {
			memmove(&e->ord[i], &e->ord[i + 1],
			    (e->nord - i - 1) * sizeof(e->ord[0]));
			e->nord--;
		}
		return 0;
	}
	if (!str_ok(o->symbol, sizeof(o->symbol)) ||
	    sym_index(e, o->symbol) < 0 || o->ticket == 0 ||
	    !is_pending_type(o->type) ||
	    o->type_filling < PAPER_FILLING_FOK ||
	    o->type_filling > PAPER_FILLING_RETURN ||
	    !finite_in(o->volume, PAPER_VOLUME_EPS, 1e9) ||
	    !finite_in(o->price, 0, PAPER_HUGE) ||
	    !finite_in(o->sl, 0, PAPER_HUGE) ||
	    !finite_in(o->tp, 0, PAPER_HUGE) ||
	    !str_ok(o->comment, sizeof(o->comment)))
		return -1;
	if (i >= 0) {
		e->ord[i] = *o;
		return 0;
	}
	if (grow((void **)&e->ord, &e->capord, e->nord, sizeof(*o)) == -1)
		return -1;
	e->ord[e->nord++] = *o;
	return 0;
}

static int
import_deal(struct paper_engine *e, const struct paper_deal *d)
{
	size_t	i;

	if (!str_ok(d->symbol, sizeof(d->symbol)) ||
	    !str_ok(d->comment, sizeof(d->comment)) || d->ticket == 0 ||
	    d->type < PAPER_DEAL_BUY || d->type > PAPER_DEAL_BALANCE ||
	    (d->type != PAPER_DEAL_BALANCE && sym_index(e, d->symbol) < 0) ||
	    !finite_in(d->volume, 0, 1e9) ||
	    !finite_in(d->price, 0, PAPER_HUGE) ||
	    !finite_in(d->profit, -PAPER_HUGE, PAPER_HUGE))
		return -1;
	/* Deals are immutable: a repeat replaces in place. */
	for (i = e->ndeals; i > 0; i--)
		if (e->deals[i - 1].ticket == d->ticket) {
			e->deals[i - 1] = *d;
			return 0;
		}
	return add_deal(e, d);
}

int
paper_import(struct paper_engine *e, const struct paper_record *r)
{
	paper_record_cb	 saved = e->journal;
	ssize_t		 si;
	int		 rv = -1;

	if (r->op != PAPER_OP_PUT && r->op != PAPER_OP_DEL)
		return -1;
	e->journal = NULL;	/* importing is not a change to report */
	switch (r->type) {
	case PAPER_REC_ACCOUNT:
		if (r->op != PAPER_OP_PUT ||
		    !finite_in(r->u.account.balance, -PAPER_HUGE, PAPER_HUGE) ||
		    !finite_in(r->u.account.credit, 0, PAPER_HUGE) ||
		    r->u.account.next_order == 0 || r->u.account.next_deal == 0)
			break;
		e->st = r->u.account;
		rv = 0;
		break;
	case PAPER_REC_QUOTE:
		if (r->op != PAPER_OP_PUT ||
		    !str_ok(r->u.quote.symbol, sizeof(r->u.quote.symbol)) ||
		    (si = sym_index(e, r->u.quote.symbol)) < 0 ||
		    !finite_in(r->u.quote.bid, 0, PAPER_HUGE) ||
		    !finite_in(r->u.quote.ask, r->u.quote.bid, PAPER_HUGE))
			break;
		e->quotes[si] = r->u.quote;
		e->quotes[si].session_open = r->u.quote.session_open != 0;
		rv = 0;
		break;
	case PAPER_REC_POSITION:
		rv = import_position(e, &r->u.position, r->op);
		break;
	case PAPER_REC_ORDER:
		rv = import_order(e, &r->u.order, r->op);
		break;
	case PAPER_REC_DEAL:
		if (r->op == PAPER_OP_PUT)
			rv = import_deal(e, &r->u.deal);
		break;
	case PAPER_REC_COMMAND:
		if (r->op == PAPER_OP_PUT &&
		    str_ok(r->u.command.id, sizeof(r->u.command.id)) &&
		    r->u.command.id[0] != '\0' &&
		    str_ok(r->u.command.result.comment,
		    sizeof(r->u.command.result.comment)))
			rv = cmd_store(e, r->u.command.id,
			    &r->u.command.result);
		break;
	default:
		break;
	}
	e->journal = saved;
	return rv;
}

/* Helpers for callers that build requests. */

enum paper_filling
paper_pick_filling(const struct paper_symbol *s)
{
	if (s->filling & PAPER_FILL_FOK)
		return PAPER_FILLING_FOK;
	if (s->filling & PAPER_FILL_IOC)
		return PAPER_FILLING_IOC;
	return PAPER_FILLING_RETURN;
}

int
paper_close_request(const struct paper_engine *e, uint64_t ticket,
    double volume, struct paper_request *rq)
{
	const struct paper_position	*p;
	const struct paper_symbol	*s;

	if ((p = paper_position_get(e, ticket)) == NULL ||
	    (s = paper_symbol_get(e, p->symbol)) == NULL)
		return -1;
	memset(rq, 0, sizeof(*rq));
	rq->action = PAPER_ACTION_DEAL;
	strlcpy(rq->symbol, p->symbol, sizeof(rq->symbol));
	rq->type = p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL :
	    PAPER_ORDER_BUY;
	rq->volume = volume > 0 ? volume : p->volume;
	rq->position = ticket;
	rq->magic = p->magic;
	rq->type_filling = paper_pick_filling(s);
	return 0;
}
