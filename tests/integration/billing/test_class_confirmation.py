"""POLICY `construction_grant` and "Guard rails" on the real stack: a class nobody confirmed is paid nothing; a
confirmation dated in a month already billed is paid by the next cycle as an adjustment line of that month."""

from __future__ import annotations

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, final_facts, issued_sums, report
from tests.integration.enrollment.conftest import Desk, Facility
from tests.scenarios import path

SEP, OCT, NOV, DEC = "2022-09", "2022-10", "2022-11", "2022-12"


def _grants(payout: dict) -> list[tuple[str, str, str]]:
    return sorted((l["service_month"], l["class"], l["amount"]) for l in payout["lines"]
                  if l["kind"] == "construction_grant")


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("unconfirmed-classes.yaml"))


def test_only_the_confirmed_class_is_paid_its_grant_in_september(world):
    (payout,) = report(world, SEP)["payouts"]
    assert _grants(payout) == [(SEP, "C1", "20000.00")]
    assert payout["construction_grants"] == "20000.00"
    assert report(world, SEP)["totals"]["construction_grants"] == "20000.00"
    (october,) = report(world, OCT)["payouts"]
    assert _grants(october) == [] and october["construction_grants"] == "0.00"


def test_a_late_confirmation_is_paid_next_cycle_as_an_adjustment_of_the_month_it_belongs_to(world):
    (payout,) = report(world, NOV)["payouts"]
    assert _grants(payout) == [(SEP, "C2", "20000.00")]
    # November's own operating subsidy (2,000.00 × 12%) and September's late grant; nothing else changed.
    assert (payout["operating_subsidy"], payout["construction_grants"], payout["adjustments"], payout["total"]) == (
        "240.00", "0.00", "20000.00", "20240.00")
    assert report(world, NOV)["totals"]["adjustments"] == "20000.00"
    assert_issued_equals_due(world, [SEP, OCT, NOV])


def test_the_class_nobody_confirmed_is_never_paid_and_a_second_run_or_load_issues_nothing(world):
    paid = {c for (c,) in world.query("billing", "SELECT class FROM grants_paid")}
    assert paid == {"C1", "C2"}
    before = issued_sums(world)
    world.cli("scenario", "load", str(path("unconfirmed-classes.yaml")))
    assert world.api().bill(NOV)["issued"] is False
    assert issued_sums(world) == before


def test_a_class_the_facility_opens_itself_earns_nothing_until_the_commission_confirms_it(world):
    desk = Desk(world)
    key = desk.admin.post("/facilities/F1/keys", json={"label": "own"}).json()["api_key"]
    own = Facility("F1", key, desk.as_key(key))
    assert own.post("/classes", json={"external_id": "C4", "opened_on": "2022-10-01", "capacity": 20}
                    ).status_code == 201
    assert own.put("/classes/C4/confirmation", json={"confirmed_on": "2022-10-01"}).status_code == 404
    world.cli("classes", "confirm", "--facility", "F1", "--class", "C4", "--date", "2022-10-10")
    assert desk.admin.get("/facilities/F1/classes/C4").json()["confirmed_on"] == "2022-10-10"
    world.cli("bill", "--month", DEC)
    (payout,) = report(world, DEC)["payouts"]
    assert _grants(payout) == [(OCT, "C4", "20000.00")]
    assert_issued_equals_due(world, [SEP, OCT, NOV, DEC])


def test_a_fresh_world_with_the_confirmation_on_time_pays_the_same_grants_in_the_same_months(world_of, tmp_path):
    fresh = world_of(final_facts("unconfirmed-classes.yaml", tmp_path))
    (payout,) = report(fresh, SEP)["payouts"]
    assert _grants(payout) == [(SEP, "C1", "20000.00"), (SEP, "C2", "20000.00")]
    assert [_grants(p) for p in report(fresh, NOV)["payouts"]] == [[]]
