"""Issue 14 on the nation-scale data (scripts/gen-demo --scale nation: 20,000
children, 80,000 shelters, 50,000 power points): the independent checks of
test_plan_scale.py -- nobody sent into the dark, no destination overloaded,
children outside the outage at home -- on an outage over the western half of
the nation's children, created through the API and re-planned in the
background, and on a run of the whole nation.  About a minute on a quiet
machine (the import is most of it)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import demo_city  # noqa: E402
from peers import wait_for  # noqa: E402
from test_plan_scale import (assert_not_overloaded, destinations, into_the_dark,  # noqa: E402
                             iso, west_half)


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-nation-"), scale="nation", seed=14)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name), "--geocoder", "none")
        assert r.returncode == 0, (kind, r.stderr)
    env.psql("ANALYZE")


def test_an_outage_over_half_the_nation_sends_nobody_into_the_dark(env):
    ring = west_half(env)
    r = env.post("/v1/outages", {"type": "Feature",
                                 "geometry": {"type": "Polygon", "coordinates": [ring]},
                                 "properties": {"started_at": iso(2),
                                                "expected_restore_at": iso(-70)}},
                 token=env.planner)
    assert r.status == 201, r
    oid = r.json()["id"]

    def stored():
        rp = env.get(f"/v1/outages/{oid}").json()["properties"]["replan"]
        return rp["plan_run_id"] if not rp["pending"] else None
    run = wait_for(stored, timeout=600)
    hours = float(env.psql(f"SELECT scenario->'outage'->>'outage_hours' FROM plan_runs "
                           f"WHERE id = {run}")[0][0])
    assert abs(hours - 72) < 0.01
    inside = int(env.psql(f"SELECT count(*) FROM children c JOIN outages o ON o.id = {oid} "
                          f"AND ST_Intersects(o.geom, c.home)")[0][0])
    assert 5000 < inside < 15000, inside
    dests = destinations(env, run, oid)
    moving = [d for d in dests if d["decision"] in ("evacuate", "charge")]
    assert len(moving) > 1000, len(moving)
    assert into_the_dark(dests, hours) == []
    assert assert_not_overloaded(dests) > 500
    dark_side = [d for d in moving if d["inside"] == "t"]
    assert 0 < len(dark_side) < len(moving), (len(dark_side), len(moving))
    out = env.psql(f"SELECT count(*) FROM plans p JOIN children c ON c.id = p.child_id "
                   f"JOIN outages o ON o.id = {oid} WHERE p.run_id = {run} AND c.home IS NOT NULL "
                   f"AND NOT ST_Intersects(o.geom, c.home) AND p.decision <> 'stay_home'")
    assert out == [["0"]], out
    aff = env.get(f"/v1/outages/{oid}/affected", token=env.viewer).json()
    assert aff["plan_run_id"] == run and aff["total"] == inside
    env.delete(f"/v1/outages/{oid}", token=env.planner)


def test_the_whole_nation_overloads_no_destination(env):
    r = env.post("/v1/plans/run", {"hazard": "flood"}, token=env.planner)
    assert r.status == 201, r
    dests = destinations(env, r.json()["id"])
    assert len(dests) > 10000, len(dests)
    assert assert_not_overloaded(dests) > 1000
