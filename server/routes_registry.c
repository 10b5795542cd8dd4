/* routes_registry.c -- /v1/children, /v1/shelters, /v1/power-points.
 *
 * Records are read as JSON built by the database (powermap_*_json in sql/).
 * Writes go through the importer: a JSON body is turned into a one-row CSV in
 * the canonical layout and checked by the same code as a file import, so the
 * API and imports accept exactly the same values and report them alike. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv.h"
#include "server/db.h"
#include "server/formats.h"
#include "server/import.h"
#include "server/routes.h"

struct resource {
    const char *kind;           /* import kind */
    enum fmt_kind fmt;
    const char *what;           /* "child", for messages */
    const char *list_q, *get_q, *by_external_q, *delete_q;
    int children;               /* audited, devices nested */
    int private_points;         /* non-public rows hidden without a token */
};

static const struct resource children_res = {
    "children", FMT_CHILDREN, "child", "children_list", "child_get", "child_id_by_external",
    "child_delete", 1, 0
};
static const struct resource shelters_res = {
    "shelters", FMT_SHELTERS, "shelter", "shelters_list", "shelter_get", "shelter_id_by_external",
    "shelter_delete", 0, 0
};
static const struct resource points_res = {
    "power-points", FMT_POWER_POINTS, "power point", "power_points_list", "power_point_get",
    "power_point_id_by_external", "power_point_delete", 0, 1
};
static const struct resource facilities_res = {
    "facilities", FMT_FACILITIES, "facility", "facilities_list", "facility_get",
    "facility_id_by_external", "facility_delete", 0, 0
};

/* Fields of a record that the server computes: accepted in a body (so that
 * a record read can be written back) and ignored. */
static const char *const read_only[] = { "id", "created_at", "updated_at", "need_w", "runtime_h",
                                         NULL };

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
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

/* The JSON type a canonical column takes: 'n' number, 'b' boolean, 'l' list
 * of strings, 's' string. */
static char column_type(const char *col)
{
    static const char *const numbers[] = { "lat", "lon", "capacity", "power_w", "outlets",
                                           "output_w", "battery_h", "home_battery_wh",
                                           "home_generator_w", "home_generator_h",
                                           "car_inverter_w", "minutes_per_hour", "charge_h",
                                           "backup_h", "range_km", "battery_internal_h",
                                           "battery_spare_h", NULL };
    static const char *const bools[] = { "consent", "welfare", "public", "life_sustaining",
                                         "flood", "landslide", "storm_surge", "earthquake",
                                         "tsunami", "fire", "inland_flood", "volcano",
                                         "severe_disability", "utility_registered",
                                         "dispatchable", "medical_care", NULL };
    static const char *const structured[] = { "supporters", "medical_contacts", "sources",
                                              NULL };

    if (in_list(numbers, col))
        return 'n';
    if (in_list(bools, col))
        return 'b';
    if (in_list(structured, col))
        return 'j';
    if (strcmp(col, "care") == 0)
        return 'l';
    return 's';
}

static void csv_cell(struct pm_buf *b, const char *s)
{
    pm_buf_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"')
            pm_buf_puts(b, "\"");
        pm_buf_append(b, s, 1);
    }
    pm_buf_puts(b, "\"");
}

/* Appends the CSV text of one JSON value of column type t.  Returns NULL or
 * what is wrong with it. */
static const char *json_cell(struct pm_buf *b, const cJSON *v, char t)
{
    char num[64];

    if (cJSON_IsNull(v)) {
        pm_buf_puts(b, "\"\"");
        return NULL;
    }
    switch (t) {
    case 'n':
        if (!cJSON_IsNumber(v))
            return "must be a number";
        snprintf(num, sizeof num, "%.15g", v->valuedouble);
        csv_cell(b, num);
        return NULL;
    case 'b':
        if (!cJSON_IsBool(v))
            return "must be true or false";
        csv_cell(b, cJSON_IsTrue(v) ? "true" : "false");
        return NULL;
    case 'l': {
        struct pm_buf joined;
        const cJSON *it;

        if (!cJSON_IsArray(v))
            return "must be a list of strings";
        pm_buf_init(&joined);
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsString(it) || strchr(it->valuestring, ';')) {
                pm_buf_release(&joined);
                return "must be a list of strings without \";\"";
            }
            if (joined.len)
                pm_buf_puts(&joined, ";");
            pm_buf_puts(&joined, it->valuestring);
        }
        csv_cell(b, joined.data ? joined.data : "");
        pm_buf_release(&joined);
        return NULL;
    }
    case 'j': {
        char *text;

        if (!cJSON_IsArray(v))
            return "must be a list";
        text = cJSON_PrintUnformatted(v);
        if (!text)
            return "out of memory";
        csv_cell(b, text);
        free(text);
        return NULL;
    }
    default:
        if (!cJSON_IsString(v))
            return "must be a string";
        csv_cell(b, v->valuestring);
        return NULL;
    }
}

