"""Families, children and enrollments: birth orders, national IDs, corrections, capacity, dates, fees, withdrawals."""

from __future__ import annotations

from tests.integration.enrollment.conftest import assert_problem, national_id, uid


def add_child(f, family: str, birth_date: str, birth_order: int, **extra):
    return f.post("/children", json={"external_id": uid("K"), "family": family, "birth_date": birth_date,
                                     "birth_order": birth_order, **extra})


def test_birth_orders_are_distinct_follow_birth_dates_give_twins_consecutive_orders_and_may_have_gaps(desk):
    f = desk.facility()
    family, _ = desk.child(f, birth_date="2020-05-01", birth_order=2)  # the first-born is not in care: a gap
    before = desk.counts()
    assert_problem(add_child(f, family, "2021-03-10", 2), 422, "birth_order")   # order taken
    assert_problem(add_child(f, family, "2019-01-01", 3), 422, "birth_order")   # elder child, higher order
    assert_problem(add_child(f, family, "2021-03-10", 1), 422, "birth_order")   # younger child, lower order
    assert desk.counts() == before

    assert add_child(f, family, "2021-09-01", 3).status_code == 201
    assert add_child(f, family, "2022-01-15", 5).status_code == 201  # a gap after order 3 is allowed
    assert_problem(add_child(f, family, "2022-01-15", 7), 422, "birth_order")  # its twin must be 4 or 6
    assert add_child(f, family, "2022-01-15", 6).status_code == 201
    children = f.get(f"/families/{family}").json()["children"]
    assert len(children) == 4


def test_a_national_id_is_kept_only_hashed_and_a_facility_registers_it_once(desk):
    a = desk.facility()
    number = national_id(4101)
    _, at_a = desk.child(a, national_id=number.lower())  # an x is an X
    assert a.get(f"/children/{at_a}").json()["national_id_on_file"] is True
    stored = desk.world.query("enrollment", "SELECT national_id_hash FROM children WHERE national_id_hash IS NOT NULL")
    assert all(number not in str(row).upper() for row in stored)
    assert number not in str(desk.events()).upper()
    assert number not in desk.world["enrollment"].log.read_text().upper()

    # Within one facility, the same national ID twice is refused.
    family = uid("FAM")
    a.ok("POST", "/families", json={"external_id": family})
    assert_problem(add_child(a, family, "2021-03-10", 1, national_id=number), 422, "national_id")


def test_a_correction_of_birth_order_or_birth_date_is_an_event_with_the_new_snapshot(desk):
    f = desk.facility()
    family, elder = desk.child(f, birth_date="2020-05-01", birth_order=1)
    _, younger = desk.child(f, family=family, birth_date="2021-03-10", birth_order=3)
    enrollment = desk.enroll(f, younger, start="2022-09-01")
    since = desk.last_seq()
    corrected = f.patch(f"/children/{younger}", json={"birth_order": 2})
    assert corrected.status_code == 200
    assert corrected.json()["birth_order"] == 2 and corrected.json()["version"] == 2
    (event,) = desk.events(since=since)
    assert event["type"] == "ChildCorrected"
    assert event["payload"]["child"] == {"facility": f.external_id, "family": family, "external_id": younger,
                                         "birth_date": "2021-03-10", "birth_order": 2, "version": 2}
    assert f.patch(f"/children/{younger}", json={"birth_order": 2}).json()["version"] == 2  # no change, no event
    assert len(desk.events(since=since)) == 1

    before = desk.counts()
    assert_problem(f.patch(f"/children/{younger}", json={"birth_order": 1}), 422, "birth_order")
    assert_problem(f.patch(f"/children/{younger}", json={"birth_date": "2022-10-01"}), 422, "birth_date")  # enrolled
    assert_problem(f.patch(f"/children/{younger}", json={"birth_date": "2019-01-01"}), 422, "birth_order")
    assert_problem(f.patch(f"/children/{younger}", json={"birth_date": "2021-02-30"}), 422, "birth_date")
    assert_problem(f.patch(f"/children/{uid('K')}", json={"birth_order": 4}), 404)
    assert desk.counts() == before
    assert f.patch(f"/children/{elder}", json={"birth_date": "2020-04-30"}).json()["birth_date"] == "2020-04-30"
    assert f.get(f"/enrollments/{enrollment}").status_code == 200


