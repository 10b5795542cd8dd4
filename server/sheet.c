/* sheet.c -- spreadsheets through GDAL, and telling files apart by content.
 *
 * The bytes are handed to GDAL as an in-memory file (/vsimem/), except for
 * .xls: FreeXL reads real files only, so it gets a private temporary file
 * (mode 0600, removed as soon as it is read).  Every row becomes one CSV
 * line with the spreadsheet's row number as its line number, so that the
 * reasons of an import name rows as Excel shows them. */
#include "server/sheet.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>

#include "server/jptext.h"
#include "server/util.h"

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void gdal_register(void)
{
    GDALAllRegister();
    /* no .aux.xml or other side files next to what we read */
    CPLSetConfigOption("GDAL_PAM_ENABLED", "NO");
}

void sheet_gdal_init(void)
{
    pthread_once(&gdal_once, gdal_register);
}

/* ---------------------------------------------------------------- sniffing */

static int has_at(const char *data, size_t len, size_t off, const char *magic, size_t n)
{
    return len >= off + n && memcmp(data + off, magic, n) == 0;
}

static int contains(const char *data, size_t len, const char *needle)
{
    return memmem(data, len, needle, strlen(needle)) != NULL;
}

/* A zip archive: which kind of document it is. */
static const char *sniff_zip(const char *data, size_t len)
{
    if (contains(data, len, "mimetypeapplication/vnd.oasis.opendocument.spreadsheet"))
        return "ods";
    if (contains(data, len, "mimetypeapplication/vnd.oasis.opendocument"))
        return "OpenDocument 文書";
    if (contains(data, len, "xl/workbook") || contains(data, len, "xl/worksheets"))
        return "xlsx";
    if (contains(data, len, "word/document"))
        return "Word 文書 (.docx)";
    if (contains(data, len, "ppt/slides"))
        return "PowerPoint 文書 (.pptx)";
    if (contains(data, len, "[Content_Types].xml"))
        return "xlsx";      /* Office Open XML with its parts listed later */
    return "zip";
}

/* Leading whitespace and a UTF-8 BOM skipped. */
static const char *text_start(const char *data, size_t len, size_t *rest)
{
    size_t i = has_at(data, len, 0, "\xEF\xBB\xBF", 3) ? 3 : 0;

    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    *rest = len - i;
    return data + i;
}

const char *sheet_sniff(const char *data, size_t len)
{
    static const struct {
        size_t off;
        const char *magic;
        size_t n;
        const char *name;
    } magics[] = {
        { 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "xls" },
        { 0, "SQLite format 3", 16, "gpkg" },
        { 0, "%PDF", 4, "PDF" },
        { 0, "\x89PNG", 4, "PNG 画像" },
        { 0, "\xFF\xD8\xFF", 3, "JPEG 画像" },
        { 0, "GIF8", 4, "GIF 画像" },
        { 0, "\x1F\x8B", 2, "gzip 圧縮ファイル" },
        { 0, "Rar!", 4, "RAR 圧縮ファイル" },
        { 0, "7z\xBC\xAF", 4, "7z 圧縮ファイル" },
        { 0, "\xFF\xFE", 2, "UTF-16 のテキスト（Excel の「Unicode テキスト」）" },
        { 0, "\xFE\xFF", 2, "UTF-16 のテキスト" },
        { 0, "\x00\x00\x27\x0A", 4, "Shapefile (.shp)" },
    };
    const char *t;
    size_t rest;

    if (has_at(data, len, 0, "PK\x03\x04", 4))
        return sniff_zip(data, len);
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (has_at(data, len, magics[i].off, magics[i].magic, magics[i].n))
            return magics[i].name;
    t = text_start(data, len, &rest);
    if (rest && t[0] == '{')
        return "geojson";
    if (rest > 5 && strncmp(t, "<?xml", 5) == 0 && contains(t, rest < 4096 ? rest : 4096, "<kml"))
        return "kml";
    if (rest > 4 && strncmp(t, "<kml", 4) == 0)
        return "kml";
    return NULL;
}

/* -------------------------------------------------------------- reading */

static atomic_ulong vsimem_seq;

/* A name for the bytes that GDAL can open; *tmpfile is set when it is a
 * real file the caller must unlink. */
static int place_bytes(const char *data, size_t len, const char *type, char *path, size_t cap,
                       int *tmpfile)
{
    *tmpfile = 0;
    if (strcmp(type, "xls") == 0) {
        const char *dir = getenv("TMPDIR");
        int fd;
        FILE *f;

        /* the XLS driver knows its files by their extension */
        snprintf(path, cap, "%s/powermap-sheet-XXXXXX.xls", dir && *dir ? dir : "/tmp");
        fd = mkstemps(path, 4);     /* mode 0600 */
        if (fd < 0)
            return -1;
        f = fdopen(fd, "wb");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            if (f)
                fclose(f);
            else
                close(fd);
            unlink(path);
            return -1;
        }
        *tmpfile = 1;
        return 0;
    }
    snprintf(path, cap, "/vsimem/powermap-sheet-%lu.%s", atomic_fetch_add(&vsimem_seq, 1) + 1,
             type);
    /* GDAL reads the caller's bytes in place; they outlive the dataset */
    return VSIFCloseL(VSIFileFromMemBuffer(path, (GByte *)data, (vsi_l_offset)len, FALSE)) == 0
           ? 0 : -1;
}

