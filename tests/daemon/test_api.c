/*
 * The API catalogue (HERALD_OPS) against what net serves: every row's
 * path and query parameters are known, each field it takes is filled by
 * its path, its query or its body, it takes a body exactly when it has
 * body fields, and no two rows share a route.  Broken rows are refused,
 * each naming the row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "rpc.h"

static void
test_catalogue(void **state)
{
	struct api_info	 ops[OP_MAX];
	char		 why[128];
	unsigned	 op;

	for (op = 0; op < OP_MAX; op++) {
		assert_non_null(api_info(op));
		ops[op] = *api_info(op);
	}
	assert_null(api_info(OP_MAX));
	if (rpc_catalogue_check(ops, OP_MAX, why, sizeof(why)) == -1)
		fail_msg("%s", why);
}

/* One row of the catalogue, changed by the caller, must be refused. */
static void
refused(const struct api_info *row, const char *want)
{
	struct api_info	 ops[2];
	char		 why[128];

	ops[0] = *api_info(OP_STATUS);
	ops[1] = *row;
	assert_int_equal(rpc_catalogue_check(ops, 2, why, sizeof(why)), -1);
	if (strstr(why, want) == NULL)
		fail_msg("got '%s', want '%s'", why, want);
}

static void
test_broken_rows(void **state)
{
	struct api_info	 r;

	r = *api_info(OP_SYMBOL);
	r.path = "/v1/symbols/{name}";
	refused(&r, "SYMBOL: unknown parameter {name}");

	r = *api_info(OP_AUDIT);
	r.query = "since colour limit";
	refused(&r, "AUDIT: unknown parameter colour");

	r = *api_info(OP_AUDIT);
	r.query = "limit";			/* nothing fills the filters */
	refused(&r, "AUDIT: a field neither its body, path nor query");

	r = *api_info(OP_SYMBOL);
	r.fields = 0;
	refused(&r, "fills a field it does not take");

	r = *api_info(OP_ORDERS);
	r.fields = RPC_HAS_LIMIT;		/* no query fills it */
	refused(&r, "ORDERS: a field neither its body, path nor query");

	r = *api_info(OP_ORDERS);
	r.fields = RPC_HAS_PRICE;
	refused(&r, "ORDERS: a body refused but has fields");

	r = *api_info(OP_POSITION_CLOSE);
	r.body = RPC_BODY_NONE;
	refused(&r, "POSITION_CLOSE: a body refused");

	r = *api_info(OP_ACCOUNT);
	r.body = RPC_BODY_OPTIONAL;
	refused(&r, "ACCOUNT: a body allowed but no fields");

	r = *api_info(OP_TRADE);
	r.fields |= RPC_HAS_VOLUME;		/* "volume" twice */
	refused(&r, "share a body name");

	r = *api_info(OP_ACCOUNT);
	r.path = "/v1/status";
	refused(&r, "ACCOUNT: the route of STATUS");

	r = *api_info(OP_ACCOUNT);
	r.methods = 0;
	refused(&r, "no method or path");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_broken_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
