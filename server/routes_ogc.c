/* routes_ogc.c -- OGC API - Features, Part 1: Core, GeoJSON and OpenAPI 3.0,
 * under /ogc, for GIS clients (QGIS, GDAL's OAPIF driver).
 *
 * Collections: power_points (public ones without a token), shelters,
 * hazard_areas, outages (polygons and times only), children_density (children
 * per JIS 地域メッシュ cell after suppression, see sql/0004_maps.sql; both
 * levels, a level property, and a level=2|3 parameter) and children (token
 * holders only: not listed without a token, 401 on its URLs, every read
 * audited).
 *
 * Items take bbox, limit (1-10000, default OGC_LIMIT_DEFAULT; larger values
 * are served as 10000, as the standard asks), offset and f=json|geojson;
 * anything else is a 400.  Features are ordered by id, so offset paging is
 * stable, and the self/next/prev links keep every parameter of the request.
 * Feature documents are application/geo+json, every other document
 * application/json (the API definition also as
 * application/vnd.oai.openapi+json;version=3.0 when asked for). */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/mesh.h"
#include "server/db.h"
#include "server/maps.h"
#include "server/routes.h"
#include "server/crypto.h"

#define OGC_LIMIT_DEFAULT 100
#define OGC_LIMIT_MAX 10000
#define OGC_OFFSET_MAX 1000000000L

#define TYPE_JSON "application/json"
#define TYPE_GEOJSON "application/geo+json"
#define TYPE_OPENAPI "application/vnd.oai.openapi+json;version=3.0"
#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

struct ogc_collection {
    const char *id;
    const char *title;
    const char *description;
    const char *geometry;       /* for the API definition */
    int children;               /* token only, audited */
    const char *q_bbox, *q_all, *q_item;
};

static const struct ogc_collection collections[] = {
    { "power_points", "電源供給ポイント (power supply points)",
      "Places that lend electricity in a blackout: output_w, outlets, hours (24h or HH:MM-HH:MM), "
      "status. Without a token only the points marked public.", "Point", 0,
      "ogc_power_points_bbox", "ogc_power_points_all", "ogc_power_points_item" },
    { "shelters", "避難所 (shelters)",
      "指定避難所, 指定緊急避難場所 and 福祉避難所 with their medical-grade power (power_w, outlets), "
      "capacity, the hazards they are designated for, and status.", "Point", 0,
      "ogc_shelters_bbox", "ogc_shelters_all", "ogc_shelters_item" },
    { "hazard_areas", "Hazard areas", "Areas exposed to one of the eight hazards, with its level.",
      "MultiPolygon", 0, "ogc_hazard_areas_bbox", "ogc_hazard_areas_all", "ogc_hazard_areas_item" },
    { "outages", "Power outages",
      "Outage areas with started_at, expected_restore_at and ended_at (null while it lasts).",
      "MultiPolygon", 0, "ogc_outages_bbox", "ogc_outages_all", "ogc_outages_item" },
    { "children_density", "医療的ケア児の分布 (children density)",
      "Children on home medical devices per JIS X 0410 mesh cell: level 3 (3次メッシュ, about 1 km) "
      "and level 2 (2次メッシュ, about 10 km); the level parameter picks one. Cells without "
      "children are not listed. A cell with 1-10 children has count null and suppressed true; "
      "some larger cells are suppressed too, so that no count of 1-10 can be worked out by "
      "subtracting published counts.", "Polygon", 0,
      "ogc_children_density_bbox", "ogc_children_density_all", "ogc_children_density_item" },
    { "children", "医療的ケア児 (children, token holders only)",
      "Children on home medical devices at their homes. Requires a token; every read is audited.",
      "Point", 1, "ogc_children_ids_bbox", "ogc_children_ids_all", NULL },
    { NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL }
};

static int has_token(struct http_req *r)
{
    return r->role >= ROLE_VIEWER;
}

/* The collection named by the route's first parameter, or NULL with 404/401
 * recorded. */
static const struct ogc_collection *collection_or_reply(struct http_req *r)
{
    for (const struct ogc_collection *c = collections; c->id; c++) {
        if (strcmp(c->id, r->params[0]) != 0)
            continue;
        if (c->children && !has_token(r)) {
            http_fail(r, PM_ERR_UNAUTHORIZED, "a token is required");
            return NULL;
        }
        return c;
    }
    http_fail(r, PM_ERR_NOT_FOUND, "no such collection");
    return NULL;
}

/* f=json everywhere; f=geojson too on feature documents. */
static enum pm_err f_or_reply(struct http_req *r, int features)
{
    const char *f = http_query(r, "f");

    if (!f || strcmp(f, "json") == 0 ||
        (features && (strcmp(f, "geojson") == 0 || strcmp(f, "html") == 0)))
        return PM_OK;
    return http_fail(r, PM_ERR_BAD_REQUEST, "f: must be json%s",
                     features ? ", geojson or html" : "");
}

