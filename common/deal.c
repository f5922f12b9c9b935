/*
 * Deals as clients see them (see deal.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "deal.h"
#include "record.h"
#include "wire.h"

json_t *
json_time_ms(int64_t ms)
{
	char		 buf[96];
	struct tm	 tm;
	time_t		 t;

	if (ms <= 0)
		return json_null();
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return json_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

json_t *
json_u64(uint64_t v)
{
	return v > INT64_MAX ? json_real((double)v) : json_integer(
	    (json_int_t)v);
}

static const char *
d_type(enum paper_deal_type t)
{
	switch (t) {
	case PAPER_DEAL_BUY:
		return "BUY";
	case PAPER_DEAL_SELL:
		return "SELL";
	case PAPER_DEAL_BALANCE:
		return "BALANCE";
	}
	return "UNKNOWN";
}

static const char *
d_entry(enum paper_deal_entry e)
{
	switch (e) {
	case PAPER_ENTRY_IN:
		return "in";
	case PAPER_ENTRY_OUT:
		return "out";
	case PAPER_ENTRY_INOUT:
		return "inout";
	}
	return "unknown";
}

static const char *
d_reason(enum paper_deal_reason r)
{
	switch (r) {
	case PAPER_REASON_CLIENT:
		return "client";
	case PAPER_REASON_EXPERT:
		return "expert";
	case PAPER_REASON_SL:
		return "sl";
	case PAPER_REASON_TP:
		return "tp";
	case PAPER_REASON_SO:
		return "stop_out";
	}
	return "unknown";
}

json_t *
deal_json(const struct paper_deal *d)
{
	json_t	*o, *c;
	int	 bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	/* A broker's comment that is not UTF-8 is null. */
	if ((c = json_string(d->comment)) == NULL)
		c = json_null();
	bad |= json_object_set_new(o, "deal", json_u64(d->ticket));
	bad |= json_object_set_new(o, "order", json_u64(d->order));
	bad |= json_object_set_new(o, "position", json_u64(d->position));
	bad |= json_object_set_new(o, "time", json_time_ms(d->time));
	bad |= json_object_set_new(o, "symbol", json_string(d->symbol));
	bad |= json_object_set_new(o, "type", json_string(d_type(d->type)));
	bad |= json_object_set_new(o, "entry", json_string(d_entry(d->entry)));
	bad |= json_object_set_new(o, "reason",
	    json_string(d_reason(d->reason)));
	bad |= json_object_set_new(o, "volume", json_real(d->volume));
	bad |= json_object_set_new(o, "price", json_real(d->price));
	bad |= json_object_set_new(o, "profit", json_real(d->profit));
	bad |= json_object_set_new(o, "commission", json_real(d->commission));
	bad |= json_object_set_new(o, "swap", json_real(d->swap));
	bad |= json_object_set_new(o, "magic", json_u64(d->magic));
	bad |= json_object_set_new(o, "comment", c);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
deal_page_put(struct wire_builder *b, const struct deal_page *pg)
{
	wire_put_u8(b, pg->more);
	wire_put_u64(b, (uint64_t)pg->next_time);
	wire_put_u64(b, pg->next_ticket);
	wire_put_u32(b, pg->n);
}

int
deal_page_get(struct wire_reader *r, struct deal_page *pg, const char **why)
{
	memset(pg, 0, sizeof(*pg));
	pg->more = wire_get_u8(r);
	pg->next_time = (int64_t)wire_get_u64(r);
	pg->next_ticket = wire_get_u64(r);
	pg->n = wire_get_u32(r);
	if (!wire_ok(r)) {
		*why = r->err;
		return -1;
	}
	if (pg->more > 1 || (pg->more && pg->next_ticket == 0)) {
		*why = "deal page: bad cursor";
		return -1;
	}
	return 0;
}

void
deal_page_add(struct wire_builder *b, const uint8_t *rec, size_t len)
{
	if (len > UINT16_MAX) {
		b->err = 1;
		return;
	}
	wire_put_u16(b, (uint16_t)len);
	wire_put_bytes(b, rec, len);
}

int
deal_page_next(struct wire_reader *r, struct paper_deal *d, const char **why)
{
	static uint8_t		 body[PAPER_RECORD_MAX];
	struct paper_record	 rec;
	uint16_t		 len;

	len = wire_get_u16(r);
	if (len > sizeof(body)) {
		*why = "deal page: record too long";
		return -1;
	}
	wire_get_bytes(r, body, len);
	if (!wire_ok(r)) {
		*why = r->err;
		return -1;
	}
	if (paper_record_decode(PAPER_REC_DEAL, PAPER_OP_PUT, body, len, &rec,
	    why) == -1)
		return -1;
	*d = rec.u.deal;
	return 0;
}

void
deal_cursor_format(int64_t time, uint64_t ticket, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx%016llx", (unsigned long long)time,
	    (unsigned long long)ticket);
}

int
deal_cursor_parse(const char *s, size_t len, int64_t *time, uint64_t *ticket)
{
	uint64_t	 v[2] = { 0, 0 };
	size_t		 i;
	int		 x;

	if (len != DEAL_CURSOR_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			x = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			x = s[i] - 'a' + 10;
		else
			return -1;
		v[i / 16] = v[i / 16] << 4 | (uint64_t)x;
	}
	if (v[0] > INT64_MAX || v[1] == 0)
		return -1;
	*time = (int64_t)v[0];
	*ticket = v[1];
	return 0;
}
