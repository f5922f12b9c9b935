/*
 * The catalogue of every IPC message between the heraldd processes.
 *
 * One row per message: who may send it, who receives it, the payload's
 * size bounds, whether a descriptor comes with it, and what the payload
 * holds (encoded with common/wire.h).  msg_check() enforces the row before
 * any handler runs; the typed decoders below then consume the payload
 * exactly.  msg_accept() adds the `to' column for the process receiving.
 * Each process's one dispatch table (privsep/monitor/peer.c for the
 * monitor, net.c and broker.c for the children, through child.c) decides
 * which of these it accepts, and in which state; tests/privsep/
 * test_dispatch.c walks every table against this catalogue.
 */
#ifndef HERALD_MSG_H
#define HERALD_MSG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "bridge.h"
#include "srcaddr.h"
#include "event.h"
#include "ipc.h"
#include "log.h"
#include "privsep.h"

#define P_MON		(1u << PROC_MONITOR)
#define P_NET		(1u << PROC_NET)
#define P_BROKER	(1u << PROC_BROKER)
#define P_CHILD		(P_NET | P_BROKER)
#define P_CHILD_BROKER_MON (P_MON | P_BROKER)

/* Largest payload on any channel; each message's own bound is tighter. */
#define MSG_MAX		(64 * 1024)
#define ADDR_STR_MAX	64
#define PEM_MAX		60000	/* certificate chain or CA bundle */
#define KEYOP_IO_MAX	1024	/* RSA-8192 input or signature */
#define SHA256_LEN	32
#define API_STR_MAX	256	/* code, message */
#define API_PARAMS_MAX	4096	/* op-specific request payload */
#define API_RESULT_MAX	32768	/* op-specific answer payload */
#define BROKER_NAME_MAX	32	/* currency, backend names */
#define BROKER_SYMBOL_MAX 512	/* one encoded symbol */
#define BROKER_TICKS_CHUNK 32768	/* replay CSV bytes per message */
#define BROKER_RECORD_MAX 1024	/* one encoded paper record */
#define BROKER_SYMBOLS_MAX 1024	/* symbols of the paper backend */
#define BRIDGE_SERVER_MAX 64	/* HELLO's server, mt5.server */
#define BRIDGE_EA_MAX	32	/* HELLO's EA build */
#define BRIDGE_SECRET_LEN BRIDGE_KEY_LEN	/* nonces, tags, S */

