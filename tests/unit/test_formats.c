/* test_formats.c -- import files to canonical rows (server/formats.c).
 * Run from the project root: the fixtures are read from tests/data/. */
#include <stdlib.h>

#include "server/formats.h"
#include "unit.h"

/* ------------------------------------------------------------------ helpers */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (!f) {
        fprintf(stderr, "  cannot open %s (run from the project root)\n", path);
        return NULL;
    }
    n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static int parse_str(enum fmt_kind kind, const char *s, struct fmt_result *r,
                     char *err, size_t errlen)
{
    return fmt_parse(kind, s, strlen(s), r, err, errlen);
}

static int parse_file(enum fmt_kind kind, const char *path, struct fmt_result *r)
{
    char err[256] = "";
    size_t len;
    char *data = slurp(path, &len);
    int rc;

    if (!data) {
        memset(r, 0, sizeof *r);
        return -1;
    }
    rc = fmt_parse(kind, data, len, r, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "  %s: %s\n", path, err);
    free(data);      /* the result must not point into the caller's bytes */
    return rc;
}

static int col_index(const struct fmt_result *r, const char *col)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i], col) == 0)
            return (int)i;
    fprintf(stderr, "  no column %s\n", col);
    return -1;
}

/* Value of column `col` in accepted row `row`; NULL for SQL NULL. */
static const char *cell(const struct fmt_result *r, size_t row, const char *col)
{
    int i = col_index(r, col);

    if (i < 0 || row >= r->nrows)
        return "(no such cell)";
    return r->rows[row].fields[i];
}

/* Index of the accepted row whose first column is `id`, or r->nrows. */
static size_t row_of(const struct fmt_result *r, const char *id)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].fields[0] && strcmp(r->rows[i].fields[0], id) == 0)
            return i;
    return r->nrows;
}

/* The reason of the one reject expected on `line`, or NULL. */
static const char *reject_on(const struct fmt_result *r, long line)
{
    for (size_t i = 0; i < r->nrejects; i++)
        if (r->rejects[i].line == line)
            return r->rejects[i].reason;
    return NULL;
}

#define CHECK_CONTAINS(hay, needle)                                         \
    do {                                                                    \
        const char *h_ = (hay);                                             \
        if (!h_ || !strstr(h_, (needle))) {                                 \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n",    \
                    __FILE__, __LINE__, h_ ? h_ : "(null)", (needle));      \
            unit_failed_checks++;                                           \
        }                                                                   \
    } while (0)

#define SHELTER_HEAD "external_id,name,lat,lon,address"

/* ------------------------------------------------------------- real data */

/* Field `idx` of the line starting with `id` in the raw file, split naively
 * on commas: only for rows with no quoted field before idx. */
static double raw_number(const char *text, const char *id, int idx)
{
    char key[64];
    const char *p;

    snprintf(key, sizeof key, "\n%s,", id);
    p = strstr(text, key);
    if (!p)
        return -1000;
    p++;
    for (int i = 0; i < idx; i++) {
        p = strchr(p, ',');
        if (!p)
            return -1000;
        p++;
    }
    return strtod(p, NULL);
}

static void nanao_file_should_give_112_shelters_and_no_rejects(void)
{
    struct fmt_result r;
    size_t len, i, expect = 0;
    char *text = slurp("tests/data/nanao/reference_data.csv", &len);
    static const char *const ids[] = { "CC0000000505", "CC0000000600", "NEW003" };

    CHECK(text != NULL);
    if (!text)
        return;
    /* records start with an ID (CC… or NEW…) at the start of a line */
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        if (strncmp(p + 1, "CC", 2) == 0 || strncmp(p + 1, "NEW", 3) == 0)
            expect++;
    CHECK(expect == 112);
    CHECK(parse_file(FMT_SHELTERS, "tests/data/nanao/reference_data.csv", &r) == 0);
    CHECK(r.nrows == expect);
    CHECK(r.nrejects == 0);
    for (i = 0; i < r.nrejects; i++)
        fprintf(stderr, "  line %ld: %s\n", r.rejects[i].line, r.rejects[i].reason);
    CHECK_STR(r.format, "digital-agency");
    CHECK_STR(r.encoding, "utf-8");

    CHECK_STR(cell(&r, 0, "external_id"), "CC0000000504");
    CHECK_STR(cell(&r, 0, "name"), "御祓地区コミュニティセンター");
    CHECK_STR(cell(&r, 0, "capacity"), "191");
    CHECK_STR(cell(&r, 0, "lat"), "37.04826");
    CHECK_STR(cell(&r, 0, "lon"), "136.96136");
    CHECK_STR(cell(&r, 0, "address"), "石川県七尾市一本杉町１２４");
    CHECK_STR(cell(&r, 0, "kind"), "designated");
    CHECK_STR(cell(&r, 0, "welfare"), "f");
    CHECK_STR(cell(&r, 0, "status"), "open");
    CHECK_STR(cell(&r, 0, "power_w"), "0");
    CHECK_STR(cell(&r, 0, "outlets"), "0");
    /* flags of the first row: 1.0,1.0,1.0,1.0,1.0,,1.0, */
    CHECK_STR(cell(&r, 0, "flood"), "t");
    CHECK_STR(cell(&r, 0, "tsunami"), "t");
    CHECK_STR(cell(&r, 0, "fire"), "f");
    CHECK_STR(cell(&r, 0, "inland_flood"), "t");
    CHECK_STR(cell(&r, 0, "volcano"), "f");
    CHECK(cell(&r, 0, "phone") == NULL);
    CHECK(r.rows[0].line == 2);

    i = row_of(&r, "CC0000000505");
    CHECK_STR(cell(&r, i, "capacity"), "1371");
    i = row_of(&r, "CC0000000506");
    CHECK_STR(cell(&r, i, "capacity"), "2736");
    i = row_of(&r, "CC0000000507");
    CHECK_STR(cell(&r, i, "phone"), "0767-53-0821");

    /* lat and lon agree with the raw text of a few rows (緯度 is field 12) */
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        i = row_of(&r, ids[k]);
        CHECK(i < r.nrows);
        if (i < r.nrows) {
            CHECK_NEAR(strtod(cell(&r, i, "lat"), NULL), raw_number(text, ids[k], 12), 1e-12);
            CHECK_NEAR(strtod(cell(&r, i, "lon"), NULL), raw_number(text, ids[k], 13), 1e-12);
        }
    }

    /* the record after the one whose 名称_英字 spans two lines */
    i = row_of(&r, "CC0000000564");
    CHECK(i < r.nrows && r.rows[i].line == 63);
    CHECK_STR(cell(&r, row_of(&r, "CC0000000563"), "name"), "和倉温泉運動公園");

    /* the last row has no capacity text and no flags */
    i = row_of(&r, "NEW003");
    CHECK(i == r.nrows - 1);
    CHECK(cell(&r, i, "capacity") == NULL);
    CHECK_STR(cell(&r, i, "earthquake"), "f");
    CHECK(r.rows[i].line == 114);
    fmt_result_release(&r);
    free(text);
}

static void indoor_capacity_should_be_taken_from_free_text(void)
{
    static const struct {
        const char *text;
        const char *want;     /* NULL: SQL NULL */
    } cases[] = {
        { "\"屋内1,371人／屋外5,470人（面積の1/2）\"", "1371" },
        { "\"屋内2,736人屋外11,700人（面積の1/2）\"", "2736" },
        { "屋内191人／屋外0人(面積の1/2)", "191" },
        { "\"屋内0人／屋外7,380人(面積の1/2)\"", "0" },
        { "屋内１，２００人／屋外３００人", "1200" },
        { "500", "500" },
        { "500人", "500" },
        { "５００人", "500" },
        { "\"屋外3,000人(面積の1/2)\"", NULL },
        { "", NULL },
        { "不明", NULL },
    };
    char buf[512], err[256] = "";
    struct fmt_result r;

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(buf, sizeof buf, "ID,名称,緯度,経度,想定収容人数\nX1,体育館,37,137,%s\n",
                 cases[k].text);
        CHECK(parse_str(FMT_SHELTERS, buf, &r, err, sizeof err) == 0);
        CHECK(r.nrows == 1);
        if (cases[k].want) {
            CHECK_STR(cell(&r, 0, "capacity"), cases[k].want);
        } else if (cell(&r, 0, "capacity") != NULL) {
            fprintf(stderr, "  %s: capacity %s, want NULL\n", cases[k].text,
                    cell(&r, 0, "capacity"));
            unit_failed_checks++;
        }
        fmt_result_release(&r);
    }
}

