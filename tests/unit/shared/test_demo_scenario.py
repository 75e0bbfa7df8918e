"""The demo's two-district scenario (deploy/demo/zhoushan.yaml) plans without a service: its Dinghai rule set is a
file beside it, a valid rule-set document covering Dinghai alone and marked as an illustration; and the CLI's lines
for the cycles of several jurisdictions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from subsidy.rules.ruleset import RuleSet, load_ruleset
from tests.unit.shared.fake_services import Services
from tuoyu.cli.cycles import cycle_line
from tuoyu.cli.rulesets import summary
from tuoyu.jurisdictions import KNOWN

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo" / "zhoushan.yaml"
DINGHAI = DEMO.parent / "rulesets" / "dinghai-2023.yaml"


def test_the_demo_loads_putuo_by_id_and_dinghai_from_the_file_beside_it_with_every_facility_placed():
    scenario = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    services = Services()
    services.run(scenario, base=DEMO.parent)
    assert [(p, b) for h, m, p, b in services.requests if h == "subsidy"] == [
        ("/rulesets/shipped/zhoushan-putuo-2022", None), ("/rulesets", DINGHAI.read_text(encoding="utf-8"))]
    placed = {f["external_id"]: f["jurisdiction"] for f in services.sent("enrollment", path="/facilities")}
    assert placed == {"F1": "330903", "D1": "330902"}
    assert all(KNOWN[j["code"]] == (j["name"], j.get("parent")) for j in scenario["jurisdictions"])


def test_the_demo_keeps_the_worked_examples_world_in_putuo():
    worked = yaml.safe_load((DEMO.parents[2] / "tests" / "scenarios" / "worked-examples.yaml").read_text("utf-8"))
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    (f1,) = [f for f in demo["facilities"] if f["external_id"] == "F1"]
    assert {k: v for k, v in f1.items() if k != "jurisdiction"} == worked["facilities"][0]
    assert all(e in demo["enrollments"] for e in worked["enrollments"])
    assert all(f in demo["families"] for f in worked["families"])


@pytest.mark.skipif("jurisdictions" not in RuleSet.model_fields,
                    reason="rule-set documents name their jurisdictions once the subsidy side of issue 13 is merged")
def test_dinghais_rule_set_is_a_valid_document_for_dinghai_alone_marked_as_an_illustration():
    ruleset = load_ruleset(DINGHAI.read_text(encoding="utf-8"))
    assert (ruleset.id, list(ruleset.jurisdictions), ruleset.fund.id) == (
        "zhoushan-dinghai-2023", ["330902"], "dinghai-childcare-fund")
    assert ruleset.fund.name.startswith("定海区") and ruleset.decisions[0].startswith("ILLUSTRATION")


def test_each_jurisdictions_cycle_is_one_line_saying_what_it_issued_or_why_not():
    assert cycle_line("2023-01", {"jurisdiction": "330903", "issued": True, "family_documents": 8, "payouts": 1,
                                  "blocked": []}) == "330903 2023-01: issued 8 family document(s), 1 payout(s)"
    assert cycle_line("2023-01", {"jurisdiction": "330902", "issued": True, "family_documents": 3, "payouts": 0,
                                  "blocked": [{}]}).endswith(", 1 blocked (see the report)")
    assert cycle_line("2023-01", {"jurisdiction": "330902", "issued": False, "reason": "already billed"}) == (
        "330902 2023-01: nothing issued (already billed)")
    assert cycle_line("2023-01", {"jurisdiction": "330902", "error": "the subsidy service did not answer"}) == (
        "330902 2023-01: failed: the subsidy service did not answer")


def test_a_loaded_rule_set_is_summed_up_with_what_it_covers():
    doc = {"id": "x", "version": "1", "valid_from": "2023-01-01", "fund": {"id": "f", "name": "基金"}}
    assert summary({**doc, "jurisdictions": ["330902"]}) == (
        "x version 1 from 2023-01-01, covers 330902, fund f (基金)")
    assert "covers every jurisdiction (platform-wide)" in summary(doc)
