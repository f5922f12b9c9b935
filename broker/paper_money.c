/*
 * The paper engine's account arithmetic: margin and profit in the
 * account currency, the account's derived figures, the margin check a
 * request must pass, and deposits.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

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
double
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

