/* layout_table.h -- the published header names and value words (data only;
 * layouts.c reads them). */
#ifndef POWERMAP_LAYOUT_TABLE_H
#define POWERMAP_LAYOUT_TABLE_H

#include <stddef.h>

/* Kinds an entry belongs to. */
enum { K_C = 1, K_D = 2, K_S = 4, K_P = 8, K_F = 16 };

/* How a column's values are written in the canonical CSV. */
enum layout_form {
    F_ID,       /* NFKC, one line; "12.0" from a spreadsheet is "12" */
    F_LINE,     /* free text on one line (line breaks inside names removed) */
    F_TEXT,     /* NFKC, one line (hours, codes) */
    F_BOOL,     /* marks as published -> true/false, a note kept */
    F_NUM,      /* NFKC, units (W, 時間, 個 ...) dropped */
    F_CAP,      /* persons: indoor figure, else the first number */
    F_DATE,     /* 和暦 and every written form -> YYYY-MM-DD */
    F_CARE,     /* Japanese care words -> canonical list */
    F_COORD,    /* NFKC number */
    F_MUNI,     /* 全国地方公共団体コード, 6 digits */
    F_ENUM,     /* Japanese words -> canonical values (values table) */
    F_PHONE,    /* NFKC */
    F_DEVTYPE,  /* Japanese device names -> canonical types, else as written */
    F_HINT,     /* not a column: read by the layout's own rules */
    F_RAW,      /* a canonical column the table does not name: as written, one line */
};

struct layout_target {
    unsigned kinds;
    const char *name;           /* canonical column, or "@hint" */
    enum layout_form form;
    const char *variants;       /* '|'-separated header names, best first */
    const char *values;         /* F_ENUM: "word=value|..." (substring of the
                                   NFKC cell, in order; "*=v" for the rest) */
};

struct layout_known {
    unsigned kind;
    const char *id;
    const char *label;
    const char *signature;      /* '|'-separated header names as published */
};

struct layout_kind {
    const char *name;
    unsigned bit;
    const char *required;       /* '|'-separated canonical columns */
    const char *label;
};

extern const struct layout_target layout_targets[];
extern const size_t layout_ntargets;
extern const struct layout_known layout_known[];
extern const size_t layout_nknown;
extern const struct layout_kind layout_kinds[];
extern const size_t layout_nkinds;

#endif
