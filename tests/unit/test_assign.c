/* test_assign.c -- the city-wide assignment solver (geo/assign.c).
 *
 * Hand-made cases for each part of the objective, a comparison with brute
 * force on thousands of small random instances, and one city-sized instance
 * whose time is printed (as information, not a limit). */
#include "geo/assign.h"
#include "tests/unit/unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Helpers */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int rng_int(int n) /* 0 .. n-1 */
{
    return (int)(rng_next() % (uint64_t)n);
}

static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

struct instance {
    struct geo_assign_child *c;
    struct geo_assign_dest *d;
    struct geo_assign_edge *e;
    int nc, nd, ne;
};

/* Travel of child to dest by the cheapest listed edge, or -1. */
static double pair_travel(const struct instance *in, int child, int dest)
{
    double t = -1;
    for (int i = 0; i < in->ne; i++)
        if (in->e[i].child == child && in->e[i].dest == dest &&
            (t < 0 || in->e[i].travel_h < t))
            t = in->e[i].travel_h;
    return t;
}

/* 1 when out[] uses only listed pairs and keeps every destination within its
 * outlets and watts. */
static int feasible(const struct instance *in, const int *out)
{
    int *cnt = calloc((size_t)in->nd + 1, sizeof *cnt);
    double *w = calloc((size_t)in->nd + 1, sizeof *w);
    int ok = cnt && w;
    for (int i = 0; ok && i < in->nc; i++) {
        if (out[i] < -1 || out[i] >= in->nd)
            ok = 0;
        else if (out[i] >= 0) {
            cnt[out[i]]++;
            w[out[i]] += in->c[i].need_w;
        }
    }
    for (int y = 0; ok && y < in->nd; y++)
        if (cnt[y] > in->d[y].outlets || w[y] > in->d[y].watts + 1e-6)
            ok = 0;
    free(cnt);
    free(w);
    return ok;
}

/* The objective of an assignment, for comparison. */
struct score {
    int life, covered;
    double rt[16]; /* runtimes of the covered, ascending */
    double travel;
};

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static struct score score_of(const struct instance *in, const int *out,
                             const double *travel)
{
    struct score s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < in->nc; i++) {
        if (out[i] < 0)
            continue;
        s.life += in->c[i].life != 0;
        s.rt[s.covered++] = in->c[i].runtime_h;
        s.travel += travel[i];
    }
    qsort(s.rt, (size_t)s.covered, sizeof s.rt[0], dbl_cmp);
    return s;
}

/* <0 when a is better than b on (a)-(c), >0 worse, 0 equal. */
static int compare_abc(const struct score *a, const struct score *b)
{
    if (a->life != b->life)
        return a->life > b->life ? -1 : 1;
    if (a->covered != b->covered)
        return a->covered > b->covered ? -1 : 1;
    for (int i = 0; i < a->covered; i++)
        if (a->rt[i] != b->rt[i])
            return a->rt[i] < b->rt[i] ? -1 : 1;
    return 0;
}

static int solve(const struct instance *in, int *out,
                 struct geo_assign_stats *st)
{
    return geo_assign_solve(in->c, in->nc, in->d, in->nd, in->e, in->ne, NULL,
                            out, st);
}

static double total_travel(const struct instance *in, const int *out)
{
    double t = 0;
    for (int i = 0; i < in->nc; i++)
        if (out[i] >= 0)
            t += pair_travel(in, i, out[i]);
    return t;
}

#define INSTANCE(C, D, E)                                                  \
    { (C), (D), (E), (int)(sizeof(C) / sizeof((C)[0])),                    \
      (int)(sizeof(D) / sizeof((D)[0])), (int)(sizeof(E) / sizeof((E)[0])) }

/* ------------------------------------------------------------------------ */
/* Hand-made cases */

static void solve_should_cover_both_where_nearest_first_leaves_one_out(void)
{
    /* A reaches X (near) and Y (far), B only X: nearest-first puts A in X. */
    struct geo_assign_child c[] = { { 100, 5, 1 }, { 100, 6, 1 } };
    struct geo_assign_dest d[] = { { 1, 1000 }, { 1, 1000 } };
    struct geo_assign_edge e[] = { { 0, 0, 0.1 }, { 0, 1, 0.9 }, { 1, 0, 0.5 } };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    CHECK(out[0] == 1);
    CHECK(out[1] == 0);
    CHECK(st.covered == 2);
    CHECK(st.exact == 1);
    CHECK_NEAR(st.travel_h, 1.4, 1e-12);
}

