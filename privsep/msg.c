/*
 * The IPC catalogue (msg.h) and its typed encoders and decoders.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "msg.h"
#include "mt5.h"
#include "nitems.h"
#include "wire.h"

static const struct msg_info msg_table[MSG_MAX_TYPE] = {
#define M(name, from, to, min, max, fd, what)				\
	[MSG_##name] = { #name, from, to, min, max, fd, what },
	HERALD_MESSAGES(M)
#undef M
};

const struct msg_info *
msg_info(uint32_t type)
{
	if (type == MSG_NONE || type >= MSG_MAX_TYPE)
		return NULL;
	return &msg_table[type];
}

const char *
msg_name(uint32_t type)
{
	static char		 unknown[32];
	const struct msg_info	*mi;

	if ((mi = msg_info(type)) != NULL)
		return mi->name;
	snprintf(unknown, sizeof(unknown), "unknown(%u)", type);
	return unknown;
}

int
msg_check(enum herald_proc from, const struct ipc_msg *m, const char **why)
{
	const struct msg_info	*mi;

	if ((mi = msg_info(m->hdr.type)) == NULL) {
		*why = "unknown message type";
		return -1;
	}
	if ((mi->from & (1u << from)) == 0) {
		*why = "message not allowed from this process";
		return -1;
	}
	if (m->hdr.len < mi->min || m->hdr.len > mi->max) {
		*why = "payload size outside the catalogue's bounds";
		return -1;
	}
	if (mi->fd != (m->fd != -1)) {
		*why = mi->fd ? "descriptor missing" : "unexpected descriptor";
		return -1;
	}
	return 0;
}

int
msg_accept(enum herald_proc self, enum herald_proc from,
    const struct ipc_msg *m, const char **why)
{
	if (msg_check(from, m, why) == -1)
		return -1;
	if ((msg_table[m->hdr.type].to & (1u << self)) == 0) {
		*why = "message not addressed to this process";
		return -1;
	}
	return 0;
}

size_t
msg_finish(struct wire_builder *b, const char *what)
{
	if (b->err)
		fatalx("%s: payload does not fit", what);
	return b->len;
}

int
msg_done(struct wire_reader *r, const char **why)
{
	if (wire_end(r) == -1) {
		*why = r->err;
		return -1;
	}
	return 0;
}

size_t
msg_init_encode(uint8_t *buf, size_t cap, const struct msg_init *in)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u32(&b, in->uid);
	wire_put_u32(&b, in->gid);
	wire_put_str(&b, in->chroot);
	wire_put_u32(&b, in->nofile);
	wire_put_u8(&b, in->seccomp_debug);
	wire_put_u8(&b, in->log_level);
	wire_put_u8(&b, in->nlisteners);
	return msg_finish(&b, "INIT");
}

int
msg_init_decode(const struct ipc_msg *m, struct msg_init *out,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	out->uid = wire_get_u32(&r);
	out->gid = wire_get_u32(&r);
	wire_get_str(&r, out->chroot, sizeof(out->chroot));
	out->nofile = wire_get_u32(&r);
	out->seccomp_debug = wire_get_u8(&r);
	out->log_level = wire_get_u8(&r);
	out->nlisteners = wire_get_u8(&r);
	if (msg_done(&r, why) == -1)
		return -1;
	if (out->uid == 0 || out->gid == 0) {
		*why = "privsep user is root";
		return -1;
	}
	if (out->chroot[0] != '/') {
		*why = "chroot is not an absolute path";
		return -1;
	}
	if (out->seccomp_debug > 1 || out->log_level > LOG_DEBUG) {
		*why = "flag out of range";
		return -1;
	}
	return 0;
}

size_t
msg_listener_encode(uint8_t *buf, size_t cap, const struct msg_listener *l)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u16(&b, l->port);
	wire_put_str(&b, l->address);
	return msg_finish(&b, "LISTENER");
}

int
msg_listener_decode(const struct ipc_msg *m, struct msg_listener *out,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	out->port = wire_get_u16(&r);
	wire_get_str(&r, out->address, sizeof(out->address));
	if (msg_done(&r, why) == -1)
		return -1;
	if (out->port == 0) {
		*why = "port 0";
		return -1;
	}
	return 0;
}

size_t
msg_log_encode(uint8_t *buf, size_t cap, int pri, const char *line)
{
	struct wire_builder	 b;
	size_t			 n = strnlen(line, LOG_LINE_MAX - 1);

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, (uint8_t)pri);
	wire_put_u16(&b, (uint16_t)n);
	wire_put_bytes(&b, line, n);
	return msg_finish(&b, "LOG");
}

int
msg_log_decode(const struct ipc_msg *m, struct msg_log *out,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	out->pri = wire_get_u8(&r);
	wire_get_str(&r, out->line, sizeof(out->line));
	if (msg_done(&r, why) == -1)
		return -1;
	if (out->pri > LOG_DEBUG) {
		*why = "log priority out of range";
		return -1;
	}
	return 0;
}

int
msg_u8_decode(const struct ipc_msg *m, uint8_t *out, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	*out = wire_get_u8(&r);
	return msg_done(&r, why);
}

size_t
msg_blob_encode(uint8_t *buf, size_t cap, const void *p, size_t len)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	if (len > UINT16_MAX)
		fatalx("blob of %zu bytes does not fit", len);
	wire_put_u16(&b, (uint16_t)len);
	wire_put_bytes(&b, p, len);
	return msg_finish(&b, "blob");
}

int
msg_blob_decode(const struct ipc_msg *m, const uint8_t **p, size_t *len,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	*len = wire_get_u16(&r);
	*p = r.p;
	if (wire_ok(&r) && *len <= r.left) {
		r.p += *len;
		r.left -= *len;
	} else if (wire_ok(&r))
		r.err = "payload truncated";
	return msg_done(&r, why);
}

size_t
msg_tls_renew_encode(uint8_t *buf, size_t cap, uint32_t key_id,
    const void *chain, size_t len)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	if (len == 0 || len > PEM_MAX)
		fatalx("certificate chain of %zu bytes does not fit", len);
	wire_put_u32(&b, key_id);
	wire_put_u16(&b, (uint16_t)len);
	wire_put_bytes(&b, chain, len);
	return msg_finish(&b, "TLS_RENEW");
}

int
msg_tls_renew_decode(const struct ipc_msg *m, uint32_t *key_id,
    const uint8_t **chain, size_t *len, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	*key_id = wire_get_u32(&r);
	*len = wire_get_u16(&r);
	*chain = r.p;
	if (wire_ok(&r) && *len > 0 && *len <= r.left) {
		r.p += *len;
		r.left -= *len;
	} else if (wire_ok(&r))
		r.err = *len == 0 ? "empty certificate chain" :
		    "payload truncated";
	return msg_done(&r, why);
}

size_t
msg_net_config_encode(uint8_t *buf, size_t cap,
    const struct msg_net_config *c)
{
	struct wire_builder	 b;
	size_t			 i;

	wire_builder_init(&b, buf, cap);
	wire_put_u32(&b, c->header_bytes);
	wire_put_u32(&b, c->header_count);
	wire_put_u32(&b, c->body_bytes);
	wire_put_u32(&b, c->request_line);
	wire_put_u32(&b, c->header_timeout);
	wire_put_u32(&b, c->body_timeout);
	wire_put_u32(&b, c->idle_timeout);
	wire_put_u32(&b, c->connections);
	wire_put_u32(&b, c->connections_per_source);
	wire_put_u32(&b, c->rate_window);
	wire_put_u32(&b, c->rate_per_source);
	wire_put_u32(&b, c->ipv6_prefix);
	for (i = 0; i < nitems(c->reserved); i++)
		wire_put_u32(&b, 0);
	wire_put_u8(&b, c->nexempt);
	for (i = 0; i < c->nexempt && i < nitems(c->exempt); i++) {
		wire_put_u8(&b, c->exempt[i].family);
		wire_put_u8(&b, c->exempt[i].prefix);
		wire_put_bytes(&b, c->exempt[i].addr,
		    sizeof(c->exempt[i].addr));
	}
	return msg_finish(&b, "NET_CONFIG");
}

int
msg_net_config_decode(const struct ipc_msg *m, struct msg_net_config *c,
    const char **why)
{
	struct wire_reader	 r;
	size_t			 i;

	wire_reader_init(&r, m->data, m->hdr.len);
	c->header_bytes = wire_get_u32(&r);
	c->header_count = wire_get_u32(&r);
	c->body_bytes = wire_get_u32(&r);
	c->request_line = wire_get_u32(&r);
	c->header_timeout = wire_get_u32(&r);
	c->body_timeout = wire_get_u32(&r);
	c->idle_timeout = wire_get_u32(&r);
	c->connections = wire_get_u32(&r);
	c->connections_per_source = wire_get_u32(&r);
	c->rate_window = wire_get_u32(&r);
	c->rate_per_source = wire_get_u32(&r);
	c->ipv6_prefix = wire_get_u32(&r);
	for (i = 0; i < nitems(c->reserved); i++)
		c->reserved[i] = wire_get_u32(&r);
	c->nexempt = wire_get_u8(&r);
	if (c->nexempt > nitems(c->exempt)) {
		*why = "too many exempt networks";
		return -1;
	}
	for (i = 0; i < c->nexempt; i++) {
		c->exempt[i].family = wire_get_u8(&r);
		c->exempt[i].prefix = wire_get_u8(&r);
		wire_get_bytes(&r, c->exempt[i].addr,
		    sizeof(c->exempt[i].addr));
	}
	if (msg_done(&r, why) == -1)
		return -1;
	for (i = 0; i < c->nexempt; i++) {
		if (!src_net_valid(&c->exempt[i])) {
			*why = "an exempt network is malformed";
			return -1;
		}
	}
	if (c->ipv6_prefix < 1 || c->ipv6_prefix > 128) {
		*why = "ipv6_prefix out of range";
		return -1;
	}
	if (c->header_bytes == 0 || c->header_count == 0 ||
	    c->request_line == 0 || c->header_timeout == 0 ||
	    c->body_timeout == 0 || c->idle_timeout == 0 ||
	    c->connections == 0 || c->connections_per_source == 0 ||
	    c->rate_window == 0 || c->rate_per_source == 0 ||
	    c->reserved[0] | c->reserved[1] | c->reserved[2]) {
		*why = "a limit is zero or a reserved field is set";
		return -1;
	}
	return 0;
}

size_t
msg_sign_req_encode(uint8_t *buf, size_t cap, const struct msg_sign_req *s)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u32(&b, s->key_id);
	wire_put_u8(&b, s->alg);
	wire_put_u32(&b, s->padding);
	wire_put_u16(&b, s->len);
	wire_put_bytes(&b, s->input, s->len);
	return msg_finish(&b, "SIGN_REQ");
}

int
msg_sign_req_decode(const struct ipc_msg *m, struct msg_sign_req *s,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	s->key_id = wire_get_u32(&r);
	s->alg = wire_get_u8(&r);
	s->padding = wire_get_u32(&r);
	s->len = wire_get_u16(&r);
	if (wire_ok(&r) && (s->len == 0 || s->len > KEYOP_IO_MAX)) {
		*why = "signature input length out of range";
		return -1;
	}
	wire_get_bytes(&r, s->input, s->len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (s->alg != KEYOP_RSA && s->alg != KEYOP_ECDSA) {
		*why = "unknown key algorithm";
		return -1;
	}
	return 0;
}

size_t
msg_sign_res_encode(uint8_t *buf, size_t cap, const struct msg_sign_res *s)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, s->ok);
	wire_put_u16(&b, s->len);
	wire_put_bytes(&b, s->sig, s->len);
	return msg_finish(&b, "SIGN_RES");
}

int
msg_sign_res_decode(const struct ipc_msg *m, struct msg_sign_res *s,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	s->ok = wire_get_u8(&r);
	s->len = wire_get_u16(&r);
	if (wire_ok(&r) && s->len > KEYOP_IO_MAX) {
		*why = "signature length out of range";
		return -1;
	}
	wire_get_bytes(&r, s->sig, s->len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (s->ok > 1 || (s->ok && s->len == 0) || (!s->ok && s->len != 0)) {
		*why = "signature status and length disagree";
		return -1;
	}
	return 0;
}

static int
msg_flag_ok(uint8_t v)
{
	return v == 0 || v == 1;
}

size_t
msg_api_req_encode(uint8_t *buf, size_t cap, const struct msg_api_req *q)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, q->op);
	wire_put_u8(&b, q->key_present);
	wire_put_bytes(&b, q->key_hash, SHA256_LEN);
	wire_put_u8(&b, q->fp_present);
	wire_put_bytes(&b, q->fingerprint, SHA256_LEN);
	wire_put_str(&b, q->address);
	wire_put_u16(&b, q->params_len);
	wire_put_bytes(&b, q->params, q->params_len);
	return msg_finish(&b, "API_REQ");
}

int
msg_api_req_decode(const struct ipc_msg *m, struct msg_api_req *q,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	q->op = wire_get_u8(&r);
	q->key_present = wire_get_u8(&r);
	wire_get_bytes(&r, q->key_hash, SHA256_LEN);
	q->fp_present = wire_get_u8(&r);
	wire_get_bytes(&r, q->fingerprint, SHA256_LEN);
	wire_get_str(&r, q->address, sizeof(q->address));
	q->params_len = wire_get_u16(&r);
	if (wire_ok(&r) && q->params_len > API_PARAMS_MAX) {
		*why = "params too long";
		return -1;
	}
	wire_get_bytes(&r, q->params, q->params_len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (q->op == OP_NONE || q->op >= OP_MAX) {
		*why = "unknown API operation";
		return -1;
	}
	if (!msg_flag_ok(q->key_present) || !msg_flag_ok(q->fp_present)) {
		*why = "flag out of range";
		return -1;
	}
	if (q->address[0] == '\0') {
		*why = "empty client address";
		return -1;
	}
	return 0;
}

size_t
msg_api_res_encode(uint8_t *buf, size_t cap, const struct msg_api_res *a)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u16(&b, a->status);
	wire_put_str(&b, a->code);
	wire_put_str(&b, a->message);
	wire_put_u32(&b, a->retry_after);
	wire_put_u32(&b, a->result_len);
	wire_put_bytes(&b, a->result, a->result_len);
	return msg_finish(&b, "API_RES");
}

int
msg_api_res_decode(const struct ipc_msg *m, struct msg_api_res *a,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	a->status = wire_get_u16(&r);
	wire_get_str(&r, a->code, sizeof(a->code));
	wire_get_str(&r, a->message, sizeof(a->message));
	a->retry_after = wire_get_u32(&r);
	a->result_len = wire_get_u32(&r);
	if (wire_ok(&r) && a->result_len > API_RESULT_MAX) {
		*why = "result too long";
		return -1;
	}
	wire_get_bytes(&r, a->result, a->result_len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (a->status < 100 || a->status > 599 || a->code[0] == '\0') {
		*why = "bad status or empty code";
		return -1;
	}
	return 0;
}

size_t
msg_ban_encode(uint8_t *buf, size_t cap, const struct msg_ban *bn)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_str(&b, bn->address);
	wire_put_u32(&b, bn->seconds);
	return msg_finish(&b, "BAN");
}

int
msg_ban_decode(const struct ipc_msg *m, struct msg_ban *bn, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	wire_get_str(&r, bn->address, sizeof(bn->address));
	bn->seconds = wire_get_u32(&r);
	if (msg_done(&r, why) == -1)
		return -1;
	if (bn->address[0] == '\0') {
		*why = "empty address";
		return -1;
	}
	return 0;
}

void
msg_api_res_reset(struct msg_api_res *res)
{
	res->status = 0;
	res->code[0] = '\0';
	res->message[0] = '\0';
	res->retry_after = 0;
	res->result_len = 0;
}

void
msg_api_res_set(struct msg_api_res *res, uint16_t status, const char *code,
    uint32_t retry_after, const char *fmt, ...)
{
	va_list	 ap;

	res->status = status;
	strlcpy(res->code, code, sizeof(res->code));
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	res->retry_after = retry_after;
	res->result_len = 0;
}

/* The broker's messages. */

