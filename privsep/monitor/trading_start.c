/*
 * The trading path's start: the broker gets the configuration, the
 * replay ticks and the stored account; when its backend is up, orders
 * an earlier run left in flight are resolved by asking the backend what
 * became of their command id, never by sending them again.  Only then
 * are trading requests accepted.  See trading.h.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bridgekey.h"
#include "config.h"
#include "journal.h"
#include "log.h"
#include "msg.h"
#include "record.h"
#include "risk.h"
#include "store.h"
#include "trade.h"
#include "trading_int.h"

/* The replay CSV, read before the daemon detaches; NULL if none. */
static struct {
	char			*buf;
	size_t			 len;
} ticks;

int
trade_load_ticks(const struct herald_conf *conf, char *err, size_t errlen)
{
	const char	*path = conf->mt5.paper.ticks_file;
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if (path[0] == '\0' || ticks.buf != NULL)
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "mt5.paper.ticks_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_TICKS_MAX) {
		snprintf(err, errlen, "mt5.paper.ticks_file %s: not a regular "
		    "file of at most %d bytes", path, CONF_TICKS_MAX);
		close(fd);
		return -1;
	}
	ticks.len = (size_t)st.st_size;
	if ((ticks.buf = malloc(ticks.len + 1)) == NULL)
		fatal("malloc");
	while (off < ticks.len) {
		if ((n = read(fd, ticks.buf + off, ticks.len - off)) <= 0) {
			snprintf(err, errlen, "mt5.paper.ticks_file %s: %s",
			    path, n == 0 ? "file shrank" : strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

static void
send_config(void)
{
	const struct herald_conf	*c = tr.conf;
	struct msg_broker_config	 bc;
	uint8_t				 buf[64 + BROKER_NAME_MAX];
	size_t				 n;

	memset(&bc, 0, sizeof(bc));
	bc.backend = c->mt5.backend == BACKEND_BRIDGE ? BROKER_BACKEND_BRIDGE :
	    BROKER_BACKEND_PAPER;
	bc.margin_mode = (uint8_t)c->mt5.paper.margin_mode;
	strlcpy(bc.currency, c->mt5.paper.currency, sizeof(bc.currency));
	bc.leverage = (uint32_t)c->mt5.paper.leverage;
	bc.balance = c->mt5.paper.balance;
	bc.seed = c->mt5.paper.seed;
	bc.tick_interval = (uint32_t)c->mt5.paper.tick_interval;
	bc.nsymbols = (uint32_t)c->mt5.paper.nsymbols;
	n = msg_broker_config_encode(buf, sizeof(buf), &bc);
	tr.io->to_broker(MSG_BROKER_CONFIG, 0, buf, n);
}

static void
send_symbol(const struct conf_symbol *cs)
{
	struct msg_broker_symbol	 s;
	uint8_t				 buf[BROKER_SYMBOL_MAX];
	size_t				 n;

	memset(&s, 0, sizeof(s));
	strlcpy(s.name, cs->name, sizeof(s.name));
	strlcpy(s.currency_base, cs->currency_base, sizeof(s.currency_base));
	strlcpy(s.currency_profit, cs->currency_profit,
	    sizeof(s.currency_profit));
	s.digits = (uint8_t)cs->digits;
	s.contract_size = cs->contract_size;
	s.volume_min = cs->volume_min;
	s.volume_max = cs->volume_max;
	s.volume_step = cs->volume_step;
	s.stops_level = (uint32_t)cs->stops_level;
	s.filling = (uint8_t)cs->filling;
	s.trade_mode = (uint8_t)cs->trade_mode;
	s.exec_mode = (uint8_t)cs->exec_mode;
	s.calc_mode = (uint8_t)cs->calc_mode;
	s.liquidity = cs->liquidity;
	s.margin_rate = cs->margin_rate;
	s.margin_initial = cs->margin_initial;
	s.margin_hedged = cs->margin_hedged;
	s.tick_size = cs->tick_size;
	s.tick_value = cs->tick_value;
	s.start_bid = cs->start_bid;
	s.spread = (uint32_t)cs->spread;
	s.max_step = (uint32_t)cs->max_step;
	s.session_open = cs->session_open ? 1 : 0;
	s.expiration = (uint8_t)cs->expiration;
	s.session_end = (uint32_t)cs->session_end;
	n = msg_broker_symbol_encode(buf, sizeof(buf), &s);
	tr.io->to_broker(MSG_BROKER_SYMBOL, 0, buf, n);
}

/* The replay file in chunks of whole lines. */
static void
send_ticks(void)
{
	uint8_t		 buf[2 + BROKER_TICKS_CHUNK];
	size_t		 off = 0, len, n;
	const char	*nl;

	while (off < ticks.len) {
		len = ticks.len - off;
		if (len > BROKER_TICKS_CHUNK) {
			len = BROKER_TICKS_CHUNK;
			nl = memrchr(ticks.buf + off, '\n', len);
			if (nl == NULL)
				fatalx("%s: a line longer than %d bytes",
				    tr.conf->mt5.paper.ticks_file,
				    BROKER_TICKS_CHUNK);
			len = (size_t)(nl - (ticks.buf + off)) + 1;
		}
		n = msg_blob_encode(buf, sizeof(buf), ticks.buf + off, len);
		tr.io->to_broker(MSG_BROKER_TICKS, 0, buf, n);
		off += len;
	}
	/* The broker has them; up to CONF_TICKS_MAX need not stay here. */
	free(ticks.buf);
	ticks.buf = NULL;
	ticks.len = 0;
}

static int
load_record(uint8_t type, const char *key, const void *body, size_t len,
    void *arg)
{
	struct msg_broker_record	 mr;
	struct paper_record		 rec;
	static uint8_t			 buf[8 + BROKER_RECORD_MAX];
	const char			*why = "longer than a broker record";
	size_t				 n;
	size_t				*count = arg;

	if (len > BROKER_RECORD_MAX ||
	    paper_record_decode(type, PAPER_OP_PUT, body, len, &rec,
	    &why) == -1)
		fatalx("%s: stored broker state %u/%s does not decode: %s",
		    tr.conf->database, type, key, why);
	record_track(&rec);
	memset(&mr, 0, sizeof(mr));
	mr.type = type;
	mr.op = PAPER_OP_PUT;
	mr.len = (uint16_t)len;
	memcpy(mr.data, body, len);
	n = msg_broker_record_encode(buf, sizeof(buf), &mr);
	tr.io->to_broker(MSG_BROKER_RECORD, 0, buf, n);
	(*count)++;
	return 0;
}

static void
start_timeout(evutil_socket_t fd, short ev, void *arg)
{
	if (tr.state != BS_STARTING)
		return;
	tr.state = BS_DOWN;
	snprintf(tr.down_reason, sizeof(tr.down_reason), "the %s backend "
	    "did not come up within mt5.start_timeout (%d s)",
	    tr.conf->mt5.backend == BACKEND_BRIDGE ? "bridge" : "paper",
	    tr.conf->mt5.start_timeout);
	log_warnx("broker: %s", tr.down_reason);
}

void
trade_broker_ready(void)
{
	struct timeval	 tv = { tr.conf->mt5.start_timeout, 0 };
	size_t		 i, nrec = 0;
	int64_t		 day;
	uint64_t	 last_deal;
	double		 sum;

	send_config();
	for (i = 0; i < tr.conf->mt5.paper.nsymbols; i++)
		send_symbol(&tr.conf->mt5.paper.symbols[i]);
	send_ticks();
	/* No more than the paper engine keeps in memory. */
	if (store_load(tr.store, PAPER_REC_DEAL, BACKEND_PAPER_MAX_DEALS,
	    PAPER_REC_COMMAND, BACKEND_PAPER_MAX_COMMANDS, load_record,
	    &nrec) == -1)
		fatalx("store: %s", store_error(tr.store));
	/* The monitor's own ledger, not the broker's deals, says. */
	day = risk_day_start(trade_now_ms());
	if (store_ledger_sum(tr.store, day, &sum, &last_deal) == -1)
		fatalx("store: %s", store_error(tr.store));
	risk_set_realised(tr.risk, day, sum);
	risk_deal_seen(tr.risk, last_deal);
	tr.io->to_broker(MSG_BROKER_START, 0, NULL, 0);
	tr.state = BS_STARTING;
	if ((tr.start_timer = evtimer_new(tr.base, start_timeout,
	    NULL)) == NULL || evtimer_add(tr.start_timer, &tv) == -1)
		fatalx("evtimer");
	log_debug("broker: configuration and %zu stored records sent", nrec);
}

void
resolved_one(void)
{
	if (tr.unresolved > 0 && --tr.unresolved == 0 &&
	    tr.state == BS_RESOLVING) {
		tr.state = BS_CONNECTED;
		log_info("journal: every order in flight is resolved; "
		    "trading is open");
	}
}

/*
 * The bridge's EA can leave and come back while an order of this run
 * still waits for its answer, which then never comes: what find learnt
 * is that answer.
 */
static void
settle_write(int64_t command_id, const struct msg_api_res *res)
{
	struct tx	*t;
	size_t		 i;

	TAILQ_FOREACH(t, &tr.txs, entry)
		if (t->kind == TX_WRITE && t->command_id == command_id)
			break;
	if (t == NULL)
		return;
	if (!t->answered)
		for (i = 0; i < t->nwaiters; i++)
			hold_answer(t->waiters[i], res,
			    answer_has_result(res) ? HELD_UNKNOWN :
			    HELD_AS_IS);
	tx_free(&tr.txs, t);
}

int
answer_find(struct tx *t, struct msg_api_res *res, const char **why)
{
	struct trade_result	 r;
	size_t			 n;

	if (res->status == 200) {
		if (result_stamp(res, t->coid, 0, &r) == -1) {
			*why = "order result does not decode";
			return -1;
		}
		log_info("journal: order %" PRId64 " was executed before the "
		    "restart: retcode %u %s", t->command_id, r.retcode,
		    r.message);
		answer_classify(res, &r);
		owner_record(t, &r);
	} else if (res->status != 404) {
		/* The backend could not be asked (the bridge's EA left). */
		log_warnx("journal: order %" PRId64 " is still unresolved: %s",
		    t->command_id, res->message);
		resolved_one();
		return 0;
	} else {
		log_info("journal: order %" PRId64 " was never executed "
		    "(the backend does not know its command id)",
		    t->command_id);
		msg_api_res_set(res, 503, "not_executed", 0, "heraldd stopped "
		    "before this order reached the broker; it was not "
		    "executed");
	}
	(void)journal_store_answer(t->command_id, res, &n);
	order_audit(t, res, res->status == 200 ? &r : NULL);
	settle_write(t->command_id, res);
	resolved_one();
	return 0;
}

static int
ask_about(const struct journal_order *o, void *arg)
{
	struct tx	*t;
	uint8_t		 buf[8];
	size_t		 n;

	/*
	 * An order journaled in the batch still to commit goes to the
	 * broker after this question and is settled by its own answer.
	 * Asked about now, the terminal would not know it yet: it would be
	 * stored as never executed, and then execute.  (One already sent
	 * is asked about: the broker takes the two in order, and one whose
	 * outcome it could not learn is answered by nothing else.)
	 */
	if (tx_unsent(o->id))
		return 0;
	t = tx_new(TX_FIND, OP_NONE, o->id, NULL, 0);
	t->key_id = o->key_id;
	strlcpy(t->coid, o->client_order_id, sizeof(t->coid));
	TAILQ_INSERT_TAIL(&tr.txs, t, entry);
	n = msg_u64_encode(buf, sizeof(buf), (uint64_t)o->id);
	tr.io->to_broker(MSG_BROKER_FIND, t->id, buf, n);
	tx_arm(t);
	tr.unresolved++;
	return 0;
}

/* The backend is up: settle what an earlier run left in flight. */
static void
resolve_in_flight(void)
{
	tr.state = BS_RESOLVING;
	if (journal_unresolved(tr.journal, ask_about, NULL) == -1)
		fatalx("journal: %s", journal_error(tr.journal));
	if (tr.unresolved == 0) {
		tr.state = BS_CONNECTED;
		log_info("broker: connected; trading is open");
		return;
	}
	log_info("journal: %zu orders were in flight when heraldd stopped; "
	    "asking the backend what became of each", tr.unresolved);
}

/* --- the broker's messages ---------------------------------------------- */

int
trade_broker_up(const struct ipc_msg *m, const char **why)
{
	struct msg_broker_up	 u;

	if (msg_broker_up_decode(m, &u, why) == -1)
		return -1;
	if (u.connected) {
		if (tr.state != BS_STARTING && tr.state != BS_DOWN) {
			*why = "BROKER_UP while already connected";
			return -1;
		}
		log_info("broker: backend %s is up", u.reason);
		event_broker(1, u.reason);
		resolve_in_flight();
		return 0;
	}
	if (tr.state == BS_RESOLVING) {
		/* Only a terminal that comes and goes may leave meanwhile. */
		if (tr.conf->mt5.backend != BACKEND_BRIDGE) {
			*why = "backend went down while orders were being "
			    "resolved";
			return -1;
		}
		tr.unresolved = 0;	/* asked again when it is back */
	}
	tr.state = BS_DOWN;
	strlcpy(tr.down_reason, u.reason[0] != '\0' ? u.reason :
	    "no reason given", sizeof(tr.down_reason));
	/* What the broker cannot know: the key is not there yet. */
	if (tr.conf->mt5.backend == BACKEND_BRIDGE &&
	    bridgekey_missing()[0] != '\0')
		snprintf(tr.down_reason, sizeof(tr.down_reason), "bridge: %s",
		    bridgekey_missing());
	log_warnx("broker: backend down: %s", tr.down_reason);
	event_broker(0, tr.down_reason);
	return 0;
}
