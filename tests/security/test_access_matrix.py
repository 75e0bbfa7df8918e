"""Every endpoint of the three services × every kind of caller, with the status each must get.

The endpoints are read from each app's `app.routes` when the tests are collected, so a new endpoint is a new test
here, and it fails until `tests/security/access.py` says who may call it and REQUESTS below says how to call it
well. The expected statuses come from that policy (see its docstring): 401 for a key the service does not know,
404 for a role the endpoint does not serve or another facility's record, 2xx for the right key. A refused request
changes nothing, and every refusal is problem+json (the family's HTML pages answer 401 with a page).

The desks' routes (under `/desk`) are called as a browser calls them: the caller's key is first typed into that
desk's sign-in form (`Place.desk_session`; a refused key has no session) and the request carries the session's
cookie and, in a form, its CSRF token (`Place.desk_get`, `Place.desk_form`). A desk's refusals are HTML pages (401:
the sign-in form), and its forms answer 303 when done.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import httpx
import pytest

from subsidy.rules.catalog import shipped_text
from tests.integration.enrollment.conftest import uid
from tests.scenarios import path
from tests.security.access import (ACCESS, COVERS, CREDENTIALS, PLACES, PUBLIC, SCOPED_KEYS, expected, expected_in,
                                   is_desk)
from tests.security.apps import SERVICES, routes_of
from tests.security.matrix_world import Place, Target, bearer
from tests.stack import World
from tuoyu.jurisdictions import UNPLACED

HTML_PAGES = {("billing", ("GET", "/family")), ("billing", ("GET", "/family/{token}"))}
_days = itertools.count(1)
_codes = itertools.count(110001)  # fresh jurisdiction codes (北京 is 110000: none of the scenario's)


def later_day() -> str:
    """A fresh date for reviews and rates, later each time."""
    return (date(2023, 1, 1) + timedelta(days=3 * next(_days))).isoformat()


def _roster_csv() -> bytes:
    return (f"family,child,birth_date,birth_order,class,enrollment,monthly_fee,start\n"
            f"{uid('FAM')},{uid('K')},2021-01-01,1,C1,{uid('E')},2000.00,2022-09-01\n").encode()


def _in_place(t: Place) -> dict:
    """The `jurisdiction` parameter naming the place's (none for the budget-runs-out world's unplaced F1)."""
    return {"params": {"jurisdiction": t.code}} if t.code else {}


def _new_facility(t: Place) -> dict:
    """A new facility, in the place's jurisdiction (a scoped key registers only where it acts)."""
    return {"json": {"external_id": uid("F"), "name": "新园", "kind": "community", "ownership": "public",
                     **({"jurisdiction": t.code} if t.code else {})}}


