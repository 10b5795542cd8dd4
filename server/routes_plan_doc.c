/* routes_plan_doc.c -- the 個別避難計画 as a living document (DESIGN 6 rule 10,
 * 7 v2): PUT /v1/children/{id}/plan fixes the destination agreed with a
 * facility and moves the plan's status (draft -> agreed -> shared, shared
 * only with consent) and review date; plan_doc_attach adds that document
 * part to a child's plan JSON; GET /v1/plans/print prints many plans as one
 * PDF (sharing with supporters follows consent); GET|PUT /v1/plans/settings
 * is what every plan says about the municipality.  The tables and the review
 * triggers are sql/0080-0082. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/pdf.h"
#include "server/plan_render.h"
#include "server/routes.h"

static const char *const no_params[] = { NULL };

/* A 4xx with a Japanese message and a stable English reason code beside the
 * error's code: {"error": {"code", "message", "reason"}}; with extra_name,
 * one more member (its JSON text extra_json) after the reason.  (The error
 * object has room for one extra member, so the two share it.) */
static enum pm_err fail_reason_extra(struct http_req *r, enum pm_err e, const char *reason,
                                     const char *message, const char *extra_name,
                                     const char *extra_json)
{
    struct pm_buf b;

    http_fail(r, e, "%s", message);
    pm_buf_init(&b);
    pm_buf_printf(&b, "\"%s\"", reason);
    if (extra_name)
        pm_buf_printf(&b, ",\"%s\":%s", extra_name, extra_json);
    if (!b.oom)
        http_fail_detail(r, "reason", b.data);
    pm_buf_release(&b);
    return e;
}

static enum pm_err fail_reason(struct http_req *r, enum pm_err e, const char *reason,
                               const char *message)
{
    return fail_reason_extra(r, e, reason, message, NULL, NULL);
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

/* The first cell of the named query as parsed JSON, or NULL (no row, an
 * error, or out of memory). */
static cJSON *query_json(PGconn *c, const char *name, int n, const char *const *p)
{
    PGresult *q = db_exec(c, name, n, p);
    cJSON *j = NULL;

    if (db_ok(q) && PQntuples(q) == 1 && !PQgetisnull(q, 0, 0))
        j = cJSON_Parse(PQgetvalue(q, 0, 0));
    PQclear(q);
    return j;
}

/* Adds the hazard's areas around the section's trip to sec (for its map). */
static void add_areas(PGconn *c, const cJSON *plan, cJSON *sec, const char *hazard)
{
    double bb[4];
    char t[4][32];
    const char *p[5] = { hazard, t[0], t[1], t[2], t[3] };
    cJSON *areas = NULL;

    if (strcmp(hazard, "none") != 0 &&
        plan_map_bbox(cJSON_GetObjectItemCaseSensitive(plan, "home"),
                      cJSON_GetObjectItemCaseSensitive(sec, "plan"), bb) == 0) {
        for (int i = 0; i < 4; i++)
            snprintf(t[i], sizeof t[i], "%.7f", bb[i]);
        areas = query_json(c, "plan_doc_areas", 5, p);
    }
    cJSON_AddItemToObject(sec, "areas", areas ? areas : cJSON_CreateArray());
}

/* One section per hazard (DESIGN 6 rule 11): the plan's own scenario first,
 * then each hazard whose areas hold the home, with the child's plan in the
 * latest run for that hazard (null: none yet). */
static cJSON *hazard_sections(PGconn *c, const cJSON *plan, const cJSON *child, const char *cid)
{
    static const char *const copy[] = { "run_id", "scenario", "planned_at", "decision", "reasons",
                                         "runtime_h", "leave_by_h", "destination", "alternatives",
                                         NULL };
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(plan, "scenario"), *h;
    const cJSON *hz = cJSON_GetObjectItemCaseSensitive(scen, "hazard");
    const char *own = cJSON_IsString(hz) ? hz->valuestring : "none";
    cJSON *secs = cJSON_CreateArray(), *sec, *pl;

    if (!secs)
        return NULL;
    sec = cJSON_CreateObject();
    cJSON_AddItemToArray(secs, sec);
    cJSON_AddStringToObject(sec, "hazard", own);
    pl = cJSON_AddObjectToObject(sec, "plan");
    for (int i = 0; copy[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(plan, copy[i]);

        if (v)
            cJSON_AddItemToObject(pl, copy[i], cJSON_Duplicate(v, 1));
    }
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(child, "home_hazards")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(h, "hazard");
        const char *p[2] = { cid, NULL };

        if (!cJSON_IsString(name))
            continue;
        if (strcmp(name->valuestring, own) != 0) {
            sec = cJSON_CreateObject();
            cJSON_AddItemToArray(secs, sec);
            cJSON_AddStringToObject(sec, "hazard", name->valuestring);
            p[1] = name->valuestring;
            pl = query_json(c, "plan_doc_hazard_plan", 2, p);
            cJSON_AddItemToObject(sec, "plan", pl ? pl : cJSON_CreateNull());
        } else {
            sec = cJSON_GetArrayItem(secs, 0);
        }
        cJSON_AddTrueToObject(sec, "home_in_area");
        cJSON_AddItemToObject(sec, "level", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h, "level"), 1));
    }
    cJSON_ArrayForEach(sec, secs) {
        if (!cJSON_GetObjectItemCaseSensitive(sec, "home_in_area"))
            cJSON_AddFalseToObject(sec, "home_in_area");
        add_areas(c, plan, sec, cJSON_GetObjectItemCaseSensitive(sec, "hazard")->valuestring);
    }
    return secs;
}

