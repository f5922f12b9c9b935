/*
 * The paper backend's records: their bytes (encode, strict decode,
 * keys), and the property the monitor's store relies on: the record
 * stream, stored and fed back, rebuilds the same account.
 */
#include "backend_test.h"

/* Records through bytes: what an export holds comes back equal. */
struct bytes_check {
	size_t	n;
	int	types;		/* bit per type seen */
};

static int
check_bytes(const struct paper_record *r, void *arg)
{
	struct bytes_check	*bc = arg;
	struct paper_record	 d;
	uint8_t			 buf[PAPER_RECORD_MAX], buf2[PAPER_RECORD_MAX];
	char			 key[PAPER_KEY_MAX], want[PAPER_KEY_MAX];
	const char		*why = NULL;
	size_t			 n, i;

	n = paper_record_encode(r, buf, sizeof(buf));
	assert_true(n != (size_t)-1 && n <= PAPER_RECORD_MAX);
	assert_int_equal(paper_record_decode(r->type, r->op, buf, n, &d,
	    &why), 0);
	assert_memory_equal(&d, r, sizeof(d));
	assert_int_equal(paper_record_encode(&d, buf2, sizeof(buf2)), n);
	assert_memory_equal(buf, buf2, n);

	/*
	 * Exactly n bytes: one short or one over is refused; but an order
	 * one short is its second layout (record.h), two short none.
	 */
	if (r->type == PAPER_REC_ORDER) {
		assert_int_equal(paper_record_decode(r->type, r->op, buf,
		    n - 1, &d, &why), 0);
		assert_int_equal(d.u.order.state, PAPER_STATE_PLACED);
		assert_int_equal(paper_record_decode(r->type, r->op, buf,
		    n - 2, &d, &why), -1);
	} else
		assert_int_equal(paper_record_decode(r->type, r->op, buf,
		    n - 1, &d, &why), -1);
	buf[n] = 0;
	assert_int_equal(paper_record_decode(r->type, r->op, buf, n + 1, &d,
	    &why), -1);
	/* No room: (size_t)-1, for every shorter buffer. */
	for (i = 0; i < n; i += 7)
		assert_true(paper_record_encode(r, buf2, i) == (size_t)-1);

	assert_int_equal(paper_record_key(r, key, sizeof(key)), 0);
	switch (r->type) {
	case PAPER_REC_ACCOUNT:
		strlcpy(want, "account", sizeof(want));
		break;
	case PAPER_REC_QUOTE:
		strlcpy(want, r->u.quote.symbol, sizeof(want));
		break;
	case PAPER_REC_POSITION:
		snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)r->u.position.ticket);
		break;
	case PAPER_REC_ORDER:
		snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)r->u.order.ticket);
		break;
	case PAPER_REC_DEAL:
		snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)r->u.deal.ticket);
		break;
	default:
		strlcpy(want, r->u.command.id, sizeof(want));
		break;
	}
	assert_string_equal(key, want);
	assert_int_equal(paper_record_key(r, key, strlen(want)), -1);
	bc->n++;
	bc->types |= 1 << r->type;
	return 0;
}

