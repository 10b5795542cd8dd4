/* routes_ogc.c -- OGC API - Features under /ogc, for GIS clients (QGIS,
 * GDAL's OAPIF driver): Part 1 (core, GeoJSON, OpenAPI 3.0; items also as
 * HTML tables), Part 2 (coordinate reference systems by reference) and the
 * queryables of Part 3.
 *
 * The collections are the layers of the catalogue (server/layers.c): the
 * public ones for everybody, children for token holders only (not listed
 * without a token, 401 on its URLs, every read audited).
 *
 * Items take bbox, bbox-crs, crs, limit (1-10000, default OGC_LIMIT_DEFAULT;
 * larger values are served as 10000, as the standard asks), offset, after
 * and f=json|geojson|html; anything else is a 400.  Features are ordered by
 * their key, so paging is stable.  The self/next/prev links keep every
 * parameter of the request, each value percent-encoded by libcurl's URL API
 * (numbers never in exponent form), so a client that follows them gets what
 * it asked for.  The next link also carries after, the key of the page's
 * last feature, so that a deep page is read from the index rather than by
 * skipping rows; numberMatched is kept per data version between pages.
 * The next link of a GeoJSON page asks for a page twice as large (up to
 * OGC_LIMIT_GROWN, never less than the limit asked): the next link is the
 * server's to write, and a client that follows them to the end (GDAL's OAPIF
 * driver asks 10 a page, a bulk copy of 50,000 points was 5,000 requests)
 * reads a layer in tens of pages, while one that stops after the first page
 * still got the page it asked for.  The HTML view keeps the page size.
 *
 * Coordinates are CRS84 (lon/lat, as stored) unless crs names another system
 * of the crs list: EPSG:4326, JGD2011 (EPSG:6668) and its plane rectangular
 * systems (EPSG:6669-6687), each in its EPSG axis order (northing first).
 * The Content-Crs header names the CRS of every feature document.
 *
 * Feature documents are application/geo+json, schemas application/schema+json,
 * every other document application/json (the API definition also as
 * application/vnd.oai.openapi+json;version=3.0 when asked for). */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/mesh.h"
#include "server/db.h"
#include "server/layers.h"
#include "server/maps.h"
#include "server/ogc_api.h"
#include "server/routes.h"
#include "server/crypto.h"

#define OGC_LIMIT_DEFAULT 100
#define OGC_LIMIT_MAX 10000
#define OGC_LIMIT_GROWN 1000        /* next links grow pages up to this (HTTP_EXPENSIVE_LIMIT) */
#define OGC_OFFSET_MAX 1000000000L

#define TYPE_JSON "application/json"
#define TYPE_GEOJSON "application/geo+json"
#define TYPE_SCHEMA "application/schema+json"
#define TYPE_OPENAPI "application/vnd.oai.openapi+json;version=3.0"
#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define EPSG_URI "http://www.opengis.net/def/crs/EPSG/0/"
#define REL_QUERYABLES "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#define GEOJSON_SCHEMA "https://geojson.org/schema/"

static int has_token(struct http_req *r)
{
    return r->role >= ROLE_VIEWER;
}

/* The layer named by the route's first parameter, or NULL with 404/401
 * recorded. */
static const struct layer *collection_or_reply(struct http_req *r)
{
    const struct layer *c = layer_find(r->params[0]);

    if (!c) {
        http_fail(r, PM_ERR_NOT_FOUND, "no such collection");
        return NULL;
    }
    if ((c->flags & LAYER_TOKEN) && !has_token(r)) {
        http_fail(r, PM_ERR_UNAUTHORIZED, "a token is required");
        return NULL;
    }
    return c;
}

/* f=json everywhere; f=geojson and f=html too on feature documents. */
static enum pm_err f_or_reply(struct http_req *r, int features)
{
    const char *f = http_query(r, "f");

    if (!f || strcmp(f, "json") == 0 ||
        (features && (strcmp(f, "geojson") == 0 || strcmp(f, "html") == 0)))
        return PM_OK;
    return http_fail(r, PM_ERR_BAD_REQUEST, "f: must be json%s",
                     features ? ", geojson or html" : "");
}

/* ---- coordinate reference systems (Part 2) ---- */

/* 1 when EPSG code srid is served: 4326, 6668 or 6669-6687. */
static int srid_served(long srid)
{
    return srid == 4326 || (srid >= 6668 && srid <= 6687);
}

/* The URI of srid (0: CRS84) in out. */
static void crs_uri(int srid, char out[64])
{
    if (srid == 0)
        snprintf(out, 64, "%s", CRS84);
    else
        snprintf(out, 64, EPSG_URI "%d", srid);
}

