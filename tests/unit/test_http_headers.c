/* test_http_headers.c -- the request header parsers of server/http_headers.c:
 * Accept-Encoding, If-None-Match, Authorization (Bearer and Basic), CIDR
 * ranges and X-Forwarded-For through trusted proxies. */
#include "server/http_headers.h"
#include "server/util.h"
#include "tests/unit/unit.h"

static void accept_encoding_should_find_gzip_among_others(void)
{
    CHECK(http_accepts_gzip("gzip"));
    CHECK(http_accepts_gzip("br, GZIP;q=0.5"));
    CHECK(http_accepts_gzip(" deflate , * "));
    CHECK(!http_accepts_gzip(NULL));
    CHECK(!http_accepts_gzip("br, deflate"));
}

static void accept_encoding_should_honour_q_zero(void)
{
    CHECK(!http_accepts_gzip("gzip;q=0"));
    CHECK(!http_accepts_gzip("gzip; q=0.0, br"));
}

static void if_none_match_should_compare_weakly_and_accept_star(void)
{
    CHECK(http_etag_listed("\"v1\"", "\"v1\""));
    CHECK(http_etag_listed("\"a\", W/\"v1\"", "\"v1\""));
    CHECK(http_etag_listed("*", "\"v1\""));
    CHECK(!http_etag_listed("\"v12\"", "\"v1\""));
    CHECK(!http_etag_listed(NULL, "\"v1\""));
    CHECK(!http_etag_listed("", "\"v1\""));
}

static void authorization_bearer_should_give_the_token(void)
{
    char t[64];
    CHECK(http_parse_authorization("Bearer pm_abc", t, sizeof t) == HTTP_CRED_BEARER);
    CHECK_STR(t, "pm_abc");
    CHECK(http_parse_authorization("bearer   pm_x", t, sizeof t) == HTTP_CRED_BEARER);
    CHECK_STR(t, "pm_x");
}

static void authorization_basic_should_give_the_password_whatever_the_user(void)
{
    char t[64];
    /* "qgis:pm_abc" and ":pm_abc" */
    CHECK(http_parse_authorization("Basic cWdpczpwbV9hYmM=", t, sizeof t) == HTTP_CRED_BASIC);
    CHECK_STR(t, "pm_abc");
    CHECK(http_parse_authorization("Basic OnBtX2FiYw==", t, sizeof t) == HTTP_CRED_BASIC);
    CHECK_STR(t, "pm_abc");
}

static void authorization_should_refuse_other_shapes(void)
{
    char t[64];
    CHECK(http_parse_authorization(NULL, t, sizeof t) == HTTP_CRED_NONE);
    CHECK(http_parse_authorization("Bearer ", t, sizeof t) == HTTP_CRED_MALFORMED);
    CHECK(http_parse_authorization("Digest x", t, sizeof t) == HTTP_CRED_MALFORMED);
    CHECK(http_parse_authorization("Basic !!!", t, sizeof t) == HTTP_CRED_MALFORMED);
    /* "user" without a colon, and "user:" with an empty password */
    CHECK(http_parse_authorization("Basic dXNlcg==", t, sizeof t) == HTTP_CRED_MALFORMED);
    CHECK(http_parse_authorization("Basic dXNlcjo=", t, sizeof t) == HTTP_CRED_MALFORMED);
    CHECK_STR(t, "");
    CHECK(http_parse_authorization("Bearer 0123456789", t, 8) == HTTP_CRED_MALFORMED);
}

static void cidr_should_parse_v4_v6_and_bare_addresses(void)
{
    struct pm_cidr c;
    CHECK(http_cidr_parse("10.0.0.0/8", &c) == 0 && c.bits == 8);
    CHECK(http_cidr_parse("127.0.0.1", &c) == 0 && c.bits == 32);
    CHECK(http_cidr_parse("2001:db8::/32", &c) == 0 && c.bits == 32);
    CHECK(http_cidr_parse("10.0.0.0/33", &c) == -1);
    CHECK(http_cidr_parse("10.0.0.0/", &c) == -1);
    CHECK(http_cidr_parse("example.jp", &c) == -1);
    CHECK(http_cidr_parse("", &c) == -1);
}

