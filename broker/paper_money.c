/*
 * The paper engine's account arithmetic: margin (MT5's formulas are
 * common/margin.c's, which the monitor's risk estimate shares) and
 * profit in the account currency, the account's derived figures, the
 * margin check a request must pass, and deposits.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "margin.h"
#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

/* Money: margin, profit, the account. */

static int
is_acct(const struct paper_engine *e, const char *ccy)
{
	return strcmp(ccy, e->conf.currency) == 0;
}

/* The symbol as common/margin.c's formulas take it. */
static void
margin_sym(const struct paper_engine *e, const struct paper_symbol *s,
    struct margin_symbol *m)
{
	m->calc_mode = s->calc_mode;
	m->contract_size = s->contract_size;
	m->margin_rate = s->margin_rate;
	m->margin_initial = s->margin_initial;
	m->tick_size = s->tick_size;
	m->tick_value = s->tick_value;
	m->base_is_account = is_acct(e, s->currency_base);
}

double
paper_margin_calc(const struct paper_engine *e, const struct paper_symbol *s,
    double volume, double price)
{
	struct margin_symbol	m;

	margin_sym(e, s, &m);
	return paper_money(margin_of(&m, e->conf.leverage, volume, price));
}

/* A side's price now: the ask for buys, the bid for sells. */
static double
side_price(const struct paper_quote *q, int buy)
{
	return buy ? q->ask : q->bid;
}

double
paper_position_margin(const struct paper_engine *e,
    const struct paper_position *p)
{
	ssize_t	i = sym_index(e, p->symbol);

	if (i < 0 || !have_quotes(&e->quotes[i]))
		return p->margin;	/* no quote yet: as last recorded */
	return paper_margin_calc(e, &e->syms[i], p->volume,
	    side_price(&e->quotes[i], p->type == PAPER_ORDER_BUY));
}

/* The volumes of symbol i's positions, each side. */
static void
side_volumes(const struct paper_engine *e, size_t i, double *buy,
    double *sell)
{
	size_t	k;

	*buy = *sell = 0;
	for (k = 0; k < e->npos; k++) {
		if (strcmp(e->pos[k].symbol, e->syms[i].name) != 0)
			continue;
		if (e->pos[k].type == PAPER_ORDER_BUY)
			*buy += e->pos[k].volume;
		else
			*sell += e->pos[k].volume;
	}
}

/*
 * Symbol i's margin for buy and sell lots at the quote now, MT5's way
 * on a hedging account: the uncovered volume (the larger side's excess)
 * by the full formula at its side's price, the overlapped volume once,
 * by the formula with margin_hedged as its contract size, at the price
 * of the larger side (the buys when equal).  Netting has one side.
 */
static double
symbol_margin(const struct paper_engine *e, size_t i, double buy,
    double sell)
{
	struct margin_symbol		 s;
	double				 h, u, price, m;
	int				 more_buy = buy >= sell;

	margin_sym(e, &e->syms[i], &s);
	h = more_buy ? sell : buy;
	u = more_buy ? buy - sell : sell - buy;
	price = side_price(&e->quotes[i], more_buy);
	m = 0;
	if (u > PAPER_VOLUME_EPS)
		m += margin_formula(&s, e->conf.leverage, u, price,
		    margin_lot_size(&s));
	if (h > PAPER_VOLUME_EPS)
		m += margin_formula(&s, e->conf.leverage, h, price,
		    e->syms[i].margin_hedged);
	return paper_money(margin_to_account(&s, m, price));
}

double
margin_change(const struct paper_engine *e, size_t i, double dbuy,
    double dsell)
{
	double	buy, sell;

	side_volumes(e, i, &buy, &sell);
	return paper_money(symbol_margin(e, i, buy + dbuy, sell + dsell) -
	    symbol_margin(e, i, buy, sell));
}

/* Profit in account currency of closing volume at close price. */
double
profit_at(const struct paper_engine *e, const struct paper_symbol *s,
    enum paper_order_type type, double open, double close, double volume)
{
	double	diff, p;

	diff = type == PAPER_ORDER_BUY ? close - open : open - close;
	if (s->calc_mode == PAPER_CALC_FUTURES)
		p = diff * volume * s->tick_value / s->tick_size;
	else
		p = diff * volume * s->contract_size;
	if (!is_acct(e, s->currency_profit) && close > 0)
		p /= close;	/* USDJPY: yen to dollars at the close */
	return paper_money(p);
}

/* The price a position closes at: bid for a buy, ask for a sell. */
double
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
	v = e->syms[i].point * (e->syms[i].calc_mode == PAPER_CALC_FUTURES ?
	    e->syms[i].tick_value / e->syms[i].tick_size :
	    e->syms[i].contract_size);
	if (!is_acct(e, e->syms[i].currency_profit)) {
		if (e->quotes[i].bid <= 0)
			return 0;
		v /= e->quotes[i].bid;
	}
	return v;
}

/*
 * Every symbol's margin at the quotes now; a symbol not quoted yet (just
 * restored) counts its positions' recorded margins.
 */
static double
total_margin(const struct paper_engine *e)
{
	double	m = 0, buy, sell;
	size_t	i, k;

	for (i = 0; i < e->nsyms; i++) {
		if (have_quotes(&e->quotes[i])) {
			side_volumes(e, i, &buy, &sell);
			m += symbol_margin(e, i, buy, sell);
			continue;
		}
		for (k = 0; k < e->npos; k++)
			if (strcmp(e->pos[k].symbol, e->syms[i].name) == 0)
				m += e->pos[k].margin;
	}
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

uint32_t
check_margin(const struct paper_engine *e, double need)
{
	struct paper_account	a;

	if (need <= 0)
		return 0;
	paper_account_get(e, &a);
	return need > a.margin_free + 1e-9 ? PAPER_RC_NO_MONEY : 0;
}

/* MqlTradeCheckResult: the account after adding margin; retcode 0. */
uint32_t
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

