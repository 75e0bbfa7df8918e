"""What is due for a month now, computed from the facts the service holds, for billing and auditors."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subsidy import ruleset_store
from subsidy.api.deps import Oversight
from subsidy.facts_store import load_month
from subsidy.rules.engine import compute_month
from tuoyu.money import format_rate
from tuoyu.months import Month, MonthPath

router = APIRouter(tags=["due"])


def _explanation(ruleset, month: Month, lines, i: int, rank_basis: str) -> dict:
    row = lines.row(i)
    return {"ruleset": ruleset.id, "ruleset_version": ruleset.version, "days": row["enrolled_days"],
            "days_in_month": month.days, "subsidised_days": row["subsidised_days"],
            "sibling_rank": row["sibling_rank"], "rank_basis": rank_basis,
            "reduction_rate": format_rate(ruleset.sibling_reduction.rate_for(row["sibling_rank"])),
            "age_eligible": row["age_eligible"]}


@router.get("/due/{month}", summary="Every amount due for the month under the rule set in force")
async def due(month: MonthPath, request: Request, _: Oversight, caught_up: bool = False,
              explain: bool = False) -> dict:
    if caught_up and request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()
    the_month = Month.parse(month)
    async with request.app.state.pool.acquire() as conn:
        ruleset = await ruleset_store.in_force(conn, the_month.first_day)
        facts, labels = await load_month(conn, the_month)
    result = compute_month(the_month, ruleset, facts)
    lines = result.lines
    basis = ruleset.sibling_reduction.basis
    return {
        "month": month,
        "ruleset": {"id": ruleset.id, "version": ruleset.version},
        "fund": {"id": ruleset.fund.id, "default_budget_fen": ruleset.fund.default_budget},
        "lines": [
            {"facility": labels.facility_of_enrollment[i], "family": labels.family[i], "child": labels.child[i],
             "enrollment": labels.enrollment[i], "fee_fen": int(lines.fee_fen[i]),
             "reduction_fen": int(lines.reduction_fen[i]), "operating_subsidy_fen": int(lines.operating_subsidy_fen[i]),
             **({"explanation": _explanation(ruleset, the_month, lines, i, basis)} if explain else {})}
            for i in range(len(lines))],
        "grants": [{"facility": labels.facilities[g.facility], "class": g.class_external_id, "grant": g.grant_id,
                    "rule": g.rule, "amount_fen": g.amount_fen,
                    "explanation": {"ruleset": ruleset.id, "ruleset_version": ruleset.version, "rule": g.rule,
                                    "class": g.class_external_id}} for g in result.grants],
        "facilities": [{"facility": name, "held": bool(result.facilities.held[i]),
                        "revoked": bool(result.facilities.revoked[i]),
                        "eligible_days": int(result.facilities.eligible_days[i])}
                       for i, name in enumerate(labels.facilities)],
    }