/* Turns a JSON object into a one-row CSV of kind.  Fields named in skip are
 * left out.  Returns the CSV (malloc'd) or NULL with a 400 recorded. */
static char *object_to_csv(struct http_req *r, const cJSON *obj, enum fmt_kind kind,
                           const char *const *skip)
{
    size_t ncols;
    const char *const *cols = fmt_columns(kind, &ncols);
    struct pm_buf head, row;
    const cJSON *f;

    pm_buf_init(&head);
    pm_buf_init(&row);
    cJSON_ArrayForEach(f, obj) {
        int known = 0;
        const char *why;

        if (in_list(read_only, f->string) || (skip && in_list(skip, f->string)))
            continue;
        for (size_t i = 0; i < ncols; i++)
            if (strcmp(cols[i], f->string) == 0)
                known = 1;
        if (!known) {
            http_fail(r, PM_ERR_BAD_REQUEST, "%.64s: unknown field", f->string);
            goto fail;
        }
        why = json_cell(&row, f, column_type(f->string));
        if (why) {
            http_fail(r, PM_ERR_BAD_REQUEST, "%s: %s", f->string, why);
            goto fail;
        }
        pm_buf_puts(&row, ",");
        pm_buf_printf(&head, "%s,", f->string);
    }
    if (!head.len) {
        http_fail(r, PM_ERR_BAD_REQUEST, "the body has no fields");
        goto fail;
    }
    head.data[head.len - 1] = '\n';      /* the last "," ends the line */
    row.data[row.len - 1] = '\n';
    pm_buf_append(&head, row.data, row.len);
    pm_buf_release(&row);
    if (head.oom) {
        http_fail(r, PM_ERR_NOMEM, "out of memory");
        pm_buf_release(&head);
        return NULL;
    }
    return pm_buf_steal(&head, NULL);
fail:
    pm_buf_release(&head);
    pm_buf_release(&row);
    return NULL;
}

/* The devices list of a child body as a devices CSV for external_id.
 * Returns the CSV, or NULL with a 400 recorded. */
static char *devices_to_csv(struct http_req *r, const cJSON *devices, const char *external_id)
{
    static const char *const fields[] = { "type", "power_w", "battery_h", "life_sustaining",
                                          "maker", "model", "settings", "duty",
                                          "minutes_per_hour", "charge_h", "backup_h",
                                          "battery_internal_h", "battery_spare_h" };
    enum { NFIELDS = sizeof fields / sizeof fields[0] };
    static const char *const dev_read_only[] = { "id", NULL };
    struct pm_buf b;
    const cJSON *d;
    int n = 0;

    if (!cJSON_IsArray(devices)) {
        http_fail(r, PM_ERR_BAD_REQUEST, "devices: must be a list of objects");
        return NULL;
    }
    pm_buf_init(&b);
    pm_buf_puts(&b, "child_external_id");
    for (size_t i = 0; i < NFIELDS; i++)
        pm_buf_printf(&b, ",%s", fields[i]);
    pm_buf_puts(&b, "\n");
    cJSON_ArrayForEach(d, devices) {
        const cJSON *f;

        n++;
        if (!cJSON_IsObject(d)) {
            http_fail(r, PM_ERR_BAD_REQUEST, "devices[%d]: must be an object", n - 1);
            goto fail;
        }
        cJSON_ArrayForEach(f, d) {
            int known = 0;

            for (size_t i = 0; i < NFIELDS; i++)
                known |= strcmp(f->string, fields[i]) == 0;
            if (!known && !in_list(dev_read_only, f->string)) {
                http_fail(r, PM_ERR_BAD_REQUEST, "devices[%d].%.64s: unknown field", n - 1,
                          f->string);
                goto fail;
            }
        }
        csv_cell(&b, external_id);
        for (size_t i = 0; i < NFIELDS; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, fields[i]);
            const char *why;

            pm_buf_puts(&b, ",");
            if (!v) {
                pm_buf_puts(&b, "\"\"");
                continue;
            }
            why = json_cell(&b, v, column_type(fields[i]));
            if (why) {
                http_fail(r, PM_ERR_BAD_REQUEST, "devices[%d].%s: %s", n - 1, fields[i], why);
                goto fail;
            }
        }
        pm_buf_puts(&b, "\n");
    }
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
     * strings, and the CSV built from them would be read as CP932 -- the
     * whole record garbled -- or not at all, a 500 (found by fuzz_json). */
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

