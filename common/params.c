/*
 * Request parameters on the wire, driven by the fields an operation
 * takes (see params.h), and the status result.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mt5.h"
#include "params.h"
#include "wire.h"

/* --- values ------------------------------------------------------------ */

int
rpc_symbol_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > RPC_SYMBOL_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

int
rpc_printable(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * A client_order_id: 1..RPC_COID_MAX visible ASCII bytes (what the
 * journal keeps), not in the space of the ids the monitor derives.
 */
int
rpc_coid_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > RPC_COID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

unsigned
rpc_mt5_type(const struct rpc_params *p)
{
	static const unsigned	 types[][2] = {	/* [type][sell] */
		{ PAPER_ORDER_BUY, PAPER_ORDER_SELL },
		{ PAPER_ORDER_BUY_LIMIT, PAPER_ORDER_SELL_LIMIT },
		{ PAPER_ORDER_BUY_STOP, PAPER_ORDER_SELL_STOP },
		{ PAPER_ORDER_BUY_STOP_LIMIT, PAPER_ORDER_SELL_STOP_LIMIT },
	};
	unsigned		 t = p->type <= RPC_TYPE_STOP_LIMIT ? p->type :
				    RPC_TYPE_MARKET;

	return types[t][p->side == RPC_SIDE_SELL];
}

/* len bytes of s, at most max, each in set. */
static int
rpc_chars_ok(const char *s, size_t len, size_t max, const char *set)
{
	size_t	 i;

	if (len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

int
rpc_audit_type_ok(const char *s, size_t len)
{
	return rpc_chars_ok(s, len, RPC_AUDIT_TYPE_MAX,
	    "abcdefghijklmnopqrstuvwxyz_.");
}

int
rpc_key_name_ok(const char *s, size_t len)
{
	return rpc_chars_ok(s, len, RPC_AUDIT_KEY_MAX,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
}

/* --- parameters on the wire -------------------------------------------- */

size_t
rpc_params_pack(const struct rpc_params *p, unsigned fields, uint8_t *buf,
    size_t cap)
{
	struct wire_builder	 b;
	unsigned		 may = fields & RPC_HAS_MASK;

	wire_builder_init(&b, buf, cap);
	if (fields & RPC_NEED_TICKET)
		wire_put_u64(&b, p->ticket);
	if (fields & RPC_NEED_SYMBOL)
		wire_put_str(&b, p->symbol);
	if (fields & RPC_NEED_SIDE)
		wire_put_u8(&b, p->side);
	if (fields & RPC_NEED_VOLUME)
		wire_put_double(&b, p->volume);
	if (may != 0)
		wire_put_u8(&b, p->flags);
	if (may & RPC_HAS_PRICE)
		wire_put_double(&b, p->price);
	if (may & RPC_HAS_SL)
		wire_put_double(&b, p->sl);
	if (may & RPC_HAS_TP)
		wire_put_double(&b, p->tp);
	if (may & RPC_HAS_COID)
		wire_put_str(&b, p->client_order_id);
	if (may & RPC_HAS_COMMENT)
		wire_put_str(&b, p->comment);
	if (fields & RPC_NEED_FILLING)
		wire_put_u8(&b, p->filling);
	if (may & RPC_HAS_SYMBOL)
		wire_put_str(&b, p->symbol);
	if (may & RPC_HAS_VOLUME)
		wire_put_double(&b, p->volume);
	if (may & RPC_HAS_LIMIT)
		wire_put_u32(&b, p->limit);
	if (fields & RPC_NEED_AFTER)
		wire_put_u64(&b, p->after);
	if (fields & RPC_NEED_RANGE) {
		wire_put_u64(&b, (uint64_t)p->from);
		wire_put_u64(&b, (uint64_t)p->to);
		wire_put_u64(&b, (uint64_t)p->cursor_time);
		wire_put_u64(&b, p->cursor_ticket);
	}
	if (fields & RPC_ORDER_BLOCK) {
		wire_put_u8(&b, p->oflags);
		wire_put_u8(&b, p->type);
		wire_put_double(&b, p->stop_limit);
		wire_put_u32(&b, p->deviation);
		wire_put_u8(&b, p->type_time);
		wire_put_u64(&b, (uint64_t)p->expiration);
	}
	if (fields & RPC_NEED_AUDIT) {
		wire_put_u64(&b, p->since);
		wire_put_u64(&b, p->audit_cursor);
		wire_put_str(&b, p->audit_type);
		wire_put_str(&b, p->audit_key);
	}
	return b.err ? (size_t)-1 : b.len;
}

/* A double from the wire: finite, and > 0 or >= 0; zero when absent. */
static int
rpc_dcheck(double d, int present, int positive)
{
	if (!present)
		return d == 0 && !signbit(d);
	if (!isfinite(d))
		return 0;
	return positive ? d > 0 : d >= 0;
}

/* A string that is either a valid present value or empty. */
static int
rpc_scheck(const char *s, int present, int (*ok)(const char *, size_t))
{
	return present ? ok(s, strlen(s)) : s[0] == '\0';
}

static int
rpc_coid_client(const char *s, size_t len)
{
	return rpc_coid_ok(s, len) && strncmp(s, RPC_COID_DERIVED,
	    sizeof(RPC_COID_DERIVED) - 1) != 0;
}

/* The order block alone: each value in its range, absent ones zero. */
static const char *
rpc_order_check(const struct rpc_params *p)
{
	unsigned	 o = p->oflags;

	if ((o & ~RPC_OHAS_MASK) != 0)
		return "bad order flags";
	if (p->type > RPC_TYPE_STOP_LIMIT)
		return "bad order type";
	if (!rpc_dcheck(p->stop_limit, o & RPC_OHAS_STOP_LIMIT, 1))
		return "bad stop_limit";
	if (p->deviation > RPC_DEVIATION_MAX)
		return "bad deviation";
	if (!(o & RPC_OHAS_EXPIRATION))
		return p->type_time == RPC_TIME_GTC && p->expiration == 0 ?
		    NULL : "expiration without its flag";
	if (p->type_time == RPC_TIME_SPECIFIED)
		return p->expiration >= 1 &&
		    p->expiration <= RPC_EXPIRATION_MAX ? NULL :
		    "bad expiration time";
	if (p->type_time > RPC_TIME_SPECIFIED || p->expiration != 0)
		return "bad expiration";
	return NULL;
}

/* How the order block's values go together, for a new order or not. */
static const char *
rpc_order_rules(const struct rpc_params *p, unsigned fields)
{
	int	pending = p->type != RPC_TYPE_MARKET;

	if (!(fields & RPC_NEED_SIDE))
		return p->type == RPC_TYPE_MARKET && p->deviation == 0 ?
		    NULL : "type or deviation in a modify";
	if (pending && !(p->flags & RPC_HAS_PRICE))
		return "a pending order without a price";
	if ((p->type == RPC_TYPE_STOP_LIMIT) !=
	    ((p->oflags & RPC_OHAS_STOP_LIMIT) != 0))
		return "stop_limit without a stop-limit order, or missing";
	if (!pending && (p->oflags & RPC_OHAS_EXPIRATION))
		return "an expiration on a market order";
	if (pending && p->deviation != 0)
		return "a deviation on a pending order";
	return NULL;
}

static const char *
rpc_params_check(const struct rpc_params *p, unsigned fields)
{
	const char	*why;
	unsigned	 f = p->flags;

	if ((f & ~(fields & RPC_HAS_MASK)) != 0)
		return "flag not allowed for this operation";
	if (!rpc_scheck(p->symbol, (fields & RPC_NEED_SYMBOL) ||
	    (f & RPC_HAS_SYMBOL), rpc_symbol_ok))
		return "bad symbol";
	if ((fields & RPC_NEED_SIDE) && p->side != RPC_SIDE_BUY &&
	    p->side != RPC_SIDE_SELL)
		return "bad side";
	if (!rpc_dcheck(p->volume, (fields & RPC_NEED_VOLUME) ||
	    (f & RPC_HAS_VOLUME), 1) ||
	    !rpc_dcheck(p->price, f & RPC_HAS_PRICE, 1) ||
	    !rpc_dcheck(p->sl, f & RPC_HAS_SL, 0) ||
	    !rpc_dcheck(p->tp, f & RPC_HAS_TP, 0))
		return "number out of range";
	if ((fields & RPC_NEED_SL_TP) && (f & (RPC_HAS_SL | RPC_HAS_TP)) == 0)
		return "neither sl nor tp";
	if (!rpc_scheck(p->client_order_id, f & RPC_HAS_COID,
	    rpc_coid_client))
		return "bad client_order_id";
	if (!rpc_scheck(p->comment, f & RPC_HAS_COMMENT, rpc_printable))
		return "bad comment";
	if (p->filling > RPC_FILLING_RETURN)
		return "bad filling";
	if ((fields & RPC_NEED_TICKET) && p->ticket == 0)
		return "bad ticket";
	if ((f & RPC_HAS_LIMIT) ? (p->limit == 0 ||
	    p->limit > RPC_AUDIT_LIMIT_MAX) : p->limit != 0)
		return "bad limit";
	if (p->from < 0 || p->to < 0 || (p->from > 0 && p->to > 0 &&
	    p->from >= p->to))
		return "bad time range";
	if (p->cursor_time < 0 || (p->cursor_ticket == 0 &&
	    p->cursor_time != 0))
		return "bad cursor";
	if (!rpc_audit_type_ok(p->audit_type, strlen(p->audit_type)))
		return "bad audit type";
	if (!rpc_key_name_ok(p->audit_key, strlen(p->audit_key)))
		return "bad key name";
	if (!(fields & RPC_NEED_AUDIT) && (p->since != 0 ||
	    p->audit_cursor != 0 || p->audit_type[0] != '\0' ||
	    p->audit_key[0] != '\0'))
		return "audit filters not allowed for this operation";
	if (p->since > INT64_MAX || p->audit_cursor > INT64_MAX)
		return "audit filter out of range";
	if (!(fields & RPC_ORDER_BLOCK))
		return p->oflags == 0 && p->type == 0 && p->stop_limit == 0 &&
		    !signbit(p->stop_limit) && p->deviation == 0 &&
		    p->type_time == 0 && p->expiration == 0 ? NULL :
		    "order values for an operation without them";
	if ((why = rpc_order_check(p)) != NULL ||
	    (why = rpc_order_rules(p, fields)) != NULL)
		return why;
	if ((fields & RPC_NEED_CHANGE) && (f & (RPC_HAS_PRICE | RPC_HAS_SL |
	    RPC_HAS_TP)) == 0 && p->oflags == 0)
		return "a modify that changes nothing";
	return NULL;
}

int
rpc_params_unpack(unsigned fields, const uint8_t *buf, size_t len,
    struct rpc_params *p, const char **why)
{
	struct wire_reader	 r;
	unsigned		 may = fields & RPC_HAS_MASK;

	memset(p, 0, sizeof(*p));
	wire_reader_init(&r, buf, len);
	if (fields & RPC_NEED_TICKET)
		p->ticket = wire_get_u64(&r);
	if (fields & RPC_NEED_SYMBOL)
		wire_get_str(&r, p->symbol, sizeof(p->symbol));
	if (fields & RPC_NEED_SIDE)
		p->side = wire_get_u8(&r);
	if (fields & RPC_NEED_VOLUME)
		p->volume = wire_get_double(&r);
	if (may != 0)
		p->flags = wire_get_u8(&r);
	if (may & RPC_HAS_PRICE)
		p->price = wire_get_double(&r);
	if (may & RPC_HAS_SL)
		p->sl = wire_get_double(&r);
	if (may & RPC_HAS_TP)
		p->tp = wire_get_double(&r);
	if (may & RPC_HAS_COID)
		wire_get_str(&r, p->client_order_id,
		    sizeof(p->client_order_id));
	if (may & RPC_HAS_COMMENT)
		wire_get_str(&r, p->comment, sizeof(p->comment));
	if (fields & RPC_NEED_FILLING)
		p->filling = wire_get_u8(&r);
	if (may & RPC_HAS_SYMBOL)
		wire_get_str(&r, p->symbol, sizeof(p->symbol));
	if (may & RPC_HAS_VOLUME)
		p->volume = wire_get_double(&r);
	if (may & RPC_HAS_LIMIT)
		p->limit = wire_get_u32(&r);
	if (fields & RPC_NEED_AFTER)
		p->after = wire_get_u64(&r);
	if (fields & RPC_NEED_RANGE) {
		p->from = (int64_t)wire_get_u64(&r);
		p->to = (int64_t)wire_get_u64(&r);
		p->cursor_time = (int64_t)wire_get_u64(&r);
		p->cursor_ticket = wire_get_u64(&r);
	}
	if (fields & RPC_ORDER_BLOCK) {
		p->oflags = wire_get_u8(&r);
		p->type = wire_get_u8(&r);
		p->stop_limit = wire_get_double(&r);
		p->deviation = wire_get_u32(&r);
		p->type_time = wire_get_u8(&r);
		p->expiration = (int64_t)wire_get_u64(&r);
	}
	if (fields & RPC_NEED_AUDIT) {
		p->since = wire_get_u64(&r);
		p->audit_cursor = wire_get_u64(&r);
		wire_get_str(&r, p->audit_type, sizeof(p->audit_type));
		wire_get_str(&r, p->audit_key, sizeof(p->audit_key));
	}
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	if ((*why = rpc_params_check(p, fields)) != NULL)
		return -1;
	return 0;
}

/* --- the status result ------------------------------------------------- */

size_t
rpc_status_encode(const struct rpc_status *s, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_str(&b, s->version);
	wire_put_str(&b, s->broker);
	wire_put_u8(&b, s->lockdown);
	wire_put_str(&b, s->key_name);
	wire_put_str(&b, s->role);
	return b.err ? 0 : b.len;
}

int
rpc_status_decode(const uint8_t *buf, size_t len, struct rpc_status *s,
    const char **why)
{
	struct wire_reader	 r;

	memset(s, 0, sizeof(*s));
	wire_reader_init(&r, buf, len);
	wire_get_str(&r, s->version, sizeof(s->version));
	wire_get_str(&r, s->broker, sizeof(s->broker));
	s->lockdown = wire_get_u8(&r);
	wire_get_str(&r, s->key_name, sizeof(s->key_name));
	wire_get_str(&r, s->role, sizeof(s->role));
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	if (s->lockdown > 1) {
		*why = "lockdown flag out of range";
		return -1;
	}
	return 0;
}
