"""The largest fee the enrollment API accepts is billed end to end: enrollment → subsidy → billing → report."""

from __future__ import annotations

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, report
from tests.scenarios import path

SEP = "2022-09"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("largest-fee.yaml"))


def test_the_largest_accepted_fee_is_invoiced_to_the_fen(world):
    invoices = {i["enrollment"]: (i["fee"], i["reduction"], i["due"]) for i in report(world, SEP)["invoices"]}
    # E2 is a second child: 30% of 9,999,999,999 fen is 2,999,999,999.7, rounded half up to 3,000,000,000.
    assert invoices == {"E1": ("99999999.99", "0.00", "99999999.99"),
                        "E2": ("99999999.99", "30000000.00", "69999999.99")}


def test_the_largest_accepted_fee_is_paid_out_to_the_fen(world):
    (payout,) = report(world, SEP)["payouts"]
    # 15% of 9,999,999,999 fen is 1,499,999,999.85, rounded half up to 1,500,000,000 for each child; the class's
    # construction grant is 20,000.00. The 2022 budget of 100,000,000.00 holds the 60,020,000.00.
    assert (payout["operating_subsidy"], payout["reduction_compensation"], payout["construction_grants"]) == (
        "30000000.00", "30000000.00", "20000.00")
    assert (payout["status"], payout["total"]) == ("issued", "60020000.00")
    assert_issued_equals_due(world, [SEP])
