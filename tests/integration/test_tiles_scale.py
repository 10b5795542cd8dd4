"""Vector tiles at the scale of the country: every point of Japan in the tiles
of every zoom (issue 10.2), no tile over 500 kB and polygons of 10^6
vertices (10.3), TileJSON read by GDAL's MVT driver, and the statement
timeout of public queries (11.10).

Data: the nation-scale power points of scripts/gen-demo (50,000, 41,765
public), the prefecture's shelters and hazard areas, and one generated
浸水想定区域 of 10^6 vertices.  Tiles are decoded with GDAL's MVT driver,
reading the layer's TileJSON and fetching the tiles itself.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import demo_city  # noqa: E402
from mapdata import count, decode_mvt, deg2tile  # noqa: E402

MAX_TILE = 500 * 1000
HUGE = "huge-flood"
HUGE_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "hazard_1e6.sql")
DATA = {}


def setup(env):
    env.reset()
    nation = demo_city(tempfile.mkdtemp(prefix="powermap-nation-"), scale="nation")
    pref = demo_city(tempfile.mkdtemp(prefix="powermap-pref-"), scale="prefecture")
    for kind, path in (("power-points", os.path.join(nation, "power_points.csv")),
                       ("shelters", os.path.join(pref, "shelters.csv")),
                       ("hazards", os.path.join(pref, "hazards.geojson"))):
        r = env.import_file(kind, path)
        assert r.returncode == 0, r.stderr
    with open(HUGE_SQL, encoding="utf-8") as f:
        env.psql(f.read())
    env.psql("ANALYZE")
    DATA["points"] = count(env, "SELECT count(*) FROM power_points WHERE public")
    DATA["shelters"] = count(env, "SELECT count(*) FROM shelters")


def gdal_sum(env, coll, z):
    """(SUM(point_count), features) of layer coll at zoom z, as GDAL's MVT
    driver reads it: the TileJSON for the layers and fields, then every tile
    of the zoom level over the layer's bounds, each clipped to its tile."""
    base = "/vsicurl/" + env.daemon.base + "/tiles/" + coll
    p = subprocess.run(["ogrinfo", "-ro", "-q", "-oo", f"METADATA_FILE={base}.json",
                        "-oo", "TILE_EXTENSION=mvt", f"MVT:{base}/{z}",
                        "-sql", f"SELECT SUM(point_count) AS n, COUNT(*) AS f FROM {coll}"],
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, CPL_DEBUG="OFF", GDAL_HTTP_TIMEOUT="120"))
    assert p.returncode == 0, p.stderr + p.stdout
    n = re.search(r"n \(Real\) = ([\d.]+)", p.stdout)
    f = re.search(r"f \(Integer\) = (\d+)", p.stdout)
    assert n and f, p.stdout + p.stderr
    return int(float(n.group(1))), int(f.group(1))


def test_every_point_of_japan_is_in_the_tiles_of_every_zoom(env):
    # Regression (issue 10.2): the buffered tile envelope wrapped past 180°,
    # so z1 and z2 over Japan were empty and z3 east of 135°E held 13 points.
    for z in range(0, 9):
        n, f = gdal_sum(env, "power_points", z)
        assert n == DATA["points"], (z, n, DATA["points"])
        assert 0 < f <= n, (z, f)
    for z in (0, 1, 2, 3, 6, 8):
        n, _ = gdal_sum(env, "shelters", z)
        assert n == DATA["shelters"], (z, n, DATA["shelters"])


def test_clusters_carry_counts_and_sums_and_lone_points_their_properties(env):
    r = env.get("/tiles/power_points/0/0/0.mvt")
    assert r.status == 200, r
    text = decode_mvt(r.body)
    counts = [int(float(m)) for m in re.findall(r"point_count \(\w+\) = ([\d.]+)", text)]
    assert sum(counts) == DATA["points"] and max(counts) > 1, counts
    watts = sum(float(m) for m in re.findall(r"output_w \(Real\) = ([\d.]+)", text))
    want = float(env.psql("SELECT sum(output_w) FROM power_points WHERE public")[0][0])
    assert abs(watts - want) < 1e-6 * want, (watts, want)
    # At zoom 17 a point stands alone, with its name; a private one never shows.
    lat, lon, name = env.psql("SELECT ST_Y(geom), ST_X(geom), name FROM power_points "
                              "WHERE public ORDER BY id LIMIT 1")[0]
    x, y = deg2tile(float(lat), float(lon), 17)
    text = decode_mvt(env.get(f"/tiles/power_points/17/{x}/{y}.mvt").body)
    assert f"name (String) = {name}" in text, text[:2000]
    hidden = [h[0] for h in env.psql("SELECT name FROM power_points WHERE NOT public LIMIT 200")]
    assert hidden and all(f"= {h}\n" not in text for h in hidden)


