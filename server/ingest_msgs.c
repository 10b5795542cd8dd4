/* ingest_msgs.c -- what an import says to people: each reason in Japanese
 * and English with its stable code, the column named as the file names it,
 * repeated reasons grouped ("121 行: ID が空です"), the CLI's summary and the
 * JSON report of api.md. */
#include "server/ingest_msgs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/util.h"

/* ---------------------------------------------------------------- codes */

/* The reason of a code without the row's value: what a group says. */
static const struct {
    const char *code, *en, *ja;
} generic[] = {
    { "empty", "empty", "空です" },
    { "derived_id", "ID is empty: ids were made from the name and position",
      "ID が空です（名称と位置から ID を作りました）" },
    { "no_municipality", "no municipality code: ids not prefixed",
      "市区町村コードがないため ID に市区町村コードを付けていません" },
    { "bad_boolean", "not a yes/no mark", "○/× として読めません" },
    { "bad_capacity", "no number of persons", "人数がありません" },
    { "bad_date", "not a date", "日付として読めません" },
    { "bad_number", "not a number", "数値として読めません" },
    { "bad_latitude", "latitude out of range", "緯度の範囲外です" },
    { "bad_longitude", "longitude out of range", "経度の範囲外です" },
    { "bad_municipality", "not a municipality code", "全国地方公共団体コードではありません" },
    { "invalid_value", "not one of the accepted values", "使える値ではありません" },
    { "duplicate_id", "id used twice in the file", "ファイルの中で同じ ID が使われています" },
    { "no_location", "no lat/lon and no address", "緯度・経度も住所もありません" },
    { "address_not_found", "no lat/lon, and the address was not found",
      "緯度・経度がなく、住所から位置が見つかりませんでした" },
    { "unknown_child", "no such child", "その番号の児童が登録されていません" },
    { "care_other", "recorded as other care", "「その他」のケアとして記録しました" },
    { "kept_without_location", "kept without a home location",
      "自宅の位置が分からないまま登録しました" },
    { "bad_hazard", "no hazard (use --hazard)", "災害の種類がありません（--hazard で指定できます）" },
    { "invalid_geometry", "invalid geometry", "形状が正しくありません" },
};

static int generic_of(const char *code)
{
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (strcmp(generic[i].code, code) == 0)
            return (int)i;
    return -1;
}

/* ------------------------------------------------ a row's reason */

/* The file's name of canonical column col, or col itself. */
static const char *file_name(const struct layout_result *lr, const char *col, size_t n)
{
    for (size_t i = 0; i < lr->ncolumns; i++)
        if (lr->columns[i].column && strlen(lr->columns[i].column) == n
            && strncmp(lr->columns[i].column, col, n) == 0)
            return lr->columns[i].file;
    return NULL;
}

int ingest_msg_from_reason(const struct layout_result *lr, long line, const char *reason,
                           const char *ja, const char *code, struct ingest_msg *m)
{
    struct pm_buf out;
    const char *p = ja;

    memset(m, 0, sizeof *m);
    pm_buf_init(&out);
    while (*p) {
        size_t n = strcspn(p, "\x1f"), cl;
        const char *sep = memchr(p, '\x1e', n), *paren, *col;

        cl = sep ? (size_t)(sep - p) : 0;
        /* "lat (緯度)": formats.c already names the file's column */
        paren = cl ? memchr(p, '(', cl) : NULL;
        if (paren && paren > p)
            cl = (size_t)(paren - p - 1);
        col = cl ? file_name(lr, p, cl) : NULL;
        if (cl && !m->column)
            m->column = col ? strdup(col) : strndup(p, cl);
        if (cl)
            pm_buf_printf(&out, "%s%.*s: %.*s", out.len ? "、" : "", (int)(col ? strlen(col) : cl),
                          col ? col : p, (int)(n - (size_t)(sep - p) - 1), sep + 1);
        else
            pm_buf_printf(&out, "%s%.*s", out.len ? "、" : "",
                          (int)(sep ? n - (size_t)(sep - p) - 1 : n), sep ? sep + 1 : p);
        p += n;
        if (*p)
            p++;
    }
    m->line = line;
    m->code = code ? code : "invalid_row";
    m->en = strdup(reason);
    m->ja = out.oom ? NULL : pm_buf_steal(&out, NULL);
    pm_buf_release(&out);
    if (!m->en || !m->ja) {
        ingest_msg_release(m);
        return -1;
    }
    return 0;
}

