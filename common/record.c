/*
 * The paper engine's records as bytes: what the broker sends in
 * BROKER_RECORD, what the monitor keeps in its store and hands back at
 * start.  The store is outside the broker's sandbox and the bytes come
 * back through the monitor, so the decoder trusts nothing: it consumes
 * exactly the bytes given, refuses what the encoder never produces, and
 * leaves the meaning (known symbols, sane volumes) to paper_import().
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "wire.h"

/* Strings of the record's arrays must be terminated to be encoded. */
static int
put_str(struct wire_builder *b, const char *s, size_t sz)
{
	if (memchr(s, '\0', sz) == NULL)
		return -1;
	wire_put_str(b, s);
	return 0;
}

static void
put_i64(struct wire_builder *b, int64_t v)
{
	wire_put_u64(b, (uint64_t)v);
}

static int64_t
get_i64(struct wire_reader *r)
{
	return (int64_t)wire_get_u64(r);
}

static int
put_account(struct wire_builder *b, const struct paper_account_state *a)
{
	wire_put_double(b, a->balance);
	wire_put_double(b, a->credit);
	wire_put_u64(b, a->next_order);
	wire_put_u64(b, a->next_deal);
	return 0;
}

static int
put_quote(struct wire_builder *b, const struct paper_quote *q)
{
	if (put_str(b, q->symbol, sizeof(q->symbol)) == -1)
		return -1;
	wire_put_double(b, q->bid);
	wire_put_double(b, q->ask);
	put_i64(b, q->time);
	wire_put_u8(b, q->session_open != 0);
	return 0;
}

static int
put_position(struct wire_builder *b, const struct paper_position *p)
{
	wire_put_u64(b, p->ticket);
	if (put_str(b, p->symbol, sizeof(p->symbol)) == -1)
		return -1;
	wire_put_u8(b, (uint8_t)p->type);
	wire_put_double(b, p->volume);
	wire_put_double(b, p->price_open);
	wire_put_double(b, p->sl);
	wire_put_double(b, p->tp);
	wire_put_double(b, p->margin);
	put_i64(b, p->time);
	wire_put_u64(b, p->magic);
	return put_str(b, p->comment, sizeof(p->comment));
}

static int
put_order(struct wire_builder *b, const struct paper_order *o)
{
	wire_put_u64(b, o->ticket);
	if (put_str(b, o->symbol, sizeof(o->symbol)) == -1)
		return -1;
	wire_put_u8(b, (uint8_t)o->type);
	wire_put_u8(b, (uint8_t)o->type_filling);
	wire_put_double(b, o->volume);
	wire_put_double(b, o->price);
	wire_put_double(b, o->sl);
	wire_put_double(b, o->tp);
	put_i64(b, o->time_setup);
	wire_put_u64(b, o->magic);
	if (put_str(b, o->comment, sizeof(o->comment)) == -1)
		return -1;
	wire_put_double(b, o->stoplimit);
	wire_put_u8(b, (uint8_t)o->type_time);
	put_i64(b, o->expiration);
	wire_put_u8(b, (uint8_t)o->state);
	return 0;
}

static int
put_deal(struct wire_builder *b, const struct paper_deal *d)
{
	wire_put_u64(b, d->ticket);
	wire_put_u64(b, d->order);
	wire_put_u64(b, d->position);
	put_i64(b, d->time);
	if (put_str(b, d->symbol, sizeof(d->symbol)) == -1)
		return -1;
	wire_put_u8(b, (uint8_t)d->type);
	wire_put_u8(b, (uint8_t)d->entry);
	wire_put_u8(b, (uint8_t)d->reason);
	wire_put_double(b, d->volume);
	wire_put_double(b, d->price);
	wire_put_double(b, d->profit);
	wire_put_double(b, d->commission);
	wire_put_double(b, d->swap);
	wire_put_u64(b, d->magic);
	return put_str(b, d->comment, sizeof(d->comment));
}

