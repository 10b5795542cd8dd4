/* plan_doc.c -- the 個別避難計画 as a list of blocks (plan_render.h), built
 * once from the plan JSON and drawn by the HTML (plan_render.c) and the PDF
 * (pdf.c) alike, so that both hold the same items.  The items follow the
 * Cabinet Office 取組指針 (令和3年改定), 災害対策基本法 49条の10/49条の14 and
 * the medical forms for children on ventilators (README, "The plan").
 * Pure: JSON in, blocks out. */
#include "server/plan_render.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/plan_words.h"
#include "server/util.h"

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);

    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A number member, or NAN. */
static double num(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);

    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int truth(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(get(o, k));
}

static const char *or_blank(const char *s)
{
    return s ? s : "（未記入）";
}

/* ------------------------------------------------------------------------- */

/* pm_grow for the arrays of d; out of memory marks d. */
static void *grow(struct plan_doc *d, void *p, size_t n, size_t *cap, size_t elem, size_t first)
{
    void *np = pm_grow(p, n, cap, elem, first);

    if (!np)
        d->oom = 1;
    return np;
}

static struct doc_block *push(struct plan_doc *d, enum doc_kind k, const char *a, const char *b)
{
    struct doc_block *bl;

    if (d->oom)
        return NULL;
    bl = grow(d, d->blocks, d->n, &d->cap, sizeof *bl, 64);
    if (!bl)
        return NULL;
    d->blocks = bl;
    bl = &d->blocks[d->n];
    memset(bl, 0, sizeof *bl);
    bl->kind = k;
    bl->a = a ? strdup(a) : NULL;
    bl->b = b ? strdup(b) : NULL;
    if ((a && !bl->a) || (b && !bl->b)) {
        free(bl->a);
        free(bl->b);
        d->oom = 1;
        return NULL;
    }
    d->n++;
    return bl;
}

static void add(struct plan_doc *d, enum doc_kind k, const char *a)
{
    push(d, k, a, NULL);
}

static void row(struct plan_doc *d, const char *label, const char *value)
{
    push(d, DOC_ROW, label, value ? value : "（未記入）");
}

