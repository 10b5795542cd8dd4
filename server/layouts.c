/* layouts.c -- recognise a table by the columns it has and rewrite it as the
 * canonical CSV of its kind.
 *
 * Four steps: find the header (below title rows, maybe two rows with merged
 * group cells) by scoring the first rows against the names of
 * layout_table.c; map every header cell to a canonical column or a hint;
 * name the layout after the known signature it matches best; rewrite every
 * data record, value by value, keeping its line number. */
#include "server/layouts.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/formats.h"
#include "server/jptext.h"
#include "server/layout_table.h"
#include "server/util.h"

#define KEY_MAX 160
#define HEADER_SCAN 12          /* rows searched for the header */
#define MAX_DEVICES 9           /* 機器1 .. 機器9 */
#define NDEVF 7                 /* device fields, in dev_fields order */

static const char *const dev_fields[NDEVF] = {
    "type", "power_w", "battery_h", "life_sustaining", "maker", "model", "settings"
};

/* A variant of the table for one kind, with its key. */
struct variant {
    size_t target;              /* index in the plan's table */
    int prio;
    const char *name;           /* the target's column */
    char key[KEY_MAX];
};

/* Where a header cell goes. */
struct match {
    int target;                 /* index in the plan's table (tg), or -1 */
    int prio;
    int device;                 /* 0, or 1..MAX_DEVICES for devices in columns */
};

/* Everything the rewrite needs to know about the file. */
struct plan {
    const struct layout_kind *kind;
    struct layout_target *tg;   /* layout_targets of this kind, then canonical
                                   columns the table does not name */
    size_t ntg;
    const struct csv_table *t;
    size_t hrec;                /* index of the header record */
    size_t ncols;
    char **names;               /* header as the file names it, per column */
    struct match *m;            /* per column */
    int *src, *alt, *prio;      /* per target: file column, fallback, its priority */
    int dev[MAX_DEVICES + 1][NDEVF];
    int ndev;                   /* highest device number seen */
    int welfare_cols[8];
    size_t nwelfare;
    int welfare_list;           /* the file is a 福祉避難所 list */
    int emergency_list;         /* the file is a 指定緊急避難場所 list */
    int published;              /* not the canonical layout */
    const char *municipality;   /* --municipality, normalised, or NULL */
    char muni_buf[7];
};

/* ------------------------------------------------------------- messages */

static int msg_add(struct layout_msg **list, size_t *n, long line, const char *code,
                   const char *column, const char *en, const char *ja)
{
    struct layout_msg *l = realloc(*list, (*n + 1) * sizeof *l);

    if (!l)
        return -1;
    *list = l;
    l += *n;
    l->line = line;
    l->code = code;
    l->column = column ? strdup(column) : NULL;
    l->en = strdup(en);
    l->ja = strdup(ja);
    if (!l->en || !l->ja || (column && !l->column)) {
        free(l->column);
        free(l->en);
        free(l->ja);
        return -1;
    }
    (*n)++;
    return 0;
}

void layout_msg_release(struct layout_msg *m)
{
    if (!m)
        return;
    free(m->column);
    free(m->en);
    free(m->ja);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------- matching */

static const struct layout_kind *kind_by_name(const char *name)
{
    for (size_t i = 0; i < layout_nkinds; i++)
        if (strcmp(layout_kinds[i].name, name) == 0
            || (strcmp(name, "power_points") == 0 && layout_kinds[i].bit == K_P))
            return &layout_kinds[i];
    return NULL;
}

/* Copies the n-th '|'-separated item of list into out. */
static int list_item(const char *list, size_t n, char *out, size_t cap)
{
    const char *p = list;

    for (size_t i = 0; i < n; i++) {
        p = strchr(p, '|');
        if (!p)
            return -1;
        p++;
    }
    snprintf(out, cap, "%.*s", (int)strcspn(p, "|"), p);
    return 0;
}

/* The names of a table, as keys.  *n is set; NULL on OOM. */
static struct variant *variants_for(const struct layout_target *tg, size_t ntg, size_t *n)
{
    struct variant *v = NULL;
    size_t cap = 0;
    char name[KEY_MAX];

    *n = 0;
    for (size_t t = 0; t < ntg; t++) {
        for (size_t k = 0; list_item(tg[t].variants, k, name, sizeof name) == 0; k++) {
            if (*n == cap) {
                struct variant *more = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *v);

                if (!more) {
                    free(v);
                    return NULL;
                }
                v = more;
            }
            v[*n].target = t;
            v[*n].prio = (int)k;
            v[*n].name = tg[t].name;
            if (jp_header_key(name, v[*n].key, KEY_MAX) == 0)
                (*n)++;
        }
    }
    return v;
}

/* Finds key among the variants: the variant's index + 1, or 0. */
static size_t lookup(const struct variant *v, size_t nv, const char *key, struct match *m)
{
    for (size_t i = 0; i < nv; i++) {
        if (strcmp(v[i].key, key) == 0) {
            m->target = (int)v[i].target;
            m->prio = v[i].prio;
            return i + 1;
        }
    }
    return 0;
}

static int device_field(const char *name)
{
    for (int f = 0; f < NDEVF; f++)
        if (strcmp(dev_fields[f], name) == 0)
            return f;
    return -1;
}

/* 機器1, 消費電力2, 機器1消費電力(W), バッテリー駆動時間(時間)3 ... */
static int lookup_device(const struct variant *v, size_t nv, const char *key, struct match *m)
{
    static const char *const prefixes[] = { "使用機器", "医療機器", "機器", "" };
    char base[KEY_MAX];
    size_t d = strcspn(key, "0123456789"), nd, n = 0;
    int num;

    nd = strspn(key + d, "0123456789");
    if (nd == 0 || nd > 1)
        return 0;
    num = key[d] - '0';
    if (num < 1)
        return 0;
    for (size_t i = 0; key[i]; i++)
        if (i < d || i >= d + nd)
            base[n++] = key[i];
    base[n] = '\0';
    if (n && base[n - 1] == ')' && strchr(base, '('))
        *strrchr(base, '(') = '\0';
    if (!*base)
        return 0;       /* a bare number is a value, not a header */
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        size_t pl = strlen(prefixes[p]);
        const char *rest = strncmp(base, prefixes[p], pl) == 0 ? base + pl : NULL;

        if (!rest)
            continue;
        /* 機器1 / 種類: the device's kind under its group */
        if (*prefixes[p] && (!*rest || strcmp(rest, "種類") == 0 || strcmp(rest, "名称") == 0
                             || strcmp(rest, "品名") == 0 || strcmp(rest, "名") == 0))
            rest = "機器";
        if (!*rest)
            continue;
        size_t i = lookup(v, nv, rest, m);

        if (i && device_field(v[i - 1].name) >= 0) {
            m->device = num;
            return 1;
        }
    }
    m->target = -1;
    return 0;
}

