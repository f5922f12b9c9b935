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
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "broker.h"
#include "cert.h"
#include "config.h"
#include "creds.h"
#include "monitor.h"
#include "net.h"
#include "preflight.h"
#include "privsep.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: heraldd [-dGnv] [-f file]\n");
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
print_errors(const char *path, const struct conf_errors *errs)
{
	size_t	 i;

	for (i = 0; i < errs->n && i < CONF_MAX_ERRORS; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	if (errs->n > CONF_MAX_ERRORS)
		fprintf(stderr, "%s: %zu more errors\n", path,
		    errs->n - CONF_MAX_ERRORS);
	return errs->n == 0 ? 0 : -1;
}

static int
load_config(struct herald_conf *conf, const char *path,
    struct env_overrides *env)
{
	struct conf_errors	 errs;

	memset(&errs, 0, sizeof(errs));
	/* systemd's credentials fill in what the environment did not. */
	creds_take(env, &errs);
	if (print_errors(path, &errs) == -1)
		return -1;
	config_defaults(conf);
	config_load(conf, path, &errs);
	if (errs.n == 0)
		monitor_apply_env(conf, env, &errs);
	return print_errors(path, &errs);
}

/*
 * heraldd -n: the configuration, then everything it names (preflight.h),
 * then the certificate's dates: expired is an error, close to it a
 * warning on stderr that still exits 0.
 */
static int
check_deploy(const struct herald_conf *conf)
{
	struct conf_errors	 errs;
	time_t			 notafter;
	char			 msg[PATH_MAX + 128];
	size_t			 i;
	int			 bad;

	memset(&errs, 0, sizeof(errs));
	bad = preflight(conf, NULL, &errs) > 0;
	/* What a restored backup must pass: schema, integrity, chain. */
	backup_check_database(conf, &errs, NULL);
	bad |= errs.n > 0;
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s: %s\n", conf->path, errs.msg[i]);
	switch (cert_check(conf->tls.certificate, time(NULL),
	    conf->tls.expiry_warning_days, &notafter, msg, sizeof(msg))) {
	case CERT_VALID:
		break;
	case CERT_EXPIRING:
		fprintf(stderr, "%s: warning: tls.certificate %s\n",
		    conf->path, msg);
		break;
	case CERT_EXPIRED:
	case CERT_UNREADABLE:
		fprintf(stderr, "%s: tls.certificate %s\n", conf->path, msg);
		bad = 1;
		break;
	}
	return bad ? 1 : 0;
}

/* heraldd -G: a first key and certificate, as ssh-keygen -A makes. */
static int
generate_cert(const struct herald_conf *conf)
{
	char	 err[2 * PATH_MAX + 128];
	int	 made;

	if (cert_generate(conf, &made, err, sizeof(err)) == -1) {
		fprintf(stderr, "heraldd: -G: %s\n", err);
		return 1;
	}
	if (made)
		printf("heraldd: created %s and a self-signed %s\n",
		    conf->tls.key, conf->tls.certificate);
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
	int				 generate = 0;

	while ((ch = getopt(argc, argv, "df:GnP:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'G':
			generate = 1;
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
	if (geteuid() != 0)
		errx(1, "must be started as root");
	if (generate)
		exit(generate_cert(&conf));
	if (noaction)
		exit(check_deploy(&conf));
	monitor_main(&conf, &env, debug, verbose);
}
