-- 0040_tiles.sql -- what the vector tiles (/tiles, sql/queries_tiles.sql) read
-- besides the registry: the box a tile's features are searched in, the size of
-- the point clusters per zoom, and the polygons of hazard areas and outages
-- simplified per zoom band and cut into small pieces.
--
-- Polygons: a realistic 浸水想定区域 has about 10^6 vertices.  Clipping it to
-- a tile costs half a second or more whatever the zoom, and a low-zoom tile
-- carries detail no screen shows.  So each polygon is stored once per zoom
-- band, simplified to a fraction of a tile unit (4096 units a tile) at the
-- band's highest zoom, and cut with ST_Subdivide into pieces of at most
-- 256 vertices: a tile reads only the pieces it touches, and each is cheap to
-- clip.  The pieces of one polygon in one tile are merged again (ST_Union), so
-- a tile still holds one feature per polygon.  The highest band keeps every
-- vertex that is more than a centimetre off the line.  Triggers keep the pieces in step with their sources, in the same
-- transaction, like the map tables of 0004.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- ---------------------------------------------------------------------------
-- Tile geometry
-- ---------------------------------------------------------------------------

-- The tile with its 64-unit buffer, clamped to the Web Mercator square before
-- it is turned into degrees: unclamped, the buffer of a tile on the 180th
-- meridian wraps to -180 and the box spans the wrong side of the world (z1
-- and z2 tiles over Japan came out empty, the z3 one east of 135°E held 13 of
-- 19,360 points).
CREATE FUNCTION powermap_tile_box(z integer, x integer, y integer) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_Transform(ST_MakeEnvelope(
               greatest(ST_XMin(e), -20037508.342789244), greatest(ST_YMin(e), -20037508.342789244),
               least(ST_XMax(e), 20037508.342789244), least(ST_YMax(e), 20037508.342789244), 3857), 4326)
    FROM (SELECT ST_TileEnvelope(z, x, y, margin => 64.0 / 4096) AS e) t
$$;
COMMENT ON FUNCTION powermap_tile_box(integer, integer, integer) IS
    'The EPSG:4326 box of tile z/x/y with its 64-unit buffer, clamped to the world: what tile queries search the GiST indexes with.';

-- Points are clustered on a grid of 64 tile units (one buffer width, so the
-- buffer holds whole cells of the neighbouring tiles and a cluster is the
-- same in every tile that shows it).  Up to zoom 16 (cells of about 10 m);
-- beyond, only points at the same spot are merged.
CREATE FUNCTION powermap_tile_cell(z integer) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN z <= 16 THEN 40075016.68557849 / (2 ^ z) / 64 ELSE 1e-6 END
$$;
COMMENT ON FUNCTION powermap_tile_cell(integer) IS
    'The side in EPSG:3857 metres of the point-cluster grid at zoom z (64 tile units up to zoom 16).';

