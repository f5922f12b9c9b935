/*
 * The monitor's side of the MT5 bridge.  See bridgekey.h.
 *
 * K is read from mt5.bridge.key_file (64 hex digits and a newline, owned
 * by root, mode 0600 or stricter) into locked memory.  One handshake and
 * one session at a time: a new HELLO forgets the nonces of the last, a
 * successful AUTH replaces O.  Nothing here parses bytes from the
 * network: the broker decoded the EA's frames and sends fixed fields.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "api.h"
#include "audit.h"
#include "bridge.h"
#include "bridgekey.h"
#include "keyfile.h"
#include "log.h"
#include "monitor.h"
#include "mt5.h"
#include "params.h"
#include "secmem.h"
#include "trading.h"

static struct {
	int			 on;		/* mt5.backend is bridge */
	char			 login[32];	/* mt5.login, mt5.server */
	char			 server[128];
	char			 path[PATH_MAX];	/* mt5.bridge.key_file */
	struct secret		*k;		/* NULL: no key file yet */
	char			 missing[API_STR_MAX];
	int			 challenged;	/* nonces below are live */
	uint8_t			 nonce_e[BRIDGE_KEY_LEN];
	uint8_t			 nonce_b[BRIDGE_KEY_LEN];
	struct secret		*o;		/* NULL: no session */
	struct msg_bridge_status st;		/* the broker's last word */
	struct msg_bridge_hello	 hello;		/* of the challenge */
} bk;

/* A connect or refusal of the EA in the audit trail. */
static void
bridge_audit(const char *type, const struct msg_bridge_hello *h,
    const char *reason)
{
	json_t	*d;

	d = json_pack("{s:s, s:I, s:s}", "ea", h->ea, "login",
	    (json_int_t)h->login, "server", h->server);
	if (d != NULL && reason != NULL)
		json_object_set_new(d, "reason", json_string(reason));
	(void)audit_event(type, "ea", NULL, "bridge", d);
}

static void
set_missing(const char *path)
{
	snprintf(bk.missing, sizeof(bk.missing), "the bridge key file %.150s "
	    "does not exist yet; create it with heraldctl bridge key create",
	    path);
}

