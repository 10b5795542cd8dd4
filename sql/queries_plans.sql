-- queries_plans.sql -- the named queries of the city-wide plan run (DESIGN 6,
-- server/plan.c) and of reading plans (server/routes_plans.c).

-- ===========================================================================
-- Planning (DESIGN 6): server/plan.c
-- ===========================================================================

-- name: plan_lock
-- One plan run at a time per database, whichever daemon runs it.
SELECT pg_advisory_xact_lock(7012002)

-- name: plan_run_insert
-- $4 the outage (NULL: none).
INSERT INTO plan_runs (scenario_key, scenario, actor, history_mark, outage_id)
VALUES ($1, $2::jsonb, $3, (SELECT coalesce(max(id), 0) FROM history), $4::bigint)
RETURNING id

-- name: plan_run_finish
UPDATE plan_runs SET finished_at = clock_timestamp(), summary = $2::jsonb WHERE id = $1

-- name: plan_children
-- $1 hazard, $2 outage (NULL: none).  Every child: mobility, whether it has a
-- home point, whether the home lies in a hazard area of the scenario's
-- hazard, its power at home (rule 7), and whether the home is inside the
-- outage (always true without one).
SELECT c.id, c.mobility, c.home IS NOT NULL,
       $1::text <> 'none' AND c.home IS NOT NULL AND EXISTS (
           SELECT 1 FROM hazard_areas h WHERE h.hazard = $1::text AND ST_Intersects(h.geom, c.home)),
       c.home_battery_wh, c.home_generator_w, c.home_generator_h, c.car_inverter_w,
       $2::bigint IS NULL OR (c.home IS NOT NULL AND EXISTS (
           SELECT 1 FROM outages o WHERE o.id = $2::bigint AND ST_Intersects(o.geom, c.home)))
FROM children c
ORDER BY c.id

-- name: plan_devices
-- Every device with what rules 6 and 12 need, by child.
SELECT d.child_id, d.power_w, d.battery_h, d.life_sustaining, d.duty = 'intermittent',
       d.minutes_per_hour, d.backup_h, d.charge_h, coalesce(d.battery_spare_h, 0) > 0
FROM devices d
ORDER BY d.child_id, d.id

-- name: plan_outage
-- $1 outage: hours since it started (now), its expected length in hours
-- (NULL: not known), and whether it has ended.
SELECT greatest(extract(epoch FROM clock_timestamp() - started_at) / 3600, 0),
       extract(epoch FROM expected_restore_at - started_at) / 3600,
       ended_at IS NOT NULL, started_at
FROM outages WHERE id = $1

-- name: plan_stage
-- unprepared
-- The shelters a run may use, copied once per run with their own geography
-- index so that each child's KNN search meets only eligible rows.
CREATE TEMP TABLE plan_shelters (id bigint, outlets int, power_w float8, welfare boolean,
                                 g geography, power_h float8) ON COMMIT DROP

-- name: plan_stage_fill
-- unprepared
-- $1 hazard, $2 outage (NULL: none): open, powered, designated for the
-- hazard, outside its areas; inside the outage only on backup power, for
-- power_h hours from its start (rule 8; NULL: unaffected).
INSERT INTO plan_shelters
SELECT s.id, s.outlets, s.power_w, s.welfare, s.geom::geography, x.power_h
FROM shelters s
CROSS JOIN LATERAL (
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM outages o
                                 WHERE o.id = $2::bigint AND ST_Intersects(o.geom, s.geom)) THEN NULL
                WHEN s.backup_power <> 'none' THEN s.backup_h ELSE 0 END AS power_h) x
WHERE s.status = 'open' AND s.outlets > 0 AND s.power_w > 0
  AND (x.power_h IS NULL OR x.power_h > 0)
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
-- The plain columns only: statistics of the geography column cost more
-- than the searches gain from them (they walk the GiST index whatever).
ANALYZE plan_shelters (welfare, power_w)

-- name: plan_candidates_shelters
-- unprepared
-- $1 child ids, $2 reach in metres, $3 needs a welfare shelter, $4 how many (each),
-- $5 need_w.  The nearest eligible shelters within reach (plan_shelters,
-- staged for the run) with the watts for the child alone, through its GiST
-- indexes: KNN <-> bounded by ST_DWithin.  A child given its $4 rows may have
-- more (its list is cut: server/plan.c asks again for more when it matters).
-- Rows: child, type, id, distance_m, outlets, watts, hours, counted in the
-- cut, hours of power from the outage start (NULL: unaffected).
WITH k AS (
    SELECT k.id, k.reach_m, k.welfare, k.need_w, k.n, c.home::geography AS g
    FROM unnest($1::bigint[], $2::float8[], $3::boolean[], $5::float8[], $4::int[])
         AS k(id, reach_m, welfare, need_w, n)
    JOIN children c ON c.id = k.id)
