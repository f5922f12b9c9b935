/*
 * Roles and permissions, in the monitor (see auth.h): what each role
 * grants, what each API operation needs, and the permissions' names.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth.h"

static const struct {
	const char	*name;
	uint32_t	 perms;
} auth_roles[] = {
	{ "admin",	PERM_READ_POSITIONS | PERM_WRITE_POSITIONS |
			PERM_VIEW_LOGS | PERM_MODIFY_CONFIG },
	{ "trader",	PERM_READ_POSITIONS | PERM_WRITE_POSITIONS |
			PERM_VIEW_LOGS },
	{ "viewer",	PERM_READ_POSITIONS | PERM_VIEW_LOGS },
};

/*
 * What each operation needs.  Decided here, in the monitor, never taken
 * from net; an op without a row is refused.
 */
static const struct {
	int		 known;
	uint32_t	 perm;		/* 0: a valid key is enough */
} auth_ops[OP_MAX] = {
	[OP_STATUS] =		{ 1, 0 },
	[OP_TRADE] =		{ 1, PERM_WRITE_POSITIONS },
	[OP_ACCOUNT] =		{ 1, PERM_READ_POSITIONS },
	[OP_POSITIONS] =	{ 1, PERM_READ_POSITIONS },
	[OP_POSITION_CLOSE] =	{ 1, PERM_WRITE_POSITIONS },
	[OP_POSITION_MODIFY] =	{ 1, PERM_WRITE_POSITIONS },
	[OP_ORDERS] =		{ 1, PERM_READ_POSITIONS },
	[OP_ORDER_CANCEL] =	{ 1, PERM_WRITE_POSITIONS },
	[OP_SYMBOL] =		{ 1, PERM_READ_POSITIONS },
	[OP_AUDIT] =		{ 1, PERM_VIEW_LOGS },
	[OP_READY] =		{ 1, 0 },	/* PERM_PUBLIC: not asked */
};

static const struct {
	uint32_t	 perm;
	const char	*name;
} auth_perm_names[] = {
	{ PERM_READ_POSITIONS,	"read_positions" },
	{ PERM_WRITE_POSITIONS,	"write_positions" },
	{ PERM_VIEW_LOGS,	"view_logs" },
	{ PERM_MODIFY_CONFIG,	"modify_config" },
};

uint32_t
auth_role_perms(const char *role)
{
	size_t	 i;

	for (i = 0; i < sizeof(auth_roles) / sizeof(auth_roles[0]); i++)
		if (strcmp(auth_roles[i].name, role) == 0)
			return auth_roles[i].perms;
	return 0;
}

int
auth_op_perm(unsigned int op, uint32_t *perm)
{
	if (op >= OP_MAX || !auth_ops[op].known)
		return -1;
	*perm = auth_ops[op].perm;
	return 0;
}

const char *
auth_perm_name(uint32_t perm)
{
	size_t	 i;

	for (i = 0; i < sizeof(auth_perm_names) / sizeof(auth_perm_names[0]);
	    i++)
		if (auth_perm_names[i].perm == perm)
			return auth_perm_names[i].name;
	return "unknown";
}

