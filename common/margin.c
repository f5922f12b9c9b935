/*
 * MT5's margin formulas by calc mode.  See margin.h.
 */
#include "margin.h"
#include "mt5.h"

void
margin_resolve(struct margin_symbol *s, double point)
{
	if (s->margin_rate == 0)
		s->margin_rate = 1;
	if (s->tick_size == 0)
		s->tick_size = point;
	if (s->tick_value == 0)
		s->tick_value = s->tick_size * s->contract_size;
}

double
margin_formula(const struct margin_symbol *s, double leverage, double lots,
    double price, double size)
{
	double	m = lots * size;

	switch (s->calc_mode) {
	case PAPER_CALC_FOREX:
		m /= leverage;
		break;
	case PAPER_CALC_CFD:
		m *= price;
		break;
	case PAPER_CALC_CFDINDEX:
		m *= price * s->tick_value / s->tick_size;
		break;
	case PAPER_CALC_CFDLEVERAGE:
		m = m * price / leverage;
		break;
	default:	/* FOREX_NO_LEVERAGE, FUTURES: lots * size */
		break;
	}
	return m * s->margin_rate;
}

double
margin_lot_size(const struct margin_symbol *s)
{
	return s->calc_mode == PAPER_CALC_FUTURES ? s->margin_initial :
	    s->contract_size;
}

/*
 * The forex modes count in the base currency: one that is not the
 * account's (EUR of EURUSD) is worth price of it.  The priced modes
 * count in the profit currency, which the configuration makes the
 * account's.
 */
double
margin_to_account(const struct margin_symbol *s, double m, double price)
{
	if ((s->calc_mode == PAPER_CALC_FOREX ||
	    s->calc_mode == PAPER_CALC_FOREX_NO_LEVERAGE) &&
	    !s->base_is_account)
		m *= price;
	return m;
}

double
margin_of(const struct margin_symbol *s, double leverage, double lots,
    double price)
{
	return margin_to_account(s, margin_formula(s, leverage, lots, price,
	    margin_lot_size(s)), price);
}
