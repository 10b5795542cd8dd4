/* import.h -- write an import file into the database, all or nothing. */
#ifndef IMPORT_H
#define IMPORT_H

#include <libpq-fe.h>
#include <stddef.h>

struct import_opts {
    int partial;            /* keep the good rows when some are rejected */
    const char *actor;      /* for history rows: "key:NAME" or "cli:USER" */
    int progress_fd;        /* >= 0: write progress lines there (a terminal) */
    int in_transaction;     /* 1: the caller has begun a transaction and will end it */
    const char *geocoder;   /* GSI AddressSearch-compatible base URL, or NULL: off */
};

struct import_reject {
    long line;              /* 0 for a whole-file problem */
    char *reason;
};

struct import_report {
    char kind[16];
    const char *format;     /* "canonical", "digital-agency", ..., "geojson" */
    const char *encoding;
    size_t rows;            /* data rows (or features) read */
    size_t inserted, updated, unchanged;
    size_t without_location;/* children kept without a home point */
    double seconds;
    int committed;          /* 1 when the database was changed (or would be) */
    struct import_reject *rejects;
    size_t nrejects;
    struct import_reject *warnings; /* rows kept with a problem (address not found) */
    size_t nwarnings;
    size_t geocoded;        /* rows placed by the geocoder (or its cache) */
};

/* Imports len bytes of data as kind ("children", "devices", "shelters",
 * "power-points", "hazards") over connection c, in one transaction.
 *
 * Returns 0 when the import was committed (no rejects, or o->partial),
 * 1 when rows were rejected and nothing was changed, and -1 when the file
 * cannot be read at all or the database failed, with a one-line message in
 * err.  In every case rep is filled as far as it got and must be released
 * with import_report_release. */
int import_run(PGconn *c, const char *kind, const char *data, size_t len,
               const struct import_opts *o, struct import_report *rep,
               char *err, size_t errlen);

/* Sets the total time one import may spend geocoding (seconds; default 300):
 * rows not reached by then are reported.  Process-wide; call before imports. */
void import_set_geocode_budget(int seconds);

/* The report as a JSON object (malloc'd text; NULL on out-of-memory). */
char *import_report_json(const struct import_report *rep);

void import_report_release(struct import_report *rep);

#endif
