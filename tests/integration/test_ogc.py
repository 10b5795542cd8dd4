"""OGC API - Features under /ogc, checked as clients see it: JSON documents,
paging links, strict parameters, and GDAL's OAPIF driver (what QGIS users'
tools use) reading every public collection."""
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402
from mapdata import count, fc, feature_count, ogr  # noqa: E402

DATA = {}
PUBLIC = ["power_points", "shelters", "hazard_areas", "outages", "children_density",
          "children_density_10km", "facilities"]
NANAO = "136.9,36.95,137.1,37.15"
COUNTS = {
    "power_points": "SELECT count(*) FROM power_points WHERE public",
    "shelters": "SELECT count(*) FROM shelters",
    "hazard_areas": "SELECT count(*) FROM hazard_areas",
    "outages": "SELECT count(*) FROM outages",
    "children_density": "SELECT count(*) FROM children_density_cells WHERE level = 3",
    "children_density_10km": "SELECT count(*) FROM children_density_cells WHERE level = 2",
    "facilities": "SELECT count(*) FROM facilities",
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
    """Every link keeps the query; a next link asks twice the page it
    follows (up to 1000), so a client that reads to the end needs few pages."""
    base = f"/ogc/collections/shelters/items?bbox={NANAO}&limit=3"
    n = count(env, f"SELECT count(*) FROM shelters WHERE ST_Intersects(geom, ST_MakeEnvelope({NANAO}, 4326))")
    assert n > 3 + 6 + 12
    seen = []
    url = base
    pages = 0
    limit = 3
    while url:
        doc = fc(env.get(url))
        assert doc["numberMatched"] == n
        assert doc["numberReturned"] == len(doc["features"]) <= limit
        seen += [f["id"] for f in doc["features"]]
        links = {l["rel"]: l["href"] for l in doc["links"]}
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(links["self"]).query)
        assert q["bbox"] == [NANAO] and q["limit"] == [str(limit)], links["self"]
        if "next" in links:
            nq = urllib.parse.parse_qs(urllib.parse.urlsplit(links["next"]).query)
            assert nq["bbox"] == [NANAO] and nq["limit"] == [str(min(2 * limit, 1000))]
            assert int(nq["offset"][0]) == len(seen)
            url = links["next"].replace(env.daemon.base, "")
            limit = min(2 * limit, 1000)
        else:
            url = None
        if pages:
            pq = urllib.parse.parse_qs(urllib.parse.urlsplit(links["prev"]).query)
            assert pq["bbox"] == [NANAO] and pq["limit"] == q["limit"]
        pages += 1
    assert len(seen) == n == len(set(seen)) and seen == sorted(seen)
    assert pages >= 3
    last = fc(env.get(base + f"&offset={n}"))
    assert last["numberReturned"] == 0 and last["numberMatched"] == n
    assert "next" not in {l["rel"] for l in last["links"]}
    # The HTML view keeps the page size people chose.
    page = env.get(base + "&f=html").text
    nxt = urllib.parse.parse_qs(urllib.parse.urlsplit(
        re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")).query)
    assert nxt["limit"] == ["3"] and nxt["offset"] == ["3"]
    # A large limit is not grown, nor cut.
    doc = fc(env.get("/ogc/collections/power_points/items?limit=2000"))
    nq = [l["href"] for l in doc["links"] if l["rel"] == "next"]
    assert not nq or "limit=2000" in nq[0]


def test_gdal_copies_a_whole_layer_in_few_pages(env):
    """GDAL 3.6 asks 10 features a page (here 1, as the test data is small)
    and follows next links: the copy is exact, and takes a few requests
    rather than one per page of the size it asked for."""
    import csv
    import tempfile
    before = env.daemon.logs().count("GET /ogc/collections/{id}/items ")
    out = os.path.join(tempfile.mkdtemp(prefix="powermap-ogr-"), "copy.csv")
    p = subprocess.run(["ogr2ogr", "-f", "CSV", out, "OAPIF:" + root(env), "power_points",
                        "-oo", "PAGE_SIZE=1"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    requests = env.daemon.logs().count("GET /ogc/collections/{id}/items ") - before
    with open(out, encoding="utf-8") as f:
        got = sorted(row["external_id"] for row in csv.DictReader(f))
    want = sorted(r[0] for r in env.psql("SELECT external_id FROM power_points WHERE public"))
    assert got == want and len(want) > 20, (len(got), len(want))
    # 1, 2, 4, ... then 1000 a page; GDAL also reads the first page twice.
    pages, left, size = 0, len(want), 1
    while left > 0:
        pages, left, size = pages + 1, left - size, min(2 * size, 1000)
    assert requests <= pages + 3, (requests, pages)


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
    for q in ("level=1", "level=2", "level=3", "after=abc", "after=5235", "crs=EPSG:6668",
              "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=0,0,1,1"):
        assert env.get("/ogc/collections/children_density/items?" + q).status == 400, q
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
    for c, codes in (("children_density_10km", mapdata.EXPECTED_2),
                     ("children_density", mapdata.EXPECTED_3)):
        code = [c for c, n in codes.items() if n][0]
        cell = env.get(f"/ogc/collections/{c}/items/{code}")
        assert cell.status == 200 and cell.json()["properties"]["mesh_code"] == code
        other = list(mapdata.EXPECTED_3 if codes is mapdata.EXPECTED_2 else mapdata.EXPECTED_2)[0]
        for bad in ("5235", "523501999", "52350X11", "99999999", other):
            assert env.get(f"/ogc/collections/{c}/items/{bad}").status == 404, (c, bad)


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


# --------------------------------------------------------------------------
# Links that round-trip (issue 10 item 1), paging by key (item 4)

BOXES = ["130,30,140,40", "-180,-90,180,90", "-10,-20,140,40",
         "136.9,36.9999999,137.0000001,37.1", "136.95,37.0000001,137.05,37.0600001"]
SAFE_QUERY = re.compile(r"^[A-Za-z0-9%._~=&-]*$")


def sql_ids(env, coll, box):
    where = "public AND " if coll == "power_points" else ""
    return [int(r[0]) for r in env.psql(
        f"SELECT id FROM {coll} WHERE {where}ST_Intersects(geom, ST_MakeEnvelope({box}, 4326)) "
        "ORDER BY id")]


def follow(env, url):
    """Follows next links from url to the end; returns the ids and the hrefs."""
    ids, hrefs = [], []
    while url:
        doc = fc(env.get(url))
        ids += [f["id"] for f in doc["features"]]
        links = {l["rel"]: l["href"] for l in doc["links"]}
        hrefs += list(links.values())
        url = links.get("next", "").replace(env.daemon.base, "") or None
    return ids, hrefs


def test_next_links_round_trip_for_round_tiny_and_negative_boxes(env):
    for coll in ("power_points", "shelters"):
        for box in BOXES:
            ids, hrefs = follow(env, f"/ogc/collections/{coll}/items?bbox={box}&limit=4")
            want = sql_ids(env, coll, box)
            assert ids == want and want, (coll, box, len(ids), len(want))
            for h in hrefs:
                q = urllib.parse.urlsplit(h).query
                assert SAFE_QUERY.match(q) and "e%2b" not in q.lower() and "+" not in q, h
                got = urllib.parse.parse_qs(q).get("bbox")
                if got:
                    assert [float(v) for v in got[0].split(",")] == \
                        [float(v) for v in box.split(",")], (h, box)


def test_link_numbers_are_the_shortest_text_of_the_value_asked(env):
    for asked, written in (("0130.50,30.000,140,40", "130.5,30,140,40"),
                           ("-.5,-00.25,1e1,40", "-0.5,-0.25,10,40"),
                           ("-0.0,0.0000001,1.000000000000000000001,2",
                            "0,0.0000001,1,2"),
                           ("139.1234567890123456,35,140,36", "139.12345678901235,35,140,36"),
                           ("1.3e+02,3e+01,1.4e+02,4e+01", "130,30,140,40")):
        doc = fc(env.get("/ogc/collections/power_points/items?limit=1&bbox="
                         + urllib.parse.quote(asked, safe=",")))
        self_q = [l["href"] for l in doc["links"] if l["rel"] == "self"][0]
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(self_q).query)["bbox"] == [written], \
            (asked, self_q)


def test_gdal_follows_next_over_boxes_at_round_and_tiny_edges(env):
    for box in BOXES:
        w, s, e, n = box.split(",")
        for coll in ("power_points", "shelters"):
            out = ogr("-ro", "-oo", "PAGE_SIZE=3", "-spat", w, s, e, n, "OAPIF:" + root(env), coll)
            got = len(re.findall(r"^OGRFeature\(", out, re.M))
            assert got == len(sql_ids(env, coll, box)), (coll, box, got)


def test_next_links_page_by_key_and_deep_pages_match_offset_pages(env):
    doc = fc(env.get("/ogc/collections/power_points/items?limit=7"))
    nxt = [l["href"] for l in doc["links"] if l["rel"] == "next"][0]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(nxt).query)
    assert q["after"] == [str(doc["features"][-1]["id"])] and q["offset"] == ["7"]
    ids = [int(r[0]) for r in env.psql("SELECT id FROM power_points WHERE public ORDER BY id")]
    by_offset = fc(env.get("/ogc/collections/power_points/items?limit=5&offset=20"))
    by_key = fc(env.get(f"/ogc/collections/power_points/items?limit=5&offset=20&after={ids[19]}"))
    assert [f["id"] for f in by_key["features"]] == [f["id"] for f in by_offset["features"]] \
        == ids[20:25]
    assert by_key["numberMatched"] == by_offset["numberMatched"] == len(ids)
    all_ids, _ = follow(env, "/ogc/collections/power_points/items?limit=6")
    assert all_ids == ids


def test_number_matched_kept_between_pages_follows_the_data(env):
    url = "/ogc/collections/shelters/items?limit=3"
    n = fc(env.get(url))["numberMatched"]
    assert fc(env.get(url + "&offset=3"))["numberMatched"] == n
    env.psql("INSERT INTO shelters (external_id, name, geom) VALUES "
             "('TMP-MATCHED', '臨時', ST_SetSRID(ST_MakePoint(137.0, 37.0), 4326))")
    try:
        assert fc(env.get(url + "&offset=3"))["numberMatched"] == n + 1
    finally:
        env.psql("DELETE FROM shelters WHERE external_id = 'TMP-MATCHED'")
    assert fc(env.get(url + "&offset=6"))["numberMatched"] == n


# --------------------------------------------------------------------------
# Queryables and the feature schema (item 7)


def test_queryables_give_every_property_its_json_schema_type(env):
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables" in \
        env.get("/ogc/conformance").json()["conformsTo"]
    kinds = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list}
    for c in PUBLIC:
        coll = env.get(f"/ogc/collections/{c}").json()
        rels = {l["rel"]: l for l in coll["links"]}
        ql = rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"]
        assert ql["type"] == "application/schema+json"
        r = env.get(ql["href"].replace(env.daemon.base, ""))
        assert r.status == 200 and r.headers["Content-Type"] == "application/schema+json"
        q = r.json()
        assert q["type"] == "object" and q["$id"] == ql["href"]
        props = q["properties"]
        assert "geometry" in props
        feats = fc(env.get(f"/ogc/collections/{c}/items?limit=10000"))["features"]
        for f in feats:
            assert set(f["properties"]) == set(props) - {"geometry"}, c
            for k, v in f["properties"].items():
                assert v is None or isinstance(v, kinds[props[k]["type"]]), (c, k, v)
        schema = env.get(rels["describedby"]["href"].replace(env.daemon.base, "")).json()
        assert schema["properties"]["properties"]["properties"] == \
            {k: v for k, v in props.items() if k != "geometry"}
    out = env.get("/ogc/collections/outages/queryables").json()["properties"]
    assert out["ended_at"] == {"title": out["ended_at"]["title"], "type": "string",
                               "format": "date-time"}
    assert env.get("/ogc/collections/children/queryables").status == 401
    assert "name" in env.get("/ogc/collections/children/queryables", token=env.viewer).json()["properties"]


def test_gdal_types_fields_from_the_schema_before_any_value(env):
    # Every outage of the test data is still going on: ended_at is null on
    # every page, yet GDAL (and QGIS through it) must see a date-time field.
    assert count(env, "SELECT count(*) FROM outages WHERE ended_at IS NOT NULL") == 0
    out = ogr("-ro", "-so", "OAPIF:" + root(env), "outages")
    assert re.search(r"^ended_at: DateTime", out, re.M), out
    assert re.search(r"^started_at: DateTime", out, re.M), out
    pp = ogr("-ro", "-so", "OAPIF:" + root(env), "power_points")
    assert re.search(r"^output_w: Real", pp, re.M) and re.search(r"^outlets: Integer", pp, re.M), pp


# --------------------------------------------------------------------------
# Coordinate reference systems, Part 2 (item 8)

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def coords(doc):
    return {f["id"]: f["geometry"]["coordinates"] for f in doc["features"]}


def test_crs_lists_storage_crs_and_conformance(env):
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in \
        env.get("/ogc/conformance").json()["conformsTo"]
    for c in env.get("/ogc/collections").json()["collections"]:
        assert c["storageCrs"] == CRS84
        assert c["crs"][0] == CRS84 and EPSG + "6668" in c["crs"] and EPSG + "4326" in c["crs"]
        assert all(EPSG + str(n) in c["crs"] for n in range(6669, 6688))
    for bad in ("EPSG:6668", EPSG + "3857", EPSG + "6688", EPSG + "66680", "x"):
        r = env.get("/ogc/collections/shelters/items?crs=" + urllib.parse.quote(bad, safe=""))
        assert r.status == 400, bad
        r = env.get("/ogc/collections/shelters/items?bbox=0,0,1,1&bbox-crs=" +
                    urllib.parse.quote(bad, safe=""))
        assert r.status == 400, bad


def test_jgd2011_latitude_first_and_plane_rectangular_northing_first(env):
    base = "/ogc/collections/power_points/items?limit=10000"
    r84 = env.get(base)
    assert r84.headers["Content-Crs"] == f"<{CRS84}>"
    lonlat = coords(fc(r84))
    for srid in (4326, 6668):
        r = env.get(base + "&crs=" + urllib.parse.quote(EPSG + str(srid), safe=""))
        assert r.headers["Content-Crs"] == f"<{EPSG}{srid}>"
        for fid, (lat, lon) in coords(fc(r)).items():
            assert abs(lon - lonlat[fid][0]) < 2e-7 and abs(lat - lonlat[fid][1]) < 2e-7
        nxt = [l["href"] for l in fc(env.get(base.replace("10000", "3") + "&crs=" + EPSG + str(srid)))
               ["links"] if l["rel"] == "next"][0]
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(nxt).query)["crs"] == [EPSG + str(srid)]
    # 石川県 is in zone VII (EPSG:6675): X northing, Y easting, in metres
    r = env.get(base + "&crs=" + EPSG + "6675")
    want = {int(i): (float(x), float(y)) for i, x, y in env.psql(
        "SELECT id, ST_Y(ST_Transform(geom, 6675)), ST_X(ST_Transform(geom, 6675)) "
        "FROM power_points WHERE public")}
    got = coords(fc(r))
    assert set(got) == set(want)
    for fid, (x, y) in got.items():
        assert abs(x - want[fid][0]) < 0.002 and abs(y - want[fid][1]) < 0.002, (fid, x, y)
    one = env.get(f"/ogc/collections/power_points/items/{fid}?crs={EPSG}6675")
    assert one.headers["Content-Crs"] == f"<{EPSG}6675>"
    assert abs(one.json()["geometry"]["coordinates"][0] - want[fid][0]) < 0.002


