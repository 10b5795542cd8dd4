-- 0030_layers.sql -- what the layer catalogue (server/layers.c) and the item
-- queries generated from one template (sql/queries_maps.sql) need: versions
-- that need no list of layers, compact feature text for every layer, output
-- in the JGD2011 systems (OGC API - Features Part 2), and the children_density
-- suppression rule that holds against differencing (issue 11 item 5).

-- ---------------------------------------------------------------------------
-- Data versions without a list of layers: the first change of a layer makes
-- its row; a reader of a layer without a row sees version 0.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION powermap_map_bump(name text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO map_versions AS v (layer) VALUES (name)
    ON CONFLICT (layer) DO UPDATE SET version = v.version + 1, changed_at = now()
$$;
COMMENT ON FUNCTION powermap_map_bump(text) IS
    'A layer changed: new version (a new layer gets its row here). The row lock makes writers of one layer take turns until commit, so a version never names two states.';

CREATE FUNCTION powermap_map_version(name text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT name || '.' || coalesce((SELECT version FROM map_versions WHERE layer = name), 0)
$$;
COMMENT ON FUNCTION powermap_map_version(text) IS
    'layer.version, the data part of the ETags of one layer (version 0 before its first change).';

-- ---------------------------------------------------------------------------
-- Feature text of the layers read as they are stored (compact, as
-- powermap_power_point_feature: "type", "id", "geometry", "properties").
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_hazard_area_feature(h hazard_areas) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":' || h.id || ',"geometry":' || ST_AsGeoJSON(h.geom, 7)
        || ',"properties":{"external_id":' || powermap_j(h.external_id)
        || ',"hazard":' || powermap_j(h.hazard) || ',"level":' || powermap_j(h.level) || '}}'
$$;
COMMENT ON FUNCTION powermap_hazard_area_feature(hazard_areas) IS 'The OGC API feature of a hazard area.';

CREATE FUNCTION powermap_outage_feature(o outages) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":' || o.id || ',"geometry":' || ST_AsGeoJSON(o.geom, 7)
        || ',"properties":{"started_at":' || powermap_j(powermap_utc(o.started_at))
        || ',"expected_restore_at":' || powermap_j(powermap_utc(o.expected_restore_at))
        || ',"ended_at":' || powermap_j(powermap_utc(o.ended_at)) || '}}'
$$;
COMMENT ON FUNCTION powermap_outage_feature(outages) IS
    'The OGC API feature of an outage: its polygon and times only.';

CREATE FUNCTION powermap_density_feature(d children_density_cells) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":"' || d.code || '","geometry":' || ST_AsGeoJSON(d.geom, 7)
        || ',"properties":{"mesh_code":"' || d.code || '","level":' || d.level
        || ',"count":' || powermap_j(d.count) || ',"suppressed":' || powermap_j(d.suppressed) || '}}'
$$;
COMMENT ON FUNCTION powermap_density_feature(children_density_cells) IS
    'The OGC API feature of a published density cell (count null when suppressed).';

-- ---------------------------------------------------------------------------
-- Coordinate reference systems (Part 2).  srid 0 stands for CRS84 (lon, lat:
-- the stored order); every EPSG system served (4326, 6668 JGD2011, 6669-6687
-- its plane rectangular systems) puts northing first, so it is flipped.
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_crs_geometry(g geometry, srid integer) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN srid = 0 THEN g ELSE ST_FlipCoordinates(ST_Transform(g, srid)) END
$$;
COMMENT ON FUNCTION powermap_crs_geometry(geometry, integer) IS
    'A stored geometry (EPSG:4326, lon/lat) in srid with the EPSG axis order (0: CRS84 as stored).';

CREATE FUNCTION powermap_feature_crs(f text, g geometry, srid integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN srid = 0 THEN f ELSE
        json_build_object('type', 'Feature', 'id', f::json -> 'id',
            'geometry', ST_AsGeoJSON(powermap_crs_geometry(g, srid),
                                     CASE WHEN srid BETWEEN 6669 AND 6687 THEN 3 ELSE 7 END, 0)::json,
            'properties', f::json -> 'properties')::text END
$$;
COMMENT ON FUNCTION powermap_feature_crs(text, geometry, integer) IS
    'A feature''s text with its geometry in srid (millimetres in the plane systems, 7 decimals in degrees).';

CREATE FUNCTION powermap_bbox(a float8, b float8, c float8, d float8, srid integer) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- The box's edges are densified before the transform, so that a box in a
    -- plane system keeps its shape in degrees.
    SELECT CASE WHEN srid = 0 THEN ST_MakeEnvelope(a, b, c, d, 4326)
        ELSE ST_Transform(ST_Segmentize(ST_FlipCoordinates(ST_MakeEnvelope(a, b, c, d, srid)),
                                        CASE WHEN srid BETWEEN 6669 AND 6687 THEN 1000 ELSE 0.01 END),
                          4326) END
$$;
COMMENT ON FUNCTION powermap_bbox(float8, float8, float8, float8, integer) IS
    'A bbox parameter given in srid (EPSG axis order; 0: CRS84) as a polygon in EPSG:4326.';

-- ---------------------------------------------------------------------------
-- children_density: suppression that holds against differencing.
--
-- The 3次 cells (~1 km) are the collection children_density, the 2次 cells
-- (~10 km) children_density_10km; both are published from this table, and
-- the tiles carry the same cells.  The rule:
--
--  1. Primary suppression: a cell of either level with 1-10 children is
--     published as suppressed (count null).
--  2. There is no secondary suppression of 3次 cells.  So every suppressed
--     3次 cell is known to hold 1-10 (that much the "suppressed" flag says),
--     and no published 3次 count depends on a hidden one.
--  3. A 2次 total T is published only when what it reveals about its
--     suppressed 3次 cells pins none of them.  With P the sum of its published
--     3次 counts, R = T - P is the sum of its k suppressed 3次 cells, each
--     1-10.  A cell is pinned when its range [max(1, R - 10(k-1)),
--     min(10, R - (k-1))] is one value: when R = k (all are 1) or R = 10k
--     (all are 10), and always when k = 1; and R itself is a count of a known
--     area, so R of 1-10 is a small count.  T is therefore published only
--     when k = 0, or when R >= 11 and k < R < 10k.  Otherwise the coarser
--     total is suppressed (the earlier rule suppressed one more 3次 cell
--     instead, and which cell it chose gave the hidden count away).
--  4. What a suppressed 2次 total tells is only that R is outside the safe
--     band: R <= 10, R = k or R = 10k, a disjunction that pins no cell (for
--     k >= 2 many splits remain; for k = 1 the cell is 1-10 as already known).
--  5. Nothing else is published about children: no grand total, no 1次 level.
--     numberMatched counts cells, not children; bboxes and pages select
--     whole cells, so neither opens another difference.
--
-- tests/integration/test_privacy_maps.py runs an attacker over many random
-- small-area configurations that tries every assignment of hidden counts
-- consistent with what is published (knowing this rule).
--
-- Left open, as before: successive versions can be compared by a poller.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION powermap_density_refresh() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Writers of children take turns here; each statement below then sees
    -- every committed child (READ COMMITTED: a new snapshot per statement).
    LOCK TABLE children_density_cells IN EXCLUSIVE MODE;
    DELETE FROM children_density_cells;
    INSERT INTO children_density_cells (code, level, geom, count, suppressed)
    WITH c3 AS (
        SELECT code, left(code, 6) AS code2, count(*)::int AS n
        FROM (SELECT powermap_mesh_code(ST_Y(home), ST_X(home), 3) AS code
              FROM children WHERE home IS NOT NULL) p
        WHERE code IS NOT NULL GROUP BY code),
    c2 AS (
        SELECT code2 AS code, sum(n)::int AS n,
               count(*) FILTER (WHERE n <= 10)::int AS k,
               coalesce(sum(n) FILTER (WHERE n <= 10), 0)::int AS r
        FROM c3 GROUP BY code2)
    SELECT c3.code, 3, powermap_mesh_envelope(c3.code),
           CASE WHEN c3.n > 10 THEN c3.n END, c3.n <= 10
    FROM c3
    UNION ALL
    SELECT c2.code, 2, powermap_mesh_envelope(c2.code),
           CASE WHEN c2.n > 10 AND (c2.k = 0 OR (c2.r >= 11 AND c2.r > c2.k AND c2.r < 10 * c2.k))
                THEN c2.n END,
           NOT (c2.n > 10 AND (c2.k = 0 OR (c2.r >= 11 AND c2.r > c2.k AND c2.r < 10 * c2.k)))
    FROM c2;
    PERFORM powermap_map_bump('children_density');
END $$;
COMMENT ON FUNCTION powermap_density_refresh() IS
    'Recomputes children_density_cells from children (the suppression rule is in the comment of 0030_layers.sql).';

CREATE INDEX children_density_cells_level_code ON children_density_cells (level, code);
COMMENT ON INDEX children_density_cells_level_code IS
    'ogc_children_density_items and ogc_children_density_10km_items: one level in code order.';

SELECT powermap_density_refresh();

-- The children layer (token holders) keeps a version too, so that its
-- numberMatched can be kept between pages (the ids themselves are read anew).
CREATE TRIGGER children_map AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON children
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_touch('children');
ALTER TABLE children ENABLE ALWAYS TRIGGER children_map;
