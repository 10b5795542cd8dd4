"""Privacy of the public map layers (DESIGN 8): a crawl of every public map,
OGC and tile URL without a token -- documents, every page, every single item,
tiles over the places children live, and the errors of bad ids and
parameters -- finds no child's name, address, home coordinate or device, and
no density count of 1-10; and the published density cells do not let a
suppressed count be worked out by differencing."""
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402
from mapdata import decode_mvt, deg2tile, fc  # noqa: E402

DATA = {}
PUBLIC = ["power_points", "shelters", "hazard_areas", "outages", "children_density",
          "children_density_10km", "facilities"]


def density_cells(env):
    """Every published cell of both density collections, by mesh code."""
    cells = {}
    for c in ("children_density", "children_density_10km"):
        doc = fc(env.get(f"/ogc/collections/{c}/items?limit=10000"))
        cells.update({f["properties"]["mesh_code"]: f["properties"] for f in doc["features"]})
    return cells


def setup(env):
    DATA.update(mapdata.load(env))


def forbidden_strings():
    """Strings that must never appear: names, addresses, phones, device types,
    and each home as a "lon,lat" pair as the import printed it.  (A lone
    latitude may equal some public polygon's vertex by chance; the pair may not.)"""
    out = set()
    for c in DATA["children"]:
        for k in ("name", "name_kana", "address", "guardian_name", "guardian_phone"):
            if c.get(k):
                out.add(c[k])
        out.add(f"{c['lon']},{c['lat']}")
        out.add(f"{c['lat']},{c['lon']}")
    out.update(t for t in DATA["device_types"])
    return out


def homes4():
    """Each home as (lon, lat) printed with 4 decimals (truncated)."""
    def t4(v):
        i, _, f = v.partition(".")
        return f"{i}.{(f + '0000')[:4]}"
    return {(t4(c["lon"]), t4(c["lat"])) for c in DATA["children"]}


PAIR = re.compile(r"\[\s*(-?\d+\.\d{4})\d*\s*,\s*(-?\d+\.\d{4})\d*")


def check(env, path, body, text=None):
    """Fails when body (bytes) or its decoded text shows anything about a child."""
    s = text if text is not None else body.decode("utf-8", "replace")
    for f in forbidden_strings():
        assert f not in s, (path, f)
    homes = homes4()
    for lon, lat in PAIR.findall(s):
        assert (lon, lat) not in homes, (path, lon, lat)
    for m in re.finditer(r'"count"\s*:\s*(-?\d+)', s):
        assert not 1 <= int(m.group(1)) <= 10, (path, m.group(0))
    for m in re.finditer(r"^\s*count \(Integer\) = (\d+)", s, re.M):
        assert not 1 <= int(m.group(1)) <= 10, (path, m.group(0))


def crawl_urls(env):
    """Every public URL worth asking, including the ones that fail."""
    urls = ["/v1/maps/power.geojson", "/v1/maps/power.geojson?bbox=136.9,36.95,137.1,37.15",
            "/v1/maps/power.geojson?bbox=135,34,136,35", "/v1/maps/power.geojson?bbox=x",
            "/v1/maps/power.geojson?bbox=1,2,3,4,5", "/v1/maps/power.geojson?who=1",
            "/v1/maps/children.geojson", "/v1/maps/children.geojson?bbox=135,34,136,35",
            "/ogc", "/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections",
            "/ogc/collections/children", "/ogc/collections/children/items",
            "/ogc/collections/children/items/1", "/ogc/collections/children/items/abc",
            "/ogc/collections/nope", "/ogc/collections/nope/items"]
    for c in PUBLIC:
        urls += [f"/ogc/collections/{c}", f"/ogc/collections/{c}/items?limit=10000",
                 f"/ogc/collections/{c}/items?limit=3&offset=2",
                 f"/ogc/collections/{c}/items?limit=10000&f=html",
                 f"/ogc/collections/{c}/items?bbox=135,34,136,35",
                 f"/ogc/collections/{c}/items?bbox=136.9,36.95,137.1,37.15&limit=5",
                 f"/ogc/collections/{c}/items?bbox=0,0,1",
                 f"/ogc/collections/{c}/items?limit=0", f"/ogc/collections/{c}/items?x=1",
                 f"/ogc/collections/{c}/items/0", f"/ogc/collections/{c}/items/abc",
                 f"/ogc/collections/{c}/items/99999999"]
    for c in ("children_density", "children_density_10km"):
        for code in list(mapdata.EXPECTED_2) + list(mapdata.EXPECTED_3):
            w, s, e, n = mapdata.cell_bounds(code)
            urls.append(f"/ogc/collections/{c}/items"
                        f"?bbox={w + 1e-6},{s + 1e-6},{e - 1e-6},{n - 1e-6}")
            urls.append(f"/ogc/collections/{c}/items/{code}")
        urls.append(f"/ogc/collections/{c}/items?level=2")
        urls.append(f"/ogc/collections/{c}/queryables")
    # every single item of every public collection
    for c in PUBLIC:
        doc = fc(env.get(f"/ogc/collections/{c}/items?limit=10000"))
        urls += [f"/ogc/collections/{c}/items/{f['id']}" for f in doc["features"]]
    # tiles over every child's home, at the zooms a map shows
    for c in PUBLIC:
        tiles = set()
        for child in DATA["children"]:
            for z in (6, 9, 11, 13):
                tiles.add((z,) + deg2tile(float(child["lat"]), float(child["lon"]), z))
        urls += [f"/tiles/{c}/{z}/{x}/{y}.mvt" for z, x, y in sorted(tiles)]
        urls += [f"/tiles/{c}/0/0/0.mvt", f"/tiles/{c}/99/0/0.mvt", f"/tiles/{c}/3/9/9.mvt"]
    urls += ["/tiles/children/10/906/404.mvt"]
    return urls


