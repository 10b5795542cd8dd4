-- queries_outside.sql -- outages, the affected list, webhook events and
-- deliveries, the geocoding cache (server/routes_outages.c, server/events.c,
-- server/import.c).  Same conventions as queries.sql.

-- ===========================================================================
-- Outages
-- ===========================================================================

-- name: outage_times_check
-- $1 started_at, $2 expected_restore_at (may be NULL): both valid, in order.
SELECT $2::timestamptz IS NULL OR $2::timestamptz >= $1::timestamptz

-- name: outage_insert
-- $1 GeoJSON geometry, $2 started_at, $3 expected_restore_at, $4 external_id.
-- Returns (id or NULL, valid, reason).
WITH g AS (SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) AS geom),
v AS (SELECT geom, ST_IsValid(geom) AS ok, ST_IsValidReason(geom) AS reason FROM g),
ins AS (
    INSERT INTO outages (geom, started_at, expected_restore_at, external_id)
    SELECT geom, $2::timestamptz, $3::timestamptz, $4 FROM v WHERE ok
    RETURNING id)
SELECT (SELECT id FROM ins), v.ok, v.reason FROM v

-- name: outage_update
-- $1 id, $2 GeoJSON geometry or NULL (keep), $3 started_at or NULL (keep),
-- $4 expected_restore_at or NULL (keep).  Returns (id, valid, reason); no
-- row when there is no such outage.
WITH g AS (SELECT CASE WHEN $2::text IS NULL THEN NULL
                       ELSE ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($2::text), 4326)) END AS geom),
v AS (SELECT geom, geom IS NULL OR ST_IsValid(geom) AS ok,
             CASE WHEN geom IS NULL THEN 'Valid Geometry' ELSE ST_IsValidReason(geom) END AS reason
      FROM g),
upd AS (
    UPDATE outages o SET geom = coalesce(v.geom, o.geom),
                         started_at = coalesce($3::timestamptz, o.started_at),
                         expected_restore_at = coalesce($4::timestamptz, o.expected_restore_at)
    FROM v WHERE o.id = $1 AND v.ok
    RETURNING o.id)
SELECT (SELECT id FROM upd), v.ok, v.reason FROM v WHERE EXISTS (SELECT 1 FROM outages WHERE id = $1)

-- name: outage_end
-- Power is back: the outage is closed, not deleted.
UPDATE outages SET ended_at = coalesce(ended_at, now()) WHERE id = $1 RETURNING id

-- name: outage_get
SELECT json_build_object('type', 'Feature', 'id', o.id,
    'geometry', ST_AsGeoJSON(o.geom, 7)::json,
    'properties', json_build_object('id', o.id, 'external_id', o.external_id,
        'started_at', o.started_at, 'expected_restore_at', o.expected_restore_at,
        'ended_at', o.ended_at, 'active', o.ended_at IS NULL))::text
FROM outages o WHERE o.id = $1

-- name: outages_list
-- $1 limit, $2 offset, $3 active only.
SELECT json_build_object('items', coalesce(json_agg(json_build_object('type', 'Feature', 'id', o.id,
        'geometry', ST_AsGeoJSON(o.geom, 7)::json,
        'properties', json_build_object('id', o.id, 'external_id', o.external_id,
            'started_at', o.started_at, 'expected_restore_at', o.expected_restore_at,
            'ended_at', o.ended_at, 'active', o.ended_at IS NULL)) ORDER BY o.id), '[]'::json),
    'total', (SELECT count(*) FROM outages WHERE NOT $3::boolean OR ended_at IS NULL))::text
FROM (SELECT * FROM outages WHERE NOT $3::boolean OR ended_at IS NULL
      ORDER BY id LIMIT $1 OFFSET $2) o

-- name: outage_affected
-- $1 outage, $2 plan run (NULL: none).  Every child whose home is inside,
-- soonest battery deadline first (unlimited last).
SELECT c.id, c.external_id, c.name, d.need_w, d.runtime_h,
       d.runtime_h - extract(epoch FROM now() - o.started_at) / 3600 AS remaining_h,
       to_char((o.started_at + d.runtime_h * interval '1 hour') AT TIME ZONE 'Asia/Tokyo',
               'YYYY-MM-DD"T"HH24:MI:SS"+09:00"') AS deadline,
       p.decision, p.dest_type, p.dest_id,
       coalesce(s.external_id, q.external_id), coalesce(s.name, q.name),
       p.distance_m, p.travel_min, p.leave_by_h,
       ST_X(c.home), ST_Y(c.home), c.mobility, c.guardian_phone
FROM outages o
JOIN children c ON ST_Intersects(o.geom, c.home)
CROSS JOIN LATERAL (
    SELECT coalesce(sum(power_w), 0) AS need_w,
           powermap_runtime_h(c.id) AS runtime_h
    FROM devices WHERE child_id = c.id) d
