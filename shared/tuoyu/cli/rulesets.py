"""`tuoyu rulesets load FILE | list`: the health commission's rule-set documents (POLICY "Rule sets are data"), with
the commission key (TUOYU_ADMIN_KEY, or .stack/secrets.env) on the subsidy service.

Exit 0 done (loading the same document again changes nothing); 1 refused, with every problem of the document on one
line (`path: reason; ...`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tuoyu.cli.client import Api, ApiError
from tuoyu.cli.finance import fail, settings

rulesets_app = typer.Typer(help="Rule sets: dated YAML documents, each covering the jurisdictions it names",
                           no_args_is_help=True)


def summary(ruleset: dict) -> str:
    """A loaded rule set in one line: id, version, from when, where, paid from which fund."""
    covers = ", ".join(ruleset.get("jurisdictions") or []) or "every jurisdiction (platform-wide)"
    return (f"{ruleset['id']} version {ruleset['version']} from {ruleset['valid_from']}, covers {covers}, fund "
            f"{ruleset['fund']['id']} ({ruleset['fund']['name']})")


@rulesets_app.command("load")
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                     help="a rule-set YAML document, as in services/subsidy/rulesets/")) -> None:
    """Load a rule-set document (a new id, or a new version of one); the same document again changes nothing."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{file}: a rule-set document is UTF-8 YAML")
    api = Api(settings())
    try:
        response = api.call(api.subsidy, "POST", "/rulesets", content=text.encode(),
                            headers={"Content-Type": "application/yaml"})
    except ApiError as exc:
        fail(f"{file}: {exc}")
    state = "loaded" if response.status_code == 201 else "already loaded, nothing changed"
    typer.echo(f"{state}: {summary(response.json())}", err=True)
    typer.echo(json.dumps(response.json(), ensure_ascii=False))


@rulesets_app.command("list")
def listed() -> None:
    """Print every loaded rule set (each version), one line each: id, version, valid from, covers, fund."""
    api = Api(settings())
    try:
        answer = api.call(api.subsidy, "GET", "/rulesets").json()
    except ApiError as exc:
        fail(str(exc))
    for ruleset in answer:
        typer.echo(summary(ruleset))