/* A block of kind k (with label: a row) of text formatted from fmt and ap. */
static void pushv(struct plan_doc *d, enum doc_kind k, const char *label, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void pushv(struct plan_doc *d, enum doc_kind k, const char *label, const char *fmt, va_list ap)
{
    char buf[2048];

    vsnprintf(buf, sizeof buf, fmt, ap);
    if (label)
        row(d, label, buf);
    else
        add(d, k, buf);
}

static void addf(struct plan_doc *d, enum doc_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void addf(struct plan_doc *d, enum doc_kind k, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pushv(d, k, NULL, fmt, ap);
    va_end(ap);
}

static void rowf(struct plan_doc *d, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rowf(struct plan_doc *d, const char *label, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pushv(d, DOC_ROW, label, fmt, ap);
    va_end(ap);
}

void plan_doc_release(struct plan_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->blocks[i].a);
        free(d->blocks[i].b);
    }
    free(d->blocks);
    for (size_t i = 0; i < d->nmaps; i++) {
        for (int j = 0; j < d->maps[i].nitems; j++)
            free(d->maps[i].items[j].xy);
        free(d->maps[i].items);
    }
    free(d->maps);
    memset(d, 0, sizeof *d);
}

/* "key:NAME" / "user:LOGIN" as a person reads it. */
static void who(const char *actor, char *out, size_t cap)
{
    if (!actor)
        snprintf(out, cap, "（記録なし）");
    else if (strncmp(actor, "user:", 5) == 0)
        snprintf(out, cap, "%s", actor + 5);
    else if (strncmp(actor, "key:", 4) == 0)
        snprintf(out, cap, "%s（システム連携）", actor + 4);
    else
        snprintf(out, cap, "%s", actor);
}

/* ------------------------------------------------------------------------- */
/* Maps                                                                         */
/* ------------------------------------------------------------------------- */

static int lonlat(const cJSON *o, double *lon, double *lat)
{
    *lon = num(o, "lon");
    *lat = num(o, "lat");
    return isfinite(*lon) && isfinite(*lat);
}

int plan_map_bbox(const cJSON *home, const cJSON *section_plan, double bb[4])
{
    double x, y, mx, my, lat0;
    const cJSON *it;

    if (!lonlat(home, &x, &y))
        return -1;
    bb[0] = bb[2] = x;
    bb[1] = bb[3] = y;
    if (lonlat(get(section_plan, "destination"), &x, &y)) {
        bb[0] = fmin(bb[0], x), bb[2] = fmax(bb[2], x);
        bb[1] = fmin(bb[1], y), bb[3] = fmax(bb[3], y);
    }
    cJSON_ArrayForEach(it, get(section_plan, "alternatives")) {
        if (!lonlat(it, &x, &y))
            continue;
        bb[0] = fmin(bb[0], x), bb[2] = fmax(bb[2], x);
        bb[1] = fmin(bb[1], y), bb[3] = fmax(bb[3], y);
    }
    /* Padded by a fifth, and at least 600 m either way of the centre. */
    lat0 = (bb[1] + bb[3]) / 2;
    mx = fmax((bb[2] - bb[0]) * 0.6, 600 / (111320 * cos(lat0 * M_PI / 180)));
    my = fmax((bb[3] - bb[1]) * 0.6, 600 / 110574.0);
    x = (bb[0] + bb[2]) / 2;
    y = lat0;
    bb[0] = x - mx, bb[2] = x + mx;
    bb[1] = y - my, bb[3] = y + my;
    return 0;
}

/* Projects lon/lat into the map: equirectangular at the box's latitude,
 * one scale for both axes, centred. */
struct proj {
    double lon0, lat0, k, kx, ox, oy, h;
};

static void proj_init(struct proj *p, const double bb[4], double w, double h)
{
    double mw, mh;

    p->lat0 = (bb[1] + bb[3]) / 2;
    p->lon0 = bb[0];
    p->kx = 111320 * cos(p->lat0 * M_PI / 180);
    mw = (bb[2] - bb[0]) * p->kx;
    mh = (bb[3] - bb[1]) * 110574;
    p->k = fmin(w / mw, h / mh);                 /* map units per metre */
    p->ox = (w - mw * p->k) / 2;
    p->oy = (h - mh * p->k) / 2;
    p->h = h;
    p->lat0 = bb[1];
}

static void proj_xy(const struct proj *p, double lon, double lat, double *x, double *y)
{
    *x = p->ox + (lon - p->lon0) * p->kx * p->k;
    *y = p->h - (p->oy + (lat - p->lat0) * 110574 * p->k);
}

static struct map_item *map_add(struct plan_doc *d, struct doc_map *m, enum map_style s, int n,
                                const char *label)
{
    struct map_item *it;

    it = grow(d, m->items, (size_t)m->nitems, &m->cap, sizeof *it, 16);
    if (!it)
        return NULL;
    m->items = it;
    it = &m->items[m->nitems];
    memset(it, 0, sizeof *it);
    it->xy = calloc((size_t)n * 2, sizeof *it->xy);
    if (!it->xy) {
        d->oom = 1;
        return NULL;
    }
    it->style = s;
    it->n = n;
    snprintf(it->label, sizeof it->label, "%s", label ? label : "");
    m->nitems++;
    return it;
}

/* Adds each ring of a polygon's coordinates. */
static void map_rings(struct plan_doc *d, struct doc_map *m, const struct proj *p, const cJSON *rings)
{
    const cJSON *ring, *pt;

    cJSON_ArrayForEach(ring, rings) {
        int n = cJSON_GetArraySize(ring), i = 0;
        struct map_item *it = n >= 3 ? map_add(d, m, MAP_AREA, n, NULL) : NULL;

        if (!it)
            continue;
        cJSON_ArrayForEach(pt, ring) {
            const cJSON *x = cJSON_GetArrayItem(pt, 0), *y = cJSON_GetArrayItem(pt, 1);

            if (i < n && cJSON_IsNumber(x) && cJSON_IsNumber(y))
                proj_xy(p, x->valuedouble, y->valuedouble, &it->xy[2 * i], &it->xy[2 * i + 1]);
            i++;
        }
    }
}

/* Adds the rings of a GeoJSON (Multi)Polygon or GeometryCollection. */
static void map_areas(struct plan_doc *d, struct doc_map *m, const struct proj *p, const cJSON *g)
{
    const char *t = str(g, "type");
    const cJSON *part;

    if (!t)
        return;
    if (strcmp(t, "GeometryCollection") == 0) {
        cJSON_ArrayForEach(part, get(g, "geometries"))
            map_areas(d, m, p, part);
    } else if (strcmp(t, "Polygon") == 0) {
        map_rings(d, m, p, get(g, "coordinates"));
    } else if (strcmp(t, "MultiPolygon") == 0) {
        cJSON_ArrayForEach(part, get(g, "coordinates"))
            map_rings(d, m, p, part);
    }
}

static void map_point(struct plan_doc *d, struct doc_map *m, const struct proj *p,
                      enum map_style s, double lon, double lat, const char *label)
{
    struct map_item *it = map_add(d, m, s, 1, label);

    if (it)
        proj_xy(p, lon, lat, &it->xy[0], &it->xy[1]);
}

static void map_line(struct plan_doc *d, struct doc_map *m, const struct proj *p, enum map_style s,
                     const double a[2], const double b[2])
{
    struct map_item *it = map_add(d, m, s, 2, NULL);

    if (!it)
        return;
    proj_xy(p, a[0], a[1], &it->xy[0], &it->xy[1]);
    proj_xy(p, b[0], b[1], &it->xy[2], &it->xy[3]);
}

/* A scale bar of a round length near a quarter of the width. */
static void map_scale(struct doc_map *m, const struct proj *p)
{
    static const double steps[] = { 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000 };
    double want = m->width / 4 / p->k, len = steps[0];

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] <= want)
            len = steps[i];
    m->bar_len = len * p->k;
    if (len >= 1000)
        snprintf(m->bar_label, sizeof m->bar_label, "%.0f km", len / 1000);
    else
        snprintf(m->bar_label, sizeof m->bar_label, "%.0f m", len);
}

/* Draws a section's map: its hazard's areas, the trips to the
 * alternatives, the trip, the places.  Adds a DOC_MAP block. */
