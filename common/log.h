/*
 * Logging for every heraldd process.
 *
 * The monitor owns the only real sink: it sanitises each line (secrets,
 * the MT5 login, password=/token=/api_key=/Bearer values) and writes it to
 * syslog (facility daemon) or, under -d, to stderr, tagged with the name
 * of the process that produced it.  The children have no sink of their
 * own: log_set_forward() routes their lines over IPC to the monitor.
 */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

#include <stdarg.h>
#include <syslog.h>

#define LOG_LINE_MAX	1024	/* longest line, after formatting */

/* Where a child's formatted lines go instead of the local sink. */
typedef void (*log_forward_fn)(int pri, const char *line);

/* level: the least severe syslog priority written (LOG_INFO default). */
void	log_init(const char *procname, int foreground, int level);
void	log_set_procname(const char *procname);
void	log_set_level(int level);
int	log_get_level(void);
void	log_set_forward(log_forward_fn fn);
/*
 * Also copy each line at LOG_WARNING or worse to
 * fd, as "heraldd: proc: line\n": the reason a detached start failed
 * reaches the terminal that started it.  -1 stops.
 */
void	log_set_echo(int fd);

/*
 * The monitor's sink: sanitise and write one line produced by `proc'.
 * Children's LOG messages and the monitor's own lines both end here.
 */
void	log_emit(const char *proc, int pri, const char *line);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Security-relevant events: always written, prefixed "SECURITY: ". */
void	log_security(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));
/* A line at any syslog priority. */
void	log_warnx_pri(int pri, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Broken invariants: log and exit 1.  fatal() appends strerror(errno). */
void	fatal(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
void	fatalx(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

#endif
