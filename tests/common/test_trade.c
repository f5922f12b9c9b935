/*
 * The typed trading answers: round trips of each encoding, every refusal
 * of the decoders (naming the field), the encoders' own limits and the
 * tables of names and return codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trade.h"
#include "wire.h"

#define BUFSZ	32768

typedef int (*decode_fn)(const uint8_t *, size_t, void *, const char **);

/*
 * Every prefix of a good encoding, and the encoding with one byte more,
 * fails to decode; the whole of it decodes and re-encodes to itself.
 */
static void
exact(const uint8_t *buf, size_t n, decode_fn dec, void *out)
{
	uint8_t		*more;
	const char	*why;
	size_t		 i;

	for (i = 0; i < n; i++) {
		why = NULL;
		if (dec(buf, i, out, &why) != -1)
			fail_msg("a prefix of %zu of %zu bytes decoded", i, n);
		assert_non_null(why);
	}
	if ((more = malloc(n + 1)) == NULL)
		fail();
	memcpy(more, buf, n);
	more[n] = 0;
	assert_int_equal(dec(more, n + 1, out, &why), -1);
	assert_non_null(strstr(why, "trailing bytes"));
	free(more);
	if (dec(buf, n, out, &why) == -1)
		fail_msg("does not decode: %s", why);
}

/* Decoding buf fails and why holds what. */
static void
refused(const uint8_t *buf, size_t n, decode_fn dec, void *out,
    const char *what)
{
	const char	*why = NULL;

	if (dec(buf, n, out, &why) != -1)
		fail_msg("decoded; expected '%s'", what);
	if (why == NULL || strstr(why, what) == NULL)
		fail_msg("'%s' lacks '%s'", why ? why : "(null)", what);
}

/* Casts for the table above: the decoders differ only in their struct. */
static int
dec_result(const uint8_t *b, size_t n, void *o, const char **why)
{
	return trade_result_decode(b, n, o, why);
}

static int
dec_account(const uint8_t *b, size_t n, void *o, const char **why)
{
	return trade_account_decode(b, n, o, why);
}

static int
dec_positions(const uint8_t *b, size_t n, void *o, const char **why)
{
	return trade_positions_decode(b, n, o, why);
}

static int
dec_orders(const uint8_t *b, size_t n, void *o, const char **why)
{
	return trade_orders_decode(b, n, o, why);
}

static int
dec_symbol(const uint8_t *b, size_t n, void *o, const char **why)
{
	return trade_symbol_decode(b, n, o, why);
}

static void
sample_result(struct trade_result *r)
{
	memset(r, 0, sizeof(*r));
	r->retcode = 10009;
	r->order = 17;
	r->deal = 23;
	r->position = 17;
	r->volume = 0.1;
	r->price = 1.10512;
	r->bid = 1.10500;
	r->ask = 1.10512;
	strlcpy(r->comment, "Request executed", sizeof(r->comment));
	strlcpy(r->message, trade_retcode_text(10009), sizeof(r->message));
	strlcpy(r->client_order_id, "bot-1 #42", sizeof(r->client_order_id));
	r->duplicate = 1;
}

static void
sample_account(struct trade_account *a)
{
	memset(a, 0, sizeof(*a));
	strlcpy(a->login, "****5678", sizeof(a->login));
	strlcpy(a->currency, "USD", sizeof(a->currency));
	a->margin_mode = TRADE_HEDGING;
	a->leverage = 100;
	a->balance = 10000;
	a->credit = 0;
	a->profit = -12.5;
	a->equity = 9987.5;
	a->margin = 110.51;
	a->margin_free = 9876.99;
	a->margin_level = 9037.6;
}

static void
sample_position(struct trade_position *p, uint64_t ticket)
{
	memset(p, 0, sizeof(*p));
	p->ticket = ticket;
	strlcpy(p->symbol, "EURUSD", sizeof(p->symbol));
	p->type = ticket % 2 ? TRADE_SELL : TRADE_BUY;
	p->volume = 0.25;
	p->price_open = 1.1;
	p->price_current = 1.1012;
	p->sl = 0;
	p->tp = 1.2;
	p->profit = -30.0;
	p->margin = 275;
	p->time = 1767225600123LL;
	p->magic = 777;
	strlcpy(p->comment, "grid leg", sizeof(p->comment));
}