static void section_map(struct plan_doc *d, const cJSON *plan, const cJSON *sec)
{
    const cJSON *home = get(plan, "home"), *sp = get(sec, "plan"), *it;
    double bb[4], h[2], x[2];
    struct proj p;
    struct doc_map *maps, *m;
    struct doc_block *bl;
    int n = 0;

    if (plan_map_bbox(home, sp, bb) < 0 || d->oom)
        return;
    maps = realloc(d->maps, (d->nmaps + 1) * sizeof *maps);
    if (!maps) {
        d->oom = 1;
        return;
    }
    d->maps = maps;
    m = &d->maps[d->nmaps++];
    memset(m, 0, sizeof *m);
    m->width = 480;
    m->height = 280;
    snprintf(m->hazard, sizeof m->hazard, "%s", or_blank(str(sec, "hazard")));
    proj_init(&p, bb, m->width, m->height);
    m->proj[0] = p.lon0, m->proj[1] = p.lat0, m->proj[2] = p.kx * p.k;
    m->proj[3] = 110574 * p.k, m->proj[4] = p.ox, m->proj[5] = p.oy;
    cJSON_ArrayForEach(it, get(sec, "areas"))
        map_areas(d, m, &p, it);
    lonlat(home, &h[0], &h[1]);
    cJSON_ArrayForEach(it, get(sp, "alternatives"))
        if (lonlat(it, &x[0], &x[1]))
            map_line(d, m, &p, MAP_ALT_TRIP, h, x);
    if (lonlat(get(sp, "destination"), &x[0], &x[1]))
        map_line(d, m, &p, MAP_TRIP, h, x);
    cJSON_ArrayForEach(it, get(sp, "alternatives")) {
        char label[32];

        snprintf(label, sizeof label, "候補%d", ++n);
        if (lonlat(it, &x[0], &x[1]))
            map_point(d, m, &p, MAP_ALT, x[0], x[1], label);
    }
    if (lonlat(get(sp, "destination"), &x[0], &x[1]))
        map_point(d, m, &p, MAP_DEST, x[0], x[1], "避難先");
    map_point(d, m, &p, MAP_HOME, h[0], h[1], "自宅");
    map_scale(m, &p);
    bl = push(d, DOC_MAP, NULL, NULL);
    if (bl)
        bl->map = (int)(d->nmaps - 1);
}

/* ------------------------------------------------------------------------- */
/* The contents                                                                 */
/* ------------------------------------------------------------------------- */

static void place_line(const cJSON *dst, char *out, size_t cap)
{
    const char *hours = str(dst, "hours");
    double km = num(dst, "distance_m") / 1000, min = num(dst, "travel_min");
    char trip[96] = "", open[64] = "";

    if (isfinite(km) && isfinite(min))
        snprintf(trip, sizeof trip, "自宅から約%.1fキロ・車で約%.0f分。", km, min);
    if (hours && strcmp(hours, "24h") != 0)
        snprintf(open, sizeof open, "開いている時間 %s。", hours);
    snprintf(out, cap, "%s（%s）。%s%s%s%s%s", or_blank(str(dst, "name")),
             strcmp(str(dst, "type") ? str(dst, "type") : "", "shelter") == 0 ? "避難所" : "電源供給ポイント",
             str(dst, "address") ? str(dst, "address") : "", str(dst, "address") ? "。" : "", trip,
             str(dst, "phone") ? "電話 " : "", str(dst, "phone") ? str(dst, "phone") : "");
    if (open[0] && strlen(out) + strlen(open) + 4 < cap) {
        strcat(out, "　");
        strcat(out, open);
    }
}

/* When to leave, by hazard (DESIGN 6 rule 11), in words. */
static void leave_words(const char *hazard, const cJSON *sp, char *out, size_t cap)
{
    const char *decision = str(sp, "decision");
    const cJSON *when = get(sp, "leave_when");
    double leave = num(sp, "leave_by_h");
    char hrs[64];

    const char *code = str(when, "code");

    /* The planner's rule 11 code when it gives one, else the same rule here. */
    if (code ? strcmp(code, "alert_level_3") == 0
             : (strcmp(hazard, "flood") == 0 || strcmp(hazard, "landslide") == 0 ||
                strcmp(hazard, "storm_surge") == 0 || strcmp(hazard, "inland_flood") == 0)) {
        snprintf(out, cap, "警戒レベル3（高齢者等避難）が出たら、すぐに出発します。停電や浸水を待ちません。");
        return;
    }
    if (code ? strcmp(code, "at_once") == 0 : strcmp(hazard, "tsunami") == 0) {
        snprintf(out, cap, "強い揺れを感じたら、または津波警報・注意報が出たら、ただちに避難します。");
        return;
    }
    if (decision && strcmp(decision, "stay_home") == 0) {
        snprintf(out, cap, "自宅で過ごします（在宅避難）。機器の電池残量をこまめに確認し、減りが早いときは市に連絡します。");
        return;
    }
    if (!get(sp, "destination") || cJSON_IsNull(get(sp, "destination"))) {
        snprintf(out, cap, "停電したら、すぐに市の担当者・相談支援専門員に連絡します。");
        return;
    }
    if (!isfinite(leave)) {
        snprintf(out, cap, "避難の指示が出たら、すぐに出発します。");
        return;
    }
    if (leave < 1.0 / 60) {
        snprintf(out, cap, "停電したら、ただちに出発します。");
        return;
    }
    plan_ja_hours(leave, hrs, sizeof hrs);
    snprintf(out, cap, "停電が始まってから%s以内に出発します（バッテリーが切れる前に着くため）。", hrs);
}