/* An account with something of everything in it. */
static void
busy(struct backend *be, uint64_t *id)
{
	struct paper_engine	*e = backend_paper_engine(be);
	struct rpc_params	 p;
	struct trade_result	 tr;
	uint64_t		 t;

	t = open_buy(be, (*id)++, 1.0, 1.09, 1.12);
	p_ticket(&p, OP_POSITION_CLOSE, t);
	p.flags = RPC_HAS_VOLUME;
	p.volume = 0.25;
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0, &tr), 10009);
	p_trade(&p, "USDJPY", RPC_SIDE_SELL, 2);
	p.flags = RPC_HAS_COMMENT;
	strlcpy(p.comment, "yen", sizeof(p.comment));
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0, &tr), 10009);
	p_trade(&p, "XAUUSD", RPC_SIDE_BUY, 0.5);
	p.type = RPC_TYPE_LIMIT;
	p.flags = RPC_HAS_PRICE;
	p.price = 1990;
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0, &tr), 10008);
	p_trade(&p, "GBPUSD", RPC_SIDE_SELL, 0.3);
	p.type = RPC_TYPE_LIMIT;
	p.flags = RPC_HAS_PRICE | RPC_HAS_SL;
	p.price = 1.26;
	p.sl = 1.27;
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0, &tr), 10008);
	p_ticket(&p, OP_POSITION_CLOSE, 31337);
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0, &tr), 10036);
	assert_int_equal(paper_deposit(e, 500, T0, "top-up"), 0);
	/* The market moves: EURUSD's SL, the gold order fills. */
	assert_int_equal(paper_tick(e, "EURUSD", 1.08900, 1.08910, T0 + 10),
	    0);
	assert_int_equal(paper_tick(e, "XAUUSD", 1989.00, 1989.50, T0 + 20),
	    0);
	p_trade(&p, "EURUSD", RPC_SIDE_SELL, 0.7);
	assert_int_equal(be->ops->send(be, (*id)++, &p, T0 + 30, &tr), 10009);
}

static void
test_record_bytes(void **state)
{
	struct backend		*be = mk(PAPER_HEDGING, NULL);
	struct bytes_check	 bc = { 0 };
	struct paper_record	 r;
	uint64_t		 id = 1;

	busy(be, &id);
	assert_int_equal(paper_export(backend_paper_engine(be), check_bytes,
	    &bc), 0);
	assert_true(bc.n > 10);
	assert_int_equal(bc.types, (1 << PAPER_REC_ACCOUNT) |
	    (1 << PAPER_REC_QUOTE) | (1 << PAPER_REC_POSITION) |
	    (1 << PAPER_REC_ORDER) | (1 << PAPER_REC_DEAL) |
	    (1 << PAPER_REC_COMMAND));

	/* Deals: time and realised profit; balance operations are not. */
	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_DEAL;
	r.op = PAPER_OP_PUT;
	r.u.deal.ticket = 9;
	r.u.deal.time = T0 + 3;
	r.u.deal.type = PAPER_DEAL_SELL;
	r.u.deal.profit = -12.5;
	r.u.deal.commission = -1;
	r.u.deal.swap = 0.25;
	assert_true(paper_record_time(&r) == T0 + 3);
	assert_near(paper_record_profit(&r), -13.25);
	r.u.deal.type = PAPER_DEAL_BALANCE;
	assert_near(paper_record_profit(&r), 0);
	r.type = PAPER_REC_ACCOUNT;
	assert_near(paper_record_profit(&r), 0);
	assert_true(paper_record_time(&r) == 0);
	backend_free(be);
}

/*
 * An order written by an older build (record.h's layouts): the first
 * ended after its comment, the second after its expiration.  Each
 * decodes with the defaults of what it lacks and re-encodes to the
 * current layout, its own bytes first; a cut inside a group is refused.
 */
