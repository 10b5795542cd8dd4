-- queries_session.sql -- staff users, web sessions and failed logins
-- (server/session.c, server/routes_session.c).  Split like queries.sql.

-- name: user_insert
-- $1 login, $2 name, $3 role, $4 Argon2id hash.  Null when the login is taken.
INSERT INTO users (login, name, role, password_hash) VALUES ($1, coalesce($2, ''), $3, $4)
ON CONFLICT (login) DO NOTHING
RETURNING id

-- name: user_json
SELECT json_build_object('id', u.id, 'login', u.login, 'name', u.name, 'role', u.role,
                         'must_change', u.must_change, 'created_at', u.created_at,
                         'password_at', u.password_at,
                         'last_login_at', (SELECT max(s.created_at) FROM sessions s
                                           WHERE s.user_id = u.id))::text
FROM users u WHERE u.id = $1

-- name: users_list
-- $1 limit, $2 offset.
SELECT json_build_object(
           'items', coalesce(json_agg(json_build_object(
               'id', u.id, 'login', u.login, 'name', u.name, 'role', u.role,
               'must_change', u.must_change, 'created_at', u.created_at) ORDER BY u.login), '[]'),
           'total', (SELECT count(*) FROM users))::text
FROM (SELECT * FROM users ORDER BY login LIMIT $1 OFFSET $2) u

-- name: user_by_login
SELECT id, password_hash, role, must_change, name FROM users WHERE login = $1

-- name: user_hash
SELECT password_hash FROM users WHERE id = $1

-- name: user_update
-- $1 id, $2 name (null: keep), $3 role (null: keep).  Returns the id.
UPDATE users SET name = coalesce($2, name), role = coalesce($3, role), updated_at = now()
WHERE id = $1 RETURNING id

-- name: user_set_password
-- $1 id, $2 hash, $3 must_change.
UPDATE users SET password_hash = $2, must_change = $3::boolean, password_at = now(),
                 updated_at = now()
WHERE id = $1 RETURNING id

-- name: user_delete
DELETE FROM users WHERE id = $1 RETURNING login

-- name: admins_other_than
-- How many admins there are besides user $1.
SELECT count(*) FROM users WHERE role = 'admin' AND id <> $1

-- name: session_insert
-- $1 user id, $2 token SHA-256 (hex), $3 lifetime in seconds, $4 address.
INSERT INTO sessions (user_id, token_hash, expires_at, remote_addr)
VALUES ($1, decode($2, 'hex'), now() + make_interval(secs => $3::int), $4)
RETURNING id

-- name: session_lookup
-- $1 token SHA-256 (hex), $2 idle limit in seconds.  A session that is ended,
-- expired or idle too long is not found.
SELECT s.id, u.id, u.login, u.name, u.role, u.must_change,
       s.last_seen_at < now() - interval '60 seconds'
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = decode($1, 'hex') AND s.ended_at IS NULL AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => $2::int)

-- name: session_touch
UPDATE sessions SET last_seen_at = now() WHERE id = $1

-- name: session_end
UPDATE sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL

-- name: sessions_end_user
-- Ends every session of user $1 but session $2 (null: all of them).
UPDATE sessions SET ended_at = now()
WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $2::bigint

-- name: login_failures_get
-- $1 login, $2 address, $3 window seconds: failures within the window and the
-- seconds since the last one.
SELECT failures, extract(epoch FROM now() - last_at)::float8 FROM login_failures
WHERE login = $1 AND remote_addr = $2 AND last_at > now() - make_interval(secs => $3::int)

-- name: login_failure_add
-- $1 login, $2 address, $3 window seconds: counts one more failure (afresh
-- when the last one is older than the window).
INSERT INTO login_failures (login, remote_addr, failures, last_at) VALUES ($1, $2, 1, now())
ON CONFLICT (login, remote_addr) DO UPDATE
SET failures = CASE WHEN login_failures.last_at > now() - make_interval(secs => $3::int)
                    THEN login_failures.failures + 1 ELSE 1 END,
    last_at = now()

-- name: login_failures_clear
DELETE FROM login_failures WHERE login = $1 AND remote_addr = $2
