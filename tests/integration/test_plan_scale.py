"""Issue 14 at prefecture scale (scripts/gen-demo --scale prefecture: 2,000
children, 3,000 shelters, 2,000 power points in 30 clusters): an outage over
the western half of the children, created through the API and re-planned in
the background.  Checked independently of the planner, in SQL over the stored
plans: nobody is sent into the dark (a place inside the outage is used only on
backup power that lasts the hours the child needs), and no destination is
overloaded (outlets, watts, persons) -- in the outage's run and in a run of the
whole prefecture without one.  test_plan_scale_nation.py runs the same checks
on the nation (20,000 children)."""
import datetime as dt
import os
import tempfile

from harness import demo_city
from peers import wait_for


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-scale-"), scale="prefecture", seed=14)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv"),
                       ("hazards", "hazards.geojson")):
        r = env.import_file(kind, os.path.join(d, name), "--geocoder", "none")
        assert r.returncode == 0, (kind, r.stderr)
    env.psql("ANALYZE")


def iso(hours_ago):
    t = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def west_half(env):
    """A box around the western half of the located children."""
    xs = sorted((float(x), float(y)) for x, y in env.psql(
        "SELECT ST_X(home), ST_Y(home) FROM children WHERE home IS NOT NULL"))
    half = xs[: len(xs) // 2]
    x0, x1 = half[0][0] - 0.001, half[-1][0] + 1e-6
    y0, y1 = min(y for _, y in half) - 0.001, max(y for _, y in half) + 0.001
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


# Every destination of a run with its place, whether the place lies inside
# the outage, and its hours of power there (rule 8, written here from DESIGN
# §6 and §4, not from the planner's SQL): NULL = unaffected or no stated
# limit; 0 = dark.
DESTS = """
WITH d AS (
    SELECT p.child_id, p.decision, p.need_w, p.runtime_h, p.dest_type, p.dest_id,
           CASE p.dest_type WHEN 'shelter' THEN s.geom ELSE q.geom END AS geom,
           CASE p.dest_type WHEN 'shelter' THEN s.outlets ELSE q.outlets END AS outlets,
           CASE p.dest_type WHEN 'shelter' THEN s.power_w ELSE q.output_w END AS watts,
           CASE p.dest_type WHEN 'shelter' THEN s.capacity END AS persons,
           CASE p.dest_type
               WHEN 'shelter' THEN CASE WHEN s.backup_power <> 'none' THEN s.backup_h ELSE 0 END
               ELSE CASE WHEN q.backup_power <> 'none' OR q.dispatchable
                              OR q.kind IN ('generator', 'ev', 'battery_station', 'power_vehicle')
                         THEN CASE WHEN q.backup_h > 0 THEN q.backup_h END ELSE 0 END
           END AS backup_h
    FROM plans p
    LEFT JOIN shelters s ON p.dest_type = 'shelter' AND s.id = p.dest_id
    LEFT JOIN power_points q ON p.dest_type = 'power_point' AND q.id = p.dest_id
    WHERE p.run_id = {run} AND p.dest_type IS NOT NULL)
SELECT d.*, {outage}::bigint IS NOT NULL AND EXISTS (
           SELECT 1 FROM outages o WHERE o.id = {outage}::bigint AND ST_Intersects(o.geom, d.geom)) AS inside
FROM d
"""


def destinations(env, run, outage="NULL"):
    rows = env.psql(DESTS.format(run=run, outage=outage))
    keys = ["child", "decision", "need_w", "runtime_h", "dest_type", "dest_id", "geom", "outlets",
            "watts", "persons", "backup_h", "inside"]
    return [dict(zip(keys, r)) for r in rows]


def assert_not_overloaded(dests):
    by = {}
    for d in dests:
        by.setdefault((d["dest_type"], d["dest_id"]), []).append(d)
    for key, kids in by.items():
        d = kids[0]
        assert len(kids) <= int(d["outlets"]), (key, len(kids), d["outlets"])
        need = sum(float(k["need_w"]) for k in kids)
        assert need <= float(d["watts"]) + 1e-6, (key, need, d["watts"])
        if d["persons"]:
            assert len(kids) <= int(d["persons"]), (key, len(kids), d["persons"])
    return len(by)


def into_the_dark(dests, hours):
    """The moves to a place inside the outage without backup power lasting
    from the outage's start for what the child's own batteries cannot carry."""
    bad = []
    for d in dests:
        if d["decision"] not in ("evacuate", "charge") or d["inside"] != "t":
            continue
        need_h = max(hours - float(d["runtime_h"]), 0.0)
        if d["backup_h"] == "0" or (d["backup_h"] != "" and float(d["backup_h"]) < need_h - 1e-9):
            bad.append(d)
    return bad


def outage_over_the_west_half(env, hours, inside_range, at_least):
    """Creates an outage over the western half of the located children
    through the API (started an hour ago, `hours` long), waits for its
    background re-plan and checks it independently: nobody into the dark, no
    destination overloaded, places on both sides used, everyone outside at
    home, the affected list from that run.  Returns (outage id, run id)."""
    ring = west_half(env)
    r = env.post("/v1/outages", {"type": "Feature",
                                 "geometry": {"type": "Polygon", "coordinates": [ring]},
                                 "properties": {"started_at": iso(1),
                                                "expected_restore_at": iso(1 - hours)}},
                 token=env.planner)
    assert r.status == 201, r
    oid = r.json()["id"]

    def stored():
        rp = env.get(f"/v1/outages/{oid}").json()["properties"]["replan"]
        return rp["plan_run_id"] if not rp["pending"] else None
    run = wait_for(stored, timeout=600)
    got = float(env.psql(f"SELECT scenario->'outage'->>'outage_hours' FROM plan_runs "
                         f"WHERE id = {run}")[0][0])
    assert abs(got - hours) < 0.01, got
    inside = int(env.psql(f"SELECT count(*) FROM children c JOIN outages o ON o.id = {oid} "
                          f"AND ST_Intersects(o.geom, c.home)")[0][0])
    assert inside_range[0] < inside < inside_range[1], inside
    dests = destinations(env, run, oid)
    moving = [d for d in dests if d["decision"] in ("evacuate", "charge")]
    assert len(moving) > at_least, len(moving)
    assert into_the_dark(dests, hours) == []
    assert assert_not_overloaded(dests) > at_least // 2
    # Places inside on backup power are used, and places outside.
    dark_side = [d for d in moving if d["inside"] == "t"]
    assert 0 < len(dark_side) < len(moving), (len(dark_side), len(moving))
    # Children outside the outage have power: they stay home.
    out = env.psql(f"SELECT count(*) FROM plans p JOIN children c ON c.id = p.child_id "
                   f"JOIN outages o ON o.id = {oid} WHERE p.run_id = {run} AND c.home IS NOT NULL "
                   f"AND NOT ST_Intersects(o.geom, c.home) AND p.decision <> 'stay_home'")
    assert out == [["0"]], out
    # The affected list shows each child's plan from that run.
    aff = env.get(f"/v1/outages/{oid}/affected", token=env.viewer).json()
    assert aff["plan_run_id"] == run and aff["total"] == inside
    return oid, run


def test_an_outage_over_half_the_prefecture_sends_nobody_into_the_dark(env):
    oid, _ = outage_over_the_west_half(env, 48, (500, 1500), 100)
    # The check has teeth: a plan made without the outage sends children
    # inside it to places that are dark in it.
    plain = env.post("/v1/plans/run", {"outage_hours": 48}, token=env.planner).json()["id"]
    assert len(into_the_dark(destinations(env, plain, oid), 48)) > 10
    env.delete(f"/v1/outages/{oid}", token=env.planner)


def test_the_whole_prefecture_overloads_no_destination(env):
    for hazard in ("none", "flood"):
        r = env.post("/v1/plans/run", {"hazard": hazard}, token=env.planner)
        assert r.status == 201, r
        run = r.json()["id"]
        dests = destinations(env, run)
        assert len(dests) > 500, len(dests)
        assert assert_not_overloaded(dests) > 100
        sv = r.json()["summary"]["solver"]
        # Claims only what is proven: a cover proven optimal leaves nothing
        # to bound.
        if sv["cover_proven_optimal"]:
            assert sv["more_children_at_most"] == 0 and sv["more_life_at_most"] == 0, sv
