/*
 * Roles and permissions, in the monitor (see auth.h): what each role
 * grants, what each API operation needs (the catalogue's), and the
 * permissions' names.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "nitems.h"

static const struct {
	const char	*name;
	uint32_t	 perms;
} auth_roles[] = {
	{ "admin",	PERM_READ_POSITIONS | PERM_WRITE_POSITIONS |
			PERM_VIEW_LOGS | PERM_MODIFY_CONFIG |
			PERM_READ_METRICS },
	/* The audit trail is the administrators' (INTERFACES.md). */
	{ "trader",	PERM_READ_POSITIONS | PERM_WRITE_POSITIONS |
			PERM_READ_METRICS },
	{ "viewer",	PERM_READ_POSITIONS | PERM_READ_METRICS },
};

static const struct {
	uint32_t	 perm;
	const char	*name;
} auth_perm_names[] = {
	{ PERM_READ_POSITIONS,	"read_positions" },
	{ PERM_WRITE_POSITIONS,	"write_positions" },
	{ PERM_VIEW_LOGS,	"view_logs" },
	{ PERM_MODIFY_CONFIG,	"modify_config" },
	{ PERM_READ_METRICS,	"read_metrics" },
};

uint32_t
auth_role_perms(const char *role)
{
	size_t	 i;

	for (i = 0; i < nitems(auth_roles); i++)
		if (strcmp(auth_roles[i].name, role) == 0)
			return auth_roles[i].perms;
	return 0;
}

/*
 * What an operation needs is the catalogue's perm column (api.h),
 * decided here, in the monitor, never taken from net.  net's own
 * operations (GET /healthz) never reach the monitor: refused.
 */
int
auth_op_perm(unsigned int op, uint32_t *perm)
{
	const struct api_info	*ai;

	if ((ai = api_info(op)) == NULL || ai->to == API_NET)
		return -1;
	/* A public op asked with a key anyway: the key is enough. */
	*perm = ai->perm == PERM_PUBLIC ? 0 : ai->perm;
	return 0;
}

const char *
auth_perm_name(uint32_t perm)
{
	size_t	 i;

	for (i = 0; i < nitems(auth_perm_names); i++)
		if (auth_perm_names[i].perm == perm)
			return auth_perm_names[i].name;
	return "unknown";
}

