/* routes_calls.c -- GET|POST /v1/children/{id}/calls: the 安否確認 log.
 *
 * A call is who phoned the family, when, and what they found (DESIGN 4,
 * Call).  The log is append-only (sql/0010): there is no PUT or DELETE.
 * Viewers read it, planners add to it; both are audited like any read of a
 * child's record. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/csv.h"
#include "server/db.h"
#include "server/formats.h"
#include "server/routes.h"

static const char *const call_statuses[] = {
    "not_reached", "safe_home", "leaving", "needs_transport", "arrived", "hospitalised",
    "other", NULL
};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* 1 when the body is UTF-8 (without a BOM): cJSON passes other bytes on. */
static int utf8_body(const struct http_req *r)
{
    char *text = NULL;
    size_t len;
    const char *enc = NULL;
    int rc = csv_decode(r->body, r->body_len, &text, &len, &enc, NULL, 0);

    free(text);
    return rc == 0 && strcmp(enc, "utf-8") == 0;
}

enum pm_err route_child_calls_list(struct http_req *r)
{
    static const char *const allowed[] = { "limit", "offset", NULL };
    char id[24], lim[24], off[24], ids[32];
    const char *p[3] = { id, lim, off };
    PGresult *q;
    enum pm_err e;

    if (http_path_id(r, 0, id) != PM_OK || http_page(r, allowed, 100, lim, off) != PM_OK
        || !http_db(r))
        return r->err;
    snprintf(ids, sizeof ids, "{%s}", id);
    q = db_exec(r->db, "calls_list", 3, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQgetisnull(q, 0, 0))
        e = http_fail(r, PM_ERR_NOT_FOUND, "no child with id %s", id);
    else if (http_audit(r, "child.calls.read", ids) != PM_OK)
        e = r->err;
    else
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

/* Reads {status, note} from the body.  PM_OK, or a recorded 400 naming the
 * field.  The strings point into obj. */
static enum pm_err call_body(struct http_req *r, const cJSON *obj, const char **status,
                             const char **note)
{
    const cJSON *f;
    int known = 0;

    cJSON_ArrayForEach(f, obj) {
        if (strcmp(f->string, "status") == 0 && cJSON_IsString(f)) {
            for (size_t i = 0; call_statuses[i]; i++)
                if (strcmp(f->valuestring, call_statuses[i]) == 0)
                    *status = call_statuses[i], known = 1;
            if (!known)
                return http_fail(r, PM_ERR_BAD_REQUEST, "status: must be one of not_reached, "
                                 "safe_home, leaving, needs_transport, arrived, hospitalised, "
                                 "other");
        } else if (strcmp(f->string, "note") == 0 && (cJSON_IsString(f) || cJSON_IsNull(f))) {
            *note = cJSON_IsString(f) && *f->valuestring ? f->valuestring : NULL;
            if (*note && utf8_chars(*note) > FMT_MAX_LONG)
                return http_fail(r, PM_ERR_BAD_REQUEST, "note: longer than %d characters",
                                 FMT_MAX_LONG);
        } else if (strcmp(f->string, "status") == 0 || strcmp(f->string, "note") == 0) {
            return http_fail(r, PM_ERR_BAD_REQUEST, "%s: must be a string", f->string);
        } else {
            return http_fail(r, PM_ERR_BAD_REQUEST, "%.64s: unknown field", f->string);
        }
    }
    if (!*status)
        return http_fail(r, PM_ERR_BAD_REQUEST, "status: required");
    return PM_OK;
}

enum pm_err route_child_calls_create(struct http_req *r)
{
    static const char *const no_params[] = { NULL };
    const char *status = NULL, *note = NULL;
    char id[24], ids[32];
    const char *p[3];
    cJSON *obj = NULL;
    PGresult *q = NULL;
    enum pm_err e;

    if (http_only_params(r, no_params) != PM_OK || http_path_id(r, 0, id) != PM_OK)
        return r->err;
    if (!r->body || !r->body_len)
        return http_fail(r, PM_ERR_BAD_REQUEST, "a JSON object body is required");
    if (!utf8_body(r))
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not UTF-8 JSON");
    obj = cJSON_ParseWithLengthOpts(r->body, r->body_len, NULL, 0);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not a JSON object");
    }
    if (call_body(r, obj, &status, &note) != PM_OK || !http_db(r)) {
        e = r->err;
        goto out;
    }
    snprintf(ids, sizeof ids, "{%s}", id);
    p[0] = id;
    p[1] = status;
    p[2] = note;
    if (db_command(r->db, "BEGIN", NULL, 0) < 0) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    if (http_set_actor(r) != PM_OK || http_audit(r, "child.call", ids) != PM_OK) {
        e = r->err;
        db_command(r->db, "ROLLBACK", NULL, 0);
        goto out;
    }
    q = db_exec(r->db, "call_insert", 3, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no child with id %s", id);
    else if (db_command(r->db, "COMMIT", NULL, 0) < 0)
        e = http_fail(r, PM_ERR_INTERNAL, "commit failed");
    else
        e = http_reply_json(r, 201, PQgetvalue(q, 0, 0));
    if (e != PM_OK)
        db_command(r->db, "ROLLBACK", NULL, 0);
out:
    PQclear(q);
    cJSON_Delete(obj);
    return e;
}
