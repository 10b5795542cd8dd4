/* routes_maps.c -- GET /v1/maps/power.geojson (the public power map) and
 * GET /v1/maps/children.geojson (token holders, audited); and what the map
 * routes share (maps.h): strict query strings, bboxes, ETags from the data
 * versions of sql/0004_maps.sql, and feature collections streamed from
 * PostgreSQL.
 *
 * The database writes the GeoJSON; this file passes its rows through.  A
 * feature query is sent in libpq's single-row mode.  Its first row carries the
 * data version, so the ETag is known before the body; a body that stays under
 * MAPS_BUFFER_MAX is then read whole and sent with a Content-Length, a larger
 * one is streamed: rows are read as the client takes the bytes, and the
 * daemon never holds more than about one block of it. */
#include <libpq-fe.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/maps.h"
#include "server/routes.h"
#include "server/crypto.h"

/* Bodies up to this size are sent whole; larger ones are streamed. */
#define MAPS_BUFFER_MAX (256 * 1024)

/* ------------------------------------------------------------------------- */
/* Query strings                                                               */
/* ------------------------------------------------------------------------- */

struct param_check {
    const char *const *allowed;
    const char *seen[16];
    int nseen;
    const char *bad;            /* the first unknown or repeated name */
    int repeated;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct param_check *c = cls;
    int known = 0;

    (void)kind;
    (void)value;
    if (c->bad)
        return MHD_NO;
    for (const char *const *a = c->allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            known = 1;
    for (int i = 0; i < c->nseen; i++)
        if (strcmp(c->seen[i], key) == 0) {
            c->bad = key;
            c->repeated = 1;
            return MHD_NO;
        }
    if (!known || c->nseen == (int)(sizeof c->seen / sizeof c->seen[0])) {
        c->bad = key;
        return MHD_NO;
    }
    c->seen[c->nseen++] = key;
    return MHD_YES;
}

enum pm_err maps_params_or_reply(struct http_req *r, const char *const *allowed)
{
    struct param_check c = { .allowed = allowed };
    struct pm_buf names;
    enum pm_err e;

    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_param, &c);
    if (!c.bad)
        return PM_OK;
    if (c.repeated)
        return http_fail(r, PM_ERR_BAD_REQUEST, "query parameter %.40s: given twice", c.bad);
    pm_buf_init(&names);
    for (const char *const *a = allowed; *a; a++)
        pm_buf_printf(&names, "%s%s", a == allowed ? "" : ", ", *a);
    e = http_fail(r, PM_ERR_BAD_REQUEST, "unknown query parameter %.40s (this resource takes: %s)",
                  c.bad, names.data ? names.data : "none");
    pm_buf_release(&names);
    return e;
}

void maps_number_text(double d, char out[48])
{
    /* The shortest fixed-point text that reads back as d; past 20 decimals
     * (a value below 1e-20 in magnitude) the text is what counts. */
    for (int prec = 0; prec <= 20; prec++) {
        snprintf(out, 48, "%.*f", prec, d);
        if (strtod(out, NULL) == d)
            break;
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, 48, "0");
}

/* maps_number_text of d, which was read from the n characters at tok: when
 * tok is plain decimal text ([-]digits[.digits]) of at most 15 significant
 * digits, that text without its leading and trailing zeros is the answer
 * (two such decimals never read as the same double, so no shorter text reads
 * back as d), without the trial printing of maps_number_text (a tenth of a
 * map request's time went there). */
static void number_text_of(const char *tok, size_t n, double d, char out[48])
{
    size_t i = 0, o = 0, sig = 0, dot = 0, lead = 1;

    if (n > 0 && tok[0] == '-')
        out[o++] = tok[i++];
    while (i < n && tok[i] == '0' && i + 1 < n && tok[i + 1] != '.')
        i++;
    for (; i < n && o < 40; i++) {
        if (tok[i] == '.' && !dot) {
            if (o == 0 || out[o - 1] == '-')
                out[o++] = '0';
            dot = 1;
            out[o++] = '.';
            continue;
        }
        if (tok[i] < '0' || tok[i] > '9')
            break;
        lead = lead && tok[i] == '0';
        sig += !lead;
        out[o++] = tok[i];
    }
    if (i < n || sig > 15 || o == 0 || out[o - 1] == '-') {
        maps_number_text(d, out);
        return;
    }
    while (dot && out[o - 1] == '0')
        o--;
    if (dot && out[o - 1] == '.')
        o--;
    out[o] = '\0';
    if (strtod(out, NULL) != d)
        maps_number_text(d, out);
    else if (strcmp(out, "-0") == 0)
        snprintf(out, 48, "0");
}

