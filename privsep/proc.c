/*
 * Names of the processes of the privsep model, as they appear in logs,
 * in heraldctl status and in the hidden flag of a re-executed child.
 */
#include <string.h>

#include "privsep.h"

static const char *const proc_names[PROC_MAX] = {
	[PROC_MONITOR] =	"monitor",
	[PROC_NET] =		"net",
	[PROC_BROKER] =		"broker",
};

const char *
proc_name(enum herald_proc p)
{
	if ((unsigned int)p >= PROC_MAX)
		return "unknown";
	return proc_names[p];
}

int
proc_byname(const char *name)
{
	int	 p;

	if (name == NULL)
		return -1;
	for (p = 0; p < PROC_MAX; p++)
		if (strcmp(proc_names[p], name) == 0)
			return p;
	return -1;
}
