/* plan.c -- the city-wide plan run (DESIGN.md section 6).
 *
 * 1. Read every child's need_w, runtime_h, life-sustaining flag, mobility and
 *    whether its home is in a hazard area of the scenario (SQL, polygon test).
 * 2. Decide who stays home (rule 2) and who needs a destination (rules 1, 3).
 * 3. Ask PostGIS for each such child's nearest eligible destinations within
 *    reach, speed x (runtime - margin) / detour, through the GiST indexes.
 * 4. Share the destinations out city-wide with geo_assign_solve (rules 4, 5).
 * 5. Store every child's plan with the run, in the same transaction. */
#include "server/plan.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/assign.h"
#include "server/db.h"
#include "server/util.h"

/* Candidates asked for per child and type: the solver needs choice where
 * destinations are contested, and PostGIS stops the KNN scan after them. */
#define PLAN_CANDIDATES 12
/* Stay-home children get the power points this close listed as backup. */
#define PLAN_BACKUP_RADIUS_M 10000.0

static const char *const hazards[] = { "none", "flood", "landslide", "storm_surge", "earthquake",
                                       "tsunami", "fire", "inland_flood", "volcano", NULL };

void plan_scenario_init(struct plan_scenario *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->hazard, sizeof s->hazard, "none");
    s->outage_hours = 72;
    s->speed_kmh = 20;
    s->detour = 1.4;
    s->margin_h = 1;
}

