/*
 * The MT5 bridge's wire format (/work/plan/BRIDGE-PROTOCOL.md, the user's
 * copy in herald-bridge.7): length-prefixed frames of a sequence number,
 * a type line and key=value lines, MACed with the session key once the
 * handshake is over.  Shared by the broker (which speaks it to the EA),
 * the monitor (which builds the canonical text of an order it
 * authorises) and heraldctl (which prints a new key).  Nothing here
 * holds state beyond a struct bridge_session; nothing allocates.
 *
 * Every frame is checked in full before a caller sees it: the length,
 * the sequence number, the MAC, the ASCII text, the type, each key
 * against the keys that type may carry from that sender, each value
 * against its syntax, duplicates, required keys and list bounds.
 */
#ifndef HERALD_BRIDGE_H
#define HERALD_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#define BRIDGE_VERSION		1
#define BRIDGE_HDR_LEN		4	/* big-endian payload length */
#define BRIDGE_SEQ_LEN		8
#define BRIDGE_PAYLOAD_MIN	(BRIDGE_SEQ_LEN + 1)
#define BRIDGE_PAYLOAD_MAX	65536
#define BRIDGE_FRAME_MAX	(BRIDGE_HDR_LEN + BRIDGE_PAYLOAD_MAX)
#define BRIDGE_MAC_LEN		16	/* HMAC-SHA256 truncated */
#define BRIDGE_KEY_LEN		32	/* K, S, O, nonces, tags */
#define BRIDGE_HEX_LEN		(2 * BRIDGE_KEY_LEN)
#define BRIDGE_KEY_NAME_MAX	32
#define BRIDGE_VALUE_MAX	255
#define BRIDGE_LIST_MAX		32	/* items per POSITIONS/ORDERS answer */
#define BRIDGE_FIELDS_MAX	512
#define BRIDGE_WHY_MAX		160
#define BRIDGE_HEARTBEAT_MS	2000
#define BRIDGE_CANON_MAX	1024	/* an order's canonical text */

/* Who sent a frame: the keys a type may carry depend on it. */
enum bridge_from {
	BRIDGE_FROM_EA = 0,
	BRIDGE_FROM_BROKER = 1
};

#define BRIDGE_TYPES(T)	\
	T(HELLO) T(CHALLENGE) T(AUTH) T(READY) T(ERROR) T(PING) T(PONG) \
	T(ACCOUNT) T(SYMBOL) T(TICK) T(POSITIONS) T(ORDERS) T(ORDER_SEND) \
	T(RESULT) T(QUERY) T(UNKNOWN) T(EVENT) T(DEALS)

enum bridge_type {
	BRIDGE_NONE = 0,
#define T(name)	BRIDGE_##name,
	BRIDGE_TYPES(T)
#undef T
	BRIDGE_NTYPES
};

/* One key=value line of a decoded frame, pointing into its text. */
struct bridge_field {
	const char	*val;		/* not NUL-terminated */
	uint16_t	 vlen;
	uint8_t		 key;		/* index into the type's key table */
	uint8_t		 idx;		/* list index, 0 for a plain key */
};

struct bridge_frame {
	uint64_t		 seq;
	enum bridge_type	 type;
	enum bridge_from	 from;
	const char		*text;		/* inside the caller's buffer */
	size_t			 textlen;
	size_t			 count;		/* list items (count=), or 0 */
	size_t			 nfields;
	struct bridge_field	 f[BRIDGE_FIELDS_MAX];
	/* field index + 1 by key and list index; 0: absent */
	uint16_t		 slot[32][BRIDGE_LIST_MAX];
};

/*
 * One direction pair of a connection: the sequence numbers each side is
 * at and, once the handshake is over, the session key S.
 */
struct bridge_session {
	uint64_t	 seq_in;	/* last received */
	uint64_t	 seq_out;	/* last sent */
	int		 keyed;		/* frames carry a MAC from now on */
	uint8_t		 key[BRIDGE_KEY_LEN];
};

/* A frame being built: the length prefix first, filled in by finish. */
struct bridge_writer {
	uint8_t		 buf[BRIDGE_FRAME_MAX];
	size_t		 len;
	int		 err;		/* a value did not fit or was bad */
};

const char	*bridge_type_name(enum bridge_type);
enum bridge_type bridge_type_lookup(const char *, size_t);

void	bridge_session_init(struct bridge_session *);
/* From now on frames both ways carry a MAC under key. */
void	bridge_session_key(struct bridge_session *, const uint8_t *key);
void	bridge_session_wipe(struct bridge_session *);

/*
 * The payload length a 4-byte header announces: 0, or -1 with why when
 * it is out of bounds (the connection must close).
 */
int	bridge_hdr_decode(const uint8_t *hdr, size_t *len, char *why);

