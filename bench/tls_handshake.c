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
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_HEADERS	8
#define MAX_THREADS	1024
#define REQ_MAX		4096
#define RESP_MAX	(256 * 1024)

struct worker {
	pthread_t	 tid;
	uint32_t	*lat;		/* microseconds, one per request */
	size_t		 nlat, lat_cap;
	unsigned long	 errors, resumed;
};

static SSL_CTX			*ctx;
static struct sockaddr_in	 addr;
static char			 request[REQ_MAX];
static size_t			 request_len;
static double			 deadline;
static int			 resume;
static pthread_mutex_t		 err_lock = PTHREAD_MUTEX_INITIALIZER;
static char			 first_error[512];

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tls_handshake [-2] [-r] [-c conns] "
	    "[-d seconds] [-H header]... https://ADDRESS:PORT/PATH\n");
	exit(2);
}

/* Keep the first failure only: the rest are usually the same. */
static void
fail(struct worker *w, const char *what)
{
	unsigned long	e = ERR_peek_last_error();
	char		buf[256] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	w->errors++;
	pthread_mutex_lock(&err_lock);
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "%s%s%s%s%s", what,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "",
		    buf[0] != '\0' ? ": " : "", buf);
	pthread_mutex_unlock(&err_lock);
}

static void
record(struct worker *w, double seconds)
{
	uint32_t	*p;

	if (w->nlat == w->lat_cap) {
		w->lat_cap = w->lat_cap ? w->lat_cap * 2 : 4096;
		if ((p = realloc(w->lat, w->lat_cap * sizeof(*p))) == NULL) {
			perror("realloc");
			exit(1);
		}
		w->lat = p;
	}
	w->lat[w->nlat++] = (uint32_t)(seconds * 1e6);
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
	SSL	*ssl = NULL;
	double	 t0 = now();
	int	 fd, one = 1;

	errno = 0;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		fail(w, "socket");
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) {
		fail(w, "connect");
		goto out;
	}
	if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd)) {
		fail(w, "SSL_new");
		goto out;
	}
	if (resume && *sess != NULL)
		SSL_set_session(ssl, *sess);
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		fail(w, "handshake");
		goto out;
	}
	if (SSL_session_reused(ssl))
		w->resumed++;
	if (SSL_write(ssl, request, request_len) != (int)request_len) {
		fail(w, "write");
		goto out;
	}
	if (read_response(w, ssl, buf) == -1)
		goto out;
	record(w, now() - t0);
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

	if ((buf = malloc(RESP_MAX)) == NULL) {
		perror("malloc");
		exit(1);
	}
	while (now() < deadline)
		one_request(w, &sess, buf);
	SSL_SESSION_free(sess);
	free(buf);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (n - 1) + 0.5);
	return v[i] / 1000.0;
}

/* https://ADDRESS:PORT/PATH into addr and the request line. */
static void
parse_url(const char *url, char *host, size_t hostsz, char *path,
    size_t pathsz)
{
	const char	*p, *slash, *colon;
	unsigned long	 port;

	if (strncmp(url, "https://", 8) != 0)
		usage();
	p = url + 8;
	if ((slash = strchr(p, '/')) == NULL)
		slash = p + strlen(p);
	if ((colon = memchr(p, ':', slash - p)) == NULL ||
	    (size_t)(colon - p) >= hostsz)
		usage();
	memcpy(host, p, colon - p);
	host[colon - p] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	if (port == 0 || port > 65535)
		usage();
	snprintf(path, pathsz, "%s", *slash ? slash : "/");
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "tls_handshake: %s: a numeric IPv4 address "
		    "is needed\n", host);
		exit(2);
	}
}

int
main(int argc, char *argv[])
{
	struct worker	*w;
	const char	*headers[MAX_HEADERS];
	char		 host[64], path[1024];
	uint32_t	*all;
	size_t		 n, i, off;
	unsigned long	 errors = 0, resumed = 0;
	double		 start, secs, duration = 10;
	int		 ch, conns = 16, nheaders = 0, tls12 = 0, o;

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
	parse_url(argv[optind], host, sizeof(host), path, sizeof(path));

	o = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\n"
	    "Host: %s:%u\r\n", path, host, ntohs(addr.sin_port));
	for (i = 0; i < (size_t)nheaders; i++)
		o += snprintf(request + o, sizeof(request) - o, "%s\r\n",
		    headers[i]);
	o += snprintf(request + o, sizeof(request) - o,
	    "Connection: close\r\n\r\n");
	if (o >= (int)sizeof(request))
		usage();
	request_len = o;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    (tls12 && !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* Sessions are kept by hand (-r) or not at all. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

	if ((w = calloc(conns, sizeof(*w))) == NULL) {
		perror("calloc");
		return 1;
	}
	start = now();
	deadline = start + duration;
	for (i = 0; i < (size_t)conns; i++)
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (n = 0, i = 0; i < (size_t)conns; i++) {
		pthread_join(w[i].tid, NULL);
		n += w[i].nlat;
		errors += w[i].errors;
		resumed += w[i].resumed;
	}
	secs = now() - start;

	if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL) {
		perror("malloc");
		return 1;
	}
	for (off = 0, i = 0; i < (size_t)conns; i++) {
		if (w[i].nlat)
			memcpy(all + off, w[i].lat,
			    w[i].nlat * sizeof(*all));
		off += w[i].nlat;
		free(w[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	printf("requests %zu errors %lu resumed %lu seconds %.2f rps %.1f "
	    "p50 %.3f p75 %.3f p90 %.3f p99 %.3f max %.3f\n", n, errors,
	    resumed, secs, n / secs, pct(all, n, 50), pct(all, n, 75),
	    pct(all, n, 90), pct(all, n, 99), n ? all[n - 1] / 1000.0 : 0.0);
	if (errors != 0)
		fprintf(stderr, "tls_handshake: %lu failed; first: %s\n",
		    errors, first_error);
	free(all);
	free(w);
	SSL_CTX_free(ctx);
	return errors != 0;
}
