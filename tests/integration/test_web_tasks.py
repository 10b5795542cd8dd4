"""More of the staff application (issue 17) in a real headless Chromium,
against a daemon of its own started with --geocoder pointing at a small real
geocoder (tests/peers.py, GSI AddressSearch format) on 127.0.0.1: the child
form's 「住所から位置を探す」 moves the pin and the saved record has the
coordinates; a large file's upload shows its progress (the network slowed
through DevTools so that it can be watched); the 名寄せ queue on the
取り込み screen: a file of another department's reports is previewed and
committed, the reports that need a person are shown beside the children
they may be, and each decision (the same child, another child) is written.
Screenshots go to APP_SCREENSHOTS like test_web's."""
import os
import re
import sys
import tempfile
import time

from harness import ROOT, Daemon, cli
from peers import Geocoder

sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))

from app_driver import AppBrowser  # noqa: E402

SHOTS = os.environ.get("APP_SCREENSHOTS", os.path.join(ROOT, "build", "screenshots"))
ADDRESS = "石川県七尾市府中町1-1"
PLACE = (37.0480, 136.9590)
S = {}


def setup(env):
    env.reset()
    env.psql("TRUNCATE child_reports, child_aliases")
    S["geo"] = Geocoder({ADDRESS: PLACE})
    S["daemon"] = Daemon(env.db, extra=["--geocoder", S["geo"].url + "/AddressSearch"])
    r = cli("user", "add", "--login", "web.tasks", "--role", "planner", "--name", "作業 太郎", db=env.db)
    assert r.returncode == 0, r.stderr
    a = S["app"] = AppBrowser(S["daemon"].base, shots=SHOTS)
    a.open("/")
    a.login("web.tasks", r.stdout.strip())
    a.wait_text("初回のパスワードを変更してください")
    a.fill_label("配られたパスワード", r.stdout.strip())
    a.fill_label("新しいパスワード", "tasks-nanao-2026-web")
    a.click_text("変更する")
    a.wait("!!document.querySelector('#count')")


def teardown():
    for k in ("app",):
        if k in S:
            S[k].browser.close()
    if "daemon" in S:
        S["daemon"].stop()
    if "geo" in S:
        S["geo"].stop()


def marker_at(a):
    """Where the home pin is, as fractions of the map's box."""
    return a.js("""(() => { const m = document.querySelector('#child-map').getBoundingClientRect();
        const i = document.querySelector('#child-map .leaflet-marker-icon').getBoundingClientRect();
        return [(i.left + i.width / 2 - m.left) / m.width, (i.bottom - m.top) / m.height]; })()""")


def test_the_address_is_geocoded_from_the_form_and_saved_with_the_pin(env):
    a = S["app"]
    a.go("#/child/new")
    a.wait("!!document.querySelector('#child-form')")
    a.fill_label("台帳番号", "TASK-GEO")
    a.fill_label("氏名", "位置 探子")
    # An address the geocoder does not know: said at the field, the pin stays.
    a.fill_label("住所", "どこにもない町9-9")
    a.click("#geocode")
    a.wait_text("この住所の位置は見つかりませんでした", "#child-form")
    assert a.js("document.querySelector('input[name=address]').getAttribute('aria-invalid')") == "true"
    assert a.js("document.querySelector('input[name=lat]').value") == ""
    # The pin put off-centre by a click, then the address found: it moves.
    a.click_map("#child-map", 0.2, 0.25)
    before = marker_at(a)
    assert abs(before[0] - 0.2) < 0.05 and abs(before[1] - 0.25) < 0.05, before
    a.fill_label("住所", ADDRESS)
    a.click("#geocode")
    a.wait("document.querySelector('input[name=lat]').value === '37.048000'")
    assert a.js("document.querySelector('input[name=lon]').value") == "136.959000"
    assert a.js("document.querySelector('input[name=address]').getAttribute('aria-invalid')") != "true"
    time.sleep(0.3)
    after = marker_at(a)
    assert abs(after[0] - 0.5) < 0.05 and abs(after[1] - 0.5) < 0.05, after   # centred on the address
    assert ADDRESS in S["geo"].queries
    a.shot("17-child-geocoded")
    a.click("#save")
    a.wait("/^#\\/child\\/\\d+$/.test(location.hash)")
    row = env.psql("SELECT ST_Y(home)::text, ST_X(home)::text, address FROM children "
                   "WHERE external_id = 'TASK-GEO'")
    assert row == [["37.048", "136.959", ADDRESS]], row
    # The route itself: planners only; a viewer's key is refused, nobody else gets in.
    d = S["daemon"]
    assert d.request("GET", "/v1/geocode?q=x").status == 401
    assert d.request("GET", "/v1/geocode?q=x", token=env.viewer).status == 403
    r = d.request("GET", "/v1/geocode?q=" + "%E7%9F%B3", token=env.planner)
    assert r.status == 404 and re.search(r"[ぁ-ん]", r.json()["error"]["message"])
    assert a.problems() == [], a.problems()


