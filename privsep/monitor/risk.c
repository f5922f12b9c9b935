/*
 * The monitor's pre-trade risk rules.  See risk.h.
 *
 * The open positions and orders are a tree keyed by (kind, ticket) and
 * a count per symbol; the per-key order rate is a small array of
 * sliding windows, pruned of idle ones before it grows, so it holds
 * about the keys that ordered in the last two minutes.  Every table has
 * a hard bound, and past it the rules fail closed: what cannot be
 * remembered still counts as open, and a key without a window is
 * refused.
 */
#include <sys/types.h>

#include <math.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "margin.h"
#include "msg.h"
#include "mt5.h"
#include "risk.h"

#define DAY_MS		(86400 * (int64_t)1000)
#define RISK_SYMS_MAX	1024		/* symbols with a count */

/*
 * What the margin estimate knows of a paper symbol from the
 * configuration: paper's own formula's figures (common/margin.c).
 */
struct risk_spec {
	char		name[CONF_SYMBOL_MAX];
	struct margin_symbol m;
	double		start_bid;
};

/*
 * A symbol's count of open positions and pending orders, and its lots
 * (in 1/RISK_LOT_UNITS, so that sums stay exact).
 */
struct risk_sym {
	char		name[RPC_SYMBOL_MAX + 1];
	uint32_t	count;
	uint32_t	reserved;	/* orders in flight */
	int64_t		net;		/* positions: buys - sells */
	int64_t		pending[2];	/* pending orders: buy, sell */
	int64_t		flight[2];	/* orders in flight: buy, sell */
	double		per_lot;	/* margin per lot, the broker's last
					   figure for a position; 0: none */
	double		price;		/* the last price seen, 0: none */
};

struct risk_ent {
	int		kind;
	uint64_t	ticket;
	size_t		sym;		/* index into syms */
	int		side;		/* 0 until risk_lots() */
	int64_t		units;
	double		margin;
};

struct risk_key {
	int64_t		id;
	struct rpc_window w;
};

struct risk {
	/* The trading section, as configured. */
	char		allowed[CONF_MAX_SYMBOLS][CONF_SYMBOL_MAX];
	size_t		nallowed;
	double		max_volume;
	int		max_open;
	int		max_per_symbol;
	double		max_daily_loss;
	int		per_minute;
	int64_t		max_exposure;	/* units; 0: none */
	double		min_level;	/* percent; 0: none */
	struct risk_spec specs[CONF_MAX_SYMBOLS];
	size_t		nspecs;
	double		leverage;	/* paper's, for the estimate */

	/* What the broker reported. */
	void		*tree;		/* struct risk_ent, tsearch(3) */
	uint32_t	 ntracked;
	uint32_t	 nlost;		/* put beyond RISK_TRACK_MAX */
	struct risk_sym	*syms;
	size_t		 nsyms;
	size_t		 capsyms;
	uint32_t	 reserved;	/* orders in flight, all symbols */
	double		 margin_used;	/* positions', the broker's figures */
	double		 margin_flight;	/* orders in flight, estimated */
	int		 balance_known;
	int		 balance_reported;	/* by the broker */
	double		 balance;	/* balance + credit */
	double		 floating;	/* the last account read's profit */
	int		 realised_known;
	int64_t		 realised_day;	/* UTC days since the epoch */
	double		 realised;
	uint64_t	 last_deal;	/* the highest deal ticket counted */

	struct risk_key	*keys;
	size_t		 nkeys;
	size_t		 capkeys;
};

static int
ent_cmp(const void *a, const void *b)
{
	const struct risk_ent	*x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->ticket != y->ticket)
		return x->ticket < y->ticket ? -1 : 1;
	return 0;
}

struct risk *
risk_new(void)
{
	return calloc(1, sizeof(struct risk));
}

void
risk_free(struct risk *r)
{
	if (r == NULL)
		return;
	tdestroy(r->tree, free);
	free(r->syms);
	free(r->keys);
	free(r);
}

