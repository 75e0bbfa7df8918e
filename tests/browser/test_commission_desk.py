"""The health commission's desk in a real browser (Debian's Chromium through Playwright): a Putuo official signs in,
sees Putuo's facilities and not Dinghai's, confirms a class from the page and finds its construction grant in the
next month's payout; a form posted without its CSRF token is refused. Every page passes axe-core (no serious or
critical violation) and reads at a laptop's and a phone's width without sideways scrolling (screenshots:
tests/browser/screenshots/commission-*.png)."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import LAPTOP, PHONE, axe_violations, no_sideways_scroll, screenshot, sign_in
from tests.scenarios import path

PUTUO = "330903"
PAGES = {"facilities": "/desk", "classes": "/desk/classes", "duplicates": "/desk/duplicates"}


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("commission-desk.yaml"))


@pytest.fixture(scope="module")
def putuo_key(world) -> str:
    return json.loads(world.cli("keys", "issue", "--role", "commission", "--jurisdiction", PUTUO).stdout)["api_key"]


def payout(world, month: str, facility: str) -> dict:
    report = json.loads(world.cli("report", "--month", month, "--format", "json").stdout)
    [found] = [p for p in report["payouts"] if p["facility"] == facility]
    return found


def test_a_putuo_official_sees_putuos_facilities_and_not_dinghais(world, browser, putuo_key):
    page = sign_in(browser, world["enrollment"].url, putuo_key)
    assert page.locator("[data-official]").inner_text() == f"卫生健康委 · {PUTUO}"
    rows = page.locator("tr[data-facility]")
    assert {rows.nth(i).get_attribute("data-facility") for i in range(rows.count())} == {"PA", "PB"}
    assert page.locator('tr[data-facility="PA"]').get_attribute("data-status") == "filed"
    assert page.locator('tr[data-facility="PB"]').get_attribute("data-status") == "rectification"
    assert page.locator('tr[data-facility="PA"] [data-waiting]').get_attribute("data-waiting") == "2"
    assert "整改中" in page.locator('tr[data-facility="PB"]').inner_text()
    assert page.locator(f'section[data-jurisdiction="{PUTUO}"]').get_attribute("data-ruleset") == "zhoushan-putuo-2022"
    assert "定海" not in page.inner_text("main")
    page.goto(f"{world['enrollment'].url}/desk/classes")
    assert page.locator('tr[data-class="DA/C1"]').count() == 0 and page.locator('tr[data-class="PA/C1"]').count() == 1
    page.goto(f"{world['enrollment'].url}/desk/duplicates")
    group = page.locator("section[data-group]")
    assert group.count() == 1 and {"PA", "PB"} == {group.locator("tr[data-facility]").nth(i).get_attribute(
        "data-facility") for i in range(2)}
    page.close()


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(world, browser, putuo_key):
    page = sign_in(browser, world["enrollment"].url, putuo_key)
    page.goto(f"{world['enrollment'].url}/desk/classes")
    form = page.locator('tr[data-class="PA/C1"] form')
    form.locator('input[name="csrf"]').evaluate("input => input.remove()")
    with page.expect_navigation():
        form.get_by_role("button", name="确认").click()
    assert page.locator("h1").inner_text() == "表单已失效" and "CSRF" in page.inner_text("main")
    page.goto(f"{world['enrollment'].url}/desk/classes")
    assert page.locator('tr[data-class="PA/C1"]').count() == 1, "still waiting"
    page.close()


def test_the_official_confirms_a_class_and_the_next_month_pays_its_grant(world, browser, putuo_key):
    assert payout(world, "2022-09", "PA")["construction_grants"] == "0.00", "unconfirmed: no grant in September"
    page = sign_in(browser, world["enrollment"].url, putuo_key)
    page.get_by_role("link", name="待确认班级", exact=True).click()
    row = page.locator('tr[data-class="PA/C1"]')
    row.get_by_label("确认日期").fill("2022-10-01")
    with page.expect_navigation():
        row.get_by_role("button", name="确认").click()
    assert page.locator("[data-confirmed]").get_attribute("data-confirmed") == "PA/C1"
    assert "确认日期 2022-10-01" in page.locator("[data-confirmed]").inner_text()
    assert page.locator('tr[data-class="PA/C1"]').count() == 0
    page.close()

    world.cli("bill", "--month", "2022-10")
    october = payout(world, "2022-10", "PA")
    assert october["construction_grants"] == "20000.00", "Putuo's 20,000.00 a class, once confirmed"
    [grant] = [line for line in october["lines"] if line["kind"] == "construction_grant"]
    assert grant["amount"] == "20000.00"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_passes_axe_and_reads_without_sideways_scrolling(world, browser, putuo_key, viewport):
    page = sign_in(browser, world["enrollment"].url, putuo_key, viewport)
    size = "laptop" if viewport == LAPTOP else "phone"
    for name, route in PAGES.items():
        response = page.goto(f"{world['enrollment'].url}{route}")
        assert response.status == 200, route
        assert page.locator("main table").count() > 0, f"{route}: a page with its table is what is checked"
        assert not axe_violations(page), route
        assert no_sideways_scroll(page), f"{route} scrolls sideways at {viewport['width']} px"
        screenshot(page, f"commission-{name}-{size}")
    page.close()
