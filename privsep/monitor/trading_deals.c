/*
 * GET /v1/deals: the deal history, from the monitor's own record of the
 * deals every backend reported (the store's deal records), not from the
 * broker: it outlives a restart of either, holds more than the paper
 * engine keeps in memory (BACKEND_PAPER_MAX_DEALS), answers while the
 * broker is down, and is the same record the daily-loss rule sums.
 * Kept for trading.journal_days.
 *
 * Pages come in the order of time, then ticket; the cursor is the last
 * deal's (time, ticket), so a deal added meanwhile never shifts a page.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>

#include "deal.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "record.h"
#include "store.h"
#include "trading_int.h"
#include "wire.h"

#define DEALS_LIMIT_DEFAULT	100

struct deals_walk {
	const struct rpc_params	*p;
	struct wire_builder	 b;
	struct deal_page	 pg;
	uint32_t		 limit;
	const char		*why;
};

static int
deals_one(uint8_t type, const char *key, const void *body, size_t len,
    void *arg)
{
	struct deals_walk	*w = arg;
	struct paper_record	 rec;
	size_t			 mark = w->b.len;

	if (paper_record_decode(type, PAPER_OP_PUT, body, len, &rec,
	    &w->why) == -1)
		return 2;		/* a stored deal that does not decode */
	if ((w->p->flags & RPC_HAS_SYMBOL) &&
	    strcmp(rec.u.deal.symbol, w->p->symbol) != 0)
		return 0;
	/* One more than the page holds: there is a next page. */
	if (w->pg.n == w->limit) {
		w->pg.more = 1;
		return 1;
	}
	deal_page_add(&w->b, body, len);
	if (w->b.err) {			/* the answer is full */
		w->b.err = 0;
		w->b.len = mark;
		w->pg.more = 1;
		return 1;
	}
	w->pg.n++;
	w->pg.next_time = rec.u.deal.time;
	w->pg.next_ticket = rec.u.deal.ticket;
	return 0;
}

void
trade_deals(const struct rpc_params *p, struct msg_api_res *res)
{
	struct deals_walk	 w;
	size_t			 len;
	int			 r;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.limit = (p->flags & RPC_HAS_LIMIT) ? p->limit : DEALS_LIMIT_DEFAULT;
	wire_builder_init(&w.b, res->result, sizeof(res->result));
	deal_page_put(&w.b, &w.pg);
	r = store_deals(tr.store, PAPER_REC_DEAL, p->from, p->to,
	    p->cursor_time, p->cursor_ticket, deals_one, &w);
	if (r == -1 || r == 2) {
		log_warnx("deals: %s", w.why != NULL ? w.why :
		    store_error(tr.store));
		msg_api_res_set(res, 503, "storage_unavailable", 1,
		    "the deal history cannot be read (%s)", w.why != NULL ?
		    w.why : store_error(tr.store));
		return;
	}
	if (!w.pg.more) {
		w.pg.next_time = 0;
		w.pg.next_ticket = 0;
	}
	len = w.b.len;
	w.b.len = 0;
	deal_page_put(&w.b, &w.pg);
	w.b.len = len;
	res->status = 200;
	strlcpy(res->code, "ok", sizeof(res->code));
	res->result_len = (uint32_t)len;
}
