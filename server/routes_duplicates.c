/* routes_duplicates.c -- one child, many reports (名寄せ, DESIGN 7, issue
 * 16.1): the queue of reports that may be a child already registered, and a
 * person's decision on each (merge into the child, or keep apart as a new
 * child).  The comparison itself runs in the database during imports
 * (sql/0091_duplicates.sql). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/routes.h"

enum pm_err route_duplicates_list(struct http_req *r)
{
    static const char *const allowed[] = { "status", "limit", "offset", NULL };
    static const char *const statuses[] = { "pending", "merged", "kept_apart", "all", NULL };
    const char *st = http_query(r, "status");
    char lim[24], off[24];
    const char *p[3];
    PGresult *q;
    enum pm_err e;
    int ok = 0;

    if (!st)
        st = "pending";
    for (int i = 0; statuses[i]; i++)
        ok |= strcmp(st, statuses[i]) == 0;
    if (http_page(r, allowed, 100, lim, off) != PM_OK)
        return r->err;
    if (!ok)
        return http_fail(r, PM_ERR_BAD_REQUEST, "status: pending, merged, kept_apart または all");
    if (!http_db(r))
        return r->err;
    p[0] = st;
    p[1] = lim;
    p[2] = off;
    q = db_exec(r->db, "duplicates_list", 3, p);
    if (!db_ok(q) || PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (http_audit(r, "duplicates.read", PQgetvalue(q, 0, 1)) != PM_OK)
        e = r->err;
    else
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

/* Reads {"action": "merge"|"keep_apart", "child_id"?: N}.  PM_OK or a 400. */
static enum pm_err decision_body(struct http_req *r, char action[16], char child[24])
{
    cJSON *b = r->body ? cJSON_ParseWithOpts(r->body, NULL, 1) : NULL;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(b, "action");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "child_id");
    enum pm_err e = PM_OK;

    child[0] = '\0';
    if (!cJSON_IsString(a) || (strcmp(a->valuestring, "merge") != 0 &&
                               strcmp(a->valuestring, "keep_apart") != 0))
        e = http_fail(r, PM_ERR_BAD_REQUEST,
                      "action: merge（同じ児として統合）または keep_apart（別の児として登録）を指定してください");
    else if (c && !cJSON_IsNull(c) &&
             (!cJSON_IsNumber(c) || c->valuedouble < 1 || c->valuedouble > 9007199254740991.0 ||
              c->valuedouble != (double)(long)c->valuedouble))
        e = http_fail(r, PM_ERR_BAD_REQUEST, "child_id: 候補の児の id（正の整数）で指定してください");
    else {
        snprintf(action, 16, "%s", a->valuestring);
        if (cJSON_IsNumber(c))
            snprintf(child, 24, "%ld", (long)c->valuedouble);
    }
    cJSON_Delete(b);
    return e;
}

enum pm_err route_duplicate_decide(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    char id[24], action[16], child[24], who[128], ids[64];
    const char *p[4] = { id, action, who, NULL };
    PGresult *q = NULL;
    enum pm_err e;

    if (http_only_params(r, allowed) != PM_OK || http_path_id(r, 0, id) != PM_OK ||
        decision_body(r, action, child) != PM_OK || !http_db(r))
        return r->err;
    p[3] = child[0] ? child : NULL;
    snprintf(who, sizeof who, "%s%s", strncmp(r->key_name, "user:", 5) == 0 ? "" : "key:", r->key_name);
    if (db_command(r->db, "BEGIN", NULL, 0) < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    if (http_set_actor(r) != PM_OK) {
        db_command(r->db, "ROLLBACK", NULL, 0);
        return r->err;
    }
    q = db_exec(r->db, "duplicate_decide", 4, p);
    if (!db_ok(q) || PQntuples(q) != 1) {
        const char *state = q ? PQresultErrorField(q, PG_DIAG_SQLSTATE) : NULL;

        e = state && strcmp(state, "22023") == 0
                ? http_fail(r, PM_ERR_BAD_REQUEST, "child_id: この報告の候補ではありません")
                : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    } else if (PQgetisnull(q, 0, 0)) {
        e = PQgetisnull(q, 0, 1) ? http_fail(r, PM_ERR_NOT_FOUND, "重複候補 %s はありません", id)
                                 : http_fail(r, PM_ERR_CONFLICT, "重複候補 %s はすでに判断済みです（%s）", id,
                                             PQgetvalue(q, 0, 1));
    } else {
        snprintf(ids, sizeof ids, "{%s}", PQgetvalue(q, 0, 0));
        e = http_audit(r, "duplicates.decide", ids);
    }
    if (e == PM_OK && db_command(r->db, "COMMIT", NULL, 0) == 0) {
        char body[160];

        snprintf(body, sizeof body, "{\"id\":%s,\"status\":\"%s\",\"child_id\":%s}", id,
                 strcmp(action, "merge") == 0 ? "merged" : "kept_apart", PQgetvalue(q, 0, 0));
        e = http_reply_json(r, 200, body);
    } else {
        db_command(r->db, "ROLLBACK", NULL, 0);
        if (e == PM_OK)
            e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    PQclear(q);
    return e;
}
