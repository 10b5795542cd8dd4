/* ingest.c -- from the file as a municipality has it to the database.
 *
 * Identify the bytes by content; read spreadsheets (sheet.c) and vector
 * files (gdal_vector.c) through GDAL; recognise the table's layout and
 * rewrite it as canonical CSV (layouts.c); then let import_run (import.c)
 * check and write it, inside one transaction of ours, which is rolled back
 * for a dry run or when rows were rejected without --partial.  A children
 * register with devices in its columns is two imports in that transaction:
 * the children, then their devices. */
#include "server/ingest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/csv.h"
#include "server/db.h"
#include "server/gdal_vector.h"
#include "server/ingest_msgs.h"
#include "server/sheet.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_err(struct ingest_msg *err, const char *code, const char *en, const char *ja)
{
    ingest_msg_release(err);
    err->code = code;
    err->en = strdup(en);
    err->ja = strdup(ja);
}

static int push(struct ingest_msg **list, size_t *n, const struct ingest_msg *m)
{
    struct ingest_msg *l = realloc(*list, (*n + 1) * sizeof *l);

    if (!l)
        return -1;
    *list = l;
    l[(*n)++] = *m;
    return 0;
}

/* Moves layouts.c's messages into the report. */
static int take_layout_msgs(struct layout_msg *m, size_t n, struct ingest_msg **list,
                            size_t *count)
{
    for (size_t i = 0; i < n; i++) {
        struct ingest_msg im = { m[i].line, m[i].code, m[i].column, m[i].en, m[i].ja };

        if (push(list, count, &im) < 0)
            return -1;
        memset(&m[i], 0, sizeof m[i]);
    }
    return 0;
}

/* Adds import.c's rejects or warnings, lines mapped through map (devices
 * from a register's columns) when given. */
static int take_import_msgs(const struct layout_result *lr, const struct import_reject *r,
                            size_t n, const long *map, size_t nmap, const char *warn_code,
                            struct ingest_msg **list, size_t *count)
{
    for (size_t i = 0; i < n; i++) {
        struct ingest_msg m;
        long line = r[i].line;

        if (map && line >= 2 && (size_t)(line - 2) < nmap)
            line = map[line - 2];
        if (ingest_msg_from_reason(lr, line, r[i].reason, r[i].ja, r[i].code, &m) < 0)
            return -1;
        if (warn_code && strcmp(m.code, "invalid_row") == 0)
            m.code = warn_code;
        if (push(list, count, &m) < 0) {
            ingest_msg_release(&m);
            return -1;
        }
    }
    return 0;
}

/* formats.c's whole-file problems in Japanese; returns their code. */
static const char *file_error_ja(const char *en, char *ja, size_t cap)
{
    static const struct {
        const char *start, *code, *ja;
    } known[] = {
        { "missing required column(s): ", "missing_column", "必要な列がありません: " },
        { "column \"", "duplicate_column", "同じ名前の列が 2 つあります: " },
        { "the file is empty", "empty_file", "ファイルが空です（見出しの行がありません）" },
    };

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t n = strlen(known[i].start);

        if (strncmp(en, known[i].start, n) == 0) {
            snprintf(ja, cap, "%s%s", known[i].ja,
                     strcmp(known[i].code, "empty_file") == 0 ? "" :
                     strcmp(known[i].code, "duplicate_column") == 0 ? en : en + n);
            return known[i].code;
        }
    }
    snprintf(ja, cap, "%s", en);
    return "unreadable";
}

static int db_fail(struct ingest_msg *err, const char *what, const char *why)
{
    char en[700];

    snprintf(en, sizeof en, "%s: %s", what, why);
    set_err(err, "database", en, en);
    return -1;
}

/* One import_run inside our transaction, its report merged into rep. */
static int run_one(PGconn *c, const char *kind, const char *text, size_t len,
                   const struct ingest_opts *o, const long *map, size_t nmap,
                   struct ingest_report *rep, struct ingest_msg *err)
{
    struct import_opts io = { o->partial, o->actor, o->progress_fd, 1, o->geocoder };
    struct import_report ir;
    enum pm_err e = import_run(c, kind, text, len, &io, &ir);
    int devices = map != NULL, rc = e == PM_ERR_UNPROCESSABLE ? 1 : 0;

