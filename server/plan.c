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
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo/assign.h"
#include "geo/assign_mip.h"
#include "geo/plan_rules.h"
#include "server/db.h"
#include "server/util.h"

/* Candidates asked for per child and type at first: the solver needs
 * choice where destinations are contested, and PostGIS stops the KNN scan
 * after them.  A child whose list was cut (it had more eligible places)
 * where the cut may matter is asked again with PLAN_GROWTH times as many,
 * up to PLAN_ROUNDS times (issue 14: adaptive lists). */
#define PLAN_CANDIDATES 12
#define PLAN_GROWTH 4
#define PLAN_ROUNDS 3
/* A round asks again for at most this many rows (the most urgent lists
 * first): at about 10 us a row on a loaded core, a bounded round. */
#define PLAN_AGAIN_ROWS 100000L
/* Up to this many usable pairs the solver runs without a work budget. */
#define PLAN_EXACT_EDGES 20000
/* Where watts bind and the solver is not proven optimal, a MIP improves its
 * answer for at most this long per run (geo/assign_mip.h). */
#define PLAN_MIP_SECONDS 1.0
/* Retention: the latest runs kept per scenario (read and referenced runs
 * are kept too: sql/0050_plan_retention.sql). */
#define PLAN_KEEP_RUNS 5
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
    if (strcmp(name, "outage_id") == 0) {
        long id;

        if (pm_parse_long(value, 1, 9007199254740991L, &id) < 0) {
            snprintf(err, errlen, "outage_id: must be a positive integer");
            return -1;
        }
        s->outage_id = id;
        return 0;
    }
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
    int n = snprintf(out, outlen,
                     "hazard=%s;outage_hours=%g;speed_kmh=%g;detour=%g;margin_h=%g;start_at=%s",
                     s->hazard, s->outage_hours, s->speed_kmh, s->detour, s->margin_h, s->start_at);

    if (s->outage_id && n > 0 && (size_t)n < outlen)
        snprintf(out + n, outlen - (size_t)n, ";outage_id=%ld", s->outage_id);
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

long plan_outage_run(PGconn *c, long outage_id)
{
    char id[24];
    const char *p[1] = { id };
    PGresult *res;
    long run = 0;

    snprintf(id, sizeof id, "%ld", outage_id);
    res = db_exec(c, "plan_outage_run", 1, p);
    if (db_ok(res) && PQntuples(res) == 1)
        run = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return run;
}

/* ------------------------------------------------------------------------- */
/* The run                                                                     */
/* ------------------------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

struct kid {
    long id;
    struct geo_plan_child g;
    int first_cand, ncand;      /* its candidates in run.cands */
    int assigned;               /* index into its candidates, or -1 */
    int asked[2];               /* rows asked for: shelters, points (0: none yet) */
    int counted[2];             /* rows of the counted lists: shelters, points */
    int requery;                /* ask again with more rows: 1 shelters, 2 points */
    int depth;                  /* steps from a kid left out (-1: none, see
                                 * reach_left_out) */
    struct geo_power pw;        /* rules 6, 7 */
    double car_inverter_w;
    int in_outage;              /* home inside the scenario's outage (or none) */
    int agreed;                 /* index into its candidates of the agreed
                                 * destination (rule 10), or -1 */
    int fixed;                  /* kept at the agreed destination */
    char agreed_why[16];        /* why the agreed destination is not kept */
};

struct cand {
    int kid;                    /* index into run.kids */
    struct geo_plan_cand g;
    int dest;                   /* index into the solver's destinations */
    double power_h;             /* hours of power from the outage start */
    int agreed;                 /* the kid's agreed destination (rule 10) */
    char why[16];               /* why it is not eligible ("" eligible) */
};

struct counts {
    int stay_home, charge, evacuate, unassigned;
};

/* What the run can prove, and the bound when it cannot (issue 14). */
struct proof {
    int rounds;                 /* candidate rounds */
    int again;                  /* lists asked again, all rounds */
    int again_capped;           /* lists that may matter not asked again (row cap) */
    int cut;                    /* children whose lists were cut */
    int cut_unproven;           /* of them, where the cut may matter to the cover */
    int cut_unproven_any;       /* of them, left out or at a full place while
                                 * someone is left out (reach_left_out aside) */
    int cut_travel;             /* of them, where it may matter to travel alone */
    int left_out;               /* children needing a destination left without */
    int cover_proven, proven;   /* (a)-(c) proven optimal; (a)-(d) */
    int bound_life, bound_all;  /* at most this many more could be covered; -1 unknown */
};

struct run {
    const struct plan_scenario *s;
    struct geo_plan_scenario gs;
    struct plan_report *rep;
    struct kid *kids;
    int nkids;
    struct cand *cands;
    int ncands, capcands;
    struct geo_assign_stats st;
    struct geo_assign_mip_stats mip;
    int mip_ran;                /* the MIP step ran: its bound stands */
    struct proof pf;
    char outage_start[64];      /* rule 8: the outage's started_at */
    struct counts cnt;
    struct timespec t0;
    double t_load, t_cand, t_solve;
    PGconn *c2;                 /* the run's second session (NULL: none) */
    int only_stale;             /* an outage re-plan: skip when another daemon
                                 * stored it while this one waited for the lock */
    int skipped;
};

