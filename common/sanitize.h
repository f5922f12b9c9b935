/*
 * The log sanitiser.  Every line the monitor writes passes through
 * sanitize_line(): configured secret values and the MT5 login are masked,
 * and so is the value after anything shaped like password=, token=,
 * api_key= (also with ':' and JSON quoting, any case) or "Bearer ".
 */
#ifndef HERALD_SANITIZE_H
#define HERALD_SANITIZE_H

#include <stddef.h>

#define SANITIZE_MASK	"****"

struct sanitize_value {
	const char	*value;
	size_t		 len;
};

/*
 * Write a NUL-terminated, sanitised copy of src into dst (dstsz > 0),
 * truncating if needed.  Masking happens before truncation, so a secret
 * never survives partially.  Empty values are ignored.
 */
void	sanitize_line(char *dst, size_t dstsz, const char *src,
	    const struct sanitize_value *values, size_t nvalues);

/* The values log_emit() masks; the monitor resets them on every reload. */
void	sanitize_set_values(const struct sanitize_value *values, size_t n);

/*
 * sanitize_line() with the values last given to sanitize_set_values();
 * log_emit() calls this.  The array is the caller's and must stay valid
 * until it is replaced.
 */
void	sanitize_log_line(char *dst, size_t dstsz, const char *src);

#endif