static void replace(cJSON *o, const char *k, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    if (v && !cJSON_AddItemToObject(o, k, v))
        cJSON_Delete(v);
}

int plan_doc_attach(PGconn *c, cJSON *plan)
{
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(plan, "child_id");
    char child[24];
    const char *p[1] = { child };
    cJSON *doc, *kid, *secs;

    if (!cJSON_IsNumber(cid))
        return -1;
    snprintf(child, sizeof child, "%.0f", cid->valuedouble);
    doc = query_json(c, "plan_doc_get", 1, p);
    kid = doc ? query_json(c, "plan_doc_child", 1, p) : NULL;
    secs = kid ? hazard_sections(c, plan, kid, child) : NULL;
    if (!secs) {
        cJSON_Delete(doc);
        cJSON_Delete(kid);
        return -1;
    }
    replace(plan, "municipality", cJSON_DetachItemFromObjectCaseSensitive(kid, "settings"));
    replace(plan, "document", doc);
    replace(plan, "hazard_sections", secs);
    replace(plan, "child", kid);
    plan_reasons_ja(plan);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* GET /v1/plans/print: many plans as one PDF                                  */
/* ------------------------------------------------------------------------- */

#define PRINT_MAX 500
#define OVERRIDE_BASIS "災害対策基本法第49条の11第3項・第49条の15第3項"

struct print_req {
    long run;
    long ids[PRINT_MAX];
    int n;
    int supporter;              /* audience=supporter */
    int override;               /* override=disaster */
    const char *reason;
    char ids_array[PRINT_MAX * 21 + 3];   /* "{1,2,...}" */
};

/* Reads run, ids, audience, override and reason: PM_OK or a recorded 400. */
static enum pm_err print_params(struct http_req *r, struct print_req *pr)
{
    static const char *const allowed[] = { "run", "ids", "audience", "override", "reason", NULL };
    const char *ids = http_query(r, "ids"), *aud = http_query(r, "audience");
    const char *ov = http_query(r, "override"), *s;
    struct pm_buf b;
    int oom;

    memset(pr, 0, sizeof *pr);
    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    if (!http_query(r, "run") || pm_parse_long(http_query(r, "run"), 1, 9007199254740991L, &pr->run) < 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_run", "run には計画の番号（正の整数）を指定してください。");
    if (aud && strcmp(aud, "supporter") != 0 && strcmp(aud, "family") != 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_audience", "audience は family（家族用）か supporter（支援者用）です。");
    pr->supporter = aud && strcmp(aud, "supporter") == 0;
    if (ov && strcmp(ov, "disaster") != 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_override", "override に指定できるのは disaster だけです。");
    pr->override = ov != NULL;
    pr->reason = http_query(r, "reason");
    if (pr->override && (!pr->supporter || !pr->reason || !*pr->reason || strlen(pr->reason) > 1000))
        return fail_reason(r, PM_ERR_BAD_REQUEST, "override_needs_reason",
                           "災害時の特例（override=disaster）は audience=supporter と理由（reason、1000バイトまで）を添えて使います。");
    pm_buf_init(&b);
    pm_buf_puts(&b, "{");
    for (s = ids; s && *s;) {
        char one[24];
        size_t k = strcspn(s, ",");

        snprintf(one, sizeof one, "%.*s", (int)(k < sizeof one ? k : sizeof one - 1), s);
        if (pr->n == PRINT_MAX || k >= sizeof one ||
            pm_parse_long(one, 1, 9007199254740991L, &pr->ids[pr->n]) < 0)
            break;
        pm_buf_printf(&b, "%s%ld", pr->n ? "," : "", pr->ids[pr->n]);
        pr->n++;
        s += k;
        if (*s == ',' && *++s == 0)
            break;          /* a trailing comma */
    }
    pm_buf_puts(&b, "}");
    snprintf(pr->ids_array, sizeof pr->ids_array, "%s", b.oom ? "{}" : b.data);
    oom = b.oom;
    pm_buf_release(&b);
    if (!ids || !*ids || *s || pr->n == 0 || ids[strlen(ids) - 1] == ',' || oom)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_ids",
                           "ids には子どもの ID をカンマ区切りで 1〜500 件指定してください。");
    return PM_OK;
}

/* Sharing follows consent: a supporters' copy of a child without consent
 * is refused, unless the disaster override is asked for by a planner, and
 * then it is recorded in plan_disclosures.  PM_OK or a recorded error. */
static enum pm_err print_consent(struct http_req *r, const struct print_req *pr)
{
    const char *p[1] = { pr->ids_array };
    PGresult *q;
    struct pm_buf none;
    int missing = 0;
    enum pm_err e = PM_OK;

    if (!pr->supporter)
        return PM_OK;
    q = db_exec(r->db, "plan_doc_consents", 1, p);
    if (!db_ok(q)) {
        PQclear(q);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    pm_buf_init(&none);
    pm_buf_puts(&none, "[");
    for (int i = 0; i < PQntuples(q); i++)
        if (strcmp(PQgetvalue(q, i, 1), "t") != 0)
            pm_buf_printf(&none, "%s%s", missing++ ? "," : "", PQgetvalue(q, i, 0));
    pm_buf_puts(&none, "]");
    PQclear(q);
    if (missing && !pr->override) {
        e = fail_reason_extra(r, PM_ERR_FORBIDDEN, "consent_required",
                              "同意のない子どもの計画は、支援者用に印刷できません（災害時の特例は override=disaster と reason を指定）。",
                              "without_consent", none.oom ? "[]" : none.data);
    } else if (missing && r->role < ROLE_PLANNER) {
        e = fail_reason(r, PM_ERR_FORBIDDEN, "override_needs_planner",
                        "災害時の特例による提供は planner 以上の権限で行います。");
    } else if (missing) {
        char actor[128], ids[PRINT_MAX * 21 + 3];
        const char *dp[4] = { actor, ids, OVERRIDE_BASIS, pr->reason };
        PGconn *w = http_db_write(r);

        snprintf(actor, sizeof actor, "key:%s", r->key_name);
        snprintf(ids, sizeof ids, "{%.*s}", (int)(none.len - 2), none.data + 1);
        q = w ? db_exec(w, "plan_doc_disclose", 4, dp) : NULL;
        if (!w)
            e = r->err;
        else if (!db_ok(q))
            e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        PQclear(q);
        if (e == PM_OK)
            e = http_audit(r, "plan.print.disaster_override", ids);
    }
    pm_buf_release(&none);
    return e;
}

/* One child's plan of the run, with its document, as a parsed plan; NULL
 * and a recorded error when it cannot. */
static cJSON *print_plan(struct http_req *r, long run, long child)
{
    char rs[24], cs[24];
    const char *p[2] = { rs, cs };
    cJSON *plan;

    snprintf(rs, sizeof rs, "%ld", run);
    snprintf(cs, sizeof cs, "%ld", child);
    plan = query_json(r->db, "plan_get", 2, p);
    if (!plan) {
        fail_reason_extra(r, PM_ERR_NOT_FOUND, "not_in_run", "指定した計画に含まれない子どもの ID があります。",
                          "child_id", cs);
        return NULL;
    }
    if (plan_doc_attach(r->db, plan) < 0) {
        cJSON_Delete(plan);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return NULL;
    }
    return plan;
}

/* Draws every plan into pdf: PM_OK or a recorded error. */
static enum pm_err print_all(struct http_req *r, const struct print_req *pr, struct pdf_doc *pdf)
{
    struct plan_doc_opts o = { pr->supporter ? "supporter" : "family", NULL };
    char note[1200];

    for (int i = 0; i < pr->n; i++) {
        cJSON *plan = print_plan(r, pr->run, pr->ids[i]), *check;
        const cJSON *rec, *name;
        struct plan_doc d;
        char foot[256];
        int rc;

        if (!plan)
            return r->err;
        rec = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(plan, "child"), "record");
        o.override_note = NULL;
        if (pr->override && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "consent"))) {
            snprintf(note, sizeof note, "%s", pr->reason);
            o.override_note = note;
        }
        name = cJSON_GetObjectItemCaseSensitive(plan, "name");
        snprintf(foot, sizeof foot, "個別避難計画　%s　%s", cJSON_IsString(name) ? name->valuestring : "",
                 pr->supporter ? "（支援者用）" : "（家族用）");
        check = plan_checklist(plan);
        rc = check ? plan_doc_build(&d, plan, check, &o) : -1;
        if (rc == 0) {
            rc = pdf_add(pdf, &d, foot);
            plan_doc_release(&d);
        }
        cJSON_Delete(check);
        cJSON_Delete(plan);
        if (rc < 0)
            return http_fail(r, PM_ERR_NOMEM, "the PDF could not be made");
    }
    return PM_OK;
}

enum pm_err route_plans_print(struct http_req *r)
{
    struct print_req *pr = malloc(sizeof *pr);
    struct pdf_doc *pdf = NULL;
    char *out, cd[96];
    size_t len = 0;
    enum pm_err e;

    if (!pr)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    if (print_params(r, pr) != PM_OK || !http_db(r) || print_consent(r, pr) != PM_OK) {
        e = r->err;
        goto out;
    }
    if (http_audit(r, pr->supporter ? "plan.print.supporter" : "plan.print", pr->ids_array) != PM_OK) {
        e = r->err;
        goto out;
    }
    pdf = pdf_new();
    if (!pdf) {
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (print_all(r, pr, pdf) != PM_OK) {
        e = r->err;
        goto out;
    }
    out = pdf_finish(pdf, &len);
    pdf = NULL;
    if (!out) {
        e = http_fail(r, PM_ERR_INTERNAL, "the PDF could not be made");
        goto out;
    }
    e = http_reply(r, 200, "application/pdf", out, len);
    snprintf(cd, sizeof cd, "inline; filename=\"plans-%ld.pdf\"", pr->run);
    http_header(r, "Content-Disposition", cd);
    http_header(r, "Cache-Control", "private, no-store");
out:
    pdf_free(pdf);
    free(pr);
    return e;
}

/* ------------------------------------------------------------------------- */
/* GET|PUT /v1/plans/settings: what every plan prints about the municipality   */
/* ------------------------------------------------------------------------- */

enum pm_err route_plan_settings_get(struct http_req *r)
{
    if (http_only_params(r, no_params) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "plan_settings_get", 0, NULL);
}

enum pm_err route_plan_settings_put(struct http_req *r)
{
    static const char *const keys[] = { "municipality", "department", "phone", "note", NULL };
    cJSON *body = NULL;
    const cJSON *it;
    enum pm_err e = PM_OK;

    if (http_only_params(r, no_params) != PM_OK)
        return r->err;
    if (r->body && r->body_len)
        body = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_json",
                           "本文は {municipality, department, phone, note} の JSON オブジェクトです。");
    }
    cJSON_ArrayForEach(it, body)
        if (!one_of(it->string, keys) || !(cJSON_IsString(it) || cJSON_IsNull(it)) ||
            (cJSON_IsString(it) && strlen(it->valuestring) > 500)) {
            cJSON_Delete(body);
            return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_setting",
                               "設定できるのは municipality, department, phone, note（500バイトまでの文字列か null）です。");
        }
    if (!http_db(r) || db_command(r->db, "BEGIN", NULL, 0) < 0) {
        cJSON_Delete(body);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    cJSON_ArrayForEach(it, body) {
        const char *p[2] = { it->string, cJSON_IsString(it) ? it->valuestring : NULL };
        PGresult *q = db_exec(r->db, "plan_settings_put", 2, p);

        if (!db_ok(q))
            e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        PQclear(q);
        if (e != PM_OK)
            break;
    }
    cJSON_Delete(body);
    if (e == PM_OK && db_command(r->db, "COMMIT", NULL, 0) < 0)
        e = http_fail(r, PM_ERR_INTERNAL, "commit failed");
    return e == PM_OK ? route_plan_settings_get(r) : e;
}

