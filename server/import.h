/* import.h -- write an import file into the database, all or nothing. */
#ifndef IMPORT_H
#define IMPORT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "server/util.h"

struct import_opts {
    int partial;            /* keep the good rows when some are rejected */
    const char *actor;      /* for history rows: "key:NAME" or "cli:USER" */
    int progress_fd;        /* >= 0: write progress lines there (a terminal) */
    int in_transaction;     /* 1: the caller has begun a transaction and will end it */
    const char *geocoder;   /* GSI AddressSearch-compatible base URL, or NULL: off */
};

struct import_reject {
    long line;              /* 0 for a whole-file problem */
    char *reason;           /* English: "column: message; column: message" */
    char *ja;               /* Japanese: per column "column \x1e message", columns
                               separated by \x1f (ingest_msgs.c names the columns
                               as the file does and joins them) */
    const char *code;       /* stable code of the first problem, e.g. "bad_date" */
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
    size_t merged, queued;  /* children: reports of a child already registered, merged
                               into it or waiting in the duplicates queue (名寄せ) */
    char error[512];        /* what went wrong when import_run is not PM_OK and no rows
                               say it (a one-line message, English) */
};

/* Imports len bytes of data as kind ("children", "devices", "shelters",
 * "power-points", "facilities", "hazards") over connection c, in one
 * transaction (or the caller's, o->in_transaction).
 *
 * Returns PM_OK when the import was committed (no rejects, or o->partial);
 * PM_ERR_UNPROCESSABLE when rows were rejected and nothing was changed (the
 * rows and reasons are in rep->rejects); PM_ERR_NOT_FOUND for an unknown
 * kind; PM_ERR_BAD_REQUEST when the file cannot be read at all;
 * PM_ERR_UNAVAILABLE / PM_ERR_INTERNAL when the database failed;
 * PM_ERR_NOMEM.  Except for PM_OK and PM_ERR_UNPROCESSABLE, rep->error says
 * what went wrong.  In every case rep is filled as far as it got and must be
 * released with import_report_release. */
enum pm_err import_run(PGconn *c, const char *kind, const char *data, size_t len,
                       const struct import_opts *o, struct import_report *rep);

/* Places one address: the geocode cache, then the GSI-compatible geocoder at
 * base (caching its answer).  Returns 1 found (lat, lon set), 0 not found, -1
 * unavailable (why in err).  The API's single-record writes use it. */
int import_geocode(PGconn *c, const char *base, const char *address, double *lat,
                   double *lon, char *err, size_t errlen);

/* Sets the total time one import may spend geocoding (seconds; default 300):
 * rows not reached by then are reported.  Process-wide; call before imports. */
void import_set_geocode_budget(int seconds);

void import_report_release(struct import_report *rep);

#endif
