/*
 * What heraldd measures for GET /metrics, as each process keeps it:
 * plain integers, bumped where the event happens, with no lock (each
 * process is one thread and keeps its own).  The monitor's side travels
 * to net as a snapshot in the answer to OP_METRICS (struct metrics_mon,
 * encoded here); net adds its own counters and renders the Prometheus
 * text in one place (daemon/metrics_net.c).  herald-api(7) lists every
 * series.
 */
#ifndef HERALD_METRICS_H
#define HERALD_METRICS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A histogram's buckets: bucket[i] counts the values above bound i-1
 * and at most bound i (not cumulative; the renderer adds them up), the
 * last one those above every bound (+Inf).
 */
#define METRICS_BUCKETS_MAX	16

enum metrics_kind {
	METRICS_LATENCY = 0,	/* microseconds, shown as seconds */
	METRICS_SIZE		/* a count of things */
};

struct metrics_hist {
	uint64_t	bucket[METRICS_BUCKETS_MAX];
	uint64_t	count;
	uint64_t	sum;		/* microseconds, or things */
};

/* The upper bounds of a kind's buckets (+Inf not included). */
const uint64_t	*metrics_bounds(enum metrics_kind, size_t *n);
/* Count v in h: a walk over at most METRICS_BUCKETS_MAX bounds. */
void		 metrics_observe(struct metrics_hist *, enum metrics_kind,
		    uint64_t v);
/* Microseconds on the monotonic clock, for latencies. */
uint64_t	 metrics_now_us(void);

/*
 * Orders by the HTTP status of their answer and MT5's retcode (0 when
 * the order never reached MT5): the pairs seen, in the order first
 * seen.  Past METRICS_ORDER_ROWS pairs a new one is counted in the
 * last row, its retcode METRICS_RETCODE_OTHER.
 */
#define METRICS_ORDER_ROWS	64
#define METRICS_RETCODE_OTHER	UINT32_MAX

struct metrics_order_row {
	uint16_t	status;
	uint32_t	retcode;
	uint64_t	count;
};

/* The monitor's counters and state, as GET /metrics reports them. */
struct metrics_mon {
	uint64_t	auth_failures;
	uint32_t	bans;		/* in force now */
	uint8_t		broker_connected;
	uint8_t		lockdown;
	uint8_t		storage_ok;	/* the database commits */
	uint64_t	storage_faults;	/* faults begun */
	uint8_t		bridge_rtt_known; /* mt5.backend bridge, a PONG seen */
	uint32_t	bridge_rtt_ms;
	uint8_t		cert_known;
	int64_t		cert_expiry;	/* seconds to notAfter; < 0 expired */
	struct metrics_hist order_latency;	/* accepted to MT5's answer */
	struct metrics_hist commit_latency;	/* one group commit */
	struct metrics_hist batch_size;		/* what one commit releases */
	uint32_t	norders;
	struct metrics_order_row orders[METRICS_ORDER_ROWS];
};

/* Count one order answer in rows (m->orders, m->norders). */
void	metrics_order_count(struct metrics_mon *, uint16_t status,
	    uint32_t retcode);

/*
 * The snapshot on the wire (msg_api_res.result): its length, or
 * (size_t)-1 if it does not fit.  Decoding consumes exactly len bytes
 * and checks every flag, count and histogram: 0, or -1 with *why.
 */
size_t	metrics_mon_encode(const struct metrics_mon *, uint8_t *, size_t);
int	metrics_mon_decode(const uint8_t *, size_t, struct metrics_mon *,
	    const char **why);

#endif
