/* csv.c -- decode a CSV file to UTF-8 and split it into records and fields.
 *
 * Japanese municipal files come as UTF-8 (Excel adds a BOM) or as Shift_JIS
 * from older systems.  We try UTF-8 first because random Shift_JIS text is
 * almost never valid UTF-8, while the reverse is often decodable garbage. */
#include "server/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"


/* ---------------------------------------------------------------- decoding */

/* Offset of the first byte that makes `s` invalid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF count as invalid), or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min, cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

/* Convert CP932 to UTF-8 into a new buffer.  Returns 0, or -1 with *bad set
 * to the offset of the first byte that is not CP932 ((size_t)-1 when memory
 * or iconv itself failed). */
static int cp932_to_utf8(const char *data, size_t len, char **out,
                         size_t *out_len, size_t *bad)
{
    iconv_t cd;
    char *buf, *in, *o;
    size_t inleft, outleft, cap;
    int rc = -1;

    *bad = (size_t)-1;
    /* A CP932 character of one or two bytes is at most three UTF-8 bytes. */
    if (len > (SIZE_MAX - 1) / 3)
        return -1;
    cap = len * 3 + 1;
    buf = malloc(cap);
    if (!buf)
        return -1;
    cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1) {
        free(buf);
        return -1;
    }
    in = (char *)data;
    inleft = len;
    o = buf;
    outleft = cap - 1;
    if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        if (errno == EILSEQ || errno == EINVAL)
            *bad = (size_t)(in - data);
        goto out;
    }
    *o = '\0';
    *out_len = (size_t)(o - buf);
    *out = buf;
    buf = NULL;
    rc = 0;
out:
    iconv_close(cd);
    free(buf);
    return rc;
}

int csv_decode(const char *data, size_t len, char **out, size_t *out_len,
               const char **encoding, char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)data;
    const char *nul = len ? memchr(data, '\0', len) : NULL;
    size_t bad_utf8, bad_sjis, skip = 0;
    char *buf;

    *out = NULL;
    *out_len = 0;
    *encoding = NULL;
    if (nul) {
        pm_set_err(err, errlen,
                "byte %zu is NUL: not a text file (UTF-16 is not supported; "
                "save as UTF-8 or Shift_JIS)", (size_t)(nul - data));
        return -1;
    }
    bad_utf8 = utf8_invalid_at(u, len);
    if (bad_utf8 == len) {
        if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
            skip = 3;
        buf = malloc(len - skip + 1);
        if (!buf) {
            pm_set_err(err, errlen, "out of memory decoding %zu bytes", len);
            return -1;
        }
        memcpy(buf, data + skip, len - skip);
        buf[len - skip] = '\0';
        *out = buf;
        *out_len = len - skip;
        *encoding = skip ? "utf-8-bom" : "utf-8";
        return 0;
    }
    if (cp932_to_utf8(data, len, out, out_len, &bad_sjis) == 0) {
        *encoding = "cp932";
        return 0;
    }
    if (bad_sjis == (size_t)-1)
        pm_set_err(err, errlen, "cannot convert from CP932: %s",
                errno ? strerror(errno) : "out of memory");
    else
        pm_set_err(err, errlen,
                "neither UTF-8 (invalid byte at offset %zu) nor Shift_JIS/CP932 "
                "(invalid byte at offset %zu)", bad_utf8, bad_sjis);
    return -1;
}

/* ----------------------------------------------------------------- parsing */

static int push_field(struct csv_table *t, char *f)
{
    char **p = pm_grow(t->fields, t->nfields, &t->fields_cap, sizeof *p, 64);

    if (!p)
        return -1;
    t->fields = p;
    t->fields[t->nfields++] = f;
    return 0;
}

static int push_record(struct csv_table *t, long line, size_t first)
{
    struct csv_record *p = pm_grow(t->records, t->nrecords, &t->records_cap, sizeof *p, 16);

    if (!p)
        return -1;
    t->records = p;
    t->records[t->nrecords].line = line;
    t->records[t->nrecords].first = first;
    t->records[t->nrecords].count = t->nfields - first;
    t->nrecords++;
    return 0;
}

