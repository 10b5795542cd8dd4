"""The 名簿's server side (issue 17): GET /v1/children with filters, sort,
paging and the total count, checked against the records themselves (every
filter recomputed here in Python from the full list); the search as staff
type it (katakana, hiragana, half-width, spaces); refusals of a wrong
parameter in Japanese with the parameter named, nothing audited; every
listed or exported child audited; the CSV and .xlsx export of the same
filtered list, formula-safe."""
import datetime
import io
import os
import re
import tempfile
import unicodedata
import urllib.parse
import zipfile

from harness import demo_city

S = {}
JST = datetime.timezone(datetime.timedelta(hours=9))


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-roster-"), seed=7)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name), "--geocoder", "none")
        assert r.returncode == 0, (kind, r.stderr)
    for body in ({"external_id": "ROSTER-KANA", "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
                  "birth_date": "2020-04-01", "district": "府中町２丁目"},
                 {"external_id": "ROSTER-FORMULA", "name": "=HYPERLINK(\"http://x\")",
                  "name_kana": "+けいさん", "guardian_phone": "-1+1", "address": "@SUM(A1)"}):
        r = env.post("/v1/children", body, token=env.planner)
        assert r.status == 201, r
    r = env.post("/v1/plans/run", {"outage_hours": 24}, token=env.planner)
    assert r.status in (200, 201, 202), r
    S["all"] = everything(env)


def everything(env):
    r = env.get("/v1/children?limit=10000", token=env.viewer)
    assert r.status == 200, r
    doc = r.json()
    assert doc["total"] == doc["registered"] == len(doc["items"])
    return doc["items"]


def norm(s):
    """What the server compares: NFKC, no spaces or middle dots, katakana as hiragana."""
    s = re.sub(r"[\s　・･]", "", unicodedata.normalize("NFKC", s or ""))
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in s)


def age(c):
    if not c["birth_date"]:
        return None
    b = datetime.date.fromisoformat(c["birth_date"])
    t = datetime.datetime.now(JST).date()
    return t.year - b.year - ((t.month, t.day) < (b.month, b.day))


def listed(env, query, token=None):
    r = env.get("/v1/children?" + query, token=token or env.viewer)
    assert r.status == 200, (query, r.status, r.text)
    return r.json()


# Each filter with the records it must keep, worked out here.
def deps(c):
    return [c.get("source") or ""] + [s.get("department") or "" for s in c["sources"]]


FILTERS = [
    ("care=ventilator", lambda c: "ventilator" in c["care"]),
    ("care=oxygen,suction", lambda c: bool({"oxygen", "suction"} & set(c["care"]))),
    ("age=0-2", lambda c: age(c) is not None and age(c) <= 2),
    ("age=6-11", lambda c: age(c) is not None and 6 <= age(c) <= 11),
    ("age=18-", lambda c: age(c) is not None and age(c) >= 18),
    ("affiliation=school,special_school", lambda c: c["affiliation"] in ("school", "special_school")),
    ("affiliation=unknown", lambda c: c["affiliation"] is None),
    ("decision=evacuate", lambda c: c["plan"]["decision"] == "evacuate"),
    ("decision=none", lambda c: c["plan"]["decision"] is None),
    ("plan_status=draft", lambda c: c["plan"]["status"] == "draft"),
    ("review_due=true", lambda c: c["plan"]["review_due"]),
    ("review_due=false", lambda c: not c["plan"]["review_due"]),
    ("care=ventilator&age=3-5&decision=stay_home,evacuate",
     lambda c: "ventilator" in c["care"] and age(c) is not None and 3 <= age(c) <= 5
     and c["plan"]["decision"] in ("stay_home", "evacuate")),
]


def test_every_filter_keeps_exactly_the_children_it_names(env):
    alive = 0
    for query, keep in FILTERS:
        want = [c["id"] for c in S["all"] if keep(c)]
        doc = listed(env, query + "&limit=10000")
        assert [c["id"] for c in doc["items"]] == want, query
        assert doc["total"] == len(want) and doc["registered"] == len(S["all"]), query
        alive += 0 < len(want) < len(S["all"])
    assert alive >= 8          # most filters actually split the demo city
    # Words: the district and the department as staff type them.
    c = next(c for c in S["all"] if c["district"] and len(c["sources"]) > 1)
    for query, keep in (("district=" + c["district"], lambda x: norm(c["district"]) in norm(x["district"])),
                        ("department=" + c["sources"][1]["department"],
                         lambda x: any(norm(c["sources"][1]["department"]) in norm(d) for d in deps(x)))):
        want = [x["id"] for x in S["all"] if keep(x)]
        doc = listed(env, urllib.parse.quote(query, safe="=&") + "&limit=10000")
        assert [x["id"] for x in doc["items"]] == want and c["id"] in want, query


def test_the_search_finds_a_name_as_staff_type_it(env):
    kid = next(c for c in S["all"] if c["external_id"] == "ROSTER-KANA")["id"]
    for q in ("やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "やまだたろう", "ヤマダ　タロウ", " 山田太郎 ", "山田", "roster-kana",
              "ＲＯＳＴＥＲ－ＫＡＮＡ"):
        doc = listed(env, "q=" + urllib.parse.quote(q))
        assert kid in [c["id"] for c in doc["items"]], q
        want = [c["id"] for c in S["all"] if norm(q) in norm(c["name_kana"]) or norm(q) in norm(c["name"])
                or norm(q).lower() in norm(c["external_id"]).lower()]
        assert [c["id"] for c in doc["items"]] == want and doc["total"] == len(want), q
    assert listed(env, "q=" + urllib.parse.quote("存在しない名前"))["total"] == 0
    # District words are compared alike: full-width digits find half-width ones.
    assert kid in [c["id"] for c in listed(env, "district=" + urllib.parse.quote("府中町2"))["items"]]