static void solve_should_prefer_a_life_sustaining_child_for_the_last_outlet(void)
{
    /* The non-life child is listed first and runs out sooner; life wins. */
    struct geo_assign_child c[] = { { 50, 1, 0 }, { 50, 9, 1 } };
    struct geo_assign_dest d[] = { { 1, 1000 } };
    struct geo_assign_edge e[] = { { 0, 0, 0.1 }, { 1, 0, 0.9 } };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    CHECK(solve(&in, out, NULL) == GEO_ASSIGN_OK);
    CHECK(out[0] == -1);
    CHECK(out[1] == 0);
}

static void solve_should_leave_out_the_longest_runtime_when_short(void)
{
    struct geo_assign_child c[] = {
        { 50, 8, 1 }, { 50, 2, 1 }, { 50, 12, 1 }, { 50, 4, 1 },
    };
    struct geo_assign_dest d[] = { { 2, 1000 }, { 1, 1000 } };
    struct geo_assign_edge e[] = {
        { 0, 0, 0.1 }, { 1, 0, 0.2 }, { 2, 0, 0.1 }, { 3, 0, 0.3 },
        { 0, 1, 0.4 }, { 2, 1, 0.1 },
    };
    struct instance in = INSTANCE(c, d, e);
    int out[4];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    /* Three places for four children: the 12 h one waits. */
    CHECK(out[2] == -1);
    CHECK(out[0] == 1);
    CHECK(out[1] == 0);
    CHECK(out[3] == 0);
    CHECK(st.exact == 1);
}

static void solve_should_keep_a_destination_within_its_watts(void)
{
    struct geo_assign_child c[] = { { 300, 5, 1 }, { 300, 5, 1 } };
    struct geo_assign_dest d[] = { { 2, 500 } };
    struct geo_assign_edge e[] = { { 0, 0, 0.3 }, { 1, 0, 0.2 } };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    CHECK(feasible(&in, out));
    CHECK(st.covered == 1);
    /* Equal priority: the nearer one goes. */
    CHECK(out[1] == 0);
    CHECK(out[0] == -1);
}

static void solve_should_not_cross_when_straight_is_shorter(void)
{
    struct geo_assign_child c[] = { { 10, 5, 0 }, { 10, 5, 0 } };
    struct geo_assign_dest d[] = { { 1, 1000 }, { 1, 1000 } };
    struct geo_assign_edge e[] = {
        { 0, 0, 1.0 }, { 0, 1, 2.0 }, { 1, 0, 0.5 }, { 1, 1, 1.0 },
    };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    /* Nearest-first gives child 1 X (0.5) and child 0 Y (2.0): 2.5.  Best
     * is 1.0 + 1.0. */
    CHECK(out[0] == 0);
    CHECK(out[1] == 1);
    CHECK_NEAR(st.travel_h, 2.0, 1e-12);
}

static void solve_should_swap_equal_runtime_children_to_save_travel(void)
{
    /* Two children of the same class, one outlet: either meets (a)-(c), so
     * (d) picks the nearer, whatever the order they are listed in. */
    struct geo_assign_child c[] = { { 10, 5, 1 }, { 10, 5, 1 } };
    struct geo_assign_dest d[] = { { 1, 1000 } };
    struct geo_assign_edge e[] = { { 0, 0, 2.0 }, { 1, 0, 0.5 } };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    CHECK(solve(&in, out, NULL) == GEO_ASSIGN_OK);
    CHECK(out[0] == -1);
    CHECK(out[1] == 0);
}

