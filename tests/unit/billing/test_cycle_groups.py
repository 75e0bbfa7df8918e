"""Cycles of a month in parallel (issue 14): jurisdictions sharing a fund one after another in code order, groups
of different funds at once up to the workers setting, the answer in code order whatever finished first."""

from __future__ import annotations

import asyncio

from hypothesis import given, strategies as st

from billing.cycle.driver import each, groups

CODES = st.lists(st.sampled_from([f"3309{n:02d}" for n in range(1, 13)] + ["000000"]), unique=True, max_size=12)
FUNDS = st.sampled_from([None, "city", "a", "b", "c"])


@given(CODES, st.data())
def test_every_jurisdiction_is_in_one_group_with_exactly_those_sharing_its_fund(codes, data):
    fund_of = {code: data.draw(FUNDS) for code in codes}
    found = groups(codes, fund_of)
    assert sorted(c for group in found for c in group) == sorted(codes)
    for group in found:
        assert group == sorted(group)
        funds = {fund_of[c] for c in group}
        assert len(funds) == 1
        if funds == {None}:
            assert len(group) == 1, "no fund: nothing to share, a group of its own"
    with_fund = [fund_of[g[0]] for g in found if fund_of[g[0]] is not None]
    assert len(with_fund) == len(set(with_fund)), "one group per fund"
    assert [g[0] for g in found] == sorted(g[0] for g in found)


def test_districts_of_one_city_fund_run_together_in_code_order_and_others_alone():
    fund_of = {"330903": "zhoushan", "330902": "zhoushan", "310117": "songjiang", "000000": None}
    assert groups(fund_of, fund_of) == [["000000"], ["310117"], ["330902", "330903"]]


def cycles(fund_of: dict, workers: int, seconds: float = 0.05, failing: frozenset = frozenset()):
    """Run `each` over fake cycles that sleep; returns (the answer, the start and end order, most at once)."""
    log: list[tuple[str, str]] = []
    running: set[str] = set()
    most = 0

    async def run(code: str) -> dict:
        nonlocal most
        running.add(code)
        most = max(most, len(running))
        log.append(("start", code))
        # Later codes finish first, so the answer's order cannot come from the finishing order.
        await asyncio.sleep(seconds * (1 + len(fund_of) - sorted(fund_of).index(code)) / len(fund_of))
        running.discard(code)
        log.append(("end", code))
        if code in failing:
            raise RuntimeError(f"{code} broke")
        return {"month": "2022-09", "jurisdiction": code, "issued": True, "documents": {"invoice": 1}}

    answer = asyncio.run(each("2022-09", sorted(fund_of), run, fund_of, workers))
    return answer, log, most


def test_different_funds_cycles_run_at_once_up_to_the_workers_and_the_answer_stays_in_code_order():
    fund_of = {f"3309{n:02d}": f"fund-{n}" for n in range(1, 6)}
    for workers in (1, 2, 3):
        answer, _, most = cycles(fund_of, workers)
        assert most == workers
        assert [c["jurisdiction"] for c in answer["cycles"]] == sorted(fund_of)
        assert answer["documents"] == {"invoice": 5}


def test_a_shared_funds_districts_never_overlap_and_run_in_code_order_while_another_fund_runs_beside():
    fund_of = {"330901": "city", "330902": "city", "330903": "city", "330904": "own", "330905": None}
    _, log, most = cycles(fund_of, workers=2)
    assert most == 2
    city = [(kind, code) for kind, code in log if fund_of[code] == "city"]
    assert city == [(kind, code) for code in ("330901", "330902", "330903") for kind in ("start", "end")]


def test_a_failing_cycle_stops_neither_its_funds_next_district_nor_another_funds():
    fund_of = {"330901": "city", "330902": "city", "330903": "own"}
    answer, _, _ = cycles(fund_of, workers=2, failing=frozenset({"330901"}))
    assert [(c["jurisdiction"], "error" in c) for c in answer["cycles"]] == [
        ("330901", True), ("330902", False), ("330903", False)]
    assert answer["issued"] is True
