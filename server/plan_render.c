/* plan_render.c -- a child's plan for people: the checklist of what to bring
 * in Japanese (its rules are geo/plan_checklist.c), the printable A4 page in
 * Japanese for the family and supporters, and the GeoJSON of the trip.
 * Pure: plan JSON in, text out. */
#include "server/plan_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/plan_checklist.h"
#include "server/plan_words.h"
#include "server/util.h"

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add(cJSON *list, const char *item)
{
    cJSON *s = cJSON_CreateString(item);

    if (s && !cJSON_AddItemToArray(list, s))
        cJSON_Delete(s);
}

/* The words of each checklist item but the spare battery (geo/plan_checklist.h). */
static const char *const check_words[GEO_CHECK_NITEMS] = {
    [GEO_CHECK_MANUAL_VENTILATOR] = "手動式人工呼吸器（蘇生バッグ・アンビューバッグ）",
    [GEO_CHECK_VENTILATOR_CIRCUIT] = "予備の呼吸器回路・人工鼻・フィルター",
    [GEO_CHECK_TRACHEOSTOMY_TUBE] = "予備の気管カニューレ（同じサイズと一つ小さいサイズ）",
    [GEO_CHECK_MANUAL_SUCTION] = "手動式または足踏み式の吸引器",
    [GEO_CHECK_SUCTION_SUPPLIES] = "吸引カテーテル・アルコール綿・精製水",
    [GEO_CHECK_OXYGEN_CYLINDER] = "携帯用酸素ボンベ（残量を確認）と流量計",
    [GEO_CHECK_OXYGEN_CANNULA] = "鼻カニューレ・マスクの予備",
    [GEO_CHECK_FEEDING] = "栄養剤（3日分以上）・注入用シリンジ・延長チューブ",
    [GEO_CHECK_IV] = "輸液・ルートの予備",
    [GEO_CHECK_DIALYSIS] = "透析の記録と透析施設の連絡先",
    [GEO_CHECK_CAR_INVERTER] = "車で充電する場合のシガーソケット用インバーター（正弦波、機器の消費電力以上）",
    [GEO_CHECK_EXTENSION_CORD] = "延長コード・電源タップ（医療機器用）",
    [GEO_CHECK_MEDICINE] = "お薬・お薬手帳・医療情報ファイル（主治医の指示書、機器の設定値）",
    [GEO_CHECK_LIGHT_AND_PHONE] = "懐中電灯・携帯電話の充電器・モバイルバッテリー",
};

/* Words the lines of the checklist into list. */
static void checklist_words(cJSON *list, const struct geo_check_child *k,
                            const struct geo_check_line *lines, int n)
{
    for (int i = 0; i < n; i++) {
        char line[256], hrs[64];

        if (lines[i].item != GEO_CHECK_BATTERY) {
            add(list, check_words[lines[i].item]);
            continue;
        }
        plan_ja_hours(k->devices[lines[i].device].battery_h, hrs, sizeof hrs);
        snprintf(line, sizeof line, "予備バッテリー（%s、内蔵と合わせて満充電で%s）",
                 pw_device(k->devices[lines[i].device].type), hrs);
        add(list, line);
    }
}

cJSON *plan_checklist(const cJSON *plan)
{
    const cJSON *care = get(plan, "care"), *devices = get(plan, "devices"), *it;
    int ncare = cJSON_IsArray(care) ? cJSON_GetArraySize(care) : 0;
    int ndev = cJSON_IsArray(devices) ? cJSON_GetArraySize(devices) : 0;
    const char **words = calloc((size_t)ncare + 1, sizeof *words);
    struct geo_check_device *dev = calloc((size_t)ndev + 1, sizeof *dev);
    struct geo_check_line *lines = calloc((size_t)GEO_CHECK_MAX_LINES(ndev), sizeof *lines);
    struct geo_check_child k = { words, 0, dev, 0, str(plan, "decision") };
    cJSON *list = cJSON_CreateArray();

    if (!words || !dev || !lines || !list) {
        cJSON_Delete(list);
        list = NULL;
        goto out;
    }
    for (it = ncare ? care->child : NULL; it; it = it->next)
        if (cJSON_IsString(it))
            words[k.ncare++] = it->valuestring;
    for (it = ndev ? devices->child : NULL; it; it = it->next) {
        const cJSON *b = get(it, "battery_h");

        dev[k.ndevices].type = str(it, "type");
        dev[k.ndevices++].battery_h = cJSON_IsNumber(b) ? b->valuedouble : NAN;
    }
    checklist_words(list, &k, lines, geo_checklist(&k, lines, GEO_CHECK_MAX_LINES(ndev)));
out:
    free(words);
    free(dev);
    free(lines);
    return list;
}