/* The match for one header key. */
static struct match match_key(unsigned bit, const struct variant *v, size_t nv, const char *key)
{
    struct match m = { -1, 0, 0 };
    char k2[KEY_MAX];
    size_t n = strlen(key);

    if (!*key || lookup(v, nv, key, &m))
        return m;
    /* a unit or remark in brackets at the end: 消費電力(W), 想定収容人数(人) */
    if (n > 2 && key[n - 1] == ')' && strchr(key, '(')) {
        snprintf(k2, sizeof k2, "%s", key);
        *strrchr(k2, '(') = '\0';
        if (*k2 && lookup(v, nv, k2, &m))
            return m;
    }
    /* numbered devices are columns of a children register only */
    if (bit & K_C)
        lookup_device(v, nv, key, &m);
    return m;
}

static int plan_table(struct plan *p, const char *kind);

const char *layout_column_for(const char *kind, const char *header)
{
    struct plan p;
    struct variant *v = NULL;
    struct match m = { -1, 0, 0 };
    const char *name = NULL;
    char key[KEY_MAX];
    size_t nv;

    memset(&p, 0, sizeof p);
    p.kind = kind_by_name(kind);
    if (!p.kind || jp_header_key(header, key, sizeof key) != 0 || plan_table(&p, kind) != 0)
        return NULL;
    v = variants_for(p.tg, p.ntg, &nv);
    if (v)
        m = match_key(p.kind->bit, v, nv, key);
    /* the names are static strings: the table's, or formats.c's */
    if (m.target >= 0)
        name = p.tg[m.target].name;
    free(v);
    free(p.tg);
    return name;
}

/* The plan's table: the entries of layout_table.c for its kind, then every
 * canonical column of formats.c that they do not name, taken as written. */
static int plan_table(struct plan *p, const char *kind)
{
    enum fmt_kind fk;
    const char *const *cols = NULL;
    size_t ncols = 0;

    if (fmt_kind_from_name(kind, &fk) == 0)
        cols = fmt_columns(fk, &ncols);
    p->tg = malloc((layout_ntargets + ncols + 1) * sizeof *p->tg);
    if (!p->tg)
        return -1;
    p->ntg = 0;
    for (size_t t = 0; t < layout_ntargets; t++)
        if (layout_targets[t].kinds & p->kind->bit)
            p->tg[p->ntg++] = layout_targets[t];
    for (size_t c = 0; c < ncols; c++) {
        size_t t;

        for (t = 0; t < p->ntg && strcmp(p->tg[t].name, cols[c]) != 0; t++)
            ;
        if (t < p->ntg)
            continue;
        p->tg[p->ntg].kinds = p->kind->bit;
        p->tg[p->ntg].name = cols[c];
        p->tg[p->ntg].form = F_RAW;
        p->tg[p->ntg].variants = cols[c];
        p->tg[p->ntg].values = NULL;
        p->ntg++;
    }
    return 0;
}

/* ------------------------------------------------------------- the header */

static const char *cell(const struct csv_table *t, size_t rec, size_t col)
{
    const char *s = rec < t->nrecords ? csv_field(t, &t->records[rec], col) : NULL;

    return s ? s : "";
}

static int blank(const char *s)
{
    return strspn(s, " \t\r\n") == strlen(s);
}

/* The column name of a target, through the variants that name it. */
static const char *v_name(const struct variant *v, size_t nv, int target)
{
    for (size_t i = 0; i < nv; i++)
        if ((int)v[i].target == target)
            return v[i].name;
    return "";
}

/* The header name of column col when record rec is the header: its own
 * cell, the cell above when its own is empty (merged down), and the group
 * above (merged across, filled from the left) joined to its own when that
 * is what matches.  Writes the key and the display name. */
static struct match header_cell(unsigned bit, const struct variant *v, size_t nv,
                                const struct csv_table *t, size_t rec, size_t col,
                                char *shown, size_t cap)
{
    const char *own = cell(t, rec, col), *group = "";
    char key[KEY_MAX], both[2 * KEY_MAX];
    struct match m = { -1, 0, 0 };

    /* the group: the nearest cell of the row above at or left of col */
    for (size_t c = col + 1; rec > 0 && c-- > 0;) {
        group = cell(t, rec - 1, c);
        if (!blank(group))
            break;
    }
    snprintf(shown, cap, "%s", own);
    if (!blank(own) && jp_header_key(own, key, sizeof key) == 0)
        m = match_key(bit, v, nv, key);
    if (m.target >= 0 && !m.device && device_field(v_name(v, nv, m.target)) >= 0
        && !blank(group) && rec > 0) {
        /* 消費電力 under 機器２: the group says which device */
        struct match g = { -1, 0, 0 };

        snprintf(both, sizeof both, "%s%s", group, own);
        if (jp_header_key(both, key, sizeof key) == 0)
            g = match_key(bit, v, nv, key);
        if (g.target >= 0 && g.device) {
            snprintf(shown, cap, "%s / %s", group, own);
            return g;
        }
    }
    if (m.target >= 0 || rec == 0)
        return m;
    if (blank(own)) {
        const char *above = cell(t, rec - 1, col);

        if (!blank(above) && jp_header_key(above, key, sizeof key) == 0) {
            m = match_key(bit, v, nv, key);
            snprintf(shown, cap, "%s", above);
        }
        return m;
    }
    if (!blank(group)) {
        snprintf(both, sizeof both, "%s%s", group, own);
        if (jp_header_key(both, key, sizeof key) == 0) {
            m = match_key(bit, v, nv, key);
            if (m.target >= 0)
                snprintf(shown, cap, "%s / %s", group, own);
        }
    }
    return m;
}

static size_t record_width(const struct csv_table *t, size_t rec)
{
    return rec < t->nrecords ? t->records[rec].count : 0;
}