/* Rule 12: trips to charge during a long outage, in words. */
static void charge_words(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *ch = get(plan, "charge");
    char a[64];

    if (!cJSON_IsObject(ch) || !isfinite(num(ch, "trips")))
        return;
    plan_ja_hours(num(ch, "charge_h"), a, sizeof a);
    addf(d, DOC_TEXT, "停電%.0f時間のあいだに、充電に約%.0f回通います（1回の充電に%s）。%s",
         isfinite(num(ch, "outage_hours")) ? num(ch, "outage_hours") : 72.0, num(ch, "trips"),
         isfinite(num(ch, "charge_h")) ? a : "時間は未記入",
         truth(ch, "batteries_can_travel") ? "本人が行かず、バッテリーだけを運んで充電することもできます。"
                                            : "バッテリーは外せないため、本人と機器ごと移動します。");
}

static void title(struct plan_doc *d, const cJSON *plan, const struct plan_doc_opts *o, int family)
{
    const cJSON *muni = get(plan, "municipality");
    char sub[512];

    snprintf(sub, sizeof sub, "%s%s%s　台帳番号 %s", str(muni, "municipality") ? str(muni, "municipality") : "",
             str(muni, "municipality") ? "　" : "", or_blank(str(plan, "name")),
             or_blank(str(plan, "external_id")));
    if (family)
        push(d, DOC_TITLE, "個別避難計画（家族用　1枚目）", sub);
    else
        push(d, DOC_TITLE, o && o->audience && strcmp(o->audience, "supporter") == 0
                               ? "個別避難計画（避難支援等実施者用）" : "個別避難計画", sub);
    if (o && o->override_note)
        addf(d, DOC_BANNER, "災害時の特例による提供：%s（本人の同意なし。災害対策基本法第49条の11第3項・第49条の15第3項）",
             o->override_note);
    else if (o && o->audience && strcmp(o->audience, "supporter") == 0)
        add(d, DOC_BANNER, "本人・家族の同意にもとづき、避難支援等実施者に提供する写しです。目的以外に使わず、他の人に見せないでください。");
}

/* The municipality's contact line. */
static void contact_row(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *m = get(plan, "municipality");

    if (str(m, "phone") || str(m, "department"))
        rowf(d, "市の連絡先", "%s%s%s　電話 %s", or_blank(str(m, "municipality")),
             str(m, "department") ? " " : "", str(m, "department") ? str(m, "department") : "",
             or_blank(str(m, "phone")));
    else
        row(d, "市の連絡先", "（市町村の連絡先が設定されていません）");
}

static const cJSON *contact_of(const cJSON *kid, const char *role)
{
    const cJSON *c;

    cJSON_ArrayForEach(c, get(get(kid, "record"), "medical_contacts"))
        if (str(c, "role") && strcmp(str(c, "role"), role) == 0)
            return c;
    return NULL;
}

static void contact_text(const cJSON *c, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s%s", str(c, "organisation") ? str(c, "organisation") : "",
             str(c, "organisation") && str(c, "name") ? "　" : "", str(c, "name") ? str(c, "name") : "",
             str(c, "phone") ? "　電話 " : "", str(c, "phone") ? str(c, "phone") : "");
    if (!out[0])
        snprintf(out, cap, "（未記入）");
}

/* Page 1: what the family keeps by the bed. */
static void family_page(struct plan_doc *d, const cJSON *plan, const cJSON *check,
                        const struct plan_doc_opts *o)
{
    const cJSON *scen = get(plan, "scenario"), *sec0 = cJSON_GetArrayItem(get(plan, "hazard_sections"), 0);
    const cJSON *dst = get(plan, "destination"), *kid = get(plan, "child"), *it, *agreed;
    const char *hz = str(scen, "hazard") ? str(scen, "hazard") : "none";
    char buf[1024], hrs[64];

    title(d, plan, o, 1);
    if (str(plan, "name_kana"))
        rowf(d, "名前", "%s（%s）", or_blank(str(plan, "name")), str(plan, "name_kana"));
    else
        row(d, "名前", str(plan, "name"));
    snprintf(hrs, sizeof hrs, "停電%.0f時間", isfinite(num(scen, "outage_hours")) ? num(scen, "outage_hours") : 72.0);
    if (strcmp(hz, "none") == 0)
        row(d, "想定", hrs);
    else
        rowf(d, "想定", "%s・%s", pw_hazard(hz), hrs);
    add(d, DOC_SECTION, "判断");
    add(d, DOC_STRONG, pw_decision(str(plan, "decision")));
    cJSON_ArrayForEach(it, get(plan, "reasons_ja"))
        add(d, DOC_ITEM, str(it, "text"));
    add(d, DOC_SECTION, "出発の目安（いつ出発するか）");
    leave_words(hz, sec0 ? get(sec0, "plan") : plan, buf, sizeof buf);
    add(d, DOC_STRONG, buf);
    add(d, DOC_SECTION, "避難先（どこへ行くか）");
    if (cJSON_IsObject(dst)) {
        place_line(dst, buf, sizeof buf);
        add(d, DOC_TEXT, buf);
    } else {
        add(d, DOC_TEXT, "行き先はありません（自宅で過ごすか、市の担当者が調整します）。");
    }
    charge_words(d, plan);
    agreed = get(get(plan, "document"), "agreed_destination");
    if (cJSON_IsObject(agreed)) {
        int same = cJSON_IsObject(dst) && num(dst, "id") == num(agreed, "id") &&
                   strcmp(or_blank(str(dst, "type")), or_blank(str(agreed, "type"))) == 0;

        addf(d, DOC_TEXT, "施設と合意した避難先：%s%s%s%s", or_blank(str(agreed, "name")),
             str(agreed, "note") ? "（" : "", str(agreed, "note") ? str(agreed, "note") : "",
             str(agreed, "note") ? "）" : "");
        if (str(plan, "agreed") ? strcmp(str(plan, "agreed"), "not_eligible") == 0 : !same)
            add(d, DOC_BANNER, "この想定では、合意した避難先を使えません（閉鎖・危険区域内・停電など）。上の行き先へ向かい、市に連絡してください。");
    }
    add(d, DOC_SECTION, "持ち物");
    cJSON_ArrayForEach(it, check)
        if (cJSON_IsString(it))
            add(d, DOC_CHECK, it->valuestring);
    add(d, DOC_SECTION, "連絡先");
    rowf(d, "保護者", "%s　%s", or_blank(str(plan, "guardian_name")), or_blank(str(plan, "guardian_phone")));
    if (contact_of(kid, "doctor")) {
        contact_text(contact_of(kid, "doctor"), buf, sizeof buf);
        row(d, "主治医", buf);
    } else {
        row(d, "かかりつけ病院", str(plan, "hospital"));
    }
    if (contact_of(kid, "device_dealer")) {
        contact_text(contact_of(kid, "device_dealer"), buf, sizeof buf);
        row(d, "機器の業者（24時間）", buf);
    }
    contact_row(d, plan);
}

