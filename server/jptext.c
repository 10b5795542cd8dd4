/* jptext.c -- values as Japanese municipalities publish them.
 *
 * Every parser works on the NFKC form of the cell (utf8proc), so that
 * full-width digits, letters, brackets and spaces need no table of their
 * own: "（２階）" arrives here as "(2階)".  The marks that NFKC leaves alone
 * (○ ◯ 〇 ● ◎ × ✕ －) are listed explicitly. */
#include "server/jptext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "server/util.h"

/* ------------------------------------------------------------------ NFKC */

static void trim_in_place(char *s)
{
    size_t n = strlen(s), start = 0;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'
                     || s[n - 1] == '\n'))
        n--;
    while (start < n && (s[start] == ' ' || s[start] == '\t' || s[start] == '\r'
                         || s[start] == '\n'))
        start++;
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

char *jp_nfkc(const char *s)
{
    char *out = (char *)utf8proc_NFKC((const utf8proc_uint8_t *)s);

    if (out)
        trim_in_place(out);
    return out;
}

/* Code point at p (valid UTF-8) and its length. */
static int next_cp(const char *p, int *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);

    if (n <= 0) {
        *cp = (unsigned char)*p;
        return 1;
    }
    *cp = c;
    return (int)n;
}

static int is_key_separator(int cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == '_'
           || cp == ',' || cp == '.' || cp == '-' || cp == 0x3001 /* 、 */
           || cp == 0x3002 /* 。 */ || cp == 0x30FB /* ・ */ || cp == 0xFF65
           || cp == 0x00B7 || cp == 0x2010 || cp == 0x2212 || cp == 0x30FC
           || cp == 0xFF0C || cp == 0x2015 || cp == 0x2014 || cp == 0x3000;
}

int jp_header_key(const char *s, char *out, size_t cap)
{
    char *f = (char *)utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)s);
    size_t n = 0;
    int rc = 0;

    if (!f || cap == 0) {
        free(f);
        return -1;
    }
    for (const char *p = f; *p;) {
        int cp, len = next_cp(p, &cp);

        if (!is_key_separator(cp)) {
            if (n + (size_t)len >= cap) {
                rc = -1;
                break;
            }
            memcpy(out + n, p, (size_t)len);
            n += (size_t)len;
        }
        p += len;
    }
    out[n] = '\0';
    free(f);
    return rc;
}

/* ------------------------------------------------------------------ marks */

static int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
        int y = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;

        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* The yes/no of a bare mark or word (already NFKC and trimmed). */
static int mark_value(const char *m)
{
    static const char *const yes[] = {
        "○", "◯", "〇", "●", "◎", "◉", "有", "有り", "あり", "可", "はい", "要",
        "該当", "対象", "対応", "対応可", "指定", "1", "1.0", "true", "t", "yes", "y", "on",
        NULL
    };
    static const char *const no[] = {
        "×", "✕", "✖", "☓", "╳", "-", "―", "ー", "‐", "−", "無", "無し", "なし", "不可", "いいえ",
        "非該当", "対象外", "0", "0.0", "false", "f", "no", "n", "off", "", NULL
    };

    for (size_t i = 0; yes[i]; i++)
        if (ascii_ieq(m, yes[i]))
            return 1;
    for (size_t i = 0; no[i]; i++)
        if (ascii_ieq(m, no[i]))
            return 0;
    return -1;
}

/* Length of the leading mark of s: one mark character, or a word of
 * mark_value up to a bracket or space. */
static size_t mark_length(const char *s)
{
    size_t n = strcspn(s, "( ");

    return n;
}

int jp_yesno(const char *s, char *note, size_t cap)
{
    char *v = jp_nfkc(s);
    size_t m;
    int rc = -1;

    if (cap)
        note[0] = '\0';
    if (!v)
        return -1;
    rc = mark_value(v);
    if (rc < 0) {
        m = mark_length(v);
        if (m > 0 && m < strlen(v)) {
            char save = v[m];
            const char *rest = v + m;
            size_t rn;

            v[m] = '\0';
            rc = mark_value(v);
            v[m] = save;
            while (*rest == ' ')
                rest++;
            rn = strlen(rest);
            if (rn >= 2 && rest[0] == '(' && rest[rn - 1] == ')') {
                rest++;
                rn -= 2;
            }
            if (rc >= 0 && cap)
                snprintf(note, cap, "%.*s", (int)rn, rest);
        }
    }
    free(v);
    return rc;
}

/* -------------------------------------------------------------- capacity */

/* The number (digits with thousands commas) starting at or after p; -1
 * when there is none.  *end is set past it. */
