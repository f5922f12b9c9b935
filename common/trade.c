/*
 * The typed answers of the trading operations: encoders, strict decoders
 * and the names the renderers use.  See trade.h.
 *
 * Layouts (wire.h: integers little-endian, d = a double as the u64 of its
 * bits, str = u16 length + bytes):
 *
 *	result	 u32 retcode, u64 order, u64 deal, u64 position, d volume,
 *		 d price, d bid, d ask, str comment, str message,
 *		 str client_order_id, u8 duplicate
 *	account	 str login, str currency, u8 margin_mode, u32 leverage,
 *		 d balance, d credit, d profit, d equity, d margin,
 *		 d margin_free, d margin_level
 *	position u64 ticket, str symbol, u8 type, d volume, d price_open,
 *		 d price_current, d sl, d tp, d profit, d margin, u64 time,
 *		 u64 magic, str comment
 *	order	 u64 ticket, str symbol, u8 type, d volume, d price,
 *		 d price_current, d sl, d tp, u64 time_setup, u64 magic,
 *		 str comment, d stop_limit, u8 type_time, u64 expiration
 *	positions, orders  u32 n, u8 truncated, then n entries
 *	symbol	 str name, str currency_base, str currency_profit, u8 digits,
 *		 d point, d contract_size, d volume_min, d volume_max,
 *		 d volume_step, u32 stops_level, u8 filling, u8 trade_mode,
 *		 d tick_value, d bid, d ask, u64 time, u8 session_open
 *
 * A decoded value re-encodes to the same bytes: every field is kept as
 * read, and what does not fit a field is refused rather than adjusted.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mt5.h"
#include "nitems.h"
#include "trade.h"
#include "wire.h"


/* The MT5 trade server return codes (ENUM_TRADE_RETURN_CODES). */
static const struct {
	uint32_t	 code;
	const char	*text;
} trade_rctext[] = {
	{ PAPER_RC_REQUOTE, "Requote" },
	{ PAPER_RC_REJECT, "Request rejected" },
	{ PAPER_RC_CANCEL, "Request canceled by trader" },
	{ PAPER_RC_PLACED, "Order placed" },
	{ PAPER_RC_DONE, "Request completed" },
	{ PAPER_RC_DONE_PARTIAL, "Only part of the request was completed" },
	{ PAPER_RC_ERROR, "Request processing error" },
	{ PAPER_RC_TIMEOUT, "Request canceled by timeout" },
	{ PAPER_RC_INVALID, "Invalid request" },
	{ PAPER_RC_INVALID_VOLUME, "Invalid volume in the request" },
	{ PAPER_RC_INVALID_PRICE, "Invalid price in the request" },
	{ PAPER_RC_INVALID_STOPS, "Invalid stops in the request" },
	{ PAPER_RC_TRADE_DISABLED, "Trade is disabled" },
	{ PAPER_RC_MARKET_CLOSED, "Market is closed" },
	{ PAPER_RC_NO_MONEY, "There is not enough money to complete the request" },
	{ PAPER_RC_PRICE_CHANGED, "Prices changed" },
	{ PAPER_RC_PRICE_OFF, "There are no quotes to process the request" },
	{ PAPER_RC_INVALID_EXPIRATION, "Invalid order expiration date in the request" },
	{ PAPER_RC_ORDER_CHANGED, "Order state changed" },
	{ PAPER_RC_TOO_MANY_REQUESTS, "Too frequent requests" },
	{ PAPER_RC_NO_CHANGES, "No changes in request" },
	{ PAPER_RC_SERVER_DISABLES_AT, "Autotrading disabled by server" },
	{ PAPER_RC_CLIENT_DISABLES_AT, "Autotrading disabled by client terminal" },
	{ PAPER_RC_LOCKED, "Request locked for processing" },
	{ PAPER_RC_FROZEN, "Order or position frozen" },
	{ PAPER_RC_INVALID_FILL, "Invalid order filling type" },
	{ PAPER_RC_CONNECTION, "No connection with the trade server" },
	{ PAPER_RC_ONLY_REAL, "Operation is allowed only for live accounts" },
	{ PAPER_RC_LIMIT_ORDERS, "The number of pending orders has reached the limit" },
	{ PAPER_RC_LIMIT_VOLUME, "The volume of orders and positions for the symbol has "
	    "reached the limit" },
	{ PAPER_RC_INVALID_ORDER, "Incorrect or prohibited order type" },
	{ PAPER_RC_POSITION_CLOSED, "Position with the specified POSITION_IDENTIFIER has "
	    "already been closed" },
	{ PAPER_RC_INVALID_CLOSE_VOLUME, "A close volume exceeds the current position volume" },
	{ PAPER_RC_CLOSE_ORDER_EXIST, "A close order already exists for a specified position" },
	{ PAPER_RC_LIMIT_POSITIONS, "The number of open positions simultaneously present on an "
	    "account has reached the limit" },
	{ PAPER_RC_REJECT_CANCEL, "The pending order activation request is rejected, the "
	    "order is canceled" },
	{ PAPER_RC_LONG_ONLY, "The request is rejected, because the \"Only long positions "
	    "are allowed\" rule is set for the symbol" },
	{ PAPER_RC_SHORT_ONLY, "The request is rejected, because the \"Only short "
	    "positions are allowed\" rule is set for the symbol" },
	{ PAPER_RC_CLOSE_ONLY, "The request is rejected, because the \"Only position "
	    "closing is allowed\" rule is set for the symbol" },
	{ PAPER_RC_FIFO_CLOSE, "The request is rejected, because \"Position closing is "
	    "allowed only by FIFO rule\" flag is set for the trading account" },
	{ PAPER_RC_HEDGE_PROHIBITED, "The request is rejected, because the \"Opposite positions "
	    "on a single symbol are disabled\" rule is set for the trading "
	    "account" },
};

