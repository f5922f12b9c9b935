/*
 * orders_load: the load client of bench/orders_vs_sqlite.sh.  It keeps N
 * TLS connections open to heraldd (one thread each, keep-alive) and on
 * each sends, one after the other, the orders a trading client sends:
 *
 *	POST /trade
 *	{"symbol":"EURUSD","side":"BUY","volume":0.01,
 *	 "client_order_id":"<unique>"}
 *
 * with an API key, for a fixed time.  Every client_order_id is new, so
 * every request is a new order for heraldd: journaled durably, checked,
 * executed and journaled again before its answer.  It measures each
 * request from the first byte written to the last byte of the answer
 * read, and prints the rate and the latency percentiles.
 *
 * With -r it runs open-loop instead: the orders are sent at a fixed
 * rate, order k (over all connections) at start + k / rate, connection
 * i taking those with k mod conns == i, and each is measured from its
 * scheduled send time, not from when it was sent.  A connection still
 * waiting for an answer sends its next order late, and that order's
 * latency includes the wait: a stall of the server shows in the
 * percentiles with every order it delayed (no coordinated omission, as
 * in a closed loop, where a stalled server is simply sent less).
 *
 * usage: orders_load [-c conns] [-d seconds] [-w seconds] [-r rate]
 *	      [-k key] [-K keyfile] [-p prefix] [-s symbol] [-S side]
 *	      [-v volume] https://ADDRESS:PORT[/PATH]
 *	-c	connections, one thread each (default 16)
 *	-r	open loop: orders per second over all connections (paced);
 *		0 (default): each connection sends its next order as soon
 *		as it has the answer to the last
 *	-d	seconds measured (default 10)
 *	-w	seconds of warm-up before, not measured (default 1)
 *	-k	an API key (repeat for more)
 *	-K	a file of API keys, one a line
 *		Connection i uses key i mod the number of keys, so that a
 *		per-key order rate is shared out (trading.orders_per_minute).
 *	-p	prefix of the client_order_ids (default: from the pid and
 *		the time, so that two runs never repeat an id)
 *	-s	symbol (default EURUSD); -S side (default BUY); -v volume
 *		(default 0.01)
 *	PATH defaults to /trade.
 *
 * The server's certificate is not verified: the bench makes its own.
 * Output (latencies in milliseconds), lines the script reads by their
 * first word:
 *	answers N seconds S rate R p50 X p90 X p99 X max X
 *		every answer, whatever its status; with -r measured from
 *		the scheduled send time
 *	ok N rate R p50 X p90 X p99 X max X
 *		HTTP 200 answers only: the orders MT5 answered (any retcode)
 *	errors N reconnects N
 *		errors: transport failures (no answer)
 *	timeline N N ...
 *		answers in each measured second, to show a rate that
 *		drifts
 *	cpu N
 *		the client's own CPU time (user + system) per answer in
 *		microseconds, warm-up included: what the client takes from
 *		a machine it shares with the server
 *	class STATUS WHAT N example BODY
 *		answers by HTTP status and retcode (200) or error code
 *	paced RATE sent N late N
 *		with -r only: the rate asked for, the orders sent in the
 *		measured seconds, and how many of them went out more than
 *		1 ms after their scheduled time (a connection still
 *		waiting, or a client short of CPU)
 * Exit status 1 if there was a transport error (the first one is on
 * stderr), 0 otherwise; the statuses are for the caller to judge.
 */
#include <sys/resource.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "benchtls.h"

#define MAX_THREADS	1024
#define MAX_KEYS	1024
#define KEY_MAX		256
#define REQ_MAX		4096
#define RESP_MAX	(64 * 1024)
#define CLASS_MAX	32		/* distinct (status, what) per worker */
#define WHAT_MAX	48
#define EXAMPLE_MAX	160

struct class {
	int		 status;
	char		 what[WHAT_MAX];
	unsigned long	 n;
	char		 example[EXAMPLE_MAX];
};

struct worker {
	pthread_t	 tid;
	int		 id;
	const char	*key;
	struct bench_lat all, ok;
	struct class	 cls[CLASS_MAX];
	int		 ncls;
	unsigned long	 errors, reconnects, seq;
	unsigned long	 paced, late;	/* -r: sent measured, sent late */
	SSL		*ssl;
	int		 fd;
	char		*buf;		/* RESP_MAX + 1 */
	size_t		 have;		/* bytes of the next answer already read */
};

static SSL_CTX		*ctx;
static struct bench_url	 url;
static char		 prefix[40];
static const char	*symbol = "EURUSD", *side = "BUY";
static const char	*volume = "0.01";
static double		 t_start, t_measure, t_end;
static unsigned long	*timeline;	/* answers per second */
static size_t		 ntimeline;
static double		 rate;		/* -r: orders/s, 0 closed loop */
static int		 nconns;

