/* crypto.c -- SHA-256, HMAC-SHA256 and base64 through nettle (see crypto.h). */
#include "server/crypto.h"

#include <nettle/base16.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>
#include <string.h>

static void hex(const unsigned char d[SHA256_DIGEST_SIZE], char out[PM_SHA256_HEX])
{
    base16_encode_update(out, SHA256_DIGEST_SIZE, d);
    out[2 * SHA256_DIGEST_SIZE] = '\0';
}

void pm_sha256_hex(const void *data, size_t len, char out[PM_SHA256_HEX])
{
    struct sha256_ctx ctx;
    unsigned char d[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    if (len)
        sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof d, d);
    hex(d, out);
}

void pm_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t len,
                        char out[PM_SHA256_HEX])
{
    struct hmac_sha256_ctx ctx;
    unsigned char d[SHA256_DIGEST_SIZE];

    hmac_sha256_set_key(&ctx, keylen, keylen ? key : (const void *)"");
    if (len)
        hmac_sha256_update(&ctx, len, msg);
    hmac_sha256_digest(&ctx, sizeof d, d);
    hex(d, out);
}

long pm_base64url(const void *src, size_t len, char *out, size_t cap)
{
    struct base64_encode_ctx ctx;
    size_t n;

    if (BASE64_ENCODE_LENGTH(len) + BASE64_ENCODE_FINAL_LENGTH + 1 > cap)
        return -1;
    base64url_encode_init(&ctx);
    n = base64_encode_update(&ctx, out, len, src);
    n += base64_encode_final(&ctx, out + n);
    while (n && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    return (long)n;
}

long pm_base64_decode(const char *src, char *out, size_t cap)
{
    struct base64_decode_ctx ctx;
    size_t srclen = strlen(src), n = cap;

    if (BASE64_DECODE_LENGTH(srclen) + 1 > cap)
        return -1;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &n, (uint8_t *)out, srclen, src) ||
        !base64_decode_final(&ctx))
        return -1;
    out[n] = '\0';
    return (long)n;
}

int pm_secure_equal(const void *a, const void *b, size_t n)
{
    return memeql_sec(a, b, n);
}