static void capacity_text_without_a_figure_should_be_rejected(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    "ID,名称,緯度,経度,想定収容人数\nX1,体育館,37,137,たくさん\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 0 && r.nrejects == 1);
    CHECK_CONTAINS(reject_on(&r, 2), "capacity (想定収容人数): \"たくさん\"");
    fmt_result_release(&r);
}

static void digital_agency_file_should_say_emergency_site_and_welfare(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    "ID,名称,所在地_連結表記,住所,緯度,経度,災害種別_洪水,指定避難所との重複,福祉避難所\n"
                    "A1,公民館,,石川県七尾市1,37,137,○,1,\n"
                    "A2,福祉センター,石川県七尾市2,,37,137,,,○\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2);
    CHECK_STR(r.format, "digital-agency");
    CHECK_STR(cell(&r, 0, "kind"), "emergency_site");
    CHECK_STR(cell(&r, 0, "welfare"), "f");
    CHECK_STR(cell(&r, 0, "address"), "石川県七尾市1");      /* 住所 stands in */
    CHECK_STR(cell(&r, 0, "flood"), "t");
    CHECK_STR(cell(&r, 1, "kind"), "welfare");
    CHECK_STR(cell(&r, 1, "welfare"), "t");
    CHECK_STR(cell(&r, 1, "address"), "石川県七尾市2");
    CHECK(r.present[2] && r.present[7]);
    CHECK(!r.present[col_index(&r, "status")]);
    fmt_result_release(&r);
}

/* ------------------------------------------------------------- GSI files */

static void gsi_sjis_file_should_round_trip_japanese_names(void)
{
    struct fmt_result r;
    size_t i;

    CHECK(parse_file(FMT_SHELTERS, "tests/data/gsi_emergency_sjis.csv", &r) == 0);
    CHECK_STR(r.encoding, "cp932");
    CHECK_STR(r.format, "gsi-emergency-site");
    CHECK(r.nrows == 5 && r.nrejects == 0);

    CHECK_STR(cell(&r, 0, "external_id"), "172020001");
    CHECK_STR(cell(&r, 0, "name"), "七尾市民体育館");
    CHECK_STR(cell(&r, 0, "kind"), "emergency_site");
    CHECK_STR(cell(&r, 0, "flood"), "t");         /* ○ */
    CHECK_STR(cell(&r, 0, "landslide"), "f");     /* empty */
    CHECK_STR(cell(&r, 0, "earthquake"), "t");
    CHECK_STR(cell(&r, 0, "volcano"), "f");
    CHECK(cell(&r, 0, "capacity") == NULL);
    CHECK_STR(cell(&r, 0, "lat"), "37.0441");
    CHECK_STR(cell(&r, 0, "status"), "open");

    i = row_of(&r, "172020002");
    CHECK_STR(cell(&r, i, "name"), "髙階公民館");
    CHECK_STR(cell(&r, i, "address"), "石川県七尾市下町１２４－１");
    CHECK_STR(cell(&r, i, "flood"), "t");         /* 1 */
    CHECK_STR(cell(&r, i, "landslide"), "t");
    CHECK_STR(cell(&r, i, "storm_surge"), "f");
    CHECK(r.rows[i].line == 3);

    /* no 共通ID: the NO column is the id */
    i = row_of(&r, "5");
    CHECK(i < r.nrows);
    CHECK_STR(cell(&r, i, "name"), "中島小学校");
    fmt_result_release(&r);
}

