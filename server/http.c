/* http.c -- libmicrohttpd glue, the route table, authentication and replies.
 *
 * The route table below is the one place that says what the server answers.
 * A path that matches no route is 404; a path that matches with another method
 * is 405.  Each route names the least role that may call it; the check is made
 * here, before any handler runs.  Only this file turns pm_err into statuses. */
#include "server/http.h"

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <zlib.h>

#include "server/db.h"
#include "server/routes.h"
#include "server/sha256.h"

struct http_route {
    const char *method;
    const char *path;           /* segments; "{x}" matches one segment */
    enum pm_role role;          /* the least role that may call it */
    int large_body;             /* 1: body capped at import_body_max */
    http_handler fn;
};

static const struct http_route routes[] = {
    { "GET",    "/health",                  ROLE_NONE,    0, route_health },
    { "GET",    "/ready",                   ROLE_NONE,    0, route_ready },

    { "GET",    "/v1/children",             ROLE_VIEWER,  0, route_children_list },
    { "POST",   "/v1/children",             ROLE_PLANNER, 0, route_children_create },
    { "GET",    "/v1/children/{id}",        ROLE_VIEWER,  0, route_child_get },
    { "PUT",    "/v1/children/{id}",        ROLE_PLANNER, 0, route_child_put },
    { "DELETE", "/v1/children/{id}",        ROLE_ADMIN,   0, route_child_delete },
    { "GET",    "/v1/children/{id}/plan",   ROLE_VIEWER,  0, route_child_plan },

    { "GET",    "/v1/shelters",             ROLE_NONE,    0, route_shelters_list },
    { "POST",   "/v1/shelters",             ROLE_PLANNER, 0, route_shelters_create },
    { "GET",    "/v1/shelters/{id}",        ROLE_NONE,    0, route_shelter_get },
    { "PUT",    "/v1/shelters/{id}",        ROLE_PLANNER, 0, route_shelter_put },
    { "DELETE", "/v1/shelters/{id}",        ROLE_ADMIN,   0, route_shelter_delete },

    { "GET",    "/v1/power-points",         ROLE_NONE,    0, route_power_points_list },
    { "POST",   "/v1/power-points",         ROLE_PLANNER, 0, route_power_points_create },
    { "GET",    "/v1/power-points/{id}",    ROLE_NONE,    0, route_power_point_get },
    { "PUT",    "/v1/power-points/{id}",    ROLE_PLANNER, 0, route_power_point_put },
    { "DELETE", "/v1/power-points/{id}",    ROLE_ADMIN,   0, route_power_point_delete },

    { "POST",   "/v1/plans/run",            ROLE_PLANNER, 0, route_plans_run },
    { "GET",    "/v1/plans",                ROLE_VIEWER,  0, route_plans_list },

    { "POST",   "/v1/import/{kind}",        ROLE_PLANNER, 1, route_import },

    { "GET",    "/v1/outages",              ROLE_NONE,    0, route_outages_list },
    { "POST",   "/v1/outages",              ROLE_PLANNER, 0, route_outages_create },
    { "GET",    "/v1/outages/{id}",         ROLE_NONE,    0, route_outage_get },
    { "PUT",    "/v1/outages/{id}",         ROLE_PLANNER, 0, route_outage_put },
    { "DELETE", "/v1/outages/{id}",         ROLE_PLANNER, 0, route_outage_delete },
    { "GET",    "/v1/outages/{id}/affected", ROLE_VIEWER, 0, route_outage_affected },
    { "GET",    "/v1/webhooks/deliveries",  ROLE_ADMIN,   0, route_webhook_deliveries },

    { "GET",    "/v1/keys",                 ROLE_ADMIN,   0, route_keys_list },
    { "DELETE", "/v1/keys/{id}",            ROLE_ADMIN,   0, route_key_revoke },
    { "GET",    "/v1/audit",                ROLE_ADMIN,   0, route_audit_list },

    { "GET",    "/embed",                   ROLE_NONE,    0, route_embed },
    { "GET",    "/static/{file}",           ROLE_NONE,    0, route_static },
    { "GET",    "/static/leaflet/{file}",   ROLE_NONE,    0, route_static_leaflet },
    { "GET",    "/static/leaflet/images/{file}", ROLE_NONE, 0, route_static_leaflet_images },

    { "GET",    "/v1/maps/power.geojson",   ROLE_NONE,    0, route_maps_power },
    { "GET",    "/v1/maps/children.geojson", ROLE_VIEWER, 0, route_maps_children },
    { "GET",    "/ogc",                     ROLE_NONE,    0, route_ogc_landing },
    { "GET",    "/ogc/",                    ROLE_NONE,    0, route_ogc_landing },
    { "GET",    "/ogc/conformance",         ROLE_NONE,    0, route_ogc_conformance },
    { "GET",    "/ogc/api",                 ROLE_NONE,    0, route_ogc_api },
    { "GET",    "/ogc/collections",         ROLE_NONE,    0, route_ogc_collections },
    { "GET",    "/ogc/collections/{id}",    ROLE_NONE,    0, route_ogc_collection },
    { "GET",    "/ogc/collections/{id}/items", ROLE_NONE, 0, route_ogc_items },
    { "GET",    "/ogc/collections/{id}/items/{fid}", ROLE_NONE, 0, route_ogc_item },
    { "GET",    "/tiles/{collection}/{z}/{x}/{y}", ROLE_NONE, 0, route_tile },
    { "GET",    "/tiles/{collection}",      ROLE_NONE,    0, route_tilejson },
    { NULL, NULL, ROLE_NONE, 0, NULL }
};

