/* fuzz_csv.c -- the CSV importer: fmt_parse for every kind, the file in
 * UTF-8, UTF-8 with a BOM or CP932.
 *
 * The first byte chooses: bits 0-1 the kind (children, devices, shelters,
 * power points), bits 2-3 the encoding of the rest: 0 as it is, 1 behind a
 * UTF-8 BOM, 2 converted from UTF-8 to CP932 (as it is when that fails), so
 * that mutations of UTF-8 text also reach the Shift_JIS decoder.  The same
 * text must give the same rows in every encoding, and every accepted value
 * must be in the form formats.h promises the database. */
#include "tests/fuzz/fuzz.h"

#include <iconv.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/formats.h"

/* len bytes of data converted by iconv from one encoding to another, in a
 * new buffer of at most cap bytes, or NULL. */
static char *convert(const char *to, const char *from, const char *data, size_t len,
                     size_t cap, size_t *out_len)
{
    iconv_t cd = iconv_open(to, from);
    char *buf, *in = (char *)data, *o;
    size_t inleft = len, outleft = cap;

    if (cd == (iconv_t)-1)
        return NULL;
    buf = malloc(cap + 1);
    o = buf;
    if (!buf || iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        free(buf);
        buf = NULL;
    } else {
        *out_len = (size_t)(o - buf);
    }
    iconv_close(cd);
    return buf;
}

/* data (UTF-8) in CP932, in a new buffer, or NULL when it has no CP932
 * form that reads back as the same text (U+301C and U+FF5E share one). */
static char *to_cp932(const char *data, size_t len, size_t *out_len)
{
    size_t n = 0, back_len = 0;
    /* CP932 is never longer than UTF-8, and UTF-8 at most 3/2 of CP932 */
    char *sj = convert("CP932", "UTF-8", data, len, len, &n);
    char *back = sj ? convert("UTF-8", "CP932", sj, n, len, &back_len) : NULL;

    if (!back || back_len != len || memcmp(back, data, len) != 0) {
        free(sj);
        sj = NULL;
    }
    free(back);
    *out_len = n;
    return sj;
}

