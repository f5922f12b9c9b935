/*
 * RFC 3339 date-times (see rfc3339.h).  The fields are read at their
 * fixed places; timegm(3) does the calendar arithmetic, and the date is
 * checked by converting back, so that February 30th is refused rather
 * than moved to March.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "rfc3339.h"

/* n decimal digits at s, or -1. */
static int
digits(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS": the 19 bytes every form begins with. */
static const char *
date_time(const char *s, struct tm *tm)
{
	int	 f[6];
	static const struct {
		size_t	 at, n;
		char	 after;
	} pos[6] = {
		{ 0, 4, '-' }, { 5, 2, '-' }, { 8, 2, 'T' },
		{ 11, 2, ':' }, { 14, 2, ':' }, { 17, 2, '\0' }
	};
	size_t	 i;
	char	 c;

	for (i = 0; i < 6; i++) {
		if ((f[i] = digits(s + pos[i].at, pos[i].n)) == -1)
			return "not YYYY-MM-DDTHH:MM:SS";
		c = s[pos[i].at + pos[i].n];
		if (pos[i].after == 'T' ? (c != 'T' && c != 't') :
		    pos[i].after != '\0' && c != pos[i].after)
			return "not YYYY-MM-DDTHH:MM:SS";
	}
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31)
		return "no such date";
	if (f[3] > 23 || f[4] > 59 || f[5] > 59)
		return "no such time of day";
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = f[0] - 1900;
	tm->tm_mon = f[1] - 1;
	tm->tm_mday = f[2];
	tm->tm_hour = f[3];
	tm->tm_min = f[4];
	tm->tm_sec = f[5];
	return NULL;
}

/* The zone after the fraction: 'Z' or +-HH:MM, as seconds east. */
static const char *
zone(const char *s, size_t n, long *east)
{
	int	 h, m;

	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*east = 0;
		return NULL;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    (h = digits(s + 1, 2)) == -1 || (m = digits(s + 4, 2)) == -1)
		return "no time zone (Z or +HH:MM)";
	if (h > 23 || m > 59)
		return "no such time zone offset";
	*east = (s[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
	return NULL;
}

int
rfc3339_parse(const char *s, size_t len, int64_t *secs, const char **why)
{
	struct tm	 tm, back;
	time_t		 t;
	size_t		 i = 19;
	long		 east;

	if (len < 20 || memchr(s, '\0', len) != NULL) {
		*why = "too short for YYYY-MM-DDTHH:MM:SSZ";
		return -1;
	}
	if ((*why = date_time(s, &tm)) != NULL)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 20) {
			*why = "a '.' without digits";
			return -1;
		}
	}
	if ((*why = zone(s + i, len - i, &east)) != NULL)
		return -1;
	back = tm;
	if ((t = timegm(&tm)) == (time_t)-1 && tm.tm_year != 69) {
		*why = "out of range";
		return -1;
	}
	if (tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon) {
		*why = "no such date";
		return -1;
	}
	*secs = (int64_t)t - east;
	return 0;
}
