"""Files as municipalities really have them (issue 13, DESIGN 5 v2): older and
prefecture-wide layouts, values as published, ids, welfare lists, Japanese
messages, the import preview.  Every fixture is counted -- rows in, accepted,
rejected with reasons -- and every stored value is compared with the file.
The fixtures are in tests/data/files/ (invented places; see its README)."""
import csv
import io
import json
import os
import re
import unicodedata

from harness import DATA, cli

FILES = os.path.join(DATA, "files")
FLAG_NAMES = ["flood", "landslide", "storm_surge", "earthquake", "tsunami", "fire",
              "inland_flood", "volcano"]
YES = {"○", "◯", "〇", "●", "◎", "有", "あり", "可", "1", "1.0", "yes"}
NO = {"×", "✕", "－", "-", "無", "なし", "0", ""}
JA = {"LANG": "ja_JP.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
EN = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def setup(env):
    env.reset()


def path(name):
    return os.path.join(FILES, name)


def shelters(env):
    r = env.get("/v1/shelters?limit=10000")
    assert r.status == 200, r
    return {s["external_id"]: s for s in r.json()["items"]}


def read_rows(name, encoding="utf-8"):
    """The fixture as Python's csv module reads it, with each record's line."""
    with open(path(name), encoding=encoding, newline="") as f:
        text = f.read().lstrip("\ufeff")
    rows, line = [], 1
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    for rec in reader:
        line = reader.line_num - rec_lines(rec) + 1
        rows.append((line, dict(zip(header, rec))))
    return header, rows


def rec_lines(rec):
    return 1 + sum(v.count("\n") for v in rec)


def mark(v):
    """Python's own reading of a published yes/no mark (with its note)."""
    v = unicodedata.normalize("NFKC", v).strip()
    m = re.match(r"^(\S+?)\s*\((.*)\)$", v)
    note = None
    if m:
        v, note = m.group(1), m.group(2)
    if v in {unicodedata.normalize("NFKC", y) for y in YES}:
        return True, note
    if v in {unicodedata.normalize("NFKC", n) for n in NO}:
        return False, note
    return None, note


def capacity(v):
    v = unicodedata.normalize("NFKC", v)
    m = re.search(r"屋内\s*([0-9,]+)", v)
    if m:
        return int(m.group(1).replace(",", ""))
    if v.startswith("屋外") or v in ("", "-"):
        return None
    m = re.search(r"[0-9][0-9,]*", v)
    return int(m.group(0).replace(",", "")) if m else None


# ------------------------------------------------------------------ layouts

PREF = "prefecture_old_sjis.csv"
PREF_FLAGS = ["災害種別_洪水", "災害種別_崖崩れ_土石流及び地滑り", "災害種別_高潮", "災害種別_地震",
              "災害種別_津波", "災害種別_大規模な火事", "災害種別_内水氾濫", "災害種別_火山現象"]


def pref_expected():
    """What the old prefecture-wide list must become, read by Python."""
    _, rows = read_rows(PREF, "cp932")
    want, bad = {}, {}
    for line, row in rows:
        code = row["市区町村コード"]
        code = code if len(code) == 6 else code + "1"       # 17203 -> 172031 (check digit)
        ext = f"{code}-{unicodedata.normalize('NFKC', row['ＮＯ'])}"
        flags = [mark(row[c]) for c in PREF_FLAGS]
        if float(row["lat"]) > 90 or any(f[0] is None for f in flags):
            bad[line] = ext
            continue
        addr = row["住所"] + (" " + row["方書"] if row["方書"] else "")
        notes = [f"{c}: {f[1]}" for c, f in zip(PREF_FLAGS, flags) if f[1]]
        want[ext] = {
            "name": row["名称"].replace("\n", ""), "address": addr,
            "lat": float(row["lat"]), "lon": float(row["lon"]),
            "phone": unicodedata.normalize("NFKC", row["電話番号"]) or None,
            "capacity": capacity(row["想定収用人数"]),
            "flags": [f[0] for f in flags], "municipality": code,
            "notes": "; ".join(([row["備考"]] if row["備考"] else []) + notes) or None,
        }
    return rows, want, bad


def check_shelter(got, want):
    assert got["name"] == want["name"], (got["name"], want)
    assert got["address"] == want["address"], (got["address"], want)
    assert abs(got["lat"] - want["lat"]) < 1e-9 and abs(got["lon"] - want["lon"]) < 1e-9
    assert got.get("phone") == want["phone"], (got.get("phone"), want)
    assert got["capacity"] == want["capacity"], (got["capacity"], want)
    assert [got[f] for f in FLAG_NAMES] == want["flags"], (got, want)
    if "municipality" in got:
        assert got["municipality"] == want["municipality"], got
    if "notes" in got:
        assert got["notes"] == want["notes"], (got["notes"], want["notes"])


def test_old_prefecture_layout_in_shift_jis_refuses_all_when_two_rows_are_bad(env):
    env.reset()
    rows, want, bad = pref_expected()
    assert len(rows) == 8 and len(want) == 6 and sorted(bad) == [9, 10]
    r = env.import_file("shelters", path(PREF))
    assert r.returncode == 1, r.stderr
    assert f"{path(PREF)}:9: lat" in r.stderr and f"{path(PREF)}:10: 災害種別_洪水" in r.stderr, \
        r.stderr
    assert "2 rows rejected, nothing imported" in r.stderr, r.stderr
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]


