"""mapdata.py -- the data the map tests run on, and small helpers they share.

load(env) empties the registry and loads the demo city (scripts/gen-demo),
plus children placed on purpose in JIS mesh cells near Osaka so that every
case of the children_density suppression rule (sql/0004_maps.sql) occurs,
and one outage.  Returns what the tests need to know about it.
"""
import csv
import json
import math
import os
import re
import subprocess
import tempfile

from harness import demo_city

# 2次 cells (6 digits) and the children put in their 3次 cells (8 digits).
# A: a lone small cell beside a large one -> the 2次 total is suppressed (with
#    it, 18 - 15 would give the 3); the large one is published.
# B: twelve cells of one child each -> the 2次 total would show they are all 1.
# C: two large cells -> everything published.
# D: two small cells that sum to 13 -> the 2次 total is safe, both suppressed.
# E: one cell of 5 -> both levels suppressed.
DENSITY_CELLS = {
    "52350111": 15, "52350122": 3,
    **{f"523502{i:02d}": 1 for i in range(12)},
    "52350311": 25, "52350355": 14,
    "52350411": 4, "52350422": 9,
    "52350511": 5,
}
EXPECTED_2 = {"523501": None, "523502": None, "523503": 39, "523504": 13, "523505": None}
EXPECTED_3 = {"52350111": 15, "52350122": None, "52350311": 25, "52350355": 14,
              "52350411": None, "52350422": None, "52350511": None,
              **{f"523502{i:02d}": None for i in range(12)}}


def cell_center(code):
    """(lat, lon) of the centre of a 3次 mesh cell, in degrees."""
    y = int(code[0:2]) * 2400 + int(code[4]) * 300 + int(code[6]) * 30
    x = 360000 + int(code[2:4]) * 3600 + int(code[5]) * 450 + int(code[7]) * 45
    return (y + 15) / 3600.0, (x + 22.5) / 3600.0


def cell_bounds(code):
    """(west, south, east, north) of a 2次 or 3次 mesh cell."""
    y = int(code[0:2]) * 2400 + int(code[4]) * 300
    x = 360000 + int(code[2:4]) * 3600 + int(code[5]) * 450
    h, w = 300, 450
    if len(code) == 8:
        y += int(code[6]) * 30
        x += int(code[7]) * 45
        h, w = 30, 45
    return x / 3600.0, y / 3600.0, (x + w) / 3600.0, (y + h) / 3600.0


def density_children_csv(path):
    """Writes the children of DENSITY_CELLS (invented people) to path."""
    rows = []
    n = 0
    for code, count in DENSITY_CELLS.items():
        lat0, lon0 = cell_center(code)
        for i in range(count):
            n += 1
            # spread inside the cell, well away from its edges
            lat = lat0 + (i % 5 - 2) * 0.0015
            lon = lon0 + (i // 5 - 2) * 0.0020
            rows.append([f"D{n:05d}", f"密度 太郎{n}", f"ミツド タロウ{n}", "2015-01-01",
                         f"架空府密度市{n}番地", f"{lat:.6f}", f"{lon:.6f}", "walk", "suction"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "name", "name_kana", "birth_date", "address", "lat", "lon",
                    "mobility", "care"])
        w.writerows(rows)


OUTAGE = ("MULTIPOLYGON(((136.95 37.0,137.05 37.0,137.05 37.06,136.95 37.06,136.95 37.0)))")


def load(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-maps-"))
    for kind, name in (("shelters", "shelters.csv"), ("power-points", "power_points.csv"),
                       ("children", "children.csv"), ("devices", "devices.csv"),
                       ("hazards", "hazards.geojson"), ("facilities", "facilities.csv")):
        r = env.import_file(kind, os.path.join(d, name))
        assert r.returncode == 0, r.stderr
    extra = os.path.join(d, "density_children.csv")
    density_children_csv(extra)
    r = env.import_file("children", extra)
    assert r.returncode == 0, r.stderr
    env.psql("INSERT INTO outages (external_id, geom, started_at, expected_restore_at) VALUES "
             f"('test-outage-1', ST_GeomFromText('{OUTAGE}', 4326), "
             "'2026-11-21T01:00:00Z', '2026-11-22T09:00:00Z')")
    children = []
    with open(os.path.join(d, "children.csv"), encoding="utf-8") as f:
        children += list(csv.DictReader(f))
    with open(extra, encoding="utf-8") as f:
        children += list(csv.DictReader(f))
    with open(os.path.join(d, "devices.csv"), encoding="utf-8") as f:
        device_types = sorted({row["type"] for row in csv.DictReader(f)})
    return {"dir": d, "children": children, "device_types": device_types}


def count(env, sql):
    return int(env.psql(sql)[0][0])


def ogr(*args):
    """Runs ogrinfo; returns its stdout (text).  Fails the test on an error."""
    p = subprocess.run(["ogrinfo", *args], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, GDAL_HTTP_TIMEOUT="60", CPL_DEBUG="OFF"))
    assert p.returncode == 0, p.stderr + p.stdout
    return p.stdout


def feature_count(ogr_text, layer=None):
    """The "Feature Count: N" of ogrinfo -so output (of layer, when given)."""
    if layer:
        m = re.search(r"Layer name: " + re.escape(layer) + r"\n(?:.*\n)*?Feature Count: (\d+)",
                      ogr_text)
    else:
        m = re.search(r"Feature Count: (\d+)", ogr_text)
    assert m, ogr_text
    return int(m.group(1))


def deg2tile(lat, lon, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def decode_mvt(body):
    """ogrinfo -al of a tile, as text ("" for an empty body)."""
    if not body:
        return ""
    fd, path = tempfile.mkstemp(suffix=".mvt")
    with os.fdopen(fd, "wb") as f:
        f.write(body)
    try:
        return ogr("-ro", "-al", path)
    finally:
        os.unlink(path)


def fc(resp):
    assert resp.status == 200, resp
    return json.loads(resp.body)