static const char *trade_type_names[] = {
	"BUY", "SELL", "BUY_LIMIT", "SELL_LIMIT", "BUY_STOP", "SELL_STOP",
	"BUY_STOP_LIMIT", "SELL_STOP_LIMIT"
};

static const char *trade_time_names[] = {
	"gtc", "day", "specified", "specified_day"
};

const char *
trade_retcode_text(uint32_t retcode)
{
	size_t	 i;

	for (i = 0; i < nitems(trade_rctext); i++)
		if (trade_rctext[i].code == retcode)
			return trade_rctext[i].text;
	return "Unknown trade server return code";
}

const char *
trade_status_name(uint32_t retcode)
{
	switch (retcode) {
	case PAPER_RC_DONE:
		return "filled";
	case PAPER_RC_PLACED:
		return "placed";
	case PAPER_RC_DONE_PARTIAL:
		return "partial";
	default:
		return "rejected";
	}
}

int
trade_executed(uint32_t retcode)
{
	return retcode == PAPER_RC_DONE || retcode == PAPER_RC_PLACED ||
	    retcode == PAPER_RC_DONE_PARTIAL;
}

const char *
trade_type_name(uint8_t type)
{
	if (type < nitems(trade_type_names))
		return trade_type_names[type];
	return "UNKNOWN";
}

const char *
trade_time_name(uint8_t type_time)
{
	if (type_time < nitems(trade_time_names))
		return trade_time_names[type_time];
	return "unknown";
}

/* --- encoding ---------------------------------------------------------- */

/* A string field of size sz; one without its NUL is not sent. */
static void
put_field(struct wire_builder *b, const char *s, size_t sz)
{
	if (memchr(s, '\0', sz) == NULL) {
		b->err = 1;
		return;
	}
	wire_put_str(b, s);
}

#define PUT_STR(b, field)	put_field((b), (field), sizeof(field))

static size_t
put_end(const struct wire_builder *b)
{
	return b->err ? (size_t)-1 : b->len;
}

