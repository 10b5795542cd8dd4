/* routes_admin.c -- administration: API keys (list, revoke) and the audit
 * log.  Admin role only (the route table says so). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server/db.h"
#include "server/routes.h"

enum pm_err route_keys_list(struct http_req *r)
{
    static const char *const allowed[] = { "limit", "offset", NULL };
    char lim[24], off[24];
    const char *p[2] = { lim, off };

    if (http_page(r, allowed, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "keys_list", 2, p);
}

enum pm_err route_key_revoke(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    char id[24];
    const char *p[1] = { id };
    PGresult *q;
    enum pm_err e;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (http_path_id(r, 0, id) != PM_OK || !http_db(r))
        return r->err;
    q = db_exec(r->db, "key_revoke", 1, p);
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_NOT_FOUND, "no key with id %s", id);
    else {
        char body[256];

        snprintf(body, sizeof body, "{\"id\":%s,\"revoked\":true}", id);
        e = http_reply_json(r, 200, body);
    }
    PQclear(q);
    return e;
}

enum pm_err route_audit_list(struct http_req *r)
{
    static const char *const allowed[] = { "since", "key", "limit", "offset", NULL };
    const char *since = http_query(r, "since"), *key = http_query(r, "key");
    char lim[24], off[24];
    const char *p[4] = { since, key, lim, off };

    if (http_page(r, allowed, 100, lim, off) != PM_OK || !http_db(r))
        return r->err;
    if (since) {
        /* ISO 8601 only: PostgreSQL would also take words like "yesterday". */
        int ok = pm_is_iso8601(since);
        PGresult *q = ok ? db_exec(r->db, "timestamp_check", 1, p) : NULL;

        ok = ok && db_ok(q);

        PQclear(q);
        if (!ok)
            return http_fail(r, PM_ERR_BAD_REQUEST, "since: must be an ISO 8601 time");
    }
    return http_reply_query(r, r->db, "audit_list", 4, p);
}

/* POST /v1/children/{id}/purge {"legal_reason": "..."}: erases the child's
 * personal data everywhere, history included (sql/0100), and answers the
 * tombstone.  Audited. */
enum pm_err route_child_purge(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    char id[24], who[128], ids[32];
    const char *p[3];
    cJSON *body = NULL;
    const cJSON *reason;
    PGresult *q = NULL;
    PGconn *w;
    enum pm_err e;

    if (http_only_params(r, allowed) != PM_OK || http_path_id(r, 0, id) != PM_OK)
        return r->err;
    body = r->body ? cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1) : NULL;
    reason = cJSON_GetObjectItemCaseSensitive(body, "legal_reason");
    if (!cJSON_IsString(reason) || !*reason->valuestring || strlen(reason->valuestring) > 2000) {
        cJSON_Delete(body);
        return http_fail(r, PM_ERR_BAD_REQUEST, "legal_reason: required, the legal ground of "
                                                "the erasure (at most 2000 characters)");
    }
    w = http_db_write(r);
    if (!w) {
        cJSON_Delete(body);
        return r->err;
    }
    snprintf(who, sizeof who, "key:%s", r->key_name);
    p[0] = id;
    p[1] = who;
    p[2] = reason->valuestring;
    /* The erasure and its audit row commit together, or neither. */
    q = db_command(w, "BEGIN", NULL, 0) == 0 ? db_exec(w, "child_erase", 3, p) : NULL;
    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQgetisnull(q, 0, 0))
        e = http_fail(r, PM_ERR_NOT_FOUND, "no child %s", id);
    else {
        snprintf(ids, sizeof ids, "{%s}", id);
        p[0] = PQgetvalue(q, 0, 0);
        e = http_audit(r, "child.purge", ids);
        if (e == PM_OK && db_command(w, "COMMIT", NULL, 0) < 0)
            e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        if (e == PM_OK)
            e = http_reply_query(r, w, "erasure_json", 1, p);
    }
    if (e != PM_OK)
        db_command(w, "ROLLBACK", NULL, 0);
    PQclear(q);
    cJSON_Delete(body);
    return e;
}
