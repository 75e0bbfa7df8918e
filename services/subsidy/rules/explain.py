"""Why one enrollment line has the amounts it has (POLICY `explanation`), built only when someone asks.

Built on the reference implementation, so an explanation restates the rules plainly rather than the engine's
array tricks; the property tests hold both to the same fen. Every value is JSON-ready: money as "2000.00",
rates as "0.12", exact values as fractions of fen ("2000000/31").
"""

from __future__ import annotations

from fractions import Fraction
from itertools import groupby

from tuoyu.money import format_cny, format_rate
from tuoyu.months import Month

from . import facility_status as status
from .facts import MonthFacts
from .reference import Reference, third_birthday
from .ruleset import RuleSet


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def _amount(exact: Fraction, fen: int) -> dict[str, str]:
    return {"exact_fen": str(exact), "rounded_fen": str(fen), "amount": format_cny(fen)}


def _runs(days, age_ok: bool) -> list[dict]:
    """Consecutive enrolled days with the same fee, eligibility and rate, as one run each."""
    runs = []
    enrolled = [d for d in days if d.fee_fen is not None]

    def same_run(numbered):
        i, d = numbered
        return d.day.toordinal() - i, d.fee_fen, d.eligible, d.rate  # the first part changes across a gap

    for _, numbered in groupby(enumerate(enrolled), key=same_run):
        group = [d for _, d in numbered]
        subsidised = group[0].eligible and age_ok
        runs.append({
            "from": _iso(group[0].day),
            "to": _iso(group[-1].day),
            "days": len(group),
            "fee": format_cny(group[0].fee_fen),
            "facility_eligible": group[0].eligible,
            "subsidised": subsidised,
            "rate": format_rate(group[0].rate) if subsidised else "0",
        })
    return runs


def explain_line(month: Month, ruleset: RuleSet, facts: MonthFacts, enrollment_row: int) -> dict:
    """Rule set, rule ids and inputs behind every amount of one enrollment line, as a JSON-ready dict."""
    line = Reference(month, ruleset, facts).line(enrollment_row)
    enr = facts.enrollments
    index = int(enr.facility[enrollment_row])
    facility = facts.facilities[index]
    child = int(enr.child[enrollment_row])
    birth = facts.children.birth_date[child].item()
    revoked_on = status.revocation_date(facility)
    rectifying = status.in_rectification(facility, month.last_day)
    revoked = revoked_on is not None and revoked_on <= month.last_day
    return {
        "ruleset": {"id": ruleset.id, "version": ruleset.version},
        "month": str(month),
        "days_in_month": month.days,
        "enrollment": enrollment_row,
        "child": child,
        "facility": facility.external_id,
        "runs": _runs(line.days, line.age_eligible),
        "facility_status": {
            "rule": "facility_eligibility",
            "kind": facility.kind,
            "kind_covered": ruleset.covers(facility.kind),
            "filed_on": _iso(facility.filed_on),
            "fire_safety_certified_on": _iso(facility.fire_safety_certified_on),
            "serves_meals": facility.serves_meals,
            "food_licence_on": _iso(facility.food_licence_on),
            "revoked_on": _iso(revoked_on),
            "eligible_days": sum(d.eligible for d in line.days),
            "annual_review": {
                "rule": "annual_review",
                "in_rectification_at_month_end": rectifying,
                "held": rectifying and not revoked,
                "revoked": revoked,
            },
        },
        "age_limit": {
            "rule": "age_limit",
            "birth_date": _iso(birth),
            "limit_birthday": _iso(third_birthday(birth, ruleset.age_limit.years)),
            "month_first_day": _iso(month.first_day),
            "eligible": line.age_eligible,
        },
        "fee": {"rule": "proration", "enrolled_days": line.enrolled_days, **_amount(line.fee_exact, line.fee_fen)},
        "reduction": {
            "rule": "sibling_reduction",
            "basis": ruleset.sibling_reduction.basis,
            "birth_order": line.birth_order,
            "rank": line.sibling_rank,
            "rate": format_rate(line.reduction_rate),
            "subsidised_days": line.subsidised_days,
            "paid_by": "treasury, to the facility (reduction_compensation)",
            **_amount(line.reduction_exact, line.reduction_fen),
        },
        "operating_subsidy": {
            "rule": "operating_subsidy",
            "base": "the full fee, before any reduction",
            "subsidised_days": line.subsidised_days,
            **_amount(line.subsidy_exact, line.operating_subsidy_fen),
        },
        "family_due": {"rule": "money", "formula": "fee - reduction", "rounded_fen": str(line.family_due_fen),
                       "amount": format_cny(line.family_due_fen)},
    }