void ingest_msg_release(struct ingest_msg *m)
{
    if (!m)
        return;
    free(m->column);
    free(m->en);
    free(m->ja);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- groups */

/* Whether two messages say the same thing but for their line. */
static int same_reason(const struct ingest_msg *a, const struct ingest_msg *b)
{
    int g = generic_of(a->code);

    if (strcmp(a->code, b->code) != 0)
        return 0;
    if ((a->column == NULL) != (b->column == NULL)
        || (a->column && strcmp(a->column, b->column) != 0))
        return 0;
    /* a code with a generic text groups whatever the value; others only
     * when the whole reason is the same */
    return g >= 0 || strcmp(a->en, b->en) == 0;
}

size_t ingest_group(const struct ingest_msg *m, size_t n, struct ingest_group *g, size_t cap)
{
    size_t ng = 0;

    for (size_t i = 0; i < n; i++) {
        size_t k;

        for (k = 0; k < ng; k++)
            if (same_reason(&m[g[k].first], &m[i]))
                break;
        if (k == ng) {
            if (ng == cap)
                continue;
            g[ng].first = i;
            g[ng].count = 0;
            ng++;
        }
        g[k].count++;
    }
    return ng;
}

/* The grouped text of a message: "column: reason" without the value. */
void ingest_group_text(const struct ingest_msg *m, int ja, char *out, size_t cap)
{
    int g = generic_of(m->code);

    if (g < 0) {
        snprintf(out, cap, "%s", ja ? m->ja : m->en);
        return;
    }
    snprintf(out, cap, "%s%s%s", m->column ? m->column : "", m->column ? ": " : "",
             ja ? generic[g].ja : generic[g].en);
}

/* ---------------------------------------------------------------- JSON */

/* Members of the report; a failed addition (out of memory) sets *bad. */
static void add_str(cJSON *o, const char *name, const char *v, int *bad)
{
    if (!(v ? cJSON_AddStringToObject(o, name, v) : cJSON_AddNullToObject(o, name)))
        *bad = 1;
}

static void add_num(cJSON *o, const char *name, double v, int *bad)
{
    if (!cJSON_AddNumberToObject(o, name, v))
        *bad = 1;
}

/* A new object appended to array a, or NULL (and *bad). */
static cJSON *add_object(cJSON *a, int *bad)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddItemToArray(a, o)) {
        cJSON_Delete(o);
        *bad = 1;
        return NULL;
    }
    return o;
}

static void json_msgs(cJSON *rep, const char *name, const struct ingest_msg *m, size_t n, int ja,
                      int *bad)
{
    cJSON *a = cJSON_AddArrayToObject(rep, name), *o;

    *bad |= !a;
    for (size_t i = 0; a && i < n; i++) {
        if (!(o = add_object(a, bad)))
            return;
        add_num(o, "line", (double)m[i].line, bad);
        add_str(o, "code", m[i].code, bad);
        add_str(o, "column", m[i].column, bad);
        add_str(o, "message", ja ? m[i].ja : m[i].en, bad);
        add_str(o, "reason", m[i].en, bad);
    }
}

static void json_groups(cJSON *rep, const char *name, const struct ingest_msg *m, size_t n, int ja,
                        int *bad)
{
    struct ingest_group g[64];
    size_t ng = ingest_group(m, n, g, 64);
    cJSON *a = cJSON_AddArrayToObject(rep, name), *o, *lines;
    char text[600];

    *bad |= !a;
    for (size_t k = 0; a && k < ng; k++) {
        const struct ingest_msg *f = &m[g[k].first];
        size_t shown = 0;

        if (!(o = add_object(a, bad)))
            return;
        ingest_group_text(f, ja, text, sizeof text);
        add_str(o, "code", f->code, bad);
        add_num(o, "count", (double)g[k].count, bad);
        add_str(o, "column", f->column, bad);
        add_str(o, "message", text, bad);
        if (!(lines = cJSON_AddArrayToObject(o, "lines"))) {
            *bad = 1;
            return;
        }
        for (size_t i = g[k].first; i < n && shown < 100; i++) {
            cJSON *line;

            if (!same_reason(f, &m[i]))
                continue;
            line = cJSON_CreateNumber((double)m[i].line);
            if (!line || !cJSON_AddItemToArray(lines, line)) {
                cJSON_Delete(line);
                *bad = 1;
                return;
            }
            shown++;
        }
    }
}