/* ------------------------------------------------------------------------- */

static void html_text(struct pm_buf *b, const char *s)
{
    pm_buf_html_escape(b, s ? s : "");
}

const char *plan_area_colour(const char *hazard)
{
    static const char *const t[][2] = {
        { "flood", "#4a86d8" }, { "inland_flood", "#4a86d8" }, { "storm_surge", "#3a6fb0" },
        { "tsunami", "#2a9d9d" }, { "landslide", "#b5651d" }, { "fire", "#d9534f" },
        { "volcano", "#8e5a9e" }, { "earthquake", "#999999" },
    };

    for (size_t i = 0; hazard && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(hazard, t[i][0]) == 0)
            return t[i][1];
    return "#999999";
}

static void svg_marker(struct pm_buf *b, const struct map_item *it)
{
    double x = it->xy[0], y = it->xy[1];

    if (it->style == MAP_HOME)
        pm_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"#1a5fb4\" "
                         "stroke=\"#fff\" stroke-width=\"1.5\"/>\n", x - 6, y - 6);
    else if (it->style == MAP_DEST)
        pm_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"#c01c28\" stroke=\"#fff\" "
                         "stroke-width=\"1.5\"/>\n", x, y);
    else
        pm_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#fff\" stroke=\"#555\" "
                         "stroke-width=\"1.5\"/>\n", x, y);
    pm_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%s\" font-weight=\"%s\" "
                     "paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">",
                  x + 9, y - 7, it->style == MAP_ALT ? "10" : "12", it->style == MAP_ALT ? "normal" : "bold");
    html_text(b, it->label);
    pm_buf_puts(b, "</text>\n");
}

/* The tile URL of z/x/y from the template t. */
static void tile_url(struct pm_buf *b, const char *t, int z, long x, long y)
{
    for (const char *p = t; *p; p++) {
        if (strncmp(p, "{z}", 3) == 0)
            pm_buf_printf(b, "%d", z), p += 2;
        else if (strncmp(p, "{x}", 3) == 0)
            pm_buf_printf(b, "%ld", x), p += 2;
        else if (strncmp(p, "{y}", 3) == 0)
            pm_buf_printf(b, "%ld", y), p += 2;
        else if (strncmp(p, "{s}", 3) == 0)
            pm_buf_puts(b, "a"), p += 2;
        else if (strncmp(p, "{r}", 3) == 0)
            p += 2;
        else
            pm_buf_append(b, p, 1);
    }
}

/* The base map: the XYZ tiles (Web Mercator) covering the map, each placed
 * by its corners in the map's own projection (close enough at a town's
 * scale), at the zoom whose pixels match the map's; at most 64 tiles. */
