/* test_csv.c -- decoding and RFC 4180 splitting of server/csv.c. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "server/csv.h"
#include "server/util.h"
#include "unit.h"

/* Parse a NUL-terminated literal; the caller releases t. */
static int parse(struct csv_table *t, const char *s, char *err, size_t errlen)
{
    return csv_parse(t, s, strlen(s), err, errlen);
}

static const char *field(const struct csv_table *t, size_t rec, size_t i)
{
    if (rec >= t->nrecords)
        return NULL;
    return csv_field(t, &t->records[rec], i);
}

static void parse_should_split_quoted_fields_with_commas_quotes_and_newlines(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n", err, sizeof err) == 0);
    CHECK(t.nrecords == 2);
    CHECK(t.records[1].count == 3);
    CHECK_STR(field(&t, 1, 0), "x, y");
    CHECK_STR(field(&t, 1, 1), "say \"hi\"");
    CHECK_STR(field(&t, 1, 2), "two\nlines");
    CHECK_STR(t.encoding, "utf-8");
    csv_release(&t);
}

static void parse_should_accept_crlf_and_a_missing_final_newline(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "id,name\r\n1,one\r\n2,\"t\r\nwo\"", err, sizeof err) == 0);
    CHECK(t.nrecords == 3);
    CHECK_STR(field(&t, 1, 1), "one");
    CHECK_STR(field(&t, 2, 0), "2");
    CHECK_STR(field(&t, 2, 1), "t\r\nwo");     /* inside quotes nothing changes */
    CHECK(t.records[2].line == 3);
    csv_release(&t);
}

static void parse_should_keep_empty_fields_and_a_trailing_comma(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "a,b,c\n,,\n1,,\"\"\nx,\n", err, sizeof err) == 0);
    CHECK(t.nrecords == 4);
    CHECK(t.records[1].count == 3);
    CHECK_STR(field(&t, 1, 2), "");
    CHECK_STR(field(&t, 2, 0), "1");
    CHECK_STR(field(&t, 2, 2), "");
    CHECK(t.records[3].count == 2);
    CHECK_STR(field(&t, 3, 1), "");
    CHECK(field(&t, 3, 2) == NULL);
    csv_release(&t);
}

static void parse_should_skip_blank_lines_but_count_them(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "\nh1,h2\n\n1,2\r\n   \r\n\n3,4\n\n", err, sizeof err) == 0);
    CHECK(t.nrecords == 3);
    CHECK(t.records[0].line == 2);
    CHECK(t.records[1].line == 4);
    CHECK(t.records[2].line == 7);
    CHECK_STR(field(&t, 2, 1), "4");
    csv_release(&t);
}

static void line_numbers_should_count_newlines_inside_quoted_fields(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "id,note\n1,\"a\nb\nc\"\n2,plain\n3,\"x\r\ny\"\r\n4,end\n", err,
                sizeof err) == 0);
    CHECK(t.nrecords == 5);
    CHECK(t.records[1].line == 2);
    CHECK(t.records[2].line == 5);
    CHECK(t.records[3].line == 6);
    CHECK(t.records[4].line == 8);
    CHECK_STR(field(&t, 4, 0), "4");
    csv_release(&t);
}

static void parse_should_trim_spaces_around_unquoted_fields_only(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, " a , b \n  x  , \"  y  \" \n", err, sizeof err) == 0);
    CHECK_STR(field(&t, 0, 0), "a");
    CHECK_STR(field(&t, 0, 1), "b");
    CHECK_STR(field(&t, 1, 0), "x");
    CHECK_STR(field(&t, 1, 1), "  y  ");
    csv_release(&t);
}

static void parse_should_keep_text_after_a_closing_quote(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "\"ab\"cd,e\"f\n", err, sizeof err) == 0);
    CHECK_STR(field(&t, 0, 0), "abcd");
    CHECK_STR(field(&t, 0, 1), "e\"f");
    csv_release(&t);
}

static void parse_should_report_an_unclosed_quote_with_its_line(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "a,b\n1,2\n3,\"never\nclosed\n", err, sizeof err) == -1);
    CHECK(strstr(err, "line 3") != NULL);
    CHECK(t.records == NULL && t.text == NULL);
    csv_release(&t);
}

static void decode_should_strip_a_utf8_bom(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(parse(&t, "\xEF\xBB\xBFid,\xE5\x90\x8D\xE7\xA7\xB0\n1,x\n", err, sizeof err) == 0);
    CHECK_STR(t.encoding, "utf-8-bom");
    CHECK_STR(field(&t, 0, 0), "id");
    CHECK_STR(field(&t, 0, 1), "名称");
    csv_release(&t);
}

