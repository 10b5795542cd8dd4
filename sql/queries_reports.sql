-- queries_reports.sql -- the council's questions (routes_reports.c): the
-- council report's figures, transitions, the municipality's definition, and
-- the coverage analysis.

-- name: council_report
SELECT powermap_council_report(coalesce($1::date, (now() AT TIME ZONE 'Asia/Tokyo')::date),
                               $2::timestamptz, nullif($3, '0')::bigint)::text

-- name: transitions_list
-- $1 at (NULL: today in JST), $2 months, $3 limit, $4 offset.  Also the ids
-- listed, for the audit row.
WITH t AS (
    SELECT t.*, c.external_id, c.name, c.name_kana, c.birth_date, c.affiliation,
           c.affiliation_name, c.grade, c.district
    FROM powermap_transitions(coalesce($1::date, (now() AT TIME ZONE 'Asia/Tokyo')::date),
                              $2::int) t
    JOIN children c ON c.id = t.child_id
), page AS (
    SELECT * FROM t ORDER BY event_date, child_id, event LIMIT $3::int OFFSET $4::int
)
SELECT json_build_object(
    'items', coalesce((SELECT json_agg(json_build_object(
        'child_id', child_id, 'external_id', external_id, 'name', name, 'name_kana', name_kana,
        'birth_date', birth_date, 'affiliation', affiliation, 'affiliation_name', affiliation_name,
        'grade', grade, 'district', district, 'event', event,
        'department', CASE WHEN event = 'preschool' THEN 'childcare' ELSE 'education' END,
        'event_date', event_date) ORDER BY event_date, child_id, event) FROM page), '[]'),
    'total', (SELECT count(*) FROM t))::text,
    coalesce((SELECT array_agg(DISTINCT child_id) FROM page), '{}')::text

-- name: definition_get
SELECT value::text FROM settings WHERE key = 'definition'

-- name: definition_put
UPDATE settings SET value = $1::jsonb WHERE key = 'definition' RETURNING value::text

-- name: coverage_left_out
-- The children the plan run $1 leaves without a place, with a home.
SELECT p.child_id,
       EXISTS (SELECT 1 FROM devices d WHERE d.child_id = p.child_id AND d.life_sustaining)
FROM plans p JOIN children c ON c.id = p.child_id
WHERE p.run_id = $1::bigint AND p.decision = 'unassigned' AND c.home IS NOT NULL
ORDER BY p.child_id

-- name: coverage_sites
-- Candidate places and the left-out children of run $1 each would reach
-- under DESIGN 6: travel (straight line x detour $5 at speed $4) plus margin
-- $6 within the child's runtime; outside areas of hazard $7; a shelter must
-- take people needing care when the child has a life-sustaining device or
-- does not walk; a place that is not a shelter serves only children whose
-- home is outside the hazard areas (they may go and charge).  $2 kind:
-- shelters (without power today), facilities, all, or none; $3 extra points
-- as a JSON array of [lon, lat].
WITH kids AS (
    SELECT c.id, c.home, c.mobility, p.runtime_h,
           EXISTS (SELECT 1 FROM devices d WHERE d.child_id = c.id AND d.life_sustaining) AS ls,
           EXISTS (SELECT 1 FROM hazard_areas h WHERE h.hazard = $7 AND ST_Intersects(h.geom, c.home))
               AS in_hazard
    FROM plans p JOIN children c ON c.id = p.child_id
    WHERE p.run_id = $1::bigint AND p.decision = 'unassigned' AND c.home IS NOT NULL
), sites AS (
    SELECT 'shelter' AS type, s.id, s.name, s.geom, true AS is_shelter, s.welfare
    FROM shelters s
    WHERE $2 IN ('shelters', 'all') AND s.status = 'open' AND (s.power_w = 0 OR s.outlets = 0)
      AND powermap_designated(s, $7)
    UNION ALL
    SELECT 'facility', f.id, f.name, f.geom, false, true FROM facilities f WHERE $2 IN ('facilities', 'all')
    UNION ALL
    SELECT 'candidate', (e.o - 1), NULL, ST_SetSRID(ST_MakePoint((e.v->>0)::float8, (e.v->>1)::float8), 4326),
           false, true
    FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY e(v, o)
)
SELECT s.type, s.id, s.name, ST_X(s.geom), ST_Y(s.geom),
       coalesce((SELECT array_agg(k.id ORDER BY k.id) FROM kids k
        WHERE k.runtime_h IS NOT NULL AND k.runtime_h > $6::float8
          AND (s.is_shelter OR NOT k.in_hazard)
          AND (NOT s.is_shelter OR s.welfare OR (NOT k.ls AND coalesce(k.mobility, 'walk') = 'walk'))
          AND ST_DWithin(s.geom::geography, k.home::geography,
                         (k.runtime_h - $6::float8) * $4::float8 * 1000 / $5::float8)), '{}')::text