def test_crawl_without_a_token_reveals_no_child(env):
    n = 0
    statuses = set()
    for path in crawl_urls(env):
        for headers in ({}, {"Accept-Encoding": "gzip"}):
            r = env.get(path, headers=headers)
            statuses.add(r.status)
            body = r.body
            if r.headers.get("Content-Encoding") == "gzip":
                import gzip
                body = gzip.decompress(body)
            if "vnd.mapbox-vector-tile" in (r.headers.get("Content-Type") or "") and r.status == 200:
                check(env, path, body, decode_mvt(body))
                check(env, path, body, body.decode("utf-8", "replace"))
            else:
                check(env, path, body)
            n += 1
    assert n > 400 and {200, 204, 400, 401, 404} <= statuses, (n, statuses)
    # and the daemon's log neither
    check(env, "log", env.daemon.logs().encode())


def test_density_cells_follow_the_suppression_rule(env):
    cells = density_cells(env)
    for code, want in {**mapdata.EXPECTED_2, **mapdata.EXPECTED_3}.items():
        assert code in cells, code
        assert cells[code]["count"] == want, (code, cells[code], want)
        assert cells[code]["suppressed"] == (want is None)
    for p in cells.values():
        assert p["count"] is None or p["count"] > 10
        assert p["suppressed"] == (p["count"] is None)
        assert p["level"] == len(p["mesh_code"]) // 2 - 1
    # one mesh level per collection (QGIS draws a layer's cells on top of each other)
    for c, level in (("children_density", 3), ("children_density_10km", 2)):
        doc = fc(env.get(f"/ogc/collections/{c}/items?limit=10000"))
        assert doc["features"] and {f["properties"]["level"] for f in doc["features"]} == {level}


def test_differencing_published_counts_recovers_no_suppressed_count(env):
    """The attack: for each 2次 cell with a published total, subtract its
    published 3次 cells.  What is left belongs to its suppressed 3次 cells; with
    one such cell, or a remainder that fixes them all (all ones, all tens), or
    a remainder of 1-10, a small count would be out.  None may be."""
    cells = density_cells(env)
    tiles_seen = set()
    recovered = []
    for code2, p2 in cells.items():
        if p2["level"] != 2 or p2["count"] is None:
            continue
        inner = [p for c, p in cells.items() if len(c) == 8 and c.startswith(code2)]
        published = sum(p["count"] for p in inner if p["count"] is not None)
        hidden = [p for p in inner if p["count"] is None]
        rest = p2["count"] - published
        assert rest >= 0
        if not hidden:
            assert rest == 0
            continue
        k = len(hidden)
        if k == 1 or 1 <= rest <= 10 or rest == k or rest == 10 * k:
            recovered.append((code2, rest, k))
        tiles_seen.add(code2)
    assert not recovered, recovered
    # The case built for it: 15 + 3 children in one 2次 cell.  Published
    # together, 18 - 15 would give the 3: the total is withheld.
    assert cells["523501"]["count"] is None
    assert cells["52350111"]["count"] == 15 and cells["52350122"]["count"] is None
    # Twelve cells of one child each: the total would show every one is 1.
    assert cells["523502"]["count"] is None
    # The tiles carry the same figures: no tile shows a count the collection hides.
    lat, lon = mapdata.cell_center("52350111")
    for z in (9, 13):
        x, y = deg2tile(lat, lon, z)
        r = env.get(f"/tiles/children_density/{z}/{x}/{y}.mvt")
        text = decode_mvt(r.body) if r.status == 200 else ""
        for block in text.split("OGRFeature(")[1:]:
            code = re.search(r"mesh_code \(String\) = (\d+)", block).group(1)
            n = re.search(r"count \(Integer\) = (\d+)", block)
            assert cells[code]["count"] == (int(n.group(1)) if n else None), block


