/*
 * MetaTrader 5's normalisation of numbers (NormalizeDouble), shared by
 * the paper engine and the records' codec.
 */
#include "mt5.h"

static int
finite_in(double x, double lo, double hi)
{
	return x == x && x >= lo && x <= hi;	/* NaN fails x == x */
}

static double
pow10i(int n)
{
	double	p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/* Half away from zero, as MT5's NormalizeDouble. */
static double
round_unit(double x, double scale)
{
	double	v = x * scale;

	if (!finite_in(v, -9e18, 9e18))
		return x;
	v = v < 0 ? (double)(long long)(v - 0.5) : (double)(long long)(v + 0.5);
	return v / scale;
}

double
paper_round(double x, int digits)
{
	return round_unit(x, pow10i(digits));
}

double
paper_money(double x)
{
	return round_unit(x, 100);
}