static void gsi_shelter_file_should_mark_yohairyosha_as_welfare(void)
{
    struct fmt_result r;

    CHECK(parse_file(FMT_SHELTERS, "tests/data/gsi_shelter.csv", &r) == 0);
    CHECK_STR(r.format, "gsi-shelter");
    CHECK_STR(r.encoding, "utf-8");
    CHECK(r.nrows == 4 && r.nrejects == 0);
    CHECK_STR(cell(&r, 0, "kind"), "welfare");
    CHECK_STR(cell(&r, 0, "welfare"), "t");
    CHECK_STR(cell(&r, 1, "kind"), "designated");
    CHECK_STR(cell(&r, 1, "welfare"), "f");
    CHECK_STR(cell(&r, 2, "kind"), "designated");
    CHECK_STR(cell(&r, 3, "kind"), "welfare");
    CHECK_STR(cell(&r, 3, "name"), "特別養護老人ホーム七尾苑");
    fmt_result_release(&r);
}

/* ------------------------------------------------------ canonical fixtures */

static void shelters_file_should_reject_only_its_bad_line(void)
{
    struct fmt_result r;
    size_t i;

    CHECK(parse_file(FMT_SHELTERS, "tests/data/shelters_one_bad_row.csv", &r) == 0);
    CHECK_STR(r.format, "canonical");
    CHECK(r.nrows == 4);
    CHECK(r.nrejects == 1);
    CHECK(r.nrejects == 1 && r.rejects[0].line == 4);
    CHECK_CONTAINS(reject_on(&r, 4), "lat: \"95\" is not a latitude");
    CHECK(row_of(&r, "S003") == r.nrows);
    i = row_of(&r, "S005");
    CHECK(i < r.nrows);
    CHECK(cell(&r, i, "lat") == NULL && cell(&r, i, "lon") == NULL);
    CHECK_STR(cell(&r, i, "status"), "closed");
    CHECK_STR(cell(&r, i, "welfare"), "f");
    CHECK_STR(cell(&r, i, "flood"), "t");
    CHECK(r.rows[i].line == 6);
    i = row_of(&r, "S004");
    CHECK(cell(&r, i, "capacity") == NULL);
    CHECK_STR(cell(&r, i, "kind"), "emergency_site");
    CHECK_STR(cell(&r, 0, "power_w"), "3000");
    CHECK_STR(cell(&r, 0, "outlets"), "6");
    fmt_result_release(&r);
}

#define SUPPORTER(name) "{\"name\":\"" name "\",\"relation\":null,\"phone\":null,\"address\":null}"

static void children_file_should_give_array_literals_and_dates(void)
{
    struct fmt_result r;
    size_t i;

    CHECK(parse_file(FMT_CHILDREN, "tests/data/children.csv", &r) == 0);
    CHECK(r.nrows == 4 && r.nrejects == 0);
    CHECK(r.ncols == 31);
    CHECK_STR(cell(&r, 0, "care"), "{\"ventilator\",\"tracheostomy\",\"suction\"}");
    CHECK_STR(cell(&r, 0, "supporters"),
              "[" SUPPORTER("訪問看護ステーションA") "," SUPPORTER("相談支援専門員B") "]");
    CHECK_STR(cell(&r, 0, "mobility"), "stretcher");
    CHECK_STR(cell(&r, 0, "consent"), "t");
    CHECK_STR(cell(&r, 0, "birth_date"), "2016-04-12");
    i = row_of(&r, "C002");
    CHECK_STR(cell(&r, i, "birth_date"), "2019-11-03");
    CHECK_STR(cell(&r, i, "consent"), "t");
    i = row_of(&r, "C003");
    CHECK_STR(cell(&r, i, "supporters"), "[]");
    CHECK_STR(cell(&r, i, "consent"), "f");
    i = row_of(&r, "C004");
    CHECK(cell(&r, i, "lat") == NULL);
    CHECK_STR(cell(&r, i, "supporters"),
              "[" SUPPORTER("相談支援専門員B") "," SUPPORTER("\\\"みなと\\\"訪問介護") "]");
    fmt_result_release(&r);
}

static void devices_file_should_allow_several_devices_per_child(void)
{
    struct fmt_result r;

    CHECK(parse_file(FMT_DEVICES, "tests/data/devices.csv", &r) == 0);
    CHECK(r.nrows == 6 && r.nrejects == 0);
    CHECK_STR(cell(&r, 0, "child_external_id"), "C001");
    CHECK_STR(cell(&r, 1, "child_external_id"), "C001");
    CHECK_STR(cell(&r, 1, "type"), "suction");
    CHECK_STR(cell(&r, 5, "life_sustaining"), "f");
    CHECK_STR(cell(&r, 2, "power_w"), "300");
    fmt_result_release(&r);
}

static void power_points_file_should_default_hours_and_keep_windows(void)
{
    struct fmt_result r;

    CHECK(parse_file(FMT_POWER_POINTS, "tests/data/power_points.csv", &r) == 0);
    CHECK(r.nrows == 4 && r.nrejects == 0);
    CHECK_STR(cell(&r, 0, "hours"), "24h");
    CHECK_STR(cell(&r, 1, "hours"), "08:00-20:00");
    CHECK(cell(&r, 1, "address") == NULL);
    CHECK_STR(cell(&r, 2, "public"), "f");
    CHECK_STR(cell(&r, 3, "hours"), "24h");
    CHECK_STR(cell(&r, 3, "status"), "unavailable");
    CHECK_STR(cell(&r, 3, "kind"), "power_vehicle");
    CHECK_STR(cell(&r, 0, "output_w"), "5000");
    fmt_result_release(&r);
}