LEFT JOIN plans p ON p.run_id = $2::bigint AND p.child_id = c.id
LEFT JOIN shelters s ON p.dest_type = 'shelter' AND s.id = p.dest_id
LEFT JOIN power_points q ON p.dest_type = 'power_point' AND q.id = p.dest_id
WHERE o.id = $1
ORDER BY remaining_h ASC NULLS LAST, c.id

-- name: outage_unlocated
-- $1 plan run (NULL: none).  Every child whose home is not on the map: it
-- may be inside any outage, so the affected list shows it apart, never
-- leaves it out (issue 14.6).  Columns as outage_affected, with the reason.
SELECT c.id, c.external_id, c.name, d.need_w, d.runtime_h,
       NULL::float8, NULL::text, p.decision, NULL::text, NULL::bigint, NULL::text, NULL::text,
       NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, c.mobility,
       c.guardian_phone,
       CASE WHEN c.address IS NULL OR c.address = '' THEN 'no address and no coordinates'
            ELSE 'the address could not be placed on the map' END, c.address
FROM children c
CROSS JOIN LATERAL (
    SELECT coalesce(sum(power_w), 0) AS need_w,
           powermap_runtime_h(c.id) AS runtime_h
    FROM devices WHERE child_id = c.id) d
LEFT JOIN plans p ON p.run_id = $1::bigint AND p.child_id = c.id
WHERE c.home IS NULL
ORDER BY d.runtime_h ASC NULLS LAST, c.id

-- name: outage_counts
-- $1 outage, $2 plan run (NULL: none): counts only, for webhook events.
WITH a AS (
    SELECT d.runtime_h - extract(epoch FROM now() - o.started_at) / 3600 AS remaining_h,
           p.decision
    FROM outages o
    JOIN children c ON ST_Intersects(o.geom, c.home)
    CROSS JOIN LATERAL (
        SELECT powermap_runtime_h(c.id) AS runtime_h) d
    LEFT JOIN plans p ON p.run_id = $2::bigint AND p.child_id = c.id
    WHERE o.id = $1)
SELECT json_build_object(
    'affected', count(*),
    'unlocated', (SELECT count(*) FROM children WHERE home IS NULL),
    'by_decision', json_build_object(
        'stay_home', count(*) FILTER (WHERE decision = 'stay_home'),
        'charge', count(*) FILTER (WHERE decision = 'charge'),
        'evacuate', count(*) FILTER (WHERE decision = 'evacuate'),
        'unassigned', count(*) FILTER (WHERE decision = 'unassigned'),
        'no_plan', count(*) FILTER (WHERE decision IS NULL)),
    'by_remaining_h', json_build_object(
        'out', count(*) FILTER (WHERE remaining_h <= 0),
        'under_1', count(*) FILTER (WHERE remaining_h > 0 AND remaining_h < 1),
        '1_to_3', count(*) FILTER (WHERE remaining_h >= 1 AND remaining_h < 3),
        '3_to_6', count(*) FILTER (WHERE remaining_h >= 3 AND remaining_h < 6),
        '6_or_more', count(*) FILTER (WHERE remaining_h >= 6),
        'unlimited', count(*) FILTER (WHERE remaining_h IS NULL)))::text
FROM a

-- name: outage_times
SELECT started_at, expected_restore_at, ended_at FROM outages WHERE id = $1

-- ===========================================================================
-- Battery-deadline alerts (one daemon at a time: try_lock)
-- ===========================================================================

-- name: alerts_try_lock
SELECT pg_try_advisory_xact_lock(7012003)

-- name: alerts_due
-- Records every child of an active outage whose remaining time has reached
-- 6, 3 or 1 hours and was not recorded yet; returns (outage, threshold, count).
WITH a AS (
    SELECT o.id AS outage_id, c.id AS child_id,
           d.runtime_h - extract(epoch FROM now() - o.started_at) / 3600 AS remaining_h
    FROM outages o
    JOIN children c ON ST_Intersects(o.geom, c.home)
    CROSS JOIN LATERAL (
        SELECT powermap_runtime_h(c.id) AS runtime_h) d
    WHERE o.ended_at IS NULL AND d.runtime_h IS NOT NULL),
t AS (
    SELECT a.outage_id, a.child_id, v.th FROM a CROSS JOIN (VALUES (6), (3), (1)) AS v(th)
    WHERE a.remaining_h <= v.th),
ins AS (
    INSERT INTO outage_alerts (outage_id, child_id, threshold_h)
    SELECT outage_id, child_id, th FROM t
    ON CONFLICT DO NOTHING
    RETURNING outage_id, threshold_h)
SELECT outage_id, threshold_h, count(*) FROM ins GROUP BY 1, 2 ORDER BY 1, 2 DESC

