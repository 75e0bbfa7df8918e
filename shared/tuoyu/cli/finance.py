"""The finance bureau's commands: payouts (approve, export, confirm), reconcile, budgets, audit, and the
family tokens a facility or the health commission hands out. Each is a client of the billing service's API.

Exit codes: 0 done; 1 refused or failed (one clear line on stderr, or one line per finding); 2 for `reconcile`
when the month has differences.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import typer

from tuoyu import settings as tuoyu_settings
from tuoyu.cli.client import Api, ApiError, CliSettings
from tuoyu.jurisdictions import CODE_PATTERN
from tuoyu.months import DESCRIPTION, api_month

payouts_app = typer.Typer(help="Payouts: approve the month's batch, the bank file, the bank's confirmation",
                          no_args_is_help=True)
budget_app = typer.Typer(help="Fund budgets per year (POLICY budget)", no_args_is_help=True)
token_app = typer.Typer(help="Family access tokens (the family page)", no_args_is_help=True)

DIFFERENCES_EXIT = 2


def check_month(value: str | None) -> str | None:
    """`--month`: a month the APIs take, or a usage error saying what one looks like."""
    try:
        return value if value is None else api_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


MONTH = typer.Option(..., "--month", help=DESCRIPTION, callback=check_month)


def check_jurisdiction(value: str | None) -> str | None:
    """`--jurisdiction`: a six-digit code, or a usage error saying what one looks like."""
    if value is not None and not re.fullmatch(CODE_PATTERN, value):
        raise typer.BadParameter(f"{value!r} is not a jurisdiction's six-digit code (GB/T 2260), such as 330903")
    return value


JURISDICTION = typer.Option(None, "--jurisdiction", callback=check_jurisdiction,
                            help="a jurisdiction's code, e.g. 330903 (a city's covers its districts); default: all "
                                 "that your key covers")


def scope(jurisdiction: str | None) -> dict:
    """The query parameters that narrow a request to `--jurisdiction` (none: the key's whole scope)."""
    return {"jurisdiction": jurisdiction} if jurisdiction else {}


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def settings() -> CliSettings:
    try:
        return tuoyu_settings.load(CliSettings)
    except Exception as exc:
        fail(f"cannot read settings ({exc}); run `make up` first, which writes .stack/secrets.env")


def billing(as_admin: bool = False) -> tuple[Api, httpx.Client]:
    """The API, and the billing client with the finance key (or the health commission's, for family tokens)."""
    s = settings()
    api = Api(s)
    if not as_admin:
        return api, api.billing
    key = s.admin_key.get_secret_value()
    return api, httpx.Client(base_url=s.billing_url, headers={"Authorization": f"Bearer {key}"}, timeout=900)


def call(method: str, path: str, *, as_admin: bool = False, **kwargs) -> httpx.Response:
    api, client = billing(as_admin)
    try:
        return api.call(client, method, path, **kwargs)
    except ApiError as exc:
        fail(str(exc))


def show(body) -> None:
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2))


def write_output(data: bytes, output: Path | None, binary: bool) -> None:
    if output is not None:
        output.write_bytes(data)
        typer.echo(f"wrote {output} ({len(data)} bytes)", err=True)
    elif binary and sys.stdout.isatty():
        fail("this format is binary: give --output FILE (or redirect stdout to a file)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


@payouts_app.command("list")
def list_payouts(month: str = typer.Option(None, "--month", callback=check_month),
                 status: str = typer.Option(None, "--status", help="issued, held, awaiting_budget, approved, paid, "
                                                                   "cancelled")) -> None:
    """List payouts (number, facility, status, total)."""
    params = {k: v for k, v in (("month", month), ("status", status)) if v}
    show(call("GET", "/payouts", params=params).json())


@payouts_app.command("approve")
def approve(month: str = MONTH, by: str = typer.Option(None, "--by", help="your name, for the audit trail")) -> None:
    """Approve the month's batch: every issued payout of that cycle becomes approved."""
    show(call("POST", f"/payouts/{month}/approve", json={"approver": by}).json())


@payouts_app.command("approve-over-budget")
def approve_over_budget(number: str = typer.Argument(..., help="the payout number, e.g. PAY-2022-000003"),
                        reason: str = typer.Option(..., "--reason", help="why it is paid beyond the budget"),
                        by: str = typer.Option(None, "--by")) -> None:
    """Approve a payout that waits for budget, beyond the fund's budget, recording the reason."""
    show(call("POST", f"/payouts/{number}/approve-over-budget", json={"reason": reason, "approver": by}).json())


@payouts_app.command("confirm-account")
def confirm_account(facility: str = typer.Option(..., "--facility"),
                    account: str = typer.Option(..., "--account", help="the new account, as checked with the "
                                                                        "facility"),
                    by: str = typer.Option(None, "--by", help="your name, for the audit trail")) -> None:
    """Confirm a facility's new bank account (four eyes): payouts approved from now on pay it."""
    show(call("POST", f"/facilities/{facility}/bank-account/confirm", json={"account": account, "approver": by}).json())


@payouts_app.command("export")
def export(month: str = MONTH, output: Path = typer.Option(None, "--output", "-o", help="write here, not stdout")
           ) -> None:
    """The bank file of the month's approved payouts (CSV: facility, name, account, amount, reference)."""
    write_output(call("GET", f"/bank-files/{month}").content, output, binary=False)


@payouts_app.command("confirm")
def confirm(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                        help="the bank's CSV: reference, amount, paid_on, status")) -> None:
    """Import the bank's confirmation: matching lines become paid; any bad line refuses the whole file."""
    api, client = billing()
    try:
        response = client.post("/bank-confirmations", content=file.read_bytes(), params={"file_name": file.name},
                               headers={"Content-Type": "text/csv"})
    except httpx.TransportError as exc:
        fail(f"cannot reach the billing service ({exc}); is the stack up (make up)?")
    if response.status_code == 422:
        body = response.json()
        for error in body.get("errors", []):
            typer.echo(f"{file}: {error['field']}: {error['reason']}", err=True)
        fail(f"{file} was refused: nothing changed ({len(body.get('errors', []))} problem(s))")
    if response.status_code >= 400:
        fail(f"POST /bank-confirmations → {response.status_code}: {response.text[:300]}")
    body = response.json()
    typer.echo(f"{file}: {len(body['paid'])} payout(s) paid, {body['total_paid']} in all"
               + (f"; the bank reports failed: {', '.join(body['failed_at_bank'])}" if body["failed_at_bank"] else ""),
               err=True)
    show(body)


