"""The enrollment decisions, pure: plain facts in, the decision or the problem out; and the API's handler and the
roster import, given the same facility, refuse the same bad enrollment with the same words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest

from enrollment.domain import children, classes, enrollments, facilities, views
from enrollment.domain.enrollments import Enrollment, Facts
from enrollment.domain.models import ClassChange, NewClass, NewEnrollment, Review
from enrollment.domain.rules import ELSEWHERE, ID_HOLDS_BIRTH_DATE, UNFILED, Differs, Occupancy, Sibling, problem_of
from enrollment.handlers import roster
from enrollment.importing.apply import Child, Klass, RosterImport
from enrollment.importing.rows import RosterRow
from enrollment.store import enrollments as enrollments_store
from tuoyu.errors import Conflict, InvalidInput, TuoyuError
from tuoyu.national_id import check_character

D = date.fromisoformat
TODAY = D("2023-01-15")


def facts(**given) -> Facts:
    defaults = dict(birth_date=D("2021-01-01"), opened_on=D("2022-09-01"), closed_on=None, occupancy=Occupancy(10))
    return Facts(**{**defaults, **given})


def new(start: str = "2022-09-01", end: str | None = None, **given) -> Enrollment:
    values = dict(external_id="E9", child="K1", class_="C1", care="full_day", start=D(start),
                  end=D(end) if end else None, fee_fen=200000)
    return Enrollment(**{**values, **given})


def refusal(decide, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(TuoyuError) as refused:
        decide(*args, **kwargs)
    return problem_of(refused.value)


# --- enrollments ---------------------------------------------------------------------------------------------------

def test_an_enrollment_that_fits_is_accepted_and_the_same_one_again_is_nothing_to_write():
    assert enrollments.decide(new(), facts(), TODAY) is True
    assert enrollments.decide(new(), Facts(existing=(None, new().fingerprint())), TODAY) is False


def test_the_same_external_id_with_other_content_is_a_conflict_naming_the_fields_that_differ():
    with pytest.raises(Differs) as refused:
        enrollments.decide(new(start="2022-10-01"), Facts(existing=(new().fingerprint(), None)), TODAY)
    assert isinstance(refused.value, Conflict) and refused.value.field == "start"
    assert refused.value.detail == "enrollment 'E9' already exists with other content (start)"


def test_an_enrollment_is_refused_at_a_revoked_facility_before_anything_else():
    assert refusal(enrollments.decide, new(), facts(revoked_on=D("2022-08-01"), birth_date=D("2023-01-01")),
                   TODAY) == (
        "facility", "the facility was revoked on 2022-08-01 and accepts nothing new")


def test_an_enrollment_in_a_closed_class_names_the_end_and_the_class_period():
    field_, reason = refusal(enrollments.decide, new(), facts(closed_on=D("2022-12-31")), TODAY)
    assert (field_, reason) == ("end", "the class is open from 2022-09-01 to 2022-12-31: the enrollment must end by then")


def test_an_enrollment_overlapping_the_childs_other_one_names_it():
    spans = [("E1", D("2022-09-01"), D("2022-09-30")), ("E2", D("2022-10-01"), None)]
    assert refusal(enrollments.decide, new("2022-09-20", "2022-09-25"), facts(child_spans=spans), TODAY) == (
        "start", "the child is already enrolled on some of these days (E1)")
    assert enrollments.decide(new("2022-10-01"), facts(child_spans=spans[:1]), TODAY) is True


def test_an_enrollment_over_capacity_on_any_day_is_refused_naming_the_class():
    full = Occupancy(1, [(D("2022-11-01"), D("2022-11-30"))])
    assert refusal(enrollments.decide, new(), facts(occupancy=full), TODAY) == (
        "class", "the class is full: it holds 1 of 1 places on some day of 2022-09-01..open end")
    assert enrollments.decide(new("2022-09-01", "2022-10-31"), facts(occupancy=full), TODAY) is True


def test_the_same_child_enrolled_elsewhere_on_one_of_the_days_is_refused_without_saying_where():
    field_, reason = refusal(enrollments.decide, new(), facts(elsewhere=[(D("2023-01-01"), None)]), TODAY)
    assert field_ == "child" and "another facility" in reason
    assert enrollments.decide(new("2022-09-01", "2022-12-31"), facts(elsewhere=[(D("2023-01-01"), None)]),
                              TODAY) is True


def test_a_withdrawal_may_only_bring_the_end_earlier_and_not_before_the_start():
    assert enrollments.withdrawal(D("2022-09-01"), None, D("2022-12-31")) is True
    assert enrollments.withdrawal(D("2022-09-01"), D("2022-12-31"), D("2022-12-31")) is False
    assert refusal(enrollments.withdrawal, D("2022-09-01"), D("2022-12-31"), D("2023-01-31"))[0] == "end"
    assert refusal(enrollments.withdrawal, D("2022-09-01"), None, D("2022-08-31"))[0] == "end"


def test_a_fee_change_falls_within_the_enrollment_and_the_same_fee_again_changes_nothing():
    assert enrollments.fee_change(D("2022-09-01"), None, D("2022-10-01"), None, 150000, TODAY) is True
    assert enrollments.fee_change(D("2022-09-01"), None, D("2022-10-01"), 150000, 150000, TODAY) is False
    assert refusal(enrollments.fee_change, D("2022-09-01"), D("2022-12-31"), D("2023-01-01"), None, 1,
                   TODAY)[0] == "from"


def test_an_enrollment_or_fee_more_than_a_year_after_the_clock_is_refused_a_year_exactly_is_not():
    assert enrollments.decide(new("2024-01-15"), facts(), TODAY) is True
    assert refusal(enrollments.decide, new("2024-01-16"), facts(), TODAY) == (
        "start", "must not be after 2024-01-15, a year from today (2023-01-15)")
    assert refusal(enrollments.fee_change, D("2022-09-01"), None, D("2024-01-16"), None, 1, TODAY)[0] == "from"


# --- families, children, classes ----------------------------------------------------------------------------------

def kid(external_id: str = "K3", born: str = "2022-01-01", order: int = 3, id_hash: str | None = None,
        number: str | None = None):
    return children.Child(external_id, "FAM1", D(born), order, id_hash, number)


def national_id(born: str, sequence: str = "123") -> str:
    """A valid number (GB 11643) of a child born on `born`."""
    body = "330903" + born.replace("-", "") + sequence
    return body + check_character(body)


def register(child, **given) -> bool:
    values = dict(existing=None, revoked_on=None, filed=True, today=TODAY, registered_as=None,
                  siblings=[Sibling("K1", D("2019-01-01"), 1), Sibling("K2", D("2020-06-01"), 2)])
    return children.register_child(child, **{**values, **given})


def test_a_child_is_registered_once_and_the_same_child_again_is_nothing_to_write():
    assert register(kid()) is True
    assert register(kid(), existing=(kid().fingerprint(), None)) is False
    assert refusal(register, kid(born="2022-01-02"), existing=(kid().fingerprint(),))[0] == "birth_date"


def test_a_child_born_tomorrow_a_national_id_registered_twice_and_a_birth_order_out_of_turn_are_refused():
    assert refusal(register, kid(born="2023-01-16")) == ("birth_date", "must not be in the future")
    assert refusal(register, kid(id_hash="h"), registered_as="K1") == (
        "national_id", "this facility already registered the child as 'K1'")
    assert refusal(register, kid(order=2))[0] == "birth_order"


def test_a_national_id_with_a_mistyped_digit_or_another_birth_date_is_refused_naming_it():
    good = national_id("2022-01-01")
    assert register(kid(id_hash="h", number=good)) is True
    assert refusal(register, kid(id_hash="h", number="0" * 18)) == (
        "national_id", "its check character does not match its digits (GB 11643): a digit is mistyped")
    mistyped = good[:16] + str((int(good[16]) + 1) % 10) + good[17]
    assert refusal(register, kid(id_hash="h", number=mistyped))[0] == "national_id"
    assert refusal(register, kid(id_hash="h", number=national_id("2021-12-31"))) == (
        "national_id", "its birth date 2021-12-31 is not the child's birth date 2022-01-01")


def test_a_facility_not_yet_filed_may_register_a_child_but_not_its_national_id():
    assert refusal(register, kid(id_hash="h", number=national_id("2022-01-01")), filed=False) == (
        "national_id", UNFILED)
    assert "file" in UNFILED
    assert register(kid(), filed=False) is True


def test_a_refusal_to_enroll_a_child_enrolled_elsewhere_is_the_same_words_whatever_the_days():
    for days in ([(D("2022-09-01"), None)], [(D("2022-01-01"), D("2022-09-01"))], [(D("2023-06-01"), None)]):
        assert refusal(enrollments.decide, new(), facts(elsewhere=days), TODAY) == ("child", ELSEWHERE)
    assert not any(ch.isdigit() for ch in ELSEWHERE)


def test_a_correction_that_changes_nothing_is_none_and_a_birth_date_after_the_first_day_of_care_is_refused():
    assert children.correction("K1", D("2021-01-01"), 1, {"birth_order": 1}, today=TODAY, first_start=None,
                               siblings=[], national_id_on_file=False) is None
    assert children.correction("K1", D("2021-01-01"), 1, {"birth_order": 2}, today=TODAY, first_start=None,
                               siblings=[], national_id_on_file=False) == (D("2021-01-01"), 2)
    assert refusal(children.correction, "K1", D("2021-01-01"), 1, {"birth_date": D("2022-10-01")}, today=TODAY,
                   first_start=D("2022-09-01"), siblings=[], national_id_on_file=False)[0] == "birth_date"
    assert refusal(children.correction, "K1", D("2021-01-01"), 1, {"birth_order": None}, today=TODAY,
                   first_start=None, siblings=[], national_id_on_file=False) == ("birth_order", "must not be null")


def test_a_child_registered_with_a_national_id_keeps_the_birth_date_the_id_holds():
    assert refusal(children.correction, "K1", D("2021-01-01"), 1, {"birth_date": D("2021-01-02")}, today=TODAY,
                   first_start=None, siblings=[], national_id_on_file=True) == ("birth_date", ID_HOLDS_BIRTH_DATE)
    assert children.correction("K1", D("2021-01-01"), 1, {"birth_order": 2}, today=TODAY, first_start=None,
                               siblings=[], national_id_on_file=True) == (D("2021-01-01"), 2)


def test_a_family_at_a_revoked_facility_is_refused_and_the_same_family_again_is_nothing_to_write():
    assert children.register_family("FAM1", None, None, None) is True
    assert children.register_family("FAM1", None, ({"name": None}, {"name": None}), D("2022-01-01")) is False
    assert refusal(children.register_family, "FAM1", None, None, D("2022-01-01"))[0] == "facility"


def test_a_guardians_id_is_checked_as_a_childs_and_accepted_only_from_a_filed_facility():
    guardian = children.Guardian.of("pepper", national_id("1990-01-01"))
    assert children.register_family("FAM1", None, None, None, guardian, filed=True) is True
    assert refusal(children.register_family, "FAM1", None, None, None, guardian, filed=False) == (
        "guardian_id", UNFILED)
    mistyped = children.Guardian.of("pepper", national_id("1990-01-01")[:-1] + "0")
    assert refusal(children.register_family, "FAM1", None, None, None, mistyped)[0] == "guardian_id"


def test_a_guardians_id_is_kept_as_a_hash_and_makes_a_household_key_that_is_not_that_hash():
    number = national_id("1990-01-01")
    guardian = children.Guardian.of("pepper", number)
    assert guardian == children.Guardian.of("pepper", number.lower())
    assert number not in repr(guardian)
    assert guardian.household != guardian.id_hash
    assert children.Guardian.of("other pepper", number).household != guardian.household
    assert children.Guardian.of("pepper", None) is None


def test_the_same_family_again_with_another_guardian_differs():
    first = children.Guardian.of("pepper", national_id("1990-01-01"))
    other = children.Guardian.of("pepper", national_id("1991-01-01"))
    held = children.family_fingerprint(None, first.id_hash)
    assert children.register_family("FAM1", None, (held, held), None, first) is False
    with pytest.raises(Differs):
        children.register_family("FAM1", None, (held, held), None, other)


def test_a_class_cannot_close_while_an_enrollment_runs_on_nor_shrink_below_its_busiest_day():
    before = {"name": "A", "opened_on": "2022-09-01", "closed_on": None, "capacity": 3}
    spans = [("E1", D("2022-09-01"), None), ("E2", D("2022-09-01"), D("2022-12-31"))]
    assert refusal(classes.change, before, ClassChange(closed_on=D("2022-12-31")), spans)[0] == "closed_on"
    assert refusal(classes.change, before, ClassChange(capacity=1), spans) == (
        "capacity", "the class holds 2 children on some day; capacity must be at least that")
    assert classes.change(before, ClassChange(capacity=2), spans)["capacity"] == 2
    assert classes.change(before, ClassChange(name="A"), spans) == {}
    assert classes.opening(NewClass(external_id="C1", opened_on=D("2022-09-01"), capacity=3), None, None) is True


# --- facilities ------------------------------------------------------------------------------------------------------

def test_a_second_consecutive_failed_review_revokes_and_a_review_before_the_last_is_refused():
    fail = Review(date=D("2023-06-01"), result="fail")
    assert facilities.review(fail, None, None, [(D("2022-06-01"), "fail")]) is True
    assert facilities.review(fail, None, None, [(D("2021-06-01"), "fail"), (D("2022-06-01"), "pass")]) is False
    assert facilities.review(fail, "fail", None, [(D("2023-06-01"), "fail")]) is None
    assert refusal(facilities.review, fail, None, None, [(D("2023-07-01"), "pass")])[0] == "date"


# --- one check, two paths -----------------------------------------------------------------------------------------

@dataclass
class Facility:
    """One facility's records as plain data: what the store would read for the API and the importer holds."""
    classes: dict[str, Klass]
    children: dict[str, Child]
    elsewhere: dict[str, list] = field(default_factory=dict)


