"""Jurisdictions on the stack (POLICY "Jurisdictions"): the platform operator adds them, a commission key cannot; a
facility registered in one and moved to another from a date keeps both in its record and its event; the scenario
fields (`jurisdictions`, facility `jurisdiction`, timeline `move`) load, and loading twice changes nothing."""

from __future__ import annotations

from tests.integration.enrollment.conftest import ZHOUSHAN, assert_problem, uid


def test_the_operator_adds_a_city_and_its_districts_and_the_same_again_is_200(operator):
    listed = operator.get("/jurisdictions").json()
    assert [j for j in listed if j["code"].startswith("3309")] == sorted(ZHOUSHAN, key=lambda j: j["code"])
    again = operator.post("/jurisdictions", json=ZHOUSHAN[1])
    assert (again.status_code, again.json()) == (200, ZHOUSHAN[1])


def test_another_name_for_a_known_code_is_409_and_an_unknown_parent_is_422(operator):
    assert_problem(operator.post("/jurisdictions", json={**ZHOUSHAN[1], "name": "沈家门"}), 409)
    assert_problem(operator.post("/jurisdictions", json={"code": "330921", "name": "岱山县", "parent": "339999"}),
                   422, "parent")
    assert_problem(operator.post("/jurisdictions", json={"code": "3309", "name": "舟山"}), 422)


def test_a_commission_key_cannot_add_a_jurisdiction_but_lists_them(desk, operator):
    before = desk.counts()
    assert_problem(desk.admin.post("/jurisdictions", json={"code": "330921", "name": "岱山县", "parent": "330900"}),
                   404)
    assert desk.counts() == before
    assert any(j["code"] == "330903" for j in desk.admin.get("/jurisdictions").json())


def test_a_facility_registered_in_putuo_and_moved_to_dinghai_keeps_both_in_its_record_and_event(desk, operator):
    fid = uid("F")
    registered = desk.admin.post("/facilities", json={"external_id": fid, "name": "沈家门托育园",
                                                      "kind": "community", "ownership": "public",
                                                      "jurisdiction": "330903"})
    assert registered.status_code == 201, registered.text
    assert registered.json()["jurisdictions"] == [{"from": "2000-01-01", "jurisdiction": "330903"}]
    since = desk.last_seq()
    moved = desk.admin.put(f"/facilities/{fid}/jurisdiction", json={"jurisdiction": "330902", "from": "2023-01-01"})
    assert moved.status_code == 200, moved.text
    history = [{"from": "2000-01-01", "jurisdiction": "330903"}, {"from": "2023-01-01", "jurisdiction": "330902"}]
    assert moved.json()["jurisdictions"] == history
    assert moved.json()["version"] == registered.json()["version"] + 1
    [event] = desk.events("FacilityMoved", since=since)
    assert event["occurred_on"] == "2023-01-01" and event["payload"]["facility"]["jurisdictions"] == history
    again = desk.admin.put(f"/facilities/{fid}/jurisdiction", json={"jurisdiction": "330902", "from": "2023-01-01"})
    assert again.json() == moved.json() and desk.events(since=since) == [event]
    assert_problem(desk.admin.put(f"/facilities/{fid}/jurisdiction",
                                  json={"jurisdiction": "330903", "from": "2023-01-01"}), 409)


def test_a_facility_is_filed_only_in_a_known_county_level_jurisdiction(desk, operator):
    for code in ("330900", "330999"):
        body = {"external_id": uid("F"), "name": "园", "kind": "community", "ownership": "public",
                "jurisdiction": code}
        assert_problem(desk.admin.post("/facilities", json=body), 422, "jurisdiction")


def test_a_facility_without_a_jurisdiction_has_an_empty_history_and_its_own_key_cannot_move_it(desk, operator):
    f = desk.facility(filed=False)
    assert f.get().json()["jurisdictions"] == []
    assert_problem(f.put("/jurisdiction", json={"jurisdiction": "330903", "from": "2023-01-01"}), 404)


SCENARIO = """\
ruleset: zhoushan-putuo-2022
jurisdictions:
  - {code: "330900", name: 舟山市}
  - {code: "330903", name: 普陀区, parent: "330900"}
  - {code: "330902", name: 定海区, parent: "330900"}
facilities:
  - {external_id: FJ1, jurisdiction: "330903", name: 沈家门街道托育园, kind: community, ownership: public,
     filed_on: 2022-03-01, subsidy_rate: "0.12", classes: [{external_id: C1, opened_on: 2022-09-01, capacity: 20}]}
timeline:
  - {move: {facility: FJ1, jurisdiction: "330902", from: 2023-01-01}}
"""


def test_a_scenario_with_jurisdictions_and_a_move_loads_and_a_second_load_changes_nothing(shared_world, desk,
                                                                                         tmp_path):
    file = tmp_path / "zhoushan.yaml"
    file.write_text(SCENARIO, encoding="utf-8")
    shared_world.cli("scenario", "load", str(file))
    record = desk.admin.get("/facilities/FJ1").json()
    assert record["jurisdictions"] == [{"from": "2000-01-01", "jurisdiction": "330903"},
                                       {"from": "2023-01-01", "jurisdiction": "330902"}]
    before = (desk.counts(), desk.last_seq())
    shared_world.cli("scenario", "load", str(file))
    assert (desk.counts(), desk.last_seq()) == before


def test_the_cli_adds_and_lists_jurisdictions(shared_world, operator):
    added = shared_world.cli("jurisdictions", "add", "--code", "330922", "--name", "嵊泗县", "--parent", "330900")
    assert '"330922"' in added.stdout
    assert "嵊泗县" in shared_world.cli("jurisdictions", "list").stdout
    refused = shared_world.cli("jurisdictions", "add", "--code", "330922", "--name", "别名", check=False)
    assert refused.returncode == 1 and "409" in refused.stderr