/*	name		from	to	min	max		fd	payload */
#define HERALD_MESSAGES(M)						\
M(INIT,		P_MON,	P_CHILD, 15,	15 + PATH_MAX,	0,	"u32 uid, u32 gid, str chroot, u32 nofile, u8 seccomp_debug, u8 log_level, u8 nlisteners") \
M(LISTENER,	P_MON,	P_NET,	4,	4 + ADDR_STR_MAX, 1,	"u16 port, str address; fd: bound listening socket") \
M(READY,	P_CHILD, P_MON,	0,	0,		0,	"empty: sandbox is in force") \
M(LOG,		P_CHILD, P_MON,	3,	3 + LOG_LINE_MAX, 0,	"u8 priority, str line") \
M(LOG_LEVEL,	P_MON,	P_CHILD, 1,	1,		0,	"u8 level (after a reload)") \
M(SHUTDOWN,	P_MON,	P_CHILD, 0,	0,		0,	"empty: exit 0 now") \
M(KEYOP_CHANNEL, P_MON,	P_NET,	0,	0,		1,	"empty; fd: net's end of the key-operation socketpair") \
M(TLS_CERT,	P_MON,	P_NET,	3,	2 + PEM_MAX,	0,	"bytes: PEM certificate chain") \
M(TLS_CA,	P_MON,	P_NET,	2,	2 + PEM_MAX,	0,	"bytes: PEM client CA bundle, empty for no mTLS") \
M(NET_CONFIG,	P_MON,	P_NET,	65,	65 + 18 * SRC_NETS_MAX, 0, "struct msg_net_config: limits net enforces, u8 count and the exempt networks (u8 family, u8 prefix, 16 bytes)") \
M(SIGN_REQ,	P_CHILD, P_MON,	11,	11 + KEYOP_IO_MAX, 0,	"keyop channel (net's, or the broker's for the bridge): u32 key id, u8 alg, u32 padding, bytes input") \
M(SIGN_RES,	P_MON,	P_CHILD, 3,	3 + KEYOP_IO_MAX, 0,	"keyop channel: u8 ok, bytes signature") \
M(API_REQ,	P_NET,	P_MON,	71,	72 + ADDR_STR_MAX + API_PARAMS_MAX, 0, "struct msg_api_req: one client request") \
M(API_RES,	P_MON,	P_NET,	14,	12 + 2 * API_STR_MAX + API_RESULT_MAX, 0, "struct msg_api_res: its answer, same id") \
M(BAN,		P_MON,	P_NET,	6,	6 + ADDR_STR_MAX, 0,	"str address, u32 seconds left (0: lifted)") \
M(BROKER_CONFIG, P_MON,	P_BROKER, 32,	32 + BROKER_NAME_MAX, 0, "struct msg_broker_config: backend and account") \
M(BROKER_SYMBOL, P_MON,	P_BROKER, 77,	BROKER_SYMBOL_MAX, 0,	"struct msg_broker_symbol: one symbol of the paper backend") \
M(BROKER_TICKS,	P_MON,	P_BROKER, 3,	2 + BROKER_TICKS_CHUNK, 0, "bytes: a chunk of whole lines of the replay CSV") \
M(BROKER_RECORD, P_CHILD_BROKER_MON, P_CHILD_BROKER_MON, 4, 4 + BROKER_RECORD_MAX, 0, "u8 type, u8 op, bytes record: a state change (from broker) or stored state (at start, from monitor)") \
M(BROKER_START,	P_MON,	P_BROKER, 0,	0,		0,	"empty: configuration and stored state are complete; connect") \
M(BROKER_UP,	P_BROKER, P_MON, 3,	3 + API_STR_MAX, 0,	"u8 connected, str reason: backend connection state") \
M(BROKER_SYNC,	P_BROKER, P_MON, 0,	0,		0,	"empty: ends a group of records not caused by a request (ticks)") \
M(BROKER_REQ,	P_MON,	P_BROKER, 11,	11 + API_PARAMS_MAX, 0,	"u64 command id (0 for reads), u8 op, bytes params (params.h layout); hdr id answers") \
M(BROKER_FIND,	P_MON,	P_BROKER, 8,	8,		0,	"u64 command id: what became of it") \
M(BROKER_RES,	P_BROKER, P_MON, 14,	12 + 2 * API_STR_MAX + API_RESULT_MAX, 0, "struct msg_api_res layout: answer to BROKER_REQ or BROKER_FIND, same hdr id; ends the group of records before it") \
M(BRIDGE_LISTENER, P_MON, P_BROKER, 0,	0,		1,	"empty; fd: the bound, listening bridge socket (mt5.bridge.address, port)") \
M(BRIDGE_TLS,	P_MON,	P_BROKER, 3,	2 + PEM_MAX,	1,	"bytes: PEM chain of mt5.bridge.tls_certificate; fd: the broker's end of its key-operation socketpair (mt5.bridge.tls; before BRIDGE_LISTENER)") \
M(BRIDGE_HELLO,	P_BROKER, P_MON, 44,	44 + BRIDGE_SERVER_MAX + BRIDGE_EA_MAX, 0, "u64 login, str server, 32 bytes nonce_e, str ea: an EA's HELLO for the monitor to check") \
M(BRIDGE_CHALLENGE, P_MON, P_BROKER, 67, 67 + API_STR_MAX, 0, "u8 ok, str reason (ERROR's, when not ok), 32 bytes nonce_b, 32 bytes tag_b") \
M(BRIDGE_AUTH,	P_BROKER, P_MON, 32,	32,		0,	"32 bytes tag_e: the EA's AUTH") \
M(BRIDGE_SESSION, P_MON, P_BROKER, 35,	35 + API_STR_MAX, 0,	"u8 ok, str reason, 32 bytes session key S (zero when not ok)") \
M(BRIDGE_ORDER,	P_MON,	P_BROKER, 42,	42 + BRIDGE_CANON_MAX, 0, "u64 command id, str canonical text C, 32 bytes tag HMAC(O, C): the authorisation of the BROKER_REQ that follows") \
M(BRIDGE_STATUS, P_BROKER, P_MON, 35,	35 + 2 * API_STR_MAX, 0, "struct msg_bridge_status: the EA connection, after READY, each PONG and a drop") \
M(STREAM_CONFIG, P_MON,	P_NET,	16,	16,		0,	"struct msg_stream_config: GET /v1/events limits net enforces (events.*)") \
M(EVENT,	P_MON,	P_NET,	30,	EVENT_WIRE_MAX,	0,	"event.h: an event durable in the monitor's store; net fans it out to the streams its audience admits") \
M(TLS_RENEW,	P_MON,	P_NET,	7,	6 + PEM_MAX,	0,	"u32 key id, bytes: PEM certificate chain, after a reload loaded a new pair; for new handshakes") \
M(API_REQ_BATCH, P_NET,	P_MON,	8 + 71,	MSG_MAX,	0,	"API_REQs of one loop turn, each u32 id, u32 len, then its payload (msg_batch.c)") \
M(API_RES_BATCH, P_MON,	P_NET,	8 + 14,	MSG_MAX,	0,	"API_RESs of one batch, each u32 id, u32 len, then its payload (msg_batch.c)") \
M(EVENT_BATCH,	P_MON,	P_NET,	8 + 30,	MSG_MAX,	0,	"EVENTs of one commit, each u32 id (0), u32 len, then its payload (msg_batch.c)") \
M(BROKER_BATCH,	P_BROKER, P_MON, 12,	MSG_MAX,	0,	"a group's BROKER_RECORDs and the BROKER_RES or BROKER_SYNC that ends it (one message per order), each u32 type, u32 id, u32 len, then its payload (msg_batch.c)")