static void cidr_should_contain_only_addresses_of_its_prefix(void)
{
    struct pm_cidr c[2];
    CHECK(http_cidr_parse("192.0.2.128/25", &c[0]) == 0);
    CHECK(http_cidr_parse("::1", &c[1]) == 0);
    CHECK(http_cidr_contains(c, 2, "192.0.2.200"));
    CHECK(!http_cidr_contains(c, 2, "192.0.2.127"));
    CHECK(http_cidr_contains(c, 2, "::1"));
    CHECK(!http_cidr_contains(c, 2, "::2"));
    CHECK(!http_cidr_contains(c, 2, "junk"));
}

static void forwarded_for_should_be_ignored_from_an_untrusted_peer(void)
{
    struct pm_cidr t;
    char out[64];
    CHECK(http_cidr_parse("127.0.0.1", &t) == 0);
    http_client_address(&t, 1, "198.51.100.7", "203.0.113.9", out, sizeof out);
    CHECK_STR(out, "198.51.100.7");
    http_client_address(&t, 0, "127.0.0.1", "203.0.113.9", out, sizeof out);
    CHECK_STR(out, "127.0.0.1");
}

static void forwarded_for_should_take_the_first_untrusted_hop_from_the_right(void)
{
    struct pm_cidr t[2];
    char out[64];
    CHECK(http_cidr_parse("127.0.0.1", &t[0]) == 0);
    CHECK(http_cidr_parse("10.0.0.0/8", &t[1]) == 0);
    /* A client-supplied first entry is not believed past an untrusted hop. */
    http_client_address(t, 2, "127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.1.1", out, sizeof out);
    CHECK_STR(out, "203.0.113.9");
    http_client_address(t, 2, "127.0.0.1", "203.0.113.9", out, sizeof out);
    CHECK_STR(out, "203.0.113.9");
    http_client_address(t, 2, "127.0.0.1", "10.0.0.5", out, sizeof out);
    CHECK_STR(out, "10.0.0.5");
    http_client_address(t, 2, "127.0.0.1", "junk, 10.0.0.5", out, sizeof out);
    CHECK_STR(out, "10.0.0.5");
}

static int has_nul(const char *s)
{
    return pm_json_has_nul(s, strlen(s));
}

static void json_nul_should_be_found_raw_or_escaped_but_not_an_escaped_backslash(void)
{
    CHECK(has_nul("{\"a\":\"NUL2\\u0000x\"}"));
    CHECK(pm_json_has_nul("ab\0cd", 5));
    CHECK(!has_nul("{\"a\":\"\\\\u0000\"}"));      /* a backslash, then u0000 */
    CHECK(has_nul("\\\\\\u0000"));                    /* \\ then \u0000 */
    CHECK(!pm_json_has_nul("\\u00001", 3));           /* cut short */
    CHECK(!has_nul("{\"a\":\"\\u0041\"}"));
}

UNIT_MAIN(
    UNIT_TEST(json_nul_should_be_found_raw_or_escaped_but_not_an_escaped_backslash),
    UNIT_TEST(accept_encoding_should_find_gzip_among_others),
    UNIT_TEST(accept_encoding_should_honour_q_zero),
    UNIT_TEST(if_none_match_should_compare_weakly_and_accept_star),
    UNIT_TEST(authorization_bearer_should_give_the_token),
    UNIT_TEST(authorization_basic_should_give_the_password_whatever_the_user),
    UNIT_TEST(authorization_should_refuse_other_shapes),
    UNIT_TEST(cidr_should_parse_v4_v6_and_bare_addresses),
    UNIT_TEST(cidr_should_contain_only_addresses_of_its_prefix),
    UNIT_TEST(forwarded_for_should_be_ignored_from_an_untrusted_peer),
    UNIT_TEST(forwarded_for_should_take_the_first_untrusted_hop_from_the_right)
)
