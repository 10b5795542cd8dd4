/* routes_tiles.c -- GET /tiles/{collection}/{z}/{x}/{y}.mvt: Mapbox vector
 * tiles (WebMercatorQuad, extent 4096, buffer 64) of every collection of the
 * catalogue (server/layers.c), made by PostGIS (sql/queries_tiles.sql,
 * sql/0040_tiles.sql, sql/0041_tile_layers.sql); and
 * GET /tiles/{collection}.json, their TileJSON 3.0 (tile URL, bounds, zooms,
 * vector_layers with fields) so that MapLibre, QGIS and GDAL find the layers.
 *
 * Points are clustered per 64-unit cell (point_count and summed power
 * figures; a lone point keeps its properties), polygons come simplified per
 * zoom band: no tile grows with the whole country, and no point is lost.
 *
 * A tile with no feature is answered 204 No Content (with the same ETag and
 * cache headers as a full one): map libraries treat it as an empty tile and
 * it costs no body.  z is 0-22; x and y must lie in [0, 2^z).  The tiles of
 * public layers are public whoever asks: non-public power points are never in
 * them, and children only as the published density cells (children_density
 * the 3次 mesh, children_density_10km the 2次 mesh, at every zoom, as their
 * OGC collections).  The children layer has tiles for token holders only
 * (401 without), each read audited, never cached. */
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/layers.h"
#include "server/maps.h"
#include "server/routes.h"

#define TILE_MAX_ZOOM 22

/* What a layer's tiles carry beyond the catalogue (server/layers.c): the
 * zooms its TileJSON announces (the server answers 0-22; below minzoom its
 * features are smaller than a pixel or two, beyond maxzoom a client
 * over-zooms, a tile would hold nothing new) and the properties of its
 * features, whose types come from the catalogue's fields (point_count and
 * the cluster sums are numbers). */
struct tile_props {
    const char *id;
    int minzoom, maxzoom;
    const char *props[10];
};

static const struct tile_props tile_props[] = {
    { "power_points", 0, 17,
      { "point_count", "output_w", "outlets", "name", "kind", "hours", "status", "phone", NULL } },
    { "shelters", 0, 17,
      { "point_count", "capacity", "power_w", "outlets", "name", "kind", "welfare", "status",
        "phone", NULL } },
    { "hazard_areas", 0, 16, { "hazard", "level", NULL } },
    { "outages", 0, 16, { "started_at", "expected_restore_at", "ended_at", NULL } },
    { "children_density", 6, 14, { "mesh_code", "level", "count", "suppressed", NULL } },
    { "children_density_10km", 3, 12, { "mesh_code", "level", "count", "suppressed", NULL } },
    { "facilities", 0, 17, { "point_count", "capacity", "name", "kind", "medical_care", "phone", NULL } },
    { "children", 0, 17, { "point_count", "external_id", "name", "mobility", NULL } },
    { NULL, 0, 0, { NULL } }
};

static const struct tile_props *props_of(const struct layer *l)
{
    const struct tile_props *t = tile_props;

    while (t->id && strcmp(t->id, l->id) != 0)
        t++;
    return t;
}

/* The layer with tiles named coll, or NULL with a 404 recorded (a 401 for
 * a token holders' layer asked without a token). */
static const struct layer *find_layer_or_reply(struct http_req *r, const char *coll)
{
    const struct layer *l = layer_find(coll);

    if (l && l->q_tile && (l->flags & LAYER_TOKEN) && r->role < ROLE_VIEWER) {
        http_fail(r, PM_ERR_UNAUTHORIZED, "a token is required");
        return NULL;
    }
    if (l && l->q_tile)
        return l;
    http_fail(r, PM_ERR_NOT_FOUND, "no such tile collection (the collections of "
              "/ogc/collections with a tiles link)");
    return NULL;
}

/* The failure of a tile query: a statement timeout (a public query may not
 * hold a connection long, DESIGN 7 and issue 11) or the database away. */
static enum pm_err query_failed(struct http_req *r, const char *query, PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    int timeout = state && strcmp(state, "57014") == 0;

    fprintf(stderr, "powermapd: %s: %s", query, PQresultErrorMessage(res));
    PQclear(res);
    if (timeout)
        return http_fail(r, PM_ERR_UNAVAILABLE, "タイルの作成に時間がかかりすぎました。しばらくして"
                         "からもう一度お試しください (statement timeout)");
    return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
}

/* Replies with the tile of res (version, bytes), or 204 when it is empty;
 * 304 when the caller has it (public layers: ETag from the version). */
