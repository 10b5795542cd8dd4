/* routes_reports.c -- the council's questions (DESIGN 7, 9; issue 16): the
 * council report (internal and public), the transitions coming within a
 * year, the municipality's definition of 医療的ケア児, and where new power
 * places or lent power stations would help the children the plan leaves out. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/coverage.h"
#include "geo/disclosure.h"
#include "server/db.h"
#include "server/plan.h"
#include "server/report.h"
#include "server/routes.h"

/* public=true|false; anything else is a 400. */
static enum pm_err public_flag(struct http_req *r, int *pub)
{
    const char *v = http_query(r, "public");

    *pub = v && strcmp(v, "true") == 0;
    if (v && !*pub && strcmp(v, "false") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "public: true または false で指定してください");
    /* Exact figures are for staff: without a credential, only the public version. */
    if (!*pub && r->role < ROLE_VIEWER)
        return http_fail(r, PM_ERR_UNAUTHORIZED,
                         "正確な人数を見るにはログインかトークンが必要です（公開版は public=true）");
    return PM_OK;
}

static enum pm_err date_param(struct http_req *r, const char *name, const char **out)
{
    *out = http_query(r, name);
    if (*out && (!pm_is_iso8601(*out) || strlen(*out) < 10))
        return http_fail(r, PM_ERR_BAD_REQUEST, "%s: ISO 8601 の日付で指定してください（例 2026-04-01）",
                         name);
    return PM_OK;
}

/* ------------------------------------------------------- council report */

enum pm_err route_reports_council(struct http_req *r)
{
    static const char *const allowed[] = { "f", "public", "at", "since", NULL };
    const char *f = http_query(r, "f"), *at, *since;
    struct plan_scenario s;
    char run[24];
    const char *p[3];
    PGresult *q = NULL;
    cJSON *rep = NULL;
    enum pm_err e;
    int pub;

