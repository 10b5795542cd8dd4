-- queries_plan_doc.sql -- the 個別避難計画 as a document (server/routes_plan_doc.c,
-- server/plan_doc.c): its status, agreed destination and review (0080), and
-- the child's full record for the printed plan.

-- name: plan_doc_lock
-- $1 child: its consent and the plan's status, the child's row locked so
-- that a consent change cannot slip between the check and the update.
SELECT c.consent, coalesce(cp.status, 'draft')
FROM children c LEFT JOIN child_plans cp ON cp.child_id = c.id
WHERE c.id = $1
FOR UPDATE OF c

-- name: plan_doc_dest_exists
-- $1 dest_type, $2 dest_id.
SELECT 1 WHERE ($1 = 'shelter' AND EXISTS (SELECT 1 FROM shelters WHERE id = $2::bigint))
            OR ($1 = 'power_point' AND EXISTS (SELECT 1 FROM power_points WHERE id = $2::bigint))

-- name: plan_doc_upsert
-- $1 child, $2 'true' when the destination is set ($3 type, $4 id, $5 note;
-- NULLs clear it), $6 status or NULL, $7 review_date or NULL; the actor is powermap.actor.
-- Agreeing (or sharing) the plan clears its review reasons and, unless a
-- date is given, sets the next review one year on.
INSERT INTO child_plans AS cp (child_id, dest_type, dest_id, note, dest_by, dest_at,
                               status, status_by, status_at, review_date)
VALUES ($1, CASE WHEN $2::boolean THEN $3 END, CASE WHEN $2::boolean THEN $4::bigint END,
        CASE WHEN $2::boolean THEN $5 END, CASE WHEN $2::boolean THEN powermap_plan_actor() END,
        CASE WHEN $2::boolean THEN now() END,
        coalesce($6, 'draft'), CASE WHEN $6 IS NOT NULL THEN powermap_plan_actor() END,
        CASE WHEN $6 IS NOT NULL THEN now() END, coalesce($7::date, current_date + 365))
ON CONFLICT (child_id) DO UPDATE SET
    dest_type = CASE WHEN $2::boolean THEN excluded.dest_type ELSE cp.dest_type END,
    dest_id = CASE WHEN $2::boolean THEN excluded.dest_id ELSE cp.dest_id END,
    note = CASE WHEN $2::boolean THEN excluded.note ELSE cp.note END,
    dest_by = CASE WHEN $2::boolean THEN excluded.dest_by ELSE cp.dest_by END,
    dest_at = CASE WHEN $2::boolean THEN excluded.dest_at ELSE cp.dest_at END,
    status = coalesce($6, cp.status),
    status_by = CASE WHEN $6 IS NOT NULL THEN excluded.status_by ELSE cp.status_by END,
    status_at = CASE WHEN $6 IS NOT NULL THEN excluded.status_at ELSE cp.status_at END,
    review_date = coalesce($7::date, CASE WHEN $6 IN ('agreed', 'shared') THEN current_date + 365
                                          ELSE cp.review_date END),
    review_reasons = CASE WHEN $6 IN ('agreed', 'shared') THEN '{}' ELSE cp.review_reasons END,
    changed_at = CASE WHEN $6 IN ('agreed', 'shared') THEN NULL ELSE cp.changed_at END
RETURNING id

-- name: plan_doc_get
-- $1 child: the document part of its plan (status, agreed destination,
-- review, the last 20 moves from the history) as JSON text; no row: no child.
SELECT json_build_object(
    'status', d.status, 'status_by', d.status_by, 'status_at', d.status_at,
    'review_date', d.review_date, 'review_due', d.review_due, 'review_reasons', d.review_reasons,
    'changed_at', d.changed_at, 'consent', c.consent,
    'agreed_destination', CASE WHEN d.dest_type IS NULL THEN NULL ELSE
        (powermap_dest_json(d.dest_type, d.dest_id, NULL, NULL, NULL)::jsonb
         || jsonb_build_object('note', d.note, 'by', d.dest_by, 'at', d.dest_at)) END,
    'history', coalesce((SELECT json_agg(x ORDER BY x.at) FROM (
        SELECT h.at, h.actor AS by, h.new_row->>'status' AS status,
               h.new_row->>'dest_type' AS dest_type, (h.new_row->>'dest_id')::bigint AS dest_id,
               (h.new_row->>'review_date') AS review_date
        FROM history h
        WHERE h.table_name = 'child_plans' AND h.record_id = d.doc_id AND h.op <> 'delete'
          AND (h.op = 'insert' OR h.old_row->'status' IS DISTINCT FROM h.new_row->'status'
               OR h.old_row->'dest_id' IS DISTINCT FROM h.new_row->'dest_id'
               OR h.old_row->'review_date' IS DISTINCT FROM h.new_row->'review_date')
        ORDER BY h.id DESC LIMIT 20) x), '[]'::json))::text
FROM child_plan_docs d JOIN children c ON c.id = d.child_id
WHERE d.child_id = $1

-- name: plan_doc_date_ok
-- $1 a review date: true when it is after today (a bad date is an error).
SELECT $1::date > current_date

