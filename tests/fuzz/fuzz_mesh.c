/* fuzz_mesh.c -- JIS X 0410 mesh codes: geo_mesh_code, geo_mesh_level,
 * geo_mesh_bounds (geo/mesh.h), held to round trips so that the fuzzer
 * finds wrong cells, not only crashes.
 *
 * First byte: bit 0 chooses the input.
 *   0: the rest is a code (text up to a NUL).  A valid code's cell has its
 *      level's size; its centre and its south-west corner map back to the
 *      code; its north and east edges belong to the neighbours; its parent
 *      codes are its prefixes.
 *   1: the rest is a point: two doubles, raw (bit 1 set) or scaled from
 *      32-bit integers into and around the area codes name, and a level.
 *      The point lies in the bounds of its code (within the 1e-7 arc second
 *      mesh.h allows), and coarser codes are prefixes of finer ones. */
#include "tests/fuzz/fuzz.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geo/mesh.h"

/* Cell sizes in arc seconds, by level. */
static const double cell_lat[4] = { 0, 2400, 300, 30 };
static const double cell_lon[4] = { 0, 3600, 450, 45 };
/* 1e-7 arc second, in degrees, and a little for binary rounding. */
#define SLACK (2e-7 / 3600.0)

static int check_code(const char *code)
{
    struct geo_mesh_cell c;
    char back[GEO_MESH_CODE_SIZE];
    int level = geo_mesh_level(code), bad = 0;
    double lat, lon;

    if (!level) {
        FUZZ_CHECK(bad, geo_mesh_bounds(code, &c) == -1);
        return bad;
    }
    FUZZ_CHECK(bad, strlen(code) == (size_t)(2 + 2 * level));
    FUZZ_CHECK(bad, geo_mesh_bounds(code, &c) == 0);
    FUZZ_CHECK(bad, c.level == level);
    FUZZ_CHECK(bad, fabs((c.north - c.south) * 3600 - cell_lat[level]) < 1e-6);
    FUZZ_CHECK(bad, fabs((c.east - c.west) * 3600 - cell_lon[level]) < 1e-6);
    FUZZ_CHECK(bad, c.south >= 0 && c.north <= 200.0 / 3 + 1e-9);
    FUZZ_CHECK(bad, c.west >= 100 && c.east <= 200 + 1e-9);

    lat = (c.south + c.north) / 2;
    lon = (c.west + c.east) / 2;
    FUZZ_CHECK(bad, geo_mesh_code(lat, lon, level, back) == 0 && strcmp(back, code) == 0);
    /* a point on a cell's south or west edge belongs to that cell */
    FUZZ_CHECK(bad, geo_mesh_code(c.south, c.west, level, back) == 0 &&
                        strcmp(back, code) == 0);
    /* and one on its north or east edge to the next cell, when there is one */
    if (geo_mesh_code(c.north, lon, level, back) == 0)
        FUZZ_CHECK(bad, strcmp(back, code) != 0);
    if (geo_mesh_code(lat, c.east, level, back) == 0)
        FUZZ_CHECK(bad, strcmp(back, code) != 0);
    for (int l = 1; l < level; l++) {
        FUZZ_CHECK(bad, geo_mesh_code(lat, lon, l, back) == 0);
        FUZZ_CHECK(bad, strncmp(back, code, strlen(back)) == 0);
    }
    if (bad)
        fprintf(stderr, "code \"%s\": S %.12f W %.12f N %.12f E %.12f\n", code, c.south,
                c.west, c.north, c.east);
    return bad;
}

static int check_point(double lat, double lon, int level)
{
    struct geo_mesh_cell c;
    char code[GEO_MESH_CODE_SIZE], coarse[GEO_MESH_CODE_SIZE];
    int bad = 0;

    if (geo_mesh_code(lat, lon, level, code) < 0) {
        /* refused only for a bad level, a non-finite value, or outside */
        if (level >= 1 && level <= 3 && isfinite(lat) && isfinite(lon))
            FUZZ_CHECK(bad, lat < 0 || lat >= 200.0 / 3 - SLACK || lon < 100 ||
                                lon >= 200 - SLACK);
        return bad;
    }
    FUZZ_CHECK(bad, level >= 1 && level <= 3 && isfinite(lat) && isfinite(lon));
    FUZZ_CHECK(bad, geo_mesh_level(code) == level);
    FUZZ_CHECK(bad, geo_mesh_bounds(code, &c) == 0);
    FUZZ_CHECK(bad, lat >= c.south - SLACK && lat < c.north);
    FUZZ_CHECK(bad, lon >= c.west - SLACK && lon < c.east);
    for (int l = 1; l < level; l++) {
        FUZZ_CHECK(bad, geo_mesh_code(lat, lon, l, coarse) == 0);
        FUZZ_CHECK(bad, strncmp(coarse, code, strlen(coarse)) == 0);
    }
    if (bad)
        fprintf(stderr, "point %.17g, %.17g level %d: \"%s\" S %.12f W %.12f N %.12f E %.12f\n",
                lat, lon, level, code, c.south, c.west, c.north, c.east);
    return bad;
}

int fuzz_mesh(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        char code[32];
        size_t n = size - 1 < sizeof code - 1 ? size - 1 : sizeof code - 1;

        memcpy(code, data + 1, n);
        code[n] = '\0';
        return check_code(code);
    }
    if (data[0] & 2) {
        double lat, lon;

        if (size < 18)
            return 0;
        memcpy(&lat, data + 1, sizeof lat);
        memcpy(&lon, data + 9, sizeof lon);
        return check_point(lat, lon, (int)(signed char)data[17]);
    } else {
        uint32_t a, b;

        if (size < 10)
            return 0;
        memcpy(&a, data + 1, 4);
        memcpy(&b, data + 5, 4);
        /* -1 .. 70 degrees of latitude, 99 .. 201 of longitude */
        return check_point(-1 + 71.0 * a / 4294967295.0, 99 + 102.0 * b / 4294967295.0,
                           1 + data[9] % 3);
    }
}

FUZZ_TARGET(fuzz_mesh)
