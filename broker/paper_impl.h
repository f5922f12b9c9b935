/*
 * Private to the paper engine (broker/paper*.c): its state and what its
 * parts share.
 *
 *   paper.c		life cycle, symbols, the lists, command ids, the
 *			change stream
 *   paper_money.c	margin, profit, the account, deposits
 *   paper_request.c	the checks of a request, paper_send, paper_check
 *   paper_exec.c	executing deals and orders, ticks
 *   paper_snapshot.c	export and import
 */
#ifndef HERALD_PAPER_IMPL_H
#define HERALD_PAPER_IMPL_H

#include <sys/types.h>

#include <stdint.h>

#include "paper.h"

#define PAPER_DEFAULT_STOP_OUT	50.0
#define PAPER_DEFAULT_MAX	1000
#define PAPER_MAX_LEVERAGE	10000
#define PAPER_MAX_SYMBOLS	256
#define PAPER_VOLUME_EPS	1e-8
/* Larger than any sane price, volume or balance; keeps sums finite. */
#define PAPER_HUGE		1e15
/* The latest expiration, 9999-12-31T23:59:59Z: the API renders it. */
#define PAPER_TIME_MAX_S	253402300799LL

struct paper_cmdslot {
	uint32_t	 idx;		/* into commands, +1; 0: empty */
};

struct paper_engine {
	struct paper_config	 conf;
	struct paper_account_state st;

	struct paper_symbol	*syms;
	struct paper_quote	*quotes;
	size_t			 nsyms;

	struct paper_position	*pos;
	size_t			 npos, cappos;
	struct paper_order	*ord;
	size_t			 nord, capord;
	struct paper_deal	*deals;
	size_t			 ndeals, capdeals;
	struct paper_command	*cmds;
	size_t			 ncmds, capcmds;
	struct paper_cmdslot	*cmdhash;
	size_t			 hashsz;	/* power of two */

	paper_record_cb		 journal;
	void			*journal_arg;
};

/* paper.c */
double	dabs(double x);
int	finite_in(double x, double lo, double hi);
double	pow10i(int n);
int	str_ok(const char *s, size_t sz);
void	set_comment(char *dst, const char *src);
int	grow(void **p, size_t *cap, size_t n, size_t sz);
void	emit(struct paper_engine *e, const struct paper_record *r);
void	emit_account(struct paper_engine *e);
void	emit_position(struct paper_engine *e, const struct paper_position *p,
	    enum paper_rec_op op);
void	emit_order(struct paper_engine *e, const struct paper_order *o,
	    enum paper_rec_op op);
ssize_t	sym_index(const struct paper_engine *e, const char *name);
int	on_step(double v, double step);
ssize_t	pos_index(const struct paper_engine *e, uint64_t ticket);
ssize_t	pos_by_symbol(const struct paper_engine *e, const char *sym);
ssize_t	ord_index(const struct paper_engine *e, uint64_t ticket);
void	pos_remove(struct paper_engine *e, size_t i);
void	ord_remove(struct paper_engine *e, size_t i,
	    enum paper_order_state why);
int	add_deal(struct paper_engine *e, const struct paper_deal *d);
int	cmd_reserve(struct paper_engine *e);
int	cmd_store(struct paper_engine *e, const char *id,
	    const struct paper_result *res);

/* paper_money.c */
double	profit_at(const struct paper_engine *e, const struct paper_symbol *s,
	    enum paper_order_type type, double open, double close,
	    double volume);
double	close_price(const struct paper_quote *q, enum paper_order_type type);
double	margin_change(const struct paper_engine *e, size_t si, double dbuy,
	    double dsell);
uint32_t	check_margin(const struct paper_engine *e, double need);
uint32_t	fill_check(const struct paper_engine *e,
	    struct paper_check *chk, double margin);

/* paper_request.c */
int	is_buy(enum paper_order_type t);
int	is_pending_type(enum paper_order_type t);
uint32_t	check_volume(const struct paper_symbol *s, double v);
int	step_digits(double step);
double	norm_volume(const struct paper_symbol *s, double v);
uint32_t	check_filling(const struct paper_symbol *s,
	    enum paper_filling f, int pending);
uint32_t	check_stops(const struct paper_symbol *s, int buy, double ref,
	    double sl, double tp);
uint32_t	check_pending_price(const struct paper_symbol *s,
	    const struct paper_quote *q, enum paper_order_type t,
	    double price, double stoplimit);
uint32_t	order_expiration(const struct paper_symbol *s,
	    enum paper_type_time tt, int64_t asked, int64_t now, int64_t *out);
uint32_t	check_trade_mode(const struct paper_symbol *s, int buy,
	    int opens);
void	result_quote(const struct paper_engine *e, ssize_t si,
	    struct paper_result *r);
uint32_t	answer(struct paper_result *r, uint32_t code, const char *why);
int	have_quotes(const struct paper_quote *q);

/* paper_exec.c */
uint32_t	do_deal(struct paper_engine *e, const struct paper_request *rq,
	    int64_t now, struct paper_result *r, struct paper_check *chk);
uint32_t	do_pending(struct paper_engine *e,
	    const struct paper_request *rq, int64_t now, struct paper_result *r,
	    struct paper_check *chk);
uint32_t	do_sltp(struct paper_engine *e, const struct paper_request *rq,
	    struct paper_result *r, struct paper_check *chk);
uint32_t	do_modify(struct paper_engine *e,
	    const struct paper_request *rq, int64_t now, struct paper_result *r,
	    struct paper_check *chk);
uint32_t	do_remove(struct paper_engine *e,
	    const struct paper_request *rq, struct paper_result *r,
	    struct paper_check *chk);

#endif /* HERALD_PAPER_IMPL_H */