    if (e != PM_OK && e != PM_ERR_UNPROCESSABLE) {
        if (e == PM_ERR_BAD_REQUEST && ir.rows == 0 && ir.nrejects == 0) {
            /* the canonical file as a whole: a column missing, given twice ... */
            char ja[700];
            const char *code = file_error_ja(ir.error, ja, sizeof ja);

            set_err(err, code, ir.error, ja);
            import_report_release(&ir);
            return -1;
        }
        db_fail(err, "import", ir.error);
        import_report_release(&ir);
        return -1;
    }
    if (take_import_msgs(&rep->lr, ir.rejects, ir.nrejects, map, nmap, NULL, &rep->rejects,
                         &rep->nrejects) < 0
        || take_import_msgs(&rep->lr, ir.warnings, ir.nwarnings, map, nmap,
                            "kept_without_location", &rep->warnings, &rep->nwarnings) < 0) {
        import_report_release(&ir);
        return db_fail(err, "import", "out of memory");
    }
    if (devices) {
        rep->devices = ir.inserted + ir.updated + ir.unchanged;
    } else {
        rep->inserted += ir.inserted;
        rep->updated += ir.updated;
        rep->unchanged += ir.unchanged;
        rep->without_location += ir.without_location;
        rep->merged += ir.merged;
        rep->queued += ir.queued;
        rep->geocoded += ir.geocoded;
        if (!rep->rows)
            rep->rows = ir.rows;
    }
    import_report_release(&ir);
    return rc;
}

/* Distinct rejected lines. */
static size_t rejected_lines(const struct ingest_report *rep)
{
    size_t n = 0;

    for (size_t i = 0; i < rep->nrejects; i++) {
        size_t k;

        for (k = 0; k < i && rep->rejects[k].line != rep->rejects[i].line; k++)
            ;
        n += k == i;
    }
    return n;
}

/* Writes what was read: BEGIN, the imports, then COMMIT or ROLLBACK. */
static int write_all(PGconn *c, const char *kind, const char *text, size_t len,
                     const struct ingest_opts *o, struct ingest_report *rep,
                     struct ingest_msg *err)
{
    char e[600];
    size_t bad;
    int rc;

    if (db_command(c, "BEGIN", e, sizeof e) < 0)
        return db_fail(err, "begin", e);
    rc = run_one(c, kind, text, len, o, NULL, 0, rep, err);
    if (rc >= 0 && rep->lr.devices)
        rc = run_one(c, "devices", rep->lr.devices, rep->lr.devices_len, o,
                     rep->lr.device_lines, rep->lr.ndevice_lines, rep, err);
    if (rc < 0) {
        db_command(c, "ROLLBACK", NULL, 0);
        return -1;
    }
    bad = rejected_lines(rep);
    rep->accepted = rep->rows > bad ? rep->rows - bad : 0;
    if (o->dry_run || (bad && !o->partial)) {
        db_command(c, "ROLLBACK", NULL, 0);
        if (!o->dry_run)
            rep->inserted = rep->updated = rep->unchanged = rep->devices = 0;
        return bad && !o->partial ? 1 : 0;
    }
    if (db_command(c, "COMMIT", e, sizeof e) < 0)
        return db_fail(err, "commit", e);
    rep->committed = 1;
    return 0;
}

/* ------------------------------------------------------------- tables */

/* The table of the file: CSV as it is, or a spreadsheet's sheet as CSV. */
static int read_table(const char **data, size_t *len, const char *type,
                      const struct ingest_opts *o, struct ingest_report *rep,
                      struct csv_table *t, char **owned, struct ingest_msg *err)
{
    char en[600], ja[900];
    const char *code;
    size_t n = 0;

    if (type && (strcmp(type, "xlsx") == 0 || strcmp(type, "xls") == 0
                 || strcmp(type, "ods") == 0)) {
        if (sheet_to_csv(*data, *len, type, o->sheet, owned, &n, rep->sheet, sizeof rep->sheet,
                         &code, en, ja, sizeof ja) != 0) {
            set_err(err, code, en, ja);
            return -1;
        }
        *data = *owned;
        *len = n;
        rep->encoding = type;
    } else if (type) {
        snprintf(en, sizeof en, "this is a %s file, not a table: send CSV or a spreadsheet "
                                "(.xlsx, .xls, .ods)", type);
        snprintf(ja, sizeof ja, "このファイルは %s です。表として読めません（CSV または Excel・"
                                "LibreOffice の表 .xlsx .xls .ods を送ってください）", type);
        set_err(err, "not_a_table", en, ja);
        return -1;
    }
    if (csv_parse(t, *data, *len, en, sizeof en) != 0) {
        snprintf(ja, sizeof ja, "CSV として読めません（文字コードは UTF-8 か Shift_JIS にしてください）: %s",
                 en);
        set_err(err, "unreadable_csv", en, ja);
        return -1;
    }
    if (!rep->encoding)
        rep->encoding = t->encoding;
    return 0;
}