/* Reads query parameter name (crs or bbox-crs) as a srid: 0 for CRS84 or
 * when absent.  Returns PM_OK or a 400 recorded. */
static enum pm_err crs_or_reply(struct http_req *r, const char *name, int *srid)
{
    const char *v = http_query(r, name);
    long n;

    *srid = 0;
    if (!v || strcmp(v, CRS84) == 0)
        return PM_OK;
    if (strncmp(v, EPSG_URI, strlen(EPSG_URI)) == 0 &&
        pm_parse_long(v + strlen(EPSG_URI), 1, 99999, &n) == 0 && srid_served(n)) {
        *srid = (int)n;
        return PM_OK;
    }
    return http_fail(r, PM_ERR_BAD_REQUEST, "%s: must be one of the collection's crs list (" CRS84
                     ", " EPSG_URI "4326, " EPSG_URI "6668 or " EPSG_URI "6669 to 6687)", name);
}

/* The crs list of a collection. */
static cJSON *crs_array(void)
{
    cJSON *a = cJSON_CreateArray();
    char uri[64];

    cJSON_AddItemToArray(a, cJSON_CreateString(CRS84));
    cJSON_AddItemToArray(a, cJSON_CreateString(EPSG_URI "4326"));
    for (int srid = 6668; srid <= 6687; srid++) {
        crs_uri(srid, uri);
        cJSON_AddItemToArray(a, cJSON_CreateString(uri));
    }
    return a;
}

/* Content-Crs of a feature document in srid. */
static void content_crs(struct http_req *r, int srid)
{
    char uri[64], v[80];

    crs_uri(srid, uri);
    snprintf(v, sizeof v, "<%s>", uri);
    http_header(r, "Content-Crs", v);
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

/* Replies with the document doc (taken over) as reply_doc does. */
static enum pm_err reply_json(struct http_req *r, const char *type, cJSON *doc)
{
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    struct pm_buf b;

    cJSON_Delete(doc);
    if (!text)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    pm_buf_init(&b);
    pm_buf_puts(&b, text);
    cJSON_free(text);
    return reply_doc(r, type, &b);
}

/* Appends a link {href: base + path, rel, type, title} to the array links. */
static void add_link(cJSON *links, const char *base, const char *path, const char *rel,
                     const char *type, const char *title)
{
    cJSON *l = cJSON_CreateObject();
    char href[512];

    snprintf(href, sizeof href, "%s%s", base, path);
    cJSON_AddStringToObject(l, "href", href);
    cJSON_AddStringToObject(l, "rel", rel);
    cJSON_AddStringToObject(l, "type", type);
    cJSON_AddStringToObject(l, "title", title);
    if (!cJSON_AddItemToArray(links, l))
        cJSON_Delete(l);
}

/* ------------------------------------------------------------------------- */
/* Landing page, conformance, API definition                                   */
/* ------------------------------------------------------------------------- */

enum pm_err route_ogc_landing(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    char base[256];
    cJSON *doc, *links;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "title", "powermap");
    cJSON_AddStringToObject(doc, "description", "Power supply points, shelters, hazard areas, "
                            "outages and the density of children on home medical devices "
                            "(電源マップ) as OGC API - Features.");
    links = cJSON_AddArrayToObject(doc, "links");
    add_link(links, base, "/ogc", "self", TYPE_JSON, "This document");
    add_link(links, base, "/ogc/api", "service-desc", TYPE_OPENAPI, "The API definition");
    add_link(links, base, "/ogc/conformance", "conformance", TYPE_JSON, "Conformance classes");
    add_link(links, base, "/ogc/collections", "data", TYPE_JSON, "The collections");
    return reply_json(r, TYPE_JSON, doc);
}

enum pm_err route_ogc_conformance(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    static const char *const classes[] = {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    };
    cJSON *doc;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "conformsTo",
                          cJSON_CreateStringArray(classes, sizeof classes / sizeof classes[0]));
    return reply_json(r, TYPE_JSON, doc);
}

enum pm_err route_ogc_api(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_ACCEPT);
    char base[256];
    struct pm_buf b;
    size_t len;
    char *text;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    text = ogc_api_text(base, has_token(r), OGC_LIMIT_MAX, OGC_LIMIT_DEFAULT, &len);
    if (!text)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    pm_buf_init(&b);
    pm_buf_append(&b, text, len);
    free(text);
    return reply_doc(r, accept && strstr(accept, "application/vnd.oai.openapi+json") ? TYPE_OPENAPI
                                                                                   : TYPE_JSON, &b);
}

/* ------------------------------------------------------------------------- */
/* Collections                                                                 */
/* ------------------------------------------------------------------------- */

/* The spatial extent of each layer.  Without a token they are kept here for
 * as long as the data versions stay the same: a full scan of every layer per
 * request would be the slowest thing a map page asks for. */
