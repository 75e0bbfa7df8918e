"""Lists (paginated, filtered by month, status and class) and the public disclosure (信息公示) without a key, per
jurisdiction with the rule set in force in each."""

from __future__ import annotations

import pytest

from subsidy.rules.catalog import shipped_text
from tests.integration.enrollment.conftest import (
    CITY, DINGHAI, PUTUO, assert_problem, fresh_national_id, walk,
)


@pytest.fixture(scope="module")
def roster(desk):
    """A facility with two classes and enrollments that start, end and change class across autumn 2022."""
    f = desk.facility(classes=(("C1", "2022-09-01", 20), ("C2", "2022-10-01", 20)), name="公示测试园")
    kids = {}
    for name, born in (("a", "2020-05-01"), ("b", "2021-03-10"), ("c", "2021-06-01"), ("d", "2022-01-15")):
        kids[name] = desk.child(f, birth_date=born, national_id=fresh_national_id(born))
    e = {
        "a": desk.enroll(f, kids["a"][1], start="2022-09-01", fee="2000.00"),                    # open
        "b": desk.enroll(f, kids["b"][1], start="2022-09-01", end="2022-09-15", fee="1800.00"),  # left in Sept
        "c": desk.enroll(f, kids["c"][1], klass="C2", start="2022-10-01", fee="2200.00"),        # from Oct
        "d": desk.enroll(f, kids["d"][1], klass="C2", start="2022-10-16", end="2022-11-30",
                         fee="2200.00"),
    }
    return f, kids, e


def test_enrollments_are_listed_by_month_status_and_class_a_page_at_a_time(roster):
    f, _, e = roster
    everything = walk(f, "/enrollments", limit=1)
    assert [x["external_id"] for x in everything] == list(e.values())
    september = {x["external_id"]: x["status"] for x in walk(f, "/enrollments", month="2022-09", limit=2)}
    assert september == {e["a"]: "active", e["b"]: "ended"}
    active_in_september = walk(f, "/enrollments", month="2022-09", status="active")
    assert [x["external_id"] for x in active_in_september] == [e["a"]]
    assert [x["external_id"] for x in walk(f, "/enrollments", month="2022-10", **{"class": "C2"})] == [e["c"], e["d"]]
    assert [x["external_id"] for x in walk(f, "/enrollments", status="upcoming", as_of="2022-10-10")] == [e["d"]]
    assert [x["external_id"] for x in walk(f, "/enrollments", status="ended")] == [e["b"], e["d"]]
    assert_problem(f.get("/enrollments", params={"status": "sleeping"}), 422, "status")
    assert_problem(f.get("/enrollments", params={"limit": 0}), 422, "limit")


def test_children_and_classes_are_listed_with_their_filters(roster):
    f, kids, _ = roster
    in_c2 = walk(f, "/children", **{"class": "C2"})
    assert [c["external_id"] for c in in_c2] == [kids["c"][1], kids["d"][1]]
    assert [c["external_id"] for c in walk(f, "/children", month="2022-09", limit=1)] == [kids["a"][1], kids["b"][1]]
    assert [c["external_id"] for c in walk(f, "/children", family=kids["a"][0])] == [kids["a"][1]]
    assert all("national_id" not in key for c in in_c2 for key in c if key != "national_id_on_file")
    classes = {c["external_id"]: c for c in walk(f, "/classes", as_of="2022-10-20")}
    assert (classes["C1"]["enrolled"], classes["C2"]["enrolled"]) == (1, 2)
    assert [c["external_id"] for c in walk(f, "/classes", status="planned", as_of="2022-09-15")] == ["C2"]
    assert [c["external_id"] for c in walk(f, "/classes", month="2022-09")] == ["C1"]
    assert [x["external_id"] for x in walk(f, "/families")] == [kids[k][0] for k in "abcd"]


