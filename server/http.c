/* http.c -- the libmicrohttpd glue and the route table.
 *
 * The route table below is the one place that says what the server answers.
 * A path that matches no route is 404; a path that matches with another method
 * is 405.  Each route names the least role that may call it; the check is made
 * here, on the request's first callback, before a byte of its body is read.
 * Replies are built in http_reply.c, parameters read in http_params.c, the
 * caller identified in http_auth.c (ARCHITECTURE.md). */
#include "server/http.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/cache.h"
#include "server/db.h"
#include "server/http_internal.h"
#include "server/routes.h"

static const struct http_route routes[] = {
    { "GET",    "/health",                  ROLE_NONE,    0, route_health },
    { "GET",    "/ready",                   ROLE_NONE,    0, route_ready },

    { "GET",    "/v1/children",             ROLE_VIEWER,  0, route_children_list },
    { "POST",   "/v1/children",             ROLE_PLANNER, 0, route_children_create },
    { "GET",    "/v1/children/{id}",        ROLE_VIEWER,  0, route_child_get },
    { "PUT",    "/v1/children/{id}",        ROLE_PLANNER, 0, route_child_put },
    { "DELETE", "/v1/children/{id}",        ROLE_ADMIN,   0, route_child_delete },
    { "GET",    "/v1/children/{id}/plan",   ROLE_VIEWER,  0, route_child_plan },
    { "GET",    "/v1/children/{id}/history", ROLE_VIEWER, 0, route_app_child_history },
    { "PUT",    "/v1/children/{id}/plan",   ROLE_PLANNER, 0, route_child_plan_put },
    { "GET",    "/v1/children/{id}/calls",  ROLE_VIEWER,  0, route_child_calls_list },
    { "POST",   "/v1/children/{id}/calls",  ROLE_PLANNER, 0, route_child_calls_create },

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

    { "GET",    "/v1/facilities",           ROLE_NONE,    0, route_facilities_list },
    { "POST",   "/v1/facilities",           ROLE_PLANNER, 0, route_facilities_create },
    { "GET",    "/v1/facilities/{id}",      ROLE_NONE,    0, route_facility_get },
    { "PUT",    "/v1/facilities/{id}",      ROLE_PLANNER, 0, route_facility_put },
    { "DELETE", "/v1/facilities/{id}",      ROLE_ADMIN,   0, route_facility_delete },

    { "GET",    "/v1/plans/children",       ROLE_VIEWER,  0, route_app_plan_children },
    { "GET",    "/v1/geocode",              ROLE_PLANNER, 0, route_app_geocode },
    { "POST",   "/v1/plans/run",            ROLE_PLANNER, 0, route_plans_run },
    { "GET",    "/v1/plans",                ROLE_VIEWER,  0, route_plans_list },
    { "GET",    "/v1/plans/print",          ROLE_VIEWER,  0, route_plans_print },
    { "GET",    "/v1/plans/documents",      ROLE_VIEWER,  0, route_plan_docs_list },
    { "GET",    "/v1/plans/settings",       ROLE_VIEWER,  0, route_plan_settings_get },
    { "PUT",    "/v1/plans/settings",       ROLE_ADMIN,   0, route_plan_settings_put },

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
    { "POST",   "/v1/children/{id}/purge",  ROLE_ADMIN,   0, route_child_purge },

    { "GET",    "/v1/reports/council",      ROLE_NONE,    0, route_reports_council },
    { "GET",    "/v1/reports/transitions",  ROLE_VIEWER,  0, route_reports_transitions },
    { "GET",    "/v1/settings/definition",  ROLE_VIEWER,  0, route_definition_get },
    { "PUT",    "/v1/settings/definition",  ROLE_ADMIN,   0, route_definition_put },
    { "GET",    "/v1/analysis/coverage",    ROLE_NONE,    0, route_analysis_coverage },
    { "GET",    "/v1/duplicates",           ROLE_VIEWER,  0, route_duplicates_list },
    { "POST",   "/v1/duplicates/{id}",      ROLE_PLANNER, 0, route_duplicate_decide },

    { "POST",   "/v1/session",              ROLE_NONE,    0, route_session_create },
    { "GET",    "/v1/session",              ROLE_NONE,    0, route_session_get },
    { "DELETE", "/v1/session",              ROLE_NONE,    0, route_session_delete },
    { "POST",   "/v1/session/password",     ROLE_NONE,    0, route_session_password },
    { "GET",    "/v1/users",                ROLE_ADMIN,   0, route_users_list },
    { "POST",   "/v1/users",                ROLE_ADMIN,   0, route_users_create },
    { "PUT",    "/v1/users/{id}",           ROLE_ADMIN,   0, route_user_put },
    { "DELETE", "/v1/users/{id}",           ROLE_ADMIN,   0, route_user_delete },

    { "GET",    "/",                        ROLE_NONE,    0, route_app_index },
    { "GET",    "/static/app/{file}",       ROLE_NONE,    0, route_static_app },
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
    { "GET",    "/ogc/collections/{id}/queryables", ROLE_NONE, 0, route_ogc_queryables },
    { "GET",    "/ogc/collections/{id}/schema", ROLE_NONE, 0, route_ogc_schema },
    { "GET",    "/tiles/{collection}/{z}/{x}/{y}", ROLE_NONE, 0, route_tile },
    { "GET",    "/tiles/{collection}",      ROLE_NONE,    0, route_tilejson },
    { NULL, NULL, ROLE_NONE, 0, NULL }
};