/* Replies with a small public JSON document built here, with an ETag that is
 * a digest of its bytes.  Takes b over. */
static enum pm_err reply_doc(struct http_req *r, const char *type, struct pm_buf *b)
{
    char hex[PM_SHA256_HEX];
    size_t len;
    char *body;

    if (b->oom) {
        pm_buf_release(b);
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    http_public(r, MAPS_MAX_AGE);
    http_gzip(r);
    pm_sha256_hex(b->data, b->len, hex);
    hex[40] = '\0';
    if (http_etag(r, hex)) {
        pm_buf_release(b);
        return http_reply_not_modified(r);
    }
    body = pm_buf_steal(b, &len);
    return http_reply(r, MHD_HTTP_OK, type, body, len);
}

static void doc_link(struct pm_buf *b, int first, const char *base, const char *path, const char *rel,
                 const char *type, const char *title)
{
    pm_buf_printf(b, "%s{\"href\":\"%s%s\",\"rel\":\"%s\",\"type\":\"%s\",\"title\":\"%s\"}",
                  first ? "" : ",", base, path, rel, type, title);
}

/* ------------------------------------------------------------------------- */
/* Landing page, conformance, API definition                                   */
/* ------------------------------------------------------------------------- */

enum pm_err route_ogc_landing(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    char base[256];
    struct pm_buf b;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    pm_buf_init(&b);
    pm_buf_puts(&b, "{\"title\":\"powermap\",\"description\":\"Power supply points, shelters, "
                    "hazard areas, outages and the density of children on home medical devices "
                    "(電源マップ) as OGC API - Features.\",\"links\":[");
    doc_link(&b, 1, base, "/ogc", "self", TYPE_JSON, "This document");
    doc_link(&b, 0, base, "/ogc/api", "service-desc", TYPE_OPENAPI, "The API definition");
    doc_link(&b, 0, base, "/ogc/conformance", "conformance", TYPE_JSON, "Conformance classes");
    doc_link(&b, 0, base, "/ogc/collections", "data", TYPE_JSON, "The collections");
    pm_buf_puts(&b, "]}");
    return reply_doc(r, TYPE_JSON, &b);
}

enum pm_err route_ogc_conformance(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    struct pm_buf b;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    pm_buf_init(&b);
    pm_buf_puts(&b, "{\"conformsTo\":["
                    "\"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core\","
                    "\"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson\","
                    "\"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30\"]}");
    return reply_doc(r, TYPE_JSON, &b);
}

/* The path entries of one collection in the API definition. */
static void api_collection_paths(struct pm_buf *b, const struct ogc_collection *c)
{
    const char *fref = "{\"$ref\":\"#/components/parameters/f\"}";

    pm_buf_printf(b, ",\"/collections/%s\":{\"get\":{\"summary\":\"The %s collection\","
                     "\"operationId\":\"describe_%s\",\"tags\":[\"%s\"],\"parameters\":[%s],"
                     "\"responses\":{\"200\":{\"description\":\"The collection\","
                     "\"content\":{\"application/json\":{\"schema\":"
                     "{\"$ref\":\"#/components/schemas/collection\"}}}},"
                     "\"default\":{\"$ref\":\"#/components/responses/error\"}}}}",
                  c->id, c->id, c->id, c->id, fref);
    pm_buf_printf(b, ",\"/collections/%s/items\":{\"get\":{\"summary\":\"Features of %s\","
                     "\"description\":\"%s\",\"operationId\":\"items_%s\",\"tags\":[\"%s\"],"
                     "\"parameters\":[{\"$ref\":\"#/components/parameters/bbox\"},"
                     "{\"$ref\":\"#/components/parameters/limit\"},"
                     "{\"$ref\":\"#/components/parameters/offset\"},%s%s],"
                     "\"responses\":{\"200\":{\"description\":\"A page of %s features (%s)\","
                     "\"content\":{\"application/geo+json\":{\"schema\":"
                     "{\"$ref\":\"#/components/schemas/featureCollection\"}}}},"
                     "\"400\":{\"$ref\":\"#/components/responses/error\"}%s}}}",
                  c->id, c->id, c->description, c->id, c->id,
                  strcmp(c->id, "children_density") == 0
                      ? "{\"$ref\":\"#/components/parameters/level\"}," : "",
                  fref, c->id, c->geometry,
                  c->children ? ",\"401\":{\"$ref\":\"#/components/responses/error\"}" : "");
    pm_buf_printf(b, ",\"/collections/%s/items/{featureId}\":{\"get\":{\"summary\":\"One feature "
                     "of %s\",\"operationId\":\"item_%s\",\"tags\":[\"%s\"],\"parameters\":["
                     "{\"$ref\":\"#/components/parameters/featureId\"},%s],"
                     "\"responses\":{\"200\":{\"description\":\"The feature\",\"content\":"
                     "{\"application/geo+json\":{\"schema\":{\"$ref\":\"#/components/schemas/feature\"}}}},"
                     "\"404\":{\"$ref\":\"#/components/responses/error\"}}}}",
                  c->id, c->id, c->id, c->id, fref);
}

enum pm_err route_ogc_api(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_ACCEPT);
    char base[256];
    struct pm_buf b;
    const char *simple = "\"responses\":{\"200\":{\"description\":\"OK\",\"content\":"
                         "{\"application/json\":{\"schema\":{\"type\":\"object\"}}}}}";

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"powermap OGC API - Features\","
                      "\"version\":\"1.0.0\",\"description\":\"Power maps for GIS clients. "
                      "Without a token: public data only.\"},"
                      "\"servers\":[{\"url\":\"%s/ogc\"}],", base);
    pm_buf_printf(&b, "\"paths\":{"
                      "\"/\":{\"get\":{\"summary\":\"Landing page\",\"operationId\":\"landing\","
                      "\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],%s}},"
                      "\"/conformance\":{\"get\":{\"summary\":\"Conformance classes\","
                      "\"operationId\":\"conformance\",\"parameters\":[{\"$ref\":"
                      "\"#/components/parameters/f\"}],%s}},"
                      "\"/api\":{\"get\":{\"summary\":\"This API definition\",\"operationId\":"
                      "\"api\",\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],"
                      "\"responses\":{\"200\":{\"description\":\"OK\",\"content\":{\"%s\":"
                      "{\"schema\":{\"type\":\"object\"}},\"application/json\":{\"schema\":"
                      "{\"type\":\"object\"}}}}}}},"
                      "\"/collections\":{\"get\":{\"summary\":\"The collections\",\"operationId\":"
                      "\"collections\",\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],%s}}",
                  simple, simple, TYPE_OPENAPI, simple);
    for (const struct ogc_collection *c = collections; c->id; c++)
        if (!c->children || has_token(r))
            api_collection_paths(&b, c);
    pm_buf_printf(&b, "},\"components\":{\"parameters\":{"
                      "\"bbox\":{\"name\":\"bbox\",\"in\":\"query\",\"required\":false,"
                      "\"description\":\"minlon,minlat,maxlon,maxlat in CRS84 (EPSG:4326 "
                      "longitude/latitude); features that intersect it.\",\"style\":\"form\","
                      "\"explode\":false,\"schema\":{\"type\":\"array\",\"minItems\":4,"
                      "\"maxItems\":4,\"items\":{\"type\":\"number\"}}},"
                      "\"limit\":{\"name\":\"limit\",\"in\":\"query\",\"required\":false,"
                      "\"description\":\"Features per page. Values above the maximum are "
                      "served as the maximum.\",\"style\":\"form\",\"explode\":false,"
                      "\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":%d,"
                      "\"default\":%d}},"
                      "\"offset\":{\"name\":\"offset\",\"in\":\"query\",\"required\":false,"
                      "\"description\":\"Features to skip, in id order.\",\"style\":\"form\","
                      "\"explode\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,"
                      "\"default\":0}},"
                      "\"level\":{\"name\":\"level\",\"in\":\"query\",\"required\":false,"
                      "\"description\":\"Mesh level: 3 (about 1 km) or 2 (about 10 km); both "
                      "when absent.\",\"schema\":{\"type\":\"integer\",\"enum\":[2,3]}},"
                      "\"f\":{\"name\":\"f\",\"in\":\"query\",\"required\":false,"
                      "\"description\":\"Format: json (GeoJSON for features).\","
                      "\"schema\":{\"type\":\"string\",\"enum\":[\"json\",\"geojson\"]}},"
                      "\"featureId\":{\"name\":\"featureId\",\"in\":\"path\",\"required\":true,"
                      "\"schema\":{\"type\":\"string\"}}},",
                  OGC_LIMIT_MAX, OGC_LIMIT_DEFAULT);
    pm_buf_puts(&b, "\"schemas\":{"
                    "\"link\":{\"type\":\"object\",\"required\":[\"href\"],\"properties\":{"
                    "\"href\":{\"type\":\"string\"},\"rel\":{\"type\":\"string\"},"
                    "\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"}}},"
                    "\"collection\":{\"type\":\"object\",\"required\":[\"id\",\"links\"],"
                    "\"properties\":{\"id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
                    "\"links\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/link\"}}}},"
                    "\"feature\":{\"type\":\"object\",\"required\":[\"type\",\"geometry\","
                    "\"properties\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":"
                    "[\"Feature\"]},\"id\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
                    "\"geometry\":{\"type\":\"object\",\"nullable\":true},"
                    "\"properties\":{\"type\":\"object\",\"nullable\":true}}},"
                    "\"featureCollection\":{\"type\":\"object\",\"required\":[\"type\","
                    "\"features\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":"
                    "[\"FeatureCollection\"]},\"features\":{\"type\":\"array\",\"items\":"
                    "{\"$ref\":\"#/components/schemas/feature\"}},\"numberMatched\":{\"type\":"
                    "\"integer\"},\"numberReturned\":{\"type\":\"integer\"},\"links\":{\"type\":"
                    "\"array\",\"items\":{\"$ref\":\"#/components/schemas/link\"}}}},"
                    "\"error\":{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\","
                    "\"properties\":{\"code\":{\"type\":\"string\"},\"message\":{\"type\":"
                    "\"string\"}}}}}},"
                    "\"responses\":{\"error\":{\"description\":\"An error\",\"content\":"
                    "{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/error\"}}}}}}}");
    return reply_doc(r, accept && strstr(accept, "application/vnd.oai.openapi+json") ? TYPE_OPENAPI
                                                                                   : TYPE_JSON, &b);
}

