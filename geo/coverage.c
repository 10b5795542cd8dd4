/* coverage.c -- greedy maximal covering with its optimality bound, and the
 * lending of portable power stations.  See coverage.h for the guarantees. */
#include "geo/coverage.h"

#include <stdlib.h>
#include <string.h>

/* The weight site s would add, given what is covered. */
static double site_gain(const struct geo_cov_problem *p, size_t s, const unsigned char *covered)
{
    double g = 0;

    for (size_t k = p->start[s]; k < p->start[s + 1]; k++)
        if (!covered[p->items[k]])
            g += p->weight[p->items[k]];
    return g;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* f(S) + the add largest gains at S: an upper bound on the best value. */
static double step_bound(double value, double *gains, size_t nsites, size_t add)
{
    double b = value;

    qsort(gains, nsites, sizeof *gains, cmp_desc);
    for (size_t i = 0; i < add && i < nsites; i++)
        b += gains[i];
    return b;
}

int geo_coverage_greedy(const struct geo_cov_problem *p, size_t add, struct geo_cov_result *out)
{
    unsigned char *covered = calloc(p->nitems + 1, 1), *used = calloc(p->nsites + 1, 1);
    double *gains = malloc((p->nsites + 1) * sizeof *gains);
    double coverable = 0;
    int rc = -1;

    out->nchosen = 0;
    out->value = 0;
    if (!covered || !used || !gains)
        goto out;
    /* Nothing can cover more than every item some site reaches. */
    {
        unsigned char *reach = calloc(p->nitems + 1, 1);

        if (!reach)
            goto out;
        for (size_t k = 0; k < p->start[p->nsites]; k++)
            reach[p->items[k]] = 1;
        for (size_t i = 0; i < p->nitems; i++)
            coverable += reach[i] ? p->weight[i] : 0;
        free(reach);
    }
    out->bound = coverable;
    for (size_t step = 0;; step++) {
        size_t best = p->nsites;
        double best_gain = 0, b;

        for (size_t s = 0; s < p->nsites; s++) {
            gains[s] = used[s] ? 0 : site_gain(p, s, covered);
            if (gains[s] > best_gain) {
                best_gain = gains[s];
                best = s;
            }
        }
        b = step_bound(out->value, gains, p->nsites, add);
        if (b < out->bound)
            out->bound = b;
        if (step == add || best == p->nsites)
            break;
        used[best] = 1;
        out->chosen[out->nchosen] = best;
        out->gain[out->nchosen++] = best_gain;
        out->value += best_gain;
        for (size_t k = p->start[best]; k < p->start[best + 1]; k++)
            covered[p->items[k]] = 1;
    }
    if (out->bound < out->value)
        out->bound = out->value;
    rc = 0;
out:
    free(covered);
    free(used);
    free(gains);
    return rc;
}

size_t geo_stations_lend(const int *need, const unsigned char *life_sustaining, size_t n,
                         long stations, unsigned char *taken, long *used)
{
    size_t count = 0;
    int most = 0;

    *used = 0;
    memset(taken, 0, n);
    for (size_t i = 0; i < n; i++)
        if (need[i] > most)
            most = need[i];
    /* Fewest stations first: for a count objective this is exact (an
     * exchange argument: any chosen child needing more can be swapped for an
     * unchosen one needing fewer). */
    for (int k = 1; k <= most && k <= stations; k++)
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                if (taken[i] || need[i] != k || (pass == 0) != (life_sustaining[i] != 0))
                    continue;
                if (*used + k > stations)
                    return count;
                taken[i] = 1;
                *used += k;
                count++;
            }
    return count;
}
