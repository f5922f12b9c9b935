/*
 * The control socket's MT5 bridge requests.  See control_int.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bridgekey.h"
#include "bridgetls.h"
#include "control_int.h"
#include "log.h"

/*
 * bridge key create|rotate: a new bridge key K in mt5.bridge.key_file,
 * sent to heraldctl once for the EA, then wiped here.
 */
int
ctl_do_bridge_key(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload	 rep;
	struct ctl_bridge_key		*k = &rep.bridge_key;
	const char			*what = pl->bridge_key_req.rotate ?
					    "rotate" : "create";
	char				 err[CTL_STR_MAX];
	int				 rv;

	memset(k, 0, sizeof(*k));
	if (bridgekey_create(pl->bridge_key_req.rotate, k->key, k->path,
	    sizeof(k->path), err, sizeof(err)) == -1) {
		log_warnx("control: bridge key %s by uid %u refused: %s", what,
		    (unsigned int)c->uid, err);
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	}
	log_security("control: bridge key %s by uid %u pid %d", what,
	    (unsigned int)c->uid, (int)c->pid);
	ctl_audit(c, pl->bridge_key_req.rotate ? "bridge.key_rotate" :
	    "bridge.key_create", NULL, json_pack("{s:s}", "file", k->path));
	rv = ctl_reply(c, CTL_REP_BRIDGE_KEY, &rep);
	explicit_bzero(k, sizeof(*k));
	return rv;
}

int
ctl_do_bridge_status(struct ctl_conn *c, const union ctl_payload *pl)
{
	static union ctl_payload	 rep;
	struct msg_bridge_status	 st;
	struct ctl_bridge		*b = &rep.bridge;
	char				 err[CTL_STR_MAX];

	if (bridgekey_status(&st, err, sizeof(err)) == -1)
		return ctl_send_msg(c->fd, c->pid, CTL_REP_ERROR, err);
	memset(b, 0, sizeof(*b));
	b->connected = st.connected;
	b->trade_allowed = st.trade_allowed;
	b->terminal_connected = st.terminal_connected;
	b->since = st.since > 0 ? (uint64_t)st.since : 0;
	b->last_pong = st.last_pong > 0 ? (uint64_t)st.last_pong : 0;
	b->rtt_ms = st.rtt_ms;
	b->login = st.login;
	strlcpy(b->ea, st.ea, sizeof(b->ea));
	strlcpy(b->why, st.why, sizeof(b->why));
	strlcpy(b->tls_sha256, bridgetls_fingerprint(), sizeof(b->tls_sha256));
	return ctl_reply(c, CTL_REP_BRIDGE, &rep);
}