static void
sample_order(struct trade_order *o, uint64_t ticket)
{
	memset(o, 0, sizeof(*o));
	o->ticket = ticket;
	strlcpy(o->symbol, "XAUUSD", sizeof(o->symbol));
	o->type = (uint8_t)(TRADE_BUY_LIMIT + ticket % 6);
	o->volume = 1;
	o->price = 2300.5;
	o->price_current = 2310.25;
	o->sl = 2290;
	o->tp = 0;
	o->time_setup = 1767225600999LL;
	o->magic = 0;
	o->comment[0] = '\0';
	o->stop_limit = ticket % 6 >= 4 ? 2295.5 : 0;
	o->type_time = (uint8_t)(ticket % 4);
	o->expiration = ticket % 4 != 0 ? 1767312000000LL : 0;
}

static void
sample_symbol(struct trade_symbol *s)
{
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, "EURUSD", sizeof(s->name));
	strlcpy(s->currency_base, "EUR", sizeof(s->currency_base));
	strlcpy(s->currency_profit, "USD", sizeof(s->currency_profit));
	s->digits = 5;
	s->point = 0.00001;
	s->contract_size = 100000;
	s->volume_min = 0.01;
	s->volume_max = 100;
	s->volume_step = 0.01;
	s->stops_level = 10;
	s->filling = TRADE_FILL_FOK | TRADE_FILL_IOC;
	s->trade_mode = TRADE_MODE_FULL;
	s->tick_value = 1;
	s->bid = 1.105;
	s->ask = 1.10512;
	s->time = 1767225600000LL;
	s->session_open = 1;
}

static void
test_result(void **state)
{
	struct trade_result	 r, q;
	uint8_t			 buf[1024], again[1024];
	size_t			 n;

	sample_result(&r);
	n = trade_result_encode(&r, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	exact(buf, n, dec_result, &q);
	assert_memory_equal(&q, &r, sizeof(r));
	assert_int_equal(trade_result_encode(&q, again, sizeof(again)), n);
	assert_memory_equal(again, buf, n);

	/* Each double, each string, the flag. */
#define BAD(field, value, what) do {					\
		sample_result(&r);					\
		r.field = (value);					\
		n = trade_result_encode(&r, buf, sizeof(buf));		\
		refused(buf, n, dec_result, &q, what);			\
	} while (0)
	BAD(volume, NAN, "result.volume: not a finite number");
	BAD(volume, -0.1, "result.volume: negative");
	BAD(price, INFINITY, "result.price: not a finite number");
	BAD(price, -1, "result.price: negative");
	BAD(price, 1.000001e15, "result.price: not a finite number within");
	BAD(volume, DBL_MAX, "result.volume: not a finite number within");
	BAD(bid, -INFINITY, "result.bid");
	BAD(ask, NAN, "result.ask");
	BAD(duplicate, 2, "result.duplicate: out of range");
#undef BAD
	sample_result(&r);
	r.volume = -0.0;		/* a zero all the same */
	n = trade_result_encode(&r, buf, sizeof(buf));
	exact(buf, n, dec_result, &q);
	sample_result(&r);
	r.comment[0] = '\x01';
	n = trade_result_encode(&r, buf, sizeof(buf));
	refused(buf, n, dec_result, &q, "result.comment: not printable");
	sample_result(&r);
	r.message[3] = '\x7f';
	n = trade_result_encode(&r, buf, sizeof(buf));
	refused(buf, n, dec_result, &q, "result.message: not printable");
	sample_result(&r);
	strlcpy(r.client_order_id, "caf\xc3\xa9", sizeof(r.client_order_id));
	n = trade_result_encode(&r, buf, sizeof(buf));
	refused(buf, n, dec_result, &q, "result.client_order_id");

	/* Empty strings and zero tickets are fine in a result. */
	memset(&r, 0, sizeof(r));
	r.retcode = 10036;
	n = trade_result_encode(&r, buf, sizeof(buf));
	exact(buf, n, dec_result, &q);
}

