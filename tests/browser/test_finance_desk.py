"""The finance desk in a real browser: a district's finance official signs in, fails to approve through a form stripped
of its CSRF token, approves September's batch and sees it approved, has a bank confirmation with one bad line refused
whole with that line named; the city's official's desk pages at laptop and phone width, with axe-core's check.

The world is issue 13's three districts billed for September, every facility with a bank account
(`tests.integration.billing.conftest.three_districts_paid`).
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.browser.conftest import LAPTOP, PHONE, axe_violations, new_page, no_sideways_scroll, screenshot, sign_in
from tests.integration.billing.conftest import SEP, billing_get, three_districts_paid

PUTUO, CITY = "330903", "330900"


@pytest.fixture(scope="module")
def world(world_of, tmp_path_factory):
    return world_of(three_districts_paid(tmp_path_factory.mktemp("finance-desk")))


def _key(world, jurisdiction: str) -> str:
    return json.loads(world.cli("keys", "issue", "--role", "finance", "--jurisdiction", jurisdiction).stdout)["api_key"]


def _status(world, facility: str) -> tuple[str, str | None]:
    (payout,) = [p for p in billing_get(world, "/payouts", month=SEP) if p["facility"] == facility]
    return payout["status"], payout["approved_by"]


def test_a_finance_official_approves_the_months_batch_and_a_form_without_its_token_approves_nothing(world, browser):
    billing = world.url("billing")
    page = sign_in(browser, billing, _key(world, PUTUO))
    page.goto(f"{billing}/desk/payouts?month={SEP}")
    assert page.locator("tr[data-payout]").count() == 1, "a Putuo official sees Putuo's payout only"
    row = page.locator('tr[data-facility="PA"]')
    assert row.get_attribute("data-status") == "issued" and row.get_attribute("data-amount") == "2030000"

    page.get_by_label("批准人姓名").fill("王会计")
    page.evaluate("document.querySelector('[data-approve-form] input[name=csrf]').remove()")
    with page.expect_navigation():
        page.get_by_role("button", name="批准本月全部待批准拨付").click()
    assert "表单已失效" in page.inner_text("h1")
    assert _status(world, "PA") == ("issued", None), "a form without its CSRF token changes nothing"

    page.goto(f"{billing}/desk/payouts?month={SEP}")
    page.get_by_label("批准人姓名").fill("王会计")
    with page.expect_navigation():
        page.get_by_role("button", name="批准本月全部待批准拨付").click()
    assert page.locator("[data-notice]").inner_text() == "已批准 1 笔拨付"
    row = page.locator('tr[data-facility="PA"]')
    assert row.get_attribute("data-status") == "approved" and "已批准" in row.inner_text()
    assert row.locator("[data-approved-by]").inner_text() == "finance (王会计)"
    assert _status(world, "PA") == ("approved", "finance (王会计)")
    assert _status(world, "MV") == ("issued", None), "Dinghai's payouts are not the Putuo official's to approve"
    page.close()


def test_a_bank_confirmation_with_one_bad_line_is_refused_whole_with_that_line_named(world, browser):
    billing = world.url("billing")
    page = sign_in(browser, billing, _key(world, PUTUO))
    page.goto(f"{billing}/desk/payouts?month={SEP}")
    with page.expect_download() as download:
        page.locator("[data-bank-file]").click()
    bank_file = open(download.value.path(), encoding="utf-8").read()
    api = httpx.get(f"{billing}/bank-files/{SEP}", headers={"Authorization": f"Bearer {world.finance_key}"}).text
    assert bank_file.splitlines()[1:] == [line for line in api.splitlines()[1:] if line.startswith("PA,")]
    reference = bank_file.splitlines()[1].split(",")[-1]

    bad = ("reference,amount,paid_on,status\n"
           f"{reference},20300.00,2022-10-08,paid\n"
           "PAY-2022-999999,100.00,2022-10-08,paid\n")
    page.set_input_files("#file", files=[{"name": "confirmation.csv", "mimeType": "text/csv",
                                          "buffer": bad.encode()}])
    with page.expect_navigation():
        page.get_by_role("button", name="导入回单").click()
    assert page.inner_text("h1") == "输入有误"
    named = page.locator("[data-problem] li[data-field]")
    assert named.count() == 1 and named.get_attribute("data-field") == "line 3"
    assert "unknown reference 'PAY-2022-999999'" in named.inner_text()
    assert _status(world, "PA")[0] == "approved", "refused whole: the good line paid nothing either"
    assert not axe_violations(page), "axe-core finds serious or critical violations on the refusal page"
    page.close()


@pytest.mark.parametrize("size, viewport", [("laptop", LAPTOP), ("phone", PHONE)])
def test_the_city_officials_desk_pages_read_at_laptop_and_phone_width_and_pass_axe_core(world, browser, size,
                                                                                        viewport):
    billing = world.url("billing")
    page = sign_in(browser, billing, _key(world, CITY), viewport)
    pages = {"finance-desk": "/desk", "finance-desk-budgets": "/desk/budgets",
             "finance-desk-payouts": f"/desk/payouts?month={SEP}",
             "finance-desk-reconcile": f"/desk/reconcile?month={SEP}",
             "finance-desk-bank-accounts": "/desk/bank-accounts"}
    for name, route in pages.items():
        assert page.goto(f"{billing}{route}").status == 200
        if viewport == PHONE:
            assert no_sideways_scroll(page), f"{route} scrolls sideways on a phone"
        if name in ("finance-desk", "finance-desk-budgets", "finance-desk-payouts"):
            screenshot(page, f"{name}-{size}")
        assert not axe_violations(page), f"axe-core finds serious or critical violations on {route}"

    page.goto(f"{billing}/desk/budgets")
    fund = page.locator('section[data-fund="zhoushan-city-fund"]')
    charted = fund.locator('circle[data-series="累计支出"]')
    tabled = fund.locator("table[data-months] tbody tr")
    assert charted.count() == tabled.count() == 12
    for i in range(12):
        assert charted.nth(i).get_attribute("data-value") == tabled.nth(i).locator("td").nth(1).inner_text(), \
            "the chart's cumulative figure is the table's"
    assert charted.nth(8).get_attribute("data-value") == "11,560.00"  # September: DA 160.00 + MV 11,400.00
    page.close()


def test_a_page_of_the_desk_without_a_session_is_the_sign_in_form(world, browser):
    page = new_page(browser, PHONE)
    answer = page.goto(f"{world.url('billing')}/desk/payouts")
    assert answer.status == 401 and page.get_by_label("密钥").is_visible()
    page.close()
