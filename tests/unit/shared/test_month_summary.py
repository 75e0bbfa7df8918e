"""`tuoyu report --format table`'s figures (tuoyu.cli.summary): the report's own totals, per jurisdiction and for
all of them, with only the invoices counted."""

from __future__ import annotations

from rich.console import Console

from tuoyu.cli.summary import FIGURES, grouped, summary, summary_table

ZERO = {"fees": "0.00", "family_due": "0.00", "credit_notes": "0.00", "reductions": "0.00",
        "operating_subsidy": "0.00", "construction_grants": "0.00", "adjustments": "0.00", "held": "0.00",
        "awaiting_budget": "0.00", "payouts": "0.00"}
REPORT = {
    "month": "2023-01",
    "invoices": [{"jurisdiction": "330903"}, {"jurisdiction": "330903"}, {"jurisdiction": "330902"}],
    "jurisdictions": [
        {"code": "330902", "name": "定海区", "totals": {**ZERO, "family_due": "2000.00", "payouts": "160.00"}},
        {"code": "330903", "name": "普陀区", "totals": {**ZERO, "family_due": "3400.00", "reductions": "600.00",
                                                         "construction_grants": "20000.00", "payouts": "20900.00"}},
    ],
    "totals": {**ZERO, "family_due": "5400.00", "reductions": "600.00", "construction_grants": "20000.00",
               "payouts": "21060.00"},
    "blocked": [{"service_month": "2023-01", "facility": "D9", "reason": "rate above the ceiling"}],
}


def test_amounts_are_grouped_by_thousands_exactly():
    assert [grouped(a) for a in ("0.00", "1234567.80", "-10.50", "999.99")] == [
        "0.00", "1,234,567.80", "-10.50", "999.99"]


def test_each_jurisdiction_shows_its_own_totals_and_all_shows_the_reports():
    columns = summary(REPORT)
    assert list(columns) == ["定海区 330902", "普陀区 330903", "All"]
    figures = {heading: dict(zip(FIGURES, cells)) for heading, cells in columns.items()}
    assert figures["定海区 330902"]["Invoices"] == "1" and figures["普陀区 330903"]["Invoices"] == "2"
    assert figures["普陀区 330903"]["Construction grants"] == "20,000.00"
    assert figures["All"] == {"Invoices": "3", "Family due": "5,400.00", "Reductions": "600.00",
                              "Operating subsidy": "0.00", "Construction grants": "20,000.00", "Adjustments": "0.00",
                              "Payouts": "21,060.00", "Held": "0.00", "Awaiting budget": "0.00"}


def test_the_table_fits_a_terminal_of_80_columns_and_names_the_blocked_facilities():
    console = Console(width=80, record=True)
    console.print(summary_table(REPORT))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "21,060.00" in text and "普陀区 330903" in text and "Blocked" in text and "D9" in text
