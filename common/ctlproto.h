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

#include "wire.h"

#define CTL_VERSION	1
#define CTL_HDR_LEN	8
#define CTL_MSG_MAX	65536		/* payload bytes */
#define CTL_MAX_PROCS	8

enum ctl_type {
	/* heraldctl -> monitor */
	CTL_REQ_STATUS = 1,		/* empty payload */
	CTL_REQ_RELOAD = 2,		/* empty payload */
	/* monitor -> heraldctl */
	CTL_REP_OK = 64,		/* str message (may be empty) */
	CTL_REP_ERROR = 65,		/* str message */
	CTL_REP_STATUS = 66		/* struct ctl_status */
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

struct ctl_status {
	char		version[32];
	uint64_t	started;	/* unix time */
	uint64_t	uptime;		/* seconds */
	uint32_t	reloads;
	char		config[PATH_MAX];
	uint32_t	nprocs;
	struct ctl_proc	procs[CTL_MAX_PROCS];
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
};

/* The message catalogue: see the table in common/ctlproto.c. */
struct ctl_msgdef {
	uint16_t	 type;
	const char	*name;
	enum ctl_dir	 dir;
	uint32_t	 maxlen;	/* largest payload accepted */
	int		(*decode)(const void *, size_t, union ctl_payload *,
			    char *why, size_t whylen);
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
 * Decode the payload of a frame whose header passed ctl_hdr_decode:
 * exactly len bytes, through the type's decoder.  0 or -1 with why.
 */
int	ctl_payload_decode(uint16_t type, const void *, size_t len,
	    union ctl_payload *, char *why, size_t whylen);

/* Payload codecs.  Decoders consume exactly len bytes or fail. */
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

#endif
