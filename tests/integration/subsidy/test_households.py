"""Households (POLICY "Households"): one guardian's families at two facilities are one household, whose children
`enrolled_siblings` ranks together, in the bill and in every facility range of `/due`."""

from __future__ import annotations

import pytest

from tuoyu.contracts import due as contract
from tuoyu.national_id import check_character

RULESET = """
id: households-2024
version: "1"
valid_from: 2024-01-01
source: {seed: none, quote: "a second child's reduction counted among the children enrolled"}
fund: {id: households-fund, name: 家庭托育基金, default_budget: "500000.00"}
construction_grants: []
operating_subsidy: {min_rate: "0.05", max_rate: "0.20"}
covered_kinds: [childcare_institution]
sibling_reduction:
  basis: enrolled_siblings
  table: {2: "0.30"}
age_limit: {years: 3}
"""

GUARDIAN = "33090319900101001"
GUARDIAN += check_character(GUARDIAN)


def _facility(external_id: str) -> dict:
    return {"external_id": external_id, "name": f"家庭托育园{external_id}", "kind": "childcare_institution",
            "ownership": "public", "inclusive": True, "filed_on": "2024-01-10", "fire_safety_certified": True,
            "serves_meals": False, "subsidy_rate": "0.20",
            "classes": [{"external_id": "C1", "opened_on": "2024-03-01", "capacity": 10}]}


WORLD = {
    "facilities": [_facility("HA"), _facility("HB")],
    "families": [
        {"external_id": "HOME", "guardian_id": GUARDIAN, "children": [
            {"external_id": "K1", "birth_date": "2021-05-01", "birth_order": 1},
            {"external_id": "K2", "birth_date": "2022-03-10", "birth_order": 2}]},
        {"external_id": "APART", "children": [  # no guardian's number: a family of each facility
            {"external_id": "K3", "birth_date": "2021-05-01", "birth_order": 1},
            {"external_id": "K4", "birth_date": "2022-03-10", "birth_order": 2}]}],
    "enrollments": [
        {"external_id": f"E{n}", "child": f"K{n}", "facility": facility, "class": "C1", "monthly_fee": "3000.00",
         "start": "2024-03-01"} for n, facility in ((1, "HA"), (2, "HB"), (3, "HA"), (4, "HB"))],
    "timeline": [{"bill": "2024-03"}],
}


@pytest.fixture(scope="module")
def households(world_under):
    return world_under(RULESET, WORLD)


def test_a_households_younger_child_at_another_facility_is_its_second_child(households):
    api = households.api()
    report = api.call(api.billing, "GET", "/reports/2024-03").json()
    assert report["ruleset"] == "households-2024"
    invoices = {i["enrollment"]: (i["fee"], i["reduction"], i["due"]) for i in report["invoices"]}
    assert invoices == {
        "E1": ("3000.00", "0.00", "3000.00"),     # HOME's elder child, at HA: the first
        "E2": ("3000.00", "900.00", "2100.00"),   # HOME's younger, at HB: the second, 30% of 3,000.00 off
        "E3": ("3000.00", "0.00", "3000.00"),     # APART at HA and at HB: two families, each child a first
        "E4": ("3000.00", "0.00", "3000.00"),
    }
    payouts = {p["facility"]: (p["operating_subsidy"], p["reduction_compensation"]) for p in report["payouts"]}
    assert payouts == {"HA": ("1200.00", "0.00"), "HB": ("1200.00", "900.00")}  # 20% of 3,000.00 × 2 each


def test_each_facility_range_ranks_the_household_over_every_facility(households):
    api = households.api()
    for bounds, facilities, expected in (
            ({"to": "HB"}, ["HA"], {"E1": (1, 0), "E3": (1, 0)}),
            ({"from": "HB"}, ["HB"], {"E2": (2, 90000), "E4": (1, 0)}),  # E1, at HA, still makes E2 the second
            ({}, ["HA", "HB"], {"E1": (1, 0), "E2": (2, 90000), "E3": (1, 0), "E4": (1, 0)})):
        due = contract.decode(api.call(api.subsidy, "GET", "/due/2024-03", params=bounds).content)
        lines = due.lines
        assert dict(zip(lines.enrollment, zip(lines.sibling_rank, lines.reduction_fen))) == expected, bounds
        assert [f.facility for f in due.facilities] == facilities


def test_the_guardians_number_is_shown_nowhere(households):
    api = households.api()
    family = api.call(api.enrollment, "GET", "/facilities/HA/families/HOME").json()
    assert GUARDIAN[:17] not in str(family) and "guardian" not in str(family)
    rows = households.query("subsidy", "SELECT DISTINCT household FROM families WHERE external_id = 'HOME'")
    assert len(rows) == 1 and rows[0][0] and GUARDIAN[:17] not in rows[0][0]
