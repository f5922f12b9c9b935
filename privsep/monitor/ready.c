/*
 * Readiness at start.  See ready.h.
 *
 * The pipe carries the daemon's log lines at LOG_WARNING or worse
 * (log_set_echo()) and, once it is ready, a single NUL byte.  The
 * waiting parent copies the lines to its stderr: an EOF without the
 * NUL is a daemon that died starting, and the reason is already there.
 *
 * Under systemd (Type=notify, heraldd -d) the same moment is READY=1,
 * through libsystemd's sd_notify(3), which does nothing when
 * NOTIFY_SOCKET is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "ready.h"

#define READY_MARK	'\0'

static int	ready_fd = -1;
static int	ready_sent;

static void __attribute__((noreturn))
ready_wait(int fd)
{
	char	 buf[512];
	ssize_t	 n, i;
	int	 ready = 0, said = 0;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			if (buf[i] == READY_MARK)
				ready = 1;
		if (ready)
			n = (ssize_t)strnlen(buf, (size_t)n);
		if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) == n)
			said = 1;
		if (ready)
			break;
	}
	if (!ready && !said)
		fprintf(stderr, "heraldd: the daemon exited during start-up "
		    "(see the system log)\n");
	_exit(ready ? 0 : 1);
}

void
ready_detach(void)
{
	int	 p[2], devnull;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		ready_wait(p[0]);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(devnull, STDOUT_FILENO) == -1 ||
	    dup2(devnull, STDERR_FILENO) == -1)
		fatal("/dev/null");
	if (devnull > STDERR_FILENO)
		close(devnull);
	ready_fd = p[1];
	log_set_echo(ready_fd);
}

/* systemd (Type=notify), when NOTIFY_SOCKET names it; else nothing. */
static void
ready_sd(const char *state)
{
	int	 r;

	if ((r = sd_notify(0, state)) < 0)
		log_warnx("sd_notify %s: %s", state, strerror(-r));
}

void
ready_reloading(void)
{
	ready_sd("RELOADING=1\nSTATUS=reloading the configuration");
}

void
ready_reloaded(void)
{
	ready_sd("READY=1\nSTATUS=serving");
}

void
ready_stopping(void)
{
	ready_sd("STOPPING=1\nSTATUS=stopping");
}

void
ready_alive(void)
{
	ready_sd("WATCHDOG=1");
}

static void
ready_watchdog_feed(evutil_socket_t fd, short ev, void *arg)
{
	ready_sd("WATCHDOG=1");
}

/*
 * Fed from the monitor's event loop, at half the interval systemd
 * gave: a loop that stops turning stops feeding it, and systemd
 * restarts the daemon.
 */
void
ready_watchdog(struct event_base *base)
{
	static struct event	*ev;
	struct timeval		 tv;
	uint64_t		 usec;
	int			 r;

	if ((r = sd_watchdog_enabled(0, &usec)) <= 0) {
		if (r < 0)
			log_warnx("WATCHDOG_USEC: %s", strerror(-r));
		return;
	}
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	if ((ev = event_new(base, -1, EV_PERSIST, ready_watchdog_feed,
	    NULL)) == NULL || event_add(ev, &tv) == -1)
		fatalx("watchdog event");
	log_debug("feeding systemd's watchdog every %llu ms",
	    (unsigned long long)(usec / 1000));
}

void
ready_done(void)
{
	char	 mark = READY_MARK;

	if (ready_sent)
		return;
	ready_sent = 1;
	log_info("ready");
	ready_sd("READY=1\nSTATUS=serving");
	if (ready_fd == -1)
		return;
	log_set_echo(-1);
	if (write(ready_fd, &mark, 1) != 1)
		log_warn("readiness pipe");
	close(ready_fd);
	ready_fd = -1;
}