static long first_number(const char *p, const char **end)
{
    long v = -1;

    while (*p && !(*p >= '0' && *p <= '9'))
        p++;
    if (!*p)
        return -1;
    v = 0;
    while ((*p >= '0' && *p <= '9') || (*p == ',' && p[1] >= '0' && p[1] <= '9')) {
        if (*p != ',') {
            if (v > 100000000)
                return -1;
            v = v * 10 + (*p - '0');
        }
        p++;
    }
    if (end)
        *end = p;
    return v;
}

long jp_capacity(const char *s)
{
    static const char *const nothing[] = {
        "", "-", "―", "ー", "不明", "なし", "無", "未定", "調査中", "-人", NULL
    };
    char *v = jp_nfkc(s);
    const char *in, *out;
    long n;

    if (!v)
        return -2;
    if (in_list(v, nothing)) {
        free(v);
        return -1;
    }
    in = strstr(v, "屋内");
    out = strstr(v, "屋外");
    if (in)
        n = first_number(in, NULL);
    else if (out && out == v)
        n = -1;         /* an outdoor figure only: no persons indoors known */
    else
        n = first_number(v, NULL);
    if (n < 0 && !in && !out)
        n = -2;
    if (n < 0 && in)
        n = -2;
    free(v);
    return n;
}

/* ------------------------------------------------------------------ dates */

struct era {
    const char *kanji, *letter;
    int first_year;             /* Gregorian year of 元年 */
    int start, end;             /* first and last day as YYYYMMDD */
};

static const struct era eras[] = {
    { "令和", "r", 2019, 20190501, 99991231 },
    { "平成", "h", 1989, 19890108, 20190430 },
    { "昭和", "s", 1926, 19261225, 19890107 },
    { "大正", "t", 1912, 19120730, 19261224 },
};

/* Skips one date separator (- / . 年 月 or nothing at the end: 日). */
static int separator(const char **p)
{
    static const char *const seps[] = { "年", "月", "-", "/", ".", NULL };

    for (size_t i = 0; seps[i]; i++) {
        size_t n = strlen(seps[i]);

        if (strncmp(*p, seps[i], n) == 0) {
            *p += n;
            return 0;
        }
    }
    return -1;
}

/* An era prefix at *p: its index, or -1.  *p moves past it. */
static int era_prefix(const char **p)
{
    for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++) {
        size_t n = strlen(eras[i].kanji);

        if (strncmp(*p, eras[i].kanji, n) == 0) {
            *p += n;
            return (int)i;
        }
        if (((*p)[0] | 0x20) == eras[i].letter[0] && (*p)[1] >= '0' && (*p)[1] <= '9') {
            *p += 1;
            return (int)i;
        }
    }
    return -1;
}

/* A date written as digits only: YYYYMMDD, or an Excel serial day number
 * (1900 date system: day 1 is 1900-01-01, counted from 1899-12-30 because
 * of Excel's 29 February 1900) as a spreadsheet gives a date cell whose
 * format it does not know.  0 or -1. */
static int digits_date(const char *v, char out[11])
{
    size_t n = strlen(v);
    char buf[40];

    if (n > 2 && strcmp(v + n - 2, ".0") == 0)
        n -= 2;
    if (n == 0 || strspn(v, "0123456789") != n)
        return -1;
    if (n == 8) {
        int y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
        int m = (v[4] - '0') * 10 + (v[5] - '0'), d = (v[6] - '0') * 10 + (v[7] - '0');

        if (y < 1000 || m < 1 || m > 12 || d < 1 || d > pm_days_in_month(y, m))
            return -1;
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    } else if (n == 5) {
        /* 10000 (1927) .. 99999 (2173): days from 1970-01-01 = serial - 25569 */
        long days = strtol(v, NULL, 10) - 25569;
        long z = days + 719468, era = z / 146097, doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        long y = yoe + era * 400 + (m <= 2);

        snprintf(buf, sizeof buf, "%04d-%02d-%02d", (int)(y % 10000), (int)(m % 100),
                 (int)(d % 100));
    } else {
        return -1;
    }
    memcpy(out, buf, 11);
    return 0;
}

