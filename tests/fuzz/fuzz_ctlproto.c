/*
 * libFuzzer harness for the control protocol: the header decoder and
 * every payload decoder, as the monitor meets a request and as heraldctl
 * meets a reply, the key and ban messages included.  Anything a decoder
 * accepts must re-encode to exactly the bytes it came from (one encoding
 * per value, so no smuggling).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static union ctl_payload	 pl;
static uint8_t			 out[CTL_FRAME_MAX];
static char			 why[CTL_WHY_MAX];

/* A header, then exactly the payload it declares: control.c's path. */
static void
fuzz_frame(const uint8_t *data, size_t size, enum ctl_dir dir)
{
	struct ctl_hdr	 h;

	if (ctl_hdr_decode(data, size, dir, &h, why, sizeof(why)) == -1)
		return;
	if (h.version != CTL_VERSION || h.len > CTL_MSG_MAX ||
	    ctl_msgdef(h.type) == NULL || ctl_msgdef(h.type)->dir != dir)
		abort();
	if (size - CTL_HDR_LEN < h.len)
		return;
	ctl_payload_decode(h.type, data + CTL_HDR_LEN, h.len, &pl,
	    why, sizeof(why));
}

/*
 * Every payload type through its own decoder: what is accepted must
 * re-encode, through the catalogue's encoder, to the very same bytes.
 */
static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
	const struct ctl_msgdef	*def;
	struct wire_builder	 b;
	unsigned int		 type;

	for (type = 0; type < 128; type++) {
		if ((def = ctl_msgdef((uint16_t)type)) == NULL)
			continue;
		if (def->decode(data, size, &pl, why, sizeof(why)) != 0)
			continue;
		if (size > def->maxlen)
			abort();
		if (type == CTL_REP_STATUS && pl.status.nprocs > CTL_MAX_PROCS)
			abort();
		if (type == CTL_REP_KEYS && (pl.keys.n > CTL_KEYS_MAX ||
		    pl.keys.n > pl.keys.total))
			abort();
		if (type == CTL_REP_BANS && (pl.bans.n > CTL_BANS_MAX ||
		    pl.bans.n > pl.bans.total))
			abort();
		wire_builder_init(&b, out, sizeof(out));
		if (def->encode != NULL)
			def->encode(&b, &pl);
		if (b.err || b.len != size || memcmp(out, data, size) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int	 type;

	fuzz_frame(data, size, CTL_DIR_REQ);	/* the monitor */
	fuzz_frame(data, size, CTL_DIR_REP);	/* heraldctl */
	for (type = 0; type < 128; type++)
		ctl_payload_decode(type, data, size, &pl, why, sizeof(why));
	fuzz_roundtrip(data, size);
	return 0;
}