/* Matches of record rec as the header, counting only its own cells. */
static int header_score(unsigned bit, const struct variant *v, size_t nv,
                        const struct csv_table *t, size_t rec)
{
    int score = 0, own = 0;
    char shown[2 * KEY_MAX];

    for (size_t c = 0; c < record_width(t, rec); c++) {
        struct match m = header_cell(bit, v, nv, t, rec, c, shown, sizeof shown);

        if (m.target >= 0) {
            score++;
            own += !blank(cell(t, rec, c));
        }
    }
    return own ? score : 0;
}

static size_t find_header(unsigned bit, const struct variant *v, size_t nv,
                          const struct csv_table *t, int *best_score)
{
    size_t best = 0;

    *best_score = -1;
    for (size_t r = 0; r < t->nrecords && r < HEADER_SCAN; r++) {
        int s = header_score(bit, v, nv, t, r);

        if (s > *best_score) {
            *best_score = s;
            best = r;
        }
    }
    return best;
}

/* ------------------------------------------------------------- the map */

/* In a children register the device names feed devices, not the child. */
static int is_device_target(const struct plan *p, int target)
{
    return p->kind->bit == K_C && target >= 0
           && device_field(p->tg[target].name) >= 0;
}

/* Records column c as the source of its match. */
static void assign(struct plan *p, size_t c)
{
    const struct match *m = &p->m[c];
    const struct layout_target *tg;
    int t = m->target;

    if (t < 0)
        return;
    tg = &p->tg[t];
    if (m->device || is_device_target(p, t)) {
        int d = m->device ? m->device : 1, f = device_field(tg->name);

        if (p->dev[d][f] < 0)
            p->dev[d][f] = (int)c;
        if (d > p->ndev)
            p->ndev = d;
        return;
    }
    if (strcmp(tg->name, "@welfare_flag") == 0) {
        if (p->nwelfare < sizeof p->welfare_cols / sizeof p->welfare_cols[0])
            p->welfare_cols[p->nwelfare++] = (int)c;
        return;
    }
    if (strcmp(tg->name, "@emergency_list") == 0)
        p->emergency_list = 1;
    if (p->src[t] < 0 || m->prio < p->prio[t]) {
        if (p->src[t] >= 0 && p->alt[t] < 0)
            p->alt[t] = p->src[t];
        p->src[t] = (int)c;
        p->prio[t] = m->prio;
    } else if (p->alt[t] < 0) {
        p->alt[t] = (int)c;
    }
}

/* The target index of canonical column name for this kind, or -1. */
static int target_of(const struct plan *p, const char *name)
{
    for (size_t t = 0; t < p->ntg; t++)
        if (strcmp(p->tg[t].name, name) == 0)
            return (int)t;
    return -1;
}

static int has(const struct plan *p, const char *name)
{
    int t = target_of(p, name);

    return t >= 0 && (p->src[t] >= 0 || p->alt[t] >= 0);
}

/* Whether the header or the title rows above it say 福祉避難所. */
static int says_welfare_list(const struct plan *p)
{
    int name = target_of(p, "name");

    if (name >= 0 && p->src[name] >= 0 && strstr(p->names[p->src[name]], "福祉避難所"))
        return 1;
    for (size_t r = 0; r < p->hrec; r++)
        for (size_t c = 0; c < record_width(p->t, r); c++)
            if (strstr(cell(p->t, r, c), "福祉避難所"))
                return 1;
    return 0;
}

static int build_map(struct plan *p, const struct variant *v, size_t nv)
{
    char shown[2 * KEY_MAX];

    p->ncols = record_width(p->t, p->hrec);
    p->names = calloc(p->ncols + 1, sizeof *p->names);
    p->m = calloc(p->ncols + 1, sizeof *p->m);
    p->src = malloc(p->ntg * sizeof *p->src);
    p->alt = malloc(p->ntg * sizeof *p->alt);
    p->prio = malloc(p->ntg * sizeof *p->prio);
    if (!p->names || !p->m || !p->src || !p->alt || !p->prio)
        return -1;
    for (size_t t = 0; t < p->ntg; t++)
        p->src[t] = p->alt[t] = -1;
    memset(p->dev, -1, sizeof p->dev);
    for (size_t c = 0; c < p->ncols; c++) {
        p->m[c] = header_cell(p->kind->bit, v, nv, p->t, p->hrec, c, shown, sizeof shown);
        /* on one line: names go into reasons, notes and the canonical text */
        p->names[c] = jp_one_line(shown);
        if (!p->names[c])
            return -1;
        assign(p, c);
    }
    p->published = 0;
    for (size_t c = 0; c < p->ncols; c++) {
        const struct match *m = &p->m[c];
        char key[KEY_MAX], canon[KEY_MAX];

        /* a column named otherwise than its canonical name */
        if (m->target >= 0 && jp_header_key(p->names[c], key, sizeof key) == 0
            && jp_header_key(p->tg[m->target].name, canon, sizeof canon) == 0
            && strcmp(key, canon) != 0)
            p->published = 1;
    }
    if (p->kind->bit == K_S)
        p->welfare_list = says_welfare_list(p);
    return 0;
}

/* ------------------------------------------------------------- naming */

/* How many of a known layout's signature names the file has. */
static int signature_score(const struct layout_known *k, char **keys, size_t n)
{
    char name[KEY_MAX], key[KEY_MAX];
    int score = 0;

    for (size_t i = 0; list_item(k->signature, i, name, sizeof name) == 0; i++) {
        if (jp_header_key(name, key, sizeof key) != 0)
            continue;
        for (size_t c = 0; c < n; c++) {
            if (keys[c] && strcmp(keys[c], key) == 0) {
                score++;
                break;
            }
        }
    }
    return score;
}

/* The known layout nearest to the header (of kind bit, or of any kind when
 * bit is 0). */
static const struct layout_known *nearest(unsigned bit, char **keys, size_t n, int *score)
{
    const struct layout_known *best = NULL;

    *score = -1;
    for (size_t i = 0; i < layout_nknown; i++) {
        int s;

        if (bit && !(layout_known[i].kind & bit))
            continue;
        s = signature_score(&layout_known[i], keys, n);
        if (s > *score) {
            *score = s;
            best = &layout_known[i];
        }
    }
    return best;
}

