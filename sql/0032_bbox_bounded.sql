-- 0032_bbox_bounded.sql -- a bbox in another CRS is densified into a bounded
-- number of vertices (32 per side) whatever its size: a public request must
-- not make a polygon of millions of points (0030 cut edges every 1 km).

CREATE OR REPLACE FUNCTION powermap_bbox(a float8, b float8, c float8, d float8, srid integer)
RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN srid = 0 THEN ST_MakeEnvelope(a, b, c, d, 4326)
        ELSE ST_Transform(ST_Segmentize(ST_FlipCoordinates(ST_MakeEnvelope(a, b, c, d, srid)),
                                        greatest(c - a, d - b, 1e-9) / 32), 4326) END
$$;
COMMENT ON FUNCTION powermap_bbox(float8, float8, float8, float8, integer) IS
    'A bbox parameter given in srid (EPSG axis order; 0: CRS84) as a polygon in EPSG:4326, 32 vertices a side.';
