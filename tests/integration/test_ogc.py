"""OGC API - Features under /ogc, checked as clients see it: JSON documents,
paging links, strict parameters, and GDAL's OAPIF driver (what QGIS users'
tools use) reading every public collection."""
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402
from mapdata import count, fc, feature_count, ogr  # noqa: E402

DATA = {}
PUBLIC = ["power_points", "shelters", "hazard_areas", "outages", "children_density"]
NANAO = "136.9,36.95,137.1,37.15"
COUNTS = {
    "power_points": "SELECT count(*) FROM power_points WHERE public",
    "shelters": "SELECT count(*) FROM shelters",
    "hazard_areas": "SELECT count(*) FROM hazard_areas",
    "outages": "SELECT count(*) FROM outages",
    "children_density": "SELECT count(*) FROM children_density_cells",
}


def setup(env):
    DATA.update(mapdata.load(env))


def root(env):
    return env.daemon.base + "/ogc"


def test_landing_page_links_api_conformance_and_data(env):
    r = env.get("/ogc")
    assert r.headers["Content-Type"] == "application/json"
    rels = {l["rel"]: l for l in r.json()["links"]}
    assert rels["service-desc"]["href"] == root(env) + "/api"
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["conformance"]["href"] == root(env) + "/conformance"
    assert rels["data"]["href"] == root(env) + "/collections"
    assert rels["self"]["href"] == root(env)
    assert env.get("/ogc?f=json").status == 200
    assert env.get("/ogc?f=xml").status == 400


def test_conformance_declares_core_geojson_and_oas30(env):
    c = env.get("/ogc/conformance").json()["conformsTo"]
    for cls in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in c


def test_api_is_openapi_30_with_limit_declared_once(env):
    r = env.get("/ogc/api")
    assert r.headers["Content-Type"] == "application/json"
    api = r.json()
    assert api["openapi"].startswith("3.0")
    limit = api["components"]["parameters"]["limit"]
    assert limit["schema"]["maximum"] == 10000 and limit["schema"]["default"] == 100
    assert r.text.count('"name":"limit"') == 1
    for c in PUBLIC:
        params = api["paths"][f"/collections/{c}/items"]["get"]["parameters"]
        assert {"$ref": "#/components/parameters/limit"} in params
    assert "/collections/children/items" not in api["paths"]
    oas = env.get("/ogc/api", headers={"Accept": "application/vnd.oai.openapi+json;version=3.0"})
    assert oas.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert "/collections/children/items" in env.get("/ogc/api", token=env.viewer).json()["paths"]