struct extent {
    int set;
    char v[4][32];
};

#define NLAYERS_MAX 32

static struct {
    pthread_mutex_t lock;
    int valid;
    char versions[512];
    struct extent e[NLAYERS_MAX];
} extent_cache = { PTHREAD_MUTEX_INITIALIZER, 0, "", { { 0, { "" } } } };

/* Reads the extent of every layer the caller may see into e (indexed as
 * layers[]).  Returns PM_OK or an error recorded. */
static enum pm_err extents_read(struct http_req *r, struct extent *e)
{
    const char *p[1] = { has_token(r) ? "true" : "false" };

    for (size_t i = 0; layers[i].id && i < NLAYERS_MAX; i++) {
        PGresult *res;

        if (!layers[i].q_extent || ((layers[i].flags & LAYER_TOKEN) && !has_token(r)))
            continue;
        res = db_exec(r->db, layers[i].q_extent, 1, p);
        if (!db_ok(res) || PQntuples(res) != 1) {
            PQclear(res);
            return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        }
        if (!PQgetisnull(res, 0, 0)) {
            e[i].set = 1;
            for (int k = 0; k < 4; k++)
                snprintf(e[i].v[k], sizeof e[i].v[k], "%s", PQgetvalue(res, 0, k));
        }
        PQclear(res);
    }
    return PM_OK;
}

/* Fills e[i] for layers[i].  Returns PM_OK or an error recorded. */
static enum pm_err extents_or_reply(struct http_req *r, struct extent *e)
{
    const char *lp[1] = { layer_public_versions() };
    char versions[512] = "";
    PGresult *res;
    int hit = 0;

    memset(e, 0, NLAYERS_MAX * sizeof *e);
    if (!http_db(r))
        return r->err;
    if (has_token(r))
        return extents_read(r, e);
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
    if (extents_read(r, e) != PM_OK)
        return r->err;
    /* The versions were read before the extents: a change in between only
     * makes the next request compute them again. */
    pthread_mutex_lock(&extent_cache.lock);
    memcpy(extent_cache.e, e, sizeof extent_cache.e);
    snprintf(extent_cache.versions, sizeof extent_cache.versions, "%s", versions);
    extent_cache.valid = 1;
    pthread_mutex_unlock(&extent_cache.lock);
    return PM_OK;
}

static cJSON *collection_doc(const char *base, const struct layer *c, const struct extent *e)
{
    cJSON *doc = cJSON_CreateObject(), *links;
    char path[160];

    cJSON_AddStringToObject(doc, "id", c->id);
    cJSON_AddStringToObject(doc, "title", c->title);
    cJSON_AddStringToObject(doc, "description", c->description);
    if (e->set) {
        cJSON *ext = cJSON_AddObjectToObject(doc, "extent");
        cJSON *sp = cJSON_AddObjectToObject(ext, "spatial");
        cJSON *bbox = cJSON_AddArrayToObject(sp, "bbox"), *box = cJSON_CreateArray();

        for (int k = 0; k < 4; k++)
            cJSON_AddItemToArray(box, cJSON_CreateNumber(strtod(e->v[k], NULL)));
        cJSON_AddItemToArray(bbox, box);
        cJSON_AddStringToObject(sp, "crs", CRS84);
    }
    cJSON_AddStringToObject(doc, "itemType", "feature");
    cJSON_AddItemToObject(doc, "crs", crs_array());
    cJSON_AddStringToObject(doc, "storageCrs", CRS84);
    links = cJSON_AddArrayToObject(doc, "links");
    snprintf(path, sizeof path, "/ogc/collections/%s", c->id);
    add_link(links, base, path, "self", TYPE_JSON, "This collection");
    snprintf(path, sizeof path, "/ogc/collections/%s/items", c->id);
    add_link(links, base, path, "items", TYPE_GEOJSON, "Its features");
    snprintf(path, sizeof path, "/ogc/collections/%s/queryables", c->id);
    add_link(links, base, path, REL_QUERYABLES, TYPE_SCHEMA, "Its properties (JSON Schema)");
    /* The feature schema; GDAL 3.6 looks for rel "describedBy" as written. */
    snprintf(path, sizeof path, "/ogc/collections/%s/schema", c->id);
    add_link(links, base, path, "describedby", TYPE_SCHEMA, "Its features (JSON Schema)");
    add_link(links, base, path, "describedBy", TYPE_SCHEMA, "Its features (JSON Schema)");
    if (c->q_tile) {
        snprintf(path, sizeof path, "/tiles/%s/{z}/{x}/{y}.mvt", c->id);
        add_link(links, base, path, "tiles", "application/vnd.mapbox-vector-tile",
                 "Mapbox vector tiles (WebMercatorQuad); 204 for an empty tile");
    }
    return doc;
}

