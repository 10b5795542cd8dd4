-- queries_app.sql -- what the staff application reads beside the resources'
-- own routes (server/routes_app.c): the latest decision of every child, and a
-- child's change history.  Split like queries.sql.

-- name: app_plan_children
-- $1 run id (null: the latest finished run).  Every child, with that run's
-- decision (null when the child was not in it) and the plan document's
-- status and review.  Second column: the ids, for the audit log.
WITH run AS (
    SELECT id, scenario FROM plan_runs
    WHERE finished_at IS NOT NULL AND ($1::bigint IS NULL OR id = $1::bigint)
    ORDER BY id DESC LIMIT 1
), rows AS (
    SELECT c.id AS child_id, p.decision, p.dest_type, p.dest_id, p.leave_by_h, p.runtime_h,
           coalesce(s.name, pp.name) AS dest_name, cp.status, cp.review_date,
           cp.review_reasons, cp.dest_type IS NOT NULL AS fixed
    FROM children c
    LEFT JOIN run ON true
    LEFT JOIN plans p ON p.run_id = run.id AND p.child_id = c.id
    LEFT JOIN shelters s ON p.dest_type = 'shelter' AND s.id = p.dest_id
    LEFT JOIN power_points pp ON p.dest_type = 'power_point' AND pp.id = p.dest_id
    LEFT JOIN child_plans cp ON cp.child_id = c.id
)
SELECT json_build_object(
           'run_id', (SELECT id FROM run), 'scenario', (SELECT scenario FROM run),
           'items', coalesce((SELECT json_agg(json_build_object(
               'child_id', child_id, 'decision', decision, 'dest_type', dest_type,
               'dest_id', dest_id, 'dest_name', dest_name, 'leave_by_h', leave_by_h,
               'runtime_h', runtime_h, 'status', coalesce(status, 'draft'),
               'review_date', review_date,
               'review_due', (review_date <= current_date OR cardinality(review_reasons) > 0),
               'review_reasons', coalesce(review_reasons, '{}'), 'fixed', coalesce(fixed, false))
               ORDER BY child_id) FROM rows), '[]'),
           'total', (SELECT count(*) FROM rows))::text,
       (SELECT coalesce(array_agg(child_id ORDER BY child_id), '{}') FROM rows)::text

-- name: app_child_history
-- $1 child id: who changed what and when, newest first, for the record and
-- its devices.  Only the fields that changed are given, with before/after.
SELECT coalesce(json_agg(json_build_object(
           'at', h.at, 'actor', h.actor, 'table', h.table_name, 'op', h.op,
           'changes', (SELECT coalesce(json_object_agg(k, json_build_object(
                                'before', h.old_row -> k, 'after', h.new_row -> k)), '{}')
                       FROM (SELECT jsonb_object_keys(coalesce(h.new_row, h.old_row)) AS k) ks
                       WHERE k NOT IN ('updated_at', 'created_at', 'geom', 'id')
                         AND (h.old_row -> k) IS DISTINCT FROM (h.new_row -> k)))
           ORDER BY h.id DESC), '[]')::text
FROM (SELECT * FROM history
      WHERE (table_name = 'children' AND record_id = $1)
         OR (table_name = 'devices' AND (new_row ->> 'child_id' = $1::text
                                         OR old_row ->> 'child_id' = $1::text))
      ORDER BY id DESC LIMIT 200) h
