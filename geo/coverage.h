/* coverage.h -- where N new power places would cover the most children the
 * plan leaves out: a weighted maximal-covering-location problem (Church and
 * ReVelle 1974), and lending portable power stations to homes.  Pure
 * computation. */
#ifndef GEO_COVERAGE_H
#define GEO_COVERAGE_H

#include <stddef.h>

/* Sites and the items (children) each one covers, as compressed rows: site s
 * covers items[start[s] .. start[s + 1]).  weight[i] > 0 for every item. */
struct geo_cov_problem {
    size_t nsites, nitems;
    const size_t *start;        /* nsites + 1 entries */
    const size_t *items;
    const double *weight;
};

struct geo_cov_result {
    size_t nchosen;
    size_t *chosen;             /* sites in the order chosen (caller's array of add) */
    double *gain;               /* weight each added (caller's array of add) */
    double value;               /* total weight covered */
    double bound;               /* no choice of add sites covers more than this */
};

/* Chooses up to add sites by the greedy rule (each time the site adding the
 * most uncovered weight; ties to the lower index).  Weighted coverage is
 * monotone submodular, so the value is at least (1 - 1/e) of the best
 * possible (Nemhauser, Wolsey and Fisher 1978); bound is the tighter
 * data-dependent bound min over the greedy steps of f(S_i) + the sum of the
 * add largest marginal gains at S_i (same paper, also Minoux 1978), never more
 * than the weight of every coverable item.  value == bound proves the choice
 * optimal.  Stops early when no site adds anything.  Returns 0, or -1 when
 * memory runs out. */
int geo_coverage_greedy(const struct geo_cov_problem *p, size_t add, struct geo_cov_result *out);

/* Portable power stations lent to homes: child i needs need[i] stations (0:
 * already covered; < 0: a station cannot serve it).  Chooses the children
 * needing fewest stations first, which maximises the number covered by
 * stations stations (ties: life-sustaining first, then lower index).  Writes
 * 1 into taken[i] for each child chosen; returns how many, and the stations
 * used in *used. */
size_t geo_stations_lend(const int *need, const unsigned char *life_sustaining, size_t n,
                         long stations, unsigned char *taken, long *used);

#endif