enum msg_type {
	MSG_NONE = 0,
#define M(name, from, to, min, max, fd, what)	MSG_##name,
	HERALD_MESSAGES(M)
#undef M
	MSG_MAX_TYPE
};

struct msg_info {
	const char	*name;
	unsigned int	 from;		/* P_* of the processes that send it */
	unsigned int	 to;
	size_t		 min, max;	/* payload bounds */
	int		 fd;		/* a descriptor must come with it */
	const char	*payload;
};

/* The row for type, NULL if there is none. */
const struct msg_info	*msg_info(uint32_t type);
/* "LOG", or "unknown(17)" in a static buffer. */
const char		*msg_name(uint32_t type);
/*
 * Refuse a message that `from' may not send, of the wrong size, or with a
 * descriptor that does not match the catalogue.  0, or -1 with *why.
 */
int	msg_check(enum herald_proc from, const struct ipc_msg *,
	    const char **why);
/*
 * What a receiving process calls: msg_check(), and the catalogue's `to'
 * must name self.  0, or -1 with *why.
 */
int	msg_accept(enum herald_proc self, enum herald_proc from,
	    const struct ipc_msg *, const char **why);

/*
 * Batches (msg_batch.c): API_REQ_BATCH holds API_REQs, API_RES_BATCH
 * API_RESs, EVENT_BATCH EVENTs, each entry an ordinary message of that inner type with its
 * id, which the receiver checks against the inner type's row.
 * BROKER_BATCH is mixed: each entry names its type too, one of
 * BROKER_RECORD, BROKER_SYNC and BROKER_RES.
 */
struct msg_batch {
	uint32_t	 type;		/* MSG_API_REQ_BATCH, ... */
	size_t		 len;		/* payload bytes used */
	unsigned	 n;		/* entries */
	uint32_t	 first_id;	/* the id of the first entry */
	uint32_t	 first_type;	/* and its type */
	uint8_t		 buf[MSG_MAX];
};

