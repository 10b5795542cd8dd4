/* assign.c -- the city-wide assignment solver (DESIGN §6 rules 4 and 5).
 *
 * Successive shortest augmenting paths, one priority class at a time;
 * assign.h says what is exact and what is a heuristic.  The residual graph,
 * with reduced costs cost + h(from) - h(to) kept >= 0 by the potentials h:
 *
 *   class K -> place Y    an uncovered child c of K with an edge to Y comes
 *                         in, cost travel(c,Y)
 *   child c -> place Y    c, covered elsewhere, moves to Y, cost travel(c,Y)
 *   place Y -> child c    c (in Y) makes room, cost -travel(c,Y)
 *   place Y -> T          Y has a free outlet, cost 0; T's potential is 0
 *
 * A path starts at an uncovered child, or at its class node when which
 * children of the class to cover is still open.  The uncovered children of
 * a class are only reached through it, so they are folded into its node,
 * which hands out their edges lazily, cheapest first, from a heap of its
 * own: a search pays for the edges it looks at, not for the class's size.
 * Classes are placed child by child (cheaper) until one falls short; that
 * one is undone from a log and redone from its node, as are all after it.
 *
 * What keeps it fast: a free place at reduced cost 0 is taken without a
 * search; a search that fails marks all it reached dead for good; and the
 * potentials are reset now and then to minus the exact distance to T (one
 * search backwards), after which a search follows edges of reduced cost 0
 * straight to a free outlet.  The work is bounded (EXACT_BUDGET); past it
 * the run finishes with capped searches, covering still exactly as long as
 * it can, and travel is then improved locally. */
#include "geo/assign.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Watts in milliwatts, and a bound that keeps every sum far from overflow. */
#define MW_PER_W 1000.0
#define MW_SLACK 1e-6
#define MW_LIMIT ((int64_t)1 << 61)

/* The exact run's budget, in edges looked at per edge, child and place.
 * Shortest augmenting paths cost little while places are easy to find, but
 * as the last free outlets of a crowded area go, each can sweep much of
 * the graph.  Past the budget the run is finished by the capped searches
 * below: covering (a)-(c) stays exact, travel (d) becomes a heuristic. */
#define EXACT_BUDGET 12

/* Edges a search may look at when it is a heuristic anyway: a watts refusal
 * met, or the run over its budget (then, if it stops, the path of fewest
 * moves is looked for instead, to the end).  Exact searches never stop
 * early; those that fail mark what they reached as dead, so failures cost
 * O(ne) in all. */
#define HEURISTIC_CAP 2000L

/* Past TWICE_OVER times the budget only the path of fewest moves is looked
 * for; past EXHAUSTED times, every search stops after EXHAUSTED_CAP and
 * potentials are no longer recomputed, so the run ends in bounded time (a
 * child may then be left out that could have been covered). */
#define TWICE_OVER 2
#define EXHAUSTED 4
#define EXHAUSTED_CAP 200L

/* Reduced costs below this are rounding of 0 (so that ties are ties); it
 * bounds how far, per edge, a path taken as shortest may be from it. */
#define REDUCED_EPS 1e-12

/* Travel differences below this are rounding, not an improvement. */
#define TRAVEL_EPS 1e-12

/* Rounds of local travel improvement after a heuristic run, at most. */
#define IMPROVE_ROUNDS 16

/* ------------------------------------------------------------------------ */
/* Heaps */

/* A search's queue.  Among equal keys the latest pushed comes first: along
 * edges of reduced cost 0 a search then goes deep at once, not wide. */
struct pq_item {
    double key;
    unsigned seq;
    int node;
};

struct pq {
    struct pq_item *a;
    size_t n, cap;
    unsigned seq;
};

static inline int pq_before(const struct pq_item *a, const struct pq_item *b)
{
    return a->key < b->key || (a->key == b->key && a->seq > b->seq);
}

static int pq_push(struct pq *q, double key, int node)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        struct pq_item *a = realloc(q->a, cap * sizeof *a);
        if (!a)
            return -1;
        q->a = a;
        q->cap = cap;
    }
    struct pq_item x = { key, ++q->seq, node };
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!pq_before(&x, &q->a[p]))
            break;
        q->a[i] = q->a[p];
        i = p;
    }
    q->a[i] = x;
    return 0;
}

static struct pq_item pq_pop(struct pq *q)
{
    struct pq_item top = q->a[0], last = q->a[--q->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m;
        if (l >= q->n)
            break;
        m = (l + 1 < q->n && pq_before(&q->a[l + 1], &q->a[l])) ? l + 1 : l;
        if (!pq_before(&q->a[m], &last))
            break;
        q->a[i] = q->a[m];
        i = m;
    }
    if (q->n)
        q->a[i] = last;
    return top;
}

/* One edge of an uncovered child, as its class hands it out.  key is
 * travel - h(place) when pushed; potentials only fall, so the true key is
 * never below it, and the top is re-keyed before it is used.  ver tells a
 * stale entry from a fresh one. */
struct centry {
    double key;
    int child;
    int edge;
    int ver;
};

struct cheap {
    struct centry *a;
    size_t n, cap;
};

static void cheap_sift_down(struct cheap *h, size_t i)
{
    struct centry x = h->a[i];
    for (;;) {
        size_t l = 2 * i + 1, m;
        if (l >= h->n)
            break;
        m = (l + 1 < h->n && h->a[l + 1].key < h->a[l].key) ? l + 1 : l;
        if (h->a[m].key >= x.key)
            break;
        h->a[i] = h->a[m];
        i = m;
    }
    h->a[i] = x;
}

static int cheap_push(struct cheap *h, struct centry x)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct centry *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p].key <= x.key)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = x;
    return 0;
}

static void cheap_pop(struct cheap *h)
{
    h->a[0] = h->a[--h->n];
    if (h->n)
        cheap_sift_down(h, 0);
}

/* ------------------------------------------------------------------------ */
/* The solver's state */

struct consumed {
    int cls;
    struct centry e;
};

/* A way into T: child e comes into place y, which has a free outlet, from
 * node u (e itself, or its class) by edge i. */
struct tcand {
    int y, e, u, i;
};

/* What a class changed, to undo it: a potential, an assignment. */
struct hlog {
    int v;
    double h;
};

struct alog {
    int c, y;
    double t;
};

/* The graph a run works on, built from the input and read-only after. */
struct sv_graph {
    int nc, nd, ncls;
    int nnodes; /* classes, children, places; generators and ways follow */

