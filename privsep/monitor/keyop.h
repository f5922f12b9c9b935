/*
 * The monitor's side of TLS private-key operations.  The key is read and
 * kept here only; net sends SIGN_REQ on its key-operation channel and
 * gets a signature back after the checks below.
 */
#ifndef HERALD_KEYOP_H
#define HERALD_KEYOP_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "msg.h"

/*
 * Read a PEM private key (RSA, or EC on P-256/P-384) after the StrictModes
 * checks: owned by root, not readable or writable by group or others.
 * NULL with a message naming the file in err.  The read buffer is wiped.
 */
EVP_PKEY *keyop_load(const char *path, char *err, size_t errlen);

/*
 * Check that the certificate chain (PEM) starts with the certificate of
 * key.  0, or -1 with err.
 */
int	 keyop_match_cert(EVP_PKEY *key, const char *certpath, char *err,
	    size_t errlen);
/* The same for a certificate already read from certpath. */
int	 keyop_match_x509(EVP_PKEY *key, X509 *x, const char *certpath,
	    char *err, size_t errlen);

/*
 * Check one request (key id, algorithm against the key type, RSA padding
 * and input length, ECDSA digest length) and sign.  0 with res filled
 * (res->ok 1), or -1 with *why naming the rule broken (res->ok 0).
 */
int	 keyop_sign(EVP_PKEY *key, const struct msg_sign_req *req,
	    struct msg_sign_res *res, const char **why);
/*
 * The same for key under key_id: net names the key each handshake uses
 * (KEYOP_KEY_ID at start, the next id after each certificate reload),
 * so a handshake begun before a reload is signed with the key it began
 * with.
 */
int	 keyop_sign_as(EVP_PKEY *key, uint32_t key_id,
	    const struct msg_sign_req *req, struct msg_sign_res *res,
	    const char **why);

/*
 * Free key, and the signing contexts kept for it (each holds a
 * reference).  Every key given to keyop_sign() or keyop_sign_as() is
 * freed with this, not EVP_PKEY_free().
 */
void	 keyop_free(EVP_PKEY *key);

#endif
