"""Billing per jurisdiction (POLICY "Jurisdictions"): numbers that never collide, which cycles a run bills, one
failing cycle stopping none, a month without a rule set billed at full fee, each jurisdiction correcting what it
billed, a city's year as the sum of its districts'."""

from __future__ import annotations

import asyncio
import json

import httpx
import msgspec
import pytest

from billing.cycle.driver import chosen, each, summed
from billing.cycle.due import MonthDue
from billing.cycle.numbering import number_prefix
from billing.reports.table import Table, month_table
from billing.reports.year import JURISDICTION_COLUMNS, with_subtotals
from billing.subsidy_client import SubsidyClient
from tests.unit.billing.conftest import answer, due, line
from tests.unit.billing.ledger import Ledger
from tuoyu.contracts import due as contract
from tuoyu.errors import InvalidInput
from tuoyu.jurisdictions import UNPLACED

TREE = {"330000": None, "330900": "330000", "330903": "330900", "330902": "330900", "310000": None,
        "310117": "310000"}
ZHOUSHAN = frozenset({"330900", "330903", "330902"})
SEPTEMBER = "2022-09"


def test_unplaced_documents_keep_their_numbers_and_a_jurisdictions_carry_its_code():
    assert number_prefix("invoice", UNPLACED, 2022) == "INV-2022-"
    assert number_prefix("invoice", "330903", 2022) == "INV-2022-330903-"
    assert number_prefix("credit_note", "330902", 2023) == "CN-2023-330902-"
    assert number_prefix("payout", "310117", 2022) == "PAY-2022-310117-"


def test_a_platform_run_bills_every_district_that_governs_a_facility_or_billed_an_earlier_month():
    assert chosen(["330903", "310117"], ["330902", "330903"], TREE, None, None) == ["310117", "330902", "330903"]


def test_a_citys_code_bills_its_districts_and_never_the_city_itself_or_another_city():
    assert chosen(["330903", "330902", "310117", "330900"], [], TREE, "330900", None) == ["330902", "330903"]


def test_a_scoped_key_bills_only_what_it_covers_and_never_the_unplaced():
    assert chosen(["330903", "330902", UNPLACED], [], TREE, None, frozenset({"330903"})) == ["330903"]
    assert chosen(["330903", "330902", UNPLACED], [], TREE, None, ZHOUSHAN) == ["330902", "330903"]


def test_a_platform_run_with_nothing_to_bill_bills_the_unplaced_month_as_before_jurisdictions():
    assert chosen([], [], TREE, None, None) == [UNPLACED]
    assert chosen([], [], TREE, None, ZHOUSHAN) == []


def _result(jurisdiction: str, invoices: int, seconds: float = 1.0) -> dict:
    return {"month": "2022-09", "jurisdiction": jurisdiction, "issued": True, "family_documents": invoices,
            "payouts": 1, "documents": {"invoice": invoices, "payout": 1}, "payout_statuses": {"issued": 1},
            "corrected_months": ["2022-08"], "blocked": [], "seconds": {"total": seconds, "fetch_due_parts": {}}}


def test_the_answer_lists_each_cycle_and_sums_the_old_fields_for_old_callers():
    answer_ = summed("2022-09", [_result("330902", 2), _result("330903", 3, 0.5)])
    assert answer_["issued"] is True and answer_["family_documents"] == 5 and answer_["payouts"] == 2
    assert answer_["documents"] == {"invoice": 5, "payout": 2} and answer_["payout_statuses"] == {"issued": 2}
    assert answer_["corrected_months"] == ["2022-08"] and answer_["seconds"]["total"] == 1.5
    assert [c["jurisdiction"] for c in answer_["cycles"]] == ["330902", "330903"]


def test_a_month_billed_everywhere_already_says_so_at_the_top_as_before():
    done = [{"month": "2022-09", "jurisdiction": j, "issued": False, "reason": "already billed"}
            for j in ("330902", "330903")]
    assert summed("2022-09", done) == {"month": "2022-09", "issued": False, "reason": "already billed",
                                       "cycles": done}


def test_one_jurisdictions_failing_cycle_stops_none_of_the_others():
    async def run(jurisdiction: str) -> dict:
        if jurisdiction == "330902":
            raise InvalidInput("month", "no rule set is in force")
        return _result(jurisdiction, 1)

    answer_ = asyncio.run(each("2022-09", ["310117", "330902", "330903"], run))
    assert [(c["jurisdiction"], c["issued"]) for c in answer_["cycles"]] == [
        ("310117", True), ("330902", False), ("330903", True)]
    assert "no rule set is in force" in answer_["cycles"][1]["error"] and answer_["family_documents"] == 2


def test_when_every_cycle_fails_the_first_error_is_raised_as_one_cycles_was():
    async def run(jurisdiction: str) -> dict:
        raise InvalidInput("month", f"{jurisdiction} refused")

    with pytest.raises(InvalidInput, match="330902 refused"):
        asyncio.run(each("2022-09", ["330902", "330903"], run))


WHY = "no rule set covers 330902 定海区 on 2022-09-01"


def _unsubsidised(month: str, *lines: dict) -> MonthDue:
    full_fee = [{**l, "reduction_fen": 0, "operating_subsidy_fen": 0} for l in lines]
    return MonthDue.of(msgspec.structs.replace(answer(month, *full_fee), ruleset=None, fund=None,
                                               jurisdiction="330902", unsubsidised=WHY))