/* ------------------------------------------------------------------------- */
/* GET /v1/plans/documents: every child's plan status, 要見直し first asked   */
/* ------------------------------------------------------------------------- */

enum pm_err route_plan_docs_list(struct http_req *r)
{
    static const char *const allowed[] = { "limit", "offset", "review_due", "status", NULL };
    static const char *const statuses[] = { "draft", "agreed", "shared", NULL };
    const char *due = http_query(r, "review_due"), *st = http_query(r, "status");
    char lim[24], off[24];
    const char *p[4] = { lim, off, NULL, st };
    PGresult *q;
    enum pm_err e;

    if (http_page(r, allowed, 100, lim, off) != PM_OK)
        return r->err;
    if (due && strcmp(due, "true") != 0 && strcmp(due, "false") != 0)
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_review_due", "review_due は true か false です。");
    if (st && !one_of(st, statuses))
        return fail_reason(r, PM_ERR_BAD_REQUEST, "bad_status",
                           "status は draft、agreed、shared のいずれかです。");
    p[2] = due && strcmp(due, "true") == 0 ? "true" : "false";
    if (!http_db(r))
        return r->err;
    q = db_exec(r->db, "plan_docs_list", 4, p);
    if (!db_ok(q) || PQntuples(q) != 1) {
        PQclear(q);
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    e = http_audit(r, "plan.list", PQgetvalue(q, 0, 1));
    if (e == PM_OK)
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

enum pm_err plan_doc_reply_html(struct http_req *r, const cJSON *plan, const cJSON *check)
{
    struct plan_base_map base = { r->srv->tiles, r->srv->tiles_attribution };
    char src[300] = "", csp[512];
    size_t len = 0;
    int tiles = base.tiles && route_embed_tiles_ok(base.tiles, src, sizeof src) == 0;
    char *html = plan_html_with(plan, check, tiles ? &base : NULL, &len);
    enum pm_err e;

    if (!html)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    e = http_reply(r, 200, "text/html; charset=utf-8", html, len);
    snprintf(csp, sizeof csp, "default-src 'none'; style-src 'unsafe-inline'; %s%s%s"
             "frame-ancestors 'none'", tiles ? "img-src " : "", tiles ? src : "", tiles ? "; " : "");
    http_header(r, "Content-Security-Policy", csp);
    http_header(r, "X-Content-Type-Options", "nosniff");
    http_header(r, "Referrer-Policy", "no-referrer");
    return e;
}
