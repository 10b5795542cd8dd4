"""Registry over HTTP: children (devices nested), shelters, power points, facilities,
the 安否確認 calls."""
import re
import subprocess

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


def test_a_bad_field_carries_its_reason_in_japanese_with_a_code(env):
    """Besides the English message, a row the validator refuses says why for
    people: the stable code, the column (a device's under its index) and the
    Japanese text the web form shows at the field."""
    cases = [
        ({"lat": 91}, "bad_latitude", "lat", "「91」は緯度の範囲"),
        ({"mobility": "flying"}, "invalid_value", "mobility", "「flying」は walk（歩ける）"),
        ({"birth_date": "2021-02-30"}, "bad_date", "birth_date", "日付として読めません"),
        ({"devices": [{"type": "ventilator", "power_w": 5, "battery_h": 1},
                      {"type": "pump", "power_w": -5, "battery_h": 1}]},
         "bad_number", "devices[1].power_w", "「-5」は 0 以上の数値として読めません"),
    ]
    for patch, code, column, text in cases:
        body = dict(CHILD, external_id="T-JA", **patch)
        r = env.post("/v1/children", body, token=env.planner)
        assert r.status == 400, (patch, r)
        why = r.json()["error"]["reason"]
        assert (why["code"], why["column"]) == (code, column), (patch, why)
        assert text in why["ja"], (patch, why)
    assert env.psql("SELECT count(*) FROM children WHERE external_id = 'T-JA'") == [["0"]]


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


# ---------------------------------------------------------------------------
# DESIGN 4 (v2): the new fields round-trip through the JSON API and history

CHILD_V2 = {
    "external_id": "T-300", "name": "例示 みなと", "name_kana": "レイジ ミナト",
    "birth_date": "2019-06-01", "sex": "male", "address": "架空市港町2-3", "lat": 37.05,
    "lon": 136.96, "phone": "0767-00-0200", "district": "港町2丁目", "mobility": "stretcher",
    "care": ["ventilator", "suction", "oxygen"], "severe_disability": True,
    "affiliation": "special_school", "affiliation_name": "架空県立港特別支援学校",
    "grade": "小学部1年", "guardian_name": "例示 保護者", "guardian_phone": "090-0000-0200",
    "supporters": ["祖母 だけ", {"name": "例示 叔父", "relation": "叔父",
                                "phone": "080-0000-0201", "address": "架空市本町1-1"}],
    "medical_contacts": [
        {"role": "doctor", "name": "架空 医師", "organisation": "架空こども病院",
         "phone": "0767-00-1111"},
        {"role": "device_dealer", "organisation": "架空メディカル 24時間", "phone": "0120-000-000"}],
    "utility_registered": True, "consent": True, "consent_date": "2025-04-01",
    "consent_scope": "支援者・避難所", "source": "障害福祉課",
    "home_battery_wh": 1024, "home_generator_w": 900, "home_generator_h": 8,
    "car_inverter_w": 1500,
    "devices": [
        {"type": "ventilator", "power_w": 60, "battery_h": 8, "life_sustaining": True,
         "maker": "架空メディカル", "model": "HV-20", "settings": "SIMV 150mL 20回/分",
         "charge_h": 5},
        {"type": "suction", "power_w": 40, "battery_h": 1, "life_sustaining": False,
         "duty": "intermittent", "minutes_per_hour": 10, "charge_h": 3},
        {"type": "oxygen_concentrator", "power_w": 300, "battery_h": 0,
         "life_sustaining": True, "backup_h": 12},
    ],
}


