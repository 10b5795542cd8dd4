/* test_layouts.c -- published values (server/jptext.c) and layouts
 * (server/layouts.c): header variants, marks, capacities, 和暦, ids. */
#include <stdlib.h>

#include "server/csv.h"
#include "server/jptext.h"
#include "server/layouts.h"
#include "unit.h"

/* ------------------------------------------------------------- values */

static int yes(const char *s)
{
    char note[64];

    return jp_yesno(s, note, sizeof note);
}

static void yesno_should_read_every_published_mark(void)
{
    static const char *const y[] = {
        "○", "◯", "〇", "●", "◎", "有", "あり", "可", "1", "1.0", "yes", "１", "１．０", "TRUE", NULL
    };
    static const char *const n[] = {
        "×", "✕", "－", "-", "無", "なし", "0", "", "  ", "false", "０", NULL
    };

    for (int i = 0; y[i]; i++) {
        if (yes(y[i]) != 1)
            fprintf(stderr, "  yes mark %s\n", y[i]);
        CHECK(yes(y[i]) == 1);
    }
    for (int i = 0; n[i]; i++) {
        if (yes(n[i]) != 0)
            fprintf(stderr, "  no mark [%s]\n", n[i]);
        CHECK(yes(n[i]) == 0);
    }
    CHECK(yes("たぶん") == -1);
    CHECK(yes("2") == -1);
}

/* A value in and what should come out; want NULL: refused. */
struct case_text {
    const char *in, *want;
};

/* Runs f, which writes its answer into out (at most 15 bytes) and returns 0,
 * or refuses with another value, over the n cases of t. */
static void check_cases(int (*f)(const char *, char *), const struct case_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[16] = "";
        int rc = f(t[i].in, out);

        if (t[i].want ? rc != 0 || strcmp(out, t[i].want) != 0 : rc == 0)
            fprintf(stderr, "  case [%s]\n", t[i].in);
        if (!t[i].want) {
            CHECK(rc != 0);
            continue;
        }
        CHECK(rc == 0);
        CHECK_STR(out, t[i].want);
    }
}

static void yesno_should_keep_the_note_of_an_annotated_mark(void)
{
    static const struct case_text t[] = {
        { "○(2階)", "2階" }, { "○（２階）", "2階" }, { "〇 2階以上", "2階以上" }, { "○", "" },
    };
    char note[64];

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        CHECK(jp_yesno(t[i].in, note, sizeof note) == 1);
        CHECK_STR(note, t[i].want);
    }
}

static void capacity_should_be_the_indoor_figure_else_the_first_number(void)
{
    static const struct {
        const char *in;
        long want;                          /* -1: no figure, -2: not a capacity */
    } t[] = {
        { "屋内1,371人／屋外5,470人（面積の1/2）", 1371 }, { "屋外5,470人／屋内1,371人", 1371 },
        { "800(2㎡あたり1人)", 800 }, { "273(3㎡あたり1人）", 273 }, { "約500人", 500 },
        { "１，２００", 1200 }, { "", -1 }, { "-", -1 }, { "不明", -1 }, { "屋外5,470人", -1 },
        { "たくさん", -2 },
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (jp_capacity(t[i].in) != t[i].want)
            fprintf(stderr, "  capacity [%s]\n", t[i].in);
        CHECK(jp_capacity(t[i].in) == t[i].want);
    }
}

static void dates_should_read_wareki_in_every_written_form(void)
{
    static const struct case_text t[] = {
        { "令和2年1月1日", "2020-01-01" }, { "令和元年5月1日", "2019-05-01" },
        { "R2.1.1", "2020-01-01" }, { "H30/4/1", "2018-04-01" },
        { "平成３０年４月１日", "2018-04-01" }, { "2019/11/03", "2019-11-03" },
        { "2019-11-03 00:00:00", "2019-11-03" },
        { "42472", "2016-04-12" },          /* an Excel date cell read as its number */
        { "20200101", "2020-01-01" }, { "S64.1.7", "1989-01-07" },
        /* 平成 began on 8 January 1989; 令和 on 1 May 2019 */
        { "H1.1.7", NULL }, { "令和1年4月30日", NULL }, { "R2.2.30", NULL }, { "そのうち", NULL },
    };

    check_cases(jp_date, t, sizeof t / sizeof t[0]);
}

static void municipality_codes_should_gain_or_check_their_check_digit(void)
{
    static const struct case_text t[] = {
        { "17202", "172022" }, { "172022", "172022" }, { "１７２０２２", "172022" },
        { "172023", NULL }, { "1720", NULL },
    };

    check_cases(jp_municipality, t, sizeof t / sizeof t[0]);
}

static void names_should_lose_their_line_breaks(void)
{
    char *s = jp_one_line("七尾市立\n御祓小学校");

    CHECK_STR(s, "七尾市立御祓小学校");
    free(s);
    s = jp_one_line("Community\r\nCenter ");
    CHECK_STR(s, "Community Center");
    free(s);
}

static void care_words_should_become_canonical_items(void)
{
    char out[128], unk[128];

    CHECK(jp_care("人工呼吸器、気管切開・吸引\n経管栄養（胃ろう）", out, sizeof out, unk,
                  sizeof unk) == 0);
    CHECK_STR(out, "ventilator;tracheostomy;suction;tube_feeding");
    CHECK_STR(unk, "");
    CHECK(jp_care("在宅酸素,導尿", out, sizeof out, unk, sizeof unk) == 0);
    CHECK_STR(out, "oxygen;other");
    CHECK_STR(unk, "導尿");
    CHECK(jp_care("ventilator;suction", out, sizeof out, unk, sizeof unk) == 0);
    CHECK_STR(out, "ventilator;suction");
    CHECK_STR(jp_device_type("人工呼吸器（NPPV）"), "ventilator");
    CHECK_STR(jp_device_type("酸素濃縮器"), "oxygen_concentrator");
    CHECK(jp_device_type("謎の箱") == NULL);
}

