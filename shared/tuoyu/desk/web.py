"""A desk: pages for the officials of one role, signed in with their key, in a session cookie.

A service makes one `DeskSite` (its role, title, navigation, templates and how a key's hash becomes a caller) and
passes it to `create_service(desk=...)`, which adds the session table and the sign-in routes. Its pages take the
signed-in official as `Official`, read posted forms with `form` (which checks the CSRF token), raise the domain's
errors as the API does (an error on a desk route is an HTML page here, not problem+json) and answer with `render`.

The key is typed into a form once (never in a URL); the browser then holds only a random token (HttpOnly,
SameSite=Strict, Path=/desk); the server keeps its keyed hash and the key's, and asks who holds the key on every
request, so a revoked key or a key moved to another jurisdiction takes effect at the next click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Awaitable, Callable, Sequence, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.desk import sessions
from tuoyu.errors import Forbidden, InvalidInput, Unauthorized
from tuoyu.hashing import keyed_hash
from tuoyu.money import grouped_yuan
from tuoyu.months import Month

SHARED_TEMPLATES = Path(__file__).parent / "templates"
MIGRATIONS = Path(__file__).parent.parent / "migrations" / "desk"
PREFIX = "/desk"
Resolve = Callable[[Request, str], Awaitable[Principal | None]]
M = TypeVar("M", bound=BaseModel)
TITLES = {401: "请先登录", 403: "表单已失效", 404: "未找到", 409: "与已有记录冲突", 422: "输入有误",
          500: "系统出错", 503: "暂时无法处理"}
ROLE_WORDS = {auth.ADMIN: "卫生健康委", auth.FINANCE: "财政局"}


@dataclass(frozen=True)
class DeskSite:
    """One service's desk. `nav`: (path, label) pairs in the header; `templates`: the service's folder, searched
    before the shared one (`desk_base.html`, `sign_in.html`, `problem.html`)."""

    role: str
    title: str
    resolve: Resolve
    templates: Path
    nav: Sequence[tuple[str, str]] = field(default_factory=tuple)

    @property
    def cookie(self) -> str:
        # One per desk: cookies are shared by every port of a host, and both desks may be opened on one machine.
        return f"tuoyu_desk_{self.role}"

    @cached_property
    def environment(self) -> Environment:
        env = Environment(loader=ChoiceLoader([FileSystemLoader(self.templates), FileSystemLoader(SHARED_TEMPLATES)]),
                          autoescape=select_autoescape(["html"]))
        env.filters["yuan"] = grouped_yuan
        env.filters["month"] = lambda month: Month.parse(month).in_chinese()
        return env

    def install(self, app: FastAPI) -> None:
        app.state.desk = self
        app.state.error_page = self.error_page
        app.include_router(_sign_in_router())

    def error_page(self, request: Request, status: int, title: str, detail: str, errors: list[dict]) \
            -> HTMLResponse | None:
        """An error on a desk route as a page: the sign-in form for 401, else what went wrong, field by field."""
        if not request.url.path.startswith(PREFIX):
            return None
        if status == 401:
            return _page(request, None, "sign_in.html", status, error=detail)
        return _page(request, None, "problem.html", status, heading=TITLES.get(status, title), detail=detail,
                     errors=errors)


@dataclass(frozen=True)
class Desk:
    """The signed-in official on a desk route: `principal` scopes every query as the API's caller does."""

    principal: Principal
    csrf: str
    site: DeskSite

    @property
    def who(self) -> str:
        place = self.principal.jurisdiction or "全平台"
        return f"{ROLE_WORDS.get(self.principal.role, self.principal.role)} · {place}"


def _site(request: Request) -> DeskSite:
    return request.app.state.desk


def _pepper(request: Request) -> str:
    return request.app.state.settings.hash_pepper.get_secret_value()


async def official(request: Request) -> Desk:
    """The official whose session cookie the request carries, as the key's holder is now (401 page if none)."""
    site = _site(request)
    token = request.cookies.get(site.cookie)
    session = await sessions.find_session(request.app.state.pool, _pepper(request), token, site.role) \
        if token else None
    principal = await site.resolve(request, session.key_hash) if session else None
    if principal is None or principal.role != site.role:
        raise Unauthorized("请先用本工作台的密钥登录（会话已结束，或密钥已被撤销）")
    return Desk(principal, session.csrf, site)


Official = Annotated[Desk, Depends(official)]


async def form(request: Request, desk: Desk) -> FormData:
    """The posted form, once its CSRF token is the session's: a page of another site cannot post for the official."""
    posted = await request.form()
    if not sessions.same_token(desk.csrf, posted.get("csrf")):
        raise Forbidden("表单缺少有效的安全令牌（CSRF）：请回到页面重新提交；未做任何更改")
    return posted


def field_of(posted: FormData, name: str) -> str:
    """A required text field of a posted form (422 naming it when missing or blank)."""
    value = posted.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, "必填")
    return value.strip()


def as_model(model: type[M], fields: dict) -> M:
    """A form's fields read as the API's body model, so a desk holds a value to the same bounds as the API: a field
    the model refuses is a 422 page naming it, as the API's problem would (blank fields count as missing)."""
    try:
        return model.model_validate({name: value or None for name, value in fields.items()})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


def _page(request: Request, desk: Desk | None, template: str, status_code: int = 200, **context) -> HTMLResponse:
    site = _site(request)
    html = site.environment.get_template(template).render(desk=desk, site=site, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def render(request: Request, desk: Desk, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A desk page: `template` extends `desk_base.html`; `desk` (for the header and `desk.csrf` in forms) is passed."""
    return _page(request, desk, template, status_code, **context)


def back_to(path: str) -> RedirectResponse:
    """After a form: the page again (303, so reloading it does not post twice)."""
    return RedirectResponse(path, status_code=303)


def _same_origin(request: Request) -> bool:
    """Whether a sign-in was posted from this site (browsers send Origin with every POST; a tool may send none)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _sign_in_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["desk"])

    @router.get("/sign-in", response_class=HTMLResponse, summary="The desk's sign-in form (no key in the URL)")
    async def sign_in_form(request: Request) -> HTMLResponse:
        return _page(request, None, "sign_in.html")

    @router.post("/sign-in", response_class=HTMLResponse, status_code=303,
                 summary="Sign in with a key of the desk's role: a session cookie, then the desk")
    async def sign_in(request: Request) -> Response:
        if not _same_origin(request):
            raise Forbidden("登录表单须从本站提交")
        key = (await request.form()).get("key")
        site = _site(request)
        key_hash = keyed_hash(_pepper(request), key) if isinstance(key, str) and key.strip() else None
        principal = await site.resolve(request, key_hash) if key_hash else None
        if principal is None or principal.role != site.role:
            raise Unauthorized(f"密钥无效、已撤销，或不是{ROLE_WORDS.get(site.role, site.role)}的密钥")
        token, _ = await sessions.open_session(request.app.state.pool, _pepper(request), key_hash, site.role)
        answer = back_to(PREFIX)
        answer.set_cookie(site.cookie, token, max_age=int(sessions.LONGEST.total_seconds()), path=PREFIX,
                          httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return answer

    @router.post("/sign-out", status_code=303, summary="End the session (its cookie and its record)")
    async def sign_out(request: Request, desk: Official) -> Response:
        await form(request, desk)
        await sessions.close_session(request.app.state.pool, _pepper(request), request.cookies[desk.site.cookie])
        answer = back_to(f"{PREFIX}/sign-in")
        answer.delete_cookie(desk.site.cookie, path=PREFIX)
        return answer

    return router