static enum pm_err tile_reply(struct http_req *r, const char *query, const char *key,
                              PGresult *res)
{
    char tag[41];
    size_t len;
    char *body;

    if (!db_ok(res) || PQntuples(res) != 1)
        return query_failed(r, query, res);
    if (key) {
        maps_etag_tag(PQgetvalue(res, 0, 0), key, tag);
        if (http_etag(r, tag)) {
            PQclear(res);
            return http_reply_not_modified(r);
        }
    }
    len = PQgetisnull(res, 0, 1) ? 0 : (size_t)PQgetlength(res, 0, 1);
    if (len == 0) {
        PQclear(res);
        r->gzip = 0;
        return http_reply(r, MHD_HTTP_NO_CONTENT, "application/vnd.mapbox-vector-tile",
                          strdup(""), 0);
    }
    body = malloc(len);
    if (!body) {
        PQclear(res);
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    memcpy(body, PQgetvalue(res, 0, 1), len);
    PQclear(res);
    return http_reply(r, MHD_HTTP_OK, "application/vnd.mapbox-vector-tile", body, len);
}

/* The tile of a token holders' layer (children): the ids of the children in
 * it are read and written to the audit log first, then the tile of exactly
 * those is made (as the OGC items of the layer do).  Never public: no ETag,
 * no public caching (private, no-store), never in the answer cache. */
static enum pm_err tile_token_layer(struct http_req *r, const struct layer *layer,
                                    const char *const zxy[3])
{
    const char *p[4] = { zxy[0], zxy[1], zxy[2], NULL };
    PGresult *res;
    char *ids;
    enum pm_err e;

    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, "tile_children_ids", 3, zxy);
    if (!db_ok(res) || PQntuples(res) != 1)
        return query_failed(r, "tile_children_ids", res);
    ids = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!ids)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    e = strcmp(ids, "{}") == 0 ? PM_OK : http_audit(r, "children.tile", ids);
    if (e != PM_OK) {
        free(ids);
        return e;
    }
    p[3] = ids;
    res = PQexecPrepared(r->db, layer->q_tile, 4, p, NULL, NULL, 1);
    free(ids);
    return tile_reply(r, layer->q_tile, NULL, res);
}

enum pm_err route_tile(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    const struct layer *layer = find_layer_or_reply(r, r->params[0]);
    char ybuf[32], zs[16], xs[24], ys[24], key[128], versions[64];
    const char *p[3] = { zs, xs, ys };
    size_t n = strlen(r->params[3]);
    long z, x, y;
    int hit;

    if (!layer)
        return r->err;
    if (!(layer->flags & LAYER_TOKEN))
        http_public(r, MAPS_MAX_AGE);
    if (n < 5 || n >= sizeof ybuf || strcmp(r->params[3] + n - 4, ".mvt") != 0)
        return http_fail(r, PM_ERR_NOT_FOUND, "tiles are /tiles/{collection}/{z}/{x}/{y}.mvt");
    snprintf(ybuf, sizeof ybuf, "%.*s", (int)(n - 4), r->params[3]);
    if (pm_parse_long(r->params[1], 0, TILE_MAX_ZOOM, &z) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "z: must be an integer from 0 to %d", TILE_MAX_ZOOM);
    if (pm_parse_long(r->params[2], 0, (1L << z) - 1, &x) < 0 ||
        pm_parse_long(ybuf, 0, (1L << z) - 1, &y) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "x and y: must be integers from 0 to %ld at zoom %ld",
                         (1L << z) - 1, z);
    if (maps_params_or_reply(r, allowed) != PM_OK)
        return r->err;
    http_gzip(r);
    snprintf(zs, sizeof zs, "%ld", z);
    snprintf(xs, sizeof xs, "%ld", x);
    snprintf(ys, sizeof ys, "%ld", y);
    if (layer->flags & LAYER_TOKEN)
        return tile_token_layer(r, layer, p);
    snprintf(key, sizeof key, "tile|%s|%ld|%ld|%ld", layer->id, z, x, y);
    snprintf(versions, sizeof versions, "{%s}", layer->version);
    hit = maps_not_modified(r, versions, key);
    if (hit)
        return hit > 0 ? PM_OK : r->err;
    if (!http_db(r))
        return r->err;
    /* Binary results: the tile comes as its bytes, not as hex text. */
    return tile_reply(r, layer->q_tile, key, PQexecPrepared(r->db, layer->q_tile, 3, p, NULL,
                                                            NULL, 1));
}

/* ------------------------------------------------------------------------- */
/* TileJSON                                                                    */
/* ------------------------------------------------------------------------- */

/* Writes {"vector_layers":[...]} for layer l: its tile properties, typed
 * from the catalogue. */
static void vector_layers(struct pm_buf *b, const struct layer *l)
{
    const struct tile_props *t = props_of(l);

    pm_buf_printf(b, "{\"vector_layers\":[{\"id\":\"%s\",\"fields\":{", l->id);
    for (int i = 0; t->id && t->props[i]; i++) {
        const char *type = "Number";

        for (const struct layer_field *f = l->fields; f->name; f++)
            if (strcmp(f->name, t->props[i]) == 0)
                type = strcmp(f->type, "string") == 0 ? "String" :
                       strcmp(f->type, "boolean") == 0 ? "Boolean" : "Number";
        pm_buf_printf(b, "%s\"%s\":\"%s\"", i ? "," : "", t->props[i], type);
    }
    pm_buf_printf(b, "},\"minzoom\":%d,\"maxzoom\":%d}]}", t->minzoom,
                  t->id ? t->maxzoom : TILE_MAX_ZOOM);
}

