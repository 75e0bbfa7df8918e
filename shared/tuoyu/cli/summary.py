"""`tuoyu report --month M --format table`: the month per jurisdiction as a table for the person at the terminal.

Every figure is the month report's own (`GET /reports/{month}`, CONTRACT "The monthly cycle and its report"): each
jurisdiction's `totals`, and the report's `totals` for all of them; only the invoices are counted here, from the
report's `invoices`. So the table cannot disagree with the JSON that `--format json` prints.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tuoyu.money import grouped_yuan, parse_cny

# (figure, the report's total shown on that line), after the jurisdiction's invoice count.
AMOUNTS = (("Family due", "family_due"), ("Reductions", "reductions"), ("Operating subsidy", "operating_subsidy"),
           ("Construction grants", "construction_grants"), ("Adjustments", "adjustments"),
           ("Payouts", "payouts"), ("Held", "held"), ("Awaiting budget", "awaiting_budget"))
FIGURES = ("Invoices", *(figure for figure, _ in AMOUNTS))


def grouped(amount: str) -> str:
    """The report's '1234567.80' as pages show amounts: '1,234,567.80'."""
    return grouped_yuan(parse_cny(amount))


def summary(report: dict) -> dict[str, tuple[str, ...]]:
    """Each jurisdiction of the report ("name code"), then "All" of them: its cells for `FIGURES`, in order."""
    def cells(invoices: int, totals: dict) -> tuple[str, ...]:
        return (str(invoices), *(grouped(totals[key]) for _, key in AMOUNTS))

    count = lambda code: sum(1 for i in report["invoices"] if i["jurisdiction"] == code)  # noqa: E731
    return {**{f"{j['name'] or ''} {j['code']}".strip(): cells(count(j["code"]), j["totals"])
               for j in report["jurisdictions"]},
            "All": cells(len(report["invoices"]), report["totals"])}


def summary_table(report: dict) -> Table:
    """A column per jurisdiction and one for all of them, a line per figure: narrow enough for a terminal, as a
    month is billed for a few jurisdictions; amounts in yuan, right-aligned."""
    columns = summary(report)
    table = Table(title=f"{report['month']}: what the month's cycles issued (yuan)", caption=_blocked(report))
    table.add_column("", no_wrap=True)
    for heading in columns:
        table.add_column(heading, justify="right", style="bold" if heading == "All" else None)
    for line, figure in enumerate(FIGURES):
        table.add_row(figure, *(cells[line] for cells in columns.values()))
    return table


def _blocked(report: dict) -> str | None:
    """The caption naming the facilities the month's cycles blocked (POLICY "Guard rails"), if any."""
    blocked = sorted({b["facility"] for b in report.get("blocked") or []})
    return f"Blocked, nothing issued for them: {', '.join(blocked)} (see the JSON report)" if blocked else None


def print_summary(report: dict) -> None:
    Console().print(summary_table(report))
