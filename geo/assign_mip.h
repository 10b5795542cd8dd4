/* assign_mip.h -- a better assignment where watts bind: the heuristic's
 * answer (geo_assign_solve) improved by a time-limited MIP (CBC) on the
 * clusters where it is not proven optimal, with an honest bound.
 *
 * Pure code: no I/O (CBC is a library; it is told to print nothing).
 *
 * What it does.  The places and children joined by usable pairs fall into
 * clusters (connected components).  Where the heuristic left out a child
 * that has a usable pair, a window is grown around that child: its places,
 * every child able to go to them, their places, and so on, breadth first,
 * up to a size limit; a window that was not cut by the limit is the whole
 * cluster.  The window is solved as a lexicographic MIP (x = 1 when a child
 * goes to a place; each child once; each place within its outlets and its
 * watts left by the children outside the window, in whole milliwatts), in
 * stages, each warm-started from the answer so far and holding what the
 * stages before it reached:
 *   5a+5b  maximise (n + 1) x life-sustaining covered + all covered (n the
 *          window's children): life first, then everyone;
 *   5c     for each priority class (life, runtime_h) in order, as
 *          geo_assign_solve orders them, maximise the class's covered
 *          (skipped when all of the class are covered);
 *   5d     minimise the total travel.
 * A window's answer replaces the current one only when it is better by rule
 * 5 (a)-(d), compared in C after checking every capacity: so the result is
 * never worse than the heuristic's, and the heuristic's answer is kept when
 * the MIP does not improve it within the time budget.
 *
 * What is proven.  A whole cluster whose 5a+5b and 5c stages CBC proved is
 * optimal for (a)-(c); with its 5d stage too, for (a)-(d).  A cluster where
 * nobody with a usable pair is left out is optimal for (a)-(c) as it is.
 * st->exact_cover (and st->exact) become 1 only when every cluster is so.
 *
 * The bound.  life_max / all_max bound the optimum of rule 5: no feasible
 * assignment covers more than life_max children with a life-sustaining
 * device, and the optimum (with (a) at its best) covers no more than all_max
 * children.  They come from geo_assign_bound's relaxation over the usable
 * pairs, which splits by cluster, tightened on each whole cluster by its
 * MIP's best bound (its optimum when proven).  -1: not known.
 *
 * Thread safety: CBC 2.10 keeps solver state in globals, so its solves are
 * serialised by a mutex (plan runs are one at a time anyway). */
#ifndef GEO_ASSIGN_MIP_H
#define GEO_ASSIGN_MIP_H

#include "geo/assign.h"

/* Tuning; a NULL pointer or zeroed fields mean the defaults. */
struct geo_assign_mip_opts {
    double seconds;     /* wall-clock budget of the call: 0 the default
                         * (1 s), < 0 none (the exact answer at any cost) */
    int max_children;   /* a whole cluster's children: 0 default (300), < 0
                         * none; a window that is part of one, half */
    int max_columns;    /* a whole cluster's pairs: 0 default (600), < 0
                         * none; a window that is part of one, half */
};

/* What a call did. */
struct geo_assign_mip_stats {
    int left_out;         /* children with a usable pair left out at the start */
    int windows;          /* windows solved */
    int whole;            /* of them, whole clusters */
    int improved;         /* windows whose answer replaced the current one */
    int more_life;        /* life-sustaining children covered, over the start */
    int more_children;    /* children covered, over the start */
    int stages;           /* MIPs solved */
    int stages_proven;    /* of them, proven optimal by CBC */
    int out_of_time;      /* 1: the budget ended the work */
    double seconds;       /* wall-clock time of the call */
    double bound_seconds; /* of it, the bound's (the relaxation over all pairs) */
    int life_max, all_max;   /* the bound (see above); -1 not known */
};

/* Improves the feasible assignment out[] (a destination index per child, or
 * -1) of the input (as geo_assign_solve's, which must be valid) by the MIP
 * above.  st holds the stats of out[] on entry (as geo_assign_solve fills
 * them; a zeroed st is fine); on return its covered, covered_life and
 * travel_h describe the new out[], and exact_cover / exact are set to 1 when
 * the call proved them (never cleared).  When st->exact_cover is 1 on entry
 * nothing is solved; the bound is then the answer itself.  With seconds < 0
 * and no size limits, every cluster is one window solved to the end: the
 * exact lexicographic optimum (the tests' reference).  Returns
 * GEO_ASSIGN_OK, GEO_ASSIGN_ENOMEM, or GEO_ASSIGN_EINVAL when the input or
 * out[] is invalid (out[] then unchanged).  ms may be NULL. */
int geo_assign_improve(const struct geo_assign_child *c, int nc,
                       const struct geo_assign_dest *d, int nd,
                       const struct geo_assign_edge *e, int ne,
                       const struct geo_assign_mip_opts *opts, int *out,
                       struct geo_assign_stats *st, struct geo_assign_mip_stats *ms);

#endif
