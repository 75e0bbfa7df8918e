"""Billing's client of the subsidy service reads the due answer with the shared decoder, and refuses one that
does not fit it (a subsidy service of another version) before anything is issued."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from billing.subsidy_client import SubsidyClient, SubsidyUnavailable
from tests.unit.billing.conftest import YUAN
from tuoyu.contracts import due as contract
from tuoyu.contracts.due import Due, FacilityStanding, Fund, Lines, RuleSetRef

ANSWER = Due(
    month="2022-09", ruleset=RuleSetRef("rs", "1"), fund=Fund("fund", "the fund", 70_000_000), from_facility="F1",
    to_facility="F2", days_in_month=30, rank_basis="birth_order", reduction_rates={1: "0", 2: "0.3"},
    facilities=[FacilityStanding(facility="F1", held=False, revoked=False, in_rectification=False,
                                 eligible_days=30, rate="0.12", revoked_on=None)],
    lines=Lines(facility=[0, 0], family=["FAM1", "FAM1"], child=["K1", "K2"], enrollment=["E1", "E2"],
                fee_fen=[2000 * YUAN, 1000 * YUAN], reduction_fen=[0, 300 * YUAN],
                operating_subsidy_fen=[240 * YUAN, 120 * YUAN], days=[30, 15], subsidised_days=[30, 15],
                sibling_rank=[1, 2], age_eligible=[True, True], monthly_fee_fen=[2000 * YUAN, 2000 * YUAN]),
    grants=[])


def _fetch(body: bytes):
    asked = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append((request.url.path, dict(request.url.params)))
        return httpx.Response(200, content=body, headers={"Server-Timing": "facts;dur=12, encode;dur=3"})

    async def fetch():
        client = SubsidyClient("http://subsidy", "key", transport=httpx.MockTransport(answer))
        try:
            return await client.due("2022-09", facilities=("F1", "F2"))
        finally:
            await client.close()

    return asyncio.run(fetch()), asked


def test_the_cycle_asks_for_a_range_of_the_month_once_caught_up_and_reads_it_as_columns():
    due, asked = _fetch(contract.encode(ANSWER))
    assert asked == [("/due/2022-09", {"caught_up": "true", "from": "F1", "to": "F2"})]
    assert due.lines.reduction.tolist() == [0, 30000]
    assert due.lines.explanation.row(1)["reduction_rate"] == "0.3"


def test_an_answer_that_does_not_fit_the_contract_stops_the_cycle():
    body = json.loads(contract.encode(ANSWER))
    body["lines"]["fee_fen"] = ["2000.00", "1000.00"]  # money as strings: another version's answer
    with pytest.raises(SubsidyUnavailable, match=r"does not fit the due contract.*fee_fen"):
        _fetch(json.dumps(body).encode())
