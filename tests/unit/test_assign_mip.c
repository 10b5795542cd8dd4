/* test_assign_mip.c -- the assignment where watts bind: geo_assign_improve
 * (geo/assign_mip*.c, the daemon's MIP step after geo_assign_solve) and the
 * bound, against exact references, on many random cities with binding
 * watts, crowding, boundary needs (exactly the watts left, one milliwatt
 * over) and opening hours (a closed place is no pair: some children lose
 * their nearest places).
 *
 * References.  Tiny cities: a brute force over every assignment, computing
 * rule 5 (a)-(d) directly -- independent of the MIP code.  Small cities:
 * the same MIP solved without a time limit or window limit from an empty
 * start (every cluster one window, every stage to its end), which must say
 * it proved (a)-(d); on the tiny cities it must equal the brute force.
 *
 * Checked on every city: the daemon's answer (solve, then improve within
 * its budget) is feasible, never worse than the heuristic's by rule 5, never
 * better than the reference; when it says proven, it equals the reference;
 * life_max / all_max are never below the optimum's counts.  Printed: how
 * often the heuristic alone and the daemon matched the reference on 5a and
 * 5a+5b, the largest gaps, and the time. */
#include "geo/assign.h"
#include "geo/assign_mip.h"
#include "tests/unit/unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 0x5eed2026u;

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

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct city {
    struct geo_assign_child c[64];
    struct geo_assign_dest d[16];
    struct geo_assign_edge e[1024];
    int nc, nd, ne;
};

enum { BINDING = 1, CROWDED = 2, BOUNDARY = 4, HOURS = 8, TINY = 16, SMALL = 32 };

/* A random city of the kinds in `kind`.  HOURS: a third of the places are
 * closed on arrival for some children (their pairs dropped), and a place
 * open to one child may be closed to the next. */
static void random_city(struct city *m, int kind)
{
    int crowded = kind & CROWDED;

    memset(m, 0, sizeof *m);
    m->nc = kind & TINY ? 3 + rng_int(5) : 8 + rng_int(crowded ? 33 : 17);
    m->nd = kind & TINY ? 1 + rng_int(3) : 2 + rng_int(crowded ? 4 : 9);
    for (int i = 0; i < m->nc; i++) {
        m->c[i].need_w = 20 + rng_int(40) * 10;
        m->c[i].runtime_h = 1 + rng_int(4);
        m->c[i].life = rng_int(3) != 0;
    }
    for (int y = 0; y < m->nd; y++) {
        m->d[y].outlets = 1 + rng_int(crowded ? 6 : 4);
        m->d[y].watts = kind & BINDING ? 200 + rng_int(10) * 100 : INFINITY;
    }
    if (kind & BOUNDARY)
        for (int i = 0; i + 1 < m->nc; i += 2) {
            m->c[i].need_w = m->d[0].watts == INFINITY ? 100 : m->d[0].watts / 2;
            m->c[i + 1].need_w = m->c[i].need_w + (i % 4 ? 0.001 : 0);
        }
    for (int i = 0; i < m->nc; i++)
        for (int y = 0; y < m->nd && m->ne < 1024; y++) {
            int listed = rng_int(3) == 0 || (crowded && y < 2);
            if (!listed || ((kind & HOURS) && y % 3 == 0 && rng_int(2)))
                continue;
            m->e[m->ne].child = i;
            m->e[m->ne].dest = y;
            m->e[m->ne].travel_h = 0.05 + rng_int(100) / 100.0;
            m->ne++;
        }
}

/* ------------------------------------------------------------------------ */
/* Rule 5 computed directly */

struct key {
    int life, all;
    int n[8];          /* covered per class (life, runtime), most urgent first */
    double travel;
};

static int class_of(const struct geo_assign_child *c)
{
    return (c->life ? 0 : 4) + (int)c->runtime_h - 1;
}

static double travel_of(const struct city *m, int i, int y)
{
    double t = -1;

    for (int k = 0; k < m->ne; k++)
        if (m->e[k].child == i && m->e[k].dest == y && (t < 0 || m->e[k].travel_h < t))
            t = m->e[k].travel_h;
    return t;
}

static long long mw(double w, int up)
{
    return geo_assign_mw(w, up);
}