static void
test_result_strings(void **state)
{
	struct trade_result	 q;
	struct wire_builder	 b;
	uint8_t			 buf[1024];
	char			 big[TRADE_COMMENT_MAX + 1];
	int			 i;

	/* A comment one byte too long for its field. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_u32(&b, 10009);
	for (i = 0; i < 3; i++)
		wire_put_u64(&b, 1);
	for (i = 0; i < 4; i++)
		wire_put_double(&b, 1);
	wire_put_str(&b, big);
	wire_put_str(&b, "");
	wire_put_str(&b, "");
	wire_put_u8(&b, 0);
	assert_false(b.err);
	refused(buf, b.len, dec_result, &q, "result.comment: truncated, too "
	    "long");

	/* A NUL inside a string. */
	wire_builder_init(&b, buf, sizeof(buf));
	wire_put_u32(&b, 10009);
	for (i = 0; i < 3; i++)
		wire_put_u64(&b, 1);
	for (i = 0; i < 4; i++)
		wire_put_double(&b, 1);
	wire_put_str(&b, "");
	wire_put_u16(&b, 3);
	wire_put_bytes(&b, "a\0b", 3);
	wire_put_str(&b, "");
	wire_put_u8(&b, 0);
	refused(buf, b.len, dec_result, &q, "result.message");

	/* A short payload names the field it ran out in. */
	refused(buf, 2, dec_result, &q, "result.retcode: truncated");
	refused(buf, 4 + 8 + 3, dec_result, &q, "result.deal: truncated");
}

static void
test_account(void **state)
{
	struct trade_account	 a, q;
	uint8_t			 buf[1024];
	size_t			 n;

	sample_account(&a);
	n = trade_account_encode(&a, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	exact(buf, n, dec_account, &q);
	assert_memory_equal(&q, &a, sizeof(a));
	a.margin_mode = TRADE_NETTING;
	a.balance = -5;		/* losses past zero: no floor */
	a.margin_free = -20;
	n = trade_account_encode(&a, buf, sizeof(buf));
	exact(buf, n, dec_account, &q);
	a.balance = -TRADE_NUM_MAX;	/* the bounds themselves pass */
	a.equity = TRADE_NUM_MAX;
	n = trade_account_encode(&a, buf, sizeof(buf));
	exact(buf, n, dec_account, &q);

#define BAD(field, value, what) do {					\
		sample_account(&a);					\
		a.field = (value);					\
		n = trade_account_encode(&a, buf, sizeof(buf));		\
		refused(buf, n, dec_account, &q, what);			\
	} while (0)
	BAD(margin_mode, 1, "account.margin_mode: out of range");
	BAD(margin_mode, 3, "account.margin_mode: out of range");
	BAD(balance, NAN, "account.balance: not a finite number");
	BAD(credit, INFINITY, "account.credit");
	BAD(profit, NAN, "account.profit");
	BAD(equity, -INFINITY, "account.equity");
	BAD(margin, -1, "account.margin: negative");
	BAD(balance, -2e15, "account.balance: not a finite number within");
	BAD(margin_free, NAN, "account.margin_free");
	BAD(margin_level, -0.5, "account.margin_level: negative");
#undef BAD
	sample_account(&a);
	a.login[0] = '\t';
	n = trade_account_encode(&a, buf, sizeof(buf));
	refused(buf, n, dec_account, &q, "account.login: not printable");
	sample_account(&a);
	a.currency[1] = '\x80';
	n = trade_account_encode(&a, buf, sizeof(buf));
	refused(buf, n, dec_account, &q, "account.currency");
}

