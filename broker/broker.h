#ifndef HERALD_BROKER_H
#define HERALD_BROKER_H

#include "child.h"

/* Where the broker is in its conversation with the monitor (broker.c). */
#define BS_CONFIG	CS_PROC(0)	/* waiting for BROKER_CONFIG */
#define BS_SYMBOLS	CS_PROC(1)	/* waiting for the symbols announced */
#define BS_STATE	CS_PROC(2)	/* replay ticks, stored records, START */
#define BS_UP		CS_PROC(3)	/* the backend runs */
#define BS_DOWN		CS_PROC(4)	/* it could not start: 503 to all */
#define BS_RUNNING	(BS_UP | BS_DOWN)
#define BS_ANY		(BS_CONFIG | BS_SYMBOLS | BS_STATE | BS_RUNNING)

/* Every message the monitor sends the broker, and when (see child.h). */
extern const struct child_dispatch broker_dispatch[];

/* The broker process: entered after re-exec with -P broker. */
void	broker_main(void) __attribute__((noreturn));

#endif
