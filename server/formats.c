/* formats.c -- map an import file to the canonical rows of one kind.
 *
 * Three steps: csv.c decodes and splits the file; the header picks a layout
 * (canonical column names, or one of the shelter layouts municipalities
 * publish) that says which file column feeds each canonical column; then
 * every record is checked and rewritten cell by cell.  All output strings
 * live in one arena owned by the result. */
#include "server/formats.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

/* ------------------------------------------------------------ column kinds */

enum ctype {
    T_ID,        /* required, trimmed, unique within the file */
    T_REF,       /* required, trimmed (devices: the child's external_id) */
    T_REQ,       /* required text, trimmed */
    T_TEXT,      /* optional text, kept as written; blank -> NULL */
    T_DATE,      /* YYYY-MM-DD; empty -> NULL */
    T_LAT,
    T_LON,
    T_BOOL,      /* empty -> f */
    T_NUM0,      /* number >= 0; empty -> 0 */
    T_NUMREQ,    /* number >= 0; required */
    T_INT0,      /* whole number >= 0; empty -> 0 */
    T_INTNULL,   /* whole number >= 0; empty -> NULL */
    T_CAPTEXT,   /* 想定収容人数 free text -> the indoor figure */
    T_MOBILITY,
    T_CARE,
    T_LIST,      /* ';'-separated free text -> array literal */
    T_SKIND,
    T_SSTATUS,
    T_PKIND,     /* required */
    T_PSTATUS,
    T_HOURS,
    /* v2 (DESIGN 4) */
    T_LONG,      /* optional text up to FMT_MAX_LONG characters (notes, settings) */
    T_NUMNULL,   /* number >= 0; empty -> NULL (unknown) */
    T_MINUTES,   /* minutes per hour, 0 < m <= 60; empty -> NULL */
    T_SEX,
    T_AFFIL,
    T_DUTY,
    T_BACKUP,
    T_FKIND,     /* required */
    T_SUPPORTERS,/* structured lists -> a JSON array of objects (see formats.h) */
    T_CONTACTS,
    T_SOURCES,
};

struct enum_def {
    const char *const *values;   /* NULL-terminated */
    const char *dflt;            /* value for an empty cell; NULL: SQL NULL */
    const char *list;            /* the values as shown in reasons */
    const char *const *aliases;  /* NULL or pairs {written, value}, NULL-terminated */
    const char *list_ja;         /* what may be written, as Japanese reasons show it */
};

static const char *const mobility_values[] = { "walk", "wheelchair", "stretcher", NULL };
static const char *const care_values[] = {
    "ventilator", "tracheostomy", "suction", "oxygen", "tube_feeding", "iv",
    "dialysis", "other", NULL
};
static const char *const skind_values[] = { "designated", "emergency_site", "welfare", NULL };
static const char *const sstatus_values[] = { "open", "closed", "full", NULL };
static const char *const pkind_values[] = {
    "generator", "ev", "hospital", "battery_station", "public_facility",
    "business", "power_vehicle", NULL
};
static const char *const pstatus_values[] = { "available", "unavailable", NULL };
static const char *const sex_values[] = { "male", "female", "other", NULL };
static const char *const sex_aliases[] = {
    "男", "male", "男性", "male", "男子", "male", "m", "male",
    "女", "female", "女性", "female", "女子", "female", "f", "female", "その他", "other", NULL
};
static const char *const affil_values[] = {
    "home", "nursery", "kindergarten", "school", "special_school", "day_service", "other", NULL
};
static const char *const affil_aliases[] = {
    "在宅", "home", "自宅", "home", "保育所", "nursery", "保育園", "nursery",
    "認定こども園", "nursery", "幼稚園", "kindergarten", "小学校", "school",
    "中学校", "school", "高等学校", "school", "高校", "school", "学校", "school",
    "特別支援学校", "special_school", "児童発達支援", "day_service",
    "放課後等デイサービス", "day_service", "その他", "other", NULL
};
static const char *const duty_values[] = { "continuous", "intermittent", NULL };
static const char *const duty_aliases[] = {
    "連続", "continuous", "常時", "continuous", "間欠", "intermittent", "随時", "intermittent",
    NULL
};
static const char *const backup_values[] = {
    "none", "generator", "solar_battery", "vehicle", "battery", NULL
};
static const char *const backup_aliases[] = {
    "なし", "none", "無", "none", "発電機", "generator", "太陽光", "solar_battery",
    "電源車", "vehicle", "蓄電池", "battery", NULL
};
static const char *const fkind_values[] = {
    "child_development_center", "severe_day_service", "day_service", "visiting_nurse",
    "short_stay", "consultation", "hospital", "clinic", "nursery", "school", "other", NULL
};
static const char *const role_values[] = {
    "doctor", "visiting_nurse", "consultant", "device_dealer", "utility", "other", NULL
};
static const char *const role_aliases[] = {
    "主治医", "doctor", "医師", "doctor", "訪問看護", "visiting_nurse",
    "相談支援専門員", "consultant", "相談支援", "consultant", "機器業者", "device_dealer",
    "医療機器業者", "device_dealer", "電力会社", "utility", "その他", "other", NULL
};

static const struct enum_def mobility_enum = {
    mobility_values, NULL, "walk|wheelchair|stretcher", NULL,
    "walk（歩ける）、wheelchair（車いす）、stretcher（ストレッチャー）"
};
static const struct enum_def care_enum = {
    care_values, NULL,
    "ventilator|tracheostomy|suction|oxygen|tube_feeding|iv|dialysis|other", NULL,
    "ventilator（人工呼吸器）、tracheostomy（気管切開）、suction（吸引）、oxygen（在宅酸素）、"
    "tube_feeding（経管栄養）、iv（中心静脈栄養）、dialysis（透析）、other（その他）"
};
static const struct enum_def skind_enum = {
    skind_values, "designated", "designated|emergency_site|welfare", NULL,
    "designated（指定避難所）、emergency_site（指定緊急避難場所）、welfare（福祉避難所）"
};
static const struct enum_def sstatus_enum = {
    sstatus_values, "open", "open|closed|full", NULL,
    "open（開設）、closed（閉鎖）、full（満員）"
};
static const struct enum_def pkind_enum = {
    pkind_values, NULL,
    "generator|ev|hospital|battery_station|public_facility|business|power_vehicle", NULL,
    "generator（発電機）、ev（電気自動車）、hospital（病院）、battery_station（蓄電池の貸出所）、"
    "public_facility（公共施設）、business（事業所）、power_vehicle（電源車）"
};
static const struct enum_def pstatus_enum = {
    pstatus_values, "available", "available|unavailable", NULL,
    "available（使える）、unavailable（使えない）"
};
static const struct enum_def sex_enum = {
    sex_values, NULL, "male|female|other", sex_aliases,
    "男・男性、女・女性、その他"
};
static const struct enum_def affil_enum = {
    affil_values, NULL, "home|nursery|kindergarten|school|special_school|day_service|other",
    affil_aliases,
    "在宅、保育所・保育園・認定こども園、幼稚園、小学校・中学校・高校、特別支援学校、"
    "児童発達支援・放課後等デイサービス、その他"
};
static const struct enum_def duty_enum = {
    duty_values, "continuous", "continuous|intermittent", duty_aliases,
    "連続・常時、間欠・随時"
};
static const struct enum_def backup_enum = {
    backup_values, "none", "none|generator|solar_battery|vehicle|battery", backup_aliases,
    "なし、発電機、太陽光、電源車、蓄電池"
};
static const struct enum_def fkind_enum = {
    fkind_values, NULL,
    "child_development_center|severe_day_service|day_service|visiting_nurse|short_stay|"
    "consultation|hospital|clinic|nursery|school|other", NULL,
    "child_development_center（児童発達支援センター）、severe_day_service（重症心身障害児の"
    "児童発達支援・放課後等デイ）、day_service（放課後等デイサービス）、visiting_nurse（訪問看護）、"
    "short_stay（短期入所）、consultation（相談支援）、hospital（病院）、clinic（診療所）、"
    "nursery（保育所）、school（学校）、other（その他）"
};
static const struct enum_def role_enum = {
    role_values, NULL, "doctor|visiting_nurse|consultant|device_dealer|utility|other",
    role_aliases,
    "主治医・医師、訪問看護、相談支援専門員・相談支援、医療機器業者・機器業者、電力会社、その他"
};

/* ------------------------------------------------------------------- kinds */

static const char *const children_cols[] = {
    "external_id", "name", "name_kana", "birth_date", "address", "lat", "lon",
    "mobility", "care", "guardian_name", "guardian_phone", "supporters",
    "hospital", "consent", "source",
    /* v2 */
    "sex", "phone", "district", "affiliation", "affiliation_name", "grade",
    "severe_disability", "sources", "medical_contacts", "utility_registered",
    "consent_date", "consent_scope", "home_battery_wh", "home_generator_w",
    "home_generator_h", "car_inverter_w"
};
static const enum ctype children_types[] = {
    T_ID, T_TEXT, T_TEXT, T_DATE, T_TEXT, T_LAT, T_LON,
    T_MOBILITY, T_CARE, T_TEXT, T_TEXT, T_SUPPORTERS,
    T_TEXT, T_BOOL, T_TEXT,
    T_SEX, T_TEXT, T_TEXT, T_AFFIL, T_TEXT, T_TEXT,
    T_BOOL, T_SOURCES, T_CONTACTS, T_BOOL,
    T_DATE, T_LONG, T_NUM0, T_NUM0,
    T_NUM0, T_NUM0
};

