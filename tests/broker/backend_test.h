/*
 * What the paper backend's tests share: records captured as the broker
 * would send them, symbols and a configuration, a backend with them, the
 * request parameters, and the assertions on answers.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_BACKEND_TEST_H
#define HERALD_BACKEND_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "paper.h"
#include "params.h"
#include "trade.h"

#define T0	1700000000000LL

/* Records as the broker would send them: encoded, with type and op. */
struct wrec {
	uint8_t		 type;
	uint8_t		 op;
	size_t		 len;
	uint8_t		 data[PAPER_RECORD_MAX];
};

struct reclog {
	struct wrec	*r;
	size_t		 n, cap;
};

static inline void
rec_sink(const struct paper_record *r, void *arg)
{
	struct reclog	*l = arg;
	struct wrec	*w;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		assert_non_null(l->r);
	}
	w = &l->r[l->n++];
	w->type = (uint8_t)r->type;
	w->op = (uint8_t)r->op;
	w->len = paper_record_encode(r, w->data, sizeof(w->data));
	assert_true(w->len != (size_t)-1);
}

static inline void
rec_free(struct reclog *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static inline void
conf_init(struct msg_broker_config *c, uint8_t mode)
{
	memset(c, 0, sizeof(*c));
	c->backend = BROKER_BACKEND_PAPER;
	c->margin_mode = mode;
	strlcpy(c->currency, "USD", sizeof(c->currency));
	c->leverage = 100;
	c->balance = 10000;
	c->seed = 7;
	c->tick_interval = 250;
	c->nsymbols = 4;
}

static inline void
msym_init(struct msg_broker_symbol *s, const char *name, const char *base,
    const char *profit, uint8_t digits, double contract, double start)
{
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	strlcpy(s->currency_base, base, sizeof(s->currency_base));
	strlcpy(s->currency_profit, profit, sizeof(s->currency_profit));
	s->digits = digits;
	s->contract_size = contract;
	s->volume_min = 0.01;
	s->volume_max = 100;
	s->volume_step = 0.01;
	s->stops_level = 10;
	s->filling = PAPER_FILL_FOK | PAPER_FILL_IOC;
	s->trade_mode = PAPER_TRADE_FULL;
	s->exec_mode = PAPER_EXEC_MARKET;
	s->calc_mode = PAPER_CALC_FOREX;
	s->margin_hedged = contract;
	s->start_bid = start;
	s->spread = 10;
	s->max_step = 5;
	s->session_open = 1;
}

static inline void
add_symbols(struct backend *be)
{
	struct msg_broker_symbol	s;
	char				why[BACKEND_WHY_MAX];

	msym_init(&s, "EURUSD", "EUR", "USD", 5, 100000, 1.10000);
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
	msym_init(&s, "GBPUSD", "GBP", "USD", 5, 100000, 1.25000);
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
	msym_init(&s, "USDJPY", "USD", "JPY", 3, 100000, 150.000);
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
	msym_init(&s, "XAUUSD", "XAU", "USD", 2, 100, 2000.00);
	s.calc_mode = PAPER_CALC_CFDLEVERAGE;
	s.filling = PAPER_FILL_IOC;
	assert_int_equal(be->ops->add_symbol(be, &s, why), 0);
}

/* A backend with symbols, not yet connected. */
static inline struct backend *
mk_conf(uint8_t mode, struct reclog *log)
{
	struct msg_broker_config	 c;
	struct backend			*be;
	char				 why[BACKEND_WHY_MAX];

	conf_init(&c, mode);
	be = backend_create(&c, log != NULL ? rec_sink : NULL, log, why);
	assert_non_null(be);
	add_symbols(be);
	return be;
}

/* Connected, with the first quotes (EURUSD 1.10000/1.10010). */
static inline struct backend *
mk(uint8_t mode, struct reclog *log)
{
	struct backend	*be = mk_conf(mode, log);
	char		 why[BACKEND_WHY_MAX];

	assert_int_equal(be->ops->connect(be, T0, why), 0);
	be->ops->tick(be, T0);
	return be;
}

static inline void
p_trade(struct rpc_params *p, const char *sym, uint8_t side, double vol)
{
	memset(p, 0, sizeof(*p));
	p->op = OP_TRADE;
	strlcpy(p->symbol, sym, sizeof(p->symbol));
	p->side = side;
	p->volume = vol;
}

static inline void
p_ticket(struct rpc_params *p, uint8_t op, uint64_t ticket)
{
	memset(p, 0, sizeof(*p));
	p->op = op;
	p->ticket = ticket;
}

static inline void
assert_near(double a, double b)
{
	double	d = a - b;

	if (d < -1e-9 || d > 1e-9)
		fail_msg("%.10f != %.10f", a, b);
}

static inline uint64_t
open_buy(struct backend *be, uint64_t id, double vol, double sl, double tp)
{
	struct rpc_params	p;
	struct trade_result	tr;

	p_trade(&p, "EURUSD", RPC_SIDE_BUY, vol);
	if (sl > 0) {
		p.flags |= RPC_HAS_SL;
		p.sl = sl;
	}
	if (tp > 0) {
		p.flags |= RPC_HAS_TP;
		p.tp = tp;
	}
	assert_int_equal(be->ops->send(be, id, &p, T0, &tr), 10009);
	return tr.position;
}

#endif /* HERALD_BACKEND_TEST_H */