/* ------------------------------------------------------------- layouts */

static int translate(const char *kind, const char *text, struct layout_result *r,
                     struct layout_msg *err, const char *muni)
{
    struct csv_table t;
    struct layout_opts o = { muni };
    char e[256];
    int rc;

    if (csv_parse(&t, text, strlen(text), e, sizeof e) != 0) {
        fprintf(stderr, "  csv: %s\n", e);
        memset(r, 0, sizeof *r);
        memset(err, 0, sizeof *err);
        return -2;
    }
    rc = layout_translate(kind, &t, &o, r, err);
    csv_release(&t);
    return rc;
}

static void headers_should_match_through_nfkc_and_the_variant_table(void)
{
    static const struct {
        const char *kind, *header, *column; /* column NULL: no column */
    } t[] = {
        { "shelters", "ＮＯ", "external_id" }, { "shelters", "想定収用人数", "capacity" },
        { "shelters", "災害種別_崖崩れ_土石流及び地滑り", "landslide" },
        { "shelters", "災害種別_崖崩れ、土石流及び地滑り", "landslide" },
        { "shelters", "lat", "lat" }, { "shelters", "市区町村コード", "municipality" },
        { "children", "フリガナ", "name_kana" }, { "children", "消費電力(W)", "power_w" },
        { "shelters", "標高", NULL },
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (t[i].column)
            CHECK_STR(layout_column_for(t[i].kind, t[i].header), t[i].column);
        else
            CHECK(layout_column_for(t[i].kind, t[i].header) == NULL);
    }
}

static void an_older_prefecture_layout_should_be_rewritten_with_prefixed_ids(void)
{
    static const char text[] =
        "ＮＯ,名称,住所,方書,市区町村コード,lat,lon,災害種別_洪水,災害種別_崖崩れ_土石流及び地滑り,想定収用人数\n"
        "1,\"見本\n公民館\",石川県七尾市見本町1,2階,172022,37.0,136.9,〇,○(2階),800(2㎡あたり1人)\n"
        "1,例示小学校,石川県見本市例示町2,,17203,37.1,136.8,×,,屋内120人／屋外300人\n";
    struct layout_result r;
    struct layout_msg err;

    CHECK(translate("shelters", text, &r, &err, NULL) == 0);
    CHECK_STR(r.layout, "digital-agency-prefecture");
    CHECK(r.rows == 2 && r.nrejects == 0);
    if (r.canonical) {
        CHECK(strstr(r.canonical, "\"172022-1\",") != NULL);
        CHECK(strstr(r.canonical, "\"172031-1\",") != NULL);
        CHECK(strstr(r.canonical, "\"見本公民館\"") != NULL);
        CHECK(strstr(r.canonical, "\"石川県七尾市見本町1 2階\"") != NULL);
        CHECK(strstr(r.canonical, "\"800\"") != NULL);
        CHECK(strstr(r.canonical, "\"120\"") != NULL);
        /* the second record starts on line 4 of the file: so it does in the text */
        CHECK(strstr(r.canonical, "\n\n\"") != NULL);
    }
    layout_result_release(&r);
    layout_msg_release(&err);
}

static void an_unknown_file_should_name_its_columns_and_the_nearest_layout(void)
{
    struct layout_result r;
    struct layout_msg err;

    CHECK(translate("shelters", "番地,色,味\n1,赤,甘い\n", &r, &err, NULL) == -1);
    CHECK_STR(err.code, "unknown_layout");
    CHECK(err.ja && strstr(err.ja, "番地, 色, 味") && strstr(err.ja, "最も近い形式"));
    layout_result_release(&r);
    layout_msg_release(&err);
}

static void rows_without_an_id_should_get_a_stable_one_and_a_warning(void)
{
    static const char text[] = "ID,名称,緯度,経度\n,見本避難所,37.1,136.9\n,見本避難所,37.1,136.9\n";
    struct layout_result a, b;
    struct layout_msg err;

    CHECK(translate("shelters", text, &a, &err, "17202") == 0);
    CHECK(translate("shelters", text, &b, &err, "17202") == 0);
    CHECK(a.nwarnings == 2 && a.canonical && b.canonical);
    if (a.canonical && b.canonical) {
        CHECK(strcmp(a.canonical, b.canonical) == 0);
        CHECK(strstr(a.canonical, "\"172022-x") != NULL);
    }
    layout_result_release(&a);
    layout_result_release(&b);
}

UNIT_MAIN(
    UNIT_TEST(yesno_should_read_every_published_mark),
    UNIT_TEST(yesno_should_keep_the_note_of_an_annotated_mark),
    UNIT_TEST(capacity_should_be_the_indoor_figure_else_the_first_number),
    UNIT_TEST(dates_should_read_wareki_in_every_written_form),
    UNIT_TEST(municipality_codes_should_gain_or_check_their_check_digit),
    UNIT_TEST(names_should_lose_their_line_breaks),
    UNIT_TEST(care_words_should_become_canonical_items),
    UNIT_TEST(headers_should_match_through_nfkc_and_the_variant_table),
    UNIT_TEST(an_older_prefecture_layout_should_be_rewritten_with_prefixed_ids),
    UNIT_TEST(an_unknown_file_should_name_its_columns_and_the_nearest_layout),
    UNIT_TEST(rows_without_an_id_should_get_a_stable_one_and_a_warning)
)
