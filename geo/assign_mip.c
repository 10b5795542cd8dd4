/* assign_mip.c -- geo_assign_improve (assign_mip.h): the clusters where the
 * heuristic left someone out, windows grown around them, each solved by the
 * staged MIP of assign_mip_cbc.c within the time budget, and the bound.
 *
 * A window may be part of a cluster only (the size limits): its answer is
 * still a valid improvement, because the children outside it keep their
 * places and the window's places keep room for them; but it proves nothing
 * about the cluster, and its MIP bound is not used. */
#include "geo/assign_mip.h"
#include "geo/assign_mip_int.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIP_SECONDS 1.0
#define MIP_CHILDREN 300
#define MIP_COLUMNS 600
#define MIP_SLICES 10          /* a window not whole gets 1/10 of the budget */
#define MIP_GROWTHS 4          /* windows grow up to 16 times the above */

/* ------------------------------------------------------------------------ */
/* The input, prepared */

struct ppair {
    int dest;
    double t;
};

static int ppair_cmp(const void *pa, const void *pb)
{
    const struct ppair *a = pa, *b = pb;

    if (a->dest != b->dest)
        return (a->dest > b->dest) - (a->dest < b->dest);
    return (a->t > b->t) - (a->t < b->t);
}

static int int_cmp(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;

    return (a > b) - (a < b);
}

struct crank {
    int life;
    double runtime;
    int idx;
};