def test_old_prefecture_layout_partial_stores_every_value_as_the_file_says(env):
    env.reset()
    rows, want, bad = pref_expected()
    r = env.import_file("shelters", path(PREF), "--partial")
    assert "digital-agency-prefecture" in r.stdout and "cp932" in r.stdout, r.stdout
    assert "8 rows" in r.stdout and "6 inserted" in r.stdout and "2 rejected" in r.stdout, r.stdout
    assert "2 rows rejected, the other 6 imported" in r.stderr, r.stderr
    got = shelters(env)
    assert sorted(got) == sorted(want)
    for ext, w in want.items():
        check_shelter(got[ext], w)
        assert got[ext]["kind"] == "designated" and got[ext]["welfare"] is False
    # written out by hand from the file
    assert got["172022-2"]["name"] == "見本市総合体育館"
    assert got["172022-1"]["capacity"] == 800 and got["172022-3"]["capacity"] == 273
    assert got["172031-1"]["capacity"] == 1200 and got["172031-3"]["capacity"] is None
    assert got["172022-3"]["flood"] is True and got["172022-3"]["landslide"] is True


def test_same_published_ids_of_two_municipalities_do_not_collide(env):
    env.reset()
    assert env.import_file("shelters", path(PREF), "--partial").returncode == 1
    got = shelters(env)
    # NO 1 of 172022 and NO 1 of 172031 are two places
    assert got["172022-1"]["name"] == "見本第一小学校" and got["172031-1"]["name"] == "例示中学校"
    r = env.import_file("shelters", path(PREF), "--partial")
    assert "0 inserted, 0 updated, 6 unchanged" in r.stdout, r.stdout


def test_every_published_mark_is_read(env):
    env.reset()
    name = "digital_agency_marks.csv"
    r = env.import_file("shelters", path(name))
    assert r.returncode == 0, r.stderr
    assert "2 rows" in r.stdout and "2 inserted" in r.stdout, r.stdout
    _, rows = read_rows(name, "utf-8-sig")
    got = shelters(env)
    for line, row in rows:
        s = got["172049-" + row["ID"]]
        flags = [mark(row[c])[0] for c in row if c.startswith("災害種別_")]
        assert [s[f] for f in FLAG_NAMES] == flags, (line, s, flags)
        assert s["capacity"] is None
        # 指定避難所との重複: a list of 指定緊急避難場所
        assert s["kind"] == "emergency_site"


# ------------------------------------------------------------------ identifiers

def test_rows_without_id_get_stable_ids_and_one_grouped_warning(env):
    env.reset()
    name = "shelters_no_id.csv"
    r = cli("import", "--kind", "shelters", path(name), db=env.db, env=JA)
    assert r.returncode == 0, r.stderr
    assert "4 行: ID が空です（名称と位置から ID を作りました）" in r.stderr, r.stderr
    assert r.stderr.count("ID が空です") == 1, r.stderr
    first = shelters(env)
    assert len(first) == 4 and all(re.fullmatch(r"172022-x[0-9a-f]{12}", k) for k in first)
    r = cli("import", "--kind", "shelters", path(name), db=env.db, env=EN)
    assert "0 inserted, 0 updated, 4 unchanged" in r.stdout, r.stdout
    assert shelters(env).keys() == first.keys()
    _, rows = read_rows(name)
    by_name = {s["name"]: s for s in first.values()}
    for line, row in rows:
        s = by_name[row["名称"]]
        assert s["capacity"] == int(row["想定収容人数"]) and abs(s["lat"] - float(row["緯度"])) < 1e-9


def test_municipality_option_prefixes_ids_of_a_file_without_codes(env):
    env.reset()
    r = env.import_file("shelters", path("gsi_shelter_targets.csv"), "--municipality", "17202")
    assert r.returncode == 0, r.stderr
    assert all(k.startswith("172022-") for k in shelters(env)), shelters(env).keys()


