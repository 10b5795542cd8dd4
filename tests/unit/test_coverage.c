/* test_coverage.c -- maximal covering: the greedy rule against brute force on
 * random instances (value within (1 - 1/e), bound never below the optimum),
 * the hand-made case where nearest-first fails, and station lending. */
#include "geo/coverage.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

#define NS 7
#define NI 12

struct inst {
    size_t start[NS + 1], items[NS * NI];
    double weight[NI];
    struct geo_cov_problem p;
};

static void make(struct inst *x, unsigned seed)
{
    size_t k = 0;

    srand(seed);
    for (size_t s = 0; s < NS; s++) {
        x->start[s] = k;
        for (size_t i = 0; i < NI; i++)
            if (rand() % 4 == 0)
                x->items[k++] = i;
    }
    x->start[NS] = k;
    for (size_t i = 0; i < NI; i++)
        x->weight[i] = rand() % 3 == 0 ? 13 : 1;     /* life-sustaining weigh more */
    x->p = (struct geo_cov_problem){ NS, NI, x->start, x->items, x->weight };
}

static double value_of(const struct inst *x, unsigned mask)
{
    unsigned char cov[NI] = { 0 };
    double v = 0;

    for (size_t s = 0; s < NS; s++)
        if (mask & (1u << s))
            for (size_t k = x->start[s]; k < x->start[s + 1]; k++)
                cov[x->items[k]] = 1;
    for (size_t i = 0; i < NI; i++)
        v += cov[i] ? x->weight[i] : 0;
    return v;
}

static void greedy_should_be_within_its_guarantee_and_bound_the_optimum(void)
{
    int proven = 0;

    for (unsigned seed = 1; seed <= 500; seed++) {
        struct inst x;
        size_t add = 1 + seed % 3, chosen[3];
        double gain[3], best = 0;
        struct geo_cov_result r = { 0, chosen, gain, 0, 0 };

        make(&x, seed);
        CHECK(geo_coverage_greedy(&x.p, add, &r) == 0);
        for (unsigned m = 0; m < (1u << NS); m++)
            if ((size_t)__builtin_popcount(m) <= add && value_of(&x, m) > best)
                best = value_of(&x, m);
        CHECK(r.value >= (1 - 1 / 2.718281828) * best - 1e-9);
        CHECK(r.value <= best + 1e-9);
        CHECK(r.bound >= best - 1e-9);
        proven += r.value == r.bound;
        if (r.value == r.bound)
            CHECK(r.value == best);
    }
    CHECK(proven > 50);
}

static void a_central_place_should_beat_the_nearest_place_of_each_child(void)
{
    /* Sites 0-4 each reach only their own child (and are each child's
     * nearest); site 5 reaches all five.  One place to add. */
    size_t start[7] = { 0, 1, 2, 3, 4, 5, 10 };
    size_t items[10] = { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 };
    double w[5] = { 1, 1, 1, 1, 1 }, gain[1];
    size_t chosen[1];
    struct geo_cov_problem p = { 6, 5, start, items, w };
    struct geo_cov_result r = { 0, chosen, gain, 0, 0 };

    CHECK(geo_coverage_greedy(&p, 1, &r) == 0);
    CHECK(r.nchosen == 1 && chosen[0] == 5);
    CHECK(r.value == 5 && r.bound == 5);
}

static void stations_should_go_to_the_children_needing_fewest(void)
{
    int need[5] = { 3, 1, -1, 2, 1 };
    unsigned char ls[5] = { 1, 0, 1, 0, 1 }, taken[5];
    long used;

    CHECK(geo_stations_lend(need, ls, 5, 4, taken, &used) == 3);
    CHECK(taken[1] && taken[4] && taken[3] && !taken[0] && !taken[2]);
    CHECK(used == 4);
    CHECK(geo_stations_lend(need, ls, 5, 1, taken, &used) == 1);
    CHECK(taken[4] && !taken[1]);           /* the life-sustaining child first */
}

UNIT_MAIN(
    UNIT_TEST(greedy_should_be_within_its_guarantee_and_bound_the_optimum),
    UNIT_TEST(a_central_place_should_beat_the_nearest_place_of_each_child),
    UNIT_TEST(stations_should_go_to_the_children_needing_fewest)
)
