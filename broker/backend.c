/*
 * The backends built into the broker, by BROKER_CONFIG's backend field.
 */
#include <stdio.h>

#include "backend.h"

struct backend *
backend_create(const struct msg_broker_config *conf, backend_record_fn fn,
    void *arg, char *why)
{
	switch (conf->backend) {
	case BROKER_BACKEND_PAPER:
		return backend_paper_create(conf, fn, arg, why);
	case BROKER_BACKEND_BRIDGE:
		return backend_bridge_create(conf, fn, arg, why);
	default:
		snprintf(why, BACKEND_WHY_MAX, "backend %u: unknown",
		    conf->backend);
		return NULL;
	}
}

void
backend_free(struct backend *be)
{
	if (be != NULL)
		be->ops->free(be);
}