static int ingest_table(PGconn *c, const char *kind, const char *data, size_t len,
                        const char *type, const struct ingest_opts *o,
                        struct ingest_report *rep, struct ingest_msg *err)
{
    struct csv_table t;
    struct layout_opts lo = { o->municipality };
    struct layout_msg lerr;
    char *owned = NULL;
    int rc = -1;

    memset(&t, 0, sizeof t);
    if (read_table(&data, &len, type, o, rep, &t, &owned, err) != 0)
        goto out;
    if (layout_translate(kind, &t, &lo, &rep->lr, &lerr) != 0) {
        if (lerr.en && lerr.ja)
            set_err(err, lerr.code, lerr.en, lerr.ja);
        else
            set_err(err, "nomem", "out of memory", "メモリが足りません");
        layout_msg_release(&lerr);
        goto out;
    }
    rep->layout = rep->lr.layout;
    rep->label = rep->lr.label;
    rep->header_line = rep->lr.header_line;
    rep->rows = rep->lr.rows;
    if (take_layout_msgs(rep->lr.rejects, rep->lr.nrejects, &rep->rejects, &rep->nrejects) < 0
        || take_layout_msgs(rep->lr.warnings, rep->lr.nwarnings, &rep->warnings,
                            &rep->nwarnings) < 0) {
        set_err(err, "nomem", "out of memory", "メモリが足りません");
        goto out;
    }
    if (rep->lr.passthrough)
        rc = write_all(c, kind, data, len, o, rep, err);
    else
        rc = write_all(c, kind, rep->lr.canonical, rep->lr.canonical_len, o, rep, err);
out:
    csv_release(&t);
    free(owned);
    return rc;
}

/* ------------------------------------------------------------- hazards */

static int ingest_hazards(PGconn *c, const char *data, size_t len, const char *type,
                          const struct ingest_opts *o, struct ingest_report *rep,
                          struct ingest_msg *err)
{
    struct gv_opts go = { o->hazard, o->level, o->path, type };
    struct gv_result gr;
    char en[700], ja[700];
    const char *code;
    int rc;

    if (gv_hazards(data, len, &go, &gr, &code, en, ja, sizeof en) != 0) {
        set_err(err, code, en, ja);
        return -1;
    }
    rep->layout = gr.mapping;
    rep->label = strcmp(gr.mapping, "a31") == 0 ? "国土数値情報 浸水想定区域（A31）"
                 : strcmp(gr.mapping, "a33") == 0 ? "国土数値情報 土砂災害警戒区域（A33）"
                 : "災害の想定区域";
    rep->encoding = gr.format;
    snprintf(rep->crs, sizeof rep->crs, "%s", gr.srs);
    rep->rows = gr.features;
    rc = write_all(c, "hazards", gr.geojson, gr.len, o, rep, err);
    rep->rows = gr.features;
    gv_result_release(&gr);
    return rc;
}

/* ------------------------------------------------------------- entry */

int ingest_run(PGconn *c, const char *kind, const char *data, size_t len,
               const struct ingest_opts *o, struct ingest_report *rep,
               struct ingest_msg *err)
{
    double t0 = now_s();
    const char *type = sheet_sniff(data, len);
    int rc;

    memset(rep, 0, sizeof *rep);
    memset(err, 0, sizeof *err);
    snprintf(rep->kind, sizeof rep->kind, "%s", kind);
    rep->dry_run = o->dry_run;
    if (strcmp(kind, "hazards") == 0)
        rc = ingest_hazards(c, data, len, type, o, rep, err);
    else
        rc = ingest_table(c, kind, data, len, type, o, rep, err);
    rep->seconds = now_s() - t0;
    if (rc < 0 && !err->en)
        set_err(err, "nomem", "out of memory", "メモリが足りません");
    return rc;
}

void ingest_report_release(struct ingest_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nrejects; i++)
        ingest_msg_release(&rep->rejects[i]);
    free(rep->rejects);
    for (size_t i = 0; i < rep->nwarnings; i++)
        ingest_msg_release(&rep->warnings[i]);
    free(rep->warnings);
    layout_result_release(&rep->lr);
    memset(rep, 0, sizeof *rep);
}