/* ---------------------------------------------------------------- values */

static void booleans_should_accept_every_spreadsheet_form(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "true", "t" }, { "TRUE", "t" }, { "True", "t" }, { "1", "t" },
        { "1.0", "t" }, { "○", "t" }, { "◯", "t" }, { "yes", "t" }, { "Yes", "t" },
        { "１", "t" }, { "false", "f" }, { "FALSE", "f" }, { "0", "f" },
        { "0.0", "f" }, { "no", "f" }, { "NO", "f" }, { "", "f" }, { "×", "f" },
    };
    char buf[256], err[256] = "";
    struct fmt_result r;

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(buf, sizeof buf, "child_external_id,type,power_w,battery_h,life_sustaining\n"
                 "C1,ventilator,60,8,%s\n", cases[k].text);
        CHECK(parse_str(FMT_DEVICES, buf, &r, err, sizeof err) == 0);
        if (r.nrows != 1) {
            fprintf(stderr, "  boolean \"%s\" rejected\n", cases[k].text);
            unit_failed_checks++;
        } else {
            CHECK_STR(cell(&r, 0, "life_sustaining"), cases[k].want);
        }
        fmt_result_release(&r);
    }
}

static void booleans_should_reject_anything_else(void)
{
    static const char *const bad[] = { "maybe", "2", "0.5", "tru", "○○" };
    char buf[256], err[256] = "";
    struct fmt_result r;

    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(buf, sizeof buf, "child_external_id,type,power_w,battery_h,life_sustaining\n"
                 "C1,ventilator,60,8,%s\n", bad[k]);
        CHECK(parse_str(FMT_DEVICES, buf, &r, err, sizeof err) == 0);
        CHECK(r.nrows == 0 && r.nrejects == 1);
        CHECK_CONTAINS(reject_on(&r, 2), "life_sustaining: ");
        CHECK_CONTAINS(reject_on(&r, 2), bad[k]);
        fmt_result_release(&r);
    }
}

static void power_w_should_reject_negative_numbers_naming_the_column(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_DEVICES,
                    "child_external_id,type,power_w,battery_h\n"
                    "C1,ventilator,60,8\n"
                    "C1,suction,-5,1\n"
                    "C2,pump,,1\n"
                    "C3,pump,1e3,1\n"
                    "C4,pump,inf,1\n"
                    "C5,pump,ten,1\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 1);
    CHECK(r.nrejects == 5);
    CHECK_STR(reject_on(&r, 3), "power_w: \"-5\" is not a number >= 0");
    CHECK_CONTAINS(reject_on(&r, 4), "power_w: empty");
    CHECK_CONTAINS(reject_on(&r, 5), "power_w: \"1e3\"");
    CHECK_CONTAINS(reject_on(&r, 6), "power_w: \"inf\"");
    CHECK_CONTAINS(reject_on(&r, 7), "power_w: \"ten\"");
    fmt_result_release(&r);
}

static void numbers_should_accept_full_width_digits_and_separators(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    "external_id,name,lat,lon,capacity,power_w,outlets\n"
                    "S1,体育館,３７．０４,１３６．９６,１，２００,\"1,500.5\",２.0\n"
                    "S2,校舎,－３５.5,-０,007,0.25,0\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2 && r.nrejects == 0);
    CHECK_STR(cell(&r, 0, "lat"), "37.04");
    CHECK_STR(cell(&r, 0, "lon"), "136.96");
    CHECK_STR(cell(&r, 0, "capacity"), "1200");
    CHECK_STR(cell(&r, 0, "power_w"), "1500.5");
    CHECK_STR(cell(&r, 0, "outlets"), "2");
    CHECK_STR(cell(&r, 1, "lat"), "-35.5");
    CHECK_STR(cell(&r, 1, "lon"), "0");
    CHECK_STR(cell(&r, 1, "capacity"), "7");
    CHECK_STR(cell(&r, 1, "power_w"), "0.25");
    fmt_result_release(&r);
}

static void counts_should_reject_fractions_and_misplaced_commas(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    "external_id,name,lat,lon,capacity,outlets\n"
                    "S1,a,37,137,3.5,0\n"
                    "S2,b,37,137,\"12,34\",0\n"
                    "S3,c,37,137,10,-1\n"
                    "S4,d,37,137,99999999999,0\n"
                    "S5,e,37,137,,\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 1 && r.nrejects == 4);
    CHECK_CONTAINS(reject_on(&r, 2), "capacity: \"3.5\" is not a whole number >= 0");
    CHECK_CONTAINS(reject_on(&r, 3), "capacity: \"12,34\"");
    CHECK_CONTAINS(reject_on(&r, 4), "outlets: \"-1\"");
    CHECK_CONTAINS(reject_on(&r, 5), "capacity: \"99999999999\"");
    CHECK(cell(&r, 0, "capacity") == NULL);
    CHECK_STR(cell(&r, 0, "outlets"), "0");
    CHECK_STR(cell(&r, 0, "power_w"), "0");
    fmt_result_release(&r);
}

