-- queries.sql -- every query powermapd sends at run time, by name.
--
-- scripts/embed-sql splits this file at "-- name:" lines.  Each query is
-- prepared on every pooled connection when it connects; a query marked
-- "-- unprepared" is sent with PQexecParams instead (it uses the temporary
-- staging tables of an import, which don't exist when the connection opens).
-- Parameters are always bound, never spliced into the text.

-- ===========================================================================
-- Service
-- ===========================================================================

-- name: ready
SELECT 1

-- name: set_actor
-- Names the key or user in history rows written by this transaction.
SELECT set_config('powermap.actor', $1, true)

-- ===========================================================================
-- Keys and audit
-- ===========================================================================

-- name: key_lookup
SELECT id, name, role FROM api_keys
WHERE token_hash = decode($1, 'hex') AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > now())

-- name: key_insert
INSERT INTO api_keys (name, role, token_hash, expires_at)
VALUES ($1, $2, decode($3, 'hex'), $4::timestamptz) RETURNING id

-- name: audit_insert
INSERT INTO audit_log (key_id, key_name, role, action, child_ids, remote_addr)
VALUES ($1, $2, $3, $4, $5::bigint[], $6)

-- ===========================================================================
-- Children
-- ===========================================================================

-- name: children_list
-- $1 limit, $2 offset.  Second column: the ids returned, for the audit log.
SELECT json_build_object(
           'items', coalesce(json_agg(powermap_child_json(c) ORDER BY c.id), '[]'::json),
           'total', (SELECT count(*) FROM children))::text,
       coalesce(array_agg(c.id ORDER BY c.id), '{}')::text
FROM (SELECT * FROM children ORDER BY id LIMIT $1 OFFSET $2) c

-- name: child_get
SELECT powermap_child_json(c)::text FROM children c WHERE c.id = $1

-- name: child_id_by_external
SELECT id FROM children WHERE external_id = $1

-- name: child_delete
DELETE FROM children WHERE id = $1 RETURNING id

-- ===========================================================================
-- Shelters and power points
-- ===========================================================================

-- name: shelters_list
SELECT json_build_object(
           'items', coalesce(json_agg(powermap_shelter_json(s) ORDER BY s.id), '[]'::json),
           'total', (SELECT count(*) FROM shelters))::text
FROM (SELECT * FROM shelters ORDER BY id LIMIT $1 OFFSET $2) s

-- name: shelter_get
SELECT powermap_shelter_json(s)::text FROM shelters s WHERE s.id = $1

-- name: shelter_id_by_external
SELECT id FROM shelters WHERE external_id = $1

-- name: shelter_delete
DELETE FROM shelters WHERE id = $1 RETURNING id

-- name: power_points_list
-- $3: include non-public points (token holders only).
SELECT json_build_object(
           'items', coalesce(json_agg(powermap_power_point_json(p) ORDER BY p.id), '[]'::json),
           'total', (SELECT count(*) FROM power_points WHERE $3::boolean OR public))::text
FROM (SELECT * FROM power_points WHERE $3::boolean OR public ORDER BY id LIMIT $1 OFFSET $2) p

-- name: power_point_get
SELECT powermap_power_point_json(p)::text FROM power_points p
WHERE p.id = $1 AND ($2::boolean OR p.public)

-- name: power_point_id_by_external
SELECT id FROM power_points WHERE external_id = $1

-- name: power_point_delete
DELETE FROM power_points WHERE id = $1 RETURNING id

-- ===========================================================================
-- Imports: rows are COPYed into a temporary staging table, then written with
-- one set-based upsert on external_id.  An upsert that would change nothing
-- writes nothing (and so leaves no history row).  Each upsert returns
-- (inserted, updated).
-- ===========================================================================

-- name: stage_children
-- unprepared
CREATE TEMP TABLE stage_children (
    line int, external_id text, name text, name_kana text, birth_date text, address text,
    lat text, lon text, mobility text, care text, guardian_name text, guardian_phone text,
    supporters text, hospital text, consent text, source text) ON COMMIT DROP

-- name: copy_children
-- unprepared
COPY stage_children FROM STDIN

