/* assign_mip_cbc.c -- one window's lexicographic MIP, in stages, through
 * CBC's C interface (COIN-OR Cbc, Debian's coinor-libcbc-dev).
 *
 * Each stage is a fresh model of the window (x[j] binary per pair column;
 * each child at most once; each place within the outlets and milliwatts its
 * outside children leave), with the stage's objective, the constraints that
 * hold what the stages before reached, and the current answer as its MIP
 * start.  CBC's answer is rounded, checked against every capacity here, and
 * taken only when better by rule 5 (a)-(d): a CBC tolerance can never put a
 * place over its watts, and a stage that times out leaves the answer as it
 * was.  A stage counts as proven only when CBC proved it AND the answer
 * kept reaches CBC's optimum. */
#include "geo/assign_mip_int.h"

#include <coin/Cbc_C_Interface.h>
#include <pthread.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CBC 2.10's solver entry (CbcMain1) keeps state in globals: one solve
 * at a time in the process. */
static pthread_mutex_t cbc_lock = PTHREAD_MUTEX_INITIALIZER;

double mx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A constraint a later stage keeps: the covered children of `what` (a
 * window class, or all of them, or the life-sustaining ones) at least rhs. */
#define FIX_ALL (-1)
#define FIX_LIFE (-2)
struct fix {
    int what;
    double rhs;
};

/* An answer's value by rule 5: (a) life, (b) all, (c) per class, (d) travel. */
struct key {
    int life, all;
    int *n;
    double travel;
};

/* Scratch of a window's solve. */
struct stage_ctx {
    const struct mx_prob *p;
    struct mx_win *w;
    double deadline;
    double *obj, *xbuf;
    struct fix *fx;
    int nfix;
    char **names;           /* column names, "x0", "x1", ... */
    struct key cur, tmp;
    struct mx_result *r;
};

static void key_of(const struct mx_prob *p, const struct mx_win *w, const double *x, struct key *k)
{
    k->life = k->all = 0;
    k->travel = 0;
    memset(k->n, 0, (size_t)w->nwc * sizeof *k->n);
    for (int j = 0; j < w->nx; j++)
        if (x[j] > 0.5) {
            int s = w->xs[j];
            k->all++;
            k->life += p->life[w->kid[s]];
            k->n[w->wcls[s]]++;
            k->travel += p->ptime[w->xp[j]];
        }
}

/* > 0 when a is better than b by rule 5 (a)-(d); travel up to rounding. */
static int key_cmp(const struct key *a, const struct key *b, int nwc)
{
    if (a->life != b->life)
        return a->life > b->life ? 1 : -1;
    if (a->all != b->all)
        return a->all > b->all ? 1 : -1;
    for (int k = 0; k < nwc; k++)
        if (a->n[k] != b->n[k])
            return a->n[k] > b->n[k] ? 1 : -1;
    if (a->travel < b->travel - 1e-9 * (1 + b->travel))
        return 1;
    return a->travel > b->travel + 1e-9 * (1 + b->travel) ? -1 : 0;
}

/* 1 when x keeps each child once and each place within what is left. */
static int feasible(const struct mx_prob *p, const struct mx_win *w, const double *x)
{
    for (int j = 0, n = 0; j < w->nx; j++) {
        n = j > 0 && w->xs[j] == w->xs[j - 1] ? n : 0;
        n += x[j] > 0.5;
        if (n > 1)
            return 0;
    }
    for (int t = 0; t < w->nt; t++) {
        int cnt = 0;
        int64_t mw = 0;
        for (int i = w->toff[t]; i < w->toff[t + 1]; i++)
            if (x[w->tcol[i]] > 0.5) {
                cnt++;
                mw += p->need[w->kid[w->xs[w->tcol[i]]]];
            }
        if (cnt > w->rout[t] || mw > w->rmw[t])
            return 0;
    }
    return 1;
}

static int col_in(const struct mx_prob *p, const struct mx_win *w, int j, int what)
{
    int s = w->xs[j];

    if (what == FIX_ALL)
        return 1;
    return what == FIX_LIFE ? p->life[w->kid[s]] : w->wcls[s] == what;
}