static enum pm_err run_fail(struct run *run, enum pm_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum pm_err run_fail(struct run *run, enum pm_err e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(run->rep->message, sizeof run->rep->message, fmt, ap);
    va_end(ap);
    for (char *p = run->rep->message; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return e;
}

static enum pm_err fail_res(struct run *run, const PGresult *res, const char *what)
{
    return run_fail(run, PM_ERR_UNAVAILABLE, "%s: %s", what,
                    res ? PQresultErrorMessage(res) : "no result");
}

/* Adds the devices (rows by child id) to the kids' power (rules 6, 7). */
static enum pm_err load_devices(PGconn *c, struct run *run)
{
    PGresult *res = db_exec(c, "plan_devices", 0, NULL);
    struct geo_device *d = NULL;
    int n, k = 0, first = 0;
    enum pm_err e = PM_OK;

    if (!db_ok(res)) {
        e = fail_res(run, res, "devices");
        goto out;
    }
    n = PQntuples(res);
    d = calloc((size_t)n + 1, sizeof *d);
    if (!d) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        d[i].power_w = strtod(PQgetvalue(res, i, 1), NULL);
        d[i].battery_h = strtod(PQgetvalue(res, i, 2), NULL);
        d[i].life = PQgetvalue(res, i, 3)[0] == 't';
        d[i].intermittent = PQgetvalue(res, i, 4)[0] == 't';
        d[i].minutes_per_hour = PQgetisnull(res, i, 5) ? 0 : strtod(PQgetvalue(res, i, 5), NULL);
        d[i].backup_h = strtod(PQgetvalue(res, i, 6), NULL);
        d[i].charge_h = PQgetisnull(res, i, 7) ? NAN : strtod(PQgetvalue(res, i, 7), NULL);
        d[i].removable = PQgetvalue(res, i, 8)[0] == 't';
    }
    /* Both lists are sorted by child id: walk them together. */
    for (int i = 0; i <= n; i++) {
        long id = i < n ? strtol(PQgetvalue(res, i, 0), NULL, 10) : -1;

        if (i > first && (i == n || id != strtol(PQgetvalue(res, first, 0), NULL, 10))) {
            long cid = strtol(PQgetvalue(res, first, 0), NULL, 10);
            struct geo_home_power home;

            while (k < run->nkids && run->kids[k].id < cid)
                k++;
            if (k < run->nkids && run->kids[k].id == cid) {
                memset(&home, 0, sizeof home);
                home.battery_wh = run->kids[k].pw.home_battery_h;   /* staged by load_kids */
                home.generator_w = run->kids[k].pw.home_generator_h;
                home.generator_h = run->kids[k].pw.charge_h;
                home.car_inverter_w = run->kids[k].car_inverter_w;
                geo_plan_power(d + first, i - first, &home, &run->kids[k].pw);
            }
            first = i;
        }
    }
out:
    free(d);
    PQclear(res);
    return e;
}

static void kid_row(struct run *run, PGresult *res, int i)
{
    struct kid *k = &run->kids[i];
    const char *mob = PQgetvalue(res, i, 1);

    k->id = strtol(PQgetvalue(res, i, 0), NULL, 10);
    k->g.walks = PQgetisnull(res, i, 1) || strcmp(mob, "walk") == 0;
    k->g.has_home = PQgetvalue(res, i, 2)[0] == 't';
    k->g.in_hazard = PQgetvalue(res, i, 3)[0] == 't';
    /* No devices: unlimited, said so in the plan.  The home's power waits
     * here for load_devices (it needs the devices' draw). */
    geo_plan_power(NULL, 0, NULL, &k->pw);
    k->pw.home_battery_h = strtod(PQgetvalue(res, i, 4), NULL);
    k->pw.home_generator_h = strtod(PQgetvalue(res, i, 5), NULL);
    k->pw.charge_h = strtod(PQgetvalue(res, i, 6), NULL);
    k->car_inverter_w = strtod(PQgetvalue(res, i, 7), NULL);
    k->in_outage = PQgetvalue(res, i, 8)[0] == 't';
    k->assigned = k->agreed = -1;
}

static enum pm_err load_kids(PGconn *c, struct run *run)
{
    char outage[24];
    const char *p[2] = { run->s->hazard, run->s->outage_id ? outage : NULL };
    PGresult *res;
    enum pm_err e;
    int n;

    snprintf(outage, sizeof outage, "%ld", run->s->outage_id);
    res = db_exec(c, "plan_children", 2, p);
    if (!db_ok(res)) {
        e = fail_res(run, res, "children");
        PQclear(res);
        return e;
    }
    n = PQntuples(res);
    run->kids = calloc((size_t)n + 1, sizeof *run->kids);
    if (!run->kids) {
        PQclear(res);
        return run_fail(run, PM_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        kid_row(run, res, i);
    run->nkids = n;
    PQclear(res);
    if ((e = load_devices(c, run)) != PM_OK)
        return e;
    for (int i = 0; i < n; i++) {
        struct kid *k = &run->kids[i];

        if (k->pw.ndevices == 0) {
            k->pw.home_battery_h = k->pw.home_generator_h = 0;
            k->pw.charge_h = NAN;
        }
        k->g.need_w = k->pw.need_w;
        k->g.runtime_h = k->pw.runtime_h;
        k->g.life = k->pw.life;
        /* Rule 1: in a hazard area, evacuate; rule 2: otherwise batteries
         * that outlast the outage mean staying home; rule 8: a home outside
         * the outage has power. */
        k->g.needs_dest = k->g.has_home &&
                          (k->g.in_hazard ||
                           (k->in_outage && geo_plan_needs_destination(&run->gs, 0, k->g.runtime_h)));
        run->rep->unlocated += !k->g.has_home;
    }
    return PM_OK;
}

static enum pm_err add_cands(struct run *run, PGresult *res, const int *kid_of_row)
{
    int n = PQntuples(res);

    if (run->ncands + n > run->capcands) {
        int cap = run->capcands ? run->capcands : 1024;
        struct cand *nc;

        while (cap < run->ncands + n)
            cap *= 2;
        nc = realloc(run->cands, (size_t)cap * sizeof *nc);
        if (!nc)
            return run_fail(run, PM_ERR_NOMEM, "out of memory");
        run->cands = nc;
        run->capcands = cap;
    }
    for (int i = 0; i < n; i++) {
        struct cand *cd = &run->cands[run->ncands++];
        struct geo_plan_cand *g = &cd->g;
        const struct kid *k;

        memset(cd, 0, sizeof *cd);
        cd->kid = kid_of_row[i];
        cd->dest = -1;
        k = &run->kids[cd->kid];
        g->type = PQgetvalue(res, i, 1)[0];
        g->id = strtol(PQgetvalue(res, i, 2), NULL, 10);
        g->dist_m = strtod(PQgetvalue(res, i, 3), NULL);
        g->travel_h = geo_plan_travel_h(&run->gs, g->dist_m);
        g->outlets = (int)strtol(PQgetvalue(res, i, 4), NULL, 10);
        g->watts = strtod(PQgetvalue(res, i, 5), NULL);
        snprintf(g->hours, sizeof g->hours, "%s",
                 PQgetisnull(res, i, 6) ? "24h" : PQgetvalue(res, i, 6));
        if (PQgetvalue(res, i, 7)[0] == 't')
            run->kids[cd->kid].counted[g->type == 'p']++;
        cd->power_h = PQnfields(res) > 8 && !PQgetisnull(res, i, 8)
                          ? strtod(PQgetvalue(res, i, 8), NULL) : INFINITY;
        if (PQnfields(res) > 9) {
            cd->agreed = 1;
            snprintf(cd->why, sizeof cd->why, "%s", PQgetvalue(res, i, 9));
        }
        /* Rule 9: brought home, no travel for the child; the source must
         * still get there in time. */
        g->reachable = geo_plan_reachable(&run->gs, k->g.runtime_h, g->travel_h);
        if (g->type == 'v')
            g->travel_h = 0;
        g->open = geo_plan_open_on_arrival(&run->gs, g->hours, g->travel_h);
        g->usable = k->g.needs_dest && g->reachable && g->open && !cd->why[0] &&
                    geo_plan_place_lasts(&run->gs, cd->power_h, k->g.runtime_h) &&
                    !(g->type == 'v' && k->g.in_hazard);
    }
    return PM_OK;
}

/* Maps a row's child id to the kid index: both are sorted by id.  NULL when
 * out of memory or a row names an unknown child. */
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

/* Adds the rows of a candidates query (taking res) to the run. */
static enum pm_err take_cands(struct run *run, PGresult *res)
{
    int *idx;
    enum pm_err e;

    if (!db_ok(res)) {
        e = fail_res(run, res, "candidates");
        PQclear(res);
        return e;
    }
    idx = kid_indexes(run, res);
    e = idx ? add_cands(run, res, idx)
            : run_fail(run, PM_ERR_INTERNAL, "candidates: out of memory or unknown child");
    free(idx);
    PQclear(res);
    return e;
}

/* The array parameters of the candidate queries, for one set of kids. */
struct cand_params {
    struct pm_buf ids, reach, welfare, hazard, need, rows;
    int n;
};

enum cand_set { SET_DEST, SET_BACKUP, SET_BACKUP_ODD, SET_AGAIN_SHELTERS, SET_AGAIN_POINTS };

static void cand_params_release(struct cand_params *cp)
{
    pm_buf_release(&cp->ids);
    pm_buf_release(&cp->reach);
    pm_buf_release(&cp->welfare);
    pm_buf_release(&cp->hazard);
    pm_buf_release(&cp->need);
    pm_buf_release(&cp->rows);
}

static int in_set(const struct kid *kd, enum cand_set set)
{
    if (!kd->g.has_home)
        return 0;
    switch (set) {
    case SET_DEST:
        return kd->g.needs_dest;
    case SET_BACKUP:
    case SET_BACKUP_ODD:
        return !kd->g.needs_dest;
    case SET_AGAIN_SHELTERS:
        return kd->g.needs_dest && (kd->requery & 1);
    case SET_AGAIN_POINTS:
        return kd->g.needs_dest && (kd->requery & 2);
    }
    return 0;
}

/* The kids of a set: those that need a destination, those who stay home
 * (backup points: every other one for each of the two sessions), or those
 * asked again for shelters or points. */
static int cand_params_build(const struct run *run, enum cand_set set, struct cand_params *cp)
{
    struct pm_buf *b[6] = { &cp->ids, &cp->reach, &cp->welfare, &cp->hazard, &cp->need, &cp->rows };
    int nth = 0;

    memset(cp, 0, sizeof *cp);
    for (int j = 0; j < 6; j++)
        pm_buf_init(b[j]);
    for (int i = 0; i < run->nkids; i++) {
        const struct kid *kd = &run->kids[i];
        const char *sep = cp->n ? "," : "{";

        if (!in_set(kd, set))
            continue;
        if ((set == SET_BACKUP || set == SET_BACKUP_ODD) && nth++ % 2 != (set == SET_BACKUP_ODD))
            continue;
        pm_buf_printf(&cp->ids, "%s%ld", sep, kd->id);
        /* Reach: what can be travelled before the batteries run out, margin
         * kept, at full precision (the rows are checked exactly after). */
        pm_buf_printf(&cp->reach, "%s%.17g", sep, geo_plan_reach_m(&run->gs, kd->g.runtime_h));
        pm_buf_printf(&cp->welfare, "%s%c", sep, kd->g.life || !kd->g.walks ? 't' : 'f');
        pm_buf_printf(&cp->hazard, "%s%c", sep, kd->g.in_hazard ? 't' : 'f');
        pm_buf_printf(&cp->need, "%s%.17g", sep, kd->g.need_w);
        pm_buf_printf(&cp->rows, "%s%d", sep, kd->asked[set == SET_AGAIN_POINTS]);
        cp->n++;
    }
    for (int j = 0; j < 6; j++)
        pm_buf_puts(b[j], cp->n ? "}" : "{}");
    for (int j = 0; j < 6; j++)
        if (b[j]->oom)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Two sessions at once                                                        */
/* ------------------------------------------------------------------------- */

/* The candidate stage runs on two database sessions at once (two backends,
 * two cores): the run's own, which holds plan_shelters, and a second one
 * opened for the run, which holds plan_points (temporary tables are per
 * session).  Each lane sends its queries in order; the rows of both are read
 * as they come, so neither backend waits on a full socket.  Without a second
 * session everything runs in the first lane. */
struct lane_q {
    const char *name;
    int n;
    const char *p[9];
    int cands;                  /* the rows are candidates (else: a command) */
};

#define LANE_MAX 8

struct lane {
    PGconn *c;
    struct lane_q q[LANE_MAX];
    int nq, next, busy;
    PGresult *res;
};

static void lane_add(struct lane *l, const char *name, int n, const char *const *p, int cands)
{
    struct lane_q *q;

    if (l->nq >= LANE_MAX)
        abort();                /* a programmer error: LANE_MAX is too small */
    q = &l->q[l->nq++];
    q->name = name;
    q->n = n;
    for (int i = 0; i < n; i++)
        q->p[i] = p[i];
    q->cands = cands;
}

static enum pm_err lane_done(struct run *run, struct lane *l)
{
    const struct lane_q *q = &l->q[l->next - 1];
    PGresult *res = l->res;
    enum pm_err e;

    l->res = NULL;
    l->busy = 0;
    if (q->cands)
        return take_cands(run, res);
    e = db_ok(res) ? PM_OK : fail_res(run, res, q->name);
    PQclear(res);
    return e;
}

/* Takes what has arrived on a busy lane; returns 1 while it is still busy. */
static int lane_read(struct run *run, struct lane *l, enum pm_err *e)
{
    int dead = !PQconsumeInput(l->c);
    PGresult *x;

    while (dead || !PQisBusy(l->c)) {
        if (!(x = PQgetResult(l->c))) {
            enum pm_err le = lane_done(run, l);

            if (*e == PM_OK)
                *e = le;
            return 0;
        }
        if (!l->res)
            l->res = x;
        else
            PQclear(x);
    }
    return 1;
}

static enum pm_err lanes_run(struct run *run, struct lane *l, int nl)
{
    enum pm_err e = PM_OK;

    for (;;) {
        struct pollfd fds[2];
        int nf = 0, more = 0;

        for (int i = 0; i < nl; i++) {
            struct lane *ln = &l[i];

            if (!ln->busy && ln->next < ln->nq && e == PM_OK) {
                const struct lane_q *q = &ln->q[ln->next++];

                if (db_send(ln->c, q->name, q->n, q->p))
                    ln->busy = 1;
                else
                    e = run_fail(run, PM_ERR_UNAVAILABLE, "%s: %s", q->name,
                                 PQerrorMessage(ln->c));
            }
            if (ln->busy && lane_read(run, ln, &e)) {
                fds[nf].fd = PQsocket(ln->c);
                fds[nf].events = POLLIN;
                fds[nf].revents = 0;
                nf++;
            }
            more |= ln->busy || (ln->next < ln->nq && e == PM_OK);
        }
        if (!more)
            return e;
        if (nf)
            poll(fds, (nfds_t)nf, 1000);
    }
}

/* ------------------------------------------------------------------------- */
/* Candidates                                                                  */
/* ------------------------------------------------------------------------- */

/* The text parameters the candidate queries share. */
struct cand_args {
    char leave[40], per_m[40], outage[24], radius[32];
    const char *leave_p, *outage_p;
};

static void cand_args_init(const struct run *run, struct cand_args *a)
{
    snprintf(a->leave, sizeof a->leave, "%.17g", run->gs.start_s + run->gs.elapsed_h * 3600.0);
    snprintf(a->per_m, sizeof a->per_m, "%.17g", run->gs.detour / run->gs.speed_kmh * 3.6);
    snprintf(a->outage, sizeof a->outage, "%ld", run->s->outage_id);
    snprintf(a->radius, sizeof a->radius, "%.1f", PLAN_BACKUP_RADIUS_M);
    /* Without a start time only 24h points count (plan_points.ok). */
    a->leave_p = run->gs.start_s >= 0 ? a->leave : NULL;
    a->outage_p = run->s->outage_id ? a->outage : NULL;
}

/* Stages the eligible shelters (first lane) and power points (second) for
 * the candidate searches, opening the run's second session. */
static enum pm_err stage(PGconn *c, struct run *run)
{
    static const char *const shelters[] = { "plan_jit_off", "plan_stage", "plan_stage_fill",
                                            "plan_stage_index_welfare", "plan_stage_index",
                                            "plan_stage_analyze" };
    static const char *const points[] = { "plan_jit_off", "plan_points_stage",
                                          "plan_points_stage_fill", "plan_points_stage_index",
                                          "plan_points_stage_index_hours",
                                          "plan_points_stage_analyze" };
    struct cand_args a;
    const char *p[3];
    struct lane l[2];
    char cerr[256];
    int nl;

    cand_args_init(run, &a);
    p[0] = run->s->hazard;
    p[1] = a.outage_p;
    p[2] = run->gs.start_s >= 0 ? "t" : "f";
    /* Its queries are all unprepared: no time spent preparing the rest. */
    run->c2 = db_connect_like(c, 0, cerr, sizeof cerr);
    if (run->c2 && db_command(run->c2, "BEGIN", NULL, 0) < 0) {
        PQfinish(run->c2);
        run->c2 = NULL;
    }
    memset(l, 0, sizeof l);
    l[0].c = c;
    l[1].c = run->c2;
    nl = run->c2 ? 2 : 1;
    for (int i = 0; i < 6; i++)
        lane_add(&l[0], shelters[i], i == 2 ? 2 : 0, p, 0);
    for (int i = nl == 2 ? 0 : 1; i < 6; i++)
        lane_add(&l[nl - 1], points[i], i == 2 ? 3 : 0, p, 0);
    return lanes_run(run, l, nl);
}

/* Adds the searches of shelters (first lane) and power points (last lane)
 * for the kids of sh and pt (NULL or empty: none). */
static void add_searches(struct lane *l, int nl, const struct cand_params *sh,
                         const struct cand_params *pt, const struct cand_args *a)
{
    const char *p[7];

    if (sh && sh->n) {
        p[0] = sh->ids.data;
        p[1] = sh->reach.data;
        p[2] = sh->welfare.data;
        p[3] = sh->rows.data;
        p[4] = sh->need.data;
        lane_add(&l[0], "plan_candidates_shelters", 5, p, 1);
    }
    if (pt && pt->n) {
        p[0] = pt->ids.data;
        p[1] = pt->reach.data;
        p[2] = pt->hazard.data;
        p[3] = pt->rows.data;
        p[4] = pt->need.data;
        p[5] = a->leave_p;
        p[6] = a->per_m;
        lane_add(&l[nl - 1], "plan_candidates_points", 7, p, 1);
    }
}

/* Asks for the candidates of the kids that need a destination (rules 9 and
 * 10 too: the power brought home, the agreed destinations), then the backup
 * power points of those who stay home. */
static enum pm_err query_cands(PGconn *c, struct run *run)
{
    struct cand_params dest, backup[2];
    struct cand_args a;
    struct lane l[2];
    const char *p[3];
    int nl = run->c2 ? 2 : 1;
    enum pm_err e = PM_OK;

    memset(&dest, 0, sizeof dest);
    memset(backup, 0, sizeof backup);
    for (int i = 0; i < run->nkids; i++)
        run->kids[i].asked[0] = run->kids[i].asked[1] = PLAN_CANDIDATES + 1;
    cand_args_init(run, &a);
    memset(l, 0, sizeof l);
    l[0].c = c;
    l[1].c = run->c2;
    if (cand_params_build(run, SET_DEST, &dest) < 0 ||
        cand_params_build(run, SET_BACKUP, &backup[0]) < 0 ||
        cand_params_build(run, SET_BACKUP_ODD, &backup[1]) < 0) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (dest.n) {
        p[0] = dest.ids.data;
        p[1] = dest.need.data;
        p[2] = a.outage_p;
        lane_add(&l[0], "plan_dispatchable", 3, p, 1);
        p[0] = run->s->hazard;
        p[1] = a.outage_p;
        lane_add(&l[0], "plan_agreed", 2, p, 1);
    }
    add_searches(l, nl, &dest, &dest, &a);
    /* The stay-home kids' backup points, half on each session. */
    for (int i = 0; i < 2; i++) {
        if (!backup[i].n)
            continue;
        p[0] = backup[i].ids.data;
        p[1] = a.radius;
        lane_add(&l[i % nl], "plan_backup_points", 2, p, 1);
    }
    e = lanes_run(run, l, nl);
out:
    cand_params_release(&dest);
    cand_params_release(&backup[0]);
    cand_params_release(&backup[1]);
    return e;
}

static int cand_by_kid(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->kid != y->kid)
        return x->kid - y->kid;
    if (x->g.travel_h != y->g.travel_h)
        return (x->g.travel_h > y->g.travel_h) - (x->g.travel_h < y->g.travel_h);
    /* The rows of the two sessions arrive in either order: the same run
     * must give the same plans. */
    if (x->g.type != y->g.type)
        return x->g.type - y->g.type;
    if (x->g.id != y->g.id)
        return (x->g.id > y->g.id) - (x->g.id < y->g.id);
    return x->agreed - y->agreed;
}

static int cand_by_dest(const void *a, const void *b)
{
    const struct cand *const *x = a, *const *y = b;

    if ((*x)->g.type != (*y)->g.type)
        return (*x)->g.type - (*y)->g.type;
    return ((*x)->g.id > (*y)->g.id) - ((*x)->g.id < (*y)->g.id);
}

/* Sorts the candidates by kid, nearest first, and indexes each kid's. */
static void index_cands(struct run *run)
{
    qsort(run->cands, (size_t)run->ncands, sizeof *run->cands, cand_by_kid);
    for (int i = 0, j = 0; i < run->nkids; i++) {
        run->kids[i].first_cand = j;
        run->kids[i].agreed = -1;
        while (j < run->ncands && run->cands[j].kid == i) {
            if (run->cands[j].agreed)
                run->kids[i].agreed = j - run->kids[i].first_cand;
            j++;
        }
        run->kids[i].ncand = j - run->kids[i].first_cand;
    }
}

/* Numbers the distinct destinations of the candidates into gd[]; returns
 * how many. */
static int number_dests(struct run *run, struct cand **order, struct geo_assign_dest *gd)
{
    int nd = 0;

    for (int i = 0; i < run->ncands; i++)
        order[i] = &run->cands[i];
    qsort(order, (size_t)run->ncands, sizeof *order, cand_by_dest);
    for (int i = 0; i < run->ncands; i++) {
        if (i == 0 || cand_by_dest(&order[i - 1], &order[i]) != 0) {
            gd[nd].outlets = order[i]->g.outlets;
            gd[nd].watts = order[i]->g.watts;
            nd++;
        }
        order[i]->dest = nd - 1;
    }
    return nd;
}

/* The solver's input, built from the usable candidates. */
struct sv_input {
    struct geo_assign_child *gc;
    struct geo_assign_dest *gd;
    struct geo_assign_edge *ge;
    struct cand **order;
    int *out;
    int nd, ne;
};

static void input_release(struct sv_input *in)
{
    free(in->gc);
    free(in->gd);
    free(in->ge);
    free(in->order);
    free(in->out);
}

static int by_priority(const void *a, const void *b)
{
    const struct kid *x = *(const struct kid *const *)a, *y = *(const struct kid *const *)b;

    if (x->g.life != y->g.life)
        return y->g.life - x->g.life;
    return (x->g.runtime_h > y->g.runtime_h) - (x->g.runtime_h < y->g.runtime_h);
}

/* Rule 10: a kid whose agreed destination is eligible keeps it, its
 * capacity reserved before the solver shares the rest (the most urgent
 * first when an agreed place is over-subscribed). */
static int reserve_agreed(struct run *run, struct sv_input *in)
{
    struct kid **order = malloc(((size_t)run->nkids + 1) * sizeof *order);
    int n = 0;

    if (!order)
        return -1;
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];

        k->fixed = 0;
        if (k->agreed >= 0 && k->g.needs_dest)
            order[n++] = k;
    }
    qsort(order, (size_t)n, sizeof *order, by_priority);
    for (int i = 0; i < n; i++) {
        struct kid *k = order[i];
        const struct cand *cd = &run->cands[k->first_cand + k->agreed];
        struct geo_assign_dest *d = &in->gd[cd->dest];

        if (!cd->g.usable)
            continue;
        if (d->outlets < 1 || k->g.need_w > d->watts) {
            snprintf(k->agreed_why, sizeof k->agreed_why, "full");
            continue;
        }
        d->outlets--;
        d->watts -= k->g.need_w;
        k->fixed = 1;
    }
    free(order);
    return 0;
}

static int input_build(struct run *run, struct sv_input *in)
{
    memset(in, 0, sizeof *in);
    in->gc = calloc((size_t)run->nkids + 1, sizeof *in->gc);
    in->gd = calloc((size_t)run->ncands + 1, sizeof *in->gd);
    in->ge = calloc((size_t)run->ncands + 1, sizeof *in->ge);
    in->order = calloc((size_t)run->ncands + 1, sizeof *in->order);
    in->out = calloc((size_t)run->nkids + 1, sizeof *in->out);
    if (!in->gc || !in->gd || !in->ge || !in->order || !in->out)
        return -1;
    for (int i = 0; i < run->nkids; i++) {
        in->gc[i].need_w = run->kids[i].g.need_w;
        in->gc[i].runtime_h = run->kids[i].g.runtime_h;
        in->gc[i].life = run->kids[i].g.life;
    }
    in->nd = number_dests(run, in->order, in->gd);
    if (reserve_agreed(run, in) < 0)
        return -1;
    for (int i = 0; i < run->ncands; i++) {
        const struct cand *cd = &run->cands[i];

        if (!cd->g.usable || run->kids[cd->kid].fixed)
            continue;
        in->ge[in->ne].child = cd->kid;
        in->ge[in->ne].dest = cd->dest;
        in->ge[in->ne].travel_h = cd->g.travel_h;
        in->ne++;
    }
    return 0;
}

/* Records each kid's destination from the solver's answer in->out. */
static void record(struct run *run, const struct sv_input *in)
{
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];

        k->assigned = k->fixed ? k->agreed : -1;
        for (int j = k->first_cand; !k->fixed && in->out[i] >= 0 && j < k->first_cand + k->ncand;
             j++) {
            if (run->cands[j].g.usable && run->cands[j].dest == in->out[i]) {
                k->assigned = j - k->first_cand;
                break;
            }
        }
    }
}