static const char *const devices_cols[] = {
    "child_external_id", "type", "power_w", "battery_h", "life_sustaining",
    /* v2 */
    "maker", "model", "settings", "duty", "minutes_per_hour", "charge_h", "backup_h",
    "battery_internal_h", "battery_spare_h"
};
static const enum ctype devices_types[] = {
    T_REF, T_REQ, T_NUMREQ, T_NUMREQ, T_BOOL,
    T_TEXT, T_TEXT, T_LONG, T_DUTY, T_MINUTES, T_NUMNULL, T_NUM0,
    T_NUMNULL, T_NUMNULL
};

static const char *const shelters_cols[] = {
    "external_id", "name", "kind", "lat", "lon", "address", "capacity",
    "welfare", "power_w", "outlets", "flood", "landslide", "storm_surge",
    "earthquake", "tsunami", "fire", "inland_flood", "volcano", "status", "phone",
    /* v2 */
    "municipality", "backup_power", "backup_h", "notes"
};
static const enum ctype shelters_types[] = {
    T_ID, T_REQ, T_SKIND, T_LAT, T_LON, T_TEXT, T_INTNULL,
    T_BOOL, T_NUM0, T_INT0, T_BOOL, T_BOOL, T_BOOL,
    T_BOOL, T_BOOL, T_BOOL, T_BOOL, T_BOOL, T_SSTATUS, T_TEXT,
    T_TEXT, T_BACKUP, T_NUM0, T_LONG
};

static const char *const power_points_cols[] = {
    "external_id", "name", "kind", "lat", "lon", "address", "output_w",
    "outlets", "hours", "public", "status", "phone",
    /* v2 */
    "municipality", "backup_power", "backup_h", "dispatchable", "range_km"
};
static const enum ctype power_points_types[] = {
    T_ID, T_REQ, T_PKIND, T_LAT, T_LON, T_TEXT, T_NUM0,
    T_INT0, T_HOURS, T_BOOL, T_PSTATUS, T_TEXT,
    T_TEXT, T_BACKUP, T_NUM0, T_BOOL, T_NUMNULL
};

static const char *const facilities_cols[] = {
    "external_id", "name", "kind", "lat", "lon", "address", "phone",
    "medical_care", "capacity", "municipality"
};
static const enum ctype facilities_types[] = {
    T_ID, T_REQ, T_FKIND, T_LAT, T_LON, T_TEXT, T_TEXT,
    T_BOOL, T_INTNULL, T_TEXT
};

/* Device column positions, for the rule that ties duty and minutes_per_hour. */
enum { D_DUTY = 8, D_MINUTES = 9 };

/* Shelter column positions, used by the rules that tie columns together. */
enum {
    S_ID = 0, S_NAME = 1, S_KIND = 2, S_LAT = 3, S_LON = 4, S_ADDRESS = 5,
    S_CAPACITY = 6, S_WELFARE = 7, S_FLAGS = 10, S_PHONE = 19
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct kind_def {
    const char *name;
    const char *const *cols;
    const enum ctype *types;
    size_t ncols;
    int lat;          /* position of lat (lon follows), or -1 */
    int address;      /* position of address when a place needs one, or -1 */
};

static const struct kind_def kinds[] = {
    /* a child without a home point is kept; the DB layer may geocode it */
    [FMT_CHILDREN] = { "children", children_cols, children_types,
                       NELEM(children_cols), 5, -1 },
    [FMT_DEVICES] = { "devices", devices_cols, devices_types,
                      NELEM(devices_cols), -1, -1 },
    [FMT_SHELTERS] = { "shelters", shelters_cols, shelters_types,
                       NELEM(shelters_cols), S_LAT, S_ADDRESS },
    [FMT_POWER_POINTS] = { "power-points", power_points_cols, power_points_types,
                           NELEM(power_points_cols), 3, 5 },
    [FMT_FACILITIES] = { "facilities", facilities_cols, facilities_types,
                         NELEM(facilities_cols), 3, 5 },
};

_Static_assert(NELEM(children_cols) == NELEM(children_types), "children");
_Static_assert(NELEM(devices_cols) == NELEM(devices_types), "devices");
_Static_assert(NELEM(shelters_cols) == NELEM(shelters_types), "shelters");
_Static_assert(NELEM(power_points_cols) == NELEM(power_points_types), "power points");
_Static_assert(NELEM(facilities_cols) == NELEM(facilities_types), "facilities");
_Static_assert(NELEM(children_cols) <= FMT_MAX_COLS, "FMT_MAX_COLS");

static int is_required(enum ctype t)
{
    return t == T_ID || t == T_REF || t == T_REQ || t == T_NUMREQ || t == T_PKIND
           || t == T_FKIND;
}

/* ------------------------------------------------------------------- arena */

struct fmt_arena {
    struct fmt_arena *next;
    size_t used, cap;
    char data[];
};

#define ARENA_BLOCK (64 * 1024)

static void *arena_alloc(struct fmt_arena **head, size_t n)
{
    struct fmt_arena *a = *head;

    n = (n + 7) & ~(size_t)7;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

        if (cap > SIZE_MAX - sizeof *a)
            return NULL;
        a = malloc(sizeof *a + cap);
        if (!a)
            return NULL;
        a->used = 0;
        a->cap = cap;
        /* A big one-off block goes behind the current one, which keeps
         * serving small strings. */
        if (*head && cap > ARENA_BLOCK) {
            a->next = (*head)->next;
            (*head)->next = a;
        } else {
            a->next = *head;
            *head = a;
        }
    }
    a->used += n;
    return a->data + a->used - n;
}

static char *arena_strndup(struct fmt_arena **head, const char *s, size_t n)
{
    char *p = arena_alloc(head, n + 1);

    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void arena_free(struct fmt_arena *a)
{
    while (a) {
        struct fmt_arena *next = a->next;

        free(a);
        a = next;
    }
}

/* ------------------------------------------------------------ text helpers */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ascii_caseeq(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
        a++, b++;
    return *a == '\0' && *b == '\0';
}

/* Length of the UTF-8 sequence at p and its code point (input is valid). */
static int utf8_next(const unsigned char *p, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] < 0xE0) {
        *cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
        return 2;
    }
    if (p[0] < 0xF0) {
        *cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
        return 3;
    }
    *cp = (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6
          | (p[3] & 0x3Fu);
    return 4;
}

/* Bounds [*b, *e) of s without surrounding ASCII spaces, tabs and U+3000. */
static void trim_bounds(const char *s, const char **b, const char **e)
{
    const char *p = s, *q = s + strlen(s);

    for (;;) {
        if (*p == ' ' || *p == '\t')
            p++;
        else if ((unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80
                 && (unsigned char)p[2] == 0x80)
            p += 3;
        else
            break;
    }
    for (;;) {
        if (q > p && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        else if (q - p >= 3 && (unsigned char)q[-3] == 0xE3
                 && (unsigned char)q[-2] == 0x80 && (unsigned char)q[-1] == 0x80)
            q -= 3;
        else
            break;
    }
    *b = p;
    *e = q;
}

static int is_blank(const char *s)
{
    const char *b, *e;

    trim_bounds(s, &b, &e);
    return b == e;
}

/* Copy s to dst (cap bytes with the NUL) with full-width ASCII forms
 * (U+FF01-U+FF5E: ０-９, －, ，, ：, ／, ～ ...), the ideographic space, the
 * minus sign and dashes, and the wave dash turned into ASCII, then trim
 * spaces.  Japanese spreadsheets type numbers, dates and times that way.
 * Returns 0, or -1 when dst is too small. */
static int to_ascii(const char *s, char *dst, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0, start = 0;

    while (*p) {
        unsigned cp;
        int len = utf8_next(p, &cp);
        unsigned a = 0;

        if (cp < 0x80)
            a = cp;
        else if (cp >= 0xFF01 && cp <= 0xFF5E)
            a = cp - 0xFEE0;
        else if (cp == 0x3000)
            a = ' ';
        else if (cp == 0x2212 || (cp >= 0x2010 && cp <= 0x2015))
            a = '-';
        else if (cp == 0x301C)
            a = '~';
        if (a) {
            if (n + 1 >= cap)
                return -1;
            dst[n++] = (char)a;
        } else {
            if (n + (size_t)len >= cap)
                return -1;
            memcpy(dst + n, p, (size_t)len);
            n += (size_t)len;
        }
        p += len;
    }
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\t'))
        n--;
    while (start < n && (dst[start] == ' ' || dst[start] == '\t'))
        start++;
    memmove(dst, dst + start, n - start);
    dst[n - start] = '\0';
    return 0;
}

/* ----------------------------------------------------------- value parsers */

/* Parse a plain decimal number: optional sign, digits with optional
 * thousands commas (1,371), optional fraction.  No exponent, no inf/nan.
 * Writes the normalised text (no commas, no '+', no leading zeros) to out.
 * Returns 0, or -1 when s is not such a number. */
static int parse_decimal(const char *s, char *out, size_t cap, double *val)
{
    char ib[40], fb[40];
    size_t ni = 0, nf = 0, n = 0, lead = 0;
    int neg = 0, since_comma = -1, zero = 1;
    const char *p = s;

    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (ni + 1 >= sizeof ib)
                return -1;
            ib[ni++] = *p;
            if (since_comma >= 0)
                since_comma++;
        } else if (*p == ',') {
            if (ni == 0 || (since_comma >= 0 ? since_comma != 3 : ni > 3))
                return -1;
            since_comma = 0;
        } else {
            break;
        }
    }
    if (since_comma >= 0 && since_comma != 3)
        return -1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (nf + 1 >= sizeof fb)
                return -1;
            fb[nf++] = *p;
        }
        if (nf == 0)
            return -1;
    }
    if (*p != '\0' || (ni == 0 && nf == 0))
        return -1;
    while (lead + 1 < ni && ib[lead] == '0')
        lead++;
    for (size_t i = 0; i < ni; i++)
        zero &= ib[i] == '0';
    for (size_t i = 0; i < nf; i++)
        zero &= fb[i] == '0';
    if (cap < 4 + ni + nf)
        return -1;
    if (neg && !zero)
        out[n++] = '-';
    if (ni == 0) {
        out[n++] = '0';
    } else {
        memcpy(out + n, ib + lead, ni - lead);
        n += ni - lead;
    }
    if (nf) {
        out[n++] = '.';
        memcpy(out + n, fb, nf);
        n += nf;
    }
    out[n] = '\0';
    *val = strtod(out, NULL);
    return 0;
}