# ------------------------------------------------------------------ welfare

def test_gsi_accepted_persons_naming_people_who_need_care_mean_welfare(env):
    env.reset()
    name = "gsi_shelter_targets.csv"
    r = env.import_file("shelters", path(name), "--municipality", "172022")
    assert r.returncode == 0 and "gsi-shelter" in r.stdout, (r.stdout, r.stderr)
    got = shelters(env)
    _, rows = read_rows(name)
    assert len(got) == len(rows) == 5
    for line, row in rows:
        s = got["172022-" + row["共通ID"]]
        welfare = bool(re.search("要配慮者|障害者|高齢者|妊産婦|乳幼児", row["受入対象者"]))
        assert s["welfare"] is welfare and s["kind"] == ("welfare" if welfare else "designated"), \
            (row, s)
    assert got["172022-172029004"]["kind"] == "designated"


def test_a_welfare_list_marks_all_its_places_welfare(env):
    env.reset()
    name = "welfare_list.csv"
    r = env.import_file("shelters", path(name), "--municipality", "172022")
    assert r.returncode == 0, r.stderr
    assert "welfare-list" in r.stdout and "3 rows" in r.stdout, r.stdout
    got = shelters(env)
    assert len(got) == 3
    assert all(s["kind"] == "welfare" and s["welfare"] is True for s in got.values())
    names = sorted(s["name"] for s in got.values())
    assert names == sorted(["見本特別養護老人ホーム", "見本療育センター", "見本デイサービス"])


# ------------------------------------------------------------------ messages

def test_an_unknown_file_names_its_columns_and_the_nearest_layout_in_japanese(env):
    env.reset()
    r = cli("import", "--kind", "shelters", path("unknown_layout.csv"), db=env.db, env=JA)
    assert r.returncode == 1
    assert "見つかった列: 番地, 色, 味, 重さ" in r.stderr and "最も近い形式" in r.stderr, r.stderr
    assert "[unknown_layout]" in r.stderr and "名称" in r.stderr, r.stderr


def test_japanese_cli_says_what_happened(env):
    env.reset()
    r = cli("import", "--kind", "shelters", path(PREF), db=env.db, env=JA)
    assert r.returncode == 1
    assert ":9: lat: 「95.5」は緯度の範囲外です" in r.stderr, r.stderr
    assert "2 行を除外したため、何も取り込んでいません" in r.stderr, r.stderr
    assert "the others imported" not in r.stderr


def test_partial_with_nothing_accepted_says_nothing_was_imported(env):
    env.reset()
    f = os.path.join(os.environ.get("TMPDIR", "/tmp"), "files-all-bad.csv")
    with open(f, "w", encoding="utf-8") as out:
        out.write("ID,名称,緯度,経度\n" + "".join(f"B{i},見本{i},95,136\n" for i in range(30)))
    r = cli("import", "--kind", "shelters", "--partial", f, db=env.db, env=EN)
    assert "all 30 rows rejected: nothing imported" in r.stderr, r.stderr
    assert "the other" not in r.stderr and "the others imported" not in r.stderr
    # one identical reason is printed once, with its count
    assert r.stderr.count("out of range") == 1 and "30 rows: 緯度: latitude out of range" in r.stderr, r.stderr
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]


def test_http_dry_run_previews_without_writing(env):
    env.reset()
    with open(path(PREF), "rb") as f:
        body = f.read()
    r = env.post("/v1/import/shelters?dry_run=true", body=body, token=env.planner,
                 headers={"Accept-Language": "ja,en;q=0.5"})
    assert r.status == 200, r
    rep = r.json()
    assert rep["dry_run"] is True and rep["committed"] is False
    assert rep["layout"] == "digital-agency-prefecture" and rep["encoding"] == "cp932"
    assert rep["rows"] == 8 and rep["rejected"] == 2 and rep["accepted"] == 6, rep
    cols = {c["file"]: c["column"] for c in rep["columns"]}
    assert cols["ＮＯ"] == "external_id" and cols["想定収用人数"] == "capacity", cols
    assert cols["lat"] == "lat" and cols["標高"] is None, cols
    lines = {x["line"]: x for x in rep["rejects"]}
    assert lines[9]["code"] == "bad_latitude" and lines[9]["column"] == "lat"
    assert "緯度の範囲外" in lines[9]["message"], lines[9]
    assert lines[10]["code"] == "bad_boolean" and lines[10]["column"] == "災害種別_洪水"
    assert env.psql("SELECT count(*) FROM shelters") == [["0"]]
    # in English by default
    r = env.post("/v1/import/shelters?dry_run=true&partial=true", body=body, token=env.planner)
    rep = r.json()
    assert "out of range" in {x["line"]: x for x in rep["rejects"]}[9]["message"]
    assert rep["inserted"] == 6 and env.psql("SELECT count(*) FROM shelters") == [["0"]]


