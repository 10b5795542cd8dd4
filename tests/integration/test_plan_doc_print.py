"""The 個別避難計画 a city can sign (issue 15): its contents in JSON, the
family HTML in natural Japanese, many plans as one PDF (cairo/pango, read
back with pdftotext and drawn with pdftoppm), and sharing that follows
consent."""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "browser"))

import cdp  # noqa: E402

LAT = 35.0
SHOTS = os.environ.get("PLAN_DOC_SHOTS", os.path.join(tempfile.gettempdir(), "powermap-plan-doc"))


def post(env, path, body):
    r = env.post(path, body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def city(env):
    """A welfare shelter agreed with the family, a closer school, a power
    point, a flood area over the home, and two children (one without consent)."""
    env.reset()
    env.put("/v1/plans/settings", {"municipality": "試験市", "department": "障害福祉課",
                                   "phone": "0120-000-111"}, token=env.admin)
    sid = post(env, "/v1/shelters", {
        "external_id": "S1", "name": "市立福祉センター", "lat": LAT, "lon": 139.02, "outlets": 4,
        "power_w": 2000, "welfare": True, "kind": "welfare", "flood": True, "earthquake": True,
        "address": "試験市中央1-2-3", "phone": "03-1111-2222"})
    post(env, "/v1/shelters", {
        "external_id": "S2", "name": "第二小学校", "lat": 34.995, "lon": 139.015, "outlets": 2,
        "power_w": 1000, "welfare": True, "kind": "welfare", "flood": True})
    post(env, "/v1/power-points", {
        "external_id": "P1", "name": "試験病院 非常用電源", "kind": "hospital", "lat": 35.004,
        "lon": 138.99, "outlets": 2, "output_w": 1000})
    body = {"external_id": "C-001", "name": "山田 花子", "name_kana": "やまだ はなこ",
            "birth_date": "2019-03-04", "address": "試験市東町4-5-6", "lat": LAT, "lon": 139.0,
            "mobility": "wheelchair", "care": ["ventilator", "tracheostomy", "suction", "tube_feeding"],
            "guardian_name": "山田 太郎", "guardian_phone": "090-1234-5678",
            "supporters": ["近所の 佐藤"], "hospital": "試験市立病院", "consent": True,
            "devices": [{"type": "ventilator", "power_w": 60, "battery_h": 5.5, "life_sustaining": True},
                        {"type": "suction", "power_w": 40, "battery_h": 1, "life_sustaining": False}]}
    cid = post(env, "/v1/children", body)
    body.update({"external_id": "C-002", "name": "鈴木 一郎", "name_kana": "すずき いちろう",
                 "consent": False, "lon": 139.001})
    nid = post(env, "/v1/children", body)
    area = {"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"hazard": "flood", "level": 3},
            "geometry": {"type": "Polygon", "coordinates": [[[138.995, 34.997], [139.008, 34.997],
                                                             [139.008, 35.006], [138.995, 35.006],
                                                             [138.995, 34.997]]]}}]}
    with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as f:
        json.dump(area, f)
    try:
        r = env.import_file("hazards", f.name)
        assert r.returncode == 0, r.stderr
    finally:
        os.unlink(f.name)
    r = env.put(f"/v1/children/{cid}/plan", {"dest_type": "shelter", "dest_id": sid,
                                             "note": "福祉避難所へ直接避難（施設長と合意）"}, token=env.planner)
    assert r.status == 200, r
    assert env.put(f"/v1/children/{cid}/plan", {"status": "agreed"}, token=env.planner).status == 200
    r = env.post("/v1/plans/run", {"hazard": "flood"}, token=env.planner)
    assert r.status == 201, r
    return cid, nid, r.json()["id"]


def plan(env, cid, f="json"):
    r = env.get(f"/v1/children/{cid}/plan?hazard=flood&f={f}", token=env.viewer)
    assert r.status == 200, r
    return r


def pdf_text(data):
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_the_plan_json_holds_the_document_the_child_the_hazards_and_japanese_reasons(env):
    cid, _, run = city(env)
    p = plan(env, cid).json()
    assert p["run_id"] == run
    assert p["document"]["status"] == "agreed"
    assert p["document"]["agreed_destination"]["name"] == "市立福祉センター"
    assert p["child"]["record"]["name_kana"] == "やまだ はなこ"
    assert [d["type"] for d in p["child"]["devices"]] == ["ventilator", "suction"]
    assert p["municipality"]["phone"] == "0120-000-111"
    sec = p["hazard_sections"][0]
    assert sec["hazard"] == "flood" and sec["home_in_area"] is True and sec["level"] == 3
    assert sec["areas"] and sec["areas"][0]["type"] in ("Polygon", "MultiPolygon")
    codes = [r["code"] for r in p["reasons_ja"]]
    assert len(codes) == len(p["reasons"]) and codes[0] == "home_in_hazard_area"
    assert "洪水" in p["reasons_ja"][0]["text"]
    assert all(r["code"] != "other" for r in p["reasons_ja"]), p["reasons_ja"]


