"""Billing's client of the subsidy service reads the due answer with the shared decoder, and refuses one that
does not fit it (a subsidy service of another version) before anything is issued."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from billing.subsidy_client import SubsidyClient, SubsidyUnavailable
from tests.unit.billing.conftest import answer, line
from tuoyu.contracts import due as contract

ANSWER = answer("2022-09", line("F1", "E1", 2000), line("F1", "E2", 1000, 300))


def _fetch(body: bytes):
    asked = []

    def respond(request: httpx.Request) -> httpx.Response:
        asked.append((request.url.path, dict(request.url.params)))
        return httpx.Response(200, content=body, headers={"Server-Timing": "facts;dur=12, encode;dur=3"})

    async def fetch():
        client = SubsidyClient("http://subsidy", "key", transport=httpx.MockTransport(respond))
        try:
            return await client.due("2022-09", facilities=("F1", "F2"))
        finally:
            await client.close()

    return asyncio.run(fetch()), asked


def test_the_cycle_asks_for_a_range_of_the_month_once_caught_up_and_reads_it_as_columns():
    due, asked = _fetch(contract.encode(ANSWER))
    assert asked == [("/due/2022-09", {"caught_up": "true", "from": "F1", "to": "F2"})]
    assert due.lines.reduction.tolist() == [0, 30000]
    assert due.lines.explanation.row(1)["monthly_fee"] == "1000.00"


def test_an_answer_that_does_not_fit_the_contract_stops_the_cycle():
    body = json.loads(contract.encode(ANSWER))
    body["lines"]["fee_fen"] = ["2000.00", "1000.00"]  # money as strings: another version's answer
    with pytest.raises(SubsidyUnavailable, match=r"does not fit the due contract.*fee_fen"):
        _fetch(json.dumps(body).encode())
