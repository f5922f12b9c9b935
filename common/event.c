/*
 * The codec of events (see event.h).
 */
#include <string.h>

#include "event.h"
#include "wire.h"

int
event_name_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > EVENT_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * One line of SSE data: printable ASCII, so neither CR nor LF can end
 * it early or start a field of the client's choosing.
 */
int
event_data_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > EVENT_DATA_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

void
event_put(struct wire_builder *b, const struct herald_event *e)
{
	wire_put_u64(b, e->id);
	wire_put_u64(b, (uint64_t)e->time_ms);
	wire_put_u64(b, e->key_id);
	wire_put_str(b, e->name);
	wire_put_str(b, e->data);
}

void
event_get(struct wire_reader *r, struct herald_event *e)
{
	memset(e, 0, sizeof(*e));
	e->id = wire_get_u64(r);
	e->time_ms = (int64_t)wire_get_u64(r);
	e->key_id = wire_get_u64(r);
	wire_get_str(r, e->name, sizeof(e->name));
	wire_get_str(r, e->data, sizeof(e->data));
	if (!wire_ok(r))
		return;
	if (e->id == 0)
		r->err = "event id 0";
	else if (!event_name_ok(e->name, strlen(e->name)))
		r->err = "bad event name";
	else if (!event_data_ok(e->data, strlen(e->data)))
		r->err = "bad event data";
}

size_t
event_encode(const struct herald_event *e, uint8_t *buf, size_t cap)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	event_put(&b, e);
	return b.err ? (size_t)-1 : b.len;
}

int
event_decode(const uint8_t *buf, size_t len, struct herald_event *e,
    const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, buf, len);
	event_get(&r, e);
	if (wire_end(&r) == -1) {
		*why = r.err;
		return -1;
	}
	return 0;
}

void
event_page_put(struct wire_builder *b, const struct event_page *pg)
{
	wire_put_u64(b, pg->key_id);
	wire_put_u8(b, pg->all);
	wire_put_u8(b, pg->more);
	wire_put_u64(b, pg->last);
	wire_put_u64(b, pg->oldest);
	wire_put_u32(b, pg->n);
}

int
event_page_get(struct wire_reader *r, struct event_page *pg,
    const char **why)
{
	memset(pg, 0, sizeof(*pg));
	pg->key_id = wire_get_u64(r);
	pg->all = wire_get_u8(r);
	pg->more = wire_get_u8(r);
	pg->last = wire_get_u64(r);
	pg->oldest = wire_get_u64(r);
	pg->n = wire_get_u32(r);
	if (!wire_ok(r)) {
		*why = r->err;
		return -1;
	}
	if (pg->all > 1 || pg->more > 1) {
		*why = "page flag out of range";
		return -1;
	}
	if (pg->n > 0 && pg->last == 0) {
		*why = "page of events without a last id";
		return -1;
	}
	return 0;
}
