/* mesh.c -- JIS X 0410 地域メッシュ codes, in integer arc seconds.
 *
 * Cell sizes in seconds: level 1 is 2400 (lat) x 3600 (lon), level 2 is
 * 300 x 450, level 3 is 30 x 45.  A code's digits are, in order,
 *   pp uu        floor(lat * 1.5), floor(lon) - 100
 *   q v          the 8 x 8 division of the 1次 cell (0-7 each)
 *   r w          the 10 x 10 division of the 2次 cell (0-9 each)
 * with latitude first in each pair. */
#include "geo/mesh.h"

#include <math.h>

#define LAT1 2400L
#define LON1 3600L
#define LAT2 300L
#define LON2 450L
#define LAT3 30L
#define LON3 45L
#define LON_ORIGIN (100L * 3600L)

/* Whole arc seconds at or below deg, counting values a hair below a whole
 * second (binary rounding of decimal input) as that second. */
static long whole_seconds(double deg)
{
    double s = deg * 3600.0;
    double n = floor(s);
    if (s - n > 1.0 - 1e-7)
        n += 1.0;
    return (long)n;
}

int geo_mesh_code(double lat, double lon, int level, char out[GEO_MESH_CODE_SIZE])
{
    if (level < 1 || level > 3 || !isfinite(lat) || !isfinite(lon))
        return -1;
    /* Reject far-away values before converting, so the long cannot overflow. */
    if (lat < -1.0 || lat > 90.0 || lon < 99.0 || lon > 201.0)
        return -1;

    long y = whole_seconds(lat);
    long x = whole_seconds(lon) - LON_ORIGIN;
    if (y < 0 || y >= 100 * LAT1 || x < 0 || x >= 100 * LON1)
        return -1;

    int digits[8] = {
        (int)(y / LAT1 / 10), (int)(y / LAT1 % 10),
        (int)(x / LON1 / 10), (int)(x / LON1 % 10),
        (int)(y % LAT1 / LAT2), (int)(x % LON1 / LON2),
        (int)(y % LAT2 / LAT3), (int)(x % LON2 / LON3),
    };
    int n = 2 + 2 * level;
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + digits[i]);
    out[n] = '\0';
    return 0;
}

int geo_mesh_level(const char *code)
{
    int n = 0;

    if (!code)
        return 0;
    while (n <= 8 && code[n]) {
        if (code[n] < '0' || code[n] > '9')
            return 0;
        n++;
    }
    if (n != 4 && n != 6 && n != 8)
        return 0;
    if (n >= 6 && (code[4] > '7' || code[5] > '7'))
        return 0;
    return n / 2 - 1;
}

int geo_mesh_bounds(const char *code, struct geo_mesh_cell *out)
{
    int level = geo_mesh_level(code);
    if (!level)
        return -1;

    long y = ((code[0] - '0') * 10 + (code[1] - '0')) * LAT1;
    long x = ((code[2] - '0') * 10 + (code[3] - '0')) * LON1 + LON_ORIGIN;
    long h = LAT1, w = LON1;
    if (level >= 2) {
        y += (code[4] - '0') * LAT2;
        x += (code[5] - '0') * LON2;
        h = LAT2;
        w = LON2;
    }
    if (level >= 3) {
        y += (code[6] - '0') * LAT3;
        x += (code[7] - '0') * LON3;
        h = LAT3;
        w = LON3;
    }
    out->level = level;
    out->south = (double)y / 3600.0;
    out->west = (double)x / 3600.0;
    out->north = (double)(y + h) / 3600.0;
    out->east = (double)(x + w) / 3600.0;
    return 0;
}