static int
msg_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

static int
msg_finite_pos(double d)
{
	return isfinite(d) && d > 0;
}

static int
msg_finite_nonneg(double d)
{
	return isfinite(d) && d >= 0;
}

size_t
msg_broker_config_encode(uint8_t *buf, size_t cap,
    const struct msg_broker_config *c)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, c->backend);
	wire_put_u8(&b, c->margin_mode);
	wire_put_str(&b, c->currency);
	wire_put_u32(&b, c->leverage);
	wire_put_double(&b, c->balance);
	wire_put_u64(&b, c->seed);
	wire_put_u32(&b, c->tick_interval);
	wire_put_u32(&b, c->nsymbols);
	return msg_finish(&b, "BROKER_CONFIG");
}

int
msg_broker_config_decode(const struct ipc_msg *m, struct msg_broker_config *c,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	c->backend = wire_get_u8(&r);
	c->margin_mode = wire_get_u8(&r);
	wire_get_str(&r, c->currency, sizeof(c->currency));
	c->leverage = wire_get_u32(&r);
	c->balance = wire_get_double(&r);
	c->seed = wire_get_u64(&r);
	c->tick_interval = wire_get_u32(&r);
	c->nsymbols = wire_get_u32(&r);
	if (msg_done(&r, why) == -1)
		return -1;
	if (c->backend > BROKER_BACKEND_BRIDGE ||
	    (c->margin_mode != PAPER_NETTING &&
	    c->margin_mode != PAPER_HEDGING)) {
		*why = "backend or margin mode out of range";
		return -1;
	}
	if (c->currency[0] == '\0' || !msg_printable(c->currency) ||
	    c->leverage == 0 || !msg_finite_pos(c->balance) ||
	    c->tick_interval == 0 || c->nsymbols == 0 ||
	    c->nsymbols > BROKER_SYMBOLS_MAX) {
		*why = "account field out of range";
		return -1;
	}
	return 0;
}

