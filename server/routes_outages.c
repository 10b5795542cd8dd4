/* routes_outages.c -- blackout response: /v1/outages, the affected children
 * (soonest battery deadline first) and the webhook delivery log. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv.h"
#include "server/db.h"
#include "server/events.h"
#include "server/geojson.h"
#include "server/plan.h"
#include "server/routes.h"

static const char *const no_params[] = { NULL };
static const char *const page_params[] = { "limit", "offset", NULL };
static const char *const list_params[] = { "limit", "offset", "active", NULL };
static const char *const affected_params[] = { "hazard", "outage_hours", "speed_kmh", "detour",
                                               "margin_h", "start_at", "f", NULL };

/* The outage Feature of a body: geometry, started_at, expected_restore_at,
 * from the properties or the top level. */
struct outage_body {
    cJSON *root;
    char *geometry;                 /* GeoJSON text, or NULL when absent */
    const char *started_at, *expected_restore_at;
};

static const char *member_time(struct http_req *r, const cJSON *root, const char *name, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "properties"), name);

    if (!v)
        v = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v) || !pm_is_iso8601(v->valuestring)) {
        http_fail(r, PM_ERR_BAD_REQUEST, "%s: must be an ISO 8601 time", name);
        *bad = 1;
        return NULL;
    }
    return v->valuestring;
}

/* Parses and checks the body.  need_geometry: POST.  Returns PM_OK or a
 * recorded 400. */
static enum pm_err parse_body(struct http_req *r, struct outage_body *b, int need_geometry)
{
    const cJSON *g;
    const char *why;
    int bad = 0;

    memset(b, 0, sizeof *b);
    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "a GeoJSON Feature body is required");
    b->root = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
    if (!cJSON_IsObject(b->root))
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not a JSON object");
    g = cJSON_GetObjectItemCaseSensitive(b->root, "geometry");
    if (g && !cJSON_IsNull(g)) {
        why = geojson_check_polygon(g);
        if (why)
            return http_fail(r, PM_ERR_BAD_REQUEST, "geometry: %s", why);
        b->geometry = cJSON_PrintUnformatted(g);
        if (!b->geometry)
            return http_fail(r, PM_ERR_NOMEM, "out of memory");
    } else if (need_geometry) {
        return http_fail(r, PM_ERR_BAD_REQUEST, "geometry: a Polygon or MultiPolygon is required");
    }
    b->started_at = member_time(r, b->root, "started_at", &bad);
    if (!bad)
        b->expected_restore_at = member_time(r, b->root, "expected_restore_at", &bad);
    if (bad)
        return r->err;
    if (need_geometry && !b->started_at)
        return http_fail(r, PM_ERR_BAD_REQUEST, "started_at: required (ISO 8601)");
    return PM_OK;
}

static void body_release(struct outage_body *b)
{
    cJSON_Delete(b->root);
    free(b->geometry);
}

/* Checks the times with PostgreSQL's own parser.  PM_OK or a recorded 400. */
static enum pm_err check_times(struct http_req *r, const char *started, const char *restore)
{
    const char *p[2] = { started ? started : "now", restore };
    PGresult *q = db_exec(r->db, "outage_times_check", 2, p);
    enum pm_err e = PM_OK;

    if (!db_ok(q))
        e = http_fail(r, PM_ERR_BAD_REQUEST, "started_at/expected_restore_at: not valid ISO 8601 times");
    else if (PQgetvalue(q, 0, 0)[0] != 't')
        e = http_fail(r, PM_ERR_BAD_REQUEST, "expected_restore_at: before started_at");
    PQclear(q);
    return e;
}

/* Adds to the outage Feature's properties where its re-plan stands (rule 8):
 * replan {pending, plan_run_id}.  Returns the text to send, or NULL. */
