"""National IDs (身份证号): valid and the child's, only from filed facilities, told to no facility, seen by the
health commission; the API and the roster import refuse the same rows with the same words (issue 12, finding 6)."""

from __future__ import annotations

from tests.integration.enrollment.conftest import Facility, assert_problem, fresh_national_id, uid, walk

UNFILED = ("only a filed (备案) facility may give a national ID (a child's or a guardian's): file with the health "
           "commission first, or register without it")
HEADER = "family,child,birth_date,birth_order,national_id,class,enrollment,monthly_fee,start,end\n"


def reasons(body: dict, field: str) -> list[str]:
    return [e["reason"] for e in body["errors"] if e["field"] == field]


def register(f: Facility, number: str, birth_date: str = "2021-03-10"):
    family = uid("FAM")
    f.ok("POST", "/families", json={"external_id": family})
    return f.post("/children", json={"external_id": uid("K"), "family": family, "birth_date": birth_date,
                                     "birth_order": 1, "national_id": number})


def enroll(f: Facility, child: str, start: str, end: str | None = None):
    return f.post("/enrollments", json={"external_id": uid("E"), "child": child, "class": "C1",
                                        "monthly_fee": "2000.00", "start": start, **({"end": end} if end else {})})


def import_rows(f: Facility, *rows: tuple) -> dict:
    """A dry run of these rows (family or None for a new one, child, birth_date, national_id, start, end): its 422
    report."""
    csv = HEADER + "".join(f"{family or uid('FAM')},{child},{born},1,{number},C1,{uid('E')},2000.00,{start},"
                           f"{end or ''}\n" for family, child, born, number, start, end in rows)
    response = f.post("/roster", content=csv.encode(), params={"dry_run": "true"})
    assert response.status_code == 422, response.text
    return response.json()


def self_registered(desk) -> Facility:
    """A facility that registered itself (no key needed) and that nobody filed, with a class."""
    fid = uid("FS")
    response = desk.anon.post("/registrations", json={"external_id": fid, "name": "自助园", "kind": "community",
                                                      "ownership": "private_forprofit"})
    assert response.status_code == 201, response.text
    key = response.json()["key"]["api_key"]
    f = Facility(fid, key, desk.as_key(key))
    f.ok("POST", "/classes", json={"external_id": "C1", "opened_on": "2022-09-01", "capacity": 20})
    return f


def test_a_national_id_with_a_mistyped_digit_or_another_birth_date_is_refused_naming_it(desk):
    f = desk.facility()
    number = fresh_national_id()  # born 2021-03-10
    mistyped = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    before = desk.counts()
    body = assert_problem(register(f, mistyped), 422, "national_id")
    assert reasons(body, "national_id") == [
        "its check character does not match its digits (GB 11643): a digit is mistyped"]
    assert_problem(register(f, "0" * 18), 422, "national_id")
    body = assert_problem(register(f, number, birth_date="2021-03-11"), 422, "national_id")
    assert reasons(body, "national_id") == ["its birth date 2021-03-10 is not the child's birth date 2021-03-11"]
    assert desk.counts()["children"] == before["children"]

    # The roster import refuses the same rows with the same words, naming the column.
    report = import_rows(f, (None, uid("K"), "2021-03-10", mistyped, "2022-09-01", None),
                         (None, uid("K"), "2021-03-11", number, "2022-09-01", None))
    assert [(e["row"], e["column"], e["reason"]) for e in report["errors"]] == [
        (2, "national_id", "its check character does not match its digits (GB 11643): a digit is mistyped"),
        (3, "national_id", "its birth date 2021-03-10 is not the child's birth date 2021-03-11")]


