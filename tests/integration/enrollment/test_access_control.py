"""Every endpoint of the enrollment service, walked with no key, a wrong key, another facility's key, the right key.

The list of endpoints comes from the app's own routes (through its OpenAPI document, which FastAPI builds from
`app.routes`): a new endpoint without a line in REQUESTS fails this test until someone decides who may call it.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from enrollment.app import create_app
from enrollment.settings import EnrollmentSettings
from tests.integration.enrollment.conftest import assert_problem, uid

# Anyone, without a key.
PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"), ("POST", "/registrations"),
          ("GET", "/public/facilities"), ("GET", "/public/facilities.html")}
# The health commission's work: the admin key is the right key, and no facility's key opens it.
ADMIN = {("POST", "/facilities"), ("GET", "/facilities"), ("GET", "/outbox"),
         ("PUT", "/facilities/{facility}/filing"), ("PUT", "/facilities/{facility}/certifications"),
         ("POST", "/facilities/{facility}/rates"), ("POST", "/facilities/{facility}/reviews"),
         ("POST", "/facilities/{facility}/keys"), ("GET", "/facilities/{facility}/keys"),
         ("DELETE", "/facilities/{facility}/keys/{key_id}")}
_days = itertools.count(1)


def later_day() -> str:
    """A fresh date for reviews and rates, later each time."""
    return (date(2023, 1, 1) + timedelta(days=3 * next(_days))).isoformat()


def roster_csv() -> bytes:
    return (f"family,child,birth_date,birth_order,class,enrollment,monthly_fee,start\n"
            f"{uid('FAM')},{uid('K')},2021-01-01,1,C1,{uid('E')},2000.00,2022-09-01\n").encode()


# (method, path) → what a valid request carries: path parameters beyond {facility}, and httpx keyword arguments.
REQUESTS = {
    ("POST", "/facilities"): lambda t: ({}, {"json": {"external_id": uid("F"), "name": "新园",
                                                      "kind": "community", "ownership": "public"}}),
    ("GET", "/facilities"): lambda t: ({}, {"params": {"limit": 5}}),
    ("GET", "/outbox"): lambda t: ({}, {}),
    ("GET", "/facilities/{facility}"): lambda t: ({}, {}),
    ("PATCH", "/facilities/{facility}"): lambda t: ({}, {"json": {"name": f"改名{uid('')}"}}),
    ("PUT", "/facilities/{facility}/filing"): lambda t: ({}, {"json": {"filed_on": "2022-03-01",
                                                                       "subsidy_rate": "0.12"}}),
    ("PUT", "/facilities/{facility}/certifications"): lambda t: ({}, {"json": {
        "fire_safety_certified_on": "2022-03-01", "food_licence_on": "2022-03-01"}}),
    ("POST", "/facilities/{facility}/rates"): lambda t: ({}, {"json": {"rate": "0.13",
                                                                       "effective_from": later_day()}}),
    ("POST", "/facilities/{facility}/reviews"): lambda t: ({}, {"json": {"date": later_day(), "result": "pass"}}),
    ("POST", "/facilities/{facility}/keys"): lambda t: ({}, {"json": {"label": "spare"}}),
    ("GET", "/facilities/{facility}/keys"): lambda t: ({}, {}),
    ("DELETE", "/facilities/{facility}/keys/{key_id}"): lambda t: ({"key_id": t.spare_key()}, {}),
    ("POST", "/facilities/{facility}/classes"): lambda t: ({}, {"json": {"external_id": uid("C"),
                                                                         "opened_on": "2022-09-01", "capacity": 5}}),
    ("GET", "/facilities/{facility}/classes"): lambda t: ({}, {"params": {"status": "open"}}),
    ("GET", "/facilities/{facility}/classes/{klass}"): lambda t: ({"klass": "C1"}, {}),
    ("PATCH", "/facilities/{facility}/classes/{klass}"): lambda t: ({"klass": "C1"}, {"json": {"name": "小一班"}}),
    ("POST", "/facilities/{facility}/families"): lambda t: ({}, {"json": {"external_id": uid("FAM")}}),
    ("GET", "/facilities/{facility}/families"): lambda t: ({}, {}),
    ("GET", "/facilities/{facility}/families/{family}"): lambda t: ({"family": t.family}, {}),
    ("POST", "/facilities/{facility}/children"): lambda t: ({}, {"json": {
        "external_id": uid("K"), "family": t.desk.child(t.f)[0], "birth_date": "2022-06-01", "birth_order": 2}}),
    ("GET", "/facilities/{facility}/children"): lambda t: ({}, {"params": {"month": "2022-09"}}),
    ("GET", "/facilities/{facility}/children/{child}"): lambda t: ({"child": t.child}, {}),
    ("PATCH", "/facilities/{facility}/children/{child}"): lambda t: ({"child": t.child},
                                                                      {"json": {"birth_order": 1}}),
    ("POST", "/facilities/{facility}/enrollments"): lambda t: ({}, {"json": {
        "external_id": uid("E"), "child": t.desk.child(t.f)[1], "class": "C1", "monthly_fee": "2000.00",
        "start": "2022-09-01"}}),
    ("GET", "/facilities/{facility}/enrollments"): lambda t: ({}, {"params": {"month": "2022-09",
                                                                              "status": "active"}}),
    ("GET", "/facilities/{facility}/enrollments/{enrollment}"): lambda t: ({"enrollment": t.enrollment}, {}),
    ("PUT", "/facilities/{facility}/enrollments/{enrollment}/withdrawal"): lambda t: (
        {"enrollment": t.enrollment}, {"json": {"end": "2022-12-31"}}),
    ("POST", "/facilities/{facility}/enrollments/{enrollment}/fees"): lambda t: (
        {"enrollment": t.enrollment}, {"json": {"monthly_fee": "2100.00", "from": "2022-11-01"}}),
    ("POST", "/facilities/{facility}/roster"): lambda t: ({}, {"content": roster_csv(), "params": {"dry_run": "true"}}),
}


def routes() -> set[tuple[str, str]]:
    """Every route of the app, as its OpenAPI document (built from `app.routes`) lists them."""
    settings = EnrollmentSettings(_env_file=None, admin_key="a", finance_key="b", hash_pepper="c")
    paths = create_app(settings).openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


class Target:
    """The facility every request aims at, with a class, a family, a child and an enrollment to name."""

    def __init__(self, desk):
        self.desk = desk
        self.f = desk.facility()
        self.family, self.child = desk.child(self.f)
        self.enrollment = desk.enroll(self.f, self.child)

    def spare_key(self) -> int:
        return self.desk.admin.post(f"/facilities/{self.f.external_id}/keys", json={}).json()["key_id"]


@pytest.fixture(scope="module")
def target(desk) -> Target:
    return Target(desk)


def test_every_endpoint_is_either_public_or_has_a_request_here():
    served = routes()
    assert len(served) > 30
    missing = served - PUBLIC - set(REQUESTS)
    assert not missing, f"decide who may call these and add them to REQUESTS: {sorted(missing)}"
    assert not set(REQUESTS) - served, "REQUESTS names endpoints that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(REQUESTS), ids=lambda e: f"{e[0]} {e[1]}")
def test_an_endpoint_wants_a_key_hides_other_facilities_and_serves_the_right_key(desk, target, endpoint):
    method, template = endpoint
    params, kwargs = REQUESTS[endpoint](target)
    path = template.format(facility=target.f.external_id, **params)
    other = desk.facility(classes=())
    before = desk.counts()

    assert_problem(desk.anon.request(method, path, **kwargs), 401)
    assert_problem(desk.as_key("fac_not-a-key-anyone-has").request(method, path, **kwargs), 401)
    assert_problem(other.client.request(method, path, **kwargs), 404)
    if endpoint in ADMIN and "{facility}" in template:
        assert_problem(target.f.client.request(method, path, **kwargs), 404)  # its own key, the commission's work
    assert desk.counts() == before, "a refused request wrote something"

    right = desk.admin if endpoint in ADMIN else target.f.client
    response = right.request(method, path, **kwargs)
    assert 200 <= response.status_code < 300, response.text


@pytest.mark.parametrize("endpoint", sorted(PUBLIC - {("POST", "/registrations")}), ids=lambda e: f"{e[0]} {e[1]}")
def test_a_public_endpoint_answers_without_a_key(desk, endpoint):
    method, path = endpoint
    assert desk.anon.request(method, path).status_code == 200
