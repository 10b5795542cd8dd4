/* routes_roster.c -- the 名簿 (roster): GET /v1/children with its filters,
 * sort and paging (issue 17), and the same filtered list as CSV or Excel
 * (f=csv|xlsx).  routes_registry.c hands the children's list here.
 *
 * Every parameter is checked before the database is asked: a wrong one is a
 * 400 whose message says in Japanese what to write, with the parameter's
 * name in "param".  The filters are parameters of one prepared statement
 * (roster_filter, sql/queries_roster.sql); nothing typed reaches SQL text.
 * The ids of the children listed or written out are audited before a record
 * of them is read, as every read of children is.
 *
 * A cell of the export that a spreadsheet would run as a formula (starting
 * with = + - @, a tab or a carriage return) is written with a leading ', so
 * that a name like =HYPERLINK(...) stays text (OWASP CSV injection). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xlsxwriter.h>

#include "server/db.h"
#include "server/maps.h"
#include "server/routes.h"

#define ROSTER_TEXT_MAX 200         /* bytes of a search word */
#define ROSTER_EXPORT_MAX 100000    /* children in one export */

enum { P_Q, P_CARE, P_AGE_LO, P_AGE_HI, P_DISTRICT, P_DEPARTMENT, P_AFFILIATION, P_DECISION,
       P_STATUS, P_REVIEW, P_SORT, P_DESC, P_LIMIT, P_OFFSET, P_COUNT };

/* The filter parameters of one request, as roster_filter takes them. */
struct roster_params {
    const char *p[P_COUNT];
    char age_lo[8], age_hi[8], limit[24], offset[24], sort[16];
    char care[160], affiliation[160], decision[80], status[48];
    char *text[3];                  /* q, district, department (owned) */
    const char *format;             /* json, csv, xlsx */
};

static const char *const allowed[] = {
    "q", "care", "age", "district", "department", "affiliation", "decision", "plan_status",
    "review_due", "sort", "limit", "offset", "f", NULL
};
static const char *const care_words[] = { "ventilator", "tracheostomy", "suction", "oxygen",
                                          "tube_feeding", "iv", "dialysis", "other", NULL };
static const char *const affiliation_words[] = { "home", "nursery", "kindergarten", "school",
                                                 "special_school", "day_service", "other",
                                                 "unknown", NULL };
static const char *const decision_words[] = { "stay_home", "charge", "evacuate", "unassigned",
                                              "none", NULL };
static const char *const status_words[] = { "draft", "agreed", "shared", NULL };
static const char *const sort_words[] = { "id", "external_id", "name", "name_kana", "age",
                                          "district", "care", "runtime_h", "decision",
                                          "plan_status", "review_date", NULL };

/* A 400 about parameter name (a static string), message in Japanese. */
static enum pm_err bad_param(struct http_req *r, const char *name, const char *msg)
{
    char detail[64];

    snprintf(detail, sizeof detail, "\"%s\"", name);
    http_fail(r, PM_ERR_BAD_REQUEST, "%s（%s）", msg, name);
    http_fail_detail(r, "param", detail);
    return r->err;
}

static int word_in(const char *const *words, const char *s, size_t n)
{
    for (; *words; words++)
        if (strlen(*words) == n && strncmp(*words, s, n) == 0)
            return 1;
    return 0;
}

/* A comma-separated list of words as a text[] literal in out ("{a,b}"), or
 * NULL in *p when the parameter is absent.  PM_OK or a recorded 400. */
static enum pm_err word_list(struct http_req *r, const char *name, const char *const *words,
                             const char *msg, char *out, size_t cap, const char **p)
{
    const char *v = http_query(r, name), *s;
    size_t used = 1;

    *p = NULL;
    if (!v)
        return PM_OK;
    out[0] = '{';
    for (s = v;;) {
        size_t n = strcspn(s, ",");

        if (!word_in(words, s, n) || used + n + 2 > cap)
            return bad_param(r, name, msg);
        memcpy(out + used, s, n);
        used += n;
        if (!s[n])
            break;
        out[used++] = ',';
        s += n + 1;
    }
    out[used++] = '}';
    out[used] = '\0';
    *p = out;
    return PM_OK;
}

