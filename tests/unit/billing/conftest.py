"""Small builders for the billing core's unit tests: months of due lines written as tables."""

from __future__ import annotations

from billing.cycle.due import DueGrant, FacilityStatus, MonthDue

YUAN = 100


def line(facility: str, enrollment: str, fee: int, reduction: int = 0, subsidy: int | None = None,
         family: str | None = None, child: str | None = None) -> dict:
    """One enrollment's month, amounts in yuan; subsidy defaults to 12% of the fee."""
    subsidy = fee * 12 // 100 if subsidy is None else subsidy
    return {"facility": facility, "family": family or f"FAM-{enrollment}", "child": child or f"K-{enrollment}",
            "enrollment": enrollment, "fee": fee * YUAN, "reduction": reduction * YUAN,
            "operating_subsidy": subsidy * YUAN, "explanation": {"days": 30, "sibling_rank": 1}}


def due(month: str, *lines: dict, held=(), revoked=(), rectifying=(), grants=()) -> MonthDue:
    facilities = {l["facility"] for l in lines} | set(held) | set(revoked) | {g[0] for g in grants}
    statuses = [FacilityStatus(f, f in held, f in revoked, f in held or f in rectifying) for f in sorted(facilities)]
    return MonthDue.from_rows(month, list(lines), facilities=statuses, grants=[
        DueGrant(f, c, "construction", "construction_grant", amount * YUAN) for f, c, amount in grants])
