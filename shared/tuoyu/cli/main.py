"""The `tuoyu` command: drives the services through their APIs (scenario load, bill, report)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
import yaml
from rich.progress import Progress

from tuoyu import settings as tuoyu_settings
from tuoyu.cli.client import Api, ApiError, CliSettings
from tuoyu.cli import cycles, finance
from tuoyu.cli.classes import classes_app
from tuoyu.cli.jurisdictions import jurisdictions_app
from tuoyu.cli.keys import keys_app
from tuoyu.cli.rulesets import rulesets_app
from tuoyu.cli.scenario import steps

app = typer.Typer(help="tuoyu: childcare subsidies and billing", no_args_is_help=True, add_completion=False)
scenario_app = typer.Typer(help="Scenario files (CONTRACT 'Scenario files')", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
from tuoyu.cli.roster import import_app  # noqa: E402  (after `app`: it uses _api and _fail from here)
app.add_typer(import_app, name="import")
app.add_typer(classes_app, name="classes")
app.add_typer(jurisdictions_app, name="jurisdictions")
app.add_typer(keys_app, name="keys")
app.add_typer(rulesets_app, name="rulesets")

def _api() -> Api:
    try:
        return Api(tuoyu_settings.load(CliSettings))
    except Exception as exc:  # settings missing: say which
        _fail(f"cannot read settings ({exc}); run `make up` first, which writes .stack/secrets.env")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@scenario_app.command("load")
def scenario_load(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="scenario YAML"),
                  bulk: bool = typer.Option(False, "--bulk", help="families, children and enrollments as one roster "
                                                                   "import per facility")) -> None:
    """Load a scenario through the public APIs (a second load changes nothing)."""
    try:
        scenario = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        _fail(f"{file}: not valid YAML ({exc})")
    api = _api()
    try:
        plan = steps(api, scenario, bulk=bulk, base=file.resolve().parent)
        with Progress(transient=not sys.stderr.isatty(), console=None) as progress:
            task = progress.add_task(f"loading {file.name}", total=len(plan))
            for label, action in plan:
                progress.update(task, description=label)
                action()
                progress.advance(task)
    except ApiError as exc:
        _fail(str(exc))
    typer.echo(f"loaded {file} ({len(plan)} steps)", err=True)


finance.register(app)
cycles.register(app)


if __name__ == "__main__":
    app()