/* A search word: trimmed of spaces (also U+3000), NULL when empty.  Valid
 * UTF-8 and at most ROSTER_TEXT_MAX bytes.  PM_OK or a recorded 400. */
static enum pm_err text_param(struct http_req *r, const char *name, char **out)
{
    const char *v = http_query(r, name);
    size_t n;
    utf8proc_int32_t cp;

    *out = NULL;
    if (!v)
        return PM_OK;
    for (;;) {
        if (*v == ' ' || *v == '\t')
            v++;
        else if (strncmp(v, "\xE3\x80\x80", 3) == 0)
            v += 3;
        else
            break;
    }
    n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n >= 3 && memcmp(v + n - 3, "\xE3\x80\x80", 3) == 0)
        n -= 3;
    if (n > ROSTER_TEXT_MAX)
        return bad_param(r, name, "検索語が長すぎます。200 バイト（全角でおよそ 66 文字）までにしてください");
    for (size_t i = 0; i < n;) {
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)v + i, (utf8proc_ssize_t)(n - i), &cp);

        if (k <= 0)
            return bad_param(r, name, "検索語の文字が読めません（UTF-8 で送ってください）");
        i += (size_t)k;
    }
    if (!n)
        return PM_OK;
    *out = strndup(v, n);
    return *out ? PM_OK : http_fail(r, PM_ERR_NOMEM, "out of memory");
}

/* age=LO-HI, LO- (and older), -HI or N (years, 0..150).  PM_OK or a 400. */
static enum pm_err age_param(struct http_req *r, struct roster_params *rp)
{
    const char *v = http_query(r, "age"), *dash;
    char lo[8] = "", hi[8] = "";
    long a, b;
    size_t n;

    rp->p[P_AGE_LO] = rp->p[P_AGE_HI] = NULL;
    if (!v)
        return PM_OK;
    dash = strchr(v, '-');
    n = dash ? (size_t)(dash - v) : strlen(v);
    if (n >= sizeof lo || (dash && strlen(dash + 1) >= sizeof hi))
        goto bad;
    memcpy(lo, v, n);
    lo[n] = '\0';
    snprintf(hi, sizeof hi, "%s", dash ? dash + 1 : lo);
    if ((!*lo && !*hi) || (*lo && pm_parse_long(lo, 0, 150, &a) < 0) ||
        (*hi && pm_parse_long(hi, 0, 150, &b) < 0) || (*lo && *hi && a > b))
        goto bad;
    if (*lo) {
        snprintf(rp->age_lo, sizeof rp->age_lo, "%ld", a);
        rp->p[P_AGE_LO] = rp->age_lo;
    }
    if (*hi) {
        snprintf(rp->age_hi, sizeof rp->age_hi, "%ld", b);
        rp->p[P_AGE_HI] = rp->age_hi;
    }
    return PM_OK;
bad:
    return bad_param(r, "age", "年齢は「0-2」「6-11」「18-」のように、0 から 150 の歳で書いてください");
}

/* sort=KEY or -KEY (descending).  PM_OK or a recorded 400. */
static enum pm_err sort_param(struct http_req *r, struct roster_params *rp)
{
    const char *v = http_query(r, "sort");
    int desc = v && v[0] == '-';

    if (!v)
        v = "id";
    if (!word_in(sort_words, v + desc, strlen(v + desc)))
        return bad_param(r, "sort", "並べ替えは id, external_id, name, name_kana, age, district, care, "
                                    "runtime_h, decision, plan_status, review_date のどれか"
                                    "（逆順は先頭に -）で指定してください");
    snprintf(rp->sort, sizeof rp->sort, "%s", v + desc);
    rp->p[P_SORT] = rp->sort;
    rp->p[P_DESC] = desc ? "t" : "f";
    return PM_OK;
}

/* limit and offset: a page of at most 10000 for JSON; the whole list (up to
 * ROSTER_EXPORT_MAX) by default for an export. */