static char *with_replan(struct http_req *r, const char *id, const char *feature)
{
    const char *p[1] = { id };
    PGresult *q = db_exec(r->db, "outage_replan_state", 1, p);
    cJSON *f = cJSON_Parse(feature), *props, *rp;
    char *text = NULL;

    props = cJSON_GetObjectItemCaseSensitive(f, "properties");
    if (db_ok(q) && PQntuples(q) == 1 && cJSON_IsObject(props) &&
        (rp = cJSON_AddObjectToObject(props, "replan"))) {
        cJSON_AddBoolToObject(rp, "pending", PQgetvalue(q, 0, 0)[0] == 't');
        if (PQgetisnull(q, 0, 1))
            cJSON_AddNullToObject(rp, "plan_run_id");
        else
            cJSON_AddNumberToObject(rp, "plan_run_id", strtod(PQgetvalue(q, 0, 1), NULL));
        text = cJSON_PrintUnformatted(f);
    }
    PQclear(q);
    cJSON_Delete(f);
    return text;
}

static enum pm_err reply_outage(struct http_req *r, const char *id, unsigned status)
{
    const char *p[1] = { id };
    PGresult *q = db_exec(r->db, "outage_get", 1, p);
    enum pm_err e;
    char *text;

    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no outage with id %s", id);
    else if (!(text = with_replan(r, id, PQgetvalue(q, 0, 0))))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else
        e = http_reply(r, status, "application/geo+json", text, strlen(text));
    PQclear(q);
    return e;
}

static enum pm_err outage_id(struct http_req *r, char out[24])
{
    long id;

    if (http_only_params(r, strcmp(r->path + strlen(r->path) - 9, "/affected") == 0
                                ? affected_params : no_params) != PM_OK)
        return r->err;
    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &id) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(out, 24, "%ld", id);
    return PM_OK;
}

/* Ends a write: records its event in the same transaction and commits.  A
 * created or changed outage's event waits for its re-plan (rule 8): the
 * daemon's re-plan worker stores the new run, then emits the event with
 * that run's counts (events_queue); the request does not wait for it.  An
 * ended outage's event goes out at once. */
static enum pm_err commit_with_event(struct http_req *r, const char *type, const char *id)
{
    char err[256];
    int ended = strcmp(type, "outage.ended") == 0, rc;

    rc = ended ? events_emit(r->db, r->srv, type, strtol(id, NULL, 10), NULL, err, sizeof err)
               : events_queue(r->db, r->srv, strtol(id, NULL, 10), type, NULL, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "powermapd: %s\n", err);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    if (db_command(r->db, "COMMIT", NULL, 0) < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    if (ended)
        events_wake();
    else
        events_replan();
    return PM_OK;
}

enum pm_err route_outages_create(struct http_req *r)
{
    struct outage_body b;
    const char *p[4];
    char id[24];
    PGresult *q = NULL;
    enum pm_err e;

    if (http_only_params(r, no_params) != PM_OK || parse_body(r, &b, 1) != PM_OK || !http_db(r) ||
        check_times(r, b.started_at, b.expected_restore_at) != PM_OK) {
        e = r->err;
        goto out;
    }
    if (db_command(r->db, "BEGIN", NULL, 0) < 0 || http_set_actor(r) != PM_OK) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    p[0] = b.geometry;
    p[1] = b.started_at;
    p[2] = b.expected_restore_at;
    p[3] = NULL;
    q = db_exec(r->db, "outage_insert", 4, p);
    if (!db_ok(q)) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "geometry: not accepted by PostGIS");
    } else if (PQgetisnull(q, 0, 0)) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "geometry: invalid: %.200s", PQgetvalue(q, 0, 2));
    } else {
        snprintf(id, sizeof id, "%s", PQgetvalue(q, 0, 0));
        e = commit_with_event(r, "outage.created", id);
        if (e == PM_OK) {
            char loc[64];

            snprintf(loc, sizeof loc, "/v1/outages/%s", id);
            http_header(r, "Location", loc);
            e = reply_outage(r, id, 201);
        }
    }
    if (e != PM_OK)
        db_command(r->db, "ROLLBACK", NULL, 0);
