/*
 * systemd credentials (LoadCredential=, LoadCredentialEncrypted=, read
 * from $CREDENTIALS_DIRECTORY): files named mt5.login, mt5.server,
 * mt5.password and tls.key set those keys, after the file and where the
 * MT5_* environment did not.  Each must pass the StrictModes rule for a
 * secret (owned by root, no access for group or others), as systemd
 * makes them.  The monitor's own.
 */
#ifndef HERALD_CREDS_H
#define HERALD_CREDS_H

#include "config.h"
#include "monitor.h"

/* Fill what env lacks from the credentials; problems go to errs. */
void	creds_take(struct env_overrides *env, struct conf_errors *errs);

#endif
