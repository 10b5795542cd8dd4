"""Blackout response: outages, the affected list, signed webhooks, deadline
alerts, the outage feed and geocoding -- against real HTTP peers on 127.0.0.1."""
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
import time

from harness import Daemon, demo_city
from peers import Feed, Geocoder, Receiver, secret_file, wait_for

CENTRE = (37.0428, 136.9674)          # the demo city
SECRET = "s3cret-for-tests"


def iso(hours_ago=0.0):
    t = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)
    return t.isoformat(timespec="seconds")


def hexagon(lat, lon, r_deg, skew=1.3):
    import math
    ring = [[round(lon + skew * r_deg * math.cos(a), 6), round(lat + r_deg * math.sin(a), 6)]
            for a in (i * math.pi / 3 for i in range(6))]
    return ring + [ring[0]]


def feature(ring, started, restore=None, fid=None):
    f = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"started_at": started, "expected_restore_at": restore}}
    if fid:
        f["id"] = fid
    return f


def inside(ring, lon, lat):
    """Ray casting: is (lon, lat) inside the closed ring?"""
    n, hit = len(ring) - 1, False
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x:
                hit = not hit
    return hit


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(), seed=3)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        r = env.import_file(kind, os.path.join(d, name), "--geocoder", "none")
        assert r.returncode == 0, (kind, r.stderr)


def children(env):
    return env.get("/v1/children?limit=10000", token=env.viewer).json()["items"]


def replanned(d, oid, after=0, timeout=45):
    """Polls GET /v1/outages/{oid} (public) until its re-plan (rule 8) is
    stored, a run newer than after; returns the run id."""
    def done():
        rp = d.request("GET", f"/v1/outages/{oid}").json()["properties"]["replan"]
        return rp["plan_run_id"] if not rp["pending"] and (rp["plan_run_id"] or 0) > after else None
    return wait_for(done, timeout=timeout)


def decisions_inside(env, oid, run_id):
    """The decisions of run_id for the children inside the outage, counted
    independently of the daemon (the webhook counts must equal these)."""
    rows = env.psql(f"SELECT p.decision, count(*) FROM outages o JOIN children c "
                    f"ON ST_Intersects(o.geom, c.home) JOIN plans p ON p.child_id = c.id "
                    f"AND p.run_id = {run_id} WHERE o.id = {oid} GROUP BY 1")
    return {k: int(n) for k, n in rows}


