/*
 * The payloads of GET /v1/events' IPC messages (msg.h's STREAM_CONFIG
 * and EVENT rows).  Each decoder consumes its payload exactly.
 */
#include <string.h>

#include "event.h"
#include "msg.h"
#include "wire.h"

size_t
msg_stream_config_encode(uint8_t *buf, size_t cap,
    const struct msg_stream_config *c)
{
	struct wire_builder	 b;

	wire_builder_init(&b, buf, cap);
	wire_put_u32(&b, c->streams);
	wire_put_u32(&b, c->streams_per_key);
	wire_put_u32(&b, c->buffer);
	wire_put_u32(&b, c->heartbeat);
	return msg_finish(&b, "STREAM_CONFIG");
}

int
msg_stream_config_decode(const struct ipc_msg *m,
    struct msg_stream_config *c, const char **why)
{
	struct wire_reader	 r;

	wire_reader_init(&r, m->data, m->hdr.len);
	c->streams = wire_get_u32(&r);
	c->streams_per_key = wire_get_u32(&r);
	c->buffer = wire_get_u32(&r);
	c->heartbeat = wire_get_u32(&r);
	if (msg_done(&r, why) == -1)
		return -1;
	if (c->streams == 0 || c->streams_per_key == 0 || c->buffer == 0 ||
	    c->heartbeat == 0) {
		*why = "a stream limit is zero";
		return -1;
	}
	return 0;
}

int
msg_event_decode(const struct ipc_msg *m, struct herald_event *e,
    const char **why)
{
	return event_decode(m->data, m->hdr.len, e, why);
}
