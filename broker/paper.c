/*
 * The paper engine: an MT5 trade server in miniature.  A request goes
 * through the checks in the order the server applies them (shape,
 * symbol, trade mode, session, quotes, volume, filling, price, stops,
 * limits, margin) and only then changes state; every change is handed to
 * the journal callback as a record so the monitor can persist it.  No
 * I/O, no clock, no libm, no globals: the broker runs this in its
 * sandbox and the bridge simulator links it as it is (with
 * common/trade.c, which holds the return codes' descriptions).
 *
 * This file holds the engine's state: its life cycle, the symbols, the
 * lists of positions, orders and deals, the command ids and the change
 * stream.  paper_impl.h says where the rest is.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

/* Arithmetic without libm, so nothing outside libc is needed. */

double
dabs(double x)
{
	return x < 0 ? -x : x;
}

int
finite_in(double x, double lo, double hi)
{
	return x == x && x >= lo && x <= hi;	/* NaN fails x == x */
}

double
pow10i(int n)
{
	double	p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

int
str_ok(const char *s, size_t sz)
{
	return memchr(s, '\0', sz) != NULL;
}

void
set_comment(char *dst, const char *src)
{
	strlcpy(dst, src, PAPER_COMMENT_MAX);
}

/* Grow an array of elements of size sz to hold one more. */
int
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

void
emit(struct paper_engine *e, const struct paper_record *r)
{
	if (e->journal != NULL)
		(void)e->journal(r, e->journal_arg);
}

void
emit_account(struct paper_engine *e)
{
	struct paper_record	r;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_ACCOUNT;
	r.op = PAPER_OP_PUT;
	r.u.account = e->st;
	emit(e, &r);
}

void
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

void
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

ssize_t
sym_index(const struct paper_engine *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->nsyms; i++)
		if (strcmp(e->syms[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* The step must divide the range, within rounding. */
int
on_step(double v, double step)
{
	double	n = v / step;

	return dabs(n - paper_round(n, 0)) < 1e-6;
}

/* The documented defaults of the margin and tick fields, made explicit. */
static void
symbol_defaults(struct paper_symbol *s)
{
	if (s->margin_rate == 0)
		s->margin_rate = 1;
	if (s->margin_hedged < 0)
		s->margin_hedged = s->calc_mode == PAPER_CALC_FUTURES ?
		    s->margin_initial : s->contract_size;
	if (s->tick_size == 0)
		s->tick_size = s->point;
	if (s->tick_value == 0)
		s->tick_value = s->tick_size * s->contract_size;
	if (s->expiration == 0)
		s->expiration = PAPER_EXPIRATION_ALL;
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
	if (s->calc_mode < PAPER_CALC_FOREX ||
	    s->calc_mode > PAPER_CALC_MODE_MAX)
		return "calc_mode";
	/* Priced modes count margin in the profit currency. */
	if (s->calc_mode != PAPER_CALC_FOREX &&
	    s->calc_mode != PAPER_CALC_FOREX_NO_LEVERAGE &&
	    strcmp(s->currency_profit, acct) != 0)
		return "currency: a CFD or future must be priced in the "
		    "account currency";
	if (!finite_in(s->margin_rate, 0, 1e6) ||
	    !finite_in(s->margin_initial, 0, PAPER_HUGE) ||
	    !(s->margin_hedged == PAPER_HEDGED_DEFAULT ||
	    finite_in(s->margin_hedged, 0, PAPER_HUGE)))
		return "margin_rate, margin_initial or margin_hedged";
	if (!finite_in(s->tick_size, 0, 1e6) ||
	    !finite_in(s->tick_value, 0, PAPER_HUGE))
		return "tick_size or tick_value";
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
	if ((s->expiration & ~PAPER_EXPIRATION_ALL) != 0)
		return "expiration";
	if (s->session_end < 0 || s->session_end >= 86400)
		return "session_end";
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
	symbol_defaults(&e->syms[e->nsyms]);
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

ssize_t
pos_index(const struct paper_engine *e, uint64_t ticket)
{
	size_t	i;

	for (i = 0; i < e->npos; i++)
		if (e->pos[i].ticket == ticket)
			return (ssize_t)i;
	return -1;
}

ssize_t
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

ssize_t
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
void
pos_remove(struct paper_engine *e, size_t i)
{
	emit_position(e, &e->pos[i], PAPER_OP_DEL);
	memmove(&e->pos[i], &e->pos[i + 1],
	    (e->npos - i - 1) * sizeof(e->pos[0]));
	e->npos--;
}

/* The DEL record says why the order went: its last ORDER_STATE. */
void
ord_remove(struct paper_engine *e, size_t i, enum paper_order_state why)
{
	e->ord[i].state = why;
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

int
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
int
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
int
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

