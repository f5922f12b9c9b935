/*
 * The control protocol between heraldctl and the monitor: small,
 * versioned, binary, strictly length-checked.
 *
 * Every frame is an 8-byte header (u16 version, u16 type, u32 payload
 * length; little-endian, as common/wire.h) followed by the payload.  A
 * frame with another version, an unknown type, a length above
 * CTL_MSG_MAX or a payload that does not decode exactly is refused.
 */
#ifndef HERALD_CTLPROTO_H
#define HERALD_CTLPROTO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc_audit.h"
#include "wire.h"

#define CTL_VERSION	1
#define CTL_HDR_LEN	8
#define CTL_MSG_MAX	65536		/* payload bytes */
#define CTL_MAX_PROCS	8

enum ctl_type {
	/* heraldctl -> monitor */
	CTL_REQ_STATUS = 1,		/* empty payload */
	CTL_REQ_RELOAD = 2,		/* empty payload */
	CTL_REQ_KEY_CREATE = 3,		/* struct ctl_key_create */
	CTL_REQ_KEY_LIST = 4,		/* empty payload */
	CTL_REQ_KEY_REVOKE = 5,		/* struct ctl_key_target */
	CTL_REQ_KEY_ROTATE = 6,		/* struct ctl_key_rotate */
	CTL_REQ_BAN_LIST = 7,		/* empty payload */
	CTL_REQ_BAN_DEL = 8,		/* struct ctl_address */
	CTL_REQ_LOCKDOWN = 9,		/* struct ctl_lockdown */
	CTL_REQ_BRIDGE_KEY = 10,	/* struct ctl_bridge_key_req */
	CTL_REQ_BRIDGE_STATUS = 11,	/* empty payload */
	CTL_REQ_AUDIT = 12,		/* struct ctl_audit_req */
	CTL_REQ_AUDIT_VERIFY = 13,	/* empty payload */
	CTL_REQ_BACKUP = 14,		/* empty payload; the open backup
					   file passed with SCM_RIGHTS */
	/* monitor -> heraldctl */
	CTL_REP_OK = 64,		/* str message (may be empty) */
	CTL_REP_ERROR = 65,		/* str message */
	CTL_REP_STATUS = 66,		/* struct ctl_status */
	CTL_REP_KEY = 67,		/* struct ctl_key_created */
	CTL_REP_KEYS = 68,		/* struct ctl_keys */
	CTL_REP_BANS = 69,		/* struct ctl_bans */
	CTL_REP_RESTART = 70,		/* str message: reloaded, but some
					   changes wait for a restart */
	CTL_REP_BRIDGE_KEY = 71,	/* struct ctl_bridge_key */
	CTL_REP_BRIDGE = 72,		/* struct ctl_bridge */
	CTL_REP_AUDIT = 73,		/* struct ctl_audit */
	CTL_REP_AUDIT_VERIFY = 74	/* struct ctl_audit_verdict */
};

struct ctl_hdr {
	uint16_t	version;
	uint16_t	type;
	uint32_t	len;
};

struct ctl_proc {
	char		name[16];	/* monitor, net, broker */
	uint32_t	pid;
	char		state[16];	/* starting, running, stopping */
};

/*
 * The lockdown fields agree with each other on the wire: while it is on,
 * lockdown_by names someone; while it is off, lockdown_by is empty and
 * lockdown_since 0.  broker, storage and cert_state are never empty.
 */
struct ctl_status {
	char		version[32];
	uint64_t	started;	/* unix time */
	uint64_t	uptime;		/* seconds */
	uint32_t	reloads;
	char		config[PATH_MAX];
	uint32_t	nprocs;
	struct ctl_proc	procs[CTL_MAX_PROCS];
	uint8_t		lockdown;	/* 0 or 1 */
	char		lockdown_by[128]; /* "uid 0 (root)"; "" when off */
	uint64_t	lockdown_since;	/* unix time; 0 when off */
	char		broker[32];	/* connected, starting, down: why */
	char		storage[128];	/* ok, unavailable: why */
	/* The TLS certificate in force: valid, expiring, expired. */
	char		cert_state[16];
	uint64_t	cert_not_after;	/* unix time */
};

/* API keys and bans. */
#define CTL_KEY_NAME_MAX	63	/* [A-Za-z0-9_.-], not digits only */
#define CTL_ROLE_MAX		15	/* admin, trader, viewer */
#define CTL_KEY_MAX		63	/* the key itself ("hk_" + 43) */
#define CTL_ADDR_MAX		63	/* numeric IPv4 or IPv6 */
#define CTL_FP_LEN		32	/* SHA-256 of a certificate */
#define CTL_KEYS_MAX		512	/* rows in one key list */
#define CTL_BANS_MAX		512	/* rows in one ban list */
#define CTL_EXPIRES_MAX		3650	/* days; 0 asks for the default */
#define CTL_GRACE_MAX		720	/* hours */
#define CTL_GRACE_DEFAULT	24	/* hours */