size_t
trade_result_encode(const struct trade_result *r, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u32(&b, r->retcode);
	wire_put_u64(&b, r->order);
	wire_put_u64(&b, r->deal);
	wire_put_u64(&b, r->position);
	wire_put_double(&b, r->volume);
	wire_put_double(&b, r->price);
	wire_put_double(&b, r->bid);
	wire_put_double(&b, r->ask);
	PUT_STR(&b, r->comment);
	PUT_STR(&b, r->message);
	PUT_STR(&b, r->client_order_id);
	wire_put_u8(&b, r->duplicate);
	return put_end(&b);
}

size_t
trade_account_encode(const struct trade_account *a, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	PUT_STR(&b, a->login);
	PUT_STR(&b, a->currency);
	wire_put_u8(&b, a->margin_mode);
	wire_put_u32(&b, a->leverage);
	wire_put_double(&b, a->balance);
	wire_put_double(&b, a->credit);
	wire_put_double(&b, a->profit);
	wire_put_double(&b, a->equity);
	wire_put_double(&b, a->margin);
	wire_put_double(&b, a->margin_free);
	wire_put_double(&b, a->margin_level);
	return put_end(&b);
}

static void
put_position(struct wire_builder *b, const struct trade_position *p)
{
	wire_put_u64(b, p->ticket);
	PUT_STR(b, p->symbol);
	wire_put_u8(b, p->type);
	wire_put_double(b, p->volume);
	wire_put_double(b, p->price_open);
	wire_put_double(b, p->price_current);
	wire_put_double(b, p->sl);
	wire_put_double(b, p->tp);
	wire_put_double(b, p->profit);
	wire_put_double(b, p->margin);
	wire_put_u64(b, (uint64_t)p->time);
	wire_put_u64(b, p->magic);
	PUT_STR(b, p->comment);
}

size_t
trade_positions_encode(const struct trade_positions *l, uint8_t *buf,
    size_t cap)
{
	struct wire_builder	 b;
	uint32_t		 i;

	wire_builder_init(&b, buf, cap);
	if (l->n > TRADE_LIST_MAX)
		return (size_t)-1;
	wire_put_u32(&b, l->n);
	wire_put_u8(&b, l->truncated);
	for (i = 0; i < l->n; i++)
		put_position(&b, &l->pos[i]);
	return put_end(&b);
}

static void
put_order(struct wire_builder *b, const struct trade_order *o)
{
	wire_put_u64(b, o->ticket);
	PUT_STR(b, o->symbol);
	wire_put_u8(b, o->type);
	wire_put_double(b, o->volume);
	wire_put_double(b, o->price);
	wire_put_double(b, o->price_current);
	wire_put_double(b, o->sl);
	wire_put_double(b, o->tp);
	wire_put_u64(b, (uint64_t)o->time_setup);
	wire_put_u64(b, o->magic);
	PUT_STR(b, o->comment);
	wire_put_double(b, o->stop_limit);
	wire_put_u8(b, o->type_time);
	wire_put_u64(b, (uint64_t)o->expiration);
}

size_t
trade_orders_encode(const struct trade_orders *l, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;
	uint32_t		 i;

	wire_builder_init(&b, buf, cap);
	if (l->n > TRADE_LIST_MAX)
		return (size_t)-1;
	wire_put_u32(&b, l->n);
	wire_put_u8(&b, l->truncated);
	for (i = 0; i < l->n; i++)
		put_order(&b, &l->ord[i]);
	return put_end(&b);
}

size_t
trade_symbol_encode(const struct trade_symbol *s, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	PUT_STR(&b, s->name);
	PUT_STR(&b, s->currency_base);
	PUT_STR(&b, s->currency_profit);
	wire_put_u8(&b, s->digits);
	wire_put_double(&b, s->point);
	wire_put_double(&b, s->contract_size);
	wire_put_double(&b, s->volume_min);
	wire_put_double(&b, s->volume_max);
	wire_put_double(&b, s->volume_step);
	wire_put_u32(&b, s->stops_level);
	wire_put_u8(&b, s->filling);
	wire_put_u8(&b, s->trade_mode);
	wire_put_double(&b, s->tick_value);
	wire_put_double(&b, s->bid);
	wire_put_double(&b, s->ask);
	wire_put_u64(&b, (uint64_t)s->time);
	wire_put_u8(&b, s->session_open);
	return put_end(&b);
}