/* Public routes whose answers can be large or slow to compute: the whole
 * power map, and lists and OGC items asking for more than
 * HTTP_EXPENSIVE_LIMIT features (a whole-world box at limit=10000).  A caller
 * without a key runs at most 4 of them at once (issue 11.13).  Tiles are not
 * among them: a map view fetches a dozen at once. */
#define HTTP_EXPENSIVE_LIMIT 1000

static const char *const expensive_routes[] = {
    "/v1/shelters", "/v1/power-points", "/v1/outages", "/ogc/collections/{id}/items", NULL
};

static int is_expensive(struct http_req *r, const struct http_route *rt)
{
    const char *limit;
    long n;

    if (strcmp(rt->method, "GET") != 0)
        return 0;
    if (strcmp(rt->path, "/v1/maps/power.geojson") == 0)
        return 1;
    for (const char *const *p = expensive_routes; *p; p++) {
        if (strcmp(*p, rt->path) != 0)
            continue;
        limit = http_query(r, "limit");
        return limit && (pm_parse_long(limit, 0, LONG_MAX, &n) < 0 || n > HTTP_EXPENSIVE_LIMIT);
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* The request's database connections                                          */
/* ------------------------------------------------------------------------- */

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
    http_watch_query(r, r->db);
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

/* ------------------------------------------------------------------------- */
/* Routing                                                                     */
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

const char *http_public_base(const struct http_req *r)
{
    return r->srv->public_url;
}

/* The route's verdict before the body is read: 404, 405, 415, the caller's
 * credential and role (401, 403, 429), a declared length over the cap (413).
 * PM_OK when the request may go on; r->err otherwise. */
static enum pm_err admit(struct conn_ctx *c)
{
    struct http_req *r = &c->req;
    const char *cl;
    long n;

    if (!c->route) {
        if (c->path_known)
            return http_fail(r, PM_ERR_METHOD, "%s is not allowed on %s", r->method, r->path);
        return http_fail(r, PM_ERR_NOT_FOUND, "no such resource: %s", r->path);
    }
    if (http_auth_resolve(r) != PM_OK)
        return r->err;
    if (r->role < c->route->role) {
        if (r->role == ROLE_NONE)
            return http_fail(r, PM_ERR_UNAUTHORIZED, "a token is required");
        return http_fail(r, PM_ERR_FORBIDDEN, "role %s may not do this (needs %s)",
                         pm_role_name(r->role), pm_role_name(c->route->role));
    }
    if (r->role == ROLE_NONE && is_expensive(r, c->route)) {
        if (http_auth_slot_take(r->remote) < 0) {
            http_header(r, "Retry-After", "1");
            return http_fail(r, PM_ERR_TOO_MANY, "too many map requests at once from this "
                                                 "address; wait for one to finish");
        }
        c->holds_slot = 1;
    }
    if (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_CONTENT_ENCODING))
        return http_fail(r, PM_ERR_MEDIA_TYPE, "Content-Encoding is not accepted: "
                                               "send the body uncompressed");
    r->body_max = c->route->large_body ? r->srv->import_body_max : r->srv->json_body_max;
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && pm_parse_long(cl, 0, LONG_MAX, &n) == 0 && (size_t)n > r->body_max) {
        r->body_too_large = 1;
        return http_fail(r, PM_ERR_TOO_LARGE, "request body over %zu bytes", r->body_max);
    }
    return PM_OK;
}

