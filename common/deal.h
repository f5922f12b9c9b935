/*
 * Deals as clients see them: the JSON of one deal (GET /v1/deals and the
 * deal events of GET /v1/events render it alike) and the page of deals
 * the monitor answers GET /v1/deals with.  Deals are the paper engine's
 * records (record.h), as the monitor stores them for every backend.
 */
#ifndef HERALD_DEAL_H
#define HERALD_DEAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "record.h"
#include "wire.h"

/*
 * A deal as a JSON object (new reference): deal, order, position, time
 * (ISO 8601 UTC with milliseconds), symbol, type, entry, reason, volume,
 * price, profit, commission, swap, magic, comment.  NULL only when out
 * of memory.
 */
json_t	*deal_json(const struct paper_deal *);

/* "2026-12-03T12:00:00.000Z" (UTC, milliseconds), JSON null for 0. */
json_t	*json_time_ms(int64_t ms);
/* A JSON integer, or above 2^63 (no ticket MT5 gives) the nearest real. */
json_t	*json_u64(uint64_t);

/*
 * A page of GET /v1/deals: its head, then n deals, each a u16 length
 * and a deal record's bytes (paper_record_encode()).  next_time and
 * next_ticket are the cursor of the next page when more is 1: the last
 * deal's time and ticket; deals come ordered by time, then ticket.
 */
struct deal_page {
	uint8_t		 more;
	int64_t		 next_time;
	uint64_t	 next_ticket;
	uint32_t	 n;
};

void	deal_page_put(struct wire_builder *, const struct deal_page *);
/* The head; the deals follow, each read with deal_page_next().  0 or -1. */
int	deal_page_get(struct wire_reader *, struct deal_page *,
	    const char **why);
/* Append one deal's record bytes. */
void	deal_page_add(struct wire_builder *, const uint8_t *, size_t);
/* The next deal, strictly decoded: 0, or -1 with *why. */
int	deal_page_next(struct wire_reader *, struct paper_deal *,
	    const char **why);

/* The opaque cursor of a page: 32 lowercase hex digits. */
#define DEAL_CURSOR_LEN	32
void	deal_cursor_format(int64_t time, uint64_t ticket, char *,
	    size_t);
/* 0, or -1 if s is not a cursor deal_cursor_format() writes. */
int	deal_cursor_parse(const char *s, size_t len, int64_t *time,
	    uint64_t *ticket);

#endif
