/* mesh.h -- JIS X 0410 地域メッシュ (standard grid square) codes.
 *
 * The grid the Statistics Bureau publishes census figures on, and the one
 * children_density aggregates by (DESIGN §8):
 *
 *   level 1  1次メッシュ  4 digits  40' lat x 1°   lon  (~80 km)
 *   level 2  2次メッシュ  6 digits   5' lat x 7'30" lon (~10 km)
 *   level 3  3次メッシュ  8 digits  30" lat x 45"   lon (~1 km)
 *
 * Every cell edge is a whole number of arc seconds, so the arithmetic is done
 * in integer seconds.  A point on a cell's south or west edge belongs to that
 * cell.  Pure code: no I/O, no allocation. */
#ifndef GEO_MESH_H
#define GEO_MESH_H

/* Bytes a mesh code needs, with its terminating NUL. */
#define GEO_MESH_CODE_SIZE 9

/* One mesh cell: its level (1, 2 or 3) and bounds in WGS 84 degrees. */
struct geo_mesh_cell {
    int level;
    double south, west, north, east;
};

/* Writes the level-`level` (1, 2 or 3) mesh code of the point lat/lon
 * (degrees) to out as 4, 6 or 8 digits and a NUL.  Returns 0, or -1 (out
 * untouched) when level is not 1-3, a coordinate is not finite, or the point
 * lies outside the area the codes can name: 0 <= lat < 66°40', 100 <= lon < 200.
 * Values within 1e-7 arc second below an edge count as on it, so a decimal
 * such as 35 + 40/60 lands in the cell it names despite rounding. */
int geo_mesh_code(double lat, double lon, int level, char out[GEO_MESH_CODE_SIZE]);

/* Returns the level of the mesh code at code (1, 2 or 3), or 0 when it is not
 * a valid code: not exactly 4, 6 or 8 ASCII digits, or a 2次 digit above 7.
 * code may be NULL (returns 0). */
int geo_mesh_level(const char *code);

/* Fills *out with the level and bounds of the mesh code at code.  Returns 0,
 * or -1 (out untouched) when geo_mesh_level(code) is 0. */
int geo_mesh_bounds(const char *code, struct geo_mesh_cell *out);

#endif
