/*
 * The log sanitiser.  A line is scanned in a bounded window: every byte
 * that belongs to a secret is marked, and only then is the line copied
 * out with each run of marked bytes replaced by one SANITIZE_MASK and
 * truncated to the caller's buffer.  Deciding what to mask on the whole
 * window before truncating is what keeps half a secret out of the log;
 * marking bytes rather than rewriting the line as we go means a value
 * that contains another, or overlaps it, or repeats, is masked whole
 * whatever the order of the values.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sanitize.h"

/*
 * How much of a line is looked at.  Log lines are at most LOG_LINE_MAX
 * (1024) bytes; the window is larger so that a line whose long secrets
 * shrink to masks still fills the caller's buffer.  Beyond the window
 * nothing is copied out.
 */
#define SANITIZE_SCAN_MAX	8192

/* Anything ending in one of these, then '=' or ':', hides its value. */
static const char *const sanitize_keys[] = {
	"password",
	"passwd",
	"secret",
	"token",
	"api_key",
	"apikey",
	"api-key",
	"x-api-key",
	"authorization",
};

#define SANITIZE_BEARER	"bearer"

static const struct sanitize_value	*sanitize_values;
static size_t				 sanitize_nvalues;

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_quote(char c)
{
	return c == '"' || c == '\'';
}

/* Where an unquoted value ends. */
static int
is_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '&' || c == ',' || c == ';' || c == '\0';
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static void
mark_range(uint8_t *mark, size_t from, size_t to)
{
	if (to > from)
		memset(mark + from, 1, to - from);
}

/* (a) Every occurrence of every configured value. */
static void
mark_values(const char *s, size_t n, int cut, uint8_t *mark,
    const struct sanitize_value *values, size_t nvalues)
{
	const struct sanitize_value	*v;
	size_t				 i, k, vi;

	for (vi = 0; vi < nvalues; vi++) {
		v = &values[vi];
		if (v->value == NULL || v->len == 0)
			continue;
		for (i = 0; v->len <= n && i <= n - v->len; i++)
			if (memcmp(s + i, v->value, v->len) == 0)
				mark_range(mark, i, i + v->len);
		if (!cut)
			continue;
		/*
		 * The window ends inside the line: its last bytes may be
		 * the start of a value whose rest lies beyond.
		 */
		k = v->len - 1 < n ? v->len - 1 : n;
		for (; k > 0; k--) {
			if (memcmp(s + n - k, v->value, k) == 0) {
				mark_range(mark, n - k, n);
				break;
			}
		}
	}
}

/* Step over a quote, or a JSON-escaped one (\"), at *p. */
static int
skip_quote(const char *s, size_t n, size_t *p, char *q)
{
	if (*p + 1 < n && s[*p] == '\\' && is_quote(s[*p + 1])) {
		*q = s[*p + 1];
		*p += 2;
		return 2;
	}
	if (*p < n && is_quote(s[*p])) {
		*q = s[*p];
		*p += 1;
		return 1;
	}
	return 0;
}

/* The end of a quoted value starting at p; the line's end if unclosed. */
static size_t
quoted_end(const char *s, size_t n, size_t p, char q, int escaped)
{
	for (; p < n; p++) {
		if (escaped) {
			/* Inside an escaped string the close is \" too. */
			if (s[p] == '\\' && p + 1 < n && s[p + 1] == q)
				return p;
		} else if (s[p] == '\\' && p + 1 < n)
			p++;
		else if (s[p] == q)
			return p;
	}
	return n;
}

static size_t
word_end(const char *s, size_t n, size_t p)
{
	while (p < n && !is_delim(s[p]))
		p++;
	return p;
}

/*
 * (b) At p, just after a key: an optional closing quote of the key (as in
 * JSON), optional blanks, '=' or ':', optional blanks, then the value,
 * quoted or not.  An Authorization value is a scheme and its credentials,
 * so there the value runs over a second word.
 */