/* 名簿 items (災害対策基本法 49条の10第2項) and the reasons for support in
 * words a neighbour understands. */
static void register_items(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *rec = get(get(plan, "child"), "record"), *it;
    char buf[2048], date[64], hrs[64];
    struct pm_buf why;
    int life = 0;

    add(d, DOC_SECTION, "1. 本人の情報（避難行動要支援者名簿の記載事項）");
    row(d, "氏名", str(rec, "name"));
    row(d, "ふりがな", str(rec, "name_kana"));
    plan_ja_date(str(rec, "birth_date"), 0, date, sizeof date);
    row(d, "生年月日", date[0] ? date : NULL);
    row(d, "性別", str(rec, "sex") ? pw_sex(str(rec, "sex")) : NULL);
    row(d, "住所", str(rec, "address"));
    if (str(rec, "phone") || !str(rec, "guardian_phone"))
        row(d, "電話番号", str(rec, "phone"));
    else
        rowf(d, "電話番号", "%s（保護者）", str(rec, "guardian_phone"));
    if (str(rec, "affiliation")) {
        snprintf(buf, sizeof buf, "%s%s%s%s%s", pw_affiliation(str(rec, "affiliation")),
                 str(rec, "affiliation_name") ? "　" : "", str(rec, "affiliation_name") ? str(rec, "affiliation_name") : "",
                 str(rec, "grade") ? "　" : "", str(rec, "grade") ? str(rec, "grade") : "");
        row(d, "日中いる所", buf);
    }
    pm_buf_init(&why);
    cJSON_ArrayForEach(it, get(get(plan, "child"), "devices"))
        life |= truth(it, "life_sustaining");
    if (life)
        pm_buf_puts(&why, "命を支える医療機器を使っていて、電気が止まると命にかかわります。");
    plan_ja_hours(num(plan, "runtime_h"), hrs, sizeof hrs);
    if (isfinite(num(plan, "runtime_h")))
        pm_buf_printf(&why, "停電すると、機器は%sで止まります。", hrs);
    cJSON_ArrayForEach(it, get(rec, "care"))
        if (cJSON_IsString(it)) {
            static const char *const says[][2] = {
                { "ventilator", "人工呼吸器で呼吸を助けています。" },
                { "tracheostomy", "のどに呼吸のための穴（気管切開）があります。" },
                { "suction", "たんの吸引がたびたび要ります。" },
                { "oxygen", "酸素を吸っています。" },
                { "tube_feeding", "鼻やおなかの管から栄養をとっています。" },
                { "iv", "点滴（中心静脈栄養）をしています。" },
                { "dialysis", "透析を受けています。" },
            };

            for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
                if (strcmp(it->valuestring, says[i][0]) == 0)
                    pm_buf_puts(&why, says[i][1]);
        }
    pm_buf_puts(&why, pw_mobility(str(rec, "mobility")));
    if (truth(rec, "severe_disability"))
        pm_buf_puts(&why, "重い障害（重症心身障害）があり、自分で避難したり助けを呼んだりできません。");
    row(d, "避難の支援が必要な理由", why.len ? why.data : NULL);
    pm_buf_release(&why);
}

