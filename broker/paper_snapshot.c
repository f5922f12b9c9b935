/*
 * The paper engine's snapshot and restore: paper_export() hands every
 * record of the state to a callback, paper_import() applies one record
 * (as the monitor replays its store at start).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_impl.h"
#include "trade.h"

int
paper_export(const struct paper_engine *e, paper_record_cb cb, void *arg)
{
	struct paper_record	r;
	size_t			i;
	int			rv;

#define PUT(kind, field, val) do {					\
	memset(&r, 0, sizeof(r));					\
	r.type = (kind);						\
	r.op = PAPER_OP_PUT;						\
	memcpy(&r.u.field, (val), sizeof(r.u.field));			\
	if ((rv = cb(&r, arg)) != 0)					\
		return rv;						\
} while (0)

	PUT(PAPER_REC_ACCOUNT, account, &e->st);
	for (i = 0; i < e->nsyms; i++)
		PUT(PAPER_REC_QUOTE, quote, &e->quotes[i]);
	for (i = 0; i < e->npos; i++)
		PUT(PAPER_REC_POSITION, position, &e->pos[i]);
	for (i = 0; i < e->nord; i++)
		PUT(PAPER_REC_ORDER, order, &e->ord[i]);
	for (i = 0; i < e->ndeals; i++)
		PUT(PAPER_REC_DEAL, deal, &e->deals[i]);
	for (i = 0; i < e->ncmds; i++)
		PUT(PAPER_REC_COMMAND, command, &e->cmds[i]);
#undef PUT
	return 0;
}

static int
import_position(struct paper_engine *e, const struct paper_position *p,
    enum paper_rec_op op)
{
	ssize_t	i = pos_index(e, p->ticket);

	if (op == PAPER_OP_DEL) {
		if (i >= 0) {
			memmove(&e->pos[i], &e->pos[i + 1],
			    (e->npos - i - 1) * sizeof(e->pos[0]));
			e->npos--;
		}
		return 0;
	}
	if (!str_ok(p->symbol, sizeof(p->symbol)) ||
	    sym_index(e, p->symbol) < 0 || p->ticket == 0 ||
	    (p->type != PAPER_ORDER_BUY && p->type != PAPER_ORDER_SELL) ||
	    !finite_in(p->volume, PAPER_VOLUME_EPS, 1e9) ||
	    !finite_in(p->price_open, 0, PAPER_HUGE) ||
	    !finite_in(p->sl, 0, PAPER_HUGE) ||
	    !finite_in(p->tp, 0, PAPER_HUGE) ||
	    !finite_in(p->margin, 0, PAPER_HUGE) ||
	    !str_ok(p->comment, sizeof(p->comment)))
		return -1;
	if (i >= 0) {
		e->pos[i] = *p;
		return 0;
	}
	if (grow((void **)&e->pos, &e->cappos, e->npos, sizeof(*p)) == -1)
		return -1;
	e->pos[e->npos++] = *p;
	return 0;
}

static int
import_order(struct paper_engine *e, const struct paper_order *o,
    enum paper_rec_op op)
{
	ssize_t	i = ord_index(e, o->ticket);

	if (op == PAPER_OP_DEL) {
		if (i >= 0) {
			memmove(&e->ord[i], &e->ord[i + 1],
			    (e->nord - i - 1) * sizeof(e->ord[0]));
			e->nord--;
		}
		return 0;
	}
	if (!str_ok(o->symbol, sizeof(o->symbol)) ||
	    sym_index(e, o->symbol) < 0 || o->ticket == 0 ||
	    !is_pending_type(o->type) ||
	    o->type_filling < PAPER_FILLING_FOK ||
	    o->type_filling > PAPER_FILLING_RETURN ||
	    !finite_in(o->volume, PAPER_VOLUME_EPS, 1e9) ||
	    !finite_in(o->price, 0, PAPER_HUGE) ||
	    !finite_in(o->sl, 0, PAPER_HUGE) ||
	    !finite_in(o->tp, 0, PAPER_HUGE) ||
	    !finite_in(o->stoplimit, 0, PAPER_HUGE) ||
	    o->type_time < PAPER_TIME_GTC ||
	    o->type_time > PAPER_TIME_SPECIFIED_DAY || o->expiration < 0 ||
	    !str_ok(o->comment, sizeof(o->comment)))
		return -1;
	if (i >= 0) {
		e->ord[i] = *o;
		return 0;
	}
	if (grow((void **)&e->ord, &e->capord, e->nord, sizeof(*o)) == -1)
		return -1;
	e->ord[e->nord++] = *o;
	return 0;
}

static int
import_deal(struct paper_engine *e, const struct paper_deal *d)
{
	size_t	i;

	if (!str_ok(d->symbol, sizeof(d->symbol)) ||
	    !str_ok(d->comment, sizeof(d->comment)) || d->ticket == 0 ||
	    d->type < PAPER_DEAL_BUY || d->type > PAPER_DEAL_BALANCE ||
	    (d->type != PAPER_DEAL_BALANCE && sym_index(e, d->symbol) < 0) ||
	    !finite_in(d->volume, 0, 1e9) ||
	    !finite_in(d->price, 0, PAPER_HUGE) ||
	    !finite_in(d->profit, -PAPER_HUGE, PAPER_HUGE))
		return -1;
	/* Deals are immutable: a repeat replaces in place. */
	for (i = e->ndeals; i > 0; i--)
		if (e->deals[i - 1].ticket == d->ticket) {
			e->deals[i - 1] = *d;
			return 0;
		}
	return add_deal(e, d);
}

