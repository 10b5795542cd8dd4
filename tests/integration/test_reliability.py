"""Reliability (issue 7): the database restarting under load, graceful
shutdown, read replicas failing over both ways, several daemons on one
database.  Every server here is real: PostgreSQL clusters and a streaming
replica started by the test, powermapd processes, a webhook receiver."""
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from harness import Daemon, Replica, cluster_start, cluster_stop, demo_city
from peers import Receiver, secret_file, wait_for

RING = [[136.94, 37.02], [137.0, 37.02], [137.0, 37.07], [136.94, 37.07], [136.94, 37.02]]


def setup(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(), seed=21)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv")):
        assert env.import_file(kind, os.path.join(d, name), "--geocoder", "none").returncode == 0


def outage(started="2026-01-01T00:00:00Z"):
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]},
            "properties": {"started_at": started}}


class Load:
    """Threads sending requests in a loop, keeping every status seen and the
    slowest answer; 0 stands for a request that failed without an answer."""

    def __init__(self, base, paths, threads=8):
        self.base, self.paths = base, paths
        self.stop_flag = False
        self.seen = []
        self.spans = []                 # (sent, answered, status)
        self.slowest = 0.0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, i):
        n = 0
        while not self.stop_flag:
            path = self.paths[(i + n) % len(self.paths)]
            n += 1
            t = time.time()
            try:
                with urllib.request.urlopen(self.base + path, timeout=15) as r:
                    r.read()
                    status, retry = r.status, None
            except urllib.error.HTTPError as e:
                e.read()
                status, retry = e.code, e.headers.get("Retry-After")
            except OSError:
                status, retry = 0, None
            dt = time.time() - t
            with self.lock:
                self.seen.append((time.time(), status, retry))
                self.spans.append((t, t + dt, status))
                self.slowest = max(self.slowest, dt)

    def finish(self):
        self.stop_flag = True
        for t in self.threads:
            t.join()


def test_database_restart_under_load_gives_503s_then_recovers(env):
    d = Daemon(env.db)
    try:
        restart_under_load(env, d)
        assert d.proc.poll() is None
    finally:
        d.stop()                        # also when an assertion failed


