"""What the subsidy service, which holds rule sets, says is in force in a jurisdiction on a date: the operating-subsidy
rate bounds a facility's rate is checked against, and the rule set the public disclosure names (POLICY
"Jurisdictions": a rate is checked against the rule set in force for the facility's jurisdiction on the rate's
effective date; where none is in force yet, it is accepted, but for a facility in no jurisdiction, which keeps the
single-district rule)."""

from __future__ import annotations

import asyncio
from datetime import date
from fractions import Fraction
from typing import Iterable

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from tuoyu.errors import InvalidInput, Unavailable
from tuoyu.jurisdictions import UNPLACED, Entry, jurisdiction_on
from tuoyu.money import parse_rate


class RateBounds:
    def __init__(self, subsidy_url: str, admin_key: str, patience: float = 20):
        self._patience = patience  # seconds a restarting subsidy service is waited for before a 503
        self._client = httpx.AsyncClient(base_url=subsidy_url, timeout=10,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    async def _in_force(self, day: date, jurisdiction: str) -> dict | None:
        """The rule-set document in force in `jurisdiction` (UNPLACED: a facility in none) on `day`; None: none is.
        Subsidy restarting (unreachable or 5xx for `patience` s): 503, so the caller retries rather than sees a
        failure."""
        try:
            response = await self._ask(day, jurisdiction)
        except (httpx.TransportError, httpx.HTTPStatusError) as error:
            raise Unavailable(f"the subsidy service, which holds the rate bounds, did not answer ({error}); "
                              "retry shortly") from error
        if response.status_code == 404:
            return None
        response.raise_for_status()  # any other refusal is this service's mistake: a 500
        return response.json()

    async def _ask(self, day: date, jurisdiction: str) -> httpx.Response:
        async for attempt in AsyncRetrying(retry=retry_if_exception_type((httpx.TransportError, httpx.HTTPStatusError)),
                                           wait=wait_exponential(max=2), stop=stop_after_delay(self._patience),
                                           reraise=True):
            with attempt:
                response = await self._client.get("/rulesets/in-force",
                                                  params={"on": day.isoformat(), "jurisdiction": jurisdiction})
                if response.status_code >= 500:
                    response.raise_for_status()
        return response

    async def on(self, day: date, history: Iterable[Entry], field: str = "effective_from"
                 ) -> tuple[Fraction, Fraction] | None:
        """The [min, max] rate on `day` in the jurisdiction of the facility's `history` then; None when no rule set is
        in force there: the rate is accepted, and a month billed under bounds it breaks clamps it (the subsidy
        service's explanation says so). A facility in no jurisdiction keeps the rule of the single-district platform:
        with no rule set in force on `day`, 422 naming `field`."""
        jurisdiction = jurisdiction_on(history, day) or UNPLACED
        ruleset = await self._in_force(day, jurisdiction)
        if ruleset is None:
            if jurisdiction == UNPLACED:
                raise InvalidInput(field, f"no rule set is in force on {day}")
            return None
        bounds = ruleset["operating_subsidy"]
        return parse_rate(bounds["min_rate"]), parse_rate(bounds["max_rate"])

    async def ruleset(self, day: date, jurisdiction: str) -> dict | None:
        """{id, version, fund (its name)} of the rule set in force in `jurisdiction` (UNPLACED: a facility in none)
        on `day`, as the public disclosure shows it; None: none is, nothing is subsidised there."""
        found = await self._in_force(day, jurisdiction)
        if found is None:
            return None
        return {"id": found["id"], "version": found["version"], "fund": found["fund"]["name"]}

    async def rulesets(self, day: date, codes: list[str | None]) -> list[dict | None]:
        """`ruleset` in each jurisdiction of `codes` (None: a facility in none), in their order, asked at once."""
        return list(await asyncio.gather(*(self.ruleset(day, code or UNPLACED) for code in codes)))

    async def close(self) -> None:
        await self._client.aclose()
