"""Enrollments sent at the same moment: the capacity and same-day checks hold under concurrency, and every
accepted enrollment is stored once with its one event; every refused one leaves nothing behind."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.integration.enrollment.conftest import uid


def post_all(f, bodies: list[dict]) -> list:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: f.post("/enrollments", json=body), bodies))


def body(child: str, klass: str = "C1", start: str = "2022-09-01") -> dict:
    return {"external_id": uid("E"), "child": child, "class": klass, "monthly_fee": "2000.00", "start": start}


def test_thirty_children_sent_at_once_into_ten_places_fill_exactly_ten(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 10),))
    children = [desk.child(f)[1] for _ in range(30)]
    since = desk.last_seq()
    answers = post_all(f, [body(child) for child in children])

    accepted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(accepted) == 10
    assert {a.status_code for a in refused} == {422}
    assert all(a.json()["errors"][0]["field"] == "class" and "full" in a.json()["detail"] for a in refused)
    stored = desk.world.query("enrollment", "SELECT e.external_id FROM enrollments e JOIN facilities f "
                                            f"ON f.id = e.facility_id WHERE f.external_id = '{f.external_id}'")
    assert sorted(r[0] for r in stored) == sorted(a.json()["external_id"] for a in accepted)
    events = desk.events("ChildEnrolled", since=since)
    assert sorted(e["payload"]["enrollment"]["external_id"] for e in events) == sorted(r[0] for r in stored)


def test_one_child_sent_to_two_classes_at_once_is_enrolled_once(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 10), ("C2", "2022-09-01", 10)))
    for _ in range(5):
        _, child = desk.child(f)
        answers = post_all(f, [body(child, "C1"), body(child, "C2", start="2022-09-15")])
        assert sorted(a.status_code for a in answers) == [201, 422]
        refused = next(a for a in answers if a.status_code == 422)
        assert "already enrolled" in refused.json()["detail"]
        stored = desk.world.query("enrollment", "SELECT count(*) FROM enrollments e JOIN children c "
                                                f"ON c.id = e.child_id WHERE c.external_id = '{child}'")
        assert stored[0][0] == 1