static char **header_keys(const struct csv_table *t, size_t rec, size_t *n)
{
    char key[KEY_MAX];
    char **keys;

    *n = record_width(t, rec);
    keys = calloc(*n + 1, sizeof *keys);
    if (!keys)
        return NULL;
    for (size_t c = 0; c < *n; c++)
        if (jp_header_key(cell(t, rec, c), key, sizeof key) == 0)
            keys[c] = strdup(key);
    return keys;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t c = 0; keys && c < n; c++)
        free(keys[c]);
    free(keys);
}

static const char *kind_label_of(unsigned bit)
{
    for (size_t i = 0; i < layout_nkinds; i++)
        if (layout_kinds[i].bit == bit)
            return layout_kinds[i].name;
    return "?";
}

/* The error for a file no layout fits: the columns found, the nearest
 * layout and what it would need. */
static int unknown_layout(const struct plan *p, const char *missing, struct layout_msg *err)
{
    struct pm_buf found, en, ja;
    size_t nkeys;
    char **keys = header_keys(p->t, p->hrec, &nkeys);
    const struct layout_known *near, *any;
    int s1, s2, rc;

    pm_buf_init(&found);
    pm_buf_init(&en);
    pm_buf_init(&ja);
    for (size_t c = 0; c < record_width(p->t, p->hrec) && c < 40; c++)
        pm_buf_printf(&found, "%s%s", c ? ", " : "", cell(p->t, p->hrec, c));
    near = nearest(p->kind->bit, keys, nkeys, &s1);
    any = nearest(0, keys, nkeys, &s2);
    pm_buf_printf(&ja, "%sの一覧として読めません。%s の列がありません。見つかった列: %s。"
                       "最も近い形式: %s（%s）", p->kind->label, missing,
                  found.len ? found.data : "なし", near->label, near->signature);
    pm_buf_printf(&en, "not a %s file: no %s column. Columns found: %s. Nearest known "
                       "layout: %s (%s)", p->kind->name, missing,
                  found.len ? found.data : "none", near->id, near->signature);
    if (any && s2 > s1 && !(any->kind & p->kind->bit)) {
        pm_buf_printf(&ja, "。この表は %s（--kind %s）に近い形です", any->label,
                      kind_label_of(any->kind));
        pm_buf_printf(&en, "; it looks like %s (--kind %s)", any->id, kind_label_of(any->kind));
    }
    free_keys(keys, nkeys);
    rc = found.oom || en.oom || ja.oom ? -1 : 0;
    memset(err, 0, sizeof *err);
    err->code = "unknown_layout";
    err->en = rc ? NULL : pm_buf_steal(&en, NULL);
    err->ja = rc ? NULL : pm_buf_steal(&ja, NULL);
    pm_buf_release(&found);
    pm_buf_release(&en);
    pm_buf_release(&ja);
    return -1;
}

/* Names the layout of a recognised file after the nearest signature. */
static int name_known(struct plan *p, struct layout_result *out)
{
    size_t nkeys = p->ncols;
    char **keys = calloc(nkeys + 1, sizeof *keys);
    const struct layout_known *k;
    char key[KEY_MAX];
    int score;

    if (!keys)
        return -1;
    /* the names as composed from both rows of a two-row header */
    for (size_t c = 0; c < nkeys; c++) {
        const char *slash = strstr(p->names[c], " / ");

        if (jp_header_key(slash ? slash + 3 : p->names[c], key, sizeof key) == 0)
            keys[c] = strdup(key);
    }
    k = nearest(p->kind->bit, keys, nkeys, &score);
    free_keys(keys, nkeys);
    out->layout = k->id;
    out->label = k->label;
    if (strcmp(k->id, "gsi-emergency-site") == 0 && has(p, "@target")) {
        /* GSI's 指定避難所 file is its 指定緊急避難場所 file plus 受入対象者 */
        out->layout = "gsi-shelter";
        out->label = "国土地理院 指定避難所データ";
    }
    if (!p->published) {
        out->layout = "canonical";
    } else if (p->welfare_list && strcmp(k->id, "canonical") != 0) {
        out->layout = "welfare-list";
        out->label = "福祉避難所一覧";
    }
    return 0;
}

/* Names the layout; -1 with err when none of the kind's key columns is there. */
static int name_layout(struct plan *p, struct layout_result *out, struct layout_msg *err)
{
    char req[64], missing[256] = "";
    size_t ml = 0;

    /* one of the kind's key columns is enough here: formats.c checks the rest */
    for (size_t i = 0; list_item(p->kind->required, i, req, sizeof req) == 0; i++) {
        int t = target_of(p, req);
        char first[64] = "";

        if (has(p, req))
            return name_known(p, out);
        /* name the column as the published files call it */
        if (t >= 0)
            list_item(p->tg[t].variants, 1, first, sizeof first);
        ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s%s", ml ? " / " : "",
                               *first ? first : req);
        if (ml >= sizeof missing)
            ml = sizeof missing - 1;
    }
    return unknown_layout(p, missing, err);
}

/* ------------------------------------------------------------- values */

/* The state of one record being rewritten. */
struct row {
    long line;
    struct layout_result *out;
    const struct plan *p;
    int rejected;
    char notes[512];
    size_t notes_len;
};

/* Rejects the row with a reason naming the file's column. */
static int reject(struct row *r, const char *code, const char *column, const char *en,
                  const char *ja)
{
    r->rejected = 1;
    return msg_add(&r->out->rejects, &r->out->nrejects, r->line, code, column, en, ja);
}

static int warn(struct row *r, const char *code, const char *column, const char *en,
                const char *ja)
{
    return msg_add(&r->out->warnings, &r->out->nwarnings, r->line, code, column, en, ja);
}

static void add_note(struct row *r, const char *column, const char *note)
{
    int n = snprintf(r->notes + r->notes_len, sizeof r->notes - r->notes_len, "%s%s: %s",
                     r->notes_len ? "; " : "", column, note);

    if (n > 0 && r->notes_len + (size_t)n < sizeof r->notes)
        r->notes_len += (size_t)n;
}

