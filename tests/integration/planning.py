"""Helpers of the planning tests (test_plan.py, test_plan_v2.py): places and
children on latitude 35 N, where 0.001 deg of longitude is 91.3 m, written
through the API as a planner, and plan runs and reads.

With the defaults (20 km/h, detour 1.4, margin 1 h) a child whose batteries
last R hours reaches (R - 1) * 20 / 1.4 km.
"""
import math

LAT = 35.0
M_PER_DEG_LON = 111320 * math.cos(math.radians(LAT))


def lon_at(km):
    """The longitude km kilometres east of 139.0 on latitude 35."""
    return round(139.0 + km * 1000 / M_PER_DEG_LON, 6)


def shelter(env, ext, km, outlets=4, power_w=2000, **kw):
    """A welfare shelter km east, open for floods and earthquakes; kw adds or
    overrides fields.  Returns its id."""
    body = {"external_id": ext, "name": ext, "lat": LAT, "lon": lon_at(km), "outlets": outlets,
            "power_w": power_w, "welfare": True, "kind": "welfare",
            "flood": True, "earthquake": True}
    body.update(kw)
    r = env.post("/v1/shelters", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def point(env, ext, km, outlets=2, output_w=1000, **kw):
    """A power point (a generator unless kw says another kind) km east.
    Returns its id."""
    body = {"external_id": ext, "name": ext, "kind": "generator", "lat": LAT, "lon": lon_at(km),
            "outlets": outlets, "output_w": output_w}
    body.update(kw)
    r = env.post("/v1/power-points", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def run(env, **scenario):
    r = env.post("/v1/plans/run", scenario, token=env.planner)
    assert r.status == 201, r
    return r.json()


def plan(env, cid, **scenario):
    """A child's plan, read by a planner: a scenario with no run yet is run
    (a viewer would get a 409, see test_plan_retention)."""
    qs = "&".join(f"{k}={v}" for k, v in scenario.items())
    r = env.get(f"/v1/children/{cid}/plan?{qs}", token=env.planner)
    assert r.status == 200, r
    return r.json()


def dest(p):
    """The plan's destination as (type, external_id), or None."""
    d = p.get("destination")
    return (d["type"], d["external_id"]) if d else None
