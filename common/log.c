/*
 * Logging.  See log.h: the monitor sanitises and writes; children forward
 * their formatted lines over IPC.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sanitize.h"

static const char	*log_procname = "heraldd";
static int		 log_foreground = 1;
static int		 log_level = LOG_INFO;
static log_forward_fn	 log_forward;
static int		 log_echo = -1;

void
log_init(const char *procname, int foreground, int level)
{
	log_procname = procname;
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog("heraldd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_set_procname(const char *procname)
{
	log_procname = procname;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

void
log_set_forward(log_forward_fn fn)
{
	log_forward = fn;
}

void
log_set_echo(int fd)
{
	log_echo = fd;
}

/* Best effort: whoever waits on the echo may be gone already. */
static void
log_echo_line(const char *proc, const char *line)
{
	char	 buf[LOG_LINE_MAX + 64];
	int	 n;

	n = snprintf(buf, sizeof(buf), "heraldd: %s: %s\n", proc, line);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	if (write(log_echo, buf, (size_t)n) == -1)
		log_echo = -1;
}

void
log_emit(const char *proc, int pri, const char *line)
{
	char	 clean[LOG_LINE_MAX];
	char	*p;
	int	 saved_errno = errno;

	sanitize_log_line(clean, sizeof(clean), line);
	/*
	 * A child's line must not forge lines of its own, nor carry
	 * terminal controls (C1, bidi marks) to whoever reads the log.
	 */
	for (p = clean; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (log_foreground)
		fprintf(stderr, "%s: %s\n", proc, clean);
	else
		syslog(pri, "%s: %s", proc, clean);
	if (log_echo != -1 && pri <= LOG_WARNING)
		log_echo_line(proc, clean);
	errno = saved_errno;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];

	/* Security events (LOG_NOTICE) are written whatever the level. */
	if (pri > log_level && pri != LOG_NOTICE)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_forward != NULL)
		log_forward(pri, line);
	else
		log_emit(log_procname, pri, line);
}

static void __attribute__((format(printf, 3, 0)))
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (saved != 0)
		log_warnx_pri(pri, "%s: %s", msg, strerror(saved));
	else
		log_warnx_pri(pri, "%s", msg);
}

void
log_warnx_pri(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_security(const char *fmt, ...)
{
	char	 msg[LOG_LINE_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx_pri(LOG_NOTICE, "SECURITY: %s", msg);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
