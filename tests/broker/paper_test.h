/*
 * What the paper engine's tests share: captured records, symbols and a
 * configuration to start from, an engine with them, requests, and the
 * assertions on return codes and money.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_PAPER_TEST_H
#define HERALD_PAPER_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paper.h"
#include "trade.h"

#define T0	1700000000000LL

/* Captured records: the change stream or an export. */
struct reclog {
	struct paper_record	*r;
	size_t			 n, cap;
};

static inline int
rec_add(const struct paper_record *r, void *arg)
{
	struct reclog	*l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		assert_non_null(l->r);
	}
	l->r[l->n++] = *r;
	return 0;
}

static inline void
rec_free(struct reclog *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static inline void
sym_init(struct paper_symbol *s, const char *name, const char *base,
    const char *profit, int digits, double contract)
{
	double	p = 1;
	int	i;

	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	strlcpy(s->currency_base, base, sizeof(s->currency_base));
	strlcpy(s->currency_profit, profit, sizeof(s->currency_profit));
	s->digits = digits;
	for (i = 0; i < digits; i++)
		p /= 10;
	s->point = p;
	s->contract_size = contract;
	s->volume_min = 0.01;
	s->volume_max = 100;
	s->volume_step = 0.01;
	s->stops_level = 10;
	s->filling = PAPER_FILL_FOK | PAPER_FILL_IOC;
	s->trade_mode = PAPER_TRADE_FULL;
	s->exec_mode = PAPER_EXEC_MARKET;
	s->calc_mode = PAPER_CALC_FOREX;
	s->margin_hedged = PAPER_HEDGED_DEFAULT;
}

static inline void
conf_init(struct paper_config *c, enum paper_margin_mode mode, double balance)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->currency, "USD", sizeof(c->currency));
	c->leverage = 100;
	c->balance = balance;
	c->mode = mode;
}

static inline void
add_symbols(struct paper_engine *e)
{
	struct paper_symbol	s;
	const char		*why = NULL;

	sym_init(&s, "EURUSD", "EUR", "USD", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "GBPUSD", "GBP", "USD", 5, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "USDJPY", "USD", "JPY", 3, 100000);
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
	sym_init(&s, "XAUUSD", "XAU", "USD", 2, 100);
	s.calc_mode = PAPER_CALC_CFDLEVERAGE;
	assert_int_equal(paper_add_symbol(e, &s, &why), 0);
}

static inline struct paper_engine *
mk(enum paper_margin_mode mode, double balance)
{
	struct paper_config	 c;
	struct paper_engine	*e;

	conf_init(&c, mode, balance);
	assert_non_null(e = paper_new(&c));
	add_symbols(e);
	return e;
}

static inline void
req_init(struct paper_request *rq, enum paper_action a, const char *sym,
    enum paper_order_type t, double vol)
{
	memset(rq, 0, sizeof(*rq));
	rq->action = a;
	strlcpy(rq->symbol, sym, sizeof(rq->symbol));
	rq->type = t;
	rq->volume = vol;
	rq->type_filling = PAPER_FILLING_FOK;
}

/* A market order; returns the position ticket (its order ticket). */
static inline uint64_t
market(struct paper_engine *e, const char *sym, enum paper_order_type t,
    double vol)
{
	struct paper_request	rq;
	struct paper_result	r;

	req_init(&rq, PAPER_ACTION_DEAL, sym, t, vol);
	assert_int_equal(paper_send(e, &rq, T0, &r), PAPER_RC_DONE);
	return r.order;
}

static inline uint32_t
close_pos(struct paper_engine *e, uint64_t ticket, double vol,
    struct paper_result *r)
{
	const struct paper_position *p = paper_position_get(e, ticket);
	struct paper_request	rq;

	req_init(&rq, PAPER_ACTION_DEAL, p != NULL ? p->symbol : "EURUSD",
	    p != NULL && p->type == PAPER_ORDER_BUY ? PAPER_ORDER_SELL :
	    PAPER_ORDER_BUY, vol);
	rq.position = ticket;
	return paper_send(e, &rq, T0 + 1000, r);
}

static inline void
assert_money(double got, double want)
{
	if (got < want - 0.001 || got > want + 0.001) {
		print_message("got %.6f want %.6f\n", got, want);
		fail();
	}
}

static inline void
assert_same_export(struct paper_engine *a, struct paper_engine *b)
{
	struct reclog	la = { 0 }, lb = { 0 };
	size_t		i;

	assert_int_equal(paper_export(a, rec_add, &la), 0);
	assert_int_equal(paper_export(b, rec_add, &lb), 0);
	assert_int_equal(la.n, lb.n);
	for (i = 0; i < la.n; i++) {
		if (memcmp(&la.r[i], &lb.r[i], sizeof(la.r[i])) != 0) {
			print_message("record %zu (type %d) differs\n", i,
			    la.r[i].type);
			fail();
		}
	}
	rec_free(&la);
	rec_free(&lb);
}

#endif /* HERALD_PAPER_TEST_H */
