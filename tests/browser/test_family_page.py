"""The family page in a real browser: Debian's headless Chromium driven by Playwright, at a phone's size
(tests/browser/conftest.py launches it), checked by axe-core too."""

from __future__ import annotations

import json

from tests.browser.conftest import PHONE, axe_violations, new_page, no_sideways_scroll, screenshot
from tests.scenarios import path


def _token(world, family: str) -> dict:
    return json.loads(world.cli("family-token", "issue", "--facility", "F1", "--family", family).stdout)


def test_a_family_sees_its_bills_on_a_phone_and_another_familys_token_cannot(world, browser):
    world.cli("scenario", "load", str(path("late-changes.yaml")))
    mine, theirs = _token(world, "FAM1"), _token(world, "FAM2")
    page = new_page(browser, PHONE)

    response = page.goto(mine["url"])
    assert response.status == 200 and page.title() == "沈家门街道托育园 · 托育账单"
    assert page.locator("[data-total-due]").inner_text() == "¥4,700.00"
    september = page.locator('section[data-month="2022-09"]')
    assert september.locator("[data-month-due]").inner_text() == "应付 ¥2,700.00"
    assert page.locator('section[data-month="2022-10"] [data-month-due]').inner_text() == "应付 ¥2,000.00"
    second_child = september.locator('.doc[data-child="K2"]').first
    assert "二孩减免30%" in second_child.inner_text() and "-600.00" in second_child.inner_text()
    assert "二孩入托减免30%费用" in second_child.inner_text()  # the rule, in the rule set's own words
    credit = september.locator(".doc.credit")
    assert credit.count() == 1 and credit.locator("[data-due]").inner_text() == "-700.00"
    credit_number = credit.get_attribute("data-number")
    assert "更正账单 INV-2022-" in credit.inner_text()
    assert page.locator(".doc[data-child='K3']").count() == 0
    assert no_sideways_scroll(page)
    screenshot(page, "family-FAM1")
    assert not axe_violations(page), "axe-core finds serious or critical accessibility violations"

    page.goto(theirs["url"])
    assert page.locator("[data-total-due]").inner_text() == "¥4,800.00"  # K3: 2000 + 400 (corrected) + 2400
    assert page.locator(".doc[data-child='K1'], .doc[data-child='K2']").count() == 0
    assert credit_number not in page.content() and "二孩" not in page.content()
    leaked = page.request.get(f"{world['billing'].url}/family/documents",
                              headers={"Authorization": f"Bearer {theirs['token']}"}).json()
    assert {d["child"] for m in leaked["months"] for d in m["documents"]} == {"K3"}

    world.cli("family-token", "revoke", str(mine["id"]))
    revoked = page.goto(mine["url"])
    assert revoked.status == 401 and "此链接无效或已被撤销" in page.inner_text("body")
    assert not axe_violations(page), "axe-core finds serious or critical accessibility violations"
    page.close()