def facility() -> Facility:
    c1 = Klass(1, D("2022-09-01"), None, 1, Occupancy(1, [(D("2022-09-01"), D("2022-12-31"))]))
    c2 = Klass(2, D("2022-09-01"), D("2022-12-31"), 10, Occupancy(10))
    k1 = Child(11, "K1", "FAM1", D("2021-01-01"), 1, "hash-K1", None, [("E1", D("2022-09-01"), D("2022-12-31"))])
    k2 = Child(12, "K2", "FAM2", D("2021-02-01"), 1, "hash-K2", None, [])
    return Facility({"C1": c1, "C2": c2}, {"K1": k1, "K2": k2}, {"hash-K1": [], "hash-K2": [(D("2023-01-01"), None)]})


async def api_refusal(world: Facility, enrollment: Enrollment, monkeypatch) -> tuple[str, str]:
    """What the API's handler answers, its store faked by the facility's records."""
    klass, child = world.classes[enrollment.class_], world.children[enrollment.child]

    async def attempt(conn, facility_key, new, event, topic):
        return enrollments_store.Attempt(Facts(
            birth_date=child.birth_date, opened_on=klass.opened_on, closed_on=klass.closed_on,
            occupancy=klass.occupancy, child_spans=child.spans, elsewhere=world.elsewhere.get(child.id_hash, [])),
            written=True)

    monkeypatch.setattr(enrollments_store, "attempt", attempt)
    request = NewEnrollment(external_id=enrollment.external_id, child=enrollment.child, **{"class": enrollment.class_},
                            monthly_fee="2000.00", start=enrollment.start, end=enrollment.end)
    with pytest.raises((InvalidInput, Differs)) as refused:
        await roster.enroll(None, "F1", request, TODAY, "enrollment")
    return problem_of(refused.value)


