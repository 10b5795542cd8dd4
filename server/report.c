/* report.c -- the council report's sections, labels and public version.
 *
 * The database gives exact figures (sql/0090_council.sql).  Here they become
 * sections in the order the council reads them, with Japanese titles, and in
 * the public version every count of children goes through the 1-10 rule:
 * a partition (cells adding up to the total) through disc_partition, a
 * subset (one group of the counted children) as the partition {in, out}, a
 * nested partition (the reasons of the unassigned) only under a parent cell
 * that is itself published exactly. */
#include "server/report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/disclosure.h"
#include "server/plan_render.h"

struct label {
    const char *section, *key, *text;
};

static const struct label labels[] = {
    { "age_band", "0-2", "0〜2歳" }, { "age_band", "3-5", "3〜5歳（就園期）" },
    { "age_band", "6-11", "6〜11歳（小学校）" }, { "age_band", "12-14", "12〜14歳（中学校）" },
    { "age_band", "15-17", "15〜17歳" }, { "age_band", "18+", "18歳以上" },
    { "affiliation", "home", "在宅（所属なし）" }, { "affiliation", "nursery", "保育所" },
    { "affiliation", "kindergarten", "幼稚園・認定こども園" }, { "affiliation", "school", "小・中・高等学校" },
    { "affiliation", "special_school", "特別支援学校" },
    { "affiliation", "day_service", "児童発達支援・放課後等デイ" }, { "affiliation", "other", "その他" },
    { "severe_disability", "yes", "重症心身障害あり" }, { "severe_disability", "no", "なし" },
    { "mobility", "walk", "歩行可" }, { "mobility", "wheelchair", "車いす" },
    { "mobility", "stretcher", "ストレッチャー" },
    { "decision", "stay_home", "在宅避難" }, { "decision", "charge", "充電に行く" },
    { "decision", "evacuate", "避難する" }, { "decision", "unassigned", "行き先なし" },
    { "decision", "no_plan", "計画なし" },
    { "plan_document", "draft", "下書き" }, { "plan_document", "agreed", "家族と合意済み" },
    { "plan_document", "shared", "支援者と共有済み" }, { "plan_document", "review_due", "要見直し" },
    { "care", "ventilator", "人工呼吸器" }, { "care", "tracheostomy", "気管切開" },
    { "care", "suction", "吸引" }, { "care", "oxygen", "在宅酸素" },
    { "care", "tube_feeding", "経管栄養" }, { "care", "iv", "中心静脈栄養・点滴" },
    { "care", "dialysis", "透析" }, { "care", "other", "その他" },
    { "life_sustaining", "life_sustaining", "生命維持に関わる機器を使う児" },
    { "transition", "preschool", "就園（3〜5歳で在宅）" }, { "transition", "school", "就学（小学校）" },
    { "transition", "junior_high", "中学校へ進学" }, { "transition", "high_school", "高等部・高校へ進学" },
    { "transition", "graduation", "卒業（18歳）" },
    { "without_location", "without_location", "自宅の位置が不明" },
    { "changes", "new", "期間中に新たに登録" }, { "changes", "updated", "期間中に更新" },
    { "changes", "unchanged", "変更なし" },
    /* the codes of plan_reason_code() (plan_words.c) */
    { "unassigned_reason", "capacity_taken", "行ける場所の電源がすべて埋まっている" },
    { "unassigned_reason", "not_reachable_in_time", "バッテリーが切れる前に着ける電源がない" },
    { "unassigned_reason", "no_destination", "行ける範囲に電源のある行き先がない" },
    { "unassigned_reason", "no_home_location", "自宅の位置が不明" },
    { "unassigned_reason", "other", "その他" },
    { NULL, NULL, NULL }
};

/* The sections in the order of DESIGN 9, with where their cells come from. */
struct section {
    const char *id, *title, *kind;   /* kind: partition | subset | nested */
    int ordered;                     /* cells in a natural order: merge only neighbours */
};

static const struct section sections[] = {
    { "age_band", "年齢別", "partition", 1 },
    { "care", "医療的ケアの内容別（重複あり）", "subset", 0 },
    { "life_sustaining", "生命維持に関わる機器", "subset", 0 },
    { "area", "地区別（町）", "partition", 0 },
    { "district", "地区別（丁目）", "partition", 0 },
    { "affiliation", "所属別", "partition", 0 },
    { "department", "報告した課別（重複あり）", "subset", 0 },
    { "severe_disability", "重症心身障害", "partition", 0 },
    { "mobility", "移動の手段", "partition", 0 },
    { "decision", "個別避難計画の判断", "partition", 0 },
    { "unassigned_reason", "行き先がない理由", "nested", 0 },
    { "plan_document", "計画の状態（要見直しを含む）", "partition", 0 },
    { "transition", "12か月以内の移行（就園・就学・進学・卒業）", "subset", 0 },
    { "without_location", "自宅の位置", "subset", 0 },
    { "changes", "基準日以降の変化", "partition", 0 },
    { NULL, NULL, NULL, 0 }
};

