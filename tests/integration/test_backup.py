"""Backup and restore (scripts/backup, scripts/restore): a round trip."""
import os
import subprocess
import tempfile

from harness import ROOT, Daemon, demo_city

TABLES = ("children", "devices", "shelters", "power_points", "hazard_areas", "outages",
          "api_keys", "audit_log", "history", "plan_runs", "plans")


def counts(env_psql):
    return {t: env_psql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def test_backup_and_restore_round_trip(env):
    env.reset()
    d = demo_city(tempfile.mkdtemp(), seed=5)
    for kind, name in (("children", "children.csv"), ("devices", "devices.csv"),
                       ("shelters", "shelters.csv"), ("power-points", "power_points.csv"),
                       ("hazards", "hazards.geojson")):
        assert env.import_file(kind, os.path.join(d, name), "--geocoder", "none").returncode == 0
    assert env.post("/v1/plans/run", {}, token=env.planner).status == 201
    cid = env.psql("SELECT id FROM children ORDER BY id LIMIT 1 OFFSET 7")[0][0]
    want = env.get(f"/v1/children/{cid}", token=env.viewer).json()
    before = counts(env.psql)
    assert int(before["children"]) > 50 and int(before["audit_log"]) > 0

    dump = tempfile.mktemp(suffix=".dump")
    r = subprocess.run([os.path.join(ROOT, "scripts", "backup"), "--db", env.db, dump],
                       capture_output=True, text=True)
    assert r.returncode == 0 and os.path.getsize(dump) > 10000, r.stderr
    env.psql("CREATE DATABASE restored")
    other = env.db.replace("dbname=powermap", "dbname=restored")
    try:
        r = subprocess.run([os.path.join(ROOT, "scripts", "restore"), "--db", other, dump],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        def q(sql):
            out = subprocess.run(["psql", other, "-XAtc", sql], check=True, capture_output=True,
                                 text=True).stdout
            return [line.split("|") for line in out.splitlines()]
        assert counts(q) == before
        # One child in full, through the daemon, from the restored database.
        daemon = Daemon(other)
        try:
            got = daemon.request("GET", f"/v1/children/{cid}", token=env.viewer).json()
        finally:
            daemon.stop()
        assert got == want
        # Restoring again over the data replaces it, and a bad file changes nothing.
        assert subprocess.run([os.path.join(ROOT, "scripts", "restore"), "--db", other, dump],
                              capture_output=True).returncode == 0
        assert counts(q) == before
        bad = tempfile.mktemp()
        with open(bad, "wb") as f:
            f.write(b"not a dump")
        r = subprocess.run([os.path.join(ROOT, "scripts", "restore"), "--db", other, bad],
                           capture_output=True, text=True)
        assert r.returncode != 0 and "not a pg_dump archive" in r.stderr
        assert counts(q) == before
    finally:
        env.psql("DROP DATABASE IF EXISTS restored WITH (FORCE)")
        os.unlink(dump)
