/*
 * The control protocol codec, shared by the monitor (privsep/monitor/control.c)
 * and heraldctl.  See ctlproto.h for the frame layout.
 *
 * Nothing here trusts a length it has not checked: the header decoder
 * bounds the payload by the type's own maximum before a single payload
 * byte is read, and each payload decoder consumes exactly the payload.
 *
 * This file holds the catalogue, the frames, the field readers every
 * decoder uses and the status and message payloads; the key and ban
 * payloads are in ctlproto_keys.c.
 */
#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "ctlproto_impl.h"

/*
 * The catalogue's generic encoder hands a union; each typed encoder
 * wants its member.  One adapter per payload, all of the same shape.
 */
#define CTL_ENCODE_PL(name, member)					\
static void								\
ctl_##name##_encode_pl(struct wire_builder *b,				\
    const union ctl_payload *pl)					\
{									\
	ctl_##name##_encode(b, member);					\
}

CTL_ENCODE_PL(status, &pl->status)
CTL_ENCODE_PL(msg, pl->msg.text)
CTL_ENCODE_PL(key_create, &pl->key_create)
CTL_ENCODE_PL(key_target, &pl->key_target)
CTL_ENCODE_PL(key_rotate, &pl->key_rotate)
CTL_ENCODE_PL(bridge_key_req, &pl->bridge_key_req)
CTL_ENCODE_PL(bridge_key, &pl->bridge_key)
CTL_ENCODE_PL(bridge, &pl->bridge)
CTL_ENCODE_PL(address, &pl->address)
CTL_ENCODE_PL(lockdown, &pl->lockdown)
CTL_ENCODE_PL(key_created, &pl->key_created)
CTL_ENCODE_PL(keys, &pl->keys)
CTL_ENCODE_PL(bans, &pl->bans)
CTL_ENCODE_PL(audit_req, &pl->audit_req)
CTL_ENCODE_PL(audit, &pl->audit)
CTL_ENCODE_PL(audit_verdict, &pl->audit_verdict)

/* Largest encoded STATUS payload: what ctl_status_encode can produce. */
#define STR_WIRE(field)	(2 + sizeof(field) - 1)
#define CTL_PROC_WIRE	(STR_WIRE(((struct ctl_proc *)0)->name) + 4 + \
			    STR_WIRE(((struct ctl_proc *)0)->state))
#define CTL_STATUS_WIRE	(STR_WIRE(((struct ctl_status *)0)->version) + \
			    8 + 8 + 4 + \
			    STR_WIRE(((struct ctl_status *)0)->config) + 4 + \
			    CTL_MAX_PROCS * CTL_PROC_WIRE + 1 + \
			    STR_WIRE(((struct ctl_status *)0)->lockdown_by) + \
			    8 + STR_WIRE(((struct ctl_status *)0)->broker) + \
			    STR_WIRE(((struct ctl_status *)0)->storage) + \
			    STR_WIRE(((struct ctl_status *)0)->cert_state) + 8)

/* Largest encodings of the key and ban messages. */
#define STR_MAX_WIRE(max)	(2 + (max))
#define CTL_KEY_CREATE_WIRE	(STR_MAX_WIRE(CTL_KEY_NAME_MAX) + \
			    STR_MAX_WIRE(CTL_ROLE_MAX) + 4 + 1 + CTL_FP_LEN)
#define CTL_KEY_TARGET_WIRE	STR_MAX_WIRE(CTL_KEY_NAME_MAX)
#define CTL_KEY_ROTATE_WIRE	(STR_MAX_WIRE(CTL_KEY_NAME_MAX) + 4)
#define CTL_ADDRESS_WIRE	STR_MAX_WIRE(CTL_ADDR_MAX)
#define CTL_LOCKDOWN_WIRE	1
#define CTL_BRIDGE_KEY_WIRE	(STR_MAX_WIRE(PATH_MAX - 1) + \
			    STR_MAX_WIRE(CTL_BRIDGE_HEX))
#define CTL_BRIDGE_WIRE		(3 + 8 + 8 + 4 + 8 + \
			    2 * STR_MAX_WIRE(CTL_BRIDGE_TEXT_MAX) + \
			    STR_MAX_WIRE(CTL_BRIDGE_HEX))
