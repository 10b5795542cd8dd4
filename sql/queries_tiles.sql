-- queries_tiles.sql -- the named queries of the vector tiles (/tiles, see
-- server/routes_tiles.c and sql/0040_tiles.sql).
--
-- A tile query takes $1 z, $2 x, $3 y and gives one row: the layer version
-- (for the ETag) and the tile (bytea, read in binary; empty when no feature
-- touches the tile).  Indexes are searched with powermap_tile_box: the tile
-- with its 64-unit buffer, clamped to the world, in EPSG:4326, so that
-- features just outside the tile are clipped by ST_AsMVTGeom, not lost.
--
-- Points are clustered on the grid of powermap_tile_cell (64 units): one
-- feature per occupied cell, at the mean of its points, with point_count and
-- the sums of the power figures; a cell of one point carries that point's
-- id and every property.  Nothing is left out: the point_count of the
-- features inside a tile add up to the points in it.  Point coordinates are
-- made here rather than by ST_AsMVTGeom, rounded by powermap_tile_unit so
-- that no point of the buffer lands on the tile's edge (and is counted twice
-- by a client that clips).
--
-- Polygons are read from tile_parts (simplified per zoom band, in pieces of
-- at most 256 vertices) and the pieces of one polygon merged again.

-- name: tile_power_points
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'power_points'),
       (SELECT ST_AsMVT(t, 'power_points', 4096, 'geom', 'id') FROM (
            SELECT CASE WHEN c.n = 1 THEN c.id END AS id, c.n AS point_count, c.output_w, c.outlets,
                   c.name, c.kind, c.hours, c.status, c.phone,
                   ST_MakePoint(powermap_tile_unit((c.gx - e.x0) / e.unit),
                                powermap_tile_unit((e.y1 - c.gy) / e.unit)) AS geom
            FROM (SELECT ST_XMin(b) AS x0, ST_YMax(b) AS y1, (ST_XMax(b) - ST_XMin(b)) / 4096 AS unit
                  FROM ST_TileEnvelope($1, $2, $3) b) e,
                 (SELECT count(*) AS n, min(p.id) AS id, sum(p.output_w) AS output_w,
                         sum(p.outlets) AS outlets,
                         CASE WHEN count(*) = 1 THEN min(p.name) END AS name,
                         CASE WHEN count(*) = 1 THEN min(p.kind) END AS kind,
                         CASE WHEN count(*) = 1 THEN min(p.hours) END AS hours,
                         CASE WHEN count(*) = 1 THEN min(p.status) END AS status,
                         CASE WHEN count(*) = 1 THEN min(p.phone) END AS phone,
                         avg(ST_X(p.g)) AS gx, avg(ST_Y(p.g)) AS gy
                  FROM (SELECT q.id, q.name, q.kind, q.output_w, q.outlets, q.hours, q.status, q.phone,
                               ST_Transform(q.geom, 3857) AS g
                        FROM power_points q
                        WHERE q.geom && powermap_tile_box($1, $2, $3) AND q.public) p
                  GROUP BY floor(ST_X(p.g) / powermap_tile_cell($1)),
                           floor(ST_Y(p.g) / powermap_tile_cell($1))) c
            WHERE c.gx BETWEEN e.x0 - 64 * e.unit AND e.x0 + 4160 * e.unit
              AND c.gy BETWEEN e.y1 - 4160 * e.unit AND e.y1 + 64 * e.unit) t)

-- name: tile_shelters
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'shelters'),
       (SELECT ST_AsMVT(t, 'shelters', 4096, 'geom', 'id') FROM (
            SELECT CASE WHEN c.n = 1 THEN c.id END AS id, c.n AS point_count, c.capacity, c.power_w,
                   c.outlets, c.name, c.kind, c.welfare, c.status, c.phone,
                   ST_MakePoint(powermap_tile_unit((c.gx - e.x0) / e.unit),
                                powermap_tile_unit((e.y1 - c.gy) / e.unit)) AS geom
            FROM (SELECT ST_XMin(b) AS x0, ST_YMax(b) AS y1, (ST_XMax(b) - ST_XMin(b)) / 4096 AS unit
                  FROM ST_TileEnvelope($1, $2, $3) b) e,
                 (SELECT count(*) AS n, min(s.id) AS id, sum(s.capacity) AS capacity,
                         sum(s.power_w) AS power_w, sum(s.outlets) AS outlets,
                         CASE WHEN count(*) = 1 THEN min(s.name) END AS name,
                         CASE WHEN count(*) = 1 THEN min(s.kind) END AS kind,
                         CASE WHEN count(*) = 1 THEN bool_or(s.welfare) END AS welfare,
                         CASE WHEN count(*) = 1 THEN min(s.status) END AS status,
                         CASE WHEN count(*) = 1 THEN min(s.phone) END AS phone,
                         avg(ST_X(s.g)) AS gx, avg(ST_Y(s.g)) AS gy
                  FROM (SELECT q.id, q.name, q.kind, q.capacity, q.welfare, q.power_w, q.outlets,
                               q.status, q.phone, ST_Transform(q.geom, 3857) AS g
                        FROM shelters q
                        WHERE q.geom && powermap_tile_box($1, $2, $3)) s
                  GROUP BY floor(ST_X(s.g) / powermap_tile_cell($1)),
                           floor(ST_Y(s.g) / powermap_tile_cell($1))) c
            WHERE c.gx BETWEEN e.x0 - 64 * e.unit AND e.x0 + 4160 * e.unit
              AND c.gy BETWEEN e.y1 - 4160 * e.unit AND e.y1 + 64 * e.unit) t)

-- name: tile_hazard_areas
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'hazard_areas'),
       (SELECT ST_AsMVT(t, 'hazard_areas', 4096, 'geom', 'id') FROM (
            SELECT h.id, h.hazard, h.level,
                   ST_AsMVTGeom(g.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
            FROM (SELECT p.id, ST_Union(p.geom) AS geom
                  FROM tile_parts p
                  WHERE p.layer = 'hazard_areas' AND p.band = powermap_tile_band($1)
                    AND p.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
                  GROUP BY p.id) g
            JOIN hazard_areas h ON h.id = g.id) t
        WHERE t.geom IS NOT NULL)

-- name: tile_outages
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'outages'),
       (SELECT ST_AsMVT(t, 'outages', 4096, 'geom', 'id') FROM (
            SELECT o.id, powermap_utc(o.started_at) AS started_at,
                   powermap_utc(o.expected_restore_at) AS expected_restore_at,
                   powermap_utc(o.ended_at) AS ended_at,
                   ST_AsMVTGeom(g.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
            FROM (SELECT p.id, ST_Union(p.geom) AS geom
                  FROM tile_parts p
                  WHERE p.layer = 'outages' AND p.band = powermap_tile_band($1)
                    AND p.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)
                  GROUP BY p.id) g
            JOIN outages o ON o.id = g.id) t
        WHERE t.geom IS NOT NULL)

-- name: tile_children_density
-- 2次 cells (~10 km) up to zoom 10, 3次 cells (~1 km) from zoom 11: the same
-- published cells and figures as the OGC collection, nothing more.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density'),
       (SELECT ST_AsMVT(t, 'children_density', 4096, 'geom') FROM (
            SELECT d.code AS mesh_code, d.level, d.count, d.suppressed,
                   ST_AsMVTGeom(ST_Transform(d.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
            FROM children_density_cells d
            WHERE d.geom && powermap_tile_box($1, $2, $3)
              AND d.level = CASE WHEN $1::int <= 10 THEN 2 ELSE 3 END) t
        WHERE t.geom IS NOT NULL)