def test_no_total_of_children_is_published(env):
    for path in ("/ogc/collections/children_density", "/ogc/collections", "/ogc/api", "/ogc"):
        doc = env.get(path).json()
        text = json.dumps(doc)
        total = int(env.psql("SELECT count(*) FROM children")[0][0])
        assert str(total) not in re.findall(r"\d+", text) or total > 10 and \
            f'"count": {total}' not in text
    # numberMatched of the density collections counts cells, never children
    for c, level in (("children_density", 3), ("children_density_10km", 2)):
        doc = fc(env.get(f"/ogc/collections/{c}/items?limit=1"))
        assert doc["numberMatched"] == int(env.psql(
            f"SELECT count(*) FROM children_density_cells WHERE level = {level}")[0][0])


def test_density_follows_changes_to_children(env):
    code = "52350311"              # 25 children, published
    lat, lon = mapdata.cell_center(code)
    r = env.post("/v1/children", {"external_id": "MOVE-1", "name": "移動 花子", "lat": lat, "lon": lon},
                 token=env.planner)
    assert r.status in (200, 201), r
    cell = env.get(f"/ogc/collections/children_density/items/{code}").json()
    assert cell["properties"]["count"] == 26
    cid = r.json()["id"]
    assert env.delete(f"/v1/children/{cid}", token=env.admin).status in (200, 204)
    cell = env.get(f"/ogc/collections/children_density/items/{code}").json()
    assert cell["properties"]["count"] == 25


def test_sql_mesh_codes_match_the_c_reference(env):
    # The vectors of tests/unit/test_mesh.c (geo/mesh.c is the reference).
    cases = [(35.681236, 139.767125, 2, "533946"), (35.681236, 139.767125, 3, "53394611"),
             (37.0431, 136.9676, 3, "55364757"), (36.0, 140.0, 3, "54400000"),
             (36.0 - 1e-9, 140.0, 3, "53407090"), (36.0, 140.0 - 1e-9, 3, "54390709"),
             (36.0 - 1e-9, 140.0 - 1e-9, 3, "53397799"), (35.0 + 40.0 / 60.0, 139.5, 2, "533944"),
             (35.0 + 40.0 / 60.0 + 30.0 / 3600.0, 139.0, 3, "53394010"), (35.7, 139.125, 2, "533941")]
    for lat, lon, level, want in cases:
        got = env.psql(f"SELECT powermap_mesh_code({lat!r}::float8, {lon!r}::float8, {level})")[0][0]
        assert got == want, (lat, lon, level, got, want)
    assert env.psql("SELECT powermap_mesh_code(70, 139, 1) IS NULL")[0][0] == "t"
    assert env.psql("SELECT ST_AsText(powermap_mesh_envelope('53394611'))")[0][0] == \
        "POLYGON((139.7625 35.675,139.7625 35.68333333333333,139.775 35.68333333333333," \
        "139.775 35.675,139.7625 35.675))"


# --------------------------------------------------------------------------
# An attacker who knows the suppression rule (issue 11 item 5)

def publish_rule(c3):
    """What sql/0030_layers.sql publishes for 3次 counts {code8: n}: {code: count or None}
    for every 3次 and 2次 cell.  The test checks the server against it."""
    out = {code: (n if n > 10 else None) for code, n in c3.items()}
    for c2 in {c[:6] for c in c3}:
        ns = [n for c, n in c3.items() if c.startswith(c2)]
        small = [n for n in ns if n <= 10]
        k, r, t = len(small), sum(small), sum(ns)
        out[c2] = t if t > 10 and (k == 0 or (r >= 11 and k < r < 10 * k)) else None
    return out


def publish_old_rule(c3):
    """The rule of sql/0004_maps.sql, which one more 3次 cell gave away."""
    out = {}
    for c2 in {c[:6] for c in c3}:
        cells = {c: n for c, n in c3.items() if c.startswith(c2)}
        small = [n for n in cells.values() if n <= 10]
        k, r, t = len(small), sum(small), sum(cells.values())
        unsafe = t > 10 and k > 0 and not (r >= 11 and k < r < 10 * k)
        big = sorted((n, c) for c, n in cells.items() if n > 10)
        second = big[0][1] if unsafe and big else None
        for c, n in cells.items():
            out[c] = n if n > 10 and c != second else None
        out[c2] = t if t > 10 and (not unsafe or second) else None
    return out


