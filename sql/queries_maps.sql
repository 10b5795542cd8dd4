-- queries_maps.sql -- the named queries of the map layers: /v1/maps/*.geojson,
-- OGC API - Features (/ogc); vector tiles are in queries_tiles.sql.  See sql/0004_maps.sql.
--
-- Feature queries are read in single-row mode and streamed: their first row
-- (part 0) is a head with the data version (for the ETag) and numberMatched,
-- every further row (part 1) one Feature's text, in id order.  UNION ALL runs
-- its branches in order and the head comes from the same statement, so the
-- ETag and the body always belong to one snapshot.  powermapd checks that the
-- first row is the head.
--
-- numberMatched is exact without a second scan when the page is not full (the
-- usual bbox query): offset + the rows of the page.  Only a full page, or an
-- empty one past the first, counts the whole match.
--
-- The OGC items of every layer come from one template below (see there).
-- Elsewhere a bbox is $1 minlon, $2 minlat, $3 maxlon, $4 maxlat (EPSG:4326).

-- name: map_versions
-- $1: layers (text[]).  'layer.version,...' in layer order: the ETag's data part
-- (version 0 for a layer not changed yet, as powermap_map_version says).
SELECT coalesce(string_agg(l || '.' || coalesce(v.version, 0), ',' ORDER BY l), '')
FROM unnest($1::text[]) l LEFT JOIN map_versions v ON v.layer = l

-- ===========================================================================
-- OGC API - Features items of the layers of server/layers.c.  One template;
-- scripts/embed-sql writes its queries once per "-- layer:" line below, at
-- build time (nothing of a request reaches the SQL text).  A layer line is
--   -- layer: ID | TABLE | KEY | KEYTYPE | KEYMIN | FEATURE | FILTER | VERSION
-- ID names the queries, TABLE (alias m) holds a geom column in EPSG:4326, KEY
-- of type KEYTYPE orders the features and names one (every key is above
-- KEYMIN), FEATURE is the feature's text in CRS84, FILTER what the caller may
-- see ({token}: the caller holds a token), VERSION its row in map_versions.
--
-- Items, _bbox and _all (rather than "$1 IS NULL OR": a prepared statement's
-- generic plan would not use the index through an OR):
--   $1-$4 bbox, in the CRS $5 (0: CRS84, else an EPSG srid, northing first);
--         all NULL in _all
--   $6 the caller holds a token   $7 limit   $8 offset
--   $9 after: the key of the last feature of the previous page (NULL: use
--      the offset).  The next links carry it, so a deep page is an index
--      range scan, not an OFFSET scan.
--   $10 the CRS of the output (0: CRS84, as stored)
--   $11, $12 a numberMatched the caller kept for data version $11 (NULL: none)
-- Every parameter appears at least once, so that each has a type.  Feature
-- rows carry their key (as text) in the version column: the next link's after.
--
-- No SQL-language function that PostgreSQL cannot inline is called per row or
-- per request here (powermap_bbox is STRICT around a CASE, powermap_map_version
-- holds a sub-select): each such call parses and plans its body again in
-- every execution (fmgr_sql was half of the database's time per page).  The
-- box is a sub-select (one evaluation, an InitPlan) that calls powermap_bbox
-- only for a bbox-crs; the version is read inline, as powermap_map_version
-- would give it.
-- ===========================================================================

-- template: begin
-- name: ogc_{id}_bbox
WITH page AS MATERIALIZED (
    SELECT {key}::text AS k, powermap_feature_crs({feature}, m.geom, $10::int) AS feature
    FROM {table} m
    WHERE ST_Intersects(m.geom, (SELECT CASE WHEN $5::int = 0 THEN ST_MakeEnvelope($1, $2, $3, $4, 4326)
                                             ELSE powermap_bbox($1, $2, $3, $4, $5::int) END))
      AND ({filter:$6}) AND {key} > coalesce($9::{keytype}, {keymin})
    ORDER BY {key} LIMIT $7::bigint OFFSET CASE WHEN $9::{keytype} IS NULL THEN $8::bigint ELSE 0 END)
SELECT 0 AS part, v.version,
       CASE WHEN (c.n > 0 OR $8::bigint = 0) AND c.n < $7::bigint THEN $8::bigint + c.n
            WHEN v.version = $11::text THEN $12::bigint
            ELSE (SELECT count(*) FROM {table} m
                  WHERE ST_Intersects(m.geom, powermap_bbox($1, $2, $3, $4, $5::int)) AND ({filter:$6})) END,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c,
     (SELECT (SELECT '{version}.' || coalesce((SELECT version FROM map_versions
                                               WHERE layer = '{version}'), 0)) AS version) v
UNION ALL
SELECT 1, k, NULL, feature FROM page

-- name: ogc_{id}_all
WITH page AS MATERIALIZED (
    SELECT {key}::text AS k, powermap_feature_crs({feature}, m.geom, $10::int) AS feature
    FROM {table} m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL
      AND $5::int IS NULL AND ({filter:$6})
      AND {key} > coalesce($9::{keytype}, {keymin})
    ORDER BY {key} LIMIT $7::bigint OFFSET CASE WHEN $9::{keytype} IS NULL THEN $8::bigint ELSE 0 END)
SELECT 0 AS part, v.version,
       CASE WHEN (c.n > 0 OR $8::bigint = 0) AND c.n < $7::bigint THEN $8::bigint + c.n
            WHEN v.version = $11::text THEN $12::bigint
            ELSE (SELECT count(*) FROM {table} m WHERE ({filter:$6})) END,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c,
     (SELECT (SELECT '{version}.' || coalesce((SELECT version FROM map_versions
                                               WHERE layer = '{version}'), 0)) AS version) v
UNION ALL
SELECT 1, k, NULL, feature FROM page

-- name: ogc_{id}_item
-- $1 key (text), $2 the caller holds a token, $3 output CRS.  Version, feature.
SELECT powermap_map_version('{version}'), powermap_feature_crs({feature}, m.geom, $3::int)
FROM {table} m
WHERE {key} = $1::{keytype} AND ({filter:$2})

-- name: ogc_{id}_extent
-- $1 the caller holds a token.  minlon, minlat, maxlon, maxlat (NULL: empty).
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(m.geom) AS e FROM {table} m WHERE ({filter:$1})) x
-- template: end

-- layer: power_points | map_power_points | m.id | bigint | 0 | m.feature | m.public OR {token} | power_points
-- layer: shelters | map_shelters | m.id | bigint | 0 | m.feature | {token} IS NOT NULL | shelters
-- layer: hazard_areas | hazard_areas | m.id | bigint | 0 | powermap_hazard_area_feature(m) | {token} IS NOT NULL | hazard_areas
-- layer: outages | outages | m.id | bigint | 0 | powermap_outage_feature(m) | {token} IS NOT NULL | outages
-- layer: children_density | children_density_cells | m.code | text | '' | powermap_density_feature(m) | m.level = 3 AND {token} IS NOT NULL | children_density
-- layer: children_density_10km | children_density_cells | m.code | text | '' | powermap_density_feature(m) | m.level = 2 AND {token} IS NOT NULL | children_density
-- layer: facilities | facilities | m.id | bigint | 0 | powermap_facility_feature(m) | {token} IS NOT NULL | facilities

-- ===========================================================================
-- children (token holders only; every read is audited first)
-- A read is two statements: the ids of the page (written to the audit log by
-- the caller), then the features of exactly those ids, streamed.
-- ===========================================================================

-- name: ogc_children_ids_bbox
-- The parameters of the layer template (ogc_{id}_bbox; $6 and $10 unused but
-- typed).  One row: the ids of the page (bigint[] text) and numberMatched.
WITH page AS MATERIALIZED (
    SELECT c.id FROM children c
    WHERE ST_Intersects(c.home, powermap_bbox($1, $2, $3, $4, $5::int)) AND $6::boolean IS NOT NULL
      AND c.id > coalesce($9::bigint, 0) AND $10::int IS NOT NULL
    ORDER BY c.id LIMIT $7::bigint OFFSET CASE WHEN $9::bigint IS NULL THEN $8::bigint ELSE 0 END)
SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM page), '{}')::text,
       CASE WHEN (n > 0 OR $8::bigint = 0) AND n < $7::bigint THEN $8::bigint + n
            WHEN powermap_map_version('children') = $11::text THEN $12::bigint
            ELSE (SELECT count(*) FROM children c
                  WHERE ST_Intersects(c.home, powermap_bbox($1, $2, $3, $4, $5::int))) END,
       powermap_map_version('children')
FROM (SELECT count(*) AS n FROM page) p

-- name: ogc_children_ids_all
-- As ogc_children_ids_bbox, with $1-$5 NULL.  Children without a home too.
WITH page AS MATERIALIZED (
    SELECT c.id FROM children c
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL
      AND $5::int IS NULL AND $6::boolean IS NOT NULL AND $10::int IS NOT NULL
      AND c.id > coalesce($9::bigint, 0)
    ORDER BY c.id LIMIT $7::bigint OFFSET CASE WHEN $9::bigint IS NULL THEN $8::bigint ELSE 0 END)
SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM page), '{}')::text,
       CASE WHEN (n > 0 OR $8::bigint = 0) AND n < $7::bigint THEN $8::bigint + n
            WHEN powermap_map_version('children') = $11::text THEN $12::bigint
            ELSE (SELECT count(*) FROM children) END,
       powermap_map_version('children')
FROM (SELECT count(*) AS n FROM page) p

-- name: ogc_children_features
-- $1 ids (bigint[]), $2 numberMatched (echoed in the head row), $3 output CRS
-- (0: CRS84, else an EPSG srid, northing first).  Rows carry their id as key.
SELECT 0 AS part, NULL::text AS version, $2::bigint AS matched, NULL::text AS feature
UNION ALL
(SELECT 1, c.id::text, NULL,
        json_build_object('type', 'Feature', 'id', c.id,
            'geometry', ST_AsGeoJSON(powermap_crs_geometry(c.home, $3::int),
                                     CASE WHEN $3::int BETWEEN 6669 AND 6687 THEN 3 ELSE 7 END, 0)::json,
            'properties', json_build_object(
                'external_id', c.external_id, 'name', c.name, 'name_kana', c.name_kana,
                'birth_date', c.birth_date, 'address', c.address, 'mobility', c.mobility,
                'care', c.care, 'guardian_name', c.guardian_name,
                'guardian_phone', c.guardian_phone, 'supporters', c.supporters,
                'hospital', c.hospital, 'consent', c.consent, 'source', c.source,
                'need_w', powermap_need_w(c.id), 'runtime_h', powermap_runtime_h(c.id),
                'devices', coalesce((SELECT json_agg(json_build_object(
                        'type', d.type, 'power_w', d.power_w, 'battery_h', d.battery_h,
                        'life_sustaining', d.life_sustaining) ORDER BY d.id)
                    FROM devices d WHERE d.child_id = c.id), '[]'::json),
                'updated_at', powermap_utc(c.updated_at)))::text
 FROM children c WHERE c.id = ANY ($1::bigint[]) ORDER BY c.id)

-- name: maps_children_ids
-- /v1/maps/children.geojson: $1-$4 bbox (all NULL: everywhere).  Children with a home.
SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}')::text, count(*)
FROM children c
WHERE c.home IS NOT NULL
  AND ($1::float8 IS NULL OR ST_Intersects(c.home, ST_MakeEnvelope($1, $2, $3, $4, 4326)))

-- ===========================================================================
-- /v1/maps/power.geojson: available power points (public ones without a
-- token) and every shelter, in one FeatureCollection with a layer property.
-- ===========================================================================

-- name: maps_power_bbox
-- $1-$4 bbox, $5 include non-public points.
SELECT 0 AS part, (SELECT string_agg(layer || '.' || version, ',' ORDER BY layer) FROM map_versions
                   WHERE layer IN ('power_points', 'shelters')) AS version,
       NULL::bigint AS matched, NULL::text AS feature
UNION ALL
(SELECT 1, NULL, NULL, m.map_feature FROM map_power_points m
 WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND m.available
   AND (m.public OR $5::boolean)
 ORDER BY m.id)
UNION ALL
(SELECT 1, NULL, NULL, m.map_feature FROM map_shelters m
 WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))
 ORDER BY m.id)

-- name: maps_power_all
-- $1 include non-public points.
SELECT 0 AS part, (SELECT string_agg(layer || '.' || version, ',' ORDER BY layer) FROM map_versions
                   WHERE layer IN ('power_points', 'shelters')) AS version,
       NULL::bigint AS matched, NULL::text AS feature
UNION ALL
(SELECT 1, NULL, NULL, m.map_feature FROM map_power_points m
 WHERE m.available AND (m.public OR $1::boolean) ORDER BY m.id)
UNION ALL
(SELECT 1, NULL, NULL, m.map_feature FROM map_shelters m ORDER BY m.id)