const char *report_label(const char *section, const char *key)
{
    if (strcmp(key, "unknown") == 0)
        return "不明";
    for (const struct label *l = labels; l->section; l++)
        if (strcmp(l->section, section) == 0 && strcmp(l->key, key) == 0)
            return l->text;
    return key;
}

/* ----------------------------------------------------------- cells */

static long count_of(const cJSON *cell)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(cell, "count");

    return cJSON_IsNumber(n) ? (long)n->valuedouble : 0;
}

/* A cell on its way to publication: its keys and labels joined when the
 * public version merged it with others. */
struct pcell {
    char key[256], label[512];
    struct disc_cell d;
};

/* Writes a cell's published form: count, or null and a flag. */
static int add_cell(cJSON *cells, const struct pcell *pc)
{
    cJSON *c = cJSON_CreateObject();

    if (!c || !cJSON_AddItemToArray(cells, c)) {
        cJSON_Delete(c);
        return -1;
    }
    cJSON_AddStringToObject(c, "key", pc->key);
    cJSON_AddStringToObject(c, "label", pc->label);
    if (pc->d.state == DISC_PUBLISHED) {
        cJSON_AddNumberToObject(c, "count", (double)pc->d.count);
    } else {
        cJSON_AddNullToObject(c, "count");
        cJSON_AddBoolToObject(c, pc->d.state == DISC_SUPPRESSED ? "suppressed" : "hidden", 1);
    }
    return 0;
}

/* Appends sep and src to dst (cap bytes), cut when full. */
static void append(char *dst, size_t cap, const char *sep, const char *src)
{
    size_t n = strlen(dst), a = strlen(sep), b = strlen(src);

    if (n + a + b + 1 > cap)
        return;
    memcpy(dst + n, sep, a);
    memcpy(dst + n + a, src, b + 1);
}

/* The partner a small cell i merges with: a neighbour when the cells are in a
 * natural order (ages), else the smallest other non-empty cell. */
static int merge_partner(const struct pcell *pc, int n, int i, int ordered)
{
    int best = -1;

    for (int j = 0; j < n; j++) {
        if (j == i || pc[j].d.count == 0 || (ordered && j != i - 1 && j != i + 1))
            continue;
        if (best < 0 || pc[j].d.count < pc[best].d.count)
            best = j;
    }
    return best;
}

/* Public partition: the 1-10 rule, and when it would hide the whole
 * breakdown, coarser groups first: the smallest cell of 1-10 is merged with a
 * partner and the rule tried again (a coarser partition publishes nothing
 * the finer one hid).  Returns the number of cells left. */
static int public_partition(struct pcell *pc, int n, long total, int ordered)
{
    for (;;) {
        struct disc_cell *dc = malloc(((size_t)n + 1) * sizeof *dc);
        int small = -1, j, ok;

        if (!dc)
            return -1;
        for (int i = 0; i < n; i++)
            dc[i] = pc[i].d;
        ok = disc_partition(total, dc, (size_t)n);
        for (int i = 0; i < n; i++)
            pc[i].d.state = dc[i].state;
        free(dc);
        if (ok || !disc_safe(total))
            return n;
        for (int i = 0; i < n; i++)
            if (!disc_safe(pc[i].d.count) && (small < 0 || pc[i].d.count < pc[small].d.count))
                small = i;
        j = small < 0 ? -1 : merge_partner(pc, n, small, ordered);
        if (j < 0)
            return n;       /* nothing to merge with: stays hidden */
        if (j < small) {
            int t = j;

            j = small;
            small = t;
        }
        /* Cell j joins cell small (the earlier of the two keeps its place). */
        pc[small].d.count += pc[j].d.count;
        append(pc[small].key, sizeof pc[small].key, "+", pc[j].key);
        append(pc[small].label, sizeof pc[small].label, "・", pc[j].label);
        memmove(&pc[j], &pc[j + 1], (size_t)(n - j - 1) * sizeof *pc);
        n--;
    }
}

/* The state of a subset cell x of the counted children: shown when x and
 * the rest (total - x, which anyone can work out) are both safe; "1-10"
 * when x is small; not shown when only the rest is small. */
