"""Facilities and the health commission: self-registration, filing, rates, changes, keys, annual reviews."""

from __future__ import annotations

from tests.integration.enrollment.conftest import assert_problem, uid


def new_facility_body(external_id: str, **extra) -> dict:
    return {"external_id": external_id, "name": "自助登记托育园", "kind": "childcare_institution",
            "ownership": "private_forprofit", "inclusive": False, **extra}


def test_a_facility_registers_itself_without_a_key_and_gets_its_own_key_once(desk):
    fid = uid("F")
    since = desk.last_seq()
    response = desk.anon.post("/registrations", json=new_facility_body(fid))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["facility"]["status"] == "registered" and body["facility"]["filed_on"] is None
    key = body["key"]["api_key"]
    assert key.startswith("fac_")

    own = desk.as_key(key)
    assert own.get(f"/facilities/{fid}").json()["external_id"] == fid
    # The key is kept only as its keyed hash, and no event carries it.
    stored = desk.world.query("enrollment", f"SELECT key_hash FROM api_keys WHERE id = {body['key']['key_id']}")
    assert stored[0][0] != key and len(stored[0][0]) == 64
    events = desk.events(since=since)
    assert [e["type"] for e in events] == ["FacilityRegistered", "ApiKeyIssued"]
    assert events[1]["payload"] == {"facility": fid, "key_id": body["key"]["key_id"], "key_hash": stored[0][0]}
    assert all(key not in str(e) for e in events)
    assert key not in desk.world["enrollment"].log.read_text()

    # Nobody gets a key for an existing facility by registering it again.
    assert_problem(desk.anon.post("/registrations", json=new_facility_body(fid)), 409)
    # The health commission then files it.
    filed = desk.admin.put(f"/facilities/{fid}/filing", json={"filed_on": "2022-04-01", "subsidy_rate": "0.10"})
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    assert desk.admin.get("/facilities", params={"status": "filed", "limit": 1000}).status_code == 200


def test_a_rate_outside_the_rule_sets_bounds_is_refused_naming_the_bounds(desk):
    f = desk.facility(filed=False)
    before = desk.counts()
    body = assert_problem(desk.admin.put(f"/facilities/{f.external_id}/filing",
                                         json={"filed_on": "2022-03-01", "subsidy_rate": "0.20"}), 422, "subsidy_rate")
    assert "0.08" in body["detail"] and "0.15" in body["detail"]
    assert_problem(desk.admin.put(f"/facilities/{f.external_id}/filing",
                                  json={"filed_on": "2021-03-01", "subsidy_rate": "0.12"}), 422, "filed_on")
    assert desk.counts() == before

    desk.admin.put(f"/facilities/{f.external_id}/filing", json={"filed_on": "2022-03-01", "subsidy_rate": "0.12"})
    assert_problem(desk.admin.post(f"/facilities/{f.external_id}/rates",
                                   json={"rate": "0.07", "effective_from": "2022-11-01"}), 422, "rate")
    changed = desk.admin.post(f"/facilities/{f.external_id}/rates", json={"rate": "0.15", "effective_from": "2022-11-01"})
    assert changed.json()["rates"] == [{"from": "2022-03-01", "rate": "0.12"}, {"from": "2022-11-01", "rate": "0.15"}]


def test_a_facility_changes_its_bank_account_but_only_the_commission_changes_its_kind(desk):
    f = desk.facility()
    since = desk.last_seq()
    changed = f.patch("", json={"bank_account": "6222 0000 1111 2222", "name": "新名字托育园"})
    assert changed.status_code == 200 and changed.json()["bank_account"] == "6222 0000 1111 2222"
    assert_problem(f.patch("", json={"kind": "employer"}), 422, "kind")
    assert_problem(f.patch("", json={"inclusive": False}), 422, "inclusive")
    by_admin = desk.admin.patch(f"/facilities/{f.external_id}", json={"inclusive": False})
    assert by_admin.json()["inclusive"] is False
    assert [e["type"] for e in desk.events(since=since)] == ["FacilityChanged", "FacilityChanged"]


def test_the_commission_issues_and_revokes_keys_and_a_revoked_key_no_longer_opens_anything(desk):
    f = desk.facility()
    since = desk.last_seq()
    issued = desk.admin.post(f"/facilities/{f.external_id}/keys", json={"label": "front desk"})
    assert issued.status_code == 201
    key, key_id = issued.json()["api_key"], issued.json()["key_id"]
    assert desk.as_key(key).get(f"/facilities/{f.external_id}").status_code == 200
    listed = desk.admin.get(f"/facilities/{f.external_id}/keys").json()
    assert key_id in [k["key_id"] for k in listed] and key not in str(listed)

    assert desk.admin.delete(f"/facilities/{f.external_id}/keys/{key_id}").status_code == 204
    assert desk.admin.delete(f"/facilities/{f.external_id}/keys/{key_id}").status_code == 204  # again: nothing
    assert_problem(desk.as_key(key).get(f"/facilities/{f.external_id}"), 401)
    assert f.get("").status_code == 200  # the facility's other key still works

    events = desk.events(since=since)
    assert [e["type"] for e in events] == ["ApiKeyIssued", "ApiKeyRevoked"]
    assert events[0]["payload"]["key_hash"] == events[1]["payload"]["key_hash"]
    assert set(events[1]["payload"]) == {"facility", "key_id", "key_hash"}
    assert key not in str(events)
    assert_problem(desk.admin.delete(f"/facilities/{f.external_id}/keys/999999"), 404)