/* Lots in units, rounded to the nearest (volumes are finite, <= 1e6). */
static int64_t
lots_units(double lots)
{
	if (!isfinite(lots) || lots <= 0)
		return 0;
	return llround(lots * RISK_LOT_UNITS);
}

/*
 * The paper backend's symbols are the monitor's own figures for the
 * margin estimate; the bridge's are the terminal's, known only from
 * the positions it reports.
 */
static void
configure_specs(struct risk *r, const struct herald_conf *c)
{
	const struct conf_symbol	*s;
	struct risk_spec		*sp;
	size_t				 i;

	r->nspecs = 0;
	r->leverage = c->mt5.paper.leverage > 0 ? c->mt5.paper.leverage : 1;
	if (c->mt5.backend != BACKEND_PAPER)
		return;
	for (i = 0; i < c->mt5.paper.nsymbols && i < CONF_MAX_SYMBOLS; i++) {
		s = &c->mt5.paper.symbols[i];
		sp = &r->specs[r->nspecs++];
		memset(sp, 0, sizeof(*sp));
		strlcpy(sp->name, s->name, sizeof(sp->name));
		sp->m.calc_mode = s->calc_mode;
		sp->m.contract_size = s->contract_size;
		sp->m.margin_rate = s->margin_rate;
		sp->m.margin_initial = s->margin_initial;
		sp->m.tick_size = s->tick_size;
		sp->m.tick_value = s->tick_value;
		sp->m.base_is_account = strcmp(s->currency_base,
		    c->mt5.paper.currency) == 0;
		margin_resolve(&sp->m, pow(10, -s->digits));
		sp->start_bid = s->start_bid;
	}
	/* Until the broker's record says otherwise. */
	if (!r->balance_reported) {
		r->balance = c->mt5.paper.balance;
		r->balance_known = 1;
	}
}

void
risk_configure(struct risk *r, const struct herald_conf *c)
{
	size_t	 i;

	r->nallowed = 0;
	for (i = 0; i < c->trading.nallowed && i < CONF_MAX_SYMBOLS; i++)
		strlcpy(r->allowed[r->nallowed++],
		    c->trading.allowed_symbols[i], sizeof(r->allowed[0]));
	r->max_volume = c->trading.max_volume;
	r->max_open = c->trading.max_open_positions;
	r->max_per_symbol = c->trading.max_positions_per_symbol;
	r->max_daily_loss = c->trading.max_daily_loss;
	r->per_minute = c->trading.orders_per_minute;
	r->max_exposure = lots_units(c->trading.max_exposure);
	r->min_level = c->trading.min_margin_level;
	configure_specs(r, c);
}

/* The index of symbol's count, added if new; -1 when the table is full. */
static ssize_t
sym_index(struct risk *r, const char *symbol)
{
	struct risk_sym	*nv;
	size_t		 i, ncap;

	for (i = 0; i < r->nsyms; i++) {
		if (strcmp(r->syms[i].name, symbol) == 0)
			return (ssize_t)i;
	}
	if (r->nsyms == r->capsyms) {
		if (r->capsyms >= RISK_SYMS_MAX)
			return -1;
		ncap = r->capsyms == 0 ? 8 : r->capsyms * 2;
		if ((nv = reallocarray(r->syms, ncap, sizeof(*nv))) == NULL)
			return -1;
		r->syms = nv;
		r->capsyms = ncap;
	}
	memset(&r->syms[r->nsyms], 0, sizeof(r->syms[0]));
	strlcpy(r->syms[r->nsyms].name, symbol, sizeof(r->syms[0].name));
	return (ssize_t)r->nsyms++;
}

/* Side index: 0 buy, 1 sell. */
static int
side_ix(int side)
{
	return side == RPC_SIDE_SELL ? 1 : 0;
}

/* Add (sign 1) or take away (-1) what e holds of its symbol's lots. */
static void
ent_apply(struct risk *r, const struct risk_ent *e, int sign)
{
	struct risk_sym	*y = &r->syms[e->sym];
	int64_t		 u = sign * e->units;

	if (e->side == 0)
		return;
	if (e->kind == RISK_POSITION) {
		y->net += e->side == RPC_SIDE_SELL ? -u : u;
		r->margin_used += sign * e->margin;
		if (r->margin_used < 0)
			r->margin_used = 0;
	} else
		y->pending[side_ix(e->side)] += u;
}

