/* import.c -- write an import file into the database, all or nothing.
 *
 * CSV kinds: formats.c checks every row and rewrites it in canonical form;
 * the accepted rows are COPYed into a temporary staging table and written
 * with one set-based upsert (sql/queries.sql, upsert_<kind>).  Hazard areas
 * arrive as GeoJSON and are checked by PostGIS (ST_IsValid) feature by
 * feature.  One transaction: when anything is rejected the transaction is
 * rolled back, unless the caller asked for a partial import. */
#include "server/import.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/db.h"
#include "server/formats.h"
#include "server/util.h"

#define COPY_CHUNK_ROWS 5000

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_reject(struct import_report *rep, long line, const char *reason)
{
    struct import_reject *n = realloc(rep->rejects, (rep->nrejects + 1) * sizeof *n);

    if (!n)
        return -1;
    rep->rejects = n;
    n[rep->nrejects].line = line;
    n[rep->nrejects].reason = strdup(reason);
    if (!n[rep->nrejects].reason)
        return -1;
    rep->nrejects++;
    return 0;
}

static void progress(const struct import_opts *o, const char *stage, size_t done,
                     size_t total, double t0)
{
    char line[160];
    double dt = now_s() - t0;
    int n;

    if (o->progress_fd < 0)
        return;
    n = snprintf(line, sizeof line, "\r%s: %zu/%zu rows, %.0f rows/s   ", stage, done, total,
                 dt > 0 ? (double)done / dt : 0.0);
    if (n > 0 && write(o->progress_fd, line, (size_t)n) < 0)
        return;
}

/* Appends v to b escaped for COPY text format; NULL becomes \N. */
static void copy_field(struct pm_buf *b, const char *v)
{
    const char *run;

    if (!v) {
        pm_buf_puts(b, "\\N");
        return;
    }
    for (run = v; *v; v++) {
        const char *rep = NULL;

        switch (*v) {
        case '\\': rep = "\\\\"; break;
        case '\t': rep = "\\t"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        default: continue;
        }
        pm_buf_append(b, run, (size_t)(v - run));
        pm_buf_puts(b, rep);
        run = v + 1;
    }
    pm_buf_append(b, run, (size_t)(v - run));
}

static int fail_db(PGconn *c, const PGresult *res, const char *what, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
    size_t n;

    snprintf(err, errlen, "%s: %s", what, msg && *msg ? msg : "database error");
    n = strlen(err);
    while (n && err[n - 1] == '\n')
        err[--n] = '\0';
    return -1;
}

/* COPYs the accepted rows (skipping those marked in skip) into the staging
 * table of the kind.  Returns 0 or -1 with err. */
static int copy_rows(PGconn *c, const char *copy_query, const struct fmt_result *fr,
                     const struct import_opts *o, char *err, size_t errlen)
{
    struct pm_buf b;
    PGresult *res;
    int rc = -1;
    double t0 = now_s();

    pm_buf_init(&b);
    res = db_exec(c, copy_query, 0, NULL);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        fail_db(c, res, "copy", err, errlen);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    for (size_t i = 0; i < fr->nrows; i++) {
        const struct fmt_row *row = &fr->rows[i];

        pm_buf_printf(&b, "%ld", row->line);
        for (size_t k = 0; k < fr->ncols; k++) {
            pm_buf_puts(&b, "\t");
            copy_field(&b, row->fields[k]);
        }
        pm_buf_puts(&b, "\n");
        if (b.oom) {
            snprintf(err, errlen, "out of memory");
            PQputCopyEnd(c, "out of memory");
            goto drain;
        }
        if ((i + 1) % COPY_CHUNK_ROWS == 0 || i + 1 == fr->nrows) {
            if (PQputCopyData(c, b.data, (int)b.len) != 1) {
                fail_db(c, NULL, "copy", err, errlen);
                goto drain;
            }
            b.len = 0;
            progress(o, "staging", i + 1, fr->nrows, t0);
        }
    }
    if (PQputCopyEnd(c, NULL) != 1) {
        fail_db(c, NULL, "copy", err, errlen);
        goto drain;
    }
    rc = 0;
drain:
    while ((res = PQgetResult(c))) {
        if (rc == 0 && !db_ok(res))
            rc = fail_db(c, res, "copy", err, errlen);
        PQclear(res);
    }
    pm_buf_release(&b);
    return rc;
}

