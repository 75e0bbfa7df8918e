"""`tuoyu scenario load` runs every timeline step of CONTRACT through the public APIs, and a second load changes
nothing: not one more outbox event, not one more billing document.

This module bills months, which takes in every facility of its world: it has a world of its own.
"""

from __future__ import annotations

import pytest

from tests.stack import World

SCENARIO = """\
ruleset: zhoushan-putuo-2022
facilities:
  - external_id: F1
    name: 沈家门街道托育园
    kind: childcare_institution
    ownership: private_nonprofit
    inclusive: true
    filed_on: 2022-03-01
    fire_safety_certified: true
    serves_meals: true
    food_licence: true
    subsidy_rate: "0.12"
    bank_account: "6222020200112233445"
    classes:
      - {external_id: C1, opened_on: 2022-09-01, capacity: 20}
    reviews:
      - {date: 2022-06-30, result: pass}
families:
  - external_id: FAM1
    children:
      - {external_id: K1, birth_date: 2020-05-01, birth_order: 1, national_id: "330903202005010014"}
      - {external_id: K2, birth_date: 2021-03-10, birth_order: 2}
enrollments:
  - {external_id: E1, child: K2, facility: F1, class: C1, care: full_day, monthly_fee: "2000.00", start: 2022-09-01}
  - {external_id: E2, child: K1, facility: F1, class: C1, care: full_day, monthly_fee: "2000.00", start: 2022-09-01}
budgets:
  - {year: 2022, amount: "700000.00"}
timeline:
  - {bill: 2022-09}
  - {withdraw: {enrollment: E2, facility: F1, end: 2022-09-15}}
  - {fee_change: {enrollment: E1, facility: F1, monthly_fee: "2200.00", from: 2022-10-01}}
  - {review: {facility: F1, date: 2022-10-20, result: fail}}
  - {subsidy_rate: {facility: F1, rate: "0.10", from: 2022-11-01}}
  - {bill: 2022-10}
  - {review: {facility: F1, date: 2022-12-01, result: fail}}
  - {bill: 2022-11}
"""


@pytest.fixture(scope="module")
def loaded(infra, tmp_path_factory):
    """A world of its own, the scenario loaded once, and the counts a second load must leave alone."""
    world = World(tmp_path_factory.mktemp("scenario-world")).start()
    path = tmp_path_factory.mktemp("scenario") / "every-step.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    world.cli("scenario", "load", str(path))
    yield world, path
    world.close()


def counts(world: World) -> tuple:
    return (world.query("enrollment", "SELECT count(*) FROM outbox")[0][0],
            world.query("billing", "SELECT count(*) FROM family_documents")[0][0],
            world.query("billing", "SELECT count(*) FROM payouts")[0][0])


def test_every_timeline_step_reaches_the_records(loaded):
    world, _ = loaded
    api = world.api()
    get = lambda path: api.call(api.enrollment, "GET", path).json()  # noqa: E731
    e1, e2 = get("/facilities/F1/enrollments/E1"), get("/facilities/F1/enrollments/E2")
    assert e2["end"] == "2022-09-15"                                   # withdraw
    assert e1["fees"] == [{"from": "2022-09-01", "monthly_fee": "2000.00"},
                          {"from": "2022-10-01", "monthly_fee": "2200.00"}]  # fee_change
    facility = get("/facilities/F1")
    assert facility["reviews"] == [{"date": "2022-06-30", "result": "pass"}, {"date": "2022-10-20", "result": "fail"},
                                   {"date": "2022-12-01", "result": "fail"}]  # review, twice: revoked
    assert (facility["status"], facility["revoked_on"]) == ("revoked", "2022-12-01")
    assert e1["end"] == "2022-11-30"                                   # ended the day before the revocation
    assert facility["rates"] == [{"from": "2022-03-01", "rate": "0.12"}, {"from": "2022-11-01", "rate": "0.1"}]
    billed = {r[0] for r in world.query("billing", "SELECT month FROM cycles")}
    assert {"2022-09", "2022-10", "2022-11"} <= {str(m)[:7] for m in billed}


def test_loading_the_same_scenario_again_changes_nothing(loaded):
    world, path = loaded
    before = counts(world)
    world.cli("scenario", "load", str(path))
    assert counts(world) == before