    /* Children, and their edges in CSR: child i's are eoff[i] .. eoff[i+1]-1,
     * sorted by place; the same edges by place in roff/rchild/rtime. */
    int64_t *need;
    int *cls, *life;
    int *eoff, *edst, *roff, *rchild;
    double *et, *rtime;
    int *corder; /* children by priority: class k is cstart[k]..cstart[k+1]-1 */
    int *cstart;
    int *outlets;
    int64_t *cap;
};

/* Who is where. */
struct sv_assign {
    int64_t *used, *mx; /* mx: largest need among those there */
    int *cnt, *head;
    int *asg, *nxt, *prv, *ver;
    double *asg_t;
    struct cheap *ch; /* per class: edges of its uncovered children */
};

/* The shortest-path searches.  Per node: classes [0,ncls), children
 * [ncls,ncls+nc), places. */
struct sv_search {
    double *h, *hh, *pot; /* potentials for travel, for moves; the one in use */
    struct nstate {
        double dist;         /* valid when seen == stamp */
        unsigned seen, done; /* stamps: reached, finished */
    } *ns;
    unsigned stamp;
    int *pchild, *pnode, *pedge; /* how a place was reached: who came in */
    unsigned char *dead;

    struct pq pq;
    int *popped;
    size_t npopped;
    struct consumed *used_e;
    size_t nused_e, capused_e;
    struct tcand *tc;
    size_t ntc, captc;
    double end_best; /* least distance of a way into T so far */
    struct tcand end;
};

/* The undo log of the class being placed one by one. */
struct sv_undo {
    int logging;
    unsigned lstamp, *hst, *ast; /* logged already, per node / child */
    struct hlog *lg_h;
    struct alog *lg_a;
    int *lg_dead;
    size_t nlg_h, nlg_a, nlg_dead;
    unsigned char *live0; /* per child: had a live edge when its class began */
    int saturated;        /* a class fell short: the rest go by class */
};

struct solver {
    struct sv_graph g;
    struct sv_assign at;
    struct sv_search sr;
    struct sv_undo un;

    int tainted, any_taint; /* a watts refusal: in this search, ever */
    int capped;             /* this search stopped on its cap */
    int degraded;           /* over budget */
    int twice_over;         /* over TWICE_OVER times the budget */
    int exhausted;          /* over EXHAUSTED times the budget */
    int cover_unsure;       /* a child left out by a capped search */
    int moves;              /* this search counts moves, not travel */
    double lambda;          /* travel's weight when counting moves */
    long work, since_update, since_moves, update_after, total_work, budget;
    struct geo_assign_stats *st;
};

static inline int cnode(const struct solver *s, int c) { return s->g.ncls + c; }
static inline int dnode(const struct solver *s, int y)
{
    return s->g.ncls + s->g.nc + y;
}

static void log_h(struct solver *s, int v)
{
    if (s->un.logging && s->sr.pot == s->sr.h && s->un.hst[v] != s->un.lstamp) {
        s->un.hst[v] = s->un.lstamp;
        s->un.lg_h[s->un.nlg_h].v = v;
        s->un.lg_h[s->un.nlg_h++].h = s->sr.h[v];
    }
}

static void log_asg(struct solver *s, int c)
{
    if (s->un.logging && s->un.ast[c] != s->un.lstamp) {
        s->un.ast[c] = s->un.lstamp;
        s->un.lg_a[s->un.nlg_a].c = c;
        s->un.lg_a[s->un.nlg_a].y = s->at.asg[c];
        s->un.lg_a[s->un.nlg_a++].t = s->at.asg_t[c];
    }
}

static void set_dead(struct solver *s, int v)
{
    if (!s->sr.dead[v]) {
        s->sr.dead[v] = 1;
        if (s->un.logging)
            s->un.lg_dead[s->un.nlg_dead++] = v;
    }
}

static void attach(struct solver *s, int c, int y, double t)
{
    log_asg(s, c);
    s->at.asg[c] = y;
    s->at.asg_t[c] = t;
    s->at.prv[c] = -1;
    s->at.nxt[c] = s->at.head[y];
    if (s->at.head[y] >= 0)
        s->at.prv[s->at.head[y]] = c;
    s->at.head[y] = c;
    s->at.cnt[y]++;
    s->at.used[y] += s->g.need[c];
    if (s->g.need[c] > s->at.mx[y])
        s->at.mx[y] = s->g.need[c];
}

static void detach(struct solver *s, int c)
{
    int y = s->at.asg[c];
    log_asg(s, c);
    if (s->at.prv[c] >= 0)
        s->at.nxt[s->at.prv[c]] = s->at.nxt[c];
    else
        s->at.head[y] = s->at.nxt[c];
    if (s->at.nxt[c] >= 0)
        s->at.prv[s->at.nxt[c]] = s->at.prv[c];
    s->at.asg[c] = -1;
    s->at.cnt[y]--;
    s->at.used[y] -= s->g.need[c];
    if (s->g.need[c] == s->at.mx[y]) {
        int64_t m = 0;
        for (int o = s->at.head[y]; o >= 0; o = s->at.nxt[o])
            if (s->g.need[o] > m)
                m = s->g.need[o];
        s->at.mx[y] = m;
    }
}

/* Travel of child c to place y, or -1 when there is no such edge. */
static double edge_travel(const struct solver *s, int c, int y)
{
    int lo = s->g.eoff[c], hi = s->g.eoff[c + 1];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->g.edst[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < s->g.eoff[c + 1] && s->g.edst[lo] == y) ? s->g.et[lo] : -1.0;
}

/* Gives class k the edges of its uncovered child c. */
static int push_edges(struct solver *s, int k, int c)
{
    for (int i = s->g.eoff[c]; i < s->g.eoff[c + 1]; i++) {
        int yn = dnode(s, s->g.edst[i]);
        if (s->sr.dead[yn])
            continue;
        struct centry x = { s->g.et[i] - s->sr.h[yn], c, i, s->at.ver[c] };
        if (cheap_push(&s->at.ch[k], x) < 0)
            return -1;
    }
    return 0;
}

