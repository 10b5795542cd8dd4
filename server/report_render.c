/* report_render.c -- the council report as a printable Japanese HTML page
 * (bar charts drawn here as SVG: the service may run offline) and as an
 * .xlsx workbook through libxlsxwriter, for staff who continue in Excel. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "server/plan_render.h"
#include "server/report.h"
#include "server/util.h"

static const char *str(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));

    return s ? s : "";
}

/* A cell's count as text: the number, 「1〜10」 when suppressed, 「非公開」 when hidden. */
static void cell_text(const cJSON *cell, char *out, size_t cap)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(cell, "count");

    if (cJSON_IsNumber(n))
        snprintf(out, cap, "%ld", (long)n->valuedouble);
    else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "suppressed")))
        snprintf(out, cap, "1〜10");
    else
        snprintf(out, cap, "非公開");
}

/* ------------------------------------------------------------------ HTML */

#define BAR_W 360
#define ROW_H 22

/* One section: its table and a horizontal bar chart (suppressed and hidden
 * cells get no bar: a bar would show their size). */
static void html_section(struct pm_buf *b, const cJSON *sec)
{
    const cJSON *cells = cJSON_GetObjectItemCaseSensitive(sec, "cells"), *c;
    int n = cJSON_GetArraySize(cells), i = 0;
    double max = 1;

    for (c = cells ? cells->child : NULL; c; c = c->next) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "count");

        if (cJSON_IsNumber(v) && v->valuedouble > max)
            max = v->valuedouble;
    }
    pm_buf_puts(b, "<section><h2>");
    pm_buf_html_escape(b, str(sec, "title"));
    pm_buf_puts(b, "</h2>");
    if (n == 0) {
        pm_buf_puts(b, "<p>該当なし</p></section>\n");
        return;
    }
    pm_buf_puts(b, "<div class=\"row\">");
    pm_buf_printf(b, "<svg role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                  BAR_W + 260, n * ROW_H + 4, BAR_W + 260, n * ROW_H + 4);
    for (c = cells ? cells->child : NULL; c; c = c->next) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "count");
        char t[32];
        int y = i++ * ROW_H + 2;

        cell_text(c, t, sizeof t);
        pm_buf_printf(b, "<text x=\"176\" y=\"%d\" text-anchor=\"end\">", y + 15);
        pm_buf_html_escape(b, str(c, "label"));
        pm_buf_puts(b, "</text>");
        if (cJSON_IsNumber(v))
            pm_buf_printf(b, "<rect x=\"184\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#3465a4\"/>",
                          y + 3, (double)BAR_W * v->valuedouble / max, ROW_H - 6);
        pm_buf_printf(b, "<text x=\"%.1f\" y=\"%d\">%s</text>",
                      190 + (cJSON_IsNumber(v) ? (double)BAR_W * v->valuedouble / max : 0), y + 15, t);
    }
    pm_buf_puts(b, "</svg><table><tr><th>区分</th><th>人数</th></tr>");
    for (c = cells ? cells->child : NULL; c; c = c->next) {
        char t[32];

        cell_text(c, t, sizeof t);
        pm_buf_puts(b, "<tr><td>");
        pm_buf_html_escape(b, str(c, "label"));
        pm_buf_printf(b, "</td><td class=\"n\">%s</td></tr>", t);
    }
    pm_buf_puts(b, "</table></div></section>\n");
}