enum pm_err route_ogc_collections(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    char base[256];
    struct extent ext[NLAYERS_MAX];
    cJSON *doc, *list;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK ||
        extents_or_reply(r, ext) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    doc = cJSON_CreateObject();
    add_link(cJSON_AddArrayToObject(doc, "links"), base, "/ogc/collections", "self", TYPE_JSON,
             "This document");
    list = cJSON_AddArrayToObject(doc, "collections");
    for (const struct layer *c = layers; c->id; c++) {
        if ((c->flags & LAYER_TOKEN) && !has_token(r))
            continue;               /* not even named without a token */
        cJSON_AddItemToArray(list, collection_doc(base, c, &ext[c - layers]));
    }
    return reply_json(r, TYPE_JSON, doc);
}

enum pm_err route_ogc_collection(struct http_req *r)
{
    static const char *const allowed[] = { "f", NULL };
    const struct layer *c = collection_or_reply(r);
    char base[256];
    struct extent ext[NLAYERS_MAX];

    if (!c || maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK ||
        extents_or_reply(r, ext) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    return reply_json(r, TYPE_JSON, collection_doc(base, c, &ext[c - layers]));
}

/* ---- queryables and the feature schema (JSON Schema) ---- */

/* The layer's fields as JSON Schema properties. */
static cJSON *schema_fields(const struct layer *c)
{
    cJSON *props = cJSON_CreateObject();

    for (const struct layer_field *f = c->fields; f->name; f++) {
        cJSON *p = cJSON_AddObjectToObject(props, f->name);

        cJSON_AddStringToObject(p, "title", f->title);
        cJSON_AddStringToObject(p, "type", f->type);
        if (f->format)
            cJSON_AddStringToObject(p, "format", f->format);
        if (strcmp(f->type, "array") == 0)
            cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "items"), "type",
                                    strcmp(f->name, "devices") == 0 ? "object" : "string");
    }
    return props;
}

/* {"$ref": the GeoJSON schema of the layer's geometry}. */
static cJSON *geometry_ref(const struct layer *c)
{
    cJSON *g = cJSON_CreateObject();
    char ref[128];

    snprintf(ref, sizeof ref, GEOJSON_SCHEMA "%s.json", c->geometry);
    cJSON_AddStringToObject(g, "$ref", ref);
    return g;
}

/* /ogc/collections/{id}/queryables (Part 3: the properties, flat) and
 * /ogc/collections/{id}/schema (the whole GeoJSON feature, which GDAL reads
 * to type the fields before it has seen a value). */
static enum pm_err schema_reply(struct http_req *r, int feature)
{
    static const char *const allowed[] = { "f", NULL };
    static const char *const required[] = { "type", "geometry", "properties" };
    const struct layer *c = collection_or_reply(r);
    char base[256], id[512];
    cJSON *doc, *props;

    if (!c || maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 0) != PM_OK)
        return r->err;
    maps_base_url(r, base, sizeof base);
    snprintf(id, sizeof id, "%s/ogc/collections/%s/%s", base, c->id,
             feature ? "schema" : "queryables");
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "$schema", "https://json-schema.org/draft/2019-09/schema");
    cJSON_AddStringToObject(doc, "$id", id);
    cJSON_AddStringToObject(doc, "title", c->title);
    cJSON_AddStringToObject(doc, "type", "object");
    if (feature) {
        cJSON *t, *pr;

        cJSON_AddItemToObject(doc, "required", cJSON_CreateStringArray(required, 3));
        props = cJSON_AddObjectToObject(doc, "properties");
        t = cJSON_AddObjectToObject(props, "type");
        cJSON_AddStringToObject(t, "type", "string");
        cJSON_AddItemToObject(t, "enum", cJSON_CreateStringArray((const char *[]){ "Feature" }, 1));
        cJSON_AddStringToObject(cJSON_AddObjectToObject(props, "id"), "type",
                                c->mesh_level ? "string" : "integer");
        cJSON_AddItemToObject(props, "geometry", geometry_ref(c));
        pr = cJSON_AddObjectToObject(props, "properties");
        cJSON_AddStringToObject(pr, "type", "object");
        cJSON_AddItemToObject(pr, "properties", schema_fields(c));
    } else {
        cJSON *fields = schema_fields(c);

        /* the geometry first, then the fields, flat */
        props = cJSON_AddObjectToObject(doc, "properties");
        cJSON_AddItemToObject(props, "geometry", geometry_ref(c));
        for (cJSON *f = fields->child; f; f = fields->child)
            cJSON_AddItemToObject(props, f->string, cJSON_DetachItemViaPointer(fields, f));
        cJSON_Delete(fields);
        cJSON_AddFalseToObject(doc, "additionalProperties");
    }
    /* Public caching stops at requests with credentials (http.c). */
    return reply_json(r, TYPE_SCHEMA, doc);
}

