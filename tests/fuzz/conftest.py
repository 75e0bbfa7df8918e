"""One world for the fuzz tests: the late-changes scenario billed for September and October, a facility of its own
for the fuzzer to write into (FZ, with a class, families, children and enrollments), and the keys a caller can hold.

The fuzzer aims most path parameters at records that exist (FZ and its roster, F1's payouts, the billed months) so
it reaches the code behind the 404s, and the rest at whatever it makes up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx
import pytest

from tests.scenarios import path
from tests.stack import World


@dataclass
class FuzzWorld:
    world: World
    keys: dict[str, dict[str, str]]  # service → role → a valid key of that role
    known: dict[str, dict[str, list]] = field(default_factory=dict)  # service → path parameter → existing values

    def url(self, service: str) -> str:
        return self.world[service].url


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else {}


def _wait_until_billing_knows(world: World, key: str) -> None:
    """The ApiKeyIssued event reaches billing through Kafka: wait for it."""
    deadline = time.monotonic() + 60
    while httpx.get(world["billing"].url + "/payouts", headers=_bearer(key), timeout=30).status_code == 401:
        assert time.monotonic() < deadline, "billing never learnt the facility key"
        time.sleep(0.2)


def _fuzz_facility(enrollment: httpx.Client) -> str:
    """FZ: filed, one class, two families with three children, three enrollments; returns its key."""
    _ok(enrollment.post("/facilities", json={"external_id": "FZ", "name": "模糊测试托育园", "kind": "community",
                                             "ownership": "public", "inclusive": True, "serves_meals": True,
                                             "bank_account": "6222020200100000001"}))
    _ok(enrollment.put("/facilities/FZ/certifications", json={"fire_safety_certified_on": "2022-03-01",
                                                              "food_licence_on": "2022-03-01"}))
    _ok(enrollment.put("/facilities/FZ/filing", json={"filed_on": "2022-03-01", "subsidy_rate": "0.12"}))
    _ok(enrollment.post("/facilities/FZ/classes", json={"external_id": "C1", "opened_on": "2022-09-01",
                                                        "capacity": 30}))
    for family, children in (("FAM1", ("K1", "K2")), ("FAM2", ("K3",))):
        _ok(enrollment.post("/facilities/FZ/families", json={"external_id": family}))
        for order, child in enumerate(children, start=1):
            _ok(enrollment.post("/facilities/FZ/children", json={
                "external_id": child, "family": family, "birth_date": f"2021-0{order}-10", "birth_order": order}))
            _ok(enrollment.post("/facilities/FZ/enrollments", json={
                "external_id": f"E{child[1:]}", "child": child, "class": "C1", "monthly_fee": "2000.00",
                "start": "2022-09-01"}))
    return _ok(enrollment.post("/facilities/FZ/keys", json={"label": "fuzz"}))["api_key"]


@pytest.fixture(scope="package")
def fuzz_world(infra, tmp_path_factory) -> FuzzWorld:
    world = World(tmp_path_factory.mktemp("fuzz-world")).start()
    try:
        world.cli("scenario", "load", str(path("late-changes.yaml")))
        admin = {s: httpx.Client(base_url=world[s].url, headers=_bearer(world.admin_key), timeout=120)
                 for s in ("enrollment", "billing")}
        fz_key = _fuzz_facility(admin["enrollment"])
        f1_key = _ok(admin["enrollment"].post("/facilities/F1/keys", json={"label": "fuzz"}))["api_key"]
        _wait_until_billing_knows(world, f1_key)
        family_token = _ok(admin["billing"].post("/family-tokens", json={"facility": "F1", "family": "FAM1"}))
        spare_token = _ok(admin["billing"].post("/family-tokens", json={"facility": "F1", "family": "FAM2"}))
        finance = httpx.Client(base_url=world["billing"].url, headers=_bearer(world.finance_key), timeout=120)
        payouts = [p["number"] for p in _ok(finance.get("/payouts"))]
        keys = {
            "enrollment": {"admin": world.admin_key, "facility": fz_key, "operator": world.operator_key},
            "subsidy": {"admin": world.admin_key, "finance": world.finance_key},
            "billing": {"finance": world.finance_key, "admin": world.admin_key, "facility": f1_key,
                        "family": family_token["token"]},
        }
        months = ["2022-09", "2022-10"]
        known = {
            "enrollment": {"facility": ["FZ"], "klass": ["C1"], "family": ["FAM1", "FAM2"],
                           "child": ["K1", "K2", "K3"], "enrollment": ["E1", "E2", "E3"]},
            "subsidy": {"month": months, "facility": ["F1"], "enrollment": ["E1", "E2", "E3"]},
            "billing": {"month": months, "number": payouts, "fund": ["putuo-childcare-fund"], "year": [2022],
                        "token_id": [spare_token["id"]], "token": [spare_token["token"]]},
        }
        yield FuzzWorld(world, keys, known)
    finally:
        world.close()
