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
