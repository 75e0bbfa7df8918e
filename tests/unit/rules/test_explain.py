"""`explanation`: every amount of a line with its rule set, rule id and inputs."""

import json

from subsidy.rules.explain import explain_line
from tuoyu.months import Month

from .world import World

OCTOBER = Month(2022, 10)


def _explained(putuo, **facility):
    world = World()
    f = world.facility(**facility)
    row = world.enroll(world.child(born="2021-03-01", order=2), f, "2022-10-01", "2022-10-10")
    return explain_line(OCTOBER, putuo, world.facts(OCTOBER), row)


def test_an_explanation_names_the_rule_set_and_the_rule_behind_each_amount(putuo):
    explained = _explained(putuo)
    assert explained["ruleset"] == {"id": "zhoushan-putuo-2022", "version": "1"}
    keys = ("fee", "reduction", "operating_subsidy", "age_limit", "facility_status")
    assert [explained[k]["rule"] for k in keys] == [
        "proration", "sibling_reduction", "operating_subsidy", "age_limit", "facility_eligibility"]
    json.dumps(explained)  # ready for an API response as it is


def test_an_explanation_shows_the_exact_value_and_the_rounded_fen(putuo):
    explained = _explained(putuo)
    assert explained["days_in_month"] == 31
    assert explained["fee"] == {"rule": "proration", "enrolled_days": 10, "exact_fen": "2000000/31",
                                "rounded_fen": "64516", "amount": "645.16"}
    assert (explained["reduction"]["rate"], explained["reduction"]["rank"]) == ("0.3", 2)
    assert explained["reduction"]["amount"] == "193.55"
    assert explained["family_due"]["amount"] == "451.61"
    assert explained["operating_subsidy"]["amount"] == "77.42"


def test_an_explanation_lists_each_run_of_fee_and_rate(putuo):
    explained = _explained(putuo, rates=[("2020-01-01", "0.12"), ("2022-10-06", "0.15")])
    assert [(r["from"], r["to"], r["days"], r["fee"], r["rate"]) for r in explained["runs"]] == [
        ("2022-10-01", "2022-10-05", 5, "2000.00", "0.12"),
        ("2022-10-06", "2022-10-10", 5, "2000.00", "0.15"),
    ]


def test_an_explanation_shows_why_a_facility_was_not_eligible(putuo):
    explained = _explained(putuo, meals=True, food_licence=None)
    status = explained["facility_status"]
    assert (status["serves_meals"], status["food_licence_on"], status["eligible_days"]) == (True, None, 0)
    assert explained["runs"][0]["facility_eligible"] is False
    assert explained["operating_subsidy"]["amount"] == "0.00"


def test_an_explanation_of_a_held_facility_says_so(putuo):
    status = _explained(putuo, reviews=[("2022-10-20", "fail")])["facility_status"]["annual_review"]
    assert status == {"rule": "annual_review", "in_rectification_at_month_end": True, "held": True, "revoked": False}