SELECT k.id, 's', s.id, s.dist, s.outlets, s.power_w, NULL, true, s.power_h
FROM k CROSS JOIN LATERAL (
    SELECT s.id, s.outlets, s.power_w, s.power_h, ST_Distance(s.g, k.g) AS dist
    FROM plan_shelters s
    WHERE k.welfare AND s.welfare AND ST_DWithin(s.g, k.g, k.reach_m)
      AND s.power_w + 0.001 >= k.need_w
    ORDER BY s.g <-> k.g
    LIMIT k.n) s
UNION ALL
SELECT k.id, 's', s.id, s.dist, s.outlets, s.power_w, NULL, true, s.power_h
FROM k CROSS JOIN LATERAL (
    SELECT s.id, s.outlets, s.power_w, s.power_h, ST_Distance(s.g, k.g) AS dist
    FROM plan_shelters s
    WHERE NOT k.welfare AND ST_DWithin(s.g, k.g, k.reach_m)
      AND s.power_w + 0.001 >= k.need_w
    ORDER BY s.g <-> k.g
    LIMIT k.n) s

-- name: plan_points_stage
-- unprepared
-- The power points a run may go to (not dispatchable: rule 9 brings those
-- home), copied once per run with their own geography indexes, as
-- plan_shelters.  power_h: hours of power from the outage start (NULL:
-- unaffected), computed once here; ok: counted in a child's list (not dark,
-- outside the hazard's areas, and 24h when the run has no start time, else
-- with readable hours); oa, ob: the opening window in seconds (NULL: 24h or
-- unreadable).  Staged on the second session of the run (server/plan.c).
CREATE TEMP TABLE plan_points (id bigint, outlets int, output_w float8, hours text,
                               g geography, power_h float8, ok boolean,
                               oa float8, ob float8) ON COMMIT DROP

-- name: plan_points_stage_fill
-- unprepared
-- $1 hazard, $2 outage (NULL: none), $3 the run has a start time.
INSERT INTO plan_points
SELECT p.id, p.outlets, p.output_w, p.hours, p.geom::geography, x.power_h,
       coalesce(x.power_h, 1) > 0
       AND (p.hours = '24h' OR ($3::boolean AND powermap_hours_from(p.hours) IS NOT NULL))
       AND ($1::text = 'none' OR NOT EXISTS (
               SELECT 1 FROM hazard_areas h WHERE h.hazard = $1::text AND ST_Intersects(h.geom, p.geom))),
       powermap_hours_from(p.hours), powermap_hours_to(p.hours)
FROM power_points p
LEFT JOIN outages o ON o.id = $2::bigint AND ST_Intersects(o.geom, p.geom)
CROSS JOIN LATERAL (SELECT CASE WHEN o.id IS NOT NULL THEN powermap_point_backup_h(p) END AS power_h) x
WHERE p.status = 'available' AND p.outlets > 0 AND NOT p.dispatchable

-- name: plan_points_stage_index
-- unprepared
CREATE INDEX ON plan_points USING gist (g) WHERE ok

-- name: plan_points_stage_index_hours
-- unprepared
CREATE INDEX ON plan_points USING gist (g) WHERE hours <> '24h'

-- name: plan_points_stage_analyze
-- unprepared
ANALYZE plan_points (ok, hours, output_w)

-- name: plan_jit_off
-- unprepared
-- A run's queries are many small index walks: compiling them (JIT, which
-- their summed cost switches on) cost over a second per query.
SET LOCAL jit = off