static void supporters(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *rec = get(get(plan, "child"), "record"), *it;
    int n = 0;

    add(d, DOC_SECTION, "2. 避難支援等実施者（避難を手伝う人）");
    add(d, DOC_GRID_HEAD, "氏名\t本人との関係\t電話\t住所\t車・役割");
    cJSON_ArrayForEach(it, get(rec, "supporters")) {
        char line[1200];
        const char *vehicle = str(it, "vehicle") ? str(it, "vehicle") : str(it, "role");

        if (cJSON_IsString(it))
            snprintf(line, sizeof line, "%s\t（未記入）\t（未記入）\t（未記入）\t（未記入）", it->valuestring);
        else
            snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%s", or_blank(str(it, "name")),
                     or_blank(str(it, "relation")), or_blank(str(it, "phone")),
                     or_blank(str(it, "address")), or_blank(vehicle));
        add(d, DOC_GRID_ROW, line);
        n++;
    }
    if (!n)
        add(d, DOC_GRID_ROW, "（登録なし）\t\t\t\t");
    if (num(rec, "car_inverter_w") > 0)
        addf(d, DOC_TEXT, "家族の車：インバーター（%.0f W）があり、車で機器を動かしたり充電したりできます。",
             num(rec, "car_inverter_w"));
    else
        add(d, DOC_TEXT, "移動の車：上の「車・役割」のとおり。車いす・ストレッチャーのまま乗れる車が要るときは、市に福祉車両を相談します。");
}

/* One row per device: maker and model, settings, watts, the internal and
 * spare batteries apart, the charging time. */
static void device_rows(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *it;
    int n = 0;

    add(d, DOC_SUB, "医療機器");
    cJSON_ArrayForEach(it, get(get(plan, "child"), "devices")) {
        char line[1600], bat[256], a[64], b[64], ch[64], label[128];
        double bi = num(it, "battery_internal_h"), bs = num(it, "battery_spare_h");

        if (isfinite(bi) || isfinite(bs)) {
            plan_ja_hours(isfinite(bi) ? bi : 0, a, sizeof a);
            plan_ja_hours(isfinite(bs) ? bs : 0, b, sizeof b);
            snprintf(bat, sizeof bat, "内蔵バッテリー%s、予備バッテリー%s", a, b);
        } else {
            plan_ja_hours(num(it, "battery_h"), a, sizeof a);
            snprintf(bat, sizeof bat, "内蔵と予備の合計%s（内訳は未記入）", a);
        }
        plan_ja_hours(num(it, "charge_h"), ch, sizeof ch);
        snprintf(line, sizeof line, "メーカー・機種：%s%s%s\n設定：%s\n消費電力：%.0f W\nバッテリー：%s\n充電時間：%s",
                 str(it, "maker") ? str(it, "maker") : "", str(it, "maker") && str(it, "model") ? " " : "",
                 str(it, "model") ? str(it, "model") : (str(it, "maker") ? "" : "（未記入）"),
                 or_blank(str(it, "settings")), num(it, "power_w"), bat,
                 isfinite(num(it, "charge_h")) ? ch : "（未記入）");
        snprintf(label, sizeof label, "%s%s", pw_device(str(it, "type")),
                 truth(it, "life_sustaining") ? "（生命維持）" : "");
        row(d, label, line);
        n++;
    }
    if (!n)
        row(d, "機器", "電源を使う機器はありません");
}

/* 医療情報シート: the people who know the child's care, the power company,
 * the devices and what needs care. */
static void medical_sheet(struct plan_doc *d, const cJSON *plan)
{
    static const char *const roles[][2] = {
        { "doctor", "主治医（医療機関・医師）" }, { "visiting_nurse", "訪問看護" },
        { "consultant", "相談支援専門員" }, { "device_dealer", "医療機器の業者（24時間連絡先）" },
        { "utility", "電力会社" },
    };
    const cJSON *kid = get(plan, "child"), *rec = get(kid, "record"), *it;
    char buf[1024];
    struct pm_buf care;

    add(d, DOC_SECTION, "3. 医療情報シート");
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        const cJSON *c = contact_of(kid, roles[i][0]);

        if (c)
            contact_text(c, buf, sizeof buf);
        else if (i == 0 && str(rec, "hospital"))
            snprintf(buf, sizeof buf, "%s（医師・電話は未記入）", str(rec, "hospital"));
        else
            snprintf(buf, sizeof buf, "（未記入）");
        row(d, roles[i][1], buf);
    }
    cJSON_ArrayForEach(it, get(rec, "medical_contacts"))
        if (str(it, "role") && strcmp(str(it, "role"), "other") == 0) {
            contact_text(it, buf, sizeof buf);
            row(d, "その他の連絡先", buf);
        }
    row(d, "電力会社への機器の登録", truth(rec, "utility_registered")
            ? "登録済み（停電時に電力会社から連絡や情報を受けられるよう登録しています）"
            : "未登録（電力会社への登録をおすすめします）");
    device_rows(d, plan);
    pm_buf_init(&care);
    cJSON_ArrayForEach(it, get(rec, "care"))
        if (cJSON_IsString(it))
            pm_buf_printf(&care, "%s%s", care.len ? "、" : "", pw_care(it->valuestring));
    add(d, DOC_SUB, "配慮事項");
    row(d, "医療的ケア", care.len ? care.data : "（なし）");
    row(d, "移動", str(rec, "mobility") ? pw_mobility(str(rec, "mobility")) : NULL);
    row(d, "避難先で必要なこと", "医療機器用のコンセント（停電時も使える電源）、機器を置く場所、吸引や注入ができる清潔な場所、家族の付き添い。");
    pm_buf_release(&care);
}