/* --- decoding ---------------------------------------------------------- */

/*
 * A reader that remembers the first field that failed.  Each helper takes
 * the field's name as a literal, so that *why can name the field and the
 * rule without a buffer.
 */
struct tdec {
	struct wire_reader	 r;
	const char		*why;
};

static void
td_fail(struct tdec *d, const char *why)
{
	if (d->why == NULL)
		d->why = why;
}

/* The read just made ran short (or an earlier one did). */
static int
td_short(struct tdec *d, const char *why)
{
	if (wire_ok(&d->r))
		return 0;
	td_fail(d, why);
	return 1;
}

static uint8_t
td_u8(struct tdec *d, uint8_t max, const char *trunc, const char *range)
{
	uint8_t	 v = wire_get_u8(&d->r);

	if (!td_short(d, trunc) && v > max)
		td_fail(d, range);
	return v;
}

static uint32_t
td_u32(struct tdec *d, const char *trunc)
{
	uint32_t v = wire_get_u32(&d->r);

	td_short(d, trunc);
	return v;
}

static uint64_t
td_u64(struct tdec *d, int nonzero, const char *trunc, const char *zero)
{
	uint64_t v = wire_get_u64(&d->r);

	if (!td_short(d, trunc) && nonzero && v == 0)
		td_fail(d, zero);
	return v;
}

/* Milliseconds since the epoch, 0 .. TRADE_TIME_MAX. */
static int64_t
td_time(struct tdec *d, const char *trunc, const char *range)
{
	uint64_t v = wire_get_u64(&d->r);

	if (!td_short(d, trunc) && v > (uint64_t)TRADE_TIME_MAX)
		td_fail(d, range);
	return (int64_t)v;
}

/* A finite double within TRADE_NUM_MAX; nonneg: also >= 0 (-0.0 too). */
static double
td_double(struct tdec *d, int nonneg, const char *trunc, const char *nf,
    const char *neg)
{
	double	 v = wire_get_double(&d->r);

	if (td_short(d, trunc))
		return v;
	if (!isfinite(v) || v > TRADE_NUM_MAX || v < -TRADE_NUM_MAX)
		td_fail(d, nf);
	else if (nonneg && v < 0)
		td_fail(d, neg);
	return v;
}

/* Printable ASCII; nonempty: at least one byte. */
static void
td_str(struct tdec *d, char *dst, size_t sz, int nonempty, const char *bad,
    const char *unprintable, const char *empty)
{
	size_t	 i;

	wire_get_str(&d->r, dst, sz);
	if (td_short(d, bad))
		return;
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 ||
		    (unsigned char)dst[i] > 0x7e) {
			td_fail(d, unprintable);
			return;
		}
	if (nonempty && i == 0)
		td_fail(d, empty);
}

#define TD_U8(d, max, n)	td_u8((d), (max), n ": truncated", \
				    n ": out of range")
#define TD_U32(d, n)		td_u32((d), n ": truncated")
#define TD_U64(d, n)		td_u64((d), 0, n ": truncated", NULL)
#define TD_TICKET(d, n)		td_u64((d), 1, n ": truncated", n ": zero")
#define TD_TIME(d, n)		td_time((d), n ": truncated", \
				    n ": out of range")
#define TD_NUM(d, n)		td_double((d), 0, n ": truncated", \
				    n ": not a finite number within 1e15", NULL)
#define TD_NONNEG(d, n)		td_double((d), 1, n ": truncated", \
				    n ": not a finite number within 1e15", \
				    n ": negative")