/* Solves the run's assignment and records each kid's destination. */
static enum pm_err solve(struct run *run)
{
    struct geo_assign_opts opts;
    struct sv_input in;
    enum pm_err e = PM_OK;
    int rc;

    if (input_build(run, &in) < 0) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* A small city is solved exactly whatever it costs (travel too). */
    opts.work_budget = in.ne <= PLAN_EXACT_EDGES ? -1 : 0;
    rc = geo_assign_solve(in.gc, run->nkids, in.gd, in.nd, in.ge, in.ne, &opts, in.out, &run->st);
    if (rc != GEO_ASSIGN_OK) {
        e = run_fail(run, rc == GEO_ASSIGN_ENOMEM ? PM_ERR_NOMEM : PM_ERR_INTERNAL,
                     "solver: %s", geo_assign_strerror(rc));
        goto out;
    }
    record(run, &in);
out:
    input_release(&in);
    return e;
}

/* Where the solver is not proven optimal, improves its answer by the MIP
 * of geo/assign_mip.c within PLAN_MIP_SECONDS (issue 14). */
static enum pm_err improve(struct run *run)
{
    struct geo_assign_mip_opts opts = { .seconds = PLAN_MIP_SECONDS };
    struct sv_input in;
    enum pm_err e = PM_OK;
    int rc;