-- name: plan_candidates_points
-- unprepared
-- $1 child ids, $2 reach in metres, $3 home in a hazard area (then none:
-- the child must evacuate), $4 how many (each), $5 need_w, $6 second of the day
-- (Japan time) at which the child leaves (NULL: unknown, so only 24h points
-- count), $7 seconds of travel per metre.  The nearest power points to go to
-- (plan_points, staged for the run: not dark in the outage, outside the
-- hazard's areas) within reach, open on arrival, with the watts for the
-- child alone, through the staged GiST index; then up to three nearest
-- closed on arrival within 3 km, listed among the alternatives with their
-- hours (counted false).  Sent on the run's second session while the first
-- searches shelters.
WITH k AS (
    SELECT k.id, k.reach_m, k.in_hazard, k.need_w, k.n, c.home::geography AS g
    FROM unnest($1::bigint[], $2::float8[], $3::boolean[], $5::float8[], $4::int[])
         AS k(id, reach_m, in_hazard, need_w, n)
    JOIN children c ON c.id = k.id)
SELECT k.id, 'p', p.id, p.dist, p.outlets, p.output_w, p.hours, p.counted, p.power_h
FROM k CROSS JOIN LATERAL (
    (SELECT p.id, p.outlets, p.output_w, p.hours, ST_Distance(p.g, k.g) AS dist,
            true AS counted, p.power_h
     FROM plan_points p
     WHERE NOT k.in_hazard AND p.ok
       AND p.output_w + 0.001 >= k.need_w AND ST_DWithin(p.g, k.g, k.reach_m)
       AND (p.hours = '24h' OR
            powermap_open_window(p.oa, p.ob, $6::float8 + ST_Distance(p.g, k.g) * $7::float8))
     ORDER BY p.g <-> k.g
     LIMIT k.n)
    UNION ALL
    (SELECT p.id, p.outlets, p.output_w, p.hours, ST_Distance(p.g, k.g) AS dist,
            false AS counted, p.power_h
     FROM plan_points p
     WHERE NOT k.in_hazard AND p.hours <> '24h'
       AND p.output_w + 0.001 >= k.need_w
       AND ST_DWithin(p.g, k.g, least(k.reach_m, 3000))
       AND NOT coalesce(powermap_open_window(p.oa, p.ob,
                                             $6::float8 + ST_Distance(p.g, k.g) * $7::float8), false)
     ORDER BY p.g <-> k.g
     LIMIT 3)) p

-- name: plan_dispatchable
-- $1 child ids, $2 need_w, $3 the outage (NULL: none).  Rule 9: the
-- dispatchable power points (power vehicles, lending batteries) whose
-- range_km reaches each child's home, available, with the watts for the
-- child alone.  Rows as plan_candidates_points, type 'v' (brought home).
-- Dispatchable points are few: each child is tested against them all.
WITH v AS (
    SELECT p.id, p.outlets, p.output_w, p.geom::geography AS g, coalesce(p.range_km, 0) * 1000 AS r,
           CASE WHEN $3::bigint IS NOT NULL THEN powermap_point_power_h(p, $3::bigint) END AS power_h
    FROM power_points p
    WHERE p.dispatchable AND p.status = 'available' AND p.outlets > 0 AND p.output_w > 0),
k AS (
    SELECT k.id, k.need_w, c.home::geography AS g
    FROM unnest($1::bigint[], $2::float8[]) AS k(id, need_w)
    JOIN children c ON c.id = k.id)
SELECT k.id, 'v', v.id, ST_Distance(v.g, k.g), v.outlets, v.output_w, '24h', false, v.power_h
FROM k JOIN v ON v.output_w + 0.001 >= k.need_w AND ST_DWithin(v.g, k.g, v.r)

-- name: plan_agreed
-- $1 hazard, $2 outage (NULL: none).  Rule 10: every agreed destination
-- (child_plans, sql/0080) with the child, the place's distance and whether
-- it is eligible in this scenario; rows as the candidates with, last, the
-- reason it is not (NULL: eligible; travel, hours and need are checked by
-- the planner).
SELECT a.child_id, CASE a.dest_type WHEN 'shelter' THEN 's' ELSE 'p' END, a.dest_id,
       ST_Distance(x.g, c.home::geography), x.outlets, x.watts, x.hours, false, x.power_h, x.why
FROM child_plans a
JOIN children c ON c.id = a.child_id AND c.home IS NOT NULL
CROSS JOIN LATERAL (
    SELECT s.geom::geography AS g, s.outlets, s.power_w AS watts, '24h'::text AS hours,
           x.power_h,
           CASE WHEN s.status <> 'open' THEN 'closed'
                WHEN s.outlets <= 0 OR s.power_w <= 0 THEN 'no_power'
                WHEN NOT powermap_designated(s, $1::text) THEN 'not_designated'
                WHEN EXISTS (SELECT 1 FROM hazard_areas h
                             WHERE h.hazard = $1::text AND ST_Intersects(h.geom, s.geom)) THEN 'in_hazard'
                WHEN x.power_h = 0 THEN 'dark' END AS why
    FROM shelters s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM outages o
                                     WHERE o.id = $2::bigint AND ST_Intersects(o.geom, s.geom)) THEN NULL
                    WHEN s.backup_power <> 'none' THEN s.backup_h ELSE 0 END AS power_h) x
    WHERE a.dest_type = 'shelter' AND s.id = a.dest_id
    UNION ALL
    SELECT p.geom::geography, p.outlets, p.output_w, p.hours, powermap_point_power_h(p, $2::bigint),
           CASE WHEN p.status <> 'available' THEN 'closed'
                WHEN p.outlets <= 0 OR p.output_w <= 0 THEN 'no_power'
                WHEN EXISTS (SELECT 1 FROM hazard_areas h
                             WHERE h.hazard = $1::text AND ST_Intersects(h.geom, p.geom)) THEN 'in_hazard'
                WHEN powermap_point_power_h(p, $2::bigint) = 0 THEN 'dark' END
    FROM power_points p
    WHERE a.dest_type = 'power_point' AND p.id = a.dest_id AND NOT p.dispatchable) x