static void
test_record_order_layouts(void **state)
{
	struct paper_record	 r, d;
	uint8_t			 buf[PAPER_RECORD_MAX], again[PAPER_RECORD_MAX];
	const char		*why = NULL;
	size_t			 n, v1, v2, cut;

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_ORDER;
	r.op = PAPER_OP_DEL;
	r.u.order.ticket = 41;
	strlcpy(r.u.order.symbol, "EURUSD", sizeof(r.u.order.symbol));
	r.u.order.type = PAPER_ORDER_BUY_STOP_LIMIT;
	r.u.order.type_filling = PAPER_FILLING_RETURN;
	r.u.order.volume = 0.5;
	r.u.order.price = 1.2;
	r.u.order.stoplimit = 1.19;
	r.u.order.type_time = PAPER_TIME_SPECIFIED;
	r.u.order.expiration = 1893456000;
	r.u.order.state = PAPER_STATE_EXPIRED;
	strlcpy(r.u.order.comment, "old", sizeof(r.u.order.comment));
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	assert_int_equal(paper_record_decode(r.type, r.op, buf, n, &d, &why),
	    0);
	assert_int_equal(d.u.order.state, PAPER_STATE_EXPIRED);

	/* The second layout: no state, so a live order's. */
	v2 = n - 1;
	assert_int_equal(paper_record_decode(r.type, r.op, buf, v2, &d, &why),
	    0);
	assert_int_equal(d.u.order.state, PAPER_STATE_PLACED);
	assert_true(d.u.order.stoplimit == 1.19);
	assert_int_equal(d.u.order.expiration, 1893456000);
	assert_int_equal(paper_record_encode(&d, again, sizeof(again)), n);
	assert_memory_equal(again, buf, v2);

	/* The first: d stoplimit, u8 type_time, i64 expiration fewer. */
	v1 = v2 - 8 - 1 - 8;
	assert_int_equal(paper_record_decode(r.type, r.op, buf, v1, &d, &why),
	    0);
	assert_int_equal(d.u.order.type, PAPER_ORDER_BUY_STOP_LIMIT);
	assert_true(d.u.order.stoplimit == 0 && d.u.order.expiration == 0);
	assert_int_equal(d.u.order.type_time, PAPER_TIME_GTC);
	assert_int_equal(d.u.order.state, PAPER_STATE_PLACED);
	assert_string_equal(d.u.order.comment, "old");
	assert_int_equal(paper_record_encode(&d, again, sizeof(again)), n);
	assert_memory_equal(again, buf, v1);

	/* Cut anywhere inside the second group: refused. */
	for (cut = v1 + 1; cut < v2; cut++)
		assert_int_equal(paper_record_decode(r.type, r.op, buf, cut,
		    &d, &why), -1);
	/* A state MT5 does not have. */
	buf[n - 1] = PAPER_STATE_EXPIRED + 1;
	assert_int_equal(paper_record_decode(r.type, r.op, buf, n, &d, &why),
	    -1);
	assert_string_equal(why, "order: state");
}

/* Hand-made bytes the decoder must refuse, each for its own reason. */
static void
test_record_refusals(void **state)
{
	struct paper_record	 r, d;
	uint8_t			 buf[PAPER_RECORD_MAX];
	const char		*why = NULL;
	size_t			 n, at;
	double			 nan = __builtin_nan("");

	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_POSITION;
	r.op = PAPER_OP_PUT;
	r.u.position.ticket = 12;
	strlcpy(r.u.position.symbol, "EURUSD", sizeof(r.u.position.symbol));
	r.u.position.type = PAPER_ORDER_SELL;
	r.u.position.volume = 1;
	r.u.position.price_open = 1.1;
	strlcpy(r.u.position.comment, "c", sizeof(r.u.position.comment));
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_true(n != (size_t)-1);
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_DEL, buf, n, &d, &why), 0);
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION, 3, buf, n,
	    &d, &why), -1);
	assert_string_equal(why, "op");
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION, 0, buf, n,
	    &d, &why), -1);
	assert_int_equal(paper_record_decode(0, PAPER_OP_PUT, buf, n, &d,
	    &why), -1);
	assert_string_equal(why, "type");
	assert_int_equal(paper_record_decode(7, PAPER_OP_PUT, buf, n, &d,
	    &why), -1);
	/* The bytes of a position are no deal. */
	assert_int_equal(paper_record_decode(PAPER_REC_DEAL, PAPER_OP_PUT,
	    buf, n, &d, &why), -1);

	/* A NUL inside the symbol: 8 bytes of ticket, 2 of length. */
	at = 8 + 2 + 3;
	buf[at] = '\0';
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_PUT, buf, n, &d, &why), -1);
	buf[at] = 'U';
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_PUT, buf, n, &d, &why), 0);
	/* The type byte follows the symbol: 2 is no position type. */
	at = 8 + 2 + 6;
	buf[at] = 2;
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_PUT, buf, n, &d, &why), -1);
	assert_string_equal(why, "position: type");

	/* Not finite. */
	r.u.position.sl = nan;
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_PUT, buf, n, &d, &why), -1);
	r.u.position.sl = 0;
	r.u.position.ticket = 0;
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_int_equal(paper_record_decode(PAPER_REC_POSITION,
	    PAPER_OP_PUT, buf, n, &d, &why), -1);
	assert_string_equal(why, "position: ticket 0");
	assert_int_equal(paper_record_key(&r, (char *)buf, sizeof(buf)), -1);

	/* Account: never deleted; a DEL is refused. */
	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_ACCOUNT;
	r.op = PAPER_OP_PUT;
	r.u.account.balance = 1;
	r.u.account.next_order = r.u.account.next_deal = 1;
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, 32);
	assert_int_equal(paper_record_decode(PAPER_REC_ACCOUNT, PAPER_OP_DEL,
	    buf, n, &d, &why), -1);
	assert_int_equal(paper_record_decode(PAPER_REC_DEAL, PAPER_OP_DEL,
	    buf, n, &d, &why), -1);
	assert_int_equal(paper_record_decode(PAPER_REC_COMMAND, PAPER_OP_DEL,
	    buf, n, &d, &why), -1);
	r.u.account.balance = -__builtin_inf();
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_int_equal(paper_record_decode(PAPER_REC_ACCOUNT, PAPER_OP_PUT,
	    buf, n, &d, &why), -1);

	/* A command needs its id; an unterminated one does not encode. */
	memset(&r, 0, sizeof(r));
	r.type = PAPER_REC_COMMAND;
	r.op = PAPER_OP_PUT;
	n = paper_record_encode(&r, buf, sizeof(buf));
	assert_int_equal(paper_record_decode(PAPER_REC_COMMAND, PAPER_OP_PUT,
	    buf, n, &d, &why), -1);
	assert_string_equal(why, "command: empty id");
	memset(r.u.command.id, '7', sizeof(r.u.command.id));
	assert_true(paper_record_encode(&r, buf, sizeof(buf)) == (size_t)-1);
	assert_int_equal(paper_record_key(&r, (char *)buf, sizeof(buf)), -1);

	/* Unknown type: no encoding, no key. */
	r.type = 9;
	assert_true(paper_record_encode(&r, buf, sizeof(buf)) == (size_t)-1);
	assert_int_equal(paper_record_key(&r, (char *)buf, sizeof(buf)), -1);
}