/*
 * Decode a whole frame (header and payload, len bytes) sent by `from':
 * its sequence number must follow s->seq_in, its MAC must check under
 * s->key if s is keyed, and everything in it must be known and well
 * formed.  0 (s->seq_in advanced), or -1 with why (BRIDGE_WHY_MAX).
 * The frame points into buf, which must outlive it.
 */
int	bridge_decode(struct bridge_session *, enum bridge_from,
	    const uint8_t *buf, size_t len, struct bridge_frame *, char *why);

/* The field of key (list index idx; 0 for plain keys), or NULL. */
const struct bridge_field *bridge_get(const struct bridge_frame *,
	    const char *key, size_t idx);
/*
 * Typed reads of a present, already checked value: 0, or -1 if the key
 * is absent (or, for the numbers, not of that type in the table).
 */
int	bridge_u64(const struct bridge_frame *, const char *, size_t,
	    uint64_t *);
int	bridge_i64(const struct bridge_frame *, const char *, size_t,
	    int64_t *);
int	bridge_dec(const struct bridge_frame *, const char *, size_t,
	    double *);
/* A str value into buf (NUL-terminated); -1 if absent or too long. */
int	bridge_str(const struct bridge_frame *, const char *, size_t,
	    char *, size_t);
/* A hex32 value as 32 bytes. */
int	bridge_hex32(const struct bridge_frame *, const char *, size_t,
	    uint8_t *);

/*
 * Building a frame: begin, one put per line (values checked against the
 * table of type as sent by `from'), finish.  finish() takes the next
 * sequence number of s and MACs the frame if s is keyed; it returns the
 * frame's length, or 0 if anything put was out of bounds or unknown.
 */
void	bridge_begin(struct bridge_writer *, enum bridge_type);
void	bridge_put(struct bridge_writer *, const char *key, const char *val);
void	bridge_put_u64(struct bridge_writer *, const char *, uint64_t);
void	bridge_put_i64(struct bridge_writer *, const char *, int64_t);
/* A price or volume with `digits' decimals (0..10). */
void	bridge_put_dec(struct bridge_writer *, const char *, double,
	    int digits);
void	bridge_put_hex(struct bridge_writer *, const char *, const uint8_t *,
	    size_t);
/* Lines already formatted (an order's canonical text), appended as is. */
void	bridge_put_raw(struct bridge_writer *, const char *, size_t);
size_t	bridge_finish(struct bridge_writer *, struct bridge_session *,
	    enum bridge_from);

/* HMAC-SHA256(key, label || a || b), a and b 32 bytes each. */
void	bridge_kdf(const uint8_t *key, const char *label, const uint8_t *a,
	    const uint8_t *b, uint8_t *out);
/* HMAC-SHA256(key, data) in full. */
void	bridge_hmac(const uint8_t *key, const void *, size_t, uint8_t *out);
/* Compare two 32-byte tags in constant time: 1 equal, 0 not. */
int	bridge_tag_equal(const uint8_t *, const uint8_t *);

/* 64 lower-case hex digits (NUL added) of 32 bytes, and back (0 or -1). */
void	bridge_hex_encode(const uint8_t *, char *);
int	bridge_hex_decode(const char *, size_t, uint8_t *);

/*
 * An order as the EA executes it: MqlTradeRequest's fields.  The monitor
 * formats it into the canonical text C (the ORDER_SEND lines from cmd=
 * to comment= inclusive) and tags C with the order key O.
 */
struct bridge_order {
	uint64_t	 cmd;
	uint32_t	 action;	/* ENUM_TRADE_REQUEST_ACTIONS */
	char		 symbol[32];
	uint32_t	 type;		/* ENUM_ORDER_TYPE */
	double		 volume;
	double		 price;
	double		 stoplimit;
	double		 sl;
	double		 tp;
	uint64_t	 deviation;
	uint32_t	 type_time;
	int64_t		 expiration;
	uint64_t	 position;
	uint64_t	 position_by;
	uint64_t	 order;
	char		 comment[32];
	int		 digits;	/* of the symbol's prices */
};

/*
 * In a TRADE_ACTION_MODIFY, what the EA takes from the order itself:
 * price 0, stoplimit 0, sl or tp BRIDGE_KEEP_PRICE, type_time
 * BRIDGE_KEEP_TIME (with expiration 0).  Heraldd changes only what the
 * client named; the order's other values are the terminal's to know.
 * In a TRADE_ACTION_SLTP, sl or tp BRIDGE_KEEP_PRICE is the position's
 * own (MT5 takes 0 there as "remove").
 */
#define BRIDGE_KEEP_PRICE	(-1.0)
#define BRIDGE_KEEP_TIME	255

/* C into buf (cap bytes, NUL-terminated): its length, or 0 if bad. */
size_t	bridge_canon(const struct bridge_order *, char *buf, size_t cap);
/*
 * Check that text is exactly one canonical text, as bridge_canon()
 * makes: the keys in order, each value well formed.  0, or -1 with why.
 */
int	bridge_canon_check(const char *, size_t, char *why);

#endif