out:
    PQclear(q);
    body_release(&b);
    return e;
}

enum pm_err route_outage_put(struct http_req *r)
{
    struct outage_body b;
    const char *p[4];
    char id[24];
    PGresult *q = NULL;
    enum pm_err e;

    if (outage_id(r, id) != PM_OK)
        return r->err;
    if (parse_body(r, &b, 0) != PM_OK || !http_db(r) ||
        ((b.started_at || b.expected_restore_at) &&
         check_times(r, b.started_at, b.expected_restore_at) != PM_OK)) {
        e = r->err;
        goto out;
    }
    if (db_command(r->db, "BEGIN", NULL, 0) < 0) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    p[0] = id;
    p[1] = b.geometry;
    p[2] = b.started_at;
    p[3] = b.expected_restore_at;
    q = db_exec(r->db, "outage_update", 4, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_BAD_REQUEST, "geometry or times not accepted");
    else if (PQntuples(q) == 0)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no outage with id %s", id);
    else if (PQgetisnull(q, 0, 0))
        e = http_fail(r, PM_ERR_BAD_REQUEST, "geometry: invalid: %.200s", PQgetvalue(q, 0, 2));
    else
        e = commit_with_event(r, "outage.updated", id);
    if (e == PM_OK)
        e = reply_outage(r, id, 200);
    else
        db_command(r->db, "ROLLBACK", NULL, 0);
out:
    PQclear(q);
    body_release(&b);
    return e;
}

enum pm_err route_outage_delete(struct http_req *r)
{
    char id[24];
    const char *p[1] = { id };
    PGresult *q;
    enum pm_err e;

