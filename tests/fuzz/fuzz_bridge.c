/*
 * libFuzzer harness for the bridge's frame decoder (common/bridge.c), as
 * the broker meets an EA's frame and as an EA meets the broker's, without
 * and with a session key; and the canonical-order check the monitor's
 * text must pass.  A frame the decoder accepts must be rebuilt, line by
 * line from its fields, into exactly the bytes it came from, and every
 * list item it reports must lie below its count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct bridge_frame	 fr;
static char			 text[BRIDGE_FRAME_MAX];
static char			 why[BRIDGE_WHY_MAX];
static const uint8_t		 key[BRIDGE_KEY_LEN] = { 0x5a };

/* The text again from the decoded fields: must be the text decoded. */
static void
rebuild(void)
{
	const struct bridge_field	*f;
	const char			*eq;
	size_t				 i, n;

	n = strlen(bridge_type_name(fr.type));
	memcpy(text, bridge_type_name(fr.type), n);
	text[n++] = '\n';
	for (i = 0; i < fr.nfields; i++) {
		f = &fr.f[i];
		if (f->idx >= BRIDGE_LIST_MAX || (f->idx > 0 &&
		    f->idx >= fr.count))
			abort();
		/* The key is the line's start up to '='. */
		eq = f->val - 1;
		if (*eq != '=')
			abort();
		while (eq > fr.text && eq[-1] != '\n')
			eq--;
		memcpy(text + n, eq, (size_t)(f->val - eq) + f->vlen);
		n += (size_t)(f->val - eq) + f->vlen;
		text[n++] = '\n';
	}
	if (n != fr.textlen || memcmp(text, fr.text, n) != 0)
		abort();
}

static void
one(const uint8_t *data, size_t size, enum bridge_from from, int keyed)
{
	struct bridge_session	s;

	bridge_session_init(&s);
	if (keyed)
		bridge_session_key(&s, key);
	/* The fuzzer cannot forge a MAC: let it through unkeyed. */
	if (bridge_decode(&s, from, data, size, &fr, why) == 0) {
		if (s.seq_in != 1 || fr.seq != 1 || fr.count > BRIDGE_LIST_MAX)
			abort();
		rebuild();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	len;

	if (size >= BRIDGE_HDR_LEN &&
	    bridge_hdr_decode(data, &len, why) == 0 &&
	    (len < BRIDGE_PAYLOAD_MIN || len > BRIDGE_PAYLOAD_MAX))
		abort();
	one(data, size, BRIDGE_FROM_EA, 0);
	one(data, size, BRIDGE_FROM_BROKER, 0);
	one(data, size, BRIDGE_FROM_EA, 1);
	(void)bridge_canon_check((const char *)data, size, why);
	return 0;
}
