"""Planning figures, pure: a district's places, inclusive places and children enrolled on the day, a city's as the
sum of its districts', per 1,000 residents and shares exact to two decimals rounded half up, against the seeds'
targets; a population entered per district, the latest on or before the day."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, strategies as st

from enrollment.domain import jurisdictions, planning
from enrollment.domain.planning import Counted
from tuoyu.errors import InvalidInput

D = date.fromisoformat
DAY = D("2025-01-01")
TREE = [{"code": "330000", "name": "浙江省", "parent": None},
        {"code": "330900", "name": "舟山市", "parent": "330000"},
        {"code": "330902", "name": "定海区", "parent": "330900"},
        {"code": "330903", "name": "普陀区", "parent": "330900"}]
PARENTS = {j["code"]: j["parent"] for j in TREE}


def _rows(report: dict) -> dict[str, dict]:
    return {row["code"]: row for row in report["jurisdictions"]}


def test_a_districts_figures_are_its_open_facilities_places_and_children_per_its_residents():
    facilities = [Counted("330903", True, True, 60, 45), Counted("330903", True, False, 40, 30),
                  Counted("330903", False, True, 500, 10),  # revoked, or not filed yet: not counted
                  Counted(None, True, True, 99, 9)]  # in no jurisdiction: in no row
    row = _rows(planning.figures(DAY, TREE, facilities, [("330903", D("2024-12-31"), 320000)]))["330903"]
    assert (row["facilities"], row["places"], row["inclusive_places"], row["enrolled"]) == (2, 100, 60, 75)
    assert (row["residents"], row["residents_as_of"], row["population_missing"]) == (320000, "2024-12-31", [])
    # 100 × 1000 / 320000 = 0.3125 → 0.31; 60% inclusive; 75% used.
    assert (row["places_per_1000"], row["inclusive_share"], row["utilisation"]) == ("0.31", "60.00", "75.00")
    assert row["meets"] == {"national_2025": False, "old_areas": False, "new_areas": False, "inclusive_2025": True}


def test_a_city_is_the_sum_of_its_districts_and_null_per_1000_while_one_has_no_population():
    facilities = [Counted("330903", True, True, 3000, 2000), Counted("330902", True, False, 1000, 900)]
    only_putuo = _rows(planning.figures(DAY, TREE, facilities, [("330903", D("2024-01-01"), 320000)]))
    city = only_putuo["330900"]
    assert (city["places"], city["inclusive_places"], city["enrolled"], city["level"]) == (4000, 3000, 2900, "city")
    assert (city["residents"], city["places_per_1000"], city["population_missing"]) == (None, None, ["330902"])
    assert (city["inclusive_share"], city["utilisation"], city["districts"]) == ("75.00", "72.50",
                                                                                  ["330902", "330903"])
    both = _rows(planning.figures(DAY, TREE, facilities, [("330903", D("2024-01-01"), 320000),
                                                          ("330902", D("2024-01-01"), 480000)]))
    assert both["330900"]["residents"] == both["330000"]["residents"] == 800000
    assert both["330900"]["places_per_1000"] == "5.00" and both["330900"]["meets"]["national_2025"] is True
    assert both["330903"]["places_per_1000"] == "9.38"  # 9.375 rounds half up


def test_the_latest_population_on_or_before_the_day_is_used():
    entries = [("330903", D("2020-11-01"), 300000), ("330903", D("2024-12-31"), 320000),
               ("330903", D("2025-06-30"), 330000)]
    assert planning.residents_on(entries, DAY) == {"330903": (D("2024-12-31"), 320000)}
    assert planning.residents_on(entries, D("2020-10-31")) == {}


def test_with_no_places_or_no_residents_there_is_nothing_to_divide_and_no_target_is_judged():
    row = _rows(planning.figures(DAY, TREE, [], []))["330902"]
    assert (row["places_per_1000"], row["inclusive_share"], row["utilisation"]) == (None, None, None)
    assert set(row["meets"].values()) == {None}
    assert _rows(planning.figures(DAY, TREE, [], [("330902", DAY, 1000)]))["330902"]["places_per_1000"] == "0.00"


def test_every_target_carries_its_source_and_utilisation_says_it_has_none():
    report = planning.figures(DAY, TREE, [], [])
    assert [(t["key"], t["value"]) for t in report["targets"]] == [
        ("national_2025", "4.5"), ("old_areas", "6"), ("new_areas", "9"), ("inclusive_2025", "60")]
    assert all(t["source"] and t["words"] for t in report["targets"])
    assert "seed 002" in report["targets"][2]["source"] and "seed 001" in report["targets"][3]["source"]
    assert report["utilisation_target"] is None and "no seed" in report["utilisation_note"]


def test_a_scoped_caller_sees_its_cover_and_a_jurisdiction_outside_it_reads_as_unknown():
    putuo = frozenset({"330903"})
    assert planning.shown(PARENTS, putuo, None) == putuo
    assert planning.shown(PARENTS, None, "330900") == {"330900", "330902", "330903"}
    assert planning.shown(PARENTS, frozenset({"330900", "330902", "330903"}), "330903") == {"330903"}
    for outside in ("330900", "330902", "110000"):
        with pytest.raises(InvalidInput, match="no jurisdiction"):
            planning.shown(PARENTS, putuo, outside)
    shown = planning.figures(DAY, TREE, [], [], planning.shown(PARENTS, putuo, None))
    assert [row["code"] for row in shown["jurisdictions"]] == ["330903"]


def test_a_facility_in_rectification_counts_and_a_revoked_or_not_yet_filed_one_does_not():
    rows = [{"id": i, "external_id": x, "inclusive": True, "filed_on": filed, "revoked_on": revoked, "capacity": 10,
             "places_taken": 5} for i, (x, filed, revoked) in enumerate(
                 [("OK", D("2022-01-01"), None), ("LATE", D("2025-02-01"), None),
                  ("GONE", D("2022-01-01"), D("2024-06-01")), ("FIX", D("2022-01-01"), None)], 1)]
    reviews = [{"facility_id": 4, "reviewed_on": D("2024-10-01"), "result": "fail"}]
    histories = {x: [(D("2000-01-01"), "330903")] for x in ("OK", "LATE", "GONE", "FIX")}
    assert [c.open for c in planning.counted(rows, reviews, histories, DAY)] == [True, False, False, True]


def test_the_csv_has_a_row_per_jurisdiction_and_no_cell_starts_a_formula():
    hostile = [*TREE[:3], {"code": "330903", "name": "=HYPERLINK(\"x\")", "parent": "330900"}]
    report = planning.figures(DAY, hostile, [Counted("330903", True, True, 45, 9)], [("330903", DAY, 10000)])
    lines = list(csv.reader(io.StringIO(planning.to_csv(report).decode("utf-8-sig"))))
    assert lines[0][:2] == ["代码", "名称"] and len(lines) == 5
    putuo = lines[4]
    assert putuo[1] == "'=HYPERLINK(\"x\")" and putuo[10] == "4.50" and putuo[-4:] == ["是", "否", "否", "是"]


def test_a_population_is_entered_for_a_county_level_jurisdiction_not_too_far_ahead():
    putuo, zhoushan = TREE[3], TREE[1]
    assert jurisdictions.population("330903", putuo, DAY, 320000, None, DAY) is True
    assert jurisdictions.population("330903", putuo, DAY, 320000, 320000, DAY) is False
    assert jurisdictions.population("330903", putuo, DAY, 321000, 320000, DAY) is True  # a correction
    with pytest.raises(InvalidInput, match="not county-level"):
        jurisdictions.population("330900", zhoushan, DAY, 1000000, None, DAY)
    with pytest.raises(InvalidInput, match="a year from today"):
        jurisdictions.population("330903", putuo, DAY + timedelta(days=400), 320000, None, DAY)


# --- properties ----------------------------------------------------------------------------------------------------

COUNTIES = ["330902", "330903"]
facility = st.builds(Counted, st.sampled_from(COUNTIES), st.booleans(), st.booleans(),
                     st.integers(0, 5000), st.integers(0, 5000))
residents = st.integers(1, 100_000_000)


def _exact(numerator: int, denominator: int) -> str:
    with localcontext() as context:
        context.prec = 60
        return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@given(st.lists(facility, max_size=30), st.dictionaries(st.sampled_from(COUNTIES), residents))
def test_a_city_and_its_province_are_the_sum_of_their_districts(facilities, people):
    rows = _rows(planning.figures(DAY, TREE, facilities, [(c, DAY, n) for c, n in people.items()]))
    for total in ("330900", "330000"):
        for key in ("facilities", "places", "inclusive_places", "enrolled"):
            assert rows[total][key] == sum(rows[c][key] for c in COUNTIES)
        complete = len(people) == len(COUNTIES)
        assert rows[total]["residents"] == (sum(people.values()) if complete else None)
        assert rows[total]["population_missing"] == [c for c in COUNTIES if c not in people]


@given(st.integers(0, 10**7), residents)
def test_places_per_1000_is_the_exact_quotient_rounded_half_up(places, people):
    row = _rows(planning.figures(DAY, TREE, [Counted("330903", True, False, places, 0)],
                                 [("330903", DAY, people)]))["330903"]
    assert row["places_per_1000"] == _exact(places * 1000, people)


@given(st.integers(0, 10**6).flatmap(lambda p: st.tuples(st.just(p), st.integers(0, p), st.integers(0, p))))
def test_shares_are_between_0_and_100_when_no_more_are_enrolled_than_there_are_places(counts):
    places, inclusive, enrolled = counts
    facilities = [Counted("330903", True, True, inclusive, 0), Counted("330903", True, False, places - inclusive,
                                                                        enrolled)]
    row = _rows(planning.figures(DAY, TREE, facilities, []))["330903"]
    if places == 0:
        assert row["inclusive_share"] is row["utilisation"] is None
        return
    for figure in (row["inclusive_share"], row["utilisation"]):
        assert Decimal(0) <= Decimal(figure) <= Decimal(100)
    assert row["inclusive_share"] == _exact(inclusive * 100, places)
    assert row["utilisation"] == _exact(enrolled * 100, places)
