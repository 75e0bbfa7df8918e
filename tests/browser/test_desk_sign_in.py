"""Signing in at the officials' desks in a real browser: only a key of the desk's role opens it, the session lives in a
cookie no script can read, and signing out ends it. The sign-in page passes axe-core at laptop and phone width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAPTOP, PHONE, axe_violations, new_page, no_sideways_scroll, screenshot, sign_in

DESKS = {"enrollment": ("admin_key", "finance_key", "卫生健康委工作台"),
         "billing": ("finance_key", "admin_key", "财政局工作台")}


@pytest.mark.parametrize("service", DESKS)
def test_only_the_desks_own_role_signs_in_and_signing_out_ends_the_session(world, browser, service):
    own, other, title = DESKS[service]
    url = world[service].url
    for viewport, width in ((LAPTOP, "laptop"), (PHONE, "phone")):
        page = new_page(browser, viewport)
        assert page.goto(f"{url}/desk").status == 401  # no session: the sign-in form, not the desk
        assert page.locator("input[name=key]").count() == 1 and title in page.title()
        page.get_by_label("密钥").fill(getattr(world, other))
        page.locator("form:has(input[name=key]) [type=submit]").click()
        assert page.locator("[data-error]").is_visible(), "another desk's key was let in"
        assert no_sideways_scroll(page)
        assert not axe_violations(page), f"the sign-in page at {width} width"
        screenshot(page, f"desk-sign-in-{service}-{width}")
        page.close()

    page = sign_in(browser, url, getattr(world, own))
    cookies = [c for c in page.context.cookies() if c["name"].startswith("tuoyu_desk")]
    assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
    assert cookies[0]["path"] == "/desk" and "tuoyu_desk" not in page.evaluate("document.cookie")
    assert getattr(world, own) not in page.url and getattr(world, own) not in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    assert page.url.endswith("/desk/sign-in") and not page.context.cookies()
    again = page.goto(f"{url}/desk")
    assert again.status == 401 and page.locator("input[name=key]").count() == 1
    page.close()