/* The key of out[], or all = -1 when it is not feasible. */
static struct key key_of(const struct city *m, const int *out)
{
    struct key k;
    long long used[16] = { 0 };
    int cnt[16] = { 0 };

    memset(&k, 0, sizeof k);
    for (int i = 0; i < m->nc; i++) {
        double t = out[i] >= 0 ? travel_of(m, i, out[i]) : 0;
        if (out[i] < 0)
            continue;
        if (out[i] >= m->nd || t < 0)
            k.all = -1000;
        cnt[out[i]]++;
        used[out[i]] += mw(m->c[i].need_w, 1);
        k.life += m->c[i].life != 0;
        k.all++;
        k.n[class_of(&m->c[i])]++;
        k.travel += t;
    }
    for (int y = 0; y < m->nd; y++)
        if (cnt[y] > m->d[y].outlets || used[y] > mw(m->d[y].watts, 0))
            k.all = -1;
    if (k.all < 0)
        k.all = -1;
    return k;
}

/* > 0 when a is better than b by rule 5; 0 equal (travel to 1e-9). */
static int key_cmp(const struct key *a, const struct key *b)
{
    if (a->life != b->life)
        return a->life > b->life ? 1 : -1;
    if (a->all != b->all)
        return a->all > b->all ? 1 : -1;
    for (int k = 0; k < 8; k++)
        if (a->n[k] != b->n[k])
            return a->n[k] > b->n[k] ? 1 : -1;
    if (fabs(a->travel - b->travel) <= 1e-9)
        return 0;
    return a->travel < b->travel ? 1 : -1;
}

/* The brute force: every assignment of a tiny city. */
static void brute(const struct city *m, int i, int *out, struct key *best)
{
    if (i == m->nc) {
        struct key k = key_of(m, out);
        if (k.all >= 0 && key_cmp(&k, best) > 0)
            *best = k;
        return;
    }
    out[i] = -1;
    brute(m, i + 1, out, best);
    for (int y = 0; y < m->nd; y++)
        if (travel_of(m, i, y) >= 0) {
            out[i] = y;
            brute(m, i + 1, out, best);
        }
    out[i] = -1;
}

/* The reference: the MIP without limits from an empty start. */
static struct key reference(const struct city *m, int *proven)
{
    struct geo_assign_mip_opts o = { .seconds = -1, .max_children = -1, .max_columns = -1 };
    struct geo_assign_stats st;
    int out[64];

    memset(&st, 0, sizeof st);
    for (int i = 0; i < m->nc; i++)
        out[i] = -1;
    CHECK(geo_assign_improve(m->c, m->nc, m->d, m->nd, m->e, m->ne, &o, out, &st, NULL) ==
          GEO_ASSIGN_OK);
    *proven = st.exact;
    return key_of(m, out);
}

/* ------------------------------------------------------------------------ */
/* The comparison */

struct tallies {
    int n, heur_a, heur_ab, mip_a, mip_ab, heur_gap, mip_gap, proven_cover, proven, bound_known;
    double heur_s, mip_s;
};

/* The daemon's settings, or small windows (parts of clusters) with SMALL. */
static const struct geo_assign_mip_opts *daemon_opts(int kind)
{
    static const struct geo_assign_mip_opts small = { .seconds = 0.3, .max_children = 12,
                                                      .max_columns = 40 };

    return kind & SMALL ? &small : NULL;
}

