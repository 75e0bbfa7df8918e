"""The commission desk's planning page in a real browser: a Putuo official (a commission key scoped to 330903, issued
with the CLI) signs in, enters Putuo's residents, and reads the same figures off the chart, the table and
`GET /planning`; a form posted without its CSRF token changes nothing; axe-core finds nothing serious, at laptop and
phone width."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from tests.browser.conftest import LAPTOP, PHONE, axe_violations, no_sideways_scroll, screenshot, sign_in

PUTUO, DINGHAI = "330903", "330902"
FIGURES = {"每千人口托位数": "places_per_1000", "普惠托位占比": "inclusive_share",
           "托位使用率（在托人数 ÷ 托位数）": "utilisation"}


def _zhoushan(world) -> None:
    """The city, Putuo and Dinghai; a filed inclusive facility with 30 places in Putuo, and one with 20 in Dinghai."""
    url = world["enrollment"].url
    operator = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {world.operator_key}"}, timeout=60)
    for code, name, parent in (("330900", "舟山市", None), (PUTUO, "普陀区", "330900"), (DINGHAI, "定海区", "330900")):
        assert operator.post("/jurisdictions", json={"code": code, "name": name, "parent": parent}).status_code == 201
    admin = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {world.admin_key}"}, timeout=60)
    for external_id, code, name, capacity in (("P1", PUTUO, "沈家门托育园", 30), ("D1", DINGHAI, "定海托育园", 20)):
        for method, path, body in (
                ("POST", "/facilities", {"external_id": external_id, "name": name, "kind": "childcare_institution",
                                         "ownership": "public", "inclusive": True, "jurisdiction": code}),
                ("PUT", f"/facilities/{external_id}/certifications", {"fire_safety_certified_on": "2022-03-01"}),
                ("PUT", f"/facilities/{external_id}/filing", {"filed_on": "2022-03-01", "subsidy_rate": "0.10"}),
                ("POST", f"/facilities/{external_id}/classes", {"external_id": "C1", "opened_on": "2022-09-01",
                                                                "capacity": capacity})):
            answer = admin.request(method, path, json=body)
            assert answer.status_code in (200, 201), answer.text


def _chart(page, series: str) -> dict[str, str]:
    """The chart's bars of one series: jurisdiction code → the figure its data-value carries."""
    bars = page.locator(f'svg.chart rect[data-series="{series}"]')
    return {bars.nth(i).get_attribute("data-category").split("（")[-1].rstrip("）"):
            bars.nth(i).get_attribute("data-value") for i in range(bars.count())}


def _table(page, figure: str) -> dict[str, str]:
    cells = page.locator(f'tr[data-code] td[data-figure="{figure}"]')
    return {cells.nth(i).locator("xpath=..").get_attribute("data-code"): cells.nth(i).get_attribute("data-value")
            for i in range(cells.count())}


def _same(chart: str, table: str, api: str | None) -> bool:
    """One figure as the chart shows it ("1,234.50", "—" for none), the table's hook and the API's."""
    if api is None:
        return chart == "—" and table == ""
    return Decimal(chart.replace(",", "")) == Decimal(table) == Decimal(api)


def test_a_putuo_official_enters_residents_and_the_chart_the_table_and_the_api_agree(world, browser):
    _zhoushan(world)
    key = json.loads(world.cli("keys", "issue", "--role", "commission", "--jurisdiction", PUTUO).stdout)["api_key"]
    url = world["enrollment"].url
    page = sign_in(browser, url, key)
    page.goto(f"{url}/desk/planning")
    assert page.locator(f'tr[data-code="{DINGHAI}"], tr[data-population="{DINGHAI}"]').count() == 0
    assert page.locator(f'tr[data-code="{PUTUO}"] td[data-figure="places_per_1000"]').get_attribute("data-value") == ""

    form = page.locator(f'tr[data-population="{PUTUO}"] form')
    form.get_by_label("人口日期").fill("2022-01-01")
    form.get_by_label("常住人口").fill("4000")
    with page.expect_navigation():
        form.get_by_role("button", name="录入").click()
    assert page.locator(f'[data-entered="{PUTUO}"]').count() == 1

    api = page.request.get(f"{url}/planning", headers={"Authorization": f"Bearer {key}"}).json()
    assert [row["code"] for row in api["jurisdictions"]] == [PUTUO]
    assert api["jurisdictions"][0]["places_per_1000"] == "7.50"  # 30 places for 4,000 residents
    for series, figure in FIGURES.items():
        chart, table = _chart(page, series), _table(page, figure)
        assert chart.keys() == table.keys() == {PUTUO}
        assert all(_same(chart[row["code"]], table[row["code"]], row[figure]) for row in api["jurisdictions"])
    references = page.locator("svg.chart line[data-reference]")
    assert {references.nth(i).get_attribute("data-value") for i in range(references.count())} == {
        "4.50", "6.00", "9.00", "60.00"}
    screenshot(page, "commission-planning-laptop")
    assert not axe_violations(page), "axe-core finds serious or critical accessibility violations"

    page.set_viewport_size(PHONE)
    page.reload()
    assert no_sideways_scroll(page)
    screenshot(page, "commission-planning-phone")
    assert not axe_violations(page), "axe-core finds serious or critical accessibility violations"
    page.set_viewport_size(LAPTOP)

    form = page.locator(f'tr[data-population="{PUTUO}"] form')
    form.locator('input[name="csrf"]').evaluate("input => input.remove()")
    form.get_by_label("人口日期").fill("2022-01-01")
    form.get_by_label("常住人口").fill("9999")
    with page.expect_navigation():
        form.get_by_role("button", name="录入").click()
    assert "表单已失效" in page.inner_text("body")
    again = page.request.get(f"{url}/planning", headers={"Authorization": f"Bearer {key}"}).json()
    assert again["jurisdictions"][0]["residents"] == 4000
    page.close()
