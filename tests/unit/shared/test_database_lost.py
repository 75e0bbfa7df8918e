"""A request whose database connection is lost (a restart, a failover) is answered 503 with Retry-After, so clients
retry it; other failures stay 500s."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tuoyu import errors


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
