/* test_crypto.c -- the nettle-backed helpers of server/crypto.c: SHA-256
 * against NIST's examples, HMAC-SHA256 against RFC 4231, base64 both ways. */
#include "server/crypto.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

static const char *digest_hex(const void *data, size_t len)
{
    static char buf[PM_SHA256_HEX];
    pm_sha256_hex(data, len, buf);
    return buf;
}

static const char *hmac_hex(const void *key, size_t keylen, const void *msg, size_t len)
{
    static char buf[PM_SHA256_HEX];
    pm_hmac_sha256_hex(key, keylen, msg, len, buf);
    return buf;
}

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

static void sha256_of_one_million_a_should_match_nist(void)
{
    char *m = malloc(1000000);
    CHECK(m != NULL);
    if (!m)
        return;
    memset(m, 'a', 1000000);
    CHECK_STR(digest_hex(m, 1000000),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(m);
}

static void hmac_rfc4231_case_2_should_match_with_short_key(void)
{
    const char *m = "what do ya want for nothing?";
    CHECK_STR(hmac_hex("Jefe", 4, m, strlen(m)),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void hmac_rfc4231_case_6_should_hash_a_key_longer_than_a_block(void)
{
    unsigned char key[131];
    const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof key);
    CHECK_STR(hmac_hex(key, sizeof key, m, strlen(m)),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void hmac_with_empty_key_and_message_should_be_defined(void)
{
    CHECK_STR(hmac_hex(NULL, 0, NULL, 0),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void base64url_should_drop_padding_and_use_url_letters(void)
{
    char out[16];
    unsigned char in[] = { 0xfb, 0xff, 0xbf, 0x01 };
    CHECK(pm_base64url(in, 3, out, sizeof out) == 4);
    CHECK_STR(out, "-_-_");
    CHECK(pm_base64url(in, 4, out, sizeof out) == 6);
    CHECK_STR(out, "-_-_AQ");
    CHECK(pm_base64url(in, 4, out, 4) == -1);
}

static void base64url_of_32_bytes_should_be_43_characters(void)
{
    unsigned char in[32] = { 0 };
    char out[52];
    CHECK(pm_base64url(in, sizeof in, out, 49) == 43);
    CHECK(strlen(out) == 43);
}

static void base64_decode_should_read_rfc4648_examples(void)
{
    char out[16];
    CHECK(pm_base64_decode("Zm9vYmFy", out, sizeof out) == 6);
    CHECK_STR(out, "foobar");
    CHECK(pm_base64_decode("Zm9vYg==", out, sizeof out) == 4);
    CHECK_STR(out, "foob");
    CHECK(pm_base64_decode("", out, sizeof out) == 0);
}

static void base64_decode_should_refuse_junk_and_small_buffers(void)
{
    char out[16];
    CHECK(pm_base64_decode("Zm9v!mFy", out, sizeof out) == -1);
    CHECK(pm_base64_decode("Zm9vYmFyZm9vYmFyZm9vYmFy", out, sizeof out) == -1);
}

static void secure_equal_should_compare_bytes(void)
{
    CHECK(pm_secure_equal("abc", "abc", 3));
    CHECK(!pm_secure_equal("abc", "abd", 3));
}

UNIT_MAIN(
    UNIT_TEST(sha256_of_empty_string_should_match_nist),
    UNIT_TEST(sha256_of_abc_should_match_nist),
    UNIT_TEST(sha256_of_one_million_a_should_match_nist),
    UNIT_TEST(hmac_rfc4231_case_2_should_match_with_short_key),
    UNIT_TEST(hmac_rfc4231_case_6_should_hash_a_key_longer_than_a_block),
    UNIT_TEST(hmac_with_empty_key_and_message_should_be_defined),
    UNIT_TEST(base64url_should_drop_padding_and_use_url_letters),
    UNIT_TEST(base64url_of_32_bytes_should_be_43_characters),
    UNIT_TEST(base64_decode_should_read_rfc4648_examples),
    UNIT_TEST(base64_decode_should_refuse_junk_and_small_buffers),
    UNIT_TEST(secure_equal_should_compare_bytes)
)
