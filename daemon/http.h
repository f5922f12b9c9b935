/*
 * HTTP/1.1 in the net process: evhttp over bufferevent_openssl on the
 * listening sockets from the monitor, with a strict framing guard in
 * front of evhttp, the limits and timeouts of herald.yaml, per-source
 * connection and rate limits, the route table and the JSON bodies.
 *
 * Requests that need the monitor become MSG_API_REQ (with a request id);
 * the answer, MSG_API_RES, is handed back through http_api_result().
 */
#ifndef HERALD_HTTP_H
#define HERALD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "msg.h"

struct http_server;

/* How http.c sends a request to the monitor; 0 or -1. */
typedef int (*http_send_api_fn)(uint32_t id, const struct msg_api_req *);

struct http_server *http_start(struct event_base *, const int *fds,
	    size_t nfds, SSL_CTX *, const struct msg_net_config *,
	    http_send_api_fn);
/* New limits after a reload (existing connections keep theirs). */
void	http_set_config(struct http_server *, const struct msg_net_config *);
/* The monitor's answer to request id; unknown ids (closed clients) are dropped. */
void	http_api_result(struct http_server *, uint32_t id,
	    const struct msg_api_res *);
/* A source banned for seconds (0: lifted). */
void	http_ban(struct http_server *, const struct msg_ban *);
/* events.*: the limits of GET /v1/events streams (at start and reload). */
void	http_stream_config(struct http_server *,
	    const struct msg_stream_config *);
/* A durable event from the monitor: to every stream it is for. */
void	http_event(struct http_server *, const struct herald_event *);

#endif
