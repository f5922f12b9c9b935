/*
 * idle_conns: the client bench/idle_vs_nginx.sh uses to hold many idle
 * TLS connections open on a server, so that the server's memory per
 * connection can be read from its RSS.
 *
 * It opens the connections one after another: TCP, a full TLS handshake
 * and, unless -n, one keep-alive request whose whole answer it reads, so
 * that each connection is left as a client between two requests leaves
 * it.  Then it prints one line, waits for a line (or EOF) on its
 * standard input, counts the connections the server has not closed
 * meanwhile, prints that and exits, closing them all.
 *
 * usage: idle_conns [-n] [-c conns] [-b addr[,addr...]] [-H header]...
 *	      https://ADDRESS:PORT/PATH
 *	-n	no request: only the handshake (idle before the first request)
 *	-c	connections to open (default 1000)
 *	-b	source addresses to bind to, taken in turn (e.g. 127.0.0.2,
 *		127.0.0.3: loopback addresses other than 127.0.0.1)
 *	-H	a request header line, e.g. "Authorization: Bearer KEY"
 *
 * The server's certificate is not verified: the bench makes its own.
 * Output:
 *	open N errors N seconds S	(once all are open: then send a line)
 *	alive N				(after the line: still open)
 * Exit status 1 if a connection failed (the first error is on stderr).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "benchtls.h"

#define MAX_HEADERS	8
#define MAX_SOURCES	64
#define REQ_MAX		4096
#define RESP_MAX	(64 * 1024)

struct idle {
	SSL	*ssl;
	int	 fd;
};

static char	 request[REQ_MAX];
static size_t	 request_len;

static void
usage(void)
{
	fprintf(stderr, "usage: idle_conns [-n] [-c conns] [-b addr[,addr...]] "
	    "[-H header]... https://ADDRESS:PORT/PATH\n");
	exit(2);
}

/* Enough descriptors for n connections, or exit. */
static void
fd_room(size_t n)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("getrlimit");
		exit(1);
	}
	if (rl.rlim_cur >= n + 16)
		return;
	rl.rlim_cur = n + 16;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		fprintf(stderr, "idle_conns: RLIMIT_NOFILE %zu: %s\n", n + 16,
		    strerror(errno));
		exit(1);
	}
}

/* The source addresses of -b, comma-separated. */
static size_t
parse_sources(char *arg, struct in_addr *src)
{
	char	*p;
	size_t	 n = 0;

	while ((p = strsep(&arg, ",")) != NULL) {
		if (*p == '\0')
			continue;
		if (n == MAX_SOURCES || inet_pton(AF_INET, p, &src[n]) != 1) {
			fprintf(stderr, "idle_conns: -b %s: at most %d IPv4 "
			    "addresses\n", p, MAX_SOURCES);
			exit(2);
		}
		n++;
	}
	return n;
}

/* One request and its whole answer (Content-Length framed): 0 or -1. */
static int
one_request(SSL *ssl)
{
	static char	 buf[RESP_MAX];
	size_t		 have = 0, need = 0;
	char		*end, *cl;
	int		 r;

	if (SSL_write(ssl, request, (int)request_len) != (int)request_len) {
		bench_fail("write");
		return -1;
	}
	for (;;) {
		if (have == sizeof(buf) - 1) {
			bench_fail("answer too large");
			return -1;
		}
		if ((r = SSL_read(ssl, buf + have,
		    (int)(sizeof(buf) - 1 - have))) <= 0) {
			bench_fail("read");
			return -1;
		}
		have += (size_t)r;
		buf[have] = '\0';
		if (need == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
				bench_fail("answer other than 200");
				return -1;
			}
			*end = '\0';
			cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) +
			    (cl != NULL ? strtoul(cl + 17, NULL, 10) : 0);
			*end = '\r';
		}
		if (need != 0 && have >= need)
			return 0;
	}
}

/* Still open: nothing to read, no EOF, no error. */
static int
alive(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN | POLLRDHUP, 0 };

	return poll(&pfd, 1, 0) == 0;
}

int
main(int argc, char *argv[])
{
	struct bench_url	 url;
	struct in_addr		 src[MAX_SOURCES];
	struct idle		*c;
	const char		*headers[MAX_HEADERS];
	SSL_CTX			*ctx;
	size_t			 nsrc = 0, nhdr = 0, n = 1000, i, open = 0;
	size_t			 errors = 0, live = 0;
	double			 t0;
	char			 line[64];
	int			 ch, norequest = 0;

	while ((ch = getopt(argc, argv, "b:c:H:n")) != -1) {
		switch (ch) {
		case 'b':
			nsrc = parse_sources(optarg, src);
			break;
		case 'c':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			if (nhdr == MAX_HEADERS)
				usage();
			headers[nhdr++] = optarg;
			break;
		case 'n':
			norequest = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || n == 0 ||
	    bench_parse_url(&url, argv[optind], "/healthz", "idle_conns") == -1)
		usage();
	request_len = (size_t)snprintf(request, sizeof(request),
	    "GET %s HTTP/1.1\r\nHost: %s\r\n", url.path, url.host);
	for (i = 0; i < nhdr; i++)
		request_len += (size_t)snprintf(request + request_len,
		    sizeof(request) - request_len, "%s\r\n", headers[i]);
	request_len += (size_t)snprintf(request + request_len,
	    sizeof(request) - request_len, "\r\n");
	if (request_len >= sizeof(request)) {
		fprintf(stderr, "idle_conns: request too long\n");
		return 2;
	}
	fd_room(n);
	if ((ctx = bench_tls_ctx(0)) == NULL)
		return 1;
	/* The client's own memory is not measured, but 10k SSLs add up. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	c = bench_xrealloc(NULL, n * sizeof(*c));

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		c[open].ssl = bench_tls_connect_from(ctx, &url,
		    nsrc > 0 ? &src[i % nsrc] : NULL, &c[open].fd);
		if (c[open].ssl == NULL) {
			errors++;
			continue;
		}
		if (!norequest && one_request(c[open].ssl) == -1) {
			SSL_free(c[open].ssl);
			close(c[open].fd);
			errors++;
			continue;
		}
		open++;
	}
	printf("open %zu errors %zu seconds %.1f\n", open, errors,
	    bench_now() - t0);
	fflush(stdout);
	if (errors > 0)
		fprintf(stderr, "idle_conns: first error: %s\n",
		    bench_first_error());

	(void)fgets(line, sizeof(line), stdin);
	for (i = 0; i < open; i++)
		live += alive(c[i].fd);
	printf("alive %zu\n", live);
	fflush(stdout);
	for (i = 0; i < open; i++) {
		SSL_free(c[i].ssl);
		close(c[i].fd);
	}
	free(c);
	SSL_CTX_free(ctx);
	return errors > 0;
}
