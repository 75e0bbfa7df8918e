"""Jurisdictions, pure (POLICY "Jurisdictions"): a code's shape, a parent known first, a facility filed only in a
county-level one, and its jurisdiction on a day across moves (a month governed by its first day's)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from enrollment.domain import jurisdictions
from enrollment.domain.models import Move, NewFacility, NewJurisdiction
from tuoyu.errors import Conflict, InvalidInput
from tuoyu.jurisdictions import governing, jurisdiction_on

D = date.fromisoformat
TODAY = D("2023-06-01")
PUTUO = {"code": "330903", "name": "普陀区", "parent": "330900"}
ZHOUSHAN = {"code": "330900", "name": "舟山市", "parent": None}


@pytest.mark.parametrize("code", ["33090", "3309031", "33O903", "", "３３０９０３", " 330903x"])
def test_a_code_is_six_ascii_digits(code):
    with pytest.raises(ValidationError):
        NewJurisdiction(code=code, name="普陀区")
    with pytest.raises(ValidationError):
        Move.model_validate({"jurisdiction": code, "from": "2023-01-01"})
    with pytest.raises(ValidationError):
        NewFacility(external_id="F1", name="园", kind="community", ownership="public", jurisdiction=code)


def test_a_jurisdiction_whose_parent_is_unknown_is_refused_and_one_whose_parent_is_known_is_added():
    with pytest.raises(InvalidInput, match="parent"):
        jurisdictions.addition(NewJurisdiction(**PUTUO), None, parent_known=False)
    assert jurisdictions.addition(NewJurisdiction(**PUTUO), None, parent_known=True) is True
    assert jurisdictions.addition(NewJurisdiction(**ZHOUSHAN), None, parent_known=False) is True


def test_a_jurisdiction_cannot_be_its_own_parent():
    with pytest.raises(InvalidInput, match="own parent"):
        jurisdictions.addition(NewJurisdiction(code="330900", name="舟山市", parent="330900"), None, True)


def test_the_same_jurisdiction_again_is_nothing_new_and_another_name_for_its_code_is_a_conflict():
    assert jurisdictions.addition(NewJurisdiction(**PUTUO), PUTUO, parent_known=True) is False
    with pytest.raises(Conflict, match="name"):
        jurisdictions.addition(NewJurisdiction(**{**PUTUO, "name": "定海区"}), PUTUO, parent_known=True)


def test_a_facility_is_filed_only_in_a_known_county_level_jurisdiction():
    assert jurisdictions.placement_problem("330903", PUTUO) is None
    assert "not county-level" in jurisdictions.placement_problem("330900", ZHOUSHAN)[1]
    assert "no jurisdiction" in jurisdictions.placement_problem("330999", None)[1]


def test_a_move_is_recorded_once_and_another_jurisdiction_from_the_same_date_is_a_conflict():
    assert jurisdictions.move("330903", PUTUO, D("2023-01-01"), None, TODAY) is True
    assert jurisdictions.move("330903", PUTUO, D("2023-01-01"), "330903", TODAY) is False
    with pytest.raises(Conflict):
        jurisdictions.move("330903", PUTUO, D("2023-01-01"), "330902", TODAY)
    with pytest.raises(InvalidInput, match="from"):
        jurisdictions.move("330903", PUTUO, D("2025-01-01"), None, TODAY)


def test_the_jurisdiction_on_a_day_is_the_latest_entry_from_on_or_before_it():
    history = [(D("2023-01-01"), "330902"), (D("2000-01-01"), "330903"), (D("2024-07-15"), "330921")]
    assert jurisdiction_on(history, D("2022-12-31")) == "330903"
    assert jurisdiction_on(history, D("2023-01-01")) == "330902"
    assert jurisdiction_on(history, D("2024-07-14")) == "330902"
    assert jurisdiction_on(history, D("2024-07-15")) == "330921"
    assert jurisdiction_on([], D("2023-01-01")) is None


def test_a_facility_placed_only_later_is_in_none_before_its_placement():
    history = [(D("2023-01-01"), "330903")]  # registered in no jurisdiction, moved into Putuo in 2023
    assert jurisdiction_on(history, D("2022-09-01")) is None
    assert governing(history, D("2022-09-15")) is None
    assert governing(history, D("2023-01-20")) == "330903"


def test_a_month_is_governed_by_the_jurisdiction_on_its_first_day():
    history = [(D("2000-01-01"), "330903"), (D("2024-07-15"), "330921")]
    assert governing(history, D("2024-07-31")) == "330903"
    assert governing(history, D("2024-08-10")) == "330921"