/* 1 when the body is JSON: every route's but an import's, whose body is
 * JSON when its Content-Type says so (GeoJSON hazards). */
static int is_json_body(const struct conn_ctx *c)
{
    const char *ct = MHD_lookup_connection_value(c->req.conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_TYPE);

    return !c->route->large_body || (ct && strstr(ct, "json"));
}

static void dispatch(struct conn_ctx *c)
{
    struct http_req *r = &c->req;

    if (r->body_too_large) {
        http_fail(r, PM_ERR_TOO_LARGE, "request body over %zu bytes", r->body_max);
        return;
    }
    if (r->body && is_json_body(c) && pm_json_has_nul(r->body, r->body_len)) {
        http_fail(r, PM_ERR_BAD_REQUEST, "the body holds a NUL character (\\u0000)");
        return;
    }
    http_watch_handling(r);
    if (cache_serve(r))
        return;
    if (c->route->fn(r) != PM_OK && r->err == PM_OK)
        http_fail(r, PM_ERR_INTERNAL, "internal error");
    /* A failure because the database went away is a 503 (Retry-After), not
     * a 500: the client should come back, and nothing was half done. */
    if (r->err == PM_ERR_INTERNAL &&
        ((r->db && PQstatus(r->db) != CONNECTION_OK) ||
         (r->db_write && PQstatus(r->db_write) != CONNECTION_OK)))
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
                                                                 MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* Queues c's reply (its answer is off the database then: the public query
 * slot is given back); the watcher then waits for the next request. */
static enum MHD_Result reply(struct conn_ctx *c)
{
    enum MHD_Result ret = http_queue_reply(&c->req);

    if (c->holds_slot)
        http_auth_slot_give(c->req.remote);
    c->holds_slot = 0;
    http_watch_done(&c->req, 1);
    return ret;
}

/* The first callback of a request: its context, route and admission. */
static enum MHD_Result on_first(struct pm_server *srv, struct MHD_Connection *conn,
                                const char *url, const char *method, void **con_cls)
{
    struct conn_ctx *c = calloc(1, sizeof *c);
    const char *cl;
    long n;

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
    peer_address(conn, c->req.peer, sizeof c->req.peer);
    http_auth_client(&c->req);
    if (admit(c) != PM_OK)
        return reply(c);
    /* The key lookup borrowed a database connection: a slow upload must not
     * hold it while the body arrives. */
    if (c->req.db) {
        db_release(c->req.db_pool ? c->req.db_pool : srv->pool, c->req.db);
        c->req.db = NULL;
        c->req.db_pool = NULL;
    }
    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    http_watch_body(&c->req, cl && pm_parse_long(cl, 0, LONG_MAX, &n) == 0 ? (size_t)n : 0, 0);
    return MHD_YES;
}

/* Appends a piece of the body, or drops it once the body is over its cap. */
static enum MHD_Result on_upload(struct http_req *r, const char *data, size_t n)
{
    char *nb;

    if (r->body_too_large || r->body_len + n > r->body_max) {
        /* A chunked body over the cap: the rest is read and dropped (the
         * request deadline bounds it) and dispatch() answers 413. */
        r->body_too_large = 1;
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
        return MHD_YES;
    }
    nb = realloc(r->body, r->body_len + n + 1);
    if (!nb)
        return MHD_NO;
    memcpy(nb + r->body_len, data, n);
    r->body = nb;
    r->body_len += n;
    r->body[r->body_len] = '\0';
    http_watch_body(r, 0, r->body_len);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct conn_ctx *c = *con_cls;
    size_t n;

    (void)version;
    if (!c)
        return on_first(cls, conn, url, method, con_cls);
    if (*upload_data_size) {
        n = *upload_data_size;
        *upload_data_size = 0;
        return on_upload(&c->req, upload_data, n);
    }
    dispatch(c);
    return reply(c);
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
    if (c->holds_slot)
        http_auth_slot_give(c->req.remote);
    http_watch_done(&c->req, 0);
    http_reply_release(&c->req);
    free(c);
    *con_cls = NULL;
    in_flight_add(-1);
}

/* ------------------------------------------------------------------------- */
/* The daemon                                                                  */
/* ------------------------------------------------------------------------- */

