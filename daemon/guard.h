/*
 * The framing guard: a strict, incremental scanner of HTTP/1.1 request
 * heads that runs on the decrypted bytes before evhttp parses them.
 *
 * evhttp is lenient where request smuggling lives (it folds obsolete
 * continuation lines, accepts bare LF, picks the first of two
 * Content-Length headers, ignores a body on GET).  The guard sees every
 * byte of a head first and either lets the whole head through, with the
 * exact length of the body that follows, or refuses it with the status,
 * machine code and message the client will get.  It holds no buffer of its
 * own and never allocates: the caller feeds bytes in any split and keeps
 * the head until the verdict, so the scanner can be fuzzed on its own.
 *
 * What is refused (the rule, then the answer):
 *	NUL, bare CR, bare LF, other control bytes	400 bad_request
 *	malformed request line, target not "/..."	400 bad_request
 *	a version other than HTTP/1.0 or HTTP/1.1	400 bad_request
 *	a method evhttp does not know			501 not_implemented
 *	request line longer than limits.request_line	414 uri_too_long
 *	a head larger than limits.header_bytes		431 header_too_large
 *	more than limits.header_count fields		431 header_too_large
 *	obsolete line folding, space before ':'		400 bad_request
 *	Transfer-Encoding with Content-Length		400 bad_request
 *	Transfer-Encoding ending in chunked		411 length_required
 *	any other Transfer-Encoding			400 bad_request
 *	duplicate or invalid Content-Length		400 bad_request
 *	POST, PUT or PATCH without Content-Length	411 length_required
 *	a body on any other method			400 bad_request
 *	Content-Length over limits.body_bytes		413 payload_too_large
 *	duplicate Host, Authorization, X-Api-Key,
 *	Content-Type or Expect; HTTP/1.1 without Host	400 bad_request
 *	Expect other than 100-continue			417 expectation_failed
 */
#ifndef HERALD_GUARD_H
#define HERALD_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct guard_limits {
	uint32_t	request_line;	/* bytes, CRLF excluded */
	uint32_t	header_bytes;	/* the whole head, final CRLF included */
	uint32_t	header_count;
	uint32_t	body_bytes;
};

enum guard_verdict {
	GUARD_MORE = 0,		/* every byte given was fine: feed more */
	GUARD_HEAD,		/* a complete, acceptable head */
	GUARD_REFUSE		/* refused: see status, code, message */
};

#define GUARD_METHOD_MAX	16
#define GUARD_VALUE_MAX		64	/* tracked header values kept */
#define GUARD_MSG_MAX		128

struct guard {
	struct guard_limits lim;

	int		state;		/* where in the head we are */
	int		line_kind;	/* what the last CR ends */
	int		in_request_line;
	uint64_t	nbytes;		/* bytes of this head seen so far */
	uint32_t	line_len;	/* current line, CRLF excluded */
	uint32_t	nfields;

	/* The request line. */
	char		method[GUARD_METHOD_MAX + 1];
	size_t		method_len;
	char		version[9];
	size_t		version_len;

	/* The header field being read. */
	int		field;		/* GF_* of a header we track */
	char		name[GUARD_VALUE_MAX + 1];
	size_t		name_len;
	int		name_long;	/* name did not fit in name[] */
	char		value[GUARD_VALUE_MAX + 1];
	size_t		value_len;	/* trailing whitespace included */
	size_t		value_trim;	/* without trailing whitespace */
	int		value_long;
	int		value_started;	/* past the leading whitespace */

	/* What the head said, for the end-of-head rules. */
	unsigned	seen[8];	/* per GF_*: how many times */
	int		cl_valid;
	uint64_t	content_length;
	int		te_chunked;	/* last coding is "chunked" */
	int		expect_continue;

	/* Results. */
	uint64_t	body_len;	/* after GUARD_HEAD */
	int		status;		/* after GUARD_REFUSE */
	const char	*code;
	char		message[GUARD_MSG_MAX];
};

void	guard_init(struct guard *, const struct guard_limits *);
/* Ready for the next request on the same connection. */
void	guard_reset(struct guard *);
/*
 * Scan up to len bytes.  *used is how many were consumed: all of them for
 * GUARD_MORE; up to and including the head's final LF for GUARD_HEAD
 * (g->body_len bytes of body follow, which the caller passes through
 * unscanned); up to and including the offending byte for GUARD_REFUSE.
 * Once a verdict other than GUARD_MORE is given, call guard_reset()
 * before feeding again.
 */
enum guard_verdict guard_feed(struct guard *, const void *buf, size_t len,
	    size_t *used);
/* Whether any byte of the current head has been seen. */
int	guard_started(const struct guard *);
/* The method of a head that passed (valid after GUARD_HEAD). */
const char *guard_method(const struct guard *);

#endif
