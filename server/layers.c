/* layers.c -- the catalogue of map layers (see layers.h): id, title, geometry,
 * who may see it, its fields (the JSON Schema of /ogc/.../queryables) and the
 * named queries that read it. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server/layers.h"

#define STR(n, t) { n, "string", NULL, t }
#define INT(n, t) { n, "integer", NULL, t }
#define NUM(n, t) { n, "number", NULL, t }
#define BOOL(n, t) { n, "boolean", NULL, t }
#define TIME(n, t) { n, "string", "date-time", t }
#define END { NULL, NULL, NULL, NULL }

static const struct layer_field power_point_fields[] = {
    STR("external_id", "番号 (the municipality's id)"), STR("name", "名称"),
    STR("kind", "generator, ev, hospital, battery_station, public_facility, business or power_vehicle"),
    STR("address", "住所"), NUM("output_w", "medical-grade output (W)"),
    INT("outlets", "outlets"), STR("hours", "24h or HH:MM-HH:MM"),
    BOOL("public", "may appear on the public map"), STR("status", "available or unavailable"),
    STR("phone", "電話"), TIME("updated_at", "last change"), END
};

static const struct layer_field shelter_fields[] = {
    STR("external_id", "番号 (the municipality's id)"), STR("name", "名称"),
    STR("kind", "designated, emergency_site or welfare"), STR("address", "住所"),
    INT("capacity", "persons"), BOOL("welfare", "accepts people needing care"),
    NUM("power_w", "medical-grade power (W)"), INT("outlets", "outlets"),
    BOOL("flood", "designated for floods"), BOOL("landslide", "designated for landslides"),
    BOOL("storm_surge", "designated for storm surges"),
    BOOL("earthquake", "designated for earthquakes"), BOOL("tsunami", "designated for tsunamis"),
    BOOL("fire", "designated for large fires"), BOOL("inland_flood", "designated for inland floods"),
    BOOL("volcano", "designated for eruptions"), STR("status", "open, closed or full"),
    STR("phone", "電話"), TIME("updated_at", "last change"), END
};

static const struct layer_field hazard_fields[] = {
    STR("external_id", "番号"), STR("hazard", "one of the eight hazards"),
    INT("level", "level"), END
};

static const struct layer_field outage_fields[] = {
    TIME("started_at", "停電開始"), TIME("expected_restore_at", "復旧見込み"),
    TIME("ended_at", "復旧 (null while it lasts)"), END
};

static const struct layer_field density_fields[] = {
    STR("mesh_code", "JIS X 0410 地域メッシュコード"), INT("level", "2 (2次メッシュ) or 3 (3次メッシュ)"),
    INT("count", "children in the cell; null when suppressed, never 1-10"),
    BOOL("suppressed", "the count is withheld"), END
};

static const struct layer_field facility_fields[] = {
    STR("external_id", "番号 (the municipality's id)"), STR("name", "名称"),
    STR("kind", "child_development_center, severe_day_service, day_service, visiting_nurse, "
                "short_stay, consultation, hospital, clinic, nursery, school or other"),
    STR("address", "住所"), STR("phone", "電話"),
    BOOL("medical_care", "accepts children with medical care"), INT("capacity", "persons"),
    STR("municipality", "全国地方公共団体コード"), TIME("updated_at", "last change"), END
};

static const struct layer_field child_fields[] = {
    STR("external_id", "台帳番号"), STR("name", "氏名"), STR("name_kana", "ふりがな"),
    { "birth_date", "string", "date", "生年月日" }, STR("address", "住所"),
    STR("mobility", "walk, wheelchair or stretcher"), { "care", "array", NULL, "医療的ケア" },
    STR("guardian_name", "保護者"), STR("guardian_phone", "保護者の電話"),
    { "supporters", "array", NULL, "支援者" }, STR("hospital", "かかりつけ病院"),
    BOOL("consent", "sharing with supporters agreed"), STR("source", "reporting department"),
    NUM("need_w", "power the devices need (W)"), NUM("runtime_h", "hours on batteries"),
    { "devices", "array", NULL, "医療機器" }, TIME("updated_at", "last change"), END
};

#define OGC(id) "ogc_" id "_bbox", "ogc_" id "_all", "ogc_" id "_item", "ogc_" id "_extent"

#define DENSITY_RULE \
    " Cells without children are not listed. A cell with 1-10 children has count null and " \
    "suppressed true; a 2次 total is suppressed too when, with its published 3次 cells, it " \
    "would let a count of 1-10 be worked out (see sql/0030_layers.sql)."

const struct layer layers[] = {
    { "power_points", "電源供給ポイント (power supply points)",
      "Places that lend electricity in a blackout: output_w, outlets, hours (24h or HH:MM-HH:MM), "
      "status. Without a token only the points marked public.",
      "Point", LAYER_EMBED | LAYER_EMBED_DEFAULT, 0, "power_points", power_point_fields,
      OGC("power_points"), "tile_power_points" },
    { "shelters", "避難所 (shelters)",
      "指定避難所, 指定緊急避難場所 and 福祉避難所 with their medical-grade power (power_w, outlets), "
      "capacity, the hazards they are designated for, and status.",
      "Point", LAYER_EMBED | LAYER_EMBED_DEFAULT, 0, "shelters", shelter_fields,
      OGC("shelters"), "tile_shelters" },
    { "hazard_areas", "Hazard areas", "Areas exposed to one of the eight hazards, with its level.",
      "MultiPolygon", 0, 0, "hazard_areas", hazard_fields, OGC("hazard_areas"), "tile_hazard_areas" },
    { "outages", "Power outages",
      "Outage areas with started_at, expected_restore_at and ended_at (null while it lasts).",
      "MultiPolygon", LAYER_EMBED, 0, "outages", outage_fields, OGC("outages"), "tile_outages" },
    { "children_density", "医療的ケア児の分布 (children density, 1 km)",
      "Children on home medical devices per JIS X 0410 3次メッシュ cell (about 1 km)." DENSITY_RULE,
      "Polygon", 0, 3, "children_density", density_fields, OGC("children_density"),
      "tile_children_density" },
    { "children_density_10km", "医療的ケア児の分布 (children density, 10 km)",
      "Children on home medical devices per JIS X 0410 2次メッシュ cell (about 10 km)." DENSITY_RULE,
      "Polygon", 0, 2, "children_density", density_fields, OGC("children_density_10km"),
      "tile_children_density_10km" },
    { "facilities", "資源 (facilities)",
      "児童発達支援センター, 重症心身障害児の児童発達支援・放課後等デイ, 放課後等デイサービス, 訪問看護, "
      "短期入所, 相談支援, hospitals, clinics, nurseries and schools; medical_care says whether "
      "children with medical care are accepted.",
      "Point", LAYER_EMBED, 0, "facilities", facility_fields, OGC("facilities"), "tile_facilities" },
    { "children", "医療的ケア児 (children, token holders only)",
      "Children on home medical devices at their homes. Requires a token; every read is audited.",
      "Point", LAYER_TOKEN, 0, "children", child_fields,
      "ogc_children_ids_bbox", "ogc_children_ids_all", NULL, NULL, "tile_children" },
    { NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

const struct layer *layer_find(const char *id)
{
    for (const struct layer *l = layers; l->id; l++)
        if (strcmp(l->id, id) == 0)
            return l;
    return NULL;
}

size_t layer_count(void)
{
    size_t n = 0;

    while (layers[n].id)
        n++;
    return n;
}

static char public_versions[512];

static void public_versions_init(void)
{
    size_t n = 0;

    public_versions[n++] = '{';
    for (const struct layer *l = layers; l->id; l++) {
        int seen = 0;

        if (l->flags & LAYER_TOKEN)
            continue;
        for (const struct layer *k = layers; k < l; k++)
            if (!(k->flags & LAYER_TOKEN) && strcmp(k->version, l->version) == 0)
                seen = 1;
        /* The catalogue is small and fixed: it always fits. */
        assert(n + strlen(l->version) + 3 < sizeof public_versions);
        if (!seen)
            n += (size_t)snprintf(public_versions + n, sizeof public_versions - n, "%s%s",
                                  n > 1 ? "," : "", l->version);
    }
    snprintf(public_versions + n, sizeof public_versions - n, "}");
}

const char *layer_public_versions(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, public_versions_init);
    return public_versions;
}
