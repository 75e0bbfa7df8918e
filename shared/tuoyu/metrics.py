"""Prometheus metrics shared by the services, and the `/metrics` route."""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Histogram("tuoyu_http_request_seconds", "HTTP request duration", ["method", "route", "status"])
EVENTS_PUBLISHED = Counter("tuoyu_events_published_total", "Outbox events published to Kafka")
EVENTS_CONSUMED = Counter("tuoyu_events_consumed_total", "Events applied by a consumer", ["consumer"])
EVENTS_DUPLICATE = Counter("tuoyu_events_duplicate_total", "Redelivered events ignored", ["consumer"])
CONSUMER_LAG = Gauge("tuoyu_consumer_lag", "Messages not yet applied", ["consumer"])
DOCUMENTS_ISSUED = Counter("tuoyu_documents_issued_total", "Billing documents issued", ["kind"])
AMOUNT_ISSUED_FEN = Counter("tuoyu_amount_issued_fen_total", "Amounts issued, in fen", ["kind"])
CYCLE_SECONDS = Histogram("tuoyu_cycle_seconds", "Monthly cycle duration", buckets=(1, 5, 15, 60, 300, 1200))


class _TimedRequests:
    """Plain ASGI middleware: `@app.middleware("http")` would run each request in a task group of its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500  # unless the response starts

        async def send_noting_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, status).observe(time.perf_counter() - started)


def install(app: FastAPI) -> None:
    """Time every request by route template and serve `/metrics`."""
    app.add_middleware(_TimedRequests)

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