/* Hours of one device on battery (DESIGN 6 rule 6), in words. */
static void device_power(struct plan_doc *d, const cJSON *dev)
{
    double bh = num(dev, "battery_h"), bi = num(dev, "battery_internal_h"), bs = num(dev, "battery_spare_h");
    double mph = num(dev, "minutes_per_hour"), backup = num(dev, "backup_h"), t = bh;
    char a[64], b[64], c[64], line[512];
    int intermittent = str(dev, "duty") && strcmp(str(dev, "duty"), "intermittent") == 0 && mph > 0;

    if (intermittent)
        t = bh * 60 / mph;
    plan_ja_hours(t, c, sizeof c);
    if (isfinite(bi) && isfinite(bs)) {
        plan_ja_hours(bi, a, sizeof a);
        plan_ja_hours(bs, b, sizeof b);
        snprintf(line, sizeof line, "%s：内蔵バッテリー%s＋予備バッテリー%s", pw_device(str(dev, "type")), a, b);
    } else {
        plan_ja_hours(bh, a, sizeof a);
        snprintf(line, sizeof line, "%s：バッテリー（内蔵と予備の合計）%s", pw_device(str(dev, "type")), a);
    }
    if (intermittent)
        snprintf(line + strlen(line), sizeof line - strlen(line), "。1時間に%.0f分使うので、%sもちます",
                 mph, c);
    if (backup > 0) {
        plan_ja_hours(backup, b, sizeof b);
        snprintf(line + strlen(line), sizeof line - strlen(line), "。電気を使わない予備（酸素ボンベなど）でさらに%s", b);
    }
    strncat(line, "。", sizeof line - strlen(line) - 1);
    add(d, DOC_ITEM, line);
}

/* The power picture (DESIGN 6 rules 6-7): each source and its hours. */
static void power_picture(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *kid = get(plan, "child"), *rec = get(kid, "record"), *dev;
    double draw = 0, wh = num(rec, "home_battery_wh"), gw = num(rec, "home_generator_w");
    double gh = num(rec, "home_generator_h"), car = num(rec, "car_inverter_w");
    char a[64], b[64];

    add(d, DOC_SECTION, "5. 停電したときの電気の見通し");
    cJSON_ArrayForEach(dev, get(kid, "devices")) {
        double w = num(dev, "power_w"), mph = num(dev, "minutes_per_hour");
        int inter = str(dev, "duty") && strcmp(str(dev, "duty"), "intermittent") == 0 && mph > 0;

        draw += isfinite(w) ? w * (inter ? mph / 60 : 1) : 0;
        device_power(d, dev);
    }
    if (isfinite(num(get(plan, "power"), "average_w")))
        draw = num(get(plan, "power"), "average_w");     /* the planner's own figure (rule 7) */
    if (wh > 0 && draw > 0) {
        plan_ja_hours(isfinite(num(get(plan, "power"), "home_battery_h")) ? num(get(plan, "power"), "home_battery_h")
                                                                          : wh / draw, a, sizeof a);
        addf(d, DOC_ITEM, "自宅の蓄電池・ポータブル電源（%.0f Wh）：機器全部（平均%.0f W）を%s動かせます。", wh, draw, a);
    }
    if (gw > 0 && gh > 0) {
        plan_ja_hours(gh, a, sizeof a);
        if (gw >= draw)
            addf(d, DOC_ITEM, "発電機（%.0f W）：燃料の分で%s動かせます（屋外で使います）。", gw, a);
        else
            addf(d, DOC_ITEM, "発電機（%.0f W）：機器の消費電力（%.0f W）に足りないため、見込みに入れていません。", gw, draw);
    }
    if (car > 0)
        addf(d, DOC_ITEM, "車のインバーター（%.0f W）：エンジンをかけて充電できます（燃料しだい・換気に注意）。", car);
    plan_ja_hours(num(plan, "runtime_h"), a, sizeof a);
    plan_ja_hours(num(get(plan, "scenario"), "outage_hours"), b, sizeof b);
    if (isfinite(num(plan, "runtime_h")))
        addf(d, DOC_TEXT, "計画では、命を支える機器が止まるまでを%sと見ています（上のバッテリーと自宅の電源を合わせた時間で、予備バッテリーだけの時間ではありません）。想定する停電は%sです。",
             a, b);
    else
        add(d, DOC_TEXT, "バッテリーで動かす機器はありません。");
}