static void solve_should_move_a_chain_of_children_to_make_room(void)
{
    /* A (1 h) and B (2 h) sit at their nearest; C (3 h) reaches only A's
     * place, so A moves to B's and B to the last free one. */
    struct geo_assign_child c[] = { { 10, 1, 0 }, { 10, 2, 0 }, { 10, 3, 0 } };
    struct geo_assign_dest d[] = { { 1, 1000 }, { 1, 1000 }, { 1, 1000 } };
    struct geo_assign_edge e[] = {
        { 0, 0, 0.1 }, { 0, 1, 0.9 }, { 1, 1, 0.1 }, { 1, 2, 0.9 },
        { 2, 0, 0.2 },
    };
    struct instance in = INSTANCE(c, d, e);
    int out[3];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    CHECK(out[0] == 1);
    CHECK(out[1] == 2);
    CHECK(out[2] == 0);
    CHECK(st.exact == 1);
    CHECK_NEAR(st.travel_h, 2.0, 1e-12);
}

static void solve_should_choose_which_of_a_class_to_cover_by_total_travel(void)
{
    /* C (1 h) sits in X and could move to Z only far away.  A and B (2 h)
     * cannot both be covered.  A is nearer its place, but covering A pushes
     * C to Z (5.1 h in all); covering B, at Z, leaves C alone (0.6 h). */
    struct geo_assign_child c[] = { { 10, 2, 0 }, { 10, 2, 0 }, { 10, 1, 0 } };
    struct geo_assign_dest d[] = { { 1, 1000 }, { 1, 1000 } };
    struct geo_assign_edge e[] = {
        { 2, 0, 0.1 }, { 2, 1, 5.0 }, { 0, 0, 0.2 }, { 1, 1, 0.5 },
    };
    struct instance in = INSTANCE(c, d, e);
    int out[3];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    CHECK(out[0] == -1);
    CHECK(out[1] == 1);
    CHECK(out[2] == 0);
    CHECK_NEAR(st.travel_h, 0.6, 1e-12);
    CHECK(st.exact == 1);
}

static void solve_should_let_a_heavy_child_out_for_a_light_one_only_if_it_fits(void)
{
    /* X: 2 outlets, 500 W, holds H (400 W, 1 h).  L (300 W, 2 h) reaches
     * only X; H can move to Y (1 outlet, 400 W).  Moving H makes room. */
    struct geo_assign_child c[] = { { 400, 1, 1 }, { 300, 2, 1 } };
    struct geo_assign_dest d[] = { { 2, 500 }, { 1, 400 } };
    struct geo_assign_edge e[] = { { 0, 0, 0.1 }, { 0, 1, 0.3 }, { 1, 0, 0.2 } };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    CHECK(solve(&in, out, NULL) == GEO_ASSIGN_OK);
    CHECK(feasible(&in, out));
    CHECK(out[0] == 1);
    CHECK(out[1] == 0);
    /* With Y at 300 W, H cannot move and L stays out. */
    d[1].watts = 300;
    CHECK(solve(&in, out, NULL) == GEO_ASSIGN_OK);
    CHECK(feasible(&in, out));
    CHECK(out[0] == 0);
    CHECK(out[1] == -1);
}

static void solve_should_refuse_bad_input(void)
{
    struct geo_assign_child c[] = { { 10, 5, 0 } };
    struct geo_assign_dest d[] = { { 1, 1000 } };
    struct geo_assign_edge e[] = { { 0, 1, 0.1 } }; /* no dest 1 */
    int out[1];
    CHECK(geo_assign_solve(c, 1, d, 1, e, 1, NULL, out, NULL) == GEO_ASSIGN_EINVAL);
    e[0].dest = 0;
    e[0].travel_h = -1;
    CHECK(geo_assign_solve(c, 1, d, 1, e, 1, NULL, out, NULL) == GEO_ASSIGN_EINVAL);
    e[0].travel_h = 0.1;
    c[0].need_w = NAN;
    CHECK(geo_assign_solve(c, 1, d, 1, e, 1, NULL, out, NULL) == GEO_ASSIGN_EINVAL);
    c[0].need_w = 10;
    CHECK(geo_assign_solve(c, 1, d, 1, e, 1, NULL, out, NULL) == GEO_ASSIGN_OK);
    CHECK(out[0] == 0);
    CHECK(geo_assign_solve(NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL) ==
          GEO_ASSIGN_OK);
    CHECK(strcmp(geo_assign_strerror(GEO_ASSIGN_ENOMEM), "out of memory") == 0);
}