    if (run->st.exact_cover)
        return PM_OK;
    if (input_build(run, &in) < 0) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < run->nkids; i++) {
        const struct kid *k = &run->kids[i];
        in.out[i] = !k->fixed && k->assigned >= 0 ? run->cands[k->first_cand + k->assigned].dest
                                                  : -1;
    }
    rc = geo_assign_improve(in.gc, run->nkids, in.gd, in.nd, in.ge, in.ne, &opts, in.out,
                            &run->st, &run->mip);
    if (rc != GEO_ASSIGN_OK) {
        e = run_fail(run, rc == GEO_ASSIGN_ENOMEM ? PM_ERR_NOMEM : PM_ERR_INTERNAL,
                     "solver: %s", geo_assign_strerror(rc));
        goto out;
    }
    run->mip_ran = 1;
    record(run, &in);
out:
    input_release(&in);
    return e;
}

/* ------------------------------------------------------------------------- */
/* Adaptive lists and what the run can prove                                   */
/* ------------------------------------------------------------------------- */

/* Sets each kid's depth: 0 for a kid left out, d + 1 for a kid sitting at
 * a place that a kid of depth d could use (a compared, usable candidate);
 * -1 when no kid left out leads to it.  Why it matters: against the outlet
 * model the solver proves (no watts refused), any cover better than the
 * run's differs from it by a path that starts at a kid left out, goes to a
 * place it could use, moves a kid sitting there to another place, and so on.
 * Until the path first takes a place missing from a cut list, every step is
 * a compared one: so the kid whose list it is has a depth.  A cut list of a
 * kid with no depth cannot change the cover.  Returns -1 out of memory. */
static int reach_left_out(struct run *run)
{
    int nd = 0, *start, *who, *queue, *seen, head = 0, tail = 0;

    for (int i = 0; i < run->ncands; i++)
        if (run->cands[i].dest >= nd)
            nd = run->cands[i].dest + 1;
    start = calloc((size_t)nd + 2, sizeof *start);
    who = malloc(((size_t)run->nkids + 1) * sizeof *who);
    queue = malloc(((size_t)run->nkids + 1) * sizeof *queue);
    seen = calloc((size_t)nd + 1, sizeof *seen);
    if (!start || !who || !queue || !seen) {
        free(start), free(who), free(queue), free(seen);
        return -1;
    }
    /* The kids at each place, movable ones only (rule 10 keeps the others). */
    for (int i = 0; i < run->nkids; i++)
        if (run->kids[i].assigned >= 0 && !run->kids[i].fixed)
            start[run->cands[run->kids[i].first_cand + run->kids[i].assigned].dest + 1]++;
    for (int d = 0; d < nd; d++)
        start[d + 1] += start[d];
    for (int i = 0, *fill = seen; i < run->nkids; i++)
        if (run->kids[i].assigned >= 0 && !run->kids[i].fixed) {
            int d = run->cands[run->kids[i].first_cand + run->kids[i].assigned].dest;

            who[start[d] + fill[d]++] = i;
        }
    memset(seen, 0, ((size_t)nd + 1) * sizeof *seen);
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];

        k->depth = k->g.needs_dest && k->assigned < 0 ? 0 : -1;
        if (k->depth == 0)
            queue[tail++] = i;
    }
    while (head < tail) {
        const struct kid *k = &run->kids[queue[head++]];

        for (int j = k->first_cand; j < k->first_cand + k->ncand; j++) {
            int d = run->cands[j].dest;

            if (!run->cands[j].g.usable || d < 0 || seen[d])
                continue;
            seen[d] = 1;
            for (int w = start[d]; w < start[d + 1]; w++)
                if (run->kids[who[w]].depth < 0) {
                    run->kids[who[w]].depth = k->depth + 1;
                    queue[tail++] = who[w];
                }
        }
    }
    free(start), free(who), free(queue), free(seen);
    return 0;
}

