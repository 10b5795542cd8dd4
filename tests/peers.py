"""peers.py -- small real HTTP servers on 127.0.0.1 that the tests start: a
GSI AddressSearch-format geocoder, a webhook receiver that checks signatures,
and an outage feed whose content changes.  Each runs in a thread."""
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server:
    def __init__(self, handler_cls):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
        self.httpd.peer = self
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class Geocoder(_Server):
    """GET /?q=ADDRESS answered like GSI's AddressSearch: a JSON array of
    {"geometry": {"coordinates": [lon, lat]}, "properties": {"title": ...}}.
    Addresses in `slow` sleep `delay` seconds first."""

    def __init__(self, places, slow=(), delay=10):
        self.places = dict(places)
        self.slow = set(slow)
        self.delay = delay
        self.queries = []

        class H(_Quiet):
            def do_GET(self):
                peer = self.server.peer
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("q", [""])[0]
                with peer.lock:
                    peer.queries.append(q)
                if q in peer.slow:
                    time.sleep(peer.delay)
                hit = peer.places.get(q)
                feats = [] if hit is None else [{
                    "geometry": {"coordinates": [hit[1], hit[0]], "type": "Point"},
                    "type": "Feature", "properties": {"addressCode": "", "title": q}}]
                try:
                    self.reply(200, json.dumps(feats, ensure_ascii=False).encode())
                except OSError:
                    pass
        super().__init__(H)


class Receiver(_Server):
    """Takes webhook POSTs; answers 500 to the first `fail_first` deliveries of
    each event (type, outage and threshold), then 204.  Keeps every request
    with whether its signature was right."""

    def __init__(self, secret, fail_first=0):
        self.secret = secret.encode()
        self.fail_first = fail_first
        self.requests = []          # (status answered, ok signature, payload)

        class H(_Quiet):
            def do_POST(self):
                peer = self.server.peer
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sig = self.headers.get("X-Powermap-Signature", "")
                want = "sha256=" + hmac.new(peer.secret, body, hashlib.sha256).hexdigest()
                payload = json.loads(body)
                key = (payload.get("type"), payload.get("outage_id"), payload.get("threshold_h"))
                with peer.lock:
                    n = sum(1 for _, _, p in peer.requests
                            if (p.get("type"), p.get("outage_id"), p.get("threshold_h")) == key)
                    status = 500 if n < peer.fail_first else 204
                    peer.requests.append((status, hmac.compare_digest(sig, want), payload))
                self.reply(status)
        super().__init__(H)

    def delivered(self, type_=None):
        """Payloads answered 2xx, of one type when given."""
        with self.lock:
            return [p for s, ok, p in self.requests
                    if s < 300 and (type_ is None or p["type"] == type_)]


class Feed(_Server):
    """Serves a GeoJSON FeatureCollection with an ETag; answers 304 to a
    matching If-None-Match.  set() changes the content."""

    def __init__(self, features=()):
        self.set(features)
        self.gets = 0
        self.not_modified = 0

        class H(_Quiet):
            def do_GET(self):
                peer = self.server.peer
                with peer.lock:
                    peer.gets += 1
                    body, etag = peer.body, peer.etag
                    if self.headers.get("If-None-Match") == etag:
                        peer.not_modified += 1
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.reply(200, body, "application/geo+json", [("ETag", etag)])
        super().__init__(H)

    def set(self, features):
        body = json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def wait_for(cond, timeout=45, step=0.1):
    """Polls cond() until it returns something true; returns it (or fails)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting")


def secret_file(secret):
    """A file holding secret, for --webhook-secret-file (a secret on the command
    line would show in ps)."""
    import tempfile
    fd, path = tempfile.mkstemp(prefix="powermap-secret-")
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return path