/* The type a batch type holds, MSG_NONE if type is not a batch. */
uint32_t msg_batch_inner(uint32_t type);
/* An empty batch of type (fatal if it is not a batch type). */
void	msg_batch_init(struct msg_batch *, uint32_t type);
/*
 * Append an entry: 0, or -1 when it does not fit (send the batch and
 * start another); fatal for an entry no batch could hold.
 */
int	msg_batch_add(struct msg_batch *, uint32_t id, const void *payload,
	    size_t len);
/* The same with the entry's type: any batch, and a mixed one's only. */
int	msg_batch_add_msg(struct msg_batch *, uint32_t type, uint32_t id,
	    const void *payload, size_t len);
/*
 * Send what b holds on chan and empty it: nothing for no entry, one
 * entry as the ordinary message of the inner type, more as the batch.
 * 0, or -1 with errno (ipc_send()'s), b unchanged.
 */
int	msg_batch_send(struct ipc_chan *, struct msg_batch *);
/*
 * The entry of the received batch m at *off, as a message of the inner
 * type (its data inside m), and *off past it: 1, 0 when the batch is
 * done, or -1 with *why when the batch is malformed.
 */
int	msg_batch_next(const struct ipc_msg *m, size_t *off,
	    struct ipc_msg *inner, const char **why);
/*
 * fn(arg, entry) for each entry of the received batch m, in order: 0, or
 * -1 with *why at a malformed entry (those before it were handed over).
 */
int	msg_batch_each(const struct ipc_msg *m,
	    void (*fn)(void *, struct ipc_msg *), void *arg, const char **why);

/* Typed payloads. */
struct msg_init {
	uint32_t	uid;
	uint32_t	gid;
	char		chroot[PATH_MAX];
	uint32_t	nofile;
	uint8_t		seccomp_debug;
	uint8_t		log_level;
	uint8_t		nlisteners;
};

struct msg_listener {
	uint16_t	port;
	char		address[ADDR_STR_MAX];
};

struct msg_log {
	uint8_t		pri;
	char		line[LOG_LINE_MAX];
};

/* The one key net asks the monitor to sign with (SIGN_REQ key_id). */
#define KEYOP_KEY_ID	1

/* Key-operation algorithms. */
#define KEYOP_RSA	1
#define KEYOP_ECDSA	2

struct msg_sign_req {
	uint32_t	key_id;
	uint8_t		alg;
	uint32_t	padding;	/* RSA_PKCS1_PADDING or RSA_NO_PADDING */
	uint16_t	len;
	uint8_t		input[KEYOP_IO_MAX];
};

struct msg_sign_res {
	uint8_t		ok;
	uint16_t	len;
	uint8_t		sig[KEYOP_IO_MAX];
};

/* Everything net enforces on its own; all from herald.yaml. */
struct msg_net_config {
	uint32_t	header_bytes;
	uint32_t	header_count;
	uint32_t	body_bytes;
	uint32_t	request_line;
	uint32_t	header_timeout;
	uint32_t	body_timeout;
	uint32_t	idle_timeout;
	uint32_t	connections;
	uint32_t	connections_per_source;
	uint32_t	rate_window;
	uint32_t	rate_per_source;
	uint32_t	ipv6_prefix;	/* 1..128 */
	uint32_t	output_buffer;	/* bytes unsent before reading stops */
	uint32_t	reserved[3];	/* zero */
	uint8_t		nexempt;	/* rate_limit.exempt */
	struct src_net	exempt[SRC_NETS_MAX];
};

/* events.*: the streams of GET /v1/events, enforced by net. */
struct msg_stream_config {
	uint32_t	streams;	/* open at once, in all */
	uint32_t	streams_per_key;
	uint32_t	buffer;		/* bytes unsent to one client, at most */
	uint32_t	heartbeat;	/* seconds between comment lines */
};

