"""HTTP client of the three services for the CLI: keys from settings, one clear error line on failure."""

from __future__ import annotations

import time

import httpx

from tuoyu.settings import CommonSettings


class CliSettings(CommonSettings):
    """The CLI's settings: the services' URLs and keys (CommonSettings; the URLs follow TUOYU_*_PORT)."""


class ApiError(Exception):
    """A request the service refused or could not answer; str() is the one line the CLI prints."""


# How long a request answered "503, retry after" is retried: a database failover refuses writes for about 7 s
# (docs/operations.md). The CLI's requests are idempotent (external ids, one cycle per jurisdiction and month).
RETRY_FOR = 60


class Api:
    def __init__(self, settings: CliSettings, timeout: float = 900):
        admin = {"Authorization": f"Bearer {settings.admin_key.get_secret_value()}"}
        finance = {"Authorization": f"Bearer {settings.finance_key.get_secret_value()}"}
        operator = {"Authorization": f"Bearer {settings.operator_key.get_secret_value()}"}
        self.enrollment = httpx.Client(base_url=settings.enrollment_url, headers=admin, timeout=timeout)
        self.subsidy = httpx.Client(base_url=settings.subsidy_url, headers=admin, timeout=timeout)
        self.billing = httpx.Client(base_url=settings.billing_url, headers=finance, timeout=timeout)
        # The platform operator's key, on the enrollment service: it adds jurisdictions.
        self.operator = httpx.Client(base_url=settings.enrollment_url, headers=operator, timeout=timeout)

    @staticmethod
    def call(client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                response = client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                raise ApiError(f"{method} {client.base_url}{path}: cannot reach the service ({exc}); is the stack "
                               f"up (make up)?") from None
            wait = _retry_after(response)
            if wait is None or time.monotonic() + wait > deadline:
                break
            time.sleep(wait)
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("detail") or body
            except ValueError:
                detail = response.text[:300]
            raise ApiError(f"{method} {path} → {response.status_code}: {detail}")
        return response

    def wait_for_outbox(self, timeout: float = 120) -> None:
        """Wait until the enrollment service has published every event it recorded."""
        deadline = time.monotonic() + timeout
        while self.call(self.enrollment, "GET", "/outbox").json()["pending"]:
            if time.monotonic() > deadline:
                raise ApiError("the enrollment service's outbox did not drain: is Kafka up (make status)?")
            time.sleep(0.1)

    def bill(self, month: str, jurisdiction: str | None = None) -> dict:
        """Run the month's cycles: every county-level jurisdiction under `jurisdiction` (None: the key's scope)."""
        self.wait_for_outbox()
        params = {"jurisdiction": jurisdiction} if jurisdiction else {}
        return self.call(self.billing, "POST", f"/cycles/{month}", params=params).json()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before asking again, when the service said so with a 503 (seconds only: ours never send a
    date)."""
    if response.status_code != 503:
        return None
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
