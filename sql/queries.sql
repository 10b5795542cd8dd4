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
