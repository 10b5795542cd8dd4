"""Imports (DESIGN 5): every format, both encodings, all-or-nothing, upserts."""
import csv
import io
import os
import re
import tempfile

from harness import DATA, demo_city

NANAO = os.path.join(DATA, "nanao", "reference_data.csv")
FLAGS = [("災害種別_洪水", "flood"), ("災害種別_崖崩れ、土石流及び地滑り", "landslide"),
         ("災害種別_高潮", "storm_surge"), ("災害種別_地震", "earthquake"),
         ("災害種別_津波", "tsunami"), ("災害種別_大規模な火事", "fire"),
         ("災害種別_内水氾濫", "inland_flood"), ("災害種別_火山現象", "volcano")]


def setup(env):
    env.reset()


def all_items(env, path, token=None):
    r = env.get(path + "?limit=10000", token=token)
    assert r.status == 200, r
    return r.json()["items"]


def test_nanao_real_shelters_import_with_coordinates_flags_and_indoor_capacity(env):
    env.reset()
    with open(NANAO, "rb") as f:
        body = f.read()
    r = env.post("/v1/import/shelters", body=body, token=env.planner)
    assert r.status == 200, r
    rep = r.json()
    assert rep["format"] == "digital-agency" and rep["inserted"] == 112 and rep["rejected"] == 0, rep

    with open(NANAO, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 112
    got = {s["external_id"]: s for s in all_items(env, "/v1/shelters")}
    assert len(got) == 112
    for row in rows:
        # DESIGN 5 (v2): a published id is prefixed with its municipality's code
        code = row["所在地_全国地方公共団体コード"]
        s = got[f"{code}-{row['ID']}" if code else row["ID"]]
        assert s["name"] == row["名称"]
        assert abs(s["lat"] - float(row["緯度"])) < 1e-9 and abs(s["lon"] - float(row["経度"])) < 1e-9
        for col, flag in FLAGS:
            assert s[flag] is (row[col].strip() in ("1", "1.0")), (row["ID"], flag, row[col])
        m = re.search(r"屋内([0-9,]+)人", row["想定収容人数"])
        want = int(m.group(1).replace(",", "")) if m else None
        assert s["capacity"] == want, (row["ID"], row["想定収容人数"], s["capacity"])
    # Spot checks written out by hand from the file.
    assert got["172022-CC0000000505"]["capacity"] == 1371
    assert got["172022-CC0000000506"]["capacity"] == 2736


def test_reimporting_the_same_file_changes_nothing(env):
    r = env.import_file("shelters", NANAO)
    assert r.returncode == 0, r.stderr
    assert "0 inserted, 0 updated, 112 unchanged" in r.stdout, r.stdout
    assert env.psql("SELECT count(*) FROM history WHERE op = 'update'") == [["0"]]


def one_bad_row_file():
    """shelters_one_bad_row.csv without its address-only line 6 (S005), which needs
    a geocoder: the test of geocoding uses it whole."""
    with open(os.path.join(DATA, "shelters_one_bad_row.csv"), encoding="utf-8") as f:
        lines = f.readlines()
    assert lines[5].startswith("S005,") and ",,," in lines[5]
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    f.writelines(lines[:5] + lines[6:])
    f.close()
    return f.name


def test_one_bad_row_changes_nothing_and_names_the_line(env):
    env.reset()
    path = one_bad_row_file()
    r = env.import_file("shelters", path)
    assert r.returncode != 0
    assert f"{path}:4:" in r.stderr and "lat" in r.stderr, r.stderr
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]
    # Over HTTP: 422 with the rejected line in the report, nothing written.
    with open(path, "rb") as f:
        resp = env.post("/v1/import/shelters", body=f.read(), token=env.planner)
    assert resp.status == 422, resp
    err = resp.json()["error"]
    assert err["code"] == "rejected_rows"
    assert [x["line"] for x in err["report"]["rejects"]] == [4]
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]


def test_partial_keeps_the_good_rows(env):
    env.reset()
    r = env.import_file("shelters", one_bad_row_file(), "--partial")
    assert r.returncode != 0                       # still says something was rejected
    assert "3 inserted" in r.stdout, r.stdout
    ids = {x[0] for x in env.psql("SELECT external_id FROM shelters")}
    assert ids == {"S001", "S002", "S004"}, ids


def test_address_without_coordinates_is_reported_not_dropped(env):
    env.reset()
    path = os.path.join(DATA, "shelters_one_bad_row.csv")
    r = env.import_file("shelters", path)
    assert r.returncode != 0
    assert f"{path}:6: lat/lon: missing" in r.stderr, r.stderr
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]


