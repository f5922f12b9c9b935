/*
 * sim.h - herald-mt5sim's own state, shared by its three parts:
 * terminal.cpp (account, symbols, trading and history on the paper
 * engine), io.cpp (sockets and files, where most faults are injected)
 * and main.cpp (options and the terminal's event loop).
 */
#ifndef HERALD_MT5SIM_H
#define HERALD_MT5SIM_H

#include <deque>

#include "mql5.h"

/*
 * paper.h names a function and a struct paper_check, fine in C; C++'s
 * -Wshadow calls that hiding a constructor, which it is not here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "paper.h"
}
#pragma GCC diagnostic pop

/* Fault switches: counts are how many more times a fault fires. */
struct sim_faults {
	int	reply_lost;	/* result lost, connection dropped */
	int	duplicate;	/* an ORDER_SEND frame delivered twice */
	int	disconnect;	/* half an ORDER_SEND, then the connection drops */
	int	restart;	/* terminal restart after an execution */
	int	restart_wipe;	/* ... and its Files folder is gone */
	int	requote;	/* OrderSend answers 10004 */
	int	partial;	/* a market order fills half (10010) */
	int	throttle;	/* OrderSend answers 10024 */
	bool	market_closed;	/* every session closed (10018) */
	bool	autotrading_off; /* the AutoTrading button is off */
	bool	experts_off;	/* the server refuses experts (--manual) */
	int	latency_ms;	/* before every frame the EA sends */
	long	skew_s;		/* the terminal's clocks are off by this */
};

extern struct sim_faults sim_fault;
extern struct paper_engine *sim_engine;
extern long	sim_login;
extern std::string sim_server;
extern std::string sim_files;
extern int	sim_timer_ms;
extern int	sim_restart;		/* 1: restart, 2: restart and wipe */
extern bool	sim_lose_reply;		/* the next frame the EA sends */
extern std::deque<MqlTradeTransaction> sim_tx;

void	sim_log(const char *, ...) __attribute__((format(printf, 1, 2)));
int64_t	sim_now_ms(void);
void	sim_engine_init(unsigned long, bool);
void	sim_engine_tick(void);
void	sim_state_open(const char *);
void	sim_state_flush(void);
void	sim_sockets_close(void);
void	sim_files_wipe(void);
/* --manual: what a trader does by hand, from standard input. */
void	sim_manual_start(void);
void	sim_manual_poll(void);

#endif