def test_collections_have_extents_and_hide_children_without_a_token(env):
    doc = env.get("/ogc/collections").json()
    ids = [c["id"] for c in doc["collections"]]
    assert ids == PUBLIC
    for c in doc["collections"]:
        bbox = c["extent"]["spatial"]["bbox"][0]
        assert len(bbox) == 4 and bbox[0] <= bbox[2] and bbox[1] <= bbox[3], c
        rel = {l["rel"]: l for l in c["links"]}
        assert rel["items"]["type"] == "application/geo+json"
    pp = [c for c in doc["collections"] if c["id"] == "power_points"][0]
    ext = env.psql("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                   "(SELECT ST_Extent(geom) e FROM power_points WHERE public) x")[0]
    assert [round(v, 6) for v in pp["extent"]["spatial"]["bbox"][0]] == [round(float(v), 6) for v in ext]
    withtoken = [c["id"] for c in env.get("/ogc/collections", token=env.viewer).json()["collections"]]
    assert withtoken == PUBLIC + ["children"]
    one = env.get("/ogc/collections/shelters")
    assert one.status == 200 and one.json()["id"] == "shelters"
    assert env.get("/ogc/collections/nope").status == 404


def test_children_urls_are_401_without_a_token(env):
    cid = env.psql("SELECT id FROM children ORDER BY id LIMIT 1")[0][0]
    for path in ("/ogc/collections/children", "/ogc/collections/children/items",
                 f"/ogc/collections/children/items/{cid}", "/ogc/collections/children/items/x",
                 "/ogc/collections/children/items?bbox=0,0,1,1"):
        r = env.get(path)
        assert r.status == 401, (path, r)
        assert "children" not in r.json()["error"]["message"] or "token" in r.json()["error"]["message"]


def test_children_items_with_a_token_are_audited(env):
    before = count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.ogc'")
    doc = fc(env.get("/ogc/collections/children/items?limit=5", token=env.viewer))
    assert doc["numberReturned"] == 5
    assert doc["numberMatched"] == count(env, "SELECT count(*) FROM children")
    ids = env.psql("SELECT child_ids FROM audit_log WHERE action = 'children.ogc' ORDER BY id DESC LIMIT 1")
    assert ids[0][0] == "{" + ",".join(str(f["id"]) for f in doc["features"]) + "}"
    one = doc["features"][0]["id"]
    r = env.get(f"/ogc/collections/children/items/{one}", token=env.viewer)
    assert r.status == 200 and r.json()["id"] == one
    assert count(env, "SELECT count(*) FROM audit_log WHERE action = 'children.ogc'") == before + 2


def test_items_have_exact_counts_every_property_and_top_level_ids(env):
    for c in PUBLIC:
        r = env.get(f"/ogc/collections/{c}/items?limit=10000")
        assert r.headers["Content-Type"] == "application/geo+json", c
        doc = fc(r)
        n = count(env, COUNTS[c])
        assert doc["numberMatched"] == n and doc["numberReturned"] == n == len(doc["features"]), c
        keys = None
        for f in doc["features"]:
            assert "id" in f and f["type"] == "Feature"
            assert keys is None or set(f["properties"]) == keys, c
            keys = set(f["properties"])
    pts = fc(env.get("/ogc/collections/power_points/items?limit=10000"))["features"]
    assert any(f["properties"]["address"] is None or f["properties"]["phone"] is None for f in pts) or \
        all("phone" in f["properties"] for f in pts)
    out = fc(env.get("/ogc/collections/outages/items"))["features"][0]["properties"]
    assert set(out) == {"started_at", "expected_restore_at", "ended_at"}
    assert out["ended_at"] is None and out["started_at"] == "2026-11-21T01:00:00Z"


def test_bbox_and_paging_links_keep_the_query(env):
    base = f"/ogc/collections/shelters/items?bbox={NANAO}&limit=7"
    n = count(env, f"SELECT count(*) FROM shelters WHERE ST_Intersects(geom, ST_MakeEnvelope({NANAO}, 4326))")
    assert n > 14
    seen = []
    url = base
    pages = 0
    while url:
        doc = fc(env.get(url))
        assert doc["numberMatched"] == n
        seen += [f["id"] for f in doc["features"]]
        links = {l["rel"]: l["href"] for l in doc["links"]}
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(links["self"]).query)
        assert q["bbox"] == [NANAO] and q["limit"] == ["7"], links["self"]
        if "next" in links:
            nq = urllib.parse.parse_qs(urllib.parse.urlsplit(links["next"]).query)
            assert nq["bbox"] == [NANAO] and nq["limit"] == ["7"]
            assert int(nq["offset"][0]) == len(seen)
            url = links["next"].replace(env.daemon.base, "")
        else:
            url = None
        if pages:
            pq = urllib.parse.parse_qs(urllib.parse.urlsplit(links["prev"]).query)
            assert pq["bbox"] == [NANAO] and pq["limit"] == ["7"]
        pages += 1
    assert len(seen) == n == len(set(seen)) and seen == sorted(seen)
    assert pages == (n + 6) // 7
    last = fc(env.get(base + f"&offset={n}"))
    assert last["numberReturned"] == 0 and last["numberMatched"] == n
    assert "next" not in {l["rel"] for l in last["links"]}


def test_limit_above_the_maximum_is_served_as_the_maximum(env):
    doc = fc(env.get("/ogc/collections/shelters/items?limit=20000"))
    assert doc["numberReturned"] == count(env, "SELECT count(*) FROM shelters")
    self_q = [l["href"] for l in doc["links"] if l["rel"] == "self"][0]
    assert "limit=10000" in self_q
    assert fc(env.get("/ogc/collections/shelters/items"))["numberReturned"] == min(
        100, count(env, "SELECT count(*) FROM shelters"))


def test_unknown_parameters_and_bad_values_are_400(env):
    for q in ("color=red", "limit=0", "limit=-1", "limit=abc", "offset=-1", "offset=1.5",
              "bbox=1,2,3", "bbox=0,0,1", "bbox=5,5,1,1", "bbox=0,0,1,inf", "f=xml",
              "limit=5&limit=6", "level=3", "bbox-crs=x"):
        r = env.get("/ogc/collections/power_points/items?" + q)
        assert r.status == 400, (q, r)
        assert r.headers["Content-Type"] == "application/json"
    for q in ("level=1", "level=4", "level=x"):
        assert env.get("/ogc/collections/children_density/items?" + q).status == 400
    assert env.get("/ogc/collections/power_points?limit=1").status == 400
    assert env.get("/ogc/conformance?x=1").status == 400


