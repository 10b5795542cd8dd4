"""Vector tiles: GET /tiles/{collection}/{z}/{x}/{y}.mvt, decoded with GDAL's MVT driver."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402
from mapdata import count, decode_mvt, deg2tile  # noqa: E402

DATA = {}
NANAO = (37.0428, 136.9674)


def setup(env):
    DATA.update(mapdata.load(env))


def tile(env, coll, z, x, y, **kw):
    return env.get(f"/tiles/{coll}/{z}/{x}/{y}.mvt", **kw)


def features(text):
    return len(re.findall(r"^OGRFeature\(", text, re.M))


def test_a_city_tile_decodes_with_every_public_point_in_it(env):
    z = 11
    x, y = deg2tile(*NANAO, z)
    r = tile(env, "power_points", z, x, y)
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"].startswith("public")
    text = decode_mvt(r.body)
    assert "Layer name: power_points" in text
    env_sql = f"ST_Transform(ST_TileEnvelope({z}, {x}, {y}), 4326)"
    want = count(env, f"SELECT count(*) FROM power_points WHERE public AND ST_Intersects(geom, {env_sql})")
    # Points that share a 64-unit cell come as one cluster with point_count.
    got = sum(int(float(n)) for n in re.findall(r"point_count \(\w+\) = ([\d.]+)", text))
    assert want > 0 and got == want and 0 < features(text) <= want, (got, features(text), want)
    assert "name (String) = " in text and "output_w (Real) = " in text
    hidden = env.psql("SELECT name FROM power_points WHERE NOT public")
    assert all(h[0] not in text for h in hidden)


def test_every_public_collection_has_tiles(env):
    z = 10
    x, y = deg2tile(*NANAO, z)
    for coll in ("shelters", "hazard_areas", "outages"):
        r = tile(env, coll, z, x, y)
        assert r.status == 200, (coll, r)
        text = decode_mvt(r.body)
        assert f"Layer name: {coll}" in text and features(text) > 0, coll
    # Each density layer is one mesh level at every zoom, as its OGC collection.
    lat, lon = mapdata.cell_center("52350311")
    for coll, level in (("children_density", 3), ("children_density_10km", 2)):
        for z in (6, 9, 12):
            x, y = deg2tile(lat, lon, z)
            r = tile(env, coll, z, x, y)
            assert r.status == 200, (coll, z, r)
            text = decode_mvt(r.body)
            assert f"Layer name: {coll}\n" in text, text
            levels = set(re.findall(r"level \(Integer\) = (\d+)", text))
            assert levels == {str(level)}, (coll, z, levels)
            for m in re.finditer(r"count \(Integer\) = (\d+)", text):
                assert int(m.group(1)) > 10
            assert "suppressed" in text
            env_sql = f"ST_Transform(ST_TileEnvelope({z}, {x}, {y}), 4326)"
            want = count(env, "SELECT count(*) FROM children_density_cells WHERE level = "
                         f"{level} AND ST_Intersects(geom, {env_sql})")
            assert want > 0 and features(text) >= want, (coll, z, features(text), want)
    # facilities: clustered points, every one counted
    for z in (6, 12):
        x, y = deg2tile(*NANAO, z)
        r = tile(env, "facilities", z, x, y)
        env_sql = f"ST_Transform(ST_TileEnvelope({z}, {x}, {y}), 4326)"
        want = count(env, f"SELECT count(*) FROM facilities WHERE ST_Intersects(geom, {env_sql})")
        text = decode_mvt(r.body) if r.status == 200 else ""
        got = sum(int(float(n)) for n in re.findall(r"point_count \(\w+\) = ([\d.]+)", text))
        assert got == want, (z, got, want)


def test_children_tiles_for_token_holders_only_audited_never_cached(env):
    lat, lon = [float(v) for v in env.psql(
        "SELECT ST_Y(home), ST_X(home) FROM children WHERE home IS NOT NULL ORDER BY id LIMIT 1")[0]]
    z = 11
    x, y = deg2tile(lat, lon, z)
    path = f"/tiles/children/{z}/{x}/{y}.mvt"
    r = env.get(path)
    assert r.status == 401 and b"external_id" not in r.body
    assert env.get(path, headers={"Authorization": "Bearer nope"}).status == 401
    env_sql = f"ST_Transform(ST_TileEnvelope({z}, {x}, {y}), 4326)"
    want = [r[0] for r in env.psql(
        f"SELECT id FROM children WHERE ST_Intersects(home, {env_sql}) ORDER BY id")]
    before = count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.tile'")
    r = env.get(path, token=env.viewer)
    assert r.status == 200, r
    assert r.headers["Cache-Control"] == "private, no-store" and "X-Cache" not in r.headers
    assert "ETag" not in r.headers and "Access-Control-Allow-Origin" not in r.headers
    text = decode_mvt(r.body)
    assert "Layer name: children" in text
    got = sum(int(float(n)) for n in re.findall(r"point_count \(\w+\) = ([\d.]+)", text))
    assert want and got == len(want), (got, want)
    assert count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.tile'") == before + 1
    logged = env.psql("SELECT child_ids FROM audit_log WHERE action = 'children.tile' "
                      "ORDER BY id DESC LIMIT 1")[0][0]
    assert set(want) <= set(logged.strip("{}").split(",")), (want, logged)
    # asked again: read again (audited again), never from the answer cache
    r2 = env.get(path, token=env.viewer)
    assert r2.body == r.body and "X-Cache" not in r2.headers
    assert count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.tile'") == before + 2
    # and an anonymous caller after the token holder still gets nothing
    assert env.get(path).status == 401


def test_empty_tiles_are_204(env):
    r = tile(env, "power_points", 12, 0, 0)
    assert r.status == 204 and r.body == b""
    assert r.headers["ETag"] and r.headers["Cache-Control"].startswith("public")


def test_zxy_are_validated(env):
    for path in ("power_points/23/0/0.mvt", "power_points/-1/0/0.mvt", "power_points/2/4/0.mvt",
                 "power_points/2/0/4.mvt", "power_points/a/0/0.mvt", "power_points/2/0/x.mvt",
                 "power_points/1/0/1.5.mvt"):
        assert env.get("/tiles/" + path).status == 400, path
    assert env.get("/tiles/power_points/2/0/0.png").status == 404
    assert env.get("/tiles/power_points/2/0/0").status == 404
    assert env.get("/tiles/children/2/0/0.mvt").status == 401
    assert env.get("/tiles/nope/2/0/0.mvt").status == 404
    assert env.get("/tiles/power_points/2/0/0.mvt?x=1").status == 400


def test_tiles_have_etags_and_gzip(env):
    z = 11
    x, y = deg2tile(*NANAO, z)
    r = tile(env, "shelters", z, x, y)
    assert tile(env, "shelters", z, x, y, headers={"If-None-Match": r.headers["ETag"]}).status == 304
    import gzip
    g = tile(env, "shelters", z, x, y, headers={"Accept-Encoding": "gzip"})
    assert g.headers["Content-Encoding"] == "gzip" and gzip.decompress(g.body) == r.body
    assert g.headers["ETag"] != r.headers["ETag"]


def test_tiles_are_public_even_with_a_token(env):
    z = 11
    x, y = deg2tile(*NANAO, z)
    a = tile(env, "power_points", z, x, y)
    b = tile(env, "power_points", z, x, y, token=env.viewer)
    assert a.body == b.body