def test_without_a_rule_set_families_are_invoiced_the_full_fee_saying_why_and_no_payout_is_made():
    result = Ledger().bill(SEPTEMBER, {SEPTEMBER: _unsubsidised(SEPTEMBER, line("F1", "E1", 2000, 600))})
    (invoice,) = result.family.rows()
    assert (invoice["kind"], invoice["fee"], invoice["reduction"]) == ("invoice", 200000, 0)
    explanation = json.loads(invoice["explanation"])
    assert explanation["unsubsidised"] == WHY and explanation["ruleset"] is None
    assert result.payouts == []


def test_a_withdrawal_in_an_unsubsidised_month_is_credited_saying_why():
    ledger = Ledger()
    ledger.bill("2022-09", {"2022-09": _unsubsidised("2022-09", line("F1", "E1", 2000))})
    result = ledger.bill("2022-10", {"2022-09": _unsubsidised("2022-09"), "2022-10": _unsubsidised("2022-10")})
    (credit,) = result.family.rows()
    assert credit["kind"] == "credit_note" and credit["fee"] == -200000
    assert json.loads(credit["explanation"])["unsubsidised"] == WHY


def test_each_jurisdiction_corrects_what_it_billed_even_after_the_facility_moved():
    """F1 is Putuo's in September and Dinghai's from October; September's fee is corrected late. Each
    jurisdiction's cycle sees only what it billed (the store reads issued documents by jurisdiction)."""
    putuo, dinghai = Ledger(), Ledger()
    putuo.bill("2022-09", {"2022-09": due("2022-09", line("F1", "E1", 2000))})
    october_putuo = putuo.bill("2022-10", {"2022-09": due("2022-09", line("F1", "E1", 1500)),
                                           "2022-10": due("2022-10")})
    october_dinghai = dinghai.bill("2022-10", {"2022-10": due("2022-10", line("F1", "E1", 2000))})
    assert [(d["kind"], d["service_month"], d["fee"]) for d in october_putuo.family.rows()] == [
        ("credit_note", "2022-09", -50000)]
    assert [(d["kind"], d["service_month"], d["fee"]) for d in october_dinghai.family.rows()] == [
        ("invoice", "2022-10", 200000)]
    assert putuo.family_sums()[("2022-09", "F1", "E1")] == (150000, 0)


def test_a_citys_year_row_is_the_sum_of_its_districts_and_not_counted_twice_in_the_total():
    rows = [{"jurisdiction": code, "name": "", "fees": fees, "reductions": 0, "family_due": fees,
             "operating_subsidy": 0, "reduction_compensation": 0, "grants": 0, "issued": 0, "approved": 0,
             "paid": 0, "awaiting_budget": 0, "held": 0, "cancelled": 0}
            for code, fees in (("330902", 100), ("330903", 250), ("310117", 7))]
    out = with_subtotals(rows, TREE, {"330900": "舟山市"})
    city = next(r for r in out if r["jurisdiction"] == "330900")
    assert city["fees"] == 350 and city["name"] == "舟山市" and city["subtotal"] is True
    assert next(r for r in out if r["jurisdiction"] == "330000")["fees"] == 350
    assert Table("t", JURISDICTION_COLUMNS, out).totals()["fees"] == 357


REPORT = {"month": "2022-09", "ruleset": "rs", "ruleset_version": "1", "invoices": [], "credit_notes": [],
          "payouts": [], "totals": {}, "jurisdictions": [{"code": "330903"}]}


def test_a_report_of_a_jurisdictions_documents_has_its_column_and_an_unplaced_one_reads_as_before():
    placed = [c.key for c in month_table(REPORT).columns]
    assert placed[placed.index("facility") + 1] == "jurisdiction"
    unplaced = {**REPORT, "jurisdictions": [{"code": UNPLACED}]}
    assert "jurisdiction" not in [c.key for c in month_table(unplaced).columns]


def _ask(call, respond):
    """What `call` gets from a subsidy client whose service answers with `respond`."""
    async def run():
        client = SubsidyClient("http://subsidy", "key", transport=httpx.MockTransport(respond))
        try:
            return await call(client)
        finally:
            await client.close()
    return asyncio.run(run())


def test_a_subsidy_service_without_jurisdictions_bills_everything_as_unplaced():
    answer_ = _ask(lambda c: c.jurisdictions(SEPTEMBER), lambda request: httpx.Response(404, json={"detail": "no"}))
    assert [j["code"] for j in answer_] == [UNPLACED]


def test_the_cycle_asks_for_its_jurisdictions_lines_and_ranges():
    asked = []

    def respond(request):
        asked.append((request.url.path, dict(request.url.params)))
        if request.url.path.endswith("/batches"):
            return httpx.Response(200, json={"batches": [{"from": None, "to": None}]})
        return httpx.Response(200, content=contract.encode(answer(SEPTEMBER, line("F1", "E1", 2000))))

    _ask(lambda c: c.batches(SEPTEMBER, 10, "330903"), respond)
    _ask(lambda c: c.due(SEPTEMBER, jurisdiction="330903"), respond)
    assert asked == [("/due/2022-09/batches", {"lines": "10", "caught_up": "true", "jurisdiction": "330903"}),
                     ("/due/2022-09", {"caught_up": "true", "jurisdiction": "330903"})]

