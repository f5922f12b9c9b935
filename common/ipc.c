/*
 * IPC framing over SOCK_SEQPACKET socketpairs.  See ipc.h.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"

void
ipc_chan_init(struct ipc_chan *c, int fd, size_t maxmsg, const char *peer)
{
	c->fd = fd;
	c->peer = peer;
	c->maxmsg = maxmsg;
	if ((c->buf = malloc(IPC_HDR_LEN + maxmsg + 1)) == NULL)
		fatal("ipc buffer for %s", peer);
}

void
ipc_chan_free(struct ipc_chan *c)
{
	free(c->buf);
	c->buf = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

int
ipc_decode(const uint8_t *buf, size_t n, int fd, size_t maxmsg,
    struct ipc_msg *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (n < IPC_HDR_LEN) {
		*why = "truncated header";
		return -1;
	}
	if (n - IPC_HDR_LEN > maxmsg) {
		*why = "oversized message";
		return -1;
	}
	memcpy(&m->hdr.type, buf, 4);
	memcpy(&m->hdr.len, buf + 4, 4);
	memcpy(&m->hdr.id, buf + 8, 4);
	memcpy(&m->hdr.flags, buf + 12, 2);
	memcpy(&m->hdr.reserved, buf + 14, 2);
	if (m->hdr.len > maxmsg) {
		*why = "length field over the channel maximum";
		return -1;
	}
	if (m->hdr.len > n - IPC_HDR_LEN) {
		*why = "truncated payload";
		return -1;
	}
	if (m->hdr.len < n - IPC_HDR_LEN) {
		*why = "trailing bytes after payload";
		return -1;
	}
	if ((m->hdr.flags & ~IPC_F_FD) != 0 || m->hdr.reserved != 0) {
		*why = "unknown flags";
		return -1;
	}
	if ((m->hdr.flags & IPC_F_FD) && fd == -1) {
		*why = "fd flag set but no descriptor passed";
		return -1;
	}
	if (!(m->hdr.flags & IPC_F_FD) && fd != -1) {
		*why = "descriptor passed without the fd flag";
		return -1;
	}
	m->data = buf + IPC_HDR_LEN;
	m->fd = fd;
	return 0;
}

/*
 * Collect the descriptors of one message.  More than one, or a
 * truncated control message, is an error: every passed fd is closed.
 */
static int
ipc_take_fds(struct msghdr *msg, int *fdp, const char **why)
{
	struct cmsghdr	*cm;
	int		 fds[2], nfd = 0, i, bad = 0;
	size_t		 n;

	*fdp = -1;
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < (int)n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (nfd < 2)
				fds[nfd] = fd;
			else
				close(fd);
			nfd++;
		}
	}
	if (bad || nfd > 1 || (msg->msg_flags & MSG_CTRUNC)) {
		for (i = 0; i < nfd && i < 2; i++)
			close(fds[i]);
		*why = "more than one descriptor or bad control data";
		return -1;
	}
	if (nfd == 1)
		*fdp = fds[0];
	return 0;
}

int
ipc_recv(struct ipc_chan *c, struct ipc_msg *m, const char **why)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;
	int		 fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = c->buf;
	iov.iov_len = IPC_HDR_LEN + c->maxmsg + 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_AGAIN;
		/* The peer died with messages unread: it is gone all the same. */
		if (errno == ECONNRESET)
			return IPC_EOF;
		*why = strerror(errno);
		return IPC_ERROR;
	}
	if (n == 0 && msg.msg_controllen == 0)
		return IPC_EOF;
	if (ipc_take_fds(&msg, &fd, why) == -1)
		return IPC_ERROR;
	if (msg.msg_flags & MSG_TRUNC) {
		*why = "oversized message";
		goto fail;
	}
	if (ipc_decode(c->buf, (size_t)n, fd, c->maxmsg, m, why) == -1)
		goto fail;
	return IPC_OK;
 fail:
	if (fd != -1)
		close(fd);
	return IPC_ERROR;
}

static int
ipc_wait_writable(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLOUT };
	int		 r;

	do {
		r = poll(&pfd, 1, IPC_SEND_TIMEOUT_MS);
	} while (r == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

int
ipc_send(struct ipc_chan *c, uint32_t type, uint32_t id, int fd,
    const void *payload, size_t len)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	uint8_t		 hdr[IPC_HDR_LEN];
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov[2];
	uint32_t	 len32 = (uint32_t)len;
	uint16_t	 flags = fd >= 0 ? IPC_F_FD : 0, reserved = 0;
	ssize_t		 n;

	if (len > c->maxmsg) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(hdr, &type, 4);
	memcpy(hdr + 4, &len32, 4);
	memcpy(hdr + 8, &id, 4);
	memcpy(hdr + 12, &flags, 2);
	memcpy(hdr + 14, &reserved, 2);

	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	msg.msg_iov = iov;
	msg.msg_iovlen = len > 0 ? 2 : 1;
	if (fd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	for (;;) {
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (ipc_wait_writable(c->fd) == -1)
			return -1;
	}
}