/* One hazard's section (DESIGN 6 rule 11): when, where, the route, its map. */
static void hazard_section(struct plan_doc *d, const cJSON *plan, const cJSON *sec, int n)
{
    const char *hz = str(sec, "hazard") ? str(sec, "hazard") : "none";
    const cJSON *sp = get(sec, "plan"), *it;
    char buf[1024], date[80];
    int k = 0;

    if (strcmp(hz, "none") == 0)
        snprintf(buf, sizeof buf, "4-%d. 停電のとき（ほかの災害なし）", n);
    else
        snprintf(buf, sizeof buf, "4-%d. %sのとき", n, pw_hazard(hz));
    add(d, DOC_SUB, buf);
    if (truth(sec, "home_in_area")) {
        if (isfinite(num(sec, "level")))
            addf(d, DOC_TEXT, "自宅は%sの危険区域（想定の区分 %.0f）の中にあります。", pw_hazard(hz), num(sec, "level"));
        else
            addf(d, DOC_TEXT, "自宅は%sの危険区域の中にあります。", pw_hazard(hz));
    }
    if (!cJSON_IsObject(sp)) {
        leave_words(hz, NULL, buf, sizeof buf);
        row(d, "いつ", buf);
        row(d, "どこへ", "この災害を想定した行き先はまだ計算されていません（市の担当者が計画を作ります）。");
        return;
    }
    leave_words(hz, sp, buf, sizeof buf);
    row(d, "いつ", buf);
    if (cJSON_IsObject(get(sp, "destination"))) {
        place_line(get(sp, "destination"), buf, sizeof buf);
        rowf(d, "どこへ", "%s（%s）", buf, pw_decision(str(sp, "decision")));
    } else {
        row(d, "どこへ", pw_decision(str(sp, "decision")));
    }
    cJSON_ArrayForEach(it, get(sp, "alternatives")) {
        char label[32];

        place_line(it, buf, sizeof buf);
        snprintf(label, sizeof label, "ほかの候補%d", ++k);
        row(d, label, buf);
    }
    row(d, "経路", "地図の赤い線は自宅から避難先までの直線です。実際の道は、危険区域（青）を通らない道を前もって家族と確かめておきます（移動時間は直線の1.4倍の道のりで見積もっています）。");
    plan_ja_date(str(sp, "planned_at"), 1, date, sizeof date);
    if (date[0])
        rowf(d, "計算した日時", "%s", date);
    section_map(d, plan, sec);
}

/* 6. Consent, who wrote the plan and when, status, the next review. */
static void consent_status(struct plan_doc *d, const cJSON *plan)
{
    const cJSON *doc = get(plan, "document"), *rec = get(get(plan, "child"), "record"), *it;
    char date[80], by[128], buf[1024];
    struct pm_buf rs;

    add(d, DOC_SECTION, "6. 同意・作成・見直し");
    plan_ja_date(str(rec, "consent_date"), 0, date, sizeof date);
    if (truth(rec, "consent"))
        rowf(d, "情報提供への同意", "あり（%s）　範囲：%s", date[0] ? date : "同意日未記入",
             or_blank(str(rec, "consent_scope")));
    else
        row(d, "情報提供への同意", "なし（避難支援等実施者に計画を渡すには、本人・家族の同意が要ります。災害が起きたときは、同意がなくても命を守るために提供することがあります）");
    row(d, "計画の状態", pw_status(str(doc, "status")));
    who(str(doc, "status_by"), by, sizeof by);
    plan_ja_date(str(doc, "status_at"), 1, date, sizeof date);
    if (str(doc, "status_by"))
        rowf(d, "記入・合意した人", "%s（%s）", by, date);
    who(str(get(doc, "agreed_destination"), "by"), by, sizeof by);
    if (cJSON_IsObject(get(doc, "agreed_destination"))) {
        plan_ja_date(str(get(doc, "agreed_destination"), "at"), 1, date, sizeof date);
        rowf(d, "避難先を施設と合意", "%s（%s、%s）", or_blank(str(get(doc, "agreed_destination"), "name")), by, date);
    }
    plan_ja_date(str(plan, "planned_at"), 1, date, sizeof date);
    snprintf(buf, sizeof buf, "%s（powermap 計画番号 %.0f）", date[0] ? date : "（未計算）", num(plan, "run_id"));
    row(d, "計画を計算した日時", buf);
    plan_ja_date(str(doc, "review_date"), 0, date, sizeof date);
    row(d, "次の見直し", date[0] ? date : "合意したときから1年後（まだ合意していません）");
    pm_buf_init(&rs);
    cJSON_ArrayForEach(it, get(doc, "review_reasons"))
        if (cJSON_IsString(it))
            pm_buf_printf(&rs, "%s%s", rs.len ? "、" : "", pw_review_reason(it->valuestring));
    if (truth(doc, "review_due"))
        rowf(d, "要見直し", "はい：%s", rs.len ? rs.data : "");
    pm_buf_release(&rs);
    contact_row(d, plan);
    if (str(get(plan, "municipality"), "note"))
        add(d, DOC_NOTE, str(get(plan, "municipality"), "note"));
    add(d, DOC_NOTE, "この計画は、災害対策基本法第49条の14の個別避難計画として、内閣府「避難行動要支援者の避難行動支援に関する取組指針」（令和3年5月改定）の記載事項にそって作成しています。計画の内容は目安です。状況に応じて市・支援者と相談してください。");
}

int plan_doc_build(struct plan_doc *d, const cJSON *plan, const cJSON *checklist,
                   const struct plan_doc_opts *o)
{
    const cJSON *sec;
    int n = 0;

    memset(d, 0, sizeof *d);
    family_page(d, plan, checklist, o);
    add(d, DOC_PAGE, NULL);
    title(d, plan, o, 0);
    register_items(d, plan);
    supporters(d, plan);
    medical_sheet(d, plan);
    add(d, DOC_SECTION, "4. 災害ごとの避難（いつ・どこへ・どの道を）");
    cJSON_ArrayForEach(sec, get(plan, "hazard_sections"))
        hazard_section(d, plan, sec, ++n);
    power_picture(d, plan);
    consent_status(d, plan);
    if (d->oom) {
        plan_doc_release(d);
        return -1;
    }
    return 0;
}