static enum pm_err page_params(struct http_req *r, struct roster_params *rp, int export)
{
    long max = export ? ROSTER_EXPORT_MAX : 10000, limit, offset;
    const char *l = http_query(r, "limit"), *o = http_query(r, "offset");

    if (!l)
        limit = export ? ROSTER_EXPORT_MAX : 100;
    else if (pm_parse_long(l, 0, max, &limit) < 0)
        return bad_param(r, "limit", export ? "limit は 0 から 100000 の整数で指定してください"
                                            : "limit は 0 から 10000 の整数で指定してください");
    if (!o)
        offset = 0;
    else if (pm_parse_long(o, 0, 1000000000L, &offset) < 0)
        return bad_param(r, "offset", "offset は 0 以上の整数で指定してください");
    snprintf(rp->limit, sizeof rp->limit, "%ld", limit);
    snprintf(rp->offset, sizeof rp->offset, "%ld", offset);
    rp->p[P_LIMIT] = rp->limit;
    rp->p[P_OFFSET] = rp->offset;
    return PM_OK;
}

static void roster_params_release(struct roster_params *rp)
{
    for (int i = 0; i < 3; i++)
        free(rp->text[i]);
}

/* Reads and checks every parameter into rp (release it in every case).
 * PM_OK or a recorded 400. */
static enum pm_err roster_params_read(struct http_req *r, struct roster_params *rp)
{
    const char *review = http_query(r, "review_due");

    memset(rp, 0, sizeof *rp);
    rp->format = http_query(r, "f") ? http_query(r, "f") : "json";
    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (strcmp(rp->format, "json") != 0 && strcmp(rp->format, "csv") != 0 &&
        strcmp(rp->format, "xlsx") != 0)
        return bad_param(r, "f", "形式は json、csv、xlsx のどれかで指定してください");
    if (text_param(r, "q", &rp->text[0]) != PM_OK || text_param(r, "district", &rp->text[1]) != PM_OK ||
        text_param(r, "department", &rp->text[2]) != PM_OK)
        return r->err;
    rp->p[P_Q] = rp->text[0];
    rp->p[P_DISTRICT] = rp->text[1];
    rp->p[P_DEPARTMENT] = rp->text[2];
    if (word_list(r, "care", care_words, "医療的ケアは ventilator, tracheostomy, suction, oxygen, "
                  "tube_feeding, iv, dialysis, other をカンマ区切りで指定してください",
                  rp->care, sizeof rp->care, &rp->p[P_CARE]) != PM_OK ||
        word_list(r, "affiliation", affiliation_words, "所属は home, nursery, kindergarten, school, "
                  "special_school, day_service, other, unknown をカンマ区切りで指定してください",
                  rp->affiliation, sizeof rp->affiliation, &rp->p[P_AFFILIATION]) != PM_OK ||
        word_list(r, "decision", decision_words, "計画は stay_home, charge, evacuate, unassigned, none "
                  "をカンマ区切りで指定してください", rp->decision, sizeof rp->decision,
                  &rp->p[P_DECISION]) != PM_OK ||
        word_list(r, "plan_status", status_words, "計画の状態は draft, agreed, shared をカンマ区切りで"
                  "指定してください", rp->status, sizeof rp->status, &rp->p[P_STATUS]) != PM_OK)
        return r->err;
    if (review && strcmp(review, "true") != 0 && strcmp(review, "false") != 0)
        return bad_param(r, "review_due", "見直しは true か false で指定してください");
    rp->p[P_REVIEW] = review ? (review[0] == 't' ? "t" : "f") : NULL;
    if (age_param(r, rp) != PM_OK || sort_param(r, rp) != PM_OK ||
        page_params(r, rp, strcmp(rp->format, "json") != 0) != PM_OK)
        return r->err;
    return PM_OK;
}

/* ------------------------------------------------------------------------- */
/* The list as JSON                                                            */
/* ------------------------------------------------------------------------- */

/* Ends the list: "],"total":MATCHED}". */
static void list_suffix(struct pm_buf *b, void *cls, long returned, long long matched,
                        const char *last_key)
{
    (void)cls;
    (void)returned;
    (void)last_key;
    pm_buf_printf(b, "],\"total\":%lld}", matched < 0 ? 0 : matched);
}