int jp_date(const char *s, char out[11])
{
    char *v = jp_nfkc(s);
    const char *p;
    int era, y, m, d, rc = -1;

    if (!v)
        return -1;
    if (digits_date(v, out) == 0) {
        free(v);
        return 0;
    }
    p = v;
    era = era_prefix(&p);
    if (era >= 0 && strncmp(p, "元", 3) == 0) {
        y = 1;
        p += 3;
    } else {
        y = pm_read_digits(&p, era >= 0 ? 2 : 4);
    }
    if (y < 0 || separator(&p) != 0)
        goto out;
    m = pm_read_digits(&p, 2);
    if (m < 0 || separator(&p) != 0)
        goto out;
    d = pm_read_digits(&p, 2);
    if (d < 0)
        goto out;
    if (strncmp(p, "日", 3) == 0)
        p += 3;
    /* Excel's dates arrive with a time of day */
    if (*p == ' ' && strspn(p + 1, "0123456789:") == strlen(p + 1))
        p += strlen(p);
    if (*p != '\0' || m < 1 || m > 12 || d < 1)
        goto out;
    if (era >= 0) {
        int ymd;

        if (y < 1)
            goto out;
        y = eras[era].first_year + y - 1;
        ymd = y * 10000 + m * 100 + (d <= 31 ? d : 0);
        if (ymd < eras[era].start || ymd > eras[era].end)
            goto out;
    } else if (y < 1000) {
        goto out;
    }
    if (d > pm_days_in_month(y, m))
        goto out;
    {
        char buf[40];

        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        memcpy(out, buf, 11);
    }
    rc = 0;
out:
    free(v);
    return rc;
}

/* ----------------------------------------------------------- municipality */

int jp_municipality(const char *s, char out[7])
{
    static const int weight[] = { 6, 5, 4, 3, 2 };
    char *v = jp_nfkc(s);
    size_t n;
    int sum = 0, check;

    if (!v)
        return -1;
    n = strlen(v);
    /* spreadsheets write codes as numbers: 172022.0 */
    if (n > 2 && strcmp(v + n - 2, ".0") == 0)
        v[n -= 2] = '\0';
    if ((n != 5 && n != 6) || strspn(v, "0123456789") != n) {
        free(v);
        return -1;
    }
    for (int i = 0; i < 5; i++)
        sum += (v[i] - '0') * weight[i];
    check = (11 - sum % 11) % 10;
    if (n == 6 && v[5] - '0' != check) {
        free(v);
        return -1;
    }
    memcpy(out, v, 5);
    out[5] = (char)('0' + check);
    out[6] = '\0';
    free(v);
    return 0;
}

/* ------------------------------------------------------------- line breaks */

