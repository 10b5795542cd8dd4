/* http_headers.c -- parsers of request header values (see http_headers.h). */
#include "server/http_headers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "server/crypto.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int http_accepts_gzip(const char *h)
{
    while (h && *h) {
        const char *end = strchr(h, ',');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        char item[64];
        char *semi, *name = item, *q;
        size_t n;

        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), h);
        semi = strchr(item, ';');
        if (semi)
            *semi = '\0';
        while (is_blank(*name))
            name++;
        n = strlen(name);
        while (n && is_blank(name[n - 1]))
            name[--n] = '\0';
        if (strcasecmp(name, "gzip") == 0 || strcmp(name, "*") == 0) {
            q = semi ? strstr(semi + 1, "q=") : NULL;
            if (!q || strtod(q + 2, NULL) > 0)
                return 1;
        }
        h = end ? end + 1 : NULL;
    }
    return 0;
}

int http_etag_listed(const char *h, const char *etag)
{
    size_t n = strlen(etag);

    while (h && *h) {
        const char *end;

        while (is_blank(*h) || *h == ',')
            h++;
        if (*h == '*')
            return 1;
        if (strncmp(h, "W/", 2) == 0)
            h += 2;
        end = h;
        while (*end && *end != ',')
            end++;
        while (end > h && is_blank(end[-1]))
            end--;
        if ((size_t)(end - h) == n && memcmp(h, etag, n) == 0)
            return 1;
        while (*end && *end != ',')
            end++;
        h = end;
    }
    return 0;
}

enum http_cred_kind http_parse_authorization(const char *h, char *token, size_t cap)
{
    char raw[512];
    const char *colon;

    token[0] = '\0';
    if (!h)
        return HTTP_CRED_NONE;
    if (strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7;
        while (is_blank(*h))
            h++;
        if (!*h || strlen(h) >= cap)
            return HTTP_CRED_MALFORMED;
        snprintf(token, cap, "%s", h);
        return HTTP_CRED_BEARER;
    }
    if (strncasecmp(h, "Basic ", 6) != 0)
        return HTTP_CRED_MALFORMED;
    h += 6;
    while (is_blank(*h))
        h++;
    if (pm_base64_decode(h, raw, sizeof raw) < 0)
        return HTTP_CRED_MALFORMED;
    colon = strchr(raw, ':');
    if (!colon || !colon[1] || strlen(colon + 1) >= cap)
        return HTTP_CRED_MALFORMED;
    snprintf(token, cap, "%s", colon + 1);
    return HTTP_CRED_BASIC;
}

int http_cidr_parse(const char *s, struct pm_cidr *out)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    int max;
    long bits;
    char *end;

    if (len == 0 || len >= sizeof addr)
        return -1;
    memcpy(addr, s, len);
    addr[len] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    bits = max;
    if (slash) {
        bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > max)
            return -1;
    }
    out->bits = (int)bits;
    return 0;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (!rest)
        return 1;
    return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int http_cidr_contains(const struct pm_cidr *ranges, int n, const char *addr)
{
    unsigned char a4[4], a6[16];
    int is4 = inet_pton(AF_INET, addr, a4) == 1;
    int is6 = !is4 && inet_pton(AF_INET6, addr, a6) == 1;

    for (int i = 0; i < n; i++) {
        if (is4 && ranges[i].family == AF_INET && prefix_equal(a4, ranges[i].addr, ranges[i].bits))
            return 1;
        if (is6 && ranges[i].family == AF_INET6 && prefix_equal(a6, ranges[i].addr, ranges[i].bits))
            return 1;
    }
    return 0;
}

/* Copies the last comma-separated item of xff[0..len) into out, trimmed;
 * returns the length of what comes before it (the comma's index), or -1
 * when it was the first item. */
static long last_item(const char *xff, size_t len, char *out, size_t cap)
{
    size_t start = len, end = len;

    while (start > 0 && xff[start - 1] != ',')
        start--;
    while (start < end && is_blank(xff[start]))
        start++;
    while (end > start && is_blank(xff[end - 1]))
        end--;
    snprintf(out, cap, "%.*s", (int)(end - start < cap ? end - start : cap - 1), xff + start);
    while (start > 0 && xff[start - 1] != ',')
        start--;
    return start > 0 ? (long)start - 1 : -1;
}

void http_client_address(const struct pm_cidr *trusted, int ntrusted, const char *peer,
                         const char *xff, char *out, size_t cap)
{
    char item[64];
    long len = xff ? (long)strlen(xff) : -1;

    snprintf(out, cap, "%s", peer);
    if (!xff || !http_cidr_contains(trusted, ntrusted, peer))
        return;
    while (len >= 0) {
        unsigned char tmp[16];

        len = last_item(xff, (size_t)len, item, sizeof item);
        if (inet_pton(AF_INET, item, tmp) != 1 && inet_pton(AF_INET6, item, tmp) != 1)
            return;             /* garbage: the last trusted hop is the client we know */
        snprintf(out, cap, "%s", item);
        if (!http_cidr_contains(trusted, ntrusted, item))
            return;
    }
}
