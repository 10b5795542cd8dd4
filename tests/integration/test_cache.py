"""The in-process cache of public answers (server/cache.c): a repeated
anonymous request is answered from memory (X-Cache: hit), a change to the data
is never hidden by it, and nothing asked with credentials is read from or kept
in it."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mapdata  # noqa: E402

DATA = {}


def setup(env):
    DATA.update(mapdata.load(env))
    pid, lon, lat = env.psql("SELECT id, ST_X(geom), ST_Y(geom) FROM power_points "
                             "WHERE public ORDER BY id LIMIT 1")[0]
    lon, lat = float(lon), float(lat)
    DATA["pid"] = pid
    DATA["bbox"] = f"{lon - 0.01:.4f},{lat - 0.01:.4f},{lon + 0.01:.4f},{lat + 0.01:.4f}"


def urls():
    b = DATA["bbox"]
    return [f"/ogc/collections/power_points/items?bbox={b}&limit=50",
            f"/v1/maps/power.geojson?bbox={b}",
            f"/ogc/collections/power_points/items/{DATA['pid']}"]


def test_a_repeated_public_answer_comes_from_the_cache_unchanged(env):
    for url in urls() + ["/ogc/collections", "/tiles/power_points.json",
                         "/tiles/power_points/11/1803/799.mvt"]:
        a = env.get(url)
        b = env.get(url)
        assert a.status in (200, 204) and b.status == a.status, (url, a, b)
        assert b.headers.get("X-Cache") == "hit", (url, dict(b.headers))
        assert b.body == a.body, url
        for h in ("ETag", "Content-Type", "Cache-Control", "Access-Control-Allow-Origin", "Vary"):
            assert b.headers.get(h) == a.headers.get(h), (url, h)
    g1 = env.get(urls()[0], headers={"Accept-Encoding": "gzip"})
    g2 = env.get(urls()[0], headers={"Accept-Encoding": "gzip"})
    assert g2.headers.get("X-Cache") == "hit" and g2.headers["Content-Encoding"] == "gzip"
    assert g2.body == g1.body and g2.headers["ETag"].endswith('-gz"')
    import gzip
    assert json.loads(gzip.decompress(g2.body)) == json.loads(env.get(urls()[0]).body)
    # A conditional request is left to the route (304 from the versions).
    r = env.get(urls()[0], headers={"If-None-Match": g1.headers["ETag"].replace("-gz", "")})
    assert r.status == 304 and "X-Cache" not in r.headers


def test_a_change_is_never_hidden_by_the_cache(env):
    # Regression guard: every answer after a committed change shows it, for
    # each kind of public answer, change after change.
    pid = DATA["pid"]
    for i in range(12):
        name = f"キャッシュ確認{i}"
        env.psql(f"UPDATE power_points SET name = '{name}' WHERE id = {pid}")
        for url in urls():
            r = env.get(url)
            assert r.status == 200 and name in r.body.decode(), (i, url, r.headers.get("X-Cache"))
            assert env.get(url).headers.get("X-Cache") == "hit", (i, url)


def test_concurrent_readers_never_see_an_answer_older_than_a_committed_change(env):
    pid, url = DATA["pid"], urls()[0]
    committed = [-1]
    errors = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            before = committed[0]
            r = env.get(url)
            feats = json.loads(r.body)["features"]
            name = next(f["properties"]["name"] for f in feats if str(f["id"]) == str(pid))
            seen = int(name[len("並行"):]) if name.startswith("並行") else -1
            if seen < before:
                errors.append((before, seen, r.headers.get("X-Cache")))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(15):
            env.psql(f"UPDATE power_points SET name = '並行{i}' WHERE id = {pid}")
            committed[0] = i
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[:5]


def test_nothing_asked_with_credentials_is_read_from_or_kept_in_the_cache(env):
    hidden = env.psql("SELECT name, ST_X(geom), ST_Y(geom) FROM power_points WHERE NOT public "
                      "ORDER BY id LIMIT 1")[0]
    name, lon, lat = hidden[0], float(hidden[1]), float(hidden[2])
    url = (f"/ogc/collections/power_points/items?bbox={lon - 0.01:.4f},{lat - 0.01:.4f},"
           f"{lon + 0.01:.4f},{lat + 0.01:.4f}&limit=50")
    anon = env.get(url)
    assert env.get(url).headers.get("X-Cache") == "hit" and name not in anon.body.decode()
    # A token holder sees the private point, never from the cache...
    for _ in range(3):
        t = env.get(url, token=env.viewer)
        assert t.status == 200 and "X-Cache" not in t.headers and name in t.body.decode()
        assert t.headers["Cache-Control"] == "private, no-store"
    # ...and what a token holder was answered is never given to anyone else.
    env.psql("UPDATE power_points SET outlets = outlets + 1 WHERE public AND id = "
             f"{DATA['pid']}")
    for _ in range(3):
        env.get(url, token=env.viewer)
    a = env.get(url)
    assert "X-Cache" not in a.headers and name not in a.body.decode()
    # Any Authorization or Cookie header keeps the cache out, valid or not.
    for hdrs in ({"Authorization": "Basic eDp4"}, {"Cookie": "powermap_session=x"}):
        r = env.get(url, headers=hdrs)
        assert "X-Cache" not in r.headers, (hdrs, r.status)