/* Read K from path: 0 (bk.k set), 1 if the file is missing, -1 with err. */
static int
read_key(const char *path, char *err, size_t errlen)
{
	uint8_t		 k[BRIDGE_KEY_LEN];
	int		 r;

	if ((r = keyfile_read("mt5.bridge.key_file", path, k, err,
	    errlen)) != 0) {
		if (r == -1 && strstr(err, "hex digits") != NULL)
			strlcat(err, " (heraldctl bridge key create writes "
			    "one)", errlen);
		return r;
	}
	secret_free(bk.k);
	bk.k = secret_new(k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	bk.missing[0] = '\0';
	return 0;
}

int
bridgekey_init(const struct herald_conf *conf, char *err, size_t errlen)
{
	int	r;

	/* Copies: a reload replaces the configuration, not these. */
	bk.on = conf->mt5.backend == BACKEND_BRIDGE;
	strlcpy(bk.login, conf->mt5.login, sizeof(bk.login));
	strlcpy(bk.server, conf->mt5.server, sizeof(bk.server));
	strlcpy(bk.path, conf->mt5.bridge.key_file, sizeof(bk.path));
	if (!bk.on)
		return 0;
	if ((r = read_key(bk.path, err, errlen)) == -1)
		return -1;
	if (r == 1) {
		set_missing(bk.path);
		log_warnx("bridge: %s", bk.missing);
	}
	return 0;
}

const char *
bridgekey_missing(void)
{
	return bk.missing;
}

void
bridgekey_end(void)
{
	secret_free(bk.o);
	bk.o = NULL;
	bk.challenged = 0;
}

static void
refuse(struct msg_bridge_answer *a, const char *reason)
{
	memset(a, 0, sizeof(*a));
	strlcpy(a->reason, reason, sizeof(a->reason));
}

void
bridgekey_hello(const struct msg_bridge_hello *h,
    struct msg_bridge_answer *a)
{
	char	login[32];

	bk.challenged = 0;
	if (bk.k == NULL) {
		log_warnx("bridge: an EA connected, but %s", bk.missing);
		bridge_audit("bridge.refused", h, "no_key");
		refuse(a, "no_key");
		return;
	}
	snprintf(login, sizeof(login), "%" PRIu64, h->login);
	if (strcmp(login, bk.login) != 0 || strcmp(h->server,
	    bk.server) != 0) {
		log_security("bridge: the EA reports account %s on server "
		    "\"%s\", but mt5.login is %s and mt5.server \"%s\"; "
		    "refused", login, h->server, bk.login, bk.server);
		bridge_audit("bridge.refused", h, "account_mismatch");
		refuse(a, "account_mismatch");
		return;
	}
	if (RAND_bytes(bk.nonce_b, sizeof(bk.nonce_b)) != 1)
		fatalx("bridge: RAND_bytes failed");
	memcpy(bk.nonce_e, h->nonce, sizeof(bk.nonce_e));
	memset(a, 0, sizeof(*a));
	a->ok = 1;
	memcpy(a->nonce, bk.nonce_b, sizeof(a->nonce));
	bridge_kdf((const uint8_t *)bk.k->buf, "broker", bk.nonce_e,
	    bk.nonce_b, a->tag);
	bk.challenged = 1;
	bk.hello = *h;
	log_info("bridge: EA \"%s\" for account %s on %s: challenged",
	    h->ea, login, h->server);
}

void
bridgekey_auth(const uint8_t *tag, struct msg_bridge_answer *a)
{
	uint8_t	want[BRIDGE_KEY_LEN], o[BRIDGE_KEY_LEN];

	if (!bk.challenged || bk.k == NULL) {
		refuse(a, "auth_failed");
		log_warnx("bridge: AUTH without a challenge");
		return;
	}
	bk.challenged = 0;
	bridge_kdf((const uint8_t *)bk.k->buf, "ea", bk.nonce_e, bk.nonce_b,
	    want);
	if (!bridge_tag_equal(want, tag)) {
		bridge_audit("bridge.refused", &bk.hello, "auth_failed");
		refuse(a, "auth_failed");
		log_warnx("bridge: the EA's AUTH tag does not check: it does "
		    "not hold this bridge key (install the key heraldctl "
		    "bridge key create printed); refused");
		return;
	}
	memset(a, 0, sizeof(*a));
	a->ok = 1;
	bridge_kdf((const uint8_t *)bk.k->buf, "session", bk.nonce_e,
	    bk.nonce_b, a->nonce);
	bridge_kdf((const uint8_t *)bk.k->buf, "order", bk.nonce_e,
	    bk.nonce_b, o);
	secret_free(bk.o);
	bk.o = secret_new(o, sizeof(o));
	OPENSSL_cleanse(o, sizeof(o));
	log_info("bridge: EA authenticated; session keys derived");
	bridge_audit("bridge.connect", &bk.hello, NULL);
}

int
bridgekey_message(const struct ipc_msg *m, const char **why)
{
	struct msg_bridge_hello	 h;
	struct msg_bridge_answer a;
	uint8_t			 tag[BRIDGE_KEY_LEN];
	uint8_t			 buf[128 + API_STR_MAX];
	size_t			 n;

	if (!bk.on) {
		*why = "bridge message, but mt5.backend is not bridge";
		return -1;
	}
	switch (m->hdr.type) {
	case MSG_BRIDGE_HELLO:
		if (msg_bridge_hello_decode(m, &h, why) == -1)
			return -1;
		bridgekey_hello(&h, &a);
		n = msg_bridge_answer_encode(buf, sizeof(buf), &a, 1);
		monitor_send(PROC_BROKER, MSG_BRIDGE_CHALLENGE, 0, buf, n);
		return 0;
	case MSG_BRIDGE_AUTH:
		if (msg_bridge_tag_decode(m, tag, why) == -1)
			return -1;
		bridgekey_auth(tag, &a);
		n = msg_bridge_answer_encode(buf, sizeof(buf), &a, 0);
		monitor_send(PROC_BROKER, MSG_BRIDGE_SESSION, 0, buf, n);
		OPENSSL_cleanse(&a, sizeof(a));
		OPENSSL_cleanse(buf, sizeof(buf));
		return 0;
	case MSG_BRIDGE_STATUS:
		if (msg_bridge_status_decode(m, &bk.st, why) == -1)
			return -1;
		if (!bk.st.connected)
			bridgekey_end();
		return 0;
	}
	*why = "not a bridge message";
	return -1;
}

int
bridgekey_status(struct msg_bridge_status *st, char *err, size_t errlen)
{
	if (!bk.on) {
		snprintf(err, errlen, "mt5.backend is not bridge");
		return -1;
	}
	*st = bk.st;
	if (!st->connected && st->why[0] == '\0')
		strlcpy(st->why, bk.missing[0] != '\0' ? bk.missing :
		    "no EA has connected yet", sizeof(st->why));
	return 0;
}

/* The MqlTradeRequest of a write op. */
static int
order_of(uint64_t cmd, uint8_t op, const struct rpc_params *p,
    struct bridge_order *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->digits = 8;		/* the terminal normalises to its digits */
	if (p->flags & RPC_HAS_COMMENT)
		strlcpy(o->comment, p->comment, sizeof(o->comment));
	switch (op) {
	case OP_TRADE:
		/* A market order's price is the one asked, 0: the market's. */
		o->action = p->type == RPC_TYPE_MARKET ? PAPER_ACTION_DEAL :
		    PAPER_ACTION_PENDING;
		strlcpy(o->symbol, p->symbol, sizeof(o->symbol));
		o->type = rpc_mt5_type(p);
		o->volume = p->volume;
		o->price = (p->flags & RPC_HAS_PRICE) ? p->price : 0;
		o->stoplimit = p->stop_limit;
		o->sl = (p->flags & RPC_HAS_SL) ? p->sl : 0;
		o->tp = (p->flags & RPC_HAS_TP) ? p->tp : 0;
		o->deviation = p->deviation;
		o->type_time = p->type_time;
		o->expiration = p->expiration;
		return 0;
	case OP_ORDER_MODIFY:
		/* What the client did not name, the EA keeps (bridge.h). */
		o->action = PAPER_ACTION_MODIFY;
		o->order = p->ticket;
		o->price = (p->flags & RPC_HAS_PRICE) ? p->price : 0;
		o->stoplimit = (p->oflags & RPC_OHAS_STOP_LIMIT) ?
		    p->stop_limit : 0;
		o->sl = (p->flags & RPC_HAS_SL) ? p->sl : BRIDGE_KEEP_PRICE;
		o->tp = (p->flags & RPC_HAS_TP) ? p->tp : BRIDGE_KEEP_PRICE;
		o->type_time = (p->oflags & RPC_OHAS_EXPIRATION) ?
		    p->type_time : BRIDGE_KEEP_TIME;
		o->expiration = p->expiration;
		return 0;
	case OP_POSITION_CLOSE:
		/* The EA takes symbol and side from the position. */
		o->action = PAPER_ACTION_DEAL;
		o->position = p->ticket;
		o->volume = (p->flags & RPC_HAS_VOLUME) ? p->volume : 0;
		return 0;
	case OP_POSITION_MODIFY:
		/*
		 * What the client did not name, the EA keeps (bridge.h):
		 * MT5's TRADE_ACTION_SLTP with sl 0 removes the stop loss.
		 */
		o->action = PAPER_ACTION_SLTP;
		o->position = p->ticket;
		o->sl = (p->flags & RPC_HAS_SL) ? p->sl : BRIDGE_KEEP_PRICE;
		o->tp = (p->flags & RPC_HAS_TP) ? p->tp : BRIDGE_KEEP_PRICE;
		return 0;
	case OP_ORDER_CANCEL:
		o->action = PAPER_ACTION_REMOVE;
		o->order = p->ticket;
		return 0;
	}
	return -1;
}

int
bridgekey_authorize(uint64_t command_id, uint8_t op, const uint8_t *params,
    size_t params_len, struct msg_bridge_order *out)
{
	struct rpc_params	 p;
	struct bridge_order	 o;
	const char		*why;
	size_t			 n;

	if (bk.o == NULL)
		return -1;
	if (rpc_params_decode(op, params, params_len, &p, &why) == -1)
		fatalx("bridge: order %" PRIu64 ": journaled params do not "
		    "decode: %s", command_id, why);
	if (order_of(command_id, op, &p, &o) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->command_id = command_id;
	if ((n = bridge_canon(&o, out->canon, sizeof(out->canon))) == 0) {
		log_warnx("bridge: order %" PRIu64 " has no canonical form",
		    command_id);
		return -1;
	}
	bridge_hmac((const uint8_t *)bk.o->buf, out->canon, n, out->tag);
	return 0;
}

int
bridgekey_create(int rotate, char *hex, char *outpath, size_t pathlen,
    char *err, size_t errlen)
{
	struct msg_bridge_answer a;
	uint8_t			 buf[64 + API_STR_MAX];
	size_t			 n;
	const char	*path;
	uint8_t		 k[BRIDGE_KEY_LEN];

	if (!bk.on) {
		snprintf(err, errlen, "mt5.backend is not bridge");
		return -1;
	}
	path = bk.path;
	if (!rotate && access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s exists; use heraldctl bridge key "
		    "rotate to replace it", path);
		return -1;
	}
	if (rotate && bk.k == NULL && access(path, F_OK) != 0) {
		snprintf(err, errlen, "%s does not exist; use heraldctl bridge "
		    "key create", path);
		return -1;
	}
	if (RAND_bytes(k, sizeof(k)) != 1) {
		snprintf(err, errlen, "no random bytes");
		return -1;
	}
	if (keyfile_write("mt5.bridge.key_file", path, k, rotate, err,
	    errlen) == -1) {
		OPENSSL_cleanse(k, sizeof(k));
		return -1;
	}
	secret_free(bk.k);
	bk.k = secret_new(k, sizeof(k));
	bk.missing[0] = '\0';
	/* The session of the old key ends: the EA must use the new one. */
	if (bk.o != NULL) {
		memset(&a, 0, sizeof(a));
		strlcpy(a.reason, "the bridge key was rotated", sizeof(a.reason));
		n = msg_bridge_answer_encode(buf, sizeof(buf), &a, 0);
		monitor_send(PROC_BROKER, MSG_BRIDGE_SESSION, 0, buf, n);
	}
	bridgekey_end();
	bridge_hex_encode(k, hex);
	OPENSSL_cleanse(k, sizeof(k));
	strlcpy(outpath, path, pathlen);
	log_info("bridge: a new bridge key was %s in %s", rotate ?
	    "rotated" : "created", path);
	return 0;
}