static void
test_positions(void **state)
{
	struct trade_positions	*l, *q;
	struct wire_builder	 b;
	uint8_t			*buf;
	size_t			 n;
	uint32_t		 i;

	l = calloc(1, sizeof(*l));
	q = calloc(1, sizeof(*q));
	buf = malloc(BUFSZ);
	if (l == NULL || q == NULL || buf == NULL)
		fail();

	/* None, one, the most there may be. */
	n = trade_positions_encode(l, buf, BUFSZ);
	assert_int_equal(n, 5);
	exact(buf, n, dec_positions, q);
	assert_int_equal(q->n, 0);
	sample_position(&l->pos[0], 1);
	l->n = 1;
	n = trade_positions_encode(l, buf, BUFSZ);
	exact(buf, n, dec_positions, q);
	assert_memory_equal(&q->pos[0], &l->pos[0], sizeof(l->pos[0]));
	for (i = 0; i < TRADE_LIST_MAX; i++)
		sample_position(&l->pos[i], 1000 + i);
	l->n = TRADE_LIST_MAX;
	l->truncated = 1;
	n = trade_positions_encode(l, buf, BUFSZ);
	assert_true(n != (size_t)-1);
	assert_int_equal(trade_positions_decode(buf, n, q,
	    &(const char *){ NULL }), 0);
	assert_memory_equal(q, l, sizeof(*l));

	/* The encoder keeps to the array and the buffer. */
	l->n = TRADE_LIST_MAX + 1;
	assert_true(trade_positions_encode(l, buf, BUFSZ) == (size_t)-1);
	l->n = TRADE_LIST_MAX;
	assert_true(trade_positions_encode(l, buf, 100) == (size_t)-1);

	/* A count over the maximum, whatever follows. */
	wire_builder_init(&b, buf, BUFSZ);
	wire_put_u32(&b, TRADE_LIST_MAX + 1);
	wire_put_u8(&b, 0);
	refused(buf, b.len, dec_positions, q, "positions.n: more than");
	memset(buf, 0xff, 4);
	refused(buf, b.len, dec_positions, q, "positions.n");

	/* A count larger than what follows. */
	l->n = 2;
	l->truncated = 0;
	n = trade_positions_encode(l, buf, BUFSZ);
	buf[0] = 3;
	refused(buf, n, dec_positions, q, "position.ticket: truncated");

#define BAD(field, value, what) do {					\
		l->n = 2;						\
		l->truncated = 0;					\
		sample_position(&l->pos[1], 2);				\
		l->pos[1].field = (value);				\
		n = trade_positions_encode(l, buf, BUFSZ);		\
		refused(buf, n, dec_positions, q, what);		\
	} while (0)
	BAD(ticket, 0, "position.ticket: zero");
	BAD(type, TRADE_BUY_LIMIT, "position.type: out of range");
	BAD(volume, -1, "position.volume: negative");
	BAD(price_open, NAN, "position.price_open: not a finite number");
	BAD(price_current, INFINITY, "position.price_current");
	BAD(sl, -0.1, "position.sl: negative");
	BAD(tp, NAN, "position.tp");
	BAD(profit, INFINITY, "position.profit");
	BAD(margin, -1, "position.margin");
	BAD(time, -1, "position.time: out of range");
	BAD(time, TRADE_TIME_MAX + 1, "position.time: out of range");
	BAD(symbol[0], '\0', "position.symbol: empty");
	BAD(symbol[0], (char)('a' | 0x80), "position.symbol: not printable");
	BAD(comment[0], '\n', "position.comment: not printable");
#undef BAD
	l->n = 1;
	sample_position(&l->pos[0], 5);
	l->pos[0].time = TRADE_TIME_MAX;
	l->pos[0].magic = UINT64_MAX;
	l->pos[0].profit = -1e9;
	n = trade_positions_encode(l, buf, BUFSZ);
	exact(buf, n, dec_positions, q);
	l->truncated = 2;
	n = trade_positions_encode(l, buf, BUFSZ);
	refused(buf, n, dec_positions, q, "positions.truncated: out of range");
	l->truncated = 0;
	l->pos[0].symbol[TRADE_SYMBOL_MAX - 1] = 'X';	/* no NUL */
	memset(l->pos[0].symbol, 'A', TRADE_SYMBOL_MAX);
	assert_true(trade_positions_encode(l, buf, BUFSZ) == (size_t)-1);

	free(l);
	free(q);
	free(buf);
}

