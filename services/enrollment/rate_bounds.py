"""The operating-subsidy rate bounds in force in a facility's jurisdiction on a date, asked of the subsidy service
that holds rule sets (POLICY "Jurisdictions": a rate is checked against the rule set in force for the facility's
jurisdiction on the rate's effective date; where none is in force yet, it is accepted, but for a facility in no
jurisdiction, which keeps the single-district rule)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Iterable

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from tuoyu.errors import InvalidInput
from tuoyu.jurisdictions import UNPLACED, Entry, jurisdiction_on
from tuoyu.money import parse_rate


class RateBounds:
    def __init__(self, subsidy_url: str, admin_key: str):
        self._client = httpx.AsyncClient(base_url=subsidy_url, timeout=10,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    @retry(retry=retry_if_exception_type(httpx.TransportError), wait=wait_exponential(max=2),
           stop=stop_after_delay(20), reraise=True)
    async def on(self, day: date, history: Iterable[Entry], field: str = "effective_from"
                 ) -> tuple[Fraction, Fraction] | None:
        """The [min, max] rate on `day` in the jurisdiction of the facility's `history` then; None when no rule set is
        in force there: the rate is accepted, and a month billed under bounds it breaks clamps it (the subsidy
        service's explanation says so). A facility in no jurisdiction keeps the rule of the single-district platform:
        with no rule set in force on `day`, 422 naming `field`."""
        jurisdiction = jurisdiction_on(history, day) or UNPLACED
        response = await self._client.get("/rulesets/in-force",
                                          params={"on": day.isoformat(), "jurisdiction": jurisdiction})
        if response.status_code == 404:
            if jurisdiction == UNPLACED:
                raise InvalidInput(field, f"no rule set is in force on {day}")
            return None
        response.raise_for_status()
        bounds = response.json()["operating_subsidy"]
        return parse_rate(bounds["min_rate"]), parse_rate(bounds["max_rate"])

    async def close(self) -> None:
        await self._client.aclose()