static void put_cell(struct pm_buf *b, const char *v, int first)
{
    char *one = jp_one_line(v ? v : "");
    const char *s = one ? one : "";

    if (!first)
        pm_buf_puts(b, ",");
    pm_buf_puts(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            pm_buf_puts(b, "\"");
        pm_buf_append(b, p, 1);
    }
    pm_buf_puts(b, "\"");
    free(one);
}

/* The layer's rows as CSV, row N on line N. */
static int layer_to_csv(OGRLayerH layer, struct pm_buf *b)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int nf = OGR_FD_GetFieldCount(defn);
    long line = 1;
    OGRFeatureH f;

    OGR_L_ResetReading(layer);
    while ((f = OGR_L_GetNextFeature(layer))) {
        long row = (long)OGR_F_GetFID(f);
        int last = -1;

        if (row < line)
            row = line;         /* FIDs are row numbers; never go back */
        for (; line < row; line++)
            pm_buf_puts(b, "\n");
        for (int i = 0; i < nf; i++)
            if (OGR_F_IsFieldSetAndNotNull(f, i))
                last = i;
        for (int i = 0; i <= last; i++)
            put_cell(b, OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i) : "",
                     i == 0);
        pm_buf_puts(b, "\n");
        line++;
        OGR_F_Destroy(f);
    }
    return b->oom ? -1 : 0;
}

static void sheet_list(GDALDatasetH ds, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (int i = 0; i < GDALDatasetGetLayerCount(ds) && n + 1 < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
                         OGR_L_GetName(GDALDatasetGetLayer(ds, i)));

        if (w < 0)
            break;
        n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;
    }
}

int sheet_to_csv(const char *data, size_t len, const char *type, const char *sheet,
                 char **csv, size_t *csv_len, char *name, size_t cap,
                 const char **code, char *en, char *ja, size_t errcap)
{
    static const char *const oo[] = { "HEADERS=DISABLE", "FIELD_TYPES=STRING", NULL };
    static const char *const cfg[][2] = {
        { "OGR_XLSX_HEADERS", "DISABLE" }, { "OGR_XLSX_FIELD_TYPES", "STRING" },
        { "OGR_ODS_HEADERS", "DISABLE" }, { "OGR_ODS_FIELD_TYPES", "STRING" },
        { "OGR_XLS_HEADERS", "DISABLE" }, { "OGR_XLS_FIELD_TYPES", "STRING" },
    };
    const char *drivers[] = { strcmp(type, "xls") == 0 ? "XLS" : strcmp(type, "ods") == 0
                              ? "ODS" : "XLSX", NULL };
    char path[512], sheets[400];
    GDALDatasetH ds = NULL;
    OGRLayerH layer;
    struct pm_buf b;
    int tmp = 0, rc = -1;

    sheet_gdal_init();
    pm_buf_init(&b);
    *csv = NULL;
    *code = "unreadable_spreadsheet";
    if (place_bytes(data, len, type, path, sizeof path, &tmp) != 0) {
        snprintf(en, errcap, "%s: cannot be staged for reading", type);
        snprintf(ja, errcap, "%s ファイルを読み込めません（一時ファイルを作れません）", type);
        return -1;
    }
    /* GDAL 3.6 reads these per driver from configuration, not open options,
     * and the ODS and XLSX drivers only when a sheet is first read: they
     * stay set until the end */
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++)
        CPLSetThreadLocalConfigOption(cfg[i][0], cfg[i][1]);
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, oo, NULL);
    if (!ds) {
        snprintf(en, errcap, "the %s file cannot be read: %s", type, CPLGetLastErrorMsg());
        snprintf(ja, errcap, "%s ファイルとして読めません（壊れているか、パスワードで保護されています）", type);
        goto out;
    }
    layer = sheet ? GDALDatasetGetLayerByName(ds, sheet) : GDALDatasetGetLayer(ds, 0);
    if (!layer) {
        sheet_list(ds, sheets, sizeof sheets);
        *code = sheet ? "no_such_sheet" : "empty_spreadsheet";
        snprintf(en, errcap, "--sheet: no sheet \"%s\"; the sheets are: %s", sheet ? sheet : "",
                 sheets);
        snprintf(ja, errcap, "シート「%s」がありません。このファイルのシート: %s", sheet ? sheet : "",
                 sheets);
        goto out;
    }
    snprintf(name, cap, "%s", OGR_L_GetName(layer));
    if (layer_to_csv(layer, &b) != 0) {
        *code = "nomem";
        snprintf(en, errcap, "out of memory");
        snprintf(ja, errcap, "メモリが足りません");
        goto out;
    }
    *csv = pm_buf_steal(&b, csv_len);
    rc = *csv ? 0 : -1;
out:
    if (ds)
        GDALClose(ds);
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++)
        CPLSetThreadLocalConfigOption(cfg[i][0], NULL);
    if (tmp)
        unlink(path);
    else
        VSIUnlink(path);
    pm_buf_release(&b);
    return rc;
}
