"""Properties over random worlds: the vectorised engine matches the plain reference, line by line, to the fen."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy.rules import facility_status as status
from subsidy.rules.engine import compute_month
from subsidy.rules.exact import half_up_div
from subsidy.rules.explain import explain_line
from subsidy.rules.facts import FeePeriods, MonthFacts
from subsidy.rules.reference import reference_grants, reference_lines
from tuoyu.money import round_half_up

from .random_worlds import rulesets, worlds

LINE_COLUMNS = ["enrollment", "fee_fen", "reduction_fen", "family_due_fen", "operating_subsidy_fen",
                "enrolled_days", "subsidised_days", "sibling_rank", "age_eligible"]
# RULES_EXAMPLES=5000 for a long hunt; the default keeps the unit suite quick.
EXAMPLES = int(os.environ.get("RULES_EXAMPLES", "150"))
FEW = settings(max_examples=EXAMPLES, deadline=None)


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(worlds(), rulesets())
def test_the_vectorised_engine_equals_the_reference_on_every_line(world, ruleset):
    month, facts = world
    lines = compute_month(month, ruleset, facts).lines
    for ref in reference_lines(month, ruleset, facts):
        got = lines.row(ref.enrollment)
        assert got == {name: getattr(ref, name) for name in LINE_COLUMNS}


@FEW
@given(worlds(), rulesets())
def test_family_share_plus_reduction_is_the_fee_and_nothing_is_negative(world, ruleset):
    month, facts = world
    lines = compute_month(month, ruleset, facts).lines
    assert np.array_equal(lines.family_due_fen + lines.reduction_fen, lines.fee_fen)
    assert (lines.reduction_fen >= 0).all() and (lines.family_due_fen >= 0).all()
    assert (lines.operating_subsidy_fen >= 0).all()
    assert (lines.subsidised_days <= lines.enrolled_days).all()


@FEW
@given(worlds(), rulesets())
def test_totals_are_the_sums_of_the_lines_and_grants(world, ruleset):
    month, facts = world
    due = compute_month(month, ruleset, facts)
    totals = due.totals()
    assert totals["fee_fen"] == sum(due.lines.fee_fen.tolist())
    assert totals["reduction_fen"] == sum(due.lines.reduction_fen.tolist())
    assert totals["family_due_fen"] == totals["fee_fen"] - totals["reduction_fen"]
    assert totals["operating_subsidy_fen"] == sum(due.lines.operating_subsidy_fen.tolist())
    assert totals["grants_fen"] == sum(g.amount_fen for g in due.grants if g.first_due_in_month)
    assert totals["treasury_fen"] == totals["reduction_fen"] + totals["operating_subsidy_fen"] + totals["grants_fen"]
    per_facility = due.facility_totals(facts.enrollments.facility)
    assert int(per_facility["reduction_fen"].sum()) == totals["reduction_fen"]


def _split(facts: MonthFacts, where: list[int]) -> MonthFacts:
    """The same facts with each fee run of 2+ days cut in two at a drawn day, both halves at the same fee."""
    fp = facts.fee_periods
    rows = []
    for i, (e, s, t, fee) in enumerate(zip(fp.enrollment, fp.start, fp.end, fp.fee_fen)):
        span = int((t - s).astype(int))
        if span >= 1:
            cut = s + np.timedelta64(1 + where[i % len(where)] % span, "D")
            rows += [(e, s, cut - np.timedelta64(1, "D"), fee), (e, cut, t, fee)]
        else:
            rows.append((e, s, t, fee))
    columns = list(zip(*rows)) if rows else [[], [], [], []]
    split = FeePeriods(np.array(columns[0], dtype=np.int64), np.array(columns[1], dtype="datetime64[D]"),
                       np.array(columns[2], dtype="datetime64[D]"), np.array(columns[3], dtype=np.int64))
    return dataclasses.replace(facts, fee_periods=split)


@FEW
@given(worlds(), rulesets(), st.lists(st.integers(0, 30), min_size=1, max_size=5))
def test_splitting_fee_runs_at_the_same_fee_changes_no_line_at_all(world, ruleset, where):
    month, facts = world
    before = compute_month(month, ruleset, facts).lines
    after = compute_month(month, ruleset, _split(facts, where)).lines
    for name in LINE_COLUMNS:
        assert np.array_equal(getattr(before, name), getattr(after, name)), name


@FEW
@given(worlds(), rulesets())
def test_recomputing_gives_the_same_result_and_leaves_the_facts_untouched(world, ruleset):
    month, facts = world
    copies = {name: getattr(facts.fee_periods, name).copy() for name in ("enrollment", "start", "end", "fee_fen")}
    first, second = compute_month(month, ruleset, facts), compute_month(month, ruleset, facts)
    for name in LINE_COLUMNS:
        assert np.array_equal(getattr(first.lines, name), getattr(second.lines, name))
    assert first.grants == second.grants
    assert first.facilities.revoked_on == second.facilities.revoked_on
    for name, column in copies.items():
        assert np.array_equal(getattr(facts.fee_periods, name), column)


@FEW
@given(worlds(), rulesets())
def test_grants_and_facility_status_match_a_day_by_day_reading_of_the_rules(world, ruleset):
    month, facts = world
    due = compute_month(month, ruleset, facts)
    days = [month.first_day + timedelta(days=i) for i in range(month.days)]
    for i, facility in enumerate(facts.facilities):
        assert due.facilities.eligible_days[i] == sum(status.eligible_on(facility, ruleset, d) for d in days)
    assert [(g.class_index, g.grant_id, g.amount_fen, g.first_due_in_month) for g in due.grants] == \
        reference_grants(month, ruleset, facts)


@FEW
@given(worlds(), rulesets())
def test_a_class_nobody_confirmed_is_never_granted(world, ruleset):
    month, facts = world
    unconfirmed = [dataclasses.replace(klass, confirmed_on=None) for klass in facts.classes]
    assert compute_month(month, ruleset, dataclasses.replace(facts, classes=unconfirmed)).grants == ()


@settings(max_examples=max(EXAMPLES // 3, 1), deadline=None)
@given(worlds(), rulesets())
def test_an_explanation_states_the_same_fen_as_the_engine(world, ruleset):
    month, facts = world
    lines = compute_month(month, ruleset, facts).lines
    for row in range(len(lines)):
        explained = explain_line(month, ruleset, facts, row)
        assert int(explained["fee"]["rounded_fen"]) == lines.fee_fen[row]
        assert int(explained["reduction"]["rounded_fen"]) == lines.reduction_fen[row]
        assert int(explained["operating_subsidy"]["rounded_fen"]) == lines.operating_subsidy_fen[row]
        assert sum(run["days"] for run in explained["runs"]) == lines.enrolled_days[row]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**40), st.integers(1, 31 * 10**6))
def test_integer_half_up_division_is_the_money_rounding_rule(numerator, denominator):
    assert half_up_div(np.array([numerator], dtype=np.int64), denominator)[0] == round_half_up(
        Fraction(numerator, denominator))


@FEW
@given(worlds(), rulesets(), st.integers(0, 10**6))
def test_a_fee_refused_in_one_facility_leaves_every_other_line_as_the_reference_computes_it(world, ruleset, pick):
    month, facts = world
    fp = facts.fee_periods
    if not len(fp):
        return
    run = pick % len(fp)
    fee = fp.fee_fen.copy()
    fee[run] = -1
    bad = dataclasses.replace(facts, fee_periods=dataclasses.replace(fp, fee_fen=fee))
    facility = int(facts.enrollments.facility[fp.enrollment[run]])
    due = compute_month(month, ruleset, bad)
    assert list(due.refused) == [facility]
    kept, rows = facts.without([facility])
    assert (facts.enrollments.facility[due.lines.enrollment] != facility).all()
    for ref in reference_lines(month, ruleset, kept):
        got = due.lines.row(ref.enrollment)
        assert got == {name: getattr(ref, name) for name in LINE_COLUMNS} | {"enrollment": int(rows[ref.enrollment])}
    assert [(g.class_index, g.grant_id, g.amount_fen, g.first_due_in_month) for g in due.grants] == \
        reference_grants(month, ruleset, facts, refused={facility})