/* ------------------------------------------------------------------------- */
/* Collections                                                                 */
/* ------------------------------------------------------------------------- */

/* The spatial extent of each collection.  Without a token they are kept
 * here for as long as the data versions stay the same: a full scan of every
 * layer per request would be the slowest thing a map page asks for. */
struct extent {
    int set;
    char v[4][32];
};

#define NCOLL (sizeof collections / sizeof collections[0])

static struct {
    pthread_mutex_t lock;
    int valid;
    char versions[512];
    struct extent e[NCOLL];
} extent_cache = { PTHREAD_MUTEX_INITIALIZER, 0, "", { { 0, { "" } } } };

/* Fills e[i] for collections[i].  Returns PM_OK or an error recorded. */
static enum pm_err extents_or_reply(struct http_req *r, struct extent *e)
{
    const char *p[1] = { has_token(r) ? "true" : "false" };
    const char *lp[1] = { "{power_points,shelters,hazard_areas,outages,children_density}" };
    char versions[512] = "";
    PGresult *res;

    memset(e, 0, NCOLL * sizeof *e);
    if (!http_db(r))
        return r->err;
    if (!has_token(r)) {
        int hit = 0;

        res = db_exec(r->db, "map_versions", 1, lp);
        if (!db_ok(res) || PQntuples(res) != 1) {
            PQclear(res);
            return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        }
        snprintf(versions, sizeof versions, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        pthread_mutex_lock(&extent_cache.lock);
        if (extent_cache.valid && strcmp(extent_cache.versions, versions) == 0) {
            memcpy(e, extent_cache.e, sizeof extent_cache.e);
            hit = 1;
        }
        pthread_mutex_unlock(&extent_cache.lock);
        if (hit)
            return PM_OK;
    }
    res = db_exec(r->db, "ogc_extents", 1, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    for (int row = 0; row < PQntuples(res); row++)
        for (size_t i = 0; collections[i].id; i++)
            if (strcmp(PQgetvalue(res, row, 0), collections[i].id) == 0 &&
                !PQgetisnull(res, row, 2)) {
                e[i].set = 1;
                for (int k = 0; k < 4; k++)
                    snprintf(e[i].v[k], sizeof e[i].v[k], "%s", PQgetvalue(res, row, 2 + k));
            }
    PQclear(res);
    if (!has_token(r)) {
        /* The versions were read before the extents: a change in between
         * only makes the next request compute them again. */
        pthread_mutex_lock(&extent_cache.lock);
        memcpy(extent_cache.e, e, sizeof extent_cache.e);
        snprintf(extent_cache.versions, sizeof extent_cache.versions, "%s", versions);
        extent_cache.valid = 1;
        pthread_mutex_unlock(&extent_cache.lock);
    }
    return PM_OK;
}

static void collection_json(struct pm_buf *b, const char *base, const struct ogc_collection *c,
                            const struct extent *e)
{
    char path[160];

    pm_buf_printf(b, "{\"id\":\"%s\",\"title\":\"", c->id);
    pm_buf_json_escape(b, c->title);
    pm_buf_puts(b, "\",\"description\":\"");
    pm_buf_json_escape(b, c->description);
    pm_buf_puts(b, "\",");
    if (e->set)
        pm_buf_printf(b, "\"extent\":{\"spatial\":{\"bbox\":[[%s,%s,%s,%s]],\"crs\":\"" CRS84 "\"}},",
                      e->v[0], e->v[1], e->v[2], e->v[3]);
    pm_buf_puts(b, "\"itemType\":\"feature\",\"crs\":[\"" CRS84 "\"],\"links\":[");
    snprintf(path, sizeof path, "/ogc/collections/%s", c->id);
    doc_link(b, 1, base, path, "self", TYPE_JSON, "This collection");
    snprintf(path, sizeof path, "/ogc/collections/%s/items", c->id);
    doc_link(b, 0, base, path, "items", TYPE_GEOJSON, "Its features");
    if (!c->children) {
        snprintf(path, sizeof path, "/tiles/%s/{z}/{x}/{y}.mvt", c->id);
        doc_link(b, 0, base, path, "tiles", "application/vnd.mapbox-vector-tile",
             "Mapbox vector tiles (WebMercatorQuad); 204 for an empty tile");
    }
    pm_buf_puts(b, "]}");
}

enum pm_err route_ogc_collections(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    char base[256];
    struct pm_buf b;
    struct extent ext[NCOLL];
    int first = 1;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK ||
        extents_or_reply(r, ext) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    pm_buf_init(&b);
    pm_buf_puts(&b, "{\"links\":[");
    doc_link(&b, 1, base, "/ogc/collections", "self", TYPE_JSON, "This document");
    pm_buf_puts(&b, "],\"collections\":[");
    for (const struct ogc_collection *c = collections; c->id; c++) {
        if (c->children && !has_token(r))
            continue;               /* not even named without a token */
        if (!first)
            pm_buf_puts(&b, ",");
        first = 0;
        collection_json(&b, base, c, &ext[c - collections]);
    }
    pm_buf_puts(&b, "]}");
    return reply_doc(r, TYPE_JSON, &b);
}

enum pm_err route_ogc_collection(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    const struct ogc_collection *c = collection_or_reply(r);
    char base[256];
    struct pm_buf b;
    struct extent ext[NCOLL];

    if (!c || maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK ||
        extents_or_reply(r, ext) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    pm_buf_init(&b);
    collection_json(&b, base, c, &ext[c - collections]);
    return reply_doc(r, TYPE_JSON, &b);
}

/* ------------------------------------------------------------------------- */
/* Items                                                                       */
/* ------------------------------------------------------------------------- */

/* What the links of a page need; malloc'd, owned by the feature collection. */
struct page_links {
    char base[256];
    char path[160];             /* /ogc/collections/ID/items */
    char query[512];            /* every parameter but f and offset, each ending in '&' */
    char fpart[16];             /* the request's f=...& or "" */
    const char *id;             /* the collection */
    long limit, offset;
    int html;                   /* f=html: a table for people */
    int header_done;            /* the table head is written */
    long long matched;
};

static void page_href(struct pm_buf *b, const struct page_links *l, const char *fpart, long offset)
{
    pm_buf_printf(b, "%s%s?%s%soffset=%ld", l->base, l->path, l->query, fpart, offset);
}

static void page_link(struct pm_buf *b, const struct page_links *l, const char *rel, long offset,
                      const char *title)
{
    pm_buf_puts(b, ",{\"href\":\"");
    page_href(b, l, l->fpart, offset);
    pm_buf_printf(b, "\",\"rel\":\"%s\",\"type\":\"" TYPE_GEOJSON "\",\"title\":\"%s\"}", rel, title);
}

static void close_page(struct pm_buf *b, void *cls, long returned, long long matched)
{
    const struct page_links *l = cls;

    pm_buf_printf(b, "],\"numberMatched\":%lld,\"numberReturned\":%ld,\"links\":[{\"href\":\"",
                  matched, returned);
    page_href(b, l, l->fpart, l->offset);
    pm_buf_puts(b, "\",\"rel\":\"self\",\"type\":\"" TYPE_GEOJSON "\",\"title\":\"This page\"},"
                   "{\"href\":\"");
    page_href(b, l, "f=html&", l->offset);
    pm_buf_puts(b, "\",\"rel\":\"alternate\",\"type\":\"text/html\",\"title\":\"This page as HTML\"}");
    if (l->offset + returned < matched)
        page_link(b, l, "next", l->offset + returned, "Next page");
    if (l->offset > 0)
        page_link(b, l, "prev", l->offset > l->limit ? l->offset - l->limit : 0, "Previous page");
    pm_buf_printf(b, ",{\"href\":\"%s%.*s\",\"rel\":\"collection\",\"type\":\"" TYPE_JSON
                     "\",\"title\":\"The collection\"}]}", l->base,
                  (int)(strlen(l->path) - strlen("/items")), l->path);
}

/* ---- the HTML view (f=html): the same features as a table ---- */

static void html_value(struct pm_buf *b, const cJSON *v)
{
    char *text;

    if (!v || cJSON_IsNull(v))
        return;
    if (cJSON_IsString(v)) {
        pm_buf_html_escape(b, v->valuestring);
        return;
    }
    text = cJSON_PrintUnformatted(v);
    if (text)
        pm_buf_html_escape(b, text);
    free(text);
}

static void html_feature(struct pm_buf *b, struct page_links *l, const char *feature)
{
    cJSON *f = cJSON_ParseWithOpts(feature, NULL, 1);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(f, "properties");
    const cJSON *geom = cJSON_GetObjectItemCaseSensitive(f, "geometry");
    const cJSON *p;

    if (!f)
        return;
    if (!l->header_done) {
        pm_buf_puts(b, "<thead><tr><th>id</th>");
        cJSON_ArrayForEach(p, props) {
            pm_buf_puts(b, "<th>");
            pm_buf_html_escape(b, p->string);
            pm_buf_puts(b, "</th>");
        }
        pm_buf_puts(b, "<th>geometry</th></tr></thead><tbody>\n");
        l->header_done = 1;
    }
    pm_buf_puts(b, "<tr><td>");
    html_value(b, cJSON_GetObjectItemCaseSensitive(f, "id"));
    pm_buf_puts(b, "</td>");
    cJSON_ArrayForEach(p, props) {
        pm_buf_puts(b, "<td>");
        html_value(b, p);
        pm_buf_puts(b, "</td>");
    }
    pm_buf_puts(b, "<td>");
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(geom, "type"))) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(geom, "coordinates");

        pm_buf_html_escape(b, cJSON_GetObjectItemCaseSensitive(geom, "type")->valuestring);
        if (cJSON_GetArraySize(c) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(c, 0)))
            pm_buf_printf(b, " %.7g, %.7g", cJSON_GetArrayItem(c, 0)->valuedouble,
                          cJSON_GetArrayItem(c, 1)->valuedouble);
    }
    pm_buf_puts(b, "</td></tr>\n");
    cJSON_Delete(f);
}

