"""`tuoyu jurisdictions add | list | population`: the platform operator's divisions (POLICY "Jurisdictions"), with
its key, and a district's residents on a date, which the health commission enters for its planning figures.

Exit 0 done (adding the same jurisdiction, or the same residents, again changes nothing); 1 refused, with the one
line why.
"""

from __future__ import annotations

import json

import typer

from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.finance import fail, settings

jurisdictions_app = typer.Typer(help="Jurisdictions (行政区划): the platform operator adds them; the health "
                                     "commission enters their residents",
                                no_args_is_help=True)


@jurisdictions_app.command("add")
def add(code: str = typer.Option(..., "--code", help="six digits (GB/T 2260), e.g. 330903"),
        name: str = typer.Option(..., "--name", help="its name, e.g. 普陀区"),
        parent: str = typer.Option(None, "--parent", help="the code it sits under, added before it (none: a city "
                                                          "or province; with one: county-level, where facilities "
                                                          "are filed)")) -> None:
    """Add a jurisdiction with the operator key (TUOYU_OPERATOR_KEY, or .stack/secrets.env)."""
    api = Api(settings())
    try:
        answer = api.call(api.operator, "POST", "/jurisdictions",
                          json={"code": code, "name": name, **({"parent": parent} if parent else {})}).json()
    except ApiError as exc:
        fail(str(exc))
    typer.echo(json.dumps(answer, ensure_ascii=False))


@jurisdictions_app.command("list")
def listed() -> None:
    """Print every jurisdiction with its parent, one JSON object a line, by code."""
    api = Api(settings())
    try:
        answer = api.call(api.operator, "GET", "/jurisdictions").json()
    except ApiError as exc:
        fail(str(exc))
    for jurisdiction in answer:
        typer.echo(json.dumps(jurisdiction, ensure_ascii=False))


@jurisdictions_app.command("population")
def population(code: str = typer.Option(..., "--code", help="a county-level jurisdiction, e.g. 330903"),
               on: str = typer.Option(..., "--on", help="the date the figure is for, e.g. 2025-01-01"),
               residents: int = typer.Option(..., "--residents", help="people living there, e.g. 320000")) -> None:
    """Enter a district's residents on a date with the health commission's key (TUOYU_ADMIN_KEY): the planning
    figures' places per 1,000 residents. The same date again corrects the figure."""
    api = Api(settings())
    try:
        answer = api.call(api.enrollment, "POST", f"/jurisdictions/{code}/populations",
                          json={"as_of": on, "residents": residents}).json()
    except ApiError as exc:
        fail(str(exc))
    typer.echo(json.dumps(answer, ensure_ascii=False))
