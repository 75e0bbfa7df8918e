"""The health commission's desk on the stack: an official signs in with a key (a session cookie, never the key
again), sees the facilities and classes of the jurisdiction the key is scoped to and no other's, and confirms a class
by the API's own call; a form without its CSRF token, a class of another jurisdiction and a bad date write nothing;
signing out or revoking the key ends the session at the next request."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.integration.enrollment.conftest import (
    CITY, DINGHAI, PUTUO, bearer, fresh_national_id,
)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Official:
    """A browser-like client signed in at the desk with `key`: it holds the session cookie, never sends the key."""

    def __init__(self, url: str, key: str):
        self.client = httpx.Client(base_url=url, timeout=300)
        self.signed_in = self.client.post("/desk/sign-in", data={"key": key})

    def get(self, path: str, **kw) -> httpx.Response:
        return self.client.get(path, **kw)

    def csrf(self) -> str:
        return CSRF.search(self.get("/desk").text).group(1)

    def post(self, path: str, data: dict, csrf: bool = True) -> httpx.Response:
        return self.client.post(path, data={**data, **({"csrf": self.csrf()} if csrf else {})})


def confirmation(facility: str, klass: str = "C1") -> str:
    return f"/desk/facilities/{facility}/classes/{klass}/confirmation"


@pytest.fixture(scope="module")
def zhoushan(shared_world, desk, operator):
    """A facility in Putuo, two in Dinghai (one child held at both under one national ID), each with a class not
    yet confirmed, and a commission key scoped to Putuo, issued with the CLI."""
    putuo = desk.facility(jurisdiction=PUTUO, name="沈家门工作台园", classes=(("C1", "2022-09-01", 20),
                                                                         ("C2", "2022-09-01", 15)))
    dinghai = desk.facility(jurisdiction=DINGHAI, name="定海工作台园")
    dinghai_too = desk.facility(jurisdiction=DINGHAI, name="定海第二工作台园")
    twice = fresh_national_id()
    for f in (dinghai, dinghai_too):
        desk.child(f, national_id=twice)
    issued = json.loads(shared_world.cli("keys", "issue", "--role", "commission", "--jurisdiction", PUTUO).stdout)
    return putuo, dinghai, dinghai_too, issued


@pytest.fixture
def official(desk, zhoushan) -> Official:
    signed_in = Official(desk.url, zhoushan[3]["api_key"])
    assert signed_in.signed_in.status_code == 303 and signed_in.signed_in.headers["location"] == "/desk"
    return signed_in


def test_signing_in_sets_a_session_cookie_not_the_key_and_a_key_of_another_role_is_refused(desk, zhoushan, official):
    cookie = official.signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/desk" in cookie
    assert zhoushan[3]["api_key"] not in cookie
    for key in (desk.world.finance_key, zhoushan[0].key, "off_not-a-key"):
        refused = Official(desk.url, key)
        assert refused.signed_in.status_code == 401 and 'name="key"' in refused.signed_in.text
        assert refused.get("/desk").status_code == 401
    assert Official(desk.url, desk.world.admin_key).get("/desk").status_code == 200, "the platform-wide key signs in"


def test_a_putuo_official_sees_putuos_facilities_with_their_status_and_rule_set_and_not_dinghais(desk, zhoushan,
                                                                                                 official):
    putuo, dinghai, _, _ = zhoushan
    page = official.get("/desk")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert f'data-facility="{putuo.external_id}" data-status="filed"' in html and "沈家门工作台园" in html
    assert f'href="/desk/classes?facility={putuo.external_id}"' in html, "its classes waiting, linked"
    assert dinghai.external_id not in html and "定海工作台园" not in html
    assert re.findall(r'data-jurisdiction="(\d*)"', html) == [PUTUO]
    [public] = [j for j in desk.anon.get("/public/facilities").json()["jurisdictions"] if j["code"] == PUTUO]
    assert f'data-ruleset="{public["ruleset"]["id"]}"' in html, "the rule set the public disclosure names"
    classes = official.get("/desk/classes").text
    assert f'data-class="{putuo.external_id}/C1"' in classes and dinghai.external_id not in classes


def test_a_city_official_sees_each_of_its_districts_under_its_own_heading(desk, zhoushan, operator):
    key = operator.post("/official-keys", json={"role": "commission", "jurisdiction": CITY}).json()["api_key"]
    html = Official(desk.url, key).get("/desk").text
    assert {PUTUO, DINGHAI} <= set(re.findall(r'data-jurisdiction="(\d*)"', html))
    assert all(f.external_id in html for f in zhoushan[:3])
    assert 'data-jurisdiction=""' not in html, "an unplaced facility is the platform-wide key's alone"


def test_the_official_confirms_a_class_from_the_page_once_by_the_apis_own_call(desk, zhoushan, official):
    putuo = zhoushan[0]
    since = desk.last_seq()
    done = official.post(confirmation(putuo.external_id), {"confirmed_on": "2022-09-20"})
    assert done.status_code == 303 and done.headers["location"] == f"/desk/classes?confirmed={putuo.external_id}/C1"
    assert putuo.get("/classes/C1").json()["confirmed_on"] == "2022-09-20"
    flash = official.get(done.headers["location"]).text
    assert f'data-confirmed="{putuo.external_id}/C1"' in flash and "2022-09-20" in flash
    assert f'data-class="{putuo.external_id}/C1"' not in flash, "no longer waiting"
    again = official.post(confirmation(putuo.external_id), {"confirmed_on": "2022-09-20"})
    assert again.status_code == 303, "the same date again changes nothing"
    (event,) = desk.events("ClassConfirmed", since=since)
    assert event["key"] == putuo.external_id and event["payload"]["class"]["confirmed_on"] == "2022-09-20"
    moved = official.post(confirmation(putuo.external_id), {"confirmed_on": "2022-10-01"})
    assert moved.status_code == 409 and "text/html" in moved.headers["content-type"]
    assert "2022-09-20" in moved.text and len(desk.events("ClassConfirmed", since=since)) == 1


def test_a_form_without_its_csrf_token_or_with_another_is_refused_and_writes_nothing(desk, zhoushan, official):
    putuo = zhoushan[0]
    before = desk.counts(), desk.last_seq()
    for data in ({"confirmed_on": "2022-09-20"}, {"confirmed_on": "2022-09-20", "csrf": "forged"}):
        refused = official.client.post(confirmation(putuo.external_id, "C2"), data=data)
        assert refused.status_code == 403 and "表单已失效" in refused.text
    assert (desk.counts(), desk.last_seq()) == before
    assert putuo.get("/classes/C2").json()["confirmed_on"] is None


def test_another_jurisdictions_class_is_a_not_found_page_and_nothing_is_written(desk, zhoushan, official):
    dinghai = zhoushan[1]
    before = desk.counts(), desk.last_seq()
    for path in (confirmation(dinghai.external_id), confirmation("NO-SUCH"), confirmation(zhoushan[0].external_id,
                                                                                         "C9")):
        refused = official.post(path, {"confirmed_on": "2022-09-20"})
        assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html"), path
    assert (desk.counts(), desk.last_seq()) == before
    assert dinghai.get("/classes/C1").json()["confirmed_on"] is None
    assert official.get("/desk/classes", params={"facility": dinghai.external_id}).text.count("data-class=") == 0


def test_a_bad_date_is_a_page_naming_the_field_and_writes_nothing(desk, zhoushan, official):
    before = desk.counts(), desk.last_seq()
    for bad in ({"confirmed_on": "2022-13-01"}, {"confirmed_on": "1900-01-01"}, {}):
        refused = official.post(confirmation(zhoushan[0].external_id, "C2"), bad)
        assert refused.status_code == 422 and "confirmed_on" in refused.text, bad
    assert (desk.counts(), desk.last_seq()) == before


def test_the_duplicates_page_is_the_apis_query_in_the_officials_scope(desk, zhoushan, official, operator):
    dinghai, dinghai_too = zhoushan[1], zhoushan[2]
    assert dinghai.external_id not in official.get("/desk/duplicates").text
    key = operator.post("/official-keys", json={"role": "commission", "jurisdiction": DINGHAI}).json()["api_key"]
    there = Official(desk.url, key).get("/desk/duplicates")
    assert there.status_code == 200
    groups = httpx.get(f"{desk.url}/national-id-duplicates", headers=bearer(key)).json()["items"]
    [ours] = [g for g in groups if {c["facility"] for c in g["children"]} == {dinghai.external_id,
                                                                               dinghai_too.external_id}]
    assert f'data-group="{ours["group"]}"' in there.text
    assert re.findall(r'data-group="(\d+)"', there.text) == [str(g["group"]) for g in groups]


def test_after_signing_out_or_revoking_the_key_the_next_request_is_the_sign_in_page(shared_world, desk, operator):
    issued = operator.post("/official-keys", json={"role": "commission", "jurisdiction": PUTUO}).json()
    leaving, staying = Official(desk.url, issued["api_key"]), Official(desk.url, issued["api_key"])
    cookies = dict(leaving.client.cookies)
    out = leaving.post("/desk/sign-out", {})
    assert out.status_code == 303 and out.headers["location"] == "/desk/sign-in"
    assert leaving.get("/desk").status_code == 401
    replayed = httpx.get(f"{desk.url}/desk", cookies=cookies)
    assert replayed.status_code == 401, "the session is ended at the server, not only forgotten by the browser"
    assert staying.get("/desk").status_code == 200, "another session of the key goes on"
    shared_world.cli("keys", "revoke", str(issued["key_id"]))
    refused = staying.get("/desk/classes")
    assert refused.status_code == 401 and 'name="key"' in refused.text