/* The text[] literal of the canonical columns the file has. */
static char *present_columns(const struct fmt_result *fr)
{
    struct pm_buf b;

    pm_buf_init(&b);
    pm_buf_puts(&b, "{");
    for (size_t k = 0, n = 0; k < fr->ncols; k++) {
        if (!fr->present[k])
            continue;
        pm_buf_printf(&b, "%s\"%s\"", n++ ? "," : "", fr->cols[k]);
    }
    pm_buf_puts(&b, "}");
    return pm_buf_steal(&b, NULL);
}

/* Rejects device rows whose child is unknown.  Returns 0 or -1 with err. */
static int check_device_children(PGconn *c, struct import_report *rep, int partial,
                                 char *err, size_t errlen)
{
    PGresult *res = db_exec(c, "devices_unknown_children", 0, NULL);
    struct pm_buf lines;
    int rc = 0;

    if (!db_ok(res)) {
        fail_db(c, res, "devices", err, errlen);
        PQclear(res);
        return -1;
    }
    pm_buf_init(&lines);
    pm_buf_puts(&lines, "{");
    for (int i = 0; i < PQntuples(res); i++) {
        char reason[256];

        snprintf(reason, sizeof reason, "child_external_id: no child \"%.64s\"",
                 PQgetvalue(res, i, 1));
        if (add_reject(rep, strtol(PQgetvalue(res, i, 0), NULL, 10), reason) < 0)
            rc = -1;
        pm_buf_printf(&lines, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
    }
    pm_buf_puts(&lines, "}");
    if (PQntuples(res) > 0 && partial && rc == 0) {
        const char *p[1] = { lines.data };
        PGresult *d = db_exec(c, "devices_drop_lines", 1, p);

        if (!db_ok(d))
            rc = fail_db(c, d, "devices", err, errlen);
        PQclear(d);
    }
    if (rc < 0 && !*err)
        snprintf(err, errlen, "out of memory");
    PQclear(res);
    pm_buf_release(&lines);
    return rc;
}

static int sort_rejects_cmp(const void *a, const void *b)
{
    const struct import_reject *x = a, *y = b;

    return (x->line > y->line) - (x->line < y->line);
}

static int import_csv(PGconn *c, enum fmt_kind kind, const char *data, size_t len,
                      const struct import_opts *o, struct import_report *rep,
                      char *err, size_t errlen)
{
    static const char *const stage_q[] = { "stage_children", "stage_devices", "stage_shelters",
                                           "stage_power_points" };
    static const char *const copy_q[] = { "copy_children", "copy_devices", "copy_shelters",
                                          "copy_power_points" };
    static const char *const upsert_q[] = { "upsert_children", "upsert_devices",
                                            "upsert_shelters", "upsert_power_points" };
    struct fmt_result fr;
    PGresult *res = NULL;
    char *present = NULL;
    int rc = -1;

    memset(&fr, 0, sizeof fr);
    if (fmt_parse(kind, data, len, &fr, err, errlen) < 0)
        goto out;
    rep->format = fr.format;
    rep->encoding = fr.encoding;
    rep->rows = fr.nrows + fr.nrejects;
    for (size_t i = 0; i < fr.nrejects; i++)
        if (add_reject(rep, fr.rejects[i].line, fr.rejects[i].reason) < 0)
            goto nomem;

    /* A shelter or power point needs a place; geocoding is not configured. */
    if (kind == FMT_SHELTERS || kind == FMT_POWER_POINTS) {
        size_t keep = 0;

        for (size_t i = 0; i < fr.nrows; i++) {
            if (!fr.rows[i].fields[3] || !fr.rows[i].fields[4]) {
                if (add_reject(rep, fr.rows[i].line,
                               "lat/lon: missing, and no geocoder is configured for the address") < 0)
                    goto nomem;
                continue;
            }
            fr.rows[keep++] = fr.rows[i];
        }
        fr.nrows = keep;
    }
    if (kind == FMT_CHILDREN)
        for (size_t i = 0; i < fr.nrows; i++)
            if (!fr.rows[i].fields[5])
                rep->without_location++;

    if (rep->nrejects && !o->partial) {
        rc = 1;
        goto out;
    }
    if (!o->in_transaction && db_command(c, "BEGIN", err, errlen) < 0)
        goto out;
    if (o->actor) {
        const char *p[1] = { o->actor };

        res = db_exec(c, "set_actor", 1, p);
        if (!db_ok(res)) {
            fail_db(c, res, "actor", err, errlen);
            goto rollback;
        }
        PQclear(res);
        res = NULL;
    }
    res = db_exec(c, stage_q[kind], 0, NULL);
    if (!db_ok(res)) {
        fail_db(c, res, "staging", err, errlen);
        goto rollback;
    }
    PQclear(res);
    res = NULL;
    if (fr.nrows && copy_rows(c, copy_q[kind], &fr, o, err, errlen) < 0)
        goto rollback;
    if (kind == FMT_DEVICES) {
        if (check_device_children(c, rep, o->partial, err, errlen) < 0)
            goto rollback;
        if (rep->nrejects && !o->partial) {
            rc = 1;
            goto rollback;
        }
    }
    present = present_columns(&fr);
    if (!present)
        goto nomem;
    {
        const char *p[1] = { present };

        res = db_exec(c, upsert_q[kind], kind == FMT_DEVICES ? 0 : 1, p);
    }
    if (!db_ok(res)) {
        fail_db(c, res, "write", err, errlen);
        goto rollback;
    }
    rep->inserted = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    rep->updated = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    if (kind == FMT_DEVICES) {
        /* Devices are replaced per child: report rows written and removed. */
        size_t written = rep->inserted, removed = rep->updated;

        rep->updated = removed < written ? removed : written;
        rep->inserted = written - rep->updated;
        rep->unchanged = rep->rows - rep->nrejects - written;
    } else {
        rep->unchanged = fr.nrows - rep->inserted - rep->updated;
    }
    PQclear(res);
    res = NULL;
    if (!o->in_transaction && db_command(c, "COMMIT", err, errlen) < 0)
        goto out;
    rep->committed = 1;
    rc = 0;
    goto out;

nomem:
    snprintf(err, errlen, "out of memory");
    rc = -1;
rollback:
    PQclear(res);
    res = NULL;
    if (!o->in_transaction)
        db_command(c, "ROLLBACK", NULL, 0);
out:
    PQclear(res);
    free(present);
    fmt_result_release(&fr);
    if (rep->nrejects > 1)
        qsort(rep->rejects, rep->nrejects, sizeof *rep->rejects, sort_rejects_cmp);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Hazard areas (GeoJSON)                                                      */
/* ------------------------------------------------------------------------- */

static const char *const hazard_names[] = { "flood", "landslide", "storm_surge", "earthquake",
                                            "tsunami", "fire", "inland_flood", "volcano", NULL };

/* Checks a ring: an array of at least four [lon, lat] positions in range, the
 * last equal to the first.  Returns NULL or the problem. */
static const char *check_ring(const cJSON *ring)
{
    int n = cJSON_GetArraySize(ring);
    const cJSON *first, *last;

    if (!cJSON_IsArray(ring) || n < 4)
        return "a ring needs at least 4 positions";
    for (const cJSON *pos = ring->child; pos; pos = pos->next) {
        const cJSON *x = cJSON_GetArrayItem(pos, 0), *y = cJSON_GetArrayItem(pos, 1);

        if (!cJSON_IsArray(pos) || !cJSON_IsNumber(x) || !cJSON_IsNumber(y))
            return "a position must be [lon, lat]";
        if (!isfinite(x->valuedouble) || fabs(x->valuedouble) > 180 ||
            !isfinite(y->valuedouble) || fabs(y->valuedouble) > 90)
            return "a position is out of range (lon -180..180, lat -90..90)";
    }
    first = ring->child;
    last = cJSON_GetArrayItem(ring, n - 1);
    if (cJSON_GetArrayItem(first, 0)->valuedouble != cJSON_GetArrayItem(last, 0)->valuedouble ||
        cJSON_GetArrayItem(first, 1)->valuedouble != cJSON_GetArrayItem(last, 1)->valuedouble)
        return "a ring is not closed (last position differs from the first)";
    return NULL;
}

static const char *check_polygon_coords(const cJSON *poly)
{
    if (!cJSON_IsArray(poly) || cJSON_GetArraySize(poly) < 1)
        return "a polygon needs at least one ring";
    for (const cJSON *ring = poly->child; ring; ring = ring->next) {
        const char *why = check_ring(ring);

        if (why)
            return why;
    }
    return NULL;
}

/* Checks a GeoJSON geometry object for being a well-formed Polygon or
 * MultiPolygon.  Returns NULL or the problem (PostGIS then checks validity). */
static const char *check_geometry(const cJSON *g)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "type");
    const cJSON *coords = cJSON_GetObjectItemCaseSensitive(g, "coordinates");

    if (!cJSON_IsObject(g) || !cJSON_IsString(type))
        return "geometry: missing or without a type";
    if (strcmp(type->valuestring, "Polygon") == 0)
        return check_polygon_coords(coords);
    if (strcmp(type->valuestring, "MultiPolygon") == 0) {
        if (!cJSON_IsArray(coords) || cJSON_GetArraySize(coords) < 1)
            return "a MultiPolygon needs at least one polygon";
        for (const cJSON *p = coords->child; p; p = p->next) {
            const char *why = check_polygon_coords(p);

            if (why)
                return why;
        }
        return NULL;
    }
    return "geometry: must be a Polygon or MultiPolygon";
}

