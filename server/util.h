/* util.h -- the error enum, a growable byte buffer, array growth and small
 * string helpers.
 * No database, HTTP or network code: unit tests link this file. */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* One error enum for the whole daemon.  Handlers return these; only http.c
 * turns them into status codes and JSON bodies (see pm_err_status there). */
enum pm_err {
    PM_OK = 0,
    PM_ERR_BAD_REQUEST,     /* malformed or invalid input */
    PM_ERR_UNAUTHORIZED,    /* no token, or a wrong one */
    PM_ERR_FORBIDDEN,       /* a valid token whose role may not */
    PM_ERR_NOT_FOUND,
    PM_ERR_METHOD,          /* known path, wrong method */
    PM_ERR_CONFLICT,        /* e.g. an external_id already used */
    PM_ERR_TOO_LARGE,       /* request body over its cap */
    PM_ERR_MEDIA_TYPE,      /* a body we cannot read (Content-Encoding) */
    PM_ERR_UNPROCESSABLE,   /* an import with rejected rows */
    PM_ERR_TOO_MANY,        /* rate limited */
    PM_ERR_UNAVAILABLE,     /* database down or busy */
    PM_ERR_INTERNAL,
    PM_ERR_NOMEM
};

/* Writes a one-line message into err (errlen bytes; err may be NULL). */
void pm_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The machine-readable code of an error ("bad_request", ...). Static string. */
const char *pm_err_code(enum pm_err e);

/* A growable buffer.  Embed it, pm_buf_init() it, pm_buf_release() it.
 * On allocation failure, or an append past its size cap, the buffer remembers
 * it (oom = 1; over = 1 for the cap), further appends are ignored and the
 * caller checks oom once at the end. */
struct pm_buf {
    char *data;             /* always NUL-terminated when len > 0 */
    size_t len, cap;
    size_t max;             /* the size cap in bytes; 0: none */
    int oom;
    int over;               /* an append would have passed max */
};

void pm_buf_init(struct pm_buf *b);
/* pm_buf_init with a cap: the buffer never holds more than max bytes. */
void pm_buf_init_max(struct pm_buf *b, size_t max);
void pm_buf_release(struct pm_buf *b);
void pm_buf_append(struct pm_buf *b, const void *p, size_t n);
void pm_buf_puts(struct pm_buf *b, const char *s);
void pm_buf_printf(struct pm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pm_buf_vprintf(struct pm_buf *b, const char *fmt, va_list ap);
/* Appends s as the body of a JSON string (no quotes), escaping as RFC 8259 asks. */
void pm_buf_json_escape(struct pm_buf *b, const char *s);
/* Appends s escaped for HTML text and attribute values. */
void pm_buf_html_escape(struct pm_buf *b, const char *s);
/* Hands the data over to the caller (free() it) and resets the buffer. */
char *pm_buf_steal(struct pm_buf *b, size_t *len);
/* pm_buf_steal when every append succeeded; otherwise (oom) releases the
 * buffer and returns NULL. */
char *pm_buf_finish(struct pm_buf *b, size_t *len);

/* Room for one more element in an array that grows by doubling: when n has
 * reached *cap, returns p reallocated to twice *cap elements of elem bytes
 * (first elements when *cap is 0) and sets *cap; otherwise returns p.  NULL
 * when memory runs out or the size would overflow (p then stays valid and
 * *cap unchanged). */
void *pm_grow(void *p, size_t n, size_t *cap, size_t elem, size_t first);

/* 1 when the n bytes at s hold a NUL byte or a JSON \u0000 escape (which
 * cJSON would decode into a string cut short), else 0. */
int pm_json_has_nul(const char *s, size_t n);

/* Reads the whole file at path ("-": standard input).  Returns its bytes,
 * NUL-terminated (free() them), and their number in *len (may be NULL), or
 * NULL when the file cannot be read or memory runs out. */
char *pm_read_file(const char *path, size_t *len);

/* Days in month m (1-12) of year y, Gregorian. */
int pm_days_in_month(int y, int m);

/* Reads 1..max ASCII digits at *p, advancing it; the number, or -1 when
 * there is no digit. */
int pm_read_digits(const char **p, int max);

/* Parses a whole decimal integer in [min,max]. Returns 0, or -1 when s is not
 * such a number (empty, trailing junk, out of range). */
int pm_parse_long(const char *s, long min, long max, long *out);
/* Parses a whole finite decimal number. Returns 0 or -1. */
int pm_parse_double(const char *s, double *out);

/* 1 when s looks like an ISO 8601 date or time ("2026-01-10",
 * "2026-01-10T09:00:00+09:00"): digits and -:T+Z. only, starting YYYY-.
 * PostgreSQL then checks it for real; this keeps out its special words
 * ("now", "yesterday", "infinity"). */
int pm_is_iso8601(const char *s);

/* Parses "minlon,minlat,maxlon,maxlat": four finite numbers, longitudes in
 * [-180, 180], latitudes in [-90, 90], min <= max.  Returns 0 and fills
 * out[4], or -1 with the problem in why (a static string). */
int pm_parse_bbox(const char *s, double out[4], const char **why);

/* Parses four finite numbers separated by commas (a bbox in any CRS).
 * Returns 0 and fills out[4], or -1 with the problem in why (static). */
int pm_parse_four(const char *s, double out[4], const char **why);

#endif
