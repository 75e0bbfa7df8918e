"""`tuoyu bill` and `tuoyu report`: the monthly cycles (one per county-level jurisdiction) and what they issued.

`bill` prints the billing service's answer as one JSON line on stdout, as it always has, and, when the answer lists
each jurisdiction's cycle under `cycles`, one line per jurisdiction on stderr for the person at the terminal. It
exits 1 when any of those cycles failed (the others still ran: one failing stops none).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tuoyu.cli import finance, summary
from tuoyu.cli.client import Api, ApiError
from tuoyu.months import DESCRIPTION


def cycle_line(month: str, cycle: dict) -> str:
    """One jurisdiction's cycle of the month, as a line: what it issued, why nothing, or why it failed."""
    head = f"{cycle.get('jurisdiction', '?')} {month}:"
    if cycle.get("error"):
        return f"{head} failed: {cycle['error']}"
    if not cycle.get("issued"):
        return f"{head} nothing issued ({cycle.get('reason') or 'nothing new'})"
    blocked = len(cycle.get("blocked") or [])
    return (f"{head} issued {cycle.get('family_documents', 0)} family document(s), {cycle.get('payouts', 0)} "
            f"payout(s)" + (f", {blocked} blocked (see the report)" if blocked else ""))


def failures(result: dict) -> list[str]:
    """The lines of the cycles that failed, from a `POST /cycles/{month}` answer (none without `cycles`)."""
    return [cycle_line(result["month"], c) for c in result.get("cycles") or [] if c.get("error")]


def bill(month: str = finance.MONTH, jurisdiction: str = finance.JURISDICTION) -> None:
    """Run the month's cycle of every county-level jurisdiction under --jurisdiction (default: all your key covers).

    Idempotent: running it again issues nothing. One jurisdiction's failure stops none of the others."""
    try:
        result = Api(finance.settings()).bill(month, jurisdiction)
    except ApiError as exc:
        finance.fail(str(exc))
    typer.echo(json.dumps(result, ensure_ascii=False))
    cycles = result.get("cycles")
    if cycles is None:
        return
    for cycle in cycles:
        typer.echo(cycle_line(month, cycle), err=True)
    if failures(result):
        raise typer.Exit(1)


def report(month: str = typer.Option(None, "--month", help=DESCRIPTION, callback=finance.check_month),
           year: int = typer.Option(None, "--year", help="a year's report instead (with --by)"),
           by: str = typer.Option("facility", "--by", help="a year per facility, fund or jurisdiction"),
           format: str = typer.Option("json", "--format", help="json, csv, xlsx, or table (a month per jurisdiction, "
                                                               "for the terminal)"),
           jurisdiction: str = finance.JURISDICTION,
           output: Path = typer.Option(None, "--output", "-o", help="write to this file, not stdout")) -> None:
    """Print what the month's cycles issued (or a year per facility, fund or jurisdiction), as JSON, CSV or XLSX, or
    a month's figures per jurisdiction as a table."""
    if format not in ("json", "csv", "xlsx", "table"):
        finance.fail(f"--format {format!r}: choose json, csv, xlsx or table")
    if (month is None) == (year is None):
        finance.fail("give --month M (a month's report) or --year Y (a year's, --by facility|fund|jurisdiction)")
    if format == "table" and (year or output):
        finance.fail("--format table is a month's summary for the terminal: give --month M, and no --output")
    if by not in ("facility", "fund", "jurisdiction"):
        finance.fail(f"--by {by!r}: choose facility, fund or jurisdiction")
    path = f"/reports/{month}" if month else f"/reports/year/{year}"
    params = {"format": "json" if format == "table" else format, **({"by": by} if year else {}),
              **finance.scope(jurisdiction)}
    response = finance.call("GET", path, params=params)
    if format == "table":
        summary.print_summary(response.json())
    elif format == "json":
        data = (json.dumps(response.json(), ensure_ascii=False, indent=2) + "\n").encode()
        finance.write_output(data, output, binary=False)
    else:
        finance.write_output(response.content, output, binary=format == "xlsx")


def register(app: typer.Typer) -> None:
    """Add `bill` and `report` to the `tuoyu` command."""
    app.command("bill")(bill)
    app.command("report")(report)
