/*
 * manual.cpp - herald-mt5sim --manual: what a trader does by hand in
 * the terminal, and what the market does, read as commands from
 * standard input, one per line.  The changes reach the EA as a real
 * terminal's do, through OnTradeTransaction, with magic 0 and no "hd:"
 * comment, so tests can check that heraldd hears of changes it did not
 * make (herald-bridge(7) lists the commands):
 *
 *	deal SYMBOL buy|sell VOLUME	a market order
 *	close TICKET			close a position
 *	sltp TICKET SL TP		set a position's SL and TP
 *	place SYMBOL TYPE VOLUME PRICE [EXPIRATION]
 *					a pending order (TYPE 2-5, MT5's
 *					ORDER_TYPE; EXPIRATION in seconds
 *					since the epoch)
 *	modify TICKET PRICE SL TP	change a pending order
 *	cancel TICKET			remove a pending order
 *	quote SYMBOL BID ASK		move the market (SL/TP hits,
 *					triggers and stop-outs follow)
 *	experts on|off			the trade server allows or
 *					refuses experts' orders (10026)
 *	market open|closed		every symbol's trade session
 *					opens or closes (10018), as
 *					--fault market_closed
 *
 * Each command's outcome is one line on standard error ("manual: ...").
 */
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "sim.h"

static std::string	pending;	/* a partial line */

static void
manual_send(struct paper_request &rq, const char *what)
{
	struct paper_result	pr = {};
	uint32_t		rc;

	rc = paper_send(sim_engine, &rq, sim_now_ms(), &pr);
	sim_log("manual: %s: retcode %u order %llu deal %llu", what, rc,
	    (unsigned long long)pr.order, (unsigned long long)pr.deal);
}

static void
manual_pending(std::istringstream &in, struct paper_request &rq)
{
	std::string	sym;
	int		type = 0;
	long long	exp = 0;

	in >> sym >> type >> rq.volume >> rq.price;
	snprintf(rq.symbol, sizeof(rq.symbol), "%s", sym.c_str());
	if (in >> exp && exp > 0) {
		rq.type_time = PAPER_TIME_SPECIFIED;
		rq.expiration = exp;
	}
	rq.action = PAPER_ACTION_PENDING;
	rq.type = (enum paper_order_type)type;
	rq.type_filling = PAPER_FILLING_RETURN;
}

static void
manual_line(const std::string &line)
{
	std::istringstream	in(line);
	std::string		cmd, side;
	struct paper_request	rq = {};
	unsigned long long	ticket = 0;
	std::string		sym;
	double			bid = 0, ask = 0;

	in >> cmd;
	if (cmd == "deal") {
		in >> sym >> side >> rq.volume;
		snprintf(rq.symbol, sizeof(rq.symbol), "%s", sym.c_str());
		rq.action = PAPER_ACTION_DEAL;
		rq.type = side == "sell" ? PAPER_ORDER_SELL : PAPER_ORDER_BUY;
		rq.type_filling = PAPER_FILLING_IOC;
		rq.deviation = 1000;
		manual_send(rq, "deal");
	} else if (cmd == "close") {
		in >> ticket;
		if (paper_close_request(sim_engine, ticket, 0, &rq) == -1) {
			sim_log("manual: close: no position %llu", ticket);
			return;
		}
		rq.magic = 0;
		rq.comment[0] = '\0';
		rq.deviation = 1000;
		manual_send(rq, "close");
	} else if (cmd == "sltp") {
		in >> ticket >> rq.sl >> rq.tp;
		rq.action = PAPER_ACTION_SLTP;
		rq.position = ticket;
		manual_send(rq, "sltp");
	} else if (cmd == "place") {
		manual_pending(in, rq);
		manual_send(rq, "place");
	} else if (cmd == "modify") {
		const struct paper_order *o;
		in >> ticket >> rq.price >> rq.sl >> rq.tp;
		if ((o = paper_order_get(sim_engine, ticket)) == NULL) {
			sim_log("manual: modify: no order %llu", ticket);
			return;
		}
		rq.action = PAPER_ACTION_MODIFY;
		rq.order = ticket;
		rq.stoplimit = o->stoplimit;
		rq.type_time = o->type_time;
		rq.expiration = o->expiration;
		manual_send(rq, "modify");
	} else if (cmd == "cancel") {
		in >> ticket;
		rq.action = PAPER_ACTION_REMOVE;
		rq.order = ticket;
		manual_send(rq, "cancel");
	} else if (cmd == "quote") {
		in >> sym >> bid >> ask;
		if (paper_tick(sim_engine, sym.c_str(), bid, ask,
		    sim_now_ms()) == -1)
			sim_log("manual: quote %s refused", sym.c_str());
		else
			sim_log("manual: quote %s %.5f %.5f", sym.c_str(), bid,
			    ask);
	} else if (cmd == "experts") {
		in >> side;
		sim_fault.experts_off = side == "off";
		sim_log("manual: experts %s", sim_fault.experts_off ? "off" :
		    "on");
	} else if (cmd == "market") {
		in >> side;
		sim_fault.market_closed = side == "closed";
		for (size_t i = 0; i < paper_symbol_count(sim_engine); i++)
			(void)paper_set_session(sim_engine,
			    paper_symbol_at(sim_engine, i)->name,
			    !sim_fault.market_closed);
		sim_log("manual: market %s", sim_fault.market_closed ?
		    "closed" : "open");
	} else if (!cmd.empty())
		sim_log("manual: unknown command %s", cmd.c_str());
}

void
sim_manual_start(void)
{
	int	fl = fcntl(STDIN_FILENO, F_GETFL);

	if (fl == -1 || fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK) == -1) {
		sim_log("manual: standard input: %s", strerror(errno));
		exit(1);
	}
}

/* What arrived on standard input, whole lines only. */
void
sim_manual_poll(void)
{
	char	buf[512];
	ssize_t	n;
	size_t	nl;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		pending.append(buf, (size_t)n);
	while ((nl = pending.find('\n')) != std::string::npos) {
		manual_line(pending.substr(0, nl));
		pending.erase(0, nl + 1);
	}
}