def reconcile(month: str = MONTH, as_json: bool = typer.Option(False, "--json", help="print the whole answer"),
              jurisdiction: str = JURISDICTION) -> None:
    """Issued vs approved vs paid for the month's payouts; exits 2 when there are differences."""
    body = call("GET", f"/reconcile/{month}", params=scope(jurisdiction)).json()
    if as_json:
        show(body)
    else:
        t = body["totals"]
        typer.echo(f"{month}: issued {t['issued']}, approved {t['approved']}, paid {t['paid']}")
        for row in body["payouts"]:
            typer.echo(f"  {row['number']}  {row['facility']:<12} {row['status']:<16} issued {row['issued']:>12}  "
                       f"approved {row['approved']:>12}  paid {row['paid']:>12}")
        typer.echo(f"{len(body['differences'])} difference(s)")
        for d in body["differences"]:
            typer.echo(f"  {d['payout']} ({d['facility']}): {d['difference']}")
    if body["differences"]:
        raise typer.Exit(DIFFERENCES_EXIT)


def _fund(fund: str | None) -> str:
    if fund:
        return fund
    cycles = call("GET", "/cycles").json()
    funds = [c["fund"] for c in cycles if c["fund"]]
    if not funds:
        fail("no month has been billed yet: name the fund with --fund (the rule set's fund id)")
    return funds[-1]


@budget_app.command("set")
def budget_set(year: int = typer.Option(..., "--year"), amount: str = typer.Option(..., "--amount", help="CNY, "
                                                                                       "e.g. 700000.00"),
               fund: str = typer.Option(None, "--fund", help="default: the fund of the latest billed month"),
               by: str = typer.Option(None, "--by")) -> None:
    """Set a fund's budget for a year; payouts waiting for budget that now fit are funded."""
    show(call("PUT", f"/budgets/{_fund(fund)}/{year}", json={"amount": amount, "approver": by}).json())


@budget_app.command("show")
def budget_show() -> None:
    """Every fund and year: budget, drawn, left, waiting, held."""
    show(call("GET", "/budgets").json())


def audit(action: str = typer.Option(None, "--action"), limit: int = typer.Option(50, "--limit")) -> None:
    """The finance audit trail, newest first."""
    show(call("GET", "/audit", params={k: v for k, v in (("action", action), ("limit", limit)) if v}).json())


@token_app.command("issue")
def token_issue(facility: str = typer.Option(..., "--facility"), family: str = typer.Option(..., "--family")) -> None:
    """Issue a family's token (as the health commission); prints the token and the page's address once."""
    show(call("POST", "/family-tokens", as_admin=True, json={"facility": facility, "family": family}).json())


@token_app.command("list")
def token_list(facility: str = typer.Option(None, "--facility"), family: str = typer.Option(None, "--family")) -> None:
    params = {k: v for k, v in (("facility", facility), ("family", family)) if v}
    show(call("GET", "/family-tokens", as_admin=True, params=params).json())


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="the token's id (from issue or list)")) -> None:
    call("DELETE", f"/family-tokens/{token_id}", as_admin=True)
    typer.echo(f"family token {token_id} revoked", err=True)


def register(app: typer.Typer) -> None:
    """Add the finance commands to the `tuoyu` command."""
    app.add_typer(payouts_app, name="payouts")
    app.add_typer(budget_app, name="budget")
    app.add_typer(token_app, name="family-token")
    app.command("reconcile")(reconcile)
    app.command("audit")(audit)