static void html_row(struct pm_buf *b, void *cls, const char *feature)
{
    html_feature(b, cls, feature);
}

static void html_head(struct pm_buf *b, const char *title)
{
    pm_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    pm_buf_html_escape(b, title);
    pm_buf_puts(b, " - powermap</title></head><body><h1>");
    pm_buf_html_escape(b, title);
    pm_buf_puts(b, "</h1>\n");
}

static void html_page_prefix(struct pm_buf *b, struct page_links *l)
{
    html_head(b, l->id);
    pm_buf_printf(b, "<p>numberMatched: %lld</p>\n<nav>", l->matched);
    if (l->offset > 0) {
        pm_buf_puts(b, "<a rel=\"prev\" href=\"");
        page_href(b, l, l->fpart, l->offset > l->limit ? l->offset - l->limit : 0);
        pm_buf_puts(b, "\">前へ (previous)</a> ");
    }
    if (l->offset + l->limit < l->matched) {
        pm_buf_puts(b, "<a rel=\"next\" href=\"");
        page_href(b, l, l->fpart, l->offset + l->limit);
        pm_buf_puts(b, "\">次へ (next)</a> ");
    }
    pm_buf_puts(b, "<a rel=\"alternate\" type=\"" TYPE_GEOJSON "\" href=\"");
    page_href(b, l, "", l->offset);
    pm_buf_puts(b, "\">GeoJSON</a></nav>\n<table>\n");
}

