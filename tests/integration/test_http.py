"""HTTP core: health, errors, routing, keys and roles, body limits."""
import json
import socket

from harness import cli


def test_health_and_ready(env):
    assert env.get("/health").json() == {"status": "ok"}
    assert env.get("/ready").json() == {"status": "ready"}


def test_unknown_path_is_404_and_wrong_method_405_in_json(env):
    r = env.get("/v1/unicorns")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    assert r.headers["Content-Type"] == "application/json"
    r = env.daemon.request("PATCH", "/v1/shelters")
    assert r.status == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_children_need_a_valid_token(env):
    for path in ("/v1/children", "/v1/children/1"):
        r = env.get(path)
        assert r.status == 401 and r.json()["error"]["code"] == "unauthorized", r
        assert env.get(path, token="pm_not-a-real-token").status == 401
    r = env.get("/v1/children", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status == 401


def test_roles_are_checked(env):
    body = {"external_id": "R-1", "name": "役割", "lat": 37, "lon": 137}
    assert env.post("/v1/children", body, token=env.viewer).status == 403
    assert env.post("/v1/shelters", body, token=env.viewer).status == 403
    assert env.delete("/v1/shelters/1", token=env.planner).status == 403
    assert env.get("/v1/children", token=env.viewer).status == 200


def test_tokens_are_stored_hashed_only(env):
    rows = env.psql("SELECT encode(token_hash, 'hex') FROM api_keys")
    for token in env.tokens.values():
        assert all(token not in r[0] for r in rows)
    import hashlib
    hashes = {r[0] for r in rows}
    assert hashlib.sha256(env.viewer.encode()).hexdigest() in hashes


def test_key_create_rejects_bad_roles_with_one_line(env):
    r = cli("key", "create", "--role", "superuser", "--name", "x", db=env.db)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli("key", "create", "--role", "viewer", db=env.db)
    assert r.returncode != 0


def test_powermap_db_stands_in_for_db(env):
    r = cli("key", "create", "--role", "viewer", "--name", "from-env",
            env={"POWERMAP_DB": env.db})
    assert r.returncode == 0 and r.stdout.startswith("pm_"), r.stderr
    assert env.get("/v1/children", token=r.stdout.strip()).status == 200


def test_cli_errors_are_one_line_and_non_zero(env):
    r = cli("migrate", db="host=/nonexistent dbname=x")
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli("frobnicate", db=env.db)
    assert r.returncode != 0
    r = cli("migrate", db=env.db)
    assert r.returncode == 0 and r.stdout == ""           # idempotent: nothing left to apply


def test_json_bodies_over_1mb_are_413(env):
    # Declared too large: answered before the body is read.
    s = socket.create_connection(("127.0.0.1", env.daemon.port), timeout=10)
    s.sendall(b"POST /v1/shelters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              env.planner.encode() + b"\r\nContent-Type: application/json\r\n"
              b"Content-Length: 2000000\r\n\r\n{")
    head = s.recv(4096).decode("utf-8", "replace")
    s.close()
    assert head.startswith("HTTP/1.1 413"), head
    assert "payload_too_large" in head
    # Sent chunked, with no length: read, dropped, then refused.
    big = json.dumps({"external_id": "X", "name": "x" * (1024 * 1024 + 10)}).encode()
    def chunks():
        for i in range(0, len(big), 65536):
            yield big[i:i + 65536]
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", env.daemon.port, timeout=30)
    c.request("POST", "/v1/shelters", body=chunks(), encode_chunked=True,
              headers={"Authorization": "Bearer " + env.planner,
                       "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    r = c.getresponse()
    assert r.status == 413 and b"payload_too_large" in r.read()
    assert env.psql("SELECT count(*) FROM shelters WHERE external_id = 'X'") == [["0"]]


def test_half_sent_request_does_not_block_others(env):
    s = socket.create_connection(("127.0.0.1", env.daemon.port))
    s.sendall(b"POST /v1/shelters HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    assert env.get("/health").status == 200
    s.close()