def test_shift_jis_gsi_file_keeps_japanese_names(env):
    env.reset()
    r = env.import_file("shelters", os.path.join(DATA, "gsi_emergency_sjis.csv"))
    assert r.returncode == 0, r.stderr
    assert "cp932" in r.stdout and "gsi-emergency-site" in r.stdout, r.stdout
    got = {s["external_id"]: s for s in all_items(env, "/v1/shelters")}
    assert got["172020001"]["name"] == "七尾市民体育館"
    assert got["172020002"]["name"] == "髙階公民館"          # a CP932 extension character
    assert got["172020001"]["flood"] is True and got["172020001"]["landslide"] is False
    assert got["172020002"]["flood"] is True                  # written "1"
    assert all(s["kind"] == "emergency_site" for s in got.values())


def test_gsi_shelter_file_marks_welfare_from_accepted_persons(env):
    env.reset()
    r = env.import_file("shelters", os.path.join(DATA, "gsi_shelter.csv"))
    assert r.returncode == 0, r.stderr
    got = {s["external_id"]: s for s in all_items(env, "/v1/shelters")}
    assert got["172020101"]["welfare"] is True and got["172020101"]["kind"] == "welfare"
    assert got["172020102"]["welfare"] is False and got["172020102"]["kind"] == "designated"


def test_republished_list_keeps_power_that_staff_entered(env):
    env.reset()
    assert env.import_file("shelters", NANAO).returncode == 0
    sid = env.psql("SELECT id FROM shelters WHERE external_id = '172022-CC0000000505'")[0][0]
    r = env.put(f"/v1/shelters/{sid}", {"power_w": 3000, "outlets": 4}, token=env.planner)
    assert r.status == 200, r
    assert env.import_file("shelters", NANAO).returncode == 0
    s = env.get(f"/v1/shelters/{sid}").json()
    assert s["power_w"] == 3000 and s["outlets"] == 4, s


def test_children_and_devices_upsert_and_nest(env):
    env.reset()
    r = env.import_file("children", os.path.join(DATA, "children.csv"))
    assert r.returncode == 0, r.stderr
    r = env.import_file("devices", os.path.join(DATA, "devices.csv"))
    assert r.returncode == 0, r.stderr
    kids = {c["external_id"]: c for c in all_items(env, "/v1/children", token=env.viewer)}
    c1 = kids["C001"]
    assert c1["care"] == ["ventilator", "tracheostomy", "suction"]
    assert c1["birth_date"] == "2016-04-12" and kids["C002"]["birth_date"] == "2019-11-03"
    assert c1["need_w"] == sum(d["power_w"] for d in c1["devices"])
    life = [d["battery_h"] for d in c1["devices"] if d["life_sustaining"]]
    assert c1["runtime_h"] == min(life)
    assert kids["C004"]["lat"] is None                     # address only: kept, no home point
    # Devices of an unknown child are rejected with the line.
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("child_external_id,type,power_w,battery_h,life_sustaining\n"
                "C001,ventilator,60,8,true\nNOBODY,suction,40,1,false\n")
    r = env.import_file("devices", f.name)
    os.unlink(f.name)
    assert r.returncode != 0 and ":3:" in r.stderr and "NOBODY" in r.stderr, r.stderr


def test_hazards_geojson_imports_and_rejects_bad_polygons(env):
    d = demo_city(tempfile.mkdtemp())
    r = env.import_file("hazards", os.path.join(d, "hazards.geojson"))
    assert r.returncode == 0, r.stderr
    n = int(env.psql("SELECT count(*) FROM hazard_areas")[0][0])
    assert n > 0
    bowtie = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
              '{"hazard":"flood","level":2},"geometry":{"type":"Polygon","coordinates":'
              '[[[136,37],[137,38],[137,37],[136,38],[136,37]]]}}]}')
    resp = env.post("/v1/import/hazards", body=bowtie, token=env.planner)
    assert resp.status == 422, resp
    assert "Self-intersection" in resp.text, resp
    assert int(env.psql("SELECT count(*) FROM hazard_areas")[0][0]) == n


def test_demo_city_imports_completely(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp())
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name))
        assert r.returncode == 0, (kind, r.stderr)
    with open(os.path.join(d, "children.csv"), encoding="utf-8") as f:
        n = sum(1 for _ in csv.DictReader(f))
    assert env.psql("SELECT count(*) FROM children") == [[str(n)]]


def test_import_needs_a_planner_token(env):
    body = io.BytesIO(open(NANAO, "rb").read()).getvalue()
    assert env.post("/v1/import/shelters", body=body).status == 401
    assert env.post("/v1/import/shelters", body=body, token=env.viewer).status == 403
    assert env.post("/v1/import/unicorns", body=body, token=env.planner).status == 404
