/*
 * heraldctl bridge key create|rotate and bridge status: the MT5 bridge's
 * key for the Expert Advisor, and whether the terminal is connected.
 * See heraldctl(8) and herald-bridge(7).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctlproto.h"
#include "heraldctl.h"

/* The new bridge key, once: on stdout for the EA's input or file. */
static int
bridge_key(struct ctx *cx, const char *cmd, int rotate, int argc,
    char **argv)
{
	static union ctl_payload req, rep;
	struct ctl_bridge_key	*k = &rep.bridge_key;

	no_args(cmd, argc, argv);
	memset(&req.bridge_key_req, 0, sizeof(req.bridge_key_req));
	req.bridge_key_req.rotate = (uint8_t)rotate;
	ctl_send_payload(cx, CTL_REQ_BRIDGE_KEY, &req, CTL_REP_BRIDGE_KEY,
	    &rep);
	if (cx->json)
		json_print(json_pack("{s:o, s:o}", "key", jstr(k->key),
		    "path", jstr(k->path)));
	else {
		printf("%s\n", k->key);
		if (fflush(stdout) == EOF)
			err(1, "stdout");
		fprintf(stderr, "bridge key %s in %s; give it to the EA (its "
		    "BridgeKey input, or herald_bridge.key in the terminal's "
		    "Files folder); it will not be shown again\n",
		    rotate ? "rotated" : "created", k->path);
	}
	explicit_bzero(k->key, sizeof(k->key));
	return 0;
}

int
cmd_bridge_key_create(struct ctx *cx, int argc, char **argv)
{
	return bridge_key(cx, "bridge key create", 0, argc, argv);
}

int
cmd_bridge_key_rotate(struct ctx *cx, int argc, char **argv)
{
	return bridge_key(cx, "bridge key rotate", 1, argc, argv);
}

int
cmd_bridge_status(struct ctx *cx, int argc, char **argv)
{
	static union ctl_payload req, rep;
	struct ctl_bridge	*b = &rep.bridge;
	char			 since[64], pong[64];

	no_args("bridge status", argc, argv);
	ctl_send_payload(cx, CTL_REQ_BRIDGE_STATUS, &req, CTL_REP_BRIDGE,
	    &rep);
	if (cx->json) {
		json_print(json_pack("{s:b, s:I, s:I, s:I, s:o, s:I, s:b, "
		    "s:b, s:o, s:o}", "connected", (int)b->connected,
		    "since_ms", (json_int_t)b->since,
		    "last_pong_ms", (json_int_t)b->last_pong,
		    "rtt_ms", (json_int_t)b->rtt_ms, "ea", jstr(b->ea),
		    "login", (json_int_t)b->login,
		    "trade_allowed", (int)b->trade_allowed,
		    "terminal_connected", (int)b->terminal_connected,
		    "why", jstr(b->why), "tls_sha256", jstr(b->tls_sha256)));
		return 0;
	}
	/* First: what the EA's CertSha256 input needs, up or down. */
	if (b->tls_sha256[0] != '\0')
		printf("TLS certificate SHA-256 %s (the EA's CertSha256)\n",
		    b->tls_sha256);
	fmt_when(since, sizeof(since), b->since / 1000, W_SECOND);
	if (!b->connected) {
		printf("bridge down%s%s: %s\n", b->since ? " since " : "",
		    b->since ? since : "", b->why);
		return 0;
	}
	fmt_when(pong, sizeof(pong), b->last_pong / 1000, W_SECOND);
	printf("bridge connected since %s\nEA %s, account %llu\n"
	    "terminal %s its trade server; trading %s\n"
	    "last ping answered %s, round trip %u ms\n", since, b->ea,
	    (unsigned long long)b->login, b->terminal_connected ?
	    "connected to" : "NOT connected to", b->trade_allowed ?
	    "allowed" : "NOT allowed (switch AutoTrading on in the terminal "
	    "and allow algorithmic trading in the EA's properties)",
	    b->last_pong ? pong : "never", b->rtt_ms);
	return 0;
}
