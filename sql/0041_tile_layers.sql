-- 0041_tile_layers.sql -- vector tiles for every collection of the catalogue
-- (server/layers.c) that has a geometry: one clustering function for point
-- layers (power_points, shelters, facilities, and children for token holders)
-- and one for the density cells of either mesh level, instead of a query
-- written out per layer (sql/queries_tiles.sql names them per layer).

-- Points of table tbl (its geometry column geomcol, in EPSG:4326) whose row
-- passes filter (SQL over alias q; a constant of the named query, never
-- request text) and, when ids is not NULL, whose id is in ids, as the MVT
-- layer name of tile z/x/y: clustered per 64-unit cell of powermap_tile_cell
-- as 0040_tiles.sql describes (one feature per occupied cell at the mean of its
-- points, with point_count and the sum of each column of sums; a cell of one
-- point carries that point's id and its columns singles).  NULL when no point
-- falls in the tile or its buffer.
--
-- Built as dynamic SQL with the tile's numbers as parameters: the cell size,
-- the box and the envelope are computed once, not per row (0040's queries
-- called powermap_tile_cell for every point), and the plan is made for the
-- actual tile, so the index is searched with the real box.
CREATE FUNCTION powermap_tile_points(z integer, x integer, y integer, name text, tbl regclass,
                                     geomcol text, filter text, sums text[], singles text[],
                                     ids bigint[] DEFAULT NULL)
RETURNS bytea LANGUAGE plpgsql STABLE AS $$
DECLARE
    e geometry := ST_TileEnvelope(z, x, y);
    unit float8 := (ST_XMax(e) - ST_XMin(e)) / 4096;
    inner_cols text := '';
    agg_cols text := '';
    out_cols text := '';
    c text;
    tile bytea;
BEGIN
    FOREACH c IN ARRAY sums LOOP
        inner_cols := inner_cols || format(', q.%I', c);
        agg_cols := agg_cols || format(', sum(p.%1$I) AS %1$I', c);
        out_cols := out_cols || format(', c.%I', c);
    END LOOP;
    FOREACH c IN ARRAY singles LOOP
        out_cols := out_cols || format(', s.%I', c);
    END LOOP;
    EXECUTE format($q$
        SELECT ST_AsMVT(t, %L, 4096, 'geom', 'id') FROM (
            SELECT CASE WHEN c.n = 1 THEN c.id END AS id, c.n AS point_count %s,
                   ST_MakePoint(powermap_tile_unit((c.gx - $1) / $3),
                                powermap_tile_unit(($2 - c.gy) / $3)) AS geom
            FROM (SELECT count(*) AS n, min(p.id) AS id %s, avg(ST_X(p.g)) AS gx, avg(ST_Y(p.g)) AS gy
                  FROM (SELECT q.id %s, ST_Transform(q.%I, 3857) AS g
                        FROM %s q
                        WHERE q.%I && $4 AND (%s) AND ($5::bigint[] IS NULL OR q.id = ANY ($5))) p
                  GROUP BY floor(ST_X(p.g) / $6), floor(ST_Y(p.g) / $6)) c
            LEFT JOIN %s s ON c.n = 1 AND s.id = c.id
            WHERE c.gx BETWEEN $1 - 64 * $3 AND $1 + 4160 * $3
              AND c.gy BETWEEN $2 - 4160 * $3 AND $2 + 64 * $3) t$q$,
        name, out_cols, agg_cols, inner_cols, geomcol, tbl, geomcol, filter, tbl)
    INTO tile
    USING ST_XMin(e), ST_YMax(e), unit, powermap_tile_box(z, x, y), ids, powermap_tile_cell(z);
    RETURN tile;
END $$;
COMMENT ON FUNCTION powermap_tile_points(integer, integer, integer, text, regclass, text, text,
                                         text[], text[], bigint[]) IS
    'The clustered point tile z/x/y of a table (see 0041_tile_layers.sql): point_count, sums, a lone point''s columns.';

-- The published density cells of one mesh level (2: 2次, about 10 km;
-- 3: 3次, about 1 km) as the MVT layer name of tile z/x/y; NULL when none.
CREATE FUNCTION powermap_tile_density(z integer, x integer, y integer, name text, lvl integer)
RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT ST_AsMVT(t, name, 4096, 'geom') FROM (
        SELECT d.code AS mesh_code, d.level, d.count, d.suppressed,
               ST_AsMVTGeom(ST_Transform(d.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
        FROM children_density_cells d
        WHERE d.geom && powermap_tile_box(z, x, y) AND d.level = lvl) t
    WHERE t.geom IS NOT NULL
$$;
COMMENT ON FUNCTION powermap_tile_density(integer, integer, integer, text, integer) IS
    'The published children_density cells of one mesh level in tile z/x/y (the OGC collection''s cells, nothing more).';
