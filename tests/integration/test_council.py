"""The council's questions (DESIGN 9, issue 16): the council report's counts
against an independent count, the public version against an attacker who
knows the rule, the definition, transitions, the .xlsx read back, and the
coverage analysis on a case where choosing each child's nearest place fails.
"""
import datetime
import io
import itertools
import json
import math
import random

CARE = ["ventilator", "tracheostomy", "suction", "oxygen", "tube_feeding", "iv", "dialysis", "other"]
AFFIL = ["home", "nursery", "kindergarten", "school", "special_school", "day_service", "other"]
LAT = 35.0
M_PER_DEG_LON = 111320 * math.cos(math.radians(LAT))


def setup(env):
    env.reset()


def sql_str(s):
    return "NULL" if s is None else "'" + str(s).replace("'", "''") + "'"


def insert_children(env, kids):
    """Writes children straight into the registry (fast, for many configurations)."""
    rows = []
    for i, k in enumerate(kids):
        care = "ARRAY[" + ",".join(sql_str(c) for c in k["care"]) + "]::text[]"
        sources = json.dumps([{"department": d, "date": "2026-04-01"} for d in k["sources"]])
        rows.append(f"({sql_str(k['ext'])}, {sql_str(k.get('name', 'テスト'))}, {sql_str(k['birth'])}, "
                    f"{sql_str(k['district'])}, {sql_str(k['affiliation'])}, {care}, "
                    f"{'true' if k['severe'] else 'false'}, {sql_str(sources)}::jsonb, "
                    f"{sql_str(k.get('mobility'))})")
    env.psql("INSERT INTO children (external_id, name, birth_date, district, affiliation, care, "
             "severe_disability, sources, mobility) VALUES " + ",".join(rows))


def random_kids(rng, n, districts=("東町", "西町", "南町")):
    """n invented children; districts as given (None: unknown)."""
    today = datetime.date(2026, 11, 30)
    kids = []
    for i in range(n):
        age_days = rng.randint(0, 20 * 365)
        kids.append({
            "ext": f"K{i}",
            "birth": (today - datetime.timedelta(days=age_days)).isoformat(),
            "district": rng.choice(districts + (None,)),
            "affiliation": rng.choice(AFFIL + [None]),
            "care": rng.sample(CARE, rng.randint(0, 3)),
            "severe": rng.random() < 0.3,
            "sources": rng.sample(["障害福祉課", "健康課", "保育課", "教育支援課"], rng.randint(1, 2)),
            "mobility": rng.choice(["walk", "wheelchair", "stretcher", None]),
        })
    return kids


def age_on(birth, at):
    b = datetime.date.fromisoformat(birth)
    return at.year - b.year - ((at.month, at.day) < (b.month, b.day))


def band(age):
    for hi, name in ((2, "0-2"), (5, "3-5"), (11, "6-11"), (14, "12-14"), (17, "15-17")):
        if age <= hi:
            return name
    return "18+"


def section(rep, sid):
    return {c["key"]: c for c in next(s for s in rep["sections"] if s["id"] == sid)["cells"]}


AT = "2026-11-30"