/* 1 when the run's proofs cannot rest on augmenting paths: watts were
 * refused, or the MIP step (over the real watts) ran.  A cut kid covered
 * at a place with a free outlet then proves nothing: place 2 outlets /
 * 100 W, kid k (50 W, cut list) there, kid m (60 W) only able to go there
 * and left out; uncut, k could move to a missing place and m fit.  Only a
 * place that can never bind proves it: put k back there in any better
 * answer, it still fits. */
static int unproven_by_watts(const struct run *run)
{
    return run->st.watts_refusals > 0 || run->mip_ran;
}

/* For the proof where watts bind, per destination: 1 it can never bind
 * (every kid able to go there, agreed ones too, fits at once, in outlets
 * and watts).  load[] gets each one's kids.  Returns -1 out of memory. */
static int find_room(const struct run *run, int *load, unsigned char *room)
{
    double *all_w = calloc((size_t)run->ncands + 1, sizeof *all_w);
    int *all_n = calloc((size_t)run->ncands + 1, sizeof *all_n);
    int ok = all_w && all_n;

    for (int i = 0; i < run->ncands; i++)
        load[i] = room[i] = 0;
    for (int i = 0; i < run->nkids; i++)
        if (run->kids[i].assigned >= 0)
            load[run->cands[run->kids[i].first_cand + run->kids[i].assigned].dest]++;
    for (int i = 0; ok && i < run->ncands; i++) {
        const struct cand *cd = &run->cands[i];

        if (cd->g.usable || cd->agreed) {
            all_n[cd->dest]++;
            all_w[cd->dest] += run->kids[cd->kid].g.need_w;
        }
    }
    for (int i = 0; ok && i < run->ncands; i++) {
        const struct cand *cd = &run->cands[i];

        room[cd->dest] = all_n[cd->dest] <= cd->g.outlets && all_w[cd->dest] <= cd->g.watts;
    }
    free(all_w);
    free(all_n);
    return ok ? 0 : -1;
}

/* Marks for a new query the kids whose list was cut where the cut may
 * matter, and returns how many (-1 out of memory).  A cut list cannot
 * change the optimum when its kid is covered at a place that still has a
 * free outlet: an improving path of the uncut problem that used one of its
 * missing places could stop at that free outlet instead, and so would exist
 * in the cut problem too.  Nor, for the cover, when no kid left out leads
 * to it (reach_left_out).  A cut kid left out, or at a full place that a
 * kid left out leads to, has no such proof. */
static int mark_requery(struct run *run, int *load)
{
    struct proof *pf = &run->pf;
    unsigned char *room = calloc((size_t)run->ncands + 1, 1);
    int watts = unproven_by_watts(run);

    pf->cut = pf->cut_unproven = pf->cut_unproven_any = pf->cut_travel = pf->left_out = 0;
    if (!room || find_room(run, load, room) < 0 || reach_left_out(run) < 0) {
        free(room);
        return -1;
    }
    for (int i = 0; i < run->nkids; i++) {
        const struct kid *k = &run->kids[i];

        pf->left_out += k->g.needs_dest && k->assigned < 0;
    }
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];
        const struct cand *at = k->assigned >= 0 ? &run->cands[k->first_cand + k->assigned] : NULL;
        int cut = (k->asked[0] > 0 && k->counted[0] >= k->asked[0]) |
                  (k->asked[1] > 0 && k->counted[1] >= k->asked[1]) << 1;
        int matters;

        k->g.list_cut = k->g.needs_dest && cut;
        matters = k->g.list_cut && !k->fixed && (!at || load[at->dest] >= at->g.outlets);
        /* With every child covered the cover cannot improve: asking again
         * could only shorten travel, which is not worth a query. */
        k->requery = matters && k->depth >= 0 ? cut : 0;
        /* Where watts bind, a free outlet proves nothing (see find_room). */
        if (watts)
            matters = k->g.list_cut && !k->fixed && (!at || !room[at->dest]);
        pf->cut += k->g.list_cut;
        pf->cut_unproven += k->requery != 0;
        pf->cut_unproven_any += matters && pf->left_out > 0;
        pf->cut_travel += matters;
    }
    free(room);
    return pf->cut_unproven;
}

/* What the run proves: the cover is optimal when nobody who needs a
 * destination is left out, or when the solver proved it and no cut list
 * may change it; travel too when no cut list may change it either. */
static int unproven_cuts(const struct run *run)
{
    /* reach_left_out's proof holds in the outlet model: only when no watts
     * were ever refused (else the run's cover may not be its optimum there). */
    return !unproven_by_watts(run) ? run->pf.cut_unproven : run->pf.cut_unproven_any;
}

static void prove(struct run *run)
{
    struct proof *pf = &run->pf;

    pf->cover_proven = pf->left_out == 0 || (run->st.exact_cover && !unproven_cuts(run));
    pf->proven = pf->cover_proven && run->st.exact && !pf->cut_travel;
}

/* Who is asked again first when the rows are capped: the kids left out,
 * then those nearest them (the shortest improving paths), then those with a
 * life-sustaining device, then the least time left. */
static int by_urgency(const void *a, const void *b)
{
    const struct kid *x = *(const struct kid *const *)a, *y = *(const struct kid *const *)b;

    if (x->depth != y->depth)
        return x->depth - y->depth;
    if (x->g.life != y->g.life)
        return y->g.life - x->g.life;
    if (x->g.runtime_h != y->g.runtime_h)
        return (x->g.runtime_h > y->g.runtime_h) - (x->g.runtime_h < y->g.runtime_h);
    return (x->id > y->id) - (x->id < y->id);
}

/* Keeps the requery marks of the most urgent kids within PLAN_AGAIN_ROWS
 * rows (the round's time), grows their lists, and returns how many kids are
 * asked again (the others stay unproven: counted in again_capped). */
static int cap_requery(struct run *run)
{
    struct kid **order = malloc(((size_t)run->nkids + 1) * sizeof *order);
    long rows = 0;
    int n = 0, kept = 0;

    if (!order)
        return -1;
    for (int i = 0; i < run->nkids; i++)
        if (run->kids[i].requery)
            order[n++] = &run->kids[i];
    qsort(order, (size_t)n, sizeof *order, by_urgency);
    run->pf.again_capped = 0;
    for (int i = 0; i < n; i++) {
        struct kid *k = order[i];
        long more = 0;

        for (int t = 0; t < 2; t++)
            if (k->requery & (1 << t))
                more += (long)(k->asked[t] - 1) * PLAN_GROWTH + 1;
        if (kept > 0 && rows + more > PLAN_AGAIN_ROWS) {
            k->requery = 0;
            run->pf.again_capped++;
            continue;
        }
        rows += more;
        kept++;
    }
    free(order);
    return kept;
}

/* Asks again, with PLAN_GROWTH times the rows, for the lists of the kids
 * marked requery (only the types that were cut). */
static enum pm_err requery(PGconn *c, struct run *run)
{
    struct cand_params sh, pt;
    struct cand_args a;
    struct lane l[2];
    int w = 0, nl = run->c2 ? 2 : 1;
    enum pm_err e;

    for (int i = 0; i < run->ncands; i++) {
        const struct cand *cd = &run->cands[i];
        int mask = run->kids[cd->kid].requery;

        if (cd->agreed || cd->g.type == 'v' || !(mask & (cd->g.type == 'p' ? 2 : 1)))
            run->cands[w++] = *cd;
    }
    run->ncands = w;
    for (int i = 0; i < run->nkids; i++) {
        struct kid *k = &run->kids[i];

        for (int t = 0; t < 2; t++) {
            if (k->requery & (1 << t)) {
                k->asked[t] = (k->asked[t] - 1) * PLAN_GROWTH + 1;
                k->counted[t] = 0;
            }
        }
        run->pf.again += k->requery != 0;
    }
    cand_args_init(run, &a);
    memset(l, 0, sizeof l);
    memset(&pt, 0, sizeof pt);
    l[0].c = c;
    l[1].c = run->c2;
    if (cand_params_build(run, SET_AGAIN_SHELTERS, &sh) < 0 ||
        cand_params_build(run, SET_AGAIN_POINTS, &pt) < 0) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
    } else {
        add_searches(l, nl, &sh, &pt, &a);
        e = lanes_run(run, l, nl);
    }
    cand_params_release(&sh);
    cand_params_release(&pt);
    index_cands(run);
    return e;
}

