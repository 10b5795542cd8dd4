/* csv.h -- CSV files as municipalities write them: RFC 4180 records in
 * UTF-8 (with or without a byte-order mark) or Shift_JIS (CP932).
 *
 * Pure code: no database, network or HTTP.  The whole file is decoded to
 * UTF-8 once and parsed in place, so a table is three allocations however
 * many fields it has.  csv_write_cell writes the CSVs the service answers. */
#ifndef POWERMAP_CSV_H
#define POWERMAP_CSV_H

#include <stddef.h>

/* One record: fields[first .. first+count-1] of its table. */
struct csv_record {
    long line;      /* physical line on which the record starts; 1 is the first */
    size_t first;   /* index of its first field in csv_table.fields */
    size_t count;   /* number of fields, at least 1 */
};

/* A parsed file.  Every string points into `text`, is NUL-terminated and is
 * valid UTF-8 without NUL bytes; quoted fields keep their embedded newlines
 * and spaces, unquoted fields lose surrounding ASCII spaces.  Blank lines
 * yield no record.  Callers read the members and never write them. */
struct csv_table {
    const char *encoding;        /* "utf-8", "utf-8-bom" or "cp932" (static) */
    char *text;                  /* the decoded file, fields parsed in place */
    size_t text_len;
    char **fields;               /* all fields of all records, in order */
    size_t nfields;
    struct csv_record *records;
    size_t nrecords;
    size_t fields_cap, records_cap;
};

/* Decode `len` bytes of `data` to UTF-8.  Bytes that are valid UTF-8 are used
 * as they are (a leading BOM removed); anything else is converted from CP932.
 * On success returns 0 and sets *out to a new NUL-terminated string the
 * caller frees, *out_len to its length and *encoding to "utf-8", "utf-8-bom"
 * or "cp932".  Returns -1 with a one-line message in err (naming the byte
 * offset at fault) when the bytes are neither, contain a NUL byte or memory
 * runs out. */
int csv_decode(const char *data, size_t len, char **out, size_t *out_len,
               const char **encoding, char *err, size_t errlen);

/* Decode (as csv_decode) and parse `len` bytes of `data` into `t`, which the
 * caller provides uninitialised.  Returns 0 on success; -1 with a one-line
 * message in err when the file cannot be decoded, a quoted field is never
 * closed, or memory runs out.  Either way `t` is left fit for csv_release. */
int csv_parse(struct csv_table *t, const char *data, size_t len,
              char *err, size_t errlen);

/* Field `i` of record `r`, or NULL when the record has fewer fields. */
const char *csv_field(const struct csv_table *t, const struct csv_record *r,
                      size_t i);

/* ---------------------------------------------------------------- writing */

struct pm_buf;

/* Appends s as one RFC 4180 cell to b, then ',' (or CRLF when last).  The
 * one CSV writer of the service.  A cell a spreadsheet would run as a
 * formula -- starting with '=', '+', '-', '@', a tab or a CR (issue 11.6:
 * names such as =HYPERLINK(...), +1-555;cmd, @SUM(...)) -- is neutralised
 * with a leading apostrophe (OWASP's advice); a plain number such as -12.5
 * is left as it is.  NULL is an empty cell. */
void csv_write_cell(struct pm_buf *b, const char *s, int last);

/* Free what csv_parse allocated and zero `t`.  NULL or an already released
 * table is a no-op. */
void csv_release(struct csv_table *t);

#endif
