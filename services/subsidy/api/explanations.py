"""Why an amount is what it is: any line of any month, with its rule set, rules and inputs."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subsidy import jurisdiction_store, ruleset_store
from subsidy.api.deps import Oversight, require_jurisdiction
from subsidy.facts_store import load_month
from subsidy.rules.catalog import NONE_IN_FORCE
from subsidy.rules.explain import explain_line
from tuoyu.errors import NotFound
from tuoyu.jurisdictions import UNPLACED
from tuoyu.months import Month, MonthPath

router = APIRouter(prefix="/explanations", tags=["explanations"])


@router.get("/{month}/{facility}/{enrollment}", summary="The rule set, rules and inputs behind an enrollment's month")
async def explain(month: MonthPath, facility: str, enrollment: str, request: Request, caller: Oversight) -> dict:
    the_month = Month.parse(month)
    async with request.app.state.pool.acquire() as conn:
        code = (await jurisdiction_store.governed(conn, the_month)).get(facility, UNPLACED)
        require_jurisdiction(caller, code)  # the jurisdiction governing the facility in the month
        in_force = await ruleset_store.in_force(conn, code, the_month.first_day)
        facts, labels = await load_month(conn, the_month, code)
    rows = [i for i in range(len(labels.enrollment))
            if labels.enrollment[i] == enrollment and labels.facility_of_enrollment[i] == facility]
    if not rows:
        raise NotFound(f"enrollment {enrollment!r} of facility {facility!r} has no day in {month}")
    explanation = explain_line(the_month, in_force.ruleset or NONE_IN_FORCE, facts, rows[0])
    explanation.update(enrollment=enrollment, child=labels.child[rows[0]], family=labels.family[rows[0]],
                       jurisdiction=code)
    if in_force.ruleset is None:
        explanation.update(ruleset=None, unsubsidised=in_force.unsubsidised)
    return explanation