def import_refusal(world: Facility, enrollment: Enrollment) -> tuple[str, str]:
    """What the roster import reports for the same enrollment as a row, from what it holds in memory."""
    importer = RosterImport(SimpleNamespace(conn=None), 1, "F1", "pepper", TODAY, {}, True)
    importer.classes, importer.children = world.classes, world.children
    importer.families = {"FAM1": 1, "FAM2": 2}
    importer.elsewhere = world.elsewhere
    child = world.children[enrollment.child]
    row = RosterRow(5, child.family, child.external_id, child.birth_date, child.birth_order, "national id",
                    enrollment.class_, enrollment.external_id, "full_day", 200000, enrollment.start, enrollment.end)
    assert importer._check(row, child.id_hash) is None
    (error,) = importer.report.errors
    return error["field"], error["reason"]


@pytest.mark.parametrize("case, enrollment", [
    ("over capacity", new("2022-10-01", "2022-10-31", child="K2")),
    ("overlapping", new("2022-12-01", "2022-12-31", class_="C2")),
    ("class closed", new("2022-12-01", None, child="K2", class_="C2")),
    ("same child elsewhere", new("2023-01-01", None, child="K2", class_="C1")),
])
async def test_the_api_and_the_roster_import_refuse_the_same_bad_enrollment_with_the_same_words(
        case, enrollment, monkeypatch):
    assert await api_refusal(facility(), enrollment, monkeypatch) == import_refusal(facility(), enrollment), case