# (service, (method, route)) → (target, presented key) → (path parameters beyond {facility}, httpx arguments):
# a request the right caller makes with success. Built afresh for each caller.
REQUESTS = {
    "enrollment": {
        ("POST", "/registrations"): lambda t, k: ({}, _new_facility(t)),
        ("POST", "/facilities"): lambda t, k: ({}, _new_facility(t)),
        ("GET", "/facilities"): lambda t, k: ({}, {"params": {"limit": 5}}),
        ("GET", "/outbox"): lambda t, k: ({}, {}),
        ("GET", "/national-id-duplicates"): lambda t, k: ({}, {"params": {"limit": 5}}),
        ("GET", "/facilities/{facility}"): lambda t, k: ({}, {}),
        ("PATCH", "/facilities/{facility}"): lambda t, k: ({}, {"json": {"name": f"改名{uid('')}"}}),
        ("PUT", "/facilities/{facility}/filing"): lambda t, k: ({}, {"json": {"filed_on": "2022-03-01",
                                                                              "subsidy_rate": "0.12"}}),
        ("PUT", "/facilities/{facility}/certifications"): lambda t, k: ({}, {"json": {
            "fire_safety_certified_on": "2022-03-01", "food_licence_on": "2022-03-01"}}),
        ("POST", "/facilities/{facility}/rates"): lambda t, k: ({}, {"json": {"rate": "0.12",
                                                                              "effective_from": later_day()}}),
        ("POST", "/facilities/{facility}/reviews"): lambda t, k: ({}, {"json": {"date": later_day(),
                                                                                "result": "pass"}}),
        ("POST", "/facilities/{facility}/keys"): lambda t, k: ({}, {"json": {"label": "spare"}}),
        ("GET", "/facilities/{facility}/keys"): lambda t, k: ({}, {}),
        ("DELETE", "/facilities/{facility}/keys/{key_id}"): lambda t, k: ({"key_id": t.spare_key()}, {}),
        ("POST", "/key-introspection"): lambda t, k: ({}, {"json": {"key_hash": "0" * 64}}),
        ("POST", "/facilities/{facility}/classes"): lambda t, k: ({}, {"json": {
            "external_id": uid("C"), "opened_on": "2022-09-01", "capacity": 5}}),
        ("GET", "/facilities/{facility}/classes"): lambda t, k: ({}, {"params": {"status": "open"}}),
        ("GET", "/facilities/{facility}/classes/{klass}"): lambda t, k: ({"klass": "C1"}, {}),
        ("PATCH", "/facilities/{facility}/classes/{klass}"): lambda t, k: ({"klass": "C1"},
                                                                            {"json": {"name": "小一班"}}),
        ("PUT", "/facilities/{facility}/classes/{klass}/confirmation"): lambda t, k: (
            {"klass": t.new_class()}, {"json": {"confirmed_on": "2022-09-05"}}),
        ("POST", "/class-confirmations"): lambda t, k: ({}, {"json": {"confirmations": [
            {"facility": t.f.external_id, "class": t.new_class(), "confirmed_on": "2022-09-05"}]}}),
        ("POST", "/facilities/{facility}/families"): lambda t, k: ({}, {"json": {"external_id": uid("FAM")}}),
        ("GET", "/facilities/{facility}/families"): lambda t, k: ({}, {}),
        ("GET", "/facilities/{facility}/families/{family}"): lambda t, k: ({"family": t.family}, {}),
        ("POST", "/facilities/{facility}/children"): lambda t, k: ({}, {"json": {
            "external_id": uid("K"), "family": t.desk.child(t.f)[0], "birth_date": "2022-06-01",
            "birth_order": 2}}),
        ("GET", "/facilities/{facility}/children"): lambda t, k: ({}, {"params": {"month": "2022-09"}}),
        ("GET", "/facilities/{facility}/children/{child}"): lambda t, k: ({"child": t.child}, {}),
        ("PATCH", "/facilities/{facility}/children/{child}"): lambda t, k: ({"child": t.child},
                                                                             {"json": {"birth_order": 1}}),
        ("POST", "/facilities/{facility}/enrollments"): lambda t, k: ({}, {"json": {
            "external_id": uid("E"), "child": t.desk.child(t.f)[1], "class": "C1", "monthly_fee": "2000.00",
            "start": "2022-09-01"}}),
        ("GET", "/facilities/{facility}/enrollments"): lambda t, k: ({}, {"params": {"month": "2022-09",
                                                                                     "status": "active"}}),
        ("GET", "/facilities/{facility}/enrollments/{enrollment}"): lambda t, k: ({"enrollment": t.enrollment}, {}),
        ("PUT", "/facilities/{facility}/enrollments/{enrollment}/withdrawal"): lambda t, k: (
            {"enrollment": t.enrollment}, {"json": {"end": "2022-12-31"}}),
        ("POST", "/facilities/{facility}/enrollments/{enrollment}/fees"): lambda t, k: (
            {"enrollment": t.enrollment}, {"json": {"monthly_fee": "2100.00", "from": "2022-11-01"}}),
        ("POST", "/facilities/{facility}/roster"): lambda t, k: ({}, {"content": _roster_csv(),
                                                                      "params": {"dry_run": "true"}}),
        ("POST", "/jurisdictions"): lambda t, k: ({}, {"json": {"code": str(next(_codes)), "name": "某市"}}),
        ("GET", "/jurisdictions"): lambda t, k: ({}, {}),
        ("PUT", "/facilities/{facility}/jurisdiction"): lambda t, k: ({}, {"json": {
            "jurisdiction": t.code or "330903", "from": later_day()}}),  # a place stays where it is
        ("POST", "/official-keys"): lambda t, k: ({}, {"json": {"role": "finance", "jurisdiction": "330903"}}),
        ("GET", "/official-keys"): lambda t, k: ({}, {}),
        ("DELETE", "/official-keys/{key_id}"): lambda t, k: ({"key_id": t.spare_official_key()}, {}),
        ("POST", "/jurisdictions/{code}/populations"): lambda t, k: (
            {"code": t.code or "330903"}, {"json": {"as_of": later_day(), "residents": 320000}}),
        ("GET", "/jurisdictions/{code}/populations"): lambda t, k: ({"code": t.code or "330903"}, {}),
        ("GET", "/planning"): lambda t, k: ({}, {"params": {"on": "2022-09-30"}}),
        ("GET", "/planning.csv"): lambda t, k: ({}, {"params": {"on": "2022-09-30"}}),
        ("GET", "/desk/sign-in"): lambda t, k: ({}, {}),
        ("POST", "/desk/sign-in"): lambda t, k: ({}, {"data": {"key": k or ""}}),
        ("POST", "/desk/sign-out"): lambda t, k: ({}, t.desk_form("enrollment", k, {}, fresh=True)),
        ("GET", "/desk"): lambda t, k: ({}, t.desk_get("enrollment", k)),
        ("GET", "/desk/classes"): lambda t, k: ({}, t.desk_get("enrollment", k)),
        ("POST", "/desk/facilities/{facility}/classes/{klass}/confirmation"): lambda t, k: (
            {"klass": t.new_class()}, t.desk_form("enrollment", k, {"confirmed_on": "2022-09-05"})),
        ("GET", "/desk/duplicates"): lambda t, k: ({}, t.desk_get("enrollment", k)),
        ("GET", "/desk/planning"): lambda t, k: ({}, t.desk_get("enrollment", k, params={"on": "2022-09-30"})),
        ("GET", "/desk/planning.csv"): lambda t, k: ({}, t.desk_get("enrollment", k, params={"on": "2022-09-30"})),
        ("GET", "/desk/planning.json"): lambda t, k: ({}, t.desk_get("enrollment", k, params={"on": "2022-09-30"})),
        ("POST", "/desk/jurisdictions/{code}/populations"): lambda t, k: (
            {"code": t.code or "330903"}, t.desk_form("enrollment", k, {"as_of": later_day(), "residents": "320000"})),
    },
    "subsidy": {
        ("POST", "/rulesets"): lambda t, k: ({}, {"content": t.rules.encode(),
                                                  "headers": {"Content-Type": "application/yaml"}}),
        ("POST", "/rulesets/shipped/{ruleset_id}"): lambda t, k: ({"ruleset_id": "zhoushan-putuo-2022"}, {}),
        ("GET", "/rulesets"): lambda t, k: ({}, {}),
        ("GET", "/rulesets/in-force"): lambda t, k: ({}, {"params": {"on": "2022-09-01",
                                                                    **_in_place(t)["params"]}}),
        ("GET", "/due/{month}"): lambda t, k: ({"month": "2022-09"}, _in_place(t)),
        ("GET", "/due/{month}/batches"): lambda t, k: ({"month": "2022-09"}, _in_place(t)),
        ("GET", "/due/{month}/jurisdictions"): lambda t, k: ({"month": "2022-09"}, {}),
        ("GET", "/explanations/{month}/{facility}/{enrollment}"): lambda t, k: (
            {"month": "2022-09", "enrollment": t.explained}, {}),
        ("POST", "/whatif"): lambda t, k: ({}, {"json": {"draft": shipped_text("zhoushan-putuo-2022"),
                                                         "from": "2022-09", "to": "2022-09",
                                                         "jurisdiction": t.code or UNPLACED}}),
    },
    "billing": {
        ("POST", "/cycles/{month}"): lambda t, k: ({"month": "2022-09"}, _in_place(t)),  # billed: issues nothing
        ("GET", "/cycles"): lambda t, k: ({}, _in_place(t)),
        ("GET", "/reports/{month}"): lambda t, k: ({"month": "2022-09"}, _in_place(t)),
        ("GET", "/reports/year/{year}"): lambda t, k: ({"year": 2022}, {"params": {"by": "fund",
                                                                                  **_in_place(t)["params"]}}),
        ("PUT", "/budgets/{fund}/{year}"): lambda t, k: ({"fund": t.fund, "year": 2022},
                                                         {"json": {"amount": "100000.00"}}),  # above what is drawn
        ("GET", "/budgets"): lambda t, k: ({}, {}),
        ("GET", "/budgets/{fund}/{year}"): lambda t, k: ({"fund": t.fund, "year": 2022}, {}),
        ("GET", "/payouts"): lambda t, k: ({}, _in_place(t)),
        ("GET", "/payouts/{number}"): lambda t, k: ({"number": t.approved["number"]}, {}),
        ("POST", "/payouts/{month}/approve"): lambda t, k: ({"month": "2022-09"}, {"json": {}}),
        ("POST", "/payouts/{number}/approve-over-budget"): lambda t, k: (
            {"number": t.awaiting()}, {"json": {"reason": "区政府批复追加预算"}}),
        ("GET", "/bank-files/{month}"): lambda t, k: ({"month": "2022-09"}, {}),
        ("POST", "/bank-confirmations"): lambda t, k: ({}, {"content": t.confirmation()}),
        ("GET", "/reconcile/{month}"): lambda t, k: ({"month": "2022-09"}, _in_place(t)),
        ("GET", "/facilities/{facility}/bank-account"): lambda t, k: ({}, {}),
        ("POST", "/facilities/{facility}/bank-account/confirm"): lambda t, k: ({}, {"json": {
            "account": t.propose_account()}}),
        ("GET", "/audit"): lambda t, k: ({}, {"params": {"limit": 5}}),
        ("POST", "/family-tokens"): lambda t, k: ({}, {"json": {"facility": t.f.external_id,
                                                                "family": t.token_family}}),
        ("GET", "/family-tokens"): lambda t, k: ({}, {}),
        ("DELETE", "/family-tokens/{token_id}"): lambda t, k: ({"token_id": t.token()["id"]}, {}),
        ("GET", "/family"): lambda t, k: ({}, {}),
        ("GET", "/family/documents"): lambda t, k: ({}, {}),
        ("GET", "/family/{token}"): lambda t, k: ({"token": k or "none"}, {}),  # the token is the path
        ("GET", "/desk/sign-in"): lambda t, k: ({}, {}),
        ("POST", "/desk/sign-in"): lambda t, k: ({}, {"data": {"key": k or ""}}),
        ("POST", "/desk/sign-out"): lambda t, k: ({}, t.desk_form("billing", k, {}, fresh=True)),
        ("GET", "/desk"): lambda t, k: ({}, t.desk_get("billing", k)),
        ("GET", "/desk/budgets"): lambda t, k: ({}, t.desk_get("billing", k)),
        ("GET", "/desk/payouts"): lambda t, k: ({}, t.desk_get("billing", k, params={"month": "2022-09"})),
        ("POST", "/desk/payouts/{month}/approve"): lambda t, k: (
            {"month": "2022-09"}, t.desk_form("billing", k, {"approver": "王会计"})),
        ("GET", "/desk/bank-files/{month}"): lambda t, k: ({"month": "2022-09"}, t.desk_get("billing", k)),
        ("POST", "/desk/bank-confirmations"): lambda t, k: ({}, t.desk_form("billing", k, {}, files={
            "file": ("confirmation.csv", _repeatable_confirmation(t), "text/csv")})),
        ("GET", "/desk/reconcile"): lambda t, k: ({}, t.desk_get("billing", k, params={"month": "2022-09"})),
        ("GET", "/desk/bank-accounts"): lambda t, k: ({}, t.desk_get("billing", k)),
        ("POST", "/desk/facilities/{facility}/bank-account/confirm"): lambda t, k: (
            {}, t.desk_form("billing", k, {"account": t.propose_account()})),
    },
}