/* Runs roster_filter: the page's ids, the count matching and registered.
 * NULL with a recorded 503. */
static PGresult *roster_filter(struct http_req *r, const struct roster_params *rp)
{
    PGresult *q = db_exec(r->db, "roster_filter", P_COUNT, rp->p);

    if (!db_ok(q) || PQntuples(q) != 1) {
        PQclear(q);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return NULL;
    }
    return q;
}

static enum pm_err roster_export(struct http_req *r, const struct roster_params *rp,
                                 const char *ids);

enum pm_err roster_list(struct http_req *r)
{
    struct roster_params rp;
    PGresult *q = NULL;
    struct maps_fc *fc;
    const char *p[2];
    char prefix[64];
    enum pm_err e;

    if (roster_params_read(r, &rp) != PM_OK || !http_db(r) || !(q = roster_filter(r, &rp))) {
        e = r->err;
        goto out;
    }
    if (strcmp(rp.format, "json") != 0) {
        /* Never a silently shortened list: without a limit asked for, an
         * export that cannot hold every matching child is refused. */
        if (!http_query(r, "limit") &&
            atoll(PQgetvalue(q, 0, 1)) - atoll(rp.offset) > ROSTER_EXPORT_MAX)
            e = http_fail(r, PM_ERR_UNPROCESSABLE, "一度に書き出せるのは %d 人までです。"
                          "絞り込むか、limit と offset で分けて書き出してください", ROSTER_EXPORT_MAX);
        else
            e = roster_export(r, &rp, PQgetvalue(q, 0, 0));
        goto out;
    }
    if (http_audit(r, "children.list", PQgetvalue(q, 0, 0)) != PM_OK) {
        e = r->err;
        goto out;
    }
    p[0] = PQgetvalue(q, 0, 0);
    p[1] = PQgetvalue(q, 0, 1);
    fc = maps_fc_open(r, "roster_items", 2, p);
    if (!fc) {
        e = r->err;
        goto out;
    }
    /* The prefix is copied at once; "total" (matching) ends the list. */
    snprintf(prefix, sizeof prefix, "{\"registered\":%s,\"items\":[", PQgetvalue(q, 0, 2));
    e = maps_fc_reply(r, fc, "application/json", prefix, list_suffix, NULL);
out:
    PQclear(q);
    roster_params_release(&rp);
    return e;
}

/* ------------------------------------------------------------------------- */
/* The export: CSV (UTF-8 with a BOM, for Excel) and .xlsx                    */
/* ------------------------------------------------------------------------- */

/* The columns of roster_export, in its order; numeric ones are numbers in
 * the workbook. */
static const struct {
    const char *head;
    int number;
    int width;
} roster_columns[] = {
    { "台帳番号", 0, 12 }, { "氏名", 0, 16 }, { "ふりがな", 0, 18 }, { "生年月日", 0, 12 },
    { "年齢", 1, 6 }, { "住所", 0, 30 }, { "地区", 0, 12 }, { "電話", 0, 14 }, { "移動", 0, 12 },
    { "医療的ケア", 0, 20 }, { "所属", 0, 12 }, { "所属先", 0, 18 }, { "保護者", 0, 14 },
    { "保護者の電話", 0, 14 }, { "医療機関", 0, 18 }, { "報告した課", 0, 20 },
    { "消費電力（W）", 1, 10 }, { "バッテリー（時間）", 1, 10 }, { "計画", 0, 10 },
    { "行き先", 0, 20 }, { "計画の状態", 0, 10 }, { "見直し日", 0, 12 },
};
#define ROSTER_NCOLS (int)(sizeof roster_columns / sizeof roster_columns[0])

/* 1 when a spreadsheet would read the cell as a formula. */
static int formula_like(const char *s)
{
    return s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

static void csv_cell(struct pm_buf *b, const char *s)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        pm_buf_puts(b, "\"");
    if (formula_like(s))
        pm_buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '"')
            pm_buf_puts(b, "\"");
        pm_buf_append(b, s, 1);
    }
    if (quote)
        pm_buf_puts(b, "\"");
}

