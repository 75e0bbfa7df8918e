"""Planning figures on the stack: the health commission enters a district's residents (an event through the outbox,
the same again changes nothing, another figure for the date corrects it), and reads places per 1,000 residents, the
inclusive share and utilisation per district and for the city as their sum, as JSON and CSV, within its key's
scope; its desk shows the same figures as charts and a table, and its form enters residents as the API does (not
without the CSRF token, not outside the key's scope, not a figure out of bounds)."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from tests.integration.enrollment.conftest import assert_problem, bearer
from tests.integration.enrollment.test_commission_desk import Official

# A city of this module's own, so that no other test's facilities are counted in it.
CITY, EAST, WEST = "339900", "339901", "339902"
ON = {"on": "2023-01-01"}


class Planned:
    """Two facilities in the east district (one inclusive), one in the west; children enrolled in both districts;
    the keys of the east district's commission and of the city's."""

    def __init__(self, desk, operator):
        for code, name, parent in ((CITY, "规划市", None), (EAST, "东区", CITY), (WEST, "西区", CITY)):
            added = operator.post("/jurisdictions", json={"code": code, "name": name, "parent": parent})
            assert added.status_code in (200, 201), added.text
        east_inclusive = desk.facility(jurisdiction=EAST, classes=(("C1", "2022-09-01", 30),))
        desk.facility(jurisdiction=EAST, inclusive=False, classes=(("C1", "2022-09-01", 20),))
        west = desk.facility(jurisdiction=WEST, inclusive=False, classes=(("C1", "2022-09-01", 25),))
        for f, children in ((east_inclusive, 3), (west, 5)):
            for _ in range(children):
                desk.enroll(f, desk.child(f)[1])
        self.east_key, self.city_key = self.issue(operator, EAST), self.issue(operator, CITY)
        self.east, self.city = desk.as_key(self.east_key), desk.as_key(self.city_key)

    @staticmethod
    def issue(operator: httpx.Client, code: str) -> str:
        issued = operator.post("/official-keys", json={"role": "commission", "jurisdiction": code})
        assert issued.status_code == 201, issued.text
        return issued.json()["api_key"]


@pytest.fixture(scope="module")
def planned(desk, operator) -> Planned:
    return Planned(desk, operator)


def _rows(answer: httpx.Response) -> dict[str, dict]:
    assert answer.status_code == 200, answer.text
    return {row["code"]: row for row in answer.json()["jurisdictions"]}


def test_the_commission_enters_residents_once_and_a_correction_replaces_that_days_figure(desk, planned):
    since = desk.last_seq()
    entered = planned.east.post(f"/jurisdictions/{EAST}/populations", json={"as_of": "2022-12-31",
                                                                           "residents": 9000})
    assert entered.status_code == 201, entered.text
    assert entered.json() == {"code": EAST, "as_of": "2022-12-31", "residents": 9000, "recorded_by": EAST}
    [event] = desk.events("PopulationRecorded", since=since)
    assert (event["key"], event["payload"]["population"]) == (EAST, entered.json())
    again = planned.east.post(f"/jurisdictions/{EAST}/populations", json={"as_of": "2022-12-31", "residents": 9000})
    assert (again.status_code, again.json()) == (200, entered.json()) and desk.events(since=since) == [event]
    corrected = desk.admin.post(f"/jurisdictions/{EAST}/populations", json={"as_of": "2022-12-31",
                                                                          "residents": 10000})
    assert corrected.status_code == 200 and corrected.json()["recorded_by"] == "platform"
    assert [e["payload"]["population"]["residents"] for e in desk.events("PopulationRecorded", since=since)] == [
        9000, 10000]
    desk.admin.post(f"/jurisdictions/{EAST}/populations", json={"as_of": "2020-11-01", "residents": 8000})
    listed = planned.city.get(f"/jurisdictions/{EAST}/populations").json()
    assert [(p["as_of"], p["residents"]) for p in listed] == [("2022-12-31", 10000), ("2020-11-01", 8000)]


def test_outside_its_scope_a_commission_key_finds_no_jurisdiction_and_nothing_is_written(desk, planned):
    facility = desk.facility()
    before = (_populations(desk), desk.last_seq())
    body = {"as_of": "2022-12-31", "residents": 5000}
    assert_problem(planned.east.post(f"/jurisdictions/{WEST}/populations", json=body), 404)
    assert_problem(planned.east.get(f"/jurisdictions/{WEST}/populations"), 404)
    assert_problem(desk.admin.post("/jurisdictions/339998/populations", json=body), 404)
    assert_problem(facility.client.post(f"/jurisdictions/{EAST}/populations", json=body), 404)
    assert_problem(facility.client.get("/planning"), 404)
    assert_problem(planned.east.get("/planning", params={"jurisdiction": CITY}), 422, "jurisdiction")
    assert (_populations(desk), desk.last_seq()) == before


def _populations(desk) -> int:
    return desk.world.query("enrollment", "SELECT count(*) FROM populations")[0][0]


def test_a_citys_residents_are_not_entered_and_a_figure_out_of_bounds_is_refused_by_field(planned):
    assert_problem(planned.city.post(f"/jurisdictions/{CITY}/populations",
                                     json={"as_of": "2022-12-31", "residents": 20000}), 422, "code")
    for body, field in (({"as_of": "2022-12-31", "residents": 0}, "residents"),
                        ({"as_of": "2022-12-31", "residents": 10**9}, "residents"),
                        ({"as_of": "1999-12-31", "residents": 10}, "as_of"),
                        ({"as_of": "2099-01-01", "residents": 10}, "as_of")):
        assert_problem(planned.city.post(f"/jurisdictions/{WEST}/populations", json=body), 422, field)


def test_the_figures_are_per_district_and_the_city_is_their_sum(planned):
    planned.city.post(f"/jurisdictions/{EAST}/populations", json={"as_of": "2022-12-31", "residents": 10000})
    west_missing = _rows(planned.city.get("/planning", params=ON))
    assert west_missing[CITY]["population_missing"] == [WEST] and west_missing[CITY]["places_per_1000"] is None
    assert (west_missing[EAST]["places"], west_missing[EAST]["inclusive_places"]) == (50, 30)
    assert (west_missing[EAST]["places_per_1000"], west_missing[EAST]["inclusive_share"]) == ("5.00", "60.00")
    assert west_missing[EAST]["utilisation"] == "6.00"  # 3 of 50
    planned.city.post(f"/jurisdictions/{WEST}/populations", json={"as_of": "2022-06-30", "residents": 5000})
    rows = _rows(planned.city.get("/planning", params=ON))
    assert set(rows) == {CITY, EAST, WEST}
    city = rows[CITY]
    assert (city["places"], city["inclusive_places"], city["enrolled"], city["residents"]) == (75, 30, 8, 15000)
    assert (city["places_per_1000"], city["inclusive_share"], city["utilisation"]) == ("5.00", "40.00", "10.67")
    assert city["meets"] == {"national_2025": True, "old_areas": False, "new_areas": False, "inclusive_2025": False}
    assert _rows(planned.east.get("/planning", params=ON)).keys() == {EAST}
    assert _rows(planned.city.get("/planning", params={**ON, "jurisdiction": WEST})).keys() == {WEST}


def test_the_csv_carries_the_same_figures_as_the_json(planned):
    figures = _rows(planned.city.get("/planning", params=ON))
    answer = planned.city.get("/planning.csv", params=ON)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header, rows = lines[0], {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}
    assert "每千人口托位数" in header and rows.keys() == figures.keys()
    for code, row in figures.items():
        assert rows[code]["每千人口托位数"] == (row["places_per_1000"] or "")
        assert rows[code]["托位数"] == str(row["places"])


def test_the_cli_enters_a_districts_residents(shared_world, planned):
    entered = shared_world.cli("jurisdictions", "population", "--code", WEST, "--on", "2021-12-31",
                               "--residents", "4800")
    assert '"residents": 4800' in entered.stdout
    refused = shared_world.cli("jurisdictions", "population", "--code", CITY, "--on", "2021-12-31",
                               "--residents", "4800", check=False)
    assert refused.returncode == 1 and "422" in refused.stderr


def test_a_key_that_is_not_the_commissions_sees_no_planning(shared_world, desk, planned):
    finance = httpx.Client(base_url=desk.url, headers=bearer(shared_world.finance_key), timeout=60)
    assert_problem(finance.get("/planning"), 404)
    assert_problem(desk.anon.get("/planning.csv"), 401)


# --- the desk ------------------------------------------------------------------------------------------------------

def _cells(html: str) -> dict[tuple[str, str], str]:
    """The table's figures by (code, figure), as its data-* hooks carry them."""
    found = {}
    for code, row in re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', html, re.S):
        for figure, value in re.findall(r'data-figure="(\w+)" data-value="([^"]*)"', row):
            found[(code, figure)] = value
    return found


