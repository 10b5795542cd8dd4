-- 0004_maps.sql -- what the map layers read: per-layer data versions (the ETags),
-- the GeoJSON of every power point and shelter rendered once when it is written,
-- JIS X 0410 mesh codes, and the published children_density cells.
--
-- Map reads are many (thousands of browsers in a blackout) and writes are few,
-- so the work is moved to the writes: statement triggers keep map_power_points
-- and map_shelters (the feature text, ready to concatenate) and
-- children_density_cells (counts after suppression) in step with the registry,
-- in the same transaction, and bump map_versions.  A response's ETag is made
-- from the versions it depends on, read in the same statement as its rows.

-- ---------------------------------------------------------------------------
-- Data versions
-- ---------------------------------------------------------------------------

CREATE TABLE map_versions (
    layer       text PRIMARY KEY,
    version     bigint NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE map_versions IS
    'One row per map layer; version goes up in the transaction that changes the layer, so (layer, version) names one state of it. Map ETags are built from it.';
INSERT INTO map_versions (layer) VALUES
    ('power_points'), ('shelters'), ('hazard_areas'), ('outages'), ('children_density');

CREATE FUNCTION powermap_map_bump(name text) RETURNS void LANGUAGE sql AS $$
    UPDATE map_versions SET version = version + 1, changed_at = now() WHERE layer = name
$$;
COMMENT ON FUNCTION powermap_map_bump(text) IS
    'A layer changed: new version. The row lock makes writers of one layer take turns until commit, so a version never names two states.';

CREATE FUNCTION powermap_utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
COMMENT ON FUNCTION powermap_utc(timestamptz) IS
    'RFC 3339 in UTC whatever the session time zone: stored feature text must not depend on the writer''s settings.';

-- ---------------------------------------------------------------------------
-- Feature text of power points and shelters
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_j(v anyelement) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(to_json(v)::text, 'null')
$$;
COMMENT ON FUNCTION powermap_j(anyelement) IS 'A value as JSON text, null for NULL.';

-- Features are written as compact text (json_build_object puts " : " between
-- every key and value, a tenth of the bytes of a map response).
CREATE FUNCTION powermap_power_point_feature(p power_points) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":' || p.id || ',"geometry":' || ST_AsGeoJSON(p.geom, 7)
        || ',"properties":{"external_id":' || powermap_j(p.external_id)
        || ',"name":' || powermap_j(p.name) || ',"kind":' || powermap_j(p.kind)
        || ',"address":' || powermap_j(p.address) || ',"output_w":' || powermap_j(p.output_w)
        || ',"outlets":' || powermap_j(p.outlets) || ',"hours":' || powermap_j(p.hours)
        || ',"public":' || powermap_j(p.public) || ',"status":' || powermap_j(p.status)
        || ',"phone":' || powermap_j(p.phone)
        || ',"updated_at":' || powermap_j(powermap_utc(p.updated_at)) || '}}'
$$;
COMMENT ON FUNCTION powermap_power_point_feature(power_points) IS
    'The OGC API feature of a power point: top-level id, every property, nulls included.';

CREATE FUNCTION powermap_power_point_map_feature(p power_points) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":"power_points.' || p.id || '","geometry":'
        || ST_AsGeoJSON(p.geom, 7) || ',"properties":{"layer":"power_points","id":' || p.id
        || ',"name":' || powermap_j(p.name) || ',"kind":' || powermap_j(p.kind)
        || ',"output_w":' || powermap_j(p.output_w) || ',"outlets":' || powermap_j(p.outlets)
        || ',"hours":' || powermap_j(p.hours) || ',"status":' || powermap_j(p.status)
        || ',"phone":' || powermap_j(p.phone) || ',"address":' || powermap_j(p.address) || '}}'
$$;
COMMENT ON FUNCTION powermap_power_point_map_feature(power_points) IS
    'A power point on /v1/maps/power.geojson (layer power_points).';

CREATE FUNCTION powermap_shelter_feature(s shelters) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":' || s.id || ',"geometry":' || ST_AsGeoJSON(s.geom, 7)
        || ',"properties":{"external_id":' || powermap_j(s.external_id)
        || ',"name":' || powermap_j(s.name) || ',"kind":' || powermap_j(s.kind)
        || ',"address":' || powermap_j(s.address) || ',"capacity":' || powermap_j(s.capacity)
        || ',"welfare":' || powermap_j(s.welfare) || ',"power_w":' || powermap_j(s.power_w)
        || ',"outlets":' || powermap_j(s.outlets) || ',"flood":' || powermap_j(s.flood)
        || ',"landslide":' || powermap_j(s.landslide) || ',"storm_surge":' || powermap_j(s.storm_surge)
        || ',"earthquake":' || powermap_j(s.earthquake) || ',"tsunami":' || powermap_j(s.tsunami)
        || ',"fire":' || powermap_j(s.fire) || ',"inland_flood":' || powermap_j(s.inland_flood)
        || ',"volcano":' || powermap_j(s.volcano) || ',"status":' || powermap_j(s.status)
        || ',"phone":' || powermap_j(s.phone)
        || ',"updated_at":' || powermap_j(powermap_utc(s.updated_at)) || '}}'
$$;

CREATE FUNCTION powermap_shelter_map_feature(s shelters) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{"type":"Feature","id":"shelters.' || s.id || '","geometry":'
        || ST_AsGeoJSON(s.geom, 7) || ',"properties":{"layer":"shelters","id":' || s.id
        || ',"name":' || powermap_j(s.name) || ',"kind":' || powermap_j(s.kind)
        || ',"power_w":' || powermap_j(s.power_w) || ',"outlets":' || powermap_j(s.outlets)
        || ',"hours":"24h","welfare":' || powermap_j(s.welfare)
        || ',"capacity":' || powermap_j(s.capacity) || ',"status":' || powermap_j(s.status)
        || ',"phone":' || powermap_j(s.phone) || ',"address":' || powermap_j(s.address) || '}}'
$$;

CREATE TABLE map_power_points (
    id          bigint PRIMARY KEY,
    geom        geometry(Point, 4326) NOT NULL,
    public      boolean NOT NULL,
    available   boolean NOT NULL,
    feature     text NOT NULL,
    map_feature text NOT NULL
);
COMMENT ON TABLE map_power_points IS
    'power_points as GeoJSON, kept by triggers: map reads concatenate text instead of building JSON per request.';
CREATE INDEX map_power_points_geom_gix ON map_power_points USING gist (geom);
COMMENT ON INDEX map_power_points_geom_gix IS
    'ogc_power_points_bbox, maps_power_bbox, tile_power_points: features in a box.';

CREATE TABLE map_shelters (
    id          bigint PRIMARY KEY,
    geom        geometry(Point, 4326) NOT NULL,
    feature     text NOT NULL,
    map_feature text NOT NULL
);
COMMENT ON TABLE map_shelters IS 'shelters as GeoJSON, kept by triggers (see map_power_points).';
CREATE INDEX map_shelters_geom_gix ON map_shelters USING gist (geom);
COMMENT ON INDEX map_shelters_geom_gix IS 'ogc_shelters_bbox, maps_power_bbox, tile_shelters.';

INSERT INTO map_power_points
SELECT p.id, p.geom, p.public, p.status = 'available', powermap_power_point_feature(p),
       powermap_power_point_map_feature(p)
FROM power_points p;
INSERT INTO map_shelters
SELECT s.id, s.geom, powermap_shelter_feature(s), powermap_shelter_map_feature(s) FROM shelters s;

-- Statement triggers with transition tables: an import of 80,000 rows is one
-- set-based upsert here, not 80,000 calls.
CREATE FUNCTION powermap_map_power_points_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE map_power_points;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
        DELETE FROM map_power_points m USING old_rows o WHERE m.id = o.id;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
        INSERT INTO map_power_points
        SELECT n.id, n.geom, n.public, n.status = 'available', powermap_power_point_feature(n),
               powermap_power_point_map_feature(n)
        FROM new_rows n
        ON CONFLICT (id) DO UPDATE SET geom = excluded.geom, public = excluded.public,
            available = excluded.available, feature = excluded.feature,
            map_feature = excluded.map_feature;
    END IF;
    PERFORM powermap_map_bump('power_points');
    RETURN NULL;
END $$;

CREATE FUNCTION powermap_map_shelters_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE map_shelters;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
        DELETE FROM map_shelters m USING old_rows o WHERE m.id = o.id;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;
        INSERT INTO map_shelters
        SELECT n.id, n.geom, powermap_shelter_feature(n), powermap_shelter_map_feature(n)
        FROM new_rows n
        ON CONFLICT (id) DO UPDATE SET geom = excluded.geom, feature = excluded.feature,
            map_feature = excluded.map_feature;
    END IF;
    PERFORM powermap_map_bump('shelters');
    RETURN NULL;
END $$;

CREATE TRIGGER power_points_map_ins AFTER INSERT ON power_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_power_points_sync();
CREATE TRIGGER power_points_map_upd AFTER UPDATE ON power_points
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_power_points_sync();
CREATE TRIGGER power_points_map_del AFTER DELETE ON power_points
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_power_points_sync();
CREATE TRIGGER power_points_map_trunc AFTER TRUNCATE ON power_points
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_power_points_sync();
CREATE TRIGGER shelters_map_ins AFTER INSERT ON shelters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_shelters_sync();
CREATE TRIGGER shelters_map_upd AFTER UPDATE ON shelters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_shelters_sync();
CREATE TRIGGER shelters_map_del AFTER DELETE ON shelters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_shelters_sync();
CREATE TRIGGER shelters_map_trunc AFTER TRUNCATE ON shelters
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_shelters_sync();

-- Hazard areas and outages are read as they are stored (few rows, polygons);
-- their triggers only bump the version.
CREATE FUNCTION powermap_map_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM powermap_map_bump(TG_ARGV[0]);
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_areas_map AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hazard_areas
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_touch('hazard_areas');
CREATE TRIGGER outages_map AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON outages
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_map_touch('outages');

-- ---------------------------------------------------------------------------
-- JIS X 0410 地域メッシュ, the same arithmetic as geo/mesh.c (the tested
-- reference): integer arc seconds, a value within 1e-7 s below an edge counts
-- as on it, a point on a south or west edge belongs to that cell.
-- ---------------------------------------------------------------------------

CREATE FUNCTION powermap_whole_seconds(deg double precision) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s double precision := deg * 3600::float8;
    n double precision := floor(s);
BEGIN
    -- 1 - 1e-7 computed in doubles, as the C does.
    IF s - n > 1::float8 - 1e-7::float8 THEN
        n := n + 1;
    END IF;
    RETURN n::bigint;
END $$;

-- PL/pgSQL rather than SQL: a SQL function with a FROM clause is not inlined
-- and costs a millisecond a call; the density refresh calls this per child.
CREATE FUNCTION powermap_mesh_code(lat double precision, lon double precision, level integer)
RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    y bigint;
    x bigint;
BEGIN
    IF level NOT BETWEEN 1 AND 3 OR lat < -1 OR lat > 90 OR lon < 99 OR lon > 201 THEN
        RETURN NULL;
    END IF;
    y := powermap_whole_seconds(lat);
    x := powermap_whole_seconds(lon) - 360000;
    IF y < 0 OR y >= 240000 OR x < 0 OR x >= 360000 THEN
        RETURN NULL;
    END IF;
    RETURN left(lpad((y / 2400)::text, 2, '0') || lpad((x / 3600)::text, 2, '0')
                || (y % 2400 / 300)::text || (x % 3600 / 450)::text
                || (y % 300 / 30)::text || (x % 450 / 45)::text, 2 + 2 * level);
END $$;
COMMENT ON FUNCTION powermap_mesh_code(double precision, double precision, integer) IS
    'geo_mesh_code() in SQL: the 4, 6 or 8 digit mesh code of a point at level 1-3, or NULL outside the grid.';

CREATE FUNCTION powermap_mesh_envelope(code text) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n integer := length(code);
    y integer := substr(code, 1, 2)::int * 2400;
    x integer := 360000 + substr(code, 3, 2)::int * 3600;
    h integer := 2400;
    w integer := 3600;
BEGIN
    IF n >= 6 THEN
        y := y + substr(code, 5, 1)::int * 300;
        x := x + substr(code, 6, 1)::int * 450;
        h := 300;
        w := 450;
    END IF;
    IF n = 8 THEN
        y := y + substr(code, 7, 1)::int * 30;
        x := x + substr(code, 8, 1)::int * 45;
        h := 30;
        w := 45;
    END IF;
    RETURN ST_MakeEnvelope(x / 3600.0, y / 3600.0, (x + w) / 3600.0, (y + h) / 3600.0, 4326);
END $$;
COMMENT ON FUNCTION powermap_mesh_envelope(text) IS 'geo_mesh_bounds() in SQL: the cell of a mesh code as a polygon.';

-- ---------------------------------------------------------------------------
-- children_density: the only public figure about children.
--
-- Children are counted per 3次メッシュ (~1 km) and per 2次メッシュ (~10 km)
-- cell.  Cells without children are not listed.  The rule, so that no
-- published figure lets a count of 1-10 be worked out:
--
--  1. Primary suppression: a cell of either level with 1-10 children is
--     published as suppressed (count null).
--  2. Differencing: a 2次 cell is the sum of its 100 3次 cells, so its total
--     minus its published 3次 counts gives R, the sum of its k suppressed 3次
--     cells, each of which holds 1-10.  One of them is pinned down when k = 1
--     and R <= 10 (a lone suppressed cell), when R = k (every one is 1), or
--     when R = 10k (every one is 10); and R itself is a count of the children
--     of a known area, so R of 1-10 is a small count too.  The 2次 total is
--     therefore safe only when k = 0, or R >= 11 and k < R < 10k.
--  3. Secondary suppression: when it is not safe, the smallest published 3次
--     cell of that 2次 cell (it holds 11 or more) is suppressed too.  Then
--     R >= 12 > k, and "all at the upper bound" no longer holds since one
--     cell is above 10, so no single cell can be worked out.  When there is no
--     published 3次 cell to add, the 2次 total is suppressed instead.
--  4. Nothing else is published about children: no grand total, no 1次 level.
--     numberMatched counts cells, not children, and the tiles carry the same
--     cells and figures, so neither opens another difference.
--
-- Left open: successive versions can be compared (a count going from 15 to
-- 16 shows that one child was added in that cell); counts are published as
-- they are and versions are not kept, but an observer who polls can see it.
-- ---------------------------------------------------------------------------

CREATE TABLE children_density_cells (
    code        text PRIMARY KEY,
    level       smallint NOT NULL CHECK (level IN (2, 3)),
    geom        geometry(Polygon, 4326) NOT NULL,
    count       integer CHECK (count IS NULL OR count > 10),
    suppressed  boolean NOT NULL,
    CHECK (suppressed = (count IS NULL))
);
COMMENT ON TABLE children_density_cells IS
    'The published children_density cells after suppression (see 0004_maps.sql). Holds no true count of a suppressed cell, so no query can leak one.';
COMMENT ON COLUMN children_density_cells.count IS 'Children in the cell; NULL when suppressed. Never 1-10.';
CREATE INDEX children_density_cells_geom_gix ON children_density_cells USING gist (geom);
COMMENT ON INDEX children_density_cells_geom_gix IS 'ogc_density_bbox and tile_children_density.';

CREATE FUNCTION powermap_density_refresh() RETURNS void LANGUAGE plpgsql AS $$
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
        FROM c3 GROUP BY code2),
    unsafe AS (
        SELECT code FROM c2
        WHERE n > 10 AND k > 0 AND NOT (r >= 11 AND r > k AND r < 10 * k)),
    secondary AS (
        SELECT DISTINCT ON (c3.code2) c3.code, c3.code2
        FROM c3 JOIN unsafe u ON u.code = c3.code2
        WHERE c3.n > 10
        ORDER BY c3.code2, c3.n, c3.code)
    SELECT c3.code, 3, powermap_mesh_envelope(c3.code),
           CASE WHEN c3.n > 10 AND s.code IS NULL THEN c3.n END,
           NOT (c3.n > 10 AND s.code IS NULL)
    FROM c3 LEFT JOIN secondary s ON s.code = c3.code
    UNION ALL
    SELECT c2.code, 2, powermap_mesh_envelope(c2.code),
           CASE WHEN c2.n > 10 AND (u.code IS NULL OR s.code IS NOT NULL) THEN c2.n END,
           NOT (c2.n > 10 AND (u.code IS NULL OR s.code IS NOT NULL))
    FROM c2 LEFT JOIN unsafe u ON u.code = c2.code LEFT JOIN secondary s ON s.code2 = c2.code;
    PERFORM powermap_map_bump('children_density');
END $$;
COMMENT ON FUNCTION powermap_density_refresh() IS
    'Recomputes children_density_cells from children (the suppression rule is in the comment of 0004_maps.sql).';

CREATE FUNCTION powermap_density_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only a change of where children live changes the density.
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows WHERE home IS NOT NULL) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows WHERE home IS NOT NULL) THEN RETURN NULL; END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n USING (id)
                       WHERE o.home IS DISTINCT FROM n.home) THEN RETURN NULL; END IF;
    END IF;
    PERFORM powermap_density_refresh();
    RETURN NULL;
