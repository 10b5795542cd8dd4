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
-- Hazard areas (imports of registry records: queries_registry*.sql)
-- ===========================================================================

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
-- Planning (DESIGN 6): server/plan.c
-- ===========================================================================

-- name: plan_lock
-- One plan run at a time per database, whichever daemon runs it.
SELECT pg_advisory_xact_lock(7012002)

-- name: plan_run_insert
INSERT INTO plan_runs (scenario_key, scenario, actor, history_mark)
VALUES ($1, $2::jsonb, $3, (SELECT coalesce(max(id), 0) FROM history))
RETURNING id

-- name: plan_run_finish
UPDATE plan_runs SET finished_at = clock_timestamp(), summary = $2::jsonb WHERE id = $1

-- name: plan_children
-- $1 hazard.  Every child with need_w, runtime_h (NULL = unlimited), whether
-- a device is life-sustaining, mobility, a home point, and whether the home
-- lies in a hazard area of the scenario's hazard.
SELECT c.id, coalesce(d.need_w, 0), d.runtime_h, coalesce(d.life, false), c.mobility,
       c.home IS NOT NULL,
       $1::text <> 'none' AND c.home IS NOT NULL AND EXISTS (
           SELECT 1 FROM hazard_areas h WHERE h.hazard = $1::text AND ST_Intersects(h.geom, c.home))
FROM children c
LEFT JOIN (SELECT child_id, sum(power_w) AS need_w,
                  coalesce(min(battery_h) FILTER (WHERE life_sustaining), min(battery_h)) AS runtime_h,
                  bool_or(life_sustaining) AS life
           FROM devices GROUP BY child_id) d ON d.child_id = c.id
ORDER BY c.id

-- name: plan_stage
-- unprepared
-- The shelters a run may use, copied once per run with their own geography
-- index so that each child's KNN search meets only eligible rows.
CREATE TEMP TABLE plan_shelters (id bigint, outlets int, power_w float8, welfare boolean,
                                 g geography) ON COMMIT DROP

-- name: plan_stage_fill
-- unprepared
-- $1 hazard: open, powered, designated for the hazard, outside its areas.
INSERT INTO plan_shelters
SELECT s.id, s.outlets, s.power_w, s.welfare, s.geom::geography
FROM shelters s
WHERE s.status = 'open' AND s.outlets > 0 AND s.power_w > 0
  AND powermap_designated(s, $1::text)
  AND NOT EXISTS (SELECT 1 FROM hazard_areas h
                  WHERE h.hazard = $1::text AND ST_Intersects(h.geom, s.geom))

-- name: plan_stage_index_welfare
-- unprepared
CREATE INDEX ON plan_shelters USING gist (g) WHERE welfare

-- name: plan_stage_index
-- unprepared
CREATE INDEX ON plan_shelters USING gist (g)

-- name: plan_stage_analyze
-- unprepared
ANALYZE plan_shelters

-- name: plan_candidates_shelters
-- unprepared
-- $1 child ids, $2 reach in metres, $3 needs a welfare shelter, $4 how many.
-- The nearest eligible shelters within reach (plan_shelters, staged for the
-- run), through its GiST indexes: KNN <-> bounded by ST_DWithin.
-- Rows: child, type, id, distance_m, outlets, watts, hours.
WITH k AS (
    SELECT k.id, k.reach_m, k.welfare, c.home::geography AS g
    FROM unnest($1::bigint[], $2::float8[], $3::boolean[]) AS k(id, reach_m, welfare)
    JOIN children c ON c.id = k.id)
SELECT k.id, 's', s.id, s.dist, s.outlets, s.power_w, NULL
FROM k CROSS JOIN LATERAL (
    SELECT s.id, s.outlets, s.power_w, ST_Distance(s.g, k.g) AS dist
    FROM plan_shelters s
    WHERE k.welfare AND s.welfare AND ST_DWithin(s.g, k.g, k.reach_m)
    ORDER BY s.g <-> k.g
    LIMIT $4) s
UNION ALL
SELECT k.id, 's', s.id, s.dist, s.outlets, s.power_w, NULL
FROM k CROSS JOIN LATERAL (
    SELECT s.id, s.outlets, s.power_w, ST_Distance(s.g, k.g) AS dist
    FROM plan_shelters s
    WHERE NOT k.welfare AND ST_DWithin(s.g, k.g, k.reach_m)
    ORDER BY s.g <-> k.g
    LIMIT $4) s

-- name: plan_candidates_points
-- $1 child ids, $2 reach in metres, $3 home in a hazard area (then none:
-- the child must evacuate), $4 how many.  The nearest available power points
-- within reach through the geography GiST index.  Sent on a second
-- connection while the first searches shelters.
WITH k AS (
    SELECT k.id, k.reach_m, k.in_hazard, c.home::geography AS g
    FROM unnest($1::bigint[], $2::float8[], $3::boolean[]) AS k(id, reach_m, in_hazard)
    JOIN children c ON c.id = k.id)
