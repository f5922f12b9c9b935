/*
 * Client sources for the rate limits and bans (rate_limit.exempt and
 * rate_limit.ipv6_prefix): a network written as an address or a CIDR,
 * and the key a source is counted and banned under.  Net counts and
 * refuses, the monitor counts failed keys and bans; both key a source
 * the same way, so that a ban the monitor sets is the one net applies.
 */
#ifndef HERALD_SRCADDR_H
#define HERALD_SRCADDR_H

#include <stddef.h>
#include <stdint.h>

#define SRC_KEY_MAX	64	/* "ffff:...:ffff/128" and the NUL */
#define SRC_NETS_MAX	64	/* rate_limit.exempt entries */

/* An IPv4 or IPv6 network: the address, host bits zero, and its prefix. */
struct src_net {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		prefix;		/* 0..32 or 0..128 */
	uint8_t		addr[16];	/* IPv4 in the first 4 bytes */
};

/*
 * "192.0.2.7", "192.0.2.0/24", "fd00::1", "fd00::/64" into out.  0, or
 * -1 with *why (a prefix out of range, host bits set, not an address).
 */
int	src_net_parse(const char *, struct src_net *, const char **why);
/* Whether n is well formed: family 4 or 6, prefix in range, host bits 0. */
int	src_net_valid(const struct src_net *);
/* Whether the numeric address addr is in n (0 for what is no address). */
int	src_net_match(const struct src_net *, const char *addr);
/* Whether addr is in any of the n networks. */
int	src_nets_match(const struct src_net *, size_t n, const char *addr);
/*
 * The key a source is counted and banned under: an IPv4 address as
 * inet_ntop() writes it; an IPv6 address cut to ipv6_prefix bits, as
 * "fd00::/64" (the address itself at 128); anything else as it is.
 */
void	src_key(const char *addr, int ipv6_prefix, char *out, size_t outsz);

#endif
