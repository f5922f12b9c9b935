/*
 * MT5's margin formulas, by the symbol's calc mode (SYMBOL_TRADE_CALC_
 * MODE), in one place for the two that need them: the paper engine,
 * which charges the account (broker/paper_money.c), and the monitor's
 * risk rules, which estimate an order's margin before it goes to the
 * broker (trading.min_margin_level, privsep/monitor/risk.c).  Shared, so
 * it knows neither: a symbol reaches it as the figures below.
 *
 * Margin of lots at price, size the contract size of a lot (margin_
 * initial for futures, margin_hedged for an overlapped volume):
 *	forex			lots * size / leverage	(base currency)
 *	forex_no_leverage	lots * size		(base currency)
 *	cfd			lots * size * price
 *	cfd_leverage		lots * size * price / leverage
 *	cfd_index		lots * size * price * tick_value / tick_size
 *	futures			lots * margin_initial
 * each times margin_rate; the forex modes' base currency, when it is not
 * the account's, is converted at the symbol's price.
 */
#ifndef HERALD_MARGIN_H
#define HERALD_MARGIN_H

struct margin_symbol {
	int	calc_mode;		/* enum paper_calc_mode (mt5.h) */
	double	contract_size;
	double	margin_rate;		/* resolved: 1 for none */
	double	margin_initial;		/* futures: a lot's margin */
	double	tick_size;		/* resolved: the point for none */
	double	tick_value;
	int	base_is_account;	/* the base currency is the account's */
};

/*
 * The defaults MT5 and the configuration give what is left 0: a
 * margin_rate of 1, a tick of one point worth a point of a contract.
 */
void	margin_resolve(struct margin_symbol *, double point);
/* The formula of the calc mode with size as a lot's contract size. */
double	margin_formula(const struct margin_symbol *, double leverage,
	    double lots, double price, double size);
/* A lot's size in the formula: margin_initial for futures. */
double	margin_lot_size(const struct margin_symbol *);
/* A formula's result in the account currency at the price now. */
double	margin_to_account(const struct margin_symbol *, double margin,
	    double price);
/* Lots at price, in the account currency, not rounded. */
double	margin_of(const struct margin_symbol *, double leverage, double lots,
	    double price);

#endif
