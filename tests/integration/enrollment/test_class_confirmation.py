"""The health commission confirms classes (POLICY "Guard rails"): a facility opens a class itself but cannot confirm
it; a confirmation is recorded once, published as `ClassConfirmed` with the class's snapshot, and a desk's list is
recorded all or none, each problem named by its index."""

from __future__ import annotations

from tests.integration.enrollment.conftest import Desk


def test_a_facility_opens_a_class_unconfirmed_and_its_own_key_cannot_confirm_it(desk: Desk):
    f = desk.facility()
    assert f.get("/classes/C1").json()["confirmed_on"] is None
    refused = f.put("/classes/C1/confirmation", json={"confirmed_on": "2022-09-01"})
    assert refused.status_code == 404
    assert f.get("/classes/C1").json()["confirmed_on"] is None


def test_the_commission_confirms_a_class_once_and_the_event_carries_the_confirmed_snapshot(desk: Desk):
    f = desk.facility()
    since = desk.last_seq()
    path = f"/facilities/{f.external_id}/classes/C1/confirmation"
    first = desk.admin.put(path, json={"confirmed_on": "2022-09-20"})
    assert first.status_code == 200, first.text
    assert first.json()["confirmed_on"] == "2022-09-20"
    again = desk.admin.put(path, json={"confirmed_on": "2022-09-20"})
    assert again.status_code == 200 and again.json()["version"] == first.json()["version"]
    moved = desk.admin.put(path, json={"confirmed_on": "2022-10-01"})
    assert moved.status_code == 409 and "confirmed on 2022-09-20" in moved.json()["detail"]
    (event,) = desk.events("ClassConfirmed", since=since)
    assert event["occurred_on"] == "2022-09-20" and event["key"] == f.external_id
    assert event["payload"]["class"]["confirmed_on"] == "2022-09-20"
    assert event["payload"]["class"]["version"] == first.json()["version"]


def test_an_unknown_class_or_facility_is_not_found(desk: Desk):
    f = desk.facility()
    assert desk.admin.put(f"/facilities/{f.external_id}/classes/C9/confirmation",
                          json={"confirmed_on": "2022-09-20"}).status_code == 404
    assert desk.admin.put("/facilities/NO-SUCH/classes/C1/confirmation",
                          json={"confirmed_on": "2022-09-20"}).status_code == 404


def test_a_list_with_one_problem_confirms_nothing_and_names_each_problem_by_its_index(desk: Desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 20), ("C2", "2022-09-01", 20)))
    before = desk.counts(), desk.last_seq()
    refused = desk.admin.post("/class-confirmations", json={"confirmations": [
        {"facility": f.external_id, "class": "C1", "confirmed_on": "2022-09-05"},
        {"facility": f.external_id, "class": "C9", "confirmed_on": "2022-09-05"},
        {"facility": "NO-SUCH", "class": "C1", "confirmed_on": "2022-09-05"}]})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["confirmations[1].class", "confirmations[2].facility"]
    assert (desk.counts(), desk.last_seq()) == before
    assert f.get("/classes/C1").json()["confirmed_on"] is None


def test_a_list_confirms_every_class_it_names_and_again_changes_nothing(desk: Desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 20), ("C2", "2022-10-01", 20)))
    body = {"confirmations": [{"facility": f.external_id, "class": "C1", "confirmed_on": "2022-09-05"},
                              {"facility": f.external_id, "class": "C2", "confirmed_on": "2022-10-08"}]}
    since = desk.last_seq()
    done = desk.admin.post("/class-confirmations", json=body)
    assert done.status_code == 200 and done.json() == {"confirmed": 2, "unchanged": 0}
    assert desk.admin.post("/class-confirmations", json=body).json() == {"confirmed": 0, "unchanged": 2}
    assert len(desk.events("ClassConfirmed", since=since)) == 2
    assert [f.get(f"/classes/{c}").json()["confirmed_on"] for c in ("C1", "C2")] == ["2022-09-05", "2022-10-08"]
    assert f.ok("POST", "/classes", json={"external_id": "C1", "opened_on": "2022-09-01", "capacity": 20}
                )["confirmed_on"] == "2022-09-05", "opening the same class again is still the same class"