def test_the_public_sees_filed_facilities_with_capacity_places_fees_and_reviews_and_nothing_of_any_child(desk, roster):
    f, kids, _ = roster
    desk.admin.post(f"/facilities/{f.external_id}/reviews", json={"date": "2022-06-30", "result": "pass"})
    unfiled = desk.facility(filed=False)
    response = desk.anon.get("/public/facilities", params={"on": "2022-10-20"})
    assert response.status_code == 200
    listed = {x["external_id"]: x for x in response.json()["facilities"]}
    assert unfiled.external_id not in listed
    mine = listed[f.external_id]
    assert mine == {
        "external_id": f.external_id, "name": "公示测试园", "kind": "childcare_institution",
        "ownership": "private_nonprofit", "inclusive": True, "filed_on": "2022-03-01", "revoked_on": None,
        "status": "filed", "capacity": 40, "places_taken": 3, "subsidy_rate": "0.12",
        "fee_standards": [{"care": "full_day", "monthly_fee": "2000.00"}, {"care": "full_day", "monthly_fee": "2200.00"}],
        "reviews": [{"date": "2022-06-30", "result": "pass"}]}

    page = desk.anon.get("/public/facilities.html", params={"on": "2022-10-20"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "托育机构信息公示" in html and "公示测试园" in html
    assert "已备案" in html and "2022-06-30 合格" in html and "全日托 2000.00" in html
    for text in (response.text, html):
        for family, child in kids.values():
            assert family not in text and child not in text
        assert "6222020200112233445" not in text  # the bank account is not public either
        assert "birth" not in text and "national" not in text


@pytest.fixture(scope="module")
def districts(shared_world, desk, operator):
    """A facility in Putuo (moved to Dinghai from 2023), one in Dinghai, one in none; Putuo's rule set loaded through
    the subsidy API (valid from 2022-01-01), none covering Dinghai."""
    api = shared_world.api()
    api.call(api.subsidy, "POST", "/rulesets", content=shipped_text("zhoushan-putuo-2022").encode(),
             headers={"Content-Type": "application/yaml"})
    putuo = desk.facility(jurisdiction=PUTUO, name="沈家门公示园")
    moved = desk.admin.put(f"/facilities/{putuo.external_id}/jurisdiction",
                           json={"jurisdiction": DINGHAI, "from": "2023-01-01"})
    assert moved.status_code == 200, moved.text
    dinghai = desk.facility(jurisdiction=DINGHAI, name="定海公示园")
    nowhere = desk.facility(name="无辖区公示园")
    return putuo.external_id, dinghai.external_id, nowhere.external_id


def _disclosed(desk, **params) -> dict:
    response = desk.anon.get("/public/facilities", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _jurisdiction_of(body: dict, facility: str) -> dict:
    """The listed jurisdiction the facility is in, without its list of facilities."""
    [found] = [j for j in body["jurisdictions"] if facility in j["facilities"]]
    return {k: v for k, v in found.items() if k != "facilities"}


PUTUO_RULES = {"id": "zhoushan-putuo-2022", "version": "1", "fund": "普陀区婴幼儿照护服务补助资金"}


def test_the_public_sees_each_facility_in_its_jurisdiction_on_the_day_with_the_rule_set_in_force_there(desk,
                                                                                                       districts):
    putuo, dinghai, nowhere = districts
    body = _disclosed(desk, on="2022-10-20")
    assert body["as_of"] == "2022-10-20" and body["jurisdiction"] is None
    assert _jurisdiction_of(body, putuo) == {"code": PUTUO, "name": "普陀区", "ruleset": PUTUO_RULES,
                                             "unsubsidised": None}
    assert _jurisdiction_of(body, dinghai) == {
        "code": DINGHAI, "name": "定海区", "ruleset": None,
        "unsubsidised": "no rule set is in force in 330902 定海区 on 2022-10-20"}
    assert _jurisdiction_of(body, nowhere) == {"code": None, "name": None, "ruleset": PUTUO_RULES,
                                               "unsubsidised": None}  # the single-district rule
    codes = [j["code"] for j in body["jurisdictions"]]
    assert codes == sorted(c for c in codes if c) + [None]  # by code, those in none last, each once
    listed = [f["external_id"] for f in body["facilities"]]
    assert listed == [f for j in body["jurisdictions"] for f in j["facilities"]]

    assert _jurisdiction_of(_disclosed(desk, on="2023-02-01"), putuo)["code"] == DINGHAI  # moved from 2023-01-01
    before_any_scheme = _jurisdiction_of(_disclosed(desk, on="2021-12-01"), putuo)
    assert before_any_scheme["ruleset"] is None
    assert before_any_scheme["unsubsidised"] == "no rule set is in force in 330903 普陀区 on 2021-12-01"


def test_a_jurisdiction_lists_its_own_facilities_and_a_city_its_districts(desk, districts):
    putuo, dinghai, nowhere = districts
    city = _disclosed(desk, on="2022-10-20", jurisdiction=CITY)
    assert city["jurisdiction"] == CITY
    assert [j["code"] for j in city["jurisdictions"]] == [DINGHAI, PUTUO]
    assert {putuo, dinghai} <= {f["external_id"] for f in city["facilities"]}
    assert nowhere not in {f["external_id"] for f in city["facilities"]}
    district = _disclosed(desk, on="2022-10-20", jurisdiction=PUTUO)
    assert [j["code"] for j in district["jurisdictions"]] == [PUTUO]
    assert _jurisdiction_of(district, putuo)["ruleset"] == PUTUO_RULES
    assert dinghai not in {f["external_id"] for f in district["facilities"]}
    assert_problem(desk.anon.get("/public/facilities", params={"jurisdiction": "330999"}), 422, "jurisdiction")
    assert_problem(desk.anon.get("/public/facilities.html", params={"jurisdiction": "33"}), 422, "jurisdiction")


def test_the_page_heads_each_jurisdiction_with_the_rule_set_in_force_there_in_chinese(desk, districts):
    page = desk.anon.get("/public/facilities.html", params={"on": "2022-10-20", "jurisdiction": CITY})
    assert page.status_code == 200, page.text
    html = page.text
    putuo_heading = "普陀区（330903）· 适用政策：zhoushan-putuo-2022 第1版 · 补助资金：普陀区婴幼儿照护服务补助资金"
    dinghai_heading = "定海区（330902）· 未有适用的补助政策"
    assert putuo_heading in html and dinghai_heading in html
    assert html.index(dinghai_heading) < html.index("定海公示园") < html.index(putuo_heading) < html.index("沈家门公示园")
    assert "无辖区公示园" not in html and "未划定辖区" not in html
    whole = desk.anon.get("/public/facilities.html", params={"on": "2022-10-20"}).text
    assert "未划定辖区 · 适用政策：zhoushan-putuo-2022 第1版" in whole and "无辖区公示园" in whole