enum pm_err route_ogc_queryables(struct http_req *r)
{
    return schema_reply(r, 0);
}

enum pm_err route_ogc_schema(struct http_req *r)
{
    return schema_reply(r, 1);
}

/* ------------------------------------------------------------------------- */
/* Items                                                                       */
/* ------------------------------------------------------------------------- */

/* A page's request, checked, and what its links need; malloc'd, owned by the
 * feature collection once that is open. */
struct page_links {
    char base[256];
    char path[160];             /* /ogc/collections/ID/items */
    const char *id;             /* the collection */
    /* The request's parameters as the links repeat them; "" when absent. */
    char bbox[200], bbox_crs[64], crs[64], limit_s[24], f[16], after[64];
    struct maps_bbox bb;
    int bbox_srid, crs_srid;    /* 0: CRS84 */
    long limit, offset;
    int html;                   /* f=html: a table for people */
    int header_done;            /* the table head is written */
    long long matched;
};

/* Appends the URL of a page like l's to b: l's parameters (limit as
 * limit_s, l's when NULL), then f, offset and after (each left out when NULL
 * or ""), every value percent-encoded by libcurl's URL API.  Escaped for an
 * HTML attribute when html, else for a JSON string.  On failure b->oom is
 * set. */
static void page_href(struct pm_buf *b, const struct page_links *l, const char *limit_s,
                      const char *f, long offset, const char *after, int html)
{
    static const char *const names[7] = { "bbox", "bbox-crs", "crs", "limit", "f", "offset", "after" };
    char off[24], url[450], nv[320];
    const char *values[7] = { l->bbox, l->bbox_crs, l->crs, limit_s ? limit_s : l->limit_s, f, off,
                              after };
    CURLU *u = curl_url();
    char *out = NULL;
    int ok = u != NULL;

    snprintf(off, sizeof off, "%ld", offset);
    snprintf(url, sizeof url, "%s%s", l->base, l->path);
    ok = ok && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
    for (int i = 0; ok && i < 7; i++) {
        if (!values[i] || !*values[i])
            continue;
        snprintf(nv, sizeof nv, "%s=%s", names[i], values[i]);
        ok = curl_url_set(u, CURLUPART_QUERY, nv, CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK;
    }
    ok = ok && curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK;
    if (!ok)
        b->oom = 1;
    else if (html)
        pm_buf_html_escape(b, out);
    else
        pm_buf_json_escape(b, out);
    curl_free(out);
    curl_url_cleanup(u);
}

static void page_link(struct pm_buf *b, const struct page_links *l, const char *rel,
                      const char *type, const char *title, const char *limit_s, const char *f,
                      long offset, const char *after)
{
    pm_buf_puts(b, strcmp(rel, "self") == 0 ? "{\"href\":\"" : ",{\"href\":\"");
    page_href(b, l, limit_s, f, offset, after, 0);
    pm_buf_printf(b, "\",\"rel\":\"%s\",\"type\":\"%s\",\"title\":\"%s\"}", rel, type, title);
}

/* The limit of the page after a page of limit n (see the head comment). */
static long grown_limit(long n)
{
    return n >= OGC_LIMIT_GROWN ? n : n * 2 < OGC_LIMIT_GROWN ? n * 2 : OGC_LIMIT_GROWN;
}

static void close_page(struct pm_buf *b, void *cls, long returned, long long matched,
                       const char *last_key)
{
    const struct page_links *l = cls;
    char next_limit[24];

    snprintf(next_limit, sizeof next_limit, "%ld", grown_limit(l->limit));
    pm_buf_printf(b, "],\"numberMatched\":%lld,\"numberReturned\":%ld,\"links\":[",
                  matched, returned);
    page_link(b, l, "self", TYPE_GEOJSON, "This page", NULL, l->f, l->offset, l->after);
    page_link(b, l, "alternate", "text/html", "This page as HTML", NULL, "html", l->offset,
              l->after);
    if (returned > 0 && l->offset + returned < matched)
        page_link(b, l, "next", TYPE_GEOJSON, "Next page", next_limit, l->f, l->offset + returned,
                  last_key);
    if (l->offset > 0)
        page_link(b, l, "prev", TYPE_GEOJSON, "Previous page", NULL, l->f,
                  l->offset > l->limit ? l->offset - l->limit : 0, NULL);
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
        page_href(b, l, NULL, "html", l->offset > l->limit ? l->offset - l->limit : 0, NULL, 1);
        pm_buf_puts(b, "\">前へ (previous)</a> ");
    }
    if (l->offset + l->limit < l->matched) {
        pm_buf_puts(b, "<a rel=\"next\" href=\"");
        page_href(b, l, NULL, "html", l->offset + l->limit, NULL, 1);
        pm_buf_puts(b, "\">次へ (next)</a> ");
    }
    pm_buf_puts(b, "<a rel=\"alternate\" type=\"" TYPE_GEOJSON "\" href=\"");
    page_href(b, l, NULL, "", l->offset, NULL, 1);
    pm_buf_puts(b, "\">GeoJSON</a></nav>\n<table>\n");
}


