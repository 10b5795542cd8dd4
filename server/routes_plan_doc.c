/* routes_plan_doc.c -- the 個別避難計画 as a living document (DESIGN 6 rule 10,
 * 7 v2): PUT /v1/children/{id}/plan fixes the destination agreed with a
 * facility and moves the plan's status (draft -> agreed -> shared, shared
 * only with consent) and review date; plan_doc_attach adds that document
 * part to a child's plan JSON.  The table and the review triggers are
 * sql/0080_plan_doc.sql. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/routes.h"

static const char *const no_params[] = { NULL };

/* A 4xx with a Japanese message and a stable English reason code beside the
 * error's code: {"error": {"code", "message", "reason"}}. */
static enum pm_err fail_reason(struct http_req *r, enum pm_err e, const char *reason,
                               const char *message)
{
    char json[64];

    http_fail(r, e, "%s", message);
    snprintf(json, sizeof json, "\"%s\"", reason);
    http_fail_detail(r, "reason", json);
    return e;
}

/* What a PUT asks for; pointers into the parsed body. */
struct doc_put {
    int set_dest;               /* dest_type/dest_id (and note) given */
    const char *dest_type;      /* NULL: clear the agreed destination */
    char dest_id[24];
    const char *note;
    const char *status;         /* NULL: unchanged */
    const char *review_date;    /* NULL: unchanged (or one year on when agreed) */
};

static int one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

static enum pm_err parse_dest(struct http_req *r, const cJSON *body, struct doc_put *p)
{
    static const char *const types[] = { "shelter", "power_point", NULL };
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "dest_type");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "dest_id");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(body, "note");

    if (!t && !id && !note)
        return PM_OK;
    if (!t || !id)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "dest_incomplete",
                           "避難先は dest_type と dest_id をそろえて指定してください（解除はどちらも null）。");
    p->set_dest = 1;
    if (cJSON_IsNull(t) && cJSON_IsNull(id)) {
        if (note && !cJSON_IsNull(note))
            return fail_reason(r, PM_ERR_BAD_REQUEST, "note_without_dest",
                               "避難先を解除するときは note を指定できません。");
        return PM_OK;
    }
    if (!cJSON_IsString(t) || !one_of(t->valuestring, types))
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_dest_type",
                           "dest_type は shelter（避難所）か power_point（電源供給ポイント）です。");
    if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9007199254740991.0 ||
        id->valuedouble != (double)(long long)id->valuedouble)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_dest_id", "dest_id は正の整数です。");
    p->dest_type = t->valuestring;
    snprintf(p->dest_id, sizeof p->dest_id, "%lld", (long long)id->valuedouble);
    if (note && !cJSON_IsNull(note)) {
        if (!cJSON_IsString(note) || strlen(note->valuestring) > 2000)
            return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_note",
                               "note は 2000 バイトまでの文字列です。");
        p->note = note->valuestring;
    }
    return PM_OK;
}

/* Reads and checks the body: PM_OK or a recorded 400. */
static enum pm_err parse_put(struct http_req *r, const cJSON *body, struct doc_put *p)
{
    static const char *const keys[] = { "dest_type", "dest_id", "note", "status", "review_date",
                                        NULL };
    static const char *const statuses[] = { "draft", "agreed", "shared", NULL };
    const cJSON *it, *st, *rd;

    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(body) || !body->child)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "empty_body",
                           "本文は {dest_type, dest_id, note} か {status, review_date} の JSON オブジェクトです。");
    cJSON_ArrayForEach(it, body)
        if (!it->string || !one_of(it->string, keys))
            return fail_reason(r, PM_ERR_BAD_REQUEST, "unknown_field",
                               "使えない項目があります（dest_type, dest_id, note, status, review_date のみ）。");
    if (parse_dest(r, body, p) != PM_OK)
        return r->err;
    st = cJSON_GetObjectItemCaseSensitive(body, "status");
    if (st) {
        if (!cJSON_IsString(st) || !one_of(st->valuestring, statuses))
            return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_status",
                               "status は draft（作成中）、agreed（家族と合意）、shared（支援者と共有）のいずれかです。");
        p->status = st->valuestring;
    }
    rd = cJSON_GetObjectItemCaseSensitive(body, "review_date");
    if (rd) {
        if (!cJSON_IsString(rd) || strlen(rd->valuestring) != 10 || !pm_is_iso8601(rd->valuestring))
            return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_review_date",
                               "review_date は YYYY-MM-DD の日付です。");
        p->review_date = rd->valuestring;
    }
    return PM_OK;
}

/* The review date must be a real date after today: PM_OK or a recorded 400. */
static enum pm_err check_review_date(struct http_req *r, const char *date)
{
    const char *p[1] = { date };
    PGresult *q;
    int ok;

    if (!date)
        return PM_OK;
    q = db_exec(r->db, "plan_doc_date_ok", 1, p);
    ok = db_ok(q) && PQntuples(q) == 1 && strcmp(PQgetvalue(q, 0, 0), "t") == 0;
    PQclear(q);
    return ok ? PM_OK : fail_reason(r, PM_ERR_BAD_REQUEST, "bad_review_date",
                                    "review_date は今日より後の正しい日付にしてください。");
}

