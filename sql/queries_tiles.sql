-- queries_tiles.sql -- the named queries of the vector tiles (/tiles, see
-- server/routes_tiles.c and sql/0040_tiles.sql).
--
-- A tile query takes $1 z, $2 x, $3 y and gives one row: the layer version
-- (for the ETag) and the tile (bytea, read in binary; empty when no feature
-- touches the tile).  Indexes are searched with powermap_tile_box: the tile
-- with its 64-unit buffer, clamped to the world, in EPSG:4326, so that
-- features just outside the tile are clipped by ST_AsMVTGeom, not lost.
--
-- Points are clustered by powermap_tile_points (sql/0041_tile_layers.sql, on
-- the grid of 0040's powermap_tile_cell): one feature per occupied 64-unit
-- cell, at the mean of its points, with point_count and the sums of the power
-- figures; a cell of one point carries that point's id and every property.
-- Nothing is left out: the point_count of the features inside a tile add up
-- to the points in it.  Point coordinates are rounded by powermap_tile_unit so
-- that no point of the buffer lands on the tile's edge (and is counted twice
-- by a client that clips).
--
-- Polygons are read from tile_parts (simplified per zoom band, in pieces of
-- at most 256 vertices) and the pieces of one polygon merged again.

-- name: tile_power_points
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'power_points'),
       powermap_tile_points($1, $2, $3, 'power_points', 'power_points', 'geom', 'q.public',
                            '{output_w,outlets}', '{name,kind,hours,status,phone}')

-- name: tile_shelters
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'shelters'),
       powermap_tile_points($1, $2, $3, 'shelters', 'shelters', 'geom', 'true',
                            '{capacity,power_w,outlets}', '{name,kind,welfare,status,phone}')

-- name: tile_facilities
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'facilities'),
       powermap_tile_points($1, $2, $3, 'facilities', 'facilities', 'geom', 'true',
                            '{capacity}', '{name,kind,medical_care,phone}')

-- name: tile_children_ids
-- Token holders only (server/routes_tiles.c audits these ids before the
-- tile is made): the children whose home is in tile $1/$2/$3 or its buffer.
SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}')::text
FROM children c WHERE c.home && powermap_tile_box($1, $2, $3)

-- name: tile_children
-- $4: the audited ids (bigint[]); only those children are drawn.  Lone
-- children carry their 台帳番号, name and mobility, clusters their count.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children'),
       powermap_tile_points($1, $2, $3, 'children', 'children', 'home', 'true',
                            '{}', '{external_id,name,mobility}', $4::bigint[])

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
-- The 3次 cells (about 1 km) at every zoom, as the OGC collection.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density'),
       powermap_tile_density($1, $2, $3, 'children_density', 3)

-- name: tile_children_density_10km
-- The 2次 cells (about 10 km), as the OGC collection children_density_10km.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density'),
       powermap_tile_density($1, $2, $3, 'children_density_10km', 2)