def test_the_html_is_natural_japanese_with_every_section(env):
    cid, _, _ = city(env)
    html = plan(env, cid, "html").text
    for item in ("個別避難計画", "山田 花子", "やまだ はなこ", "平成31年3月4日", "試験市東町4-5-6",
                 "避難の支援が必要な理由", "人工呼吸器", "避難支援等実施者", "近所の 佐藤",
                 "医療情報シート", "主治医", "試験市立病院", "訪問看護", "相談支援専門員",
                 "24時間", "電力会社", "配慮事項", "洪水のとき", "警戒レベル3", "停電したときの電気の見通し",
                 "約5.5時間", "予備バッテリーだけの時間ではありません", "情報提供への同意",
                 "本人・家族と合意済み", "次の見直し", "令和", "市立福祉センター",
                 "福祉避難所へ直接避難（施設長と合意）", "試験市 障害福祉課", "0120-000-111",
                 "<svg", "class=\"area\""):
        assert item in html, item
    assert "災害種別 flood" not in html and ">flood<" not in html
    assert "24h" not in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html), "an ISO time is printed"
    assert "約0.0時間" not in html and "+00:00" not in html


def test_print_gives_one_pdf_of_many_plans_with_every_item(env):
    cid, nid, run = city(env)
    r = env.get(f"/v1/plans/print?run={run}&ids={cid},{nid}", token=env.viewer)
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.body[:5] == b"%PDF-"
    text = pdf_text(r.body)
    for item in ("個別避難計画（家族用", "山田 花子", "鈴木 一郎", "やまだ はなこ", "平成31年3月4日",
                 "避難支援等実施者", "医療情報シート", "洪水のとき", "警戒レベル3", "約5.5時間",
                 "情報提供への同意", "次の見直し", "0120-000-111"):
        assert item in text, item
    # Each plan starts on a page of its own: the second child's family page.
    pages = text.split("\f")
    starts = [i for i, pg in enumerate(pages) if "個別避難計画（家族用" in pg]
    assert len(starts) == 2 and "鈴木 一郎" in pages[starts[1]]
    rows = env.psql("SELECT action, child_ids FROM audit_log WHERE action LIKE 'plan.print%'")
    assert rows == [["plan.print", "{%d,%d}" % (cid, nid)]]


def test_the_pdf_pages_draw(env):
    cid, _, run = city(env)
    r = env.get(f"/v1/plans/print?run={run}&ids={cid}", token=env.viewer)
    assert r.status == 200, r
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, "plan.pdf")
    with open(path, "wb") as f:
        f.write(r.body)
    for old in os.listdir(SHOTS):
        if old.startswith("pdf-page"):
            os.unlink(os.path.join(SHOTS, old))
    subprocess.run(["pdftoppm", "-r", "50", "-png", path, os.path.join(SHOTS, "pdf-page")], check=True)
    pngs = sorted(n for n in os.listdir(SHOTS) if n.startswith("pdf-page"))
    assert len(pngs) >= 2, pngs
    # A drawn page is far larger than a blank one (about 1 kB at this size).
    assert all(os.path.getsize(os.path.join(SHOTS, n)) > 8000 for n in pngs), pngs


def test_a_supporter_copy_without_consent_is_refused(env):
    cid, nid, run = city(env)
    r = env.get(f"/v1/plans/print?run={run}&ids={cid},{nid}&audience=supporter", token=env.viewer)
    assert r.status == 403, r
    err = r.json()["error"]
    assert err["reason"] == "consent_required" and err["without_consent"] == [nid]
    assert "同意" in err["message"] and "鈴木" not in r.text
    assert env.psql("SELECT count(*) FROM audit_log WHERE action LIKE 'plan.print%'") == [["0"]]
    r = env.get(f"/v1/plans/print?run={run}&ids={cid}&audience=supporter", token=env.viewer)
    assert r.status == 200, r
    text = pdf_text(r.body)
    assert "避難支援等実施者用" in text and "同意にもとづき" in text