END $$;
CREATE TRIGGER children_density_ins AFTER INSERT ON children
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_density_sync();
CREATE TRIGGER children_density_upd AFTER UPDATE ON children
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_density_sync();
CREATE TRIGGER children_density_del AFTER DELETE ON children
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_density_sync();
CREATE TRIGGER children_density_trunc AFTER TRUNCATE ON children
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_density_sync();

SELECT powermap_density_refresh();

-- The derived tables must follow their sources whatever session_replication_role
-- says: a TRUNCATE run as "replica" (to pass over the history and audit
-- triggers) or a logical-replication subscriber still keeps the map in step.
ALTER TABLE power_points
    ENABLE ALWAYS TRIGGER power_points_map_ins, ENABLE ALWAYS TRIGGER power_points_map_upd,
    ENABLE ALWAYS TRIGGER power_points_map_del, ENABLE ALWAYS TRIGGER power_points_map_trunc;
ALTER TABLE shelters
    ENABLE ALWAYS TRIGGER shelters_map_ins, ENABLE ALWAYS TRIGGER shelters_map_upd,
    ENABLE ALWAYS TRIGGER shelters_map_del, ENABLE ALWAYS TRIGGER shelters_map_trunc;
ALTER TABLE children
    ENABLE ALWAYS TRIGGER children_density_ins, ENABLE ALWAYS TRIGGER children_density_upd,
    ENABLE ALWAYS TRIGGER children_density_del, ENABLE ALWAYS TRIGGER children_density_trunc;
ALTER TABLE hazard_areas ENABLE ALWAYS TRIGGER hazard_areas_map;
ALTER TABLE outages ENABLE ALWAYS TRIGGER outages_map;
