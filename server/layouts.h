/* layouts.h -- recognise a table's layout by the columns it has, and rewrite
 * it as the canonical CSV of its kind (DESIGN.md section 5, v2).
 *
 * Pure code: no database, network or HTTP.  The input is a parsed table
 * (csv.h; spreadsheets are turned into one by sheet.c).  Header names are
 * compared by jp_header_key (NFKC, case, separators) against a table of the
 * names municipalities publish; the header may sit below title rows and
 * span two rows (merged group cells).  Values are rewritten from their
 * published forms (jptext.h) into the canonical forms formats.c checks.
 *
 * The canonical text keeps line numbers: the data record that starts on
 * line L of the input is on line L of the output (blank lines pad), so that
 * every reason formats.c gives names the line of the file as people see it.
 * Rows this layer rejects (a capacity or date it cannot read) are left out
 * of the text and listed in `rejects`. */
#ifndef POWERMAP_LAYOUTS_H
#define POWERMAP_LAYOUTS_H

#include <stddef.h>

#include "server/csv.h"

/* A message for people: a stable English code, the text in English and in
 * Japanese, and the file's own name of the column concerned (or NULL). */
struct layout_msg {
    long line;              /* 0: the whole file */
    const char *code;       /* static */
    char *column;
    char *en;
    char *ja;
};

/* One header cell and what it feeds. */
struct layout_column {
    char *file;             /* as the file names it (both rows of a two-row header) */
    const char *column;     /* canonical column, "device1.power_w", "@..." or NULL: ignored */
    char device[24];        /* holds the "deviceN.field" names */
};

struct layout_opts {
    const char *municipality;   /* --municipality CODE, or NULL */
};

struct layout_result {
    const char *layout;     /* stable id: "digital-agency", "gsi-shelter", ... (static) */
    const char *label;      /* its Japanese name (static) */
    long header_line;
    struct layout_column *columns;
    size_t ncolumns;
    size_t rows;            /* non-empty data records read */
    int passthrough;        /* canonical names on line 1: import the file as it is
                               (canonical is NULL) */
    char *canonical;        /* the table as canonical CSV, NUL-terminated */
    size_t canonical_len;
    /* children registers with devices in columns: the devices as canonical
     * CSV, and for each of its data lines (index 0 is line 2) the input line */
    char *devices;
    size_t devices_len;
    long *device_lines;
    size_t ndevice_lines;
    struct layout_msg *rejects;
    size_t nrejects;
    struct layout_msg *warnings;
    size_t nwarnings;
};

/* Recognise table t as a file of kind ("children", "devices", "shelters",
 * "power-points", "facilities") and rewrite it into out (caller-provided,
 * uninitialised).  Returns 0 on success; -1 when the layout is not
 * recognised (err->code "unknown_layout": the messages name the columns
 * found and the nearest known layout) or memory runs out (code "nomem").
 * err's strings are the caller's to free with layout_msg_release; out must
 * be released with layout_result_release either way. */
int layout_translate(const char *kind, const struct csv_table *t,
                     const struct layout_opts *o, struct layout_result *out,
                     struct layout_msg *err);

/* The canonical name of a header as layouts would map it for kind, or NULL;
 * for tests and the preview. */
const char *layout_column_for(const char *kind, const char *header);

void layout_result_release(struct layout_result *r);
void layout_msg_release(struct layout_msg *m);

#endif
