/* assign_mip_int.h -- what geo/assign_mip.c (clusters, windows, the bound)
 * and geo/assign_mip_cbc.c (one window's staged MIP through CBC) share.
 * Internal to geo/: nothing here is part of the solver's interface. */
#ifndef GEO_ASSIGN_MIP_INT_H
#define GEO_ASSIGN_MIP_INT_H

#include <stdint.h>

/* The whole input, prepared once: usable distinct pairs only (a repeated
 * pair once, with its least travel; no pair to a place without outlets or
 * whose watts are below the child's need), by child and by place. */
struct mx_prob {
    int nc, nd, np;          /* children, places, pairs */
    int64_t *need, *cap;     /* milliwatts (geo_assign_mw) */
    int *outlets, *life;
    int *cls;                /* priority class per child: 0 the most urgent */
    int ncls;
    int *coff;               /* pairs of child i: coff[i] .. coff[i + 1] */
    int *pdest;              /* pair -> place */
    int *pchild;             /* pair -> child */
    double *ptime;           /* pair -> travel_h */
    int *doff, *dpair;       /* pairs of place y: dpair[doff[y] .. doff[y + 1]] */
    int *out;                /* the current assignment: place or -1 */
    int *cnt;                /* children at each place now */
    int64_t *used;           /* their milliwatts */
};

/* A window: some children and places, and the pairs between them. */
struct mx_win {
    int ns, nt, nx;
    int *kid;                /* ns: window child -> child */
    int *dst;                /* nt: window place -> place */
    int *xs, *xt, *xp;       /* nx: column -> window child, window place, pair */
    int *toff, *tcol;        /* columns of window place t: tcol[toff[t] .. toff[t + 1]] */
    int *rout;               /* nt: outlets left by the children outside */
    int64_t *rmw;            /* nt: milliwatts left by them */
    int *wcls, nwc;          /* ns: window class (0 most urgent), how many */
    double *x;               /* nx: the window's current answer, 0 or 1 */
    int whole;               /* the window is a whole cluster */
};

/* What a window's MIP did. */
struct mx_result {
    int stages, stages_proven;
    int ab_proven;           /* the 5a+5b stage proved optimal */
    double ab_bound;         /* its best bound on (n + 1) life + all */
    int cover_proven;        /* 5a-5c proven for the window */
    int travel_proven;       /* 5d too */
    int improved;            /* the window's answer changed */
    int out_of_time;
};

/* Solves window w by the staged MIP until the monotonic clock reaches
 * deadline (INFINITY: no limit), starting from and improving w->x.  Returns
 * 0, or -1 when out of memory (w->x is then still a feasible answer). */
int mx_solve_window(const struct mx_prob *p, struct mx_win *w, double deadline,
                    struct mx_result *r);

/* The monotonic clock in seconds. */
double mx_now(void);

#endif
