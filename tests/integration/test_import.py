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


# ---------------------------------------------------------------------------
# DESIGN 4 (v2) fields in the canonical CSVs

V2_CHILDREN = (
    "external_id,name,lat,lon,sex,phone,district,affiliation,affiliation_name,grade,"
    "severe_disability,supporters,medical_contacts,sources,utility_registered,consent,"
    "consent_date,consent_scope,source,home_battery_wh,home_generator_w,home_generator_h,"
    "car_inverter_w\n"
    # text form: ';' between entries, '|' between fields, '\' escapes
    'V2-1,例示 一,37.05,136.96,女,0767-00-0001,本町1丁目,special_school,架空県立特別支援学校,'
    '小学部2年,true,"例示 祖母|祖母|080-0000-0001|架空市本町1-1;近所の\\;佐藤\\|さん",'
    '"主治医|架空 医師|架空こども病院|0767-00-1111;device_dealer||架空メディカル|0120-000-000",'
    '"健康課|2024-04-01;保育課|2024/5/1",true,true,2025-04-01,支援者のみ,健康課,'
    '1024,900,8,1500\n'
    # JSON form (as the API writes it); plain strings are names
    'V2-2,例示 二,37.04,136.95,male,,,nursery,架空保育園,2歳児,false,'
    '"[""例示 叔母"", {""name"": ""例示 隣人"", ""relation"": ""近所""}]",'
    '"[{""role"": ""visiting_nurse"", ""organisation"": ""架空訪問看護""}]",,false,false,,,'
    '保育課,,,,\n')

V2_DEVICES = (
    "child_external_id,type,power_w,battery_h,life_sustaining,maker,model,settings,duty,"
    "minutes_per_hour,charge_h,backup_h\n"
    "V2-1,suction,40,1,false,架空医機,SU-1,吸引圧 -20kPa,intermittent,10,3,\n"
    "V2-1,oxygen_concentrator,300,0,true,架空酸素,OC-3,流量 1L/分,,,,12\n"
    "V2-2,ventilator,60,8,true,,,,continuous,,5,0\n")


def import_text(env, kind, text, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write(text)
    try:
        return env.import_file(kind, f.name, *extra)
    finally:
        os.unlink(f.name)


def test_v2_children_and_devices_round_trip_through_csv(env):
    env.reset()
    r = import_text(env, "children", V2_CHILDREN)
    assert r.returncode == 0, r.stderr
    r = import_text(env, "devices", V2_DEVICES)
    assert r.returncode == 0, r.stderr
    got = {c["external_id"]: c for c in all_items(env, "/v1/children", token=env.viewer)}
    a, b = got["V2-1"], got["V2-2"]
    assert (a["sex"], a["affiliation"], a["grade"], a["severe_disability"]) == \
        ("female", "special_school", "小学部2年", True)
    assert a["supporters"] == [
        {"name": "例示 祖母", "relation": "祖母", "phone": "080-0000-0001", "address": "架空市本町1-1"},
        {"name": "近所の;佐藤|さん", "relation": None, "phone": None, "address": None}]
    assert [(m["role"], m["organisation"]) for m in a["medical_contacts"]] == \
        [("doctor", "架空こども病院"), ("device_dealer", "架空メディカル")]
    # A slashed source date is normalised; the file's own `source` is already listed.
    assert a["sources"] == [{"department": "健康課", "date": "2024-04-01"},
                            {"department": "保育課", "date": "2024-05-01"}]
    assert (a["home_battery_wh"], a["home_generator_w"], a["home_generator_h"],
            a["car_inverter_w"]) == (1024, 900, 8, 1500)
    assert a["utility_registered"] is True and a["consent_date"] == "2025-04-01"
    assert b["supporters"][0]["name"] == "例示 叔母" and b["supporters"][1]["relation"] == "近所"
    assert b["medical_contacts"][0]["role"] == "visiting_nurse"
    assert [s["department"] for s in b["sources"]] == ["保育課"]
    d = {x["type"]: x for x in a["devices"]}
    assert d["suction"]["duty"] == "intermittent" and d["suction"]["minutes_per_hour"] == 10
    assert d["oxygen_concentrator"]["backup_h"] == 12 and d["oxygen_concentrator"]["duty"] == "continuous"
    assert b["devices"][0]["charge_h"] == 5
    # The same files again change nothing.
    n = env.psql("SELECT count(*) FROM history")
    assert import_text(env, "children", V2_CHILDREN).returncode == 0
    assert import_text(env, "devices", V2_DEVICES).returncode == 0
    assert env.psql("SELECT count(*) FROM history") == n
    row = env.psql("SELECT new_row->'medical_contacts'->0->>'name' FROM history "
                   "WHERE table_name = 'children' AND op = 'insert' "
                   "AND new_row->>'external_id' = 'V2-1'")
    assert row == [["架空 医師"]]


def test_v2_each_department_that_reports_a_child_is_kept(env):
    r = import_text(env, "children", "external_id,source\nV2-2,教育支援課\n")
    assert r.returncode == 0, r.stderr
    deps = env.psql("SELECT string_agg(e->>'department', ',') FROM children, "
                    "jsonb_array_elements(sources) e WHERE external_id = 'V2-2'")
    assert deps == [["保育課,教育支援課"]]


def test_v2_bad_rows_name_the_line_and_column(env):
    text = ("external_id,name,supporters,medical_contacts,sex\n"
            "B-1," + "あ" * 301 + ",,,\n"
            "B-2,ok,a|b|c|d|e,,\n"
            "B-3,ok,,wizard|x,\n"
            "B-4,ok,,,unknown\n"
            "B-5,ok,|叔父,,\n")
    r = import_text(env, "children", text)
    assert r.returncode != 0
    for line, col in ((2, "name"), (3, "supporters"), (4, "medical_contacts"), (5, "sex"),
                      (6, "supporters")):
        assert re.search(rf":{line}:.*{col}", r.stderr), (line, col, r.stderr)
    assert "longer than 300 characters" in r.stderr
    dev = ("child_external_id,type,power_w,battery_h,duty,minutes_per_hour\n"
           "V2-1,suction,40,1,intermittent,\n")
    r = import_text(env, "devices", dev)
    assert r.returncode != 0 and "minutes_per_hour" in r.stderr, r.stderr


def test_facilities_import_canonical_csv(env):
    d = demo_city(tempfile.mkdtemp())
    r = env.import_file("facilities", os.path.join(d, "facilities.csv"))
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, "facilities.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    got = {x["external_id"]: x for x in all_items(env, "/v1/facilities")}
    assert len(got) == len(rows) >= 10
    for row in rows:
        g = got[row["external_id"]]
        assert g["kind"] == row["kind"] and g["name"] == row["name"]
        assert g["medical_care"] is (row["medical_care"] == "true")
    r = env.post("/v1/import/facilities", body="external_id,name,kind,lat,lon\nF-X,x,spa,37,137\n",
                 token=env.planner)
    assert r.status == 422 and "kind" in r.text, r


def test_generated_registry_queries_are_up_to_date(env):
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([os.path.join(root, "scripts", "gen-registry-sql")],
                         capture_output=True, text=True, check=True).stdout
    with open(os.path.join(root, "sql", "queries_registry_gen.sql"), encoding="utf-8") as f:
        assert out == f.read(), "run scripts/gen-registry-sql > sql/queries_registry_gen.sql"