/* Checks the ranges of a bbox in srid (0: CRS84; 4326 and 6668: latitude
 * first; the plane systems: metres).  Returns 0, or -1 with *why set. */
static int bbox_ranges(const double d[4], int srid, const char **why)
{
    int latfirst = srid == 4326 || srid == 6668;
    /* The plane rectangular systems reach no further than about 2,000 km
     * from their origins; beyond, the projection itself fails. */
    double ax = srid == 0 ? 180 : latfirst ? 90 : 2e6;
    double ay = srid == 0 ? 90 : latfirst ? 180 : 2e6;

    if (fabs(d[0]) > ax || fabs(d[2]) > ax || fabs(d[1]) > ay || fabs(d[3]) > ay) {
        *why = srid == 0 ? "longitudes must be within -180..180 and latitudes within -90..90"
             : latfirst ? "latitudes (first) must be within -90..90 and longitudes within -180..180"
                        : "coordinates must be within -2000000..2000000 metres";
        return -1;
    }
    if (d[0] > d[2] || d[1] > d[3]) {
        *why = "min must not be greater than max";
        return -1;
    }
    return 0;
}

enum pm_err maps_bbox_crs_or_reply(struct http_req *r, int srid, struct maps_bbox *b)
{
    const char *v = http_query(r, "bbox");
    const char *why = NULL;
    double d[4];

    memset(b, 0, sizeof *b);
    if (!v)
        return PM_OK;
    if (pm_parse_four(v, d, &why) < 0 || bbox_ranges(d, srid, &why) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "bbox: %s (%s; a box across the antimeridian "
                         "is two requests)", why, srid == 0 ? "minlon,minlat,maxlon,maxlat in "
                         "CRS84" : "in the axis order of bbox-crs");
    b->set = 1;
    for (int i = 0; i < 4; i++) {
        const char *end = strchr(v, ',');
        size_t n = end ? (size_t)(end - v) : strlen(v);

        /* Links and ETags carry this text; the query reads the same value. */
        number_text_of(v, n, d[i], b->text[i]);
        d[i] = strtod(b->text[i], NULL);
        v = end ? end + 1 : v + n;
    }
    b->minlon = d[0];
    b->minlat = d[1];
    b->maxlon = d[2];
    b->maxlat = d[3];
    return PM_OK;
}

enum pm_err maps_bbox_or_reply(struct http_req *r, struct maps_bbox *b)
{
    return maps_bbox_crs_or_reply(r, 0, b);
}

void maps_base_url(struct http_req *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s", http_public_base(r));
}

/* ------------------------------------------------------------------------- */
/* ETags                                                                       */
/* ------------------------------------------------------------------------- */

void maps_etag_tag(const char *version, const char *key, char out[41])
{
    struct pm_buf b;
    char hex[PM_SHA256_HEX];

    pm_buf_init(&b);
    pm_buf_printf(&b, "%s|%s", version, key);
    pm_sha256_hex(b.data, b.len, hex);
    pm_buf_release(&b);
    snprintf(out, 41, "%.40s", hex);
}

int maps_not_modified(struct http_req *r, const char *layers, const char *key)
{
    const char *p[1] = { layers };
    char tag[41];
    PGresult *res;
    int hit;

    if (!MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH))
        return 0;
    if (!http_db(r))
        return -1;
    res = db_exec(r->db, "map_versions", 1, p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return -1;
    }
    maps_etag_tag(PQgetvalue(res, 0, 0), key, tag);
    PQclear(res);
    hit = http_etag(r, tag);
    if (hit)
        http_reply_not_modified(r);
    return hit;
}

/* ------------------------------------------------------------------------- */
/* Feature collections from single-row queries                                 */
/* ------------------------------------------------------------------------- */

struct maps_fc {
    PGconn *db;
    int active;                 /* the query may still send rows */
    char version[256];
    long long matched;
    struct pm_buf buf;          /* bytes not yet handed to the client */
    size_t off;
    long returned;
    char last_key[64];          /* of the last feature row */
    int ended;                  /* the suffix is in buf */
    maps_fc_suffix suffix;
    maps_fc_row row;            /* NULL: features joined by commas */
    void *cls;                  /* the suffix's, freed with fc */
};

/* Reads and drops whatever the connection still has to say. */
static void drain(PGconn *db)
{
    PGresult *res;

    while ((res = PQgetResult(db)))
        PQclear(res);
}