SELECT k.id, 'p', p.id, p.dist, p.outlets, p.output_w, p.hours
FROM k CROSS JOIN LATERAL (
    SELECT p.id, p.outlets, p.output_w, p.hours, ST_Distance(p.geom::geography, k.g) AS dist
    FROM power_points p
    WHERE NOT k.in_hazard AND p.status = 'available' AND p.outlets > 0 AND p.output_w > 0
      AND ST_DWithin(p.geom::geography, k.g, k.reach_m)
    ORDER BY p.geom::geography <-> k.g
    LIMIT $4) p

-- name: plan_backup_points
-- $1 child ids, $2 radius in metres: the three nearest available power
-- points of each child who stays home, listed as backup.
WITH k AS (
    SELECT c.id, c.home::geography AS g FROM children c WHERE c.id = ANY ($1::bigint[]))
SELECT k.id, 'p', p.id, p.dist, p.outlets, p.output_w, p.hours
FROM k CROSS JOIN LATERAL (
    SELECT p.id, p.outlets, p.output_w, p.hours, ST_Distance(p.geom::geography, k.g) AS dist
    FROM power_points p
    WHERE p.status = 'available' AND ST_DWithin(p.geom::geography, k.g, $2::float8)
    ORDER BY p.geom::geography <-> k.g
    LIMIT 3) p

-- name: plan_start_minute
-- Minute of the day, Japan time, at which the outage starts.
SELECT (extract(epoch FROM ($1::timestamptz AT TIME ZONE 'Asia/Tokyo')::time) / 60)::int

-- name: plan_copy
-- unprepared
COPY plans (run_id, child_id, decision, reasons, need_w, runtime_h, leave_by_h, dest_type,
            dest_id, distance_m, travel_min, alternatives) FROM STDIN

-- name: plan_latest_run
-- The latest finished run of a scenario.
SELECT id FROM plan_runs WHERE scenario_key = $1 AND finished_at IS NOT NULL
ORDER BY id DESC LIMIT 1

-- name: plan_get
-- $1 run, $2 child: the plan as JSON (the checklist is added by the server).
SELECT json_build_object(
    'child_id', c.id, 'external_id', c.external_id, 'name', c.name, 'name_kana', c.name_kana,
    'run_id', r.id, 'scenario', r.scenario, 'planned_at', r.finished_at,
    'stale', coalesce((SELECT max(id) FROM history), 0) > r.history_mark,
    'decision', p.decision, 'reasons', p.reasons, 'need_w', p.need_w, 'runtime_h', p.runtime_h,
    'leave_by_h', round(p.leave_by_h::numeric, 2),
    'home', json_build_object('lat', ST_Y(c.home), 'lon', ST_X(c.home), 'address', c.address),
    'destination', CASE WHEN p.dest_type IS NULL THEN NULL
                        ELSE powermap_dest_json(p.dest_type, p.dest_id, p.distance_m, p.travel_min, NULL) END,
    'alternatives', coalesce((
        SELECT json_agg(powermap_dest_json(a->>'type', (a->>'id')::bigint, (a->>'distance_m')::float8,
                                           (a->>'travel_min')::float8, a) ORDER BY n)
        FROM jsonb_array_elements(p.alternatives) WITH ORDINALITY AS x(a, n)), '[]'::json),
    'supporters', c.supporters, 'hospital', c.hospital, 'guardian_name', c.guardian_name,
    'guardian_phone', c.guardian_phone, 'mobility', c.mobility, 'care', c.care,
    'devices', coalesce((SELECT json_agg(json_build_object('type', d.type, 'power_w', d.power_w,
                            'battery_h', d.battery_h, 'life_sustaining', d.life_sustaining) ORDER BY d.id)
                         FROM devices d WHERE d.child_id = c.id), '[]'::json))::text
FROM plans p JOIN plan_runs r ON r.id = p.run_id JOIN children c ON c.id = p.child_id
WHERE p.run_id = $1 AND p.child_id = $2

-- name: plan_child_exists
SELECT 1 FROM children WHERE id = $1

-- name: plan_runs_list
-- $1 limit, $2 offset.
SELECT json_build_object(
    'items', coalesce(json_agg(json_build_object(
        'id', r.id, 'scenario', r.scenario, 'actor', r.actor, 'started_at', r.started_at,
        'finished_at', r.finished_at, 'summary', r.summary) ORDER BY r.id DESC), '[]'::json),
    'total', (SELECT count(*) FROM plan_runs WHERE finished_at IS NOT NULL))::text
FROM (SELECT * FROM plan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT $1 OFFSET $2) r

-- name: plan_run_get
SELECT json_build_object('id', r.id, 'scenario', r.scenario, 'actor', r.actor,
    'started_at', r.started_at, 'finished_at', r.finished_at, 'summary', r.summary)::text
FROM plan_runs r WHERE r.id = $1

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
