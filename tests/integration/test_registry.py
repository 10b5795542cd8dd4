"""Registry over HTTP: children (devices nested), shelters, power points."""

CHILD = {
    "external_id": "T-100", "name": "例示 さくら", "name_kana": "レイジ サクラ",
    "birth_date": "2018-05-20", "address": "架空市本町1-1", "lat": 37.05, "lon": 136.96,
    "mobility": "wheelchair", "care": ["ventilator", "suction"],
    "guardian_name": "例示 保護者", "guardian_phone": "090-0000-0100",
    "supporters": ["訪問看護A"], "hospital": "架空病院", "consent": True, "source": "障害福祉課",
    "devices": [
        {"type": "ventilator", "power_w": 80, "battery_h": 6, "life_sustaining": True},
        {"type": "suction", "power_w": 40, "battery_h": 1.5, "life_sustaining": False},
    ],
}

SHELTER = {"external_id": "TS-1", "name": "試験避難所", "kind": "welfare", "lat": 37.04,
           "lon": 136.95, "capacity": 100, "welfare": True, "power_w": 2000, "outlets": 4,
           "flood": True, "earthquake": True}

POINT = {"external_id": "TP-1", "name": "試験電源", "kind": "generator", "lat": 37.03,
         "lon": 136.97, "output_w": 3000, "outlets": 3, "hours": "09:00-17:00",
         "public": False}


def setup(env):
    env.reset()


def test_child_create_nests_devices_and_computes_need_and_runtime(env):
    r = env.post("/v1/children", CHILD, token=env.planner)
    assert r.status == 201, r
    c = r.json()
    assert c["id"] > 0 and c["external_id"] == "T-100"
    assert r.headers["Location"] == f"/v1/children/{c['id']}"
    assert [d["type"] for d in c["devices"]] == ["ventilator", "suction"]
    assert c["need_w"] == 120 and c["runtime_h"] == 6       # life-sustaining battery only
    assert c["care"] == ["ventilator", "suction"] and c["consent"] is True
    got = env.get(f"/v1/children/{c['id']}", token=env.viewer).json()
    assert got["name"] == "例示 さくら" and got["lat"] == 37.05


def test_child_create_twice_is_a_conflict(env):
    r = env.post("/v1/children", CHILD, token=env.planner)
    assert r.status == 409, r


def test_child_put_merges_fields_and_replaces_devices(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-100'")[0][0]
    r = env.put(f"/v1/children/{cid}", {"mobility": "stretcher",
                                         "devices": [{"type": "oxygen_concentrator",
                                                      "power_w": 300, "battery_h": 2,
                                                      "life_sustaining": True}]},
                token=env.planner)
    assert r.status == 200, r
    c = r.json()
    assert c["mobility"] == "stretcher" and c["name"] == "例示 さくら"
    assert c["need_w"] == 300 and c["runtime_h"] == 2 and len(c["devices"]) == 1
    # Read back and write back unchanged: accepted (read-only fields ignored).
    again = env.put(f"/v1/children/{cid}", c, token=env.planner)
    assert again.status == 200, again


def test_history_keeps_every_change_with_who(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-100'")[0][0]
    rows = env.psql(f"SELECT op, actor FROM history WHERE table_name = 'children' "
                    f"AND record_id = {cid} ORDER BY id")
    assert rows[0] == ["insert", "key:test-planner"]
    assert ["update", "key:test-planner"] in rows
    old = env.psql(f"SELECT old_row->>'mobility' FROM history WHERE table_name = 'children' "
                   f"AND record_id = {cid} AND op = 'update' ORDER BY id LIMIT 1")
    assert old == [["wheelchair"]]


def test_bad_fields_are_400s_that_name_the_field(env):
    cases = [
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"mobility": "flying"}, "mobility"),
        ({"care": ["ventilator", "magic"]}, "care"),
        ({"birth_date": "2021-02-30"}, "birth_date"),
        ({"consent": "maybe"}, "consent"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"devices": [{"type": "pump", "power_w": -5, "battery_h": 1}]}, "power_w"),
        ({"devices": [{"type": "pump", "power_w": 5, "battery_h": -1}]}, "battery_h"),
    ]
    for patch, field in cases:
        body = dict(CHILD, external_id="T-BAD", **patch)
        r = env.post("/v1/children", body, token=env.planner)
        assert r.status == 400, (patch, r)
        err = r.json()["error"]
        assert err["code"] == "bad_request" and field in err["message"], (patch, err)
    assert env.psql("SELECT count(*) FROM children WHERE external_id = 'T-BAD'") == [["0"]]
    for body in ("not json", "[1,2]", '{"external_id": 5}'):
        r = env.post("/v1/children", body, token=env.planner)
        assert r.status == 400, (body, r)


