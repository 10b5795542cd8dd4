/* routes_registry.c -- /v1/children, /v1/shelters, /v1/power-points,
 * /v1/facilities.
 *
 * Records are read as JSON built by the database (powermap_*_json in sql/).
 * A write is one record: the JSON body becomes canonical column names and
 * values in file form, checked by the same row-level validator as every
 * line of an import file (fmt_check_row), and written by one single-row
 * upsert that returns the id in the same transaction (write_one_<kind>,
 * sql/queries_registry_gen.sql).  A child's devices are checked alike and
 * replaced in that transaction (child_devices_replace). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv.h"
#include "server/db.h"
#include "server/formats.h"
#include "server/import.h"
#include "server/ingest_msgs.h"
#include "server/maps.h"
#include "server/routes.h"

struct resource {
    const char *kind;           /* path segment */
    enum fmt_kind fmt;
    const char *what;           /* "child", for messages */
    const char *list_q, *get_q, *lock_q, *write_q, *delete_q;
    int children;               /* audited, devices nested */
    int private_points;         /* non-public rows hidden without a token */
};

static const struct resource children_res = {
    "children", FMT_CHILDREN, "child", "roster_items", "child_get", "child_lock",
    "write_one_children", "child_delete", 1, 0
};
static const struct resource shelters_res = {
    "shelters", FMT_SHELTERS, "shelter", "shelters_list", "shelter_get", "shelter_lock",
    "write_one_shelters", "shelter_delete", 0, 0
};
static const struct resource points_res = {
    "power-points", FMT_POWER_POINTS, "power point", "power_points_list", "power_point_get",
    "power_point_lock", "write_one_power_points", "power_point_delete", 0, 1
};
static const struct resource facilities_res = {
    "facilities", FMT_FACILITIES, "facility", "facilities_list", "facility_get",
    "facility_lock", "write_one_facilities", "facility_delete", 0, 0
};

/* Fields of a record that the server computes: accepted in a body (so that
 * a record read can be written back) and ignored. */
static const char *const read_only[] = { "id", "created_at", "updated_at", "need_w", "runtime_h",
                                         "plan", NULL };
static const char *const skip_devices[] = { "devices", NULL };
static const char *const device_read_only[] = { "id", NULL };

static int in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* 1 when s is empty or only spaces, tabs and U+3000.  The importer trims
 * those and skips a row whose cells are all blank, so a record with a blank
 * external_id and nothing else was not written: a 500 (found by fuzz_json). */
static int blank(const char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else
            return *s == '\0';
    }
}

/* ------------------------------------------------------------------------- */
/* JSON bodies to checked rows                                                 */
/* ------------------------------------------------------------------------- */

/* A record as names and values in file form; values[i] may be owned[i]. */
struct row_in {
    const char *names[FMT_MAX_COLS];
    const char *values[FMT_MAX_COLS];
    char *owned[FMT_MAX_COLS];
    size_t n;
};

static void row_in_release(struct row_in *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->owned[i]);
    in->n = 0;
}

/* The file form of one JSON value of API type t (fmt_json_type).  Returns
 * the text (in *owned when allocated) or NULL with *why set. */
static const char *json_text(const cJSON *v, char t, char **owned, const char **why)
{
    struct pm_buf b;
    const cJSON *it;

    *owned = NULL;
    if (cJSON_IsNull(v))
        return "";
    switch (t) {
    case 'n':
        if (!cJSON_IsNumber(v))
            return *why = "must be a number", NULL;
        *owned = malloc(32);
        if (*owned)
            snprintf(*owned, 32, "%.17g", v->valuedouble);
        return *owned ? *owned : (*why = "out of memory", NULL);
    case 'b':
        if (!cJSON_IsBool(v))
            return *why = "must be true or false", NULL;
        return cJSON_IsTrue(v) ? "true" : "false";
    case 'l':
        if (!cJSON_IsArray(v))
            return *why = "must be a list of strings", NULL;
        pm_buf_init(&b);
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsString(it) || strchr(it->valuestring, ';')) {
                pm_buf_release(&b);
                return *why = "must be a list of strings without \";\"", NULL;
            }
            pm_buf_printf(&b, "%s%s", b.len ? ";" : "", it->valuestring);
        }
        *owned = b.oom ? NULL : pm_buf_steal(&b, NULL);
        pm_buf_release(&b);
        return *owned ? *owned : "";
    case 'j':
        if (!cJSON_IsArray(v))
            return *why = "must be a list", NULL;
        *owned = cJSON_PrintUnformatted(v);
        return *owned ? *owned : (*why = "out of memory", NULL);
    default:
        if (!cJSON_IsString(v))
            return *why = "must be a string", NULL;
        return v->valuestring;
    }
}

