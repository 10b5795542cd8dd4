/* assign.h -- the city-wide assignment of children to destinations (DESIGN §6).
 *
 * Pure code: no I/O.  The caller has already decided, for every child, which
 * destinations are eligible and reachable (rules 1-3); this module shares
 * out the destinations' limited capacity (rule 4) by the objective of rule 5.
 *
 * Hard constraints, never violated: at each destination the children assigned
 * number at most `outlets`, and their need_w add up to at most `watts`.
 *
 * Objective, lexicographic:
 *   (a) most children with a life-sustaining device covered;
 *   (b) then most children covered;
 *   (c) then the most urgent covered set: compared as the sorted list of its
 *       runtime_h, the smaller list wins (those left out have the longest);
 *   (d) then the least total travel_h of the covered children.
 *
 * The algorithm, and what is exact:
 *   Children are grouped in priority classes of equal (life, runtime_h), most
 *   urgent first.  With outlets alone, the sets of children that fit together
 *   are the independent sets of a transversal matroid; growing the classes in
 *   priority order, each as far as augmenting paths take it, gives the greedy
 *   basis, which dominates every feasible set element by element: optimal
 *   for (a), (b) and (c) at once.  Every augmenting path is a shortest path
 *   for travel (Dijkstra on reduced costs, node potentials) in the residual
 *   graph of a min-cost flow, so the travel is also least for the class
 *   counts reached (successive shortest paths).  A class whose children can
 *   all be covered is placed child by child (its set is then forced); a class
 *   that falls short is placed from its class node, whose shortest path is
 *   the cheapest over all its uncovered children, so it is also the best
 *   choice of which of them to cover.  Result: exact for (a)-(d) whenever the
 *   watts never refuse a move and the run stays within its work budget.
 *
 *   Watts make the problem a multi-dimensional packing (NP-hard), and there
 *   the solver is a heuristic: a move that would put a destination over its
 *   watts is refused (along a path each destination takes one child in and
 *   lets one out, and the net is checked; the last takes one in); a search
 *   keeps for each destination only its cheapest way in; a search that met a
 *   refusal stops after bounded work; a class stopped by a refusal goes on
 *   child by child; travel is then improved locally (moves, swaps, same-class
 *   replacements), all within watts.  If no move was ever refused, the run is
 *   the same as with unlimited watts, whose optimum is at least as good as
 *   any feasible answer: so the result is then proven optimal.
 *
 *   Work budget: shortest augmenting paths are cheap while places are easy
 *   to find, but in a crowded area, as its last free outlets go, each can
 *   sweep much of the graph.  Past the budget (geo_assign_opts) the run goes
 *   on child by child, cheapest first, with capped searches for the shortest
 *   path and, when capped, a search for the path of fewest moves; past twice
 *   the budget with the latter alone; past four times, every search is
 *   capped at a small bound, so the run ends in bounded time.  Until then
 *   covering (a)-(c) stays exact and only travel (d) is a heuristic; after,
 *   a child may be left out that could have been covered, and
 *   stats.exact_cover says so.
 *
 * Watts are compared in whole milliwatts, need rounded up and capacity down
 * (with 1e-9 W allowance for decimal fractions such as 33.3), so floating-point
 * sums never let a destination creep over.  Travel is compared in doubles:
 * "least" is up to rounding (about 1e-12 h per edge of a path).
 *
 * Cost: memory O(nc + nd + ne).  20,000 children, 10,000 destinations and
 * 600,000 edges: about 0.15 s when places are plenty (exact), 0.5-1.4 s
 * when they are scarce or watts bind (scripts/bench-assign.c prints it for
 * any mix).  Thread-safe: no globals. */
#ifndef GEO_ASSIGN_H
#define GEO_ASSIGN_H

/* A child that needs a destination.  need_w: total watts of its devices,
 * finite and >= 0.  runtime_h: hours its batteries last, not NaN, may be
 * INFINITY.  life: nonzero when it has a life-sustaining device. */
struct geo_assign_child {
    double need_w;
    double runtime_h;
    int life;
};

/* A destination whose capacity the children assigned to it share.
 * outlets >= 0; watts >= 0, may be INFINITY. */
struct geo_assign_dest {
    int outlets;
    double watts;
};

/* An eligible, reachable pair: child may go to dest, taking travel_h hours
 * (finite, >= 0).  A repeated pair counts once, with its least travel_h. */
struct geo_assign_edge {
    int child;
    int dest;
    double travel_h;
};

/* Tuning; a NULL pointer or a zeroed struct means the defaults. */
struct geo_assign_opts {
    /* Edges the searches may look at before travel (d) turns heuristic:
     * 0 the default (12 per edge, child and destination), < 0 no limit (the
     * exact answer whatever it costs). */
    long work_budget;
};

/* What a run did.  Filled by geo_assign_solve when its pointer is not NULL. */
struct geo_assign_stats {
    int covered;             /* children assigned */
    int covered_life;        /* of them, with a life-sustaining device */
    double travel_h;         /* total travel_h of the covered children */
    int classes;             /* priority classes (distinct life, runtime_h) */
    long searches;           /* shortest-path searches */
    long augmentations;      /* children placed (with or without a search) */
    long scans;              /* edges looked at, all searches together */
    long updates;            /* recomputations of all potentials */
    long watts_refusals;     /* moves refused because of watts */
    long capped_searches;    /* heuristic searches stopped on their cap */
    long undone;             /* classes placed child by child, then undone */
    long improvements;       /* local travel improvements (heuristic runs) */
    int exact_cover;         /* 1: proven optimal for (a)-(c) */
    int exact;               /* 1: proven optimal for (a)-(d) */
};

/* Return values of geo_assign_solve. */
#define GEO_ASSIGN_OK 0
#define GEO_ASSIGN_ENOMEM (-1) /* allocation failed */
#define GEO_ASSIGN_EINVAL (-2) /* a count, index or value out of range */

/* Assigns each of the nc children c[] to at most one of the nd destinations
 * d[], using only the ne pairs e[] (any order).  On GEO_ASSIGN_OK, out[i] is
 * the destination index of child i, or -1 when it is left out; the capacity
 * constraints hold, and the objective above is met, exactly when st->exact.
 * On error out[] and *st are unspecified.  opts and st may be NULL.  The
 * arrays stay the caller's; nothing is kept after the call. */
int geo_assign_solve(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne,
                     const struct geo_assign_opts *opts, int *out,
                     struct geo_assign_stats *st);

/* An upper bound on any feasible assignment of the same input: the most
 * children with a life-sustaining device (*life) and the most children at
 * all (*all) that could be covered together.  It relaxes watts: at each
 * destination, watts unlimited but no more children than its outlets and
 * than the lightest children with an edge there fit in its watts.  A count
 * is -1 when the relaxed run could not prove its cover (over its budget).
 * Returns GEO_ASSIGN_OK or an error as geo_assign_solve. */
int geo_assign_bound(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne, int *life, int *all);

/* 1 when the input is valid for geo_assign_solve (counts, indices and
 * values in range, out not NULL when nc > 0), 0 when not. */
int geo_assign_valid(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne, const int *out);

/* Watts w in whole milliwatts as the solver compares them: a need rounded
 * up (round_up 1), a capacity down (0), with 1e-9 W allowance for decimal
 * fractions; INFINITY and huge values give a value no sum of needs reaches. */
long long geo_assign_mw(double w, int round_up);

/* Text for a geo_assign_solve return value; never NULL. */
const char *geo_assign_strerror(int rc);

#endif