static void html_tiles(struct pm_buf *b, const struct doc_map *m, const char *tiles)
{
    double lon_w = m->proj[0] - m->proj[4] / m->proj[2];
    double lon_e = m->proj[0] + (m->width - m->proj[4]) / m->proj[2];
    double lat_s = m->proj[1] - m->proj[5] / m->proj[3];
    double lat_n = m->proj[1] + (m->height - m->proj[5]) / m->proj[3];
    int z = (int)lround(log2(m->proj[2] * 360 / 256));
    long n, x0, x1, y0, y1;

    z = z < 0 ? 0 : z > 19 ? 19 : z;
    n = 1L << z;
    x0 = (long)floor((lon_w + 180) / 360 * n), x1 = (long)floor((lon_e + 180) / 360 * n);
    y0 = (long)floor((1 - asinh(tan(lat_n * M_PI / 180)) / M_PI) / 2 * n);
    y1 = (long)floor((1 - asinh(tan(lat_s * M_PI / 180)) / M_PI) / 2 * n);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64 || x0 < 0 || y0 < 0 || x1 >= n || y1 >= n)
        return;
    pm_buf_puts(b, "<g class=\"base\" opacity=\"0.75\">\n");
    for (long ty = y0; ty <= y1; ty++)
        for (long tx = x0; tx <= x1; tx++) {
            double w = tx * 360.0 / n - 180, e = (tx + 1) * 360.0 / n - 180;
            double nn = atan(sinh(M_PI * (1 - 2.0 * ty / n))) * 180 / M_PI;
            double ss = atan(sinh(M_PI * (1 - 2.0 * (ty + 1) / n))) * 180 / M_PI;
            double xa = m->proj[4] + (w - m->proj[0]) * m->proj[2];
            double xb = m->proj[4] + (e - m->proj[0]) * m->proj[2];
            double ya = m->height - (m->proj[5] + (nn - m->proj[1]) * m->proj[3]);
            double yb = m->height - (m->proj[5] + (ss - m->proj[1]) * m->proj[3]);
            struct pm_buf u;

            pm_buf_init(&u);
            tile_url(&u, tiles, z, tx, ty);
            pm_buf_printf(b, "<image preserveAspectRatio=\"none\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                             "height=\"%.1f\" href=\"", xa, ya, xb - xa, yb - ya);
            html_text(b, u.oom ? "" : u.data);
            pm_buf_puts(b, "\"/>\n");
            pm_buf_release(&u);
        }
    pm_buf_puts(b, "</g>\n");
}