/* Solves, asking again for longer lists where a cut may matter. */
static enum pm_err solve_adaptive(PGconn *c, struct run *run)
{
    int *load = NULL;
    enum pm_err e = PM_OK;

    for (run->pf.rounds = 1;; run->pf.rounds++) {
        int *nl = realloc(load, ((size_t)run->ncands + 1) * sizeof *load), kept;

        if (!nl) {
            e = run_fail(run, PM_ERR_NOMEM, "out of memory");
            break;
        }
        load = nl;
        if ((e = solve(run)) != PM_OK)
            break;
        if ((run->pf.cut_unproven = mark_requery(run, load)) < 0) {
            e = run_fail(run, PM_ERR_NOMEM, "out of memory");
            break;
        }
        if (!run->pf.cut_unproven || run->pf.rounds >= PLAN_ROUNDS) {
            if ((e = improve(run)) == PM_OK &&
                (run->pf.cut_unproven = mark_requery(run, load)) < 0)
                e = run_fail(run, PM_ERR_NOMEM, "out of memory");
            break;
        }
        if ((kept = cap_requery(run)) < 0) {
            e = run_fail(run, PM_ERR_NOMEM, "out of memory");
            break;
        }
        if ((e = requery(c, run)) != PM_OK)
            break;
    }
    free(load);
    return e;
}

/* When the run is not proven optimal: at most how many more children with
 * a life-sustaining device (rule 5a), and how many more children at all,
 * any assignment over the compared places could cover.  -1: not known. */
static void bound(struct run *run)
{
    struct sv_input in;
    int life, all;

    run->pf.bound_life = run->pf.bound_all = -1;
    if (run->mip_ran) {
        life = run->mip.life_max;
        all = run->mip.all_max;
        if (life >= 0)
            run->pf.bound_life = life > run->st.covered_life ? life - run->st.covered_life : 0;
        if (all >= 0)
            run->pf.bound_all = all > run->st.covered ? all - run->st.covered : 0;
        return;
    }
    if (input_build(run, &in) == 0 &&
        geo_assign_bound(in.gc, run->nkids, in.gd, in.nd, in.ge, in.ne, &life, &all) ==
            GEO_ASSIGN_OK) {
        if (life >= 0)
            run->pf.bound_life = life > run->st.covered_life ? life - run->st.covered_life : 0;
        if (all >= 0)
            run->pf.bound_all = all > run->st.covered ? all - run->st.covered : 0;
    }
    input_release(&in);
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

/* Appends a text[] literal of the reasons. */
static void reasons_literal(struct pm_buf *b, const struct geo_plan_outcome *o)
{
    pm_buf_puts(b, "{");
    for (int i = 0; i < o->nreasons; i++) {
        pm_buf_puts(b, i ? ",\"" : "\"");
        for (const char *p = o->reasons[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pm_buf_puts(b, "\\\\");     /* escaped for COPY, then for the array */
            pm_buf_append(b, p, 1);
        }
        pm_buf_puts(b, "\"");
    }
    pm_buf_puts(b, "}");
}

static void count_decision(struct run *run, const struct kid *k, const struct geo_plan_outcome *o,
                           cJSON *unassigned)
{
    cJSON *u;

    switch (o->decision) {
    case GEO_PLAN_STAY_HOME:
        run->cnt.stay_home++;
        return;
    case GEO_PLAN_CHARGE:
        run->cnt.charge++;
        return;
    case GEO_PLAN_EVACUATE:
        run->cnt.evacuate++;
        return;
    case GEO_PLAN_UNASSIGNED:
        break;
    }
    run->cnt.unassigned++;
    u = cJSON_CreateObject();
    if (u) {
        cJSON_AddNumberToObject(u, "child_id", (double)k->id);
        cJSON_AddStringToObject(u, "reason", o->reasons[o->nreasons - 1]);
        cJSON_AddItemToArray(unassigned, u);
    }
}

/* Writes one child's plan row (COPY text) and adds it to the summary. */
/* Reasons beyond rules 1-5: flags on the data, an outage, the agreed
 * destination (rule 10). */
static void extra_reasons(const struct run *run, const struct kid *k, struct geo_plan_outcome *o)
{
    static const char *const why_text[][2] = {
        { "closed", "it is closed" }, { "no_power", "it has no power" },
        { "not_designated", "it is not designated for this hazard" },
        { "in_hazard", "it is inside the hazard area" }, { "dark", "it is dark in the outage" },
        { "full", "it is full with children agreed there first" },
    };

    if (k->g.has_home && k->pw.ndevices == 0)
        geo_plan_add_reason(o, "no device is registered: runtime taken as unlimited; check the record");
    else if (k->pw.no_battery_data)
        geo_plan_add_reason(o, "a device has no battery time registered: counted as 0 h; check the record");
    if (run->s->outage_id && k->g.has_home && !k->in_outage && !k->g.in_hazard)
        geo_plan_add_reason(o, "home is outside the outage: the power is on");
    if (k->agreed >= 0 && k->g.needs_dest && !k->fixed) {
        const struct cand *cd = &run->cands[k->first_cand + k->agreed];
        const char *why = cd->why[0] ? cd->why : k->agreed_why[0] ? k->agreed_why
                          : !cd->g.reachable ? "unreachable" : !cd->g.open ? "shut" : "dark";
        const char *text = strcmp(why, "unreachable") == 0 ? "it cannot be reached in time"
                           : strcmp(why, "shut") == 0 ? "it is closed on arrival"
                                                      : "it has no power long enough";

        for (size_t i = 0; i < sizeof why_text / sizeof why_text[0]; i++)
            if (strcmp(why, why_text[i][0]) == 0)
                text = why_text[i][1];
        geo_plan_add_reason(o, "the agreed destination is not used in this scenario: %s; "
                               "the planner chose instead", text);
    } else if (k->fixed) {
        geo_plan_add_reason(o, "the agreed destination is kept (its place was reserved first)");
    }
}

static void json_number(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, round(v * 1000) / 1000);
    else
        cJSON_AddNullToObject(o, name);
}

/* The plan's details (rules 7, 9, 10, 11, 12) as JSON text; NULL when out
 * of memory. */
static char *details_json(const struct run *run, const struct kid *k,
                          const struct geo_plan_outcome *o, const struct geo_plan_cand *dest)
{
    cJSON *d = cJSON_CreateObject(), *pw, *lw, *ch, *fl;
    char *text;

    if (!d)
        return NULL;
    pw = cJSON_AddObjectToObject(d, "power");
    json_number(pw, "devices_h", k->pw.device_h);
    json_number(pw, "home_battery_h", k->pw.home_battery_h);
    json_number(pw, "home_generator_h", k->pw.home_generator_h);
    json_number(pw, "runtime_h", k->pw.runtime_h);
    json_number(pw, "average_w", k->pw.avg_w);
    cJSON_AddNumberToObject(pw, "car_inverter_w", k->car_inverter_w);
    fl = cJSON_AddArrayToObject(d, "flags");
    if (k->g.has_home && k->pw.ndevices == 0)
        cJSON_AddItemToArray(fl, cJSON_CreateString("no_devices"));
    if (k->pw.no_battery_data)
        cJSON_AddItemToArray(fl, cJSON_CreateString("no_battery_data"));
    if (!k->g.has_home)
        cJSON_AddItemToArray(fl, cJSON_CreateString("unlocated"));
    if (o->decision == GEO_PLAN_CHARGE || o->decision == GEO_PLAN_EVACUATE) {
        enum geo_leave_when w = geo_plan_leave_when(run->s->hazard);

        lw = cJSON_AddObjectToObject(d, "leave_when");
        cJSON_AddStringToObject(lw, "code", geo_plan_leave_when_code(w));
        json_number(lw, "leave_by_h", o->leave_by_h);
    }
    if (o->decision == GEO_PLAN_CHARGE) {
        ch = cJSON_AddObjectToObject(d, "charge");
        cJSON_AddNumberToObject(ch, "trips", geo_plan_charge_trips(&run->gs, k->g.runtime_h));
        json_number(ch, "charge_h", k->pw.charge_h);
        cJSON_AddNumberToObject(ch, "outage_hours", run->gs.outage_hours);
        cJSON_AddBoolToObject(ch, "batteries_can_travel", k->pw.batteries_travel);
    }
    if (dest && dest->type == 'v')
        cJSON_AddBoolToObject(d, "brought_home", 1);
    if (k->agreed >= 0)
        cJSON_AddStringToObject(d, "agreed", k->fixed ? "kept" : k->g.needs_dest ? "not_eligible"
                                                                                 : "not_needed");
    text = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return text;
}

/* The kid's candidates as the rules see them, in one array (NULL for none). */
static struct geo_plan_cand *rule_cands(const struct run *run, const struct kid *k, int *oom)
{
    struct geo_plan_cand *gcs;

    *oom = 0;
    if (!k->ncand)
        return NULL;
    gcs = malloc((size_t)k->ncand * sizeof *gcs);
    if (!gcs) {
        *oom = 1;
        return NULL;
    }
    for (int j = 0; j < k->ncand; j++)
        gcs[j] = run->cands[k->first_cand + j].g;
    return gcs;
}

/* Writes one child's plan row (COPY text) and adds it to the summary. */
static void plan_row(struct pm_buf *b, struct run *run, const struct kid *k, cJSON *unassigned)
{
    const struct cand *kc = run->cands + k->first_cand;
    const struct geo_plan_cand *dest = k->assigned >= 0 ? &kc[k->assigned].g : NULL;
    struct geo_plan_outcome o;
    int oom;
    struct geo_plan_cand *gcs = rule_cands(run, k, &oom);
    char *details;

    if (oom) {
        b->oom = 1;
        return;
    }
    geo_plan_decide(&run->gs, run->s->hazard, &k->g, gcs, k->ncand, k->assigned, &o);
    extra_reasons(run, k, &o);
    count_decision(run, k, &o, unassigned);

    pm_buf_printf(b, "%ld\t%ld\t%s\t", run->rep->run_id, k->id, geo_plan_decision_name(o.decision));
    reasons_literal(b, &o);
    pm_buf_puts(b, "\t");
    copy_number(b, k->g.need_w);
    pm_buf_puts(b, "\t");
    copy_number(b, k->g.runtime_h);
    pm_buf_puts(b, "\t");
    copy_number(b, o.leave_by_h);
    if (dest) {
        pm_buf_printf(b, "\t%s\t%ld\t", dest->type == 's' ? "shelter" : "power_point", dest->id);
        copy_number(b, dest->dist_m);
        pm_buf_puts(b, "\t");
        copy_number(b, dest->travel_h * 60);
    } else {
        pm_buf_puts(b, "\t\\N\t\\N\t\\N\t\\N");
    }
    /* Alternatives: usable ones, or listed for their hours. */
    pm_buf_puts(b, "\t[");
    for (int a = 0; a < o.nalt; a++) {
        const struct geo_plan_cand *cd = &gcs[o.alt[a]];

        pm_buf_printf(b, "%s{\"type\": \"%s\", \"id\": %ld, \"distance_m\": %.1f, "
                         "\"travel_min\": %.1f, \"hours\": \"",
                      a ? ", " : "", cd->type == 's' ? "shelter" : "power_point", cd->id,
                      cd->dist_m, cd->travel_h * 60);
        copy_text(b, cd->type == 's' ? "24h" : cd->hours);
        pm_buf_printf(b, "\", \"usable\": %s}", cd->usable ? "true" : "false");
    }
    pm_buf_puts(b, "]\t");
    details = details_json(run, k, &o, dest);
    if (!details)
        b->oom = 1;
    else
        copy_text(b, details);
    pm_buf_puts(b, "\n");
    free(details);
    free(gcs);
}

static enum pm_err store(PGconn *c, struct run *run, cJSON *unassigned)
{
    struct pm_buf b;
    PGresult *res = db_exec(c, "plan_copy", 0, NULL);
    enum pm_err e = PM_ERR_UNAVAILABLE;

    pm_buf_init(&b);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        e = fail_res(run, res, "store");
        PQclear(res);
        return e;
    }
    PQclear(res);
    for (int i = 0; i < run->nkids; i++) {
        plan_row(&b, run, &run->kids[i], unassigned);
        if (b.len > (1 << 20) || i + 1 == run->nkids) {
            if (b.oom || PQputCopyData(c, b.data, (int)b.len) != 1) {
                PQputCopyEnd(c, "failed");
                e = run_fail(run, b.oom ? PM_ERR_NOMEM : PM_ERR_UNAVAILABLE, "store: %s",
                             b.oom ? "out of memory" : PQerrorMessage(c));
                goto drain;
            }
            b.len = 0;
        }
    }
    if (PQputCopyEnd(c, NULL) != 1) {
        run_fail(run, PM_ERR_UNAVAILABLE, "store: %s", PQerrorMessage(c));
        goto drain;
    }
    e = PM_OK;
drain:
    while ((res = PQgetResult(c))) {
        if (e == PM_OK && !db_ok(res))
            e = fail_res(run, res, "store");
        PQclear(res);
    }
    pm_buf_release(&b);
    return e;
}

