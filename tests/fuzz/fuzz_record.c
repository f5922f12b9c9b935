/*
 * libFuzzer harness for the paper engine's stored records, as the
 * broker meets them at start (BROKER_RECORD from the monitor's store):
 * paper_record_decode() for every type and op.  A record it accepts
 * must re-encode to exactly the same bytes (one encoding per value) or,
 * an order of an older layout, to the current one with those bytes
 * first and decoding to the same record; have a store key, and be safe
 * to hand to paper_import() on a live engine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	out[PAPER_RECORD_MAX];

static struct paper_engine *
engine(void)
{
	static const char *const names[][3] = {
		{ "EURUSD", "EUR", "USD" },
		{ "USDJPY", "USD", "JPY" },
	};
	struct paper_config	 c;
	struct paper_symbol	 s;
	struct paper_engine	*e;
	const char		*why;
	size_t			 i;

	memset(&c, 0, sizeof(c));
	strlcpy(c.currency, "USD", sizeof(c.currency));
	c.leverage = 100;
	c.balance = 10000;
	c.mode = PAPER_HEDGING;
	c.max_deals = 8;
	c.max_commands = 8;
	if ((e = paper_new(&c)) == NULL)
		abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&s, 0, sizeof(s));
		strlcpy(s.name, names[i][0], sizeof(s.name));
		strlcpy(s.currency_base, names[i][1], sizeof(s.currency_base));
		strlcpy(s.currency_profit, names[i][2],
		    sizeof(s.currency_profit));
		s.digits = i == 0 ? 5 : 3;
		s.point = i == 0 ? 0.00001 : 0.001;
		s.contract_size = 100000;
		s.volume_min = s.volume_step = 0.01;
		s.volume_max = 100;
		s.filling = PAPER_FILL_FOK;
		s.trade_mode = PAPER_TRADE_FULL;
		s.exec_mode = PAPER_EXEC_MARKET;
		if (paper_add_symbol(e, &s, &why) == -1)
			abort();
	}
	return e;
}

/* The current layout of an older order decodes to the same record. */
static int
same_again(const struct paper_record *r, size_t n)
{
	struct paper_record	 d;
	const char		*why;

	return paper_record_decode(r->type, r->op, out, n, &d, &why) == 0 &&
	    memcmp(&d, r, sizeof(d)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct paper_engine	*e;
	struct paper_account	 a;
	struct paper_record	 r;
	const char		*why;
	char			 key[PAPER_KEY_MAX];
	unsigned int		 type, op;
	size_t			 n;

	for (type = 0; type <= PAPER_REC_COMMAND + 1; type++)
		for (op = 0; op <= PAPER_OP_DEL + 1; op++) {
			why = NULL;
			if (paper_record_decode(type, op, data, size, &r,
			    &why) == -1) {
				if (why == NULL)
					abort();
				continue;
			}
			if (r.type != type || r.op != op ||
			    size > PAPER_RECORD_MAX)
				abort();
			n = paper_record_encode(&r, out, sizeof(out));
			if (n == (size_t)-1 || n < size ||
			    memcmp(out, data, size) != 0)
				abort();
			if (n != size && (type != PAPER_REC_ORDER ||
			    !same_again(&r, n)))
				abort();
			if (paper_record_key(&r, key, sizeof(key)) == -1)
				abort();
			(void)paper_record_time(&r);
			if (paper_record_profit(&r) !=
			    paper_record_profit(&r))
				abort();
			/* Twice: a repeat replaces, never duplicates. */
			e = engine();
			if (paper_import(e, &r) == 0) {
				(void)paper_import(e, &r);
				paper_account_get(e, &a);
				if (r.type == PAPER_REC_POSITION &&
				    r.op == PAPER_OP_PUT &&
				    paper_position_count(e) != 1)
					abort();
			}
			paper_free(e);
		}
	return 0;
}
