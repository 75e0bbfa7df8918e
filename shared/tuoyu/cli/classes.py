"""`tuoyu classes confirm`: the health commission confirms classes (POLICY "Guard rails"), one or a CSV file's worth.

A class earns its construction grant only once confirmed; a confirmation dated in a month already billed is paid by
the next cycle as an adjustment of that month. Exit 0 done; 1 refused (one line per problem, nothing recorded).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import typer

from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.finance import fail, settings

classes_app = typer.Typer(help="Classes (托班): the health commission's confirmations", no_args_is_help=True)
COLUMNS = ["facility", "class", "confirmed_on"]


def rows_of(text: str, name: str) -> list[dict]:
    """The confirmations of a CSV file with the header facility,class,confirmed_on (ValueError naming the line)."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if header != COLUMNS:
        raise ValueError(f"{name}: line 1 must be the header {','.join(COLUMNS)}, not {','.join(header)!r}")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{name}: line {line} has {len(cells)} cells, not {len(COLUMNS)} ({','.join(COLUMNS)})")
        rows.append(dict(zip(COLUMNS, (cell.strip() for cell in cells))))
    if not rows:
        raise ValueError(f"{name}: no confirmations after the header")
    return rows


@classes_app.command("confirm")
def confirm(facility: str = typer.Option(None, "--facility", help="the facility's external id"),
            klass: str = typer.Option(None, "--class", help="the class's external id at that facility"),
            day: str = typer.Option(None, "--date", help="the confirmation date, e.g. 2022-09-20"),
            file: Path = typer.Option(None, "--file", exists=True, dir_okay=False,
                                      help="a CSV file of confirmations (header facility,class,confirmed_on), "
                                           "recorded all or none")) -> None:
    """Confirm a class from a date (or every class of --file): from then on it may earn its construction grant.

    Confirming again on the same date changes nothing; another date is refused (a confirmation is recorded once)."""
    if (file is None) == (facility is None or klass is None or day is None):
        fail("give --facility, --class and --date, or --file")
    try:
        confirmations = rows_of(file.read_text(encoding="utf-8-sig"), str(file)) if file else None
    except (ValueError, UnicodeDecodeError) as exc:
        fail(str(exc))
    api = Api(settings())
    try:
        if confirmations is None:
            answer = api.call(api.enrollment, "PUT", f"/facilities/{facility}/classes/{klass}/confirmation",
                              json={"confirmed_on": day}).json()
        else:
            answer = api.call(api.enrollment, "POST", "/class-confirmations",
                              json={"confirmations": confirmations}).json()
    except ApiError as exc:
        fail(f"{exc}" + (" (confirmations[i] is line i + 2 of the file; nothing was recorded)" if file else ""))
    typer.echo(json.dumps(answer, ensure_ascii=False))
