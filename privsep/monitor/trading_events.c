/*
 * What the trading path tells GET /v1/events: order answers, the
 * account's changes the broker reports (deals, positions, pending
 * orders), the broker's state and the lockdown.  Each event is built
 * here as one line of JSON, written into the batch of the change that
 * caused it (a WOP_EVENT, like the account's records: no fsync of its
 * own), and pushed to net once that batch is durable.  See event.h,
 * events.h and herald-api(7), which lists every event.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "deal.h"
#include "events.h"
#include "log.h"
#include "msg.h"
#include "record.h"
#include "trade.h"
#include "trading_int.h"

/* jansson refuses what is not UTF-8 (a broker's comment): null then. */
static json_t *
ev_str(const char *s)
{
	json_t	*j = json_string(s);

	return j != NULL ? j : json_null();
}

static void
ev_set(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) == -1)
		fatalx("%s: out of memory", __func__);
}

/*
 * Into the batch: the event's row, written with the change that caused
 * it.  Takes data's reference.
 */
static void
ev_emit(const char *name, uint64_t key_id, json_t *data)
{
	struct wop	*w;
	char		*s;

	s = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(15));
	json_decref(data);
	if (s == NULL)
		fatalx("%s: out of memory", __func__);
	if (strlen(s) > EVENT_DATA_MAX) {
		log_warnx("event %s: %zu bytes of data, more than %d; not "
		    "kept", name, strlen(s), EVENT_DATA_MAX);
		free(s);
		return;
	}
	w = wop_new(WOP_EVENT, s, strlen(s) + 1);
	free(s);
	w->time_ms = trade_now_ms();
	w->owner = key_id;
	strlcpy(w->key, name, sizeof(w->key));
	write_op(w);
}

/* WOP_EVENT's write (trading_commit.c's wop_apply). */
int
event_write(struct wop *w)
{
	return events_insert(w->time_ms, w->owner, w->key,
	    (const char *)w->data, &w->event_id);
}

/* The batch is durable: its events go to net, in order. */
void
events_publish(void)
{
	static uint8_t		 buf[EVENT_WIRE_MAX];
	struct herald_event	 e;
	struct wop		*w;
	size_t			 n;

	TAILQ_FOREACH(w, &tr.wops, entry) {
		if (w->kind != WOP_EVENT)
			continue;
		memset(&e, 0, sizeof(e));
		e.id = w->event_id;
		e.time_ms = w->time_ms;
		e.key_id = w->owner;
		strlcpy(e.name, w->key, sizeof(e.name));
		strlcpy(e.data, (const char *)w->data, sizeof(e.data));
		events_durable(e.id);
		if ((n = event_encode(&e, buf, sizeof(buf))) == (size_t)-1)
			fatalx("event %" PRIu64 " does not fit", e.id);
		if (tr.io->event != NULL)
			tr.io->event(buf, n);
	}
}

static const char *
ev_op_name(uint8_t op)
{
	switch (op) {
	case OP_TRADE:
		return "trade";
	case OP_POSITION_CLOSE:
		return "close";
	case OP_POSITION_MODIFY:
		return "modify";
	case OP_ORDER_CANCEL:
		return "cancel";
	default:
		return api_info(op) != NULL ? api_info(op)->name : "unknown";
	}
}

/* An order's answer, as the key that sent it got it: for its eyes. */
void
event_answer(const struct tx *t, const struct msg_api_res *res,
    const struct trade_result *r)
{
	json_t	*o;

	if (!answer_has_result(res) || (o = json_object()) == NULL)
		return;
	ev_set(o, "command_id", json_integer(t->command_id));
	ev_set(o, "request", json_string(ev_op_name(t->op)));
	ev_set(o, "http_status", json_integer(res->status));
	ev_set(o, "status", json_string(trade_status_name(r->retcode)));
	ev_set(o, "order_id", json_u64(r->order));
	ev_set(o, "position", json_u64(r->position));
	ev_set(o, "deal", json_u64(r->deal));
	ev_set(o, "fill_price", json_real(r->price));
	ev_set(o, "filled_volume", json_real(r->volume));
	ev_set(o, "retcode", json_integer(r->retcode));
	ev_set(o, "message", ev_str(r->message[0] != '\0' ? r->message :
	    trade_retcode_text(r->retcode)));
	ev_set(o, "comment", ev_str(r->comment));
	ev_set(o, "client_order_id", ev_str(r->client_order_id));
	ev_emit("order", (uint64_t)t->key_id, o);
}

