/* bench-assign.c -- prints how long geo_assign_solve takes on a synthetic city,
 * and what the MIP step where watts bind (geo_assign_improve) adds.
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -I. -o build/bench-assign \
 *       scripts/bench-assign.c geo/assign.c geo/assign_bound.c geo/assign_mip.c \
 *       geo/assign_mip_cbc.c $(pkg-config --libs cbc) -lm
 *   build/bench-assign [children [destinations [edges-per-child
 *                      [outlets-min [outlets-max [watts [seed [random]]]]]]]]
 *
 * watts: 0 unlimited, or the most a destination has (each gets 200 W to that,
 * in steps of 100).  Destinations are scattered over a square of unit cells,
 * about one a cell; each child gets its edges from the 7 x 7 cells around it,
 * travel in proportion to distance (with `random`, edges go anywhere, travel
 * uniform in 0-1 h); runtimes are 2, 4, 6, 8, 12 or 24 h and
 * 60% of children have a life-sustaining device.  ASSIGN_BUDGET in the
 * environment sets geo_assign_opts.work_budget (-1: exact at any cost).
 * ASSIGN_MIP sets the MIP step's budget in seconds (default 1, as the
 * daemon; 0: no MIP step); ASSIGN_REFERENCE=seconds also solves the same
 * MIP with no window limit from the heuristic's answer for that long (-1:
 * to the end), printing what it reached and its bound.
 * A figure, not a test. */
#include "geo/assign.h"
#include "geo/assign_mip.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int rng_int(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same MIP without limits, from a copy of the heuristic's answer. */
static int reference(const struct geo_assign_child *c, int nc, const struct geo_assign_dest *d,
                     int nd, const struct geo_assign_edge *e, int ne, const int *out,
                     const struct geo_assign_stats *st)
{
    struct geo_assign_mip_opts o = { .seconds = atof(getenv("ASSIGN_REFERENCE")),
                                     .max_children = -1, .max_columns = -1 };
    struct geo_assign_mip_stats ms;
    struct geo_assign_stats rs = *st;
    int *ro = malloc((size_t)nc * sizeof *ro), rc;

    if (!ro)
        return -1;
    memcpy(ro, out, (size_t)nc * sizeof *ro);
    rc = geo_assign_improve(c, nc, d, nd, e, ne, &o, ro, &rs, &ms);
    free(ro);
    if (rc != GEO_ASSIGN_OK)
        return -1;
    printf("reference (no size limits, %g s): %.3f s  covered %d (life %d)  proven (a)-(c) %d, "
           "(a)-(d) %d; optimum at most %d (life %d)\n", o.seconds, ms.seconds, rs.covered,
           rs.covered_life, rs.exact_cover, rs.exact, ms.all_max, ms.life_max);
    return 0;
}

/* The daemon's MIP step after the heuristic, and what it adds. */
static int mip_step(const struct geo_assign_child *c, int nc, const struct geo_assign_dest *d,
                    int nd, const struct geo_assign_edge *e, int ne, int *out,
                    struct geo_assign_stats *st)
{
    struct geo_assign_mip_opts o = { .seconds = 1.0 };
    struct geo_assign_mip_stats ms;
    int life = st->covered_life, all = st->covered;

    if (getenv("ASSIGN_MIP"))
        o.seconds = atof(getenv("ASSIGN_MIP"));
    if (getenv("ASSIGN_MIP_COLUMNS"))
        o.max_columns = atoi(getenv("ASSIGN_MIP_COLUMNS"));
    if (getenv("ASSIGN_MIP_CHILDREN"))
        o.max_children = atoi(getenv("ASSIGN_MIP_CHILDREN"));
    if (o.seconds == 0)
        return 0;
    if (getenv("ASSIGN_REFERENCE") && reference(c, nc, d, nd, e, ne, out, st) < 0)
        return -1;
    if (geo_assign_improve(c, nc, d, nd, e, ne, &o, out, st, &ms) != GEO_ASSIGN_OK) {
        fprintf(stderr, "bench-assign: the MIP step failed\n");
        return -1;
    }
    printf("MIP step (budget %g s): %.3f s (of it the bound %.3f s)  covered %d (life %d): +%d "
           "(life +%d)  travel %.6f h\n",
           o.seconds, ms.seconds, ms.bound_seconds, st->covered, st->covered_life, st->covered - all,
           st->covered_life - life, st->travel_h);
    printf("  left out before %d  windows %d (whole clusters %d, improved %d)  stages %d "
           "(proven %d)  out of time %d  exact %d (cover %d)\n",
           ms.left_out, ms.windows, ms.whole, ms.improved, ms.stages, ms.stages_proven,
           ms.out_of_time, st->exact, st->exact_cover);
    printf("  bound: at most %d more with a life-sustaining device, %d more in all "
           "(heuristic alone: %d, %d)\n",
           ms.life_max < 0 ? -1 : ms.life_max - st->covered_life,
           ms.all_max < 0 ? -1 : ms.all_max - st->covered,
           ms.life_max < 0 ? -1 : ms.life_max - life, ms.all_max < 0 ? -1 : ms.all_max - all);
    return 0;
}

