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
 *
 * -n orders in each run (default 2000); -b orders per group commit, the
 * requests one event-loop turn collects (default 32); -d a directory on
 * the disk to measure (default /var/tmp: /tmp may be a tmpfs, where an
 * fsync costs nothing).  It prints orders per second for the plain loop,
 * the journal without batching and the journal in batches, with p50 and
 * p99 latency (for a batched order: from the start of its batch to the
 * commit, which is when its caller may be answered), and the ratio.
 */
#include <sys/types.h>

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
	size_t		 n;
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
exec_ok(sqlite3 *h, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", sql, msg != NULL ? msg : "?");
}

/* The baseline: one durable autocommit INSERT per order. */
static void
plain_loop(const char *path, struct run *r)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	char		 req[128], coid[32];
	double		 t0, t;
	size_t		 i;

	rm_db(path);
	if (sqlite3_open(path, &h) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(h));
	exec_ok(h, "PRAGMA journal_mode = WAL");
	exec_ok(h, "PRAGMA synchronous = FULL");
	exec_ok(h, "CREATE TABLE orders (id INTEGER PRIMARY KEY, "
	    "key_id INTEGER NOT NULL, client_addr TEXT NOT NULL, "
	    "client_order_id TEXT NOT NULL, request BLOB NOT NULL, "
	    "created INTEGER NOT NULL)");
	if (sqlite3_prepare_v2(h, "INSERT INTO orders (key_id, client_addr, "
	    "client_order_id, request, created) VALUES (1, '127.0.0.1', ?1, "
	    "?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(h));
	r->secs = now_s();
	for (i = 0; i < r->n; i++) {
		request(req, sizeof(req), i);
		snprintf(coid, sizeof(coid), "c%zu", i);
		t0 = now_s();
		sqlite3_bind_text(st, 1, coid, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, req, (int)strlen(req), SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "insert: %s", sqlite3_errmsg(h));
		sqlite3_reset(st);
		t = now_s();
		r->lat[i] = t - t0;
	}
	r->secs = now_s() - r->secs;
	sqlite3_finalize(st);
	sqlite3_close(h);
	rm_db(path);
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

int
main(int argc, char *argv[])
{
	struct run	 plain = { "plain durable INSERT loop", 0, NULL, 0 };
	struct run	 single = { "journal, no batching", 0, NULL, 0 };
	struct run	 group = { "journal, group commit", 0, NULL, 0 };
	const char	*dir = "/var/tmp";
	char		 tmpl[4096], path[4200];
	size_t		 n = 2000, batch = 32;
	int		 ch;

	while ((ch = getopt(argc, argv, "b:d:n:")) != -1) {
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
		default:
			fprintf(stderr, "usage: journal_vs_sqlite [-n orders] "
			    "[-b batch] [-d dir]\n");
			return 2;
		}
	}
	if (n == 0 || batch < 2)
		errx(2, "-n must be positive and -b at least 2");
	log_init("bench", 1, LOG_WARNING);
	snprintf(tmpl, sizeof(tmpl), "%s/herald-bench-XXXXXX", dir);
	if (mkdtemp(tmpl) == NULL)
		err(1, "mkdtemp %s", tmpl);
	snprintf(path, sizeof(path), "%s/bench.db", tmpl);
	plain.n = single.n = group.n = n;
	if ((plain.lat = calloc(n, sizeof(double))) == NULL ||
	    (single.lat = calloc(n, sizeof(double))) == NULL ||
	    (group.lat = calloc(n, sizeof(double))) == NULL)
		err(1, NULL);

	printf("%zu orders, batches of %zu, on %s (WAL, synchronous=FULL)\n",
	    n, batch, dir);
	plain_loop(path, &plain);
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