static int import_hazards(PGconn *c, const char *data, size_t len, const struct import_opts *o,
                          struct import_report *rep, char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *features, *f;
    long n = 0;
    int rc = -1;

    rep->format = "geojson";
    rep->encoding = "utf-8";
    if (!root) {
        snprintf(err, errlen, "hazards: not valid JSON (near byte %ld)",
                 cJSON_GetErrorPtr() ? (long)(cJSON_GetErrorPtr() - data) : 0L);
        return -1;
    }
    features = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(features)) {
        snprintf(err, errlen, "hazards: expected a GeoJSON FeatureCollection with \"features\"");
        goto out;
    }
    if (db_command(c, "BEGIN", err, errlen) < 0)
        goto out;
    if (o->actor) {
        const char *p[1] = { o->actor };
        PGresult *res = db_exec(c, "set_actor", 1, p);

        PQclear(res);
    }
    cJSON_ArrayForEach(f, features) {
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(f, "properties");
        const cJSON *geom = cJSON_GetObjectItemCaseSensitive(f, "geometry");
        const cJSON *hz = cJSON_GetObjectItemCaseSensitive(props, "hazard");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(props, "level");
        const cJSON *ext = cJSON_GetObjectItemCaseSensitive(props, "external_id");
        const char *why = NULL;
        char level[32], reason[300];
        char *gtext = NULL;
        const char *p[4];
        PGresult *res;
        int known = 0;

        n++;
        rep->rows++;
        for (int i = 0; hazard_names[i]; i++)
            if (cJSON_IsString(hz) && strcmp(hz->valuestring, hazard_names[i]) == 0)
                known = 1;
        if (!known)
            why = "hazard: must be one of flood, landslide, storm_surge, earthquake, tsunami, "
                  "fire, inland_flood, volcano";
        else if (lv && !cJSON_IsNull(lv) &&
                 (!cJSON_IsNumber(lv) || lv->valuedouble != floor(lv->valuedouble) ||
                  fabs(lv->valuedouble) > 1e6))
            why = "level: must be an integer";
        else
            why = check_geometry(geom);
        if (why) {
            snprintf(reason, sizeof reason, "feature %ld: %s", n, why);
            if (add_reject(rep, n, reason) < 0)
                goto rollback;
            continue;
        }
        snprintf(level, sizeof level, "%ld", cJSON_IsNumber(lv) ? (long)lv->valuedouble : 0L);
        gtext = cJSON_PrintUnformatted(geom);
        if (!gtext)
            goto rollback;
        p[0] = cJSON_IsString(ext) ? ext->valuestring : NULL;
        p[1] = hz->valuestring;
        p[2] = cJSON_IsNumber(lv) ? level : NULL;
        p[3] = gtext;
        res = db_exec(c, "upsert_hazard", 4, p);
        free(gtext);
        if (!db_ok(res)) {
            fail_db(c, res, "hazards", err, errlen);
            PQclear(res);
            goto rollback;
        }
        if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
            snprintf(reason, sizeof reason, "feature %ld: invalid geometry: %.200s", n,
                     PQgetvalue(res, 0, 2));
            if (add_reject(rep, n, reason) < 0) {
                PQclear(res);
                goto rollback;
            }
        } else if (PQgetisnull(res, 0, 0)) {
            rep->unchanged++;
        } else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
            rep->inserted++;
        } else {
            rep->updated++;
        }
        PQclear(res);
    }
    if (rep->nrejects && !o->partial) {
        db_command(c, "ROLLBACK", NULL, 0);
        rep->inserted = rep->updated = rep->unchanged = 0;
        rc = 1;
        goto out;
    }
    if (db_command(c, "COMMIT", err, errlen) < 0)
        goto out;
    rep->committed = 1;
    rc = 0;
    goto out;