def test_a_failed_review_puts_the_facility_in_rectification_and_a_pass_ends_it(desk):
    f = desk.facility()
    review = lambda day, result: desk.admin.post(f"/facilities/{f.external_id}/reviews",  # noqa: E731
                                                 json={"date": day, "result": result})
    assert review("2022-06-30", "fail").json()["status"] == "rectification"
    assert review("2022-09-30", "pass").json()["status"] == "filed"
    assert review("2022-09-30", "pass").status_code == 200  # the same review again changes nothing
    assert_problem(review("2022-09-30", "fail"), 409)
    assert_problem(review("2022-07-15", "pass"), 422, "date")  # before the last review: refused
    assert review("2022-12-01", "fail").json()["status"] == "rectification"  # not consecutive with June's


def test_a_second_consecutive_fail_revokes_and_ends_active_enrollments_the_day_before_each_as_an_event(desk):
    f = desk.facility()
    _, k1 = desk.child(f)
    _, k2 = desk.child(f, birth_date="2021-06-01")
    _, k3 = desk.child(f, birth_date="2021-07-01")
    open_ended = desk.enroll(f, k1)
    ends_later = desk.enroll(f, k2, end="2023-06-30")
    ended_before = desk.enroll(f, k3, end="2022-10-31")
    review = lambda day, result: desk.admin.post(f"/facilities/{f.external_id}/reviews",  # noqa: E731
                                                 json={"date": day, "result": result})
    review("2022-06-30", "fail")
    since = desk.last_seq()
    revoked = review("2022-12-15", "fail").json()
    assert revoked["status"] == "revoked" and revoked["revoked_on"] == "2022-12-15"

    events = desk.events(since=since)
    assert events[0]["type"] == "FacilityRevoked"
    ended = {e["payload"]["enrollment"]["external_id"]: e for e in events if e["type"] == "EnrollmentEnded"}
    assert set(ended) == {open_ended, ends_later}
    for e in ended.values():
        assert e["payload"]["enrollment"]["end"] == "2022-12-14" and e["payload"]["reason"] == "facility_revoked"
        assert e["occurred_on"] == "2022-12-15"
    assert f.get(f"/enrollments/{ended_before}").json()["end"] == "2022-10-31"

    # A revoked facility accepts nothing new, and no further review.
    before = desk.counts()
    assert_problem(f.post("/enrollments", json={"external_id": uid("E"), "child": k1, "class": "C1",
                                                "monthly_fee": "2000.00", "start": "2023-01-01"}), 422, "facility")
    assert_problem(f.post("/classes", json={"external_id": uid("C"), "opened_on": "2023-01-01", "capacity": 5}),
                   422, "facility")
    assert_problem(f.post("/families", json={"external_id": uid("FAM")}), 422, "facility")
    assert_problem(review("2023-06-30", "pass"), 422, "date")
    assert desk.counts() == before


def test_the_commission_lists_facilities_by_status_kind_and_inclusive_flag(desk):
    plain = desk.facility(filed=False, inclusive=False)
    seen = []
    cursor = None
    while True:
        page = desk.admin.get("/facilities", params={"status": "registered", "inclusive": "false", "limit": 3,
                                                     **({"cursor": cursor} if cursor else {})}).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert plain.external_id in [f["external_id"] for f in seen]
    assert all(f["status"] == "registered" and not f["inclusive"] for f in seen)
    assert_problem(desk.as_key(plain.key).get("/facilities"), 404)
    assert_problem(desk.admin.get("/facilities", params={"cursor": "not-a-cursor"}), 422, "cursor")


def _listed(desk, status: str) -> set[str]:
    seen, cursor = set(), None
    while True:
        page = desk.admin.get("/facilities", params={"status": status, "limit": 50,
                                                     **({"cursor": cursor} if cursor else {})}).json()
        assert {f["status"] for f in page["items"]} <= {status}
        seen |= {f["external_id"] for f in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_the_status_filter_follows_the_review_rule_through_rectification_to_revocation(desk):
    f = desk.facility()
    review = lambda day, result: desk.admin.post(f"/facilities/{f.external_id}/reviews",  # noqa: E731
                                                 json={"date": day, "result": result})
    assert f.external_id in _listed(desk, "filed")
    review("2022-06-30", "fail")
    assert f.external_id in _listed(desk, "rectification") and f.external_id not in _listed(desk, "filed")
    review("2022-12-15", "fail")
    assert f.external_id in _listed(desk, "revoked") and f.external_id not in _listed(desk, "rectification")