def test_every_row_reason_reads_in_japanese_with_its_code(env):
    """The validator gives each reason in Japanese and a code at its source,
    structured-list entries (連絡先, 情報源, 支援者) included: no English
    sentence reaches a Japanese report."""
    import re
    env.reset()
    body = ("external_id,name,birth_date,lat,lon,medical_contacts,sources,supporters,"
            "home_battery_wh,consent\n"
            "K1,児童一,2020-01-01,37,136,xyz|医師一|病院|0767-00-0000,,,,\n"
            "K2,児童二,2020-01-01,37,136,,保健センター|昨日,,,\n"
            "K3,児童三,2020-01-01,37,136,,,a|b|c|d|e,,\n"
            "K4,児童四,2020-13-45,37,136,,,,,\n"
            "K5,児童五,2020-01-01,95,136,,,,,\n"
            "K6,児童六,2020-01-01,37,136,,,,たくさん,\n"
            "K1,児童七,2020-01-01,37,136,,,,,\n"
            "K8,児童八,2020-01-01,37,,,,,,\n"
            "K9,児童九,2020-01-01,37,136,,,,,たぶん\n").encode()
    r = env.post("/v1/import/children?dry_run=true&partial=true", body=body,
                 token=env.planner, headers={"Accept-Language": "ja"})
    assert r.status == 200, r
    lines = {x["line"]: x for x in r.json()["rejects"]}
    want = {2: ("invalid_value", "medical_contacts",
                "1 番目の項目: 続柄「xyz」は 主治医・医師、訪問看護"),
            3: ("bad_date", "sources", "1 番目の項目: 日付「昨日」は日付として読めません"),
            4: ("bad_entry", "supporters", "「|」で区切った欄が 4 個を超えています"),
            5: ("bad_date", "birth_date", "「2020-13-45」は日付として読めません"),
            6: ("bad_latitude", "lat", "「95」は緯度の範囲"),
            7: ("bad_number", "home_battery_wh", "「たくさん」は 0 以上の数値として読めません"),
            8: ("duplicate_id", "external_id", "「K1」は 2 行目でも使われています"),
            9: ("half_location", "lon", "緯度があるのに空です"),
            10: ("bad_boolean", "consent", "「たぶん」は ○/×")}
    assert sorted(lines) == sorted(want), lines
    for n, (code, column, text) in want.items():
        x = lines[n]
        assert (x["code"], x["column"]) == (code, column), (n, x)
        assert text in x["message"], (n, x)
        # nothing English but the column's own name and the accepted values
        words = re.findall(r"[A-Za-z]{3,}", x["message"].replace(column, ""))
        assert set(words) <= {"xyz"}, (n, x["message"])


def test_http_import_report_has_codes_and_grouped_reasons(env):
    env.reset()
    with open(path(PREF), "rb") as f:
        body = f.read()
    r = env.post("/v1/import/shelters", body=body, token=env.planner)
    assert r.status == 422, r
    rep = r.json()["error"]["report"]
    assert {g["code"] for g in rep["reasons"]} == {"bad_latitude", "bad_boolean"}, rep["reasons"]
    r = env.post("/v1/import/shelters?partial=true", body=body, token=env.planner)
    assert r.status == 200 and r.json()["inserted"] == 6, r


# ------------------------------------------------------------------ spreadsheets

REGISTER = {
    # written out by hand from gen_fixtures.py: id -> (line, name, kana, birth, sex, phone,
    #                                                    care, devices)
    "R-001": (5, "試験花子", "シケン ハナコ", "2020-01-01", "female", "090-0000-0001",
              ["ventilator", "tracheostomy", "suction"],
              [("ventilator", 60, 8, True), ("suction", 40, 1.5, False)]),
    "R-002": (6, "見本 太郎", "ミホン タロウ", "2020-01-01", "male", "090-0000-0002",
              ["oxygen"], [("oxygen_concentrator", 300, 0, True)]),
    "R-003": (8, "例示 さくら", "レイジ サクラ", "2018-04-01", "female", "090-0000-0003",
              ["tube_feeding", "suction"],
              [("feeding_pump", 10, 24, False), ("suction", 35, 2, False)]),
    "R-004": (9, "架空 陽斗", "カクウ ハルト", "2016-04-12", "male", None,
              ["ventilator", "suction", "other"],
              [("ventilator", 45, 6, True), ("pulse_oximeter", 3, 12, False)]),
    "R-005": (10, "標本 結衣", "ヒョウホン ユイ", "2018-12-25", "female", "090-0000-0005", ["iv"], []),
}


