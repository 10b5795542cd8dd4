/* fuzz_common.c -- what the fuzz harnesses share: reporting, and reference
 * checks written apart from the code under test. */
#include "tests/fuzz/fuzz.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fuzz_report(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
}

int fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = u[i], cp, len;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (n - i < len)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (u[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static int position_ok(const cJSON *pos, double *lon, double *lat)
{
    const cJSON *x, *y;

    if (!cJSON_IsArray(pos) || !pos->child || !pos->child->next)
        return 0;
    x = pos->child;
    y = x->next;
    if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y))
        return 0;
    *lon = x->valuedouble;
    *lat = y->valuedouble;
    return isfinite(*lon) && isfinite(*lat) && *lon >= -180 && *lon <= 180 && *lat >= -90 &&
           *lat <= 90;
}

static int ring_ok(const cJSON *ring)
{
    double lon0 = 0, lat0 = 0, lon = 0, lat = 0;
    int n = 0;

    if (!cJSON_IsArray(ring))
        return 0;
    for (const cJSON *p = ring->child; p; p = p->next, n++) {
        if (!position_ok(p, &lon, &lat))
            return 0;
        if (n == 0)
            lon0 = lon, lat0 = lat;
    }
    return n >= 4 && lon == lon0 && lat == lat0;
}

static int rings_ok(const cJSON *poly)
{
    if (!cJSON_IsArray(poly) || !poly->child)
        return 0;
    for (const cJSON *r = poly->child; r; r = r->next)
        if (!ring_ok(r))
            return 0;
    return 1;
}

int fuzz_polygon_ok(const cJSON *g)
{
    const cJSON *type, *coords;

    if (!cJSON_IsObject(g))
        return 0;
    type = cJSON_GetObjectItemCaseSensitive(g, "type");
    coords = cJSON_GetObjectItemCaseSensitive(g, "coordinates");
    if (!cJSON_IsString(type))
        return 0;
    if (strcmp(type->valuestring, "Polygon") == 0)
        return rings_ok(coords);
    if (strcmp(type->valuestring, "MultiPolygon") != 0 || !cJSON_IsArray(coords) ||
        !coords->child)
        return 0;
    for (const cJSON *p = coords->child; p; p = p->next)
        if (!rings_ok(p))
            return 0;
    return 1;
}
