/* gdal_vector.h -- hazard areas in any vector format GDAL reads (GeoJSON,
 * Shapefile plain or zipped, GeoPackage, KML ...) and any CRS, as one
 * GeoJSON FeatureCollection in WGS 84 with the `hazard` and `level`
 * properties import.c takes (DESIGN.md section 5, v2). */
#ifndef POWERMAP_GDAL_VECTOR_H
#define POWERMAP_GDAL_VECTOR_H

#include <stddef.h>

struct gv_opts {
    const char *hazard;     /* --hazard: for features that carry none */
    const char *level;      /* --level: likewise */
    const char *path;       /* the file on disk, when there is one (a .shp
                               needs its .dbf and .shx beside it) */
    const char *type;       /* what sheet_sniff said: "zip", "gpkg", "geojson", "kml", NULL */
};

struct gv_result {
    char *geojson;          /* the FeatureCollection, malloc'd */
    size_t len;
    const char *format;     /* GDAL's driver name ("ESRI Shapefile", "GPKG" ...) */
    char srs[128];          /* the source CRS as its authority code or name */
    const char *mapping;    /* "a31", "a33", "properties", "--hazard" */
    size_t features;
};

/* Reads len bytes of data (or o->path) and writes out.  Features whose
 * hazard cannot be told (no property, no A31/A33 attributes, no --hazard)
 * are written with the property left out, so that import.c rejects them
 * by number.  Returns 0, or -1 with code and messages (English, Japanese;
 * each cap bytes) when the file is not vector data GDAL can read. */
int gv_hazards(const char *data, size_t len, const struct gv_opts *o, struct gv_result *out,
               const char **code, char *en, char *ja, size_t cap);

void gv_result_release(struct gv_result *r);

#endif
