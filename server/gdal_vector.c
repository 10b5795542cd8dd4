/* gdal_vector.c -- hazard areas through GDAL's vector drivers and PROJ.
 *
 * Every layer of the file is read; each feature's geometry is transformed
 * from the layer's CRS to WGS 84 in longitude/latitude order, and its
 * hazard and level are taken from the attributes: the canonical `hazard`
 * and `level`, the 国土数値情報 layouts (A31 浸水想定区域: A31_001 浸水深
 * ランク; A33 土砂災害警戒区域: A33_002 区域区分, 1 警戒区域 / 2 特別警戒区域),
 * Japanese names (災害種別, 浸水深ランク, 区域区分), or --hazard/--level. */
#include "server/gdal_vector.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "server/sheet.h"
#include "server/util.h"

static atomic_ulong seq;

/* Japanese and English hazard words to the eight hazards. */
static const char *hazard_word(const char *v)
{
    static const char *const words[][2] = {
        { "flood", "flood" }, { "landslide", "landslide" }, { "storm_surge", "storm_surge" },
        { "earthquake", "earthquake" }, { "tsunami", "tsunami" }, { "fire", "fire" },
        { "inland_flood", "inland_flood" }, { "volcano", "volcano" },
        { "内水", "inland_flood" }, { "洪水", "flood" }, { "浸水", "flood" },
        { "土砂", "landslide" }, { "急傾斜", "landslide" }, { "土石流", "landslide" },
        { "地すべり", "landslide" }, { "地滑り", "landslide" }, { "崖崩れ", "landslide" },
        { "高潮", "storm_surge" }, { "地震", "earthquake" }, { "津波", "tsunami" },
        { "火災", "fire" }, { "火事", "fire" }, { "火山", "volcano" },
    };

    for (size_t i = 0; v && i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(v, words[i][0]) == 0 || strstr(v, words[i][0]))
            return words[i][1];
    return NULL;
}

/* How an attribute reads as a level.  The 国土数値情報 codes, from the
 * product specifications:
 *  - A31 浸水想定区域 (2012, 第1.1版) A31_001 浸水深ランクコード: 11–15 (five
 *    ranks, 0.5 m / 1 m / 2 m / 5 m) or 21–27 (seven ranks, …/3 m/4 m/5 m);
 *    the level is the rank, 1 the shallowest;
 *  - A31 since 2019 (河川単位): A31a_105 / A31a_205 浸水深ランク of the 計画規模
 *    and 想定最大規模 scenarios, 1 (< 0.5 m) to 6 (≥ 20 m), A31a_305 浸水継続
 *    時間 rank; the neighbouring A31a_101 / A31a_201 hold a river code,
 *    which is why every rank is checked to be a small integer before use;
 *    A31a_4xx 家屋倒壊等氾濫想定区域 has no depth (flood, level from --level);
 *  - A33 土砂災害警戒区域 A33_002 区域区分: 1 警戒区域, 2 特別警戒区域, and
 *    since 第1.2版 3 / 4 the same zones before designation (指定前). */
enum lv_kind { LV_PLAIN, LV_KSJ_RANK, LV_KSJ_2012, LV_A33 };

struct lv_field {
    int k;                      /* field index */
    enum lv_kind kind;
};

/* The attribute layout of a layer. */
struct fields {
    int hazard, id;             /* field indexes, or -1 */
    struct lv_field level[12];  /* tried in order: the first that reads wins */
    size_t nlevel;
    const char *fixed_hazard;   /* from the layout (A31 flood, A33 landslide) */
    const char *mapping;
};

static int field(OGRFeatureDefnH d, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        int k = OGR_FD_GetFieldIndex(d, names[i]);

        if (k >= 0)
            return k;
    }
    return -1;
}

/* Whether a field name starts with one of the prefixes. */
static int has_prefix(OGRFeatureDefnH d, const char *const *prefixes)
{
    for (int i = 0; i < OGR_FD_GetFieldCount(d); i++) {
        const char *n = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i));

        for (size_t j = 0; prefixes[j]; j++)
            if (strncmp(n, prefixes[j], strlen(prefixes[j])) == 0)
                return 1;
    }
    return 0;
}

static void add_level(struct fields *f, OGRFeatureDefnH d, const char *name, enum lv_kind kind)
{
    int k = OGR_FD_GetFieldIndex(d, name);

    if (k >= 0 && f->nlevel < sizeof f->level / sizeof f->level[0])
        f->level[f->nlevel++] = (struct lv_field){ k, kind };
}