#define CTL_KEY_CREATED_WIRE	(8 + STR_MAX_WIRE(CTL_KEY_NAME_MAX) + \
			    STR_MAX_WIRE(CTL_ROLE_MAX) + 8 + 8 + \
			    STR_MAX_WIRE(CTL_KEY_MAX) + 8 + 8)
#define CTL_KEY_ROW_WIRE	(8 + STR_MAX_WIRE(CTL_KEY_NAME_MAX) + \
			    STR_MAX_WIRE(CTL_ROLE_MAX) + 8 + 8 + 8 + 1 + 1)
#define CTL_KEYS_WIRE		(4 + 4 + CTL_KEYS_MAX * CTL_KEY_ROW_WIRE)
#define CTL_BAN_ROW_WIRE	(STR_MAX_WIRE(CTL_ADDR_MAX) + 8 + 4)
#define CTL_BANS_WIRE		(4 + 4 + CTL_BANS_MAX * CTL_BAN_ROW_WIRE)
#define CTL_AUDIT_REQ_WIRE	(8 + 8 + STR_MAX_WIRE(CTL_AUDIT_TYPE_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_KEY_MAX) + 4)
#define CTL_AUDIT_ROW_WIRE	(8 + 8 + STR_MAX_WIRE(CTL_AUDIT_TYPE_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_ACTOR_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_KEY_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_SOURCE_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_DETAIL_MAX) + \
			    STR_MAX_WIRE(CTL_AUDIT_HEX))
#define CTL_AUDIT_WIRE		(4 + 8 + CTL_AUDIT_ROWS_MAX * CTL_AUDIT_ROW_WIRE)
#define CTL_AUDIT_VERDICT_WIRE	(1 + 8 + 8 + STR_MAX_WIRE(CTL_AUDIT_HEX) + \
			    8 + STR_MAX_WIRE(CTL_AUDIT_WHY_MAX))

/*
 * The catalogue.  A new request is one row here (and its handler in
 * privsep/monitor/control.c, its command in ctl/heraldctl.c).
 */
static const struct ctl_msgdef ctl_msgdefs[] = {
	/* type		name		sent by
	     largest payload	decoder			encoder */
	{ CTL_REQ_STATUS, "req-status",	CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_RELOAD, "req-reload",	CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_KEY_CREATE, "req-key-create", CTL_DIR_REQ,
	    CTL_KEY_CREATE_WIRE, ctl_key_create_decode, ctl_key_create_encode_pl },
	{ CTL_REQ_KEY_LIST, "req-key-list", CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_KEY_REVOKE, "req-key-revoke", CTL_DIR_REQ,
	    CTL_KEY_TARGET_WIRE, ctl_key_target_decode, ctl_key_target_encode_pl },
	{ CTL_REQ_KEY_ROTATE, "req-key-rotate", CTL_DIR_REQ,
	    CTL_KEY_ROTATE_WIRE, ctl_key_rotate_decode, ctl_key_rotate_encode_pl },
	{ CTL_REQ_BAN_LIST, "req-ban-list", CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_BAN_DEL, "req-ban-del", CTL_DIR_REQ,
	    CTL_ADDRESS_WIRE,	ctl_address_decode,	ctl_address_encode_pl },
	{ CTL_REQ_LOCKDOWN, "req-lockdown", CTL_DIR_REQ,
	    CTL_LOCKDOWN_WIRE,	ctl_lockdown_decode,
	    ctl_lockdown_encode_pl },
	{ CTL_REQ_BRIDGE_KEY, "req-bridge-key", CTL_DIR_REQ,
	    1,			ctl_bridge_key_req_decode,
	    ctl_bridge_key_req_encode_pl },
	{ CTL_REQ_BRIDGE_STATUS, "req-bridge-status", CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_AUDIT, "req-audit",	CTL_DIR_REQ,
	    CTL_AUDIT_REQ_WIRE,	ctl_audit_req_decode,	ctl_audit_req_encode_pl },
	{ CTL_REQ_AUDIT_VERIFY, "req-audit-verify", CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REQ_BACKUP, "req-backup",	CTL_DIR_REQ,
	    0,			ctl_empty_decode,	NULL },
	{ CTL_REP_OK,	"rep-ok",	CTL_DIR_REP,
	    2 + CTL_STR_MAX,	ctl_msg_decode,		ctl_msg_encode_pl },
	{ CTL_REP_ERROR, "rep-error",	CTL_DIR_REP,
	    2 + CTL_STR_MAX,	ctl_msg_decode,		ctl_msg_encode_pl },
	{ CTL_REP_STATUS, "rep-status",	CTL_DIR_REP,
	    CTL_STATUS_WIRE,	ctl_status_decode,	ctl_status_encode_pl },
	{ CTL_REP_KEY,	"rep-key",	CTL_DIR_REP,
	    CTL_KEY_CREATED_WIRE, ctl_key_created_decode,
	    ctl_key_created_encode_pl },
	{ CTL_REP_KEYS,	"rep-keys",	CTL_DIR_REP,
	    CTL_KEYS_WIRE,	ctl_keys_decode,	ctl_keys_encode_pl },
	{ CTL_REP_BANS,	"rep-bans",	CTL_DIR_REP,
	    CTL_BANS_WIRE,	ctl_bans_decode,	ctl_bans_encode_pl },
	{ CTL_REP_RESTART, "rep-restart", CTL_DIR_REP,
	    2 + CTL_STR_MAX,	ctl_msg_decode,		ctl_msg_encode_pl },
	{ CTL_REP_BRIDGE_KEY, "rep-bridge-key", CTL_DIR_REP,
	    CTL_BRIDGE_KEY_WIRE, ctl_bridge_key_decode,
	    ctl_bridge_key_encode_pl },
	{ CTL_REP_BRIDGE, "rep-bridge",	CTL_DIR_REP,
	    CTL_BRIDGE_WIRE,	ctl_bridge_decode,	ctl_bridge_encode_pl },
	{ CTL_REP_AUDIT, "rep-audit",	CTL_DIR_REP,
	    CTL_AUDIT_WIRE,	ctl_audit_decode,	ctl_audit_encode_pl },
	{ CTL_REP_AUDIT_VERIFY, "rep-audit-verify", CTL_DIR_REP,
	    CTL_AUDIT_VERDICT_WIRE, ctl_audit_verdict_decode,
	    ctl_audit_verdict_encode_pl },
};

