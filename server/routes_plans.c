/* routes_plans.c -- POST /v1/plans/run, GET /v1/plans, and a child's plan
 * GET /v1/children/{id}/plan?hazard=&outage_hours=&f=json|geojson|html. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/plan.h"
#include "server/plan_render.h"
#include "server/routes.h"

static const char *const plan_params[] = { "hazard", "outage_hours", "speed_kmh", "detour",
                                           "margin_h", "start_at", "outage_id", "f", NULL };
static const char *const page_params[] = { "limit", "offset", NULL };
static const char *const no_params[] = { NULL };

enum pm_err plans_run(struct http_req *r, const struct plan_scenario *s, long *run_id)
{
    struct plan_report rep;
    char actor[128];
    PGconn *w = http_db_write(r);
    enum pm_err e;

    if (!w)
        return r->err;
    http_actor(r, actor, sizeof actor);
    e = plan_run(w, s, actor, &rep);
    if (e == PM_ERR_BAD_REQUEST)
        return http_fail(r, e, "%s", rep.message);
    if (e != PM_OK) {
        fprintf(stderr, "powermapd: plan run failed: %s\n", rep.message);
        return http_fail(r, e == PM_ERR_NOMEM ? e : PM_ERR_INTERNAL, "the plan run failed");
    }
    *run_id = rep.run_id;
    return PM_OK;
}

enum pm_err plans_run_for_read(struct http_req *r, const struct plan_scenario *s, long *run_id)
{
    if (r->role < ROLE_PLANNER) {
        char key[256], *detail;
        cJSON *sc;

        plan_scenario_key(s, key, sizeof key);
        sc = cJSON_CreateString(key);
        detail = sc ? cJSON_PrintUnformatted(sc) : NULL;
        if (detail)
            http_fail_detail(r, "scenario", detail);
        free(detail);
        cJSON_Delete(sc);
        return http_fail(r, PM_ERR_CONFLICT,
                         "この想定の計画はまだありません。計画担当者（planner 以上）が "
                         "POST /v1/plans/run で作成してください "
                         "(no plan run for this scenario yet: a planner must run it)");
    }
    return plans_run(r, s, run_id);
}

/* Marks a run as read (kept by retention: audit rows refer to it). */
void plans_mark_read(struct http_req *r, long run_id)
{
    char id[24];
    const char *p[1] = { id };
    PGconn *w = http_db_write(r);

    if (!w)
        return;
    snprintf(id, sizeof id, "%ld", run_id);
    PQclear(db_exec(w, "plan_mark_read", 1, p));
}

enum pm_err route_plans_run(struct http_req *r)
{
    struct plan_scenario s;
    char err[256], id[24];
    const char *p[1] = { id };
    cJSON *body = NULL;
    PGresult *q;
    long run_id;
    enum pm_err e;