def check_register(env):
    kids = {c["external_id"]: c for c in
            env.get("/v1/children?limit=1000", token=env.viewer).json()["items"]}
    assert sorted(kids) == sorted(REGISTER), kids.keys()
    for cid, (line, name, kana, birth, sex, phone, care, devices) in REGISTER.items():
        c = kids[cid]
        assert (c["name"], c["name_kana"], c["birth_date"], c["sex"]) == (name, kana, birth, sex), c
        assert c.get("phone") == phone and c["care"] == care, (cid, c)
        got = sorted((d["type"], d["power_w"], d["battery_h"], d["life_sustaining"])
                     for d in c["devices"])
        assert got == sorted(devices), (cid, got)


def test_an_excel_register_with_merged_headers_wareki_and_devices_in_columns(env):
    env.reset()
    r = cli("import", "--kind", "children", "--geocoder", "none", path("register.xlsx"),
            db=env.db, env=EN)
    assert r.returncode == 0, r.stderr
    assert "5 rows (children-register, xlsx, sheet 台帳)" in r.stdout, r.stdout
    assert "5 inserted" in r.stdout and "7 devices from the register's columns" in r.stdout, \
        r.stdout
    # 導尿 is kept as "other" care, and said so, naming the register's column
    assert ":9: warning: 医療的ケアの内容: \"導尿\" recorded as other care" in r.stderr, r.stderr
    check_register(env)
    r = cli("import", "--kind", "children", "--geocoder", "none", path("register.xlsx"),
            db=env.db, env=EN)
    assert "0 inserted, 0 updated, 5 unchanged" in r.stdout, r.stdout
    check_register(env)


def test_an_excel_file_saved_as_csv_is_read_as_excel(env):
    env.reset()
    r = cli("import", "--kind", "children", "--geocoder", "none", path("register_saved_as.csv"),
            db=env.db, env=EN)
    assert r.returncode == 0 and "xlsx" in r.stdout, (r.stdout, r.stderr)
    check_register(env)


def test_a_binary_file_of_another_kind_is_refused_with_its_kind_named(env):
    r = cli("import", "--kind", "shelters", path("not_a_table.csv"), db=env.db, env=JA)
    assert r.returncode == 1 and "このファイルは PDF です" in r.stderr, r.stderr
    assert "[not_a_table]" in r.stderr


def spreadsheet_shelters(env):
    got = shelters(env)
    assert sorted(got) == ["172022-S1", "172022-S2", "172022-S3"], got.keys()
    assert [got[k]["capacity"] for k in sorted(got)] == [500, 250, None]
    assert [got[k]["flood"] for k in sorted(got)] == [True, False, False]
    assert all(s["earthquake"] for s in got.values())
    assert got["172022-S1"]["name"] == "見本第三小学校" and got["172022-S3"]["lat"] == 37.0803


def test_xls_and_ods_shelter_lists_are_read_directly(env):
    for name, enc in (("shelters.xls", "xls"), ("shelters.ods", "ods")):
        env.reset()
        r = cli("import", "--kind", "shelters", path(name), db=env.db, env=EN)
        assert r.returncode == 0, (name, r.stderr)
        assert f"3 rows (digital-agency, {enc}, sheet 避難所)" in r.stdout, r.stdout
        spreadsheet_shelters(env)


def test_sheet_option_picks_the_sheet_and_names_the_others_when_wrong(env):
    env.reset()
    name = path("shelters_second_sheet.xlsx")
    r = cli("import", "--kind", "shelters", name, db=env.db, env=EN)
    assert r.returncode == 1 and "見本市 避難所一覧" in r.stderr, r.stderr   # the cover sheet
    r = cli("import", "--kind", "shelters", "--sheet", "なし", name, db=env.db, env=JA)
    assert "シート「なし」がありません" in r.stderr and "表紙, 避難所" in r.stderr, r.stderr
    r = cli("import", "--kind", "shelters", "--sheet", "避難所", name, db=env.db, env=EN)
    assert r.returncode == 0, r.stderr
    spreadsheet_shelters(env)


def test_http_preview_of_a_register_shows_the_column_mapping(env):
    env.reset()
    with open(path("register.xlsx"), "rb") as f:
        body = f.read()
    r = env.post("/v1/import/children?dry_run=true", body=body, token=env.planner)
    assert r.status == 200, r
    rep = r.json()
    assert (rep["layout"], rep["encoding"], rep["sheet"], rep["header_line"]) == \
        ("children-register", "xlsx", "台帳", 4), rep
    assert rep["rows"] == 5 and rep["accepted"] == 5 and rep["inserted"] == 5
    cols = {c["file"]: c["column"] for c in rep["columns"]}
    assert cols["機器１ / 消費電力(W)"] == "device1.power_w", cols
    assert cols["機器２ / 種類"] == "device2.type" and cols["生年月日"] == "birth_date", cols
    assert env.psql("SELECT count(*) FROM children") == [["0"]]


