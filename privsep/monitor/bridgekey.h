/*
 * The monitor's side of the MT5 bridge (BRIDGE-PROTOCOL.md): the only
 * holder of the bridge key K (mt5.bridge.key_file) and of the session's
 * order key O.  It answers the EA's handshake through the broker, checks
 * the EA's account against mt5.login and mt5.server, hands the broker the
 * session key S, and tags each order that passed the risk rules, so a
 * broker taken over can delay or drop orders but not invent or alter one.
 */
#ifndef HERALD_BRIDGEKEY_H
#define HERALD_BRIDGEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"

/*
 * Start-up, as root: read K if its file exists (a missing file leaves
 * the bridge down and says so; a file with bad ownership, modes or
 * contents is an error).  0, or -1 with err.
 */
int	bridgekey_init(const struct herald_conf *, char *err, size_t errlen);
/* Why the bridge cannot come up ("" when K is there). */
const char *bridgekey_missing(void);

/*
 * A BRIDGE_* message from the broker (HELLO, AUTH, STATUS): answered
 * through monitor_send().  0, or -1 with why (the broker broke the IPC
 * rules).
 */
int	bridgekey_message(const struct ipc_msg *, const char **why);
/*
 * The connection as the broker last reported it (why says what is
 * missing when it is down): 0, or -1 with err when mt5.backend is not
 * bridge.
 */
int	bridgekey_status(struct msg_bridge_status *, char *err, size_t);

/* The EA's HELLO: fills the CHALLENGE (ok 0 with the ERROR reason). */
void	bridgekey_hello(const struct msg_bridge_hello *,
	    struct msg_bridge_answer *);
/* The EA's AUTH tag: fills the SESSION (S, or ok 0 with the reason). */
void	bridgekey_auth(const uint8_t *tag, struct msg_bridge_answer *);
/* The broker lost the EA: O is forgotten. */
void	bridgekey_end(void);

/*
 * The authorisation of write op (params as BROKER_REQ carries them)
 * under command id: 0 with out filled, or -1 when no session is up or
 * the op has no bridge form (the order then cannot execute).
 */
int	bridgekey_authorize(uint64_t command_id, uint8_t op,
	    const uint8_t *params, size_t params_len,
	    struct msg_bridge_order *out);

/*
 * heraldctl bridge key create (rotate 0: refuses an existing file) and
 * rotate: write a new K to mt5.bridge.key_file, put its 64 hex digits
 * in hex (65 bytes) and the file's path in path.  The current session
 * ends: the broker drops the EA.  0, or -1 with err.
 */
int	bridgekey_create(int rotate, char *hex, char *path, size_t pathlen,
	    char *err, size_t errlen);

#endif