/* A whole number 0 .. INT32_MAX ("12", "1,200", "12.0"); 0 or -1. */
static int parse_count(const char *s, char *out, size_t cap, long *val)
{
    double d;
    char *dot;

    if (parse_decimal(s, out, cap, &d) != 0 || d < 0 || d > 2147483647.0)
        return -1;
    dot = strchr(out, '.');
    if (dot) {
        for (const char *f = dot + 1; *f; f++)
            if (*f != '0')
                return -1;
        *dot = '\0';
    }
    *val = (long)d;
    return 0;
}

/* Booleans as spreadsheets write them.  s is ASCII-normalised.  Returns 1
 * (true), 0 (false) or -1 (not a boolean). */
static int parse_bool(const char *s)
{
    static const char *const yes[] = {
        "true", "t", "yes", "y", "on", "○", "◯", "●", "はい", NULL
    };
    static const char *const no[] = {
        "false", "f", "no", "n", "off", "-", "×", "いいえ", NULL
    };
    char num[64];
    double d;

    if (*s == '\0')
        return 0;
    for (size_t i = 0; yes[i]; i++)
        if (ascii_caseeq(s, yes[i]))
            return 1;
    for (size_t i = 0; no[i]; i++)
        if (ascii_caseeq(s, no[i]))
            return 0;
    if (parse_decimal(s, num, sizeof num, &d) == 0 && (d == 0.0 || d == 1.0))
        return d == 1.0;
    return -1;
}

/* YYYY-MM-DD, YYYY/MM/DD (month and day may have one digit) or
 * YYYY年M月D日, and a real calendar date; writes YYYY-MM-DD.  0 or -1. */
