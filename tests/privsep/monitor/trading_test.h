/*
 * The harness of the trading path's unit tests (test_trading.c,
 * test_trading_records.c): struct trade_io recorded on a real SQLite
 * file, a second connection that looks at what is durable, and helpers
 * that play the broker and net.  Each test file includes it once.
 */
#ifndef HERALD_TRADING_TEST_H
#define HERALD_TRADING_TEST_H

#define MAX_SEEN	(TX_MAX + 64)	/* test_broker_busy fills the queue */

/* What left the monitor, and what was durable when it did. */
struct seen {
	uint32_t	 type;		/* MSG_BROKER_REQ, MSG_API_RES, ... */
	uint32_t	 id;
	int64_t		 command_id;	/* BROKER_REQ */
	char		 state[16];	/* its orders row, from outside */
	uint16_t	 status;	/* API_RES */
	char		 code[API_STR_MAX];
	int		 records;	/* durable broker_state rows */
};

static char			 dir[64];
static char			 path[128];
static char			 err[512];
static struct herald_conf	 conf;
static struct event_base	*base;
static sqlite3			*peek;		/* the second connection */
static struct seen		 to_broker[MAX_SEEN], to_net[MAX_SEEN];
static size_t			 nbroker, nnet;
static int			 commits, aborts, fail_commit;
static uint32_t			 last_net_id;