static void coordinates_should_be_in_range_and_come_in_pairs(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    SHELTER_HEAD "\n"
                    "S1,a,90,180,\n"
                    "S2,b,-90.0001,0,x\n"
                    "S3,c,0,180.5,x\n"
                    "S4,d,37,,x\n"
                    "S5,e,,,\n"
                    "S6,f,,,石川県七尾市\n"
                    "S7,g,nan,137,x\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2);
    CHECK(row_of(&r, "S1") == 0 && row_of(&r, "S6") == 1);
    CHECK_CONTAINS(reject_on(&r, 3), "lat: \"-90.0001\" is not a latitude in [-90, 90]");
    CHECK_CONTAINS(reject_on(&r, 4), "lon: \"180.5\" is not a longitude in [-180, 180]");
    CHECK_CONTAINS(reject_on(&r, 5), "lon: empty while lat is given");
    CHECK_CONTAINS(reject_on(&r, 6), "address: empty, and no lat/lon");
    CHECK_CONTAINS(reject_on(&r, 8), "lat: \"nan\"");
    fmt_result_release(&r);
}

static void child_without_home_point_or_address_should_be_kept(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_CHILDREN, "external_id,lat,lon\nC1,,\n", &r, err, sizeof err) == 0);
    CHECK(r.nrows == 1);
    CHECK(cell(&r, 0, "lat") == NULL && cell(&r, 0, "address") == NULL);
    CHECK(cell(&r, 0, "name") == NULL);
    CHECK_STR(cell(&r, 0, "care"), "{}");
    CHECK_STR(cell(&r, 0, "consent"), "f");
    CHECK(cell(&r, 0, "mobility") == NULL);
    CHECK(r.present[0] && !r.present[1]);
    fmt_result_release(&r);
}

static void birth_date_should_be_a_real_calendar_date(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_CHILDREN,
                    "external_id,birth_date\n"
                    "C1,2021-02-30\n"
                    "C2,2020-02-29\n"
                    "C3,2019/1/5\n"
                    "C4,2021-02-29\n"
                    "C5,2021-13-01\n"
                    "C6,21-02-03\n"
                    "C7,2015年4月1日\n"
                    "C8,２０１８－０３－０４\n"
                    "C9,2018-03/04\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 4);
    CHECK_STR(reject_on(&r, 2), "birth_date: \"2021-02-30\" is not a valid date YYYY-MM-DD");
    CHECK_STR(cell(&r, row_of(&r, "C2"), "birth_date"), "2020-02-29");
    CHECK_STR(cell(&r, row_of(&r, "C3"), "birth_date"), "2019-01-05");
    CHECK(reject_on(&r, 5) != NULL);
    CHECK(reject_on(&r, 6) != NULL);
    CHECK(reject_on(&r, 7) != NULL);
    CHECK_STR(cell(&r, row_of(&r, "C7"), "birth_date"), "2015-04-01");
    CHECK_STR(cell(&r, row_of(&r, "C8"), "birth_date"), "2018-03-04");
    CHECK(reject_on(&r, 10) != NULL);
    fmt_result_release(&r);
}

/* ----------------------------------------------------------------- enums */

static void mobility_and_care_should_reject_unknown_values(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_CHILDREN,
                    "external_id,mobility,care\n"
                    "C1,car,\n"
                    "C2,walk,ventilator;dancing\n"
                    "C3,Wheelchair,\" suction ; ;oxygen;suction \"\n"
                    "C4,,tube_feeding；iv\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2);
    CHECK_STR(reject_on(&r, 2), "mobility: \"car\" is not one of walk|wheelchair|stretcher");
    CHECK_CONTAINS(reject_on(&r, 3), "care: \"dancing\" is not one of ventilator|");
    CHECK_STR(cell(&r, 0, "mobility"), "wheelchair");
    CHECK_STR(cell(&r, 0, "care"), "{\"suction\",\"oxygen\"}");
    CHECK(cell(&r, 1, "mobility") == NULL);
    CHECK_STR(cell(&r, 1, "care"), "{\"tube_feeding\",\"iv\"}");
    fmt_result_release(&r);
}

static void shelter_kind_and_status_should_reject_unknown_values(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    SHELTER_HEAD ",kind,status,welfare\n"
                    "S1,a,37,137,,hotel,,\n"
                    "S2,b,37,137,,,busy,\n"
                    "S3,c,37,137,,,,\n"
                    "S4,d,37,137,,welfare,full,\n"
                    "S5,e,37,137,,welfare,,false\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 3);
    CHECK_STR(reject_on(&r, 2), "kind: \"hotel\" is not one of designated|emergency_site|welfare");
    CHECK_STR(reject_on(&r, 3), "status: \"busy\" is not one of open|closed|full");
    CHECK_STR(cell(&r, 0, "kind"), "designated");
    CHECK_STR(cell(&r, 0, "status"), "open");
    CHECK_STR(cell(&r, 1, "status"), "full");
    CHECK_STR(cell(&r, 1, "welfare"), "t");     /* a welfare shelter, welfare not given */
    CHECK_STR(cell(&r, 2, "welfare"), "f");     /* said so explicitly */
    fmt_result_release(&r);
}

static void power_point_kind_status_and_hours_should_reject_unknown_values(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_POWER_POINTS,
                    "external_id,name,kind,lat,lon,status,hours\n"
                    "P1,a,windmill,37,137,,\n"
                    "P2,b,,37,137,,\n"
                    "P3,c,ev,37,137,broken,\n"
                    "P4,d,ev,37,137,,25:00-26:00\n"
                    "P5,e,ev,37,137,,9-17\n"
                    "P6,f,ev,37,137,,9:00～17:30\n"
                    "P7,g,EV,37,137,Available,22:00-06:00\n"
                    "P8,h,ev,37,137,,10:00-10:00\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2);
    CHECK_CONTAINS(reject_on(&r, 2), "kind: \"windmill\" is not one of generator|ev|");
    CHECK_CONTAINS(reject_on(&r, 3), "kind: empty");
    CHECK_STR(reject_on(&r, 4), "status: \"broken\" is not one of available|unavailable");
    CHECK_STR(reject_on(&r, 5), "hours: \"25:00-26:00\" is not 24h or HH:MM-HH:MM");
    CHECK_CONTAINS(reject_on(&r, 6), "hours: \"9-17\"");
    CHECK_CONTAINS(reject_on(&r, 9), "hours: ");
    CHECK_STR(cell(&r, 0, "hours"), "09:00-17:30");
    CHECK_STR(cell(&r, 0, "status"), "available");
    CHECK_STR(cell(&r, 1, "kind"), "ev");
    CHECK_STR(cell(&r, 1, "status"), "available");
    CHECK_STR(cell(&r, 1, "hours"), "22:00-06:00");
    fmt_result_release(&r);
}