static void html_resources(struct pm_buf *b, const cJSON *res)
{
    const cJSON *m;

    pm_buf_puts(b, "<section class=\"wide\"><h2>資源調査：市町村ごとの事業所と障害児福祉計画の目標</h2>"
                   "<table><tr><th>市町村コード</th><th>児童発達支援センター</th>"
                   "<th>重症心身障害児を支援する事業所</th><th>放課後等デイ</th><th>訪問看護</th>"
                   "<th>短期入所</th><th>相談支援</th><th>病院・診療所</th><th>医療的ケア対応</th>"
                   "<th>目標（センター）</th><th>目標（重心）</th></tr>");
    for (m = res ? res->child : NULL; m; m = m->next) {
        static const char *const cols[] = { "child_development_center", "severe_day_service",
                                            "day_service", "visiting_nurse", "short_stay",
                                            "consultation", "hospital", "medical_care", NULL };

        pm_buf_puts(b, "<tr><td>");
        pm_buf_html_escape(b, strcmp(str(m, "municipality"), "unknown") == 0 ? "不明"
                                                                            : str(m, "municipality"));
        pm_buf_puts(b, "</td>");
        for (int i = 0; cols[i]; i++)
            pm_buf_printf(b, "<td class=\"n\">%ld</td>",
                          (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, cols[i])));
        pm_buf_printf(b, "<td>%s</td><td>%s</td></tr>",
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "target_child_development_center"))
                          ? "達成" : "<strong>未達成</strong>",
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "target_severe_service"))
                          ? "達成" : "<strong>未達成</strong>");
    }
    if (!cJSON_GetArraySize(res))
        pm_buf_puts(b, "<tr><td colspan=\"11\">事業所が登録されていません（すべて未達成）</td></tr>");
    pm_buf_puts(b, "</table></section>\n");
}

static void html_head(struct pm_buf *b, const cJSON *rep)
{
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(rep, "definition");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(rep, "total");
    char date[64];

    plan_ja_date(str(rep, "at"), 0, date, sizeof date);
    pm_buf_puts(b, "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
    pm_buf_html_escape(b, str(rep, "title"));
    pm_buf_puts(b, "</title><style>"
                   "body{font-family:'IPAGothic','IPAPGothic',sans-serif;margin:12mm;color:#111}"
                   "h1{font-size:18pt;margin:0 0 4px}h2{font-size:12pt;border-bottom:1px solid #888}"
                   "section{break-inside:avoid;margin-bottom:10px}table{border-collapse:collapse}"
                   "td,th{border:1px solid #999;padding:2px 6px;font-size:10pt}td.n{text-align:right}"
                   "svg text{font-size:11px}.note{font-size:9pt;color:#333}"
                   ".row{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}"
                   "@page{size:A4;margin:10mm}</style></head><body><h1>");
    pm_buf_html_escape(b, str(rep, "title"));
    pm_buf_printf(b, "</h1><p>%s現在　%s</p><p>", date,
                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "public"))
                      ? "公開版（1〜10人の区分は「1〜10」と表示し、差し引きで人数が分かる区分は非公開）"
                      : "内部資料（正確な人数。取り扱い注意）");
    pm_buf_puts(b, "</p><p>この資料での医療的ケア児の定義：");
    pm_buf_html_escape(b, str(def, "label"));
    pm_buf_printf(b, "</p><p style=\"font-size:14pt\">対象の児：<strong>%s</strong>",
                  cJSON_IsNumber(total) ? "" : "1〜10人");
    if (cJSON_IsNumber(total))
        pm_buf_printf(b, "<strong>%ld人</strong>", (long)total->valuedouble);
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rep, "outside_definition")))
        pm_buf_printf(b, "（登録 %ld人のうち、定義に当てはまらない児 %ld人）",
                      (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rep, "registered")),
                      (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rep, "outside_definition")));
    pm_buf_puts(b, "</p>\n");
}

char *report_council_html(const cJSON *rep, size_t *len)
{
    struct pm_buf b;
    const cJSON *sec;

    pm_buf_init(&b);
    html_head(&b, rep);
    const cJSON *secs = cJSON_GetObjectItemCaseSensitive(rep, "sections");

    for (sec = secs ? secs->child : NULL; sec; sec = sec->next)
        html_section(&b, sec);
    html_resources(&b, cJSON_GetObjectItemCaseSensitive(rep, "resources"));
    pm_buf_puts(&b, "<p class=\"note\">人数は powermap の名簿から自動で集計しています。"
                    "計画の判断は最新の計画実行（既定の想定：停電72時間）によります。</p></body></html>\n");
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, len);
}

