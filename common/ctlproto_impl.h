/*
 * Private to the control protocol codec (common/ctlproto*.c): the field
 * readers and writers ctlproto.c defines and the key payloads use.
 */
#ifndef HERALD_CTLPROTO_IMPL_H
#define HERALD_CTLPROTO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"

void	ctl_put_text(struct wire_builder *b, const char *s, size_t max);
void	ctl_get_text(struct wire_reader *r, char *dst, size_t dstsz);
int	ctl_failed(struct wire_reader *r, const char *field, char *why,
	    size_t whylen);
int	ctl_rule(const char *field, const char *inner, char *why,
	    size_t whylen);
int	ctl_text_field(struct wire_reader *r, const char *field, char *dst,
	    size_t dstsz, char *why, size_t whylen);
int	ctl_u8_flag(struct wire_reader *r, const char *field, uint8_t *v,
	    char *why, size_t whylen);
int	ctl_u64_field(struct wire_reader *r, const char *field, uint64_t *v,
	    char *why, size_t whylen);
int	ctl_u32_field(struct wire_reader *r, const char *field, uint32_t *v,
	    char *why, size_t whylen);
int	ctl_finish(struct wire_reader *r, const char *what, char *why,
	    size_t whylen);

#endif /* HERALD_CTLPROTO_IMPL_H */
