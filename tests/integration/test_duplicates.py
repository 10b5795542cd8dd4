"""One child, many reports (名寄せ, issue 16.1): three departments report the
same four children under their own numbers, with the small differences real
lists have (spaces and katakana in kana, full-width digits in addresses, a
Shift_JIS register with Japanese headers and 和暦 birth dates);
one report differs enough that a person must decide."""
import os
import tempfile

HEAD = "external_id,name,name_kana,birth_date,address,lat,lon,care,source\n"

A = [  # 障害福祉課, the list's keeper
    ("A1", "山田 太郎", "やまだ たろう", "2018-05-01", "架空市東町1-2-3", "35.01", "139.01", "ventilator"),
    ("A2", "佐藤 花子", "さとう はなこ", "2020-04-01", "架空市西町4-5", "35.02", "139.02", "suction"),
    ("A3", "田中 一郎", "たなか いちろう", "2015-11-20", "架空市南町7-8", "35.03", "139.03", "oxygen"),
    ("A4", "鈴木 花音", "すずき かのん", "2021-02-14", "架空市北町9-10", "35.04", "139.04", "tube_feeding"),
]
B = [  # 保育課: katakana, half-width katakana, no spaces
    ("B-001", "山田太郎", "ヤマダ　タロウ", "2018-05-01", "架空市東町１－２－３", "", "", "ventilator;suction"),
    ("B-002", "佐藤花子", "ｻﾄｳ ﾊﾅｺ", "2020-04-01", "架空市西町４－５", "", "", "suction"),
    ("B-003", "田中一郎", "たなかいちろう", "2015-11-20", "", "", "", "oxygen"),
    ("B-004", "鈴木花音", "スズキ カノン", "2021-02-14", "", "", "", ""),
]
# 教育支援課 keeps its own register: Japanese headers and 和暦 birth dates; the
# fourth child's kana was mistyped, the address agrees.
C_REGISTER = """整理番号,氏名,フリガナ,生年月日,住所,担当課
E1,山田 太郎,ヤマダ・タロウ,平成30年5月1日,,教育支援課
E2,佐藤 花子,サトウ　ハナコ,R2.4.1,,教育支援課
E3,田中 一郎,タナカ イチロウ,H27/11/20,,教育支援課
E4,鈴木 花音,スズキ カノ,令和3年2月14日,架空市北町９－１０,教育支援課
"""
C = None


def write(rows, dept):
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(HEAD)
        for r in rows:
            f.write(",".join(r) + f",{dept}\n")
    return path


def imp(env, rows, dept):
    if rows is None:                    # the register as the department keeps it
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", encoding="cp932") as f:
            f.write(C_REGISTER)
    else:
        path = write(rows, dept)
    try:
        r = env.import_file("children", path, "--geocoder", "none")
        assert r.returncode == 0, r.stderr
        return r
    finally:
        os.unlink(path)


def sources_of(env, ext):
    return sorted(env.psql(f"SELECT jsonb_array_elements(sources)->>'department' FROM children "
                           f"WHERE external_id = '{ext}'"))