-- name: upsert_children
-- unprepared
-- $1: the canonical columns the file has (text[]); see powermap_pick.
WITH s AS (
    SELECT line, external_id,
           r.name AS name,
           r.name_kana AS name_kana,
           r.birth_date::date AS birth_date,
           r.address AS address,
           CASE WHEN r.lat IS NULL OR r.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(r.lon::float8, r.lat::float8), 4326) END AS home,
           r.mobility AS mobility,
           r.care::text[] AS care,
           r.guardian_name AS guardian_name,
           r.guardian_phone AS guardian_phone,
           r.supporters::text[] AS supporters,
           r.hospital AS hospital,
           r.consent::boolean AS consent,
           r.source AS source
    FROM stage_children r),
m AS (
    SELECT t.id,
           powermap_pick($1, 'name', s.name, t.name) AS name,
           powermap_pick($1, 'name_kana', s.name_kana, t.name_kana) AS name_kana,
           powermap_pick($1, 'birth_date', s.birth_date, t.birth_date) AS birth_date,
           powermap_pick($1, 'address', s.address, t.address) AS address,
           powermap_pick($1, 'lat', s.home, t.home) AS home,
           powermap_pick($1, 'mobility', s.mobility, t.mobility) AS mobility,
           powermap_pick($1, 'care', s.care, t.care) AS care,
           powermap_pick($1, 'guardian_name', s.guardian_name, t.guardian_name) AS guardian_name,
           powermap_pick($1, 'guardian_phone', s.guardian_phone, t.guardian_phone) AS guardian_phone,
           powermap_pick($1, 'supporters', s.supporters, t.supporters) AS supporters,
           powermap_pick($1, 'hospital', s.hospital, t.hospital) AS hospital,
           powermap_pick($1, 'consent', s.consent, t.consent) AS consent,
           powermap_pick($1, 'source', s.source, t.source) AS source
    FROM s JOIN children t USING (external_id)),
upd AS (
    UPDATE children t SET name = m.name, name_kana = m.name_kana, birth_date = m.birth_date, address = m.address, home = m.home, mobility = m.mobility, care = m.care, guardian_name = m.guardian_name, guardian_phone = m.guardian_phone, supporters = m.supporters, hospital = m.hospital, consent = m.consent, source = m.source
    FROM m WHERE t.id = m.id
      AND (t.name, t.name_kana, t.birth_date, t.address, t.home, t.mobility, t.care, t.guardian_name, t.guardian_phone, t.supporters, t.hospital, t.consent, t.source) IS DISTINCT FROM (m.name, m.name_kana, m.birth_date, m.address, m.home, m.mobility, m.care, m.guardian_name, m.guardian_phone, m.supporters, m.hospital, m.consent, m.source)
    RETURNING 1),
ins AS (
    INSERT INTO children (external_id, name, name_kana, birth_date, address, home, mobility, care, guardian_name, guardian_phone, supporters, hospital, consent, source)
    SELECT s.external_id, s.name, s.name_kana, s.birth_date, s.address, s.home, s.mobility, coalesce(s.care, '{}'), s.guardian_name, s.guardian_phone, coalesce(s.supporters, '{}'), s.hospital, coalesce(s.consent, false), s.source
    FROM s WHERE NOT EXISTS (SELECT 1 FROM children t WHERE t.external_id = s.external_id)
    ORDER BY s.line
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)

-- name: stage_devices
-- unprepared
CREATE TEMP TABLE stage_devices (
    line int, child_external_id text, type text, power_w text, battery_h text,
    life_sustaining text) ON COMMIT DROP

-- name: copy_devices
-- unprepared
COPY stage_devices FROM STDIN

-- name: devices_unknown_children
-- unprepared
-- Device rows whose child is neither in the database nor in this import.
SELECT s.line, s.child_external_id FROM stage_devices s
WHERE NOT EXISTS (SELECT 1 FROM children c WHERE c.external_id = s.child_external_id)
ORDER BY s.line

-- name: devices_drop_lines
-- unprepared
DELETE FROM stage_devices WHERE line = ANY ($1::int[])