struct maps_fc *maps_fc_open(struct http_req *r, const char *query, int nparams,
                             const char *const *params)
{
    struct maps_fc *fc;
    PGresult *res;

    if (!http_db(r))
        return NULL;
    fc = calloc(1, sizeof *fc);
    if (!fc) {
        http_fail(r, PM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    fc->db = r->db;
    fc->matched = -1;
    pm_buf_init(&fc->buf);
    if (!PQsendQueryPrepared(fc->db, query, nparams, params, NULL, NULL, 0)) {
        fprintf(stderr, "powermapd: %s: %s", query, PQerrorMessage(fc->db));
        free(fc);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return NULL;
    }
    fc->active = 1;
    if (!PQsetSingleRowMode(fc->db))
        goto fail;
    res = PQgetResult(fc->db);
    if (!res || PQresultStatus(res) != PGRES_SINGLE_TUPLE || PQnfields(res) != 4 ||
        strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
        if (res && PQresultStatus(res) != PGRES_SINGLE_TUPLE)
            fprintf(stderr, "powermapd: %s: %s", query, PQresultErrorMessage(res));
        else
            fprintf(stderr, "powermapd: %s: the first row is not the head row\n", query);
        PQclear(res);
        goto fail;
    }
    snprintf(fc->version, sizeof fc->version, "%s", PQgetvalue(res, 0, 1));
    if (!PQgetisnull(res, 0, 2))
        fc->matched = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return fc;
fail:
    maps_fc_free(fc);
    http_fail(r, PM_ERR_INTERNAL, "the map query failed");
    return NULL;
}

const char *maps_fc_version(const struct maps_fc *fc)
{
    return fc->version;
}

long long maps_fc_matched(const struct maps_fc *fc)
{
    return fc->matched;
}

void maps_fc_set_row(struct maps_fc *fc, maps_fc_row row)
{
    fc->row = row;
}

void maps_fc_free(struct maps_fc *fc)
{
    if (!fc)
        return;
    if (fc->active) {
        /* The client went away, or we stopped early: stop the query so that
         * the connection goes back to the pool idle. */
        PGcancel *cancel = PQgetCancel(fc->db);
        char err[256];

        if (cancel) {
            PQcancel(cancel, err, sizeof err);
            PQfreeCancel(cancel);
        }
        drain(fc->db);
    }
    pm_buf_release(&fc->buf);
    free(fc->cls);
    free(fc);
}

/* Appends the next feature to buf.  Returns 1, 0 after the last one (the
 * suffix is then in buf), or -1 when the query failed. */
static int fc_next(struct maps_fc *fc)
{
    PGresult *res;

    if (fc->ended)
        return 0;
    res = PQgetResult(fc->db);
    if (res && PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
        if (fc->row) {
            fc->row(&fc->buf, fc->cls, PQgetvalue(res, 0, 3));
        } else {
            if (fc->returned)
                pm_buf_append(&fc->buf, ",", 1);
            pm_buf_append(&fc->buf, PQgetvalue(res, 0, 3), (size_t)PQgetlength(res, 0, 3));
        }
        fc->returned++;
        snprintf(fc->last_key, sizeof fc->last_key, "%s", PQgetvalue(res, 0, 1));
        PQclear(res);
        return fc->buf.oom ? -1 : 1;
    }
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK) {
        PQclear(res);
        drain(fc->db);
        fc->active = 0;
        fc->suffix(&fc->buf, fc->cls, fc->returned, fc->matched, fc->last_key);
        fc->ended = 1;
        return fc->buf.oom ? -1 : 0;
    }
    fprintf(stderr, "powermapd: map query: %s",
            res ? PQresultErrorMessage(res) : PQerrorMessage(fc->db));
    PQclear(res);
    drain(fc->db);
    fc->active = 0;
    return -1;
}

static long fc_read(void *cls, char *out, size_t max)
{
    struct maps_fc *fc = cls;
    size_t n;

    while (fc->buf.len == fc->off) {
        if (fc->ended)
            return 0;
        fc->buf.len = 0;
        fc->off = 0;
        while (fc->buf.len < max && !fc->ended)
            if (fc_next(fc) < 0)
                return -1;
    }
    n = fc->buf.len - fc->off;
    if (n > max)
        n = max;
    memcpy(out, fc->buf.data + fc->off, n);
    fc->off += n;
    return (long)n;
}

static void fc_release(void *cls)
{
    maps_fc_free(cls);
}

enum pm_err maps_fc_reply(struct http_req *r, struct maps_fc *fc, const char *content_type,
                          const char *prefix, maps_fc_suffix suffix, void *cls)
{
    fc->suffix = suffix;
    fc->cls = cls;
    pm_buf_puts(&fc->buf, prefix);
    while (fc->buf.len < MAPS_BUFFER_MAX && !fc->ended) {
        if (fc_next(fc) < 0) {
            maps_fc_free(fc);
            return http_fail(r, PM_ERR_INTERNAL, "the map query failed");
        }
    }
    if (fc->ended) {
        size_t len;
        char *body = pm_buf_steal(&fc->buf, &len);

        maps_fc_free(fc);
        return http_reply(r, MHD_HTTP_OK, content_type, body, len);
    }
    return http_reply_stream(r, MHD_HTTP_OK, content_type, fc_read, fc, fc_release);
}

/* ------------------------------------------------------------------------- */
/* /v1/maps/power.geojson and /v1/maps/children.geojson                        */
/* ------------------------------------------------------------------------- */

static void close_collection(struct pm_buf *b, void *cls, long returned, long long matched,
                             const char *last_key)
{
    (void)cls;
    (void)matched;
    (void)last_key;
    pm_buf_printf(b, "],\"numberReturned\":%ld}", returned);
}

static const char fc_prefix[] = "{\"type\":\"FeatureCollection\",\"features\":[";

static enum pm_err f_is_json_or_reply(struct http_req *r)
{
    const char *f = http_query(r, "f");

    if (f && strcmp(f, "json") != 0 && strcmp(f, "geojson") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "f: must be json or geojson");
    return PM_OK;
}

enum pm_err route_maps_power(struct http_req *r)
{
    static const char *const allowed[] = { "bbox", "f", NULL };
    struct maps_bbox bb;
    const char *priv = r->role >= ROLE_VIEWER ? "true" : "false";
    char key[256], tag[41];
    struct maps_fc *fc;
    int hit;

    http_public(r, MAPS_MAX_AGE);
    if (maps_params_or_reply(r, allowed) != PM_OK || maps_bbox_or_reply(r, &bb) != PM_OK ||
        f_is_json_or_reply(r) != PM_OK)
        return r->err;
    http_gzip(r);
    snprintf(key, sizeof key, "power|%s|%s,%s,%s,%s", priv, bb.text[0], bb.text[1], bb.text[2],
             bb.text[3]);
    hit = maps_not_modified(r, "{power_points,shelters}", key);
    if (hit)
        return hit > 0 ? PM_OK : r->err;
    if (bb.set) {
        const char *p[5] = { bb.text[0], bb.text[1], bb.text[2], bb.text[3], priv };

        fc = maps_fc_open(r, "maps_power_bbox", 5, p);
    } else {
        const char *p[1] = { priv };

        fc = maps_fc_open(r, "maps_power_all", 1, p);
    }
    if (!fc)
        return r->err;
    maps_etag_tag(maps_fc_version(fc), key, tag);
    if (http_etag(r, tag)) {
        maps_fc_free(fc);
        return http_reply_not_modified(r);
    }
    return maps_fc_reply(r, fc, "application/geo+json", fc_prefix, close_collection, NULL);
}

enum pm_err route_maps_children(struct http_req *r)
{
    static const char *const allowed[] = { "bbox", "f", NULL };
    struct maps_bbox bb;
    const char *p[4] = { NULL, NULL, NULL, NULL };
    const char *fp[3];
    struct maps_fc *fc;
    PGresult *res;
    char *ids = NULL, *count = NULL;
    enum pm_err e;

    if (maps_params_or_reply(r, allowed) != PM_OK || maps_bbox_or_reply(r, &bb) != PM_OK ||
        f_is_json_or_reply(r) != PM_OK)
        return r->err;
    if (bb.set)
        for (int i = 0; i < 4; i++)
            p[i] = bb.text[i];
    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, "maps_children_ids", 4, p);
    if (!db_ok(res) || PQntuples(res) != 1) {
        PQclear(res);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    ids = strdup(PQgetvalue(res, 0, 0));
    count = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!ids || !count) {
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* No audit row, no data: the ids are logged before a byte is sent. */
    e = http_audit(r, "children.map", ids);
    if (e != PM_OK)
        goto out;
    http_gzip(r);
    fp[0] = ids;
    fp[1] = count;
    fp[2] = "0";
    fc = maps_fc_open(r, "ogc_children_features", 3, fp);
    if (!fc) {
        e = r->err;
        goto out;
    }
    e = maps_fc_reply(r, fc, "application/geo+json", fc_prefix, close_collection, NULL);
out:
    free(ids);
    free(count);
    return e;
}
