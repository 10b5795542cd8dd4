-- queries_registry.sql -- reading and deleting registry records (children,
-- shelters, power points, facilities), a child's devices, and the 安否確認
-- calls.  The import and write queries of each kind are generated:
-- queries_registry_gen.sql (scripts/gen-registry-sql).

-- ===========================================================================
-- Children
-- ===========================================================================

-- name: child_get
SELECT powermap_child_json(c)::text FROM children c WHERE c.id = $1

-- name: child_id_by_external
SELECT id FROM children WHERE external_id = $1

-- name: child_lock
-- PUT: the record to merge into, locked until the write commits.
SELECT external_id FROM children WHERE id = $1 FOR UPDATE

-- name: child_delete
DELETE FROM children WHERE id = $1 RETURNING id

-- name: child_devices_replace
-- $1 child id, $2 the devices (jsonb array).  Returns (inserted, removed).
SELECT inserted, removed FROM powermap_devices_replace($1::bigint, $2::jsonb)

-- ===========================================================================
-- Shelters, power points, facilities
-- ===========================================================================

-- name: shelters_list
-- $1 limit, $2 offset; streamed (maps.h): a head row (0, NULL, total, NULL),
-- then one record per row.
SELECT 0 AS part, NULL::text AS version, (SELECT count(*) FROM shelters) AS matched,
       NULL::text AS item
UNION ALL
(SELECT 1, NULL, NULL, powermap_shelter_json(s)::text
 FROM (SELECT * FROM shelters ORDER BY id LIMIT $1 OFFSET $2) s ORDER BY s.id)

-- name: shelter_get
SELECT powermap_shelter_json(s)::text FROM shelters s WHERE s.id = $1

-- name: shelter_id_by_external
SELECT id FROM shelters WHERE external_id = $1

-- name: shelter_lock
SELECT external_id FROM shelters WHERE id = $1 FOR UPDATE

-- name: shelter_delete
DELETE FROM shelters WHERE id = $1 RETURNING id

-- name: power_points_list
-- $3: include non-public points (token holders only).
SELECT 0 AS part, NULL::text AS version,
       (SELECT count(*) FROM power_points WHERE $3::boolean OR public) AS matched,
       NULL::text AS item
UNION ALL
(SELECT 1, NULL, NULL, powermap_power_point_json(p)::text
 FROM (SELECT * FROM power_points WHERE $3::boolean OR public ORDER BY id LIMIT $1 OFFSET $2) p
 ORDER BY p.id)

-- name: power_point_get
SELECT powermap_power_point_json(p)::text FROM power_points p
WHERE p.id = $1 AND ($2::boolean OR p.public)

-- name: power_point_id_by_external
SELECT id FROM power_points WHERE external_id = $1

-- name: power_point_lock
SELECT external_id FROM power_points WHERE id = $1 FOR UPDATE

-- name: power_point_delete
DELETE FROM power_points WHERE id = $1 RETURNING id

-- name: facilities_list
SELECT 0 AS part, NULL::text AS version, (SELECT count(*) FROM facilities) AS matched,
       NULL::text AS item
UNION ALL
(SELECT 1, NULL, NULL, powermap_facility_json(f)::text
 FROM (SELECT * FROM facilities ORDER BY id LIMIT $1 OFFSET $2) f ORDER BY f.id)

-- name: facility_get
SELECT powermap_facility_json(f)::text FROM facilities f WHERE f.id = $1

-- name: facility_id_by_external
SELECT id FROM facilities WHERE external_id = $1

-- name: facility_lock
SELECT external_id FROM facilities WHERE id = $1 FOR UPDATE

-- name: facility_delete
DELETE FROM facilities WHERE id = $1 RETURNING id

-- ===========================================================================
-- Device imports: the devices of each child named in a file are replaced by
-- the file's list (staged like the other kinds).
-- ===========================================================================

-- name: stage_devices
-- unprepared
CREATE TEMP TABLE stage_devices (
    line int, child_external_id text, type text, power_w text, battery_h text,
    life_sustaining text, maker text, model text, settings text, duty text,
    minutes_per_hour text, charge_h text, backup_h text, battery_internal_h text,
    battery_spare_h text) ON COMMIT DROP

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
WITH s AS (
    SELECT s.line, jsonb_populate_record(NULL::devices, jsonb_build_object(
               'child_id', c.id, 'type', s.type, 'power_w', s.power_w::float8,
               'battery_h', s.battery_h::float8, 'life_sustaining', s.life_sustaining::boolean,
               'maker', s.maker, 'model', s.model, 'settings', s.settings,
               'duty', coalesce(s.duty, 'continuous'),
               'minutes_per_hour', s.minutes_per_hour::float8, 'charge_h', s.charge_h::float8,
               'backup_h', coalesce(s.backup_h::float8, 0),
               'battery_internal_h', s.battery_internal_h::float8,
               'battery_spare_h', s.battery_spare_h::float8)) AS d
    FROM stage_devices s JOIN children c ON c.external_id = s.child_external_id),
want AS (
    SELECT (d).child_id, array_agg(powermap_device_sig2(d) ORDER BY powermap_device_sig2(d)) AS sig
    FROM s GROUP BY (d).child_id),
have AS (
    SELECT d.child_id, array_agg(powermap_device_sig2(d) ORDER BY powermap_device_sig2(d)) AS sig
    FROM devices d WHERE d.child_id IN (SELECT child_id FROM want)
    GROUP BY d.child_id),
changed AS (
    SELECT w.child_id FROM want w LEFT JOIN have h USING (child_id)
    WHERE h.sig IS DISTINCT FROM w.sig),
gone AS (
    DELETE FROM devices d USING changed ch WHERE d.child_id = ch.child_id RETURNING d.id),
ins AS (
    INSERT INTO devices (child_id, type, power_w, battery_h, life_sustaining, maker, model,
                         settings, duty, minutes_per_hour, charge_h, backup_h,
                         battery_internal_h, battery_spare_h)
    SELECT (d).child_id, (d).type, (d).power_w, (d).battery_h, (d).life_sustaining, (d).maker,
           (d).model, (d).settings, (d).duty, (d).minutes_per_hour, (d).charge_h, (d).backup_h,
           (d).battery_internal_h, (d).battery_spare_h
    FROM s JOIN changed ch ON ch.child_id = (s.d).child_id
    ORDER BY s.line
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM gone)

-- ===========================================================================
-- Calls (安否確認), append-only
-- ===========================================================================

-- name: calls_list
-- $1 child, $2 limit, $3 offset: newest first.  NULL when the child does not exist.
SELECT CASE WHEN EXISTS (SELECT 1 FROM children WHERE id = $1) THEN
    json_build_object(
        'items', coalesce((SELECT json_agg(powermap_call_json(k) ORDER BY k.at DESC, k.id DESC)
                           FROM (SELECT * FROM calls WHERE child_id = $1
                                 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3) k), '[]'::json),
        'total', (SELECT count(*) FROM calls WHERE child_id = $1))::text END

-- name: call_insert
-- $1 child, $2 status, $3 note; the caller is the powermap.actor of the
-- transaction (set_actor).  No row when the child does not exist.
INSERT INTO calls (child_id, actor, status, note)
SELECT id, coalesce(nullif(current_setting('powermap.actor', true), ''), 'db:' || session_user),
       $2, $3
FROM children WHERE id = $1
RETURNING powermap_call_json(calls)::text