def test_council_report_counts_equal_an_independent_count(env):
    env.reset()
    rng = random.Random(16)
    kids = random_kids(rng, 140)
    insert_children(env, kids)
    r = env.get(f"/v1/reports/council?at={AT}", token=env.viewer)
    assert r.status == 200, r
    rep = r.json()
    counted = [k for k in kids if k["care"]]            # default definition: any care item
    at = datetime.date.fromisoformat(AT)
    assert rep["total"] == len(counted)
    assert rep["registered"] == len(kids)
    assert rep["outside_definition"] == len(kids) - len(counted)
    ages = section(rep, "age_band")
    for name in ("0-2", "3-5", "6-11", "12-14", "15-17", "18+"):
        want = sum(1 for k in counted if band(age_on(k["birth"], at)) == name)
        assert (ages[name]["count"] if name in ages else 0) == want, name
    care = section(rep, "care")
    for c in CARE:
        assert care[c]["count"] == sum(1 for k in counted if c in k["care"]), c
    dist = section(rep, "district")
    for d in ("東町", "西町", "南町"):
        assert dist.get(d, {"count": 0})["count"] == sum(1 for k in counted if k["district"] == d)
    assert dist.get("unknown", {"count": 0})["count"] == sum(1 for k in counted if k["district"] is None)
    # 町 level: "東町" has no 丁目 to take off, so the areas are the districts.
    assert {k: c["count"] for k, c in section(rep, "area").items()} == {k: c["count"] for k, c in dist.items()}
    aff = section(rep, "affiliation")
    for a in AFFIL:
        assert aff.get(a, {"count": 0})["count"] == sum(1 for k in counted if k["affiliation"] == a)
    dep = section(rep, "department")
    for d in ("障害福祉課", "健康課", "保育課", "教育支援課"):
        assert dep.get(d, {"count": 0})["count"] == sum(1 for k in counted if d in k["sources"])
    sev = section(rep, "severe_disability")
    assert sev["yes"]["count"] == sum(1 for k in counted if k["severe"])
    assert section(rep, "decision")["no_plan"]["count"] == len(counted)    # no run yet
    assert rep["definition"]["care"] == CARE


def test_the_definition_decides_who_counts_and_is_named_in_the_report(env):
    env.reset()
    rng = random.Random(3)
    kids = random_kids(rng, 60)
    insert_children(env, kids)
    body = {"care": ["ventilator"], "severe_disability_counts": True, "label": "人工呼吸器または重症心身障害"}
    assert env.put("/v1/settings/definition", body, token=env.planner).status == 403
    r = env.put("/v1/settings/definition", body, token=env.admin)
    assert r.status == 200, r
    try:
        rep = env.get(f"/v1/reports/council?at={AT}", token=env.viewer).json()
        want = sum(1 for k in kids if "ventilator" in k["care"] or k["severe"])
        assert rep["total"] == want
        assert rep["definition"]["label"] == "人工呼吸器または重症心身障害"
        # The change is in the history, naming who made it.
        rows = env.psql("SELECT actor FROM history WHERE table_name = 'settings' AND op = 'update'")
        assert rows and rows[-1][0] == "key:test-admin"
        bad = env.put("/v1/settings/definition", {"care": ["wings"], "severe_disability_counts": False,
                                                  "label": "x"}, token=env.admin)
        assert bad.status == 400 and "care" in bad.json()["error"]["message"]
    finally:
        env.put("/v1/settings/definition", {"care": CARE, "severe_disability_counts": False,
                                            "label": "医療的ケアを日常的に必要とする児（全ケア項目）"},
                token=env.admin)


def cohort(birth):
    b = datetime.date.fromisoformat(birth)
    return b.year - (1 if (b.month, b.day) < (4, 2) else 0)


def expected_transitions(kids, at):
    end = at.replace(year=at.year + 1)
    out = set()
    for k in kids:
        y = cohort(k["birth"])
        events = []
        if (k["affiliation"] or "home") in ("home", "day_service", "other"):
            events += [("preschool", datetime.date(y + n, 4, 1)) for n in (4, 5, 6)]
        events += [("school", datetime.date(y + 7, 4, 1)), ("junior_high", datetime.date(y + 13, 4, 1)),
                   ("high_school", datetime.date(y + 16, 4, 1)), ("graduation", datetime.date(y + 19, 3, 31))]
        for ev, d in events:
            if at < d <= end:
                out.add((k["ext"], ev))
    return out


