"""The subsidy→billing `due` answer: what the subsidy service builds and encodes, billing decodes, to the fen.

In-process: the engine computes a realistic month, `due_answer` and `encode` make the answer as `GET /due/{month}`
sends it, and `decode` with `MonthDue.of` read it as billing's cycle does.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from fractions import Fraction

import msgspec
import numpy as np
import pytest

from billing.cycle.difference import plan_cycle
from billing.cycle.due import MonthDue
from billing.cycle.issued import Issued
from subsidy.due_answer import due_answer
from subsidy.facts_store import Labels
from subsidy.rules.catalog import NONE_IN_FORCE, load_shipped
from subsidy.rules.engine import compute_month
from subsidy.rules.ruleset import dump_ruleset, load_ruleset
from tuoyu.months import Month
from tests.unit.rules.world import World
from tuoyu.contracts import due as contract

SEPTEMBER = Month(2022, 9)


@pytest.fixture(scope="module")
def month():
    """Four facilities: one with a new class and two siblings (one enrolled from the 16th), one in rectification,
    one revoked by its second failed review, one revoked outright."""
    world = World()
    open_, held, twice_failed, revoked = (
        world.facility("F-OPEN"),
        world.facility("F-HELD", reviews=[("2022-09-05", "fail")]),
        world.facility("F-TWICE", reviews=[("2022-03-10", "fail"), ("2022-09-10", "fail")]),
        world.facility("F-REVOKED", revoked="2022-09-20"))
    world.klass(open_, "2022-09-01", external_id="C-NEW")
    world.klass(held, "2021-09-01", external_id="C-OLD")
    world.enroll(world.child(family=1, order=1), open_)
    world.enroll(world.child(family=1, order=2), open_, start="2022-09-16")  # a reduction, prorated
    world.enroll(world.child(family=2), held)
    world.enroll(world.child(family=3), twice_failed)
    world.enroll(world.child(family=4), revoked)
    facts = world.facts(SEPTEMBER)
    putuo = load_shipped("zhoushan-putuo-2022")
    result = compute_month(SEPTEMBER, putuo, facts)
    answer = due_answer(SEPTEMBER, putuo, facts, _labels(facts), result)
    return result, answer, contract.encode(answer)


def _labels(facts) -> Labels:
    """Enrollments E1, E2, … of children K1, K2, … in families FAM<key>."""
    n = len(facts.enrollments)
    return Labels(
        facilities=[f.external_id for f in facts.facilities],
        enrollment=np.array([f"E{i + 1}" for i in range(n)], dtype=object),
        child=np.array([f"K{i + 1}" for i in range(n)], dtype=object),
        family=np.array([f"FAM{facts.children.family[c]}" for c in facts.enrollments.child], dtype=object),
        facility_of_enrollment=np.array([facts.facilities[f].external_id for f in facts.enrollments.facility],
                                        dtype=object))


def test_billing_reads_every_amount_the_engine_computed(month):
    result, _, body = month
    due = MonthDue.of(contract.decode(body))
    assert (due.month, due.ruleset, due.fund.id) == ("2022-09", contract.RuleSetRef("zhoushan-putuo-2022", "1"),
                                                     "putuo-childcare-fund")
    assert due.lines.facility.tolist() == ["F-OPEN", "F-OPEN", "F-HELD", "F-TWICE", "F-REVOKED"]
    assert due.lines.enrollment.tolist() == ["E1", "E2", "E3", "E4", "E5"]
    assert due.lines.fee.tolist() == result.lines.fee_fen.tolist()
    assert due.lines.reduction.tolist() == result.lines.reduction_fen.tolist()
    assert due.lines.operating_subsidy.tolist() == result.lines.operating_subsidy_fen.tolist()
    assert due.lines.fee[1] == 100000 and due.lines.reduction[1] == 30000  # 15 days of 30, second child: 30% off


def test_a_line_explains_its_days_rank_rate_and_fee(month):
    due = MonthDue.of(contract.decode(month[2]))
    assert due.lines.explanation.row(1) == {
        "ruleset": "zhoushan-putuo-2022", "ruleset_version": "1", "days_in_month": 30, "rank_basis": "birth_order",
        "days": 15, "subsidised_days": 15, "sibling_rank": 2, "age_eligible": True, "monthly_fee": "2000.00",
        "reduction_rate": "0.3", "rate": "0.12"}
    texts = due.lines.explanation.texts()
    assert json.loads(texts[1]) == due.lines.explanation.row(1)


def test_facilities_say_whether_they_are_held_or_revoked_and_why(month):
    due = MonthDue.of(contract.decode(month[2]))
    standing = {name: (f.held, f.revoked, f.in_rectification) for name, f in due.facilities.items()}
    assert standing == {"F-OPEN": (False, False, False), "F-HELD": (True, False, True),
                        "F-TWICE": (False, True, True), "F-REVOKED": (False, True, False)}
    assert due.facilities["F-REVOKED"].explanation() == {
        "held": False, "revoked": True, "in_rectification": False, "eligible_days": 19, "rate": "0.12",
        "revoked_on": "2022-09-20"}


def test_a_grant_explains_itself_the_same_way_in_the_answer_and_on_its_payout_line(month):
    due = MonthDue.of(contract.decode(month[2]))
    grants = {(g.facility, g.class_id): g for g in due.grants}
    assert sorted(grants) == [("F-HELD", "C-OLD"), ("F-OPEN", "C-NEW")]
    grant = grants[("F-OPEN", "C-NEW")]
    assert grant.explanation(due.ruleset) == {
        "ruleset": "zhoushan-putuo-2022", "ruleset_version": "1", "rule": "construction_grant",
        "grant": "construction", "class": "C-NEW", "amount": "20000.00"}
    lines = plan_cycle("2022-09", due, [], Issued()).lines.rows()
    (paid,) = [l for l in lines if l["kind"] == "construction_grant" and l["subject"] == "C-NEW"]
    assert (paid["amount"], json.loads(paid["explanation"])) == (2000000, grant.explanation(due.ruleset))


def test_the_answer_decodes_to_what_was_built(month):
    _, answer, body = month
    decoded = contract.decode(body)
    as_lists = msgspec.structs.replace(answer.lines, **{
        name: getattr(answer.lines, name).tolist() for name in answer.lines.__struct_fields__
        if isinstance(getattr(answer.lines, name), np.ndarray)})
    assert decoded == msgspec.structs.replace(answer, lines=as_lists)
    assert decoded.facilities[3].revoked_on == date(2022, 9, 20)


def test_an_answer_missing_a_field_is_refused_naming_it(month):
    body = json.loads(month[2])
    del body["lines"]["sibling_rank"]
    with pytest.raises(msgspec.ValidationError, match="sibling_rank"):
        contract.decode(json.dumps(body))


def test_a_field_billing_does_not_know_yet_is_ignored(month):
    body = json.loads(month[2])
    body["lines"]["care"] = ["full_day"] * len(body["lines"]["fee_fen"])  # a newer subsidy service's addition
    assert contract.decode(json.dumps(body)) == contract.decode(month[2])


def test_an_answer_without_blocked_facilities_from_an_older_service_still_decodes(month):
    body = json.loads(month[2])
    del body["blocked"]
    older = contract.decode(json.dumps(body))
    assert older.blocked == [] and MonthDue.of(older).blocked == {}


def test_a_facility_whose_facts_are_refused_is_answered_as_blocked_with_the_enrollment_at_fault():
    world = World()
    good, bad = world.facility("F-GOOD"), world.facility("F-BAD")
    world.enroll(world.child(family=1), good)
    world.enroll(world.child(family=2), bad, fee="100000000.00")
    world.enroll(world.child(family=3), good, start="2022-09-16")
    facts = world.facts(SEPTEMBER)
    labels = Labels(facilities=["F-GOOD", "F-BAD"], enrollment=np.array(["E1", "E2", "E3"], dtype=object),
                    child=np.array(["K1", "K2", "K3"], dtype=object),
                    family=np.array(["FAM1", "FAM2", "FAM3"], dtype=object),
                    facility_of_enrollment=np.array(["F-GOOD", "F-BAD", "F-GOOD"], dtype=object))
    putuo = load_shipped("zhoushan-putuo-2022")
    answer = due_answer(SEPTEMBER, putuo, facts, labels, compute_month(SEPTEMBER, putuo, facts))
    due = MonthDue.of(contract.decode(contract.encode(answer)))
    assert due.blocked == {"F-BAD": "enrollment E2: a monthly fee must be between 0.00 and 99999999.99 CNY"}
    assert (due.lines.enrollment.tolist(), due.lines.child.tolist(), due.lines.facility.tolist()) == (
        ["E1", "E3"], ["K1", "K3"], ["F-GOOD", "F-GOOD"])
    assert due.lines.fee.tolist() == [200000, 100000]
    assert due.lines.explanation.row(1)["monthly_fee"] == "2000.00"


def test_a_facility_whose_rate_the_engine_cannot_hold_is_blocked_and_the_answer_still_builds():
    world = World()
    world.enroll(world.child(family=1), world.facility("F-GOOD"))
    world.enroll(world.child(family=2), world.facility("F-THIRD"))
    facts = world.facts(SEPTEMBER)
    third = dataclasses.replace(facts.facilities[1], rates=((date(2020, 1, 1), Fraction(1, 3)),))
    facts = dataclasses.replace(facts, facilities=[facts.facilities[0], third])
    labels = Labels(facilities=["F-GOOD", "F-THIRD"], enrollment=np.array(["E1", "E2"], dtype=object),
                    child=np.array(["K1", "K2"], dtype=object), family=np.array(["FAM1", "FAM2"], dtype=object),
                    facility_of_enrollment=np.array(["F-GOOD", "F-THIRD"], dtype=object))
    putuo = load_shipped("zhoushan-putuo-2022")
    answer = due_answer(SEPTEMBER, putuo, facts, labels, compute_month(SEPTEMBER, putuo, facts))
    assert [(b.facility, b.reason) for b in answer.blocked] == [
        ("F-THIRD", "a subsidy rate has more than six decimals")]
    assert [(f.facility, f.rate) for f in answer.facilities] == [("F-GOOD", "0.12"), ("F-THIRD", None)]
    assert answer.lines.enrollment == ["E1"]


def test_a_ranges_context_facilities_and_their_lines_are_left_out_of_its_answer():
    """A range's facts carry its households' children at facilities outside it after its own (`in_range`): they
    rank its children, and the answer holds none of their lines, grants or standings."""
    world = World()
    inside, outside = world.facility("F-IN"), world.facility("F-OUT")
    world.klass(outside, "2022-09-01", external_id="C-OUT")
    world.enroll(world.child(family=-1, born="2020-02-01"), outside)
    world.enroll(world.child(family=-1, born="2021-06-06"), inside)
    facts = world.facts(SEPTEMBER)
    labels = Labels(facilities=["F-IN", "F-OUT"], enrollment=np.array(["E-OUT", "E-IN"], dtype=object),
                    child=np.array(["K1", "K2"], dtype=object), family=np.array(["A", "B"], dtype=object),
                    facility_of_enrollment=np.array(["F-OUT", "F-IN"], dtype=object), in_range=1)
    ruleset = load_ruleset(dump_ruleset(load_shipped("zhoushan-putuo-2022")).replace(
        "basis: birth_order", "basis: enrolled_siblings"))
    answer = due_answer(SEPTEMBER, ruleset, facts, labels, compute_month(SEPTEMBER, ruleset, facts), ("F-IN", "F-J"))
    assert [f.facility for f in answer.facilities] == ["F-IN"] and answer.grants == []
    assert (answer.lines.enrollment, list(answer.lines.sibling_rank)) == (["E-IN"], [2])
    assert list(answer.lines.reduction_fen) == [60000]  # the second child: 30% of 2,000.00


def test_with_no_rule_set_in_force_every_line_has_its_fee_and_nothing_else_and_says_why():
    world = World()
    facility = world.facility("F-DINGHAI")
    world.klass(facility, "2022-09-01")
    world.enroll(world.child(family=1, order=1), facility)
    world.enroll(world.child(family=1, order=2), facility, start="2022-09-16")
    facts = world.facts(SEPTEMBER)
    why = "no rule set covers 330902 定海区 on 2022-09-01"
    answer = contract.decode(contract.encode(due_answer(
        SEPTEMBER, None, facts, _labels(facts), compute_month(SEPTEMBER, NONE_IN_FORCE, facts),
        jurisdiction="330902", unsubsidised=why)))
    assert (answer.jurisdiction, answer.ruleset, answer.fund, answer.unsubsidised) == ("330902", None, None, why)
    assert answer.lines.fee_fen == [200000, 100000]  # the second child from the 16th: 15 of 30 days
    assert answer.lines.reduction_fen == answer.lines.operating_subsidy_fen == answer.lines.subsidised_days == [0, 0]
    assert answer.grants == [] and answer.facilities[0].rate is None
    constant, *_ = contract.line_explanations(answer)
    assert constant["unsubsidised"] == why and constant["ruleset"] is None


def test_a_rate_set_outside_the_bounds_in_force_is_clamped_and_the_standing_says_so():
    world = World()
    world.enroll(world.child(), world.facility("F-HIGH", rate="0.20"))
    facts = world.facts(SEPTEMBER)
    putuo = load_shipped("zhoushan-putuo-2022")
    answer = due_answer(SEPTEMBER, putuo, facts, _labels(facts), compute_month(SEPTEMBER, putuo, facts))
    assert answer.lines.operating_subsidy_fen.tolist() == [30000]  # 15% of 2,000.00, the bound, not 20%
    assert answer.facilities[0].explanation() == {
        "held": False, "revoked": False, "in_rectification": False, "eligible_days": 30, "rate": "0.15",
        "revoked_on": None, "rate_set": "0.2", "clamped": True}
