"""A desk's sessions on the real PostgreSQL: the key typed once, a cookie after, the CSRF token on every form, and a
key revoked or a session ended refused at the next click. The desk here is a bare one of `tuoyu.desk.web`; the
health commission's and the finance bureau's are tested through their services."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from tests.stack import drop_databases
from tuoyu import auth
from tuoyu.desk import web
from tuoyu.hashing import keyed_hash
from tuoyu.service import create_service
from tuoyu.settings import CommonSettings

FINANCE_KEY, ADMIN_KEY = "fin_" + uuid.uuid4().hex, "adm_" + uuid.uuid4().hex
revoked: set[str] = set()


async def _resolve(request: Request, key_hash: str) -> auth.Principal | None:
    settings = request.app.state.settings
    return None if key_hash in revoked else auth.settings_holder(settings, settings.hash_pepper.get_secret_value(),
                                                                 key_hash)


router = APIRouter()
posted: list[str] = []


@router.get("/desk")
async def home(request: Request, desk: web.Official):
    return web.render(request, desk, "problem.html", heading="概览", detail=desk.who, errors=[])


class Thing(BaseModel):
    """The API's body model the desk's form is held to."""
    name: str = Field(max_length=5)


@router.post("/desk/things")
async def add_thing(request: Request, desk: web.Official):
    thing = web.as_model(Thing, {"name": web.field_of(await web.form(request, desk), "name")})
    posted.append(thing.name)
    return web.back_to("/desk")


@pytest.fixture(scope="module")
def client(infra, tmp_path_factory):
    database = f"desk_{uuid.uuid4().hex[:10]}"
    settings = CommonSettings(admin_key=ADMIN_KEY, finance_key=FINANCE_KEY, operator_key="op_" + uuid.uuid4().hex,
                              hash_pepper=uuid.uuid4().hex)
    site = web.DeskSite(role=auth.FINANCE, title="财政局工作台", resolve=_resolve,
                        templates=tmp_path_factory.mktemp("templates"), nav=(("/desk", "概览"),))
    app = create_service(settings, title="desk", description="a bare desk", database=database,
                         migrations=Path(tmp_path_factory.mktemp("migrations")), routers=[router], desk=site)
    try:
        with TestClient(app, base_url="http://127.0.0.1:8103") as client:
            yield client
    finally:
        drop_databases([database])


def _signed_in(client: TestClient, key: str = FINANCE_KEY) -> str:
    """Sign in; the CSRF token the desk's forms carry."""
    client.cookies.clear()
    answer = client.post("/desk/sign-in", data={"key": key}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/desk"
    page = client.get("/desk")
    assert page.status_code == 200 and "财政局 · 全平台" in page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_signing_in_sets_a_session_cookie_the_page_script_cannot_read_and_no_key_travels_again(client):
    client.cookies.clear()
    answer = client.post("/desk/sign-in", data={"key": FINANCE_KEY}, follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/desk" in cookie
    assert FINANCE_KEY not in cookie and FINANCE_KEY not in answer.headers["location"]
    assert client.get("/desk").status_code == 200


def test_a_page_without_a_session_answers_401_with_the_sign_in_form(client):
    client.cookies.clear()
    page = client.get("/desk")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert 'name="key"' in page.text and 'type="password"' in page.text


def test_a_key_of_another_role_or_an_unknown_key_cannot_sign_in(client):
    client.cookies.clear()
    for key in (ADMIN_KEY, "not-a-key", ""):
        answer = client.post("/desk/sign-in", data={"key": key}, follow_redirects=False)
        assert answer.status_code == 401 and "密钥无效" in answer.text and "set-cookie" not in answer.headers
    assert client.get("/desk").status_code == 401


def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(client):
    csrf = _signed_in(client)
    before = list(posted)
    for fields in ({"name": "甲"}, {"name": "甲", "csrf": "forged"}, {"name": "甲", "csrf": csrf[:-1]}):
        answer = client.post("/desk/things", data=fields, follow_redirects=False)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert posted == before
    assert client.post("/desk/things", data={"name": "乙", "csrf": csrf}, follow_redirects=False).status_code == 303
    assert posted == before + ["乙"]


def test_a_refused_form_is_a_page_naming_the_field_not_json(client):
    csrf = _signed_in(client)
    answer = client.post("/desk/things", data={"name": "太长的名字啊啊", "csrf": csrf})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert 'data-field="name"' in answer.text and "at most 5 characters" in answer.text
    assert client.post("/desk/things", data={"name": "  ", "csrf": csrf}).status_code == 422  # blank: missing
    assert client.get("/health").headers["content-type"] == "application/json"


def test_a_sign_in_posted_from_another_site_is_refused(client):
    client.cookies.clear()
    answer = client.post("/desk/sign-in", data={"key": FINANCE_KEY}, headers={"Origin": "http://evil.example"},
                         follow_redirects=False)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(client):
    csrf = _signed_in(client)
    stolen = dict(client.cookies)
    assert client.post("/desk/sign-out", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.update(stolen)
    assert client.get("/desk").status_code == 401


def test_a_key_revoked_after_signing_in_is_refused_at_the_next_request(client):
    _signed_in(client)
    settings = client.app.state.settings
    revoked.add(keyed_hash(settings.hash_pepper.get_secret_value(), FINANCE_KEY))
    try:
        assert client.get("/desk").status_code == 401
    finally:
        revoked.clear()
