#ifndef HERALD_NET_H
#define HERALD_NET_H

#include "child.h"

/* net's states beyond start-up: it serves requests. */
#define NS_RUNNING	CS_PROC(0)

/* Every message the monitor sends net, and when (see child.h). */
extern const struct child_dispatch net_dispatch[];

/* The net process: entered after re-exec with -P net.  Never returns. */
void	net_main(void) __attribute__((noreturn));

#endif