static void solve_should_treat_decimal_watts_as_written(void)
{
    /* 3 x 33.3 W on a 99.9 W point: exactly full, in decimal. */
    struct geo_assign_child c[] = { { 33.3, 5, 0 }, { 33.3, 5, 0 }, { 33.3, 5, 0 } };
    struct geo_assign_dest d[] = { { 3, 99.9 } };
    struct geo_assign_edge e[] = { { 0, 0, 1 }, { 1, 0, 1 }, { 2, 0, 1 } };
    int out[3];
    struct geo_assign_stats st;
    CHECK(geo_assign_solve(c, 3, d, 1, e, 3, NULL, out, &st) == GEO_ASSIGN_OK);
    CHECK(st.covered == 3);
    d[0].watts = 99.8;
    CHECK(geo_assign_solve(c, 3, d, 1, e, 3, NULL, out, &st) == GEO_ASSIGN_OK);
    CHECK(st.covered == 2);
}

static void solve_should_ignore_a_place_too_weak_for_the_child_alone(void)
{
    /* An infinite runtime and unlimited watts are allowed too. */
    struct geo_assign_child c[] = { { 600, INFINITY, 0 }, { 100, 3, 0 } };
    struct geo_assign_dest d[] = { { 4, 500 }, { 0, INFINITY }, { 1, INFINITY } };
    struct geo_assign_edge e[] = {
        { 0, 0, 0.1 }, { 0, 1, 0.1 }, { 0, 2, 0.9 }, { 1, 2, 0.5 },
    };
    struct instance in = INSTANCE(c, d, e);
    int out[2];
    struct geo_assign_stats st;
    CHECK(solve(&in, out, &st) == GEO_ASSIGN_OK);
    /* Only dest 2 works for child 0, and child 1 (3 h) comes first. */
    CHECK(out[0] == -1);
    CHECK(out[1] == 2);
    CHECK(st.exact == 1);
}

/* ------------------------------------------------------------------------ */
/* Brute force */

#define BF_MAXC 7
#define BF_MAXD 4

struct brute {
    const struct instance *in;
    double tr[BF_MAXC][BF_MAXD]; /* -1: no edge */
    int cur[BF_MAXC], cnt[BF_MAXD];
    double w[BF_MAXD];
    int best[BF_MAXC];
    struct score best_score;
    int have;
};

static void brute_leaf(struct brute *b)
{
    double tr[BF_MAXC];
    for (int i = 0; i < b->in->nc; i++)
        tr[i] = b->cur[i] >= 0 ? b->tr[i][b->cur[i]] : 0;
    struct score s = score_of(b->in, b->cur, tr);
    int cmp = b->have ? compare_abc(&s, &b->best_score) : -1;
    if (cmp < 0 || (cmp == 0 && s.travel < b->best_score.travel)) {
        b->best_score = s;
        memcpy(b->best, b->cur, sizeof b->best);
        b->have = 1;
    }
}

static void brute_rec(struct brute *b, int i)
{
    if (i == b->in->nc) {
        brute_leaf(b);
        return;
    }
    b->cur[i] = -1;
    brute_rec(b, i + 1);
    for (int y = 0; y < b->in->nd; y++) {
        if (b->tr[i][y] < 0 || b->cnt[y] >= b->in->d[y].outlets ||
            b->w[y] + b->in->c[i].need_w > b->in->d[y].watts + 1e-9)
            continue;
        b->cur[i] = y;
        b->cnt[y]++;
        b->w[y] += b->in->c[i].need_w;
        brute_rec(b, i + 1);
        b->cnt[y]--;
        b->w[y] -= b->in->c[i].need_w;
    }
    b->cur[i] = -1;
}

static struct score brute_force(const struct instance *in)
{
    struct brute b;
    memset(&b, 0, sizeof b);
    b.in = in;
    for (int i = 0; i < in->nc; i++)
        for (int y = 0; y < in->nd; y++)
            b.tr[i][y] = pair_travel(in, i, y);
    brute_rec(&b, 0);
    return b.best_score;
}

