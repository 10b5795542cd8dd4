/* formats.h -- turn an import file (DESIGN.md section 5) into canonical rows
 * of one kind, ready for the database layer to COPY into a staging table.
 *
 * Pure code: no database, network or HTTP.  fmt_parse decodes the file
 * (csv.h), recognises its layout, checks every row against the rules of
 * DESIGN.md section 4 and rewrites accepted values into PostgreSQL text
 * input form:
 *
 *   booleans      "t" or "f"
 *   numbers       plain decimal text ("1371", "0.5", "-12.25"); full-width
 *                 digits, signs and thousands separators are normalised
 *   dates         "YYYY-MM-DD"
 *   care          an array literal with every element double-quoted:
 *                 {"ventilator","suction"}, {}
 *   supporters, medical_contacts, sources
 *                 a JSON array of objects with every key present (null when
 *                 not given): [{"name":"A","relation":null,"phone":null,
 *                 "address":null}], []
 *   hours         "24h" or "HH:MM-HH:MM"
 *   optional text NULL (the C pointer) when empty
 *
 * Values are left RAW for the COPY text format: free text (names, addresses,
 * supporters) may contain tabs, newlines and backslashes.  The DB layer
 * must escape '\\', '\t', '\n' and '\r' (and write a NULL pointer as \N)
 * when it builds COPY data, or use a parameterised path.
 *
 * Structured list cells (DESIGN 4 v2) are written in a file in one of two forms:
 *   - entries separated by ';' (or '；'), the fields of an entry by '|' in a
 *     fixed order, a backslash escaping the next character (\; \| \\);
 *     fields left off at the end are empty:
 *       supporters        name|relation|phone|address     (a bare name is fine)
 *       medical_contacts  role|name|organisation|phone    (role: doctor,
 *                         visiting_nurse, consultant, device_dealer, utility,
 *                         other, or 主治医, 訪問看護, 相談支援専門員 ...)
 *       sources           department|YYYY-MM-DD
 *     e.g.  山田 花子|祖母|090-0000-0000|架空市1-2;佐藤 一郎|近所
 *   - or, when the cell starts with '[', the JSON array of the API: objects
 *     with those keys (values strings or null), or for supporters strings.
 * At most FMT_MAX_ENTRIES entries.
 *
 * Length bounds (characters, not bytes): external ids FMT_MAX_ID, other text
 * and each field of a structured entry FMT_MAX_TEXT, notes, settings and
 * consent_scope FMT_MAX_LONG.  A longer value rejects the row, naming the
 * column.
 *
 * A row that breaks any rule is rejected whole; its reason names the column
 * (canonical name, plus the file's header in parentheses when that differs)
 * and the problem; several problems are joined with "; ".  The reason does
 * not repeat the line number:  power_w: "-5" is not a number >= 0
 */
#ifndef POWERMAP_FORMATS_H
#define POWERMAP_FORMATS_H

#include <stdbool.h>
#include <stddef.h>

#include "server/csv.h"
#include "server/util.h"

enum fmt_kind { FMT_CHILDREN, FMT_DEVICES, FMT_SHELTERS, FMT_POWER_POINTS, FMT_FACILITIES };

/* The most columns any kind has (children: 31). */
#define FMT_MAX_COLS 40

#define FMT_MAX_ID 100       /* external_id, child_external_id, device type */
#define FMT_MAX_TEXT 300     /* names, addresses, phones ... */
#define FMT_MAX_LONG 4000    /* notes, settings, consent_scope */
#define FMT_MAX_ENTRIES 50   /* entries of a structured list */

struct fmt_row {
    long line;        /* physical line where the record starts; header is line 1 */
    char **fields;    /* fields[ncols]; NULL means SQL NULL; read-only */
};

struct fmt_reject {
    long line;
    char *reason;     /* e.g.  lat: "95" is out of range [-90, 90] */
    char *ja;         /* the same in Japanese: per column "label \x1e message",
                         columns separated by \x1f (ingest_msgs.c joins them) */
    const char *code; /* the first problem's stable code, e.g. "bad_latitude" */
};