/*
 * The monitor's store: one row per (type, key), the latest PUT, a DEL
 * removes it.  At start it gives back every row, by type and then in
 * ticket (or command id) order.
 */
struct row {
	uint8_t		 type;
	char		 key[PAPER_KEY_MAX];
	uint64_t	 num;
	struct wrec	 w;
};

struct store {
	struct row	*rows;
	size_t		 n;
};

static void
store_apply(struct store *s, const struct wrec *w)
{
	struct paper_record	 r;
	const char		*why = NULL;
	char			 key[PAPER_KEY_MAX];
	size_t			 i;

	assert_int_equal(paper_record_decode(w->type, w->op, w->data, w->len,
	    &r, &why), 0);
	assert_int_equal(paper_record_key(&r, key, sizeof(key)), 0);
	for (i = 0; i < s->n; i++)
		if (s->rows[i].type == w->type &&
		    strcmp(s->rows[i].key, key) == 0)
			break;
	if (w->op == PAPER_OP_DEL) {
		if (i < s->n)
			s->rows[i] = s->rows[--s->n];
		return;
	}
	if (i == s->n) {
		s->rows = realloc(s->rows, (s->n + 1) * sizeof(*s->rows));
		assert_non_null(s->rows);
		s->n++;
	}
	s->rows[i].type = w->type;
	strlcpy(s->rows[i].key, key, sizeof(s->rows[i].key));
	s->rows[i].num = strtoull(key, NULL, 10);
	s->rows[i].w = *w;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Feed records (as bytes) to a fresh backend's restore. */
static void
feed(struct backend *be, const struct wrec *w, size_t n)
{
	struct paper_record	 r;
	const char		*why = NULL;
	char			 err[BACKEND_WHY_MAX];
	size_t			 i;

	for (i = 0; i < n; i++) {
		assert_int_equal(paper_record_decode(w[i].type, w[i].op,
		    w[i].data, w[i].len, &r, &why), 0);
		assert_int_equal(be->ops->restore(be, &r, err), 0);
	}
}

/* An engine's state as bytes, quotes left out (they are not stored). */
static int
snap_add(const struct paper_record *r, void *arg)
{
	if (r->type != PAPER_REC_QUOTE)
		rec_sink(r, arg);
	return 0;
}

static void
assert_same_state(struct backend *a, struct backend *b)
{
	struct reclog	sa = { 0 }, sb = { 0 };
	size_t		i;

	assert_int_equal(paper_export(backend_paper_engine(a), snap_add, &sa),
	    0);
	assert_int_equal(paper_export(backend_paper_engine(b), snap_add, &sb),
	    0);
	assert_int_equal(sa.n, sb.n);
	for (i = 0; i < sa.n; i++) {
		assert_int_equal(sa.r[i].type, sb.r[i].type);
		assert_int_equal(sa.r[i].len, sb.r[i].len);
		assert_memory_equal(sa.r[i].data, sb.r[i].data, sa.r[i].len);
	}
	rec_free(&sa);
	rec_free(&sb);
}

static void
test_stream_rebuilds(void **state)
{
	struct reclog		 log = { 0 };
	struct backend		*be, *b1, *b2;
	struct store		 st = { 0 };
	struct rpc_params	 p;
	struct trade_result	 tr, tr2;
	struct wrec		*rows;
	char			 why[BACKEND_WHY_MAX];
	uint64_t		 id = 1, cmd;
	size_t			 i, from;

	be = mk(PAPER_HEDGING, &log);
	busy(be, &id);
	cmd = id - 1;
	assert_int_equal(be->ops->find(be, cmd, &tr), 0);

	/* The whole stream, in order. */
	b1 = mk_conf(PAPER_HEDGING, NULL);
	feed(b1, log.r, log.n);
	assert_same_state(be, b1);

	/* The store's rows, in the order the monitor gives them back. */
	for (i = 0; i < log.n; i++)
		store_apply(&st, &log.r[i]);
	qsort(st.rows, st.n, sizeof(*st.rows), row_cmp);
	assert_non_null(rows = calloc(st.n, sizeof(*rows)));
	for (i = 0; i < st.n; i++)
		rows[i] = st.rows[i].w;
	b2 = mk_conf(PAPER_HEDGING, NULL);
	feed(b2, rows, st.n);
	assert_same_state(be, b2);

	/*
	 * After the restart: a command is found, a repeat changes nothing,
	 * and new tickets continue where the old ones stopped.
	 */
	assert_int_equal(b2->ops->connect(b2, T0, why), 0);
	b2->ops->tick(b2, T0 + 100);
	assert_int_equal(b2->ops->find(b2, cmd, &tr2), 0);
	assert_int_equal(tr2.retcode, tr.retcode);
	assert_int_equal(tr2.order, tr.order);
	assert_int_equal(tr2.deal, tr.deal);
	assert_near(tr2.price, tr.price);
	p_trade(&p, "EURUSD", RPC_SIDE_SELL, 0.7);
	i = paper_position_count(backend_paper_engine(b2));
	assert_int_equal(b2->ops->send(b2, cmd, &p, T0 + 200, &tr2), 10009);
	assert_int_equal(tr2.deal, tr.deal);
	assert_int_equal(paper_position_count(backend_paper_engine(b2)), i);
	p_trade(&p, "GBPUSD", RPC_SIDE_BUY, 0.1);
	assert_int_equal(be->ops->send(be, id, &p, T0 + 300, &tr), 10009);
	from = log.n;
	b2->record = rec_sink;
	b2->record_arg = &log;
	assert_int_equal(b2->ops->send(b2, id, &p, T0 + 300, &tr2), 10009);
	assert_true(log.n > from);
	assert_int_equal(tr2.order, tr.order);
	assert_int_equal(tr2.deal, tr.deal);

	free(rows);
	free(st.rows);
	backend_free(be);
	backend_free(b1);
	backend_free(b2);
	rec_free(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_bytes),
		cmocka_unit_test(test_record_refusals),
		cmocka_unit_test(test_record_order_layouts),
		cmocka_unit_test(test_stream_rebuilds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