static void close_html_page(struct pm_buf *b, void *cls, long returned, long long matched)
{
    const struct page_links *l = cls;

    (void)matched;
    pm_buf_printf(b, "%s</table>\n<p>numberReturned: %ld</p></body></html>\n",
                  l->header_done ? "</tbody>" : "", returned);
}

/* Appends name=value& to the link query (values are checked: digits, signs,
 * dots, commas and letters only, so nothing needs escaping). */
static void keep_param(struct page_links *l, const char *name, const char *value)
{
    size_t n = strlen(l->query);

    if (value)
        snprintf(l->query + n, sizeof l->query - n, "%s=%s&", name, value);
}

/* Replies with a page of features, as GeoJSON or (f=html) a table.  Takes fc
 * and l over. */
static enum pm_err page_reply(struct http_req *r, struct maps_fc *fc, struct page_links *l)
{
    struct pm_buf head;
    enum pm_err e;

    l->matched = maps_fc_matched(fc);
    if (!l->html)
        return maps_fc_reply(r, fc, TYPE_GEOJSON, "{\"type\":\"FeatureCollection\",\"features\":[",
                             close_page, l);
    pm_buf_init(&head);
    html_page_prefix(&head, l);
    maps_fc_set_row(fc, html_row);
    e = maps_fc_reply(r, fc, "text/html; charset=utf-8", head.data ? head.data : "",
                      close_html_page, l);
    pm_buf_release(&head);
    return e;
}

