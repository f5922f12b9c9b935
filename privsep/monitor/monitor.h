/*
 * The monitor: the root parent.  It holds the configuration and every
 * secret, spawns net and broker, serves their requests through per-peer
 * dispatch tables, and serves heraldctl on the control socket.
 */
#ifndef HERALD_MONITOR_H
#define HERALD_MONITOR_H

#include <limits.h>

#include <openssl/evp.h>

#include "config.h"
#include "privsep.h"
#include "secmem.h"

/*
 * MT5_LOGIN, MT5_PASSWORD and MT5_SERVER, taken from the environment at
 * start (and scrubbed from it).  Each overrides its key on every load of
 * the configuration, also after a reload.
 */
struct env_overrides {
	char		 login[32];
	char		 server[128];
	struct secret	*password;
	char		 tls_key[PATH_MAX];	/* a systemd credential */
};

/* Take the MT5_* variables out of the environment, wiping their bytes. */
void	monitor_take_env(struct env_overrides *);
/* Apply the overrides to a loaded configuration; errors go to errs. */
void	monitor_apply_env(struct herald_conf *, const struct env_overrides *,
	    struct conf_errors *);

/*
 * Load tls.key under the StrictModes rules and check it against
 * tls.certificate; NULL with err naming the key and file.  heraldd -n
 * uses it too.
 */
EVP_PKEY *monitor_load_tls_key(const struct herald_conf *, char *err,
	    size_t errlen);

/*
 * A message to a child, for the monitor's modules that answer it outside
 * the trading path (the bridge's handshake, bridgekey.c).  The trading
 * path sends through its struct trade_io, so that it can be tested alone.
 */
void	monitor_send(enum herald_proc, uint32_t type, uint32_t id,
	    const void *, size_t);

/* Run the daemon on a checked configuration.  Never returns. */
void	monitor_main(struct herald_conf *, struct env_overrides *,
	    int foreground, int verbose) __attribute__((noreturn));

#endif
