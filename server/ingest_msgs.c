/* ingest_msgs.c -- what an import says to people: each reason in Japanese
 * and English with its stable code, the column named as the file names it,
 * repeated reasons grouped ("121 行: ID が空です"), the CLI's summary and the
 * JSON report of api.md. */
#include "server/ingest_msgs.h"

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

static void json_str(struct pm_buf *b, const char *name, const char *v, int comma)
{
    pm_buf_printf(b, "%s\"%s\":", comma ? "," : "", name);
    if (!v) {
        pm_buf_puts(b, "null");
        return;
    }
    pm_buf_puts(b, "\"");
    pm_buf_json_escape(b, v);
    pm_buf_puts(b, "\"");
}

static void json_msgs(struct pm_buf *b, const char *name, const struct ingest_msg *m, size_t n,
                      int ja)
{
    pm_buf_printf(b, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++) {
        pm_buf_printf(b, "%s{\"line\":%ld", i ? "," : "", m[i].line);
        json_str(b, "code", m[i].code, 1);
        json_str(b, "column", m[i].column, 1);
        json_str(b, "message", ja ? m[i].ja : m[i].en, 1);
        json_str(b, "reason", m[i].en, 1);
        pm_buf_puts(b, "}");
    }
    pm_buf_puts(b, "]");
}

static void json_groups(struct pm_buf *b, const char *name, const struct ingest_msg *m,
                        size_t n, int ja)
{
    struct ingest_group g[64];
    size_t ng = ingest_group(m, n, g, 64);
    char text[600];

    pm_buf_printf(b, ",\"%s\":[", name);
    for (size_t k = 0; k < ng; k++) {
        const struct ingest_msg *f = &m[g[k].first];
        size_t shown = 0;

        ingest_group_text(f, ja, text, sizeof text);
        pm_buf_printf(b, "%s{\"code\":\"%s\",\"count\":%zu", k ? "," : "", f->code, g[k].count);
        json_str(b, "column", f->column, 1);
        json_str(b, "message", text, 1);
        pm_buf_puts(b, ",\"lines\":[");
        for (size_t i = g[k].first; i < n && shown < 100; i++) {
            if (!same_reason(f, &m[i]))
                continue;
            pm_buf_printf(b, "%s%ld", shown ? "," : "", m[i].line);
            shown++;
        }
        pm_buf_puts(b, "]}");
    }
    pm_buf_puts(b, "]");
}

char *ingest_report_json(const struct ingest_report *rep, int ja)
{
    struct pm_buf b;

    pm_buf_init(&b);
    pm_buf_puts(&b, "{");
    json_str(&b, "kind", rep->kind, 0);
    pm_buf_printf(&b, ",\"dry_run\":%s,\"committed\":%s", rep->dry_run ? "true" : "false",
                  rep->committed ? "true" : "false");
    json_str(&b, "layout", rep->layout, 1);
    json_str(&b, "layout_label", rep->label, 1);
    json_str(&b, "format", rep->layout, 1);
    json_str(&b, "encoding", rep->encoding, 1);
    json_str(&b, "sheet", rep->sheet[0] ? rep->sheet : NULL, 1);
    if (rep->crs[0])
        json_str(&b, "crs", rep->crs, 1);
    pm_buf_printf(&b, ",\"header_line\":%ld,\"columns\":[", rep->header_line);
    for (size_t i = 0; i < rep->lr.ncolumns; i++) {
        pm_buf_puts(&b, i ? ",{" : "{");
        json_str(&b, "file", rep->lr.columns[i].file, 0);
        json_str(&b, "column", rep->lr.columns[i].column, 1);
        pm_buf_puts(&b, "}");
    }
    pm_buf_printf(&b, "],\"rows\":%zu,\"accepted\":%zu,\"inserted\":%zu,\"updated\":%zu,"
                      "\"unchanged\":%zu,\"rejected\":%zu,\"devices\":%zu,\"geocoded\":%zu",
                  rep->rows, rep->accepted, rep->inserted, rep->updated, rep->unchanged,
                  rep->nrejects, rep->devices, rep->geocoded);
    if (strcmp(rep->kind, "children") == 0)
        pm_buf_printf(&b, ",\"without_location\":%zu,\"merged\":%zu,\"queued\":%zu",
                      rep->without_location, rep->merged, rep->queued);
    pm_buf_printf(&b, ",\"seconds\":%.3f", rep->seconds);
    json_msgs(&b, "rejects", rep->rejects, rep->nrejects, ja);
    json_msgs(&b, "warnings", rep->warnings, rep->nwarnings, ja);
    json_groups(&b, "reasons", rep->rejects, rep->nrejects, ja);
    json_groups(&b, "warning_reasons", rep->warnings, rep->nwarnings, ja);
    pm_buf_puts(&b, "}");
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, NULL);
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
