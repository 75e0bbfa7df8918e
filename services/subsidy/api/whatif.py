"""What-if: a draft rule set (not loaded) against the one in force in a jurisdiction, over the enrollments of the
facilities it governs; nothing is touched."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from subsidy import ruleset_store
from subsidy.api.deps import Oversight, month_jurisdiction
from subsidy.facts_store import load_month
from subsidy.rules.catalog import NONE_IN_FORCE
from subsidy.rules.ruleset import RuleSetInvalid, load_ruleset
from subsidy.rules.whatif import compare
from tuoyu.errors import InvalidInput
from tuoyu.jurisdictions import Code
from tuoyu.money import format_cny
from tuoyu.months import Month, MonthField

router = APIRouter(prefix="/whatif", tags=["what-if"])


class WhatIf(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    draft: str = Field(description="the draft rule-set YAML")
    from_month: MonthField = Field(alias="from")
    to_month: MonthField = Field(alias="to")
    jurisdiction: Code | None = Field(None, description="whose enrollments (six digits; 000000: facilities in "
                                                        "none); left out, the one governing every facility with "
                                                        "enrollments in the first month, as `/due` chooses it")


def _cny(totals: dict) -> dict:
    return {key.removesuffix("_fen"): format_cny(value) for key, value in totals.items()}


@router.post("", summary="Amounts and budget a draft rule set would cost, beside the rule set in force")
async def what_if(body: WhatIf, request: Request, caller: Oversight) -> dict:
    try:
        draft = load_ruleset(body.draft)
    except RuleSetInvalid as exc:
        raise InvalidInput([{"field": f"draft.{e['path']}".rstrip("."), "reason": e["reason"]}
                            for e in exc.errors]) from None
    first, last = Month.parse(body.from_month), Month.parse(body.to_month)
    if last < first:
        raise InvalidInput("to", "must not be before from")
    months = []
    month = first
    while month <= last and len(months) < 36:
        months.append(month)
        month = month.next()
    if month <= last:
        raise InvalidInput("to", "a what-if covers at most 36 months")
    async with request.app.state.pool.acquire() as conn:
        code = await month_jurisdiction(conn, caller, first, body.jurisdiction)
        current = await ruleset_store.in_force(conn, code, first.first_day)
        facts = [(m, (await load_month(conn, m, code))[0]) for m in months]
    result = compare(current.ruleset or NONE_IN_FORCE, draft, facts)
    result["jurisdiction"] = code
    if current.ruleset is None:  # nothing is subsidised there now: the draft is priced against that
        result.update(current=None, unsubsidised=current.unsubsidised)
    for entry in result["months"]:
        for side in ("current", "draft", "difference"):
            entry[side] = _cny(entry[side])
    result["total"] = {side: _cny(values) for side, values in result["total"].items()}
    result["budget"] = {"fund": draft.fund.id, "default_budget": format_cny(draft.fund.default_budget)}
    return result
