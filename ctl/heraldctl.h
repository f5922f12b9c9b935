/*
 * heraldctl's parts, shared by its files:
 *
 *	heraldctl.c	the socket, the framing, the command table, and
 *			status, reload, key, ban, lockdown
 *	ctl_audit.c	audit show|export|verify, backup
 *	ctl_bridge.c	bridge key create|rotate, bridge status
 *	ctl_bridge_cert.c bridge cert create (local: OpenSSL, no daemon)
 */
#ifndef HERALD_HERALDCTL_H
#define HERALD_HERALDCTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctlproto.h"

struct ctx {
	const char	*path;
	int		 json;
	int		 fd;
	int		 passfd;	/* sent with the next request; -1 */
};

/* Exit with a message when a command that takes none has arguments. */
void	no_args(const char *cmd, int argc, char **argv);
/* One request, one reply into rep, its type returned (ERROR too). */
uint16_t ctl_exchange_keep(struct ctx *, const uint8_t *req, int reqlen,
	    union ctl_payload *rep);
/* One request with a payload, one reply of type want into rep. */
void	ctl_send_payload(struct ctx *, uint16_t type,
	    const union ctl_payload *req, uint16_t want,
	    union ctl_payload *rep);
/* A JSON string of s, bytes above 0x7f shown as '?'. */
json_t	*jstr(const char *s);
/* obj, indented, on stdout, and released. */
void	json_print(json_t *obj);
enum when_style {
	W_DATE,			/* 2026-11-27 */
	W_MINUTE,		/* 2026-11-27 21:03 */
	W_SECOND		/* 2026-11-27 21:03:00 */
};

/* A unix time in local time, to the day, minute or second. */
void	fmt_when(char *buf, size_t sz, uint64_t when, enum when_style);
/* "2026-12-03 12:00:00 UTC". */
void	fmt_utc(char *buf, size_t sz, uint64_t when);
/* "--name VALUE" or "--name=VALUE" at argv[*i]; NULL if another word. */
const char *opt_value(const char *cmd, const char *name, int argc,
	    char **argv, int *i);
uint32_t opt_number(const char *cmd, const char *name, const char *v,
	    long long min, long long max, const char *unit);

int	cmd_audit_show(struct ctx *, int, char **);
int	cmd_audit_export(struct ctx *, int, char **);
int	cmd_audit_verify(struct ctx *, int, char **);
int	cmd_backup(struct ctx *, int, char **);

int	cmd_bridge_key_create(struct ctx *, int, char **);
int	cmd_bridge_cert_create(struct ctx *, int, char **);
int	cmd_bridge_key_rotate(struct ctx *, int, char **);
int	cmd_bridge_status(struct ctx *, int, char **);

#endif
