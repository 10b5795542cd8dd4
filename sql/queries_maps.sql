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
-- Each collection has a _bbox and an _all query rather than "$1 IS NULL OR":
-- a prepared statement's generic plan would not use the index through an OR.
-- bbox: $1 minlon, $2 minlat, $3 maxlon, $4 maxlat (EPSG:4326).

-- name: map_versions
-- $1: layers (text[]).  'layer.version,...' in layer order: the ETag's data part.
SELECT coalesce(string_agg(layer || '.' || version, ',' ORDER BY layer), '')
FROM map_versions WHERE layer = ANY ($1::text[])


-- name: ogc_power_points_bbox
-- $1-$4 bbox, $5 include non-public points (token holders), $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, m.feature AS feature
    FROM map_power_points m
    WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND (m.public OR $5::boolean)
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'power_points') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM map_power_points m WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND (m.public OR $5::boolean)) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_power_points_all
-- $1-$4 unused (NULL), $5 include non-public points (token holders), $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, m.feature AS feature
    FROM map_power_points m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND (m.public OR $5::boolean)
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'power_points') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM map_power_points m WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND (m.public OR $5::boolean)) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_power_points_item
-- $1 id, $2 include non-public points.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'power_points'), m.feature
FROM map_power_points m
WHERE m.id = $1::bigint AND (m.public OR $2::boolean)

-- name: ogc_shelters_bbox
-- $1-$4 bbox, $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, m.feature AS feature
    FROM map_shelters m
    WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'shelters') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM map_shelters m WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_shelters_all
-- $1-$4 unused (NULL), $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, m.feature AS feature
    FROM map_shelters m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'shelters') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM map_shelters m WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_shelters_item
-- $1 id, $2 unused.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'shelters'), m.feature
FROM map_shelters m
WHERE m.id = $1::bigint AND $2::boolean IS NOT NULL

-- name: ogc_hazard_areas_bbox
-- $1-$4 bbox, $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('external_id', m.external_id, 'hazard', m.hazard, 'level', m.level))::text AS feature
    FROM hazard_areas m
    WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'hazard_areas') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM hazard_areas m WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_hazard_areas_all
-- $1-$4 unused (NULL), $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('external_id', m.external_id, 'hazard', m.hazard, 'level', m.level))::text AS feature
    FROM hazard_areas m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'hazard_areas') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM hazard_areas m WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_hazard_areas_item
-- $1 id, $2 unused.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'hazard_areas'), json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('external_id', m.external_id, 'hazard', m.hazard, 'level', m.level))::text
FROM hazard_areas m
WHERE m.id = $1::bigint AND $2::boolean IS NOT NULL

-- name: ogc_outages_bbox
-- $1-$4 bbox, $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('started_at', powermap_utc(m.started_at), 'expected_restore_at', powermap_utc(m.expected_restore_at), 'ended_at', powermap_utc(m.ended_at)))::text AS feature
    FROM outages m
    WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'outages') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM outages m WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_outages_all
-- $1-$4 unused (NULL), $5 unused, $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.id, json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('started_at', powermap_utc(m.started_at), 'expected_restore_at', powermap_utc(m.expected_restore_at), 'ended_at', powermap_utc(m.ended_at)))::text AS feature
    FROM outages m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL
    ORDER BY m.id LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'outages') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM outages m WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND $5::boolean IS NOT NULL) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_outages_item
-- $1 id, $2 unused.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'outages'), json_build_object('type', 'Feature', 'id', m.id, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('started_at', powermap_utc(m.started_at), 'expected_restore_at', powermap_utc(m.expected_restore_at), 'ended_at', powermap_utc(m.ended_at)))::text
FROM outages m
WHERE m.id = $1::bigint AND $2::boolean IS NOT NULL

-- name: ogc_children_density_bbox
-- $1-$4 bbox, $5 level (2, 3 or NULL for both), $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.level, m.code, json_build_object('type', 'Feature', 'id', m.code, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('mesh_code', m.code, 'level', m.level, 'count', m.count, 'suppressed', m.suppressed))::text AS feature
    FROM children_density_cells m
    WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND ($5::int IS NULL OR m.level = $5::int)
    ORDER BY m.level, m.code LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM children_density_cells m WHERE ST_Intersects(m.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) AND ($5::int IS NULL OR m.level = $5::int)) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_children_density_all
