/*
 * Rendering for the net process (see rpc.h): the monitor's typed answers
 * (common/trade.h's results, the status) as the JSON bodies herald-api(7)
 * documents, and the error body.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "deal.h"
#include "metrics_net.h"
#include "nitems.h"
#include "rpc.h"
#include "rpc_audit.h"
#include "rpc_int.h"
#include "orderview.h"
#include "trade.h"
#include "wire.h"

/* A JSON string of printable ASCII (anything else becomes '?'). */
static json_t *
rpc_jstr(const char *s)
{
	char	 buf[RPC_MSG_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(buf) - 1 && s[i] != '\0'; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e) ? '?' : s[i];
	buf[i] = '\0';
	return json_string(buf);
}

static char *
rpc_dump(json_t *j)
{
	char	*s;

	if (j == NULL)
		return NULL;
	/* 15 significant digits: 1.1 prints as 1.1, not 1.1000000000000001. */
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(15));
	json_decref(j);
	return s;
}

char *
rpc_render_error(const char *code, const char *message)
{
	return rpc_dump(json_pack("{s:o, s:o}", "error", rpc_jstr(message),
	    "code", rpc_jstr(code)));
}

char *
rpc_render_health(void)
{
	return rpc_dump(json_pack("{s:s}", "status", "ok"));
}

/* GET /readyz when ready; a 503 names the faults as any error does. */
static char *
rpc_render_ready(const struct msg_api_res *res, struct rpc_error *err)
{
	(void)res;
	(void)err;
	return rpc_dump(json_pack("{s:s}", "status", "ready"));
}

static char *
rpc_render_status(const struct msg_api_res *res, struct rpc_error *err)
{
	struct rpc_status	 s;
	const char		*why;

	if (rpc_status_decode(res->result, res->result_len, &s, &why) == -1) {
		rpc_fail(err, 500, "internal_error",
		    "the monitor's status result does not decode: %s", why);
		return NULL;
	}
	return rpc_dump(json_pack("{s:o, s:o, s:b, s:{s:o, s:o}}",
	    "version", rpc_jstr(s.version),
	    "broker", rpc_jstr(s.broker),
	    "lockdown", s.lockdown,
	    "key", "name", rpc_jstr(s.key_name), "role", rpc_jstr(s.role)));
}

/*
 * The trading answers.  Objects are built member by member; a member
 * whose value could not be made (out of memory) fails the whole answer.
 */