def big_children_file(rows):
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="powermap-big-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("external_id,name,name_kana,birth_date,address,lat,lon,mobility,care,source\n")
        for i in range(rows):
            f.write(f"BIG-{i:06d},大量 {i}号,たいりょう {i},2018-0{1 + i % 9}-1{i % 9},"
                    f"架空市大量町{i % 50}丁目{i % 97}-{i % 13},{37.0 + (i % 1000) / 10000:.4f},"
                    f"{136.9 + (i % 700) / 10000:.4f},walk,suction,障害福祉課\n")
    return path


def test_a_large_file_shows_its_upload_progress(env):
    a = S["app"]
    path = big_children_file(5000)
    size = os.path.getsize(path)
    try:
        a.go("#/import")
        a.wait("!!document.querySelector('#import-file')")
        a.fill("#import-kind", "children")
        a.upload("#import-file", path)
        # Record every state of the progress bar and message as they change.
        a.js("""(() => { window.__seen = [];
            const bar = document.querySelector('#import-progress');
            const st = document.querySelector('.form-status');
            const note = () => window.__seen.push([bar.hidden, Number(bar.value), st.textContent]);
            new MutationObserver(note).observe(st, { childList: true, characterData: true, subtree: true });
            new MutationObserver(note).observe(bar, { attributes: true }); })()""")
        # About four seconds on the wire: slowed by DevTools, as a city hall's network may be.
        a.page.send("Network.enable")
        a.page.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                         "downloadThroughput": -1,
                                                         "uploadThroughput": size / 4})
        t0 = time.time()
        a.click("#import-preview-btn")
        a.wait("window.__seen.some(s => /送信中… [1-9]\\d?%/.test(s[2]))", timeout=30)
        a.shot("18-import-progress")
        a.wait("!!document.querySelector('#import-preview')", timeout=120)
        took = time.time() - t0
    finally:
        a.page.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                         "downloadThroughput": -1, "uploadThroughput": -1})
        os.unlink(path)
    seen = a.js("window.__seen")
    pct = [int(m.group(1)) for _, _, t in seen for m in [re.search(r"送信中… (\d+)%", t)] if m]
    assert len(set(p for p in pct if 0 < p < 100)) >= 3, seen      # it moved, visibly
    assert pct == sorted(pct), pct                                  # and only forward
    assert any(not hidden and 0 < v < 1 for hidden, v, _ in seen), seen   # the bar shown part-full
    assert any("読み取り中" in t for _, _, t in seen), seen           # then the server reads it
    assert a.js("document.querySelector('#import-progress').hidden")
    assert "5000" in a.text("#import-preview").replace(",", ""), a.text("#import-preview")
    assert env.psql("SELECT count(*) FROM children WHERE external_id LIKE 'BIG-%'") == [["0"]]
    S["upload_s"] = (size, took)
    print(f"upload of {size} bytes slowed to {size / 4:.0f} B/s: preview after {took:.1f} s")


DEPT_FILE = ("external_id,name,name_kana,birth_date,address,source\n"
             "EDU-1,鈴木 花音,スズキ カノ,2021-02-14,架空市北町９－１０,教育支援課\n"
             "EDU-2,高橋 陽向,タカハシ ヒナ,2019-07-07,架空市南町3-3,教育支援課\n")