-- name: upsert_devices
-- unprepared
-- The devices of each child named in the file are replaced by the file's
-- list, unless the two lists are the same.
WITH want AS (
    SELECT child_id, array_agg(sig ORDER BY sig) AS sig
    FROM (SELECT c.id AS child_id,
                 powermap_device_sig(s.type, s.power_w::float8, s.battery_h::float8,
                                     s.life_sustaining::boolean) AS sig
          FROM stage_devices s JOIN children c ON c.external_id = s.child_external_id) w0
    GROUP BY child_id),
have AS (
    SELECT child_id, array_agg(sig ORDER BY sig) AS sig
    FROM (SELECT d.child_id, powermap_device_sig(d.type, d.power_w, d.battery_h, d.life_sustaining) AS sig
          FROM devices d WHERE d.child_id IN (SELECT child_id FROM want)) h0
    GROUP BY child_id),
changed AS (
    SELECT w.child_id FROM want w LEFT JOIN have h USING (child_id)
    WHERE h.sig IS DISTINCT FROM w.sig),
gone AS (
    DELETE FROM devices d USING changed ch WHERE d.child_id = ch.child_id RETURNING d.id),
ins AS (
    INSERT INTO devices (child_id, type, power_w, battery_h, life_sustaining)
    SELECT c.id, s.type, s.power_w::float8, s.battery_h::float8, s.life_sustaining::boolean
    FROM stage_devices s JOIN children c ON c.external_id = s.child_external_id
    JOIN changed ch ON ch.child_id = c.id
    ORDER BY s.line
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM gone)

-- name: stage_shelters
-- unprepared
CREATE TEMP TABLE stage_shelters (
    line int, external_id text, name text, kind text, lat text, lon text, address text,
    capacity text, welfare text, power_w text, outlets text, flood text, landslide text,
    storm_surge text, earthquake text, tsunami text, fire text, inland_flood text, volcano text,
    status text, phone text) ON COMMIT DROP

-- name: copy_shelters
-- unprepared
COPY stage_shelters FROM STDIN

-- name: upsert_shelters
-- unprepared
-- $1: the canonical columns the file has (text[]); see powermap_pick.
WITH s AS (
    SELECT line, external_id,
           r.name AS name,
           r.kind AS kind,
           CASE WHEN r.lat IS NULL OR r.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(r.lon::float8, r.lat::float8), 4326) END AS geom,
           r.address AS address,
           r.capacity::int AS capacity,
           r.welfare::boolean AS welfare,
           r.power_w::float8 AS power_w,
           r.outlets::int AS outlets,
           r.flood::boolean AS flood,
           r.landslide::boolean AS landslide,
           r.storm_surge::boolean AS storm_surge,
           r.earthquake::boolean AS earthquake,
           r.tsunami::boolean AS tsunami,
           r.fire::boolean AS fire,
           r.inland_flood::boolean AS inland_flood,
           r.volcano::boolean AS volcano,
           r.status AS status,
           r.phone AS phone
    FROM stage_shelters r),
m AS (
    SELECT t.id,
           powermap_pick($1, 'name', s.name, t.name) AS name,
           powermap_pick($1, 'kind', s.kind, t.kind) AS kind,
           powermap_pick($1, 'lat', s.geom, t.geom) AS geom,
           powermap_pick($1, 'address', s.address, t.address) AS address,
           powermap_pick($1, 'capacity', s.capacity, t.capacity) AS capacity,
           powermap_pick($1, 'welfare', s.welfare, t.welfare) AS welfare,
           powermap_pick($1, 'power_w', s.power_w, t.power_w) AS power_w,
           powermap_pick($1, 'outlets', s.outlets, t.outlets) AS outlets,
           powermap_pick($1, 'flood', s.flood, t.flood) AS flood,
           powermap_pick($1, 'landslide', s.landslide, t.landslide) AS landslide,
           powermap_pick($1, 'storm_surge', s.storm_surge, t.storm_surge) AS storm_surge,
           powermap_pick($1, 'earthquake', s.earthquake, t.earthquake) AS earthquake,
           powermap_pick($1, 'tsunami', s.tsunami, t.tsunami) AS tsunami,
           powermap_pick($1, 'fire', s.fire, t.fire) AS fire,
           powermap_pick($1, 'inland_flood', s.inland_flood, t.inland_flood) AS inland_flood,
           powermap_pick($1, 'volcano', s.volcano, t.volcano) AS volcano,
           powermap_pick($1, 'status', s.status, t.status) AS status,
           powermap_pick($1, 'phone', s.phone, t.phone) AS phone
    FROM s JOIN shelters t USING (external_id)),
