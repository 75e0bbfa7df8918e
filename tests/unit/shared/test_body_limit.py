"""Request bodies over the limit get 413 problem+json before the route reads them; file routes have their own."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from tuoyu.body_limit import BodyLimit


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    @app.post("/files/roster")
    async def roster(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    app.add_middleware(BodyLimit, limit=100, routes=[(r"/files/[^/]+", 1000)])
    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as c:
        yield c


async def test_a_body_within_the_limit_reaches_the_route(client):
    response = await client.post("/echo", content=b"x" * 100)
    assert response.status_code == 200 and response.json() == {"bytes": 100}


async def test_a_declared_length_over_the_limit_is_refused_with_413_problem_json(client):
    response = await client.post("/echo", content=b"x" * 101)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "the body of a request here may be at most 100 bytes"


async def test_a_body_sent_without_a_length_is_counted_and_refused_when_it_passes_the_limit(client):
    async def chunks():
        for _ in range(5):
            yield b"x" * 40

    response = await client.post("/echo", content=chunks())
    assert response.status_code == 413


async def test_a_file_route_takes_its_own_larger_limit(client):
    assert (await client.post("/files/roster", content=b"x" * 1000)).status_code == 200
    assert (await client.post("/files/roster", content=b"x" * 1001)).status_code == 413