def test_the_desk_shows_the_apis_figures_in_its_table_and_charts_and_serves_the_same_csv_and_json(desk, planned):
    official = Official(desk.url, planned.city_key)
    api = planned.city.get("/planning", params=ON).json()
    page = official.get("/desk/planning", params=ON)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    cells = _cells(page.text)
    for row in api["jurisdictions"]:
        for figure in ("places", "enrolled", "places_per_1000", "inclusive_share", "utilisation"):
            assert cells[(row["code"], figure)] == ("" if row[figure] is None else str(row[figure]))
    bars = re.findall(r'<rect [^>]*data-category="[^"]*（(\d+)）" data-series="每千人口托位数" data-value="([^"]*)"',
                      page.text)
    assert {code: value for code, value in bars} == {r["code"]: r["places_per_1000"] or "—"
                                                     for r in api["jurisdictions"]}
    assert 'data-reference="全国2025年目标" data-value="4.50"' in page.text
    assert official.get("/desk/planning.json", params=ON).json() == api
    assert official.get("/desk/planning.csv", params=ON).content == planned.city.get("/planning.csv",
                                                                                       params=ON).content


def test_the_desk_form_enters_residents_as_the_api_does_and_answers_303_to_the_page(desk, planned):
    official = Official(desk.url, planned.east_key)
    since = desk.last_seq()
    answer = official.post(f"/desk/jurisdictions/{EAST}/populations", {"as_of": "2019-12-31", "residents": "7000"})
    assert (answer.status_code, answer.headers["location"]) == (303, f"/desk/planning?entered={EAST}")
    [event] = desk.events("PopulationRecorded", since=since)
    assert event["payload"]["population"] == {"code": EAST, "as_of": "2019-12-31", "residents": 7000,
                                              "recorded_by": EAST}
    assert f'data-entered="{EAST}"' in official.get(answer.headers["location"]).text


