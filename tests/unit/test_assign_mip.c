/* test_assign_mip.c -- the assignment solver (geo/assign.c) and its bound
 * (geo/assign_bound.c) against an exact reference: a lexicographic MIP
 * solved by CBC (COIN-OR, Debian's coinor-libcbc-dev), on many random small
 * cities with binding watts, crowding and boundary cases (a need exactly
 * equal to the watts left, one milliwatt over).
 *
 * The MIP: x[e] in {0,1} per (child, destination) pair; each child at most
 * once; each destination within its outlets and its watts (in whole
 * milliwatts, as the solver).  First maximise the children with a
 * life-sustaining device covered (rule 5a); then, holding that, all children
 * covered (5b).  Checked: when watts do not bind the solver equals the MIP
 * on (a) and (b); always, the solver is feasible and never above the MIP,
 * and the bound is never below it.  The figures of the comparison are
 * printed (how often the heuristic matched (a) and (b), the largest gap). */
#include "geo/assign.h"
#include "tests/unit/unit.h"

#include <coin/Cbc_C_Interface.h>
#include <stdint.h>
#include <stdlib.h>

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

struct city {
    struct geo_assign_child c[64];
    struct geo_assign_dest d[16];
    struct geo_assign_edge e[1024];
    int nc, nd, ne;
};

/* A random city.  binding: watts are short; crowded: few places, many
 * children; boundary: needs chosen to hit the watts exactly or just over. */
static void random_city(struct city *m, int binding, int crowded, int boundary)
{
    memset(m, 0, sizeof *m);
    m->nc = 8 + rng_int(crowded ? 33 : 17);
    m->nd = 2 + rng_int(crowded ? 4 : 9);
    for (int i = 0; i < m->nc; i++) {
        m->c[i].need_w = 20 + rng_int(40) * 10;
        m->c[i].runtime_h = 1 + rng_int(4);
        m->c[i].life = rng_int(3) != 0;
    }
    for (int y = 0; y < m->nd; y++) {
        m->d[y].outlets = 1 + rng_int(crowded ? 6 : 4);
        m->d[y].watts = binding ? 200 + rng_int(10) * 100 : INFINITY;
    }
    if (boundary)
        for (int i = 0; i + 1 < m->nc; i += 2) {
            m->c[i].need_w = m->d[0].watts == INFINITY ? 100 : m->d[0].watts / 2;
            m->c[i + 1].need_w = m->c[i].need_w + (i % 4 ? 0.001 : 0);
        }
    for (int i = 0; i < m->nc; i++)
        for (int y = 0; y < m->nd && m->ne < 1024; y++)
            if (rng_int(3) == 0 || (crowded && y < 2)) {
                m->e[m->ne].child = i;
                m->e[m->ne].dest = y;
                m->e[m->ne].travel_h = 0.05 + rng_int(100) / 100.0;
                m->ne++;
            }
}

static int64_t mw(double w, int up)
{
    double x = w * 1000.0;
    return (int64_t)(up ? ceil(x - 1e-6) : floor(x + 1e-6));
}

/* Solves the lexicographic MIP; *life and *all get its optimum. */
static int mip(const struct city *m, int *life, int *all)
{
    Cbc_Model *model;
    double obj_life = 0;
    int ok = 1;

    for (int stage = 0; stage < 2 && ok; stage++) {
        model = Cbc_newModel();
        Cbc_setLogLevel(model, 0);
        Cbc_setObjSense(model, -1);
        for (int k = 0; k < m->ne; k++) {
            const struct geo_assign_child *ch = &m->c[m->e[k].child];
            double w = stage == 0 ? (ch->life ? 1 : 0) : 1;
            double cap = m->d[m->e[k].dest].watts;
            int usable = m->d[m->e[k].dest].outlets > 0 &&
                         (isinf(cap) || mw(ch->need_w, 1) <= mw(cap, 0));
            Cbc_addCol(model, "", 0, usable ? 1 : 0, w, 1, 0, NULL, NULL);
        }
        for (int i = 0; i < m->nc; i++) {
            int cols[16], n = 0;
            double one[16];
            for (int k = 0; k < m->ne; k++)
                if (m->e[k].child == i) {
                    cols[n] = k;
                    one[n++] = 1;
                }
            if (n)
                Cbc_addRow(model, "", n, cols, one, 'L', 1);
        }
        for (int y = 0; y < m->nd; y++) {
            int cols[64], n = 0;
            double one[64], need[64];
            for (int k = 0; k < m->ne; k++)
                if (m->e[k].dest == y) {
                    cols[n] = k;
                    one[n] = 1;
                    need[n++] = (double)mw(m->c[m->e[k].child].need_w, 1);
                }
            if (!n)
                continue;
            Cbc_addRow(model, "", n, cols, one, 'L', m->d[y].outlets);
            if (isfinite(m->d[y].watts))
                Cbc_addRow(model, "", n, cols, need, 'L', (double)mw(m->d[y].watts, 0));
        }
        if (stage == 1) {
            int cols[1024], n = 0;
            double w[1024];
            for (int k = 0; k < m->ne; k++)
                if (m->c[m->e[k].child].life) {
                    cols[n] = k;
                    w[n++] = 1;
                }
            if (n)
                Cbc_addRow(model, "", n, cols, w, 'G', obj_life - 0.5);
        }
        Cbc_solve(model);
        ok = Cbc_isProvenOptimal(model);
        if (stage == 0)
            obj_life = round(Cbc_getObjValue(model));
        else
            *all = (int)lround(Cbc_getObjValue(model));
        Cbc_deleteModel(model);
    }
    *life = (int)obj_life;
    return ok;
}

