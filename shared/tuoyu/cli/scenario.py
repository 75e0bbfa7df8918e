"""`tuoyu scenario load`: a scenario file sent through the public APIs, the way its people would send it.

Every step is idempotent on the service side (external ids, dates), so loading a file twice changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tuoyu.cli.bulk import roster_csvs
from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.cycles import failures
from tuoyu.cli.scenario_rulesets import RuleSets, Step
from tuoyu.months import Month


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _facility_steps(api: Api, f: dict, placed: str | None = None) -> None:
    """Register, certify, file, open classes and record reviews; `placed`: the jurisdiction of a facility that names
    none (the old single `ruleset`; None leaves it unplaced)."""
    E = api.enrollment
    fid = f["external_id"]
    jurisdiction = f.get("jurisdiction") or placed
    api.call(E, "POST", "/facilities", json={
        "external_id": fid, "name": f["name"], "kind": f["kind"], "ownership": f["ownership"],
        "inclusive": f.get("inclusive", False), "serves_meals": f.get("serves_meals", False),
        **({"bank_account": str(f["bank_account"])} if f.get("bank_account") else {}),
        **({"jurisdiction": str(jurisdiction)} if jurisdiction else {})})
    certified_since = _iso(f.get("filed_on")) or min((_iso(c["opened_on"]) for c in f.get("classes", [])),
                                                     default=date.today().isoformat())
    api.call(E, "PUT", f"/facilities/{fid}/certifications", json={
        "fire_safety_certified_on": certified_since if f.get("fire_safety_certified") else None,
        "food_licence_on": certified_since if f.get("food_licence") else None})
    if f.get("filed_on"):
        api.call(E, "PUT", f"/facilities/{fid}/filing",
                 json={"filed_on": _iso(f["filed_on"]), "subsidy_rate": str(f["subsidy_rate"])})
    for c in f.get("classes", []):
        api.call(E, "POST", f"/facilities/{fid}/classes", json={
            "external_id": c["external_id"], "opened_on": _iso(c["opened_on"]), "capacity": c["capacity"],
            **({"closed_on": _iso(c["closed_on"])} if c.get("closed_on") else {})})
    confirmed = [{"facility": fid, "class": c["external_id"], "confirmed_on": day}
                 for c in f.get("classes", []) if (day := _confirmed_on(fid, c))]
    if confirmed:  # the health commission's desk confirms the facility's classes (POLICY "Guard rails")
        api.call(E, "POST", "/class-confirmations", json={"confirmations": confirmed})
    for r in f.get("reviews", []):
        api.call(E, "POST", f"/facilities/{fid}/reviews", json={"date": _iso(r["date"]), "result": r["result"]})


def _confirmed_on(facility: str, c: dict) -> str | None:
    """A scenario class is confirmed on `confirmed_on`, else on its opening day; `confirmed: false` leaves it for a
    later `confirm_class` step."""
    if c.get("confirmed", True) is False:
        if c.get("confirmed_on"):
            raise ApiError(f"class {c['external_id']} of {facility}: `confirmed: false` with a `confirmed_on`")
        return None
    return _iso(c.get("confirmed_on") or c["opened_on"])


def _family_steps(api: Api, facility: str, family: dict) -> None:
    E = api.enrollment
    api.call(E, "POST", f"/facilities/{facility}/families", json={
        "external_id": family["external_id"],
        **({"guardian_id": str(family["guardian_id"])} if family.get("guardian_id") else {})})
    for k in family.get("children", []):
        api.call(E, "POST", f"/facilities/{facility}/children", json={
            "external_id": k["external_id"], "family": family["external_id"], "birth_date": _iso(k["birth_date"]),
            "birth_order": k["birth_order"], **({"national_id": str(k["national_id"])} if k.get("national_id") else {})})


# Each enrollment-service step of a timeline: method, route (filled from the step) and body.
TIMELINE = {
    "withdraw": ("PUT", "/facilities/{facility}/enrollments/{enrollment}/withdrawal",
                 lambda a: {"end": _iso(a["end"])}),
    "fee_change": ("POST", "/facilities/{facility}/enrollments/{enrollment}/fees",
                   lambda a: {"monthly_fee": str(a["monthly_fee"]), "from": _iso(a["from"])}),
    "review": ("POST", "/facilities/{facility}/reviews", lambda a: {"date": _iso(a["date"]), "result": a["result"]}),
    "subsidy_rate": ("POST", "/facilities/{facility}/rates",
                     lambda a: {"rate": str(a["rate"]), "effective_from": _iso(a["from"])}),
    "confirm_class": ("PUT", "/facilities/{facility}/classes/{class}/confirmation",
                      lambda a: {"confirmed_on": _iso(a["date"])}),
    "move": ("PUT", "/facilities/{facility}/jurisdiction",
             lambda a: {"jurisdiction": str(a["jurisdiction"]), "from": _iso(a["from"])}),
}


def _timeline_step(api: Api, step: dict) -> None:
    (kind, arg), = step.items()
    if kind == "bill":  # every jurisdiction's cycle; one that failed stops the load (the others have run)
        failed = failures(api.bill(_month(arg)))
        if failed:
            raise ApiError(f"bill {_month(arg)}: " + "; ".join(failed))
        return
    if kind not in TIMELINE:
        raise ApiError(f"timeline step {kind!r} is not one of bill, {', '.join(TIMELINE)}")
    method, route, body = TIMELINE[kind]
    api.call(api.enrollment, method, route.format(**arg), json=body(arg))


def _month(value) -> str:
    # YAML reads `2022-09` as a string, but be kind to `2022-09-01` (a date).
    return str(Month.of(value)) if isinstance(value, date) else str(value)


def _import_roster(api: Api, facility: str, body: bytes) -> None:
    response = api.call(api.enrollment, "POST", f"/facilities/{facility}/roster", content=body,
                        headers={"Content-Type": "text/csv"}, params={"dry_run": "false"})
    if response.json()["bad_rows"]:
        first = response.json()["errors"][0]
        raise ApiError(f"roster of {facility}: {response.json()['bad_rows']} bad rows, first: row {first['row']}, "
                       f"{first['column']}: {first['reason']}")


def steps(api: Api, scenario: dict, bulk: bool = False, base: Path = Path(".")) -> list[Step]:
    """The scenario as a list of (label, action), in the order they must run.

    `bulk` sends families, children and enrollments as one roster import per facility instead of record by record;
    `base` is the scenario file's folder, which its rule-set files are named relative to.
    """
    plan: list[Step] = []
    for j in scenario.get("jurisdictions", []):  # in the file's order: parents first
        body = {"code": str(j["code"]), "name": j["name"], **({"parent": str(j["parent"])} if j.get("parent") else {})}
        plan.append((f"jurisdiction {j['code']}", lambda body=body: api.call(api.operator, "POST", "/jurisdictions",
                                                                              json=body)))
    rulesets = RuleSets(scenario, base)
    plan += rulesets.steps(api)
    for f in scenario.get("facilities", []):
        plan.append((f"facility {f['external_id']}", lambda f=f: _facility_steps(api, f, rulesets.placed)))
    families = {fam["external_id"]: fam for fam in scenario.get("families", [])}
    family_of = {k["external_id"]: fam for fam in families.values() for k in fam.get("children", [])}
    registered = set()
    if bulk:
        if any(fam.get("guardian_id") for fam in families.values()):
            raise ApiError("a family's guardian_id is registered through the API, not a roster file: load without "
                           "--bulk")
        for facility, body in roster_csvs(scenario).items():
            plan.append((f"roster of {facility}", lambda f=facility, b=body: _import_roster(api, f, b)))
    for e in [] if bulk else scenario.get("enrollments", []):
        family = family_of.get(e["child"])
        if family is None:
            raise ApiError(f"enrollment {e['external_id']}: child {e['child']!r} is in no family of the scenario")
        if (e["facility"], family["external_id"]) not in registered:
            registered.add((e["facility"], family["external_id"]))
            plan.append((f"family {family['external_id']} at {e['facility']}",
                         lambda f=e["facility"], fam=family: _family_steps(api, f, fam)))
        body = {"external_id": e["external_id"], "child": e["child"], "class": e["class"],
                "care": e.get("care", "full_day"), "monthly_fee": str(e["monthly_fee"]), "start": _iso(e["start"]),
                **({"end": _iso(e["end"])} if e.get("end") else {})}
        plan.append((f"enrollment {e['external_id']}", lambda e=e, body=body: api.call(
            api.enrollment, "POST", f"/facilities/{e['facility']}/enrollments", json=body)))
    for b in scenario.get("budgets", []):
        label = f"budget {b['year']}" + (f" of {b['fund']}" if b.get("fund") else "")
        plan.append((label, lambda b=b: api.call(
            api.billing, "PUT", f"/budgets/{rulesets.fund(b)}/{b['year']}", json={"amount": str(b["amount"])})))
    for step in scenario.get("timeline", []):
        plan.append((f"timeline {step}", lambda step=step: _timeline_step(api, step)))
    return plan