_Static_assert(CTL_STATUS_WIRE <= CTL_MSG_MAX, "STATUS must fit a frame");
_Static_assert(2 + CTL_STR_MAX <= CTL_MSG_MAX, "messages must fit a frame");
_Static_assert(CTL_KEYS_WIRE <= CTL_MSG_MAX, "a key list must fit a frame");
_Static_assert(CTL_BANS_WIRE <= CTL_MSG_MAX, "a ban list must fit a frame");
_Static_assert(CTL_AUDIT_WIRE <= CTL_MSG_MAX, "an audit page must fit a frame");
_Static_assert(CTL_STR_MAX < PATH_MAX, "ctl_put_text() holds any field");

const struct ctl_msgdef *
ctl_msgdef(uint16_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(ctl_msgdefs) / sizeof(ctl_msgdefs[0]); i++)
		if (ctl_msgdefs[i].type == type)
			return &ctl_msgdefs[i];
	return NULL;
}

const char *
ctl_type_name(uint16_t type)
{
	const struct ctl_msgdef	*def = ctl_msgdef(type);

	return def != NULL ? def->name : "unknown";
}

void
ctl_hdr_encode(struct wire_builder *b, const struct ctl_hdr *h)
{
	wire_put_u16(b, h->version);
	wire_put_u16(b, h->type);
	wire_put_u32(b, h->len);
}

int
ctl_hdr_decode(const void *buf, size_t len, enum ctl_dir dir,
    struct ctl_hdr *h, char *why, size_t whylen)
{
	const struct ctl_msgdef	*def;
	struct wire_reader	 r;

	if (len < CTL_HDR_LEN) {
		snprintf(why, whylen, "truncated header (%zu of %d bytes)",
		    len, CTL_HDR_LEN);
		return -1;
	}
	wire_reader_init(&r, buf, CTL_HDR_LEN);
	h->version = wire_get_u16(&r);
	h->type = wire_get_u16(&r);
	h->len = wire_get_u32(&r);
	if (h->version != CTL_VERSION) {
		snprintf(why, whylen, "protocol version %u, expected %u",
		    h->version, (unsigned int)CTL_VERSION);
		return -1;
	}
	if ((def = ctl_msgdef(h->type)) == NULL) {
		snprintf(why, whylen, "unknown message type %u", h->type);
		return -1;
	}
	if (def->dir != dir) {
		snprintf(why, whylen, "message type %u (%s) is not a %s",
		    h->type, def->name,
		    dir == CTL_DIR_REQ ? "request" : "reply");
		return -1;
	}
	if (h->len > CTL_MSG_MAX) {
		snprintf(why, whylen,
		    "payload length %u exceeds the maximum %u",
		    h->len, (unsigned int)CTL_MSG_MAX);
		return -1;
	}
	if (h->len > def->maxlen) {
		snprintf(why, whylen, "payload length %u exceeds %u for %s",
		    h->len, def->maxlen, def->name);
		return -1;
	}
	return 0;
}

