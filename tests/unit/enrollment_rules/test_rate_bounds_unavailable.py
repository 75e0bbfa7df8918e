"""A rate is checked against the subsidy service's bounds; while that service restarts, the request is a 503 the
client retries, never a 500 (it was one when subsidy was down mid-load)."""

from __future__ import annotations

import socket
from datetime import date

import httpx
import pytest

from enrollment.rate_bounds import RateBounds
from tuoyu.errors import Unavailable

DAY = date(2022, 9, 1)
PUTUO = [(date(2022, 1, 1), "330903")]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def answering(status: int, body: dict | None = None) -> RateBounds:
    bounds = RateBounds("http://subsidy", "key", patience=0.3)
    bounds._client = httpx.AsyncClient(base_url="http://subsidy", transport=httpx.MockTransport(
        lambda request: httpx.Response(status, json=body or {})))
    return bounds


async def test_a_subsidy_service_that_cannot_be_reached_makes_the_rate_check_a_503_to_retry():
    bounds = RateBounds(f"http://127.0.0.1:{closed_port()}", "key", patience=0.3)
    with pytest.raises(Unavailable) as refused:
        await bounds.on(DAY, PUTUO)
    assert refused.value.status == 503
    assert "subsidy service" in refused.value.detail


async def test_a_subsidy_service_failing_with_500s_makes_the_rate_check_a_503_to_retry():
    with pytest.raises(Unavailable):
        await answering(500).on(DAY, PUTUO)


async def test_a_placed_facility_with_no_rule_set_in_force_is_not_bounded():
    assert await answering(404).on(DAY, PUTUO) is None


async def test_the_bounds_of_the_rule_set_in_force_are_the_rate_check():
    ruleset = {"operating_subsidy": {"min_rate": "0.08", "max_rate": "0.15"}}
    low, high = await answering(200, ruleset).on(DAY, PUTUO)
    assert (float(low), float(high)) == (0.08, 0.15)
