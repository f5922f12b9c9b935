/* Client sources: networks and keys (see srcaddr.h). */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcaddr.h"

/* Zero the bits of a (len bytes) past prefix; whether any were set. */
static int
cut(uint8_t *a, size_t len, unsigned prefix)
{
	size_t	 i;
	int	 set = 0;
	uint8_t	 mask;

	for (i = 0; i < len; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		mask = prefix <= 8 * i ? 0 :
		    (uint8_t)(0xff << (8 - (prefix - 8 * i)));
		set |= (a[i] & ~mask) != 0;
		a[i] &= mask;
	}
	return set;
}

/* A numeric address into family and bytes; -1 if it is none. */
static int
addr_parse(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

int
src_net_parse(const char *s, struct src_net *out, const char **why)
{
	char		 buf[SRC_KEY_MAX], *slash, *end;
	unsigned long	 prefix;
	unsigned	 max;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf)) {
		*why = "too long for an address or a CIDR";
		return -1;
	}
	strlcpy(buf, s, sizeof(buf));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse(buf, &out->family, out->addr) == -1) {
		*why = "not an IPv4 or IPv6 address or CIDR";
		return -1;
	}
	max = out->family == 4 ? 32 : 128;
	prefix = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9' ||
		    (prefix = strtoul(slash, &end, 10)) > max || *end != '\0' ||
		    (slash[0] == '0' && slash[1] != '\0')) {
			*why = out->family == 4 ? "the prefix length must be "
			    "0 to 32" : "the prefix length must be 0 to 128";
			return -1;
		}
	}
	out->prefix = (uint8_t)prefix;
	if (cut(out->addr, out->family == 4 ? 4 : 16, (unsigned)prefix)) {
		*why = "host bits are set after the prefix";
		return -1;
	}
	return 0;
}

int
src_net_valid(const struct src_net *n)
{
	uint8_t	 a[16];

	if (n->family != 4 && n->family != 6)
		return 0;
	if (n->prefix > (n->family == 4 ? 32 : 128))
		return 0;
	if (n->family == 4 && memcmp(n->addr + 4, "\0\0\0\0\0\0\0\0\0\0\0\0",
	    12) != 0)
		return 0;
	memcpy(a, n->addr, sizeof(a));
	return !cut(a, n->family == 4 ? 4 : 16, n->prefix);
}

int
src_net_match(const struct src_net *n, const char *addr)
{
	uint8_t	 family, a[16];

	if (addr_parse(addr, &family, a) == -1 || family != n->family)
		return 0;
	(void)cut(a, family == 4 ? 4 : 16, n->prefix);
	return memcmp(a, n->addr, 16) == 0;
}

int
src_nets_match(const struct src_net *nets, size_t n, const char *addr)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (src_net_match(&nets[i], addr))
			return 1;
	return 0;
}

void
src_key(const char *addr, int ipv6_prefix, char *out, size_t outsz)
{
	uint8_t	 family, a[16];
	char	 buf[INET6_ADDRSTRLEN];

	if (addr_parse(addr, &family, a) == -1) {
		strlcpy(out, addr, outsz);
		return;
	}
	if (family == 4) {
		if (inet_ntop(AF_INET, a, out, (socklen_t)outsz) == NULL)
			strlcpy(out, addr, outsz);
		return;
	}
	if (ipv6_prefix < 0 || ipv6_prefix > 128)
		ipv6_prefix = 128;
	(void)cut(a, 16, (unsigned)ipv6_prefix);
	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)) == NULL) {
		strlcpy(out, addr, outsz);
		return;
	}
	if (ipv6_prefix == 128)
		strlcpy(out, buf, outsz);
	else
		snprintf(out, outsz, "%s/%d", buf, ipv6_prefix);
}
