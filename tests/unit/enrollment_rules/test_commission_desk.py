"""What the commission desk's pages are built from, pure: a facility's status on the day asked (the API's list keeps
the status once every date has passed), and facilities grouped by their jurisdiction that day."""

from __future__ import annotations

from datetime import date

from enrollment.domain import views

D = date.fromisoformat
JURISDICTIONS = [{"code": "330902", "name": "定海区", "parent": "330900"},
                 {"code": "330903", "name": "普陀区", "parent": "330900"}]


def _facility(external_id: str, reviews: tuple = (), filed_on: str | None = "2022-03-01") -> dict:
    return {"external_id": external_id, "name": external_id, "kind": "community", "ownership": "public",
            "inclusive": True, "serves_meals": False, "self_registered": False,
            "filed_on": D(filed_on) if filed_on else None, "revoked_on": None, "version": 1,
            "review_dates": [D(d) for d, _ in reviews] or None, "review_results": [r for _, r in reviews] or None}


def test_a_facility_is_in_rectification_from_a_failed_review_on_the_day_asked_and_filed_before_it():
    failing = _facility("A", reviews=(("2023-05-01", "fail"),))
    assert views.facility_row(failing, D("2023-04-30"))["status"] == "filed"
    assert views.facility_row(failing, D("2023-05-01"))["status"] == "rectification"
    assert views.facility_row(failing)["status"] == "rectification", "no day: once every date has passed"


def test_a_second_failed_review_revokes_from_its_date_and_a_facility_not_yet_filed_is_registered():
    twice = _facility("A", reviews=(("2023-05-01", "fail"), ("2023-08-01", "fail")))
    assert [views.facility_status(twice, D(d)) for d in ("2023-07-31", "2023-08-01")] == ["rectification", "revoked"]
    later = _facility("B", filed_on="2024-01-01")
    assert [views.facility_status(later, D(d)) for d in ("2023-12-31", "2024-01-01")] == ["registered", "filed"]


def test_facilities_are_grouped_by_their_jurisdiction_on_the_day_those_in_none_last():
    histories = {"A": [(D("2000-01-01"), "330903"), (D("2023-01-01"), "330902")], "B": [(D("2000-01-01"), "330902")]}
    facilities = [{"external_id": x} for x in ("N", "A", "B")]
    before = views.by_jurisdiction(facilities, histories, JURISDICTIONS, D("2022-12-31"))
    assert [(j["code"], j["name"], j["facilities"]) for j in before["jurisdictions"]] == [
        ("330902", "定海区", ["B"]), ("330903", "普陀区", ["A"]), (None, None, ["N"])]
    after = views.by_jurisdiction(facilities, histories, JURISDICTIONS, D("2023-01-01"))
    assert [j["facilities"] for j in after["jurisdictions"]] == [["A", "B"], ["N"]]
    assert [f["external_id"] for f in after["facilities"]] == ["A", "B", "N"]
    kept = views.by_jurisdiction(facilities, histories, JURISDICTIONS, D("2022-12-31"), frozenset({"330903"}))
    assert [j["code"] for j in kept["jurisdictions"]] == ["330903"]
