"""The operating-subsidy rate bounds in force on a date, asked of the subsidy service that holds rule sets."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from tuoyu.errors import InvalidInput
from tuoyu.money import parse_rate


class RateBounds:
    def __init__(self, subsidy_url: str, admin_key: str):
        self._client = httpx.AsyncClient(base_url=subsidy_url, timeout=10,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    @retry(retry=retry_if_exception_type(httpx.TransportError), wait=wait_exponential(max=2),
           stop=stop_after_delay(20), reraise=True)
    async def on(self, day: date, field: str = "effective_from") -> tuple[Fraction, Fraction]:
        """The [min, max] rate on `day`; 422 naming `field` when no rule set is in force then."""
        response = await self._client.get("/rulesets/in-force", params={"on": day.isoformat()})
        if response.status_code == 404:
            raise InvalidInput(field, f"no rule set is in force on {day}")
        response.raise_for_status()
        bounds = response.json()["operating_subsidy"]
        return parse_rate(bounds["min_rate"]), parse_rate(bounds["max_rate"])

    async def close(self) -> None:
        await self._client.aclose()
