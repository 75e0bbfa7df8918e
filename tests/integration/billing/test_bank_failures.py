"""POLICY "Guard rails", a failed bank line is not paid: the payout stays approved with the bank's reason, goes into
the next bank file and shows in reconcile until it is paid; a failure reported for a paid payout, or a file that
confirms nothing, is refused and changes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.integration.billing.conftest import bank_file, billing_get, proposed_account
from tests.scenarios import path

SEP = "2022-09"
HEADER = "reference,amount,paid_on,status,reason\n"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def _statuses(world) -> dict:
    return {p["facility"]: p["status"] for p in billing_get(world, "/payouts", month=SEP)}


def _bank_file(world, tmp_path, name: str) -> dict:
    target = tmp_path / name
    world.cli("payouts", "export", "--month", SEP, "--output", str(target))
    return {r["facility"]: r for r in csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))}


def _confirm(world, tmp_path, text: str, name: str):
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return world.cli("payouts", "confirm", str(target), check=False)


def _reconcile(world) -> tuple[int, list[tuple[str, str]]]:
    result = world.cli("reconcile", "--month", SEP, "--json", check=False)
    return result.returncode, [(d["facility"], d["difference"]) for d in json.loads(result.stdout)["differences"]]


def test_a_payout_the_bank_failed_stays_approved_and_goes_into_the_next_bank_file(world, tmp_path):
    world.cli("payouts", "approve", "--month", SEP, "--by", "王会计")
    first = _bank_file(world, tmp_path, "first.csv")
    f1, f2 = first["F1"]["reference"], first["F2"]["reference"]

    result = _confirm(world, tmp_path, HEADER + f"{f1},21080.00,2022-10-10,failed,账户已销户\n"
                                                f"{f2},20270.00,2022-10-10,paid,\n", "mixed.csv")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["paid"] == [f2]
    assert _statuses(world) == {"F1": "approved", "F2": "paid"}
    assert _reconcile(world) == (2, [("F1", "approved 21080.00, failed at the bank on 2022-10-10 (账户已销户): "
                                             "it goes into the next bank file")])

    again = _bank_file(world, tmp_path, "second.csv")
    assert list(again) == ["F1"] and again["F1"]["reference"] == f1 and again["F1"]["amount"] == "21080.00"

    refused = _confirm(world, tmp_path, HEADER + f"{f2},20270.00,2022-10-11,failed,late\n", "paid-failed.csv")
    assert refused.returncode == 1
    assert f"line 2: {f2} was paid on 2022-10-10: the bank cannot report it failed now" in refused.stderr
    assert _statuses(world) == {"F1": "approved", "F2": "paid"}, "a refused file changes nothing"

    empty = _confirm(world, tmp_path, HEADER, "empty.csv")
    assert empty.returncode == 1 and "the file confirms no payout" in empty.stderr

    paid = _confirm(world, tmp_path, HEADER + f"{f1},21080.00,2022-10-15,paid,\n", "paid.csv")
    assert paid.returncode == 0, paid.stderr
    assert _statuses(world) == {"F1": "paid", "F2": "paid"}
    assert _reconcile(world) == (0, [])

    imported = [e for e in billing_get(world, "/audit", limit=20) if e["action"] == "bank_confirmation_imported"]
    assert {"payout": f1, "on": "2022-10-10", "reason": "账户已销户"} in imported[-1]["detail"]["failed_at_bank"]


def test_a_payout_the_bank_failed_is_paid_to_the_account_finance_confirms_next(world, tmp_path):
    world.cli("bill", "--month", "2022-10")
    world.cli("payouts", "approve", "--month", "2022-10")
    october = bank_file(world, "2022-10")
    reference = october["F2"]["reference"]
    failed = _confirm(world, tmp_path, HEADER + f"{reference},{october['F2']['amount']},2022-11-10,failed,销户\n",
                      "october-failed.csv")
    assert failed.returncode == 0, failed.stderr
    api = world.api()
    key = api.call(api.enrollment, "POST", "/facilities/F2/keys", json={}).json()["api_key"]
    api.enrollment.patch("/facilities/F2", json={"bank_account": "6222020200555566667"},
                         headers={"Authorization": f"Bearer {key}"}).raise_for_status()
    proposed_account(world, "F2")
    world.cli("payouts", "confirm-account", "--facility", "F2", "--account", "6222020200555566667")
    assert bank_file(world, "2022-10")["F2"]["account"] == "6222020200555566667"