def test_sorting_and_paging_cover_every_child_once(env):
    for key, value in (("age", lambda c: (age(c) is None, age(c) or 0)),
                       ("external_id", lambda c: c["external_id"])):
        seen = []
        for offset in range(0, len(S["all"]) + 40, 40):
            doc = listed(env, f"sort={key}&limit=40&offset={offset}")
            assert doc["total"] == len(S["all"])
            seen += doc["items"]
        assert sorted(c["id"] for c in seen) == sorted(c["id"] for c in S["all"])   # none lost, none twice
        if key == "age":
            ages = [value(c) for c in seen]
            assert ages == sorted(ages)
    down = listed(env, "sort=-runtime_h&limit=10000")["items"]
    hours = [c["runtime_h"] for c in down]
    known = [h for h in hours if h is not None]
    assert hours[:len(known)] == sorted(known, reverse=True)     # unknown (no devices) last
    assert 0 < len(known) < len(hours)


def test_a_wrong_parameter_is_refused_in_japanese_and_nothing_is_read(env):
    before = env.psql("SELECT count(*) FROM audit_log")[0][0]
    for query, param in (("age=5-2", "age"), ("age=abc", "age"), ("care=ventilator,robot", "care"),
                         ("affiliation=moon", "affiliation"), ("decision=maybe", "decision"),
                         ("plan_status=lost", "plan_status"), ("review_due=yes", "review_due"),
                         ("sort=password", "sort"), ("limit=10001", "limit"), ("offset=-1", "offset"),
                         ("q=" + urllib.parse.quote("あ" * 80), "q"), ("q=%FF%FE", "q"), ("f=pdf", "f")):
        r = env.get("/v1/children?" + query, token=env.viewer)
        assert r.status == 400, (query, r.status)
        err = r.json()["error"]
        assert err["code"] == "bad_request" and err["param"] == param, (query, err)
        assert re.search(r"[ぁ-んァ-ン一-龥]", err["message"]), err
    assert env.get("/v1/children?colour=red", token=env.viewer).status == 400
    assert env.psql("SELECT count(*) FROM audit_log")[0][0] == before


def test_every_listed_child_is_audited_in_the_order_shown(env):
    doc = listed(env, "care=ventilator&sort=-age&limit=7")
    ids = [c["id"] for c in doc["items"]]
    row = env.psql("SELECT action, child_ids FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert row == ["children.list", "{" + ",".join(map(str, ids)) + "}"]
    assert env.get("/v1/children?care=ventilator").status == 401
    assert env.get("/v1/children?f=csv").status == 401
    assert env.get("/v1/children?f=xlsx&q=x").status == 401


def test_the_export_writes_the_same_filtered_list_formula_safe(env):
    query = "care=ventilator&sort=external_id"
    want = [c["external_id"] for c in sorted((c for c in S["all"] if "ventilator" in c["care"]),
                                              key=lambda c: c["external_id"])]
    r = env.get(f"/v1/children?{query}&f=csv", token=env.viewer)
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.body.startswith(b"\xef\xbb\xbf")
    lines = r.body.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("台帳番号,氏名,ふりがな,生年月日,年齢") and lines[-1] == ""
    assert [ln.split(",")[0] for ln in lines[1:-1]] == want
    row = env.psql("SELECT action, cardinality(child_ids) FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert row == ["children.export", str(len(want))]
    # The formula-like cells: name, kana, phone, address.
    r = env.get("/v1/children?q=ROSTER-FORMULA&f=csv", token=env.viewer)
    line = r.body.decode("utf-8-sig").split("\r\n")[1]
    assert line.startswith('ROSTER-FORMULA,"\'=HYPERLINK(""http://x"")",\'+けいさん,'), line
    assert ",'@SUM(A1)," in line and ",'-1+1," in line, line
    for cell in line.split(","):
        assert not cell.lstrip('"')[:1] in ("=", "+", "-", "@"), cell
    # Excel: the same rows, numbers as numbers, the formula-like text defused.
    r = env.get(f"/v1/children?{query}&f=xlsx", token=env.viewer)
    assert r.status == 200 and "spreadsheetml" in r.headers["Content-Type"]
    sheet, strings = xlsx(r.body)
    assert len(re.findall(r"<row ", sheet)) == len(want) + 1
    assert "台帳番号" in strings and want[0] in strings
    assert "<f>" not in sheet                                # no formula anywhere
    r = env.get("/v1/children?q=ROSTER-FORMULA&f=xlsx", token=env.viewer)
    sheet, strings = xlsx(r.body)
    assert "'=HYPERLINK(\"http://x\")" in strings and "'@SUM(A1)" in strings and "<f>" not in sheet
    assert not [s for s in strings if s[:1] in ("=", "+", "-", "@")], strings


def xlsx(body):
    """The first sheet's XML and the workbook's shared strings."""
    z = zipfile.ZipFile(io.BytesIO(body))
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    shared = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
    strings = [unescape(s) for s in re.findall(r"<t[^>]*>([^<]*)</t>", shared)]
    return sheet, strings


def unescape(s):
    return s.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