static const char *const role_names[] = { "none", "viewer", "planner", "admin" };

enum pm_role pm_role_from_name(const char *s)
{
    for (int i = ROLE_VIEWER; i <= ROLE_ADMIN; i++)
        if (s && strcmp(s, role_names[i]) == 0)
            return (enum pm_role)i;
    return ROLE_NONE;
}

const char *pm_role_name(enum pm_role r)
{
    return role_names[r];
}

static unsigned pm_err_status(enum pm_err e)
{
    switch (e) {
    case PM_OK: return MHD_HTTP_OK;
    case PM_ERR_BAD_REQUEST: return MHD_HTTP_BAD_REQUEST;
    case PM_ERR_UNAUTHORIZED: return MHD_HTTP_UNAUTHORIZED;
    case PM_ERR_FORBIDDEN: return MHD_HTTP_FORBIDDEN;
    case PM_ERR_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case PM_ERR_METHOD: return MHD_HTTP_METHOD_NOT_ALLOWED;
    case PM_ERR_CONFLICT: return MHD_HTTP_CONFLICT;
    case PM_ERR_TOO_LARGE: return MHD_HTTP_CONTENT_TOO_LARGE;
    case PM_ERR_UNPROCESSABLE: return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case PM_ERR_TOO_MANY: return MHD_HTTP_TOO_MANY_REQUESTS;
    case PM_ERR_UNAVAILABLE: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case PM_ERR_INTERNAL: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    case PM_ERR_NOMEM: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* ------------------------------------------------------------------------- */
/* Replies                                                                     */
/* ------------------------------------------------------------------------- */

enum pm_err http_fail(struct http_req *r, enum pm_err e, const char *fmt, ...)
{
    va_list ap;

    r->err = e;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
    return e;
}

void http_fail_detail(struct http_req *r, const char *name, const char *json)
{
    free(r->errdetail);
    r->errdetail_name = name;
    r->errdetail = json ? strdup(json) : NULL;
}

enum pm_err http_reply(struct http_req *r, unsigned status, const char *content_type,
                       char *data, size_t len)
{
    free(r->out);
    r->out = data;
    r->out_len = len;
    r->status = status;
    r->content_type = content_type;
    if (!data)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    return PM_OK;
}

enum pm_err http_reply_json(struct http_req *r, unsigned status, const char *text)
{
    return http_reply(r, status, "application/json", strdup(text), strlen(text));
}

void http_header(struct http_req *r, const char *name, const char *value)
{
    if (r->nhdr == HTTP_MAX_HEADERS)
        return;
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr] = strdup(value);
    if (r->hdr_value[r->nhdr])
        r->nhdr++;
}

const char *http_query(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct only_params {
    const char *const *allowed;
    const char *bad;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct only_params *o = cls;

    (void)kind;
    (void)value;
    for (const char *const *a = o->allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            return MHD_YES;
    o->bad = key;
    return MHD_NO;
}

enum pm_err http_only_params(struct http_req *r, const char *const *allowed)
{
    struct only_params o = { allowed, NULL };

    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_param, &o);
    if (o.bad)
        return http_fail(r, PM_ERR_BAD_REQUEST, "%.64s: unknown query parameter", o.bad);
    return PM_OK;
}

enum pm_err http_page(struct http_req *r, const char *const *allowed, long def,
                      char lim[24], char off[24])
{
    long limit, offset;

    if (http_only_params(r, allowed) != PM_OK ||
        http_query_long(r, "limit", def, 0, 10000, &limit) != PM_OK ||
        http_query_long(r, "offset", 0, 0, 1000000000L, &offset) != PM_OK)
        return r->err;
    snprintf(lim, 24, "%ld", limit);
    snprintf(off, 24, "%ld", offset);
    return PM_OK;
}

enum pm_err http_reply_query(struct http_req *r, PGconn *c, const char *name, int nparams,
                             const char *const *params)
{
    PGresult *q = db_exec(c, name, nparams, params);
    enum pm_err e = db_ok(q) && PQntuples(q) > 0
                        ? http_reply_json(r, 200, PQgetvalue(q, 0, 0))
                        : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");

    PQclear(q);
    return e;
}

enum pm_err http_query_long(struct http_req *r, const char *name, long def, long min,
                            long max, long *out)
{
    const char *v = http_query(r, name);

    if (!v) {
        *out = def;
        return PM_OK;
    }
    if (pm_parse_long(v, min, max, out) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "%s: must be an integer from %ld to %ld",
                         name, min, max);
    return PM_OK;
}

/* Anonymous queries may not hold a connection long (issue 11.10); a
 * credentialed one gets the server's statement_timeout back.  A connection
 * that cannot take the setting is given back and *c set to NULL. */
static void timeout_or_drop(struct http_req *r, struct db_pool *p, PGconn **c)
{
    int ms = r->role == ROLE_NONE && !r->key_id ? HTTP_PUBLIC_STATEMENT_MS : 0;

    if (*c && db_statement_timeout(p, *c, ms) < 0) {
        db_release(p, *c);
        *c = NULL;
    }
}

PGconn *http_db(struct http_req *r)
{
    struct pm_server *s = r->srv;

    if (r->db)
        return r->db;
    if (s->nread > 0 && (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)) {
        static unsigned next;
        unsigned first = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);

        /* Round robin over the replicas; a replica that is down is skipped. */
        for (int i = 0; i < s->nread && !r->db; i++) {
            struct db_pool *p = s->read_pools[(first + (unsigned)i) % (unsigned)s->nread];

            r->db = db_acquire(p, 1000);
            if (r->db)
                r->db_pool = p;
        }
    }
    if (!r->db) {
        r->db = db_acquire(s->pool, 5000);
        r->db_pool = s->pool;
    }
    timeout_or_drop(r, r->db_pool, &r->db);
    if (!r->db)
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
    return r->db;
}

PGconn *http_db_write(struct http_req *r)
{
    if (!r->db || r->db_pool == r->srv->pool) {
        if (!r->db) {
            r->db = db_acquire(r->srv->pool, 5000);
            r->db_pool = r->srv->pool;
            timeout_or_drop(r, r->db_pool, &r->db);
        }
        if (!r->db)
            http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
        return r->db;
    }
    if (!r->db_write) {
        r->db_write = db_acquire(r->srv->pool, 5000);
        timeout_or_drop(r, r->srv->pool, &r->db_write);
    }
    if (!r->db_write)
        http_fail(r, PM_ERR_UNAVAILABLE, "the primary database is unavailable; try again shortly");
    return r->db_write;
}

enum pm_err http_set_actor(struct http_req *r)
{
    char actor[128];
    const char *p[1] = { actor };
    PGresult *res;
    int ok;

    snprintf(actor, sizeof actor, "key:%s", r->key_name);
    res = db_exec(r->db, "set_actor", 1, p);
    ok = db_ok(res);
    PQclear(res);
    return ok ? PM_OK : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
}

enum pm_err http_audit(struct http_req *r, const char *action, const char *child_ids_array)
{
    char key_id[32];
    const char *p[6];
    PGresult *res;
    int ok;

    PGconn *w = http_db_write(r);

    if (!w)
        return r->err;
    snprintf(key_id, sizeof key_id, "%ld", r->key_id);
    p[0] = r->key_id ? key_id : NULL;
    p[1] = r->key_name;
    p[2] = pm_role_name(r->role);
    p[3] = action;
    p[4] = child_ids_array ? child_ids_array : "{}";
    p[5] = r->remote;
    res = db_exec(w, "audit_insert", 6, p);
    ok = db_ok(res);
    if (!ok)
        fprintf(stderr, "powermapd: audit insert failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    /* No audit row, no data: a read that cannot be logged is refused. */
    return ok ? PM_OK : http_fail(r, PM_ERR_UNAVAILABLE, "the audit log is unavailable");
}

/* ------------------------------------------------------------------------- */
/* Map layers: public caching, validators, compression, streaming              */
/* ------------------------------------------------------------------------- */

#define STREAM_BLOCK (64 * 1024)
#define GZIP_LEVEL 5

struct http_gzip_state {
    z_stream z;
    char in[STREAM_BLOCK];
    int eof;                            /* the reader said end of body */
    int done;                           /* deflate said Z_STREAM_END */
};

static int has_authorization(struct http_req *r)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
}

void http_public(struct http_req *r, int max_age)
{
    r->public_max_age = max_age > 0 ? max_age : 1;
}

/* 1 when the Accept-Encoding list names gzip (or *) without q=0. */
static int accepts_gzip(const char *h)
{
    while (h && *h) {
        const char *end = strchr(h, ',');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        char item[64];
        char *semi, *name = item, *q;
        size_t n;

        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), h);
        semi = strchr(item, ';');
        if (semi)
            *semi = '\0';
        while (*name == ' ' || *name == '\t')
            name++;
        n = strlen(name);
        while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
            name[--n] = '\0';
        if (strcasecmp(name, "gzip") == 0 || strcmp(name, "*") == 0) {
            q = semi ? strstr(semi + 1, "q=") : NULL;
            if (!q || strtod(q + 2, NULL) > 0)
                return 1;
        }
        h = end ? end + 1 : NULL;
    }
    return 0;
}