/* The first column of sql's first row, as another process sees it. */
static inline void
peek_text(const char *sql, int64_t arg, char *out, size_t outlen)
{
	sqlite3_stmt	*st;

	strlcpy(out, "absent", outlen);
	assert_int_equal(sqlite3_prepare_v2(peek, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		strlcpy(out, (const char *)sqlite3_column_text(st, 0), outlen);
	sqlite3_finalize(st);
}

/* The orders row of command_id. */
static inline void
peek_state(int64_t command_id, char *out, size_t outlen)
{
	peek_text("SELECT state FROM orders WHERE id = ?", command_id, out,
	    outlen);
}

static inline int
peek_count(const char *sql)
{
	char	 n[32];

	peek_text(sql, 0, n, sizeof(n));
	return atoi(n);
}

static inline int
peek_records(void)
{
	return peek_count("SELECT count(*) FROM broker_state WHERE type = 3");
}

/* A message as a peer's channel would hand it over. */
static inline void
as_msg(struct ipc_msg *m, uint32_t type, uint32_t id, const void *buf,
    size_t len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.id = id;
	m->hdr.len = (uint32_t)len;
	m->data = buf;
	m->fd = -1;
}

static inline struct seen *
seen_add(struct seen *list, size_t *n, uint32_t type, uint32_t id)
{
	struct seen	*s;

	assert_true(*n < MAX_SEEN);
	s = &list[(*n)++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->id = id;
	return s;
}

static inline void
io_broker(uint32_t type, uint32_t id, const void *buf, size_t len)
{
	struct seen		*s;
	struct ipc_msg		 m;
	struct msg_broker_req	 q;
	const char		*why;

	s = seen_add(to_broker, &nbroker, type, id);
	if (type != MSG_BROKER_REQ)
		return;
	as_msg(&m, type, id, buf, len);
	assert_int_equal(msg_broker_req_decode(&m, &q, &why), 0);
	s->command_id = (int64_t)q.command_id;
	if (s->command_id != 0)
		peek_state(s->command_id, s->state, sizeof(s->state));
}

static inline void
io_net(uint32_t net_id, const void *buf, size_t len)
{
	static struct msg_api_res	 res;
	struct seen			*s;
	struct ipc_msg			 m;
	const char			*why;

	s = seen_add(to_net, &nnet, MSG_API_RES, net_id);
	as_msg(&m, MSG_API_RES, net_id, buf, len);
	assert_int_equal(msg_api_res_decode(&m, &res, &why), 0);
	s->status = res.status;
	strlcpy(s->code, res.code, sizeof(s->code));
	s->records = peek_records();
}

/* The daemon's commit, counted; or made to fail by SQLite itself. */
static inline int
refuse_commit(void *arg)
{
	return 1;	/* SQLite turns the COMMIT into a ROLLBACK */
}

static inline int
io_commit(struct journal *j)
{
	commits++;
	sqlite3_commit_hook(db_handle(), fail_commit ? refuse_commit : NULL,
	    NULL);
	return journal_batch_commit(j);
}

static inline void
io_abort(const char *why)
{
	aborts++;
}

/* Events pushed to net: their names and ids, and the commits before. */
static char		 events_seen[1024];
static uint64_t		 last_event_id;
static int		 event_commits;

static inline void
io_event(const void *buf, size_t len)
{
	struct herald_event	 e;
	const char		*why;

	assert_int_equal(event_decode(buf, len, &e, &why), 0);
	assert_true(e.id > last_event_id);
	last_event_id = e.id;
	event_commits = commits;
	strlcat(events_seen, e.name, sizeof(events_seen));
	strlcat(events_seen, " ", sizeof(events_seen));
}

static const struct trade_io io = {
	.to_broker =	io_broker,
	.to_net =	io_net,
	.commit =	io_commit,
	.abort =	io_abort,
	.event =	io_event,
};

/* Run what this turn made active: the commit event among it. */
static inline void
turn_end(void)
{
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
}

static inline void
broker_msg(uint32_t type, uint32_t id, const uint8_t *buf, size_t len,
    int (*fn)(const struct ipc_msg *, const char **))
{
	struct ipc_msg	 m;
	const char	*why = NULL;

	as_msg(&m, type, id, buf, len);
	if (fn(&m, &why) != 0)
		fail_msg("%s: %s", msg_name(type), why);
}

static inline void
broker_up(void)
{
	struct msg_broker_up	 u;
	uint8_t			 buf[8 + API_STR_MAX];

	memset(&u, 0, sizeof(u));
	u.connected = 1;
	strlcpy(u.reason, "paper", sizeof(u.reason));
	broker_msg(MSG_BROKER_UP, 0, buf, msg_broker_up_encode(buf,
	    sizeof(buf), &u), trade_broker_up);
}

/* rec as BROKER_RECORD: what trade_broker_record() answers. */
static inline int
record_send(const struct paper_record *rec, const char **why)
{
	struct msg_broker_record	 mr;
	static uint8_t			 buf[8 + BROKER_RECORD_MAX];
	struct ipc_msg			 m;
	size_t				 n;

	memset(&mr, 0, sizeof(mr));
	mr.type = (uint8_t)rec->type;
	mr.op = (uint8_t)rec->op;
	n = paper_record_encode(rec, mr.data, sizeof(mr.data));
	assert_true(n != (size_t)-1);
	mr.len = (uint16_t)n;
	as_msg(&m, MSG_BROKER_RECORD, 0, buf, msg_broker_record_encode(buf,
	    sizeof(buf), &mr));
	return trade_broker_record(&m, why);
}

/* A position ticket's record, as the broker reports it; -1 if refused. */
static inline int
record_try(uint64_t ticket, const char **why)
{
	struct paper_record	 rec;

	memset(&rec, 0, sizeof(rec));
	rec.type = PAPER_REC_POSITION;
	rec.op = PAPER_OP_PUT;
	rec.u.position.ticket = ticket;
	strlcpy(rec.u.position.symbol, "EURUSD",
	    sizeof(rec.u.position.symbol));
	rec.u.position.type = PAPER_ORDER_BUY;
	rec.u.position.volume = 0.1;
	rec.u.position.price_open = 1.1;
	rec.u.position.time = 1000;
	return record_send(&rec, why);
}

/* A position the order opened, as the broker reports it. */
static inline void
broker_record(uint64_t ticket)
{
	const char	*why = NULL;

	if (record_try(ticket, &why) != 0)
		fail_msg("BROKER_RECORD: %s", why);
}

static void	broker_answer(uint32_t, uint64_t, uint32_t);

/* The broker's answer to the request it was sent as header id. */
static inline void
broker_done(uint32_t id, uint64_t ticket)
{
	broker_answer(id, ticket, 10009);
}

/* The same with MT5's return code retcode. */
static inline void
broker_answer(uint32_t id, uint64_t ticket, uint32_t retcode)
{
	static struct msg_api_res	 res;
	static uint8_t			 buf[MSG_MAX];
	struct trade_result		 r;
	size_t				 n;

	msg_api_res_reset(&res);
	res.status = 200;
	strlcpy(res.code, "ok", sizeof(res.code));
	memset(&r, 0, sizeof(r));
	r.retcode = retcode;
	r.order = r.position = ticket;
	r.volume = 0.1;
	r.price = 1.1;
	strlcpy(r.message, "done", sizeof(r.message));
	n = trade_result_encode(&r, res.result, sizeof(res.result));
	assert_true(n != (size_t)-1);
	res.result_len = (uint32_t)n;
	broker_msg(MSG_BROKER_RES, id, buf, msg_api_res_encode(buf,
	    sizeof(buf), &res), trade_broker_res);
}

static struct msg_api_res	 res;		/* order()'s, if at once */

/* Key key_id's request p as net forwards it; 1 when it waits for the broker. */
static inline int
request_as(int64_t key_id, const char *role, struct rpc_params *p)
{
	static struct msg_api_req	 q;
	struct auth_identity		 id;
	const char			*why = NULL;
	size_t				 n;
	int				 r;

	memset(&q, 0, sizeof(q));
	q.op = p->op;
	strlcpy(q.address, "192.0.2.1", sizeof(q.address));
	n = rpc_params_encode(p, q.params, sizeof(q.params));
	assert_true(n != (size_t)-1);
	q.params_len = (uint16_t)n;
	memset(&id, 0, sizeof(id));
	id.key_id = key_id;
	strlcpy(id.name, role, sizeof(id.name));
	strlcpy(id.role, role, sizeof(id.role));
	msg_api_res_reset(&res);
	r = trade_api(++last_net_id, &q, &id, &res, &why);
	if (r == -1)
		fail_msg("trade_api: %s", why);
	return r;
}

/* Key key_id's POST /trade; 1 when it waits for the broker. */
static inline int
order_as(int64_t key_id, const char *coid)
{
	struct rpc_params	 p;

	memset(&p, 0, sizeof(p));
	p.op = OP_TRADE;
	p.side = RPC_SIDE_BUY;
	p.volume = 0.1;
	strlcpy(p.symbol, "EURUSD", sizeof(p.symbol));
	p.flags = RPC_HAS_COID;
	strlcpy(p.client_order_id, coid, sizeof(p.client_order_id));
	return request_as(key_id, "trader", &p);
}

static inline int
order(const char *coid)
{
	return order_as(1, coid);
}

/* The n-th BROKER_REQ sent. */
static inline const struct seen *
nth_req(size_t n)
{
	size_t	 i;

	for (i = 0; i < nbroker; i++)
		if (to_broker[i].type == MSG_BROKER_REQ && n-- == 0)
			return &to_broker[i];
	return NULL;
}

static inline size_t
count_reqs(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < nbroker; i++)
		n += to_broker[i].type == MSG_BROKER_REQ;
	return n;
}

static inline int
setup(void **state)
{
	strlcpy(dir, "/tmp/herald-trd-XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/herald.db", dir);
	log_init("test", 1, LOG_WARNING);
	config_defaults(&conf);
	strlcpy(conf.database, path, sizeof(conf.database));
	if ((base = event_base_new()) == NULL ||
	    event_base_priority_init(base, 3) == -1)
		return -1;
	if (db_open(path, err, sizeof(err)) != 0)
		fail_msg("db_open: %s", err);
	if (sqlite3_open_v2(path, &peek, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		fail_msg("sqlite3_open_v2 %s", path);
	nbroker = nnet = 0;
	commits = aborts = fail_commit = 0;
	last_net_id = 0;
	last_event_id = 0;
	if (trade_init(&conf, base, &io, err, sizeof(err)) != 0)
		fail_msg("trade_init: %s", err);
	trade_broker_ready();
	broker_up();
	turn_end();		/* the "broker" event's commit */
	nbroker = 0;		/* the configuration and START */
	commits = 0;
	events_seen[0] = '\0';
	return 0;
}

static inline int
teardown(void **state)
{
	char	 p[160];

	trade_close();
	sqlite3_close(peek);
	db_close();
	event_base_free(base);
	config_free(&conf);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

#endif