upd AS (
    UPDATE shelters t SET name = m.name, kind = m.kind, geom = m.geom, address = m.address, capacity = m.capacity, welfare = m.welfare, power_w = m.power_w, outlets = m.outlets, flood = m.flood, landslide = m.landslide, storm_surge = m.storm_surge, earthquake = m.earthquake, tsunami = m.tsunami, fire = m.fire, inland_flood = m.inland_flood, volcano = m.volcano, status = m.status, phone = m.phone
    FROM m WHERE t.id = m.id
      AND (t.name, t.kind, t.geom, t.address, t.capacity, t.welfare, t.power_w, t.outlets, t.flood, t.landslide, t.storm_surge, t.earthquake, t.tsunami, t.fire, t.inland_flood, t.volcano, t.status, t.phone) IS DISTINCT FROM (m.name, m.kind, m.geom, m.address, m.capacity, m.welfare, m.power_w, m.outlets, m.flood, m.landslide, m.storm_surge, m.earthquake, m.tsunami, m.fire, m.inland_flood, m.volcano, m.status, m.phone)
    RETURNING 1),
ins AS (
    INSERT INTO shelters (external_id, name, kind, geom, address, capacity, welfare, power_w, outlets, flood, landslide, storm_surge, earthquake, tsunami, fire, inland_flood, volcano, status, phone)
    SELECT s.external_id, s.name, coalesce(s.kind, 'designated'), s.geom, s.address, s.capacity, coalesce(s.welfare, false), coalesce(s.power_w, 0), coalesce(s.outlets, 0), coalesce(s.flood, false), coalesce(s.landslide, false), coalesce(s.storm_surge, false), coalesce(s.earthquake, false), coalesce(s.tsunami, false), coalesce(s.fire, false), coalesce(s.inland_flood, false), coalesce(s.volcano, false), coalesce(s.status, 'open'), s.phone
    FROM s WHERE NOT EXISTS (SELECT 1 FROM shelters t WHERE t.external_id = s.external_id)
    ORDER BY s.line
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)

-- name: stage_power_points
-- unprepared
CREATE TEMP TABLE stage_power_points (
    line int, external_id text, name text, kind text, lat text, lon text, address text,
    output_w text, outlets text, hours text, public text, status text, phone text) ON COMMIT DROP

-- name: copy_power_points
-- unprepared
COPY stage_power_points FROM STDIN

-- name: upsert_power_points
-- unprepared
-- $1: the canonical columns the file has (text[]); see powermap_pick.
WITH s AS (
    SELECT line, external_id,
           r.name AS name,
           r.kind AS kind,
           CASE WHEN r.lat IS NULL OR r.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(r.lon::float8, r.lat::float8), 4326) END AS geom,
           r.address AS address,
           r.output_w::float8 AS output_w,
           r.outlets::int AS outlets,
           r.hours AS hours,
           r.public::boolean AS public,
           r.status AS status,
           r.phone AS phone
    FROM stage_power_points r),
m AS (
    SELECT t.id,
           powermap_pick($1, 'name', s.name, t.name) AS name,
           powermap_pick($1, 'kind', s.kind, t.kind) AS kind,
           powermap_pick($1, 'lat', s.geom, t.geom) AS geom,
           powermap_pick($1, 'address', s.address, t.address) AS address,
           powermap_pick($1, 'output_w', s.output_w, t.output_w) AS output_w,
           powermap_pick($1, 'outlets', s.outlets, t.outlets) AS outlets,
           powermap_pick($1, 'hours', s.hours, t.hours) AS hours,
           powermap_pick($1, 'public', s.public, t.public) AS public,
           powermap_pick($1, 'status', s.status, t.status) AS status,
           powermap_pick($1, 'phone', s.phone, t.phone) AS phone
    FROM s JOIN power_points t USING (external_id)),
