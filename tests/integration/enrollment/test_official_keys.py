"""Scoped officials on the stack (POLICY "Jurisdictions"): the platform operator issues a commission or finance key
for a jurisdiction; it acts on the facilities there today and under it, another jurisdiction's and every unplaced
facility are 404 to it; revoked, it is refused by all three services at once."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.enrollment.conftest import (
    CITY, DINGHAI, PUTUO, assert_problem, bearer, fresh_national_id, uid, walk,
)


def issue(operator: httpx.Client, role: str, jurisdiction: str) -> dict:
    issued = operator.post("/official-keys", json={"role": role, "jurisdiction": jurisdiction, "label": "desk"})
    assert issued.status_code == 201, issued.text
    return issued.json()


class Zhoushan:
    """A facility in Putuo, one in Dinghai and one in none, with the keys of Putuo's and the city's commission."""

    def __init__(self, desk, operator):
        self.desk = desk
        self.putuo_f = desk.facility(jurisdiction=PUTUO)
        self.dinghai_f = desk.facility(jurisdiction=DINGHAI)
        self.unplaced_f = desk.facility()
        self.putuo = desk.as_key(issue(operator, "commission", PUTUO)["api_key"])
        self.city = desk.as_key(issue(operator, "commission", CITY)["api_key"])


@pytest.fixture(scope="module")
def zhoushan(desk, operator) -> Zhoushan:
    return Zhoushan(desk, operator)


def test_the_operator_issues_a_key_shown_once_listed_without_it_and_its_event_carries_no_hash(desk, operator):
    since = desk.last_seq()
    issued = issue(operator, "finance", PUTUO)
    assert issued["api_key"].startswith("off_") and (issued["role"], issued["jurisdiction"]) == ("finance", PUTUO)
    [listed] = [k for k in operator.get("/official-keys").json() if k["key_id"] == issued["key_id"]]
    assert listed == {k: v for k, v in issued.items() if k != "api_key"}
    [event] = desk.events("OfficialKeyIssued", since=since)
    assert event["payload"] == {"key_id": issued["key_id"], "role": "finance", "jurisdiction": PUTUO}
    assert issued["api_key"] not in str(desk.events(since=since))


def test_only_the_operator_issues_and_only_for_a_known_jurisdiction(desk, operator, zhoushan):
    before = desk.counts()
    assert_problem(desk.admin.post("/official-keys", json={"role": "commission", "jurisdiction": PUTUO}), 404)
    assert_problem(zhoushan.putuo.post("/official-keys", json={"role": "commission", "jurisdiction": PUTUO}), 404)
    assert_problem(operator.post("/official-keys", json={"role": "commission", "jurisdiction": "339999"}),
                   422, "jurisdiction")
    assert_problem(operator.post("/official-keys", json={"role": "operator", "jurisdiction": PUTUO}), 422, "role")
    assert desk.counts() == before


def test_introspection_tells_the_services_an_officials_role_and_cover_computed_now(desk, operator, zhoushan):
    operator.post("/jurisdictions", json={"code": "330200", "name": "宁波市"}).raise_for_status()
    operator.post("/jurisdictions", json={"code": "330282", "name": "慈溪市", "parent": "330200"}).raise_for_status()
    issued = issue(operator, "commission", "330200")
    key_hash = desk.world.query("enrollment", f"SELECT key_hash FROM api_keys WHERE id = {issued['key_id']}")[0][0]
    answer = desk.admin.post("/key-introspection", json={"key_hash": key_hash}).json()
    assert answer == {"active": True, "role": "admin", "facility": None, "jurisdiction": "330200",
                      "covers": ["330200", "330282"]}
    operator.post("/jurisdictions", json={"code": "330281", "name": "余姚市", "parent": "330200"}).raise_for_status()
    assert desk.admin.post("/key-introspection", json={"key_hash": key_hash}).json()["covers"] == [
        "330200", "330281", "330282"]
    assert_problem(zhoushan.city.post("/key-introspection", json={"key_hash": key_hash}), 404)


def test_a_putuo_key_acts_on_putuo_facilities_and_gets_404_for_dinghai_and_unplaced_ones(desk, zhoushan):
    putuo, own, other, unplaced = zhoushan.putuo, zhoushan.putuo_f, zhoushan.dinghai_f, zhoushan.unplaced_f
    assert putuo.get(f"/facilities/{own.external_id}").status_code == 200
    assert putuo.post(f"/facilities/{own.external_id}/reviews", json={"date": "2022-06-30", "result": "pass"}
                      ).status_code == 200
    assert putuo.get(f"/facilities/{own.external_id}/classes").status_code == 200
    before = desk.counts()
    for facility in (other.external_id, unplaced.external_id, "no-such-facility"):
        assert_problem(putuo.get(f"/facilities/{facility}"), 404)
        assert_problem(putuo.post(f"/facilities/{facility}/reviews", json={"date": "2022-06-30",
                                                                             "result": "pass"}), 404)
        assert_problem(putuo.post(f"/facilities/{facility}/keys", json={}), 404)
        assert_problem(putuo.get(f"/facilities/{facility}/children"), 404)
        assert_problem(putuo.patch(f"/facilities/{facility}", json={"name": "改名"}), 404)
    assert desk.counts() == before
    listed = {f["external_id"] for f in walk(putuo, "/facilities")}
    assert own.external_id in listed and not listed & {other.external_id, unplaced.external_id}
    assert {j["code"] for j in putuo.get("/jurisdictions").json()} == {PUTUO}
    assert_problem(putuo.get("/outbox"), 404)


def test_a_city_key_acts_on_both_districts_but_not_on_an_unplaced_facility(zhoushan):
    city = zhoushan.city
    for f in (zhoushan.putuo_f, zhoushan.dinghai_f):
        assert city.get(f"/facilities/{f.external_id}").status_code == 200
    assert_problem(city.get(f"/facilities/{zhoushan.unplaced_f.external_id}"), 404)
    listed = {f["external_id"] for f in walk(city, "/facilities")}
    assert {zhoushan.putuo_f.external_id, zhoushan.dinghai_f.external_id} <= listed
    assert zhoushan.unplaced_f.external_id not in listed
    assert {CITY, PUTUO, DINGHAI} <= {j["code"] for j in city.get("/jurisdictions").json()}


def test_a_scoped_key_registers_only_in_a_jurisdiction_it_covers(desk, zhoushan):
    def body(**extra) -> dict:
        return {"external_id": uid("F"), "name": "新园", "kind": "community", "ownership": "public", **extra}
    assert zhoushan.putuo.post("/facilities", json=body(jurisdiction=PUTUO)).status_code == 201
    before = desk.counts()
    outside = assert_problem(zhoushan.putuo.post("/facilities", json=body(jurisdiction=DINGHAI)), 422, "jurisdiction")
    assert "no jurisdiction '330902'" in outside["detail"], "a code outside its scope reads as unknown to it"
    assert_problem(zhoushan.putuo.post("/facilities", json=body()), 422, "jurisdiction")
    assert desk.counts() == before


def test_moving_a_facility_needs_both_its_jurisdiction_and_the_new_one_in_scope(desk, zhoushan):
    f = desk.facility(filed=False, jurisdiction=PUTUO)
    move = {"jurisdiction": DINGHAI, "from": "2022-01-01"}
    assert_problem(zhoushan.putuo.put(f"/facilities/{f.external_id}/jurisdiction", json=move), 422, "jurisdiction")
    assert zhoushan.city.put(f"/facilities/{f.external_id}/jurisdiction", json=move).status_code == 200
    assert_problem(zhoushan.putuo.get(f"/facilities/{f.external_id}"), 404)
    assert_problem(zhoushan.putuo.put(f"/facilities/{f.external_id}/jurisdiction",
                                      json={"jurisdiction": PUTUO, "from": "2022-06-01"}), 404)


def test_class_confirmations_name_a_facility_outside_the_scope_as_unknown(desk, zhoushan):
    own, other = zhoushan.putuo_f, zhoushan.dinghai_f
    for f in (own, other):
        f.ok("POST", "/classes", json={"external_id": "CL", "opened_on": "2022-09-01", "capacity": 5})
    refused = zhoushan.putuo.post("/class-confirmations", json={"confirmations": [
        {"facility": own.external_id, "class": "CL", "confirmed_on": "2022-09-05"},
        {"facility": other.external_id, "class": "CL", "confirmed_on": "2022-09-05"}]})
    assert_problem(refused, 422, "confirmations[1].facility")
    assert_problem(zhoushan.putuo.put(f"/facilities/{other.external_id}/classes/CL/confirmation",
                                      json={"confirmed_on": "2022-09-05"}), 404)
    done = zhoushan.putuo.post("/class-confirmations", json={"confirmations": [
        {"facility": own.external_id, "class": "CL", "confirmed_on": "2022-09-05"}]})
    assert done.json() == {"confirmed": 1, "unchanged": 0}


def test_duplicates_across_districts_are_the_citys_to_see_not_a_districts(desk, zhoushan):
    national_id = fresh_national_id()
    for f in (zhoushan.putuo_f, zhoushan.dinghai_f):
        desk.child(f, national_id=national_id)

    def groups(client) -> list[set[str]]:
        return [{c["facility"] for c in g["children"]} for g in walk(client, "/national-id-duplicates")]
    pair = {zhoushan.putuo_f.external_id, zhoushan.dinghai_f.external_id}
    assert pair in groups(zhoushan.city) and pair in groups(desk.admin)
    assert not any(zhoushan.dinghai_f.external_id in g for g in groups(zhoushan.putuo))


def test_a_revoked_official_key_is_refused_by_every_service_at_once(shared_world, desk, operator):
    for role in ("commission", "finance"):
        issued = issue(operator, role, PUTUO)
        clients = {s: httpx.Client(base_url=shared_world[s].url, headers=bearer(issued["api_key"]), timeout=60)
                   for s in ("enrollment", "subsidy", "billing")}
        reads = {"enrollment": "/jurisdictions", "subsidy": "/rulesets", "billing": "/cycles"}
        if role == "commission":
            assert clients["enrollment"].get(reads["enrollment"]).status_code == 200
        for service in ("subsidy", "billing"):
            assert clients[service].get(reads[service]).status_code == 200, f"{role} key at {service}"
        assert operator.delete(f"/official-keys/{issued['key_id']}").status_code == 204
        for service, client in clients.items():
            refused = client.get(reads[service])
            assert refused.status_code == 401, f"{service} still took the revoked {role} key"
        assert operator.delete(f"/official-keys/{issued['key_id']}").status_code == 204, "revoking again is done"
        [listed] = [k for k in operator.get("/official-keys").json() if k["key_id"] == issued["key_id"]]
        assert listed["revoked_at"] is not None


def test_the_cli_issues_lists_and_revokes_a_key_with_the_operators_key(shared_world, desk, operator):
    issued = json.loads(shared_world.cli("keys", "issue", "--role", "commission", "--jurisdiction", PUTUO).stdout)
    assert issued["api_key"].startswith("off_") and issued["jurisdiction"] == PUTUO
    assert desk.as_key(issued["api_key"]).get("/jurisdictions").status_code == 200
    listed = [json.loads(line) for line in shared_world.cli("keys", "list").stdout.splitlines()]
    assert issued["key_id"] in [k["key_id"] for k in listed] and not any("api_key" in k for k in listed)
    shared_world.cli("keys", "revoke", str(issued["key_id"]))
    assert_problem(desk.as_key(issued["api_key"]).get("/jurisdictions"), 401)
    refused = shared_world.cli("keys", "issue", "--role", "mayor", "--jurisdiction", PUTUO, check=False)
    assert refused.returncode == 1 and "role" in refused.stderr