def restart_under_load(env, d):
    load = Load(d.base, ["/v1/shelters?limit=50", "/ready", "/v1/power-points?limit=20"])
    try:
        time.sleep(1)
        cluster_stop(env.cluster)
        down_at = time.time()
        try:
            time.sleep(3)
        finally:
            cluster_start(env.cluster)
        up_at = time.time()
        # Back to answering from the database: how long after it came back?
        wait_for(lambda: d.request("GET", "/ready").status == 200, timeout=30)
        recovered = time.time() - up_at
        time.sleep(1)
    finally:
        load.finish()
    statuses = {s for _, s, _ in load.seen}
    during = [(s, r) for t, s, r in load.seen if down_at + 0.5 < t < up_at]
    # A request sent while the database was down is a 503; one sent before
    # may still be answered 200 a little later on a loaded machine.
    sent_down = [s for t0, t1, s in load.spans if down_at + 0.5 < t0 and t1 < up_at]
    assert sent_down and all(s == 503 for s in sent_down), set(sent_down)
    assert all(s in (200, 503) for s, _ in during), set(during)
    assert all(r for s, r in during if s == 503)              # Retry-After on every 503
    assert statuses <= {200, 503}, statuses                   # no 500, no dropped connection
    assert load.slowest < 10, load.slowest                    # no request hung
    after = [s for t, s, _ in load.seen if t > up_at + recovered + 0.5]
    assert after and all(s == 200 for s in after)
    print(f"    recovered {recovered:.2f} s after the restart; {len(load.seen)} requests, "
          f"{sum(1 for s, _ in during if s == 503)} answered 503 while it was down")


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(env):
    d = Daemon(env.db)
    try:
        # Hold the plan-run lock so that the run we start stays in flight.
        holder = subprocess.Popen(["psql", env.db, "-Xq", "-c",
                                   "BEGIN; SELECT pg_advisory_xact_lock(7012002); "
                                   "SELECT pg_sleep(2); COMMIT;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        result = {}

        def run():
            result["r"] = d.request("POST", "/v1/plans/run", {}, token=env.planner, timeout=30)
        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.5)
        d.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        # Not accepting any more, still finishing the run.
        try:
            urllib.request.urlopen(d.base + "/health", timeout=2)
            accepted = True
        except OSError:
            accepted = False
        t.join(30)
        holder.wait(10)
        code = d.proc.wait(20)
        assert result["r"].status == 201, result["r"]
        assert not accepted
        assert code == 0
    finally:
        d.stop()                        # also when an assertion failed


def test_replicas_take_reads_and_fail_over_both_ways(env):
    replica = Replica(env.cluster)
    d = Daemon(env.db, ["--db-read", replica.conninfo])
    try:
        sid = env.get("/v1/shelters?limit=1").json()["items"][0]["id"]
        # Reads are served by the replica: a row written on the primary shows up there.
        r = d.request("POST", "/v1/shelters", {"external_id": "R-1", "name": "レプリカ避難所",
                                               "lat": 37.05, "lon": 136.96}, token=env.planner)
        assert r.status == 201, r
        wait_for(lambda: d.request("GET", "/v1/shelters?limit=10000").json()["total"] ==
                 env.get("/v1/shelters?limit=10000").json()["total"])
        # Replica down: reads fall back to the primary.
        replica.stop()
        assert d.request("GET", f"/v1/shelters/{sid}").status == 200
        assert d.request("GET", "/v1/children?limit=1", token=env.viewer).status == 200
        replica.start()
        # Primary down: public reads still work, writes are 503, and a child's
        # record is refused because its read could not be audited.
        wait_for(lambda: d.request("GET", "/ready").status == 200)
        cluster_stop(env.cluster)
        try:
            assert wait_for(lambda: d.request("GET", f"/v1/shelters/{sid}").status == 200)
            r = d.request("POST", "/v1/shelters", {"external_id": "R-2", "name": "x",
                                                   "lat": 37, "lon": 137}, token=env.planner)
            assert r.status == 503 and r.headers["Retry-After"], r
            assert d.request("GET", "/v1/children?limit=1", token=env.viewer).status == 503
        finally:
            cluster_start(env.cluster)
        wait_for(lambda: d.request("POST", "/v1/shelters", {"external_id": "R-3", "name": "y",
                                   "lat": 37, "lon": 137}, token=env.planner).status == 201,
                 timeout=30)
    finally:
        d.stop()
        replica.remove()


def test_two_daemons_deliver_each_event_once(env):
    rx = Receiver("two-daemons-secret-key")
    args = ["--webhook", rx.url, "--webhook-secret-file", secret_file("two-daemons-secret-key"),
            "--alert-interval", "1"]
    a, b = Daemon(env.db, args), Daemon(env.db, args)
    try:
        ids = []
        for i in range(6):
            d = (a, b)[i % 2]
            r = d.request("POST", "/v1/outages", outage(), token=env.planner)
            assert r.status == 201, r
            ids.append(r.json()["id"])
        wait_for(lambda: {p["outage_id"] for p in rx.delivered("outage.created")} >= set(ids))
        time.sleep(4)                       # every worker of both daemons had its chances
        created = [p["outage_id"] for p in rx.delivered("outage.created") if p["outage_id"] in ids]
        assert sorted(created) == sorted(ids), created
        # Deadline alerts, checked by both daemons: each threshold once per outage.
        alerts = [(p["outage_id"], p["threshold_h"]) for p in rx.delivered("outage.threshold")
                  if p["outage_id"] in ids]
        assert len(alerts) == len(set(alerts)) and alerts
        rows = env.psql("SELECT count(*), count(DISTINCT event_id) FROM webhook_deliveries "
                        f"WHERE status = 'delivered' AND url = '{rx.url}'")
        assert rows[0][0] == rows[0][1]
        assert len(rx.requests) == int(rows[0][0])
    finally:
        for d in (a, b):
            d.request("GET", "/health")
        a.stop()
        b.stop()
        rx.stop()
        for i in env.psql("SELECT id FROM outages WHERE ended_at IS NULL"):
            env.delete(f"/v1/outages/{i[0]}", token=env.planner)


def test_sighup_reopens_the_log_file(env):
    from harness import BIN, free_port
    log = tempfile.mktemp(suffix=".log")
    port = free_port()
    p = subprocess.Popen([BIN, "serve", "--db", env.db, "--listen", f"127.0.0.1:{port}",
                          "--log", log, "--geocoder", "none"])
    try:
        wait_for(lambda: os.path.exists(log) and "listening" in open(log).read())
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health").read()
        # The line is written when the request completes, which may be just
        # after the client has read the answer.
        wait_for(lambda: "GET /health 200" in open(log).read())
        os.rename(log, log + ".1")                       # what logrotate does
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(log))
        urllib.request.urlopen(f"http://127.0.0.1:{port}/ready").read()
        wait_for(lambda: "GET /ready 200" in open(log).read())
        assert "GET /health 200" in open(log + ".1").read()
        assert p.poll() is None
    finally:
        p.terminate()
        assert p.wait(15) == 0
        for f in (log, log + ".1"):
            if os.path.exists(f):
                os.unlink(f)


def test_two_daemons_apply_an_outage_feed_once(env):
    from peers import Feed
    ring = [[136.95, 37.03], [136.99, 37.03], [136.99, 37.06], [136.95, 37.06], [136.95, 37.03]]
    f = {"type": "Feature", "id": "TWO-1", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"started_at": "2026-01-01T00:00:00Z",
                        "expected_restore_at": "2026-01-02T00:00:00Z"}}
    feed = Feed([f])
    rx = Receiver("feed-two-secret-key")
    args = ["--outage-feed", feed.url, "--outage-feed-interval", "1", "--webhook", rx.url,
            "--webhook-secret-file", secret_file("feed-two-secret-key")]
    a, b = Daemon(env.db, args), Daemon(env.db, args)
    try:
        oid = int(wait_for(lambda: env.psql("SELECT id FROM outages WHERE external_id = 'TWO-1'"))[0][0])
        wait_for(lambda: [p for p in rx.delivered("outage.created") if p["outage_id"] == oid])
        f["properties"]["expected_restore_at"] = "2026-01-03T00:00:00Z"
        feed.set([f])
        wait_for(lambda: [p for p in rx.delivered("outage.updated") if p["outage_id"] == oid])
        time.sleep(4)                       # both daemons polled several times more
        assert env.psql("SELECT count(*) FROM outages WHERE external_id = 'TWO-1'") == [["1"]]
        for t in ("outage.created", "outage.updated"):
            n = [p for p in rx.delivered(t) if p["outage_id"] == oid]
            assert len(n) == 1, (t, len(n))
    finally:
        a.stop()
        b.stop()
        rx.stop()
        feed.stop()
        env.delete(f"/v1/outages/{oid}", token=env.planner)