rollback:
    if (!*err)
        snprintf(err, errlen, "out of memory");
    db_command(c, "ROLLBACK", NULL, 0);
out:
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------------------- */

int import_run(PGconn *c, const char *kind, const char *data, size_t len,
               const struct import_opts *o, struct import_report *rep,
               char *err, size_t errlen)
{
    enum fmt_kind k;
    double t0 = now_s();
    int rc;

    memset(rep, 0, sizeof *rep);
    err[0] = '\0';
    snprintf(rep->kind, sizeof rep->kind, "%s", kind);
    if (strcmp(kind, "hazards") == 0)
        rc = import_hazards(c, data, len, o, rep, err, errlen);
    else if (fmt_kind_from_name(kind, &k) == 0)
        rc = import_csv(c, k, data, len, o, rep, err, errlen);
    else {
        snprintf(err, errlen,
                 "kind: must be children, devices, shelters, power-points or hazards");
        rc = -1;
    }
    if (rc == 1) {
        rep->inserted = rep->updated = rep->unchanged = 0;
    }
    rep->seconds = now_s() - t0;
    if (o->progress_fd >= 0 && write(o->progress_fd, "\r\033[K", 4) < 0)
        return rc;          /* the terminal went away; the import is done */
    return rc;
}

char *import_report_json(const struct import_report *rep)
{
    struct pm_buf b;

    pm_buf_init(&b);
    pm_buf_printf(&b, "{\"kind\":\"%s\",\"format\":\"%s\",\"encoding\":\"%s\",\"committed\":%s,"
                      "\"rows\":%zu,\"inserted\":%zu,\"updated\":%zu,\"unchanged\":%zu,"
                      "\"rejected\":%zu,",
                  rep->kind, rep->format ? rep->format : "", rep->encoding ? rep->encoding : "",
                  rep->committed ? "true" : "false", rep->rows, rep->inserted, rep->updated,
                  rep->unchanged, rep->nrejects);
    if (strcmp(rep->kind, "children") == 0)
        pm_buf_printf(&b, "\"without_location\":%zu,", rep->without_location);
    pm_buf_printf(&b, "\"seconds\":%.3f,\"rejects\":[", rep->seconds);
    for (size_t i = 0; i < rep->nrejects; i++) {
        pm_buf_printf(&b, "%s{\"line\":%ld,\"reason\":\"", i ? "," : "", rep->rejects[i].line);
        pm_buf_json_escape(&b, rep->rejects[i].reason);
        pm_buf_puts(&b, "\"}");
    }
    pm_buf_puts(&b, "]}");
    if (b.oom) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_steal(&b, NULL);
}

void import_report_release(struct import_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nrejects; i++)
        free(rep->rejects[i].reason);
    free(rep->rejects);
    rep->rejects = NULL;
    rep->nrejects = 0;
}