    if (!f)
        f = "json";
    if (http_only_params(r, allowed) != PM_OK || public_flag(r, &pub) != PM_OK ||
        date_param(r, "at", &at) != PM_OK || date_param(r, "since", &since) != PM_OK)
        return r->err;
    if (strcmp(f, "json") != 0 && strcmp(f, "html") != 0 && strcmp(f, "xlsx") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "f: json、html、xlsx のいずれかで指定してください");
    if (!http_db(r))
        return r->err;
    if (!pub && http_audit(r, "report.council", NULL) != PM_OK)
        return r->err;
    plan_scenario_init(&s);
    snprintf(run, sizeof run, "%ld", plan_latest_run(r->db, &s));
    p[0] = at;
    p[1] = since;
    p[2] = run;
    q = db_exec(r->db, "council_report", 3, p);
    if (!db_ok(q) || PQntuples(q) != 1) {
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto out;
    }
    rep = report_council(PQgetvalue(q, 0, 0), pub);
    if (!rep) {
        e = http_fail(r, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (strcmp(f, "html") == 0) {
        size_t len = 0;
        char *html = report_council_html(rep, &len);

        e = http_reply(r, 200, "text/html; charset=utf-8", html, len);
        http_header(r, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    } else if (strcmp(f, "xlsx") == 0) {
        size_t len = 0;
        char *x = report_council_xlsx(rep, NULL, &len);

        e = http_reply(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       x, len);
        http_header(r, "Content-Disposition", "attachment; filename=\"council-report.xlsx\"");
    } else {
        char *json = cJSON_PrintUnformatted(rep);

        e = http_reply(r, 200, "application/json", json, json ? strlen(json) : 0);
    }
out:
    PQclear(q);
    cJSON_Delete(rep);
    return e;
}

/* ---------------------------------------------------------- transitions */

enum pm_err route_reports_transitions(struct http_req *r)
{
    static const char *const allowed[] = { "at", "months", "limit", "offset", NULL };
    char lim[24], off[24], months[24];
    const char *at, *p[4];
    long m;
    PGresult *q;
    enum pm_err e;

    if (http_page(r, allowed, 1000, lim, off) != PM_OK || date_param(r, "at", &at) != PM_OK ||
        http_query_long(r, "months", 12, 1, 36, &m) != PM_OK || !http_db(r))
        return r->err;
    snprintf(months, sizeof months, "%ld", m);
    p[0] = at;
    p[1] = months;
    p[2] = lim;
    p[3] = off;
    q = db_exec(r->db, "transitions_list", 4, p);
    if (!db_ok(q) || PQntuples(q) != 1)
        e = http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    else if (http_audit(r, "report.transitions", PQgetvalue(q, 0, 1)) != PM_OK)
        e = r->err;
    else
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    PQclear(q);
    return e;
}

/* ----------------------------------------------------------- definition */

enum pm_err route_definition_get(struct http_req *r)
{
    static const char *const allowed[] = { NULL };

    if (http_only_params(r, allowed) != PM_OK || !http_db(r))
        return r->err;
    return http_reply_query(r, r->db, "definition_get", 0, NULL);
}

/* Checks a definition: {"care": [care items], "severe_disability_counts":
 * bool, "label": text}.  PM_OK or a recorded 400 in Japanese. */
static enum pm_err check_definition(struct http_req *r, const cJSON *d)
{
    static const char *const care[] = { "ventilator", "tracheostomy", "suction", "oxygen",
                                         "tube_feeding", "iv", "dialysis", "other", NULL };
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "care"), *it;
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(d, "severe_disability_counts");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(d, "label");

    if (!cJSON_IsObject(d) || cJSON_GetArraySize(d) != 3 || !cJSON_IsArray(c) ||
        !cJSON_IsBool(sd) || !cJSON_IsString(label))
        return http_fail(r, PM_ERR_BAD_REQUEST,
                         "定義は {\"care\": [...], \"severe_disability_counts\": true|false, "
                         "\"label\": \"...\"} の形で送ってください");
    if (strlen(label->valuestring) == 0 || strlen(label->valuestring) > 900)
        return http_fail(r, PM_ERR_BAD_REQUEST, "label: 1〜300文字で指定してください");
    for (it = c ? c->child : NULL; it; it = it->next) {
        int ok = 0;

        for (int i = 0; cJSON_IsString(it) && care[i]; i++)
            ok |= strcmp(it->valuestring, care[i]) == 0;
        if (!ok)
            return http_fail(r, PM_ERR_BAD_REQUEST,
                             "care: ケア項目は ventilator, tracheostomy, suction, oxygen, "
                             "tube_feeding, iv, dialysis, other から選んでください");
    }
    return PM_OK;
}

enum pm_err route_definition_put(struct http_req *r)
{
    static const char *const allowed[] = { NULL };
    cJSON *d;
    char *text = NULL;
    const char *p[1];
    PGresult *q = NULL;
    enum pm_err e;

    if (http_only_params(r, allowed) != PM_OK)
        return r->err;
    d = r->body ? cJSON_ParseWithOpts(r->body, NULL, 1) : NULL;
    if (check_definition(r, d) != PM_OK) {
        cJSON_Delete(d);
        return r->err;
    }
    text = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    p[0] = text;
    if (!text)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    if (!http_db(r) || db_command(r->db, "BEGIN", NULL, 0) < 0) {
        free(text);
        return r->err != PM_OK ? r->err : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    /* history names who changed the definition: the actor lives in the transaction. */
    if (http_set_actor(r) == PM_OK && http_audit(r, "settings.definition", NULL) == PM_OK)
        q = db_exec(r->db, "definition_put", 1, p);
    if (db_ok(q) && PQntuples(q) == 1 && db_command(r->db, "COMMIT", NULL, 0) == 0) {
        e = http_reply_json(r, 200, PQgetvalue(q, 0, 0));
    } else {
        db_command(r->db, "ROLLBACK", NULL, 0);
        e = r->err != PM_OK ? r->err : http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
    }
    PQclear(q);
    free(text);
    return e;
}

/* ------------------------------------------------------------- coverage */

/* What the coverage question asks. */
struct cov_ask {
    long add, stations, station_wh, station_w;
    const char *kind;
    char *points;               /* JSON array of [lon, lat] (malloc'd) */
    int pub;
};

/* candidates=lon,lat;lon,lat... -> a JSON array.  PM_OK or a recorded 400. */
static enum pm_err parse_points(struct http_req *r, const char *v, char **json)
{
    struct pm_buf b;
    int n = 0;

    pm_buf_init(&b);
    pm_buf_puts(&b, "[");
    while (v && *v) {
        double lon, lat;
        int used = 0;

        if (sscanf(v, "%lf,%lf%n", &lon, &lat, &used) != 2 || !isfinite(lon) || !isfinite(lat) ||
            lon < -180 || lon > 180 || lat < -90 || lat > 90 || ++n > 500 ||
            (v[used] != '\0' && v[used] != ';')) {
            pm_buf_release(&b);
            return http_fail(r, PM_ERR_BAD_REQUEST,
                             "candidates: 経度,緯度 を ; で区切って 500 か所まで指定してください");
        }
        pm_buf_printf(&b, "%s[%.7f,%.7f]", n > 1 ? "," : "", lon, lat);
        v += used + (v[used] == ';');
    }
    pm_buf_puts(&b, "]");
    if (b.oom)
        return http_fail(r, PM_ERR_NOMEM, "out of memory");
    *json = pm_buf_steal(&b, NULL);
    return PM_OK;
}

static enum pm_err cov_params(struct http_req *r, struct cov_ask *a)
{
    static const char *const allowed[] = { "add", "kind", "candidates", "public", "stations",
                                           "station_wh", "station_w", "hazard", "outage_hours",
                                           "speed_kmh", "detour", "margin_h", "start_at", NULL };
    const char *k = http_query(r, "kind");

    a->kind = k ? k : "all";
    if (http_only_params(r, allowed) != PM_OK || public_flag(r, &a->pub) != PM_OK ||
        http_query_long(r, "add", 3, 1, 50, &a->add) != PM_OK ||
        http_query_long(r, "stations", 0, 0, 100000, &a->stations) != PM_OK ||
        http_query_long(r, "station_wh", 1000, 1, 100000, &a->station_wh) != PM_OK ||
        http_query_long(r, "station_w", 1500, 1, 100000, &a->station_w) != PM_OK)
        return r->err;
    if (strcmp(a->kind, "all") != 0 && strcmp(a->kind, "shelters") != 0 &&
        strcmp(a->kind, "facilities") != 0 && strcmp(a->kind, "none") != 0)
        return http_fail(r, PM_ERR_BAD_REQUEST, "kind: all, shelters, facilities または none");
    return parse_points(r, http_query(r, "candidates"), &a->points);
}

/* Index of id in the sorted ids, or -1. */
static long find_id(const long *ids, size_t n, long id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (ids[mid] == id)
            return (long)mid;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The problem built from the database: left-out children and sites. */
struct cov_data {
    size_t nkids, nsites;
    long *kid;                  /* child ids, sorted */
    unsigned char *ls;          /* life-sustaining */
    size_t *start, *items;
    PGresult *sites;
};

static void cov_data_release(struct cov_data *d)
{
    free(d->kid);
    free(d->ls);
    free(d->start);
    free(d->items);
    PQclear(d->sites);
}

static int cov_load(PGconn *c, const char *run, const struct cov_ask *a,
                    const struct plan_scenario *s, struct cov_data *d)
{
    char speed[32], detour[32], margin[32];
    const char *p[7] = { run, a->kind, a->points, speed, detour, margin, s->hazard };
    PGresult *q = db_exec(c, "coverage_left_out", 1, p);
    size_t nnz = 0;

    memset(d, 0, sizeof *d);
    if (!db_ok(q))
        return PQclear(q), -1;
    d->nkids = (size_t)PQntuples(q);
    d->kid = calloc(d->nkids + 1, sizeof *d->kid);
    d->ls = calloc(d->nkids + 1, 1);
    for (size_t i = 0; d->kid && d->ls && i < d->nkids; i++) {
        d->kid[i] = strtol(PQgetvalue(q, (int)i, 0), NULL, 10);
        d->ls[i] = PQgetvalue(q, (int)i, 1)[0] == 't';
    }
    PQclear(q);
    snprintf(speed, sizeof speed, "%.17g", s->speed_kmh);
    snprintf(detour, sizeof detour, "%.17g", s->detour);
    snprintf(margin, sizeof margin, "%.17g", s->margin_h);
    d->sites = db_exec(c, "coverage_sites", 7, p);
    if (!d->kid || !d->ls || !db_ok(d->sites))
        return -1;
    d->nsites = (size_t)PQntuples(d->sites);
    d->start = calloc(d->nsites + 1, sizeof *d->start);
    for (size_t i = 0; i < d->nsites; i++) {
        const char *arr = PQgetvalue(d->sites, (int)i, 5);

        for (const char *t = arr; *t; t++)
            nnz += *t == ',';
        nnz += strcmp(arr, "{}") != 0;
    }
    d->items = calloc(nnz + 1, sizeof *d->items);
    if (!d->start || !d->items)
        return -1;
    nnz = 0;
    for (size_t i = 0; i < d->nsites; i++) {
        const char *t = PQgetvalue(d->sites, (int)i, 5) + 1;

        d->start[i] = nnz;
        while (*t && *t != '}') {
            char *end;
            long k = find_id(d->kid, d->nkids, strtol(t, &end, 10));

            if (k >= 0)
                d->items[nnz++] = (size_t)k;
            t = *end == ',' ? end + 1 : end;
        }
    }
    d->start[d->nsites] = nnz;
    return 0;
}

/* A count under the public rule: the number, or null and "<name>_suppressed". */
static void put_count(cJSON *o, const char *name, long n, enum disc_state st)
{
    char flag[64];

    if (st == DISC_PUBLISHED) {
        cJSON_AddNumberToObject(o, name, (double)n);
        return;
    }
    cJSON_AddNullToObject(o, name);
    snprintf(flag, sizeof flag, "%s_%s", name, st == DISC_SUPPRESSED ? "suppressed" : "hidden");
    cJSON_AddBoolToObject(o, flag, 1);
}

/* Public states for part of whole (both counts of children) and for the
 * cells that split part.  Returns part's state. */
static enum disc_state public_part(long whole, long part, struct disc_cell *cells, size_t n)
{
    struct disc_cell pair[2] = { { part, DISC_HIDDEN }, { whole - part, DISC_HIDDEN } };

    if (disc_safe(whole))
        disc_partition(whole, pair, 2);
    if (pair[0].state == DISC_PUBLISHED) {
        disc_partition(part, cells, n);
    } else {
        for (size_t i = 0; i < n; i++)
            cells[i].state = DISC_HIDDEN;
    }
    return pair[0].state;
}

/* The chosen places with the children each adds (and of them on
 * life-sustaining devices); public: both columns follow the 1-10 rule as
 * partitions of the children covered. */
static void cov_places(cJSON *out, const struct cov_data *d, const struct geo_cov_result *res, int pub)
{
    unsigned char *cov = calloc(d->nkids + 1, 1);
    struct disc_cell *kids = calloc(res->nchosen + 1, sizeof *kids);
    struct disc_cell *ls = calloc(res->nchosen + 1, sizeof *ls);
    cJSON *arr = cJSON_AddArrayToObject(out, "places");
    long tk = 0, tl = 0;

    if (!cov || !kids || !ls || !arr)
        goto out;
    for (size_t i = 0; i < res->nchosen; i++) {
        size_t s = res->chosen[i];

        for (size_t k = d->start[s]; k < d->start[s + 1]; k++)
            if (!cov[d->items[k]]) {
                cov[d->items[k]] = 1;
                kids[i].count++;
                ls[i].count += d->ls[d->items[k]];
            }
        tk += kids[i].count;
        tl += ls[i].count;
    }
    {
        long lsn = 0;
        enum disc_state kst = DISC_PUBLISHED, lst = DISC_PUBLISHED;

        for (size_t i = 0; i < d->nkids; i++)
            lsn += d->ls[i];
        /* Public: covered and not covered split the left-out children, and
         * the places split the covered ones. */
        if (pub) {
            kst = public_part((long)d->nkids, tk, kids, res->nchosen);
            lst = public_part(lsn, tl, ls, res->nchosen);
        }
        put_count(out, "covered", tk, kst);
        put_count(out, "covered_life_sustaining", tl, lst);
    }
    for (size_t i = 0; i < res->nchosen; i++) {
        int row = (int)res->chosen[i];
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            break;
        }
        cJSON_AddNumberToObject(o, "rank", (double)(i + 1));
        cJSON_AddStringToObject(o, "type", PQgetvalue(d->sites, row, 0));
        cJSON_AddNumberToObject(o, "id", strtod(PQgetvalue(d->sites, row, 1), NULL));
        if (!PQgetisnull(d->sites, row, 2))
            cJSON_AddStringToObject(o, "name", PQgetvalue(d->sites, row, 2));
        cJSON_AddNumberToObject(o, "lon", strtod(PQgetvalue(d->sites, row, 3), NULL));
        cJSON_AddNumberToObject(o, "lat", strtod(PQgetvalue(d->sites, row, 4), NULL));
        put_count(o, "children", kids[i].count, kids[i].state);
        put_count(o, "life_sustaining", ls[i].count, ls[i].state);
    }
out:
    free(cov);
    free(kids);
    free(ls);
}

/* Greedy maximal covering twice: weighted (life-sustaining children first,
 * each worth more than all others together) for the choice, and by head
 * count for the bound on children. */
static int cov_solve(cJSON *out, const struct cov_data *d, long add, int pub)
{
    double *w = calloc(d->nkids + 1, sizeof *w), *gain = calloc((size_t)add, sizeof *gain);
    size_t *chosen = calloc((size_t)add, sizeof *chosen);
    struct geo_cov_problem p = { d->nsites, d->nkids, d->start, d->items, w };
    struct geo_cov_result res = { 0, chosen, gain, 0, 0 }, heads = res;
    int rc = -1;

    if (!w || !gain || !chosen)
        goto out;
    for (size_t i = 0; i < d->nkids; i++)
        w[i] = 1;
    if (geo_coverage_greedy(&p, (size_t)add, &heads) < 0)
        goto out;
    {
        long most = (long)floor(heads.bound + 1e-9);

        put_count(out, "at_most_children", most, !pub || disc_safe(most) ? DISC_PUBLISHED
                                                                         : DISC_SUPPRESSED);
    }
    for (size_t i = 0; i < d->nkids; i++)
        w[i] = d->ls[i] ? (double)d->nkids + 1 : 1;
    if (geo_coverage_greedy(&p, (size_t)add, &res) < 0)
        goto out;
    cJSON_AddBoolToObject(out, "proven_optimal", res.value >= res.bound - 1e-9);
    {
        long most = (long)floor(res.bound / ((double)d->nkids + 1) + 1e-9);

        put_count(out, "at_most_life_sustaining", most,
                  !pub || disc_safe(most) ? DISC_PUBLISHED : DISC_SUPPRESSED);
    }
    cov_places(out, d, &res, pub);
    rc = 0;
out:
    free(w);
    free(gain);
    free(chosen);
    return rc;
}

/* The what-if of lending stations portable power stations of station_wh
 * watt-hours (station_w watts out) to homes: how many more children could
 * stay home for 72 hours and for 7 days (DESIGN 6 rule 7: energy over the
 * average draw). */
static int cov_stations(cJSON *out, PGconn *c, const char *run, const struct cov_ask *a)
{
    static const double hours[] = { 72, 168 };
    const char *p[1] = { run };
    PGresult *q = db_exec(c, "coverage_station_children", 1, p);
    size_t n = db_ok(q) ? (size_t)PQntuples(q) : 0;
    int *need = calloc(n + 1, sizeof *need);
    unsigned char *ls = calloc(n + 1, 1), *taken = calloc(n + 1, 1);
    cJSON *arr = cJSON_AddArrayToObject(out, "stations");
    int rc = -1;

    if (!db_ok(q) || !need || !ls || !taken || !arr)
        goto out;
    for (int h = 0; h < 2; h++) {
        long shortn = 0, used = 0, lsn = 0, got;
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            double rt = strtod(PQgetvalue(q, (int)i, 1), NULL);
            double peak = strtod(PQgetvalue(q, (int)i, 2), NULL);
            double avg = strtod(PQgetvalue(q, (int)i, 3), NULL);

            ls[i] = PQgetvalue(q, (int)i, 4)[0] == 't';
            need[i] = rt >= hours[h] ? 0
                      : peak > (double)a->station_w || avg <= 0 ? -1
                      : (int)fmin(1e6, ceil((hours[h] - rt) * avg / (double)a->station_wh - 1e-9));
            shortn += need[i] != 0;
        }
        got = (long)geo_stations_lend(need, ls, n, a->stations, taken, &used);
        for (size_t i = 0; i < n; i++)
            lsn += taken[i] && ls[i];
        cJSON_AddNumberToObject(o, "hours", hours[h]);
        cJSON_AddNumberToObject(o, "stations", (double)a->stations);
        cJSON_AddNumberToObject(o, "stations_used", (double)used);
        {
            struct disc_cell part[2] = { { got, 0 }, { shortn - got, 0 } };
            struct disc_cell lsp[2] = { { lsn, 0 }, { got - lsn, 0 } };
            enum disc_state sst = !a->pub || disc_safe(shortn) ? DISC_PUBLISHED : DISC_SUPPRESSED;

            if (a->pub) {
                disc_partition(shortn, part, 2);
                if (part[0].state == DISC_PUBLISHED)
                    disc_partition(got, lsp, 2);
                else
                    lsp[0].state = DISC_HIDDEN;
            }
            put_count(o, "short_now", shortn, sst);
            put_count(o, "could_stay_home", got, part[0].state);
            put_count(o, "life_sustaining", lsn, lsp[0].state);
        }
    }
    rc = 0;
out:
    PQclear(q);
    free(need);
    free(ls);
    free(taken);
    return rc;
}

enum pm_err route_analysis_coverage(struct http_req *r)
{
    struct cov_ask a = { 0 };
    struct plan_scenario s;
    struct cov_data d = { 0 };
    char run[24];
    long run_id;
    cJSON *out = NULL;
    char *json;
    enum pm_err e = PM_OK;

    if (cov_params(r, &a) != PM_OK || plans_scenario_from_query(r, &s) != PM_OK || !http_db(r))
        goto done;
    run_id = plan_latest_run(r->db, &s);
    if (!run_id) {
        http_fail(r, PM_ERR_CONFLICT,
                  "この想定の計画がまだありません。計画担当者が先に計画を実行してください（POST /v1/plans/run）");
        goto done;
    }
    snprintf(run, sizeof run, "%ld", run_id);
    out = cJSON_CreateObject();
    if (!out || cov_load(r->db, run, &a, &s, &d) < 0) {
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto done;
    }
    if (!a.pub && http_audit(r, "analysis.coverage", NULL) != PM_OK)
        goto done;
    cJSON_AddNumberToObject(out, "plan_run_id", (double)run_id);
    cJSON_AddBoolToObject(out, "public", a.pub);
    cJSON_AddNumberToObject(out, "add", (double)a.add);
    cJSON_AddStringToObject(out, "kind", a.kind);
    cJSON_AddNumberToObject(out, "candidates", (double)d.nsites);
    cJSON_AddStringToObject(out, "method",
                            "greedy maximal covering: life-sustaining children first; at least 1-1/e "
                            "of the best choice, and at_most_* bound every choice (Nemhauser et al. 1978)");
    {
        long ls = 0;

        for (size_t i = 0; i < d.nkids; i++)
            ls += d.ls[i];
        put_count(out, "left_out", (long)d.nkids,
                  !a.pub || disc_safe((long)d.nkids) ? DISC_PUBLISHED : DISC_SUPPRESSED);
        put_count(out, "left_out_life_sustaining", ls,
                  !a.pub || disc_safe(ls) ? DISC_PUBLISHED : DISC_SUPPRESSED);
    }
    if (cov_solve(out, &d, a.add, a.pub) < 0 ||
        (a.stations > 0 && cov_stations(out, r->db, run, &a) < 0)) {
        http_fail(r, PM_ERR_UNAVAILABLE, "the database is unavailable");
        goto done;
    }
    json = cJSON_PrintUnformatted(out);
    e = http_reply(r, 200, "application/json", json, json ? strlen(json) : 0);
done:
    cov_data_release(&d);
    cJSON_Delete(out);
    free(a.points);
    return r->err != PM_OK ? r->err : e;
}