int http_gzip(struct http_req *r)
{
    r->gzip_offered = 1;
    r->gzip = accepts_gzip(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_ACCEPT_ENCODING));
    return r->gzip;
}

/* 1 when the If-None-Match list names etag (weak comparison, RFC 9110) or is "*". */
static int if_none_match(struct http_req *r, const char *etag)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_IF_NONE_MATCH);
    size_t n = strlen(etag);

    while (h && *h) {
        const char *end;

        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        if (*h == '*')
            return 1;
        if (strncmp(h, "W/", 2) == 0)
            h += 2;
        end = h;
        while (*end && *end != ',')
            end++;
        while (end > h && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - h) == n && memcmp(h, etag, n) == 0)
            return 1;
        while (*end && *end != ',')
            end++;
        h = end;
    }
    return 0;
}

int http_etag(struct http_req *r, const char *tag)
{
    snprintf(r->etag, sizeof r->etag, "\"%.80s%s\"", tag, r->gzip ? "-gz" : "");
    return if_none_match(r, r->etag);
}

enum pm_err http_reply_not_modified(struct http_req *r)
{
    return http_reply(r, MHD_HTTP_NOT_MODIFIED, NULL, strdup(""), 0);
}

enum pm_err http_reply_stream(struct http_req *r, unsigned status, const char *content_type,
                              http_reader read, void *cls, void (*release)(void *cls))
{
    free(r->out);
    r->out = NULL;
    r->out_len = 0;
    r->status = status;
    r->content_type = content_type;
    r->stream_read = read;
    r->stream_cls = cls;
    r->stream_release = release;
    return PM_OK;
}

