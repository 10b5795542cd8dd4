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
from test_plan_scale import (assert_not_overloaded, destinations,  # noqa: E402
                             outage_over_the_west_half)


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(prefix="powermap-nation-"), scale="nation", seed=14)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name), "--geocoder", "none")
        assert r.returncode == 0, (kind, r.stderr)
    env.psql("ANALYZE")


def test_an_outage_over_half_the_nation_sends_nobody_into_the_dark(env):
    oid, _ = outage_over_the_west_half(env, 72, (5000, 15000), 1000)
    env.delete(f"/v1/outages/{oid}", token=env.planner)


def test_the_whole_nation_overloads_no_destination(env):
    r = env.post("/v1/plans/run", {"hazard": "flood"}, token=env.planner)
    assert r.status == 201, r
    dests = destinations(env, r.json()["id"])
    assert len(dests) > 10000, len(dests)
    assert assert_not_overloaded(dests) > 1000