/* Writes the TileJSON of l; bounds are the row of its extent query
 * (minlon, minlat, maxlon, maxlat; NULL when the layer is empty: the whole
 * of Japan then). */
static void tilejson(struct pm_buf *b, const struct layer *l, const char *base,
                     const PGresult *res)
{
    double w = 122.0, s = 20.0, e = 154.0, n = 46.0;
    const struct tile_props *t = props_of(l);
    struct pm_buf vl;

    if (res && !PQgetisnull(res, 0, 0)) {
        w = strtod(PQgetvalue(res, 0, 0), NULL);
        s = strtod(PQgetvalue(res, 0, 1), NULL);
        e = strtod(PQgetvalue(res, 0, 2), NULL);
        n = strtod(PQgetvalue(res, 0, 3), NULL);
    }
    pm_buf_init(&vl);
    vector_layers(&vl, l);
    pm_buf_printf(b, "{\"tilejson\":\"3.0.0\",\"name\":\"%s\",\"description\":\"", l->id);
    pm_buf_json_escape(b, l->title);
    pm_buf_puts(b, "\",\"scheme\":\"xyz\",\"tiles\":[\"");
    pm_buf_json_escape(b, base);
    pm_buf_printf(b, "/tiles/%s/{z}/{x}/{y}.mvt\"],\"minzoom\":%d,\"maxzoom\":%d,"
                  "\"bounds\":[%.7f,%.7f,%.7f,%.7f],\"center\":[%.7f,%.7f,%d],",
                  l->id, t->minzoom, t->id ? t->maxzoom : TILE_MAX_ZOOM, w, s, e, n, (w + e) / 2,
                  (s + n) / 2, t->minzoom > 5 ? t->minzoom : 5);
    /* vector_layers as TileJSON has it, and again inside "json" as MBTiles
     * metadata has it: GDAL's MVT driver (METADATA_FILE) reads only that. */
    if (vl.data && vl.len > 2)
        pm_buf_append(b, vl.data + 1, vl.len - 2);
    pm_buf_puts(b, ",\"json\":\"");
    pm_buf_json_escape(b, vl.data ? vl.data : "");
    pm_buf_puts(b, "\"}");
    pm_buf_release(&vl);
}

enum pm_err route_tilejson(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    static const char *const anonymous[1] = { "false" };
    const char *name = r->params[0];
    size_t n = strlen(name);
    char coll[64], base[512], key[640], tag[41], versions[80];
    const char *vp[1] = { versions };
    const struct layer *l;
    struct pm_buf b;
    PGresult *res;
    char *body;
    size_t len;

    if (n < 6 || n >= sizeof coll + 5 || strcmp(name + n - 5, ".json") != 0)
        return http_fail(r, PM_ERR_NOT_FOUND, "no such resource: %s (a layer's TileJSON is "
                         "/tiles/{collection}.json)", r->path);
    snprintf(coll, sizeof coll, "%.*s", (int)(n - 5), name);
    l = find_layer_or_reply(r, coll);
    if (!l)
        return r->err;
    if (!(l->flags & LAYER_TOKEN))
        http_public(r, MAPS_MAX_AGE);
    if (maps_params_or_reply(r, allowed) != PM_OK)
        return r->err;
    http_gzip(r);
    maps_base_url(r, base, sizeof base);
    pm_buf_init(&b);
    if (!l->q_extent) {
        /* children: no extent is published (the whole of Japan), no ETag. */
        tilejson(&b, l, base, NULL);
        body = pm_buf_steal(&b, &len);
        return body ? http_reply(r, MHD_HTTP_OK, "application/json", body, len)
                    : http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    snprintf(key, sizeof key, "tilejson|%s|%s", l->id, base);
    snprintf(versions, sizeof versions, "{%s}", l->version);
    if (!http_db(r))
        return r->err;
    /* The version before the extent: a body is never older than its ETag. */
    res = db_exec(r->db, "map_versions", 1, vp);
    if (!db_ok(res) || PQntuples(res) != 1)
        return query_failed(r, "map_versions", res);
    maps_etag_tag(PQgetvalue(res, 0, 0), key, tag);
    PQclear(res);
    if (http_etag(r, tag))
        return http_reply_not_modified(r);
    /* The public extent (the caller's token does not widen a public layer). */
    res = db_exec(r->db, l->q_extent, 1, anonymous);
    if (!db_ok(res) || PQntuples(res) != 1)
        return query_failed(r, l->q_extent, res);
    tilejson(&b, l, base, res);
    PQclear(res);
    body = pm_buf_steal(&b, &len);
    if (!body)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    return http_reply(r, MHD_HTTP_OK, "application/json", body, len);
}