def test_transitions_within_twelve_months_follow_the_school_year(env):
    env.reset()
    kids = [
        # born on April 1: the year before's cohort, so school began in April 2026
        {"ext": "T1", "birth": "2020-04-01", "district": None, "affiliation": "kindergarten",
         "care": ["suction"], "severe": False, "sources": ["保育課"]},
        # born on April 2: school one year later, April 2027, inside the window
        {"ext": "T2", "birth": "2020-04-02", "district": None, "affiliation": "nursery",
         "care": ["suction"], "severe": False, "sources": ["保育課"]},
        # at home, turns 3 in the 2027 school year: 就園
        {"ext": "T3", "birth": "2023-06-10", "district": None, "affiliation": "home",
         "care": ["oxygen"], "severe": False, "sources": ["健康課"]},
        # 18 in March 2027: graduation
        {"ext": "T4", "birth": "2008-08-08", "district": None, "affiliation": "special_school",
         "care": ["ventilator"], "severe": True, "sources": ["教育支援課"]},
    ]
    rng = random.Random(7)
    kids += random_kids(rng, 80)
    for i, k in enumerate(kids[4:]):
        k["ext"] = f"R{i}"
    insert_children(env, kids)
    r = env.get(f"/v1/reports/transitions?at={AT}", token=env.viewer)
    assert r.status == 200, r
    got = {(i["external_id"], i["event"]) for i in r.json()["items"]}
    want = expected_transitions(kids, datetime.date.fromisoformat(AT))
    assert got == want
    assert ("T1", "school") not in got and ("T2", "school") in got
    assert ("T3", "preschool") in got and ("T4", "graduation") in got
    assert r.json()["total"] == len(want)
    # The list names children: viewers only, and the read is audited.
    assert env.get("/v1/reports/transitions").status == 401
    rows = env.psql("SELECT count(*) FROM audit_log WHERE action = 'report.transitions'")
    assert int(rows[0][0]) >= 1


# ---------------------------------------------------------------- public

def pinned_groups(total, cells):
    """Every group of unpublished cells whose sum the observer can pin, by
    brute force over what each cell may be (suppressed 1..10, hidden 0..total)."""
    unknown = [i for i, c in enumerate(cells) if c["count"] is None]
    known = sum(c["count"] for c in cells if c["count"] is not None)
    ranges = [range(1, 11) if cells[i].get("suppressed") else range(0, total + 1) for i in unknown]
    sums = {}
    if len(unknown) > 5:
        return []       # too many to enumerate; the unit test covers the rule itself
    for combo in itertools.product(*ranges):
        if known + sum(combo) != total:
            continue
        for m in range(1, 1 << len(unknown)):
            s = sum(v for j, v in enumerate(combo) if m >> j & 1)
            sums.setdefault(m, set()).add(s)
    return [(m, s) for m, s in sums.items() if len(s) == 1 and 1 <= next(iter(s)) <= 10]


def check_public(rep):
    """Raises when the public report shows or lets one derive a count of 1-10."""
    total = rep["total"]
    assert total is None or total == 0 or total > 10, total
    for sec in rep["sections"]:
        for c in sec["cells"]:
            assert c["count"] is None or c["count"] == 0 or c["count"] > 10, (sec["id"], c)
        if total is None:
            assert all(c["count"] is None for c in sec["cells"]), sec["id"]
            continue
        if sec["kind"] == "subset":
            for c in sec["cells"]:
                if c["count"] is not None:
                    rest = total - c["count"]
                    assert rest == 0 or rest > 10, (sec["id"], c)
            continue
        parent = total
        if sec["id"] == "unassigned_reason":
            dec = {c["key"]: c for c in next(s for s in rep["sections"] if s["id"] == "decision")["cells"]}
            parent = dec.get("unassigned", {}).get("count")
            if parent is None:
                assert all(c["count"] is None for c in sec["cells"])
                continue
        if not sec["cells"]:
            continue
        assert not pinned_groups(parent, sec["cells"]), (sec["id"], sec["cells"])
    assert "registered" not in rep and "outside_definition" not in rep


