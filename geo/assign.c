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

struct solver {
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

    /* Places, and who is where. */
    int *outlets;
    int64_t *cap, *used, *mx; /* mx: largest need among those there */
    int *cnt, *head;
    int *asg, *nxt, *prv, *ver;
    double *asg_t;

    struct cheap *ch; /* per class: edges of its uncovered children */

    /* Per node: classes [0,ncls), children [ncls,ncls+nc), places. */
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

    /* The undo log of the class being placed one by one. */
    int logging;
    unsigned lstamp, *hst, *ast; /* logged already, per node / child */
    struct hlog *lg_h;
    struct alog *lg_a;
    int *lg_dead;
    size_t nlg_h, nlg_a, nlg_dead;
    unsigned char *live0; /* per child: had a live edge when its class began */
    int saturated;        /* a class fell short: the rest go by class */

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

static inline int cnode(const struct solver *s, int c) { return s->ncls + c; }
static inline int dnode(const struct solver *s, int y)
{
    return s->ncls + s->nc + y;
}

static void log_h(struct solver *s, int v)
{
    if (s->logging && s->pot == s->h && s->hst[v] != s->lstamp) {
        s->hst[v] = s->lstamp;
        s->lg_h[s->nlg_h].v = v;
        s->lg_h[s->nlg_h++].h = s->h[v];
    }
}

static void log_asg(struct solver *s, int c)
{
    if (s->logging && s->ast[c] != s->lstamp) {
        s->ast[c] = s->lstamp;
        s->lg_a[s->nlg_a].c = c;
        s->lg_a[s->nlg_a].y = s->asg[c];
        s->lg_a[s->nlg_a++].t = s->asg_t[c];
    }
}

static void set_dead(struct solver *s, int v)
{
    if (!s->dead[v]) {
        s->dead[v] = 1;
        if (s->logging)
            s->lg_dead[s->nlg_dead++] = v;
    }
}

static void attach(struct solver *s, int c, int y, double t)
{
    log_asg(s, c);
    s->asg[c] = y;
    s->asg_t[c] = t;
    s->prv[c] = -1;
    s->nxt[c] = s->head[y];
    if (s->head[y] >= 0)
        s->prv[s->head[y]] = c;
    s->head[y] = c;
    s->cnt[y]++;
    s->used[y] += s->need[c];
    if (s->need[c] > s->mx[y])
        s->mx[y] = s->need[c];
}

static void detach(struct solver *s, int c)
{
    int y = s->asg[c];
    log_asg(s, c);
    if (s->prv[c] >= 0)
        s->nxt[s->prv[c]] = s->nxt[c];
    else
        s->head[y] = s->nxt[c];
    if (s->nxt[c] >= 0)
        s->prv[s->nxt[c]] = s->prv[c];
    s->asg[c] = -1;
    s->cnt[y]--;
    s->used[y] -= s->need[c];
    if (s->need[c] == s->mx[y]) {
        int64_t m = 0;
        for (int o = s->head[y]; o >= 0; o = s->nxt[o])
            if (s->need[o] > m)
                m = s->need[o];
        s->mx[y] = m;
    }
}

/* Travel of child c to place y, or -1 when there is no such edge. */
static double edge_travel(const struct solver *s, int c, int y)
{
    int lo = s->eoff[c], hi = s->eoff[c + 1];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->edst[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < s->eoff[c + 1] && s->edst[lo] == y) ? s->et[lo] : -1.0;
}

/* Gives class k the edges of its uncovered child c. */
static int push_edges(struct solver *s, int k, int c)
{
    for (int i = s->eoff[c]; i < s->eoff[c + 1]; i++) {
        int yn = dnode(s, s->edst[i]);
        if (s->dead[yn])
            continue;
        struct centry x = { s->et[i] - s->h[yn], c, i, s->ver[c] };
        if (cheap_push(&s->ch[k], x) < 0)
            return -1;
    }
    return 0;
}

/* The cheapest live edge class k can hand out (re-keyed), or NULL. */
static const struct centry *class_top(struct solver *s, int k)
{
    struct cheap *hp = &s->ch[k];
    while (hp->n) {
        struct centry *t = &hp->a[0];
        int yn = dnode(s, s->edst[t->edge]);
        if (s->asg[t->child] >= 0 || t->ver != s->ver[t->child] ||
            s->dead[yn]) {
            cheap_pop(hp);
            continue;
        }
        double key = s->et[t->edge] - s->h[yn];
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
    if (++s->stamp == 0) {
        memset(s->ns, 0, (size_t)s->nnodes * sizeof *s->ns);
        s->stamp = 1;
    }
    s->pq.n = 0;
    s->npopped = 0;
}

static int reach(struct solver *s, int v, double d)
{
    if (s->ns[v].seen != s->stamp) {
        s->ns[v].seen = s->stamp;
        s->ns[v].dist = INFINITY;
    }
    if (s->ns[v].done == s->stamp || !(d < s->ns[v].dist))
        return 0;
    s->ns[v].dist = d;
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
    if (!(d < s->end_best))
        return 0;
    s->end_best = d;
    if (s->ntc == s->captc) {
        size_t cap = s->captc ? s->captc * 2 : 64;
        struct tcand *a = realloc(s->tc, cap * sizeof *a);
        if (!a)
            return -1;
        s->tc = a;
        s->captc = cap;
    }
    s->tc[s->ntc] = t;
    return pq_push(&s->pq, d, s->nnodes + s->ncls + (int)s->ntc++);
}

/* Child e (from node u: itself, or its class) comes into place y by edge i,
 * at distance d. */
static int enter(struct solver *s, int y, int e, int u, int i, double d)
{
    int yn = dnode(s, y);
    if (s->dead[yn])
        return 0;
    if (s->cnt[y] < s->outlets[y]) {
        if (s->used[y] + s->need[e] <= s->cap[y]) {
            /* Into T with this very child, whatever y's own label: a
             * lighter child may fit where y's cheapest one does not. */
            struct tcand t = { y, e, u, i };
            if (push_end(s, d + reduced(s->pot[yn]), t) < 0)
                return -1;
        } else {
            refuse(s);
        }
    }
    /* Even letting the heaviest one out would not make room for e. */
    if (s->cnt[y] > 0 && s->used[y] - s->mx[y] + s->need[e] > s->cap[y]) {
        refuse(s);
        return 0;
    }
    if (reach(s, yn, d)) {
        s->pchild[yn] = e;
        s->pnode[yn] = u;
        s->pedge[yn] = i;
        if (pq_push(&s->pq, d, yn) < 0)
            return -1;
    }
    return 0;
}

static int push_generator(struct solver *s, int k)
{
    const struct centry *t = class_top(s, k);
    if (!t)
        return 0;
    return pq_push(&s->pq, s->ns[k].dist + reduced(t->key + s->h[k]),
                   s->nnodes + k);
}

static int consume(struct solver *s, int k, struct centry e)
{
    if (s->nused_e == s->capused_e) {
        size_t cap = s->capused_e ? s->capused_e * 2 : 256;
        struct consumed *a = realloc(s->used_e, cap * sizeof *a);
        if (!a)
            return -1;
        s->used_e = a;
        s->capused_e = cap;
    }
    s->used_e[s->nused_e].cls = k;
    s->used_e[s->nused_e].e = e;
    s->nused_e++;
    return 0;
}

/* Edges handed out during a search go back to their class, re-keyed. */
static int restore_consumed(struct solver *s)
{
    for (size_t i = 0; i < s->nused_e; i++) {
        struct centry x = s->used_e[i].e;
        if (s->asg[x.child] >= 0 || x.ver != s->ver[x.child])
            continue;
        x.key = s->et[x.edge] - s->h[dnode(s, s->edst[x.edge])];
        if (cheap_push(&s->ch[s->used_e[i].cls], x) < 0)
            return -1;
    }
    s->nused_e = 0;
    return 0;
}

/* A way into T may end a path that passed its place y once already, where
 * y's own incoming child replaced one that left: then y takes both incoming
 * children and must still be within its watts. */
static int path_fits(const struct solver *s, const struct tcand *t)
{
    int e = t->e;
    while (s->asg[e] >= 0) {
        int x = s->asg[e], xn = dnode(s, x);
        if (x == t->y)
            return s->used[x] + s->need[t->e] + s->need[s->pchild[xn]] -
                       s->need[e] <= s->cap[x];
        e = s->pchild[xn];
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
 * at distance 0, by the potentials s->pot and the cost cost_in/cost_out.
 * Returns 1 found (its reduced length in *dt, its last step in s->end),
 * 0 none, -1 out of memory. */
static int search(struct solver *s, int src, double *dt)
{
    new_stamp(s);
    s->nused_e = 0;
    s->ntc = 0;
    s->end_best = INFINITY;
    s->tainted = 0;
    s->capped = 0;
    s->work = 0;
    s->st->searches++;
    reach(s, src, 0);
    if (pq_push(&s->pq, 0, src) < 0)
        return -1;

    int found = 0;
    while (s->pq.n) {
        struct pq_item it = pq_pop(&s->pq);
        int v = it.node;
        if (v >= s->nnodes + s->ncls) { /* a way into T */
            const struct tcand *t = &s->tc[v - s->nnodes - s->ncls];
            if (!path_fits(s, t)) {
                refuse(s);
                s->end_best = INFINITY;
                continue;
            }
            s->end = *t;
            *dt = it.key;
            found = 1;
            break;
        }
        if (v >= s->nnodes) { /* a class hands out its next edge */
            int k = v - s->nnodes;
            const struct centry *t = class_top(s, k);
            if (!t)
                continue;
            struct centry x = *t;
            cheap_pop(&s->ch[k]);
            if (consume(s, k, x) < 0)
                return -1;
            s->work++;
            double d = s->ns[k].dist + reduced(x.key + s->h[k]);
            if (enter(s, s->edst[x.edge], x.child, k, x.edge, d) < 0 ||
                push_generator(s, k) < 0)
                return -1;
            continue;
        }
        if (s->ns[v].done == s->stamp || it.key > s->ns[v].dist)
            continue;
        s->ns[v].done = s->stamp;
        s->popped[s->npopped++] = v;
        if (s->work > search_cap(s)) {
            s->st->capped_searches++;
            s->capped = 1;
            break;
        }
        double d = it.key;
        if (v < s->ncls) {
            if (push_generator(s, v) < 0)
                return -1;
        } else if (v < s->ncls + s->nc) { /* a child comes in or moves */
            int c = v - s->ncls;
            for (int i = s->eoff[c]; i < s->eoff[c + 1]; i++) {
                int y = s->edst[i];
                if (y == s->asg[c])
                    continue;
                s->work++;
                double r = reduced(cost_in(s, s->et[i]) + s->pot[v] -
                                   s->pot[dnode(s, y)]);
                if (enter(s, y, c, v, i, d + r) < 0)
                    return -1;
            }
        } else { /* a place makes room for its incoming child */
            int y = v - s->ncls - s->nc, e = s->pchild[v];
            for (int o = s->head[y]; o >= 0; o = s->nxt[o]) {
                int on = cnode(s, o);
                s->work++;
                if (s->dead[on])
                    continue;
                if (s->used[y] - s->need[o] + s->need[e] > s->cap[y]) {
                    refuse(s);
                    continue;
                }
                double r = reduced(s->pot[v] + cost_out(s, s->asg_t[o]) -
                                   s->pot[on]);
                if (reach(s, on, d + r) &&
                    pq_push(&s->pq, s->ns[on].dist, on) < 0)
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
    for (size_t i = 0; i < s->npopped; i++)
        set_dead(s, s->popped[i]);
}

/* Uses the path search() found.  Potentials first: each node reached
 * before T moves by its slack, which keeps every reduced cost >= 0 and
 * makes the path's own edges tight (a search counting moves leaves them). */
static void augment(struct solver *s, double dt)
{
    for (size_t i = 0; i < s->npopped && !s->moves; i++) {
        int v = s->popped[i];
        if (s->ns[v].dist < dt) {
            log_h(s, v);
            s->h[v] -= dt - s->ns[v].dist;
        }
    }
    int y = s->end.y, e = s->end.e, u = s->end.u, i = s->end.i;
    for (;;) {
        int x = s->asg[e];
        if (x < 0) { /* e comes in: the path's start */
            attach(s, e, y, s->et[i]);
            if (u < s->ncls) {
                log_h(s, cnode(s, e));
                s->h[cnode(s, e)] = s->h[u];
            }
            break;
        }
        detach(s, e);
        attach(s, e, y, s->et[i]);
        int xn = dnode(s, x);
        y = x;
        e = s->pchild[xn];
        u = s->pnode[xn];
        i = s->pedge[xn];
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
    for (int y = 0; y < s->nd; y++) {
        int yn = dnode(s, y);
        if (!s->dead[yn] && s->cnt[y] < s->outlets[y] &&
            reach(s, yn, reduced(s->pot[yn])) &&
            pq_push(&s->pq, s->ns[yn].dist, yn) < 0)
            return -1;
    }
    long work = 0;
    while (s->pq.n) {
        struct pq_item it = pq_pop(&s->pq);
        int v = it.node;
        if (s->ns[v].done == s->stamp || it.key > s->ns[v].dist)
            continue;
        s->ns[v].done = s->stamp;
        s->popped[s->npopped++] = v;
        if (v >= s->ncls + s->nc) { /* who could come into y */
            int y = v - s->ncls - s->nc;
            for (int j = s->roff[y]; j < s->roff[y + 1]; j++) {
                int c = s->rchild[j], cn = cnode(s, c);
                work++;
                if (s->asg[c] < 0 || s->asg[c] == y || s->dead[cn])
                    continue;
                if (reach(s, cn, it.key + reduced(cost_in(s, s->rtime[j]) +
                                                  s->pot[cn] - s->pot[v])) &&
                    pq_push(&s->pq, s->ns[cn].dist, cn) < 0)
                    return -1;
            }
        } else { /* the place v's child would leave */
            int c = v - s->ncls, xn = dnode(s, s->asg[c]);
            work++;
            if (!s->dead[xn] &&
                reach(s, xn, it.key + reduced(s->pot[xn] +
                                              cost_out(s, s->asg_t[c]) -
                                              s->pot[v])) &&
                pq_push(&s->pq, s->ns[xn].dist, xn) < 0)
                return -1;
        }
    }
    for (size_t i = 0; i < s->npopped; i++) {
        log_h(s, s->popped[i]);
        s->pot[s->popped[i]] -= s->ns[s->popped[i]].dist;
    }
    for (int v = s->ncls; v < s->nnodes; v++)
        if (s->ns[v].done != s->stamp &&
            (v >= s->ncls + s->nc || s->asg[v - s->ncls] >= 0))
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
    for (int i = s->eoff[c]; i < s->eoff[c + 1]; i++) {
        int yn = dnode(s, s->edst[i]);
        double v = s->pot[yn] - cost_in(s, s->et[i]);
        if (!s->dead[yn] && v > hc) {
            hc = v;
            best = i;
        }
    }
    log_h(s, cnode(s, c));
    s->pot[cnode(s, c)] = hc;
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
    if (s->dead[cn])
        return 0;
    int best = source_potential(s, c);
    if (best < 0)
        return 0;
    int y = s->edst[best];
    if (s->cnt[y] < s->outlets[y] && s->used[y] + s->need[c] <= s->cap[y] &&
        s->h[dnode(s, y)] == 0) {
        /* A free place at reduced cost 0, and T's potential is 0 too: no
         * path is shorter, and no potential moves (c's own is tight on its
         * new edge back).  Without watts refusals a free place's potential
         * stays 0: reached before T, it would have been T's way in. */
        attach(s, c, y, s->et[best]);
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
        s->pot = s->hh;
        searched = 0;
        if (!s->exhausted && s->since_moves > s->update_after &&
            global_update(s) < 0) {
            f = -1;
        } else if (!s->dead[cn] && source_potential(s, c) >= 0) {
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
    s->pot = s->h;
    return f;
}

/* Undoes what the class being placed one by one changed. */
static void rollback(struct solver *s)
{
    s->logging = 0;
    for (size_t i = 0; i < s->nlg_a; i++)
        if (s->asg[s->lg_a[i].c] >= 0)
            detach(s, s->lg_a[i].c);
    for (size_t i = 0; i < s->nlg_a; i++)
        if (s->lg_a[i].y >= 0)
            attach(s, s->lg_a[i].c, s->lg_a[i].y, s->lg_a[i].t);
    for (size_t i = s->nlg_h; i-- > 0;)
        s->h[s->lg_h[i].v] = s->lg_h[i].h;
    for (size_t i = 0; i < s->nlg_dead; i++)
        s->dead[s->lg_dead[i]] = 0;
}

/* Places class k one child at a time, nearest first.  Each takes its own
 * shortest path, which keeps the travel least for the children covered
 * so far; if all of the class that could be covered at the start are,
 * that is the class's best.  If one is left out, which ones to cover was
 * a real choice that the order made blindly: everything is undone.
 * Returns 1 placed (or the budget ran out), 0 undone, -1 out of memory. */
static int place_each(struct solver *s, int k)
{
    if (++s->lstamp == 0) {
        memset(s->hst, 0, (size_t)s->nnodes * sizeof *s->hst);
        memset(s->ast, 0, (size_t)s->nc * sizeof *s->ast);
        s->lstamp = 1;
    }
    s->nlg_h = s->nlg_a = s->nlg_dead = 0;
    for (int r = s->cstart[k]; r < s->cstart[k + 1]; r++) {
        int c = s->corder[r];
        s->live0[c] = 0;
        for (int i = s->eoff[c]; i < s->eoff[c + 1] && !s->live0[c]; i++)
            s->live0[c] = !s->dead[dnode(s, s->edst[i])];
    }
    s->logging = 1;
    for (int r = s->cstart[k]; r < s->cstart[k + 1] && !s->degraded; r++) {
        int c = s->corder[r];
        if (!s->live0[c])
            continue;
        int f = place_one(s, c);
        if (f < 0) {
            s->logging = 0;
            return -1;
        }
        if (f == 0) {
            s->st->undone++;
            rollback(s);
            return 0;
        }
    }
    s->logging = 0;
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
    if (!s->saturated && !s->degraded) {
        int r = place_each(s, k);
        if (r < 0)
            return -1;
        if (r > 0 && !s->degraded)
            return 0;
        s->saturated = r == 0;
    }
    for (int r = s->cstart[k]; r < s->cstart[k + 1]; r++)
        if (s->asg[s->corder[r]] < 0 && push_edges(s, k, s->corder[r]) < 0)
            return -1;
    while (!s->degraded) {
        if (!s->exhausted && s->since_update > s->update_after &&
            global_update(s) < 0)
            return -1;
        const struct centry *t = class_top(s, k);
        if (!t)
            return 0;
        int y = s->edst[t->edge], c = t->child, i = t->edge;
        if (s->cnt[y] < s->outlets[y] && s->used[y] + s->need[c] <= s->cap[y] &&
            s->h[dnode(s, y)] == 0) {
            double key = t->key;
            cheap_pop(&s->ch[k]);
            attach(s, c, y, s->et[i]);
            s->h[cnode(s, c)] = -key;
            s->st->augmentations++;
            continue;
        }
        double dt;
        s->h[k] = -t->key;
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
        s->ver[c]++; /* tried once, whatever comes of it */
        if (place_one(s, c) < 0)
            return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* After a heuristic run: shorten travel locally. */

static int fits_swap(const struct solver *s, int y, int out, int in)
{
    return s->used[y] - s->need[out] + s->need[in] <= s->cap[y];
}

/* One round of moves to a free place, pairwise swaps, and replacements of a
 * covered child by a nearer left-out one of the same class (which keeps
 * (a)-(c) as they are), each shortening total travel and keeping watts.
 * Returns how many changes were made. */
static long improve_round(struct solver *s)
{
    long n = 0;
    for (int c = 0; c < s->nc; c++) {
        if (s->asg[c] < 0)
            continue;
        for (int i = s->eoff[c]; i < s->eoff[c + 1]; i++) {
            int x = s->asg[c], y = s->edst[i];
            double gain = s->asg_t[c] - s->et[i];
            if (y == x || gain <= TRAVEL_EPS)
                continue;
            if (s->cnt[y] < s->outlets[y] &&
                s->used[y] + s->need[c] <= s->cap[y]) {
                detach(s, c);
                attach(s, c, y, s->et[i]);
                n++;
                continue;
            }
            for (int o = s->head[y]; o >= 0; o = s->nxt[o]) {
                double back = edge_travel(s, o, x);
                if (back < 0 || gain + s->asg_t[o] - back <= TRAVEL_EPS ||
                    !fits_swap(s, y, o, c) || !fits_swap(s, x, c, o))
                    continue;
                detach(s, c);
                detach(s, o);
                attach(s, c, y, s->et[i]);
                attach(s, o, x, back);
                n++;
                break;
            }
        }
    }
    for (int y = 0; y < s->nd; y++) {
        for (int c = s->head[y]; c >= 0;) {
            int next = s->nxt[c], best = -1;
            double bt = s->asg_t[c] - TRAVEL_EPS;
            for (int j = s->roff[y]; j < s->roff[y + 1]; j++) {
                int o = s->rchild[j];
                if (s->asg[o] < 0 && s->cls[o] == s->cls[c] &&
                    s->rtime[j] < bt && fits_swap(s, y, c, o)) {
                    best = j;
                    bt = s->rtime[j];
                }
            }
            if (best >= 0) {
                detach(s, c);
                attach(s, s->rchild[best], y, s->rtime[best]);
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

static int valid_input(const struct geo_assign_child *c, int nc,
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
            goto out;                                                      \
    } while (0)

int geo_assign_solve(const struct geo_assign_child *c, int nc,
                     const struct geo_assign_dest *d, int nd,
                     const struct geo_assign_edge *e, int ne,
                     const struct geo_assign_opts *opts, int *out,
                     struct geo_assign_stats *st)
{
    struct geo_assign_stats scratch;
    struct solver s;
    struct ckey *keys = NULL;
    struct pair *pairs = NULL;
    int *fill = NULL;
    int rc = GEO_ASSIGN_ENOMEM;

    memset(&s, 0, sizeof s);
    if (!st)
        st = &scratch;
    memset(st, 0, sizeof *st);
    s.st = st;
    if (!valid_input(c, nc, d, nd, e, ne, out)) {
        rc = GEO_ASSIGN_EINVAL;
        goto out;
    }
    s.nc = nc;
    s.nd = nd;

    /* Watts in milliwatts; an edge that could never be used (no outlets, or
     * the child alone is over the watts) is dropped here. */
    ALLOC(s.need, nc);
    ALLOC(s.life, nc);
    ALLOC(s.outlets, nd);
    ALLOC(s.cap, nd);
    for (int i = 0; i < nc; i++) {
        s.need[i] = to_mw(c[i].need_w, 1);
        s.life[i] = c[i].life != 0;
    }
    for (int i = 0; i < nd; i++) {
        s.outlets[i] = d[i].outlets;
        s.cap[i] = to_mw(d[i].watts, 0);
    }

    /* Edges by child, sorted by place, a repeated pair kept once. */
    ALLOC(s.eoff, nc + 1);
    ALLOC(fill, (nc > nd ? nc : nd) + 1);
    ALLOC(pairs, ne);
    for (int i = 0; i < ne; i++)
        if (s.outlets[e[i].dest] > 0 && s.need[e[i].child] <= s.cap[e[i].dest])
            s.eoff[e[i].child + 1]++;
    for (int i = 0; i < nc; i++)
        s.eoff[i + 1] += s.eoff[i];
    memcpy(fill, s.eoff, (size_t)(nc + 1) * sizeof *fill);
    for (int i = 0; i < ne; i++)
        if (s.outlets[e[i].dest] > 0 &&
            s.need[e[i].child] <= s.cap[e[i].dest]) {
            struct pair p = { e[i].dest, e[i].travel_h };
            pairs[fill[e[i].child]++] = p;
        }
    ALLOC(s.edst, s.eoff[nc]);
    ALLOC(s.et, s.eoff[nc]);
    {
        int w = 0;
        for (int i = 0; i < nc; i++) {
            int lo = s.eoff[i], hi = s.eoff[i + 1];
            if (hi - lo > 1)
                qsort(pairs + lo, (size_t)(hi - lo), sizeof *pairs, pair_cmp);
            s.eoff[i] = w;
            for (int j = lo; j < hi; j++) {
                if (j > lo && pairs[j].dest == pairs[j - 1].dest)
                    continue;
                s.edst[w] = pairs[j].dest;
                s.et[w] = pairs[j].t;
                w++;
            }
        }
        s.eoff[nc] = w;
    }

    /* The same edges by place. */
    ALLOC(s.roff, nd + 1);
    ALLOC(s.rchild, s.eoff[nc]);
    ALLOC(s.rtime, s.eoff[nc]);
    for (int i = 0; i < s.eoff[nc]; i++)
        s.roff[s.edst[i] + 1]++;
    for (int y = 0; y < nd; y++)
        s.roff[y + 1] += s.roff[y];
    memcpy(fill, s.roff, (size_t)nd * sizeof *fill);
    for (int i = 0; i < nc; i++)
        for (int j = s.eoff[i]; j < s.eoff[i + 1]; j++) {
            s.rchild[fill[s.edst[j]]] = i;
            s.rtime[fill[s.edst[j]]++] = s.et[j];
        }

    /* Priority classes: life first, then shorter runtime; within a class
     * the nearest first (it only orders the children placed one by one). */
    ALLOC(keys, nc);
    ALLOC(s.corder, nc);
    ALLOC(s.cstart, nc + 1);
    ALLOC(s.cls, nc);
    for (int i = 0; i < nc; i++) {
        keys[i].life = s.life[i];
        keys[i].runtime = c[i].runtime_h;
        keys[i].nearest = INFINITY;
        for (int j = s.eoff[i]; j < s.eoff[i + 1]; j++)
            if (s.et[j] < keys[i].nearest)
                keys[i].nearest = s.et[j];
        keys[i].idx = i;
    }
    if (nc > 1)
        qsort(keys, (size_t)nc, sizeof *keys, ckey_cmp);
    for (int r = 0; r < nc; r++) {
        if (r == 0 || keys[r].life != keys[r - 1].life ||
            keys[r].runtime != keys[r - 1].runtime)
            s.cstart[s.ncls++] = r;
        s.corder[r] = keys[r].idx;
        s.cls[keys[r].idx] = s.ncls - 1;
    }
    s.cstart[s.ncls] = nc;
    st->classes = s.ncls;

    s.nnodes = s.ncls + nc + nd;
    ALLOC(s.used, nd);
    ALLOC(s.mx, nd);
    ALLOC(s.cnt, nd);
    ALLOC(s.head, nd);
    ALLOC(s.asg, nc);
    ALLOC(s.asg_t, nc);
    ALLOC(s.nxt, nc);
    ALLOC(s.prv, nc);
    ALLOC(s.ver, nc);
    ALLOC(s.ch, s.ncls);
    ALLOC(s.h, s.nnodes);
    ALLOC(s.hh, s.nnodes);
    ALLOC(s.ns, s.nnodes);
    ALLOC(s.pchild, s.nnodes);
    ALLOC(s.pnode, s.nnodes);
    ALLOC(s.pedge, s.nnodes);
    ALLOC(s.dead, s.nnodes);
    ALLOC(s.popped, s.nnodes);
    ALLOC(s.hst, s.nnodes);
    ALLOC(s.ast, nc);
    ALLOC(s.lg_h, s.nnodes);
    ALLOC(s.lg_a, nc);
    ALLOC(s.lg_dead, s.nnodes);
    ALLOC(s.live0, nc);
    for (int i = 0; i < nd; i++)
        s.head[i] = -1;
    for (int i = 0; i < nc; i++)
        s.asg[i] = -1;
    s.pot = s.h;
    s.update_after = (long)s.eoff[nc] + nd;
    s.since_moves = s.update_after + 1;
    s.budget = EXACT_BUDGET * ((long)s.eoff[nc] + nc + nd);
    if (opts && opts->work_budget)
        s.budget = opts->work_budget < 0 ? LONG_MAX : opts->work_budget;
    {
        double tmax = 0;
        for (int i = 0; i < s.eoff[nc]; i++)
            if (s.et[i] > tmax)
                tmax = s.et[i];
        s.lambda = 0.5 / (1.0 + tmax);
    }

    for (int k = 0; k < s.ncls; k++)
        if (place_class(&s, k) < 0)
            goto out;

    if (s.any_taint || s.degraded)
        for (int r = 0; r < IMPROVE_ROUNDS; r++) {
            long n = improve_round(&s);
            st->improvements += n;
            if (!n)
                break;
        }

    for (int i = 0; i < nc; i++) {
        out[i] = s.asg[i];
        if (s.asg[i] >= 0) {
            st->covered++;
            st->covered_life += s.life[i];
            st->travel_h += s.asg_t[i];
        }
    }
    st->exact_cover = !s.any_taint && !s.cover_unsure;
    st->exact = !s.any_taint && !s.degraded;
    rc = GEO_ASSIGN_OK;
out:
    if (s.ch)
        for (int k = 0; k < s.ncls; k++)
            free(s.ch[k].a);
    free(s.ch);
    free(s.need);
    free(s.life);
    free(s.outlets);
    free(s.cap);
    free(s.eoff);
    free(s.edst);
    free(s.et);
    free(s.roff);
    free(s.rchild);
    free(s.rtime);
    free(s.corder);
    free(s.cstart);
    free(s.cls);
    free(s.used);
    free(s.mx);
    free(s.cnt);
    free(s.head);
    free(s.asg);
    free(s.asg_t);
    free(s.nxt);
    free(s.prv);
    free(s.ver);
    free(s.h);
    free(s.hh);
    free(s.ns);
    free(s.pchild);
    free(s.pnode);
    free(s.pedge);
    free(s.dead);
    free(s.popped);
    free(s.hst);
    free(s.ast);
    free(s.lg_h);
    free(s.lg_a);
    free(s.lg_dead);
    free(s.live0);
    free(s.pq.a);
    free(s.used_e);
    free(s.tc);
    free(keys);
    free(pairs);
    free(fill);
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