/* A stage's problem in CBC's column form. */
struct lp {
    CoinBigIndex *start;
    int *index, *crow, *trow;
    double *value, *rlo, *rup, *clo, *cup, *cobj;
    int nr;
};

static void lp_release(struct lp *a)
{
    void *all[] = { a->start, a->index, a->crow, a->trow, a->value, a->rlo, a->rup, a->clo,
                    a->cup, a->cobj };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

static int lp_row(struct lp *a, double lo, double up)
{
    a->rlo[a->nr] = lo;
    a->rup[a->nr] = up;
    return a->nr++;
}

/* The rows: each child once; each place's outlets and watts (in watts:
 * milliwatts / 1000, as a row of ones and thousands is badly scaled for
 * CLP; a 1 mW excess is still far over its tolerance, and feasible()
 * checks in whole milliwatts anyway), only where they could bind; then
 * the fixes.  Row numbers per child in a->crow, per place in a->trow
 * (outlets at t, watts at nt + t), -1 where none. */
static void lp_rows(struct lp *a, const struct stage_ctx *cx)
{
    const struct mx_prob *p = cx->p;
    const struct mx_win *w = cx->w;

    for (int j = 0, k; j < w->nx; j = k) {
        for (k = j; k < w->nx && w->xs[k] == w->xs[j]; k++)
            ;
        a->crow[w->xs[j]] = k - j > 1 ? lp_row(a, -DBL_MAX, 1) : -1;
    }
    for (int t = 0; t < w->nt; t++) {
        int64_t sum = 0;
        int n = w->toff[t + 1] - w->toff[t];
        for (int i = w->toff[t]; i < w->toff[t + 1]; i++)
            sum += p->need[w->kid[w->xs[w->tcol[i]]]];
        a->trow[t] = n > w->rout[t] ? lp_row(a, -DBL_MAX, w->rout[t]) : -1;
        a->trow[w->nt + t] = sum > w->rmw[t] ? lp_row(a, -DBL_MAX, (double)w->rmw[t] / 1000.0) : -1;
    }
    for (int f = 0; f < cx->nfix; f++)
        lp_row(a, cx->fx[f].rhs, DBL_MAX);
}

/* The matrix by column, and the columns' bounds and costs (CBC minimises
 * -obj). */
static void lp_columns(struct lp *a, const struct stage_ctx *cx)
{
    const struct mx_win *w = cx->w;
    int fix0 = a->nr - cx->nfix;
    CoinBigIndex nz = 0;

    for (int j = 0; j < w->nx; j++) {
        int s = w->xs[j], t = w->xt[j];
        int rows[3] = { a->crow[s], a->trow[t], a->trow[w->nt + t] };
        a->start[j] = nz;
        for (int r = 0; r < 3; r++)
            if (rows[r] >= 0) {
                a->index[nz] = rows[r];
                a->value[nz++] = r == 2 ? (double)cx->p->need[w->kid[s]] / 1000.0 : 1;
            }
        for (int f = 0; f < cx->nfix; f++)
            if (col_in(cx->p, w, j, cx->fx[f].what)) {
                a->index[nz] = fix0 + f;
                a->value[nz++] = 1;
            }
        a->clo[j] = 0;
        a->cup[j] = 1;
        a->cobj[j] = -cx->obj[j];
    }
    a->start[w->nx] = nz;
}

/* A stage's model: maximise obj over the window, from the current answer. */
static Cbc_Model *stage_model(const struct stage_ctx *cx, double seconds)
{
    const struct mx_win *w = cx->w;
    size_t nx = (size_t)w->nx + 1, nr = (size_t)w->ns + 2 * (size_t)w->nt + cx->nfix + 1;
    size_t nz = nx * (3 + (size_t)cx->nfix);
    struct lp a = { .start = malloc(nx * sizeof *a.start), .index = malloc(nz * sizeof *a.index),
                    .crow = malloc(((size_t)w->ns + 1) * sizeof *a.crow),
                    .trow = malloc((2 * (size_t)w->nt + 1) * sizeof *a.trow),
                    .value = malloc(nz * sizeof *a.value), .rlo = malloc(nr * sizeof *a.rlo),
                    .rup = malloc(nr * sizeof *a.rup), .clo = malloc(nx * sizeof *a.clo),
                    .cup = malloc(nx * sizeof *a.cup), .cobj = malloc(nx * sizeof *a.cobj) };
    Cbc_Model *m = NULL;

    if (!a.start || !a.index || !a.crow || !a.trow || !a.value || !a.rlo || !a.rup || !a.clo ||
        !a.cup || !a.cobj || !(m = Cbc_newModel()))
        goto out;
    lp_rows(&a, cx);
    lp_columns(&a, cx);
    Cbc_loadProblem(m, w->nx, a.nr, a.start, a.index, a.value, a.clo, a.cup, a.cobj, a.rlo,
                    a.rup);
    /* CBC matches a MIP start to the columns by name. */
    for (int j = 0; j < w->nx; j++) {
        Cbc_setInteger(m, j);
        Cbc_setColName(m, j, cx->names[j]);
    }
    Cbc_setLogLevel(m, 0);
    /* Minimise -obj: CBC 2.10 misreads a MIP start's value when maximising
     * (its cutoff then cuts off every better answer). */
    Cbc_setObjSense(m, 1);
    Cbc_setParameter(m, "timeMode", "elapsed");
    Cbc_setParameter(m, "threads", "0");
    if (isfinite(seconds))
        Cbc_setMaximumSeconds(m, seconds);
    /* CBC 2.10's preprocessing loses the MIP start's columns ("Illegal
     * index in ClpModel::getColumnName") and then proves nothing. */
    Cbc_setParameter(m, "preprocess", "off");
    Cbc_setMIPStart(m, w->nx, (const char **)cx->names, w->x);
out:
    lp_release(&a);
    return m;
}

static double obj_value(const struct stage_ctx *cx, const double *x)
{
    double v = 0;

    for (int j = 0; j < cx->w->nx; j++)
        v += x[j] > 0.5 ? cx->obj[j] : 0;
    return v;
}

/* Solves one stage (maximising cx->obj), taking CBC's answer when better
 * by rule 5.  integral: the objective's values are whole numbers.  Returns
 * 1 when the answer kept is proven optimal for the stage, 0 when not, -1
 * out of memory; *bound gets CBC's best bound (INFINITY if none). */
static int run_stage(struct stage_ctx *cx, int integral, double *bound)
{
    struct mx_win *w = cx->w;
    double left = cx->deadline - mx_now(), opt;
    const double *sol;
    Cbc_Model *m;
    int proven, found;

    *bound = INFINITY;
    if (left <= 0) {
        cx->r->out_of_time = 1;
        return 0;
    }
    pthread_mutex_lock(&cbc_lock);
    if (!(m = stage_model(cx, left))) {
        pthread_mutex_unlock(&cbc_lock);
        return -1;
    }
    if (integral)
        Cbc_setAllowableGap(m, 0.5);
    Cbc_solve(m);
    cx->r->stages++;
    proven = Cbc_isProvenOptimal(m);
    cx->r->out_of_time |= Cbc_isSecondsLimitReached(m) != 0;
    *bound = -Cbc_getBestPossibleObjValue(m);
    opt = -Cbc_getObjValue(m);
    sol = Cbc_bestSolution(m);
    found = sol != NULL;
    if (found) {
        for (int j = 0; j < w->nx; j++)
            cx->xbuf[j] = sol[j] > 0.5;
        key_of(cx->p, w, cx->xbuf, &cx->tmp);
        if (feasible(cx->p, w, cx->xbuf) && key_cmp(&cx->tmp, &cx->cur, w->nwc) > 0) {
            struct key k = cx->cur;
            memcpy(w->x, cx->xbuf, (size_t)w->nx * sizeof *w->x);
            cx->cur = cx->tmp;
            cx->tmp = k;
            cx->r->improved = 1;
        }
    }
    Cbc_deleteModel(m);
    pthread_mutex_unlock(&cbc_lock);
    /* A proof holds for the answer kept only if it reaches CBC's optimum;
     * a bound below the answer kept is no bound. */
    proven = proven && found &&
             obj_value(cx, w->x) >= opt - (integral ? 0.5 : 1e-7 * (1 + fabs(opt)));
    if (!(*bound >= obj_value(cx, w->x) - 1e-6))
        *bound = INFINITY;
    cx->r->stages_proven += proven;
    return proven;
}

/* nx column names in one block (one free). */
static char **names_new(int nx)
{
    char **v = malloc((size_t)(nx + 1) * (sizeof *v + 12));
    char *text;

    if (!v)
        return NULL;
    text = (char *)(v + nx + 1);
    for (int j = 0; j < nx; j++) {
        v[j] = text + (size_t)j * 12;
        snprintf(v[j], 12, "x%d", j);
    }
    v[nx] = NULL;
    return v;
}

static void add_fix(struct stage_ctx *cx, int what, double rhs)
{
    cx->fx[cx->nfix].what = what;
    cx->fx[cx->nfix++].rhs = rhs;
}

/* The 5c stages: each class in priority order, where some are left out;
 * then every class holds its count.  Returns 1 when all were proven. */
static int class_stages(struct stage_ctx *cx, const int *most)
{
    struct mx_win *w = cx->w;
    double bound;
    int all = 1, pr;

    for (int k = 0; k < w->nwc; k++) {
        if (cx->cur.n[k] < most[k]) {
            for (int j = 0; j < w->nx; j++)
                cx->obj[j] = w->wcls[w->xs[j]] == k;
            if ((pr = run_stage(cx, 1, &bound)) < 0)
                return -1;
            all &= pr;
        }
        add_fix(cx, k, cx->cur.n[k]);
    }
    return all;
}

int mx_solve_window(const struct mx_prob *p, struct mx_win *w, double deadline,
                    struct mx_result *r)
{
    struct stage_ctx cx = { .p = p, .w = w, .deadline = deadline, .r = r };
    size_t n = (size_t)w->nx + 1;
    int *most = calloc((size_t)w->nwc + 1, sizeof *most), pr, rc = -1;
    double bound;

    memset(r, 0, sizeof *r);
    r->ab_bound = INFINITY;
    cx.obj = malloc(n * sizeof *cx.obj);
    cx.xbuf = malloc(n * sizeof *cx.xbuf);
    cx.fx = malloc(((size_t)w->nwc + 2) * sizeof *cx.fx);
    cx.cur.n = calloc((size_t)w->nwc + 1, sizeof *cx.cur.n);
    cx.tmp.n = calloc((size_t)w->nwc + 1, sizeof *cx.tmp.n);
    if (!most || !cx.obj || !cx.xbuf || !cx.fx || !cx.cur.n || !cx.tmp.n ||
        !(cx.names = names_new(w->nx)))
        goto out;
    for (int j = 0; j < w->nx; j++)
        if (j == 0 || w->xs[j] != w->xs[j - 1])
            most[w->wcls[w->xs[j]]]++;
    key_of(p, w, w->x, &cx.cur);
    /* 5a and 5b at once: a life-sustaining child is worth more than all
     * the others of the window together. */
    for (int j = 0; j < w->nx; j++)
        cx.obj[j] = p->life[w->kid[w->xs[j]]] ? w->ns + 2 : 1;
    if ((pr = run_stage(&cx, 1, &bound)) < 0)
        goto out;
    r->ab_proven = pr;
    r->ab_bound = bound;
    /* Part of a cluster proves nothing: its time goes to 5a and 5b only. */
    if (!w->whole) {
        rc = 0;
        goto out;
    }
    add_fix(&cx, FIX_LIFE, cx.cur.life);
    add_fix(&cx, FIX_ALL, cx.cur.all);
    if ((pr = class_stages(&cx, most)) < 0)
        goto out;
    r->cover_proven = r->ab_proven && pr;
    /* 5d: the least travel, every count held. */
    for (int j = 0; j < w->nx; j++)
        cx.obj[j] = -p->ptime[w->xp[j]];
    if ((pr = run_stage(&cx, 0, &bound)) < 0)
        goto out;
    r->travel_proven = r->cover_proven && pr;
    rc = 0;
out:
    free(most);
    free(cx.obj);
    free(cx.xbuf);
    free(cx.fx);
    free(cx.cur.n);
    free(cx.tmp.n);
    free(cx.names);
    return rc;
}
