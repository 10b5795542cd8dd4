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
#include "server/geojson.h"
#include "server/upstream.h"
#include "server/util.h"

#define COPY_CHUNK_ROWS 5000

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends a row's reason: English, Japanese (see struct import_reject) and
 * its code. */
static int add_to(struct import_reject **list, size_t *count, long line, const char *reason,
                  const char *ja, const char *code)
{
    struct import_reject *n = realloc(*list, (*count + 1) * sizeof *n);

    if (!n)
        return -1;
    *list = n;
    n[*count].line = line;
    n[*count].code = code;
    n[*count].reason = strdup(reason);
    n[*count].ja = strdup(ja);
    if (!n[*count].reason || !n[*count].ja) {
        free(n[*count].reason);
        free(n[*count].ja);
        return -1;
    }
    (*count)++;
    return 0;
}

static int add_reject(struct import_report *rep, long line, const char *reason, const char *ja,
                      const char *code)
{
    return add_to(&rep->rejects, &rep->nrejects, line, reason, ja, code);
}

/* ------------------------------------------------------------------------- */
/* Geocoding: rows with an address and no lat/lon                              */
/* ------------------------------------------------------------------------- */

#define GEOCODE_TIMEOUT_MS 5000
#define GEOCODE_MAX_FAILURES 3      /* in a row: the service is down, stop asking */
#define GEOCODE_BUDGET_S 300        /* default total time for one import's geocoding */

static int geocode_budget_s = GEOCODE_BUDGET_S;

void import_set_geocode_budget(int seconds)
{
    geocode_budget_s = seconds > 0 ? seconds : GEOCODE_BUDGET_S;
}

/* Looks address up in the cache, then at the geocoder (caching the answer).
 * Returns 1 found, 0 not found, -1 unavailable (why in err). */
static int geocode(PGconn *c, const char *base, const char *address, double *lat, double *lon,
                   char *err, size_t errlen)
{
    const char *p[5];
    char title[256], la[32], lo[32];
    PGresult *res;
    int rc;

    p[0] = address;
    res = db_exec(c, "geocode_cached", 1, p);
    if (db_ok(res) && PQntuples(res) == 1) {
        rc = PQgetvalue(res, 0, 0)[0] == 't';
        if (rc) {
            *lat = strtod(PQgetvalue(res, 0, 1), NULL);
            *lon = strtod(PQgetvalue(res, 0, 2), NULL);
        }
        PQclear(res);
        return rc;
    }
    PQclear(res);
    rc = upstream_geocode(base, address, GEOCODE_TIMEOUT_MS, lat, lon, title, sizeof title, err,
                          errlen);
    if (rc < 0)
        return -1;
    snprintf(la, sizeof la, "%.9g", *lat);
    snprintf(lo, sizeof lo, "%.9g", *lon);
    p[1] = rc ? la : NULL;
    p[2] = rc ? lo : NULL;
    p[3] = rc ? title : NULL;
    p[4] = rc ? "t" : "f";
    res = db_exec(c, "geocode_store", 5, p);
    PQclear(res);
    return rc;
}

int import_geocode(PGconn *c, const char *base, const char *address, double *lat,
                   double *lon, char *err, size_t errlen)
{
    return geocode(c, base, address, lat, lon, err, errlen);
}

/* Places the rows that have an address but no lat/lon.  Values written into
 * the rows are kept in *owned (free each, then the array).  A shelter or
 * power point that cannot be placed is rejected; a child is kept without a
 * home point and reported.  Returns 0, or -1 on out-of-memory. */
static int geocode_rows(PGconn *c, struct fmt_result *fr, const struct import_opts *o,
                        struct import_report *rep, char ***owned, size_t *nowned)
{
    size_t ilat = 0, ilon = 0, iaddr = 0, keep = 0;
    int failures = 0, is_child = fr->kind == FMT_CHILDREN;
    int budget = geocode_budget_s;
    time_t start = time(NULL);
    char why[300];
    const char *ja, *code;