static void close_html_page(struct pm_buf *b, void *cls, long returned, long long matched,
                            const char *last_key)
{
    const struct page_links *l = cls;

    (void)matched;
    (void)last_key;
    pm_buf_printf(b, "%s</table>\n<p>numberReturned: %ld</p></body></html>\n",
                  l->header_done ? "</tbody>" : "", returned);
}

/* ---- numberMatched kept per data version ---- */

/* A bulk copy asks for thousands of pages of one query; each full page
 * would count the whole match again.  The count of (layer, caller, bbox) is
 * kept with the data version it was read at, and the query uses it only
 * when that version is still current (checked in the query's snapshot). */
#define MATCHED_SLOTS 509

static struct {
    pthread_mutex_t lock;
    struct {
        char key[300];
        char version[64];
        long long matched;
    } slot[MATCHED_SLOTS];
} matched_cache = { PTHREAD_MUTEX_INITIALIZER, { { "", "", 0 } } };

static size_t matched_slot(const char *key)
{
    unsigned long h = 2166136261UL;

    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619UL;
    return h % MATCHED_SLOTS;
}

/* The kept version and count of key, as query parameters ("" when none). */
static void matched_get(const char *key, char version[64], char matched[24])
{
    size_t i = matched_slot(key);

    version[0] = matched[0] = '\0';
    pthread_mutex_lock(&matched_cache.lock);
    if (strcmp(matched_cache.slot[i].key, key) == 0) {
        snprintf(version, 64, "%s", matched_cache.slot[i].version);
        snprintf(matched, 24, "%lld", matched_cache.slot[i].matched);
    }
    pthread_mutex_unlock(&matched_cache.lock);
}

static void matched_put(const char *key, const char *version, long long matched)
{
    size_t i = matched_slot(key);

    if (matched < 0 || !*version || strlen(key) >= sizeof matched_cache.slot[i].key)
        return;
    pthread_mutex_lock(&matched_cache.lock);
    snprintf(matched_cache.slot[i].key, sizeof matched_cache.slot[i].key, "%s", key);
    snprintf(matched_cache.slot[i].version, sizeof matched_cache.slot[i].version, "%s", version);
    matched_cache.slot[i].matched = matched;
    pthread_mutex_unlock(&matched_cache.lock);
}

/* The twelve parameters of the layer template (sql/queries_maps.sql). */
struct item_params {
    char bsrid[16], csrid[16], offset[24], cver[64], cmatched[24];
    char ckey[300];             /* the numberMatched cache key */
    const char *p[12];
};

static void item_params_fill(struct item_params *q, const struct layer *c,
                             const struct page_links *l, const char *priv)
{
    snprintf(q->bsrid, sizeof q->bsrid, "%d", l->bbox_srid);
    snprintf(q->csrid, sizeof q->csrid, "%d", l->crs_srid);
    snprintf(q->offset, sizeof q->offset, "%ld", l->offset);
    snprintf(q->ckey, sizeof q->ckey, "%s|%s|%s|%d", c->id, priv, l->bbox, l->bbox_srid);
    matched_get(q->ckey, q->cver, q->cmatched);
    for (int i = 0; i < 4; i++)
        q->p[i] = l->bb.set ? l->bb.text[i] : NULL;
    q->p[4] = l->bb.set ? q->bsrid : NULL;
    q->p[5] = priv;
    q->p[6] = l->limit_s;
    q->p[7] = q->offset;
    q->p[8] = l->after[0] ? l->after : NULL;
    q->p[9] = q->csrid;
    q->p[10] = q->cver[0] ? q->cver : NULL;
    q->p[11] = q->cmatched[0] ? q->cmatched : NULL;
}

/* ---- the items request ---- */

/* Reads and checks the parameters of an items request into l.  Returns
 * PM_OK or a 400 recorded. */