/* Adds to a failed request the checked row's reason for people: its stable
 * code, the column (prefixed as the message is, "devices[0].power_w") and
 * the Japanese text, e.g. {"code":"bad_latitude","column":"lat","ja":"…"}. */
static void reason_detail(struct http_req *r, const struct fmt_reject *rj, const char *prefix)
{
    static const struct layout_result none;
    struct ingest_msg m;
    cJSON *o;
    char col[160], *json = NULL;

    if (ingest_msg_from_reason(&none, rj->line, rj->reason, rj->ja, rj->code, &m) < 0)
        return;
    snprintf(col, sizeof col, "%s%s", prefix, m.column ? m.column : "");
    o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "code", m.code) && cJSON_AddStringToObject(o, "column", col)
        && cJSON_AddStringToObject(o, "ja", m.ja))
        json = cJSON_PrintUnformatted(o);
    if (json)
        http_fail_detail(r, "reason", json);
    cJSON_free(json);
    cJSON_Delete(o);
    ingest_msg_release(&m);
}

/* Checks the JSON object obj as one record of kind (fields in skip and the
 * read-only ones left out; ext, when given, is the devices' child).  PM_OK
 * and fr filled (release it in every case), or a recorded 400 whose message
 * starts with prefix ("devices[0]."). */
static enum pm_err check_object(struct http_req *r, enum fmt_kind kind, const cJSON *obj,
                                const char *const *skip, const char *prefix, const char *ext,
                                struct fmt_result *fr)
{
    size_t ncols;
    const char *const *cols = fmt_columns(kind, &ncols);
    const cJSON *f;
    struct row_in in = { .n = 0 };
    char err[512];
    enum pm_err e = PM_OK;

    memset(fr, 0, sizeof *fr);
    if (ext) {
        in.names[0] = cols[0];
        in.values[0] = ext;
        in.owned[in.n++] = NULL;
    }
    cJSON_ArrayForEach(f, obj) {
        const char *why = NULL;
        size_t i = 0;

        if (in_list(read_only, f->string) || in_list(skip, f->string))
            continue;
        while (i < ncols && strcmp(cols[i], f->string) != 0)
            i++;
        if (i == ncols || (ext && i == 0) || in.n == FMT_MAX_COLS) {
            e = http_fail(r, PM_ERR_BAD_REQUEST, "%s%.64s: unknown field", prefix, f->string);
            goto out;
        }
        in.names[in.n] = cols[i];
        in.values[in.n] = json_text(f, fmt_json_type(kind, i), &in.owned[in.n], &why);
        in.n++;
        if (why) {
            e = http_fail(r, strcmp(why, "out of memory") ? PM_ERR_BAD_REQUEST : PM_ERR_NOMEM,
                          "%s%s: %s", prefix, f->string, why);
            goto out;
        }
    }
    if (!in.n) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "%sthe body has no fields", prefix);
        goto out;
    }
    e = fmt_check_row(kind, in.names, in.values, in.n, fr, err, sizeof err);
    if (e != PM_OK) {
        e = http_fail(r, e, "%s%s", prefix, err);
        if (fr->nrejects)
            reason_detail(r, &fr->rejects[0], prefix);
    }
out:
    row_in_release(&in);
    return e;
}

/* Appends the checked device of fr as a JSON object (text values) to b. */
static void device_object(struct pm_buf *b, const struct fmt_result *fr)
{
    char *const *f = fr->rows[0].fields;

    pm_buf_puts(b, "{");
    for (size_t k = 1; k < fr->ncols; k++) {        /* 0 is child_external_id */
        pm_buf_printf(b, "%s\"%s\":", k > 1 ? "," : "", fr->cols[k]);
        if (!f[k]) {
            pm_buf_puts(b, "null");
            continue;
        }
        pm_buf_puts(b, "\"");
        pm_buf_json_escape(b, f[k]);
        pm_buf_puts(b, "\"");
    }
    pm_buf_puts(b, "}");
}

/* The devices list of a child body, each checked, as a JSON array for
 * child_devices_replace (malloc'd), or NULL with a 400 recorded. */