/* A map as inline SVG: base tiles, areas, trips, places, scale bar, north. */
static void html_map(struct pm_buf *b, const struct doc_map *m, const struct plan_base_map *base)
{
    pm_buf_printf(b, "<figure class=\"map\"><svg viewBox=\"0 0 %.0f %.0f\" "
                     "role=\"img\" aria-label=\"自宅と避難先の地図\">\n<rect width=\"%.0f\" height=\"%.0f\" "
                     "fill=\"#f7f5ef\" stroke=\"#999\"/>\n", m->width, m->height, m->width, m->height);
    if (base && base->tiles)
        html_tiles(b, m, base->tiles);
    for (int i = 0; i < m->nitems; i++) {
        const struct map_item *it = &m->items[i];

        if (it->style == MAP_AREA) {
            pm_buf_printf(b, "<path class=\"area\" fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\" "
                             "stroke-width=\"0.8\" d=\"", plan_area_colour(m->hazard), plan_area_colour(m->hazard));
            for (int k = 0; k < it->n; k++)
                pm_buf_printf(b, "%s%.1f %.1f", k ? " L" : "M", it->xy[2 * k], it->xy[2 * k + 1]);
            pm_buf_puts(b, " Z\"/>\n");
        } else if (it->style == MAP_TRIP || it->style == MAP_ALT_TRIP) {
            pm_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                             "stroke-width=\"%s\"%s/>\n", it->xy[0], it->xy[1], it->xy[2], it->xy[3],
                          it->style == MAP_TRIP ? "#c01c28" : "#777",
                          it->style == MAP_TRIP ? "3" : "1.2",
                          it->style == MAP_TRIP ? "" : " stroke-dasharray=\"5 4\"");
        }
    }
    for (int i = 0; i < m->nitems; i++)
        if (m->items[i].style >= MAP_HOME)
            svg_marker(b, &m->items[i]);
    pm_buf_printf(b, "<g font-size=\"10\"><line x1=\"12\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                     "stroke-width=\"2\"/><text x=\"12\" y=\"%.1f\">", m->height - 12, 12 + m->bar_len,
                  m->height - 12, m->height - 17);
    html_text(b, m->bar_label);
    pm_buf_printf(b, "</text><text x=\"%.1f\" y=\"20\" font-weight=\"bold\">↑北</text></g>\n</svg>\n",
                  m->width - 34);
    pm_buf_puts(b, "<figcaption>■ 自宅　● 避難先（赤線）　○ ほかの候補（点線）");
    if (strcmp(m->hazard, "none") != 0) {
        pm_buf_printf(b, "　<span style=\"color:%s\">■</span> ", plan_area_colour(m->hazard));
        html_text(b, pw_hazard(m->hazard));
        pm_buf_puts(b, "の危険区域");
    }
    if (base && base->tiles && base->attribution) {
        pm_buf_puts(b, "<br><span class=\"note\">背景地図：");
        html_text(b, base->attribution);
        pm_buf_puts(b, "</span>");
    }
    pm_buf_puts(b, "</figcaption></figure>\n");
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>個別避難計画</title>\n<style>\n"
    "@page { size: A4; margin: 12mm; }\n"
    "body { font-family: 'IPAGothic', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', sans-serif;"
    " font-size: 10.5pt; color: #111; max-width: 186mm; margin: 0 auto; line-height: 1.5; }\n"
    "h1 { font-size: 17pt; border-bottom: 3px solid #1a5fb4; padding-bottom: 3px; margin: 0 0 2px; }\n"
    "p.sub { margin: 0 0 6px; font-size: 11pt; }\n"
    "h2 { font-size: 12.5pt; background: #e8eef8; padding: 2px 8px; margin: 12px 0 5px; }\n"
    "h3 { font-size: 11pt; border-left: 4px solid #1a5fb4; padding-left: 6px; margin: 10px 0 4px; }\n"
    "table { border-collapse: collapse; width: 100%; margin: 2px 0; }\n"
    "th, td { border: 1px solid #999; padding: 2px 6px; text-align: left; vertical-align: top;"
    " white-space: pre-line; }\n"
    "th { background: #f3f3f3; width: 26%; font-weight: normal; }\n"
    "table.grid { font-size: 9pt; } table.grid th { width: auto; }\n"
    ".strong { font-size: 14pt; font-weight: bold; color: #a51d2d; margin: 4px 0; }\n"
    ".banner { border: 2px solid #a51d2d; padding: 4px 8px; margin: 6px 0; font-weight: bold; }\n"
    "ul.check { list-style: none; padding-left: 0; columns: 2; margin: 2px 0; }\n"
    "ul.check li::before { content: '\\2610  '; }\n"
    ".note { font-size: 8.5pt; color: #444; }\n"
    "figure.map { margin: 6px 0; break-inside: avoid; } figure.map svg { width: 100%; max-width: 160mm; }\n"
    "figcaption { font-size: 9pt; }\n"
    ".page { break-before: page; border-top: 1px dashed #999; margin-top: 16px; padding-top: 8px; }\n"
    "@media print { .page { border-top: none; margin-top: 0; } h2, h3 { break-after: avoid; }"
    " table, ul { break-inside: avoid; } }\n"
    "</style></head><body>\n";

/* Closes an open table or list when the next block is of another kind. */
static void html_close(struct pm_buf *b, enum doc_kind open, enum doc_kind next)
{
    if ((open == next && next != DOC_GRID_HEAD) || (open == DOC_GRID_HEAD && next == DOC_GRID_ROW) ||
        (open == DOC_GRID_ROW && next == DOC_GRID_ROW))
        return;
    if (open == DOC_ROW || open == DOC_GRID_HEAD || open == DOC_GRID_ROW)
        pm_buf_puts(b, "</table>\n");
    else if (open == DOC_ITEM || open == DOC_CHECK)
        pm_buf_puts(b, "</ul>\n");
}

static void html_cells(struct pm_buf *b, const char *cells, const char *tag)
{
    const char *s = cells ? cells : "";

    pm_buf_puts(b, "<tr>");
    for (;;) {
        const char *tab = strchr(s, '\t');
        char cell[1024];
        size_t n = tab ? (size_t)(tab - s) : strlen(s);

        snprintf(cell, sizeof cell, "%.*s", (int)(n < sizeof cell ? n : sizeof cell - 1), s);
        pm_buf_printf(b, "<%s>", tag);
        html_text(b, cell);
        pm_buf_printf(b, "</%s>", tag);
        if (!tab)
            break;
        s = tab + 1;
    }
    pm_buf_puts(b, "</tr>\n");
}