-- $1-$4 unused (NULL), $5 level (2, 3 or NULL for both), $6 limit, $7 offset.
WITH page AS MATERIALIZED (
    SELECT m.level, m.code, json_build_object('type', 'Feature', 'id', m.code, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('mesh_code', m.code, 'level', m.level, 'count', m.count, 'suppressed', m.suppressed))::text AS feature
    FROM children_density_cells m
    WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND ($5::int IS NULL OR m.level = $5::int)
    ORDER BY m.level, m.code LIMIT $6::bigint OFFSET $7::bigint)
SELECT 0 AS part, (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density') AS version,
       CASE WHEN (c.n > 0 OR $7::bigint = 0) AND c.n < $6::bigint THEN $7::bigint + c.n
            ELSE (SELECT count(*) FROM children_density_cells m WHERE $1::float8 IS NULL AND $2::float8 IS NULL AND $3::float8 IS NULL AND $4::float8 IS NULL AND ($5::int IS NULL OR m.level = $5::int)) END AS matched,
       NULL::text AS feature
FROM (SELECT count(*) AS n FROM page) c
UNION ALL
SELECT 1, NULL, NULL, feature FROM page

-- name: ogc_children_density_item
-- $1 id (mesh code), $2 unused.
SELECT (SELECT layer || '.' || version FROM map_versions WHERE layer = 'children_density'), json_build_object('type', 'Feature', 'id', m.code, 'geometry', ST_AsGeoJSON(m.geom, 7)::json, 'properties', json_build_object('mesh_code', m.code, 'level', m.level, 'count', m.count, 'suppressed', m.suppressed))::text
FROM children_density_cells m
WHERE m.code = $1 AND $2::boolean IS NOT NULL

-- ===========================================================================
-- children (token holders only; every read is audited first)
-- A read is two statements: the ids of the page (written to the audit log by
-- the caller), then the features of exactly those ids, streamed.
-- ===========================================================================

-- name: ogc_children_ids_bbox
-- $1-$4 bbox, $5 limit, $6 offset.  The ids of the page (bigint[] text) and numberMatched.
WITH page AS MATERIALIZED (
    SELECT c.id FROM children c
    WHERE ST_Intersects(c.home, ST_MakeEnvelope($1, $2, $3, $4, 4326))
    ORDER BY c.id LIMIT $5::bigint OFFSET $6::bigint)
SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM page), '{}')::text,
       CASE WHEN (n > 0 OR $6::bigint = 0) AND n < $5::bigint THEN $6::bigint + n
            ELSE (SELECT count(*) FROM children c
                  WHERE ST_Intersects(c.home, ST_MakeEnvelope($1, $2, $3, $4, 4326))) END
FROM (SELECT count(*) AS n FROM page) p

-- name: ogc_children_ids_all
-- $1 limit, $2 offset.
WITH page AS MATERIALIZED (
    SELECT c.id FROM children c ORDER BY c.id LIMIT $1::bigint OFFSET $2::bigint)
SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM page), '{}')::text,
       CASE WHEN (n > 0 OR $2::bigint = 0) AND n < $1::bigint THEN $2::bigint + n
            ELSE (SELECT count(*) FROM children) END
FROM (SELECT count(*) AS n FROM page) p

-- name: ogc_children_features
-- $1 ids (bigint[]), $2 numberMatched (echoed in the head row).
SELECT 0 AS part, NULL::text AS version, $2::bigint AS matched, NULL::text AS feature
UNION ALL
(SELECT 1, NULL, NULL,
        json_build_object('type', 'Feature', 'id', c.id,
            'geometry', ST_AsGeoJSON(c.home, 7)::json,
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

-- ===========================================================================
-- /ogc/collections: extents and versions
-- ===========================================================================

-- name: ogc_extents
-- $1: token holder (non-public points count, children listed).
-- One row per collection: id, version, minlon, minlat, maxlon, maxlat (NULL when empty).
WITH e AS (
    SELECT 'power_points' AS id, (SELECT ST_Extent(geom) FROM map_power_points WHERE public OR $1::boolean) AS b
    UNION ALL SELECT 'shelters', (SELECT ST_Extent(geom) FROM map_shelters)
    UNION ALL SELECT 'hazard_areas', (SELECT ST_Extent(geom) FROM hazard_areas)
    UNION ALL SELECT 'outages', (SELECT ST_Extent(geom) FROM outages)
    UNION ALL SELECT 'children_density', (SELECT ST_Extent(geom) FROM children_density_cells)
    UNION ALL SELECT 'children', (SELECT ST_Extent(home) FROM children WHERE $1::boolean))
SELECT e.id, coalesce(v.version::text, ''), ST_XMin(e.b), ST_YMin(e.b), ST_XMax(e.b), ST_YMax(e.b)
FROM e LEFT JOIN map_versions v ON v.layer = e.id