static int parse_date(const char *s, char *out, size_t cap)
{
    static const char nen[] = "年", tsuki[] = "月", hi[] = "日";
    const char *p = s;
    int y, m, d, kanji = 0;
    char sep = 0;

    if (strlen(s) < 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    y = pm_read_digits(&p, 4);
    if (*p == '-' || *p == '/') {
        sep = *p++;
    } else if (strncmp(p, nen, 3) == 0) {
        kanji = 1;
        p += 3;
    } else {
        return -1;
    }
    m = pm_read_digits(&p, 2);
    if (m < 0)
        return -1;
    if (kanji) {
        if (strncmp(p, tsuki, 3) != 0)
            return -1;
        p += 3;
    } else if (*p++ != sep) {
        return -1;
    }
    d = pm_read_digits(&p, 2);
    if (d < 0)
        return -1;
    if (kanji) {
        if (strncmp(p, hi, 3) != 0)
            return -1;
        p += 3;
    }
    if (*p != '\0' || y < 1 || m < 1 || m > 12 || d < 1 || d > pm_days_in_month(y, m))
        return -1;
    snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* H:MM at *p, 00:00 .. 24:00; minutes since midnight or -1. */
static int read_time(const char **p)
{
    int h = pm_read_digits(p, 2), m;

    if (h < 0 || **p != ':')
        return -1;
    (*p)++;
    if (!((*p)[0] >= '0' && (*p)[0] <= '9' && (*p)[1] >= '0' && (*p)[1] <= '9'))
        return -1;
    m = pm_read_digits(p, 2);
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

/* "24h" (also "24時間") or "HH:MM-HH:MM" (also with '~'); overnight
 * windows such as 22:00-06:00 are fine, empty ones are not.  Writes the
 * normalised text.  0 or -1. */
static int parse_hours(const char *s, char *out, size_t cap)
{
    const char *p = s;
    int a, b;

    if (ascii_caseeq(s, "24h") || strcmp(s, "24時間") == 0) {
        snprintf(out, cap, "24h");
        return 0;
    }
    a = read_time(&p);
    if (a < 0 || a == 24 * 60)
        return -1;
    while (*p == ' ')
        p++;
    if (*p != '-' && *p != '~')
        return -1;
    p++;
    while (*p == ' ')
        p++;
    b = read_time(&p);
    if (b < 0 || *p != '\0' || a == b)
        return -1;
    snprintf(out, cap, "%02d:%02d-%02d:%02d", a / 60, a % 60, b / 60, b % 60);
    return 0;
}

/* ------------------------------------------------------------ the context */

struct id_slot {
    const char *id;
    long line;
};

struct ctx {
    struct fmt_result *r;
    const struct kind_def *kd;
    /* the layout: where each canonical column comes from */
    enum ctype type[FMT_MAX_COLS];
    int src[FMT_MAX_COLS];       /* file column, or -1 */
    int alt[FMT_MAX_COLS];       /* file column used when src is empty, or -1 */
    const char *label[FMT_MAX_COLS];
    size_t nhead;                /* fields in the header record */
    int welfare_src[8];          /* digital-agency: welfare-like flag columns */
    size_t nwelfare;
    int target_src;              /* gsi-shelter: 受入対象者 */
    const char *fixed_kind;      /* published layouts: the kind of every row */
    /* duplicate external_id detection */
    struct id_slot *ids;
    size_t ids_cap;
    /* per-row state */
    char why[1024];              /* English: "label: message; label: message" */
    size_t whylen;
    char why_ja[1536];           /* Japanese: label \x1e message, parts \x1f-separated */
    size_t why_jalen;
    const char *code;            /* the first problem's stable code */
    int lat_empty, lon_empty, welfare_empty;
    char tmp[1024], num[64], qbuf[96];
};

static void problem(struct ctx *c, size_t col, const char *code, const char *ja,
                    const char *en, ...)
    __attribute__((format(printf, 4, 6), format(printf, 5, 6)));

/* Shortens s[0 .. *len) so that it does not end inside a UTF-8 sequence. */
static void cut_to_char(const char *s, size_t *len)
{
    size_t lead = *len;
    unsigned char b;

    while (lead > 0 && *len - lead < 3 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    b = (unsigned char)s[lead - 1];
    if (b >= 0xC0 && lead - 1 + (b >= 0xF0 ? 4u : b >= 0xE0 ? 3u : 2u) > *len)
        *len = lead - 1;
}

/* Appends to buf at *len (cap bytes) a printf of fmt; keeps buf a
 * NUL-terminated string cut on a UTF-8 character boundary. */
static void append_v(char *buf, size_t *len, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);

    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
    /* A full reason was cut at a byte count; it is shown as UTF-8 text in
     * reports and JSON replies (found by fuzz_csv). */
    cut_to_char(buf, len);
    buf[*len] = '\0';
}

static void append(char *buf, size_t *len, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t *len, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    append_v(buf, len, cap, fmt, ap);
    va_end(ap);
}

/* Add one problem to the row's reason: "label: message" in English, the
 * same in Japanese (ja takes the same arguments as en; both are checked
 * against them), and the first problem's stable code. */
static void problem(struct ctx *c, size_t col, const char *code, const char *ja,
                    const char *en, ...)
{
    const char *label = col < FMT_MAX_COLS ? c->label[col] : "row";
    va_list ap;

    if (c->whylen + 8 >= sizeof c->why || c->why_jalen + 8 >= sizeof c->why_ja)
        return;
    if (!c->code)
        c->code = code;
    append(c->why, &c->whylen, sizeof c->why, "%s%s: ", c->whylen ? "; " : "", label);
    va_start(ap, en);
    append_v(c->why, &c->whylen, sizeof c->why, en, ap);
    va_end(ap);
    append(c->why_ja, &c->why_jalen, sizeof c->why_ja, "%s%s\x1e",
           c->why_jalen ? "\x1f" : "", col < FMT_MAX_COLS ? label : "");
    va_start(ap, en);
    append_v(c->why_ja, &c->why_jalen, sizeof c->why_ja, ja, ap);
    va_end(ap);
}

/* A value for a reason: at most ~60 bytes, cut on a character boundary,
 * control characters shown as spaces.  The messages quote it themselves
 * ("…" in English, 「…」 in Japanese). */
static const char *quoted(struct ctx *c, const char *s)
{
    size_t n = 0, max = 60;
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned cp;
        int len = utf8_next(p, &cp);

        if (n + (size_t)len > max) {
            memcpy(c->qbuf + n, "...", 3);
            n += 3;
            break;
        }
        if (cp < 0x20 || cp == 0x7F)
            c->qbuf[n] = ' ';
        else
            memcpy(c->qbuf + n, p, (size_t)len);
        n += cp < 0x20 || cp == 0x7F ? 1 : (size_t)len;
        p += len;
    }
    c->qbuf[n] = '\0';
    return c->qbuf;
}

/* FNV-1a */
static size_t hash_str(const char *s)
{
    size_t h = (size_t)14695981039346656037ULL;

    while (*s)
        h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ULL;
    return h;
}

/* Record id first seen on `line`; returns the earlier line when id was
 * already there, else 0. */
static long id_seen(struct ctx *c, const char *id, long line)
{
    size_t i = hash_str(id) & (c->ids_cap - 1);

    while (c->ids[i].id) {
        if (strcmp(c->ids[i].id, id) == 0)
            return c->ids[i].line;
        i = (i + 1) & (c->ids_cap - 1);
    }
    c->ids[i].id = id;
    c->ids[i].line = line;
    return 0;
}

/* ------------------------------------------------------- cell conversions */

static char *dup_or_oom(struct ctx *c, const char *s, size_t n, int *oom)
{
    char *p = arena_strndup(&c->r->arena, s, n);

    if (!p)
        *oom = 1;
    return p;
}

static char *dup_str(struct ctx *c, const char *s, int *oom)
{
    return dup_or_oom(c, s, strlen(s), oom);
}

static char *conv_enum(struct ctx *c, size_t col, const struct enum_def *e,
                       const char *v, int *oom)
{
    if (*v == '\0') {
        if (c->type[col] == T_PKIND || c->type[col] == T_FKIND) {
            problem(c, col, "empty", "空です（%.0s%s のどれかを書いてください）",
                    "empty; expected one of %s%.0s", e->list, e->list_ja);
            return NULL;
        }
        return e->dflt ? dup_str(c, e->dflt, oom) : NULL;
    }
    for (size_t i = 0; e->values[i]; i++)
        if (ascii_caseeq(v, e->values[i]))
            return dup_str(c, e->values[i], oom);
    for (size_t i = 0; e->aliases && e->aliases[i]; i += 2)
        if (ascii_caseeq(v, e->aliases[i]))
            return dup_str(c, e->aliases[i + 1], oom);
    problem(c, col, "invalid_value", "「%s」は%.0s %s のどれでもありません",
            "\"%s\" is not one of %s%.0s", quoted(c, v), e->list, e->list_ja);
    return NULL;
}

/* Number of UTF-8 characters in s (valid UTF-8). */
static size_t char_count(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* 1 when s is longer than max characters (the reason is recorded). */
static int too_long(struct ctx *c, size_t col, const char *s, size_t max)
{
    if (char_count(s) <= max)
        return 0;
    problem(c, col, "too_long", "長すぎます（%zu 文字まで、%zu 文字あります）",
            "longer than %zu characters (%zu)", max, char_count(s));
    return 1;
}

/* Append s to an array literal being built at *w, quoted and escaped. */
static void put_element(char **w, const char *s, size_t n, int first)
{
    if (!first)
        *(*w)++ = ',';
    *(*w)++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            *(*w)++ = '\\';
        *(*w)++ = s[i];
    }
    *(*w)++ = '"';
}

/* care: ';'-separated items from care_enum, duplicates dropped. */
static char *conv_care(struct ctx *c, size_t col, const char *v, int *oom)
{
    const char *items[16];
    size_t nitems = 0, need = 3;
    const char *p = v;
    char *out, *w;

    while (*p) {
        const char *end = strchr(p, ';'), *b, *e;
        char item[64];
        size_t n;
        int found = -1;

        if (!end)
            end = p + strlen(p);
        n = (size_t)(end - p);
        if (n >= sizeof item) {
            /* Longer than any care value.  Cut to fit, it could pass as one
             * ("ventilator" and spaces before junk), or end inside a UTF-8
             * character that quoted() then reads past (a stack overflow). */
            problem(c, col, "invalid_value", "「%s」は%.0s %s のどれでもありません",
                    "\"%s\" is not one of %s%.0s", quoted(c, p), care_enum.list,
                    care_enum.list_ja);
            return NULL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        trim_bounds(item, &b, &e);
        item[e - item] = '\0';
        if (*b) {
            for (int i = 0; care_values[i]; i++)
                if (ascii_caseeq(b, care_values[i]))
                    found = i;
            if (found < 0) {
                problem(c, col, "invalid_value", "「%s」は%.0s %s のどれでもありません",
                        "\"%s\" is not one of %s%.0s", quoted(c, b), care_enum.list,
                        care_enum.list_ja);
                return NULL;
            }
            for (size_t k = 0; k < nitems && found >= 0; k++)
                if (items[k] == care_values[found])
                    found = -1;     /* listed twice: keep the first */
            if (found >= 0 && nitems < NELEM(items)) {
                items[nitems++] = care_values[found];
                need += strlen(care_values[found]) + 3;
            }
        }
        p = *end ? end + 1 : end;
    }
    out = arena_alloc(&c->r->arena, need);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    w = out;
    *w++ = '{';
    for (size_t k = 0; k < nitems; k++)
        put_element(&w, items[k], strlen(items[k]), k == 0);
    *w++ = '}';
    *w = '\0';
    return out;
}

/* supporters: ';' or '；'-separated free text, each item trimmed. */
static char *conv_list(struct ctx *c, const char *v, int *oom)
{
    size_t len = strlen(v);
    /* At most 3 bytes per input byte (an escaped character is 2, a ';'
     * becomes '","'), the braces, the outer quotes and the NUL: a lone '"'
     * gives {"\""}, 7 bytes for len 1. */
    char *out = arena_alloc(&c->r->arena, 3 * len + 5);
    char *w = out;
    const char *p = v;
    int first = 1;

    if (!out) {
        *oom = 1;
        return NULL;
    }
    *w++ = '{';
    while (*p) {
        const char *end = p, *b, *e;
        size_t seplen = 0;
        char *item;

        while (*end && *end != ';' && strncmp(end, "；", 3) != 0)
            end++;
        if (*end)
            seplen = *end == ';' ? 1 : 3;
        item = arena_strndup(&c->r->arena, p, (size_t)(end - p));
        if (!item) {
            *oom = 1;
            return NULL;
        }
        trim_bounds(item, &b, &e);
        if (e > b) {
            put_element(&w, b, (size_t)(e - b), first);
            first = 0;
        }
        p = end + seplen;
    }
    *w++ = '}';
    *w = '\0';
    return out;
}

/* 想定収容人数: the indoor figure of "屋内1,371人／屋外5,470人（…）"; a plain
 * "500" or "500人"; NULL for outdoor-only or unknown ("-", "不明").
 * v is ASCII-normalised. */
static char *conv_captext(struct ctx *c, size_t col, const char *v, int *oom)
{
    static const char okunai[] = "屋内";
    static const char okugai[] = "屋外";
    static const char yaku[] = "約";
    static const char *const unknown[] = { "-", "不明", "なし", NULL };
    const char *in = strstr(v, okunai);
    char digits[48];
    size_t n = 0;
    long count;

    if (*v == '\0')
        return NULL;
    for (size_t i = 0; unknown[i]; i++)
        if (strcmp(v, unknown[i]) == 0)
            return NULL;
    if (in) {
        const char *p = in + strlen(okunai);

        while (*p == ' ' || *p == ':')
            p++;
        if (strncmp(p, yaku, 3) == 0)
            p += 3;
        while (n + 1 < sizeof digits && ((*p >= '0' && *p <= '9') || *p == ','))
            digits[n++] = *p++;
        digits[n] = '\0';
    } else if (strstr(v, okugai)) {
        return NULL;
    } else {
        const char *p = v, *e;

        if (strncmp(p, yaku, 3) == 0)
            p += 3;
        e = p + strlen(p);
        /* a trailing 人 or 名 */
        if (e - p >= 3 && (strcmp(e - 3, "人") == 0 || strcmp(e - 3, "名") == 0))
            e -= 3;
        while (e > p && e[-1] == ' ')
            e--;
        if ((size_t)(e - p) < sizeof digits) {
            n = (size_t)(e - p);
            memcpy(digits, p, n);
        }
        digits[n] = '\0';
    }
    if (n == 0 || parse_count(digits, c->num, sizeof c->num, &count) != 0) {
        problem(c, col, "bad_capacity", "「%s」に人数（屋内N人 など）がありません",
                "\"%s\" has no indoor figure (屋内N人) or number of persons", quoted(c, v));
        return NULL;
    }
    return dup_str(c, c->num, oom);
}

/* ------------------------------------------------------- structured lists */

/* The entries of a structured list column: keys in file order; `first`
 * must be given (NULL: any one of keys 1.. must be given); `role` is the
 * position of a key checked against role_enum, `date` of a date, or -1;
 * `bare` allows a plain string for the first key. */
struct list_def {
    const char *keys[4];
    size_t nkeys;
    int first_required, role, date, bare;
};

static const struct list_def supporters_def = {
    { "name", "relation", "phone", "address" }, 4, 1, -1, -1, 1
};
static const struct list_def contacts_def = {
    { "role", "name", "organisation", "phone" }, 4, 1, 0, -1, 0
};
static const struct list_def sources_def = {
    { "department", "date" }, 2, 1, -1, 1, 0
};

struct list_out {
    struct pm_buf b;
    size_t n;
};

/* Checks one entry (fields trimmed, "" when not given) and appends it to
 * the JSON array.  0, or 1 when rejected (reason recorded). */
static int list_entry(struct ctx *c, size_t col, const struct list_def *d,
                      const char **f, struct list_out *o)
{
    char role[64] = "", date[16] = "";
    int any = 0;

    for (size_t k = 0; k < d->nkeys; k++) {
        any |= *f[k] != '\0';
        if (too_long(c, col, f[k], FMT_MAX_TEXT))
            return 1;
    }
    if (!any)
        return 0;
    if (++o->n > FMT_MAX_ENTRIES) {
        problem(c, col, "too_many_entries", "項目が %d 個を超えています", "more than %d entries",
                FMT_MAX_ENTRIES);
        return 1;
    }
    if (d->first_required && *f[0] == '\0') {
        problem(c, col, "empty", "%zu 番目の項目: %s が空です", "entry %zu: %s is empty", o->n,
                d->keys[0]);
        return 1;
    }
    if (d->role >= 0) {
        const char *const *al = role_enum.aliases;

        for (size_t i = 0; role_values[i] && !*role; i++)
            if (ascii_caseeq(f[d->role], role_values[i]))
                snprintf(role, sizeof role, "%s", role_values[i]);
        for (size_t i = 0; al[i] && !*role; i += 2)
            if (strcmp(f[d->role], al[i]) == 0)
                snprintf(role, sizeof role, "%s", al[i + 1]);
        if (!*role) {
            problem(c, col, "invalid_value",
                    "%zu 番目の項目: 続柄「%s」は%.0s %s のどれでもありません",
                    "entry %zu: role \"%s\" is not one of %s%.0s", o->n, quoted(c, f[d->role]),
                    role_enum.list, role_enum.list_ja);
            return 1;
        }
        f[d->role] = role;
    }
    if (d->date >= 0 && *f[d->date]) {
        if (to_ascii(f[d->date], c->tmp, sizeof c->tmp) != 0
            || parse_date(c->tmp, date, sizeof date) != 0) {
            problem(c, col, "bad_date", "%zu 番目の項目: 日付「%s」は日付として読めません",
                    "entry %zu: date \"%s\" is not a valid date YYYY-MM-DD", o->n,
                    quoted(c, f[d->date]));
            return 1;
        }
        f[d->date] = date;
    }
    pm_buf_puts(&o->b, o->n > 1 ? ",{" : "{");
    for (size_t k = 0; k < d->nkeys; k++) {
        pm_buf_printf(&o->b, "%s\"%s\":", k ? "," : "", d->keys[k]);
        if (*f[k] == '\0') {
            pm_buf_puts(&o->b, "null");
        } else {
            pm_buf_puts(&o->b, "\"");
            pm_buf_json_escape(&o->b, f[k]);
            pm_buf_puts(&o->b, "\"");
        }
    }
    pm_buf_puts(&o->b, "}");
    return 0;
}

/* The text form: ';'-separated entries of '|'-separated fields, '\' escapes. */
static int list_from_text(struct ctx *c, size_t col, const struct list_def *d,
                          const char *v, struct list_out *o)
{
    size_t len = strlen(v);
    char *buf = malloc(len + 1), *w = buf;
    const char *f[4];
    size_t nf = 0;
    int rc = 0;

    if (!buf)
        return -1;
    f[0] = w;
    for (const char *p = v;; p++) {
        int end_entry = *p == '\0' || *p == ';' || strncmp(p, "；", 3) == 0;

        if (*p == '\\' && p[1]) {
            *w++ = *++p;
            continue;
        }
        if (end_entry || *p == '|' || strncmp(p, "｜", 3) == 0) {
            *w++ = '\0';
            if (!end_entry && ++nf >= d->nkeys) {
                problem(c, col, "bad_entry", "%zu 番目の項目: 「|」で区切った欄が %zu 個を超えています",
                        "entry %zu: more than %zu fields separated by '|'", o->n + 1, d->nkeys);
                rc = 1;
                break;
            }
            if (!end_entry) {
                f[nf] = w;
                p += *p == '|' ? 0 : 2;
                continue;
            }
            for (size_t k = 0; k < d->nkeys; k++) {
                const char *b, *e;

                if (k > nf) {
                    f[k] = "";
                    continue;
                }
                trim_bounds(f[k], &b, &e);
                ((char *)b)[e - b] = '\0';
                f[k] = b;
            }
            rc = list_entry(c, col, d, f, o);
            if (rc || *p == '\0')
                break;
            p += *p == ';' ? 0 : 2;
            nf = 0;
            f[0] = w;
            continue;
        }
        *w++ = *p;
    }
    free(buf);
    return rc;
}

/* The JSON form of the API: an array of objects (or, bare, strings). */
static int list_from_json(struct ctx *c, size_t col, const struct list_def *d,
                          const char *v, struct list_out *o)
{
    cJSON *a = cJSON_ParseWithOpts(v, NULL, 1);
    const cJSON *it, *m;
    int rc = 0;

    if (!cJSON_IsArray(a)) {
        problem(c, col, "bad_entry", "項目の JSON 配列ではありません", "not a JSON array of entries");
        cJSON_Delete(a);
        return 1;
    }
    cJSON_ArrayForEach(it, a) {
        const char *f[4] = { "", "", "", "" };

        if (d->bare && cJSON_IsString(it)) {
            f[0] = it->valuestring;
        } else if (!cJSON_IsObject(it)) {
            problem(c, col, "bad_entry", "%zu 番目の項目: %s%.0s%s を持つオブジェクトにしてください",
                    "entry %zu: must be an object with %s%s%.0s", o->n + 1, d->keys[0],
                    d->bare ? " (or a name)" : "", d->bare ? "（または名前だけ）" : "");
            rc = 1;
            break;
        }
        cJSON_ArrayForEach(m, it) {
            size_t k = 0;

            while (k < d->nkeys && strcmp(m->string, d->keys[k]) != 0)
                k++;
            if (k == d->nkeys || !(cJSON_IsString(m) || cJSON_IsNull(m))) {
                problem(c, col, "bad_entry", "%zu 番目の項目: %.0s%s", "entry %zu: %s%.0s", o->n + 1,
                        k == d->nkeys ? "unknown key" : "values must be strings or null",
                        k == d->nkeys ? "知らないキーがあります"
                                      : "値は文字列か null にしてください");
                rc = 1;
                break;
            }
            if (cJSON_IsString(m))
                f[k] = m->valuestring;
        }
        if (rc || (rc = list_entry(c, col, d, f, o)) != 0)
            break;
    }
    cJSON_Delete(a);
    return rc;
}

/* A structured list cell to its JSON array (see formats.h). */
static char *conv_struct(struct ctx *c, size_t col, const struct list_def *d,
                         const char *raw, int *oom)
{
    struct list_out o;
    const char *b, *e;
    char *out = NULL;
    int rc;

    trim_bounds(raw, &b, &e);
    pm_buf_init(&o.b);
    o.n = 0;
    pm_buf_puts(&o.b, "[");
    rc = *b == '[' ? list_from_json(c, col, d, b, &o) : list_from_text(c, col, d, b, &o);
    pm_buf_puts(&o.b, "]");
    if (rc < 0 || o.b.oom)
        *oom = 1;
    else if (rc == 0)
        out = dup_or_oom(c, o.b.data, o.b.len, oom);
    pm_buf_release(&o.b);
    return out;
}

/* Convert one cell (raw as in the file, "" when absent) of column col. */
/* The enum a column type takes its values from, or NULL. */
static const struct enum_def *enum_of(enum ctype t)
{
    switch (t) {
    case T_MOBILITY: return &mobility_enum;
    case T_SKIND: return &skind_enum;
    case T_SSTATUS: return &sstatus_enum;
    case T_PKIND: return &pkind_enum;
    case T_PSTATUS: return &pstatus_enum;
    case T_SEX: return &sex_enum;
    case T_AFFIL: return &affil_enum;
    case T_DUTY: return &duty_enum;
    case T_BACKUP: return &backup_enum;
    case T_FKIND: return &fkind_enum;
    default: return NULL;
    }
}

/* An id or required text: trimmed, not empty, within its length bound. */
static char *conv_required(struct ctx *c, size_t col, const char *raw, int *oom)
{
    const char *b, *e;
    char *v;

    trim_bounds(raw, &b, &e);
    if (b == e) {
        problem(c, col, "empty", "空です", "empty");
        return NULL;
    }
    v = dup_or_oom(c, b, (size_t)(e - b), oom);
    if (v && too_long(c, col, v, c->type[col] == T_REQ ? FMT_MAX_TEXT : FMT_MAX_ID))
        return NULL;
    return v;
}

/* A latitude or longitude (v: raw in ASCII); empty is remembered for the
 * row's check that both or neither are given. */
static char *conv_coord(struct ctx *c, size_t col, enum ctype t, const char *raw,
                        const char *v, int *oom)
{
    double lim = t == T_LAT ? 90.0 : 180.0, d;

    if (*v == '\0') {
        *(t == T_LAT ? &c->lat_empty : &c->lon_empty) = 1;
        return NULL;
    }
    if (parse_decimal(v, c->num, sizeof c->num, &d) != 0 || d < -lim || d > lim) {
        problem(c, col, t == T_LAT ? "bad_latitude" : "bad_longitude",
                "「%s」は%.0s%sの範囲（%g〜%g）外です", "\"%s\" is not a %s%.0s in [%g, %g]",
                quoted(c, raw), t == T_LAT ? "latitude" : "longitude",
                t == T_LAT ? "緯度" : "経度", -lim, lim);
        return NULL;
    }
    return dup_str(c, c->num, oom);
}

static char *convert(struct ctx *c, size_t col, const char *raw, int *oom)
{
    enum ctype t = c->type[col];
    char *v = c->tmp;
    double d;
    long n;
    int k;

    switch (t) {
    case T_TEXT:
    case T_LONG:
        if (is_blank(raw) || too_long(c, col, raw, t == T_TEXT ? FMT_MAX_TEXT : FMT_MAX_LONG))
            return NULL;
        return dup_str(c, raw, oom);
    case T_ID:
    case T_REF:
    case T_REQ:
        return conv_required(c, col, raw, oom);
    case T_LIST:
        return conv_list(c, raw, oom);
    case T_SUPPORTERS:
        return conv_struct(c, col, &supporters_def, raw, oom);
    case T_CONTACTS:
        return conv_struct(c, col, &contacts_def, raw, oom);
    case T_SOURCES:
        return conv_struct(c, col, &sources_def, raw, oom);
    default:
        break;
    }
    if (to_ascii(raw, v, sizeof c->tmp) != 0) {
        problem(c, col, "too_long", "「%s」が長すぎます", "\"%s\" is too long", quoted(c, raw));
        return NULL;
    }
    if (enum_of(t))
        return conv_enum(c, col, enum_of(t), v, oom);
    switch (t) {
    case T_DATE:
        if (*v == '\0')
            return NULL;
        if (parse_date(v, c->num, sizeof c->num) != 0) {
            problem(c, col, "bad_date", "「%s」は日付として読めません（2020-04-01、令和2年4月1日 など）",
                    "\"%s\" is not a valid date YYYY-MM-DD", quoted(c, raw));
            return NULL;
        }
        return dup_str(c, c->num, oom);
    case T_LAT:
    case T_LON:
        return conv_coord(c, col, t, raw, v, oom);
    case T_BOOL:
        k = parse_bool(v);
        if (k < 0) {
            problem(c, col, "bad_boolean", "「%s」は ○/×（はい/いいえ）として読めません",
                    "\"%s\" is not a boolean (true/false, 1/0, yes/no, ○)", quoted(c, raw));
            return NULL;
        }
        if (*v == '\0' && col == S_WELFARE && c->r->kind == FMT_SHELTERS)
            c->welfare_empty = 1;
        return dup_str(c, k ? "t" : "f", oom);
    case T_NUM0:
    case T_NUMREQ:
        if (*v == '\0') {
            if (t == T_NUMREQ) {
                problem(c, col, "empty", "空です（必須）", "empty (required)");
                return NULL;
            }
            return dup_str(c, "0", oom);
        }
        if (parse_decimal(v, c->num, sizeof c->num, &d) != 0 || d < 0) {
            problem(c, col, "bad_number", "「%s」は 0 以上の数値として読めません",
                    "\"%s\" is not a number >= 0", quoted(c, raw));
            return NULL;
        }
        return dup_str(c, c->num, oom);
    case T_NUMNULL:
    case T_MINUTES:
        if (*v == '\0')
            return NULL;
        if (parse_decimal(v, c->num, sizeof c->num, &d) != 0 || d < 0
            || (t == T_MINUTES && (d <= 0 || d > 60))) {
            problem(c, col, "bad_number", "「%s」は数値（%s）として読めません",
                    "\"%s\" is not a number %s", quoted(c, raw),
                    t == T_MINUTES ? "in (0, 60]" : ">= 0");
            return NULL;
        }
        return dup_str(c, c->num, oom);
    case T_INT0:
    case T_INTNULL:
        if (*v == '\0')
            return t == T_INT0 ? dup_str(c, "0", oom) : NULL;
        if (parse_count(v, c->num, sizeof c->num, &n) != 0) {
            problem(c, col, "bad_number", "「%s」は 0 以上の整数として読めません",
                    "\"%s\" is not a whole number >= 0", quoted(c, raw));
            return NULL;
        }
        return dup_str(c, c->num, oom);
    case T_CAPTEXT:
        return conv_captext(c, col, v, oom);
    case T_CARE:
        return conv_care(c, col, v, oom);
    case T_HOURS:
        if (*v == '\0')
            return dup_str(c, "24h", oom);
        if (parse_hours(v, c->num, sizeof c->num) != 0) {
            problem(c, col, "bad_hours", "「%s」は 24h または HH:MM-HH:MM の形ではありません",
                    "\"%s\" is not 24h or HH:MM-HH:MM", quoted(c, raw));
            return NULL;
        }
        return dup_str(c, c->num, oom);
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------ layout */


/* Index of the header column called `name` (ASCII case-insensitive when ci),
 * or -1.  A second column of that name sets *dup to its index. */
static int find_col(char **head, size_t nhead, const char *name, int ci, int *dup)
{
    int found = -1;

    for (size_t i = 0; i < nhead; i++) {
        if (ci ? ascii_caseeq(head[i], name) : strcmp(head[i], name) == 0) {
            if (found < 0)
                found = (int)i;
            else if (*dup < 0)
                *dup = (int)i;
        }
    }
    return found;
}

static int has_col(char **head, size_t nhead, const char *name)
{
    int dup = -1;

    return find_col(head, nhead, name, 0, &dup) >= 0;
}

/* Map canonical column `col` to the header column `name`; 0, or -1 with err
 * set when the header names it twice. */
static int map_col(struct ctx *c, char **head, size_t col, const char *name,
                   int ci, int *slot, char *err, size_t errlen)
{
    int dup = -1;
    int i = find_col(head, c->nhead, name, ci, &dup);

    if (dup >= 0) {
        pm_set_err(err, errlen, "column \"%s\" appears twice (columns %d and %d)",
                name, i + 1, dup + 1);
        return -1;
    }
    slot[col] = i;
    if (i >= 0 && slot == c->src && strcmp(head[i], c->kd->cols[col]) != 0) {
        size_t n = strlen(c->kd->cols[col]) + strlen(head[i]) + 4;
        char *l = arena_alloc(&c->r->arena, n);

        if (!l) {
            pm_set_err(err, errlen, "out of memory");
            return -1;
        }
        snprintf(l, n, "%s (%s)", c->kd->cols[col], head[i]);
        c->label[col] = l;
    }
    return 0;
}

/* The eight hazards in shelters_cols order, as the published files name them. */
static const char *const hazard_ja[8] = {
    "洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事",
    "内水氾濫", "火山現象",
};

#define JA_ID          "ID"
#define JA_MEISHO      "名称"
#define JA_RENKETSU    "所在地_連結表記"
#define JA_JUSHO       "住所"
#define JA_IDO         "緯度"
#define JA_KEIDO       "経度"
#define JA_DENWA       "電話番号"
#define JA_SHUYO       "想定収容人数"
#define JA_SAIGAI      "災害種別_"
#define JA_CHOFUKU     "指定避難所との重複"
#define JA_DOUITSU     "指定避難所との住所同一"
#define JA_FUKUSHI     "福祉避難所"
#define JA_YOHAIRYO    "要配慮者"
#define JA_KYOTSU_ID   "共通ID"
#define JA_NO          "NO"
#define JA_SHISETSU    "施設・場所名"
#define JA_UKEIRE      "受入対象者"

/* The published shelter layouts: fill src/alt/label from Japanese headers. */
static int layout_published(struct ctx *c, char **head, int gsi, char *err, size_t errlen)
{
    char name[128];

    c->src[S_KIND] = -1;
    if (map_col(c, head, S_ID, gsi ? JA_KYOTSU_ID : JA_ID, 0, c->src, err, errlen) != 0
        || map_col(c, head, S_NAME, gsi ? JA_SHISETSU : JA_MEISHO, 0, c->src, err, errlen) != 0
        || map_col(c, head, S_LAT, JA_IDO, 0, c->src, err, errlen) != 0
        || map_col(c, head, S_LON, JA_KEIDO, 0, c->src, err, errlen) != 0
        || map_col(c, head, S_ADDRESS, gsi ? JA_JUSHO : JA_RENKETSU, 0, c->src, err, errlen) != 0
        || map_col(c, head, S_PHONE, JA_DENWA, 0, c->src, err, errlen) != 0)
        return -1;
    if (gsi) {
        if (map_col(c, head, S_ID, JA_NO, 1, c->alt, err, errlen) != 0)
            return -1;
        if (c->src[S_ID] < 0 && c->alt[S_ID] < 0) {
            pm_set_err(err, errlen, "missing required column(s): %s or %s",
                    JA_KYOTSU_ID, JA_NO);
            return -1;
        }
    } else {
        if (map_col(c, head, S_ADDRESS, JA_JUSHO, 0, c->alt, err, errlen) != 0
            || map_col(c, head, S_CAPACITY, JA_SHUYO, 0, c->src, err, errlen) != 0)
            return -1;
        c->type[S_CAPACITY] = T_CAPTEXT;
    }
    for (size_t h = 0; h < 8; h++) {
        snprintf(name, sizeof name, "%s%s", gsi ? "" : JA_SAIGAI, hazard_ja[h]);
        if (map_col(c, head, S_FLAGS + h, name, 0, c->src, err, errlen) != 0)
            return -1;
    }
    if (gsi) {
        int dup = -1;

        c->target_src = find_col(head, c->nhead, JA_UKEIRE, 0, &dup);
        c->fixed_kind = c->target_src >= 0 ? "designated" : "emergency_site";
        c->r->format = c->target_src >= 0 ? "gsi-shelter" : "gsi-emergency-site";
    } else {
        c->fixed_kind = has_col(head, c->nhead, JA_CHOFUKU) || has_col(head, c->nhead, JA_DOUITSU)
                        ? "emergency_site" : "designated";
        for (size_t i = 0; i < c->nhead && c->nwelfare < NELEM(c->welfare_src); i++)
            if (strstr(head[i], JA_FUKUSHI) || strstr(head[i], JA_YOHAIRYO))
                c->welfare_src[c->nwelfare++] = (int)i;
        c->r->format = "digital-agency";
    }
    return 0;
}

/* Decide the layout from the header and fill the context's column map. */
static int layout(struct ctx *c, char **head, char *err, size_t errlen)
{
    const struct kind_def *kd = c->kd;
    char missing[256] = "";
    size_t mlen = 0;

    for (size_t i = 0; i < kd->ncols; i++) {
        c->type[i] = kd->types[i];
        c->src[i] = -1;
        c->alt[i] = -1;
        c->label[i] = kd->cols[i];
    }
    c->target_src = -1;
    c->r->format = "canonical";
    if (c->r->kind == FMT_SHELTERS) {
        int dup = -1;

        if (find_col(head, c->nhead, "external_id", 1, &dup) < 0) {
            if (has_col(head, c->nhead, JA_ID) && has_col(head, c->nhead, JA_MEISHO))
                return layout_published(c, head, 0, err, errlen);
            if (has_col(head, c->nhead, JA_SHISETSU))
                return layout_published(c, head, 1, err, errlen);
        }
    }
    for (size_t i = 0; i < kd->ncols; i++) {
        if (map_col(c, head, i, kd->cols[i], 1, c->src, err, errlen) != 0)
            return -1;
        if (c->src[i] < 0 && is_required(kd->types[i])) {
            int n = snprintf(missing + mlen, sizeof missing - mlen, "%s%s",
                             mlen ? ", " : "", kd->cols[i]);

            if (n > 0 && mlen + (size_t)n < sizeof missing)
                mlen += (size_t)n;
        }
    }
    if (mlen) {
        pm_set_err(err, errlen, "missing required column(s): %s%s", missing,
                c->r->kind == FMT_SHELTERS
                ? " (nor is it a Digital Agency or GSI shelter file)" : "");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------- rows */

/* A welfare-like column of a published file says yes unless it is empty
 * or says no: such columns hold ○, 1, 可, or the name of the category. */
static int says_yes(struct ctx *c, const char *raw)
{
    static const char *const no[] = { "不可", "無", "なし", NULL };

    if (to_ascii(raw, c->tmp, sizeof c->tmp) != 0)
        return 1;
    if (c->tmp[0] == '\0' || parse_bool(c->tmp) == 0)
        return 0;
    for (size_t i = 0; no[i]; i++)
        if (strcmp(c->tmp, no[i]) == 0)
            return 0;
    return 1;
}

static const char *cell_raw(const struct ctx *c, const struct csv_record *rec, int i)
{
    const char *v;

    if (i < 0)
        return "";
    v = csv_field(&c->r->csv, rec, (size_t)i);
    return v ? v : "";
}

/* Check and convert the cells of one record (raw[i]: the text of canonical
 * column i, "" when absent) into fields[]; the rules that tie columns
 * together are checked here too.  0 when accepted, 1 when rejected (c->why
 * holds the reason), -1 when out of memory. */
static int check_cells(struct ctx *c, const char *const *raw, char **fields, long line)
{
    const struct kind_def *kd = c->kd;
    struct fmt_result *r = c->r;
    int oom = 0;

    for (size_t i = 0; i < kd->ncols; i++) {
        fields[i] = convert(c, i, raw[i], &oom);
        if (oom)
            return -1;
    }
    if (kd->lat >= 0) {
        /* lat/lon: both or neither; without them a place needs an address */
        size_t lat = (size_t)kd->lat, lon = lat + 1;

        if (c->lat_empty != c->lon_empty)
            problem(c, c->lat_empty ? lat : lon, "half_location", "%.0s%sがあるのに空です",
                    "empty while %s is given%.0s", c->lat_empty ? "lon" : "lat",
                    c->lat_empty ? "経度" : "緯度");
        else if (c->lat_empty && kd->address >= 0 && !fields[kd->address])
            problem(c, (size_t)kd->address, "no_location", "空で、緯度・経度もありません",
                    "empty, and no lat/lon to place it");
    }
    if (r->kind == FMT_SHELTERS && !c->fixed_kind && fields[S_KIND]
        && strcmp(fields[S_KIND], "welfare") == 0 && c->welfare_empty) {
        /* a 福祉避難所 accepts people needing care unless told otherwise */
        fields[S_WELFARE] = dup_str(c, "t", &oom);
        if (oom)
            return -1;
    }
    if (r->kind == FMT_DEVICES && fields[D_DUTY] && !fields[D_MINUTES]
        && strcmp(fields[D_DUTY], "intermittent") == 0)
        problem(c, D_MINUTES, "empty", "間欠使用（intermittent）の機器なのに空です（1 時間に使う分数）",
                "empty while duty is intermittent (minutes used per hour)");
    if (kd->types[0] == T_ID && fields[0]) {
        long earlier = id_seen(c, fields[0], line);

        if (earlier)
            problem(c, 0, "duplicate_id", "「%s」は %ld 行目でも使われています",
                    "\"%s\" already used on line %ld", quoted(c, fields[0]), earlier);
    }
    return c->whylen ? 1 : 0;
}

/* Records the row's reason as out's next reject; -1 when out of memory. */
static int take_reject(struct fmt_result *out, const struct ctx *c, long line)
{
    struct fmt_reject *r = &out->rejects[out->nrejects];

    r->line = line;
    r->reason = arena_strndup(&out->arena, c->why, c->whylen);
    r->ja = arena_strndup(&out->arena, c->why_ja, c->why_jalen);
    r->code = c->code ? c->code : "invalid_row";
    if (!r->reason || !r->ja)
        return -1;
    out->nrejects++;
    return 0;
}

static void row_reset(struct ctx *c)
{
    c->whylen = c->why_jalen = 0;
    c->why[0] = c->why_ja[0] = '\0';
    c->code = NULL;
    c->lat_empty = c->lon_empty = c->welfare_empty = 0;
}

/* Check and convert one file record into fields[]; as check_cells.  The
 * published shelter layouts derive kind and welfare from other columns. */
static int do_row(struct ctx *c, const struct csv_record *rec, char **fields)
{
    const struct kind_def *kd = c->kd;
    struct fmt_result *r = c->r;
    const char *raw[FMT_MAX_COLS];
    int oom = 0, rc, welfare = 0;

    row_reset(c);
    for (size_t i = c->nhead; i < rec->count; i++) {
        if (!is_blank(csv_field(&r->csv, rec, i))) {
            problem(c, FMT_MAX_COLS, "extra_fields", "欄が %zu 個ありますが、見出しは %zu 個です",
                    "%zu fields but the header has %zu", rec->count, c->nhead);
            return 1;
        }
    }
    for (size_t i = 0; i < kd->ncols; i++) {
        raw[i] = cell_raw(c, rec, c->src[i]);
        if (c->alt[i] >= 0 && is_blank(raw[i]))
            raw[i] = cell_raw(c, rec, c->alt[i]);
    }
    rc = check_cells(c, raw, fields, rec->line);
    if (rc < 0 || r->kind != FMT_SHELTERS || !c->fixed_kind)
        return rc;
    for (size_t k = 0; k < c->nwelfare; k++)
        welfare |= says_yes(c, cell_raw(c, rec, c->welfare_src[k]));
    if (c->target_src >= 0
        && strncmp(cell_raw(c, rec, c->target_src), JA_YOHAIRYO, strlen(JA_YOHAIRYO)) == 0)
        welfare = 1;
    fields[S_KIND] = dup_str(c, welfare ? "welfare" : c->fixed_kind, &oom);
    fields[S_WELFARE] = dup_str(c, welfare ? "t" : "f", &oom);
    return oom ? -1 : rc;
}

static int record_is_empty(const struct csv_table *t, const struct csv_record *rec)
{
    for (size_t i = 0; i < rec->count; i++)
        if (!is_blank(csv_field(t, rec, i)))
            return 0;
    return 1;
}

enum pm_err fmt_parse(enum fmt_kind kind, const char *data, size_t len,
                      struct fmt_result *out, char *err, size_t errlen)
{
    struct ctx *c = NULL;
    char **head = NULL;
    const struct csv_record *hrec;
    size_t ndata;
    enum pm_err rc = PM_ERR_BAD_REQUEST;

    memset(out, 0, sizeof *out);
    if ((unsigned)kind >= NELEM(kinds)) {
        pm_set_err(err, errlen, "unknown kind %d", (int)kind);
        return PM_ERR_NOT_FOUND;
    }
    out->kind = kind;
    out->cols = kinds[kind].cols;
    out->ncols = kinds[kind].ncols;
    if (csv_parse(&out->csv, data, len, err, errlen) != 0)
        return PM_ERR_BAD_REQUEST;
    out->encoding = out->csv.encoding;
    if (out->csv.nrecords == 0) {
        pm_set_err(err, errlen, "the file is empty: no header row");
        goto out;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        goto oom;
    c->r = out;
    c->kd = &kinds[kind];
    hrec = &out->csv.records[0];
    c->nhead = hrec->count;
    head = calloc(c->nhead, sizeof *head);
    if (!head)
        goto oom;
    for (size_t i = 0; i < c->nhead; i++) {
        const char *b, *e;

        trim_bounds(csv_field(&out->csv, hrec, i), &b, &e);
        head[i] = arena_strndup(&out->arena, b, (size_t)(e - b));
        if (!head[i])
            goto oom;
    }
    if (layout(c, head, err, errlen) != 0)
        goto out;
    for (size_t i = 0; i < out->ncols; i++)
        out->present[i] = c->src[i] >= 0 || c->alt[i] >= 0;
    if (c->fixed_kind) {
        out->present[S_KIND] = true;
        out->present[S_WELFARE] = c->nwelfare > 0 || c->target_src >= 0;
    }

    ndata = out->csv.nrecords - 1;
    if (ndata > SIZE_MAX / sizeof(char *) / FMT_MAX_COLS / 4)
        goto oom;
    out->cells = malloc((ndata * out->ncols + 1) * sizeof *out->cells);
    out->rows = malloc((ndata + 1) * sizeof *out->rows);
    out->rejects = malloc((ndata + 1) * sizeof *out->rejects);
    for (c->ids_cap = 16; c->ids_cap < 2 * ndata; c->ids_cap *= 2)
        ;
    c->ids = calloc(c->ids_cap, sizeof *c->ids);
    if (!out->cells || !out->rows || !out->rejects || !c->ids)
        goto oom;

    for (size_t k = 1; k < out->csv.nrecords; k++) {
        const struct csv_record *rec = &out->csv.records[k];
        char **fields = out->cells + out->nrows * out->ncols;
        int res;

        if (record_is_empty(&out->csv, rec))
            continue;
        res = do_row(c, rec, fields);
        if (res < 0)
            goto oom;
        if (res == 0) {
            out->rows[out->nrows].line = rec->line;
            out->rows[out->nrows].fields = fields;
            out->nrows++;
        } else {
            if (take_reject(out, c, rec->line) < 0)
                goto oom;
        }
    }
    rc = PM_OK;
    goto out;
oom:
    pm_set_err(err, errlen, "out of memory reading a %zu-byte file", len);
    rc = PM_ERR_NOMEM;
out:
    if (c)
        free(c->ids);
    free(c);
    free(head);
    if (rc != PM_OK)
        fmt_result_release(out);
    return rc;
}

void fmt_result_release(struct fmt_result *r)
{
    if (!r)
        return;
    csv_release(&r->csv);
    arena_free(r->arena);
    free(r->cells);
    free(r->rows);
    free(r->rejects);
    memset(r, 0, sizeof *r);
}

int fmt_kind_from_name(const char *name, enum fmt_kind *out)
{
    static const struct {
        const char *name;
        enum fmt_kind kind;
    } names[] = {
        { "children", FMT_CHILDREN },
        { "devices", FMT_DEVICES },
        { "shelters", FMT_SHELTERS },
        { "power-points", FMT_POWER_POINTS },
        { "power_points", FMT_POWER_POINTS },
        { "facilities", FMT_FACILITIES },
    };

    if (!name)
        return -1;
    for (size_t i = 0; i < NELEM(names); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return 0;
        }
    }
    return -1;
}

const char *fmt_kind_name(enum fmt_kind kind)
{
    return (unsigned)kind < NELEM(kinds) ? kinds[kind].name : "unknown";
}

const char *const *fmt_columns(enum fmt_kind kind, size_t *ncols)
{
    if ((unsigned)kind >= NELEM(kinds)) {
        *ncols = 0;
        return NULL;
    }
    *ncols = kinds[kind].ncols;
    return kinds[kind].cols;
}

/* ------------------------------------------------------------- one record */

enum pm_err fmt_check_row(enum fmt_kind kind, const char *const *names,
                          const char *const *values, size_t n, struct fmt_result *out,
                          char *err, size_t errlen)
{
    const char *raw[FMT_MAX_COLS];
    struct ctx *c = NULL;
    enum pm_err rc = PM_ERR_NOMEM;
    int res;

    memset(out, 0, sizeof *out);
    if ((unsigned)kind >= NELEM(kinds)) {
        pm_set_err(err, errlen, "unknown kind %d", (int)kind);
        return PM_ERR_NOT_FOUND;
    }
    out->kind = kind;
    out->cols = kinds[kind].cols;
    out->ncols = kinds[kind].ncols;
    out->format = "record";
    out->encoding = "utf-8";
    for (size_t i = 0; i < out->ncols; i++)
        raw[i] = "";
    for (size_t k = 0; k < n; k++) {
        size_t i = 0;

        while (i < out->ncols && strcmp(out->cols[i], names[k]) != 0)
            i++;
        if (i == out->ncols || out->present[i]) {
            pm_set_err(err, errlen, "%.64s: %s", names[k],
                       i == out->ncols ? "unknown field" : "given twice");
            return PM_ERR_BAD_REQUEST;
        }
        out->present[i] = true;
        raw[i] = values[k] ? values[k] : "";
    }
    c = calloc(1, sizeof *c);
    out->cells = calloc(out->ncols, sizeof *out->cells);
    out->rows = calloc(1, sizeof *out->rows);
    out->rejects = calloc(1, sizeof *out->rejects);
    if (c) {
        c->ids_cap = 16;
        c->ids = calloc(c->ids_cap, sizeof *c->ids);
    }
    if (!c || !c->ids || !out->cells || !out->rows || !out->rejects)
        goto out;
    c->r = out;
    c->kd = &kinds[kind];
    for (size_t i = 0; i < out->ncols; i++) {
        c->type[i] = c->kd->types[i];
        c->src[i] = c->alt[i] = -1;
        c->label[i] = c->kd->cols[i];
    }
    c->target_src = -1;
    row_reset(c);
    res = check_cells(c, raw, out->cells, 1);
    if (res < 0)
        goto out;
    if (res == 0) {
        out->rows[0].line = 1;
        out->rows[0].fields = out->cells;
        out->nrows = 1;
        rc = PM_OK;
    } else {
        pm_set_err(err, errlen, "%s", c->why);
        out->nrejects = 0;
        if (take_reject(out, c, 1) < 0)
            out->nrejects = 0;
        rc = out->nrejects ? PM_ERR_BAD_REQUEST : PM_ERR_NOMEM;
    }
out:
    if (rc == PM_ERR_NOMEM)
        pm_set_err(err, errlen, "out of memory");
    if (c)
        free(c->ids);
    free(c);
    return rc;
}

char fmt_json_type(enum fmt_kind kind, size_t col)
{
    if ((unsigned)kind >= NELEM(kinds) || col >= kinds[kind].ncols)
        return 's';
    switch (kinds[kind].types[col]) {
    case T_LAT: case T_LON: case T_NUM0: case T_NUMREQ: case T_INT0: case T_INTNULL:
    case T_NUMNULL: case T_MINUTES: case T_CAPTEXT:
        return 'n';
    case T_BOOL:
        return 'b';
    case T_CARE: case T_LIST:
        return 'l';
    case T_SUPPORTERS: case T_CONTACTS: case T_SOURCES:
        return 'j';
    default:
        return 's';
    }
}