static int feasible(const struct city *m, const int *out)
{
    int64_t used[16] = { 0 };
    int cnt[16] = { 0 };

    for (int i = 0; i < m->nc; i++) {
        int found = out[i] < 0;
        if (out[i] < 0)
            continue;
        for (int k = 0; k < m->ne; k++)
            found |= m->e[k].child == i && m->e[k].dest == out[i];
        if (!found)
            return 0;
        cnt[out[i]]++;
        used[out[i]] += mw(m->c[i].need_w, 1);
    }
    for (int y = 0; y < m->nd; y++)
        if (cnt[y] > m->d[y].outlets ||
            (isfinite(m->d[y].watts) && used[y] > mw(m->d[y].watts, 0)))
            return 0;
    return 1;
}

/* Runs n cities of one kind; returns how many the solver matched on (a)
 * and (b), and the largest gaps. */
static void compare(const char *kind, int n, int binding, int crowded, int boundary)
{
    int match_a = 0, match_b = 0, gap_a = 0, gap_b = 0, proven = 0, proven_wrong = 0;
    int bound_known = 0;

    for (int r = 0; r < n; r++) {
        struct city m;
        struct geo_assign_stats st;
        int out[64], life = 0, all = 0, blife, ball;

        random_city(&m, binding, crowded, boundary);
        CHECK(geo_assign_solve(m.c, m.nc, m.d, m.nd, m.e, m.ne, NULL, out, &st) == GEO_ASSIGN_OK);
        CHECK(feasible(&m, out));
        CHECK(mip(&m, &life, &all));
        CHECK(geo_assign_bound(m.c, m.nc, m.d, m.nd, m.e, m.ne, &blife, &ball) == GEO_ASSIGN_OK);
        CHECK(st.covered_life <= life);
        CHECK(blife < 0 || blife >= life);          /* the bound is an upper bound */
        CHECK(ball < 0 || ball >= all);
        bound_known += blife >= 0 && ball >= 0;
        match_a += st.covered_life == life;
        match_b += st.covered_life == life && st.covered == all;
        if (life - st.covered_life > gap_a)
            gap_a = life - st.covered_life;
        if (st.covered_life == life && all - st.covered > gap_b)
            gap_b = all - st.covered;
        if (st.exact_cover) {
            proven++;
            proven_wrong += st.covered_life != life || st.covered != all;
        }
        if (!binding) {
            CHECK(st.covered_life == life);
            CHECK(st.covered == all);
        }
    }
    CHECK(proven_wrong == 0);                       /* a proof is never wrong */
    printf("  %s: %d cities; solver optimal on 5a in %d, on 5a+5b in %d; largest gaps "
           "%d (5a), %d (5b); proven %d; bound known %d\n",
           kind, n, match_a, match_b, gap_a, gap_b, proven, bound_known);
}

static void solve_should_equal_the_mip_when_watts_do_not_bind(void)
{
    compare("watts unlimited", 150, 0, 0, 0);
    compare("watts unlimited, crowded", 150, 0, 1, 0);
}

static void solve_should_stay_under_the_mip_and_the_bound_over_it_when_watts_bind(void)
{
    compare("watts binding", 200, 1, 0, 0);
    compare("watts binding, crowded", 200, 1, 1, 0);
    compare("watts binding, boundary needs", 150, 1, 1, 1);
}

UNIT_MAIN(UNIT_TEST(solve_should_equal_the_mip_when_watts_do_not_bind),
          UNIT_TEST(solve_should_stay_under_the_mip_and_the_bound_over_it_when_watts_bind))
