"""Rule sets: loaded as YAML documents by the health commission, versioned, valid from a date."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Body, Request, Response

from subsidy import jurisdiction_store, ruleset_store
from subsidy.api.deps import Admin, Oversight, covers_scope, may_load, month_jurisdiction
from subsidy.api.params import JurisdictionQuery
from subsidy.rules.catalog import shipped_names, shipped_text
from subsidy.rules.ruleset import RuleSetInvalid, load_ruleset
from tuoyu.auth import Principal
from tuoyu.errors import NotFound
from tuoyu.months import Month

router = APIRouter(prefix="/rulesets", tags=["rulesets"])


@router.post("", status_code=201, summary="Load a rule-set document (YAML); every error is listed")
async def load(request: Request, response: Response, caller: Admin,
               document: str = Body(..., media_type="application/yaml",
                                    description="the rule-set YAML, as in services/subsidy/rulesets/")) -> dict:
    """A scoped commission loads only a document naming jurisdictions within its cover (422 on `jurisdictions`)."""
    _may_load(caller, document)
    async with request.app.state.pool.acquire() as conn:
        ruleset, created = await ruleset_store.load(conn, document)
    if not created:
        response.status_code = 200
    return ruleset.model_dump(mode="json")


def _may_load(caller: Principal, document: str) -> None:
    """`may_load` on the jurisdictions the document names, before anything is stored; a document that does not
    parse is left to the store, which lists every error in it."""
    try:
        jurisdictions = load_ruleset(document).jurisdictions
    except RuleSetInvalid:
        return
    may_load(caller, jurisdictions)


@router.post("/shipped/{ruleset_id}", status_code=201,
             summary="Load a rule set shipped with the service (services/subsidy/rulesets/), by its id")
async def load_shipped(ruleset_id: str, request: Request, response: Response, admin: Admin) -> dict:
    """What a scenario's `ruleset: ID` loads: the client needs no copy of the document."""
    if ruleset_id not in shipped_names():
        raise NotFound(f"no rule set {ruleset_id!r} is shipped; shipped: {', '.join(shipped_names())}")
    return await load(request, response, admin, shipped_text(ruleset_id))


@router.get("", summary="Every loaded rule set covering something in the caller's scope")
async def list_all(request: Request, caller: Oversight) -> list[dict]:
    """A scoped key sees those covering its jurisdiction (its own, one above it, the platform's) or one under it."""
    async with request.app.state.pool.acquire() as conn:
        tree = (await jurisdiction_store.known(conn)).tree
        return [r.model_dump(mode="json") for r in await ruleset_store.all_loaded(conn)
                if covers_scope(caller, r.jurisdictions, tree)]


@router.get("/in-force", summary="The rule set in force in a jurisdiction on a date (404 when none is)")
async def in_force(on: date, request: Request, caller: Oversight, jurisdiction: JurisdictionQuery = None) -> dict:
    """Without `jurisdiction`, the one governing every facility with enrollments in the date's month (422 if they
    are several), as `/due` chooses it; 404 to a key whose scope does not hold it."""
    async with request.app.state.pool.acquire() as conn:
        code = await month_jurisdiction(conn, caller, Month.of(on), jurisdiction)
        found = await ruleset_store.in_force(conn, code, on)
    if found.ruleset is None:
        raise NotFound(found.unsubsidised)
    return found.ruleset.model_dump(mode="json")