/* ------------------------------------------------------------------------- */
/* The run, step by step                                                       */
/* ------------------------------------------------------------------------- */


/* Runs one named statement and checks it succeeded. */
static enum pm_err exec_ok(PGconn *c, struct run *run, const char *name, int n,
                           const char *const *p)
{
    PGresult *res = db_exec(c, name, n, p);
    enum pm_err e = db_ok(res) ? PM_OK : fail_res(run, res, name);

    PQclear(res);
    return e;
}

/* Rule 8: the outage's start, its length when known, the hours since. */
static enum pm_err read_outage(PGconn *c, struct run *run)
{
    char id[24];
    const char *p[1] = { id };
    PGresult *res;

    snprintf(id, sizeof id, "%ld", run->s->outage_id);
    res = db_exec(c, "plan_outage", 1, p);
    if (!db_ok(res)) {
        enum pm_err e = fail_res(run, res, "outage");

        PQclear(res);
        return e;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        snprintf(run->rep->field, sizeof run->rep->field, "outage_id");
        return run_fail(run, PM_ERR_BAD_REQUEST, "outage_id: no outage with id %ld",
                        run->s->outage_id);
    }
    run->gs.elapsed_h = strtod(PQgetvalue(res, 0, 0), NULL);
    if (!PQgetisnull(res, 0, 1) && strtod(PQgetvalue(res, 0, 1), NULL) > 0)
        run->gs.outage_hours = strtod(PQgetvalue(res, 0, 1), NULL);
    snprintf(run->outage_start, sizeof run->outage_start, "%s", PQgetvalue(res, 0, 3));
    PQclear(res);
    return PM_OK;
}

/* Takes the lock, reads start_at and records the run. */
static enum pm_err begin_run(PGconn *c, struct run *run, const char *actor)
{
    const struct plan_scenario *s = run->s;
    char key[256], outage[24], *scen_text;
    const char *p[4] = { actor, NULL, NULL, NULL };
    cJSON *scen;
    PGresult *res;
    enum pm_err e;

