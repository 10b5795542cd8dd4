/* crypto.h -- SHA-256, HMAC-SHA256 and base64 through nettle.
 *
 * API tokens are stored as their SHA-256 digest, outbound webhooks are signed
 * with HMAC-SHA256, and HTTP Basic credentials are base64.  No database, HTTP
 * or network code: unit tests link this file (with -lnettle). */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#define PM_SHA256_HEX 65            /* 64 lowercase hex digits and a NUL */

/* Writes the SHA-256 digest of len bytes at data to out as hex.  data may be
 * NULL when len is 0. */
void pm_sha256_hex(const void *data, size_t len, char out[PM_SHA256_HEX]);

/* Writes HMAC-SHA256(key, msg) to out as hex.  key may be NULL when keylen is
 * 0; keys longer than 64 bytes are hashed first (RFC 2104). */
void pm_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t len,
                        char out[PM_SHA256_HEX]);

/* Writes len bytes at src as base64url without padding to out (cap bytes with
 * the NUL).  Returns the length written, or -1 when cap is too small. */
long pm_base64url(const void *src, size_t len, char *out, size_t cap);

/* Decodes standard base64 (RFC 4648 section 4, padding optional) from src
 * into out (cap bytes; a NUL is added after the bytes).  Returns the number of
 * bytes decoded, or -1 when src is not base64 or out is too small. */
long pm_base64_decode(const char *src, char *out, size_t cap);

/* 1 when the n bytes at a and b are equal, compared in constant time. */
int pm_secure_equal(const void *a, const void *b, size_t n);

#endif
