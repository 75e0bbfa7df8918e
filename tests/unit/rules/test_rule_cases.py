"""Runs the officer-readable rule cases in tests/rules/*.yaml through the engine and the reference."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from subsidy.rules.catalog import load_shipped
from subsidy.rules.engine import compute_month
from subsidy.rules.reference import reference_lines
from tuoyu.money import format_cny
from tuoyu.months import Month

from .world import World

CASES_DIR = Path(__file__).resolve().parents[2] / "rules"


def _cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            yield pytest.param(document["ruleset"], document["defaults"], case, id=f"{path.stem}: {case['name']}")


def _text(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _world(defaults: dict, case: dict) -> tuple[Month, World]:
    month = Month.parse(_text(case.get("month", defaults["month"])))
    facility = {**defaults["facility"], **case.get("facility", {})}
    child = {**defaults["child"], **case.get("child", {})}
    enrolled = case.get("enrolled", defaults["enrolled"])
    world = World()
    rates = facility.pop("rates", None)
    f = world.facility(
        kind=facility.get("kind", "childcare_institution"),
        rate=facility.get("rate"),
        rates=[(_text(d), r) for d, r in rates] if rates else None,
        filed=_text(facility.get("filed")),
        fire_safety=_text(facility.get("fire_safety")),
        meals=facility.get("meals", False),
        food_licence=_text(facility.get("food_licence")),
        revoked=_text(facility.get("revoked")),
        reviews=[(_text(d), outcome) for d, outcome in facility.get("reviews", [])],
    )
    c = world.child(born=_text(child["born"]), order=child["birth_order"])
    fees = case.get("fees")
    world.enroll(
        c, f, _text(enrolled[0]), _text(enrolled[1]) if len(enrolled) > 1 else None,
        fee=case.get("fee", defaults["fee"]),
        fees=[(_text(s), _text(t), fee) for s, t, fee in fees] if fees else None,
    )
    return month, world


@pytest.mark.parametrize("ruleset_name, defaults, case", list(_cases()))
def test_rule_case_gives_the_amounts_the_officer_wrote(ruleset_name, defaults, case):
    ruleset = load_shipped(ruleset_name)
    month, world = _world(defaults, case)
    facts = world.facts(month)
    line = compute_month(month, ruleset, facts).lines.row(0)
    got = {
        "fee": format_cny(line["fee_fen"]),
        "family_pays": format_cny(line["family_due_fen"]),
        "reduction": format_cny(line["reduction_fen"]),
        "operating_subsidy": format_cny(line["operating_subsidy_fen"]),
    }
    assert {key: got[key] for key in case["expect"]} == case["expect"]
    ref = reference_lines(month, ruleset, facts)[0]
    assert (ref.fee_fen, ref.reduction_fen, ref.operating_subsidy_fen) == (
        line["fee_fen"], line["reduction_fen"], line["operating_subsidy_fen"])