void
ctl_frame_begin(struct wire_builder *b, void *buf, size_t cap, uint16_t type)
{
	struct ctl_hdr	 h = { CTL_VERSION, type, 0 };

	wire_builder_init(b, buf, cap);
	ctl_hdr_encode(b, &h);
}

int
ctl_frame_finish(struct wire_builder *b)
{
	struct wire_builder	 lenb;
	size_t			 plen;

	if (b->err || b->len < CTL_HDR_LEN)
		return -1;
	plen = b->len - CTL_HDR_LEN;
	if (plen > CTL_MSG_MAX)
		return -1;
	/* The length field is bytes 4..7 of the header. */
	wire_builder_init(&lenb, b->buf + 4, 4);
	wire_put_u32(&lenb, (uint32_t)plen);
	return (int)b->len;
}

int
ctl_frame_empty(void *buf, size_t cap, uint16_t type)
{
	struct wire_builder	 b;

	ctl_frame_begin(&b, buf, cap, type);
	return ctl_frame_finish(&b);
}

int
ctl_frame_msg(void *buf, size_t cap, uint16_t type, const char *msg)
{
	struct wire_builder	 b;

	ctl_frame_begin(&b, buf, cap, type);
	ctl_msg_encode(&b, msg);
	return ctl_frame_finish(&b);
}

int
ctl_frame_status(void *buf, size_t cap, const struct ctl_status *st)
{
	struct wire_builder	 b;

	ctl_frame_begin(&b, buf, cap, CTL_REP_STATUS);
	ctl_status_encode(&b, st);
	return ctl_frame_finish(&b);
}

int
ctl_frame_payload(void *buf, size_t cap, uint16_t type,
    const union ctl_payload *pl)
{
	const struct ctl_msgdef	*def;
	struct wire_builder	 b;
	int			 n;

	if ((def = ctl_msgdef(type)) == NULL)
		return -1;
	ctl_frame_begin(&b, buf, cap, type);
	if (def->encode != NULL)
		def->encode(&b, pl);
	if ((n = ctl_frame_finish(&b)) == -1 ||
	    (uint32_t)(n - CTL_HDR_LEN) > def->maxlen)
		return -1;
	return n;
}

int
ctl_payload_decode(uint16_t type, const void *p, size_t len,
    union ctl_payload *out, char *why, size_t whylen)
{
	const struct ctl_msgdef	*def;
	char			 inner[CTL_WHY_MAX];

	if ((def = ctl_msgdef(type)) == NULL) {
		snprintf(why, whylen, "unknown message type %u", type);
		return -1;
	}
	if (len > def->maxlen) {
		snprintf(why, whylen, "%s: payload length %zu exceeds %u",
		    def->name, len, def->maxlen);
		return -1;
	}
	if (def->decode(p, len, out, inner, sizeof(inner)) == -1) {
		snprintf(why, whylen, "%s: %s", def->name, inner);
		return -1;
	}
	return 0;
}

/*
 * A string for the peer's terminal: cut at max bytes, control characters
 * replaced, so that what we send always passes ctl_get_text().
 */