static char *devices_json(struct http_req *r, const cJSON *devices, const char *ext)
{
    struct pm_buf b;
    const cJSON *d;
    int n = 0;

    if (!cJSON_IsArray(devices)) {
        http_fail(r, PM_ERR_BAD_REQUEST, "devices: must be a list of objects");
        return NULL;
    }
    pm_buf_init(&b);
    pm_buf_puts(&b, "[");
    cJSON_ArrayForEach(d, devices) {
        struct fmt_result fr;
        char prefix[32];
        enum pm_err e;

        snprintf(prefix, sizeof prefix, "devices[%d].", n);
        if (!cJSON_IsObject(d)) {
            http_fail(r, PM_ERR_BAD_REQUEST, "devices[%d]: must be an object", n);
            goto fail;
        }
        e = check_object(r, FMT_DEVICES, d, device_read_only, prefix, ext, &fr);
        if (e == PM_OK) {
            if (n)
                pm_buf_puts(&b, ",");
            device_object(&b, &fr);
        }
        fmt_result_release(&fr);
        if (e != PM_OK)
            goto fail;
        n++;
    }
    pm_buf_puts(&b, "]");
    if (b.oom) {
        http_fail(r, PM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return pm_buf_steal(&b, NULL);
fail:
    pm_buf_release(&b);
    return NULL;
}

/* Parses the request body as a JSON object.  NULL with a 400 recorded. */
static cJSON *body_object(struct http_req *r)
{
    cJSON *obj;
    char *text = NULL;
    size_t text_len;
    const char *enc = NULL;
    int rc;

    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "a JSON object body is required"), NULL;
    /* JSON is UTF-8 (RFC 8259).  cJSON passes other bytes through into the
     * strings, and the database refuses them: a 500 (found by fuzz_json). */
    rc = csv_decode(r->body, r->body_len, &text, &text_len, &enc, NULL, 0);
    free(text);
    if (rc < 0 || strcmp(enc, "utf-8") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not UTF-8 JSON"), NULL;
    obj = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1); /* + its NUL */
    if (!obj || !cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not a JSON object"), NULL;
    }
    return obj;
}

/* ------------------------------------------------------------------------- */
/* Writing one record                                                          */
/* ------------------------------------------------------------------------- */

/* A record with an address and no lat/lon is placed by the geocoder, as an
 * import row is; a place that cannot be placed is refused, a child is kept
 * without a home point.  lat/lon hold the text written into fr.  PM_OK or a
 * recorded 400. */
static enum pm_err place_record(struct http_req *r, struct fmt_result *fr, char lat[32],
                                char lon[32])
{
    char **f = fr->rows[0].fields, err[256] = "";
    size_t ilat = 0, iaddr = 0;
    double la = 0, lo = 0;
    int found;

    for (size_t k = 0; k < fr->ncols; k++) {
        if (strcmp(fr->cols[k], "lat") == 0)
            ilat = k;
        else if (strcmp(fr->cols[k], "address") == 0)
            iaddr = k;
    }
    if (!ilat || f[ilat] || !f[iaddr])
        return PM_OK;
    found = r->srv->geocoder
            ? import_geocode(r->db, r->srv->geocoder, f[iaddr], &la, &lo, err, sizeof err) : -1;
    if (found == 1) {
        snprintf(lat, 32, "%.9g", la);
        snprintf(lon, 32, "%.9g", lo);
        f[ilat] = lat;
        f[ilat + 1] = lon;
        return PM_OK;
    }
    if (fr->kind == FMT_CHILDREN)
        return PM_OK;           /* kept; its plan says the home is unknown */
    return http_fail(r, PM_ERR_BAD_REQUEST, "lat/lon: missing, and the address %s",
                     found == 0 ? "was not found by the geocoder"
                                : r->srv->geocoder ? "could not be geocoded"
                                                   : "cannot be placed (no geocoder is configured)");
}

/* Runs write_one_<kind> for the checked record in mode ("create" or
 * "upsert") inside the open transaction.  PM_OK with id set, a recorded 409
 * when mode is create and the external_id exists, or another recorded error. */
static enum pm_err write_one(struct http_req *r, const struct resource *res,
                             const struct fmt_result *fr, const char *mode, char id[24])
{
    const char *p[2 + FMT_MAX_COLS], *present[FMT_MAX_COLS];
    struct pm_buf lit;
    size_t np = 0;
    PGresult *q;
    enum pm_err e;

    for (size_t k = 0; k < fr->ncols; k++)
        if (fr->present[k])
            present[np++] = fr->cols[k];
    pm_buf_init(&lit);
    db_text_array(&lit, present, np);
    if (lit.oom) {
        pm_buf_release(&lit);
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    }
    p[0] = lit.data;
    p[1] = mode;
    for (size_t k = 0; k < fr->ncols; k++)
        p[2 + k] = fr->rows[0].fields[k];
    q = db_exec(r->db, res->write_q, (int)(2 + fr->ncols), p);
    if (db_ok(q) && PQntuples(q) == 0) {
        /* Another transaction created the same external_id while this one
         * waited on it: the statement's snapshot cannot see that row, the
         * next statement's can (READ COMMITTED), and answers "exists". */
        PQclear(q);
        q = db_exec(r->db, res->write_q, (int)(2 + fr->ncols), p);
    }
    if (!db_ok(q) || PQntuples(q) != 1) {
        e = http_fail(r, PM_ERR_INTERNAL, "the %s was not written", res->what);
    } else if (strcmp(PQgetvalue(q, 0, 1), "exists") == 0) {
        e = http_fail(r, PM_ERR_CONFLICT, "external_id %.64s exists as id %s; PUT to change it",
                      fr->rows[0].fields[0], PQgetvalue(q, 0, 0));
    } else {
        snprintf(id, 24, "%s", PQgetvalue(q, 0, 0));
        e = PM_OK;
    }
    PQclear(q);
    pm_buf_release(&lit);
    return e;
}

/* Replaces child id's devices by the checked list.  PM_OK or recorded. */
static enum pm_err write_devices(struct http_req *r, const char *id, const char *devices)
{
    const char *p[2] = { id, devices };
    PGresult *q = db_exec(r->db, "child_devices_replace", 2, p);
    enum pm_err e = db_ok(q) ? PM_OK : http_fail(r, PM_ERR_INTERNAL, "the devices were not written");

    PQclear(q);
    return e;
}

/* Locks record id for the transaction: PM_OK, or a recorded 404 when it
 * is gone (a PUT must not bring a deleted record back). */
static enum pm_err lock_record(struct http_req *r, const struct resource *res, const char *id)
{
    const char *p[1] = { id };
    PGresult *q = db_exec(r->db, res->lock_q, 1, p);
    enum pm_err e = !db_ok(q) ? http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable")
                    : PQntuples(q) != 1 ? http_fail(r, PM_ERR_NOT_FOUND, "no %s with id %s",
                                                    res->what, id)
                    : PM_OK;

    PQclear(q);
    return e;
}

/* Writes the checked record (and a child's devices) in one transaction:
 * created (mode "create", put_id NULL) or merged into record put_id (mode
 * "upsert").  PM_OK with id, or a recorded error (nothing written). */
static enum pm_err write_record(struct http_req *r, const struct resource *res,
                                struct fmt_result *fr, const char *devices, const char *put_id,
                                char id[24])
{
    char lat[32], lon[32];
    enum pm_err e;

    if (place_record(r, fr, lat, lon) != PM_OK)
        return r->err;
    if (db_command(r->db, "BEGIN", NULL, 0) < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    e = http_set_actor(r);
    if (e == PM_OK && put_id)
        e = lock_record(r, res, put_id);
    if (e == PM_OK)
        e = write_one(r, res, fr, put_id ? "upsert" : "create", id);
    if (e == PM_OK && devices)
        e = write_devices(r, id, devices);
    if (e != PM_OK) {
        db_command(r->db, "ROLLBACK", NULL, 0);
        return e;
    }
    if (db_command(r->db, "COMMIT", NULL, 0) < 0)
        return http_fail(r, PM_ERR_INTERNAL, "commit failed");
    return PM_OK;
}

/* Replies with the record id (status 200 or 201), auditing a child read. */
static enum pm_err reply_record(struct http_req *r, const struct resource *res, const char *id,
                                unsigned status, const char *audit_action)
{
    const char *p[2] = { id, r->role != ROLE_NONE ? "t" : "f" };
    PGresult *q;
    enum pm_err e;

    if (res->children) {
        char ids[32];

        snprintf(ids, sizeof ids, "{%s}", id);
        if (http_audit(r, audit_action, ids) != PM_OK)
            return r->err;
    }
    q = db_exec(r->db, res->get_q, res->private_points ? 2 : 1, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no %s with id %s", res->what, id);
    else
        e = http_reply_json(r, status, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

/* ------------------------------------------------------------------------- */
/* The generic handlers                                                        */
/* ------------------------------------------------------------------------- */

static const char *const no_params[] = { NULL };
static const char *const page_params[] = { "limit", "offset", NULL };

/* Ends a streamed list: "],"total":N}". */
static void list_suffix(struct pm_buf *b, void *cls, long returned, long long matched,
                        const char *last_key)
{
    pm_buf_printf(b, "],\"total\":%lld}", matched < 0 ? 0 : matched);
}

/* Lists stream record by record (maps.h), so a page of 10000 bounded
 * records is never built whole in memory (issue 11.9).  The children's list
 * has its filters, sort and export (routes_roster.c). */
static enum pm_err list(struct http_req *r, const struct resource *res)
{
    char lim[24], off[24];
    const char *p[3] = { lim, off, r->role != ROLE_NONE ? "t" : "f" };
    struct maps_fc *fc;

    if (res->children)
        return roster_list(r);
    if (http_page(r, page_params, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    fc = maps_fc_open(r, res->list_q, res->private_points ? 3 : 2, p);
    if (!fc)
        return r->err;
    return maps_fc_reply(r, fc, "application/json", "{\"items\":[", list_suffix, NULL);
}

static enum pm_err get(struct http_req *r, const struct resource *res)
{
    char id[24];

    if (http_only_params(r, no_params) != PM_OK || http_path_id(r, 0, id) != PM_OK || !http_db(r))
        return r->err;
    return reply_record(r, res, id, 200, "child.read");
}

static enum pm_err create(struct http_req *r, const struct resource *res)
{
    cJSON *obj = body_object(r);
    const cJSON *ext, *devices;
    struct fmt_result fr;
    char *djson = NULL;
    char id[24], loc[96];
    enum pm_err e;

    memset(&fr, 0, sizeof fr);
    if (!obj)
        return r->err;
    if (http_only_params(r, no_params) != PM_OK) {
        e = r->err;
        goto out;
    }
    ext = cJSON_GetObjectItemCaseSensitive(obj, "external_id");
    devices = cJSON_GetObjectItemCaseSensitive(obj, "devices");
    if (!cJSON_IsString(ext) || blank(ext->valuestring)) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "external_id: required, a non-blank string");
        goto out;
    }
    if (devices && !res->children) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "devices: unknown field");
        goto out;
    }
    if (check_object(r, res->fmt, obj, skip_devices, "", NULL, &fr) != PM_OK
        || (devices && !(djson = devices_json(r, devices, fr.rows[0].fields[0])))
        || !http_db(r)) {
        e = r->err;
        goto out;
    }
    e = write_record(r, res, &fr, djson, NULL, id);
    if (e == PM_OK) {
        snprintf(loc, sizeof loc, "/v1/%s/%s", res->kind, id);
        http_header(r, "Location", loc);
        e = reply_record(r, res, id, 201, "child.create");
    }
out:
    fmt_result_release(&fr);
    free(djson);
    cJSON_Delete(obj);
    return e;
}

/* The stored record id as JSON (for PUT to merge into), or NULL with an
 * error recorded (404 when there is none). */
static cJSON *stored_record(struct http_req *r, const struct resource *res, const char *id)
{
    const char *p[2] = { id, "t" };
    PGresult *q = db_exec(r->db, res->get_q, res->private_points ? 2 : 1, p);
    cJSON *cur = NULL;

    if (!db_ok(q))
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        http_fail(r, PM_ERR_NOT_FOUND, "no %s with id %s", res->what, id);
    else if (!(cur = cJSON_Parse(PQgetvalue(q, 0, 0))))
        http_fail(r, PM_ERR_NOMEM, "out of memory");
    PQclear(q);
    return cur;
}

/* PUT merges the body into the stored record: fields left out keep their
 * values; a child's devices are replaced when "devices" is given.  The whole
 * merged record is checked, as a file row would be. */
static enum pm_err put(struct http_req *r, const struct resource *res)
{
    cJSON *obj = NULL, *cur = NULL;
    const cJSON *f, *ext, *devices;
    struct fmt_result fr;
    char *djson = NULL;
    char id[24], wrote[24];
    enum pm_err e;

    memset(&fr, 0, sizeof fr);
    if (http_only_params(r, no_params) != PM_OK || http_path_id(r, 0, id) != PM_OK)
        return r->err;
    obj = body_object(r);
    if (!obj || !http_db(r) || !(cur = stored_record(r, res, id))) {
        e = r->err;
        goto out;
    }
    ext = cJSON_GetObjectItemCaseSensitive(obj, "external_id");
    if (ext && (!cJSON_IsString(ext) || strcmp(ext->valuestring, cJSON_GetStringValue(
                    cJSON_GetObjectItemCaseSensitive(cur, "external_id"))) != 0)) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "external_id: cannot be changed by PUT");
        goto out;
    }
    devices = cJSON_GetObjectItemCaseSensitive(obj, "devices");
    if (devices && !res->children) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "devices: unknown field");
        goto out;
    }
    cJSON_ArrayForEach(f, obj) {
        cJSON *copy = cJSON_Duplicate(f, 1);

        if (!copy || !cJSON_ReplaceItemInObjectCaseSensitive(cur, f->string, copy)) {
            if (copy && !cJSON_AddItemToObject(cur, f->string, copy))
                cJSON_Delete(copy);
        }
    }
    if (check_object(r, res->fmt, cur, skip_devices, "", NULL, &fr) != PM_OK
        || (devices && !(djson = devices_json(r, devices, fr.rows[0].fields[0])))) {
        e = r->err;
        goto out;
    }
    e = write_record(r, res, &fr, djson, id, wrote);
    if (e == PM_OK)
        e = reply_record(r, res, id, 200, "child.update");