size_t
msg_broker_symbol_encode(uint8_t *buf, size_t cap,
    const struct msg_broker_symbol *s)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_str(&b, s->name);
	wire_put_str(&b, s->currency_base);
	wire_put_str(&b, s->currency_profit);
	wire_put_u8(&b, s->digits);
	wire_put_double(&b, s->contract_size);
	wire_put_double(&b, s->volume_min);
	wire_put_double(&b, s->volume_max);
	wire_put_double(&b, s->volume_step);
	wire_put_u32(&b, s->stops_level);
	wire_put_u8(&b, s->filling);
	wire_put_u8(&b, s->trade_mode);
	wire_put_u8(&b, s->exec_mode);
	wire_put_u8(&b, s->calc_mode);
	wire_put_double(&b, s->liquidity);
	wire_put_double(&b, s->margin_rate);
	wire_put_double(&b, s->margin_initial);
	wire_put_double(&b, s->margin_hedged);
	wire_put_double(&b, s->tick_size);
	wire_put_double(&b, s->tick_value);
	wire_put_double(&b, s->start_bid);
	wire_put_u32(&b, s->spread);
	wire_put_u32(&b, s->max_step);
	wire_put_u8(&b, s->session_open);
	wire_put_u8(&b, s->expiration);
	wire_put_u32(&b, s->session_end);
	return msg_finish(&b, "BROKER_SYMBOL");
}