/* ------------------------------------------------------------- structure */

static void duplicate_external_id_should_name_the_earlier_line(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    SHELTER_HEAD "\nS1,a,37,137,\nS2,b,37,137,\n\nS1,c,37,137,\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 2 && r.nrejects == 1);
    CHECK_STR(reject_on(&r, 5), "external_id: \"S1\" already used on line 2");
    fmt_result_release(&r);
}

static void several_problems_in_a_row_should_all_be_named(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS, SHELTER_HEAD ",flood\n ,a,95,137,,perhaps\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrejects == 1);
    CHECK_CONTAINS(reject_on(&r, 2), "external_id: empty; ");
    CHECK_CONTAINS(reject_on(&r, 2), "; lat: \"95\"");
    CHECK_CONTAINS(reject_on(&r, 2), "; flood: \"perhaps\"");
    fmt_result_release(&r);
}

static void columns_should_match_by_name_in_any_order(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_DEVICES,
                    "\xEF\xBB\xBF" "note, Battery_H ,\" type \",child_external_id,power_w\r\n"
                    "spare one,12,suction,C9,35\r\n",
                    &r, err, sizeof err) == 0);
    CHECK_STR(r.encoding, "utf-8-bom");
    CHECK(r.nrows == 1);
    CHECK_STR(cell(&r, 0, "child_external_id"), "C9");
    CHECK_STR(cell(&r, 0, "type"), "suction");
    CHECK_STR(cell(&r, 0, "power_w"), "35");
    CHECK_STR(cell(&r, 0, "battery_h"), "12");
    CHECK_STR(cell(&r, 0, "life_sustaining"), "f");
    CHECK(!r.present[4]);
    fmt_result_release(&r);
}