static void
usage(void)
{
	fprintf(stderr, "usage: orders_load [-c conns] [-d seconds] "
	    "[-w seconds] [-r rate] [-k key] [-K keyfile] [-p prefix] "
	    "[-s symbol] [-S side] [-v volume] https://ADDRESS:PORT[/PATH]\n");
	exit(2);
}

/*
 * A transport failure: noted (the first one is kept) unless what is NULL
 * (bench_tls_connect noted it), counted if measuring.
 */
static void
fail(struct worker *w, const char *what)
{
	if (what != NULL)
		bench_fail(what);
	if (bench_now() >= t_measure)
		w->errors++;
}

static void
disconnect(struct worker *w)
{
	if (w->ssl != NULL) {
		SSL_shutdown(w->ssl);	/* our close_notify; no wait */
		SSL_free(w->ssl);
		w->ssl = NULL;
	}
	if (w->fd != -1) {
		close(w->fd);
		w->fd = -1;
	}
	w->have = 0;
}

static int
connect_tls(struct worker *w)
{
	if ((w->ssl = bench_tls_connect(ctx, &url, NULL, &w->fd)) == NULL) {
		fail(w, NULL);
		return -1;
	}
	return 0;
}

/* A JSON value after "name": in body, as a short printable string. */
static void
json_field(const char *body, const char *name, char *out, size_t outsz)
{
	char		 pat[64];
	const char	*p;
	size_t		 n = 0;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", name);
	if ((p = strstr(body, pat)) == NULL)
		return;
	p += strlen(pat);
	while (*p == ' ' || *p == '"')
		p++;
	while (*p != '\0' && *p != '"' && *p != ',' && *p != '}' &&
	    n + 1 < outsz)
		out[n++] = *p++;
	out[n] = '\0';
}

static void
classify(struct worker *w, int status, const char *body)
{
	struct class	*c;
	char		 v[WHAT_MAX - 10], what[WHAT_MAX], *q;
	int		 i;

	if (status == 200) {
		json_field(body, "retcode", v, sizeof(v));
		snprintf(what, sizeof(what), "retcode=%s", v[0] ? v : "?");
	} else {
		json_field(body, "code", v, sizeof(v));
		snprintf(what, sizeof(what), "code=%s", v[0] ? v : "?");
	}
	for (i = 0; i < w->ncls; i++)
		if (w->cls[i].status == status &&
		    strcmp(w->cls[i].what, what) == 0)
			break;
	if (i == w->ncls) {
		if (w->ncls == CLASS_MAX)
			i = CLASS_MAX - 1;	/* lumped into the last */
		else {
			c = &w->cls[w->ncls++];
			c->status = status;
			snprintf(c->what, sizeof(c->what), "%s", what);
			snprintf(c->example, sizeof(c->example), "%s", body);
			for (q = c->example; *q != '\0'; q++)
				if (*q == '\n' || *q == '\r')
					*q = ' ';
		}
	}
	w->cls[i].n++;
}

/*
 * Read one answer: the head up to the blank line, then exactly
 * Content-Length bytes.  Sets *status and *close_after; the body is
 * NUL-terminated in w->buf at *body.  0, or -1 on a transport error.
 */
static int
read_answer(struct worker *w, int *status, int *close_after, char **body)
{
	char	*hdr, *cl, *conn;
	size_t	 want = 0, headlen;
	int	 n;

	for (;;) {
		if (want == 0 && (hdr = strstr(w->buf, "\r\n\r\n")) != NULL) {
			headlen = hdr + 4 - w->buf;
			if (strncmp(w->buf, "HTTP/1.1 ", 9) != 0) {
				errno = 0;
				fail(w, "not an HTTP/1.1 answer");
				return -1;
			}
			*status = atoi(w->buf + 9);
			if ((cl = strcasestr(w->buf, "\r\ncontent-length:")) ==
			    NULL || cl > hdr) {
				errno = 0;
				fail(w, "answer without Content-Length");
				return -1;
			}
			want = headlen + strtoul(cl + 17, NULL, 10);
			if (want > RESP_MAX) {
				errno = 0;
				fail(w, "answer too large");
				return -1;
			}
			conn = strcasestr(w->buf, "\r\nconnection: close");
			*close_after = conn != NULL && conn < hdr;
			*body = w->buf + headlen;
		}
		if (want != 0 && w->have >= want)
			break;
		if (w->have == RESP_MAX) {
			errno = 0;
			fail(w, "answer head too large");
			return -1;
		}
		errno = 0;
		if ((n = SSL_read(w->ssl, w->buf + w->have,
		    RESP_MAX - w->have)) <= 0) {
			fail(w, "read");
			return -1;
		}
		w->have += n;
		w->buf[w->have] = '\0';
	}
	/* No pipelining: nothing may follow the answer. */
	if (w->have > want) {
		errno = 0;
		fail(w, "bytes after the answer");
		return -1;
	}
	w->buf[want] = '\0';
	w->have = 0;
	return 0;
}