# ------------------------------------------------------------------ hazard areas

SQUARES = [  # WGS 84 squares around 見本市, with their centres
    (136.95, 37.04), (136.97, 37.05),
]


def square(x, y, d=0.005):
    return [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]]


def write_geojson(dirpath, props):
    p = os.path.join(dirpath, "src.geojson")
    with open(p, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": dict(props, n=i),
             "geometry": {"type": "Polygon", "coordinates": square(x, y)}}
            for i, (x, y) in enumerate(SQUARES)]}, f)
    return p


def ogr(*args):
    import subprocess
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


def centres(env):
    rows = env.psql("SELECT hazard, level, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) "
                    "FROM hazard_areas ORDER BY 3")
    return [(h, int(lv) if lv else None, float(x), float(y)) for h, lv, x, y in rows]


def check_centres(env, hazard, level):
    got = centres(env)
    assert len(got) == len(SQUARES), got
    for (h, lv, x, y), (wx, wy) in zip(got, sorted(SQUARES)):
        assert (h, lv) == (hazard, level), got
        assert abs(x - wx) < 1e-6 and abs(y - wy) < 1e-6, (got, SQUARES)


def test_hazard_geojson_without_properties_takes_hazard_and_level_options(env):
    import tempfile
    env.reset()
    with tempfile.TemporaryDirectory() as d:
        src = write_geojson(d, {})
        r = cli("import", "--kind", "hazards", src, db=env.db, env=JA)
        assert r.returncode == 1 and "災害の種類がありません" in r.stderr, r.stderr
        r = cli("import", "--kind", "hazards", "--hazard", "flood", "--level", "2", src,
                db=env.db, env=EN)
        assert r.returncode == 0 and "2 inserted" in r.stdout, (r.stdout, r.stderr)
    check_centres(env, "flood", 2)


def test_a31_zipped_shapefile_in_jgd2011_is_transformed_to_wgs84(env):
    import tempfile
    import zipfile
    env.reset()
    with tempfile.TemporaryDirectory() as d:
        # 2012 (第1.1版): A31_001 is a depth-rank code, 21–27 in the seven-rank
        # scheme: 23 is 1.0–2.0 m, the third rank.
        src = write_geojson(d, {"A31_001": 23})
        ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:6668", os.path.join(d, "A31-12_17.shp"), src)
        z = os.path.join(d, "A31-12_17_GML.zip")
        with zipfile.ZipFile(z, "w") as zf:
            for ext in ("shp", "shx", "dbf", "prj"):
                zf.write(os.path.join(d, f"A31-12_17.{ext}"), f"A31-12_17.{ext}")
        r = cli("import", "--kind", "hazards", z, db=env.db, env=EN)
        assert r.returncode == 0 and "(a31, ESRI Shapefile" in r.stdout, (r.stdout, r.stderr)
    check_centres(env, "flood", 3)


def test_a31_layouts_of_every_vintage_give_the_depth_rank(env):
    """The 河川単位 layouts since 2019 put a river code beside each rank
    (A31a_201 beside A31a_205): the level is the rank, never the code; the
    2012 five-rank codes 11–15 read as ranks 1–5; a 家屋倒壊等氾濫想定区域 layer
    (A31a_4xx) is flood with no depth, so its level comes from --level."""
    import tempfile
    cases = [
        ({"A31a_201": "8303030555", "A31a_202": "手取川", "A31a_205": 4}, [], 4),
        ({"A31a_101": "8303030555", "A31a_105": 2}, [], 2),
        ({"A31_001": 15}, [], 5),
        ({"A31a_401": "8303030555", "A31a_405": 2}, [], None),
        ({"A31a_401": "8303030555", "A31a_405": 2}, ["--level", "1"], 1),
    ]
    for props, opts, level in cases:
        env.reset()
        with tempfile.TemporaryDirectory() as d:
            src = write_geojson(d, props)
            shp = os.path.join(d, "A31a-20_17.shp")
            ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:6668", shp, src)
            r = cli("import", "--kind", "hazards", *opts, shp, db=env.db, env=EN)
            assert r.returncode == 0 and "(a31, ESRI Shapefile" in r.stdout, (props, r.stdout,
                                                                             r.stderr)
        check_centres(env, "flood", level)


