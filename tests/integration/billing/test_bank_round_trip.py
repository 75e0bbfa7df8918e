"""CONTRACT "Paying facilities" on the real stack: approve, export, a confirmation with a bad line refused
whole, the right one accepted, and reconcile showing the difference before and none after."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, billing_get
from tests.scenarios import path

SEP = "2022-09"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def _reconcile(world) -> tuple[int, dict]:
    result = world.cli("reconcile", "--month", SEP, "--json", check=False)
    return result.returncode, json.loads(result.stdout)


def _statuses(world) -> dict:
    return {p["facility"]: p["status"] for p in billing_get(world, "/payouts", month=SEP)}


def test_bank_file_round_trip_with_one_bad_line(world, tmp_path):
    code, before = _reconcile(world)
    assert code == 2 and [d["difference"] for d in before["differences"]] == [
        "issued 21080.00, not yet approved", "issued 20270.00, not yet approved"]

    approved = json.loads(world.cli("payouts", "approve", "--month", SEP, "--by", "王会计").stdout)
    assert [a["facility"] for a in approved["approved"]] == ["F1", "F2"] and approved["total"] == "41350.00"

    bank_file = tmp_path / "payouts.csv"
    world.cli("payouts", "export", "--month", SEP, "--output", str(bank_file))
    rows = list(csv.DictReader(io.StringIO(bank_file.read_text(encoding="utf-8"))))
    assert [(r["facility"], r["name"], r["account"], r["amount"]) for r in rows] == [
        ("F1", "沈家门街道托育园", "6222020200112233445", "21080.00"),
        ("F2", "东港街道托育中心", "6222020200998877665", "20270.00")]
    references = {r["facility"]: r["reference"] for r in rows}

    code, waiting = _reconcile(world)
    assert code == 2
    assert [(d["facility"], d["difference"]) for d in waiting["differences"]] == [
        ("F1", "approved 21080.00, not yet paid"), ("F2", "approved 20270.00, not yet paid")]
    assert waiting["totals"] == {"issued": "41350.00", "approved": "41350.00", "paid": "0.00"}

    bad = tmp_path / "confirmation-bad.csv"
    bad.write_text("reference,amount,paid_on,status\n"
                   f"{references['F1']},21080.00,2022-10-08,paid\n"
                   f"{references['F2']},20207.00,2022-10-08,paid\n"
                   "PAY-2022-999999,100.00,2022-10-08,paid\n", encoding="utf-8")
    refused = world.cli("payouts", "confirm", str(bad), check=False)
    assert refused.returncode == 1
    assert "line 3: amount 20207.00 differs from the payout's 20270.00" in refused.stderr
    assert "line 4: unknown reference 'PAY-2022-999999'" in refused.stderr
    assert "nothing changed" in refused.stderr
    assert _statuses(world) == {"F1": "approved", "F2": "approved"}, "a refused file changes nothing"

    good = tmp_path / "confirmation.csv"
    good.write_text("reference,amount,paid_on,status\n"
                    f"{references['F1']},21080.00,2022-10-08,paid\n"
                    f"{references['F2']},20270.00,2022-10-09,paid\n", encoding="utf-8")
    accepted = json.loads(world.cli("payouts", "confirm", str(good)).stdout)
    assert sorted(accepted["paid"]) == sorted(references.values()) and accepted["total_paid"] == "41350.00"
    assert _statuses(world) == {"F1": "paid", "F2": "paid"}

    code, after = _reconcile(world)
    assert code == 0 and after["differences"] == [] and after["in_order"]
    assert after["totals"] == {"issued": "41350.00", "approved": "41350.00", "paid": "41350.00"}
    assert "0 difference(s)" in world.cli("reconcile", "--month", SEP).stdout

    twice = world.cli("payouts", "confirm", str(good), check=False)
    assert twice.returncode == 1
    assert f"line 2: {references['F1']} was already paid on 2022-10-08: paid twice" in twice.stderr
    assert _reconcile(world)[0] == 0

    actions = [e["action"] for e in billing_get(world, "/audit", limit=10)]
    assert actions[:5] == ["bank_confirmation_refused", "bank_confirmation_imported", "bank_confirmation_refused",
                           "bank_file_exported", "payouts_approved"]


def test_issued_equals_what_is_due(world):
    assert_issued_equals_due(world, [SEP])