out:
    fmt_result_release(&fr);
    free(djson);
    cJSON_Delete(obj);
    cJSON_Delete(cur);
    return e;
}

static enum pm_err del(struct http_req *r, const struct resource *res)
{
    char id[24];
    const char *p[1] = { id };
    PGresult *q;
    enum pm_err e;

    if (http_only_params(r, no_params) != PM_OK || http_path_id(r, 0, id) != PM_OK || !http_db(r))
        return r->err;
    if (db_command(r->db, "BEGIN", NULL, 0) < 0 || http_set_actor(r) != PM_OK)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    if (res->children) {
        char ids[32];

        snprintf(ids, sizeof ids, "{%s}", id);
        if (http_audit(r, "child.delete", ids) != PM_OK)
            return r->err;
    }
    q = db_exec(r->db, res->delete_q, 1, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no %s with id %s", res->what, id);
    else if (db_command(r->db, "COMMIT", NULL, 0) < 0)
        e = http_fail(r, PM_ERR_INTERNAL, "commit failed");
    else
        e = http_reply_json(r, 200, "{\"deleted\":true}");
    PQclear(q);
    return e;
}

enum pm_err route_children_list(struct http_req *r) { return list(r, &children_res); }
enum pm_err route_children_create(struct http_req *r) { return create(r, &children_res); }
enum pm_err route_child_get(struct http_req *r) { return get(r, &children_res); }
enum pm_err route_child_put(struct http_req *r) { return put(r, &children_res); }
enum pm_err route_child_delete(struct http_req *r) { return del(r, &children_res); }

enum pm_err route_shelters_list(struct http_req *r) { return list(r, &shelters_res); }
enum pm_err route_shelters_create(struct http_req *r) { return create(r, &shelters_res); }
enum pm_err route_shelter_get(struct http_req *r) { return get(r, &shelters_res); }
enum pm_err route_shelter_put(struct http_req *r) { return put(r, &shelters_res); }
enum pm_err route_shelter_delete(struct http_req *r) { return del(r, &shelters_res); }

enum pm_err route_power_points_list(struct http_req *r) { return list(r, &points_res); }
enum pm_err route_power_points_create(struct http_req *r) { return create(r, &points_res); }
enum pm_err route_power_point_get(struct http_req *r) { return get(r, &points_res); }
enum pm_err route_power_point_put(struct http_req *r) { return put(r, &points_res); }
enum pm_err route_power_point_delete(struct http_req *r) { return del(r, &points_res); }

enum pm_err route_facilities_list(struct http_req *r) { return list(r, &facilities_res); }
enum pm_err route_facilities_create(struct http_req *r) { return create(r, &facilities_res); }
enum pm_err route_facility_get(struct http_req *r) { return get(r, &facilities_res); }
enum pm_err route_facility_put(struct http_req *r) { return put(r, &facilities_res); }
enum pm_err route_facility_delete(struct http_req *r) { return del(r, &facilities_res); }