int
msg_broker_symbol_decode(const struct ipc_msg *m, struct msg_broker_symbol *s,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	wire_get_str(&r, s->name, sizeof(s->name));
	wire_get_str(&r, s->currency_base, sizeof(s->currency_base));
	wire_get_str(&r, s->currency_profit, sizeof(s->currency_profit));
	s->digits = wire_get_u8(&r);
	s->contract_size = wire_get_double(&r);
	s->volume_min = wire_get_double(&r);
	s->volume_max = wire_get_double(&r);
	s->volume_step = wire_get_double(&r);
	s->stops_level = wire_get_u32(&r);
	s->filling = wire_get_u8(&r);
	s->trade_mode = wire_get_u8(&r);
	s->exec_mode = wire_get_u8(&r);
	s->calc_mode = wire_get_u8(&r);
	s->liquidity = wire_get_double(&r);
	s->margin_rate = wire_get_double(&r);
	s->margin_initial = wire_get_double(&r);
	s->margin_hedged = wire_get_double(&r);
	s->tick_size = wire_get_double(&r);
	s->tick_value = wire_get_double(&r);
	s->start_bid = wire_get_double(&r);
	s->spread = wire_get_u32(&r);
	s->max_step = wire_get_u32(&r);
	s->session_open = wire_get_u8(&r);
	s->expiration = wire_get_u8(&r);
	s->session_end = wire_get_u32(&r);
	if (msg_done(&r, why) == -1)
		return -1;
	if (s->name[0] == '\0' || !msg_printable(s->name) ||
	    !msg_printable(s->currency_base) ||
	    !msg_printable(s->currency_profit)) {
		*why = "symbol name or currency not printable";
		return -1;
	}
	if (s->digits > PAPER_DIGITS_MAX || (s->filling & ~PAPER_FILL_ALL) != 0 ||
	    s->trade_mode > PAPER_TRADE_MODE_MAX ||
	    s->exec_mode < PAPER_EXEC_MODE_MIN ||
	    s->exec_mode > PAPER_EXEC_MODE_MAX ||
	    s->calc_mode > PAPER_CALC_MODE_MAX || s->session_open > 1 ||
	    s->expiration == 0 || (s->expiration & ~PAPER_EXPIRATION_ALL) ||
	    s->session_end > 86400) {
		*why = "symbol enum out of range";
		return -1;
	}
	if (!msg_finite_pos(s->contract_size) ||
	    !msg_finite_pos(s->volume_min) || !msg_finite_pos(s->volume_max) ||
	    !msg_finite_pos(s->volume_step) || !msg_finite_pos(s->start_bid) ||
	    !isfinite(s->liquidity) || s->liquidity < 0 || s->max_step == 0 ||
	    !msg_finite_nonneg(s->margin_rate) ||
	    !msg_finite_nonneg(s->margin_initial) ||
	    !msg_finite_nonneg(s->margin_hedged) ||
	    !msg_finite_nonneg(s->tick_size) ||
	    !msg_finite_nonneg(s->tick_value)) {
		*why = "symbol value out of range";
		return -1;
	}
	return 0;
}