void
ctl_put_text(struct wire_builder *b, const char *s, size_t max)
{
	char	 tmp[PATH_MAX];		/* the longest field, config */
	size_t	 i, n;

	if (max > sizeof(tmp) - 1)
		max = sizeof(tmp) - 1;
	n = strnlen(s, max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		tmp[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	tmp[n] = '\0';
	wire_put_str(b, tmp);
}

/* wire_get_str(), and no control characters either. */
void
ctl_get_text(struct wire_reader *r, char *dst, size_t dstsz)
{
	const unsigned char	*p;

	wire_get_str(r, dst, dstsz);
	if (!wire_ok(r))
		return;
	for (p = (const unsigned char *)dst; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			r->err = "string holds a control character";
			dst[0] = '\0';
			return;
		}
	}
}

/* After reading field: 1 (and why names the field) if anything failed. */
int
ctl_failed(struct wire_reader *r, const char *field, char *why, size_t whylen)
{
	if (wire_ok(r))
		return 0;
	snprintf(why, whylen, "%s: %s", field, r->err);
	return 1;
}

/* A field that failed a rule of its own, after it decoded. */
int
ctl_rule(const char *field, const char *inner, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s", field, inner);
	return -1;
}

/* Text that must not be empty. */
int
ctl_text_field(struct wire_reader *r, const char *field, char *dst,
    size_t dstsz, char *why, size_t whylen)
{
	ctl_get_text(r, dst, dstsz);
	if (ctl_failed(r, field, why, whylen))
		return -1;
	if (dst[0] == '\0')
		return ctl_rule(field, "empty", why, whylen);
	return 0;
}

int
ctl_u8_flag(struct wire_reader *r, const char *field, uint8_t *v,
    char *why, size_t whylen)
{
	char	 inner[64];

	*v = wire_get_u8(r);
	if (ctl_failed(r, field, why, whylen))
		return -1;
	if (*v > 1) {
		snprintf(inner, sizeof(inner), "%u is not 0 or 1", *v);
		return ctl_rule(field, inner, why, whylen);
	}
	return 0;
}

int
ctl_u64_field(struct wire_reader *r, const char *field, uint64_t *v,
    char *why, size_t whylen)
{
	*v = wire_get_u64(r);
	return ctl_failed(r, field, why, whylen) ? -1 : 0;
}

int
ctl_u32_field(struct wire_reader *r, const char *field, uint32_t *v,
    char *why, size_t whylen)
{
	*v = wire_get_u32(r);
	return ctl_failed(r, field, why, whylen) ? -1 : 0;
}

/* Nothing left over. */
int
ctl_finish(struct wire_reader *r, const char *what, char *why, size_t whylen)
{
	wire_end(r);
	return ctl_failed(r, what, why, whylen) ? -1 : 0;
}

/*
 * The lockdown fields as the decoder will check them: who, while on;
 * nobody and no time, while off.  The strings as ctl_put_text() would
 * send them, so a name of control characters still counts as a name.
 */
static int
ctl_status_consistent(const struct ctl_status *st)
{
	if (st->nprocs > CTL_MAX_PROCS || st->lockdown > 1 ||
	    st->broker[0] == '\0' || st->storage[0] == '\0' ||
	    st->cert_state[0] == '\0')
		return 0;
	if (st->lockdown)
		return st->lockdown_by[0] != '\0';
	return st->lockdown_by[0] == '\0' && st->lockdown_since == 0;
}

void
ctl_status_encode(struct wire_builder *b, const struct ctl_status *st)
{
	uint32_t	 i;

	if (!ctl_status_consistent(st)) {
		b->err = 1;
		return;
	}
	ctl_put_text(b, st->version, sizeof(st->version) - 1);
	wire_put_u64(b, st->started);
	wire_put_u64(b, st->uptime);
	wire_put_u32(b, st->reloads);
	ctl_put_text(b, st->config, sizeof(st->config) - 1);
	wire_put_u32(b, st->nprocs);
	for (i = 0; i < st->nprocs; i++) {
		ctl_put_text(b, st->procs[i].name,
		    sizeof(st->procs[i].name) - 1);
		wire_put_u32(b, st->procs[i].pid);
		ctl_put_text(b, st->procs[i].state,
		    sizeof(st->procs[i].state) - 1);
	}
	wire_put_u8(b, st->lockdown);
	ctl_put_text(b, st->lockdown_by, sizeof(st->lockdown_by) - 1);
	wire_put_u64(b, st->lockdown_since);
	ctl_put_text(b, st->broker, sizeof(st->broker) - 1);
	ctl_put_text(b, st->storage, sizeof(st->storage) - 1);
	ctl_put_text(b, st->cert_state, sizeof(st->cert_state) - 1);
	wire_put_u64(b, st->cert_not_after);
}

static int
ctl_proc_decode(struct wire_reader *r, uint32_t i, struct ctl_proc *pr,
    char *why, size_t whylen)
{
	char	 field[32];

	snprintf(field, sizeof(field), "procs[%u].name", i);
	ctl_get_text(r, pr->name, sizeof(pr->name));
	if (ctl_failed(r, field, why, whylen))
		return -1;
	snprintf(field, sizeof(field), "procs[%u].pid", i);
	pr->pid = wire_get_u32(r);
	if (ctl_failed(r, field, why, whylen))
		return -1;
	snprintf(field, sizeof(field), "procs[%u].state", i);
	ctl_get_text(r, pr->state, sizeof(pr->state));
	if (ctl_failed(r, field, why, whylen))
		return -1;
	return 0;
}

/* lockdown, lockdown_by, lockdown_since: and that they agree. */
static int
ctl_status_lockdown_decode(struct wire_reader *r, struct ctl_status *st,
    char *why, size_t whylen)
{
	if (ctl_u8_flag(r, "lockdown", &st->lockdown, why, whylen) == -1)
		return -1;
	ctl_get_text(r, st->lockdown_by, sizeof(st->lockdown_by));
	if (ctl_failed(r, "lockdown_by", why, whylen))
		return -1;
	if (st->lockdown && st->lockdown_by[0] == '\0')
		return ctl_rule("lockdown_by", "empty while lockdown is on",
		    why, whylen);
	if (!st->lockdown && st->lockdown_by[0] != '\0')
		return ctl_rule("lockdown_by", "set while lockdown is off",
		    why, whylen);
	if (ctl_u64_field(r, "lockdown_since", &st->lockdown_since, why,
	    whylen) == -1)
		return -1;
	if (!st->lockdown && st->lockdown_since != 0)
		return ctl_rule("lockdown_since", "set while lockdown is off",
		    why, whylen);
	return 0;
}

int
ctl_status_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct ctl_status	*st = &out->status;
	struct wire_reader	 r;
	uint32_t		 i;

	memset(st, 0, sizeof(*st));
	wire_reader_init(&r, p, len);
	ctl_get_text(&r, st->version, sizeof(st->version));
	if (ctl_failed(&r, "version", why, whylen))
		return -1;
	st->started = wire_get_u64(&r);
	if (ctl_failed(&r, "started", why, whylen))
		return -1;
	st->uptime = wire_get_u64(&r);
	if (ctl_failed(&r, "uptime", why, whylen))
		return -1;
	st->reloads = wire_get_u32(&r);
	if (ctl_failed(&r, "reloads", why, whylen))
		return -1;
	ctl_get_text(&r, st->config, sizeof(st->config));
	if (ctl_failed(&r, "config", why, whylen))
		return -1;
	st->nprocs = wire_get_u32(&r);
	if (ctl_failed(&r, "nprocs", why, whylen))
		return -1;
	if (st->nprocs > CTL_MAX_PROCS) {
		snprintf(why, whylen, "nprocs: %u exceeds the maximum %d",
		    st->nprocs, CTL_MAX_PROCS);
		st->nprocs = 0;
		return -1;
	}
	for (i = 0; i < st->nprocs; i++)
		if (ctl_proc_decode(&r, i, &st->procs[i], why, whylen) == -1)
			return -1;
	if (ctl_status_lockdown_decode(&r, st, why, whylen) == -1)
		return -1;
	if (ctl_text_field(&r, "broker", st->broker, sizeof(st->broker), why,
	    whylen) == -1 ||
	    ctl_text_field(&r, "storage", st->storage, sizeof(st->storage),
	    why, whylen) == -1 ||
	    ctl_text_field(&r, "cert_state", st->cert_state,
	    sizeof(st->cert_state), why, whylen) == -1 ||
	    ctl_u64_field(&r, "cert_not_after", &st->cert_not_after, why,
	    whylen) == -1)
		return -1;
	wire_end(&r);
	return ctl_failed(&r, "status", why, whylen) ? -1 : 0;
}

void
ctl_msg_encode(struct wire_builder *b, const char *msg)
{
	ctl_put_text(b, msg, CTL_STR_MAX);
}

int
ctl_msg_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	struct wire_reader	 r;

	wire_reader_init(&r, p, len);
	ctl_get_text(&r, out->msg.text, sizeof(out->msg.text));
	wire_end(&r);
	return ctl_failed(&r, "message", why, whylen) ? -1 : 0;
}

int
ctl_empty_decode(const void *p, size_t len, union ctl_payload *out,
    char *why, size_t whylen)
{
	if (len != 0) {
		snprintf(why, whylen, "%zu payload bytes where none belong",
		    len);
		return -1;
	}
	return 0;
}