/* What the file was taken for: layout, encoding, sheet, CRS and columns. */
static void json_source(cJSON *o, const struct ingest_report *rep, int *bad)
{
    cJSON *cols, *c;

    add_str(o, "layout", rep->layout, bad);
    add_str(o, "layout_label", rep->label, bad);
    add_str(o, "format", rep->layout, bad);
    add_str(o, "encoding", rep->encoding, bad);
    add_str(o, "sheet", rep->sheet[0] ? rep->sheet : NULL, bad);
    if (rep->crs[0])
        add_str(o, "crs", rep->crs, bad);
    add_num(o, "header_line", (double)rep->header_line, bad);
    if (!(cols = cJSON_AddArrayToObject(o, "columns"))) {
        *bad = 1;
        return;
    }
    for (size_t i = 0; i < rep->lr.ncolumns; i++) {
        if (!(c = add_object(cols, bad)))
            return;
        add_str(c, "file", rep->lr.columns[i].file, bad);
        add_str(c, "column", rep->lr.columns[i].column, bad);
    }
}

char *ingest_report_json(const struct ingest_report *rep, int ja)
{
    cJSON *o = cJSON_CreateObject();
    int bad = !o;
    char *text = NULL;

    if (bad)
        return NULL;
    add_str(o, "kind", rep->kind, &bad);
    bad |= !cJSON_AddBoolToObject(o, "dry_run", rep->dry_run != 0);
    bad |= !cJSON_AddBoolToObject(o, "committed", rep->committed != 0);
    json_source(o, rep, &bad);
    add_num(o, "rows", (double)rep->rows, &bad);
    add_num(o, "accepted", (double)rep->accepted, &bad);
    add_num(o, "inserted", (double)rep->inserted, &bad);
    add_num(o, "updated", (double)rep->updated, &bad);
    add_num(o, "unchanged", (double)rep->unchanged, &bad);
    add_num(o, "rejected", (double)rep->nrejects, &bad);
    add_num(o, "devices", (double)rep->devices, &bad);
    add_num(o, "geocoded", (double)rep->geocoded, &bad);
    if (strcmp(rep->kind, "children") == 0) {
        add_num(o, "without_location", (double)rep->without_location, &bad);
        add_num(o, "merged", (double)rep->merged, &bad);
        add_num(o, "queued", (double)rep->queued, &bad);
    }
    add_num(o, "seconds", round(rep->seconds * 1000) / 1000, &bad);   /* to the millisecond */
    json_msgs(o, "rejects", rep->rejects, rep->nrejects, ja, &bad);
    json_msgs(o, "warnings", rep->warnings, rep->nwarnings, ja, &bad);
    json_groups(o, "reasons", rep->rejects, rep->nrejects, ja, &bad);
    json_groups(o, "warning_reasons", rep->warnings, rep->nwarnings, ja, &bad);
    if (!bad)
        text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* ---------------------------------------------------------------- CLI */

/* Rejects or warnings on errf: one line each, or one line per reason that
 * repeats ("121 行: ID が空です (2, 3, 4 … 行目)"). */
static void print_msgs(const struct ingest_msg *m, size_t n, const char *path, int ja,
                       const char *what, FILE *errf)
{
    struct ingest_group g[64];
    size_t ng = ingest_group(m, n, g, 64);
    char text[600];

    for (size_t k = 0; k < ng; k++) {
        const struct ingest_msg *f = &m[g[k].first];
        size_t shown = 0;

        if (g[k].count < 3) {
            for (size_t i = g[k].first; i < n; i++)
                if (same_reason(f, &m[i]))
                    fprintf(errf, "%s:%ld: %s%s\n", path, m[i].line, what, ja ? m[i].ja : m[i].en);
            continue;
        }
        ingest_group_text(f, ja, text, sizeof text);
        fprintf(errf, ja ? "%s: %s%zu 行: %s（" : "%s: %s%zu rows: %s (lines ", path, what,
                g[k].count, text);
        for (size_t i = g[k].first; i < n && shown < 10; i++)
            if (same_reason(f, &m[i]))
                fprintf(errf, "%s%ld", shown++ ? ", " : "", m[i].line);
        fprintf(errf, "%s%s\n", g[k].count > shown ? (ja ? " …" : ", ...") : "",
                ja ? " 行目）" : ")");
    }
}

/* Distinct lines among the rejects (a row may have several reasons). */
static size_t rejected_rows(const struct ingest_report *rep)
{
    size_t n = 0;

    for (size_t i = 0; i < rep->nrejects; i++) {
        size_t k;

        for (k = 0; k < i; k++)
            if (rep->rejects[k].line == rep->rejects[i].line)
                break;
        n += k == i;
    }
    return n;
}

static void print_outcome(const struct ingest_report *rep, int rc, int ja, FILE *errf)
{
    size_t bad = rejected_rows(rep);

    if (rep->dry_run)
        fprintf(errf, ja ? "powermapd: import: 試行です。何も書き込んでいません\n"
                         : "powermapd: import: dry run: nothing was written\n");
    if (rc == 1)
        fprintf(errf, ja ? "powermapd: import: %zu 行を除外したため、何も取り込んでいません"
                           "（--partial で正しい行だけを取り込めます）\n"
                         : "powermapd: import: %zu rows rejected, nothing imported "
                           "(--partial keeps the good rows)\n", bad);
    else if (bad && rep->accepted == 0)
        fprintf(errf, ja ? "powermapd: import: %zu 行すべてを除外しました。何も取り込んでいません\n"
                         : "powermapd: import: all %zu rows rejected: nothing imported\n", bad);
    else if (bad)
        fprintf(errf, ja ? "powermapd: import: %zu 行を除外し、残りの %zu 行を%sしました\n"
                         : "powermapd: import: %zu rows rejected, the other %zu %s\n", bad,
                rep->accepted, ja ? (rep->dry_run ? "確認" : "取り込み")
                                  : (rep->dry_run ? "would be imported" : "imported"));
}

void ingest_print(const struct ingest_report *rep, int rc, const char *path, int ja,
                  FILE *out, FILE *errf)
{
    print_msgs(rep->rejects, rep->nrejects, path, ja, "", errf);
    print_msgs(rep->warnings, rep->nwarnings, path, ja, ja ? "注意: " : "warning: ", errf);
    if (rc < 0)
        return;
    if (ja)
        fprintf(out, "%s: %zu 行（%s、%s%s%s）: 追加 %zu、更新 %zu、変更なし %zu、除外 %zu%s（%.2f 秒）\n",
                rep->kind, rep->rows, rep->layout ? rep->layout : "?",
                rep->encoding ? rep->encoding : "?", rep->sheet[0] ? "、シート " : "", rep->sheet,
                rep->inserted, rep->updated, rep->unchanged, rejected_rows(rep),
                rep->committed ? "" : "。何も取り込んでいません", rep->seconds);
    else
        fprintf(out, "%s: %zu rows (%s, %s%s%s): %zu inserted, %zu updated, %zu unchanged, "
                     "%zu rejected%s in %.2fs (%.0f rows/s)\n",
                rep->kind, rep->rows, rep->layout ? rep->layout : "?",
                rep->encoding ? rep->encoding : "?", rep->sheet[0] ? ", sheet " : "", rep->sheet,
                rep->inserted, rep->updated, rep->unchanged, rejected_rows(rep),
                rep->committed ? "" : "; nothing imported", rep->seconds,
                rep->seconds > 0 ? (double)rep->rows / rep->seconds : 0.0);
    if (rep->devices)
        fprintf(out, ja ? "医療機器 %zu 件を台帳の列から登録しました\n"
                        : "%zu devices from the register's columns\n", rep->devices);
    if (rep->geocoded)
        fprintf(out, ja ? "%zu 行の位置を住所から求めました\n" : "%zu rows placed by the geocoder\n",
                rep->geocoded);
    if (rep->without_location)
        fprintf(out, ja ? "自宅の位置が分からない児童が %zu 人います\n"
                        : "%zu children without a home location\n", rep->without_location);
    if (rep->merged || rep->queued)
        fprintf(out, ja ? "登録済みの児童への報告として %zu 件をまとめ、%zu 件を名寄せの確認待ちにしました"
                          "（GET /v1/duplicates）\n"
                        : "%zu reports merged into children already registered, %zu waiting in the "
                          "duplicates queue (GET /v1/duplicates)\n", rep->merged, rep->queued);
    print_outcome(rep, rc, ja, errf);
}

int ingest_wants_ja(const char *s)
{
    /* "ja_JP.UTF-8", "ja", or an Accept-Language whose first choice is ja */
    return s && (s[0] == 'j' || s[0] == 'J') && (s[1] == 'a' || s[1] == 'A')
           && (s[2] == '\0' || s[2] == '_' || s[2] == '-' || s[2] == ',' || s[2] == ';'
               || s[2] == '.');
}