struct msg_api_req {
	uint8_t		op;
	uint8_t		key_present;
	uint8_t		key_hash[SHA256_LEN];
	uint8_t		fp_present;
	uint8_t		fingerprint[SHA256_LEN];
	char		address[ADDR_STR_MAX];
	uint16_t	params_len;
	uint8_t		params[API_PARAMS_MAX];	/* op-specific, wire.h */
};

struct msg_api_res {
	uint16_t	status;		/* HTTP status */
	char		code[API_STR_MAX];
	char		message[API_STR_MAX];
	uint32_t	retry_after;	/* seconds, with 429 */
	uint32_t	result_len;
	uint8_t		result[API_RESULT_MAX];	/* op-specific, wire.h */
};

struct msg_ban {
	char		address[ADDR_STR_MAX];
	uint32_t	seconds;
};

/*
 * The broker's start-up (after READY): BROKER_CONFIG, one BROKER_SYMBOL
 * per symbol, BROKER_TICKS chunks (replay, optional), the stored state as
 * BROKER_RECORDs, BROKER_START.  The broker then answers BROKER_UP, and
 * BROKER_REQ / BROKER_FIND with BROKER_RES.  Every BROKER_RECORD it sends
 * belongs to the group closed by the next BROKER_RES or BROKER_SYNC; the
 * monitor stores a group in one transaction.  A group travels as one
 * BROKER_BATCH (records and their end), split over several only when it
 * outgrows one; an answer with no record goes as a plain BROKER_RES.
 */
#define BROKER_BACKEND_PAPER	0
#define BROKER_BACKEND_BRIDGE	1

struct msg_broker_config {
	uint8_t		backend;	/* BROKER_BACKEND_* */
	uint8_t		margin_mode;	/* mt5.h PAPER_NETTING/HEDGING */
	char		currency[BROKER_NAME_MAX];
	uint32_t	leverage;
	double		balance;	/* a new account's */
	uint64_t	seed;		/* random walk */
	uint32_t	tick_interval;	/* milliseconds */
	uint32_t	nsymbols;
};

/* paper.h's struct paper_symbol plus the walk's start; enums mt5.h's. */
struct msg_broker_symbol {
	char		name[32];
	char		currency_base[BROKER_NAME_MAX];
	char		currency_profit[BROKER_NAME_MAX];
	uint8_t		digits;
	double		contract_size;
	double		volume_min;
	double		volume_max;
	double		volume_step;
	uint32_t	stops_level;
	uint8_t		filling;	/* PAPER_FILL_* */
	uint8_t		trade_mode;	/* enum paper_trade_mode */
	uint8_t		exec_mode;	/* enum paper_exec_mode */
	uint8_t		calc_mode;	/* enum paper_calc_mode */
	double		liquidity;
	double		margin_rate;	/* paper.h's: 0 gives 1 */
	double		margin_initial;
	double		margin_hedged;
	double		tick_size;	/* 0 gives the point */
	double		tick_value;	/* 0 gives tick_size * contract */
	double		start_bid;
	uint32_t	spread;		/* points */
	uint32_t	max_step;	/* points per tick */
	uint8_t		session_open;
	uint8_t		expiration;	/* PAPER_EXPIRATION_*, not 0 */
	uint32_t	session_end;	/* seconds after 00:00 UTC, <= 86400 */
};

struct msg_broker_req {
	uint64_t	command_id;	/* journal row id; 0 for reads */
	uint8_t		op;		/* enum api_op */
	uint16_t	params_len;
	uint8_t		params[API_PARAMS_MAX];
};

struct msg_broker_up {
	uint8_t		connected;
	char		reason[API_STR_MAX];
};

/* BROKER_RECORD: the encoded record is record.h's paper_record_encode(). */
struct msg_broker_record {
	uint8_t		type;		/* enum paper_rec_type */
	uint8_t		op;		/* enum paper_rec_op */
	uint16_t	len;
	uint8_t		data[BROKER_RECORD_MAX];
};

