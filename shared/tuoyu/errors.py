"""Errors the services raise, and their problem+json form (RFC 9457).

    TuoyuError
    ├── InvalidInput     422: a field and the reason, e.g. ("subsidy_rate", "must be between 0.08 and 0.15")
    ├── Conflict         409: the external_id exists with other content
    ├── NotFound         404: no such record, or another party's record
    ├── Unauthorized     401: a missing or wrong key
    ├── Forbidden        403: a desk's form without its session's CSRF token
    ├── NotCaughtUp      503: events published so far are not all applied yet (`Inbox.wait_caught_up`); retry
    └── Unavailable      503: another service this request needs did not answer (restarting); retry

Every 503 carries Retry-After: the CLI asks again (`tuoyu.cli.client`).

The database lost under a request (`tuoyu.db.CONNECTION_LOST`: a restart, a failover) is a 503 with Retry-After too.
Text PostgreSQL cannot store (the NUL character) is refused as 422 too, naming the parameter when it is one.

Domain code raises these; only `install` turns them into HTTP responses: problem+json, or an HTML page on a route
whose app has set `app.state.error_page` (the officials' desks, `tuoyu.desk.web`) and for which it answers one.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)


class TuoyuError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(TuoyuError):
    status = 422
    title = "Invalid input"

    def __init__(self, field: str | list[dict], reason: str | None = None):
        errors = field if isinstance(field, list) else [{"field": field, "reason": reason}]
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors)


class Conflict(TuoyuError):
    status = 409
    title = "Conflict"


class NotFound(TuoyuError):
    status = 404
    title = "Not found"


class Unauthorized(TuoyuError):
    status = 401
    title = "Unauthorized"


class Forbidden(TuoyuError):
    status = 403
    title = "Forbidden"


class NotCaughtUp(TuoyuError):
    status = 503
    title = "Events still arriving"


class Unavailable(TuoyuError):
    status = 503
    title = "Service unavailable"


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None, **headers) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def answer(request: Request, status: int, title: str, detail: str, errors: list[dict] | None = None,
           **headers) -> Response:
    """The error as the route's callers read it: the app's HTML page where it has one for the route, else
    problem+json."""
    page = getattr(request.app.state, "error_page", None)
    html = page(request, status, title, detail, errors or []) if page is not None else None
    return html if html is not None else problem(status, title, detail, errors, **headers)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def unexpected(request: Request, exc: Exception):
    """A failure of the service, not of the request: logged, and answered as a 500 problem."""
    log.exception("unexpected error", exc_info=exc)
    return answer(request, 500, "Internal error", "the service failed on this request; it is logged")


def install(app: FastAPI) -> None:
    @app.exception_handler(TuoyuError)
    async def _domain(request: Request, exc: TuoyuError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {"Retry-After": "1"} if exc.status == 503 else {}
        return answer(request, exc.status, exc.title, exc.detail, exc.errors, **headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"field": _field(e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        return answer(request, 422, "Invalid input", "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors)

    import asyncpg

    async def _unstorable_text(request: Request, _: Exception):
        # PostgreSQL text and jsonb cannot hold U+0000: the input is wrong, not the service.
        named = [k for k, v in (*request.path_params.items(), *request.query_params.multi_items()) if "\x00" in v]
        field = named[0] if named else "body"
        return answer(request, 422, "Invalid input", f"{field}: must not contain the NUL character (U+0000)",
                       [{"field": field, "reason": "must not contain the NUL character (U+0000)"}])

    app.add_exception_handler(asyncpg.CharacterNotInRepertoireError, _unstorable_text)
    app.add_exception_handler(asyncpg.UntranslatableCharacterError, _unstorable_text)

    from tuoyu.db import CONNECTION_LOST

    async def _database_lost(request: Request, exc: Exception):
        # The request did not commit, or committed and lost its answer: clients retry (writes carry external ids).
        log.warning("database connection lost under a request: %r", exc)
        return answer(request, 503, "Database unavailable", "the database is restarting or changing its primary; retry",
                       **{"Retry-After": "1"})

    for error in CONNECTION_LOST:
        app.add_exception_handler(error, _database_lost)

    async def _closed_connection(request: Request, exc: Exception):
        # A rollback on a connection already lost raises this instead, hiding the loss in its context.
        cause = exc.__context__
        while cause is not None and not isinstance(cause, CONNECTION_LOST):
            cause = cause.__context__
        return await (_database_lost(request, cause) if cause else unexpected(request, exc))

    app.add_exception_handler(asyncpg.InterfaceError, _closed_connection)

    app.add_exception_handler(Exception, unexpected)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return answer(request, exc.status_code, str(exc.detail), str(exc.detail))
