/*
 * One order from the journal: GET /v1/orders/{ticket} and GET
 * /v1/orders?client_order_id=ID (see trading.h).  The monitor answers
 * them from its own record, whatever the broker's state: the row's
 * state and the answer the client got (or will get), never the
 * broker's say.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "orderview.h"
#include "params.h"
#include "store.h"
#include "trading_int.h"

_Static_assert((int)ORDER_VIEW_PENDING == (int)JOURNAL_PENDING &&
    (int)ORDER_VIEW_SENT == (int)JOURNAL_SENT &&
    (int)ORDER_VIEW_DONE == (int)JOURNAL_DONE &&
    (int)ORDER_VIEW_FAILED == (int)JOURNAL_FAILED &&
    (int)ORDER_VIEW_UNKNOWN == (int)JOURNAL_UNKNOWN,
    "the journal's states are orderview.h's");

/* The row as net renders it: res gets 200 and the view. */
static void
view_answer(const struct journal_order *o, uint64_t ticket,
    struct msg_api_res *res)
{
	static struct msg_api_res	 stored;
	static struct order_view	 v;
	size_t				 n;

	memset(&v, 0, sizeof(v));
	v.ticket = ticket;
	v.command_id = o->id;
	strlcpy(v.client_order_id, o->client_order_id,
	    sizeof(v.client_order_id));
	v.derived = o->derived ? 1 : 0;
	v.state = (uint8_t)o->state;
	v.created = o->created;
	v.updated = o->updated;
	if (o->result != NULL) {
		if (answer_decode(o->result, o->result_len, &stored) == -1)
			fatalx("journal: order %" PRId64 ": stored answer does "
			    "not decode", o->id);
		v.status = stored.status;
		strlcpy(v.code, stored.code, sizeof(v.code));
		strlcpy(v.message, stored.message, sizeof(v.message));
		if (answer_has_result(&stored)) {
			if (stored.result_len > sizeof(v.result))
				fatalx("journal: order %" PRId64 ": stored "
				    "result too long", o->id);
			memcpy(v.result, stored.result, stored.result_len);
			v.result_len = stored.result_len;
		}
	}
	if ((n = order_view_encode(&v, res->result,
	    sizeof(res->result))) == 0)
		fatalx("journal: order %" PRId64 ": view does not fit", o->id);
	res->result_len = (uint32_t)n;
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
}

static int
view_fault(struct msg_api_res *res, const char *why)
{
	storage_fault("%s", why);
	storage_refuse(res);
	return 0;
}

/* The row journal_get() or journal_find() found, if id may see it. */
static void
view_row(const struct auth_identity *id, const struct journal_order *o,
    uint64_t ticket, struct msg_api_res *res, const char *what)
{
	if (trade_sees_all(id) || o->key_id == id->key_id) {
		view_answer(o, ticket, res);
		return;
	}
	msg_api_res_set(res, 404, "not_found", 0, "no order of this key has "
	    "%s (trading.positions_scope)", what);
}

void
trade_order_get(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_params	 p;
	struct journal_order	 o;
	const char		*why;
	char			 what[40];
	int64_t			 key_id, order_id;
	int			 r;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p,
	    &why) == -1) {
		msg_api_res_set(res, 400, "bad_request", 0, "%s", why);
		return;
	}
	snprintf(what, sizeof(what), "ticket %" PRIu64, p.ticket);
	if ((r = store_owner_get(tr.store, p.ticket, &key_id,
	    &order_id)) == -1) {
		view_fault(res, store_error(tr.store));
		return;
	}
	if (r == 0) {
		msg_api_res_set(res, 404, "not_found", 0, "no order of "
		    "heraldd's has ticket %" PRIu64 " (one opened elsewhere, "
		    "or forgotten after trading.journal_days)", p.ticket);
		return;
	}
	memset(&o, 0, sizeof(o));
	if ((r = journal_get(tr.journal, order_id, &o)) == -1)
		view_fault(res, journal_error(tr.journal));
	else if (r == 0)
		msg_api_res_set(res, 404, "not_found", 0, "the journal no "
		    "longer holds the order of ticket %" PRIu64
		    " (trading.journal_days)", p.ticket);
	else
		view_row(id, &o, p.ticket, res, what);
	journal_order_clear(&o);
}

void
trade_order_find(const struct msg_api_req *q, const struct auth_identity *id,
    struct msg_api_res *res)
{
	struct rpc_params	 p;
	struct journal_order	 o;
	const char		*why;
	char			 what[RPC_COID_MAX + 32];
	int			 r;

	if (rpc_params_decode(q->op, q->params, q->params_len, &p,
	    &why) == -1) {
		msg_api_res_set(res, 400, "bad_request", 0, "%s", why);
		return;
	}
	if ((p.flags & RPC_HAS_COID) == 0) {
		msg_api_res_set(res, 400, "bad_request", 0, "query parameter "
		    "'client_order_id' is required");
		return;
	}
	snprintf(what, sizeof(what), "client_order_id '%s'",
	    p.client_order_id);
	/* A key's own order first: ids are unique per key only. */
	r = journal_find(tr.journal, id->key_id, p.client_order_id, &o);
	if (r == 0 && trade_sees_all(id)) {
		journal_order_clear(&o);
		r = journal_find(tr.journal, JOURNAL_ANY_KEY,
		    p.client_order_id, &o);
	}
	if (r == -1)
		view_fault(res, journal_error(tr.journal));
	else if (r == 0)
		msg_api_res_set(res, 404, "not_found", 0, "no order of this "
		    "key has %s", what);
	else
		view_row(id, &o, 0, res, what);
	journal_order_clear(&o);
}
