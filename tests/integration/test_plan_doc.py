"""The 個別避難計画 as a living document (issue 15): the destination agreed with
a facility, the status draft -> agreed -> shared (shared only with consent),
who moved it and when, the review date, and 要見直し after a change."""

LAT = 35.0


def shelter(env, ext, lon, **kw):
    body = {"external_id": ext, "name": "避難所" + ext, "lat": LAT, "lon": lon, "outlets": 4,
            "power_w": 2000, "welfare": True, "kind": "welfare", "flood": True,
            "earthquake": True}
    body.update(kw)
    r = env.post("/v1/shelters", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def child(env, ext, lon=139.0, consent=False, **kw):
    body = {"external_id": ext, "name": "試験 " + ext, "lat": LAT, "lon": lon,
            "mobility": "wheelchair", "consent": consent,
            "devices": [{"type": "ventilator", "power_w": 60, "battery_h": 4,
                         "life_sustaining": True}]}
    body.update(kw)
    r = env.post("/v1/children", body, token=env.planner)
    assert r.status == 201, r
    return r.json()["id"]


def put_plan(env, cid, body, token=None):
    return env.put(f"/v1/children/{cid}/plan", body, token=token or env.planner)


def document(env, cid):
    r = env.get(f"/v1/children/{cid}/plan", token=env.planner)
    assert r.status == 200, r
    return r.json()["document"]


def test_a_new_plan_is_a_draft_without_a_review_due(env):
    env.reset()
    cid = child(env, "D1")
    d = document(env, cid)
    assert d["status"] == "draft" and d["review_due"] is False
    assert d["agreed_destination"] is None and d["history"] == []


def test_an_agreed_destination_is_stored_with_its_note_and_shown_in_the_plan(env):
    env.reset()
    sid = shelter(env, "S1", 139.01)
    cid = child(env, "D2")
    r = put_plan(env, cid, {"dest_type": "shelter", "dest_id": sid, "note": "福祉避難所へ直接避難（施設と合意）"})
    assert r.status == 200, r
    assert r.json()["agreed_destination"]["id"] == sid
    d = document(env, cid)
    a = d["agreed_destination"]
    assert a["type"] == "shelter" and a["name"] == "避難所S1"
    assert a["note"] == "福祉避難所へ直接避難（施設と合意）"
    assert a["by"] == "key:test-planner" and a["at"]
    rows = env.psql(f"SELECT action, child_ids FROM audit_log WHERE action = 'plan.update'")
    assert rows == [["plan.update", "{%d}" % cid]]
    # Cleared with both null.
    r = put_plan(env, cid, {"dest_type": None, "dest_id": None})
    assert r.status == 200 and r.json()["agreed_destination"] is None


def test_status_moves_are_recorded_with_who_and_when(env):
    env.reset()
    cid = child(env, "D3", consent=True)
    r = put_plan(env, cid, {"status": "agreed"})
    assert r.status == 200, r
    d = r.json()
    assert d["status"] == "agreed" and d["status_by"] == "key:test-planner" and d["status_at"]
    r = put_plan(env, cid, {"status": "shared"})
    assert r.status == 200, r
    hist = r.json()["history"]
    assert [h["status"] for h in hist] == ["agreed", "shared"]
    assert all(h["by"] == "key:test-planner" for h in hist)


def test_the_review_date_is_a_year_on_by_default_and_can_be_set(env):
    env.reset()
    cid = child(env, "D4")
    r = put_plan(env, cid, {"status": "agreed"})
    expect = env.psql("SELECT (current_date + 365)::text")[0][0]
    assert r.json()["review_date"] == expect
    r = put_plan(env, cid, {"review_date": "2099-04-01"})
    assert r.status == 200 and r.json()["review_date"] == "2099-04-01"
    assert r.json()["status"] == "agreed"


def test_sharing_without_consent_is_refused(env):
    env.reset()
    cid = child(env, "D5", consent=False)
    put_plan(env, cid, {"status": "agreed"})
    r = put_plan(env, cid, {"status": "shared"})
    assert r.status == 409, r
    err = r.json()["error"]
    assert err["reason"] == "consent_required" and "同意" in err["message"]
    assert document(env, cid)["status"] == "agreed"


def test_sharing_needs_an_agreed_plan_first(env):
    env.reset()
    cid = child(env, "D6", consent=True)
    r = put_plan(env, cid, {"status": "shared"})
    assert r.status == 409 and r.json()["error"]["reason"] == "not_agreed", r


def test_withdrawn_consent_unshares_the_plan(env):
    env.reset()
    cid = child(env, "D7", consent=True)
    put_plan(env, cid, {"status": "agreed"})
    put_plan(env, cid, {"status": "shared"})
    r = env.put(f"/v1/children/{cid}", {"consent": False}, token=env.planner)
    assert r.status == 200, r
    d = document(env, cid)
    assert d["status"] == "agreed" and d["review_due"] is True
    assert "consent" in d["review_reasons"]


def test_bad_bodies_are_400_in_japanese_with_a_reason_code(env):
    env.reset()
    sid = shelter(env, "S2", 139.01)
    cid = child(env, "D8")
    cases = [
        ({}, "empty_body"),
        ({"status": "signed"}, "bad_status"),
        ({"colour": "red"}, "unknown_field"),
        ({"dest_type": "shelter"}, "dest_incomplete"),
        ({"dest_type": "school", "dest_id": sid}, "bad_dest_type"),
        ({"dest_type": "shelter", "dest_id": -3}, "bad_dest_id"),
        ({"dest_type": "shelter", "dest_id": sid + 1000}, "dest_not_found"),
        ({"dest_type": "power_point", "dest_id": sid}, "dest_not_found"),
        ({"review_date": "2020-01-01"}, "bad_review_date"),
        ({"review_date": "2099-02-30"}, "bad_review_date"),
        ({"review_date": "tomorrow"}, "bad_review_date"),
    ]
    for body, reason in cases:
        r = put_plan(env, cid, body)
        assert r.status == 400, (body, r)
        err = r.json()["error"]
        assert err["reason"] == reason, (body, err)
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err
    r = put_plan(env, cid, "not json")
    assert r.status == 400 and r.json()["error"]["reason"] == "bad_json"
    r = put_plan(env, 999999, {"status": "agreed"})
    assert r.status == 404 and r.json()["error"]["reason"] == "no_child"
    # Nothing was written by any of them.
    assert env.psql(f"SELECT count(*) FROM child_plans") == [["0"]]


def test_only_planners_move_a_plan(env):
    env.reset()
    cid = child(env, "D9")
    assert put_plan(env, cid, {"status": "agreed"}, token=env.viewer).status == 403
    assert env.put(f"/v1/children/{cid}/plan", {"status": "agreed"}).status == 401


def test_a_device_change_marks_the_plan_for_review(env):
    env.reset()
    cid = child(env, "D10")
    put_plan(env, cid, {"status": "agreed"})
    assert document(env, cid)["review_due"] is False
    r = env.put(f"/v1/children/{cid}", {"devices": [
        {"type": "ventilator", "power_w": 80, "battery_h": 3, "life_sustaining": True}]},
        token=env.planner)
    assert r.status == 200, r
    d = document(env, cid)
    assert d["review_due"] is True and d["review_reasons"] == ["device"] and d["changed_at"]
    # Agreeing it again is the review: the reasons go.
    r = put_plan(env, cid, {"status": "agreed"})
    assert r.json()["review_due"] is False and r.json()["review_reasons"] == []


def test_an_address_or_supporter_change_marks_the_plan_for_review(env):
    env.reset()
    cid = child(env, "D11")
    put_plan(env, cid, {"status": "agreed"})
    env.put(f"/v1/children/{cid}", {"address": "東京都千代田区1-1"}, token=env.planner)
    env.put(f"/v1/children/{cid}", {"supporters": ["近所の 山田"]}, token=env.planner)
    d = document(env, cid)
    assert d["review_due"] is True
    assert d["review_reasons"] == ["address", "supporters"], d


def test_a_plan_past_its_review_date_is_due(env):
    env.reset()
    cid = child(env, "D12")
    put_plan(env, cid, {"status": "agreed"})
    env.psql(f"UPDATE child_plans SET review_date = current_date WHERE child_id = {cid}")
    d = document(env, cid)
    assert d["review_due"] is True and d["review_reasons"] == ["overdue"]


def test_writing_the_same_devices_again_does_not_mark_the_plan(env):
    env.reset()
    cid = child(env, "D13")
    put_plan(env, cid, {"status": "agreed"})
    same = [{"type": "ventilator", "power_w": 60, "battery_h": 4, "life_sustaining": True}]
    r = env.put(f"/v1/children/{cid}", {"devices": same, "name": "試験 D13"}, token=env.planner)
    assert r.status == 200, r
    d = document(env, cid)
    assert d["review_due"] is False and d["review_reasons"] == [], d


def test_the_list_of_plans_shows_status_and_review_due(env):
    env.reset()
    a, b, c = child(env, "L1"), child(env, "L2"), child(env, "L3")
    put_plan(env, a, {"status": "agreed"})
    put_plan(env, b, {"status": "agreed"})
    env.put(f"/v1/children/{b}", {"address": "試験市西町9"}, token=env.planner)
    r = env.get("/v1/plans/documents", token=env.viewer)
    assert r.status == 200, r
    items = {i["child_id"]: i for i in r.json()["items"]}
    assert r.json()["total"] == 3 and set(items) == {a, b, c}
    assert items[a]["status"] == "agreed" and items[a]["review_due"] is False
    assert items[b]["review_due"] is True and items[b]["review_reasons"] == ["address"]
    assert items[c]["status"] == "draft" and items[c]["review_date"] is None
    r = env.get("/v1/plans/documents?review_due=true", token=env.viewer)
    assert [i["child_id"] for i in r.json()["items"]] == [b] and r.json()["total"] == 1
    r = env.get("/v1/plans/documents?status=draft", token=env.viewer)
    assert [i["child_id"] for i in r.json()["items"]] == [c]
    rows = env.psql("SELECT child_ids FROM audit_log WHERE action = 'plan.list' ORDER BY id")
    assert rows[0] == ["{%d,%d,%d}" % (a, b, c)] and rows[1] == ["{%d}" % b]
    assert env.get("/v1/plans/documents?review_due=yes", token=env.viewer).status == 400
    assert env.get("/v1/plans/documents").status == 401