/* The rows of q as CSV.  Returns a malloc'd text with *len, or NULL. */
static char *roster_csv(const PGresult *q, size_t *len)
{
    struct pm_buf b;
    char *out;

    pm_buf_init(&b);
    pm_buf_puts(&b, "\xEF\xBB\xBF");
    for (int c = 0; c < ROSTER_NCOLS; c++) {
        pm_buf_puts(&b, c ? "," : "");
        csv_cell(&b, roster_columns[c].head);
    }
    pm_buf_puts(&b, "\r\n");
    for (int i = 0; i < PQntuples(q); i++) {
        for (int c = 0; c < ROSTER_NCOLS; c++) {
            pm_buf_puts(&b, c ? "," : "");
            csv_cell(&b, PQgetvalue(q, i, c));
        }
        pm_buf_puts(&b, "\r\n");
    }
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    out = pm_buf_steal(&b, len);
    pm_buf_release(&b);
    return out;
}

/* Writes the rows of q to the sheet: numbers as numbers, text as text
 * (formula-like text with a leading '). */
static void roster_sheet(lxw_worksheet *ws, const PGresult *q, lxw_format *bold)
{
    struct pm_buf cell;

    for (int c = 0; c < ROSTER_NCOLS; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, roster_columns[c].head, bold);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, roster_columns[c].width, NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    pm_buf_init(&cell);
    for (int i = 0; i < PQntuples(q); i++) {
        for (int c = 0; c < ROSTER_NCOLS; c++) {
            const char *v = PQgetvalue(q, i, c);
            lxw_row_t row = (lxw_row_t)i + 1;

            if (PQgetisnull(q, i, c) || !*v)
                continue;
            if (roster_columns[c].number) {
                worksheet_write_number(ws, row, (lxw_col_t)c, strtod(v, NULL), NULL);
            } else if (formula_like(v)) {
                cell.len = 0;
                pm_buf_printf(&cell, "'%s", v);
                worksheet_write_string(ws, row, (lxw_col_t)c, cell.oom ? "'" : cell.data, NULL);
            } else {
                worksheet_write_string(ws, row, (lxw_col_t)c, v, NULL);
            }
        }
    }
    pm_buf_release(&cell);
}

/* The rows of q as an .xlsx workbook (libxlsxwriter writes a file: a
 * temporary one, removed).  Returns malloc'd bytes with *len, or NULL. */
static char *roster_xlsx(const PGresult *q, size_t *len)
{
    char path[64];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    char *data = NULL;
    int fd;

    snprintf(path, sizeof path, "/tmp/powermap-roster-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    close(fd);
    wb = workbook_new(path);
    if (!wb)
        goto out;
    ws = workbook_add_worksheet(wb, "名簿");
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    if (ws)
        roster_sheet(ws, q, bold);
    if (workbook_close(wb) == LXW_NO_ERROR && ws)
        data = pm_read_file(path, len);
out:
    unlink(path);
    return data;
}

/* Replies with the children ids (text of a bigint[], in order) written out
 * as rp->format asks, after auditing them. */
static enum pm_err roster_export(struct http_req *r, const struct roster_params *rp,
                                 const char *ids)
{
    const char *p[1] = { ids };
    PGresult *q;
    char *data = NULL;
    size_t len = 0;
    int xlsx = strcmp(rp->format, "xlsx") == 0;
    enum pm_err e;

    if (http_audit(r, "children.export", ids) != PM_OK)
        return r->err;
    q = db_exec(r->db, "roster_export", 1, p);
    if (!db_ok(q) || PQnfields(q) != ROSTER_NCOLS) {
        PQclear(q);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    data = xlsx ? roster_xlsx(q, &len) : roster_csv(q, &len);
    PQclear(q);
    if (!data)
        return http_fail(r, PM_ERR_INTERNAL, "名簿のファイルを作れませんでした");
    e = http_reply(r, 200, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                : "text/csv; charset=utf-8", data, len);
    http_header(r, "Content-Disposition", xlsx ? "attachment; filename=\"meibo.xlsx\""
                                               : "attachment; filename=\"meibo.csv\"");
    return e;
}
