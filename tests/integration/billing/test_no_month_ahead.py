"""POLICY "Guard rails", no month ahead: a cycle for a month that has not begun by the service's clock is refused.
The clock is the setting TUOYU_TODAY, moved here to the last day of September 2022."""

from __future__ import annotations

import pytest

from tests.integration.billing.conftest import billing_get
from tests.scenarios import path


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"), TUOYU_TODAY="2022-09-30")


@pytest.mark.parametrize("month", ["2022-10", "2030-01"])
def test_a_cycle_for_a_month_that_has_not_begun_is_refused_and_issues_nothing(world, month):
    api = world.api()
    response = api.billing.post(f"/cycles/{month}")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error == {"field": "month", "reason": f"{month} has not begun (today is 2022-09-30): a month is billed "
                                                 "once it has begun"}
    assert [c["month"] for c in billing_get(world, "/cycles")] == ["2022-09"]
    refused = world.cli("bill", "--month", month, check=False)
    assert refused.returncode != 0 and "has not begun" in refused.stderr


def test_the_month_of_the_clock_itself_has_begun_and_can_be_billed_again(world):
    api = world.api()
    assert api.billing.post("/cycles/2022-09").status_code == 200
    assert [c["month"] for c in billing_get(world, "/cycles")] == ["2022-09"]