static void
test_orders(void **state)
{
	struct trade_orders	*l, *q;
	struct wire_builder	 b;
	uint8_t			*buf;
	size_t			 n;
	uint32_t		 i;

	l = calloc(1, sizeof(*l));
	q = calloc(1, sizeof(*q));
	buf = malloc(BUFSZ);
	if (l == NULL || q == NULL || buf == NULL)
		fail();

	n = trade_orders_encode(l, buf, BUFSZ);
	assert_int_equal(n, 5);
	exact(buf, n, dec_orders, q);
	for (i = 0; i < 3; i++)
		sample_order(&l->ord[i], 40 + i);
	l->n = 3;
	n = trade_orders_encode(l, buf, BUFSZ);
	exact(buf, n, dec_orders, q);
	assert_memory_equal(q, l, sizeof(*l));
	for (i = 0; i < TRADE_LIST_MAX; i++)
		sample_order(&l->ord[i], 1 + i);
	l->n = TRADE_LIST_MAX;
	l->truncated = 1;
	n = trade_orders_encode(l, buf, BUFSZ);
	assert_true(n != (size_t)-1);
	assert_int_equal(trade_orders_decode(buf, n, q,
	    &(const char *){ NULL }), 0);
	assert_memory_equal(q, l, sizeof(*l));
	l->n = TRADE_LIST_MAX + 1;
	assert_true(trade_orders_encode(l, buf, BUFSZ) == (size_t)-1);

	wire_builder_init(&b, buf, BUFSZ);
	wire_put_u32(&b, TRADE_LIST_MAX + 1);
	wire_put_u8(&b, 0);
	refused(buf, b.len, dec_orders, q, "orders.n: more than");

#define BAD(field, value, what) do {					\
		l->n = 2;						\
		l->truncated = 0;					\
		sample_order(&l->ord[1], 2);				\
		l->ord[1].field = (value);				\
		n = trade_orders_encode(l, buf, BUFSZ);			\
		refused(buf, n, dec_orders, q, what);			\
	} while (0)
	BAD(ticket, 0, "order.ticket: zero");
	BAD(type, TRADE_BUY, "order.type: out of range");
	BAD(type, TRADE_SELL, "order.type: out of range");
	BAD(type, TRADE_SELL_STOP_LIMIT + 1, "order.type: out of range");
	BAD(type_time, TRADE_TIME_SPECIFIED_DAY + 1,
	    "order.type_time: out of range");
	BAD(stop_limit, -1, "order.stop_limit: negative");
	BAD(expiration, TRADE_TIME_MAX + 1, "order.expiration: out of range");
	BAD(volume, NAN, "order.volume");
	BAD(price, -2, "order.price: negative");
	BAD(price_current, INFINITY, "order.price_current");
	BAD(sl, -1, "order.sl");
	BAD(tp, NAN, "order.tp");
	BAD(time_setup, INT64_MIN, "order.time_setup: out of range");
	BAD(symbol[0], '\0', "order.symbol: empty");
	BAD(comment[0], '\x1f', "order.comment: not printable");
#undef BAD
	l->n = 1;
	l->truncated = 3;
	n = trade_orders_encode(l, buf, BUFSZ);
	refused(buf, n, dec_orders, q, "orders.truncated");

	free(l);
	free(q);
	free(buf);
}

static void
test_symbol(void **state)
{
	struct trade_symbol	 s, q;
	uint8_t			 buf[1024];
	size_t			 n;

	sample_symbol(&s);
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	exact(buf, n, dec_symbol, &q);
	assert_memory_equal(&q, &s, sizeof(s));
	/* No tick yet, market closed, nothing fillable. */
	s.time = 0;
	s.bid = s.ask = 0;
	s.session_open = 0;
	s.filling = 0;
	s.trade_mode = TRADE_MODE_DISABLED;
	s.digits = TRADE_DIGITS_MAX;
	n = trade_symbol_encode(&s, buf, sizeof(buf));
	exact(buf, n, dec_symbol, &q);

#define BAD(field, value, what) do {					\
		sample_symbol(&s);					\
		s.field = (value);					\
		n = trade_symbol_encode(&s, buf, sizeof(buf));		\
		refused(buf, n, dec_symbol, &q, what);			\
	} while (0)
	BAD(name[0], '\0', "symbol.name: empty");
	BAD(name[2], '\x7f', "symbol.name: not printable");
	BAD(currency_base[0], '\x01', "symbol.currency_base");
	BAD(currency_profit[0], '\xff', "symbol.currency_profit");
	BAD(digits, TRADE_DIGITS_MAX + 1, "symbol.digits: out of range");
	BAD(point, NAN, "symbol.point: not a finite number");
	BAD(contract_size, -1, "symbol.contract_size: negative");
	BAD(volume_min, INFINITY, "symbol.volume_min");
	BAD(volume_max, -1, "symbol.volume_max");
	BAD(volume_step, NAN, "symbol.volume_step");
	BAD(filling, TRADE_FILL_ALL + 1, "symbol.filling: out of range");
	BAD(trade_mode, TRADE_MODE_FULL + 1, "symbol.trade_mode");
	BAD(tick_value, NAN, "symbol.tick_value");
	BAD(bid, -1, "symbol.bid: negative");
	BAD(ask, INFINITY, "symbol.ask");
	BAD(time, -5, "symbol.time: out of range");
	BAD(session_open, 2, "symbol.session_open: out of range");