    for (size_t k = 0; k < fr->ncols; k++) {
        if (strcmp(fr->cols[k], "lat") == 0)
            ilat = k;
        else if (strcmp(fr->cols[k], "lon") == 0)
            ilon = k;
        else if (strcmp(fr->cols[k], "address") == 0)
            iaddr = k;
    }
    for (size_t i = 0; i < fr->nrows; i++) {
        struct fmt_row *row = &fr->rows[i];
        const char *addr = row->fields[iaddr];
        double lat = 0, lon = 0;
        char err[200] = "";
        int rc;

        if (row->fields[ilat] && row->fields[ilon]) {
            fr->rows[keep++] = *row;
            continue;
        }
        if (!addr || !*addr) {
            rc = 0;
            snprintf(err, sizeof err, "no address");
        } else if (!o->geocoder) {
            rc = -1;
            snprintf(err, sizeof err, "no geocoder is configured");
        } else if (failures >= GEOCODE_MAX_FAILURES) {
            rc = -1;
            snprintf(err, sizeof err, "the geocoder stopped answering");
        } else if (time(NULL) - start >= budget) {
            rc = -1;
            snprintf(err, sizeof err, "not reached: the import's geocoding time (%d s) ran out",
                     budget);
        } else {
            rc = geocode(c, o->geocoder, addr, &lat, &lon, err, sizeof err);
            failures = rc < 0 ? failures + 1 : 0;
        }
        if (rc == 1) {
            char **more = realloc(*owned, (*nowned + 2) * sizeof **owned);

            if (!more)
                return -1;
            *owned = more;
            more[*nowned] = malloc(32);
            more[*nowned + 1] = malloc(32);
            if (!more[*nowned] || !more[*nowned + 1]) {
                free(more[*nowned]);
                free(more[*nowned + 1]);
                return -1;
            }
            snprintf(more[*nowned], 32, "%.9g", lat);
            snprintf(more[*nowned + 1], 32, "%.9g", lon);
            row->fields[ilat] = more[*nowned];
            row->fields[ilon] = more[*nowned + 1];
            *nowned += 2;
            rep->geocoded++;
            fr->rows[keep++] = *row;
            continue;
        }
        if (rc == 0)
            snprintf(why, sizeof why, "lat/lon: missing, and the address was not found by the "
                                      "geocoder");
        else
            snprintf(why, sizeof why, "lat/lon: missing, and the address could not be geocoded "
                                      "(%.150s)", err);
        ja = rc == 0 ? "address\x1e緯度・経度がなく、この住所から位置が見つかりませんでした"
                     : "address\x1e緯度・経度がなく、住所から位置を求められませんでした"
                       "（位置を調べるサービスに届きません）";
        code = rc == 0 ? "address_not_found" : "geocoder_unavailable";
        if (is_child) {
            /* Never dropped: kept without a home point; its plan says why. */
            if (add_to(&rep->warnings, &rep->nwarnings, row->line, why, ja, code) < 0)
                return -1;
            fr->rows[keep++] = *row;
        } else if (add_reject(rep, row->line, why, ja, code) < 0) {
            return -1;
        }
    }
    fr->nrows = keep;
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
            db_copy_field(&b, row->fields[k]);
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

/* The text[] literal of the canonical columns the file has (malloc'd). */
static char *present_columns(const struct fmt_result *fr)
{
    const char *names[FMT_MAX_COLS];
    struct pm_buf b;
    size_t n = 0;

    for (size_t k = 0; k < fr->ncols; k++)
        if (fr->present[k])
            names[n++] = fr->cols[k];
    pm_buf_init(&b);
    db_text_array(&b, names, n);
    return pm_buf_finish(&b, NULL);
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
        char reason[256], ja[256];

        snprintf(reason, sizeof reason, "child_external_id: no child \"%.64s\"",
                 PQgetvalue(res, i, 1));
        snprintf(ja, sizeof ja, "child_external_id\x1e「%.64s」の児童が登録されていません",
                 PQgetvalue(res, i, 1));
        if (add_reject(rep, strtol(PQgetvalue(res, i, 0), NULL, 10), reason, ja,
                       "unknown_child") < 0)
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

/* PM_ERR_UNAVAILABLE when the connection is gone, else PM_ERR_INTERNAL: a
 * statement the database refused. */
static enum pm_err db_error(PGconn *c)
{
    return PQstatus(c) == CONNECTION_OK ? PM_ERR_INTERNAL : PM_ERR_UNAVAILABLE;
}

/* Writes the accepted rows of fr: stage, COPY, one set-based upsert, in the
 * caller's transaction.  PM_OK, PM_ERR_UNPROCESSABLE (devices of unknown
 * children, not partial), or an error with rep->error set. */

/* Children: the rows the registry took as reports of a child it already had
 * (sql/0091_duplicates.sql), merged or queued, are not "unchanged". */
static enum pm_err count_reports(PGconn *c, struct import_report *rep, char *err, size_t errlen)
{
    PGresult *res = db_exec(c, "import_reports_count", 0, NULL);

    if (!db_ok(res)) {
        fail_db(c, res, "write", err, errlen);
        PQclear(res);
        return db_error(c);
    }
    rep->merged = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    rep->queued = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    rep->unchanged -= rep->merged + rep->queued < rep->unchanged ? rep->merged + rep->queued
                                                                : rep->unchanged;
    PQclear(res);
    return PM_OK;
}

static enum pm_err import_write(PGconn *c, const struct fmt_result *fr,
                                const struct import_opts *o, struct import_report *rep)
{
    static const char *const stage_q[] = { "stage_children", "stage_devices", "stage_shelters",
                                           "stage_power_points", "stage_facilities" };
    static const char *const copy_q[] = { "copy_children", "copy_devices", "copy_shelters",
                                          "copy_power_points", "copy_facilities" };
    static const char *const upsert_q[] = { "upsert_children", "upsert_devices",
                                            "upsert_shelters", "upsert_power_points",
                                            "upsert_facilities" };
    enum fmt_kind kind = fr->kind;
    char *err = rep->error, *present = NULL;
    size_t errlen = sizeof rep->error;
    PGresult *res = NULL;
    enum pm_err e = PM_OK;

    if (o->actor) {
        const char *p[1] = { o->actor };

        res = db_exec(c, "set_actor", 1, p);
        if (!db_ok(res))
            goto dberr;
        PQclear(res);
    }
    res = db_exec(c, stage_q[kind], 0, NULL);
    if (!db_ok(res))
        goto dberr;
    PQclear(res);
    res = NULL;
    if (fr->nrows && copy_rows(c, copy_q[kind], fr, o, err, errlen) < 0)
        return db_error(c);
    if (kind == FMT_DEVICES) {
        if (check_device_children(c, rep, o->partial, err, errlen) < 0)
            return db_error(c);
        if (rep->nrejects && !o->partial)
            return PM_ERR_UNPROCESSABLE;
    }
    present = present_columns(fr);
    if (!present) {
        snprintf(err, errlen, "out of memory");
        return PM_ERR_NOMEM;
    }
    {
        const char *p[1] = { present };

        res = db_exec(c, upsert_q[kind], kind == FMT_DEVICES ? 0 : 1, p);
    }
    free(present);
    if (!db_ok(res))
        goto dberr;
    rep->inserted = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    rep->updated = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    if (kind == FMT_DEVICES) {
        /* Devices are replaced per child: report rows written and removed. */
        size_t written = rep->inserted, removed = rep->updated;

        rep->updated = removed < written ? removed : written;
        rep->inserted = written - rep->updated;
        rep->unchanged = rep->rows - rep->nrejects - written;
    } else {
        rep->unchanged = fr->nrows - rep->inserted - rep->updated;
    }
    PQclear(res);
    if (kind == FMT_CHILDREN)
        return count_reports(c, rep, err, errlen);
    return e;
dberr:
    fail_db(c, res, "write", err, errlen);
    PQclear(res);
    return db_error(c);
}

static enum pm_err import_csv(PGconn *c, enum fmt_kind kind, const char *data, size_t len,
                              const struct import_opts *o, struct import_report *rep)
{
    struct fmt_result fr;
    char **owned = NULL;
    size_t nowned = 0;
    enum pm_err e;

    e = fmt_parse(kind, data, len, &fr, rep->error, sizeof rep->error);
    if (e != PM_OK)
        goto out;
    rep->format = fr.format;
    rep->encoding = fr.encoding;
    rep->rows = fr.nrows + fr.nrejects;
    e = PM_ERR_NOMEM;
    for (size_t i = 0; i < fr.nrejects; i++)
        if (add_reject(rep, fr.rejects[i].line, fr.rejects[i].reason, fr.rejects[i].ja,
                       fr.rejects[i].code) < 0)
            goto out;
    if (kind != FMT_DEVICES && geocode_rows(c, &fr, o, rep, &owned, &nowned) < 0)
        goto out;
    if (kind == FMT_CHILDREN)
        for (size_t i = 0; i < fr.nrows; i++)
            if (!fr.rows[i].fields[5])
                rep->without_location++;
    if (rep->nrejects && !o->partial) {
        e = PM_ERR_UNPROCESSABLE;
        goto out;
    }
    if (!o->in_transaction && db_command(c, "BEGIN", rep->error, sizeof rep->error) < 0) {
        e = PM_ERR_UNAVAILABLE;
        goto out;
    }
    e = import_write(c, &fr, o, rep);
    if (!o->in_transaction && e == PM_OK
        && db_command(c, "COMMIT", rep->error, sizeof rep->error) < 0)
        e = db_error(c);
    else if (!o->in_transaction && e != PM_OK)
        db_command(c, "ROLLBACK", NULL, 0);
    rep->committed = e == PM_OK;
out:
    if (e == PM_ERR_NOMEM && !rep->error[0])
        snprintf(rep->error, sizeof rep->error, "out of memory");
    fmt_result_release(&fr);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    if (rep->nrejects > 1)
        qsort(rep->rejects, rep->nrejects, sizeof *rep->rejects, sort_rejects_cmp);
    return e;
}

/* ------------------------------------------------------------------------- */
/* Hazard areas (GeoJSON)                                                      */
/* ------------------------------------------------------------------------- */

static const char *const hazard_names[] = { "flood", "landslide", "storm_surge", "earthquake",
                                            "tsunami", "fire", "inland_flood", "volcano", NULL };

/* What is wrong with a hazard feature (English, with its Japanese and code),
 * or NULL. */
static const char *feature_problem(int known_hazard, const cJSON *lv, const cJSON *geom,
                                   const char **ja, const char **code)
{
    const char *why;

    if (!known_hazard) {
        *ja = "hazard\x1e災害の種類がありません（--hazard で指定できます）";
        *code = "bad_hazard";
        return "hazard: must be one of flood, landslide, storm_surge, earthquake, tsunami, "
               "fire, inland_flood, volcano";
    }
    if (lv && !cJSON_IsNull(lv) && (!cJSON_IsNumber(lv) || lv->valuedouble != floor(lv->valuedouble)
                                    || fabs(lv->valuedouble) > 1e6)) {
        *ja = "level\x1e整数ではありません";
        *code = "bad_number";
        return "level: must be an integer";
    }
    why = geojson_check_polygon(geom);
    *ja = "geometry\x1e形状が正しくありません（ポリゴンかマルチポリゴンにしてください）";
    *code = "invalid_geometry";
    return why;
}

static enum pm_err import_hazards(PGconn *c, const char *data, size_t len,
                                  const struct import_opts *o, struct import_report *rep)
{
    char *err = rep->error;
    size_t errlen = sizeof rep->error;
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *features, *f;
    long n = 0;
    enum pm_err rc = PM_ERR_BAD_REQUEST;

    rep->format = "geojson";
    rep->encoding = "utf-8";
    if (!root) {
        snprintf(err, errlen, "hazards: not valid JSON (near byte %ld)",
                 cJSON_GetErrorPtr() ? (long)(cJSON_GetErrorPtr() - data) : 0L);
        return PM_ERR_BAD_REQUEST;
    }
    features = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(features)) {
        snprintf(err, errlen, "hazards: expected a GeoJSON FeatureCollection with \"features\"");
        goto out;
    }
    rc = PM_ERR_UNAVAILABLE;
    if (!o->in_transaction && db_command(c, "BEGIN", err, errlen) < 0)
        goto out;
    rc = PM_ERR_NOMEM;
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
        const char *why = NULL, *ja = NULL, *code = NULL;
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
        why = feature_problem(known, lv, geom, &ja, &code);
        if (why) {
            snprintf(reason, sizeof reason, "feature %ld: %s", n, why);
            if (add_reject(rep, n, reason, ja, code) < 0)
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
            rc = db_error(c);
            goto rollback;
        }
        if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
            snprintf(reason, sizeof reason, "feature %ld: invalid geometry: %.200s", n,
                     PQgetvalue(res, 0, 2));
            if (add_reject(rep, n, reason, "geometry\x1e形状が正しくありません（自己交差など）",
                           "invalid_geometry") < 0) {
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
        if (!o->in_transaction)
            db_command(c, "ROLLBACK", NULL, 0);
        rep->inserted = rep->updated = rep->unchanged = 0;
        rc = PM_ERR_UNPROCESSABLE;
        goto out;
    }
    if (!o->in_transaction && db_command(c, "COMMIT", err, errlen) < 0) {
        rc = db_error(c);
        goto out;
    }
    rep->committed = 1;
    rc = PM_OK;
    goto out;
rollback:
    if (!*err)
        snprintf(err, errlen, "out of memory");
    if (!o->in_transaction)
        db_command(c, "ROLLBACK", NULL, 0);
out:
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------------------- */

enum pm_err import_run(PGconn *c, const char *kind, const char *data, size_t len,
                       const struct import_opts *o, struct import_report *rep)
{
    enum fmt_kind k;
    double t0 = now_s();
    enum pm_err e;

    memset(rep, 0, sizeof *rep);
    snprintf(rep->kind, sizeof rep->kind, "%s", kind);
    if (strcmp(kind, "hazards") == 0) {
        e = import_hazards(c, data, len, o, rep);
    } else if (fmt_kind_from_name(kind, &k) == 0) {
        e = import_csv(c, k, data, len, o, rep);
    } else {
        snprintf(rep->error, sizeof rep->error, "kind: must be children, devices, shelters, "
                 "power-points, facilities or hazards");
        e = PM_ERR_NOT_FOUND;
    }
    if (e == PM_ERR_UNPROCESSABLE)
        rep->inserted = rep->updated = rep->unchanged = 0;
    rep->seconds = now_s() - t0;
    if (o->progress_fd >= 0 && write(o->progress_fd, "\r\033[K", 4) < 0)
        return e;           /* the terminal went away; the import is done */
    return e;
}

void import_report_release(struct import_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nrejects; i++) {
        free(rep->rejects[i].reason);
        free(rep->rejects[i].ja);
    }
    free(rep->rejects);
    rep->rejects = NULL;
    rep->nrejects = 0;
    for (size_t i = 0; i < rep->nwarnings; i++) {
        free(rep->warnings[i].reason);
        free(rep->warnings[i].ja);
    }
    free(rep->warnings);
    rep->warnings = NULL;
    rep->nwarnings = 0;
}
