"""The finance desk on the real stack: officials of a district and of the city sign in with their keys and see, approve,
export, confirm and reconcile only their jurisdictions' payouts, through the API's own functions; a form without its
CSRF token, another jurisdiction's facility and a revoked key are refused with a page, and change nothing.

The world is issue 13's three districts (tests/scenarios/three-districts.yaml), billed for September, each facility
with a bank account: Putuo's PA 20,300.00 issued; Dinghai's DA 160.00 and MV 11,400.00 issued; Daishan's SA 11,080.00
waiting for the city's fund (15,000.00).
"""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

from tests.integration.billing.conftest import ACCOUNTS, SEP, billing_get, proposed_account, three_districts_paid

PUTUO, DINGHAI, CITY = "330903", "330902", "330900"


class Desk:
    """A browser's worth of the finance desk over httpx: signed in with a key, the session cookie kept."""

    def __init__(self, world, key: str):
        self.key = key
        self.client = httpx.Client(base_url=world.url("billing"), timeout=60, follow_redirects=False)
        signed_in = self.client.post("/desk/sign-in", data={"key": key})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/desk", signed_in.text

    def get(self, route: str, **params) -> httpx.Response:
        return self.client.get(route, params=params or None)  # None: keep a query already in the route

    def csrf(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get("/desk").text).group(1)

    def post(self, route: str, data: dict | None = None, files: dict | None = None, csrf: bool = True
             ) -> httpx.Response:
        return self.client.post(route, data={**(data or {}), **({"csrf": self.csrf()} if csrf else {})}, files=files)


def _key(world, jurisdiction: str) -> dict:
    return json.loads(world.cli("keys", "issue", "--role", "finance", "--jurisdiction", jurisdiction).stdout)


def _statuses(world) -> dict[str, tuple[str, str | None]]:
    return {p["facility"]: (p["status"], p["approved_by"]) for p in billing_get(world, "/payouts", month=SEP)}


def _rows(page: httpx.Response, hook: str) -> dict[str, str]:
    """`data-<hook>` of each payout row on the page, by facility."""
    return dict(re.findall(rf'data-facility="([^"]+)" data-{hook}="([^"]*)"', page.text))


@pytest.fixture(scope="module")
def world(world_of, tmp_path_factory):
    return world_of(three_districts_paid(tmp_path_factory.mktemp("finance-desk")))


@pytest.fixture(scope="module")
def putuo(world) -> Desk:
    return Desk(world, _key(world, PUTUO)["api_key"])


@pytest.fixture(scope="module")
def city(world) -> Desk:
    return Desk(world, _key(world, CITY)["api_key"])


def test_a_district_official_sees_only_its_own_cycle_and_payouts(putuo, city):
    home = putuo.get("/desk")
    assert home.status_code == 200 and 'lang="zh-CN"' in home.text
    assert re.findall(r'<section class="card" data-jurisdiction="(\d+)"', home.text) == [PUTUO]
    assert 'data-status="issued" data-count="1" data-amount="2030000"' in home.text
    assert re.findall(r'data-facility="(\w+)" data-status', putuo.get("/desk/payouts").text) == ["PA"]

    whole_city = city.get("/desk", month=SEP)
    assert re.findall(r'<section class="card" data-jurisdiction="(\d+)"', whole_city.text) == [
        "330902", PUTUO, "330921"]
    assert 'data-status="awaiting_budget" data-count="1" data-amount="1108000"' in whole_city.text
    assert _rows(city.get("/desk/payouts", month=SEP), "status") == {
        "DA": "issued", "MV": "issued", "PA": "issued", "SA": "awaiting_budget"}


def test_a_form_posted_without_its_csrf_token_is_refused_and_approves_nothing(world, putuo):
    refused = putuo.post(f"/desk/payouts/{SEP}/approve", {"approver": "王会计"}, csrf=False)
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "表单已失效" in refused.text
    forged = putuo.client.post(f"/desk/payouts/{SEP}/approve", data={"approver": "王会计", "csrf": "forged"})
    assert forged.status_code == 403
    assert _statuses(world)["PA"] == ("issued", None)


def test_approving_from_the_desk_approves_the_officials_payouts_with_the_approver_recorded(world, putuo):
    approved = putuo.post(f"/desk/payouts/{SEP}/approve", {"approver": "王会计"})
    assert approved.status_code == 303 and approved.headers["location"] == f"/desk/payouts?month={SEP}&approved=1"
    page = putuo.get(approved.headers["location"])
    assert _rows(page, "status") == {"PA": "approved"} and "已批准 1 笔拨付" in page.text
    assert "finance (王会计)" in page.text
    statuses = _statuses(world)
    assert statuses["PA"] == ("approved", "finance (王会计)")
    assert statuses["DA"] == statuses["MV"] == ("issued", None), "Dinghai's payouts are not the Putuo official's"
    blank = putuo.post(f"/desk/payouts/{SEP}/approve", {"approver": " "})
    assert blank.status_code == 422 and 'data-field="approver"' in blank.text


def test_the_bank_file_from_the_desk_is_the_apis(world, putuo):
    downloaded = putuo.get(f"/desk/bank-files/{SEP}")
    assert downloaded.status_code == 200 and downloaded.headers["content-type"].startswith("text/csv")
    api = httpx.get(f"{world.url('billing')}/bank-files/{SEP}", headers={"Authorization": f"Bearer {putuo.key}"})
    assert downloaded.content == api.content
    assert [(r["facility"], r["account"], r["amount"]) for r in csv.DictReader(io.StringIO(downloaded.text))] == [
        ("PA", ACCOUNTS["PA"], "20300.00")]