    plan_scenario_init(&s);
    if (http_only_params(r, no_params) != PM_OK)
        return r->err;
    if (r->body && r->body_len) {
        body = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
        if (!body)
            return http_fail(r, PM_ERR_BAD_REQUEST, "the body is not JSON");
        if (plan_scenario_from_json(&s, body, err, sizeof err) < 0) {
            cJSON_Delete(body);
            return http_fail(r, PM_ERR_BAD_REQUEST, "%s", err);
        }
        cJSON_Delete(body);
    }
    if (!http_db(r) || plans_run(r, &s, &run_id) != PM_OK)
        return r->err;
    snprintf(id, sizeof id, "%ld", run_id);
    q = db_exec(r->db, "plan_run_get", 1, p);
    if (!db_ok(q) || PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else
        e = http_reply_json(r, 201, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

enum pm_err route_plans_list(struct http_req *r)
{
    char lim[24], off[24];
    const char *p[2] = { lim, off };

    if (http_page(r, page_params, 20, lim, off) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "plan_runs_list", 2, p);
}

enum pm_err plans_scenario_from_query(struct http_req *r, struct plan_scenario *s)
{
    static const char *const names[] = { "hazard", "outage_hours", "speed_kmh", "detour",
                                         "margin_h", "start_at", "outage_id", NULL };
    char err[256];

    plan_scenario_init(s);
    for (int i = 0; names[i]; i++) {
        const char *v = http_query(r, names[i]);

        if (v && *v && plan_scenario_set(s, names[i], v, err, sizeof err) < 0)
            return http_fail(r, PM_ERR_BAD_REQUEST, "%s", err);
    }
    return PM_OK;
}

/* Fetches the plan of child in run; 1 found, 0 not in that run, -1 error. */
static int fetch_plan(struct http_req *r, PGconn *c, long run_id, const char *child, char **json)
{
    char run[24];
    const char *p[2] = { run, child };
    PGresult *q;
    int found;

    snprintf(run, sizeof run, "%ld", run_id);
    q = db_exec(c, "plan_get", 2, p);
    if (!db_ok(q)) {
        PQclear(q);
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        return -1;
    }
    found = PQntuples(q) == 1;
    if (found)
        *json = strdup(PQgetvalue(q, 0, 0));
    PQclear(q);
    if (found && !*json) {
        http_fail(r, PM_ERR_NOMEM, "out of memory");
        return -1;
    }
    return found;
}

enum pm_err route_child_plan(struct http_req *r)
{
    struct plan_scenario s;
    const char *f = http_query(r, "f");
    char child[24], ids[32], *json = NULL;
    const char *p[1] = { child };
    cJSON *plan = NULL, *check = NULL;
    PGresult *q;
    long id, run_id;
    int found;
    enum pm_err e = PM_OK;

    if (http_only_params(r, plan_params) != PM_OK)
        return r->err;
    if (!f)
        f = "json";
    if (strcmp(f, "json") != 0 && strcmp(f, "geojson") != 0 && strcmp(f, "html") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "f: must be json, geojson or html");
    if (pm_parse_long(r->params[0], 1, 9007199254740991L, &id) < 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "id: must be a positive integer");
    snprintf(child, sizeof child, "%ld", id);
    if (plans_scenario_from_query(r, &s) != PM_OK || !http_db(r))
        return r->err;
    q = db_exec(r->db, "plan_child_exists", 1, p);
    found = db_ok(q) ? PQntuples(q) : -1;
    PQclear(q);
    if (found < 0)
        return http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    if (found == 0)
        return http_fail(r, PM_ERR_NOT_FOUND, "no child with id %s", child);
    snprintf(ids, sizeof ids, "{%s}", child);
    if (http_audit(r, "plan.read", ids) != PM_OK)
        return r->err;

    /* The latest run of the scenario; none, or the child came later: a
     * planner runs one, others are told to ask one. */
    run_id = plan_latest_run(r->db, &s);
    found = run_id ? fetch_plan(r, r->db, run_id, child, &json) : 0;
    if (found == 0) {
        if (plans_run_for_read(r, &s, &run_id) != PM_OK)
            return r->err;
        /* Read back where it was written: a replica may lag behind. */
        found = fetch_plan(r, http_db_write(r), run_id, child, &json);
    }
    if (found < 0)
        return r->err;
    if (found == 0)
        return http_fail(r, PM_ERR_NOT_FOUND, "no plan for child %s", child);
    plans_mark_read(r, run_id);

    plan = cJSON_Parse(json);
    if (plan && plan_doc_attach(r->db, plan) < 0) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    check = plan ? plan_checklist(plan) : NULL;
    if (!plan || !check) {
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (strcmp(f, "html") == 0) {
        e = plan_doc_reply_html(r, plan, check);
    } else if (strcmp(f, "geojson") == 0) {
        char *gj = plan_geojson(plan);

        e = http_reply(r, 200, "application/geo+json", gj, gj ? strlen(gj) : 0);
    } else {
        char *out;

        cJSON_AddItemToObject(plan, "checklist", check);
        check = NULL;
        out = cJSON_PrintUnformatted(plan);
        e = http_reply(r, 200, "application/json", out, out ? strlen(out) : 0);
    }
out:
    free(json);
    cJSON_Delete(plan);
    cJSON_Delete(check);
    return e;
}
