/*
 * Typed payload builders and readers.  See wire.h.
 */
#include <string.h>

#include "wire.h"

void
wire_builder_init(struct wire_builder *b, void *buf, size_t cap)
{
	b->buf = buf;
	b->len = 0;
	b->cap = cap;
	b->err = 0;
}

void
wire_put_bytes(struct wire_builder *b, const void *p, size_t n)
{
	if (b->err || n > b->cap - b->len) {
		b->err = 1;
		return;
	}
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void
wire_put_le(struct wire_builder *b, uint64_t v, size_t n)
{
	uint8_t	 tmp[8];
	size_t	 i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	wire_put_bytes(b, tmp, n);
}

void
wire_put_u8(struct wire_builder *b, uint8_t v)
{
	wire_put_le(b, v, 1);
}

void
wire_put_u16(struct wire_builder *b, uint16_t v)
{
	wire_put_le(b, v, 2);
}

void
wire_put_u32(struct wire_builder *b, uint32_t v)
{
	wire_put_le(b, v, 4);
}

void
wire_put_u64(struct wire_builder *b, uint64_t v)
{
	wire_put_le(b, v, 8);
}

void
wire_put_double(struct wire_builder *b, double d)
{
	uint64_t	 u;

	memcpy(&u, &d, sizeof(u));
	wire_put_u64(b, u);
}

void
wire_put_str(struct wire_builder *b, const char *s)
{
	size_t	 n = strlen(s);

	if (n > UINT16_MAX) {
		b->err = 1;
		return;
	}
	wire_put_u16(b, (uint16_t)n);
	wire_put_bytes(b, s, n);
}

void
wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->p = buf;
	r->left = len;
	r->err = NULL;
}

static int
wire_take(struct wire_reader *r, size_t n, const uint8_t **out)
{
	if (r->err != NULL)
		return -1;
	if (n > r->left) {
		r->err = "payload truncated";
		return -1;
	}
	*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static uint64_t
wire_get_le(struct wire_reader *r, size_t n)
{
	const uint8_t	*p;
	uint64_t	 v = 0;
	size_t		 i;

	if (wire_take(r, n, &p) == -1)
		return 0;
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t
wire_get_u8(struct wire_reader *r)
{
	return (uint8_t)wire_get_le(r, 1);
}

uint16_t
wire_get_u16(struct wire_reader *r)
{
	return (uint16_t)wire_get_le(r, 2);
}

uint32_t
wire_get_u32(struct wire_reader *r)
{
	return (uint32_t)wire_get_le(r, 4);
}

uint64_t
wire_get_u64(struct wire_reader *r)
{
	return wire_get_le(r, 8);
}

double
wire_get_double(struct wire_reader *r)
{
	uint64_t	 u = wire_get_u64(r);
	double		 d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

void
wire_get_bytes(struct wire_reader *r, void *dst, size_t n)
{
	const uint8_t	*p;

	if (wire_take(r, n, &p) == -1) {
		memset(dst, 0, n);
		return;
	}
	if (n > 0)
		memcpy(dst, p, n);
}

void
wire_get_str(struct wire_reader *r, char *dst, size_t dstsz)
{
	const uint8_t	*p;
	size_t		 n;

	dst[0] = '\0';
	n = wire_get_u16(r);
	if (r->err != NULL)
		return;
	if (n >= dstsz) {
		r->err = "string too long";
		return;
	}
	if (wire_take(r, n, &p) == -1)
		return;
	if (memchr(p, '\0', n) != NULL) {
		r->err = "string holds a NUL byte";
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

int
wire_ok(const struct wire_reader *r)
{
	return r->err == NULL;
}

int
wire_end(struct wire_reader *r)
{
	if (r->err == NULL && r->left != 0)
		r->err = "trailing bytes";
	return r->err == NULL ? 0 : -1;
}