/*
 * One order, measured from sched (its scheduled send time, open loop) or,
 * when sched is 0, from its first byte written.
 */
static void
one_order(struct worker *w, double sched)
{
	char	 req[REQ_MAX], body[512], *ans;
	double	 t0, t1;
	int	 blen, rlen, status = 0, close_after = 0;

	if (w->ssl == NULL) {
		if (connect_tls(w) == -1) {
			usleep(10000);	/* no busy loop on a refusing server */
			return;
		}
		if (w->seq != 0)
			w->reconnects++;
	}
	blen = snprintf(body, sizeof(body), "{\"symbol\":\"%s\",\"side\":"
	    "\"%s\",\"volume\":%s,\"client_order_id\":\"%s-%d-%lu\"}",
	    symbol, side, volume, prefix, w->id, w->seq++);
	rlen = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\n"
	    "Host: %s:%u\r\n"
	    "Authorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "\r\n%s", url.path, url.host, ntohs(url.addr.sin_port), w->key,
	    blen, body);
	if (rlen >= (int)sizeof(req)) {
		fprintf(stderr, "orders_load: request too long\n");
		exit(2);
	}
	t0 = bench_now();
	if (sched > 0) {
		if (sched >= t_measure) {
			w->paced++;
			if (t0 - sched > 0.001)
				w->late++;
		}
		t0 = sched;
	}
	errno = 0;
	if (SSL_write(w->ssl, req, rlen) != rlen) {
		fail(w, "write");
		disconnect(w);
		return;
	}
	w->buf[0] = '\0';
	if (read_answer(w, &status, &close_after, &ans) == -1) {
		disconnect(w);
		return;
	}
	t1 = bench_now();
	if (t0 >= t_measure) {
		if ((size_t)(t1 - t_measure) < ntimeline)
			__atomic_fetch_add(&timeline[(size_t)(t1 - t_measure)],
			    1, __ATOMIC_RELAXED);
		bench_lat_add(&w->all, t1 - t0);
		if (status == 200)
			bench_lat_add(&w->ok, t1 - t0);
		classify(w, status, ans);
	}
	if (close_after)
		disconnect(w);
}

/* Sleep until t (bench_now()'s clock); at once if it has passed. */
static void
sleep_until(double t)
{
	struct timespec	ts;
	double		d = t - bench_now();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	double		 sched;
	unsigned long	 k;

	w->fd = -1;
	w->buf = bench_xrealloc(NULL, RESP_MAX + 1);
	if (rate > 0) {
		/* Orders id, id + conns, ...: the whole rate, interleaved. */
		for (k = w->id;; k += nconns) {
			if ((sched = t_start + k / rate) >= t_end)
				break;
			sleep_until(sched);
			one_order(w, sched);
		}
	} else
		while (bench_now() < t_end)
			one_order(w, 0);
	disconnect(w);
	free(w->buf);
	return NULL;
}

static void
print_lat(struct bench_lat *l, double secs)
{
	bench_lat_sort(l);
	printf("rate %.1f p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
	    secs > 0 ? l->n / secs : 0.0, bench_lat_pct(l, 50),
	    bench_lat_pct(l, 90), bench_lat_pct(l, 99), bench_lat_pct(l, 100));
}

static int
add_key(char **keys, int nkeys, const char *k)
{
	size_t	n = strlen(k);

	if (n == 0)
		return nkeys;
	if (nkeys == MAX_KEYS || n >= KEY_MAX ||
	    strcspn(k, " \t\r\n") != n) {
		fprintf(stderr, "orders_load: bad or too many keys\n");
		exit(2);
	}
	if ((keys[nkeys] = strdup(k)) == NULL) {
		perror("orders_load: strdup");
		exit(1);
	}
	return nkeys + 1;
}

static int
read_keys(char **keys, int nkeys, const char *file)
{
	FILE	*f;
	char	 line[KEY_MAX + 2];

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "orders_load: %s: %s\n", file,
		    strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		nkeys = add_key(keys, nkeys, line);
	}
	fclose(f);
	return nkeys;
}

