/* routes_tiles.c -- GET /tiles/{collection}/{z}/{x}/{y}.mvt: Mapbox vector
 * tiles (WebMercatorQuad, extent 4096, buffer 64) of the public collections,
 * made by PostGIS (ST_AsMVT, ST_AsMVTGeom, ST_TileEnvelope; the GiST index
 * is searched with the tile's box, see sql/queries_maps.sql).
 *
 * A tile with no feature is answered 204 No Content (with the same ETag and
 * cache headers as a full one): map libraries treat it as an empty tile and
 * it costs no body.  z is 0-22; x and y must lie in [0, 2^z).  Tiles are
 * public whoever asks: non-public power points are never in them, and
 * children only as the published children_density cells. */
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

enum pm_err route_tile(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    const char *coll = r->params[0];
    const struct layer *layer = layer_find(coll);
    const char *query = NULL;
    char ybuf[32], zs[16], xs[24], ys[24], key[128], tag[41], versions[64];
    const char *p[3] = { zs, xs, ys };
    long z, x, y;
    size_t n = strlen(r->params[3]);
    PGresult *res;
    char *body;
    size_t len;
    int hit;

    if (layer && !(layer->flags & LAYER_TOKEN))
        query = layer->q_tile;
    if (!query)
        return http_fail(r, PM_ERR_NOT_FOUND,
                         "no such tile collection (the collections of /ogc/collections with a "
                         "tiles link)");
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
    snprintf(key, sizeof key, "tile|%s|%ld|%ld|%ld", coll, z, x, y);
    snprintf(versions, sizeof versions, "{%s}", layer->version);
    hit = maps_not_modified(r, versions, key);
    if (hit)
        return hit > 0 ? PM_OK : r->err;
    if (!http_db(r))
        return r->err;
    /* Binary results: the tile comes as its bytes, not as hex text. */
    res = PQexecPrepared(r->db, query, 3, p, NULL, NULL, 1);
    if (!db_ok(res) || PQntuples(res) != 1) {
        fprintf(stderr, "powermapd: %s: %s", query, PQresultErrorMessage(res));
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    maps_etag_tag(PQgetvalue(res, 0, 0), key, tag);
    if (http_etag(r, tag)) {
        PQclear(res);
        return http_reply_not_modified(r);
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