/* A small random instance; watts never bind when unbound is set. */
static void random_small(struct instance *in, int unbound)
{
    static const double runtimes[] = { 1, 2, 3, 5, INFINITY };
    in->nc = 1 + rng_int(BF_MAXC);
    in->nd = 1 + rng_int(BF_MAXD);
    in->ne = 0;
    for (int i = 0; i < in->nc; i++) {
        in->c[i].need_w = 10.0 * (1 + rng_int(40)) + (rng_int(4) ? 0 : 0.5);
        in->c[i].runtime_h = runtimes[rng_int(5)];
        in->c[i].life = rng_int(2);
    }
    for (int y = 0; y < in->nd; y++) {
        in->d[y].outlets = rng_int(4);
        in->d[y].watts = unbound ? (rng_int(2) ? INFINITY : 1e5)
                                 : 50.0 * rng_int(17);
    }
    for (int i = 0; i < in->nc; i++)
        for (int y = 0; y < in->nd; y++) {
            if (rng_int(10) >= 6)
                continue;
            /* Travel on a coarse grid, so that ties happen. */
            in->e[in->ne].child = i;
            in->e[in->ne].dest = y;
            in->e[in->ne].travel_h = 0.25 * (1 + rng_int(12));
            in->ne++;
            if (rng_int(10) == 0) { /* a repeated pair, dearer */
                in->e[in->ne] = in->e[in->ne - 1];
                in->e[in->ne].travel_h += 1;
                in->ne++;
            }
        }
    /* Shuffle the edges: order must not matter. */
    for (int i = in->ne - 1; i > 0; i--) {
        int j = rng_int(i + 1);
        struct geo_assign_edge t = in->e[i];
        in->e[i] = in->e[j];
        in->e[j] = t;
    }
}

struct shortfall {
    int runs, failures, infeasible, exact, exact_cover, a, b, c, d;
    int exact_wrong, cover_wrong;
};

/* Solves `runs` random small instances and compares each with the brute
 * force optimum, counting where and how often the answer falls short. */
static void brute_compare(int unbound, int runs, uint64_t seed,
                          const struct geo_assign_opts *opts,
                          struct shortfall *sf)
{
    struct geo_assign_child c[BF_MAXC];
    struct geo_assign_dest d[BF_MAXD];
    struct geo_assign_edge e[2 * BF_MAXC * BF_MAXD];
    struct instance in = { c, d, e, 0, 0, 0 };
    int out[BF_MAXC];
    double tr[BF_MAXC];

    memset(sf, 0, sizeof *sf);
    rng_state = seed;
    for (int r = 0; r < runs; r++) {
        struct geo_assign_stats st;
        random_small(&in, unbound);
        struct score opt = brute_force(&in);
        if (geo_assign_solve(c, in.nc, d, in.nd, e, in.ne, opts, out, &st) !=
            GEO_ASSIGN_OK) {
            sf->failures++;
            continue;
        }
        sf->runs++;
        if (!feasible(&in, out)) {
            sf->infeasible++;
            continue;
        }
        for (int i = 0; i < in.nc; i++)
            tr[i] = out[i] >= 0 ? pair_travel(&in, i, out[i]) : 0;
        struct score got = score_of(&in, out, tr);
        int cmp = compare_abc(&got, &opt);
        int short_abc = 1, short_d = 0;
        if (got.life < opt.life)
            sf->a++;
        else if (got.life == opt.life && got.covered < opt.covered)
            sf->b++;
        else if (cmp > 0)
            sf->c++;
        else
            short_abc = 0;
        if (!short_abc && got.travel > opt.travel + 1e-9) {
            sf->d++;
            short_d = 1;
        }
        /* Never better than the optimum: that would be a broken checker. */
        CHECK(cmp >= 0);
        CHECK(cmp != 0 || got.travel >= opt.travel - 1e-9);
        CHECK_NEAR(st.travel_h, total_travel(&in, out), 1e-9);
        sf->exact += st.exact;
        sf->exact_cover += st.exact_cover;
        sf->exact_wrong += st.exact && (short_abc || short_d);
        sf->cover_wrong += st.exact_cover && short_abc;
    }
}

