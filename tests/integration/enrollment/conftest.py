"""One world for the whole enrollment suite (real PostgreSQL, Kafka and the three services), shared by every module.

Tests never step on each other: each makes its own facilities with fresh external ids. Starting a world costs
seconds, so it is started once; a test that must be alone (killing a service, say) takes `world_factory` instead.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

import httpx
import pytest

from subsidy.rules.catalog import shipped_text
from tests.stack import World
from tuoyu.national_id import check_character

TABLES = ("facilities", "facility_rates", "facility_reviews", "classes", "families", "children", "enrollments",
          "enrollment_fees", "api_keys", "jurisdictions", "facility_jurisdictions", "populations", "outbox")
_serial = itertools.count(1)


def uid(prefix: str) -> str:
    """A fresh external id: tests share one world."""
    return f"{prefix}{next(_serial)}x{secrets.token_hex(2)}"


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Facility:
    external_id: str
    key: str
    client: httpx.Client  # with the facility's own key

    def post(self, path: str, **kw) -> httpx.Response:
        return self.client.post(f"/facilities/{self.external_id}{path}", **kw)

    def get(self, path: str = "", **kw) -> httpx.Response:
        return self.client.get(f"/facilities/{self.external_id}{path}", **kw)

    def put(self, path: str, **kw) -> httpx.Response:
        return self.client.put(f"/facilities/{self.external_id}{path}", **kw)

    def patch(self, path: str, **kw) -> httpx.Response:
        return self.client.patch(f"/facilities/{self.external_id}{path}", **kw)

    def ok(self, method: str, path: str, **kw) -> dict:
        response = self.client.request(method, f"/facilities/{self.external_id}{path}", **kw)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else {}


class Desk:
    """The enrollment service of one world, as its users reach it: admin, anonymous, facilities by their keys."""

    def __init__(self, world: World):
        self.world = world
        self.url = world["enrollment"].url
        self.admin = httpx.Client(base_url=self.url, headers=bearer(world.admin_key), timeout=300)
        self.anon = httpx.Client(base_url=self.url, timeout=300)

    def as_key(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=bearer(key), timeout=300)

    def counts(self) -> dict[str, int]:
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
        return dict(self.world.query("enrollment", sql))

    def outbox(self) -> int:
        return self.world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]

    def events(self, *types: str, since: int = 0) -> list[dict]:
        """Outbox events (envelopes as JSON) recorded after outbox row `since`, optionally of some types."""
        import json
        rows = self.world.query("enrollment", f"SELECT body FROM outbox WHERE seq > {int(since)} ORDER BY seq")
        events = [json.loads(bytes(r[0])) for r in rows]
        return [e for e in events if not types or e["type"] in types]

    def last_seq(self) -> int:
        return self.world.query("enrollment", "SELECT coalesce(max(seq), 0) FROM outbox")[0][0]

    def facility(self, *, filed: bool = True, rate: str = "0.12", classes=(("C1", "2022-09-01", 20),),
                 inclusive: bool = True, name: str = "测试托育园", jurisdiction: str | None = None) -> Facility:
        """A facility registered and keyed by the health commission, filed from 2022-03-01 unless told not, in
        `jurisdiction` when given (else in none)."""
        fid = uid("F")
        a = self.admin
        assert a.post("/facilities", json={"external_id": fid, "name": name, "kind": "childcare_institution",
                                           "ownership": "private_nonprofit", "inclusive": inclusive,
                                           "serves_meals": True, "bank_account": "6222020200112233445",
                                           **({"jurisdiction": jurisdiction} if jurisdiction else {})}
                      ).status_code == 201
        if filed:
            r = a.put(f"/facilities/{fid}/certifications", json={"fire_safety_certified_on": "2022-03-01",
                                                                 "food_licence_on": "2022-03-01"})
            assert r.status_code == 200, r.text
            r = a.put(f"/facilities/{fid}/filing", json={"filed_on": "2022-03-01", "subsidy_rate": rate})
            assert r.status_code == 200, r.text
        key = a.post(f"/facilities/{fid}/keys", json={"label": "test"}).json()["api_key"]
        facility = Facility(fid, key, self.as_key(key))
        for external_id, opened_on, capacity in classes:
            facility.ok("POST", "/classes", json={"external_id": external_id, "opened_on": opened_on,
                                                  "capacity": capacity})
        return facility

    def child(self, f: Facility, *, family: str | None = None, birth_date: str = "2021-03-10", birth_order: int = 1,
              national_id: str | None = None) -> tuple[str, str]:
        """Register a family (unless given) and a child in it; returns (family, child)."""
        family = family or uid("FAM")
        f.ok("POST", "/families", json={"external_id": family})
        child = uid("K")
        f.ok("POST", "/children", json={"external_id": child, "family": family, "birth_date": birth_date,
                                        "birth_order": birth_order,
                                        **({"national_id": national_id} if national_id else {})})
        return family, child

    def enroll(self, f: Facility, child: str, *, klass: str = "C1", start: str = "2022-09-01", end: str | None = None,
               fee: str = "2000.00") -> str:
        enrollment = uid("E")
        f.ok("POST", "/enrollments", json={"external_id": enrollment, "child": child, "class": klass,
                                           "monthly_fee": fee, "start": start, **({"end": end} if end else {})})
        return enrollment


@pytest.fixture(scope="package")
def shared_world(infra, tmp_path_factory) -> World:
    world = World(tmp_path_factory.mktemp("enrollment-world")).start()
    api = world.api()
    api.call(api.subsidy, "POST", "/rulesets", content=shipped_text("zhoushan-putuo-2022").encode(),
             headers={"Content-Type": "application/yaml"})
    yield world
    world.close()


@pytest.fixture(scope="package")
def desk(shared_world) -> Desk:
    return Desk(shared_world)


ZHOUSHAN = [{"code": "330900", "name": "舟山市", "parent": None},
            {"code": "330903", "name": "普陀区", "parent": "330900"},
            {"code": "330902", "name": "定海区", "parent": "330900"}]
PUTUO, DINGHAI, CITY = "330903", "330902", "330900"


@pytest.fixture(scope="package")
def operator(shared_world) -> httpx.Client:
    """The platform operator's client, once Zhoushan and two of its districts are added."""
    client = httpx.Client(base_url=shared_world["enrollment"].url, headers=bearer(shared_world.operator_key),
                          timeout=300)
    for jurisdiction in ZHOUSHAN:
        assert client.post("/jurisdictions", json=jurisdiction).status_code in (200, 201)
    return client


def national_id(seed: int, birth_date: str = "2021-03-10") -> str:
    """A valid (not real) national ID number of a child born on `birth_date` (desk.child's default), one per seed:
    the seed is its first six digits (where the registering division would be), and its sequence the first whose
    check character is X (so that a lower-case x can be tried)."""
    stems = (f"{seed:06d}{birth_date.replace('-', '')}{n:03d}" for n in range(1000))
    return next(stem for stem in stems if check_character(stem) == "X") + "X"


_national_ids = itertools.count(5000)


def fresh_national_id(birth_date: str = "2021-03-10") -> str:
    """A national ID number no other test of the session uses."""
    return national_id(next(_national_ids), birth_date)


def walk(f, path: str, **params) -> list[dict]:
    """Every item of a list, page by page (`f`: a Facility, or a client for the service's own paths)."""
    items, cursor = [], None
    while True:
        page = f.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict:
    """The response is problem+json with this status, naming `field` among its errors."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        named = [e.get("field") for e in body.get("errors", [])]
        assert field in named, f"{field!r} not named in {body}"
    return body