static enum disc_state subset_state(long x, long total)
{
    if (!disc_safe(x))
        return DISC_SUPPRESSED;
    return disc_safe(total - x) ? DISC_PUBLISHED : DISC_HIDDEN;
}

/* Fills cells from the exact cells src of section s, under parent (the
 * total of a partition, the parent cell of a nested one).  Public: the rule
 * decides each cell's state; parent_st says whether the parent is shown. */
static int fill_cells(cJSON *cells, const struct section *s, const char *kind, const cJSON *src,
                      long parent, enum disc_state parent_st, int pub)
{
    int n = cJSON_GetArraySize(src), rc = 0;
    struct pcell *pc = calloc((size_t)n + 1, sizeof *pc);

    if (!pc)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *c = cJSON_GetArrayItem(src, i);
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "key"));

        snprintf(pc[i].key, sizeof pc[i].key, "%s", k ? k : "?");
        snprintf(pc[i].label, sizeof pc[i].label, "%s", report_label(s->id, pc[i].key));
        pc[i].d.count = count_of(c);
        pc[i].d.state = DISC_PUBLISHED;
    }
    if (pub && parent_st != DISC_PUBLISHED) {
        for (int i = 0; i < n; i++)
            pc[i].d.state = DISC_HIDDEN;
    } else if (pub && strcmp(kind, "subset") == 0) {
        for (int i = 0; i < n; i++)
            pc[i].d.state = subset_state(pc[i].d.count, parent);
    } else if (pub) {
        n = public_partition(pc, n, parent, s->ordered);
    }
    for (int i = 0; i < n && rc == 0; i++)
        rc = add_cell(cells, &pc[i]);
    free(pc);
    return n < 0 ? -1 : rc;
}

/* The exact cells of section id in the figures, and for a nested section the
 * parent cell's count and published state (looked up in out's sections). */
static const cJSON *source_cells(const cJSON *fig, const struct section *s)
{
    const char *group = strcmp(s->kind, "partition") == 0 ? "partitions"
                        : strcmp(s->kind, "subset") == 0 ? "subsets" : "nested";
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fig, group),
                                                      s->id);

    return strcmp(s->kind, "nested") == 0 ? cJSON_GetObjectItemCaseSensitive(g, "cells") : g;
}

/* The cell named key among cells, or NULL. */
static const cJSON *find_cell(const cJSON *cells, const char *key)
{
    const cJSON *cell;

    for (cell = cells ? cells->child : NULL; cell; cell = cell->next) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cell, "key"));

        if (k && key && strcmp(k, key) == 0)
            return cell;
    }
    return NULL;
}

static void parent_of(const cJSON *out_sections, const cJSON *fig, const struct section *s,
                      long *count, enum disc_state *st)
{
    const cJSON *nest = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fig, "nested"), s->id);
    const char *psec = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(nest, "parent"));
    const char *pcell = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(nest, "cell"));
    const cJSON *sec;

    *count = 0;
    *st = DISC_HIDDEN;
    for (sec = out_sections ? out_sections->child : NULL; sec; sec = sec->next) {
        const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sec, "id"));
        const cJSON *cell, *n;

        if (!sid || !psec || strcmp(sid, psec) != 0)
            continue;
        cell = find_cell(cJSON_GetObjectItemCaseSensitive(sec, "cells"), pcell);
        n = cJSON_GetObjectItemCaseSensitive(cell, "count");
        if (cJSON_IsNumber(n)) {
            *count = (long)n->valuedouble;
            *st = DISC_PUBLISHED;
        }
    }
}

/* The database gives the reasons of the unassigned as the planner's last
 * sentence, which carries figures (hours) and notes; the report counts them
 * by the sentence's code (plan_reason_code), in a fixed order, so that one
 * reason is one cell whatever its figures.  0, or -1 when out of memory. */
static const char *const reason_order[] = { "capacity_taken", "not_reachable_in_time",
                                            "no_destination", "no_home_location", "unknown",
                                            "other", NULL };

/* The cell of a reason: its code when the report names it, else "other". */
static const char *reason_cell(const char *sentence)
{
    const char *code = !sentence || strcmp(sentence, "unknown") == 0
                       ? "unknown" : plan_reason_code(sentence);

    for (size_t i = 0; reason_order[i]; i++)
        if (strcmp(code, reason_order[i]) == 0)
            return code;
    return "other";
}