/* What a deal's reason makes of it: a fill, an SL or TP hit, a stop-out. */
static const char *
ev_deal_name(const struct paper_deal *d)
{
	if (d->type == PAPER_DEAL_BALANCE)
		return "balance";
	switch (d->reason) {
	case PAPER_REASON_SL:
		return "sl";
	case PAPER_REASON_TP:
		return "tp";
	case PAPER_REASON_SO:
		return "stop_out";
	case PAPER_REASON_CLIENT:
	case PAPER_REASON_EXPERT:
		break;
	}
	return "fill";
}

static json_t *
ev_position(const struct paper_position *p, int open)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		fatalx("%s: out of memory", __func__);
	ev_set(o, "state", json_string(open ? "open" : "closed"));
	ev_set(o, "ticket", json_u64(p->ticket));
	ev_set(o, "symbol", ev_str(p->symbol));
	ev_set(o, "type", json_string(trade_type_name((uint8_t)p->type)));
	ev_set(o, "volume", json_real(p->volume));
	ev_set(o, "price_open", json_real(p->price_open));
	ev_set(o, "sl", json_real(p->sl));
	ev_set(o, "tp", json_real(p->tp));
	ev_set(o, "time", json_time_ms(p->time));
	ev_set(o, "magic", json_u64(p->magic));
	ev_set(o, "comment", ev_str(p->comment));
	return o;
}

/* Why a pending order went, from its last ORDER_STATE; NULL: not said. */
static const char *
ev_gone_reason(enum paper_order_state st)
{
	switch (st) {
	case PAPER_STATE_CANCELED:
		return "cancelled";
	case PAPER_STATE_FILLED:
	case PAPER_STATE_PARTIAL:
		return "filled";
	case PAPER_STATE_REJECTED:
		return "rejected";
	case PAPER_STATE_EXPIRED:
		return "expired";
	default:
		return NULL;
	}
}

static json_t *
ev_order(const struct paper_order *p, int open)
{
	json_t		*o;
	const char	*why = open ? NULL : ev_gone_reason(p->state);

	if ((o = json_object()) == NULL)
		fatalx("%s: out of memory", __func__);
	ev_set(o, "state", json_string(open ? "placed" :
	    p->state == PAPER_STATE_EXPIRED ? "expired" : "removed"));
	if (why != NULL)
		ev_set(o, "reason", json_string(why));
	ev_set(o, "ticket", json_u64(p->ticket));
	ev_set(o, "symbol", ev_str(p->symbol));
	ev_set(o, "type", json_string(trade_type_name((uint8_t)p->type)));
	ev_set(o, "volume", json_real(p->volume));
	ev_set(o, "price", json_real(p->price));
	ev_set(o, "sl", json_real(p->sl));
	ev_set(o, "tp", json_real(p->tp));
	ev_set(o, "time_setup", json_time_ms(p->time_setup));
	if (p->expiration > 0)
		ev_set(o, "expiration", json_time_ms(p->expiration * 1000));
	ev_set(o, "magic", json_u64(p->magic));
	ev_set(o, "comment", ev_str(p->comment));
	return o;
}

/* A change of the account the broker reported (BROKER_RECORD). */
void
event_record(const struct paper_record *rec)
{
	json_t	*o;
	int	 put = rec->op == PAPER_OP_PUT;

	switch (rec->type) {
	case PAPER_REC_DEAL:
		if ((o = deal_json(&rec->u.deal)) == NULL)
			fatalx("%s: out of memory", __func__);
		ev_emit(ev_deal_name(&rec->u.deal), 0, o);
		return;
	case PAPER_REC_POSITION:
		ev_emit("position", 0, ev_position(&rec->u.position, put));
		return;
	case PAPER_REC_ORDER:
		/* An expiry is an event of its own, as fills and SL/TP are. */
		ev_emit(!put && rec->u.order.state == PAPER_STATE_EXPIRED ?
		    "expired" : "pending", 0, ev_order(&rec->u.order, put));
		return;
	case PAPER_REC_ACCOUNT:
	case PAPER_REC_QUOTE:
	case PAPER_REC_COMMAND:
		return;
	}
}

/* The broker came up or went down (BROKER_UP). */
void
event_broker(int up, const char *reason)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		fatalx("%s: out of memory", __func__);
	ev_set(o, "state", json_string(up ? "up" : "down"));
	ev_set(o, "reason", ev_str(reason));
	ev_emit("broker", 0, o);
}

/* heraldctl lockdown on|off. */
void
event_lockdown(const struct store_lockdown *l)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		fatalx("%s: out of memory", __func__);
	ev_set(o, "active", json_boolean(l->active));
	ev_set(o, "by", ev_str(l->who));
	ev_set(o, "since", json_time_ms(l->since * 1000));
	ev_emit("lockdown", 0, o);
}