def test_the_public_report_never_shows_or_lets_one_derive_one_to_ten(env):
    rng = random.Random(1110)
    published_any = 0
    for trial in range(30):
        env.reset()
        n = rng.choice([3, 8, 12, 15, 20, 25, 30, 45])
        insert_children(env, random_kids(rng, n, districts=("東町", "西町")))
        since = "&since=2000-01-01T00:00:00Z" if trial % 3 == 0 else ""
        r = env.get(f"/v1/reports/council?at={AT}&public=true{since}")
        assert r.status == 200, r
        rep = r.json()
        assert rep["public"] is True
        check_public(rep)
        published_any += sum(1 for s in rep["sections"] for c in s["cells"] if c["count"])
        # The same figures as HTML: no number of 1-10 next to a label.
        html = env.get(f"/v1/reports/council?at={AT}&public=true&f=html").text
        assert "公開版" in html
    assert published_any > 50           # the rule does not simply hide everything
    # Without a token only the public version: the exact one is refused.
    assert env.get("/v1/reports/council").status == 401
    assert env.get("/v1/reports/council?public=maybe").status == 400


def xlsx_rows(data, sheet_name):
    """The rows of a sheet of an .xlsx file, read with the standard library
    (the file is a zip of SpreadsheetML parts)."""
    import re
    import zipfile
    import xml.etree.ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    names = [s.get("name") for s in wb.find("m:sheets", ns)]
    if sheet_name not in names:
        raise KeyError(sheet_name)
    sheet = ET.fromstring(z.read(f"xl/worksheets/sheet{names.index(sheet_name) + 1}.xml"))
    rows = []
    for row in sheet.iter("{%s}row" % ns["m"]):
        cells = {}
        for c in row.findall("m:c", ns):
            col = ord(re.match(r"[A-Z]", c.get("r")).group()) - ord("A")
            v = c.find("m:v", ns)
            if v is None:
                continue
            cells[col] = shared[int(v.text)] if c.get("t") == "s" else float(v.text)
        rows.append(tuple(cells.get(i) for i in range(max(cells) + 1)) if cells else ())
    return names, rows


def test_a_small_group_is_merged_with_its_neighbour_rather_than_hidden(env):
    """Ages: 30 children of 6-11, 30 of 12-14, 30 of 15-17 and 4 of 18+.  The
    lone small cell would reveal itself (total minus the rest), so the public
    version merges 18+ with its neighbour 15-17 and shows 34 for both."""
    env.reset()
    at = datetime.date.fromisoformat(AT)
    kids = []
    for n, years in ((30, 8), (30, 13), (30, 16), (4, 19)):
        for i in range(n):
            kids.append({"ext": f"M{years}-{i}", "birth": f"{at.year - years}-01-01", "district": None,
                         "affiliation": None, "care": ["suction"], "severe": False, "sources": ["健康課"]})
    insert_children(env, kids)
    rep = env.get(f"/v1/reports/council?at={AT}&public=true").json()
    ages = section(rep, "age_band")
    assert ages["6-11"]["count"] == 30 and ages["12-14"]["count"] == 30
    assert ages["15-17+18+"]["count"] == 34 and ages["15-17+18+"]["label"] == "15〜17歳・18歳以上"
    assert "18+" not in ages
    check_public(rep)
    # The internal version keeps every band.
    internal = section(env.get(f"/v1/reports/council?at={AT}", token=env.viewer).json(), "age_band")
    assert internal["18+"]["count"] == 4


