/*
 * The framing guard (guard.h): one byte at a time through a small state
 * machine, so that a head split across any number of reads gets the same
 * verdict as the same head in one piece.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "nitems.h"

enum {
	S_METHOD = 0,		/* request line: the method */
	S_TARGET_START,		/* the first byte of the target */
	S_TARGET_SECOND,	/* the byte after its leading / */
	S_TARGET,
	S_VERSION,
	S_LINE_START,		/* the first byte of a header line */
	S_NAME,			/* a header field name */
	S_VALUE,		/* its value */
	S_CR			/* a CR was seen: only LF may follow */
};

/* Which kind of line a CR ended. */
enum {
	L_REQUEST = 0,
	L_FIELD,
	L_EMPTY
};

/* Header fields the guard tracks (index into g->seen). */
enum {
	GF_NONE = 0,
	GF_CL,
	GF_TE,
	GF_HOST,
	GF_AUTH,
	GF_APIKEY,
	GF_CTYPE,
	GF_EXPECT
};

static const struct {
	const char	*name;
	int		 field;
} guard_fields[] = {
	{ "content-length",	GF_CL },
	{ "transfer-encoding",	GF_TE },
	{ "host",		GF_HOST },
	{ "authorization",	GF_AUTH },
	{ "x-api-key",		GF_APIKEY },
	{ "content-type",	GF_CTYPE },
	{ "expect",		GF_EXPECT },
};

/* The names used in messages, indexed by GF_*. */
static const char *const guard_field_names[] = {
	"", "Content-Length", "Transfer-Encoding", "Host", "Authorization",
	"X-Api-Key", "Content-Type", "Expect"
};

/* Methods evhttp knows; the first three may carry a body. */
static const char *const guard_methods[] = {
	"POST", "PUT", "PATCH",
	"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"
};
#define GUARD_BODY_METHODS	3