def test_affected_equals_an_independent_point_in_polygon_count_soonest_first(env):
    ring = hexagon(*CENTRE, 0.02)
    r = env.post("/v1/outages", feature(ring, iso(2), iso(-10)), token=env.planner)
    assert r.status == 201, r
    oid = r.json()["id"]
    want = {c["external_id"]: c for c in children(env)
            if c["lat"] is not None and inside(ring, c["lon"], c["lat"])}
    assert 5 < len(want) < 120                           # a real subset of the city
    assert env.post("/v1/plans/run", {}, token=env.planner).status == 201
    res = env.get(f"/v1/outages/{oid}/affected", token=env.viewer)
    assert res.status == 200, res
    items = res.json()["items"]
    assert {i["external_id"] for i in items} == set(want)
    rem = [i["remaining_h"] for i in items]
    known = [x for x in rem if x is not None]
    assert known == sorted(known) and rem[:len(known)] == known     # unlimited last
    for i in items:
        c = want[i["external_id"]]
        assert i["runtime_h"] == c["runtime_h"] and i["need_w"] == c["need_w"]
        if c["runtime_h"] is not None:
            assert abs(i["remaining_h"] - (c["runtime_h"] - 2)) < 0.05
        assert "decision" in i and "destination" in i
    # The same list as CSV (for printing) and GeoJSON.
    text = env.get(f"/v1/outages/{oid}/affected?f=csv", token=env.viewer)
    assert text.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.body.decode("utf-8-sig"))))
    assert [r["external_id"] for r in rows] == [i["external_id"] for i in items]
    gj = env.get(f"/v1/outages/{oid}/affected?f=geojson", token=env.viewer).json()
    assert len(gj["features"]) == len(items)
    for f in gj["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert inside(ring, lon, lat)


def test_affected_needs_a_viewer_and_is_audited(env):
    oid = env.get("/v1/outages").json()["items"][0]["id"]
    assert env.get(f"/v1/outages/{oid}/affected").status == 401
    before = int(env.psql("SELECT count(*) FROM audit_log WHERE action = 'outage.affected'")[0][0])
    env.get(f"/v1/outages/{oid}/affected", token=env.viewer)
    rows = env.psql("SELECT key_name, cardinality(child_ids) FROM audit_log "
                    "WHERE action = 'outage.affected' ORDER BY id DESC LIMIT 1")
    assert int(env.psql("SELECT count(*) FROM audit_log WHERE action = 'outage.affected'")[0][0]) == before + 1
    assert rows[0][0] == "test-viewer" and int(rows[0][1]) > 5


def test_public_outage_list_shows_polygons_and_times_only(env):
    r = env.get("/v1/outages")
    assert r.status == 200
    text = r.text
    for c in children(env)[:50]:
        assert c["name"] not in text and c["external_id"] not in text
    props = r.json()["items"][0]["properties"]
    assert set(props) == {"id", "external_id", "started_at", "expected_restore_at", "ended_at",
                          "active"}


def test_invalid_outages_are_400s_naming_the_problem(env):
    ok = hexagon(*CENTRE, 0.01)
    cases = [
        ([[136.9, 37.0], [137.0, 37.1], [137.0, 37.0], [136.9, 37.1], [136.9, 37.0]],
         "Self-intersection"),
        (ok[:-1], "not closed"),
        ([[136.9, 37.0], [200.0, 37.1], [137.0, 37.0], [136.9, 37.0]], "out of range"),
        ([[136.9, 37.0], [137.0, 37.0], [136.9, 37.0]], "at least 4"),
    ]
    n = env.psql("SELECT count(*) FROM outages")
    for ring, why in cases:
        r = env.post("/v1/outages", feature(ring, iso()), token=env.planner)
        assert r.status == 400 and why in r.json()["error"]["message"], (why, r)
    r = env.post("/v1/outages", {"type": "Feature", "geometry": {"type": "Point",
                 "coordinates": [137, 37]}, "properties": {"started_at": iso()}}, token=env.planner)
    assert r.status == 400 and "Polygon" in r.json()["error"]["message"]
    r = env.post("/v1/outages", feature(ok, "yesterday-ish"), token=env.planner)
    assert r.status == 400 and "started_at" in r.json()["error"]["message"]
    r = env.post("/v1/outages", feature(ok, iso(), iso(5)), token=env.planner)
    assert r.status == 400 and "before started_at" in r.json()["error"]["message"]
    assert env.post("/v1/outages", feature(ok, iso()), token=env.viewer).status == 403
    assert env.psql("SELECT count(*) FROM outages") == n


def test_update_restore_time_and_close_when_power_is_back(env):
    r = env.post("/v1/outages", feature(hexagon(*CENTRE, 0.01), iso(1)), token=env.planner)
    oid = r.json()["id"]
    restore = iso(-6)
    r = env.put(f"/v1/outages/{oid}", {"expected_restore_at": restore}, token=env.planner)
    assert r.status == 200, r
    got = r.json()["properties"]["expected_restore_at"]
    assert dt.datetime.fromisoformat(got) == dt.datetime.fromisoformat(restore)
    r = env.delete(f"/v1/outages/{oid}", token=env.planner)
    assert r.status == 200 and r.json()["properties"]["active"] is False
    assert r.json()["properties"]["ended_at"] is not None
    active = env.get("/v1/outages?active=true").json()["items"]
    assert oid not in [o["id"] for o in active]
    assert env.get("/v1/outages/99999").status == 404


def test_signed_webhooks_counts_only_and_thresholds_fire_once_each(env):
    rx = Receiver(SECRET)
    d = Daemon(env.db, ["--webhook", rx.url + "/hook", "--webhook-secret-file", secret_file(SECRET),
                        "--alert-interval", "1"])
    try:
        ring = hexagon(*CENTRE, 0.03)
        # Started 2.5 h ago: children with runtime <= 8.5 h are at or under 6 h.
        r = d.request("POST", "/v1/outages", feature(ring, iso(2.5)), token=env.planner)
        assert r.status == 201, r
        oid = r.json()["id"]
        created = wait_for(lambda: [p for p in rx.delivered("outage.created")
                                    if p["outage_id"] == oid])
        p = created[0]
        assert all(ok for _, ok, _ in rx.requests), "every signature must verify"
        kids = [c for c in children(env) if c["lat"] is not None and inside(ring, c["lon"], c["lat"])]
        assert p["counts"]["affected"] == len(kids)
        text = json.dumps(p, ensure_ascii=False)
        for c in kids:
            assert c["name"] not in text and c["address"] not in text
            assert f'{c["lat"]:.4f}' not in text and c["external_id"] not in text
        assert "coordinates" not in text
        # Thresholds: an independent count of who is at or under 6, 3 and 1 hours.
        want = {th: sum(1 for c in kids if c["runtime_h"] is not None and c["runtime_h"] - 2.5 <= th)
                for th in (6, 3, 1)}
        def fired():
            got = {q["threshold_h"]: q["children_crossed"] for q in rx.delivered("outage.threshold")
                   if q["outage_id"] == oid}
            return got if set(got) == {th for th, n in want.items() if n} else None
        got = wait_for(fired)
        assert got == {th: n for th, n in want.items() if n}, (got, want)
        time.sleep(3)                                          # three more alert ticks
        again = [q for q in rx.delivered("outage.threshold") if q["outage_id"] == oid]
        assert len(again) == len(got)                          # once each
        # An update raises its own event; the delivery log shows them all.
        d.request("PUT", f"/v1/outages/{oid}", {"expected_restore_at": iso(-3)}, token=env.planner)
        wait_for(lambda: rx.delivered("outage.updated"))
        # The receiver has the event a moment before the worker marks it delivered.
        def all_delivered():
            log = d.request("GET", "/v1/webhooks/deliveries", token=env.admin).json()
            return log if all(x["status"] == "delivered" for x in log["items"]) else None
        log = wait_for(all_delivered)
        assert log["total"] >= 3 and all(x["status"] == "delivered" for x in log["items"])
        assert d.request("GET", "/v1/webhooks/deliveries", token=env.planner).status == 403
    finally:
        d.stop()
        rx.stop()


def test_an_outage_answers_at_once_and_its_events_carry_its_own_replan(env):
    """Issue 14: POST/PUT /v1/outages answer without waiting for the re-plan;
    a background worker stores it within seconds, and only then the webhook
    event goes out, with the counts of that run; the affected list shows each
    child's plan from it."""
    rx = Receiver(SECRET)
    d = Daemon(env.db, ["--webhook", rx.url + "/hook", "--webhook-secret-file", secret_file(SECRET)])
    try:
        ring = hexagon(*CENTRE, 0.015)
        r = d.request("POST", "/v1/outages", feature(ring, iso(1.5)), token=env.planner)
        assert r.status == 201, r
        oid = r.json()["id"]
        assert set(r.json()["properties"]["replan"]) == {"pending", "plan_run_id"}
        run1 = replanned(d, oid)
        assert env.psql(f"SELECT outage_id FROM plan_runs WHERE id = {run1}") == [[str(oid)]]
        ev = wait_for(lambda: [p for p in rx.delivered("outage.created") if p["outage_id"] == oid])
        assert len(ev) == 1 and ev[0]["plan_run_id"] == run1, ev
        by = decisions_inside(env, oid, run1)
        assert sum(by.values()) == ev[0]["counts"]["affected"] > 0
        assert all(ev[0]["counts"]["by_decision"][k] == by.get(k, 0)
                   for k in ("stay_home", "charge", "evacuate", "unassigned"))
        assert ev[0]["counts"]["by_decision"]["no_plan"] == 0
        # A wider outage: a new run, a new event with its counts, and no
        # event before that run was stored.
        wide = hexagon(*CENTRE, 0.03)
        r = d.request("PUT", f"/v1/outages/{oid}", {"geometry": {"type": "Polygon",
                                                                 "coordinates": [wide]}},
                      token=env.planner)
        assert r.status == 200, r
        run2 = replanned(d, oid, after=run1)
        up = wait_for(lambda: [p for p in rx.delivered("outage.updated") if p["outage_id"] == oid])
        assert len(up) == 1 and up[0]["plan_run_id"] == run2, up
        by2 = decisions_inside(env, oid, run2)
        assert up[0]["counts"]["affected"] == sum(by2.values()) > ev[0]["counts"]["affected"]
        assert all(up[0]["counts"]["by_decision"][k] == by2.get(k, 0) for k in by2)
        fresh = env.psql(f"SELECT r.started_at >= o.updated_at FROM plan_runs r JOIN outages o "
                         f"ON o.id = r.outage_id WHERE r.id = {run2}")
        assert fresh == [["t"]]
        aff = env.get(f"/v1/outages/{oid}/affected", token=env.viewer).json()
        assert aff["plan_run_id"] == run2 and aff["replan_pending"] is False
        plans = {int(c): dec for c, dec in env.psql(
            f"SELECT child_id, decision FROM plans WHERE run_id = {run2}")}
        assert aff["items"] and all(i["decision"] == plans[i["id"]] for i in aff["items"])
        # Power is back: its event goes at once (no re-plan), and later
        # tests' receivers get no deadline alerts of this outage.
        assert d.request("DELETE", f"/v1/outages/{oid}", token=env.planner).status == 200
        wait_for(lambda: [p for p in rx.delivered("outage.ended") if p["outage_id"] == oid])
    finally:
        d.stop()
        rx.stop()


def test_a_receiver_that_fails_twice_then_succeeds_gets_the_event(env):
    rx = Receiver(SECRET, fail_first=2)
    d = Daemon(env.db, ["--webhook", rx.url, "--webhook-secret-file", secret_file(SECRET)])
    try:
        r = d.request("POST", "/v1/outages", feature(hexagon(*CENTRE, 0.01), iso()),
                      token=env.planner)
        oid = r.json()["id"]
        wait_for(lambda: [p for p in rx.delivered("outage.created") if p["outage_id"] == oid],
                 timeout=30)
        assert [s for s, _, p in rx.requests
                if p["outage_id"] == oid and p["type"] == "outage.created"] == [500, 500, 204]
        row = env.psql(f"SELECT d.status, d.attempts, d.last_status FROM webhook_deliveries d "
                       f"JOIN webhook_events e ON e.id = d.event_id WHERE e.outage_id = {oid} "
                       f"AND e.type = 'outage.created' AND d.url = '{rx.url}'")
        assert row == [["delivered", "3", "204"]], row
    finally:
        d.stop()
        rx.stop()


def test_outage_feed_keeps_outages_in_step(env):
    ring = hexagon(CENTRE[0] + 0.01, CENTRE[1], 0.01)
    feed = Feed([feature(ring, iso(1), iso(-5), fid="F-1")])
    rx = Receiver(SECRET)
    d = Daemon(env.db, ["--outage-feed", feed.url + "/outages.geojson",
                        "--outage-feed-interval", "1", "--webhook", rx.url,
                        "--webhook-secret-file", secret_file(SECRET)])
    try:
        row = wait_for(lambda: env.psql("SELECT id, ended_at IS NULL FROM outages "
                                        "WHERE external_id = 'F-1'"))
        oid = int(row[0][0])
        assert row[0][1] == "t"
        wait_for(lambda: feed.not_modified >= 1)               # conditional GETs answered 304
        # Issue 14: the feed's events go out after the outage's re-plan, with
        # its counts (they used to carry the previous run's).
        ev = wait_for(lambda: [p for p in rx.delivered("outage.created") if p["outage_id"] == oid])
        run1 = int(env.psql(f"SELECT max(id) FROM plan_runs WHERE outage_id = {oid} "
                            f"AND finished_at IS NOT NULL")[0][0])
        assert ev[0]["plan_run_id"] == run1 and ev[0]["source"] == "feed", ev
        assert ev[0]["counts"]["by_decision"]["no_plan"] == 0
        feed.set([feature(ring, iso(1), iso(-9), fid="F-1")])  # a new restore time
        up = wait_for(lambda: [p for p in rx.delivered("outage.updated") if p["outage_id"] == oid])
        assert up[0]["plan_run_id"] > run1, up
        assert env.psql(f"SELECT r.started_at >= o.updated_at FROM plan_runs r JOIN outages o "
                        f"ON o.id = r.outage_id WHERE r.id = {up[0]['plan_run_id']}") == [["t"]]
        feed.set([])                                           # power is back
        wait_for(lambda: env.psql(f"SELECT 1 FROM outages WHERE id = {oid} AND ended_at IS NOT NULL"))
        wait_for(lambda: [p for p in rx.delivered("outage.ended") if p["outage_id"] == oid])
    finally:
        d.stop()
        rx.stop()
        feed.stop()


def test_geocoding_places_children_and_keeps_unresolved_ones(env):
    geo = Geocoder({"石川県七尾市府中町1-1": (37.0480, 136.9590),
                    "石川県七尾市本府中町ソ38": (37.0450, 136.9650)})
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("external_id,name,address,mobility\n"
                "G-1,試験 一,石川県七尾市府中町1-1,walk\n"
                "G-2,試験 二,どこにもない町1-1,walk\n")
    try:
        r = env.import_file("children", path, "--geocoder", geo.url + "/AddressSearch")
        assert r.returncode == 0, r.stderr
        assert ":3: warning:" in r.stderr and "not found" in r.stderr, r.stderr
        rows = dict((e, (la, lo)) for e, la, lo in env.psql(
            "SELECT external_id, ST_Y(home)::text, ST_X(home)::text FROM children "
            "WHERE external_id LIKE 'G-%'"))
        assert rows["G-1"] == ("37.048", "136.959") and rows["G-2"] == ("", "")
        # The unresolved child's plan says why.
        cid = env.psql("SELECT id FROM children WHERE external_id = 'G-2'")[0][0]
        p = env.get(f"/v1/children/{cid}/plan?outage_hours=71", token=env.planner).json()
        assert p["decision"] == "unassigned" and "no home location" in p["reasons"][0]
        # Answers are cached: a second import asks the geocoder nothing.
        asked = len(geo.queries)
        assert env.import_file("children", path, "--geocoder", geo.url).returncode == 0
        assert len(geo.queries) == asked
        # Shelters need a place: an unresolved one is rejected with its line.
        with open(path, "w", encoding="utf-8") as f:
            f.write("external_id,name,address\nGS-1,避難所,石川県七尾市本府中町ソ38\n"
                    "GS-2,避難所2,どこにもない町1-1\n")
        r = env.import_file("shelters", path, "--geocoder", geo.url)
        assert r.returncode != 0 and ":3:" in r.stderr
    finally:
        geo.stop()
        os.unlink(path)


def test_a_geocoder_that_times_out_does_not_hang_the_import(env):
    slow = [f"遅い町{i}" for i in range(10)]
    geo = Geocoder({}, slow=slow, delay=30)
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("external_id,name,address\n")
        for i, a in enumerate(slow):
            f.write(f"T-{i},試験,{a}\n")
    try:
        t = time.time()
        r = env.import_file("children", path, "--geocoder", geo.url)
        took = time.time() - t
        assert r.returncode == 0, r.stderr                  # kept, without a home point
        assert took < 25, took                              # 3 timeouts of 5 s, then it stops asking
        # each row is reported; repeated reasons as one line with their count
        single = len(re.findall(r":\d+: warning:", r.stderr))
        grouped = sum(int(n) for n in re.findall(r": warning: (\d+) rows:", r.stderr))
        assert single + grouped == 10, r.stderr
        assert "stopped answering" in r.stderr
        assert len(geo.queries) == 3
    finally:
        geo.stop()
        os.unlink(path)
