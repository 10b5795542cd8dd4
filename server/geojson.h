/* geojson.h -- checks on GeoJSON polygons before PostGIS sees them.  Pure. */
#ifndef GEOJSON_H
#define GEOJSON_H

#include <cjson/cJSON.h>

/* Checks that g is a well-formed GeoJSON Polygon or MultiPolygon geometry:
 * rings of at least four [lon, lat] positions in range, each closed.
 * Returns NULL, or a static message naming the problem.  Validity (a ring
 * crossing itself) is left to PostGIS's ST_IsValidReason. */
const char *geojson_check_polygon(const cJSON *g);

#endif
