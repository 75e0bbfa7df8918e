"""Asks the subsidy service what is due for a month (after it has applied every event published so far)."""

from __future__ import annotations

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from billing.cycle.due import MonthDue


class SubsidyClient:
    def __init__(self, base_url: str, admin_key: str):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=600,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    @retry(retry=retry_if_exception_type(httpx.TransportError), wait=wait_exponential(max=5),
           stop=stop_after_delay(120), reraise=True)
    async def due(self, month: str) -> MonthDue:
        response = await self._client.get(f"/due/{month}", params={"caught_up": "true", "explain": "true"})
        response.raise_for_status()
        return MonthDue.from_json(response.json())

    async def close(self) -> None:
        await self._client.aclose()