def test_three_departments_reporting_four_children_make_four_children(env):
    env.reset()
    env.psql("TRUNCATE child_reports, child_aliases")
    imp(env, A, "障害福祉課")
    b = imp(env, B, "保育課")
    c = imp(env, C, "教育支援課")
    # The import says what became of each row: nothing silently unchanged.
    assert "0 inserted" in b.stdout and "4 reports merged" in b.stdout, b.stdout
    assert "3 reports merged into children already registered, 1 waiting" in c.stdout, c.stdout
    assert env.psql("SELECT count(*) FROM children")[0][0] == "4"
    for ext in ("A1", "A2", "A3"):
        assert [s[0] for s in sources_of(env, ext)] == ["保育課", "教育支援課", "障害福祉課"], ext
    assert [s[0] for s in sources_of(env, "A4")] == ["保育課", "障害福祉課"]
    # The merged reports filled what the child lacked and kept what differed.
    care = env.psql("SELECT care FROM children WHERE external_id = 'A1'")[0][0]
    assert care == "{suction,ventilator}"
    # One report waits for a person.
    r = env.get("/v1/duplicates", token=env.viewer)
    assert r.status == 200, r
    q = r.json()
    assert q["total"] == 1
    item = q["items"][0]
    a4 = int(env.psql("SELECT id FROM children WHERE external_id = 'A4'")[0][0])
    assert item["external_id"] == "E4" and item["department"] == "教育支援課"
    assert item["match"] == "address_birth_date" and item["candidates"] == [a4]
    assert item["child"]["name_kana"] == "すずき かのん" and item["report"]["name_kana"] == "スズキ カノ"
    assert env.get("/v1/duplicates").status == 401
    assert env.post(f"/v1/duplicates/{item['id']}", {"action": "merge"}, token=env.viewer).status == 403
    assert env.post(f"/v1/duplicates/{item['id']}", {"action": "guess"}, token=env.planner).status == 400
    r = env.post(f"/v1/duplicates/{item['id']}", {"action": "merge"}, token=env.planner)
    assert r.status == 200, r
    assert r.json() == {"id": item["id"], "status": "merged", "child_id": a4}
    assert [s[0] for s in sources_of(env, "A4")] == ["保育課", "教育支援課", "障害福祉課"]
    again = env.post(f"/v1/duplicates/{item['id']}", {"action": "merge"}, token=env.planner)
    assert again.status == 409
    merged = env.get("/v1/duplicates?status=merged", token=env.viewer).json()
    e4 = next(i for i in merged["items"] if i["external_id"] == "E4")
    assert e4["conflicts"]["name_kana"] == {"kept": "すずき かのん", "reported": "スズキ カノ",
                                          "department": "教育支援課"}
    assert e4["decided_by"] == "key:test-planner"
    # Nothing is lost: the merges are in the history, and the queue read is audited.
    assert int(env.psql("SELECT count(*) FROM history WHERE table_name = 'children' AND op = 'update'")[0][0]) >= 4
    assert int(env.psql("SELECT count(*) FROM audit_log WHERE action = 'duplicates.read'")[0][0]) >= 1
    # The departments' numbers are now aliases: importing again changes no count.
    imp(env, B, "保育課")
    imp(env, C, "教育支援課")
    assert env.psql("SELECT count(*) FROM children")[0][0] == "4"
    assert env.get("/v1/duplicates", token=env.viewer).json()["total"] == 0


def test_a_report_kept_apart_becomes_a_child_of_its_own(env):
    env.reset()
    env.psql("TRUNCATE child_reports, child_aliases")
    imp(env, A[:1], "障害福祉課")
    # Twins: same birth date and address, another kana.
    imp(env, [("T-9", "山田 次郎", "やまだ じろう", "2018-05-01", "架空市東町1-2-3", "", "", "suction")], "健康課")
    assert env.psql("SELECT count(*) FROM children")[0][0] == "1"
    item = env.get("/v1/duplicates", token=env.viewer).json()["items"][0]
    r = env.post(f"/v1/duplicates/{item['id']}", {"action": "keep_apart"}, token=env.planner)
    assert r.status == 200, r
    rows = env.psql("SELECT external_id, name_kana, care FROM children ORDER BY id")
    assert rows == [["A1", "やまだ たろう", "{ventilator}"], ["T-9", "やまだ じろう", "{suction}"]]
    assert env.post("/v1/duplicates/999999", {"action": "merge"}, token=env.planner).status == 404
    # A child entered by hand through the API is not held back.
    body = {"external_id": "H1", "name": "山田 太郎", "name_kana": "やまだ たろう", "birth_date": "2018-05-01"}
    r = env.post("/v1/children", body, token=env.planner)
    assert r.status == 201, r