/* Set o[k] = v, taking v; -1 if v is NULL or the set failed. */
static int
rpc_set(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

/*
 * A ticket, deal or magic number as a JSON integer.  jansson's integers
 * are signed 64-bit; a value beyond 2^63-1, which no MT5 server issues,
 * becomes the nearest real so that the answer stays valid JSON.
 */
static json_t *
rpc_ju64(uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

/* Milliseconds since the epoch as "2026-01-02T03:04:05.678Z"; 0: null. */
static json_t *
rpc_jtime(int64_t ms)
{
	struct tm	 tm;
	time_t		 t;
	char		 buf[64], out[80];

	if (ms <= 0 || ms > TRADE_TIME_MAX)
		return json_null();
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return json_null();
	snprintf(out, sizeof(out), "%s.%03dZ", buf, (int)(ms % 1000));
	return json_string(out);
}

static int
rpc_bad_result(struct rpc_error *err, const char *what, const char *why)
{
	return rpc_fail(err, 500, "internal_error",
	    "the %s result does not decode: %s", what, why);
}

/* Dump o, or NULL (500) if building it failed. */
static char *
rpc_finish(json_t *o, int bad, struct rpc_error *err)
{
	char	*s;

	if (o == NULL || bad) {
		json_decref(o);
		rpc_fail(err, 500, "internal_error", "out of memory");
		return NULL;
	}
	if ((s = rpc_dump(o)) == NULL)
		rpc_fail(err, 500, "internal_error", "out of memory");
	return s;
}

/*
 * An order answer as a JSON object, into *bad any failure; with the
 * error's code and message unless status is 200 (a 422 is both).
 */
static json_t *
rpc_trade_object(const struct trade_result *rp, unsigned status,
    const char *code, const char *message, int *badp)
{
	const struct trade_result	 r = *rp;
	json_t				*o;
	int				 bad = 0;

	if ((o = json_object()) == NULL) {
		*badp = 1;
		return NULL;
	}
	bad |= rpc_set(o, "status", json_string(trade_status_name(r.retcode)));
	bad |= rpc_set(o, "order_id", rpc_ju64(r.order));
	bad |= rpc_set(o, "position", rpc_ju64(r.position));
	bad |= rpc_set(o, "deal", rpc_ju64(r.deal));
	bad |= rpc_set(o, "fill_price", json_real(r.price));
	bad |= rpc_set(o, "filled_volume", json_real(r.volume));
	bad |= rpc_set(o, "retcode", json_integer(r.retcode));
	bad |= rpc_set(o, "message", rpc_jstr(r.message[0] != '\0' ?
	    r.message : trade_retcode_text(r.retcode)));
	bad |= rpc_set(o, "comment", rpc_jstr(r.comment));
	bad |= rpc_set(o, "client_order_id", rpc_jstr(r.client_order_id));
	bad |= rpc_set(o, "duplicate", json_boolean(r.duplicate));
	bad |= rpc_set(o, "bid", json_real(r.bid));
	bad |= rpc_set(o, "ask", json_real(r.ask));
	/* 422: the order answer is the error's body too. */
	if (status != 200) {
		bad |= rpc_set(o, "code", rpc_jstr(code));
		bad |= rpc_set(o, "error", rpc_jstr(message));
	}
	*badp |= bad;
	return o;
}

static char *
rpc_render_trade(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_result	 r;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_result_decode(res->result, res->result_len, &r, &why) ==
	    -1) {
		rpc_bad_result(err, "trade", why);
		return NULL;
	}
	o = rpc_trade_object(&r, res->status, res->code, res->message, &bad);
	return rpc_finish(o, bad, err);
}

/* Unix seconds as rpc_jtime() renders milliseconds. */
static json_t *
rpc_jsec(int64_t sec)
{
	return sec > 0 && sec <= TRADE_TIME_MAX / 1000 ? rpc_jtime(sec * 1000) :
	    json_null();
}

/*
 * One order from the journal: its state and the answer it got, an
 * order answer (200 or 422) or an error (a 503 outcome_unknown, ...);
 * null while it is in flight.
 */
static char *
rpc_render_order(const struct msg_api_res *res, struct rpc_error *err)
{
	static struct order_view v;
	struct trade_result	 r;
	const char		*why;
	json_t			*o, *a;
	int			 bad = 0;

	if (order_view_decode(res->result, res->result_len, &v, &why) == -1) {
		rpc_bad_result(err, "order", why);
		return NULL;
	}
	memset(&r, 0, sizeof(r));
	if (v.result_len > 0 && trade_result_decode(v.result, v.result_len,
	    &r, &why) == -1) {
		rpc_bad_result(err, "order", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "ticket", v.ticket != 0 ? rpc_ju64(v.ticket) :
	    v.result_len > 0 && r.order != 0 ? rpc_ju64(r.order) :
	    json_null());
	bad |= rpc_set(o, "command_id", json_integer(v.command_id));
	bad |= rpc_set(o, "client_order_id", rpc_jstr(v.client_order_id));
	bad |= rpc_set(o, "derived_id", json_boolean(v.derived));
	bad |= rpc_set(o, "state", json_string(order_view_state_name(
	    v.state)));
	bad |= rpc_set(o, "created", rpc_jsec(v.created));
	bad |= rpc_set(o, "updated", rpc_jsec(v.updated));
	if (v.status == 0)
		a = json_null();
	else if (v.result_len > 0)
		a = rpc_trade_object(&r, v.status, v.code, v.message, &bad);
	else if ((a = json_object()) != NULL) {
		bad |= rpc_set(a, "error", rpc_jstr(v.message));
		bad |= rpc_set(a, "code", rpc_jstr(v.code));
	}
	bad |= rpc_set(o, "http_status", v.status != 0 ?
	    json_integer(v.status) : json_null());
	bad |= rpc_set(o, "answer", a);
	return rpc_finish(o, bad, err);
}

static char *
rpc_render_account(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_account	 a;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_account_decode(res->result, res->result_len, &a, &why) ==
	    -1) {
		rpc_bad_result(err, "account", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "login", rpc_jstr(a.login));
	bad |= rpc_set(o, "currency", rpc_jstr(a.currency));
	bad |= rpc_set(o, "margin_mode", json_string(
	    a.margin_mode == TRADE_HEDGING ? "hedging" : "netting"));
	bad |= rpc_set(o, "leverage", json_integer(a.leverage));
	bad |= rpc_set(o, "balance", json_real(a.balance));
	bad |= rpc_set(o, "credit", json_real(a.credit));
	bad |= rpc_set(o, "profit", json_real(a.profit));
	bad |= rpc_set(o, "equity", json_real(a.equity));
	bad |= rpc_set(o, "margin", json_real(a.margin));
	bad |= rpc_set(o, "free_margin", json_real(a.margin_free));
	bad |= rpc_set(o, "margin_level", json_real(a.margin_level));
	return rpc_finish(o, bad, err);
}

static json_t *
rpc_position(const struct trade_position *p)
{
	json_t	*o;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= rpc_set(o, "ticket", rpc_ju64(p->ticket));
	bad |= rpc_set(o, "symbol", rpc_jstr(p->symbol));
	bad |= rpc_set(o, "type", json_string(trade_type_name(p->type)));
	bad |= rpc_set(o, "volume", json_real(p->volume));
	bad |= rpc_set(o, "price_open", json_real(p->price_open));
	bad |= rpc_set(o, "price_current", json_real(p->price_current));
	bad |= rpc_set(o, "sl", json_real(p->sl));
	bad |= rpc_set(o, "tp", json_real(p->tp));
	bad |= rpc_set(o, "profit", json_real(p->profit));
	bad |= rpc_set(o, "margin", json_real(p->margin));
	bad |= rpc_set(o, "time", rpc_jtime(p->time));
	bad |= rpc_set(o, "magic", rpc_ju64(p->magic));
	bad |= rpc_set(o, "comment", rpc_jstr(p->comment));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
rpc_order(const struct trade_order *p)
{
	json_t	*o;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= rpc_set(o, "ticket", rpc_ju64(p->ticket));
	bad |= rpc_set(o, "symbol", rpc_jstr(p->symbol));
	bad |= rpc_set(o, "type", json_string(trade_type_name(p->type)));
	bad |= rpc_set(o, "volume", json_real(p->volume));
	bad |= rpc_set(o, "price", json_real(p->price));
	bad |= rpc_set(o, "price_current", json_real(p->price_current));
	bad |= rpc_set(o, "sl", json_real(p->sl));
	bad |= rpc_set(o, "tp", json_real(p->tp));
	bad |= rpc_set(o, "time_setup", rpc_jtime(p->time_setup));
	bad |= rpc_set(o, "magic", rpc_ju64(p->magic));
	bad |= rpc_set(o, "comment", rpc_jstr(p->comment));
	bad |= rpc_set(o, "stop_limit", json_real(p->stop_limit));
	bad |= rpc_set(o, "expiration",
	    json_string(trade_time_name(p->type_time)));
	/* The time it expires at: a DAY order's too; null for GTC. */
	bad |= rpc_set(o, "expires_at", p->expiration > 0 ?
	    rpc_jtime(p->expiration) : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"<name>": [items], "truncated": bool}; takes the array. */
static char *
rpc_render_list(const char *name, json_t *a, uint8_t truncated, int bad,
    struct rpc_error *err)
{
	json_t	*o;

	if ((o = json_object()) == NULL) {
		json_decref(a);
		return rpc_finish(NULL, 1, err);
	}
	bad |= rpc_set(o, name, a);
	bad |= rpc_set(o, "truncated", json_boolean(truncated));
	return rpc_finish(o, bad, err);
}

static char *
rpc_render_positions(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_positions	*l;
	const char		*why;
	json_t			*a;
	uint32_t		 i;
	uint8_t			 truncated;
	int			 bad = 0;

	/* About 20 KB: not for the stack of a callback. */
	if ((l = malloc(sizeof(*l))) == NULL)
		return rpc_finish(NULL, 1, err);
	if (trade_positions_decode(res->result, res->result_len, l, &why) ==
	    -1) {
		rpc_bad_result(err, "positions", why);
		free(l);
		return NULL;
	}
	a = json_array();
	for (i = 0; i < l->n && a != NULL && !bad; i++)
		bad |= json_array_append_new(a, rpc_position(&l->pos[i]));
	truncated = l->truncated;
	free(l);
	return rpc_render_list("positions", a, truncated, bad, err);
}

static char *
rpc_render_orders(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_orders	*l;
	const char		*why;
	json_t			*a;
	uint32_t		 i;
	uint8_t			 truncated;
	int			 bad = 0;

	if ((l = malloc(sizeof(*l))) == NULL)
		return rpc_finish(NULL, 1, err);
	if (trade_orders_decode(res->result, res->result_len, l, &why) ==
	    -1) {
		rpc_bad_result(err, "orders", why);
		free(l);
		return NULL;
	}
	a = json_array();
	for (i = 0; i < l->n && a != NULL && !bad; i++)
		bad |= json_array_append_new(a, rpc_order(&l->ord[i]));
	truncated = l->truncated;
	free(l);
	return rpc_render_list("orders", a, truncated, bad, err);
}

static json_t *
rpc_fillings(uint8_t bits)
{
	json_t	*a;
	int	 bad = 0;

	if ((a = json_array()) == NULL)
		return NULL;
	if (bits & TRADE_FILL_FOK)
		bad |= json_array_append_new(a, json_string("FOK"));
	if (bits & TRADE_FILL_IOC)
		bad |= json_array_append_new(a, json_string("IOC"));
	if (bits & TRADE_FILL_RETURN)
		bad |= json_array_append_new(a, json_string("RETURN"));
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static const char *
rpc_trade_mode(uint8_t mode)
{
	static const char	*names[] = {
		"DISABLED", "LONGONLY", "SHORTONLY", "CLOSEONLY", "FULL"
	};

	return mode < nitems(names) ? names[mode] : "UNKNOWN";
}

static char *
rpc_render_symbol(const struct msg_api_res *res, struct rpc_error *err)
{
	struct trade_symbol	 s;
	const char		*why;
	json_t			*o;
	int			 bad = 0;

	if (trade_symbol_decode(res->result, res->result_len, &s, &why) ==
	    -1) {
		rpc_bad_result(err, "symbol", why);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		return rpc_finish(NULL, 1, err);
	bad |= rpc_set(o, "name", rpc_jstr(s.name));
	bad |= rpc_set(o, "currency_base", rpc_jstr(s.currency_base));
	bad |= rpc_set(o, "currency_profit", rpc_jstr(s.currency_profit));
	bad |= rpc_set(o, "digits", json_integer(s.digits));
	bad |= rpc_set(o, "point", json_real(s.point));
	bad |= rpc_set(o, "contract_size", json_real(s.contract_size));
	bad |= rpc_set(o, "volume_min", json_real(s.volume_min));
	bad |= rpc_set(o, "volume_max", json_real(s.volume_max));
	bad |= rpc_set(o, "volume_step", json_real(s.volume_step));
	bad |= rpc_set(o, "stops_level", json_integer(s.stops_level));
	bad |= rpc_set(o, "filling", rpc_fillings(s.filling));
	bad |= rpc_set(o, "trade_mode", json_string(
	    rpc_trade_mode(s.trade_mode)));
	bad |= rpc_set(o, "tick_value", json_real(s.tick_value));
	bad |= rpc_set(o, "bid", json_real(s.bid));
	bad |= rpc_set(o, "ask", json_real(s.ask));
	bad |= rpc_set(o, "time", rpc_jtime(s.time));
	bad |= rpc_set(o, "session_open", json_boolean(s.session_open));
	return rpc_finish(o, bad, err);
}

/*
 * A page of the audit trail: each row's detail is the JSON object the
 * monitor wrote (a string if it does not parse), next the cursor of the
 * following page or null.
 */
static int
rpc_audit_row(const struct rpc_audit_row *r, void *arg)
{
	json_t		*rows = arg, *o, *d;
	json_error_t	 je;
	int		 bad = 0;

	if ((d = json_loads(r->detail, 0, &je)) == NULL)
		d = rpc_jstr(r->detail);
	if ((o = json_object()) == NULL) {
		json_decref(d);
		return -1;
	}
	bad |= rpc_set(o, "id", rpc_ju64(r->id));
	bad |= rpc_set(o, "time", rpc_jtime(r->time > (uint64_t)INT64_MAX /
	    1000 ? 0 : (int64_t)r->time * 1000));
	bad |= rpc_set(o, "type", rpc_jstr(r->type));
	bad |= rpc_set(o, "actor", rpc_jstr(r->actor));
	bad |= rpc_set(o, "key", rpc_jstr(r->key));
	bad |= rpc_set(o, "source", rpc_jstr(r->source));
	bad |= rpc_set(o, "detail", d);
	bad |= rpc_set(o, "mac", rpc_jstr(r->mac));
	if (bad || json_array_append_new(rows, o) == -1) {
		if (!bad)
			json_decref(o);
		return -1;
	}
	return 0;
}

static char *
rpc_render_audit(const struct msg_api_res *res, struct rpc_error *err)
{
	json_t		*rows, *o;
	uint64_t	 next;
	const char	*why;

	if ((rows = json_array()) == NULL)
		return rpc_finish(NULL, 1, err);
	if (rpc_audit_decode(res->result, res->result_len, &next,
	    rpc_audit_row, rows, &why) == -1) {
		json_decref(rows);
		rpc_bad_result(err, "audit page", why);
		return NULL;
	}
	o = json_pack("{s:o, s:o}", "rows", rows, "next", next != 0 ?
	    rpc_ju64(next) : json_null());
	return rpc_finish(o, 0, err);
}

/*
 * GET /metrics: the monitor's snapshot and net's own counters, as the
 * Prometheus text exposition (metrics_net.c), not JSON.
 */
static char *
rpc_render_metrics(const struct msg_api_res *res, struct rpc_error *err)
{
	struct metrics_mon	 m;
	const char		*why;
	char			*s;

	if (metrics_mon_decode(res->result, res->result_len, &m, &why) ==
	    -1) {
		rpc_bad_result(err, "metrics", why);
		return NULL;
	}
	if ((s = metrics_render(&net_metrics, &m)) == NULL)
		rpc_fail(err, 500, "internal_error", "out of memory");
	return s;
}

/*
 * The renderer of each operation's 2xx result, by the catalogue's render
 * column: RPC_RESULT_<render> must exist for every row, so a new
 * operation without one does not compile.  NULL where no result comes:
 * net answers GET /healthz itself (rpc_render_health).
 */
typedef char	*(*rpc_renderer)(const struct msg_api_res *, struct rpc_error *);

#define RPC_RESULT_health	NULL
#define RPC_RESULT_status	rpc_render_status
/* GET /v1/deals: {"deals":[...],"next_cursor":"..."|null}. */
static char *
rpc_render_deals(const struct msg_api_res *res, struct rpc_error *err)
{
	struct paper_deal	 d;
	struct deal_page	 pg;
	struct wire_reader	 r;
	const char		*why;
	char			 cur[DEAL_CURSOR_LEN + 1];
	json_t			*o, *list;
	uint32_t		 i;
	int			 bad = 0;

	wire_reader_init(&r, res->result, res->result_len);
	if (deal_page_get(&r, &pg, &why) == -1) {
		rpc_bad_result(err, "deals", why);
		return NULL;
	}
	if ((o = json_object()) == NULL || (list = json_array()) == NULL) {
		json_decref(o);
		return rpc_finish(NULL, 1, err);
	}
	for (i = 0; i < pg.n; i++) {
		if (deal_page_next(&r, &d, &why) == -1) {
			json_decref(list);
			json_decref(o);
			rpc_bad_result(err, "deals", why);
			return NULL;
		}
		bad |= json_array_append_new(list, deal_json(&d));
	}
	if (wire_end(&r) == -1) {
		json_decref(list);
		json_decref(o);
		rpc_bad_result(err, "deals", r.err);
		return NULL;
	}
	bad |= rpc_set(o, "deals", list);
	if (pg.more) {
		deal_cursor_format(pg.next_time, pg.next_ticket, cur,
		    sizeof(cur));
		bad |= rpc_set(o, "next_cursor", json_string(cur));
	} else
		bad |= rpc_set(o, "next_cursor", json_null());
	return rpc_finish(o, bad, err);
}

#define RPC_RESULT_trade	rpc_render_trade
#define RPC_RESULT_account	rpc_render_account
#define RPC_RESULT_positions	rpc_render_positions
#define RPC_RESULT_orders	rpc_render_orders
#define RPC_RESULT_symbol	rpc_render_symbol
#define RPC_RESULT_audit	rpc_render_audit
#define RPC_RESULT_events	NULL	/* a stream: http_stream.c */
#define RPC_RESULT_deals	rpc_render_deals
#define RPC_RESULT_ready	rpc_render_ready
#define RPC_RESULT_order	rpc_render_order
#define RPC_RESULT_metrics	rpc_render_metrics

static const rpc_renderer rpc_renderers[OP_MAX] = {
#define O(name, methods, path, perm, to, rw, fields, query, body, render) \
	[OP_##name] = RPC_RESULT_##render,
	HERALD_OPS(O)
#undef O
};

char *
rpc_render_result(uint8_t op, const struct msg_api_res *res,
    struct rpc_error *err)
{
	if (op >= OP_MAX || rpc_renderers[op] == NULL) {
		rpc_fail(err, 500, "internal_error",
		    "no renderer for the result of operation %u", op);
		return NULL;
	}
	return rpc_renderers[op](res, err);
}

const char *
rpc_result_type(uint8_t op)
{
	if (op < OP_MAX && rpc_renderers[op] == rpc_render_metrics)
		return METRICS_CONTENT_TYPE;
	return "application/json";
}