/* GnuTLS priorities: TLS 1.2 and 1.3 only, AEAD ciphers, forward secrecy. */
#define TLS_PRIORITIES "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:" \
                       "+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-RSA:-SHA1"

/* Connections at once; each has a thread, and the process needs a descriptor
 * for each (main.c raises RLIMIT_NOFILE). */
#define HTTP_MAX_CONNECTIONS 4000

struct http_daemon {
    struct MHD_Daemon *mhd;
    char *cert, *key;
};

/* libmicrohttpd's own error messages, through our log, with any URL (which
 * may carry an id) replaced by <url>. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char raw[512], out[512];
    size_t o = 0;

    (void)cls;
    vsnprintf(raw, sizeof raw, fmt, ap);
    for (const char *p = raw; *p && o < sizeof out - 8; p++) {
        int starts = *p == '/' && (p == raw || strchr(" `'\"(", p[-1]));

        if (!starts) {
            if (*p != '\n')
                out[o++] = *p;
            continue;
        }
        memcpy(out + o, "<url>", 5);
        o += 5;
        while (p[1] && !strchr(" `'\")\n", p[1]))
            p++;
    }
    out[o] = '\0';
    fprintf(stderr, "powermapd: libmicrohttpd: %s\n", out);
}

/* Fills opts with the daemon's options; returns their number. */
static int daemon_options(struct MHD_OptionItem *opts, struct pm_server *srv,
                          const struct sockaddr_in *addr, const struct http_daemon *d)
{
    int n = 0;

    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL };
    if (d->cert) {
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, d->cert };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, d->key };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)TLS_PRIORITIES };
    }
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, (void *)addr };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
                                         (intptr_t)http_watch_notify, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, 512, NULL };
    /* Bounds the request line and headers (431 above). */
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_STACK_SIZE, 512 * 1024, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return n;
}

struct http_daemon *http_start(struct pm_server *srv, const char *host, int port,
                               const char *tls_cert, const char *tls_key)
{
    static struct sockaddr_in addr;     /* libmicrohttpd keeps the pointer */
    struct MHD_OptionItem opts[16];
    struct http_daemon *d = calloc(1, sizeof *d);
    /* A thread per connection (handlers block on the database and the
     * geocoder), waiting with poll(): select() stopped near 1,000 descriptors. */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;

    if (!d)
        return NULL;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "powermapd: --listen: %s is not an IPv4 address\n", host);
        goto fail;
    }
    if (tls_cert || tls_key) {
        d->cert = tls_cert ? pm_read_file(tls_cert, NULL) : NULL;
        d->key = tls_key ? pm_read_file(tls_key, NULL) : NULL;
        if (!d->cert || !d->key) {
            fprintf(stderr, "powermapd: --tls-cert and --tls-key: cannot read %s\n",
                    !d->cert ? (tls_cert ? tls_cert : "(missing)") : (tls_key ? tls_key : "(missing)"));
            goto fail;
        }
        flags |= MHD_USE_TLS;
    }
    if (!srv->public_url[0])
        snprintf(srv->public_url, sizeof srv->public_url, "%s://%s:%d",
                 d->cert ? "https" : "http", host, port);
    daemon_options(opts, srv, &addr, d);
    if (http_watch_start() < 0) {
        fprintf(stderr, "powermapd: cannot start the connection watcher\n");
        goto fail;
    }
    d->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, srv,
                              MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d->mhd) {
        fprintf(stderr, "powermapd: cannot listen on %s:%d%s\n", host, port,
                d->cert ? " (or the TLS certificate and key do not load)" : "");
        http_watch_stop();
        goto fail;
    }
    fprintf(stderr, "powermapd: listening on %s://%s:%d/\n", d->cert ? "https" : "http", host, port);
    return d;
fail:
    free(d->cert);
    free(d->key);
    free(d);
    return NULL;
}

void http_stop(struct http_daemon *d, int grace_s)
{
    if (!d)
        return;
    MHD_quiesce_daemon(d->mhd);
    for (int i = 0; i < grace_s * 20 && http_in_flight() > 0; i++) {
        struct timespec tick = { 0, 50 * 1000000L };

        nanosleep(&tick, NULL);
    }
    MHD_stop_daemon(d->mhd);
    http_watch_stop();
    free(d->cert);
    free(d->key);
    free(d);
}
