-- 0070_users_sessions.sql -- staff who log in as themselves (DESIGN 8 v2):
-- users with Argon2id password hashes, server-side sessions behind an
-- HttpOnly cookie, and the failed logins that slow the next attempt.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    login           text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    name            text NOT NULL DEFAULT '',
    role            text NOT NULL CHECK (role IN ('viewer', 'planner', 'admin')),
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change     boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    password_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'Staff who log in to the web application (powermapd user add, /v1/users). API keys stay for programs.';
COMMENT ON COLUMN users.password_hash IS 'Argon2id, PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash). The password itself is never stored.';
COMMENT ON COLUMN users.must_change IS 'The password is a one-time password (user add, an admin reset): only a password change is allowed until it is changed.';

CREATE TABLE sessions (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    remote_addr     text
);
COMMENT ON TABLE sessions IS 'Web sessions: the cookie holds a random token, this table its SHA-256. Logout sets ended_at; a session is valid until expires_at and while used within the idle limit.';
COMMENT ON COLUMN sessions.token_hash IS 'SHA-256 of the cookie value. The value itself is sent once, in Set-Cookie.';
CREATE INDEX sessions_user_idx ON sessions (user_id);
COMMENT ON INDEX sessions_user_idx IS 'Ending every session of a user (password change, role change, delete).';

CREATE TABLE login_failures (
    login           text NOT NULL,
    remote_addr     text NOT NULL,
    failures        integer NOT NULL DEFAULT 0,
    last_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (login, remote_addr)
);
COMMENT ON TABLE login_failures IS
    'Recent failed logins per login name and client address: the next attempt from that address waits longer after each failure. Keyed by address too, so that nobody elsewhere can keep a person with the right password out.';