static void print_shortfall(const char *what, const struct shortfall *sf)
{
    int n = sf->runs ? sf->runs : 1;
    printf("  brute force, %s: %d instances, %d infeasible, proven exact %d "
           "(%d wrongly), cover proven %d (%d wrongly); short of the optimum "
           "on (a) %d, (b) %d, (c) %d, (d) %d: %.2f%%\n",
           what, sf->runs, sf->infeasible, sf->exact, sf->exact_wrong,
           sf->exact_cover, sf->cover_wrong, sf->a, sf->b, sf->c, sf->d,
           100.0 * (sf->a + sf->b + sf->c + sf->d) / n);
}

static void solve_should_match_brute_force_when_watts_do_not_bind(void)
{
    struct shortfall sf;
    brute_compare(1, 3000, 20240601, NULL, &sf);
    print_shortfall("watts not binding", &sf);
    CHECK(sf.runs == 3000);
    CHECK(sf.infeasible == 0);
    CHECK(sf.a + sf.b + sf.c + sf.d == 0);
    CHECK(sf.exact == sf.runs);
}

static void solve_should_still_cover_optimally_over_its_budget(void)
{
    /* A budget of one edge: every run goes the heuristic way for travel
     * after its first search, and is capped at once; small instances never
     * reach the cap, so covering must stay optimal. */
    struct geo_assign_opts opts = { 1 };
    struct shortfall sf;
    brute_compare(1, 3000, 31337, &opts, &sf);
    print_shortfall("watts not binding, budget 1", &sf);
    CHECK(sf.runs == 3000);
    CHECK(sf.infeasible == 0);
    CHECK(sf.a + sf.b + sf.c == 0);
    CHECK(sf.exact_cover == sf.runs);
    CHECK(sf.exact_wrong == 0);
    CHECK(sf.exact < sf.runs); /* the heuristic path was taken */
}

static void solve_should_stay_feasible_and_near_optimal_when_watts_bind(void)
{
    struct shortfall sf;
    brute_compare(0, 3000, 77, NULL, &sf);
    print_shortfall("watts binding", &sf);
    CHECK(sf.runs == 3000);
    CHECK(sf.infeasible == 0);
    /* A proof of optimality is never wrong. */
    CHECK(sf.exact_wrong == 0);
    CHECK(sf.cover_wrong == 0);
    /* The heuristic: in about one instance in five watts refuse a move
     * here (dest watts 0-800 W, needs 10-400 W), and then a search keeps
     * one way into each place and may miss a packing.  It falls short
     * on 1.4% of these instances today; more than 2.5%, or more than 1%
     * on (a), means it got worse. */
    CHECK((sf.a + sf.b + sf.c + sf.d) * 1000 < sf.runs * 25);
    CHECK(sf.a * 100 < sf.runs);
    CHECK(sf.exact > sf.runs / 2);
}

/* ------------------------------------------------------------------------ */
/* Cities */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Destinations scattered on a square of unit cells, about one a cell, with
 * omin..omax outlets and 200 W to watts_max W (0: unlimited); children each
 * with `deg` random destinations from the 7 x 7 cells around them, travel in
 * proportion to distance, runtimes 2-24 h, 60% life-sustaining. */
