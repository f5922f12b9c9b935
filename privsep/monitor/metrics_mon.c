/*
 * The monitor's counters for GET /metrics.  See metrics_mon.h.
 */
#include <string.h>
#include <time.h>

#include "auth.h"
#include "bridgekey.h"
#include "metrics_mon.h"
#include "msg.h"
#include "trading.h"

/* The counters; the gauges are read at snapshot time. */
static struct metrics_mon	mm;
static time_t			mm_notafter;

void
metrics_mon_auth_failure(void)
{
	mm.auth_failures++;
}

void
metrics_mon_storage_fault(void)
{
	mm.storage_faults++;
}

void
metrics_mon_commit(uint64_t us, uint64_t released)
{
	metrics_observe(&mm.commit_latency, METRICS_LATENCY, us);
	metrics_observe(&mm.batch_size, METRICS_SIZE, released);
}

void
metrics_mon_order(uint16_t status, uint32_t retcode, uint64_t us)
{
	metrics_order_count(&mm, status, retcode);
	if (us != 0)
		metrics_observe(&mm.order_latency, METRICS_LATENCY, us);
}

void
metrics_mon_cert(time_t notafter)
{
	mm_notafter = notafter;
}

void
metrics_mon_snapshot(struct metrics_mon *m)
{
	struct msg_bridge_status	 bs;
	struct trade_state		 ts;
	char				 err[64];

	*m = mm;
	trade_state(&ts);
	m->broker_connected = strcmp(ts.broker, "connected") == 0;
	m->lockdown = ts.lockdown ? 1 : 0;
	m->storage_ok = ts.storage_fault ? 0 : 1;
	m->bans = (uint32_t)auth_ban_list(NULL, NULL);
	/* A round trip only once the EA has answered a PING. */
	if (bridgekey_status(&bs, err, sizeof(err)) == 0 && bs.connected &&
	    bs.last_pong != 0) {
		m->bridge_rtt_known = 1;
		m->bridge_rtt_ms = bs.rtt_ms;
	}
	if (mm_notafter != 0) {
		m->cert_known = 1;
		m->cert_expiry = (int64_t)(mm_notafter - time(NULL));
	}
}