def test_the_disaster_override_is_deliberate_and_recorded(env):
    cid, nid, run = city(env)
    base = f"/v1/plans/print?run={run}&ids={cid},{nid}&audience=supporter&override=disaster"
    r = env.get(base, token=env.planner)
    assert r.status == 400 and r.json()["error"]["reason"] == "override_needs_reason", r
    r = env.get(base + "&reason=%E5%8F%B0%E9%A2%A8", token=env.viewer)
    assert r.status == 403 and r.json()["error"]["reason"] == "override_needs_planner", r
    r = env.get(base + "&reason=%E5%8F%B0%E9%A2%A8", token=env.planner)     # 台風
    assert r.status == 200, r
    text = pdf_text(r.body)
    assert "災害時の特例による提供：台風" in text and "第49条の11第3項" in text
    rows = env.psql("SELECT actor, child_ids, reason FROM plan_disclosures ORDER BY id DESC LIMIT 1")
    assert rows == [["key:test-planner", "{%d}" % nid, "台風"]]
    rows = env.psql("SELECT action, child_ids FROM audit_log WHERE action LIKE 'plan.print%' ORDER BY id")
    assert rows == [["plan.print.disaster_override", "{%d}" % nid],
                    ["plan.print.supporter", "{%d,%d}" % (cid, nid)]]


def test_print_refuses_bad_parameters_and_children_outside_the_run(env):
    cid, _, run = city(env)
    for qs, reason in ((f"ids={cid}", "bad_run"), (f"run={run}", "bad_ids"),
                       (f"run={run}&ids=", "bad_ids"), (f"run={run}&ids={cid},", "bad_ids"),
                       (f"run={run}&ids=x", "bad_ids"), (f"run={run}&ids={cid}&audience=all", "bad_audience"),
                       (f"run={run}&ids={cid}&override=yes", "bad_override")):
        r = env.get("/v1/plans/print?" + qs, token=env.viewer)
        assert r.status == 400 and r.json()["error"]["reason"] == reason, (qs, r)
    r = env.get(f"/v1/plans/print?run={run}&ids=99999", token=env.viewer)
    assert r.status == 404 and r.json()["error"]["reason"] == "not_in_run", r
    assert r.json()["error"]["child_id"] == 99999
    assert env.get(f"/v1/plans/print?run={run}&ids={cid}").status == 401
    many = ",".join(str(i) for i in range(1, 502))
    r = env.get(f"/v1/plans/print?run={run}&ids={many}", token=env.viewer)
    assert r.status == 400 and r.json()["error"]["reason"] == "bad_ids", r


def test_settings_are_admin_only_and_can_be_cleared(env):
    env.reset()
    r = env.put("/v1/plans/settings", {"department": None, "note": None}, token=env.admin)
    assert r.status == 200, r
    r = env.put("/v1/plans/settings", {"phone": "0120-1"}, token=env.planner)
    assert r.status == 403, r
    r = env.put("/v1/plans/settings", {"phone": "0120-1", "municipality": "甲市"}, token=env.admin)
    assert r.status == 200 and r.json() == {"municipality": "甲市", "phone": "0120-1"}, r
    r = env.put("/v1/plans/settings", {"phone": None, "municipality": None, "department": None},
                token=env.admin)
    assert r.status == 200 and r.json() == {}, r
    r = env.put("/v1/plans/settings", {"mayor": "x"}, token=env.admin)
    assert r.status == 400 and r.json()["error"]["reason"] == "bad_setting", r


def test_chromium_renders_the_family_html(env):
    if not cdp.find_chromium():
        raise RuntimeError("chromium is not installed (scripts/lib.sh TEST_PKGS)")
    cid, _, _ = city(env)
    os.makedirs(SHOTS, exist_ok=True)
    with cdp.Browser() as b:
        page = b.new_page(900, 1300)
        # Served by the daemon, with its Content-Security-Policy, as staff open it.
        page.send("Network.enable")
        page.send("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Bearer " + env.viewer}})
        page.goto(f"{env.daemon.base}/v1/children/{cid}/plan?hazard=flood&f=html")
        page.wait_for("document.readyState === 'complete'")
        assert page.eval("document.querySelector('h1').textContent").startswith("個別避難計画")
        assert page.eval("document.querySelectorAll('figure.map svg path.area').length") >= 1
        box = page.eval("JSON.stringify(document.querySelector('figure.map svg').getBoundingClientRect())")
        assert json.loads(box)["width"] > 300, box
        page.screenshot(os.path.join(SHOTS, "plan-html.png"))
        assert not page.problems(), page.problems()