def test_bbox_crs_takes_the_axis_order_of_its_crs(env):
    w, s, e, n = NANAO.split(",")
    want = sql_ids(env, "shelters", NANAO)
    got = fc(env.get(f"/ogc/collections/shelters/items?limit=10000&bbox={s},{w},{n},{e}"
                     f"&bbox-crs={EPSG}6668"))
    assert sorted(f["id"] for f in got["features"]) == want
    # a box in plane VII (northing, easting): every feature returned lies in it
    x0, y0, x1, y1 = [float(v) for v in env.psql(
        "SELECT ST_XMin(b) + 500, ST_YMin(b) + 500, ST_XMax(b) - 500, ST_YMax(b) - 500 FROM "
        f"(SELECT ST_Transform(ST_MakeEnvelope({NANAO}, 4326), 6675)::box2d b) t")[0]]
    url = (f"/ogc/collections/shelters/items?limit=10000&bbox={y0},{x0},{y1},{x1}"
           f"&bbox-crs={EPSG}6675&crs={EPSG}6675")
    doc = fc(env.get(url))
    inside = count(env, "SELECT count(*) FROM shelters WHERE ST_Intersects(ST_Transform(geom, 6675), "
                        f"ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 6675))")
    assert doc["numberMatched"] == len(doc["features"]) == inside > 0
    for f in doc["features"]:
        north, east = f["geometry"]["coordinates"]
        assert y0 <= north <= y1 and x0 <= east <= x1
    assert env.get(f"/ogc/collections/shelters/items?bbox={s},{w},{n},{e}&bbox-crs={EPSG}4326"
                   ).status == 200
    assert env.get(f"/ogc/collections/shelters/items?bbox={w},{s},{e},{n}&bbox-crs={EPSG}4326"
                   ).status == 400   # 136.9 is no latitude
    # the widest plane box answers (bounded work: 32 vertices a side); beyond, a 400
    wide = f"/ogc/collections/shelters/items?bbox=-2000000,-2000000,2000000,2000000&bbox-crs={EPSG}6675"
    assert fc(env.get(wide + "&limit=10000"))["numberMatched"] == count(env, COUNTS["shelters"])
    assert env.get(wide.replace("2000000,2000000", "2000001,2000000")).status == 400