static int
guard_tchar(int ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static enum guard_verdict guard_refuse(struct guard *, int, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

static enum guard_verdict
guard_refuse(struct guard *g, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	g->status = status;
	g->code = code;
	va_start(ap, fmt);
	vsnprintf(g->message, sizeof(g->message), fmt, ap);
	va_end(ap);
	return GUARD_REFUSE;
}

static enum guard_verdict
guard_bad(struct guard *g, const char *why)
{
	return guard_refuse(g, 400, "bad_request", "%s", why);
}

void
guard_init(struct guard *g, const struct guard_limits *lim)
{
	memset(g, 0, sizeof(*g));
	g->lim = *lim;
	guard_reset(g);
}

void
guard_reset(struct guard *g)
{
	struct guard_limits	 lim = g->lim;

	memset(g, 0, sizeof(*g));
	g->lim = lim;
	g->state = S_METHOD;
	g->in_request_line = 1;
}

int
guard_started(const struct guard *g)
{
	return g->nbytes > 0;
}

const char *
guard_method(const struct guard *g)
{
	return g->method;
}

static int
guard_method_index(const struct guard *g)
{
	size_t	 i;

	for (i = 0; i < nitems(guard_methods); i++)
		if (strcmp(g->method, guard_methods[i]) == 0)
			return (int)i;
	return -1;
}

/* The request line is complete: method and version. */
static enum guard_verdict
guard_request_line(struct guard *g)
{
	g->version[g->version_len] = '\0';
	if (strcmp(g->version, "HTTP/1.1") != 0 &&
	    strcmp(g->version, "HTTP/1.0") != 0)
		return guard_refuse(g, 400, "bad_request",
		    "unsupported protocol version '%s': HTTP/1.1 or HTTP/1.0 "
		    "only", g->version);
	if (guard_method_index(g) == -1)
		return guard_refuse(g, 501, "not_implemented",
		    "method %s is not implemented", g->method);
	return GUARD_MORE;
}

/* The tracked value, without leading or trailing whitespace. */
static const char *
guard_value(struct guard *g)
{
	g->value[g->value_trim] = '\0';
	return g->value;
}

static int
guard_content_length(struct guard *g)
{
	const char	*v = guard_value(g);
	uint64_t	 n = 0;
	size_t		 i;

	if (g->value_long || g->value_trim == 0 || g->value_trim > 18)
		return -1;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	g->content_length = n;
	return 0;
}

/* Whether the last coding of a Transfer-Encoding value is "chunked". */
static int
guard_te_chunked(struct guard *g)
{
	const char	*v = guard_value(g), *last;

	if (g->value_long)
		return 0;
	if ((last = strrchr(v, ',')) == NULL)
		last = v;
	else
		last++;
	while (*last == ' ' || *last == '\t')
		last++;
	return strcasecmp(last, "chunked") == 0;
}

/* A header line is complete. */
static enum guard_verdict
guard_field_done(struct guard *g)
{
	int	 f = g->field;

	if (f == GF_NONE)
		return GUARD_MORE;
	if (++g->seen[f] > 1)
		return guard_refuse(g, 400, "bad_request",
		    "duplicate %s header", guard_field_names[f]);
	switch (f) {
	case GF_CL:
		if (guard_content_length(g) == -1)
			return guard_bad(g, "invalid Content-Length: "
			    "digits only");
		g->cl_valid = 1;
		break;
	case GF_TE:
		g->te_chunked = guard_te_chunked(g);
		break;
	case GF_EXPECT:
		g->expect_continue = !g->value_long &&
		    strcasecmp(guard_value(g), "100-continue") == 0;
		break;
	default:
		break;
	}
	return GUARD_MORE;
}

/* The empty line: the rules that need the whole head. */
static enum guard_verdict
guard_head_done(struct guard *g)
{
	int	 m = guard_method_index(g);

	if (g->seen[GF_TE] && g->seen[GF_CL])
		return guard_bad(g, "both Transfer-Encoding and "
		    "Content-Length");
	if (g->seen[GF_TE] && g->te_chunked)
		return guard_refuse(g, 411, "length_required",
		    "chunked request bodies are not accepted: send "
		    "Content-Length");
	if (g->seen[GF_TE])
		return guard_bad(g, "unsupported Transfer-Encoding");
	if (strcmp(g->version, "HTTP/1.1") == 0 && !g->seen[GF_HOST])
		return guard_bad(g, "HTTP/1.1 request without a Host header");
	if (m >= 0 && m < GUARD_BODY_METHODS) {
		if (!g->seen[GF_CL])
			return guard_refuse(g, 411, "length_required",
			    "%s needs Content-Length (0 for no body)",
			    g->method);
		if (g->content_length > g->lim.body_bytes)
			return guard_refuse(g, 413, "payload_too_large",
			    "body of %llu bytes is over the limit of %u",
			    (unsigned long long)g->content_length,
			    g->lim.body_bytes);
		g->body_len = g->content_length;
	} else if (g->seen[GF_CL] && g->content_length > 0)
		return guard_refuse(g, 400, "bad_request",
		    "a %s request cannot have a body", g->method);
	if (g->seen[GF_EXPECT] && !g->expect_continue)
		return guard_refuse(g, 417, "expectation_failed",
		    "only Expect: 100-continue is understood");
	return GUARD_HEAD;
}

static void
guard_name_done(struct guard *g)
{
	size_t	 i;

	g->field = GF_NONE;
	if (g->name_long)
		return;
	g->name[g->name_len] = '\0';
	for (i = 0; i < nitems(guard_fields); i++)
		if (strcasecmp(g->name, guard_fields[i].name) == 0)
			g->field = guard_fields[i].field;
}

static void
guard_value_add(struct guard *g, int ch)
{
	int	 ws = (ch == ' ' || ch == '\t');

	if (!g->value_started) {
		if (ws)
			return;
		g->value_started = 1;
	}
	if (g->field == GF_NONE)
		return;
	if (g->value_len >= GUARD_VALUE_MAX) {
		g->value_long = 1;
		return;
	}
	g->value[g->value_len++] = (char)ch;
	if (!ws)
		g->value_trim = g->value_len;
}

/* A byte that is not CR or LF. */
static enum guard_verdict
guard_byte(struct guard *g, int ch)
{
	switch (g->state) {
	case S_METHOD:
		if (ch == ' ') {
			if (g->method_len == 0)
				return guard_bad(g, "malformed request line");
			g->state = S_TARGET_START;
		} else if (!guard_tchar(ch))
			return guard_bad(g, "malformed request line");
		else if (g->method_len >= GUARD_METHOD_MAX)
			return guard_refuse(g, 501, "not_implemented",
			    "method not implemented");
		else {
			g->method[g->method_len++] = (char)ch;
			g->method[g->method_len] = '\0';
		}
		return GUARD_MORE;
	case S_TARGET_START:
		if (ch != '/')
			return guard_bad(g, "the request target must be an "
			    "absolute path starting with /");
		g->state = S_TARGET_SECOND;
		return GUARD_MORE;
	case S_TARGET_SECOND:
		/* evhttp would take "//host..." for an authority. */
		if (ch == '/')
			return guard_bad(g, "the request target must not start "
			    "with //");
		g->state = S_TARGET;
		/* FALLTHROUGH */
	case S_TARGET:
		if (ch == ' ')
			g->state = S_VERSION;
		else if (ch < 0x21 || ch > 0x7e)
			return guard_bad(g, "invalid byte in the request "
			    "target");
		return GUARD_MORE;
	case S_VERSION:
		if (g->version_len >= sizeof(g->version) - 1 || ch < 0x21 ||
		    ch > 0x7e)
			return guard_bad(g, "malformed request line");
		g->version[g->version_len++] = (char)ch;
		return GUARD_MORE;
	case S_LINE_START:
		if (ch == ' ' || ch == '\t')
			return guard_bad(g, "obsolete line folding");
		if (!guard_tchar(ch))
			return guard_bad(g, ch == ':' ? "empty header name" :
			    "invalid byte in a header name");
		if (++g->nfields > g->lim.header_count)
			return guard_refuse(g, 431, "header_too_large",
			    "more than %u header fields", g->lim.header_count);
		g->state = S_NAME;
		g->name_len = g->value_len = g->value_trim = 0;
		g->name_long = g->value_long = g->value_started = 0;
		g->field = GF_NONE;
		/* FALLTHROUGH */
	case S_NAME:
		if (ch == ':') {
			guard_name_done(g);
			g->state = S_VALUE;
		} else if (ch == ' ' || ch == '\t')
			return guard_bad(g, "whitespace between a header name "
			    "and its colon");
		else if (!guard_tchar(ch))
			return guard_bad(g, "invalid byte in a header name");
		else if (g->name_len >= GUARD_VALUE_MAX)
			g->name_long = 1;
		else
			g->name[g->name_len++] = (char)ch;
		return GUARD_MORE;
	case S_VALUE:
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return guard_bad(g, "control byte in a header value");
		guard_value_add(g, ch);
		return GUARD_MORE;
	default:
		return guard_bad(g, "bare CR in the request head");
	}
}

/* A CR: which line it ends, or that it cannot be here. */
static enum guard_verdict
guard_cr(struct guard *g)
{
	switch (g->state) {
	case S_METHOD:
		if (g->method_len == 0)
			return guard_bad(g, "empty request line");
		return guard_bad(g, "malformed request line");
	case S_VERSION:
		g->line_kind = L_REQUEST;
		break;
	case S_LINE_START:
		g->line_kind = L_EMPTY;
		break;
	case S_NAME:
		return guard_bad(g, "header line without a colon");
	case S_VALUE:
		g->line_kind = L_FIELD;
		break;
	case S_CR:
		return guard_bad(g, "bare CR in the request head");
	default:
		return guard_bad(g, "malformed request line");
	}
	g->state = S_CR;
	return GUARD_MORE;
}

/* An LF after a CR: the end of a line. */
static enum guard_verdict
guard_lf(struct guard *g)
{
	if (g->state != S_CR)
		return guard_bad(g, "bare LF in the request head");
	g->line_len = 0;
	g->state = S_LINE_START;
	switch (g->line_kind) {
	case L_REQUEST:
		g->in_request_line = 0;
		return guard_request_line(g);
	case L_FIELD:
		return guard_field_done(g);
	default:
		return guard_head_done(g);
	}
}

/* Length limits, counted before the byte is looked at. */
static enum guard_verdict
guard_count(struct guard *g, int ch)
{
	g->nbytes++;
	if (g->in_request_line && ch != '\r' && ch != '\n' &&
	    ++g->line_len > g->lim.request_line)
		return guard_refuse(g, 414, "uri_too_long",
		    "request line longer than %u bytes", g->lim.request_line);
	if (g->nbytes > g->lim.header_bytes)
		return guard_refuse(g, 431, "header_too_large",
		    "request head larger than %u bytes", g->lim.header_bytes);
	return GUARD_MORE;
}

enum guard_verdict
guard_feed(struct guard *g, const void *buf, size_t len, size_t *used)
{
	const unsigned char	*p = buf;
	enum guard_verdict	 v = GUARD_MORE;
	size_t			 i;
	int			 ch;

	for (i = 0; i < len; i++) {
		ch = p[i];
		if ((v = guard_count(g, ch)) != GUARD_MORE)
			break;
		if (ch == '\0')
			v = guard_bad(g, "NUL byte in the request head");
		else if (ch == '\r')
			v = guard_cr(g);
		else if (ch == '\n')
			v = guard_lf(g);
		else if (g->state == S_CR)
			v = guard_bad(g, "bare CR in the request head");
		else
			v = guard_byte(g, ch);
		if (v != GUARD_MORE)
			break;
	}
	*used = (v == GUARD_MORE) ? i : i + 1;
	return v;
}