def test_a_facility_nobody_filed_may_not_give_a_national_id_and_nothing_is_written(desk):
    f = self_registered(desk)
    family = uid("FAM")
    f.ok("POST", "/families", json={"external_id": family})
    before = desk.counts()
    body = assert_problem(f.post("/children", json={"external_id": uid("K"), "family": family,
                                                    "birth_date": "2021-03-10", "birth_order": 1,
                                                    "national_id": fresh_national_id()}), 422, "national_id")
    assert reasons(body, "national_id") == [UNFILED]
    assert desk.counts() == before
    report = import_rows(f, (None, uid("K"), "2021-03-10", fresh_national_id(), "2022-09-01", None))
    assert [(e["column"], e["reason"]) for e in report["errors"]] == [("national_id", UNFILED)]
    assert desk.counts() == before
    # Without the ID the child is welcome.
    assert f.post("/children", json={"external_id": uid("K"), "family": family, "birth_date": "2021-03-10",
                                     "birth_order": 1}).status_code == 201


def test_a_child_enrolled_at_one_facility_is_refused_at_another_without_a_word_about_the_first(desk):
    number = fresh_national_id()
    a, b = desk.facility(), desk.facility()
    _, at_a = desk.child(a, national_id=number)
    desk.enroll(a, at_a, start="2022-09-01", end="2022-12-31")
    family_b, at_b = desk.child(b, national_id=number.lower())  # an x is an X: the same child
    seen_by_b = b.get(f"/children/{at_b}").json()
    assert seen_by_b["national_id_on_file"] is True and set(seen_by_b) == set(
        a.get(f"/children/{at_a}").json())  # no field says the ID is known elsewhere
    assert all("same_child_elsewhere" not in c for c in b.get("/children").json()["items"])

    before = desk.counts()
    refused = assert_problem(enroll(b, at_b, "2022-12-01"), 422, "child")
    assert desk.counts() == before
    text = str(refused)
    assert a.external_id not in text and at_a not in text
    assert not any(day in text for day in ("2022-09", "2022-12", "2022-10", "2022-11"))
    # The same answer whatever the other facility and its days.
    number2 = fresh_national_id()
    c, d = desk.facility(), desk.facility()
    _, at_c = desk.child(c, national_id=number2)
    desk.enroll(c, at_c, start="2023-02-01")
    _, at_d = desk.child(d, national_id=number2)
    assert assert_problem(enroll(d, at_d, "2023-03-01", "2023-03-31"), 422, "child") == refused
    # The roster import refuses the row with the same words.
    report = import_rows(b, (None, uid("K"), "2021-03-10", fresh_national_id(), "2022-09-01", None),
                         (family_b, at_b, "2021-03-10", number, "2022-11-01", "2022-11-30"))
    assert [(e["row"], e["column"], e["reason"]) for e in report["errors"]] == [
        (3, "child", reasons(refused, "child")[0])]
    desk.enroll(b, at_b, start="2023-01-01")  # after leaving A: fine

    # The health commission sees both children under one number (never the ID nor its hash); a facility does not.
    groups = walk(desk.admin, "/national-id-duplicates", limit=2)
    (group,) = [g for g in groups if {c["facility"] for c in g["children"]} == {a.external_id, b.external_id}]
    assert sorted((c["facility"], c["child"], c["birth_date"]) for c in group["children"]) == sorted(
        [(a.external_id, at_a, "2021-03-10"), (b.external_id, at_b, "2021-03-10")])
    by_facility = {c["facility"]: c["enrollments"] for c in group["children"]}
    assert [(e["start"], e["end"]) for e in by_facility[a.external_id]] == [("2022-09-01", "2022-12-31")]
    assert [(e["start"], e["end"]) for e in by_facility[b.external_id]] == [("2023-01-01", None)]
    assert group["enrolled_at_two_places_at_once"] is False
    assert number not in str(groups).upper()
    stored = desk.world.query("enrollment", "SELECT national_id_hash FROM children WHERE national_id_hash IS NOT NULL")
    assert not any(h in str(groups) for (h,) in stored)
    assert_problem(b.client.get("/national-id-duplicates"), 404)


def test_a_child_registered_with_a_national_id_keeps_its_birth_date(desk):
    f = desk.facility()
    _, child = desk.child(f, national_id=fresh_national_id())
    body = assert_problem(f.patch(f"/children/{child}", json={"birth_date": "2021-03-11"}), 422, "birth_date")
    assert "national ID" in reasons(body, "birth_date")[0]
    assert f.patch(f"/children/{child}", json={"birth_order": 2}).status_code == 200