def test_gdal_copies_from_oapif_into_jgd2011(env):
    import csv
    import tempfile
    out = os.path.join(tempfile.mkdtemp(prefix="powermap-ogr-"), "pp.csv")
    p = subprocess.run(["ogr2ogr", "-f", "CSV", out, "OAPIF:" + root(env), "power_points",
                        "-t_srs", "EPSG:6668", "-lco", "GEOMETRY=AS_XY", "-oo", "PAGE_SIZE=9"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    server = coords(fc(env.get(f"/ogc/collections/power_points/items?limit=10000&crs={EPSG}6668")))
    assert len(rows) == len(server) == count(env, COUNTS["power_points"])
    byext = {f["properties"]["external_id"]: f["id"] for f in
             fc(env.get("/ogc/collections/power_points/items?limit=10000"))["features"]}
    for row in rows:
        lat, lon = server[byext[row["external_id"]]]
        assert abs(float(row["X"]) - lon) < 2e-7 and abs(float(row["Y"]) - lat) < 2e-7, row


def test_facilities_collection_follows_its_table(env):
    url = "/ogc/collections/facilities/items?limit=10000"
    r = env.get(url)
    doc = fc(r)
    assert doc["numberMatched"] == count(env, "SELECT count(*) FROM facilities") > 0
    f = doc["features"][0]
    assert {"name", "kind", "medical_care", "capacity", "municipality"} <= set(f["properties"])
    assert env.get(url, headers={"If-None-Match": r.headers["ETag"]}).status == 304
    env.psql(f"UPDATE facilities SET capacity = coalesce(capacity, 0) + 1 WHERE id = {f['id']}")
    assert env.get(url, headers={"If-None-Match": r.headers["ETag"]}).status == 200
    one = env.get(f"/ogc/collections/facilities/items/{f['id']}").json()
    assert one["properties"]["capacity"] == (f["properties"]["capacity"] or 0) + 1


# --------------------------------------------------------------------------
# QGIS 3.22 (Debian's qgis + python3-qgis), headless, through tests/qgis/oapif.py

QGIS_PY = "/usr/bin/python3"
QGIS_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qgis", "oapif.py")


def qgis(env, layers):
    """What PyQGIS saw of layers (see tests/qgis/oapif.py), or None when QGIS is not
    installed (the test then says so on stdout and checks nothing)."""
    import tempfile
    if subprocess.run([QGIS_PY, "-c", "import qgis.core"], capture_output=True).returncode != 0:
        print("SKIPPED: QGIS (Debian qgis + python3-qgis) is not installed; "
              "the PyQGIS checks did not run")
        return None
    tmp = tempfile.mkdtemp(prefix="powermap-qgis-")
    spec = {"url": root(env), "auth_dir": tmp, "token": env.viewer, "layers": layers}
    p = subprocess.run([QGIS_PY, QGIS_SCRIPT], input=json.dumps(spec), capture_output=True,
                       text=True, timeout=900,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=tmp,
                                HOME=tmp))
    assert p.returncode == 0, (p.returncode, p.stdout[-2000:], p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_qgis_opens_every_public_layer_and_pages_to_the_end(env):
    layers = [{"typename": c, "page_size": 10,
               "distinct": "level" if c.startswith("children_density") else None} for c in PUBLIC]
    layers += [{"typename": c, "page_size": 3, "bbox": [130, 30, 140, 40]}
               for c in ("power_points", "shelters")]
    layers += [{"typename": c, "page_size": 4, "bbox": [136.9, 36.9999999, 137.0000001, 37.1]}
               for c in ("power_points", "shelters")]
    got = qgis(env, layers)
    if got is None:
        return
    for l, g in zip(layers, got):
        assert g["valid"], l
        if l.get("bbox"):
            want = len(sql_ids(env, l["typename"], ",".join(map(repr, l["bbox"]))))
        else:
            want = count(env, COUNTS[l["typename"]])
        assert g["count"] == want and want > 0, (l, g["count"], want)
        assert g["crs"] in ("EPSG:4326", "OGC:CRS84"), g["crs"]
    # QGIS 3.22 types fields from the first page only (it reads no schema):
    # ended_at, null on every page, stays a string there; GDAL reads the
    # schema (test_gdal_types_fields_from_the_schema_before_any_value).
    # one mesh level per density layer, so QGIS never draws 1 km cells over 10 km ones
    assert got[PUBLIC.index("children_density")]["distinct"] == [3]
    assert got[PUBLIC.index("children_density_10km")]["distinct"] == [2]
    outages = got[PUBLIC.index("outages")]["fields"]
    assert outages["started_at"] == "DateTime" and "ended_at" in outages, outages


def test_qgis_puts_the_layer_in_jgd2011_where_the_server_does(env):
    got = qgis(env, [{"typename": "power_points", "page_size": 10, "crs": "EPSG:6668"}])
    if got is None:
        return
    doc = fc(env.get(f"/ogc/collections/power_points/items?limit=10000&crs={EPSG}6668"))
    server = {f["properties"]["external_id"]: f["geometry"]["coordinates"] for f in doc["features"]}
    assert got[0]["valid"] and len(got[0]["xy"]) == min(50, len(server))
    for fid, (x, y) in got[0]["xy"].items():
        lat, lon = server[fid]
        assert abs(x - lon) < 2e-7 and abs(y - lat) < 2e-7, (fid, x, y, lat, lon)


def test_qgis_opens_the_children_layer_with_basic_auth_and_the_token_as_password(env):
    got = qgis(env, [{"typename": "children", "page_size": 10, "basic": True},
                     {"typename": "children", "page_size": 10}])
    if got is None:
        return
    with_auth, without = got
    assert with_auth["valid"]
    assert with_auth["count"] == count(env, "SELECT count(*) FROM children")
    assert "name" in with_auth["fields"]
    assert not without["valid"] or without["count"] == 0