enum pm_err route_ogc_items(struct http_req *r)
{
    static const char *const allowed[] = { "bbox", "limit", "offset", "f", NULL };
    static const char *const allowed_density[] = { "bbox", "limit", "offset", "f", "level", NULL };
    const struct ogc_collection *c = collection_or_reply(r);
    int density = c && strcmp(c->id, "children_density") == 0;
    struct maps_bbox bb;
    struct page_links *l = NULL;
    char limit_s[24], offset_s[24], key[512], tag[41], layers[64];
    const char *level = NULL;
    const char *priv = has_token(r) ? "true" : "false";
    struct maps_fc *fc;
    long limit, offset;
    int hit;

    if (!c)
        return r->err;
    if (!c->children)
        http_public(r, MAPS_MAX_AGE);
    if (maps_params_or_reply(r, density ? allowed_density : allowed) != PM_OK ||
        maps_bbox_or_reply(r, &bb) != PM_OK || f_or_reply(r, 1) != PM_OK ||
        http_query_long(r, "limit", OGC_LIMIT_DEFAULT, 1, LONG_MAX, &limit) != PM_OK ||
        http_query_long(r, "offset", 0, 0, OGC_OFFSET_MAX, &offset) != PM_OK)
        return r->err;
    if (limit > OGC_LIMIT_MAX)
        limit = OGC_LIMIT_MAX;
    if (density) {
        level = http_query(r, "level");
        if (level && strcmp(level, "2") != 0 && strcmp(level, "3") != 0)
            return http_fail(r, PM_ERR_BAD_REQUEST, "level: must be 2 or 3");
    }
    snprintf(limit_s, sizeof limit_s, "%ld", limit);
    snprintf(offset_s, sizeof offset_s, "%ld", offset);
    l = calloc(1, sizeof *l);
    if (!l)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    maps_base_url(r, l->base, sizeof l->base);
    snprintf(l->path, sizeof l->path, "/ogc/collections/%s/items", c->id);
    l->limit = limit;
    l->offset = offset;
    if (bb.set) {
        char v[140];

        snprintf(v, sizeof v, "%s,%s,%s,%s", bb.text[0], bb.text[1], bb.text[2], bb.text[3]);
        keep_param(l, "bbox", v);
    }
    keep_param(l, "level", level);
    keep_param(l, "limit", limit_s);
    l->id = c->id;
    if (http_query(r, "f"))
        snprintf(l->fpart, sizeof l->fpart, "f=%s&", http_query(r, "f"));
    l->html = http_query(r, "f") && strcmp(http_query(r, "f"), "html") == 0;
    if (l->html)
        http_header(r, "Content-Security-Policy", "default-src 'none'");
    http_gzip(r);