static int
put_command(struct wire_builder *b, const struct paper_command *c)
{
	const struct paper_result	*r = &c->result;

	if (put_str(b, c->id, sizeof(c->id)) == -1)
		return -1;
	wire_put_u32(b, r->retcode);
	wire_put_u64(b, r->deal);
	wire_put_u64(b, r->order);
	wire_put_double(b, r->volume);
	wire_put_double(b, r->price);
	wire_put_double(b, r->bid);
	wire_put_double(b, r->ask);
	return put_str(b, r->comment, sizeof(r->comment));
}

size_t
paper_record_encode(const struct paper_record *r, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;
	int			 rv;

	wire_builder_init(&b, buf, cap);
	switch (r->type) {
	case PAPER_REC_ACCOUNT:
		rv = put_account(&b, &r->u.account);
		break;
	case PAPER_REC_QUOTE:
		rv = put_quote(&b, &r->u.quote);
		break;
	case PAPER_REC_POSITION:
		rv = put_position(&b, &r->u.position);
		break;
	case PAPER_REC_ORDER:
		rv = put_order(&b, &r->u.order);
		break;
	case PAPER_REC_DEAL:
		rv = put_deal(&b, &r->u.deal);
		break;
	case PAPER_REC_COMMAND:
		rv = put_command(&b, &r->u.command);
		break;
	default:
		return (size_t)-1;
	}
	if (rv == -1 || b.err || b.len > PAPER_RECORD_MAX)
		return (size_t)-1;
	return b.len;
}

/* Decoding. */

