"""POLICY `annual_review` on the real stack: a failed review holds, a pass releases, a revocation cancels."""

from __future__ import annotations

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, billing_get, report
from tests.scenarios import path

SEP, OCT, NOV = "2022-09", "2022-10", "2022-11"


@pytest.fixture(scope="module")
def world(world_of):
    # One facility per batch: the cycle's batches must give what one batch of everything gives.
    return world_of(path("review-hold-release.yaml"), TUOYU_CYCLE_BATCH_LINES="1")


def _payout(month_report: dict, facility: str) -> dict:
    return next(p for p in month_report["payouts"] if p["facility"] == facility)


def test_a_failed_review_holds_the_payout_and_a_later_pass_releases_it(world):
    october, november = report(world, OCT), report(world, NOV)
    held = _payout(october, "F1")
    assert (held["status"], held["total"]) == ("held", "240.00")
    assert october["totals"]["held"] == "240.00"  # F2's 200.00 was held too, and cancelled since
    releasing = _payout(november, "F1")
    assert releasing["status"] == "issued"
    release = [l for l in releasing["lines"] if l["kind"] == "release"]
    assert [(l["releases"], l["amount"], l["service_month"]) for l in release] == [(held["number"], "240.00", OCT)]
    assert (releasing["released"], releasing["total"]) == ("240.00", "480.00")
    assert billing_get(world, f"/payouts/{held['number']}")["released_by"] == releasing["number"]


def test_a_revocation_cancels_held_money_and_what_was_earned_in_rectification(world):
    october, november = report(world, OCT), report(world, NOV)
    held = _payout(october, "F2")
    assert held["total"] == "200.00"
    assert billing_get(world, f"/payouts/{held['number']}")["status"] == "cancelled"
    revoked = _payout(november, "F2")
    # Revoked on 10 November: nine days of care (600.00), subsidised at 10% (60.00), never paid.
    assert (revoked["status"], revoked["total"]) == ("cancelled", "60.00")
    e2 = next(i for i in november["invoices"] if i["enrollment"] == "E2")
    assert e2["fee"] == "600.00"
    reconciled = billing_get(world, f"/reconcile/{OCT}")
    assert {p["facility"]: p["issued"] for p in reconciled["payouts"]} == {"F1": "0.00", "F2": "0.00"}
    assert reconciled["differences"] == []


def test_issued_plus_corrections_equals_what_is_due_now(world):
    assert_issued_equals_due(world, [SEP, OCT, NOV])
