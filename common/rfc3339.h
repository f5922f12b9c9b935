/*
 * RFC 3339 date-times ("2026-12-03T15:00:00Z", "...+02:00", with an
 * optional fraction of a second), as clients write an order's
 * expiration.  Strict: four-digit years, two-digit fields, a real
 * calendar date, hours 00-23, minutes and seconds 00-59 (no leap
 * second), 'T' or 't' between date and time, 'Z', 'z' or a +-HH:MM
 * offset.  The fraction is dropped: MT5 counts whole seconds.
 */
#ifndef HERALD_RFC3339_H
#define HERALD_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*
 * The seconds since the epoch (UTC) of the len bytes at s: 0, or -1
 * with *why naming the rule broken.
 */
int	rfc3339_parse(const char *s, size_t len, int64_t *secs,
	    const char **why);

#endif