static void missing_required_columns_should_fail_the_whole_file(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_DEVICES, "child_external_id,type,power_w\nC1,x,1\n",
                    &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_STR(err, "missing required column(s): battery_h");
    CHECK(r.rows == NULL && r.nrows == 0);
    fmt_result_release(&r);

    CHECK(parse_str(FMT_SHELTERS, "id,lat,lon\n1,37,137\n", &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "external_id, name");
    CHECK(parse_str(FMT_CHILDREN, "name\nx\n", &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "external_id");
    CHECK(parse_str(FMT_POWER_POINTS, "external_id,name\nP1,x\n", &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "kind");
    CHECK(parse_str(FMT_SHELTERS, "", &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "no header");
    CHECK(fmt_parse(FMT_SHELTERS, "a\n\xFF\n", 4, &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "offset 2");
    CHECK(parse_str(FMT_SHELTERS, SHELTER_HEAD ",name\nS1,a,1,1,,b\n", &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "\"name\" appears twice");
    fmt_result_release(&r);
}

static void rows_with_extra_fields_should_be_rejected_and_empty_rows_skipped(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    SHELTER_HEAD "\nS1,a,37,137,,,\n,,,,\nS2,b,37,137,,oops\nS3,c,37\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 1);
    CHECK(r.nrejects == 2);
    CHECK_CONTAINS(reject_on(&r, 4), "6 fields but the header has 5");
    CHECK_CONTAINS(reject_on(&r, 5), "lon: empty while lat is given");
    fmt_result_release(&r);
}

static void text_should_be_kept_raw_for_the_db_layer_to_escape(void)
{
    struct fmt_result r;
    char err[256] = "";

    CHECK(parse_str(FMT_SHELTERS,
                    SHELTER_HEAD ",phone\nS1,\"a\\b\tc\nd\",37,137,\"  \",\n",
                    &r, err, sizeof err) == 0);
    CHECK(r.nrows == 1);
    CHECK_STR(cell(&r, 0, "name"), "a\\b\tc\nd");
    CHECK(cell(&r, 0, "address") == NULL);   /* blank text is NULL */
    CHECK(cell(&r, 0, "phone") == NULL);
    fmt_result_release(&r);
}

static void kind_names_should_map_both_spellings(void)
{
    enum fmt_kind k = FMT_CHILDREN;
    size_t n = 0;
    const char *const *cols;

    CHECK(fmt_kind_from_name("power-points", &k) == 0 && k == FMT_POWER_POINTS);
    k = FMT_CHILDREN;
    CHECK(fmt_kind_from_name("power_points", &k) == 0 && k == FMT_POWER_POINTS);
    CHECK(fmt_kind_from_name("devices", &k) == 0 && k == FMT_DEVICES);
    CHECK(fmt_kind_from_name("shelters", &k) == 0 && k == FMT_SHELTERS);
    CHECK(fmt_kind_from_name("children", &k) == 0 && k == FMT_CHILDREN);
    CHECK(fmt_kind_from_name("hazards", &k) == -1);
    CHECK(fmt_kind_from_name("Children", &k) == -1);
    CHECK_STR(fmt_kind_name(FMT_POWER_POINTS), "power-points");
    CHECK(fmt_kind_from_name("facilities", &k) == 0 && k == FMT_FACILITIES);
    CHECK_STR(fmt_kind_name(FMT_FACILITIES), "facilities");
    cols = fmt_columns(FMT_SHELTERS, &n);
    CHECK(n == 24);
    CHECK_STR(cols[0], "external_id");
    CHECK_STR(cols[6], "capacity");
    CHECK_STR(cols[19], "phone");
    CHECK_STR(cols[23], "notes");
    cols = fmt_columns(FMT_POWER_POINTS, &n);
    CHECK(n == 17);
    CHECK_STR(cols[8], "hours");
    fmt_result_release(NULL);
}

/* ----------------------------------------------------- the row-level entry */

#define NAMES(...) (const char *const[]){ __VA_ARGS__ }
#define NV(names) (sizeof(names) / sizeof((names)[0]))

static void one_record_should_be_checked_by_name_with_defaults_for_the_rest(void)
{
    const char *const *n = NAMES("name", "external_id", "kind", "lat", "lon", "backup_power");
    const char *const *v = NAMES("市民センター", "S-1", "welfare", "37.5", "137", "発電機");
    struct fmt_result r;
    char err[256] = "";

    CHECK(fmt_check_row(FMT_SHELTERS, n, v, 6, &r, err, sizeof err) == PM_OK);
    CHECK(r.nrows == 1 && r.nrejects == 0);
    CHECK_STR(cell(&r, 0, "external_id"), "S-1");
    CHECK_STR(cell(&r, 0, "backup_power"), "generator");
    CHECK_STR(cell(&r, 0, "backup_h"), "0");
    CHECK_STR(cell(&r, 0, "status"), "open");
    CHECK_STR(cell(&r, 0, "welfare"), "t");       /* a 福祉避難所 accepts care */
    CHECK(cell(&r, 0, "notes") == NULL);
    CHECK(r.present[col_index(&r, "name")] && r.present[col_index(&r, "backup_power")]);
    CHECK(!r.present[col_index(&r, "backup_h")] && !r.present[col_index(&r, "notes")]);
    fmt_result_release(&r);
}

static void one_record_should_be_refused_naming_the_field(void)
{
    struct fmt_result r;
    char err[256] = "";
    char long_name[1000];

    CHECK(fmt_check_row(FMT_CHILDREN, NAMES("external_id", "wings"), NAMES("C1", "2"), 2, &r,
                        err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_STR(err, "wings: unknown field");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, NAMES("external_id", "external_id"), NAMES("C1", "C2"), 2,
                        &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_STR(err, "external_id: given twice");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, NAMES("external_id", "lat"), NAMES("C1", "95"), 2, &r, err,
                        sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "lat: \"95\" is not a latitude");
    CHECK(r.nrows == 0 && r.nrejects == 1);
    fmt_result_release(&r);
    memset(long_name, 0, sizeof long_name);
    for (int i = 0; i < 301; i++)
        strcat(long_name, "あ");
    CHECK(fmt_check_row(FMT_CHILDREN, NAMES("external_id", "name"), NAMES("C1", long_name), 2,
                        &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_STR(err, "name: longer than 300 characters (301)");
    fmt_result_release(&r);
    long_name[300 * 3] = '\0';
    CHECK(fmt_check_row(FMT_CHILDREN, NAMES("external_id", "name"), NAMES("C1", long_name), 2,
                        &r, err, sizeof err) == PM_OK);
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_FACILITIES, NAMES("external_id", "name", "lat", "lon"),
                        NAMES("F1", "x", "37", "137"), 4, &r, err, sizeof err)
          == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "kind: empty; expected one of child_development_center|");
    fmt_result_release(&r);
}

#define SUP(n, rel, ph, ad) "{\"name\":" n ",\"relation\":" rel ",\"phone\":" ph ",\"address\":" ad "}"

static void structured_lists_should_read_the_text_form_and_json(void)
{
    const char *const *n = NAMES("external_id", "supporters", "medical_contacts", "sources");
    struct fmt_result r;
    char err[256] = "";

    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1",
                        " 山田 花子 | 祖母 |090-0000-0000|架空市1-2；佐藤\\;一郎\\|二郎||;",
                        "主治医|架空 医師|架空病院|0767;device_dealer||架空メディカル",
                        "健康課|２０２４／４／１;保育課"), 4, &r, err, sizeof err) == PM_OK);
    CHECK_STR(cell(&r, 0, "supporters"),
              "[" SUP("\"山田 花子\"", "\"祖母\"", "\"090-0000-0000\"", "\"架空市1-2\"") ","
              SUP("\"佐藤;一郎|二郎\"", "null", "null", "null") "]");
    CHECK_STR(cell(&r, 0, "medical_contacts"),
              "[{\"role\":\"doctor\",\"name\":\"架空 医師\",\"organisation\":\"架空病院\","
              "\"phone\":\"0767\"},{\"role\":\"device_dealer\",\"name\":null,"
              "\"organisation\":\"架空メディカル\",\"phone\":null}]");
    CHECK_STR(cell(&r, 0, "sources"), "[{\"department\":\"健康課\",\"date\":\"2024-04-01\"},"
                                      "{\"department\":\"保育課\",\"date\":null}]");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1", "[\"A\",{\"name\":\"B\",\"phone\":null}]",
                        "[]", ""), 4, &r, err, sizeof err) == PM_OK);
    CHECK_STR(cell(&r, 0, "supporters"), "[" SUP("\"A\"", "null", "null", "null") ","
              SUP("\"B\"", "null", "null", "null") "]");
    CHECK_STR(cell(&r, 0, "medical_contacts"), "[]");
    CHECK_STR(cell(&r, 0, "sources"), "[]");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1", "|祖母", "", ""), 4, &r, err, sizeof err)
          == PM_ERR_BAD_REQUEST);
    CHECK_STR(err, "supporters: entry 1: name is empty");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1", "", "wizard|x", ""), 4, &r, err, sizeof err)
          == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "medical_contacts: entry 1: role \"wizard\" is not one of doctor|");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1", "[{\"name\":1}]", "", ""), 4, &r, err,
                        sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "supporters: entry 1: values must be strings or null");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_CHILDREN, n, NAMES("C1", "a|b|c|d|e", "", ""), 4, &r, err,
                        sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "more than 4 fields");
    fmt_result_release(&r);
}