static struct fields layer_fields(OGRLayerH layer)
{
    static const char *const hz[] = { "hazard", "HAZARD", "災害種別", "hazard_type", "種別", NULL };
    static const char *const lv[] = { "level", "LEVEL", "浸水深ランク", "区域区分", "rank", NULL };
    static const char *const id[] = { "external_id", NULL };
    static const char *const a31[] = { "A31_", "A31a_", "A31b_", NULL };
    static const char *const a33[] = { "A33_", NULL };
    /* Depth ranks before duration ranks; the newest layouts first. */
    static const char *const a31_ranks[] = { "A31a_205", "A31a_105", "A31b_205", "A31b_105",
                                             "A31_205", "A31_105", "A31_201", "A31_101",
                                             "A31a_305", "A31b_305", "A31_305", "A31_301", NULL };
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(layer);
    struct fields f = { field(d, hz), field(d, id), { { 0, LV_PLAIN } }, 0, NULL, "properties" };
    int plain = field(d, lv);

    if (plain >= 0)
        f.level[f.nlevel++] = (struct lv_field){ plain, LV_PLAIN };
    if (f.hazard >= 0)
        return f;
    if (has_prefix(d, a31)) {
        f.fixed_hazard = "flood";
        f.mapping = "a31";
        for (size_t i = 0; a31_ranks[i]; i++)
            add_level(&f, d, a31_ranks[i], LV_KSJ_RANK);
        add_level(&f, d, "A31_001", LV_KSJ_2012);
    } else if (has_prefix(d, a33)) {
        f.fixed_hazard = "landslide";
        f.mapping = "a33";
        add_level(&f, d, "A33_002", LV_A33);
    }
    return f;
}

/* An attribute as an integer, or -1 when it is not one. */
static int int_of(OGRFeatureH f, int k, long *out)
{
    const char *v = OGR_F_GetFieldAsString(f, k);
    char *end;
    double d = strtod(v, &end);

    if (end == v || *end || d != (double)(long)d)
        return -1;
    *out = (long)d;
    return 0;
}

/* One attribute as a level: "2", "2.0", "特別警戒区域" (2), "警戒区域" (1), or
 * a 国土数値情報 code read as its kind says. */
static int level_read(OGRFeatureH f, struct lv_field lf, long *out)
{
    const char *v;
    long n;

    if (!OGR_F_IsFieldSetAndNotNull(f, lf.k))
        return -1;
    v = OGR_F_GetFieldAsString(f, lf.k);
    if (lf.kind == LV_PLAIN && strstr(v, "特別警戒")) {
        *out = 2;
        return 0;
    }
    if (lf.kind == LV_PLAIN && strstr(v, "警戒")) {
        *out = 1;
        return 0;
    }
    if (int_of(f, lf.k, &n) != 0)
        return -1;
    switch (lf.kind) {
    case LV_PLAIN:
        *out = n;
        return 0;
    case LV_KSJ_2012:
        if ((n >= 11 && n <= 15) || (n >= 21 && n <= 27)) {
            *out = n % 10;
            return 0;
        }   /* else a plain rank, as below */
        /* fall through */
    case LV_KSJ_RANK:
        if (n < 1 || n > 7)
            return -1;
        *out = n;
        return 0;
    case LV_A33:
        if (n < 1 || n > 4)
            return -1;
        *out = n == 3 ? 1 : n == 4 ? 2 : n;
        return 0;
    }
    return -1;
}

/* The feature's level: the first of the layout's fields that reads. */
static int level_of(OGRFeatureH f, const struct fields *fl, long *out)
{
    for (size_t i = 0; i < fl->nlevel; i++)
        if (level_read(f, fl->level[i], out) == 0)
            return 0;
    return -1;
}

/* One feature of the collection. */
static void put_feature(struct pm_buf *b, OGRFeatureH f, const struct fields *fl,
                        OGRCoordinateTransformationH ct, const struct gv_opts *o, int first)
{
    static char *const jopts[] = { "COORDINATE_PRECISION=8", NULL };
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    const char *hz = fl->fixed_hazard;
    long level;
    char *json = NULL;

    if (!hz && fl->hazard >= 0 && OGR_F_IsFieldSetAndNotNull(f, fl->hazard))
        hz = hazard_word(OGR_F_GetFieldAsString(f, fl->hazard));
    if (!hz && o->hazard)
        hz = o->hazard;
    pm_buf_printf(b, "%s{\"type\":\"Feature\",\"properties\":{", first ? "" : ",\n");
    if (hz)
        pm_buf_printf(b, "\"hazard\":\"%s\",", hz);
    if (level_of(f, fl, &level) == 0)
        pm_buf_printf(b, "\"level\":%ld,", level);
    else if (o->level)
        pm_buf_printf(b, "\"level\":%ld,", strtol(o->level, NULL, 10));
    if (fl->id >= 0 && OGR_F_IsFieldSetAndNotNull(f, fl->id)) {
        pm_buf_puts(b, "\"external_id\":\"");
        pm_buf_json_escape(b, OGR_F_GetFieldAsString(f, fl->id));
        pm_buf_puts(b, "\",");
    }
    pm_buf_puts(b, "\"source\":\"gdal\"");
    pm_buf_puts(b, "},\"geometry\":");
    if (g) {
        OGRGeometryH c = OGR_G_Clone(g);

        if (c && (!ct || OGR_G_Transform(c, ct) == OGRERR_NONE))
            json = OGR_G_ExportToJsonEx(c, (char **)jopts);
        OGR_G_DestroyGeometry(c);
    }
    pm_buf_puts(b, json ? json : "null");
    CPLFree(json);
    pm_buf_puts(b, "}");
}

