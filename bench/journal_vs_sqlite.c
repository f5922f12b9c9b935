/*
 * The orders journal with group commit against a plain loop of single
 * durable SQLite INSERTs, in the same run, on the same disk, with the
 * same settings (WAL, synchronous=FULL): each row is durable before it
 * is counted either way, so the ratio is what group commit buys.  Not
 * built by make check; figures depend on the disk.
 *
 * Build (after `make`, which builds build/libherald.a) and run as root,
 * since db_open() wants a root-owned database file:
 *
 *	cc -O2 -D_GNU_SOURCE -I. -Icommon -Iprivsep \
 *	    $(pkg-config --cflags sqlite3 openssl libbsd-overlay) \
 *	    -o /tmp/journal_vs_sqlite bench/journal_vs_sqlite.c \
 *	    build/libherald.a \
 *	    $(pkg-config --libs sqlite3 openssl libbsd-overlay)
 *	/tmp/journal_vs_sqlite [-n orders] [-b batch] [-d dir]
 *	/tmp/journal_vs_sqlite -t seconds [-q bytes] [-R bytes] [-d dir]
 *	/tmp/journal_vs_sqlite -s heraldd.db
 *
 * -n orders in each run (default 2000); -b orders per group commit, the
 * requests one event-loop turn collects (default 32); -d a directory on
 * the disk to measure (default /var/tmp: /tmp may be a tmpfs, where an
 * fsync costs nothing).  It prints orders per second for the plain loop,
 * the journal without batching and the journal in batches, with p50 and
 * p99 latency (for a batched order: from the start of its batch to the
 * commit, which is when its caller may be answered), and the ratio.
 *
 * -t seconds runs the plain loop alone for that long, the reference of
 * bench/orders_vs_sqlite.sh, and prints one line:
 *	loop inserts N seconds S rate R p50 X p99 X request_bytes Q
 *	result_bytes R cpu_seconds C
 * (milliseconds; C is its own CPU time, user and system).  Its rows are finished journal rows: -q bytes of
 * request and -R bytes of result (0: none, as a pending row), in the
 * journal's own table: the database is opened with db_open(), as heraldd
 * opens it (its schema, WAL, synchronous=FULL).
 *
 * -s reads the orders table of a stopped heraldd's database and prints
 *	journal rows N done N failed N pending N sent N unknown N
 *	request_bytes Q result_bytes R
 * (the average sizes, for -q and -R), without changing it.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "journal.h"
#include "log.h"

struct run {
	const char	*name;
	double		 secs;
	double		*lat;		/* per order, seconds */
	size_t		 n;		/* orders; -t: grows with the run */
	size_t		 cap;		/* of lat */
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_d(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t	 i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static void
report(struct run *r)
{
	qsort(r->lat, r->n, sizeof(r->lat[0]), cmp_d);
	printf("%-26s %8zu orders %8.3f s %10.0f orders/s  "
	    "p50 %7.3f ms  p99 %7.3f ms\n", r->name, r->n, r->secs,
	    (double)r->n / r->secs, pct(r->lat, r->n, 0.50) * 1e3,
	    pct(r->lat, r->n, 0.99) * 1e3);
}

static void
rm_db(const char *path)
{
	char	 p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
request(char *buf, size_t len, size_t i)
{
	snprintf(buf, len, "{\"symbol\":\"EURUSD\",\"side\":\"BUY\","
	    "\"volume\":0.01,\"seq\":%zu}", i);
}

static void
lat_add(struct run *r, size_t i, double v)
{
	double	*p;

	if (i >= r->cap) {
		r->cap = r->cap ? r->cap * 2 : 65536;
		if ((p = realloc(r->lat, r->cap * sizeof(*p))) == NULL)
			err(1, NULL);
		r->lat = p;
	}
	r->lat[i] = v;
}

/*
 * The baseline: one durable autocommit INSERT per order, r->n of them,
 * or for `seconds' when that is positive (r->n is then the count).  Each
 * row holds reqlen bytes of request and reslen of result (0: a pending
 * row without one, as journal_begin() writes).
 */
static void
plain_loop(const char *path, struct run *r, size_t reqlen, size_t reslen,
    double seconds)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		 coid[32], e[512], *req, *res;
	double		 t0, t, end;
	size_t		 i;

	if ((req = malloc(reqlen + 1)) == NULL ||
	    (res = malloc(reslen + 1)) == NULL)
		err(1, NULL);
	request(req, reqlen + 1, 0);
	if (strlen(req) < reqlen)	/* padded to the journal's size */
		memset(req + strlen(req), ' ', reqlen - strlen(req));
	memset(res, 'r', reslen);
	/*
	 * The database heraldd would open (db.c: its schema, WAL,
	 * synchronous=FULL), so that a row of the loop costs what a journal
	 * row does: the same table, AUTOINCREMENT bookkeeping and indexes.
	 */
	rm_db(path);
	if (db_open(path, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	h = db_handle();
	if (sqlite3_prepare_v2(h, "INSERT INTO orders (key_id, client_addr, "
	    "client_order_id, derived, request, state, result, created, "
	    "updated) VALUES (1, '127.0.0.1', ?1, 0, ?2, ?3, ?4, ?5, ?5)",
	    -1, &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(h));
	r->secs = now_s();
	end = r->secs + seconds;
	for (i = 0; seconds > 0 ? now_s() < end : i < r->n; i++) {
		snprintf(coid, sizeof(coid), "loop-%zu", i);
		t0 = now_s();
		sqlite3_bind_text(st, 1, coid, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, req, (int)reqlen, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reslen ? "done" : "pending", -1,
		    SQLITE_STATIC);
		if (reslen)
			sqlite3_bind_blob(st, 4, res, (int)reslen,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "insert: %s", sqlite3_errmsg(h));
		sqlite3_reset(st);
		t = now_s();
		lat_add(r, i, t - t0);
	}
	r->secs = now_s() - r->secs;
	r->n = i;
	sqlite3_finalize(st);
	db_close();
	rm_db(path);
	free(req);
	free(res);
}

/* -s: what heraldd's journal holds, read-only. */
static int
journal_stats(const char *path)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	const char	*state;
	long long	 n[6] = { 0 }, rows = 0;
	double		 req = 0, res = 0;
	int		 i, rc;
	static const char *const states[] = { "done", "failed", "pending",
	    "sent", "unknown" };

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(h));
	if (sqlite3_prepare_v2(h, "SELECT state, count(*), "
	    "total(length(request)), total(length(result)) FROM orders "
	    "GROUP BY state", -1, &st, NULL) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(h));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; i < 5; i++)
			if (state != NULL && strcmp(state, states[i]) == 0)
				break;
		n[i] += sqlite3_column_int64(st, 1);
		rows += sqlite3_column_int64(st, 1);
		req += sqlite3_column_double(st, 2);
		res += sqlite3_column_double(st, 3);
	}
	if (rc != SQLITE_DONE)
		errx(1, "%s: %s", path, sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_close(h);
	printf("journal rows %lld done %lld failed %lld pending %lld "
	    "sent %lld unknown %lld request_bytes %.0f result_bytes %.0f\n",
	    rows, n[0], n[1], n[2], n[3], n[4], rows ? req / rows : 0.0,
	    rows ? res / rows : 0.0);
	return 0;
}

/* The journal, `batch' orders per commit (1: no batch at all). */
static void
journal_run(const char *path, size_t batch, struct run *r)
{
	struct journal		*j;
	struct journal_order	 o;
	char			 req[128], coid[32], e[512];
	double			 t0, t;
	size_t			 i, k, m;

	rm_db(path);
	if (db_open(path, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	if ((j = journal_open(db_handle(), NULL, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	r->secs = now_s();
	for (i = 0; i < r->n; i += m) {
		m = r->n - i < batch ? r->n - i : batch;
		t0 = now_s();
		if (batch > 1 && journal_batch_begin(j) != 0)
			errx(1, "%s", journal_error(j));
		for (k = 0; k < m; k++) {
			request(req, sizeof(req), i + k);
			snprintf(coid, sizeof(coid), "c%zu", i + k);
			if (journal_begin(j, 1, "127.0.0.1", coid, req,
			    strlen(req), (int64_t)time(NULL), &o) !=
			    JOURNAL_NEW)
				errx(1, "%s", journal_error(j));
			journal_order_clear(&o);
		}
		if (batch > 1 && journal_batch_commit(j) != 0)
			errx(1, "%s", journal_error(j));
		/* Every order in the batch is answered at the commit. */
		t = now_s();
		for (k = 0; k < m; k++)
			r->lat[i + k] = t - t0;
	}
	r->secs = now_s() - r->secs;
	journal_close(j);
	db_close();
	rm_db(path);
}

static size_t
size_arg(const char *s, size_t max)
{
	char		*end;
	unsigned long	 v;

	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > max)
		errx(2, "%s: a size of 0 to %zu bytes", s, max);
	return v;
}

int
main(int argc, char *argv[])
{
	struct run	 plain = { "plain durable INSERT loop", 0, NULL, 0, 0 };
	struct run	 single = { "journal, no batching", 0, NULL, 0, 0 };
	struct run	 group = { "journal, group commit", 0, NULL, 0, 0 };
	const char	*dir = "/var/tmp", *stats = NULL;
	char		 tmpl[4096], path[4200], req[128];
	size_t		 n = 2000, batch = 32, reqlen = 0, reslen = 0;
	struct rusage	 ru;
	double		 seconds = 0;
	int		 ch;

	request(req, sizeof(req), 0);
	reqlen = strlen(req);
	while ((ch = getopt(argc, argv, "b:d:n:q:R:s:t:")) != -1) {
		switch (ch) {
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			reqlen = size_arg(optarg, JOURNAL_REQUEST_MAX_DEFAULT);
			if (reqlen == 0)
				errx(2, "-q: the request is never empty");
			break;
		case 'R':
			reslen = size_arg(optarg, JOURNAL_RESULT_MAX_DEFAULT);
			break;
		case 's':
			stats = optarg;
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			if (seconds <= 0)
				errx(2, "-t: a positive number of seconds");
			break;
		default:
			fprintf(stderr, "usage: journal_vs_sqlite [-n orders] "
			    "[-b batch] [-d dir]\n"
			    "       journal_vs_sqlite -t seconds [-q bytes] "
			    "[-R bytes] [-d dir]\n"
			    "       journal_vs_sqlite -s heraldd.db\n");
			return 2;
		}
	}
	if (stats != NULL)
		return journal_stats(stats);
	if (seconds == 0 && (n == 0 || batch < 2))
		errx(2, "-n must be positive and -b at least 2");
	log_init("bench", 1, LOG_WARNING);
	snprintf(tmpl, sizeof(tmpl), "%s/herald-bench-XXXXXX", dir);
	if (mkdtemp(tmpl) == NULL)
		err(1, "mkdtemp %s", tmpl);
	snprintf(path, sizeof(path), "%s/bench.db", tmpl);

	if (seconds > 0) {
		plain_loop(path, &plain, reqlen, reslen, seconds);
		rmdir(tmpl);
		qsort(plain.lat, plain.n, sizeof(plain.lat[0]), cmp_d);
		getrusage(RUSAGE_SELF, &ru);
		printf("loop inserts %zu seconds %.2f rate %.1f p50 %.3f "
		    "p99 %.3f request_bytes %zu result_bytes %zu "
		    "cpu_seconds %.2f\n", plain.n, plain.secs,
		    (double)plain.n / plain.secs,
		    plain.n ? pct(plain.lat, plain.n, 0.50) * 1e3 : 0.0,
		    plain.n ? pct(plain.lat, plain.n, 0.99) * 1e3 : 0.0,
		    reqlen, reslen, (double)ru.ru_utime.tv_sec +
		    ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec +
		    ru.ru_stime.tv_usec) / 1e6);
		free(plain.lat);
		return 0;
	}

	plain.n = single.n = group.n = n;
	plain.cap = single.cap = group.cap = n;
	if ((plain.lat = calloc(n, sizeof(double))) == NULL ||
	    (single.lat = calloc(n, sizeof(double))) == NULL ||
	    (group.lat = calloc(n, sizeof(double))) == NULL)
		err(1, NULL);

	printf("%zu orders, batches of %zu, on %s (WAL, synchronous=FULL)\n",
	    n, batch, dir);
	plain_loop(path, &plain, reqlen, 0, 0);
	journal_run(path, 1, &single);
	journal_run(path, batch, &group);
	rmdir(tmpl);
	report(&plain);
	report(&single);
	report(&group);
	printf("ratio group commit / plain loop: %.2fx\n",
	    ((double)n / group.secs) / ((double)n / plain.secs));
	free(plain.lat);
	free(single.lat);
	free(group.lat);
	return 0;
}
