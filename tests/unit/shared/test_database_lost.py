"""A request whose database connection is lost (a restart, a failover) is answered 503 with Retry-After, so clients
retry it (the CLI does, for a while); other failures stay 500s."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tuoyu import errors
from tuoyu.cli import client as cli_client
from tuoyu.cli.client import Api, ApiError


def app_raising(exc_factory) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/")
    async def fail():
        raise exc_factory()

    return TestClient(app, raise_server_exceptions=False)


def test_a_connection_lost_mid_statement_asks_the_client_to_retry():
    response = app_raising(lambda: asyncpg.ConnectionDoesNotExistError("closed in the middle")).get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"


def test_no_node_taking_writes_yet_asks_the_client_to_retry():
    response = app_raising(lambda: asyncpg.TargetServerAttributeNotMatched("no primary")).get("/")
    assert response.status_code == 503


def failed_rollback() -> Exception:
    try:
        raise asyncpg.ConnectionDoesNotExistError("closed in the middle")
    except asyncpg.ConnectionDoesNotExistError:
        try:
            raise asyncpg.InterfaceError("cannot call Transaction.rollback(): the underlying connection is closed")
        except asyncpg.InterfaceError as exc:
            return exc


def test_a_rollback_failing_on_the_lost_connection_still_asks_the_client_to_retry():
    assert app_raising(failed_rollback).get("/").status_code == 503


def test_a_misused_connection_is_still_a_failure_of_the_service():
    response = app_raising(lambda: asyncpg.InterfaceError("connection has been released back to the pool")).get("/")
    assert response.status_code == 500


def test_a_session_left_waiting_by_a_dying_server_asks_the_client_to_retry():
    message = "cannot switch to state 15; another operation (2) is in progress"
    assert app_raising(lambda: asyncpg.InternalClientError(message)).get("/").status_code == 503


def answering(*statuses: int) -> tuple[httpx.Client, list]:
    """A client of a service answering these statuses in turn (a 503 with Retry-After: 0), and the requests it got."""
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        return httpx.Response(status, json={"detail": "x"}, headers={"Retry-After": "0"} if status == 503 else {})

    return httpx.Client(base_url="http://enrollment", transport=httpx.MockTransport(handle)), seen


def test_the_cli_asks_again_while_the_database_fails_over():
    client, seen = answering(503, 503, 201)
    assert Api.call(client, "POST", "/facilities", json={"external_id": "F1"}).status_code == 201
    assert len(seen) == 3 and all(r.content == seen[0].content for r in seen)


def test_the_cli_gives_up_after_a_while(monkeypatch):
    monkeypatch.setattr(cli_client, "RETRY_FOR", 0)
    client, _ = answering(503)
    with pytest.raises(ApiError, match="503"):
        Api.call(client, "POST", "/facilities")


def test_the_cli_does_not_repeat_a_refusal():
    client, seen = answering(409)
    with pytest.raises(ApiError, match="409"):
        Api.call(client, "POST", "/facilities")
    assert len(seen) == 1