/*
 * The bridge (BRIDGE-PROTOCOL.md): the monitor hands the broker the
 * listening socket, answers the EA's handshake through it, keeps the
 * bridge key K and the order key O, and gives the broker the session key
 * S and, before each write BROKER_REQ, the order's canonical text and
 * its tag.
 */
struct msg_bridge_hello {
	uint64_t	login;
	char		server[BRIDGE_SERVER_MAX + 1];
	uint8_t		nonce[BRIDGE_SECRET_LEN];
	char		ea[BRIDGE_EA_MAX + 1];
};

/* BRIDGE_CHALLENGE (nonce, tag) and BRIDGE_SESSION (key in nonce). */
struct msg_bridge_answer {
	uint8_t		ok;
	char		reason[API_STR_MAX];
	uint8_t		nonce[BRIDGE_SECRET_LEN];
	uint8_t		tag[BRIDGE_SECRET_LEN];
};

struct msg_bridge_order {
	uint64_t	command_id;
	char		canon[BRIDGE_CANON_MAX];
	uint8_t		tag[BRIDGE_SECRET_LEN];
};

/* What heraldctl bridge status shows; times in ms since the epoch. */
struct msg_bridge_status {
	uint8_t		connected;
	uint8_t		trade_allowed;	/* PONG's */
	uint8_t		terminal_connected;
	int64_t		since;		/* READY, or the drop */
	int64_t		last_pong;
	uint32_t	rtt_ms;		/* of the last PING */
	uint64_t	login;
	char		ea[API_STR_MAX];	/* HELLO's ea, server */
	char		why[API_STR_MAX];	/* the last drop's reason */
};

size_t	msg_bridge_hello_encode(uint8_t *, size_t,
	    const struct msg_bridge_hello *);
int	msg_bridge_hello_decode(const struct ipc_msg *,
	    struct msg_bridge_hello *, const char **why);
/* CHALLENGE and SESSION; session: tag unused, the key in nonce. */
size_t	msg_bridge_answer_encode(uint8_t *, size_t,
	    const struct msg_bridge_answer *, int with_tag);
int	msg_bridge_answer_decode(const struct ipc_msg *,
	    struct msg_bridge_answer *, int with_tag, const char **why);
size_t	msg_bridge_order_encode(uint8_t *, size_t,
	    const struct msg_bridge_order *);
int	msg_bridge_order_decode(const struct ipc_msg *,
	    struct msg_bridge_order *, const char **why);
size_t	msg_bridge_status_encode(uint8_t *, size_t,
	    const struct msg_bridge_status *);
int	msg_bridge_status_decode(const struct ipc_msg *,
	    struct msg_bridge_status *, const char **why);
/* BRIDGE_AUTH: exactly 32 bytes. */
int	msg_bridge_tag_decode(const struct ipc_msg *, uint8_t *,
	    const char **why);

/*
 * For the codecs (msg.c, msg_bridge.c): the length built, fatal if it
 * overflowed; and 0 if the reader consumed its payload exactly, else -1
 * with *why.
 */
struct wire_builder;
struct wire_reader;
size_t	msg_finish(struct wire_builder *, const char *what);
int	msg_done(struct wire_reader *, const char **why);

/* Encoders return the payload length; fatal if the builder overflows. */
size_t	msg_init_encode(uint8_t *, size_t, const struct msg_init *);
size_t	msg_listener_encode(uint8_t *, size_t, const struct msg_listener *);
size_t	msg_log_encode(uint8_t *, size_t, int pri, const char *line);
/* Decoders consume the payload exactly: 0, or -1 with *why. */
int	msg_init_decode(const struct ipc_msg *, struct msg_init *,
	    const char **why);
int	msg_listener_decode(const struct ipc_msg *, struct msg_listener *,
	    const char **why);
int	msg_log_decode(const struct ipc_msg *, struct msg_log *,
	    const char **why);
int	msg_u8_decode(const struct ipc_msg *, uint8_t *, const char **why);