def test_the_duplicates_queue_shows_the_pairs_and_takes_the_decisions(env):
    a = S["app"]
    d = S["daemon"]
    for body in ({"external_id": "DUP-A", "name": "鈴木 花音", "name_kana": "すずき かのん",
                  "birth_date": "2021-02-14", "address": "架空市北町9-10", "lat": 37.05, "lon": 136.96,
                  "source": "障害福祉課"},
                 {"external_id": "DUP-B", "name": "高橋 陽向", "name_kana": "たかはし ひなた",
                  "birth_date": "2019-07-07", "address": "架空市南町3-3", "lat": 37.06, "lon": 136.95,
                  "source": "障害福祉課"}):
        r = d.request("POST", "/v1/children", body, token=env.planner)
        assert r.status == 201, r
    ids = dict(env.psql("SELECT external_id, id FROM children WHERE external_id LIKE 'DUP-%'"))
    before = int(env.psql("SELECT count(*) FROM children")[0][0])
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", encoding="cp932") as f:
        f.write(DEPT_FILE)
    try:
        a.go("#/children")                       # a fresh 取り込み screen, not the last test's
        a.wait("!document.querySelector('#import-file')")
        a.go("#/import")
        a.wait("!!document.querySelector('#import-file')")
        a.wait("!!document.querySelector('#dup-count')")
        assert "判断を待っている報告はありません" in a.text("#duplicates")
        a.fill("#import-kind", "children")
        a.upload("#import-file", path)
        a.click("#import-preview-btn")
        a.wait("!!document.querySelector('#import-preview')")
        a.click("#import-commit")
        try:
            a.wait("!!document.querySelector('#import-result')", timeout=60)
        except Exception:
            raise AssertionError(a.text("main"))
    finally:
        os.unlink(path)
    # Both reports wait: same birth date and address (or name), another kana.
    a.wait("document.querySelectorAll('#duplicates section.dup').length === 2")
    assert "2 件が判断を待っています" in a.text("#dup-count")
    q = a.text("#duplicates")
    assert "スズキ カノ" in q and "すずき かのん" in q and "DUP-A" in q and "教育支援課" in q, q
    assert "違い" in q
    assert "名寄せの判断待ち\t2" in a.text("#import-result"), a.text("#import-result")
    assert "not found" not in a.text("#import-result")                     # said in Japanese
    assert "住所から位置が見つかりませんでした" in a.text("#import-result")
    a.js("document.querySelector('#duplicates').scrollIntoView()")
    a.shot("19-duplicates")
    # 鈴木 花音: the same child (a typo in the kana).  高橋: another child (a sibling).
    a.click(f"[data-merge='{ids['DUP-A']}']")
    a.wait("document.querySelectorAll('#duplicates section.dup').length === 1")
    assert a.js("document.activeElement.id") == "dup-count"
    # The other one from the keyboard: Tab past its merge button to 別の子, Enter.
    a.key("Tab", vk=9)
    assert a.focused()["text"] == f"DUP-B と同じ子（統合する）", a.focused()
    a.key("Tab", vk=9)
    f = a.focused()
    assert f["text"] == "別の子（新しく登録する）" and f["outline"] and f["height"] >= 44, f
    a.key("Enter", vk=13)
    a.wait_text("判断を待っている報告はありません", "#duplicates")
    a.js("document.querySelector('#duplicates').scrollIntoView()")
    a.shot("20-duplicates-decided")
    rows = env.psql("SELECT external_id, status, decided_by FROM child_reports ORDER BY external_id")
    assert rows == [["EDU-1", "merged", "user:web.tasks"], ["EDU-2", "kept_apart", "user:web.tasks"]], rows
    assert int(env.psql("SELECT count(*) FROM children")[0][0]) == before + 1     # only 高橋 is new
    deps = [x[0] for x in env.psql(f"SELECT jsonb_array_elements(sources)->>'department' FROM children "
                                    f"WHERE id = {ids['DUP-A']}")]
    assert sorted(deps) == ["教育支援課", "障害福祉課"], deps
    assert env.psql("SELECT child_id::text FROM child_aliases WHERE external_id = 'EDU-1'") == [[ids["DUP-A"]]]
    assert env.psql("SELECT count(*) FROM children WHERE external_id = 'EDU-2'") == [["1"]]
    assert a.problems() == [], a.problems()


def test_zz_the_browser_and_daemon_stop(env):
    teardown()