static void decode_should_convert_cp932_to_utf8(void)
{
    /* "名前\r\n七尾,髙" in CP932: 髙 (FB FC) exists only in the Microsoft table */
    static const char sjis[] = "\x96\xBC\x91\x4F\r\n\x8E\xB5\x94\xF6,\xFB\xFC\r\n";
    struct csv_table t;
    char err[256] = "";

    CHECK(csv_parse(&t, sjis, sizeof sjis - 1, err, sizeof err) == 0);
    CHECK_STR(t.encoding, "cp932");
    CHECK(t.nrecords == 2);
    CHECK_STR(field(&t, 0, 0), "名前");
    CHECK_STR(field(&t, 1, 0), "七尾");
    CHECK_STR(field(&t, 1, 1), "髙");
    csv_release(&t);
}

static void decode_should_not_take_an_overlong_form_for_utf8(void)
{
    /* C0 AF is an overlong '/' in UTF-8 but two half-width katakana in CP932 */
    static const char bytes[] = "ab\xC0\xAF";
    char *out = NULL, err[256] = "";
    size_t len = 0;
    const char *enc = NULL;

    CHECK(csv_decode(bytes, sizeof bytes - 1, &out, &len, &enc, err, sizeof err) == 0);
    CHECK_STR(enc, "cp932");
    CHECK_STR(out, "abﾀｯ");
    CHECK(len == 8);
    free(out);
}

static void decode_should_name_the_offset_of_undecodable_bytes(void)
{
    /* 七 in CP932 (not UTF-8 at offset 0), then FF, which CP932 lacks */
    static const char bad[] = "\x8E\xB5\xFF";
    char *out = NULL, err[256] = "";
    size_t len;
    const char *enc = NULL;

    CHECK(csv_decode(bad, sizeof bad - 1, &out, &len, &enc, err, sizeof err) == -1);
    CHECK(strstr(err, "UTF-8 (invalid byte at offset 0)") != NULL);
    CHECK(strstr(err, "CP932 (invalid byte at offset 2)") != NULL);
    CHECK(enc == NULL);
}

static void decode_should_reject_nul_bytes_as_in_utf16(void)
{
    static const char utf16[] = "\xFF\xFEi\0d\0";
    struct csv_table t;
    char err[256] = "";

    CHECK(csv_parse(&t, utf16, sizeof utf16 - 1, err, sizeof err) == -1);
    CHECK(strstr(err, "byte 3 is NUL") != NULL);
    csv_release(&t);
}

static void decode_should_accept_an_empty_input(void)
{
    struct csv_table t;
    char err[256] = "";

    CHECK(csv_parse(&t, "", 0, err, sizeof err) == 0);
    CHECK(t.nrecords == 0);
    CHECK_STR(t.encoding, "utf-8");
    csv_release(&t);
}

static void release_should_accept_null_and_a_released_table(void)
{
    struct csv_table t;
    char err[256] = "";

    csv_release(NULL);
    CHECK(parse(&t, "a\n", err, sizeof err) == 0);
    csv_release(&t);
    csv_release(&t);
    CHECK(t.fields == NULL && t.nfields == 0);
}

/* 80,000 rows of 20 columns: checks correctness at size and prints the time
 * (a figure, not a limit: the brief asks for well under a second). */