    exec_ok(c, run, "set_actor", 1, p);
    if ((e = exec_ok(c, run, "plan_lock", 0, NULL)) != PM_OK)
        return e;
    if (run->only_stale) {
        snprintf(outage, sizeof outage, "%ld", s->outage_id);
        p[0] = outage;
        res = db_exec(c, "plan_outages_stale", 1, p);
        if (!db_ok(res)) {
            e = fail_res(run, res, "outages");
            PQclear(res);
            return e;
        }
        run->skipped = PQntuples(res) == 0;
        PQclear(res);
        if (run->skipped)
            return PM_OK;
    }
    if (s->outage_id && (e = read_outage(c, run)) != PM_OK)
        return e;
    if (s->start_at[0] || run->outage_start[0]) {
        p[0] = run->outage_start[0] ? run->outage_start : s->start_at;
        res = db_exec(c, "plan_start_second", 1, p);
        if (!db_ok(res)) {
            PQclear(res);
            snprintf(run->rep->field, sizeof run->rep->field, "start_at");
            return run_fail(run, PM_ERR_BAD_REQUEST, "start_at: not a valid time: %.60s",
                            s->start_at);
        }
        run->gs.start_s = strtod(PQgetvalue(res, 0, 0), NULL);
        PQclear(res);
    }
    scen = cJSON_CreateObject();
    if (!scen)
        return run_fail(run, PM_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(scen, "hazard", s->hazard);
    cJSON_AddNumberToObject(scen, "outage_hours", s->outage_hours);
    cJSON_AddNumberToObject(scen, "speed_kmh", s->speed_kmh);
    cJSON_AddNumberToObject(scen, "detour", s->detour);
    cJSON_AddNumberToObject(scen, "margin_h", s->margin_h);
    if (s->start_at[0])
        cJSON_AddStringToObject(scen, "start_at", s->start_at);
    else
        cJSON_AddNullToObject(scen, "start_at");
    if (s->outage_id) {
        cJSON *o = cJSON_AddObjectToObject(scen, "outage");

        cJSON_AddNumberToObject(scen, "outage_id", (double)s->outage_id);
        cJSON_AddStringToObject(o, "started_at", run->outage_start);
        cJSON_AddNumberToObject(o, "hours_since_start", round(run->gs.elapsed_h * 1000) / 1000);
        cJSON_AddNumberToObject(o, "outage_hours", run->gs.outage_hours);
    }
    scen_text = cJSON_PrintUnformatted(scen);
    cJSON_Delete(scen);
    if (!scen_text)
        return run_fail(run, PM_ERR_NOMEM, "out of memory");
    plan_scenario_key(s, key, sizeof key);
    snprintf(outage, sizeof outage, "%ld", s->outage_id);
    p[0] = key;
    p[1] = scen_text;
    p[2] = actor;
    p[3] = s->outage_id ? outage : NULL;
    res = db_exec(c, "plan_run_insert", 4, p);
    free(scen_text);
    if (!db_ok(res)) {
        e = fail_res(run, res, "run");
        PQclear(res);
        return e;
    }
    run->rep->run_id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return PM_OK;
}

static void bound_json(cJSON *o, const char *name, int v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

/* The MIP step where watts bind (geo/assign_mip.h), when it ran. */
static void summary_mip(const struct run *run, cJSON *sv)
{
    const struct geo_assign_mip_stats *ms = &run->mip;
    cJSON *m;

    if (!run->mip_ran)
        return;
    m = cJSON_AddObjectToObject(sv, "mip");
    cJSON_AddNumberToObject(m, "left_out_before", ms->left_out);
    cJSON_AddNumberToObject(m, "windows", ms->windows);
    cJSON_AddNumberToObject(m, "whole_clusters", ms->whole);
    cJSON_AddNumberToObject(m, "improved", ms->improved);
    cJSON_AddNumberToObject(m, "more_life", ms->more_life);
    cJSON_AddNumberToObject(m, "more_children", ms->more_children);
    cJSON_AddNumberToObject(m, "stages", ms->stages);
    cJSON_AddNumberToObject(m, "stages_proven", ms->stages_proven);
    cJSON_AddBoolToObject(m, "out_of_time", ms->out_of_time);
    cJSON_AddNumberToObject(m, "seconds", ms->seconds);
    cJSON_AddNumberToObject(m, "bound_seconds", ms->bound_seconds);
}

static void summary_solver(const struct run *run, cJSON *summary)
{
    cJSON *sv = cJSON_AddObjectToObject(summary, "solver");
    const struct geo_assign_stats *st = &run->st;

    cJSON_AddNumberToObject(sv, "candidates", run->ncands);
    cJSON_AddNumberToObject(sv, "covered", st->covered);
    cJSON_AddNumberToObject(sv, "covered_life", st->covered_life);
    cJSON_AddBoolToObject(sv, "proven_optimal", run->pf.proven);
    cJSON_AddBoolToObject(sv, "cover_proven_optimal", run->pf.cover_proven);
    cJSON_AddNumberToObject(sv, "watts_refusals", (double)st->watts_refusals);
    cJSON_AddNumberToObject(sv, "candidate_rounds", run->pf.rounds);
    cJSON_AddNumberToObject(sv, "lists_cut", run->pf.cut);
    cJSON_AddNumberToObject(sv, "lists_cut_unproven", unproven_cuts(run));
    cJSON_AddNumberToObject(sv, "lists_cut_travel_unproven", run->pf.cut_travel);
    cJSON_AddNumberToObject(sv, "lists_asked_again", run->pf.again);
    cJSON_AddNumberToObject(sv, "lists_not_asked_again", run->pf.again_capped);
    bound_json(sv, "more_life_at_most", run->pf.bound_life);
    bound_json(sv, "more_children_at_most", run->pf.bound_all);
    cJSON_AddBoolToObject(sv, "bound_over_compared_places_only", unproven_cuts(run) > 0);
    summary_mip(run, sv);
    cJSON_AddNumberToObject(sv, "load_s", run->t_load);
    cJSON_AddNumberToObject(sv, "candidates_s", run->t_cand - run->t_load);
    cJSON_AddNumberToObject(sv, "solve_s", run->t_solve - run->t_cand);
    cJSON_AddNumberToObject(sv, "store_s", seconds_since(&run->t0) - run->t_solve);
}

/* Stores the plans and the run's summary. */
static enum pm_err finish_run(PGconn *c, struct run *run)
{
    cJSON *summary = cJSON_CreateObject(), *unassigned = cJSON_CreateArray(), *d;
    char idtext[24], *sum_text = NULL;
    const char *p[2] = { idtext, NULL };
    enum pm_err e;

    if (!summary || !unassigned) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((e = store(c, run, unassigned)) != PM_OK)
        goto out;
    cJSON_AddNumberToObject(summary, "children", run->nkids);
    d = cJSON_AddObjectToObject(summary, "decisions");
    cJSON_AddNumberToObject(d, "stay_home", run->cnt.stay_home);
    cJSON_AddNumberToObject(d, "charge", run->cnt.charge);
    cJSON_AddNumberToObject(d, "evacuate", run->cnt.evacuate);
    cJSON_AddNumberToObject(d, "unassigned", run->cnt.unassigned);
    summary_solver(run, summary);
    cJSON_AddItemToObject(summary, "unassigned", unassigned);
    unassigned = NULL;
    sum_text = cJSON_PrintUnformatted(summary);
    if (!sum_text) {
        e = run_fail(run, PM_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(idtext, sizeof idtext, "%ld", run->rep->run_id);
    p[1] = sum_text;
    e = exec_ok(c, run, "plan_run_finish", 2, p);
    if (e == PM_OK) {
        snprintf(idtext, sizeof idtext, "%d", PLAN_KEEP_RUNS);
        e = exec_ok(c, run, "plan_retention", 1, p);
    }
out:
    cJSON_Delete(summary);
    cJSON_Delete(unassigned);
    free(sum_text);
    return e;
}

static void scenario_rules(const struct plan_scenario *s, struct geo_plan_scenario *gs)
{
    memset(gs, 0, sizeof *gs);
    gs->outage_hours = s->outage_hours;
    gs->speed_kmh = s->speed_kmh;
    gs->detour = s->detour;
    gs->margin_h = s->margin_h;
    gs->start_s = -1;
}

static enum pm_err run_scenario(PGconn *c, const struct plan_scenario *s, const char *actor,
                                int only_stale, struct plan_report *rep)
{
    struct run run;
    enum pm_err e;
    char err[256];

    memset(&run, 0, sizeof run);
    memset(rep, 0, sizeof *rep);
    run.s = s;
    run.rep = rep;
    run.only_stale = only_stale;
    scenario_rules(s, &run.gs);
    clock_gettime(CLOCK_MONOTONIC, &run.t0);
    if (db_command(c, "BEGIN", err, sizeof err) < 0)
        return run_fail(&run, PM_ERR_UNAVAILABLE, "%s", err);
    if ((e = begin_run(c, &run, actor)) != PM_OK)
        goto out;
    if (run.skipped) {
        db_command(c, "ROLLBACK", NULL, 0);
        goto out;
    }
    if ((e = load_kids(c, &run)) != PM_OK)
        goto out;
    run.t_load = seconds_since(&run.t0);
    if ((e = stage(c, &run)) != PM_OK || (e = query_cands(c, &run)) != PM_OK)
        goto out;
    index_cands(&run);
    run.t_cand = seconds_since(&run.t0);
    if ((e = solve_adaptive(c, &run)) != PM_OK)
        goto out;
    prove(&run);
    if (run.pf.cover_proven)
        run.pf.bound_life = run.pf.bound_all = 0;
    else
        bound(&run);
    for (int i = 0; i < run.nkids; i++)
        run.kids[i].g.unproven = !run.pf.cover_proven;
    run.t_solve = seconds_since(&run.t0);
    if ((e = finish_run(c, &run)) != PM_OK)
        goto out;
    if (db_command(c, "COMMIT", err, sizeof err) < 0)
        e = run_fail(&run, PM_ERR_UNAVAILABLE, "%s", err);
out:
    if (e != PM_OK)
        db_command(c, "ROLLBACK", NULL, 0);
    rep->children = run.nkids;
    rep->stay_home = run.cnt.stay_home;
    rep->charge = run.cnt.charge;
    rep->evacuate = run.cnt.evacuate;
    rep->unassigned = run.cnt.unassigned;
    rep->proven_optimal = run.pf.proven;
    if (run.c2)
        PQfinish(run.c2);
    free(run.kids);
    free(run.cands);
    return e;
}

enum pm_err plan_run(PGconn *c, const struct plan_scenario *s, const char *actor,
                     struct plan_report *rep)
{
    return run_scenario(c, s, actor, 0, rep);
}

enum pm_err plan_replan_outages(PGconn *c, const char *actor, long outage_id, int *runs,
                                struct plan_report *rep)
{
    char id[24];
    const char *p[1] = { outage_id ? id : NULL };
    PGresult *res;
    enum pm_err e = PM_OK;

    *runs = 0;
    memset(rep, 0, sizeof *rep);
    snprintf(id, sizeof id, "%ld", outage_id);
    res = db_exec(c, "plan_outages_stale", 1, p);
    if (!db_ok(res)) {
        snprintf(rep->message, sizeof rep->message, "outages: %s", PQresultErrorMessage(res));
        PQclear(res);
        return PM_ERR_UNAVAILABLE;
    }
    /* One outage that cannot be planned must not hold the others back: each
     * is tried, the first failure is returned (its message kept). */
    for (int i = 0; i < PQntuples(res); i++) {
        struct plan_scenario s;
        struct plan_report one;
        enum pm_err f;

        plan_scenario_init(&s);
        s.outage_id = strtol(PQgetvalue(res, i, 0), NULL, 10);
        f = run_scenario(c, &s, actor, 1, &one);
        *runs += f == PM_OK && one.run_id;
        if (e == PM_OK)
            *rep = one;
        if (e == PM_OK && f != PM_OK)
            e = f;
    }
    PQclear(res);
    return e;
}