    if (outage_id(r, id) != PM_OK || !http_db(r))
        return r->err;
    if (db_command(r->db, "BEGIN", NULL, 0) < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    q = db_exec(r->db, "outage_end", 1, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no outage with id %s", id);
    else
        e = commit_with_event(r, "outage.ended", id);
    PQclear(q);
    if (e != PM_OK) {
        db_command(r->db, "ROLLBACK", NULL, 0);
        return e;
    }
    return reply_outage(r, id, 200);
}

enum pm_err route_outage_get(struct http_req *r)
{
    char id[24];

    if (outage_id(r, id) != PM_OK || !http_db(r))
        return r->err;
    return reply_outage(r, id, 200);
}

enum pm_err route_outages_list(struct http_req *r)
{
    char lim[24], off[24];
    const char *active = http_query(r, "active");
    const char *p[3] = { lim, off, NULL };

    if (http_page(r, list_params, 100, lim, off) != PM_OK)
        return r->err;
    if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "active: must be true or false");
    p[2] = active && strcmp(active, "true") == 0 ? "t" : "f";
    if (!http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "outages_list", 3, p);
}

/* ------------------------------------------------------------------------- */
/* The affected children                                                       */
/* ------------------------------------------------------------------------- */

enum col { C_ID, C_EXT, C_NAME, C_NEED, C_RUNTIME, C_REMAINING, C_DEADLINE, C_DECISION,
           C_DTYPE, C_DID, C_DEXT, C_DNAME, C_DIST, C_TRAVEL, C_LEAVE, C_LON, C_LAT, C_MOBILITY,
           C_PHONE };

static cJSON *num_or_null(const PGresult *q, int row, int col)
{
    return PQgetisnull(q, row, col) ? cJSON_CreateNull()
                                    : cJSON_CreateNumber(strtod(PQgetvalue(q, row, col), NULL));
}

static cJSON *str_or_null(const PGresult *q, int row, int col)
{
    return PQgetisnull(q, row, col) ? cJSON_CreateNull() : cJSON_CreateString(PQgetvalue(q, row, col));
}

static cJSON *affected_item(const PGresult *q, int i)
{
    cJSON *o = cJSON_CreateObject(), *d;

    if (!o)
        return NULL;
    cJSON_AddItemToObject(o, "id", num_or_null(q, i, C_ID));
    cJSON_AddItemToObject(o, "external_id", str_or_null(q, i, C_EXT));
    cJSON_AddItemToObject(o, "name", str_or_null(q, i, C_NAME));
    cJSON_AddItemToObject(o, "need_w", num_or_null(q, i, C_NEED));
    cJSON_AddItemToObject(o, "runtime_h", num_or_null(q, i, C_RUNTIME));
    if (PQgetisnull(q, i, C_REMAINING))
        cJSON_AddNullToObject(o, "remaining_h");
    else
        cJSON_AddNumberToObject(o, "remaining_h",
                                round(strtod(PQgetvalue(q, i, C_REMAINING), NULL) * 1000) / 1000);
    cJSON_AddItemToObject(o, "deadline", str_or_null(q, i, C_DEADLINE));
    cJSON_AddItemToObject(o, "mobility", str_or_null(q, i, C_MOBILITY));
    cJSON_AddItemToObject(o, "guardian_phone", str_or_null(q, i, C_PHONE));
    cJSON_AddItemToObject(o, "decision", str_or_null(q, i, C_DECISION));
    cJSON_AddItemToObject(o, "leave_by_h", num_or_null(q, i, C_LEAVE));
    if (PQgetisnull(q, i, C_DTYPE)) {
        cJSON_AddNullToObject(o, "destination");
    } else {
        d = cJSON_AddObjectToObject(o, "destination");
        cJSON_AddItemToObject(d, "type", str_or_null(q, i, C_DTYPE));
        cJSON_AddItemToObject(d, "id", num_or_null(q, i, C_DID));
        cJSON_AddItemToObject(d, "external_id", str_or_null(q, i, C_DEXT));
        cJSON_AddItemToObject(d, "name", str_or_null(q, i, C_DNAME));
        cJSON_AddItemToObject(d, "distance_m", num_or_null(q, i, C_DIST));
        cJSON_AddItemToObject(d, "travel_min", num_or_null(q, i, C_TRAVEL));
    }
    return o;
}

/* The unlocated children (outage_unlocated) carry two more columns. */
enum { C_REASON = C_PHONE + 1, C_ADDRESS };

static void affected_csv_rows(struct pm_buf *b, const PGresult *q, int unlocated)
{
    static const int cols[] = { C_EXT, C_NAME, C_REMAINING, C_DEADLINE, C_RUNTIME, C_NEED,
                                C_MOBILITY, C_PHONE, C_DECISION, C_DNAME, C_DIST, C_TRAVEL,
                                C_LEAVE };
    const size_t n = sizeof cols / sizeof cols[0];

    for (int i = 0; i < PQntuples(q); i++) {
        for (size_t k = 0; k < n; k++) {
            char num[32];
            const char *v = PQgetvalue(q, i, cols[k]);

            if (cols[k] == C_REMAINING && !PQgetisnull(q, i, cols[k])) {
                snprintf(num, sizeof num, "%.2f", strtod(v, NULL));
                v = num;
            }
            csv_write_cell(b, v, 0);
        }
        csv_write_cell(b, unlocated ? "false" : "true", 0);
        csv_write_cell(b, unlocated ? PQgetvalue(q, i, C_REASON) : "", 1);
    }
}

/* The CSV: unlocated children first (their risk is unknown), then the
 * located ones, soonest deadline first. */
static char *affected_csv(const PGresult *q, const PGresult *u, size_t *len)
{
    static const char *const head[] = { "external_id", "name", "remaining_h", "deadline",
                                        "runtime_h", "need_w", "mobility", "guardian_phone",
                                        "decision", "destination", "distance_m", "travel_min",
                                        "leave_by_h", "located", "unlocated_reason" };
    const size_t n = sizeof head / sizeof head[0];
    struct pm_buf b;

    pm_buf_init(&b);
    pm_buf_puts(&b, "\xEF\xBB\xBF");          /* a BOM, so that Excel reads UTF-8 */
    for (size_t k = 0; k < n; k++)
        csv_write_cell(&b, head[k], k + 1 == n);
    affected_csv_rows(&b, u, 1);
    affected_csv_rows(&b, q, 0);
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, len);
}

