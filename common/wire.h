/*
 * Typed builders and readers for binary payloads (IPC messages and the
 * control protocol).  Integers are little-endian on the wire; strings are
 * a u16 length then that many bytes, with no NUL and no length beyond the
 * caller's bound.  A reader that runs short, meets a bad string or is
 * asked to finish with bytes left over records an error; every later call
 * fails too, so a decoder checks wire_ok()/wire_end() once at the end.
 */
#ifndef HERALD_WIRE_H
#define HERALD_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire_builder {
	uint8_t		*buf;
	size_t		 len;
	size_t		 cap;
	int		 err;		/* set when something did not fit */
};

struct wire_reader {
	const uint8_t	*p;
	size_t		 left;
	const char	*err;		/* first failure, NULL while fine */
};

void	wire_builder_init(struct wire_builder *, void *buf, size_t cap);
void	wire_put_u8(struct wire_builder *, uint8_t);
void	wire_put_u16(struct wire_builder *, uint16_t);
void	wire_put_u32(struct wire_builder *, uint32_t);
void	wire_put_u64(struct wire_builder *, uint64_t);
void	wire_put_bytes(struct wire_builder *, const void *, size_t);
/* A double as the u64 of its IEEE-754 bits. */
void	wire_put_double(struct wire_builder *, double);
/* u16 length, then the bytes of s (NUL excluded). */
void	wire_put_str(struct wire_builder *, const char *s);

void	wire_reader_init(struct wire_reader *, const void *buf, size_t len);
uint8_t	 wire_get_u8(struct wire_reader *);
uint16_t wire_get_u16(struct wire_reader *);
uint32_t wire_get_u32(struct wire_reader *);
uint64_t wire_get_u64(struct wire_reader *);
/* Any bit pattern, NaN and infinities included: callers check ranges. */
double	 wire_get_double(struct wire_reader *);
/* Copy exactly n bytes into dst. */
void	wire_get_bytes(struct wire_reader *, void *dst, size_t n);
/*
 * A string into dst (size dstsz, NUL-terminated).  Fails if it is longer
 * than dstsz - 1 or holds a NUL byte.
 */
void	wire_get_str(struct wire_reader *, char *dst, size_t dstsz);
/* 0 when nothing failed and no bytes remain, -1 otherwise (err says why). */
int	wire_end(struct wire_reader *);
int	wire_ok(const struct wire_reader *);

#endif