/* ------------------------------------------------------------------ xlsx */

static void xlsx_sections(lxw_workbook *wb, const cJSON *rep, lxw_format *bold)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "集計");
    const cJSON *sec, *c;
    lxw_row_t row = 0;

    worksheet_set_column(ws, 0, 0, 40, NULL);
    worksheet_set_column(ws, 1, 1, 12, NULL);
    worksheet_write_string(ws, row, 0, str(rep, "title"), bold);
    worksheet_write_string(ws, ++row, 0, "基準日", NULL);
    worksheet_write_string(ws, row, 1, str(rep, "at"), NULL);
    worksheet_write_string(ws, ++row, 0, "対象の児", NULL);
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rep, "total")))
        worksheet_write_number(ws, row, 1,
                               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rep, "total")), NULL);
    else
        worksheet_write_string(ws, row, 1, "1〜10", NULL);
    row++;
    const cJSON *secs = cJSON_GetObjectItemCaseSensitive(rep, "sections");

    for (sec = secs ? secs->child : NULL; sec; sec = sec->next) {
        const cJSON *cells = cJSON_GetObjectItemCaseSensitive(sec, "cells");

        worksheet_write_string(ws, ++row, 0, str(sec, "title"), bold);
        for (c = cells ? cells->child : NULL; c; c = c->next) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "count");
            char t[32];

            worksheet_write_string(ws, ++row, 0, str(c, "label"), NULL);
            cell_text(c, t, sizeof t);
            if (cJSON_IsNumber(n))
                worksheet_write_number(ws, row, 1, n->valuedouble, NULL);
            else
                worksheet_write_string(ws, row, 1, t, NULL);
        }
        row++;
    }
}

static void xlsx_resources(lxw_workbook *wb, const cJSON *rep, lxw_format *bold)
{
    static const char *const cols[] = { "municipality", "child_development_center", "severe_day_service",
                                        "day_service", "visiting_nurse", "short_stay", "consultation",
                                        "hospital", "medical_care", NULL };
    static const char *const heads[] = { "市町村コード", "児童発達支援センター", "重症心身障害児の事業所",
                                         "放課後等デイ", "訪問看護", "短期入所", "相談支援",
                                         "病院・診療所", "医療的ケア対応", "目標（センター）",
                                         "目標（重心）", NULL };
    lxw_worksheet *ws = workbook_add_worksheet(wb, "資源");
    const cJSON *m;
    lxw_row_t row = 0;

    for (int i = 0; heads[i]; i++)
        worksheet_write_string(ws, 0, (lxw_col_t)i, heads[i], bold);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rep, "resources");

    for (m = res ? res->child : NULL; m; m = m->next) {
        row++;
        worksheet_write_string(ws, row, 0, str(m, "municipality"), NULL);
        for (int i = 1; cols[i]; i++)
            worksheet_write_number(ws, row, (lxw_col_t)i,
                                   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, cols[i])), NULL);
        worksheet_write_string(ws, row, 9,
                               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "target_child_development_center"))
                                   ? "達成" : "未達成", NULL);
        worksheet_write_string(ws, row, 10,
                               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "target_severe_service"))
                                   ? "達成" : "未達成", NULL);
    }
}

char *report_council_xlsx(const cJSON *rep, const char *tmpdir, size_t *len)
{
    char path[512];
    lxw_workbook *wb;
    lxw_format *bold;
    char *data = NULL;
    int fd;

    snprintf(path, sizeof path, "%s/powermap-report-XXXXXX", tmpdir ? tmpdir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    close(fd);
    wb = workbook_new(path);
    if (!wb)
        goto out;
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    xlsx_sections(wb, rep, bold);
    xlsx_resources(wb, rep, bold);
    if (workbook_close(wb) == LXW_NO_ERROR)
        data = pm_read_file(path, len);
out:
    unlink(path);
    return data;
}