static int crank_cmp(const void *pa, const void *pb)
{
    const struct crank *a = pa, *b = pb;

    if (a->life != b->life)
        return a->life ? -1 : 1;
    if (a->runtime != b->runtime)
        return a->runtime < b->runtime ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static void prob_release(struct mx_prob *p)
{
    void *all[] = { p->need, p->cap, p->outlets, p->life, p->cls, p->coff, p->pdest, p->pchild,
                    p->ptime, p->doff, p->dpair, p->out, p->cnt, p->used };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    memset(p, 0, sizeof *p);
}

/* Priority classes as geo_assign_solve's: life first, then shorter runtime. */
static int prob_classes(struct mx_prob *p, const struct geo_assign_child *c)
{
    struct crank *r = calloc((size_t)p->nc + 1, sizeof *r);

    if (!r)
        return -1;
    for (int i = 0; i < p->nc; i++) {
        r[i].life = c[i].life != 0;
        r[i].runtime = c[i].runtime_h;
        r[i].idx = i;
    }
    qsort(r, (size_t)p->nc, sizeof *r, crank_cmp);
    for (int i = 0; i < p->nc; i++) {
        if (i == 0 || r[i].life != r[i - 1].life || r[i].runtime != r[i - 1].runtime)
            p->ncls++;
        p->cls[r[i].idx] = p->ncls - 1;
    }
    free(r);
    return 0;
}

/* The usable distinct pairs, by child then by place. */
static int prob_pairs(struct mx_prob *p, const struct geo_assign_edge *e, int ne)
{
    struct ppair *pp = calloc((size_t)ne + 1, sizeof *pp);
    int *fill = calloc((size_t)p->nc + (size_t)p->nd + 2, sizeof *fill), w = 0;

    p->pdest = calloc((size_t)ne + 1, sizeof *p->pdest);
    p->pchild = calloc((size_t)ne + 1, sizeof *p->pchild);
    p->ptime = calloc((size_t)ne + 1, sizeof *p->ptime);
    p->dpair = calloc((size_t)ne + 1, sizeof *p->dpair);
    if (!pp || !fill || !p->pdest || !p->pchild || !p->ptime || !p->dpair) {
        free(pp);
        free(fill);
        return -1;
    }
    for (int i = 0; i < ne; i++)
        if (p->outlets[e[i].dest] > 0 && p->need[e[i].child] <= p->cap[e[i].dest])
            p->coff[e[i].child + 1]++;
    for (int i = 0; i < p->nc; i++)
        p->coff[i + 1] += p->coff[i];
    memcpy(fill, p->coff, (size_t)p->nc * sizeof *fill);
    for (int i = 0; i < ne; i++)
        if (p->outlets[e[i].dest] > 0 && p->need[e[i].child] <= p->cap[e[i].dest]) {
            pp[fill[e[i].child]].dest = e[i].dest;
            pp[fill[e[i].child]++].t = e[i].travel_h;
        }
    for (int i = 0; i < p->nc; i++) {
        int lo = p->coff[i], hi = p->coff[i + 1];
        qsort(pp + lo, (size_t)(hi - lo), sizeof *pp, ppair_cmp);
        p->coff[i] = w;
        for (int j = lo; j < hi; j++)
            if (j == lo || pp[j].dest != pp[j - 1].dest) {
                p->pchild[w] = i;
                p->pdest[w] = pp[j].dest;
                p->ptime[w++] = pp[j].t;
            }
    }
    p->coff[p->nc] = p->np = w;
    for (int q = 0; q < w; q++)
        p->doff[p->pdest[q] + 1]++;
    for (int y = 0; y < p->nd; y++)
        p->doff[y + 1] += p->doff[y];
    memcpy(fill, p->doff, (size_t)p->nd * sizeof *fill);
    for (int i = 0; i < p->nc; i++)
        for (int q = p->coff[i]; q < p->coff[i + 1]; q++)
            p->dpair[fill[p->pdest[q]]++] = q;
    free(pp);
    free(fill);
    return 0;
}

/* The pair of child i to place y, or -1. */
static int pair_of(const struct mx_prob *p, int i, int y)
{
    int lo = p->coff[i], hi = p->coff[i + 1];

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->pdest[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->coff[i + 1] && p->pdest[lo] == y ? lo : -1;
}

/* Copies out[] in, checking it is a feasible assignment over the pairs. */
static int prob_answer(struct mx_prob *p, const int *out)
{
    for (int i = 0; i < p->nc; i++) {
        int y = out[i];
        p->out[i] = y;
        if (y < 0)
            continue;
        if (y >= p->nd || pair_of(p, i, y) < 0)
            return -1;
        p->cnt[y]++;
        p->used[y] += p->need[i];
    }
    for (int y = 0; y < p->nd; y++)
        if (p->cnt[y] > p->outlets[y] || p->used[y] > p->cap[y])
            return -1;
    return 0;
}

static int prob_build(struct mx_prob *p, const struct geo_assign_child *c, int nc,
                      const struct geo_assign_dest *d, int nd, const struct geo_assign_edge *e,
                      int ne, const int *out)
{
    memset(p, 0, sizeof *p);
    p->nc = nc;
    p->nd = nd;
    p->need = calloc((size_t)nc + 1, sizeof *p->need);
    p->life = calloc((size_t)nc + 1, sizeof *p->life);
    p->cls = calloc((size_t)nc + 1, sizeof *p->cls);
    p->coff = calloc((size_t)nc + 2, sizeof *p->coff);
    p->out = calloc((size_t)nc + 1, sizeof *p->out);
    p->cap = calloc((size_t)nd + 1, sizeof *p->cap);
    p->outlets = calloc((size_t)nd + 1, sizeof *p->outlets);
    p->doff = calloc((size_t)nd + 2, sizeof *p->doff);
    p->cnt = calloc((size_t)nd + 1, sizeof *p->cnt);
    p->used = calloc((size_t)nd + 1, sizeof *p->used);
    if (!p->need || !p->life || !p->cls || !p->coff || !p->out || !p->cap || !p->outlets ||
        !p->doff || !p->cnt || !p->used)
        return GEO_ASSIGN_ENOMEM;
    for (int i = 0; i < nc; i++) {
        p->need[i] = geo_assign_mw(c[i].need_w, 1);
        p->life[i] = c[i].life != 0;
    }
    for (int y = 0; y < nd; y++) {
        p->outlets[y] = d[y].outlets;
        p->cap[y] = geo_assign_mw(d[y].watts, 0);
    }
    if (prob_classes(p, c) < 0 || prob_pairs(p, e, ne) < 0)
        return GEO_ASSIGN_ENOMEM;
    return prob_answer(p, out) < 0 ? GEO_ASSIGN_EINVAL : GEO_ASSIGN_OK;
}

/* ------------------------------------------------------------------------ */
/* Windows */

/* A window and the scratch to grow it, sized for the whole input. */
struct grow {
    struct mx_win w;
    int *cpos, *dpos;        /* child / place -> its window index, or -1 */
    int *cmap;               /* class -> window class, or -1 */
    int *clist;
};

static void grow_release(struct grow *g)
{
    void *all[] = { g->w.kid, g->w.dst, g->w.xs, g->w.xt, g->w.xp, g->w.toff, g->w.tcol,
                    g->w.rout, g->w.rmw, g->w.wcls, g->w.x, g->cpos, g->dpos, g->cmap,
                    g->clist };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    memset(g, 0, sizeof *g);
}

static int grow_init(struct grow *g, const struct mx_prob *p)
{
    size_t nc = (size_t)p->nc + 1, nd = (size_t)p->nd + 2, np = (size_t)p->np + 1;

    memset(g, 0, sizeof *g);
    g->w.kid = malloc(nc * sizeof *g->w.kid);
    g->w.wcls = malloc(nc * sizeof *g->w.wcls);
    g->w.dst = malloc(nd * sizeof *g->w.dst);
    g->w.toff = malloc(nd * sizeof *g->w.toff);
    g->w.rout = malloc(nd * sizeof *g->w.rout);
    g->w.rmw = malloc(nd * sizeof *g->w.rmw);
    g->w.xs = malloc(np * sizeof *g->w.xs);
    g->w.xt = malloc(np * sizeof *g->w.xt);
    g->w.xp = malloc(np * sizeof *g->w.xp);
    g->w.tcol = malloc(np * sizeof *g->w.tcol);
    g->w.x = malloc(np * sizeof *g->w.x);
    g->cpos = malloc(nc * sizeof *g->cpos);
    g->dpos = malloc(nd * sizeof *g->dpos);
    g->cmap = malloc(((size_t)p->ncls + 1) * sizeof *g->cmap);
    g->clist = malloc(((size_t)p->ncls + 1) * sizeof *g->clist);
    if (!g->w.kid || !g->w.wcls || !g->w.dst || !g->w.toff || !g->w.rout || !g->w.rmw ||
        !g->w.xs || !g->w.xt || !g->w.xp || !g->w.tcol || !g->w.x || !g->cpos || !g->dpos ||
        !g->cmap || !g->clist)
        return -1;
    memset(g->cpos, 0xff, nc * sizeof *g->cpos);
    memset(g->dpos, 0xff, nd * sizeof *g->dpos);
    memset(g->cmap, 0xff, ((size_t)p->ncls + 1) * sizeof *g->cmap);
    return 0;
}

static void grow_clear(struct grow *g)
{
    for (int s = 0; s < g->w.ns; g->cpos[g->w.kid[s++]] = -1)
        ;
    for (int t = 0; t < g->w.nt; g->dpos[g->w.dst[t++]] = -1)
        ;
    g->w.ns = g->w.nt = g->w.nx = 0;
}

/* Breadth first from seed: its places, the children of those, theirs...
 * A child is refused past the limits (< 0: none); then not whole.  With
 * all, every child of a place (the whole cluster if the limits allow);
 * else only those at the place or left out: the window then follows the
 * chains of moves that could make room (an augmenting path's shape). */
static void grow_walk(struct grow *g, const struct mx_prob *p, int seed, int maxc, int maxx,
                      int all)
{
    struct mx_win *w = &g->w;

    w->whole = all;
    w->kid[0] = seed;
    g->cpos[seed] = 0;
    w->ns = 1;
    w->nx = p->coff[seed + 1] - p->coff[seed];
    for (int h = 0; h < w->ns; h++)
        for (int q = p->coff[w->kid[h]]; q < p->coff[w->kid[h] + 1]; q++) {
            int y = p->pdest[q];
            if (g->dpos[y] >= 0)
                continue;
            g->dpos[y] = w->nt;
            w->dst[w->nt++] = y;
            for (int r = p->doff[y]; r < p->doff[y + 1]; r++) {
                int j = p->pchild[p->dpair[r]], deg = p->coff[j + 1] - p->coff[j];
                if (g->cpos[j] >= 0 || (!all && p->out[j] >= 0 && p->out[j] != y))
                    continue;
                if ((maxc >= 0 && w->ns >= maxc) || (maxx >= 0 && w->nx + deg > maxx)) {
                    w->whole = 0;
                    continue;
                }
                g->cpos[j] = w->ns;
                w->kid[w->ns++] = j;
                w->nx += deg;
            }
        }
}

/* The window's columns, places' room left by the children outside, classes
 * and the current answer.  Every window child's places are in the window. */
static void grow_fill(struct grow *g, const struct mx_prob *p)
{
    struct mx_win *w = &g->w;
    int nwc = 0;

    w->nx = 0;
    for (int t = 0; t <= w->nt; t++)
        w->toff[t] = 0;
    for (int s = 0; s < w->ns; s++)
        for (int q = p->coff[w->kid[s]]; q < p->coff[w->kid[s] + 1]; q++) {
            w->xs[w->nx] = s;
            w->xt[w->nx] = g->dpos[p->pdest[q]];
            w->xp[w->nx] = q;
            w->x[w->nx] = p->out[w->kid[s]] == p->pdest[q];
            w->toff[w->xt[w->nx++] + 1]++;
        }
    for (int t = 0; t < w->nt; t++) {
        w->toff[t + 1] += w->toff[t];
        w->rout[t] = p->outlets[w->dst[t]] - p->cnt[w->dst[t]];
        w->rmw[t] = p->cap[w->dst[t]] - p->used[w->dst[t]];
    }
    for (int j = 0; j < w->nx; j++)
        w->tcol[w->toff[w->xt[j]]++] = j;
    for (int t = w->nt; t > 0; t--)
        w->toff[t] = w->toff[t - 1];
    w->toff[0] = 0;
    for (int s = 0; s < w->ns; s++) {
        int i = w->kid[s];
        if (p->out[i] >= 0) {
            w->rout[g->dpos[p->out[i]]]++;
            w->rmw[g->dpos[p->out[i]]] += p->need[i];
        }
        if (g->cmap[p->cls[i]] < 0) {
            g->cmap[p->cls[i]] = 0;
            g->clist[nwc++] = p->cls[i];
        }
    }
    qsort(g->clist, (size_t)nwc, sizeof *g->clist, int_cmp);
    for (int k = 0; k < nwc; k++)
        g->cmap[g->clist[k]] = k;
    for (int s = 0; s < w->ns; s++)
        w->wcls[s] = g->cmap[p->cls[w->kid[s]]];
    for (int k = 0; k < nwc; k++)
        g->cmap[g->clist[k]] = -1;
    w->nwc = nwc;
}

/* Writes the window's answer back into p->out and the places' loads. */
static void grow_apply(struct grow *g, struct mx_prob *p)
{
    const struct mx_win *w = &g->w;

    for (int s = 0; s < w->ns; s++) {
        int i = w->kid[s];
        if (p->out[i] >= 0) {
            p->cnt[p->out[i]]--;
            p->used[p->out[i]] -= p->need[i];
            p->out[i] = -1;
        }
    }
    for (int j = 0; j < w->nx; j++)
        if (w->x[j] > 0.5) {
            int i = w->kid[w->xs[j]], y = p->pdest[w->xp[j]];
            p->out[i] = y;
            p->cnt[y]++;
            p->used[y] += p->need[i];
        }
}

/* ------------------------------------------------------------------------ */
/* The run */

#define PF_SEEN 1      /* in a window of the first pass */
#define PF_WHOLE 2     /* in a window that was its whole cluster */
#define PF_COVER 4     /* ... whose (a)-(c) were proven */
#define PF_TRAVEL 8    /* ... and (d) */

struct improve {
    struct mx_prob p;
    struct grow g;
    const struct geo_assign_child *c;
    const struct geo_assign_dest *d;
    unsigned char *pf;
    int *order;
    int maxc, maxx;
    double deadline;
    double slice;              /* the time of a window that is not whole */
    int dlife, dall;           /* the bound tightened by whole clusters' MIPs */
    struct geo_assign_mip_stats *ms;
};

/* The relaxed bound (geo_assign_bound) over window w's pairs, or over all
 * the usable pairs when w is NULL. */
static int relaxed(const struct improve *im, const struct mx_win *w, int *life, int *all)
{
    const struct mx_prob *p = &im->p;
    int nc = w ? w->ns : p->nc, nd = w ? w->nt : p->nd, ne = w ? w->nx : p->np, rc;
    struct geo_assign_child *cw = calloc((size_t)nc + 1, sizeof *cw);
    struct geo_assign_dest *dw = calloc((size_t)nd + 1, sizeof *dw);
    struct geo_assign_edge *ew = calloc((size_t)ne + 1, sizeof *ew);

    rc = GEO_ASSIGN_ENOMEM;
    if (cw && dw && ew) {
        for (int s = 0; s < nc; s++)
            cw[s] = im->c[w ? w->kid[s] : s];
        for (int t = 0; t < nd; t++)
            dw[t] = im->d[w ? w->dst[t] : t];
        for (int j = 0; j < ne; j++) {
            int q = w ? w->xp[j] : j;
            ew[j].child = w ? w->xs[j] : p->pchild[q];
            ew[j].dest = w ? w->xt[j] : p->pdest[q];
            ew[j].travel_h = p->ptime[q];
        }
        rc = geo_assign_bound(cw, nc, dw, nd, ew, ne, life, all);
    }
    free(cw);
    free(dw);
    free(ew);
    return rc;
}

/* A whole cluster's MIP tightens the relaxed bound on it: its optimum when
 * proven, else the MIP's best bound on (n + 1) life + all. */
static int tighten(struct improve *im, const struct mx_result *r)
{
    const struct mx_win *w = &im->g.w;
    double W = w->ns + 1, b = r->ab_bound + 1e-6;
    int lr, ar, l = 0, a = 0, lb, ab, rc;

    if (!r->ab_proven && !isfinite(r->ab_bound))
        return GEO_ASSIGN_OK;
    if ((rc = relaxed(im, w, &lr, &ar)) != GEO_ASSIGN_OK || lr < 0 || ar < 0)
        return rc;
    for (int j = 0; j < w->nx; j++)
        if (w->x[j] > 0.5) {
            a++;
            l += im->p.life[w->kid[w->xs[j]]];
        }
    lb = r->ab_proven ? l : (int)floor(b / W);
    ab = r->ab_proven ? a : (int)floor(b - W * l);
    im->dlife += lb < lr ? lr - lb : 0;
    im->dall += ab < ar ? ar - ab : 0;
    return GEO_ASSIGN_OK;
}

/* 1 when no seed after order[k] (of n) is left for another window. */
static int last_window(const struct improve *im, int k, int n)
{
    for (int q = k + 1; q < n; q++) {
        int i = im->order[q];
        if (im->p.out[i] < 0 && !(im->pf[i] & PF_SEEN) && im->g.cpos[i] < 0)
            return 0;
    }
    return 1;
}

/* Grows a window from order[k] (of n seeds), solves it until its share of
 * the time, and takes its answer. */
static int window(struct improve *im, int k, int n, unsigned char mark)
{
    int seed = im->order[k];
    struct mx_win *w = &im->g.w;
    struct geo_assign_mip_stats *ms = im->ms;
    struct mx_result r;
    double now = mx_now(), left = im->deadline - now, until;
    int rc = GEO_ASSIGN_OK;

    /* Part of a cluster: half the size, as small windows solve in
     * milliseconds and their gains come from many of them. */
    grow_walk(&im->g, &im->p, seed, im->maxc, im->maxx, 1);
    if (!w->whole) {
        grow_clear(&im->g);
        grow_walk(&im->g, &im->p, seed, im->maxc < 0 ? -1 : im->maxc / 2,
                  im->maxx < 0 ? -1 : im->maxx / 2, 0);
    }
    grow_fill(&im->g, &im->p);
    /* A whole cluster may take half the time left (its proof is worth it),
     * all of it when no other seed is left; part of one, a slice: its
     * improvement comes early or not at all. */
    if (!w->whole)
        left = fmin(left, im->slice);
    else if (left > 0.1 && !last_window(im, k, n))
        left /= 2;
    until = now + left;
    if (mx_solve_window(&im->p, w, until, &r) < 0)
        rc = GEO_ASSIGN_ENOMEM;
    ms->windows++;
    ms->whole += w->whole;
    ms->stages += r.stages;
    ms->stages_proven += r.stages_proven;
    ms->out_of_time |= r.out_of_time;
    if (rc == GEO_ASSIGN_OK && r.improved) {
        grow_apply(&im->g, &im->p);
        ms->improved++;
    }
    if (w->whole) {
        mark |= PF_WHOLE | (r.cover_proven ? PF_COVER : 0) | (r.travel_proven ? PF_TRAVEL : 0);
        if (rc == GEO_ASSIGN_OK)
            rc = tighten(im, &r);
    }
    for (int s = 0; s < w->ns; s++)
        im->pf[w->kid[s]] |= mark;
    grow_clear(&im->g);
    return rc;
}

static int by_class(const void *pa, const void *pb, void *arg)
{
    const int *cls = arg;
    int a = *(const int *)pa, b = *(const int *)pb;

    if (cls[a] != cls[b])
        return cls[a] < cls[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* 1 when every child with a pair has all the bits of mask; with
 * left_out_only, only those left out are looked at. */
static int all_marked(const struct improve *im, unsigned char mask, int left_out_only)
{
    for (int i = 0; i < im->p.nc; i++)
        if (im->p.coff[i + 1] > im->p.coff[i] && (!left_out_only || im->p.out[i] < 0) &&
            (im->pf[i] & mask) != mask)
            return 0;
    return 1;
}

/* A pass of windows around the children still left out, most urgent
 * first (one window per seed not yet in a window of this pass).  Returns
 * how many improved, or an error (< 0). */
static int seed_pass(struct improve *im, int n)
{
    int before = im->ms->improved, rc = GEO_ASSIGN_OK;

    for (int i = 0; i < im->p.nc; i++)
        im->pf[i] &= (unsigned char)~PF_SEEN;
    for (int k = 0; k < n && rc == GEO_ASSIGN_OK; k++) {
        int i = im->order[k];
        if (im->p.out[i] >= 0 || (im->pf[i] & (PF_SEEN | PF_COVER)))
            continue;
        if (mx_now() >= im->deadline) {
            im->ms->out_of_time = 1;
            break;
        }
        rc = window(im, k, n, PF_SEEN);
    }
    return rc == GEO_ASSIGN_OK ? im->ms->improved - before : rc;
}

/* Passes around the children left out while time is left: again while
 * they improve something (the windows differ once the answer changed),
 * then with windows twice as big (up to MIP_GROWTHS times), as small ones
 * miss what takes longer chains of moves.  Then, when the cover is proven
 * and time is left: the other clusters, for travel.  Then what is proven. */
static int improve_run(struct improve *im, struct geo_assign_stats *st)
{
    struct mx_prob *p = &im->p;
    int n = 0, rc = GEO_ASSIGN_OK, cover, pass = 0;

    for (int i = 0; i < p->nc; i++)
        if (p->out[i] < 0 && p->coff[i + 1] > p->coff[i])
            im->order[n++] = i;
    im->ms->left_out = n;
    qsort_r(im->order, (size_t)n, sizeof *im->order, by_class, p->cls);
    for (int grown = 0; mx_now() < im->deadline;) {
        if ((pass = seed_pass(im, n)) < 0)
            break;
        if (pass == 0) {
            if (grown++ == MIP_GROWTHS || im->maxc < 0 || im->maxx < 0)
                break;
            im->maxc *= 2;
            im->maxx *= 2;
        }
    }
    rc = pass < 0 ? pass : GEO_ASSIGN_OK;
    cover = rc == GEO_ASSIGN_OK && all_marked(im, PF_COVER, 1);
    n = 0;
    for (int i = 0; cover && !st->exact && i < p->nc; i++)
        if (p->coff[i + 1] > p->coff[i])
            im->order[n++] = i;
    for (int k = 0; rc == GEO_ASSIGN_OK && k < n; k++)
        if (!(im->pf[im->order[k]] & PF_WHOLE)) {
            if (mx_now() >= im->deadline) {
                im->ms->out_of_time = 1;
                break;
            }
            rc = window(im, k, n, 0);
        }
    if (rc == GEO_ASSIGN_OK) {
        st->exact_cover |= cover;
        st->exact |= cover && all_marked(im, PF_TRAVEL, 0);
    }
    return rc;
}

static void tally(const struct mx_prob *p, struct geo_assign_stats *st)
{
    st->covered = st->covered_life = 0;
    st->travel_h = 0;
    for (int i = 0; i < p->nc; i++)
        if (p->out[i] >= 0) {
            st->covered++;
            st->covered_life += p->life[i];
            st->travel_h += p->ptime[pair_of(p, i, p->out[i])];
        }
}

/* The bound: exact when the cover is proven, else the relaxation over all
 * pairs tightened by the whole clusters' MIPs. */
static int improve_bound(struct improve *im, const struct geo_assign_stats *st)
{
    int life, all, rc;

    if (st->exact_cover) {
        im->ms->life_max = st->covered_life;
        im->ms->all_max = st->covered;
        return GEO_ASSIGN_OK;
    }
    if ((rc = relaxed(im, NULL, &life, &all)) != GEO_ASSIGN_OK)
        return rc;
    im->ms->life_max = life < 0 ? -1 : life - im->dlife;
    im->ms->all_max = all < 0 ? -1 : all - im->dall;
    return GEO_ASSIGN_OK;
}

static int improve_setup(struct improve *im, const struct geo_assign_mip_opts *o, double t0)
{
    double sec = o && o->seconds ? o->seconds : MIP_SECONDS;

    im->maxc = o && o->max_children ? o->max_children : MIP_CHILDREN;
    im->maxx = o && o->max_columns ? o->max_columns : MIP_COLUMNS;
    im->deadline = sec < 0 ? INFINITY : t0 + sec;
    im->slice = sec < 0 ? INFINITY : fmax(sec / MIP_SLICES, 0.01);
    im->pf = calloc((size_t)im->p.nc + 1, sizeof *im->pf);
    im->order = calloc((size_t)im->p.nc + 1, sizeof *im->order);
    if (!im->pf || !im->order || grow_init(&im->g, &im->p) < 0)
        return GEO_ASSIGN_ENOMEM;
    return GEO_ASSIGN_OK;
}

int geo_assign_improve(const struct geo_assign_child *c, int nc,
                       const struct geo_assign_dest *d, int nd,
                       const struct geo_assign_edge *e, int ne,
                       const struct geo_assign_mip_opts *opts, int *out,
                       struct geo_assign_stats *st, struct geo_assign_mip_stats *ms)
{
    struct geo_assign_mip_stats ms_scratch;
    struct geo_assign_stats before;
    struct improve im;
    double t0 = mx_now();
    int rc;

    memset(&im, 0, sizeof im);
    if (!ms)
        ms = &ms_scratch;
    memset(ms, 0, sizeof *ms);
    ms->life_max = ms->all_max = -1;
    im.ms = ms;
    im.c = c;
    im.d = d;
    if (!st || !geo_assign_valid(c, nc, d, nd, e, ne, out))
        return GEO_ASSIGN_EINVAL;
    rc = prob_build(&im.p, c, nc, d, nd, e, ne, out);
    if (rc == GEO_ASSIGN_OK)
        rc = improve_setup(&im, opts, t0);
    if (rc == GEO_ASSIGN_OK) {
        tally(&im.p, &before);
        rc = st->exact_cover ? GEO_ASSIGN_OK : improve_run(&im, st);
    }
    if (rc == GEO_ASSIGN_OK) {
        double tb = mx_now();
        tally(&im.p, st);
        rc = improve_bound(&im, st);
        ms->bound_seconds = mx_now() - tb;
    }
    if (rc == GEO_ASSIGN_OK) {
        memcpy(out, im.p.out, (size_t)nc * sizeof *out);
        ms->more_life = st->covered_life - before.covered_life;
        ms->more_children = st->covered - before.covered;
    }
    ms->seconds = mx_now() - t0;
    grow_release(&im.g);
    prob_release(&im.p);
    free(im.pf);
    free(im.order);
    return rc;
}
