"""Staff log in as themselves (issue 17, DESIGN 8 v2): user add, Argon2id,
the session cookie, CSRF on every write, slowed failures that never lock a
correct password out, expiry, logout, password change, users, and the audit
log and history naming the person."""
import hashlib
import json
import time
import urllib.request

from harness import cli


def add_user(env, login, role, name=None):
    args = ["user", "add", "--login", login, "--role", role] + (["--name", name] if name else [])
    r = cli(*args, db=env.db)
    assert r.returncode == 0, r.stderr
    pw = r.stdout.strip()
    assert len(pw) == 16, pw
    return pw


class Session:
    """A client holding a session cookie and its CSRF token."""

    def __init__(self, env):
        self.env = env
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, csrf=True, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = "pm_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        return self.env.daemon.request(method, path, body=body, headers=h)

    def login(self, login, password):
        r = self.request("POST", "/v1/session", {"login": login, "password": password})
        if r.status == 201:
            sc = r.headers["Set-Cookie"]
            self.cookie = sc.split(";")[0].split("=", 1)[1]
            self.csrf = r.json()["csrf"]
        return r


def logged_in(env, login, role, new_password="correct horse battery"):
    """A Session of a new user who has changed the one-time password."""
    pw = add_user(env, login, role, name=login.capitalize())
    s = Session(env)
    assert s.login(login, pw).status == 201
    r = s.request("POST", "/v1/session/password",
                  {"current_password": pw, "new_password": new_password})
    assert r.status == 200, r
    assert s.login(login, new_password).status == 201
    return s


def test_user_add_prints_a_one_time_password_stored_as_argon2id(env):
    pw = add_user(env, "tanaka", "planner", "田中 花子")
    rows = env.psql("SELECT password_hash, must_change, name FROM users WHERE login = 'tanaka'")
    assert rows[0][0].startswith("$argon2id$v=19$m=19456,t=2,p=1$"), rows
    assert pw not in rows[0][0] and rows[0][1] == "t" and rows[0][2] == "田中 花子"
    r = cli("user", "add", "--login", "tanaka", "--role", "planner", db=env.db)
    assert r.returncode != 0 and "taken" in r.stderr
    r = cli("user", "add", "--login", "x", "--role", "boss", db=env.db)
    assert r.returncode != 0 and "--role" in r.stderr


def test_login_sets_an_httponly_strict_cookie_and_a_one_time_password_must_change(env):
    pw = add_user(env, "suzuki", "viewer")
    s = Session(env)
    r = s.login("suzuki", pw)
    assert r.status == 201, r
    sc = r.headers["Set-Cookie"]
    assert "HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/" in sc, sc
    assert "Secure" not in sc                   # plain HTTP here; TLS adds it
    body = r.json()
    assert body["user"]["login"] == "suzuki" and body["user"]["must_change"] is True
    assert len(body["csrf"]) == 32 and body["csrf"] not in sc
    # Until the one-time password is changed, nothing but the session routes.
    r = s.request("GET", "/v1/children")
    assert r.status == 403 and r.json()["error"]["reason"] == "password_change_required", r
    assert s.request("GET", "/v1/session").status == 200
    r = s.request("POST", "/v1/session/password",
                  {"current_password": pw, "new_password": "short"})
    assert r.status == 400 and r.json()["error"]["field"] == "new_password"
    r = s.request("POST", "/v1/session/password",
                  {"current_password": "wrong-password", "new_password": "a much longer one"})
    assert r.status == 400 and r.json()["error"]["field"] == "current_password"
    r = s.request("POST", "/v1/session/password",
                  {"current_password": pw, "new_password": "a much longer one"})
    assert r.status == 200 and r.json()["must_change"] is False, r
    # The change ends every other session: log in again with the new one.
    assert s.login("suzuki", pw).status == 401
    assert s.login("suzuki", "a much longer one").status == 201
    assert s.request("GET", "/v1/children").status == 200
    # Viewer by session: no writes.
    assert s.request("POST", "/v1/children", {"external_id": "X"}).status == 403


def test_writes_with_the_cookie_need_the_csrf_token(env):
    s = logged_in(env, "sato", "planner")
    child = {"external_id": "CSRF-1", "name": "試験 太郎", "lat": 37.04, "lon": 136.96}
    r = s.request("POST", "/v1/children", child, csrf=False)
    assert r.status == 403 and r.json()["error"]["reason"] == "csrf", r
    r = s.request("POST", "/v1/children", child, headers={"X-CSRF-Token": "0" * 32}, csrf=False)
    assert r.status == 403
    assert env.psql("SELECT count(*) FROM children WHERE external_id = 'CSRF-1'") == [["0"]]
    r = s.request("POST", "/v1/children", child)
    assert r.status == 201, r
    # Reads need no token; a bearer token needs none either (no cookie: no CSRF).
    assert s.request("GET", "/v1/children", csrf=False).status == 200
    # The logout itself is a write: a foreign page cannot log the person out.
    assert s.request("DELETE", "/v1/session", csrf=False).status == 403
    assert s.request("GET", "/v1/session").status == 200