/* key create NAME --role ROLE [--expires DAYS] [--fingerprint HEX] */
struct ctl_key_create {
	char		name[CTL_KEY_NAME_MAX + 1];
	char		role[CTL_ROLE_MAX + 1];
	uint32_t	expires_days;	/* 0: control.key_expiry_days */
	uint8_t		fp_present;	/* 0 or 1; fp on the wire only if 1 */
	uint8_t		fp[CTL_FP_LEN];
};

/* key revoke NAME|ID: a name, or an id in decimal. */
struct ctl_key_target {
	char		target[CTL_KEY_NAME_MAX + 1];
};

/* key rotate NAME [--grace HOURS] */
struct ctl_key_rotate {
	char		name[CTL_KEY_NAME_MAX + 1];
	uint32_t	grace_hours;	/* 0..CTL_GRACE_MAX */
};

/* ban del ADDRESS */
struct ctl_address {
	char		address[CTL_ADDR_MAX + 1];
};

/* lockdown on|off */
struct ctl_lockdown {
	uint8_t		on;		/* 0 or 1 */
};

/* A new key (create or rotate): the only time the key itself is sent. */
struct ctl_key_created {
	uint64_t	id;
	char		name[CTL_KEY_NAME_MAX + 1];
	char		role[CTL_ROLE_MAX + 1];
	uint64_t	created;	/* unix time */
	uint64_t	expires;
	char		key[CTL_KEY_MAX + 1];
	uint64_t	old_id;		/* rotate: the key replaced, else 0 */
	uint64_t	old_expires;	/* when the replaced key stops */
};

enum ctl_key_state {
	CTL_KEY_ACTIVE = 0,
	CTL_KEY_EXPIRED = 1,
	CTL_KEY_REVOKED = 2,
	CTL_KEY_ROTATING = 3,		/* replaced, valid until it expires */
	CTL_KEY_STATE_MAX = 3
};

/* One row of key list: no key, no hash. */
struct ctl_key_row {
	uint64_t	id;
	char		name[CTL_KEY_NAME_MAX + 1];
	char		role[CTL_ROLE_MAX + 1];
	uint64_t	created;
	uint64_t	last_used;	/* 0: never */
	uint64_t	expires;
	uint8_t		state;		/* enum ctl_key_state */
	uint8_t		bound;		/* bound to a client certificate */
};

struct ctl_keys {
	uint32_t		total;	/* keys in the database */
	uint32_t		n;	/* the newest n of them, oldest first */
	struct ctl_key_row	keys[CTL_KEYS_MAX];
};

struct ctl_ban_row {
	char		address[CTL_ADDR_MAX + 1];
	uint64_t	until;		/* unix time */
	uint32_t	strikes;
};

struct ctl_bans {
	uint32_t		total;	/* bans in force */
	uint32_t		n;
	struct ctl_ban_row	bans[CTL_BANS_MAX];
};

/* The MT5 bridge: bridge key create|rotate, bridge status. */
#define CTL_BRIDGE_HEX		64	/* the key K in hex */
#define CTL_BRIDGE_TEXT_MAX	255

struct ctl_bridge_key_req {
	uint8_t		rotate;		/* 0 create (refuses to overwrite) */
};

/* The new key: the only time it is ever sent. */
struct ctl_bridge_key {
	char		path[PATH_MAX];
	char		key[CTL_BRIDGE_HEX + 1];	/* lower-case hex */
};

/* The EA connection as the broker last reported it; times in ms. */
struct ctl_bridge {
	uint8_t		connected;	/* 0 or 1 */
	uint8_t		trade_allowed;	/* the terminal's AutoTrading */
	uint8_t		terminal_connected;	/* to its trade server */
	uint64_t	since;		/* READY, or the drop; 0 never */
	uint64_t	last_pong;	/* 0 never */
	uint32_t	rtt_ms;
	uint64_t	login;
	char		ea[CTL_BRIDGE_TEXT_MAX + 1];	/* build, server */
	char		why[CTL_BRIDGE_TEXT_MAX + 1];	/* why it is down */
	/* The bridge certificate's SHA-256, the EA's pin; "" without TLS. */
	char		tls_sha256[CTL_BRIDGE_HEX + 1];
};

