"""`tuoyu jurisdictions add | list`: the platform operator's divisions (POLICY "Jurisdictions"), with its key.

Exit 0 done (adding the same jurisdiction again changes nothing); 1 refused, with the one line why.
"""

from __future__ import annotations

import json

import typer

from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.finance import fail, settings

jurisdictions_app = typer.Typer(help="Jurisdictions (行政区划): the platform operator adds them",
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