/* A number with its unit dropped: "60W", "8時間", "1.5kW", "1,200". */
static int plain_number(const char *v, char *out, size_t cap)
{
    static const char *const units[] = {
        "kw", "ワット", "時間", "hr", "wh", "w", "h", "個", "口", "台", "人", "名", "km", NULL
    };
    char buf[64], *end;
    size_t n = 0;
    double d, scale = 1;

    for (const char *p = v; *p && n + 1 < sizeof buf; p++)
        if (*p != ',')
            buf[n++] = *p;
    buf[n] = '\0';
    for (size_t i = 0; units[i]; i++) {
        size_t ul = strlen(units[i]);

        if (n > ul && strcasecmp(buf + n - ul, units[i]) == 0) {
            buf[n -= ul] = '\0';
            scale = i == 0 ? 1000 : 1;
            break;
        }
    }
    while (n && buf[n - 1] == ' ')
        buf[--n] = '\0';
    if (strncmp(buf, "約", 3) == 0)
        memmove(buf, buf + 3, (n -= 3) + 1);
    d = strtod(buf, &end);
    if (n == 0 || *end || end == buf || d < 0 || d != d)
        return -1;
    if (scale != 1)
        snprintf(out, cap, "%.10g", d * scale);
    else
        snprintf(out, cap, "%s", buf);
    return 0;
}

/* A value word of an F_ENUM column to its canonical value in out; -1 when
 * no word matches. */
static int enum_value(const char *values, const char *v, char *out, size_t cap)
{
    char item[160];

    for (size_t i = 0; list_item(values, i, item, sizeof item) == 0; i++) {
        char *eq = strchr(item, '=');

        if (!eq)
            continue;
        *eq = '\0';
        if ((item[0] == '*' && item[1] == '\0') || strstr(v, item)) {
            snprintf(out, cap, "%s", eq + 1);
            return 0;
        }
    }
    return -1;
}

/* Quotes a value for a reason: at most 40 bytes, on a character boundary. */
static void shorten(const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);

    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(out, cap, "%.*s%s", (int)n, v, strlen(v) > n ? "…" : "");
}

/* F_BOOL, F_NUM, F_CAP, F_DATE, F_COORD, F_MUNI: checked here, so that the
 * reason names the column as the file does.  0, 1 rejected, -1 OOM. */
static int convert_checked(struct row *r, const struct layout_target *tg, const char *column,
                           const char *v, char *out, size_t cap)
{
    char en[400], ja[400], q[64], note[200];
    long n;
    int k;

    shorten(v, q, sizeof q);
    out[0] = '\0';
    switch (tg->form) {
    case F_BOOL:
        if (!*v)
            return 0;   /* empty: formats.c applies the column's default */
        k = jp_yesno(v, note, sizeof note);
        if (k >= 0) {
            snprintf(out, cap, "%s", k ? "true" : "false");
            if (*note)
                add_note(r, column, note);
            return 0;
        }
        snprintf(en, sizeof en, "%s: \"%s\" is not a yes/no mark (○ × 有 無 1 0)", column, q);
        snprintf(ja, sizeof ja, "%s: 「%s」は ○/× として読めません", column, q);
        return reject(r, "bad_boolean", column, en, ja) < 0 ? -1 : 1;
    case F_CAP:
        n = jp_capacity(v);
        if (n >= 0)
            snprintf(out, cap, "%ld", n);
        if (n >= -1)
            return 0;
        snprintf(en, sizeof en, "%s: \"%s\" has no number of persons", column, q);
        snprintf(ja, sizeof ja, "%s: 「%s」に人数がありません", column, q);
        return reject(r, "bad_capacity", column, en, ja) < 0 ? -1 : 1;
    case F_DATE:
        if (!*v || jp_date(v, out) == 0)
            return 0;
        snprintf(en, sizeof en, "%s: \"%s\" is not a date (2020-01-01, 令和2年1月1日, R2.1.1)",
                 column, q);
        snprintf(ja, sizeof ja, "%s: 「%s」は日付として読めません（2020-01-01、令和2年1月1日、R2.1.1 など）",
                 column, q);
        return reject(r, "bad_date", column, en, ja) < 0 ? -1 : 1;
    case F_MUNI:
        if (!*v || jp_municipality(v, out) == 0)
            return 0;
        snprintf(en, sizeof en, "%s: \"%s\" is not a municipality code (全国地方公共団体コード)",
                 column, q);
        snprintf(ja, sizeof ja, "%s: 「%s」は全国地方公共団体コードではありません", column, q);
        return reject(r, "bad_municipality", column, en, ja) < 0 ? -1 : 1;
    default:
        break;
    }
    if (!*v)
        return 0;
    if (plain_number(v, out, cap) == 0) {
        double d = strtod(out, NULL);
        int lat = strcmp(tg->name, "lat") == 0, lon = strcmp(tg->name, "lon") == 0;

        if (!(lat && (d < -90 || d > 90)) && !(lon && (d < -180 || d > 180)))
            return 0;
        snprintf(en, sizeof en, "%s: \"%s\" is out of range for a %s", column, q,
                 lat ? "latitude" : "longitude");
        snprintf(ja, sizeof ja, "%s: 「%s」は%sの範囲外です", column, q, lat ? "緯度" : "経度");
        return reject(r, lat ? "bad_latitude" : "bad_longitude", column, en, ja) < 0 ? -1 : 1;
    }
    snprintf(en, sizeof en, "%s: \"%s\" is not a number", column, q);
    snprintf(ja, sizeof ja, "%s: 「%s」は数値として読めません", column, q);
    return reject(r, "bad_number", column, en, ja) < 0 ? -1 : 1;
}

/* One cell into its canonical form in out (cap bytes).  0, 1 when the row
 * is rejected, -1 when memory runs out. */
static int convert(struct row *r, const struct layout_target *tg, const char *column,
                   const char *raw, char *out, size_t cap)
{
    char *v = NULL, unknown[200];
    const char *dev;
    int rc = 0;

    out[0] = '\0';
    if (tg->form == F_LINE || tg->form == F_RAW) {
        v = jp_one_line(raw);
        if (!v)
            return -1;
        snprintf(out, cap, "%s", v);
        free(v);
        return 0;
    }
    v = jp_nfkc(raw);
    if (!v)
        return -1;
    if (strchr(v, '\n') || strchr(v, '\r')) {
        char *one = jp_one_line(v);

        free(v);
        if (!one)
            return -1;
        v = one;
    }
    switch (tg->form) {
    case F_ID: {
        size_t n = strlen(v);

        /* spreadsheets write numbers as 12.0 */
        if (n > 2 && strcmp(v + n - 2, ".0") == 0 && strspn(v, "0123456789") == n - 2)
            v[n - 2] = '\0';
        snprintf(out, cap, "%s", v);
        break;
    }
    case F_TEXT:
    case F_PHONE:
        snprintf(out, cap, "%s", v);
        break;
    case F_ENUM:
        if (*v && enum_value(tg->values, v, out, cap) < 0)
            snprintf(out, cap, "%s", v);    /* formats.c names the values it takes */
        break;
    case F_CARE:
        if (jp_care(v, out, cap, unknown, sizeof unknown) == 0 && *unknown) {
            char en[400], ja[400];

            snprintf(en, sizeof en, "%s: \"%s\" recorded as other care", column, unknown);
            snprintf(ja, sizeof ja, "%s: 「%s」は「その他」のケアとして記録しました", column, unknown);
            rc = warn(r, "care_other", column, en, ja);
        }
        break;
    case F_DEVTYPE:
        dev = jp_device_type(v);
        snprintf(out, cap, "%s", dev ? dev : v);
        break;
    default:
        rc = convert_checked(r, tg, column, v, out, cap);
        break;
    }
    free(v);
    return rc;
}

