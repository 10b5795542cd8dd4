"""/v1/maps/power.geojson and /v1/maps/children.geojson, and the HTTP of map
layers: ETag and 304, Cache-Control, CORS, gzip, streamed bodies."""
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402
from mapdata import count, fc  # noqa: E402

DATA = {}
NANAO = "136.9,36.95,137.1,37.15"


def setup(env):
    DATA.update(mapdata.load(env))


def test_power_map_is_public_available_points_and_all_shelters_with_a_layer(env):
    r = env.get("/v1/maps/power.geojson")
    assert r.headers["Content-Type"] == "application/geo+json"
    doc = fc(r)
    assert doc["type"] == "FeatureCollection"
    layers = [f["properties"]["layer"] for f in doc["features"]]
    assert layers.count("power_points") == count(
        env, "SELECT count(*) FROM power_points WHERE public AND status = 'available'")
    assert layers.count("shelters") == count(env, "SELECT count(*) FROM shelters")
    for f in doc["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "Point"
        if p["layer"] == "power_points":
            for k in ("name", "kind", "output_w", "outlets", "hours", "status", "phone"):
                assert k in p, (k, p)
            assert p["status"] == "available"
        else:
            for k in ("name", "kind", "power_w", "outlets", "status", "phone", "welfare"):
                assert k in p, (k, p)
    assert doc["numberReturned"] == len(doc["features"])


def test_non_public_power_points_only_with_a_token(env):
    hidden = env.psql("SELECT id FROM power_points WHERE NOT public AND status = 'available'")
    assert hidden, "the demo city has non-public points"
    ids = {str(f["properties"]["id"]) for f in fc(env.get("/v1/maps/power.geojson"))["features"]
           if f["properties"]["layer"] == "power_points"}
    assert not ids & {h[0] for h in hidden}
    r = env.get("/v1/maps/power.geojson", token=env.viewer)
    ids = {str(f["properties"]["id"]) for f in fc(r)["features"]
           if f["properties"]["layer"] == "power_points"}
    assert {h[0] for h in hidden} <= ids
    assert r.headers["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in r.headers


def test_power_map_bbox_filters_both_layers(env):
    doc = fc(env.get("/v1/maps/power.geojson?bbox=" + NANAO))
    want = count(env, "SELECT count(*) FROM power_points WHERE public AND status = 'available' "
                      f"AND ST_Intersects(geom, ST_MakeEnvelope({NANAO}, 4326))")
    want += count(env, f"SELECT count(*) FROM shelters WHERE ST_Intersects(geom, ST_MakeEnvelope({NANAO}, 4326))")
    assert len(doc["features"]) == want
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 136.9 <= lon <= 137.1 and 36.95 <= lat <= 37.15
    assert fc(env.get("/v1/maps/power.geojson?bbox=0,0,1,1"))["features"] == []


def test_power_map_rejects_bad_bbox_and_unknown_parameters(env):
    for q in ("bbox=1,2,3", "bbox=1,2,3,4,5", "bbox=a,b,c,d", "bbox=10,0,5,1", "bbox=0,50,1,40",
              "bbox=-181,0,0,1", "bbox=0,-91,1,0", "bbox=nan,0,1,1", "bbox=1e999,0,1,1",
              "bbox=", "bbox=1,,2,3", "color=red", "bbox=0,0,1,1&bbox=0,0,1,1", "f=html"):
        r = env.get("/v1/maps/power.geojson?" + q)
        assert r.status == 400, (q, r)
        assert r.json()["error"]["code"] == "bad_request"
        assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_public_layers_have_cors_cache_control_and_a_strong_etag(env):
    r = env.get("/v1/maps/power.geojson?bbox=" + NANAO)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), etag
    assert "Accept-Encoding" in r.headers["Vary"]
    again = env.get("/v1/maps/power.geojson?bbox=" + NANAO)
    assert again.headers["ETag"] == etag and again.body == r.body
    other = env.get("/v1/maps/power.geojson?bbox=136.9,36.95,137.1,37.1")
    assert other.headers["ETag"] != etag


def test_if_none_match_gives_304_until_the_data_changes(env):
    path = "/v1/maps/power.geojson?bbox=" + NANAO
    r = env.get(path)
    etag = r.headers["ETag"]
    nm = env.get(path, headers={"If-None-Match": etag})
    assert nm.status == 304 and nm.body == b"", nm
    assert nm.headers["ETag"] == etag
    assert nm.headers["Cache-Control"].startswith("public")
    assert env.get(path, headers={"If-None-Match": 'W/' + etag}).status == 304
    assert env.get(path, headers={"If-None-Match": '"other", ' + etag}).status == 304
    assert env.get(path, headers={"If-None-Match": '"other"'}).status == 200
    # A shelter fills up: the map changes, and so does the ETag.
    sid = env.psql("SELECT id FROM shelters ORDER BY id LIMIT 1")[0][0]
    assert env.put(f"/v1/shelters/{sid}", {"status": "full"}, token=env.planner).status == 200
    r2 = env.get(path, headers={"If-None-Match": etag})
    assert r2.status == 200 and r2.headers["ETag"] != etag
    assert any(f["properties"]["status"] == "full" for f in fc(r2)["features"])
    assert env.put(f"/v1/shelters/{sid}", {"status": "open"}, token=env.planner).status == 200


def test_gzip_when_asked_with_its_own_etag(env):
    plain = env.get("/v1/maps/power.geojson")
    z = env.get("/v1/maps/power.geojson", headers={"Accept-Encoding": "gzip"})
    assert z.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(z.body) == plain.body
    assert z.headers["ETag"] != plain.headers["ETag"]
    assert len(z.body) < len(plain.body) / 3
    assert "Content-Encoding" not in plain.headers
    no = env.get("/v1/maps/power.geojson", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in no.headers
    nm = env.get("/v1/maps/power.geojson", headers={"Accept-Encoding": "gzip",
                                                    "If-None-Match": z.headers["ETag"]})
    assert nm.status == 304


def test_large_maps_are_streamed_in_chunks(env):
    # Enough shelters that the body passes the 256 kB that is sent whole.
    rows = ["external_id,name,kind,lat,lon,power_w,outlets"]
    for i in range(3000):
        rows.append(f"BIG{i:05d},大きな避難所{i},designated,{34.0 + i * 0.0001:.6f},"
                    f"{135.0 + i * 0.0001:.6f},{i},{i % 7}")
    path = os.path.join(DATA["dir"], "big_shelters.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    assert env.import_file("shelters", path).returncode == 0
    try:
        r = env.get("/v1/maps/power.geojson")
        assert r.status == 200
        # Read off the database whole before it is sent (a slow reader must not hold a
        # pooled connection, issue 10): a Content-Length, not chunks.
        assert int(r.headers["Content-Length"]) == len(r.body), dict(r.headers)
        doc = json.loads(r.body)
        assert sum(1 for f in doc["features"] if f["properties"]["name"].startswith("大きな避難所")) == 3000
        z = env.get("/v1/maps/power.geojson", headers={"Accept-Encoding": "gzip"})
        assert json.loads(gzip.decompress(z.body)) == doc
        assert env.get("/v1/maps/power.geojson", headers={"If-None-Match": r.headers["ETag"]}).status == 304
    finally:
        env.psql("DELETE FROM shelters WHERE external_id LIKE 'BIG%'")


def test_a_client_that_goes_away_mid_stream_leaves_the_pool_usable(env):
    import socket
    rows = ["external_id,name,kind,lat,lon"]
    rows += [f"GONE{i:05d},途中{i},designated,34.5,135.5" for i in range(4000)]
    path = os.path.join(DATA["dir"], "gone.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    assert env.import_file("shelters", path).returncode == 0
    try:
        for _ in range(12):       # more than the pool's 8 connections
            s = socket.create_connection(("127.0.0.1", env.daemon.port))
            s.sendall(b"GET /v1/maps/power.geojson HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(1000)
            s.close()
        for _ in range(10):
            assert env.get("/v1/maps/power.geojson?bbox=0,0,1,1").status == 200
        assert env.get("/ready").status == 200
    finally:
        env.psql("DELETE FROM shelters WHERE external_id LIKE 'GONE%'")


def test_children_map_needs_a_token_and_is_audited(env):
    r = env.get("/v1/maps/children.geojson")
    assert r.status == 401 and "Access-Control-Allow-Origin" not in r.headers
    before = count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.map'")
    r = env.get("/v1/maps/children.geojson", token=env.viewer)
    doc = fc(r)
    assert len(doc["features"]) == count(env, "SELECT count(*) FROM children WHERE home IS NOT NULL")
    assert r.headers["Cache-Control"] == "private, no-store"
    f = doc["features"][0]
    assert f["properties"]["name"] and f["geometry"]["type"] == "Point"
    assert isinstance(f["properties"]["devices"], list)
    rows = env.psql("SELECT key_name, cardinality(child_ids) FROM audit_log "
                    "WHERE action = 'children.map' ORDER BY id DESC LIMIT 1")
    assert count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.map'") == before + 1
    assert rows[0][0] == "test-viewer" and int(rows[0][1]) == len(doc["features"])
    r = env.get("/v1/maps/children.geojson?bbox=" + NANAO, token=env.viewer)
    inside = count(env, f"SELECT count(*) FROM children WHERE ST_Intersects(home, ST_MakeEnvelope({NANAO}, 4326))")
    assert len(fc(r)["features"]) == inside


def test_head_requests_get_headers_only(env):
    r = env.daemon.request("HEAD", "/v1/maps/power.geojson?bbox=" + NANAO)
    assert r.status == 200 and r.body == b"" and r.headers["ETag"]
