/* geojson.c -- checks on GeoJSON polygons (see geojson.h). */
#include "server/geojson.h"

#include <math.h>
#include <string.h>

/* Checks a ring: an array of at least four [lon, lat] positions in range, the
 * last equal to the first.  Returns NULL or the problem. */
static const char *check_ring(const cJSON *ring)
{
    int n = cJSON_GetArraySize(ring);
    const cJSON *first, *last;

    if (!cJSON_IsArray(ring) || n < 4)
        return "a ring needs at least 4 positions";
    for (const cJSON *pos = ring->child; pos; pos = pos->next) {
        const cJSON *x = cJSON_GetArrayItem(pos, 0), *y = cJSON_GetArrayItem(pos, 1);

        if (!cJSON_IsArray(pos) || !cJSON_IsNumber(x) || !cJSON_IsNumber(y))
            return "a position must be [lon, lat]";
        if (!isfinite(x->valuedouble) || fabs(x->valuedouble) > 180 ||
            !isfinite(y->valuedouble) || fabs(y->valuedouble) > 90)
            return "a position is out of range (lon -180..180, lat -90..90)";
    }
    first = ring->child;
    last = cJSON_GetArrayItem(ring, n - 1);
    if (cJSON_GetArrayItem(first, 0)->valuedouble != cJSON_GetArrayItem(last, 0)->valuedouble ||
        cJSON_GetArrayItem(first, 1)->valuedouble != cJSON_GetArrayItem(last, 1)->valuedouble)
        return "a ring is not closed (last position differs from the first)";
    return NULL;
}

static const char *check_polygon_coords(const cJSON *poly)
{
    if (!cJSON_IsArray(poly) || cJSON_GetArraySize(poly) < 1)
        return "a polygon needs at least one ring";
    for (const cJSON *ring = poly->child; ring; ring = ring->next) {
        const char *why = check_ring(ring);

        if (why)
            return why;
    }
    return NULL;
}

const char *geojson_check_polygon(const cJSON *g)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "type");
    const cJSON *coords = cJSON_GetObjectItemCaseSensitive(g, "coordinates");

    if (!cJSON_IsObject(g) || !cJSON_IsString(type))
        return "geometry: missing or without a type";
    if (strcmp(type->valuestring, "Polygon") == 0)
        return check_polygon_coords(coords);
    if (strcmp(type->valuestring, "MultiPolygon") == 0) {
        if (!cJSON_IsArray(coords) || cJSON_GetArraySize(coords) < 1)
            return "a MultiPolygon needs at least one polygon";
        for (const cJSON *p = coords->child; p; p = p->next) {
            const char *why = check_polygon_coords(p);

            if (why)
                return why;
        }
        return NULL;
    }
    return "geometry: must be a Polygon or MultiPolygon";
}