def test_a33_zones_before_designation_read_as_their_zone(env):
    """A33_002 区域区分: 1 警戒区域 and 3 its 指定前 form are level 1; 2 特別警戒区域
    and 4 are level 2 (第1.2版 added 3 and 4)."""
    import tempfile
    for code, level in ((1, 1), (3, 1), (2, 2), (4, 2)):
        env.reset()
        with tempfile.TemporaryDirectory() as d:
            src = write_geojson(d, {"A33_001": 2, "A33_002": code, "A33_003": "17"})
            r = cli("import", "--kind", "hazards", src, db=env.db, env=EN)
            assert r.returncode == 0 and "(a33," in r.stdout, (code, r.stdout, r.stderr)
        check_centres(env, "landslide", level)


def test_a33_geopackage_in_jgd2000_and_tokyo_datum_shapefile(env):
    import tempfile
    env.reset()
    with tempfile.TemporaryDirectory() as d:
        src = write_geojson(d, {"A33_001": 1, "A33_002": 2})
        gpkg = os.path.join(d, "A33.gpkg")
        ogr("-f", "GPKG", "-t_srs", "EPSG:4612", gpkg, src)
        r = cli("import", "--kind", "hazards", gpkg, db=env.db, env=EN)
        assert r.returncode == 0 and "(a33, GPKG" in r.stdout, (r.stdout, r.stderr)
        check_centres(env, "landslide", 2)
        env.reset()
        shp = os.path.join(d, "tokyo.shp")
        ogr("-f", "ESRI Shapefile", "-t_srs", "EPSG:4301", shp, src)
        raw = json.loads(__import__("subprocess").run(
            ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", shp], capture_output=True,
            text=True).stdout)
        x0 = raw["features"][0]["geometry"]["coordinates"][0][0][0]
        assert abs(x0 - (SQUARES[0][0] - 0.005)) > 0.001      # the datum really differs
        r = cli("import", "--kind", "hazards", "--hazard", "landslide", shp, db=env.db, env=EN)
        assert r.returncode == 0, r.stderr
        check_centres(env, "landslide", 2)


def test_kml_hazard_areas_over_http(env):
    import tempfile
    env.reset()
    with tempfile.TemporaryDirectory() as d:
        src = write_geojson(d, {})
        kml = os.path.join(d, "tsunami.kml")
        ogr("-f", "KML", kml, src)
        with open(kml, "rb") as f:
            body = f.read()
    r = env.post("/v1/import/hazards?hazard=tsunami&level=1", body=body, token=env.planner)
    assert r.status == 200, r
    assert r.json()["inserted"] == 2 and r.json()["encoding"] in ("KML", "LIBKML"), r.json()
    check_centres(env, "tsunami", 1)


# ------------------------------------------------------------------ devices, facilities

def test_a_separate_devices_list_in_japanese_replaces_the_childs_devices(env):
    env.reset()
    assert cli("import", "--kind", "children", "--geocoder", "none", path("register.xlsx"),
               db=env.db, env=EN).returncode == 0
    r = cli("import", "--kind", "devices", path("devices_register.csv"), db=env.db, env=EN)
    assert r.returncode == 0 and "devices-register" in r.stdout, (r.stdout, r.stderr)
    kids = {c["external_id"]: c for c in
            env.get("/v1/children?limit=100", token=env.viewer).json()["items"]}
    got = sorted((d["type"], d["power_w"], d["battery_h"], d["life_sustaining"], d.get("maker"),
                  d.get("model")) for d in kids["R-001"]["devices"])
    assert got == [("suction", 40, 1.5, False, "見本医療機器", "S-2"),
                   ("ventilator", 60, 8, True, "見本医療機器", "VX-1")], got
    assert [(d["type"], d["power_w"], d["battery_h"]) for d in kids["R-005"]["devices"]] == \
        [("infusion_pump", 15, 6)]
    # R-002's devices (from the register) are untouched
    assert [d["type"] for d in kids["R-002"]["devices"]] == ["oxygen_concentrator"]


FACILITIES = {
    # external_id: (name, kind, lat, lon, address, phone, medical_care, capacity, municipality)
    "172022-1": ("見本市立総合病院", "hospital", 37.0450, 136.9650, "石川県見本市本町１０",
                 "0767-00-4001", False, 350, "172022"),
    "172022-2": ("見本こどもクリニック", "clinic", 37.0460, 136.9660,
                 "石川県見本市中町１１ 見本ビル２階", "0767-00-4002", False, 0, "172022"),
    "172031-1": ("例示歯科医院", "clinic", 37.1050, 136.8050, "石川県例示町西１２",
                 "0767-00-4003", False, None, "172031"),
    "172022-1700000001": ("見本訪問看護ステーション", "visiting_nurse", 37.0470, 136.9670,
                          "石川県見本市北町２０", "0767-00-5001", True, None, "172022"),
    "172022-1700000002": ("見本ショートステイ", "short_stay", 37.0480, 136.9680,
                          "石川県見本市南町２１", "0767-00-5002", False, 20, "172022"),
    "172022-1700000003": ("見本デイサービスセンター", "other", 37.0490, 136.9690,
                          "石川県見本市東町２２", "0767-00-5003", False, 30, "172022"),
}