def test_an_enrollment_that_would_put_a_class_over_capacity_on_any_day_is_refused(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 2),))
    kids = [desk.child(f, birth_date="2021-01-01")[1] for _ in range(4)]
    desk.enroll(f, kids[0], start="2022-09-01", end="2022-09-30")
    desk.enroll(f, kids[1], start="2022-09-15")
    before = desk.counts()
    # Full on 15–30 September only: a span touching one of those days is refused.
    body = assert_problem(f.post("/enrollments", json={"external_id": uid("E"), "child": kids[2], "class": "C1",
                                                       "monthly_fee": "2000.00", "start": "2022-09-30",
                                                       "end": "2022-10-31"}), 422, "class")
    assert "2 of 2" in body["detail"]
    assert desk.counts() == before
    desk.enroll(f, kids[2], start="2022-10-01")  # the day after: a place is free
    desk.enroll(f, kids[3], start="2022-09-01", end="2022-09-14")  # before the second child came: fine
    # Capacity cannot be lowered below what the class holds.
    assert_problem(f.patch("/classes/C1", json={"capacity": 1}), 422, "capacity")
    assert f.patch("/classes/C1", json={"capacity": 3}).json()["capacity"] == 3


def test_enrollment_dates_are_checked_against_the_class_the_birth_date_and_the_childs_other_enrollments(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 20), ("C2", "2022-09-01", 20)))
    f.ok("PATCH", "/classes/C2", json={"closed_on": "2023-06-30"})
    _, child = desk.child(f, birth_date="2022-01-15")
    before = desk.counts()

    def refused(field: str, **body):
        payload = {"external_id": uid("E"), "child": child, "class": "C1", "monthly_fee": "2000.00",
                   "start": "2022-09-01", **body}
        assert_problem(f.post("/enrollments", json=payload), 422, field)

    refused("start", start="2022-08-31")                       # before the class opened
    refused("end", **{"class": "C2"})                          # runs past the class's closing
    refused("start", **{"class": "C2", "start": "2023-07-01", "end": "2023-07-31"})
    refused("end", start="2022-10-01", end="2022-09-30")       # ends before it starts
    refused("class", **{"class": "NOPE"})
    refused("child", child="NOPE")
    assert desk.counts() == before

    first = desk.enroll(f, child, start="2022-09-01", end="2022-12-31")
    refused("start", start="2022-12-31")                       # the same child on the same day
    desk.enroll(f, child, klass="C2", start="2023-01-01", end="2023-06-30")
    assert f.get(f"/enrollments/{first}").json()["status"] == "ended"


def test_fees_change_from_a_date_and_a_withdrawal_may_lie_in_the_past(desk):
    f = desk.facility()
    _, child = desk.child(f)
    enrollment = desk.enroll(f, child, start="2022-09-01")
    since = desk.last_seq()
    changed = f.ok("POST", f"/enrollments/{enrollment}/fees", json={"monthly_fee": "2200.00", "from": "2022-10-01"})
    assert changed["fees"] == [{"from": "2022-09-01", "monthly_fee": "2000.00"},
                               {"from": "2022-10-01", "monthly_fee": "2200.00"}]
    f.ok("POST", f"/enrollments/{enrollment}/fees", json={"monthly_fee": "2200.00", "from": "2022-10-01"})  # again
    withdrawn = f.ok("PUT", f"/enrollments/{enrollment}/withdrawal", json={"end": "2022-09-15"})
    assert withdrawn["end"] == "2022-09-15" and withdrawn["version"] == 3
    assert [e["type"] for e in desk.events(since=since)] == ["FeeChanged", "ChildWithdrawn"]
    assert_problem(f.put(f"/enrollments/{enrollment}/withdrawal", json={"end": "2022-08-31"}), 422, "end")
    assert_problem(f.put(f"/enrollments/{enrollment}/withdrawal", json={"end": "2022-12-31"}), 422, "end")
    assert_problem(f.post(f"/enrollments/{enrollment}/fees", json={"monthly_fee": "1.00", "from": "2023-01-01"}),
                   422, "from")


def test_creating_the_same_record_again_returns_it_and_other_content_is_a_conflict(desk):
    f = desk.facility()
    family, child = desk.child(f)
    body = {"external_id": uid("E"), "child": child, "class": "C1", "monthly_fee": "2000", "start": "2022-09-01"}
    assert f.post("/enrollments", json=body).status_code == 201
    f.ok("PUT", f"/enrollments/{body['external_id']}/withdrawal", json={"end": "2022-10-31"})
    before = desk.counts()
    again = f.post("/enrollments", json={**body, "monthly_fee": "2000.00"})  # what it was created with
    assert again.status_code == 200 and again.json()["end"] == "2022-10-31"
    assert_problem(f.post("/enrollments", json={**body, "monthly_fee": "2100.00"}), 409)
    assert f.post("/families", json={"external_id": family}).status_code == 200
    assert_problem(f.post("/families", json={"external_id": family, "name": "王家"}), 409)
    assert desk.counts() == before