static void html_block(struct pm_buf *b, const struct plan_doc *d, const struct doc_block *bl,
                       enum doc_kind open, const struct plan_base_map *base)
{
    static const char *const tags[][2] = {
        [DOC_SECTION] = { "<h2>", "</h2>\n" }, [DOC_SUB] = { "<h3>", "</h3>\n" },
        [DOC_TEXT] = { "<p>", "</p>\n" }, [DOC_STRONG] = { "<p class=\"strong\">", "</p>\n" },
        [DOC_ITEM] = { "<li>", "</li>\n" }, [DOC_CHECK] = { "<li>", "</li>\n" },
        [DOC_NOTE] = { "<p class=\"note\">", "</p>\n" },
        [DOC_BANNER] = { "<p class=\"banner\">", "</p>\n" },
    };

    switch (bl->kind) {
    case DOC_TITLE:
        pm_buf_puts(b, "<h1>");
        html_text(b, bl->a);
        pm_buf_puts(b, "</h1>\n<p class=\"sub\">");
        html_text(b, bl->b);
        pm_buf_puts(b, "</p>\n");
        return;
    case DOC_ROW:
        pm_buf_puts(b, open == DOC_ROW ? "" : "<table>\n");
        pm_buf_puts(b, "<tr><th>");
        html_text(b, bl->a);
        pm_buf_puts(b, "</th><td>");
        html_text(b, bl->b);
        pm_buf_puts(b, "</td></tr>\n");
        return;
    case DOC_GRID_HEAD:
        pm_buf_puts(b, "<table class=\"grid\">\n");
        html_cells(b, bl->a, "th");
        return;
    case DOC_GRID_ROW:
        html_cells(b, bl->a, "td");
        return;
    case DOC_MAP:
        html_map(b, &d->maps[bl->map], base);
        return;
    case DOC_PAGE:
        pm_buf_puts(b, "<div class=\"page\"></div>\n");
        return;
    case DOC_ITEM:
    case DOC_CHECK:
        if (open != bl->kind)
            pm_buf_puts(b, bl->kind == DOC_CHECK ? "<ul class=\"check\">\n" : "<ul>\n");
        break;
    default:
        break;
    }
    pm_buf_puts(b, tags[bl->kind][0]);
    html_text(b, bl->a);
    pm_buf_puts(b, tags[bl->kind][1]);
}

char *plan_html(const cJSON *plan, const cJSON *checklist, size_t *len)
{
    return plan_html_with(plan, checklist, NULL, len);
}

char *plan_html_with(const cJSON *plan, const cJSON *checklist, const struct plan_base_map *base,
                     size_t *len)
{
    struct plan_doc d;
    struct pm_buf b;
    enum doc_kind open = DOC_PAGE;

    if (plan_doc_build(&d, plan, checklist, NULL) < 0)
        return NULL;
    pm_buf_init(&b);
    pm_buf_puts(&b, html_head);
    for (size_t i = 0; i < d.n; i++) {
        html_close(&b, open, d.blocks[i].kind);
        html_block(&b, &d, &d.blocks[i], open, base);
        open = d.blocks[i].kind;
    }
    html_close(&b, open, DOC_PAGE);
    pm_buf_puts(&b, "</body></html>\n");
    plan_doc_release(&d);
    return pm_buf_finish(&b, len);
}

/* ------------------------------------------------------------------------- */

