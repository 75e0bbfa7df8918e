"""POLICY "Guard rails", one facility's bad fact stops only that facility, on the real stack: a fee the engine
refuses is written straight into the subsidy service's own view (the API no longer accepts one), the next cycle
bills the other facility and shows this one blocked with the reason; fixed, the cycle after issues what waited."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, report
from tests.scenarios import path

SEP, OCT, NOV = "2022-09", "2022-10", "2022-11"
REASON = "enrollment E3: a monthly fee must be between 0.00 and 99999999.99 CNY"


def _set_fee(world, fen: int) -> None:
    """F2's only enrollment (E3, 1,800.00 a month from September) at `fen`, in the subsidy service's view."""
    (row,) = world.query("subsidy", f"UPDATE enrollment_fees SET fee_fen = {fen} WHERE enrollment_id = (SELECT id "
                                    "FROM enrollments WHERE facility = 'F2' AND external_id = 'E3') RETURNING fee_fen")
    assert row == (fen,)


@pytest.fixture(scope="module")
def world(world_of):
    """F1 (E1, E2) and F2 (E3) billed for September; F2's fee then goes out of bounds, October is billed, the fee
    is put back and November is billed."""
    world = world_of(path("bank-round-trip.yaml"))
    _set_fee(world, 10**10)
    world.october = json.loads(world.cli("bill", "--month", OCT).stdout)
    world.october_csv = world.cli("report", "--month", OCT, "--format", "csv").stdout
    _set_fee(world, 180000)
    world.november = json.loads(world.cli("bill", "--month", NOV).stdout)
    return world


def test_the_blocked_facility_is_issued_nothing_and_the_other_is_billed(world):
    october = report(world, OCT)
    assert sorted((i["service_month"], i["facility"], i["enrollment"], i["due"]) for i in october["invoices"]) == [
        (OCT, "F1", "E1", "2000.00"), (OCT, "F1", "E2", "1400.00")]
    assert october["credit_notes"] == []  # F2's September is not reversed while its facts wait
    assert [(p["facility"], p["total"]) for p in october["payouts"]] == [("F1", "1080.00")]  # 2 × 240 + 600


def test_the_cycle_and_its_report_show_the_facility_blocked_with_the_reason(world):
    blocked = [{"service_month": OCT, "facility": "F2", "reason": REASON},
               {"service_month": SEP, "facility": "F2", "reason": REASON}]
    assert world.october["blocked"] == blocked
    assert sorted(report(world, OCT)["blocked"], key=lambda b: b["service_month"], reverse=True) == blocked
    rows = list(csv.reader(io.StringIO(world.october_csv.lstrip("\ufeff"))))
    assert [(r[0], r[2], r[3], r[-1]) for r in rows if r[0] == "暂缓开具"] == [
        ("暂缓开具", SEP, "F2", REASON), ("暂缓开具", OCT, "F2", REASON)]


def test_once_fixed_the_next_cycle_issues_what_waited_and_issued_equals_due(world):
    november = report(world, NOV)
    assert world.november["blocked"] == [] and november["blocked"] == []
    f2 = sorted((i["service_month"], i["enrollment"], i["due"], i["corrects"])
                for i in november["invoices"] if i["facility"] == "F2")
    assert f2 == [(OCT, "E3", "1800.00", None), (NOV, "E3", "1800.00", None)]
    (payout,) = [p for p in november["payouts"] if p["facility"] == "F2"]
    # 15% of 1,800.00 for November, and October's as an adjustment of October.
    assert (payout["operating_subsidy"], payout["adjustments"], payout["total"]) == ("270.00", "270.00", "540.00")
    assert_issued_equals_due(world, [SEP, OCT, NOV])