#define TD_STR(d, dst, n)	td_str((d), (dst), sizeof(dst), 0, \
				    n ": truncated, too long or with a NUL", \
				    n ": not printable ASCII", NULL)
#define TD_NAME(d, dst, n)	td_str((d), (dst), sizeof(dst), 1, \
				    n ": truncated, too long or with a NUL", \
				    n ": not printable ASCII", n ": empty")

static void
td_init(struct tdec *d, const uint8_t *buf, size_t len)
{
	wire_reader_init(&d->r, buf, len);
	d->why = NULL;
}

/* The payload ends exactly after the last field. */
static int
td_end(struct tdec *d, const char *trailing, const char **why)
{
	if (d->why == NULL && wire_end(&d->r) == -1)
		d->why = trailing;
	if (d->why != NULL) {
		*why = d->why;
		return -1;
	}
	return 0;
}

int
trade_result_decode(const uint8_t *buf, size_t len, struct trade_result *r,
    const char **why)
{
	struct tdec	 d;

	memset(r, 0, sizeof(*r));
	td_init(&d, buf, len);
	r->retcode = TD_U32(&d, "result.retcode");
	r->order = TD_U64(&d, "result.order");
	r->deal = TD_U64(&d, "result.deal");
	r->position = TD_U64(&d, "result.position");
	r->volume = TD_NONNEG(&d, "result.volume");
	r->price = TD_NONNEG(&d, "result.price");
	r->bid = TD_NONNEG(&d, "result.bid");
	r->ask = TD_NONNEG(&d, "result.ask");
	TD_STR(&d, r->comment, "result.comment");
	TD_STR(&d, r->message, "result.message");
	TD_STR(&d, r->client_order_id, "result.client_order_id");
	r->duplicate = TD_U8(&d, 1, "result.duplicate");
	return td_end(&d, "result: trailing bytes", why);
}

int
trade_account_decode(const uint8_t *buf, size_t len, struct trade_account *a,
    const char **why)
{
	struct tdec	 d;

	memset(a, 0, sizeof(*a));
	td_init(&d, buf, len);
	TD_STR(&d, a->login, "account.login");
	TD_STR(&d, a->currency, "account.currency");
	a->margin_mode = TD_U8(&d, TRADE_HEDGING, "account.margin_mode");
	if (a->margin_mode != TRADE_NETTING && a->margin_mode != TRADE_HEDGING)
		td_fail(&d, "account.margin_mode: out of range");
	a->leverage = TD_U32(&d, "account.leverage");
	a->balance = TD_NUM(&d, "account.balance");
	a->credit = TD_NUM(&d, "account.credit");
	a->profit = TD_NUM(&d, "account.profit");
	a->equity = TD_NUM(&d, "account.equity");
	a->margin = TD_NONNEG(&d, "account.margin");
	a->margin_free = TD_NUM(&d, "account.margin_free");
	a->margin_level = TD_NONNEG(&d, "account.margin_level");
	return td_end(&d, "account: trailing bytes", why);
}

static void
get_position(struct tdec *d, struct trade_position *p)
{
	p->ticket = TD_TICKET(d, "position.ticket");
	TD_NAME(d, p->symbol, "position.symbol");
	p->type = TD_U8(d, TRADE_SELL, "position.type");
	p->volume = TD_NONNEG(d, "position.volume");
	p->price_open = TD_NONNEG(d, "position.price_open");
	p->price_current = TD_NONNEG(d, "position.price_current");
	p->sl = TD_NONNEG(d, "position.sl");
	p->tp = TD_NONNEG(d, "position.tp");
	p->profit = TD_NUM(d, "position.profit");
	p->margin = TD_NONNEG(d, "position.margin");
	p->time = TD_TIME(d, "position.time");
	p->magic = TD_U64(d, "position.magic");
	TD_STR(d, p->comment, "position.comment");
}

int
trade_positions_decode(const uint8_t *buf, size_t len,
    struct trade_positions *l, const char **why)
{
	struct tdec	 d;
	uint32_t	 i;

