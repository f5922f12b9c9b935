/*
 * benchtls: what the TLS clients of bench/ share; see benchtls.h.
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

#include "benchtls.h"

static SSL	*bench_tls_connect_src(SSL_CTX *, const struct bench_url *,
	    SSL_SESSION *, const struct in_addr *, int *);

static pthread_mutex_t	err_lock = PTHREAD_MUTEX_INITIALIZER;
static char		first_error[512];

double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
bench_parse_url(struct bench_url *u, const char *url, const char *defpath,
    const char *prog)
{
	const char	*p, *slash, *colon;
	unsigned long	 port;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	p = url + 8;
	if ((slash = strchr(p, '/')) == NULL)
		slash = p + strlen(p);
	if ((colon = memchr(p, ':', slash - p)) == NULL ||
	    (size_t)(colon - p) >= sizeof(u->host))
		return -1;
	memcpy(u->host, p, colon - p);
	u->host[colon - p] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	if (port == 0 || port > 65535)
		return -1;
	snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : defpath);
	memset(&u->addr, 0, sizeof(u->addr));
	u->addr.sin_family = AF_INET;
	u->addr.sin_port = htons(port);
	if (inet_pton(AF_INET, u->host, &u->addr.sin_addr) != 1) {
		fprintf(stderr, "%s: %s: a numeric IPv4 address is needed\n",
		    prog, u->host);
		exit(2);
	}
	return 0;
}

SSL_CTX *
bench_tls_ctx(int tls12_only)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    (tls12_only &&
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

SSL *
bench_tls_connect(SSL_CTX *ctx, const struct bench_url *u, SSL_SESSION *sess,
    int *fdp)
{
	return bench_tls_connect_src(ctx, u, sess, NULL, fdp);
}

SSL *
bench_tls_connect_from(SSL_CTX *ctx, const struct bench_url *u,
    const struct in_addr *src, int *fdp)
{
	return bench_tls_connect_src(ctx, u, NULL, src, fdp);
}

static SSL *
bench_tls_connect_src(SSL_CTX *ctx, const struct bench_url *u,
    SSL_SESSION *sess, const struct in_addr *src, int *fdp)
{
	struct sockaddr_in	 sin;
	SSL			*ssl = NULL;
	int			 fd, one = 1;

	*fdp = -1;
	errno = 0;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		bench_fail("socket");
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src != NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = *src;
		if (bind(fd, (const struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			bench_fail("bind");
			goto bad;
		}
	}
	if (connect(fd, (const struct sockaddr *)&u->addr,
	    sizeof(u->addr)) == -1) {
		bench_fail("connect");
		goto bad;
	}
	if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd)) {
		bench_fail("SSL_new");
		goto bad;
	}
	if (sess != NULL)
		SSL_set_session(ssl, sess);
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		bench_fail("TLS handshake");
		goto bad;
	}
	*fdp = fd;
	return ssl;
 bad:
	SSL_free(ssl);
	close(fd);
	return NULL;
}

void
bench_fail(const char *what)
{
	unsigned long	e = ERR_peek_last_error();
	char		buf[256] = "";
	int		saved = errno;

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	pthread_mutex_lock(&err_lock);
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof(first_error), "%s%s%s%s%s", what,
		    saved != 0 ? ": " : "", saved != 0 ? strerror(saved) : "",
		    buf[0] != '\0' ? ": " : "", buf);
	pthread_mutex_unlock(&err_lock);
}

const char *
bench_first_error(void)
{
	return first_error;
}

void *
bench_xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		perror("realloc");
		exit(1);
	}
	return p;
}

void
bench_lat_add(struct bench_lat *l, double seconds)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8192;
		l->v = bench_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (uint32_t)(seconds * 1e6);
}

void
bench_lat_merge(struct bench_lat *to, const struct bench_lat *from)
{
	if (from->n == 0)
		return;
	to->v = bench_xrealloc(to->v, (to->n + from->n) * sizeof(*to->v));
	memcpy(to->v + to->n, from->v, from->n * sizeof(*to->v));
	to->n += from->n;
	to->cap = to->n;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
bench_lat_sort(struct bench_lat *l)
{
	if (l->n != 0)
		qsort(l->v, l->n, sizeof(*l->v), cmp_u32);
}

double
bench_lat_pct(const struct bench_lat *l, double p)
{
	size_t	i;

	if (l->n == 0)
		return 0;
	i = (size_t)(p / 100.0 * (l->n - 1) + 0.5);
	return l->v[i] / 1000.0;
}
