"""Billing on the real stack: a world per scenario (module-scoped), and the check every test ends with —
what was issued plus its corrections equals what the subsidy service says is due now, and what a fresh world
loaded with the final facts issues (POLICY `late_change`)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from billing.cycle.due import MonthDue
from tests.scenarios import path
from tuoyu.contracts import due as contract
from tests.stack import World


def final_facts(scenario: str, folder: Path) -> Path:
    """The scenario with every fact of its timeline moved before the first bill: the facts arrive on time."""
    doc = yaml.safe_load(path(scenario).read_text(encoding="utf-8"))
    timeline = doc.get("timeline", [])
    doc["timeline"] = [s for s in timeline if "bill" not in s] + [s for s in timeline if "bill" in s]
    target = folder / f"final-{scenario}"
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def two_districts(folder: Path) -> Path:
    """The late-changes scenario's facility in Putuo, and a copy of it, with its own families, in Dinghai
    (under Putuo's rule set, which covers Putuo only: Dinghai's families pay the full fee); no bill."""
    doc = yaml.safe_load(path("late-changes.yaml").read_text(encoding="utf-8"))
    doc["timeline"] = []
    doc["jurisdictions"] = [{"code": "330900", "name": "舟山市"},
                            {"code": "330903", "name": "普陀区", "parent": "330900"},
                            {"code": "330902", "name": "定海区", "parent": "330900"}]
    (putuo,) = doc["facilities"]
    dinghai = {**putuo, "external_id": "F2", "name": "定海托育园", "bank_account": "6222020200112233446",
               "classes": [{"external_id": "C2", "opened_on": "2022-09-01", "capacity": 20}]}
    doc["facilities"] = [{**putuo, "jurisdiction": "330903"}, {**dinghai, "jurisdiction": "330902"}]
    doc["families"] += [{"external_id": f"D{fam['external_id']}",
                         "children": [{**k, "external_id": f"D{k['external_id']}"} for k in fam["children"]]}
                        for fam in doc["families"]]
    doc["enrollments"] += [{**e, "external_id": f"D{e['external_id']}", "child": f"D{e['child']}", "facility": "F2",
                            "class": "C2"} for e in doc["enrollments"]]
    scenario = folder / "districts.yaml"
    scenario.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return scenario


SEP = "2022-09"
ACCOUNTS = {"PA": "6222020200110000001", "DA": "6222020200110000002", "MV": "6222020200110000003",
            "SA": "6222020200110000004"}


def three_districts_paid(folder: Path) -> Path:
    """Issue 13's three districts (tests/scenarios/three-districts.yaml) billed for September only, every facility
    with a bank account (`ACCOUNTS`), so that a finance official can approve, export and confirm their payouts:
    Putuo's PA 20,300.00 issued; Dinghai's DA 160.00 and MV 11,400.00 issued; Daishan's SA 11,080.00 waiting for
    the city's fund (15,000.00)."""
    source = path("three-districts.yaml")
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    doc["rulesets"] = [str(source.parent / r) if r.endswith(".yaml") else r for r in doc["rulesets"]]
    for facility in doc["facilities"]:
        facility["bank_account"] = ACCOUNTS[facility["external_id"]]
    doc["timeline"] = [{"bill": SEP}]
    target = folder / "three-districts-paid.yaml"
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def at_once(*runs) -> list:
    """Call every run in a thread of its own, all at the same time; their results, in the order they finished."""
    results: list = []
    threads = [threading.Thread(target=lambda run=run: results.append(run())) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def billing_get(world: World, route: str, **params):
    api = world.api()
    return api.call(api.billing, "GET", route, params=params).json()


def bank_file(world: World, month: str) -> dict[str, dict]:
    """The month's bank file as finance downloads it, a row per facility."""
    api = world.api()
    text = api.call(api.billing, "GET", f"/bank-files/{month}").text
    return {r["facility"]: r for r in csv.DictReader(io.StringIO(text))}


def proposed_account(world: World, facility: str, timeout: float = 30) -> dict:
    """The facility's bank-account standing at billing once a new account waits there for confirmation."""
    deadline = time.monotonic() + timeout
    while (standing := billing_get(world, f"/facilities/{facility}/bank-account"))["proposed"] is None:
        assert time.monotonic() < deadline, "billing never saw the facility's new account"
        time.sleep(0.2)
    return standing


def issued_sums(world: World) -> tuple[dict, dict]:
    """Per (service month, facility, enrollment): (fee, reduction) of all family documents; per (service month,
    facility, kind, subject): the payout lines (releases aside: they move money already counted)."""
    family = {(m, f, e): (fee, red) for m, f, e, fee, red in world.query("billing",
              "SELECT service_month, facility, enrollment, sum(fee_fen)::bigint, sum(reduction_fen)::bigint "
              "FROM family_documents GROUP BY 1, 2, 3") if fee or red}
    lines = {(m, f, k, s): a for m, f, k, s, a in world.query("billing",
             "SELECT l.service_month, p.facility, l.kind, l.subject, sum(l.amount_fen)::bigint FROM payout_lines l "
             "JOIN payouts p ON p.number = l.payout WHERE l.kind <> 'release' GROUP BY 1, 2, 3, 4") if a}
    return family, lines


def due_sums(world: World, months: list[str]) -> tuple[dict, dict]:
    """The same sums, from what the subsidy service says is due now for `months` (grants: once, by the last)."""
    api = world.api()

    def answer(month: str) -> MonthDue:  # read as the cycle reads it
        return MonthDue.of(contract.decode(api.call(api.subsidy, "GET", f"/due/{month}").content))

    family, lines = {}, {}
    for month in months:
        due = answer(month).lines
        for facility, enrollment, fee, red, sub in zip(due.facility.tolist(), due.enrollment.tolist(), due.fee.tolist(),
                                                       due.reduction.tolist(), due.operating_subsidy.tolist()):
            if fee or red:
                family[(month, facility, enrollment)] = (fee, red)
            if sub:
                lines[(month, facility, "operating_subsidy", enrollment)] = sub
            if red:
                lines[(month, facility, "reduction_compensation", enrollment)] = red
    grants_paid = {(f, c) for f, c in world.query("billing", "SELECT facility, class FROM grants_paid")}
    grants_due = {(g.facility, g.class_id) for g in answer(months[-1]).grants}
    assert grants_paid == grants_due, "every class's grant paid exactly once"
    grant_lines = defaultdict(int)
    for m, f, k, s, a in world.query("billing", "SELECT l.service_month, p.facility, l.kind, l.subject, "
                                                "l.amount_fen FROM payout_lines l JOIN payouts p ON p.number = "
                                                "l.payout WHERE l.kind = 'construction_grant'"):
        grant_lines[(m, f, k, s)] += a
    lines.update(grant_lines)
    return family, lines


def assert_issued_equals_due(world: World, months: list[str]) -> None:
    family, lines = issued_sums(world)
    due_family, due_lines = due_sums(world, months)
    assert family == due_family
    assert lines == due_lines


def by_facility(lines: dict) -> dict:
    out = defaultdict(int)
    for (month, facility, _, _), amount in lines.items():
        out[(month, facility)] += amount
    return dict(out)


def report(world: World, month: str) -> dict:
    return json.loads(world.cli("report", "--month", month, "--format", "json").stdout)


@pytest.fixture(scope="package")
def late_world(infra, tmp_path_factory):
    """The late-changes scenario, billed for September and October: shared by the late-change, report and
    family-access modules, which only read it or add tokens."""
    world = World(tmp_path_factory.mktemp("late")).start()
    try:
        world.cli("scenario", "load", str(path("late-changes.yaml")))
        yield world
    finally:
        world.close()
