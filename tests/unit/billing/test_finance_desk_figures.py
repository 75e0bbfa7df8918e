"""The finance desk's arrangement of a month report and of a fund's year: counts and amounts add up."""

from __future__ import annotations

from billing.cycle.documents import STATUSES
from billing.desk import figures

REPORT = {
    "month": "2022-09",
    "payouts": [{"jurisdiction": "330903", "status": "issued", "total": "20300.00"},
                {"jurisdiction": "330902", "status": "issued", "total": "160.00"},
                {"jurisdiction": "330902", "status": "issued", "total": "11400.00"},
                {"jurisdiction": "330921", "status": "awaiting_budget", "total": "11080.00"}],
    "jurisdictions": [
        {"code": code, "name": name, "ruleset": "zhoushan-city-2022",
         "totals": {"family_due": due, "reductions": "0.00", "operating_subsidy": "100.00",
                    "construction_grants": "0.00", "adjustments": "-1.50", "held": "0.00"},
         "blocked": blocked}
        for code, name, due, blocked in (
            ("330902", "定海区", "5000.00", []),
            ("330903", "普陀区", "2000.00", [{"service_month": "2022-09", "facility": "PA", "reason": "refused"}]),
            ("330921", None, "900.00", []))],
}


def test_each_jurisdiction_counts_its_own_payouts_by_status_in_fen():
    rows = {r["code"]: r for r in figures.cycle_rows(REPORT)}
    assert list(rows["330902"]["statuses"]) == list(STATUSES)
    assert rows["330902"]["statuses"]["issued"] == {"count": 2, "fen": 1156000}
    assert rows["330903"]["statuses"]["issued"] == {"count": 1, "fen": 2030000}
    assert rows["330921"]["statuses"]["awaiting_budget"] == {"count": 1, "fen": 1108000}
    assert rows["330921"]["statuses"]["issued"] == {"count": 0, "fen": 0}
    assert sum(s["count"] for r in rows.values() for s in r["statuses"].values()) == len(REPORT["payouts"])


def test_a_jurisdiction_shows_its_family_due_subsidies_and_blocked_facilities():
    rows = {r["code"]: r for r in figures.cycle_rows(REPORT)}
    assert rows["330902"]["totals"]["family_due"] == 500000
    assert rows["330902"]["totals"]["adjustments"] == -150
    assert rows["330903"]["blocked"] == [{"service_month": "2022-09", "facility": "PA", "reason": "refused"}]
    assert rows["330921"]["name"] == "330921"  # a jurisdiction billing knows no name of is shown by its code


def test_every_status_has_words_on_the_desk():
    assert set(figures.STATUS_WORDS) == set(STATUSES)


def test_the_year_is_twelve_months_and_the_cumulative_ends_at_what_is_drawn():
    months = figures.year_by_month(2022, {"2022-09": 1156000, "2022-11": 100})
    assert [m["month"] for m in months][:2] == ["2022-01", "2022-02"] and len(months) == 12
    assert [m["cumulative"] for m in months][7:] == [0, 1156000, 1156000, 1156100, 1156100]
    assert sum(m["drawn"] for m in months) == months[-1]["cumulative"]
