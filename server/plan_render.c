/* plan_render.c -- a child's plan for people: the checklist of what to bring,
 * the printable A4 page in Japanese for the family and supporters, and the
 * GeoJSON of the trip.  Pure: plan JSON in, text out. */
#include "server/plan_render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

static int has_care(const cJSON *plan, const char *what)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, get(plan, "care"))
        if (cJSON_IsString(it) && strcmp(it->valuestring, what) == 0)
            return 1;
    return 0;
}

static int has_device(const cJSON *plan, const char *type_prefix)
{
    const cJSON *d;

    cJSON_ArrayForEach(d, get(plan, "devices")) {
        const char *t = str(d, "type");

        if (t && strncmp(t, type_prefix, strlen(type_prefix)) == 0)
            return 1;
    }
    return 0;
}

/* The Japanese name of a device type, or the type itself. */
static const char *device_ja(const char *type)
{
    static const char *const names[][2] = {
        { "ventilator", "人工呼吸器" }, { "oxygen_concentrator", "酸素濃縮装置" },
        { "suction", "吸引器" }, { "feeding_pump", "経管栄養ポンプ" },
        { "pulse_oximeter", "パルスオキシメーター" }, { "humidifier", "加温加湿器" },
        { "infusion_pump", "輸液ポンプ" }, { "oxygen", "酸素" },
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(type, names[i][0]) == 0)
            return names[i][1];
    return type;
}

static const char *hazard_ja(const char *h)
{
    static const char *const names[][2] = {
        { "flood", "洪水" }, { "landslide", "土砂災害" }, { "storm_surge", "高潮" },
        { "earthquake", "地震" }, { "tsunami", "津波" }, { "fire", "大規模な火事" },
        { "inland_flood", "内水氾濫" }, { "volcano", "火山現象" },
    };

    for (size_t i = 0; h && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(h, names[i][0]) == 0)
            return names[i][1];
    return h ? h : "";
}

static void add(cJSON *list, const char *item)
{
    cJSON *s = cJSON_CreateString(item);

    if (s && !cJSON_AddItemToArray(list, s))
        cJSON_Delete(s);
}

cJSON *plan_checklist(const cJSON *plan)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *d;
    const char *decision = str(plan, "decision");

    if (!list)
        return NULL;
    cJSON_ArrayForEach(d, get(plan, "devices")) {
        const char *t = str(d, "type");
        const cJSON *b = get(d, "battery_h");
        char line[256];

        if (!t || !cJSON_IsNumber(b) || b->valuedouble <= 0)
            continue;
        snprintf(line, sizeof line, "予備バッテリー（%s、満充電で約%.1f時間）", device_ja(t),
                 b->valuedouble);
        add(list, line);
    }
    if (has_care(plan, "ventilator") || has_device(plan, "ventilator")) {
        add(list, "手動式人工呼吸器（蘇生バッグ・アンビューバッグ）");
        add(list, "予備の呼吸器回路・人工鼻・フィルター");
    }
    if (has_care(plan, "tracheostomy"))
        add(list, "予備の気管カニューレ（同じサイズと一つ小さいサイズ）");
    if (has_care(plan, "suction") || has_device(plan, "suction")) {
        add(list, "手動式または足踏み式の吸引器");
        add(list, "吸引カテーテル・アルコール綿・精製水");
    }
    if (has_care(plan, "oxygen") || has_device(plan, "oxygen")) {
        add(list, "携帯用酸素ボンベ（残量を確認）と流量計");
        add(list, "鼻カニューレ・マスクの予備");
    }
    if (has_care(plan, "tube_feeding") || has_device(plan, "feeding")) {
        add(list, "栄養剤（3日分以上）・注入用シリンジ・延長チューブ");
    }
    if (has_care(plan, "iv"))
        add(list, "輸液・ルートの予備");
    if (has_care(plan, "dialysis"))
        add(list, "透析の記録と透析施設の連絡先");
    if (decision && (strcmp(decision, "charge") == 0 || strcmp(decision, "stay_home") == 0))
        add(list, "車で充電する場合のシガーソケット用インバーター（正弦波、機器の消費電力以上）");
    add(list, "延長コード・電源タップ（医療機器用）");
    add(list, "お薬・お薬手帳・医療情報ファイル（主治医の指示書、機器の設定値）");
    add(list, "懐中電灯・携帯電話の充電器・モバイルバッテリー");
    return list;
}