static cJSON *point_feature(double lon, double lat, const char *role, const cJSON *props)
{
    cJSON *f = cJSON_CreateObject(), *g, *c, *p;

    if (!f)
        return NULL;
    cJSON_AddStringToObject(f, "type", "Feature");
    g = cJSON_AddObjectToObject(f, "geometry");
    cJSON_AddStringToObject(g, "type", "Point");
    c = cJSON_AddArrayToObject(g, "coordinates");
    cJSON_AddItemToArray(c, cJSON_CreateNumber(lon));
    cJSON_AddItemToArray(c, cJSON_CreateNumber(lat));
    p = props ? cJSON_Duplicate(props, 1) : cJSON_CreateObject();
    if (p) {
        cJSON_DeleteItemFromObjectCaseSensitive(p, "lat");
        cJSON_DeleteItemFromObjectCaseSensitive(p, "lon");
        cJSON_AddStringToObject(p, "role", role);
        cJSON_AddItemToObject(f, "properties", p);
    }
    return f;
}

static cJSON *line_feature(double lon1, double lat1, double lon2, double lat2, const char *role,
                           const cJSON *dst)
{
    cJSON *f = cJSON_CreateObject(), *g, *c, *a, *p;

    if (!f)
        return NULL;
    cJSON_AddStringToObject(f, "type", "Feature");
    g = cJSON_AddObjectToObject(f, "geometry");
    cJSON_AddStringToObject(g, "type", "LineString");
    c = cJSON_AddArrayToObject(g, "coordinates");
    a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lon1));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lat1));
    cJSON_AddItemToArray(c, a);
    a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lon2));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lat2));
    cJSON_AddItemToArray(c, a);
    p = cJSON_AddObjectToObject(f, "properties");
    cJSON_AddStringToObject(p, "role", role);
    if (cJSON_IsNumber(get(dst, "distance_m")))
        cJSON_AddNumberToObject(p, "distance_m", get(dst, "distance_m")->valuedouble);
    if (cJSON_IsNumber(get(dst, "travel_min")))
        cJSON_AddNumberToObject(p, "travel_min", get(dst, "travel_min")->valuedouble);
    return f;
}

static int lonlat(const cJSON *o, double *lon, double *lat)
{
    const cJSON *x = get(o, "lon"), *y = get(o, "lat");

    if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y))
        return 0;
    *lon = x->valuedouble;
    *lat = y->valuedouble;
    return 1;
}

char *plan_geojson(const cJSON *plan)
{
    cJSON *fc = cJSON_CreateObject(), *feats, *home_props;
    const cJSON *home = get(plan, "home"), *dst = get(plan, "destination"), *alt;
    double hx = 0, hy = 0, x, y;
    int have_home = lonlat(home, &hx, &hy);
    char *out;

    if (!fc)
        return NULL;
    cJSON_AddStringToObject(fc, "type", "FeatureCollection");
    feats = cJSON_AddArrayToObject(fc, "features");
    home_props = cJSON_CreateObject();
    if (home_props) {
        cJSON_AddNumberToObject(home_props, "child_id",
                                cJSON_IsNumber(get(plan, "child_id")) ? get(plan, "child_id")->valuedouble : 0);
        cJSON_AddStringToObject(home_props, "decision", str(plan, "decision") ? str(plan, "decision") : "");
        if (cJSON_IsNumber(get(plan, "leave_by_h")))
            cJSON_AddNumberToObject(home_props, "leave_by_h", get(plan, "leave_by_h")->valuedouble);
    }
    if (have_home)
        cJSON_AddItemToArray(feats, point_feature(hx, hy, "home", home_props));
    cJSON_Delete(home_props);
    if (cJSON_IsObject(dst) && lonlat(dst, &x, &y)) {
        cJSON_AddItemToArray(feats, point_feature(x, y, "destination", dst));
        if (have_home)
            cJSON_AddItemToArray(feats, line_feature(hx, hy, x, y, "trip", dst));
    }
    cJSON_ArrayForEach(alt, get(plan, "alternatives")) {
        if (!lonlat(alt, &x, &y))
            continue;
        cJSON_AddItemToArray(feats, point_feature(x, y, "alternative", alt));
        if (have_home)
            cJSON_AddItemToArray(feats, line_feature(hx, hy, x, y, "alternative_trip", alt));
    }
    out = cJSON_PrintUnformatted(fc);
    cJSON_Delete(fc);
    return out;
}
