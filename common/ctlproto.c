/*
 * The control protocol codec, shared by the monitor (privsep/control.c)
 * and heraldctl.  See ctlproto.h for the frame layout.
 *
 * Nothing here trusts a length it has not checked: the header decoder
 * bounds the payload by the type's own maximum before a single payload
 * byte is read, and each payload decoder consumes exactly the payload.
 */
#include <stdio.h>
#include <string.h>

#include "ctlproto.h"

/* Largest encoded STATUS payload: what ctl_status_encode can produce. */
#define STR_WIRE(field)	(2 + sizeof(field) - 1)
#define CTL_PROC_WIRE	(STR_WIRE(((struct ctl_proc *)0)->name) + 4 + \
			    STR_WIRE(((struct ctl_proc *)0)->state))
#define CTL_STATUS_WIRE	(STR_WIRE(((struct ctl_status *)0)->version) + \
			    8 + 8 + 4 + \
			    STR_WIRE(((struct ctl_status *)0)->config) + 4 + \
			    CTL_MAX_PROCS * CTL_PROC_WIRE)

/*
 * The catalogue.  A new request is one row here (and its handler in
 * privsep/control.c, its command in ctl/heraldctl.c).
 */
static const struct ctl_msgdef ctl_msgdefs[] = {
	/* type		name		sent by
	     largest payload	decoder */
	{ CTL_REQ_STATUS, "req-status",	CTL_DIR_REQ,
	    0,			ctl_empty_decode },
	{ CTL_REQ_RELOAD, "req-reload",	CTL_DIR_REQ,
	    0,			ctl_empty_decode },
	{ CTL_REP_OK,	"rep-ok",	CTL_DIR_REP,
	    2 + CTL_STR_MAX,	ctl_msg_decode },
	{ CTL_REP_ERROR, "rep-error",	CTL_DIR_REP,
	    2 + CTL_STR_MAX,	ctl_msg_decode },
	{ CTL_REP_STATUS, "rep-status",	CTL_DIR_REP,
	    CTL_STATUS_WIRE,	ctl_status_decode },
};

_Static_assert(CTL_STATUS_WIRE <= CTL_MSG_MAX, "STATUS must fit a frame");
_Static_assert(2 + CTL_STR_MAX <= CTL_MSG_MAX, "messages must fit a frame");
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
		    h->version, CTL_VERSION);
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
		    h->len, CTL_MSG_MAX);
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
static void
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
static void
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
static int
ctl_failed(struct wire_reader *r, const char *field, char *why, size_t whylen)
{
	if (wire_ok(r))
		return 0;
	snprintf(why, whylen, "%s: %s", field, r->err);
	return 1;
}

void
ctl_status_encode(struct wire_builder *b, const struct ctl_status *st)
{
	uint32_t	 i;

	if (st->nprocs > CTL_MAX_PROCS) {
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