static cJSON *unlocated_item(const PGresult *u, int i)
{
    cJSON *it = affected_item(u, i);

    if (it) {
        cJSON_AddFalseToObject(it, "located");
        cJSON_AddItemToObject(it, "reason", str_or_null(u, i, C_REASON));
        cJSON_AddItemToObject(it, "address", str_or_null(u, i, C_ADDRESS));
    }
    return it;
}

static cJSON *affected_feature(const PGresult *q, int i, cJSON *props)
{
    cJSON *ft = cJSON_CreateObject(), *g, *c;

    if (!ft) {
        cJSON_Delete(props);
        return NULL;
    }
    cJSON_AddStringToObject(ft, "type", "Feature");
    cJSON_AddItemToObject(ft, "id", num_or_null(q, i, C_ID));
    if (PQgetisnull(q, i, C_LON)) {
        cJSON_AddNullToObject(ft, "geometry");          /* unlocated: no point */
    } else {
        g = cJSON_AddObjectToObject(ft, "geometry");
        cJSON_AddStringToObject(g, "type", "Point");
        c = cJSON_AddArrayToObject(g, "coordinates");
        cJSON_AddItemToArray(c, num_or_null(q, i, C_LON));
        cJSON_AddItemToArray(c, num_or_null(q, i, C_LAT));
    }
    cJSON_AddItemToObject(ft, "properties", props);
    return ft;
}

/* The JSON or GeoJSON document of the affected list. */
static cJSON *affected_doc(const PGresult *q, const PGresult *u, int geojson, const char *id,
                           long run_id, int pending)
{
    cJSON *out = cJSON_CreateObject(), *items, *apart = NULL;

    if (!out)
        return NULL;
    if (geojson) {
        cJSON_AddStringToObject(out, "type", "FeatureCollection");
        cJSON_AddNumberToObject(out, "unlocated_total", PQntuples(u));
        items = cJSON_AddArrayToObject(out, "features");
    } else {
        cJSON_AddNumberToObject(out, "outage_id", strtod(id, NULL));
        cJSON_AddNumberToObject(out, "plan_run_id", (double)run_id);
        /* The outage changed after that run: its re-plan is on its way. */
        cJSON_AddBoolToObject(out, "replan_pending", pending);
        cJSON_AddNumberToObject(out, "total", PQntuples(q));
        cJSON_AddNumberToObject(out, "unlocated_total", PQntuples(u));
        apart = cJSON_AddArrayToObject(out, "unlocated");
        items = cJSON_AddArrayToObject(out, "items");
    }
    /* GeoJSON: the unlocated first, with a null geometry. */
    for (int i = 0; i < PQntuples(u); i++) {
        cJSON *it = unlocated_item(u, i);

        if (it)
            cJSON_AddItemToArray(geojson ? items : apart, geojson ? affected_feature(u, i, it) : it);
    }
    for (int i = 0; i < PQntuples(q); i++) {
        cJSON *it = affected_item(q, i);

        if (!it)
            continue;
        if (geojson)
            cJSON_AddBoolToObject(it, "located", 1);
        cJSON_AddItemToArray(items, geojson ? affected_feature(q, i, it) : it);
    }
    return out;
}

/* The run whose plans the list shows: with no scenario in the query, the
 * outage's own re-plan (rule 8); else the latest run of that scenario.  None
 * yet: a planner runs it on the primary, *reader then reads there. */
static enum pm_err affected_run(struct http_req *r, const char *id, long *run_id, PGconn **reader)
{
    struct plan_scenario s;
    static const char *const scen[] = { "hazard", "outage_hours", "speed_kmh", "detour",
                                        "margin_h", "start_at", NULL };
    int given = 0;