def densest_tiles(env, z, table, where="true"):
    """The tile (x, y) at zoom z holding the most rows of table."""
    n = 2 ** z
    return env.psql(
        f"SELECT floor((ST_X(geom) + 180) / 360 * {n})::int AS x, "
        f"floor((1 - ln(tan(radians(ST_Y(geom))) + 1 / cos(radians(ST_Y(geom)))) / pi()) / 2 * {n})::int AS y "
        f"FROM {table} WHERE {where} GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1")[0]


def test_no_tile_is_over_500_kB(env):
    # Before: z0 power points 3 MB (42,867 points), z3-z6 1-1.4 MB.
    for z in range(0, 18):
        x, y = densest_tiles(env, z, "power_points", "public")
        r = env.get(f"/tiles/power_points/{z}/{x}/{y}.mvt")
        assert r.status == 200 and len(r.body) < MAX_TILE, (z, x, y, r.status, len(r.body))
    for z in (0, 4, 8, 12, 16):
        x, y = densest_tiles(env, z, "shelters")
        r = env.get(f"/tiles/shelters/{z}/{x}/{y}.mvt")
        assert r.status == 200 and len(r.body) < MAX_TILE, (z, r.status, len(r.body))


def test_a_polygon_of_a_million_vertices_is_cut_and_simplified_per_zoom_band(env):
    hid = env.psql(f"SELECT id FROM hazard_areas WHERE external_id = '{HUGE}'")[0][0]
    assert count(env, f"SELECT ST_NPoints(geom) FROM hazard_areas WHERE id = {hid}") == 1000001
    rows = env.psql(f"SELECT band, count(*), max(ST_NPoints(geom)), sum(ST_NPoints(geom)) "
                    f"FROM tile_parts WHERE layer = 'hazard_areas' AND id = {hid} "
                    "GROUP BY band ORDER BY band")
    assert [int(b) for b, *_ in rows] == [0, 1, 2, 3, 4], rows
    assert all(int(m) <= 256 for _, _, m, _ in rows), rows
    # Fewer vertices at lower zoom bands.
    total = [int(s) for *_, s in rows]
    assert total == sorted(total) and total[0] < 1000 and total[-1] < 1000001, total
    for z in (0, 4, 7, 9, 12, 15, 18):
        # Below zoom 7 the polygon is a few tile units wide: present, no more.
        x, y = deg2tile(37.0, 136.90 + 0.12 / 0.7986, z)    # on its eastern edge
        r = env.get(f"/tiles/hazard_areas/{z}/{x}/{y}.mvt")
        assert r.status == 200, (z, r)
        fd, path = tempfile.mkstemp(suffix=".mvt")
        with os.fdopen(fd, "wb") as f:
            f.write(r.body)
        try:
            p = subprocess.run(["ogrinfo", "-ro", "-q", "-oo", f"X={x}", "-oo", f"Y={y}",
                                "-oo", f"Z={z}", path, "-sql",
                                f"SELECT OGR_GEOM_AREA AS a FROM hazard_areas WHERE mvt_id = {hid}"],
                               capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(path)
        got = float(re.search(r"a \(Real\) = ([\d.e+]+)", p.stdout).group(1))
        if z < 7:
            assert got > 0, (z, p.stdout)
            continue
        want = float(env.psql(
            f"SELECT ST_Area(ST_Intersection(ST_Transform(geom, 3857), ST_TileEnvelope({z}, {x}, {y}))) "
            f"FROM hazard_areas WHERE id = {hid}")[0][0])
        # Simplified, quantised to the tile grid: within 2% of the true area.
        assert abs(got - want) <= 0.02 * want, (z, got, want)


def test_tilejson_describes_every_layer(env):
    import json
    layers = (("power_points", "point_count", 0), ("shelters", "capacity", 0),
              ("hazard_areas", "hazard", 0), ("outages", "started_at", 0),
              ("children_density", "suppressed", 6), ("children_density_10km", "suppressed", 3),
              ("facilities", "medical_care", 0))
    # Every public collection of /ogc has tiles, and the collection says so.
    colls = json.loads(env.get("/ogc/collections").body)["collections"]
    assert sorted(c["id"] for c in colls) == sorted(l[0] for l in layers)
    for c in colls:
        assert any(l["rel"] == "tiles" for l in c["links"]), c["id"]
    for coll, field, minzoom in layers:
        r = env.get(f"/tiles/{coll}.json")
        assert r.status == 200, (coll, r)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert r.headers["Cache-Control"].startswith("public")
        tj = json.loads(r.body)
        assert tj["tilejson"].startswith("3.") and tj["minzoom"] == minzoom and tj["maxzoom"] >= 12
        assert tj["tiles"] == [f"{env.daemon.base}/tiles/{coll}/{{z}}/{{x}}/{{y}}.mvt"], tj["tiles"]
        w, s, e, n = tj["bounds"]
        assert -180 <= w <= e <= 180 and -90 <= s <= n <= 90
        (layer,) = tj["vector_layers"]
        assert layer["id"] == coll and field in layer["fields"], layer
        assert tj["json"] and json.loads(tj["json"])["vector_layers"] == tj["vector_layers"]
        assert env.get(f"/tiles/{coll}.json", headers={"If-None-Match": r.headers["ETag"]}).status == 304
    tj = json.loads(env.get("/tiles/power_points.json").body)
    assert tj["bounds"][0] > 120 and tj["bounds"][2] < 150, tj["bounds"]
    # children: for token holders only, never public
    assert env.get("/tiles/children.json").status == 401
    r = env.get("/tiles/children.json", token=env.viewer)
    assert r.status == 200 and r.headers["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in r.headers
    assert json.loads(r.body)["vector_layers"][0]["id"] == "children"
    assert env.get("/tiles/nope.json").status == 404
    assert env.get("/tiles/power_points.xml").status == 404
    assert env.get("/tiles/power_points.json?x=1").status == 400
    # QGIS and GDAL find the layer and its typed fields through it.
    base = "/vsicurl/" + env.daemon.base + "/tiles/shelters"
    p = subprocess.run(["ogrinfo", "-ro", "-so", "-oo", f"METADATA_FILE={base}.json", "-oo",
                        "TILE_EXTENSION=mvt", f"MVT:{base}/4", "shelters"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "capacity: Real" in p.stdout and "name: String" in p.stdout, p.stdout


def test_public_queries_have_a_statement_timeout(env):
    # A public tile may not hold a pooled connection longer than 5 s (issue
    # 11.10): a lock held for 8 s makes the anonymous request give up with a
    # 503, while a token holder's request waits for the lock and succeeds.
    # (A warm pool first: a new connection prepares its statements, and that
    # too would wait for the lock.  Another tile: one already asked would come
    # from the answer cache without the table.)
    assert env.get("/tiles/power_points/8/229/100.mvt").status in (200, 204)
    hold = subprocess.Popen(["psql", env.db, "-XAtq", "-c",
                             "BEGIN; LOCK TABLE power_points IN ACCESS EXCLUSIVE MODE; "
                             "SELECT pg_sleep(8); COMMIT;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            assert hold.poll() is None, hold.stderr.read()
            if env.psql("SELECT count(*) FROM pg_locks WHERE relation = 'power_points'::regclass "
                        "AND mode = 'AccessExclusiveLock' AND granted")[0][0] == "1":
                break
            time.sleep(0.05)
        t0 = time.time()
        r = env.get("/tiles/power_points/8/228/100.mvt", timeout=30)
        took = time.time() - t0
        assert r.status == 503 and r.headers["Retry-After"], (r, took)
        assert "statement timeout" in r.body.decode(), r.body
        assert 4.0 <= took < 7.0, took
        assert hold.poll() is None, "the lock was given up before the staff request"
        staff = env.get("/tiles/power_points/8/227/100.mvt", token=env.viewer, timeout=30)
        assert staff.status in (200, 204), staff
    finally:
        hold.wait(30)