    if (c->children) {
        /* The ids of the page are audited before any feature is read. */
        const char *p[6];
        const char *fp[2];
        PGresult *res;
        char *ids, *matched;
        enum pm_err e;
        int n = 0;

        if (bb.set)
            for (int i = 0; i < 4; i++)
                p[n++] = bb.text[i];
        p[n++] = limit_s;
        p[n++] = offset_s;
        if (!http_db(r)) {
            free(l);
            return r->err;
        }
        res = db_exec(r->db, bb.set ? c->q_bbox : c->q_all, n, p);
        if (!db_ok(res) || PQntuples(res) != 1) {
            PQclear(res);
            free(l);
            return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        }
        ids = strdup(PQgetvalue(res, 0, 0));
        matched = strdup(PQgetvalue(res, 0, 1));
        PQclear(res);
        e = ids && matched ? http_audit(r, "children.ogc", ids) : http_fail(r, PM_ERR_NOMEM, "out of memory");
        if (e == PM_OK) {
            fp[0] = ids;
            fp[1] = matched;
            fc = maps_fc_open(r, "ogc_children_features", 2, fp);
            if (fc) {
                e = page_reply(r, fc, l);
                l = NULL;                   /* the collection owns it now */
            } else {
                e = r->err;
            }
        }
        free(ids);
        free(matched);
        free(l);
        return e;
    }

    snprintf(key, sizeof key, "items|%s|%s|%s%s|%s%s", c->id, priv, l->base, l->path, l->query,
             l->fpart);
    snprintf(layers, sizeof layers, "{%s}", c->id);
    hit = maps_not_modified(r, layers, key);
    if (hit) {
        free(l);
        return hit > 0 ? PM_OK : r->err;
    }
    {
        const char *p[7] = { bb.set ? bb.text[0] : NULL, bb.set ? bb.text[1] : NULL,
                             bb.set ? bb.text[2] : NULL, bb.set ? bb.text[3] : NULL,
                             density ? level : priv, limit_s, offset_s };

        fc = maps_fc_open(r, bb.set ? c->q_bbox : c->q_all, 7, p);
    }
    if (!fc) {
        free(l);
        return r->err;
    }
    maps_etag_tag(maps_fc_version(fc), key, tag);
    if (http_etag(r, tag)) {
        maps_fc_free(fc);
        free(l);
        return http_reply_not_modified(r);
    }
    return page_reply(r, fc, l);
}

/* ------------------------------------------------------------------------- */
/* One item                                                                    */
/* ------------------------------------------------------------------------- */

/* 1 when fid can name a feature of c: a positive integer, or for
 * children_density a 2次 or 3次 mesh code (geo/mesh.c decides). */
static int fid_ok(const struct ogc_collection *c, const char *fid)
{
    long n;

    if (strcmp(c->id, "children_density") == 0) {
        int level = geo_mesh_level(fid);

        return level == 2 || level == 3;
    }
    return pm_parse_long(fid, 1, LONG_MAX, &n) == 0;
}