    if (plans_scenario_from_query(r, &s) != PM_OK)
        return r->err;
    for (int i = 0; scen[i]; i++)
        given |= http_query(r, scen[i]) != NULL;
    if (!given)
        s.outage_id = strtol(id, NULL, 10);
    *reader = r->db;
    *run_id = plan_latest_run(r->db, &s);
    if (!*run_id) {
        if (plans_run_for_read(r, &s, run_id) != PM_OK)
            return r->err;
        *reader = http_db_write(r);
    }
    plans_mark_read(r, *run_id);
    return PM_OK;
}

static enum pm_err audit_affected(struct http_req *r, const PGresult *q, const PGresult *u)
{
    struct pm_buf ids;
    enum pm_err e;
    int n = 0;

    pm_buf_init(&ids);
    pm_buf_puts(&ids, "{");
    for (int k = 0; k < 2; k++) {
        const PGresult *x = k ? u : q;

        for (int i = 0; i < PQntuples(x); i++)
            pm_buf_printf(&ids, "%s%s", n++ ? "," : "", PQgetvalue(x, i, C_ID));
    }
    pm_buf_puts(&ids, "}");
    e = ids.oom ? http_fail(r, PM_ERR_NOMEM, "out of memory")
                : http_audit(r, "outage.affected", ids.data);
    pm_buf_release(&ids);
    return e;
}

enum pm_err route_outage_affected(struct http_req *r)
{
    const char *f = http_query(r, "f");
    char id[24], run[24], *text = NULL;
    const char *p[2];
    cJSON *out = NULL;
    PGresult *q = NULL, *u = NULL;
    PGconn *reader = NULL;
    long run_id = 0;
    enum pm_err e;
    size_t len = 0;
    int pending;

    if (!f)
        f = "json";
    if (strcmp(f, "json") != 0 && strcmp(f, "geojson") != 0 && strcmp(f, "csv") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "f: must be json, geojson or csv");
    if (outage_id(r, id) != PM_OK || !http_db(r))
        return r->err;
    p[0] = id;
    q = db_exec(r->db, "outage_replan_state", 1, p);
    e = !db_ok(q) ? http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable")
        : PQntuples(q) != 1 ? http_fail(r, PM_ERR_NOT_FOUND, "no outage with id %s", id) : PM_OK;
    pending = e == PM_OK && PQgetvalue(q, 0, 0)[0] == 't';
    PQclear(q);
    q = NULL;
    if (e != PM_OK || affected_run(r, id, &run_id, &reader) != PM_OK)
        return r->err;
    snprintf(run, sizeof run, "%ld", run_id);
    p[1] = run;
    q = db_exec(reader, "outage_affected", 2, p);
    u = db_exec(reader, "outage_unlocated", 1, p + 1);
    if (!db_ok(q) || !db_ok(u)) {
        fprintf(stderr, "powermapd: affected: %s", PQresultErrorMessage(db_ok(q) ? u : q));
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    if ((e = audit_affected(r, q, u)) != PM_OK)
        goto out;
    if (strcmp(f, "csv") == 0) {
        text = affected_csv(q, u, &len);
        e = text ? http_reply(r, 200, "text/csv; charset=utf-8", text, len)
                 : http_fail(r, PM_ERR_NOMEM, "out of memory");
        text = NULL;
        goto out;
    }
    out = affected_doc(q, u, strcmp(f, "geojson") == 0, id, run_id, pending);
    text = out ? cJSON_PrintUnformatted(out) : NULL;
    e = text ? http_reply(r, 200, strcmp(f, "geojson") == 0 ? "application/geo+json"
                                                            : "application/json",
                          text, strlen(text))
             : http_fail(r, PM_ERR_NOMEM, "out of memory");
    text = NULL;
out:
    PQclear(q);
    PQclear(u);
    cJSON_Delete(out);
    free(text);
    return e;
}

enum pm_err route_webhook_deliveries(struct http_req *r)
{
    char lim[24], off[24];
    const char *p[2] = { lim, off };

    if (http_page(r, page_params, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "deliveries_list", 2, p);
}