static int
finite_all(const double *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static const char *
get_account(struct wire_reader *r, struct paper_account_state *a)
{
	a->balance = wire_get_double(r);
	a->credit = wire_get_double(r);
	a->next_order = wire_get_u64(r);
	a->next_deal = wire_get_u64(r);
	if (wire_end(r) == -1)
		return r->err;
	if (!finite_all((double[]){ a->balance, a->credit }, 2))
		return "account: balance or credit not finite";
	return NULL;
}

static const char *
get_quote(struct wire_reader *r, struct paper_quote *q)
{
	uint8_t	open;

	wire_get_str(r, q->symbol, sizeof(q->symbol));
	q->bid = wire_get_double(r);
	q->ask = wire_get_double(r);
	q->time = get_i64(r);
	open = wire_get_u8(r);
	if (wire_end(r) == -1)
		return r->err;
	if (q->symbol[0] == '\0')
		return "quote: empty symbol";
	if (!finite_all((double[]){ q->bid, q->ask }, 2))
		return "quote: bid or ask not finite";
	if (open > 1)
		return "quote: session_open";
	q->session_open = open;
	return NULL;
}

static const char *
get_position(struct wire_reader *r, struct paper_position *p)
{
	uint8_t	type;

	p->ticket = wire_get_u64(r);
	wire_get_str(r, p->symbol, sizeof(p->symbol));
	type = wire_get_u8(r);
	p->volume = wire_get_double(r);
	p->price_open = wire_get_double(r);
	p->sl = wire_get_double(r);
	p->tp = wire_get_double(r);
	p->margin = wire_get_double(r);
	p->time = get_i64(r);
	p->magic = wire_get_u64(r);
	wire_get_str(r, p->comment, sizeof(p->comment));
	if (wire_end(r) == -1)
		return r->err;
	if (p->ticket == 0)
		return "position: ticket 0";
	if (p->symbol[0] == '\0')
		return "position: empty symbol";
	if (type != PAPER_ORDER_BUY && type != PAPER_ORDER_SELL)
		return "position: type";
	p->type = type;
	if (!finite_all((double[]){ p->volume, p->price_open, p->sl, p->tp,
	    p->margin }, 5))
		return "position: a price, volume or margin not finite";
	return NULL;
}

/*
 * The fields an order grew after its first layout, each group read only
 * when the record goes on (record.h): an older, shorter record keeps
 * their defaults.
 */
static void
get_order_tail(struct wire_reader *r, struct paper_order *o,
    uint8_t *type_time, uint8_t *state)
{
	*type_time = PAPER_TIME_GTC;
	*state = PAPER_STATE_PLACED;
	if (r->left == 0 || !wire_ok(r))
		return;		/* the first layout */
	o->stoplimit = wire_get_double(r);
	*type_time = wire_get_u8(r);
	o->expiration = get_i64(r);
	if (r->left == 0 || !wire_ok(r))
		return;		/* the second */
	*state = wire_get_u8(r);
}

static const char *
get_order(struct wire_reader *r, struct paper_order *o)
{
	uint8_t	type, filling, type_time, state;

	o->ticket = wire_get_u64(r);
	wire_get_str(r, o->symbol, sizeof(o->symbol));
	type = wire_get_u8(r);
	filling = wire_get_u8(r);
	o->volume = wire_get_double(r);
	o->price = wire_get_double(r);
	o->sl = wire_get_double(r);
	o->tp = wire_get_double(r);
	o->time_setup = get_i64(r);
	o->magic = wire_get_u64(r);
	wire_get_str(r, o->comment, sizeof(o->comment));
	get_order_tail(r, o, &type_time, &state);
	if (wire_end(r) == -1)
		return r->err;
	if (o->ticket == 0)
		return "order: ticket 0";
	if (o->symbol[0] == '\0')
		return "order: empty symbol";
	if (type < PAPER_ORDER_BUY_LIMIT || type > PAPER_ORDER_SELL_STOP_LIMIT)
		return "order: type";
	if (type_time > PAPER_TIME_SPECIFIED_DAY)
		return "order: type_time";
	o->type_time = type_time;
	if (state > PAPER_STATE_EXPIRED)
		return "order: state";
	o->state = state;
	if (filling > PAPER_FILLING_RETURN)
		return "order: type_filling";
	o->type = type;
	o->type_filling = filling;
	if (!finite_all((double[]){ o->volume, o->price, o->sl, o->tp,
	    o->stoplimit }, 5))
		return "order: a price or volume not finite";
	return NULL;
}

static int
deal_reason_ok(uint8_t reason)
{
	switch (reason) {
	case PAPER_REASON_CLIENT:
	case PAPER_REASON_EXPERT:
	case PAPER_REASON_SL:
	case PAPER_REASON_TP:
	case PAPER_REASON_SO:
		return 1;
	default:
		return 0;
	}
}

static const char *
get_deal(struct wire_reader *r, struct paper_deal *d)
{
	uint8_t	type, entry, reason;

	d->ticket = wire_get_u64(r);
	d->order = wire_get_u64(r);
	d->position = wire_get_u64(r);
	d->time = get_i64(r);
	wire_get_str(r, d->symbol, sizeof(d->symbol));
	type = wire_get_u8(r);
	entry = wire_get_u8(r);
	reason = wire_get_u8(r);
	d->volume = wire_get_double(r);
	d->price = wire_get_double(r);
	d->profit = wire_get_double(r);
	d->commission = wire_get_double(r);
	d->swap = wire_get_double(r);
	d->magic = wire_get_u64(r);
	wire_get_str(r, d->comment, sizeof(d->comment));
	if (wire_end(r) == -1)
		return r->err;
	if (d->ticket == 0)
		return "deal: ticket 0";
	if (type > PAPER_DEAL_BALANCE)
		return "deal: type";
	if (entry > PAPER_ENTRY_INOUT)
		return "deal: entry";
	if (!deal_reason_ok(reason))
		return "deal: reason";
	d->type = type;
	d->entry = entry;
	d->reason = reason;
	if (!finite_all((double[]){ d->volume, d->price, d->profit,
	    d->commission, d->swap }, 5))
		return "deal: an amount, price or volume not finite";
	return NULL;
}

static const char *
get_command(struct wire_reader *r, struct paper_command *c)
{
	struct paper_result	*res = &c->result;

	wire_get_str(r, c->id, sizeof(c->id));
	res->retcode = wire_get_u32(r);
	res->deal = wire_get_u64(r);
	res->order = wire_get_u64(r);
	res->volume = wire_get_double(r);
	res->price = wire_get_double(r);
	res->bid = wire_get_double(r);
	res->ask = wire_get_double(r);
	wire_get_str(r, res->comment, sizeof(res->comment));
	if (wire_end(r) == -1)
		return r->err;
	if (c->id[0] == '\0')
		return "command: empty id";
	if (!finite_all((double[]){ res->volume, res->price, res->bid,
	    res->ask }, 4))
		return "command: a price or volume not finite";
	return NULL;
}

int
paper_record_decode(uint8_t type, uint8_t op, const uint8_t *buf, size_t len,
    struct paper_record *rec, const char **why)
{
	struct wire_reader	 r;
	const char		*bad;

	memset(rec, 0, sizeof(*rec));
	if (op != PAPER_OP_PUT && op != PAPER_OP_DEL) {
		*why = "op";
		return -1;
	}
	/* Only positions and orders go away; deals and commands stay. */
	if (op == PAPER_OP_DEL && type != PAPER_REC_POSITION &&
	    type != PAPER_REC_ORDER) {
		*why = "op: DEL of a record that is never removed";
		return -1;
	}
	rec->type = type;
	rec->op = op;
	wire_reader_init(&r, buf, len);
	switch (type) {
	case PAPER_REC_ACCOUNT:
		bad = get_account(&r, &rec->u.account);
		break;
	case PAPER_REC_QUOTE:
		bad = get_quote(&r, &rec->u.quote);
		break;
	case PAPER_REC_POSITION:
		bad = get_position(&r, &rec->u.position);
		break;
	case PAPER_REC_ORDER:
		bad = get_order(&r, &rec->u.order);
		break;
	case PAPER_REC_DEAL:
		bad = get_deal(&r, &rec->u.deal);
		break;
	case PAPER_REC_COMMAND:
		bad = get_command(&r, &rec->u.command);
		break;
	default:
		bad = "type";
		break;
	}
	if (bad != NULL) {
		memset(rec, 0, sizeof(*rec));
		*why = bad;
		return -1;
	}
	return 0;
}

int
paper_record_key(const struct paper_record *r, char *key, size_t keylen)
{
	const char	*s = NULL;
	uint64_t	 ticket = 0;
	int		 n;

	switch (r->type) {
	case PAPER_REC_ACCOUNT:
		s = "account";
		break;
	case PAPER_REC_QUOTE:
		s = r->u.quote.symbol;
		if (memchr(s, '\0', sizeof(r->u.quote.symbol)) == NULL)
			return -1;
		break;
	case PAPER_REC_POSITION:
		ticket = r->u.position.ticket;
		break;
	case PAPER_REC_ORDER:
		ticket = r->u.order.ticket;
		break;
	case PAPER_REC_DEAL:
		ticket = r->u.deal.ticket;
		break;
	case PAPER_REC_COMMAND:
		s = r->u.command.id;
		if (memchr(s, '\0', sizeof(r->u.command.id)) == NULL)
			return -1;
		break;
	default:
		return -1;
	}
	if (s != NULL)
		n = snprintf(key, keylen, "%s", s);
	else if (ticket == 0)
		return -1;
	else
		n = snprintf(key, keylen, "%llu", (unsigned long long)ticket);
	if (n <= 0 || (size_t)n >= keylen)
		return -1;
	return 0;
}

int64_t
paper_record_time(const struct paper_record *r)
{
	switch (r->type) {
	case PAPER_REC_QUOTE:
		return r->u.quote.time;
	case PAPER_REC_POSITION:
		return r->u.position.time;
	case PAPER_REC_ORDER:
		return r->u.order.time_setup;
	case PAPER_REC_DEAL:
		return r->u.deal.time;
	default:
		return 0;
	}
}

double
paper_record_profit(const struct paper_record *r)
{
	const struct paper_deal	*d = &r->u.deal;

	if (r->type != PAPER_REC_DEAL || d->type == PAPER_DEAL_BALANCE)
		return 0;
	return paper_money(d->profit + d->commission + d->swap);
}
