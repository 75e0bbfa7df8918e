"""Each service's FastAPI app, built without starting it, for what it serves: its routes and its OpenAPI.

Nothing connects when an app is built (the lifespan does that), so tests can list routes at collection time.
"""

from __future__ import annotations

import importlib

try:  # FastAPI ≥ 0.16x keeps included routers as branches of `app.routes`; this walks them.
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI copies every included route into `app.routes`
    def iter_route_contexts(routes):
        return iter(routes)

SERVICES = ("enrollment", "subsidy", "billing")
_SETTINGS = {"enrollment": "EnrollmentSettings", "subsidy": "SubsidySettings", "billing": "BillingSettings"}


def app_of(service: str):
    settings_class = getattr(importlib.import_module(f"{service}.settings"), _SETTINGS[service])
    settings = settings_class(_env_file=None, admin_key="unused-a", finance_key="unused-f", operator_key="unused-o",
                              hash_pepper="unused-p")
    return importlib.import_module(f"{service}.app").create_app(settings)


def routes_of(service: str) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, read from `app.routes` (the OpenAPI document and /docs included)."""
    served = set()
    for route in iter_route_contexts(app_of(service).routes):
        served |= {(method, route.path) for method in getattr(route, "methods", None) or () if method != "HEAD"}
    return served


def openapi_of(service: str) -> dict:
    return app_of(service).openapi()
