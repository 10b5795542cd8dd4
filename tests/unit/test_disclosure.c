/* test_disclosure.c -- the 1-10 rule of the public council report: rules by
 * example, then an attacker who knows the rule and solves, by brute force,
 * every partition of up to four cells with counts up to 24. */
#include "geo/disclosure.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

static void counts_of_zero_and_over_ten_should_be_safe(void)
{
    CHECK(disc_safe(0));
    CHECK(disc_safe(11));
    CHECK(!disc_safe(1));
    CHECK(!disc_safe(10));
}

static void a_lone_small_cell_should_hide_the_whole_partition(void)
{
    /* (11, 11, 9): suppressing 9 alone leaves it as total minus the rest. */
    struct disc_cell c[3] = { { 11, 0 }, { 11, 0 }, { 9, 0 } };

    CHECK(disc_partition(31, c, 3) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(c[i].state == DISC_HIDDEN);
}

static void two_small_cells_adding_up_to_over_ten_should_be_suppressed_only(void)
{
    struct disc_cell c[4] = { { 11, 0 }, { 12, 0 }, { 5, 0 }, { 7, 0 } };

    CHECK(disc_partition(35, c, 4) == 1);
    CHECK(c[0].state == DISC_PUBLISHED && c[1].state == DISC_PUBLISHED);
    CHECK(c[2].state == DISC_SUPPRESSED && c[3].state == DISC_SUPPRESSED);
}

static void small_cells_all_at_ten_should_hide_the_partition(void)
{
    struct disc_cell c[3] = { { 15, 0 }, { 10, 0 }, { 10, 0 } };

    CHECK(disc_partition(35, c, 3) == 0);
}

static void a_small_total_should_hide_every_cell(void)
{
    struct disc_cell c[2] = { { 0, 0 }, { 7, 0 } };

    CHECK(disc_partition(7, c, 2) == 0);
    CHECK(c[0].state == DISC_HIDDEN && c[1].state == DISC_HIDDEN);
}

/* ------------------------------------------------- the attacker, exhaustive */

#define MAXC 4
#define MAXN 24

struct view {
    int n;
    long total;
    struct disc_cell c[MAXC];
};

/* Enumerates every assignment to the unpublished cells that agrees with what
 * is shown; for each group (bit set) of unpublished cells marks the sums seen
 * in seen[group][sum]. */
static void solve(const struct view *v, int i, long acc, long *x, unsigned char seen[1 << MAXC][MAXN * MAXC + 1])
{
    if (i == v->n) {
        if (acc != v->total)
            return;
        for (int g = 1; g < (1 << v->n); g++) {
            long s = 0;
            int ok = 1;

            for (int j = 0; j < v->n; j++)
                if (g & (1 << j)) {
                    if (v->c[j].state == DISC_PUBLISHED)
                        ok = 0;
                    s += x[j];
                }
            if (ok)
                seen[g][s] = 1;
        }
        return;
    }
    if (v->c[i].state == DISC_PUBLISHED) {
        x[i] = v->c[i].count;
        solve(v, i + 1, acc + x[i], x, seen);
        return;
    }
    for (long k = v->c[i].state == DISC_SUPPRESSED ? 1 : 0;
         k <= (v->c[i].state == DISC_SUPPRESSED ? 10 : v->total) && acc + k <= v->total; k++) {
        x[i] = k;
        solve(v, i + 1, acc + k, x, seen);
    }
}

/* 1 when the view lets the attacker pin a group of children to 1..10. */
static int leaks(const struct view *v)
{
    static unsigned char seen[1 << MAXC][MAXN * MAXC + 1];
    long x[MAXC];

    for (int i = 0; i < v->n; i++)
        if (v->c[i].state == DISC_PUBLISHED && !disc_safe(v->c[i].count))
            return 1;
    memset(seen, 0, sizeof seen);
    solve(v, 0, 0, x, seen);
    for (int g = 1; g < (1 << v->n); g++) {
        int nvals = 0;
        long only = -1;

        for (long s = 0; s <= MAXN * MAXC; s++)
            if (seen[g][s]) {
                nvals++;
                only = s;
            }
        if (nvals == 1 && only >= 1 && only <= 10)
            return 1;
    }
    return 0;
}

static void no_partition_should_let_an_attacker_pin_a_count_of_one_to_ten(void)
{
    int tried = 0, leaked = 0, published = 0;

    srand(16);
    for (int t = 0; t < 4000; t++) {
        struct view v;

        v.n = 2 + rand() % (MAXC - 1);
        v.total = 0;
        for (int i = 0; i < v.n; i++) {
            /* Mostly small counts: that is where the rule works. */
            v.c[i].count = rand() % 3 == 0 ? rand() % (MAXN / v.n + 1) : rand() % 12;
            v.total += v.c[i].count;
        }
        if (v.total > MAXN)
            continue;
        tried++;
        published += disc_partition(v.total, v.c, (size_t)v.n);
        if (disc_safe(v.total) && leaks(&v))
            leaked++;
    }
    CHECK(tried > 1000);
    CHECK(published > 100);     /* the rule does not simply hide everything */
    CHECK(leaked == 0);
}

static void the_attacker_should_catch_a_naive_rule(void)
{
    /* Suppress 9 alone and publish the rest: the attacker must see it. */
    struct view v = { 3, 31, { { 11, DISC_PUBLISHED }, { 11, DISC_PUBLISHED },
                               { 9, DISC_SUPPRESSED } } };

    CHECK(leaks(&v));
}

UNIT_MAIN(
    UNIT_TEST(counts_of_zero_and_over_ten_should_be_safe),
    UNIT_TEST(a_lone_small_cell_should_hide_the_whole_partition),
    UNIT_TEST(two_small_cells_adding_up_to_over_ten_should_be_suppressed_only),
    UNIT_TEST(small_cells_all_at_ten_should_hide_the_partition),
    UNIT_TEST(a_small_total_should_hide_every_cell),
    UNIT_TEST(no_partition_should_let_an_attacker_pin_a_count_of_one_to_ten),
    UNIT_TEST(the_attacker_should_catch_a_naive_rule)
)
