/*
 * tls_handshake: the client bench/tls_vs_nginx.sh uses to measure one
 * full TLS handshake per request.
 *
 * wrk reconnects after "Connection: close", but it keeps the TLS session
 * of the old connection and offers it again, so against a server with a
 * session cache (heraldd has one, and so has the nginx of the bench) its
 * "new connections" are resumptions that skip the server's signature:
 * exactly the private-key operation heraldd sends to its monitor.  This
 * client gives every connection a fresh SSL with nothing to resume, sends
 * one request, reads the whole answer and closes.
 *
 * usage: tls_handshake [-2] [-r] [-c conns] [-d seconds] [-H header]...
 *	      https://ADDRESS:PORT/PATH
 *	-2	TLS 1.2 only (default: 1.2 or 1.3, whatever the server picks)
 *	-r	offer the previous session, as wrk does (for comparison)
 *	-c	connections in flight at once, one thread each (default 16)
 *	-d	seconds to run (default 10)
 *	-H	a request header line, e.g. "Authorization: Bearer KEY"
 *
 * The server's certificate is not verified: the bench makes its own.
 * Output, one line (latencies in milliseconds, connect to last byte):
 *	requests N errors N resumed N seconds S rps R p50 X p75 X p90 X
 *	p99 X max X
 * Exit status 1 if a request failed (the first error is on stderr).
 */
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "benchtls.h"

#define MAX_HEADERS	8
#define MAX_THREADS	1024
#define REQ_MAX		4096
#define RESP_MAX	(256 * 1024)

struct worker {
	pthread_t		 tid;
	struct bench_lat	 lat;	/* one per request */
	unsigned long		 errors, resumed;
};

static SSL_CTX		*ctx;
static struct bench_url	 url;
static char		 request[REQ_MAX];
static size_t		 request_len;
static double		 deadline;
static int		 resume;

static void
usage(void)
{
	fprintf(stderr, "usage: tls_handshake [-2] [-r] [-c conns] "
	    "[-d seconds] [-H header]... https://ADDRESS:PORT/PATH\n");
	exit(2);
}

/* A failed request: counted, and noted (the first one is kept). */
static void
fail(struct worker *w, const char *what)
{
	bench_fail(what);
	w->errors++;
}

/*
 * Read one response: the head up to the blank line, then exactly
 * Content-Length bytes.  Returns 0 for a 200, -1 otherwise.
 */
static int
read_response(struct worker *w, SSL *ssl, char *buf)
{
	const char	*hdr, *cl;
	size_t		 len = 0, want = 0;
	int		 n;

	for (;;) {
		if (len == RESP_MAX) {
			fail(w, "response too large");
			return -1;
		}
		errno = 0;
		if ((n = SSL_read(ssl, buf + len, RESP_MAX - 1 - len)) <= 0) {
			fail(w, "read");
			return -1;
		}
		len += n;
		buf[len] = '\0';
		if (want == 0 && (hdr = strstr(buf, "\r\n\r\n")) != NULL) {
			if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0) {
				errno = 0;
				fail(w, "status other than 200");
				return -1;
			}
			if ((cl = strcasestr(buf, "\r\ncontent-length:")) ==
			    NULL || cl > hdr) {
				errno = 0;
				fail(w, "no Content-Length");
				return -1;
			}
			want = (hdr + 4 - buf) + strtoul(cl + 17, NULL, 10);
		}
		if (want != 0 && len >= want)
			return 0;
	}
}

static void
one_request(struct worker *w, SSL_SESSION **sess, char *buf)
{
	SSL	*ssl;
	double	 t0 = bench_now();
	int	 fd;

	if ((ssl = bench_tls_connect(ctx, &url, resume ? *sess : NULL,
	    &fd)) == NULL) {
		w->errors++;	/* noted by bench_tls_connect */
		return;
	}
	if (SSL_session_reused(ssl))
		w->resumed++;
	if (SSL_write(ssl, request, request_len) != (int)request_len) {
		fail(w, "write");
		goto out;
	}
	if (read_response(w, ssl, buf) == -1)
		goto out;
	bench_lat_add(&w->lat, bench_now() - t0);
	if (resume) {
		SSL_SESSION_free(*sess);
		*sess = SSL_get1_session(ssl);
	}
	SSL_shutdown(ssl);	/* our close_notify; no wait for theirs */
 out:
	SSL_free(ssl);
	close(fd);
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	SSL_SESSION	*sess = NULL;
	char		*buf;

	buf = bench_xrealloc(NULL, RESP_MAX);
	while (bench_now() < deadline)
		one_request(w, &sess, buf);
	SSL_SESSION_free(sess);
	free(buf);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct worker		*w;
	const char		*headers[MAX_HEADERS];
	struct bench_lat	 all = { NULL, 0, 0 };
	size_t			 n, i;
	unsigned long		 errors = 0, resumed = 0;
	double			 start, secs, duration = 10;
	int			 ch, conns = 16, nheaders = 0, tls12 = 0, o;

	while ((ch = getopt(argc, argv, "2c:d:H:r")) != -1) {
		switch (ch) {
		case '2':
			tls12 = 1;
			break;
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
		case 'H':
			if (nheaders == MAX_HEADERS)
				usage();
			headers[nheaders++] = optarg;
			break;
		case 'r':
			resume = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (bench_parse_url(&url, argv[optind], "/", "tls_handshake") == -1)
		usage();

	o = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\n"
	    "Host: %s:%u\r\n", url.path, url.host, ntohs(url.addr.sin_port));
	for (i = 0; i < (size_t)nheaders; i++)
		o += snprintf(request + o, sizeof(request) - o, "%s\r\n",
		    headers[i]);
	o += snprintf(request + o, sizeof(request) - o,
	    "Connection: close\r\n\r\n");
	if (o >= (int)sizeof(request))
		usage();
	request_len = o;

	if ((ctx = bench_tls_ctx(tls12)) == NULL)
		return 1;
	/* Sessions are kept by hand (-r) or not at all. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

	if ((w = calloc(conns, sizeof(*w))) == NULL) {
		perror("calloc");
		return 1;
	}
	start = bench_now();
	deadline = start + duration;
	for (i = 0; i < (size_t)conns; i++)
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (i = 0; i < (size_t)conns; i++) {
		pthread_join(w[i].tid, NULL);
		errors += w[i].errors;
		resumed += w[i].resumed;
	}
	secs = bench_now() - start;

	for (i = 0; i < (size_t)conns; i++) {
		bench_lat_merge(&all, &w[i].lat);
		free(w[i].lat.v);
	}
	bench_lat_sort(&all);
	n = all.n;
	printf("requests %zu errors %lu resumed %lu seconds %.2f rps %.1f "
	    "p50 %.3f p75 %.3f p90 %.3f p99 %.3f max %.3f\n", n, errors,
	    resumed, secs, n / secs, bench_lat_pct(&all, 50),
	    bench_lat_pct(&all, 75), bench_lat_pct(&all, 90),
	    bench_lat_pct(&all, 99), bench_lat_pct(&all, 100));
	if (errors != 0)
		fprintf(stderr, "tls_handshake: %lu failed; first: %s\n",
		    errors, bench_first_error());
	free(all.v);
	free(w);
	SSL_CTX_free(ctx);
	return errors != 0;
}