def test_digital_agency_medical_and_care_service_lists_as_facilities(env):
    env.reset()
    for name, layout, n in (("medical_institutions.csv", "digital-agency-medical", 3),
                            ("care_services.csv", "digital-agency-care", 3)):
        r = cli("import", "--kind", "facilities", path(name), db=env.db, env=EN)
        assert r.returncode == 0, r.stderr
        assert f"{n} rows ({layout}, utf-8" in r.stdout and f"{n} inserted" in r.stdout, r.stdout
    items = env.get("/v1/facilities?limit=100").json()["items"]
    got = {f["external_id"]: f for f in items}
    assert sorted(got) == sorted(FACILITIES), got.keys()
    for ext, (name, kind, lat, lon, addr, phone, care, cap, muni) in FACILITIES.items():
        f = got[ext]
        assert (f["name"], f["kind"], f["address"], f["phone"], f["medical_care"], f["capacity"],
                f["municipality"]) == (name, kind, addr, phone, care, cap, muni), f
        assert abs(f["lat"] - lat) < 1e-9 and abs(f["lon"] - lon) < 1e-9, f


def test_a_flat_register_with_numbered_device_columns(env):
    env.reset()
    r = cli("import", "--kind", "children", path("register_flat.csv"), db=env.db, env=EN)
    assert r.returncode == 0, r.stderr
    assert "3 rows (children-register, utf-8" in r.stdout and "4 devices" in r.stdout, r.stdout
    kids = {c["external_id"]: c for c in
            env.get("/v1/children?limit=100", token=env.viewer).json()["items"]}
    assert sorted(kids) == ["F-01", "F-02", "F-03"]      # 台帳番号, not the row number No.
    f1, f2, f3 = kids["F-01"], kids["F-02"], kids["F-03"]
    assert (f1["birth_date"], f2["birth_date"], f3["birth_date"]) == \
        ("2021-04-01", "2017-07-07", "2019-02-28")
    assert f1["care"] == ["tracheostomy", "suction"] and f2["care"] == ["oxygen"]
    assert (f1["mobility"], f2["mobility"], f3["mobility"]) == ("wheelchair", "walk", "stretcher")
    assert (f1["severe_disability"], f2["severe_disability"], f3["severe_disability"]) == \
        (True, False, True)
    assert (f1["guardian_name"], f1["guardian_phone"]) == ("架空 母", "090-0000-0101")
    assert abs(f1["lat"] - 37.0511) < 1e-9 and abs(f1["lon"] - 136.9611) < 1e-9
    dev = {c: sorted((d["type"], d["power_w"], d["battery_h"], d["life_sustaining"])
                     for d in kids[c]["devices"]) for c in kids}
    # 生命維持2 empty: the ventilator keeps a child alive; × says the humidifier does not
    assert dev["F-01"] == [("suction", 40, 1, False), ("ventilator", 55, 10, True)], dev
    assert dev["F-02"] == [("humidifier", 90, 0, False), ("oxygen_concentrator", 280, 0, True)]
    assert dev["F-03"] == []


def test_a_canonical_file_is_reported_in_japanese_naming_its_column(env):
    env.reset()
    src = os.path.join(DATA, "shelters_one_bad_row.csv")
    r = cli("import", "--kind", "shelters", "--geocoder", "none", src, db=env.db, env=JA)
    assert r.returncode == 1
    assert f"{src}:4: lat: 「95」は緯度の範囲（-90〜90）外です" in r.stderr, r.stderr
    assert "何も取り込んでいません" in r.stderr


def test_a_canonical_file_missing_a_column_is_told_in_japanese(env):
    f = os.path.join(os.environ.get("TMPDIR", "/tmp"), "files-no-name.csv")
    with open(f, "w", encoding="utf-8") as out:
        out.write("external_id,lat,lon\nS1,37,136\n")
    r = cli("import", "--kind", "shelters", f, db=env.db, env=JA)
    assert r.returncode == 1 and "必要な列がありません: name" in r.stderr, r.stderr
    assert "[missing_column]" in r.stderr