-- A point's tile coordinate (u right or v down, in tile units; the tile is
-- [0, 4096)) rounded as ST_AsMVTGeom would, except that rounding never moves
-- a point onto or across the tile's edge: a point of this tile stays within
-- 0-4095, one of the buffer at -1 or less or at 4097 or more.  A client
-- that clips to the tile (GDAL's MVT driver does) then sees each point in
-- exactly one tile, and the point counts of the tiles add up exactly.
CREATE FUNCTION powermap_tile_unit(c double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN c < 0 THEN least(round(c), -1) WHEN c >= 4096 THEN greatest(round(c), 4097)
                ELSE least(round(c), 4095) END
$$;
COMMENT ON FUNCTION powermap_tile_unit(double precision) IS
    'Rounds a tile coordinate of a point without moving it onto or across the tile edge (see 0040_tiles.sql).';

-- Zoom bands of the simplified polygons: 0-4, 5-7, 8-10, 11-13, 14 and up.
CREATE FUNCTION powermap_tile_band(z integer) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (CASE WHEN z <= 4 THEN 0 WHEN z <= 7 THEN 1 WHEN z <= 10 THEN 2
                 WHEN z <= 13 THEN 3 ELSE 4 END)::smallint
$$;
COMMENT ON FUNCTION powermap_tile_band(integer) IS 'The simplification band of zoom z (tile_parts.band).';

-- Tolerance of a band: half a tile unit at its highest zoom; for the last
-- band a centimetre (half a pixel at zoom 22), which only drops the vertices
-- of an over-dense line.
CREATE FUNCTION powermap_tile_tolerance(band smallint) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN band >= 4 THEN 0.01::float8
                ELSE 40075016.68557849 / 2 ^ (CASE band WHEN 0 THEN 4 WHEN 1 THEN 7 WHEN 2 THEN 10 ELSE 13 END)
                     / 4096 / 2 END
$$;
COMMENT ON FUNCTION powermap_tile_tolerance(smallint) IS
    'Simplification tolerance (EPSG:3857 metres) of a band: half a tile unit at its highest zoom; 1 cm for band 4.';

-- ---------------------------------------------------------------------------
-- Polygon pieces per band
-- ---------------------------------------------------------------------------

CREATE TABLE tile_parts (
    layer   text NOT NULL CHECK (layer IN ('hazard_areas', 'outages')),
    id      bigint NOT NULL,
    band    smallint NOT NULL CHECK (band BETWEEN 0 AND 4),
    geom    geometry(Geometry, 3857) NOT NULL
);
COMMENT ON TABLE tile_parts IS
    'Hazard areas and outages in EPSG:3857, simplified per zoom band and cut into pieces of at most 256 vertices, kept by triggers (see 0040_tiles.sql).';
CREATE INDEX tile_parts_gix ON tile_parts USING gist (layer, band, geom);
COMMENT ON INDEX tile_parts_gix IS 'tile_hazard_areas, tile_outages: the pieces of one band that touch a tile.';
CREATE INDEX tile_parts_id ON tile_parts (layer, id);
COMMENT ON INDEX tile_parts_id IS 'The triggers: the pieces of a changed polygon.';

-- The pieces of one polygon (EPSG:4326) in every band.  Douglas-Peucker
-- (ST_Simplify, keeping what would collapse) and a repair where it crossed
-- itself: ST_SimplifyPreserveTopology took 4 s on a 10^6-vertex polygon,
-- this takes a tenth of a second.  ST_Subdivide is the costly part (seconds
-- for 10^6 vertices), paid once when the polygon is written.
CREATE FUNCTION powermap_tile_pieces(g geometry) RETURNS TABLE (band smallint, geom geometry)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT s.band, ST_Subdivide(CASE WHEN ST_IsValid(s.g) THEN s.g
                                     ELSE ST_CollectionExtract(ST_MakeValid(s.g), 3) END, 256)
    FROM (SELECT b.band, ST_Simplify(m.g, powermap_tile_tolerance(b.band), true) AS g
          FROM (SELECT ST_Transform(g, 3857) AS g) m,
               (SELECT generate_series(0, 4)::smallint AS band) b) s
$$;
COMMENT ON FUNCTION powermap_tile_pieces(geometry) IS 'tile_parts rows of one polygon: (band, piece) for bands 0-4.';

CREATE FUNCTION powermap_tile_parts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM tile_parts WHERE layer = TG_ARGV[0];
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM tile_parts t USING old_rows o WHERE t.layer = TG_ARGV[0] AND t.id = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO tile_parts (layer, id, band, geom)
        SELECT TG_ARGV[0], n.id, p.band, p.geom
        FROM new_rows n, LATERAL powermap_tile_pieces(n.geom) p
        WHERE NOT ST_IsEmpty(p.geom);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION powermap_tile_parts_sync() IS
    'Statement trigger of hazard_areas and outages (TG_ARGV[0] the layer): rewrites the tile_parts of the rows changed.';

CREATE TRIGGER hazard_areas_tile_ins AFTER INSERT ON hazard_areas
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('hazard_areas');
CREATE TRIGGER hazard_areas_tile_upd AFTER UPDATE ON hazard_areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('hazard_areas');
CREATE TRIGGER hazard_areas_tile_del AFTER DELETE ON hazard_areas
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('hazard_areas');
CREATE TRIGGER hazard_areas_tile_trunc AFTER TRUNCATE ON hazard_areas
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('hazard_areas');
CREATE TRIGGER outages_tile_ins AFTER INSERT ON outages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('outages');
CREATE TRIGGER outages_tile_upd AFTER UPDATE ON outages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('outages');
CREATE TRIGGER outages_tile_del AFTER DELETE ON outages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('outages');
CREATE TRIGGER outages_tile_trunc AFTER TRUNCATE ON outages
    FOR EACH STATEMENT EXECUTE FUNCTION powermap_tile_parts_sync('outages');

-- As in 0004: the pieces follow their sources whatever session_replication_role says.
ALTER TABLE hazard_areas
    ENABLE ALWAYS TRIGGER hazard_areas_tile_ins, ENABLE ALWAYS TRIGGER hazard_areas_tile_upd,
    ENABLE ALWAYS TRIGGER hazard_areas_tile_del, ENABLE ALWAYS TRIGGER hazard_areas_tile_trunc;
ALTER TABLE outages
    ENABLE ALWAYS TRIGGER outages_tile_ins, ENABLE ALWAYS TRIGGER outages_tile_upd,
    ENABLE ALWAYS TRIGGER outages_tile_del, ENABLE ALWAYS TRIGGER outages_tile_trunc;

INSERT INTO tile_parts (layer, id, band, geom)
SELECT 'hazard_areas', h.id, p.band, p.geom
FROM hazard_areas h, LATERAL powermap_tile_pieces(h.geom) p WHERE NOT ST_IsEmpty(p.geom);
INSERT INTO tile_parts (layer, id, band, geom)
SELECT 'outages', o.id, p.band, p.geom
FROM outages o, LATERAL powermap_tile_pieces(o.geom) p WHERE NOT ST_IsEmpty(p.geom);