static void city(struct instance *in, int nc, int nd, int deg, int omin,
                 int omax, int watts_max, uint64_t seed)
{
    static const double runtimes[] = { 2, 4, 6, 8, 12, 24 };
    int side = 1;
    while (side * side < nd)
        side++;
    rng_state = seed;
    double *dx = malloc((size_t)nd * sizeof *dx);
    double *dy = malloc((size_t)nd * sizeof *dy);
    int *cell_start = calloc((size_t)side * side + 1, sizeof *cell_start);
    int *fill = malloc((size_t)side * side * sizeof *fill);
    int *by_cell = malloc((size_t)nd * sizeof *by_cell);
    int *cell_of = malloc((size_t)nd * sizeof *cell_of);
    int *cand = malloc(4096 * sizeof *cand);
    in->nc = nc;
    in->nd = nd;
    in->ne = 0;
    in->c = malloc((size_t)nc * sizeof *in->c);
    in->d = malloc((size_t)nd * sizeof *in->d);
    in->e = malloc((size_t)nc * deg * sizeof *in->e);
    if (!dx || !dy || !cell_start || !fill || !by_cell || !cell_of ||
        !cand || !in->c || !in->d || !in->e) {
        fprintf(stderr, "city: out of memory\n");
        exit(2);
    }
    for (int y = 0; y < nd; y++) {
        dx[y] = rng_unit() * side;
        dy[y] = rng_unit() * side;
        cell_of[y] = (int)dy[y] * side + (int)dx[y];
        cell_start[cell_of[y] + 1]++;
        in->d[y].outlets = omin + rng_int(omax - omin + 1);
        in->d[y].watts = watts_max ? 100.0 * (2 + rng_int(watts_max / 100 - 1))
                                   : INFINITY;
    }
    for (int i = 0; i < side * side; i++)
        cell_start[i + 1] += cell_start[i];
    memcpy(fill, cell_start, (size_t)side * side * sizeof *fill);
    for (int y = 0; y < nd; y++)
        by_cell[fill[cell_of[y]]++] = y;
    for (int i = 0; i < nc; i++) {
        double x = rng_unit() * side, yy = rng_unit() * side;
        int cx = (int)x, cy = (int)yy, n = 0;
        in->c[i].need_w = 20.0 + rng_int(400);
        in->c[i].runtime_h = runtimes[rng_int(6)];
        in->c[i].life = rng_int(10) < 6;
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
            in->e[in->ne].child = i;
            in->e[in->ne].dest = y;
            in->e[in->ne].travel_h = 0.1 * sqrt(ddx * ddx + ddy * ddy);
            in->ne++;
        }
    }
    free(dx);
    free(dy);
    free(cell_start);
    free(fill);
    free(by_cell);
    free(cell_of);
    free(cand);
}

static void city_free(struct instance *in)
{
    free(in->c);
    free(in->d);
    free(in->e);
}

/* (a)-(c) of two answers to the same instance: <0 when x is better. */
static int compare_cover(const struct instance *in, const int *x,
                         const int *y)
{
    int lx = 0, ly = 0, nx = 0, ny = 0, cmp = 0;
    double *rx = malloc((size_t)in->nc * sizeof *rx);
    double *ry = malloc((size_t)in->nc * sizeof *ry);
    for (int i = 0; i < in->nc; i++) {
        if (x[i] >= 0) {
            lx += in->c[i].life != 0;
            rx[nx++] = in->c[i].runtime_h;
        }
        if (y[i] >= 0) {
            ly += in->c[i].life != 0;
            ry[ny++] = in->c[i].runtime_h;
        }
    }
    qsort(rx, (size_t)nx, sizeof *rx, dbl_cmp);
    qsort(ry, (size_t)ny, sizeof *ry, dbl_cmp);
    if (lx != ly)
        cmp = lx > ly ? -1 : 1;
    else if (nx != ny)
        cmp = nx > ny ? -1 : 1;
    else
        for (int i = 0; i < nx && !cmp; i++)
            if (rx[i] != ry[i])
                cmp = rx[i] < ry[i] ? -1 : 1;
    free(rx);
    free(ry);
    return cmp;
}

static void solve_should_cover_as_well_over_budget_as_without(void)
{
    /* A crowded town: 3,000 children, 1,500 places with 0-2 outlets each.
     * The exact answer, whatever it costs, against the default budget and
     * a tenth of that: covering may only be worse when the run says it may
     * be (then its searches were cut short), travel only longer. */
    struct instance in;
    city(&in, 3000, 1500, 20, 0, 2, 0, 99);
    int *best = malloc((size_t)in.nc * sizeof *best);
    int *out = malloc((size_t)in.nc * sizeof *out);
    struct geo_assign_opts exact = { -1 }, budget[2] = { { 0 }, { 0 } };
    struct geo_assign_stats st0, st;
    CHECK(geo_assign_solve(in.c, in.nc, in.d, in.nd, in.e, in.ne, &exact,
                           best, &st0) == GEO_ASSIGN_OK);
    CHECK(feasible(&in, best));
    CHECK(st0.exact == 1);
    printf("  town of 3000, exact: covered %d, travel %.4f h, %ld scans, "
           "%ld classes undone\n", st0.covered, st0.travel_h, st0.scans,
           st0.undone);
    budget[1].work_budget = st0.scans / 10;
    for (int r = 0; r < 2; r++) {
        CHECK(geo_assign_solve(in.c, in.nc, in.d, in.nd, in.e, in.ne,
                               &budget[r], out, &st) == GEO_ASSIGN_OK);
        CHECK(feasible(&in, out));
        int cmp = compare_cover(&in, out, best);
        CHECK(cmp >= 0);
        CHECK(!st.exact_cover || cmp == 0);
        CHECK(cmp != 0 || st.travel_h >= st0.travel_h - 1e-6);
        CHECK(!st.exact || fabs(st.travel_h - st0.travel_h) < 1e-6);
        CHECK(r != 0 || st.exact_cover);
        printf("  town of 3000, %s budget: covered %d, travel %.4f h "
               "(%+.2f%%), %ld scans, exact %d, cover exact %d\n",
               r ? "a tenth of its" : "the default", st.covered, st.travel_h,
               100.0 * (st.travel_h - st0.travel_h) / st0.travel_h, st.scans,
               st.exact, st.exact_cover);
    }
    free(best);
    free(out);
    city_free(&in);
}