/* Writes the features of one layer; returns how many. */
static size_t put_layer(struct pm_buf *b, OGRLayerH layer, OGRSpatialReferenceH wgs84,
                        const struct gv_opts *o, struct gv_result *out, size_t done)
{
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
    OGRCoordinateTransformationH ct = NULL;
    struct fields fl = layer_fields(layer);
    OGRFeatureH f;
    size_t n = 0;

    if (src) {
        OGRSpatialReferenceH s = OSRClone(src);
        const char *auth = OSRGetAuthorityCode(s, NULL);

        OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
        snprintf(out->srs, sizeof out->srs, "%s%s", auth ? "EPSG:" : "",
                 auth ? auth : OSRGetName(s) ? OSRGetName(s) : "?");
        ct = OCTNewCoordinateTransformation(s, wgs84);
        OSRDestroySpatialReference(s);
    }
    out->mapping = fl.fixed_hazard ? fl.mapping : fl.hazard >= 0 ? "properties"
                   : o->hazard ? "--hazard" : "none";
    OGR_L_ResetReading(layer);
    while ((f = OGR_L_GetNextFeature(layer))) {
        put_feature(b, f, &fl, ct, o, done + n == 0);
        OGR_F_Destroy(f);
        n++;
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    return n;
}

/* The name GDAL opens the bytes by; *mem when it is a /vsimem/ file. */
static int place(const char *data, size_t len, const struct gv_opts *o, char *path,
                 size_t cap, char *mem, size_t memcap)
{
    const char *type = o->type ? o->type : "geojson";
    unsigned long n = atomic_fetch_add(&seq, 1) + 1;

    mem[0] = '\0';
    if (o->path && (!o->type || strcmp(o->type, "Shapefile (.shp)") == 0
                    || strcmp(o->type, "zip") == 0 || strcmp(o->type, "gpkg") == 0)) {
        snprintf(path, cap, "%s%s", strcmp(type, "zip") == 0 ? "/vsizip/" : "", o->path);
        return 0;
    }
    snprintf(mem, memcap, "/vsimem/powermap-hazards-%lu.%s", n, type);
    if (VSIFCloseL(VSIFileFromMemBuffer(mem, (GByte *)data, (vsi_l_offset)len, FALSE)) != 0)
        return -1;
    snprintf(path, cap, "%s%s", strcmp(type, "zip") == 0 ? "/vsizip/" : "", mem);
    return 0;
}

int gv_hazards(const char *data, size_t len, const struct gv_opts *o, struct gv_result *out,
               const char **code, char *en, char *ja, size_t cap)
{
    char path[600], mem[200];
    GDALDatasetH ds = NULL;
    OGRSpatialReferenceH wgs84 = NULL;
    GDALDriverH drv;
    struct pm_buf b;
    size_t n = 0;
    int rc = -1;

    sheet_gdal_init();
    memset(out, 0, sizeof *out);
    pm_buf_init(&b);
    *code = "unreadable_vector";
    if (place(data, len, o, path, sizeof path, mem, sizeof mem) != 0) {
        snprintf(en, cap, "hazards: out of memory");
        snprintf(ja, cap, "メモリが足りません");
        return -1;
    }
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds || GDALDatasetGetLayerCount(ds) == 0) {
        snprintf(en, cap, "hazards: not vector data GDAL can read (GeoJSON, Shapefile, zipped "
                          "Shapefile, GeoPackage, KML): %s", CPLGetLastErrorMsg());
        snprintf(ja, cap, "区域のファイルとして読めません（GeoJSON、Shapefile、zip した Shapefile、"
                          "GeoPackage、KML などを送ってください）");
        goto out;
    }
    drv = GDALGetDatasetDriver(ds);
    out->format = drv ? GDALGetDriverShortName(drv) : "?";
    wgs84 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs84, 4326);
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    pm_buf_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
        n += put_layer(&b, GDALDatasetGetLayer(ds, i), wgs84, o, out, n);
    pm_buf_puts(&b, "]}\n");
    out->features = n;
    if (b.oom) {
        *code = "nomem";
        snprintf(en, cap, "out of memory");
        snprintf(ja, cap, "メモリが足りません");
        goto out;
    }
    out->geojson = pm_buf_steal(&b, &out->len);
    rc = out->geojson ? 0 : -1;
out:
    if (wgs84)
        OSRDestroySpatialReference(wgs84);
    if (ds)
        GDALClose(ds);
    if (mem[0])
        VSIUnlink(mem);
    pm_buf_release(&b);
    return rc;
}

void gv_result_release(struct gv_result *r)
{
    if (!r)
        return;
    free(r->geojson);
    memset(r, 0, sizeof *r);
}