def attack(published, rule, vmax=14):
    """Tries every assignment of 1..vmax children to the suppressed 3次 cells of each
    2次 cell that makes rule publish exactly what was published, and reports every
    cell, union of cells or 2次 total whose count is then one value of 1-10."""
    import itertools
    leaks = []
    for c2 in sorted(c for c in published if len(c) == 6):
        inner = sorted(c for c in published if len(c) == 8 and c.startswith(c2))
        hidden = [c for c in inner if published[c] is None]
        known = {c: published[c] for c in inner if published[c] is not None}
        sums, totals, fits = {}, set(), 0
        for combo in itertools.product(range(1, vmax + 1), repeat=len(hidden)):
            c3 = dict(known, **dict(zip(hidden, combo)))
            out = rule(c3)
            if any(out[c] != published[c] for c in inner + [c2]):
                continue
            fits += 1
            totals.add(sum(c3.values()))
            for mask in range(1, 2 ** len(hidden)):
                sums.setdefault(mask, set()).add(
                    sum(v for i, v in enumerate(combo) if mask >> i & 1))
        assert fits, (c2, published)          # the truth itself always fits
        for mask, s in sums.items():
            if len(s) == 1 and 1 <= min(s) <= 10:
                leaks.append((c2, [hidden[i] for i in range(len(hidden)) if mask >> i & 1], min(s)))
        if published[c2] is None and len(totals) == 1 and 1 <= min(totals) <= 10:
            leaks.append((c2, "total", min(totals)))
    return leaks


def test_the_attacker_finds_what_the_old_rule_gave_away(env):
    # cells (11, 11, 9): the old rule withheld the 9 and one 11 and published
    # the total 31; knowing that it withholds the smallest large cell, the
    # attacker learns "this cell holds exactly 9".
    c3 = {"52350111": 11, "52350112": 11, "52350113": 9}
    leaks = attack(publish_old_rule(c3), publish_old_rule)
    assert ("523501", ["52350113"], 9) in leaks, leaks
    assert attack(publish_rule(c3), publish_rule) == []


def random_configs(n, seed=20261130):
    import random
    rng = random.Random(seed)
    counts = [1, 1, 2, 3, 5, 8, 9, 10, 10, 11, 11, 12, 14, 20, 25]
    for _ in range(n):
        c3 = {}
        for c2 in rng.sample(["523501", "523502", "523503", "523510", "523577"], rng.randint(1, 3)):
            cells = rng.sample(range(100), rng.randint(1, 5))
            small = 0
            for cell in cells:
                v = rng.choice(counts)
                if v <= 10:
                    small += 1
                    if small > 4:              # keeps the attacker's search small
                        v = 11 + rng.randint(0, 5)
                c3[f"{c2}{cell:02d}"] = v
        yield c3


def observe(env):
    """Everything an anonymous caller can read of both density collections: whole
    lists, every page of small pages, and every 2次 cell's box, with their
    numberMatched.  A cell must read the same wherever it is read."""
    seen = {}

    def note(doc):
        for f in doc["features"]:
            p = f["properties"]
            assert seen.setdefault(p["mesh_code"], p["count"]) == p["count"], p
            assert p["count"] is None or p["count"] > 10
        return doc

    for c in ("children_density", "children_density_10km"):
        whole = note(fc(env.get(f"/ogc/collections/{c}/items?limit=10000")))
        url = f"/ogc/collections/{c}/items?limit=2"
        while url:
            doc = note(fc(env.get(url)))
            assert doc["numberMatched"] == whole["numberMatched"]
            nxt = [l["href"] for l in doc["links"] if l["rel"] == "next"]
            url = nxt[0].replace(env.daemon.base, "") if nxt else None
        for code2 in {code[:6] for code in seen}:
            w, s, e, n = mapdata.cell_bounds(code2)
            note(fc(env.get(f"/ogc/collections/{c}/items?bbox={w},{s},{e},{n}&limit=3")))
    return seen


def test_no_differencing_recovers_a_small_count_over_random_configurations(env):
    tried = 0
    try:
        for i, c3 in enumerate(random_configs(40)):
            rows = []
            for code, n in c3.items():
                lat0, lon0 = mapdata.cell_center(code)
                rows += [f"('ATK-{i}-{code}-{j}', ST_SetSRID(ST_MakePoint("
                         f"{lon0 + (j % 5 - 2) * 0.002}, {lat0 + (j // 5 - 2) * 0.0015}), 4326))"
                         for j in range(n)]
            env.psql("BEGIN; DELETE FROM children; INSERT INTO children (external_id, home) VALUES "
                     + ",".join(rows) + "; COMMIT")
            seen = observe(env)
            want = publish_rule(c3)
            assert seen == want, (c3, seen, want)
            assert attack(seen, publish_rule) == [], c3
            tried += 1
    finally:
        DATA.update(mapdata.load(env))
    assert tried == 40
