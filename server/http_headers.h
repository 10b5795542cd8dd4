/* http_headers.h -- parsers of request header values: Accept-Encoding,
 * If-None-Match, Authorization, X-Forwarded-For and CIDR ranges.
 * Pure string code with no libmicrohttpd: tests/unit/test_http_headers.c. */
#ifndef HTTP_HEADERS_H
#define HTTP_HEADERS_H

#include <stddef.h>

#include "server/config.h"

/* 1 when an Accept-Encoding value names gzip (or *) without q=0.  h may be NULL. */
int http_accepts_gzip(const char *h);

/* 1 when an If-None-Match value names etag (weak comparison, RFC 9110) or is
 * "*".  etag is quoted ("\"v1\"").  h may be NULL. */
int http_etag_listed(const char *h, const char *etag);

/* What an Authorization header presents. */
enum http_cred_kind {
    HTTP_CRED_NONE = 0,         /* no header */
    HTTP_CRED_BEARER,           /* "Bearer TOKEN" */
    HTTP_CRED_BASIC,            /* "Basic base64(user:TOKEN)": the password is the token */
    HTTP_CRED_MALFORMED         /* a header of another scheme or shape */
};

/* Reads the token out of an Authorization value h (NULL: none) into token
 * (cap bytes, NUL-terminated).  Basic credentials carry the token as the
 * password; the user name is ignored.  Returns the kind; token is "" unless
 * BEARER or BASIC. */
enum http_cred_kind http_parse_authorization(const char *h, char *token, size_t cap);

/* Parses "ADDR/BITS" or a bare address (a /32 or /128) into out.  Returns 0,
 * or -1 when s is not an IPv4 or IPv6 range. */
int http_cidr_parse(const char *s, struct pm_cidr *out);

/* 1 when the textual address addr lies in one of the n ranges. */
int http_cidr_contains(const struct pm_cidr *ranges, int n, const char *addr);

/* The client of a request that reached us from peer through the proxies
 * named in xff (an X-Forwarded-For value, may be NULL): walking xff from the
 * right, the first address that is not a trusted proxy.  A peer that is not
 * trusted speaks for itself: its X-Forwarded-For is ignored.  Writes the
 * address to out (cap bytes). */
void http_client_address(const struct pm_cidr *trusted, int ntrusted, const char *peer,
                         const char *xff, char *out, size_t cap);

#endif