#undef BAD
	sample_symbol(&s);
	assert_true(trade_symbol_encode(&s, buf, 10) == (size_t)-1);
	memset(s.currency_base, 'E', sizeof(s.currency_base));	/* no NUL */
	assert_true(trade_symbol_encode(&s, buf, sizeof(buf)) == (size_t)-1);
}

static void
test_encode_caps(void **state)
{
	struct trade_result	 r;
	struct trade_account	 a;
	uint8_t			 buf[1024];
	size_t			 n, i;

	sample_result(&r);
	n = trade_result_encode(&r, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		assert_true(trade_result_encode(&r, buf, i) == (size_t)-1);
	assert_int_equal(trade_result_encode(&r, buf, n), n);
	sample_account(&a);
	n = trade_account_encode(&a, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		assert_true(trade_account_encode(&a, buf, i) == (size_t)-1);
	memset(r.message, 'm', sizeof(r.message));
	assert_true(trade_result_encode(&r, buf, sizeof(buf)) == (size_t)-1);
}

static void
test_names(void **state)
{
	uint32_t	 c;
	const char	*t;
	size_t		 i, known = 0;

	assert_string_equal(trade_status_name(10009), "filled");
	assert_string_equal(trade_status_name(10008), "placed");
	assert_string_equal(trade_status_name(10010), "partial");
	assert_string_equal(trade_status_name(10014), "rejected");
	assert_string_equal(trade_status_name(10036), "rejected");
	assert_string_equal(trade_status_name(0), "rejected");

	assert_string_equal(trade_type_name(TRADE_BUY), "BUY");
	assert_string_equal(trade_type_name(TRADE_SELL), "SELL");
	assert_string_equal(trade_type_name(TRADE_BUY_LIMIT), "BUY_LIMIT");
	assert_string_equal(trade_type_name(TRADE_SELL_LIMIT), "SELL_LIMIT");
	assert_string_equal(trade_type_name(TRADE_BUY_STOP), "BUY_STOP");
	assert_string_equal(trade_type_name(TRADE_SELL_STOP), "SELL_STOP");
	assert_string_equal(trade_type_name(TRADE_SELL_STOP_LIMIT),
	    "SELL_STOP_LIMIT");
	assert_string_equal(trade_type_name(8), "UNKNOWN");
	assert_string_equal(trade_time_name(TRADE_TIME_GTC), "gtc");
	assert_string_equal(trade_time_name(TRADE_TIME_SPECIFIED_DAY),
	    "specified_day");
	assert_string_equal(trade_time_name(4), "unknown");
	assert_string_equal(trade_type_name(255), "UNKNOWN");

	assert_string_equal(trade_retcode_text(10009), "Request completed");
	assert_string_equal(trade_retcode_text(10014),
	    "Invalid volume in the request");
	assert_string_equal(trade_retcode_text(10030),
	    "Invalid order filling type");
	assert_string_equal(trade_retcode_text(10038),
	    "A close volume exceeds the current position volume");
	/* MT5 has every code from 10004 to 10046 but 10005 and 10037. */
	for (c = 10000; c < 10050; c++) {
		t = trade_retcode_text(c);
		if (c < 10004 || c > 10046 || c == 10005 || c == 10037) {
			assert_string_equal(t,
			    "Unknown trade server return code");
			continue;
		}
		known++;
		if (strcmp(t, "Unknown trade server return code") == 0)
			fail_msg("%u has no text", c);
		/* It must fit trade_result.message, printable. */
		assert_true(strlen(t) < TRADE_MESSAGE_MAX);
		for (i = 0; t[i] != '\0'; i++)
			assert_true(t[i] >= 0x20 && t[i] <= 0x7e);
	}
	assert_int_equal(known, 41);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_result_strings),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_symbol),
		cmocka_unit_test(test_encode_caps),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