int
paper_import(struct paper_engine *e, const struct paper_record *r)
{
	paper_record_cb	 saved = e->journal;
	ssize_t		 si;
	int		 rv = -1;

	if (r->op != PAPER_OP_PUT && r->op != PAPER_OP_DEL)
		return -1;
	e->journal = NULL;	/* importing is not a change to report */
	switch (r->type) {
	case PAPER_REC_ACCOUNT:
		if (r->op != PAPER_OP_PUT ||
		    !finite_in(r->u.account.balance, -PAPER_HUGE, PAPER_HUGE) ||
		    !finite_in(r->u.account.credit, 0, PAPER_HUGE) ||
		    r->u.account.next_order == 0 || r->u.account.next_deal == 0)
			break;
		e->st = r->u.account;
		rv = 0;
		break;
	case PAPER_REC_QUOTE:
		if (r->op != PAPER_OP_PUT ||
		    !str_ok(r->u.quote.symbol, sizeof(r->u.quote.symbol)) ||
		    (si = sym_index(e, r->u.quote.symbol)) < 0 ||
		    !finite_in(r->u.quote.bid, 0, PAPER_HUGE) ||
		    !finite_in(r->u.quote.ask, r->u.quote.bid, PAPER_HUGE))
			break;
		e->quotes[si] = r->u.quote;
		e->quotes[si].session_open = r->u.quote.session_open != 0;
		rv = 0;
		break;
	case PAPER_REC_POSITION:
		rv = import_position(e, &r->u.position, r->op);
		break;
	case PAPER_REC_ORDER:
		rv = import_order(e, &r->u.order, r->op);
		break;
	case PAPER_REC_DEAL:
		if (r->op == PAPER_OP_PUT)
			rv = import_deal(e, &r->u.deal);
		break;
	case PAPER_REC_COMMAND:
		if (r->op == PAPER_OP_PUT &&
		    str_ok(r->u.command.id, sizeof(r->u.command.id)) &&
		    r->u.command.id[0] != '\0' &&
		    str_ok(r->u.command.result.comment,
		    sizeof(r->u.command.result.comment)))
			rv = cmd_store(e, r->u.command.id,
			    &r->u.command.result);
		break;
	default:
		break;
	}
	e->journal = saved;
	return rv;
}