def _repeatable_confirmation(t: Place) -> bytes:
    """A bank confirmation the desk may import again and again: a failed line of a place's approved payout (the
    target's own is paid by the API's request)."""
    return (t.places["putuo"] if isinstance(t, Target) else t).confirmation()

ENDPOINTS = sorted((service, endpoint) for service in SERVICES for endpoint in routes_of(service))


@pytest.fixture(scope="module")
def target(infra, tmp_path_factory) -> Target:
    world = World(tmp_path_factory.mktemp("matrix-world")).start()
    try:
        world.cli("scenario", "load", str(path("budget-runs-out.yaml")))
        yield Target(world)
    finally:
        world.close()


def test_every_endpoint_of_every_service_has_a_policy_and_a_request():
    for service in SERVICES:
        served = routes_of(service)
        assert len(served) > 10, f"{service}: its routes were not found in app.routes"
        assert not PUBLIC[service] & set(ACCESS[service]), f"{service}: public and keyed at once"
        gone = (PUBLIC[service] | set(ACCESS[service]) | set(REQUESTS[service])) - served
        assert not gone, f"{service}: the policy or REQUESTS name endpoints that no longer exist: {sorted(gone)}"


def _request(place: Place, service: str, endpoint: tuple[str, str], key: str | None) -> httpx.Request:
    """The request naming the place's records, built (and whatever it needs made: a spare key, a family) before
    anything is counted."""
    method, route = endpoint
    build = REQUESTS[service].get(endpoint, lambda t, k: ({}, {}))
    params, kwargs = build(place, key)
    url = place.world[service].url + route.format(**{"facility": place.f.external_id, **params})
    # A desk's request carries its session (REQUESTS puts it in), never the key itself.
    headers = {**kwargs.pop("headers", {}), **(bearer(key) if key and not is_desk(route) else {})}
    return httpx.Request(method, url, headers=headers, **kwargs)