static int is_japanese(int cp)
{
    return (cp >= 0x3000 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF)
           || (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

char *jp_one_line(const char *s)
{
    size_t n = strlen(s), w = 0;
    char *out = malloc(n + 1);
    int prev = 0;

    if (!out)
        return NULL;
    for (const char *p = s; *p;) {
        int cp, len;

        if (*p == '\r' || *p == '\n') {
            const char *q = p;
            int next = 0;

            while (*q == '\r' || *q == '\n' || *q == ' ' || *q == '\t')
                q++;
            if (*q)
                next_cp(q, &next);
            if (w > 0 && *q && !(is_japanese(prev) && is_japanese(next)))
                out[w++] = ' ';
            p = q;
            continue;
        }
        len = next_cp(p, &cp);
        memcpy(out + w, p, (size_t)len);
        w += (size_t)len;
        prev = cp;
        p += len;
    }
    out[w] = '\0';
    trim_in_place(out);
    return out;
}

/* ------------------------------------------------------------- care words */

struct word {
    const char *ja;             /* NFKC, lower case */
    const char *canonical;
};

/* Longest words first where one contains another (気管切開 before 切開). */
static const struct word care_words[] = {
    { "人工呼吸器", "ventilator" }, { "人工呼吸", "ventilator" }, { "呼吸器", "ventilator" },
    { "nppv", "ventilator" }, { "tppv", "ventilator" }, { "ventilator", "ventilator" },
    { "気管切開", "tracheostomy" }, { "気切", "tracheostomy" },
    { "tracheostomy", "tracheostomy" },
    { "喀痰吸引", "suction" }, { "たん吸引", "suction" }, { "痰吸引", "suction" },
    { "吸引", "suction" }, { "suction", "suction" },
    { "在宅酸素", "oxygen" }, { "酸素療法", "oxygen" }, { "酸素吸入", "oxygen" },
    { "酸素", "oxygen" }, { "hot", "oxygen" }, { "oxygen", "oxygen" },
    { "経管栄養", "tube_feeding" }, { "胃ろう", "tube_feeding" }, { "胃瘻", "tube_feeding" },
    { "腸ろう", "tube_feeding" }, { "経鼻", "tube_feeding" }, { "tube_feeding", "tube_feeding" },
    { "中心静脈栄養", "iv" }, { "中心静脈", "iv" }, { "ivh", "iv" }, { "点滴", "iv" },
    { "iv", "iv" },
    { "腹膜透析", "dialysis" }, { "透析", "dialysis" }, { "dialysis", "dialysis" },
    { "other", "other" }, { "その他", "other" },
};

/* Splits at 、 , ; ； ・ / and line breaks (in the NFKC text). */
static size_t item_length(const char *p)
{
    size_t n = 0;

    while (p[n]) {
        int cp, len = next_cp(p + n, &cp);

        if (cp == 0x3001 || cp == ',' || cp == ';' || cp == 0x30FB || cp == '/'
            || cp == '\n' || cp == '\r' || cp == 0xFF0F)
            break;
        n += (size_t)len;
    }
    return n;
}

static int append(char *out, size_t cap, size_t *n, const char *sep, const char *s, size_t len)
{
    size_t sl = *n ? strlen(sep) : 0;

    if (*n + sl + len + 1 > cap)
        return -1;
    memcpy(out + *n, sep, sl);
    memcpy(out + *n + sl, s, len);
    *n += sl + len;
    out[*n] = '\0';
    return 0;
}

/* Whether word w (from a table) names item p: ASCII words must be the whole
 * item, Japanese words may be part of it ("夜間のみ人工呼吸器"). */
static int word_matches(const char *p, const char *w)
{
    return (unsigned char)w[0] < 0x80 ? strcmp(p, w) == 0 : strstr(p, w) != NULL;
}

/* Whether the ';'-separated list out already has item. */
static int listed(const char *out, const char *item)
{
    size_t n = strlen(item);

    for (const char *p = out; (p = strstr(p, item)); p += n)
        if ((p == out || p[-1] == ';') && (p[n] == ';' || p[n] == '\0'))
            return 1;
    return 0;
}

int jp_care(const char *s, char *out, size_t cap, char *unknown, size_t ucap)
{
    char *v = (char *)utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)s);
    size_t n = 0, un = 0;
    int rc = 0;

    if (cap)
        out[0] = '\0';
    if (ucap)
        unknown[0] = '\0';
    if (!v)
        return -1;
    for (char *p = v; *p && rc == 0;) {
        size_t len = item_length(p);
        char save = p[len], item[256];
        const char *found = NULL;
        int sep;

        p[len] = '\0';
        snprintf(item, sizeof item, "%s", p);
        p[len] = save;
        trim_in_place(item);
        for (size_t i = 0; *item && !found && i < sizeof care_words / sizeof care_words[0]; i++)
            if (word_matches(item, care_words[i].ja))
                found = care_words[i].canonical;
        if (*item && !found) {
            found = "other";
            if (ucap && append(unknown, ucap, &un, "、", item, strlen(item)) < 0)
                unknown[un] = '\0';
        }
        if (found && !listed(out, found))
            rc = append(out, cap, &n, ";", found, strlen(found));
        p += len;
        if (*p)
            p += next_cp(p, &sep);
    }
    free(v);
    return rc;
}

/* ----------------------------------------------------------- device words */

static const struct word device_words[] = {
    { "人工呼吸器", "ventilator" }, { "呼吸器", "ventilator" }, { "nppv", "ventilator" },
    { "ventilator", "ventilator" },
    { "酸素濃縮", "oxygen_concentrator" }, { "oxygen_concentrator", "oxygen_concentrator" },
    { "吸引", "suction" }, { "suction", "suction" },
    { "経管栄養", "feeding_pump" }, { "栄養ポンプ", "feeding_pump" },
    { "feeding_pump", "feeding_pump" },
    { "輸液ポンプ", "infusion_pump" }, { "シリンジポンプ", "infusion_pump" },
    { "infusion_pump", "infusion_pump" },
    { "パルスオキシメ", "pulse_oximeter" }, { "spo2", "pulse_oximeter" },
    { "pulse_oximeter", "pulse_oximeter" },
    { "加温加湿", "humidifier" }, { "加湿器", "humidifier" }, { "humidifier", "humidifier" },
    { "排痰", "cough_assist" }, { "カフアシスト", "cough_assist" },
    { "電動ベッド", "electric_bed" }, { "エアマット", "air_mattress" },
};

const char *jp_device_type(const char *s)
{
    char *v = (char *)utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)s);
    const char *found = NULL;

    if (!v)
        return NULL;
    for (size_t i = 0; !found && i < sizeof device_words / sizeof device_words[0]; i++)
        if (word_matches(v, device_words[i].ja))
            found = device_words[i].canonical;
    free(v);
    return found;
}

int jp_device_life_sustaining(const char *type)
{
    return type && (strcmp(type, "ventilator") == 0
                    || strcmp(type, "oxygen_concentrator") == 0);
}
