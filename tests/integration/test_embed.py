"""The embeddable map: GET /embed, its files under /static, and the page drawn in headless Chromium.

The browser test loads /embed on the real daemon with the demo city imported
(scripts/gen-demo --scale city), checks that every power point and shelter
the server returns for the page's view is drawn, styled by its watts, with a
legend and a Japanese popup opened by a real click, that the page loads
nothing from anywhere else and breaks no Content-Security-Policy rule, and
saves a screenshot (EMBED_SCREENSHOT, default /tmp/embed.png) to look at.
"""
import gzip
import json
import os
import re
import socket
import sys
import tempfile

from harness import ROOT, Daemon, cli, demo_city

sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))

import cdp  # noqa: E402
import embed_check  # noqa: E402

NANAO = "37.0428,136.9674"
EMBED = f"/embed?layers=power_points,shelters&center={NANAO}&zoom=13"
SCREENSHOT = os.environ.get("EMBED_SCREENSHOT", "/tmp/embed.png")
LEAFLET_DIST = os.path.join(ROOT, "node_modules", "leaflet", "dist")


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-embed-"))
    for kind, name in (("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name))
        assert r.returncode == 0, r.stderr


def raw_get(env, target):
    """Sends target exactly as written (no client-side normalisation of '..' or %xx)."""
    s = socket.create_connection(("127.0.0.1", env.daemon.port), timeout=10)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def csp_of(r):
    return dict((d.strip().split(" ", 1) + [""])[:2]
                for d in r.headers["Content-Security-Policy"].split(";") if d.strip())


# --------------------------------------------------------------------------
# The page and its files


def test_embed_page_is_html_with_security_headers(env):
    r = env.get(EMBED)
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = csp_of(r)
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'none'", csp
    assert "unsafe" not in r.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "*"
    assert csp["connect-src"] == "'self'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    assert "X-Frame-Options" not in r.headers        # /embed is for iframes
    assert r.headers["Cache-Control"].startswith("public")
    assert re.fullmatch(r'"[0-9a-f]{32}"', r.headers["ETag"])
    html = r.text
    # No inline script: every <script> has a src on this server, and no on* handlers.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'src="static/', s) for s in scripts), scripts
    assert not re.search(r"\son[a-z]+=", html)
    assert 'data-layers="power_points,shelters"' in html
    assert 'data-center="37.042800,136.967400"' in html and 'data-zoom="13"' in html
    assert "data-tiles" not in html                   # no base map unless asked
    assert "cdn" not in html.lower() and "//" not in html.replace("://www.w3.org", "")


def test_embed_answers_if_none_match_with_304(env):
    r = env.get(EMBED)
    again = env.get(EMBED, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == r.headers["ETag"]
    other = env.get(EMBED, headers={"If-None-Match": '"0000", W/' + r.headers["ETag"]})
    assert other.status == 304
    assert env.get(EMBED, headers={"If-None-Match": '"nope"'}).status == 200


def test_embed_defaults_to_power_points_and_shelters_without_a_center(env):
    r = env.get("/embed")
    assert r.status == 200, r
    assert 'data-layers="power_points,shelters"' in r.text
    assert "data-center" not in r.text and "data-zoom" not in r.text


def test_static_files_are_served_with_their_types_and_validators(env):
    cases = [
        ("/static/embed.js", "text/javascript; charset=utf-8", os.path.join(ROOT, "web", "embed.js")),
        ("/static/embed.css", "text/css; charset=utf-8", os.path.join(ROOT, "web", "embed.css")),
        ("/static/favicon.svg", "image/svg+xml", os.path.join(ROOT, "web", "favicon.svg")),
        ("/static/leaflet/leaflet.js", "text/javascript; charset=utf-8",
         os.path.join(LEAFLET_DIST, "leaflet.js")),
        ("/static/leaflet/leaflet.css", "text/css; charset=utf-8",
         os.path.join(LEAFLET_DIST, "leaflet.css")),
        ("/static/leaflet/images/layers.png", "image/png",
         os.path.join(LEAFLET_DIST, "images", "layers.png")),
    ]
    for path, ctype, src in cases:
        r = env.get(path)
        assert r.status == 200, (path, r)
        assert r.headers["Content-Type"] == ctype, (path, r.headers["Content-Type"])
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"].startswith("public, max-age=")
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        with open(src, "rb") as f:
            assert r.body == f.read(), path
        etag = r.headers["ETag"]
        assert env.get(path, headers={"If-None-Match": etag}).status == 304
    assert env.daemon.request("HEAD", "/static/embed.js").status == 200


def test_static_text_is_gzipped_when_asked_and_images_are_not(env):
    gz = {"Accept-Encoding": "gzip"}
    r = env.get("/static/leaflet/leaflet.js", headers=gz)
    assert r.status == 200 and r.headers["Content-Encoding"] == "gzip"
    with open(os.path.join(LEAFLET_DIST, "leaflet.js"), "rb") as f:
        assert gzip.decompress(r.body) == f.read()
    assert len(r.body) < 60000                        # about 147 kB as sent uncompressed
    assert r.headers["ETag"].endswith('-gz"')         # one strong ETag per encoding
    plain = env.get("/static/leaflet/leaflet.js")
    assert "Content-Encoding" not in plain.headers and plain.headers["ETag"] != r.headers["ETag"]
    assert env.get("/static/leaflet/leaflet.js", headers={
        **gz, "If-None-Match": r.headers["ETag"]}).status == 304
    page = env.get(EMBED, headers=gz)
    assert page.headers["Content-Encoding"] == "gzip" and b"<!DOCTYPE html>" in gzip.decompress(page.body)
    png = env.get("/static/leaflet/images/layers.png", headers=gz)
    assert "Content-Encoding" not in png.headers and png.body[:4] == b"\x89PNG"
    assert plain.headers.get_all("X-Content-Type-Options") == ["nosniff"]


def test_static_files_outside_the_two_folders_are_refused(env):
    secret = b"libmicrohttpd glue"                 # the first line of server/http.c
    for target in (
        "/static/../server/http.c",
        "/static/leaflet/../../server/http.c",
        "/static/%2e%2e/server/http.c",
        "/static/%2E%2E%2Fserver%2Fhttp.c",
        "/static/..%2f..%2fserver%2fhttp.c",
        "/static/leaflet/%2e%2e%2f%2e%2e%2f%2e%2e%2fserver%2fhttp.c",
        "/static/leaflet/images/..%2f..%2f..%2f..%2fserver%2fhttp.c",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/%2Fwork%2Fmain%2Fserver%2Fhttp.c",
        "/static/..",
        "/static/%2e%2e",
        "/static/leaflet/..",
        "/static/leaflet/images/%2e%2e",
        "/static/..%5c..%5cserver%5chttp.c",
        "/static/.gitignore",
        "/static/embed.js%2f..%2f..%2fMakefile",
        "/static/~root",
        "/static/leaflet/dist",
        "/static/leaflet/images",
        "/static/no-such-file.js",
        "/static/README",
        "/static/leaflet/leaflet-src.esm.js%3f",
    ):
        status, body = raw_get(env, target)
        assert status in (400, 404), (target, status)
        assert secret not in body and b"root:" not in body, target
        assert json.loads(body)["error"]["code"] in ("bad_request", "not_found"), target


def test_static_files_need_get(env):
    r = env.post("/static/embed.js", "x", token=env.admin)
    assert r.status == 405


# --------------------------------------------------------------------------
# Parameters


def test_bad_parameters_are_400_in_json(env):
    for query in (
        "center=abc", "center=37.0", "center=37,137,1", "center=91,137", "center=37,181",
        "center=nan,137", "center=0x25,137", "center=37%20,137", "center=,",
        f"center={NANAO}&zoom=25", f"center={NANAO}&zoom=-1", f"center={NANAO}&zoom=1.5",
        f"center={NANAO}&zoom=", "layers=children", "layers=", "layers=power_points,,shelters",
        "layers=power_points,children", "layers=POWER_POINTS",
        "tiles=javascript:alert(1)//{z}/{x}/{y}", "tiles=https://x.example/tiles.png",
        "tiles=https://x.example/{z}/{x}/{y}.png%22%3E%3Cscript%3E",
        "tiles=//x.example/{z}/{x}/{y}.png", "tiles=https://x.example;script-src%20*/{z}/{x}/{y}",
        "tiles=https://{z}/{z}/{x}/{y}", "tiles=https://x.example/{z}/{x}/{y}/{foo}",
        "attribution=line%0Abreak", "attribution=" + "x" * 301,
        "foo=1", "layer=shelters",
    ):
        r = env.get("/embed?" + query)
        assert r.status == 400, (query, r)
        assert r.headers["Content-Type"] == "application/json", query
        assert r.json()["error"]["code"] == "bad_request", query


def test_what_the_page_echoes_is_escaped(env):
    nasty = "<script>alert(1)</script>\"'&"
    r = env.get("/embed?attribution=" + _q(nasty) +
                "&tiles=" + _q("https://{s}.tile.example.org/{z}/{x}/{y}.png"))
    assert r.status == 200, r
    assert "<script>alert" not in r.text
    assert 'data-attribution="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"' in r.text
    assert 'data-tiles="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in r.text
    # The tile server, and only it, joins img-src; {s} becomes a wildcard.
    assert csp_of(r)["img-src"] == "'self' data: https://*.tile.example.org"
    r = env.get("/embed?tiles=none")
    assert r.status == 200 and "data-tiles" not in r.text


def test_only_embed_may_be_framed(env):
    for path in ("/health", "/v1/shelters", "/static/embed.js", "/embed?zoom=99"):
        r = env.get(path)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
    r = env.get("/health")
    assert r.headers["X-Frame-Options"] == "DENY"


def _q(s):
    from urllib.parse import quote
    return quote(s, safe="")


# --------------------------------------------------------------------------
# serve options


def test_serve_options_set_frame_ancestors_and_the_base_map(env):
    d = Daemon(env.db, extra=["--frame-ancestors", "'self' https://www.city.example.jp",
                              "--tiles", "https://tiles.example.jp/{z}/{x}/{y}.png",
                              "--tiles-attribution", "© 地図の出典"])
    try:
        r = d.request("GET", EMBED)
        assert r.status == 200, r
        csp = csp_of(r)
        assert csp["frame-ancestors"] == "'self' https://www.city.example.jp"
        assert csp["img-src"] == "'self' data: https://tiles.example.jp"
        assert 'data-tiles="https://tiles.example.jp/{z}/{x}/{y}.png"' in r.text
        assert 'data-attribution="© 地図の出典"' in r.text
        r = d.request("GET", EMBED + "&tiles=none")      # the page may still ask for none
        assert "data-tiles" not in r.text and "tiles.example.jp" not in csp_of(r)["img-src"]
    finally:
        d.stop()


def test_serve_rejects_bad_web_options_with_one_line(env):
    for extra in (["--web-root", "/nonexistent/web"],
                  ["--frame-ancestors", "* ; script-src *"],
                  ["--frame-ancestors", "'unsafe-inline'"],
                  ["--tiles", "ftp://x.example/{z}/{x}/{y}"]):
        r = cli("serve", "--listen", "127.0.0.1:1", *extra, db=env.db)
        assert r.returncode != 0, extra
        assert len(r.stderr.strip().splitlines()) == 1, (extra, r.stderr)


def test_web_root_option_serves_that_folder(env):
    web = tempfile.mkdtemp(prefix="powermap-web-")
    with open(os.path.join(web, "embed.js"), "w") as f:
        f.write("/* from --web-root */\n")
    d = Daemon(env.db, extra=["--web-root", web])
    try:
        assert d.request("GET", "/static/embed.js").text == "/* from --web-root */\n"
        # No Leaflet beside that folder: the page says so instead of half-working.
        r = d.request("GET", EMBED)
        assert r.status == 503 and r.json()["error"]["code"] == "unavailable", r
        os.symlink(LEAFLET_DIST, os.path.join(web, "leaflet"))
    finally:
        d.stop()
    d = Daemon(env.db, extra=["--web-root", web])
    try:
        assert d.request("GET", EMBED).status == 200
        assert d.request("GET", "/static/leaflet/leaflet.js").status == 200
    finally:
        d.stop()


# --------------------------------------------------------------------------
# In a browser


def _browser_or_skip():
    if not cdp.find_chromium():
        print("SKIP test_embed browser tests: chromium not found "
              "(scripts/setup --test installs Debian's chromium)", flush=True)
        return False
    return True


def _features_in(env, bbox):
    r = env.get("/v1/maps/power.geojson?bbox=" + bbox)
    assert r.status == 200, r
    by_layer = {}
    for f in r.json()["features"]:
        by_layer.setdefault(f["properties"]["layer"], []).append(f["properties"])
    return by_layer


def _watt_class(p):
    if p.get("status", "available") != "available":
        return "pm-power-w0"
    w = p.get("output_w") or 0
    return "pm-power-" + ("w4" if w >= 3000 else "w3" if w >= 1500 else "w2" if w >= 500 else "w1")


def test_embed_map_draws_the_layers_in_chromium(env):
    if not _browser_or_skip():
        return
    rep = embed_check.check(env.daemon.base, EMBED.split("?", 1)[1], screenshot=SCREENSHOT)
    assert rep["state"] == "ready", rep
    assert rep["leaflet"] == "1.9.4"
    assert rep["problems"] == [], rep["problems"]          # no errors, no CSP reports

    # Every feature the server has for the page's view is drawn, one marker each.
    feats = _features_in(env, rep["bbox"])
    points, shelters = feats.get("power_points", []), feats.get("shelters", [])
    assert len(points) > 10 and len(shelters) > 10, {k: len(v) for k, v in feats.items()}
    assert rep["drawn"]["power_points"] == len(points) == int(rep["said"]["power_points"])
    assert rep["drawn"]["shelters"] == len(shelters) == int(rep["said"]["shelters"])
    # Styled by watts: the classes drawn are the classes of the points' output.
    assert sorted(rep["classes"]) == sorted(_watt_class(p) for p in points)
    assert len(set(rep["classes"])) >= 2

    for word in ("凡例", "電源供給ポイント", "3,000 W 以上", "福祉避難所", "指定避難所", "電源あり"):
        assert word in rep["legend"], (word, rep["legend"])
    popup = rep["popup"] or ""
    for label in ("名称", "種類", "出力 W", "コンセント数", "利用時間", "状態", "電話"):
        assert label in popup, (label, popup)
    assert any(p["name"] in popup for p in points), popup

    # Everything came from this server; nothing a token would guard was asked for.
    for url in rep["requests"]:
        assert url.startswith(env.daemon.base + "/"), url
        path = url[len(env.daemon.base):]
        assert re.match(r"/(embed|static/|v1/maps/power\.geojson|ogc/)", path), path
    with open(SCREENSHOT, "rb") as f:
        png = f.read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000, len(png)
    print(f"     screenshot: {SCREENSHOT}", flush=True)


def test_embed_map_draws_outages_under_the_points(env):
    if not _browser_or_skip():
        return
    outage = {"type": "Feature",
              "geometry": {"type": "Polygon", "coordinates": [[
                  [136.960, 37.035], [136.985, 37.035], [136.985, 37.052],
                  [136.960, 37.052], [136.960, 37.035]]]},
              "properties": {"started_at": "2026-01-10T06:00:00+09:00",
                             "expected_restore_at": "2026-01-10T18:00:00+09:00"}}
    r = env.post("/v1/outages", outage, token=env.planner)
    assert r.status == 201, r
    oid = r.json()["id"]
    try:
        rep = embed_check.check(env.daemon.base, f"layers=power_points,shelters,outages"
                                f"&center={NANAO}&zoom=14", click=False,
                                screenshot=SCREENSHOT.replace(".png", "-outages.png"))
    finally:
        env.delete(f"/v1/outages/{oid}", token=env.admin)
    assert rep["state"] == "ready", rep
    assert rep["problems"] == [], rep["problems"]
    assert rep["drawn"]["outages"] == 1 == int(rep["said"]["outages"]), rep
    assert "停電区域" in rep["legend"]
    assert rep["drawn"]["power_points"] > 0 and rep["drawn"]["shelters"] > 0
    assert any("/ogc/collections/outages/items?" in u for u in rep["requests"])


def test_embed_map_without_a_center_fits_the_layers(env):
    if not _browser_or_skip():
        return
    rep = embed_check.check(env.daemon.base, "layers=power_points,shelters", click=False)
    assert rep["state"] == "ready", rep
    assert rep["problems"] == [], rep["problems"]
    everything = _features_in(env, "-180,-90,180,90")
    assert rep["drawn"]["power_points"] == len(everything["power_points"])
    assert rep["drawn"]["shelters"] == len(everything["shelters"])


def test_embed_map_zoomed_out_asks_to_zoom_in(env):
    if not _browser_or_skip():
        return
    rep = embed_check.check(env.daemon.base, f"center={NANAO}&zoom=5", click=False)
    assert rep["state"] == "zoom-in", rep
    assert rep["drawn"]["power_points"] == 0 and "拡大" in rep["notice"]
    assert not any("power.geojson" in u for u in rep["requests"])
