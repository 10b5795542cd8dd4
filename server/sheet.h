/* sheet.h -- spreadsheets (.xlsx, .xls, .ods) read through GDAL's XLSX, XLS
 * (FreeXL) and ODS drivers, and the kind of any file told by its first
 * bytes, never by its name. */
#ifndef POWERMAP_SHEET_H
#define POWERMAP_SHEET_H

#include <stddef.h>

/* What the first bytes of a file say it is: "xlsx", "xls", "ods" for
 * spreadsheets; "zip", "gpkg", "geojson", "kml" for what may be vector
 * data; for other binary files a name people know ("PDF", "PNG 画像",
 * "Word 文書" ...); NULL for text (CSV). */
const char *sheet_sniff(const char *data, size_t len);

/* Reads one sheet of a spreadsheet of type ("xlsx", "xls", "ods"): the
 * sheet called `sheet`, or the first when NULL.  Writes it as CSV text
 * (UTF-8, every cell quoted) in which the record of spreadsheet row N is
 * on line N and cells have no line breaks (removed inside Japanese text,
 * a space elsewhere).  On success returns 0, sets *csv (malloc'd) and
 * *csv_len, and copies the sheet's name to name (cap bytes).  Returns -1
 * with code, English and Japanese messages (each cap bytes) otherwise --
 * the file cannot be opened, or there is no such sheet (the message lists
 * the sheets there are). */
int sheet_to_csv(const char *data, size_t len, const char *type, const char *sheet,
                 char **csv, size_t *csv_len, char *name, size_t cap,
                 const char **code, char *en, char *ja, size_t errcap);

/* Registers GDAL's drivers once; safe from any thread. */
void sheet_gdal_init(void);

#endif