/* A u16-length-prefixed byte string (TLS_CERT, TLS_CA). */
size_t	msg_blob_encode(uint8_t *, size_t, const void *, size_t);
int	msg_blob_decode(const struct ipc_msg *, const uint8_t **, size_t *,
	    const char **why);
/*
 * TLS_RENEW: the key id the chain's handshakes sign under, then the
 * chain as a blob (not empty).  The decoder points into the message.
 */
size_t	msg_tls_renew_encode(uint8_t *, size_t, uint32_t key_id,
	    const void *chain, size_t len);
int	msg_tls_renew_decode(const struct ipc_msg *, uint32_t *key_id,
	    const uint8_t **chain, size_t *len, const char **why);
size_t	msg_net_config_encode(uint8_t *, size_t,
	    const struct msg_net_config *);
int	msg_net_config_decode(const struct ipc_msg *, struct msg_net_config *,
	    const char **why);
size_t	msg_sign_req_encode(uint8_t *, size_t, const struct msg_sign_req *);
int	msg_sign_req_decode(const struct ipc_msg *, struct msg_sign_req *,
	    const char **why);
size_t	msg_sign_res_encode(uint8_t *, size_t, const struct msg_sign_res *);
int	msg_sign_res_decode(const struct ipc_msg *, struct msg_sign_res *,
	    const char **why);
size_t	msg_api_req_encode(uint8_t *, size_t, const struct msg_api_req *);
int	msg_api_req_decode(const struct ipc_msg *, struct msg_api_req *,
	    const char **why);
size_t	msg_api_res_encode(uint8_t *, size_t, const struct msg_api_res *);
int	msg_api_res_decode(const struct ipc_msg *, struct msg_api_res *,
	    const char **why);
/*
 * An empty answer, without touching the 32 KB result buffer (the
 * encoder reads result_len bytes of it only).
 */
void	msg_api_res_reset(struct msg_api_res *);
/* An answer without a result: status, code, Retry-After and a message. */
void	msg_api_res_set(struct msg_api_res *, uint16_t status,
	    const char *code, uint32_t retry_after, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
size_t	msg_broker_config_encode(uint8_t *, size_t,
	    const struct msg_broker_config *);
int	msg_broker_config_decode(const struct ipc_msg *,
	    struct msg_broker_config *, const char **why);
size_t	msg_broker_symbol_encode(uint8_t *, size_t,
	    const struct msg_broker_symbol *);
int	msg_broker_symbol_decode(const struct ipc_msg *,
	    struct msg_broker_symbol *, const char **why);
size_t	msg_broker_req_encode(uint8_t *, size_t, const struct msg_broker_req *);
int	msg_broker_req_decode(const struct ipc_msg *, struct msg_broker_req *,
	    const char **why);
size_t	msg_broker_up_encode(uint8_t *, size_t, const struct msg_broker_up *);
int	msg_broker_up_decode(const struct ipc_msg *, struct msg_broker_up *,
	    const char **why);
size_t	msg_broker_record_encode(uint8_t *, size_t,
	    const struct msg_broker_record *);
int	msg_broker_record_decode(const struct ipc_msg *,
	    struct msg_broker_record *, const char **why);
/* BROKER_FIND */
size_t	msg_u64_encode(uint8_t *, size_t, uint64_t);
int	msg_u64_decode(const struct ipc_msg *, uint64_t *, const char **why);
/* BROKER_RES uses msg_api_res_encode() and msg_api_res_decode(). */
size_t	msg_stream_config_encode(uint8_t *, size_t,
	    const struct msg_stream_config *);
int	msg_stream_config_decode(const struct ipc_msg *,
	    struct msg_stream_config *, const char **why);
/* EVENT: event.h's codec, exactly the payload. */
int	msg_event_decode(const struct ipc_msg *, struct herald_event *,
	    const char **why);
size_t	msg_ban_encode(uint8_t *, size_t, const struct msg_ban *);
int	msg_ban_decode(const struct ipc_msg *, struct msg_ban *,
	    const char **why);

#endif
