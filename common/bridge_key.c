/*
 * The MT5 bridge's keys and tags (bridge.h): HMAC-SHA256, the handshake's
 * key derivation, the constant-time tag check and the hex of a key.
 * Apart from the frame codec (bridge.c), which uses them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bridge.h"

void
bridge_hmac(const uint8_t *key, const void *data, size_t len, uint8_t *out)
{
	unsigned int	n = 0;

	if (HMAC(EVP_sha256(), key, BRIDGE_KEY_LEN, data, len, out,
	    &n) == NULL || n != BRIDGE_KEY_LEN)
		abort();	/* SHA-256 cannot fail but for memory */
}

void
bridge_kdf(const uint8_t *key, const char *label, const uint8_t *a,
    const uint8_t *b, uint8_t *out)
{
	uint8_t	msg[16 + 2 * BRIDGE_KEY_LEN];
	size_t	n = strlen(label);

	if (n > 16)
		abort();
	memcpy(msg, label, n);
	memcpy(msg + n, a, BRIDGE_KEY_LEN);
	memcpy(msg + n + BRIDGE_KEY_LEN, b, BRIDGE_KEY_LEN);
	bridge_hmac(key, msg, n + 2 * BRIDGE_KEY_LEN, out);
	OPENSSL_cleanse(msg, sizeof(msg));
}

int
bridge_tag_equal(const uint8_t *a, const uint8_t *b)
{
	return CRYPTO_memcmp(a, b, BRIDGE_KEY_LEN) == 0;
}

void
bridge_hex_encode(const uint8_t *in, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < BRIDGE_KEY_LEN; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[BRIDGE_HEX_LEN] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
bridge_hex_decode(const char *s, size_t len, uint8_t *out)
{
	size_t	i;
	int	hi, lo;

	if (len != BRIDGE_HEX_LEN)
		return -1;
	for (i = 0; i < BRIDGE_KEY_LEN; i++) {
		if ((hi = hexval(s[2 * i])) == -1 ||
		    (lo = hexval(s[2 * i + 1])) == -1)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
