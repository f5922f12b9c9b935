/*
 * Price feeds for the paper engine: a seeded random walk and the parser
 * for replayed tick lines.  Both are pure (no I/O, no clock, no libc
 * rand) and use the engine only through paper.h, so the broker and the
 * bridge simulator produce the same ticks from the same seed.
 */
#include <stdint.h>
#include <string.h>

#include "paper.h"

/*
 * One tick of a replay file: "SYMBOL,BID,ASK,TIME_MS", nothing else on
 * the line but an optional CR.  Numbers are plain decimals: no sign, no
 * exponent, no hex, no inf or nan, so strtod's liberties never apply.
 */
static const char *
parse_decimal(const char *p, const char *end, double *out)
{
	double	v = 0, scale = 1;
	int	digits = 0, frac = 0;

	for (; p < end && *p != ','; p++) {
		if (*p == '.' && !frac) {
			frac = 1;
			continue;
		}
		/* 15 digits: exact in a double, so 1.10001 is 1.10001. */
		if (*p < '0' || *p > '9' || digits >= 15)
			return NULL;
		digits++;
		if (frac)
			scale *= 10;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0)
		return NULL;
	*out = v / scale;
	return p;
}

/* A symbol is visible ASCII: no NUL, no CR or LF inside a line. */
static int
printable(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

int
paper_parse_tick(const char *line, size_t len, struct paper_quote *q,
    const char **why)
{
	const char	*p = line, *end = line + len, *c;
	double		 t;
	size_t		 n;

	memset(q, 0, sizeof(*q));
	if (len > 0 && end[-1] == '\n')
		end--;
	if (end > p && end[-1] == '\r')
		end--;
	if ((c = memchr(p, ',', end - p)) == NULL) {
		*why = "expected SYMBOL,BID,ASK,TIME_MS";
		return -1;
	}
	n = c - p;
	if (n == 0 || n >= sizeof(q->symbol) || !printable(p, n)) {
		*why = "symbol";
		return -1;
	}
	memcpy(q->symbol, p, n);
	p = c + 1;
	if ((p = parse_decimal(p, end, &q->bid)) == NULL || p == end ||
	    q->bid <= 0) {
		*why = "bid";
		return -1;
	}
	if ((p = parse_decimal(p + 1, end, &q->ask)) == NULL || p == end ||
	    q->ask < q->bid) {
		*why = "ask";
		return -1;
	}
	c = p + 1;
	if (memchr(c, '.', end - c) != NULL ||
	    (p = parse_decimal(c, end, &t)) == NULL || p != end) {
		*why = "time";
		return -1;
	}
	q->time = (int64_t)t;
	q->session_open = 1;
	return 0;
}

/* The random walk. */

void
paper_walk_init(struct paper_walk *w, uint64_t seed, int max_step, int spread)
{
	/* splitmix64 of the seed: xorshift must not start at 0. */
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	seed ^= seed >> 31;
	w->state = seed != 0 ? seed : 1;
	w->max_step = max_step > 0 ? max_step : 1;
	w->spread = spread >= 0 ? spread : 0;
}

uint64_t
paper_walk_rand(struct paper_walk *w)
{
	uint64_t	x = w->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void
paper_walk_next(struct paper_walk *w, const struct paper_symbol *s,
    double bid, double start, double *nbid, double *nask)
{
	uint64_t	span = (uint64_t)w->max_step * 2 + 1;
	long long	step;
	double		b;

	if (!(bid > 0))
		bid = start;
	step = (long long)(paper_walk_rand(w) % span) - w->max_step;
	b = paper_round(bid + step * s->point, s->digits);
	/* Reflect at the floor: a price never reaches zero. */
	if (b < s->point * 10)
		b = paper_round(bid - step * s->point, s->digits);
	if (b < s->point * 10)
		b = s->point * 10;
	*nbid = b;
	*nask = paper_round(b + w->spread * s->point, s->digits);
}