/*
 * The audit trail: audit show|export (a page of rows after a cursor,
 * the filters applied; each row as GET /v1/audit has it, rpc_audit.h)
 * and audit verify.  The sizes are the audit table's
 * (privsep/monitor/audit.h, which asserts they agree).
 */
#define CTL_AUDIT_ROWS_MAX	40	/* rows in one page */
#define CTL_AUDIT_TYPE_MAX	RPC_AUDIT_TYPE_MAX
#define CTL_AUDIT_ACTOR_MAX	RPC_AUDIT_ACTOR_MAX
#define CTL_AUDIT_KEY_MAX	RPC_AUDIT_KEY_MAX
#define CTL_AUDIT_SOURCE_MAX	RPC_AUDIT_SOURCE_MAX
#define CTL_AUDIT_DETAIL_MAX	RPC_AUDIT_DETAIL_MAX
#define CTL_AUDIT_HEX		RPC_AUDIT_MAC_HEX	/* a MAC in hex */
#define CTL_AUDIT_WHY_MAX	255

struct ctl_audit_req {
	uint64_t	cursor;		/* rows after this id; 0: from the start */
	uint64_t	since;		/* unix time; 0: any */
	char		type[CTL_AUDIT_TYPE_MAX + 1];	/* "": any */
	char		key[CTL_AUDIT_KEY_MAX + 1];	/* "": any */
	uint32_t	limit;		/* 1..CTL_AUDIT_ROWS_MAX */
};


struct ctl_audit {
	uint32_t		n;
	uint64_t		next;	/* the cursor of the next page; 0: none */
	struct rpc_audit_row	rows[CTL_AUDIT_ROWS_MAX];
};

struct ctl_audit_verdict {
	uint8_t		ok;		/* 0 or 1 */
	uint64_t	rows;
	uint64_t	head_id;
	char		head_mac[CTL_AUDIT_HEX + 1];	/* "" when broken */
	uint64_t	bad_id;		/* the first bad row; 0 when ok */
	char		why[CTL_AUDIT_WHY_MAX + 1];
};

/* Longest OK/ERROR message, bytes on the wire (no NUL). */
#define CTL_STR_MAX	1024
/* Room for a refusal reason produced by the decoders. */
#define CTL_WHY_MAX	160
/* A whole frame: header and the largest payload. */
#define CTL_FRAME_MAX	(CTL_HDR_LEN + CTL_MSG_MAX)

/* Who may send a message type. */
enum ctl_dir {
	CTL_DIR_REQ = 1,		/* heraldctl -> monitor */
	CTL_DIR_REP = 2			/* monitor -> heraldctl */
};

/* CTL_REP_OK and CTL_REP_ERROR. */
struct ctl_msg {
	char		text[CTL_STR_MAX + 1];
};

/*
 * Every decoded payload.  A new message type with a payload adds its
 * struct here, a decoder and one row in the table of common/ctlproto.c.
 */
union ctl_payload {
	struct ctl_msg		msg;
	struct ctl_status	status;
	struct ctl_key_create	key_create;
	struct ctl_key_target	key_target;
	struct ctl_key_rotate	key_rotate;
	struct ctl_address	address;
	struct ctl_lockdown	lockdown;
	struct ctl_key_created	key_created;
	struct ctl_keys		keys;
	struct ctl_bans		bans;
	struct ctl_bridge_key_req bridge_key_req;
	struct ctl_bridge_key	bridge_key;
	struct ctl_bridge	bridge;
	struct ctl_audit_req	audit_req;
	struct ctl_audit	audit;
	struct ctl_audit_verdict audit_verdict;
};

/* The message catalogue: see the table in common/ctlproto.c. */
struct ctl_msgdef {
	uint16_t	 type;
	const char	*name;
	enum ctl_dir	 dir;
	uint32_t	 maxlen;	/* largest payload accepted */
	int		(*decode)(const void *, size_t, union ctl_payload *,
			    char *why, size_t whylen);
	/* The payload from the union member decode fills; NULL: empty. */
	void		(*encode)(struct wire_builder *,
			    const union ctl_payload *);
};

/* The row for type, NULL if unknown. */
const struct ctl_msgdef *ctl_msgdef(uint16_t type);
/* "status", "reload", "ok", ...; "unknown" for anything else. */
const char	*ctl_type_name(uint16_t type);

/* The 8 header bytes. */
void	ctl_hdr_encode(struct wire_builder *, const struct ctl_hdr *);
/*
 * Decode the first CTL_HDR_LEN bytes of buf and check them: the version,
 * a known type that dir's sender may send, and a length within
 * CTL_MSG_MAX and the type's own maximum.  0, or -1 with why filled in.
 */
