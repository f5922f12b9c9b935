/*
 * The monitor's counters for GET /metrics (common/metrics.h): plain
 * integers bumped where each thing happens (auth.c, trading*.c), and
 * the snapshot that adds what is read at the time of asking (bans in
 * force, the broker, the lockdown, the database, the bridge, the
 * certificate).  The monitor's own.
 */
#ifndef HERALD_METRICS_MON_H
#define HERALD_METRICS_MON_H

#include <stdint.h>
#include <time.h>

#include "metrics.h"

/* A failed authentication (a key presented and refused). */
void	metrics_mon_auth_failure(void);
/* A storage fault began. */
void	metrics_mon_storage_fault(void);
/* One group commit: how long it took and what it released. */
void	metrics_mon_commit(uint64_t us, uint64_t released);
/*
 * An order's answer: status and MT5's retcode, and the microseconds
 * from its acceptance to MT5's answer (0 when it never reached MT5:
 * then nothing is observed).
 */
void	metrics_mon_order(uint16_t status, uint32_t retcode, uint64_t us);
/* The certificate in force ends its validity at notafter (0: unknown). */
void	metrics_mon_cert(time_t notafter);

/* The counters and the state now, for OP_METRICS. */
void	metrics_mon_snapshot(struct metrics_mon *);

#endif