/* Inside the transaction: the child exists, sharing has consent, the
 * destination exists.  PM_OK or a recorded error. */
static enum pm_err check_rules(struct http_req *r, const char *child, const struct doc_put *p)
{
    const char *lp[1] = { child }, *dp[2] = { p->dest_type, p->dest_id };
    PGresult *q = db_exec(r->db, "plan_doc_lock", 1, lp);
    int consent, was_draft, n;

    if (!db_ok(q)) {
        PQclear(q);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    n = PQntuples(q);
    consent = n == 1 && strcmp(PQgetvalue(q, 0, 0), "t") == 0;
    was_draft = n == 1 && strcmp(PQgetvalue(q, 0, 1), "draft") == 0;
    PQclear(q);
    if (n != 1)
        return fail_reason(r, PM_ERR_NOT_FOUND, "no_child", "その ID の子どもは登録されていません。");
    if (p->status && strcmp(p->status, "shared") == 0 && !consent)
        return fail_reason(r, PM_ERR_CONFLICT, "consent_required",
                           "本人・家族の同意（consent）がないため、支援者と共有（shared）にできません。");
    if (p->status && strcmp(p->status, "shared") == 0 && was_draft)
        return fail_reason(r, PM_ERR_CONFLICT, "not_agreed",
                           "計画を家族と合意（agreed）してから共有してください。");
    if (!p->set_dest || !p->dest_type)
        return PM_OK;
    q = db_exec(r->db, "plan_doc_dest_exists", 2, dp);
    n = db_ok(q) ? PQntuples(q) : -1;
    PQclear(q);
    if (n < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    if (n == 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "dest_not_found",
                           "指定した避難先（dest_type, dest_id）は登録されていません。");
    return PM_OK;
}

/* Replies 200 with the document part of child's plan (plan_doc_get). */
static enum pm_err reply_doc(struct http_req *r, PGconn *c, const char *child)
{
    const char *p[1] = { child };
    PGresult *q = db_exec(c, "plan_doc_get", 1, p);
    enum pm_err e;

    if (!db_ok(q))
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (PQntuples(q) != 1)
        e = fail_reason(r, PM_ERR_NOT_FOUND, "no_child", "その ID の子どもは登録されていません。");
    else
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

enum pm_err route_child_plan_put(struct http_req *r)
{
    struct doc_put p;
    char child[24], ids[32];
    const char *up[7];
    cJSON *body = NULL;
    PGresult *q;
    long id;
    enum pm_err e = PM_OK;

    if (http_only_params(r, no_params) != PM_OK)
        return r->err;
    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &id) < 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_id", "id は正の整数です。");
    snprintf(child, sizeof child, "%ld", id);
    if (r->body && r->body_len)
        body = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
    if (!body)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_json", "本文が JSON ではありません。");
    if (parse_put(r, body, &p) != PM_OK || !http_db(r) || check_review_date(r, p.review_date) != PM_OK) {
        e = r->err;
        goto out;
    }
    if (db_command(r->db, "BEGIN", NULL, 0) < 0 || http_set_actor(r) != PM_OK) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    snprintf(ids, sizeof ids, "{%s}", child);
    if (check_rules(r, child, &p) != PM_OK || http_audit(r, "plan.update", ids) != PM_OK) {
        e = r->err;
        goto out;
    }
    up[0] = child;
    up[1] = p.set_dest ? "true" : "false";
    up[2] = p.dest_type;
    up[3] = p.dest_type ? p.dest_id : NULL;
    up[4] = p.note;
    up[5] = p.status;
    up[6] = p.review_date;
    q = db_exec(r->db, "plan_doc_upsert", 7, up);
    if (!db_ok(q) || PQntuples(q) != 1) {
        fprintf(stderr, "powermapd: plan document update failed: %s", PQresultErrorMessage(q));
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    } else if (db_command(r->db, "COMMIT", NULL, 0) < 0) {
        e = http_fail(r, PM_ERR_INTERNAL, "commit failed");
    }
    PQclear(q);
    if (e == PM_OK)
        e = reply_doc(r, r->db, child);
out:
    cJSON_Delete(body);
    return e;
}

int plan_doc_attach(PGconn *c, cJSON *plan)
{
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(plan, "child_id");
    char child[24];
    const char *p[1] = { child };
    PGresult *q;
    cJSON *doc = NULL;

    if (!cJSON_IsNumber(cid))
        return -1;
    snprintf(child, sizeof child, "%.0f", cid->valuedouble);
    q = db_exec(c, "plan_doc_get", 1, p);
    if (db_ok(q) && PQntuples(q) == 1)
        doc = cJSON_Parse(PQgetvalue(q, 0, 0));
    PQclear(q);
    if (!doc)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(plan, "document");
    if (!cJSON_AddItemToObject(plan, "document", doc)) {
        cJSON_Delete(doc);
        return -1;
    }
    return 0;
}
