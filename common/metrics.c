/*
 * Histograms, the orders' table and the monitor's snapshot on the wire.
 * See metrics.h.
 */
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "nitems.h"
#include "wire.h"

/* 0.5 ms to 10 s: a signature round trip to a slow broker. */
static const uint64_t metrics_latency_bounds[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000, 10000000
};

/* Powers of two up to 1024 (the monitor answers at most TX_MAX). */
static const uint64_t metrics_size_bounds[] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024
};

_Static_assert(nitems(metrics_latency_bounds) < METRICS_BUCKETS_MAX,
    "latency buckets and +Inf fit");
_Static_assert(nitems(metrics_size_bounds) < METRICS_BUCKETS_MAX,
    "size buckets and +Inf fit");

const uint64_t *
metrics_bounds(enum metrics_kind kind, size_t *n)
{
	if (kind == METRICS_SIZE) {
		*n = nitems(metrics_size_bounds);
		return metrics_size_bounds;
	}
	*n = nitems(metrics_latency_bounds);
	return metrics_latency_bounds;
}

void
metrics_observe(struct metrics_hist *h, enum metrics_kind kind, uint64_t v)
{
	const uint64_t	*b;
	size_t		 i, n;

	b = metrics_bounds(kind, &n);
	for (i = 0; i < n && v > b[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

uint64_t
metrics_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
metrics_order_count(struct metrics_mon *m, uint16_t status, uint32_t retcode)
{
	struct metrics_order_row	*r;
	uint32_t			 i;

	for (i = 0; i < m->norders; i++) {
		r = &m->orders[i];
		if (r->status == status && r->retcode == retcode) {
			r->count++;
			return;
		}
	}
	if (m->norders == METRICS_ORDER_ROWS) {
		/* Full: the last row becomes, or is, the rest. */
		r = &m->orders[METRICS_ORDER_ROWS - 1];
		r->status = 0;
		r->retcode = METRICS_RETCODE_OTHER;
		r->count++;
		return;
	}
	r = &m->orders[m->norders++];
	r->status = status;
	r->retcode = retcode;
	r->count = 1;
}

/* --- the wire ------------------------------------------------------------ */

static void
hist_put(struct wire_builder *b, const struct metrics_hist *h,
    enum metrics_kind kind)
{
	size_t	 i, n;

	(void)metrics_bounds(kind, &n);
	for (i = 0; i <= n; i++)
		wire_put_u64(b, h->bucket[i]);
	wire_put_u64(b, h->sum);
}

/* The count is the buckets' sum: nothing to contradict. */
static int
hist_get(struct wire_reader *r, struct metrics_hist *h,
    enum metrics_kind kind, const char **why)
{
	uint64_t	 total = 0;
	size_t		 i, n;

	(void)metrics_bounds(kind, &n);
	memset(h, 0, sizeof(*h));
	for (i = 0; i <= n; i++) {
		h->bucket[i] = wire_get_u64(r);
		if (total + h->bucket[i] < total) {
			*why = "histogram count overflows";
			return -1;
		}
		total += h->bucket[i];
	}
	h->count = total;
	h->sum = wire_get_u64(r);
	return 0;
}

static int
flag_get(struct wire_reader *r, uint8_t *dst, const char *what,
    const char **why)
{
	*dst = wire_get_u8(r);
	if (*dst > 1) {
		*why = what;
		return -1;
	}
	return 0;
}

size_t
metrics_mon_encode(const struct metrics_mon *m, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;
	uint32_t		 i;

	if (m->norders > METRICS_ORDER_ROWS)
		return (size_t)-1;
	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, m->auth_failures);
	wire_put_u32(&b, m->bans);
	wire_put_u8(&b, m->broker_connected);
	wire_put_u8(&b, m->lockdown);
	wire_put_u8(&b, m->storage_ok);
	wire_put_u64(&b, m->storage_faults);
	wire_put_u8(&b, m->bridge_rtt_known);
	wire_put_u32(&b, m->bridge_rtt_ms);
	wire_put_u8(&b, m->cert_known);
	wire_put_u64(&b, (uint64_t)m->cert_expiry);
	hist_put(&b, &m->order_latency, METRICS_LATENCY);
	hist_put(&b, &m->commit_latency, METRICS_LATENCY);
	hist_put(&b, &m->batch_size, METRICS_SIZE);
	wire_put_u32(&b, m->norders);
	for (i = 0; i < m->norders; i++) {
		wire_put_u16(&b, m->orders[i].status);
		wire_put_u32(&b, m->orders[i].retcode);
		wire_put_u64(&b, m->orders[i].count);
	}
	return b.err ? (size_t)-1 : b.len;
}

int
metrics_mon_decode(const uint8_t *buf, size_t len, struct metrics_mon *m,
    const char **why)
{
	struct wire_reader	 r;
	uint32_t		 i;

	memset(m, 0, sizeof(*m));
	wire_reader_init(&r, buf, len);
	m->auth_failures = wire_get_u64(&r);
	m->bans = wire_get_u32(&r);
	if (flag_get(&r, &m->broker_connected, "broker flag out of range",
	    why) == -1 ||
	    flag_get(&r, &m->lockdown, "lockdown flag out of range",
	    why) == -1 ||
	    flag_get(&r, &m->storage_ok, "storage flag out of range",
	    why) == -1)
		return -1;
	m->storage_faults = wire_get_u64(&r);
	if (flag_get(&r, &m->bridge_rtt_known, "bridge flag out of range",
	    why) == -1)
		return -1;
	m->bridge_rtt_ms = wire_get_u32(&r);
	if (flag_get(&r, &m->cert_known, "certificate flag out of range",
	    why) == -1)
		return -1;
	m->cert_expiry = (int64_t)wire_get_u64(&r);
	if (hist_get(&r, &m->order_latency, METRICS_LATENCY, why) == -1 ||
	    hist_get(&r, &m->commit_latency, METRICS_LATENCY, why) == -1 ||
	    hist_get(&r, &m->batch_size, METRICS_SIZE, why) == -1)
		return -1;
	m->norders = wire_get_u32(&r);
	if (m->norders > METRICS_ORDER_ROWS) {
		*why = "more order rows than METRICS_ORDER_ROWS";
		return -1;
	}
	for (i = 0; i < m->norders && wire_ok(&r); i++) {
		m->orders[i].status = wire_get_u16(&r);
		m->orders[i].retcode = wire_get_u32(&r);
		m->orders[i].count = wire_get_u64(&r);
	}
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	return 0;
}