def test_single_items_and_their_errors(env):
    pid = env.psql("SELECT id FROM power_points WHERE public ORDER BY id LIMIT 1")[0][0]
    r = env.get(f"/ogc/collections/power_points/items/{pid}")
    assert r.status == 200 and r.headers["Content-Type"] == "application/geo+json"
    f = r.json()
    assert f["id"] == int(pid) and f["type"] == "Feature"
    assert {l["rel"] for l in f["links"]} == {"self", "alternate", "collection"}
    hidden = env.psql("SELECT id FROM power_points WHERE NOT public ORDER BY id LIMIT 1")[0][0]
    assert env.get(f"/ogc/collections/power_points/items/{hidden}").status == 404
    assert env.get(f"/ogc/collections/power_points/items/{hidden}", token=env.viewer).status == 200
    for bad in ("0", "-1", "abc", "99999999", "1.5"):
        assert env.get(f"/ogc/collections/shelters/items/{bad}").status == 404
    code = [c for c, n in mapdata.EXPECTED_2.items() if n][0]
    cell = env.get(f"/ogc/collections/children_density/items/{code}")
    assert cell.status == 200 and cell.json()["properties"]["mesh_code"] == code
    for bad in ("5235", "523501999", "52350X11", "99999999"):
        assert env.get(f"/ogc/collections/children_density/items/{bad}").status == 404


def test_304_on_items_and_single_items(env):
    for path in ("/ogc/collections/power_points/items?bbox=" + NANAO, "/ogc/collections",
                 "/ogc/api", "/ogc/collections/shelters/items/1"):
        r = env.get(path)
        if r.status != 200:
            continue
        assert env.get(path, headers={"If-None-Match": r.headers["ETag"]}).status == 304, path


# --------------------------------------------------------------------------
# GDAL, as QGIS users' tools see the service


def test_gdal_lists_every_public_collection_with_its_count(env):
    out = ogr("-ro", "-al", "-so", "OAPIF:" + root(env))
    layers = re.findall(r"^Layer name: (\S+)", out, re.M)
    assert layers == PUBLIC, out
    for c in PUBLIC:
        assert feature_count(out, c) == count(env, COUNTS[c]), c
    assert "children\n" not in out


def test_gdal_reads_every_feature_of_every_collection_page_by_page(env):
    for c in PUBLIC:
        out = ogr("-ro", "-oo", "PAGE_SIZE=7", "OAPIF:" + root(env), c)
        got = len(re.findall(r"^OGRFeature\(", out, re.M))
        assert got == count(env, COUNTS[c]), (c, got)
        if c == "power_points":
            assert "external_id (String) = P" in out and "output_w (" in out


def test_gdal_spatial_filter_pages_within_the_bbox(env):
    w, s, e, n = map(float, NANAO.split(","))
    for c in ("power_points", "shelters"):
        out = ogr("-ro", "-oo", "PAGE_SIZE=5", "-spat", str(w), str(s), str(e), str(n),
                  "OAPIF:" + root(env), c)
        got = len(re.findall(r"^OGRFeature\(", out, re.M))
        want = count(env, COUNTS[c] + (" AND" if "WHERE" in COUNTS[c] else " WHERE") +
                     f" ST_Intersects(geom, ST_MakeEnvelope({NANAO}, 4326))")
        assert got == want and want > 5, (c, got, want)
        so = ogr("-ro", "-so", "-oo", "PAGE_SIZE=5", "-spat", str(w), str(s), str(e), str(n),
                 "OAPIF:" + root(env), c)
        assert feature_count(so) == want


def test_gdal_reads_the_density_cells_with_their_suppression(env):
    out = ogr("-ro", "-oo", "PAGE_SIZE=1000", "OAPIF:" + root(env), "children_density")
    assert "suppressed (Integer(Boolean)) = 1" in out or "suppressed (Integer) = 1" in out, out[:2000]
    for m in re.finditer(r"count \(Integer\) = (\d+)", out):
        assert int(m.group(1)) > 10


def test_alternate_html_view_of_items_and_items(env):
    doc = fc(env.get(f"/ogc/collections/shelters/items?bbox={NANAO}&limit=3"))
    alt = [l for l in doc["links"] if l["rel"] == "alternate"][0]
    assert alt["type"] == "text/html"
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(alt["href"]).query)
    assert q["bbox"] == [NANAO] and q["limit"] == ["3"] and q["f"] == ["html"]
    r = env.get(alt["href"].replace(env.daemon.base, ""))
    assert r.status == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.text.count("<tr><td>") == 3 and "<th>name</th>" in r.text
    assert 'rel="next"' in r.text and "f=html" in re.search(r'rel="next" href="([^"]+)"', r.text).group(1)
    sid = doc["features"][0]["id"]
    one = env.get(f"/ogc/collections/shelters/items/{sid}?f=html")
    assert one.status == 200 and one.text.count("<tr><td>") == 1
    # names are escaped, not markup
    env.psql("UPDATE shelters SET name = '<script>x</script>' WHERE id = %d" % sid)
    try:
        one = env.get(f"/ogc/collections/shelters/items/{sid}?f=html")
        assert "<script>" not in one.text and "&lt;script&gt;" in one.text
    finally:
        env.psql("UPDATE shelters SET name = 'restored' WHERE id = %d" % sid)