static void compare_one(const struct city *m, int kind, struct tallies *t)
{
    struct geo_assign_stats st;
    struct geo_assign_mip_stats ms;
    struct key kh, kd, ref;
    int out[64], proven = 0;
    double t0 = now_s();

    CHECK(geo_assign_solve(m->c, m->nc, m->d, m->nd, m->e, m->ne, NULL, out, &st) ==
          GEO_ASSIGN_OK);
    t->heur_s += now_s() - t0;
    kh = key_of(m, out);
    t0 = now_s();
    CHECK(geo_assign_improve(m->c, m->nc, m->d, m->nd, m->e, m->ne, daemon_opts(kind), out, &st,
                             &ms) == GEO_ASSIGN_OK);
    t->mip_s += now_s() - t0;
    kd = key_of(m, out);
    ref = reference(m, &proven);
    CHECK(proven);
    CHECK(kh.all >= 0 && kd.all >= 0 && ref.all >= 0);
    CHECK(key_cmp(&kd, &kh) >= 0);              /* never worse than the heuristic */
    CHECK(key_cmp(&ref, &kd) >= 0);             /* never better than the optimum */
    CHECK(st.covered == kd.all && st.covered_life == kd.life);
    if (st.exact_cover) {                       /* a proof is never wrong */
        CHECK(kd.life == ref.life && kd.all == ref.all);
        CHECK(memcmp(kd.n, ref.n, sizeof kd.n) == 0);
    }
    if (st.exact)
        CHECK(key_cmp(&kd, &ref) == 0);
    CHECK(ms.life_max < 0 || ms.life_max >= ref.life);   /* the bound bounds */
    CHECK(ms.all_max < 0 || ms.all_max >= ref.all);
    if (kind & TINY) {
        struct key best;
        int scratch[64];
        memset(&best, 0, sizeof best);
        best.all = -1;
        for (int i = 0; i < m->nc; i++)
            scratch[i] = -1;
        brute(m, 0, scratch, &best);
        CHECK(key_cmp(&best, &ref) == 0);       /* the reference is exact */
    }
    t->n++;
    t->heur_a += kh.life == ref.life;
    t->heur_ab += kh.life == ref.life && kh.all == ref.all;
    t->mip_a += kd.life == ref.life;
    t->mip_ab += kd.life == ref.life && kd.all == ref.all;
    t->heur_gap = ref.life - kh.life > t->heur_gap ? ref.life - kh.life : t->heur_gap;
    t->mip_gap = ref.life - kd.life > t->mip_gap ? ref.life - kd.life : t->mip_gap;
    t->proven_cover += st.exact_cover;
    t->proven += st.exact;
    t->bound_known += ms.life_max >= 0 && ms.all_max >= 0;
}

static void compare(const char *what, int n, int kind)
{
    struct tallies t;
    struct city m;

    memset(&t, 0, sizeof t);
    for (int r = 0; r < n; r++) {
        random_city(&m, kind);
        compare_one(&m, kind, &t);
    }
    printf("  %s: %d cities; optimal on 5a / 5a+5b: heuristic %d / %d, with the MIP %d / %d; "
           "largest 5a gap %d -> %d; proven (a)-(c) %d, (a)-(d) %d; bound known %d; "
           "%.3f s heuristic, %.3f s MIP\n",
           what, t.n, t.heur_a, t.heur_ab, t.mip_a, t.mip_ab, t.heur_gap, t.mip_gap,
           t.proven_cover, t.proven, t.bound_known, t.heur_s, t.mip_s);
    if (!(kind & BINDING))
        CHECK(t.heur_ab == t.n);                /* exact where watts do not bind */
}

static void reference_should_equal_brute_force_on_tiny_cities(void)
{
    compare("tiny, watts unlimited", 100, TINY);
    compare("tiny, watts binding", 200, TINY | BINDING);
    compare("tiny, binding, boundary needs, hours", 200, TINY | BINDING | BOUNDARY | HOURS);
}

static void improve_should_keep_the_optimum_when_watts_do_not_bind(void)
{
    compare("watts unlimited", 50, 0);
    compare("watts unlimited, crowded", 50, CROWDED);
}

static void improve_should_reach_the_optimum_where_watts_bind(void)
{
    compare("watts binding", 120, BINDING);
    compare("watts binding, crowded", 100, BINDING | CROWDED);
    compare("watts binding, boundary needs", 80, BINDING | CROWDED | BOUNDARY);
    compare("watts binding, crowded, hours", 80, BINDING | CROWDED | HOURS);
}

/* Windows that are parts of clusters (the daemon's way on a big city):
 * still feasible, never worse than the heuristic, the bound still holds. */
static void improve_should_only_improve_in_windows_smaller_than_a_cluster(void)
{
    compare("small windows, watts binding, crowded", 60, BINDING | CROWDED | SMALL);
    compare("small windows, binding, crowded, hours", 60, BINDING | CROWDED | HOURS | SMALL);
}

UNIT_MAIN(UNIT_TEST(reference_should_equal_brute_force_on_tiny_cities),
          UNIT_TEST(improve_should_keep_the_optimum_when_watts_do_not_bind),
          UNIT_TEST(improve_should_reach_the_optimum_where_watts_bind),
          UNIT_TEST(improve_should_only_improve_in_windows_smaller_than_a_cluster))