def test_history_and_audit_name_the_person(env):
    s = logged_in(env, "kobayashi", "planner")
    r = s.request("POST", "/v1/children", {"external_id": "WHO-1", "name": "履歴 花子",
                                           "lat": 37.04, "lon": 136.96})
    assert r.status == 201, r
    cid = r.json()["id"]
    assert s.request("GET", f"/v1/children/{cid}").status == 200
    actors = env.psql(f"SELECT DISTINCT actor FROM history WHERE table_name = 'children' "
                      f"AND record_id = {cid}")
    assert actors == [["user:kobayashi"]], actors
    rows = env.psql(f"SELECT key_name, action FROM audit_log WHERE {cid} = ANY(child_ids)")
    assert ["user:kobayashi", "child.read"] in rows, rows
    rows = env.psql("SELECT action FROM audit_log WHERE key_name = 'user:kobayashi' "
                    "AND action LIKE 'session.%'")
    assert ["session.login"] in rows


def test_logout_ends_the_session_on_the_server(env):
    s = logged_in(env, "watanabe", "viewer")
    old = s.cookie
    assert s.request("GET", "/v1/children").status == 200
    r = s.request("DELETE", "/v1/session")
    assert r.status == 204, r
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    # The old cookie, replayed, opens nothing.
    s.cookie = old
    assert s.request("GET", "/v1/children").status == 401
    assert s.request("GET", "/v1/session").status == 401
    digest = hashlib.sha256(old.encode()).hexdigest()
    assert env.psql(f"SELECT ended_at IS NOT NULL FROM sessions "
                    f"WHERE token_hash = decode('{digest}', 'hex')") == [["t"]]


def test_a_session_expires(env):
    s = logged_in(env, "ito", "viewer")
    assert s.request("GET", "/v1/children").status == 200
    env.psql("UPDATE sessions SET last_seen_at = now() - interval '3 hours' "
             "WHERE user_id = (SELECT id FROM users WHERE login = 'ito')")
    assert s.request("GET", "/v1/children").status == 401
    assert s.login("ito", "correct horse battery").status == 201
    env.psql("UPDATE sessions SET expires_at = now() - interval '1 second' "
             "WHERE user_id = (SELECT id FROM users WHERE login = 'ito')")
    assert s.request("GET", "/v1/children").status == 401


def test_failed_logins_are_slowed_but_a_correct_password_gets_in(env):
    s = logged_in(env, "yamamoto", "viewer")
    t = Session(env)
    for _ in range(3):
        assert t.login("yamamoto", "not the password").status == 401
    # After 3 failures the next attempt waits 1 s: refused without checking.
    r = t.login("yamamoto", "correct horse battery")
    assert r.status == 429, r
    assert r.headers["Retry-After"] == "1" and "秒" in r.json()["error"]["message"]
    time.sleep(1.1)
    assert t.login("yamamoto", "not the password").status == 401
    r = t.login("yamamoto", "not the password")
    assert r.status == 429 and r.headers["Retry-After"] == "2", r   # then 2 s, 4 s ...
    time.sleep(2.1)
    # Never locked: the right password after the wait gets in, and clears the count.
    assert t.login("yamamoto", "correct horse battery").status == 201
    assert t.login("yamamoto", "not the password").status == 401
    assert t.login("yamamoto", "correct horse battery").status == 201
    # An unknown login is refused like a wrong password.
    r = t.login("nobody-here", "whatever")
    assert r.status == 401 and r.json()["error"]["message"] == \
        "ログイン名またはパスワードが違います"
    assert s.request("GET", "/v1/session").status == 200


def test_users_are_managed_by_an_admin(env):
    admin = logged_in(env, "kanri", "admin")
    planner = logged_in(env, "keikaku", "planner")
    assert planner.request("GET", "/v1/users").status == 403
    r = admin.request("POST", "/v1/users", {"login": "new.staff", "role": "viewer",
                                            "name": "新人 職員"})
    assert r.status == 201, r
    uid, pw = r.json()["user"]["id"], r.json()["password"]
    assert len(pw) == 16
    r = admin.request("POST", "/v1/users", {"login": "new.staff", "role": "viewer"})
    assert r.status == 409 and r.json()["error"]["field"] == "login"
    r = admin.request("POST", "/v1/users", {"login": "bad login!", "role": "viewer"})
    assert r.status == 400
    r = admin.request("POST", "/v1/users", {"login": "x2", "role": "chief"})
    assert r.status == 400 and r.json()["error"]["field"] == "role"
    users = admin.request("GET", "/v1/users").json()
    assert "new.staff" in [u["login"] for u in users["items"]]
    assert "password_hash" not in json.dumps(users)
    n = Session(env)
    assert n.login("new.staff", pw).status == 201
    r = admin.request("PUT", f"/v1/users/{uid}", {"role": "planner", "reset_password": True})
    assert r.status == 200 and r.json()["user"]["role"] == "planner"
    pw2 = r.json()["password"]
    assert n.request("GET", "/v1/session").status == 401      # reset ends its sessions
    assert n.login("new.staff", pw).status == 401
    assert n.login("new.staff", pw2).status == 201
    me = admin.request("GET", "/v1/session").json()["user"]["id"]
    assert admin.request("DELETE", f"/v1/users/{me}").status == 409
    assert admin.request("DELETE", f"/v1/users/{uid}").status == 204
    assert n.request("GET", "/v1/session").status == 401
    assert admin.request("DELETE", f"/v1/users/{uid}").status == 404


def test_a_cookie_reply_is_never_publicly_cacheable(env):
    s = logged_in(env, "kimura", "viewer")
    r = s.request("GET", "/v1/maps/power.geojson")
    assert r.status == 200
    assert "public" not in (r.headers.get("Cache-Control") or ""), r.headers
    r = env.get("/v1/maps/power.geojson")
    assert "public" in r.headers["Cache-Control"]
