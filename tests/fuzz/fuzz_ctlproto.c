/*
 * libFuzzer harness for the control protocol: the header decoder and
 * every payload decoder, as the monitor meets a request and as heraldctl
 * meets a reply.  Anything a decoder accepts must re-encode to exactly
 * the bytes it came from (one encoding per value, so no smuggling).
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

static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
	struct wire_builder	 b;

	if (ctl_status_decode(data, size, &pl, why, sizeof(why)) == 0) {
		if (pl.status.nprocs > CTL_MAX_PROCS)
			abort();
		wire_builder_init(&b, out, sizeof(out));
		ctl_status_encode(&b, &pl.status);
		if (b.err || b.len != size || memcmp(out, data, size) != 0)
			abort();
	}
	if (ctl_msg_decode(data, size, &pl, why, sizeof(why)) == 0) {
		wire_builder_init(&b, out, sizeof(out));
		ctl_msg_encode(&b, pl.msg.text);
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