static int reasons_by_code(cJSON *fig)
{
    const char *const *order = reason_order;
    cJSON *nest = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fig, "nested"),
                                                   "unassigned_reason");
    cJSON *cells = cJSON_GetObjectItemCaseSensitive(nest, "cells"), *out, *c;

    if (!cJSON_IsArray(cells))
        return 0;
    out = cJSON_CreateArray();
    for (size_t i = 0; out && order[i]; i++) {
        long n = 0;
        int any = 0;
        cJSON *cell;

        for (c = cells->child; c; c = c->next) {
            const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "key"));

            if (strcmp(reason_cell(k), order[i]) == 0) {
                n += count_of(c);
                any = 1;
            }
        }
        if (!any)
            continue;
        cell = cJSON_CreateObject();
        if (!cell || !cJSON_AddStringToObject(cell, "key", order[i])
            || !cJSON_AddNumberToObject(cell, "count", (double)n)
            || !cJSON_AddItemToArray(out, cell)) {
            cJSON_Delete(cell);
            cJSON_Delete(out);
            return -1;
        }
    }
    if (!out || !cJSON_ReplaceItemInObjectCaseSensitive(nest, "cells", out)) {
        cJSON_Delete(out);
        return -1;
    }
    return 0;
}

static int add_sections(cJSON *out, const cJSON *fig, long total, int pub)
{
    cJSON *arr = cJSON_AddArrayToObject(out, "sections");
    enum disc_state total_st = !pub || disc_safe(total) ? DISC_PUBLISHED : DISC_HIDDEN;

    if (!arr)
        return -1;
    for (const struct section *s = sections; s->id; s++) {
        const cJSON *src = source_cells(fig, s);
        cJSON *sec = cJSON_CreateObject(), *cells;
        long parent = total;
        enum disc_state pst = total_st;

        if (!sec || !cJSON_AddItemToArray(arr, sec)) {
            cJSON_Delete(sec);
            return -1;
        }
        cJSON_AddStringToObject(sec, "id", s->id);
        cJSON_AddStringToObject(sec, "title", s->title);
        cJSON_AddStringToObject(sec, "kind", strcmp(s->kind, "subset") == 0 ? "subset" : "partition");
        cells = cJSON_AddArrayToObject(sec, "cells");
        if (!cells)
            return -1;
        if (strcmp(s->kind, "nested") == 0)
            parent_of(arr, fig, s, &parent, &pst);
        if (src && fill_cells(cells, s, strcmp(s->kind, "nested") == 0 ? "partition" : s->kind,
                              src, parent, pst, pub) < 0)
            return -1;
    }
    return 0;
}

/* ----------------------------------------------------------- the report */

static void add_count(cJSON *out, const char *name, long n, int pub)
{
    if (!pub || disc_safe(n)) {
        cJSON_AddNumberToObject(out, name, (double)n);
    } else {
        char flag[64];

        cJSON_AddNullToObject(out, name);
        snprintf(flag, sizeof flag, "%s_suppressed", name);
        cJSON_AddBoolToObject(out, flag, 1);
    }
}

cJSON *report_council(const char *figures, int pub)
{
    cJSON *fig = cJSON_ParseWithOpts(figures, NULL, 1), *out = cJSON_CreateObject();
    const cJSON *v;
    long total, registered;

    if (!fig || !out || reasons_by_code(fig) < 0)
        goto fail;
    total = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(fig, "total"));
    registered = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(fig, "registered"));
    cJSON_AddStringToObject(out, "title", "医療的ケア児の実態把握（協議の場 資料）");
    cJSON_AddItemToObject(out, "at", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(fig, "at"), 1));
    cJSON_AddBoolToObject(out, "public", pub);
    cJSON_AddItemToObject(out, "definition",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(fig, "definition"), 1));
    add_count(out, "total", total, pub);
    if (!pub) {
        cJSON_AddNumberToObject(out, "registered", (double)registered);
        cJSON_AddNumberToObject(out, "outside_definition", (double)(registered - total));
    }
    v = cJSON_GetObjectItemCaseSensitive(fig, "plan_run_id");
    cJSON_AddItemToObject(out, "plan_run_id", v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    v = cJSON_GetObjectItemCaseSensitive(fig, "since");
    cJSON_AddItemToObject(out, "since", v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    v = cJSON_GetObjectItemCaseSensitive(fig, "removed_since");
    if (cJSON_IsNumber(v))
        add_count(out, "removed_since", (long)v->valuedouble, pub);
    if (add_sections(out, fig, total, pub) < 0)
        goto fail;
    /* Institutions, not children: their counts are public as they are. */
    cJSON_AddItemToObject(out, "resources",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(fig, "resources"), 1));
    cJSON_Delete(fig);
    return out;
fail:
    cJSON_Delete(fig);
    cJSON_Delete(out);
    return NULL;
}
