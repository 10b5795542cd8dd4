/* sha256.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 *
 * Pure code with no dependencies: API tokens are stored as their SHA-256
 * digest, and outbound webhooks are signed with HMAC-SHA256. */
#ifndef POWERMAP_SHA256_H
#define POWERMAP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE  64

/* Running state of one digest.  Embed it, start it with sha256_init(); it
 * owns no memory, so there is nothing to release. */
struct sha256_ctx {
    uint32_t state[8];
    uint64_t length;                       /* bytes hashed so far */
    unsigned char block[SHA256_BLOCK_SIZE]; /* pending partial block */
    size_t used;                           /* bytes pending in block */
};

/* Starts a new digest in ctx. */
void sha256_init(struct sha256_ctx *ctx);

/* Adds len bytes at data to the digest.  data may be NULL when len is 0. */
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);

/* Finishes the digest and writes it to out.  ctx must be initialised again
 * before it is reused. */
void sha256_final(struct sha256_ctx *ctx, unsigned char out[32]);

/* Writes the SHA-256 digest of len bytes at data to out. */
void sha256(const void *data, size_t len, unsigned char out[32]);

/* Writes HMAC-SHA256(key, msg) to out.  Keys longer than the 64-byte block
 * are hashed first, as RFC 2104 requires; key may be NULL when keylen is 0. */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                 unsigned char out[32]);

/* Writes the 64 lowercase hex digits of d and a terminating NUL to out. */
void sha256_hex(const unsigned char d[32], char out[65]);

#endif