WHERE a.dest_type IS NOT NULL
ORDER BY a.child_id

-- name: plan_backup_points
-- unprepared
-- $1 child ids, $2 radius in metres: the three nearest available power
-- points of each child who stays home, listed as backup.
WITH k AS (
    SELECT c.id, c.home::geography AS g FROM children c WHERE c.id = ANY ($1::bigint[]))
SELECT k.id, 'p', p.id, p.dist, p.outlets, p.output_w, p.hours, false
FROM k CROSS JOIN LATERAL (
    SELECT p.id, p.outlets, p.output_w, p.hours, ST_Distance(p.geom::geography, k.g) AS dist
    FROM power_points p
    WHERE p.status = 'available' AND ST_DWithin(p.geom::geography, k.g, $2::float8)
    ORDER BY p.geom::geography <-> k.g
    LIMIT 3) p

-- name: plan_start_second
-- Second of the day, Japan time, at which the outage starts (with its
-- fraction: opening hours are compared exactly).
SELECT extract(epoch FROM ($1::timestamptz AT TIME ZONE 'Asia/Tokyo')::time)::float8

-- name: plan_copy
-- unprepared
COPY plans (run_id, child_id, decision, reasons, need_w, runtime_h, leave_by_h, dest_type,
            dest_id, distance_m, travel_min, alternatives, details) FROM STDIN

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
    'leave_when', p.details->'leave_when', 'power', p.details->'power',
    'charge', p.details->'charge', 'brought_home', coalesce(p.details->'brought_home', 'false'),
    'agreed', p.details->'agreed', 'flags', coalesce(p.details->'flags', '[]'),
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


-- name: plan_mark_read
-- A plan of the run was shown: retention keeps the run (audit rows refer to
-- it).  Writes only the first time.
UPDATE plan_runs SET read_at = now() WHERE id = $1 AND read_at IS NULL

-- name: plan_retention
-- $1 how many of the latest runs of each scenario to keep.
SELECT powermap_plan_retention($1::int)

-- name: plan_outage_run
-- The latest finished run against an outage (rule 8).
SELECT id FROM plan_runs WHERE outage_id = $1 AND finished_at IS NOT NULL
ORDER BY id DESC LIMIT 1

-- name: plan_outages_stale
-- $1 an outage, or NULL for all: the active outages whose latest re-plan
-- (rule 8) started before their last change, or that have none.
SELECT o.id FROM outages o
WHERE o.ended_at IS NULL AND ($1::bigint IS NULL OR o.id = $1::bigint)
  AND NOT EXISTS (SELECT 1 FROM plan_runs r WHERE r.outage_id = o.id AND r.finished_at IS NOT NULL
                  AND r.started_at >= o.updated_at)
ORDER BY o.id

-- name: outage_event_queue
-- $1 outage, $2 event type, $3 payload members (JSON object or NULL), $4
-- receiver URLs (text[]): the event waits for the outage's re-plan (sql/0052).
INSERT INTO outage_events_pending (outage_id, type, extra, urls)
VALUES ($1::bigint, $2, $3::jsonb, $4::text[])

-- name: outage_events_due
-- The waiting events whose outage has its re-plan stored (or has ended),
-- oldest first, locked for this worker; after five minutes an event goes
-- out anyway (a re-plan that keeps failing must not swallow it: it then
-- carries the counts of the outage's latest run).
SELECT e.id, e.outage_id, e.type, e.extra::text, e.urls::text
FROM outage_events_pending e JOIN outages o ON o.id = e.outage_id
WHERE o.ended_at IS NOT NULL
   OR e.created_at < now() - interval '5 minutes'
   OR EXISTS (SELECT 1 FROM plan_runs r WHERE r.outage_id = o.id AND r.finished_at IS NOT NULL
              AND r.started_at >= o.updated_at)
ORDER BY e.id
LIMIT 100
FOR UPDATE OF e SKIP LOCKED

-- name: outage_event_done
DELETE FROM outage_events_pending WHERE id = $1

-- name: outage_replan_state
-- $1 outage: whether its re-plan is still to come (active, changed since
-- its latest run started), and its latest finished run (NULL: none).
SELECT o.ended_at IS NULL AND NOT EXISTS (
           SELECT 1 FROM plan_runs r WHERE r.outage_id = o.id AND r.finished_at IS NOT NULL
           AND r.started_at >= o.updated_at),
       (SELECT max(r.id) FROM plan_runs r WHERE r.outage_id = o.id AND r.finished_at IS NOT NULL)
FROM outages o WHERE o.id = $1