FULL = {
    "external_id": "F-001", "name": "例示 みなと", "name_kana": "れいじ みなと",
    "birth_date": "2019-06-01", "sex": "male", "address": "試験市港町2-3", "lat": LAT,
    "lon": 139.0, "phone": "0767-00-0200", "mobility": "stretcher",
    "care": ["ventilator", "suction", "oxygen"], "severe_disability": True,
    "affiliation": "special_school", "affiliation_name": "県立港特別支援学校", "grade": "小学部1年",
    "guardian_name": "例示 保護者", "guardian_phone": "090-0000-0200",
    "supporters": [{"name": "例示 叔父", "relation": "叔父", "phone": "080-0000-0201",
                    "address": "試験市本町1-1"}],
    "medical_contacts": [
        {"role": "doctor", "name": "架空 医師", "organisation": "架空こども病院", "phone": "0767-00-1111"},
        {"role": "visiting_nurse", "name": "看護 花子", "organisation": "みなと訪問看護ステーション",
         "phone": "0767-00-2222"},
        {"role": "consultant", "name": "相談 一郎", "organisation": "みなと相談支援センター",
         "phone": "0767-00-3333"},
        {"role": "device_dealer", "organisation": "架空メディカル 24時間窓口", "phone": "0120-000-000"},
        {"role": "utility", "organisation": "試験電力 停電窓口", "phone": "0120-444-555"}],
    "utility_registered": True, "consent": True, "consent_date": "2025-04-01",
    "consent_scope": "避難支援等実施者・福祉避難所", "home_battery_wh": 1024, "home_generator_w": 900,
    "home_generator_h": 8, "car_inverter_w": 1500,
    "devices": [
        {"type": "ventilator", "power_w": 60, "battery_h": 8, "life_sustaining": True,
         "maker": "架空メディカル", "model": "HV-20", "settings": "SIMV 150mL 20回/分", "charge_h": 5,
         "battery_internal_h": 3, "battery_spare_h": 5},
        {"type": "suction", "power_w": 40, "battery_h": 1, "life_sustaining": False,
         "duty": "intermittent", "minutes_per_hour": 10, "charge_h": 3},
        {"type": "oxygen_concentrator", "power_w": 300, "battery_h": 2, "life_sustaining": True,
         "backup_h": 12}],
}

# What the printed plan must say about F-001, item by item (issue 15).
FULL_ITEMS = (
    # 名簿 items (災害対策基本法 49条の10第2項)
    "例示 みなと", "れいじ みなと", "令和元年6月1日", "男", "試験市港町2-3", "0767-00-0200",
    "避難の支援が必要な理由", "命を支える医療機器", "寝たまま移動", "重症心身障害",
    "県立港特別支援学校", "小学部1年",
    # 避難支援等実施者 (49条の14第3項第1号)
    "例示 叔父", "叔父", "080-0000-0201", "試験市本町1-1", "インバーター（1500 W）",
    # the medical sheet
    "架空こども病院", "架空 医師", "0767-00-1111", "みなと訪問看護ステーション", "0767-00-2222",
    "みなと相談支援センター", "0767-00-3333", "架空メディカル 24時間窓口", "0120-000-000",
    "試験電力 停電窓口", "0120-444-555", "登録済み", "架空メディカル HV-20", "SIMV 150mL 20回/分",
    "内蔵バッテリー約3時間", "予備バッテリー約5時間", "約5時間", "配慮事項",
    # per hazard: when, where, route (49条の14第3項第2号)
    "洪水のとき", "警戒レベル3", "地図の赤い線",
    # the power picture
    "1時間に10分使うので", "酸素ボンベなど", "1024 Wh", "発電機（900 W）", "約8時間",
    "予備バッテリーだけの時間ではありません",
    # consent, author, review, status
    "あり（令和7年4月1日）", "避難支援等実施者・福祉避難所", "本人・家族と合意済み",
    "test-planner", "次の見直し", "0120-000-111",
)


def full_child(env):
    cid, _, _ = city(env)
    r = env.post("/v1/children", FULL, token=env.planner)
    assert r.status == 201, r
    fid = r.json()["id"]
    assert env.put(f"/v1/children/{fid}/plan", {"status": "agreed"}, token=env.planner).status == 200
    r = env.post("/v1/plans/run", {"hazard": "flood"}, token=env.planner)
    assert r.status == 201, r
    return fid, r.json()["id"]


