"""Writing a `Table` as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tuoyu.cells import csv_text
from billing.reports.table import Table
from tuoyu.money import format_cny, parse_cny, yuan

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MONEY_FORMAT = "0.00"


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a bare CR in a cell is quoted too
    writer.writerow([c.header for c in table.columns])
    for row in [*table.rows, table.totals()]:
        writer.writerow([format_cny(row[c.key]) if c.money and row.get(c.key) is not None
                         else csv_text(row.get(c.key) or "") for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _as_text(row) -> None:
    """Store every text cell of the row as a string: openpyxl would take one starting with `=` as a formula."""
    for cell in row:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def to_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "报表"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([c.header for c in table.columns])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for row in table.rows:
        sheet.append([yuan(row[c.key]) if c.money and row.get(c.key) is not None else row.get(c.key)
                      for c in table.columns])
        _as_text(sheet[sheet.max_row])
    totals = table.totals()
    sheet.append([yuan(totals[c.key]) if c.money else totals.get(c.key) for c in table.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for i, column in enumerate(table.columns, start=1):
        if column.money:
            for (cell,) in sheet.iter_rows(min_row=header + 1, max_row=sheet.max_row, min_col=i, max_col=i):
                cell.number_format = MONEY_FORMAT
        sheet.column_dimensions[get_column_letter(i)].width = max(10, len(column.header) * 2 + 4)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
    if table.notes:
        notes = book.create_sheet("汇总")
        notes.append(["项目", "金额"])
        for label, value in table.notes:
            notes.append([label, yuan(parse_cny(value))])
            notes.cell(row=notes.max_row, column=2).number_format = MONEY_FORMAT
        notes.column_dimensions["A"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
