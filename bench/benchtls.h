/*
 * benchtls: what the TLS clients of bench/ (tls_handshake.c,
 * orders_load.c and idle_conns.c) share: the clock, the URL, the client
 * context, the connection and handshake, the first failure, memory, and
 * the latencies.
 * Compiled into each of them (bench/lib.sh's build_client).
 */
#ifndef BENCHTLS_H
#define BENCHTLS_H

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* https://ADDRESS:PORT[/PATH], split. */
struct bench_url {
	char			host[64];	/* ADDRESS */
	char			path[1024];	/* PATH, or the default */
	struct sockaddr_in	addr;
};

/* Latencies in microseconds, one per request, grown as needed. */
struct bench_lat {
	uint32_t	*v;
	size_t		 n, cap;
};

/* CLOCK_MONOTONIC in seconds. */
double	 bench_now(void);

/*
 * Parse url into u, with defpath when it has no path.  -1 if it is not
 * https://ADDRESS:PORT[/PATH] (the caller prints its usage); exits 2,
 * prog naming itself in the message, if ADDRESS is no numeric IPv4
 * address.
 */
int	 bench_parse_url(struct bench_url *u, const char *url,
	    const char *defpath, const char *prog);

/*
 * A client context, TLS 1.2 at least (and at most with tls12_only),
 * that does not verify the server's certificate: the bench makes its
 * own.  NULL, with OpenSSL's errors on stderr, on failure.
 */
SSL_CTX	*bench_tls_ctx(int tls12_only);

/*
 * A TCP connection (TCP_NODELAY) to u->addr and a TLS handshake on it,
 * offering sess if not NULL.  The SSL, with its socket in *fdp; or NULL,
 * *fdp -1 and the failure noted (bench_fail) for the caller to count.
 */
SSL	*bench_tls_connect(SSL_CTX *ctx, const struct bench_url *u,
	    SSL_SESSION *sess, int *fdp);
/* The same from the local address src (no session offered). */
SSL	*bench_tls_connect_from(SSL_CTX *ctx, const struct bench_url *u,
	    const struct in_addr *src, int *fdp);

/*
 * Note a failure of what, with errno (as it is on entry) and OpenSSL's
 * last error, which it clears.  Only the first one's text is kept (the
 * rest are usually the same): bench_first_error.  Thread-safe.
 */
void	 bench_fail(const char *what);
const char *bench_first_error(void);

/* realloc(p, n), or exit 1 if out of memory. */
void	*bench_xrealloc(void *p, size_t n);

/* One latency; exits if out of memory. */
void	 bench_lat_add(struct bench_lat *l, double seconds);
/* from's latencies added to to's. */
void	 bench_lat_merge(struct bench_lat *to, const struct bench_lat *from);
/* Sort them, for bench_lat_pct. */
void	 bench_lat_sort(struct bench_lat *l);
/* The p-th percentile of sorted latencies in milliseconds (100: the
 * largest), 0 if there are none. */
double	 bench_lat_pct(const struct bench_lat *l, double p);

#endif