size_t
msg_broker_req_encode(uint8_t *buf, size_t cap, const struct msg_broker_req *q)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, q->command_id);
	wire_put_u8(&b, q->op);
	wire_put_u16(&b, q->params_len);
	wire_put_bytes(&b, q->params, q->params_len);
	return msg_finish(&b, "BROKER_REQ");
}

int
msg_broker_req_decode(const struct ipc_msg *m, struct msg_broker_req *q,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	q->command_id = wire_get_u64(&r);
	q->op = wire_get_u8(&r);
	q->params_len = wire_get_u16(&r);
	if (wire_ok(&r) && q->params_len > API_PARAMS_MAX) {
		*why = "params too long";
		return -1;
	}
	wire_get_bytes(&r, q->params, q->params_len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (q->op == OP_NONE || q->op >= OP_MAX) {
		*why = "unknown API operation";
		return -1;
	}
	return 0;
}

size_t
msg_broker_up_encode(uint8_t *buf, size_t cap, const struct msg_broker_up *u)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, u->connected);
	wire_put_str(&b, u->reason);
	return msg_finish(&b, "BROKER_UP");
}

int
msg_broker_up_decode(const struct ipc_msg *m, struct msg_broker_up *u,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	u->connected = wire_get_u8(&r);
	wire_get_str(&r, u->reason, sizeof(u->reason));
	if (msg_done(&r, why) == -1)
		return -1;
	if (!msg_flag_ok(u->connected)) {
		*why = "flag out of range";
		return -1;
	}
	return 0;
}