def test_a_fully_described_child_s_plan_holds_every_item_in_json_html_and_pdf(env):
    fid, run = full_child(env)
    p = plan(env, fid).json()
    rec = p["child"]["record"]
    for k in ("name", "name_kana", "birth_date", "sex", "address", "phone", "supporters",
              "utility_registered", "consent", "consent_date", "consent_scope"):
        assert rec[k] == FULL[k], k
    for got, want in zip(rec["medical_contacts"], FULL["medical_contacts"]):
        assert {k: got[k] for k in want} == want
    dev = p["child"]["devices"][0]
    for k in ("maker", "model", "settings", "charge_h", "battery_internal_h", "battery_spare_h"):
        assert dev[k] == FULL["devices"][0][k], k
    assert p["document"]["status"] == "agreed" and p["document"]["review_date"]
    assert p["hazard_sections"][0]["hazard"] == "flood"
    html = plan(env, fid, "html").text
    assert p["destination"]["name"] in html
    missing = [x for x in FULL_ITEMS if x not in html]
    assert not missing, missing
    r = env.get(f"/v1/plans/print?run={run}&ids={fid}", token=env.viewer)
    assert r.status == 200, r
    os.makedirs(SHOTS, exist_ok=True)
    with open(os.path.join(SHOTS, "full.pdf"), "wb") as f:
        f.write(r.body)
    with open(os.path.join(SHOTS, "full.html"), "w") as f:
        f.write(html)
    text = re.sub(r"\s+", "", pdf_text(r.body))
    missing = [x for x in FULL_ITEMS if re.sub(r"\s+", "", x) not in text]
    assert not missing, missing
    assert p["destination"]["name"] in text


def test_a_configured_tile_url_draws_a_base_map_under_the_html_maps(env):
    """--tiles set: the plan's SVG maps load those tiles (a local tile server
    here), the CSP lets exactly that host in; without it nothing is fetched."""
    import http.server
    import threading
    from harness import Daemon

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
                        "0000000c4944415408d763f8ffff3f0005fe02fea7d6a5b20000000049454e44ae426082")
    asked = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{srv.server_address[1]}"
    cid, _, _ = city(env)
    d = Daemon(env.db, extra=["--tiles", host + "/{z}/{x}/{y}.png", "--tiles-attribution", "試験地図"])
    try:
        r = d.request("GET", f"/v1/children/{cid}/plan?hazard=flood&f=html", token=env.viewer)
        assert r.status == 200, r
        assert f"img-src {host};" in r.headers["Content-Security-Policy"], r.headers["Content-Security-Policy"]
        assert "<image" in r.text and "背景地図：試験地図" in r.text
        if cdp.find_chromium():
            with cdp.Browser() as b:
                page = b.new_page(900, 1300)
                page.send("Network.enable")
                page.send("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Bearer " + env.viewer}})
                page.goto(f"{d.base}/v1/children/{cid}/plan?hazard=flood&f=html")
                page.wait_for("document.readyState === 'complete'")
                page.wait_for(f"performance.getEntriesByType('resource').length > 0")
                assert not page.problems(), page.problems()
            assert asked and all(re.fullmatch(r"/1[0-9]/\d+/\d+\.png", p) for p in asked), asked
    finally:
        d.stop()
        srv.shutdown()
    r = plan(env, cid, "html")          # the shared daemon has no --tiles
    assert "<image" not in r.text and "img-src" not in r.headers["Content-Security-Policy"]


def test_each_hazard_over_the_home_has_its_own_section(env):
    cid, _, run = city(env)
    r = env.post("/v1/plans/run", {"hazard": "none"}, token=env.planner)
    assert r.status == 201, r
    p = env.get(f"/v1/children/{cid}/plan?hazard=none", token=env.viewer).json()
    secs = p["hazard_sections"]
    assert [s["hazard"] for s in secs] == ["none", "flood"], secs
    assert secs[0]["home_in_area"] is False and secs[0]["areas"] == []
    assert secs[1]["home_in_area"] is True and secs[1]["plan"]["run_id"] == run
    assert secs[1]["plan"]["destination"]["name"]
    html = env.get(f"/v1/children/{cid}/plan?hazard=none&f=html", token=env.viewer).text
    assert "4-1. 停電のとき" in html and "4-2. 洪水のとき" in html
    assert html.count("<figure class=\"map\">") == 2
    # The flood section says when to leave by 警戒レベル3 even on the blackout plan.
    assert html.index("警戒レベル3") > html.index("4-2. 洪水のとき")