upd AS (
    UPDATE power_points t SET name = m.name, kind = m.kind, geom = m.geom, address = m.address, output_w = m.output_w, outlets = m.outlets, hours = m.hours, public = m.public, status = m.status, phone = m.phone
    FROM m WHERE t.id = m.id
      AND (t.name, t.kind, t.geom, t.address, t.output_w, t.outlets, t.hours, t.public, t.status, t.phone) IS DISTINCT FROM (m.name, m.kind, m.geom, m.address, m.output_w, m.outlets, m.hours, m.public, m.status, m.phone)
    RETURNING 1),
ins AS (
    INSERT INTO power_points (external_id, name, kind, geom, address, output_w, outlets, hours, public, status, phone)
    SELECT s.external_id, s.name, s.kind, s.geom, s.address, coalesce(s.output_w, 0), coalesce(s.outlets, 0), coalesce(s.hours, '24h'), coalesce(s.public, true), coalesce(s.status, 'available'), s.phone
    FROM s WHERE NOT EXISTS (SELECT 1 FROM power_points t WHERE t.external_id = s.external_id)
    ORDER BY s.line
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)

-- name: upsert_hazard
-- $1 external_id or NULL, $2 hazard, $3 level, $4 GeoJSON geometry.  Returns
-- (inserted, valid, reason): an invalid geometry is reported, not stored.
WITH g AS (
    SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4), 4326)) AS geom),
v AS (
    SELECT geom, ST_IsValid(geom) AS ok, ST_IsValidReason(geom) AS reason FROM g),
up AS (
    INSERT INTO hazard_areas AS t (external_id, hazard, level, geom)
    SELECT coalesce($1, $2 || ':' || md5(ST_AsEWKB(v.geom)::text || ':' || coalesce($3, ''))),
           $2, $3::int, v.geom
    FROM v WHERE v.ok AND ST_GeometryType(v.geom) = 'ST_MultiPolygon'
    ON CONFLICT (external_id) DO UPDATE SET hazard = excluded.hazard, level = excluded.level,
                                            geom = excluded.geom
    WHERE (t.hazard, t.level, t.geom) IS DISTINCT FROM (excluded.hazard, excluded.level, excluded.geom)
    RETURNING (xmax = 0) AS inserted)
SELECT (SELECT inserted FROM up), v.ok AND ST_GeometryType(v.geom) = 'ST_MultiPolygon',
       CASE WHEN ST_GeometryType(v.geom) <> 'ST_MultiPolygon' THEN 'not a Polygon or MultiPolygon'
            ELSE v.reason END
FROM v

-- ===========================================================================
-- Administration: keys and the audit log (server/routes_admin.c)
-- ===========================================================================

-- name: keys_list
SELECT json_build_object('items', coalesce(json_agg(json_build_object(
        'id', k.id, 'name', k.name, 'role', k.role, 'created_at', k.created_at,
        'expires_at', k.expires_at, 'revoked_at', k.revoked_at,
        'active', k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))
        ORDER BY k.id), '[]'::json),
    'total', (SELECT count(*) FROM api_keys))::text
FROM (SELECT * FROM api_keys ORDER BY id LIMIT $1 OFFSET $2) k

-- name: key_revoke
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
RETURNING id, name, role, revoked_at

-- name: audit_list
-- $1 since (timestamptz or NULL), $2 key name or NULL, $3 limit, $4 offset.
SELECT json_build_object('items', coalesce(json_agg(json_build_object(
        'id', a.id, 'at', a.at, 'key_id', a.key_id, 'key_name', a.key_name, 'role', a.role,
        'action', a.action, 'child_ids', a.child_ids, 'remote_addr', a.remote_addr)
        ORDER BY a.id), '[]'::json),
    'total', (SELECT count(*) FROM audit_log
              WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz)
                AND ($2::text IS NULL OR key_name = $2::text)))::text
FROM (SELECT * FROM audit_log
      WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz)
        AND ($2::text IS NULL OR key_name = $2::text)
      ORDER BY id LIMIT $3 OFFSET $4) a

-- name: timestamp_check
SELECT $1::timestamptz