	memset(l, 0, sizeof(*l));
	td_init(&d, buf, len);
	l->n = TD_U32(&d, "positions.n");
	if (l->n > TRADE_LIST_MAX) {
		td_fail(&d, "positions.n: more than TRADE_LIST_MAX");
		l->n = 0;
	}
	l->truncated = TD_U8(&d, 1, "positions.truncated");
	for (i = 0; i < l->n && d.why == NULL; i++)
		get_position(&d, &l->pos[i]);
	return td_end(&d, "positions: trailing bytes", why);
}

static void
get_order(struct tdec *d, struct trade_order *o)
{
	o->ticket = TD_TICKET(d, "order.ticket");
	TD_NAME(d, o->symbol, "order.symbol");
	o->type = TD_U8(d, TRADE_SELL_STOP_LIMIT, "order.type");
	if (o->type < TRADE_BUY_LIMIT)
		td_fail(d, "order.type: out of range");
	o->volume = TD_NONNEG(d, "order.volume");
	o->price = TD_NONNEG(d, "order.price");
	o->price_current = TD_NONNEG(d, "order.price_current");
	o->sl = TD_NONNEG(d, "order.sl");
	o->tp = TD_NONNEG(d, "order.tp");
	o->time_setup = TD_TIME(d, "order.time_setup");
	o->magic = TD_U64(d, "order.magic");
	TD_STR(d, o->comment, "order.comment");
	o->stop_limit = TD_NONNEG(d, "order.stop_limit");
	o->type_time = TD_U8(d, TRADE_TIME_SPECIFIED_DAY, "order.type_time");
	o->expiration = TD_TIME(d, "order.expiration");
}

int
trade_orders_decode(const uint8_t *buf, size_t len, struct trade_orders *l,
    const char **why)
{
	struct tdec	 d;
	uint32_t	 i;

	memset(l, 0, sizeof(*l));
	td_init(&d, buf, len);
	l->n = TD_U32(&d, "orders.n");
	if (l->n > TRADE_LIST_MAX) {
		td_fail(&d, "orders.n: more than TRADE_LIST_MAX");
		l->n = 0;
	}
	l->truncated = TD_U8(&d, 1, "orders.truncated");
	for (i = 0; i < l->n && d.why == NULL; i++)
		get_order(&d, &l->ord[i]);
	return td_end(&d, "orders: trailing bytes", why);
}

int
trade_symbol_decode(const uint8_t *buf, size_t len, struct trade_symbol *s,
    const char **why)
{
	struct tdec	 d;

	memset(s, 0, sizeof(*s));
	td_init(&d, buf, len);
	TD_NAME(&d, s->name, "symbol.name");
	TD_STR(&d, s->currency_base, "symbol.currency_base");
	TD_STR(&d, s->currency_profit, "symbol.currency_profit");
	s->digits = TD_U8(&d, TRADE_DIGITS_MAX, "symbol.digits");
	s->point = TD_NONNEG(&d, "symbol.point");
	s->contract_size = TD_NONNEG(&d, "symbol.contract_size");
	s->volume_min = TD_NONNEG(&d, "symbol.volume_min");
	s->volume_max = TD_NONNEG(&d, "symbol.volume_max");
	s->volume_step = TD_NONNEG(&d, "symbol.volume_step");
	s->stops_level = TD_U32(&d, "symbol.stops_level");
	s->filling = TD_U8(&d, TRADE_FILL_ALL, "symbol.filling");
	s->trade_mode = TD_U8(&d, TRADE_MODE_FULL, "symbol.trade_mode");
	s->tick_value = TD_NONNEG(&d, "symbol.tick_value");
	s->bid = TD_NONNEG(&d, "symbol.bid");
	s->ask = TD_NONNEG(&d, "symbol.ask");
	s->time = TD_TIME(&d, "symbol.time");
	s->session_open = TD_U8(&d, 1, "symbol.session_open");
	return td_end(&d, "symbol: trailing bytes", why);
}