/* Classes of all workers added up, by (status, what). */
static void
print_classes(struct worker *w, int conns)
{
	struct class	 all[CLASS_MAX * 4];
	int		 n = 0, i, j, k;

	for (i = 0; i < conns; i++)
		for (j = 0; j < w[i].ncls; j++) {
			for (k = 0; k < n; k++)
				if (all[k].status == w[i].cls[j].status &&
				    strcmp(all[k].what, w[i].cls[j].what) == 0)
					break;
			if (k < n)
				all[k].n += w[i].cls[j].n;
			else if (n < (int)(sizeof(all) / sizeof(all[0])))
				all[n++] = w[i].cls[j];
			else
				all[n - 1].n += w[i].cls[j].n;	/* lumped */
		}
	for (k = 0; k < n; k++)
		printf("class %d %s %lu example %s\n", all[k].status,
		    all[k].what, all[k].n, all[k].example);
}

int
main(int argc, char *argv[])
{
	struct worker	*w;
	struct bench_lat all = { NULL, 0, 0 }, ok = { NULL, 0, 0 };
	struct rusage	 ru;
	char		*keys[MAX_KEYS];
	unsigned long	 errors = 0, reconnects = 0, sent = 0;
	unsigned long	 paced = 0, late = 0;
	double		 secs, duration = 10, warmup = 1;
	int		 ch, conns = 16, nkeys = 0, i;

	while ((ch = getopt(argc, argv, "c:d:k:K:p:r:s:S:v:w:")) != -1) {
		switch (ch) {
		case 'c':
			conns = atoi(optarg);
			if (conns < 1 || conns > MAX_THREADS)
				usage();
			break;
		case 'd':
			duration = atof(optarg);
			if (duration <= 0)
				usage();
			break;
		case 'k':
			nkeys = add_key(keys, nkeys, optarg);
			break;
		case 'K':
			nkeys = read_keys(keys, nkeys, optarg);
			break;
		case 'p':
			if (strlen(optarg) == 0 || strlen(optarg) >= 24 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
			    strlen(optarg))
				usage();
			snprintf(prefix, sizeof(prefix), "%s", optarg);
			break;
		case 'r':
			rate = atof(optarg);
			if (rate < 0)
				usage();
			break;
		case 's':
			symbol = optarg;
			break;
		case 'S':
			side = optarg;
			break;
		case 'v':
			volume = optarg;
			break;
		case 'w':
			warmup = atof(optarg);
			if (warmup < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || nkeys == 0)
		usage();
	if (bench_parse_url(&url, argv[optind], "/trade", "orders_load") == -1)
		usage();
	if (prefix[0] == '\0')
		snprintf(prefix, sizeof(prefix), "ol%lx%lx",
		    (unsigned long)getpid(), (unsigned long)time(NULL));
	signal(SIGPIPE, SIG_IGN);

	if ((ctx = bench_tls_ctx(0)) == NULL)
		return 1;

	ntimeline = (size_t)duration + 1;
	if ((timeline = calloc(ntimeline, sizeof(*timeline))) == NULL ||
	    (w = calloc(conns, sizeof(*w))) == NULL) {
		perror("orders_load: calloc");
		return 1;
	}
	t_start = bench_now();
	t_measure = t_start + warmup;
	t_end = t_measure + duration;
	nconns = conns;
	for (i = 0; i < conns; i++) {
		w[i].id = i;
		w[i].key = keys[i % nkeys];
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			perror("orders_load: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < conns; i++) {
		pthread_join(w[i].tid, NULL);
		bench_lat_merge(&all, &w[i].all);
		bench_lat_merge(&ok, &w[i].ok);
		errors += w[i].errors;
		reconnects += w[i].reconnects;
		sent += w[i].seq;
		paced += w[i].paced;
		late += w[i].late;
	}
	/* From the end of the warm-up to the last answer. */
	secs = bench_now() - t_measure;

	printf("orders_load %d connections %d keys %.1f s warm-up "
	    "prefix %s\n", conns, nkeys, warmup, prefix);
	printf("answers %zu seconds %.2f ", all.n, secs);
	print_lat(&all, secs);
	printf("ok %zu ", ok.n);
	print_lat(&ok, secs);
	printf("errors %lu reconnects %lu\n", errors, reconnects);
	printf("timeline");
	for (i = 0; i < (int)ntimeline; i++)
		printf(" %lu", timeline[i]);
	printf("\n");
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu %.0f\n", sent == 0 ? 0.0 :
	    ((double)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6) * 1e6 / sent);
	print_classes(w, conns);
	if (rate > 0)
		printf("paced %.1f sent %lu late %lu\n", rate, paced, late);
	if (errors != 0)
		fprintf(stderr, "orders_load: %lu transport errors; first: %s\n",
		    errors, bench_first_error());
	for (i = 0; i < conns; i++) {
		free(w[i].all.v);
		free(w[i].ok.v);
	}
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(all.v);
	free(ok.v);
	free(timeline);
	free(w);
	SSL_CTX_free(ctx);
	return errors != 0;
}