/* ------------------------------------------------------------- output */

#define VALCAP 2048

/* A column of the canonical text: a file column's target, or derived. */
struct outcol {
    const char *name;
    int target;                 /* index in the plan's table, or -1: derived */
};

struct writer {
    struct plan *p;
    struct layout_result *out;
    struct outcol cols[96];
    size_t ncols;
    char *vals;                 /* ncols * VALCAP */
    int i_id, i_kind, i_welfare, i_muni, i_notes, i_name, i_lat, i_lon, i_addr, i_type, i_life;
    struct pm_buf text, dev;
    long line;                  /* the next line of text */
    long dev_line;
    int warned_muni;
};

static char *val(struct writer *w, int i)
{
    return i >= 0 ? w->vals + (size_t)i * VALCAP : NULL;
}

static int add_col(struct writer *w, const char *name, int target)
{
    for (size_t i = 0; i < w->ncols; i++)
        if (strcmp(w->cols[i].name, name) == 0)
            return (int)i;
    if (w->ncols == sizeof w->cols / sizeof w->cols[0])
        return -1;
    w->cols[w->ncols].name = name;
    w->cols[w->ncols].target = target;
    return (int)w->ncols++;
}

static int col_index(const struct writer *w, const char *name)
{
    for (size_t i = 0; i < w->ncols; i++)
        if (strcmp(w->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void put_field(struct pm_buf *b, const char *v, int first)
{
    if (!v)
        v = "";
    if (!first)
        pm_buf_puts(b, ",");
    pm_buf_puts(b, "\"");
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            pm_buf_puts(b, "\"");
        pm_buf_append(b, p, 1);
    }
    pm_buf_puts(b, "\"");
}

/* Whether any yes/no cell of the file carries a note ("○(2階)"). */
static int any_annotation(const struct plan *p)
{
    char note[64];

    for (size_t t = 0; t < p->ntg; t++) {
        if (p->tg[t].form != F_BOOL || p->src[t] < 0)
            continue;
        for (size_t r = p->hrec + 1; r < p->t->nrecords; r++)
            if (jp_yesno(cell(p->t, r, (size_t)p->src[t]), note, sizeof note) >= 0 && *note)
                return 1;
    }
    return 0;
}

/* The columns of the canonical text, and its header line. */
static int plan_columns(struct writer *w)
{
    struct plan *p = w->p;
    unsigned bit = p->kind->bit;

    for (size_t t = 0; t < p->ntg; t++) {
        const struct layout_target *tg = &p->tg[t];

        if (!(tg->kinds & bit) || tg->form == F_HINT || tg->name[0] == '@'
            || is_device_target(p, (int)t) || (p->src[t] < 0 && p->alt[t] < 0))
            continue;
        if (add_col(w, tg->name, (int)t) < 0)
            return -1;
    }
    if (bit != K_D)
        w->i_id = add_col(w, "external_id", target_of(p, "external_id"));
    if (bit == K_S && p->published) {
        w->i_kind = add_col(w, "kind", target_of(p, "kind"));
        w->i_welfare = add_col(w, "welfare", target_of(p, "welfare"));
    }
    /* notes: the file's, or the notes of marks such as ○(2階); never an
     * empty column that would wipe what staff wrote */
    if (has(p, "notes") || any_annotation(p))
        w->i_notes = add_col(w, "notes", target_of(p, "notes"));
    if (p->municipality && bit != K_D)
        w->i_muni = add_col(w, "municipality", target_of(p, "municipality"));
    else
        w->i_muni = col_index(w, "municipality");
    /* a published devices list without 生命維持: a ventilator keeps a child
     * alive whatever the list forgot to say */
    if (bit == K_D && p->published)
        w->i_life = add_col(w, "life_sustaining", target_of(p, "life_sustaining"));
    w->i_type = col_index(w, "type");
    w->i_name = col_index(w, "name");
    w->i_lat = col_index(w, "lat");
    w->i_lon = col_index(w, "lon");
    w->i_addr = col_index(w, "address");
    w->vals = malloc(w->ncols * VALCAP + 1);
    if (!w->vals)
        return -1;
    for (size_t i = 0; i < w->ncols; i++)
        put_field(&w->text, w->cols[i].name, i == 0);
    pm_buf_puts(&w->text, "\n");
    w->line = 2;
    if (p->ndev) {
        pm_buf_puts(&w->dev, "child_external_id,type,power_w,battery_h,life_sustaining,"
                             "maker,model,settings\n");
        w->dev_line = 2;
    }
    return w->text.oom || w->dev.oom ? -1 : 0;
}

/* FNV-1a, for the stable ids of rows that have none. */
static uint64_t fnv(const char *s, uint64_t h)
{
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* external_id: the file's (after the municipality code when the list is a
 * published one), or one derived from municipality, name and position. */
static int row_identity(struct writer *w, struct row *r)
{
    struct plan *p = w->p;
    char *id = val(w, w->i_id), *muni = val(w, w->i_muni), tmp[VALCAP];
    int prefix = p->published && (p->kind->bit == K_S || p->kind->bit == K_F);

    if (w->i_id < 0)
        return 0;
    if (muni && !*muni && p->municipality)
        snprintf(muni, VALCAP, "%s", p->municipality);
    if (!*id) {
        char pos[VALCAP];
        uint64_t h;

        snprintf(pos, sizeof pos, "%s|%s|%s|%s", muni ? muni : "", val(w, w->i_name) ?
                 val(w, w->i_name) : "", w->i_lat >= 0 ? val(w, w->i_lat) : "",
                 w->i_lon >= 0 ? val(w, w->i_lon) : (w->i_addr >= 0 ? val(w, w->i_addr) : ""));
        if (w->i_lat >= 0 && !*val(w, w->i_lat) && w->i_addr >= 0)
            strncat(pos, val(w, w->i_addr), sizeof pos - strlen(pos) - 1);
        h = fnv(pos, 14695981039346656037ULL);
        snprintf(id, VALCAP, "x%012llx", (unsigned long long)(h & 0xFFFFFFFFFFFFULL));
        if (warn(r, "derived_id", NULL, "ID is empty: an id was made from the name and position",
                 "ID が空です（名称と位置から ID を作りました）") < 0)
            return -1;
    }
    if (prefix && muni && *muni) {
        size_t ml = strlen(muni);

        if (!(strncmp(id, muni, ml) == 0 && id[ml] == '-')) {
            snprintf(tmp, sizeof tmp, "%s-%s", muni, id);
            snprintf(id, VALCAP, "%s", tmp);
        }
    } else if (prefix && !w->warned_muni) {
        w->warned_muni = 1;
        if (warn(r, "no_municipality", NULL,
                 "no municipality code in the row nor --municipality: its id is not prefixed "
                 "and may collide with another municipality's",
                 "市区町村コードがなく --municipality もないため、ID に市区町村コードを付けていません"
                 "（他の市町村の ID と重なるおそれがあります）") < 0)
            return -1;
    }
    return 0;
}

/* Whether a 受入対象者 cell names people who need care. */
static int names_care_group(const char *s)
{
    static const char *const groups[] = {
        "要配慮者", "障害者", "障がい者", "障碍者", "高齢者", "妊産婦", "乳幼児", "要介護",
        "難病", "医療的ケア", "福祉", NULL
    };

    for (size_t i = 0; groups[i]; i++)
        if (strstr(s, groups[i]))
            return 1;
    return 0;
}

/* kind and welfare of a published shelter list (DESIGN.md 5, v2). */
static void row_shelter_kind(struct writer *w, const struct csv_record *rec)
{
    struct plan *p = w->p;
    char *kind = val(w, w->i_kind), *welfare = val(w, w->i_welfare), note[8];
    int t = target_of(p, "@target"), yes = p->welfare_list;

    if (!kind || !welfare)
        return;
    if (strcmp(kind, "welfare") == 0 || strcmp(welfare, "true") == 0)
        yes = 1;
    for (size_t k = 0; k < p->nwelfare; k++) {
        const char *v = cell(p->t, (size_t)(rec - p->t->records), (size_t)p->welfare_cols[k]);
        int b = jp_yesno(v, note, sizeof note);

        /* ○, 1, 可, or the name of who is taken in */
        if (b == 1 || (b < 0 && !blank(v)))
            yes = 1;
    }
    if (t >= 0 && p->src[t] >= 0
        && names_care_group(cell(p->t, (size_t)(rec - p->t->records), (size_t)p->src[t])))
        yes = 1;
    if (yes)
        snprintf(kind, VALCAP, "welfare");
    else if (!*kind || strcmp(kind, "welfare") == 0)
        snprintf(kind, VALCAP, "%s", p->emergency_list ? "emergency_site" : "designated");
    snprintf(welfare, VALCAP, "%s", yes ? "true" : "false");
}

/* The devices of a children register, one canonical devices row each. */
static int row_devices(struct writer *w, struct row *r, const struct csv_record *rec)
{
    struct plan *p = w->p;
    size_t ri = (size_t)(rec - p->t->records);

    if (w->i_id < 0)
        return 0;
    for (int d = 1; d <= p->ndev; d++) {
        char v[NDEVF][VALCAP];
        int any = 0;

        for (int f = 0; f < NDEVF; f++) {
            int c = p->dev[d][f], t;
            int rc;

            v[f][0] = '\0';
            if (c < 0)
                continue;
            t = target_of(p, dev_fields[f]);
            rc = convert(r, &p->tg[t], p->names[c], cell(p->t, ri, (size_t)c), v[f],
                         VALCAP);
            if (rc < 0)
                return -1;
            any |= (f < 3 && *v[f]);
        }
        if (!any || r->rejected)
            continue;
        /* 生命維持 left empty (or no such column): a ventilator keeps a child
         * alive whatever the register forgot to say */
        if (!*v[3])
            snprintf(v[3], VALCAP, "%s", jp_device_life_sustaining(v[0]) ? "true" : "false");
        put_field(&w->dev, val(w, w->i_id), 1);
        for (int f = 0; f < NDEVF; f++)
            put_field(&w->dev, v[f], 0);
        pm_buf_puts(&w->dev, "\n");
        {
            long *more = realloc(w->out->device_lines,
                                 (w->out->ndevice_lines + 1) * sizeof *more);

            if (!more)
                return -1;
            w->out->device_lines = more;
            more[w->out->ndevice_lines++] = r->line;
        }
    }
    return 0;
}

/* Rewrites one data record.  0, or -1 when memory runs out. */
static int write_record(struct writer *w, const struct csv_record *rec)
{
    struct plan *p = w->p;
    struct row r = { rec->line, w->out, p, 0, "", 0 };
    size_t ri = (size_t)(rec - p->t->records);

    for (size_t i = 0; i < w->ncols; i++) {
        int t = w->cols[i].target, c = t >= 0 ? p->src[t] : -1;
        const char *raw = c >= 0 ? cell(p->t, ri, (size_t)c) : "";

        if (t >= 0 && p->alt[t] >= 0 && blank(raw)) {
            c = p->alt[t];
            raw = cell(p->t, ri, (size_t)c);
        }
        val(w, (int)i)[0] = '\0';
        if (c >= 0 && convert(&r, &p->tg[t], p->names[c], raw, val(w, (int)i),
                              VALCAP) < 0)
            return -1;
    }
    if (w->i_addr >= 0 && target_of(p, "@hougaki") >= 0 && p->src[target_of(p, "@hougaki")] >= 0) {
        char *one = jp_one_line(cell(p->t, ri, (size_t)p->src[target_of(p, "@hougaki")]));
        char *a = val(w, w->i_addr);

        if (!one)
            return -1;
        if (*one && !strstr(a, one))
            snprintf(a + strlen(a), VALCAP - strlen(a), "%s%s", *a ? " " : "", one);
        free(one);
    }
    if (w->i_life >= 0 && w->i_type >= 0 && !*val(w, w->i_life))
        snprintf(val(w, w->i_life), VALCAP, "%s",
                 jp_device_life_sustaining(val(w, w->i_type)) ? "true" : "false");
    if (row_identity(w, &r) < 0)
        return -1;
    row_shelter_kind(w, rec);
    if (w->i_notes >= 0 && r.notes_len) {
        char *n = val(w, w->i_notes);

        snprintf(n + strlen(n), VALCAP - strlen(n), "%s%s", *n ? "; " : "", r.notes);
    }
    if (p->ndev && row_devices(w, &r, rec) < 0)
        return -1;
    if (r.rejected)
        return 0;
    while (w->line < rec->line) {
        pm_buf_puts(&w->text, "\n");
        w->line++;
    }
    for (size_t i = 0; i < w->ncols; i++)
        put_field(&w->text, val(w, (int)i), i == 0);
    pm_buf_puts(&w->text, "\n");
    w->line++;
    return w->text.oom || w->dev.oom ? -1 : 0;
}

static int record_blank(const struct csv_table *t, size_t rec)
{
    for (size_t c = 0; c < record_width(t, rec); c++)
        if (!blank(cell(t, rec, c)))
            return 0;
    return 1;
}

static void plan_release(struct plan *p)
{
    for (size_t c = 0; p->names && c < p->ncols; c++)
        free(p->names[c]);
    free(p->names);
    free(p->m);
    free(p->src);
    free(p->alt);
    free(p->prio);
    free(p->tg);
}

/* Fills out's column list from the plan (for the preview). */
static int list_columns(const struct plan *p, struct layout_result *out)
{
    out->columns = calloc(p->ncols + 1, sizeof *out->columns);
    if (!out->columns)
        return -1;
    for (size_t c = 0; c < p->ncols; c++) {
        const struct match *m = &p->m[c];
        struct layout_column *lc = &out->columns[out->ncolumns++];

        lc->file = strdup(p->names[c]);
        if (!lc->file)
            return -1;
        if (m->target < 0)
            continue;
        lc->column = p->tg[m->target].name;
        if (m->device || is_device_target(p, m->target)) {
            int d = m->device ? m->device : 1, f = device_field(lc->column);

            snprintf(lc->device, sizeof lc->device, "device%d.%s", d, dev_fields[f]);
            lc->column = lc->device;
        }
    }
    return 0;
}

static int oom_error(struct layout_msg *err)
{
    memset(err, 0, sizeof *err);
    err->code = "nomem";
    return -1;
}

int layout_translate(const char *kind, const struct csv_table *t,
                     const struct layout_opts *o, struct layout_result *out,
                     struct layout_msg *err)
{
    struct plan p;
    struct writer w;
    struct variant *v = NULL;
    size_t nv = 0;
    int score, rc = -1;

    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    memset(&p, 0, sizeof p);
    memset(&w, 0, sizeof w);
    pm_buf_init(&w.text);
    pm_buf_init(&w.dev);
    p.kind = kind_by_name(kind);
    p.t = t;
    if (!p.kind) {
        err->code = "unknown_kind";
        err->en = strdup("kind: must be children, devices, shelters, power-points or facilities");
        err->ja = strdup("種類は children、devices、shelters、power-points、facilities のどれかです");
        return -1;
    }
    if (o && o->municipality) {
        if (jp_municipality(o->municipality, p.muni_buf) != 0) {
            err->code = "bad_municipality";
            err->en = strdup("--municipality: not a municipality code (全国地方公共団体コード)");
            err->ja = strdup("--municipality: 全国地方公共団体コード（5 桁または 6 桁）ではありません");
            return -1;
        }
        p.municipality = p.muni_buf;
    }
    if (t->nrecords == 0) {
        err->code = "empty_file";
        err->en = strdup("the file is empty: no header row");
        err->ja = strdup("ファイルが空です（見出しの行がありません）");
        return -1;
    }
    if (plan_table(&p, kind) != 0)
        goto nomem;
    v = variants_for(p.tg, p.ntg, &nv);
    if (!v)
        goto nomem;
    p.hrec = find_header(p.kind->bit, v, nv, t, &score);
    if (build_map(&p, v, nv) < 0 || list_columns(&p, out) < 0)
        goto nomem;
    out->header_line = t->records[p.hrec].line;
    if (name_layout(&p, out, err) < 0) {
        if (!err->en)
            goto nomem;
        goto done;
    }
    if (!p.published && p.hrec == 0) {
        /* canonical names on line 1: formats.c reads the file as it is */
        out->passthrough = 1;
        for (size_t rec = 1; rec < t->nrecords; rec++)
            out->rows += !record_blank(t, rec);
        rc = 0;
        goto done;
    }
    w.p = &p;
    w.out = out;
    w.i_kind = w.i_welfare = w.i_notes = w.i_id = w.i_muni = w.i_life = -1;
    if (plan_columns(&w) < 0)
        goto nomem;
    for (size_t rec = p.hrec + 1; rec < t->nrecords; rec++) {
        if (record_blank(t, rec))
            continue;
        out->rows++;
        if (write_record(&w, &t->records[rec]) < 0)
            goto nomem;
    }
    out->canonical = pm_buf_steal(&w.text, &out->canonical_len);
    if (p.ndev && out->ndevice_lines)
        out->devices = pm_buf_steal(&w.dev, &out->devices_len);
    if (!out->canonical)
        goto nomem;
    rc = 0;
    goto done;
nomem:
    layout_msg_release(err);
    rc = oom_error(err);
done:
    pm_buf_release(&w.text);
    pm_buf_release(&w.dev);
    free(w.vals);
    free(v);
    plan_release(&p);
    return rc;
}

static void msgs_release(struct layout_msg *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        layout_msg_release(&m[i]);
    free(m);
}

void layout_result_release(struct layout_result *r)
{
    if (!r)
        return;
    for (size_t c = 0; c < r->ncolumns; c++)
        free(r->columns[c].file);
    free(r->columns);
    free(r->canonical);
    free(r->devices);
    free(r->device_lines);
    msgs_release(r->rejects, r->nrejects);
    msgs_release(r->warnings, r->nwarnings);
    memset(r, 0, sizeof *r);
}