static void
track_put(struct risk *r, int kind, uint64_t ticket, const char *symbol)
{
	struct risk_ent	 q = { .kind = kind, .ticket = ticket }, *e, **found;
	ssize_t		 si;

	if ((found = tfind(&q, &r->tree, ent_cmp)) != NULL) {
		e = *found;
		if (strcmp(r->syms[e->sym].name, symbol) == 0)
			return;
		/* Moved to another symbol (a record replaced). */
		if ((si = sym_index(r, symbol)) == -1)
			return;		/* keep counting it where it was */
		ent_apply(r, e, -1);
		r->syms[e->sym].count--;
		e->sym = (size_t)si;
		r->syms[si].count++;
		ent_apply(r, e, 1);
		return;
	}
	/*
	 * What cannot be remembered still counts in the total, as lost;
	 * past RISK_TRACK_MAX that total is above every limit, so the
	 * rules refuse rather than forget.
	 */
	if (r->ntracked >= RISK_TRACK_MAX ||
	    (si = sym_index(r, symbol)) == -1 ||
	    (e = malloc(sizeof(*e))) == NULL) {
		if (r->nlost < UINT32_MAX)
			r->nlost++;
		return;
	}
	*e = q;
	e->sym = (size_t)si;
	e->side = 0;
	e->units = 0;
	e->margin = 0;
	if ((found = tsearch(e, &r->tree, ent_cmp)) == NULL || *found != e) {
		free(e);
		if (r->nlost < UINT32_MAX)
			r->nlost++;
		return;
	}
	r->ntracked++;
	r->syms[si].count++;
}

static void
track_del(struct risk *r, int kind, uint64_t ticket)
{
	struct risk_ent	 q = { .kind = kind, .ticket = ticket }, *e, **found;

	if ((found = tfind(&q, &r->tree, ent_cmp)) == NULL) {
		/* Perhaps one that could not be remembered. */
		if (r->nlost > 0)
			r->nlost--;
		return;
	}
	e = *found;
	tdelete(e, &r->tree, ent_cmp);
	ent_apply(r, e, -1);
	r->syms[e->sym].count--;
	r->ntracked--;
	free(e);
}

void
risk_track(struct risk *r, int kind, uint64_t ticket, const char *symbol,
    int open)
{
	if (kind != RISK_POSITION && kind != RISK_ORDER)
		return;
	if (open)
		track_put(r, kind, ticket, symbol != NULL ? symbol : "");
	else
		track_del(r, kind, ticket);
}

void
risk_lots(struct risk *r, int kind, uint64_t ticket,
    const struct risk_lots *l)
{
	struct risk_ent	 q = { .kind = kind, .ticket = ticket }, *e, **found;
	struct risk_sym	*y;

	if ((found = tfind(&q, &r->tree, ent_cmp)) == NULL)
		return;
	e = *found;
	ent_apply(r, e, -1);
	e->side = l->side == RPC_SIDE_SELL ? RPC_SIDE_SELL : RPC_SIDE_BUY;
	e->units = lots_units(l->volume);
	e->margin = kind == RISK_POSITION && isfinite(l->margin) &&
	    l->margin > 0 ? l->margin : 0;
	ent_apply(r, e, 1);
	y = &r->syms[e->sym];
	if (isfinite(l->price) && l->price > 0)
		y->price = l->price;
	/* The broker's own margin per lot: the estimate's best source. */
	if (kind == RISK_POSITION && e->margin > 0 && e->units > 0)
		y->per_lot = e->margin * RISK_LOT_UNITS / (double)e->units;
}

void
risk_balance(struct risk *r, double balance)
{
	if (!isfinite(balance))
		return;
	r->balance = balance;
	r->balance_known = 1;
	r->balance_reported = 1;
}

