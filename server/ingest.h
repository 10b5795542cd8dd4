/* ingest.h -- every import, from the file as the municipality has it to the
 * database: the one entry point of `powermapd import` and POST
 * /v1/import/{kind} (DESIGN.md sections 3, 5 and 7, v2).
 *
 * The bytes are identified by their content (CSV in UTF-8 or CP932, an
 * Excel or LibreOffice spreadsheet, a zipped Shapefile, a GeoPackage ...),
 * spreadsheets are read through GDAL (sheet.c), tables are recognised and
 * rewritten as canonical CSV (layouts.c) and hazard areas as GeoJSON in
 * WGS 84 (gdal_vector.c), and import_run (import.c) writes the result.  All
 * of it happens in one transaction, which a dry run rolls back. */
#ifndef POWERMAP_INGEST_H
#define POWERMAP_INGEST_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#include "server/import.h"
#include "server/layouts.h"

struct ingest_opts {
    int partial;                /* keep the good rows when some are rejected */
    int dry_run;                /* do everything, then roll back */
    const char *actor;          /* for history rows */
    int progress_fd;            /* >= 0: progress lines there */
    const char *geocoder;       /* base URL, or NULL */
    const char *municipality;   /* --municipality CODE */
    const char *hazard;         /* --hazard H: for features that carry none */
    const char *level;          /* --level N */
    const char *sheet;          /* --sheet NAME */
    const char *path;           /* the file on disk (CLI), for a Shapefile's sidecars */
};

/* A message for people and its stable code (see layouts.h). */
struct ingest_msg {
    long line;                  /* 0: the whole file */
    const char *code;           /* static */
    char *column;               /* the file's name of the column, or NULL */
    char *en, *ja;
};

struct ingest_report {
    char kind[16];
    const char *layout, *label;     /* static */
    const char *encoding;           /* utf-8, utf-8-bom, cp932, xlsx, xls, ods, or the vector format */
    char sheet[128];
    char crs[128];                  /* hazards: the source CRS */
    long header_line;
    size_t rows;                    /* data rows or features read */
    size_t accepted;                /* rows that would be written */
    size_t inserted, updated, unchanged;
    size_t devices;                 /* device rows written from a register's columns */
    size_t without_location, geocoded;
    size_t merged, queued;          /* children: reports merged into a registered child,
                                       or waiting in the duplicates queue (名寄せ) */
    int committed, dry_run;
    double seconds;
    struct layout_result lr;        /* columns found and their mapping */
    struct ingest_msg *rejects;
    size_t nrejects;
    struct ingest_msg *warnings;
    size_t nwarnings;
};

/* Imports len bytes of data as kind over connection c.  Returns 0 when the
 * import was committed (or, in a dry run, would have been), 1 when rows were
 * rejected and nothing was written, -1 when the file cannot be read at all
 * (err says why: code, English, Japanese) or the database failed.  rep is
 * filled as far as it got; release it (and err) in every case. */
int ingest_run(PGconn *c, const char *kind, const char *data, size_t len,
               const struct ingest_opts *o, struct ingest_report *rep,
               struct ingest_msg *err);

/* The report as JSON (api.md), messages in Japanese when ja.  malloc'd;
 * NULL when memory runs out. */
char *ingest_report_json(const struct ingest_report *rep, int ja);

/* The CLI's account of an import: rejects and warnings on errf ("FILE:LINE:
 * message", repeated reasons grouped), the summary on out.  rc is what
 * ingest_run returned. */
void ingest_print(const struct ingest_report *rep, int rc, const char *path, int ja,
                  FILE *out, FILE *errf);

/* Whether a locale or an Accept-Language header asks for Japanese. */
int ingest_wants_ja(const char *locale_or_accept_language);

void ingest_report_release(struct ingest_report *rep);
void ingest_msg_release(struct ingest_msg *m);

#endif