static int set_number(double *out, const char *name, const char *value, double min, double max,
                      char *err, size_t errlen)
{
    double v;

    if (pm_parse_double(value, &v) < 0 || v < min || v > max) {
        snprintf(err, errlen, "%s: must be a number from %g to %g", name, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int plan_scenario_set(struct plan_scenario *s, const char *name, const char *value,
                      char *err, size_t errlen)
{
    if (strcmp(name, "hazard") == 0) {
        for (int i = 0; hazards[i]; i++) {
            if (strcmp(value, hazards[i]) == 0) {
                snprintf(s->hazard, sizeof s->hazard, "%s", value);
                return 0;
            }
        }
        snprintf(err, errlen, "hazard: must be none, flood, landslide, storm_surge, earthquake, "
                              "tsunami, fire, inland_flood or volcano");
        return -1;
    }
    if (strcmp(name, "outage_hours") == 0)
        return set_number(&s->outage_hours, name, value, 0, 8760, err, errlen);
    if (strcmp(name, "speed_kmh") == 0)
        return set_number(&s->speed_kmh, name, value, 0.1, 300, err, errlen);
    if (strcmp(name, "detour") == 0)
        return set_number(&s->detour, name, value, 1, 10, err, errlen);
    if (strcmp(name, "margin_h") == 0)
        return set_number(&s->margin_h, name, value, 0, 48, err, errlen);
    if (strcmp(name, "start_at") == 0) {
        /* Checked by PostgreSQL when the run starts; here only its shape. */
        if (!pm_is_iso8601(value) || strlen(value) >= sizeof s->start_at) {
            snprintf(err, errlen, "start_at: must be an ISO 8601 time such as "
                                  "2026-01-01T09:00:00+09:00");
            return -1;
        }
        snprintf(s->start_at, sizeof s->start_at, "%s", value);
        return 0;
    }
    snprintf(err, errlen, "%.64s: unknown scenario field", name);
    return -1;
}

int plan_scenario_from_json(struct plan_scenario *s, const cJSON *obj, char *err, size_t errlen)
{
    const cJSON *f;

    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "the scenario must be a JSON object");
        return -1;
    }
    cJSON_ArrayForEach(f, obj) {
        char num[64];
        const char *v;

        if (cJSON_IsNull(f))
            continue;
        if (cJSON_IsString(f)) {
            v = f->valuestring;
        } else if (cJSON_IsNumber(f)) {
            snprintf(num, sizeof num, "%.15g", f->valuedouble);
            v = num;
        } else {
            snprintf(err, errlen, "%.64s: must be a string or a number", f->string);
            return -1;
        }
        if (plan_scenario_set(s, f->string, v, err, errlen) < 0)
            return -1;
    }
    return 0;
}

void plan_scenario_key(const struct plan_scenario *s, char *out, size_t outlen)
{
    snprintf(out, outlen, "hazard=%s;outage_hours=%g;speed_kmh=%g;detour=%g;margin_h=%g;start_at=%s",
             s->hazard, s->outage_hours, s->speed_kmh, s->detour, s->margin_h, s->start_at);
}

long plan_latest_run(PGconn *c, const struct plan_scenario *s)
{
    char key[256];
    const char *p[1] = { key };
    PGresult *res;
    long id = 0;

    plan_scenario_key(s, key, sizeof key);
    res = db_exec(c, "plan_latest_run", 1, p);
    if (db_ok(res) && PQntuples(res) == 1)
        id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

/* ------------------------------------------------------------------------- */
/* The run                                                                     */
/* ------------------------------------------------------------------------- */

struct kid {
    long id;
    double need_w, runtime_h;   /* runtime INFINITY: unlimited */
    int life, walks, has_home, in_hazard;
    int needs_dest;
    int first_cand, ncand;      /* its candidates in run.cands */
    int assigned;               /* index into cands, or -1 */
};

struct cand {
    int kid;                    /* index into run.kids */
    char type;                  /* 's' shelter, 'p' power point */
    long id;
    double dist_m, travel_h;
    int outlets;
    double watts;
    char hours[12];
    int usable;                 /* may be assigned (hours and reach allow) */
    int dest;                   /* index into the solver's destinations */
};

struct run {
    const struct plan_scenario *s;
    struct kid *kids;
    int nkids;
    struct cand *cands;
    int ncands, capcands;
    int start_minute;           /* -1 without start_at */
};

static int fail_res(const PGresult *res, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, res ? PQresultErrorMessage(res) : "no result");
    for (char *p = err; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return -1;
}

static int load_kids(PGconn *c, struct run *run, char *err, size_t errlen)
{
    const char *p[1] = { run->s->hazard };
    PGresult *res = db_exec(c, "plan_children", 1, p);
    int n;

    if (!db_ok(res)) {
        fail_res(res, "children", err, errlen);
        PQclear(res);
        return -1;
    }
    n = PQntuples(res);
    run->kids = calloc((size_t)n + 1, sizeof *run->kids);
    if (!run->kids) {
        PQclear(res);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct kid *k = &run->kids[i];
        const char *mob = PQgetvalue(res, i, 4);

        k->id = strtol(PQgetvalue(res, i, 0), NULL, 10);
        k->need_w = strtod(PQgetvalue(res, i, 1), NULL);
        k->runtime_h = PQgetisnull(res, i, 2) ? INFINITY : strtod(PQgetvalue(res, i, 2), NULL);
        k->life = PQgetvalue(res, i, 3)[0] == 't';
        k->walks = PQgetisnull(res, i, 4) || strcmp(mob, "walk") == 0;
        k->has_home = PQgetvalue(res, i, 5)[0] == 't';
        k->in_hazard = PQgetvalue(res, i, 6)[0] == 't';
        k->assigned = -1;
    }
    run->nkids = n;
    PQclear(res);
    return 0;
}

static double travel_h(const struct plan_scenario *s, double dist_m)
{
    return dist_m / 1000.0 * s->detour / s->speed_kmh;
}

/* Is a point with these hours open at minute m of the day? */
static int open_at(const char *hours, int m)
{
    int h1, m1, h2, m2, a, b;

    if (strcmp(hours, "24h") == 0)
        return 1;
    if (sscanf(hours, "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4)
        return 0;
    a = h1 * 60 + m1;
    b = h2 * 60 + m2;
    m %= 1440;
    return a <= b ? (m >= a && m < b) : (m >= a || m < b);   /* past midnight */
}

static int add_cands(struct run *run, PGresult *res, int *kid_of_row_index, char *err,
                     size_t errlen)
{
    int n = PQntuples(res);

    if (run->ncands + n > run->capcands) {
        int cap = run->capcands ? run->capcands : 1024;
        struct cand *nc;

        while (cap < run->ncands + n)
            cap *= 2;
        nc = realloc(run->cands, (size_t)cap * sizeof *nc);
        if (!nc) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        run->cands = nc;
        run->capcands = cap;
    }
    for (int i = 0; i < n; i++) {
        struct cand *cd = &run->cands[run->ncands++];
        struct kid *k;

        cd->kid = kid_of_row_index[i];
        k = &run->kids[cd->kid];
        cd->type = PQgetvalue(res, i, 1)[0];
        cd->id = strtol(PQgetvalue(res, i, 2), NULL, 10);
        cd->dist_m = strtod(PQgetvalue(res, i, 3), NULL);
        cd->travel_h = travel_h(run->s, cd->dist_m);
        cd->outlets = (int)strtol(PQgetvalue(res, i, 4), NULL, 10);
        cd->watts = strtod(PQgetvalue(res, i, 5), NULL);
        snprintf(cd->hours, sizeof cd->hours, "%s",
                 PQgetisnull(res, i, 6) ? "24h" : PQgetvalue(res, i, 6));
        cd->usable = k->needs_dest && cd->travel_h + run->s->margin_h <= k->runtime_h;
        if (cd->usable && strcmp(cd->hours, "24h") != 0)
            cd->usable = run->start_minute >= 0 &&
                         open_at(cd->hours, run->start_minute + (int)lround(cd->travel_h * 60));
        cd->dest = -1;
    }
    return 0;
}

/* Maps a row's child id to the kid index: both are sorted by id. */
static int *kid_indexes(const struct run *run, PGresult *res)
{
    int n = PQntuples(res);
    int *idx = malloc(((size_t)n + 1) * sizeof *idx);

    if (!idx)
        return NULL;
    for (int i = 0; i < n; i++) {
        long id = strtol(PQgetvalue(res, i, 0), NULL, 10);
        int lo = 0, hi = run->nkids - 1;

        idx[i] = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;

            if (run->kids[mid].id == id) {
                idx[i] = mid;
                break;
            }
            if (run->kids[mid].id < id)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        if (idx[i] < 0) {
            free(idx);
            return NULL;
        }
    }
    return idx;
}

/* Asks for the candidates of the kids that need a destination, or with
 * backup = 1 the backup power points of those who stay home. */
static int query_cands(PGconn *c, struct run *run, int backup, char *err, size_t errlen)
{
    struct pm_buf ids, reach, welfare, hazard;
    char k[16], radius[32];
    const char *p[6];
    PGresult *res = NULL;
    int *idx = NULL, n = 0, rc = -1;

    pm_buf_init(&ids);
    pm_buf_init(&reach);
    pm_buf_init(&welfare);
    pm_buf_init(&hazard);
    pm_buf_puts(&ids, "{");
    pm_buf_puts(&reach, "{");
    pm_buf_puts(&welfare, "{");
    pm_buf_puts(&hazard, "{");
    for (int i = 0; i < run->nkids; i++) {
        const struct kid *kd = &run->kids[i];
        double r;

        if (!kd->has_home || (backup ? kd->needs_dest : !kd->needs_dest))
            continue;
        /* Reach: what can be travelled before the batteries run out, margin kept. */
        r = isinf(kd->runtime_h) ? 1e7
                                 : (kd->runtime_h - run->s->margin_h) * run->s->speed_kmh /
                                       run->s->detour * 1000.0;
        if (r < 0)
            r = 0;
        if (r > 1e7)
            r = 1e7;
        pm_buf_printf(&ids, "%s%ld", n ? "," : "", kd->id);
        pm_buf_printf(&reach, "%s%.1f", n ? "," : "", r);
        pm_buf_printf(&welfare, "%s%c", n ? "," : "", kd->life || !kd->walks ? 't' : 'f');
        pm_buf_printf(&hazard, "%s%c", n ? "," : "", kd->in_hazard ? 't' : 'f');
        n++;
    }
    pm_buf_puts(&ids, "}");
    pm_buf_puts(&reach, "}");
    pm_buf_puts(&welfare, "}");
    pm_buf_puts(&hazard, "}");
    if (ids.oom || reach.oom || welfare.oom || hazard.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (n == 0) {
        rc = 0;
        goto out;
    }
    if (backup) {
        snprintf(radius, sizeof radius, "%.1f", PLAN_BACKUP_RADIUS_M);
        p[0] = ids.data;
        p[1] = radius;
        res = db_exec(c, "plan_backup_points", 2, p);
    } else {
        /* Power points on a second session while this one searches the
         * staged shelters: two backends, two cores. */
        char cerr[256];
        PGconn *c2 = db_connect_like(c, cerr, sizeof cerr);
        PGresult *r2 = NULL;

        snprintf(k, sizeof k, "%d", PLAN_CANDIDATES);
        p[0] = ids.data;
        p[1] = reach.data;
        p[2] = hazard.data;
        p[3] = k;
        if (c2 && !db_send(c2, "plan_candidates_points", 4, p)) {
            PQfinish(c2);
            c2 = NULL;
        }
        if (!c2)
            r2 = db_exec(c, "plan_candidates_points", 4, p);
        p[2] = welfare.data;
        res = db_exec(c, "plan_candidates_shelters", 4, p);
        if (c2) {
            PGresult *x;

            while ((x = PQgetResult(c2))) {
                if (!r2)
                    r2 = x;
                else
                    PQclear(x);
            }
            PQfinish(c2);
        }
        if (!db_ok(r2)) {
            fail_res(r2, "candidates", err, errlen);
            PQclear(r2);
            goto out;
        }
        idx = kid_indexes(run, r2);
        if (!idx || add_cands(run, r2, idx, err, errlen) < 0) {
            if (!idx)
                snprintf(err, errlen, "candidates: out of memory or unknown child");
            PQclear(r2);
            goto out;
        }
        free(idx);
        idx = NULL;
        PQclear(r2);
    }
    if (!db_ok(res)) {
        fail_res(res, "candidates", err, errlen);
        goto out;
    }
    idx = kid_indexes(run, res);
    if (!idx) {
        snprintf(err, errlen, "candidates: out of memory or unknown child");
        goto out;
    }
    rc = add_cands(run, res, idx, err, errlen);
out:
    free(idx);
    PQclear(res);
    pm_buf_release(&ids);
    pm_buf_release(&reach);
    pm_buf_release(&welfare);
    pm_buf_release(&hazard);
    return rc;
}

static int cand_by_kid(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->kid != y->kid)
        return x->kid - y->kid;
    return (x->travel_h > y->travel_h) - (x->travel_h < y->travel_h);
}

static int cand_by_dest(const void *a, const void *b)
{
    const struct cand *const *x = a, *const *y = b;

    if ((*x)->type != (*y)->type)
        return (*x)->type - (*y)->type;
    return ((*x)->id > (*y)->id) - ((*x)->id < (*y)->id);
}

/* Builds the solver's input from the usable candidates and solves. */
static int solve(struct run *run, struct geo_assign_stats *st, char *err, size_t errlen)
{
    struct geo_assign_child *gc = NULL;
    struct geo_assign_dest *gd = NULL;
    struct geo_assign_edge *ge = NULL;
    struct cand **order = NULL;
    int *out = NULL, nd = 0, ne = 0, rc = -1;

    gc = calloc((size_t)run->nkids + 1, sizeof *gc);
    gd = calloc((size_t)run->ncands + 1, sizeof *gd);
    ge = calloc((size_t)run->ncands + 1, sizeof *ge);
    order = calloc((size_t)run->ncands + 1, sizeof *order);
    out = calloc((size_t)run->nkids + 1, sizeof *out);
    if (!gc || !gd || !ge || !order || !out) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < run->nkids; i++) {
        gc[i].need_w = run->kids[i].need_w;
        gc[i].runtime_h = run->kids[i].runtime_h;
        gc[i].life = run->kids[i].life;
    }
    /* Number the distinct destinations. */
    for (int i = 0; i < run->ncands; i++)
        order[i] = &run->cands[i];
    qsort(order, (size_t)run->ncands, sizeof *order, cand_by_dest);
    for (int i = 0; i < run->ncands; i++) {
        if (i == 0 || cand_by_dest(&order[i - 1], &order[i]) != 0) {
            gd[nd].outlets = order[i]->outlets;
            gd[nd].watts = order[i]->watts;
            nd++;
        }
        order[i]->dest = nd - 1;
    }
    for (int i = 0; i < run->ncands; i++) {
        const struct cand *cd = &run->cands[i];

        if (!cd->usable)
            continue;
        ge[ne].child = cd->kid;
        ge[ne].dest = cd->dest;
        ge[ne].travel_h = cd->travel_h;
        ne++;
    }
    rc = geo_assign_solve(gc, run->nkids, gd, nd, ge, ne, NULL, out, st);
    if (rc != GEO_ASSIGN_OK) {
        snprintf(err, errlen, "solver: %s", geo_assign_strerror(rc));
        rc = -1;
        goto out;
    }
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];

        k->assigned = -1;
        if (out[i] < 0)
            continue;
        for (int j = k->first_cand; j < k->first_cand + k->ncand; j++) {
            if (run->cands[j].usable && run->cands[j].dest == out[i]) {
                k->assigned = j;
                break;
            }
        }
    }
    rc = 0;
out:
    free(gc);
    free(gd);
    free(ge);
    free(order);
    free(out);
    return rc;
}

/* ------------------------------------------------------------------------- */
/* Storing the plans                                                           */
/* ------------------------------------------------------------------------- */

static void copy_text(struct pm_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
            pm_buf_printf(b, "\\%c", *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\');
        else
            pm_buf_append(b, s, 1);
    }
}

static void copy_number(struct pm_buf *b, double v)
{
    if (isfinite(v))
        pm_buf_printf(b, "%.6f", v);
    else
        pm_buf_puts(b, "\\N");
}

struct counts {
    int stay_home, charge, evacuate, unassigned;
};

/* Appends a text[] literal of the reasons. */
static void reasons_literal(struct pm_buf *b, const char *const *r, int n)
{
    pm_buf_puts(b, "{");
    for (int i = 0; i < n; i++) {
        pm_buf_puts(b, i ? ",\"" : "\"");
        for (const char *p = r[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pm_buf_puts(b, "\\\\");     /* escaped for COPY, then for the array */
            pm_buf_append(b, p, 1);
        }
        pm_buf_puts(b, "\"");
    }
    pm_buf_puts(b, "}");
}

/* Writes one child's plan row (COPY text) and adds it to the summary. */
static void plan_row(struct pm_buf *b, const struct run *run, long run_id, const struct kid *k,
                     struct counts *cnt, cJSON *unassigned)
{
    const struct plan_scenario *s = run->s;
    const struct cand *dest = k->assigned >= 0 ? &run->cands[k->assigned] : NULL;
    char reason[4][200];
    const char *reasons[4];
    static const char *const names[] = { "stay_home", "charge", "evacuate", "unassigned" };
    enum { STAY, CHARGE, EVACUATE, UNASSIGNED } decision;
    int nr = 0, nalt = 0;
    double leave_by = NAN;

    if (!k->has_home) {
        decision = UNASSIGNED;
        snprintf(reason[nr++], 200, "no home location: the address could not be placed on the map");
    } else if (!k->needs_dest) {
        decision = STAY;
        if (isinf(k->runtime_h))
            snprintf(reason[nr++], 200, "no battery-powered device: runtime is unlimited");
        else
            snprintf(reason[nr++], 200, "batteries last %.1f h, at least the %.0f h outage",
                     k->runtime_h, s->outage_hours);
    } else {
        if (k->in_hazard)
            snprintf(reason[nr++], 200, "home is inside a %s hazard area: must evacuate", s->hazard);
        else
            snprintf(reason[nr++], 200, "batteries last %.1f h, less than the %.0f h outage",
                     k->runtime_h, s->outage_hours);
        if (dest) {
            decision = dest->type == 's' ? EVACUATE : CHARGE;
            if (isfinite(k->runtime_h))
                leave_by = k->runtime_h - s->margin_h - dest->travel_h;
            snprintf(reason[nr++], 200, "%s %.1f km away, %.0f min by road, has power and a free outlet",
                     dest->type == 's' ? "shelter" : "power point", dest->dist_m / 1000.0,
                     dest->travel_h * 60);
        } else {
            int reachable = 0, eligible = 0;

            decision = UNASSIGNED;
            for (int j = k->first_cand; j < k->first_cand + k->ncand; j++) {
                eligible++;
                reachable += run->cands[j].usable;
            }
            if (reachable)
                snprintf(reason[nr++], 200, "every reachable destination with power is taken by "
                                            "children whose batteries run out sooner");
            else if (eligible)
                snprintf(reason[nr++], 200, "no destination with power can be reached %.1f h before "
                                            "the batteries run out (or none is open on arrival)",
                         s->margin_h);
            else
                snprintf(reason[nr++], 200, "no eligible destination with power within reach");
        }
    }
    for (int i = 0; i < nr; i++)
        reasons[i] = reason[i];

    if (decision == STAY)
        cnt->stay_home++;
    else if (decision == CHARGE)
        cnt->charge++;
    else if (decision == EVACUATE)
        cnt->evacuate++;
    else {
        cJSON *u = cJSON_CreateObject();

        cnt->unassigned++;
        if (u) {
            cJSON_AddNumberToObject(u, "child_id", (double)k->id);
            cJSON_AddStringToObject(u, "reason", reasons[nr - 1]);
            cJSON_AddItemToArray(unassigned, u);
        }
    }

    pm_buf_printf(b, "%ld\t%ld\t%s\t", run_id, k->id, names[decision]);
    reasons_literal(b, reasons, nr);
    pm_buf_puts(b, "\t");
    copy_number(b, k->need_w);
    pm_buf_puts(b, "\t");
    copy_number(b, k->runtime_h);
    pm_buf_puts(b, "\t");
    copy_number(b, leave_by);
    if (dest) {
        pm_buf_printf(b, "\t%s\t%ld\t", dest->type == 's' ? "shelter" : "power_point", dest->id);
        copy_number(b, dest->dist_m);
        pm_buf_puts(b, "\t");
        copy_number(b, dest->travel_h * 60);
    } else {
        pm_buf_puts(b, "\t\\N\t\\N\t\\N\t\\N");
    }
    /* Alternatives: the nearest other candidates, usable or listed for their hours. */
    pm_buf_puts(b, "\t[");
    for (int j = k->first_cand; j < k->first_cand + k->ncand && nalt < 3; j++) {
        const struct cand *cd = &run->cands[j];
        int dup = 0;

        if (cd == dest)
            continue;
        for (int i = k->first_cand; i < j; i++)
            dup |= run->cands[i].type == cd->type && run->cands[i].id == cd->id;
        if (dup)
            continue;
        pm_buf_printf(b, "%s{\"type\": \"%s\", \"id\": %ld, \"distance_m\": %.1f, "
                         "\"travel_min\": %.1f, \"hours\": \"",
                      nalt ? ", " : "", cd->type == 's' ? "shelter" : "power_point", cd->id,
                      cd->dist_m, cd->travel_h * 60);
        copy_text(b, cd->type == 's' ? "24h" : cd->hours);
        pm_buf_printf(b, "\", \"usable\": %s}", cd->usable ? "true" : "false");
        nalt++;
    }
    pm_buf_puts(b, "]\n");
}

static int store(PGconn *c, const struct run *run, long run_id, struct counts *cnt,
                 cJSON *unassigned, char *err, size_t errlen)
{
    struct pm_buf b;
    PGresult *res = db_exec(c, "plan_copy", 0, NULL);
    int rc = -1;

    pm_buf_init(&b);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        fail_res(res, "store", err, errlen);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    for (int i = 0; i < run->nkids; i++) {
        plan_row(&b, run, run_id, &run->kids[i], cnt, unassigned);
        if (b.len > (1 << 20) || i + 1 == run->nkids) {
            if (b.oom || PQputCopyData(c, b.data, (int)b.len) != 1) {
                PQputCopyEnd(c, "failed");
                snprintf(err, errlen, "store: %s", b.oom ? "out of memory" : PQerrorMessage(c));
                goto drain;
            }
            b.len = 0;
        }
    }
    if (PQputCopyEnd(c, NULL) != 1) {
        snprintf(err, errlen, "store: %s", PQerrorMessage(c));
        goto drain;
    }
    rc = 0;
drain:
    while ((res = PQgetResult(c))) {
        if (rc == 0 && !db_ok(res))
            rc = fail_res(res, "store", err, errlen);
        PQclear(res);
    }
    pm_buf_release(&b);
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int plan_run(PGconn *c, const struct plan_scenario *s, const char *actor, long *run_id,
             char *err, size_t errlen)
{
    struct run run;
    struct geo_assign_stats st;
    struct counts cnt = { 0, 0, 0, 0 };
    struct timespec t0;
    char key[256], idtext[24];
    cJSON *scen = NULL, *summary = NULL, *unassigned = NULL;
    char *scen_text = NULL, *sum_text = NULL;
    PGresult *res = NULL;
    double t_load, t_cand, t_solve;
    int rc = -1;

    memset(&run, 0, sizeof run);
    memset(&st, 0, sizeof st);
    run.s = s;
    run.start_minute = -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    if (db_command(c, "BEGIN", err, errlen) < 0)
        return -1;
    {
        const char *p[1] = { actor };

        res = db_exec(c, "set_actor", 1, p);
        PQclear(res);
        res = db_exec(c, "plan_lock", 0, NULL);
        if (!db_ok(res)) {
            fail_res(res, "lock", err, errlen);
            goto fail;
        }
        PQclear(res);
        res = NULL;
    }
    if (s->start_at[0]) {
        const char *p[1] = { s->start_at };

        res = db_exec(c, "plan_start_minute", 1, p);
        if (!db_ok(res)) {
            snprintf(err, errlen, "start_at: not a valid time: %.60s", s->start_at);
            goto fail;
        }
        run.start_minute = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        res = NULL;
    }

    scen = cJSON_CreateObject();
    if (!scen)
        goto nomem;
    cJSON_AddStringToObject(scen, "hazard", s->hazard);
    cJSON_AddNumberToObject(scen, "outage_hours", s->outage_hours);
    cJSON_AddNumberToObject(scen, "speed_kmh", s->speed_kmh);
    cJSON_AddNumberToObject(scen, "detour", s->detour);
    cJSON_AddNumberToObject(scen, "margin_h", s->margin_h);
    if (s->start_at[0])
        cJSON_AddStringToObject(scen, "start_at", s->start_at);
    else
        cJSON_AddNullToObject(scen, "start_at");
    scen_text = cJSON_PrintUnformatted(scen);
    if (!scen_text)
        goto nomem;
    plan_scenario_key(s, key, sizeof key);
    {
        const char *p[3] = { key, scen_text, actor };

        res = db_exec(c, "plan_run_insert", 3, p);
        if (!db_ok(res)) {
            fail_res(res, "run", err, errlen);
            goto fail;
        }
        *run_id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        res = NULL;
    }

    if (load_kids(c, &run, err, errlen) < 0)
        goto fail;
    for (int i = 0; i < run.nkids; i++) {
        struct kid *k = &run.kids[i];

        /* Rule 1: in a hazard area, evacuate; rule 2: otherwise batteries
         * that outlast the outage mean staying home. */
        k->needs_dest = k->has_home && (k->in_hazard || k->runtime_h < s->outage_hours);
    }
    t_load = seconds_since(&t0);
    {
        static const char *const stage[] = { "plan_stage", "plan_stage_fill",
                                             "plan_stage_index_welfare", "plan_stage_index",
                                             "plan_stage_analyze" };
        const char *p[1] = { s->hazard };

        for (int i = 0; i < 5; i++) {
            res = db_exec(c, stage[i], i == 1 ? 1 : 0, p);
            if (!db_ok(res)) {
                fail_res(res, stage[i], err, errlen);
                goto fail;
            }
            PQclear(res);
            res = NULL;
        }
    }
    if (query_cands(c, &run, 0, err, errlen) < 0 || query_cands(c, &run, 1, err, errlen) < 0)
        goto fail;
    qsort(run.cands, (size_t)run.ncands, sizeof *run.cands, cand_by_kid);
    for (int i = 0, j = 0; i < run.nkids; i++) {
        run.kids[i].first_cand = j;
        while (j < run.ncands && run.cands[j].kid == i)
            j++;
        run.kids[i].ncand = j - run.kids[i].first_cand;
    }
    t_cand = seconds_since(&t0);
    if (solve(&run, &st, err, errlen) < 0)
        goto fail;
    t_solve = seconds_since(&t0);

    summary = cJSON_CreateObject();
    unassigned = cJSON_CreateArray();
    if (!summary || !unassigned)
        goto nomem;
    if (store(c, &run, *run_id, &cnt, unassigned, err, errlen) < 0)
        goto fail;
    cJSON_AddNumberToObject(summary, "children", run.nkids);
    {
        cJSON *d = cJSON_AddObjectToObject(summary, "decisions");

        cJSON_AddNumberToObject(d, "stay_home", cnt.stay_home);
        cJSON_AddNumberToObject(d, "charge", cnt.charge);
        cJSON_AddNumberToObject(d, "evacuate", cnt.evacuate);
        cJSON_AddNumberToObject(d, "unassigned", cnt.unassigned);
    }
    {
        cJSON *sv = cJSON_AddObjectToObject(summary, "solver");

        cJSON_AddNumberToObject(sv, "candidates", run.ncands);
        cJSON_AddNumberToObject(sv, "covered", st.covered);
        cJSON_AddNumberToObject(sv, "covered_life", st.covered_life);
        cJSON_AddBoolToObject(sv, "proven_optimal", st.exact);
        cJSON_AddNumberToObject(sv, "watts_refusals", (double)st.watts_refusals);
        cJSON_AddNumberToObject(sv, "load_s", t_load);
        cJSON_AddNumberToObject(sv, "candidates_s", t_cand - t_load);
        cJSON_AddNumberToObject(sv, "solve_s", t_solve - t_cand);
        cJSON_AddNumberToObject(sv, "store_s", seconds_since(&t0) - t_solve);
    }
    cJSON_AddItemToObject(summary, "unassigned", unassigned);
    unassigned = NULL;
    sum_text = cJSON_PrintUnformatted(summary);
    if (!sum_text)
        goto nomem;
    snprintf(idtext, sizeof idtext, "%ld", *run_id);
    {
        const char *p[2] = { idtext, sum_text };

        res = db_exec(c, "plan_run_finish", 2, p);
        if (!db_ok(res)) {
            fail_res(res, "run", err, errlen);
            goto fail;
        }
        PQclear(res);
        res = NULL;
    }
    if (db_command(c, "COMMIT", err, errlen) < 0)
        goto fail;
    rc = 0;
    goto out;

nomem:
    snprintf(err, errlen, "out of memory");
fail:
    PQclear(res);
    res = NULL;
    db_command(c, "ROLLBACK", NULL, 0);
out:
    free(run.kids);
    free(run.cands);
    cJSON_Delete(scen);
    cJSON_Delete(summary);
    cJSON_Delete(unassigned);
    free(scen_text);
    free(sum_text);
    return rc;
}