-- name: plan_doc_child
-- $1 child: everything the printed plan shows about the child (the whole
-- record, whatever columns it has; the devices; the hazards whose areas
-- hold the home) and the municipality's settings, as JSON text.
SELECT json_build_object(
    'record', to_jsonb(c) - 'home',
    'devices', coalesce((SELECT json_agg(to_jsonb(d) ORDER BY d.id) FROM devices d
                         WHERE d.child_id = c.id), '[]'::json),
    'home_hazards', coalesce((
        SELECT json_agg(json_build_object('hazard', h.hazard, 'level', h.level) ORDER BY h.hazard)
        FROM (SELECT a.hazard, max(a.level) AS level FROM hazard_areas a
              WHERE c.home IS NOT NULL AND ST_Intersects(a.geom, c.home) GROUP BY a.hazard) h),
        '[]'::json),
    'settings', coalesce((SELECT json_object_agg(key, value) FROM plan_settings), '{}'::json))::text
FROM children c WHERE c.id = $1

-- name: plan_doc_hazard_plan
-- $1 child, $2 hazard: the child's plan in the latest finished run for that
-- hazard (any other scenario figures), as JSON text; no row: none yet.
SELECT json_build_object(
    'run_id', r.id, 'scenario', r.scenario, 'planned_at', r.finished_at,
    'decision', p.decision, 'reasons', p.reasons, 'runtime_h', p.runtime_h,
    'leave_by_h', round(p.leave_by_h::numeric, 2),
    'destination', CASE WHEN p.dest_type IS NULL THEN NULL
                        ELSE powermap_dest_json(p.dest_type, p.dest_id, p.distance_m, p.travel_min, NULL) END,
    'alternatives', coalesce((
        SELECT json_agg(powermap_dest_json(a->>'type', (a->>'id')::bigint, (a->>'distance_m')::float8,
                                           (a->>'travel_min')::float8, a) ORDER BY n)
        FROM jsonb_array_elements(p.alternatives) WITH ORDINALITY AS x(a, n)), '[]'::json))::text
FROM plan_runs r CROSS JOIN LATERAL (
    SELECT * FROM plans q WHERE q.run_id = r.id AND q.child_id = $1) p
WHERE r.finished_at IS NOT NULL AND r.scenario->>'hazard' = $2
ORDER BY r.id DESC LIMIT 1

-- name: plan_doc_areas
-- $1 hazard, $2..$5 min lon, min lat, max lon, max lat: the hazard's areas
-- inside that box, simplified and clipped for the plan's map (at most 200).
SELECT coalesce(json_agg(g), '[]'::json)::text FROM (
    SELECT ST_AsGeoJSON(ST_Intersection(ST_SimplifyPreserveTopology(a.geom, 0.00005),
                                        ST_MakeEnvelope($2, $3, $4, $5, 4326)), 6)::json AS g
    FROM hazard_areas a
    WHERE a.hazard = $1 AND a.geom && ST_MakeEnvelope($2, $3, $4, $5, 4326)
    LIMIT 200) x
WHERE g IS NOT NULL

-- name: plan_settings_get
SELECT coalesce(json_object_agg(key, value), '{}'::json)::text FROM plan_settings

-- name: plan_settings_put
-- $1 key, $2 value (NULL or empty: removed).
WITH del AS (DELETE FROM plan_settings WHERE key = $1 AND coalesce($2, '') = '')
INSERT INTO plan_settings (key, value) SELECT $1, $2 WHERE coalesce($2, '') <> ''
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()

-- name: plan_doc_disclose
-- $1 actor, $2 child ids (bigint[] text), $3 basis, $4 reason.
INSERT INTO plan_disclosures (actor, child_ids, basis, reason) VALUES ($1, $2::bigint[], $3, $4)
RETURNING id

-- name: plan_doc_consents
-- $1 child ids (bigint[] text): each child's id and consent, in the order asked.
SELECT c.id, c.consent FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n)
JOIN children c ON c.id = u.id ORDER BY u.n

-- name: plan_docs_list
-- $1 limit, $2 offset, $3 'true': only plans due for review (要見直し), $4 status or NULL.
-- Second column: the ids returned, for the audit log.
SELECT json_build_object(
    'items', coalesce(json_agg(json_build_object(
        'child_id', c.id, 'external_id', c.external_id, 'name', c.name,
        'status', d.status, 'status_by', d.status_by, 'status_at', d.status_at,
        'review_date', d.review_date, 'review_due', d.review_due, 'review_reasons', d.review_reasons,
        'agreed_destination', CASE WHEN d.dest_type IS NULL THEN NULL
            ELSE json_build_object('type', d.dest_type, 'id', d.dest_id, 'note', d.note) END)
        ORDER BY c.id), '[]'::json),
    'total', (SELECT count(*) FROM child_plan_docs x
              WHERE (NOT $3::boolean OR x.review_due) AND ($4::text IS NULL OR x.status = $4)))::text,
    coalesce(array_agg(c.id ORDER BY c.id), '{}')::text
FROM (SELECT * FROM child_plan_docs x
      WHERE (NOT $3::boolean OR x.review_due) AND ($4::text IS NULL OR x.status = $4)
      ORDER BY x.child_id LIMIT $1 OFFSET $2) d
JOIN children c ON c.id = d.child_id