static void add_layer_headers(struct http_req *r, struct MHD_Response *resp)
{
    char cc[64];

    if (r->etag[0] && r->err == PM_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->gzip)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (r->gzip_offered && r->err == PM_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Authorization");
    if (r->public_max_age && !has_authorization(r)) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        if (r->err == PM_OK && r->status < 400) {
            snprintf(cc, sizeof cc, "public, max-age=%d", r->public_max_age);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
        }
    }
}

/* Compresses r->out in place.  Returns 0, or -1 when out of memory. */
static int gzip_buffer(struct http_req *r)
{
    z_stream z;
    char *out;
    uLong cap;
    int rc;

    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    cap = deflateBound(&z, (uLong)r->out_len);
    out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)r->out;
    z.avail_in = (uInt)r->out_len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    rc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return -1;
    }
    free(r->out);
    r->out = out;
    r->out_len = cap - z.avail_out;
    return 0;
}

static struct http_gzip_state *gzip_state_new(void)
{
    struct http_gzip_state *g = calloc(1, sizeof *g);

    if (g && deflateInit2(&g->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

static void gzip_state_free(struct http_gzip_state *g)
{
    if (!g)
        return;
    deflateEnd(&g->z);
    free(g);
}

/* libmicrohttpd's content reader for a streamed reply: the route's reader,
 * through deflate when the body is compressed. */
static ssize_t stream_callback(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_req *r = cls;
    struct http_gzip_state *g = r->z;
    long n;

    (void)pos;
    if (!g) {
        n = r->stream_read(r->stream_cls, buf, max);
        return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                                           : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (g->done)
        return MHD_CONTENT_READER_END_OF_STREAM;
    g->z.next_out = (Bytef *)buf;
    g->z.avail_out = (uInt)max;
    for (;;) {
        int rc;

        if (g->z.avail_in == 0 && !g->eof) {
            n = r->stream_read(r->stream_cls, g->in, sizeof g->in);
            if (n < 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
            if (n == 0)
                g->eof = 1;
            g->z.next_in = (Bytef *)g->in;
            g->z.avail_in = (uInt)n;
        }
        rc = deflate(&g->z, g->eof ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->done = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (g->z.avail_out == 0 || g->done)
            break;
    }
    if (max - g->z.avail_out == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)(max - g->z.avail_out);
}

/* ------------------------------------------------------------------------- */
/* Routing and authentication                                                  */
/* ------------------------------------------------------------------------- */

/* Matches path against a route pattern, collecting {x} segments into
 * r->params (pointers into buf, a writable copy of the path). */
static int route_match(const char *pattern, char *buf, const char **params, int *nparams)
{
    const char *p = pattern;
    char *s = buf;

    *nparams = 0;
    while (*p && *s) {
        if (*p == '{') {
            char *end = strchr(s, '/');

            if (s == end || *s == '\0' || *nparams == HTTP_MAX_PARAMS)
                return 0;
            params[(*nparams)++] = s;
            p = strchr(p, '}');
            if (!p)
                return 0;
            p++;
            if (end) {
                *end = '\0';
                s = end + 1;
                if (*p != '/')
                    return 0;
                p++;
            } else {
                s += strlen(s);
            }
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

/* Finds the route for method and path.  Sets *allowed when the path exists
 * under another method. */
static const struct http_route *route_find(struct http_req *r, char *pathbuf, size_t cap,
                                           int *path_known)
{
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;

    *path_known = 0;
    for (const struct http_route *rt = routes; rt->method; rt++) {
        snprintf(pathbuf, cap, "%s", r->path);
        if (!route_match(rt->path, pathbuf, r->params, &r->nparams))
            continue;
        *path_known = 1;
        if (strcmp(rt->method, method) == 0)
            return rt;
    }
    return NULL;
}

/* ------------------------------------------------------------------------- */
/* Failed authentication: an address that keeps presenting bad tokens is      */
/* answered 429, after a delay, until it has been quiet for a while.           */
/* ------------------------------------------------------------------------- */

#define AUTH_FAIL_SLOTS 256
#define AUTH_FAIL_LIMIT 10          /* failures within the window */
#define AUTH_FAIL_WINDOW_S 60
#define AUTH_FAIL_DELAY_MS 1000

struct auth_fail {
    char addr[64];
    int count;
    time_t first;
};

static struct auth_fail auth_fails[AUTH_FAIL_SLOTS];
static pthread_mutex_t auth_fail_lock = PTHREAD_MUTEX_INITIALIZER;

static struct auth_fail *auth_fail_slot(const char *addr)
{
    unsigned h = 5381;

    for (const char *p = addr; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return &auth_fails[h % AUTH_FAIL_SLOTS];
}

/* 1 when addr is over the limit of failed authentications. */
static int auth_blocked(const char *addr)
{
    struct auth_fail *f;
    int blocked;

    pthread_mutex_lock(&auth_fail_lock);
    f = auth_fail_slot(addr);
    if (strcmp(f->addr, addr) != 0 || time(NULL) - f->first > AUTH_FAIL_WINDOW_S)
        blocked = 0;
    else
        blocked = f->count >= AUTH_FAIL_LIMIT;
    pthread_mutex_unlock(&auth_fail_lock);
    return blocked;
}

static void auth_failed(const char *addr)
{
    struct auth_fail *f;
    time_t now = time(NULL);

    pthread_mutex_lock(&auth_fail_lock);
    f = auth_fail_slot(addr);
    if (strcmp(f->addr, addr) != 0 || now - f->first > AUTH_FAIL_WINDOW_S) {
        snprintf(f->addr, sizeof f->addr, "%s", addr);
        f->count = 0;
        f->first = now;
    }
    f->count++;
    pthread_mutex_unlock(&auth_fail_lock);
}

/* Looks the bearer token up.  Returns PM_OK (also when no token was given),
 * or an error already recorded. */
static enum pm_err authenticate(struct http_req *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    unsigned char digest[32];
    char hex[65];
    const char *p[1] = { hex };
    PGresult *res;
    enum pm_err e = PM_OK;

    if (!h)
        return PM_OK;
    if (auth_blocked(r->remote)) {
        struct timespec delay = { AUTH_FAIL_DELAY_MS / 1000, (AUTH_FAIL_DELAY_MS % 1000) * 1000000L };

        nanosleep(&delay, NULL);
        http_header(r, "Retry-After", "60");
        return http_fail(r, PM_ERR_TOO_MANY, "too many failed authentications from this address; "
                                             "try again in a minute");
    }
    if (strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
        auth_failed(r->remote);
        return http_fail(r, PM_ERR_UNAUTHORIZED, "Authorization must be \"Bearer TOKEN\"");
    }
    sha256(h + 7, strlen(h + 7), digest);
    sha256_hex(digest, hex);
    if (!http_db(r))
        return r->err;
    res = db_exec(r->db, "key_lookup", 1, p);
    if (!db_ok(res)) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    } else if (PQntuples(res) != 1) {
        auth_failed(r->remote);
        e = http_fail(r, PM_ERR_UNAUTHORIZED, "invalid, expired or revoked token");
    } else {
        r->key_id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(r->key_name, sizeof r->key_name, "%s", PQgetvalue(res, 0, 1));
        r->role = pm_role_from_name(PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    return e;
}

/* ------------------------------------------------------------------------- */
/* libmicrohttpd callbacks                                                     */
/* ------------------------------------------------------------------------- */

/* Requests between their first byte and their completion. */
static int in_flight;
static pthread_mutex_t in_flight_lock = PTHREAD_MUTEX_INITIALIZER;

static void in_flight_add(int d)
{
    pthread_mutex_lock(&in_flight_lock);
    in_flight += d;
    pthread_mutex_unlock(&in_flight_lock);
}

static int http_in_flight(void)
{
    int n;

    pthread_mutex_lock(&in_flight_lock);
    n = in_flight;
    pthread_mutex_unlock(&in_flight_lock);
    return n;
}

struct conn_ctx {
    struct http_req req;
    const struct http_route *route;
    int path_known;
    char pathbuf[1024];
    struct timespec t0;
};

static void ctx_free(struct conn_ctx *c)
{
    if (!c)
        return;
    /* A stream may still hold a query on the connection: end it first. */
    if (c->req.stream_release)
        c->req.stream_release(c->req.stream_cls);
    gzip_state_free(c->req.z);
    if (c->req.db)
        db_release(c->req.db_pool ? c->req.db_pool : c->req.srv->pool, c->req.db);
    if (c->req.db_write)
        db_release(c->req.srv->pool, c->req.db_write);
    free(c->req.body);
    free(c->req.out);
    free(c->req.errdetail);
    for (int i = 0; i < c->req.nhdr; i++)
        free(c->req.hdr_value[i]);
    free(c);
}

static enum MHD_Result queue(struct conn_ctx *c)
{
    struct http_req *r = &c->req;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (r->err != PM_OK) {
        struct pm_buf b;

        pm_buf_init(&b);
        pm_buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":\"", pm_err_code(r->err));
        pm_buf_json_escape(&b, r->errmsg);
        pm_buf_puts(&b, "\"");
        if (r->errdetail)
            pm_buf_printf(&b, ",\"%s\":%s", r->errdetail_name, r->errdetail);
        pm_buf_puts(&b, "}}");
        free(r->out);
        r->out = pm_buf_steal(&b, &r->out_len);
        r->status = pm_err_status(r->err);
        r->content_type = "application/json";
        if (!r->out) {
            r->out_len = 0;
            r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    if (r->err != PM_OK || r->status == MHD_HTTP_NOT_MODIFIED || r->status == MHD_HTTP_NO_CONTENT)
        r->gzip = 0;
    if (r->stream_read && r->err == PM_OK) {
        if (r->gzip && !(r->z = gzip_state_new()))
            return MHD_NO;
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_callback,
                                                 r, NULL);
    } else {
        if (r->gzip && r->out_len && gzip_buffer(r) < 0)
            return MHD_NO;
        resp = MHD_create_response_from_buffer(r->out_len, r->out ? r->out : (void *)"",
                                               r->out ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    r->out = NULL;                      /* the response owns it now */
    if (r->status != MHD_HTTP_NOT_MODIFIED && r->status != MHD_HTTP_NO_CONTENT)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->content_type ? r->content_type : "application/json");
    for (int i = 0; i < r->nhdr; i++)
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    add_layer_headers(r, resp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* Nothing may be framed but /embed, whose own CSP says by whom. */
    if (!MHD_get_response_header(resp, "Content-Security-Policy")) {
        MHD_add_response_header(resp, "Content-Security-Policy", "frame-ancestors 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    if (r->key_id || r->role != ROLE_NONE ||
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
    if (r->err == PM_ERR_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (r->err == PM_ERR_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void dispatch(struct conn_ctx *c)
{
    struct http_req *r = &c->req;

    if (!c->route) {
        if (c->path_known)
            http_fail(r, PM_ERR_METHOD, "%s is not allowed on %s", r->method, r->path);
        else
            http_fail(r, PM_ERR_NOT_FOUND, "no such resource: %s", r->path);
        return;
    }
    if (r->body_too_large) {
        http_fail(r, PM_ERR_TOO_LARGE, "request body over %zu bytes", r->body_max);
        return;
    }
    if (authenticate(r) != PM_OK)
        return;
    if (r->role < c->route->role) {
        if (r->role == ROLE_NONE)
            http_fail(r, PM_ERR_UNAUTHORIZED, "a token is required");
        else
            http_fail(r, PM_ERR_FORBIDDEN, "role %s may not do this (needs %s)",
                      pm_role_name(r->role), pm_role_name(c->route->role));
        return;
    }
    if (c->route->fn(r) != PM_OK && r->err == PM_OK)
        http_fail(r, PM_ERR_INTERNAL, "internal error");
    /* A failure because the database went away is a 503 (Retry-After), not
     * a 500: the client should come back, and nothing was half done. */
    if (r->err == PM_ERR_INTERNAL &&
        ((r->db && PQstatus(r->db) != CONNECTION_OK) ||
         (r->db_write && PQstatus(r->db_write) != CONNECTION_OK)))
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct pm_server *srv = cls;
    struct conn_ctx *c = *con_cls;

    if (!c) {
        const union MHD_ConnectionInfo *ci;

        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        *con_cls = c;
        in_flight_add(1);
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        c->req.srv = srv;
        c->req.conn = conn;
        c->req.method = method;
        c->req.path = url;
        c->route = route_find(&c->req, c->pathbuf, sizeof c->pathbuf, &c->path_known);
        if (strlen(url) >= sizeof c->pathbuf) {
            c->route = NULL;
            c->path_known = 0;
        }
        c->req.body_max = c->route && c->route->large_body ? srv->import_body_max
                                                           : srv->json_body_max;
        {
            /* A declared length over the cap is refused before the body is read. */
            const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
            long n;

            if (cl && pm_parse_long(cl, 0, LONG_MAX, &n) == 0 && (size_t)n > c->req.body_max) {
                c->req.body_too_large = 1;
                http_fail(&c->req, PM_ERR_TOO_LARGE, "request body over %zu bytes",
                          c->req.body_max);
                return queue(c);
            }
        }
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;

            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                          c->req.remote, sizeof c->req.remote);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                          c->req.remote, sizeof c->req.remote);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        struct http_req *r = &c->req;
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        if (r->body_too_large || r->body_len + n > r->body_max) {
            /* A chunked body over the cap: the rest is read and dropped (the
             * connection timeout bounds it) and dispatch() answers 413. */
            r->body_too_large = 1;
            free(r->body);
            r->body = NULL;
            r->body_len = 0;
        } else {
            char *nb = realloc(r->body, r->body_len + n + 1);

            if (!nb)
                return MHD_NO;
            memcpy(nb + r->body_len, upload_data, n);
            r->body = nb;
            r->body_len += n;
            r->body[r->body_len] = '\0';
        }
        return MHD_YES;
    }
    (void)version;
    dispatch(c);
    return queue(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_ctx *c = *con_cls;
    struct timespec t1;
    double ms;

    (void)cls;
    (void)conn;
    if (!c)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - c->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e6;
    /* Routes, status, timing and key names only: never bodies, tokens or
     * anything about a child. */
    fprintf(stderr, "%s %s %u %.1fms key=%s%s\n", c->req.method,
            c->route ? c->route->path : "-", c->req.status ? c->req.status : 0, ms,
            c->req.key_name[0] ? c->req.key_name : "-",
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    ctx_free(c);
    *con_cls = NULL;
    in_flight_add(-1);
}

/* GnuTLS priorities: TLS 1.2 and 1.3 only, AEAD ciphers, forward secrecy. */
#define TLS_PRIORITIES "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:" \
                       "+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-RSA:-SHA1"
#define SHUTDOWN_GRACE_S 10

/* Reopens stderr on the log file (SIGHUP, for log rotation). */
static void reopen_log(const char *path)
{
    if (path && !freopen(path, "a", stderr))
        return;
    if (path)
        setvbuf(stderr, NULL, _IOLBF, 0);
}

int http_serve(struct pm_server *srv, const char *host, int port,
               const char *tls_cert, const char *tls_key)
{
    struct sockaddr_in addr;
    struct MHD_Daemon *d;
    struct MHD_OptionItem opts[16];
    char *cert = NULL, *key = NULL;
    sigset_t set;
    int sig = 0, n = 0, rc = -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "powermapd: --listen: %s is not an IPv4 address\n", host);
        return -1;
    }
    if (tls_cert || tls_key) {
        cert = tls_cert ? pm_read_file(tls_cert, NULL) : NULL;
        key = tls_key ? pm_read_file(tls_key, NULL) : NULL;
        if (!cert || !key) {
            fprintf(stderr, "powermapd: --tls-cert and --tls-key: cannot read %s\n",
                    !cert ? (tls_cert ? tls_cert : "(missing)") : (tls_key ? tls_key : "(missing)"));
            goto out;
        }
        flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)TLS_PRIORITIES };
    }
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &addr };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, 2000, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, 512, NULL };
    /* Bounds the request line and headers (431 above). */
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_STACK_SIZE, 512 * 1024, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

    /* Threads inherit this mask: only the main thread waits for the signals. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, srv,
                         MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "powermapd: cannot listen on %s:%d%s\n", host, port,
                cert ? " (or the TLS certificate and key do not load)" : "");
        goto out;
    }
    fprintf(stderr, "powermapd: listening on %s://%s:%d/\n", cert ? "https" : "http", host, port);
    for (;;) {
        sigwait(&set, &sig);
        if (sig != SIGHUP)
            break;
        reopen_log(srv->log_path);
        fprintf(stderr, "powermapd: SIGHUP, log reopened\n");
    }
    /* Graceful: stop accepting, let the requests in flight finish (bounded),
     * then close every connection. */
    fprintf(stderr, "powermapd: signal %d, shutting down\n", sig);
    MHD_quiesce_daemon(d);
    for (int i = 0; i < SHUTDOWN_GRACE_S * 20 && http_in_flight() > 0; i++) {
        struct timespec tick = { 0, 50 * 1000000L };

        nanosleep(&tick, NULL);
    }
    MHD_stop_daemon(d);
    rc = 0;
out:
    free(cert);
    free(key);
    return rc;
}
