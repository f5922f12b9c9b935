/*
 * The events of GET /v1/events (Server-Sent Events) and their codec.
 * The monitor writes each event into its store, in the batch of the
 * change that caused it, and once that batch is durable pushes it to net
 * (MSG_EVENT); net fans it out to the open streams the event's audience
 * admits.  A client that comes back with Last-Event-ID gets what it
 * missed as pages (the answer of OP_EVENTS): the monitor reads them from
 * its store, so they survive a restart.
 *
 * An event is its id (monotonic, the store's), its time, its audience
 * (the key whose order it answers, or 0: every reader), its name
 * ([a-z_], herald-api(7) lists them) and its data: one line of JSON,
 * printable ASCII, which net sends as the SSE data field unchanged.
 * Shared by net and the monitor, so it knows nothing of either.
 */
#ifndef HERALD_EVENT_H
#define HERALD_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define EVENT_NAME_MAX	24	/* bytes of a name */
#define EVENT_DATA_MAX	4096	/* bytes of the JSON data */
/* The longest encoded event: ids, time, key, two strings. */
#define EVENT_WIRE_MAX	(8 + 8 + 8 + 2 + EVENT_NAME_MAX + 2 + EVENT_DATA_MAX)

struct herald_event {
	uint64_t	 id;		/* >= 1 */
	int64_t		 time_ms;	/* unix time, milliseconds */
	uint64_t	 key_id;	/* 0: every reader */
	char		 name[EVENT_NAME_MAX + 1];
	char		 data[EVENT_DATA_MAX + 1];
};

/*
 * The head of a page of events (OP_EVENTS's result), before its events:
 *	key_id	the stream's key (net counts streams per key)
 *	all	the key sees every event (admin), else 0 and its own
 *	more	1: older events are still to come; ask again after last
 *	last	the id of the page's last event, or, with none, the id the
 *		stream goes on from
 *	oldest	the oldest id the store still holds (0: none); a client
 *		whose Last-Event-ID is below oldest - 1 missed some for good
 *	n	how many events follow
 */
struct event_page {
	uint64_t	 key_id;
	uint8_t		 all;
	uint8_t		 more;
	uint64_t	 last;
	uint64_t	 oldest;
	uint32_t	 n;
};

#define EVENT_PAGE_HEAD	(8 + 1 + 1 + 8 + 8 + 4)

/* Whether name is a valid event name; data valid event data. */
int	event_name_ok(const char *, size_t);
int	event_data_ok(const char *, size_t);

/* Append one event; the builder records an overflow. */
void	event_put(struct wire_builder *, const struct herald_event *);
/*
 * Read one event and check it (id >= 1, name and data as above); a bad
 * one leaves the reader failed with its reason in r->err.
 */
void	event_get(struct wire_reader *, struct herald_event *);

/* A whole event (MSG_EVENT): the length, or (size_t)-1 if it does not fit. */
size_t	event_encode(const struct herald_event *, uint8_t *, size_t);
/* Exactly len bytes of one event: 0, or -1 with *why. */
int	event_decode(const uint8_t *, size_t, struct herald_event *,
	    const char **why);

void	event_page_put(struct wire_builder *, const struct event_page *);
/*
 * Read a page's head and check it (all and more 0 or 1; with n > 0,
 * last >= 1); the events follow in r, each read with event_get(), ids
 * strictly increasing up to last; the reader must then be at its end.
 * 0, or -1 with *why.
 */
int	event_page_get(struct wire_reader *, struct event_page *,
	    const char **why);

#endif
