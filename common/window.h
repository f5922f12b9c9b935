/*
 * A sliding-window request counter: net's per-source rate limit and the
 * monitor's per-key one.
 */
#ifndef HERALD_WINDOW_H
#define HERALD_WINDOW_H

#include <stdint.h>

/*
 * A sliding-window counter (the previous
 * fixed window weighted by how much of it still overlaps the sliding
 * one, plus the current window).  rpc_window_hit() counts one request at
 * now (milliseconds, monotonic) and returns 0, or refuses it (it is not
 * counted) and returns the seconds until one would be accepted.
 */
struct rpc_window {
	uint64_t	start;		/* ms: start of the current window */
	uint32_t	prev;		/* requests in the previous window */
	uint32_t	cur;		/* requests in the current window */
};
uint32_t rpc_window_hit(struct rpc_window *, uint64_t now_ms,
	    uint32_t window_s, uint32_t limit);
/* Whether the counter holds nothing that still matters at now. */
int	rpc_window_idle(const struct rpc_window *, uint64_t now_ms,
	    uint32_t window_s);

#endif
