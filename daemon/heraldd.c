/*
 * heraldd: start-up.
 *
 * Started as root, heraldd reads and checks its configuration and becomes
 * the monitor, which re-executes this binary once per child (fresh ASLR,
 * empty environment, only the descriptors each needs).  The hidden flag
 * -P names the child a re-executed copy is to become.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "monitor.h"
#include "net.h"
#include "privsep.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: heraldd [-dnv] [-f file]\n");
	exit(1);
}

static void __attribute__((noreturn))
run_child(const char *name)
{
	switch (proc_byname(name)) {
	case PROC_NET:
		net_main();
	case PROC_BROKER:
		broker_main();
	default:
		errx(1, "-P is internal to heraldd");
	}
}

static int
load_config(struct herald_conf *conf, const char *path,
    const struct env_overrides *env)
{
	struct conf_errors	 errs;
	size_t			 i;

	memset(&errs, 0, sizeof(errs));
	config_defaults(conf);
	config_load(conf, path, &errs);
	if (errs.n == 0)
		monitor_apply_env(conf, env, &errs);
	for (i = 0; i < errs.n && i < CONF_MAX_ERRORS; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	if (errs.n > CONF_MAX_ERRORS)
		fprintf(stderr, "%s: %zu more errors\n", path,
		    errs.n - CONF_MAX_ERRORS);
	return errs.n == 0 ? 0 : -1;
}

/*
 * heraldd -n also checks the files the monitor reads at start: the TLS
 * key (its modes and its certificate) and the replay ticks.
 */
static int
check_tls(const struct herald_conf *conf)
{
	EVP_PKEY	*key;
	char		 err[1024];

	if ((key = monitor_load_tls_key(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", conf->path, err);
		return 1;
	}
	EVP_PKEY_free(key);
	if (monitor_load_ticks(conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", conf->path, err);
		return 1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct herald_conf	 conf;
	static char			 abspath[PATH_MAX];
	struct env_overrides		 env;
	const char			*path = HERALD_CONF, *child = NULL;
	int				 ch, debug = 0, noaction = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:nP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			child = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	/* Never NULL (getopt(3) sets optarg for "f:"); the analyzer asks. */
	if (argc != optind || path == NULL)
		usage();
	if (child != NULL)
		run_child(child);
	/* daemon(3) moves to /: a reload must read the same file. */
	if (path[0] != '/' && realpath(path, abspath) != NULL)
		path = abspath;

	/* Before anything else can copy them: out of the environment. */
	monitor_take_env(&env);
	if (load_config(&conf, path, &env) == -1)
		exit(1);
	if (noaction)
		exit(check_tls(&conf));
	if (geteuid() != 0)
		errx(1, "must be started as root");
	monitor_main(&conf, &env, debug, verbose);
}