static int is_number(const char *s, double min, double max, int whole)
{
    char *end;
    double v = strtod(s, &end);

    return *s && !*end && isfinite(v) && v >= min && v <= max && (!whole || v == floor(v)) &&
           strspn(s, "-0123456789.") == strlen(s);
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int in_set(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

/* An array literal: {"a","b"} with '"' and '\' escaped inside elements. */
static int is_array_literal(const char *s)
{
    size_t n = strlen(s);
    int in = 0;

    if (n < 2 || s[0] != '{' || s[n - 1] != '}')
        return 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (!in) {
            if (s[i] == '"')
                in = 1;
            else if (s[i] != ',')
                return 0;
        } else if (s[i] == '\\') {
            if (s[i + 1] != '"' && s[i + 1] != '\\')
                return 0;
            i++;
        } else if (s[i] == '"') {
            in = 0;
        }
    }
    return !in;
}

/* 1 when v is a JSON array of objects whose values are strings or null. */
static int is_json_array(const char *v)
{
    cJSON *a = cJSON_Parse(v);
    const cJSON *it, *m;
    int ok = cJSON_IsArray(a);

    cJSON_ArrayForEach(it, a) {
        ok &= cJSON_IsObject(it);
        cJSON_ArrayForEach(m, it)
            ok &= cJSON_IsString(m) || cJSON_IsNull(m);
    }
    cJSON_Delete(a);
    return ok;
}

/* The form of an accepted value of column col, as formats.h describes it. */
static int value_ok(const char *col, const char *v)
{
    static const char *const bools[] = { "consent", "welfare", "public", "life_sustaining",
                                         "flood", "landslide", "storm_surge", "earthquake",
                                         "tsunami", "fire", "inland_flood", "volcano",
                                         "severe_disability", "utility_registered",
                                         "dispatchable", "medical_care", NULL };
    static const char *const numbers[] = { "power_w", "battery_h", "output_w", "home_battery_wh",
                                           "home_generator_w", "home_generator_h",
                                           "car_inverter_w", "backup_h", NULL };
    static const char *const lists[] = { "supporters", "medical_contacts", "sources", NULL };
    static const char *const counts[] = { "capacity", "outlets", NULL };
    static const char *const required[] = { "external_id", "child_external_id", "type", "power_w",
                                            "battery_h", NULL };
    static const char *const mobility[] = { "walk", "wheelchair", "stretcher", NULL };

    if (!v)
        return !in_set(col, required) && !in_set(col, bools) && !in_set(col, numbers);
    if (!fuzz_utf8_valid(v, strlen(v)))
        return 0;
    if (in_set(col, required) && !*v)
        return 0;
    if (in_set(col, bools))
        return strcmp(v, "t") == 0 || strcmp(v, "f") == 0;
    if (in_set(col, numbers))
        return is_number(v, 0, INFINITY, 0);
    if (in_set(col, counts))
        return is_number(v, 0, 2147483647.0, 1);
    if (strcmp(col, "lat") == 0)
        return is_number(v, -90, 90, 0);
    if (strcmp(col, "lon") == 0)
        return is_number(v, -180, 180, 0);
    if (strcmp(col, "birth_date") == 0)
        return strlen(v) == 10 && is_digits(v, 4) && v[4] == '-' && is_digits(v + 5, 2) &&
               v[7] == '-' && is_digits(v + 8, 2);
    if (strcmp(col, "care") == 0)
        return is_array_literal(v);
    if (in_set(col, lists))
        return is_json_array(v);
    if (strcmp(col, "hours") == 0)
        return strcmp(v, "24h") == 0 ||
               (strlen(v) == 11 && is_digits(v, 2) && v[2] == ':' && is_digits(v + 3, 2) &&
                v[5] == '-' && is_digits(v + 6, 2) && v[8] == ':' && is_digits(v + 9, 2));
    if (strcmp(col, "mobility") == 0)
        return in_set(v, mobility);
    return 1;
}

/* Checks one result; returns the number of broken invariants. */
static int check_result(enum fmt_kind kind, int rc, const struct fmt_result *r, const char *err)
{
    size_t ncols;
    const char *const *cols = fmt_columns(kind, &ncols);
    long last = 1;
    int bad = 0;

    if (rc != 0) {
        FUZZ_CHECK(bad, rc == PM_ERR_BAD_REQUEST || rc == PM_ERR_NOMEM);
        FUZZ_CHECK(bad, err[0] != '\0' && fuzz_utf8_valid(err, strlen(err)));
        FUZZ_CHECK(bad, r->rows == NULL && r->nrows == 0 && r->rejects == NULL);
        return bad;
    }
    FUZZ_CHECK(bad, r->kind == kind && r->ncols == ncols && r->cols == cols);
    FUZZ_CHECK(bad, r->encoding && r->format);
    FUZZ_CHECK(bad, r->csv.nrecords >= 1);
    /* every data record is a row, a reject, or blank */
    FUZZ_CHECK(bad, r->nrows + r->nrejects <= r->csv.nrecords - 1);
    for (size_t i = 0; i < r->nrows; i++) {
        FUZZ_CHECK(bad, r->rows[i].line > last);
        last = r->rows[i].line;
        for (size_t k = 0; k < ncols; k++) {
            if (!value_ok(cols[k], r->rows[i].fields[k])) {
                fprintf(stderr, "line %ld: %s = \"%s\"\n", r->rows[i].line, cols[k],
                        r->rows[i].fields[k] ? r->rows[i].fields[k] : "(NULL)");
                FUZZ_CHECK(bad, !"an accepted value has the form formats.h gives it");
            }
        }
    }
    last = 1;
    for (size_t i = 0; i < r->nrejects; i++) {
        const char *why = r->rejects[i].reason;

        FUZZ_CHECK(bad, r->rejects[i].line > last);
        last = r->rejects[i].line;
        FUZZ_CHECK(bad, why && *why && fuzz_utf8_valid(why, strlen(why)));
    }
    return bad;
}

/* Two parses of the same text must agree row for row. */
static int check_same(const struct fmt_result *a, const struct fmt_result *b)
{
    int bad = 0;

    FUZZ_CHECK(bad, a->nrows == b->nrows && a->nrejects == b->nrejects);
    if (bad)
        return bad;
    for (size_t i = 0; i < a->nrows; i++) {
        FUZZ_CHECK(bad, a->rows[i].line == b->rows[i].line);
        for (size_t k = 0; k < a->ncols; k++) {
            const char *x = a->rows[i].fields[k], *y = b->rows[i].fields[k];

            FUZZ_CHECK(bad, (!x && !y) || (x && y && strcmp(x, y) == 0));
        }
    }
    for (size_t i = 0; i < a->nrejects; i++)
        FUZZ_CHECK(bad, a->rejects[i].line == b->rejects[i].line &&
                            strcmp(a->rejects[i].reason, b->rejects[i].reason) == 0);
    return bad;
}

int fuzz_csv(const uint8_t *data, size_t size)
{
    struct fmt_result r, plain;
    enum fmt_kind kind;
    const char *text;
    char *buf = NULL, err[512] = "", err2[512] = "";
    size_t len;
    int mode, rc, bad = 0;

    if (size < 1)
        return 0;
    kind = (enum fmt_kind)(data[0] & 3);
    mode = (data[0] >> 2) & 3;
    text = (const char *)data + 1;
    len = size - 1;
    if (mode == 1) {
        buf = malloc(len + 3);
        if (!buf)
            return 0;
        memcpy(buf, "\xEF\xBB\xBF", 3);
        memcpy(buf + 3, text, len);
        text = buf;
        len += 3;
    } else if (mode == 2) {
        buf = to_cp932(text, len, &len);
        if (buf)
            text = buf;
        else
            len = size - 1;
    }

    rc = fmt_parse(kind, text, len, &r, err, sizeof err);
    bad += check_result(kind, rc, &r, err);

    /* The BOM, or the conversion to CP932, must change nothing but the
     * encoding reported, when the original is UTF-8 without a BOM. */
    if (buf && text == buf && fuzz_utf8_valid((const char *)data + 1, size - 1) &&
        (size < 4 || memcmp(data + 1, "\xEF\xBB\xBF", 3) != 0) &&
        (mode == 1 || (rc == 0 && strcmp(r.encoding, "cp932") == 0))) {
        int rc2 = fmt_parse(kind, (const char *)data + 1, size - 1, &plain, err2, sizeof err2);

        FUZZ_CHECK(bad, rc == rc2);
        if (rc == 0 && rc2 == 0) {
            FUZZ_CHECK(bad, strcmp(plain.encoding, "utf-8") == 0);
            FUZZ_CHECK(bad, strcmp(r.encoding, mode == 1 ? "utf-8-bom" : "cp932") == 0);
            bad += check_same(&r, &plain);
        }
        fmt_result_release(&plain);
    }
    fmt_result_release(&r);
    FUZZ_CHECK(bad, r.rows == NULL && r.arena == NULL);
    free(buf);
    return bad;
}

FUZZ_TARGET(fuzz_csv)