@pytest.mark.parametrize("filed, number, reason", [
    (False, national_id("2021-03-10"), UNFILED),
    (True, "0" * 18, "its check character does not match its digits (GB 11643): a digit is mistyped"),
    (True, national_id("2021-03-11"), "its birth date 2021-03-11 is not the child's birth date 2021-03-10"),
])
def test_the_roster_import_refuses_a_national_id_with_the_apis_words_naming_the_column(filed, number, reason):
    importer = RosterImport(SimpleNamespace(conn=None), 1, "F1", "pepper", TODAY, {}, filed)
    importer.classes, importer.families, importer.elsewhere = facility().classes, {}, {"h": []}
    row = RosterRow(4, "FAM9", "K9", D("2021-03-10"), 1, number, "C2", "E9", "full_day", 200000, D("2022-09-01"),
                    None)
    assert importer._check(row, "h") is None
    assert importer.report.errors == [{"row": 4, "column": "national_id", "field": "national_id", "reason": reason}]
    assert refusal(register, children.Child("K9", "FAM9", D("2021-03-10"), 1, "h", number), filed=filed,
                   siblings=[]) == ("national_id", reason)


def test_a_duplicate_group_says_whether_two_facilities_enroll_the_child_on_a_same_day():
    def child(facility: str, *spans: tuple[str, str | None]) -> dict:
        return {"facility": facility, "child": "K1", "birth_date": "2021-03-10",
                "enrollments": [{"external_id": "E", "start": s, "end": e} for s, e in spans]}

    apart = {"id": 7, "children": [child("FA", ("2022-09-01", "2022-12-31")), child("FB", ("2023-01-01", None))]}
    assert views.duplicate_group(apart) == {"group": 7, "children": apart["children"],
                                            "enrolled_at_two_places_at_once": False}
    at_once = {"id": 8, "children": [child("FA", ("2022-09-01", None)), child("FB", ("2023-01-01", None))]}
    assert views.duplicate_group(at_once)["enrolled_at_two_places_at_once"] is True
    here_twice = {"id": 9, "children": [child("FA", ("2022-09-01", None), ("2022-10-01", None)), child("FB")]}
    assert views.duplicate_group(here_twice)["enrolled_at_two_places_at_once"] is False