/* ------------------------------------------------------------------------- */

static void html_text(struct pm_buf *b, const char *s)
{
    pm_buf_html_escape(b, s ? s : "");
}

static const char *decision_ja(const char *d)
{
    if (!d)
        return "";
    if (strcmp(d, "stay_home") == 0)
        return "在宅避難（自宅にとどまる）";
    if (strcmp(d, "charge") == 0)
        return "充電に行く（電源供給ポイント）";
    if (strcmp(d, "evacuate") == 0)
        return "避難する（電源のある避難所）";
    return "行き先未定（市の担当者が個別に調整します）";
}

static void dest_row(struct pm_buf *b, const cJSON *dst)
{
    const cJSON *dist = get(dst, "distance_m"), *tm = get(dst, "travel_min");

    pm_buf_puts(b, "<tr><td>");
    html_text(b, str(dst, "name"));
    pm_buf_puts(b, "</td><td>");
    html_text(b, strcmp(str(dst, "type") ? str(dst, "type") : "", "shelter") == 0 ? "避難所"
                                                                                  : "電源供給ポイント");
    pm_buf_puts(b, "</td><td>");
    html_text(b, str(dst, "address"));
    pm_buf_puts(b, "</td><td>");
    if (cJSON_IsNumber(dist))
        pm_buf_printf(b, "%.1f km", dist->valuedouble / 1000.0);
    pm_buf_puts(b, "</td><td>");
    if (cJSON_IsNumber(tm))
        pm_buf_printf(b, "約%.0f分", tm->valuedouble);
    pm_buf_puts(b, "</td><td>");
    html_text(b, str(dst, "hours"));
    pm_buf_puts(b, "</td><td>");
    html_text(b, str(dst, "phone"));
    pm_buf_puts(b, "</td></tr>\n");
}

/* The reasons of the plan in Japanese, from its figures (the JSON reasons
 * are English, for staff and logs). */
static void reasons_ja(struct pm_buf *b, const cJSON *plan)
{
    const cJSON *runtime = get(plan, "runtime_h"), *dst = get(plan, "destination");
    const cJSON *scen = get(plan, "scenario"), *oh = get(scen, "outage_hours"), *it;
    const char *decision = str(plan, "decision");
    double outage = cJSON_IsNumber(oh) ? oh->valuedouble : 72;
    int in_hazard = 0, no_home = 0, taken = 0;

    cJSON_ArrayForEach(it, get(plan, "reasons")) {
        if (!cJSON_IsString(it))
            continue;
        in_hazard |= strstr(it->valuestring, "hazard area") != NULL;
        no_home |= strstr(it->valuestring, "no home location") != NULL;
        taken |= strstr(it->valuestring, "taken by children") != NULL;
    }
    if (no_home) {
        pm_buf_puts(b, "<li>自宅の位置が地図上で確認できていません（住所を確認してください）。</li>\n");
        return;
    }
    if (in_hazard)
        pm_buf_printf(b, "<li>自宅が%sの危険区域内にあるため、避難が必要です。</li>\n",
                      hazard_ja(str(scen, "hazard")));
    if (!cJSON_IsNumber(runtime))
        pm_buf_puts(b, "<li>電源が必要な医療機器はありません。</li>\n");
    else if (runtime->valuedouble >= outage)
        pm_buf_printf(b, "<li>バッテリーは約%.1f時間もち、想定する停電（%.0f時間）より長くもちます。</li>\n",
                      runtime->valuedouble, outage);
    else
        pm_buf_printf(b, "<li>バッテリーは約%.1f時間しかもたず、想定する停電（%.0f時間）より短いため、"
                         "電源のある場所へ移る必要があります。</li>\n", runtime->valuedouble, outage);
    if (cJSON_IsObject(dst)) {
        const cJSON *d = get(dst, "distance_m"), *t = get(dst, "travel_min");

        pm_buf_printf(b, "<li>行き先は約%.1f km（車で約%.0f分）で、電源と空いているコンセントがあります。</li>\n",
                      cJSON_IsNumber(d) ? d->valuedouble / 1000 : 0.0,
                      cJSON_IsNumber(t) ? t->valuedouble : 0.0);
    } else if (decision && strcmp(decision, "unassigned") == 0) {
        pm_buf_puts(b, taken ? "<li>近くの電源は、よりバッテリーが早く切れる方に割り当てられています。</li>\n"
                             : "<li>バッテリーが切れる前に着ける、電源のある行き先が見つかりませんでした。</li>\n");
    }
}