size_t
msg_broker_record_encode(uint8_t *buf, size_t cap,
    const struct msg_broker_record *rec)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u8(&b, rec->type);
	wire_put_u8(&b, rec->op);
	wire_put_u16(&b, rec->len);
	wire_put_bytes(&b, rec->data, rec->len);
	return msg_finish(&b, "BROKER_RECORD");
}

int
msg_broker_record_decode(const struct ipc_msg *m,
    struct msg_broker_record *rec, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	rec->type = wire_get_u8(&r);
	rec->op = wire_get_u8(&r);
	rec->len = wire_get_u16(&r);
	if (wire_ok(&r) && rec->len > BROKER_RECORD_MAX) {
		*why = "record too long";
		return -1;
	}
	wire_get_bytes(&r, rec->data, rec->len);
	if (msg_done(&r, why) == -1)
		return -1;
	if (rec->type == 0 || rec->op == 0) {
		*why = "record type or op is zero";
		return -1;
	}
	return 0;
}

size_t
msg_u64_encode(uint8_t *buf, size_t cap, uint64_t v)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u64(&b, v);
	return msg_finish(&b, "u64");
}

int
msg_u64_decode(const struct ipc_msg *m, uint64_t *v, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	*v = wire_get_u64(&r);
	return msg_done(&r, why);
}