void
risk_account(struct risk *r, double balance_credit, double equity)
{
	if (!isfinite(balance_credit) || !isfinite(equity))
		return;
	r->floating = equity - balance_credit;
	risk_balance(r, balance_credit);
}

int
risk_is_open(const struct risk *r, uint64_t ticket)
{
	struct risk_ent	 q = { .kind = RISK_POSITION, .ticket = ticket };

	if (r->nlost > 0 || tfind(&q, &r->tree, ent_cmp) != NULL)
		return 1;
	q.kind = RISK_ORDER;
	return tfind(&q, &r->tree, ent_cmp) != NULL;
}

static const struct risk_sym *
sym_find(const struct risk *r, const char *symbol)
{
	size_t	 i;

	for (i = 0; i < r->nsyms; i++) {
		if (strcmp(r->syms[i].name, symbol) == 0)
			return &r->syms[i];
	}
	return NULL;
}

double
risk_net_lots(const struct risk *r, const char *symbol)
{
	const struct risk_sym	*y = sym_find(r, symbol);

	return y == NULL ? 0 : (double)y->net / RISK_LOT_UNITS;
}

double
risk_margin_used(const struct risk *r)
{
	return r->margin_used;
}

uint32_t
risk_open_count(const struct risk *r, const char *symbol)
{
	uint64_t	 n;
	size_t		 i;

	if (symbol == NULL) {
		n = (uint64_t)r->ntracked + r->nlost;
		return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	for (i = 0; i < r->nsyms; i++) {
		if (strcmp(r->syms[i].name, symbol) == 0)
			return r->syms[i].count;
	}
	return 0;
}

/* An order in flight's lots and margin, added (sign 1) or released. */
static void
flight_apply(struct risk *r, ssize_t handle, const struct risk_lots *l,
    int sign)
{
	struct risk_sym	*y;
	int64_t		*f;

	if (l == NULL)
		return;
	if (isfinite(l->margin) && l->margin > 0) {
		r->margin_flight += sign * l->margin;
		if (r->margin_flight < 0 || r->reserved == 0)
			r->margin_flight = 0;
	}
	if (handle < 0 || (size_t)handle >= r->nsyms)
		return;
	y = &r->syms[handle];
	f = &y->flight[side_ix(l->side)];
	*f += sign * lots_units(l->volume);
	if (*f < 0 || y->reserved == 0)
		*f = 0;
	if (sign > 0 && isfinite(l->price) && l->price > 0)
		y->price = l->price;
}

ssize_t
risk_reserve(struct risk *r, const char *symbol, const struct risk_lots *l)
{
	ssize_t	 si;

	if (r->reserved < UINT32_MAX)
		r->reserved++;
	/* Without a symbol's count the total still holds the slot. */
	if ((si = sym_index(r, symbol)) != -1)
		r->syms[si].reserved++;
	flight_apply(r, si, l, 1);
	return si;
}

void
risk_release(struct risk *r, ssize_t handle, const struct risk_lots *l)
{
	if (r->reserved > 0)
		r->reserved--;
	if (handle >= 0 && (size_t)handle < r->nsyms &&
	    r->syms[handle].reserved > 0)
		r->syms[handle].reserved--;
	flight_apply(r, handle, l, -1);
}

uint32_t
risk_reserved(const struct risk *r, const char *symbol)
{
	size_t	 i;

	if (symbol == NULL)
		return r->reserved;
	for (i = 0; i < r->nsyms; i++) {
		if (strcmp(r->syms[i].name, symbol) == 0)
			return r->syms[i].reserved;
	}
	return 0;
}

size_t
risk_rate_keys(const struct risk *r)
{
	return r->nkeys;
}

/* Days since the epoch, rounded down also before 1970. */
static int64_t
day_of(int64_t ms)
{
	return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

int64_t
risk_day_start(int64_t now_ms)
{
	return day_of(now_ms) * DAY_MS;
}

void
risk_realised(struct risk *r, int64_t time_ms, double profit)
{
	int64_t	 d = day_of(time_ms);

	if (!isfinite(profit))
		return;
	if (!r->realised_known || d > r->realised_day) {
		r->realised_known = 1;
		r->realised_day = d;
		r->realised = 0;
	}
	if (d == r->realised_day)
		r->realised += profit;
}

int
risk_deal_new(struct risk *r, uint64_t ticket)
{
	if (ticket <= r->last_deal)
		return 0;
	r->last_deal = ticket;
	return 1;
}

void
risk_deal_seen(struct risk *r, uint64_t ticket)
{
	if (ticket > r->last_deal)
		r->last_deal = ticket;
}

void
risk_set_realised(struct risk *r, int64_t day_start_ms, double sum)
{
	r->realised_known = 1;
	r->realised_day = day_of(day_start_ms);
	r->realised = isfinite(sum) ? sum : 0;
}

double
risk_realised_today(const struct risk *r, int64_t now_ms)
{
	if (!r->realised_known || r->realised_day != day_of(now_ms))
		return 0;
	return r->realised;
}

static int __attribute__((format(printf, 3, 4)))
refuse(struct risk_refusal *out, const char *rule, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	strlcpy(out->rule, rule, sizeof(out->rule));
	strlcpy(out->message, rule, sizeof(out->message));
	n = strlcat(out->message, ": ", sizeof(out->message));
	if (n < sizeof(out->message)) {
		va_start(ap, fmt);
		vsnprintf(out->message + n, sizeof(out->message) - n, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* A volume or a limit, without trailing zeros: "0.1", "12". */
static const char *
num(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.10g", v);
	return buf;
}

static int
rule_allowed(const struct risk *r, const struct rpc_params *p,
    struct risk_refusal *out)
{
	char	 list[96];	/* the message fits with a 32-byte symbol */
	size_t	 i;

	for (i = 0; i < r->nallowed; i++) {
		if (strcmp(r->allowed[i], p->symbol) == 0)
			return 0;
	}
	if (r->nallowed == 0)
		return refuse(out, "trading.allowed_symbols", "symbol %s is "
		    "not allowed: the list is empty, which allows none",
		    p->symbol);
	list[0] = '\0';
	for (i = 0; i < r->nallowed; i++) {
		/* Room for ", ", the name, ", ..." and the NUL. */
		if (strlen(list) + strlen(r->allowed[i]) + 8 > sizeof(list)) {
			strlcat(list, ", ...", sizeof(list));
			break;
		}
		if (i > 0)
			strlcat(list, ", ", sizeof(list));
		strlcat(list, r->allowed[i], sizeof(list));
	}
	return refuse(out, "trading.allowed_symbols", "symbol %s is not in "
	    "the list of allowed symbols (%s)", p->symbol, list);
}

static int
rule_volume(const struct risk *r, const struct rpc_params *p,
    struct risk_refusal *out)
{
	char	 a[32], b[32];

	if (!isfinite(p->volume) || p->volume <= 0)
		return refuse(out, "trading.max_volume", "the volume is not a "
		    "positive number");
	if (p->volume > r->max_volume)
		return refuse(out, "trading.max_volume", "volume %s is above "
		    "the limit of %s lots", num(p->volume, a, sizeof(a)),
		    num(r->max_volume, b, sizeof(b)));
	return 0;
}

/* Open on symbol (NULL: all), the orders on their way counted in. */
static uint32_t
in_use(const struct risk *r, const char *symbol)
{
	uint64_t	 n;

	n = (uint64_t)risk_open_count(r, symbol) + risk_reserved(r, symbol);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int
rule_counts(const struct risk *r, const struct rpc_params *p,
    struct risk_refusal *out)
{
	uint32_t	 n;

	n = in_use(r, NULL);
	if ((int64_t)n >= r->max_open)
		return refuse(out, "trading.max_open_positions", "%u "
		    "positions and pending orders are open, the limit is %d",
		    n, r->max_open);
	n = in_use(r, p->symbol);
	if ((int64_t)n >= r->max_per_symbol)
		return refuse(out, "trading.max_positions_per_symbol", "%u "
		    "positions and pending orders are open on %s, the limit "
		    "is %d", n, p->symbol, r->max_per_symbol);
	return 0;
}

static int
rule_daily_loss(const struct risk *r, int64_t now_ms,
    struct risk_refusal *out)
{
	char	 b[32];
	double	 today;

	if (!(r->max_daily_loss > 0))
		return 0;
	today = risk_realised_today(r, now_ms);
	if (today > -r->max_daily_loss)
		return 0;
	return refuse(out, "trading.max_daily_loss", "today's realised loss "
	    "of %.2f has reached the limit of %s; new orders are refused "
	    "until 00:00 UTC", -today, num(r->max_daily_loss, b, sizeof(b)));
}

/*
 * The worst net lots of the order's symbol once it is filled: its
 * positions' net with every pending and in-flight order on the order's
 * side filled and none on the other.
 */
static int
rule_exposure(const struct risk *r, const struct rpc_params *p,
    struct risk_refusal *out)
{
	const struct risk_sym	*y;
	char			 a[32], b[32], c[32], d[32], e[32];
	int64_t			 net = 0, more = 0, worst;
	int			 x = side_ix(p->side);

	if (r->max_exposure <= 0)
		return 0;
	if ((y = sym_find(r, p->symbol)) != NULL) {
		net = p->side == RPC_SIDE_SELL ? -y->net : y->net;
		more = y->pending[x] + y->flight[x];
	}
	worst = net + more + lots_units(p->volume);
	if (worst <= r->max_exposure)
		return 0;
	return refuse(out, "trading.max_exposure", "%s %s lots of %s would "
	    "make its net exposure %s lots %s, the limit is %s lots "
	    "(positions net %s, pending and in flight on that side %s)",
	    p->side == RPC_SIDE_SELL ? "selling" : "buying",
	    num(p->volume, a, sizeof(a)), p->symbol,
	    num((double)worst / RISK_LOT_UNITS, b, sizeof(b)),
	    p->side == RPC_SIDE_SELL ? "short" : "long",
	    num((double)r->max_exposure / RISK_LOT_UNITS, c, sizeof(c)),
	    num((double)(y != NULL ? y->net : 0) / RISK_LOT_UNITS, d,
	    sizeof(d)), num((double)more / RISK_LOT_UNITS, e, sizeof(e)));
}

static const struct risk_spec *
spec_find(const struct risk *r, const char *symbol)
{
	size_t	 i;

	for (i = 0; i < r->nspecs; i++) {
		if (strcmp(r->specs[i].name, symbol) == 0)
			return &r->specs[i];
	}
	return NULL;
}

/*
 * The order's margin, estimated: at the broker's own margin per lot of
 * the symbol's last position when there is one, else by paper's own
 * formula for the symbol's calc mode (common/margin.c) at the order's
 * price, the last price seen or the symbol's start_bid.  -1 when
 * nothing is known of the symbol.  A hedge's overlap is not netted
 * out: the estimate errs on the side of refusing.
 */
static double
margin_estimate(const struct risk *r, const struct rpc_params *p)
{
	const struct risk_sym	*y = sym_find(r, p->symbol);
	const struct risk_spec	*sp = spec_find(r, p->symbol);
	double			 price = 0;

	if (y != NULL && y->per_lot > 0)
		return p->volume * y->per_lot;
	if (sp == NULL)
		return -1;
	if ((p->flags & RPC_HAS_PRICE) && p->price > 0)
		price = p->price;
	else if (y != NULL && y->price > 0)
		price = y->price;
	else
		price = sp->start_bid;
	return margin_of(&sp->m, r->leverage, p->volume, price);
}

static int
rule_margin(const struct risk *r, const struct rpc_params *p, double need,
    struct risk_refusal *out)
{
	char	 a[32];
	double	 equity, margin, level;

	if (!(r->min_level > 0))
		return 0;
	if (need < 0)
		return refuse(out, "trading.min_margin_level", "no margin "
		    "figure is known for %s: the broker has reported no "
		    "position on it and it is not a paper symbol", p->symbol);
	if (!r->balance_known)
		return refuse(out, "trading.min_margin_level", "the account's "
		    "balance is not known yet");
	equity = r->balance + r->floating;
	margin = r->margin_used + r->margin_flight + need;
	level = margin > 0 ? equity / margin * 100 : INFINITY;
	if (level >= r->min_level)
		return 0;
	return refuse(out, "trading.min_margin_level", "the order needs "
	    "about %.2f of margin; the margin level would be %.1f%% (equity "
	    "%.2f, margin %.2f), below the limit of %s%%", need, level,
	    equity, margin, num(r->min_level, a, sizeof(a)));
}

/* Drop the windows that no longer hold anything. */
static void
keys_prune(struct risk *r, uint64_t now)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->nkeys; i++) {
		if (rpc_window_idle(&r->keys[i].w, now, RISK_RATE_WINDOW))
			continue;
		r->keys[n++] = r->keys[i];
	}
	r->nkeys = n;
}

/* key_id's window, made if new; NULL when none can be had. */
static struct rpc_window *
key_window(struct risk *r, int64_t key_id, uint64_t now)
{
	struct risk_key	*nv;
	size_t		 i, ncap;

	for (i = 0; i < r->nkeys; i++) {
		if (r->keys[i].id == key_id)
			return &r->keys[i].w;
	}
	if (r->nkeys == r->capkeys) {
		keys_prune(r, now);
		if (r->nkeys == r->capkeys) {
			if (r->capkeys >= RISK_KEYS_MAX)
				return NULL;
			ncap = r->capkeys == 0 ? 8 : r->capkeys * 2;
			if ((nv = reallocarray(r->keys, ncap,
			    sizeof(*nv))) == NULL)
				return NULL;
			r->keys = nv;
			r->capkeys = ncap;
		}
	}
	memset(&r->keys[r->nkeys], 0, sizeof(r->keys[0]));
	r->keys[r->nkeys].id = key_id;
	return &r->keys[r->nkeys++].w;
}

static int
rule_rate(struct risk *r, int64_t key_id, int64_t now_ms,
    struct risk_refusal *out)
{
	struct rpc_window	*w;
	uint64_t		 now = now_ms > 0 ? (uint64_t)now_ms : 0;
	uint32_t		 wait;

	if ((w = key_window(r, key_id, now)) == NULL)
		return refuse(out, "trading.orders_per_minute", "too many keys "
		    "are ordering at once to keep the limit of %d orders per "
		    "minute for each", r->per_minute);
	if (r->per_minute <= 0)
		wait = RISK_RATE_WINDOW;
	else if ((wait = rpc_window_hit(w, now, RISK_RATE_WINDOW,
	    (uint32_t)r->per_minute)) == 0)
		return 0;
	refuse(out, "trading.orders_per_minute", "this key has reached the "
	    "limit of %d orders per minute; retry in %u s", r->per_minute,
	    wait);
	out->retry_after = wait;
	return 1;
}

int
risk_check(struct risk *r, int64_t key_id, const struct rpc_params *p,
    int64_t now_ms, struct risk_refusal *out)
{
	const struct api_info	*ai;
	double			 need;

	memset(out, 0, sizeof(*out));
	/* Reads change nothing: no rule holds them back. */
	if ((ai = api_info(p->op)) == NULL || ai->rw != API_WRITE)
		return 0;
	/* A new order opens exposure; the other writes only count. */
	if (p->op != OP_TRADE)
		return rule_rate(r, key_id, now_ms, out);
	need = margin_estimate(r, p);
	if (rule_allowed(r, p, out) ||
	    rule_volume(r, p, out) ||
	    rule_counts(r, p, out) || rule_daily_loss(r, now_ms, out) ||
	    rule_exposure(r, p, out) || rule_margin(r, p, need, out))
		return 1;
	if (rule_rate(r, key_id, now_ms, out))
		return 1;
	out->lots.side = p->side;
	out->lots.volume = p->volume;
	out->lots.margin = need > 0 ? need : 0;
	out->lots.price = (p->flags & RPC_HAS_PRICE) ? p->price : 0;
	return 0;
}
