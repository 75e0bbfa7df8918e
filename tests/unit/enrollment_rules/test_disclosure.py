"""The public disclosure per jurisdiction, pure: each facility in its jurisdiction on the day, the jurisdictions by
code with those in none last, a city keeping its districts' facilities, and why nothing is subsidised where no rule
set is in force."""

from __future__ import annotations

from datetime import date

import pytest

from enrollment.domain import views
from tuoyu.errors import InvalidInput

D = date.fromisoformat
JURISDICTIONS = [{"code": "330900", "name": "舟山市", "parent": None},
                 {"code": "330902", "name": "定海区", "parent": "330900"},
                 {"code": "330903", "name": "普陀区", "parent": "330900"},
                 {"code": "310117", "name": "松江区", "parent": None}]
HISTORIES = {"A": [(D("2000-01-01"), "330903"), (D("2023-01-01"), "330902")],
             "B": [(D("2000-01-01"), "330902")], "S": [(D("2000-01-01"), "310117")]}


def _row(i: int, external_id: str) -> dict:
    return {"id": i, "external_id": external_id, "name": external_id, "kind": "community", "ownership": "public",
            "inclusive": True, "filed_on": D("2022-03-01"), "revoked_on": None, "capacity": 10, "places_taken": 1,
            "rate": None}


ROWS = [_row(i, x) for i, x in enumerate(("A", "B", "N", "S"), 1)]  # N: in no jurisdiction


def _disclosed(day: str, within: str | None = None) -> dict:
    return views.disclosure(ROWS, [], [], HISTORIES, JURISDICTIONS, D(day), within)


def test_each_facility_is_in_its_jurisdiction_on_the_day_by_code_and_those_in_none_last():
    before, after = _disclosed("2022-10-20"), _disclosed("2023-02-01")
    assert [(j["code"], j["name"], j["facilities"]) for j in before["jurisdictions"]] == [
        ("310117", "松江区", ["S"]), ("330902", "定海区", ["B"]), ("330903", "普陀区", ["A"]), (None, None, ["N"])]
    assert [f["external_id"] for f in before["facilities"]] == ["S", "B", "A", "N"]
    assert [j["facilities"] for j in after["jurisdictions"]] == [["S"], ["A", "B"], ["N"]]
    assert "jurisdiction" not in before["facilities"][0]  # a facility item keeps its shape


def test_a_city_keeps_its_districts_facilities_and_a_district_its_own():
    assert [j["code"] for j in _disclosed("2022-10-20", "330900")["jurisdictions"]] == ["330902", "330903"]
    assert [f["external_id"] for f in _disclosed("2022-10-20", "330903")["facilities"]] == ["A"]


def test_an_unknown_jurisdiction_is_refused_naming_the_parameter():
    with pytest.raises(InvalidInput) as refused:
        _disclosed("2022-10-20", "330999")
    assert "jurisdiction" in str(refused.value.errors)


def test_where_no_rule_set_is_in_force_the_reason_names_the_jurisdiction_and_the_day():
    listed = _disclosed("2022-10-20", "330900")["jurisdictions"]
    putuo = {"id": "zhoushan-putuo-2022", "version": "1", "fund": "普陀区婴幼儿照护服务补助资金"}
    dinghai_, putuo_ = views.with_rulesets(listed, [None, putuo], D("2022-10-20"))
    assert (dinghai_["ruleset"], dinghai_["unsubsidised"]) == (
        None, "no rule set is in force in 330902 定海区 on 2022-10-20")
    assert (putuo_["ruleset"], putuo_["unsubsidised"]) == (putuo, None)
    [nowhere] = views.with_rulesets(_disclosed("2022-10-20")["jurisdictions"][-1:], [None], D("2021-12-01"))
    assert nowhere["unsubsidised"] == "no rule set is in force on 2021-12-01"