static enum pm_err items_args_or_reply(struct http_req *r, const struct layer *c,
                                       struct page_links *l)
{
    static const char *const allowed[] = {
        "bbox", "bbox-crs", "crs", "limit", "offset", "after", "f", NULL
    };
    const char *after = http_query(r, "after");
    const char *f = http_query(r, "f");
    long n;

    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 1) != PM_OK ||
        crs_or_reply(r, "bbox-crs", &l->bbox_srid) != PM_OK ||
        crs_or_reply(r, "crs", &l->crs_srid) != PM_OK ||
        maps_bbox_crs_or_reply(r, l->bbox_srid, &l->bb) != PM_OK ||
        http_query_long(r, "limit", OGC_LIMIT_DEFAULT, 1, LONG_MAX, &l->limit) != PM_OK ||
        http_query_long(r, "offset", 0, 0, OGC_OFFSET_MAX, &l->offset) != PM_OK)
        return r->err;
    if (after && (c->mesh_level ? geo_mesh_level(after) != c->mesh_level
                                : pm_parse_long(after, 1, LONG_MAX, &n) != 0))
        return http_fail(r, PM_ERR_BAD_REQUEST, "after: must be the id of a feature of %s", c->id);
    if (l->limit > OGC_LIMIT_MAX)
        l->limit = OGC_LIMIT_MAX;
    l->id = c->id;
    maps_base_url(r, l->base, sizeof l->base);
    snprintf(l->path, sizeof l->path, "/ogc/collections/%s/items", c->id);
    snprintf(l->limit_s, sizeof l->limit_s, "%ld", l->limit);
    snprintf(l->after, sizeof l->after, "%s", after ? after : "");
    snprintf(l->f, sizeof l->f, "%s", f ? f : "");
    if (l->bb.set)
        snprintf(l->bbox, sizeof l->bbox, "%s,%s,%s,%s", l->bb.text[0], l->bb.text[1],
                 l->bb.text[2], l->bb.text[3]);
    if (http_query(r, "bbox-crs"))
        crs_uri(l->bbox_srid, l->bbox_crs);
    if (http_query(r, "crs"))
        crs_uri(l->crs_srid, l->crs);
    l->html = f && strcmp(f, "html") == 0;
    return PM_OK;
}

/* Replies with a page of features, as GeoJSON or (f=html) a table.  Takes fc
 * and l over. */
static enum pm_err page_reply(struct http_req *r, struct maps_fc *fc, struct page_links *l)
{
    struct pm_buf head;
    enum pm_err e;

    l->matched = maps_fc_matched(fc);
    content_crs(r, l->crs_srid);
    if (!l->html)
        return maps_fc_reply(r, fc, TYPE_GEOJSON, "{\"type\":\"FeatureCollection\",\"features\":[",
                             close_page, l);
    http_header(r, "Content-Security-Policy", "default-src 'none'");
    pm_buf_init(&head);
    html_page_prefix(&head, l);
    maps_fc_set_row(fc, html_row);
    e = maps_fc_reply(r, fc, "text/html; charset=utf-8", head.data ? head.data : "",
                      close_html_page, l);
    pm_buf_release(&head);
    return e;
}

/* The children collection: the ids of the page are audited before any
 * feature is read.  Takes l over. */
static enum pm_err items_children(struct http_req *r, const struct layer *c, struct page_links *l)
{
    struct item_params q;
    const char *fp[3];
    PGresult *res;
    char *ids = NULL, *matched = NULL;
    struct maps_fc *fc;
    enum pm_err e;