/* The cheapest live edge class k can hand out (re-keyed), or NULL. */
static const struct centry *class_top(struct solver *s, int k)
{
    struct cheap *hp = &s->at.ch[k];
    while (hp->n) {
        struct centry *t = &hp->a[0];
        int yn = dnode(s, s->g.edst[t->edge]);
        if (s->at.asg[t->child] >= 0 || t->ver != s->at.ver[t->child] ||
            s->sr.dead[yn]) {
            cheap_pop(hp);
            continue;
        }
        double key = s->g.et[t->edge] - s->sr.h[yn];
        if (key > t->key) {
            t->key = key;
            cheap_sift_down(hp, 0);
            continue;
        }
        return t;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Shortest paths */

static void refuse(struct solver *s)
{
    s->tainted = 1;
    s->st->watts_refusals++;
}

static void new_stamp(struct solver *s)
{
    if (++s->sr.stamp == 0) {
        memset(s->sr.ns, 0, (size_t)s->g.nnodes * sizeof *s->sr.ns);
        s->sr.stamp = 1;
    }
    s->sr.pq.n = 0;
    s->sr.npopped = 0;
}

static int reach(struct solver *s, int v, double d)
{
    if (s->sr.ns[v].seen != s->sr.stamp) {
        s->sr.ns[v].seen = s->sr.stamp;
        s->sr.ns[v].dist = INFINITY;
    }
    if (s->sr.ns[v].done == s->sr.stamp || !(d < s->sr.ns[v].dist))
        return 0;
    s->sr.ns[v].dist = d;
    return 1;
}

/* A reduced cost: never below 0 (rounding, or stale potentials in a
 * heuristic run), and 0 when within rounding of it. */
static double reduced(double r)
{
    return r > REDUCED_EPS ? r : 0;
}

/* The cost of a child coming into a place by an edge of travel t, and of
 * one leaving the place it reached by travel t: travel; or, when counting
 * moves, one per child that comes in, with travel (scaled below one move)
 * choosing among paths of as many. */
static inline double cost_in(const struct solver *s, double t)
{
    return s->moves ? 1.0 + s->lambda * t : t;
}

static inline double cost_out(const struct solver *s, double t)
{
    return s->moves ? -s->lambda * t : -t;
}

static int push_end(struct solver *s, double d, struct tcand t)
{
    if (!(d < s->sr.end_best))
        return 0;
    s->sr.end_best = d;
    if (s->sr.ntc == s->sr.captc) {
        size_t cap = s->sr.captc ? s->sr.captc * 2 : 64;
        struct tcand *a = realloc(s->sr.tc, cap * sizeof *a);
        if (!a)
            return -1;
        s->sr.tc = a;
        s->sr.captc = cap;
    }
    s->sr.tc[s->sr.ntc] = t;
    return pq_push(&s->sr.pq, d, s->g.nnodes + s->g.ncls + (int)s->sr.ntc++);
}

/* Child e (from node u: itself, or its class) comes into place y by edge i,
 * at distance d. */
static int enter(struct solver *s, int y, int e, int u, int i, double d)
{
    int yn = dnode(s, y);
    if (s->sr.dead[yn])
        return 0;
    if (s->at.cnt[y] < s->g.outlets[y]) {
        if (s->at.used[y] + s->g.need[e] <= s->g.cap[y]) {
            /* Into T with this very child, whatever y's own label: a
             * lighter child may fit where y's cheapest one does not. */
            struct tcand t = { y, e, u, i };
            if (push_end(s, d + reduced(s->sr.pot[yn]), t) < 0)
                return -1;
        } else {
            refuse(s);
        }
    }
    /* Even letting the heaviest one out would not make room for e. */
    if (s->at.cnt[y] > 0 && s->at.used[y] - s->at.mx[y] + s->g.need[e] > s->g.cap[y]) {
        refuse(s);
        return 0;
    }
    if (reach(s, yn, d)) {
        s->sr.pchild[yn] = e;
        s->sr.pnode[yn] = u;
        s->sr.pedge[yn] = i;
        if (pq_push(&s->sr.pq, d, yn) < 0)
            return -1;
    }
    return 0;
}

static int push_generator(struct solver *s, int k)
{
    const struct centry *t = class_top(s, k);
    if (!t)
        return 0;
    return pq_push(&s->sr.pq, s->sr.ns[k].dist + reduced(t->key + s->sr.h[k]),
                   s->g.nnodes + k);
}

static int consume(struct solver *s, int k, struct centry e)
{
    if (s->sr.nused_e == s->sr.capused_e) {
        size_t cap = s->sr.capused_e ? s->sr.capused_e * 2 : 256;
        struct consumed *a = realloc(s->sr.used_e, cap * sizeof *a);
        if (!a)
            return -1;
        s->sr.used_e = a;
        s->sr.capused_e = cap;
    }
    s->sr.used_e[s->sr.nused_e].cls = k;
    s->sr.used_e[s->sr.nused_e].e = e;
    s->sr.nused_e++;
    return 0;
}

/* Edges handed out during a search go back to their class, re-keyed. */
static int restore_consumed(struct solver *s)
{
    for (size_t i = 0; i < s->sr.nused_e; i++) {
        struct centry x = s->sr.used_e[i].e;
        if (s->at.asg[x.child] >= 0 || x.ver != s->at.ver[x.child])
            continue;
        x.key = s->g.et[x.edge] - s->sr.h[dnode(s, s->g.edst[x.edge])];
        if (cheap_push(&s->at.ch[s->sr.used_e[i].cls], x) < 0)
            return -1;
    }
    s->sr.nused_e = 0;
    return 0;
}

/* A way into T may end a path that passed its place y once already, where
 * y's own incoming child replaced one that left: then y takes both incoming
 * children and must still be within its watts. */
static int path_fits(const struct solver *s, const struct tcand *t)
{
    int e = t->e;
    while (s->at.asg[e] >= 0) {
        int x = s->at.asg[e], xn = dnode(s, x);
        if (x == t->y)
            return s->at.used[x] + s->g.need[t->e] + s->g.need[s->sr.pchild[xn]] -
                       s->g.need[e] <= s->g.cap[x];
        e = s->sr.pchild[xn];
    }
    return 1;
}

/* How much the search under way may look at. */
static long search_cap(const struct solver *s)
{
    if (s->exhausted)
        return EXHAUSTED_CAP;
    if (s->tainted || (s->degraded && !s->moves))
        return HEURISTIC_CAP;
    return LONG_MAX;
}

static void count_work(struct solver *s, long work)
{
    s->st->scans += work;
    s->total_work += work;
    if (s->total_work > s->budget)
        s->degraded = 1;
    if (s->total_work / TWICE_OVER > s->budget)
        s->twice_over = 1;
    if (s->total_work / EXHAUSTED > s->budget)
        s->exhausted = 1;
}

/* The shortest path to T from node src (a class, or an uncovered child),
 * at distance 0, by the potentials s->sr.pot and the cost cost_in/cost_out.
 * Returns 1 found (its reduced length in *dt, its last step in s->sr.end),
 * 0 none, -1 out of memory. */
static int search(struct solver *s, int src, double *dt)
{
    new_stamp(s);
    s->sr.nused_e = 0;
    s->sr.ntc = 0;
    s->sr.end_best = INFINITY;
    s->tainted = 0;
    s->capped = 0;
    s->work = 0;
    s->st->searches++;
    reach(s, src, 0);
    if (pq_push(&s->sr.pq, 0, src) < 0)
        return -1;

    int found = 0;
    while (s->sr.pq.n) {
        struct pq_item it = pq_pop(&s->sr.pq);
        int v = it.node;
        if (v >= s->g.nnodes + s->g.ncls) { /* a way into T */
            const struct tcand *t = &s->sr.tc[v - s->g.nnodes - s->g.ncls];
            if (!path_fits(s, t)) {
                refuse(s);
                s->sr.end_best = INFINITY;
                continue;
            }
            s->sr.end = *t;
            *dt = it.key;
            found = 1;
            break;
        }
        if (v >= s->g.nnodes) { /* a class hands out its next edge */
            int k = v - s->g.nnodes;
            const struct centry *t = class_top(s, k);
            if (!t)
                continue;
            struct centry x = *t;
            cheap_pop(&s->at.ch[k]);
            if (consume(s, k, x) < 0)
                return -1;
            s->work++;
            double d = s->sr.ns[k].dist + reduced(x.key + s->sr.h[k]);
            if (enter(s, s->g.edst[x.edge], x.child, k, x.edge, d) < 0 ||
                push_generator(s, k) < 0)
                return -1;
            continue;
        }
        if (s->sr.ns[v].done == s->sr.stamp || it.key > s->sr.ns[v].dist)
            continue;
        s->sr.ns[v].done = s->sr.stamp;
        s->sr.popped[s->sr.npopped++] = v;
        if (s->work > search_cap(s)) {
            s->st->capped_searches++;
            s->capped = 1;
            break;
        }
        double d = it.key;
        if (v < s->g.ncls) {
            if (push_generator(s, v) < 0)
                return -1;
        } else if (v < s->g.ncls + s->g.nc) { /* a child comes in or moves */
            int c = v - s->g.ncls;
            for (int i = s->g.eoff[c]; i < s->g.eoff[c + 1]; i++) {
                int y = s->g.edst[i];
                if (y == s->at.asg[c])
                    continue;
                s->work++;
                double r = reduced(cost_in(s, s->g.et[i]) + s->sr.pot[v] -
                                   s->sr.pot[dnode(s, y)]);
                if (enter(s, y, c, v, i, d + r) < 0)
                    return -1;
            }
        } else { /* a place makes room for its incoming child */
            int y = v - s->g.ncls - s->g.nc, e = s->sr.pchild[v];
            for (int o = s->at.head[y]; o >= 0; o = s->at.nxt[o]) {
                int on = cnode(s, o);
                s->work++;
                if (s->sr.dead[on])
                    continue;
                if (s->at.used[y] - s->g.need[o] + s->g.need[e] > s->g.cap[y]) {
                    refuse(s);
                    continue;
                }
                double r = reduced(s->sr.pot[v] + cost_out(s, s->at.asg_t[o]) -
                                   s->sr.pot[on]);
                if (reach(s, on, d + r) &&
                    pq_push(&s->sr.pq, s->sr.ns[on].dist, on) < 0)
                    return -1;
            }
        }
    }
    if (s->tainted)
        s->any_taint = 1;
    if (s->moves)
        s->since_moves += s->work;
    else
        s->since_update += s->work;
    count_work(s, s->work);
    return found;
}

/* Marks dead all that a failed search reached, if the failure proves that
 * nothing there can reach a free outlet (no watts refusal, no cap): then
 * no later path passes through it, so it never changes. */
static void bury(struct solver *s)
{
    if (s->tainted || s->capped)
        return;
    for (size_t i = 0; i < s->sr.npopped; i++)
        set_dead(s, s->sr.popped[i]);
}

/* Uses the path search() found.  Potentials first: each node reached
 * before T moves by its slack, which keeps every reduced cost >= 0 and
 * makes the path's own edges tight (a search counting moves leaves them). */
static void augment(struct solver *s, double dt)
{
    for (size_t i = 0; i < s->sr.npopped && !s->moves; i++) {
        int v = s->sr.popped[i];
        if (s->sr.ns[v].dist < dt) {
            log_h(s, v);
            s->sr.h[v] -= dt - s->sr.ns[v].dist;
        }
    }
    int y = s->sr.end.y, e = s->sr.end.e, u = s->sr.end.u, i = s->sr.end.i;
    for (;;) {
        int x = s->at.asg[e];
        if (x < 0) { /* e comes in: the path's start */
            attach(s, e, y, s->g.et[i]);
            if (u < s->g.ncls) {
                log_h(s, cnode(s, e));
                s->sr.h[cnode(s, e)] = s->sr.h[u];
            }
            break;
        }
        detach(s, e);
        attach(s, e, y, s->g.et[i]);
        int xn = dnode(s, x);
        y = x;
        e = s->sr.pchild[xn];
        u = s->sr.pnode[xn];
        i = s->sr.pedge[xn];
    }
    s->st->augmentations++;
}

/* Makes every potential minus the node's exact distance to T, by one search
 * backwards over the whole live graph from the free outlets: then reduced
 * costs along every shortest path are 0, and a search goes straight down
 * one.  Searches move only what they reach, so potentials drift from exact
 * as places fill and searches widen; one of these, after as much work as
 * it costs, sets them right.  It also finds every node that can no longer
 * reach a free outlet even ignoring watts: dead for good.  Potentials only
 * fall.  Returns 0, or -1 out of memory. */
static int global_update(struct solver *s)
{
    new_stamp(s);
    s->st->updates++;
    for (int y = 0; y < s->g.nd; y++) {
        int yn = dnode(s, y);
        if (!s->sr.dead[yn] && s->at.cnt[y] < s->g.outlets[y] &&
            reach(s, yn, reduced(s->sr.pot[yn])) &&
            pq_push(&s->sr.pq, s->sr.ns[yn].dist, yn) < 0)
            return -1;
    }
    long work = 0;
    while (s->sr.pq.n) {
        struct pq_item it = pq_pop(&s->sr.pq);
        int v = it.node;
        if (s->sr.ns[v].done == s->sr.stamp || it.key > s->sr.ns[v].dist)
            continue;
        s->sr.ns[v].done = s->sr.stamp;
        s->sr.popped[s->sr.npopped++] = v;
        if (v >= s->g.ncls + s->g.nc) { /* who could come into y */
            int y = v - s->g.ncls - s->g.nc;
            for (int j = s->g.roff[y]; j < s->g.roff[y + 1]; j++) {
                int c = s->g.rchild[j], cn = cnode(s, c);
                work++;
                if (s->at.asg[c] < 0 || s->at.asg[c] == y || s->sr.dead[cn])
                    continue;
                if (reach(s, cn, it.key + reduced(cost_in(s, s->g.rtime[j]) +
                                                  s->sr.pot[cn] - s->sr.pot[v])) &&
                    pq_push(&s->sr.pq, s->sr.ns[cn].dist, cn) < 0)
                    return -1;
            }
        } else { /* the place v's child would leave */
            int c = v - s->g.ncls, xn = dnode(s, s->at.asg[c]);
            work++;
            if (!s->sr.dead[xn] &&
                reach(s, xn, it.key + reduced(s->sr.pot[xn] +
                                              cost_out(s, s->at.asg_t[c]) -
                                              s->sr.pot[v])) &&
                pq_push(&s->sr.pq, s->sr.ns[xn].dist, xn) < 0)
                return -1;
        }
    }
    for (size_t i = 0; i < s->sr.npopped; i++) {
        log_h(s, s->sr.popped[i]);
        s->sr.pot[s->sr.popped[i]] -= s->sr.ns[s->sr.popped[i]].dist;
    }
    for (int v = s->g.ncls; v < s->g.nnodes; v++)
        if (s->sr.ns[v].done != s->sr.stamp &&
            (v >= s->g.ncls + s->g.nc || s->at.asg[v - s->g.ncls] >= 0))
            set_dead(s, v);
    count_work(s, work);
    if (s->moves)
        s->since_moves = 0;
    else
        s->since_update = 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Placing */

/* Child c's potential such that every reduced cost out of it is >= 0 and
 * the least is 0.  Returns that edge, or -1 when all its places are dead. */
static int source_potential(struct solver *s, int c)
{
    int best = -1;
    double hc = -INFINITY;
    for (int i = s->g.eoff[c]; i < s->g.eoff[c + 1]; i++) {
        int yn = dnode(s, s->g.edst[i]);
        double v = s->sr.pot[yn] - cost_in(s, s->g.et[i]);
        if (!s->sr.dead[yn] && v > hc) {
            hc = v;
            best = i;
        }
    }
    log_h(s, cnode(s, c));
    s->sr.pot[cnode(s, c)] = hc;
    return best;
}

/* Places child c (uncovered) on its own by its shortest path: directly
 * when its cheapest edge leads to a free outlet.  Over budget the search is
 * capped and, if that stops it, the path of fewest moves is taken, found
 * with potentials of its own.  Returns 1 placed, 0 not, -1 out of memory. */
static int place_one(struct solver *s, int c)
{
    int cn = cnode(s, c), f = 0;
    double dt;
    if (!s->exhausted && s->since_update > s->update_after &&
        global_update(s) < 0)
        return -1;
    if (s->sr.dead[cn])
        return 0;
    int best = source_potential(s, c);
    if (best < 0)
        return 0;
    int y = s->g.edst[best];
    if (s->at.cnt[y] < s->g.outlets[y] && s->at.used[y] + s->g.need[c] <= s->g.cap[y] &&
        s->sr.h[dnode(s, y)] == 0) {
        /* A free place at reduced cost 0, and T's potential is 0 too: no
         * path is shorter, and no potential moves (c's own is tight on its
         * new edge back).  Without watts refusals a free place's potential
         * stays 0: reached before T, it would have been T's way in. */
        attach(s, c, y, s->g.et[best]);
        s->st->augmentations++;
        return 1;
    }
    int searched = 0; /* the last search was this child's, and ran */
    if (!s->twice_over) {
        f = search(s, cn, &dt);
        searched = 1;
    }
    if (s->twice_over || (f == 0 && s->capped)) {
        int tainted = s->twice_over ? 0 : s->tainted;
        s->moves = 1;
        s->sr.pot = s->sr.hh;
        searched = 0;
        if (!s->exhausted && s->since_moves > s->update_after &&
            global_update(s) < 0) {
            f = -1;
        } else if (!s->sr.dead[cn] && source_potential(s, c) >= 0) {
            f = search(s, cn, &dt);
            searched = 1;
            if (f == 0 && s->capped && !s->tainted)
                s->cover_unsure = 1;
        }
        s->tainted |= tainted;
    }
    if (f > 0)
        augment(s, dt);
    if (f == 0 && searched)
        bury(s);
    s->moves = 0;
    s->sr.pot = s->sr.h;
    return f;
}

/* Undoes what the class being placed one by one changed. */
static void rollback(struct solver *s)
{
    s->un.logging = 0;
    for (size_t i = 0; i < s->un.nlg_a; i++)
        if (s->at.asg[s->un.lg_a[i].c] >= 0)
            detach(s, s->un.lg_a[i].c);
    for (size_t i = 0; i < s->un.nlg_a; i++)
        if (s->un.lg_a[i].y >= 0)
            attach(s, s->un.lg_a[i].c, s->un.lg_a[i].y, s->un.lg_a[i].t);
    for (size_t i = s->un.nlg_h; i-- > 0;)
        s->sr.h[s->un.lg_h[i].v] = s->un.lg_h[i].h;
    for (size_t i = 0; i < s->un.nlg_dead; i++)
        s->sr.dead[s->un.lg_dead[i]] = 0;
}

/* Places class k one child at a time, nearest first.  Each takes its own
 * shortest path, which keeps the travel least for the children covered
 * so far; if all of the class that could be covered at the start are,
 * that is the class's best.  If one is left out, which ones to cover was
 * a real choice that the order made blindly: everything is undone.
 * Returns 1 placed (or the budget ran out), 0 undone, -1 out of memory. */
static int place_each(struct solver *s, int k)
{
    if (++s->un.lstamp == 0) {
        memset(s->un.hst, 0, (size_t)s->g.nnodes * sizeof *s->un.hst);
        memset(s->un.ast, 0, (size_t)s->g.nc * sizeof *s->un.ast);
        s->un.lstamp = 1;
    }
    s->un.nlg_h = s->un.nlg_a = s->un.nlg_dead = 0;
    for (int r = s->g.cstart[k]; r < s->g.cstart[k + 1]; r++) {
        int c = s->g.corder[r];
        s->un.live0[c] = 0;
        for (int i = s->g.eoff[c]; i < s->g.eoff[c + 1] && !s->un.live0[c]; i++)
            s->un.live0[c] = !s->sr.dead[dnode(s, s->g.edst[i])];
    }
    s->un.logging = 1;
    for (int r = s->g.cstart[k]; r < s->g.cstart[k + 1] && !s->degraded; r++) {
        int c = s->g.corder[r];
        if (!s->un.live0[c])
            continue;
        int f = place_one(s, c);
        if (f < 0) {
            s->un.logging = 0;
            return -1;
        }
        if (f == 0) {
            s->st->undone++;
            rollback(s);
            return 0;
        }
    }
    s->un.logging = 0;
    return 1;
}

/* Places class k.  Until a class first falls short, one child at a time
 * (cheap while places are plenty); from then on, and for the class that
 * fell short, as a whole: while some of its uncovered children can be
 * covered, the one whose path is cheapest, by that path.  Its cheapest
 * edge, handed out by the class node, is taken without a search when it
 * leads to a free outlet at reduced cost 0, for every other path starts no
 * cheaper.  Over budget, or when watts refused a move, the rest go one by
 * one, cheapest edge first.  Returns 0, or -1 out of memory. */
static int place_class(struct solver *s, int k)
{
    if (!s->un.saturated && !s->degraded) {
        int r = place_each(s, k);
        if (r < 0)
            return -1;
        if (r > 0 && !s->degraded)
            return 0;
        s->un.saturated = r == 0;
    }
    for (int r = s->g.cstart[k]; r < s->g.cstart[k + 1]; r++)
        if (s->at.asg[s->g.corder[r]] < 0 && push_edges(s, k, s->g.corder[r]) < 0)
            return -1;
    while (!s->degraded) {
        if (!s->exhausted && s->since_update > s->update_after &&
            global_update(s) < 0)
            return -1;
        const struct centry *t = class_top(s, k);
        if (!t)
            return 0;
        int y = s->g.edst[t->edge], c = t->child, i = t->edge;
        if (s->at.cnt[y] < s->g.outlets[y] && s->at.used[y] + s->g.need[c] <= s->g.cap[y] &&
            s->sr.h[dnode(s, y)] == 0) {
            double key = t->key;
            cheap_pop(&s->at.ch[k]);
            attach(s, c, y, s->g.et[i]);
            s->sr.h[cnode(s, c)] = -key;
            s->st->augmentations++;
            continue;
        }
        double dt;
        s->sr.h[k] = -t->key;
        int f = search(s, k, &dt);
        if (f < 0)
            return -1;
        if (f > 0)
            augment(s, dt);
        if (restore_consumed(s) < 0)
            return -1;
        if (f == 0 && !s->tainted && !s->capped) {
            bury(s); /* none of the class can be covered any more */
            return 0;
        }
        if (f == 0)
            break; /* watts refused: maybe not for each on its own */
    }
    for (;;) {
        const struct centry *t = class_top(s, k);
        if (!t)
            return 0;
        int c = t->child;
        s->at.ver[c]++; /* tried once, whatever comes of it */
        if (place_one(s, c) < 0)
            return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* After a heuristic run: shorten travel locally. */

static int fits_swap(const struct solver *s, int y, int out, int in)
{
    return s->at.used[y] - s->g.need[out] + s->g.need[in] <= s->g.cap[y];
}

/* One round of moves to a free place, pairwise swaps, and replacements of a
 * covered child by a nearer left-out one of the same class (which keeps
 * (a)-(c) as they are), each shortening total travel and keeping watts.
 * Returns how many changes were made. */
static long improve_round(struct solver *s)
{
    long n = 0;
    for (int c = 0; c < s->g.nc; c++) {
        if (s->at.asg[c] < 0)
            continue;
        for (int i = s->g.eoff[c]; i < s->g.eoff[c + 1]; i++) {
            int x = s->at.asg[c], y = s->g.edst[i];
            double gain = s->at.asg_t[c] - s->g.et[i];
            if (y == x || gain <= TRAVEL_EPS)
                continue;
            if (s->at.cnt[y] < s->g.outlets[y] &&
                s->at.used[y] + s->g.need[c] <= s->g.cap[y]) {
                detach(s, c);
                attach(s, c, y, s->g.et[i]);
                n++;
                continue;
            }
            for (int o = s->at.head[y]; o >= 0; o = s->at.nxt[o]) {
                double back = edge_travel(s, o, x);
                if (back < 0 || gain + s->at.asg_t[o] - back <= TRAVEL_EPS ||
                    !fits_swap(s, y, o, c) || !fits_swap(s, x, c, o))
                    continue;
                detach(s, c);
                detach(s, o);
                attach(s, c, y, s->g.et[i]);
                attach(s, o, x, back);
                n++;
                break;
            }
        }
    }
    for (int y = 0; y < s->g.nd; y++) {
        for (int c = s->at.head[y]; c >= 0;) {
            int next = s->at.nxt[c], best = -1;
            double bt = s->at.asg_t[c] - TRAVEL_EPS;
            for (int j = s->g.roff[y]; j < s->g.roff[y + 1]; j++) {
                int o = s->g.rchild[j];
                if (s->at.asg[o] < 0 && s->g.cls[o] == s->g.cls[c] &&
                    s->g.rtime[j] < bt && fits_swap(s, y, c, o)) {
                    best = j;
                    bt = s->g.rtime[j];
                }
            }
            if (best >= 0) {
                detach(s, c);
                attach(s, s->g.rchild[best], y, s->g.rtime[best]);
                n++;
            }
            c = next;
        }
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Input */

struct ckey {
    int life;
    double runtime, nearest;
    int idx;
};

static int ckey_cmp(const void *pa, const void *pb)
{
    const struct ckey *a = pa, *b = pb;
    if (a->life != b->life)
        return a->life ? -1 : 1;
    if (a->runtime != b->runtime)
        return a->runtime < b->runtime ? -1 : 1;
    if (a->nearest != b->nearest)
        return a->nearest < b->nearest ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

struct pair {
    int dest;
    double t;
};

static int pair_cmp(const void *pa, const void *pb)
{
    const struct pair *a = pa, *b = pb;
    if (a->dest != b->dest)
        return (a->dest > b->dest) - (a->dest < b->dest);
    return (a->t > b->t) - (a->t < b->t);
}

static int64_t to_mw(double w, int round_up)
{
    double mw = w * MW_PER_W;
    if (!(mw < (double)MW_LIMIT))
        return MW_LIMIT;
    return (int64_t)(round_up ? ceil(mw - MW_SLACK) : floor(mw + MW_SLACK));
}

long long geo_assign_mw(double w, int round_up)
{
    return to_mw(w, round_up);
}

int geo_assign_valid(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne, const int *out)
{
    if (nc < 0 || nd < 0 || ne < 0 || nc > INT_MAX / 4 || nd > INT_MAX / 4 ||
        (nc && (!c || !out)) || (nd && !d) || (ne && !e))
        return 0;
    for (int i = 0; i < nc; i++)
        if (!(c[i].need_w >= 0) || isinf(c[i].need_w) ||
            isnan(c[i].runtime_h))
            return 0;
    for (int i = 0; i < nd; i++)
        if (d[i].outlets < 0 || !(d[i].watts >= 0))
            return 0;
    for (int i = 0; i < ne; i++)
        if (e[i].child < 0 || e[i].child >= nc || e[i].dest < 0 ||
            e[i].dest >= nd || !(e[i].travel_h >= 0) || isinf(e[i].travel_h))
            return 0;
    return 1;
}

#define ALLOC(p, n)                                                        \
    do {                                                                   \
        (p) = calloc((size_t)(n) + 1, sizeof *(p));                        \
        if (!(p))                                                          \
            return GEO_ASSIGN_ENOMEM;                                      \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Build, run, release */

/* The edges of the input by child, sorted by place, a repeated pair kept
 * once; an edge that could never be used (no outlets, or the child alone is
 * over the watts) is dropped here.  Then the same edges by place. */
static int build_edges(struct sv_graph *g, const struct geo_assign_edge *e, int ne,
                       int *fill, struct pair *pairs)
{
    int nc = g->nc, nd = g->nd, w = 0;

    for (int i = 0; i < ne; i++)
        if (g->outlets[e[i].dest] > 0 && g->need[e[i].child] <= g->cap[e[i].dest])
            g->eoff[e[i].child + 1]++;
    for (int i = 0; i < nc; i++)
        g->eoff[i + 1] += g->eoff[i];
    memcpy(fill, g->eoff, (size_t)(nc + 1) * sizeof *fill);
    for (int i = 0; i < ne; i++)
        if (g->outlets[e[i].dest] > 0 && g->need[e[i].child] <= g->cap[e[i].dest]) {
            struct pair p = { e[i].dest, e[i].travel_h };
            pairs[fill[e[i].child]++] = p;
        }
    ALLOC(g->edst, g->eoff[nc]);
    ALLOC(g->et, g->eoff[nc]);
    for (int i = 0; i < nc; i++) {
        int lo = g->eoff[i], hi = g->eoff[i + 1];
        if (hi - lo > 1)
            qsort(pairs + lo, (size_t)(hi - lo), sizeof *pairs, pair_cmp);
        g->eoff[i] = w;
        for (int j = lo; j < hi; j++) {
            if (j > lo && pairs[j].dest == pairs[j - 1].dest)
                continue;
            g->edst[w] = pairs[j].dest;
            g->et[w] = pairs[j].t;
            w++;
        }
    }
    g->eoff[nc] = w;

    ALLOC(g->roff, nd + 1);
    ALLOC(g->rchild, g->eoff[nc]);
    ALLOC(g->rtime, g->eoff[nc]);
    for (int i = 0; i < g->eoff[nc]; i++)
        g->roff[g->edst[i] + 1]++;
    for (int y = 0; y < nd; y++)
        g->roff[y + 1] += g->roff[y];
    memcpy(fill, g->roff, (size_t)nd * sizeof *fill);
    for (int i = 0; i < nc; i++)
        for (int j = g->eoff[i]; j < g->eoff[i + 1]; j++) {
            g->rchild[fill[g->edst[j]]] = i;
            g->rtime[fill[g->edst[j]]++] = g->et[j];
        }
    return GEO_ASSIGN_OK;
}

/* Priority classes: life first, then shorter runtime; within a class the
 * nearest first (it only orders the children placed one by one). */
static int build_classes(struct sv_graph *g, const struct geo_assign_child *c, struct ckey *keys)
{
    int nc = g->nc;

    ALLOC(g->corder, nc);
    ALLOC(g->cstart, nc + 1);
    ALLOC(g->cls, nc);
    for (int i = 0; i < nc; i++) {
        keys[i].life = g->life[i];
        keys[i].runtime = c[i].runtime_h;
        keys[i].nearest = INFINITY;
        for (int j = g->eoff[i]; j < g->eoff[i + 1]; j++)
            if (g->et[j] < keys[i].nearest)
                keys[i].nearest = g->et[j];
        keys[i].idx = i;
    }
    if (nc > 1)
        qsort(keys, (size_t)nc, sizeof *keys, ckey_cmp);
    for (int r = 0; r < nc; r++) {
        if (r == 0 || keys[r].life != keys[r - 1].life || keys[r].runtime != keys[r - 1].runtime)
            g->cstart[g->ncls++] = r;
        g->corder[r] = keys[r].idx;
        g->cls[keys[r].idx] = g->ncls - 1;
    }
    g->cstart[g->ncls] = nc;
    g->nnodes = g->ncls + nc + g->nd;
    return GEO_ASSIGN_OK;
}

/* The graph: watts in milliwatts, edges, classes. */
static int build_graph(struct sv_graph *g, const struct geo_assign_child *c, int nc,
                       const struct geo_assign_dest *d, int nd, const struct geo_assign_edge *e,
                       int ne)
{
    struct ckey *keys = NULL;
    struct pair *pairs = NULL;
    int *fill = NULL, rc = GEO_ASSIGN_ENOMEM;

    g->nc = nc;
    g->nd = nd;
    ALLOC(g->need, nc);
    ALLOC(g->life, nc);
    ALLOC(g->outlets, nd);
    ALLOC(g->cap, nd);
    for (int i = 0; i < nc; i++) {
        g->need[i] = to_mw(c[i].need_w, 1);
        g->life[i] = c[i].life != 0;
    }
    for (int i = 0; i < nd; i++) {
        g->outlets[i] = d[i].outlets;
        g->cap[i] = to_mw(d[i].watts, 0);
    }
    ALLOC(g->eoff, nc + 1);
    fill = calloc((size_t)(nc > nd ? nc : nd) + 2, sizeof *fill);
    pairs = calloc((size_t)ne + 1, sizeof *pairs);
    keys = calloc((size_t)nc + 1, sizeof *keys);
    if (fill && pairs && keys && build_edges(g, e, ne, fill, pairs) == GEO_ASSIGN_OK)
        rc = build_classes(g, c, keys);
    free(keys);
    free(pairs);
    free(fill);
    return rc;
}

/* The assignment and search state for graph g, empty. */
static int build_state(struct solver *s, const struct geo_assign_opts *opts)
{
    const struct sv_graph *g = &s->g;
    int nc = g->nc, nd = g->nd, nn = g->nnodes;
    double tmax = 0;

    ALLOC(s->at.used, nd);
    ALLOC(s->at.mx, nd);
    ALLOC(s->at.cnt, nd);
    ALLOC(s->at.head, nd);
    ALLOC(s->at.asg, nc);
    ALLOC(s->at.asg_t, nc);
    ALLOC(s->at.nxt, nc);
    ALLOC(s->at.prv, nc);
    ALLOC(s->at.ver, nc);
    ALLOC(s->at.ch, g->ncls);
    ALLOC(s->sr.h, nn);
    ALLOC(s->sr.hh, nn);
    ALLOC(s->sr.ns, nn);
    ALLOC(s->sr.pchild, nn);
    ALLOC(s->sr.pnode, nn);
    ALLOC(s->sr.pedge, nn);
    ALLOC(s->sr.dead, nn);
    ALLOC(s->sr.popped, nn);
    ALLOC(s->un.hst, nn);
    ALLOC(s->un.ast, nc);
    ALLOC(s->un.lg_h, nn);
    ALLOC(s->un.lg_a, nc);
    ALLOC(s->un.lg_dead, nn);
    ALLOC(s->un.live0, nc);
    for (int i = 0; i < nd; i++)
        s->at.head[i] = -1;
    for (int i = 0; i < nc; i++)
        s->at.asg[i] = -1;
    s->sr.pot = s->sr.h;
    s->update_after = (long)g->eoff[nc] + nd;
    s->since_moves = s->update_after + 1;
    s->budget = EXACT_BUDGET * ((long)g->eoff[nc] + nc + nd);
    if (opts && opts->work_budget)
        s->budget = opts->work_budget < 0 ? LONG_MAX : opts->work_budget;
    for (int i = 0; i < g->eoff[nc]; i++)
        if (g->et[i] > tmax)
            tmax = g->et[i];
    s->lambda = 0.5 / (1.0 + tmax);
    return GEO_ASSIGN_OK;
}

/* Places every class, improves travel when heuristic, and writes out[]. */
static int run(struct solver *s, int *out)
{
    struct geo_assign_stats *st = s->st;

    st->classes = s->g.ncls;
    for (int k = 0; k < s->g.ncls; k++)
        if (place_class(s, k) < 0)
            return GEO_ASSIGN_ENOMEM;
    if (s->any_taint || s->degraded)
        for (int r = 0; r < IMPROVE_ROUNDS; r++) {
            long n = improve_round(s);
            st->improvements += n;
            if (!n)
                break;
        }
    for (int i = 0; i < s->g.nc; i++) {
        out[i] = s->at.asg[i];
        if (s->at.asg[i] >= 0) {
            st->covered++;
            st->covered_life += s->g.life[i];
            st->travel_h += s->at.asg_t[i];
        }
    }
    st->exact_cover = !s->any_taint && !s->cover_unsure;
    st->exact = !s->any_taint && !s->degraded;
    return GEO_ASSIGN_OK;
}

static void release(struct solver *s)
{
    void *all[] = { s->g.need, s->g.cls, s->g.life, s->g.eoff, s->g.edst, s->g.roff,
                    s->g.rchild, s->g.et, s->g.rtime, s->g.corder, s->g.cstart, s->g.outlets,
                    s->g.cap, s->at.used, s->at.mx, s->at.cnt, s->at.head, s->at.asg,
                    s->at.nxt, s->at.prv, s->at.ver, s->at.asg_t, s->sr.h, s->sr.hh,
                    s->sr.ns, s->sr.pchild, s->sr.pnode, s->sr.pedge, s->sr.dead,
                    s->sr.pq.a, s->sr.popped, s->sr.used_e, s->sr.tc, s->un.hst, s->un.ast,
                    s->un.lg_h, s->un.lg_a, s->un.lg_dead, s->un.live0 };

    if (s->at.ch)
        for (int k = 0; k < s->g.ncls; k++)
            free(s->at.ch[k].a);
    free(s->at.ch);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    memset(s, 0, sizeof *s);
}

int geo_assign_solve(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne,
                     const struct geo_assign_opts *opts, int *out,
                     struct geo_assign_stats *st)
{
    struct geo_assign_stats scratch;
    struct solver s;
    int rc = GEO_ASSIGN_EINVAL;

    memset(&s, 0, sizeof s);
    if (!st)
        st = &scratch;
    memset(st, 0, sizeof *st);
    s.st = st;
    if (geo_assign_valid(c, nc, d, nd, e, ne, out)) {
        rc = build_graph(&s.g, c, nc, d, nd, e, ne);
        if (rc == GEO_ASSIGN_OK)
            rc = build_state(&s, opts);
        if (rc == GEO_ASSIGN_OK)
            rc = run(&s, out);
    }
    release(&s);
    return rc;
}

const char *geo_assign_strerror(int rc)
{
    switch (rc) {
    case GEO_ASSIGN_OK:
        return "success";
    case GEO_ASSIGN_ENOMEM:
        return "out of memory";
    case GEO_ASSIGN_EINVAL:
        return "invalid assignment input";
    }
    return "unknown assignment error";
}