def test_the_report_prints_in_japanese_with_charts_and_opens_as_xlsx(env):
    env.reset()
    rng = random.Random(99)
    insert_children(env, random_kids(rng, 90))
    rep = env.get(f"/v1/reports/council?at={AT}", token=env.viewer).json()
    r = env.get(f"/v1/reports/council?at={AT}&f=html", token=env.viewer)
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert "令和8年11月30日" in html and "年齢別" in html and "<svg" in html and "<rect" in html
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    r = env.get(f"/v1/reports/council?at={AT}&f=xlsx", token=env.viewer)
    assert r.status == 200 and r.body[:2] == b"PK"
    names, rows = xlsx_rows(r.body, "集計")
    values = {}
    current = None
    titles = {s["title"]: s for s in rep["sections"]}
    for row in rows:
        if not row:
            continue
        label, n = row[0], row[1] if len(row) > 1 else None
        if label in titles and n is None:
            current = titles[label]
            continue
        if current and label is not None:
            values[(current["id"], label)] = n
    assert values, "no sections in the workbook"
    for s in rep["sections"]:
        for c in s["cells"]:
            assert values[(s["id"], c["label"])] == c["count"], (s["id"], c)
    assert "資源" in names


# -------------------------------------------------------------- coverage

def lon_at(km, lat=LAT):
    return 139.0 + km * 1000 / M_PER_DEG_LON


def lat_at(km):
    return LAT + km * 1000 / 111320