static void parse_should_split_80000_rows_of_20_columns(void)
{
    enum { ROWS = 80000, COLS = 20 };
    size_t cap = (size_t)ROWS * COLS * 16 + 1024, n = 0;
    char *buf = malloc(cap), err[256] = "";
    struct csv_table t;
    struct timespec a, b;

    CHECK(buf != NULL);
    if (!buf)
        return;
    for (int c = 0; c < COLS; c++)
        n += (size_t)sprintf(buf + n, "%scol%d", c ? "," : "", c);
    buf[n++] = '\n';
    for (int r = 0; r < ROWS; r++) {
        for (int c = 0; c < COLS; c++) {
            if (c == 3)
                n += (size_t)sprintf(buf + n, ",\"q,%d\"", r * COLS + c);
            else
                n += (size_t)sprintf(buf + n, "%s%d", c ? "," : "", r * COLS + c);
        }
        buf[n++] = '\n';
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK(csv_parse(&t, buf, n, err, sizeof err) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(t.nrecords == ROWS + 1);
    CHECK(t.nfields == (size_t)(ROWS + 1) * COLS);
    CHECK_STR(field(&t, ROWS, 3), "q,1599983");
    CHECK_STR(field(&t, ROWS, 19), "1599999");
    CHECK(t.records[ROWS].line == ROWS + 1);
    printf("  csv_parse: %d rows x %d columns in %.1f ms\n", ROWS, COLS,
           (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    csv_release(&t);
    free(buf);
}

/* The text csv_write_cell gives one cell (the last of its row). */
static char *written(const char *cell)
{
    struct pm_buf b;

    pm_buf_init(&b);
    csv_write_cell(&b, cell, 1);
    return pm_buf_steal(&b, NULL);
}

#define CHECK_WRITTEN(in, want)                                            \
    do {                                                                   \
        char *got_ = written(in);                                          \
        CHECK_STR(got_, want);                                             \
        free(got_);                                                        \
    } while (0)

static void writer_should_neutralise_cells_a_spreadsheet_would_run(void)
{
    CHECK_WRITTEN("=HYPERLINK(\"http://x.invalid\",\"押して\")",
                  "\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"押して\"\")\"\r\n");
    CHECK_WRITTEN("+1-555;cmd", "\"'+1-555;cmd\"\r\n");
    CHECK_WRITTEN("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"\r\n");
    CHECK_WRITTEN("-2+3", "\"'-2+3\"\r\n");
    CHECK_WRITTEN("\tcmd", "\"'\tcmd\"\r\n");
    CHECK_WRITTEN("\rcmd", "\"'\rcmd\"\r\n");
    /* numbers, ordinary names and empty cells are written as they are */
    CHECK_WRITTEN("-12.5", "-12.5\r\n");
    CHECK_WRITTEN("-3", "-3\r\n");
    CHECK_WRITTEN("例示 さくら", "例示 さくら\r\n");
    CHECK_WRITTEN("a=b", "a=b\r\n");
    CHECK_WRITTEN("", "\r\n");
    CHECK_WRITTEN(NULL, "\r\n");
}

static void writer_should_quote_commas_quotes_and_line_breaks(void)
{
    struct pm_buf b;
    char *got;

    CHECK_WRITTEN("a,b", "\"a,b\"\r\n");
    CHECK_WRITTEN("say \"hi\"", "\"say \"\"hi\"\"\"\r\n");
    CHECK_WRITTEN("two\nlines", "\"two\nlines\"\r\n");
    pm_buf_init(&b);
    csv_write_cell(&b, "x", 0);
    csv_write_cell(&b, "y", 1);
    got = pm_buf_steal(&b, NULL);
    CHECK_STR(got, "x,y\r\n");
    free(got);
}


/* The array growth csv.c (and plan_doc.c) use, from server/util.c. */
static void grow_should_double_from_the_first_size_and_refuse_overflow(void)
{
    size_t cap = 0;
    int *a = pm_grow(NULL, 0, &cap, sizeof *a, 4), *b;

    CHECK(a && cap == 4);
    CHECK(pm_grow(a, 3, &cap, sizeof *a, 4) == a && cap == 4);     /* still room */
    b = pm_grow(a, 4, &cap, sizeof *a, 4);
    CHECK(b && cap == 8);
    if (b)
        a = b;
    cap = SIZE_MAX / 2 + 1;
    CHECK(pm_grow(a, cap, &cap, sizeof *a, 4) == NULL && cap == SIZE_MAX / 2 + 1);
    free(a);
}

static void finish_should_hand_over_the_text_or_nothing_after_a_failed_append(void)
{
    struct pm_buf b;
    size_t len = 0;
    char *s;

    pm_buf_init(&b);
    pm_buf_puts(&b, "abc");
    s = pm_buf_finish(&b, &len);
    CHECK_STR(s, "abc");
    CHECK(len == 3);
    free(s);
    pm_buf_init_max(&b, 4);
    pm_buf_puts(&b, "abcdef");              /* past the cap: remembered as oom */
    CHECK(pm_buf_finish(&b, NULL) == NULL);
    CHECK(b.data == NULL && b.len == 0);
}

UNIT_MAIN(
    UNIT_TEST(writer_should_neutralise_cells_a_spreadsheet_would_run),
    UNIT_TEST(writer_should_quote_commas_quotes_and_line_breaks),
    UNIT_TEST(parse_should_split_quoted_fields_with_commas_quotes_and_newlines),
    UNIT_TEST(parse_should_accept_crlf_and_a_missing_final_newline),
    UNIT_TEST(parse_should_keep_empty_fields_and_a_trailing_comma),
    UNIT_TEST(parse_should_skip_blank_lines_but_count_them),
    UNIT_TEST(line_numbers_should_count_newlines_inside_quoted_fields),
    UNIT_TEST(parse_should_trim_spaces_around_unquoted_fields_only),
    UNIT_TEST(parse_should_keep_text_after_a_closing_quote),
    UNIT_TEST(parse_should_report_an_unclosed_quote_with_its_line),
    UNIT_TEST(decode_should_strip_a_utf8_bom),
    UNIT_TEST(decode_should_convert_cp932_to_utf8),
    UNIT_TEST(decode_should_not_take_an_overlong_form_for_utf8),
    UNIT_TEST(decode_should_name_the_offset_of_undecodable_bytes),
    UNIT_TEST(decode_should_reject_nul_bytes_as_in_utf16),
    UNIT_TEST(decode_should_accept_an_empty_input),
    UNIT_TEST(release_should_accept_null_and_a_released_table),
    UNIT_TEST(parse_should_split_80000_rows_of_20_columns),
    UNIT_TEST(grow_should_double_from_the_first_size_and_refuse_overflow),
    UNIT_TEST(finish_should_hand_over_the_text_or_nothing_after_a_failed_append)
)