int main(int argc, char **argv)
{
    static const double runtimes[] = { 2, 4, 6, 8, 12, 24 };
    int nc = argc > 1 ? atoi(argv[1]) : 20000;
    int nd = argc > 2 ? atoi(argv[2]) : 10000;
    int deg = argc > 3 ? atoi(argv[3]) : 30;
    int omin = argc > 4 ? atoi(argv[4]) : 1;
    int omax = argc > 5 ? atoi(argv[5]) : 3;
    int watts = argc > 6 ? atoi(argv[6]) : 0;
    rng_state = argc > 7 ? strtoull(argv[7], NULL, 10) : 1;
    int anywhere = argc > 8 && strcmp(argv[8], "random") == 0;
    if (nc < 1 || nd < 1 || deg < 1 || omin < 0 || omax < omin || watts < 0) {
        fprintf(stderr, "bench-assign: bad arguments\n");
        return 2;
    }

    int side = 1;
    while (side * side < nd)
        side++;
    struct geo_assign_child *c = malloc((size_t)nc * sizeof *c);
    struct geo_assign_dest *d = malloc((size_t)nd * sizeof *d);
    struct geo_assign_edge *e = malloc((size_t)nc * deg * sizeof *e);
    double *dx = malloc((size_t)nd * sizeof *dx);
    double *dy = malloc((size_t)nd * sizeof *dy);
    int *cell_start = calloc((size_t)side * side + 1, sizeof *cell_start);
    int *fill = malloc((size_t)side * side * sizeof *fill);
    int *by_cell = malloc((size_t)nd * sizeof *by_cell);
    int *cell_of = malloc((size_t)nd * sizeof *cell_of);
    int *cand = malloc(4096 * sizeof *cand);
    int *out = malloc((size_t)nc * sizeof *out);
    if (!c || !d || !e || !dx || !dy || !cell_start || !fill || !by_cell ||
        !cell_of || !cand || !out) {
        fprintf(stderr, "bench-assign: out of memory\n");
        return 1;
    }
    long outlets = 0;
    for (int y = 0; y < nd; y++) {
        dx[y] = rng_unit() * side;
        dy[y] = rng_unit() * side;
        cell_of[y] = (int)dy[y] * side + (int)dx[y];
        cell_start[cell_of[y] + 1]++;
        d[y].outlets = omin + rng_int(omax - omin + 1);
        d[y].watts = watts ? 200.0 + 100.0 * rng_int(watts / 100 - 1 > 0
                                                          ? watts / 100 - 1
                                                          : 1)
                           : INFINITY;
        outlets += d[y].outlets;
    }
    for (int i = 0; i < side * side; i++)
        cell_start[i + 1] += cell_start[i];
    memcpy(fill, cell_start, (size_t)side * side * sizeof *fill);
    for (int y = 0; y < nd; y++)
        by_cell[fill[cell_of[y]]++] = y;
    int ne = 0;
    for (int i = 0; i < nc; i++) {
        double x = rng_unit() * side, yy = rng_unit() * side;
        int cx = (int)x, cy = (int)yy, n = 0;
        c[i].need_w = 20.0 + rng_int(400);
        c[i].runtime_h = runtimes[rng_int(6)];
        c[i].life = rng_int(10) < 6;
        if (anywhere) {
            for (int k = 0; k < deg; k++) {
                e[ne].child = i;
                e[ne].dest = rng_int(nd);
                e[ne].travel_h = rng_unit();
                ne++;
            }
            continue;
        }
        for (int gy = cy - 3; gy <= cy + 3; gy++)
            for (int gx = cx - 3; gx <= cx + 3; gx++) {
                if (gx < 0 || gy < 0 || gx >= side || gy >= side)
                    continue;
                int cell = gy * side + gx;
                for (int j = cell_start[cell];
                     j < cell_start[cell + 1] && n < 4096; j++)
                    cand[n++] = by_cell[j];
            }
        for (int k = 0; k < deg && k < n; k++) {
            int j = k + rng_int(n - k), y = cand[j];
            cand[j] = cand[k];
            cand[k] = y;
            double ddx = dx[y] - x, ddy = dy[y] - yy;
            e[ne].child = i;
            e[ne].dest = y;
            e[ne].travel_h = 0.1 * sqrt(ddx * ddx + ddy * ddy);
            ne++;
        }
    }

    struct geo_assign_stats st;
    double t0 = now_s();
    struct geo_assign_opts opts = { 0 };
    if (getenv("ASSIGN_BUDGET"))
        opts.work_budget = atol(getenv("ASSIGN_BUDGET"));
    int rc = geo_assign_solve(c, nc, d, nd, e, ne, &opts, out, &st);
    double t1 = now_s();
    if (rc != GEO_ASSIGN_OK) {
        fprintf(stderr, "bench-assign: %s\n", geo_assign_strerror(rc));
        return 1;
    }
    printf("children %d  destinations %d  outlets %ld  edges %d (%s)  "
           "watts %s\n", nc, nd, outlets, ne, anywhere ? "random" : "local",
           watts ? argv[6] : "unlimited");
    printf("time %.3f s  covered %d (life %d)  travel %.6f h  classes %d\n",
           t1 - t0, st.covered, st.covered_life, st.travel_h, st.classes);
    printf("searches %ld  augmentations %ld  scans %ld  refusals %ld  "
           "capped %ld  updates %ld  improvements %ld  exact %d (cover %d)\n",
           st.searches, st.augmentations, st.scans, st.watts_refusals,
           st.capped_searches, st.updates, st.improvements, st.exact, st.exact_cover);
    if (mip_step(c, nc, d, nd, e, ne, out, &st) < 0)
        return 1;
    free(c);
    free(d);
    free(e);
    free(dx);
    free(dy);
    free(cell_start);
    free(fill);
    free(by_cell);
    free(cell_of);
    free(cand);
    free(out);
    return 0;
}
