/*
 * GET /metrics in the net process: net's own counters (the requests it
 * answers, by route and status, their latency, its connections), bumped
 * where they happen with no lock (net is one thread), and the one
 * renderer of the Prometheus text exposition format, which adds the
 * monitor's snapshot (common/metrics.h) to them.  herald-api(7) lists
 * every series.
 */
#ifndef HERALD_METRICS_NET_H
#define HERALD_METRICS_NET_H

#include <stdint.h>

#include "api.h"
#include "metrics.h"

/* The HTTP statuses counted apart; any other is counted as "other". */
#define METRICS_NET_STATUSES	22

/* The content type of the text exposition format. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct metrics_net {
	/* By op (OP_MAX: no route matched) and status. */
	uint64_t		requests[OP_MAX + 1][METRICS_NET_STATUSES];
	struct metrics_hist	latency;	/* request in to answer out */
	uint64_t		conns_open;
	uint64_t		conns_total;
};

extern struct metrics_net	net_metrics;

/*
 * One answer: the op it was routed to (OP_MAX if none), its status,
 * and the microseconds since the request was read (0: not timed, as
 * for a refusal written before evhttp saw a request).
 */
void	metrics_net_request(unsigned op, int status, uint64_t us);
/* A connection counted in (1) or out (-1). */
void	metrics_net_conn(int delta);

/*
 * The text exposition of n and the monitor's m, malloc'd and
 * NUL-terminated; NULL when out of memory.
 */
char	*metrics_render(const struct metrics_net *n,
	    const struct metrics_mon *m);

#endif