int	ctl_hdr_decode(const void *buf, size_t len, enum ctl_dir dir,
	    struct ctl_hdr *, char *why, size_t whylen);

/*
 * Build a frame in buf: begin writes a header with length 0, the caller
 * appends the payload, finish fills in the length.  finish returns the
 * frame's total length, or -1 if it did not fit or exceeds CTL_MSG_MAX.
 */
void	ctl_frame_begin(struct wire_builder *, void *buf, size_t cap,
	    uint16_t type);
int	ctl_frame_finish(struct wire_builder *);
/* A whole frame with an empty payload (the requests of today). */
int	ctl_frame_empty(void *buf, size_t cap, uint16_t type);
/* A whole OK or ERROR frame; see ctl_msg_encode. */
int	ctl_frame_msg(void *buf, size_t cap, uint16_t type, const char *);
/* A whole STATUS frame. */
int	ctl_frame_status(void *buf, size_t cap, const struct ctl_status *);
/*
 * A whole frame of any type, its payload encoded from the union member
 * the type's decoder fills (an empty payload for types without one).
 */
int	ctl_frame_payload(void *buf, size_t cap, uint16_t type,
	    const union ctl_payload *);

/*
 * Decode the payload of a frame whose header passed ctl_hdr_decode:
 * exactly len bytes, through the type's decoder.  0 or -1 with why.
 */
int	ctl_payload_decode(uint16_t type, const void *, size_t len,
	    union ctl_payload *, char *why, size_t whylen);

/*
 * Payload codecs.  Decoders consume exactly len bytes or fail.  Encoders
 * set the builder's err for a value their decoder would refuse (a STATUS
 * whose lockdown fields disagree or whose broker is empty, a flag above
 * 1), so that nothing is sent the other end cannot read.
 */
void	ctl_status_encode(struct wire_builder *, const struct ctl_status *);
int	ctl_status_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
/*
 * The message is cut at CTL_STR_MAX bytes and control characters become
 * '?': the monitor can always say why, and the terminal stays safe.
 */
void	ctl_msg_encode(struct wire_builder *, const char *);
/* Refuses more than CTL_STR_MAX bytes, NUL and control characters. */
int	ctl_msg_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
/* For requests that carry nothing. */
int	ctl_empty_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);

void	ctl_key_create_encode(struct wire_builder *,
	    const struct ctl_key_create *);
int	ctl_key_create_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_key_target_encode(struct wire_builder *,
	    const struct ctl_key_target *);
int	ctl_key_target_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_key_rotate_encode(struct wire_builder *,
	    const struct ctl_key_rotate *);
int	ctl_key_rotate_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_address_encode(struct wire_builder *, const struct ctl_address *);
int	ctl_address_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_lockdown_encode(struct wire_builder *,
	    const struct ctl_lockdown *);
int	ctl_lockdown_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_key_created_encode(struct wire_builder *,
	    const struct ctl_key_created *);
int	ctl_key_created_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
/* More than CTL_KEYS_MAX rows, or n > total: the builder's err is set. */
void	ctl_keys_encode(struct wire_builder *, const struct ctl_keys *);
int	ctl_keys_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_bans_encode(struct wire_builder *, const struct ctl_bans *);
int	ctl_bans_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);

/*
 * The rules both ends apply before a name or role is used: 0, or -1 with
 * why (which does not repeat the value).  A key name is 1..63 of
 * [A-Za-z0-9_.-] and not digits only (that would read as an id); a role
 * is admin, trader or viewer.
 */
int	ctl_key_name_check(const char *name, char *why, size_t whylen);
int	ctl_role_check(const char *role, char *why, size_t whylen);
/* "active", "expired", "revoked", "rotating"; "?" otherwise. */
const char	*ctl_key_state_name(uint8_t state);

void	ctl_bridge_key_req_encode(struct wire_builder *,
	    const struct ctl_bridge_key_req *);
int	ctl_bridge_key_req_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
/* Refuses a key that is not 64 lower-case hex digits. */
void	ctl_bridge_key_encode(struct wire_builder *,
	    const struct ctl_bridge_key *);
int	ctl_bridge_key_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_bridge_encode(struct wire_builder *, const struct ctl_bridge *);
int	ctl_bridge_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);

void	ctl_audit_req_encode(struct wire_builder *,
	    const struct ctl_audit_req *);
int	ctl_audit_req_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_audit_encode(struct wire_builder *, const struct ctl_audit *);
int	ctl_audit_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);
void	ctl_audit_verdict_encode(struct wire_builder *,
	    const struct ctl_audit_verdict *);
int	ctl_audit_verdict_decode(const void *, size_t, union ctl_payload *,
	    char *why, size_t whylen);

#endif
