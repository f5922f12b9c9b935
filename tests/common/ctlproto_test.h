/*
 * What the control protocol's tests share: sample payloads, decoding a
 * frame, raw headers and the assertion on a refusal's reason.
 *
 * It also holds the includes the tests of this group need.
 */
#ifndef HERALD_CTLPROTO_TEST_H
#define HERALD_CTLPROTO_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctlproto.h"

static uint8_t		 frame[CTL_FRAME_MAX];
static union ctl_payload pl;
static char		 why[CTL_WHY_MAX];

/* Decode a whole frame as the receiving side does; 0 or -1 with why. */
static inline int
decode_frame(const uint8_t *buf, size_t len, enum ctl_dir dir,
    struct ctl_hdr *h)
{
	why[0] = '\0';
	if (ctl_hdr_decode(buf, len, dir, h, why, sizeof(why)) == -1)
		return -1;
	if (len - CTL_HDR_LEN < h->len) {
		snprintf(why, sizeof(why), "short frame");
		return -1;
	}
	return ctl_payload_decode(h->type, buf + CTL_HDR_LEN, h->len, &pl,
	    why, sizeof(why));
}

/* A header with arbitrary fields, for the refusals. */
static inline size_t
raw_hdr(uint8_t *buf, uint16_t version, uint16_t type, uint32_t len)
{
	struct wire_builder	 b;
	struct ctl_hdr		 h = { version, type, len };

	wire_builder_init(&b, buf, CTL_HDR_LEN);
	ctl_hdr_encode(&b, &h);
	assert_int_equal(b.err, 0);
	return b.len;
}

static inline void
expect_why(const char *needle)
{
	if (strstr(why, needle) == NULL)
		fail_msg("why \"%s\" lacks \"%s\"", why, needle);
}

/* The key and ban messages. */

static union ctl_payload	 in;

/* A payload built by hand, for the refusals. */
static struct wire_builder	 wb;
static uint8_t			 raw[4096];

static inline void
raw_begin(void)
{
	wire_builder_init(&wb, raw, sizeof(raw));
}

static inline void
expect_refused(uint16_t type, const char *needle)
{
	assert_int_equal(wb.err, 0);
	if (ctl_payload_decode(type, raw, wb.len, &pl, why,
	    sizeof(why)) != -1)
		fail_msg("%s accepted, expected \"%s\"", ctl_type_name(type),
		    needle);
	expect_why(needle);
}

#endif /* HERALD_CTLPROTO_TEST_H */
