/*
 * GET /metrics in net: its counters and the text exposition.  See
 * metrics_net.h.
 *
 * The renderer writes one family after the other, each with its HELP
 * and TYPE lines, counters ending in _total, histograms as cumulative
 * _bucket lines with le labels, then _sum and _count.  Label values are
 * ours (the catalogue's paths, status numbers, the version), never a
 * client's bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics_net.h"
#include "nitems.h"
#include "rpc.h"

struct metrics_net	net_metrics;

static const int metrics_statuses[METRICS_NET_STATUSES - 1] = {
	200, 400, 401, 403, 404, 405, 408, 409, 411, 413, 414, 415, 417,
	422, 429, 431, 500, 501, 502, 503, 504
};

/* The column of status; the last one is every other status. */
static size_t
status_index(int status)
{
	size_t	 i;

	for (i = 0; i < nitems(metrics_statuses); i++)
		if (metrics_statuses[i] == status)
			return i;
	return nitems(metrics_statuses);
}

void
metrics_net_request(unsigned op, int status, uint64_t us)
{
	if (op > OP_MAX)
		op = OP_MAX;
	net_metrics.requests[op][status_index(status)]++;
	if (us != 0)
		metrics_observe(&net_metrics.latency, METRICS_LATENCY, us);
}

void
metrics_net_conn(int delta)
{
	if (delta > 0) {
		net_metrics.conns_open++;
		net_metrics.conns_total++;
	} else if (net_metrics.conns_open > 0)
		net_metrics.conns_open--;
}

/* --- the text ------------------------------------------------------------ */

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(FILE *f, const char *name, const char *type, const char *help,
    long long v)
{
	family(f, name, type, help);
	fprintf(f, "%s %lld\n", name, v);
}

static void
histogram(FILE *f, const char *name, const char *help,
    const struct metrics_hist *h, enum metrics_kind kind)
{
	const uint64_t	*b;
	uint64_t	 cum = 0;
	size_t		 i, n;
	int		 secs = kind == METRICS_LATENCY;

	family(f, name, "histogram", help);
	b = metrics_bounds(kind, &n);
	for (i = 0; i < n; i++) {
		cum += h->bucket[i];
		if (secs)
			fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name,
			    (double)b[i] / 1e6, (unsigned long long)cum);
		else
			fprintf(f, "%s_bucket{le=\"%llu\"} %llu\n", name,
			    (unsigned long long)b[i], (unsigned long long)cum);
	}
	cum += h->bucket[n];
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)cum);
	if (secs)
		fprintf(f, "%s_sum %.6f\n", name, (double)h->sum / 1e6);
	else
		fprintf(f, "%s_sum %llu\n", name, (unsigned long long)h->sum);
	fprintf(f, "%s_count %llu\n", name, (unsigned long long)cum);
}

static void
requests(FILE *f, const struct metrics_net *n)
{
	const struct api_info	*a;
	char			 method[64], status[16];
	size_t			 op, s;

	family(f, "herald_http_requests_total", "counter", "HTTP requests "
	    "answered, by route (the API's path pattern; unmatched when no "
	    "route matched), method and status.");
	for (op = 0; op <= OP_MAX; op++) {
		a = op < OP_MAX ? api_info((unsigned)op) : NULL;
		if (a != NULL)
			rpc_allow_string(a->methods, method, sizeof(method));
		else
			strlcpy(method, "other", sizeof(method));
		for (s = 0; s < METRICS_NET_STATUSES; s++) {
			if (n->requests[op][s] == 0)
				continue;
			if (s < nitems(metrics_statuses))
				snprintf(status, sizeof(status), "%d",
				    metrics_statuses[s]);
			else
				strlcpy(status, "other", sizeof(status));
			fprintf(f, "herald_http_requests_total{route=\"%s\","
			    "method=\"%s\",status=\"%s\"} %llu\n",
			    a != NULL ? a->path : "unmatched", method, status,
			    (unsigned long long)n->requests[op][s]);
		}
	}
}