def test_a_desk_form_without_csrf_outside_the_scope_or_out_of_bounds_writes_nothing(desk, planned):
    official = Official(desk.url, planned.east_key)
    before = (_populations(desk), desk.last_seq())
    good = {"as_of": "2019-06-30", "residents": "7000"}
    forged = official.post(f"/desk/jurisdictions/{EAST}/populations", good, csrf=False)
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert forged.headers["content-type"].startswith("text/html")
    outside = official.post(f"/desk/jurisdictions/{WEST}/populations", good)
    assert outside.status_code == 404 and outside.headers["content-type"].startswith("text/html")
    for bad, field in (({**good, "residents": "0"}, "residents"), ({**good, "residents": "很多"}, "residents"),
                       ({**good, "as_of": ""}, "as_of")):
        refused = official.post(f"/desk/jurisdictions/{EAST}/populations", bad)
        assert refused.status_code == 422 and f'data-field="{field}"' in refused.text, refused.text
    assert (_populations(desk), desk.last_seq()) == before
    assert official.get("/desk/planning", params={"jurisdiction": WEST}).status_code == 422


def test_the_planning_pages_need_a_session(desk):
    anonymous = httpx.Client(base_url=desk.url, timeout=60)
    for path in ("/desk/planning", "/desk/planning.csv", "/desk/planning.json"):
        answer = anonymous.get(path)
        assert answer.status_code == 401 and 'name="key"' in answer.text