/* Split t->text in place.  The unquoted value of a field is never longer
 * than its source and every field is followed by a delimiter or by the NUL
 * at text_len, so the terminating NUL always lands on a byte already read. */
static int split(struct csv_table *t, char *err, size_t errlen)
{
    char *r = t->text, *end = t->text + t->text_len;
    long line = 1;

    while (r < end) {
        char *p = r;
        long rec_line = line;
        size_t first = t->nfields;

        while (p < end && *p == ' ')
            p++;
        if (p == end || *p == '\n' || *p == '\r') {     /* blank line */
            if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            if (p < end) {
                p++;
                line++;
            }
            r = p;
            continue;
        }
        for (;;) {
            char *w, *f;
            char c;

            p = r;
            while (p < end && *p == ' ')
                p++;
            if (p < end && *p == '"') {
                long qline = line;
                char *keep;

                f = w = p;
                r = p + 1;
                for (;;) {
                    if (r == end) {
                        pm_set_err(err, errlen,
                                "line %ld: quoted field never closed", qline);
                        return -1;
                    }
                    if (*r == '"') {
                        if (r + 1 < end && r[1] == '"') {
                            *w++ = '"';
                            r += 2;
                            continue;
                        }
                        r++;
                        break;
                    }
                    if (*r == '\n' || (*r == '\r' && !(r + 1 < end && r[1] == '\n')))
                        line++;
                    *w++ = *r++;
                }
                while (r < end && *r == ' ')
                    r++;
                /* Text after the closing quote is kept, as most readers do. */
                keep = w;
                while (r < end && *r != ',' && *r != '\n' && *r != '\r')
                    *w++ = *r++;
                while (w > keep && w[-1] == ' ')
                    w--;
            } else {
                f = p;
                r = p;
                while (r < end && *r != ',' && *r != '\n' && *r != '\r')
                    r++;
                w = r;
                while (w > f && w[-1] == ' ')
                    w--;
            }
            c = r < end ? *r : '\0';
            *w = '\0';
            if (push_field(t, f) != 0)
                goto oom;
            if (c == ',') {
                r++;
                continue;
            }
            if (c == '\r') {
                r++;
                if (r < end && *r == '\n')
                    r++;
                line++;
            } else if (c == '\n') {
                r++;
                line++;
            }
            break;
        }
        if (push_record(t, rec_line, first) != 0)
            goto oom;
    }
    return 0;
oom:
    pm_set_err(err, errlen, "out of memory parsing CSV (%zu fields)", t->nfields);
    return -1;
}

int csv_parse(struct csv_table *t, const char *data, size_t len,
              char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (csv_decode(data, len, &t->text, &t->text_len, &t->encoding,
                   err, errlen) != 0)
        return -1;
    if (split(t, err, errlen) != 0) {
        csv_release(t);
        return -1;
    }
    return 0;
}

const char *csv_field(const struct csv_table *t, const struct csv_record *r,
                      size_t i)
{
    return i < r->count ? t->fields[r->first + i] : NULL;
}

void csv_release(struct csv_table *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->fields);
    free(t->records);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ writer */

/* 1 when s is a plain decimal number: -?digits[.digits]. */
static int plain_number(const char *s)
{
    const char *p = s + (*s == '-');
    int digits = 0;

    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.' && digits)
        for (p++, digits = 0; *p >= '0' && *p <= '9'; p++)
            digits++;
    return digits && *p == '\0';
}

void csv_write_cell(struct pm_buf *b, const char *s, int last)
{
    int formula, quote;

    if (!s)
        s = "";
    formula = strchr("=+-@\t\r", *s) && *s && !plain_number(s);
    quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        pm_buf_puts(b, "\"");
    if (formula)
        pm_buf_puts(b, "'");
    for (const char *run = s;; s++) {
        if (*s == '"' || !*s) {
            pm_buf_append(b, run, (size_t)(s - run) + (*s == '"'));
            if (!*s)
                break;
            run = s;                    /* the quote is written twice */
        }
    }
    if (quote)
        pm_buf_puts(b, "\"");
    pm_buf_puts(b, last ? "\r\n" : ",");
}
