"""Schemathesis against every operation of the three services' OpenAPI documents, with valid keys.

Each operation gets inputs that fit its schema (positive) and inputs that break it (negative), sent with a key
drawn from those the access policy lets through (admin, finance, a facility's, a family's: `tests/security/access`),
so the input reaches the code behind the authentication, and path parameters aimed half the time at records that
exist. Whatever comes in, a service answers below 500, and every 4xx is problem+json with
`title`, `status` and `detail` — except the family's HTML page, whose 401 is a page in Chinese for a phone, and the
officials' desks (`/desk`), which take no key on a request (a session cookie, after signing in) and answer with pages.

Bounded: TUOYU_FUZZ_EXAMPLES (default 20) inputs per operation and mode, no shrinking; a failure lists each
operation and status once with a curl command to reproduce it (add the key of the role it names).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.security.access import is_desk, roles_allowed
from tests.security.apps import SERVICES, openapi_of

EXAMPLES = int(os.environ.get("TUOYU_FUZZ_EXAMPLES", "20"))
# HTML pages for people: a bad link gets a readable page, not JSON.
HTML_PAGES = {("billing", "GET /family"), ("billing", "GET /family/{token}")}
# Reads first, then writes, deletions last: a revoked key or token would blind the operations after it.
ORDER = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}


def _operations() -> list[tuple[str, str, object]]:
    found = []
    for service in SERVICES:
        schema = schemathesis.openapi.from_dict(openapi_of(service))
        for result in schema.get_all_operations():
            operation = result.ok()
            found.append((service, operation.label, operation))
    return sorted(found, key=lambda f: (ORDER[f[1].split()[0]], SERVICES.index(f[0]), f[1]))


OPERATIONS = _operations()


def _header(response, name: str) -> str:
    value = response.headers.get(name) or response.headers.get(name.title()) or ""
    return value[0] if isinstance(value, list) else value


def _what_is_wrong(service: str, label: str, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.text[:300]}"
    page = (service, label) in HTML_PAGES or is_desk(label.split(" ", 1)[1])
    if status < 400 or (page and _header(response, "content-type").startswith("text/html")):
        return None
    if not _header(response, "content-type").startswith("application/problem+json"):
        return f"{status} as {_header(response, 'content-type')!r}, not problem+json: {response.text[:200]}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{status}: problem+json that is not JSON: {response.text[:200]}"
    if not (isinstance(body, dict) and body.get("title") and body.get("detail") and body.get("status") == status):
        return f"{status}: a problem without title, detail or the right status: {response.text[:200]}"
    return None


def _strategy(operation, mode: GenerationMode, known: dict[str, list]):
    """Cases with made-up path parameters, or with the ones that name existing records."""
    names = [p.name for p in operation.path_parameters]
    aimed = {n: known[n] for n in names if n in known}
    made_up = operation.as_strategy(generation_mode=mode)
    if not aimed:
        return made_up
    choices = st.fixed_dictionaries({n: st.sampled_from(v) for n, v in aimed.items()})
    return st.one_of(made_up, choices.flatmap(lambda fixed: operation.as_strategy(generation_mode=mode,
                                                                                   path_parameters=fixed)))


@pytest.mark.parametrize("service, label, operation", OPERATIONS, ids=[f"{s} {l}" for s, l, _ in OPERATIONS])
def test_no_input_makes_an_operation_fail_or_answer_an_error_that_is_not_a_problem(fuzz_world, service, label,
                                                                                  operation):
    base_url = fuzz_world.url(service)
    method, route = label.split(" ", 1)
    try:
        allowed = roles_allowed(service, (method, route))
    except KeyError:  # not in the policy yet (the access matrix fails for it): try every key
        allowed = set(fuzz_world.keys[service])
    roles = {role: key for role, key in fuzz_world.keys[service].items() if role in allowed}
    assert roles, f"the fuzz world holds no key that {label} serves"
    found: dict[tuple[str, int], str] = {}

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=_strategy(operation, mode, fuzz_world.known[service]), role=st.sampled_from(sorted(roles)))
        def send(case, role):
            response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {roles[role]}"}, timeout=120)
            wrong = _what_is_wrong(service, label, response)
            if wrong and (mode.value, response.status_code) not in found:
                found[(mode.value, response.status_code)] = (
                    f"[{mode.value}, {role} key] {wrong}\n    {case.as_curl_command()}")

        try:
            send()
        except Unsatisfiable:
            pass  # nothing in this operation can be made invalid (no parameters, no body)

    assert not found, f"{service} {label}:\n" + "\n".join(found.values())
