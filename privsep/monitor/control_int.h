/*
 * The control socket's own parts, shared by its files and nothing else:
 *
 *	control.c	the socket, peers, framing, dispatch, and the
 *			status, reload, key, ban and lockdown requests
 *	control_bridge.c  bridge key create|rotate, bridge status
 *	control_audit.c	audit show|export|verify, backup, and the audit
 *			rows of the requests above
 */
#ifndef HERALD_CONTROL_INT_H
#define HERALD_CONTROL_INT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "ctlproto.h"

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_idle;
	pid_t			 pid;
	uid_t			 uid;
	gid_t			 gid;
	/* The frame being read: header first, then exactly hdr.len. */
	uint8_t			 hdrbuf[CTL_HDR_LEN];
	size_t			 hdrgot;
	struct ctl_hdr		 hdr;
	uint8_t			*payload;
	size_t			 paygot;
	int			 passed_fd;	/* SCM_RIGHTS; -1: none */
};

/* Replies: 0, or -1 when the connection must close. */
int	ctl_send_frame(int fd, pid_t pid, const void *buf, int len);
int	ctl_send_msg(int fd, pid_t pid, uint16_t type, const char *msg);
int	ctl_reply(struct ctl_conn *, uint16_t type, const union ctl_payload *);
/* "uid N (name)" of the peer. */
void	ctl_peer_name(const struct ctl_conn *, char *who, size_t whosz);

/* Handlers of the other files (control.c's table lists them). */
int	ctl_do_bridge_key(struct ctl_conn *, const union ctl_payload *);
int	ctl_do_bridge_status(struct ctl_conn *, const union ctl_payload *);
int	ctl_do_audit(struct ctl_conn *, const union ctl_payload *);
int	ctl_do_audit_verify(struct ctl_conn *, const union ctl_payload *);
/* Takes c->passed_fd (and closes it). */
int	ctl_do_backup(struct ctl_conn *, const union ctl_payload *);

/*
 * An audit row of a request this peer made: actor "uid U pid P",
 * source "control"; detail (NULL or a JSON object) is taken over.
 */
void	ctl_audit(const struct ctl_conn *, const char *type, const char *key,
	    json_t *detail);

#endif
