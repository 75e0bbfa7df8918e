"""Prometheus metrics shared by the services, and the `/metrics` route."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

HTTP_REQUESTS = Histogram("tuoyu_http_request_seconds", "HTTP request duration", ["method", "route", "status"])
EVENTS_PUBLISHED = Counter("tuoyu_events_published_total", "Outbox events published to Kafka")
EVENTS_CONSUMED = Counter("tuoyu_events_consumed_total", "Events applied by a consumer", ["consumer"])
EVENTS_DUPLICATE = Counter("tuoyu_events_duplicate_total", "Redelivered events ignored", ["consumer"])
CONSUMER_LAG = Gauge("tuoyu_consumer_lag", "Messages not yet applied", ["consumer"])
DOCUMENTS_ISSUED = Counter("tuoyu_documents_issued_total", "Billing documents issued", ["kind"])
AMOUNT_ISSUED_FEN = Counter("tuoyu_amount_issued_fen_total", "Amounts issued, in fen", ["kind"])
CYCLE_SECONDS = Histogram("tuoyu_cycle_seconds", "Monthly cycle duration", buckets=(1, 5, 15, 60, 300, 1200))


def install(app: FastAPI) -> None:
    """Time every request by route template and serve `/metrics`."""

    @app.middleware("http")
    async def _timed(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, route, response.status_code).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