static void solve_should_plan_a_city_of_twenty_thousand_children(void)
{
    static const struct {
        const char *name;
        int omin, omax, watts;
    } cases[] = {
        { "places plenty (2-4 outlets), watts unlimited", 2, 4, 0 },
        { "places scarce (0-2 outlets), watts unlimited", 0, 2, 0 },
        { "places even (1-3 outlets), watts 200-1500 W", 1, 3, 1500 },
    };
    for (size_t m = 0; m < sizeof cases / sizeof cases[0]; m++) {
        struct instance in;
        struct geo_assign_stats st;
        city(&in, 20000, 10000, 30, cases[m].omin, cases[m].omax,
             cases[m].watts, 4242 + m);
        int *out = malloc((size_t)in.nc * sizeof *out);
        double t0 = now_s();
        int rc = solve(&in, out, &st);
        double t1 = now_s();
        CHECK(rc == GEO_ASSIGN_OK);
        CHECK(feasible(&in, out));
        printf("  city of %d children, %d places, %d edges, %s: %.3f s; "
               "covered %d (life %d), travel %.1f h; %ld searches, %ld "
               "scans, %ld updates, %ld refusals, %ld capped; exact %d, "
               "cover exact %d\n",
               in.nc, in.nd, in.ne, cases[m].name, t1 - t0, st.covered,
               st.covered_life, st.travel_h, st.searches, st.scans,
               st.updates, st.watts_refusals, st.capped_searches, st.exact,
               st.exact_cover);
        CHECK(m != 0 || st.exact == 1);
        CHECK(m == 2 || st.exact_cover == 1);
        free(out);
        city_free(&in);
    }
}

UNIT_MAIN(UNIT_TEST(solve_should_cover_both_where_nearest_first_leaves_one_out),
          UNIT_TEST(solve_should_prefer_a_life_sustaining_child_for_the_last_outlet),
          UNIT_TEST(solve_should_leave_out_the_longest_runtime_when_short),
          UNIT_TEST(solve_should_keep_a_destination_within_its_watts),
          UNIT_TEST(solve_should_not_cross_when_straight_is_shorter),
          UNIT_TEST(solve_should_swap_equal_runtime_children_to_save_travel),
          UNIT_TEST(solve_should_move_a_chain_of_children_to_make_room),
          UNIT_TEST(solve_should_choose_which_of_a_class_to_cover_by_total_travel),
          UNIT_TEST(solve_should_let_a_heavy_child_out_for_a_light_one_only_if_it_fits),
          UNIT_TEST(solve_should_refuse_bad_input),
          UNIT_TEST(solve_should_treat_decimal_watts_as_written),
          UNIT_TEST(solve_should_ignore_a_place_too_weak_for_the_child_alone),
          UNIT_TEST(solve_should_match_brute_force_when_watts_do_not_bind),
          UNIT_TEST(solve_should_still_cover_optimally_over_its_budget),
          UNIT_TEST(solve_should_stay_feasible_and_near_optimal_when_watts_bind),
          UNIT_TEST(solve_should_cover_as_well_over_budget_as_without),
          UNIT_TEST(solve_should_plan_a_city_of_twenty_thousand_children))