def child(env, ext, x_km, y_km, battery_h, power_w=50):
    body = {"external_id": ext, "name": ext, "lat": round(lat_at(y_km), 7), "lon": round(lon_at(x_km), 7),
            "mobility": "wheelchair", "care": ["ventilator"],
            "devices": [{"type": "ventilator", "power_w": power_w, "battery_h": battery_h,
                         "life_sustaining": True}]}
    r = env.post("/v1/children", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def facility(env, ext, x_km, y_km):
    body = {"external_id": ext, "name": ext, "kind": "day_service", "lat": round(lat_at(y_km), 7),
            "lon": round(lon_at(x_km), 7), "medical_care": True}
    r = env.post("/v1/facilities", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def test_coverage_beats_choosing_each_childs_nearest_place(env):
    """Five children on a 6 km circle, each with a facility 0.5 km further
    out (its nearest), and one facility in the middle.  Batteries of 1.5 h
    reach (1.5 - 1) * 20 / 1.4 = 7.14 km: the middle reaches all five, each
    outer one only its own child."""
    env.reset()
    outer = []
    for i in range(5):
        a = 2 * math.pi * i / 5
        child(env, f"C{i}", 6 * math.cos(a), 6 * math.sin(a), 1.5)
        outer.append(facility(env, f"F{i}", 6.5 * math.cos(a), 6.5 * math.sin(a)))
    middle = facility(env, "MID", 0, 0)
    assert env.get("/v1/analysis/coverage?add=1", token=env.viewer).status == 409   # no run yet
    r = env.post("/v1/plans/run", {}, token=env.planner)
    assert r.status in (200, 201), r
    r = env.get("/v1/analysis/coverage?add=1&kind=facilities", token=env.viewer)
    assert r.status == 200, r
    got = r.json()
    assert got["left_out"] == 5
    # What choosing the nearest place of the most children would do: any of
    # the outer places, each covering one child.
    nearest = {}
    for i in range(5):
        nearest[outer[i]] = nearest.get(outer[i], 0) + 1
    greedy_nearest_covers = max(nearest.values())
    assert greedy_nearest_covers == 1
    assert got["places"][0]["id"] == middle and got["places"][0]["children"] == 5
    assert got["covered"] == 5 > greedy_nearest_covers
    assert got["proven_optimal"] is True and got["at_most_children"] == 5
    # Two places: the middle first, and nothing left for the second.
    two = env.get("/v1/analysis/coverage?add=2&kind=facilities", token=env.viewer).json()
    assert two["covered"] == 5
    # A candidate point in the request can win as well.
    pts = env.get("/v1/analysis/coverage?add=1&kind=none&candidates="
                  f"{lon_at(0):.7f},{lat_at(0):.7f};{lon_at(30):.7f},{lat_at(0):.7f}",
                  token=env.viewer).json()
    assert pts["places"][0]["type"] == "candidate" and pts["places"][0]["id"] == 0
    # Public: counts only, and 1-10 never shown.
    pub = env.get("/v1/analysis/coverage?add=1&kind=facilities&public=true").json()
    assert pub["left_out"] is None and pub["left_out_suppressed"] is True
    assert pub["places"][0]["children"] is None
    assert env.get("/v1/analysis/coverage?add=1").status == 401
    assert env.get("/v1/analysis/coverage?add=0", token=env.viewer).status == 400
    assert env.get("/v1/analysis/coverage?candidates=999,1", token=env.viewer).status == 400


def test_lending_power_stations_lets_children_stay_home_longer(env):
    """Three children whose batteries last 10 h at 100 W: for 72 h each needs
    (72 - 10) * 100 / 1000 = 6.2 -> 7 stations of 1000 Wh; for 7 days 16."""
    env.reset()
    for i in range(3):
        child(env, f"S{i}", 1 + i, 0, 10, power_w=100)
    assert env.post("/v1/plans/run", {}, token=env.planner).status in (200, 201)
    r = env.get("/v1/analysis/coverage?add=1&stations=14&station_wh=1000", token=env.viewer)
    assert r.status == 200, r
    st = {s["hours"]: s for s in r.json()["stations"]}
    assert st[72]["short_now"] == 3 and st[72]["could_stay_home"] == 2 and st[72]["stations_used"] == 14
    assert st[168]["could_stay_home"] == 0
    # A station too weak for the device helps nobody.
    weak = env.get("/v1/analysis/coverage?add=1&stations=100&station_w=50", token=env.viewer).json()
    assert {s["hours"]: s for s in weak["stations"]}[72]["could_stay_home"] == 0


def test_districts_roll_up_to_their_town_for_the_council(env):
    env.reset()
    kids = []
    for i, d in enumerate(["旭町1丁目"] * 6 + ["旭町２丁目"] * 7 + ["本町3丁目"] * 12 + [None] * 11):
        kids.append({"ext": f"D{i}", "birth": "2015-06-01", "district": d, "affiliation": None,
                     "care": ["oxygen"], "severe": False, "sources": ["健康課"]})
    insert_children(env, kids)
    rep = env.get(f"/v1/reports/council?at={AT}", token=env.viewer).json()
    area = {k: c["count"] for k, c in section(rep, "area").items()}
    assert area == {"旭町": 13, "本町": 12, "unknown": 11}
    pub = env.get(f"/v1/reports/council?at={AT}&public=true").json()
    assert {k: c["count"] for k, c in section(pub, "area").items()} == area
    check_public(pub)


def test_unassigned_children_are_counted_by_reason_in_japanese(env):
    """The reasons of the unassigned are counted by their code, whatever
    figures the planner's sentence carries, and labelled in Japanese."""
    env.reset()
    for i in range(3):
        child(env, f"N{i}", 2 * i, 0, 1.5)          # no place with power anywhere
    r = env.post("/v1/children", {"external_id": "U1", "name": "U1", "care": ["ventilator"],
                                  "devices": [{"type": "ventilator", "power_w": 50,
                                               "battery_h": 2, "life_sustaining": True}]},
                 token=env.planner)
    assert r.status == 201, r                       # no home location
    assert env.post("/v1/plans/run", {}, token=env.planner).status in (200, 201)
    rep = env.get(f"/v1/reports/council?at={AT}", token=env.viewer).json()
    assert section(rep, "decision")["unassigned"]["count"] == 4
    cells = section(rep, "unassigned_reason")
    assert {k: c["count"] for k, c in cells.items()} == {"no_destination": 3,
                                                          "no_home_location": 1}, cells
    assert cells["no_destination"]["label"] == "行ける範囲に電源のある行き先がない"
    assert cells["no_home_location"]["label"] == "自宅の位置が不明"
