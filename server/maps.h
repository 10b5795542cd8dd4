/* maps.h -- what the map routes share (routes_maps.c, routes_ogc.c,
 * routes_tiles.c): strict query strings, bboxes, ETags from data versions, and
 * feature collections streamed from PostgreSQL in single-row mode. */
#ifndef MAPS_H
#define MAPS_H

#include <stddef.h>

#include "server/http.h"

/* How long browsers and shared caches may keep a public layer (seconds).  Short:
 * a shelter that fills up must show as full within a minute. */
#define MAPS_MAX_AGE 60

/* A bbox query parameter: minlon,minlat,maxlon,maxlat in EPSG:4326 (or, from
 * maps_bbox_crs_or_reply, the four numbers in the order of its CRS). */
struct maps_bbox {
    int set;
    double minlon, minlat, maxlon, maxlat;
    char text[4][48];           /* the four numbers as query parameters, no exponent */
};

/* Writes d as the shortest fixed-point text (no exponent, so that it survives
 * any URL) that reads back as d, e.g. "130", "0.0000001", "-35.5". */
void maps_number_text(double d, char out[48]);

/* As maps_bbox_or_reply, for a bbox in srid: 0 is CRS84 (lon, lat), 4326 and
 * 6668 take latitude first, 6669-6687 metres (northing first, within 2,000 km). */
enum pm_err maps_bbox_crs_or_reply(struct http_req *r, int srid, struct maps_bbox *b);

/* Checks that every query parameter is one of allowed (a NULL-terminated
 * list) and none is given twice.  Returns PM_OK or a 400 recorded. */
enum pm_err maps_params_or_reply(struct http_req *r, const char *const *allowed);

/* Parses the bbox parameter: four finite numbers, longitudes in [-180, 180],
 * latitudes in [-90, 90], min <= max.  Absent: b->set = 0.  Returns PM_OK or
 * a 400 recorded. */
enum pm_err maps_bbox_or_reply(struct http_req *r, struct maps_bbox *b);

/* Writes the public base URL (http_public_base: --public-url, else the listen
 * address; never the Host header) to out: the start of every absolute link
 * the map routes write.  The one place links take their base from. */
void maps_base_url(struct http_req *r, char *out, size_t cap);

/* The ETag tag of a response: a digest of the data version (as the
 * map_versions query and the head rows print it) and of key, which names
 * everything else the body depends on (route, parameters, host, token or
 * not).  out must hold 41 bytes. */
void maps_etag_tag(const char *version, const char *key, char out[41]);

/* When the request has If-None-Match: reads the current version of layers
 * (a {a,b} text[] literal), and when the ETag it gives matches, answers 304
 * and returns 1.  0 otherwise (also without If-None-Match), -1 when the
 * database failed (error recorded). */
int maps_not_modified(struct http_req *r, const char *layers, const char *key);

/* A feature collection read from a query of sql/queries_maps.sql whose
 * first row is the head (part 0, version, numberMatched) and whose further
 * rows are one Feature each (see there). */
struct maps_fc;

/* Writes the end of the collection after the last feature: at least "]}".
 * returned is the number of features sent, matched the head's
 * numberMatched (-1 when the query gives none), last_key the key of the last
 * feature (what feature rows carry in their version column; "" when none). */
typedef void (*maps_fc_suffix)(struct pm_buf *b, void *cls, long returned, long long matched,
                               const char *last_key);

/* Sends query name with params in single-row mode and reads its head row.
 * Returns the collection (maps_fc_reply or maps_fc_free it), or NULL with an
 * error recorded. */
struct maps_fc *maps_fc_open(struct http_req *r, const char *query, int nparams,
                             const char *const *params);

/* The head row's data version ("" when the query has none) and numberMatched
 * (-1 when none). */
const char *maps_fc_version(const struct maps_fc *fc);
long long maps_fc_matched(const struct maps_fc *fc);

/* Replies with the collection: prefix, the features separated by commas,
 * then suffix(cls).  A small collection is read whole and sent with a
 * Content-Length; a large one is streamed.  Takes fc over (also on error);
 * cls must live until the request ends.  Returns PM_OK or an error recorded. */
enum pm_err maps_fc_reply(struct http_req *r, struct maps_fc *fc, const char *content_type,
                          const char *prefix, maps_fc_suffix suffix, void *cls);

/* Writes one feature (its GeoJSON text) in another form, e.g. an HTML table
 * row.  cls is the suffix's. */
typedef void (*maps_fc_row)(struct pm_buf *b, void *cls, const char *feature);

/* Makes maps_fc_reply write each feature with row instead of the text as it is. */
void maps_fc_set_row(struct maps_fc *fc, maps_fc_row row);

/* Ends the query (cancelling what is left) and frees fc.  NULL is a no-op. */
void maps_fc_free(struct maps_fc *fc);

#endif