def _what_is_wrong(service: str, endpoint, credential: str, want: int | None, got: httpx.Response) -> str | None:
    method, route = endpoint
    if want is None:
        done = 200 <= got.status_code < 300 or (is_desk(route) and method == "POST" and got.status_code == 303)
        if not done:
            return f"wanted {'2xx or 303' if is_desk(route) else '2xx'}, got {got.status_code}: {got.text[:200]}"
        if credential == "other facility" and endpoint not in PUBLIC[service] and '"F1"' in got.text:
            return "another facility's key was shown F1's records"
        return None
    if got.status_code != want:
        return f"wanted {want}, got {got.status_code}: {got.text[:200]}"
    if is_desk(route):
        return _what_is_wrong_with_the_page(want, got)
    if (service, endpoint) in HTML_PAGES and got.headers.get("content-type", "").startswith("text/html"):
        return None
    if not got.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{want} but not problem+json: {got.headers.get('content-type')}"
    body = got.json()
    if not (body.get("title") and body.get("detail") and body.get("status") == want):
        return f"{want} but the problem lacks title, detail or status: {body}"
    return None


def _what_is_wrong_with_the_page(want: int, got: httpx.Response) -> str | None:
    """A desk's refusal is a page, and a 401 one holds the sign-in form."""
    if not got.headers.get("content-type", "").startswith("text/html"):
        return f"{want} on a desk but not an HTML page: {got.headers.get('content-type')}"
    if want == 401 and 'name="key"' not in got.text:
        return f"401 on a desk without the sign-in form: {got.text[:200]}"
    return None


