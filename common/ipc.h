/*
 * IPC framing between the heraldd processes.
 *
 * Channels are SOCK_SEQPACKET socketpairs, so the kernel keeps message
 * boundaries and a passed descriptor (SCM_RIGHTS) belongs to exactly one
 * message.  Every message is a 16-byte header, then the payload:
 *
 *	u32 type	catalogued in privsep/msg.h
 *	u32 len		payload bytes, at most the channel's maximum
 *	u32 id		request id, echoed in the answer (0: none)
 *	u16 flags	IPC_F_FD: exactly one descriptor came with it
 *	u16 reserved	must be 0
 *
 * in host byte order (both ends are the same binary on the same host).
 * ipc_decode() is pure so it can be unit-tested and fuzzed; ipc_recv()
 * adds the socket and descriptor handling around it.
 */
#ifndef HERALD_IPC_H
#define HERALD_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_HDR_LEN		16
#define IPC_F_FD		0x0001
#define IPC_SEND_TIMEOUT_MS	5000	/* a peer that stops reading is dead */

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;
	uint32_t	id;
	uint16_t	flags;
	uint16_t	reserved;
};

struct ipc_msg {
	struct ipc_hdr	 hdr;
	const uint8_t	*data;		/* hdr.len bytes, inside the channel */
	int		 fd;		/* -1 unless IPC_F_FD */
};

struct ipc_chan {
	int		 fd;
	const char	*peer;		/* for messages: "net", "broker", ... */
	size_t		 maxmsg;	/* largest payload accepted or sent */
	uint8_t		*buf;		/* IPC_HDR_LEN + maxmsg + 1 */
};

void	ipc_chan_init(struct ipc_chan *, int fd, size_t maxmsg,
	    const char *peer);
void	ipc_chan_free(struct ipc_chan *);

/*
 * Check one received message of n bytes (fd: the descriptor that came
 * with it, or -1).  Returns 0 and fills m, or -1 with *why set: truncated
 * header, oversized, length disagreeing with the header (short or
 * trailing bytes), unknown flags, nonzero reserved field, fd flag without
 * a descriptor or a descriptor without the flag.
 */
int	ipc_decode(const uint8_t *buf, size_t n, int fd, size_t maxmsg,
	    struct ipc_msg *m, const char **why);

#define IPC_EOF		0
#define IPC_OK		1
#define IPC_AGAIN	(-2)
#define IPC_ERROR	(-1)
/*
 * Receive one message.  IPC_OK, IPC_EOF, IPC_AGAIN on a non-blocking
 * channel with nothing to read, or IPC_ERROR with *why set (a refused
 * message's descriptor is closed).
 */
int	ipc_recv(struct ipc_chan *, struct ipc_msg *, const char **why);

/*
 * Send one message, with fd (>= 0) attached when given.  Waits at most
 * IPC_SEND_TIMEOUT_MS for room.  Uses only sendmsg(2) and poll(2), so a
 * signal handler may call it.  Returns 0, or -1 with errno set.
 */
int	ipc_send(struct ipc_chan *, uint32_t type, uint32_t id, int fd,
	    const void *payload, size_t len);

#endif