def test_lists_page_with_limit_offset_and_total(env):
    for i in range(5):
        r = env.post("/v1/shelters", dict(SHELTER, external_id=f"TS-{i}", name=f"避難所{i}"),
                     token=env.planner)
        assert r.status == 201, r
    page = env.get("/v1/shelters?limit=2&offset=1").json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert [s["external_id"] for s in page["items"]] == ["TS-1", "TS-2"]
    s = page["items"][0]
    for flag in ("flood", "landslide", "storm_surge", "earthquake", "tsunami", "fire",
                 "inland_flood", "volcano"):
        assert isinstance(s[flag], bool)
    assert s["flood"] is True and s["tsunami"] is False
    for bad in ("limit=-1", "limit=10001", "limit=abc", "offset=-3"):
        r = env.get("/v1/shelters?" + bad)
        assert r.status == 400 and "must be an integer" in r.json()["error"]["message"], bad


def test_non_public_power_points_need_a_token(env):
    r = env.post("/v1/power-points", POINT, token=env.planner)
    assert r.status == 201, r
    pid = r.json()["id"]
    assert r.json()["hours"] == "09:00-17:00" and r.json()["public"] is False
    assert env.get(f"/v1/power-points/{pid}").status == 404
    assert env.get("/v1/power-points").json()["total"] == 0
    assert env.get("/v1/power-points", token=env.viewer).json()["total"] == 1
    bad = env.post("/v1/power-points", dict(POINT, external_id="TP-2", hours="9-5"),
                   token=env.planner)
    assert bad.status == 400 and "hours" in bad.json()["error"]["message"], bad


def test_delete_is_admin_only_and_kept_in_history(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-100'")[0][0]
    assert env.delete(f"/v1/children/{cid}", token=env.planner).status == 403
    r = env.delete(f"/v1/children/{cid}", token=env.admin)
    assert r.status == 200, r
    assert env.get(f"/v1/children/{cid}", token=env.admin).status == 404
    assert env.delete(f"/v1/children/{cid}", token=env.admin).status == 404
    rows = env.psql(f"SELECT actor, old_row->>'name' FROM history WHERE table_name = 'children' "
                    f"AND record_id = {cid} AND op = 'delete'")
    assert rows == [["key:test-admin", "例示 さくら"]]
    # Its devices went with it, and left their history too.
    assert env.psql("SELECT count(*) FROM history WHERE table_name = 'devices' "
                    "AND op = 'delete'")[0][0] != "0"


def test_child_reads_are_audited(env):
    r = env.post("/v1/children", dict(CHILD, external_id="T-200"), token=env.planner)
    cid = r.json()["id"]
    before = int(env.psql("SELECT count(*) FROM audit_log")[0][0])
    env.get(f"/v1/children/{cid}", token=env.viewer)
    env.get("/v1/children", token=env.viewer)
    rows = env.psql(f"SELECT key_name, role, action, child_ids::text FROM audit_log "
                    f"ORDER BY id OFFSET {before}")
    assert rows[0] == ["test-viewer", "viewer", "child.read", "{%s}" % cid]
    assert rows[1][2] == "children.list" and str(cid) in rows[1][3]
