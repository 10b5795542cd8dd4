"""資源マップ (issue 16.5): facilities on the public map — the OGC collection
without a token, and the embeddable map's own layer with Japanese popups,
drawn in headless Chromium."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "browser"))

import cdp  # noqa: E402

PLACES = [
    ("F-1", "架空市こども発達センター", "child_development_center", 37.0430, 136.9670, True),
    ("F-2", "ひまわり訪問看護ステーション", "visiting_nurse", 37.0445, 136.9700, True),
    ("F-3", "あおぞら放課後等デイ", "day_service", 37.0415, 136.9645, False),
]


def setup(env):
    env.reset()
    for ext, name, kind, lat, lon, care in PLACES:
        r = env.post("/v1/facilities", {"external_id": ext, "name": name, "kind": kind, "lat": lat,
                                        "lon": lon, "medical_care": care, "phone": "0767-00-0000"},
                     token=env.planner)
        assert r.status == 201, r


def test_facilities_are_a_public_ogc_collection(env):
    r = env.get("/ogc/collections/facilities/items?bbox=136.9,37.0,137.0,37.1")
    assert r.status == 200, r
    names = sorted(f["properties"]["name"] for f in r.json()["features"])
    assert names == sorted(p[1] for p in PLACES)


def test_the_embed_map_draws_facilities_with_japanese_popups(env):
    if not cdp.find_chromium():
        print("SKIP facilities map: chromium not found", flush=True)
        return
    url = env.daemon.base + "/embed?layers=facilities&center=37.0430,136.9670&zoom=15"
    with cdp.Browser(timeout=30) as b:
        page = b.new_page(1000, 700)
        page.goto(url, timeout=30)
        page.wait_for("document.getElementById('map').getAttribute('data-state') === 'ready'", timeout=30)
        got = page.eval("""(() => ({
            said: document.getElementById('map').getAttribute('data-count-facilities'),
            drawn: document.querySelectorAll('.leaflet-marker-pane .pm-facility').length,
            care: document.querySelectorAll('.leaflet-marker-pane .pm-facility-care').length,
            legend: (document.querySelector('.pm-legend') || {}).textContent || '' }))()""")
        assert got["said"] == "3" and got["drawn"] == 3 and got["care"] == 2, got
        assert "資源（事業所・施設）" in got["legend"] and "医療的ケア対応" in got["legend"]
        t = page.eval("""(() => { const m = document.querySelector('.leaflet-marker-pane .pm-facility-care');
            const r = m.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()""")
        page.click(t["x"], t["y"])
        popup = page.wait_for("(document.querySelector('.leaflet-popup-content') || {}).textContent", timeout=5)
        assert "医療的ケア対応あり" in popup, popup
        assert any(k in popup for k in ("児童発達支援センター", "訪問看護")), popup
        shot = "/tmp/powermap-facilities-embed.png"
        page.screenshot(shot)
        assert page.problems() == [], page.problems()
        for u in page.requests():
            assert u.startswith(env.daemon.base + "/"), u
    assert env.get("/embed?layers=facilities,nonsense").status == 400