def _written(target: Target, service: str, endpoint: tuple[str, str]) -> dict:
    """The rows in the tables the service's API writes; a refused bank confirmation (the API's or the desk's) is
    itself an audited finance action (`billing.payouts.actions.confirm`), so the audit trail is left out there."""
    counts = target.counts(service)
    if service == "billing" and endpoint in (("POST", "/bank-confirmations"), ("POST", "/desk/bank-confirmations")):
        counts.pop("audit_trail")
    return counts


def _send(client: httpx.Client, target: Target, place: Place, service: str, endpoint: tuple[str, str],
          credential: str, key: str | None, want: int | None) -> tuple[str | None, httpx.Response]:
    """What is wrong with the answer to the request naming the place's records (None: nothing), and the answer; a
    refusal must have written nothing."""
    request = _request(place, service, endpoint, key)
    before = _written(target, service, endpoint) if want is not None else None
    got = client.send(request)
    problem = _what_is_wrong(service, endpoint, credential, want, got)
    if problem is None and want is not None and _written(target, service, endpoint) != before:
        problem = f"refused with {want}, yet it wrote something"
    return problem, got


@pytest.mark.parametrize("service, endpoint", ENDPOINTS, ids=[f"{s} {m} {r}" for s, (m, r) in ENDPOINTS])
def test_each_caller_gets_what_the_policy_says_and_a_refusal_changes_nothing(target, service, endpoint):
    if endpoint not in PUBLIC[service]:
        assert endpoint in ACCESS[service], (
            f"{service} {endpoint}: decide who may call it in tests/security/access.py")
        assert endpoint in REQUESTS[service], f"{service} {endpoint}: add a request the right caller makes"
    wrong = {}
    with httpx.Client(timeout=300) as client:
        for credential in CREDENTIALS:
            want = expected(service, endpoint, credential)
            problem, _ = _send(client, target, target, service, endpoint, credential, target.keys[credential], want)
            if problem:
                wrong[credential] = problem
    assert not wrong, f"{service} {endpoint[0]} {endpoint[1]}:\n" + "\n".join(
        f"  {credential:15} {problem}" for credential, problem in wrong.items())


SCOPED = [pytest.param(s, e, id=f"{s} {e[0]} {e[1]}") for s, e in ENDPOINTS]


@pytest.mark.parametrize("service, endpoint", SCOPED)
def test_an_officials_key_acts_only_within_its_jurisdiction_and_a_refusal_changes_nothing(target, service, endpoint):
    wrong = {}
    with httpx.Client(timeout=300) as client:
        for credential, (_, code) in SCOPED_KEYS.items():
            for name, place in target.places.items():
                want = expected_in(service, endpoint, credential, name)
                problem, got = _send(client, target, place, service, endpoint, credential,
                                     target.scoped_keys[credential], want)
                unseen = [seen for n, p in target.places.items() if PLACES[n] not in COVERS[code]
                          and endpoint not in PUBLIC[service] for seen in (p.f.external_id, PLACES[n])]
                if problem is None and want is None and any(f in got.text for f in unseen):
                    problem = f"shown a facility outside {code}: {got.text[:200]}"
                if problem:
                    wrong[f"{credential} on {name}"] = problem
    assert not wrong, f"{service} {endpoint[0]} {endpoint[1]}:\n" + "\n".join(
        f"  {who:28} {problem}" for who, problem in wrong.items())