def test_a_confirmation_with_one_bad_line_is_refused_whole_naming_it_and_the_right_one_pays(world, putuo, city):
    (row,) = csv.DictReader(io.StringIO(putuo.get(f"/desk/bank-files/{SEP}").text))
    bad = ("reference,amount,paid_on,status\n"
           f"{row['reference']},20300.00,2022-10-08,paid\n"
           "PAY-2022-999999,203.00,2022-10-08,paid\n")
    refused = putuo.post("/desk/bank-confirmations", files={"file": ("confirmation.csv", bad.encode(), "text/csv")})
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
    assert re.findall(r'data-field="(line \d+)"', refused.text) == ["line 3"] and "unknown reference" in refused.text
    assert _statuses(world)["PA"][0] == "approved", "a refused file changes nothing"

    dinghai = [p["number"] for p in billing_get(world, "/payouts", month=SEP, jurisdiction=DINGHAI)]
    theirs = f"reference,amount,paid_on,status\n{dinghai[0]},160.00,2022-10-08,paid\n"
    other = putuo.post("/desk/bank-confirmations", files={"file": ("c.csv", theirs.encode(), "text/csv")})
    assert other.status_code == 422 and "unknown reference" in other.text, "another district's payout is unknown"

    good = f"reference,amount,paid_on,status\n{row['reference']},20300.00,2022-10-08,paid\n"
    paid = putuo.post("/desk/bank-confirmations", files={"file": ("confirmation.csv", good.encode(), "text/csv")})
    assert paid.status_code == 303 and paid.headers["location"] == f"/desk/payouts?month={SEP}&paid=1&failed=0"
    assert _statuses(world)["PA"][0] == "paid"
    assert _rows(putuo.get(paid.headers["location"]), "status") == {"PA": "paid"}
    in_order = putuo.get("/desk/reconcile", month=SEP)
    assert 'data-in-order="true"' in in_order.text and 'data-paid="20300.00"' in in_order.text
    waiting = city.get("/desk/reconcile", month=SEP)
    assert 'data-in-order="false"' in waiting.text
    assert set(re.findall(r'data-facility="(\w+)"><th', waiting.text)) == {"DA", "MV", "SA"}


def test_the_budget_chart_shows_the_figures_of_its_table(city, putuo):
    page = city.get("/desk/budgets")
    assert page.status_code == 200
    funds = re.findall(r'<section class="card" data-fund="([^"]+)" data-year="(\d+)"', page.text)
    assert ("zhoushan-city-fund", "2022") in funds
    city_fund = page.text.split('data-fund="zhoushan-city-fund"')[1].split("</section>")[0]
    assert 'data-budget="1500000"' in city_fund and 'data-drawn="1156000"' in city_fund  # DA 160.00 + MV 11,400.00
    assert 'data-month="2022-09" data-drawn="1156000" data-cumulative="1156000"' in city_fund
    assert 'data-category="9月" data-series="累计支出" data-value="11,560.00"' in city_fund
    assert 'data-category="12月" data-series="年度预算" data-value="15,000.00"' in city_fund
    assert "zhoushan-city-fund" not in putuo.get("/desk/budgets").text, "the city's fund is not Putuo's"


def test_a_bank_account_change_is_confirmed_by_the_official_whose_facility_it_is(world, putuo, city):
    api = world.api()
    for facility, account in (("PA", "9999000011112222"), ("DA", "9999000033334444")):
        key = api.call(api.enrollment, "POST", f"/facilities/{facility}/keys", json={"label": "own"}).json()["api_key"]
        api.enrollment.patch(f"/facilities/{facility}", json={"bank_account": account},
                             headers={"Authorization": f"Bearer {key}"}).raise_for_status()
        proposed_account(world, facility)
    listed = putuo.get("/desk/bank-accounts")
    assert re.findall(r'<section class="card" data-facility="(\w+)"', listed.text) == ["PA"]
    assert re.findall(r'<section class="card" data-facility="(\w+)"', city.get("/desk/bank-accounts").text) == [
        "PA", "DA"]

    outside = putuo.post("/desk/facilities/DA/bank-account/confirm", {"account": "9999000033334444"})
    assert outside.status_code == 404 and "text/html" in outside.headers["content-type"]
    wrong = putuo.post("/desk/facilities/PA/bank-account/confirm", {"account": "1111"})
    assert wrong.status_code == 409
    confirmed = putuo.post("/desk/facilities/PA/bank-account/confirm", {"account": "9999 0000 1111 2222"})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/desk/bank-accounts"
    assert billing_get(world, "/facilities/PA/bank-account")["bank_account"] == "9999000011112222"
    assert billing_get(world, "/facilities/DA/bank-account")["proposed"] == "9999000033334444"
    assert "data-none" in putuo.get("/desk/bank-accounts").text


def test_a_revoked_key_ends_the_session_at_the_next_request(world):
    issued = _key(world, DINGHAI)
    desk = Desk(world, issued["api_key"])
    assert desk.get("/desk").status_code == 200
    world.cli("keys", "revoke", str(issued["key_id"]))
    after = desk.get("/desk/payouts")
    assert after.status_code == 401 and 'name="key"' in after.text


def test_a_key_of_another_role_does_not_sign_in(world):
    client = httpx.Client(base_url=world.url("billing"))
    commission = json.loads(world.cli("keys", "issue", "--role", "commission", "--jurisdiction", PUTUO).stdout)
    refused = client.post("/desk/sign-in", data={"key": commission["api_key"]})
    assert refused.status_code == 401 and "tuoyu_desk" not in refused.headers.get("set-cookie", "")
    assert client.post("/desk/sign-in", data={"key": world.admin_key}).status_code == 401
    assert client.get("/desk").status_code == 401