char *plan_html(const cJSON *plan, const cJSON *checklist, size_t *len)
{
    struct pm_buf b;
    const cJSON *it, *dst = get(plan, "destination"), *leave = get(plan, "leave_by_h");
    const cJSON *runtime = get(plan, "runtime_h"), *scen = get(plan, "scenario");

    pm_buf_init(&b);
    pm_buf_puts(&b,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>個別避難計画</title>\n<style>\n"
        "@page { size: A4; margin: 15mm; }\n"
        "body { font-family: 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', sans-serif;"
        " font-size: 11pt; color: #111; max-width: 180mm; margin: 0 auto; line-height: 1.5; }\n"
        "h1 { font-size: 18pt; border-bottom: 3px solid #1a5fb4; padding-bottom: 4px; margin: 0 0 8px; }\n"
        "h2 { font-size: 13pt; background: #e8eef8; padding: 3px 8px; margin: 14px 0 6px; }\n"
        "table { border-collapse: collapse; width: 100%; }\n"
        "th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }\n"
        "th { background: #f3f3f3; width: 28%; font-weight: normal; }\n"
        "table.places { font-size: 9.5pt; }\n"
        "table.places th { width: auto; }\n"
        "table.places td:nth-child(n+4), table.places th:nth-child(n+4) { white-space: nowrap; }\n"
        ".decision { font-size: 16pt; font-weight: bold; color: #a51d2d; }\n"
        ".leave { font-size: 14pt; font-weight: bold; }\n"
        "ul.check { list-style: none; padding-left: 0; columns: 2; }\n"
        "ul.check li::before { content: '\\2610  '; }\n"
        ".note { font-size: 9pt; color: #444; }\n"
        "@media print { h2 { break-after: avoid; } table, ul { break-inside: avoid; } }\n"
        "</style></head><body>\n<h1>個別避難計画（停電時）</h1>\n<table>\n<tr><th>名前</th><td>");
    html_text(&b, str(plan, "name"));
    if (str(plan, "name_kana")) {
        pm_buf_puts(&b, "（");
        html_text(&b, str(plan, "name_kana"));
        pm_buf_puts(&b, "）");
    }
    pm_buf_puts(&b, "</td></tr>\n<tr><th>台帳番号</th><td>");
    html_text(&b, str(plan, "external_id"));
    pm_buf_puts(&b, "</td></tr>\n<tr><th>想定</th><td>");
    if (scen) {
        const cJSON *oh = get(scen, "outage_hours");
        const char *hz = str(scen, "hazard");

        pm_buf_printf(&b, "停電 %.0f 時間", cJSON_IsNumber(oh) ? oh->valuedouble : 0.0);
        if (hz && strcmp(hz, "none") != 0) {
            pm_buf_puts(&b, "・災害種別 ");
            html_text(&b, hz);
        }
    }
    pm_buf_puts(&b, "</td></tr>\n<tr><th>機器の消費電力</th><td>");
    pm_buf_printf(&b, "合計 %.0f W", cJSON_IsNumber(get(plan, "need_w")) ? get(plan, "need_w")->valuedouble : 0.0);
    pm_buf_puts(&b, "</td></tr>\n<tr><th>バッテリーでもつ時間</th><td>");
    if (cJSON_IsNumber(runtime))
        pm_buf_printf(&b, "約 %.1f 時間", runtime->valuedouble);
    else
        pm_buf_puts(&b, "電源を使う機器なし");
    pm_buf_puts(&b, "</td></tr>\n</table>\n<h2>判断</h2>\n<p class=\"decision\">");
    html_text(&b, decision_ja(str(plan, "decision")));
    pm_buf_puts(&b, "</p>\n<ul>\n");
    reasons_ja(&b, plan);
    pm_buf_puts(&b, "</ul>\n<h2>出発の目安</h2>\n<p class=\"leave\">");
    if (cJSON_IsNumber(leave) && cJSON_IsObject(dst) && leave->valuedouble < 1)
        pm_buf_printf(&b, "停電が始まってから %.0f 分以内に出発してください。",
                      leave->valuedouble > 0 ? floor(leave->valuedouble * 60) : 0.0);
    else if (cJSON_IsNumber(leave) && cJSON_IsObject(dst))
        pm_buf_printf(&b, "停電が始まってから %.1f 時間以内に出発してください。",
                      floor(leave->valuedouble * 10) / 10);
    else if (strcmp(str(plan, "decision") ? str(plan, "decision") : "", "stay_home") == 0)
        pm_buf_puts(&b, "自宅で過ごします。機器の残量をこまめに確認してください。");
    else if (cJSON_IsObject(dst))
        pm_buf_puts(&b, "避難の指示が出たらすぐに出発してください。");
    else
        pm_buf_puts(&b, "市の担当者・相談支援専門員にすぐ連絡してください。");
    pm_buf_puts(&b, "</p>\n<h2>避難先</h2>\n<table class=\"places\">\n<tr><th>名称</th><th>種類</th><th>住所</th>"
                    "<th>距離</th><th>移動</th><th>利用時間</th><th>電話</th></tr>\n");
    if (cJSON_IsObject(dst))
        dest_row(&b, dst);
    else
        pm_buf_puts(&b, "<tr><td colspan=\"7\">なし</td></tr>\n");
    pm_buf_puts(&b, "</table>\n");
    if (cJSON_GetArraySize(get(plan, "alternatives")) > 0) {
        pm_buf_puts(&b, "<p>ほかの候補:</p>\n<table class=\"places\">\n<tr><th>名称</th><th>種類</th><th>住所</th>"
                        "<th>距離</th><th>移動</th><th>利用時間</th><th>電話</th></tr>\n");
        cJSON_ArrayForEach(it, get(plan, "alternatives"))
            dest_row(&b, it);
        pm_buf_puts(&b, "</table>\n");
    }
    pm_buf_puts(&b, "<h2>持ち物</h2>\n<ul class=\"check\">\n");
    cJSON_ArrayForEach(it, checklist) {
        pm_buf_puts(&b, "<li>");
        html_text(&b, cJSON_IsString(it) ? it->valuestring : "");
        pm_buf_puts(&b, "</li>\n");
    }
    pm_buf_puts(&b, "</ul>\n<h2>連絡先</h2>\n<table>\n<tr><th>保護者</th><td>");
    html_text(&b, str(plan, "guardian_name"));
    pm_buf_puts(&b, " ");
    html_text(&b, str(plan, "guardian_phone"));
    pm_buf_puts(&b, "</td></tr>\n<tr><th>かかりつけ病院</th><td>");
    html_text(&b, str(plan, "hospital"));
    pm_buf_puts(&b, "</td></tr>\n<tr><th>支援者</th><td>");
    {
        int n = 0;

        cJSON_ArrayForEach(it, get(plan, "supporters")) {
            if (n++)
                pm_buf_puts(&b, "、");
            /* v2 supporters are {name, relation, phone, address} */
            html_text(&b, cJSON_IsString(it) ? it->valuestring : str(it, "name"));
        }
    }
    pm_buf_puts(&b, "</td></tr>\n</table>\n<p class=\"note\">作成: ");
    html_text(&b, str(plan, "planned_at"));
    pm_buf_puts(&b, "（powermap 計画番号 ");
    if (cJSON_IsNumber(get(plan, "run_id")))
        pm_buf_printf(&b, "%.0f", get(plan, "run_id")->valuedouble);
    pm_buf_puts(&b, "）。この計画は停電の想定にもとづく目安です。状況に応じて市・支援者と相談してください。</p>\n"
                    "</body></html>\n");
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, len);
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