def test_v2_child_fields_round_trip_through_json(env):
    r = env.post("/v1/children", CHILD_V2, token=env.planner)
    assert r.status == 201, r
    c = r.json()
    for k in ("sex", "phone", "district", "affiliation", "affiliation_name", "grade",
              "severe_disability", "utility_registered", "consent_date", "consent_scope",
              "home_battery_wh", "home_generator_w", "home_generator_h", "car_inverter_w"):
        assert c[k] == CHILD_V2[k], (k, c[k])
    assert c["supporters"] == [
        {"name": "祖母 だけ", "relation": None, "phone": None, "address": None},
        {"name": "例示 叔父", "relation": "叔父", "phone": "080-0000-0201",
         "address": "架空市本町1-1"}]
    assert c["medical_contacts"][1] == {"role": "device_dealer", "name": None,
                                        "organisation": "架空メディカル 24時間",
                                        "phone": "0120-000-000"}
    # The reporting department is a source with the date of its report.
    assert [s["department"] for s in c["sources"]] == ["障害福祉課"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", c["sources"][0]["date"])
    d = {x["type"]: x for x in c["devices"]}
    assert d["suction"]["duty"] == "intermittent" and d["suction"]["minutes_per_hour"] == 10
    assert d["ventilator"]["duty"] == "continuous" and d["ventilator"]["maker"] == "架空メディカル"
    assert d["ventilator"]["settings"] == "SIMV 150mL 20回/分" and d["ventilator"]["charge_h"] == 5
    assert d["oxygen_concentrator"]["backup_h"] == 12
    # Read back and written back unchanged: nothing is written (no history row).
    before = env.psql("SELECT count(*) FROM history")
    again = env.put(f"/v1/children/{c['id']}", c, token=env.planner)
    assert again.status == 200, again
    assert env.psql("SELECT count(*) FROM history") == before
    # History keeps the structured values.
    row = env.psql(f"SELECT new_row->'supporters'->1->>'relation', new_row->>'home_battery_wh' "
                   f"FROM history WHERE table_name = 'children' AND record_id = {c['id']} "
                   f"AND op = 'insert'")
    assert row == [["叔父", "1024"]]


def test_v2_another_department_adds_a_source(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-300'")[0][0]
    r = env.put(f"/v1/children/{cid}", {"source": "保育課"}, token=env.planner)
    assert r.status == 200, r
    deps = [s["department"] for s in r.json()["sources"]]
    assert deps == ["障害福祉課", "保育課"], deps


def test_v2_bad_values_are_400s_that_name_the_field(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-300'")[0][0]
    cases = [
        ({"sex": "x"}, "sex"),
        ({"affiliation": "university"}, "affiliation"),
        ({"medical_contacts": [{"role": "wizard", "name": "A"}]}, "medical_contacts"),
        ({"medical_contacts": [{"role": "doctor", "nickname": "A"}]}, "medical_contacts"),
        ({"supporters": [{"relation": "叔父"}]}, "supporters"),
        ({"supporters": "A;B"}, "supporters"),
        ({"sources": [{"department": "健康課", "date": "2025-13-01"}]}, "sources"),
        ({"home_battery_wh": -1}, "home_battery_wh"),
        ({"consent_date": "yesterday"}, "consent_date"),
        ({"devices": [{"type": "suction", "power_w": 40, "battery_h": 1,
                       "duty": "intermittent"}]}, "minutes_per_hour"),
        ({"devices": [{"type": "suction", "power_w": 40, "battery_h": 1,
                       "duty": "intermittent", "minutes_per_hour": 61}]}, "minutes_per_hour"),
        ({"devices": [{"type": "x", "power_w": 1, "battery_h": 1, "duty": "sometimes"}]}, "duty"),
    ]
    for body, field in cases:
        r = env.put(f"/v1/children/{cid}", body, token=env.planner)
        assert r.status == 400, (body, r)
        assert field in r.json()["error"]["message"], (body, r.text)


def test_text_fields_are_bounded_with_a_400_naming_the_field(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-300'")[0][0]
    cases = [
        ({"name": "あ" * 301}, "name"),
        ({"address": "x" * 301}, "address"),
        ({"consent_scope": "x" * 4001}, "consent_scope"),
        ({"supporters": [{"name": "x" * 301}]}, "supporters"),
        ({"supporters": [f"支援者{i}" for i in range(51)]}, "supporters"),
        ({"devices": [{"type": "x", "power_w": 1, "battery_h": 1, "settings": "s" * 4001}]},
         "settings"),
    ]
    for body, field in cases:
        r = env.put(f"/v1/children/{cid}", body, token=env.planner)
        assert r.status == 400, (field, r)
        msg = r.json()["error"]["message"]
        assert field in msg and re.search(r"(longer than|more than) (300|4000|50) ", msg), msg
    # Exactly at the bound is fine.
    r = env.put(f"/v1/children/{cid}", {"name": "あ" * 300}, token=env.planner)
    assert r.status == 200, r
    r = env.post("/v1/shelters", dict(SHELTER, external_id="TS-LONG", notes="n" * 4001),
                 token=env.planner)
    assert r.status == 400 and "notes" in r.text, r


def test_v2_places_have_backup_power_and_dispatch(env):
    s = env.post("/v1/shelters", dict(SHELTER, external_id="TS-V2", municipality="17202",
                                      backup_power="generator", backup_h=72,
                                      notes="2階に福祉スペース"), token=env.planner)
    assert s.status == 201, s
    got = s.json()
    assert (got["municipality"], got["backup_power"], got["backup_h"], got["notes"]) == \
        ("17202", "generator", 72, "2階に福祉スペース")
    p = env.post("/v1/power-points", dict(POINT, external_id="TP-V2", kind="power_vehicle",
                                          dispatchable=True, range_km=25,
                                          backup_power="vehicle", backup_h=24),
                 token=env.planner)
    assert p.status == 201, p
    got = p.json()
    assert got["dispatchable"] is True and got["range_km"] == 25 and got["backup_power"] == "vehicle"
    plain = env.post("/v1/power-points", dict(POINT, external_id="TP-V2b"), token=env.planner)
    assert plain.json()["backup_power"] == "none" and plain.json()["dispatchable"] is False
    bad = env.put(f"/v1/shelters/{s.json()['id']}", {"backup_power": "nuclear"},
                  token=env.planner)
    assert bad.status == 400 and "backup_power" in bad.text, bad


FACILITY = {"external_id": "TF-1", "name": "架空市児童発達支援センター",
            "kind": "child_development_center", "lat": 37.04, "lon": 136.95,
            "address": "架空市本町3-1", "phone": "0767-00-7000", "medical_care": True,
            "capacity": 20, "municipality": "17202"}


def test_facilities_crud_like_shelters(env):
    r = env.post("/v1/facilities", FACILITY, token=env.planner)
    assert r.status == 201, r
    f = r.json()
    assert r.headers["Location"] == f"/v1/facilities/{f['id']}"
    assert f["kind"] == "child_development_center" and f["medical_care"] is True
    assert env.post("/v1/facilities", FACILITY, token=env.planner).status == 409
    assert env.post("/v1/facilities", FACILITY, token=env.viewer).status == 403
    # Public data: read without a token.
    pub = env.get(f"/v1/facilities/{f['id']}")
    assert pub.status == 200 and pub.json()["name"] == FACILITY["name"]
    lst = env.get("/v1/facilities")
    assert lst.status == 200 and lst.json()["total"] == 1
    up = env.put(f"/v1/facilities/{f['id']}", {"capacity": 25}, token=env.planner)
    assert up.status == 200 and up.json()["capacity"] == 25 and up.json()["name"] == FACILITY["name"]
    bad = env.post("/v1/facilities", dict(FACILITY, external_id="TF-2", kind="spa"),
                   token=env.planner)
    assert bad.status == 400 and "kind" in bad.text, bad
    assert env.delete(f"/v1/facilities/{f['id']}", token=env.planner).status == 403
    assert env.delete(f"/v1/facilities/{f['id']}", token=env.admin).status == 200
    ops = env.psql(f"SELECT op FROM history WHERE table_name = 'facilities' "
                   f"AND record_id = {f['id']} ORDER BY id")
    assert ops == [["insert"], ["update"], ["delete"]]


def test_calls_are_an_audited_append_only_log(env):
    cid = env.psql("SELECT id FROM children WHERE external_id = 'T-300'")[0][0]
    assert env.get(f"/v1/children/{cid}/calls").status == 401
    assert env.post(f"/v1/children/{cid}/calls", {"status": "safe_home"},
                    token=env.viewer).status == 403
    first = env.post(f"/v1/children/{cid}/calls", {"status": "not_reached"}, token=env.planner)
    assert first.status == 201, first
    second = env.post(f"/v1/children/{cid}/calls",
                      {"status": "needs_transport", "note": "ストレッチャーで搬送が必要"},
                      token=env.planner)
    assert second.status == 201, second
    k = second.json()
    assert k["status"] == "needs_transport" and k["actor"] == "key:test-planner"
    lst = env.get(f"/v1/children/{cid}/calls", token=env.viewer)
    assert lst.status == 200, lst
    assert [x["status"] for x in lst.json()["items"]] == ["needs_transport", "not_reached"]
    assert lst.json()["total"] == 2
    assert env.post(f"/v1/children/{cid}/calls", {"status": "fine"},
                    token=env.planner).status == 400
    assert env.post(f"/v1/children/{cid}/calls", {"status": "other", "note": "x" * 4001},
                    token=env.planner).status == 400
    assert env.post(f"/v1/children/{cid}/calls", {"status": "other", "mood": "ok"},
                    token=env.planner).status == 400
    assert env.post("/v1/children/999999/calls", {"status": "other"},
                    token=env.planner).status == 404
    assert env.get("/v1/children/999999/calls", token=env.viewer).status == 404
    latest = env.psql(f"SELECT status FROM child_latest_call WHERE child_id = {cid}")
    assert latest == [["needs_transport"]]
    assert env.psql(f"SELECT powermap_latest_call_json({cid})->>'status'") == [["needs_transport"]]
    acts = env.psql(f"SELECT action FROM audit_log WHERE {cid} = ANY (child_ids) "
                    f"AND action LIKE 'child.call%' ORDER BY id")
    assert ["child.call"] in acts and ["child.calls.read"] in acts
    # Append-only: the database refuses to change or remove a call.
    for sql in (f"UPDATE calls SET status = 'safe_home' WHERE child_id = {cid}",
                f"DELETE FROM calls WHERE child_id = {cid}"):
        try:
            env.psql(sql)
            refused = False
        except subprocess.CalledProcessError as e:
            refused = "append-only" in e.stderr
        assert refused, sql
    assert env.psql(f"SELECT count(*) FROM calls WHERE child_id = {cid}") == [["2"]]


def test_concurrent_creates_of_one_external_id_give_one_record_and_409s(env):
    import threading
    body = dict(FACILITY, external_id="TF-RACE")
    out = []

    def post():
        out.append(env.post("/v1/facilities", body, token=env.planner).status)
    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == [201] + [409] * 7, out
    assert env.psql("SELECT count(*) FROM facilities WHERE external_id = 'TF-RACE'") == [["1"]]


def test_a_place_without_coordinates_needs_the_geocoder(env):
    r = env.post("/v1/shelters", {"external_id": "TS-ADDR", "name": "住所だけの避難所",
                                  "address": "架空市本町1-1"}, token=env.planner)
    assert r.status == 400 and "lat/lon" in r.text, r
    r = env.post("/v1/shelters", {"external_id": "TS-NONE", "name": "どこにもない避難所"},
                 token=env.planner)
    assert r.status == 400 and "address" in r.text, r
    # A child is kept without a home point (its plan says so).
    r = env.post("/v1/children", {"external_id": "T-NOHOME", "address": "架空市本町1-1"},
                 token=env.planner)
    assert r.status == 201 and r.json()["lat"] is None, r


def test_long_lists_stream_instead_of_being_built_whole(env):
    # 600 children with long (bounded) names: a page of them is more than the
    # daemon buffers, so it is streamed (no Content-Length) -- and complete.
    rows = ["external_id,name,supporters"]
    for i in range(600):
        rows.append(f"L-{i:04d},{'長' * 300},{';'.join('支援者' + str(k) for k in range(20))}")
    import tempfile, os
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    try:
        assert env.import_file("children", f.name).returncode == 0
    finally:
        os.unlink(f.name)
    total = int(env.psql("SELECT count(*) FROM children")[0][0])
    r = env.get("/v1/children?limit=10000", token=env.viewer)
    assert r.status == 200, r
    # A streamed list is spooled off the database (memory up to 4 MB, then an
    # unlinked file) before it is sent, so a slow reader holds no pooled
    # connection (issue 10/11.2): it arrives with a Content-Length, complete.
    body = r.json()
    assert body["total"] == total and len(body["items"]) == total
    assert len([c for c in body["items"] if c["external_id"].startswith("L-")]) == 600
    page = env.get("/v1/children?limit=7&offset=3", token=env.viewer).json()
    assert [c["id"] for c in page["items"]] == [c["id"] for c in body["items"][3:10]]
    ids = env.psql("SELECT child_ids FROM audit_log WHERE action = 'children.list' "
                   "ORDER BY id DESC LIMIT 1")[0][0]
    assert ids == "{" + ",".join(str(c["id"]) for c in page["items"]) + "}"


def test_deleting_a_child_takes_its_calls_with_it(env):
    r = env.post("/v1/children", {"external_id": "T-CALLS", "name": "例示 通話"},
                 token=env.planner)
    assert r.status == 201, r
    cid = r.json()["id"]
    for status in ("not_reached", "safe_home"):
        assert env.post(f"/v1/children/{cid}/calls", {"status": status},
                        token=env.planner).status == 201
    assert env.delete(f"/v1/children/{cid}", token=env.admin).status == 200
    assert env.psql(f"SELECT count(*) FROM calls WHERE child_id = {cid}") == [["0"]]
