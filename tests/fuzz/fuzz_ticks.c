/*
 * libFuzzer harness for the replay file's lines: paper_parse_tick() as
 * the broker calls it on each line of BROKER_TICKS.  Whatever it accepts
 * must be a quote paper_tick() can use, and must be accepted again when
 * the same line comes without its line ending or with CRLF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	line[4096 + 2];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct paper_quote	 q, q2;
	const char		*why = NULL;
	size_t			 n, i;

	if (paper_parse_tick((const char *)data, size, &q, &why) == -1) {
		if (why == NULL)
			abort();
		return 0;
	}
	/* A symbol: non-empty, terminated, visible ASCII, no comma. */
	n = strnlen(q.symbol, sizeof(q.symbol));
	if (n == 0 || n == sizeof(q.symbol) || strchr(q.symbol, ',') != NULL)
		abort();
	for (i = 0; i < n; i++)
		if (q.symbol[i] < 0x21 || q.symbol[i] > 0x7e)
			abort();
	/* Prices paper_tick() takes: finite, bid > 0, ask >= bid. */
	if (!(q.bid > 0) || !(q.ask >= q.bid) || q.bid != q.bid ||
	    q.ask > 1e16 || q.time < 0 || !q.session_open)
		abort();
	if (size == 0 || size > sizeof(line) - 2)
		return 0;

	/* The same line with CRLF (if it had no ending) parses the same. */
	n = size;
	memcpy(line, data, n);
	if (line[n - 1] != '\n' && line[n - 1] != '\r') {
		line[n++] = '\r';
		line[n++] = '\n';
		if (paper_parse_tick(line, n, &q2, &why) == -1 ||
		    memcmp(&q, &q2, sizeof(q)) != 0)
			abort();
	}
	return 0;
}
