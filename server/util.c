/* util.c -- error codes, the growable buffer and arrays, number parsing. */
#include "server/util.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pm_err_code(enum pm_err e)
{
    switch (e) {
    case PM_OK: return "ok";
    case PM_ERR_BAD_REQUEST: return "bad_request";
    case PM_ERR_UNAUTHORIZED: return "unauthorized";
    case PM_ERR_FORBIDDEN: return "forbidden";
    case PM_ERR_NOT_FOUND: return "not_found";
    case PM_ERR_METHOD: return "method_not_allowed";
    case PM_ERR_CONFLICT: return "conflict";
    case PM_ERR_TOO_LARGE: return "payload_too_large";
    case PM_ERR_MEDIA_TYPE: return "unsupported_media_type";
    case PM_ERR_UNPROCESSABLE: return "rejected_rows";
    case PM_ERR_TOO_MANY: return "too_many_requests";
    case PM_ERR_UNAVAILABLE: return "unavailable";
    case PM_ERR_INTERNAL: return "internal";
    case PM_ERR_NOMEM: return "out_of_memory";
    }
    return "internal";
}

void pm_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void pm_buf_init(struct pm_buf *b)
{
    b->data = NULL;
    b->len = b->cap = b->max = 0;
    b->oom = b->over = 0;
}

void pm_buf_init_max(struct pm_buf *b, size_t max)
{
    pm_buf_init(b);
    b->max = max;
}

void pm_buf_release(struct pm_buf *b)
{
    size_t max = b->max;

    free(b->data);
    pm_buf_init_max(b, max);
}

static int buf_reserve(struct pm_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->oom)
        return -1;
    if (b->max && extra > b->max - b->len) {
        b->oom = b->over = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void pm_buf_append(struct pm_buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pm_buf_puts(struct pm_buf *b, const char *s)
{
    pm_buf_append(b, s, strlen(s));
}

void pm_buf_vprintf(struct pm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void pm_buf_printf(struct pm_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pm_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void pm_buf_json_escape(struct pm_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p;

    for (; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        pm_buf_append(b, run, (size_t)(p - run));
        switch (*p) {
        case '"': pm_buf_puts(b, "\\\""); break;
        case '\\': pm_buf_puts(b, "\\\\"); break;
        case '\n': pm_buf_puts(b, "\\n"); break;
        case '\r': pm_buf_puts(b, "\\r"); break;
        case '\t': pm_buf_puts(b, "\\t"); break;
        default: pm_buf_printf(b, "\\u%04x", *p); break;
        }
        run = p + 1;
    }
    pm_buf_append(b, run, (size_t)(p - run));
}

void pm_buf_html_escape(struct pm_buf *b, const char *s)
{
    const char *p = s, *run = s;

    for (; *p; p++) {
        const char *rep;

        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        pm_buf_append(b, run, (size_t)(p - run));
        pm_buf_puts(b, rep);
        run = p + 1;
    }
    pm_buf_append(b, run, (size_t)(p - run));
}

void *pm_grow(void *p, size_t n, size_t *cap, size_t elem, size_t first)
{
    size_t want;
    void *np;

    if (n < *cap)
        return p;
    want = *cap ? *cap * 2 : first;
    if (want <= *cap || want > SIZE_MAX / elem)
        return NULL;
    np = realloc(p, want * elem);
    if (np)
        *cap = want;
    return np;
}

char *pm_buf_finish(struct pm_buf *b, size_t *len)
{
    if (b->oom) {
        pm_buf_release(b);
        return NULL;
    }
    return pm_buf_steal(b, len);
}

char *pm_buf_steal(struct pm_buf *b, size_t *len)
{
    char *p = b->data;

    if (len)
        *len = b->len;
    if (!p && !b->oom)
        p = calloc(1, 1);
    pm_buf_init(b);
    return p;
}

int pm_json_has_nul(const char *s, size_t n)
{
    size_t slashes = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0')
            return 1;
        if (s[i] == 'u' && slashes % 2 == 1 && n - i > 4 && memcmp(s + i + 1, "0000", 4) == 0)
            return 1;
        slashes = s[i] == '\\' ? slashes + 1 : 0;
    }
    return 0;
}

char *pm_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct pm_buf b;
    char chunk[65536];
    size_t n;
    int bad;

    if (!f)
        return NULL;
    pm_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pm_buf_append(&b, chunk, n);
    bad = ferror(f) || b.oom;
    if (f != stdin)
        fclose(f);
    if (bad) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, len);
}

int pm_days_in_month(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

int pm_read_digits(const char **p, int max)
{
    int v = 0, n = 0;

    while (n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

int pm_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    /* strtol skips any leading white space ("\n5", "\t5") and takes a '+':
     * a whole decimal integer starts with '-' or a digit (found by fuzz_query). */
    if (!s || !(*s == '-' || (*s >= '0' && *s <= '9')))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int pm_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s || *s == ' ')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    /* strtod accepts hex floats, "inf" and "nan": only plain decimals pass. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    *out = v;
    return 0;
}

int pm_is_iso8601(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    return n >= 10 && n <= 40 && strspn(s, "0123456789") == 4 && s[4] == '-' &&
           strspn(s, "0123456789-:T+Z. ") == n;
}

int pm_parse_bbox(const char *s, double out[4], const char **why)
{
    if (pm_parse_four(s, out, why) < 0)
        return -1;
    if (fabs(out[0]) > 180 || fabs(out[2]) > 180 || fabs(out[1]) > 90 || fabs(out[3]) > 90) {
        *why = "longitudes must be within -180..180 and latitudes within -90..90";
        return -1;
    }
    if (out[0] > out[2] || out[1] > out[3]) {
        *why = "min must not be greater than max";
        return -1;
    }
    return 0;
}

int pm_parse_four(const char *s, double out[4], const char **why)
{
    char part[64];
    const char *p = s;

    for (int i = 0; i < 4; i++) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if ((i < 3) != (end != NULL)) {
            *why = "must be four numbers separated by commas";
            return -1;
        }
        if (n == 0 || n >= sizeof part) {
            *why = "each of the four values must be a number";
            return -1;
        }
        memcpy(part, p, n);
        part[n] = '\0';
        if (pm_parse_double(part, &out[i]) < 0) {
            *why = "each of the four values must be a finite number";
            return -1;
        }
        p = end ? end + 1 : p + n;
    }
    return 0;
}
