"""The busiest route, `POST /facilities/{facility}/enrollments`, served without FastAPI's per-request machinery.

Issue 16's profile: FastAPI's routing, dependency solving, body parsing and response validation cost about 450 µs of
CPU a request, more than the handler's own work. This ASGI layer sits inside the service's body limit and request
timing (`create_service(hot_paths=...)`) and serves the route's ordinary request itself, with the functions the
route calls: the caller (`deps.principal`, `deps.facility_scope`), the body model (`NewEnrollment`, validated as
FastAPI validates it), the service's day, the handler in its unit of work, and the answer (`views`). Whatever it
does not take — no key or a wrong one, a body that is not JSON or not a valid enrollment — it hands to the FastAPI
route with the body it read, so each such refusal is the route's own; an error while enrolling (a refused check, a
conflict) is answered by the app's own exception handlers. The FastAPI route stays the documented one.
"""

from __future__ import annotations

import re

import orjson
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request

from enrollment.api import roster as roster_api
from enrollment.api.deps import facility_scope, principal, unit_of_work
from enrollment.domain import views
from enrollment.domain.models import NewEnrollment
from enrollment.handlers import roster
from tuoyu.errors import TuoyuError

TEMPLATE = "/facilities/{facility}/enrollments"
PATH = re.compile(r"/facilities/([^/]+)/enrollments")
# The route it stands in for: the request timing (`tuoyu.metrics`) labels requests by it.
ROUTE = next(r for r in roster_api.router.routes if r.path == TEMPLATE and "POST" in r.methods)
JSON_TYPES = (b"application/json",)


def _json(headers: list[tuple[bytes, bytes]]) -> bool:
    content_type = dict(headers).get(b"content-type", b"").split(b";")[0].strip().lower()
    return content_type in JSON_TYPES


def _replaying(body: bytes, receive):
    """A `receive` that gives the body already read, then whatever the client sends next (a disconnect)."""
    given = False

    async def replay():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ConnectionError("the client left before sending its body")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class EnrollmentHotPath:
    """ASGI middleware: the enrollment POST's ordinary case; every other request passes through unchanged."""

    def __init__(self, app, fastapi: FastAPI):
        self.app, self.fastapi = app, fastapi

    async def __call__(self, scope, receive, send):
        found = PATH.fullmatch(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if found is None or not _json(scope["headers"]):
            return await self.app(scope, receive, send)
        body = await _body(receive)
        scope["app"] = self.fastapi
        request = Request(scope)
        facility = found.group(1)
        try:
            await facility_scope(request, await principal(request), facility)
            new = NewEnrollment.model_validate(orjson.loads(body))
        except (TuoyuError, orjson.JSONDecodeError, ValidationError):
            return await self.app(scope, _replaying(body, receive), send)  # the route answers, as it always would
        scope["route"] = ROUTE
        try:
            today = request.app.state.settings.today()
            async with unit_of_work(request) as uow:
                snapshot, created = await roster.enroll(uow.conn, facility, new, today, uow.topic)
            answer = orjson.dumps(views.enrollment_of_snapshot(snapshot, today))
        except Exception as exc:
            response = await self._handler(exc)(request, exc)
            return await response(scope, receive, send)
        await send({"type": "http.response.start", "status": 201 if created else 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    def _handler(self, exc: Exception):
        """The app's handler for the exception, as Starlette finds it (the nearest class in its MRO)."""
        handlers = self.fastapi.exception_handlers
        return next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
