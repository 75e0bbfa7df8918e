"""Asks the subsidy service what is due for a month (after it has applied every event published so far)."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import msgspec
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from billing.cycle.due import MonthDue
from tuoyu.contracts import due as contract
from tuoyu.errors import InvalidInput, TuoyuError
from tuoyu.jurisdictions import UNPLACED


class SubsidyUnavailable(TuoyuError):
    """The subsidy service refused or failed: the cycle issues nothing and can be re-run."""

    status = 503
    title = "Subsidy service unavailable"


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text[:300])
        except ValueError:
            detail = response.text[:300]
        if response.status_code == 404:  # no rule set in force in that month: the month is wrong, not the service
            raise InvalidInput("month", f"{detail}; nothing was issued")
        raise SubsidyUnavailable(f"the subsidy service answered {response.status_code} to "
                                 f"{response.request.url.path}: {detail}; nothing was issued, run the cycle again")
    return response


def _with(jurisdiction: str | None, **params) -> dict:
    """The query's parameters, with the jurisdiction when one is asked for (None: the subsidy service's choice)."""
    return params if jurisdiction is None else {**params, "jurisdiction": jurisdiction}


_RETRY = dict(retry=retry_if_exception_type(httpx.TransportError), wait=wait_exponential(max=5),
              stop=stop_after_delay(120), reraise=True)


class SubsidyClient:
    def __init__(self, base_url: str, admin_key: str, transport: httpx.AsyncBaseTransport | None = None):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=900, transport=transport,
                                         headers={"Authorization": f"Bearer {admin_key}"})

    @retry(**_RETRY)
    async def batches(self, month: str, lines: int, jurisdiction: str | None = None
                      ) -> list[tuple[str | None, str | None]]:
        """Facility ranges of about `lines` enrollments each, covering every facility the jurisdiction governs in
        the month (`GET /due/{month}/batches`)."""
        response = _checked(await self._client.get(
            f"/due/{month}/batches", params=_with(jurisdiction, lines=lines, caught_up="true")))
        return [(b["from"], b["to"]) for b in response.json()["batches"]]

    @retry(**_RETRY)
    async def due(self, month: str, timings: Counter | None = None,
                  facilities: tuple[str | None, str | None] = (None, None), jurisdiction: str | None = None
                  ) -> MonthDue:
        """What is due for the month (`GET /due/{month}`) to the facilities the jurisdiction governs then, every one
        or those in [from, to).
        `timings` gathers where the seconds went (the subsidy service's Server-Timing, the request, parsing)."""
        timings = Counter() if timings is None else timings
        started = time.perf_counter()
        params = _with(jurisdiction, caught_up="true",
                       **{k: v for k, v in zip(("from", "to"), facilities) if v is not None})
        response = _checked(await self._client.get(f"/due/{month}", params=params))
        received = time.perf_counter()
        for part in response.headers.get("server-timing", "").split(","):
            name, _, duration = part.strip().partition(";dur=")
            if duration:
                timings[f"subsidy_{name}"] += float(duration) / 1000
        try:
            due = MonthDue.of(contract.decode(response.content))
        except msgspec.DecodeError as error:  # a subsidy service of another version, say
            raise SubsidyUnavailable(f"the subsidy service's answer for {month} does not fit the due contract "
                                     f"({error}); nothing was issued") from error
        timings["request"] += received - started
        timings["parse"] += time.perf_counter() - received
        return due

    @retry(**_RETRY)
    async def ruleset_info(self, month: str, jurisdiction: str | None = None) -> dict:
        """What a family's page quotes of the rule set in force in the jurisdiction: the fund's name, the source,
        the reduction table."""
        response = _checked(await self._client.get("/rulesets/in-force",
                                                   params=_with(jurisdiction, on=f"{month}-01")))
        doc = response.json()
        return {"id": doc["id"], "version": doc["version"], "fund_name": doc["fund"]["name"],
                "source_quote": doc["source"]["quote"], "source_seed": doc["source"]["seed"],
                "sibling_reduction": doc["sibling_reduction"]}

    @retry(**_RETRY)
    async def funds(self) -> dict[str, frozenset[str]]:
        """The funds the loaded rule sets name (the only funds a budget can be set for), each with the jurisdictions
        its rule sets cover (POLICY "Jurisdictions": a fund is theirs); a rule set naming none covers the platform,
        which only a platform-wide key reaches (UNPLACED stands for it)."""
        response = _checked(await self._client.get("/rulesets"))
        funds: dict[str, frozenset[str]] = {}
        for doc in response.json():
            covered = frozenset(doc.get("jurisdictions") or [UNPLACED])
            funds[doc["fund"]["id"]] = funds.get(doc["fund"]["id"], frozenset()) | covered
        return funds

    @retry(**_RETRY)
    async def jurisdictions(self, month: str) -> list[dict]:
        """Every county-level jurisdiction governing a facility in the month, with its rule set and fund
        (`GET /due/{month}/jurisdictions`). A subsidy service without that route (before jurisdictions) bills
        every facility as unplaced: the one answer is the unplaced jurisdiction."""
        response = await self._client.get(f"/due/{month}/jurisdictions", params={"caught_up": "true"})
        if response.status_code == 404:
            return [{"code": UNPLACED, "name": None, "ruleset": None, "fund": None}]
        return _checked(response).json()["jurisdictions"]

    async def close(self) -> None:
        await self._client.aclose()
