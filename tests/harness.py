"""harness.py -- the real parts the integration tests run against.

A throwaway PostgreSQL + PostGIS cluster (scripts/db in a temporary folder),
the real powermapd on a free loopback port, and a small HTTP client.  No
mocks: every test talks HTTP to the daemon, which talks SQL to PostGIS.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "powermapd")
DATA = os.path.join(ROOT, "tests", "data")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    """A private PostgreSQL cluster in a temporary folder, removed by stop()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="powermap-test-")
        os.chmod(self.dir, 0o755)
        out = subprocess.run([os.path.join(ROOT, "scripts", "db"), "start", self.dir],
                             check=True, capture_output=True, text=True)
        self.conninfo = out.stdout.strip().splitlines()[-1]

    def psql(self, sql):
        """Runs sql and returns the rows as lists of strings."""
        cmd = ["psql", self.conninfo, "-XAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return [line.split("\t") for line in out.stdout.splitlines() if line != ""]

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "db"), "stop", self.dir],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def cli(*args, db=None, input=None, env=None):
    """Runs powermapd with args; returns CompletedProcess (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    args = list(args)
    # "key create", "user add", "child purge": two words
    words = 2 if args[:1] in (["key"], ["user"], ["child"]) else 1
    argv = [BIN] + args[:words] + (["--db", db] if db else []) + args[words:]
    return subprocess.run(argv, capture_output=True, text=True, input=input, env=e)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.text[:300]}>"


class Daemon:
    """powermapd serve on a free loopback port; its stderr goes to a log file."""

    def __init__(self, conninfo, extra=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tempfile.mktemp(prefix="powermapd-", suffix=".log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "serve", "--db", conninfo, "--listen",
                                      f"127.0.0.1:{self.port}", *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.request("GET", "/health").status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("powermapd did not start: " + open(self.log_path).read())

    def request(self, method, path, body=None, token=None, headers=None, timeout=30):
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def logs(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


class Env:
    """What a test gets: the cluster, the daemon, and a token for each role."""

    TABLES = ("children, devices, shelters, power_points, hazard_areas, outages, history, "
              "audit_log, plans, plan_runs, webhook_events, webhook_deliveries, outage_alerts, "
              "geocode_cache, facilities, calls")

    def __init__(self):
        self.cluster = Cluster()
        self.db = self.cluster.conninfo
        r = cli("migrate", db=self.db)
        if r.returncode != 0:
            raise RuntimeError("migrate failed: " + r.stderr)
        self.tokens = {}
        for role in ("viewer", "planner", "admin"):
            r = cli("key", "create", "--role", role, "--name", "test-" + role, db=self.db)
            if r.returncode != 0:
                raise RuntimeError("key create failed: " + r.stderr)
            self.tokens[role] = r.stdout.strip()
        self.daemon = Daemon(self.db)

    @property
    def viewer(self):
        return self.tokens["viewer"]

    @property
    def planner(self):
        return self.tokens["planner"]

    @property
    def admin(self):
        return self.tokens["admin"]

    def reset(self):
        """Empties the registry (keys stay)."""
        # The audit log and the history are append-only (triggers): a test
        # reset switches triggers off for its own session only.
        self.cluster.psql("SET session_replication_role = replica; "
                          f"TRUNCATE {self.TABLES} RESTART IDENTITY CASCADE")

    def get(self, path, token=None, **kw):
        return self.daemon.request("GET", path, token=token, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.daemon.request("POST", path, body=body, token=token, **kw)

    def put(self, path, body=None, token=None, **kw):
        return self.daemon.request("PUT", path, body=body, token=token, **kw)

    def delete(self, path, token=None, **kw):
        return self.daemon.request("DELETE", path, token=token, **kw)

    def import_file(self, kind, path, *extra):
        return cli("import", "--kind", kind, *extra, path, db=self.db)

    def psql(self, sql):
        return self.cluster.psql(sql)

    def stop(self):
        self.daemon.stop()
        self.cluster.stop()


def demo_city(out_dir, scale="city", seed=1):
    """Writes the project's own synthetic city (scripts/gen-demo) to out_dir."""
    subprocess.run([os.path.join(ROOT, "scripts", "gen-demo"), "--out", out_dir,
                    "--scale", scale, "--seed", str(seed)], check=True, capture_output=True)
    return out_dir


def as_pg(argv):
    """argv run as the PostgreSQL owner (postgres when we are root)."""
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + argv


PG_BIN = "/usr/lib/postgresql/15/bin"


class Replica:
    """A streaming replica of cluster (pg_basebackup -R), in its own folder."""

    def __init__(self, cluster):
        self.dir = tempfile.mkdtemp(prefix="powermap-replica-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        os.makedirs(self.sock)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:", self.dir], check=True)
        primary_sock = cluster.conninfo.split("host=")[1].split()[0]
        subprocess.run(as_pg([f"{PG_BIN}/pg_basebackup", "-D", self.data, "-R", "-X", "stream", "-c", "fast",
                              "-h", primary_sock, "-U", "postgres"]), check=True,
                       capture_output=True)
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
            f.write(f"\nunix_socket_directories = '{self.sock}'\nhot_standby = on\n")
        self.conninfo = f"host={self.sock} dbname=powermap user=postgres"
        self.start()

    def start(self):
        subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l",
                              os.path.join(self.dir, "log"), "-w", "start"]),
                       check=True, capture_output=True)

    def stop(self):
        subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]),
                       capture_output=True)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def cluster_stop(cluster):
    subprocess.run([os.path.join(ROOT, "scripts", "db"), "stop", cluster.dir], check=True,
                   capture_output=True)


def cluster_start(cluster):
    subprocess.run([os.path.join(ROOT, "scripts", "db"), "start", cluster.dir], check=True,
                   capture_output=True)