static void
mark_key_value(const char *s, size_t n, size_t p, int authz, uint8_t *mark)
{
	size_t	 vs, ve;
	char	 q;
	int	 quoted;

	(void)skip_quote(s, n, &p, &q);
	while (p < n && is_space(s[p]))
		p++;
	if (p >= n || (s[p] != '=' && s[p] != ':'))
		return;
	p++;
	while (p < n && is_space(s[p]))
		p++;
	if ((quoted = skip_quote(s, n, &p, &q)) != 0) {
		vs = p;
		ve = quoted_end(s, n, p, q, quoted == 2);
	} else {
		vs = p;
		ve = word_end(s, n, p);
		if (authz && ve > vs) {
			p = ve;
			while (p < n && is_space(s[p]))
				p++;
			if (p < n && !is_delim(s[p]))
				ve = word_end(s, n, p);
		}
	}
	mark_range(mark, vs, ve);
}

static void
mark_keys(const char *s, size_t n, uint8_t *mark)
{
	const char	*k;
	size_t		 i, ki, klen;

	for (i = 0; i < n; i++) {
		for (ki = 0; ki < sizeof(sanitize_keys) /
		    sizeof(sanitize_keys[0]); ki++) {
			k = sanitize_keys[ki];
			klen = strlen(k);
			if (klen > n - i || strncasecmp(s + i, k, klen) != 0)
				continue;
			mark_key_value(s, n, i + klen,
			    strcmp(k, "authorization") == 0, mark);
		}
	}
}

/* (c) "Bearer", blanks, then a token: the token. */
static void
mark_bearer(const char *s, size_t n, uint8_t *mark)
{
	size_t	 blen = strlen(SANITIZE_BEARER), i, p, e;

	for (i = 0; blen <= n && i <= n - blen; i++) {
		if (strncasecmp(s + i, SANITIZE_BEARER, blen) != 0)
			continue;
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		p = i + blen;
		if (p >= n || !is_space(s[p]))
			continue;
		while (p < n && is_space(s[p]))
			p++;
		e = p;
		while (e < n && !is_delim(s[e]) && !is_quote(s[e]))
			e++;
		mark_range(mark, p, e);
	}
}

/* Append up to len bytes of s, keeping room for the NUL. */
static void
emit(char *dst, size_t dstsz, size_t *o, const char *s, size_t len)
{
	size_t	 room = dstsz - 1 - *o;

	if (len > room)
		len = room;
	memcpy(dst + *o, s, len);
	*o += len;
}

void
sanitize_line(char *dst, size_t dstsz, const char *src,
    const struct sanitize_value *values, size_t nvalues)
{
	uint8_t	 mark[SANITIZE_SCAN_MAX];
	size_t	 n, i, o = 0;
	int	 cut;

	if (dstsz == 0)
		return;
	if (src == NULL)
		src = "";
	n = strnlen(src, SANITIZE_SCAN_MAX);
	cut = src[n] != '\0';
	memset(mark, 0, n);

	mark_values(src, n, cut, mark, values, nvalues);
	mark_keys(src, n, mark);
	mark_bearer(src, n, mark);

	for (i = 0; i < n && o < dstsz - 1; i++) {
		if (!mark[i])
			emit(dst, dstsz, &o, src + i, 1);
		else if (i == 0 || !mark[i - 1])
			emit(dst, dstsz, &o, SANITIZE_MASK,
			    sizeof(SANITIZE_MASK) - 1);
	}
	dst[o] = '\0';
}

void
sanitize_set_values(const struct sanitize_value *values, size_t n)
{
	sanitize_values = values;
	sanitize_nvalues = values == NULL ? 0 : n;
}

void
sanitize_log_line(char *dst, size_t dstsz, const char *src)
{
	sanitize_line(dst, dstsz, src, sanitize_values, sanitize_nvalues);
}