-- ===========================================================================
-- Webhooks: an outbox of events, one delivery row per receiver
-- ===========================================================================

-- name: event_insert
-- $1 type, $2 outage id, $3 payload (JSON text), $4 receiver URLs (text[]).
WITH e AS (
    INSERT INTO webhook_events (type, outage_id, payload) VALUES ($1, $2::bigint, $3::jsonb)
    RETURNING id)
INSERT INTO webhook_deliveries (event_id, url)
SELECT e.id, u FROM e, unnest($4::text[]) AS u
RETURNING event_id

-- name: delivery_take
-- $1 receiver URL.  Takes up to 8 due deliveries to it for this worker (one
-- worker per receiver); the lease (next_attempt_at a minute ahead) keeps other
-- daemons off them while they are being sent.
UPDATE webhook_deliveries d
SET attempts = d.attempts + 1, next_attempt_at = now() + interval '60 seconds'
FROM (SELECT id FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at <= now() AND url = $1
      ORDER BY next_attempt_at, id LIMIT 8 FOR UPDATE SKIP LOCKED) q,
     webhook_events e
WHERE d.id = q.id AND e.id = d.event_id
RETURNING d.id, d.url, d.attempts, e.payload::text

-- name: delivery_release
-- $1 ids (bigint[]).  Hands back leases a worker took but will not send now
-- (its receiver's breaker opened): due again at once, the attempt undone.
UPDATE webhook_deliveries
SET attempts = attempts - 1, next_attempt_at = now()
WHERE id = ANY ($1::bigint[]) AND status = 'pending'

-- name: delivery_done
UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status = $2,
       last_error = NULL
WHERE id = $1

-- name: delivery_retry
-- $1 id, $2 HTTP status or NULL, $3 error, $4 seconds until the next attempt
-- (NULL: give up).
UPDATE webhook_deliveries
SET status = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'pending' END,
    next_attempt_at = now() + coalesce($4::float8, 0) * interval '1 second',
    last_status = $2::int, last_error = $3
WHERE id = $1

-- name: deliveries_list
-- $1 limit, $2 offset.
SELECT json_build_object('items', coalesce(json_agg(json_build_object(
        'id', d.id, 'event_id', d.event_id, 'type', e.type, 'outage_id', e.outage_id,
        'url', d.url, 'status', d.status, 'attempts', d.attempts,
        'last_status', d.last_status, 'last_error', d.last_error,
        'next_attempt_at', d.next_attempt_at, 'delivered_at', d.delivered_at,
        'created_at', e.created_at) ORDER BY d.id DESC), '[]'::json),
    'total', (SELECT count(*) FROM webhook_deliveries))::text
FROM (SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT $1 OFFSET $2) d
JOIN webhook_events e ON e.id = d.event_id

-- ===========================================================================
-- Outage feed
-- ===========================================================================

-- name: feed_try_lock
-- One daemon applies a feed document at a time; the others skip that round.
SELECT pg_try_advisory_xact_lock(7012004)

-- name: feed_outage_find
-- $1 external_id: (id, geometry GeoJSON, started_at, expected_restore_at, ended)
SELECT id, ST_AsGeoJSON(geom), started_at, expected_restore_at, ended_at IS NOT NULL
FROM outages WHERE external_id = $1

-- name: feed_outage_changed
-- $1 id, $2 geometry, $3 started_at, $4 expected_restore_at: differs?
SELECT NOT ST_Equals(o.geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)))
       OR o.started_at IS DISTINCT FROM $3::timestamptz
       OR o.expected_restore_at IS DISTINCT FROM $4::timestamptz
       OR o.ended_at IS NOT NULL
FROM outages o WHERE o.id = $1

-- name: feed_outage_reopen
UPDATE outages SET ended_at = NULL WHERE id = $1

-- name: feed_outages_gone
-- $1 external_ids still in the feed: end the feed's other active outages.
UPDATE outages SET ended_at = now()
WHERE external_id IS NOT NULL AND ended_at IS NULL AND NOT (external_id = ANY ($1::text[]))
RETURNING id

-- ===========================================================================
-- Geocoding cache
-- ===========================================================================

-- name: geocode_cached
-- A found place is kept; a miss only for a day (a transient empty answer must
-- not leave a child without a home point for ever): then it is asked again.
SELECT found, lat, lon FROM geocode_cache
WHERE address = $1 AND (found OR fetched_at > now() - interval '1 day')

-- name: geocode_store
INSERT INTO geocode_cache (address, lat, lon, title, found)
VALUES ($1, $2::float8, $3::float8, $4, $5::boolean)
ON CONFLICT (address) DO UPDATE SET lat = excluded.lat, lon = excluded.lon,
    title = excluded.title, found = excluded.found, fetched_at = now()