FROM sites s
WHERE $7 = 'none' OR NOT EXISTS (SELECT 1 FROM hazard_areas h WHERE h.hazard = $7
                                 AND ST_Intersects(h.geom, s.geom))
ORDER BY s.type, s.id

-- name: coverage_station_children
-- Every child of run $1 whose runtime is limited, with its draw: need_w at
-- peak, avg_w on average (intermittent devices for their minutes an hour).
SELECT p.child_id, p.runtime_h, p.need_w,
       coalesce((SELECT sum(d.power_w * CASE WHEN d.duty = 'intermittent'
                        THEN coalesce(d.minutes_per_hour, 60) / 60.0 ELSE 1 END)
                 FROM devices d WHERE d.child_id = p.child_id), 0),
       EXISTS (SELECT 1 FROM devices d WHERE d.child_id = p.child_id AND d.life_sustaining)
FROM plans p
WHERE p.run_id = $1::bigint AND p.runtime_h IS NOT NULL
ORDER BY p.child_id

-- name: duplicates_list
-- $1 status (pending|merged|kept_apart|all), $2 limit, $3 offset.  Also the
-- children named, for the audit row.
WITH d AS (
    SELECT r.* FROM child_reports r WHERE $1 = 'all' OR r.status = $1
), page AS (
    SELECT * FROM d ORDER BY id DESC LIMIT $2::int OFFSET $3::int
)
SELECT json_build_object(
    'items', coalesce((SELECT json_agg(json_build_object(
        'id', p.id, 'status', p.status, 'match', p.match, 'department', p.department,
        'external_id', p.external_id, 'candidates', p.candidates,
        'child', (SELECT json_build_object('id', c.id, 'external_id', c.external_id, 'name', c.name,
                  'name_kana', c.name_kana, 'birth_date', c.birth_date, 'address', c.address,
                  'sources', c.sources) FROM children c WHERE c.id = p.child_id),
        'report', json_build_object('name', p.report->>'name', 'name_kana', p.report->>'name_kana',
                  'birth_date', p.report->>'birth_date', 'address', p.report->>'address',
                  'source', p.report->>'source', 'care', p.report->'care'),
        'conflicts', p.conflicts, 'created_at', p.created_at, 'created_by', p.created_by,
        'decided_by', p.decided_by, 'decided_at', p.decided_at) ORDER BY p.id DESC) FROM page p), '[]'),
    'total', (SELECT count(*) FROM d))::text,
    coalesce((SELECT array_agg(DISTINCT x) FROM page, unnest(candidates || child_id) x
              WHERE x IS NOT NULL), '{}')::text

-- name: duplicate_decide
-- $1 report id, $2 merge|keep_apart, $3 who, $4 child (merge; NULL: the first candidate).
SELECT powermap_decide_report($1::bigint, $2, $3, $4::bigint),
       (SELECT status FROM child_reports WHERE id = $1::bigint)

-- name: import_reports_count
-- The reports of known children this transaction's import made (名寄せ):
-- merged, and waiting for a person.
SELECT count(*) FILTER (WHERE status = 'merged'), count(*) FILTER (WHERE status = 'pending')
FROM child_reports WHERE created_at = now()
