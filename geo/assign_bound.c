/* assign_bound.c -- an upper bound on what any assignment could cover
 * (geo_assign_bound, see assign.h), reported with every plan run whose
 * answer is not proven optimal: "at most N more children could be covered".
 *
 * The relaxation drops watts but keeps, at each destination, no more places
 * than the lightest children able to go there fit in its watts: every
 * feasible assignment is feasible in it, so its optimum (found exactly by
 * geo_assign_solve, which is exact when watts are unlimited) bounds theirs. */
#include "geo/assign.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* rd[y]: d[y] relaxed. */
static int relax(const struct geo_assign_child *c, const struct geo_assign_dest *d, int nd,
                 const struct geo_assign_edge *e, int ne, struct geo_assign_dest *rd)
{
    double *needs = malloc(((size_t)ne + 1) * sizeof *needs);
    int *start = calloc((size_t)nd + 2, sizeof *start);

    if (!needs || !start) {
        free(needs);
        free(start);
        return -1;
    }
    for (int i = 0; i < ne; i++)
        start[e[i].dest + 2]++;
    for (int y = 0; y < nd; y++)
        start[y + 2] += start[y + 1];
    for (int i = 0; i < ne; i++)
        needs[start[e[i].dest + 1]++] = c[e[i].child].need_w;
    for (int y = 0; y < nd; y++) {
        int n = start[y + 1] - start[y], fit = 0;
        double sum = 0, *v = needs + start[y];

        qsort(v, (size_t)n, sizeof *v, dbl_cmp);
        /* A repeated pair counts once in the solver; here it may let one
         * more in, which keeps the bound valid (only looser). */
        while (fit < n && fit < d[y].outlets && sum + v[fit] <= d[y].watts * (1 + 1e-12) + 1e-6)
            sum += v[fit++];
        rd[y].outlets = fit;
        rd[y].watts = INFINITY;
    }
    free(needs);
    free(start);
    return 0;
}

int geo_assign_bound(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne, int *life, int *all)
{
    struct geo_assign_dest *rd = calloc((size_t)nd + 1, sizeof *rd);
    int *out = calloc((size_t)nc + 1, sizeof *out);
    struct geo_assign_stats st;
    int rc = GEO_ASSIGN_ENOMEM;

    *life = *all = -1;
    if (!rd || !out)
        goto out;
    rc = GEO_ASSIGN_EINVAL;
    for (int i = 0; i < ne; i++)
        if (e[i].dest < 0 || e[i].dest >= nd || e[i].child < 0 || e[i].child >= nc)
            goto out;
    rc = GEO_ASSIGN_ENOMEM;
    if (relax(c, d, nd, e, ne, rd) < 0)
        goto out;
    /* One solve gives both: the relaxation is a transversal matroid, the
     * solver's exact cover is its greedy basis by priority (so the most
     * life-sustaining children), and every basis of a matroid has the same
     * size (so the largest cover too). */
    rc = geo_assign_solve(c, nc, rd, nd, e, ne, NULL, out, &st);
    if (rc == GEO_ASSIGN_OK && st.exact_cover) {
        *life = st.covered_life;
        *all = st.covered;
    }
out:
    free(rd);
    free(out);
    return rc;
}
