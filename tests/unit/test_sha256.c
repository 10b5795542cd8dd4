/* test_sha256.c -- SHA-256 against the FIPS 180-4 / NIST examples and
 * HMAC-SHA256 against RFC 4231. */
#include "server/sha256.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

static const char *hex_of(const unsigned char d[32])
{
    static char buf[65];
    sha256_hex(d, buf);
    return buf;
}

static const char *digest_hex(const void *data, size_t len)
{
    unsigned char d[32];
    sha256(data, len, d);
    return hex_of(d);
}

static const char *hmac_hex(const void *key, size_t keylen, const void *msg, size_t len)
{
    unsigned char d[32];
    hmac_sha256(key, keylen, msg, len, d);
    return hex_of(d);
}

/* ---------------------------------------------------------------- SHA-256 */

static void sha256_of_empty_string_should_match_nist(void)
{
    CHECK_STR(digest_hex("", 0),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(digest_hex(NULL, 0),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void sha256_of_abc_should_match_nist(void)
{
    CHECK_STR(digest_hex("abc", 3),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void sha256_of_448_bit_message_should_match_nist(void)
{
    /* 56 bytes: the padding no longer fits in the first block. */
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(strlen(m) == 56);
    CHECK_STR(digest_hex(m, strlen(m)),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void sha256_of_896_bit_message_should_match_nist(void)
{
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(digest_hex(m, strlen(m)),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha256_of_one_million_a_should_match_nist(void)
{
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    char *m = malloc(1000000);
    CHECK(m != NULL);
    if (!m)
        return;
    memset(m, 'a', 1000000);
    CHECK_STR(digest_hex(m, 1000000), want);
    free(m);

    /* The same message fed in uneven pieces that straddle block edges. */
    struct sha256_ctx ctx;
    unsigned char d[32];
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    sha256_init(&ctx);
    size_t left = 1000000, step = 1;
    while (left) {
        size_t n = step < left ? step : left;
        sha256_update(&ctx, chunk, n);
        left -= n;
        step = (step + 7) % sizeof chunk + 1; /* 1 .. sizeof chunk */
    }
    sha256_final(&ctx, d);
    CHECK_STR(hex_of(d), want);
}

static void sha256_incremental_should_equal_one_shot_for_every_length(void)
{
    /* Lengths 0..200 cover every padding case (55, 56, 63, 64, 119, 120 …). */
    unsigned char buf[200];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 31 + 7);
    for (size_t len = 0; len <= sizeof buf; len++) {
        unsigned char one[32], inc[32];
        struct sha256_ctx ctx;
        sha256(buf, len, one);
        sha256_init(&ctx);
        for (size_t i = 0; i < len; i++)
            sha256_update(&ctx, buf + i, 1);
        sha256_final(&ctx, inc);
        CHECK(memcmp(one, inc, 32) == 0);
    }
}

static void sha256_hex_should_write_lowercase_and_terminate(void)
{
    unsigned char d[32];
    char out[66];
    for (int i = 0; i < 32; i++)
        d[i] = (unsigned char)(0xf0 + (i & 15));
    memset(out, 'X', sizeof out);
    sha256_hex(d, out);
    CHECK(out[64] == '\0');
    CHECK(out[65] == 'X');
    CHECK(strncmp(out, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 32) == 0);
}

/* ----------------------------------------------------------- HMAC-SHA256 */

static void hmac_rfc4231_case_1_should_match(void)
{
    unsigned char key[20];
    memset(key, 0x0b, sizeof key);
    CHECK_STR(hmac_hex(key, sizeof key, "Hi There", 8),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void hmac_rfc4231_case_2_should_match_with_short_key(void)
{
    const char *m = "what do ya want for nothing?";
    CHECK_STR(hmac_hex("Jefe", 4, m, strlen(m)),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void hmac_rfc4231_case_3_should_match(void)
{
    unsigned char key[20], msg[50];
    memset(key, 0xaa, sizeof key);
    memset(msg, 0xdd, sizeof msg);
    CHECK_STR(hmac_hex(key, sizeof key, msg, sizeof msg),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void hmac_rfc4231_case_4_should_match(void)
{
    unsigned char key[25], msg[50];
    for (int i = 0; i < 25; i++)
        key[i] = (unsigned char)(i + 1);
    memset(msg, 0xcd, sizeof msg);
    CHECK_STR(hmac_hex(key, sizeof key, msg, sizeof msg),
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

static void hmac_rfc4231_case_6_should_hash_a_key_longer_than_a_block(void)
{
    unsigned char key[131];
    const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof key);
    CHECK_STR(hmac_hex(key, sizeof key, m, strlen(m)),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void hmac_rfc4231_case_7_should_match_long_key_and_long_data(void)
{
    unsigned char key[131];
    const char *m = "This is a test using a larger than block-size key and a larger "
                    "than block-size data. The key needs to be hashed before being "
                    "used by the HMAC algorithm.";
    memset(key, 0xaa, sizeof key);
    CHECK_STR(hmac_hex(key, sizeof key, m, strlen(m)),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void hmac_with_empty_key_and_message_should_be_defined(void)
{
    /* HMAC-SHA256("", "") -- a well-known value. */
    CHECK_STR(hmac_hex(NULL, 0, NULL, 0),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

UNIT_MAIN(
    UNIT_TEST(sha256_of_empty_string_should_match_nist),
    UNIT_TEST(sha256_of_abc_should_match_nist),
    UNIT_TEST(sha256_of_448_bit_message_should_match_nist),
    UNIT_TEST(sha256_of_896_bit_message_should_match_nist),
    UNIT_TEST(sha256_of_one_million_a_should_match_nist),
    UNIT_TEST(sha256_incremental_should_equal_one_shot_for_every_length),
    UNIT_TEST(sha256_hex_should_write_lowercase_and_terminate),
    UNIT_TEST(hmac_rfc4231_case_1_should_match),
    UNIT_TEST(hmac_rfc4231_case_2_should_match_with_short_key),
    UNIT_TEST(hmac_rfc4231_case_3_should_match),
    UNIT_TEST(hmac_rfc4231_case_4_should_match),
    UNIT_TEST(hmac_rfc4231_case_6_should_hash_a_key_longer_than_a_block),
    UNIT_TEST(hmac_rfc4231_case_7_should_match_long_key_and_long_data),
    UNIT_TEST(hmac_with_empty_key_and_message_should_be_defined)
)
