/*
 * The broker process: unprivileged, chrooted, sandboxed, separate from
 * net.  It will run the MT5 backend (the paper simulator or the bridge);
 * it cannot open sockets or files, so whatever it uses comes from the
 * monitor over IPC.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "broker.h"
#include "child.h"
#include "log.h"
#include "msg.h"

static const struct child_dispatch broker_dispatch[] = {
	{ MSG_LOG_LEVEL,	child_handle_log_level },
	{ MSG_SHUTDOWN,		child_handle_shutdown },
	{ MSG_NONE,		NULL }
};

void
broker_main(void)
{
	struct child	 c;

	child_start(&c, PROC_BROKER);
	if ((c.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	child_lockdown(&c);
	c.dispatch = broker_dispatch;
	log_info("ready, sandboxed");
	child_loop(&c);
}