static void intermittent_devices_should_say_minutes_per_hour(void)
{
    const char *const *n = NAMES("child_external_id", "type", "power_w", "battery_h", "duty",
                                 "minutes_per_hour");
    struct fmt_result r;
    char err[256] = "";

    CHECK(fmt_check_row(FMT_DEVICES, n, NAMES("C1", "suction", "40", "1", "間欠", "10"), 6, &r,
                        err, sizeof err) == PM_OK);
    CHECK_STR(cell(&r, 0, "duty"), "intermittent");
    CHECK_STR(cell(&r, 0, "minutes_per_hour"), "10");
    CHECK_STR(cell(&r, 0, "backup_h"), "0");
    CHECK(cell(&r, 0, "charge_h") == NULL);
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_DEVICES, n, NAMES("C1", "suction", "40", "1", "intermittent", ""), 6,
                        &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "minutes_per_hour: empty while duty is intermittent");
    fmt_result_release(&r);
    CHECK(fmt_check_row(FMT_DEVICES, n, NAMES("C1", "suction", "40", "1", "continuous", "0"), 6,
                        &r, err, sizeof err) == PM_ERR_BAD_REQUEST);
    CHECK_CONTAINS(err, "minutes_per_hour: \"0\" is not a number in (0, 60]");
    fmt_result_release(&r);
}

static void a_file_row_and_one_record_should_give_the_same_values(void)
{
    static const char file[] =
        "external_id,name,sex,care,supporters,home_battery_wh,consent_date\n"
        "C9,例示,女,ventilator;suction,\"A|祖母;B\",\"1,024\",2025/4/1\n";
    const char *const *n = NAMES("external_id", "name", "sex", "care", "supporters",
                                 "home_battery_wh", "consent_date");
    const char *const *v = NAMES("C9", "例示", "女", "ventilator;suction", "A|祖母;B", "1,024",
                                 "2025/4/1");
    struct fmt_result a, b;
    char err[256] = "";

    CHECK(parse_str(FMT_CHILDREN, file, &a, err, sizeof err) == PM_OK && a.nrows == 1);
    CHECK(fmt_check_row(FMT_CHILDREN, n, v, 7, &b, err, sizeof err) == PM_OK);
    for (size_t i = 0; i < a.ncols && a.nrows == 1 && b.nrows == 1; i++) {
        const char *x = a.rows[0].fields[i], *y = b.rows[0].fields[i];

        CHECK((!x && !y) || (x && y && strcmp(x, y) == 0));
        CHECK(a.present[i] == b.present[i]);
    }
    CHECK_STR(cell(&b, 0, "sex"), "female");
    CHECK_STR(cell(&b, 0, "home_battery_wh"), "1024");
    CHECK_STR(cell(&b, 0, "consent_date"), "2025-04-01");
    fmt_result_release(&a);
    fmt_result_release(&b);
}

UNIT_MAIN(
    UNIT_TEST(nanao_file_should_give_112_shelters_and_no_rejects),
    UNIT_TEST(indoor_capacity_should_be_taken_from_free_text),
    UNIT_TEST(capacity_text_without_a_figure_should_be_rejected),
    UNIT_TEST(digital_agency_file_should_say_emergency_site_and_welfare),
    UNIT_TEST(gsi_sjis_file_should_round_trip_japanese_names),
    UNIT_TEST(gsi_shelter_file_should_mark_yohairyosha_as_welfare),
    UNIT_TEST(shelters_file_should_reject_only_its_bad_line),
    UNIT_TEST(children_file_should_give_array_literals_and_dates),
    UNIT_TEST(devices_file_should_allow_several_devices_per_child),
    UNIT_TEST(power_points_file_should_default_hours_and_keep_windows),
    UNIT_TEST(booleans_should_accept_every_spreadsheet_form),
    UNIT_TEST(booleans_should_reject_anything_else),
    UNIT_TEST(power_w_should_reject_negative_numbers_naming_the_column),
    UNIT_TEST(numbers_should_accept_full_width_digits_and_separators),
    UNIT_TEST(counts_should_reject_fractions_and_misplaced_commas),
    UNIT_TEST(coordinates_should_be_in_range_and_come_in_pairs),
    UNIT_TEST(child_without_home_point_or_address_should_be_kept),
    UNIT_TEST(birth_date_should_be_a_real_calendar_date),
    UNIT_TEST(mobility_and_care_should_reject_unknown_values),
    UNIT_TEST(shelter_kind_and_status_should_reject_unknown_values),
    UNIT_TEST(power_point_kind_status_and_hours_should_reject_unknown_values),
    UNIT_TEST(duplicate_external_id_should_name_the_earlier_line),
    UNIT_TEST(several_problems_in_a_row_should_all_be_named),
    UNIT_TEST(columns_should_match_by_name_in_any_order),
    UNIT_TEST(missing_required_columns_should_fail_the_whole_file),
    UNIT_TEST(rows_with_extra_fields_should_be_rejected_and_empty_rows_skipped),
    UNIT_TEST(text_should_be_kept_raw_for_the_db_layer_to_escape),
    UNIT_TEST(kind_names_should_map_both_spellings),
    UNIT_TEST(one_record_should_be_checked_by_name_with_defaults_for_the_rest),
    UNIT_TEST(one_record_should_be_refused_naming_the_field),
    UNIT_TEST(structured_lists_should_read_the_text_form_and_json),
    UNIT_TEST(intermittent_devices_should_say_minutes_per_hour),
    UNIT_TEST(a_file_row_and_one_record_should_give_the_same_values)
)
