/*
 * The deploy gate: see preflight.h.  Each check appends its own error
 * and the others still run, so one heraldd -n names everything to fix.
 */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bridgetls.h"
#include "cert.h"
#include "fsafe.h"
#include "keyop.h"
#include "preflight.h"
#include "trading.h"

#define PREFLIGHT_ERR	(2 * PATH_MAX + 256)

static void
preflight_ids(const struct herald_conf *conf, struct preflight_ids *ids,
    struct conf_errors *errs)
{
	struct passwd	*pw;
	struct group	*gr;

	if ((pw = getpwnam(conf->privsep.user)) == NULL)
		config_error(errs, "privsep.user %s: no such user (create it "
		    "with useradd --system %s)", conf->privsep.user,
		    conf->privsep.user);
	else if (pw->pw_uid == 0 || pw->pw_gid == 0)
		config_error(errs, "privsep.user %s: must not be root or in "
		    "group 0", conf->privsep.user);
	else {
		ids->uid = pw->pw_uid;
		ids->gid = pw->pw_gid;
	}
	if ((gr = getgrnam(conf->control.group)) == NULL)
		config_error(errs, "control.group %s: no such group (create "
		    "it with groupadd --system %s)", conf->control.group,
		    conf->control.group);
	else
		ids->ctl_gid = gr->gr_gid;
}

static void
preflight_dirs(const struct herald_conf *conf, struct conf_errors *errs)
{
	char	 err[PREFLIGHT_ERR];

	if (fsafe_check_tree("privsep.chroot", conf->privsep.chroot, err,
	    sizeof(err)) == -1 ||
	    fsafe_check_empty("privsep.chroot", conf->privsep.chroot, err,
	    sizeof(err)) == -1)
		config_error(errs, "%s", err);
	if (fsafe_check_parent("database", conf->database, err,
	    sizeof(err)) == -1)
		config_error(errs, "%s", err);
	if (fsafe_check_parent("control.socket", conf->control.socket, err,
	    sizeof(err)) == -1)
		config_error(errs, "%s", err);
	if (fsafe_check_parent("pid_file", conf->pid_file, err,
	    sizeof(err)) == -1)
		config_error(errs, "%s", err);
}

static void
preflight_tls(const struct herald_conf *conf, struct conf_errors *errs)
{
	EVP_PKEY	*key;
	char		 err[PREFLIGHT_ERR];

	if ((key = keyop_load(conf->tls.key, err, sizeof(err))) == NULL)
		config_error(errs, "tls.key: %s", err);
	else if (keyop_match_cert(key, conf->tls.certificate, err,
	    sizeof(err)) == -1)
		config_error(errs, "tls.certificate: %s", err);
	else if (cert_public_only(conf->tls.certificate, NULL, 0, err,
	    sizeof(err)) == -1)
		config_error(errs, "tls.certificate %s", err);
	EVP_PKEY_free(key);
	if (conf->tls.client_ca[0] != '\0' &&
	    cert_check_ca(conf->tls.client_ca, err, sizeof(err)) == -1)
		config_error(errs, "tls.client_ca: %s", err);
}

size_t
preflight(const struct herald_conf *conf, struct preflight_ids *ids,
    struct conf_errors *errs)
{
	struct preflight_ids	 scratch;
	char			 err[PREFLIGHT_ERR];
	size_t			 before = errs->n;

	if (ids == NULL)
		ids = &scratch;
	memset(ids, 0, sizeof(*ids));
	preflight_ids(conf, ids, errs);
	preflight_dirs(conf, errs);
	preflight_tls(conf, errs);
	(void)bridgetls_check(conf, errs);
	if (trade_load_ticks(conf, err, sizeof(err)) == -1)
		config_error(errs, "%s", err);
	return errs->n - before;
}
