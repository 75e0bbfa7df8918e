"""Small builders for the billing core's unit tests: months of due lines written as tables.

A month is built as the subsidy service's answer (`tuoyu.contracts.due.Due`) and read the way billing reads every
answer (`MonthDue.of`), so the tests go through the same decoding as the cycle.
"""

from __future__ import annotations

from billing.cycle.due import MonthDue
from tuoyu.contracts.due import Blocked, Due, FacilityStanding, Fund, Grant, Lines, RuleSetRef

YUAN = 100


def line(facility: str, enrollment: str, fee: int, reduction: int = 0, subsidy: int | None = None,
         family: str | None = None, child: str | None = None) -> dict:
    """One enrollment's month, amounts in yuan; subsidy defaults to 12% of the fee."""
    subsidy = fee * 12 // 100 if subsidy is None else subsidy
    return {"facility": facility, "family": family or f"FAM-{enrollment}", "child": child or f"K-{enrollment}",
            "enrollment": enrollment, "fee_fen": fee * YUAN, "reduction_fen": reduction * YUAN,
            "operating_subsidy_fen": subsidy * YUAN}


def due(month: str, *lines: dict, held=(), revoked=(), rectifying=(), grants=(), blocked=None) -> MonthDue:
    """`month` as billing reads the subsidy service's answer for it (see `answer`)."""
    return MonthDue.of(answer(month, *lines, held=held, revoked=revoked, rectifying=rectifying, grants=grants,
                              blocked=blocked))


def answer(month: str, *lines: dict, held=(), revoked=(), rectifying=(), grants=(), blocked=None) -> Due:
    """`month` under rule set "rs" version 1: every line 30 days of 30, rank 1; `grants` as (facility, class, yuan);
    `blocked` as {facility: reason} (the engine refused their facts: they have no line)."""
    blocked = blocked or {}
    names = sorted({l["facility"] for l in lines} | set(held) | set(revoked) | {g[0] for g in grants} | set(blocked))
    column = lambda key: [l[key] for l in lines]  # noqa: E731
    return Due(
        month=month, ruleset=RuleSetRef("rs", "1"), fund=Fund("fund", "the fund", 70_000_000),
        from_facility=None, to_facility=None, days_in_month=30, rank_basis="birth_order", reduction_rates={1: "0"},
        facilities=[FacilityStanding(facility=f, held=f in held, revoked=f in revoked,
                                     in_rectification=f in held or f in rectifying, eligible_days=30, rate="0.12",
                                     revoked_on=None) for f in names],
        lines=Lines(facility=[names.index(l["facility"]) for l in lines], family=column("family"),
                    child=column("child"), enrollment=column("enrollment"), fee_fen=column("fee_fen"),
                    reduction_fen=column("reduction_fen"), operating_subsidy_fen=column("operating_subsidy_fen"),
                    days=[30] * len(lines), subsidised_days=[30] * len(lines), sibling_rank=[1] * len(lines),
                    age_eligible=[True] * len(lines), monthly_fee_fen=column("fee_fen")),
        grants=[Grant(facility=f, class_id=c, grant="construction", rule="construction_grant", amount_fen=amount * YUAN)
                for f, c, amount in grants],
        blocked=[Blocked(facility=f, reason=reason) for f, reason in sorted(blocked.items())])