/* Parses the {id} path segment.  Returns PM_OK or a recorded 400. */
static enum pm_err path_id(struct http_req *r, char out[24])
{
    long id;

    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &id) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(out, 24, "%ld", id);
    return PM_OK;
}

/* Writes the one-row CSV (and a child's devices) inside a transaction.
 * Returns PM_OK or a recorded error. */
static enum pm_err write_record(struct http_req *r, const struct resource *res, const char *csv,
                                const char *devices_csv)
{
    struct import_opts io = { 0, NULL, -1, 1, NULL };
    struct import_report rep;
    char actor[128], err[512];
    enum pm_err e = PM_OK;
    int rc;

    snprintf(actor, sizeof actor, "key:%s", r->key_name);
    io.actor = actor;
    io.geocoder = r->srv->geocoder;
    if (db_command(r->db, "BEGIN", NULL, 0) < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    rc = import_run(r->db, res->kind, csv, strlen(csv), &io, &rep, err, sizeof err);
    if (rc == 1 && rep.nrejects)
        e = http_fail(r, PM_ERR_BAD_REQUEST, "%s", rep.rejects[0].reason);
    else if (rc < 0)
        e = http_fail(r, strstr(err, "column") ? PM_ERR_BAD_REQUEST : PM_ERR_INTERNAL, "%s", err);
    else if (rep.inserted + rep.updated + rep.unchanged != 1)
        e = http_fail(r, PM_ERR_INTERNAL, "the record was not written");
    import_report_release(&rep);
    if (e == PM_OK && devices_csv) {
        rc = import_run(r->db, "devices", devices_csv, strlen(devices_csv), &io, &rep, err,
                        sizeof err);
        if (rc == 1 && rep.nrejects)
            e = http_fail(r, PM_ERR_BAD_REQUEST, "devices: %s", rep.rejects[0].reason);
        else if (rc < 0)
            e = http_fail(r, PM_ERR_BAD_REQUEST, "devices: %s", err);
        import_report_release(&rep);
    }
    if (e != PM_OK) {
        db_command(r->db, "ROLLBACK", NULL, 0);
        return e;
    }
    if (db_command(r->db, "COMMIT", err, sizeof err) < 0)
        return http_fail(r, PM_ERR_INTERNAL, "commit failed");
    return PM_OK;
}

/* Looks an external_id up.  Returns 1 and fills id, 0 when absent, -1 on a
 * recorded error. */
static int find_external(struct http_req *r, const struct resource *res, const char *ext,
                         char id[24])
{
    const char *p[1] = { ext };
    PGresult *q = db_exec(r->db, res->by_external_q, 1, p);
    int found;

    if (!db_ok(q)) {
        PQclear(q);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return -1;
    }
    found = PQntuples(q) == 1;
    if (found)
        snprintf(id, 24, "%s", PQgetvalue(q, 0, 0));
    PQclear(q);
    return found;
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

static enum pm_err list(struct http_req *r, const struct resource *res)
{
    char lim[24], off[24];
    const char *p[3] = { lim, off, r->role != ROLE_NONE ? "t" : "f" };
    PGresult *q;
    enum pm_err e;

    if (http_page(r, page_params, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    q = db_exec(r->db, res->list_q, res->private_points ? 3 : 2, p);
    if (!db_ok(q)) {
        PQclear(q);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    if (res->children && http_audit(r, "children.list", PQgetvalue(q, 0, 1)) != PM_OK) {
        PQclear(q);
        return r->err;
    }
    e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

static enum pm_err get(struct http_req *r, const struct resource *res)
{
    char id[24];

    if (http_only_params(r, no_params) != PM_OK || path_id(r, id) != PM_OK || !http_db(r))
        return r->err;
    return reply_record(r, res, id, 200, "child.read");
}

static enum pm_err create(struct http_req *r, const struct resource *res)
{
    static const char *const skip_devices[] = { "devices", NULL };
    cJSON *obj = body_object(r);
    const cJSON *ext, *devices;
    char *csv = NULL, *dcsv = NULL;
    char id[24];
    enum pm_err e;

    if (!obj)
        return r->err;
    if (http_only_params(r, no_params) != PM_OK) {
        cJSON_Delete(obj);
        return r->err;
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
    csv = object_to_csv(r, obj, res->fmt, skip_devices);
    if (!csv || (devices && !(dcsv = devices_to_csv(r, devices, ext->valuestring))) || !http_db(r)) {
        e = r->err;
        goto out;
    }
    switch (find_external(r, res, ext->valuestring, id)) {
    case -1:
        e = r->err;
        goto out;
    case 1:
        e = http_fail(r, PM_ERR_CONFLICT, "external_id %.64s exists as id %s; PUT to change it",
                      ext->valuestring, id);
        goto out;
    }
    e = write_record(r, res, csv, dcsv);
    if (e == PM_OK && find_external(r, res, ext->valuestring, id) == 1) {
        char loc[96];

        snprintf(loc, sizeof loc, "/v1/%s/%s", res->kind, id);
        http_header(r, "Location", loc);
        e = reply_record(r, res, id, 201, "child.create");
    } else if (e == PM_OK) {
        e = http_fail(r, PM_ERR_INTERNAL, "the new record was not found");
    }
out:
    free(csv);
    free(dcsv);
    cJSON_Delete(obj);
    return e;
}

/* PUT merges the body into the stored record: fields left out keep their
 * values; a child's devices are replaced when "devices" is given. */
static enum pm_err put(struct http_req *r, const struct resource *res)
{
    static const char *const skip[] = { "devices", NULL };
    cJSON *obj = NULL, *cur = NULL;
    const cJSON *f, *ext, *cur_ext, *devices;
    char *csv = NULL, *dcsv = NULL;
    const char *p[2];
    char id[24], external_id[256];
    PGresult *q;
    enum pm_err e;

    if (http_only_params(r, no_params) != PM_OK || path_id(r, id) != PM_OK)
        return r->err;
    obj = body_object(r);
    if (!obj || !http_db(r)) {
        e = r->err;
        goto out;
    }
    p[0] = id;
    p[1] = "t";
    q = db_exec(r->db, res->get_q, res->private_points ? 2 : 1, p);
    if (db_ok(q) && PQntuples(q) == 1)
        cur = cJSON_Parse(PQgetvalue(q, 0, 0));
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no %s with id %s", res->what, id);
    else if (!cur)
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
    else
        e = PM_OK;
    PQclear(q);
    if (e != PM_OK)
        goto out;
    cur_ext = cJSON_GetObjectItemCaseSensitive(cur, "external_id");
    /* Copied: merging the body below may replace the item. */
    snprintf(external_id, sizeof external_id, "%s", cur_ext->valuestring);
    ext = cJSON_GetObjectItemCaseSensitive(obj, "external_id");
    if (ext && (!cJSON_IsString(ext) || strcmp(ext->valuestring, external_id) != 0)) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "external_id: cannot be changed by PUT");
        goto out;
    }
    devices = cJSON_GetObjectItemCaseSensitive(obj, "devices");
    if (devices && !res->children) {
        e = http_fail(r, PM_ERR_BAD_REQUEST, "devices: unknown field");
        goto out;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cur, "devices");
    cJSON_ArrayForEach(f, obj) {
        cJSON *copy;

        if (strcmp(f->string, "devices") == 0)
            continue;
        copy = cJSON_Duplicate(f, 1);
        if (!copy || !cJSON_ReplaceItemInObjectCaseSensitive(cur, f->string, copy)) {
            if (copy && !cJSON_AddItemToObject(cur, f->string, copy))
                cJSON_Delete(copy);
        }
    }
    csv = object_to_csv(r, cur, res->fmt, skip);
    if (!csv || (devices && !(dcsv = devices_to_csv(r, devices, external_id)))) {
        e = r->err;
        goto out;
    }
    e = write_record(r, res, csv, dcsv);
    if (e == PM_OK)
        e = reply_record(r, res, id, 200, "child.update");
out:
    free(csv);
    free(dcsv);
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

    if (http_only_params(r, no_params) != PM_OK || path_id(r, id) != PM_OK || !http_db(r))
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
