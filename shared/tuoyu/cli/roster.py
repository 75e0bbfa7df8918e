"""`tuoyu import roster FILE --facility F`: stream a roster file (CSV UTF-8/GBK, XLSX) to the enrollment service.

The file is sent in chunks as it is read (a rich progress bar counts the bytes), never read whole; the service
spools it and answers with a report: created, unchanged, and every bad row as (row, column, reason).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn

from tuoyu.cli.client import Api, ApiError

import_app = typer.Typer(help="Bulk imports through the public APIs", no_args_is_help=True)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 50


def _chunks(path: Path, progress: Progress, task) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            progress.advance(task, len(chunk))
            yield chunk


def upload(api: Api, path: Path, facility: str, *, dry_run: bool, encoding: str | None, key: str | None,
           console: Console) -> tuple[int, dict]:
    """Send the file; returns the HTTP status and the report (or problem) the service answered."""
    params = {"dry_run": str(dry_run).lower(), **({"encoding": encoding} if encoding else {})}
    headers = {"Content-Type": XLSX if path.suffix.lower() == ".xlsx" else "text/csv"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn())
    with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
        task = progress.add_task(f"{'checking' if dry_run else 'importing'} {path.name}",
                                 total=path.stat().st_size)
        try:
            response = api.enrollment.post(f"/facilities/{facility}/roster", params=params, headers=headers,
                                           content=_chunks(path, progress, task))
        except httpx.TransportError as exc:
            raise ApiError(f"cannot reach the enrollment service at {api.enrollment.base_url} ({exc}); is the stack "
                           "up (make up)?") from None
    try:
        body = response.json()
    except ValueError:
        raise ApiError(f"POST /facilities/{facility}/roster → {response.status_code}: {response.text[:300]}") from None
    return response.status_code, body


def summary(status: int, body: dict) -> list[str]:
    """What to tell the person at the terminal, one line each."""
    if "rows" not in body:  # a problem with the file or the request, not with rows
        fields = ", ".join(e["field"] for e in body.get("errors", []))
        return [f"error ({status}): {body.get('detail') or body}" + (f" [{fields}]" if fields and fields not in
                                                                       str(body.get("detail")) else "")]
    created = body["created"]
    verb = "would create" if body["dry_run"] else "created"
    lines = [f"{body['rows']} rows ({body['format']}{', ' + body['encoding'] if body.get('encoding') else ''}): "
             f"{verb} {created['families']} families, {created['children']} children, "
             f"{created['enrollments']} enrollments; {body['unchanged']} unchanged; {body['bad_rows']} bad rows"]
    if status == 422:
        lines.append("nothing was written")
    for e in body["errors"][:SHOWN_ERRORS]:
        lines.append(f"row {e['row']}, {e['column']}: {e['reason']}")
    if len(body["errors"]) > SHOWN_ERRORS:
        lines.append(f"… and {len(body['errors']) - SHOWN_ERRORS} more (--json prints them all)")
    return lines


@import_app.command("roster")
def roster(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (UTF-8 or GBK) or XLSX"),
           facility: str = typer.Option(..., "--facility", help="the facility's external_id"),
           dry_run: bool = typer.Option(False, "--dry-run", help="check every row, write nothing"),
           encoding: str = typer.Option(None, "--encoding", help="utf-8 | gbk | gb18030 (CSV; detected if absent)"),
           key: str = typer.Option(None, "--key", envvar="TUOYU_FACILITY_KEY",
                                   help="the facility's API key (default: the admin key from settings)"),
           as_json: bool = typer.Option(False, "--json", help="print the whole report as JSON on stdout")) -> None:
    """Import a roster of families, children and enrollments; a second import of the same file changes nothing.

    Exits 1 when any row is bad (the good rows of a real import are applied all the same).
    """
    from tuoyu.cli.main import _api, _fail
    console = Console(stderr=True)
    try:
        status, body = upload(_api(), file, facility, dry_run=dry_run, encoding=encoding, key=key, console=console)
    except ApiError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    for line in summary(status, body):
        typer.echo(line, err=True)
    if status >= 400 or body.get("errors"):
        raise typer.Exit(1)
