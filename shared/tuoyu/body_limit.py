"""Request bodies over a set size get 413 before anything parses them (CONTRACT "Errors").

A pure ASGI middleware: a declared `Content-Length` over the limit is refused at once; a body sent without one
(chunked) is counted as it arrives and refused when it passes the limit, before the route sees the rest. Routes
that take files (a roster, a bank confirmation) get their own, larger limit.
"""

from __future__ import annotations

import re
from typing import Iterable

from starlette.exceptions import HTTPException

from tuoyu.errors import problem

DEFAULT_LIMIT = 1 << 20
"""1 MiB: the largest JSON a person's request needs is a few kilobytes; a 50 MB body is an attack or a mistake."""


class BodyLimit:
    def __init__(self, app, limit: int = DEFAULT_LIMIT, routes: Iterable[tuple[str, int]] = ()):
        """`routes`: (path regex, limit) pairs that replace `limit` for the paths they match."""
        self.app = app
        self.limit = limit
        self.routes = [(re.compile(pattern), size) for pattern, size in routes]

    def limit_for(self, path: str) -> int:
        return next((size for pattern, size in self.routes if pattern.fullmatch(path)), self.limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _refuse(limit, scope, receive, send)
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, because FastAPI turns any other error while reading a body into a 400.
                    raise HTTPException(413, f"the body of a request here may be at most {limit:,} bytes")
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except HTTPException as exc:  # raised while a route that streams the body (a file upload) reads it
            if started or exc.status_code != 413:
                raise
            await _refuse(limit, scope, receive, send)


async def _refuse(limit: int, scope, receive, send) -> None:
    response = problem(413, "Request body too large", f"the body of a request here may be at most {limit:,} bytes",
                       connection="close")
    await response(scope, receive, send)
