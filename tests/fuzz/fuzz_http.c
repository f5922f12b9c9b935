/*
 * libFuzzer harness for the HTTP request path of the net process: bytes
 * through the framing guard as a client would send them (several requests
 * back to back), then, for each head the guard lets through, the route
 * table, the authentication headers and the body validator, as http.c
 * calls them.
 *
 * GET /v1/events takes its Last-Event-ID header through
 * rpc_last_event_id(): an id it accepts prints back as the header's text.
 *
 * Checks: the guard gives the same verdicts whatever the read sizes (the
 * first input byte picks them); a passed head ends in CRLF CRLF and holds
 * no NUL, bare CR or bare LF; a refusal carries a known status, a code and
 * a message; what the validators accept encodes to parameters that
 * decode again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "rpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_EVENTS	64

static const struct guard_limits lim = {
	.request_line = 512,
	.header_bytes = 2048,
	.header_count = 16,
	.body_bytes = 4096,
};

struct event {
	enum guard_verdict	 v;
	size_t			 end;		/* offset after the verdict */
	uint64_t		 body_len;
	int			 status;
};

/* Run the guard over data, chunk bytes at a time; body bytes skipped. */
static size_t
run(const uint8_t *data, size_t size, size_t chunk, struct event *ev)
{
	struct guard		 g;
	enum guard_verdict	 v;
	size_t			 off = 0, n, used, nev = 0;

	guard_init(&g, &lim);
	while (off < size && nev < MAX_EVENTS) {
		n = size - off < chunk ? size - off : chunk;
		v = guard_feed(&g, data + off, n, &used);
		if (used > n || (v == GUARD_MORE && used != n) ||
		    (v != GUARD_MORE && used == 0))
			abort();
		off += used;
		if (v == GUARD_MORE)
			continue;
		ev[nev].v = v;
		ev[nev].end = off;
		ev[nev].body_len = v == GUARD_HEAD ? g.body_len : 0;
		ev[nev].status = v == GUARD_REFUSE ? g.status : 0;
		if (v == GUARD_REFUSE && (g.code == NULL || g.message[0] == '\0'))
			abort();
		nev++;
		if (v == GUARD_REFUSE)
			break;
		if (g.body_len > lim.body_bytes)
			abort();
		off += g.body_len < size - off ? (size_t)g.body_len : size - off;
		guard_reset(&g);
	}
	return nev;
}

static int
known_status(int s)
{
	return s == 400 || s == 411 || s == 413 || s == 414 || s == 417 ||
	    s == 431 || s == 501;
}

/*
 * The first header called name (with its colon) in the NUL-terminated
 * head text, trimmed, into hdr; NULL if there is none.
 */
static const char *
find_header(const char *text, const char *name, char *hdr, size_t hdrsz)
{
	const char	*p;
	size_t		 n, len = strlen(name);

	for (p = text; (p = strstr(p, "\r\n")) != NULL; p += 2) {
		if (strncasecmp(p + 2, name, len) != 0)
			continue;
		p += 2 + len;
		while (*p == ' ' || *p == '\t')
			p++;
		for (n = 0; p[n] != '\r' && n < hdrsz - 1; n++)
			hdr[n] = p[n];
		while (n > 0 && (hdr[n - 1] == ' ' || hdr[n - 1] == '\t'))
			n--;
		hdr[n] = '\0';
		return hdr;
	}
	return NULL;
}

/* What http.c does with Last-Event-ID. */
static void
last_event_id(const char *text, struct rpc_call *call)
{
	struct rpc_error	 err;
	char			 hdr[600], back[32];
	const char		*v;

	v = find_header(text, "Last-Event-ID:", hdr, sizeof(hdr));
	if (rpc_last_event_id(v, &call->p.after, &err) == -1) {
		if (err.status != 400 || call->p.after != UINT64_MAX)
			abort();
		return;
	}
	if (v == NULL || v[0] == '\0') {
		if (call->p.after != UINT64_MAX)
			abort();
		return;
	}
	snprintf(back, sizeof(back), "%llu", (unsigned long long)call->p.after);
	if (strcmp(back, v) != 0 || call->p.after > INT64_MAX)
		abort();
}

/* A head the guard passed: clean framing, then what http.c does. */
static void
request(const uint8_t *head, size_t hlen, const uint8_t *body, size_t blen)
{
	struct rpc_call		 call;
	struct rpc_error	 err;
	struct rpc_params	 back;
	uint8_t			 params[API_PARAMS_MAX];
	char			 method[32], target[600], hdr[600];
	char			 text[4096];
	const char		*key, *why, *sp1, *sp2, *auth;
	size_t			 i, keylen, n;

	if (hlen < 4 || memcmp(head + hlen - 4, "\r\n\r\n", 4) != 0)
		abort();
	for (i = 0; i < hlen; i++) {
		if (head[i] == '\0' ||
		    (head[i] == '\r' && head[i + 1] != '\n') ||
		    (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')))
			abort();
	}
	sp1 = memchr(head, ' ', hlen);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', hlen - (size_t)(sp1 + 1 -
	    (const char *)head)) : NULL;
	if (sp1 == NULL || sp2 == NULL || (size_t)(sp1 - (const char *)head) >=
	    sizeof(method) || (size_t)(sp2 - sp1 - 1) >= sizeof(target))
		abort();
	memcpy(method, head, (size_t)(sp1 - (const char *)head));
	method[sp1 - (const char *)head] = '\0';
	memcpy(target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	target[sp2 - sp1 - 1] = '\0';
	if (target[0] != '/')
		abort();

	/* The first Authorization header, as evhttp_find_header finds it. */
	if (hlen >= sizeof(text))
		abort();		/* the limits keep heads smaller */
	memcpy(text, head, hlen);
	text[hlen] = '\0';
	auth = find_header(text, "Authorization:", hdr, sizeof(hdr));
	(void)rpc_auth(auth, NULL, &key, &keylen, &err);

	if (rpc_route(method, target, &call, &err) == -1) {
		if (err.status != 404 && err.status != 405 && err.status != 400)
			abort();
		return;
	}
	if (call.p.op == OP_EVENTS)
		last_event_id(text, &call);
	if (rpc_body(&call, "application/json", body, blen, &err) == -1)
		return;
	if ((n = rpc_params_encode(&call.p, params, sizeof(params))) ==
	    (size_t)-1)
		abort();
	if (!call.local && rpc_params_decode(call.p.op, params, n, &back,
	    &why) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event	 whole[MAX_EVENTS], split[MAX_EVENTS];
	size_t		 nw, ns, i, start = 0, blen;
	size_t		 chunk;

	if (size < 1)
		return 0;
	chunk = 1 + data[0] % 17;
	data++;
	size--;
	nw = run(data, size, size ? size : 1, whole);
	ns = run(data, size, chunk, split);
	if (nw != ns)
		abort();
	for (i = 0; i < nw; i++) {
		if (whole[i].v != split[i].v || whole[i].end != split[i].end ||
		    whole[i].body_len != split[i].body_len ||
		    whole[i].status != split[i].status)
			abort();
		if (whole[i].v == GUARD_REFUSE) {
			if (!known_status(whole[i].status))
				abort();
			break;
		}
		blen = whole[i].body_len;
		if (blen > size - whole[i].end)
			blen = size - whole[i].end;
		request(data + start, whole[i].end - start,
		    data + whole[i].end, blen);
		start = whole[i].end + blen;
	}
	return 0;
}