struct fmt_arena;     /* private to formats.c */

struct fmt_result {
    enum fmt_kind kind;
    size_t ncols;
    const char *const *cols;     /* canonical column names, in order (static) */
    /* present[i]: the file supplied column i (or, for a published shelter
     * layout, the column is derived from it).  A column that is absent still
     * gets its default value in every row; the DB layer may choose not to
     * overwrite stored values with it on re-import. */
    bool present[FMT_MAX_COLS];
    struct fmt_row *rows;        /* accepted rows, in file order */
    size_t nrows;
    struct fmt_reject *rejects;  /* rejected rows, in file order */
    size_t nrejects;
    const char *format;          /* "canonical", "digital-agency",
                                    "gsi-emergency-site", "gsi-shelter" */
    const char *encoding;        /* "utf-8", "utf-8-bom", "cp932" */

    /* private */
    struct csv_table csv;
    struct fmt_arena *arena;
    char **cells;
};

/* Parse `len` bytes of `data` as an import file of `kind` into `out`, which
 * the caller provides uninitialised.  Returns PM_OK on success: rows and
 * rejects are filled (rejects may be non-empty, rows may be empty).  Returns
 * PM_ERR_BAD_REQUEST when the file as a whole cannot be read -- undecodable
 * bytes, no header row, a quoted field never closed, a required column
 * missing (all missing columns are named), a column given twice --
 * PM_ERR_NOMEM when memory runs out, PM_ERR_NOT_FOUND for an unknown kind,
 * each with a one-line message in err.  Either way `out` must be released
 * with fmt_result_release; every string in it is owned by `out`.
 *
 * Required columns: children external_id; devices child_external_id, type,
 * power_w, battery_h; shelters external_id, name (or a published layout);
 * power points and facilities external_id, name, kind.  Header names are matched after
 * trimming spaces, ASCII case-insensitively for canonical names. */
enum pm_err fmt_parse(enum fmt_kind kind, const char *data, size_t len,
                      struct fmt_result *out, char *err, size_t errlen);

/* The row-level entry: one record given as canonical column names and their
 * values in file form (values[i] as it would be written in a CSV cell; NULL
 * or "" is empty), checked by the same rules as a file row.  The API and the
 * web application write through it.  `out` (caller-provided, uninitialised)
 * gets present[] = the names given and, on PM_OK, rows[0] with every column
 * (absent ones at their defaults).  Returns PM_OK; PM_ERR_BAD_REQUEST with
 * the reason in err (an unknown or repeated name, or a value that breaks a
 * rule: "lat: \"95\" is not a latitude in [-90, 90]"); PM_ERR_NOMEM.  Release
 * `out` with fmt_result_release in every case. */
enum pm_err fmt_check_row(enum fmt_kind kind, const char *const *names,
                          const char *const *values, size_t n, struct fmt_result *out,
                          char *err, size_t errlen);

/* The JSON type of column col of kind in the API: 'n' number, 'b' boolean,
 * 'l' list of strings (care), 'j' list of objects (structured lists), 's'
 * string. */
char fmt_json_type(enum fmt_kind kind, size_t col);

/* Free everything in `r` and zero it.  NULL or a released result is a no-op. */
void fmt_result_release(struct fmt_result *r);

/* "children", "devices", "shelters", "power-points" (also "power_points"),
 * "facilities" to a kind: returns 0 and sets *out, or -1 for any other name. */
int fmt_kind_from_name(const char *name, enum fmt_kind *out);

/* The canonical name of a kind ("power-points" for FMT_POWER_POINTS);
 * a static string. */
const char *fmt_kind_name(enum fmt_kind kind);

/* Canonical column names of a kind, in output order (static); *ncols is set
 * to their number. */
const char *const *fmt_columns(enum fmt_kind kind, size_t *ncols);

#endif