    item_params_fill(&q, c, l, "true");
    if (!http_db(r)) {
        free(l);
        return r->err;
    }
    res = db_exec(r->db, l->bb.set ? c->q_bbox : c->q_all, 12, q.p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        free(l);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    ids = strdup(PQgetvalue(res, 0, 0));
    matched = strdup(PQgetvalue(res, 0, 1));
    matched_put(q.ckey, PQgetvalue(res, 0, 2), strtoll(PQgetvalue(res, 0, 1), NULL, 10));
    PQclear(res);
    e = ids && matched ? http_audit(r, "children.ogc", ids) : http_fail(r, PM_ERR_NOMEM, "out of memory");
    if (e == PM_OK) {
        fp[0] = ids;
        fp[1] = matched;
        fp[2] = q.csrid;
        fc = maps_fc_open(r, "ogc_children_features", 3, fp);
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

/* A public collection (public to token holders too, with what they may see).
 * Takes l over. */
static enum pm_err items_public(struct http_req *r, const struct layer *c, struct page_links *l)
{
    const char *priv = has_token(r) ? "true" : "false";
    struct item_params q;
    char key[1024], tag[41], versions[80];
    struct maps_fc *fc;
    int hit;

    snprintf(key, sizeof key, "items|%s|%s|%s%s|%s|%s|%s|%s|%ld|%s|%s", c->id, priv, l->base,
             l->path, l->bbox, l->bbox_crs, l->crs, l->limit_s, l->offset, l->after, l->f);
    snprintf(versions, sizeof versions, "{%s}", c->version);
    hit = maps_not_modified(r, versions, key);
    if (hit) {
        free(l);
        return hit > 0 ? PM_OK : r->err;
    }
    item_params_fill(&q, c, l, priv);
    fc = maps_fc_open(r, l->bb.set ? c->q_bbox : c->q_all, 12, q.p);
    if (!fc) {
        free(l);
        return r->err;
    }
    matched_put(q.ckey, maps_fc_version(fc), maps_fc_matched(fc));
    maps_etag_tag(maps_fc_version(fc), key, tag);
    if (http_etag(r, tag)) {
        maps_fc_free(fc);
        free(l);
        return http_reply_not_modified(r);
    }
    return page_reply(r, fc, l);
}

enum pm_err route_ogc_items(struct http_req *r)
{
    const struct layer *c = collection_or_reply(r);
    struct page_links *l;

    if (!c)
        return r->err;
    if (!(c->flags & LAYER_TOKEN))
        http_public(r, MAPS_MAX_AGE);
    l = calloc(1, sizeof *l);
    if (!l)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    if (items_args_or_reply(r, c, l) != PM_OK) {
        free(l);
        return r->err;
    }
    http_gzip(r);
    return (c->flags & LAYER_TOKEN) ? items_children(r, c, l) : items_public(r, c, l);
}

/* ------------------------------------------------------------------------- */
/* One item                                                                    */
/* ------------------------------------------------------------------------- */

/* 1 when fid can name a feature of c: a positive integer, or a mesh code of
 * the layer's level (geo/mesh.c decides). */
static int fid_ok(const struct layer *c, const char *fid)
{
    long n;

    if (c->mesh_level)
        return geo_mesh_level(fid) == c->mesh_level;
    return pm_parse_long(fid, 1, LONG_MAX, &n) == 0;
}

/* Replies with one feature (its text, ending in "}") with its links, or
 * with f=html as a one-row table. */
static enum pm_err item_reply(struct http_req *r, const struct layer *c, const char *base,
                              const char *fid, const char *feature, size_t flen)
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
static enum pm_err item_children(struct http_req *r, const struct layer *c, const char *fid,
                                 const char *csrid)
{
    char ids[40];
    const char *p[3] = { ids, "1", csrid };
    PGresult *res;
    enum pm_err e;

    snprintf(ids, sizeof ids, "{%s}", fid);
    e = http_audit(r, "children.ogc", ids);
    if (e != PM_OK)
        return e;
    res = db_exec(r->db, "ogc_children_features", 3, p);
    if (!db_ok(res)) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    for (int i = 0; i < PQntuples(res); i++)
        if (strcmp(PQgetvalue(res, i, 0), "1") == 0) {
            char base[256];

            maps_base_url(r, base, sizeof base);
            e = item_reply(r, c, base, fid, PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3));
            PQclear(res);
            return e;
        }
    PQclear(res);
    return http_fail(r, PM_ERR_NOT_FOUND, "no such feature");
}

enum pm_err route_ogc_item(struct http_req *r)
{
    static const char *const allowed[] = { "f", "crs", NULL };
    const struct layer *c = collection_or_reply(r);
    const char *fid = r->params[1];
    const char *priv = has_token(r) ? "true" : "false";
    char key[512], tag[41], versions[80], base[256], csrid[16];
    const char *p[3] = { fid, priv, csrid };
    PGresult *res;
    enum pm_err e;
    int srid, hit;

    if (!c)
        return r->err;
    if (!(c->flags & LAYER_TOKEN))
        http_public(r, MAPS_MAX_AGE);
    if (maps_params_or_reply(r, allowed) != PM_OK || f_or_reply(r, 1) != PM_OK ||
        crs_or_reply(r, "crs", &srid) != PM_OK)
        return r->err;
    if (!fid_ok(c, fid))
        return http_fail(r, PM_ERR_NOT_FOUND, "no such feature");
    snprintf(csrid, sizeof csrid, "%d", srid);
    http_gzip(r);
    content_crs(r, srid);
    if (c->flags & LAYER_TOKEN)
        return http_db(r) ? item_children(r, c, fid, csrid) : r->err;
    maps_base_url(r, base, sizeof base);
    snprintf(key, sizeof key, "item|%s|%s|%s|%s|%s|%d", c->id, priv, base, fid,
             http_query(r, "f") ? http_query(r, "f") : "", srid);
    snprintf(versions, sizeof versions, "{%s}", c->version);
    hit = maps_not_modified(r, versions, key);
    if (hit)
        return hit > 0 ? PM_OK : r->err;
    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, c->q_item, 3, p);
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
    e = item_reply(r, c, base, fid, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    PQclear(res);
    return e;
}