/* Replies with one feature (its stored text, ending in "}}") with its
 * links, or with f=html as a one-row table. */
static enum pm_err item_reply(struct http_req *r, const struct ogc_collection *c,
                              const char *base, const char *fid, const char *feature,
                              size_t flen)
{
    const char *f = http_query(r, "f");
    struct pm_buf b;
    size_t len;
    char *body;
    int html = f && strcmp(f, "html") == 0;

    pm_buf_init(&b);
    if (html) {
        struct page_links l;

        memset(&l, 0, sizeof l);
        http_header(r, "Content-Security-Policy", "default-src 'none'");
        html_head(&b, c->id);
        pm_buf_printf(&b, "<nav><a rel=\"alternate\" type=\"" TYPE_GEOJSON "\" href=\"%s/ogc/"
                          "collections/%s/items/%s\">GeoJSON</a> <a rel=\"collection\" href=\"%s"
                          "/ogc/collections/%s/items?f=html\">%s</a></nav>\n<table>\n",
                      base, c->id, fid, base, c->id, c->id);
        html_feature(&b, &l, feature);
        pm_buf_puts(&b, "</tbody></table></body></html>\n");
    } else {
        /* The links go in before the feature's last brace. */
        pm_buf_append(&b, feature, flen ? flen - 1 : 0);
        pm_buf_printf(&b, ",\"links\":[{\"href\":\"%s/ogc/collections/%s/items/%s\",\"rel\":"
                          "\"self\",\"type\":\"" TYPE_GEOJSON "\",\"title\":\"This feature\"},"
                          "{\"href\":\"%s/ogc/collections/%s/items/%s?f=html\",\"rel\":\"alternate\","
                          "\"type\":\"text/html\",\"title\":\"This feature as HTML\"},"
                          "{\"href\":\"%s/ogc/collections/%s\",\"rel\":\"collection\",\"type\":\""
                          TYPE_JSON "\",\"title\":\"The collection\"}]}",
                      base, c->id, fid, base, c->id, fid, base, c->id);
    }
    if (b.oom) {
        pm_buf_release(&b);
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    body = pm_buf_steal(&b, &len);
    return http_reply(r, MHD_HTTP_OK, html ? "text/html; charset=utf-8" : TYPE_GEOJSON, body, len);
}

/* One child, whole (a child is small), audited before it is read. */
static enum pm_err item_children(struct http_req *r, const char *fid)
{
    char ids[40];
    const char *p[2] = { ids, "1" };
    PGresult *res;
    enum pm_err e;

    snprintf(ids, sizeof ids, "{%s}", fid);
    e = http_audit(r, "children.ogc", ids);
    if (e != PM_OK)
        return e;
    res = db_exec(r->db, "ogc_children_features", 2, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    for (int i = 0; i < PQntuples(res); i++)
        if (strcmp(PQgetvalue(res, i, 0), "1") == 0) {
            char base[256];

            maps_base_url(r, base, sizeof base);
            e = item_reply(r, &collections[5], base, fid, PQgetvalue(res, i, 3),
                           (size_t)PQgetlength(res, i, 3));
            PQclear(res);
            return e;
        }
    PQclear(res);
    return http_fail(r, PM_ERR_NOT_FOUND, "no such feature");
}

enum pm_err route_ogc_item(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    const struct ogc_collection *c = collection_or_reply(r);
    const char *fid = r->params[1];
    const char *priv = has_token(r) ? "true" : "false";
    char key[512], tag[41], layers[64], base[256];
    const char *p[2] = { fid, priv };
    PGresult *res;
    int hit;

    if (!c)
        return r->err;
    if (!c->children)
        http_public(r, MAPS_MAX_AGE);
    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 1) != PM_OK)
        return r->err;
    if (!fid_ok(c, fid))
        return http_fail(r, PM_ERR_NOT_FOUND, "no such feature");
    http_gzip(r);
    if (c->children)
        return item_children(r, fid);
    maps_base_url(r, base, sizeof base);
    snprintf(key, sizeof key, "item|%s|%s|%s|%s|%s", c->id, priv, base, fid,
             http_query(r, "f") ? http_query(r, "f") : "");
    snprintf(layers, sizeof layers, "{%s}", c->id);
    hit = maps_not_modified(r, layers, key);
    if (hit)
        return hit > 0 ? PM_OK : r->err;
    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, c->q_item, 2, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_NOT_FOUND, "no such feature");
    }
    maps_etag_tag(PQgetvalue(res, 0, 0), key, tag);
    if (http_etag(r, tag)) {
        PQclear(res);
        return http_reply_not_modified(r);
    }
    {
        enum pm_err e = item_reply(r, c, base, fid, PQgetvalue(res, 0, 1),
                                   (size_t)PQgetlength(res, 0, 1));

        PQclear(res);
        return e;
    }
}