static void
orders(FILE *f, const struct metrics_mon *m)
{
	const struct metrics_order_row	*r;
	char				 status[16], retcode[16];
	uint32_t			 i;

	family(f, "herald_orders_total", "counter", "Orders answered, by "
	    "HTTP status and MT5 retcode (0: refused before MT5).");
	for (i = 0; i < m->norders; i++) {
		r = &m->orders[i];
		if (r->retcode == METRICS_RETCODE_OTHER) {
			strlcpy(status, "other", sizeof(status));
			strlcpy(retcode, "other", sizeof(retcode));
		} else {
			snprintf(status, sizeof(status), "%u", r->status);
			snprintf(retcode, sizeof(retcode), "%u", r->retcode);
		}
		fprintf(f, "herald_orders_total{status=\"%s\",retcode=\"%s\"} "
		    "%llu\n", status, retcode, (unsigned long long)r->count);
	}
}

/* The monitor's gauges: what it read when it was asked. */
static void
monitor_gauges(FILE *f, const struct metrics_mon *m)
{
	one(f, "herald_bans_active", "gauge", "Source addresses banned now "
	    "for failed authentications.", m->bans);
	one(f, "herald_broker_connected", "gauge", "1 while the broker's "
	    "backend is connected to MT5.", m->broker_connected);
	one(f, "herald_lockdown", "gauge", "1 while trading is locked down.",
	    m->lockdown);
	one(f, "herald_storage_available", "gauge", "1 while the database "
	    "commits, 0 in a storage fault.", m->storage_ok);
	if (m->bridge_rtt_known) {
		family(f, "herald_bridge_round_trip_seconds", "gauge", "The "
		    "last PING round trip to the bridge's EA.");
		fprintf(f, "herald_bridge_round_trip_seconds %.3f\n",
		    (double)m->bridge_rtt_ms / 1e3);
	}
	if (m->cert_known)
		one(f, "herald_tls_certificate_expiry_seconds", "gauge",
		    "Seconds until the TLS certificate in force expires "
		    "(negative: expired).", (long long)m->cert_expiry);
}

char *
metrics_render(const struct metrics_net *n, const struct metrics_mon *m)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0;

	if ((f = open_memstream(&text, &len)) == NULL)
		return NULL;
	family(f, "herald_build_info", "gauge", "heraldd's version.");
	fprintf(f, "herald_build_info{version=\"%s\"} 1\n", HERALD_VERSION);
	requests(f, n);
	histogram(f, "herald_http_request_duration_seconds", "From a "
	    "request read to its answer, for requests evhttp answered.",
	    &n->latency, METRICS_LATENCY);
	one(f, "herald_http_connections_open", "gauge", "Client connections "
	    "open now.", (long long)n->conns_open);
	one(f, "herald_http_connections_total", "counter", "Client "
	    "connections accepted.", (long long)n->conns_total);
	one(f, "herald_auth_failures_total", "counter", "API keys presented "
	    "and refused (unknown, expired, revoked, wrong certificate).",
	    (long long)m->auth_failures);
	orders(f, m);
	histogram(f, "herald_order_duration_seconds", "From an order "
	    "accepted by the monitor to MT5's answer.", &m->order_latency,
	    METRICS_LATENCY);
	histogram(f, "herald_journal_commit_duration_seconds", "One group "
	    "commit of the journal (its fsync).", &m->commit_latency,
	    METRICS_LATENCY);
	histogram(f, "herald_journal_batch_size", "Orders and answers one "
	    "group commit released.", &m->batch_size, METRICS_SIZE);
	one(f, "herald_storage_faults_total", "counter", "Storage faults "
	    "begun (the database could not commit).",
	    (long long)m->storage_faults);
	monitor_gauges(f, m);
	if (ferror(f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
